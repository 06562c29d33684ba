/* The model format (docs/format.md) as the library's files share it: the
   writer (model_write.c), the loader (model_read.c) and the file handling of
   nn_save() and nn_load() (io.c). Not installed. */
#ifndef BACKPROP_MODEL_FORMAT_H
#define BACKPROP_MODEL_FORMAT_H

#include "backprop.h"
#include "internal.h"
#include "load_options.h"
#include "model_parser.h"
#include "text.h"

#include <stddef.h>

#define NN__MODEL_MAGIC "backprop-model"
/* Version 1 is the network alone; version 2 is version 1 followed by
   sections (model_sections.h). A file is written as version 2 only when it
   carries a section. */
#define NN__MODEL_VERSION_PLAIN 1
#define NN__MODEL_VERSION_SECTIONS 2

/* The file's words for a layer's frozen setting, indexed by (frozen weights)
   + 2 * (frozen biases); NULL past them. */
const char *nn__frozen_word(int index);

/* Checks what saving needs: finite parameters and names for every setting.
   NN_OK, NN_ERR_LOSS, NN_ERR_ACTIVATION or NN_ERR_PARAMS_NOT_FINITE. */
nn_status nn__check_savable(const nn_t *net);
struct nn__model_extras; /* model_sections.h */

/* Writes the model's text, sections included (those of x too; NULL: the
   network's own), to w. */
void nn__write_model(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w);

/* Fails with NN_ERR_TOO_LARGE (and a message) when an input of `size` bytes
   is beyond the caller's cap. */
nn_status nn__check_max_bytes(size_t size, size_t max_bytes, char *msg, size_t msg_size);
/* Reads a model from p, set up over a whole input or a stream, into *out;
   what sections read beyond the network goes to x (NULL: nowhere). */
nn_status nn__read_model(struct nn__parser *p, const struct load_settings *settings,
                         struct nn__model_extras *x, nn_t **out);

#endif

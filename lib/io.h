/* io.c's calls for the library's other files: saving and loading a model
   file with the objects of struct nn__model_extras (a trainer's state).
   Not installed. */
#ifndef BACKPROP_IO_H
#define BACKPROP_IO_H

#include "model_sections.h"

/* Saves net and the objects of x (x->optimizer not NULL) to path under
   nn_save()'s rules; the statuses of nn_save_checkpoint(). */
nn_status nn__save_extras(const nn_t *net, const struct nn__model_extras *x, const char *path);
/* Loads the network of the file at path, with the defaults of
   nn_load_with(), and the sections' objects into x (released again on
   failure); *out is NULL on failure. */
nn_status nn__load_extras(nn_t **out, const char *path, struct nn__model_extras *x);

#endif

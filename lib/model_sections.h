/* The sections of a version-2 model file (docs/format.md, "Sections"): what
   follows `end`, each section a line "section <name>" and the lines its
   reader expects. A network that carries no section is written as version 1,
   so every file of an older library saves byte for byte.

   Adding a section is one entry in the table of model_sections.c, whose
   functions live in a file of their own (section_<name>.c, declared below):
   - carried: 1 when the network (or an object of x) has something to write
     in the section (the file is then version 2 and the section is written);
   - write: the section's lines after "section <name>", through the writer;
   - read: reads exactly those lines (nn__expect_line() and the other calls of
     model_parser.h) and applies them to the loaded network (or hands what it
     read to the caller through x), leaving any line it does not expect to
     the loop, which then refuses it;
   - max_bytes: the most bytes the section may take, its "section" line and
     room for comments included, given the network's shape; the loader adds
     it to the input's cap for every version-2 file, so keep it to what a
     section can legitimately hold. Not installed. */
#ifndef BACKPROP_MODEL_SECTIONS_H
#define BACKPROP_MODEL_SECTIONS_H

#include "backprop.h"
#include "model_parser.h"
#include "text.h"

#include <stddef.h>
#include <stdint.h>

/* Objects a file carries beside the network, for sections that hold more
   than the network's own settings (a checkpoint's optimiser): the writer's
   caller says what to write, the loader's caller where what a section read
   goes. nn_save() and nn_load() pass none (NULL). The type gets its members,
   here, with the first section that needs one. */
struct nn__model_extras;

struct nn__section {
    const char *name;
    int (*carried)(const nn_t *net, const struct nn__model_extras *x);
    void (*write)(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w);
    nn_status (*read)(struct nn__parser *p, nn_t *net, struct nn__model_extras *x);
    uint64_t (*max_bytes)(size_t n_layers, const size_t *sizes, uint64_t params);
};

/* 1 when the network or x carries any section: it is saved as version 2. */
int nn__sections_carried(const nn_t *net, const struct nn__model_extras *x);
/* Each carried section, in the table's order, after `end`. */
void nn__write_sections(const nn_t *net, const struct nn__model_extras *x,
                        struct nn__writer *w);
/* Reads the sections after `end` to the end of the input, in any order,
   each at most once. An unknown section name is NN_ERR_UNKNOWN_NAME. */
nn_status nn__parse_sections(struct nn__parser *p, nn_t *net, struct nn__model_extras *x);
/* The bytes every known section may take together. */
uint64_t nn__sections_max_bytes(size_t n_layers, const size_t *sizes, uint64_t params);

/* section_training.c: the network's training settings that the layers do
   not hold (the batch reduction). */
int nn__training_carried(const nn_t *net, const struct nn__model_extras *x);
void nn__training_write(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w);
nn_status nn__training_read(struct nn__parser *p, nn_t *net, struct nn__model_extras *x);
uint64_t nn__training_max_bytes(size_t n_layers, const size_t *sizes, uint64_t params);

#endif

/* The sections of a version-2 model file (docs/format.md, "Sections"): what
   follows `end`, each section a line "section <name>" and the lines its
   reader expects. A network that carries no section is written as version 1,
   so every file of an older library saves byte for byte.

   Adding a section is one entry in the table of model_sections.c, whose
   functions live in a file of their own (section_<name>.c, declared below):
   - carried: 1 when the network (or an object of x) has something to write
     in the section (the file is then version 2 and the section is written);
   - write: the section's lines after "section <name>", through the writer
     (a line of numbers: nn__write_number_line() of hexfloat.h);
   - read: reads exactly those lines (nn__expect_line() and the other calls of
     model_parser.h) and applies them to the loaded network (or hands what it
     read to the caller through x), leaving any line it does not expect to
     the loop, which then refuses it;
   - max_bytes: the most bytes the section may take, its "section" line and
     room for comments included, given the network's shape; the loader adds
     it to the input's cap for every version-2 file, so keep it to what a
     section can legitimately hold.
   A section's file calls the parser (model_parser.h), the writer (text.h,
   hexfloat.h) and the library's calls, never model_write.c, model_read.c or
   this table's file, which call it (the `abi` suite refuses a cycle of
   calls between files). Not installed. */
#ifndef BACKPROP_MODEL_SECTIONS_H
#define BACKPROP_MODEL_SECTIONS_H

#include "backprop.h"
#include "model_parser.h"
#include "text.h"

#include <stddef.h>
#include <stdint.h>

struct nn__train_state;

/* Objects a file carries beside the network, for sections that hold more
   than the network's own settings: the writer's caller says what to write,
   the loader's caller where what a section read goes. nn_save() and
   nn_load() pass none (NULL): their sections then write nothing of x, and
   read what the file holds, check it and drop it. */
struct nn__model_extras {
    /* writing: the optimiser of a checkpoint (section `optimizer`); NULL: none */
    const nn_optimizer_t *optimizer;
    /* reading: the optimiser that section `optimizer` made, NULL when the
       file has none; the loader's caller owns it */
    nn_optimizer_t *loaded_optimizer;
    /* writing: a trainer's state (section `trainer`); NULL: none */
    const struct nn__train_state *train_state;
    /* reading: the state that section `trainer` read (its arrays from
       malloc), NULL when the file has none; the loader's caller owns it */
    struct nn__train_state *loaded_train_state;
};

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
/* Releases what the sections read into x (a failed load); NULL: nothing. */
void nn__release_extras(struct nn__model_extras *x);

/* section_training.c: the network's training settings that the layers do
   not hold (the batch reduction). */
int nn__training_carried(const nn_t *net, const struct nn__model_extras *x);
void nn__training_write(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w);
nn_status nn__training_read(struct nn__parser *p, nn_t *net, struct nn__model_extras *x);
uint64_t nn__training_max_bytes(size_t n_layers, const size_t *sizes, uint64_t params);

/* section_scaling.c: the network's input and target scaling. */
int nn__scaling_carried(const nn_t *net, const struct nn__model_extras *x);
void nn__scaling_write(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w);
nn_status nn__scaling_read(struct nn__parser *p, nn_t *net, struct nn__model_extras *x);
uint64_t nn__scaling_max_bytes(size_t n_layers, const size_t *sizes, uint64_t params);

/* section_classes.c: the names of the classes the outputs stand for. */
int nn__classes_carried(const nn_t *net, const struct nn__model_extras *x);
void nn__classes_write(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w);
nn_status nn__classes_read(struct nn__parser *p, nn_t *net, struct nn__model_extras *x);
uint64_t nn__classes_max_bytes(size_t n_layers, const size_t *sizes, uint64_t params);

/* section_optimizer.c: a checkpoint's optimiser (kind, hyperparameters and
   flat state). */
int nn__optimizer_carried(const nn_t *net, const struct nn__model_extras *x);
void nn__optimizer_write(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w);
nn_status nn__optimizer_read(struct nn__parser *p, nn_t *net, struct nn__model_extras *x);
uint64_t nn__optimizer_max_bytes(size_t n_layers, const size_t *sizes, uint64_t params);
/* What saving a checkpoint of net and opt needs beyond nn__check_savable():
   NN_OK, NN_ERR_NULL_ARG (no optimiser) or NN_ERR_COUNT (another layout). */
nn_status nn__check_checkpoint(const nn_t *net, const nn_optimizer_t *opt);

/* section_trainer.c: a trainer's state (trainer_state.h). */
int nn__trainer_carried(const nn_t *net, const struct nn__model_extras *x);
void nn__trainer_write(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w);
nn_status nn__trainer_read(struct nn__parser *p, nn_t *net, struct nn__model_extras *x);
uint64_t nn__trainer_max_bytes(size_t n_layers, const size_t *sizes, uint64_t params);
/* Releases a state that nn__trainer_read() made; NULL: nothing. */
void nn__train_state_free(struct nn__train_state *s);

#endif

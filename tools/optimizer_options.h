/* The optimiser options of the command: --optimizer NAME, one option per
   hyperparameter (the library's names, '-' for '_': --beta1, --weight-decay)
   and --clip MAX_NORM. The names all come from the library's lookups, so a
   new kind or hyperparameter needs no change here. */
#ifndef BACKPROP_TOOLS_OPTIMIZER_OPTIONS_H
#define BACKPROP_TOOLS_OPTIMIZER_OPTIONS_H

#include <backprop.h>

#include <stdio.h>

/* Room for the library's hyperparameter codes (0, 1, 2, ...). */
enum { OPTIMIZER_OPTIONS_MAX = 32 };

/* The texts given on the command line, NULL where not given. */
struct optimizer_options {
    const char *kind;                          /* --optimizer */
    const char *values[OPTIMIZER_OPTIONS_MAX]; /* --HYPERPARAMETER, by code */
};

/* The slot of the option `option` ("--beta1") in `o`, or NULL when it names
   no hyperparameter. */
const char **optimizer_options_slot(struct optimizer_options *o, const char *option);

/* The code of the first hyperparameter given, or -1. */
int optimizer_options_first_given(const struct optimizer_options *o);

/* The option naming hyperparameter `code` ("--weight-decay") into `buffer`. */
const char *optimizer_options_name(int code, char *buffer, size_t size);

/* Writes the hyperparameter options, separated by `sep`. */
void optimizer_options_put_hyperparameters(FILE *f, const char *sep);

/* Makes the optimiser the options ask for, for `net`, into *out (NULL when
   no --optimizer was given). Returns 0, or the exit status (1: out of memory,
   2: bad usage) with a one-line message in `message`. */
int optimizer_options_make(const struct optimizer_options *o, const nn_t *net,
                           nn_optimizer_t **out, char *message, size_t size);

#endif

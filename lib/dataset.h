/* The data set handle (nn_dataset_t): rows of inputs and targets, owned or
   borrowed, with the class names of a classification set and each row's
   index in the set it came from. dataset.c owns the struct; the loaders
   (CSV, FANN), the split and the shuffle build sets through the calls
   below and never write a set's fields after it is made. Not installed. */
#ifndef BACKPROP_DATASET_H
#define BACKPROP_DATASET_H

#include "backprop.h"

#include <stddef.h>

struct nn_dataset {
    size_t n_rows;
    size_t n_inputs;
    size_t n_targets;
    const double *inputs;  /* n_rows x n_inputs, row-major */
    const double *targets; /* n_rows x n_targets, row-major; NULL when n_targets is 0 */
    double *owned;         /* the copy inputs and targets point into; NULL when borrowed */
    size_t *source;        /* n_rows source indices; NULL: row i came from row i */
    size_t n_classes;      /* 0, or n_targets for a one-hot classification set (2 for one 0/1 target) */
    char **class_names;    /* n_classes strings, each its own allocation */
};

/* A set of n_rows rows with room for the values, source indices and no
   classes; the caller fills owned (inputs first, then targets) and source.
   NN_ERR_TOO_LARGE when the sizes overflow. */
nn_status nn__dataset_alloc(nn_dataset_t **out, size_t n_rows, size_t n_inputs, size_t n_targets);
/* Copies the n class names into data (replacing any); the count rule is the
   caller's. */
nn_status nn__dataset_copy_class_names(nn_dataset_t *data, size_t n, const char *const *names);
/* The source index of row i. */
static inline size_t nn__dataset_source(const nn_dataset_t *data, size_t i)
{
    return data->source != NULL ? data->source[i] : i;
}

#endif

/* The settings of the loaders (nn_load_with(), nn_load_buffer_with()) as io.c
   reads them: the caller's handle and the old loaders' parallel arrays both
   become one struct load_settings. */
#ifndef BACKPROP_LOAD_OPTIONS_H
#define BACKPROP_LOAD_OPTIONS_H

#include "backprop.h"

#include <stddef.h>

/* One custom activation a model may name. */
struct nn_load_custom {
    char name[NN_MAX_NAME + 1];
    nn_activation_fn f;
    nn_activation_deriv_fn df;
    void *context;
};

/* The custom activations of one load, given in either of two shapes. */
struct customs {
    size_t n;
    /* the options' entries (NULL when the arrays below are used) */
    const struct nn_load_custom *entries;
    /* or the parallel arrays of nn_load_ex() */
    const char *const *names;
    const nn_activation_fn *fs;
    const nn_activation_deriv_fn *dfs;
    void *const *contexts;
};

struct load_settings {
    struct customs customs;
    size_t max_bytes;            /* the caller's cap on the input; SIZE_MAX: none */
    nn_alloc_fn alloc;           /* NULL: the C library's malloc and free */
    nn_dealloc_fn dealloc;
    void *alloc_context;
};

/* The settings of `options`, or the defaults for NULL. */
void nn__load_settings(const nn_load_options_t *options, struct load_settings *settings);

/* The first custom activation called the n bytes at t; 0 if none. */
int nn__find_custom(const struct customs *c, const char *t, size_t n,
                    struct nn_load_custom *found);

#endif

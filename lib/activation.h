/* The table of built-in activations (activation.c): everything a pass needs
   to know about one, so that no pass tests an activation's code. Adding an
   activation is one entry in the table (docs/architecture.md). */
#ifndef BACKPROP_ACTIVATION_H
#define BACKPROP_ACTIVATION_H

#include "internal.h"
#include "names.h"

struct nn_activation {
    int code;               /* its NN_ACT_* value: the entry's index */
    struct nn_names names;  /* names.names is the model file's word */
    /* Whether a_i depends on z_i alone, so that f'(z_i) exists per unit and
       a pass may split a layer's units among threads. A vector activation
       (softmax) sees a sample's units together and has `backward` instead
       of `deriv`. */
    int elementwise;
    /* Whether it is the logistic function, which the kernels also compute
       in vector registers (nn__activate's `vector`). */
    int logistic;
    /* Whether every output lies in (0, 1], so that a loss with a log of the
       outputs (cross-entropy) may follow it. */
    int probabilities;
    /* Whether nn_train_sample()'s register path (tiny.c) may run a layer
       with it: only activations whose value it forms with the same bits. */
    int tiny;
    /* a = f(z) over n units (a whole layer's row when not elementwise) */
    void (*value)(size_t n, const double *z, double *a);
    /* elementwise ones: d_i = f'(z_i), from z and a */
    void (*deriv)(size_t n, const double *z, const double *a, double *d);
    /* vector ones: on entry delta holds dE/da of one sample, on return dE/dz */
    void (*backward)(size_t n, const double *z, const double *a, double *delta);
};

/* The table, indexed by code (contiguous from 0), and its length. */
#define NN__N_ACTIVATIONS 7
extern const struct nn_activation nn__activation_table[NN__N_ACTIVATIONS];

/* The entry of a built-in code; NULL for NN_ACT_CUSTOM and unknown codes.
   Inline: the register path (tiny.c) asks once per layer. */
static inline const struct nn_activation *nn__activation(int code)
{
    return code >= 0 && code < NN__N_ACTIVATIONS ? &nn__activation_table[code] : NULL;
}

/* Whether `code` is a built-in activation. */
static inline int nn__activation_is_builtin(int code)
{
    return nn__activation(code) != NULL;
}

/* Whether a pass must give layer l's activation a sample's units together:
   a vector activation, and a user-supplied one (its function is called on
   whole rows, and may read them as a whole). Elementwise built-ins may be
   split by units. */
int nn__activation_takes_rows(const struct nn_layer *l);

/* Whether layer l's activation may run on the register path (tiny.c); a
   user's function is called there as everywhere. */
static inline int nn__activation_tiny(const struct nn_layer *l)
{
    const struct nn_activation *f = nn__activation(l->activation);
    return f == NULL || f->tiny;
}

/* Whether layer l's activation is the logistic function. */
static inline int nn__activation_logistic(const struct nn_layer *l)
{
    const struct nn_activation *f = nn__activation(l->activation);
    return f != NULL && f->logistic;
}

/* a = f(z) for n units of layer l (all of a row unless elementwise). With
   `vector` non-NULL the logistic function is the vector kernel's. */
void nn__activate(const struct nn_kernels *vector, const struct nn_layer *l, const double *z,
                  double *a, size_t n);

/* delta = dE/dz from delta = dE/da, for n units of one sample of layer l:
   f'(z) times delta for elementwise activations (f' formed in `scratch`, n
   doubles), the vector backward for the others. */
void nn__activation_backward(const struct nn_layer *l, const double *z, const double *a,
                             double *delta, size_t n, double *scratch);

/* d = f'(z) for an elementwise activation (explain shows it); 0 when the
   activation is a vector one, which has no derivative per unit. */
int nn__activation_deriv(const struct nn_layer *l, const double *z, const double *a, double *d,
                         size_t n);

#endif

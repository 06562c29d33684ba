/* The table of built-in losses (loss.c), and the one function that turns a
   loss and the output layer's activation into the output layer's deltas.
   Adding a loss is one entry in the table (docs/architecture.md). */
#ifndef BACKPROP_LOSS_H
#define BACKPROP_LOSS_H

#include "internal.h"
#include "activation.h"
#include "names.h"

struct nn_loss {
    int code;              /* its NN_LOSS_* value: the entry's index */
    struct nn_names names; /* names.name is the model file's word */
    /* Whether it takes the log of the outputs, so that the output layer's
       activation must give values in (0, 1] (nn__loss_fits). */
    int needs_probabilities;
    /* Whether nn_train_sample()'s register path (tiny.c) may run it; it
       forms the output deltas with nn__output_delta() as every pass does. */
    int tiny;
    /* Whether dE/do is o - t exactly (half the sum of squares): then
       nn__output_delta() forms an elementwise layer's deltas in one loop. */
    int difference;
    /* E of one sample from its n outputs o and targets t */
    double (*value)(size_t n, const double *o, const double *t);
    /* g = dE/do */
    void (*grad)(size_t n, const double *o, const double *t, double *g);
    /* one output's share of E (explain shows each) */
    double (*term)(size_t n, double o, double t);
    /* The output activation with which E and dE/dz have a closed form in z
       (softmax for cross-entropy, the logistic function for the binary one),
       -1 for none; with it the two functions below replace value, and grad
       times the activation's backward. */
    int fused_activation;
    double (*fused_value)(size_t n, const double *z, const double *t);
    void (*fused_delta)(size_t n, const double *o, const double *t, double *delta);
};

/* The table, indexed by code (contiguous from 0), and its length. */
#define NN__N_LOSSES 4
extern const struct nn_loss nn__loss_table[NN__N_LOSSES];

/* The entry of a built-in code; NULL for unknown codes. */
static inline const struct nn_loss *nn__loss(int code)
{
    return code >= 0 && code < NN__N_LOSSES ? &nn__loss_table[code] : NULL;
}

static inline int nn__loss_is_valid(int code)
{
    return nn__loss(code) != NULL;
}

/* Whether the output layer forms its deltas with the fused form. */
static inline int nn__loss_fused(int loss, const struct nn_layer *out)
{
    return nn__loss_table[loss].fused_activation == out->activation;
}

/* NN_OK, or NN_ERR_LOSS_OUTPUT when `loss` cannot follow the output layer
   `out`'s activation (a log of outputs that may be 0 or negative). */
nn_status nn__loss_fits(int loss, const struct nn_layer *out);

/* E of one sample, from the output layer's net inputs z and outputs o. */
double nn__loss_value(int loss, const struct nn_layer *out, const double *z, const double *o,
                      const double *t);

/* dE/dz of one output o with target t for o - t through the logistic
   function (the commonest pair; the register paths form it with no table). */
static inline double nn__logistic_difference_delta(double o, double t)
{
    return (o - t) * (o * (1.0 - o));
}

/* The output layer's deltas dE/dz of one sample: the fused form when the
   loss has one for the layer's activation, else dE/do through the
   activation's backward (`scratch`: n_out doubles). Every pass forms them
   here. Inline, with the commonest pair (o - t through the logistic
   function) in one loop that gives the bits of the general form, because
   the register path (tiny.c) of a tiny network waits on it: that path
   passes its constant bound on the layer size (`bound` >= n_out), so that
   the loop unrolls and the deltas stay in registers. */
static inline void nn__output_delta_bounded(int loss, const struct nn_layer *out,
                                            const double *z, const double *o, const double *t,
                                            double *delta, double *scratch, size_t bound)
{
    const struct nn_loss *e = &nn__loss_table[loss];
    const size_t n = out->n_out;
    if (nn__loss_fused(loss, out)) {
        e->fused_delta(n, o, t, delta);
    } else if (e->difference && nn__activation_logistic(out)) {
        for (size_t i = 0; i < bound; i++)
            if (i < n)
                delta[i] = nn__logistic_difference_delta(o[i], t[i]);
    } else {
        e->grad(n, o, t, delta);
        nn__activation_backward(out, z, o, delta, n, scratch);
    }
}

static inline void nn__output_delta(int loss, const struct nn_layer *out, const double *z,
                                    const double *o, const double *t, double *delta,
                                    double *scratch)
{
    nn__output_delta_bounded(loss, out, z, o, t, delta, scratch, out->n_out);
}

/* dE/do of one sample (explain shows it); the deltas come from nn__output_delta. */
void nn__loss_grad(int loss, size_t n, const double *o, const double *t, double *g);

/* One output's term of E (the terms of the fused forms are those of the
   general formula). */
double nn__loss_term(int loss, size_t n, double o, double t);


#endif

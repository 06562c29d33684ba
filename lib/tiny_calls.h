/* The arithmetic of nn_forward(), nn_backward() and nn_step() for tiny
   networks (every layer at most NN_TINY_LAYER units), inlined into the
   calls (train.c, grads.c). Not installed.

   At these sizes a call costs what it sets up, not what it computes: a
   kernel call per layer and vector (each choosing its vector and tail
   loops) costs more than the few multiply-adds it does, and so does a loop
   over the layers whose count is not known. These are the same loops
   written out for a few units. The calls instantiate their whole sequence
   (checks, gradient state, versions) once per bound with TINY_DISPATCH, so
   that the loops over units and over layers unroll completely. Every value
   is formed with the expressions, and in the order, of tiny.c (those of
   activation.c, loss.c and the scalar kernels), so that on a tiny network
   the three calls give the bits of nn_train_sample(). */
#ifndef BACKPROP_TINY_CALLS_H
#define BACKPROP_TINY_CALLS_H

#include "internal.h"
#include "activation.h"
#include "bounds.h"
#include "loss.h"
#include "tiny_attr.h"
#include "tiny_layer.h"

#include <math.h>

/* Whether a network takes the tiny paths: every layer at most NN_TINY_LAYER
   units, every activation and the loss opting in (nn__tiny_fits). */
static inline int nn__is_tiny(const nn_t *net)
{
    return net->max_size <= NN_TINY_LAYER && net->tiny_fits;
}

/* TINY_DISPATCH(net, call) evaluates call(cap, top, logistic) with the
   bounds of a tiny net: `cap` bounds the units of every layer, `top` is the
   output layer's index and `logistic` whether net->tiny_fits is
   NN_TINY_LOGISTIC. It passes constants where it can (cap 2, 4 or
   NN_TINY_LAYER; top 2 for one hidden layer; logistic for the commonest
   network, one hidden layer of at most two units), so that the compiler
   unrolls the loops and drops the branches of the other cases. */
#define NN_TINY_ALL_LOGISTIC(net) ((net)->tiny_fits == NN_TINY_LOGISTIC)
#define TINY_DISPATCH(net, call)                                                       \
    ((net)->n_layers == 3 && (net)->max_size <= 2                                      \
         ? (NN_TINY_ALL_LOGISTIC(net) ? call(2, 2, 1) : call(2, 2, 0))                 \
     : (net)->n_layers == 3 && (net)->max_size <= 4                                    \
         ? call(4, 2, NN_TINY_ALL_LOGISTIC(net))                                       \
     : (net)->max_size <= 2 ? call(2, (net)->n_layers - 1, NN_TINY_ALL_LOGISTIC(net)) \
     : (net)->max_size <= 4 ? call(4, (net)->n_layers - 1, NN_TINY_ALL_LOGISTIC(net)) \
                            : call(NN_TINY_LAYER, (net)->n_layers - 1, NN_TINY_ALL_LOGISTIC(net)))

/* The largest |x_i| of n <= cap values, or an infinity or NaN (max_abs). */
static TINY_INLINE double nn__tiny_largest_magnitude(size_t n, const double *x, const size_t cap)
{
    long long best = 0;
    for (size_t i = 0; i < cap; i++)
        if (i < n)
            best = nn__magnitude_bits(best, i, i + 1, x);
    return nn__magnitude(best);
}

/* The layers of the forward pass of `input` (its largest magnitude
   `input_max`): z, a and a_max of every layer. Returns 0 at the first layer
   whose outputs are not finite (on a checked network), as train.c's pass. */
static TINY_INLINE int nn__tiny_forward(nn_t *net, const double *input, double input_max,
                                        const int logistic, const size_t cap, const size_t top)
{
    struct nn_layer *layers = net->layers;
    double x[NN_TINY_LAYER] = {0.0}; /* outputs of the layer below, kept in registers */
    for (size_t i = 0; i < cap; i++)
        if (i < layers[0].n_out) {
            x[i] = input[i];
            layers[0].a[i] = x[i];
        }
    layers[0].a_max = input_max;
    TINY_UNROLL
    for (size_t k = 1; k <= top; k++) {
        struct nn_layer *l = &layers[k];
        nn__tiny_layer_forward(l, x, logistic || nn__activation_logistic(l), cap);
        l->a_max = nn__tiny_largest_magnitude(l->n_out, x, cap);
        if (!nn__max_finite(l->a_max) && !net->unchecked)
            return 0;
    }
    return 1;
}

/* d *= f'(z) over the units of layer l */
static TINY_INLINE void nn__tiny_times_derivative(const struct nn_layer *l, double *d,
                                                  const int logistic, const size_t cap)
{
    if (logistic || nn__activation_logistic(l)) {
        for (size_t j = 0; j < cap; j++)
            if (j < l->n_out)
                d[j] *= l->a[j] * (1.0 - l->a[j]);
        return;
    }
    double f[NN_TINY_LAYER];
    nn__activation_deriv(l, l->z, l->a, f, l->n_out);
    for (size_t j = 0; j < cap; j++)
        if (j < l->n_out)
            d[j] *= f[j];
}

/* Every delta of the last forward pass for `target`, and each layer's
   delta_max. */
static TINY_INLINE void nn__tiny_deltas(nn_t *net, const double *target, const int logistic,
                                        const size_t cap, const size_t top)
{
    struct nn_layer *out = &net->layers[top];
    if (logistic) {
        for (size_t j = 0; j < cap; j++)
            if (j < out->n_out)
                out->delta[j] = nn__logistic_difference_delta(out->a[j], target[j]);
    } else {
        double scratch[NN_TINY_LAYER];
        nn__output_delta_bounded(net->loss, out, out->z, out->a, target, out->delta, scratch,
                                 cap);
    }
    out->delta_max = nn__tiny_largest_magnitude(out->n_out, out->delta, cap);
    TINY_UNROLL
    for (size_t k = top; k > 1; k--) {
        const struct nn_layer *l = &net->layers[k];
        struct nn_layer *below = &net->layers[k - 1];
        const size_t n_in = l->n_in, n_out = l->n_out;
        /* each sum over j in order from 0, as gemv_t forms it */
        for (size_t i = 0; i < cap; i++)
            if (i < n_in) {
                double sum = -0.0;
                for (size_t j = 0; j < cap; j++)
                    if (j < n_out)
                        sum += l->w[j * n_in + i] * l->delta[j];
                below->delta[i] = sum;
            }
        nn__tiny_times_derivative(below, below->delta, logistic, cap);
        below->delta_max = nn__tiny_largest_magnitude(n_in, below->delta, cap);
    }
}

/* nn_backward()'s addition of layer k's gradients: the weights' unless
   `defer`, and the biases'. */
static TINY_INLINE void nn__tiny_accumulate(nn_t *net, size_t k, int defer, const size_t cap)
{
    struct nn_layer *l = &net->layers[k];
    const double *x = net->layers[k - 1].a;
    const size_t n_in = l->n_in, n_out = l->n_out;
    if (!defer) /* g += delta a_prev^T (ger_add) */
        for (size_t j = 0; j < cap; j++)
            if (j < n_out)
                for (size_t i = 0; i < cap; i++)
                    if (i < n_in)
                        l->gw[j * n_in + i] += l->delta[j] * x[i];
    if (l->bias_mode == NN_BIAS_SHARED) {
        l->gb[0] += nn__sum(n_out, l->delta);
        return;
    }
    for (size_t j = 0; j < cap; j++)
        if (j < n_out)
            l->gb[j] += l->delta[j];
}

/* nn_step()'s update of layer k: its parameters step by the gradients
   (deferred ones: the layer's deltas and the outputs below), which then are
   0. The caller has checked the step and keeps the bounds. */
static TINY_INLINE void nn__tiny_step(nn_t *net, size_t k, double rate, int deferred,
                                      const size_t cap)
{
    struct nn_layer *l = &net->layers[k];
    const size_t n_in = l->n_in, n_out = l->n_out;
    if (deferred && !l->frozen_weights) {
        /* w -= rate (delta a_prev^T), the product formed first (ger_step);
           gw is already 0 */
        double d[NN_TINY_LAYER] = {0.0}, x[NN_TINY_LAYER] = {0.0};
        for (size_t i = 0; i < cap; i++) {
            if (i < n_out)
                d[i] = l->delta[i];
            if (i < n_in)
                x[i] = net->layers[k - 1].a[i];
        }
        for (size_t j = 0; j < cap; j++)
            if (j < n_out)
                for (size_t i = 0; i < cap; i++)
                    if (i < n_in)
                        l->w[j * n_in + i] -= rate * (d[j] * x[i]);
    } else if (!deferred) {
        const size_t n_weights = n_out * n_in;
        for (size_t i = 0; i < cap * cap; i++)
            if (i < n_weights) {
                if (!l->frozen_weights)
                    l->w[i] += -rate * l->gw[i]; /* as axpy with alpha -rate */
                l->gw[i] = 0.0;
            }
    }
    /* the unused slots of a shared bias have gradients 0 too */
    const size_t n_biases = l->frozen_biases ? 0 : nn__bias_count(l);
    for (size_t j = 0; j < cap; j++)
        if (j < n_out) {
            if (j < n_biases)
                l->b[j] += -rate * l->gb[j];
            l->gb[j] = 0.0;
        }
}

#endif

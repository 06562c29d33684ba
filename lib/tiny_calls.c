/* The arithmetic of nn_forward(), nn_backward() and nn_step() for tiny
   networks (every layer at most NN_TINY_LAYER units). At these sizes a call
   costs what it sets up, not what it computes: a kernel call per layer and
   vector (each choosing its vector and tail loops) costs more than the few
   multiply-adds it does. These are the same loops written out for a few
   units. They form every value with the expressions, and in the order, of
   tiny.c (those of activation.c, loss.c and the scalar kernels), so that on a
   tiny network the three calls give the bits of nn_train_sample().

   Only arithmetic lives here: the callers (train.c, grads.c) keep every
   argument check, divergence check, gradient state and version. */
#include "internal.h"
#include "bounds.h"
#include "tiny_calls.h"

#include <math.h>

/* Scalar code only, for the reason tiny.c gives (a vector load of values
   just stored one at a time waits for the stores to reach the cache). */
#if defined(__GNUC__) && !defined(__clang__)
#define TINY_ATTR __attribute__((optimize("no-tree-vectorize")))
#else
#define TINY_ATTR
#endif

/* Each body below takes `cap`, a bound on the units of every layer, and
   runs its loops to it, skipping the units a layer lacks: the wrappers pass
   a constant (2, 4 or NN_TINY_LAYER), so that the compiler unrolls the loops
   completely, as in tiny.c. */
#if defined(__GNUC__)
#define TINY_INLINE inline __attribute__((always_inline))
#else
#define TINY_INLINE inline
#endif

/* The three bounds: one function per bound calls the body with it. */
#define TINY_DISPATCH(net, call)                                                    \
    ((net)->max_size <= 2 ? call(2) : (net)->max_size <= 4 ? call(4) : call(NN_TINY_LAYER))

static TINY_INLINE double largest_magnitude(size_t n, const double *x, const size_t cap)
{
    long long best = 0;
    for (size_t i = 0; i < cap; i++)
        if (i < n)
            best = nn__magnitude_bits(best, i, i + 1, x);
    return nn__magnitude(best);
}

static TINY_INLINE int forward_body(nn_t *net, const double *input, double input_max,
                                    const size_t cap)
{
    struct nn_layer *layers = net->layers;
    for (size_t i = 0; i < cap; i++)
        if (i < layers[0].n_out)
            layers[0].a[i] = input[i];
    layers[0].a_max = input_max;
    for (size_t k = 1; k < net->n_layers; k++) {
        struct nn_layer *l = &layers[k];
        const double *x = layers[k - 1].a;
        const size_t n_in = l->n_in, n_out = l->n_out;
        const int shared = l->bias_mode == NN_BIAS_SHARED;
        for (size_t j = 0; j < cap; j++)
            if (j < n_out) {
                const double *row = l->w + j * n_in;
                double sum = -0.0;
                for (size_t i = 0; i < cap; i++)
                    if (i < n_in)
                        sum += row[i] * x[i];
                l->z[j] = sum + l->b[shared ? 0 : j];
            }
        if (l->activation == NN_ACT_SIGMOID) {
            for (size_t j = 0; j < cap; j++)
                if (j < n_out)
                    l->a[j] = 1.0 / (1.0 + exp(-l->z[j]));
        } else {
            nn__activate(l, l->z, l->a, n_out);
        }
        l->a_max = largest_magnitude(n_out, l->a, cap);
        if (!nn__max_finite(l->a_max) && !net->unchecked)
            return 0;
    }
    return 1;
}

#define FORWARD(cap) forward_body(net, input, input_max, cap)
TINY_ATTR int nn__forward_tiny(nn_t *net, const double *input, double input_max)
{
    return TINY_DISPATCH(net, FORWARD);
}
#undef FORWARD

/* d *= f'(z) over the units of layer l */
static TINY_INLINE void times_derivative(const struct nn_layer *l, double *d, const size_t cap)
{
    if (l->activation == NN_ACT_SIGMOID) {
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

static TINY_INLINE void deltas_body(nn_t *net, const double *target, const size_t cap)
{
    const size_t top = net->n_layers - 1;
    struct nn_layer *out = &net->layers[top];
    nn__loss_grad(net->loss, out->n_out, out->a, target, out->delta);
    times_derivative(out, out->delta, cap);
    out->delta_max = largest_magnitude(out->n_out, out->delta, cap);
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
        times_derivative(below, below->delta, cap);
        below->delta_max = largest_magnitude(n_in, below->delta, cap);
    }
}

#define DELTAS(cap) (deltas_body(net, target, cap), 0)
TINY_ATTR void nn__deltas_tiny(nn_t *net, const double *target)
{
    (void)TINY_DISPATCH(net, DELTAS);
}
#undef DELTAS

static TINY_INLINE void accumulate_body(nn_t *net, size_t k, int defer, const size_t cap)
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

#define ACCUMULATE(cap) (accumulate_body(net, k, defer, cap), 0)
TINY_ATTR void nn__accumulate_tiny(nn_t *net, size_t k, int defer)
{
    (void)TINY_DISPATCH(net, ACCUMULATE);
}
#undef ACCUMULATE

static TINY_INLINE void step_body(nn_t *net, size_t k, double rate, int deferred,
                                  const size_t cap)
{
    struct nn_layer *l = &net->layers[k];
    const double *x = net->layers[k - 1].a;
    const size_t n_in = l->n_in, n_out = l->n_out;
    if (deferred) {
        /* w -= rate (delta a_prev^T), the product formed first (ger_step);
           gw is already 0 */
        if (!l->frozen_weights)
            for (size_t j = 0; j < cap; j++)
                if (j < n_out)
                    for (size_t i = 0; i < cap; i++)
                        if (i < n_in)
                            l->w[j * n_in + i] -= rate * (l->delta[j] * x[i]);
    } else {
        const size_t n_weights = n_out * n_in;
        for (size_t i = 0; i < cap * cap; i++)
            if (i < n_weights) {
                if (!l->frozen_weights)
                    l->w[i] += -rate * l->gw[i]; /* as axpy with alpha -rate */
                l->gw[i] = 0.0;
            }
    }
    /* the unused slots of a shared bias have gradients 0 too */
    const size_t n_biases = nn__bias_count(l);
    for (size_t j = 0; j < cap; j++)
        if (j < n_out) {
            if (j < n_biases && !l->frozen_biases)
                l->b[j] += -rate * l->gb[j];
            l->gb[j] = 0.0;
        }
}

#define STEP(cap) (step_body(net, k, rate, deferred, cap), 0)
TINY_ATTR void nn__step_layer_tiny(nn_t *net, size_t k, double rate, int deferred)
{
    (void)TINY_DISPATCH(net, STEP);
}
#undef STEP

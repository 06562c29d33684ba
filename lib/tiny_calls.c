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
#include "activation.h"
#include "bounds.h"
#include "loss.h"
#include "tiny_attr.h"
#include "tiny_calls.h"

#include <math.h>

/* Each body below takes `cap`, a bound on the units of every layer, and
   `top`, the index of the output layer; it runs its loops to cap, skipping
   the units a layer lacks. The dispatch passes constants where it can (cap
   2, 4 or NN_TINY_LAYER; top 2 for one hidden layer), so that the compiler
   unrolls the loops completely, as in tiny.c: TINY_DISPATCH(net, call)
   evaluates call(cap, top) with the bounds of net. */
#define TINY_DISPATCH(net, call)                                                    \
    ((net)->n_layers == 3 && (net)->max_size <= 2   ? call(2, 2)                    \
     : (net)->n_layers == 3 && (net)->max_size <= 4 ? call(4, 2)                    \
     : (net)->max_size <= 2                         ? call(2, (net)->n_layers - 1)  \
     : (net)->max_size <= 4                         ? call(4, (net)->n_layers - 1)  \
                                                    : call(NN_TINY_LAYER, (net)->n_layers - 1))

static TINY_INLINE double largest_magnitude(size_t n, const double *x, const size_t cap)
{
    long long best = 0;
    for (size_t i = 0; i < cap; i++)
        if (i < n)
            best = nn__magnitude_bits(best, i, i + 1, x);
    return nn__magnitude(best);
}

static TINY_INLINE int forward_body(nn_t *net, const double *input, double input_max,
                                    const size_t cap, const size_t top)
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
        const size_t n_in = l->n_in, n_out = l->n_out;
        const int shared = l->bias_mode == NN_BIAS_SHARED;
        const int logistic = nn__activation_logistic(l);
        double y[NN_TINY_LAYER] = {0.0};
        for (size_t j = 0; j < cap; j++)
            if (j < n_out) {
                const double *row = l->w + j * n_in;
                double sum = -0.0;
                for (size_t i = 0; i < cap; i++)
                    if (i < n_in)
                        sum += row[i] * x[i];
                const double z = sum + l->b[shared ? 0 : j];
                l->z[j] = z;
                y[j] = logistic ? 1.0 / (1.0 + exp(-z)) : 0.0;
            }
        if (!logistic)
            nn__activate(NULL, l, l->z, l->a, n_out);
        for (size_t j = 0; j < cap; j++)
            if (j < n_out) {
                if (logistic)
                    l->a[j] = y[j];
                else
                    y[j] = l->a[j];
                x[j] = y[j];
            }
        l->a_max = largest_magnitude(n_out, x, cap);
        if (!nn__max_finite(l->a_max) && !net->unchecked)
            return 0;
    }
    return 1;
}

#define FORWARD(cap, top) forward_body(net, input, input_max, cap, top)
TINY_ATTR int nn__forward_tiny(nn_t *net, const double *input, double input_max)
{
    return TINY_DISPATCH(net, FORWARD);
}
#undef FORWARD

/* d *= f'(z) over the units of layer l */
static TINY_INLINE void times_derivative(const struct nn_layer *l, double *d, const size_t cap)
{
    if (nn__activation_logistic(l)) {
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

static TINY_INLINE void deltas_body(nn_t *net, const double *target, const size_t cap,
                                    const size_t top)
{
    struct nn_layer *out = &net->layers[top];
    double scratch[NN_TINY_LAYER];
    nn__output_delta_bounded(net->loss, out, out->z, out->a, target, out->delta, scratch, cap);
    out->delta_max = largest_magnitude(out->n_out, out->delta, cap);
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
        times_derivative(below, below->delta, cap);
        below->delta_max = largest_magnitude(n_in, below->delta, cap);
    }
}

#define DELTAS(cap, top) (deltas_body(net, target, cap, top), 0)
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

static TINY_INLINE void accumulate_layers(nn_t *net, int defer, const size_t cap,
                                          const size_t top)
{
    TINY_UNROLL
    for (size_t k = 1; k <= top; k++)
        accumulate_body(net, k, defer, cap);
}

#define ACCUMULATE(cap, top) (accumulate_layers(net, defer, cap, top), 0)
TINY_ATTR void nn__accumulate_tiny(nn_t *net, int defer)
{
    (void)TINY_DISPATCH(net, ACCUMULATE);
}
#undef ACCUMULATE

static TINY_INLINE void step_body(nn_t *net, size_t k, double rate, int deferred,
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

static TINY_INLINE void step_layers(nn_t *net, double rate, int deferred, const size_t cap,
                                    const size_t top)
{
    TINY_UNROLL
    for (size_t k = 1; k <= top; k++)
        step_body(net, k, rate, deferred, cap);
}

#define STEP(cap, top) (step_layers(net, rate, deferred, cap, top), 0)
TINY_ATTR void nn__step_tiny(nn_t *net, double rate, int deferred)
{
    (void)TINY_DISPATCH(net, STEP);
}
#undef STEP

/* Shared by the CMocka suites that build networks (test_api.c, test_gradcheck.c,
   test_explain.c, test_worked_examples.c): a small deterministic generator that
   is independent of the library, nn_create() that must succeed, buffers of
   doubles, two custom activations whose parameter travels in the context
   pointer, and a network built from a plain description of its layers. */
#ifndef BACKPROP_TEST_TESTNET_H
#define BACKPROP_TEST_TESTNET_H

#include "check.h"

#include <backprop.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small deterministic generator (splitmix64) ---- */

typedef struct {
    uint64_t state;
} test_rng;

static inline uint64_t rng_next(test_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform on [lo, hi). */
static inline double rng_range(test_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(rng_next(r) >> 11) * 0x1.0p-53);
}

/* 0 .. n-1. */
static inline size_t rng_below(test_rng *r, size_t n)
{
    return (size_t)(rng_next(r) % n);
}

/* x[0..n) uniform on [lo, hi), drawn in order. */
static inline void fill_random(test_rng *r, double *x, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = rng_range(r, lo, hi);
}

/* ---- networks and buffers ---- */

/* The calls that read one layer: nn_get_weights, nn_get_biases, their gradients
   (nn_get_weight_grads, nn_get_bias_grads), and what the last passes left
   (nn_get_net_inputs, nn_get_outputs, nn_get_deltas). */
typedef nn_status (*layer_getter)(const nn_t *net, size_t layer, double *values, size_t count);

/* nn_create() that must succeed. */
static inline nn_t *create_net(size_t n_layers, const size_t *sizes, const int *acts)
{
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, n_layers, sizes, acts), NN_OK);
    assert_non_null(net);
    return net;
}

/* n doubles set to 0, released with free(). */
static inline double *alloc_doubles(size_t n)
{
    double *p = calloc(n ? n : 1, sizeof(double));
    assert_non_null(p);
    return p;
}

/* What get (nn_get_params or nn_get_grads) reads, in the flat order; released
   with free(). */
static inline double *flat_copy(const nn_t *net,
                                nn_status (*get)(const nn_t *, double *, size_t))
{
    const size_t n = nn_param_count(net);
    double *v = alloc_doubles(n);
    assert_int_equal(get(net, v, n), NN_OK);
    return v;
}

/* count doubles uniform on [lo, hi) from the library's generator seeded with
   seed; released with free(). */
static inline double *random_rows(size_t count, unsigned long seed, double lo, double hi)
{
    nn_rng_t *rng = NULL;
    assert_int_equal(nn_rng_create(&rng, seed), NN_OK);
    double *x = alloc_doubles(count);
    for (size_t i = 0; i < count; i++)
        x[i] = lo + (hi - lo) * nn_rng_uniform(rng);
    nn_rng_free(rng);
    return x;
}

/* A copy of the network's parameters. */
static inline double *params_of(const nn_t *net)
{
    return flat_copy(net, nn_get_params);
}

/* A copy of the network's accumulated gradients. */
static inline double *grads_of(const nn_t *net)
{
    return flat_copy(net, nn_get_grads);
}

/* The largest |x[i]|, 0 for n = 0. */
static inline double max_abs(const double *x, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i]) > m)
            m = fabs(x[i]);
    return m;
}

/* ---- custom activations whose parameter travels in the context pointer ---- */

/* One context serves either activation: it names the function, its derivative
   and the name the layer gets, holds the parameter, and counts what the
   library did with it. */
struct act_context {
    double (*value)(double param, double z);
    double (*deriv)(double param, double z);
    const char *name;         /* for nn_set_custom_activation() */
    double param;             /* the activation's parameter */
    unsigned long f_calls;    /* calls of the activation */
    unsigned long df_calls;   /* calls of the derivative */
    unsigned long a_mismatch; /* derivative calls whose a was not f(z) */
    size_t max_n;             /* largest n seen */
};

/* cubic: f(z) = s (z^3 / 3 + z), f'(z) = s (z^2 + 1) */
static inline double cubic_value(double s, double z)
{
    return s * (z * z * z / 3.0 + z);
}

static inline double cubic_deriv(double s, double z)
{
    return s * (z * z + 1.0);
}

/* inverse square root unit: f(z) = z / sqrt(1 + c z^2), f'(z) = (1 + c z^2)^(-3/2) */
static inline double isru_value(double c, double z)
{
    return z / sqrt(1.0 + c * z * z);
}

static inline double isru_deriv(double c, double z)
{
    const double r = 1.0 / sqrt(1.0 + c * z * z);
    return r * r * r;
}

/* Initialisers of a context with a name, parameter p and every count at 0. */
#define CUBIC_CONTEXT(name, p) { cubic_value, cubic_deriv, (name), (p), 0, 0, 0, 0 }
#define ISRU_CONTEXT(name, p) { isru_value, isru_deriv, (name), (p), 0, 0, 0, 0 }

/* The nn_activation_fn of a context. */
static inline void context_f(void *context, size_t n, const double *z, double *a)
{
    struct act_context *c = context;
    c->f_calls++;
    if (n > c->max_n)
        c->max_n = n;
    for (size_t i = 0; i < n; i++)
        a[i] = c->value(c->param, z[i]);
}

/* The nn_activation_deriv_fn of a context; it also checks that a is f(z). */
static inline void context_df(void *context, size_t n, const double *z, const double *a,
                              double *d)
{
    struct act_context *c = context;
    c->df_calls++;
    for (size_t i = 0; i < n; i++) {
        if (!(fabs(a[i] - c->value(c->param, z[i])) <= 1e-15 * fabs(a[i])))
            c->a_mismatch++;
        d[i] = c->deriv(c->param, z[i]);
    }
}

/* ---- a network from a description ---- */

#define SPEC_MAX_LAYERS 6

/* Activation codes of a description beside the built-in NN_ACT_* ones. */
enum { ACT_CUBIC = 200, ACT_ISRU = 201 };

/* Index k is layer k; acts, bias_modes and the frozen flags start at layer 1. */
struct net_spec {
    size_t n_layers;
    size_t sizes[SPEC_MAX_LAYERS];
    int acts[SPEC_MAX_LAYERS]; /* an NN_ACT_* code, ACT_CUBIC or ACT_ISRU */
    int bias_modes[SPEC_MAX_LAYERS];
    int frozen_w[SPEC_MAX_LAYERS];
    int frozen_b[SPEC_MAX_LAYERS];
    int loss;
};

/* Creates the network of `s` (every parameter 0) with its settings applied
   layer by layer; ACT_CUBIC and ACT_ISRU layers get context_f and context_df
   with the context given for them, under the context's name. */
static inline nn_t *spec_build(const struct net_spec *s, struct act_context *cubic,
                               struct act_context *isru)
{
    int builtin[SPEC_MAX_LAYERS];
    assert_true(s->n_layers >= 2 && s->n_layers <= SPEC_MAX_LAYERS);
    for (size_t k = 1; k < s->n_layers; k++)
        builtin[k - 1] = (s->acts[k] == ACT_CUBIC || s->acts[k] == ACT_ISRU) ? NN_ACT_LINEAR
                                                                              : s->acts[k];
    nn_t *net = create_net(s->n_layers, s->sizes, builtin);
    for (size_t k = 1; k < s->n_layers; k++) {
        if (s->acts[k] == ACT_CUBIC || s->acts[k] == ACT_ISRU) {
            struct act_context *ctx = s->acts[k] == ACT_CUBIC ? cubic : isru;
            assert_non_null(ctx);
            assert_int_equal(
                nn_set_custom_activation(net, k, context_f, context_df, ctx, ctx->name), NN_OK);
        }
        assert_int_equal(nn_set_bias_mode(net, k, s->bias_modes[k]), NN_OK);
        assert_int_equal(nn_set_frozen(net, k, s->frozen_w[k], s->frozen_b[k]), NN_OK);
    }
    assert_int_equal(nn_set_loss(net, s->loss), NN_OK);
    return net;
}

#endif

/* Gradients of nn_backward() against finite differences of the loss.
 *
 * The numerical side never looks at the library's gradient code: it perturbs one
 * parameter at a time through nn_set_params(), runs nn_forward() and reads the
 * loss, which is itself compared with a sum of squares computed here from the
 * outputs.
 *
 * The derivative is estimated with the fourth-order central difference
 *
 *     f'(p) ~ (f(p - 2h) - 8 f(p - h) + 8 f(p + h) - f(p + 2h)) / (12 h)
 *
 * with h = 1e-4 * max(1, |p|). Its truncation error is h^4 f^(5) / 30, about
 * 3e-18 for derivatives of order one, and its rounding error is about
 * 1.5 * (a few eps) * |E| / h, i.e. below 1e-11 * max(1, |E|). A gradient g and an
 * estimate n therefore have to satisfy
 *
 *     |g - n| <= 1e-6 * max(|g|, |n|, 1e-4 * max(1, |E|))
 *
 * which is a relative error of 1e-6 for every gradient above 1e-4 (relative to
 * the loss) and an absolute error of 1e-10 * max(1, |E|) below that, ten times
 * the rounding noise. A gradient with a wrong sign, factor or term fails it.
 *
 * ReLU and leaky ReLU have a kink at z = 0: cases are drawn again until every
 * net input of such a layer is at least KINK_MARGIN away from 0, and every
 * perturbed forward pass checks that no such net input changed sign. */
#include "testnet.h"

#include <stdio.h>

#define MAX_SAMPLES 4
#define REL_TOL 1e-6
#define FLOOR_REL 1e-4
#define STEP_REL 1e-4
#define KINK_MARGIN 1e-2

/* ---- independent losses ---- */

static double loss_by_hand(int loss, size_t n, const double *out, const double *target)
{
    double sum = 0.0;
    if (loss == NN_LOSS_CROSS_ENTROPY || loss == NN_LOSS_BINARY_CROSS_ENTROPY) {
        for (size_t i = 0; i < n; i++) {
            sum -= target[i] * log(out[i]);
            if (loss == NN_LOSS_BINARY_CROSS_ENTROPY)
                sum -= (1.0 - target[i]) * log(1.0 - out[i]);
        }
        return sum;
    }
    for (size_t i = 0; i < n; i++)
        sum += (out[i] - target[i]) * (out[i] - target[i]);
    return loss == NN_LOSS_MSE ? sum / (double)n : sum / 2.0;
}

/* ---- a case: a network described by a struct net_spec (testnet.h), its
   parameters and one sample ---- */

/* The contexts of the custom activations (ACT_CUBIC, ACT_ISRU) of every case. */
static struct act_context cubic_ctx = CUBIC_CONTEXT("cubic", 0.5);
static struct act_context isru_ctx = ISRU_CONTEXT("isru.v1", 0.75);

static int is_kinked(int act)
{
    return act == NN_ACT_RELU || act == NN_ACT_LEAKY_RELU;
}

static void describe(const struct net_spec *c)
{
    print_message("case: %zu layers, sizes", c->n_layers);
    for (size_t k = 0; k < c->n_layers; k++)
        print_message(" %zu", c->sizes[k]);
    print_message(", acts");
    for (size_t k = 1; k < c->n_layers; k++)
        print_message(" %d", c->acts[k]);
    print_message(", bias");
    for (size_t k = 1; k < c->n_layers; k++)
        print_message(" %d", c->bias_modes[k]);
    print_message(", frozen");
    for (size_t k = 1; k < c->n_layers; k++)
        print_message(" %d%d", c->frozen_w[k], c->frozen_b[k]);
    print_message(", loss %d\n", c->loss);
}

static nn_t *build(const struct net_spec *c)
{
    return spec_build(c, &cubic_ctx, &isru_ctx);
}

/* Random parameters in the flat order, weights scaled by 1/sqrt(fan_in). */
static void random_params(const nn_t *net, test_rng *r, double *p)
{
    size_t at = 0;
    for (size_t k = 1; k < nn_layer_count(net); k++) {
        const double scale = 1.5 / sqrt((double)nn_layer_size(net, k - 1));
        for (size_t i = 0; i < nn_weight_count(net, k); i++)
            p[at++] = rng_range(r, -scale, scale);
        for (size_t i = 0; i < nn_bias_count(net, k); i++)
            p[at++] = rng_range(r, -0.5, 0.5);
    }
    assert_int_equal(at, nn_param_count(net));
}

/* The net inputs of the layers with a kink, one layer after another, after a
   forward pass; returns how many there are. */
static size_t kinked_net_inputs(const nn_t *net, const struct net_spec *c, double *z)
{
    size_t at = 0;
    for (size_t k = 1; k < c->n_layers; k++) {
        if (!is_kinked(c->acts[k]))
            continue;
        assert_int_equal(nn_get_net_inputs(net, k, z + at, c->sizes[k]), NN_OK);
        at += c->sizes[k];
    }
    return at;
}

/* The smallest |z| over the layers with a kink. */
static double kink_distance(const nn_t *net, const struct net_spec *c)
{
    double smallest = INFINITY;
    double z[SPEC_MAX_LAYERS * 8];
    const size_t n = kinked_net_inputs(net, c, z);
    for (size_t j = 0; j < n; j++)
        if (fabs(z[j]) < smallest)
            smallest = fabs(z[j]);
    return smallest;
}

/* Signs of the kinked layers' net inputs, packed one per unit. */
static void kink_signs(const nn_t *net, const struct net_spec *c, int *signs)
{
    double z[SPEC_MAX_LAYERS * 8];
    const size_t n = kinked_net_inputs(net, c, z);
    for (size_t j = 0; j < n; j++)
        signs[j] = z[j] > 0.0;
}

/* Forward pass and loss; the library's loss must match the one computed here. */
static double loss_at(nn_t *net, const struct net_spec *c, const double *x, const double *t)
{
    double out[8], loss = NAN;
    const size_t n_out = c->sizes[c->n_layers - 1];
    assert_int_equal(nn_forward(net, x, out), NN_OK);
    assert_int_equal(nn_loss(net, t, &loss), NN_OK);
    const double expected = loss_by_hand(c->loss, n_out, out, t);
    /* the cross-entropies after softmax or sigmoid are the library's from z,
       the sums here from the outputs: a few rounding errors apart */
    const int from_z = c->loss == NN_LOSS_CROSS_ENTROPY || c->loss == NN_LOSS_BINARY_CROSS_ENTROPY;
    assert_rel(loss, expected, (from_z ? 1e-13 : 4e-16) * (double)n_out);
    return loss;
}

struct gc_stats {
    size_t params_checked;
    size_t cases;
    double worst; /* largest |g - n| / (REL_TOL * denominator) seen, must stay <= 1 */
};

/* Checks every gradient of the sum of the losses of the n_samples samples
   against finite differences. The accumulated gradients must be what
   nn_backward() left for those samples; they must survive the check untouched. */
static void check_gradients(nn_t *net, const struct net_spec *c, const double *x,
                            const double *t, size_t n_samples, struct gc_stats *stats)
{
    const size_t n_in = c->sizes[0], n_out = c->sizes[c->n_layers - 1];
    const size_t n_params = nn_param_count(net);
    double *p = params_of(net), *g = grads_of(net);
    double *g_after = alloc_doubles(n_params), *q = alloc_doubles(n_params);

    int base_signs[MAX_SAMPLES][SPEC_MAX_LAYERS * 8];
    int signs[SPEC_MAX_LAYERS * 8];
    size_t n_kinked = 0;
    for (size_t k = 1; k < c->n_layers; k++)
        if (is_kinked(c->acts[k]))
            n_kinked += c->sizes[k];
    assert_true(n_samples <= MAX_SAMPLES);
    double e0 = 0.0;
    for (size_t s = 0; s < n_samples; s++) {
        e0 += loss_at(net, c, x + s * n_in, t + s * n_out);
        kink_signs(net, c, base_signs[s]);
    }
    const double floor = FLOOR_REL * (fabs(e0) > 1.0 ? fabs(e0) : 1.0);

    static const double offsets[4] = { -2.0, -1.0, 1.0, 2.0 };
    static const double weights[4] = { 1.0, -8.0, 8.0, -1.0 };
    for (size_t i = 0; i < n_params; i++) {
        const double h = STEP_REL * (fabs(p[i]) > 1.0 ? fabs(p[i]) : 1.0);
        double acc = 0.0;
        memcpy(q, p, n_params * sizeof(double));
        for (size_t m = 0; m < 4; m++) {
            q[i] = p[i] + offsets[m] * h;
            assert_int_equal(nn_set_params(net, q, n_params), NN_OK);
            double e = 0.0;
            for (size_t s = 0; s < n_samples; s++) {
                e += loss_at(net, c, x + s * n_in, t + s * n_out);
                kink_signs(net, c, signs);
                if (n_kinked > 0 && memcmp(signs, base_signs[s], n_kinked * sizeof(int)) != 0) {
                    describe(c);
                    fail_msg("parameter %zu: a ReLU net input crossed 0 under the perturbation", i);
                }
            }
            acc += weights[m] * e;
        }
        const double numeric = acc / (12.0 * h);
        double denom = fabs(g[i]);
        if (fabs(numeric) > denom)
            denom = fabs(numeric);
        if (floor > denom)
            denom = floor;
        const double ratio = fabs(g[i] - numeric) / (REL_TOL * denom);
        if (ratio > stats->worst)
            stats->worst = ratio;
        if (!(ratio <= 1.0)) {
            describe(c);
            fail_msg("parameter %zu of %zu: analytic %.17g, numeric %.17g, |diff| %.3g > %.3g",
                     i, n_params, g[i], numeric, fabs(g[i] - numeric), REL_TOL * denom);
        }
        stats->params_checked++;
    }
    stats->cases++;

    /* restore the parameters; the perturbations must not have touched the gradients */
    assert_int_equal(nn_set_params(net, p, n_params), NN_OK);
    assert_int_equal(nn_get_grads(net, g_after, n_params), NN_OK);
    assert_memory_equal(g, g_after, n_params * sizeof(double));
    free(p);
    free(g);
    free(g_after);
    free(q);
}

/* Draws parameters and a sample until every kinked net input is far from 0,
   then runs one backward pass into zeroed gradients. */
static void prepare(nn_t *net, const struct net_spec *c, test_rng *r, double *x, double *t)
{
    const size_t n_params = nn_param_count(net);
    double *p = alloc_doubles(n_params);
    int tries = 0;
    for (;;) {
        random_params(net, r, p);
        assert_int_equal(nn_set_params(net, p, n_params), NN_OK);
        fill_random(r, x, c->sizes[0], -1.0, 1.0);
        /* the cross-entropies take probabilities as targets */
        const int probabilities =
            c->loss == NN_LOSS_CROSS_ENTROPY || c->loss == NN_LOSS_BINARY_CROSS_ENTROPY;
        fill_random(r, t, c->sizes[c->n_layers - 1], probabilities ? 0.0 : -1.0, 1.0);
        assert_int_equal(nn_forward(net, x, NULL), NN_OK);
        if (kink_distance(net, c) >= KINK_MARGIN)
            break;
        assert_true(++tries < 10000);
    }
    free(p);
    assert_int_equal(nn_zero_grads(net), NN_OK);
    assert_int_equal(nn_backward(net, t), NN_OK);
}

static void run_case(const struct net_spec *c, test_rng *r, struct gc_stats *stats)
{
    nn_t *net = build(c);
    double x[8], t[8];
    prepare(net, c, r, x, t);
    check_gradients(net, c, x, t, 1, stats);
    nn_free(net);
}

/* A case with random widths 1..7 (or all equal to `width` when nonzero). */
static void make_case(struct net_spec *c, test_rng *r, size_t n_layers, size_t width, int act,
                      int bias_pattern, int loss)
{
    memset(c, 0, sizeof *c);
    c->n_layers = n_layers;
    c->loss = loss;
    for (size_t k = 0; k < n_layers; k++) {
        c->sizes[k] = width ? width : 1 + rng_below(r, 7);
        if (k == 0)
            continue;
        c->acts[k] = act;
        /* 0: every layer per neuron, 1: every layer shared, 2: mixed at random */
        c->bias_modes[k] = bias_pattern == 2 ? (int)rng_below(r, 2) : bias_pattern;
    }
}

static const int builtin_acts[] = { NN_ACT_LINEAR, NN_ACT_SIGMOID,    NN_ACT_TANH,
                                    NN_ACT_RELU,   NN_ACT_LEAKY_RELU, NN_ACT_SOFTPLUS };

static void sweep(int act, uint64_t seed, struct gc_stats *stats)
{
    test_rng r = { seed };
    static const size_t widths[] = { 0, 0, 1, 7 };
    for (size_t n_layers = 2; n_layers <= 5; n_layers++)
        for (int loss = NN_LOSS_HALF_SSE; loss <= NN_LOSS_MSE; loss++)
            for (int bias = 0; bias <= 2; bias++)
                for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
                    struct net_spec c;
                    make_case(&c, &r, n_layers, widths[w], act, bias, loss);
                    run_case(&c, &r, stats);
                }
}

static void test_builtin_activations(void **state)
{
    (void)state;
    struct gc_stats stats = { 0, 0, 0.0 };
    for (size_t a = 0; a < sizeof builtin_acts / sizeof builtin_acts[0]; a++)
        sweep(builtin_acts[a], 1000 + a, &stats);
    print_message("built-in activations: %zu cases, %zu gradients, worst error %.3g of the "
                  "tolerance\n",
                  stats.cases, stats.params_checked, stats.worst);
    assert_true(stats.params_checked > 10000);
}

/* Softmax on hidden and output layers among the other activations, and the
   cross-entropies after softmax and sigmoid outputs (their fused deltas, and
   the general formula for the other pairing), against finite differences. */
static void test_softmax_and_cross_entropies(void **state)
{
    (void)state;
    static const int hidden[] = { NN_ACT_SOFTMAX, NN_ACT_SOFTMAX, NN_ACT_TANH, NN_ACT_SIGMOID,
                                   NN_ACT_LEAKY_RELU, NN_ACT_SOFTPLUS, ACT_CUBIC };
    static const struct { int act, loss; } tops[] = {
        { NN_ACT_SOFTMAX, NN_LOSS_CROSS_ENTROPY },
        { NN_ACT_SOFTMAX, NN_LOSS_HALF_SSE },
        { NN_ACT_SOFTMAX, NN_LOSS_MSE },
        { NN_ACT_SOFTMAX, NN_LOSS_BINARY_CROSS_ENTROPY },
        { NN_ACT_SIGMOID, NN_LOSS_BINARY_CROSS_ENTROPY },
        { NN_ACT_SIGMOID, NN_LOSS_CROSS_ENTROPY },
        { NN_ACT_LINEAR, NN_LOSS_HALF_SSE },
    };
    test_rng r = { 4000 };
    struct gc_stats stats = { 0, 0, 0.0 };
    size_t softmax_hidden = 0;
    for (size_t i = 0; i < 280; i++) {
        struct net_spec c;
        const size_t top = tops[i % (sizeof tops / sizeof tops[0])].act;
        make_case(&c, &r, 2 + (i / 7) % 4, 0, NN_ACT_LINEAR, (int)(i % 3),
                  tops[i % (sizeof tops / sizeof tops[0])].loss);
        for (size_t k = 1; k + 1 < c.n_layers; k++) {
            c.acts[k] = hidden[rng_below(&r, sizeof hidden / sizeof hidden[0])];
            softmax_hidden += c.acts[k] == NN_ACT_SOFTMAX;
        }
        c.acts[c.n_layers - 1] = (int)top;
        /* a softmax of one unit is 1, where the binary cross-entropy's log(1 - o) is not finite */
        if (top == NN_ACT_SOFTMAX && c.sizes[c.n_layers - 1] == 1)
            c.sizes[c.n_layers - 1] = 2;
        run_case(&c, &r, &stats);
    }
    print_message("softmax and cross-entropies: %zu cases (%zu softmax hidden layers), %zu "
                  "gradients, worst error %.3g of the tolerance\n",
                  stats.cases, softmax_hidden, stats.params_checked, stats.worst);
    assert_true(softmax_hidden > 100);
    assert_true(stats.params_checked > 5000);
}

static void test_custom_activations(void **state)
{
    (void)state;
    struct gc_stats stats = { 0, 0, 0.0 };
    const unsigned long cubic_calls = cubic_ctx.f_calls, isru_calls = isru_ctx.f_calls;
    sweep(ACT_CUBIC, 2000, &stats);
    sweep(ACT_ISRU, 3000, &stats);
    print_message("custom activations: %zu cases, %zu gradients, worst error %.3g of the "
                  "tolerance\n",
                  stats.cases, stats.params_checked, stats.worst);
    /* the callbacks received their own context, with a = f(z), for whole layers */
    assert_true(cubic_ctx.f_calls > cubic_calls);
    assert_true(isru_ctx.f_calls > isru_calls);
    assert_true(cubic_ctx.df_calls > 0);
    assert_true(isru_ctx.df_calls > 0);
    assert_int_equal(cubic_ctx.a_mismatch, 0);
    assert_int_equal(isru_ctx.a_mismatch, 0);
    assert_int_equal(cubic_ctx.max_n, 7);
    assert_int_equal(isru_ctx.max_n, 7);
}

/* Every layer draws its own activation, bias convention and frozen flags. */
static void test_mixed_layers(void **state)
{
    (void)state;
    static const int all_acts[] = { NN_ACT_LINEAR, NN_ACT_SIGMOID,  NN_ACT_TANH, NN_ACT_RELU,
                                    NN_ACT_LEAKY_RELU, NN_ACT_SOFTPLUS, ACT_CUBIC, ACT_ISRU };
    struct gc_stats stats = { 0, 0, 0.0 };
    test_rng r = { 4000 };
    for (int i = 0; i < 200; i++) {
        struct net_spec c;
        make_case(&c, &r, 2 + (size_t)(i % 4), 0, 0, 2, i % 2);
        for (size_t k = 1; k < c.n_layers; k++) {
            c.acts[k] = all_acts[rng_below(&r, sizeof all_acts / sizeof all_acts[0])];
            c.frozen_w[k] = (int)rng_below(&r, 2);
            c.frozen_b[k] = (int)rng_below(&r, 2);
        }
        run_case(&c, &r, &stats);
    }
    print_message("mixed layers: %zu cases, %zu gradients, worst error %.3g of the tolerance\n",
                  stats.cases, stats.params_checked, stats.worst);
}

/* Frozen parameters still get their gradients, the same ones as when nothing is
   frozen, and nn_step() leaves them alone while it clears the gradients. */
static void test_frozen_still_have_gradients(void **state)
{
    (void)state;
    struct gc_stats stats = { 0, 0, 0.0 };
    test_rng r = { 5000 };
    for (int bias = 0; bias <= 1; bias++) {
        struct net_spec c;
        make_case(&c, &r, 4, 0, NN_ACT_TANH, bias, NN_LOSS_MSE);
        c.acts[2] = ACT_ISRU;
        for (size_t k = 1; k < c.n_layers; k++)
            c.frozen_w[k] = c.frozen_b[k] = 1;
        nn_t *net = build(&c);
        double x[8], t[8];
        prepare(net, &c, &r, x, t);
        check_gradients(net, &c, x, t, 1, &stats);

        /* the same network unfrozen computes bit-identical gradients */
        const size_t n = nn_param_count(net);
        double *g_frozen = grads_of(net), *g_free = alloc_doubles(n);
        size_t nonzero = 0;
        for (size_t i = 0; i < n; i++)
            nonzero += g_frozen[i] != 0.0;
        assert_true(nonzero > n / 2);
        nn_t *twin = NULL;
        assert_int_equal(nn_clone(net, &twin), NN_OK);
        for (size_t k = 1; k < c.n_layers; k++)
            assert_int_equal(nn_set_frozen(twin, k, 0, 0), NN_OK);
        assert_int_equal(nn_zero_grads(twin), NN_OK);
        assert_int_equal(nn_forward(twin, x, NULL), NN_OK);
        assert_int_equal(nn_backward(twin, t), NN_OK);
        assert_int_equal(nn_get_grads(twin, g_free, n), NN_OK);
        assert_memory_equal(g_frozen, g_free, n * sizeof(double));

        /* stepping a fully frozen network changes nothing but the gradients */
        double *p0 = params_of(net);
        assert_int_equal(nn_step(net, 0.5), NN_OK);
        double *p1 = params_of(net);
        assert_memory_equal(p0, p1, n * sizeof(double));
        assert_int_equal(nn_get_grads(net, g_frozen, n), NN_OK);
        for (size_t i = 0; i < n; i++)
            assert_true(g_frozen[i] == 0.0);
        nn_free(twin);
        nn_free(net);
        free(g_frozen);
        free(g_free);
        free(p0);
        free(p1);
    }
}

/* Two backward passes add: the accumulated gradient is the sum of the two
   single-sample gradients, and it matches finite differences of the summed loss. */
static void test_backward_accumulates(void **state)
{
    (void)state;
    struct gc_stats stats = { 0, 0, 0.0 };
    test_rng r = { 6000 };
    for (int i = 0; i < 24; i++) {
        struct net_spec c;
        make_case(&c, &r, 2 + (size_t)(i % 4), 0, builtin_acts[i % 6], i % 3, (i / 3) % 2);
        if (i % 5 == 0)
            c.acts[1] = ACT_CUBIC;
        nn_t *net = build(&c);
        const size_t n_in = c.sizes[0], n_out = c.sizes[c.n_layers - 1];
        double x[16], t[16];
        prepare(net, &c, &r, x, t);
        /* a second sample, also away from the kinks */
        for (;;) {
            fill_random(&r, x + n_in, n_in, -1.0, 1.0);
            fill_random(&r, t + n_out, n_out, -1.0, 1.0);
            assert_int_equal(nn_forward(net, x + n_in, NULL), NN_OK);
            if (kink_distance(net, &c) >= KINK_MARGIN)
                break;
        }
        const size_t n = nn_param_count(net);
        double *g1 = alloc_doubles(n), *g2 = alloc_doubles(n), *g12 = alloc_doubles(n);
        for (size_t s = 0; s < 2; s++) {
            assert_int_equal(nn_zero_grads(net), NN_OK);
            assert_int_equal(nn_forward(net, x + s * n_in, NULL), NN_OK);
            assert_int_equal(nn_backward(net, t + s * n_out), NN_OK);
            assert_int_equal(nn_get_grads(net, s == 0 ? g1 : g2, n), NN_OK);
        }
        assert_int_equal(nn_zero_grads(net), NN_OK);
        for (size_t s = 0; s < 2; s++) {
            assert_int_equal(nn_forward(net, x + s * n_in, NULL), NN_OK);
            assert_int_equal(nn_backward(net, t + s * n_out), NN_OK);
        }
        assert_int_equal(nn_get_grads(net, g12, n), NN_OK);
        for (size_t j = 0; j < n; j++)
            assert_abs(g12[j], g1[j] + g2[j], 1e-15 * (fabs(g1[j]) + fabs(g2[j])));
        check_gradients(net, &c, x, t, 2, &stats);

        /* a third backward pass of the first sample: g1 counted twice */
        assert_int_equal(nn_forward(net, x, NULL), NN_OK);
        assert_int_equal(nn_backward(net, t), NN_OK);
        assert_int_equal(nn_get_grads(net, g12, n), NN_OK);
        for (size_t j = 0; j < n; j++)
            assert_abs(g12[j], 2.0 * g1[j] + g2[j], 1e-15 * (2.0 * fabs(g1[j]) + fabs(g2[j])));
        free(g1);
        free(g2);
        free(g12);
        nn_free(net);
    }
}

/* nn_loss() against sums worked out by hand on a network whose outputs are
   known exactly, and the output deltas dE/do of both losses. */
static void test_loss_values(void **state)
{
    (void)state;
    const size_t sizes[2] = { 3, 3 };
    const int acts[1] = { NN_ACT_LINEAR };
    nn_t *net = create_net(2, sizes, acts);
    const double identity[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
    assert_int_equal(nn_set_weights(net, 1, identity, 9), NN_OK);
    const double x[3] = { 1.0, 2.0, 3.0 }, t[3] = { 0.5, 2.5, -1.0 };
    double out[3], loss = 0.0, delta[3];
    assert_int_equal(nn_forward(net, x, out), NN_OK);
    assert_true(out[0] == 1.0 && out[1] == 2.0 && out[2] == 3.0);

    /* differences 0.5, -0.5, 4: squares sum to 16.5 */
    assert_int_equal(nn_get_loss(net), NN_LOSS_HALF_SSE);
    assert_int_equal(nn_loss(net, t, &loss), NN_OK);
    assert_true(loss == 8.25);
    assert_int_equal(nn_set_loss(net, NN_LOSS_MSE), NN_OK);
    assert_int_equal(nn_loss(net, t, &loss), NN_OK);
    assert_true(loss == 5.5);

    /* MSE: dE/do = 2 (o - t) / 3 */
    assert_int_equal(nn_backward(net, t), NN_OK);
    assert_int_equal(nn_get_deltas(net, 1, delta, 3), NN_OK);
    assert_rel(delta[0], 1.0 / 3.0, 1e-15);
    assert_rel(delta[1], -1.0 / 3.0, 1e-15);
    assert_rel(delta[2], 8.0 / 3.0, 1e-15);
    /* half SSE: dE/do = o - t */
    assert_int_equal(nn_set_loss(net, NN_LOSS_HALF_SSE), NN_OK);
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_backward(net, t), NN_OK);
    assert_int_equal(nn_get_deltas(net, 1, delta, 3), NN_OK);
    assert_true(delta[0] == 0.5 && delta[1] == -0.5 && delta[2] == 4.0);

    /* and for random outputs of a sigmoid network, the loss summed here */
    test_rng r = { 7000 };
    const size_t sizes2[3] = { 4, 5, 6 };
    const int acts2[2] = { NN_ACT_TANH, NN_ACT_SIGMOID };
    nn_t *net2 = create_net(3, sizes2, acts2);
    double p[64], x2[4], t2[6], o2[6];
    assert_int_equal(nn_param_count(net2), 4 * 5 + 5 + 5 * 6 + 6);
    for (int trial = 0; trial < 50; trial++) {
        fill_random(&r, p, nn_param_count(net2), -2.0, 2.0);
        fill_random(&r, x2, 4, -3.0, 3.0);
        fill_random(&r, t2, 6, -1.0, 2.0);
        assert_int_equal(nn_set_params(net2, p, nn_param_count(net2)), NN_OK);
        assert_int_equal(nn_forward(net2, x2, o2), NN_OK);
        double sse = 0.0;
        for (size_t i = 0; i < 6; i++)
            sse += (t2[i] - o2[i]) * (t2[i] - o2[i]);
        assert_int_equal(nn_set_loss(net2, NN_LOSS_HALF_SSE), NN_OK);
        assert_int_equal(nn_loss(net2, t2, &loss), NN_OK);
        assert_rel(loss, sse / 2.0, 1e-15);
        assert_int_equal(nn_set_loss(net2, NN_LOSS_MSE), NN_OK);
        assert_int_equal(nn_loss(net2, t2, &loss), NN_OK);
        assert_rel(loss, sse / 6.0, 1e-15);
    }
    nn_free(net2);
    nn_free(net);
}

/* The context pointer reaches the callbacks unchanged: two layers with the same
   callbacks but different parameters compute different functions. */
static void test_custom_context(void **state)
{
    (void)state;
    struct act_context slow = CUBIC_CONTEXT("cubic", 0.25), steep = CUBIC_CONTEXT("cubic", 3.0);
    const size_t sizes[3] = { 2, 2, 2 };
    const int acts[2] = { NN_ACT_LINEAR, NN_ACT_LINEAR };
    nn_t *net = create_net(3, sizes, acts);
    assert_int_equal(nn_set_custom_activation(net, 1, context_f, context_df, &slow, "cubic"),
                     NN_OK);
    assert_int_equal(nn_set_custom_activation(net, 2, context_f, context_df, &steep, "cubic"),
                     NN_OK);
    assert_int_equal(nn_get_activation(net, 1), NN_ACT_CUSTOM);
    assert_string_equal(nn_get_activation_name(net, 2), "cubic");
    const double w1[4] = { 1.0, 0.0, 0.0, 2.0 }, w2[4] = { 0.5, 0.0, 0.0, 1.0 };
    const double b1[2] = { 0.0, 0.0 }, b2[2] = { 0.0, -1.0 };
    assert_int_equal(nn_set_weights(net, 1, w1, 4), NN_OK);
    assert_int_equal(nn_set_weights(net, 2, w2, 4), NN_OK);
    assert_int_equal(nn_set_biases(net, 1, b1, 2), NN_OK);
    assert_int_equal(nn_set_biases(net, 2, b2, 2), NN_OK);
    const double x[2] = { 1.5, -0.5 };
    double out[2];
    assert_int_equal(nn_forward(net, x, out), NN_OK);
    assert_int_equal(slow.f_calls, 1);
    assert_int_equal(steep.f_calls, 1);
    /* layer 1: z = (1.5, -1); a = 0.25 (z^3/3 + z) */
    const double a1[2] = { 0.25 * (1.125 + 1.5), 0.25 * (-1.0 / 3.0 - 1.0) };
    /* layer 2: z = (0.5 a1[0], a1[1] - 1); a = 3 (z^3/3 + z) = z^3 + 3 z */
    const double z2[2] = { 0.5 * a1[0], a1[1] - 1.0 };
    assert_rel(out[0], z2[0] * z2[0] * z2[0] + 3.0 * z2[0], 1e-14);
    assert_rel(out[1], z2[1] * z2[1] * z2[1] + 3.0 * z2[1], 1e-14);
    const double t[2] = { 0.0, 0.0 };
    assert_int_equal(nn_backward(net, t), NN_OK);
    assert_int_equal(slow.df_calls, 1);
    assert_int_equal(steep.df_calls, 1);
    assert_int_equal(slow.a_mismatch + steep.a_mismatch, 0);
    nn_free(net);
}

/* ---- training with a custom activation ---- */

#define N_POINTS 16

static double fit_loss(nn_t *net, const double *x, const double *y)
{
    double total = 0.0, loss = 0.0, out = 0.0;
    for (size_t s = 0; s < N_POINTS; s++) {
        assert_int_equal(nn_forward(net, &x[s], &out), NN_OK);
        assert_int_equal(nn_loss(net, &y[s], &loss), NN_OK);
        assert_rel(loss, 0.5 * (out - y[s]) * (out - y[s]), 1e-15);
        total += loss;
    }
    return total;
}

/* A 1-8-8-1 network with ISRU hidden layers (one shared-bias) learns
   y = sin(pi x) on 16 points by full-batch gradient descent. */
static void test_train_custom_activation(void **state)
{
    (void)state;
    struct act_context ctx = ISRU_CONTEXT("isru", 1.0);
    const size_t sizes[4] = { 1, 8, 8, 1 };
    const int acts[3] = { NN_ACT_LINEAR, NN_ACT_LINEAR, NN_ACT_LINEAR };
    nn_t *net = create_net(4, sizes, acts);
    assert_int_equal(nn_set_custom_activation(net, 1, context_f, context_df, &ctx, "isru"), NN_OK);
    assert_int_equal(nn_set_custom_activation(net, 2, context_f, context_df, &ctx, "isru"), NN_OK);
    assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_init_random(net, 42, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);

    double x[N_POINTS], y[N_POINTS];
    for (size_t s = 0; s < N_POINTS; s++) {
        x[s] = -1.0 + 2.0 * (double)s / (N_POINTS - 1);
        y[s] = sin(3.14159265358979323846 * x[s]);
    }
    const double initial = fit_loss(net, x, y);
    for (int epoch = 0; epoch < 3000; epoch++) {
        for (size_t s = 0; s < N_POINTS; s++) {
            assert_int_equal(nn_forward(net, &x[s], NULL), NN_OK);
            assert_int_equal(nn_backward(net, &y[s]), NN_OK);
        }
        assert_int_equal(nn_step(net, 0.02), NN_OK);
    }
    const double final = fit_loss(net, x, y);
    print_message("custom-activation fit: loss %.6g -> %.6g\n", initial, final);
    assert_true(final < initial / 50.0);
    assert_true(final < 0.05);
    assert_int_equal(ctx.a_mismatch, 0);

    /* the trained network's gradients over four of the points, by finite differences */
    struct net_spec c;
    memset(&c, 0, sizeof c);
    c.n_layers = 4;
    c.sizes[0] = 1;
    c.sizes[1] = 8;
    c.sizes[2] = 8;
    c.sizes[3] = 1;
    c.acts[1] = c.acts[2] = ACT_ISRU;
    c.acts[3] = NN_ACT_LINEAR;
    c.bias_modes[2] = NN_BIAS_SHARED;
    c.loss = NN_LOSS_HALF_SSE;
    const double xs[4] = { x[1], x[5], x[10], x[14] }, ys[4] = { y[1], y[5], y[10], y[14] };
    assert_int_equal(nn_zero_grads(net), NN_OK);
    for (size_t s = 0; s < 4; s++) {
        assert_int_equal(nn_forward(net, &xs[s], NULL), NN_OK);
        assert_int_equal(nn_backward(net, &ys[s]), NN_OK);
    }
    struct gc_stats stats = { 0, 0, 0.0 };
    check_gradients(net, &c, xs, ys, 4, &stats);
    assert_int_equal(stats.params_checked, 8 + 8 + 64 + 1 + 8 + 1);
    nn_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_activations),
        cmocka_unit_test(test_custom_activations),
        cmocka_unit_test(test_softmax_and_cross_entropies),
        cmocka_unit_test(test_mixed_layers),
        cmocka_unit_test(test_frozen_still_have_gradients),
        cmocka_unit_test(test_backward_accumulates),
        cmocka_unit_test(test_loss_values),
        cmocka_unit_test(test_custom_context),
        cmocka_unit_test(test_train_custom_activation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The non-finite policy: no training call ever writes a NaN or an infinity
   into the parameters or the gradients. A call that would returns
   NN_ERR_DIVERGED, nn_backward(), nn_backward_batch() and nn_step() with the
   parameters and gradients bit for bit as before; nn_train_sample() and
   nn_train_sequential() the same when the output layer fails, and else with
   every parameter finite. A forward pass whose outputs are not finite returns
   NN_ERR_DIVERGED and leaves no pass to inspect.

   Built from the library's sources: the kernel levels are forced one by one,
   and a NaN is put into a network's memory to check that saving refuses it,
   the one way left to get one there. */
#include "internal.h"
#include "testnet.h"
#include "bounds.h"

#include <float.h>
#include <stdint.h>
#include <stdio.h>

/* ---- snapshots: parameters and gradients, compared bit for bit ---- */

struct snapshot {
    size_t n;
    double *p, *g;
};

static struct snapshot take(const nn_t *net)
{
    struct snapshot s = {nn_param_count(net), params_of(net), grads_of(net)};
    return s;
}

static void release(struct snapshot *s)
{
    free(s->p);
    free(s->g);
}

/* The network's parameters and gradients are those of `s`, every bit. */
static void assert_unchanged(const nn_t *net, const struct snapshot *s)
{
    struct snapshot now = take(net);
    assert_memory_equal(now.p, s->p, s->n * sizeof(double));
    assert_memory_equal(now.g, s->g, s->n * sizeof(double));
    release(&now);
}

static void assert_all_finite(const nn_t *net)
{
    struct snapshot now = take(net);
    for (size_t i = 0; i < now.n; i++) {
        assert_true(isfinite(now.p[i]));
        assert_true(isfinite(now.g[i]));
    }
    release(&now);
}

/* Layer k's weights and biases, in the flat order. */
static double *layer_params(const nn_t *net, size_t k, size_t *count)
{
    const size_t nw = nn_weight_count(net, k), nb = nn_bias_count(net, k);
    double *v = alloc_doubles(nw + nb);
    assert_int_equal(nn_get_weights(net, k, v, nw), NN_OK);
    assert_int_equal(nn_get_biases(net, k, v + nw, nb), NN_OK);
    *count = nw + nb;
    return v;
}

/* The inspection calls have no pass to show. */
static void assert_no_forward(nn_t *net)
{
    double v[64];
    const size_t top = nn_layer_count(net) - 1, n_out = nn_output_count(net);
    assert_int_equal(nn_get_outputs(net, top, v, n_out), NN_ERR_NO_FORWARD);
    assert_int_equal(nn_get_net_inputs(net, top, v, n_out), NN_ERR_NO_FORWARD);
    assert_int_equal(nn_get_deltas(net, top, v, n_out), NN_ERR_NO_FORWARD);
    double loss;
    for (size_t i = 0; i < n_out; i++)
        v[i] = 0.0;
    assert_int_equal(nn_loss(net, v, &loss), NN_ERR_NO_FORWARD);
    assert_int_equal(nn_backward(net, v), NN_ERR_NO_FORWARD);
}

static nn_t *net_of(size_t n_layers, const size_t *sizes, int act, unsigned long seed, double lo,
                    double hi)
{
    int acts[8];
    for (size_t k = 0; k + 1 < n_layers; k++)
        acts[k] = act;
    nn_t *net = create_net(n_layers, sizes, acts);
    assert_int_equal(nn_init_random(net, seed, NN_INIT_UNIFORM, lo, hi), NN_OK);
    return net;
}

/* ---- the status ---- */

static void test_status(void **state)
{
    (void)state;
    assert_int_equal(NN_ERR_DIVERGED, 24);
    assert_non_null(strstr(nn_strerror(NN_ERR_DIVERGED), "lower learning rate"));
}

/* ---- huge rates: refused before anything is written ---- */

/* Sizes of a tiny network (the register path of nn_train_sample) and of one
   that takes the general passes. */
static const size_t tiny_sizes[] = {2, 3, 2};
static const size_t large_sizes[] = {12, 20, 3};

static void huge_rate_case(const size_t *sizes, int act, int loss)
{
    nn_t *net = net_of(3, sizes, act, 7, 0.05, 0.5); /* positive: ReLU units are on */
    assert_int_equal(nn_set_loss(net, loss), NN_OK);
    const size_t n_in = sizes[0], n_out = sizes[2];
    double x[32], t[32];
    for (size_t i = 0; i < n_in; i++)
        x[i] = 0.25 + 0.5 * (double)i / (double)n_in;
    for (size_t i = 0; i < n_out; i++)
        t[i] = i % 2 ? 1000.0 : -1000.0; /* rate * delta alone overflows */

    /* pending stored gradients must survive the refusals */
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_backward(net, t), NN_OK);
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_backward(net, t), NN_OK);
    struct snapshot s = take(net);
    const double rate = 1e308;
    assert_int_equal(nn_train_sample(net, x, t, rate), NN_ERR_DIVERGED);
    assert_unchanged(net, &s);
    assert_int_equal(nn_train_sequential(net, x, t, rate), NN_ERR_DIVERGED);
    assert_unchanged(net, &s);
    assert_int_equal(nn_train_sample(net, x, t, -rate), NN_ERR_DIVERGED);
    assert_unchanged(net, &s);
    assert_int_equal(nn_step(net, rate), NN_ERR_DIVERGED);
    assert_unchanged(net, &s);
    /* the refused step can be taken with a sane rate */
    assert_int_equal(nn_step(net, 0.01), NN_OK);
    assert_all_finite(net);
    release(&s);

    /* deferred gradients (one nn_backward on cleared ones), on a fresh
       network: the step above may have saturated the units */
    nn_free(net);
    net = net_of(3, sizes, act, 7, 0.05, 0.5);
    assert_int_equal(nn_set_loss(net, loss), NN_OK);
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_backward(net, t), NN_OK);
    nn_t *twin = NULL;
    assert_int_equal(nn_clone(net, &twin), NN_OK);
    s = take(net);
    assert_int_equal(nn_step(net, rate), NN_ERR_DIVERGED);
    assert_unchanged(net, &s);
    assert_int_equal(nn_step(net, 0.01), NN_OK);
    assert_int_equal(nn_step(twin, 0.01), NN_OK);
    struct snapshot a = take(net), b = take(twin);
    assert_memory_equal(a.p, b.p, a.n * sizeof(double));
    release(&a);
    release(&b);
    release(&s);

    /* batches */
    double xb[3 * 32], tb[3 * 32];
    for (size_t r = 0; r < 3; r++) {
        memcpy(xb + r * n_in, x, n_in * sizeof(double));
        memcpy(tb + r * n_out, t, n_out * sizeof(double));
    }
    assert_int_equal(nn_forward_batch(net, 3, xb, NULL), NN_OK);
    assert_int_equal(nn_backward_batch(net, 3, tb), NN_OK);
    s = take(net);
    assert_int_equal(nn_step(net, -rate), NN_ERR_DIVERGED);
    assert_unchanged(net, &s);
    release(&s);
    nn_free(twin);
    nn_free(net);
}

static void test_huge_rate_every_activation_and_loss(void **state)
{
    (void)state;
    static const int acts[] = {NN_ACT_LINEAR, NN_ACT_SIGMOID, NN_ACT_TANH,
                               NN_ACT_RELU,   NN_ACT_LEAKY_RELU, NN_ACT_SOFTPLUS};
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++)
        for (int loss = NN_LOSS_HALF_SSE; loss <= NN_LOSS_MSE; loss++) {
            huge_rate_case(tiny_sizes, acts[a], loss);
            huge_rate_case(large_sizes, acts[a], loss);
        }
}

/* ---- 1e308 inputs and targets ---- */

/* After a training call: on success every value is finite; on a refusal
   the parameters and gradients are as in `s` (`exact`), or at least finite
   (the exception of nn_train_sample and nn_train_sequential). */
static void assert_outcome(const nn_t *net, nn_status st, const struct snapshot *s, int exact)
{
    assert_true(st == NN_OK || st == NN_ERR_DIVERGED);
    if (st == NN_ERR_DIVERGED && exact)
        assert_unchanged(net, s);
    else
        assert_all_finite(net);
}

/* Inputs of +-1e308: sums of them overflow, or the outputs grow so large
   that the updates would. Every call either succeeds with finite values or
   is refused; the unbounded activations are always refused. */
static void test_huge_inputs(void **state)
{
    (void)state;
    const size_t *all[] = {tiny_sizes, large_sizes};
    for (size_t c = 0; c < 2; c++) {
        const size_t *sizes = all[c];
        for (int act = NN_ACT_LINEAR; act <= NN_ACT_SOFTPLUS; act++) {
            nn_t *net = net_of(3, sizes, act, 3, 0.1, 1.0);
            double x[32], t[32], out[32];
            for (size_t i = 0; i < sizes[0]; i++)
                x[i] = 1e308;
            for (size_t i = 0; i < sizes[2]; i++)
                t[i] = 0.5;
            const int unbounded = act != NN_ACT_SIGMOID && act != NN_ACT_TANH;
            struct snapshot s = take(net);
            nn_status st = nn_train_sample(net, x, t, 0.1);
            assert_outcome(net, st, &s, 0);
            if (unbounded)
                assert_int_equal(st, NN_ERR_DIVERGED);
            assert_int_equal(nn_set_params(net, s.p, s.n), NN_OK);
            st = nn_train_sequential(net, x, t, 0.1);
            assert_outcome(net, st, &s, 0);
            if (unbounded)
                assert_int_equal(st, NN_ERR_DIVERGED);
            assert_int_equal(nn_set_params(net, s.p, s.n), NN_OK);

            /* the forward pass overflows (an infinite output) or the
               gradients would: nothing changes either way */
            st = nn_forward(net, x, out);
            if (st == NN_OK) {
                st = nn_backward(net, t);
                assert_outcome(net, st, &s, 1);
                if (st == NN_OK)
                    assert_outcome(net, nn_step(net, 0.1), &s, 1);
            } else {
                assert_int_equal(st, NN_ERR_DIVERGED);
                assert_no_forward(net);
                assert_unchanged(net, &s);
            }
            if (unbounded)
                assert_int_equal(st, NN_ERR_DIVERGED);
            assert_int_equal(nn_set_params(net, s.p, s.n), NN_OK);
            assert_int_equal(nn_zero_grads(net), NN_OK);

            double xb[2 * 32], tb[2 * 32];
            memcpy(xb, x, sizes[0] * sizeof(double));
            memcpy(xb + sizes[0], x, sizes[0] * sizeof(double));
            memcpy(tb, t, sizes[2] * sizeof(double));
            memcpy(tb + sizes[2], t, sizes[2] * sizeof(double));
            st = nn_forward_batch(net, 2, xb, NULL);
            if (st == NN_OK) {
                st = nn_backward_batch(net, 2, tb);
                assert_outcome(net, st, &s, 1);
            } else {
                assert_int_equal(st, NN_ERR_DIVERGED);
                double loss;
                assert_int_equal(nn_loss_batch(net, 2, tb, &loss), NN_ERR_NO_BATCH);
                assert_unchanged(net, &s);
            }
            if (unbounded)
                assert_int_equal(st, NN_ERR_DIVERGED);
            release(&s);
            nn_free(net);
        }
    }
}

/* Huge targets: finite outputs and deltas whose gradients overflow. Stored
   gradients (a first batch) and deferred ones (a first nn_backward) are kept. */
static void test_huge_targets(void **state)
{
    (void)state;
    nn_t *net = net_of(3, large_sizes, NN_ACT_LINEAR, 5, -1.0, 1.0);
    double x[12], t[3], big[3];
    for (size_t i = 0; i < 12; i++)
        x[i] = 1e10;
    for (size_t i = 0; i < 3; i++) {
        t[i] = 1.0;
        big[i] = -1e305;
    }
    /* deferred: one nn_backward, then one whose gradients overflow */
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_backward(net, t), NN_OK);
    struct snapshot s = take(net);
    assert_int_equal(nn_backward(net, big), NN_ERR_DIVERGED);
    assert_unchanged(net, &s);
    double d[3];
    assert_int_equal(nn_get_deltas(net, 2, d, 3), NN_ERR_NO_BACKWARD);
    assert_int_equal(nn_backward(net, t), NN_OK); /* the pass is still there */
    release(&s);

    /* stored gradients and a batch */
    double xb[24], tb[6];
    memcpy(xb, x, sizeof x);
    memcpy(xb + 12, x, sizeof x);
    for (size_t i = 0; i < 6; i++)
        tb[i] = -1e305;
    assert_int_equal(nn_forward_batch(net, 2, xb, NULL), NN_OK);
    s = take(net);
    assert_int_equal(nn_backward_batch(net, 2, tb), NN_ERR_DIVERGED);
    assert_unchanged(net, &s);
    release(&s);
    nn_free(net);
}

/* ---- explosions: train until refused, never a NaN ---- */

enum call { TRAIN_SAMPLE, TRAIN_SEQUENTIAL, THREE_CALLS, BATCH, N_CALLS };

static nn_status train_once(nn_t *net, enum call call, const double *x, const double *t,
                            size_t n_in, size_t n_out, double rate)
{
    double xb[2 * 32], tb[2 * 32];
    nn_status st;
    switch (call) {
    case TRAIN_SAMPLE:
        return nn_train_sample(net, x, t, rate);
    case TRAIN_SEQUENTIAL:
        return nn_train_sequential(net, x, t, rate);
    case THREE_CALLS:
        st = nn_forward(net, x, NULL);
        if (st == NN_OK)
            st = nn_backward(net, t);
        return st == NN_OK ? nn_step(net, rate) : st;
    default:
        memcpy(xb, x, n_in * sizeof(double));
        memcpy(xb + n_in, x, n_in * sizeof(double));
        memcpy(tb, t, n_out * sizeof(double));
        memcpy(tb + n_out, t, n_out * sizeof(double));
        st = nn_forward_batch(net, 2, xb, NULL);
        if (st == NN_OK)
            st = nn_backward_batch(net, 2, tb);
        return st == NN_OK ? nn_step(net, rate) : st;
    }
}

/* Custom activation: f(z) = z^3, unbounded. */
static void cube_f(void *context, size_t n, const double *z, double *a)
{
    (void)context;
    for (size_t i = 0; i < n; i++)
        a[i] = z[i] * z[i] * z[i];
}

static void cube_df(void *context, size_t n, const double *z, const double *a, double *d)
{
    (void)context;
    (void)a;
    for (size_t i = 0; i < n; i++)
        d[i] = 3.0 * z[i] * z[i];
}

static void explode(const size_t *sizes, size_t n_layers, int act, int loss, enum call call)
{
    nn_t *net = net_of(n_layers, sizes, act == NN_ACT_CUSTOM ? NN_ACT_LINEAR : act, 11, 0.5,
                       1.5);
    if (act == NN_ACT_CUSTOM)
        for (size_t k = 1; k + 1 < n_layers; k++)
            assert_int_equal(nn_set_custom_activation(net, k, cube_f, cube_df, NULL, "cube"),
                             NN_OK);
    assert_int_equal(nn_set_activation(net, n_layers - 1, NN_ACT_LINEAR), NN_OK);
    assert_int_equal(nn_set_loss(net, loss), NN_OK);
    const size_t n_in = sizes[0], n_out = sizes[n_layers - 1];
    double x[32], t[32];
    for (size_t i = 0; i < n_in; i++)
        x[i] = 1.0 + (double)i;
    for (size_t i = 0; i < n_out; i++)
        t[i] = 100.0;
    nn_status st = NN_OK;
    int steps = 0;
    for (; steps < 400 && st == NN_OK; steps++) {
        struct snapshot s = take(net);
        st = train_once(net, call, x, t, n_in, n_out, 10.0);
        if (st == NN_OK || call == TRAIN_SAMPLE || call == TRAIN_SEQUENTIAL)
            assert_all_finite(net);
        else
            assert_unchanged(net, &s);
        release(&s);
    }
    /* every one of these networks goes to infinity at this rate */
    assert_int_equal(st, NN_ERR_DIVERGED);
    nn_free(net);
}

static void test_explosions(void **state)
{
    (void)state;
    static const size_t deep_tiny[] = {2, 4, 4, 4, 2};
    static const size_t deep_large[] = {10, 16, 16, 3};
    static const int acts[] = {NN_ACT_LINEAR, NN_ACT_RELU, NN_ACT_LEAKY_RELU, NN_ACT_SOFTPLUS,
                               NN_ACT_CUSTOM};
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++)
        for (int loss = NN_LOSS_HALF_SSE; loss <= NN_LOSS_MSE; loss++)
            for (int call = 0; call < N_CALLS; call++) {
                explode(deep_tiny, 5, acts[a], loss, (enum call)call);
                explode(deep_large, 4, acts[a], loss, (enum call)call);
            }
}

/* Bounded activations (sigmoid, tanh) under inputs, targets and a rate of
   1e150: the outputs stay within [-1, 1], but the gradients and the updates
   of the biases and of the input layer's weights are huge. Whatever each
   call does, nothing is ever NaN or infinite, and some calls are refused. */
static void test_bounded_activations_stay_finite(void **state)
{
    (void)state;
    int refused = 0;
    for (int act = NN_ACT_SIGMOID; act <= NN_ACT_TANH; act++)
        for (int call = 0; call < N_CALLS; call++) {
            nn_t *net = net_of(3, large_sizes, act, 2, -1.0, 1.0);
            double x[12], t[3];
            for (size_t i = 0; i < 12; i++)
                x[i] = i % 2 ? 1e150 : -1e150;
            for (size_t i = 0; i < 3; i++)
                t[i] = 1e150;
            for (int step = 0; step < 50; step++) {
                struct snapshot s = take(net);
                const nn_status st = train_once(net, (enum call)call, x, t, 12, 3, 1e150);
                assert_outcome(net, st, &s, call == THREE_CALLS || call == BATCH);
                refused += st == NN_ERR_DIVERGED;
                release(&s);
            }
            nn_free(net);
        }
    assert_true(refused > 0);
}

/* ---- the documented exception: a lower layer fails after the top one ---- */

/* One hidden linear layer whose weights and biases are 0, so that its
   outputs are 0 and the output layer's update is a moderate change of its
   bias, which passes; but the output weights of 1e300 make the hidden
   deltas 1e300 times larger, and their update at this rate cannot pass. */
static void exception_case(size_t n_in, size_t n_hidden, int sequential)
{
    const size_t sizes[] = {n_in, n_hidden, 1};
    nn_t *net = net_of(3, sizes, NN_ACT_LINEAR, 1, -1.0, 1.0);
    double *w1 = alloc_doubles(n_hidden * n_in), *b1 = alloc_doubles(n_hidden);
    double *w2 = alloc_doubles(n_hidden), b2 = 0.0;
    for (size_t j = 0; j < n_hidden; j++)
        w2[j] = 1e300;
    assert_int_equal(nn_set_weights(net, 1, w1, n_hidden * n_in), NN_OK);
    assert_int_equal(nn_set_biases(net, 1, b1, n_hidden), NN_OK);
    assert_int_equal(nn_set_weights(net, 2, w2, n_hidden), NN_OK);
    assert_int_equal(nn_set_biases(net, 2, &b2, 1), NN_OK);
    double x[32], t = 100.0;
    for (size_t i = 0; i < n_in; i++)
        x[i] = 1.0;
    size_t n1, n2;
    double *before1 = layer_params(net, 1, &n1), *before2 = layer_params(net, 2, &n2);
    struct snapshot s = take(net);
    const nn_status st = sequential ? nn_train_sequential(net, x, &t, 1e10)
                                    : nn_train_sample(net, x, &t, 1e10);
    assert_int_equal(st, NN_ERR_DIVERGED);
    assert_all_finite(net);
    double *after1 = layer_params(net, 1, &n1), *after2 = layer_params(net, 2, &n2);
    assert_memory_equal(after1, before1, n1 * sizeof(double)); /* not written */
    assert_true(after2[n2 - 1] == 1e12); /* the bias kept its update, 0 - 1e10 (0 - 100) */
    assert_memory_equal(after2, before2, (n2 - 1) * sizeof(double)); /* 1e300 - 1e10 * 0 */
    /* the gradients are untouched either way */
    struct snapshot now = take(net);
    assert_memory_equal(now.g, s.g, s.n * sizeof(double));
    release(&now);
    release(&s);
    free(before1);
    free(before2);
    free(after1);
    free(after2);
    free(w1);
    free(b1);
    free(w2);
    nn_free(net);
}

static void test_lower_layer_fails_after_upper(void **state)
{
    (void)state;
    for (int sequential = 0; sequential <= 1; sequential++) {
        exception_case(2, 3, sequential);   /* the register path */
        exception_case(12, 20, sequential); /* the general one */
    }
}

/* The bounds are rescanned after a setter: parameters and gradients set
   near the largest double cannot be stepped past it, and a step that moves
   nothing is not refused. */
static void test_bounds_follow_setters(void **state)
{
    (void)state;
    const size_t *all[] = {tiny_sizes, large_sizes};
    for (size_t c = 0; c < 2; c++) {
        const size_t *sizes = all[c];
        nn_t *net = net_of(3, sizes, NN_ACT_SIGMOID, 4, -1.0, 1.0);
        double x[32], t[32];
        for (size_t i = 0; i < sizes[0]; i++)
            x[i] = 0.5;
        for (size_t i = 0; i < sizes[2]; i++)
            t[i] = 0.0;
        /* small bounds known from a step */
        assert_int_equal(nn_train_sample(net, x, t, 0.5), NN_OK);
        assert_int_equal(nn_forward(net, x, NULL), NN_OK);
        assert_int_equal(nn_backward(net, t), NN_OK);
        assert_int_equal(nn_step(net, 0.5), NN_OK);

        const size_t n = nn_param_count(net);
        double *p = params_of(net), *g = alloc_doubles(n);
        p[0] = 1.5e308;
        g[0] = -1.5e308; /* p - g overflows */
        assert_int_equal(nn_set_params(net, p, n), NN_OK);
        assert_int_equal(nn_set_grads(net, g, n), NN_OK);
        struct snapshot s = take(net);
        assert_int_equal(nn_step(net, 1.0), NN_ERR_DIVERGED);
        assert_unchanged(net, &s);
        /* a gradient of 0 moves nothing: not refused */
        g[0] = 0.0;
        assert_int_equal(nn_set_grads(net, g, n), NN_OK);
        assert_int_equal(nn_step(net, 1.0), NN_OK);
        struct snapshot now = take(net);
        assert_memory_equal(now.p, s.p, n * sizeof(double));
        release(&now);
        release(&s);
        free(p);
        free(g);
        nn_free(net);
    }
}

/* ---- point 16: a custom activation that returns NaN or an infinity ---- */

struct poison {
    int on;
    double value;
};

static void poison_f(void *context, size_t n, const double *z, double *a)
{
    const struct poison *p = context;
    for (size_t i = 0; i < n; i++)
        a[i] = p->on && i == n - 1 ? p->value : tanh(z[i]);
}

static void poison_df(void *context, size_t n, const double *z, const double *a, double *d)
{
    (void)context;
    (void)z;
    for (size_t i = 0; i < n; i++)
        d[i] = 1.0 - a[i] * a[i];
}

static void poison_case(const size_t *sizes, size_t layer, double value, size_t threads)
{
    const int acts[] = {NN_ACT_TANH, NN_ACT_TANH};
    nn_t *net = create_net(3, sizes, acts);
    assert_int_equal(nn_init_random(net, 9, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    struct poison p = {0, value};
    assert_int_equal(nn_set_custom_activation(net, layer, poison_f, poison_df, &p, "poison"),
                     NN_OK);
    if (threads > 1 && nn_set_threads(net, threads) != NN_OK)
        threads = 1;
    const size_t n_in = sizes[0], n_out = sizes[2], rows = 300;
    double *x = random_rows(rows * n_in, 1, -1.0, 1.0), *t = random_rows(rows * n_out, 2, -1, 1);
    double *out = alloc_doubles(rows * n_out);
    const size_t ws = nn_inference_workspace_size(net, rows);
    double *work = alloc_doubles(ws);

    /* healthy first, with a pass of each kind to inspect */
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_backward(net, t), NN_OK);
    assert_int_equal(nn_forward_batch(net, rows, x, NULL), NN_OK);
    struct snapshot s = take(net);
    p.on = 1;
    assert_int_equal(nn_forward(net, x, out), NN_ERR_DIVERGED);
    assert_no_forward(net);
    assert_unchanged(net, &s);
    assert_int_equal(nn_train_sample(net, x, t, 0.1), NN_ERR_DIVERGED);
    assert_no_forward(net);
    assert_unchanged(net, &s);
    assert_int_equal(nn_train_sequential(net, x, t, 0.1), NN_ERR_DIVERGED);
    assert_no_forward(net);
    assert_unchanged(net, &s);
    for (size_t n = 1; n <= rows; n += rows - 1) {
        assert_int_equal(nn_predict(net, n, x, out, work, ws), NN_ERR_DIVERGED);
        assert_int_equal(nn_forward_batch(net, n, x, out), NN_ERR_DIVERGED);
        double loss;
        assert_int_equal(nn_loss_batch(net, n, t, &loss), NN_ERR_NO_BATCH);
        assert_int_equal(nn_backward_batch(net, n, t), NN_ERR_NO_BATCH);
    }
    assert_unchanged(net, &s);
    /* and healthy again */
    p.on = 0;
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_predict(net, rows, x, out, work, ws), NN_OK);
    assert_int_equal(nn_train_sample(net, x, t, 0.1), NN_OK);
    release(&s);
    free(x);
    free(t);
    free(out);
    free(work);
    nn_free(net);
}

static void test_custom_activation_not_finite(void **state)
{
    (void)state;
    static const size_t small[] = {3, 4, 2}, wide[] = {40, 64, 24};
    const double values[] = {NAN, INFINITY, -INFINITY};
    for (size_t v = 0; v < 3; v++)
        for (size_t layer = 1; layer <= 2; layer++)
            for (size_t threads = 1; threads <= 2; threads++) {
                poison_case(small, layer, values[v], threads);
                poison_case(wide, layer, values[v], threads);
            }
}

/* ---- nn_explain and nn_export_dot show a diverging step as it is ---- */

static int sink(void *context, const char *bytes, size_t n)
{
    size_t *total = context;
    (void)bytes;
    *total += n;
    return 0;
}

static void test_explain_keeps_its_status(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 1};
    const int acts[] = {NN_ACT_LINEAR};
    nn_t *net = create_net(2, sizes, acts);
    const double w = 1e300, x = 1e300, t = 0.0;
    assert_int_equal(nn_set_weights(net, 1, &w, 1), NN_OK);
    struct snapshot s = take(net);
    nn_explain_options_t *opts = NULL;
    assert_int_equal(nn_explain_options_create(&opts), NN_OK);
    size_t total = 0;
    /* not applied: explained, NaN and infinities included */
    assert_int_equal(nn_explain(net, opts, &x, 1, &t, 1, 1.0, sink, &total), NN_OK);
    assert_true(total > 0);
    /* applied: the step gives a parameter that is not finite, as in 0.1 */
    assert_int_equal(nn_explain_options_set_apply(opts, 1), NN_OK);
    assert_int_equal(nn_explain(net, opts, &x, 1, &t, 1, 1.0, sink, &total), NN_ERR_NOT_FINITE);
    assert_unchanged(net, &s);
    /* a finite step that is too large still applies */
    const double x2 = 1.0;
    assert_int_equal(nn_explain(net, opts, &x2, 1, &t, 1, 1e-300, sink, &total), NN_OK);
    total = 0;
    assert_int_equal(nn_export_dot(net, NULL, &x, 1, &t, 1, sink, &total), NN_OK);
    assert_true(total > 0);
    nn_explain_options_free(opts);
    release(&s);
    nn_free(net);
}

/* ---- saving refuses a network holding a NaN (only memory written by
   hand can hold one now) ---- */

static void test_save_refuses_non_finite(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 1};
    const int acts[] = {NN_ACT_LINEAR};
    nn_t *net = create_net(2, sizes, acts);
    for (int round = 0; round < 2; round++) {
        net->params[0] = round == 0 ? INFINITY : NAN;
        char buf[256];
        memset(buf, 'Z', sizeof buf);
        size_t got = 99;
        assert_int_equal(nn_save_buffer(net, buf, sizeof buf, &got), NN_ERR_PARAMS_NOT_FINITE);
        for (size_t i = 0; i < sizeof buf; i++)
            assert_int_equal(buf[i], 'Z');
        assert_int_equal(nn_save_buffer(net, NULL, 0, &got), NN_ERR_PARAMS_NOT_FINITE);
    }
    nn_free(net);
}

/* ---- the kernel: the same answer at every level ---- */

static double reference_max_abs(const double *x, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]))
            return NAN;
        if (fabs(x[i]) > m)
            m = fabs(x[i]);
    }
    return m;
}

static void test_max_abs_kernels(void **state)
{
    (void)state;
    test_rng r = {17};
    const double specials[] = {0.0, -0.0, DBL_MIN, -DBL_TRUE_MIN, DBL_MAX, -DBL_MAX,
                               INFINITY, -INFINITY, NAN, -NAN, 1e308, -3.5};
    double x[40];
    for (int level = 0; level <= 3; level++) {
        const struct nn_kernels *k = nn__kernels_level(level);
        if (k == NULL)
            continue;
        for (int trial = 0; trial < 2000; trial++) {
            const size_t n = rng_below(&r, 41);
            for (size_t i = 0; i < n; i++)
                x[i] = rng_below(&r, 8) == 0 ? specials[rng_below(&r, 12)]
                                             : rng_range(&r, -10.0, 10.0);
            const double want = reference_max_abs(x, n), got = k->max_abs(n, x);
            if (isnan(want)) {
                assert_true(isnan(got));
            } else {
                assert_true(got == want);
                assert_true(nn__max_finite(got) == (want <= DBL_MAX));
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_huge_rate_every_activation_and_loss),
        cmocka_unit_test(test_huge_inputs),
        cmocka_unit_test(test_huge_targets),
        cmocka_unit_test(test_explosions),
        cmocka_unit_test(test_bounded_activations_stay_finite),
        cmocka_unit_test(test_lower_layer_fails_after_upper),
        cmocka_unit_test(test_bounds_follow_setters),
        cmocka_unit_test(test_custom_activation_not_finite),
        cmocka_unit_test(test_explain_keeps_its_status),
        cmocka_unit_test(test_save_refuses_non_finite),
        cmocka_unit_test(test_max_abs_kernels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

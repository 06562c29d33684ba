/* Batches, the fused online step, the caller's allocator and read-only
   inference: every result is checked against the single-sample calls, which
   the worked-example suites check against published numbers. */
#include "backprop.h"
#include "check.h"
#include "testnet.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static nn_t *make_net(size_t n_layers, const size_t *sizes, const int *acts, unsigned long seed)
{
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, n_layers, sizes, acts), NN_OK);
    assert_int_equal(nn_init_random(net, seed, NN_INIT_UNIFORM, -0.5, 0.5), NN_OK);
    return net;
}

/* max |a - b| <= tol * (1 + max |b|) */
static void assert_close_arrays(const double *a, const double *b, size_t n, double tol)
{
    const double bound = tol * (1.0 + max_abs(b, n));
    for (size_t i = 0; i < n; i++) {
        if (!(fabs(a[i] - b[i]) <= bound)) {
            print_error("index %zu: %.17g vs %.17g (bound %.3g)\n", i, a[i], b[i], bound);
            fail();
        }
    }
}

static void assert_same_arrays(const double *a, const double *b, size_t n)
{
    assert_memory_equal(a, b, n * sizeof(double));
}

/* The shapes used throughout: a small mixed network and one large enough to
   cross every blocking boundary of the matrix products (k > 256, n > 480). */
static const size_t small_sizes[] = {5, 7, 6, 3};
static const int small_acts[] = {NN_ACT_SIGMOID, NN_ACT_TANH, NN_ACT_LINEAR};
static const size_t big_sizes[] = {300, 500, 17, 4};
static const int big_acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_LINEAR};

/* ---- forward ---- */

static void check_forward_batch(size_t n_layers, const size_t *sizes, const int *acts, size_t n)
{
    nn_t *net = make_net(n_layers, sizes, acts, 11);
    const size_t n_in = sizes[0], n_out = sizes[n_layers - 1];
    double *x = random_rows(n * n_in, 12, -1.0, 1.0);
    double *batch_out = malloc(n * n_out * sizeof(double));
    double *single = malloc(n_out * sizeof(double));
    assert_int_equal(nn_forward_batch(net, n, x, batch_out), NN_OK);
    for (size_t r = 0; r < n; r++) {
        assert_int_equal(nn_forward(net, x + r * n_in, single), NN_OK);
        for (size_t j = 0; j < n_out; j++)
            assert_rel(batch_out[r * n_out + j], single[j], 1e-12);
    }
    free(x);
    free(batch_out);
    free(single);
    nn_free(net);
}

static void test_forward_batch_small(void **state)
{
    (void)state;
    check_forward_batch(4, small_sizes, small_acts, 1);
    check_forward_batch(4, small_sizes, small_acts, 9);
}

static void test_forward_batch_big(void **state)
{
    (void)state;
    check_forward_batch(4, big_sizes, big_acts, 11);
    check_forward_batch(4, big_sizes, big_acts, 131); /* more rows than one block */
}

/* The outputs of a 2-2-1 network computed by hand in the test. */
static void test_forward_batch_by_hand(void **state)
{
    (void)state;
    const size_t sizes[] = {2, 2, 1};
    const int acts[] = {NN_ACT_LINEAR, NN_ACT_LINEAR};
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 3, sizes, acts), NN_OK);
    const double w1[] = {1.0, 2.0, -1.0, 0.5}, b1[] = {0.25, -0.5};
    const double w2[] = {3.0, -2.0}, b2[] = {1.0};
    assert_int_equal(nn_set_weights(net, 1, w1, 4), NN_OK);
    assert_int_equal(nn_set_biases(net, 1, b1, 2), NN_OK);
    assert_int_equal(nn_set_weights(net, 2, w2, 2), NN_OK);
    assert_int_equal(nn_set_biases(net, 2, b2, 1), NN_OK);
    const double x[] = {1.0, 2.0, -3.0, 0.5, 0.0, 0.0};
    double y[3];
    assert_int_equal(nn_forward_batch(net, 3, x, y), NN_OK);
    for (int r = 0; r < 3; r++) {
        const double h0 = 1.0 * x[2 * r] + 2.0 * x[2 * r + 1] + 0.25;
        const double h1 = -1.0 * x[2 * r] + 0.5 * x[2 * r + 1] - 0.5;
        assert_rel(y[r], 3.0 * h0 - 2.0 * h1 + 1.0, 1e-15);
    }
    nn_free(net);
}

/* ---- loss and backward ---- */

static void check_backward_batch(size_t n_layers, const size_t *sizes, const int *acts, size_t n,
                                 int loss)
{
    nn_t *net = make_net(n_layers, sizes, acts, 21);
    assert_int_equal(nn_set_loss(net, loss), NN_OK);
    assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
    nn_t *ref = NULL;
    assert_int_equal(nn_clone(net, &ref), NN_OK);
    const size_t n_in = sizes[0], n_out = sizes[n_layers - 1];
    double *x = random_rows(n * n_in, 22, -1.0, 1.0);
    double *t = random_rows(n * n_out, 23, 0.0, 1.0);
    /* start both from the same nonzero gradients: the batch call adds */
    const size_t np = nn_param_count(net);
    double *g0 = random_rows(np, 24, -0.1, 0.1);
    assert_int_equal(nn_set_grads(net, g0, np), NN_OK);
    assert_int_equal(nn_set_grads(ref, g0, np), NN_OK);

    assert_int_equal(nn_forward_batch(net, n, x, NULL), NN_OK);
    double batch_loss = 0.0;
    assert_int_equal(nn_loss_batch(net, n, t, &batch_loss), NN_OK);
    assert_int_equal(nn_backward_batch(net, n, t), NN_OK);

    double loss_sum = 0.0;
    for (size_t r = 0; r < n; r++) {
        double l = 0.0;
        assert_int_equal(nn_forward(ref, x + r * n_in, NULL), NN_OK);
        assert_int_equal(nn_loss(ref, t + r * n_out, &l), NN_OK);
        assert_int_equal(nn_backward(ref, t + r * n_out), NN_OK);
        loss_sum += l;
    }
    assert_rel(batch_loss, loss_sum, 1e-12);
    double *g = grads_of(net), *gref = grads_of(ref);
    assert_close_arrays(g, gref, np, 1e-12);
    /* the batch changed no parameter */
    double *p = params_of(net), *pref = params_of(ref);
    assert_same_arrays(p, pref, np);
    free(g);
    free(gref);
    free(p);
    free(pref);
    free(g0);
    free(x);
    free(t);
    nn_free(ref);
    nn_free(net);
}

static void test_backward_batch_small(void **state)
{
    (void)state;
    check_backward_batch(4, small_sizes, small_acts, 1, NN_LOSS_HALF_SSE);
    check_backward_batch(4, small_sizes, small_acts, 13, NN_LOSS_MSE);
}

static void test_backward_batch_big(void **state)
{
    (void)state;
    check_backward_batch(4, big_sizes, big_acts, 37, NN_LOSS_HALF_SSE);
}

/* A training loop of batches equals the same loop of single samples. */
static void test_batch_training_loop(void **state)
{
    (void)state;
    nn_t *net = make_net(4, small_sizes, small_acts, 31);
    nn_t *ref = NULL;
    assert_int_equal(nn_clone(net, &ref), NN_OK);
    const size_t n = 8;
    double *x = random_rows(n * 5, 32, -1.0, 1.0);
    double *t = random_rows(n * 3, 33, 0.0, 1.0);
    for (int step = 0; step < 5; step++) {
        assert_int_equal(nn_forward_batch(net, n, x, NULL), NN_OK);
        assert_int_equal(nn_backward_batch(net, n, t), NN_OK);
        assert_int_equal(nn_step(net, 0.1), NN_OK);
        for (size_t r = 0; r < n; r++) {
            assert_int_equal(nn_forward(ref, x + r * 5, NULL), NN_OK);
            assert_int_equal(nn_backward(ref, t + r * 3), NN_OK);
        }
        assert_int_equal(nn_step(ref, 0.1), NN_OK);
    }
    const size_t np = nn_param_count(net);
    double *p = params_of(net), *pref = params_of(ref);
    assert_close_arrays(p, pref, np, 1e-12);
    free(p);
    free(pref);
    free(x);
    free(t);
    nn_free(ref);
    nn_free(net);
}

/* ---- the fused online step ---- */

static void check_train_sample(size_t n_layers, const size_t *sizes, const int *acts,
                               unsigned long seed, int tweak)
{
    nn_t *fused = make_net(n_layers, sizes, acts, seed);
    if (tweak) {
        assert_int_equal(nn_set_frozen(fused, 1, 1, 0), NN_OK);
        assert_int_equal(nn_set_bias_mode(fused, n_layers - 1, NN_BIAS_SHARED), NN_OK);
        assert_int_equal(nn_set_loss(fused, NN_LOSS_MSE), NN_OK);
    }
    nn_t *three = NULL;
    assert_int_equal(nn_clone(fused, &three), NN_OK);
    const size_t n_in = sizes[0], n_out = sizes[n_layers - 1], np = nn_param_count(fused);
    double *x = random_rows(10 * n_in, seed + 1, -1.0, 1.0);
    double *t = random_rows(10 * n_out, seed + 2, 0.0, 1.0);
    double loss_fused[10], loss_three[10];
    for (int s = 0; s < 10; s++) {
        const double *xs = x + s * n_in, *ts = t + s * n_out;
        assert_int_equal(nn_forward(fused, xs, NULL), NN_OK);
        assert_int_equal(nn_loss(fused, ts, &loss_fused[s]), NN_OK);
        assert_int_equal(nn_train_sample(fused, xs, ts, 0.3), NN_OK);

        assert_int_equal(nn_forward(three, xs, NULL), NN_OK);
        assert_int_equal(nn_loss(three, ts, &loss_three[s]), NN_OK);
        assert_int_equal(nn_backward(three, ts), NN_OK);
        assert_int_equal(nn_step(three, 0.3), NN_OK);

        double *pf = params_of(fused), *pt = params_of(three);
        assert_close_arrays(pf, pt, np, 1e-12);
        free(pf);
        free(pt);
    }
    assert_close_arrays(loss_fused, loss_three, 10, 1e-12);
    /* the parameters did move: the comparison is not between two idle networks */
    double *p0 = NULL;
    nn_t *start = make_net(n_layers, sizes, acts, seed);
    p0 = params_of(start);
    double *pf = params_of(fused);
    double moved = 0.0;
    for (size_t i = 0; i < np; i++)
        moved = fmax(moved, fabs(pf[i] - p0[i]));
    assert_true(moved > 1e-6);
    free(pf);
    free(p0);
    nn_free(start);
    free(x);
    free(t);
    nn_free(three);
    nn_free(fused);
}

static void test_train_sample_matches_three_calls(void **state)
{
    (void)state;
    const size_t s1[] = {2, 2, 1};
    const int a1[] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    const size_t s2[] = {13, 9, 7, 5};
    const int a2[] = {NN_ACT_TANH, NN_ACT_RELU, NN_ACT_SIGMOID};
    const size_t s3[] = {40, 33, 3};
    const int a3[] = {NN_ACT_SOFTPLUS, NN_ACT_LINEAR};
    /* every layer of at most 8 units takes the written-out path */
    const size_t s4[] = {3, 5, 8, 2};
    const int a4[] = {NN_ACT_TANH, NN_ACT_LEAKY_RELU, NN_ACT_SIGMOID};
    for (unsigned long seed = 1; seed <= 3; seed++) {
        check_train_sample(3, s1, a1, seed, 0);
        check_train_sample(3, s1, a1, seed, 1);
        check_train_sample(4, s4, a4, seed + 5, 0);
        check_train_sample(4, s4, a4, seed + 5, 1);
        check_train_sample(4, s2, a2, seed * 10, 0);
        check_train_sample(4, s2, a2, seed * 10, 1);
        check_train_sample(3, s3, a3, seed * 100, 0);
        check_train_sample(4, big_sizes, big_acts, seed * 1000, (int)(seed & 1));
    }
}

/* ---- deferred weight gradients ----
   nn_backward() on a network with no stored weight gradients defers them
   (see lib/train.c). Every call that reads, adds to or replaces them, or
   overwrites the pass they come from, must behave as if they had been
   written at once. The reference network is pushed onto the eager path by
   nn_set_grads() with zeros, which marks its gradients as written. */

static void eager(nn_t *net)
{
    const size_t np = nn_param_count(net);
    double *zeros = calloc(np, sizeof(double));
    assert_non_null(zeros);
    assert_int_equal(nn_set_grads(net, zeros, np), NN_OK);
    free(zeros);
}

static void assert_same_state(const nn_t *a, const nn_t *b)
{
    const size_t np = nn_param_count(a);
    double *pa = params_of(a), *pb = params_of(b), *ga = grads_of(a), *gb = grads_of(b);
    assert_same_arrays(pa, pb, np);
    assert_same_arrays(ga, gb, np);
    free(pa);
    free(pb);
    free(ga);
    free(gb);
}

/* One sample's weight gradients from its deltas and the outputs below,
   multiplied here: dE/dw[j][i] = delta[j] * a_prev[i]. */
static void check_outer_products(const nn_t *net, const size_t *sizes, size_t n_layers)
{
    for (size_t k = 1; k < n_layers; k++) {
        const size_t n_in = sizes[k - 1], n_out = sizes[k];
        double *d = malloc(n_out * sizeof(double)), *a = malloc(n_in * sizeof(double));
        double *g = malloc(n_in * n_out * sizeof(double));
        assert_int_equal(nn_get_deltas(net, k, d, n_out), NN_OK);
        assert_int_equal(nn_get_outputs(net, k - 1, a, n_in), NN_OK);
        assert_int_equal(nn_get_weight_grads(net, k, g, n_in * n_out), NN_OK);
        for (size_t j = 0; j < n_out; j++)
            for (size_t i = 0; i < n_in; i++)
                assert_true(g[j * n_in + i] == d[j] * a[i]);
        free(d);
        free(a);
        free(g);
    }
}

static void check_deferred(const size_t *sizes, const int *acts)
{
    const size_t np_rows = 4, n_in = sizes[0], n_out = sizes[3];
    double *x = random_rows(np_rows * n_in, 71, -1.0, 1.0);
    double *t = random_rows(np_rows * n_out, 72, 0.0, 1.0);
    nn_t *lazy = make_net(4, sizes, acts, 70), *ref = NULL;
    const size_t np = nn_param_count(lazy);
    assert_int_equal(nn_clone(lazy, &ref), NN_OK);

    /* one sample: the gradients read back are the outer products, and the
       step gives the eager path's parameters */
    eager(ref);
    for (nn_t *net = lazy;; net = ref) {
        assert_int_equal(nn_forward(net, x, NULL), NN_OK);
        assert_int_equal(nn_backward(net, t), NN_OK);
        if (net == ref)
            break;
    }
    check_outer_products(lazy, sizes, 4);
    assert_same_state(lazy, ref);
    assert_int_equal(nn_step(lazy, 0.4), NN_OK);
    assert_int_equal(nn_step(ref, 0.4), NN_OK);
    assert_same_state(lazy, ref);
    double *p_after = params_of(lazy), *g_after = grads_of(lazy);
    assert_true(max_abs(g_after, np) == 0.0);
    free(g_after);

    /* a second sample accumulates on top of the first (the forward pass
       settles the deferred gradients first); then a batch adds to both */
    eager(ref);
    for (nn_t *net = lazy;; net = ref) {
        assert_int_equal(nn_forward(net, x, NULL), NN_OK);
        assert_int_equal(nn_backward(net, t), NN_OK);
        assert_int_equal(nn_forward(net, x + n_in, NULL), NN_OK);
        assert_int_equal(nn_backward(net, t + n_out), NN_OK);
        if (net == ref)
            break;
    }
    assert_same_state(lazy, ref);
    for (nn_t *net = lazy;; net = ref) {
        assert_int_equal(nn_forward_batch(net, 2, x + 2 * n_in, NULL), NN_OK);
        assert_int_equal(nn_backward_batch(net, 2, t + 2 * n_out), NN_OK);
        assert_int_equal(nn_step(net, 0.1), NN_OK);
        if (net == ref)
            break;
    }
    assert_same_state(lazy, ref);

    /* deferred, then each call that touches the gradients or the pass */
    for (int action = 0; action < 9; action++) {
        eager(ref);
        for (nn_t *net = lazy;; net = ref) {
            assert_int_equal(nn_forward(net, x + action % 4 * n_in, NULL), NN_OK);
            assert_int_equal(nn_backward(net, t + action % 4 * n_out), NN_OK);
            if (net == ref)
                break;
        }
        for (nn_t *net = lazy;; net = ref) {
            switch (action) {
            case 0: /* a batch forward pass leaves the pass's arrays alone */
                assert_int_equal(nn_forward_batch(net, 3, x, NULL), NN_OK);
                break;
            case 1: /* a second backward pass of the same sample doubles them */
                assert_int_equal(nn_backward(net, t + n_out), NN_OK);
                break;
            case 2: /* the online step keeps the accumulated gradients */
                assert_int_equal(nn_train_sample(net, x + 3 * n_in, t, 0.2), NN_OK);
                break;
            case 3:
                assert_int_equal(nn_train_sequential(net, x + 2 * n_in, t, 0.2), NN_OK);
                break;
            case 4: /* new parameters do not change gradients already taken */
                assert_int_equal(nn_set_params(net, p_after, np), NN_OK);
                break;
            case 5:
                assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
                break;
            case 6: /* frozen weights stay; their gradients are cleared */
                assert_int_equal(nn_set_frozen(net, 1, 1, 0), NN_OK);
                assert_int_equal(nn_step(net, 0.3), NN_OK);
                assert_int_equal(nn_set_frozen(net, 1, 0, 0), NN_OK);
                break;
            case 7:
                assert_int_equal(nn_zero_grads(net), NN_OK);
                break;
            default: { /* replaced gradients are the ones stepped */
                double *g = random_rows(np, 73, -1.0, 1.0);
                assert_int_equal(nn_set_grads(net, g, np), NN_OK);
                free(g);
                assert_int_equal(nn_step(net, 0.05), NN_OK);
                break;
            }
            }
            if (net == ref)
                break;
        }
        assert_same_state(lazy, ref);
        /* a clone carries deferred gradients along */
        nn_t *copy = NULL;
        assert_int_equal(nn_clone(lazy, &copy), NN_OK);
        assert_same_state(copy, ref);
        nn_free(copy);
        for (nn_t *net = lazy;; net = ref) {
            assert_int_equal(nn_step(net, 0.25), NN_OK);
            if (net == ref)
                break;
        }
        assert_same_state(lazy, ref);
        assert_int_equal(nn_set_bias_mode(lazy, 2, NN_BIAS_PER_NEURON), NN_OK);
        assert_int_equal(nn_set_bias_mode(ref, 2, NN_BIAS_PER_NEURON), NN_OK);
    }
    free(p_after);
    free(x);
    free(t);
    nn_free(lazy);
    nn_free(ref);
}

static void test_deferred_weight_gradients(void **state)
{
    (void)state;
    const size_t sizes[] = {13, 9, 7, 5};
    const int acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_LINEAR};
    check_deferred(sizes, acts);
    /* layers of at most 8 units: nn_train_sample takes the written-out path */
    const size_t tiny[] = {3, 5, 8, 2};
    const int tiny_acts[] = {NN_ACT_SIGMOID, NN_ACT_TANH, NN_ACT_SIGMOID};
    check_deferred(tiny, tiny_acts);
}

/* ---- errors leave the network unchanged ---- */

struct snapshot {
    double *params, *grads, loss;
};

static struct snapshot take(nn_t *net, size_t n, const double *t)
{
    struct snapshot s;
    s.params = params_of(net);
    s.grads = grads_of(net);
    s.loss = 0.0;
    if (t != NULL)
        assert_int_equal(nn_loss_batch(net, n, t, &s.loss), NN_OK);
    return s;
}

static void assert_unchanged(nn_t *net, struct snapshot *s, size_t n, const double *t)
{
    const size_t np = nn_param_count(net);
    double *p = params_of(net), *g = grads_of(net);
    assert_same_arrays(p, s->params, np);
    assert_same_arrays(g, s->grads, np);
    if (t != NULL) {
        double loss = 0.0;
        assert_int_equal(nn_loss_batch(net, n, t, &loss), NN_OK);
        assert_true(loss == s->loss);
    }
    free(p);
    free(g);
    free(s->params);
    free(s->grads);
}

static void test_batch_errors(void **state)
{
    (void)state;
    nn_t *net = make_net(4, small_sizes, small_acts, 41);
    double *x = random_rows(4 * 5, 42, -1.0, 1.0);
    double *t = random_rows(4 * 3, 43, 0.0, 1.0);
    double loss = 0.0;

    /* before any batch */
    struct snapshot s = take(net, 0, NULL);
    assert_int_equal(nn_backward_batch(net, 4, t), NN_ERR_NO_BATCH);
    assert_int_equal(nn_loss_batch(net, 4, t, &loss), NN_ERR_NO_BATCH);
    assert_int_equal(nn_forward_batch(net, 0, x, NULL), NN_ERR_BATCH_SIZE);
    assert_int_equal(nn_forward_batch(NULL, 4, x, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_forward_batch(net, 4, NULL, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_reserve_batch(net, 0), NN_ERR_BATCH_SIZE);
    assert_int_equal(nn_reserve_batch(NULL, 4), NN_ERR_NULL_ARG);
    const double x7 = x[7];
    x[7] = NAN;
    assert_int_equal(nn_forward_batch(net, 4, x, NULL), NN_ERR_NOT_FINITE);
    x[7] = x7;
    assert_int_equal(nn_backward_batch(net, 4, t), NN_ERR_NO_BATCH);
    assert_unchanged(net, &s, 0, NULL);

    /* with a batch of 4 */
    assert_int_equal(nn_forward_batch(net, 4, x, NULL), NN_OK);
    s = take(net, 4, t);
    assert_int_equal(nn_backward_batch(net, 3, t), NN_ERR_BATCH_SIZE);
    assert_int_equal(nn_backward_batch(net, 0, t), NN_ERR_BATCH_SIZE);
    assert_int_equal(nn_backward_batch(net, 5, t), NN_ERR_BATCH_SIZE);
    assert_int_equal(nn_loss_batch(net, 3, t, &loss), NN_ERR_BATCH_SIZE);
    assert_int_equal(nn_backward_batch(NULL, 4, t), NN_ERR_NULL_ARG);
    assert_int_equal(nn_backward_batch(net, 4, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_loss_batch(net, 4, t, NULL), NN_ERR_NULL_ARG);
    const double t5 = t[5], x0 = x[0];
    t[5] = INFINITY;
    assert_int_equal(nn_backward_batch(net, 4, t), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_loss_batch(net, 4, t, &loss), NN_ERR_NOT_FINITE);
    t[5] = t5;
    /* a failed batch forward keeps the last batch */
    x[0] = NAN;
    assert_int_equal(nn_forward_batch(net, 4, x, NULL), NN_ERR_NOT_FINITE);
    x[0] = x0;
    /* a single forward does not touch the batch state */
    assert_int_equal(nn_forward(net, x + 5, NULL), NN_OK);
    assert_int_equal(nn_backward(net, t), NN_OK);
    assert_int_equal(nn_zero_grads(net), NN_OK);
    assert_unchanged(net, &s, 4, t);

    /* parameter changes make the batch stale, and a single forward does not
       refresh it */
    assert_int_equal(nn_step(net, 0.1), NN_OK);
    s = take(net, 0, NULL);
    assert_int_equal(nn_backward_batch(net, 4, t), NN_ERR_STALE_FORWARD);
    assert_int_equal(nn_loss_batch(net, 4, t, &loss), NN_ERR_STALE_FORWARD);
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_backward_batch(net, 4, t), NN_ERR_STALE_FORWARD);
    assert_unchanged(net, &s, 0, NULL);

    /* ... and a batch forward does not refresh the single pass */
    const size_t np = nn_param_count(net);
    double *p = params_of(net);
    assert_int_equal(nn_set_params(net, p, np), NN_OK);
    assert_int_equal(nn_forward_batch(net, 4, x, NULL), NN_OK);
    assert_int_equal(nn_backward(net, t), NN_ERR_STALE_FORWARD);
    assert_int_equal(nn_loss(net, t, &loss), NN_ERR_STALE_FORWARD);
    assert_int_equal(nn_backward_batch(net, 4, t), NN_OK);
    /* nn_train_sample makes the batch stale as well */
    assert_int_equal(nn_train_sample(net, x, t, 0.1), NN_OK);
    assert_int_equal(nn_backward_batch(net, 4, t), NN_ERR_STALE_FORWARD);
    /* so does a setting that changes the function */
    assert_int_equal(nn_forward_batch(net, 4, x, NULL), NN_OK);
    assert_int_equal(nn_set_activation(net, 1, NN_ACT_RELU), NN_OK);
    assert_int_equal(nn_loss_batch(net, 4, t, &loss), NN_ERR_STALE_FORWARD);
    free(p);

    assert_int_equal(nn_set_threads(net, 0), NN_ERR_ARGUMENT);
    assert_int_equal(nn_set_threads(NULL, 1), NN_ERR_NULL_ARG);
    assert_int_equal(nn_set_threads(net, 1), NN_OK);
    assert_int_equal(nn_get_threads(net), 1);
    free(x);
    free(t);
    nn_free(net);
}

/* ---- buffers, reserve and clone ---- */

static void test_reserve_keeps_batch_and_clone_copies_it(void **state)
{
    (void)state;
    nn_t *net = make_net(4, small_sizes, small_acts, 51);
    double *x = random_rows(3 * 5, 52, -1.0, 1.0);
    double *t = random_rows(3 * 3, 53, 0.0, 1.0);
    assert_int_equal(nn_batch_capacity(net), 0);
    nn_t *empty = NULL;
    assert_int_equal(nn_clone(net, &empty), NN_OK);
    assert_int_equal(nn_backward_batch(empty, 3, t), NN_ERR_NO_BATCH);
    nn_free(empty);

    assert_int_equal(nn_forward_batch(net, 3, x, NULL), NN_OK);
    assert_int_equal(nn_batch_capacity(net), 3);
    nn_t *copy = NULL;
    assert_int_equal(nn_clone(net, &copy), NN_OK);
    assert_int_equal(nn_reserve_batch(net, 100), NN_OK);
    assert_int_equal(nn_batch_capacity(net), 100);
    assert_int_equal(nn_reserve_batch(net, 10), NN_OK); /* never shrinks */
    assert_int_equal(nn_batch_capacity(net), 100);
    /* the reserve kept the batch; the clone has its own copy of it */
    assert_int_equal(nn_backward_batch(net, 3, t), NN_OK);
    nn_free(net); /* the clone must not depend on the original's buffer */
    assert_int_equal(nn_backward_batch(copy, 3, t), NN_OK);

    nn_t *ref = make_net(4, small_sizes, small_acts, 51);
    for (size_t r = 0; r < 3; r++) {
        assert_int_equal(nn_forward(ref, x + r * 5, NULL), NN_OK);
        assert_int_equal(nn_backward(ref, t + r * 3), NN_OK);
    }
    const size_t np = nn_param_count(ref);
    double *g = grads_of(copy), *gref = grads_of(ref);
    assert_close_arrays(g, gref, np, 1e-12);
    free(g);
    free(gref);
    free(x);
    free(t);
    nn_free(ref);
    nn_free(copy);
}

/* ---- the caller's allocator ---- */

struct counter {
    size_t allocs, frees, live_bytes;
    size_t fail_after; /* allocations allowed before failing; SIZE_MAX: never */
};

/* Stores the size before the block so that frees can be checked. */
static void *count_alloc(void *context, size_t size)
{
    struct counter *c = context;
    if (c->allocs >= c->fail_after)
        return NULL;
    max_align_t *block = malloc(sizeof(max_align_t) + size);
    if (block == NULL)
        return NULL;
    memcpy(block, &size, sizeof size);
    c->allocs++;
    c->live_bytes += size;
    return block + 1;
}

static void count_dealloc(void *context, void *ptr)
{
    struct counter *c = context;
    assert_non_null(ptr);
    max_align_t *block = (max_align_t *)ptr - 1;
    size_t size;
    memcpy(&size, block, sizeof size);
    c->frees++;
    c->live_bytes -= size;
    free(block);
}

static void test_allocator_counts_and_steady_state(void **state)
{
    (void)state;
    struct counter c = {0, 0, 0, SIZE_MAX};
    const size_t sizes[] = {20, 16, 8, 4};
    const int acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_LINEAR};
    nn_t *net = NULL;
    assert_int_equal(nn_create_with_allocator(&net, 4, sizes, acts, NULL, count_dealloc, &c),
                     NN_ERR_NULL_ARG);
    assert_null(net);
    assert_int_equal(nn_create_with_allocator(&net, 4, sizes, acts, count_alloc, NULL, &c),
                     NN_ERR_NULL_ARG);
    assert_int_equal(c.allocs, 0);
    assert_int_equal(nn_create_with_allocator(&net, 4, sizes, acts, count_alloc, count_dealloc,
                                              &c),
                     NN_OK);
    assert_int_equal(c.allocs, 1);
    assert_int_equal(nn_init_random(net, 61, NN_INIT_XAVIER, 0.0, 0.0), NN_OK);
    assert_int_equal(nn_reserve_batch(net, 32), NN_OK);
    assert_int_equal(c.allocs, 2);

    double *x = random_rows(32 * 20, 62, -1.0, 1.0);
    double *t = random_rows(32 * 4, 63, 0.0, 1.0);
    double *y = malloc(32 * 4 * sizeof(double));
    const size_t before = c.allocs;
    for (int epoch = 0; epoch < 20; epoch++) {
        const size_t n = epoch % 2 ? 32 : 7;
        double loss;
        assert_int_equal(nn_forward_batch(net, n, x, y), NN_OK);
        assert_int_equal(nn_loss_batch(net, n, t, &loss), NN_OK);
        assert_int_equal(nn_backward_batch(net, n, t), NN_OK);
        assert_int_equal(nn_step(net, 0.01), NN_OK);
        for (size_t r = 0; r < 4; r++)
            assert_int_equal(nn_train_sample(net, x + r * 20, t + r * 4, 0.01), NN_OK);
        assert_int_equal(nn_forward(net, x, y), NN_OK);
        assert_int_equal(nn_backward(net, t), NN_OK);
        assert_int_equal(nn_step(net, 0.01), NN_OK);
    }
    assert_int_equal(c.allocs, before);
    assert_int_equal(c.frees, 0);

    /* a batch beyond the capacity grows the buffer once: one new, one freed */
    assert_int_equal(nn_forward_batch(net, 8, x, NULL), NN_OK);
    const size_t grow_before = c.allocs;
    double *x2 = random_rows(40 * 20, 64, -1.0, 1.0);
    assert_int_equal(nn_forward_batch(net, 40, x2, NULL), NN_OK);
    assert_int_equal(c.allocs, grow_before + 1);
    assert_int_equal(c.frees, 1);

    /* growth that fails keeps the last batch and its buffer */
    c.fail_after = c.allocs;
    double loss40 = 0.0, loss_after = 0.0;
    double *t2 = random_rows(40 * 4, 65, 0.0, 1.0);
    assert_int_equal(nn_loss_batch(net, 40, t2, &loss40), NN_OK);
    double *x3 = random_rows(50 * 20, 66, -1.0, 1.0);
    assert_int_equal(nn_forward_batch(net, 50, x3, NULL), NN_ERR_NO_MEMORY);
    assert_int_equal(nn_reserve_batch(net, 50), NN_ERR_NO_MEMORY);
    assert_int_equal(nn_loss_batch(net, 40, t2, &loss_after), NN_OK);
    assert_true(loss40 == loss_after);
    assert_int_equal(nn_batch_capacity(net), 40);

    /* a clone uses the same allocator: the network and its live batch */
    nn_t *copy = NULL;
    assert_int_equal(nn_clone(net, &copy), NN_ERR_NO_MEMORY);
    assert_null(copy);
    c.fail_after = c.allocs + 1; /* the network, but not its batch buffer */
    assert_int_equal(nn_clone(net, &copy), NN_ERR_NO_MEMORY);
    assert_null(copy);
    c.fail_after = SIZE_MAX;
    const size_t clone_before = c.allocs;
    assert_int_equal(nn_clone(net, &copy), NN_OK);
    assert_int_equal(c.allocs, clone_before + 2);
    nn_free(copy);
    nn_free(net);
    assert_int_equal(c.allocs, c.frees);
    assert_int_equal(c.live_bytes, 0);
    free(x);
    free(x2);
    free(x3);
    free(t);
    free(t2);
    free(y);
}

/* An allocator whose blocks lie at 16, 32, 48 and 0 bytes past a 64-byte
   boundary in turn: the library places its doubles on cache lines itself,
   so a clone in a block of another alignment must still copy them right. */
struct shifting {
    size_t allocs;
};

static void *shift_alloc(void *context, size_t size)
{
    struct shifting *s = context;
    const size_t offset = 16 * ((s->allocs++ % 4) + 1) % 64;
    unsigned char *raw = malloc(size + 128);
    if (raw == NULL)
        return NULL;
    unsigned char *block = raw + 64 - (uintptr_t)raw % 64 + offset;
    memcpy(block - sizeof raw, &raw, sizeof raw);
    return block;
}

static void shift_dealloc(void *context, void *ptr)
{
    (void)context;
    unsigned char *raw;
    memcpy(&raw, (unsigned char *)ptr - sizeof raw, sizeof raw);
    free(raw);
}

static void test_clone_across_alignments(void **state)
{
    (void)state;
    const size_t sizes[] = {37, 29, 5};
    const int acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID};
    struct shifting s = {0};
    nn_t *net = NULL;
    assert_int_equal(nn_create_with_allocator(&net, 3, sizes, acts, shift_alloc, shift_dealloc,
                                              &s),
                     NN_OK);
    assert_int_equal(nn_init_random(net, 81, NN_INIT_UNIFORM, -0.5, 0.5), NN_OK);
    double *x = random_rows(6 * 37, 82, -1.0, 1.0), *t = random_rows(6 * 5, 83, 0.0, 1.0);
    for (int r = 0; r < 3; r++)
        assert_int_equal(nn_train_sample(net, x + r * 37, t + r * 5, 0.3), NN_OK);
    assert_int_equal(nn_forward_batch(net, 6, x, NULL), NN_OK);
    assert_int_equal(nn_backward_batch(net, 6, t), NN_OK);
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_backward(net, t), NN_OK);
    double y[6 * 5], yc[6 * 5], z[29], zc[29];
    assert_int_equal(nn_get_net_inputs(net, 1, z, 29), NN_OK);
    const size_t np = nn_param_count(net);
    double *p = params_of(net), *g = grads_of(net);
    for (int c = 0; c < 4; c++) {
        nn_t *copy = NULL;
        assert_int_equal(nn_clone(net, &copy), NN_OK);
        double *pc = params_of(copy), *gc = grads_of(copy);
        assert_same_arrays(pc, p, np);
        assert_same_arrays(gc, g, np);
        assert_int_equal(nn_get_net_inputs(copy, 1, zc, 29), NN_OK);
        assert_same_arrays(zc, z, 29);
        assert_int_equal(nn_forward_batch(net, 6, x, y), NN_OK);
        assert_int_equal(nn_forward_batch(copy, 6, x, yc), NN_OK);
        assert_same_arrays(yc, y, 6 * 5);
        free(pc);
        free(gc);
        nn_free(copy);
        s.allocs++; /* so that successive clones land at all four offsets */
    }
    assert_true(s.allocs >= 8);
    free(p);
    free(g);
    free(x);
    free(t);
    nn_free(net);
}

/* ---- read-only inference ---- */

struct predict_job {
    const nn_t *net;
    size_t n;
    const double *x;
    const double *expected;
    size_t n_out;
    int ok;
};

static void *predict_thread(void *arg)
{
    struct predict_job *job = arg;
    const size_t ws = nn_inference_workspace_size(job->net, job->n);
    double *work = malloc(ws * sizeof(double));
    double *y = malloc(job->n * job->n_out * sizeof(double));
    job->ok = work != NULL && y != NULL;
    for (int rep = 0; rep < 200 && job->ok; rep++) {
        if (nn_predict(job->net, job->n, job->x, y, work, ws) != NN_OK ||
            memcmp(y, job->expected, job->n * job->n_out * sizeof(double)) != 0)
            job->ok = 0;
    }
    free(work);
    free(y);
    return NULL;
}

static void test_predict(void **state)
{
    (void)state;
    nn_t *net = make_net(4, big_sizes, big_acts, 71);
    const size_t n = 9, n_in = big_sizes[0], n_out = big_sizes[3];
    double *x = random_rows(n * n_in, 72, -1.0, 1.0);
    double *expected = malloc(n * n_out * sizeof(double));
    double *y = malloc(n * n_out * sizeof(double));
    double single[4];
    assert_int_equal(nn_forward_batch(net, n, x, expected), NN_OK);

    assert_int_equal(nn_inference_workspace_size(NULL, 3), 0);
    assert_int_equal(nn_inference_workspace_size(net, 0), 0);
    const size_t ws = nn_inference_workspace_size(net, n);
    assert_true(ws >= 3 * n * 500);
    double *work = malloc(ws * sizeof(double));
    assert_int_equal(nn_predict(net, n, x, y, work, ws - 1), NN_ERR_BUFFER_SIZE);
    assert_int_equal(nn_predict(net, 0, x, y, work, ws), NN_ERR_BATCH_SIZE);
    assert_int_equal(nn_predict(net, n, NULL, y, work, ws), NN_ERR_NULL_ARG);
    assert_int_equal(nn_predict(net, n, x, NULL, work, ws), NN_ERR_NULL_ARG);
    assert_int_equal(nn_predict(net, n, x, y, NULL, ws), NN_ERR_NULL_ARG);
    assert_int_equal(nn_predict(NULL, n, x, y, work, ws), NN_ERR_NULL_ARG);
    x[3] = NAN;
    assert_int_equal(nn_predict(net, n, x, y, work, ws), NN_ERR_NOT_FINITE);
    x[3] = 0.0;
    assert_int_equal(nn_forward_batch(net, n, x, expected), NN_OK);

    assert_int_equal(nn_predict(net, n, x, y, work, ws), NN_OK);
    assert_same_arrays(y, expected, n * n_out);
    /* a workspace at another offset from a cache line: the same bits (the
       call starts its arrays at the first line boundary inside it) */
    double *work_off = malloc((ws + 1) * sizeof(double));
    assert_int_equal(nn_predict(net, n, x, y, work_off + 1, ws), NN_OK);
    assert_same_arrays(y, expected, n * n_out);
    const size_t ws_one = nn_inference_workspace_size(net, 1);
    assert_int_equal(nn_forward_batch(net, 1, x + n_in, single), NN_OK);
    assert_int_equal(nn_predict(net, 1, x + n_in, y, work_off + 1, ws_one), NN_OK);
    assert_same_arrays(y, single, n_out);
    free(work_off);
    {
        /* the widest layer's outputs fill the end of a one-row workspace: a
           workspace of exactly the size asked for, 8 bytes past a line,
           still holds them (the sanitizer builds would see an overrun) */
        const size_t sizes[] = {8, 16, 3};
        const int acts[] = {NN_ACT_SIGMOID, NN_ACT_LINEAR};
        nn_t *wide = make_net(3, sizes, acts, 73);
        const size_t ws_wide = nn_inference_workspace_size(wide, 1);
        double *w_off = malloc((ws_wide + 1) * sizeof(double)), expect[3], got[3];
        assert_int_equal(nn_forward_batch(wide, 1, x, expect), NN_OK);
        assert_int_equal(nn_predict(wide, 1, x, got, w_off + 1, ws_wide), NN_OK);
        assert_same_arrays(got, expect, 3);
        free(w_off);
        nn_free(wide);
    }
    for (size_t r = 0; r < n; r++) {
        assert_int_equal(nn_forward(net, x + r * n_in, single), NN_OK);
        const size_t ws1 = nn_inference_workspace_size(net, 1);
        assert_true(ws1 <= ws);
        assert_int_equal(nn_predict(net, 1, x + r * n_in, y, work, ws1), NN_OK);
        for (size_t j = 0; j < n_out; j++) {
            assert_rel(y[j], single[j], 1e-12);
            assert_rel(y[j], expected[r * n_out + j], 1e-12);
        }
    }

    /* one network, two threads, each with its own workspace: one runs the
       whole batch, the other the first sample alone (the bits of a batch of
       one row) */
    assert_int_equal(nn_forward_batch(net, 1, x, single), NN_OK);
    pthread_t th[2];
    struct predict_job jobs[2];
    for (int i = 0; i < 2; i++) {
        jobs[i] = (struct predict_job){net, i == 0 ? n : 1, x, i == 0 ? expected : single,
                                       n_out, 0};
        assert_int_equal(pthread_create(&th[i], NULL, predict_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_true(jobs[i].ok);
    }
    free(work);
    free(x);
    free(y);
    free(expected);
    nn_free(net);
}

/* Outputs over the inputs are accepted (same bits as separate arrays); any
   other overlap of the outputs with the inputs, or of either with nn_predict's
   workspace, is refused with nothing written and the network unchanged. */
static void test_overlap_refused(void **state)
{
    (void)state;
    nn_t *net = make_net(4, small_sizes, small_acts, 81);
    const size_t n = 6, n_in = small_sizes[0], n_out = small_sizes[3];
    const size_t ws = nn_inference_workspace_size(net, n);
    /* one block: room for a workspace and for the outputs of the shifted
       cases before and after the inputs, then the workspace */
    double *block = alloc_doubles(ws + 2 * n * n_in + ws);
    double *x = block + ws + n * n_in, *work = x + n * n_in;
    double *ref = random_rows(n * n_in, 82, -1.0, 1.0), *y = alloc_doubles(n * n_out);
    double *t = random_rows(n * n_out, 83, 0.0, 1.0);
    memcpy(x, ref, n * n_in * sizeof(double));
    assert_int_equal(nn_forward_batch(net, n, x, y), NN_OK);
    double loss = 0.0, loss_after = 0.0;
    assert_int_equal(nn_loss_batch(net, n, t, &loss), NN_OK);
    const size_t cap = nn_batch_capacity(net);
    double *params = params_of(net);

    /* every shift by which the outputs overlap the inputs, but 0 */
    for (long shift = -(long)(n * n_out) + 1; shift < (long)(n * n_in); shift++) {
        if (shift == 0)
            continue;
        double *out = x + shift;
        assert_int_equal(nn_predict(net, n, x, out, work, ws), NN_ERR_ARGUMENT);
        assert_int_equal(nn_forward_batch(net, 2 * n, x, out), NN_ERR_ARGUMENT);
        assert_int_equal(nn_forward_batch(net, n, x, out), NN_ERR_ARGUMENT);
        assert_memory_equal(x, ref, n * n_in * sizeof(double));
    }
    /* the outputs or the inputs in the workspace, at its start or end */
    assert_int_equal(nn_predict(net, n, x, work, work, ws), NN_ERR_ARGUMENT);
    assert_int_equal(nn_predict(net, n, x, work + ws - 1, work, ws), NN_ERR_ARGUMENT);
    assert_int_equal(nn_predict(net, n, work, y, work, ws), NN_ERR_ARGUMENT);
    assert_int_equal(nn_predict(net, n, x, y, x + n * n_in - 1, ws), NN_ERR_ARGUMENT);
    assert_int_equal(nn_predict(net, n, x, y, x - ws + 1, ws), NN_ERR_ARGUMENT);
    assert_memory_equal(x, ref, n * n_in * sizeof(double));
    /* nothing of the network changed: capacity, the last batch, parameters */
    assert_int_equal(nn_batch_capacity(net), cap);
    assert_int_equal(nn_loss_batch(net, n, t, &loss_after), NN_OK);
    assert_memory_equal(&loss_after, &loss, sizeof loss);
    double *params_after = params_of(net);
    assert_memory_equal(params_after, params, nn_param_count(net) * sizeof(double));

    /* right next to each other is no overlap */
    assert_int_equal(nn_predict(net, n, x, x - n * n_out, work, ws), NN_OK);
    assert_memory_equal(x - n * n_out, y, n * n_out * sizeof(double));
    /* in place: the bits of separate arrays */
    assert_int_equal(nn_predict(net, n, x, x, work, ws), NN_OK);
    assert_memory_equal(x, y, n * n_out * sizeof(double));
    memcpy(x, ref, n * n_in * sizeof(double));
    assert_int_equal(nn_forward_batch(net, n, x, x), NN_OK);
    assert_memory_equal(x, y, n * n_out * sizeof(double));

    free(params);
    free(params_after);
    free(block);
    free(ref);
    free(y);
    free(t);
    nn_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_batch_small),
        cmocka_unit_test(test_forward_batch_big),
        cmocka_unit_test(test_forward_batch_by_hand),
        cmocka_unit_test(test_backward_batch_small),
        cmocka_unit_test(test_backward_batch_big),
        cmocka_unit_test(test_batch_training_loop),
        cmocka_unit_test(test_train_sample_matches_three_calls),
        cmocka_unit_test(test_deferred_weight_gradients),
        cmocka_unit_test(test_batch_errors),
        cmocka_unit_test(test_reserve_keeps_batch_and_clone_copies_it),
        cmocka_unit_test(test_allocator_counts_and_steady_state),
        cmocka_unit_test(test_clone_across_alignments),
        cmocka_unit_test(test_predict),
        cmocka_unit_test(test_overlap_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

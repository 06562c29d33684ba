/* The public API's contracts, one at a time: copies, the flat parameter order,
 * gradient access, nn_step() with frozen layers, bias conventions, the fused
 * training step, seeded initialisation, status texts, versions, inspection of
 * the last passes and use from several threads.
 *
 * Expected values are worked out here from the documented formulas, never read
 * back from the library and pasted in. */
#define _POSIX_C_SOURCE 200809L

#include "testnet.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>

/* ---- utilities (the generator, buffers and the custom activation are in testnet.h) ---- */

static void set_random_params(nn_t *net, test_rng *r, double lo, double hi)
{
    const size_t n = nn_param_count(net);
    double *p = alloc_doubles(n);
    fill_random(r, p, n, lo, hi);
    assert_int_equal(nn_set_params(net, p, n), NN_OK);
    free(p);
}

/* Every setting of every layer and the loss must agree. */
static void assert_same_settings(const nn_t *a, const nn_t *b)
{
    assert_int_equal(nn_layer_count(a), nn_layer_count(b));
    assert_int_equal(nn_get_loss(a), nn_get_loss(b));
    for (size_t k = 0; k < nn_layer_count(a); k++)
        assert_int_equal(nn_layer_size(a, k), nn_layer_size(b, k));
    for (size_t k = 1; k < nn_layer_count(a); k++) {
        int fwa, fba, fwb, fbb;
        assert_int_equal(nn_get_activation(a, k), nn_get_activation(b, k));
        assert_string_equal(nn_get_activation_name(a, k), nn_get_activation_name(b, k));
        assert_int_equal(nn_get_bias_mode(a, k), nn_get_bias_mode(b, k));
        assert_int_equal(nn_get_frozen(a, k, &fwa, &fba), NN_OK);
        assert_int_equal(nn_get_frozen(b, k, &fwb, &fbb), NN_OK);
        assert_int_equal(fwa, fwb);
        assert_int_equal(fba, fbb);
    }
}

/* max |a - b| <= 1e-12 (1 + max |value|) */
static void assert_close_arrays(const double *a, const double *b, size_t n, const char *what)
{
    double diff = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(a[i] - b[i]) > diff)
            diff = fabs(a[i] - b[i]);
    const double scale = 1.0 + (max_abs(a, n) > max_abs(b, n) ? max_abs(a, n) : max_abs(b, n));
    if (!(diff <= 1e-12 * scale))
        fail_msg("%s: max |difference| %.3g > %.3g", what, diff, 1e-12 * scale);
}

/* Layer by layer from layer 1 to n_layers-1, the n_w[k] values get_w reads and
   then the n_b[k] values get_b reads are the next entries of flat, bit for bit. */
static void assert_layers_are_flat(const nn_t *net, size_t n_layers, layer_getter get_w,
                                   layer_getter get_b, const size_t *n_w, const size_t *n_b,
                                   const double *flat)
{
    double buf[16];
    size_t at = 0;
    for (size_t k = 1; k < n_layers; k++) {
        assert_int_equal(get_w(net, k, buf, n_w[k]), NN_OK);
        for (size_t i = 0; i < n_w[k]; i++, at++)
            assert_true(buf[i] == flat[at]);
        assert_int_equal(get_b(net, k, buf, n_b[k]), NN_OK);
        for (size_t j = 0; j < n_b[k]; j++, at++)
            assert_true(buf[j] == flat[at]);
    }
}

/* What get reads for the n units of layer matches expected to the relative tolerance rel. */
static void assert_layer_values(const nn_t *net, layer_getter get, size_t layer,
                                const double *expected, size_t n, double rel)
{
    double buf[8];
    assert_true(n <= 8);
    assert_int_equal(get(net, layer, buf, n), NN_OK);
    for (size_t j = 0; j < n; j++)
        assert_rel(buf[j], expected[j], rel);
}

/* ------------------------------------------------------------------------- */

static void test_clone_is_independent(void **state)
{
    (void)state;
    struct act_context ctx = ISRU_CONTEXT("isru", 0.5);
    const size_t sizes[4] = { 3, 5, 4, 2 };
    const int acts[3] = { NN_ACT_TANH, NN_ACT_LINEAR, NN_ACT_SIGMOID };
    nn_t *net = create_net(4, sizes, acts), *copy = NULL;
    assert_int_equal(nn_set_custom_activation(net, 2, context_f, context_df, &ctx, "isru"), NN_OK);
    assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_set_frozen(net, 3, 0, 1), NN_OK);
    assert_int_equal(nn_set_loss(net, NN_LOSS_MSE), NN_OK);
    test_rng r = { 11 };
    set_random_params(net, &r, -1.0, 1.0);
    const double x[3] = { 0.3, -0.7, 1.1 }, t[2] = { 0.2, 0.9 }, x2[3] = { -1.0, 0.5, 0.25 };
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_backward(net, t), NN_OK);

    assert_int_equal(nn_clone(net, &copy), NN_OK);
    assert_non_null(copy);
    assert_true(copy != net);
    const size_t n = nn_param_count(net);
    assert_int_equal(nn_param_count(copy), n);
    double *p_net = params_of(net), *p_copy = params_of(copy);
    double *g_net = grads_of(net), *g_copy = grads_of(copy);
    assert_memory_equal(p_net, p_copy, n * sizeof(double));
    assert_memory_equal(g_net, g_copy, n * sizeof(double));
    assert_same_settings(net, copy);
    /* the custom name is the copy's own string */
    assert_true(nn_get_activation_name(net, 2) != nn_get_activation_name(copy, 2));

    /* the state of the last passes came along: same loss, same deltas */
    double l_net, l_copy, d_net[4], d_copy[4];
    assert_int_equal(nn_loss(net, t, &l_net), NN_OK);
    assert_int_equal(nn_loss(copy, t, &l_copy), NN_OK);
    assert_memory_equal(&l_net, &l_copy, sizeof(double));
    assert_int_equal(nn_get_deltas(net, 2, d_net, 4), NN_OK);
    assert_int_equal(nn_get_deltas(copy, 2, d_copy, 4), NN_OK);
    assert_memory_equal(d_net, d_copy, sizeof d_net);

    /* bit-identical outputs; the copy shares the context pointer */
    double o_net[2], o_copy[2];
    const unsigned long calls = ctx.f_calls;
    assert_int_equal(nn_forward(net, x2, o_net), NN_OK);
    assert_int_equal(nn_forward(copy, x2, o_copy), NN_OK);
    assert_memory_equal(o_net, o_copy, sizeof o_net);
    assert_int_equal(ctx.f_calls, calls + 2);

    /* change everything in the copy */
    set_random_params(copy, &r, -2.0, 2.0);
    assert_int_equal(nn_set_activation(copy, 1, NN_ACT_SIGMOID), NN_OK);
    assert_int_equal(nn_set_activation(copy, 2, NN_ACT_RELU), NN_OK);
    assert_int_equal(nn_set_bias_mode(copy, 2, NN_BIAS_PER_NEURON), NN_OK);
    assert_int_equal(nn_set_bias_mode(copy, 1, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_set_frozen(copy, 1, 1, 1), NN_OK);
    assert_int_equal(nn_set_loss(copy, NN_LOSS_HALF_SSE), NN_OK);
    assert_int_equal(nn_train_sample(copy, x, t, 0.3), NN_OK);
    assert_int_equal(nn_forward(copy, x2, NULL), NN_OK);
    assert_int_equal(nn_backward(copy, t), NN_OK);

    /* the original is exactly as it was */
    double *p_after = params_of(net), *g_after = grads_of(net);
    assert_memory_equal(p_net, p_after, n * sizeof(double));
    assert_memory_equal(g_net, g_after, n * sizeof(double));
    assert_int_equal(nn_get_activation(net, 1), NN_ACT_TANH);
    assert_int_equal(nn_get_activation(net, 2), NN_ACT_CUSTOM);
    assert_string_equal(nn_get_activation_name(net, 2), "isru");
    assert_int_equal(nn_get_bias_mode(net, 1), NN_BIAS_PER_NEURON);
    assert_int_equal(nn_get_bias_mode(net, 2), NN_BIAS_SHARED);
    int fw, fb;
    assert_int_equal(nn_get_frozen(net, 1, &fw, &fb), NN_OK);
    assert_true(fw == 0 && fb == 0);
    assert_int_equal(nn_get_frozen(net, 3, &fw, &fb), NN_OK);
    assert_true(fw == 0 && fb == 1);
    assert_int_equal(nn_get_loss(net), NN_LOSS_MSE);
    double o_again[2];
    assert_int_equal(nn_forward(net, x2, o_again), NN_OK);
    assert_memory_equal(o_net, o_again, sizeof o_net);

    /* and the copy survives the original */
    nn_free(net);
    assert_int_equal(nn_forward(copy, x, NULL), NN_OK);
    nn_free(copy);
    free(p_net);
    free(p_copy);
    free(g_net);
    free(g_copy);
    free(p_after);
    free(g_after);
}

/* Layer by layer from layer 1: weights row-major, then biases (one for a shared bias). */
static void test_flat_order(void **state)
{
    (void)state;
    const size_t sizes[4] = { 3, 4, 2, 5 };
    const int acts[3] = { NN_ACT_LINEAR, NN_ACT_TANH, NN_ACT_LINEAR };
    nn_t *net = create_net(4, sizes, acts);
    assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
    /* 4*3 + 4, 2*4 + 1, 5*2 + 5 */
    enum { N = 16 + 9 + 15 };
    assert_int_equal(nn_param_count(net), N);
    assert_int_equal(nn_weight_count(net, 1), 12);
    assert_int_equal(nn_bias_count(net, 1), 4);
    assert_int_equal(nn_weight_count(net, 2), 8);
    assert_int_equal(nn_bias_count(net, 2), 1);
    assert_int_equal(nn_weight_count(net, 3), 10);
    assert_int_equal(nn_bias_count(net, 3), 5);

    /* per layer in, flat out: value 1000 k + 100 (0 weight, 1 bias) + index */
    const size_t n_w[4] = { 0, 12, 8, 10 }, n_b[4] = { 0, 4, 1, 5 };
    double expected[N], buf[16], flat[N];
    size_t at = 0;
    for (size_t k = 1; k < 4; k++) {
        for (size_t i = 0; i < n_w[k]; i++)
            buf[i] = expected[at++] = 1000.0 * (double)k + (double)i;
        assert_int_equal(nn_set_weights(net, k, buf, n_w[k]), NN_OK);
        for (size_t j = 0; j < n_b[k]; j++)
            buf[j] = expected[at++] = 1000.0 * (double)k + 100.0 + (double)j;
        assert_int_equal(nn_set_biases(net, k, buf, n_b[k]), NN_OK);
    }
    assert_int_equal(at, N);
    assert_int_equal(nn_get_params(net, flat, N), NN_OK);
    assert_memory_equal(flat, expected, sizeof flat);

    /* flat in, per layer out */
    for (size_t i = 0; i < N; i++)
        flat[i] = -0.5 * (double)i - 0.25;
    assert_int_equal(nn_set_params(net, flat, N), NN_OK);
    assert_layers_are_flat(net, 4, nn_get_weights, nn_get_biases, n_w, n_b, flat);

    /* gradients use the same order */
    for (size_t i = 0; i < N; i++)
        flat[i] = 3.0 * (double)i + 1.0;
    assert_int_equal(nn_set_grads(net, flat, N), NN_OK);
    assert_layers_are_flat(net, 4, nn_get_weight_grads, nn_get_bias_grads, n_w, n_b, flat);
    nn_free(net);
}

/* nn_set_grads / nn_get_grads round trip, and the step it drives. */
static void test_grads_round_trip(void **state)
{
    (void)state;
    const size_t sizes[3] = { 4, 6, 3 };
    const int acts[2] = { NN_ACT_SIGMOID, NN_ACT_LINEAR };
    nn_t *net = create_net(3, sizes, acts);
    assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
    const size_t n = nn_param_count(net);
    assert_int_equal(n, 24 + 6 + 18 + 1);
    test_rng r = { 21 };
    set_random_params(net, &r, -1.0, 1.0);
    double *g = alloc_doubles(n), *back = alloc_doubles(n), *p = params_of(net);
    fill_random(&r, g, n, -5.0, 5.0);
    g[3] = -0.0;
    g[7] = 1e-300;
    g[9] = 1e300;
    assert_int_equal(nn_set_grads(net, g, n), NN_OK);
    assert_int_equal(nn_get_grads(net, back, n), NN_OK);
    assert_memory_equal(g, back, n * sizeof(double));

    /* setting gradients leaves a forward pass usable */
    const double x[4] = { 1, 2, 3, 4 }, t[3] = { 0, 0, 0 };
    double loss;
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_set_grads(net, g, n), NN_OK);
    assert_int_equal(nn_loss(net, t, &loss), NN_OK);

    g[9] = 2.0;
    assert_int_equal(nn_set_grads(net, g, n), NN_OK);
    const double rate = 0.125;
    assert_int_equal(nn_step(net, rate), NN_OK);
    double *p_new = params_of(net), *g_new = grads_of(net);
    for (size_t i = 0; i < n; i++) {
        /* a fused multiply-add may round once instead of twice */
        assert_abs(p_new[i], p[i] - rate * g[i], 2.5e-16 * (fabs(p[i]) + fabs(rate * g[i])));
        assert_true(g_new[i] == 0.0);
    }
    free(g);
    free(back);
    free(p);
    free(p_new);
    free(g_new);
    nn_free(net);
}

/* nn_step() leaves frozen parameters alone and clears every gradient. */
static void test_step_with_frozen_layers(void **state)
{
    (void)state;
    const size_t sizes[5] = { 2, 3, 3, 2, 1 };
    const int acts[4] = { NN_ACT_TANH, NN_ACT_RELU, NN_ACT_SIGMOID, NN_ACT_LINEAR };
    nn_t *net = create_net(5, sizes, acts);
    assert_int_equal(nn_set_bias_mode(net, 3, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_set_frozen(net, 1, 1, 0), NN_OK); /* weights only */
    assert_int_equal(nn_set_frozen(net, 2, 0, 1), NN_OK); /* biases only */
    assert_int_equal(nn_set_frozen(net, 3, 0, 1), NN_OK); /* the shared bias */
    assert_int_equal(nn_set_frozen(net, 4, 1, 1), NN_OK); /* everything */
    /* 6+3, 9+3, 6+1, 2+1 */
    enum { N = 9 + 12 + 7 + 3 };
    /* which flat entries are frozen, worked out from the order */
    static const int frozen[N] = {
        1, 1, 1, 1, 1, 1, 0, 0, 0,          /* layer 1: weights frozen */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, /* layer 2: biases frozen */
        0, 0, 0, 0, 0, 0, 1,                /* layer 3: shared bias frozen */
        1, 1, 1                             /* layer 4: all frozen */
    };
    assert_int_equal(nn_param_count(net), N);
    test_rng r = { 31 };
    set_random_params(net, &r, -1.0, 1.0);
    double p[N], g[N], p_new[N], g_new[N];
    assert_int_equal(nn_get_params(net, p, N), NN_OK);
    fill_random(&r, g, N, 0.5, 2.0);
    assert_int_equal(nn_set_grads(net, g, N), NN_OK);
    assert_int_equal(nn_step(net, 0.25), NN_OK);
    assert_int_equal(nn_get_params(net, p_new, N), NN_OK);
    assert_int_equal(nn_get_grads(net, g_new, N), NN_OK);
    for (size_t i = 0; i < N; i++) {
        if (frozen[i])
            assert_memory_equal(&p_new[i], &p[i], sizeof(double));
        else
            assert_abs(p_new[i], p[i] - 0.25 * g[i], 2.5e-16 * (fabs(p[i]) + fabs(0.25 * g[i])));
        assert_true(g_new[i] == 0.0);
    }
    /* frozen flags read back as 0/1 */
    int fw = -1, fb = -1;
    assert_int_equal(nn_set_frozen(net, 2, 7, -3), NN_OK);
    assert_int_equal(nn_get_frozen(net, 2, &fw, &fb), NN_OK);
    assert_true(fw == 1 && fb == 1);
    nn_free(net);
}

static void test_bias_mode_conversion(void **state)
{
    (void)state;
    const size_t sizes[3] = { 2, 4, 3 };
    const int acts[2] = { NN_ACT_LINEAR, NN_ACT_TANH };
    nn_t *net = create_net(3, sizes, acts);
    const double w1[8] = { 1, 0, 0, 1, 1, 1, 0.5, -1 };
    const double b1[4] = { 1, 2, 3, 6 };
    assert_int_equal(nn_set_weights(net, 1, w1, 8), NN_OK);
    assert_int_equal(nn_set_biases(net, 1, b1, 4), NN_OK);
    test_rng r = { 41 };
    double w2[12], b2[3];
    fill_random(&r, w2, 12, -1.0, 1.0);
    fill_random(&r, b2, 3, -1.0, 1.0);
    assert_int_equal(nn_set_weights(net, 2, w2, 12), NN_OK);
    assert_int_equal(nn_set_biases(net, 2, b2, 3), NN_OK);
    assert_int_equal(nn_param_count(net), 8 + 4 + 12 + 3);

    /* pending gradients: the layer's bias gradients go, nothing else */
    const double x[2] = { 0.5, -2.0 }, t[3] = { 0.1, 0.2, 0.3 };
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_backward(net, t), NN_OK);
    double gw1[8], gw1_after[8], gb1[4], gw2[12], gw2_after[12], gb2[3], gb2_after[3];
    assert_int_equal(nn_get_weight_grads(net, 1, gw1, 8), NN_OK);
    assert_int_equal(nn_get_bias_grads(net, 1, gb1, 4), NN_OK);
    assert_int_equal(nn_get_weight_grads(net, 2, gw2, 12), NN_OK);
    assert_int_equal(nn_get_bias_grads(net, 2, gb2, 3), NN_OK);
    assert_true(gb1[0] != 0.0);

    /* switching to the current convention changes nothing: no stale pass, grads kept */
    assert_int_equal(nn_set_bias_mode(net, 1, NN_BIAS_PER_NEURON), NN_OK);
    double loss;
    assert_int_equal(nn_loss(net, t, &loss), NN_OK);
    assert_int_equal(nn_get_bias_grads(net, 1, gb1, 4), NN_OK);
    assert_true(gb1[0] != 0.0);

    /* per neuron -> shared: the mean */
    assert_int_equal(nn_set_bias_mode(net, 1, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_get_bias_mode(net, 1), NN_BIAS_SHARED);
    assert_int_equal(nn_bias_count(net, 1), 1);
    assert_int_equal(nn_param_count(net), 8 + 1 + 12 + 3);
    double b, gb;
    assert_int_equal(nn_get_biases(net, 1, &b, 1), NN_OK);
    assert_true(b == 3.0);
    assert_int_equal(nn_get_bias_grads(net, 1, &gb, 1), NN_OK);
    assert_true(gb == 0.0);
    assert_int_equal(nn_get_weight_grads(net, 1, gw1_after, 8), NN_OK);
    assert_memory_equal(gw1, gw1_after, sizeof gw1);
    assert_int_equal(nn_get_weight_grads(net, 2, gw2_after, 12), NN_OK);
    assert_memory_equal(gw2, gw2_after, sizeof gw2);
    assert_int_equal(nn_get_bias_grads(net, 2, gb2_after, 3), NN_OK);
    assert_memory_equal(gb2, gb2_after, sizeof gb2);
    assert_int_equal(nn_backward(net, t), NN_ERR_STALE_FORWARD);
    assert_int_equal(nn_loss(net, t, &loss), NN_ERR_STALE_FORWARD);

    /* the shared bias is added to every unit: z = W x + 3 */
    double z[4];
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_get_net_inputs(net, 1, z, 4), NN_OK);
    assert_true(z[0] == 0.5 + 3.0);
    assert_true(z[1] == -2.0 + 3.0);
    assert_true(z[2] == -1.5 + 3.0);
    assert_true(z[3] == 2.25 + 3.0);

    /* shared -> per neuron: copies, and the pending shared gradient goes too */
    assert_int_equal(nn_backward(net, t), NN_OK);
    assert_int_equal(nn_get_bias_grads(net, 1, &gb, 1), NN_OK);
    assert_true(gb != 0.0);
    assert_int_equal(nn_set_bias_mode(net, 1, NN_BIAS_PER_NEURON), NN_OK);
    double b4[4], g4[4];
    assert_int_equal(nn_get_biases(net, 1, b4, 4), NN_OK);
    assert_int_equal(nn_get_bias_grads(net, 1, g4, 4), NN_OK);
    for (size_t j = 0; j < 4; j++) {
        assert_true(b4[j] == 3.0);
        assert_true(g4[j] == 0.0);
    }
    assert_int_equal(nn_backward(net, t), NN_ERR_STALE_FORWARD);

    /* a mean that is not exact in binary */
    const double b3[3] = { 0.1, 0.2, 0.7 };
    assert_int_equal(nn_set_biases(net, 2, b3, 3), NN_OK);
    assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_get_biases(net, 2, &b, 1), NN_OK);
    assert_rel(b, 1.0 / 3.0, 1e-15);
    assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_PER_NEURON), NN_OK);
    double b3_after[3];
    assert_int_equal(nn_get_biases(net, 2, b3_after, 3), NN_OK);
    assert_true(b3_after[0] == b && b3_after[1] == b && b3_after[2] == b);
    nn_free(net);
}

/* ---- nn_train_sample() against nn_forward + nn_backward + nn_step ---- */

/* 2 to 5 layers of 1 to 6 units; every layer draws its activation (the custom
   one included), bias convention and frozen flags; the loss is drawn too. */
static nn_t *random_network(test_rng *r, struct act_context *isru)
{
    static const int acts[] = { NN_ACT_LINEAR, NN_ACT_SIGMOID, NN_ACT_TANH, NN_ACT_RELU,
                                NN_ACT_LEAKY_RELU, NN_ACT_SOFTPLUS, ACT_ISRU };
    struct net_spec c;
    memset(&c, 0, sizeof c);
    c.n_layers = 2 + rng_below(r, 4);
    for (size_t k = 0; k < c.n_layers; k++)
        c.sizes[k] = 1 + rng_below(r, 6);
    for (size_t k = 1; k < c.n_layers; k++)
        c.acts[k] = acts[rng_below(r, sizeof acts / sizeof acts[0])];
    for (size_t k = 1; k < c.n_layers; k++) {
        c.bias_modes[k] = (int)rng_below(r, 2);
        c.frozen_w[k] = rng_below(r, 4) == 0;
        c.frozen_b[k] = rng_below(r, 4) == 0;
    }
    c.loss = (int)rng_below(r, 2);
    nn_t *net = spec_build(&c, NULL, isru);
    set_random_params(net, r, -1.0, 1.0);
    return net;
}

static void assert_params_finite(const nn_t *net)
{
    double *p = params_of(net);
    for (size_t i = 0; i < nn_param_count(net); i++)
        assert_true(isfinite(p[i]));
    free(p);
}

static void test_train_sample_matches_standard_rule(void **state)
{
    (void)state;
    struct act_context ctx = ISRU_CONTEXT("isru", 0.8);
    test_rng r = { 51 };
    int diverged = 0;
    for (int trial = 0; trial < 40; trial++) {
        nn_t *a = random_network(&r, &ctx), *b = NULL;
        assert_int_equal(nn_clone(a, &b), NN_OK);
        const size_t n = nn_param_count(a), n_in = nn_input_count(a), n_out = nn_output_count(a);
        const size_t top = nn_layer_count(a) - 1;
        const double rate = rng_range(&r, 0.05, 0.5);
        double x[6], t[6], out_a[6], out_b[6], la, lb, da[6], db[6];
        for (int step = 0; step < 10; step++) {
            fill_random(&r, x, n_in, -1.0, 1.0);
            fill_random(&r, t, n_out, -1.0, 1.0);
            nn_status sa = nn_forward(a, x, out_a);
            if (sa == NN_OK)
                sa = nn_loss(a, t, &la);
            if (sa == NN_OK)
                sa = nn_backward(a, t);
            if (sa == NN_OK)
                sa = nn_step(a, rate);
            if (sa == NN_ERR_DIVERGED) {
                /* a linear network whose weights grew past every bound:
                   training stops there, every parameter still finite */
                diverged++;
                assert_params_finite(a);
                assert_params_finite(b);
                break;
            }
            assert_int_equal(sa, NN_OK);

            assert_int_equal(nn_forward(b, x, out_b), NN_OK);
            assert_int_equal(nn_loss(b, t, &lb), NN_OK);
            const nn_status sb = nn_train_sample(b, x, t, rate);
            if (sb == NN_ERR_DIVERGED) {
                /* the same trial, refused one step earlier: the checks work
                   on bounds, which differ between the two rules */
                diverged++;
                assert_params_finite(b);
                break;
            }
            assert_int_equal(sb, NN_OK);

            assert_close_arrays(out_a, out_b, n_out, "outputs");
            assert_close_arrays(&la, &lb, 1, "losses");
            double *pa = params_of(a), *pb = params_of(b);
            assert_close_arrays(pa, pb, n, "parameters");
            free(pa);
            free(pb);
            /* the fused step's deltas are those of the backward pass */
            for (size_t k = 1; k <= top; k++) {
                const size_t m = nn_layer_size(a, k);
                assert_int_equal(nn_get_deltas(a, k, da, m), NN_OK);
                assert_int_equal(nn_get_deltas(b, k, db, m), NN_OK);
                assert_close_arrays(da, db, m, "deltas");
            }
            /* and it is stale afterwards */
            assert_int_equal(nn_backward(b, t), NN_ERR_STALE_FORWARD);
        }
        /* b never accumulated anything */
        double *gb = grads_of(b);
        for (size_t i = 0; i < n; i++)
            assert_true(gb[i] == 0.0);
        free(gb);
        nn_free(a);
        nn_free(b);
    }
    assert_true(diverged <= 1); /* (one trial of these seeds diverges) */
}

/* Gradients accumulated before nn_train_sample() / nn_train_sequential() stay as they were. */
static void test_train_sample_keeps_pending_grads(void **state)
{
    (void)state;
    struct act_context ctx = ISRU_CONTEXT("isru", 0.8);
    test_rng r = { 61 };
    for (int trial = 0; trial < 10; trial++) {
        nn_t *net = random_network(&r, &ctx), *ref = NULL;
        const size_t n = nn_param_count(net), n_in = nn_input_count(net),
                     n_out = nn_output_count(net);
        double x0[6], t0[6], x1[6], t1[6];
        fill_random(&r, x0, n_in, -1.0, 1.0);
        fill_random(&r, t0, n_out, -1.0, 1.0);
        fill_random(&r, x1, n_in, -1.0, 1.0);
        fill_random(&r, t1, n_out, -1.0, 1.0);
        assert_int_equal(nn_clone(net, &ref), NN_OK);
        assert_int_equal(nn_forward(net, x0, NULL), NN_OK);
        assert_int_equal(nn_backward(net, t0), NN_OK);
        double *g_before = grads_of(net);

        assert_int_equal(nn_train_sample(net, x1, t1, 0.2), NN_OK);
        double *g_after = grads_of(net);
        assert_memory_equal(g_before, g_after, n * sizeof(double));
        /* its update is that of a network without pending gradients */
        assert_int_equal(nn_forward(ref, x1, NULL), NN_OK);
        assert_int_equal(nn_backward(ref, t1), NN_OK);
        assert_int_equal(nn_step(ref, 0.2), NN_OK);
        double *p = params_of(net), *p_ref = params_of(ref);
        assert_close_arrays(p, p_ref, n, "parameters");

        assert_int_equal(nn_train_sequential(net, x0, t0, 0.2), NN_OK);
        free(g_after);
        g_after = grads_of(net);
        assert_memory_equal(g_before, g_after, n * sizeof(double));
        free(g_before);
        free(g_after);
        free(p);
        free(p_ref);
        nn_free(net);
        nn_free(ref);
    }
}

/* ---- seeded initialisation ---- */

static void test_init_random(void **state)
{
    (void)state;
    /* the generator: the MT19937 reference outputs and numpy's first doubles */
    nn_rng_t *rng = NULL;
    assert_int_equal(nn_rng_create(&rng, 5489), NN_OK);
    assert_true(nn_rng_next_u32(rng) == 3499211612ul);
    nn_rng_free(rng);
    assert_int_equal(nn_rng_create(&rng, 0), NN_OK);
    assert_true(nn_rng_next_u32(rng) == 2357136044ul);
    nn_rng_free(rng);
    assert_int_equal(nn_rng_create(&rng, 0), NN_OK);
    assert_true(nn_rng_uniform(rng) == 0.54881350392732475);
    assert_true(nn_rng_uniform(rng) == 0.71518936637241948);
    nn_rng_free(rng);
#if ULONG_MAX > 0xffffffffUL
    /* only the low 32 bits of the seed count */
    nn_rng_t *r1 = NULL, *r2 = NULL;
    assert_int_equal(nn_rng_create(&r1, 7), NN_OK);
    assert_int_equal(nn_rng_create(&r2, 7ul + 0x100000000ul), NN_OK);
    for (int i = 0; i < 10; i++)
        assert_true(nn_rng_next_u32(r1) == nn_rng_next_u32(r2));
    nn_rng_free(r1);
    nn_rng_free(r2);
#endif

    /* nn_init_random with the uniform scheme on [0, 1): numpy's first values */
    const size_t sizes2[2] = { 2, 1 };
    const int lin[1] = { NN_ACT_LINEAR };
    nn_t *tiny = create_net(2, sizes2, lin);
    assert_int_equal(nn_init_random(tiny, 0, NN_INIT_UNIFORM, 0.0, 1.0), NN_OK);
    double w[2];
    assert_int_equal(nn_get_weights(tiny, 1, w, 2), NN_OK);
    assert_true(w[0] == 0.54881350392732475);
    assert_true(w[1] == 0.71518936637241948);
    nn_free(tiny);

    const size_t sizes[4] = { 20, 30, 10, 3 };
    const int acts[3] = { NN_ACT_TANH, NN_ACT_TANH, NN_ACT_LINEAR };
    nn_t *a = create_net(4, sizes, acts), *b = create_net(4, sizes, acts);
    assert_int_equal(nn_set_bias_mode(a, 2, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_set_bias_mode(b, 2, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_set_frozen(a, 1, 1, 1), NN_OK);
    const size_t n = nn_param_count(a);
    assert_int_equal(n, 600 + 30 + 300 + 1 + 30 + 3);

    /* same seed, same parameters; another seed, other parameters */
    assert_int_equal(nn_init_random(a, 12345, NN_INIT_UNIFORM, -0.3, 0.7), NN_OK);
    assert_int_equal(nn_init_random(b, 12345, NN_INIT_UNIFORM, -0.3, 0.7), NN_OK);
    double *pa = params_of(a), *pb = params_of(b);
    assert_memory_equal(pa, pb, n * sizeof(double));
    assert_int_equal(nn_init_random(b, 12346, NN_INIT_UNIFORM, -0.3, 0.7), NN_OK);
    free(pb);
    pb = params_of(b);
    size_t differing = 0;
    for (size_t i = 0; i < n; i++)
        differing += pa[i] != pb[i];
    assert_true(differing > n - 5);

    /* uniform: every value in [lo, hi), the range well covered, drawn in the flat
       order (frozen layer and shared bias included) */
    double lo = 1.0, hi = -1.0;
    assert_int_equal(nn_rng_create(&rng, 12345), NN_OK);
    for (size_t i = 0; i < n; i++) {
        assert_true(pa[i] >= -0.3 && pa[i] < 0.7);
        lo = pa[i] < lo ? pa[i] : lo;
        hi = pa[i] > hi ? pa[i] : hi;
        const double u = nn_rng_uniform(rng);
        assert_abs(pa[i], -0.3 + (0.7 - -0.3) * u, 2.5e-16);
    }
    nn_rng_free(rng);
    assert_true(lo < -0.29 && hi > 0.69);

    /* the forward pass is stale after initialisation */
    double x[20] = { 0 }, t[3] = { 0 };
    assert_int_equal(nn_forward(a, x, NULL), NN_OK);
    assert_int_equal(nn_init_random(a, 1, NN_INIT_XAVIER, 0.0, 0.0), NN_OK);
    assert_int_equal(nn_backward(a, t), NN_ERR_STALE_FORWARD);

    /* Xavier and He: |w| within r, the range used, biases exactly 0 */
    for (int scheme = NN_INIT_XAVIER; scheme <= NN_INIT_HE; scheme++) {
        assert_int_equal(nn_init_random(a, 99, NN_INIT_UNIFORM, 1.0, 2.0), NN_OK);
        assert_int_equal(nn_init_random(a, 99, scheme, 5.0, 6.0), NN_OK);
        /* the first layer's weights are the generator's first draws mapped onto [-r, r) */
        const double r1 = sqrt(6.0 / (scheme == NN_INIT_XAVIER ? 20.0 + 30.0 : 20.0));
        double w1[600];
        assert_int_equal(nn_get_weights(a, 1, w1, 600), NN_OK);
        assert_int_equal(nn_rng_create(&rng, 99), NN_OK);
        for (size_t i = 0; i < 600; i++)
            assert_abs(w1[i], -r1 + 2.0 * r1 * nn_rng_uniform(rng), 4e-16 * r1);
        nn_rng_free(rng);
        for (size_t k = 1; k < 4; k++) {
            const double fan_in = (double)sizes[k - 1], fan_out = (double)sizes[k];
            const double radius =
                sqrt(6.0 / (scheme == NN_INIT_XAVIER ? fan_in + fan_out : fan_in));
            double wk[600], bk[30];
            const size_t nw = sizes[k] * sizes[k - 1], nb = nn_bias_count(a, k);
            assert_int_equal(nn_get_weights(a, k, wk, nw), NN_OK);
            assert_int_equal(nn_get_biases(a, k, bk, nb), NN_OK);
            double largest = 0.0, sum = 0.0;
            for (size_t i = 0; i < nw; i++) {
                assert_true(wk[i] >= -radius && wk[i] < radius);
                largest = fabs(wk[i]) > largest ? fabs(wk[i]) : largest;
                sum += wk[i];
            }
            assert_true(largest > 0.75 * radius);
            assert_true(fabs(sum / (double)nw) < 0.5 * radius);
            for (size_t j = 0; j < nb; j++)
                assert_true(bk[j] == 0.0);
        }
    }
    free(pa);
    free(pb);
    nn_free(a);
    nn_free(b);
}

/* ---- status texts and versions ---- */

static void test_strerror(void **state)
{
    (void)state;
    const char *texts[NN_ERR_NO_BATCH + 1];
    for (int s = 0; s <= NN_ERR_NO_BATCH; s++) {
        texts[s] = nn_strerror((nn_status)s);
        assert_non_null(texts[s]);
        assert_true(strlen(texts[s]) > 0);
        for (int other = 0; other < s; other++)
            if (strcmp(texts[s], texts[other]) == 0)
                fail_msg("statuses %d and %d share the text \"%s\"", other, s, texts[s]);
    }
    const int unknown[3] = { NN_ERR_NO_BATCH + 1, 1000, 0x7fff };
    for (size_t u = 0; u < 3; u++) {
        const char *text = nn_strerror((nn_status)unknown[u]);
        assert_non_null(text);
        assert_true(strlen(text) > 0);
        for (int s = 0; s <= NN_ERR_NO_BATCH; s++)
            assert_true(strcmp(text, texts[s]) != 0);
    }
}

static void test_version(void **state)
{
    (void)state;
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", BACKPROP_VERSION_MAJOR,
             BACKPROP_VERSION_MINOR, BACKPROP_VERSION_PATCH);
    assert_string_equal(BACKPROP_VERSION_STRING, expected);
    assert_non_null(nn_version_string());
    assert_string_equal(nn_version_string(), BACKPROP_VERSION_STRING);
    assert_true(nn_version_number() == (unsigned long)BACKPROP_VERSION_NUMBER);
    assert_true(nn_version_number() == (unsigned long)(BACKPROP_VERSION_MAJOR * 10000 +
                                                       BACKPROP_VERSION_MINOR * 100 +
                                                       BACKPROP_VERSION_PATCH));
}

/* ---- inspection against a computation by hand ---- */

static double sigmoid(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

static void test_inspection(void **state)
{
    (void)state;
    const size_t sizes[3] = { 2, 3, 2 };
    const int acts[2] = { NN_ACT_SIGMOID, NN_ACT_TANH };
    nn_t *net = create_net(3, sizes, acts);
    assert_int_equal(nn_layer_count(net), 3);
    assert_int_equal(nn_input_count(net), 2);
    assert_int_equal(nn_output_count(net), 2);
    assert_int_equal(nn_layer_size(net, 1), 3);
    const double W1[3][2] = { { 0.1, -0.2 }, { 0.4, 0.3 }, { -0.5, 0.6 } };
    const double B1[3] = { 0.05, -0.1, 0.2 };
    const double W2[2][3] = { { 0.7, -0.3, 0.2 }, { -0.6, 0.9, 0.4 } };
    const double B2[2] = { -0.25, 0.15 };
    assert_int_equal(nn_set_weights(net, 1, &W1[0][0], 6), NN_OK);
    assert_int_equal(nn_set_biases(net, 1, B1, 3), NN_OK);
    assert_int_equal(nn_set_weights(net, 2, &W2[0][0], 6), NN_OK);
    assert_int_equal(nn_set_biases(net, 2, B2, 2), NN_OK);
    const double x[2] = { 0.8, -1.3 }, t[2] = { 0.5, -0.4 };

    double z1[3], a1[3], z2[2], a2[2];
    for (size_t j = 0; j < 3; j++) {
        z1[j] = W1[j][0] * x[0] + W1[j][1] * x[1] + B1[j];
        a1[j] = sigmoid(z1[j]);
    }
    for (size_t j = 0; j < 2; j++) {
        z2[j] = W2[j][0] * a1[0] + W2[j][1] * a1[1] + W2[j][2] * a1[2] + B2[j];
        a2[j] = tanh(z2[j]);
    }
    double d2[2], d1[3];
    for (size_t j = 0; j < 2; j++)
        d2[j] = (a2[j] - t[j]) * (1.0 - a2[j] * a2[j]);
    for (size_t i = 0; i < 3; i++)
        d1[i] = (W2[0][i] * d2[0] + W2[1][i] * d2[1]) * a1[i] * (1.0 - a1[i]);

    double out[2], buf[3];
    assert_int_equal(nn_forward(net, x, out), NN_OK);
    assert_int_equal(nn_get_outputs(net, 0, buf, 2), NN_OK);
    assert_memory_equal(buf, x, sizeof x);
    assert_layer_values(net, nn_get_net_inputs, 1, z1, 3, 1e-14);
    assert_layer_values(net, nn_get_outputs, 1, a1, 3, 1e-14);
    assert_layer_values(net, nn_get_net_inputs, 2, z2, 2, 1e-14);
    assert_int_equal(nn_get_outputs(net, 2, buf, 2), NN_OK);
    assert_memory_equal(buf, out, sizeof out);
    for (size_t j = 0; j < 2; j++)
        assert_rel(out[j], a2[j], 1e-14);

    double loss;
    assert_int_equal(nn_loss(net, t, &loss), NN_OK);
    assert_rel(loss, 0.5 * ((a2[0] - t[0]) * (a2[0] - t[0]) + (a2[1] - t[1]) * (a2[1] - t[1])),
               1e-14);
    assert_int_equal(nn_backward(net, t), NN_OK);
    assert_layer_values(net, nn_get_deltas, 2, d2, 2, 1e-13);
    assert_layer_values(net, nn_get_deltas, 1, d1, 3, 1e-13);
    double gw1[6], gb1[3], gw2[6], gb2[2];
    assert_int_equal(nn_get_weight_grads(net, 1, gw1, 6), NN_OK);
    assert_int_equal(nn_get_bias_grads(net, 1, gb1, 3), NN_OK);
    assert_int_equal(nn_get_weight_grads(net, 2, gw2, 6), NN_OK);
    assert_int_equal(nn_get_bias_grads(net, 2, gb2, 2), NN_OK);
    for (size_t j = 0; j < 3; j++) {
        assert_rel(gw1[j * 2 + 0], d1[j] * x[0], 1e-13);
        assert_rel(gw1[j * 2 + 1], d1[j] * x[1], 1e-13);
        assert_rel(gb1[j], d1[j], 1e-13);
    }
    for (size_t j = 0; j < 2; j++) {
        for (size_t i = 0; i < 3; i++)
            assert_rel(gw2[j * 3 + i], d2[j] * a1[i], 1e-13);
        assert_rel(gb2[j], d2[j], 1e-13);
    }

    /* the values describe the pass that computed them, even after a change */
    double zeros[6] = { 0 };
    assert_int_equal(nn_set_weights(net, 1, zeros, 6), NN_OK);
    assert_int_equal(nn_get_net_inputs(net, 1, buf, 3), NN_OK);
    assert_rel(buf[0], z1[0], 1e-14);
    assert_int_equal(nn_get_deltas(net, 1, buf, 3), NN_OK);
    assert_rel(buf[2], d1[2], 1e-13);
    /* a new forward pass makes the deltas unavailable until the next backward pass */
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_get_deltas(net, 1, buf, 3), NN_ERR_NO_BACKWARD);
    nn_free(net);
}

/* ---- threads ---- */

struct job {
    uint64_t seed;
    size_t n_params;
    double *params; /* result */
    double loss;    /* result */
    struct act_context ctx;
};

/* Builds a network from the seed and trains it for a while, with every rule. */
static void run_job(struct job *job)
{
    test_rng r = { job->seed };
    job->ctx = (struct act_context)ISRU_CONTEXT("isru", 0.5);
    const size_t sizes[4] = { 4, 12, 8, 3 };
    const int acts[3] = { NN_ACT_TANH, NN_ACT_SOFTPLUS, NN_ACT_SIGMOID };
    nn_t *net = NULL;
    if (nn_create(&net, 4, sizes, acts) != NN_OK)
        return;
    (void)nn_set_custom_activation(net, 2, context_f, context_df, &job->ctx, "isru");
    (void)nn_set_bias_mode(net, 3, NN_BIAS_SHARED);
    (void)nn_init_random(net, (unsigned long)job->seed, NN_INIT_XAVIER, 0.0, 0.0);
    double x[4], t[3], loss = 0.0;
    for (int i = 0; i < 3000; i++) {
        for (size_t j = 0; j < 4; j++)
            x[j] = rng_range(&r, -1.0, 1.0);
        for (size_t j = 0; j < 3; j++)
            t[j] = x[j] * x[j + 1] > 0.0 ? 0.9 : 0.1;
        if (i % 3 == 0) {
            (void)nn_train_sample(net, x, t, 0.1);
        } else if (i % 3 == 1) {
            (void)nn_train_sequential(net, x, t, 0.1);
        } else {
            (void)nn_forward(net, x, NULL);
            (void)nn_backward(net, t);
            (void)nn_step(net, 0.1);
        }
    }
    (void)nn_forward(net, x, NULL);
    (void)nn_loss(net, t, &loss);
    job->loss = loss;
    job->n_params = nn_param_count(net);
    job->params = malloc(job->n_params * sizeof(double));
    if (job->params != NULL)
        (void)nn_get_params(net, job->params, job->n_params);
    nn_free(net);
}

static void *job_thread(void *arg)
{
    run_job(arg);
    return NULL;
}

/* Concurrent reads of one network through const calls. */
struct reader {
    const nn_t *net;
    const double *target;
    double expected_loss;
    const double *expected_params;
    size_t n;
    int mismatches;
};

static void *reader_thread(void *arg)
{
    struct reader *rd = arg;
    double *p = malloc(rd->n * sizeof(double));
    if (p == NULL) {
        rd->mismatches = -1;
        return NULL;
    }
    for (int i = 0; i < 2000; i++) {
        double loss = 0.0;
        if (nn_loss(rd->net, rd->target, &loss) != NN_OK || loss != rd->expected_loss)
            rd->mismatches++;
        if (nn_get_params(rd->net, p, rd->n) != NN_OK ||
            memcmp(p, rd->expected_params, rd->n * sizeof(double)) != 0)
            rd->mismatches++;
    }
    free(p);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    struct job seq[2] = { { .seed = 101 }, { .seed = 202 } };
    struct job par[2] = { { .seed = 101 }, { .seed = 202 } };
    run_job(&seq[0]);
    run_job(&seq[1]);
    assert_non_null(seq[0].params);
    assert_non_null(seq[1].params);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, job_thread, &par[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_non_null(par[i].params);
        assert_int_equal(par[i].n_params, seq[i].n_params);
        assert_memory_equal(par[i].params, seq[i].params, seq[i].n_params * sizeof(double));
        assert_memory_equal(&par[i].loss, &seq[i].loss, sizeof(double));
        assert_int_equal(par[i].ctx.f_calls, seq[i].ctx.f_calls);
    }
    /* the two runs differ from each other, so the comparison means something */
    assert_true(memcmp(seq[0].params, seq[1].params, seq[0].n_params * sizeof(double)) != 0);
    for (int i = 0; i < 2; i++) {
        free(seq[i].params);
        free(par[i].params);
    }

    /* two readers of one network at once */
    const size_t sizes[3] = { 3, 5, 2 };
    const int acts[2] = { NN_ACT_TANH, NN_ACT_LINEAR };
    nn_t *net = create_net(3, sizes, acts);
    assert_int_equal(nn_init_random(net, 5, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    const double x[3] = { 0.1, 0.2, 0.3 }, t[2] = { 1.0, -1.0 };
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    double *p = params_of(net), loss;
    assert_int_equal(nn_loss(net, t, &loss), NN_OK);
    struct reader rd[2];
    for (int i = 0; i < 2; i++) {
        rd[i] = (struct reader){ net, t, loss, p, nn_param_count(net), 0 };
        assert_int_equal(pthread_create(&threads[i], NULL, reader_thread, &rd[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(rd[i].mismatches, 0);
    }
    free(p);
    nn_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clone_is_independent),
        cmocka_unit_test(test_flat_order),
        cmocka_unit_test(test_grads_round_trip),
        cmocka_unit_test(test_step_with_frozen_layers),
        cmocka_unit_test(test_bias_mode_conversion),
        cmocka_unit_test(test_train_sample_matches_standard_rule),
        cmocka_unit_test(test_train_sample_keeps_pending_grads),
        cmocka_unit_test(test_init_random),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_inspection),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

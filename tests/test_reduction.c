/* The batch reduction (nn_set_reduction()): the setters and their refusals,
   nn_clone(), and what nn_backward_batch() adds with the mean: the sum over
   the rows divided by their number, to the bit for a power-of-two batch and
   against independent arithmetic otherwise, the same bits for every thread
   count, and nothing changed for the single-sample backward pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backprop.h"
#include "testnet.h"

/* A deterministic network of the given shape, parameters in [-1, 1). */
static nn_t *make_network(size_t n_layers, const size_t *sizes, const int *activations,
                          uint64_t seed)
{
    nn_t *net = create_net(n_layers, sizes, activations);
    test_rng rng = {seed};
    double *p = alloc_doubles(nn_param_count(net));
    fill_random(&rng, p, nn_param_count(net), -1.0, 1.0);
    assert_int_equal(nn_set_params(net, p, nn_param_count(net)), NN_OK);
    free(p);
    return net;
}

/* n values in [-2, 2). */
static double *values(size_t n, uint64_t seed)
{
    test_rng rng = {seed};
    double *x = alloc_doubles(n);
    fill_random(&rng, x, n, -2.0, 2.0);
    return x;
}

/* The accumulated gradients after one batch forward and backward pass. */
static double *batch_grads(nn_t *net, size_t rows, const double *inputs, const double *targets)
{
    assert_int_equal(nn_zero_grads(net), NN_OK);
    assert_int_equal(nn_forward_batch(net, rows, inputs, NULL), NN_OK);
    assert_int_equal(nn_backward_batch(net, rows, targets), NN_OK);
    return grads_of(net);
}

static void test_setters(void **state)
{
    (void)state;
    const size_t sizes[] = {2, 1};
    const int activations[] = {NN_ACT_LINEAR};
    nn_t *net = make_network(2, sizes, activations, 1);
    assert_int_equal(nn_get_reduction(net), NN_REDUCTION_SUM);
    assert_int_equal(nn_set_reduction(net, NN_REDUCTION_MEAN), NN_OK);
    assert_int_equal(nn_get_reduction(net), NN_REDUCTION_MEAN);
    assert_int_equal(nn_set_reduction(net, 2), NN_ERR_ARGUMENT);
    assert_int_equal(nn_set_reduction(net, -1), NN_ERR_ARGUMENT);
    assert_int_equal(nn_get_reduction(net), NN_REDUCTION_MEAN);
    assert_int_equal(nn_set_reduction(NULL, NN_REDUCTION_SUM), NN_ERR_NULL_ARG);
    assert_int_equal(nn_get_reduction(NULL), -1);
    nn_t *copy = NULL;
    assert_int_equal(nn_clone(net, &copy), NN_OK);
    assert_int_equal(nn_get_reduction(copy), NN_REDUCTION_MEAN);
    assert_int_equal(nn_set_reduction(net, NN_REDUCTION_SUM), NN_OK);
    assert_int_equal(nn_get_reduction(copy), NN_REDUCTION_MEAN);
    nn_free(copy);
    nn_free(net);
}

/* With 4 rows the division is exact, and everything after it is linear in
   the output deltas: the mean's gradients are the sum's divided by 4, bit for
   bit, through sigmoid and tanh layers. */
static void test_mean_is_sum_over_rows_exactly(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 5, 4, 2};
    const int activations[] = {NN_ACT_SIGMOID, NN_ACT_TANH, NN_ACT_LINEAR};
    const size_t rows = 4;
    double *inputs = values(rows * 3, 7), *targets = values(rows * 2, 8);
    nn_t *sum = make_network(4, sizes, activations, 3);
    nn_t *mean = make_network(4, sizes, activations, 3);
    assert_int_equal(nn_set_reduction(mean, NN_REDUCTION_MEAN), NN_OK);
    double *gs = batch_grads(sum, rows, inputs, targets);
    double *gm = batch_grads(mean, rows, inputs, targets);
    const size_t n = nn_param_count(sum);
    for (size_t i = 0; i < n; i++) {
        assert_true(gs[i] != 0.0);
        assert_memory_equal(&gm[i], &(double){gs[i] / 4.0}, sizeof(double));
    }
    free(gm);
    free(gs);
    nn_free(mean);
    nn_free(sum);
    free(targets);
    free(inputs);
}

/* A 2-1 linear network with half the summed squared error: the gradients are
   written out by hand, (1/n) sum_r (o_r - t_r) x_r and (1/n) sum_r (o_r - t_r). */
static void test_mean_against_hand_arithmetic(void **state)
{
    (void)state;
    const size_t sizes[] = {2, 1};
    const int activations[] = {NN_ACT_LINEAR};
    nn_t *net = make_network(2, sizes, activations, 5);
    assert_int_equal(nn_set_reduction(net, NN_REDUCTION_MEAN), NN_OK);
    const double w[] = {0.75, -0.5}, b[] = {0.125};
    assert_int_equal(nn_set_weights(net, 1, w, 2), NN_OK);
    assert_int_equal(nn_set_biases(net, 1, b, 1), NN_OK);
    const double x[] = {1.0, 2.0, -3.0, 0.5, 0.25, 4.0};
    const double t[] = {0.5, -1.0, 2.0};
    double gw0 = 0.0, gw1 = 0.0, gb = 0.0;
    for (size_t r = 0; r < 3; r++) {
        const double e = w[0] * x[2 * r] + w[1] * x[2 * r + 1] + b[0] - t[r];
        gw0 += e * x[2 * r];
        gw1 += e * x[2 * r + 1];
        gb += e;
    }
    double g[3];
    double *got = batch_grads(net, 3, x, t);
    memcpy(g, got, sizeof g);
    free(got);
    assert_rel(g[0], gw0 / 3.0, 1e-15);
    assert_rel(g[1], gw1 / 3.0, 1e-15);
    assert_rel(g[2], gb / 3.0, 1e-15);
    /* a second batch adds its mean to what is there */
    assert_int_equal(nn_forward_batch(net, 3, x, NULL), NN_OK);
    assert_int_equal(nn_backward_batch(net, 3, t), NN_OK);
    assert_int_equal(nn_get_grads(net, g, 3), NN_OK);
    assert_rel(g[0], 2.0 * gw0 / 3.0, 1e-15);
    assert_rel(g[2], 2.0 * gb / 3.0, 1e-15);
    nn_free(net);
}

/* The rows are split among threads after the division: every thread count
   gives the same bits, here for 37 rows (no power of two). */
static void test_mean_same_bits_for_every_thread_count(void **state)
{
    (void)state;
    const size_t sizes[] = {16, 24, 8};
    const int activations[] = {NN_ACT_RELU, NN_ACT_SIGMOID};
    const size_t rows = 37;
    double *inputs = values(rows * 16, 11), *targets = values(rows * 8, 12);
    nn_t *one = make_network(3, sizes, activations, 9);
    assert_int_equal(nn_set_reduction(one, NN_REDUCTION_MEAN), NN_OK);
    double *g1 = batch_grads(one, rows, inputs, targets);
    const size_t n = nn_param_count(one);
    for (size_t threads = 2; threads <= 4; threads++) {
        nn_t *many = NULL;
        assert_int_equal(nn_clone(one, &many), NN_OK);
        /* a build without threads refuses; the threads build (CI) runs it */
        const nn_status set = nn_set_threads(many, threads);
        assert_true(set == NN_OK || set == NN_ERR_ARGUMENT);
        double *gt = batch_grads(many, rows, inputs, targets);
        assert_memory_equal(gt, g1, n * sizeof *g1);
        free(gt);
        nn_free(many);
    }
    free(g1);
    nn_free(one);
    free(targets);
    free(inputs);
}

/* nn_backward() adds one sample's gradient whatever the reduction. */
static void test_single_sample_backward_unchanged(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 4, 2};
    const int activations[] = {NN_ACT_TANH, NN_ACT_SIGMOID};
    double *x = values(3, 21), *t = values(2, 22);
    nn_t *sum = make_network(3, sizes, activations, 4);
    nn_t *mean = make_network(3, sizes, activations, 4);
    assert_int_equal(nn_set_reduction(mean, NN_REDUCTION_MEAN), NN_OK);
    nn_t *nets[] = {sum, mean};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(nn_forward(nets[i], x, NULL), NN_OK);
        assert_int_equal(nn_backward(nets[i], t), NN_OK);
    }
    double *gs = grads_of(sum), *gm = grads_of(mean);
    assert_memory_equal(gs, gm, nn_param_count(sum) * sizeof *gs);
    free(gm);
    free(gs);
    nn_free(mean);
    nn_free(sum);
    free(t);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setters),
        cmocka_unit_test(test_mean_is_sum_over_rows_exactly),
        cmocka_unit_test(test_mean_against_hand_arithmetic),
        cmocka_unit_test(test_mean_same_bits_for_every_thread_count),
        cmocka_unit_test(test_single_sample_backward_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

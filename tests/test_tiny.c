/* The tiny paths (every layer at most NN_TINY_LAYER units): nn_forward(),
   nn_backward() and nn_step() form their values as nn_train_sample() does
   on such networks (tiny.c, tiny_calls.h), so that the three calls and the
   fused step give the same parameters, outputs and deltas, bit for bit, at
   every kernel level, whatever the activations, the loss, the bias mode and
   the frozen blocks.

   Built from the library's sources to force the kernel levels. */
#include "internal.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

struct shape {
    size_t n_layers;
    size_t sizes[5];
    int acts[4];
    int loss;
    int shared_layer;  /* a layer with a shared bias, 0 for none */
    int frozen_w;      /* a layer with frozen weights, 0 for none */
    int frozen_b;      /* a layer with frozen biases, 0 for none */
};

static const struct shape shapes[] = {
    {3, {2, 2, 1}, {NN_ACT_SIGMOID, NN_ACT_SIGMOID}, NN_LOSS_HALF_SSE, 0, 0, 0},
    {4, {3, 4, 2, 3}, {NN_ACT_SIGMOID, NN_ACT_TANH, NN_ACT_LINEAR}, NN_LOSS_MSE, 2, 1, 3},
    {5, {2, 8, 5, 8, 2}, {NN_ACT_RELU, NN_ACT_SOFTPLUS, NN_ACT_LEAKY_RELU, NN_ACT_SIGMOID},
     NN_LOSS_HALF_SSE, 3, 0, 1},
};

static nn_t *make(const struct shape *s, int level)
{
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, s->n_layers, s->sizes, s->acts), NN_OK);
    assert_int_equal(nn_init_random(net, 7, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    assert_int_equal(nn_set_loss(net, s->loss), NN_OK);
    if (s->shared_layer)
        assert_int_equal(nn_set_bias_mode(net, (size_t)s->shared_layer, NN_BIAS_SHARED), NN_OK);
    if (s->frozen_w)
        assert_int_equal(nn_set_frozen(net, (size_t)s->frozen_w, 1, 0), NN_OK);
    if (s->frozen_b)
        assert_int_equal(nn_set_frozen(net, (size_t)s->frozen_b, 0, 1), NN_OK);
    assert_int_equal(nn__kernels_force(net, level), NN_OK);
    return net;
}

/* Every layer's outputs and deltas of a and b are the same bits. */
static void same_pass(const nn_t *a, const nn_t *b, const struct shape *s)
{
    double x[NN_TINY_LAYER], y[NN_TINY_LAYER];
    for (size_t k = 0; k < s->n_layers; k++) {
        const size_t n = s->sizes[k];
        assert_int_equal(nn_get_outputs(a, k, x, n), NN_OK);
        assert_int_equal(nn_get_outputs(b, k, y, n), NN_OK);
        assert_memory_equal(x, y, n * sizeof x[0]);
        if (k == 0)
            continue;
        assert_int_equal(nn_get_deltas(a, k, x, n), NN_OK);
        assert_int_equal(nn_get_deltas(b, k, y, n), NN_OK);
        assert_memory_equal(x, y, n * sizeof x[0]);
    }
}

static void three_calls_are_the_fused_step(void **state)
{
    (void)state;
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const struct shape *s = &shapes[si];
        const size_t n_in = s->sizes[0], n_out = s->sizes[s->n_layers - 1];
        for (int level = 0; level < 4; level++) {
            if (nn__kernels_level(level) == NULL)
                continue;
            nn_t *fused = make(s, level), *three = make(s, level);
            const size_t n = nn_param_count(fused);
            double *p = malloc(n * sizeof *p), *q = malloc(n * sizeof *q);
            assert_non_null(p);
            assert_non_null(q);
            for (int step = 0; step < 40; step++) {
                double in[NN_TINY_LAYER], target[NN_TINY_LAYER], out[NN_TINY_LAYER];
                for (size_t i = 0; i < n_in; i++)
                    in[i] = (double)((step * 7 + (int)i * 3) % 11) / 5.0 - 1.0;
                for (size_t j = 0; j < n_out; j++)
                    target[j] = (double)((step + (int)j) % 3) / 2.0;
                assert_int_equal(nn_train_sample(fused, in, target, 0.3), NN_OK);
                assert_int_equal(nn_forward(three, in, out), NN_OK);
                assert_int_equal(nn_backward(three, target), NN_OK);
                same_pass(fused, three, s);
                assert_int_equal(nn_step(three, 0.3), NN_OK);
                assert_int_equal(nn_get_params(fused, p, n), NN_OK);
                assert_int_equal(nn_get_params(three, q, n), NN_OK);
                if (memcmp(p, q, n * sizeof *p) != 0)
                    fail_msg("shape %zu, level %d, step %d: the parameters differ", si, level,
                             step);
            }
            free(p);
            free(q);
            nn_free(fused);
            nn_free(three);
        }
    }
}

/* Two samples' gradients accumulated (the second one added to the stored
   first), then one step: the parameters move by the sum, as nn_get_grads()
   reads it. */
static void accumulated_gradients_step_by_their_sum(void **state)
{
    (void)state;
    const struct shape *s = &shapes[1];
    for (int level = 0; level < 4; level++) {
        if (nn__kernels_level(level) == NULL)
            continue;
        nn_t *net = make(s, level);
        const size_t n = nn_param_count(net);
        double *before = malloc(n * sizeof *before), *g = malloc(n * sizeof *g),
               *after = malloc(n * sizeof *after);
        assert_non_null(before);
        assert_non_null(g);
        assert_non_null(after);
        const double in[2][3] = {{0.5, -1.0, 0.25}, {-0.75, 0.5, 1.5}};
        const double target[2][3] = {{0.1, 0.9, -0.3}, {0.4, -0.2, 0.6}};
        for (int sample = 0; sample < 2; sample++) {
            assert_int_equal(nn_forward(net, in[sample], NULL), NN_OK);
            assert_int_equal(nn_backward(net, target[sample]), NN_OK);
        }
        assert_int_equal(nn_get_params(net, before, n), NN_OK);
        assert_int_equal(nn_get_grads(net, g, n), NN_OK);
        assert_int_equal(nn_step(net, 0.5), NN_OK);
        assert_int_equal(nn_get_params(net, after, n), NN_OK);
        /* frozen: layer 1's weights (the first 12) and layer 3's biases (the last 3) */
        int moved = 0;
        for (size_t i = 0; i < n; i++) {
            const int frozen = i < 12 || i >= n - 3;
            assert_true(after[i] == (frozen ? before[i] : before[i] - 0.5 * g[i]));
            moved += after[i] != before[i];
        }
        assert_true(moved > 0);
        assert_int_equal(nn_get_grads(net, g, n), NN_OK);
        for (size_t i = 0; i < n; i++)
            assert_true(g[i] == 0.0);
        free(before);
        free(g);
        free(after);
        nn_free(net);
    }
}

/* The tiny paths run the logistic case (every layer logistic, half the sum
   of squares) without the tables; a loss or an activation set later takes
   a network out of that case, and back: each pass forms the output delta of
   the network's loss and activation as they stand, in both paths. */
static void logistic_case_follows_the_setters(void **state)
{
    (void)state;
    const size_t sizes[3] = {2, 2, 1};
    const int acts[2] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    const double in[2] = {0.7, -0.4}, target = 0.2;
    nn_t *three = NULL, *fused = NULL;
    assert_int_equal(nn_create(&three, 3, sizes, acts), NN_OK);
    assert_int_equal(nn_init_random(three, 11, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    assert_int_equal(nn_clone(three, &fused), NN_OK);
    /* 0: as created; 1: MSE (twice the gradient); 2: half_sse again; 3: a tanh output */
    for (int phase = 0; phase < 4; phase++) {
        for (int n = 0; n < 2; n++) {
            nn_t *net = n ? fused : three;
            if (phase == 1 || phase == 2)
                assert_int_equal(nn_set_loss(net, phase == 1 ? NN_LOSS_MSE : NN_LOSS_HALF_SSE),
                                 NN_OK);
            if (phase == 3)
                assert_int_equal(nn_set_activation(net, 2, NN_ACT_TANH), NN_OK);
            if (n) {
                assert_int_equal(nn_train_sample(net, in, &target, 0.5), NN_OK);
            } else {
                assert_int_equal(nn_forward(net, in, NULL), NN_OK);
                assert_int_equal(nn_backward(net, &target), NN_OK);
            }
            double o, delta;
            assert_int_equal(nn_get_outputs(net, 2, &o, 1), NN_OK);
            assert_int_equal(nn_get_deltas(net, 2, &delta, 1), NN_OK);
            const double deriv = phase == 3 ? 1.0 - o * o : o * (1.0 - o);
            const double expected = (phase == 1 ? 2.0 : 1.0) * (o - target) * deriv;
            assert_rel(delta, expected, 1e-15);
            if (!n)
                assert_int_equal(nn_step(net, 0.5), NN_OK);
        }
    }
    nn_free(three);
    nn_free(fused);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(three_calls_are_the_fused_step),
        cmocka_unit_test(accumulated_gradients_step_by_their_sum),
        cmocka_unit_test(logistic_case_follows_the_setters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Softmax, cross-entropy and binary cross-entropy against PyTorch float64
   (tests/ref/softmax_ref.h, made by tests/ref/softmax_ref.py): outputs, the
   loss, every gradient and 10 plain gradient-descent steps, single-sample and
   batched (summed over the rows, with and without threads), nn_predict() and
   nn_train_sample(); the refusals of impossible loss/activation pairs, which
   leave the network as it was; no log(0) in the supported pairs; the model
   file's words. Agreement: |ours - torch| <= 1e-12 max(1, |torch|). */
#include "testnet.h"

#include <stdio.h>

struct ref_case {
    const char *name;
    size_t n_layers;
    size_t sizes[5];
    int acts[4];
    int loss;
    size_t rows;
    double rate;
    const double *params, *x, *t, *out;
    double loss_value;
    const double *grads, *after;
};

#include "ref/softmax_ref.h"

#define N_CASES (sizeof ref_cases / sizeof ref_cases[0])
#define TOL 1e-12

static void close_to_torch(const char *what, const struct ref_case *c, const double *ours,
                           const double *torch, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double scale = fabs(torch[i]) > 1.0 ? fabs(torch[i]) : 1.0;
        if (!(fabs(ours[i] - torch[i]) <= TOL * scale)) {
            print_error("%s: %s[%zu] = %.17g, torch %.17g\n", c->name, what, i, ours[i],
                        torch[i]);
            fail();
        }
    }
}

static nn_t *build_case(const struct ref_case *c)
{
    nn_t *net = create_net(c->n_layers, c->sizes, c->acts);
    assert_int_equal(nn_set_loss(net, c->loss), NN_OK);
    assert_int_equal(nn_set_params(net, c->params, nn_param_count(net)), NN_OK);
    return net;
}

/* nn_forward() and nn_backward() row by row (the gradients add up), the
   loss summed; `steps` nn_step()s after as many such passes. */
static void single_rows(nn_t *net, const struct ref_case *c, double *out, double *loss)
{
    const size_t n_in = c->sizes[0], n_out = c->sizes[c->n_layers - 1];
    *loss = 0.0;
    assert_int_equal(nn_zero_grads(net), NN_OK);
    for (size_t r = 0; r < c->rows; r++) {
        double e = 0.0;
        assert_int_equal(nn_forward(net, c->x + r * n_in, out + r * n_out), NN_OK);
        assert_int_equal(nn_loss(net, c->t + r * n_out, &e), NN_OK);
        assert_int_equal(nn_backward(net, c->t + r * n_out), NN_OK);
        *loss += e;
    }
}

static void batch_rows(nn_t *net, const struct ref_case *c, double *out, double *loss)
{
    assert_int_equal(nn_zero_grads(net), NN_OK);
    assert_int_equal(nn_forward_batch(net, c->rows, c->x, out), NN_OK);
    assert_int_equal(nn_loss_batch(net, c->rows, c->t, loss), NN_OK);
    assert_int_equal(nn_backward_batch(net, c->rows, c->t), NN_OK);
}

typedef void (*pass_fn)(nn_t *net, const struct ref_case *c, double *out, double *loss);

/* One case through one path: the first pass against torch's outputs, loss
   and gradients, then REF_STEPS steps against its parameters. */
static void check_path(const struct ref_case *c, pass_fn pass, size_t threads)
{
    nn_t *net = build_case(c);
    if (threads > 1)
        assert_int_equal(nn_set_threads(net, threads), NN_OK);
    const size_t n_out = c->sizes[c->n_layers - 1], n_params = nn_param_count(net);
    double out[64], loss = 0.0;
    pass(net, c, out, &loss);
    close_to_torch("outputs", c, out, c->out, c->rows * n_out);
    close_to_torch("loss", c, &loss, &c->loss_value, 1);
    double *g = grads_of(net);
    close_to_torch("gradients", c, g, c->grads, n_params);
    free(g);
    for (int s = 0; s < REF_STEPS; s++) {
        if (s > 0)
            pass(net, c, out, &loss);
        assert_int_equal(nn_step(net, c->rate), NN_OK);
    }
    double *p = params_of(net);
    close_to_torch("parameters after the steps", c, p, c->after, n_params);
    free(p);
    nn_free(net);
}

static void test_single_sample_against_torch(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CASES; i++)
        check_path(&ref_cases[i], single_rows, 1);
}

static void test_batch_against_torch(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CASES; i++)
        check_path(&ref_cases[i], batch_rows, 1);
}

/* With threads (builds with -Dthreads=true): the same values; elsewhere
   nn_set_threads() refuses more than one, which this checks instead. */
static void test_batch_threads_against_torch(void **state)
{
    (void)state;
    nn_t *probe = build_case(&ref_cases[0]);
    const int threaded = nn_set_threads(probe, 2) == NN_OK;
    nn_free(probe);
    if (!threaded) {
        print_message("no thread support in this build: nn_set_threads(2) refused\n");
        return;
    }
    for (size_t i = 0; i < N_CASES; i++)
        check_path(&ref_cases[i], batch_rows, 2);
}

/* nn_predict() gives the batched pass's bits (softmax takes whole rows, so
   the unit-major products are not used for it). */
static void test_predict_matches_batch(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CASES; i++) {
        const struct ref_case *c = &ref_cases[i];
        nn_t *net = build_case(c);
        const size_t n_out = c->sizes[c->n_layers - 1];
        double batch[64], predicted[64];
        const size_t size = nn_inference_workspace_size(net, c->rows);
        double *work = alloc_doubles(size);
        assert_int_equal(nn_forward_batch(net, c->rows, c->x, batch), NN_OK);
        assert_int_equal(nn_predict(net, c->rows, c->x, predicted, work, size), NN_OK);
        assert_memory_equal(batch, predicted, c->rows * n_out * sizeof(double));
        close_to_torch("predicted outputs", c, predicted, c->out, c->rows * n_out);
        free(work);
        nn_free(net);
    }
}

/* nn_train_sample() on the one-row cases is torch's p -= rate * g, step
   after step (the small ones would take the register path of tiny networks
   but for softmax, which opts out of it). */
static void test_train_sample_against_torch(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; i < N_CASES; i++) {
        const struct ref_case *c = &ref_cases[i];
        if (c->rows != 1)
            continue;
        nn_t *net = build_case(c);
        for (int s = 0; s < REF_STEPS; s++)
            assert_int_equal(nn_train_sample(net, c->x, c->t, c->rate), NN_OK);
        double *p = params_of(net);
        close_to_torch("parameters after nn_train_sample", c, p, c->after, nn_param_count(net));
        free(p);
        nn_free(net);
        checked++;
    }
    assert_int_equal(checked, N_CASES / 2);
}

/* Five nn_train_sample() steps of `fused` on (x, t) at rate 0.5 give the
   parameters of five nn_forward + nn_backward + nn_step on a clone (up to
   the rounding of the vector kernels' fused multiply-adds, which the
   register path does not use); frees `fused`. */
static void fused_agrees_with_three_calls(nn_t *fused, const double *x, const double *t)
{
    nn_t *three = NULL;
    assert_int_equal(nn_clone(fused, &three), NN_OK);
    for (int s = 0; s < 5; s++) {
        assert_int_equal(nn_train_sample(fused, x, t, 0.5), NN_OK);
        assert_int_equal(nn_forward(three, x, NULL), NN_OK);
        assert_int_equal(nn_backward(three, t), NN_OK);
        assert_int_equal(nn_step(three, 0.5), NN_OK);
    }
    double *a = params_of(fused), *b = params_of(three);
    for (size_t i = 0; i < nn_param_count(fused); i++)
        assert_rel(a[i], b[i], 1e-14);
    free(a);
    free(b);
    nn_free(fused);
    nn_free(three);
}

/* The register path of tiny networks forms the output deltas of the
   cross-entropies with the general passes' function: nn_train_sample()
   agrees with nn_forward + nn_backward + nn_step. */
static void test_tiny_path_cross_entropies(void **state)
{
    (void)state;
    static const int losses[] = { NN_LOSS_BINARY_CROSS_ENTROPY, NN_LOSS_CROSS_ENTROPY };
    const size_t sizes[3] = { 2, 3, 2 };
    const int acts[2] = { NN_ACT_TANH, NN_ACT_SIGMOID };
    const double x[2] = { 0.3, -0.8 }, t[2] = { 1.0, 0.25 };
    for (size_t l = 0; l < 2; l++) {
        nn_t *fused = create_net(3, sizes, acts);
        assert_int_equal(nn_init_random(fused, 7, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
        assert_int_equal(nn_set_loss(fused, losses[l]), NN_OK);
        fused_agrees_with_three_calls(fused, x, t);
    }
}

/* A softmax set on a tiny network after its creation takes it off the
   register path (which has no vector backward): nn_train_sample() still
   agrees with nn_forward + nn_backward + nn_step. */
static void test_softmax_set_later_leaves_tiny_path(void **state)
{
    (void)state;
    const size_t sizes[3] = { 2, 3, 3 };
    const int acts[2] = { NN_ACT_TANH, NN_ACT_SIGMOID };
    const double x[2] = { 0.3, -0.8 }, t[3] = { 0.0, 1.0, 0.0 };
    nn_t *fused = create_net(3, sizes, acts);
    assert_int_equal(nn_init_random(fused, 9, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    assert_int_equal(nn_set_loss(fused, NN_LOSS_CROSS_ENTROPY), NN_OK);
    assert_int_equal(nn_set_activation(fused, 1, NN_ACT_SOFTMAX), NN_OK);
    assert_int_equal(nn_set_activation(fused, 2, NN_ACT_SOFTMAX), NN_OK);
    fused_agrees_with_three_calls(fused, x, t);
}

/* With one weight layer the sequential rule is the fused one (nothing is
   propagated); with softmax hidden layers it propagates through the
   softmax's Jacobian as the other rules do, and trains. */
static void test_sequential_rule(void **state)
{
    (void)state;
    const size_t sizes2[2] = { 4, 3 };
    const int acts2[1] = { NN_ACT_SOFTMAX };
    const double x[4] = { 0.5, -0.25, 0.75, 0.1 }, t[3] = { 0.0, 1.0, 0.0 };
    nn_t *seq = create_net(2, sizes2, acts2), *fused = NULL;
    assert_int_equal(nn_init_random(seq, 3, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    assert_int_equal(nn_set_loss(seq, NN_LOSS_CROSS_ENTROPY), NN_OK);
    assert_int_equal(nn_clone(seq, &fused), NN_OK);
    for (int s = 0; s < 4; s++) {
        assert_int_equal(nn_train_sequential(seq, x, t, 0.3), NN_OK);
        assert_int_equal(nn_train_sample(fused, x, t, 0.3), NN_OK);
    }
    double *a = params_of(seq), *b = params_of(fused);
    assert_memory_equal(a, b, nn_param_count(seq) * sizeof(double));
    free(a);
    free(b);
    nn_free(seq);
    nn_free(fused);

    const size_t sizes[4] = { 4, 5, 4, 3 };
    const int acts[3] = { NN_ACT_TANH, NN_ACT_SOFTMAX, NN_ACT_SOFTMAX };
    nn_t *net = create_net(4, sizes, acts);
    assert_int_equal(nn_init_random(net, 5, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    assert_int_equal(nn_set_loss(net, NN_LOSS_CROSS_ENTROPY), NN_OK);
    double before = 0.0, after = 0.0;
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_loss(net, t, &before), NN_OK);
    for (int s = 0; s < 200; s++)
        assert_int_equal(nn_train_sequential(net, x, t, 0.5), NN_OK);
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_loss(net, t, &after), NN_OK);
    assert_true(after < 0.1 * before);
    nn_free(net);
}

static void assert_same_model(const nn_t *net, const char *saved, size_t length)
{
    char text[8192];
    size_t n = 0;
    assert_int_equal(nn_save_buffer(net, text, sizeof text, &n), NN_OK);
    assert_int_equal(n, length);
    assert_memory_equal(text, saved, n);
}

/* A cross-entropy needs outputs in (0, 1]: every way to pair one with a
   linear, tanh, ReLU, leaky ReLU or softplus output is refused with
   NN_ERR_LOSS_OUTPUT, and the network stays as it was. */
static void test_refusals(void **state)
{
    (void)state;
    static const int wrong[] = { NN_ACT_LINEAR, NN_ACT_TANH, NN_ACT_RELU, NN_ACT_LEAKY_RELU,
                                 NN_ACT_SOFTPLUS };
    static const int logs[] = { NN_LOSS_CROSS_ENTROPY, NN_LOSS_BINARY_CROSS_ENTROPY };
    const size_t sizes[3] = { 2, 3, 2 };
    char saved[8192];
    size_t length = 0;
    for (size_t w = 0; w < sizeof wrong / sizeof wrong[0]; w++)
        for (size_t l = 0; l < 2; l++) {
            /* the loss after the activation */
            const int acts[2] = { NN_ACT_SOFTMAX, wrong[w] };
            nn_t *net = create_net(3, sizes, acts);
            assert_int_equal(nn_init_random(net, 1, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
            assert_int_equal(nn_save_buffer(net, saved, sizeof saved, &length), NN_OK);
            assert_int_equal(nn_set_loss(net, logs[l]), NN_ERR_LOSS_OUTPUT);
            assert_int_equal(nn_get_loss(net), NN_LOSS_HALF_SSE);
            assert_same_model(net, saved, length);
            /* the activation after the loss */
            assert_int_equal(nn_set_activation(net, 2, NN_ACT_SOFTMAX), NN_OK);
            assert_int_equal(nn_set_loss(net, logs[l]), NN_OK);
            assert_int_equal(nn_save_buffer(net, saved, sizeof saved, &length), NN_OK);
            assert_int_equal(nn_set_activation(net, 2, wrong[w]), NN_ERR_LOSS_OUTPUT);
            assert_int_equal(nn_get_activation(net, 2), NN_ACT_SOFTMAX);
            assert_same_model(net, saved, length);
            /* hidden layers may have any activation */
            assert_int_equal(nn_set_activation(net, 1, wrong[w]), NN_OK);
            nn_free(net);
        }
    const char *text = nn_strerror(NN_ERR_LOSS_OUTPUT);
    assert_non_null(strstr(text, "(0, 1]"));
}

/* A model file naming an impossible pair is refused with the line of its loss. */
static void test_load_refuses_pair(void **state)
{
    (void)state;
    const size_t sizes[3] = { 2, 3, 2 };
    const int acts[2] = { NN_ACT_TANH, NN_ACT_SOFTMAX };
    nn_t *net = create_net(3, sizes, acts);
    assert_int_equal(nn_init_random(net, 2, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    assert_int_equal(nn_set_loss(net, NN_LOSS_CROSS_ENTROPY), NN_OK);
    char text[8192], bad[8192], message[256];
    size_t length = 0;
    assert_int_equal(nn_save_buffer(net, text, sizeof text, &length), NN_OK);
    text[length] = '\0';
    assert_non_null(strstr(text, "\nloss cross_entropy\n"));
    assert_non_null(strstr(text, "\nactivation softmax\n"));
    /* the words load back to the same network */
    nn_t *back = NULL;
    assert_int_equal(nn_load_buffer(&back, text, length), NN_OK);
    assert_int_equal(nn_get_loss(back), NN_LOSS_CROSS_ENTROPY);
    assert_int_equal(nn_get_activation(back, 2), NN_ACT_SOFTMAX);
    assert_same_model(back, text, length);
    nn_free(back);
    /* softmax -> linear at the output */
    const char *at = strstr(text, "\nactivation softmax\n");
    const size_t head = (size_t)(at - text);
    snprintf(bad, sizeof bad, "%.*s\nactivation linear\n%s", (int)head, text,
             at + strlen("\nactivation softmax\n"));
    nn_t *out = NULL;
    nn_load_options_t *options = NULL;
    assert_int_equal(nn_load_options_create(&options), NN_OK);
    assert_int_equal(nn_load_buffer_with(&out, bad, strlen(bad), options, message, sizeof message),
                     NN_ERR_LOSS_OUTPUT);
    assert_null(out);
    assert_non_null(strstr(message, "cross_entropy"));
    assert_non_null(strstr(message, "linear"));
    assert_non_null(strstr(message, "line 5:")); /* the loss line */
    nn_load_options_free(options);
    nn_free(net);
}

/* Net inputs far apart: softmax gives exact 0s and 1s, the logistic
   function 1, yet the losses computed from z stay finite and right, and the
   deltas too (no log(0), no 0/0). */
static void test_no_log_of_zero(void **state)
{
    (void)state;
    const size_t sizes[2] = { 1, 3 };
    const int soft[1] = { NN_ACT_SOFTMAX }, logistic[1] = { NN_ACT_SIGMOID };
    const double w[3] = { 800.0, 0.0, -800.0 }, x[1] = { 1.0 };
    const double one_hot[3] = { 0.0, 0.0, 1.0 }, zero[3] = { 0.0, 0.0, 0.0 };
    double out[3], loss = 0.0, delta[3];
    nn_t *net = create_net(2, sizes, soft);
    assert_int_equal(nn_set_weights(net, 1, w, 3), NN_OK);
    assert_int_equal(nn_set_loss(net, NN_LOSS_CROSS_ENTROPY), NN_OK);
    assert_int_equal(nn_forward(net, x, out), NN_OK);
    assert_true(out[0] == 1.0 && out[2] == 0.0);
    assert_int_equal(nn_loss(net, one_hot, &loss), NN_OK);
    assert_rel(loss, 1600.0, 1e-15); /* log-softmax of the last unit: -1600 */
    assert_int_equal(nn_backward(net, one_hot), NN_OK);
    assert_int_equal(nn_get_deltas(net, 1, delta, 3), NN_OK);
    assert_true(delta[0] == 1.0 && delta[1] == 0.0 && delta[2] == -1.0);
    nn_free(net);

    net = create_net(2, sizes, logistic);
    assert_int_equal(nn_set_weights(net, 1, w, 3), NN_OK);
    assert_int_equal(nn_set_loss(net, NN_LOSS_BINARY_CROSS_ENTROPY), NN_OK);
    assert_int_equal(nn_forward(net, x, out), NN_OK);
    assert_true(out[0] == 1.0);
    assert_int_equal(nn_loss(net, zero, &loss), NN_OK);
    assert_rel(loss, 800.0 + log(2.0), 1e-15); /* 800 + log 2 + e^-800 */
    assert_int_equal(nn_backward(net, zero), NN_OK);
    assert_int_equal(nn_get_deltas(net, 1, delta, 3), NN_OK);
    assert_true(delta[0] == 1.0 && delta[1] == 0.5 && delta[2] == out[2]);
    nn_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_sample_against_torch),
        cmocka_unit_test(test_batch_against_torch),
        cmocka_unit_test(test_batch_threads_against_torch),
        cmocka_unit_test(test_predict_matches_batch),
        cmocka_unit_test(test_train_sample_against_torch),
        cmocka_unit_test(test_tiny_path_cross_entropies),
        cmocka_unit_test(test_softmax_set_later_leaves_tiny_path),
        cmocka_unit_test(test_sequential_rule),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_load_refuses_pair),
        cmocka_unit_test(test_no_log_of_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

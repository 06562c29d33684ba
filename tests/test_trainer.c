/* The training loop (nn_train(), nn_trainer_*): the loop of
   docs/training.md written out by hand gives its bits; early stopping,
   the epoch callback, the batch hook's contract, divergence, saving and
   resuming, the order file, no allocation once the epochs run, and the
   options' statuses. */
#define _POSIX_C_SOURCE 200809L
#include "testnet.h"

#include <stdio.h>
#include <unistd.h>

#ifdef TRAINER_MALLOC_HOOKS
#include "malloc_hooks.h"
#endif

enum { N_IN = 3, N_OUT = 2, ROWS = 37, VAL_ROWS = 11, BATCH = 8 };

/* 3-5-2 tanh/linear with random weights, the same every time. */
static nn_t *make_network(void)
{
    static const size_t sizes[3] = {N_IN, 5, N_OUT};
    static const int acts[2] = {NN_ACT_TANH, NN_ACT_LINEAR};
    nn_t *net = create_net(3, sizes, acts);
    assert_int_equal(nn_init_random(net, 7, NN_INIT_UNIFORM, -0.5, 0.5), NN_OK);
    return net;
}

/* rows of a smooth function of the inputs; sign flips the targets */
static nn_dataset_t *make_set(size_t rows, unsigned long seed, double sign)
{
    double *x = random_rows(rows * N_IN, seed, -1.0, 1.0);
    double *t = alloc_doubles(rows * N_OUT);
    for (size_t i = 0; i < rows; i++) {
        const double *r = x + i * N_IN;
        t[i * N_OUT] = sign * (0.5 * r[0] - r[1] * r[2]);
        t[i * N_OUT + 1] = sign * sin(r[0] + r[2]);
    }
    nn_dataset_t *d = NULL;
    assert_int_equal(nn_dataset_create(&d, rows, N_IN, N_OUT, x, t), NN_OK);
    free(x);
    free(t);
    return d;
}

static nn_train_options_t *make_options(int kind, double rate, size_t epochs)
{
    nn_train_options_t *o = NULL;
    assert_int_equal(nn_train_options_create(&o), NN_OK);
    assert_int_equal(nn_train_options_set_optimizer(o, kind), NN_OK);
    assert_int_equal(nn_train_options_set_learning_rate(o, rate), NN_OK);
    assert_int_equal(nn_train_options_set_epochs(o, epochs), NN_OK);
    assert_int_equal(nn_train_options_set_batch_size(o, BATCH), NN_OK);
    assert_int_equal(nn_train_options_set_seed(o, 5), NN_OK);
    return o;
}

static void assert_same_params(const nn_t *a, const nn_t *b)
{
    double *pa = params_of(a), *pb = params_of(b);
    assert_memory_equal(pa, pb, nn_param_count(a) * sizeof(double));
    free(pa);
    free(pb);
}

/* ---- the loop of docs/training.md, by hand ---- */

static void hand_loop(nn_t *net, const nn_dataset_t *train, const nn_dataset_t *valid,
                      int kind, double rate, size_t epochs, unsigned long seed, double *history)
{
    const size_t n = nn_dataset_row_count(train), n_params = nn_param_count(net);
    const double *inputs = nn_dataset_inputs(train), *targets = nn_dataset_targets(train);
    nn_optimizer_t *opt = NULL;
    nn_rng_t *rng = NULL;
    assert_int_equal(nn_optimizer_create(&opt, net, kind), NN_OK);
    assert_int_equal(nn_rng_create(&rng, seed), NN_OK);
    size_t order[ROWS];
    double x[BATCH * N_IN], y[BATCH * N_OUT], grads[64], out[BATCH * N_OUT];
    assert_true(n_params <= 64);
    for (size_t epoch = 0; epoch < epochs; epoch++) {
        assert_int_equal(nn_rng_permutation(rng, n, order), NN_OK);
        double loss_sum = 0.0;
        for (size_t start = 0; start < n; start += BATCH) {
            const size_t m = n - start < BATCH ? n - start : BATCH;
            for (size_t i = 0; i < m; i++) {
                memcpy(x + i * N_IN, inputs + order[start + i] * N_IN, N_IN * sizeof *x);
                memcpy(y + i * N_OUT, targets + order[start + i] * N_OUT, N_OUT * sizeof *y);
            }
            double loss = 0.0;
            assert_int_equal(nn_forward_batch(net, m, x, NULL), NN_OK);
            assert_int_equal(nn_loss_batch(net, m, y, &loss), NN_OK);
            assert_int_equal(nn_backward_batch(net, m, y), NN_OK);
            assert_int_equal(nn_get_grads(net, grads, n_params), NN_OK);
            for (size_t i = 0; i < n_params; i++)
                grads[i] /= (double)m;
            assert_int_equal(nn_set_grads(net, grads, n_params), NN_OK);
            assert_int_equal(nn_optimizer_step(opt, net, rate), NN_OK);
            loss_sum += loss;
        }
        const size_t nv = nn_dataset_row_count(valid);
        double valid_sum = 0.0;
        for (size_t start = 0; start < nv; start += BATCH) {
            const size_t m = nv - start < BATCH ? nv - start : BATCH;
            double loss = 0.0;
            assert_int_equal(
                nn_forward_batch(net, m, nn_dataset_inputs(valid) + start * N_IN, out), NN_OK);
            assert_int_equal(
                nn_loss_batch(net, m, nn_dataset_targets(valid) + start * N_OUT, &loss), NN_OK);
            valid_sum += loss;
        }
        history[epoch * 2] = loss_sum / (double)n;
        history[epoch * 2 + 1] = valid_sum / (double)nv;
    }
    nn_rng_free(rng);
    nn_optimizer_free(opt);
}

static void check_matches_hand_loop(int kind, double rate)
{
    enum { EPOCHS = 4 };
    nn_dataset_t *train = make_set(ROWS, 1, 1.0), *valid = make_set(VAL_ROWS, 2, 1.0);
    nn_t *by_hand = make_network(), *by_loop = make_network();
    double hand[EPOCHS * 2], history[EPOCHS * NN_HISTORY_COLUMNS];
    hand_loop(by_hand, train, valid, kind, rate, EPOCHS, 5, hand);
    nn_train_options_t *o = make_options(kind, rate, EPOCHS);
    size_t n_epochs = 0;
    assert_int_equal(nn_train(by_loop, train, valid, o, history, EPOCHS * NN_HISTORY_COLUMNS,
                              &n_epochs),
                     NN_OK);
    assert_int_equal(n_epochs, EPOCHS);
    assert_same_params(by_hand, by_loop);
    for (size_t e = 0; e < EPOCHS; e++) {
        const double *row = history + e * NN_HISTORY_COLUMNS;
        assert_true(row[NN_HISTORY_EPOCH] == (double)(e + 1));
        assert_true(row[NN_HISTORY_TRAIN_LOSS] == hand[e * 2]);
        assert_true(row[NN_HISTORY_VALIDATION_LOSS] == hand[e * 2 + 1]);
        assert_true(row[NN_HISTORY_LEARNING_RATE] == rate);
        assert_true(row[NN_HISTORY_SECONDS] >= 0.0);
        assert_true(row[NN_HISTORY_VALIDATION_METRIC] > 0.0); /* an MSE */
    }
    assert_true(history[NN_HISTORY_COLUMNS + NN_HISTORY_TRAIN_LOSS] <
                history[NN_HISTORY_TRAIN_LOSS]);
    assert_int_equal(nn_get_reduction(by_loop), NN_REDUCTION_SUM);
    nn_train_options_free(o);
    nn_free(by_hand);
    nn_free(by_loop);
    nn_dataset_free(train);
    nn_dataset_free(valid);
}

static void test_matches_hand_loop_sgd(void **state)
{
    (void)state;
    check_matches_hand_loop(NN_OPT_SGD, 0.1);
}

static void test_matches_hand_loop_adam(void **state)
{
    (void)state;
    check_matches_hand_loop(NN_OPT_ADAM, 0.01);
}

/* ---- the epoch callback ---- */

struct stop_after {
    size_t epochs, calls;
    double last_row[NN_HISTORY_COLUMNS];
};

static int stop_after(void *context, size_t epoch, const double *metrics, size_t n_metrics)
{
    struct stop_after *s = context;
    assert_int_equal(n_metrics, NN_HISTORY_COLUMNS);
    assert_true(metrics[NN_HISTORY_EPOCH] == (double)epoch);
    memcpy(s->last_row, metrics, sizeof s->last_row);
    s->calls++;
    return epoch == s->epochs;
}

static void test_callback_stops(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, 1, 1.0);
    nn_t *net = make_network(), *three = make_network();
    nn_train_options_t *o = make_options(NN_OPT_SGD, 0.1, 10);
    struct stop_after s = {3, 0, {0}};
    assert_int_equal(nn_train_options_set_epoch_callback(o, stop_after, &s), NN_OK);
    double history[10 * NN_HISTORY_COLUMNS];
    size_t n_epochs = 0;
    assert_int_equal(nn_train(net, train, NULL, o, history, 10 * NN_HISTORY_COLUMNS, &n_epochs),
                     NN_OK);
    assert_int_equal(n_epochs, 3);
    assert_int_equal(s.calls, 3);
    assert_memory_equal(s.last_row, history + 2 * NN_HISTORY_COLUMNS, sizeof s.last_row);
    assert_true(isnan(s.last_row[NN_HISTORY_VALIDATION_LOSS]));
    assert_true(isnan(s.last_row[NN_HISTORY_VALIDATION_METRIC]));
    /* the same as three epochs */
    assert_int_equal(nn_train_options_set_epoch_callback(o, NULL, NULL), NN_OK);
    assert_int_equal(nn_train_options_set_epochs(o, 3), NN_OK);
    assert_int_equal(nn_train(three, train, NULL, o, NULL, 0, NULL), NN_OK);
    assert_same_params(net, three);
    nn_train_options_free(o);
    nn_free(net);
    nn_free(three);
    nn_dataset_free(train);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_hand_loop_sgd),
        cmocka_unit_test(test_matches_hand_loop_adam),
        cmocka_unit_test(test_callback_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

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
                      int kind, double rate, double clip, size_t epochs, unsigned long seed,
                      double *history)
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
            double norm = 0.0;
            if (clip > 0.0) {
                assert_int_equal(nn_clip_grad_norm(net, clip, &norm), NN_OK);
                assert_true(norm > clip); /* the clipping acts */
            }
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

static void check_matches_hand_loop(int kind, double rate, double clip)
{
    enum { EPOCHS = 4 };
    nn_dataset_t *train = make_set(ROWS, 1, 1.0), *valid = make_set(VAL_ROWS, 2, 1.0);
    nn_t *by_hand = make_network(), *by_loop = make_network();
    double hand[EPOCHS * 2], history[EPOCHS * NN_HISTORY_COLUMNS];
    hand_loop(by_hand, train, valid, kind, rate, clip, EPOCHS, 5, hand);
    nn_train_options_t *o = make_options(kind, rate, EPOCHS);
    assert_int_equal(nn_train_options_set_clip(o, clip), NN_OK);
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
    check_matches_hand_loop(NN_OPT_SGD, 0.1, 0.0);
}

static void test_matches_hand_loop_adam(void **state)
{
    (void)state;
    check_matches_hand_loop(NN_OPT_ADAM, 0.01, 0.0);
}

/* with clipping small enough to act on every batch */
static void test_matches_hand_loop_clipped(void **state)
{
    (void)state;
    check_matches_hand_loop(NN_OPT_ADAM, 0.01, 0.05);
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

/* ---- early stopping ---- */

/* Validation targets of the opposite sign: the validation loss rises from
   the first epoch on, so the first epoch is the best. */
static void test_early_stopping_restores_best(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, 1, 1.0), *valid = make_set(VAL_ROWS, 2, -1.0);
    nn_t *net = make_network(), *one = make_network(), *kept = make_network();
    nn_train_options_t *o = make_options(NN_OPT_SGD, 0.2, 50);
    assert_int_equal(nn_train_options_set_patience(o, 2, 0.0), NN_OK);
    double history[50 * NN_HISTORY_COLUMNS];
    size_t n_epochs = 0;
    assert_int_equal(nn_train(net, train, valid, o, history, 50 * NN_HISTORY_COLUMNS, &n_epochs),
                     NN_OK);
    assert_int_equal(n_epochs, 3);
    const double *v = history + NN_HISTORY_VALIDATION_LOSS;
    assert_true(v[0] < v[NN_HISTORY_COLUMNS] && v[NN_HISTORY_COLUMNS] < v[2 * NN_HISTORY_COLUMNS]);
    /* the parameters after the first epoch */
    nn_train_options_t *o1 = make_options(NN_OPT_SGD, 0.2, 1);
    assert_int_equal(nn_train(one, train, valid, o1, NULL, 0, NULL), NN_OK);
    assert_same_params(net, one);
    /* without restoring: the parameters after the third */
    assert_int_equal(nn_train_options_set_restore_best(o, 0), NN_OK);
    assert_int_equal(nn_train(kept, train, valid, o, NULL, 0, &n_epochs), NN_OK);
    assert_int_equal(n_epochs, 3);
    assert_int_equal(nn_train_options_set_epochs(o1, 3), NN_OK);
    nn_t *three = make_network();
    assert_int_equal(nn_train(three, train, valid, o1, NULL, 0, NULL), NN_OK);
    assert_same_params(kept, three);
    /* a minimum improvement larger than any decrease stops after 1 + patience */
    nn_t *strict = make_network();
    assert_int_equal(nn_train_options_set_patience(o, 4, 1e9), NN_OK);
    nn_dataset_t *same = make_set(VAL_ROWS, 2, 1.0);
    assert_int_equal(nn_train(strict, train, same, o, NULL, 0, &n_epochs), NN_OK);
    assert_int_equal(n_epochs, 5);
    nn_dataset_free(same);
    nn_free(strict);
    nn_free(three);
    nn_train_options_free(o1);
    nn_train_options_free(o);
    nn_free(net);
    nn_free(one);
    nn_free(kept);
    nn_dataset_free(train);
    nn_dataset_free(valid);
}

/* ---- the batch hook ---- */

struct hook_log {
    size_t calls;
    double first[64];
    size_t first_rows;
    size_t replace_rows; /* 0: keep the count */
};

static nn_status log_hook(void *context, double *grads, size_t n_params, size_t *n_rows)
{
    struct hook_log *h = context;
    assert_true(n_params <= 64);
    if (h->calls++ == 0) {
        memcpy(h->first, grads, n_params * sizeof *grads);
        h->first_rows = *n_rows;
    }
    if (h->replace_rows != 0)
        *n_rows = h->replace_rows;
    return NN_OK;
}

/* The hook sees the sum of the first batch's gradients (unshuffled: rows
   0 .. BATCH-1), as nn_backward_batch() gives it. */
static void test_hook_sees_batch_sums(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, 1, 1.0);
    nn_t *net = make_network(), *by_hand = make_network();
    nn_train_options_t *o = make_options(NN_OPT_SGD, 0.1, 2);
    assert_int_equal(nn_train_options_set_shuffle(o, 0), NN_OK);
    struct hook_log h = {0, {0}, 0, 0};
    assert_int_equal(nn_train_options_set_batch_hook(o, log_hook, &h), NN_OK);
    assert_int_equal(nn_train(net, train, NULL, o, NULL, 0, NULL), NN_OK);
    assert_int_equal(h.calls, 2 * ((ROWS + BATCH - 1) / BATCH));
    assert_int_equal(h.first_rows, BATCH);
    assert_int_equal(nn_forward_batch(by_hand, BATCH, nn_dataset_inputs(train), NULL), NN_OK);
    assert_int_equal(nn_backward_batch(by_hand, BATCH, nn_dataset_targets(train)), NN_OK);
    double *sums = grads_of(by_hand);
    assert_memory_equal(h.first, sums, nn_param_count(net) * sizeof(double));
    free(sums);
    nn_train_options_free(o);
    nn_free(net);
    nn_free(by_hand);
    nn_dataset_free(train);
}

/* A count of 1 makes the step follow the sum: SGD's p - rate * sum. */
static void test_hook_count_changes_step(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(BATCH, 1, 1.0);
    nn_t *net = make_network(), *by_hand = make_network();
    nn_train_options_t *o = make_options(NN_OPT_SGD, 0.1, 1);
    struct hook_log h = {0, {0}, 0, 1};
    assert_int_equal(nn_train_options_set_batch_hook(o, log_hook, &h), NN_OK);
    assert_int_equal(nn_train(net, train, NULL, o, NULL, 0, NULL), NN_OK);
    assert_int_equal(h.calls, 1);
    /* one batch of every row: the order does not change the sum's bits here,
       so compare with the sum over the rows in the set's order within rounding,
       and exactly with the step on the sum the hook saw */
    assert_int_equal(nn_set_grads(by_hand, h.first, nn_param_count(by_hand)), NN_OK);
    assert_int_equal(nn_step(by_hand, 0.1), NN_OK);
    assert_same_params(net, by_hand);
    /* with the count given back unchanged the step is 1/BATCH of that */
    nn_t *mean = make_network();
    h.calls = 0;
    h.replace_rows = 0;
    assert_int_equal(nn_train(mean, train, NULL, o, NULL, 0, NULL), NN_OK);
    double *p0 = NULL, *p1 = params_of(mean), *p2 = params_of(net);
    nn_t *start = make_network();
    p0 = params_of(start);
    for (size_t i = 0; i < nn_param_count(net); i++)
        assert_rel(p2[i] - p0[i], BATCH * (p1[i] - p0[i]), 1e-9);
    free(p0);
    free(p1);
    free(p2);
    nn_free(start);
    nn_free(mean);
    nn_train_options_free(o);
    nn_free(net);
    nn_free(by_hand);
    nn_dataset_free(train);
}

static nn_status failing_hook(void *context, double *grads, size_t n_params, size_t *n_rows)
{
    (void)grads;
    (void)n_params;
    size_t *calls = context;
    if (++*calls == 3)
        return NN_ERR_IO;
    if (*calls == 2)
        *n_rows = 0;
    return NN_OK;
}

/* A hook's status ends training with it; a count of 0 is NN_ERR_ARGUMENT. */
static void test_hook_status_ends_training(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, 1, 1.0);
    nn_t *net = make_network();
    nn_train_options_t *o = make_options(NN_OPT_SGD, 0.1, 3);
    size_t calls = 0;
    assert_int_equal(nn_train_options_set_batch_hook(o, failing_hook, &calls), NN_OK);
    assert_int_equal(nn_train(net, train, NULL, o, NULL, 0, NULL), NN_ERR_ARGUMENT);
    assert_int_equal(calls, 2);
    calls = 2; /* the next call fails */
    size_t n_epochs = 9;
    assert_int_equal(nn_train(net, train, NULL, o, NULL, 0, &n_epochs), NN_ERR_IO);
    assert_int_equal(n_epochs, 0);
    nn_train_options_free(o);
    nn_free(net);
    nn_dataset_free(train);
}

/* ---- divergence ---- */

struct blow_up {
    size_t calls, at;
};

/* From batch `at` on, gradients too large for any finite step. */
static nn_status blow_up_hook(void *context, double *grads, size_t n_params, size_t *n_rows)
{
    (void)n_rows;
    struct blow_up *b = context;
    if (++b->calls >= b->at)
        for (size_t i = 0; i < n_params; i++)
            grads[i] = 1e308;
    return NN_OK;
}

static void test_divergence_keeps_best(void **state)
{
    (void)state;
    enum { PER_EPOCH = (ROWS + BATCH - 1) / BATCH };
    nn_dataset_t *train = make_set(ROWS, 1, 1.0);
    nn_t *net = make_network(), *best = make_network(), *start = make_network();
    nn_train_options_t *o = make_options(NN_OPT_SGD, 0.1, 10);
    /* in the third epoch: the best of the first two (the training loss falls) */
    struct blow_up b = {0, 2 * PER_EPOCH + 2};
    assert_int_equal(nn_train_options_set_batch_hook(o, blow_up_hook, &b), NN_OK);
    double history[10 * NN_HISTORY_COLUMNS];
    size_t n_epochs = 0;
    assert_int_equal(nn_train(net, train, NULL, o, history, 10 * NN_HISTORY_COLUMNS, &n_epochs),
                     NN_ERR_DIVERGED);
    assert_int_equal(n_epochs, 2);
    assert_true(history[NN_HISTORY_COLUMNS + NN_HISTORY_TRAIN_LOSS] <
                history[NN_HISTORY_TRAIN_LOSS]);
    nn_train_options_t *two = make_options(NN_OPT_SGD, 0.1, 2);
    assert_int_equal(nn_train(best, train, NULL, two, NULL, 0, NULL), NN_OK);
    assert_same_params(net, best);
    double *g = grads_of(net);
    assert_true(max_abs(g, nn_param_count(net)) == 0.0);
    free(g);
    /* in the first epoch: the parameters of the start */
    nn_t *early = make_network();
    b.calls = 0;
    b.at = 1;
    assert_int_equal(nn_train(early, train, NULL, o, NULL, 0, &n_epochs), NN_ERR_DIVERGED);
    assert_int_equal(n_epochs, 0);
    assert_same_params(early, start);
    nn_free(early);
    nn_train_options_free(two);
    nn_train_options_free(o);
    nn_free(net);
    nn_free(best);
    nn_free(start);
    nn_dataset_free(train);
}

/* ---- saving and resuming ---- */

static char *temp_path(const char *name)
{
    char *path = malloc(256);
    assert_non_null(path);
    snprintf(path, 256, "/tmp/backprop-trainer-%ld-%s", (long)getpid(), name);
    return path;
}

/* Stopped after k epochs, saved, loaded into a new trainer of a new network
   and run on: the bits of an uninterrupted run, history included (but its
   times). Adam, a held-out validation fraction, shuffling, a schedule,
   clipping and early stopping all carry state across the stop. */
static void test_resume_is_exact(void **state)
{
    (void)state;
    enum { EPOCHS = 7, STOP = 3 };
    nn_dataset_t *train = make_set(ROWS + VAL_ROWS, 1, 1.0);
    nn_train_options_t *o = make_options(NN_OPT_ADAM, 0.02, EPOCHS);
    assert_int_equal(nn_train_options_set_validation_fraction(o, 0.25, 0), NN_OK);
    assert_int_equal(nn_train_options_set_schedule(o, NN_SCHEDULE_STEP, 2, 0.5), NN_OK);
    assert_int_equal(nn_train_options_set_clip(o, 0.5), NN_OK);
    assert_int_equal(nn_train_options_set_patience(o, 10, 0.0), NN_OK);
    nn_t *whole = make_network(), *first = make_network(), *second = make_network();
    nn_trainer_t *t = NULL;
    assert_int_equal(nn_trainer_create(&t, whole, o), NN_OK);
    assert_int_equal(nn_trainer_run(t, train, NULL), NN_OK);
    double expected[EPOCHS * NN_HISTORY_COLUMNS], got[EPOCHS * NN_HISTORY_COLUMNS];
    size_t n_epochs = 0;
    assert_int_equal(nn_trainer_history(t, expected, EPOCHS * NN_HISTORY_COLUMNS, &n_epochs),
                     NN_OK);
    assert_int_equal(n_epochs, EPOCHS);
    nn_trainer_free(t);

    struct stop_after s = {STOP, 0, {0}};
    assert_int_equal(nn_train_options_set_epoch_callback(o, stop_after, &s), NN_OK);
    assert_int_equal(nn_trainer_create(&t, first, o), NN_OK);
    assert_int_equal(nn_trainer_run(t, train, NULL), NN_OK);
    assert_int_equal(nn_trainer_history(t, got, 0, &n_epochs), NN_ERR_BUFFER_SIZE);
    assert_int_equal(n_epochs, STOP);
    char *path = temp_path("resume.txt");
    assert_int_equal(nn_trainer_save(t, path), NN_OK);
    nn_trainer_free(t);

    s.epochs = 0; /* never stops again */
    assert_int_equal(nn_trainer_create(&t, second, o), NN_OK);
    assert_int_equal(nn_trainer_load(t, path), NN_OK);
    assert_same_params(second, first);
    assert_int_equal(nn_trainer_run(t, train, NULL), NN_OK);
    assert_int_equal(nn_trainer_history(t, got, EPOCHS * NN_HISTORY_COLUMNS, &n_epochs), NN_OK);
    assert_int_equal(n_epochs, EPOCHS);
    assert_same_params(second, whole);
    for (size_t e = 0; e < EPOCHS; e++)
        for (size_t c = 0; c < NN_HISTORY_SECONDS; c++)
            assert_memory_equal(&got[e * NN_HISTORY_COLUMNS + c],
                                &expected[e * NN_HISTORY_COLUMNS + c], sizeof(double));
    /* a finished trainer runs no more */
    assert_int_equal(nn_trainer_run(t, train, NULL), NN_OK);
    assert_same_params(second, whole);
    nn_trainer_free(t);

    /* the file is a model file: nn_load() reads its network */
    nn_t *loaded = NULL;
    assert_int_equal(nn_load(&loaded, path), NN_OK);
    assert_same_params(loaded, first);
    nn_free(loaded);
    /* a trainer of another optimiser or layout refuses it, unchanged */
    nn_train_options_t *sgd = make_options(NN_OPT_SGD, 0.02, EPOCHS);
    nn_t *other = make_network();
    double *before = params_of(other);
    assert_int_equal(nn_trainer_create(&t, other, sgd), NN_OK);
    assert_int_equal(nn_trainer_load(t, path), NN_ERR_ARGUMENT);
    assert_int_equal(nn_trainer_history(t, NULL, 0, &n_epochs), NN_OK);
    assert_int_equal(n_epochs, 0);
    double *after = params_of(other);
    assert_memory_equal(before, after, nn_param_count(other) * sizeof(double));
    nn_trainer_free(t);
    static const size_t sizes[3] = {N_IN, 4, N_OUT};
    static const int acts[2] = {NN_ACT_TANH, NN_ACT_LINEAR};
    nn_t *smaller = create_net(3, sizes, acts);
    assert_int_equal(nn_trainer_create(&t, smaller, o), NN_OK);
    assert_int_equal(nn_trainer_load(t, path), NN_ERR_COUNT);
    nn_trainer_free(t);
    /* a plain model file has no trainer state */
    assert_int_equal(nn_save(smaller, path), NN_OK);
    assert_int_equal(nn_trainer_create(&t, smaller, o), NN_OK);
    assert_int_equal(nn_trainer_load(t, path), NN_ERR_FORMAT);
    nn_trainer_free(t);
    nn_free(smaller);
    free(before);
    free(after);
    nn_free(other);
    nn_train_options_free(sgd);
    remove(path);
    free(path);
    nn_train_options_free(o);
    nn_free(whole);
    nn_free(first);
    nn_free(second);
    nn_dataset_free(train);
}

/* A run saved after its last epoch goes on to more epochs when a trainer
   with more loads it: the bits of a run of the larger count from the start
   (the schedule and the generator continue). */
static void test_resume_runs_more_epochs(void **state)
{
    (void)state;
    enum { FIRST = 2, MORE = 5 };
    nn_dataset_t *train = make_set(ROWS, 1, 1.0);
    nn_train_options_t *few = make_options(NN_OPT_ADAM, 0.02, FIRST);
    nn_train_options_t *many = make_options(NN_OPT_ADAM, 0.02, MORE);
    assert_int_equal(nn_train_options_set_schedule(few, NN_SCHEDULE_STEP, 2, 0.5), NN_OK);
    assert_int_equal(nn_train_options_set_schedule(many, NN_SCHEDULE_STEP, 2, 0.5), NN_OK);
    nn_t *whole = make_network(), *first = make_network(), *second = make_network();
    assert_int_equal(nn_train(whole, train, NULL, many, NULL, 0, NULL), NN_OK);
    nn_trainer_t *t = NULL;
    assert_int_equal(nn_trainer_create(&t, first, few), NN_OK);
    assert_int_equal(nn_trainer_run(t, train, NULL), NN_OK);
    char *path = temp_path("more.txt");
    assert_int_equal(nn_trainer_save(t, path), NN_OK);
    nn_trainer_free(t);
    /* the same count: ended, nothing more runs */
    assert_int_equal(nn_trainer_create(&t, second, few), NN_OK);
    assert_int_equal(nn_trainer_load(t, path), NN_OK);
    assert_int_equal(nn_trainer_run(t, train, NULL), NN_OK);
    assert_same_params(second, first);
    nn_trainer_free(t);
    /* more epochs: goes on */
    size_t n_epochs = 0;
    assert_int_equal(nn_trainer_create(&t, second, many), NN_OK);
    assert_int_equal(nn_trainer_load(t, path), NN_OK);
    assert_int_equal(nn_trainer_run(t, train, NULL), NN_OK);
    assert_int_equal(nn_trainer_history(t, NULL, 0, &n_epochs), NN_ERR_BUFFER_SIZE);
    assert_int_equal(n_epochs, MORE);
    assert_same_params(second, whole);
    nn_trainer_free(t);
    remove(path);
    free(path);
    nn_train_options_free(few);
    nn_train_options_free(many);
    nn_free(whole);
    nn_free(first);
    nn_free(second);
    nn_dataset_free(train);
}

/* ---- the order file ---- */

/* The numbers of the line that begins with label. */
static size_t read_line(const char *path, const char *label, size_t *rows, size_t max)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char word[64];
    size_t n = 0;
    int in_line = 0;
    int c;
    while (fscanf(f, "%63s", word) == 1) {
        if (word[0] < '0' || word[0] > '9') {
            if (in_line)
                break;
            in_line = strcmp(word, label) == 0;
        } else if (in_line) {
            assert_true(n < max);
            rows[n++] = (size_t)strtoul(word, NULL, 10);
        }
        (void)c;
    }
    fclose(f);
    return n;
}

static void test_order_file(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, 1, 1.0), *valid = make_set(VAL_ROWS, 2, 1.0);
    nn_t *net = make_network();
    nn_train_options_t *o = make_options(NN_OPT_SGD, 0.1, 2);
    char *path = temp_path("order.txt");
    assert_int_equal(nn_train_options_set_order_file(o, path), NN_OK);
    assert_int_equal(nn_train(net, train, valid, o, NULL, 0, NULL), NN_OK);
    size_t rows[ROWS], expected[ROWS];
    assert_int_equal(read_line(path, "train", rows, ROWS), ROWS);
    for (size_t i = 0; i < ROWS; i++)
        assert_int_equal(rows[i], i);
    assert_int_equal(read_line(path, "validation", rows, ROWS), VAL_ROWS);
    nn_rng_t *rng = NULL;
    assert_int_equal(nn_rng_create(&rng, 5), NN_OK);
    assert_int_equal(nn_rng_permutation(rng, ROWS, expected), NN_OK);
    assert_int_equal(read_line(path, "epoch1", rows, ROWS), ROWS);
    assert_memory_equal(rows, expected, sizeof rows);
    assert_int_equal(nn_rng_permutation(rng, ROWS, expected), NN_OK);
    assert_int_equal(read_line(path, "epoch2", rows, ROWS), ROWS);
    assert_memory_equal(rows, expected, sizeof rows);
    assert_int_equal(read_line(path, "epoch3", rows, ROWS), 0);
    nn_rng_free(rng);
    remove(path);
    free(path);
    nn_train_options_free(o);
    nn_free(net);
    nn_dataset_free(train);
    nn_dataset_free(valid);
}

/* ---- the validation metric ---- */

/* With class names the metric is the accuracy, counted here by hand. */
static void test_accuracy_metric(void **state)
{
    (void)state;
    double *x = random_rows(ROWS * N_IN, 3, -1.0, 1.0), t[ROWS * N_OUT];
    for (size_t i = 0; i < ROWS; i++) {
        const int k = x[i * N_IN] + x[i * N_IN + 1] > 0.0;
        t[i * N_OUT] = k ? 0.0 : 1.0;
        t[i * N_OUT + 1] = k ? 1.0 : 0.0;
    }
    nn_dataset_t *d = NULL;
    assert_int_equal(nn_dataset_create(&d, ROWS, N_IN, N_OUT, x, t), NN_OK);
    static const char *const names[2] = {"no", "yes"};
    assert_int_equal(nn_dataset_set_class_names(d, 2, names), NN_OK);
    nn_t *net = make_network();
    nn_train_options_t *o = make_options(NN_OPT_SGD, 0.1, 2);
    double history[2 * NN_HISTORY_COLUMNS];
    assert_int_equal(nn_train(net, d, d, o, history, 2 * NN_HISTORY_COLUMNS, NULL), NN_OK);
    double out[ROWS * N_OUT];
    assert_int_equal(nn_forward_batch(net, ROWS, x, out), NN_OK);
    size_t right = 0;
    for (size_t i = 0; i < ROWS; i++)
        right += (out[i * N_OUT + 1] > out[i * N_OUT]) == (t[i * N_OUT + 1] == 1.0);
    assert_true(history[NN_HISTORY_COLUMNS + NN_HISTORY_VALIDATION_METRIC] ==
                (double)right / ROWS);
    nn_train_options_free(o);
    nn_free(net);
    nn_dataset_free(d);
    free(x);
}

/* ---- target scaling ---- */

/* A network that scales its targets trains on the raw set as a network
   without scaling on the set scaled by hand. */
static void test_target_scaling(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, 1, 1.0), *valid = make_set(VAL_ROWS, 2, 1.0);
    nn_t *scaling = make_network(), *plain = make_network();
    static const double offset[N_OUT] = {0.25, -0.5}, scale[N_OUT] = {2.0, 0.5};
    assert_int_equal(nn_set_target_scaling(scaling, offset, scale, N_OUT), NN_OK);
    double t[ROWS * N_OUT], tv[VAL_ROWS * N_OUT];
    assert_int_equal(nn_scale_targets(scaling, ROWS, nn_dataset_targets(train), t), NN_OK);
    assert_int_equal(nn_scale_targets(scaling, VAL_ROWS, nn_dataset_targets(valid), tv), NN_OK);
    assert_true(t[1] == (nn_dataset_targets(train)[1] + 0.5) / 0.5);
    nn_dataset_t *scaled = NULL, *scaled_valid = NULL;
    assert_int_equal(nn_dataset_create(&scaled, ROWS, N_IN, N_OUT, nn_dataset_inputs(train), t),
                     NN_OK);
    assert_int_equal(
        nn_dataset_create(&scaled_valid, VAL_ROWS, N_IN, N_OUT, nn_dataset_inputs(valid), tv),
        NN_OK);
    nn_train_options_t *o = make_options(NN_OPT_ADAM, 0.01, 3);
    double h1[3 * NN_HISTORY_COLUMNS], h2[3 * NN_HISTORY_COLUMNS];
    assert_int_equal(nn_train(scaling, train, valid, o, h1, 3 * NN_HISTORY_COLUMNS, NULL), NN_OK);
    assert_int_equal(nn_train(plain, scaled, scaled_valid, o, h2, 3 * NN_HISTORY_COLUMNS, NULL),
                     NN_OK);
    assert_same_params(scaling, plain);
    for (size_t e = 0; e < 3; e++)
        for (size_t c = 0; c < NN_HISTORY_SECONDS; c++)
            assert_true(h1[e * NN_HISTORY_COLUMNS + c] == h2[e * NN_HISTORY_COLUMNS + c]);
    nn_train_options_free(o);
    nn_dataset_free(scaled);
    nn_dataset_free(scaled_valid);
    nn_free(scaling);
    nn_free(plain);
    nn_dataset_free(train);
    nn_dataset_free(valid);
}

/* ---- the section `trainer` refused ---- */

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    const long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    char *text = malloc((size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* text with the first `from` replaced by `to`, written to path */
static void write_replaced(const char *text, const char *from, const char *to, const char *path)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(text, 1, (size_t)(at - text), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
}

static void test_malformed_trainer_section(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, 1, 1.0);
    nn_t *net = make_network();
    nn_train_options_t *o = make_options(NN_OPT_SGD, 0.1, 4);
    struct stop_after s = {2, 0, {0}};
    assert_int_equal(nn_train_options_set_epoch_callback(o, stop_after, &s), NN_OK);
    nn_trainer_t *t = NULL;
    assert_int_equal(nn_trainer_create(&t, net, o), NN_OK);
    assert_int_equal(nn_trainer_run(t, train, NULL), NN_OK);
    char *path = temp_path("saved.txt"), *bad = temp_path("bad.txt");
    assert_int_equal(nn_trainer_save(t, path), NN_OK);
    char *text = read_all(path);
    static const char *const cases[][2] = {
        {"position 0", "position 1"},
        {"finished 0", "finished 2"},
        {"history 2", "history 1"},
        {"best_epoch", "best_epok"},
        {"rng 625", "rng 624"},
        {"\n0\n# best", "\n625\n# best"},
        {"best_score 0x", "best_score zz"},
        {"epoch 2", "epoch 2 3"},
    };
    nn_t *fresh = make_network();
    nn_trainer_t *other = NULL;
    assert_int_equal(nn_trainer_create(&other, fresh, o), NN_OK);
    double *before = params_of(fresh);
    size_t tried = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strstr(text, cases[i][0]) == NULL)
            continue; /* the generator's index need not be 0 */
        tried++;
        write_replaced(text, cases[i][0], cases[i][1], bad);
        nn_t *loaded = NULL;
        char message[256] = "";
        assert_int_equal(nn_load_with(&loaded, bad, NULL, message, sizeof message), NN_ERR_FORMAT);
        assert_non_null(strstr(message, "line "));
        assert_int_equal(nn_trainer_load(other, bad), NN_ERR_FORMAT);
    }
    assert_true(tried >= 7);
    size_t n_epochs = 9;
    assert_int_equal(nn_trainer_history(other, NULL, 0, &n_epochs), NN_OK);
    assert_int_equal(n_epochs, 0);
    double *after = params_of(fresh);
    assert_memory_equal(before, after, nn_param_count(fresh) * sizeof(double));
    /* the unchanged text loads */
    assert_int_equal(nn_trainer_load(other, path), NN_OK);
    assert_int_equal(nn_trainer_history(other, NULL, 0, &n_epochs), NN_ERR_BUFFER_SIZE);
    assert_int_equal(n_epochs, 2);
    free(before);
    free(after);
    nn_trainer_free(other);
    nn_free(fresh);
    remove(path);
    remove(bad);
    free(path);
    free(bad);
    free(text);
    nn_trainer_free(t);
    nn_train_options_free(o);
    nn_free(net);
    nn_dataset_free(train);
}

/* ---- threads ---- */

/* Two threads give the bits of one, or the build refuses them. */
static void test_threads(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, 1, 1.0);
    nn_t *one = make_network(), *two = make_network();
    nn_train_options_t *o = make_options(NN_OPT_ADAM, 0.01, 2);
    assert_int_equal(nn_train(one, train, NULL, o, NULL, 0, NULL), NN_OK);
    assert_int_equal(nn_train_options_set_threads(o, 2), NN_OK);
    nn_trainer_t *t = NULL;
    const nn_status status = nn_trainer_create(&t, two, o);
    if (status == NN_OK) {
        assert_int_equal(nn_trainer_run(t, train, NULL), NN_OK);
        assert_same_params(one, two);
        nn_trainer_free(t);
    } else {
        assert_int_equal(status, NN_ERR_ARGUMENT);
    }
    assert_int_equal(nn_get_threads(two), 1);
    nn_train_options_free(o);
    nn_free(one);
    nn_free(two);
    nn_dataset_free(train);
}

/* ---- options ---- */

static void test_bad_options(void **state)
{
    (void)state;
    nn_train_options_t *o = NULL;
    assert_int_equal(nn_train_options_create(NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_train_options_create(&o), NN_OK);
    assert_int_equal(nn_train_options_set_epochs(NULL, 1), NN_ERR_NULL_ARG);
    assert_int_equal(nn_train_options_set_epochs(o, 0), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_epochs(o, NN_MAX_EPOCHS + 1), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_batch_size(o, 0), NN_ERR_BATCH_SIZE);
    assert_int_equal(nn_train_options_set_shuffle(o, 2), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_optimizer(o, 99), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_hyperparameter(o, 99, 0.5), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_hyperparameter(o, NN_HP_BETA1, 1.5), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_hyperparameter(o, NN_HP_BETA1, NAN), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_train_options_set_learning_rate(o, 0.0), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_learning_rate(o, INFINITY), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_train_options_set_schedule(o, 99, 1, 1), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_schedule(o, NN_SCHEDULE_STEP, 0.5, 0.5),
                     NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_schedule(o, NN_SCHEDULE_COSINE, 10, -1),
                     NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_schedule(o, NN_SCHEDULE_LINEAR, 10, 0), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_schedule(o, NN_SCHEDULE_EXPONENTIAL, 0, 0),
                     NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_schedule(o, NN_SCHEDULE_STEP, NAN, 1), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_train_options_set_linear_end_factor(o, 1.5), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_clip(o, -1.0), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_validation_fraction(o, 1.0, 0), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_validation_fraction(o, 0.5, 2), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_patience(o, 3, -0.1), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_restore_best(o, 5), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_threads(o, 65), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_order_file(o, ""), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_epoch_callback(NULL, NULL, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_train_options_set_batch_hook(NULL, NULL, NULL), NN_ERR_NULL_ARG);

    /* the refused settings left the defaults: 10 epochs of SGD */
    nn_dataset_t *train = make_set(ROWS, 1, 1.0);
    nn_t *net = make_network();
    size_t n_epochs = 0;
    assert_int_equal(nn_train(net, train, NULL, o, NULL, 0, &n_epochs), NN_OK);
    assert_int_equal(n_epochs, 10);

    /* a hyperparameter the kind does not take */
    nn_trainer_t *t = NULL;
    assert_int_equal(nn_train_options_set_hyperparameter(o, NN_HP_BETA1, 0.8), NN_OK);
    assert_int_equal(nn_trainer_create(&t, net, o), NN_ERR_ARGUMENT);
    assert_null(t);
    assert_int_equal(nn_trainer_create(&t, NULL, o), NN_ERR_NULL_ARG);
    assert_int_equal(nn_train_options_set_optimizer(o, NN_OPT_ADAM), NN_OK);
    assert_int_equal(nn_trainer_create(&t, net, o), NN_OK);
    /* sets that do not fit, a set and a fraction */
    nn_dataset_t *wide = NULL;
    double row[N_IN + 1] = {0.1, 0.2, 0.3, 0.4}, target[N_OUT] = {0.0, 1.0};
    assert_int_equal(nn_dataset_create(&wide, 1, N_IN + 1, N_OUT, row, target), NN_OK);
    double *before = params_of(net);
    assert_int_equal(nn_trainer_run(t, wide, NULL), NN_ERR_COUNT);
    assert_int_equal(nn_trainer_run(t, train, wide), NN_ERR_COUNT);
    assert_int_equal(nn_trainer_run(NULL, train, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_trainer_run(t, NULL, NULL), NN_ERR_NULL_ARG);
    nn_trainer_free(t);
    assert_int_equal(nn_train_options_set_validation_fraction(o, 0.2, 0), NN_OK);
    assert_int_equal(nn_trainer_create(&t, net, o), NN_OK);
    assert_int_equal(nn_trainer_run(t, train, train), NN_ERR_ARGUMENT);
    double *after = params_of(net);
    assert_memory_equal(before, after, nn_param_count(net) * sizeof(double));
    assert_int_equal(nn_trainer_history(t, NULL, 1, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_train(net, train, NULL, o, NULL, 1, NULL), NN_ERR_NULL_ARG);
    nn_trainer_free(t);
    nn_trainer_free(NULL);
    nn_train_options_free(NULL);
    free(before);
    free(after);
    nn_dataset_free(wide);
    nn_dataset_free(train);
    nn_free(net);
    nn_train_options_free(o);
}

#ifdef TRAINER_MALLOC_HOOKS
/* ---- no allocation once the epochs run ---- */

/* Arms the counts after the first epoch, reads them after the last. */
struct alloc_watch {
    size_t epochs;
    long libc_calls, net_calls;
};

static int watch_allocations(void *context, size_t epoch, const double *metrics, size_t n)
{
    (void)metrics;
    (void)n;
    struct alloc_watch *w = context;
    if (epoch == 1) {
        hooks_arm(&hooks_libc, 0);
        hooks_arm(&hooks_net, 0);
    } else if (epoch == w->epochs) {
        w->libc_calls = hooks_libc.calls;
        w->net_calls = hooks_net.calls;
        hooks_disarm(&hooks_libc);
        hooks_disarm(&hooks_net);
    }
    return 0;
}

static void test_no_allocation_in_epochs(void **state)
{
    (void)state;
    static const size_t sizes[3] = {N_IN, 5, N_OUT};
    static const int acts[2] = {NN_ACT_TANH, NN_ACT_LINEAR};
    nn_t *net = NULL;
    assert_int_equal(nn_create_with_allocator(&net, 3, sizes, acts, hook_alloc, hook_dealloc, NULL),
                     NN_OK);
    assert_int_equal(nn_init_random(net, 7, NN_INIT_UNIFORM, -0.5, 0.5), NN_OK);
    nn_dataset_t *train = make_set(ROWS + VAL_ROWS, 1, 1.0);
    nn_train_options_t *o = make_options(NN_OPT_ADAM, 0.01, 4);
    struct alloc_watch w = {4, -1, -1};
    struct hook_log h = {0, {0}, 0, 0};
    assert_int_equal(nn_train_options_set_epoch_callback(o, watch_allocations, &w), NN_OK);
    assert_int_equal(nn_train_options_set_batch_hook(o, log_hook, &h), NN_OK);
    assert_int_equal(nn_train_options_set_validation_fraction(o, 0.2, 0), NN_OK);
    assert_int_equal(nn_train_options_set_clip(o, 1.0), NN_OK);
    assert_int_equal(nn_train_options_set_patience(o, 3, 0.0), NN_OK);
    assert_int_equal(nn_train_options_set_schedule(o, NN_SCHEDULE_COSINE, 4, 0.001), NN_OK);
    assert_int_equal(nn_train(net, train, NULL, o, NULL, 0, NULL), NN_OK);
    assert_int_equal(w.libc_calls, 0);
    assert_int_equal(w.net_calls, 0);
    /* the counts work: the same run with the watch armed from the start
       sees the run's own allocations */
    assert_int_equal(nn_train_options_set_epoch_callback(o, NULL, NULL), NN_OK);
    hooks_arm(&hooks_libc, 0);
    assert_int_equal(nn_train(net, train, NULL, o, NULL, 0, NULL), NN_OK);
    assert_true(hooks_libc.calls > 0);
    hooks_disarm(&hooks_libc);
    nn_train_options_free(o);
    nn_dataset_free(train);
    nn_free(net);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_hand_loop_sgd),
        cmocka_unit_test(test_matches_hand_loop_adam),
        cmocka_unit_test(test_matches_hand_loop_clipped),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_early_stopping_restores_best),
        cmocka_unit_test(test_hook_sees_batch_sums),
        cmocka_unit_test(test_hook_count_changes_step),
        cmocka_unit_test(test_hook_status_ends_training),
        cmocka_unit_test(test_divergence_keeps_best),
        cmocka_unit_test(test_resume_is_exact),
        cmocka_unit_test(test_resume_runs_more_epochs),
        cmocka_unit_test(test_order_file),
        cmocka_unit_test(test_accuracy_metric),
        cmocka_unit_test(test_target_scaling),
        cmocka_unit_test(test_malformed_trainer_section),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_bad_options),
#ifdef TRAINER_MALLOC_HOOKS
        cmocka_unit_test(test_no_allocation_in_epochs),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Chunks, shards and collectives without MPI (nn_train_options_set_chunks(),
   _set_shard(), _set_collectives()). The chunked loop is written out here
   from its documented contract with public calls only and compared bit for
   bit with nn_train(). A fake cluster of threads, each with its own network
   and trainer, implements the collectives with a barrier and shared buffers
   by the agreement rule (the status first, NN_ERR_PEER for the others, sums
   in rank order): reproducible runs give the single-process chunked bits
   for every thread count, fast runs are close to the plain loop, and every
   failure ends every thread at the same point. A watchdog ends the program
   if the threads ever wait for each other forever. */
#define _POSIX_C_SOURCE 200809L
#include "testnet.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

enum { N_IN = 3, N_OUT = 2, ROWS = 29, VAL_ROWS = 9, SEED = 5 };
enum { MAX_THREADS = 4, MAX_EPOCHS = 12, HISTORY = MAX_EPOCHS * NN_HISTORY_COLUMNS };
enum { WATCHDOG_SECONDS = 30 };

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
static nn_dataset_t *make_set(size_t rows, size_t n_in, unsigned long seed, double sign)
{
    double *x = random_rows(rows * n_in, seed, -1.0, 1.0);
    double *t = alloc_doubles(rows * N_OUT);
    for (size_t i = 0; i < rows; i++) {
        const double *r = x + i * n_in;
        t[i * N_OUT] = sign * (0.5 * r[0] - r[1] * r[2]);
        t[i * N_OUT + 1] = sign * sin(r[0] + r[2]);
    }
    nn_dataset_t *d = NULL;
    assert_int_equal(nn_dataset_create(&d, rows, n_in, N_OUT, x, t), NN_OK);
    free(x);
    free(t);
    return d;
}

/* What a run is made of, beside the sets. */
struct setting {
    int kind;
    double rate;
    size_t epochs, batch, chunks;
    int shuffle;
};

static nn_train_options_t *options_for(const struct setting *s)
{
    nn_train_options_t *o = NULL;
    assert_int_equal(nn_train_options_create(&o), NN_OK);
    assert_int_equal(nn_train_options_set_optimizer(o, s->kind), NN_OK);
    assert_int_equal(nn_train_options_set_learning_rate(o, s->rate), NN_OK);
    assert_int_equal(nn_train_options_set_epochs(o, s->epochs), NN_OK);
    assert_int_equal(nn_train_options_set_batch_size(o, s->batch), NN_OK);
    assert_int_equal(nn_train_options_set_seed(o, SEED), NN_OK);
    assert_int_equal(nn_train_options_set_shuffle(o, s->shuffle), NN_OK);
    assert_int_equal(nn_train_options_set_chunks(o, s->chunks), NN_OK);
    return o;
}

static void assert_same_params(const nn_t *a, const nn_t *b)
{
    double *pa = params_of(a), *pb = params_of(b);
    assert_memory_equal(pa, pb, nn_param_count(a) * sizeof(double));
    free(pa);
    free(pb);
}

/* Every column of n_epochs history rows but the seconds, bit for bit. */
static void assert_same_history(const double *a, const double *b, size_t n_epochs)
{
    for (size_t e = 0; e < n_epochs; e++)
        assert_memory_equal(a + e * NN_HISTORY_COLUMNS, b + e * NN_HISTORY_COLUMNS,
                            NN_HISTORY_SECONDS * sizeof(double));
}

/* A copy of start trained by nn_train() with o in this one process. */
static nn_t *train_alone(const nn_t *start, const nn_dataset_t *train, const nn_dataset_t *valid,
                         const nn_train_options_t *o, double *history, size_t *n_epochs,
                         nn_status expected)
{
    nn_t *net = NULL;
    assert_int_equal(nn_clone(start, &net), NN_OK);
    assert_int_equal(nn_train(net, train, valid, o, history, HISTORY, n_epochs), expected);
    return net;
}

/* ---- 1. the chunked loop, by hand ---- */

/* The loop of docs/training.md with chunks, from the documented contract:
   per batch of the shuffled order, chunk k holds rows [k m / C, (k + 1) m / C)
   and goes through its own zero, forward, loss, backward and read of the
   gradient sums (an empty chunk gives zeros); the sums are added in chunk
   order, divided by m, set, and stepped by an optimiser of the same kind. */
static void chunked_by_hand(nn_t *net, const nn_dataset_t *train, const struct setting *s,
                            double *train_loss)
{
    const size_t n = nn_dataset_row_count(train), n_params = nn_param_count(net);
    const size_t c = s->chunks, width = n_params + 1;
    const double *inputs = nn_dataset_inputs(train), *targets = nn_dataset_targets(train);
    nn_optimizer_t *opt = NULL;
    nn_rng_t *rng = NULL;
    assert_int_equal(nn_optimizer_create(&opt, net, s->kind), NN_OK);
    assert_int_equal(nn_rng_create(&rng, SEED), NN_OK);
    assert_int_equal(nn_set_reduction(net, NN_REDUCTION_SUM), NN_OK);
    size_t *order = malloc(n * sizeof *order);
    double *x = alloc_doubles(s->batch * N_IN), *y = alloc_doubles(s->batch * N_OUT);
    double *slots = alloc_doubles(c * width), *grads = alloc_doubles(n_params);
    assert_non_null(order);
    for (size_t epoch = 0; epoch < s->epochs; epoch++) {
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        if (s->shuffle)
            assert_int_equal(nn_rng_permutation(rng, n, order), NN_OK);
        double loss_sum = 0.0;
        for (size_t start = 0; start < n; start += s->batch) {
            const size_t m = n - start < s->batch ? n - start : s->batch;
            for (size_t i = 0; i < m; i++) {
                memcpy(x + i * N_IN, inputs + order[start + i] * N_IN, N_IN * sizeof *x);
                memcpy(y + i * N_OUT, targets + order[start + i] * N_OUT, N_OUT * sizeof *y);
            }
            for (size_t k = 0; k < c; k++) {
                const size_t a = k * m / c, b = (k + 1) * m / c;
                double *slot = slots + k * width;
                memset(slot, 0, width * sizeof *slot);
                if (a == b)
                    continue;
                assert_int_equal(nn_zero_grads(net), NN_OK);
                assert_int_equal(nn_forward_batch(net, b - a, x + a * N_IN, NULL), NN_OK);
                assert_int_equal(nn_loss_batch(net, b - a, y + a * N_OUT, &slot[n_params]),
                                 NN_OK);
                assert_int_equal(nn_backward_batch(net, b - a, y + a * N_OUT), NN_OK);
                assert_int_equal(nn_get_grads(net, slot, n_params), NN_OK);
            }
            memcpy(grads, slots, n_params * sizeof *grads); /* slot 0 + slot 1 + ... */
            double loss = slots[n_params];
            for (size_t k = 1; k < c; k++) {
                for (size_t i = 0; i < n_params; i++)
                    grads[i] += slots[k * width + i];
                loss += slots[k * width + n_params];
            }
            for (size_t i = 0; i < n_params; i++)
                grads[i] /= (double)m;
            assert_int_equal(nn_set_grads(net, grads, n_params), NN_OK);
            assert_int_equal(nn_optimizer_step(opt, net, s->rate), NN_OK);
            loss_sum += loss;
        }
        train_loss[epoch] = loss_sum / (double)n;
    }
    free(order);
    free(x);
    free(y);
    free(slots);
    free(grads);
    nn_rng_free(rng);
    nn_optimizer_free(opt);
}

/* 29 rows in batches of 8 (a last batch of 5) or 10 (of 9); 16 chunks are
   more than any batch has rows, so some are empty. */
static void check_chunks_by_hand(int kind, double rate)
{
    static const size_t chunk_counts[3] = {1, 3, 16};
    static const size_t batches[2] = {8, 10};
    nn_dataset_t *train = make_set(ROWS, N_IN, 1, 1.0);
    for (size_t ci = 0; ci < 3; ci++)
        for (size_t bi = 0; bi < 2; bi++)
            for (int shuffle = 0; shuffle <= 1; shuffle++) {
                const struct setting s = {kind, rate, 3, batches[bi], chunk_counts[ci], shuffle};
                nn_t *by_hand = make_network(), *by_loop = make_network();
                double losses[3], history[HISTORY];
                chunked_by_hand(by_hand, train, &s, losses);
                nn_train_options_t *o = options_for(&s);
                size_t n_epochs = 0;
                assert_int_equal(nn_train(by_loop, train, NULL, o, history, HISTORY, &n_epochs),
                                 NN_OK);
                assert_int_equal(n_epochs, 3);
                assert_same_params(by_hand, by_loop);
                for (size_t e = 0; e < 3; e++)
                    assert_memory_equal(&history[e * NN_HISTORY_COLUMNS + NN_HISTORY_TRAIN_LOSS],
                                        &losses[e], sizeof(double));
                assert_true(history[2 * NN_HISTORY_COLUMNS + NN_HISTORY_TRAIN_LOSS] <
                            history[NN_HISTORY_TRAIN_LOSS]); /* it learns */
                nn_train_options_free(o);
                nn_free(by_hand);
                nn_free(by_loop);
            }
    nn_dataset_free(train);
}

static void test_chunks_match_by_hand_sgd(void **state)
{
    (void)state;
    check_chunks_by_hand(NN_OPT_SGD, 0.1);
}

static void test_chunks_match_by_hand_adam(void **state)
{
    (void)state;
    check_chunks_by_hand(NN_OPT_ADAM, 0.01);
}

/* One chunk is the whole batch: the same calls as the unchunked loop, and
   its slot is the sum (copied, never added to anything), so the bits are
   the same. */
static void test_one_chunk_is_unchunked(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, N_IN, 1, 1.0), *valid = make_set(VAL_ROWS, N_IN, 2, 1.0);
    nn_t *start = make_network();
    static const int kinds[2] = {NN_OPT_SGD, NN_OPT_ADAM};
    for (size_t ki = 0; ki < 2; ki++) {
        const int kind = kinds[ki];
        const struct setting whole = {kind, 0.05, 4, 8, 0, 1}, one = {kind, 0.05, 4, 8, 1, 1};
        nn_train_options_t *ow = options_for(&whole), *o1 = options_for(&one);
        double hw[HISTORY], h1[HISTORY];
        size_t nw = 0, n1 = 0;
        nn_t *a = train_alone(start, train, valid, ow, hw, &nw, NN_OK);
        nn_t *b = train_alone(start, train, valid, o1, h1, &n1, NN_OK);
        assert_int_equal(nw, 4);
        assert_int_equal(n1, 4);
        assert_same_params(a, b);
        assert_same_history(hw, h1, 4);
        nn_free(a);
        nn_free(b);
        nn_train_options_free(ow);
        nn_train_options_free(o1);
    }
    nn_free(start);
    nn_dataset_free(train);
    nn_dataset_free(valid);
}

/* ---- 2. a fake cluster of threads ---- */

enum { SUM = 0, GATHER = 1, BROADCAST = 2 };

struct cluster;

/* The epoch callback's log: calls, and the epoch at which it stops (0: never). */
struct epoch_log {
    size_t calls, stop_at;
    char *make_dir; /* if set, turned into a directory after epoch 1 (the order file fails) */
};

/* The batch hook's log: calls, the first batch's sums and count, and a failure. */
struct hook_log {
    size_t calls, fail_at, blow_up_at;
    nn_status fail_with;
    size_t first_count;
    double first[64];
};

/* One thread of the cluster: its network, options and trainer, and what it
   met and returned. */
struct member {
    struct cluster *cluster;
    size_t rank;
    nn_t *net;
    nn_train_options_t *options;
    nn_trainer_t *trainer;       /* NULL: the thread calls nn_train() */
    const nn_dataset_t *train, *valid;
    nn_status status;
    size_t calls[3];             /* the collectives it called, by kind */
    int out_of_step;             /* a collective met another kind or count elsewhere */
    double *scratch;             /* a sum being made */
    double history[HISTORY];
    size_t n_epochs;
    struct epoch_log epochs;
    struct hook_log hook;
};

struct cluster {
    size_t p;
    pthread_mutex_t lock;
    pthread_cond_t turn;
    size_t waiting;
    unsigned long round;
    /* what each thread brought to the collective under way */
    nn_status status[MAX_THREADS];
    double *values[MAX_THREADS];
    size_t count[MAX_THREADS];
    int kind[MAX_THREADS];
    struct member member[MAX_THREADS];
};

/* A barrier: returns when every thread of the cluster has called it. */
static void cluster_wait(struct cluster *c)
{
    pthread_mutex_lock(&c->lock);
    const unsigned long round = c->round;
    if (++c->waiting == c->p) {
        c->waiting = 0;
        c->round++;
        pthread_cond_broadcast(&c->turn);
    } else {
        while (round == c->round)
            pthread_cond_wait(&c->turn, &c->lock);
    }
    pthread_mutex_unlock(&c->lock);
}

/* Puts this thread's part on the table, waits for all, and agrees: its own
   status if it failed, NN_ERR_PEER if another did, NN_ERR_COMMUNICATION if
   the threads are not in the same collective, else NN_OK. */
static nn_status meet(struct member *me, int kind, nn_status status, double *values, size_t count)
{
    struct cluster *c = me->cluster;
    me->calls[kind]++;
    c->status[me->rank] = status;
    c->values[me->rank] = values;
    c->count[me->rank] = count;
    c->kind[me->rank] = kind;
    cluster_wait(c);
    nn_status agreed = status;
    for (size_t r = 0; r < c->p; r++) {
        if (c->kind[r] != kind || c->count[r] != count)
            me->out_of_step = 1;
        if (agreed == NN_OK && c->status[r] != NN_OK)
            agreed = NN_ERR_PEER;
    }
    if (agreed == NN_OK && me->out_of_step)
        agreed = NN_ERR_COMMUNICATION;
    return agreed;
}

/* The sum in rank order, so that every thread gets the same bits. Between
   the two waits every thread only reads the others' values; each writes its
   own after the second. */
static nn_status fake_sum(void *context, nn_status status, double *values, size_t count)
{
    struct member *me = context;
    struct cluster *c = me->cluster;
    nn_status agreed = meet(me, SUM, status, values, count);
    if (agreed == NN_OK && count > nn_param_count(me->net) + 2)
        agreed = NN_ERR_COMMUNICATION; /* more than the scratch holds (never by the rule) */
    for (size_t j = 0; agreed == NN_OK && j < count; j++) {
        double s = c->values[0][j];
        for (size_t r = 1; r < c->p; r++)
            s += c->values[r][j];
        me->scratch[j] = s;
    }
    cluster_wait(c);
    if (agreed == NN_OK)
        memcpy(values, me->scratch, count * sizeof *values);
    return agreed;
}

/* Every thread copies the others' slots [r C / p, (r + 1) C / p) from them:
   each writes only slots it does not own, and reads only owned ones. */
static nn_status fake_gather(void *context, nn_status status, double *slots, size_t slot_size,
                             size_t n_slots)
{
    struct member *me = context;
    struct cluster *c = me->cluster;
    nn_status agreed = meet(me, GATHER, status, slots, slot_size * n_slots);
    for (size_t r = 0; agreed == NN_OK && r < c->p; r++) {
        const size_t lo = r * n_slots / c->p, hi = (r + 1) * n_slots / c->p;
        if (r != me->rank)
            memcpy(slots + lo * slot_size, c->values[r] + lo * slot_size,
                   (hi - lo) * slot_size * sizeof *slots);
    }
    cluster_wait(c);
    return agreed;
}

static nn_status fake_broadcast(void *context, nn_status status, double *values, size_t count)
{
    struct member *me = context;
    struct cluster *c = me->cluster;
    nn_status agreed = meet(me, BROADCAST, status, values, count);
    if (agreed == NN_OK && me->rank != 0)
        memcpy(values, c->values[0], count * sizeof *values);
    cluster_wait(c);
    return agreed;
}

static int log_epoch(void *context, size_t epoch, const double *metrics, size_t n_metrics)
{
    (void)metrics;
    (void)n_metrics;
    struct epoch_log *log = context;
    log->calls++;
    if (epoch == 1 && log->make_dir != NULL) { /* the order file's next line fails */
        remove(log->make_dir);
        mkdir(log->make_dir, 0700);
    }
    return log->stop_at != 0 && epoch == log->stop_at;
}

static nn_status log_hook(void *context, double *grads, size_t n_params, size_t *n_rows)
{
    struct hook_log *h = context;
    if (++h->calls == 1 && n_params <= 64) {
        memcpy(h->first, grads, n_params * sizeof *grads);
        h->first_count = *n_rows;
    }
    if (h->blow_up_at != 0 && h->calls >= h->blow_up_at)
        for (size_t i = 0; i < n_params; i++)
            grads[i] = 1e308;
    return h->fail_at != 0 && h->calls == h->fail_at ? h->fail_with : NN_OK;
}

/* p threads, each with a clone of start, a copy of base as shard i of p
   with the fake collectives, and the sets; callbacks and hooks are logged
   when with_logs is set. Tests may change a member's options before
   cluster_run(). */
static struct cluster *cluster_create(size_t p, const nn_t *start, const nn_train_options_t *base,
                                      const nn_dataset_t *train, const nn_dataset_t *valid,
                                      int with_logs)
{
    assert_true(p >= 1 && p <= MAX_THREADS);
    struct cluster *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->p = p;
    assert_int_equal(pthread_mutex_init(&c->lock, NULL), 0);
    assert_int_equal(pthread_cond_init(&c->turn, NULL), 0);
    for (size_t i = 0; i < p; i++) {
        struct member *me = &c->member[i];
        me->cluster = c;
        me->rank = i;
        me->train = train;
        me->valid = valid;
        assert_int_equal(nn_clone(start, &me->net), NN_OK);
        assert_int_equal(nn_train_options_copy(&me->options, base), NN_OK);
        assert_int_equal(nn_train_options_set_shard(me->options, i, p), NN_OK);
        assert_int_equal(nn_train_options_set_collectives(me->options, fake_sum, fake_gather,
                                                          fake_broadcast, me),
                         NN_OK);
        if (with_logs) {
            assert_int_equal(nn_train_options_set_epoch_callback(me->options, log_epoch,
                                                                 &me->epochs),
                             NN_OK);
            assert_int_equal(nn_train_options_set_batch_hook(me->options, log_hook, &me->hook),
                             NN_OK);
        }
        me->scratch = alloc_doubles(nn_param_count(start) + 2);
    }
    return c;
}

/* Makes every member's trainer (on this thread: creating one calls no collective). */
static void cluster_trainers(struct cluster *c)
{
    for (size_t i = 0; i < c->p; i++)
        if (c->member[i].trainer == NULL)
            assert_int_equal(
                nn_trainer_create(&c->member[i].trainer, c->member[i].net, c->member[i].options),
                NN_OK);
}

static void *member_run(void *arg)
{
    struct member *me = arg;
    if (me->trainer != NULL) {
        me->status = nn_trainer_run(me->trainer, me->train, me->valid);
        (void)nn_trainer_history(me->trainer, me->history, HISTORY, &me->n_epochs);
    } else {
        me->status = nn_train(me->net, me->train, me->valid, me->options, me->history, HISTORY,
                              &me->n_epochs);
    }
    return NULL;
}

/* Runs every member in its own thread until all return; the watchdog ends
   the program if they do not. */
static void cluster_run(struct cluster *c)
{
    pthread_t threads[MAX_THREADS];
    alarm(WATCHDOG_SECONDS);
    for (size_t i = 0; i < c->p; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, member_run, &c->member[i]), 0);
    for (size_t i = 0; i < c->p; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    alarm(0);
}

static void cluster_free(struct cluster *c)
{
    for (size_t i = 0; i < c->p; i++) {
        struct member *me = &c->member[i];
        nn_trainer_free(me->trainer);
        nn_free(me->net);
        nn_train_options_free(me->options);
        free(me->scratch);
    }
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->turn);
    free(c);
}

/* Every thread made the same collective calls, and these many of each. */
static void assert_calls(const struct cluster *c, size_t sums, size_t gathers, size_t broadcasts)
{
    for (size_t i = 0; i < c->p; i++) {
        assert_false(c->member[i].out_of_step);
        assert_int_equal(c->member[i].calls[SUM], sums);
        assert_int_equal(c->member[i].calls[GATHER], gathers);
        assert_int_equal(c->member[i].calls[BROADCAST], broadcasts);
    }
}

/* Every thread returned `status` after n_epochs, with the parameters of
   `expected` and its history (but the times). */
static void assert_cluster_is(const struct cluster *c, nn_status status, const nn_t *expected,
                              const double *history, size_t n_epochs)
{
    for (size_t i = 0; i < c->p; i++) {
        const struct member *me = &c->member[i];
        assert_int_equal(me->status, status);
        assert_int_equal(me->n_epochs, n_epochs);
        assert_same_params(me->net, expected);
        assert_same_history(me->history, history, n_epochs);
    }
}

static size_t batches_of(size_t rows, size_t batch)
{
    return (rows + batch - 1) / batch;
}

/* Reproducible: with 8 chunks, 1 to 4 threads give the bits of one process
   with 8 chunks, which are those of the loop written out above; batches of
   10 (a last one of 9), of 5 (fewer rows than chunks), of 2 (fewer rows
   than threads), with a validation set. */
static void test_reproducible_any_thread_count(void **state)
{
    (void)state;
    static const size_t batches[3] = {10, 5, 2};
    nn_dataset_t *train = make_set(ROWS, N_IN, 1, 1.0), *valid = make_set(VAL_ROWS, N_IN, 2, 1.0);
    nn_t *start = make_network();
    for (size_t bi = 0; bi < 3; bi++) {
        const struct setting s = {NN_OPT_ADAM, 0.01, 3, batches[bi], 8, 1};
        nn_train_options_t *o = options_for(&s);
        double expected[HISTORY], losses[3];
        size_t n_epochs = 0;
        nn_t *alone = train_alone(start, train, valid, o, expected, &n_epochs, NN_OK);
        assert_int_equal(n_epochs, 3);
        nn_t *by_hand = NULL;
        assert_int_equal(nn_clone(start, &by_hand), NN_OK);
        chunked_by_hand(by_hand, train, &s, losses);
        assert_same_params(by_hand, alone);
        for (size_t p = 1; p <= MAX_THREADS; p++) {
            struct cluster *c = cluster_create(p, start, o, train, valid, 0);
            cluster_trainers(c);
            cluster_run(c);
            assert_cluster_is(c, NN_OK, alone, expected, 3);
            /* per epoch a gather per batch, the end, the validation and the
               callback's decision; one agreement at the start. Alone: none. */
            if (p == 1)
                assert_calls(c, 0, 0, 0);
            else
                assert_calls(c, 0, 3 * batches_of(ROWS, s.batch), 1 + 3 * 3);
            cluster_free(c);
        }
        nn_free(by_hand);
        nn_free(alone);
        nn_train_options_free(o);
    }
    nn_free(start);
    nn_dataset_free(train);
    nn_dataset_free(valid);
}

/* Fast: without chunks every thread takes its rows and the sum collective
   adds the parts, so the result is the plain loop's up to rounding, and the
   same bits on every thread. Batches of 8, of 7 (not a multiple of 2, 3 or
   4) and of 2 (fewer rows than threads: a thread with none). */
static void test_fast_close_to_plain(void **state)
{
    (void)state;
    static const size_t batches[3] = {8, 7, 2};
    nn_dataset_t *train = make_set(ROWS, N_IN, 1, 1.0), *valid = make_set(VAL_ROWS, N_IN, 2, 1.0);
    nn_t *start = make_network();
    const size_t n_params = nn_param_count(start);
    static const int kinds[2] = {NN_OPT_SGD, NN_OPT_ADAM};
    for (size_t ki = 0; ki < 2; ki++)
        for (size_t bi = 0; bi < 3; bi++) {
            const int kind = kinds[ki];
            const struct setting s = {kind, kind == NN_OPT_SGD ? 0.1 : 0.01, 3, batches[bi], 0,
                                      1};
            nn_train_options_t *o = options_for(&s);
            double expected[HISTORY];
            size_t n_epochs = 0;
            nn_t *alone = train_alone(start, train, valid, o, expected, &n_epochs, NN_OK);
            double *want = params_of(alone);
            for (size_t p = 2; p <= MAX_THREADS; p++) {
                struct cluster *c = cluster_create(p, start, o, train, valid, 0);
                cluster_trainers(c);
                cluster_run(c);
                assert_calls(c, 3 * batches_of(ROWS, s.batch), 0, 1 + 3 * 3);
                double *got = params_of(c->member[0].net);
                for (size_t i = 0; i < n_params; i++)
                    assert_true(fabs(got[i] - want[i]) <= 1e-12 * fmax(1.0, fabs(want[i])));
                for (size_t e = 0; e < 3; e++)
                    for (size_t k = 0; k < NN_HISTORY_SECONDS; k++) {
                        const double a = c->member[0].history[e * NN_HISTORY_COLUMNS + k];
                        const double b = expected[e * NN_HISTORY_COLUMNS + k];
                        assert_true(fabs(a - b) <= 1e-12 * fmax(1.0, fabs(b)));
                    }
                assert_cluster_is(c, NN_OK, c->member[0].net, c->member[0].history, 3);
                free(got);
                cluster_free(c);
            }
            free(want);
            nn_free(alone);
            nn_train_options_free(o);
        }
    nn_free(start);
    nn_dataset_free(train);
    nn_dataset_free(valid);
}

/* Validation targets of the opposite sign: the validation loss rises, so
   early stopping ends the run after 1 + patience epochs and restores the
   first epoch; thread 0 alone validates and calls the epoch callback, and
   every thread decides the same. The hook sees the same global sums and
   count on every thread, those of one process. Also with a validation
   fraction held out of the training rows, and in fast mode. */
static void test_validation_and_early_stopping(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS + VAL_ROWS, N_IN, 1, 1.0);
    nn_dataset_t *valid = make_set(VAL_ROWS, N_IN, 2, -1.0);
    nn_t *start = make_network();
    for (int variant = 0; variant < 3; variant++) {
        const struct setting s = {NN_OPT_SGD, 0.2, MAX_EPOCHS, 8, variant == 2 ? 0 : 8, 1};
        nn_train_options_t *o = options_for(&s);
        assert_int_equal(nn_train_options_set_patience(o, 2, 0.0), NN_OK);
        const nn_dataset_t *v = valid;
        if (variant == 1) { /* a held-out fraction: min_delta makes it stop too */
            assert_int_equal(nn_train_options_set_validation_fraction(o, 0.25, 0), NN_OK);
            assert_int_equal(nn_train_options_set_patience(o, 2, 1e9), NN_OK);
            v = NULL;
        }
        struct epoch_log log = {0, 0, NULL};
        struct hook_log hook = {0, 0, 0, NN_OK, 0, {0}};
        assert_int_equal(nn_train_options_set_epoch_callback(o, log_epoch, &log), NN_OK);
        assert_int_equal(nn_train_options_set_batch_hook(o, log_hook, &hook), NN_OK);
        double expected[HISTORY];
        size_t n_epochs = 0;
        nn_t *alone = train_alone(start, train, v, o, expected, &n_epochs, NN_OK);
        assert_int_equal(n_epochs, 3);
        assert_int_equal(log.calls, 3);
        if (variant != 1) /* the opposite sign: it rises from the first epoch */
            assert_true(expected[NN_HISTORY_VALIDATION_LOSS] <
                        expected[NN_HISTORY_COLUMNS + NN_HISTORY_VALIDATION_LOSS]);
        struct cluster *c = cluster_create(3, start, o, train, v, 1);
        cluster_trainers(c);
        cluster_run(c);
        for (size_t i = 0; i < 3; i++) {
            const struct member *me = &c->member[i];
            assert_int_equal(me->epochs.calls, i == 0 ? 3 : 0);
            assert_int_equal(me->hook.calls, hook.calls);
            assert_int_equal(me->hook.first_count, hook.first_count);
            if (variant != 2)
                assert_memory_equal(me->hook.first, hook.first,
                                    nn_param_count(start) * sizeof(double));
            assert_memory_equal(me->hook.first, c->member[0].hook.first,
                                nn_param_count(start) * sizeof(double));
        }
        if (variant != 2) {
            assert_cluster_is(c, NN_OK, alone, expected, 3);
        } else {
            assert_cluster_is(c, NN_OK, c->member[0].net, c->member[0].history, 3);
            for (size_t e = 0; e < 3; e++)
                assert_rel(c->member[0].history[e * NN_HISTORY_COLUMNS +
                                                NN_HISTORY_VALIDATION_LOSS],
                           expected[e * NN_HISTORY_COLUMNS + NN_HISTORY_VALIDATION_LOSS], 1e-12);
        }
        cluster_free(c);
        nn_free(alone);
        nn_train_options_free(o);
    }
    nn_free(start);
    nn_dataset_free(train);
    nn_dataset_free(valid);
}

/* Thread 0's callback stops after epoch 2: every thread stops there (the
   others' callbacks, which would stop after epoch 1, are never called),
   and a second run of every trainer goes on to the bits of a run that
   never stopped. */
static void test_stop_from_thread_zero(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, N_IN, 1, 1.0);
    nn_t *start = make_network();
    const struct setting s = {NN_OPT_ADAM, 0.01, 5, 6, 8, 1};
    nn_train_options_t *o = options_for(&s);
    double two[HISTORY], five[HISTORY];
    size_t n_epochs = 0;
    assert_int_equal(nn_train_options_set_epochs(o, 2), NN_OK);
    nn_t *after_two = train_alone(start, train, NULL, o, two, &n_epochs, NN_OK);
    assert_int_equal(nn_train_options_set_epochs(o, 5), NN_OK);
    nn_t *after_five = train_alone(start, train, NULL, o, five, &n_epochs, NN_OK);
    struct cluster *c = cluster_create(3, start, o, train, NULL, 1);
    c->member[0].epochs.stop_at = 2;
    c->member[1].epochs.stop_at = 1;
    c->member[2].epochs.stop_at = 1;
    cluster_trainers(c);
    cluster_run(c);
    assert_cluster_is(c, NN_OK, after_two, two, 2);
    assert_int_equal(c->member[0].epochs.calls, 2);
    assert_int_equal(c->member[1].epochs.calls, 0);
    assert_int_equal(c->member[2].epochs.calls, 0);
    c->member[0].epochs.stop_at = 0;
    cluster_run(c);
    assert_cluster_is(c, NN_OK, after_five, five, 5);
    assert_int_equal(c->member[0].epochs.calls, 5);
    assert_int_equal(c->member[1].epochs.calls + c->member[2].epochs.calls, 0);
    /* two runs: two agreements at the start, 3 broadcasts per epoch */
    assert_calls(c, 0, 5 * batches_of(ROWS, 6), 2 + 5 * 2);
    cluster_free(c);
    nn_free(after_two);
    nn_free(after_five);
    nn_train_options_free(o);
    nn_free(start);
    nn_dataset_free(train);
}

/* A hook that fails on one thread at batch k: that thread returns its
   status, the others NN_ERR_PEER, all after the same epochs. Batches 1,
   3 (within the first epoch) and 5 (its last); thread 1 and thread 0;
   reproducible and fast. */
static void test_hook_failure_on_one_thread(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, N_IN, 1, 1.0);
    nn_t *start = make_network();
    const size_t per_epoch = batches_of(ROWS, 6); /* 5 */
    static const size_t at[4] = {1, 3, 5, 7};
    for (size_t chunks = 0; chunks <= 8; chunks += 8)
        for (size_t ai = 0; ai < 4; ai++)
            for (size_t failing = 0; failing < 2; failing++) {
                const struct setting s = {NN_OPT_SGD, 0.1, 3, 6, chunks, 1};
                nn_train_options_t *o = options_for(&s);
                struct cluster *c = cluster_create(3, start, o, train, NULL, 1);
                c->member[failing].hook.fail_at = at[ai];
                c->member[failing].hook.fail_with = NN_ERR_IO;
                cluster_trainers(c);
                cluster_run(c);
                for (size_t i = 0; i < 3; i++) {
                    const struct member *me = &c->member[i];
                    assert_int_equal(me->status, i == failing ? NN_ERR_IO : NN_ERR_PEER);
                    assert_int_equal(me->n_epochs, (at[ai] - 1) / per_epoch);
                    assert_false(me->out_of_step);
                    assert_int_equal(me->calls[BROADCAST], c->member[0].calls[BROADCAST]);
                    assert_int_equal(me->calls[chunks ? GATHER : SUM], at[ai] + 1 -
                                     (at[ai] % per_epoch == 0)); /* the epoch's end agrees */
                }
                cluster_free(c);
                nn_train_options_free(o);
            }
    nn_free(start);
    nn_dataset_free(train);
}

/* Gradients too large for a finite step on every thread from batch 7: each
   thread diverges at the same step and returns NN_ERR_DIVERGED with the
   parameters of the best epoch, those of one process. */
static void test_divergence_everywhere(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, N_IN, 1, 1.0);
    nn_t *start = make_network();
    const struct setting s = {NN_OPT_SGD, 0.1, 5, 6, 8, 1};
    nn_train_options_t *o = options_for(&s);
    struct hook_log hook = {0, 0, 7, NN_OK, 0, {0}};
    assert_int_equal(nn_train_options_set_batch_hook(o, log_hook, &hook), NN_OK);
    double expected[HISTORY];
    size_t n_epochs = 0;
    nn_t *alone = train_alone(start, train, NULL, o, expected, &n_epochs, NN_ERR_DIVERGED);
    assert_int_equal(n_epochs, 1);
    struct cluster *c = cluster_create(2, start, o, train, NULL, 1);
    c->member[0].hook.blow_up_at = 7;
    c->member[1].hook.blow_up_at = 7;
    cluster_trainers(c);
    cluster_run(c);
    assert_cluster_is(c, NN_ERR_DIVERGED, alone, expected, 1);
    cluster_free(c);
    nn_free(alone);
    nn_train_options_free(o);
    nn_free(start);
    nn_dataset_free(train);
}

static char *temp_path(const char *name)
{
    char *path = malloc(256);
    assert_non_null(path);
    snprintf(path, 256, "/tmp/backprop-shards-%ld-%s", (long)getpid(), name);
    return path;
}

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

/* Only thread 0 writes the order file, the same as one process's; an order
   file that thread 0 cannot write, from the start or after an epoch, ends
   every thread (its own status there, NN_ERR_PEER elsewhere). */
static void test_order_file(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, N_IN, 1, 1.0), *valid = make_set(VAL_ROWS, N_IN, 2, 1.0);
    nn_t *start = make_network();
    const struct setting s = {NN_OPT_SGD, 0.1, 3, 8, 8, 1};
    nn_train_options_t *o = options_for(&s);
    char *alone_path = temp_path("alone.txt");
    char *paths[3] = {temp_path("order0.txt"), temp_path("order1.txt"), temp_path("order2.txt")};
    assert_int_equal(nn_train_options_set_order_file(o, alone_path), NN_OK);
    size_t n_epochs = 0;
    double expected[HISTORY];
    nn_t *alone = train_alone(start, train, valid, o, expected, &n_epochs, NN_OK);
    struct cluster *c = cluster_create(3, start, o, train, valid, 0);
    for (size_t i = 0; i < 3; i++) {
        remove(paths[i]);
        assert_int_equal(nn_train_options_set_order_file(c->member[i].options, paths[i]), NN_OK);
    }
    cluster_trainers(c);
    cluster_run(c);
    assert_cluster_is(c, NN_OK, alone, expected, 3);
    char *want = read_all(alone_path), *got = read_all(paths[0]);
    assert_string_equal(got, want);
    assert_int_equal(access(paths[1], F_OK), -1);
    assert_int_equal(access(paths[2], F_OK), -1);
    free(want);
    free(got);
    cluster_free(c);

    /* a path thread 0 cannot open: nothing runs anywhere */
    c = cluster_create(3, start, o, train, valid, 0);
    assert_int_equal(nn_train_options_set_order_file(c->member[0].options,
                                                     "/nonexistent-directory/order.txt"),
                     NN_OK);
    cluster_trainers(c);
    cluster_run(c);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(c->member[i].status, i == 0 ? NN_ERR_IO : NN_ERR_PEER);
        assert_int_equal(c->member[i].n_epochs, 0);
        assert_same_params(c->member[i].net, start);
    }
    assert_calls(c, 0, 0, 1);
    cluster_free(c);

    /* the line of epoch 2 fails: a directory took the file's place */
    c = cluster_create(3, start, o, train, valid, 1);
    remove(paths[0]);
    assert_int_equal(nn_train_options_set_order_file(c->member[0].options, paths[0]), NN_OK);
    c->member[0].epochs.make_dir = paths[0];
    cluster_trainers(c);
    cluster_run(c);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(c->member[i].status, i == 0 ? NN_ERR_IO : NN_ERR_PEER);
        assert_int_equal(c->member[i].n_epochs, 1);
        assert_int_equal(c->member[i].calls[GATHER], batches_of(ROWS, 8) + 1);
    }
    rmdir(paths[0]);
    cluster_free(c);

    remove(alone_path);
    free(alone_path);
    for (size_t i = 0; i < 3; i++) {
        remove(paths[i]);
        free(paths[i]);
    }
    nn_free(alone);
    nn_train_options_free(o);
    nn_free(start);
    nn_dataset_free(train);
    nn_dataset_free(valid);
}

/* Saved by thread 0 of two after a stop, loaded into three threads (and
   into one process), run to the end: the bits of a run that never stopped.
   Adam, a held-out fraction, a schedule, clipping and early stopping carry
   state across the stop. */
static void test_resume_on_other_thread_count(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS + VAL_ROWS, N_IN, 1, 1.0);
    nn_t *start = make_network();
    const struct setting s = {NN_OPT_ADAM, 0.02, 6, 7, 6, 1};
    nn_train_options_t *o = options_for(&s);
    assert_int_equal(nn_train_options_set_validation_fraction(o, 0.25, 0), NN_OK);
    assert_int_equal(nn_train_options_set_schedule(o, NN_SCHEDULE_STEP, 2, 0.5), NN_OK);
    assert_int_equal(nn_train_options_set_clip(o, 0.5), NN_OK);
    assert_int_equal(nn_train_options_set_patience(o, 10, 0.0), NN_OK);
    double expected[HISTORY];
    size_t n_epochs = 0;
    nn_t *whole = train_alone(start, train, NULL, o, expected, &n_epochs, NN_OK);
    assert_int_equal(n_epochs, 6);

    struct cluster *c = cluster_create(2, start, o, train, NULL, 1);
    c->member[0].epochs.stop_at = 2;
    cluster_trainers(c);
    cluster_run(c);
    assert_int_equal(c->member[0].status, NN_OK);
    assert_int_equal(c->member[1].status, NN_OK);
    assert_int_equal(c->member[1].n_epochs, 2);
    char *path = temp_path("resume.txt");
    assert_int_equal(nn_trainer_save(c->member[0].trainer, path), NN_OK);
    cluster_free(c);

    nn_t *other = make_network();
    assert_int_equal(nn_init_random(other, 99, NN_INIT_UNIFORM, -0.5, 0.5), NN_OK);
    c = cluster_create(3, other, o, train, NULL, 0);
    cluster_trainers(c);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(nn_trainer_load(c->member[i].trainer, path), NN_OK);
    cluster_run(c);
    assert_cluster_is(c, NN_OK, whole, expected, 6);
    cluster_free(c);

    nn_t *one = NULL;
    nn_trainer_t *t = NULL;
    double got[HISTORY];
    assert_int_equal(nn_clone(other, &one), NN_OK);
    assert_int_equal(nn_trainer_create(&t, one, o), NN_OK);
    assert_int_equal(nn_trainer_load(t, path), NN_OK);
    assert_int_equal(nn_trainer_run(t, train, NULL), NN_OK);
    assert_int_equal(nn_trainer_history(t, got, HISTORY, &n_epochs), NN_OK);
    assert_int_equal(n_epochs, 6);
    assert_same_params(one, whole);
    assert_same_history(got, expected, 6);
    nn_trainer_free(t);
    nn_free(one);
    remove(path);
    free(path);
    nn_free(other);
    nn_free(whole);
    nn_train_options_free(o);
    nn_free(start);
    nn_dataset_free(train);
}

/* A failure before the first epoch on one thread (a training set of other
   columns; a trainer nn_train() cannot make; a NULL set) ends every thread
   with nothing changed: its status there, NN_ERR_PEER elsewhere. */
static void test_failure_before_the_start(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS, N_IN, 1, 1.0), *wide = make_set(ROWS, N_IN + 1, 1, 1.0);
    nn_t *start = make_network();
    const struct setting s = {NN_OPT_SGD, 0.1, 2, 8, 0, 1};
    nn_train_options_t *o = options_for(&s);
    for (int how = 0; how < 4; how++) {
        struct cluster *c = cluster_create(3, start, o, train, NULL, 0);
        nn_status failed = NN_ERR_COUNT;
        if (how == 0) {
            c->member[2].train = wide;
        } else if (how == 1) {
            c->member[2].train = NULL;
            failed = NN_ERR_NULL_ARG;
        } else { /* nn_train() on every thread; a hyperparameter SGD does not take on one */
            assert_int_equal(
                nn_train_options_set_hyperparameter(c->member[2].options, NN_HP_BETA1, 0.8),
                NN_OK);
            failed = NN_ERR_ARGUMENT;
            if (how == 3) { /* and on every thread */
                for (size_t i = 0; i < 2; i++)
                    assert_int_equal(nn_train_options_set_hyperparameter(c->member[i].options,
                                                                         NN_HP_BETA1, 0.8),
                                     NN_OK);
            }
        }
        if (how < 2)
            cluster_trainers(c);
        cluster_run(c);
        for (size_t i = 0; i < 3; i++) {
            const nn_status want = i == 2 || how == 3 ? failed : NN_ERR_PEER;
            assert_int_equal(c->member[i].status, want);
            assert_int_equal(c->member[i].n_epochs, 0);
            assert_same_params(c->member[i].net, start);
            assert_false(c->member[i].out_of_step);
        }
        cluster_free(c);
    }
    nn_train_options_free(o);
    nn_free(start);
    nn_dataset_free(train);
    nn_dataset_free(wide);
}

/* ---- 3. the options ---- */

static nn_status no_sum(void *context, nn_status status, double *values, size_t count)
{
    (void)context;
    (void)values;
    (void)count;
    return status;
}

static nn_status no_gather(void *context, nn_status status, double *slots, size_t slot_size,
                           size_t n_slots)
{
    (void)context;
    (void)slots;
    (void)slot_size;
    (void)n_slots;
    return status;
}

static void test_options_refused(void **state)
{
    (void)state;
    nn_train_options_t *o = NULL;
    assert_int_equal(nn_train_options_create(&o), NN_OK);
    const size_t most = (size_t)1 << 20;
    assert_int_equal(nn_train_options_set_shard(NULL, 0, 1), NN_ERR_NULL_ARG);
    assert_int_equal(nn_train_options_set_shard(o, 3, 3), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_shard(o, 0, 0), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_shard(o, 0, most + 1), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_shard(o, most - 1, most), NN_OK);
    assert_int_equal(nn_train_options_set_chunks(NULL, 1), NN_ERR_NULL_ARG);
    assert_int_equal(nn_train_options_set_chunks(o, NN_MAX_CHUNKS + 1), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_chunks(o, NN_MAX_CHUNKS), NN_OK);
    assert_int_equal(nn_train_options_set_collectives(NULL, NULL, NULL, NULL, NULL),
                     NN_ERR_NULL_ARG);
    for (int mask = 1; mask < 7; mask++) /* some of the three, not all */
        assert_int_equal(nn_train_options_set_collectives(o, mask & 1 ? no_sum : NULL,
                                                          mask & 2 ? no_gather : NULL,
                                                          mask & 4 ? no_sum : NULL, NULL),
                         NN_ERR_NULL_ARG);

    /* more than one process needs collectives, and no more processes than chunks */
    nn_t *net = make_network();
    nn_trainer_t *t = NULL;
    assert_int_equal(nn_train_options_set_shard(o, 1, 3), NN_OK);
    assert_int_equal(nn_train_options_set_chunks(o, 0), NN_OK);
    assert_int_equal(nn_trainer_create(&t, net, o), NN_ERR_ARGUMENT);
    assert_null(t);
    assert_int_equal(nn_train_options_set_collectives(o, no_sum, no_gather, no_sum, NULL), NN_OK);
    assert_int_equal(nn_trainer_create(&t, net, o), NN_OK); /* fast: any count */
    nn_trainer_free(t);
    t = NULL;
    assert_int_equal(nn_train_options_set_chunks(o, 2), NN_OK);
    assert_int_equal(nn_trainer_create(&t, net, o), NN_ERR_ARGUMENT);
    assert_null(t);
    assert_int_equal(nn_train_options_set_chunks(o, 3), NN_OK);
    /* the refused settings change nothing: still shard 1 of 3, 3 chunks, collectives */
    assert_int_equal(nn_train_options_set_shard(o, 3, 3), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_chunks(o, NN_MAX_CHUNKS + 1), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_collectives(o, no_sum, NULL, NULL, NULL),
                     NN_ERR_NULL_ARG);
    assert_int_equal(nn_trainer_create(&t, net, o), NN_OK);
    nn_trainer_free(t);
    t = NULL;
    assert_int_equal(nn_train_options_set_collectives(o, NULL, NULL, NULL, NULL), NN_OK);
    assert_int_equal(nn_trainer_create(&t, net, o), NN_ERR_ARGUMENT);
    assert_int_equal(nn_train_options_set_shard(o, 0, 1), NN_OK);
    assert_int_equal(nn_trainer_create(&t, net, o), NN_OK);
    nn_trainer_free(t);

    /* the statuses' messages */
    const char *peer = nn_strerror(NN_ERR_PEER), *comm = nn_strerror(NN_ERR_COMMUNICATION);
    assert_non_null(peer);
    assert_non_null(comm);
    assert_non_null(strstr(peer, "another process"));
    assert_non_null(strstr(comm, "exchange"));
    assert_string_not_equal(peer, nn_strerror((nn_status)999));
    assert_string_not_equal(comm, nn_strerror((nn_status)999));
    assert_int_equal(NN_ERR_PEER, 26);
    assert_int_equal(NN_ERR_COMMUNICATION, 27);
    nn_free(net);
    nn_train_options_free(o);
}

static size_t count_lines(const char *path)
{
    char *text = read_all(path);
    size_t n = 0;
    for (const char *p = text; *p != '\0'; p++)
        n += *p == '\n';
    free(text);
    return n;
}

/* A copy trains as the original, callbacks included, and owns its order
   file's path: the original's is replaced (and freed) before the copy runs. */
static void test_options_copy(void **state)
{
    (void)state;
    nn_dataset_t *train = make_set(ROWS + VAL_ROWS, N_IN, 1, 1.0);
    nn_t *start = make_network();
    char *path_a = temp_path("copy-a.txt"), *path_b = temp_path("copy-b.txt");
    for (int variant = 0; variant < 2; variant++) {
        const struct setting s = {NN_OPT_ADAM, 0.02, 6, 7, variant ? 0 : 3, variant};
        nn_train_options_t *o = options_for(&s), *copy = NULL;
        struct epoch_log log = {0, 0, NULL};
        struct hook_log hook = {0, 0, 0, NN_OK, 0, {0}};
        assert_int_equal(nn_train_options_set_seed(o, 11), NN_OK);
        assert_int_equal(nn_train_options_set_hyperparameter(o, NN_HP_BETA1, 0.85), NN_OK);
        assert_int_equal(nn_train_options_set_schedule(o, NN_SCHEDULE_LINEAR, 4, 0.5), NN_OK);
        assert_int_equal(nn_train_options_set_linear_end_factor(o, 0.25), NN_OK);
        assert_int_equal(nn_train_options_set_clip(o, 0.3), NN_OK);
        assert_int_equal(nn_train_options_set_validation_fraction(o, 0.25, 0), NN_OK);
        assert_int_equal(nn_train_options_set_patience(o, 3, variant ? 1e9 : 0.0), NN_OK);
        assert_int_equal(nn_train_options_set_restore_best(o, 0), NN_OK);
        assert_int_equal(nn_train_options_set_threads(o, 1), NN_OK);
        assert_int_equal(nn_train_options_set_epoch_callback(o, log_epoch, &log), NN_OK);
        assert_int_equal(nn_train_options_set_batch_hook(o, log_hook, &hook), NN_OK);
        assert_int_equal(nn_train_options_set_order_file(o, path_a), NN_OK);
        assert_int_equal(nn_train_options_copy(NULL, o), NN_ERR_NULL_ARG);
        assert_int_equal(nn_train_options_copy(&copy, NULL), NN_ERR_NULL_ARG);
        assert_int_equal(nn_train_options_copy(&copy, o), NN_OK);
        assert_int_equal(nn_train_options_set_order_file(o, path_b), NN_OK);

        double h_copy[HISTORY], h_orig[HISTORY];
        size_t n_copy = 0, n_orig = 0;
        remove(path_a);
        remove(path_b);
        nn_t *by_copy = train_alone(start, train, NULL, copy, h_copy, &n_copy, NN_OK);
        const size_t calls = log.calls, hooks = hook.calls;
        assert_int_equal(calls, n_copy);
        assert_true(hooks > 0);
        assert_int_equal(access(path_b, F_OK), -1);
        assert_int_equal(count_lines(path_a), 2 + n_copy); /* train, validation, epochs */
        nn_t *by_orig = train_alone(start, train, NULL, o, h_orig, &n_orig, NN_OK);
        assert_int_equal(n_copy, n_orig);
        assert_int_equal(n_copy, variant ? 4 : 6); /* min_delta: 1 + patience */
        assert_same_params(by_copy, by_orig);
        assert_same_history(h_copy, h_orig, n_copy);
        assert_int_equal(log.calls, 2 * calls);
        assert_int_equal(hook.calls, 2 * hooks);
        char *a = read_all(path_a), *b = read_all(path_b);
        assert_string_equal(a, b);
        free(a);
        free(b);
        /* and differs from the defaults */
        nn_t *plain = train_alone(start, train, NULL, NULL, h_orig, &n_orig, NN_OK);
        double *pp = params_of(plain), *pc = params_of(by_copy);
        assert_true(memcmp(pp, pc, nn_param_count(plain) * sizeof(double)) != 0);
        free(pp);
        free(pc);
        nn_free(plain);
        nn_free(by_copy);
        nn_free(by_orig);
        nn_train_options_free(o);
        nn_train_options_free(copy);
    }
    remove(path_a);
    remove(path_b);
    free(path_a);
    free(path_b);
    nn_free(start);
    nn_dataset_free(train);
}

/* The threads never wait forever: if they do, the program ends, failing. */
static void watchdog(int signo)
{
    (void)signo;
    static const char message[] = "test_shards: the threads of a run hung (watchdog)\n";
    ssize_t written = write(2, message, sizeof message - 1);
    (void)written;
    _exit(1);
}

int main(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = watchdog;
    sigemptyset(&action.sa_mask);
    sigaction(SIGALRM, &action, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunks_match_by_hand_sgd),
        cmocka_unit_test(test_chunks_match_by_hand_adam),
        cmocka_unit_test(test_one_chunk_is_unchunked),
        cmocka_unit_test(test_reproducible_any_thread_count),
        cmocka_unit_test(test_fast_close_to_plain),
        cmocka_unit_test(test_validation_and_early_stopping),
        cmocka_unit_test(test_stop_from_thread_zero),
        cmocka_unit_test(test_hook_failure_on_one_thread),
        cmocka_unit_test(test_divergence_everywhere),
        cmocka_unit_test(test_order_file),
        cmocka_unit_test(test_resume_on_other_thread_count),
        cmocka_unit_test(test_options_refused),
        cmocka_unit_test(test_options_copy),
        cmocka_unit_test(test_failure_before_the_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

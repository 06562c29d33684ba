/* The optional back ends of the batched passes.

   Threads (Meson option 'threads'): with 2, 3, 4 or 7 threads every batched
   call gives the same bits as with one, and more than one thread really runs.
   CBLAS (Meson option 'cblas'): the products it takes agree with sums formed
   here in long double and with the built-in kernels to 1e-12 relative, in the
   products themselves and through whole passes.

   Each part runs in the builds that have its back end; the build tells the
   test which ones it has (NN_TEST_EXPECT_THREADS, NN_TEST_EXPECT_CBLAS), so a
   back end that silently goes missing fails here. Built from the library's
   sources to reach the internal team and product routines. */
#include "internal.h"
#include "check.h"
#include "testnet.h"

#include <stdlib.h>
#include <string.h>

#ifdef NN_HAVE_THREADS
#include <pthread.h>
#endif

/* ---- helpers ---- */

#if defined(NN_TEST_EXPECT_THREADS) || defined(NN_TEST_EXPECT_CBLAS)
/* |a - b| <= tol * (1 + |b|) entry by entry */
static void assert_close(const double *a, const double *b, size_t n, double tol)
{
    for (size_t i = 0; i < n; i++) {
        if (!(fabs(a[i] - b[i]) <= tol * (1.0 + fabs(b[i])))) {
            print_error("index %zu: %.17g vs %.17g\n", i, a[i], b[i]);
            fail();
        }
    }
}

#endif

#ifdef NN_TEST_EXPECT_THREADS
/* A custom activation (tanh) that records which threads call it, so that the
   test can tell that a pass really ran in several threads. */
struct witness {
#ifdef NN_HAVE_THREADS
    pthread_mutex_t mutex;
    pthread_t ids[NN_MAX_THREADS];
#endif
    size_t distinct;
};

static void note_thread(struct witness *w)
{
#ifdef NN_HAVE_THREADS
    pthread_mutex_lock(&w->mutex);
    const pthread_t self = pthread_self();
    size_t i = 0;
    while (i < w->distinct && !pthread_equal(w->ids[i], self))
        i++;
    if (i == w->distinct && i < NN_MAX_THREADS)
        w->ids[w->distinct++] = self;
    pthread_mutex_unlock(&w->mutex);
#else
    w->distinct = 1;
#endif
}

static void witness_tanh(void *context, size_t n, const double *z, double *a)
{
    note_thread(context);
    for (size_t i = 0; i < n; i++)
        a[i] = tanh(z[i]);
}

static void witness_tanh_deriv(void *context, size_t n, const double *z, const double *a,
                               double *d)
{
    (void)z;
    note_thread(context);
    for (size_t i = 0; i < n; i++)
        d[i] = 1.0 - a[i] * a[i];
}

static void witness_init(struct witness *w)
{
#ifdef NN_HAVE_THREADS
    assert_int_equal(pthread_mutex_init(&w->mutex, NULL), 0);
#endif
    w->distinct = 0;
}

static void witness_free(struct witness *w)
{
#ifdef NN_HAVE_THREADS
    pthread_mutex_destroy(&w->mutex);
#else
    (void)w;
#endif
}
#endif

/* ---- the thread count setting ---- */

static void test_thread_setting(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 4, 2};
    const int acts[] = {NN_ACT_SIGMOID, NN_ACT_LINEAR};
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 3, sizes, acts), NN_OK);
    assert_int_equal(nn_get_threads(net), 1); /* the default */
    assert_int_equal(nn_set_threads(NULL, 2), NN_ERR_NULL_ARG);
    assert_int_equal(nn_set_threads(net, 0), NN_ERR_ARGUMENT);
    assert_int_equal(nn_set_threads(net, 65), NN_ERR_ARGUMENT);
    assert_int_equal(nn_get_threads(net), 1);
#ifdef NN_TEST_EXPECT_THREADS
    assert_int_equal(nn_set_threads(net, 2), NN_OK);
    assert_int_equal(nn_get_threads(net), 2);
    assert_int_equal(nn_set_threads(net, 64), NN_OK);
    assert_int_equal(nn_get_threads(net), 64);
    /* a clone keeps the setting */
    nn_t *copy = NULL;
    assert_int_equal(nn_clone(net, &copy), NN_OK);
    assert_int_equal(nn_get_threads(copy), 64);
    nn_free(copy);
#else
    /* without thread support only 1 is accepted, and a refusal changes nothing */
    assert_int_equal(nn_set_threads(net, 2), NN_ERR_ARGUMENT);
    assert_int_equal(nn_get_threads(net), 1);
#endif
    assert_int_equal(nn_set_threads(net, 1), NN_OK);
    assert_int_equal(nn_get_threads(net), 1);
    nn_free(net);
}

/* ---- the team ---- */

#define TEAM_STAGES 5

struct team_probe {
    size_t size_seen[NN_MAX_THREADS];
    size_t slot[TEAM_STAGES][NN_MAX_THREADS];
    size_t sums[TEAM_STAGES][NN_MAX_THREADS];
};

/* Each stage every member writes its slot, waits at the barrier and then sums
   every member's slot of that stage: only a working barrier gives every
   member the full sum. */
static void probe_member(void *context, struct nn__team *team, size_t index, size_t size)
{
    struct team_probe *p = context;
    p->size_seen[index] = size;
    for (size_t s = 0; s < TEAM_STAGES; s++) {
        p->slot[s][index] = (s + 1) * 1000 + index;
        nn__team_sync(team);
        size_t sum = 0;
        for (size_t i = 0; i < size; i++)
            sum += p->slot[s][i];
        p->sums[s][index] = sum;
    }
}

static void test_team(void **state)
{
    (void)state;
    static const size_t asked[] = {1, 2, 3, 7};
    for (size_t c = 0; c < sizeof asked / sizeof asked[0]; c++) {
        struct team_probe *p = calloc(1, sizeof *p);
        assert_non_null(p);
        nn__team_run(asked[c], probe_member, p);
        const size_t size = p->size_seen[0];
#ifdef NN_TEST_EXPECT_THREADS
        assert_int_equal(size, asked[c]);
#else
        assert_int_equal(size, 1);
#endif
        for (size_t i = 0; i < size; i++) {
            assert_int_equal(p->size_seen[i], size);
            for (size_t s = 0; s < TEAM_STAGES; s++)
                assert_int_equal(p->sums[s][i], size * (s + 1) * 1000 + size * (size - 1) / 2);
        }
        free(p);
    }
}

/* ---- threads give the bits of one thread ---- */

#ifdef NN_TEST_EXPECT_THREADS
struct shape {
    size_t n_layers;
    size_t sizes[4];
    int acts[3];
    int witness_layer;  /* a layer that gets the witnessing custom activation */
    size_t batches[4];  /* batch sizes to run (0: none) */
    size_t min_parallel; /* batches from this size on must use several threads */
};

/* Runs the batched calls with `threads` threads on a clone of `ref` and
   compares every result with one thread, bit for bit. */
static void compare_thread_counts(const nn_t *ref, size_t n, size_t threads,
                                  struct witness *witness, int expect_parallel)
{
    const size_t n_in = nn_input_count(ref), n_out = nn_output_count(ref);
    const size_t np = nn_param_count(ref);
    double *x = random_rows(n * n_in, 100 + n, 0.0, 1.0);
    double *t = random_rows(n * n_out, 200 + n, -1.0, 1.0);
    double *y1 = malloc(n * n_out * sizeof(double)), *yt = malloc(n * n_out * sizeof(double));
    assert_non_null(y1);
    assert_non_null(yt);

    nn_t *one = NULL, *many = NULL;
    assert_int_equal(nn_clone(ref, &one), NN_OK);
    assert_int_equal(nn_clone(ref, &many), NN_OK);
    one->blas_off = many->blas_off = 1; /* the built-in kernels: exact bits */
    assert_int_equal(nn_set_threads(one, 1), NN_OK);
    assert_int_equal(nn_set_threads(many, threads), NN_OK);

    /* forward, then backward: outputs and gradients */
    witness->distinct = 0;
    assert_int_equal(nn_forward_batch(many, n, x, yt), NN_OK);
    const size_t forward_threads = witness->distinct;
    assert_int_equal(nn_forward_batch(one, n, x, y1), NN_OK);
    assert_memory_equal(yt, y1, n * n_out * sizeof(double));
    witness->distinct = 0;
    assert_int_equal(nn_backward_batch(many, n, t), NN_OK);
    const size_t backward_threads = witness->distinct;
    assert_int_equal(nn_backward_batch(one, n, t), NN_OK);
    double *g1 = grads_of(one), *gt = grads_of(many);
    assert_memory_equal(gt, g1, np * sizeof(double));
    if (expect_parallel) {
        assert_true(forward_threads >= 2);
        assert_true(backward_threads >= 2);
    }

    /* the gradient is also the sum of the per-sample gradients (to rounding) */
    nn_t *single = NULL;
    assert_int_equal(nn_clone(ref, &single), NN_OK);
    for (size_t r = 0; r < n; r++) {
        assert_int_equal(nn_forward(single, x + r * n_in, NULL), NN_OK);
        assert_int_equal(nn_backward(single, t + r * n_out), NN_OK);
    }
    double *gs = grads_of(single);
    assert_close(gt, gs, np, 1e-11);
    nn_free(single);
    free(gs);

    /* three training steps */
    for (int step = 0; step < 3; step++) {
        assert_int_equal(nn_step(one, 0.01), NN_OK);
        assert_int_equal(nn_step(many, 0.01), NN_OK);
        assert_int_equal(nn_forward_batch(one, n, x, y1), NN_OK);
        assert_int_equal(nn_forward_batch(many, n, x, yt), NN_OK);
        assert_int_equal(nn_backward_batch(one, n, t), NN_OK);
        assert_int_equal(nn_backward_batch(many, n, t), NN_OK);
    }
    double *p1 = params_of(one), *pt = params_of(many);
    assert_memory_equal(pt, p1, np * sizeof(double));
    free(g1);
    free(gt);
    g1 = grads_of(one);
    gt = grads_of(many);
    assert_memory_equal(gt, g1, np * sizeof(double));

    /* read-only inference: the full workspace, and one sized for one thread */
    const size_t ws = nn_inference_workspace_size(many, n);
    const size_t ws1 = nn_inference_workspace_size(one, n);
    assert_true(ws >= ws1);
    double *work = malloc(ws * sizeof(double));
    assert_non_null(work);
    witness->distinct = 0;
    assert_int_equal(nn_predict(many, n, x, yt, work, ws), NN_OK);
    if (expect_parallel)
        assert_true(witness->distinct >= 2);
    assert_memory_equal(yt, y1, n * n_out * sizeof(double));
    memset(yt, 0, n * n_out * sizeof(double));
    witness->distinct = 0;
    assert_int_equal(nn_predict(many, n, x, yt, work, ws1), NN_OK);
    assert_memory_equal(yt, y1, n * n_out * sizeof(double));
    if (ws1 < ws)
        assert_int_equal(witness->distinct, 1);
    assert_int_equal(nn_predict(many, n, x, yt, work, ws1 - 1), NN_ERR_BUFFER_SIZE);

    free(work);
    free(p1);
    free(pt);
    free(g1);
    free(gt);
    free(x);
    free(t);
    free(y1);
    free(yt);
    nn_free(one);
    nn_free(many);
}
#endif

static void test_threads_same_bits(void **state)
{
    (void)state;
#ifndef NN_TEST_EXPECT_THREADS
    skip();
#else
    /* the first has more inputs than units in every layer (the weight
       gradients split by columns), the second more units than inputs in its
       first layers (split by rows); both cross the gemm's blocking edges. The
       third is large enough for a few rows to be split among threads. Small
       passes run in one thread, which must give the same bits too. */
    static const struct shape shapes[] = {
        {4, {300, 260, 17, 4}, {NN_ACT_CUSTOM, NN_ACT_SIGMOID, NN_ACT_LINEAR}, 1,
         {37, 64, 3, 2}, 8},
        {4, {40, 300, 500, 6}, {NN_ACT_SIGMOID, NN_ACT_CUSTOM, NN_ACT_LINEAR}, 2,
         {37, 64, 2, 0}, 8},
        {3, {1000, 700, 3, 0}, {NN_ACT_CUSTOM, NN_ACT_LINEAR, 0}, 1, {3, 9, 0, 0}, 3},
        /* softmax takes whole rows: a layer of more units than rows, which
           the team divides by units, waits for the whole product */
        {4, {40, 300, 500, 6}, {NN_ACT_SOFTMAX, NN_ACT_CUSTOM, NN_ACT_SOFTMAX}, 2,
         {37, 64, 2, 0}, 8},
    };
    static const size_t thread_counts[] = {2, 3, 4, 7};
    struct witness witness;
    witness_init(&witness);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const struct shape *sh = &shapes[s];
        int acts[3];
        for (size_t k = 0; k + 1 < sh->n_layers; k++)
            acts[k] = sh->acts[k] == NN_ACT_CUSTOM ? NN_ACT_TANH : sh->acts[k];
        nn_t *ref = NULL;
        assert_int_equal(nn_create(&ref, sh->n_layers, sh->sizes, acts), NN_OK);
        assert_int_equal(nn_init_random(ref, 7 + s, NN_INIT_UNIFORM, -0.3, 0.3), NN_OK);
        if (acts[sh->n_layers - 2] == NN_ACT_SOFTMAX)
            assert_int_equal(nn_set_loss(ref, NN_LOSS_CROSS_ENTROPY), NN_OK);
        assert_int_equal(nn_set_custom_activation(ref, (size_t)sh->witness_layer, witness_tanh,
                                                  witness_tanh_deriv, &witness, "tanh-witness"),
                         NN_OK);
        for (size_t b = 0; b < 4 && sh->batches[b] > 0; b++)
            for (size_t c = 0; c < sizeof thread_counts / sizeof thread_counts[0]; c++)
                compare_thread_counts(ref, sh->batches[b], thread_counts[c], &witness,
                                      sh->batches[b] >= sh->min_parallel);
        nn_free(ref);
    }
    witness_free(&witness);
#endif
}

/* Setting the threads after the buffer exists grows it; fewer threads never
   shrink it; the last batch survives both. */
static void test_threads_and_buffer(void **state)
{
    (void)state;
#ifndef NN_TEST_EXPECT_THREADS
    skip();
#else
    const size_t sizes[] = {200, 150, 5};
    const int acts[] = {NN_ACT_SIGMOID, NN_ACT_LINEAR};
    nn_t *net = NULL, *ref = NULL;
    assert_int_equal(nn_create(&net, 3, sizes, acts), NN_OK);
    assert_int_equal(nn_init_random(net, 3, NN_INIT_UNIFORM, -0.2, 0.2), NN_OK);
    net->blas_off = 1; /* the built-in kernels: exact bits (the clone inherits it) */
    assert_int_equal(nn_clone(net, &ref), NN_OK);
    const size_t n = 40;
    double *x = random_rows(n * 200, 5, 0.0, 1.0), *t = random_rows(n * 5, 6, 0.0, 1.0);
    assert_int_equal(nn_forward_batch(net, n, x, NULL), NN_OK);
    assert_int_equal(net->batch_packs, 1);
    assert_int_equal(nn_set_threads(net, 3), NN_OK);
    /* the backward pass of the live batch may use only the packing areas there are */
    assert_int_equal(nn_backward_batch(net, n, t), NN_OK);
    assert_int_equal(nn_reserve_batch(net, n), NN_OK);
    assert_int_equal(net->batch_packs, 3);
    assert_int_equal(nn_backward_batch(net, n, t), NN_OK); /* the batch is still live */
    assert_int_equal(nn_set_threads(net, 2), NN_OK);
    assert_int_equal(nn_reserve_batch(net, n), NN_OK);
    assert_int_equal(net->batch_packs, 3);
    /* twice the gradient of one backward pass of the reference */
    assert_int_equal(nn_forward_batch(ref, n, x, NULL), NN_OK);
    assert_int_equal(nn_backward_batch(ref, n, t), NN_OK);
    assert_int_equal(nn_backward_batch(ref, n, t), NN_OK);
    double *g = grads_of(net), *gref = grads_of(ref);
    assert_memory_equal(g, gref, nn_param_count(net) * sizeof(double));
    /* a clone gets a buffer for the live rows with as many packing areas */
    nn_t *copy = NULL;
    assert_int_equal(nn_clone(net, &copy), NN_OK);
    assert_int_equal(copy->batch_packs, 3);
    assert_int_equal(nn_backward_batch(copy, n, t), NN_OK);
    nn_free(copy);
    free(g);
    free(gref);
    free(x);
    free(t);
    nn_free(net);
    nn_free(ref);
#endif
}

/* ---- outputs over the inputs ---- */

/* nn_predict() and nn_forward_batch() with outputs == inputs give the bits of
   separate arrays with 1, 2 and 3 threads. The networks of two layers are
   the case that went wrong: the top layer is the first one, whose members
   read the inputs while others already write outputs over them. Shapes with
   as many, more and fewer outputs than inputs, built-in activations (the
   unit-major products of nn_predict) and a custom one (the row-major ones),
   each pass large enough to run in 3 threads. */
struct in_place_shape {
    size_t n_layers;
    size_t sizes[3];
    int acts[2];
    int custom_layer; /* 0: none */
};

/* A custom activation that keeps no state: the threads call it at once. */
static void softsign(void *context, size_t n, const double *z, double *a)
{
    (void)context;
    for (size_t i = 0; i < n; i++)
        a[i] = z[i] / (1.0 + fabs(z[i]));
}

static void softsign_deriv(void *context, size_t n, const double *z, const double *a,
                           double *d)
{
    (void)context;
    (void)a;
    for (size_t i = 0; i < n; i++)
        d[i] = 1.0 / ((1.0 + fabs(z[i])) * (1.0 + fabs(z[i])));
}

static void check_in_place(const nn_t *ref, size_t n, size_t threads)
{
    const size_t n_in = nn_input_count(ref), n_out = nn_output_count(ref);
    const size_t rows = n * (n_in > n_out ? n_in : n_out);
    nn_t *net = NULL;
    assert_int_equal(nn_clone(ref, &net), NN_OK);
    net->blas_off = 1; /* the built-in kernels: exact bits */
    assert_int_equal(nn_set_threads(net, threads), NN_OK);
    double *x = random_rows(n * n_in, 300 + n_in, -1.0, 1.0);
    double *y = alloc_doubles(n * n_out), *buf = alloc_doubles(rows);
    const size_t ws = nn_inference_workspace_size(net, n);
    double *work = alloc_doubles(ws);

    assert_int_equal(nn_predict(net, n, x, y, work, ws), NN_OK);
    memcpy(buf, x, n * n_in * sizeof(double));
    assert_int_equal(nn_predict(net, n, buf, buf, work, ws), NN_OK);
    assert_memory_equal(buf, y, n * n_out * sizeof(double));

    memset(y, 0, n * n_out * sizeof(double));
    assert_int_equal(nn_forward_batch(net, n, x, y), NN_OK);
    memcpy(buf, x, n * n_in * sizeof(double));
    assert_int_equal(nn_forward_batch(net, n, buf, buf), NN_OK);
    assert_memory_equal(buf, y, n * n_out * sizeof(double));

    free(x);
    free(y);
    free(buf);
    free(work);
    nn_free(net);
}

static void test_outputs_over_inputs(void **state)
{
    (void)state;
    static const struct in_place_shape shapes[] = {
        {2, {64, 64, 0}, {NN_ACT_TANH, 0}, 0},
        {2, {40, 90, 0}, {NN_ACT_SIGMOID, 0}, 0},
        {2, {120, 30, 0}, {NN_ACT_LINEAR, 0}, 0},
        {2, {64, 64, 0}, {NN_ACT_TANH, 0}, 1},
        {2, {40, 90, 0}, {NN_ACT_TANH, 0}, 1},
        {2, {120, 30, 0}, {NN_ACT_TANH, 0}, 1},
        {3, {50, 80, 60}, {NN_ACT_SIGMOID, NN_ACT_LINEAR}, 0},
        {3, {50, 80, 60}, {NN_ACT_TANH, NN_ACT_LINEAR}, 2},
    };
#ifdef NN_TEST_EXPECT_THREADS
    static const size_t thread_counts[] = {1, 2, 3};
#else
    static const size_t thread_counts[] = {1}; /* a build without threads takes only 1 */
#endif
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const struct in_place_shape *sh = &shapes[s];
        nn_t *ref = NULL;
        assert_int_equal(nn_create(&ref, sh->n_layers, sh->sizes, sh->acts), NN_OK);
        assert_int_equal(nn_init_random(ref, 40 + s, NN_INIT_UNIFORM, -0.3, 0.3), NN_OK);
        if (sh->custom_layer != 0)
            assert_int_equal(nn_set_custom_activation(ref, (size_t)sh->custom_layer, softsign,
                                                      softsign_deriv, NULL, "softsign"),
                             NN_OK);
        for (size_t c = 0; c < sizeof thread_counts / sizeof thread_counts[0]; c++) {
            check_in_place(ref, 300, thread_counts[c]);
            check_in_place(ref, 1, thread_counts[c]);
        }
        nn_free(ref);
    }
}

/* ---- the CBLAS ---- */

#ifdef NN_TEST_EXPECT_CBLAS
/* C = A B (+ C) through nn__product in the three layouts of the passes,
   against long-double sums: within 1e-12 of the sum of the terms' magnitudes,
   and within the same of the built-in gemm. */
static void check_blas_product(nn_t *net, size_t m, size_t n, size_t k, int layout,
                               int accumulate)
{
    double *a = random_rows(m * k, 1 + m + layout, -1.0, 1.0);
    double *b = random_rows(k * n, 2 + n + layout, -1.0, 1.0);
    double *c0 = random_rows(m * n, 3 + k, -1.0, 1.0);
    double *c = malloc(m * n * sizeof(double)), *cb = malloc(m * n * sizeof(double));
    double *pack = malloc(nn__gemm_pack_doubles(m > n ? (m > k ? m : k) : (n > k ? n : k)) *
                          sizeof(double));
    assert_non_null(c);
    assert_non_null(cb);
    assert_non_null(pack);
    /* layout 0: A row-major, B transposed (forward: A_prev W^T); 1: A
       transposed, B row-major (weight gradients: Delta^T A_prev); 2: both
       row-major (deltas: Delta W) */
    const size_t rsa = layout == 1 ? 1 : k, csa = layout == 1 ? m : 1;
    const size_t rsb = layout == 0 ? 1 : n, csb = layout == 0 ? k : 1;
    memcpy(c, c0, m * n * sizeof(double));
    memcpy(cb, c0, m * n * sizeof(double));
    net->blas_off = 0;
    const struct nn_matrix va = layout == 1 ? nn__matrix_t(a, m, k, m) : nn__matrix(a, m, k, k);
    const struct nn_matrix vb = layout == 0 ? nn__matrix_t(b, k, n, k) : nn__matrix(b, k, n, n);
    nn__product(net, va, vb, cb, n, accumulate, pack);
    net->blas_off = 1;
    assert_false(nn__product_uses_blas(net, m, n, k));
    nn__product(net, va, vb, c, n, accumulate, pack);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            long double sum = accumulate ? c0[i * n + j] : 0.0L;
            long double mag = accumulate ? fabsl((long double)c0[i * n + j]) : 0.0L;
            for (size_t p = 0; p < k; p++) {
                const long double term =
                    (long double)a[i * rsa + p * csa] * (long double)b[p * rsb + j * csb];
                sum += term;
                mag += fabsl(term);
            }
            const double tol = 1e-12 * (double)mag;
            assert_abs(cb[i * n + j], (double)sum, tol);
            assert_abs(cb[i * n + j], c[i * n + j], tol);
        }
    free(a);
    free(b);
    free(c0);
    free(c);
    free(cb);
    free(pack);
    net->blas_off = 0;
}
#endif

static void test_blas_products(void **state)
{
    (void)state;
    const size_t sizes[] = {2, 2};
    const int acts[] = {NN_ACT_LINEAR};
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 2, sizes, acts), NN_OK);
    /* small products never go to the CBLAS */
    assert_false(nn__product_uses_blas(net, 8, 500, 500));
    assert_false(nn__product_uses_blas(net, 31, 1000, 1000));
    assert_false(nn__product_uses_blas(net, 40, 40, 40));
#ifndef NN_TEST_EXPECT_CBLAS
    assert_false(nn__product_uses_blas(net, 300, 300, 300));
    nn_free(net);
    skip();
#else
    assert_true(nn__product_uses_blas(net, 300, 300, 300));
    assert_true(nn__product_uses_blas(net, 64, 256, 784));
    static const size_t shapes[][3] = {{64, 256, 784}, {130, 97, 300}, {37, 500, 261}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        assert_true(nn__product_uses_blas(net, shapes[s][0], shapes[s][1], shapes[s][2]));
        for (int layout = 0; layout < 3; layout++)
            for (int acc = 0; acc < 2; acc++)
                check_blas_product(net, shapes[s][0], shapes[s][1], shapes[s][2], layout, acc);
    }
    nn_free(net);
#endif
}

/* Whole passes with the CBLAS against the built-in kernels. */
static void test_blas_passes(void **state)
{
    (void)state;
#ifndef NN_TEST_EXPECT_CBLAS
    skip();
#else
    const size_t sizes[] = {300, 256, 120, 10};
    const int acts[] = {NN_ACT_SIGMOID, NN_ACT_TANH, NN_ACT_LINEAR};
    const size_t n = 64, np_in = 300, n_out = 10;
    nn_t *blas = NULL, *builtin = NULL;
    assert_int_equal(nn_create(&blas, 4, sizes, acts), NN_OK);
    assert_int_equal(nn_init_random(blas, 9, NN_INIT_UNIFORM, -0.2, 0.2), NN_OK);
    assert_int_equal(nn_clone(blas, &builtin), NN_OK);
    builtin->blas_off = 1;
    assert_true(nn__product_uses_blas(blas, n, 256, 300));
    double *x = random_rows(n * np_in, 11, 0.0, 1.0), *t = random_rows(n * n_out, 12, 0.0, 1.0);
    double *yb = malloc(n * n_out * sizeof(double)), *yk = malloc(n * n_out * sizeof(double));
    assert_non_null(yb);
    assert_non_null(yk);
    for (int step = 0; step < 3; step++) {
        assert_int_equal(nn_forward_batch(blas, n, x, yb), NN_OK);
        assert_int_equal(nn_forward_batch(builtin, n, x, yk), NN_OK);
        assert_close(yb, yk, n * n_out, 1e-12);
        assert_int_equal(nn_backward_batch(blas, n, t), NN_OK);
        assert_int_equal(nn_backward_batch(builtin, n, t), NN_OK);
        double *gb = grads_of(blas), *gk = grads_of(builtin);
        assert_close(gb, gk, nn_param_count(blas), 1e-12);
        free(gb);
        free(gk);
        assert_int_equal(nn_step(blas, 0.001), NN_OK);
        assert_int_equal(nn_step(builtin, 0.001), NN_OK);
    }
    double *pb = params_of(blas), *pk = params_of(builtin);
    assert_close(pb, pk, nn_param_count(blas), 1e-12);
    /* inference takes the same route */
    const size_t ws = nn_inference_workspace_size(blas, n);
    double *work = malloc(ws * sizeof(double));
    assert_non_null(work);
    assert_int_equal(nn_predict(blas, n, x, yb, work, ws), NN_OK);
    assert_int_equal(nn_predict(builtin, n, x, yk, work, ws), NN_OK);
    assert_close(yb, yk, n * n_out, 1e-12);
    free(work);
    free(pb);
    free(pk);
    free(x);
    free(t);
    free(yb);
    free(yk);
    nn_free(blas);
    nn_free(builtin);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thread_setting),
        cmocka_unit_test(test_team),
        cmocka_unit_test(test_threads_same_bits),
        cmocka_unit_test(test_threads_and_buffer),
        cmocka_unit_test(test_outputs_over_inputs),
        cmocka_unit_test(test_blas_products),
        cmocka_unit_test(test_blas_passes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

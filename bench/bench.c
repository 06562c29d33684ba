/* Benchmark of libbackprop against FANN (doublefann) and PyTorch.

   Usage: bench [--reps N] [--quick] [--python PATH] [--peer-script PATH]

   Workloads (synthetic data from fixed seeds; every peer starts from the same
   weights, written to a temporary directory for the PyTorch peer):
     W1  2-2-1 sigmoid, XOR patterns, online, 1,000,000 updates
     W2  784-128-10 sigmoid, online SGD, 20,000 samples
     W3  784-256-256-10 (sigmoid, sigmoid, linear), minibatch 64, 200 batches,
         1 and 2 threads
     W4  inference with the W3 network, batch 1 (2,000 samples) and 64 (200 batches)
     W5  784-128-10 classifier (ReLU, softmax + cross-entropy), Adam, minibatch
         32 with the mean reduction, 200 batches
   Each measurement is the median of --reps interleaved runs (default 5). A
   checksum of the final weights is printed for each peer. Hand-written
   floors of W1, W2 and W4 (floors.c) run in the same rounds and show how
   close to the machine's limit each figure is. */
#define _POSIX_C_SOURCE 200809L
#include "backprop.h"
#include "floors.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef BENCH_HAVE_FANN
#include <doublefann.h>
#endif
#ifdef BENCH_HAVE_OPENBLAS
#include <cblas.h>
#endif

#define MAX_REPS 21

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "bench: %s\n", what);
    exit(1);
}

static void ok(nn_status s, const char *what)
{
    if (s != NN_OK) {
        fprintf(stderr, "bench: %s: %s\n", what, nn_strerror(s));
        exit(1);
    }
}

static double *alloc_doubles(size_t n)
{
    double *p = malloc(n * sizeof(double));
    if (p == NULL)
        die("out of memory");
    return p;
}

/* n doubles at a cache-line boundary, as the library keeps its own */
static double *alloc_aligned(size_t n)
{
    const size_t bytes = (n * sizeof(double) + 63) / 64 * 64;
    double *p = aligned_alloc(64, bytes);
    if (p == NULL)
        die("out of memory");
    return p;
}

/* ---- data ---- */

struct workload {
    const char *name;
    size_t n_layers;
    size_t sizes[4];
    int acts[3];
    unsigned long seed;
    double lo, hi;
    size_t n_samples; /* distinct samples */
    double *x, *t;
    double *init; /* initial parameters, flat order */
    size_t n_params;
};

static nn_t *make_net(const struct workload *w)
{
    nn_t *net = NULL;
    ok(nn_create(&net, w->n_layers, w->sizes, w->acts), "create");
    ok(nn_set_params(net, w->init, w->n_params), "set params");
    return net;
}

static void setup(struct workload *w, int xor_data)
{
    nn_t *net = NULL;
    ok(nn_create(&net, w->n_layers, w->sizes, w->acts), "create");
    ok(nn_init_random(net, w->seed, NN_INIT_UNIFORM, w->lo, w->hi), "init");
    w->n_params = nn_param_count(net);
    w->init = alloc_doubles(w->n_params);
    ok(nn_get_params(net, w->init, w->n_params), "get params");
    nn_free(net);
    const size_t n_in = w->sizes[0], n_out = w->sizes[w->n_layers - 1];
    w->x = alloc_doubles(w->n_samples * n_in);
    w->t = alloc_doubles(w->n_samples * n_out);
    if (xor_data) {
        static const double x[] = {0, 0, 0, 1, 1, 0, 1, 1}, t[] = {0, 1, 1, 0};
        memcpy(w->x, x, sizeof x);
        memcpy(w->t, t, sizeof t);
        return;
    }
    nn_rng_t *rng = NULL;
    ok(nn_rng_create(&rng, w->seed + 1000), "rng");
    for (size_t i = 0; i < w->n_samples * n_in; i++)
        w->x[i] = nn_rng_uniform(rng);
    for (size_t s = 0; s < w->n_samples; s++) {
        const unsigned long label = nn_rng_next_u32(rng) % n_out;
        for (size_t j = 0; j < n_out; j++)
            w->t[s * n_out + j] = j == label ? 1.0 : 0.0;
    }
    nn_rng_free(rng);
}

/* A weighted sum of the parameters in flat order, the same formula as the
   PyTorch peer's. */
static double checksum_flat(const double *p, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += p[i] * (1.0 + (double)(i % 13) / 13.0);
    return s;
}

static double checksum(const nn_t *net)
{
    const size_t n = nn_param_count(net);
    double *p = alloc_doubles(n);
    ok(nn_get_params(net, p, n), "get params");
    const double s = checksum_flat(p, n);
    free(p);
    return s;
}

static void write_file(const char *dir, const char *name, const double *x, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(x, sizeof(double), n, f) != n || fclose(f) != 0)
        die("cannot write the peer's data");
}

/* Keeps the core busy for `seconds`, so that a timed run starts at full clock. */
static void warm_up(double seconds)
{
    volatile double sink = 1.0;
    const double t0 = now();
    while (now() - t0 < seconds)
        for (int i = 0; i < 1000; i++)
            sink = sink * 0.999999 + 1e-9;
}

/* ---- libbackprop runs ---- */

#define W1_UPDATES 1000000
#define W1_TORCH_UPDATES 10000
#define W1_RATE 0.5
#define W2_RATE 0.05
#define W3_BATCH 64
#define W3_BATCHES 200
#define W3_RATE 0.001
#define W4_SINGLE 2000
#define W4_BATCHES 200
#define W5_BATCH 32
#define W5_BATCHES 200
#define W5_RATE 0.001

/* W1 with nn_train_sample(), or with the three calls nn_forward(),
   nn_backward() and nn_step() */
static double run_w1(const struct workload *w, size_t updates, int three_calls, double *sum)
{
    nn_t *net = make_net(w);
    const double t0 = now();
    for (size_t u = 0; u < updates; u++) {
        const double *x = w->x + (u % 4) * 2, *t = w->t + u % 4;
        if (three_calls) {
            nn_forward(net, x, NULL);
            nn_backward(net, t);
            nn_step(net, W1_RATE);
        } else {
            nn_train_sample(net, x, t, W1_RATE);
        }
    }
    const double dt = now() - t0;
    *sum = checksum(net);
    nn_free(net);
    return dt;
}

static double run_w2(const struct workload *w, int three_calls, double *sum)
{
    nn_t *net = make_net(w);
    const double t0 = now();
    for (size_t s = 0; s < w->n_samples; s++) {
        const double *x = w->x + s * 784, *t = w->t + s * 10;
        if (three_calls) {
            nn_forward(net, x, NULL);
            nn_backward(net, t);
            nn_step(net, W2_RATE);
        } else {
            nn_train_sample(net, x, t, W2_RATE);
        }
    }
    const double dt = now() - t0;
    *sum = checksum(net);
    nn_free(net);
    return dt;
}

static double run_w3(const struct workload *w, size_t threads, double *sum)
{
    nn_t *net = make_net(w);
    if (nn_set_threads(net, threads) != NN_OK) {
        nn_free(net);
        return NAN;
    }
    ok(nn_reserve_batch(net, W3_BATCH), "reserve");
    const double t0 = now();
    for (size_t b = 0; b < W3_BATCHES; b++) {
        const size_t first = (b * W3_BATCH) % w->n_samples;
        ok(nn_forward_batch(net, W3_BATCH, w->x + first * 784, NULL), "forward batch");
        ok(nn_backward_batch(net, W3_BATCH, w->t + first * 10), "backward batch");
        ok(nn_step(net, W3_RATE), "step");
    }
    const double dt = now() - t0;
    *sum = checksum(net);
    nn_free(net);
    return dt;
}

/* W5: a classifier trained by Adam on the mean of each batch's gradients */
static double run_w5(const struct workload *w, double *sum)
{
    nn_t *net = make_net(w);
    ok(nn_set_loss(net, NN_LOSS_CROSS_ENTROPY), "loss");
    ok(nn_set_reduction(net, NN_REDUCTION_MEAN), "reduction");
    ok(nn_reserve_batch(net, W5_BATCH), "reserve");
    nn_optimizer_t *opt = NULL;
    ok(nn_optimizer_create(&opt, net, NN_OPT_ADAM), "optimizer");
    const double t0 = now();
    for (size_t b = 0; b < W5_BATCHES; b++) {
        const size_t first = b * W5_BATCH;
        ok(nn_forward_batch(net, W5_BATCH, w->x + first * 784, NULL), "forward batch");
        ok(nn_backward_batch(net, W5_BATCH, w->t + first * 10), "backward batch");
        ok(nn_optimizer_step(opt, net, W5_RATE), "optimizer step");
    }
    const double dt = now() - t0;
    *sum = checksum(net);
    nn_optimizer_free(opt);
    nn_free(net);
    return dt;
}

static double run_w4(const struct workload *w, size_t batch, double *sum)
{
    nn_t *net = make_net(w);
    const size_t ws = nn_inference_workspace_size(net, batch);
    double *work = alloc_doubles(ws), *y = alloc_doubles(batch * 10);
    const size_t reps = batch == 1 ? W4_SINGLE : W4_BATCHES;
    double s = 0.0;
    const double t0 = now();
    for (size_t r = 0; r < reps; r++) {
        const size_t first = (r * batch) % w->n_samples;
        ok(nn_predict(net, batch, w->x + first * 784, y, work, ws), "predict");
        s += y[0];
    }
    const double dt = now() - t0;
    *sum = s;
    free(work);
    free(y);
    nn_free(net);
    return dt;
}

/* ---- floors (floors.c) ---- */

static double run_w1_floor(const struct workload *w, size_t updates, double *sum)
{
    double p[9];
    const double dt = floor_w1(w->init, w->x, w->t, updates, W1_RATE, p);
    *sum = checksum_flat(p, 9);
    return dt;
}

/* the first layer's weights lead the flat order */
static double run_w2_floor(const struct workload *w, double *sum)
{
    const size_t rows = w->sizes[1], cols = w->sizes[0];
    double *m = alloc_aligned(rows * cols), *x_copy = alloc_aligned(cols), y[128];
    memcpy(m, w->init, rows * cols * sizeof(double));
    const double dt = floor_w2(m, rows, cols, w->x, w->n_samples, W2_RATE, y, x_copy);
    *sum = checksum_flat(m, rows * cols);
    free(x_copy);
    free(m);
    return dt;
}

static double run_w4_floor(const struct workload *w, double *sum)
{
    double *p = alloc_aligned(w->n_params);
    memcpy(p, w->init, w->n_params * sizeof(double));
    const double dt = floor_w4(p, w->n_params, W4_SINGLE, sum);
    free(p);
    return dt;
}

/* ---- FANN ---- */

#ifdef BENCH_HAVE_FANN
/* Visits every weight of a FANN network in libbackprop's flat order. */
static void fann_params(struct fann *ann, const struct workload *w, double *p, int to_fann)
{
    size_t k = 1, flat = 0;
    for (struct fann_layer *layer = ann->first_layer + 1; layer != ann->last_layer;
         layer++, k++) {
        const size_t n_in = w->sizes[k - 1], n_out = w->sizes[k];
        if ((size_t)(layer->last_neuron - layer->first_neuron) != n_out + 1)
            die("unexpected FANN layout");
        for (size_t j = 0; j < n_out; j++) {
            const struct fann_neuron *neuron = layer->first_neuron + j;
            if (neuron->last_con - neuron->first_con != n_in + 1)
                die("unexpected FANN connections");
            for (size_t i = 0; i <= n_in; i++) {
                /* weights first, the bias connection last; the flat order puts
                   a layer's biases after all its weights */
                const size_t idx = i < n_in ? flat + j * n_in + i : flat + n_out * n_in + j;
                double *dst = &ann->weights[neuron->first_con + i];
                if (to_fann)
                    *dst = p[idx];
                else
                    p[idx] = *dst;
            }
        }
        flat += n_out * n_in + n_out;
    }
}

static struct fann *make_fann(const struct workload *w)
{
    unsigned int sizes[4];
    for (size_t k = 0; k < w->n_layers; k++)
        sizes[k] = (unsigned int)w->sizes[k];
    struct fann *ann = fann_create_standard_array((unsigned int)w->n_layers, sizes);
    if (ann == NULL)
        die("fann_create_standard_array");
    for (size_t k = 1; k < w->n_layers; k++) {
        const int linear = w->acts[k - 1] == NN_ACT_LINEAR;
        fann_set_activation_function_layer(ann, linear ? FANN_LINEAR : FANN_SIGMOID, (int)k);
        /* FANN's sigmoid is 1/(1+exp(-2 s z)) and its linear s z */
        fann_set_activation_steepness_layer(ann, linear ? 1.0 : 0.5, (int)k);
    }
    fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
    fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
    fann_set_learning_momentum(ann, 0.0f);
    fann_params(ann, w, w->init, 1);
    return ann;
}

static double fann_checksum(struct fann *ann, const struct workload *w)
{
    double *p = alloc_doubles(w->n_params);
    fann_params(ann, w, p, 0);
    const double s = checksum_flat(p, w->n_params);
    free(p);
    return s;
}

static double fann_online(const struct workload *w, size_t updates, double rate, double *sum)
{
    struct fann *ann = make_fann(w);
    fann_set_learning_rate(ann, (float)rate);
    const size_t n_in = w->sizes[0], n_out = w->sizes[w->n_layers - 1];
    const double t0 = now();
    for (size_t u = 0; u < updates; u++) {
        const size_t s = u % w->n_samples;
        fann_train(ann, w->x + s * n_in, w->t + s * n_out);
    }
    const double dt = now() - t0;
    *sum = fann_checksum(ann, w);
    fann_destroy(ann);
    return dt;
}

static double fann_infer(const struct workload *w, size_t batch, double *sum)
{
    struct fann *ann = make_fann(w);
    const size_t reps = batch == 1 ? W4_SINGLE : W4_BATCHES;
    double s = 0.0;
    const double t0 = now();
    for (size_t r = 0; r < reps; r++) {
        const size_t first = (r * batch) % w->n_samples;
        for (size_t i = 0; i < batch; i++) {
            const double *y = fann_run(ann, w->x + (first + i) * 784);
            if (i == 0)
                s += y[0];
        }
    }
    const double dt = now() - t0;
    *sum = s;
    fann_destroy(ann);
    return dt;
}
#endif

/* ---- results ---- */

enum {
    R_W1_LIB, R_W1_LIB_3CALL, R_W1_LIB_SHORT, R_W1_FANN, R_W1_TORCH,
    R_W2_LIB_FUSED, R_W2_LIB_3CALL, R_W2_FANN, R_W2_TORCH,
    R_W3_LIB_1, R_W3_LIB_2, R_W3_TORCH_1, R_W3_TORCH_2,
    R_W4_LIB_1, R_W4_LIB_64, R_W4_FANN_1, R_W4_FANN_64, R_W4_TORCH_1, R_W4_TORCH_64,
    R_W1_FLOOR, R_W2_FLOOR, R_W4_FLOOR,
    R_W5_LIB, R_W5_TORCH,
    R_COUNT
};

static const char *result_names[R_COUNT] = {
    "W1 libbackprop train_sample", "W1 libbackprop forward+backward+step",
    "W1 libbackprop (10k, for the torch checksum)",
    "W1 FANN fann_train", "W1 PyTorch (10k updates)",
    "W2 libbackprop train_sample", "W2 libbackprop forward+backward+step",
    "W2 FANN fann_train", "W2 PyTorch",
    "W3 libbackprop 1 thread", "W3 libbackprop 2 threads", "W3 PyTorch 1 thread",
    "W3 PyTorch 2 threads",
    "W4 libbackprop batch 1", "W4 libbackprop batch 64", "W4 FANN batch 1",
    "W4 FANN batch 64 (64 runs)", "W4 PyTorch batch 1", "W4 PyTorch batch 64",
    "W1 floor: registers only", "W2 floor: two sweeps of layer 1",
    "W4 floor: one read of the weights",
    "W5 libbackprop Adam, 1 thread", "W5 PyTorch Adam, 1 thread",
};

/* a libbackprop result and a peer's, compared by time or by checksum */
struct comparison {
    const char *what;
    int lib, peer;
};

static double times[R_COUNT][MAX_REPS];
static double sums[R_COUNT];
static int have[R_COUNT];

static void record(int r, int rep, double t, double sum)
{
    times[r][rep] = t;
    sums[r] = sum;
    have[r] = !isnan(t);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(int r, int reps)
{
    double v[MAX_REPS];
    memcpy(v, times[r], (size_t)reps * sizeof(double));
    qsort(v, (size_t)reps, sizeof(double), cmp_double);
    return reps % 2 ? v[reps / 2] : 0.5 * (v[reps / 2 - 1] + v[reps / 2]);
}

/* Runs the PyTorch peer once over every workload and records its lines
   "<result index> <seconds> <checksum>". */
static void run_torch(const char *python, const char *script, const char *dir, int rep,
                      int quick)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' %d", python, script, dir, quick);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return;
    int idx;
    double t, s;
    char line[512];
    while (fgets(line, sizeof line, p) != NULL) {
        if (sscanf(line, "%d %lf %lf", &idx, &t, &s) == 3 && idx >= 0 && idx < R_COUNT)
            record(idx, rep, t, s);
    }
    pclose(p);
}

/* Bytes the counting allocator has handed out. */
struct counter {
    size_t live, peak;
};

static void *count_alloc(void *context, size_t size)
{
    struct counter *c = context;
    max_align_t *block = malloc(sizeof(max_align_t) + size);
    if (block == NULL)
        return NULL;
    memcpy(block, &size, sizeof size);
    c->live += size;
    if (c->live > c->peak)
        c->peak = c->live;
    return block + 1;
}

static void count_dealloc(void *context, void *ptr)
{
    struct counter *c = context;
    max_align_t *block = (max_align_t *)ptr - 1;
    size_t size;
    memcpy(&size, block, sizeof size);
    c->live -= size;
    free(block);
}

static void memory_report(const struct workload *w3)
{
    struct counter c = {0, 0};
    nn_t *net = NULL;
    ok(nn_create_with_allocator(&net, 4, w3->sizes, w3->acts, count_alloc, count_dealloc, &c),
       "create");
    const size_t created = c.live;
    ok(nn_reserve_batch(net, W3_BATCH), "reserve");
    printf("W3 network: %zu parameters; minimum %zu bytes (parameters), %zu bytes "
           "(parameters + gradients)\n",
           w3->n_params, w3->n_params * sizeof(double), 2 * w3->n_params * sizeof(double));
    printf("W3 network: %zu bytes after nn_create, %zu bytes with the batch buffer for %d "
           "rows\n",
           created, c.live, W3_BATCH);
    nn_free(net);

    /* peak RSS of a process that only runs the W3 training loop */
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        double sum;
        run_w3(w3, 1, &sum);
        _exit(0);
    }
    int status;
    struct rusage ru;
    if (pid > 0 && waitpid(pid, &status, 0) == pid && getrusage(RUSAGE_CHILDREN, &ru) == 0)
        printf("W3 training process (data set of %zu samples included): peak RSS %ld KiB\n",
               w3->n_samples, ru.ru_maxrss);
}

int main(int argc, char **argv)
{
    int reps = 5, quick = 0;
    const char *python = "/usr/bin/python3";
    const char *script = "bench/peer_torch.py";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--python") == 0 && i + 1 < argc)
            python = argv[++i];
        else if (strcmp(argv[i], "--peer-script") == 0 && i + 1 < argc)
            script = argv[++i];
        else
            die("usage: bench [--reps N] [--quick] [--python PATH] [--peer-script PATH]");
    }
    if (reps < 1 || reps > MAX_REPS)
        die("--reps must be 1..21");
    const int use_torch = access(script, R_OK) == 0 && access(python, X_OK) == 0;

    struct workload w1 = {"W1", 3, {2, 2, 1}, {NN_ACT_SIGMOID, NN_ACT_SIGMOID}, 1, -1.0, 1.0, 4,
                          NULL, NULL, NULL, 0};
    struct workload w2 = {"W2", 3, {784, 128, 10}, {NN_ACT_SIGMOID, NN_ACT_SIGMOID}, 2, -0.05,
                          0.05, quick ? 2000 : 20000, NULL, NULL, NULL, 0};
    struct workload w3 = {"W3", 4, {784, 256, 256, 10},
                          {NN_ACT_SIGMOID, NN_ACT_SIGMOID, NN_ACT_LINEAR}, 4, -0.05, 0.05,
                          W3_BATCH * W3_BATCHES, NULL, NULL, NULL, 0};
    setup(&w1, 1);
    setup(&w2, 0);
    struct workload w5 = {"W5", 3, {784, 128, 10}, {NN_ACT_RELU, NN_ACT_SOFTMAX}, 5, -0.05,
                          0.05, W5_BATCH * W5_BATCHES, NULL, NULL, NULL, 0};
    setup(&w3, 0);
    setup(&w5, 0);
    const size_t w1_updates = quick ? W1_UPDATES / 10 : W1_UPDATES;

    char dir[] = "nnbench-data-XXXXXX"; /* in the working directory */
    if (use_torch) {
        if (mkdtemp(dir) == NULL)
            die("mkdtemp");
        write_file(dir, "w1_init.bin", w1.init, w1.n_params);
        write_file(dir, "w2_init.bin", w2.init, w2.n_params);
        write_file(dir, "w2_x.bin", w2.x, w2.n_samples * 784);
        write_file(dir, "w2_t.bin", w2.t, w2.n_samples * 10);
        write_file(dir, "w3_init.bin", w3.init, w3.n_params);
        write_file(dir, "w3_x.bin", w3.x, w3.n_samples * 784);
        write_file(dir, "w3_t.bin", w3.t, w3.n_samples * 10);
        write_file(dir, "w5_init.bin", w5.init, w5.n_params);
        write_file(dir, "w5_x.bin", w5.x, w5.n_samples * 784);
        write_file(dir, "w5_t.bin", w5.t, w5.n_samples * 10);
    }

    /* 20 ms of busy work, then the run, then the record of its time and
       checksum: a run that starts on an idle core (after the PyTorch peer's
       process, say) otherwise pays for the clock ramping up, which made
       the first of a million tiny updates 50% slower than the rest */
#define RUN(r, call)                         \
    do {                                     \
        double s = 0.0;                      \
        warm_up(0.02);                       \
        const double t_ = call;              \
        record(r, rep, t_, s);               \
    } while (0)
    for (int rep = 0; rep < reps; rep++) {
        RUN(R_W1_LIB, run_w1(&w1, w1_updates, 0, &s));
        RUN(R_W1_LIB_3CALL, run_w1(&w1, w1_updates, 1, &s));
        RUN(R_W1_LIB_SHORT, run_w1(&w1, W1_TORCH_UPDATES, 0, &s));
        RUN(R_W2_LIB_FUSED, run_w2(&w2, 0, &s));
        RUN(R_W2_LIB_3CALL, run_w2(&w2, 1, &s));
        RUN(R_W3_LIB_1, run_w3(&w3, 1, &s));
        RUN(R_W3_LIB_2, run_w3(&w3, 2, &s));
        RUN(R_W4_LIB_1, run_w4(&w3, 1, &s));
        RUN(R_W4_LIB_64, run_w4(&w3, 64, &s));
        RUN(R_W5_LIB, run_w5(&w5, &s));
        RUN(R_W1_FLOOR, run_w1_floor(&w1, w1_updates, &s));
        RUN(R_W2_FLOOR, run_w2_floor(&w2, &s));
        RUN(R_W4_FLOOR, run_w4_floor(&w3, &s));
#ifdef BENCH_HAVE_FANN
        RUN(R_W1_FANN, fann_online(&w1, w1_updates, W1_RATE, &s));
        RUN(R_W2_FANN, fann_online(&w2, w2.n_samples, W2_RATE, &s));
        RUN(R_W4_FANN_1, fann_infer(&w3, 1, &s));
        RUN(R_W4_FANN_64, fann_infer(&w3, 64, &s));
#endif
        if (use_torch)
            run_torch(python, script, dir, rep, quick);
        fprintf(stderr, "run %d of %d done\n", rep + 1, reps);
    }

    printf("median of %d interleaved runs%s\n", reps, quick ? " (quick: W1 and W2 shortened)" : "");
    printf("%-46s %12s %24s\n", "workload / peer", "seconds", "checksum");
    for (int r = 0; r < R_COUNT; r++) {
        if (!have[r]) {
            printf("%-46s %12s\n", result_names[r], "n/a");
            continue;
        }
        printf("%-46s %12.6f %24.15e\n", result_names[r], median(r, reps), sums[r]);
    }

    printf("\nratios (peer time / libbackprop time; above 1 means libbackprop is faster)\n");
    const struct comparison ratios[] = {
        {"W1 vs FANN", R_W1_LIB, R_W1_FANN},
        {"W1 3-call vs FANN", R_W1_LIB_3CALL, R_W1_FANN},
        {"W1 vs PyTorch (per update)", R_W1_LIB_SHORT, R_W1_TORCH},
        {"W2 train_sample vs FANN", R_W2_LIB_FUSED, R_W2_FANN},
        {"W2 train_sample vs PyTorch", R_W2_LIB_FUSED, R_W2_TORCH},
        {"W2 3-call vs FANN", R_W2_LIB_3CALL, R_W2_FANN},
        {"W2 3-call vs PyTorch", R_W2_LIB_3CALL, R_W2_TORCH},
        {"W3 1 thread vs PyTorch 1 thread", R_W3_LIB_1, R_W3_TORCH_1},
        {"W3 2 threads vs PyTorch 2 threads", R_W3_LIB_2, R_W3_TORCH_2},
        {"W4 batch 1 vs PyTorch", R_W4_LIB_1, R_W4_TORCH_1},
        {"W4 batch 64 vs PyTorch", R_W4_LIB_64, R_W4_TORCH_64},
        {"W4 batch 1 vs FANN", R_W4_LIB_1, R_W4_FANN_1},
        {"W4 batch 64 vs FANN", R_W4_LIB_64, R_W4_FANN_64},
        {"W5 Adam 1 thread vs PyTorch 1 thread", R_W5_LIB, R_W5_TORCH},
    };
    for (size_t i = 0; i < sizeof ratios / sizeof ratios[0]; i++) {
        if (have[ratios[i].lib] && have[ratios[i].peer])
            printf("%-40s %8.2fx\n", ratios[i].what,
                   median(ratios[i].peer, reps) / median(ratios[i].lib, reps));
        else
            printf("%-40s %9s\n", ratios[i].what, "n/a");
    }

    printf("\nfloors (bench/floors.c: the least work of the workload, by hand) against the\n"
           "targets' ratios: libbackprop's time over the floor's, and the peer's time over\n"
           "the floor's, the highest ratio to that peer any implementation could show here\n");
    struct {
        const char *what;
        int floor, lib, peer;
    } floors[] = {
        {"W1 vs FANN", R_W1_FLOOR, R_W1_LIB, R_W1_FANN},
        {"W2 train_sample vs PyTorch", R_W2_FLOOR, R_W2_LIB_FUSED, R_W2_TORCH},
        {"W4 batch 1 vs PyTorch", R_W4_FLOOR, R_W4_LIB_1, R_W4_TORCH_1},
    };
    printf("%-30s %12s %18s %12s\n", "", "floor (s)", "libbackprop/floor", "peer/floor");
    for (size_t i = 0; i < sizeof floors / sizeof floors[0]; i++) {
        const double f = median(floors[i].floor, reps);
        printf("%-30s %12.6f %17.2fx", floors[i].what, f, median(floors[i].lib, reps) / f);
        if (have[floors[i].peer])
            printf(" %11.2fx\n", median(floors[i].peer, reps) / f);
        else
            printf(" %12s\n", "n/a");
    }

    printf("\nchecksums (relative difference to libbackprop)\n");
    const struct comparison checks[] = {
        {"W1 PyTorch (10k updates)", R_W1_LIB_SHORT, R_W1_TORCH},
        {"W1 floor", R_W1_LIB, R_W1_FLOOR},
        {"W1 3-call", R_W1_LIB, R_W1_LIB_3CALL},
        {"W2 PyTorch", R_W2_LIB_FUSED, R_W2_TORCH},
        {"W2 3-call", R_W2_LIB_FUSED, R_W2_LIB_3CALL},
        {"W3 PyTorch 1 thread", R_W3_LIB_1, R_W3_TORCH_1},
        {"W3 2 threads", R_W3_LIB_1, R_W3_LIB_2},
        {"W1 FANN (clips the sigmoid derivative)", R_W1_LIB, R_W1_FANN},
        {"W2 FANN (clips the sigmoid derivative)", R_W2_LIB_FUSED, R_W2_FANN},
        {"W4 PyTorch batch 1 (sum of first outputs)", R_W4_LIB_1, R_W4_TORCH_1},
        {"W4 PyTorch batch 64 (sum of first outputs)", R_W4_LIB_64, R_W4_TORCH_64},
        {"W4 FANN batch 1 (sum of first outputs)", R_W4_LIB_1, R_W4_FANN_1},
        {"W5 PyTorch Adam", R_W5_LIB, R_W5_TORCH},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        if (have[checks[i].lib] && have[checks[i].peer])
            printf("%-46s %10.3e\n", checks[i].what,
                   fabs(sums[checks[i].peer] - sums[checks[i].lib]) / fabs(sums[checks[i].lib]));
    }

    /* throughput of the W3 training loop against OpenBLAS */
    const double w3_flops =
        (double)W3_BATCHES * W3_BATCH * 2.0 *
        (2.0 * (784 * 256 + 256 * 256 + 256 * 10) + (256 * 256 + 256 * 10));
    const double lib_gflops = w3_flops / median(R_W3_LIB_1, reps) / 1e9;
    printf("\nW3 libbackprop 1 thread: %.2f GFLOP/s (multiply-adds counted as 2)\n", lib_gflops);
#ifdef BENCH_HAVE_OPENBLAS
    {
        const int n = 1024;
        openblas_set_num_threads(1);
        double *a = alloc_doubles((size_t)n * n), *b = alloc_doubles((size_t)n * n),
               *c = alloc_doubles((size_t)n * n);
        for (size_t i = 0; i < (size_t)n * n; i++) {
            a[i] = (double)(i % 17) / 17.0;
            b[i] = (double)(i % 13) / 13.0;
        }
        double best = 1e30;
        for (int r = 0; r < 5; r++) {
            const double t0 = now();
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n,
                        0.0, c, n);
            const double dt = now() - t0;
            if (dt < best)
                best = dt;
        }
        const double blas = 2.0 * n * (double)n * n / best / 1e9;
        printf("OpenBLAS dgemm 1024^3, 1 thread: %.2f GFLOP/s (best of 5)\n", blas);
        printf("libbackprop W3 / OpenBLAS dgemm: %.0f%%\n", 100.0 * lib_gflops / blas);
        free(a);
        free(b);
        free(c);
    }
#endif
    memory_report(&w3);

    if (use_torch) {
        const char *names[] = {"w1_init.bin", "w2_init.bin", "w2_x.bin", "w2_t.bin",
                               "w3_init.bin", "w3_x.bin",   "w3_t.bin",
                               "w5_init.bin", "w5_x.bin",   "w5_t.bin"};
        char path[4096];
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            remove(path);
        }
        rmdir(dir);
    }
    free(w1.x), free(w1.t), free(w1.init);
    free(w2.x), free(w2.t), free(w2.init);
    free(w3.x), free(w3.t), free(w3.init);
    free(w5.x), free(w5.t), free(w5.init);
    return 0;
}

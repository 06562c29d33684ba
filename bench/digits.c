/* The digits task end to end, timed: libbackprop's training loop and FANN on
   the same split of examples/data/digits.csv. bench/digits.sh runs it, then
   the command and the Python peers (bench/digits_peers.py) on the files it
   writes, and prints the table of docs/performance.md.

   Usage: bench_digits DIGITS_CSV OUT_DIR EPOCHS RATE [lib]
   ("lib" runs libbackprop alone, for a profile of the library)

   The work (every setting shared with the peers):
     - the stratified 80/20 split of nn_dataset_split() with seed 1;
     - a 64-64-10 network, ReLU then softmax, cross-entropy, He initial
       weights from seed 1, inputs standardised with the training rows' mean
       and spread (nn_fit_input_scaling());
     - nn_train(): Adam at RATE (the other settings PyTorch's defaults),
       minibatches of 32 with the mean reduction, shuffled each epoch from
       seed 1, EPOCHS epochs, no validation.
   It writes into OUT_DIR:
     split.txt       the split (nn_dataset_split's rows: "train ..." and "test ...")
     train.csv, test.csv   the two parts (nn_dataset_save_csv: x1..x64 and the label column `class`), for the command
     test_onehot.csv       the test part with one-hot targets, for `backprop eval`
     init.bin        the initial parameters (float64, nn_get_params() order)
     scaling.bin     the input scaling: 64 offsets, then 64 scales (float64)
     order1.txt, after1.bin   the batch order and the parameters after one epoch
     order.txt       the batch order of the timed run
   and prints one line per run: "<name> <seconds> <epochs> <test accuracy>".

   FANN (doublefann 2.2) has neither ReLU nor softmax: its network is 64-64-10
   with the symmetric sigmoid (tanh) in the hidden layer and the sigmoid at the
   outputs, its own error (the mean squared error) and its own initial weights
   (fann_randomize_weights after srand(1)), trained on the same standardised
   rows, once with RPROP (batch, FANN's defaults) and once incrementally
   (one update per row, rate 0.7, FANN's default, rows in file order). */
#define _POSIX_C_SOURCE 200809L
#include "backprop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef BENCH_HAVE_FANN
#include <doublefann.h>
#endif

enum { N_PIXELS = 64, N_HIDDEN = 64, N_DIGITS = 10, BATCH = 32 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void ok(nn_status s, const char *what)
{
    if (s != NN_OK) {
        fprintf(stderr, "bench_digits: %s: %s\n", what, nn_strerror(s));
        exit(1);
    }
}

static void die(const char *what)
{
    fprintf(stderr, "bench_digits: %s\n", what);
    exit(1);
}

static const char *out_dir;

static const char *out_path(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", out_dir, name);
    return path;
}

static void write_doubles(const char *name, const double *values, size_t n)
{
    FILE *f = fopen(out_path(name), "wb");
    if (f == NULL || fwrite(values, sizeof *values, n, f) != n || fclose(f) != 0)
        die("cannot write an output file");
}

/* The share of the rows of @p data whose largest output is their class. */
static double accuracy(const nn_t *net, const nn_dataset_t *data)
{
    const size_t n = nn_dataset_row_count(data);
    const size_t work_size = nn_inference_workspace_size(net, n);
    double *out = malloc(n * N_DIGITS * sizeof *out), *work = malloc(work_size * sizeof *work);
    if (out == NULL || work == NULL)
        die("out of memory");
    ok(nn_predict(net, n, nn_dataset_inputs(data), out, work, work_size), "nn_predict");
    size_t right = 0;
    for (size_t i = 0; i < n; i++) {
        size_t best = 0, k = 0;
        for (size_t j = 1; j < N_DIGITS; j++)
            if (out[i * N_DIGITS + j] > out[i * N_DIGITS + best])
                best = j;
        ok(nn_dataset_row_class(data, i, &k), "nn_dataset_row_class");
        right += best == k;
    }
    free(out);
    free(work);
    return (double)right / (double)n;
}

static nn_train_options_t *options(size_t epochs, double rate, const char *order_file)
{
    nn_train_options_t *o = NULL;
    ok(nn_train_options_create(&o), "nn_train_options_create");
    ok(nn_train_options_set_epochs(o, epochs), "epochs");
    ok(nn_train_options_set_batch_size(o, BATCH), "batch");
    ok(nn_train_options_set_seed(o, 1), "seed");
    ok(nn_train_options_set_optimizer(o, NN_OPT_ADAM), "optimizer");
    ok(nn_train_options_set_learning_rate(o, rate), "rate");
    ok(nn_train_options_set_order_file(o, order_file), "order file");
    return o;
}

/* Trains a copy of @p start; returns the seconds nn_train() took. */
static double run_library(const nn_t *start, const nn_dataset_t *train, size_t epochs, double rate,
                          const char *order_name, nn_t **trained)
{
    nn_t *net = NULL;
    size_t epochs_run = 0;
    ok(nn_clone(start, &net), "nn_clone");
    nn_train_options_t *o = options(epochs, rate, out_path(order_name));
    const double t0 = now();
    ok(nn_train(net, train, NULL, o, NULL, 0, &epochs_run), "nn_train");
    const double seconds = now() - t0;
    if (epochs_run != epochs)
        die("nn_train stopped early");
    nn_train_options_free(o);
    *trained = net;
    return seconds;
}

#ifdef BENCH_HAVE_FANN
static struct fann_train_data *fann_data(const nn_dataset_t *data, const double *offset,
                                         const double *scale)
{
    const size_t n = nn_dataset_row_count(data);
    struct fann_train_data *d = fann_create_train((unsigned)n, N_PIXELS, N_DIGITS);
    if (d == NULL)
        die("fann_create_train");
    const double *x = nn_dataset_inputs(data), *t = nn_dataset_targets(data);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < N_PIXELS; j++)
            d->input[i][j] = (x[i * N_PIXELS + j] - offset[j]) / scale[j];
        for (size_t j = 0; j < N_DIGITS; j++)
            d->output[i][j] = t[i * N_DIGITS + j];
    }
    return d;
}

static double fann_accuracy(struct fann *ann, const struct fann_train_data *test)
{
    size_t right = 0;
    for (unsigned i = 0; i < test->num_data; i++) {
        const double *y = fann_run(ann, test->input[i]);
        size_t best = 0, truth = 0;
        for (size_t j = 1; j < N_DIGITS; j++) {
            if (y[j] > y[best])
                best = j;
            if (test->output[i][j] > test->output[i][truth])
                truth = j;
        }
        right += best == truth;
    }
    return (double)right / test->num_data;
}

static void run_fann(const char *name, enum fann_train_enum algorithm,
                     struct fann_train_data *train, struct fann_train_data *test, size_t epochs)
{
    struct fann *ann = fann_create_standard(3, N_PIXELS, N_HIDDEN, N_DIGITS);
    if (ann == NULL)
        die("fann_create_standard");
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    fann_set_training_algorithm(ann, algorithm);
    srand(1);
    fann_randomize_weights(ann, -0.1, 0.1);
    const double t0 = now();
    for (size_t e = 0; e < epochs; e++)
        fann_train_epoch(ann, train);
    const double seconds = now() - t0;
    printf("%s %.6f %zu %.6f\n", name, seconds, epochs, fann_accuracy(ann, test));
    fann_destroy(ann);
}
#endif

int main(int argc, char **argv)
{
    if (argc != 5 && !(argc == 6 && strcmp(argv[5], "lib") == 0))
        die("usage: bench_digits DIGITS_CSV OUT_DIR EPOCHS RATE [lib]");
    const int with_fann = argc == 5;
    out_dir = argv[2];
    const size_t epochs = (size_t)strtoul(argv[3], NULL, 10);
    const double rate = strtod(argv[4], NULL);
    if (epochs == 0 || !(rate > 0.0))
        die("EPOCHS and RATE must be positive");

    nn_csv_options_t *csv = NULL;
    nn_dataset_t *all = NULL, *train = NULL, *test = NULL;
    char message[256] = "";
    ok(nn_csv_options_create(&csv), "nn_csv_options_create");
    ok(nn_csv_options_set_class_column(csv, "digit"), "class column");
    if (nn_dataset_load_csv(&all, argv[1], csv, message, sizeof message) != NN_OK)
        die(message);
    nn_csv_options_free(csv);
    ok(nn_dataset_split(all, 0.2, 1, 1, &train, &test), "nn_dataset_split");
    ok(nn_dataset_save_csv(train, out_path("train.csv")), "save train.csv");
    ok(nn_dataset_save_csv(test, out_path("test.csv")), "save test.csv");
    /* The test rows once more with one-hot targets (a set without class
       names saves its targets as numbers), for `backprop eval`. */
    nn_dataset_t *plain = NULL;
    ok(nn_dataset_create(&plain, nn_dataset_row_count(test), N_PIXELS, N_DIGITS,
                         nn_dataset_inputs(test), nn_dataset_targets(test)),
       "nn_dataset_create");
    ok(nn_dataset_save_csv(plain, out_path("test_onehot.csv")), "save test_onehot.csv");
    nn_dataset_free(plain);

    size_t n_train = nn_dataset_row_count(train), n_test = nn_dataset_row_count(test);
    size_t *rows = malloc((n_train + n_test) * sizeof *rows);
    if (rows == NULL)
        die("out of memory");
    ok(nn_dataset_source_rows(train, rows, n_train), "source rows");
    ok(nn_dataset_source_rows(test, rows + n_train, n_test), "source rows");
    ok(nn_write_rows_file(out_path("split.txt"), "train", rows, n_train, 0), "split.txt");
    ok(nn_write_rows_file(out_path("split.txt"), "test", rows + n_train, n_test, 1), "split.txt");
    free(rows);

    static const size_t sizes[3] = {N_PIXELS, N_HIDDEN, N_DIGITS};
    static const int acts[2] = {NN_ACT_RELU, NN_ACT_SOFTMAX};
    nn_t *start = NULL, *net = NULL;
    ok(nn_create(&start, 3, sizes, acts), "nn_create");
    ok(nn_set_loss(start, NN_LOSS_CROSS_ENTROPY), "nn_set_loss");
    ok(nn_init_random(start, 1, NN_INIT_HE, 0.0, 0.0), "nn_init_random");
    ok(nn_fit_input_scaling(start, NN_SCALE_STANDARD, n_train, nn_dataset_inputs(train)),
       "nn_fit_input_scaling");
    const size_t n_params = nn_param_count(start);
    double *params = malloc(n_params * sizeof *params), scaling[2 * N_PIXELS];
    if (params == NULL)
        die("out of memory");
    ok(nn_get_params(start, params, n_params), "nn_get_params");
    write_doubles("init.bin", params, n_params);
    ok(nn_get_input_scaling(start, scaling, scaling + N_PIXELS, N_PIXELS), "scaling");
    write_doubles("scaling.bin", scaling, 2 * N_PIXELS);

    /* One epoch, for the peer's check that it does the same work. */
    run_library(start, train, 1, rate, "order1.txt", &net);
    ok(nn_get_params(net, params, n_params), "nn_get_params");
    write_doubles("after1.bin", params, n_params);
    nn_free(net);

    const double seconds = run_library(start, train, epochs, rate, "order.txt", &net);
    printf("libbackprop %.6f %zu %.6f\n", seconds, epochs, accuracy(net, test));
    nn_free(net);

#ifdef BENCH_HAVE_FANN
    if (!with_fann)
        goto done;
    struct fann_train_data *ftrain = fann_data(train, scaling, scaling + N_PIXELS);
    struct fann_train_data *ftest = fann_data(test, scaling, scaling + N_PIXELS);
    run_fann("fann-rprop", FANN_TRAIN_RPROP, ftrain, ftest, epochs);
    run_fann("fann-incremental", FANN_TRAIN_INCREMENTAL, ftrain, ftest, epochs);
    fann_destroy_train(ftrain);
    fann_destroy_train(ftest);
done:
#else
    (void)with_fann;
#endif
    free(params);
    nn_free(start);
    nn_dataset_free(train);
    nn_dataset_free(test);
    nn_dataset_free(all);
    return 0;
}

/* Handwritten digits on several processes: the task of digits.c (load,
 * split, scale, train a 64-64-10 ReLU + softmax network with Adam, evaluate)
 * with the training shared by the processes of an MPI run.
 *
 * Every process loads the file, splits it and builds the network the same
 * way; nn_mpi_train() then copies rank 0's parameters and scaling to every
 * process, checks that every process holds the same rows, and trains: each
 * process computes its share of every batch and the gradient sums are
 * combined over MPI. In the reproducible mode (the default) every batch is
 * cut into 16 chunks added in chunk order, so 1, 2, 4, ... 16 processes
 * train exactly the same network, and the checksum printed last is the same
 * whatever the number of processes. --fast combines the sums with MPI's own
 * all-reduce instead: as accurate, but the last bits may differ with the
 * number of processes.
 *
 *   nn_mpi_create          the run's communicator and mode (collective)
 *   nn_mpi_agree           every process ready, or every process stops
 *   nn_mpi_train           shared network, checked rows, the training
 *   nn_mpi_failure         which process failed and why, after a failure
 *
 * usage: mpirun -np N mpi_digits [--fast] [PATH_TO_digits.csv]
 * Rank 0 prints the test accuracy and, last, "checksum: " and the sum of all
 * parameters (%.17g). Every process exits non-zero if a call fails on any
 * process or the test accuracy is below 95%. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backprop_mpi.h"

enum { N_PIXELS = 64, N_HIDDEN = 64, N_DIGITS = 10 };

#define SEED 1UL          /* the split, the initial weights and the shuffles */
#define TEST_FRACTION 0.2 /* the share of the rows held out for the test */
#define EPOCHS 12
#define BATCH 32
#define RATE 0.003
#define MIN_ACCURACY 0.95 /* the share of the test rows that must be right */

/* What every process holds. */
struct task {
    nn_dataset_t *all, *train, *test;
    nn_t *net;
};

static nn_status load(const char *path, nn_dataset_t **out)
{
    nn_csv_options_t *options = NULL;
    char message[256] = "";
    nn_status s = nn_csv_options_create(&options);
    if (s == NN_OK)
        s = nn_csv_options_set_class_column(options, "digit");
    if (s == NN_OK)
        s = nn_dataset_load_csv(out, path, options, message, sizeof message);
    nn_csv_options_free(options);
    if (s != NN_OK)
        fprintf(stderr, "mpi_digits: %s: %s\n", path, message[0] ? message : nn_strerror(s));
    else if (nn_dataset_input_count(*out) != N_PIXELS || nn_dataset_class_count(*out) != N_DIGITS)
        s = NN_ERR_COUNT;
    return s;
}

/* The data split 80/20 (stratified) and the network, its input scaling
   fitted on the training rows: the same on every process. */
static nn_status prepare(const char *path, struct task *t)
{
    static const size_t sizes[3] = {N_PIXELS, N_HIDDEN, N_DIGITS};
    static const int activations[2] = {NN_ACT_RELU, NN_ACT_SOFTMAX};
    nn_status s = load(path, &t->all);
    if (s == NN_OK)
        s = nn_dataset_split(t->all, TEST_FRACTION, SEED, 1, &t->train, &t->test);
    if (s == NN_OK)
        s = nn_create(&t->net, 3, sizes, activations);
    if (s == NN_OK)
        s = nn_set_loss(t->net, NN_LOSS_CROSS_ENTROPY);
    if (s == NN_OK)
        s = nn_init_random(t->net, SEED, NN_INIT_HE, 0.0, 0.0);
    if (s == NN_OK)
        s = nn_fit_input_scaling(t->net, NN_SCALE_MINMAX, nn_dataset_row_count(t->train),
                                 nn_dataset_inputs(t->train));
    return s;
}

static nn_status train(nn_mpi_t *m, struct task *t)
{
    nn_train_options_t *options = NULL;
    size_t epochs_run = 0;
    nn_status s = nn_train_options_create(&options);
    if (s == NN_OK)
        s = nn_train_options_set_epochs(options, EPOCHS);
    if (s == NN_OK)
        s = nn_train_options_set_batch_size(options, BATCH);
    if (s == NN_OK)
        s = nn_train_options_set_seed(options, SEED);
    if (s == NN_OK)
        s = nn_train_options_set_optimizer(options, NN_OPT_ADAM);
    if (s == NN_OK)
        s = nn_train_options_set_learning_rate(options, RATE);
    s = nn_mpi_agree(m, s); /* the options made on every process, or none trains */
    if (s == NN_OK)
        s = nn_mpi_train(m, t->net, t->train, NULL, options, NULL, 0, &epochs_run);
    nn_train_options_free(options);
    return s;
}

/* The sum of every parameter, in the order nn_get_params() gives them. */
static double checksum(const nn_t *net)
{
    const size_t n = nn_param_count(net);
    double *params = malloc(n * sizeof *params), sum = 0.0;
    if (params == NULL || nn_get_params(net, params, n) != NN_OK) {
        free(params);
        return NAN;
    }
    for (size_t i = 0; i < n; i++)
        sum += params[i];
    free(params);
    return sum;
}

/* Which process failed, and why (on rank 0). */
static void report_failure(const nn_mpi_t *m, const char *step)
{
    size_t rank = 0;
    nn_status why = NN_OK;
    if (nn_mpi_rank(m) != 0)
        return;
    if (nn_mpi_failure(m, &rank, &why) == NN_OK)
        fprintf(stderr, "mpi_digits: %s: rank %zu failed: %s\n", step, rank, nn_strerror(why));
    else
        fprintf(stderr, "mpi_digits: %s failed\n", step);
}

int main(int argc, char **argv)
{
    int fast = 0;
    const char *path = "examples/data/digits.csv";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--fast") == 0)
            fast = 1;
        else
            path = argv[i];
    }
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "mpi_digits: MPI_Init failed\n");
        return EXIT_FAILURE;
    }
    nn_mpi_t *m = NULL;
    struct task t = {NULL, NULL, NULL, NULL};
    double accuracy = 0.0;
    nn_status s = nn_mpi_create(&m, MPI_COMM_WORLD, fast ? NN_MPI_FAST : NN_MPI_REPRODUCIBLE, 0);
    if (s != NN_OK) {
        fprintf(stderr, "mpi_digits: nn_mpi_create: %s\n", nn_strerror(s));
        MPI_Abort(MPI_COMM_WORLD, EXIT_FAILURE); /* no communicator to agree over */
    }
    s = nn_mpi_agree(m, prepare(path, &t));
    if (s != NN_OK)
        report_failure(m, "loading and preparing");
    if (s == NN_OK && (s = train(m, &t)) != NN_OK)
        report_failure(m, "nn_mpi_train");
    nn_metrics_t *metrics = NULL;
    if (s == NN_OK)
        s = nn_evaluate(t.net, t.test, &metrics);
    if (s == NN_OK)
        s = nn_metrics_get(metrics, NN_METRIC_ACCURACY, &accuracy);
    if (s == NN_OK && nn_mpi_rank(m) == 0) {
        if (fast)
            printf("mpi_digits: processes %zu, fast mode\n", nn_mpi_size(m));
        else
            printf("mpi_digits: processes %zu, reproducible mode with %zu chunks\n",
                   nn_mpi_size(m), nn_mpi_chunks(m));
        printf("%zu training rows, %zu test rows; 64-64-10 ReLU + softmax, Adam %g, batch %d, "
               "%d epochs\n",
               nn_dataset_row_count(t.train), nn_dataset_row_count(t.test), RATE, BATCH, EPOCHS);
        printf("test accuracy %.2f%% (at least %.0f%% required)\n", 100.0 * accuracy,
               100.0 * MIN_ACCURACY);
        printf("checksum: %.17g\n", checksum(t.net));
    }
    nn_metrics_free(metrics);
    nn_free(t.net);
    nn_dataset_free(t.test);
    nn_dataset_free(t.train);
    nn_dataset_free(t.all);
    nn_mpi_free(m);
    MPI_Finalize();
    return s == NN_OK && accuracy >= MIN_ACCURACY ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Handwritten digits, end to end: load, split, scale, train, evaluate.
 *
 * The data: examples/data/digits.csv, 1797 images of 8x8 pixels (integers 0
 * to 16) of the digits 0 to 9, the test set of the UCI "Optical Recognition
 * of Handwritten Digits" data (see examples/data/README.md). Its last column,
 * `digit`, is the class label; the loader turns it into ten one-hot targets
 * and keeps the labels as class names.
 *
 * The job, as a few library calls:
 *   nn_dataset_load_csv    the file, with `digit` as the class column
 *   nn_dataset_split       80% training, 20% test, stratified by class, seeded
 *   nn_fit_input_scaling   min-max scaling fitted on the training rows only;
 *                          the network keeps it and applies it to raw inputs
 *   nn_train               minibatches of 32, Adam, the epochs below
 *   nn_evaluate            test accuracy and the confusion matrix
 * The network is 64-64-10, ReLU then softmax, with the cross-entropy loss.
 * Every setting is fixed below, so every run prints the same numbers.
 *
 * usage: digits [PATH_TO_digits.csv]   (default examples/data/digits.csv)
 * Exits non-zero if a call fails or the test accuracy is below 97%. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "backprop.h"

enum { N_PIXELS = 64, N_HIDDEN = 64, N_DIGITS = 10 };

#define SPLIT_SEED 1UL     /* the stratified 80/20 split */
#define INIT_SEED 1UL      /* the initial weights (He) */
#define SHUFFLE_SEED 1UL   /* the order of the minibatches */
#define TEST_FRACTION 0.2 /* the share of the rows held out for the test */
#define EPOCHS 40
#define BATCH 32
#define RATE 0.003
#define MIN_ACCURACY 0.97 /* the share of the test rows that must be right */

static double seconds_now(void)
{
    struct timespec t;
    if (timespec_get(&t, TIME_UTC) != TIME_UTC)
        return 0.0;
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void check(nn_status status, const char *what)
{
    if (status != NN_OK) {
        fprintf(stderr, "digits: %s: %s\n", what, nn_strerror(status));
        exit(EXIT_FAILURE);
    }
}

static nn_dataset_t *load(const char *path)
{
    nn_csv_options_t *options = NULL;
    nn_dataset_t *data = NULL;
    char message[256] = "";
    check(nn_csv_options_create(&options), "nn_csv_options_create");
    check(nn_csv_options_set_class_column(options, "digit"), "nn_csv_options_set_class_column");
    const nn_status status = nn_dataset_load_csv(&data, path, options, message, sizeof message);
    nn_csv_options_free(options);
    if (status != NN_OK) {
        fprintf(stderr, "digits: %s: %s %s\n", path, nn_strerror(status), message);
        exit(EXIT_FAILURE);
    }
    return data;
}

static nn_t *make_network(void)
{
    static const size_t sizes[3] = {N_PIXELS, N_HIDDEN, N_DIGITS};
    static const int activations[2] = {NN_ACT_RELU, NN_ACT_SOFTMAX};
    nn_t *net = NULL;
    check(nn_create(&net, 3, sizes, activations), "nn_create");
    check(nn_set_loss(net, NN_LOSS_CROSS_ENTROPY), "nn_set_loss");
    check(nn_init_random(net, INIT_SEED, NN_INIT_HE, 0.0, 0.0), "nn_init_random");
    return net;
}

static void train(nn_t *net, const nn_dataset_t *train_set)
{
    nn_train_options_t *options = NULL;
    size_t epochs_run = 0;
    check(nn_train_options_create(&options), "nn_train_options_create");
    check(nn_train_options_set_epochs(options, EPOCHS), "set_epochs");
    check(nn_train_options_set_batch_size(options, BATCH), "set_batch_size");
    check(nn_train_options_set_seed(options, SHUFFLE_SEED), "set_seed");
    check(nn_train_options_set_optimizer(options, NN_OPT_ADAM), "set_optimizer");
    check(nn_train_options_set_learning_rate(options, RATE), "set_learning_rate");
    check(nn_train(net, train_set, NULL, options, NULL, 0, &epochs_run), "nn_train");
    nn_train_options_free(options);
}

/* The confusion matrix, one row per true digit, one column per prediction. */
static void print_confusion(const nn_dataset_t *test, const size_t *counts)
{
    printf("confusion matrix (row: true digit, column: predicted)\n     ");
    for (size_t j = 0; j < N_DIGITS; j++)
        printf("%4s", nn_dataset_class_name(test, j));
    printf("\n");
    for (size_t i = 0; i < N_DIGITS; i++) {
        printf("%4s ", nn_dataset_class_name(test, i));
        for (size_t j = 0; j < N_DIGITS; j++)
            printf("%4zu", counts[i * N_DIGITS + j]);
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "examples/data/digits.csv";
    const double start = seconds_now();

    nn_dataset_t *all = load(path), *train_set = NULL, *test = NULL;
    if (nn_dataset_input_count(all) != N_PIXELS || nn_dataset_class_count(all) != N_DIGITS) {
        fprintf(stderr, "digits: %s: expected %d pixels and %d classes\n", path, N_PIXELS,
                N_DIGITS);
        return EXIT_FAILURE;
    }
    check(nn_dataset_split(all, TEST_FRACTION, SPLIT_SEED, 1, &train_set, &test),
          "nn_dataset_split");

    nn_t *net = make_network();
    check(nn_fit_input_scaling(net, NN_SCALE_MINMAX, nn_dataset_row_count(train_set),
                               nn_dataset_inputs(train_set)),
          "nn_fit_input_scaling");
    train(net, train_set);

    nn_metrics_t *metrics = NULL;
    double accuracy = 0.0;
    size_t counts[N_DIGITS * N_DIGITS];
    check(nn_evaluate(net, test, &metrics), "nn_evaluate");
    check(nn_metrics_get(metrics, NN_METRIC_ACCURACY, &accuracy), "nn_metrics_get");
    check(nn_metrics_confusion(metrics, counts, N_DIGITS * N_DIGITS), "nn_metrics_confusion");
    const double seconds = seconds_now() - start;

    printf("digits: %zu training rows, %zu test rows; 64-64-10 ReLU + softmax, Adam %g, "
           "batch %d, %d epochs\n",
           nn_dataset_row_count(train_set), nn_dataset_row_count(test), RATE, BATCH, EPOCHS);
    print_confusion(test, counts);
    printf("test accuracy %.2f%% (at least %.0f%% required)\n", 100.0 * accuracy,
           100.0 * MIN_ACCURACY);
    printf("time %.2f s (load, split, train and evaluate)\n", seconds);

    nn_metrics_free(metrics);
    nn_free(net);
    nn_dataset_free(test);
    nn_dataset_free(train_set);
    nn_dataset_free(all);
    return accuracy >= MIN_ACCURACY ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Regression on Friedman's first benchmark: a small network against
 * ordinary least squares.
 *
 * The data (J. H. Friedman, "Multivariate Adaptive Regression Splines",
 * The Annals of Statistics 19(1), 1991, pp. 1-67, section 4.3): ten inputs
 * x1..x10, each uniform on [0, 1); the target
 *     y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + e,
 * e standard normal noise; x6..x10 do not enter y at all. The rows are made
 * here from the library's seeded generator (nn_rng_uniform(), which is
 * numpy's np.random.rand bit for bit), the noise by the Box-Muller transform
 * of two uniform draws, so no data file is needed and every run sees the same
 * rows. The first N_TRAIN rows train both models; the other N_TEST rows are
 * held out and measure them.
 *
 * The models:
 *   - ordinary least squares: y ~ b0 + b1 x1 + ... + b10 x10, the coefficients
 *     solving the normal equations (X'X) b = X'y by Cholesky factorisation;
 *   - a 10-32-1 network (tanh, then linear) with the mean squared error,
 *     trained by nn_train() with Adam on minibatches. Its inputs and target are
 *     standardised with the mean and spread of the training rows
 *     (nn_fit_input_scaling(), nn_fit_target_scaling()): the network learns in
 *     scaled units, and nn_predict() turns its outputs back into units of y.
 * The score of each is R^2 = 1 - SSE / SST on the held-out rows. The noise
 * alone keeps R^2 below about 0.96 (its variance 1 against about 24 for y);
 * the sine and the square are what a linear model cannot follow.
 *
 * usage: friedman            trains both models and prints their R^2
 *        friedman --csv DIR  writes the same rows to DIR/friedman_train.csv and
 *                            DIR/friedman_test.csv (header x1..x10,y) for the
 *                            command-line version (examples/friedman_cli.sh)
 * Exits non-zero if a call fails or the network does not beat least squares
 * by at least MIN_MARGIN in R^2. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backprop.h"

enum { N_INPUTS = 10, N_TRAIN = 2000, N_TEST = 1000, N_ROWS = N_TRAIN + N_TEST, N_HIDDEN = 32 };

#define DATA_SEED 1991UL
#define INIT_SEED 1UL
#define SHUFFLE_SEED 1UL
#define EPOCHS 100
#define BATCH 32
#define RATE 0.003
#define MIN_MARGIN 0.10 /* the network's R^2 must exceed least squares' by this */

static const double pi = 3.14159265358979323846;

static double inputs[N_ROWS][N_INPUTS];
static double targets[N_ROWS];

static void check(nn_status status, const char *what)
{
    if (status != NN_OK) {
        fprintf(stderr, "friedman: %s: %s\n", what, nn_strerror(status));
        exit(EXIT_FAILURE);
    }
}

/* Friedman's formula, without the noise. */
static double friedman1(const double *x)
{
    const double d = x[2] - 0.5;
    return 10.0 * sin(pi * x[0] * x[1]) + 20.0 * d * d + 10.0 * x[3] + 5.0 * x[4];
}

/* Each row: ten uniform inputs, then two uniform draws u1, u2 for the noise
   sqrt(-2 ln(1 - u1)) cos(2 pi u2) (1 - u1 keeps the logarithm finite). */
static void make_data(void)
{
    nn_rng_t *rng = NULL;
    check(nn_rng_create(&rng, DATA_SEED), "nn_rng_create");
    for (size_t i = 0; i < N_ROWS; i++) {
        for (size_t j = 0; j < N_INPUTS; j++)
            inputs[i][j] = nn_rng_uniform(rng);
        const double u1 = nn_rng_uniform(rng), u2 = nn_rng_uniform(rng);
        const double noise = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * pi * u2);
        targets[i] = friedman1(inputs[i]) + noise;
    }
    nn_rng_free(rng);
}

/* R^2 of the predictions of the held-out rows. */
static double r_squared(const double *predicted)
{
    double mean = 0.0, sse = 0.0, sst = 0.0;
    for (size_t i = 0; i < N_TEST; i++)
        mean += targets[N_TRAIN + i];
    mean /= N_TEST;
    for (size_t i = 0; i < N_TEST; i++) {
        const double y = targets[N_TRAIN + i];
        sse += (y - predicted[i]) * (y - predicted[i]);
        sst += (y - mean) * (y - mean);
    }
    return 1.0 - sse / sst;
}

/* ---- ordinary least squares ---- */

enum { N_COEFS = N_INPUTS + 1 }; /* the intercept, then one per input */

/* The design row of sample i: 1, x1, ..., x10. */
static void design_row(size_t i, double *row)
{
    row[0] = 1.0;
    for (size_t j = 0; j < N_INPUTS; j++)
        row[j + 1] = inputs[i][j];
}

/* Solves A b = r in place for a symmetric positive definite A (n x n) by
   Cholesky: A = L L', then L z = r, then L' b = z. Returns 0 if A is not
   positive definite. */
static int cholesky_solve(size_t n, double a[N_COEFS][N_COEFS], double *r)
{
    for (size_t j = 0; j < n; j++) {
        double d = a[j][j];
        for (size_t k = 0; k < j; k++)
            d -= a[j][k] * a[j][k];
        if (!(d > 0.0))
            return 0;
        a[j][j] = sqrt(d);
        for (size_t i = j + 1; i < n; i++) {
            double s = a[i][j];
            for (size_t k = 0; k < j; k++)
                s -= a[i][k] * a[j][k];
            a[i][j] = s / a[j][j];
        }
    }
    for (size_t i = 0; i < n; i++) { /* L z = r */
        for (size_t k = 0; k < i; k++)
            r[i] -= a[i][k] * r[k];
        r[i] /= a[i][i];
    }
    for (size_t i = n; i-- > 0;) { /* L' b = z */
        for (size_t k = i + 1; k < n; k++)
            r[i] -= a[k][i] * r[k];
        r[i] /= a[i][i];
    }
    return 1;
}

/* The least-squares coefficients from the training rows, then the
   predictions of the held-out rows. */
static void least_squares(double *coefs, double *predicted)
{
    double xtx[N_COEFS][N_COEFS] = {{0.0}}, row[N_COEFS];
    for (size_t j = 0; j < N_COEFS; j++)
        coefs[j] = 0.0;
    for (size_t i = 0; i < N_TRAIN; i++) {
        design_row(i, row);
        for (size_t j = 0; j < N_COEFS; j++) {
            coefs[j] += row[j] * targets[i]; /* X'y */
            for (size_t k = 0; k < N_COEFS; k++)
                xtx[j][k] += row[j] * row[k];
        }
    }
    if (!cholesky_solve(N_COEFS, xtx, coefs)) {
        fprintf(stderr, "friedman: the normal equations are singular\n");
        exit(EXIT_FAILURE);
    }
    for (size_t i = 0; i < N_TEST; i++) {
        design_row(N_TRAIN + i, row);
        predicted[i] = 0.0;
        for (size_t j = 0; j < N_COEFS; j++)
            predicted[i] += coefs[j] * row[j];
    }
}

/* ---- the network ---- */

static void network(double *predicted)
{
    static const size_t sizes[3] = {N_INPUTS, N_HIDDEN, 1};
    static const int activations[2] = {NN_ACT_TANH, NN_ACT_LINEAR};
    nn_t *net = NULL;
    nn_dataset_t *train_set = NULL;
    nn_train_options_t *options = NULL;
    size_t epochs_run = 0;
    check(nn_create(&net, 3, sizes, activations), "nn_create");
    check(nn_set_loss(net, NN_LOSS_MSE), "nn_set_loss");
    check(nn_init_random(net, INIT_SEED, NN_INIT_XAVIER, 0.0, 0.0), "nn_init_random");
    check(nn_fit_input_scaling(net, NN_SCALE_STANDARD, N_TRAIN, &inputs[0][0]),
          "nn_fit_input_scaling");
    check(nn_fit_target_scaling(net, NN_SCALE_STANDARD, N_TRAIN, targets),
          "nn_fit_target_scaling");

    /* The set holds raw targets: the loop scales them with the network's
       target scaling before its first epoch. */
    check(nn_dataset_wrap(&train_set, N_TRAIN, N_INPUTS, 1, &inputs[0][0], targets),
          "nn_dataset_wrap");

    check(nn_train_options_create(&options), "nn_train_options_create");
    check(nn_train_options_set_epochs(options, EPOCHS), "set_epochs");
    check(nn_train_options_set_batch_size(options, BATCH), "set_batch_size");
    check(nn_train_options_set_seed(options, SHUFFLE_SEED), "set_seed");
    check(nn_train_options_set_optimizer(options, NN_OPT_ADAM), "set_optimizer");
    check(nn_train_options_set_learning_rate(options, RATE), "set_learning_rate");
    check(nn_train(net, train_set, NULL, options, NULL, 0, &epochs_run), "nn_train");

    /* nn_predict() takes raw inputs and gives outputs in units of y. */
    const size_t work_size = nn_inference_workspace_size(net, N_TEST);
    double *work = malloc(work_size * sizeof *work);
    if (work == NULL)
        check(NN_ERR_NO_MEMORY, "malloc");
    check(nn_predict(net, N_TEST, &inputs[N_TRAIN][0], predicted, work, work_size),
          "nn_predict");
    free(work);
    nn_train_options_free(options);
    nn_dataset_free(train_set);
    nn_free(net);
}

/* Rows first..first+n of the data as CSV, every value with 17 digits. */
static int write_csv(const char *path, size_t first, size_t n)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return 0;
    for (size_t j = 0; j < N_INPUTS; j++)
        fprintf(f, "x%zu,", j + 1);
    fprintf(f, "y\n");
    for (size_t i = first; i < first + n; i++) {
        for (size_t j = 0; j < N_INPUTS; j++)
            fprintf(f, "%.17g,", inputs[i][j]);
        fprintf(f, "%.17g\n", targets[i]);
    }
    return fclose(f) == 0;
}

static int write_files(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/friedman_train.csv", dir);
    if (!write_csv(path, 0, N_TRAIN))
        return 0;
    snprintf(path, sizeof path, "%s/friedman_test.csv", dir);
    return write_csv(path, N_TRAIN, N_TEST);
}

int main(int argc, char **argv)
{
    static double ols_predicted[N_TEST], net_predicted[N_TEST];
    double coefs[N_COEFS];
    make_data();
    if (argc == 3 && strcmp(argv[1], "--csv") == 0) {
        if (write_files(argv[2]))
            return EXIT_SUCCESS;
        fprintf(stderr, "friedman: cannot write the CSV files into %s\n", argv[2]);
        return EXIT_FAILURE;
    }
    least_squares(coefs, ols_predicted);
    network(net_predicted);
    const double r2_ols = r_squared(ols_predicted), r2_net = r_squared(net_predicted);

    printf("Friedman #1: %d training rows, %d held-out rows, 10 inputs (5 unused)\n", N_TRAIN,
           N_TEST);
    printf("least squares coefficients: intercept %.3f,", coefs[0]);
    for (size_t j = 1; j < N_COEFS; j++)
        printf(" x%zu %.3f", j, coefs[j]);
    printf("\n");
    printf("held-out R^2: least squares %.4f, 10-%d-1 network %.4f (must exceed by %.2f)\n",
           r2_ols, N_HIDDEN, r2_net, MIN_MARGIN);
    return r2_net >= r2_ols + MIN_MARGIN ? EXIT_SUCCESS : EXIT_FAILURE;
}

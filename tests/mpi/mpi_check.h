/* Shared by the programs of the test suite 'mpi' (tests/mpi/): each runs
   under mpirun, counts its failed checks on every process, prints what
   differed (with the rank and the line), and exits non-zero from every
   process when any check failed anywhere (finish()). */
#ifndef BACKPROP_TEST_MPI_CHECK_H
#define BACKPROP_TEST_MPI_CHECK_H

#include "backprop_mpi.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static inline int world_rank(void)
{
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

static inline int world_size(void)
{
    int size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

static inline void report(int line, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "FAIL rank %d of %d, line %d: ", world_rank(), world_size(), line);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    failures++;
}

#define CHECK(cond, ...)                        \
    do {                                        \
        if (!(cond))                            \
            report(__LINE__, __VA_ARGS__);      \
    } while (0)

/* A status check that names both statuses. */
#define CHECK_STATUS(got, want, what)                                                       \
    do {                                                                                    \
        const nn_status got_ = (got), want_ = (want);                                       \
        if (got_ != want_)                                                                  \
            report(__LINE__, "%s: status %d (%s), expected %d (%s)", (what), (int)got_,     \
                   nn_strerror(got_), (int)want_, nn_strerror(want_));                      \
    } while (0)

/* Rank 0 says what passed; the log of the test shows it. */
static inline void passed(const char *format, ...)
{
    if (world_rank() != 0)
        return;
    va_list args;
    va_start(args, format);
    printf("ok: ");
    vprintf(format, args);
    putchar('\n');
    va_end(args);
    fflush(stdout);
}

/* A network n_in - hidden (tanh) - n_out (linear), parameters drawn with seed. */
static inline nn_t *make_net(size_t n_in, size_t hidden, size_t n_out, int hidden_activation,
                             unsigned long seed)
{
    const size_t sizes[3] = {n_in, hidden, n_out};
    const int activations[2] = {hidden_activation, NN_ACT_LINEAR};
    nn_t *net = NULL;
    if (nn_create(&net, 3, sizes, activations) != NN_OK ||
        nn_init_random(net, seed, NN_INIT_UNIFORM, -0.5, 0.5) != NN_OK) {
        fprintf(stderr, "cannot make a network\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    return net;
}

/* Fits the network's input (standard) and target (min-max) scaling on data. */
static inline nn_t *scaled(nn_t *net, const nn_dataset_t *data)
{
    const size_t rows = nn_dataset_row_count(data);
    if (nn_fit_input_scaling(net, NN_SCALE_STANDARD, rows, nn_dataset_inputs(data)) != NN_OK ||
        nn_fit_target_scaling(net, NN_SCALE_MINMAX, rows, nn_dataset_targets(data)) != NN_OK)
        MPI_Abort(MPI_COMM_WORLD, 2);
    return net;
}

/* rows rows of a smooth task: inputs spread over [-2, 2], targets sums of
   sines of them, shifted by phase (another phase: other values). */
static inline nn_dataset_t *make_data(size_t rows, size_t n_in, size_t n_out, double phase)
{
    double *x = malloc(rows * n_in * sizeof *x), *y = malloc(rows * n_out * sizeof *y);
    nn_dataset_t *data = NULL;
    if (x == NULL || y == NULL)
        MPI_Abort(MPI_COMM_WORLD, 2);
    for (size_t r = 0; r < rows; r++) {
        for (size_t i = 0; i < n_in; i++)
            x[r * n_in + i] = -2.0 + 4.0 * (double)((r * 7 + i * 13) % rows) / (double)rows;
        for (size_t k = 0; k < n_out; k++) {
            double t = phase;
            for (size_t i = 0; i < n_in; i++)
                t += sin((double)(k + 1) * x[r * n_in + i] + 0.3 * (double)i);
            y[r * n_out + k] = 3.0 * t + 10.0 * (double)k; /* target scaling has work to do */
        }
    }
    if (nn_dataset_create(&data, rows, n_in, n_out, x, y) != NN_OK)
        MPI_Abort(MPI_COMM_WORLD, 2);
    free(x);
    free(y);
    return data;
}

/* 1 when a and b hold the same bits, else prints the first difference. */
static inline int same_bits(const double *a, const double *b, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0) {
            report(__LINE__, "%s: value %zu of %zu differs: %a (%.17g) against %a (%.17g)", what,
                   i, n, a[i], a[i], b[i], b[i]);
            return 0;
        }
    }
    return 1;
}

/* The parameters of a network, in a new array. */
static inline double *params_of(const nn_t *net)
{
    const size_t n = nn_param_count(net);
    double *p = malloc(n * sizeof *p);
    if (p == NULL || nn_get_params(net, p, n) != NN_OK)
        MPI_Abort(MPI_COMM_WORLD, 2);
    return p;
}

/* History rows compared bit for bit, the seconds column left out. */
static inline int same_history(const double *a, const double *b, size_t epochs, const char *what)
{
    for (size_t e = 0; e < epochs; e++) {
        char label[160];
        snprintf(label, sizeof label, "%s, history row %zu", what, e + 1);
        if (!same_bits(a + e * NN_HISTORY_COLUMNS, b + e * NN_HISTORY_COLUMNS, NN_HISTORY_SECONDS,
                       label))
            return 0;
    }
    return 1;
}

/* Every process's n values equal rank 0's, bit for bit: gathered on rank 0
   and compared there. Collective over MPI_COMM_WORLD. */
static inline void check_same_everywhere(const double *values, size_t n, const char *what)
{
    const int size = world_size(), rank = world_rank();
    double *all = rank == 0 ? malloc((size_t)size * n * sizeof *all) : NULL;
    if (rank == 0 && all == NULL)
        MPI_Abort(MPI_COMM_WORLD, 2);
    MPI_Gather(values, (int)n, MPI_DOUBLE, all, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        for (int r = 1; r < size; r++) {
            char label[160];
            snprintf(label, sizeof label, "%s: rank %d against rank 0", what, r);
            same_bits(all + (size_t)r * n, all, n, label);
        }
    }
    free(all);
}

static inline void check_params_everywhere(const nn_t *net, const char *what)
{
    double *p = params_of(net);
    check_same_everywhere(p, nn_param_count(net), what);
    free(p);
}

/* Every process's first `rows` history rows equal rank 0's, the seconds
   column left out; rows past the epochs run must be zero on every process. */
static inline void check_history_everywhere(const double *history, size_t rows, const char *what)
{
    double *h = malloc(rows * NN_HISTORY_COLUMNS * sizeof *h);
    if (h == NULL)
        MPI_Abort(MPI_COMM_WORLD, 2);
    memcpy(h, history, rows * NN_HISTORY_COLUMNS * sizeof *h);
    for (size_t e = 0; e < rows; e++)
        h[e * NN_HISTORY_COLUMNS + NN_HISTORY_SECONDS] = 0.0;
    check_same_everywhere(h, rows * NN_HISTORY_COLUMNS, what);
    free(h);
}

/* The exit status of every process: 1 when any check failed anywhere. */
static inline int finish(void)
{
    int all = 0;
    MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (world_rank() == 0)
        printf("%s: %d failed checks over %d processes\n", all == 0 ? "passed" : "FAILED", all,
               world_size());
    MPI_Finalize();
    return all == 0 ? 0 : 1;
}

#endif

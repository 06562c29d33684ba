/* NN_MPI_FAST: the processes' gradient sums added by MPI_Allreduce. After
   100 steps (20 epochs of 5 batches) with SGD with momentum and with Adam,
   every parameter is within 1e-10 max(1, |b|) of one plain process's
   (nn_train() alone, no chunks, computed on rank 0 here); every process
   holds the same bits; one process alone gives exactly the plain loop's
   bits; a batch costs one MPI call (the failure flag rides on the sum). */
#include "mpi_calls.h"

enum { ROWS = 40, N_IN = 4, HIDDEN = 6, N_OUT = 2, BATCH = 8, EPOCHS = 20 };

static nn_train_options_t *options_of(int optimizer, double rate)
{
    nn_train_options_t *o = NULL;
    if (nn_train_options_create(&o) != NN_OK || nn_train_options_set_epochs(o, EPOCHS) != NN_OK ||
        nn_train_options_set_batch_size(o, BATCH) != NN_OK ||
        nn_train_options_set_seed(o, 3) != NN_OK ||
        nn_train_options_set_optimizer(o, optimizer) != NN_OK ||
        nn_train_options_set_learning_rate(o, rate) != NN_OK)
        MPI_Abort(MPI_COMM_WORLD, 2);
    if (optimizer == NN_OPT_SGD && nn_train_options_set_hyperparameter(o, NN_HP_MOMENTUM, 0.9) != NN_OK)
        MPI_Abort(MPI_COMM_WORLD, 2);
    return o;
}

static void run(const char *name, int optimizer, double rate, const nn_dataset_t *data)
{
    const int rank = world_rank(), size = world_size();
    nn_mpi_t *m = NULL;
    CHECK_STATUS(nn_mpi_create(&m, MPI_COMM_WORLD, NN_MPI_FAST, 0), NN_OK, "nn_mpi_create");
    if (m == NULL)
        return;
    CHECK(nn_mpi_chunks(m) == 0 && nn_mpi_mode(m) == NN_MPI_FAST, "fast handle: chunks %zu",
          nn_mpi_chunks(m));
    nn_t *net = make_net(N_IN, HIDDEN, N_OUT, NN_ACT_SIGMOID, rank == 0 ? 11 : 90);
    if (rank == 0)
        scaled(net, data);
    nn_train_options_t *o = options_of(optimizer, rate);
    struct call_probe probe = {0, ROWS / BATCH, 0, 0, 0, size > 1, 0, 0};
    nn_train_options_set_batch_hook(o, count_batch_calls, &probe);
    double history[EPOCHS * NN_HISTORY_COLUMNS] = {0};
    size_t epochs = 0;
    CHECK_STATUS(nn_mpi_train(m, net, data, NULL, o, history, EPOCHS * NN_HISTORY_COLUMNS,
                              &epochs),
                 NN_OK, name);
    CHECK(epochs == EPOCHS && probe.batch == EPOCHS * ROWS / BATCH,
          "%s: %zu epochs, %zu steps; expected %d, %d", name, epochs, probe.batch, EPOCHS,
          EPOCHS * ROWS / BATCH);
    CHECK(probe.checked == EPOCHS * (ROWS / BATCH - 1), "%s: %zu batches checked", name,
          probe.checked);
    check_params_everywhere(net, name);
    check_history_everywhere(history, EPOCHS, name);

    if (rank == 0) { /* one plain process */
        nn_t *alone = scaled(make_net(N_IN, HIDDEN, N_OUT, NN_ACT_SIGMOID, 11), data);
        nn_train_options_t *plain = options_of(optimizer, rate);
        CHECK_STATUS(nn_train(alone, data, NULL, plain, NULL, 0, NULL), NN_OK, "plain loop");
        double *a = params_of(net), *b = params_of(alone);
        const size_t n = nn_param_count(net);
        double worst = 0.0, moved = 0.0;
        for (size_t i = 0; i < n; i++) {
            const double bound = 1e-10 * fmax(1.0, fabs(b[i]));
            worst = fmax(worst, fabs(a[i] - b[i]) / fmax(1.0, fabs(b[i])));
            CHECK(fabs(a[i] - b[i]) <= bound,
                  "%s: parameter %zu is %.17g on %d processes, %.17g alone (difference %.3g)",
                  name, i, a[i], size, b[i], fabs(a[i] - b[i]));
        }
        nn_t *start = make_net(N_IN, HIDDEN, N_OUT, NN_ACT_SIGMOID, 11);
        double *s = params_of(start);
        for (size_t i = 0; i < n; i++)
            moved = fmax(moved, fabs(b[i] - s[i]));
        CHECK(moved > 0.05, "%s: training moved no parameter by more than %g", name, moved);
        if (size == 1) /* no collective at all: the plain loop itself */
            same_bits(a, b, n, "one process in fast mode against the plain loop");
        passed("%s: %d processes within %.3g (relative, max(1, |b|)) of one process after %d "
               "steps; parameters moved up to %.3g",
               name, size, worst, EPOCHS * ROWS / BATCH, moved);
        free(s);
        free(a);
        free(b);
        nn_free(start);
        nn_train_options_free(plain);
        nn_free(alone);
    }
    nn_train_options_free(o);
    nn_free(net);
    nn_mpi_free(m);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    nn_dataset_t *data = make_data(ROWS, N_IN, N_OUT, 0.5);
    run("sgd with momentum", NN_OPT_SGD, 0.05, data);
    run("adam", NN_OPT_ADAM, 0.01, data);
    nn_dataset_free(data);
    return finish();
}

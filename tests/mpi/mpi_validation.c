/* Validation and early stopping decided the same way on every process:
   rank 0 alone evaluates the validation rows and broadcasts the loss and
   the metric, so every process stops after the same epoch, restores the
   same best parameters and keeps the same history. Reproducible mode: the
   same stop, history and parameters as the single-process loop with the
   same chunks (computed on rank 0 here). The epoch callback runs on rank 0
   only. Fast mode with a held-out validation fraction: the same stop and
   parameters on every process. Run with 2 and 4 processes. */
#include "mpi_check.h"

enum { ROWS = 48, VALIDATION_ROWS = 16, N_IN = 3, HIDDEN = 6, N_OUT = 2, BATCH = 8,
       EPOCHS = 40, PATIENCE = 3 };

static size_t callback_calls;

static int count_epochs(void *context, size_t epoch, const double *metrics, size_t n_metrics)
{
    (void)context;
    (void)epoch;
    (void)metrics;
    (void)n_metrics;
    callback_calls++;
    return 0;
}

/* Adam at a rate with which the validation loss stops improving by
   min_delta after some epochs, so that early stopping ends the run well
   before EPOCHS. */
static nn_train_options_t *options_of(double rate)
{
    nn_train_options_t *o = NULL;
    if (nn_train_options_create(&o) != NN_OK || nn_train_options_set_epochs(o, EPOCHS) != NN_OK ||
        nn_train_options_set_batch_size(o, BATCH) != NN_OK ||
        nn_train_options_set_optimizer(o, NN_OPT_ADAM) != NN_OK ||
        nn_train_options_set_learning_rate(o, rate) != NN_OK ||
        nn_train_options_set_patience(o, PATIENCE, 1e-3) != NN_OK ||
        nn_train_options_set_epoch_callback(o, count_epochs, NULL) != NN_OK)
        MPI_Abort(MPI_COMM_WORLD, 2);
    return o;
}

static void given_validation(const nn_dataset_t *train, const nn_dataset_t *validation)
{
    const int rank = world_rank();
    const char *what = "reproducible, validation set, early stopping";
    nn_mpi_t *m = NULL;
    CHECK_STATUS(nn_mpi_create(&m, MPI_COMM_WORLD, NN_MPI_REPRODUCIBLE, 4), NN_OK, "create");
    if (m == NULL)
        return;
    nn_t *net = scaled(make_net(N_IN, HIDDEN, N_OUT, NN_ACT_TANH, 21), train);
    nn_train_options_t *o = options_of(0.01);
    double history[EPOCHS * NN_HISTORY_COLUMNS] = {0};
    size_t epochs = 0;
    callback_calls = 0;
    CHECK_STATUS(nn_mpi_train(m, net, train, validation, o, history, EPOCHS * NN_HISTORY_COLUMNS,
                              &epochs),
                 NN_OK, what);
    CHECK(epochs > PATIENCE && epochs < EPOCHS, "%s: %zu epochs: early stopping did not end it",
          what, epochs);
    CHECK(callback_calls == (rank == 0 ? epochs : 0),
          "%s: the epoch callback ran %zu times on rank %d", what, callback_calls, rank);
    double stopped = (double)epochs;
    check_same_everywhere(&stopped, 1, what);
    check_history_everywhere(history, EPOCHS, what);
    check_params_everywhere(net, what);
    for (size_t e = 0; e < epochs; e++)
        CHECK(isfinite(history[e * NN_HISTORY_COLUMNS + NN_HISTORY_VALIDATION_LOSS]),
              "%s: no validation loss in epoch %zu", what, e + 1);

    if (rank == 0) {
        nn_t *alone = scaled(make_net(N_IN, HIDDEN, N_OUT, NN_ACT_TANH, 21), train);
        nn_train_options_t *chunked = options_of(0.01);
        nn_train_options_set_chunks(chunked, 4);
        double alone_history[EPOCHS * NN_HISTORY_COLUMNS] = {0};
        size_t alone_epochs = 0;
        CHECK_STATUS(nn_train(alone, train, validation, chunked, alone_history,
                              EPOCHS * NN_HISTORY_COLUMNS, &alone_epochs),
                     NN_OK, "single-process loop");
        CHECK(alone_epochs == epochs, "%s: stopped after %zu epochs, one process after %zu", what,
              epochs, alone_epochs);
        double *a = params_of(net), *b = params_of(alone);
        if (same_bits(a, b, nn_param_count(net), what) &&
            same_history(history, alone_history, epochs < alone_epochs ? epochs : alone_epochs,
                         what))
            passed("%s: every process stops after epoch %zu of %d, as one process with 4 chunks "
                   "(the best parameters, of epoch %zu, restored bit for bit)",
                   what, epochs, EPOCHS, epochs - PATIENCE);
        free(a);
        free(b);
        nn_train_options_free(chunked);
        nn_free(alone);
    }
    nn_train_options_free(o);
    nn_free(net);
    nn_mpi_free(m);
}

static void held_out(const nn_dataset_t *train)
{
    const char *what = "fast, validation fraction 0.25, early stopping";
    nn_mpi_t *m = NULL;
    CHECK_STATUS(nn_mpi_create(&m, MPI_COMM_WORLD, NN_MPI_FAST, 0), NN_OK, "create");
    if (m == NULL)
        return;
    nn_t *net = scaled(make_net(N_IN, HIDDEN, N_OUT, NN_ACT_TANH, 22), train);
    nn_train_options_t *o = options_of(0.05);
    nn_train_options_set_validation_fraction(o, 0.25, 0);
    double history[EPOCHS * NN_HISTORY_COLUMNS] = {0};
    size_t epochs = 0;
    CHECK_STATUS(nn_mpi_train(m, net, train, NULL, o, history, EPOCHS * NN_HISTORY_COLUMNS,
                              &epochs),
                 NN_OK, what);
    CHECK(epochs > PATIENCE && epochs < EPOCHS, "%s: %zu epochs: early stopping did not end it",
          what, epochs);
    double stopped = (double)epochs;
    check_same_everywhere(&stopped, 1, what);
    check_history_everywhere(history, EPOCHS, what);
    check_params_everywhere(net, what);
    passed("%s: every process stops after epoch %zu with the same parameters", what, epochs);
    nn_train_options_free(o);
    nn_free(net);
    nn_mpi_free(m);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    nn_dataset_t *train = make_data(ROWS, N_IN, N_OUT, 0.0);
    nn_dataset_t *validation = make_data(VALIDATION_ROWS, N_IN, N_OUT, 0.2);
    given_validation(train, validation);
    held_out(train);
    nn_dataset_free(train);
    nn_dataset_free(validation);
    return finish();
}

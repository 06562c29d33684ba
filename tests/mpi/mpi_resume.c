/* Resuming on another number of processes (tests/mpi/resume.sh runs it):
 *   mpi_resume save K FILE   trains K of EPOCHS epochs (rank 0's epoch
 *                            callback stops the run on every process), then
 *                            rank 0 alone saves the trainer (nn_trainer_save);
 *   mpi_resume finish FILE   loads FILE on every process into a new trainer
 *                            and trains to the end; the parameters and the
 *                            history must be the bits of the run that never
 *                            stopped: the single-process loop with the same
 *                            chunks, computed on rank 0 here.
 * Reproducible mode with 4 chunks, so any of 1, 2 and 4 processes may save
 * or finish. */
#include "mpi_check.h"

enum { ROWS = 36, N_IN = 3, HIDDEN = 4, N_OUT = 2, BATCH = 8, EPOCHS = 6, CHUNKS = 4 };

static int stop_after(void *context, size_t epoch, const double *metrics, size_t n_metrics)
{
    (void)metrics;
    (void)n_metrics;
    return epoch == *(const size_t *)context;
}

static nn_train_options_t *options_of(size_t *stop)
{
    nn_train_options_t *o = NULL;
    if (nn_train_options_create(&o) != NN_OK || nn_train_options_set_epochs(o, EPOCHS) != NN_OK ||
        nn_train_options_set_batch_size(o, BATCH) != NN_OK ||
        nn_train_options_set_seed(o, 5) != NN_OK ||
        nn_train_options_set_hyperparameter(o, NN_HP_MOMENTUM, 0.8) != NN_OK ||
        nn_train_options_set_learning_rate(o, 0.05) != NN_OK ||
        (stop != NULL && nn_train_options_set_epoch_callback(o, stop_after, stop) != NN_OK))
        MPI_Abort(MPI_COMM_WORLD, 2);
    return o;
}

/* This process's trainer: rank 0's network (seed, scaling) shared first. */
static nn_trainer_t *trainer_of(nn_mpi_t *m, nn_t *net, const nn_dataset_t *data, size_t *stop)
{
    nn_train_options_t *o = options_of(stop);
    nn_trainer_t *t = NULL;
    CHECK_STATUS(nn_mpi_share_network(m, net), NN_OK, "share the network");
    CHECK_STATUS(nn_mpi_check_dataset(m, data), NN_OK, "check the data");
    CHECK_STATUS(nn_mpi_configure(m, o), NN_OK, "configure");
    CHECK_STATUS(nn_mpi_agree(m, nn_trainer_create(&t, net, o)), NN_OK, "trainer");
    nn_train_options_free(o);
    return t;
}

static void save(nn_mpi_t *m, nn_t *net, const nn_dataset_t *data, size_t k, const char *path)
{
    nn_trainer_t *t = trainer_of(m, net, data, &k);
    if (t == NULL)
        return;
    CHECK_STATUS(nn_trainer_run(t, data, NULL), NN_OK, "the first epochs");
    size_t epochs = 0;
    nn_trainer_history(t, NULL, 0, &epochs);
    CHECK(epochs == k, "stopped after %zu epochs, expected %zu", epochs, k);
    nn_status status = world_rank() == 0 ? nn_trainer_save(t, path) : NN_OK;
    CHECK_STATUS(nn_mpi_agree(m, status), NN_OK, "rank 0 saves the trainer");
    check_params_everywhere(net, "after the first epochs");
    passed("%d processes trained %zu of %d epochs and saved the trainer", world_size(), k,
           EPOCHS);
    nn_trainer_free(t);
}

static void finish_run(nn_mpi_t *m, nn_t *net, const nn_dataset_t *data, const char *path)
{
    nn_trainer_t *t = trainer_of(m, net, data, NULL);
    if (t == NULL)
        return;
    CHECK_STATUS(nn_mpi_agree(m, nn_trainer_load(t, path)), NN_OK, "every process loads");
    size_t resumed_at = 0;
    nn_trainer_history(t, NULL, 0, &resumed_at);
    CHECK(resumed_at > 0 && resumed_at < EPOCHS, "the file holds %zu epochs", resumed_at);
    CHECK_STATUS(nn_trainer_run(t, data, NULL), NN_OK, "the remaining epochs");
    double history[EPOCHS * NN_HISTORY_COLUMNS] = {0};
    size_t epochs = 0;
    CHECK_STATUS(nn_trainer_history(t, history, EPOCHS * NN_HISTORY_COLUMNS, &epochs), NN_OK,
                 "history");
    CHECK(epochs == EPOCHS, "%zu epochs after the resumed run", epochs);
    check_params_everywhere(net, "after the resumed run");
    check_history_everywhere(history, EPOCHS, "after the resumed run");
    if (world_rank() == 0) { /* the run that never stopped */
        nn_t *alone = scaled(make_net(N_IN, HIDDEN, N_OUT, NN_ACT_TANH, 31), data);
        nn_train_options_t *o = options_of(NULL);
        nn_train_options_set_chunks(o, CHUNKS);
        double alone_history[EPOCHS * NN_HISTORY_COLUMNS] = {0};
        CHECK_STATUS(nn_train(alone, data, NULL, o, alone_history, EPOCHS * NN_HISTORY_COLUMNS,
                              NULL),
                     NN_OK, "uninterrupted loop");
        double *a = params_of(net), *b = params_of(alone);
        if (same_bits(a, b, nn_param_count(net), "resumed against uninterrupted") &&
            same_history(history, alone_history, EPOCHS, "resumed against uninterrupted"))
            passed("saved after %zu epochs, finished on %d processes: the bits of one "
                   "uninterrupted process with %d chunks",
                   resumed_at, world_size(), CHUNKS);
        free(a);
        free(b);
        nn_train_options_free(o);
        nn_free(alone);
    }
    nn_trainer_free(t);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    const int saving = argc == 4 && strcmp(argv[1], "save") == 0;
    if (!saving && !(argc == 3 && strcmp(argv[1], "finish") == 0)) {
        if (world_rank() == 0)
            fprintf(stderr, "usage: %s save K FILE | finish FILE\n", argv[0]);
        MPI_Finalize();
        return 2;
    }
    nn_dataset_t *data = make_data(ROWS, N_IN, N_OUT, 0.1);
    nn_mpi_t *m = NULL;
    CHECK_STATUS(nn_mpi_create(&m, MPI_COMM_WORLD, NN_MPI_REPRODUCIBLE, CHUNKS), NN_OK, "create");
    /* rank 0's network: seed 31 and scaled; the others' start elsewhere (and
       when finishing, rank 0's own parameters are replaced by the file's) */
    const int rank = world_rank();
    nn_t *net = make_net(N_IN, HIDDEN, N_OUT, NN_ACT_TANH,
                         rank == 0 && saving ? 31 : 70 + (unsigned long)rank);
    if (rank == 0)
        scaled(net, data);
    if (m != NULL && saving)
        save(m, net, data, (size_t)strtoul(argv[2], NULL, 10), argv[3]);
    else if (m != NULL)
        finish_run(m, net, data, argv[2]);
    nn_free(net);
    nn_mpi_free(m);
    nn_dataset_free(data);
    return finish();
}

/* NN_MPI_REPRODUCIBLE: with C chunks, any number of processes up to C gives
   the bits of the single-process loop run with the same C chunks
   (nn_train() with nn_train_options_set_chunks(), no MPI, computed on rank 0
   here): parameters and history, every process the same. Run with 1, 2 and
   4 processes, each run against the same single-process loop, so the three
   runs give the same bits as each other too. Rank 0's network carries input
   and target scaling, the others start from other parameters and no
   scaling: nn_mpi_train() must share rank 0's. A batch costs two MPI calls
   (the status agreement and the gather). */
#include "mpi_calls.h"

enum { ROWS = 37, N_IN = 3, HIDDEN = 5, N_OUT = 2 };

struct setting {
    const char *name;
    size_t chunks, batch, epochs;
    int optimizer;
    double rate, clip;
};

static nn_train_options_t *options_of(const struct setting *s)
{
    nn_train_options_t *o = NULL;
    if (nn_train_options_create(&o) != NN_OK || nn_train_options_set_epochs(o, s->epochs) != NN_OK ||
        nn_train_options_set_batch_size(o, s->batch) != NN_OK ||
        nn_train_options_set_seed(o, 7) != NN_OK ||
        nn_train_options_set_optimizer(o, s->optimizer) != NN_OK ||
        nn_train_options_set_learning_rate(o, s->rate) != NN_OK ||
        nn_train_options_set_clip(o, s->clip) != NN_OK)
        MPI_Abort(MPI_COMM_WORLD, 2);
    if (s->optimizer == NN_OPT_SGD &&
        nn_train_options_set_hyperparameter(o, NN_HP_MOMENTUM, 0.9) != NN_OK)
        MPI_Abort(MPI_COMM_WORLD, 2);
    return o;
}

/* Rank 0's starting network: parameters of seed 1, scaling fitted on the data. */
static nn_t *first_network(const nn_dataset_t *data)
{
    return scaled(make_net(N_IN, HIDDEN, N_OUT, NN_ACT_TANH, 1), data);
}

static void run(const struct setting *s, const nn_dataset_t *data)
{
    const int rank = world_rank(), size = world_size();
    nn_mpi_t *m = NULL;
    CHECK_STATUS(nn_mpi_create(&m, MPI_COMM_WORLD, NN_MPI_REPRODUCIBLE, s->chunks), NN_OK,
                 "nn_mpi_create");
    if (m == NULL)
        return;
    CHECK(nn_mpi_chunks(m) == s->chunks && nn_mpi_mode(m) == NN_MPI_REPRODUCIBLE &&
              nn_mpi_rank(m) == (size_t)rank && nn_mpi_size(m) == (size_t)size,
          "handle: chunks %zu, mode %d, rank %zu, size %zu", nn_mpi_chunks(m), nn_mpi_mode(m),
          nn_mpi_rank(m), nn_mpi_size(m));

    /* the other ranks start elsewhere and unscaled: the run must share rank 0's */
    nn_t *net = rank == 0 ? first_network(data)
                          : make_net(N_IN, HIDDEN, N_OUT, NN_ACT_TANH, 50 + (unsigned long)rank);
    nn_train_options_t *o = options_of(s);
    const size_t per_epoch = (ROWS + s->batch - 1) / s->batch;
    struct call_probe probe = {0, per_epoch, 0, 0, 0, size > 1, size > 1, 0};
    nn_train_options_set_batch_hook(o, count_batch_calls, &probe);
    double history[64 * NN_HISTORY_COLUMNS] = {0};
    size_t epochs = 0;
    CHECK_STATUS(nn_mpi_train(m, net, data, NULL, o, history, 64 * NN_HISTORY_COLUMNS, &epochs),
                 NN_OK, s->name);
    CHECK(epochs == s->epochs, "%s: %zu epochs, expected %zu", s->name, epochs, s->epochs);
    CHECK(probe.checked == s->epochs * (per_epoch - 1), "%s: %zu batches checked", s->name,
          probe.checked);
    CHECK(nn_has_input_scaling(net) && nn_has_target_scaling(net),
          "%s: rank 0's scaling was not shared", s->name);
    check_params_everywhere(net, s->name);
    check_history_everywhere(history, 64, s->name);

    if (rank == 0) { /* the same loop in one process, with the same chunks */
        nn_t *alone = first_network(data);
        nn_train_options_t *chunked = options_of(s);
        nn_train_options_set_chunks(chunked, s->chunks);
        double alone_history[64 * NN_HISTORY_COLUMNS];
        size_t alone_epochs = 0;
        CHECK_STATUS(nn_train(alone, data, NULL, chunked, alone_history,
                              64 * NN_HISTORY_COLUMNS, &alone_epochs),
                     NN_OK, "single-process loop");
        double *a = params_of(net), *b = params_of(alone);
        char what[120];
        snprintf(what, sizeof what, "%s: %d processes against one process with %zu chunks",
                 s->name, size, s->chunks);
        if (same_bits(a, b, nn_param_count(net), what) &&
            same_history(history, alone_history, epochs, what))
            passed("%s: the same bits on %d processes as one process with %zu chunks (%zu "
                   "parameters, %zu epochs, last training loss %.17g)",
                   s->name, size, s->chunks, nn_param_count(net), epochs,
                   history[(epochs - 1) * NN_HISTORY_COLUMNS + NN_HISTORY_TRAIN_LOSS]);
        free(a);
        free(b);
        nn_train_options_free(chunked);
        nn_free(alone);
    }
    nn_train_options_free(o);
    nn_free(net);
    nn_mpi_free(m);
}

/* The chunks a handle gets: 0 asks for NN_MPI_DEFAULT_CHUNKS, or the number
   of processes when that is larger; fast mode has none. */
static void default_chunks(void)
{
    const size_t size = (size_t)world_size();
    const size_t want = size > NN_MPI_DEFAULT_CHUNKS ? size : NN_MPI_DEFAULT_CHUNKS;
    nn_mpi_t *m = NULL;
    CHECK_STATUS(nn_mpi_create_world(&m, NN_MPI_REPRODUCIBLE, 0), NN_OK, "create, default chunks");
    CHECK(nn_mpi_chunks(m) == want, "default chunks: %zu, expected %zu", nn_mpi_chunks(m), want);
    nn_mpi_free(m);
    m = NULL;
    CHECK_STATUS(nn_mpi_create_world(&m, NN_MPI_FAST, 5), NN_OK, "create, fast");
    CHECK(nn_mpi_chunks(m) == 0 && nn_mpi_mode(m) == NN_MPI_FAST, "fast mode: %zu chunks",
          nn_mpi_chunks(m));
    nn_mpi_free(m);
    CHECK(nn_mpi_chunks(NULL) == 0 && nn_mpi_size(NULL) == 0 && nn_mpi_mode(NULL) == -1,
          "the accessors of a NULL handle");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    default_chunks();
    nn_dataset_t *data = make_data(ROWS, N_IN, N_OUT, 0.0);
    /* 4 chunks: an even share up to 4 processes; 6: 1, 2, 1, 2 chunks on 4 */
    const struct setting settings[] = {
        {"sgd with momentum, 4 chunks", 4, 10, 4, NN_OPT_SGD, 0.05, 0.0},
        {"adam, 6 chunks, clipped", 6, 9, 3, NN_OPT_ADAM, 0.01, 1.0},
    };
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        run(&settings[i], data);
    nn_dataset_free(data);
    return finish();
}

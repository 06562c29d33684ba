/* A failure on one process ends the call on every process, at the same
   point, and nobody hangs (the test's timeout would fail it): the failed
   process returns its own status, the others NN_ERR_PEER, and
   nn_mpi_failure() names the failed rank and its status everywhere. Cases:
   arguments of nn_mpi_create() that differ, nn_mpi_agree() itself, a
   network of another shape or activation, another data set, a validation
   set on one process only, and a batch hook that fails mid-run (in both
   modes, on rank 1 and on rank 0, mid-epoch and at the very last batch).
   Run with 2 and 4 processes. */
#include "mpi_check.h"

enum { ROWS = 30, N_IN = 3, HIDDEN = 5, N_OUT = 1, BATCH = 6, EPOCHS = 4 };

/* The status a process expects: its own failure, or NN_ERR_PEER. */
static nn_status expected(int failing_rank, nn_status failure)
{
    return world_rank() == failing_rank ? failure : NN_ERR_PEER;
}

static void check_failure(const nn_mpi_t *m, size_t want_rank, nn_status want_status,
                          const char *what)
{
    size_t rank = 99;
    nn_status status = NN_OK;
    CHECK_STATUS(nn_mpi_failure(m, &rank, &status), NN_OK, what);
    CHECK(rank == want_rank && status == want_status,
          "%s: nn_mpi_failure says rank %zu, status %d; expected rank %zu, status %d", what, rank,
          (int)status, want_rank, (int)want_status);
}

static void create_arguments(void)
{
    nn_mpi_t *m = NULL;
    /* an unknown mode on rank 1 */
    nn_status status = nn_mpi_create(&m, MPI_COMM_WORLD, world_rank() == 1 ? 7 : NN_MPI_FAST, 0);
    CHECK_STATUS(status, expected(1, NN_ERR_ARGUMENT), "create with a bad mode on rank 1");
    CHECK(m == NULL, "a handle was made after a failure");
    /* other chunks on rank 1: valid there, but not rank 0's */
    status = nn_mpi_create(&m, MPI_COMM_WORLD, NN_MPI_REPRODUCIBLE, world_rank() == 1 ? 8 : 4);
    CHECK_STATUS(status, expected(1, NN_ERR_ARGUMENT), "create with other chunks on rank 1");
    CHECK(m == NULL, "a handle was made after a failure");
    /* fewer chunks than processes, on every process */
    status = nn_mpi_create(&m, MPI_COMM_WORLD, NN_MPI_REPRODUCIBLE, 1);
    CHECK_STATUS(status, NN_ERR_ARGUMENT, "create with 1 chunk");
    passed("nn_mpi_create: bad arguments on one process fail every process");
}

static void agreement(void)
{
    const int rank = world_rank(), last = world_size() - 1;
    nn_mpi_t *m = NULL;
    CHECK_STATUS(nn_mpi_create(&m, MPI_COMM_WORLD, NN_MPI_FAST, 0), NN_OK, "create");
    if (m == NULL)
        return;
    size_t who = 0;
    CHECK_STATUS(nn_mpi_failure(m, &who, NULL), NN_ERR_ARGUMENT, "no failure yet");
    CHECK_STATUS(nn_mpi_agree(m, NN_OK), NN_OK, "agree, all fine");
    /* the last rank fails on its own; with more than 2 processes rank 1
       passes on a failure it heard of (NN_ERR_PEER), which must not count
       as the failure although its rank is lower */
    nn_status mine = rank == last ? NN_ERR_IO : (rank == 1 && last > 1) ? NN_ERR_PEER : NN_OK;
    const nn_status want = rank == last ? NN_ERR_IO : NN_ERR_PEER;
    CHECK_STATUS(nn_mpi_agree(m, mine), want, "agree with a failure on the last rank");
    check_failure(m, (size_t)last, NN_ERR_IO, "agree");
    CHECK_STATUS(nn_mpi_agree(m, NN_OK), NN_OK, "agree after a failure");
    check_failure(m, (size_t)last, NN_ERR_IO, "a later success keeps the last failure");
    nn_mpi_free(m);
    passed("nn_mpi_agree: the failed rank keeps its status, the others get NN_ERR_PEER");
}

static nn_train_options_t *options_of(nn_batch_grads_fn hook, void *context)
{
    nn_train_options_t *o = NULL;
    if (nn_train_options_create(&o) != NN_OK || nn_train_options_set_epochs(o, EPOCHS) != NN_OK ||
        nn_train_options_set_batch_size(o, BATCH) != NN_OK ||
        nn_train_options_set_batch_hook(o, hook, context) != NN_OK)
        MPI_Abort(MPI_COMM_WORLD, 2);
    return o;
}

/* nn_mpi_train() with this process's network and sets must fail with the
   failing rank's status there and NN_ERR_PEER elsewhere, leaving every
   network as it was. */
static void start_differs(const char *what, nn_t *net, const nn_dataset_t *train,
                          const nn_dataset_t *validation, int failing_rank, nn_status failure)
{
    nn_mpi_t *m = NULL;
    CHECK_STATUS(nn_mpi_create(&m, MPI_COMM_WORLD, NN_MPI_REPRODUCIBLE, 4), NN_OK, "create");
    if (m == NULL)
        return;
    nn_train_options_t *o = options_of(NULL, NULL);
    double *before = params_of(net);
    size_t epochs = 77;
    CHECK_STATUS(nn_mpi_train(m, net, train, validation, o, NULL, 0, &epochs),
                 expected(failing_rank, failure), what);
    check_failure(m, (size_t)failing_rank, failure, what);
    double *after = params_of(net);
    same_bits(after, before, nn_param_count(net), what);
    CHECK(epochs == 77, "%s: n_epochs written (%zu) although nothing ran", what, epochs);
    passed("%s: rank %d gets status %d (%s), the others NN_ERR_PEER; networks unchanged", what,
           failing_rank, (int)failure, nn_strerror(failure));
    free(before);
    free(after);
    nn_train_options_free(o);
    nn_mpi_free(m);
}

static void different_starts(const nn_dataset_t *data)
{
    const int rank = world_rank();
    nn_t *net = make_net(N_IN, rank == 1 ? HIDDEN + 1 : HIDDEN, N_OUT, NN_ACT_TANH, 5);
    start_differs("another layer size on rank 1", net, data, NULL, 1, NN_ERR_COUNT);
    nn_free(net);

    net = make_net(N_IN, HIDDEN, N_OUT, rank == 1 ? NN_ACT_SIGMOID : NN_ACT_TANH, 5);
    start_differs("another activation on rank 1", net, data, NULL, 1, NN_ERR_COUNT);
    nn_free(net);

    net = make_net(N_IN, HIDDEN, N_OUT, NN_ACT_TANH, 5);
    nn_dataset_t *other = make_data(ROWS, N_IN, N_OUT, rank == 1 ? 1e-9 : 0.0);
    start_differs("other targets on rank 1", net, other, NULL, 1, NN_ERR_ARGUMENT);
    start_differs("a validation set on rank 1 only", net, data, rank == 1 ? data : NULL, 1,
                  NN_ERR_ARGUMENT);
    nn_dataset_free(other);

    nn_mpi_t *m = NULL;
    CHECK_STATUS(nn_mpi_create(&m, MPI_COMM_WORLD, NN_MPI_FAST, 0), NN_OK, "create");
    if (m != NULL) {
        CHECK_STATUS(nn_mpi_check_dataset(m, data), NN_OK, "the same data everywhere");
        CHECK_STATUS(nn_mpi_check_dataset(m, rank == 1 ? NULL : data),
                     expected(1, NN_ERR_NULL_ARG), "no data on rank 1");
        CHECK_STATUS(nn_mpi_share_network(m, rank == 1 ? NULL : net),
                     expected(1, NN_ERR_NULL_ARG), "no network on rank 1");
        nn_mpi_free(m);
    }
    nn_free(net);
}

/* An allocator that refuses once told to: rank 1's network cannot take on
   rank 0's scaling. */
static int refuse_allocations;

static void *refusing_alloc(void *context, size_t size)
{
    (void)context;
    return refuse_allocations ? NULL : malloc(size);
}

static void refusing_free(void *context, void *memory)
{
    (void)context;
    free(memory);
}

/* nn_mpi_share_network() fails on rank 1 after the others have taken rank
   0's values: every network is put back as it was, parameters and scaling
   (ranks 2 and 3 had input scaling of their own, rank 1 none). */
static void share_restores(void)
{
    const int rank = world_rank();
    const size_t sizes[3] = {N_IN, HIDDEN, N_OUT};
    const int activations[2] = {NN_ACT_TANH, NN_ACT_LINEAR};
    nn_t *net = NULL;
    if (nn_create_with_allocator(&net, 3, sizes, activations, refusing_alloc, refusing_free,
                                 NULL) != NN_OK ||
        nn_init_random(net, 40 + (unsigned long)rank, NN_INIT_UNIFORM, -1.0, 1.0) != NN_OK)
        MPI_Abort(MPI_COMM_WORLD, 2);
    const double offset[N_IN] = {0.5, -1.0, 2.0}, scale[N_IN] = {2.0, 3.0, 0.25};
    const double target_offset[N_OUT] = {1.0}, target_scale[N_OUT] = {4.0};
    if ((rank == 0 || rank >= 2) && nn_set_input_scaling(net, offset, scale, N_IN) != NN_OK)
        MPI_Abort(MPI_COMM_WORLD, 2);
    if (rank == 0 && nn_set_target_scaling(net, target_offset, target_scale, N_OUT) != NN_OK)
        MPI_Abort(MPI_COMM_WORLD, 2);
    if (rank >= 2) { /* other values than rank 0's, to be put back */
        const double own_offset[N_IN] = {7.0, 8.0, 9.0};
        nn_set_input_scaling(net, own_offset, scale, N_IN);
    }
    double *before = params_of(net);
    double before_offset[N_IN], before_scale[N_IN];
    nn_get_input_scaling(net, before_offset, before_scale, N_IN);
    const int had_input = nn_has_input_scaling(net), had_target = nn_has_target_scaling(net);
    nn_mpi_t *m = NULL;
    CHECK_STATUS(nn_mpi_create(&m, MPI_COMM_WORLD, NN_MPI_FAST, 0), NN_OK, "create");
    refuse_allocations = rank == 1;
    if (m != NULL) {
        const char *what = "rank 1 cannot allocate rank 0's scaling";
        CHECK_STATUS(nn_mpi_share_network(m, net), expected(1, NN_ERR_NO_MEMORY), what);
        check_failure(m, 1, NN_ERR_NO_MEMORY, what);
    }
    refuse_allocations = 0;
    double *after = params_of(net);
    double after_offset[N_IN], after_scale[N_IN];
    nn_get_input_scaling(net, after_offset, after_scale, N_IN);
    same_bits(after, before, nn_param_count(net), "parameters after a failed share");
    same_bits(after_offset, before_offset, N_IN, "input offsets after a failed share");
    same_bits(after_scale, before_scale, N_IN, "input scales after a failed share");
    CHECK(nn_has_input_scaling(net) == had_input && nn_has_target_scaling(net) == had_target,
          "scaling after a failed share: input %d, target %d; before %d, %d",
          nn_has_input_scaling(net), nn_has_target_scaling(net), had_input, had_target);
    passed("nn_mpi_share_network failing on rank 1: every network as it was");
    free(before);
    free(after);
    nn_mpi_free(m);
    nn_free(net);
}

/* A batch hook that fails with NN_ERR_IO at one batch on one rank. */
struct fail_at {
    int rank;
    size_t batch, seen;
};

static nn_status fail_at_batch(void *context, double *grads, size_t n_params, size_t *n_rows)
{
    struct fail_at *f = context;
    (void)grads;
    (void)n_params;
    (void)n_rows;
    return world_rank() == f->rank && f->seen++ == f->batch ? NN_ERR_IO : NN_OK;
}

static void fails_mid_run(int mode, int failing_rank, size_t batch, const nn_dataset_t *data)
{
    char what[160];
    snprintf(what, sizeof what, "%s mode, rank %d fails at batch %zu",
             mode == NN_MPI_FAST ? "fast" : "reproducible", failing_rank, batch);
    nn_mpi_t *m = NULL;
    CHECK_STATUS(nn_mpi_create(&m, MPI_COMM_WORLD, mode, 4), NN_OK, "create");
    if (m == NULL)
        return;
    nn_t *net = make_net(N_IN, HIDDEN, N_OUT, NN_ACT_TANH, 5);
    struct fail_at f = {failing_rank, batch, 0};
    nn_train_options_t *o = options_of(fail_at_batch, &f);
    double history[EPOCHS * NN_HISTORY_COLUMNS] = {0};
    size_t epochs = 99;
    CHECK_STATUS(nn_mpi_train(m, net, data, NULL, o, history, EPOCHS * NN_HISTORY_COLUMNS,
                              &epochs),
                 expected(failing_rank, NN_ERR_IO), what);
    check_failure(m, (size_t)failing_rank, NN_ERR_IO, what);
    const size_t per_epoch = ROWS / BATCH, want_epochs = batch / per_epoch;
    CHECK(epochs == want_epochs, "%s: %zu epochs completed, expected %zu", what, epochs,
          want_epochs);
    double completed = (double)epochs;
    check_same_everywhere(&completed, 1, what);
    check_history_everywhere(history, EPOCHS, what);
    passed("%s: every process stops with %zu epochs done", what, want_epochs);
    nn_train_options_free(o);
    nn_free(net);
    nn_mpi_free(m);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    if (world_size() < 2) {
        fprintf(stderr, "run with at least 2 processes\n");
        MPI_Finalize();
        return 1;
    }
    nn_dataset_t *data = make_data(ROWS, N_IN, N_OUT, 0.0);
    create_arguments();
    agreement();
    different_starts(data);
    share_restores();
    const size_t last = EPOCHS * (ROWS / BATCH) - 1;
    fails_mid_run(NN_MPI_FAST, 1, 7, data);
    fails_mid_run(NN_MPI_REPRODUCIBLE, 1, 7, data);
    fails_mid_run(NN_MPI_FAST, 0, 12, data);
    fails_mid_run(NN_MPI_REPRODUCIBLE, 1, last, data);
    fails_mid_run(NN_MPI_FAST, 1, 0, data);
    nn_dataset_free(data);
    return finish();
}

/* Counts the library's MPI calls through MPI's profiling interface: these
   definitions take the place of MPI's for the whole program (and for
   libbackprop-mpi), count, and pass on to PMPI_. A batch hook then checks
   how many calls one batch of the training loop makes. */
#ifndef BACKPROP_TEST_MPI_CALLS_H
#define BACKPROP_TEST_MPI_CALLS_H

#include "mpi_check.h"

static long allreduce_calls, allgatherv_calls, bcast_calls;

int MPI_Allreduce(const void *send, void *receive, int count, MPI_Datatype type, MPI_Op op,
                  MPI_Comm comm)
{
    allreduce_calls++;
    return PMPI_Allreduce(send, receive, count, type, op, comm);
}

int MPI_Allgatherv(const void *send, int send_count, MPI_Datatype send_type, void *receive,
                   const int counts[], const int displs[], MPI_Datatype type, MPI_Comm comm)
{
    allgatherv_calls++;
    return PMPI_Allgatherv(send, send_count, send_type, receive, counts, displs, type, comm);
}

int MPI_Bcast(void *values, int count, MPI_Datatype type, int root, MPI_Comm comm)
{
    bcast_calls++;
    return PMPI_Bcast(values, count, type, root, comm);
}

/* The batch hook's record: the calls made between two batches of an epoch
   must be exactly the expected ones. */
struct call_probe {
    size_t batch, per_epoch;        /* batches seen, batches per epoch */
    long allreduce, allgatherv, bcast; /* the counters at the last batch */
    long want_allreduce, want_allgatherv; /* per batch; no broadcast within an epoch */
    size_t checked;                 /* pairs of batches compared */
};

static inline nn_status count_batch_calls(void *context, double *grads, size_t n_params,
                                          size_t *n_rows)
{
    struct call_probe *p = context;
    (void)grads;
    (void)n_params;
    (void)n_rows;
    if (p->batch % p->per_epoch != 0) {
        const long reduce = allreduce_calls - p->allreduce, gather = allgatherv_calls - p->allgatherv;
        const long bcast = bcast_calls - p->bcast;
        CHECK(reduce == p->want_allreduce && gather == p->want_allgatherv && bcast == 0,
              "batch %zu: %ld MPI_Allreduce, %ld MPI_Allgatherv, %ld MPI_Bcast since the last "
              "batch; expected %ld, %ld, 0",
              p->batch, reduce, gather, bcast, p->want_allreduce, p->want_allgatherv);
        p->checked++;
    }
    p->allreduce = allreduce_calls;
    p->allgatherv = allgatherv_calls;
    p->bcast = bcast_calls;
    p->batch++;
    return NN_OK;
}

#endif

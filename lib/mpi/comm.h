/* The handle of libbackprop-mpi (comm.c) and the calls its files share:
   the status agreement (agree.c), the collectives the core's training loop
   calls (collectives.c) and the network and data checks (share.c). Not
   installed; every function here is named nn__mpi_ and stays local to the
   library (lib/mpi/backprop_mpi.map). */
#ifndef BACKPROP_MPI_COMM_H
#define BACKPROP_MPI_COMM_H

#include "backprop_mpi.h"

#include <stddef.h>

struct nn_mpi {
    MPI_Comm comm;      /* the caller's communicator, duplicated, MPI_ERRORS_RETURN */
    int rank, size;
    int mode;           /* NN_MPI_FAST or NN_MPI_REPRODUCIBLE */
    size_t chunks;      /* 0 in NN_MPI_FAST */
    int failed;         /* a failure has been agreed on: */
    int failed_rank;    /* the lowest rank that failed on its own */
    nn_status failed_status;
    double *sum_buffer; /* the fast sum's values and its failure flag */
    size_t sum_capacity; /* doubles of sum_buffer, the same on every process */
    int *counts, *displs; /* size each: the gather's blocks */
};

/* Every process's status into one: NN_OK when all passed NN_OK, else the
   caller's own failure, or NN_ERR_PEER when only others failed; a failed
   exchange gives NN_ERR_COMMUNICATION. Records the failure in m. */
nn_status nn__mpi_agree(nn_mpi_t *m, nn_status status);

/* The status of a failed MPI call, recorded as this process's failure. */
nn_status nn__mpi_lost(nn_mpi_t *m);

/* Copies rank 0's count values of type to every process, after the status
   agreement: nothing is sent unless every process passed NN_OK. */
nn_status nn__mpi_broadcast(nn_mpi_t *m, nn_status status, void *values, size_t count,
                            MPI_Datatype type);

/* The collectives of the core's training loop (nn_collective_*_fn), with an
   nn_mpi_t as the context. */
nn_status nn__mpi_sum(void *context, nn_status status, double *values, size_t count);
nn_status nn__mpi_gather(void *context, nn_status status, double *slots, size_t slot_size,
                         size_t n_slots);
nn_status nn__mpi_broadcast_doubles(void *context, nn_status status, double *values,
                                    size_t count);

/* nn_mpi_share_network() and nn_mpi_check_dataset() carrying a status so far
   (a process that already failed still makes every call); a NULL data set
   counts as "none", and matches only "none" on rank 0. */
nn_status nn__mpi_share_network(nn_mpi_t *m, nn_t *net, nn_status status);
nn_status nn__mpi_check_dataset(nn_mpi_t *m, const nn_dataset_t *data, nn_status status);

#endif

/* The collectives of the core's training loop over MPI
   (nn_collective_sum_fn, nn_collective_gather_fn, nn_collective_broadcast_fn
   with a handle as the context), each under the status agreement
   (agree.c): values move only when every process passed NN_OK.

   - broadcast: the agreement, then MPI_Bcast from rank 0.
   - gather (NN_MPI_REPRODUCIBLE): the agreement, then MPI_Allgatherv of
     each process's block of chunk slots, in place.
   - sum (NN_MPI_FAST): one MPI_Allreduce(MPI_SUM) of the values and one
     more double, the count of failed processes (0 or 1 each, a sum that is
     exact in any order), so a good batch costs one MPI call; only when that
     count is not 0 do the processes run the agreement to learn who failed. */
#include "comm.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

nn_status nn__mpi_broadcast(nn_mpi_t *m, nn_status status, void *values, size_t count,
                            MPI_Datatype type)
{
    if (status == NN_OK && count > INT_MAX)
        status = NN_ERR_TOO_LARGE;
    status = nn__mpi_agree(m, status);
    if (status == NN_OK && count > 0 &&
        MPI_Bcast(values, (int)count, type, 0, m->comm) != MPI_SUCCESS)
        status = nn__mpi_lost(m);
    return status;
}

nn_status nn__mpi_broadcast_doubles(void *context, nn_status status, double *values,
                                    size_t count)
{
    return nn__mpi_broadcast(context, status, values, count, MPI_DOUBLE);
}

/* Grows the sum's buffer to n doubles. Every process makes the same calls
   with the same counts, so every process finds the buffer too small at the
   same call; the growth is agreed on (a process may fail to allocate) and
   the capacity changes only when every process has grown, so that it stays
   the same everywhere and the next call takes the same path everywhere. */
static nn_status grow_sum_buffer(nn_mpi_t *m, size_t n, nn_status status)
{
    if (status == NN_OK && n > SIZE_MAX / sizeof(double))
        status = NN_ERR_TOO_LARGE;
    if (status == NN_OK) {
        double *grown = realloc(m->sum_buffer, n * sizeof *grown);
        if (grown != NULL)
            m->sum_buffer = grown;
        else
            status = NN_ERR_NO_MEMORY;
    }
    status = nn__mpi_agree(m, status);
    if (status == NN_OK)
        m->sum_capacity = n;
    return status;
}

nn_status nn__mpi_sum(void *context, nn_status status, double *values, size_t count)
{
    nn_mpi_t *m = context;
    if (status == NN_OK && count >= INT_MAX)
        status = NN_ERR_TOO_LARGE;
    const size_t n = count + 1;
    if (n > m->sum_capacity) { /* the first call: the agreement is part of the growth */
        status = grow_sum_buffer(m, n, status);
        if (status != NN_OK)
            return status;
    }
    double *buffer = m->sum_buffer;
    if (status == NN_OK)
        memcpy(buffer, values, count * sizeof *buffer);
    else
        memset(buffer, 0, count * sizeof *buffer); /* the values are not meaningful */
    buffer[count] = status == NN_OK ? 0.0 : 1.0;
    if (MPI_Allreduce(MPI_IN_PLACE, buffer, (int)n, MPI_DOUBLE, MPI_SUM, m->comm) != MPI_SUCCESS)
        return nn__mpi_lost(m);
    if (buffer[count] != 0.0) /* the same on every process: all run the agreement */
        return nn__mpi_agree(m, status);
    memcpy(values, buffer, count * sizeof *values);
    return NN_OK;
}

nn_status nn__mpi_gather(void *context, nn_status status, double *slots, size_t slot_size,
                         size_t n_slots)
{
    nn_mpi_t *m = context;
    if (status == NN_OK && slot_size > 0 && n_slots > INT_MAX / slot_size)
        status = NN_ERR_TOO_LARGE; /* MPI counts blocks in int */
    status = nn__mpi_agree(m, status);
    if (status != NN_OK)
        return status;
    /* process r filled slots [r n_slots / p, (r + 1) n_slots / p), as the
       core's shards share them (nn_train_options_set_shard()) */
    const size_t p = (size_t)m->size;
    for (size_t r = 0; r < p; r++) {
        const size_t first = r * n_slots / p, end = (r + 1) * n_slots / p;
        m->displs[r] = (int)(first * slot_size);
        m->counts[r] = (int)((end - first) * slot_size);
    }
    if (MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, slots, m->counts, m->displs,
                       MPI_DOUBLE, m->comm) != MPI_SUCCESS)
        return nn__mpi_lost(m);
    return NN_OK;
}

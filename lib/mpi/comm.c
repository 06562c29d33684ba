/* The handle (struct nn_mpi, comm.h): a duplicate of the caller's
   communicator that returns MPI's errors instead of aborting, the mode and
   the chunks, the failure the processes last agreed on, and the buffers the
   collectives reuse. Making it is collective and its checks are agreed on,
   so that a bad argument on one process fails every process. */
#include "comm.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The chunks of NN_MPI_REPRODUCIBLE for the requested count (0: the
   default), or 0 when the request cannot be met by size processes. */
static size_t chunks_for(size_t requested, size_t size)
{
    size_t chunks = requested;
    if (chunks == 0)
        chunks = size > NN_MPI_DEFAULT_CHUNKS ? size : NN_MPI_DEFAULT_CHUNKS;
    return chunks >= size && chunks <= NN_MAX_CHUNKS ? chunks : 0;
}

static void release_buffers(struct nn_mpi *h)
{
    free(h->sum_buffer);
    free(h->counts);
    free(h->displs);
}

/* The arguments as this process sees them, and the gather's block arrays. */
static nn_status prepare(struct nn_mpi *h, nn_mpi_t **out, int mode, size_t chunks)
{
    if (out == NULL)
        return NN_ERR_NULL_ARG;
    if (mode != NN_MPI_FAST && mode != NN_MPI_REPRODUCIBLE)
        return NN_ERR_ARGUMENT;
    h->mode = mode;
    if (mode == NN_MPI_REPRODUCIBLE) {
        h->chunks = chunks_for(chunks, (size_t)h->size);
        if (h->chunks == 0)
            return NN_ERR_ARGUMENT;
    }
    h->counts = malloc((size_t)h->size * sizeof *h->counts);
    h->displs = malloc((size_t)h->size * sizeof *h->displs);
    return h->counts != NULL && h->displs != NULL ? NN_OK : NN_ERR_NO_MEMORY;
}

nn_status nn_mpi_create(nn_mpi_t **out, MPI_Comm comm, int mode, size_t chunks)
{
    int initialized = 0, finalized = 0;
    if (MPI_Initialized(&initialized) != MPI_SUCCESS || MPI_Finalized(&finalized) != MPI_SUCCESS)
        return NN_ERR_COMMUNICATION;
    if (!initialized || finalized || comm == MPI_COMM_NULL)
        return NN_ERR_ARGUMENT; /* nobody to talk to: nothing collective has begun */
    struct nn_mpi h;
    memset(&h, 0, sizeof h);
    if (MPI_Comm_dup(comm, &h.comm) != MPI_SUCCESS)
        return NN_ERR_COMMUNICATION;
    nn_status status = NN_OK;
    if (MPI_Comm_set_errhandler(h.comm, MPI_ERRORS_RETURN) != MPI_SUCCESS ||
        MPI_Comm_rank(h.comm, &h.rank) != MPI_SUCCESS ||
        MPI_Comm_size(h.comm, &h.size) != MPI_SUCCESS)
        status = NN_ERR_COMMUNICATION;
    if (status == NN_OK && h.size > (INT_MAX - 1) / 2) /* the agreement's keys (agree.c) */
        status = NN_ERR_ARGUMENT;
    if (status == NN_OK)
        status = prepare(&h, out, mode, chunks);
    nn_mpi_t *m = NULL;
    if (status == NN_OK) {
        m = malloc(sizeof *m);
        status = m != NULL ? NN_OK : NN_ERR_NO_MEMORY;
    }
    /* every process must use rank 0's mode and chunks, or the collectives
       would exchange blocks of different sizes */
    unsigned long long setting[2] = {(unsigned long long)mode, h.chunks}, root[2];
    memcpy(root, setting, sizeof root);
    status = nn__mpi_broadcast(&h, status, root, 2, MPI_UNSIGNED_LONG_LONG);
    if (status == NN_OK && memcmp(root, setting, sizeof root) != 0)
        status = NN_ERR_ARGUMENT;
    status = nn__mpi_agree(&h, status);
    if (status != NN_OK) {
        free(m);
        release_buffers(&h);
        (void)MPI_Comm_free(&h.comm); /* every process agreed to stop: every one frees */
        return status;
    }
    *m = h;
    m->failed = 0; /* nothing failed in the handle's own life yet */
    *out = m;
    return NN_OK;
}

nn_status nn_mpi_create_world(nn_mpi_t **out, int mode, size_t chunks)
{
    return nn_mpi_create(out, MPI_COMM_WORLD, mode, chunks);
}

void nn_mpi_free(nn_mpi_t *m)
{
    if (m == NULL)
        return;
    int finalized = 0;
    if (MPI_Finalized(&finalized) == MPI_SUCCESS && !finalized)
        (void)MPI_Comm_free(&m->comm);
    release_buffers(m);
    free(m);
}

size_t nn_mpi_rank(const nn_mpi_t *m)
{
    return m != NULL ? (size_t)m->rank : 0;
}

size_t nn_mpi_size(const nn_mpi_t *m)
{
    return m != NULL ? (size_t)m->size : 0;
}

int nn_mpi_mode(const nn_mpi_t *m)
{
    return m != NULL ? m->mode : -1;
}

size_t nn_mpi_chunks(const nn_mpi_t *m)
{
    return m != NULL ? m->chunks : 0;
}

nn_status nn_mpi_failure(const nn_mpi_t *m, size_t *rank, nn_status *status)
{
    if (m == NULL)
        return NN_ERR_NULL_ARG;
    if (!m->failed)
        return NN_ERR_ARGUMENT;
    if (rank != NULL)
        *rank = (size_t)m->failed_rank;
    if (status != NULL)
        *status = m->failed_status;
    return NN_OK;
}

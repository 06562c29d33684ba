/* The status agreement that keeps the processes in step: before any data
   moves, every process says whether it is fine, in one small all-reduce,
   so that a process that failed (and still makes every call the others
   make) stops them all at the same call instead of leaving them waiting.

   Each process contributes a key and its status to MPI_MINLOC: the key is
   INT_MAX when it is fine, its rank when it failed on its own, and the
   process count plus its rank when it only passes on another's failure
   (NN_ERR_PEER). The smallest key is then the lowest rank that failed on
   its own, and MINLOC carries its status along. */
#include "comm.h"

#include <limits.h>

nn_status nn__mpi_lost(nn_mpi_t *m)
{
    m->failed = 1;
    m->failed_rank = m->rank;
    m->failed_status = NN_ERR_COMMUNICATION;
    return NN_ERR_COMMUNICATION;
}

nn_status nn__mpi_agree(nn_mpi_t *m, nn_status status)
{
    struct {
        int key;
        int status;
    } mine, all; /* the layout of MPI_2INT */
    mine.key = status == NN_OK         ? INT_MAX
               : status == NN_ERR_PEER ? m->size + m->rank
                                       : m->rank;
    mine.status = (int)status;
    if (MPI_Allreduce(&mine, &all, 1, MPI_2INT, MPI_MINLOC, m->comm) != MPI_SUCCESS)
        return nn__mpi_lost(m);
    if (all.key == INT_MAX)
        return NN_OK;
    m->failed = 1;
    m->failed_rank = all.key >= m->size ? all.key - m->size : all.key;
    m->failed_status = (nn_status)all.status;
    return status != NN_OK ? status : NN_ERR_PEER;
}

nn_status nn_mpi_agree(nn_mpi_t *m, nn_status status)
{
    if (m == NULL)
        return NN_ERR_NULL_ARG;
    return nn__mpi_agree(m, status);
}

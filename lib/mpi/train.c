/* Training over MPI: nn_mpi_configure() turns an options handle into this
   process's share of a run (shard, chunks, collectives over the handle);
   nn_mpi_train() is nn_train() for every process of the handle, each of its
   steps agreed on so that every process ends with a failure when one
   fails. */
#include "comm.h"

#include <stdlib.h>
#include <string.h>

nn_status nn_mpi_configure(nn_mpi_t *m, nn_train_options_t *o)
{
    if (m == NULL || o == NULL)
        return NN_ERR_NULL_ARG;
    /* the shard first: it is the one setting that can be refused (too many
       processes), and then o is unchanged */
    nn_status status = nn_train_options_set_shard(o, (size_t)m->rank, (size_t)m->size);
    if (status == NN_OK)
        status = nn_train_options_set_chunks(o, m->chunks);
    if (status == NN_OK)
        status = nn_train_options_set_collectives(o, nn__mpi_sum, nn__mpi_gather,
                                                  nn__mpi_broadcast_doubles, m);
    return status;
}

/* The trainer of this process: a copy of the options, configured. Local. */
static nn_status make_trainer(nn_mpi_t *m, nn_t *net, const nn_train_options_t *options,
                              nn_trainer_t **trainer)
{
    nn_train_options_t *o = NULL;
    nn_status status = options != NULL ? nn_train_options_copy(&o, options)
                                       : nn_train_options_create(&o);
    if (status == NN_OK)
        status = nn_mpi_configure(m, o);
    if (status == NN_OK)
        status = nn_trainer_create(trainer, net, o);
    nn_train_options_free(o);
    return status;
}

/* The first history rows that fit in count doubles, as nn_train() gives them. */
static nn_status copy_history(const nn_trainer_t *t, double *history, size_t count,
                              size_t *n_epochs)
{
    size_t epochs = 0;
    (void)nn_trainer_history(t, NULL, 0, &epochs);
    if (n_epochs != NULL)
        *n_epochs = epochs;
    const size_t all = epochs * NN_HISTORY_COLUMNS;
    if (count >= all)
        return nn_trainer_history(t, history, count, NULL);
    if (count == 0)
        return NN_OK;
    double *rows = malloc(all * sizeof *rows);
    nn_status status = rows != NULL ? nn_trainer_history(t, rows, all, NULL) : NN_ERR_NO_MEMORY;
    if (status == NN_OK) {
        const size_t kept = count / NN_HISTORY_COLUMNS * NN_HISTORY_COLUMNS;
        memcpy(history, rows, kept * sizeof *rows);
    }
    free(rows);
    return status;
}

nn_status nn_mpi_train(nn_mpi_t *m, nn_t *net, const nn_dataset_t *train,
                       const nn_dataset_t *validation, const nn_train_options_t *options,
                       double *history, size_t history_count, size_t *n_epochs)
{
    if (m == NULL)
        return NN_ERR_NULL_ARG; /* no communicator: nobody to tell */
    nn_status status = NN_OK;
    if (net == NULL || train == NULL || (history == NULL && history_count > 0))
        status = NN_ERR_NULL_ARG;
    /* each step returns a status every process agrees on, so every process
       leaves at the same step */
    status = nn__mpi_share_network(m, net, status);
    if (status == NN_OK)
        status = nn__mpi_check_dataset(m, train, status);
    if (status == NN_OK)
        status = nn__mpi_check_dataset(m, validation, status);
    if (status != NN_OK)
        return status;
    nn_trainer_t *t = NULL;
    status = nn__mpi_agree(m, make_trainer(m, net, options, &t));
    if (status == NN_OK)
        status = nn_trainer_run(t, train, validation); /* agreed by the collectives */
    if (t != NULL) {
        const nn_status copied = copy_history(t, history, history_count, n_epochs);
        if (status == NN_OK) /* a run that worked everywhere: agree on the copies too */
            status = nn__mpi_agree(m, copied);
    }
    nn_trainer_free(t);
    return status;
}

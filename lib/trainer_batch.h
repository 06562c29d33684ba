/* One batch's gradient for the trainer (trainer_batch.c): the whole batch
   in one pass, in chunks, or this process's share of it completed by the
   collectives of a data-parallel run. Not installed. */
#ifndef BACKPROP_TRAINER_BATCH_H
#define BACKPROP_TRAINER_BATCH_H

#include "backprop.h"
#include "train_options.h"

#include <stddef.h>

/* The rows [*lo, *hi) of a batch of m rows that this process computes. */
void nn__batch_share(const struct nn_train_options *o, size_t m, size_t *lo, size_t *hi);

/* The gradient sum of the batch's m rows into grads (n_params values, room
   for n_params + 2), their summed loss into *loss and the row count into
   *count. x and y hold this process's rows [lo, hi) of nn__batch_share().
   slots has room for o->chunks slots of n_params + 1 values when chunks are
   set. status is the process's status so far: with collectives, a failed
   process still takes part in the exchange, so that every process returns
   the same decision. */
nn_status nn__batch_gradient(nn_t *net, const struct nn_train_options *o, size_t m,
                             const double *x, const double *y, double *grads, double *slots,
                             size_t n_params, double *loss, size_t *count, nn_status status);

/* A status every process agrees on (a broadcast of nothing but it). */
nn_status nn__agree(const struct nn_train_options *o, nn_status status);

#endif

/* Shared by the batched passes (batch.c), the batch buffer (batch_buffer.c)
   and read-only inference (predict.c). Not installed. */
#ifndef BACKPROP_BATCH_H
#define BACKPROP_BATCH_H

#include "internal.h"

#include <stdint.h>

/* The batch buffer's arrays, and those nn_predict() keeps in the caller's
   workspace, start at the first cache-line boundary of their block, so that
   vector loads never straddle two lines whatever alignment the allocator
   gives (as the network's own doubles, network.c); each block has
   NN_BATCH_SLACK doubles more than the arrays need for this. */
#define NN_BATCH_SLACK 8

static inline double *nn__line_aligned(double *block)
{
    const size_t line = NN_BATCH_SLACK * sizeof(double);
    char *p = (char *)block;
    return (double *)(void *)(p + (line - (uintptr_t)p % line) % line);
}

/* ---- batch_buffer.c ---- */

/* Layer k's rows in the batch buffer (layer 0 has only a). */
struct nn__rows {
    double *z, *a, *delta;
};
/* Makes the buffer hold n rows and a packing area for each thread set. */
nn_status nn__batch_reserve(nn_t *net, size_t n);
struct nn__rows nn__batch_rows(const nn_t *net, size_t k);
/* Thread `index`'s row of scratch and its packing area (of
   nn__batch_pack_doubles() doubles). */
double *nn__batch_scratch(const nn_t *net, size_t index);
double *nn__batch_pack(const nn_t *net, size_t index);
size_t nn__batch_pack_doubles(const nn_t *net);

/* ---- batch.c: the thread split and the shared forward pass ---- */

/* The threads a pass over n rows uses. */
size_t nn__team_size(const nn_t *net, size_t n);
/* Part `index` of `parts` of [0, n), inner boundaries at multiples of `grain`. */
void nn__split(size_t n, size_t parts, size_t index, size_t grain, size_t *lo, size_t *hi);
/* n rows of `cols` finite values (`max`: their largest magnitude, or NULL). */
nn_status nn__check_rows(const nn_t *net, size_t n, size_t cols, const double *x, double *max);
/* The caller's outputs against its inputs and the workspace (see batch.c). */
nn_status nn__check_outputs(size_t n, size_t n_in, const double *inputs, size_t n_out,
                            const double *outputs, const double *workspace,
                            size_t workspace_size);

/* The forward pass of nn_forward_batch() and nn_predict(), one member of a
   team (nn__team_run()) at a time. */
struct nn__forward_job {
    const nn_t *net;
    size_t n;
    const double *inputs;
    double *copy;      /* the batch buffer's layer 0, or NULL (nn_predict) */
    double *work;      /* NULL, or nn_predict's workspace */
    size_t block;      /* doubles of each of the workspace's three blocks */
    double *outputs;   /* nn_predict's outputs; NULL: the top layer's stay in work */
    double *packs;     /* packing area of member i at packs + i * pack_stride */
    size_t pack_stride;
    /* nn_predict: member i sets diverged[i] when an output of its share is
       not finite (nn_forward_batch checks its buffer afterwards) */
    unsigned char diverged[NN_MAX_THREADS];
};
void nn__forward_part(void *context, struct nn__team *team, size_t index, size_t size);

#endif

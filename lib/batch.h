/* The thread split and the forward pass that the batched passes (batch.c)
   share with read-only inference (predict.c). Not installed. */
#ifndef BACKPROP_BATCH_H
#define BACKPROP_BATCH_H

#include "internal.h"

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

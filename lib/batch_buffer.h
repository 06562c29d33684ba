/* The batch buffer (batch_buffer.c owns it), read by the batched passes
   (batch.c) and, for its alignment rule, by read-only inference (predict.c).
   Not installed. */
#ifndef BACKPROP_BATCH_BUFFER_H
#define BACKPROP_BATCH_BUFFER_H

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

/* The buffer of a clone (a fresh memcpy of src): its own, holding the
   live rows; and the buffer's release (nn_free). */
nn_status nn__batch_copy(const struct nn *src, struct nn *dst);
void nn__batch_free(struct nn *net);

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

#endif

/* One batch's gradient sum (trainer_batch.h). Alone and without chunks it is
   one batched pass. With chunks every chunk is a batched pass of its own
   and the chunks' sums are added in chunk order, so the bits do not depend
   on which process computed which chunk. With shards each process computes
   its part and the collectives complete the rest: the gather of chunk
   slots, or the sum of the parts (gradients, loss, rows). */
#include "trainer_batch.h"

#include <string.h>

/* Rows [k m / c, (k + 1) m / c): part k of c of a batch of m rows. */
static size_t part_start(size_t k, size_t m, size_t c)
{
    return k * m / c; /* k <= 2^20 (chunks, shards) and m a batch held in memory: no overflow */
}

void nn__batch_share(const struct nn_train_options *o, size_t m, size_t *lo, size_t *hi)
{
    const size_t i = o->shard, p = o->shards;
    if (o->chunks > 0) {
        const size_t c = o->chunks;
        *lo = part_start(part_start(i, c, p), m, c);
        *hi = part_start(part_start(i + 1, c, p), m, c);
    } else {
        *lo = part_start(i, m, p);
        *hi = part_start(i + 1, m, p);
    }
}

/* The gradient sum and the summed loss of `rows` rows, from zero. */
static nn_status rows_gradient(nn_t *net, size_t rows, const double *x, const double *y,
                               double *grads, size_t n_params, double *loss)
{
    *loss = 0.0;
    if (rows == 0) {
        memset(grads, 0, n_params * sizeof *grads);
        return NN_OK;
    }
    nn_status status = nn_zero_grads(net);
    if (status == NN_OK)
        status = nn_forward_batch(net, rows, x, NULL);
    if (status == NN_OK)
        status = nn_loss_batch(net, rows, y, loss);
    if (status == NN_OK)
        status = nn_backward_batch(net, rows, y);
    if (status == NN_OK)
        status = nn_get_grads(net, grads, n_params);
    return status;
}

/* This process's chunks into their slots, then every slot, then their sum. */
static nn_status chunked_gradient(nn_t *net, const struct nn_train_options *o, size_t m,
                                  const double *x, const double *y, double *grads,
                                  double *slots, size_t n_params, double *loss,
                                  nn_status status)
{
    const size_t c = o->chunks, width = n_params + 1;
    const size_t n_in = nn_input_count(net), n_out = nn_output_count(net);
    const size_t first = part_start(o->shard, c, o->shards);
    const size_t end = part_start(o->shard + 1, c, o->shards);
    const size_t lo = part_start(first, m, c);
    for (size_t k = first; status == NN_OK && k < end; k++) {
        const size_t a = part_start(k, m, c) - lo, b = part_start(k + 1, m, c) - lo;
        double *slot = slots + k * width;
        status = rows_gradient(net, b - a, x + a * n_in, y + a * n_out, slot, n_params,
                               slot + n_params);
    }
    if (o->shards > 1)
        status = o->gather(o->collective_context, status, slots, width, c);
    if (status != NN_OK)
        return status;
    memcpy(grads, slots, n_params * sizeof *grads);
    *loss = slots[n_params];
    for (size_t k = 1; k < c; k++) {
        const double *slot = slots + k * width;
        for (size_t i = 0; i < n_params; i++)
            grads[i] += slot[i];
        *loss += slot[n_params];
    }
    return NN_OK;
}

nn_status nn__batch_gradient(nn_t *net, const struct nn_train_options *o, size_t m,
                             const double *x, const double *y, double *grads, double *slots,
                             size_t n_params, double *loss, size_t *count, nn_status status)
{
    *count = m;
    if (o->chunks > 0)
        return chunked_gradient(net, o, m, x, y, grads, slots, n_params, loss, status);
    size_t lo = 0, hi = m;
    nn__batch_share(o, m, &lo, &hi);
    if (status == NN_OK)
        status = rows_gradient(net, hi - lo, x, y, grads, n_params, loss);
    if (o->shards == 1)
        return status;
    grads[n_params] = *loss; /* one exchange carries the gradients, the loss and the rows */
    grads[n_params + 1] = (double)(hi - lo);
    status = o->sum(o->collective_context, status, grads, n_params + 2);
    if (status != NN_OK)
        return status;
    *loss = grads[n_params];
    *count = (size_t)grads[n_params + 1];
    return NN_OK;
}

nn_status nn__agree(const struct nn_train_options *o, nn_status status)
{
    if (o->shards == 1)
        return status;
    double nothing = 0.0;
    return o->broadcast(o->collective_context, status, &nothing, 1);
}

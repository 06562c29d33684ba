/* The batch buffer: its layout, its reservation, its copy into a clone and
   its release. The buffer is a second allocation made with the network's
   allocator. For a capacity of `cap` rows it holds, in order:
     layer 0: a (cap x sizes[0], the copied inputs)
     layer k >= 1: z, a, delta (cap x sizes[k] each)
     scratch: cap x max_size (activation derivatives)
     pack: batch_packs packing areas of the gemm (one per thread), each for
           dimensions up to max(cap, max_size)
   Rows of one array are contiguous: row r of layer k starts at r * sizes[k].
   This file owns batch, batch_cap and batch_packs of struct nn; the batched
   passes (batch.c) fill the rows and record batch_n (versions.h). */
#include "internal.h"
#include "batch_buffer.h"

#include <stdint.h>
#include <string.h>

/* Doubles per row of the buffer, scratch included; no overflow is possible
   (at most 4 * NN_MAX_LAYERS * NN_MAX_LAYER_SIZE). */
static size_t row_doubles(const nn_t *net)
{
    size_t per_row = net->max_size;
    for (size_t k = 0; k < net->n_layers; k++)
        per_row += (k == 0 ? 1 : 3) * net->layers[k].n_out;
    return per_row;
}

/* Doubles of one packing area of a buffer of `cap` rows. */
static size_t pack_doubles(const nn_t *net, size_t cap)
{
    return nn__gemm_pack_doubles(cap > net->max_size ? cap : net->max_size);
}

/* The buffer's doubles for `cap` rows and `packs` packing areas, or 0 when
   that would overflow. */
static size_t buffer_doubles(const nn_t *net, size_t cap, size_t packs)
{
    const size_t per_row = row_doubles(net);
    const size_t limit = SIZE_MAX / sizeof(double) / 2;
    if (cap > limit / per_row)
        return 0;
    const size_t pack = pack_doubles(net, cap);
    if (packs > (limit - cap * per_row - NN_BATCH_SLACK) / pack)
        return 0;
    return cap * per_row + packs * pack + NN_BATCH_SLACK;
}

/* Start of layer k's arrays in a buffer (`base`, as allocated) of `cap` rows. */
static double *layer_block(const nn_t *net, double *base, size_t cap, size_t k)
{
    base = nn__line_aligned(base);
    size_t offset = 0;
    for (size_t i = 0; i < k; i++)
        offset += (i == 0 ? 1 : 3) * net->layers[i].n_out;
    return base + offset * cap;
}

static struct nn__rows layer_rows(const nn_t *net, double *base, size_t cap, size_t k)
{
    struct nn__rows r;
    double *block = layer_block(net, base, cap, k);
    const size_t n = net->layers[k].n_out * cap;
    if (k == 0) {
        r.z = r.delta = NULL;
        r.a = block;
    } else {
        r.z = block;
        r.a = block + n;
        r.delta = block + 2 * n;
    }
    return r;
}

static double *scratch_of(const nn_t *net, double *base, size_t cap)
{
    return layer_block(net, base, cap, net->n_layers);
}

/* Packing area `index` (one per thread). */
static double *pack_of(const nn_t *net, double *base, size_t cap, size_t index)
{
    return scratch_of(net, base, cap) + cap * net->max_size + index * pack_doubles(net, cap);
}

/* Copies the first `rows` rows of every layer array between two buffers. */
static void copy_rows(const nn_t *net, double *dst, size_t dst_cap, const double *src,
                      size_t src_cap, size_t rows)
{
    for (size_t k = 0; k < net->n_layers; k++) {
        const size_t n = net->layers[k].n_out;
        const size_t arrays = k == 0 ? 1 : 3;
        double *d = layer_block(net, dst, dst_cap, k);
        const double *s = layer_block(net, (double *)src, src_cap, k);
        for (size_t i = 0; i < arrays; i++)
            memcpy(d + i * n * dst_cap, s + i * n * src_cap, rows * n * sizeof(double));
    }
}

void nn__batch_free(struct nn *net)
{
    if (net->batch != NULL)
        net->dealloc_fn(net->alloc_context, net->batch);
    net->batch = NULL;
    net->batch_cap = 0;
    net->batch_packs = 0;
}

/* Gives `dst`, a fresh memcpy of `src`, its own batch buffer: none when no batch
   is live, else one of exactly the live rows holding a copy of them. */
nn_status nn__batch_copy(const struct nn *src, struct nn *dst)
{
    dst->batch = NULL;
    dst->batch_cap = 0;
    dst->batch_packs = 0;
    if (src->batch_n == 0 || src->batch == NULL)
        return NN_OK;
    const size_t doubles = buffer_doubles(src, src->batch_n, src->batch_packs);
    double *buf = dst->alloc_fn(dst->alloc_context, doubles * sizeof(double));
    if (buf == NULL)
        return NN_ERR_NO_MEMORY;
    copy_rows(src, buf, src->batch_n, src->batch, src->batch_cap, src->batch_n);
    dst->batch = buf;
    dst->batch_cap = src->batch_n;
    dst->batch_packs = src->batch_packs;
    return NN_OK;
}

/* Makes the buffer hold n rows and a packing area for each thread set. */
nn_status nn__batch_reserve(nn_t *net, size_t n)
{
    const size_t packs = net->n_threads;
    if (n <= net->batch_cap && packs <= net->batch_packs)
        return NN_OK;
    const size_t cap = n > net->batch_cap ? n : net->batch_cap;
    const size_t doubles = buffer_doubles(net, cap, packs);
    if (doubles == 0)
        return NN_ERR_TOO_LARGE;
    double *buf = net->alloc_fn(net->alloc_context, doubles * sizeof(double));
    if (buf == NULL)
        return NN_ERR_NO_MEMORY;
    if (net->batch_n > 0)
        copy_rows(net, buf, cap, net->batch, net->batch_cap, net->batch_n);
    nn__batch_free(net);
    net->batch = buf;
    net->batch_cap = cap;
    net->batch_packs = packs;
    return NN_OK;
}

nn_status nn_reserve_batch(nn_t *net, size_t n)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (n == 0)
        return NN_ERR_BATCH_SIZE;
    return nn__batch_reserve(net, n);
}

size_t nn_batch_capacity(const nn_t *net)
{
    return net ? net->batch_cap : 0;
}

struct nn__rows nn__batch_rows(const nn_t *net, size_t k)
{
    return layer_rows(net, net->batch, net->batch_cap, k);
}

double *nn__batch_scratch(const nn_t *net, size_t index)
{
    return scratch_of(net, net->batch, net->batch_cap) + index * net->max_size;
}

double *nn__batch_pack(const nn_t *net, size_t index)
{
    return pack_of(net, net->batch, net->batch_cap, index);
}

size_t nn__batch_pack_doubles(const nn_t *net)
{
    return pack_doubles(net, net->batch_cap);
}

/* Batches: the batch buffer, the batched forward and backward passes, their
   loss, and read-only inference with the caller's workspace.

   The batch buffer is a second allocation made with the network's allocator.
   For a capacity of `cap` rows it holds, in order:
     layer 0: a (cap x sizes[0], the copied inputs)
     layer k >= 1: z, a, delta (cap x sizes[k] each)
     scratch: cap x max_size (activation derivatives)
     pack: the gemm's packing area for dimensions up to max(cap, max_size)
   Rows of one array are contiguous: row r of layer k starts at r * sizes[k]. */
#include "internal.h"

#include <stdint.h>
#include <string.h>

#define NN_MAX_THREADS 64

/* Doubles per row of the buffer, scratch included; no overflow is possible
   (at most 4 * NN_MAX_LAYERS * NN_MAX_LAYER_SIZE). */
static size_t row_doubles(const nn_t *net)
{
    size_t per_row = net->max_size;
    for (size_t k = 0; k < net->n_layers; k++)
        per_row += (k == 0 ? 1 : 3) * net->layers[k].n_out;
    return per_row;
}

/* The buffer's doubles for `cap` rows, or 0 when that would overflow. */
static size_t buffer_doubles(const nn_t *net, size_t cap)
{
    const size_t per_row = row_doubles(net);
    const size_t limit = SIZE_MAX / sizeof(double) / 2;
    if (cap > limit / per_row)
        return 0;
    const size_t dim = cap > net->max_size ? cap : net->max_size;
    const size_t pack = nn__gemm_pack_doubles(dim);
    return cap * per_row + pack;
}

/* Start of layer k's arrays in a buffer of `cap` rows. */
static double *layer_block(const nn_t *net, double *base, size_t cap, size_t k)
{
    size_t offset = 0;
    for (size_t i = 0; i < k; i++)
        offset += (i == 0 ? 1 : 3) * net->layers[i].n_out;
    return base + offset * cap;
}

struct rows {
    double *z, *a, *delta; /* layer 0 has only a */
};

static struct rows layer_rows(const nn_t *net, double *base, size_t cap, size_t k)
{
    struct rows r;
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

static double *pack_of(const nn_t *net, double *base, size_t cap)
{
    return scratch_of(net, base, cap) + cap * net->max_size;
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
}

/* Gives `dst`, a fresh memcpy of `src`, its own batch buffer: none when no batch
   is live, else one of exactly the live rows holding a copy of them. */
nn_status nn__batch_copy(const struct nn *src, struct nn *dst)
{
    dst->batch = NULL;
    dst->batch_cap = 0;
    if (src->batch_n == 0 || src->batch == NULL)
        return NN_OK;
    const size_t doubles = buffer_doubles(src, src->batch_n);
    double *buf = dst->alloc_fn(dst->alloc_context, doubles * sizeof(double));
    if (buf == NULL)
        return NN_ERR_NO_MEMORY;
    copy_rows(src, buf, src->batch_n, src->batch, src->batch_cap, src->batch_n);
    dst->batch = buf;
    dst->batch_cap = src->batch_n;
    return NN_OK;
}

static nn_status reserve(nn_t *net, size_t n)
{
    if (n <= net->batch_cap)
        return NN_OK;
    const size_t doubles = buffer_doubles(net, n);
    if (doubles == 0)
        return NN_ERR_TOO_LARGE;
    double *buf = net->alloc_fn(net->alloc_context, doubles * sizeof(double));
    if (buf == NULL)
        return NN_ERR_NO_MEMORY;
    if (net->batch_n > 0)
        copy_rows(net, buf, n, net->batch, net->batch_cap, net->batch_n);
    nn__batch_free(net);
    net->batch = buf;
    net->batch_cap = n;
    return NN_OK;
}

nn_status nn_reserve_batch(nn_t *net, size_t n)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (n == 0)
        return NN_ERR_BATCH_SIZE;
    return reserve(net, n);
}

size_t nn_batch_capacity(const nn_t *net)
{
    return net ? net->batch_cap : 0;
}

nn_status nn_set_threads(nn_t *net, size_t n_threads)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (n_threads == 0 || n_threads > NN_MAX_THREADS)
        return NN_ERR_ARGUMENT;
#ifndef NN_HAVE_THREADS
    if (n_threads > 1)
        return NN_ERR_ARGUMENT;
#endif
    net->n_threads = n_threads;
    return NN_OK;
}

size_t nn_get_threads(const nn_t *net)
{
    return net ? net->n_threads : 0;
}

/* n rows of `cols` values each must be finite; 0 when the count overflows. */
static nn_status check_rows(size_t n, size_t cols, const double *x)
{
    if (n > SIZE_MAX / sizeof(double) / cols)
        return NN_ERR_TOO_LARGE;
    return nn__all_finite(x, n * cols) ? NN_OK : NN_ERR_NOT_FINITE;
}

/* One layer forward for n rows: z = a_prev W^T + b, a = f(z). */
static void layer_forward(const nn_t *net, const struct nn_layer *l, size_t n,
                          const double *a_prev, double *z, double *a, double *pack)
{
    const struct nn_kernels *kr = net->kernels;
    if (n == 1)
        kr->gemv(l->n_out, l->n_in, l->w, a_prev, z);
    else
        kr->gemm(n, l->n_out, l->n_in, a_prev, l->n_in, 1, l->w, 1, l->n_in, z, l->n_out, 0,
                 pack);
    for (size_t r = 0; r < n; r++) {
        double *zr = z + r * l->n_out;
        if (l->bias_mode == NN_BIAS_SHARED) {
            for (size_t j = 0; j < l->n_out; j++)
                zr[j] += l->b[0];
        } else {
            nn__vec_add(l->n_out, l->b, zr);
        }
        nn__activate(l, zr, a + r * l->n_out, l->n_out);
    }
}

nn_status nn_forward_batch(nn_t *net, size_t n, const double *inputs, double *outputs)
{
    if (net == NULL || inputs == NULL)
        return NN_ERR_NULL_ARG;
    if (n == 0)
        return NN_ERR_BATCH_SIZE;
    const size_t n_in = net->layers[0].n_out;
    nn_status status = check_rows(n, n_in, inputs);
    if (status != NN_OK)
        return status;
    status = reserve(net, n);
    if (status != NN_OK)
        return status;
    const size_t cap = net->batch_cap;
    double *pack = pack_of(net, net->batch, cap);
    struct rows prev = layer_rows(net, net->batch, cap, 0);
    memcpy(prev.a, inputs, n * n_in * sizeof(double));
    for (size_t k = 1; k < net->n_layers; k++) {
        struct rows cur = layer_rows(net, net->batch, cap, k);
        layer_forward(net, &net->layers[k], n, prev.a, cur.z, cur.a, pack);
        prev = cur;
    }
    net->batch_n = n;
    if (net->stale)
        net->single_stale = 1; /* the last single forward predates the change */
    net->stale = 0;
    net->batch_stale = 0;
    if (outputs != NULL)
        memcpy(outputs, prev.a, n * net->layers[net->n_layers - 1].n_out * sizeof(double));
    return NN_OK;
}

/* The checks shared by the calls that read the last batch. */
static nn_status check_batch(const nn_t *net, size_t n, const double *targets)
{
    if (net->batch_n == 0)
        return NN_ERR_NO_BATCH;
    if (n != net->batch_n)
        return NN_ERR_BATCH_SIZE;
    if (net->stale || net->batch_stale)
        return NN_ERR_STALE_FORWARD;
    return check_rows(n, net->layers[net->n_layers - 1].n_out, targets);
}

nn_status nn_loss_batch(const nn_t *net, size_t n, const double *targets, double *loss)
{
    if (net == NULL || targets == NULL || loss == NULL)
        return NN_ERR_NULL_ARG;
    nn_status status = check_batch(net, n, targets);
    if (status != NN_OK)
        return status;
    const size_t top = net->n_layers - 1;
    const size_t n_out = net->layers[top].n_out;
    const struct rows out = layer_rows(net, net->batch, net->batch_cap, top);
    double sum = 0.0;
    for (size_t r = 0; r < n; r++)
        sum += nn__loss_value(net->loss, n_out, out.a + r * n_out, targets + r * n_out);
    *loss = sum;
    return NN_OK;
}

/* delta *= f'(z), row by row. */
static void scale_rows(const struct nn_layer *l, size_t n, const struct rows *rw, double *scratch)
{
    for (size_t r = 0; r < n; r++) {
        const size_t o = r * l->n_out;
        nn__activation_deriv(l, rw->z + o, rw->a + o, scratch, l->n_out);
        nn__vec_mul(l->n_out, scratch, rw->delta + o);
    }
}

nn_status nn_backward_batch(nn_t *net, size_t n, const double *targets)
{
    if (net == NULL || targets == NULL)
        return NN_ERR_NULL_ARG;
    nn_status status = check_batch(net, n, targets);
    if (status != NN_OK)
        return status;
    const struct nn_kernels *kr = net->kernels;
    const size_t cap = net->batch_cap;
    double *scratch = scratch_of(net, net->batch, cap);
    double *pack = pack_of(net, net->batch, cap);
    const size_t top = net->n_layers - 1;
    struct rows cur = layer_rows(net, net->batch, cap, top);
    const struct nn_layer *out = &net->layers[top];
    for (size_t r = 0; r < n; r++)
        nn__loss_grad(net->loss, out->n_out, cur.a + r * out->n_out,
                      targets + r * out->n_out, cur.delta + r * out->n_out);
    scale_rows(out, n, &cur, scratch);
    for (size_t k = top; k >= 1; k--) {
        struct nn_layer *l = &net->layers[k];
        const struct rows below = layer_rows(net, net->batch, cap, k - 1);
        /* gW += Delta^T A_prev; gb += the column sums of Delta */
        if (n == 1)
            kr->ger_add(l->n_out, l->n_in, cur.delta, below.a, l->gw);
        else
            kr->gemm(l->n_out, l->n_in, n, cur.delta, 1, l->n_out, below.a, l->n_in, 1, l->gw,
                     l->n_in, 1, pack);
        for (size_t r = 0; r < n; r++) {
            const double *dr = cur.delta + r * l->n_out;
            if (l->bias_mode == NN_BIAS_SHARED)
                l->gb[0] += nn__sum(l->n_out, dr);
            else
                nn__vec_add(l->n_out, dr, l->gb);
        }
        if (k > 1) {
            /* Delta_prev = Delta W, then times f'(z) of the layer below */
            if (n == 1)
                kr->gemv_t(l->n_out, l->n_in, l->w, cur.delta, below.delta);
            else
                kr->gemm(n, l->n_in, l->n_out, cur.delta, l->n_out, 1, l->w, l->n_in, 1,
                         below.delta, l->n_in, 0, pack);
            scale_rows(&net->layers[k - 1], n, &below, scratch);
        }
        cur = below;
    }
    return NN_OK;
}

/* ---- read-only inference ---- */

static size_t workspace_doubles(const nn_t *net, size_t n)
{
    const size_t limit = SIZE_MAX / sizeof(double) / 4;
    if (n == 0 || n > limit / net->max_size)
        return 0;
    const size_t pack = n > 1 ? nn__gemm_pack_doubles(n > net->max_size ? n : net->max_size) : 0;
    return 3 * n * net->max_size + pack;
}

size_t nn_inference_workspace_size(const nn_t *net, size_t n)
{
    return net == NULL ? 0 : workspace_doubles(net, n);
}

nn_status nn_predict(const nn_t *net, size_t n, const double *inputs, double *outputs,
                     double *workspace, size_t workspace_size)
{
    if (net == NULL || inputs == NULL || outputs == NULL || workspace == NULL)
        return NN_ERR_NULL_ARG;
    if (n == 0)
        return NN_ERR_BATCH_SIZE;
    const size_t need = workspace_doubles(net, n);
    if (need == 0 || workspace_size < need)
        return NN_ERR_BUFFER_SIZE;
    nn_status status = check_rows(n, net->layers[0].n_out, inputs);
    if (status != NN_OK)
        return status;
    const size_t block = n * net->max_size;
    double *z = workspace;
    double *a[2] = {workspace + block, workspace + 2 * block};
    double *pack = workspace + 3 * block;
    const double *prev = inputs;
    const size_t top = net->n_layers - 1;
    for (size_t k = 1; k <= top; k++) {
        double *dst = k == top ? outputs : a[k % 2];
        layer_forward(net, &net->layers[k], n, prev, z, dst, pack);
        prev = dst;
    }
    return NN_OK;
}

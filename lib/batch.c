/* Batches: the batch buffer, the batched forward and backward passes, their
   loss, and read-only inference with the caller's workspace.

   The batch buffer is a second allocation made with the network's allocator.
   For a capacity of `cap` rows it holds, in order:
     layer 0: a (cap x sizes[0], the copied inputs)
     layer k >= 1: z, a, delta (cap x sizes[k] each)
     scratch: cap x max_size (activation derivatives)
     pack: batch_packs packing areas of the gemm (one per thread), each for
           dimensions up to max(cap, max_size)
   Rows of one array are contiguous: row r of layer k starts at r * sizes[k].

   Threads (nn_set_threads, builds with the Meson option 'threads') divide
   each pass so that every number is computed by one thread exactly as one
   thread alone computes it: the forward pass and the deltas by rows of the
   batch, the weight gradients by rows or columns of the gradient matrix
   (every entry still summed over the whole batch in order). The results are
   therefore the same bits whatever the thread count, as long as the products
   use the built-in kernels (see product.c for the CBLAS). */
#include "internal.h"

#include <stdint.h>
#include <string.h>

/* Multiply-adds (rows times weights) that make one more thread worth
   creating: about 20 to 40 microseconds of work, as long as creating and
   joining a thread takes. Smaller passes use fewer threads. */
#define NN_THREAD_MIN_WORK ((double)(1 << 18))

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
    if (packs > (limit - cap * per_row) / pack)
        return 0;
    return cap * per_row + packs * pack;
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
static nn_status reserve(nn_t *net, size_t n)
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

/* The threads a pass over n rows uses: those set, but no more than rows, nor
   more than the work (n times the parameters, about the multiply-adds of a
   forward pass) pays for. Every pass of a batch gets the same count. */
static size_t team_size(const nn_t *net, size_t n)
{
    size_t t = net->n_threads;
    if (t <= 1 || n < 2)
        return 1;
    if (t > n)
        t = n;
    const double by_work = (double)n * (double)net->n_storage / NN_THREAD_MIN_WORK;
    if (by_work < (double)t)
        t = by_work < 1.0 ? 1 : (size_t)by_work;
    return t;
}

/* Part `index` of `parts` of the range [0, n): contiguous, in order, with
   inner boundaries at multiples of `grain` when every part can have one. */
static void split(size_t n, size_t parts, size_t index, size_t grain, size_t *lo, size_t *hi)
{
    if (n < grain * parts)
        grain = 1;
    const size_t units = (n + grain - 1) / grain;
    const size_t u0 = index * units / parts, u1 = (index + 1) * units / parts;
    *lo = u0 * grain < n ? u0 * grain : n;
    *hi = u1 * grain < n ? u1 * grain : n;
}

/* n rows of `cols` values each must be finite; 0 when the count overflows. */
static nn_status check_rows(size_t n, size_t cols, const double *x)
{
    if (n > SIZE_MAX / sizeof(double) / cols)
        return NN_ERR_TOO_LARGE;
    return nn__all_finite(x, n * cols) ? NN_OK : NN_ERR_NOT_FINITE;
}

/* One layer forward for m rows: z = a_prev W^T + b, a = f(z). A batch of one
   row (`single`) takes the matrix-vector product, every other batch the
   matrix product, whatever share of its rows this call has. */
static void layer_forward(const nn_t *net, const struct nn_layer *l, size_t m, int single,
                          const double *a_prev, double *z, double *a, double *pack)
{
    if (m == 0)
        return;
    if (single)
        net->kernels->gemv(l->n_out, l->n_in, l->w, a_prev, z);
    else
        nn__product(net, m, l->n_out, l->n_in, a_prev, l->n_in, 1, l->w, 1, l->n_in, z,
                    l->n_out, 0, pack);
    for (size_t r = 0; r < m; r++) {
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

/* ---- the batched forward pass ---- */

struct forward_job {
    nn_t *net;
    size_t n;
};

/* One member's rows through every layer: no member reads another's rows. */
static void forward_part(void *context, struct nn__team *team, size_t index, size_t size)
{
    (void)team;
    const struct forward_job *job = context;
    nn_t *net = job->net;
    const size_t cap = net->batch_cap;
    size_t r0, r1;
    split(job->n, size, index, 8, &r0, &r1);
    double *pack = pack_of(net, net->batch, cap, index);
    struct rows prev = layer_rows(net, net->batch, cap, 0);
    for (size_t k = 1; k < net->n_layers; k++) {
        const struct nn_layer *l = &net->layers[k];
        const struct rows cur = layer_rows(net, net->batch, cap, k);
        layer_forward(net, l, r1 - r0, job->n == 1, prev.a + r0 * l->n_in,
                      cur.z + r0 * l->n_out, cur.a + r0 * l->n_out, pack);
        prev = cur;
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
    memcpy(layer_rows(net, net->batch, cap, 0).a, inputs, n * n_in * sizeof(double));
    struct forward_job job = {net, n};
    size_t threads = team_size(net, n);
    if (threads > net->batch_packs)
        threads = net->batch_packs;
    nn__team_run(threads, forward_part, &job);
    net->batch_n = n;
    if (net->stale)
        net->single_stale = 1; /* the last single forward predates the change */
    net->stale = 0;
    net->batch_stale = 0;
    if (outputs != NULL) {
        const size_t top = net->n_layers - 1;
        memcpy(outputs, layer_rows(net, net->batch, cap, top).a,
               n * net->layers[top].n_out * sizeof(double));
    }
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

/* ---- the batched backward pass ---- */

/* delta *= f'(z) for rows [r0, r1), with one row of scratch. */
static void scale_rows(const struct nn_layer *l, size_t r0, size_t r1, const struct rows *rw,
                       double *scratch)
{
    for (size_t r = r0; r < r1; r++) {
        const size_t o = r * l->n_out;
        nn__activation_deriv(l, rw->z + o, rw->a + o, scratch, l->n_out);
        nn__vec_mul(l->n_out, scratch, rw->delta + o);
    }
}

struct backward_job {
    nn_t *net;
    size_t n;
    const double *targets;
};

/* gW += Delta^T A_prev for the part of gW this member owns: a band of
   columns (or of rows, when the layer has more units than inputs). Each
   entry is summed over all n rows, as one member alone would. */
static void weight_grads_part(const nn_t *net, const struct nn_layer *l, size_t n,
                              const double *delta, const double *a_prev, size_t index,
                              size_t size, double *pack)
{
    size_t lo, hi;
    if (l->n_in >= l->n_out) {
        split(l->n_in, size, index, 48, &lo, &hi); /* 48: a multiple of every tile width */
        if (hi > lo)
            nn__product(net, l->n_out, hi - lo, n, delta, 1, l->n_out, a_prev + lo, l->n_in, 1,
                        l->gw + lo, l->n_in, 1, pack);
    } else {
        split(l->n_out, size, index, 8, &lo, &hi);
        if (hi > lo)
            nn__product(net, hi - lo, l->n_in, n, delta + lo, 1, l->n_out, a_prev, l->n_in, 1,
                        l->gw + lo * l->n_in, l->n_in, 1, pack);
    }
}

/* One member's share of every stage: the output deltas of its rows; then per
   layer, from the top, its part of the weight gradients and the deltas of
   its rows in the layer below. Member 0 also sums the bias gradients. The
   barrier after each stage makes every delta of a layer complete before any
   member sums over the layer's rows. */
static void backward_part(void *context, struct nn__team *team, size_t index, size_t size)
{
    const struct backward_job *job = context;
    nn_t *net = job->net;
    const size_t n = job->n, cap = net->batch_cap, top = net->n_layers - 1;
    double *scratch = scratch_of(net, net->batch, cap) + index * net->max_size;
    double *pack = pack_of(net, net->batch, cap, index);
    size_t r0, r1;
    split(n, size, index, 8, &r0, &r1);

    struct rows cur = layer_rows(net, net->batch, cap, top);
    const struct nn_layer *out = &net->layers[top];
    for (size_t r = r0; r < r1; r++)
        nn__loss_grad(net->loss, out->n_out, cur.a + r * out->n_out,
                      job->targets + r * out->n_out, cur.delta + r * out->n_out);
    scale_rows(out, r0, r1, &cur, scratch);
    nn__team_sync(team);

    for (size_t k = top; k >= 1; k--) {
        struct nn_layer *l = &net->layers[k];
        const struct rows below = layer_rows(net, net->batch, cap, k - 1);
        if (n == 1)
            net->kernels->ger_add(l->n_out, l->n_in, cur.delta, below.a, l->gw);
        else
            weight_grads_part(net, l, n, cur.delta, below.a, index, size, pack);
        if (index == 0) {
            /* gb += the column sums of Delta, row after row */
            for (size_t r = 0; r < n; r++) {
                const double *dr = cur.delta + r * l->n_out;
                if (l->bias_mode == NN_BIAS_SHARED)
                    l->gb[0] += nn__sum(l->n_out, dr);
                else
                    nn__vec_add(l->n_out, dr, l->gb);
            }
        }
        if (k > 1) {
            /* Delta_prev = Delta W for this member's rows, then times f'(z) */
            if (n == 1)
                net->kernels->gemv_t(l->n_out, l->n_in, l->w, cur.delta, below.delta);
            else if (r1 > r0)
                nn__product(net, r1 - r0, l->n_in, l->n_out, cur.delta + r0 * l->n_out,
                            l->n_out, 1, l->w, l->n_in, 1, below.delta + r0 * l->n_in, l->n_in,
                            0, pack);
            scale_rows(&net->layers[k - 1], r0, r1, &below, scratch);
            nn__team_sync(team);
        }
        cur = below;
    }
}

nn_status nn_backward_batch(nn_t *net, size_t n, const double *targets)
{
    if (net == NULL || targets == NULL)
        return NN_ERR_NULL_ARG;
    nn_status status = check_batch(net, n, targets);
    if (status != NN_OK)
        return status;
    struct backward_job job = {net, n, targets};
    size_t threads = team_size(net, n);
    if (threads > net->batch_packs)
        threads = net->batch_packs;
    nn__team_run(threads, backward_part, &job);
    return NN_OK;
}

/* ---- read-only inference ---- */

/* The workspace for n rows with `packs` packing areas; 0 on overflow. */
static size_t workspace_doubles(const nn_t *net, size_t n, size_t packs)
{
    const size_t limit = SIZE_MAX / sizeof(double) / 4;
    if (n == 0 || n > limit / net->max_size)
        return 0;
    if (n == 1)
        return 3 * net->max_size;
    const size_t pack = nn__gemm_pack_doubles(n > net->max_size ? n : net->max_size);
    if (packs > (limit - 3 * n * net->max_size) / pack)
        return 0;
    return 3 * n * net->max_size + packs * pack;
}

size_t nn_inference_workspace_size(const nn_t *net, size_t n)
{
    return net == NULL || n == 0 ? 0 : workspace_doubles(net, n, team_size(net, n));
}

struct predict_job {
    const nn_t *net;
    size_t n;
    const double *inputs;
    double *outputs;
    double *workspace;
};

/* The workspace holds three blocks of n x max_size doubles (net inputs and
   two alternating outputs), then the packing areas. A member's rows
   [r0, r1) use only rows [r0, r1) of each block, at a stride of max_size,
   so members never share a double whatever the layer sizes. */
static void predict_part(void *context, struct nn__team *team, size_t index, size_t size)
{
    (void)team;
    const struct predict_job *job = context;
    const nn_t *net = job->net;
    const size_t n = job->n, block = n * net->max_size, top = net->n_layers - 1;
    size_t r0, r1;
    split(n, size, index, 8, &r0, &r1);
    double *z = job->workspace + r0 * net->max_size;
    double *a[2] = {z + block, z + 2 * block};
    double *pack = NULL;
    if (n > 1)
        pack = job->workspace + 3 * block +
               index * nn__gemm_pack_doubles(n > net->max_size ? n : net->max_size);
    const double *prev = job->inputs + r0 * net->layers[0].n_out;
    for (size_t k = 1; k <= top; k++) {
        const struct nn_layer *l = &net->layers[k];
        double *dst = k == top ? job->outputs + r0 * l->n_out : a[k % 2];
        layer_forward(net, l, r1 - r0, n == 1, prev, z, dst, pack);
        prev = dst;
    }
}

nn_status nn_predict(const nn_t *net, size_t n, const double *inputs, double *outputs,
                     double *workspace, size_t workspace_size)
{
    if (net == NULL || inputs == NULL || outputs == NULL || workspace == NULL)
        return NN_ERR_NULL_ARG;
    if (n == 0)
        return NN_ERR_BATCH_SIZE;
    const size_t need = workspace_doubles(net, n, 1);
    if (need == 0 || workspace_size < need)
        return NN_ERR_BUFFER_SIZE;
    nn_status status = check_rows(n, net->layers[0].n_out, inputs);
    if (status != NN_OK)
        return status;
    /* as many threads as the workspace has packing areas for */
    size_t threads = team_size(net, n);
    while (threads > 1 && workspace_size < workspace_doubles(net, n, threads))
        threads--;
    struct predict_job job = {net, n, inputs, outputs, workspace};
    nn__team_run(threads, predict_part, &job);
    return NN_OK;
}

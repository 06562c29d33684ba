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
   thread alone computes it: the products of the forward pass and of the
   deltas by rows of the batch or by units of the layer, the weight gradients
   by rows or columns of the gradient matrix (every entry still summed over
   the whole batch in order), the activations and their derivatives element
   by element. The results are therefore the same bits whatever the thread
   count, as long as the products use the built-in kernels (see product.c
   for the CBLAS). */
#include "internal.h"
#include "versions.h"

#include <stdint.h>
#include <string.h>

/* Multiply-adds (rows times weights) that make one more thread worth
   creating: about 20 to 40 microseconds of work, as long as creating and
   joining a thread takes. Smaller passes use fewer threads. */
#define NN_THREAD_MIN_WORK ((double)(1 << 18))

/* The batch buffer's arrays, and those nn_predict() keeps in the caller's
   workspace, start at the first cache-line boundary of their block, so that
   vector loads never straddle two lines whatever alignment the allocator
   gives (as the network's own doubles, network.c); each block has
   NN_BATCH_SLACK doubles more than the arrays need for this. */
#define NN_BATCH_SLACK 8

static double *aligned(double *block)
{
    const size_t line = NN_BATCH_SLACK * sizeof(double);
    char *p = (char *)block;
    return (double *)(void *)(p + (line - (uintptr_t)p % line) % line);
}

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
    base = aligned(base);
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

/* n rows of `cols` values each must be finite; 0 when the count overflows.
   `max` receives their largest magnitude (NULL: not needed). */
static nn_status check_rows(const nn_t *net, size_t n, size_t cols, const double *x, double *max)
{
    if (n > SIZE_MAX / sizeof(double) / cols)
        return NN_ERR_TOO_LARGE;
    if (max == NULL)
        return nn__all_finite(x, n * cols) ? NN_OK : NN_ERR_NOT_FINITE;
    *max = net->kernels->max_abs(n * cols, x);
    return nn__max_finite(*max) ? NN_OK : NN_ERR_NOT_FINITE;
}

/* Whether n_a doubles at a and n_b doubles at b share one. The addresses
   are compared as integers because the arrays are usually distinct objects. */
static int overlap(const double *a, size_t n_a, const double *b, size_t n_b)
{
    const uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b;
    return n_a > 0 && n_b > 0 && a0 < b0 + n_b * sizeof(double) &&
           b0 < a0 + n_a * sizeof(double);
}

/* The caller's outputs (n rows of n_out values) may be the inputs
   themselves (n rows of n_in values) but share no other double with them,
   nor any with the workspace (workspace_size doubles; none for the batch
   calls): a pass reads the inputs and the workspace while it writes the
   outputs. The counts fit in a size_t (check_rows, the workspace's size). */
static nn_status check_outputs(size_t n, size_t n_in, const double *inputs, size_t n_out,
                               const double *outputs, const double *workspace,
                               size_t workspace_size)
{
    if (outputs != inputs && overlap(outputs, n * n_out, inputs, n * n_in))
        return NN_ERR_ARGUMENT;
    if (overlap(outputs, n * n_out, workspace, workspace_size) ||
        overlap(inputs, n * n_in, workspace, workspace_size))
        return NN_ERR_ARGUMENT;
    return NN_OK;
}

/* Whether a team divides a product with the batch's n rows on one side and
   `units` on the other by units (columns of the result) rather than by
   rows: each member packs the whole operand on the side it does not divide,
   so the team divides the side whose operand is larger. */
static int by_units(size_t units, size_t n, size_t size)
{
    return size > 1 && units > n;
}

/* z += b and a = f(z) for units [c0, c1) of rows [r0, r1) of a batch. The
   logistic function goes through the kernels (vectorised): it is the
   activation of most layers and, one value at a time through the C
   library's exp(), costs a tenth of a one-row pass of the benchmark's
   network. */
static void finish(const nn_t *net, const struct nn_layer *l, size_t r0, size_t r1, size_t c0,
                   size_t c1, double *z, double *a)
{
    const int vector_sigmoid = l->activation == NN_ACT_SIGMOID;
    for (size_t r = r0; r < r1; r++) {
        double *zr = z + r * l->n_out + c0;
        if (l->bias_mode == NN_BIAS_SHARED) {
            for (size_t j = 0; j < c1 - c0; j++)
                zr[j] += l->b[0];
        } else {
            nn__vec_add(c1 - c0, l->b + c0, zr);
        }
        if (vector_sigmoid)
            net->kernels->sigmoid(c1 - c0, zr, a + r * l->n_out + c0);
        else
            nn__activate(l, zr, a + r * l->n_out + c0, c1 - c0);
    }
}

/* Whether units [c0, c1) of rows [r0, r1) of a layer's outputs are finite. */
static int band_finite(const nn_t *net, const struct nn_layer *l, size_t r0, size_t r1,
                       size_t c0, size_t c1, const double *a)
{
    int finite = 1;
    for (size_t r = r0; r < r1; r++)
        finite &= nn__max_finite(net->kernels->max_abs(c1 - c0, a + r * l->n_out + c0));
    return finite;
}

/* ---- the forward pass, of nn_forward_batch() and nn_predict() ---- */

struct forward_job {
    const nn_t *net;
    size_t n;
    const double *inputs;
    double *copy;      /* the batch buffer's layer 0, or NULL (nn_predict) */
    double *work;      /* NULL, or nn_predict's workspace */
    double *outputs;   /* nn_predict's outputs; NULL: the top layer's stay in work */
    double *packs;     /* packing area of member i at packs + i * pack_stride */
    size_t pack_stride;
    /* nn_predict: member i sets diverged[i] when an output of its share is
       not finite (nn_forward_batch checks its buffer afterwards) */
    unsigned char diverged[NN_MAX_THREADS];
};

/* Doubles of one of the three blocks of nn_predict's workspace: n x max_size
   rounded up to whole cache lines, so that every block starts on one. */
static size_t work_block(const nn_t *net, size_t n)
{
    const size_t line = NN_BATCH_SLACK;
    return (n * net->max_size + line - 1) / line * line;
}

/* Where layer k's net inputs and outputs go: the batch buffer's rows, or
   nn_predict's workspace (three blocks: z, then two for the outputs of
   alternate layers; the top layer writes the caller's outputs, or when
   there are none, a block as any other layer). Rows are n_out apart either
   way. */
static void forward_arrays(const struct forward_job *job, size_t k, double **z, double **a)
{
    const nn_t *net = job->net;
    if (job->work == NULL) {
        const struct rows r = layer_rows(net, net->batch, net->batch_cap, k);
        *z = r.z;
        *a = r.a;
    } else {
        const size_t block = work_block(net, job->n);
        *z = job->work;
        *a = k == net->n_layers - 1 && job->outputs != NULL ? job->outputs
                                                             : job->work + (1 + k % 2) * block;
    }
}

/* One member's share of each layer: its band of the product (by rows of the
   batch or by units, see by_units), then the bias and activation of the same
   band; a custom activation, which takes whole rows, waits for the whole
   product and then takes the member's rows. A barrier closes each stage
   that the next one reads across members. The first layer reads the
   caller's inputs, so copying them into the batch buffer needs no barrier. */
static void forward_part(void *context, struct nn__team *team, size_t index, size_t size)
{
    struct forward_job *job = context;
    const nn_t *net = job->net;
    const size_t n = job->n, top = net->n_layers - 1;
    double *pack = job->packs == NULL ? NULL : job->packs + index * job->pack_stride;
    size_t r0, r1;
    split(n, size, index, 8, &r0, &r1);
    if (job->copy != NULL) {
        const size_t n_in = net->layers[0].n_out;
        memcpy(job->copy + r0 * n_in, job->inputs + r0 * n_in, (r1 - r0) * n_in * sizeof(double));
    }
    const double *prev = job->inputs;
    const int stream = n == 1 && nn__weights_stream(net);
    if (stream && job->work != NULL) {
        /* the input on a cache line, for gemv_stream: in the block that the
           second layer's outputs take, after the first layer has read it */
        double *copy = job->work + work_block(net, 1);
        memcpy(copy, prev, net->layers[0].n_out * sizeof(double));
        prev = copy;
    } else if (stream) {
        prev = job->copy; /* the batch buffer's copy, made above */
    }
    for (size_t k = 1; k <= top; k++) {
        const struct nn_layer *l = &net->layers[k];
        double *z, *a;
        forward_arrays(job, k, &z, &a);
        size_t b_r0 = r0, b_r1 = r1, b_c0 = 0, b_c1 = l->n_out; /* this member's band */
        if (n == 1) {
            if (stream)
                net->kernels->gemv_stream(l->n_out, l->n_in, l->w, prev, z);
            else
                net->kernels->gemv(l->n_out, l->n_in, l->w, prev, z);
            finish(net, l, 0, 1, 0, l->n_out, z, a);
        } else if (by_units(l->n_out, n, size)) {
            size_t c0, c1;
            split(l->n_out, size, index, 16, &c0, &c1);
            if (c1 > c0)
                nn__product(net, n, c1 - c0, l->n_in, prev, l->n_in, 1, l->w + c0 * l->n_in, 1,
                            l->n_in, z + c0, l->n_out, 0, pack);
            if (nn__activation_is_builtin(l->activation)) {
                finish(net, l, 0, n, c0, c1, z, a);
                b_r0 = 0;
                b_r1 = n;
                b_c0 = c0;
                b_c1 = c1;
            } else {
                nn__team_sync(team);
                finish(net, l, r0, r1, 0, l->n_out, z, a);
            }
        } else {
            if (r1 > r0)
                nn__product(net, r1 - r0, l->n_out, l->n_in, prev + r0 * l->n_in, l->n_in, 1,
                            l->w, 1, l->n_in, z + r0 * l->n_out, l->n_out, 0, pack);
            finish(net, l, r0, r1, 0, l->n_out, z, a);
        }
        /* nn_predict's workspace keeps no layer but the last: checked here */
        if (job->work != NULL && !band_finite(net, l, b_r0, b_r1, b_c0, b_c1, a))
            job->diverged[index] = 1;
        if (k < top)
            nn__team_sync(team);
        prev = a;
    }
}

nn_status nn_forward_batch(nn_t *net, size_t n, const double *inputs, double *outputs)
{
    if (net == NULL || inputs == NULL)
        return NN_ERR_NULL_ARG;
    if (n == 0)
        return NN_ERR_BATCH_SIZE;
    const size_t n_in = net->layers[0].n_out;
    const size_t n_out = net->layers[net->n_layers - 1].n_out;
    double input_max;
    nn_status status = check_rows(net, n, n_in, inputs, &input_max);
    if (status == NN_OK && outputs != NULL && n > SIZE_MAX / sizeof(double) / n_out)
        status = NN_ERR_TOO_LARGE;
    if (status == NN_OK && outputs != NULL)
        status = check_outputs(n, n_in, inputs, n_out, outputs, NULL, 0);
    if (status != NN_OK)
        return status;
    status = reserve(net, n);
    if (status != NN_OK)
        return status;
    const size_t cap = net->batch_cap;
    struct forward_job job = {net, n, inputs, layer_rows(net, net->batch, cap, 0).a, NULL, NULL,
                              pack_of(net, net->batch, cap, 0), pack_doubles(net, cap), {0}};
    size_t threads = team_size(net, n);
    if (threads > net->batch_packs)
        threads = net->batch_packs;
    nn__team_run(threads, forward_part, &job);
    /* every output finite, and the largest of each layer for the checks of
       nn_backward_batch(); the rows lie one after the other */
    net->layers[0].batch_a_max = input_max;
    for (size_t k = 1; k < net->n_layers; k++) {
        struct nn_layer *l = &net->layers[k];
        l->batch_a_max = net->kernels->max_abs(n * l->n_out, layer_rows(net, net->batch, cap, k).a);
        if (!nn__max_finite(l->batch_a_max)) {
            nn__batch_lost(net);
            return NN_ERR_DIVERGED;
        }
    }
    nn__batch_done(net, n);
    /* after the pass, which has copied the inputs: outputs == inputs is fine */
    if (outputs != NULL)
        memcpy(outputs, layer_rows(net, net->batch, cap, net->n_layers - 1).a,
               n * n_out * sizeof(double));
    return NN_OK;
}

/* The checks shared by the calls that read the last batch. */
static nn_status check_batch(const nn_t *net, size_t n, const double *targets)
{
    nn_status status = nn__batch_ready(net, n);
    if (status != NN_OK)
        return status;
    return check_rows(net, n, net->layers[net->n_layers - 1].n_out, targets, NULL);
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

/* delta *= f'(z) for units [c0, c1) of rows [r0, r1), with one row of scratch. */
static void scale(const struct nn_layer *l, size_t r0, size_t r1, size_t c0, size_t c1,
                  const struct rows *rw, double *scratch)
{
    for (size_t r = r0; r < r1; r++) {
        const size_t o = r * l->n_out + c0;
        nn__activation_deriv(l, rw->z + o, rw->a + o, scratch, c1 - c0);
        nn__vec_mul(c1 - c0, scratch, rw->delta + o);
    }
}

struct backward_job {
    nn_t *net;
    size_t n;
    const double *targets;
    int fits; /* every delta finite and every gradient's bound within the limit */
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
        split(l->n_in, size, index, 16, &lo, &hi);
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

/* What a batch adds to layer k's gradients, bounded (see train.c): n rows,
   each adding at most the largest |delta| times the largest output below (a
   weight), 1 (a bias) or the unit count (a shared bias). Infinite or NaN
   when a delta is not finite. */
static double batch_grad_add(const nn_t *net, size_t k, size_t n)
{
    const struct nn_layer *l = &net->layers[k];
    const double a = net->layers[k - 1].batch_a_max;
    const double per_bias = l->bias_mode == NN_BIAS_SHARED ? (double)l->n_out : 1.0;
    return (double)n * (l->batch_delta_max * (a > per_bias ? a : per_bias));
}

/* Member 0 checks every layer's deltas and gradient bounds before any
   gradient is written, and on success grows the bounds. */
static int batch_grads_fit(nn_t *net, size_t n)
{
    for (size_t k = 1; k < net->n_layers; k++) {
        struct nn_layer *l = &net->layers[k];
        const double *delta = layer_rows(net, net->batch, net->batch_cap, k).delta;
        l->batch_delta_max = net->kernels->max_abs(n * l->n_out, delta);
        const double add = batch_grad_add(net, k, n);
        if (!(add <= NN_BOUND_LIMIT) || !nn__bound_fits(nn__grad_bound(net, k), add))
            return 0;
    }
    for (size_t k = 1; k < net->n_layers; k++)
        nn__grads_grew(&net->layers[k], batch_grad_add(net, k, n));
    return 1;
}

/* One member's share of every stage: the output deltas of its rows; then per
   layer, from the top, its part of the deltas of the layer below (by rows or
   by units, see by_units), then the derivative of its rows of those deltas;
   then, once member 0 has checked them all, its part of every layer's weight
   gradients (member 0 also sums the bias gradients). The barriers make every
   delta of a layer complete before any member reads it across rows. */
static void backward_part(void *context, struct nn__team *team, size_t index, size_t size)
{
    struct backward_job *job = context;
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
    scale(out, r0, r1, 0, out->n_out, &cur, scratch);
    nn__team_sync(team);

    for (size_t k = top; k > 1; k--) {
        /* Delta_prev = Delta W, then times f'(z) of the layer below, on
           the same band (or, for a custom activation, by rows) */
        struct nn_layer *l = &net->layers[k];
        const struct rows below = layer_rows(net, net->batch, cap, k - 1);
        const struct nn_layer *lb = &net->layers[k - 1];
        if (n == 1) {
            net->kernels->gemv_t(l->n_out, l->n_in, l->w, cur.delta, below.delta);
            scale(lb, 0, 1, 0, l->n_in, &below, scratch);
        } else if (by_units(l->n_in, n, size)) {
            size_t c0, c1;
            split(l->n_in, size, index, 16, &c0, &c1);
            if (c1 > c0)
                nn__product(net, n, c1 - c0, l->n_out, cur.delta, l->n_out, 1, l->w + c0,
                            l->n_in, 1, below.delta + c0, l->n_in, 0, pack);
            if (nn__activation_is_builtin(lb->activation)) {
                scale(lb, 0, n, c0, c1, &below, scratch);
            } else {
                nn__team_sync(team);
                scale(lb, r0, r1, 0, l->n_in, &below, scratch);
            }
        } else {
            if (r1 > r0)
                nn__product(net, r1 - r0, l->n_in, l->n_out, cur.delta + r0 * l->n_out,
                            l->n_out, 1, l->w, l->n_in, 1, below.delta + r0 * l->n_in,
                            l->n_in, 0, pack);
            scale(lb, r0, r1, 0, l->n_in, &below, scratch);
        }
        nn__team_sync(team);
        cur = below;
    }

    if (index == 0)
        job->fits = batch_grads_fit(net, n);
    nn__team_sync(team);
    if (!job->fits)
        return;

    for (size_t k = top; k >= 1; k--) {
        struct nn_layer *l = &net->layers[k];
        const struct rows rw = layer_rows(net, net->batch, cap, k);
        const struct rows below = layer_rows(net, net->batch, cap, k - 1);
        if (n == 1)
            net->kernels->ger_add(l->n_out, l->n_in, rw.delta, below.a, l->gw);
        else
            weight_grads_part(net, l, n, rw.delta, below.a, index, size, pack);
        if (index == 0) {
            /* gb += the column sums of Delta, row after row */
            for (size_t r = 0; r < n; r++) {
                const double *dr = rw.delta + r * l->n_out;
                if (l->bias_mode == NN_BIAS_SHARED)
                    l->gb[0] += nn__sum(l->n_out, dr);
                else
                    nn__vec_add(l->n_out, dr, l->gb);
            }
        }
    }
}

nn_status nn_backward_batch(nn_t *net, size_t n, const double *targets)
{
    if (net == NULL || targets == NULL)
        return NN_ERR_NULL_ARG;
    nn_status status = check_batch(net, n, targets);
    if (status != NN_OK)
        return status;
    nn__grads_settle(net);
    nn__grads_set(net, NN_GRADS_WRITTEN);
    struct backward_job job = {net, n, targets, 0};
    size_t threads = team_size(net, n);
    if (threads > net->batch_packs)
        threads = net->batch_packs;
    nn__team_run(threads, backward_part, &job);
    return job.fits ? NN_OK : NN_ERR_DIVERGED;
}

/* ---- read-only inference ---- */

/* The workspace for n rows with `packs` packing areas (0 on overflow): three
   blocks of work_block() doubles and the packing areas, from the first
   cache-line boundary of the caller's array, which may lie up to
   NN_BATCH_SLACK doubles in. */
static size_t workspace_doubles(const nn_t *net, size_t n, size_t packs)
{
    const size_t limit = SIZE_MAX / sizeof(double) / 4;
    if (n == 0 || n > limit / net->max_size)
        return 0;
    const size_t arrays = 3 * work_block(net, n) + NN_BATCH_SLACK;
    if (n == 1)
        return arrays;
    const size_t pack = nn__gemm_pack_doubles(n > net->max_size ? n : net->max_size);
    if (packs > (limit - arrays) / pack)
        return 0;
    return arrays + packs * pack;
}

/* nn_predict() of several rows, the products done unit-major: every layer's
   net inputs and outputs are held one unit a row (n apart), so that each
   product is W A^T, whose left operand, the weights, the gemm reads where it
   lies, and only the batch-sized right operand is packed (the inputs, read
   transposed by the first product, or the outputs of the layer below). The
   row-major products of forward_part() would pack the weights at every
   call. Each member takes a band of units of every layer; the top layer's
   outputs are written back one sample a row. Every value is formed by the
   same operations as in forward_part() (the gemm sums each product in the
   same order whichever side an operand is on, and the bias, the activations
   and the vectorised logistic function work value by value), so the outputs
   are the same bits. */
static void predict_part(void *context, struct nn__team *team, size_t index, size_t size)
{
    struct forward_job *job = context;
    const nn_t *net = job->net;
    const size_t n = job->n, top = net->n_layers - 1, block = work_block(net, n);
    double *pack = job->packs + index * job->pack_stride;
    const double *prev = job->inputs;
    size_t prev_rs = 1, prev_cs = net->layers[0].n_out; /* B(p, j): input p of sample j */
    for (size_t k = 1; k <= top; k++) {
        const struct nn_layer *l = &net->layers[k];
        double *z = job->work, *a = job->work + (1 + k % 2) * block;
        size_t c0, c1;
        split(l->n_out, size, index, 8, &c0, &c1);
        if (c1 > c0)
            nn__product(net, c1 - c0, n, l->n_in, l->w + c0 * l->n_in, l->n_in, 1, prev, prev_rs,
                        prev_cs, z + c0 * n, n, 0, pack);
        for (size_t i = c0; i < c1; i++) {
            double *zi = z + i * n, *ai = a + i * n;
            const double bias = l->b[l->bias_mode == NN_BIAS_SHARED ? 0 : i];
            for (size_t j = 0; j < n; j++)
                zi[j] += bias;
            if (l->activation == NN_ACT_SIGMOID)
                net->kernels->sigmoid(n, zi, ai);
            else
                nn__activate(l, zi, ai, n);
            if (!nn__max_finite(net->kernels->max_abs(n, ai)))
                job->diverged[index] = 1;
            if (k == top && job->outputs != NULL)
                for (size_t j = 0; j < n; j++)
                    job->outputs[j * l->n_out + i] = ai[j];
        }
        if (k < top)
            nn__team_sync(team);
        prev = a;
        prev_rs = n;
        prev_cs = 1;
    }
}

/* Whether nn_predict() of n rows takes predict_part(): only built-in
   activations (a custom one may read a sample's units as a whole, so it
   needs them side by side), and no product that the CBLAS would serve (it
   may round differently with the operands swapped). */
static int predict_unit_major(const nn_t *net, size_t n)
{
    if (n < 2)
        return 0;
    for (size_t k = 1; k < net->n_layers; k++) {
        const struct nn_layer *l = &net->layers[k];
        if (!nn__activation_is_builtin(l->activation) ||
            nn__product_uses_blas(net, n, l->n_out, l->n_in))
            return 0;
    }
    return 1;
}

/* The top layer's outputs that a pass left in the workspace (see
   forward_arrays; unit-major after predict_part) to the caller's rows. */
static void copy_outputs(const nn_t *net, size_t n, const double *work, int unit_major,
                         double *outputs)
{
    const size_t top = net->n_layers - 1, n_out = net->layers[top].n_out;
    const double *a = work + (1 + top % 2) * work_block(net, n);
    if (!unit_major) {
        memcpy(outputs, a, n * n_out * sizeof(double));
        return;
    }
    for (size_t i = 0; i < n_out; i++)
        for (size_t j = 0; j < n; j++)
            outputs[j * n_out + i] = a[i * n + j];
}

size_t nn_inference_workspace_size(const nn_t *net, size_t n)
{
    return net == NULL || n == 0 ? 0 : workspace_doubles(net, n, team_size(net, n));
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
    const size_t n_in = net->layers[0].n_out, n_out = net->layers[net->n_layers - 1].n_out;
    nn_status status = check_rows(net, n, n_in, inputs, NULL);
    if (status == NN_OK)
        status = check_outputs(n, n_in, inputs, n_out, outputs, workspace, workspace_size);
    if (status != NN_OK)
        return status;
    /* as many threads as the workspace has packing areas for */
    size_t threads = team_size(net, n);
    while (threads > 1 && workspace_size < workspace_doubles(net, n, threads))
        threads--;
    double *work = aligned(workspace);
    /* Outputs over the inputs: members of a team would write outputs over
       inputs that others still read (the first layer reads the inputs while
       the top layer, the same one in a network of two layers, writes), so
       the top layer leaves them in the workspace and they are copied once
       the team is done. Either way every value is computed alike. */
    const int in_place = outputs == inputs;
    const int unit_major = predict_unit_major(net, n);
    struct forward_job job = {net, n, inputs, NULL, work, in_place ? NULL : outputs, NULL, 0, {0}};
    if (n > 1) {
        job.packs = work + 3 * work_block(net, n);
        job.pack_stride = nn__gemm_pack_doubles(n > net->max_size ? n : net->max_size);
    }
    nn__team_run(threads, unit_major ? predict_part : forward_part, &job);
    for (size_t i = 0; i < NN_MAX_THREADS; i++)
        if (job.diverged[i])
            return NN_ERR_DIVERGED;
    if (in_place)
        copy_outputs(net, n, work, unit_major, outputs);
    return NN_OK;
}

/* The batched passes: nn_forward_batch(), nn_loss_batch(),
   nn_backward_batch() on the rows of the batch buffer (batch_buffer.c), the
   forward pass that nn_predict() shares (predict.c), and their division
   among threads.

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
#include "activation.h"
#include "batch.h"
#include "batch_buffer.h"
#include "scaling.h"
#include "bounds.h"
#include "grads.h"
#include "loss.h"
#include "versions.h"

#include <stdint.h>
#include <string.h>


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
size_t nn__team_size(const nn_t *net, size_t n)
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
void nn__split(size_t n, size_t parts, size_t index, size_t grain, size_t *lo, size_t *hi)
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
nn_status nn__check_rows(const nn_t *net, size_t n, size_t cols, const double *x, double *max)
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
nn_status nn__check_outputs(size_t n, size_t n_in, const double *inputs, size_t n_out,
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
    for (size_t r = r0; r < r1; r++) {
        double *zr = z + r * l->n_out + c0;
        if (l->bias_mode == NN_BIAS_SHARED) {
            for (size_t j = 0; j < c1 - c0; j++)
                zr[j] += l->b[0];
        } else {
            nn__vec_add(c1 - c0, l->b + c0, zr);
        }
        nn__activate(net->kernels, l, zr, a + r * l->n_out + c0, c1 - c0);
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


/* Where layer k's net inputs and outputs go: the batch buffer's rows, or
   nn_predict's workspace (three blocks: z, then two for the outputs of
   alternate layers; the top layer writes the caller's outputs, or when
   there are none, a block as any other layer). Rows are n_out apart either
   way. */
static void forward_arrays(const struct nn__forward_job *job, size_t k, double **z, double **a)
{
    const nn_t *net = job->net;
    if (job->work == NULL) {
        const struct nn__rows r = nn__batch_rows(net, k);
        *z = r.z;
        *a = r.a;
    } else {
        const size_t block = job->block;
        *z = job->work;
        *a = k == net->n_layers - 1 && job->outputs != NULL ? job->outputs
                                                             : job->work + (1 + k % 2) * block;
    }
}

/* One member's share of each layer: its band of the product (by rows of the
   batch or by units, see by_units), then the bias and activation of the same
   band; an activation that takes whole rows (a vector or custom one) waits for the whole
   product and then takes the member's rows. A barrier closes each stage
   that the next one reads across members. The first layer reads the
   caller's inputs, so copying them into the batch buffer needs no barrier. */
void nn__forward_part(void *context, struct nn__team *team, size_t index, size_t size)
{
    struct nn__forward_job *job = context;
    const nn_t *net = job->net;
    const size_t n = job->n, top = net->n_layers - 1;
    double *pack = job->packs == NULL ? NULL : job->packs + index * job->pack_stride;
    size_t r0, r1;
    nn__split(n, size, index, 8, &r0, &r1);
    if (job->copy != NULL && job->copy != job->inputs) { /* scaled inputs are there already */
        const size_t n_in = net->layers[0].n_out;
        memcpy(job->copy + r0 * n_in, job->inputs + r0 * n_in, (r1 - r0) * n_in * sizeof(double));
    }
    const double *prev = job->inputs;
    const int stream = n == 1 && nn__weights_stream(net);
    if (stream && job->work != NULL) {
        /* the input on a cache line, for gemv_stream: in the block that the
           second layer's outputs take, after the first layer has read it */
        double *copy = job->work + job->block;
        if (copy != prev) /* nn_predict's scaled inputs are there already */
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
            nn__split(l->n_out, size, index, 16, &c0, &c1);
            if (c1 > c0)
                nn__product(net, nn__matrix(prev, n, l->n_in, l->n_in),
                            nn__matrix_t(l->w + c0 * l->n_in, l->n_in, c1 - c0, l->n_in),
                            z + c0, l->n_out, 0, pack);
            if (!nn__activation_takes_rows(l)) {
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
                nn__product(net, nn__matrix(prev + r0 * l->n_in, r1 - r0, l->n_in, l->n_in),
                            nn__matrix_t(l->w, l->n_in, l->n_out, l->n_in), z + r0 * l->n_out,
                            l->n_out, 0, pack);
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
    nn_status status = nn__check_rows(net, n, n_in, inputs, &input_max);
    if (status == NN_OK && outputs != NULL && n > SIZE_MAX / sizeof(double) / n_out)
        status = NN_ERR_TOO_LARGE;
    if (status == NN_OK && outputs != NULL)
        status = nn__check_outputs(n, n_in, inputs, n_out, outputs, NULL, 0);
    if (status != NN_OK)
        return status;
    if (net->scaling != NULL && !nn__scaled_rows_finite(net, n, inputs))
        return NN_ERR_NOT_FINITE;
    status = nn__batch_reserve(net, n);
    if (status != NN_OK)
        return status;
    if (net->scaling != NULL && nn__scale_input_rows(net, n, inputs, nn__batch_rows(net, 0).a)) {
        /* the pass reads the scaled inputs where the batch keeps its inputs */
        inputs = nn__batch_rows(net, 0).a;
        input_max = net->kernels->max_abs(n * n_in, inputs);
    }
    struct nn__forward_job job = {net,  n,    inputs, nn__batch_rows(net, 0).a,
                                  NULL, 0,    NULL,   nn__batch_pack(net, 0),
                                  nn__batch_pack_doubles(net), {0}};
    size_t threads = nn__team_size(net, n);
    if (threads > net->batch_packs)
        threads = net->batch_packs;
    nn__team_run(threads, nn__forward_part, &job);
    /* every output finite, and the largest of each layer for the checks of
       nn_backward_batch(); the rows lie one after the other */
    net->layers[0].batch_a_max = input_max;
    for (size_t k = 1; k < net->n_layers; k++) {
        struct nn_layer *l = &net->layers[k];
        l->batch_a_max = net->kernels->max_abs(n * l->n_out, nn__batch_rows(net, k).a);
        if (!nn__max_finite(l->batch_a_max)) {
            nn__batch_lost(net);
            return NN_ERR_DIVERGED;
        }
    }
    nn__batch_done(net, n);
    /* after the pass, which has copied the inputs: outputs == inputs is fine */
    if (outputs != NULL)
        memcpy(outputs, nn__batch_rows(net, net->n_layers - 1).a,
               n * n_out * sizeof(double));
    return NN_OK;
}

/* The checks shared by the calls that read the last batch. */
static nn_status check_batch(const nn_t *net, size_t n, const double *targets)
{
    nn_status status = nn__batch_ready(net, n);
    if (status != NN_OK)
        return status;
    return nn__check_rows(net, n, net->layers[net->n_layers - 1].n_out, targets, NULL);
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
    const struct nn__rows out = nn__batch_rows(net, top);
    const struct nn_layer *l = &net->layers[top];
    double sum = 0.0;
    for (size_t r = 0; r < n; r++)
        sum += nn__loss_value(net->loss, l, out.z + r * n_out, out.a + r * n_out,
                              targets + r * n_out);
    *loss = sum;
    return NN_OK;
}

/* ---- the batched backward pass ---- */

/* delta = dE/dz from dE/da for units [c0, c1) of rows [r0, r1) (whole
   rows for an activation that takes them), with one row of scratch. */
static void scale(const struct nn_layer *l, size_t r0, size_t r1, size_t c0, size_t c1,
                  const struct nn__rows *rw, double *scratch)
{
    for (size_t r = r0; r < r1; r++) {
        const size_t o = r * l->n_out + c0;
        nn__activation_backward(l, rw->z + o, rw->a + o, rw->delta + o, c1 - c0, scratch);
    }
}

/* The mean reduction: the output deltas of rows r0 .. r1 divided by the
   batch's n rows, once, so that every gradient below is the mean over the
   rows and each member's share is the same division whatever the split. */
static void mean_rows(const struct nn_layer *out, size_t r0, size_t r1, size_t n,
                      const struct nn__rows *rw)
{
    const double rows = (double)n;
    for (size_t i = r0 * out->n_out; i < r1 * out->n_out; i++)
        rw->delta[i] /= rows;
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
        nn__split(l->n_in, size, index, 16, &lo, &hi);
        if (hi > lo)
            nn__product(net, nn__matrix_t(delta, l->n_out, n, l->n_out),
                        nn__matrix(a_prev + lo, n, hi - lo, l->n_in), l->gw + lo, l->n_in, 1,
                        pack);
    } else {
        nn__split(l->n_out, size, index, 8, &lo, &hi);
        if (hi > lo)
            nn__product(net, nn__matrix_t(delta + lo, hi - lo, n, l->n_out),
                        nn__matrix(a_prev, n, l->n_in, l->n_in), l->gw + lo * l->n_in, l->n_in,
                        1, pack);
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
        const double *delta = nn__batch_rows(net, k).delta;
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
    const size_t n = job->n, top = net->n_layers - 1;
    double *scratch = nn__batch_scratch(net, index);
    double *pack = nn__batch_pack(net, index);
    size_t r0, r1;
    nn__split(n, size, index, 8, &r0, &r1);

    struct nn__rows cur = nn__batch_rows(net, top);
    const struct nn_layer *out = &net->layers[top];
    for (size_t r = r0; r < r1; r++) {
        const size_t o = r * out->n_out;
        nn__output_delta(net->loss, out, cur.z + o, cur.a + o, job->targets + o, cur.delta + o,
                         scratch);
    }
    if (net->reduction == NN_REDUCTION_MEAN)
        mean_rows(out, r0, r1, n, &cur);
    nn__team_sync(team);

    for (size_t k = top; k > 1; k--) {
        /* Delta_prev = Delta W, then through the activation of the layer
           below, on the same band (or by rows, for one that takes them) */
        struct nn_layer *l = &net->layers[k];
        const struct nn__rows below = nn__batch_rows(net, k - 1);
        const struct nn_layer *lb = &net->layers[k - 1];
        if (n == 1) {
            net->kernels->gemv_t(l->n_out, l->n_in, l->w, cur.delta, below.delta);
            scale(lb, 0, 1, 0, l->n_in, &below, scratch);
        } else if (by_units(l->n_in, n, size)) {
            size_t c0, c1;
            nn__split(l->n_in, size, index, 16, &c0, &c1);
            if (c1 > c0)
                nn__product(net, nn__matrix(cur.delta, n, l->n_out, l->n_out),
                            nn__matrix(l->w + c0, l->n_out, c1 - c0, l->n_in), below.delta + c0,
                            l->n_in, 0, pack);
            if (!nn__activation_takes_rows(lb)) {
                scale(lb, 0, n, c0, c1, &below, scratch);
            } else {
                nn__team_sync(team);
                scale(lb, r0, r1, 0, l->n_in, &below, scratch);
            }
        } else {
            if (r1 > r0)
                nn__product(net, nn__matrix(cur.delta + r0 * l->n_out, r1 - r0, l->n_out, l->n_out),
                            nn__matrix(l->w, l->n_out, l->n_in, l->n_in),
                            below.delta + r0 * l->n_in, l->n_in, 0, pack);
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
        const struct nn__rows rw = nn__batch_rows(net, k);
        const struct nn__rows below = nn__batch_rows(net, k - 1);
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
    size_t threads = nn__team_size(net, n);
    if (threads > net->batch_packs)
        threads = net->batch_packs;
    nn__team_run(threads, backward_part, &job);
    return job.fits ? NN_OK : NN_ERR_DIVERGED;
}

/* Read-only inference: nn_predict() with the caller's workspace, and the
   workspace's size. Several rows take predict_part() below (unit-major) or
   the batched forward pass of batch.c; either way the caller's outputs may
   be the inputs themselves but share no other double with them or with the
   workspace. */
#include "internal.h"
#include "activation.h"
#include "batch.h"
#include "batch_buffer.h"
#include "bounds.h"
#include "scaling.h"

#include <stdint.h>
#include <string.h>

/* Doubles of one of the three blocks of nn_predict's workspace: n x max_size
   rounded up to whole cache lines, so that every block starts on one. */
static size_t work_block(const nn_t *net, size_t n)
{
    const size_t line = NN_BATCH_SLACK;
    return (n * net->max_size + line - 1) / line * line;
}

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
    struct nn__forward_job *job = context;
    const nn_t *net = job->net;
    const size_t n = job->n, top = net->n_layers - 1, block = work_block(net, n);
    double *pack = job->packs + index * job->pack_stride;
    const double *prev = job->inputs;
    /* B(p, j): input p of sample j, the caller's rows read transposed */
    size_t prev_stride = net->layers[0].n_out;
    int prev_transposed = 1;
    for (size_t k = 1; k <= top; k++) {
        const struct nn_layer *l = &net->layers[k];
        double *z = job->work, *a = job->work + (1 + k % 2) * block;
        size_t c0, c1;
        nn__split(l->n_out, size, index, 8, &c0, &c1);
        if (c1 > c0)
            nn__product(net, nn__matrix(l->w + c0 * l->n_in, c1 - c0, l->n_in, l->n_in),
                        (struct nn_matrix){prev, l->n_in, n, prev_stride, prev_transposed},
                        z + c0 * n, n, 0, pack);
        for (size_t i = c0; i < c1; i++) {
            double *zi = z + i * n, *ai = a + i * n;
            const double bias = l->b[l->bias_mode == NN_BIAS_SHARED ? 0 : i];
            for (size_t j = 0; j < n; j++)
                zi[j] += bias;
            nn__activate(net->kernels, l, zi, ai, n); /* elementwise: predict_unit_major */
            if (!nn__max_finite(net->kernels->max_abs(n, ai)))
                job->diverged[index] = 1;
            if (k == top && job->outputs != NULL)
                for (size_t j = 0; j < n; j++)
                    job->outputs[j * l->n_out + i] = ai[j];
        }
        if (k < top)
            nn__team_sync(team);
        prev = a;
        prev_stride = n;
        prev_transposed = 0;
    }
}

/* Whether nn_predict() of n rows takes predict_part(): only activations
   that work unit by unit (a vector one such as softmax, or a custom one,
   reads a sample's units as a whole, so it needs them side by side), and no product that the CBLAS would serve (it
   may round differently with the operands swapped). */
static int predict_unit_major(const nn_t *net, size_t n)
{
    if (n < 2)
        return 0;
    for (size_t k = 1; k < net->n_layers; k++) {
        const struct nn_layer *l = &net->layers[k];
        if (nn__activation_takes_rows(l) ||
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
    return net == NULL || n == 0 ? 0 : workspace_doubles(net, n, nn__team_size(net, n));
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
    nn_status status = nn__check_rows(net, n, n_in, inputs, NULL);
    if (status == NN_OK)
        status = nn__check_outputs(n, n_in, inputs, n_out, outputs, workspace, workspace_size);
    if (status == NN_OK && net->scaling != NULL && !nn__scaled_rows_finite(net, n, inputs))
        status = NN_ERR_NOT_FINITE;
    if (status != NN_OK)
        return status;
    /* as many threads as the workspace has packing areas for */
    size_t threads = nn__team_size(net, n);
    while (threads > 1 && workspace_size < workspace_doubles(net, n, threads))
        threads--;
    double *work = nn__line_aligned(workspace);
    /* Outputs over the inputs: members of a team would write outputs over
       inputs that others still read (the first layer reads the inputs while
       the top layer, the same one in a network of two layers, writes), so
       the top layer leaves them in the workspace and they are copied once
       the team is done. Either way every value is computed alike. */
    const int in_place = outputs == inputs;
    const int unit_major = predict_unit_major(net, n);
    /* Scaled inputs go where layer 0's outputs would: the block that the
       second layer's outputs take, after the first layer has read it. */
    if (net->scaling != NULL && nn__scale_input_rows(net, n, inputs, work + work_block(net, n)))
        inputs = work + work_block(net, n);
    struct nn__forward_job job = {net, n, inputs, NULL, work, work_block(net, n),
                                  in_place ? NULL : outputs, NULL, 0, {0}};
    if (n > 1) {
        job.packs = work + 3 * work_block(net, n);
        job.pack_stride = nn__gemm_pack_doubles(n > net->max_size ? n : net->max_size);
    }
    nn__team_run(threads, unit_major ? predict_part : nn__forward_part, &job);
    for (size_t i = 0; i < NN_MAX_THREADS; i++)
        if (job.diverged[i])
            return NN_ERR_DIVERGED;
    if (in_place)
        copy_outputs(net, n, work, unit_major, outputs);
    if (net->scaling != NULL)
        nn__unscale_output_rows(net, n, outputs);
    return NN_OK;
}

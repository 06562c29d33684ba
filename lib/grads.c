/* The gradients: their accumulators and the weight gradients that
   nn_backward() defers, the blocks of (parameters, gradients) in the flat
   order, the plain step nn_step(), and the calls that read, write or clear
   the gradients.

   Deferred weight gradients: the gradient of one sample's weights is the
   outer product delta a_prev^T, and the layers keep both factors after
   nn_backward(). When the stored weight gradients are all 0, nn_backward()
   therefore writes only the bias gradients and leaves the weights'
   deferred; nn_step() then applies the outer product straight to the
   weights (what nn_train_sample() does) and has no gradient array to read
   or clear. Every call that overwrites the factors (a forward pass), adds to
   the gradients or reads them settles or reads the deferred values first,
   computed with the same kernel as nn_backward() would have used, so every
   result is as if they had been written at once. */
#include "internal.h"
#include "bounds.h"
#include "grads.h"
#include "tiny_calls.h"
#include "versions.h"

#include <math.h>
#include <string.h>

/* g (n_out x n_in) += layer k's deferred weight gradients */
static void add_deferred(const nn_t *net, size_t k, double *g)
{
    const struct nn_layer *l = &net->layers[k];
    net->kernels->ger_add(l->n_out, l->n_in, l->delta, net->layers[k - 1].a, g);
}

void nn__grads_settle_deferred(nn_t *net)
{
    for (size_t k = 1; k < net->n_layers; k++)
        add_deferred(net, k, net->layers[k].gw);
    net->grads_state = NN_GRADS_WRITTEN;
}

double nn__weight_grad(const nn_t *net, size_t k, size_t j, size_t i)
{
    const struct nn_layer *l = &net->layers[k];
    const double g = l->gw[j * l->n_in + i];
    if (net->grads_state != NN_GRADS_DEFERRED)
        return g;
    return g + l->delta[j] * net->layers[k - 1].a[i]; /* as ger_add adds it */
}

/* ---- the flat order ---- */

size_t nn__flat_count(const nn_t *net)
{
    size_t count = 0;
    for (size_t k = 1; k < net->n_layers; k++)
        count += net->layers[k].n_out * net->layers[k].n_in + nn__bias_count(&net->layers[k]);
    return count;
}

/* Copies between the flat order and the parameters or the stored
   gradients: the blocks of weights and biases, which are contiguous there
   (one after the other, as in the flat order). to_flat selects the
   direction. */
void nn__flat_copy(const nn_t *net, int grads, double *flat, int to_flat)
{
    size_t at = 0;
    for (size_t k = 1; k < net->n_layers; k++) {
        struct nn_block b[NN_BLOCKS_PER_LAYER];
        at = nn__layer_blocks(net, k, at, b);
        const struct nn_block *w = &b[NN_BLOCK_WEIGHTS];
        double *stored = grads ? w->grads : w->params;
        const size_t bytes = (w->count + b[NN_BLOCK_BIASES].count) * sizeof(double);
        if (to_flat)
            memcpy(flat + w->flat, stored, bytes);
        else
            memcpy(stored, flat + w->flat, bytes);
    }
}

/* ---- reading and writing the gradients ---- */

nn_status nn_get_weight_grads(const nn_t *net, size_t layer, double *g, size_t count)
{
    nn_status status = nn__check_layer_copy(net, g, layer, count, 0);
    if (status != NN_OK)
        return status;
    memcpy(g, net->layers[layer].gw, count * sizeof(double));
    if (net->grads_state == NN_GRADS_DEFERRED)
        add_deferred(net, layer, g);
    return NN_OK;
}

nn_status nn_get_bias_grads(const nn_t *net, size_t layer, double *g, size_t count)
{
    nn_status status = nn__check_layer_copy(net, g, layer, count, 1);
    if (status == NN_OK)
        memcpy(g, net->layers[layer].gb, count * sizeof(double));
    return status;
}

nn_status nn_get_grads(const nn_t *net, double *grads, size_t count)
{
    nn_status status = nn__check_flat(net, grads, count);
    if (status != NN_OK)
        return status;
    nn__flat_copy(net, 1, grads, 1);
    if (net->grads_state == NN_GRADS_DEFERRED) {
        size_t at = 0;
        for (size_t k = 1; k < net->n_layers; k++) {
            struct nn_block b[NN_BLOCKS_PER_LAYER];
            at = nn__layer_blocks(net, k, at, b);
            add_deferred(net, k, grads + b[NN_BLOCK_WEIGHTS].flat);
        }
    }
    return NN_OK;
}

nn_status nn_set_grads(nn_t *net, const double *grads, size_t count)
{
    nn_status status = nn__check_flat_values(net, grads, count);
    if (status != NN_OK)
        return status;
    nn__flat_copy(net, 1, (double *)grads, 0);
    net->grads_state = NN_GRADS_WRITTEN; /* the deferred ones are replaced */
    nn__grads_replaced(net);
    return NN_OK;
}

nn_status nn_zero_grads(nn_t *net)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    memset(net->grads, 0, net->n_storage * sizeof(double));
    net->grads_state = NN_GRADS_ZERO;
    for (size_t k = 1; k < net->n_layers; k++)
        nn__grads_cleared(&net->layers[k]);
    return NN_OK;
}

/* ---- the plain step ---- */

/* p -= rate g (unless frozen), then g = 0, one block at a time: each block of
   g is cleared while it is still in the L1 cache, so the step and the clear
   take one sweep over g, not two. The same arithmetic as one axpy call. */
#define NN_STEP_BLOCK 512
static void step_and_clear(const nn_t *net, size_t n, double rate, double *g, double *p,
                           int frozen)
{
    for (size_t i = 0; i < n; i += NN_STEP_BLOCK) {
        const size_t len = n - i < NN_STEP_BLOCK ? n - i : NN_STEP_BLOCK;
        if (!frozen)
            net->kernels->axpy(len, -rate, g + i, p + i);
        memset(g + i, 0, len * sizeof(double));
    }
}

/* The bound of what nn_step() subtracts from layer l's parameters, given
   the magnitude of the rate. */
static double step_bound(const struct nn_layer *l, double abs_rate)
{
    return l->frozen_weights && l->frozen_biases ? 0.0 : abs_rate * l->grad_bound;
}

/* nn_step() after the checks of its arguments: every layer's check before
   any is written, then every layer's update. Through the kernels when cap
   is 0, else on the tiny path with the bounds `cap` and `top` of
   TINY_DISPATCH. */
static TINY_INLINE nn_status step_bounded(nn_t *net, double learning_rate, const size_t cap,
                                          const size_t top)
{
    const double abs_rate = fabs(learning_rate);
    TINY_UNROLL
    for (size_t k = 1; k <= top; k++) {
        const struct nn_layer *l = &net->layers[k];
        const double bound = nn__param_bound(net, k);
        const double g = nn__grad_bound(net, k);
        const int moves = !(l->frozen_weights && l->frozen_biases);
        if (!net->unchecked && moves &&
            (g > NN_BOUND_LIMIT || !nn__bound_fits(bound, step_bound(l, abs_rate))))
            return NN_ERR_DIVERGED;
    }
    const int deferred = net->grads_state == NN_GRADS_DEFERRED;
    size_t flat = 0;
    TINY_UNROLL
    for (size_t k = 1; k <= top; k++) {
        struct nn_layer *l = &net->layers[k];
        if (cap) {
            nn__tiny_step(net, k, learning_rate, deferred, cap);
        } else {
            struct nn_block b[NN_BLOCKS_PER_LAYER];
            flat = nn__layer_blocks(net, k, flat, b);
            const struct nn_block *w = &b[NN_BLOCK_WEIGHTS], *bias = &b[NN_BLOCK_BIASES];
            if (!deferred)
                step_and_clear(net, w->count, learning_rate, w->grads, w->params, w->frozen);
            else if (!w->frozen) /* w -= rate (delta a_prev^T); gw is already 0 */
                net->kernels->ger_step(l->n_out, l->n_in, learning_rate, l->delta,
                                       net->layers[k - 1].a, w->params);
            step_and_clear(net, bias->count, learning_rate, bias->grads, bias->params,
                           bias->frozen);
            /* a shared bias leaves the other slots of its gradient unused: 0 */
            memset(b[NN_BLOCK_UNUSED].grads, 0, b[NN_BLOCK_UNUSED].count * sizeof(double));
        }
        nn__params_grew(l, step_bound(l, abs_rate));
        nn__grads_cleared(l);
    }
    net->grads_state = NN_GRADS_ZERO;
    nn__params_changed(net);
    return NN_OK;
}

static TINY_OUT_OF_LINE nn_status step_kernels(nn_t *net, double learning_rate)
{
    return step_bounded(net, learning_rate, 0, net->n_layers - 1);
}

#define STEP(cap, top, logistic) step_bounded(net, learning_rate, cap, top)
TINY_ATTR nn_status nn_step(nn_t *net, double learning_rate)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (!nn__all_finite(&learning_rate, 1))
        return NN_ERR_NOT_FINITE;
    return nn__is_tiny(net) ? TINY_DISPATCH(net, STEP) : step_kernels(net, learning_rate);
}
#undef STEP

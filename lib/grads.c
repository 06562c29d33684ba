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
#include "versions.h"

#include <string.h>

/* g (n_out x n_in) += layer k's deferred weight gradients */
static void add_deferred(const nn_t *net, size_t k, double *g)
{
    const struct nn_layer *l = &net->layers[k];
    net->kernels->ger_add(l->n_out, l->n_in, l->delta, net->layers[k - 1].a, g);
}

void nn__grads_settle(nn_t *net)
{
    if (net->grads_state != NN_GRADS_DEFERRED)
        return;
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

/* ---- the blocks ---- */

/* Block `kind` of layer k, which starts at `flat` in the flat order. */
static void block_of(const nn_t *net, size_t k, int kind, size_t flat, struct nn_block *b)
{
    const struct nn_layer *l = &net->layers[k];
    const size_t n_biases = nn__bias_count(l);
    b->index = (k - 1) * NN_BLOCKS_PER_LAYER + (size_t)kind;
    b->layer = k;
    b->kind = kind;
    b->flat = flat;
    switch (kind) {
    case NN_BLOCK_WEIGHTS:
        b->frozen = l->frozen_weights;
        b->count = l->n_out * l->n_in;
        b->params = l->w;
        b->grads = l->gw;
        break;
    case NN_BLOCK_BIASES:
        b->frozen = l->frozen_biases;
        b->count = n_biases;
        b->params = l->b;
        b->grads = l->gb;
        break;
    default:
        b->frozen = 1;
        b->count = l->n_out - n_biases;
        b->params = l->b + n_biases;
        b->grads = l->gb + n_biases;
        break;
    }
}

void nn__block_first(const nn_t *net, struct nn_block *b)
{
    block_of(net, 1, NN_BLOCK_WEIGHTS, 0, b);
}

int nn__block_next(const nn_t *net, struct nn_block *b)
{
    const size_t flat = b->kind == NN_BLOCK_UNUSED ? b->flat : b->flat + b->count;
    if (b->kind != NN_BLOCK_UNUSED) {
        block_of(net, b->layer, b->kind + 1, flat, b);
        return 1;
    }
    if (b->layer + 1 >= net->n_layers)
        return 0;
    block_of(net, b->layer + 1, NN_BLOCK_WEIGHTS, flat, b);
    return 1;
}

size_t nn__flat_count(const nn_t *net)
{
    size_t count = 0;
    for (size_t k = 1; k < net->n_layers; k++)
        count += net->layers[k].n_out * net->layers[k].n_in + nn__bias_count(&net->layers[k]);
    return count;
}

void nn__flat_get(const nn_t *net, int grads, double *flat)
{
    struct nn_block b;
    nn__block_first(net, &b);
    do {
        if (b.kind != NN_BLOCK_UNUSED)
            memcpy(flat + b.flat, grads ? b.grads : b.params, b.count * sizeof(double));
    } while (nn__block_next(net, &b));
}

void nn__flat_set(nn_t *net, int grads, const double *flat)
{
    struct nn_block b;
    nn__block_first(net, &b);
    do {
        if (b.kind != NN_BLOCK_UNUSED)
            memcpy(grads ? b.grads : b.params, flat + b.flat, b.count * sizeof(double));
    } while (nn__block_next(net, &b));
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
    nn__flat_get(net, 1, grads);
    if (net->grads_state == NN_GRADS_DEFERRED) {
        struct nn_block b;
        nn__block_first(net, &b);
        do {
            if (b.kind == NN_BLOCK_WEIGHTS)
                add_deferred(net, b.layer, grads + b.flat);
        } while (nn__block_next(net, &b));
    }
    return NN_OK;
}

nn_status nn_set_grads(nn_t *net, const double *grads, size_t count)
{
    nn_status status = nn__check_flat(net, grads, count);
    if (status != NN_OK)
        return status;
    if (!nn__all_finite(grads, count))
        return NN_ERR_NOT_FINITE;
    nn__flat_set(net, 1, grads);
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

/* The bound of what nn_step() subtracts from layer l's parameters. */
static double step_bound(const struct nn_layer *l, double rate)
{
    const double r = rate < 0.0 ? -rate : rate;
    return l->frozen_weights && l->frozen_biases ? 0.0 : r * l->grad_bound;
}

nn_status nn_step(nn_t *net, double learning_rate)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (!nn__all_finite(&learning_rate, 1))
        return NN_ERR_NOT_FINITE;
    /* every layer's check before any is written */
    for (size_t k = 1; k < net->n_layers; k++) {
        const struct nn_layer *l = &net->layers[k];
        const double bound = nn__param_bound(net, k);
        const double g = nn__grad_bound(net, k);
        const int moves = !(l->frozen_weights && l->frozen_biases);
        if (!net->unchecked && moves &&
            (g > NN_BOUND_LIMIT || !nn__bound_fits(bound, step_bound(l, learning_rate))))
            return NN_ERR_DIVERGED;
    }
    const int deferred = net->grads_state == NN_GRADS_DEFERRED;
    struct nn_block b;
    nn__block_first(net, &b);
    do {
        struct nn_layer *l = &net->layers[b.layer];
        if (b.kind == NN_BLOCK_WEIGHTS && deferred) {
            if (!b.frozen) /* w -= rate (delta a_prev^T); gw is already 0 */
                net->kernels->ger_step(l->n_out, l->n_in, learning_rate, l->delta,
                                       net->layers[b.layer - 1].a, b.params);
        } else if (b.kind != NN_BLOCK_UNUSED) {
            step_and_clear(net, b.count, learning_rate, b.grads, b.params, b.frozen);
        } else {
            /* a shared bias leaves the other slots of its gradient unused: 0 */
            memset(b.grads, 0, b.count * sizeof(double));
            nn__params_grew(l, step_bound(l, learning_rate));
            nn__grads_cleared(l);
        }
    } while (nn__block_next(net, &b));
    net->grads_state = NN_GRADS_ZERO;
    nn__params_changed(net);
    return NN_OK;
}

#ifndef BACKPROP_GRADS_H
#define BACKPROP_GRADS_H

#include "internal.h"

/* The gradients (grads.c owns them) and the blocks of (parameters,
   gradients) that a step iterates over. Not installed.

   The weight gradients of one sample can stay deferred: nn_backward() on
   zero weight gradients leaves them as the outer product delta a_prev^T of
   the layers' arrays (see grads.c). */
enum nn_grads_state {
    NN_GRADS_ZERO,     /* every stored weight gradient is 0, none deferred */
    NN_GRADS_DEFERRED, /* the weight gradients are deferred (those stored are 0) */
    NN_GRADS_WRITTEN   /* stored weight gradients may be nonzero, none deferred */
};
/* Writes deferred gradients into the accumulators (a no-op when none are):
   before a call overwrites the arrays they are read from, or adds to the
   accumulators. */
void nn__grads_settle_deferred(nn_t *net);
static inline void nn__grads_settle(nn_t *net)
{
    if (net->grads_state == NN_GRADS_DEFERRED) /* inline: every pass asks */
        nn__grads_settle_deferred(net);
}
/* Whether nn_backward() may defer the weight gradients (none are stored),
   and the record that it did or wrote them. */
static inline int nn__grads_may_defer(const nn_t *net)
{
    return net->grads_state != NN_GRADS_WRITTEN;
}
static inline void nn__grads_set(nn_t *net, enum nn_grads_state state)
{
    net->grads_state = (int)state;
}
/* The gradient of weight (j, i) of layer k, deferred or stored, without
   changing the network. */
double nn__weight_grad(const nn_t *net, size_t k, size_t j, size_t i);

/* One block of parameters with their gradients, contiguous in both arrays.
   Each layer k >= 1 has three, in this order: its weights, its biases (one
   for a shared bias) and the slots a shared bias leaves unused (none when
   per neuron; kept at 0 in both arrays). The blocks of weights and biases,
   layer after layer, are the flat order of nn_get_params(). `index`
   (3 (k - 1) + kind) names a block for the life of the network, so that an
   optimiser can keep state (and step counts) per block. The stored
   gradients of a block of weights are not its gradients while they are
   deferred (nn__grads_settle()). */
enum nn_block_kind { NN_BLOCK_WEIGHTS, NN_BLOCK_BIASES, NN_BLOCK_UNUSED };
#define NN_BLOCKS_PER_LAYER 3
struct nn_block {
    size_t index;    /* 3 (layer - 1) + kind */
    size_t layer;    /* 1 .. n_layers - 1 */
    int kind;        /* enum nn_block_kind */
    int frozen;      /* the step leaves these parameters alone (always for NN_BLOCK_UNUSED) */
    size_t flat;     /* position of params[0] in the flat order (NN_BLOCK_UNUSED: after the layer) */
    size_t count;    /* parameters in the block (0 for NN_BLOCK_UNUSED per neuron) */
    double *params;
    double *grads;
};
static inline void nn__block_set(struct nn_block *b, size_t k, int kind, int frozen, size_t flat,
                                 size_t count, double *params, double *grads)
{
    b->index = (k - 1) * NN_BLOCKS_PER_LAYER + (size_t)kind;
    b->layer = k;
    b->kind = kind;
    b->frozen = frozen;
    b->flat = flat;
    b->count = count;
    b->params = params;
    b->grads = grads;
}
/* The iteration over every block: layer k's three blocks, given where the
   layer starts in the flat order; returns where the next layer starts.
       size_t flat = 0;
       for (size_t k = 1; k < net->n_layers; k++) {
           struct nn_block b[NN_BLOCKS_PER_LAYER];
           flat = nn__layer_blocks(net, k, flat, b);
           ...
       }
   Inline, so that a step on a tiny network pays for no field it ignores. */
static inline size_t nn__layer_blocks(const nn_t *net, size_t k, size_t flat,
                                      struct nn_block b[NN_BLOCKS_PER_LAYER])
{
    const struct nn_layer *l = &net->layers[k];
    const size_t n_weights = l->n_out * l->n_in, n_biases = nn__bias_count(l);
    nn__block_set(&b[NN_BLOCK_WEIGHTS], k, NN_BLOCK_WEIGHTS, l->frozen_weights, flat, n_weights,
                  l->w, l->gw);
    nn__block_set(&b[NN_BLOCK_BIASES], k, NN_BLOCK_BIASES, l->frozen_biases, flat + n_weights,
                  n_biases, l->b, l->gb);
    flat += n_weights + n_biases;
    nn__block_set(&b[NN_BLOCK_UNUSED], k, NN_BLOCK_UNUSED, 1, flat, l->n_out - n_biases,
                  l->b + n_biases, l->gb + n_biases);
    return flat;
}

/* Calls fn(block, context) for each block of weights or biases that a step
   moves (not frozen), in the flat order: the loop of the calls that read or
   change only those (clipping, optimisers' bookkeeping). */
static inline void nn__each_moving_block(const nn_t *net,
                                         void (*fn)(const struct nn_block *b, void *context),
                                         void *context)
{
    size_t flat = 0;
    for (size_t k = 1; k < net->n_layers; k++) {
        struct nn_block b[NN_BLOCKS_PER_LAYER];
        flat = nn__layer_blocks(net, k, flat, b);
        for (int kind = NN_BLOCK_WEIGHTS; kind <= NN_BLOCK_BIASES; kind++)
            if (!b[kind].frozen)
                fn(&b[kind], context);
    }
}

/* The values in the flat order: their count, the checks of a caller's
   array of them (pointers and count; and with _values, every value finite),
   and the copies between it and the parameters (grads 0) or the stored
   gradients (grads 1), to_flat selecting the direction (`flat` is only read
   when to_flat is 0). */
size_t nn__flat_count(const nn_t *net);
static inline nn_status nn__check_flat(const nn_t *net, const void *data, size_t count)
{
    if (net == NULL || data == NULL)
        return NN_ERR_NULL_ARG;
    return count == nn__flat_count(net) ? NN_OK : NN_ERR_COUNT;
}
static inline nn_status nn__check_flat_values(const nn_t *net, const double *values,
                                              size_t count)
{
    nn_status status = nn__check_flat(net, values, count);
    if (status == NN_OK && !nn__all_finite(values, count))
        status = NN_ERR_NOT_FINITE;
    return status;
}
void nn__flat_copy(const nn_t *net, int grads, double *flat, int to_flat);

#endif

/* The passes: forward, loss, backward (standard, sequential and fused), step,
   and inspection of what the last passes computed. */
#include "internal.h"

#include <string.h>

/* How the backward pass uses each layer's gradient. */
enum backward_mode {
    ACCUMULATE, /* add it to the accumulators (nn_backward) */
    SEQUENTIAL, /* apply it at once, before propagating through the layer */
    FUSED       /* apply it at once, after propagating through the old weights */
};

/* ---- deferred weight gradients ----
   The gradient of one sample's weights is the outer product delta a_prev^T,
   and the layers keep both factors after nn_backward(). When the stored
   weight gradients are all 0, nn_backward() therefore writes only the bias
   gradients and leaves the weights' deferred; nn_step() then applies the
   outer product straight to the weights (what nn_train_sample() does) and has
   no gradient array to read or clear. Every call that overwrites the factors
   (a forward pass), adds to the gradients or reads them settles or reads the
   deferred values first, computed with the same kernel as nn_backward()
   would have used, so every result is as if they had been written at once. */

void nn__grads_settle(nn_t *net)
{
    if (!net->grads_deferred)
        return;
    for (size_t k = 1; k < net->n_layers; k++)
        nn__grads_add_deferred(net, k, net->layers[k].gw);
    net->grads_deferred = 0;
    net->grads_written = 1;
}

void nn__grads_add_deferred(const nn_t *net, size_t k, double *g)
{
    const struct nn_layer *l = &net->layers[k];
    net->kernels->ger_add(l->n_out, l->n_in, l->delta, net->layers[k - 1].a, g);
}

static void forward_pass(nn_t *net, const double *input)
{
    nn__grads_settle(net); /* the pass overwrites the deferred factors */
    memcpy(net->layers[0].a, input, net->layers[0].n_out * sizeof(double));
    const int stream = nn__weights_stream(net);
    for (size_t k = 1; k < net->n_layers; k++) {
        struct nn_layer *l = &net->layers[k];
        if (stream)
            net->kernels->gemv_stream(l->n_out, l->n_in, l->w, net->layers[k - 1].a, l->z);
        else
            net->kernels->gemv(l->n_out, l->n_in, l->w, net->layers[k - 1].a, l->z);
        if (l->bias_mode == NN_BIAS_SHARED) {
            for (size_t j = 0; j < l->n_out; j++)
                l->z[j] += l->b[0];
        } else {
            nn__vec_add(l->n_out, l->b, l->z);
        }
        if (l->activation == NN_ACT_SIGMOID && l->n_out >= NN_VECTOR_SIGMOID_MIN)
            net->kernels->sigmoid(l->n_out, l->z, l->a);
        else
            nn__activate(l, l->z, l->a, l->n_out);
    }
    net->have_forward = 1;
    if (net->stale)
        net->batch_stale = 1; /* the last batch predates the change */
    net->stale = 0;
    net->single_stale = 0;
    net->have_backward = 0;
}

/* delta *= f'(z) for layer l, using the scratch buffer. */
static void scale_by_derivative(nn_t *net, struct nn_layer *l)
{
    nn__activation_deriv(l, l->z, l->a, net->scratch, l->n_out);
    nn__vec_mul(l->n_out, net->scratch, l->delta);
}

static void apply_update(const nn_t *net, struct nn_layer *l, const double *a_prev, double rate,
                         int weights_done)
{
    if (!l->frozen_weights && !weights_done)
        net->kernels->ger_step(l->n_out, l->n_in, rate, l->delta, a_prev, l->w);
    if (!l->frozen_biases) {
        if (l->bias_mode == NN_BIAS_SHARED) {
            l->b[0] -= rate * nn__sum(l->n_out, l->delta);
        } else {
            for (size_t j = 0; j < l->n_out; j++)
                l->b[j] -= rate * l->delta[j];
        }
    }
}

static void accumulate(const nn_t *net, struct nn_layer *l, const double *a_prev)
{
    if (!net->grads_deferred)
        net->kernels->ger_add(l->n_out, l->n_in, l->delta, a_prev, l->gw);
    if (l->bias_mode == NN_BIAS_SHARED)
        l->gb[0] += nn__sum(l->n_out, l->delta);
    else
        nn__vec_add(l->n_out, l->delta, l->gb);
}

/* The one backward pass. Deltas are computed from the top down; the only
   difference between the rules is when a layer's update happens relative to
   propagating its deltas to the layer below. */
static void backward_pass(nn_t *net, const double *target, enum backward_mode mode, double rate)
{
    const size_t top = net->n_layers - 1;
    struct nn_layer *out = &net->layers[top];
    if (mode == ACCUMULATE) {
        /* defer the weight gradients when none are stored (see above) */
        nn__grads_settle(net);
        net->grads_deferred = !net->grads_written;
    }
    nn__loss_grad(net->loss, out->n_out, out->a, target, out->delta);
    scale_by_derivative(net, out);
    for (size_t k = top; k >= 1; k--) {
        struct nn_layer *l = &net->layers[k];
        struct nn_layer *below = &net->layers[k - 1];
        int weights_done = 0;
        if (mode == ACCUMULATE)
            accumulate(net, l, below->a);
        else if (mode == SEQUENTIAL)
            apply_update(net, l, below->a, rate, 0);
        if (k > 1) {
            if (mode == FUSED && !l->frozen_weights) {
                /* propagate through the old weights and update them in one sweep */
                net->kernels->gemv_t_ger_step(l->n_out, l->n_in, rate, l->delta, below->a, l->w,
                                              below->delta);
                weights_done = 1;
            } else {
                net->kernels->gemv_t(l->n_out, l->n_in, l->w, l->delta, below->delta);
            }
            scale_by_derivative(net, below);
        }
        if (mode == FUSED)
            apply_update(net, l, below->a, rate, weights_done);
    }
    net->have_backward = 1;
    if (mode != ACCUMULATE)
        net->stale = 1;
}

static nn_status check_ready(const nn_t *net)
{
    if (!net->have_forward)
        return NN_ERR_NO_FORWARD;
    return net->stale || net->single_stale ? NN_ERR_STALE_FORWARD : NN_OK;
}

static int rate_ok(double rate)
{
    return nn__all_finite(&rate, 1);
}

nn_status nn_forward(nn_t *net, const double *input, double *output)
{
    if (net == NULL || input == NULL)
        return NN_ERR_NULL_ARG;
    if (!nn__all_finite(input, net->layers[0].n_out))
        return NN_ERR_NOT_FINITE;
    forward_pass(net, input);
    if (output != NULL) {
        const struct nn_layer *out = &net->layers[net->n_layers - 1];
        memcpy(output, out->a, out->n_out * sizeof(double));
    }
    return NN_OK;
}

nn_status nn_loss(const nn_t *net, const double *target, double *loss)
{
    if (net == NULL || target == NULL || loss == NULL)
        return NN_ERR_NULL_ARG;
    nn_status status = check_ready(net);
    if (status != NN_OK)
        return status;
    const struct nn_layer *out = &net->layers[net->n_layers - 1];
    if (!nn__all_finite(target, out->n_out))
        return NN_ERR_NOT_FINITE;
    *loss = nn__loss_value(net->loss, out->n_out, out->a, target);
    return NN_OK;
}

nn_status nn_backward(nn_t *net, const double *target)
{
    if (net == NULL || target == NULL)
        return NN_ERR_NULL_ARG;
    nn_status status = check_ready(net);
    if (status != NN_OK)
        return status;
    if (!nn__all_finite(target, nn_output_count(net)))
        return NN_ERR_NOT_FINITE;
    backward_pass(net, target, ACCUMULATE, 0.0);
    return NN_OK;
}

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

nn_status nn_step(nn_t *net, double learning_rate)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (!rate_ok(learning_rate))
        return NN_ERR_NOT_FINITE;
    for (size_t k = 1; k < net->n_layers; k++) {
        struct nn_layer *l = &net->layers[k];
        if (!net->grads_deferred)
            step_and_clear(net, l->n_out * l->n_in, learning_rate, l->gw, l->w,
                           l->frozen_weights);
        else if (!l->frozen_weights) /* w -= rate (delta a_prev^T); gw is already 0 */
            net->kernels->ger_step(l->n_out, l->n_in, learning_rate, l->delta,
                                   net->layers[k - 1].a, l->w);
        const size_t n_biases = l->bias_mode == NN_BIAS_SHARED ? 1 : l->n_out;
        step_and_clear(net, n_biases, learning_rate, l->gb, l->b, l->frozen_biases);
        /* a shared bias leaves the other slots of its gradient unused: 0 */
        memset(l->gb + n_biases, 0, (l->n_out - n_biases) * sizeof(double));
    }
    net->grads_deferred = 0;
    net->grads_written = 0;
    net->stale = 1;
    return NN_OK;
}

/* nn__all_finite() for at most NN_TINY_LAYER values, the loop written out:
   its general form spends more on setting up than on checking so few. */
static int few_finite(const double *x, size_t n)
{
    const uint64_t exponent = 0x7ff0000000000000u, one = 0x0010000000000000u;
    uint64_t bad = 0;
    for (size_t i = 0; i < NN_TINY_LAYER; i++)
        if (i < n) {
            uint64_t b;
            memcpy(&b, x + i, sizeof b);
            bad |= (b & exponent) + one;
        }
    return (bad >> 63) == 0;
}

static nn_status train_one(nn_t *net, const double *input, const double *target, double rate,
                           enum backward_mode mode)
{
    if (net == NULL || input == NULL || target == NULL)
        return NN_ERR_NULL_ARG;
    const size_t n_in = net->layers[0].n_out, n_out = net->layers[net->n_layers - 1].n_out;
    if (mode == FUSED && net->max_size <= NN_TINY_LAYER) {
        /* the same two passes with the loops written out (tiny.c) */
        if (!rate_ok(rate) || !few_finite(input, n_in) || !few_finite(target, n_out))
            return NN_ERR_NOT_FINITE;
        nn__grads_settle(net);
        nn__train_tiny(net, input, target, rate);
        net->have_forward = 1;
        net->have_backward = 1;
        net->single_stale = 0;
        if (net->stale)
            net->batch_stale = 1;
        net->stale = 1;
        return NN_OK;
    }
    if (!rate_ok(rate) || !nn__all_finite(input, n_in) || !nn__all_finite(target, n_out))
        return NN_ERR_NOT_FINITE;
    forward_pass(net, input);
    backward_pass(net, target, mode, rate);
    return NN_OK;
}

nn_status nn_train_sequential(nn_t *net, const double *input, const double *target,
                              double learning_rate)
{
    return train_one(net, input, target, learning_rate, SEQUENTIAL);
}

nn_status nn_train_sample(nn_t *net, const double *input, const double *target,
                          double learning_rate)
{
    return train_one(net, input, target, learning_rate, FUSED);
}

/* ---- inspection ---- */

static nn_status inspect(const nn_t *net, size_t layer, size_t first_layer, void *dst,
                         size_t count)
{
    if (net == NULL || dst == NULL)
        return NN_ERR_NULL_ARG;
    if (layer < first_layer || layer >= net->n_layers)
        return NN_ERR_LAYER_RANGE;
    if (count != net->layers[layer].n_out)
        return NN_ERR_COUNT;
    return net->have_forward ? NN_OK : NN_ERR_NO_FORWARD;
}

nn_status nn_get_net_inputs(const nn_t *net, size_t layer, double *z, size_t count)
{
    nn_status status = inspect(net, layer, 1, z, count);
    if (status == NN_OK)
        memcpy(z, net->layers[layer].z, count * sizeof(double));
    return status;
}

nn_status nn_get_outputs(const nn_t *net, size_t layer, double *a, size_t count)
{
    nn_status status = inspect(net, layer, 0, a, count);
    if (status == NN_OK)
        memcpy(a, net->layers[layer].a, count * sizeof(double));
    return status;
}

nn_status nn_get_deltas(const nn_t *net, size_t layer, double *delta, size_t count)
{
    nn_status status = inspect(net, layer, 1, delta, count);
    if (status == NN_OK && !net->have_backward)
        status = NN_ERR_NO_BACKWARD;
    if (status == NN_OK)
        memcpy(delta, net->layers[layer].delta, count * sizeof(double));
    return status;
}

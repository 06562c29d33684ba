/* The passes: forward, loss, backward (standard, sequential and fused), step,
   and inspection of what the last passes computed. */
#include "internal.h"

#include <string.h>

/* How the training calls apply each layer's gradient. */
enum backward_mode {
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

/* ---- divergence: the bounds (see internal.h) ---- */

double nn__param_bound(nn_t *net, size_t k)
{
    struct nn_layer *l = &net->layers[k];
    if (!(l->param_bound >= 0.0)) {
        const double w = net->kernels->max_abs(l->n_out * l->n_in, l->w);
        const double b = net->kernels->max_abs(l->n_out, l->b);
        l->param_bound = w > b ? w : b;
    }
    return l->param_bound;
}

double nn__grad_bound(nn_t *net, size_t k)
{
    struct nn_layer *l = &net->layers[k];
    if (!(l->grad_bound >= 0.0)) { /* only nn_set_grads() leaves it unknown, never deferred */
        const double w = net->kernels->max_abs(l->n_out * l->n_in, l->gw);
        const double b = net->kernels->max_abs(l->n_out, l->gb);
        l->grad_bound = w > b ? w : b;
    }
    return l->grad_bound;
}

void nn__params_replaced(nn_t *net, size_t k)
{
    for (size_t i = 1; i < net->n_layers; i++)
        if (k == 0 || i == k)
            net->layers[i].param_bound = NN_BOUND_UNKNOWN;
}

int nn__update_fits(nn_t *net, size_t k, double add, double step)
{
    const double bound = nn__param_bound(net, k);
    if (!(add <= NN_BOUND_LIMIT) || !nn__bound_fits(bound, step))
        return 0;
    net->layers[k].param_bound = bound + step;
    return 1;
}

/* What bounds one value a layer's gradient adds per unit of its largest
   delta: the largest output of the layer below for a weight, 1 for a bias of
   its own unit, the unit count for a shared bias (the sum of the deltas).
   `w` and `b` select the parameters counted. */
static double grad_factor(const struct nn_layer *l, double a_max, int w, int b)
{
    double f = w ? a_max : 0.0;
    const double per_bias = l->bias_mode == NN_BIAS_SHARED ? (double)l->n_out : 1.0;
    return b && per_bias > f ? per_bias : f;
}

/* Runs the input (its largest magnitude `input_max`) forward. Returns 0, with
   no forward pass left to inspect, when an output of a layer is not finite
   (on a checked network). */
static int forward_pass(nn_t *net, const double *input, double input_max)
{
    nn__grads_settle(net); /* the pass overwrites the deferred factors */
    memcpy(net->layers[0].a, input, net->layers[0].n_out * sizeof(double));
    net->layers[0].a_max = input_max;
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
        l->a_max = net->kernels->max_abs(l->n_out, l->a);
        if (!nn__max_finite(l->a_max) && !net->unchecked) {
            net->have_forward = 0;
            net->have_backward = 0;
            return 0;
        }
    }
    net->have_forward = 1;
    if (net->stale)
        net->batch_stale = 1; /* the last batch predates the change */
    net->stale = 0;
    net->single_stale = 0;
    net->have_backward = 0;
    return 1;
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

/* The deltas of the top layer, their largest magnitude in delta_max. */
static void output_deltas(nn_t *net, const double *target)
{
    struct nn_layer *out = &net->layers[net->n_layers - 1];
    nn__loss_grad(net->loss, out->n_out, out->a, target, out->delta);
    scale_by_derivative(net, out);
    out->delta_max = net->kernels->max_abs(out->n_out, out->delta);
}

/* Whether layer k passes the checks of its deltas and of the bound of what
   its gradients would add (`rate` 1), or of its update (the step `rate`). */
static int layer_fits(nn_t *net, size_t k, double rate, int update)
{
    const struct nn_layer *l = &net->layers[k];
    const double bound = update ? nn__param_bound(net, k) : nn__grad_bound(net, k);
    if (net->unchecked)
        return 1;
    if (!nn__max_finite(l->delta_max))
        return 0;
    const double a_max = net->layers[k - 1].a_max;
    const double per_delta = update ? grad_factor(l, a_max, !l->frozen_weights, !l->frozen_biases)
                                    : grad_factor(l, a_max, 1, 1);
    const double add = l->delta_max * per_delta; /* also bounds each product delta_j a_i */
    return add <= NN_BOUND_LIMIT && nn__bound_fits(bound, rate * add);
}

/* nn_backward(): every delta, from the top down, then every check, then the
   gradients, so that a refusal leaves them as they were. */
static nn_status backward_accumulate(nn_t *net, const double *target)
{
    const size_t top = net->n_layers - 1;
    nn__grads_settle(net); /* the deferred values need this pass's arrays */
    net->have_backward = 0;
    output_deltas(net, target);
    for (size_t k = top; k > 1; k--) {
        struct nn_layer *l = &net->layers[k], *below = &net->layers[k - 1];
        net->kernels->gemv_t(l->n_out, l->n_in, l->w, l->delta, below->delta);
        scale_by_derivative(net, below);
        below->delta_max = net->kernels->max_abs(below->n_out, below->delta);
    }
    for (size_t k = top; k >= 1; k--)
        if (!layer_fits(net, k, 1.0, 0))
            return NN_ERR_DIVERGED;
    /* defer the weight gradients when none are stored (see above) */
    net->grads_deferred = !net->grads_written;
    for (size_t k = top; k >= 1; k--) {
        struct nn_layer *l = &net->layers[k];
        accumulate(net, l, net->layers[k - 1].a);
        l->grad_bound += l->delta_max * grad_factor(l, net->layers[k - 1].a_max, 1, 1);
    }
    net->have_backward = 1;
    return NN_OK;
}

/* The sequential and fused rules: from the top down, each layer's deltas and
   the bound of its update are checked before the layer is written, and the
   update is applied at once; the deltas below are propagated through the new
   weights (SEQUENTIAL) or through the old ones in the same sweep (FUSED).
   A lower layer that fails its check after an upper one was written leaves
   the upper one updated (every parameter finite). */
static nn_status backward_update(nn_t *net, const double *target, enum backward_mode mode,
                                 double rate)
{
    const size_t top = net->n_layers - 1;
    output_deltas(net, target);
    for (size_t k = top; k >= 1; k--) {
        struct nn_layer *l = &net->layers[k];
        struct nn_layer *below = &net->layers[k - 1];
        if (!layer_fits(net, k, rate < 0.0 ? -rate : rate, 1))
            return NN_ERR_DIVERGED;
        net->stale = 1;
        const double per_delta =
            grad_factor(l, below->a_max, !l->frozen_weights, !l->frozen_biases);
        l->param_bound += (rate < 0.0 ? -rate : rate) * (l->delta_max * per_delta);
        int weights_done = 0;
        if (mode == SEQUENTIAL)
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
            below->delta_max = net->kernels->max_abs(below->n_out, below->delta);
        }
        if (mode == FUSED)
            apply_update(net, l, below->a, rate, weights_done);
    }
    net->have_backward = 1;
    return NN_OK;
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
    const double input_max = net->kernels->max_abs(net->layers[0].n_out, input);
    if (!nn__max_finite(input_max))
        return NN_ERR_NOT_FINITE;
    if (!forward_pass(net, input, input_max))
        return NN_ERR_DIVERGED;
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
    return backward_accumulate(net, target);
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
    if (!rate_ok(learning_rate))
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
        l->param_bound += step_bound(l, learning_rate);
        l->grad_bound = 0.0;
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

/* The flags after nn__train_tiny(), as forward_pass() and backward_update()
   leave them. On a refusal the pass stays inspectable but for its deltas,
   unless an output was not finite (the forward pass failed), and a later
   nn_backward() gets its largest outputs for its checks. */
static nn_status after_tiny(nn_t *net, int result)
{
    net->have_forward = 1;
    net->have_backward = result == NN_TINY_DONE;
    net->single_stale = 0;
    if (net->stale)
        net->batch_stale = 1;
    net->stale = result != NN_TINY_REFUSED;
    if (result == NN_TINY_DONE)
        return NN_OK;
    for (size_t k = 0; k < net->n_layers; k++) {
        struct nn_layer *l = &net->layers[k];
        l->a_max = net->kernels->max_abs(l->n_out, l->a);
        if (!nn__max_finite(l->a_max))
            net->have_forward = 0;
    }
    return NN_ERR_DIVERGED;
}

static inline nn_status train_one(nn_t *net, const double *input, const double *target, double rate,
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
        return after_tiny(net, nn__train_tiny(net, input, target, rate));
    }
    const double input_max = net->kernels->max_abs(n_in, input);
    if (!rate_ok(rate) || !nn__max_finite(input_max) || !nn__all_finite(target, n_out))
        return NN_ERR_NOT_FINITE;
    if (!forward_pass(net, input, input_max))
        return NN_ERR_DIVERGED;
    return backward_update(net, target, mode, rate);
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

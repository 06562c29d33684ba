/* The passes: forward, loss, backward (standard, sequential and fused), step,
   and inspection of what the last passes computed. */
#include "internal.h"
#include "activation.h"
#include "loss.h"
#include "bounds.h"
#include "grads.h"
#include "scaling.h"
#include "tiny_calls.h"
#include "versions.h"

#include <string.h>

/* How the training calls apply each layer's gradient. */
enum backward_mode {
    SEQUENTIAL, /* apply it at once, before propagating through the layer */
    FUSED       /* apply it at once, after propagating through the old weights */
};

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
    if (nn__is_tiny(net)) {
        const int done = nn__forward_tiny(net, input, input_max);
        if (done)
            nn__forward_done(net);
        else
            nn__forward_lost(net);
        return done;
    }
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
        nn__activate(l->n_out >= NN_VECTOR_SIGMOID_MIN ? net->kernels : NULL, l, l->z, l->a,
                     l->n_out);
        l->a_max = net->kernels->max_abs(l->n_out, l->a);
        if (!nn__max_finite(l->a_max) && !net->unchecked) {
            nn__forward_lost(net);
            return 0;
        }
    }
    nn__forward_done(net);
    return 1;
}

/* delta = dE/dz from dE/da for layer l, using the scratch buffer. */
static void scale_by_derivative(nn_t *net, struct nn_layer *l)
{
    nn__activation_backward(l, l->z, l->a, l->delta, l->n_out, net->scratch);
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

static void accumulate(const nn_t *net, struct nn_layer *l, const double *a_prev, int defer)
{
    if (!defer)
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
    nn__output_delta(net->loss, out, out->z, out->a, target, out->delta, net->scratch);
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
    nn__backward_lost(net);
    if (nn__is_tiny(net)) {
        nn__deltas_tiny(net, target);
    } else {
        output_deltas(net, target);
        for (size_t k = top; k > 1; k--) {
            struct nn_layer *l = &net->layers[k], *below = &net->layers[k - 1];
            net->kernels->gemv_t(l->n_out, l->n_in, l->w, l->delta, below->delta);
            scale_by_derivative(net, below);
            below->delta_max = net->kernels->max_abs(below->n_out, below->delta);
        }
    }
    for (size_t k = top; k >= 1; k--)
        if (!layer_fits(net, k, 1.0, 0))
            return NN_ERR_DIVERGED;
    /* defer the weight gradients when none are stored (see grads.c) */
    const int defer = nn__grads_may_defer(net);
    nn__grads_set(net, defer ? NN_GRADS_DEFERRED : NN_GRADS_WRITTEN);
    if (nn__is_tiny(net))
        nn__accumulate_tiny(net, defer);
    for (size_t k = top; k >= 1; k--) {
        struct nn_layer *l = &net->layers[k];
        if (!nn__is_tiny(net))
            accumulate(net, l, net->layers[k - 1].a, defer);
        nn__grads_grew(l, l->delta_max * grad_factor(l, net->layers[k - 1].a_max, 1, 1));
    }
    nn__backward_done(net);
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
        nn__params_changed(net);
        const double per_delta =
            grad_factor(l, below->a_max, !l->frozen_weights, !l->frozen_biases);
        nn__params_grew(l, (rate < 0.0 ? -rate : rate) * (l->delta_max * per_delta));
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
    nn__backward_done(net);
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

static int rate_ok(double rate)
{
    return nn__all_finite(&rate, 1);
}

nn_status nn_forward(nn_t *net, const double *input, double *output)
{
    if (net == NULL || input == NULL)
        return NN_ERR_NULL_ARG;
    if (net->scaling != NULL) { /* the pass runs on the scaled input */
        const nn_status status = nn__scale_input(net, &input);
        if (status != NN_OK)
            return status;
    }
    const size_t n_in = net->layers[0].n_out;
    const double input_max = nn__is_tiny(net) ? nn__magnitude(nn__magnitude_bits(0, 0, n_in, input))
                                              : net->kernels->max_abs(n_in, input);
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
    nn_status status = nn__forward_ready(net);
    if (status != NN_OK)
        return status;
    const struct nn_layer *out = &net->layers[net->n_layers - 1];
    if (!nn__all_finite(target, out->n_out))
        return NN_ERR_NOT_FINITE;
    *loss = nn__loss_value(net->loss, out, out->z, out->a, target);
    return NN_OK;
}

nn_status nn_backward(nn_t *net, const double *target)
{
    if (net == NULL || target == NULL)
        return NN_ERR_NULL_ARG;
    nn_status status = nn__forward_ready(net);
    if (status != NN_OK)
        return status;
    const size_t n_out = net->layers[net->n_layers - 1].n_out;
    if (nn__is_tiny(net) ? !few_finite(target, n_out) : !nn__all_finite(target, n_out))
        return NN_ERR_NOT_FINITE;
    return backward_accumulate(net, target);
}

/* The flags after nn__train_tiny(), as forward_pass() and backward_update()
   leave them. On a refusal the pass stays inspectable but for its deltas,
   unless an output was not finite (the forward pass failed), and a later
   nn_backward() gets its largest outputs for its checks. */
static nn_status after_tiny(nn_t *net, int result)
{
    nn__forward_done(net);
    if (result != NN_TINY_REFUSED)
        nn__params_changed(net);
    if (result == NN_TINY_DONE) {
        nn__backward_done(net);
        return NN_OK;
    }
    for (size_t k = 0; k < net->n_layers; k++) {
        struct nn_layer *l = &net->layers[k];
        l->a_max = net->kernels->max_abs(l->n_out, l->a);
        if (!nn__max_finite(l->a_max))
            nn__forward_lost(net);
    }
    return NN_ERR_DIVERGED;
}

static inline nn_status train_one(nn_t *net, const double *input, const double *target, double rate,
                           enum backward_mode mode)
{
    if (net == NULL || input == NULL || target == NULL)
        return NN_ERR_NULL_ARG;
    if (net->scaling != NULL) { /* the step runs on the scaled input */
        const nn_status status = nn__scale_input(net, &input);
        if (status != NN_OK)
            return status;
    }
    const size_t n_in = net->layers[0].n_out, n_out = net->layers[net->n_layers - 1].n_out;
    if (mode == FUSED && net->max_size <= NN_TINY_LAYER && net->tiny_fits) {
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
    return nn__has_forward(net) ? NN_OK : NN_ERR_NO_FORWARD;
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
    if (status == NN_OK && !nn__has_backward(net))
        status = NN_ERR_NO_BACKWARD;
    if (status == NN_OK)
        memcpy(delta, net->layers[layer].delta, count * sizeof(double));
    return status;
}

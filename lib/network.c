/* Creating, copying and releasing networks; the memory layout; shape queries;
   parameter access and per-layer settings. */
#include "internal.h"
#include "activation.h"
#include "loss.h"
#include "batch_buffer.h"
#include "bounds.h"
#include "class_names.h"
#include "grads.h"
#include "names.h"
#include "scaling.h"
#include "versions.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The doubles start at an address that is a multiple of NN_DATA_ALIGN (a
   cache line), whatever alignment the allocator gives (malloc: 16 bytes),
   so that vector loads of rows never straddle two lines (a fifth of the
   time of an online step with AVX-512 when they do). The allocation has
   NN_DATA_ALIGN bytes of slack for this; the padding before the doubles
   depends on where the block lies, so nn_clone() moves them if needed. */
#define NN_DATA_ALIGN 64

/* The allocation, in order: struct nn, n_layers struct nn_layer, then doubles:
   params and grads (n_storage each), then per layer z, a, delta, then scratch.
   Each of these arrays starts on a cache line (lines() doubles apart), as the
   first does, so that the vectors the kernels read from their starts (the x
   of gemv_stream above all) never straddle two lines. Layer 0 has only `a`
   (the input copy). */
static size_t lines(size_t n_doubles)
{
    const size_t per_line = NN_DATA_ALIGN / sizeof(double);
    return (n_doubles + per_line - 1) / per_line * per_line;
}

/* n_units: the sum of lines() of the layer sizes */
static size_t layout_doubles(size_t n_storage, size_t n_units, size_t max_size)
{
    return 2 * lines(n_storage) + 3 * n_units + max_size;
}

static size_t header_bytes(size_t n_layers)
{
    size_t bytes = sizeof(struct nn) + n_layers * sizeof(struct nn_layer);
    /* keep the doubles aligned for vector loads */
    return (bytes + 63) & ~(size_t)63;
}

void nn__layout(struct nn *net)
{
    char *base = (char *)net;
    net->layers = (struct nn_layer *)(base + sizeof(struct nn));
    char *data = base + header_bytes(net->n_layers);
    data += (NN_DATA_ALIGN - (uintptr_t)data % NN_DATA_ALIGN) % NN_DATA_ALIGN;
    double *d = (double *)(void *)data;
    net->params = d;
    d += lines(net->n_storage);
    net->grads = d;
    d += lines(net->n_storage);
    size_t offset = 0;
    for (size_t k = 0; k < net->n_layers; k++) {
        struct nn_layer *layer = &net->layers[k];
        if (k > 0) {
            layer->w = net->params + offset;
            layer->gw = net->grads + offset;
            offset += layer->n_out * layer->n_in;
            layer->b = net->params + offset;
            layer->gb = net->grads + offset;
            offset += layer->n_out;
        } else {
            layer->w = layer->b = layer->gw = layer->gb = NULL;
        }
        layer->z = d;
        d += lines(layer->n_out);
        layer->a = d;
        d += lines(layer->n_out);
        layer->delta = d;
        d += lines(layer->n_out);
    }
    net->scratch = d;
}

/* The default allocator: the C library's. */
static void *std_alloc(void *context, size_t size)
{
    (void)context;
    return malloc(size);
}

static void std_dealloc(void *context, void *ptr)
{
    (void)context;
    free(ptr);
}

nn_status nn_create(nn_t **out, size_t n_layers, const size_t *sizes, const int *activations)
{
    return nn_create_with_allocator(out, n_layers, sizes, activations, std_alloc, std_dealloc,
                                    NULL);
}

nn_status nn_create_with_allocator(nn_t **out, size_t n_layers, const size_t *sizes,
                                   const int *activations, nn_alloc_fn alloc,
                                   nn_dealloc_fn dealloc, void *context)
{
    if (out == NULL)
        return NN_ERR_NULL_ARG;
    *out = NULL;
    if (sizes == NULL || activations == NULL || alloc == NULL || dealloc == NULL)
        return NN_ERR_NULL_ARG;
    if (n_layers < 2 || n_layers > NN_MAX_LAYERS)
        return NN_ERR_LAYER_COUNT;
    size_t n_storage = 0, n_units = 0, max_size = 0;
    for (size_t k = 0; k < n_layers; k++) {
        if (sizes[k] == 0)
            return NN_ERR_ZERO_SIZE;
        if (sizes[k] > NN_MAX_LAYER_SIZE)
            return NN_ERR_TOO_LARGE;
    }
    for (size_t k = 0; k < n_layers; k++) {
        n_units += lines(sizes[k]);
        if (sizes[k] > max_size)
            max_size = sizes[k];
        if (k > 0) {
            /* both factors are below 2^24, so the product fits in 64 bits;
               the running total is compared before it can grow past the limit */
            const uint64_t layer_params = (uint64_t)sizes[k] * sizes[k - 1] + sizes[k];
            if (layer_params > NN_MAX_PARAMS || n_storage + layer_params > NN_MAX_PARAMS)
                return NN_ERR_TOO_LARGE;
            n_storage += (size_t)layer_params;
            if (!nn__activation_is_builtin(activations[k - 1]))
                return NN_ERR_ACTIVATION;
        }
    }
    const size_t doubles = layout_doubles(n_storage, n_units, max_size);
    if (doubles > (SIZE_MAX - header_bytes(n_layers) - NN_DATA_ALIGN) / sizeof(double))
        return NN_ERR_TOO_LARGE;
    const size_t bytes = header_bytes(n_layers) + doubles * sizeof(double) + NN_DATA_ALIGN;
    struct nn *net = alloc(context, bytes);
    if (net == NULL)
        return NN_ERR_NO_MEMORY;
    memset(net, 0, bytes);
    net->alloc_fn = alloc;
    net->dealloc_fn = dealloc;
    net->alloc_context = context;
    net->kernels = nn__kernels_best();
    net->n_threads = 1;
    net->bytes = bytes;
    net->n_layers = n_layers;
    net->n_storage = n_storage;
    net->max_size = max_size;
    net->loss = NN_LOSS_HALF_SSE;
    struct nn_layer *layers = (struct nn_layer *)((char *)net + sizeof(struct nn));
    for (size_t k = 0; k < n_layers; k++) {
        layers[k].n_in = k > 0 ? sizes[k - 1] : 0;
        layers[k].n_out = sizes[k];
        layers[k].activation = k > 0 ? activations[k - 1] : NN_ACT_LINEAR;
        layers[k].bias_mode = NN_BIAS_PER_NEURON;
    }
    nn__layout(net);
    nn__params_replaced(net, 0); /* the model loader writes them straight in */
    net->tiny_fits = nn__tiny_fits(net);
    *out = net;
    return NN_OK;
}

void nn_free(nn_t *net)
{
    if (net == NULL)
        return;
    nn__batch_free(net);
    nn__scaling_free(net);
    nn__classes_free(net);
    net->dealloc_fn(net->alloc_context, net);
}

nn_status nn_clone(const nn_t *net, nn_t **out)
{
    if (out == NULL)
        return NN_ERR_NULL_ARG;
    *out = NULL;
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    struct nn *copy = net->alloc_fn(net->alloc_context, net->bytes);
    if (copy == NULL)
        return NN_ERR_NO_MEMORY;
    memcpy(copy, net, net->bytes);
    nn__layout(copy);
    /* the doubles sit at the aligned address of the copy's own block */
    const size_t from = (size_t)((const char *)net->params - (const char *)net);
    const size_t to = (size_t)((char *)copy->params - (char *)copy);
    if (from != to)
        memmove((char *)copy + to, (char *)copy + from,
                net->bytes - NN_DATA_ALIGN - header_bytes(net->n_layers));
    /* the batch buffer, the scaling and the class names are the clone's
       own: each copy sets the clone's pointer (NULL when it fails) */
    copy->scaling = NULL;
    copy->classes = NULL;
    if (nn__batch_copy(net, copy) != NN_OK || nn__scaling_copy(net, copy) != NN_OK ||
        nn__classes_copy(net, copy) != NN_OK) {
        nn__batch_free(copy);
        nn__scaling_free(copy);
        nn__classes_free(copy);
        net->dealloc_fn(net->alloc_context, copy);
        return NN_ERR_NO_MEMORY;
    }
    *out = copy;
    return NN_OK;
}

/* ---- shape ---- */

size_t nn_layer_count(const nn_t *net)
{
    return net ? net->n_layers : 0;
}

size_t nn_layer_size(const nn_t *net, size_t layer)
{
    return net && layer < net->n_layers ? net->layers[layer].n_out : 0;
}

size_t nn_input_count(const nn_t *net)
{
    return net ? net->layers[0].n_out : 0;
}

size_t nn_output_count(const nn_t *net)
{
    return net ? net->layers[net->n_layers - 1].n_out : 0;
}

static int is_weight_layer(const nn_t *net, size_t layer)
{
    return layer >= 1 && layer < net->n_layers;
}

size_t nn_weight_count(const nn_t *net, size_t layer)
{
    if (net == NULL || !is_weight_layer(net, layer))
        return 0;
    return net->layers[layer].n_out * net->layers[layer].n_in;
}

size_t nn_bias_count(const nn_t *net, size_t layer)
{
    if (net == NULL || !is_weight_layer(net, layer))
        return 0;
    return nn__bias_count(&net->layers[layer]);
}

/* ---- per-layer parameter access ---- */

static nn_status set_layer_values(nn_t *net, size_t layer, const double *src, size_t count,
                                  int biases)
{
    nn_status status = nn__check_layer_copy(net, src, layer, count, biases);
    if (status != NN_OK)
        return status;
    if (!nn__all_finite(src, count))
        return NN_ERR_NOT_FINITE;
    struct nn_layer *l = &net->layers[layer];
    memcpy(biases ? l->b : l->w, src, count * sizeof(double));
    nn__params_replaced(net, layer);
    nn__params_changed(net);
    return NN_OK;
}

static nn_status get_layer_values(const nn_t *net, size_t layer, double *dst, size_t count,
                                  int biases)
{
    nn_status status = nn__check_layer_copy(net, dst, layer, count, biases);
    if (status != NN_OK)
        return status;
    const struct nn_layer *l = &net->layers[layer];
    memcpy(dst, biases ? l->b : l->w, count * sizeof(double));
    return NN_OK;
}

nn_status nn_set_weights(nn_t *net, size_t layer, const double *w, size_t count)
{
    return set_layer_values(net, layer, w, count, 0);
}

nn_status nn_get_weights(const nn_t *net, size_t layer, double *w, size_t count)
{
    return get_layer_values(net, layer, w, count, 0);
}

nn_status nn_set_biases(nn_t *net, size_t layer, const double *b, size_t count)
{
    return set_layer_values(net, layer, b, count, 1);
}

nn_status nn_get_biases(const nn_t *net, size_t layer, double *b, size_t count)
{
    return get_layer_values(net, layer, b, count, 1);
}

/* ---- bulk access, in the documented flat order ---- */

size_t nn_param_count(const nn_t *net)
{
    return net ? nn__flat_count(net) : 0;
}

nn_status nn_get_params(const nn_t *net, double *params, size_t count)
{
    nn_status status = nn__check_flat(net, params, count);
    if (status == NN_OK)
        nn__flat_copy(net, 0, params, 1);
    return status;
}

nn_status nn_set_params(nn_t *net, const double *params, size_t count)
{
    nn_status status = nn__check_flat_values(net, params, count);
    if (status != NN_OK)
        return status;
    nn__flat_copy(net, 0, (double *)params, 0);
    nn__params_replaced(net, 0);
    nn__params_changed(net);
    return NN_OK;
}

/* ---- per-layer settings ---- */

static nn_status check_setting(const nn_t *net, size_t layer)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    return is_weight_layer(net, layer) ? NN_OK : NN_ERR_LAYER_RANGE;
}

nn_status nn_set_activation(nn_t *net, size_t layer, int activation)
{
    nn_status status = check_setting(net, layer);
    if (status != NN_OK)
        return status;
    if (!nn__activation_is_builtin(activation))
        return NN_ERR_ACTIVATION;
    struct nn_layer *l = &net->layers[layer];
    if (layer == net->n_layers - 1) {
        struct nn_layer candidate = *l;
        candidate.activation = activation;
        status = nn__loss_fits(net->loss, &candidate);
        if (status != NN_OK)
            return status;
    }
    l->activation = activation;
    l->custom_f = NULL;
    l->custom_df = NULL;
    l->custom_context = NULL;
    l->custom_name[0] = '\0';
    net->tiny_fits = nn__tiny_fits(net);
    nn__params_changed(net);
    return NN_OK;
}

/* The name's length, or NN_MAX_NAME + 1 for any longer one. */
static size_t name_length(const char *name)
{
    size_t n = 0;
    while (n <= NN_MAX_NAME && name[n] != '\0')
        n++;
    return n;
}

nn_status nn_set_custom_activation(nn_t *net, size_t layer, nn_activation_fn f,
                                   nn_activation_deriv_fn df, void *context, const char *name)
{
    nn_status status = check_setting(net, layer);
    if (status != NN_OK)
        return status;
    if (f == NULL || df == NULL || name == NULL)
        return NN_ERR_NULL_ARG;
    if (!nn__valid_name(name, name_length(name)))
        return NN_ERR_NAME;
    struct nn_layer *l = &net->layers[layer];
    l->activation = NN_ACT_CUSTOM;
    l->custom_f = f;
    l->custom_df = df;
    l->custom_context = context;
    memmove(l->custom_name, name, strlen(name) + 1); /* name may be this layer's own */
    net->tiny_fits = nn__tiny_fits(net);
    nn__params_changed(net);
    return NN_OK;
}

int nn_get_activation(const nn_t *net, size_t layer)
{
    if (net == NULL || !is_weight_layer(net, layer))
        return -1;
    return net->layers[layer].activation;
}

const char *nn_get_activation_name(const nn_t *net, size_t layer)
{
    if (net == NULL || !is_weight_layer(net, layer))
        return NULL;
    const struct nn_layer *l = &net->layers[layer];
    return l->activation == NN_ACT_CUSTOM ? l->custom_name
                                          : nn_activation_name(l->activation);
}

nn_status nn_set_bias_mode(nn_t *net, size_t layer, int mode)
{
    nn_status status = check_setting(net, layer);
    if (status != NN_OK)
        return status;
    if (nn_bias_mode_name(mode) == NULL)
        return NN_ERR_BIAS_MODE;
    struct nn_layer *l = &net->layers[layer];
    if (l->bias_mode == mode)
        return NN_OK;
    if (mode == NN_BIAS_SHARED) {
        double mean = nn__sum(l->n_out, l->b) / (double)l->n_out;
        if (!isfinite(mean)) { /* the sum overflowed: average the scaled values */
            mean = 0.0;
            for (size_t j = 0; j < l->n_out; j++)
                mean += l->b[j] / (double)l->n_out;
        }
        l->b[0] = mean;
        for (size_t j = 1; j < l->n_out; j++)
            l->b[j] = 0.0;
    } else {
        for (size_t j = 1; j < l->n_out; j++)
            l->b[j] = l->b[0];
    }
    memset(l->gb, 0, l->n_out * sizeof(double));
    l->bias_mode = mode;
    nn__params_changed(net);
    return NN_OK;
}

int nn_get_bias_mode(const nn_t *net, size_t layer)
{
    if (net == NULL || !is_weight_layer(net, layer))
        return -1;
    return net->layers[layer].bias_mode;
}

nn_status nn_set_frozen(nn_t *net, size_t layer, int freeze_weights, int freeze_biases)
{
    nn_status status = check_setting(net, layer);
    if (status != NN_OK)
        return status;
    net->layers[layer].frozen_weights = freeze_weights != 0;
    net->layers[layer].frozen_biases = freeze_biases != 0;
    return NN_OK;
}

nn_status nn_get_frozen(const nn_t *net, size_t layer, int *freeze_weights, int *freeze_biases)
{
    if (freeze_weights == NULL || freeze_biases == NULL)
        return NN_ERR_NULL_ARG;
    nn_status status = check_setting(net, layer);
    if (status != NN_OK)
        return status;
    *freeze_weights = net->layers[layer].frozen_weights;
    *freeze_biases = net->layers[layer].frozen_biases;
    return NN_OK;
}

nn_status nn_set_loss(nn_t *net, int loss)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (!nn__loss_is_valid(loss))
        return NN_ERR_LOSS;
    nn_status status = nn__loss_fits(loss, &net->layers[net->n_layers - 1]);
    if (status != NN_OK)
        return status;
    net->loss = loss;
    net->tiny_fits = nn__tiny_fits(net);
    return NN_OK;
}

int nn_get_loss(const nn_t *net)
{
    return net ? net->loss : -1;
}

nn_status nn_set_reduction(nn_t *net, int reduction)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (reduction != NN_REDUCTION_SUM && reduction != NN_REDUCTION_MEAN)
        return NN_ERR_ARGUMENT;
    net->reduction = reduction;
    return NN_OK;
}

int nn_get_reduction(const nn_t *net)
{
    return net ? net->reduction : -1;
}

/* Built-in activations, each applied to a whole layer with its derivative,
   and the dispatch to user-supplied ones. The switch runs once per layer,
   never per unit. */
#include "internal.h"
#include "names.h"

#include <math.h>

/* The built-in activations, indexed by their NN_ACT_* code (contiguous from
   0). Each entry is the one place a built-in's facts live; the name is the
   model file's word. */
struct nn_activation_desc {
    int code;
    struct nn_names names;
    int elementwise; /* f'(z_i) depends on z_i and a_i alone */
};

static const struct nn_activation_desc activations[] = {
    {NN_ACT_LINEAR, {"linear", NULL}, 1},
    {NN_ACT_SIGMOID, {"sigmoid", NULL}, 1},
    {NN_ACT_TANH, {"tanh", NULL}, 1},
    {NN_ACT_RELU, {"relu", NULL}, 1},
    {NN_ACT_LEAKY_RELU, {"leaky_relu", NULL}, 1},
    {NN_ACT_SOFTPLUS, {"softplus", NULL}, 1},
};

#define N_ACTIVATIONS (sizeof activations / sizeof activations[0])

int nn__activation_is_builtin(int activation)
{
    return activation >= 0 && (size_t)activation < N_ACTIVATIONS;
}

const char *nn_activation_name(int code)
{
    return nn__activation_is_builtin(code) ? activations[code].names.name : NULL;
}

nn_status nn_activation_from_name(const char *name, int *code)
{
    if (name == NULL || code == NULL)
        return NN_ERR_NULL_ARG;
    for (size_t i = 0; i < N_ACTIVATIONS; i++) {
        if (nn__names_match(&activations[i].names, name)) {
            *code = activations[i].code;
            return NN_OK;
        }
    }
    return NN_ERR_ACTIVATION;
}

#define LEAKY_SLOPE 0.01

static double sigmoid(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

/* log(1 + e^z) without overflow for large z and without losing small values. */
static double softplus(double z)
{
    return z > 0.0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

void nn__activate(const struct nn_layer *layer, const double *z, double *a, size_t n)
{
    size_t i;
    switch (layer->activation) {
    case NN_ACT_LINEAR:
        for (i = 0; i < n; i++) a[i] = z[i];
        break;
    case NN_ACT_SIGMOID:
        for (i = 0; i < n; i++) a[i] = sigmoid(z[i]);
        break;
    case NN_ACT_TANH:
        for (i = 0; i < n; i++) a[i] = tanh(z[i]);
        break;
    case NN_ACT_RELU:
        for (i = 0; i < n; i++) a[i] = z[i] > 0.0 ? z[i] : 0.0;
        break;
    case NN_ACT_LEAKY_RELU:
        for (i = 0; i < n; i++) a[i] = z[i] > 0.0 ? z[i] : LEAKY_SLOPE * z[i];
        break;
    case NN_ACT_SOFTPLUS:
        for (i = 0; i < n; i++) a[i] = softplus(z[i]);
        break;
    default:
        layer->custom_f(layer->custom_context, n, z, a);
        break;
    }
}

void nn__activation_deriv(const struct nn_layer *layer, const double *z, const double *a,
                          double *d, size_t n)
{
    size_t i;
    switch (layer->activation) {
    case NN_ACT_LINEAR:
        for (i = 0; i < n; i++) d[i] = 1.0;
        break;
    case NN_ACT_SIGMOID:
        for (i = 0; i < n; i++) d[i] = a[i] * (1.0 - a[i]);
        break;
    case NN_ACT_TANH:
        for (i = 0; i < n; i++) d[i] = 1.0 - a[i] * a[i];
        break;
    case NN_ACT_RELU:
        for (i = 0; i < n; i++) d[i] = z[i] > 0.0 ? 1.0 : 0.0;
        break;
    case NN_ACT_LEAKY_RELU:
        for (i = 0; i < n; i++) d[i] = z[i] > 0.0 ? 1.0 : LEAKY_SLOPE;
        break;
    case NN_ACT_SOFTPLUS:
        for (i = 0; i < n; i++) d[i] = sigmoid(z[i]);
        break;
    default:
        layer->custom_df(layer->custom_context, n, z, a, d);
        break;
    }
}

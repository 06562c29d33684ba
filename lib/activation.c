/* Built-in activations, each applied to a whole layer with its derivative,
   and the dispatch to user-supplied ones. The switch runs once per layer,
   never per unit. */
#include "internal.h"

#include <math.h>

int nn__activation_is_builtin(int activation)
{
    return activation >= NN_ACT_LINEAR && activation <= NN_ACT_SOFTPLUS;
}

const char *nn__activation_builtin_name(int activation)
{
    switch (activation) {
    case NN_ACT_LINEAR: return "linear";
    case NN_ACT_SIGMOID: return "sigmoid";
    case NN_ACT_TANH: return "tanh";
    case NN_ACT_RELU: return "relu";
    case NN_ACT_LEAKY_RELU: return "leaky_relu";
    case NN_ACT_SOFTPLUS: return "softplus";
    default: return NULL;
    }
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

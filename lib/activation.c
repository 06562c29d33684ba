/* Built-in activations: one table entry each (activation.h), applied to a
   whole layer (or a band of it) per call, so that a pass dispatches once per
   layer, never per unit; and the dispatch to user-supplied ones. */
#include "activation.h"

#include <math.h>

#define LEAKY_SLOPE 0.01

static double logistic(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

/* log(1 + e^z) without overflow for large z and without losing small values. */
static double softplus(double z)
{
    return z > 0.0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

static void linear_value(size_t n, const double *z, double *a)
{
    for (size_t i = 0; i < n; i++) a[i] = z[i];
}

static void linear_deriv(size_t n, const double *z, const double *a, double *d)
{
    (void)z, (void)a;
    for (size_t i = 0; i < n; i++) d[i] = 1.0;
}

static void sigmoid_value(size_t n, const double *z, double *a)
{
    for (size_t i = 0; i < n; i++) a[i] = logistic(z[i]);
}

static void sigmoid_deriv(size_t n, const double *z, const double *a, double *d)
{
    (void)z;
    for (size_t i = 0; i < n; i++) d[i] = a[i] * (1.0 - a[i]);
}

static void tanh_value(size_t n, const double *z, double *a)
{
    for (size_t i = 0; i < n; i++) a[i] = tanh(z[i]);
}

static void tanh_deriv(size_t n, const double *z, const double *a, double *d)
{
    (void)z;
    for (size_t i = 0; i < n; i++) d[i] = 1.0 - a[i] * a[i];
}

static void relu_value(size_t n, const double *z, double *a)
{
    for (size_t i = 0; i < n; i++) a[i] = z[i] > 0.0 ? z[i] : 0.0;
}

static void relu_deriv(size_t n, const double *z, const double *a, double *d)
{
    (void)a;
    for (size_t i = 0; i < n; i++) d[i] = z[i] > 0.0 ? 1.0 : 0.0;
}

static void leaky_relu_value(size_t n, const double *z, double *a)
{
    for (size_t i = 0; i < n; i++) a[i] = z[i] > 0.0 ? z[i] : LEAKY_SLOPE * z[i];
}

static void leaky_relu_deriv(size_t n, const double *z, const double *a, double *d)
{
    (void)a;
    for (size_t i = 0; i < n; i++) d[i] = z[i] > 0.0 ? 1.0 : LEAKY_SLOPE;
}

static void softplus_value(size_t n, const double *z, double *a)
{
    for (size_t i = 0; i < n; i++) a[i] = softplus(z[i]);
}

static void softplus_deriv(size_t n, const double *z, const double *a, double *d)
{
    (void)a;
    for (size_t i = 0; i < n; i++) d[i] = logistic(z[i]);
}

/* a_j = e^(z_j - m) / sum_k e^(z_k - m) with m the largest z: the same
   quotient as without m, but no e^z overflows and the sum is at least 1. */
static void softmax_value(size_t n, const double *z, double *a)
{
    double m = z[0];
    for (size_t i = 1; i < n; i++)
        if (z[i] > m)
            m = z[i];
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        a[i] = exp(z[i] - m);
        sum += a[i];
    }
    for (size_t i = 0; i < n; i++)
        a[i] /= sum;
}

/* dE/dz_j = sum_i dE/da_i da_i/dz_j = a_j (dE/da_j - sum_i a_i dE/da_i):
   the Jacobian diag(a) - a a^T times the vector, without forming it. */
static void softmax_backward(size_t n, const double *z, const double *a, double *delta)
{
    (void)z;
    double dot = 0.0;
    for (size_t i = 0; i < n; i++)
        dot += a[i] * delta[i];
    for (size_t i = 0; i < n; i++)
        delta[i] = a[i] * (delta[i] - dot);
}

/* Indexed by NN_ACT_* code (contiguous from 0). */
const struct nn_activation nn__activation_table[NN__N_ACTIVATIONS] = {
    {NN_ACT_LINEAR, {"linear", NULL}, 1, 0, 0, 1, linear_value, linear_deriv, NULL},
    {NN_ACT_SIGMOID, {"sigmoid", NULL}, 1, 1, 1, 1, sigmoid_value, sigmoid_deriv, NULL},
    {NN_ACT_TANH, {"tanh", NULL}, 1, 0, 0, 1, tanh_value, tanh_deriv, NULL},
    {NN_ACT_RELU, {"relu", NULL}, 1, 0, 0, 1, relu_value, relu_deriv, NULL},
    {NN_ACT_LEAKY_RELU, {"leaky_relu", NULL}, 1, 0, 0, 1, leaky_relu_value, leaky_relu_deriv, NULL},
    {NN_ACT_SOFTPLUS, {"softplus", NULL}, 1, 0, 0, 1, softplus_value, softplus_deriv, NULL},
    {NN_ACT_SOFTMAX, {"softmax", NULL}, 0, 0, 1, 0, softmax_value, NULL, softmax_backward},
};

#define N_ACTIVATIONS ((size_t)NN__N_ACTIVATIONS)

const char *nn_activation_name(int code)
{
    const struct nn_activation *f = nn__activation(code);
    return f ? f->names.name : NULL;
}

nn_status nn_activation_from_name(const char *name, int *code)
{
    if (name == NULL || code == NULL)
        return NN_ERR_NULL_ARG;
    for (size_t i = 0; i < N_ACTIVATIONS; i++) {
        if (nn__names_match(&nn__activation_table[i].names, name)) {
            *code = nn__activation_table[i].code;
            return NN_OK;
        }
    }
    return NN_ERR_ACTIVATION;
}

int nn__activation_takes_rows(const struct nn_layer *l)
{
    const struct nn_activation *f = nn__activation(l->activation);
    return f == NULL || !f->elementwise;
}

void nn__activate(const struct nn_kernels *vector, const struct nn_layer *l, const double *z,
                  double *a, size_t n)
{
    const struct nn_activation *f = nn__activation(l->activation);
    if (f == NULL)
        l->custom_f(l->custom_context, n, z, a);
    else if (vector != NULL && f->logistic)
        vector->sigmoid(n, z, a);
    else
        f->value(n, z, a);
}

void nn__activation_backward(const struct nn_layer *l, const double *z, const double *a,
                             double *delta, size_t n, double *scratch)
{
    const struct nn_activation *f = nn__activation(l->activation);
    if (f != NULL && !f->elementwise) {
        f->backward(n, z, a, delta);
        return;
    }
    if (f == NULL)
        l->custom_df(l->custom_context, n, z, a, scratch);
    else
        f->deriv(n, z, a, scratch);
    nn__vec_mul(n, scratch, delta);
}

int nn__activation_deriv(const struct nn_layer *l, const double *z, const double *a, double *d,
                         size_t n)
{
    const struct nn_activation *f = nn__activation(l->activation);
    if (f == NULL)
        l->custom_df(l->custom_context, n, z, a, d);
    else if (f->elementwise)
        f->deriv(n, z, a, d);
    return f == NULL || f->elementwise;
}

/* The built-in losses, one table entry each (loss.h); the output layer's
   deltas, which every pass forms with nn__output_delta(), are in loss.h. */
#include "loss.h"
#include "activation.h"

#include <math.h>

static double sse(size_t n, const double *o, const double *t)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double diff = t[i] - o[i];
        sum += diff * diff;
    }
    return sum;
}

static double half_sse_value(size_t n, const double *o, const double *t)
{
    return 0.5 * sse(n, o, t);
}

/* o - t (times 1.0, which changes no bit: the bits of the passes before
   the table) */
static void half_sse_grad(size_t n, const double *o, const double *t, double *g)
{
    for (size_t i = 0; i < n; i++)
        g[i] = 1.0 * (o[i] - t[i]);
}

static double half_sse_term(size_t n, double o, double t)
{
    (void)n;
    const double d = t - o;
    return 0.5 * d * d;
}

static double mse_value(size_t n, const double *o, const double *t)
{
    return sse(n, o, t) / (double)n;
}

static void mse_grad(size_t n, const double *o, const double *t, double *g)
{
    const double scale = 2.0 / (double)n;
    for (size_t i = 0; i < n; i++)
        g[i] = scale * (o[i] - t[i]);
}

static double mse_term(size_t n, double o, double t)
{
    const double d = t - o;
    return d * d / (double)n;
}

/* -t log o; a target of 0 adds 0 whatever its output (0 log 0 is 0 here) */
static double cross_entropy_term(size_t n, double o, double t)
{
    (void)n;
    return t == 0.0 ? 0.0 : -t * log(o);
}

/* E as the sum of the terms, output by output */
static double sum_of_terms(size_t n, const double *o, const double *t,
                           double (*term)(size_t n, double o, double t))
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += term(n, o[i], t[i]);
    return sum;
}

static double cross_entropy_value(size_t n, const double *o, const double *t)
{
    return sum_of_terms(n, o, t, cross_entropy_term);
}

static void cross_entropy_grad(size_t n, const double *o, const double *t, double *g)
{
    for (size_t i = 0; i < n; i++)
        g[i] = t[i] == 0.0 ? 0.0 : -t[i] / o[i];
}

/* After softmax: log o_j = (z_j - m) - log sum_k e^(z_k - m) with m the
   largest z, finite for every finite z. */
static double cross_entropy_softmax_value(size_t n, const double *z, const double *t)
{
    double m = z[0];
    for (size_t i = 1; i < n; i++)
        if (z[i] > m)
            m = z[i];
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += exp(z[i] - m);
    const double log_sum = log(sum);
    double e = 0.0;
    for (size_t i = 0; i < n; i++)
        e -= t[i] * ((z[i] - m) - log_sum);
    return e;
}

/* dE/dz_j = o_j sum(t) - t_j (the softmax Jacobian applied to -t/o) */
static void cross_entropy_softmax_delta(size_t n, const double *o, const double *t,
                                        double *delta)
{
    double t_sum = 0.0;
    for (size_t i = 0; i < n; i++)
        t_sum += t[i];
    for (size_t i = 0; i < n; i++)
        delta[i] = o[i] * t_sum - t[i];
}

static double binary_cross_entropy_term(size_t n, double o, double t)
{
    (void)n;
    const double on = t == 0.0 ? 0.0 : t * log(o);
    const double off = t == 1.0 ? 0.0 : (1.0 - t) * log(1.0 - o);
    return -(on + off);
}

static double binary_cross_entropy_value(size_t n, const double *o, const double *t)
{
    return sum_of_terms(n, o, t, binary_cross_entropy_term);
}

static void binary_cross_entropy_grad(size_t n, const double *o, const double *t, double *g)
{
    for (size_t i = 0; i < n; i++)
        g[i] = (o[i] - t[i]) / (o[i] * (1.0 - o[i]));
}

/* After the logistic function: -t log o - (1 - t) log(1 - o)
   = max(z, 0) - t z + log(1 + e^-|z|), finite for every finite z. */
static double binary_cross_entropy_logistic_value(size_t n, const double *z, const double *t)
{
    double e = 0.0;
    for (size_t i = 0; i < n; i++)
        e += (z[i] > 0.0 ? z[i] : 0.0) - t[i] * z[i] + log1p(exp(-fabs(z[i])));
    return e;
}

/* dE/dz = o - t */
static void binary_cross_entropy_logistic_delta(size_t n, const double *o, const double *t,
                                                double *delta)
{
    for (size_t i = 0; i < n; i++)
        delta[i] = o[i] - t[i];
}

static const char *const half_sse_aliases[] = {"half-sse", NULL};

/* Indexed by NN_LOSS_* code (contiguous from 0). */
const struct nn_loss nn__loss_table[NN__N_LOSSES] = {
    {NN_LOSS_HALF_SSE, {"half_sse", half_sse_aliases}, 0, 1, 1, half_sse_value, half_sse_grad,
     half_sse_term, -1, NULL, NULL},
    {NN_LOSS_MSE, {"mse", NULL}, 0, 1, 0, mse_value, mse_grad, mse_term, -1, NULL, NULL},
    {NN_LOSS_CROSS_ENTROPY, {"cross_entropy", NULL}, 1, 1, 0, cross_entropy_value,
     cross_entropy_grad, cross_entropy_term, NN_ACT_SOFTMAX, cross_entropy_softmax_value,
     cross_entropy_softmax_delta},
    {NN_LOSS_BINARY_CROSS_ENTROPY, {"binary_cross_entropy", NULL}, 1, 1, 0,
     binary_cross_entropy_value, binary_cross_entropy_grad, binary_cross_entropy_term,
     NN_ACT_SIGMOID, binary_cross_entropy_logistic_value, binary_cross_entropy_logistic_delta},
};

#define N_LOSSES ((size_t)NN__N_LOSSES)

const char *nn_loss_name(int code)
{
    const struct nn_loss *e = nn__loss(code);
    return e ? e->names.name : NULL;
}

nn_status nn_loss_from_name(const char *name, int *code)
{
    if (name == NULL || code == NULL)
        return NN_ERR_NULL_ARG;
    for (size_t i = 0; i < N_LOSSES; i++) {
        if (nn__names_match(&nn__loss_table[i].names, name)) {
            *code = nn__loss_table[i].code;
            return NN_OK;
        }
    }
    return NN_ERR_LOSS;
}

nn_status nn__loss_fits(int loss, const struct nn_layer *out)
{
    const struct nn_activation *f = nn__activation(out->activation);
    if (nn__loss_table[loss].needs_probabilities && f != NULL && !f->probabilities)
        return NN_ERR_LOSS_OUTPUT;
    return NN_OK;
}

double nn__loss_value(int loss, const struct nn_layer *out, const double *z, const double *o,
                      const double *t)
{
    const struct nn_loss *e = &nn__loss_table[loss];
    if (nn__loss_fused(loss, out))
        return e->fused_value(out->n_out, z, t);
    return e->value(out->n_out, o, t);
}

void nn__loss_grad(int loss, size_t n, const double *o, const double *t, double *g)
{
    nn__loss_table[loss].grad(n, o, t, g);
}

double nn__loss_term(int loss, size_t n, double o, double t)
{
    return nn__loss_table[loss].term(n, o, t);
}

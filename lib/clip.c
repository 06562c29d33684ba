/* Gradient clipping by the global norm of the accumulated gradients of the
   blocks that are not frozen (PyTorch's clip_grad_norm_ over the parameters
   that have a gradient). */
#include "internal.h"
#include "grads.h"

#include <math.h>

/* The pass over the gradients: their largest magnitude, then the sum of
   their squares divided by it (so that no square overflows or underflows to
   0), then the scaling. */
struct norm_pass {
    const nn_t *net;
    double max, sum, factor;
};

static void find_max(const struct nn_block *b, void *context)
{
    struct norm_pass *n = context;
    const double m = n->net->kernels->max_abs(b->count, b->grads);
    n->max = m > n->max ? m : n->max;
}

static void add_squares(const struct nn_block *b, void *context)
{
    struct norm_pass *n = context;
    for (size_t i = 0; i < b->count; i++) {
        const double x = b->grads[i] / n->max;
        n->sum += x * x;
    }
}

static void scale(const struct nn_block *b, void *context)
{
    const struct norm_pass *n = context;
    for (size_t i = 0; i < b->count; i++)
        b->grads[i] *= n->factor;
}

nn_status nn_clip_grad_norm(nn_t *net, double max_norm, double *norm_before)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (!nn__all_finite(&max_norm, 1))
        return NN_ERR_NOT_FINITE;
    if (max_norm < 0.0)
        return NN_ERR_ARGUMENT;
    nn__grads_settle(net); /* the same gradients, all stored */
    struct norm_pass n = {net, 0.0, 0.0, 1.0};
    nn__each_moving_block(net, find_max, &n);
    if (n.max > 0.0)
        nn__each_moving_block(net, add_squares, &n);
    const double norm = n.max * sqrt(n.sum);
    n.factor = max_norm / (norm + 1e-6);
    if (n.factor < 1.0)
        nn__each_moving_block(net, scale, &n); /* smaller gradients: their bounds still hold */
    if (norm_before != NULL)
        *norm_before = norm;
    return NN_OK;
}

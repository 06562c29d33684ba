/* Gradient clipping by the global norm of the accumulated gradients of the
   blocks that are not frozen (PyTorch's clip_grad_norm_ over the parameters
   that have a gradient). */
#include "internal.h"
#include "grads.h"

#include <math.h>

/* The largest |g| of every block that is not frozen. */
static double largest(const nn_t *net)
{
    double max = 0.0;
    size_t flat = 0;
    for (size_t k = 1; k < net->n_layers; k++) {
        struct nn_block b[NN_BLOCKS_PER_LAYER];
        flat = nn__layer_blocks(net, k, flat, b);
        for (int kind = NN_BLOCK_WEIGHTS; kind <= NN_BLOCK_BIASES; kind++) {
            if (b[kind].frozen)
                continue;
            const double m = net->kernels->max_abs(b[kind].count, b[kind].grads);
            max = m > max ? m : max;
        }
    }
    return max;
}

/* The Euclidean norm, its squares summed after dividing by the largest
   magnitude so that no square overflows or underflows to 0. */
static double global_norm(const nn_t *net)
{
    const double max = largest(net);
    if (max == 0.0)
        return 0.0;
    double sum = 0.0;
    size_t flat = 0;
    for (size_t k = 1; k < net->n_layers; k++) {
        struct nn_block b[NN_BLOCKS_PER_LAYER];
        flat = nn__layer_blocks(net, k, flat, b);
        for (int kind = NN_BLOCK_WEIGHTS; kind <= NN_BLOCK_BIASES; kind++) {
            if (b[kind].frozen)
                continue;
            for (size_t i = 0; i < b[kind].count; i++) {
                const double x = b[kind].grads[i] / max;
                sum += x * x;
            }
        }
    }
    return max * sqrt(sum);
}

static void scale(nn_t *net, double factor)
{
    size_t flat = 0;
    for (size_t k = 1; k < net->n_layers; k++) {
        struct nn_block b[NN_BLOCKS_PER_LAYER];
        flat = nn__layer_blocks(net, k, flat, b);
        for (int kind = NN_BLOCK_WEIGHTS; kind <= NN_BLOCK_BIASES; kind++)
            if (!b[kind].frozen)
                for (size_t i = 0; i < b[kind].count; i++)
                    b[kind].grads[i] *= factor;
    }
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
    const double norm = global_norm(net);
    const double factor = max_norm / (norm + 1e-6);
    if (factor < 1.0)
        scale(net, factor); /* smaller gradients: the gradient bounds still hold */
    if (norm_before != NULL)
        *norm_before = norm;
    return NN_OK;
}

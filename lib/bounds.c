/* The bounds of the divergence checks (see internal.h): per layer, a bound
   of the magnitudes of the parameters and one of the gradients. This file
   owns them: it scans them when unknown and invalidates them when a setter
   replaces the values; the passes grow them through the inline helpers of
   internal.h after a check passed. */
#include "internal.h"
#include "bounds.h"

double nn__param_bound_scan(nn_t *net, size_t k)
{
    struct nn_layer *l = &net->layers[k];
    const double w = net->kernels->max_abs(l->n_out * l->n_in, l->w);
    const double b = net->kernels->max_abs(l->n_out, l->b);
    l->param_bound = w > b ? w : b;
    return l->param_bound;
}

/* Only nn_set_grads() leaves the bound unknown, and never with deferred
   gradients: the stored ones are all there is. */
double nn__grad_bound_scan(nn_t *net, size_t k)
{
    struct nn_layer *l = &net->layers[k];
    const double w = net->kernels->max_abs(l->n_out * l->n_in, l->gw);
    const double b = net->kernels->max_abs(l->n_out, l->gb);
    l->grad_bound = w > b ? w : b;
    return l->grad_bound;
}

void nn__params_replaced(nn_t *net, size_t k)
{
    for (size_t i = 1; i < net->n_layers; i++)
        if (k == 0 || i == k)
            net->layers[i].param_bound = NN_BOUND_UNKNOWN;
}

void nn__grads_replaced(nn_t *net)
{
    for (size_t k = 1; k < net->n_layers; k++)
        net->layers[k].grad_bound = NN_BOUND_UNKNOWN;
}

int nn__update_fits(nn_t *net, size_t k, double add, double step)
{
    const double bound = nn__param_bound(net, k);
    if (!(add <= NN_BOUND_LIMIT) || !nn__bound_fits(bound, step))
        return 0;
    net->layers[k].param_bound = bound + step;
    return 1;
}

/* The bounds of the divergence checks (see internal.h): per layer, a bound
   of the magnitudes of the parameters and one of the gradients. This file
   owns them: it scans them when unknown and invalidates them when a setter
   replaces the values; the passes grow them through the inline helpers of
   internal.h after a check passed. */
#include "internal.h"
#include "bounds.h"

/* The largest magnitude of a layer's weights `w` and biases `b` (every
   slot: the unused ones of a shared bias are 0). */
static double scan(const nn_t *net, const struct nn_layer *l, const double *w, const double *b)
{
    const double w_max = net->kernels->max_abs(l->n_out * l->n_in, w);
    const double b_max = net->kernels->max_abs(l->n_out, b);
    return w_max > b_max ? w_max : b_max;
}

double nn__param_bound_scan(nn_t *net, size_t k)
{
    struct nn_layer *l = &net->layers[k];
    l->param_bound = scan(net, l, l->w, l->b);
    return l->param_bound;
}

/* Only nn_set_grads() leaves the bound unknown, and never with deferred
   gradients: the stored ones are all there is. */
double nn__grad_bound_scan(nn_t *net, size_t k)
{
    struct nn_layer *l = &net->layers[k];
    l->grad_bound = scan(net, l, l->gw, l->gb);
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

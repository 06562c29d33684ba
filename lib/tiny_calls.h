#ifndef BACKPROP_TINY_CALLS_H
#define BACKPROP_TINY_CALLS_H

#include "internal.h"

/* The arithmetic of the three calls on tiny networks (tiny_calls.c). Not
   installed. The callers keep every check and every piece of state. */

/* Whether a network takes the tiny paths: every layer at most NN_TINY_LAYER units. */
static inline int nn__is_tiny(const nn_t *net)
{
    return net->max_size <= NN_TINY_LAYER && net->tiny_fits;
}
/* The layers of the forward pass of `input` (its largest magnitude
   `input_max`): z, a and a_max of every layer. Returns 0 at the first layer
   whose outputs are not finite (on a checked network), as train.c's pass. */
int nn__forward_tiny(nn_t *net, const double *input, double input_max);
/* Every delta of the last forward pass for `target`, and each layer's
   delta_max. */
void nn__deltas_tiny(nn_t *net, const double *target);
/* nn_backward()'s addition of every layer's gradients: the weights' unless
   `defer`, and the biases'. */
void nn__accumulate_tiny(nn_t *net, int defer);
/* nn_step()'s update of every layer: the parameters step by the gradients
   (deferred ones: the layers' deltas and the outputs below), which then are
   0. The caller has checked the step and keeps the bounds. */
void nn__step_tiny(nn_t *net, double rate, int deferred);

#endif

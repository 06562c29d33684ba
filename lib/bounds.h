#ifndef BACKPROP_BOUNDS_H
#define BACKPROP_BOUNDS_H

#include "internal.h"

/* The bounds of the divergence checks (bounds.c owns them). Not installed.

   No training call writes a NaN or an infinity into the parameters or the
   gradients (NN_ERR_DIVERGED). Checking every value written would cost
   another sweep over the weights, so the checks work on bounds: the largest
   |a| and |delta| of the pass (their scans, over a layer's units only, also
   find any NaN or infinity there) and the per-layer bounds of nn_layer. An
   update passes when the bound of what it writes stays at or below
   NN_BOUND_LIMIT: 16 times below the largest double, so that no rounding or
   order of summation of values so bounded can reach an infinity. */
#define NN_BOUND_LIMIT 0x1p1020
/* An unknown bound is NaN, so that adding to it fails every check on the
   way to the scan that replaces it. */
#define NN_BOUND_UNKNOWN NAN
/* A result of the kernel max_abs: whether every value was finite. */
static inline int nn__max_finite(double max_abs)
{
    return max_abs <= 0x1.fffffffffffffp1023;
}
/* Whether adding values of magnitude at most `add` to values bounded by
   `bound` (known) stays within the limit. */
static inline int nn__bound_fits(double bound, double add)
{
    return add <= NN_BOUND_LIMIT && (add == 0.0 || bound + add <= NN_BOUND_LIMIT);
}
/* The bound of layer k's parameters or gradients, scanned when unknown
   (the scans in bounds.c; the known case inline, since every step asks). */
double nn__param_bound_scan(nn_t *net, size_t k);
double nn__grad_bound_scan(nn_t *net, size_t k);
static inline double nn__param_bound(nn_t *net, size_t k)
{
    const double bound = net->layers[k].param_bound;
    return bound >= 0.0 ? bound : nn__param_bound_scan(net, k);
}
static inline double nn__grad_bound(nn_t *net, size_t k)
{
    const double bound = net->layers[k].grad_bound;
    return bound >= 0.0 ? bound : nn__grad_bound_scan(net, k);
}
/* After a setter replaced parameters (layer k, or every layer for 0), or
   every gradient: the next check scans them. */
void nn__params_replaced(nn_t *net, size_t k);
void nn__grads_replaced(nn_t *net);
/* After the gradients of layer k were cleared. */
static inline void nn__grads_cleared(struct nn_layer *l)
{
    l->grad_bound = 0.0;
}
/* After an update that a check passed: what it added to layer k's
   parameters or gradients is at most `add`. */
static inline void nn__params_grew(struct nn_layer *l, double add)
{
    l->param_bound += add;
}
static inline void nn__grads_grew(struct nn_layer *l, double add)
{
    l->grad_bound += add;
}
/* The check of an update of layer k whose products delta_j a_i (or deltas)
   are at most `add` and whose changes are at most `step` (`add` times the
   rate), with the bound scanned if unknown; on success the bound grows. The
   slow path of the tiny passes, whose own test is the same on the bound as
   it stands. */
int nn__update_fits(nn_t *net, size_t k, double add, double step);

#endif

/* The forward pass of one layer on the register paths (tiny.c's fused step
   and the three calls of tiny_calls.h). Not installed. */
#ifndef BACKPROP_TINY_LAYER_H
#define BACKPROP_TINY_LAYER_H

#include "internal.h"
#include "activation.h"
#include "tiny_attr.h"

#include <math.h>

/* z = W x + b and a = f(z) of layer l, from the outputs x of the layer
   below: stored in l->z and l->a, and a in x for the layer above. x holds
   `cap` doubles (cap >= every layer's units, at most NN_TINY_LAYER); its
   slots past the layer's units are left alone. `logistic`: the activation
   is the logistic function, formed here as activation.c forms it; any
   other is the table's (nn__activate). Each sum runs over i in order from 0
   from -0.0, as the scalar kernels form it, so that every path gives the
   same bits. */
static TINY_INLINE void nn__tiny_layer_forward(struct nn_layer *l, double *x, const int logistic,
                                               const size_t cap)
{
    const size_t n_in = l->n_in, n_out = l->n_out;
    const int shared = l->bias_mode == NN_BIAS_SHARED;
    double y[NN_TINY_LAYER] = {0.0};
    for (size_t j = 0; j < cap; j++)
        if (j < n_out) {
            const double *row = l->w + j * n_in;
            double sum = -0.0;
            for (size_t i = 0; i < cap; i++)
                if (i < n_in)
                    sum += row[i] * x[i];
            const double z = sum + l->b[shared ? 0 : j];
            l->z[j] = z;
            y[j] = logistic ? 1.0 / (1.0 + exp(-z)) : 0.0; /* else replaced below */
        }
    if (!logistic)
        nn__activate(NULL, l, l->z, l->a, n_out);
    /* a is stored after every z is formed: a store to l->a might alias the
       weights, which the loop above would then read again */
    for (size_t j = 0; j < cap; j++)
        if (j < n_out) {
            if (logistic)
                l->a[j] = y[j];
            else
                y[j] = l->a[j];
            x[j] = y[j];
        }
}

#endif

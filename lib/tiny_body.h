/* The body of one fused online step for tiny networks, included by tiny.c
   once per bound. Parameters (#undef'd at the end):

     TINY_NAME  the function's name
     TINY_MAX   no layer of the networks it serves has more units

   Every loop over units runs to the constant TINY_MAX and skips the units a
   layer lacks, so the compiler unrolls them completely and holds each
   layer's values in registers: the chain of dependent operations from the
   input through the output deltas to the updated weights, which is what an
   online step of a tiny network waits on, never waits for a store to be
   read back. Values are still stored in the layers' z, a and delta (off
   that chain) for the inspection calls. */
/* d[j] *= f'(z_j) over the units of layer L, whose outputs are A (every
   activation here is elementwise: nn__tiny_fits) */
#define TINY_TIMES_DERIV(L, A, D)                                                   \
    do {                                                                            \
        if (all_logistic || nn__activation_logistic(L)) {                           \
            for (size_t u_ = 0; u_ < TINY_MAX; u_++)                                \
                if (u_ < (L)->n_out)                                                \
                    (D)[u_] *= (A)[u_] * (1.0 - (A)[u_]);                            \
        } else {                                                                    \
            double deriv_[TINY_MAX];                                                \
            nn__activation_deriv((L), (L)->z, (L)->a, deriv_, (L)->n_out);          \
            for (size_t u_ = 0; u_ < TINY_MAX; u_++)                                \
                if (u_ < (L)->n_out)                                                \
                    (D)[u_] *= deriv_[u_];                                          \
        }                                                                           \
    } while (0)

/* all_logistic: net->tiny_fits is NN_TINY_LOGISTIC (a constant where the
   callers can make it one), so that the common case asks no table */
static TINY_INLINE int TINY_NAME(nn_t *net, const double *input, const double *target,
                                 double rate, const size_t top, const int all_logistic)
{
    struct nn_layer *layers = net->layers;
    double x[TINY_MAX] = {0.0}; /* outputs of the layer below */
    /* the sum of |a| over every layer, the input's included: it bounds every
       output, and is NaN or infinite when one is (see the checks below) */
    double a_sum = 0.0;
    for (size_t i = 0; i < TINY_MAX; i++)
        if (i < layers[0].n_out) {
            x[i] = input[i];
            layers[0].a[i] = x[i];
            a_sum += fabs(x[i]);
        }
    TINY_UNROLL
    for (size_t k = 1; k <= top; k++) {
        struct nn_layer *l = &layers[k];
        nn__tiny_layer_forward(l, x, all_logistic || nn__activation_logistic(l), TINY_MAX);
        for (size_t j = 0; j < TINY_MAX; j++)
            if (j < l->n_out)
                a_sum += fabs(x[j]);
    }
    const double abs_rate = fabs(rate);
    int written = 0;
    /* output deltas, as every pass forms them */
    struct nn_layer *out = &layers[top];
    double d[TINY_MAX] = {0.0};
    double scratch[TINY_MAX];
    if (all_logistic) {
        for (size_t j = 0; j < TINY_MAX; j++)
            if (j < out->n_out)
                d[j] = nn__logistic_difference_delta(x[j], target[j]);
    } else {
        nn__output_delta_bounded(net->loss, out, out->z, x, target, d, scratch, TINY_MAX);
    }
    for (size_t j = 0; j < TINY_MAX; j++)
        if (j < out->n_out)
            out->delta[j] = d[j];
    TINY_UNROLL
    for (size_t k = top; k >= 1; k--) {
        struct nn_layer *l = &layers[k];
        struct nn_layer *below = &layers[k - 1];
        const size_t n_in = l->n_in, n_out = l->n_out;
        double below_d[TINY_MAX] = {0.0};
        if (k > 1) {
            /* deltas below through the old weights, each sum over j in order
               from 0 as gemv_t forms it */
            double below_a[TINY_MAX] = {0.0};
            for (size_t i = 0; i < TINY_MAX; i++)
                if (i < n_in) {
                    double sum = -0.0;
                    for (size_t j = 0; j < TINY_MAX; j++)
                        if (j < n_out)
                            sum += l->w[j * n_in + i] * d[j];
                    below_d[i] = sum;
                    below_a[i] = below->a[i];
                }
            TINY_TIMES_DERIV(below, below_a, below_d);
            for (size_t i = 0; i < TINY_MAX; i++)
                if (i < n_in)
                    below->delta[i] = below_d[i];
        }
        /* The check of the layer's update before it is written, on bounds
           (internal.h): |delta_j a_i| <= d_sum a_sum for a weight, |delta_j|
           (or the sum of a shared bias) <= d_sum for a bias. A NaN or an
           infinity among the outputs or the deltas makes the bound NaN or
           infinite (0 times one is NaN), and so does an unknown bound of
           the parameters (NaN): the exact check then decides. */
        double d_sum = 0.0;
        for (size_t j = 0; j < TINY_MAX; j++)
            if (j < n_out)
                d_sum += fabs(d[j]);
        double per_delta = a_sum + 1.0;
        if (l->frozen_weights || l->frozen_biases) /* 0 times a NaN stays NaN */
            per_delta = (l->frozen_weights ? 0.0 : 1.0) * a_sum + (l->frozen_biases ? 0.0 : 1.0);
        const double add = d_sum * per_delta, step = abs_rate * add;
        const double bound = l->param_bound + step;
        if (add <= NN_BOUND_LIMIT && bound <= NN_BOUND_LIMIT)
            l->param_bound = bound;
        else if (!nn__update_fits(net, k, add, step))
            return written ? NN_TINY_PARTLY : NN_TINY_REFUSED;
        written = 1;
        if (!l->frozen_weights)
            for (size_t j = 0; j < TINY_MAX; j++)
                if (j < n_out)
                    for (size_t i = 0; i < TINY_MAX; i++)
                        if (i < n_in)
                            l->w[j * n_in + i] -= rate * (d[j] * below->a[i]);
        if (!l->frozen_biases) {
            if (l->bias_mode == NN_BIAS_SHARED)
                l->b[0] -= rate * nn__sum(n_out, l->delta);
            else
                for (size_t j = 0; j < TINY_MAX; j++)
                    if (j < n_out)
                        l->b[j] -= rate * d[j];
        }
        for (size_t i = 0; i < TINY_MAX; i++)
            if (k > 1 && i < n_in)
                d[i] = below_d[i];
    }
    return NN_TINY_DONE;
}

#undef TINY_TIMES_DERIV
#undef TINY_NAME
#undef TINY_MAX

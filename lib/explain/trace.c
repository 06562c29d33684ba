/* The trace: every value of one explained step (nn_explain) or of one pass
   (nn_export_dot), run on private copies of the network so that each value is
   the library's own. One allocation of the network's allocator holds the
   arrays. */
#include "common.h"

#include <stdint.h>
#include <string.h>

/* a * b, or SIZE_MAX when that overflows (the allocation then fails). */
static size_t mul_sat(size_t a, size_t b)
{
    return (b != 0 && a > SIZE_MAX / b) ? SIZE_MAX : a * b;
}

static size_t add_sat(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static double *carve(double **cursor, size_t n)
{
    double *p = *cursor;
    *cursor += n;
    return p;
}

static nn_status trace_alloc(struct nn__trace *t)
{
    const size_t S = t->n_samples, U = t->n_units, P = t->n_params;
    size_t n = mul_sat(5, mul_sat(S, U));
    n = add_sat(n, mul_sat(S, add_sat(2 + t->n_out, P)));
    n = add_sat(n, mul_sat(3, P));
    if (n > SIZE_MAX / sizeof(double))
        return NN_ERR_NO_MEMORY;
    if (n == 0)
        n = 1;
    double *c = nn__alloc(t->net, n * sizeof(double));
    if (c == NULL)
        return NN_ERR_NO_MEMORY;
    memset(c, 0, n * sizeof(double));
    t->z = carve(&c, S * U);
    t->a = carve(&c, S * U);
    t->fprime = carve(&c, S * U);
    t->dEda = carve(&c, S * U);
    t->delta = carve(&c, S * U);
    t->loss = carve(&c, S);
    t->loss_after = carve(&c, S);
    t->out_after = carve(&c, S * t->n_out);
    t->sample_grads = carve(&c, S * P);
    t->params = carve(&c, P);
    t->grads = carve(&c, P);
    t->new_params = carve(&c, P);
    return NN_OK;
}

nn_status nn__trace_init(struct nn__trace *t, const nn_t *net, const struct nn__names *names,
                         size_t n_samples)
{
    memset(t, 0, sizeof *t);
    t->net = net;
    t->names = names;
    t->n_layers = nn_layer_count(net);
    t->n_samples = n_samples;
    t->n_params = nn_param_count(net);
    t->n_in = nn_input_count(net);
    t->n_out = nn_output_count(net);
    t->fused = nn__loss_fused(net->loss, &net->layers[t->n_layers - 1]);
    t->off = nn__alloc(net, t->n_layers * sizeof *t->off);
    if (t->off == NULL)
        return NN_ERR_NO_MEMORY;
    for (size_t k = 0; k < t->n_layers; k++) {
        t->off[k] = t->n_units;
        t->n_units += nn_layer_size(net, k);
    }
    return trace_alloc(t);
}

void nn__trace_free(struct nn__trace *t)
{
    nn__dealloc(t->net, t->off);
    nn__dealloc(t->net, t->z); /* the start of the one allocation */
    nn__dealloc(t->net, t->state_before); /* the start of the optimiser's */
    nn__dealloc(t->net, t->steps);
}

nn_status nn__trace_set_optimizer(struct nn__trace *t, const nn_optimizer_t *opt)
{
    t->opt = opt;
    nn_optimizer_get_kind(opt, &t->opt_kind);
    nn_optimizer_state_count(opt, &t->n_state);
    t->n_counts = 2 * (t->n_layers - 1);
    size_t n = add_sat(mul_sat(2, t->n_state), mul_sat(NN_OPT_TERMS, t->n_params));
    if (n > SIZE_MAX / sizeof(double) || t->n_counts > SIZE_MAX / sizeof *t->steps)
        return NN_ERR_NO_MEMORY;
    double *c = nn__alloc(t->net, n * sizeof(double));
    t->steps = nn__alloc(t->net, t->n_counts * sizeof *t->steps);
    if (c == NULL || t->steps == NULL) {
        nn__dealloc(t->net, c);
        return NN_ERR_NO_MEMORY;
    }
    memset(c, 0, n * sizeof(double));
    memset(t->steps, 0, t->n_counts * sizeof *t->steps);
    t->state_before = carve(&c, t->n_state);
    t->state_after = carve(&c, t->n_state);
    t->terms = carve(&c, NN_OPT_TERMS * t->n_params);
    return NN_OK;
}

static double *tr_mut(const struct nn__trace *t, double *arr, size_t s, size_t k)
{
    return arr + s * t->n_units + t->off[k];
}

/* ---- filling it ---- */

/* z, a and f'(z) of every layer from probe's last forward pass. */
static void record_forward(struct nn__trace *t, const nn_t *probe, size_t s)
{
    for (size_t k = 0; k < t->n_layers; k++) {
        const size_t n = nn_layer_size(probe, k);
        double *a = tr_mut(t, t->a, s, k);
        nn_get_outputs(probe, k, a, n);
        if (k == 0)
            continue;
        double *z = tr_mut(t, t->z, s, k);
        nn_get_net_inputs(probe, k, z, n);
        /* a vector activation (softmax) has no derivative per unit: the
           diagonal of its Jacobian, da_j/dz_j = a_j (1 - a_j), stands there */
        double *d = tr_mut(t, t->fprime, s, k);
        if (!nn__activation_deriv(&probe->layers[k], z, a, d, n))
            for (size_t j = 0; j < n; j++)
                d[j] = a[j] * (1.0 - a[j]);
    }
}

/* Deltas of the last backward pass, and dE/da of every layer: from the loss
   at the top, and below it through the weights of the layer above (those of
   `weights`, the ones the pass propagated through) with the network's own
   kernel, so that the sums round exactly as the library's did. */
static void record_backward(struct nn__trace *t, const nn_t *probe, const nn_t *weights,
                            size_t s)
{
    const size_t top = t->n_layers - 1;
    for (size_t k = 1; k <= top; k++)
        nn_get_deltas(probe, k, tr_mut(t, t->delta, s, k), nn_layer_size(probe, k));
    nn__loss_grad(nn_get_loss(probe), t->n_out, nn__tr(t, t->a, s, top),
                  t->targets + s * t->n_out, tr_mut(t, t->dEda, s, top));
    for (size_t k = top - 1; k >= 1; k--) {
        const struct nn_layer *up = &weights->layers[k + 1];
        weights->kernels->gemv_t(up->n_out, up->n_in, up->w, nn__tr(t, t->delta, s, k + 1),
                                 tr_mut(t, t->dEda, s, k));
    }
}

/* One sample's gradients from its deltas, as the sequential rule forms them. */
static void grads_from_deltas(const struct nn__trace *t, size_t s, double *g)
{
    const struct nn__names *nm = t->names;
    for (size_t k = 1; k < t->n_layers; k++) {
        const size_t n_out = nn_layer_size(t->net, k), n_in = nn_layer_size(t->net, k - 1);
        const double *d = nn__tr(t, t->delta, s, k);
        double *gw = g + nn__weight_flat(nm, k, 0, 0);
        memset(gw, 0, n_out * n_in * sizeof(double));
        t->net->kernels->ger_add(n_out, n_in, d, nn__tr(t, t->a, s, k - 1), gw);
        double *gb = g + nn__bias_flat(nm, k, 0);
        if (nn_get_bias_mode(t->net, k) == NN_BIAS_SHARED)
            gb[0] = nn__sum(n_out, d);
        else
            memcpy(gb, d, n_out * sizeof(double));
    }
}

static const double *sample_in(const struct nn__trace *t, size_t s)
{
    return t->inputs + s * t->n_in;
}

static const double *sample_target(const struct nn__trace *t, size_t s)
{
    return t->targets + s * t->n_out;
}

/* The step of the stepper's summed gradients: nn_step(), or the
   optimiser's on `opt` (a copy), recording what its rule computes. */
static nn_status take_step(struct nn__trace *t, nn_t *stepper, nn_optimizer_t *opt)
{
    if (opt == NULL)
        return nn_step(stepper, t->eta);
    nn_optimizer_get_state(opt, t->state_before, t->n_state);
    nn__optimizer_terms(opt, stepper, t->eta, t->steps, t->terms);
    for (size_t c = 0; c < t->n_counts; c++)
        t->steps[c].hp = NULL; /* they were opt's, which is about to go */
    const nn_status status = nn_optimizer_step(opt, stepper, t->eta);
    nn_optimizer_get_state(opt, t->state_after, t->n_state);
    return status;
}

/* Standard rule: a probe with zeroed gradients gives each sample's own values;
   `stepper` accumulates every sample and takes the step. */
static nn_status run_standard(struct nn__trace *t, nn_t *probe, nn_t *stepper,
                              nn_optimizer_t *opt)
{
    for (size_t s = 0; s < t->n_samples; s++) {
        nn_zero_grads(probe);
        nn_forward(probe, sample_in(t, s), NULL);
        nn_loss(probe, sample_target(t, s), &t->loss[s]);
        nn_backward(probe, sample_target(t, s));
        record_forward(t, probe, s);
        record_backward(t, probe, probe, s);
        nn_get_grads(probe, t->sample_grads + s * t->n_params, t->n_params);
        nn_forward(stepper, sample_in(t, s), NULL);
        nn_backward(stepper, sample_target(t, s));
    }
    nn_get_grads(stepper, t->grads, t->n_params);
    return take_step(t, stepper, opt);
}

/* Sequential rule, one sample: after nn_train_sequential() the stepper's
   weights are the updated ones the deltas were propagated through. */
static void run_sequential(struct nn__trace *t, nn_t *stepper)
{
    nn_forward(stepper, sample_in(t, 0), NULL);
    nn_loss(stepper, sample_target(t, 0), &t->loss[0]);
    nn_train_sequential(stepper, sample_in(t, 0), sample_target(t, 0), t->eta);
    record_forward(t, stepper, 0);
    record_backward(t, stepper, stepper, 0);
    grads_from_deltas(t, 0, t->sample_grads);
    memcpy(t->grads, t->sample_grads, t->n_params * sizeof(double));
}

/* Every sample through the stepped network. */
static void run_after(struct nn__trace *t, nn_t *stepper)
{
    nn_get_params(stepper, t->new_params, t->n_params);
    for (size_t s = 0; s < t->n_samples; s++) {
        nn_forward(stepper, sample_in(t, s), t->out_after + s * t->n_out);
        nn_loss(stepper, sample_target(t, s), &t->loss_after[s]);
        t->loss_total += t->loss[s];
        t->loss_after_total += t->loss_after[s];
    }
}

/* A private copy that computes a diverging step as it is (see internal.h). */
static nn_status clone_zeroed(const nn_t *net, nn_t **out)
{
    nn_status status = nn_clone(net, out);
    if (status == NN_OK) {
        nn_zero_grads(*out);
        (*out)->unchecked = 1;
    }
    return status;
}

nn_status nn__trace_step(struct nn__trace *t)
{
    nn_t *probe = NULL, *stepper = NULL;
    nn_optimizer_t *opt = NULL;
    t->depth = NN__TRACE_STEP;
    nn_status status = clone_zeroed(t->net, &stepper);
    if (status == NN_OK && t->rule == NN_RULE_STANDARD)
        status = clone_zeroed(t->net, &probe);
    if (status == NN_OK && t->opt != NULL)
        status = nn__optimizer_copy(&opt, t->opt, stepper);
    if (status == NN_OK) {
        nn_get_params(t->net, t->params, t->n_params);
        if (t->rule == NN_RULE_STANDARD)
            status = run_standard(t, probe, stepper, opt);
        else
            run_sequential(t, stepper);
    }
    if (status == NN_OK)
        run_after(t, stepper);
    nn_optimizer_free(opt);
    nn_free(probe);
    nn_free(stepper);
    return status;
}

/* One sample on a copy with zeroed gradients, as far as `depth`. */
static void run_pass(struct nn__trace *t, nn_t *probe)
{
    nn_forward(probe, sample_in(t, 0), NULL);
    record_forward(t, probe, 0);
    if (t->depth < NN__TRACE_BACKWARD)
        return;
    nn_loss(probe, sample_target(t, 0), &t->loss[0]);
    nn_backward(probe, sample_target(t, 0));
    record_backward(t, probe, probe, 0);
    nn_get_grads(probe, t->sample_grads, t->n_params);
    t->loss_total = t->loss[0];
}

nn_status nn__trace_pass(struct nn__trace *t, int depth)
{
    t->depth = depth;
    nn_get_params(t->net, t->params, t->n_params);
    if (depth == NN__TRACE_PARAMS)
        return NN_OK;
    nn_t *probe = NULL;
    nn_status status = clone_zeroed(t->net, &probe);
    if (status == NN_OK)
        run_pass(t, probe);
    nn_free(probe);
    return status;
}

/* The two calls: nn_explain() runs one training step and nn_export_dot() one
   pass, each on private copies of the network (trace.c), and writes the
   trace in the chosen format (formats.c). Every allocation goes through the
   network's allocator. */
#include "common.h"

/* ---- nn_explain ---- */

static nn_status check_samples(const nn_t *net, const double *inputs, size_t input_count,
                               const double *targets, size_t target_count, size_t *n_samples)
{
    const size_t n_in = nn_input_count(net), n_out = nn_output_count(net);
    *n_samples = input_count / n_in;
    if (input_count == 0 || input_count % n_in != 0 || target_count / n_out != *n_samples ||
        target_count % n_out != 0)
        return NN_ERR_COUNT;
    if (!nn__all_finite(inputs, input_count) || !nn__all_finite(targets, target_count))
        return NN_ERR_NOT_FINITE;
    return NN_OK;
}

static nn_status check_call(const nn_t *net, const nn_explain_options_t *opts,
                            const double *inputs, size_t input_count, const double *targets,
                            size_t target_count, double rate, size_t *n_samples)
{
    nn_status status =
        check_samples(net, inputs, input_count, targets, target_count, n_samples);
    if (status != NN_OK)
        return status;
    if (opts->rule == NN_RULE_SEQUENTIAL && (*n_samples != 1 || opts->optimizer != NULL))
        return NN_ERR_ARGUMENT;
    if (opts->optimizer != NULL && !nn__optimizer_fits(opts->optimizer, net))
        return NN_ERR_COUNT;
    return nn__all_finite(&rate, 1) ? NN_OK : NN_ERR_NOT_FINITE;
}

/* The explained step made the caller's: the network's parameters and the
   optimiser's state, both or neither. */
static nn_status apply_step(nn_t *net, nn_optimizer_t *opt, const struct nn__trace *t)
{
    if (opt != NULL && !nn__all_finite(t->state_after, t->n_state))
        return NN_ERR_NOT_FINITE;
    nn_status status = nn_set_params(net, t->new_params, t->n_params);
    if (status == NN_OK && opt != NULL)
        status = nn_optimizer_set_state(opt, t->state_after, t->n_state);
    return status;
}

static nn_status explain_samples(nn_t *net, const nn_explain_options_t *opts,
                                 const double *inputs, const double *targets,
                                 size_t n_samples, double rate, nn_write_fn write,
                                 void *context)
{
    struct nn__names nm;
    nn_status status = nn__names_init(&nm, net, opts);
    if (status != NN_OK)
        return status;
    struct nn__trace t;
    status = nn__trace_init(&t, net, &nm, n_samples);
    t.rule = opts->rule;
    t.eta = rate;
    t.inputs = inputs;
    t.targets = targets;
    if (status == NN_OK && opts->optimizer != NULL)
        status = nn__trace_set_optimizer(&t, opts->optimizer);
    if (status == NN_OK)
        status = nn__trace_step(&t);
    if (status == NN_OK)
        status = nn__render(&t, nn__format_find(opts->format)->render, opts->digits, write,
                            context);
    if (status == NN_OK && opts->apply)
        status = apply_step(net, opts->optimizer, &t);
    nn__trace_free(&t);
    nn__names_free(&nm);
    return status;
}

nn_status nn_explain(nn_t *net, const nn_explain_options_t *options, const double *inputs,
                     size_t input_count, const double *targets, size_t target_count,
                     double learning_rate, nn_write_fn write, void *context)
{
    if (net == NULL || inputs == NULL || targets == NULL || write == NULL)
        return NN_ERR_NULL_ARG;
    const nn_explain_options_t *opts = options ? options : &nn__explain_defaults;
    size_t n_samples = 0;
    nn_status status = check_call(net, opts, inputs, input_count, targets, target_count,
                                  learning_rate, &n_samples);
    if (status != NN_OK)
        return status;
    return explain_samples(net, opts, inputs, targets, n_samples, learning_rate, write,
                           context);
}

/* ---- nn_export_dot ---- */

/* Finite values of the expected count. */
static nn_status check_values(const double *x, size_t count, size_t expected)
{
    if (count != expected)
        return NN_ERR_COUNT;
    return nn__all_finite(x, count) ? NN_OK : NN_ERR_NOT_FINITE;
}

static nn_status check_arrays(const nn_t *net, const double *input, size_t input_count,
                              const double *target, size_t target_count)
{
    if ((input == NULL && input_count != 0) || (target == NULL && target_count != 0))
        return NN_ERR_NULL_ARG;
    if (target != NULL && input == NULL)
        return NN_ERR_ARGUMENT;
    nn_status status = NN_OK;
    if (input != NULL)
        status = check_values(input, input_count, nn_input_count(net));
    if (status == NN_OK && target != NULL)
        status = check_values(target, target_count, nn_output_count(net));
    return status;
}

nn_status nn_export_dot(const nn_t *net, const nn_explain_options_t *options,
                        const double *input, size_t input_count, const double *target,
                        size_t target_count, nn_write_fn write, void *context)
{
    if (net == NULL || write == NULL)
        return NN_ERR_NULL_ARG;
    nn_status status = check_arrays(net, input, input_count, target, target_count);
    if (status != NN_OK)
        return status;
    const nn_explain_options_t *opts = options ? options : &nn__explain_defaults;
    struct nn__names nm;
    status = nn__names_init(&nm, net, opts);
    if (status != NN_OK)
        return status;
    struct nn__trace t;
    status = nn__trace_init(&t, net, &nm, input != NULL ? 1 : 0);
    t.inputs = input;
    t.targets = target;
    const int depth = target != NULL  ? NN__TRACE_BACKWARD
                      : input != NULL ? NN__TRACE_FORWARD
                                      : NN__TRACE_PARAMS;
    if (status == NN_OK)
        status = nn__trace_pass(&t, depth);
    if (status == NN_OK)
        status = nn__render(&t, nn__render_dot, opts->digits, write, context);
    nn__trace_free(&t);
    nn__names_free(&nm);
    return status;
}

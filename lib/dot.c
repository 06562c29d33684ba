/* Graphviz DOT export: one cluster per layer, laid out left to right, weights
   on the edges and biases on the units, optionally annotated with the values
   of one forward and backward pass run on a private copy of the network.
   Every allocation goes through the network's allocator. */
#include "explain_common.h"
#include "grads.h"

#include <stdio.h>

struct dot {
    struct nn__out *o;
    const nn_t *net;
    const struct nn__names *nm;
    const nn_t *pass;      /* the copy that ran the pass, or NULL */
    const double *target;  /* the caller's target, or NULL */
    int have_backward;     /* a target was given */
    double loss;
    int digits;
};

static void put(const struct dot *d, const char *s)
{
    nn__out_str(d->o, s);
}

static void put_num(const struct dot *d, double x)
{
    char buf[NN__NUM_BUF];
    nn__fmt_num(buf, x, d->digits);
    put(d, buf);
}

static void put_size(const struct dot *d, size_t n)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", n);
    put(d, buf);
}

/* "\n<label> = <x>" inside a quoted label */
static void put_line(const struct dot *d, const char *label, double x)
{
    put(d, "\\n");
    put(d, label);
    put(d, " = ");
    put_num(d, x);
}

static void put_node_id(const struct dot *d, size_t k, size_t j)
{
    put(d, "n");
    put_size(d, k);
    put(d, "_");
    put_size(d, j);
}

static int is_frozen(const struct dot *d, size_t k, int bias)
{
    int fw = 0, fb = 0;
    nn_get_frozen(d->net, k, &fw, &fb);
    return bias ? fb : fw;
}

/* "<name> = <value>[ (frozen)]" and, after a backward pass, "\ndE/d<name> = <g>". */
static void put_param(const struct dot *d, size_t k, size_t flat, const double *value,
                      const double *grad, int bias)
{
    char buf[NN__NAME_BUF];
    const char *name = nn__param_name(d->nm, flat, buf);
    put(d, name);
    put(d, " = ");
    put_num(d, *value);
    if (bias && nn_get_bias_mode(d->net, k) == NN_BIAS_SHARED)
        put(d, " (shared)");
    if (is_frozen(d, k, bias))
        put(d, " (frozen)");
    if (d->have_backward) {
        put(d, "\\ndE/d");
        put(d, name);
        put(d, " = ");
        put_num(d, *grad);
    }
}

/* ---- units ---- */

static void unit_pass_values(const struct dot *d, size_t k, size_t j)
{
    const struct nn_layer *l = &d->pass->layers[k];
    if (k > 0)
        put_line(d, "net", l->z[j]);
    put_line(d, "out", l->a[j]);
    if (d->have_backward && k + 1 == nn_layer_count(d->net))
        put_line(d, "target", d->target[j]);
    if (d->have_backward && k > 0)
        put_line(d, "delta", l->delta[j]);
}

static void unit(const struct dot *d, size_t k, size_t j)
{
    char buf[NN__NAME_BUF];
    put(d, "    ");
    put_node_id(d, k, j);
    put(d, " [label=\"");
    put(d, nn__unit_name(d->nm, k, j, buf));
    if (k > 0) {
        const struct nn_layer *l = &d->net->layers[k];
        const size_t b = nn_get_bias_mode(d->net, k) == NN_BIAS_SHARED ? 0 : j;
        put(d, "\\n");
        put_param(d, k, nn__bias_flat(d->nm, k, j), &l->b[b],
                  d->pass ? &d->pass->layers[k].gb[b] : NULL, 1);
    }
    if (d->pass != NULL)
        unit_pass_values(d, k, j);
    put(d, "\"];\n");
}

static void layer_cluster(const struct dot *d, size_t k)
{
    const size_t top = nn_layer_count(d->net) - 1;
    put(d, "  subgraph cluster_layer");
    put_size(d, k);
    put(d, " {\n    label=\"layer ");
    put_size(d, k);
    if (k == 0) {
        put(d, ": inputs");
    } else {
        put(d, k == top ? ": outputs, " : ": hidden, ");
        put(d, nn_get_activation_name(d->net, k));
    }
    put(d, "\";\n    rank=same;\n");
    for (size_t j = 0; j < nn_layer_size(d->net, k); j++)
        unit(d, k, j);
    put(d, "  }\n");
}

/* ---- edges ---- */

static void edge(const struct dot *d, size_t k, size_t j, size_t i)
{
    const size_t n_in = nn_layer_size(d->net, k - 1);
    put(d, "  ");
    put_node_id(d, k - 1, i);
    put(d, " -> ");
    put_node_id(d, k, j);
    put(d, " [label=\"");
    const double grad = d->pass ? nn__weight_grad(d->pass, k, j, i) : 0.0;
    put_param(d, k, nn__weight_flat(d->nm, k, j, i), &d->net->layers[k].w[j * n_in + i],
              d->pass ? &grad : NULL, 0);
    put(d, "\"];\n");
}

static void graph(const struct dot *d)
{
    const size_t n_layers = nn_layer_count(d->net);
    put(d, "digraph backprop {\n  rankdir=LR;\n  splines=line;\n  ranksep=1.5;\n");
    put(d, "  node [shape=ellipse, fontsize=10];\n  edge [fontsize=8];\n");
    if (d->have_backward) {
        put(d, "  labelloc=t;\n  label=\"loss E = ");
        put_num(d, d->loss);
        put(d, "\";\n");
    }
    for (size_t k = 0; k < n_layers; k++)
        layer_cluster(d, k);
    for (size_t k = 1; k < n_layers; k++)
        for (size_t j = 0; j < nn_layer_size(d->net, k); j++)
            for (size_t i = 0; i < nn_layer_size(d->net, k - 1); i++)
                edge(d, k, j, i);
    put(d, "}\n");
}

/* ---- the call ---- */

/* Runs the pass on a copy with zeroed gradients. */
static nn_status run_pass(struct dot *d, const double *input, const double *target,
                          nn_t **copy)
{
    nn_status status = nn_clone(d->net, copy);
    if (status != NN_OK)
        return status;
    nn_zero_grads(*copy);
    (*copy)->unchecked = 1; /* the values are shown as they are (see internal.h) */
    nn_forward(*copy, input, NULL);
    if (target != NULL) {
        nn_loss(*copy, target, &d->loss);
        nn_backward(*copy, target);
        d->target = target;
        d->have_backward = 1;
    }
    d->pass = *copy;
    return NN_OK;
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
        status = nn__explain_check_values(input, input_count, nn_input_count(net));
    if (status == NN_OK && target != NULL)
        status = nn__explain_check_values(target, target_count, nn_output_count(net));
    return status;
}

static nn_status write_graph(struct dot *d, nn_write_fn write, void *context)
{
    struct nn__out *o = nn__alloc(d->net, sizeof *o);
    if (o == NULL)
        return NN_ERR_NO_MEMORY;
    nn__out_init(o, write, context);
    d->o = o;
    graph(d);
    nn_status status = nn__out_finish(o);
    nn__dealloc(d->net, o);
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
    struct nn__names nm;
    status = nn__names_init(&nm, net, options);
    if (status != NN_OK)
        return status;
    struct dot d = {NULL, net, &nm, NULL, NULL, 0, 0.0, options ? options->digits : 6};
    nn_t *copy = NULL;
    if (input != NULL)
        status = run_pass(&d, input, target, &copy);
    if (status == NN_OK)
        status = write_graph(&d, write, context);
    nn_free(copy);
    nn__names_free(&nm);
    return status;
}

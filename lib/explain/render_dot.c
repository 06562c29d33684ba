/* Renders a trace as a Graphviz DOT digraph laid out left to right: one
   cluster per layer, weights on the edges and biases on the units, and, as
   far as the trace goes, the values of one forward and backward pass.

   A layer of more than NN__DOT_MAX_UNITS units is drawn as one node holding
   its size, activation and the statistics (min, mean, max) of its incoming
   weights, its biases and its values; the weights between such a node and a
   layer drawn unit by unit are summed up per unit on one edge each, so that a
   network of any width gives a picture of a page or so.

   Readability: each weight is a small box of its own between the two units
   (see link_open), so no label lies on a line. */
#include "common.h"

struct dot {
    struct nn__writer *w;
    const struct nn__trace *t;
    const struct nn__names *nm;
    int digits;
};

static void put(const struct dot *d, const char *s)
{
    nn__write_str(d->w, s);
}

static void put_num(const struct dot *d, double x)
{
    nn__write_num(d->w, x, d->digits);
}

static void put_size(const struct dot *d, size_t n)
{
    nn__write_size(d->w, n);
}

/* "\n<label> = <x>" inside a quoted label */
static void put_line(const struct dot *d, const char *label, double x)
{
    put(d, "\\n");
    put(d, label);
    put(d, " = ");
    put_num(d, x);
}

static int have_forward(const struct dot *d)
{
    return d->t->depth >= NN__TRACE_FORWARD;
}

static int have_backward(const struct dot *d)
{
    return d->t->depth >= NN__TRACE_BACKWARD;
}

static size_t size_of(const struct dot *d, size_t k)
{
    return nn_layer_size(d->t->net, k);
}

static int collapsed(const struct dot *d, size_t k)
{
    return size_of(d, k) > NN__DOT_MAX_UNITS;
}

static int is_frozen(const struct dot *d, size_t k, int bias)
{
    int fw = 0, fb = 0;
    nn_get_frozen(d->t->net, k, &fw, &fb);
    return bias ? fb : fw;
}

static int shared_bias(const struct dot *d, size_t k)
{
    return nn_get_bias_mode(d->t->net, k) == NN_BIAS_SHARED;
}

/* n<k>_<j> for a unit; n<k> for a layer drawn as one node. */
static void put_node_id(const struct dot *d, size_t k, size_t j)
{
    put(d, "n");
    put_size(d, k);
    if (!collapsed(d, k)) {
        put(d, "_");
        put_size(d, j);
    }
}

/* ---- statistics of a set of values ---- */

struct stats {
    size_t n;
    double min, max, sum;
};

static void stats_add(struct stats *s, double x)
{
    if (s->n == 0 || x < s->min)
        s->min = x;
    if (s->n == 0 || x > s->max)
        s->max = x;
    s->sum += x;
    s->n++;
}

/* Values x[first], x[first + stride], ... (count of them). */
static struct stats stats_of(const double *x, size_t first, size_t stride, size_t count)
{
    struct stats s = {0, 0.0, 0.0, 0.0};
    for (size_t i = 0; i < count; i++)
        stats_add(&s, x[first + i * stride]);
    return s;
}

/* "<label>: min a, mean b, max c" */
static void put_stats(const struct dot *d, const char *label, struct stats s)
{
    put(d, label);
    put(d, ": min ");
    put_num(d, s.min);
    put(d, ", mean ");
    put_num(d, s.sum / (double)s.n);
    put(d, ", max ");
    put_num(d, s.max);
}

/* ---- one unit ---- */

/* "<name> = <value>[ (shared)][ (frozen)]" and, after a backward pass,
   "\ndE/d<name> = <g>". */
static void put_param(const struct dot *d, size_t k, size_t flat, int bias)
{
    char buf[NN__NAME_BUF];
    const char *name = nn__param_name(d->nm, flat, buf);
    put(d, name);
    put(d, " = ");
    put_num(d, d->t->params[flat]);
    if (bias && shared_bias(d, k))
        put(d, " (shared)");
    if (is_frozen(d, k, bias))
        put(d, " (frozen)");
    if (have_backward(d)) {
        put(d, "\\ndE/d");
        put(d, name);
        put(d, " = ");
        put_num(d, d->t->sample_grads[flat]);
    }
}

static void unit_pass_values(const struct dot *d, size_t k, size_t j)
{
    const struct nn__trace *t = d->t;
    if (k > 0)
        put_line(d, "net", nn__tr(t, t->z, 0, k)[j]);
    put_line(d, "out", nn__tr(t, t->a, 0, k)[j]);
    if (have_backward(d) && k + 1 == t->n_layers)
        put_line(d, "target", t->targets[j]);
    if (have_backward(d) && k > 0)
        put_line(d, "delta", nn__tr(t, t->delta, 0, k)[j]);
}

static void unit(const struct dot *d, size_t k, size_t j)
{
    char buf[NN__NAME_BUF];
    put(d, "    ");
    put_node_id(d, k, j);
    put(d, " [label=\"");
    put(d, nn__unit_name(d->nm, k, j, buf));
    if (k > 0) {
        put(d, "\\n");
        put_param(d, k, nn__bias_flat(d->nm, k, j), 1);
    }
    if (have_forward(d))
        unit_pass_values(d, k, j);
    put(d, "\"];\n");
}

/* ---- a layer drawn as one node ---- */

/* Statistics of a per-unit array of the trace's sample. */
static struct stats unit_stats(const struct dot *d, const double *arr, size_t k)
{
    return stats_of(nn__tr(d->t, arr, 0, k), 0, 1, size_of(d, k));
}

static void layer_param_stats(const struct dot *d, size_t k)
{
    const struct nn__trace *t = d->t;
    const size_t w0 = nn__weight_flat(d->nm, k, 0, 0), b0 = nn__bias_flat(d->nm, k, 0);
    const size_t n_w = nn_weight_count(t->net, k), n_b = nn_bias_count(t->net, k);
    put_stats(d, is_frozen(d, k, 0) ? "\\nweights (frozen)" : "\\nweights",
              stats_of(t->params, w0, 1, n_w));
    put_stats(d, is_frozen(d, k, 1) ? "\\nbiases (frozen)" : "\\nbiases",
              stats_of(t->params, b0, 1, n_b));
    if (!have_backward(d))
        return;
    put_stats(d, "\\ndE/dweights", stats_of(t->sample_grads, w0, 1, n_w));
    put_stats(d, "\\ndE/dbiases", stats_of(t->sample_grads, b0, 1, n_b));
}

static void layer_value_stats(const struct dot *d, size_t k)
{
    const struct nn__trace *t = d->t;
    if (k > 0)
        put_stats(d, "\\nnet", unit_stats(d, t->z, k));
    put_stats(d, "\\nout", unit_stats(d, t->a, k));
    if (have_backward(d) && k + 1 == t->n_layers)
        put_stats(d, "\\ntarget", stats_of(t->targets, 0, 1, t->n_out));
    if (have_backward(d) && k > 0)
        put_stats(d, "\\ndelta", unit_stats(d, t->delta, k));
}

static void layer_node(const struct dot *d, size_t k)
{
    put(d, "    ");
    put_node_id(d, k, 0);
    put(d, " [style=bold, label=\"");
    put_size(d, size_of(d, k));
    put(d, " units");
    if (k > 0) {
        put(d, shared_bias(d, k) ? ", one shared bias" : ", a bias per unit");
        layer_param_stats(d, k);
    }
    if (have_forward(d))
        layer_value_stats(d, k);
    put(d, "\"];\n");
}

static void layer_cluster(const struct dot *d, size_t k)
{
    const size_t top = d->t->n_layers - 1;
    put(d, "  subgraph cluster_layer");
    put_size(d, k);
    put(d, " {\n    label=\"layer ");
    put_size(d, k);
    if (k == 0) {
        put(d, nn_has_input_scaling(d->t->net) ? ": inputs, scaled" : ": inputs");
    } else {
        put(d, k == top ? ": outputs, " : ": hidden, ");
        put(d, nn_get_activation_name(d->t->net, k));
    }
    put(d, "\";\n    rank=same;\n");
    if (collapsed(d, k)) {
        layer_node(d, k);
    } else {
        for (size_t j = 0; j < size_of(d, k); j++)
            unit(d, k, j);
    }
    put(d, "  }\n");
}

/* ---- edges ---- */

/* Weights are drawn as small boxes of their own between the units they join,
   l<k>_<j>_<i>, with a line in and an arrow out: Graphviz keeps nodes apart,
   where a label on an edge lies where that edge or a crossing one runs. */
static void put_link_id(const struct dot *d, size_t k, size_t j, size_t i)
{
    put(d, "l");
    put_size(d, k);
    put(d, "_");
    put_size(d, j);
    put(d, "_");
    put_size(d, i);
}

/* Unit index meaning every unit a layer is drawn with. */
#define ALL_UNITS ((size_t)-1)

/* Nodes drawn for layer k: its units, or the one node of a collapsed layer. */
static size_t drawn(const struct dot *d, size_t k)
{
    return collapsed(d, k) ? 1 : size_of(d, k);
}

static void link_open(const struct dot *d, size_t k, size_t j, size_t i)
{
    put(d, "  ");
    put_link_id(d, k, j, i);
    put(d, " [color=gray50, fontsize=8, height=0, label=\"");
}

/* Ends the box's label and joins it with a line from unit i of layer k-1 and
   an arrow to unit j of layer k; ALL_UNITS joins every unit drawn. */
static void link_close(const struct dot *d, size_t k, size_t j, size_t i)
{
    const size_t id_j = j == ALL_UNITS ? 0 : j, id_i = i == ALL_UNITS ? 0 : i;
    put(d, "\"];\n");
    for (size_t u = 0; u < drawn(d, k - 1); u++) {
        if (i != ALL_UNITS && u != i)
            continue;
        put(d, "  ");
        put_node_id(d, k - 1, u);
        put(d, " -> ");
        put_link_id(d, k, id_j, id_i);
        put(d, " [arrowhead=none];\n");
    }
    for (size_t u = 0; u < drawn(d, k); u++) {
        if (j != ALL_UNITS && u != j)
            continue;
        put(d, "  ");
        put_link_id(d, k, id_j, id_i);
        put(d, " -> ");
        put_node_id(d, k, u);
        put(d, ";\n");
    }
}

/* Weight (j, i) into layer k, both ends drawn unit by unit. */
static void weight_link(const struct dot *d, size_t k, size_t j, size_t i)
{
    link_open(d, k, j, i);
    put_param(d, k, nn__weight_flat(d->nm, k, j, i), 0);
    link_close(d, k, j, i);
}

/* The `count` weights `stride` apart from flat index `first` (one unit's row or
   column, or the whole matrix) summed up in one box. */
static void summary_link(const struct dot *d, size_t k, size_t j, size_t i, size_t first,
                         size_t stride, size_t count)
{
    link_open(d, k, j == ALL_UNITS ? 0 : j, i == ALL_UNITS ? 0 : i);
    put_size(d, count);
    put_stats(d, count == 1 ? " weight" : " weights", stats_of(d->t->params, first, stride, count));
    if (have_backward(d))
        put_stats(d, "\\ndE/dw", stats_of(d->t->sample_grads, first, stride, count));
    link_close(d, k, j, i);
}

/* Layer k's weights: a box per weight when both layers are drawn unit by unit
   and there are at most NN__DOT_MAX_WEIGHTS of them; a box per drawn unit
   next to a layer drawn as one node; otherwise one box for them all. */
static void layer_links(const struct dot *d, size_t k)
{
    const size_t n_out = size_of(d, k), n_in = size_of(d, k - 1);
    const size_t w0 = nn__weight_flat(d->nm, k, 0, 0);
    const int one_in = collapsed(d, k - 1), one_out = collapsed(d, k);
    if (one_out && !one_in) {
        for (size_t i = 0; i < n_in; i++)
            summary_link(d, k, ALL_UNITS, i, w0 + i, n_in, n_out);
    } else if (one_in && !one_out) {
        for (size_t j = 0; j < n_out; j++)
            summary_link(d, k, j, ALL_UNITS, w0 + j * n_in, 1, n_in);
    } else if (one_in || n_out * n_in > NN__DOT_MAX_WEIGHTS) {
        summary_link(d, k, ALL_UNITS, ALL_UNITS, w0, 1, n_out * n_in);
    } else {
        for (size_t j = 0; j < n_out; j++)
            for (size_t i = 0; i < n_in; i++)
                weight_link(d, k, j, i);
    }
}

void nn__render_dot(const struct nn__trace *t, int digits, struct nn__writer *w)
{
    const struct dot d = {w, t, t->names, digits};
    put(&d, "digraph backprop {\n  rankdir=LR;\n  ranksep=0.4;\n  nodesep=0.15;\n");
    put(&d, "  node [shape=box, style=rounded, fontsize=10];\n  edge [tailport=e, headport=w];\n");
    if (have_backward(&d)) {
        put(&d, "  labelloc=t;\n  label=\"loss E = ");
        put_num(&d, t->loss[0]);
        put(&d, "\";\n");
    }
    for (size_t k = 0; k < t->n_layers; k++)
        layer_cluster(&d, k);
    for (size_t k = 1; k < t->n_layers; k++)
        layer_links(&d, k);
    put(&d, "}\n");
}

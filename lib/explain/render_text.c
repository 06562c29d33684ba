/* Renders an explained step as plain text or as Markdown with LaTeX math.
   Both share every line; they differ only in how symbols, products, fractions,
   formulas and headings are spelled, which one dialect table each decides.

   Markdown notes: every equation is a display block "$$...$$" on a line of its
   own. The LaTeX avoids what GitHub's Markdown pass could take for its own:
   no "\_", "\{", "\\", "\," or "*", and every "_" follows a letter or a digit,
   so that none can open emphasis. */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Symbols are built in fixed buffers, returned by value and used within one
   expression: a name (a caller's name is at most NN_MAX_NAME characters), a
   symbol made of a name, and a derivative made of two symbols. */
typedef struct {
    char s[64];
} name_t;

typedef struct {
    char s[128];
} sym;

typedef struct {
    char s[320];
} dsym;

struct render;

/* How a dialect spells things. Formats are for emit() below. */
struct dialect {
    /* a number, already formatted; a name of a unit or parameter */
    void (*number)(const struct render *r, const char *formatted);
    name_t (*name)(const char *name);
    const char *math;            /* around a formula inside a sentence */
    const char *eq_open, *eq_close; /* around a formula on a line of its own */
    const char *line_end;        /* after a line of prose */
    const char *item;            /* before a line of the header's list */
    const char *list_end;        /* after the header's list */
    const char *heading_open[4], *heading_close[4]; /* level 1 title, 2 section, 3 layer */
    const char *times_in_term;   /* %m: a product inside a term */
    const char *times;           /* %M: a product between factors */
    const char *sub;             /* a quantity of a unit: quantity, name */
    const char *delta, *eta;     /* the symbols */
    const char *updated;         /* after a parameter's symbol: its value after the step */
    const char *deriv;           /* the derivative of one symbol by another */
    const char *loss_total;      /* the batch's loss */
    const char *loss_sample;     /* one sample's loss within a batch: its number */
    const char *loss_sample_after;
    const char *loss_mse, *loss_half_sse; /* the header's definitions of the loss */
    const char *term_mse, *term_half_sse; /* one output's term: E, n, t, out, n, t, out, value */
    const char *grad_mse;        /* dE/dout of the mean: n, out, t, n, out, t, value */
    const char *sigmoid;         /* net, -z, value */
    const char *tanh, *relu, *softplus; /* net, z, value */
    const char *tanh_deriv;      /* out, out's value, value */
    const char *positive, *not_positive; /* a value and why: value, net */
    const char *frozen;          /* p+ = p = value, unchanged */
    const char *before;          /* the loss before the step: symbol, value */
    const char *loss_ce, *loss_bce; /* the header's definitions of the cross-entropies */
    const char *term_ce;         /* E, t, out, t, out, value */
    const char *term_bce;        /* E, t, out, t, out, t, out, value */
    const char *grad_ce;         /* t, out, t, out, value */
    const char *grad_bce;        /* out, t, out, out, out, t, out, out, value */
    const char *softmax_max;     /* m: value */
    const char *softmax_exp;     /* one term of the sum: net's value, m */
    const char *softmax_out;     /* net, exp's value, S, value */
    const char *softmax_dot;     /* the sum of out_i dE/dout_i over the layer: value */
    const char *softmax_delta;   /* out, dE/dout, out's value, dE/dout's value, dot, value */
    const char *fused_ce;        /* out, t, out's value, sum t, t's value, value */
    const char *fused_bce;       /* out, t, out's value, t's value, value */
};

struct render {
    struct nn__writer *w;
    const struct nn__trace *t;
    const struct dialect *d;
    int digits;
};

/* ---- primitives ---- */

static void put(const struct render *r, const char *s)
{
    nn__write_str(r->w, s);
}

static void put_plain_number(const struct render *r, const char *buf)
{
    put(r, buf);
}

/* "1.5e-05" becomes "1.5 \times 10^{-5}" in LaTeX. */
static void put_latex_number(const struct render *r, const char *buf)
{
    if (strcmp(buf, "nan") == 0 || strcmp(buf, "-nan") == 0) {
        put(r, "\\mathrm{NaN}");
        return;
    }
    const char *inf = strstr(buf, "inf");
    const char *e = strchr(buf, 'e');
    if (inf != NULL) {
        put(r, buf[0] == '-' ? "-\\infty" : "\\infty");
    } else if (e == NULL) {
        put(r, buf);
    } else {
        nn__write_bytes(r->w, buf, (size_t)(e - buf));
        put(r, " \\times 10^{");
        const char *p = e + 1;
        if (*p == '-')
            put(r, "-");
        if (*p == '-' || *p == '+')
            p++;
        while (*p == '0' && p[1] != '\0')
            p++;
        put(r, p);
        put(r, "}");
    }
}

/* A number; negative ones in parentheses when `paren` (factors and terms). */
static void put_num(const struct render *r, double x, int paren)
{
    char buf[NN__NUM_BUF];
    nn__fmt_num(buf, x, r->digits);
    const int wrap = paren && buf[0] == '-';
    if (wrap)
        put(r, "(");
    r->d->number(r, buf);
    if (wrap)
        put(r, ")");
}

static void put_size(const struct render *r, size_t n)
{
    nn__write_size(r->w, n);
}

/* A tiny printf: %s string, %g number, %p number in parentheses if negative,
   %z size_t, %m product sign inside a term, %M product sign between factors,
   %$ the dialect's math delimiter within a sentence, %% a percent sign. Used
   for the library's own fixed formats only. */
static void emit(const struct render *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%') {
            const char *next = strchr(p, '%');
            size_t n = next ? (size_t)(next - p) : strlen(p);
            nn__write_bytes(r->w, p, n);
            p += n - 1;
            continue;
        }
        switch (*++p) {
        case 's': put(r, va_arg(ap, const char *)); break;
        case 'g': put_num(r, va_arg(ap, double), 0); break;
        case 'p': put_num(r, va_arg(ap, double), 1); break;
        case 'z': put_size(r, va_arg(ap, size_t)); break;
        case 'm': put(r, r->d->times_in_term); break;
        case 'M': put(r, r->d->times); break;
        case '$': put(r, r->d->math); break;
        default: put(r, "%"); break;
        }
    }
    va_end(ap);
}

static void eq_open(const struct render *r)
{
    put(r, r->d->eq_open);
}

static void eq_close(const struct render *r)
{
    put(r, r->d->eq_close);
}

/* Level 1 is the title, 2 a section, 3 a layer. */
static void heading(const struct render *r, int level, const char *title, const char *suffix)
{
    put(r, r->d->heading_open[level]);
    put(r, title);
    put(r, suffix);
    put(r, r->d->heading_close[level]);
}

/* ---- symbols ---- */

static int is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* LaTeX for a name: leading letters and, when a digit or '_' follows them,
   the rest as a subscript ("w5" -> w_{5}, "h1_2" -> h_{1,2}, "b_out" ->
   b_{out}); any other '_' is shown as ',' ("x.a_b" -> x.a,b). */
static name_t latex_name(const char *name)
{
    name_t out;
    size_t n = 0, k = 0;
    while (is_letter(name[k]))
        out.s[n++] = name[k++];
    const int sub = k > 0 && ((name[k] >= '0' && name[k] <= '9') || name[k] == '_');
    if (sub) {
        out.s[n++] = '_';
        out.s[n++] = '{';
        if (name[k] == '_')
            k++;
    }
    for (; name[k] != '\0'; k++)
        out.s[n++] = name[k] == '_' ? ',' : name[k];
    if (sub)
        out.s[n++] = '}';
    out.s[n] = '\0';
    return out;
}

static name_t plain_name(const char *name)
{
    name_t out;
    snprintf(out.s, sizeof out.s, "%s", name);
    return out;
}

static name_t name_sym(const struct render *r, const char *name)
{
    return r->d->name(name);
}

static name_t unit_name(const struct render *r, size_t k, size_t j)
{
    char buf[NN__NAME_BUF];
    return name_sym(r, nn__unit_name(r->t->names, k, j, buf));
}

/* "net_h1" / "net_{h_{1}}"; the prefix "delta" is the dialect's delta. */
static sym unit_q(const struct render *r, const char *prefix, size_t k, size_t j)
{
    sym out;
    const name_t name = unit_name(r, k, j);
    if (strcmp(prefix, "delta") == 0)
        prefix = r->d->delta;
    snprintf(out.s, sizeof out.s, r->d->sub, prefix, name.s);
    return out;
}

/* What unit j of layer k passes on: an input's own name, or out_<name>. */
static sym act_sym(const struct render *r, size_t k, size_t j)
{
    sym out;
    if (k > 0)
        return unit_q(r, "out", k, j);
    snprintf(out.s, sizeof out.s, "%s", unit_name(r, 0, j).s);
    return out;
}

static sym param_sym(const struct render *r, size_t flat, int updated)
{
    char buf[NN__NAME_BUF];
    sym out;
    const name_t name = name_sym(r, nn__param_name(r->t->names, flat, buf));
    snprintf(out.s, sizeof out.s, "%s%s", name.s, updated ? r->d->updated : "");
    return out;
}

static dsym deriv(const struct render *r, const char *num, const char *den)
{
    dsym out;
    snprintf(out.s, sizeof out.s, r->d->deriv, num, den);
    return out;
}

/* The loss a derivative is taken of: E for one sample, E[s] within a batch,
   E_total for the batch's sum (s == n_samples). */
static sym loss_sym(const struct render *r, size_t s)
{
    sym out;
    if (r->t->n_samples == 1)
        snprintf(out.s, sizeof out.s, "E");
    else if (s == r->t->n_samples)
        snprintf(out.s, sizeof out.s, "%s", r->d->loss_total);
    else
        snprintf(out.s, sizeof out.s, r->d->loss_sample, s + 1);
    return out;
}

/* The loss after the step, same cases as loss_sym(). */
static sym after_sym(const struct render *r, size_t s)
{
    sym out;
    if (r->t->n_samples > 1 && s < r->t->n_samples)
        snprintf(out.s, sizeof out.s, r->d->loss_sample_after, s + 1);
    else
        snprintf(out.s, sizeof out.s, "%s%s", loss_sym(r, s).s, r->d->updated);
    return out;
}

/* ---- shape helpers ---- */

static size_t size_of(const struct render *r, size_t k)
{
    return nn_layer_size(r->t->net, k);
}

static int frozen(const struct render *r, size_t k, int bias)
{
    int fw = 0, fb = 0;
    nn_get_frozen(r->t->net, k, &fw, &fb);
    return bias ? fb : fw;
}

static int shared_bias(const struct render *r, size_t k)
{
    return nn_get_bias_mode(r->t->net, k) == NN_BIAS_SHARED;
}

static double unit_val(const struct render *r, const double *arr, size_t s, size_t k, size_t j)
{
    return nn__tr(r->t, arr, s, k)[j];
}

static const char *sample_suffix(const struct render *r, size_t s, char *buf, size_t n)
{
    if (r->t->n_samples == 1)
        return "";
    snprintf(buf, n, " (sample %zu of %zu)", s + 1, r->t->n_samples);
    return buf;
}

/* ---- header ---- */

static void put_layer_settings(const struct render *r, size_t k)
{
    emit(r, "; layer %z: %s, %s", k, nn_get_activation_name(r->t->net, k),
         shared_bias(r, k) ? "one shared bias" : "a bias per unit");
    if (frozen(r, k, 0))
        put(r, ", weights frozen");
    if (frozen(r, k, 1))
        put(r, ", biases frozen");
}

static void put_network(const struct render *r)
{
    emit(r, "%sNetwork: ", r->d->item);
    for (size_t k = 0; k < r->t->n_layers; k++)
        emit(r, k ? "-%z" : "%z", size_of(r, k));
    for (size_t k = 1; k < r->t->n_layers; k++)
        put_layer_settings(r, k);
    put(r, "\n");
}

static void put_loss_definition(const struct render *r)
{
    const int loss = nn_get_loss(r->t->net);
    const char *definition = loss == NN_LOSS_MSE                 ? r->d->loss_mse
                             : loss == NN_LOSS_CROSS_ENTROPY        ? r->d->loss_ce
                             : loss == NN_LOSS_BINARY_CROSS_ENTROPY ? r->d->loss_bce
                                                                    : r->d->loss_half_sse;
    emit(r, "%sLoss: %s\n", r->d->item, definition);
    emit(r, "%sLearning rate: %$%s = %g%$\n", r->d->item, r->d->eta, r->t->eta);
}

static void put_rule(const struct render *r)
{
    emit(r, "%sRule: ", r->d->item);
    if (r->t->rule == NN_RULE_SEQUENTIAL)
        put(r, "sequential: each layer is updated as soon as its gradients are known, from "
               "the output down, and the deltas of the layer below are propagated through "
               "the weights just updated.\n");
    else
        put(r, "standard: every gradient is computed from the parameters as they were "
               "before the step, then all parameters change together.\n");
    if (r->t->n_samples > 1)
        emit(r, "%sBatch: %z samples; their gradients are added up before the one update.\n",
             r->d->item, r->t->n_samples);
    put(r, r->d->list_end);
}

static void put_header(const struct render *r)
{
    heading(r, 1, "One training step of backpropagation, worked through",
            r->t->rule == NN_RULE_SEQUENTIAL ? " (sequential rule)" : " (standard rule)");
    put_network(r);
    put_loss_definition(r);
    put_rule(r);
}

/* ---- forward pass ---- */

/* "Input: x1 = 0.05, x2 = 0.1" or "Target: t_o1 = 0.01, ..." */
static void put_values(const struct render *r, const char *label, size_t k, const double *v)
{
    put(r, label);
    for (size_t j = 0; j < size_of(r, k); j++) {
        const sym name = k == 0 ? act_sym(r, 0, j) : unit_q(r, "t", k, j);
        emit(r, "%s%$%s = %g%$", j ? ", " : " ", name.s, v[j]);
    }
    put(r, r->d->line_end);
}

static void net_line(const struct render *r, size_t s, size_t k, size_t j)
{
    const struct nn__names *nm = r->t->names;
    const size_t n_in = size_of(r, k - 1), b = nn__bias_flat(nm, k, j);
    eq_open(r);
    emit(r, "%s = ", unit_q(r, "net", k, j).s);
    for (size_t i = 0; i < n_in; i++)
        emit(r, "%s%s%m%s", i ? " + " : "", param_sym(r, nn__weight_flat(nm, k, j, i), 0).s,
             act_sym(r, k - 1, i).s);
    emit(r, " + %s = ", param_sym(r, b, 0).s);
    for (size_t i = 0; i < n_in; i++)
        emit(r, "%s%p%m%p", i ? " + " : "", r->t->params[nn__weight_flat(nm, k, j, i)],
             unit_val(r, r->t->a, s, k - 1, i));
    emit(r, " + %p = %g", r->t->params[b], unit_val(r, r->t->z, s, k, j));
    eq_close(r);
}

/* The right-hand side of out = f(net) for layer k's activation. */
static void activation_rhs(const struct render *r, size_t k, const char *net, double z,
                           double a)
{
    const name_t custom = name_sym(r, nn_get_activation_name(r->t->net, k));
    switch (nn_get_activation(r->t->net, k)) {
    case NN_ACT_LINEAR: emit(r, "%s = %g", net, a); break;
    case NN_ACT_SIGMOID:
        emit(r, r->d->sigmoid, net, -z, a);
        break;
    case NN_ACT_TANH:
        emit(r, r->d->tanh, net, z, a);
        break;
    case NN_ACT_RELU:
        emit(r, r->d->relu, net, z, a);
        break;
    case NN_ACT_LEAKY_RELU:
        if (z > 0.0)
            emit(r, "%s = %g", net, a);
        else
            emit(r, "0.01%m%s = 0.01%m%p = %g", net, z, a);
        break;
    case NN_ACT_SOFTPLUS:
        emit(r, r->d->softplus, net, z, a);
        break;
    default: emit(r, "%s(%s) = %s(%g) = %g", custom.s, net, custom.s, z, a); break;
    }
}

static void out_line(const struct render *r, size_t s, size_t k, size_t j)
{
    const sym out = unit_q(r, "out", k, j), net = unit_q(r, "net", k, j);
    eq_open(r);
    emit(r, "%s = ", out.s);
    activation_rhs(r, k, net.s, unit_val(r, r->t->z, s, k, j), unit_val(r, r->t->a, s, k, j));
    eq_close(r);
}

static void layer_heading(const struct render *r, size_t k, const char *what)
{
    char title[96];
    const char *role = k + 1 == r->t->n_layers ? "output" : "hidden";
    snprintf(title, sizeof title, "Layer %zu (%s, %s)%s", k, role,
             nn_get_activation_name(r->t->net, k), what);
    heading(r, 3, title, "");
}

/* The largest net input m of layer k and S = sum_j e^(net_j - m): the
   terms of a softmax, as activation.c forms them. */
static double softmax_max(const struct render *r, size_t s, size_t k)
{
    double m = unit_val(r, r->t->z, s, k, 0);
    for (size_t j = 1; j < size_of(r, k); j++)
        if (unit_val(r, r->t->z, s, k, j) > m)
            m = unit_val(r, r->t->z, s, k, j);
    return m;
}

/* A softmax layer: every net input first, then m, the sum S of the
   exponentials, and each output exp(net - m) / S. */
static void put_softmax_forward(const struct render *r, size_t s, size_t k)
{
    const size_t n = size_of(r, k);
    const double m = softmax_max(r, s, k);
    double sum = 0.0;
    for (size_t j = 0; j < n; j++)
        net_line(r, s, k, j);
    eq_open(r);
    emit(r, r->d->softmax_max, m);
    eq_close(r);
    eq_open(r);
    put(r, "S = ");
    for (size_t j = 0; j < n; j++) {
        put(r, j ? " + " : "");
        emit(r, r->d->softmax_exp, unit_val(r, r->t->z, s, k, j), m);
        sum += exp(unit_val(r, r->t->z, s, k, j) - m);
    }
    for (size_t j = 0; j < n && n > 1; j++)
        emit(r, j ? " + %p" : " = %g", exp(unit_val(r, r->t->z, s, k, j) - m));
    emit(r, " = %g", sum);
    eq_close(r);
    for (size_t j = 0; j < n; j++) {
        eq_open(r);
        emit(r, "%s = ", unit_q(r, "out", k, j).s);
        emit(r, r->d->softmax_out, unit_q(r, "net", k, j).s,
             exp(unit_val(r, r->t->z, s, k, j) - m), sum, unit_val(r, r->t->a, s, k, j));
        eq_close(r);
    }
}

static void put_forward(const struct render *r, size_t s)
{
    char suffix[64];
    heading(r, 2, "Forward pass", sample_suffix(r, s, suffix, sizeof suffix));
    if (nn_has_input_scaling(r->t->net)) {
        put_values(r, "Raw input:", 0, r->t->inputs + s * r->t->n_in);
        put(r, "Input scaling applied: each input is (raw - offset) / scale, with the "
               "network's offsets and scales.");
        put(r, r->d->line_end);
        put_values(r, "Input:", 0, nn__tr(r->t, r->t->a, s, 0));
    } else {
        put_values(r, "Input:", 0, r->t->inputs + s * r->t->n_in);
    }
    for (size_t k = 1; k < r->t->n_layers; k++) {
        layer_heading(r, k, "");
        if (nn_get_activation(r->t->net, k) == NN_ACT_SOFTMAX) {
            put_softmax_forward(r, s, k);
            continue;
        }
        for (size_t j = 0; j < size_of(r, k); j++) {
            net_line(r, s, k, j);
            out_line(r, s, k, j);
        }
    }
}

/* ---- loss ---- */

static void loss_term_line(const struct render *r, size_t s, size_t j)
{
    const size_t top = r->t->n_layers - 1, n = r->t->n_out;
    const double o = unit_val(r, r->t->a, s, top, j), t = r->t->targets[s * n + j];
    const sym e = unit_q(r, "E", top, j), tq = unit_q(r, "t", top, j);
    const sym oq = unit_q(r, "out", top, j);
    const int loss = nn_get_loss(r->t->net);
    const double term = nn__loss_term(loss, n, o, t);
    eq_open(r);
    if (loss == NN_LOSS_MSE)
        emit(r, r->d->term_mse, e.s, n, tq.s, oq.s, n, t, o, term);
    else if (loss == NN_LOSS_CROSS_ENTROPY)
        emit(r, r->d->term_ce, e.s, tq.s, oq.s, t, o, term);
    else if (loss == NN_LOSS_BINARY_CROSS_ENTROPY)
        emit(r, r->d->term_bce, e.s, tq.s, oq.s, tq.s, oq.s, t, o, t, o, term);
    else
        emit(r, r->d->term_half_sse, e.s, tq.s, oq.s, t, o, term);
    eq_close(r);
}

/* E = E_o1 + E_o2 = ... = the library's loss of the sample. */
static void loss_total_line(const struct render *r, size_t s)
{
    const size_t top = r->t->n_layers - 1, n = r->t->n_out;
    const double *o = nn__tr(r->t, r->t->a, s, top), *t = r->t->targets + s * n;
    const int loss = nn_get_loss(r->t->net);
    eq_open(r);
    emit(r, "%s = ", loss_sym(r, s).s);
    for (size_t j = 0; j < n; j++)
        emit(r, "%s%s", j ? " + " : "", unit_q(r, "E", top, j).s);
    for (size_t j = 0; j < n && n > 1; j++) {
        emit(r, j ? " + %p" : " = %g", nn__loss_term(loss, n, o[j], t[j]));
    }
    emit(r, " = %g", r->t->loss[s]);
    eq_close(r);
}

static void put_loss(const struct render *r, size_t s)
{
    char suffix[64];
    heading(r, 2, "Loss", sample_suffix(r, s, suffix, sizeof suffix));
    put_values(r, "Target:", r->t->n_layers - 1, r->t->targets + s * r->t->n_out);
    for (size_t j = 0; j < r->t->n_out; j++)
        loss_term_line(r, s, j);
    loss_total_line(r, s);
}

/* ---- backward pass ---- */

/* dE/dout of an output unit, from the loss. */
static void output_error_line(const struct render *r, size_t s, size_t j)
{
    const size_t top = r->t->n_layers - 1, n = r->t->n_out;
    const double o = unit_val(r, r->t->a, s, top, j), t = r->t->targets[s * n + j];
    const sym oq = unit_q(r, "out", top, j), tq = unit_q(r, "t", top, j);
    const double g = unit_val(r, r->t->dEda, s, top, j);
    eq_open(r);
    emit(r, "%s = ", deriv(r, loss_sym(r, s).s, oq.s).s);
    const int loss = nn_get_loss(r->t->net);
    if (loss == NN_LOSS_MSE)
        emit(r, r->d->grad_mse, n, oq.s, tq.s, n, o, t, g);
    else if (loss == NN_LOSS_CROSS_ENTROPY)
        emit(r, r->d->grad_ce, tq.s, oq.s, t, o, g);
    else if (loss == NN_LOSS_BINARY_CROSS_ENTROPY)
        emit(r, r->d->grad_bce, oq.s, tq.s, oq.s, oq.s, o, t, o, o, g);
    else
        emit(r, "%s - %s = %g - %p = %g", oq.s, tq.s, o, t, g);
    eq_close(r);
}

/* dE/dout of a hidden unit: the sum over the paths through the layer above,
   delta_k * w_kj, with the weights that the rule propagates through. */
static void hidden_error_line(const struct render *r, size_t s, size_t k, size_t j)
{
    const struct nn__names *nm = r->t->names;
    const int seq = r->t->rule == NN_RULE_SEQUENTIAL;
    const double *w = seq ? r->t->new_params : r->t->params;
    const size_t n_up = size_of(r, k + 1);
    eq_open(r);
    emit(r, "%s = ", deriv(r, loss_sym(r, s).s, unit_q(r, "out", k, j).s).s);
    for (size_t u = 0; u < n_up; u++)
        emit(r, "%s%s%m%s", u ? " + " : "", unit_q(r, "delta", k + 1, u).s,
             param_sym(r, nn__weight_flat(nm, k + 1, u, j), seq).s);
    put(r, " = ");
    for (size_t u = 0; u < n_up; u++)
        emit(r, "%s%p%m%p", u ? " + " : "", unit_val(r, r->t->delta, s, k + 1, u),
             w[nn__weight_flat(nm, k + 1, u, j)]);
    for (size_t u = 0; u < n_up && n_up > 1; u++) /* each path's share */
        emit(r, u ? " + %p" : " = %g",
             unit_val(r, r->t->delta, s, k + 1, u) * w[nn__weight_flat(nm, k + 1, u, j)]);
    emit(r, " = %g", unit_val(r, r->t->dEda, s, k, j));
    eq_close(r);
}

/* The right-hand side of dout/dnet for layer k's activation. */
static void fprime_rhs(const struct render *r, size_t k, const char *out, const char *net,
                       double z, double a, double d)
{
    const name_t name = name_sym(r, nn_get_activation_name(r->t->net, k));
    switch (nn_get_activation(r->t->net, k)) {
    case NN_ACT_LINEAR: emit(r, "%g", d); break;
    case NN_ACT_SIGMOID:
        emit(r, "%s%m(1 - %s) = %p%m(1 - %p) = %g", out, out, a, a, d);
        break;
    case NN_ACT_TANH:
        emit(r, r->d->tanh_deriv, out, a, d);
        break;
    case NN_ACT_RELU:
    case NN_ACT_LEAKY_RELU:
        emit(r, z > 0.0 ? r->d->positive : r->d->not_positive, d, net);
        break;
    case NN_ACT_SOFTPLUS:
        emit(r, r->d->sigmoid, net, -z, d);
        break;
    default: emit(r, "%s'(%s) = %g", name.s, net, d); break;
    }
}

static void fprime_line(const struct render *r, size_t s, size_t k, size_t j)
{
    const sym out = unit_q(r, "out", k, j), net = unit_q(r, "net", k, j);
    eq_open(r);
    emit(r, "%s = ", deriv(r, out.s, net.s).s);
    fprime_rhs(r, k, out.s, net.s, unit_val(r, r->t->z, s, k, j), unit_val(r, r->t->a, s, k, j),
               unit_val(r, r->t->fprime, s, k, j));
    eq_close(r);
}

/* delta = dE/dnet = dE/dout * dout/dnet */
static void delta_line(const struct render *r, size_t s, size_t k, size_t j)
{
    const sym e = loss_sym(r, s), out = unit_q(r, "out", k, j), net = unit_q(r, "net", k, j);
    eq_open(r);
    emit(r, "%s = %s = ", unit_q(r, "delta", k, j).s, deriv(r, e.s, net.s).s);
    emit(r, "%s%M%s = ", deriv(r, e.s, out.s).s, deriv(r, out.s, net.s).s);
    emit(r, "%p%M%p = %g", unit_val(r, r->t->dEda, s, k, j), unit_val(r, r->t->fprime, s, k, j),
         unit_val(r, r->t->delta, s, k, j));
    eq_close(r);
}

/* dE/dp = dE/dout * dout/dnet * dnet/dp for a weight or a bias into unit j of
   layer k; dnet/dp is the value the weight carries, or 1 for a bias. */
/* Whether layer k's deltas are dE/dout times one derivative per unit (not
   a softmax layer's, nor the closed form of a loss at the output). */
static int per_unit_chain(const struct render *r, size_t k)
{
    if (k + 1 == r->t->n_layers && r->t->fused)
        return 0;
    return nn_get_activation(r->t->net, k) != NN_ACT_SOFTMAX;
}

static void chain_line(const struct render *r, size_t s, size_t k, size_t j, size_t flat,
                       double dnet_dp)
{
    const sym e = loss_sym(r, s), out = unit_q(r, "out", k, j), net = unit_q(r, "net", k, j);
    const sym p = param_sym(r, flat, 0);
    eq_open(r);
    emit(r, "%s = ", deriv(r, e.s, p.s).s);
    if (!per_unit_chain(r, k)) { /* the delta shown above: dE/dnet times dnet/dp */
        emit(r, "%s%M", deriv(r, e.s, net.s).s);
        emit(r, "%s = %p%M%p = %g", deriv(r, net.s, p.s).s, unit_val(r, r->t->delta, s, k, j),
             dnet_dp, r->t->sample_grads[s * r->t->n_params + flat]);
        eq_close(r);
        return;
    }
    emit(r, "%s%M%s%M", deriv(r, e.s, out.s).s, deriv(r, out.s, net.s).s);
    emit(r, "%s = ", deriv(r, net.s, p.s).s);
    emit(r, "%p%M%p%M%p = %g", unit_val(r, r->t->dEda, s, k, j),
         unit_val(r, r->t->fprime, s, k, j), dnet_dp,
         r->t->sample_grads[s * r->t->n_params + flat]);
    eq_close(r);
}

/* A shared bias: dE/db = the sum of the layer's deltas. */
static void shared_bias_line(const struct render *r, size_t s, size_t k, size_t flat)
{
    eq_open(r);
    emit(r, "%s = ", deriv(r, loss_sym(r, s).s, param_sym(r, flat, 0).s).s);
    for (size_t j = 0; j < size_of(r, k); j++)
        emit(r, "%s%s", j ? " + " : "", unit_q(r, "delta", k, j).s);
    for (size_t j = 0; j < size_of(r, k); j++)
        emit(r, j ? " + %p" : " = %p", unit_val(r, r->t->delta, s, k, j));
    emit(r, " = %g", r->t->sample_grads[s * r->t->n_params + flat]);
    eq_close(r);
}

static void gradient_lines(const struct render *r, size_t s, size_t k)
{
    const struct nn__names *nm = r->t->names;
    for (size_t j = 0; j < size_of(r, k); j++)
        for (size_t i = 0; i < size_of(r, k - 1); i++)
            chain_line(r, s, k, j, nn__weight_flat(nm, k, j, i),
                       unit_val(r, r->t->a, s, k - 1, i));
    if (shared_bias(r, k)) {
        shared_bias_line(r, s, k, nn__bias_flat(nm, k, 0));
        return;
    }
    for (size_t j = 0; j < size_of(r, k); j++)
        chain_line(r, s, k, j, nn__bias_flat(nm, k, j), 1.0);
}

/* ---- updates ---- */

/* p+ = p - eta * dE/dp, or p+ = p for a frozen parameter. */
static void update_line(const struct render *r, size_t flat, int is_frozen)
{
    const sym p = param_sym(r, flat, 0), e = loss_sym(r, r->t->n_samples);
    eq_open(r);
    emit(r, "%s = ", param_sym(r, flat, 1).s);
    if (is_frozen) {
        emit(r, r->d->frozen, p.s, r->t->params[flat]);
    } else {
        emit(r, "%s - %s%m", p.s, r->d->eta);
        emit(r, "%s = %g - %p%m%p = %g", deriv(r, e.s, p.s).s, r->t->params[flat], r->t->eta,
             r->t->grads[flat], r->t->new_params[flat]);
    }
    eq_close(r);
}

static void layer_updates(const struct render *r, size_t k)
{
    const struct nn__names *nm = r->t->names;
    const size_t first = nn__weight_flat(nm, k, 0, 0), n_w = nn_weight_count(r->t->net, k);
    const size_t n_b = nn_bias_count(r->t->net, k);
    for (size_t f = first; f < first + n_w; f++)
        update_line(r, f, frozen(r, k, 0));
    for (size_t f = first + n_w; f < first + n_w + n_b; f++)
        update_line(r, f, frozen(r, k, 1));
}

/* The output deltas of a loss with a closed form for the output
   activation (softmax with cross-entropy, sigmoid with the binary one), and
   why they take that form. */
static void put_fused_deltas(const struct render *r, size_t s)
{
    const size_t top = r->t->n_layers - 1, n = r->t->n_out;
    const double *t = r->t->targets + s * n;
    const int ce = nn_get_loss(r->t->net) == NN_LOSS_CROSS_ENTROPY;
    double t_sum = 0.0;
    for (size_t j = 0; j < n; j++)
        t_sum += t[j];
    for (size_t j = 0; j < n; j++) {
        const sym out = unit_q(r, "out", top, j), tq = unit_q(r, "t", top, j);
        const double o = unit_val(r, r->t->a, s, top, j), d = unit_val(r, r->t->delta, s, top, j);
        eq_open(r);
        emit(r, "%s = %s = ", unit_q(r, "delta", top, j).s,
             deriv(r, loss_sym(r, s).s, unit_q(r, "net", top, j).s).s);
        if (ce)
            emit(r, r->d->fused_ce, out.s, tq.s, o, t_sum, t[j], d);
        else
            emit(r, r->d->fused_bce, out.s, tq.s, o, t[j], d);
        eq_close(r);
    }
    put(r, ce ? "Why: with a softmax output, dE/dout_j = -t_j/out_j and dout_i/dnet_j = "
                "out_i*([i = j] - out_j); their product summed over i is out_j*sum(t) - t_j "
                "(out - t for a one-hot target), computed so without dividing by out.\n"
              : "Why: with a sigmoid output, dE/dout = (out - t)/(out*(1 - out)) and "
                "dout/dnet = out*(1 - out) cancel: delta = out - t, computed so without "
                "dividing by out*(1 - out).\n");
}

/* A softmax layer's deltas: each output depends on every net input of the
   layer, so delta_j = out_j*(dE/dout_j - sum_i out_i*dE/dout_i). */
static void put_softmax_deltas(const struct render *r, size_t s, size_t k)
{
    const size_t n = size_of(r, k);
    double dot = 0.0;
    for (size_t j = 0; j < n; j++)
        dot += unit_val(r, r->t->a, s, k, j) * unit_val(r, r->t->dEda, s, k, j);
    eq_open(r);
    emit(r, r->d->softmax_dot, dot);
    eq_close(r);
    for (size_t j = 0; j < n; j++) {
        const sym out = unit_q(r, "out", k, j), net = unit_q(r, "net", k, j);
        const sym e = loss_sym(r, s);
        eq_open(r);
        emit(r, "%s = %s = ", unit_q(r, "delta", k, j).s, deriv(r, e.s, net.s).s);
        emit(r, r->d->softmax_delta, out.s, deriv(r, e.s, out.s).s,
             unit_val(r, r->t->a, s, k, j), unit_val(r, r->t->dEda, s, k, j), dot,
             unit_val(r, r->t->delta, s, k, j));
        eq_close(r);
    }
}

static void put_backward(const struct render *r, size_t s)
{
    char suffix[64];
    heading(r, 2, "Backward pass", sample_suffix(r, s, suffix, sizeof suffix));
    for (size_t k = r->t->n_layers - 1; k >= 1; k--) {
        layer_heading(r, k, "");
        const int top = k + 1 == r->t->n_layers;
        if (top && r->t->fused) {
            put_fused_deltas(r, s);
        } else if (nn_get_activation(r->t->net, k) == NN_ACT_SOFTMAX) {
            for (size_t j = 0; j < size_of(r, k); j++) {
                if (top)
                    output_error_line(r, s, j);
                else
                    hidden_error_line(r, s, k, j);
            }
            put_softmax_deltas(r, s, k);
        } else {
            for (size_t j = 0; j < size_of(r, k); j++) {
                if (top)
                    output_error_line(r, s, j);
                else
                    hidden_error_line(r, s, k, j);
                fprime_line(r, s, k, j);
                delta_line(r, s, k, j);
            }
        }
        gradient_lines(r, s, k);
        if (r->t->rule == NN_RULE_SEQUENTIAL) {
            layer_heading(r, k, k > 1 ? ": update now, before the deltas move down"
                                      : ": update now");
            layer_updates(r, k);
        }
    }
}

/* ---- a batch: the sum over the samples ---- */

static void sum_loss_line(const struct render *r)
{
    eq_open(r);
    emit(r, "%s = ", loss_sym(r, r->t->n_samples).s);
    for (size_t s = 0; s < r->t->n_samples; s++)
        emit(r, "%s%s", s ? " + " : "", loss_sym(r, s).s);
    for (size_t s = 0; s < r->t->n_samples; s++)
        emit(r, s ? " + %p" : " = %g", r->t->loss[s]);
    emit(r, " = %g", r->t->loss_total);
    eq_close(r);
}

static void sum_gradient_line(const struct render *r, size_t flat)
{
    const sym p = param_sym(r, flat, 0);
    const size_t n = r->t->n_samples;
    eq_open(r);
    emit(r, "%s = ", deriv(r, loss_sym(r, n).s, p.s).s);
    for (size_t s = 0; s < n; s++)
        emit(r, "%s%s", s ? " + " : "", deriv(r, loss_sym(r, s).s, p.s).s);
    for (size_t s = 0; s < n; s++)
        emit(r, s ? " + %p" : " = %g", r->t->sample_grads[s * r->t->n_params + flat]);
    emit(r, " = %g", r->t->grads[flat]);
    eq_close(r);
}

static void put_batch_sum(const struct render *r)
{
    heading(r, 2, "Sum over the samples", "");
    sum_loss_line(r);
    for (size_t f = 0; f < r->t->n_params; f++)
        sum_gradient_line(r, f);
}

/* ---- the update and the loss after it ---- */

static void put_optimizer_update(const struct render *r);

static void put_update(const struct render *r)
{
    if (r->t->opt != NULL) {
        put_optimizer_update(r);
        return;
    }
    heading(r, 2, "Update: every parameter at once", "");
    for (size_t k = 1; k < r->t->n_layers; k++)
        layer_updates(r, k);
}

static void after_sample(const struct render *r, size_t s)
{
    const size_t top = r->t->n_layers - 1;
    const sym e = after_sym(r, s);
    if (r->t->n_samples > 1)
        emit(r, "Sample %z: outputs", s + 1);
    else
        put(r, "Outputs:");
    for (size_t j = 0; j < r->t->n_out; j++)
        emit(r, "%s%$%s = %g%$", j ? ", " : " ", unit_q(r, "out", top, j).s,
             r->t->out_after[s * r->t->n_out + j]);
    if (r->t->n_samples > 1)
        emit(r, ", loss %$%s = %g%$", e.s, r->t->loss_after[s]);
    put(r, r->d->line_end);
}

static void put_after(const struct render *r)
{
    const size_t n = r->t->n_samples;
    const sym before = loss_sym(r, n), after = after_sym(r, n);
    heading(r, 2, "After the step", "");
    for (size_t s = 0; s < n; s++)
        after_sample(r, s);
    eq_open(r);
    emit(r, "%s = %g", after.s, r->t->loss_after_total);
    emit(r, r->d->before, before.s, r->t->loss_total);
    eq_close(r);
}

/* ---- the two dialects ---- */

static const struct dialect text_dialect = {
    put_plain_number, plain_name, "", "", "\n", "\n", "", "",
    {"", "", "\n== ", "\n-- "}, {"", "\n", " ==\n", " --\n"},
    "*", " * ", "%s_%s", "delta", "eta", "+", "d%s/d%s", "E_total", "E[%zu]", "E[%zu]+",
    "E = 1/n * sum over the n outputs of (t - out)^2",
    "E = sum over the outputs of 1/2*(t - out)^2",
    "%s = 1/%z*(%s - %s)^2 = 1/%z*(%g - %p)^2 = %g",
    "%s = 1/2*(%s - %s)^2 = 1/2*(%g - %p)^2 = %g",
    "2/%z*(%s - %s) = 2/%z*(%g - %p) = %g",
    "sigmoid(%s) = 1/(1 + exp(%g)) = %g",
    "tanh(%s) = tanh(%g) = %g",
    "max(0, %s) = max(0, %g) = %g",
    "ln(1 + exp(%s)) = ln(1 + exp(%g)) = %g",
    "1 - %s^2 = 1 - %p^2 = %g",
    "%g (since %s > 0)",
    "%g (since %s <= 0)",
    "%s = %g (frozen, unchanged)",
    " (before the step: %s = %g)",
    "E = -sum over the outputs of t*ln(out)",
    "E = -sum over the outputs of (t*ln(out) + (1 - t)*ln(1 - out))",
    "%s = -%s*ln(%s) = -%p*ln(%g) = %g",
    "%s = -(%s*ln(%s) + (1 - %s)*ln(1 - %s)) = -(%p*ln(%g) + (1 - %p)*ln(1 - %g)) = %g",
    "-%s/%s = -%p/%p = %g",
    "(%s - %s)/(%s*(1 - %s)) = (%g - %p)/(%p*(1 - %p)) = %g",
    "m = max over the layer of net = %g",
    "exp(%p - %p)",
    "exp(%s - m)/S = %g/%g = %g",
    "sum over the layer of out_i*dE/dout_i = %g",
    "%s*(%s - sum_i out_i*dE/dout_i) = %p*(%p - %p) = %g",
    "%s*sum(t) - %s = %g*%p - %p = %g",
    "%s - %s = %g - %p = %g",
};

static const struct dialect markdown_dialect = {
    put_latex_number, latex_name, "$", "$$", "$$\n\n", "\n\n", "- ", "\n",
    {"", "# ", "## ", "### "}, {"", "\n\n", "\n\n", "\n\n"},
    " \\cdot ", " \\cdot ", "%s_{%s}", "\\delta", "\\eta", "^{+}",
    "\\frac{\\partial %s}{\\partial %s}", "E_{total}", "E^{(%zu)}", "E^{(%zu)+}",
    "$E = \\frac{1}{n}\\sum_{k} (t_{k} - out_{k})^{2}$ over the n outputs",
    "$E = \\sum_{k} \\frac{1}{2}(t_{k} - out_{k})^{2}$ over the outputs",
    "%s = \\frac{1}{%z}(%s - %s)^{2} = \\frac{1}{%z}(%g - %p)^{2} = %g",
    "%s = \\frac{1}{2}(%s - %s)^{2} = \\frac{1}{2}(%g - %p)^{2} = %g",
    "\\frac{2}{%z}(%s - %s) = \\frac{2}{%z}(%g - %p) = %g",
    "\\sigma(%s) = \\frac{1}{1 + e^{%g}} = %g",
    "\\tanh(%s) = \\tanh(%g) = %g",
    "\\max(0, %s) = \\max(0, %g) = %g",
    "\\ln(1 + e^{%s}) = \\ln(1 + e^{%g}) = %g",
    "1 - %s^{2} = 1 - %p^{2} = %g",
    "%g \\quad (%s > 0)",
    "%g \\quad (%s \\le 0)",
    "%s = %g \\quad \\text{(frozen, unchanged)}",
    " \\quad \\text{before the step: } %s = %g",
    "$E = -\\sum_{k} t_{k} \\ln out_{k}$ over the outputs",
    "$E = -\\sum_{k} (t_{k} \\ln out_{k} + (1 - t_{k}) \\ln(1 - out_{k}))$ over the outputs",
    "%s = -%s \\ln %s = -%p \\ln %g = %g",
    "%s = -(%s \\ln %s + (1 - %s) \\ln(1 - %s)) = -(%p \\ln %g + (1 - %p) \\ln(1 - %g)) = %g",
    "-\\frac{%s}{%s} = -\\frac{%g}{%g} = %g",
    "\\frac{%s - %s}{%s (1 - %s)} = \\frac{%g - %p}{%p (1 - %p)} = %g",
    "m = \\max_{k} net_{k} = %g",
    "e^{%g - %p}",
    "\\frac{e^{%s - m}}{S} = \\frac{%g}{%g} = %g",
    "\\sum_{i} out_{i} \\frac{\\partial E}{\\partial out_{i}} = %g",
    "%s (%s - \\sum_{i} out_{i} \\frac{\\partial E}{\\partial out_{i}}) = %p (%p - %p) = %g",
    "%s \\sum_{k} t_{k} - %s = %g \\cdot %p - %p = %g",
    "%s - %s = %g - %p = %g",
};

/* ---- an optimiser's update ---- */

/* The optimiser's formulas come in the two spellings side by side: the
   text one and the LaTeX one, picked by the dialect. */
static const char *spell(const struct render *r, const char *text, const char *latex)
{
    return r->d == &markdown_dialect ? latex : text;
}

static double hp_of(const struct render *r, int h)
{
    double v = 0.0;
    nn_optimizer_get(r->t->opt, h, &v);
    return v;
}

/* What the rule computed for parameter `flat`: term i, and state value
   `slot` before and after the step. */
static double term(const struct render *r, size_t flat, size_t i)
{
    return r->t->terms[flat * NN_OPT_TERMS + i];
}

static double state(const struct render *r, const double *st, size_t slot, size_t flat)
{
    return st[r->t->n_counts + slot * r->t->n_params + flat];
}

static void opt_settings(const struct render *r)
{
    const int kind = r->t->opt_kind;
    emit(r, "Optimiser %s", nn_optimizer_name(kind));
    for (int h = 0; h <= NN_HP_STEP_MAX; h++) {
        double v;
        if (nn_optimizer_get(r->t->opt, h, &v) == NN_OK)
            emit(r, ", %$%s = %g%$", nn_hyperparameter_name(h), v);
    }
    emit(r, ", rate %$%s = %g%$.", r->d->eta, r->t->eta);
    put(r, r->d->line_end);
}

/* Block c (2 (layer - 1) + kind): its step count, and Adam's corrections. */
static void opt_block(const struct render *r, size_t c)
{
    const struct nn__trace *t = r->t;
    const struct nn_opt_step *st = &t->steps[c];
    emit(r, "Layer %z %s: step %$t = %g%$", c / 2 + 1, c % 2 ? "biases" : "weights", st->t);
    put(r, r->d->line_end);
    if (t->opt_kind != NN_OPT_ADAM && t->opt_kind != NN_OPT_ADAMW)
        return;
    eq_open(r);
    emit(r, spell(r, "1 - beta1^t = 1 - %g^%g = %g, 1 - beta2^t = 1 - %g^%g = %g",
                  "1 - \\beta_{1}^{t} = 1 - %g^{%g} = %g, \\quad 1 - \\beta_{2}^{t} = 1 - %g^{%g} = %g"),
         hp_of(r, NN_HP_BETA1), st->t, st->bias1, hp_of(r, NN_HP_BETA2), st->t, st->bias2);
    eq_close(r);
    eq_open(r);
    emit(r, spell(r, "s = eta/(1 - beta1^t) = %g/%g = %g, sqrt(1 - beta2^t) = %g",
                  "s = \\frac{\\eta}{1 - \\beta_{1}^{t}} = \\frac{%g}{%g} = %g, \\quad \\sqrt{1 - \\beta_{2}^{t}} = %g"),
         t->eta, st->bias1, st->step_size, st->bias2_sqrt);
    eq_close(r);
}

/* g with the L2 term of weight decay, when there is one. */
static void opt_gradient(const struct render *r, size_t flat, const char *g, double used)
{
    const double wd = hp_of(r, NN_HP_WEIGHT_DECAY);
    if (wd == 0.0)
        return;
    eq_open(r);
    emit(r, spell(r, "%s = dE/dp + wd*p = %g + %p*%p = %g",
                  "%s = \\frac{\\partial E}{\\partial p} + wd \\cdot p = %g + %p \\cdot %p = %g"),
         g, r->t->grads[flat], wd, r->t->params[flat], used);
    eq_close(r);
}

static void opt_sgd(const struct render *r, size_t flat, double t)
{
    const double mu = hp_of(r, NN_HP_MOMENTUM), d = term(r, flat, 0);
    const double buf = state(r, r->t->state_after, 0, flat);
    opt_gradient(r, flat, "d", d);
    if (mu != 0.0) {
        eq_open(r);
        if (t == 1.0)
            emit(r, spell(r, "buf = d = %g (the first step)", "buf = d = %g \\quad \\text{(the first step)}"), buf);
        else
            emit(r, spell(r, "buf = mu*buf + (1 - dampening)*d = %p*%p + (1 - %p)*%p = %g",
                          "buf = \\mu \\cdot buf + (1 - \\tau) d = %p \\cdot %p + (1 - %p) \\cdot %p = %g"),
                 mu, state(r, r->t->state_before, 0, flat), hp_of(r, NN_HP_DAMPENING), d, buf);
        eq_close(r);
        if (hp_of(r, NN_HP_NESTEROV) != 0.0) {
            eq_open(r);
            emit(r, spell(r, "d = d + mu*buf = %g + %p*%p = %g",
                          "d = d + \\mu \\cdot buf = %g + %p \\cdot %p = %g"),
                 d, mu, buf, term(r, flat, 1));
            eq_close(r);
        }
    }
    eq_open(r);
    emit(r, "%s = %s - %s%M%s = %g - %p%M%p = %g", param_sym(r, flat, 1).s, param_sym(r, flat, 0).s,
         r->d->eta, mu != 0.0 && hp_of(r, NN_HP_NESTEROV) == 0.0 ? "buf" : "d",
         r->t->params[flat], r->t->eta, term(r, flat, 1), r->t->new_params[flat]);
    eq_close(r);
}

static void opt_adam(const struct render *r, size_t flat, const struct nn_opt_step *st)
{
    const double *before = r->t->state_before, *after = r->t->state_after;
    const double g = term(r, flat, 0), pd = term(r, flat, 2);
    if (r->t->opt_kind == NN_OPT_ADAM) {
        opt_gradient(r, flat, "g", g);
    } else {
        eq_open(r);
        emit(r, spell(r, "p' = p*(1 - eta*wd) = %g*%g = %g", "p' = p (1 - \\eta \\cdot wd) = %g \\cdot %g = %g"),
             r->t->params[flat], term(r, flat, 1), pd);
        eq_close(r);
    }
    eq_open(r);
    emit(r, spell(r, "m = beta1*m + (1 - beta1)*g = %p*%p + (1 - %p)*%p = %g",
                  "m = \\beta_{1} m + (1 - \\beta_{1}) g = %p \\cdot %p + (1 - %p) \\cdot %p = %g"),
         hp_of(r, NN_HP_BETA1), state(r, before, 0, flat), hp_of(r, NN_HP_BETA1), g,
         state(r, after, 0, flat));
    eq_close(r);
    eq_open(r);
    emit(r, spell(r, "v = beta2*v + (1 - beta2)*g^2 = %p*%p + (1 - %p)*%p^2 = %g",
                  "v = \\beta_{2} v + (1 - \\beta_{2}) g^{2} = %p \\cdot %p + (1 - %p) \\cdot %p^{2} = %g"),
         hp_of(r, NN_HP_BETA2), state(r, before, 1, flat), hp_of(r, NN_HP_BETA2), g,
         state(r, after, 1, flat));
    eq_close(r);
    eq_open(r);
    emit(r, spell(r, "denom = sqrt(v)/sqrt(1 - beta2^t) + eps = sqrt(%g)/%g + %g = %g",
                  "denom = \\frac{\\sqrt{v}}{\\sqrt{1 - \\beta_{2}^{t}}} + \\epsilon = \\frac{\\sqrt{%g}}{%g} + %g = %g"),
         state(r, after, 1, flat), st->bias2_sqrt, hp_of(r, NN_HP_EPSILON), term(r, flat, 3));
    eq_close(r);
    eq_open(r);
    emit(r, spell(r, "%s = %s - s*m/denom = %g - %p*%p/%p = %g",
                  "%s = %s - s \\frac{m}{denom} = %g - %p \\cdot \\frac{%g}{%g} = %g"),
         param_sym(r, flat, 1).s,
         r->t->opt_kind == NN_OPT_ADAMW ? "p'" : param_sym(r, flat, 0).s, pd, st->step_size,
         state(r, after, 0, flat), term(r, flat, 3), r->t->new_params[flat]);
    eq_close(r);
}
static void opt_rmsprop(const struct render *r, size_t flat)
{
    const double *before = r->t->state_before, *after = r->t->state_after;
    const double g = term(r, flat, 0), alpha = hp_of(r, NN_HP_ALPHA);
    const double mu = hp_of(r, NN_HP_MOMENTUM);
    opt_gradient(r, flat, "g", g);
    eq_open(r);
    emit(r, spell(r, "v = alpha*v + (1 - alpha)*g^2 = %p*%p + (1 - %p)*%p^2 = %g",
                  "v = \\alpha v + (1 - \\alpha) g^{2} = %p \\cdot %p + (1 - %p) \\cdot %p^{2} = %g"),
         alpha, state(r, before, 0, flat), alpha, g, state(r, after, 0, flat));
    eq_close(r);
    eq_open(r);
    emit(r, spell(r, "avg = sqrt(v) + eps = sqrt(%g) + %g = %g",
                  "avg = \\sqrt{v} + \\epsilon = \\sqrt{%g} + %g = %g"),
         state(r, after, 0, flat), hp_of(r, NN_HP_EPSILON), term(r, flat, 1));
    eq_close(r);
    eq_open(r);
    if (mu != 0.0) {
        emit(r, spell(r, "buf = mu*buf + g/avg = %p*%p + %p/%p = %g",
                      "buf = \\mu \\cdot buf + \\frac{g}{avg} = %p \\cdot %p + \\frac{%g}{%g} = %g"),
             mu, state(r, before, 1, flat), g, term(r, flat, 1), state(r, after, 1, flat));
        eq_close(r);
        eq_open(r);
        emit(r, "%s = %s - %s%Mbuf = %g - %p%M%p = %g", param_sym(r, flat, 1).s,
             param_sym(r, flat, 0).s, r->d->eta, r->t->params[flat], r->t->eta,
             state(r, after, 1, flat), r->t->new_params[flat]);
    } else {
        emit(r, spell(r, "%s = %s - eta*g/avg = %g - %p*%p/%p = %g",
                      "%s = %s - \\eta \\frac{g}{avg} = %g - %p \\cdot \\frac{%g}{%g} = %g"),
             param_sym(r, flat, 1).s, param_sym(r, flat, 0).s, r->t->params[flat], r->t->eta, g,
             term(r, flat, 1), r->t->new_params[flat]);
    }
    eq_close(r);
}

static void opt_rprop(const struct render *r, size_t flat)
{
    const double *after = r->t->state_after;
    const double prev = term(r, flat, 0), factor = term(r, flat, 2);
    const double g = r->t->grads[flat];
    eq_open(r);
    emit(r, spell(r, "sign(g*g_prev) = sign(%p*%p): factor %g",
                  "\\operatorname{sign}(g \\cdot g_{prev}) = \\operatorname{sign}(%p \\cdot %p): \\text{factor } %g"),
         g, prev, factor);
    eq_close(r);
    eq_open(r);
    emit(r, spell(r, "step = clamp(step*factor, step_min, step_max) = clamp(%g*%g, %g, %g) = %g",
                  "step = \\min(\\max(step \\cdot factor, step_{min}), step_{max}) = \\min(\\max(%g \\cdot %g, %g), %g) = %g"),
         term(r, flat, 1), factor, hp_of(r, NN_HP_STEP_MIN), hp_of(r, NN_HP_STEP_MAX),
         state(r, after, 1, flat));
    eq_close(r);
    if (g * prev < 0.0) {
        put(r, "The sign flipped: the gradient counts as 0 (no move) and is stored as 0.");
        put(r, r->d->line_end);
    }
    eq_open(r);
    emit(r, spell(r, "%s = %s - sign(g)*step = %g - %p = %g", "%s = %s - \\operatorname{sign}(g) \\cdot step = %g - %p = %g"),
         param_sym(r, flat, 1).s, param_sym(r, flat, 0).s, r->t->params[flat], term(r, flat, 3),
         r->t->new_params[flat]);
    eq_close(r);
}

/* One block's parameters, by the optimiser's rule. */
static void opt_block_params(const struct render *r, size_t k, int bias, size_t first, size_t n)
{
    const size_t c = 2 * (k - 1) + (size_t)bias;
    const struct nn_opt_step *st = &r->t->steps[c];
    if (frozen(r, k, bias)) {
        for (size_t f = first; f < first + n; f++)
            update_line(r, f, 1);
        return;
    }
    opt_block(r, c);
    for (size_t f = first; f < first + n; f++) {
        emit(r, "%$%s%$, with %$%s = %g%$:", param_sym(r, f, 0).s,
             deriv(r, loss_sym(r, r->t->n_samples).s, param_sym(r, f, 0).s).s, r->t->grads[f]);
        put(r, r->d->line_end);
        switch (r->t->opt_kind) {
        case NN_OPT_SGD: opt_sgd(r, f, st->t); break;
        case NN_OPT_ADAM:
        case NN_OPT_ADAMW: opt_adam(r, f, st); break;
        case NN_OPT_RMSPROP: opt_rmsprop(r, f); break;
        default: opt_rprop(r, f); break;
        }
    }
}

static void put_optimizer_update(const struct render *r)
{
    heading(r, 2, "Update by the optimiser: every parameter at once", "");
    opt_settings(r);
    for (size_t k = 1; k < r->t->n_layers; k++) {
        const size_t first = nn__weight_flat(r->t->names, k, 0, 0);
        const size_t n_w = nn_weight_count(r->t->net, k);
        opt_block_params(r, k, 0, first, n_w);
        opt_block_params(r, k, 1, first + n_w, nn_bias_count(r->t->net, k));
    }
}

static void render(const struct nn__trace *t, const struct dialect *d, int digits,
                   struct nn__writer *w)
{
    const struct render r = {w, t, d, digits};
    put_header(&r);
    for (size_t s = 0; s < t->n_samples; s++) {
        put_forward(&r, s);
        put_loss(&r, s);
        put_backward(&r, s);
    }
    if (t->n_samples > 1)
        put_batch_sum(&r);
    if (t->rule == NN_RULE_STANDARD)
        put_update(&r);
    put_after(&r);
}

void nn__render_text(const struct nn__trace *t, int digits, struct nn__writer *w)
{
    render(t, &text_dialect, digits, w);
}

void nn__render_markdown(const struct nn__trace *t, int digits, struct nn__writer *w)
{
    render(t, &markdown_dialect, digits, w);
}

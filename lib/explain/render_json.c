/* Renders an explained step as one JSON object (schema in docs/explain.md).
   Numbers use the fewest digits that read back as the same double; a value
   that is not finite is written as null. Names only ever hold the characters
   [A-Za-z0-9_.-], so strings need no escapes. */
#include "common.h"
#include "../scaling.h"

#include <math.h>

struct json {
    struct nn__writer *w;
    const struct nn__trace *t;
};

static void put(const struct json *j, const char *s)
{
    nn__write_str(j->w, s);
}

static void num(const struct json *j, double x)
{
    if (isfinite(x))
        nn__write_exact(j->w, x);
    else
        put(j, "null");
}

static void size(const struct json *j, size_t n)
{
    nn__write_size(j->w, n);
}

static void str(const struct json *j, const char *s)
{
    put(j, "\"");
    put(j, s);
    put(j, "\"");
}

/* "key": */
static void key(const struct json *j, const char *indent, const char *k)
{
    put(j, indent);
    str(j, k);
    put(j, ": ");
}

static void array(const struct json *j, const double *x, size_t n)
{
    put(j, "[");
    for (size_t i = 0; i < n; i++) {
        put(j, i ? ", " : "");
        num(j, x[i]);
    }
    put(j, "]");
}

/* ,\n<indent>"key": [numbers] */
static void field_array(const struct json *j, const char *indent, const char *k,
                        const double *x, size_t n)
{
    put(j, ",\n");
    key(j, indent, k);
    array(j, x, n);
}

static void field_num(const struct json *j, const char *indent, const char *k, double x)
{
    put(j, ",\n");
    key(j, indent, k);
    num(j, x);
}

/* ---- layers ---- */

static void unit_names(const struct json *j, size_t k)
{
    char buf[NN__NAME_BUF];
    put(j, "[");
    for (size_t u = 0; u < nn_layer_size(j->t->net, k); u++) {
        put(j, u ? ", " : "");
        str(j, nn__unit_name(j->t->names, k, u, buf));
    }
    put(j, "]");
}

static void layer_settings(const struct json *j, size_t k)
{
    int fw = 0, fb = 0;
    nn_get_frozen(j->t->net, k, &fw, &fb);
    put(j, ", \"activation\": ");
    str(j, nn_get_activation_name(j->t->net, k));
    put(j, ", \"bias\": ");
    str(j, nn_bias_mode_name(nn_get_bias_mode(j->t->net, k)));
    put(j, fw ? ", \"frozen_weights\": true" : ", \"frozen_weights\": false");
    put(j, fb ? ", \"frozen_biases\": true" : ", \"frozen_biases\": false");
}

static void layers(const struct json *j)
{
    put(j, ",\n");
    key(j, "  ", "layers");
    put(j, "[");
    for (size_t k = 0; k < j->t->n_layers; k++) {
        put(j, k ? ",\n    {\"layer\": " : "\n    {\"layer\": ");
        size(j, k);
        put(j, ", \"size\": ");
        size(j, nn_layer_size(j->t->net, k));
        put(j, ", \"units\": ");
        unit_names(j, k);
        if (k > 0)
            layer_settings(j, k);
        put(j, "}");
    }
    put(j, "\n  ]");
}

/* ---- parameters ---- */

/* "layer", "kind", "unit", "from" of one parameter. */
static void param_place(const struct json *j, size_t k, size_t rel)
{
    const size_t n_in = nn_layer_size(j->t->net, k - 1), n_w = nn_weight_count(j->t->net, k);
    put(j, ", \"layer\": ");
    size(j, k);
    if (rel < n_w) {
        put(j, ", \"kind\": \"weight\", \"unit\": ");
        size(j, rel / n_in);
        put(j, ", \"from\": ");
        size(j, rel % n_in);
    } else if (nn_get_bias_mode(j->t->net, k) == NN_BIAS_SHARED) {
        put(j, ", \"kind\": \"bias\", \"unit\": null, \"from\": null");
    } else {
        put(j, ", \"kind\": \"bias\", \"unit\": ");
        size(j, rel - n_w);
        put(j, ", \"from\": null");
    }
}

static void param(const struct json *j, size_t k, size_t rel, size_t flat)
{
    char buf[NN__NAME_BUF];
    int fw = 0, fb = 0;
    nn_get_frozen(j->t->net, k, &fw, &fb);
    const int is_frozen = rel < nn_weight_count(j->t->net, k) ? fw : fb;
    put(j, "\n    {\"index\": ");
    size(j, flat);
    put(j, ", \"name\": ");
    str(j, nn__param_name(j->t->names, flat, buf));
    param_place(j, k, rel);
    put(j, is_frozen ? ", \"frozen\": true, \"value\": " : ", \"frozen\": false, \"value\": ");
    num(j, j->t->params[flat]);
    put(j, ", \"gradient\": ");
    num(j, j->t->grads[flat]);
    put(j, ", \"new_value\": ");
    num(j, j->t->new_params[flat]);
    put(j, "}");
}

static void params(const struct json *j)
{
    put(j, ",\n");
    key(j, "  ", "params");
    put(j, "[");
    size_t flat = 0;
    for (size_t k = 1; k < j->t->n_layers; k++) {
        const size_t n = nn_weight_count(j->t->net, k) + nn_bias_count(j->t->net, k);
        for (size_t rel = 0; rel < n; rel++, flat++) {
            put(j, flat ? "," : "");
            param(j, k, rel, flat);
        }
    }
    put(j, "\n  ]");
}

/* ---- the optimiser's step ---- */

/* Whether parameter `flat` of the trace is frozen. */
static int param_frozen(const struct nn__trace *t, size_t flat)
{
    for (size_t k = 1; k < t->n_layers; k++) {
        const size_t first = nn__weight_flat(t->names, k, 0, 0);
        const size_t n_w = nn_weight_count(t->net, k), n_b = nn_bias_count(t->net, k);
        if (flat < first + n_w + n_b) {
            int fw = 0, fb = 0;
            nn_get_frozen(t->net, k, &fw, &fb);
            return flat < first + n_w ? fw : fb;
        }
    }
    return 0;
}

static void opt_hyperparameters(const struct json *j)
{
    put(j, ",\n");
    key(j, "    ", "hyperparameters");
    put(j, "{");
    int first = 1;
    for (int h = 0; h <= NN_HP_STEP_MAX; h++) {
        double v;
        if (nn_optimizer_get(j->t->opt, h, &v) != NN_OK)
            continue;
        put(j, first ? "" : ", ");
        key(j, "", nn_hyperparameter_name(h));
        num(j, v);
        first = 0;
    }
    put(j, "}");
}

/* One counted block: where it is, its step counts and Adam's corrections. */
static void opt_block(const struct json *j, size_t c)
{
    const struct nn__trace *t = j->t;
    const size_t k = c / 2 + 1;
    int fw = 0, fb = 0;
    nn_get_frozen(t->net, k, &fw, &fb);
    const int is_frozen = c % 2 ? fb : fw;
    put(j, c ? ",\n      {\"layer\": " : "\n      {\"layer\": ");
    size(j, k);
    put(j, c % 2 ? ", \"kind\": \"biases\"" : ", \"kind\": \"weights\"");
    put(j, is_frozen ? ", \"frozen\": true" : ", \"frozen\": false");
    put(j, ", \"step_before\": ");
    num(j, t->state_before[c]);
    put(j, ", \"step\": ");
    num(j, t->state_after[c]);
    if (!is_frozen && (t->opt_kind == NN_OPT_ADAM || t->opt_kind == NN_OPT_ADAMW)) {
        const struct nn_opt_step *st = &t->steps[c];
        put(j, ", \"bias_correction1\": ");
        num(j, st->bias1);
        put(j, ", \"bias_correction2\": ");
        num(j, st->bias2);
        put(j, ", \"step_size\": ");
        num(j, st->step_size);
        put(j, ", \"bias_correction2_sqrt\": ");
        num(j, st->bias2_sqrt);
    }
    put(j, "}");
}

/* "name": [one value per parameter], from `values` with `stride`; null for
   a frozen parameter when `moving_only`. */
static void opt_array(const struct json *j, const char *indent, const char *name,
                      const double *values, size_t stride, int moving_only, int first)
{
    put(j, first ? "\n" : ",\n");
    key(j, indent, name);
    put(j, "[");
    for (size_t f = 0; f < j->t->n_params; f++) {
        put(j, f ? ", " : "");
        if (moving_only && param_frozen(j->t, f))
            put(j, "null");
        else
            num(j, values[f * stride]);
    }
    put(j, "]");
}

/* {"name": [...], ...} of the state before or after the step. */
static void opt_state(const struct json *j, const char *k, const double *st)
{
    const char *const *names = nn__opt_state_names(j->t->opt_kind);
    put(j, ",\n");
    key(j, "    ", k);
    put(j, "{");
    for (size_t s = 0; names[s] != NULL; s++)
        opt_array(j, "      ", names[s], st + j->t->n_counts + s * j->t->n_params, 1, 0, s == 0);
    put(j, "\n    }");
}

static void optimizer(const struct json *j)
{
    const struct nn__trace *t = j->t;
    put(j, ",\n");
    key(j, "  ", "optimizer");
    put(j, "{\n");
    key(j, "    ", "kind");
    str(j, nn_optimizer_name(t->opt_kind));
    opt_hyperparameters(j);
    put(j, ",\n");
    key(j, "    ", "blocks");
    put(j, "[");
    for (size_t c = 0; c < t->n_counts; c++)
        opt_block(j, c);
    put(j, "\n    ]");
    opt_state(j, "state_before", t->state_before);
    opt_state(j, "state_after", t->state_after);
    const char *const *names = nn__opt_term_names(t->opt_kind);
    put(j, ",\n");
    key(j, "    ", "terms");
    put(j, "{");
    for (size_t i = 0; names[i] != NULL; i++)
        opt_array(j, "      ", names[i], t->terms + i, NN_OPT_TERMS, 1, i == 0);
    put(j, "\n    }\n  }");
}

/* ---- samples ---- */

/* A softmax layer's terms: m = max z, e_j = exp(z_j - m), S = sum e_j, so
   that a_j = e_j / S. */
static void softmax_terms(const struct json *j, size_t s, size_t k)
{
    const char *in = "            ";
    const struct nn__trace *t = j->t;
    const size_t n = nn_layer_size(t->net, k);
    const double *z = nn__tr(t, t->z, s, k);
    double m = z[0], sum = 0.0;
    for (size_t u = 1; u < n; u++)
        if (z[u] > m)
            m = z[u];
    put(j, ",\n");
    key(j, "          ", "softmax");
    put(j, "{\n");
    key(j, in, "max");
    num(j, m);
    put(j, ",\n");
    key(j, in, "exp");
    put(j, "[");
    for (size_t u = 0; u < n; u++) {
        put(j, u ? ", " : "");
        num(j, exp(z[u] - m));
        sum += exp(z[u] - m);
    }
    put(j, "]");
    field_num(j, in, "sum", sum);
    put(j, "\n          }");
}

static void sample_layer(const struct json *j, size_t s, size_t k)
{
    const char *in = "          ";
    const struct nn__trace *t = j->t;
    const size_t n = nn_layer_size(t->net, k);
    put(j, k > 1 ? ",\n        {\n" : "\n        {\n");
    key(j, in, "layer");
    size(j, k);
    field_array(j, in, "z", nn__tr(t, t->z, s, k), n);
    field_array(j, in, "a", nn__tr(t, t->a, s, k), n);
    field_array(j, in, "activation_derivative", nn__tr(t, t->fprime, s, k), n);
    field_array(j, in, "dE_da", nn__tr(t, t->dEda, s, k), n);
    field_array(j, in, "delta", nn__tr(t, t->delta, s, k), n);
    if (nn_get_activation(t->net, k) == NN_ACT_SOFTMAX)
        softmax_terms(j, s, k);
    if (k + 1 == t->n_layers) {
        put(j, ",\n");
        key(j, in, "delta_form");
        str(j, !t->fused ? "chain"
               : nn_get_loss(t->net) == NN_LOSS_CROSS_ENTROPY ? "softmax_cross_entropy"
                                                               : "sigmoid_binary_cross_entropy");
    }
    put(j, "\n        }");
}

static void loss_terms(const struct json *j, size_t s)
{
    const struct nn__trace *t = j->t;
    const double *o = nn__tr(t, t->a, s, t->n_layers - 1), *y = t->targets + s * t->n_out;
    put(j, ",\n");
    key(j, "      ", "loss_terms");
    put(j, "[");
    for (size_t u = 0; u < t->n_out; u++) {
        put(j, u ? ", " : "");
        num(j, nn__loss_term(nn_get_loss(t->net), t->n_out, o[u], y[u]));
    }
    put(j, "]");
}

static void sample(const struct json *j, size_t s)
{
    const char *in = "      ";
    const struct nn__trace *t = j->t;
    put(j, s ? ",\n    {\n" : "\n    {\n");
    key(j, in, "input");
    array(j, t->inputs + s * t->n_in, t->n_in);
    if (nn_has_input_scaling(t->net)) /* what layer 1 was given */
        field_array(j, in, "scaled_input", nn__tr(t, t->a, s, 0), t->n_in);
    field_array(j, in, "target", t->targets + s * t->n_out, t->n_out);
    put(j, ",\n");
    key(j, in, "layers");
    put(j, "[");
    for (size_t k = 1; k < t->n_layers; k++)
        sample_layer(j, s, k);
    put(j, "\n      ]");
    loss_terms(j, s);
    field_num(j, in, "loss", t->loss[s]);
    field_array(j, in, "gradients", t->sample_grads + s * t->n_params, t->n_params);
    field_array(j, in, "output_after", t->out_after + s * t->n_out, t->n_out);
    field_num(j, in, "loss_after", t->loss_after[s]);
    put(j, "\n    }");
}

static void samples(const struct json *j)
{
    put(j, ",\n");
    key(j, "  ", "samples");
    put(j, "[");
    for (size_t s = 0; s < j->t->n_samples; s++)
        sample(j, s);
    put(j, "\n  ]");
}

/* ,\n  "<k>": {"offset": [...], "scale": [...]} */
static void scaling_part(const struct json *j, const char *k, const double *offset,
                         const double *scale, size_t n)
{
    put(j, ",\n");
    key(j, "  ", k);
    put(j, "{");
    key(j, "", "offset");
    array(j, offset, n);
    put(j, ", ");
    key(j, "", "scale");
    array(j, scale, n);
    put(j, "}");
}

/* The network's scaling (additions of the schema: present only when set):
   the samples' inputs are raw and their "scaled_input" is what the layers
   saw; targets and outputs are in the network's (scaled) units. */
static void scaling(const struct json *j)
{
    const struct nn__trace *t = j->t;
    const struct nn__scaling *sc = t->net->scaling;
    if (nn_has_input_scaling(t->net))
        scaling_part(j, "input_scaling", sc->input_offset, sc->input_scale, t->n_in);
    if (nn_has_target_scaling(t->net))
        scaling_part(j, "target_scaling", sc->target_offset, sc->target_scale, t->n_out);
}

static void header(const struct json *j)
{
    const struct nn__trace *t = j->t;
    put(j, "{\n");
    key(j, "  ", "format");
    str(j, "libbackprop-explain");
    put(j, ",\n  \"version\": 1,\n");
    key(j, "  ", "rule");
    str(j, t->rule == NN_RULE_SEQUENTIAL ? "sequential" : "standard");
    put(j, ",\n");
    key(j, "  ", "loss_function");
    str(j, nn_loss_name(nn_get_loss(t->net)));
    field_num(j, "  ", "learning_rate", t->eta);
    put(j, ",\n");
    key(j, "  ", "n_samples");
    size(j, t->n_samples);
    scaling(j);
}

void nn__render_json(const struct nn__trace *t, int digits, struct nn__writer *w)
{
    (void)digits; /* JSON numbers always read back exactly */
    const struct json j = {w, t};
    header(&j);
    layers(&j);
    params(&j);
    if (t->opt != NULL)
        optimizer(&j);
    samples(&j);
    field_num(&j, "  ", "loss", t->loss_total);
    field_num(&j, "  ", "loss_after", t->loss_after_total);
    put(&j, "\n}\n");
}

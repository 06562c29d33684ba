/* Explain mode and DOT export: the JSON output is read back and every value is
   compared with what the library's own calls compute (exactly: JSON numbers
   read back bit for bit) and with the worked examples' reference figures; the
   text and Markdown hold the expected lines; the network is left alone unless
   the step is applied; errors, writer failures and the locale are covered. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backprop.h"
#include "check.h"
#include "json_reader.h"
#include "testnet.h"

/* ---- an in-memory writer ---- */

struct sink {
    char *data;
    size_t len;
    size_t cap;
    size_t calls;
    size_t fail_at_call; /* 0: never fail */
};

static int sink_write(void *context, const char *bytes, size_t n)
{
    struct sink *s = context;
    s->calls++;
    if (s->fail_at_call != 0 && s->calls >= s->fail_at_call)
        return 1;
    if (s->len + n + 1 > s->cap) {
        size_t cap = 2 * (s->len + n + 1);
        char *grown = realloc(s->data, cap);
        assert_non_null(grown);
        s->data = grown;
        s->cap = cap;
    }
    memcpy(s->data + s->len, bytes, n);
    s->len += n;
    s->data[s->len] = '\0';
    return 0;
}

static void sink_free(struct sink *s)
{
    free(s->data);
    memset(s, 0, sizeof *s);
}

static size_t count_substr(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

#define assert_contains(text, needle)                                                    \
    do {                                                                                 \
        if (strstr((text), (needle)) == NULL) {                                          \
            print_error("missing: %s\n", (needle));                                     \
            fail();                                                                      \
        }                                                                                \
    } while (0)

#define N_OF(array) (sizeof(array) / sizeof((array)[0]))

/* Every one of the n needles is in text. */
static void assert_contains_each(const char *text, const char *const *needles, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_contains(text, needles[i]);
}

static const int all_formats[] = {NN_EXPLAIN_TEXT, NN_EXPLAIN_MARKDOWN, NN_EXPLAIN_JSON};

/* ---- the worked examples' networks ---- */

/* Example C (Mazur): 2-2-2 sigmoid, one shared frozen bias per layer. */
static const double c_in[] = {0.05, 0.10}, c_t[] = {0.01, 0.99};
static nn_t *make_c(void)
{
    const size_t sizes[] = {2, 2, 2};
    const int acts[] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    const double w1[] = {0.15, 0.20, 0.25, 0.30}, w2[] = {0.40, 0.45, 0.50, 0.55};
    const double b1 = 0.35, b2 = 0.60;
    nn_t *net = create_net(3, sizes, acts);
    for (size_t k = 1; k <= 2; k++) {
        assert_int_equal(nn_set_bias_mode(net, k, NN_BIAS_SHARED), NN_OK);
        assert_int_equal(nn_set_frozen(net, k, 0, 1), NN_OK);
    }
    assert_int_equal(nn_set_weights(net, 1, w1, 4), NN_OK);
    assert_int_equal(nn_set_weights(net, 2, w2, 4), NN_OK);
    assert_int_equal(nn_set_biases(net, 1, &b1, 1), NN_OK);
    assert_int_equal(nn_set_biases(net, 2, &b2, 1), NN_OK);
    return net;
}

/* Example A: 3-2-2 sigmoid, one shared trained bias per layer. */
static const double a_in[] = {1, 4, 5}, a_t[] = {0.1, 0.05};
static nn_t *make_a(void)
{
    const size_t sizes[] = {3, 2, 2};
    const int acts[] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    const double w1[] = {0.1, 0.3, 0.5, 0.2, 0.4, 0.6}, w2[] = {0.7, 0.9, 0.8, 0.1};
    const double b = 0.5;
    nn_t *net = create_net(3, sizes, acts);
    for (size_t k = 1; k <= 2; k++) {
        assert_int_equal(nn_set_bias_mode(net, k, NN_BIAS_SHARED), NN_OK);
        assert_int_equal(nn_set_biases(net, k, &b, 1), NN_OK);
    }
    assert_int_equal(nn_set_weights(net, 1, w1, 6), NN_OK);
    assert_int_equal(nn_set_weights(net, 2, w2, 4), NN_OK);
    return net;
}

/* A 2-2-1 network with a bias per unit: the two activations, then the weights
   and biases of layers 1 and 2. */
static nn_t *make_221(const int *acts, const double *w1, const double *b1, const double *w2,
                      const double *b2)
{
    const size_t sizes[] = {2, 2, 1};
    nn_t *net = create_net(3, sizes, acts);
    assert_int_equal(nn_set_weights(net, 1, w1, 4), NN_OK);
    assert_int_equal(nn_set_biases(net, 1, b1, 2), NN_OK);
    assert_int_equal(nn_set_weights(net, 2, w2, 2), NN_OK);
    assert_int_equal(nn_set_biases(net, 2, b2, 1), NN_OK);
    return net;
}

/* Example B (upGrad): 2-2-1, sigmoid then linear, a bias per unit. */
static const double b_in[] = {-0.32, -0.66}, b_t[] = {-0.54};
static nn_t *make_b(void)
{
    const int acts[] = {NN_ACT_SIGMOID, NN_ACT_LINEAR};
    const double w1[] = {0.2, 0.15, 0.5, 0.6}, b1[] = {0.1, 0.25};
    const double w2[] = {0.3, 0.2}, b2[] = {0.4};
    return make_221(acts, w1, b1, w2, b2);
}

/* Example D: 2-2-1 sigmoid, numpy's first nine draws for seed 0, and the
   tutorial's four samples (the fourth input is (-1, 1)). */
static const double d_in[] = {0, 0, 0, 1, 1, 0, -1, 1}, d_t[] = {0, 1, 1, 0};
static nn_t *make_d(void)
{
    const int acts[] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    const double w1[] = {0.54881350392732475, 0.60276337607164387, 0.71518936637241948,
                         0.54488318299689686};
    const double b1[] = {0.42365479933890471, 0.64589411306665612};
    const double w2[] = {0.43758721126269251, 0.89177300078207977}, b2[] = {0.96366276050102928};
    return make_221(acts, w1, b1, w2, b2);
}

/* An example: its network, every sample's inputs and targets, and eta. */
struct example {
    nn_t *(*make)(void);
    const double *in, *t;
    size_t n_in, n_t; /* over all the samples */
    size_t n_samples;
    double eta;
};

static const struct example ex_a = {make_a, a_in, a_t, 3, 2, 1, 0.01};
static const struct example ex_b = {make_b, b_in, b_t, 2, 1, 1, 0.2};
static const struct example ex_c = {make_c, c_in, c_t, 2, 2, 1, 0.5};
static const struct example ex_d = {make_d, d_in, d_t, 8, 4, 4, 0.1};

/* The tutorials' own names. */
static nn_explain_options_t *names_c(int format)
{
    static const char *const units[3][2] = {{"i1", "i2"}, {"h1", "h2"}, {"o1", "o2"}};
    static const char *const params[] = {"w1", "w2", "w3", "w4", "b1",
                                         "w5", "w6", "w7", "w8", "b2"};
    nn_explain_options_t *o = NULL;
    assert_int_equal(nn_explain_options_create(&o), NN_OK);
    assert_int_equal(nn_explain_options_set_format(o, format), NN_OK);
    for (size_t k = 0; k < 3; k++)
        for (size_t j = 0; j < 2; j++)
            assert_int_equal(nn_explain_options_set_unit_name(o, k, j, units[k][j]), NN_OK);
    for (size_t f = 0; f < 10; f++)
        assert_int_equal(nn_explain_options_set_param_name(o, f, params[f]), NN_OK);
    return o;
}

static nn_explain_options_t *options_with(int format, int rule)
{
    nn_explain_options_t *o = NULL;
    assert_int_equal(nn_explain_options_create(&o), NN_OK);
    assert_int_equal(nn_explain_options_set_format(o, format), NN_OK);
    assert_int_equal(nn_explain_options_set_rule(o, rule), NN_OK);
    return o;
}

/* Explains into a fresh sink; asserts success. */
static void explain_ok(nn_t *net, const nn_explain_options_t *o, const double *in, size_t n_in,
                       const double *t, size_t n_t, double eta, struct sink *s)
{
    memset(s, 0, sizeof *s);
    assert_int_equal(nn_explain(net, o, in, n_in, t, n_t, eta, sink_write, s), NN_OK);
    assert_non_null(s->data);
}

/* Explains and drops the text: for what the call does to the network. */
static void explain_dropped(nn_t *net, const nn_explain_options_t *o, const double *in,
                            size_t n_in, const double *t, size_t n_t, double eta)
{
    struct sink s;
    explain_ok(net, o, in, n_in, t, n_t, eta, &s);
    sink_free(&s);
}

/* Example e on a network of its own, explained with the options o (NULL for
   the defaults; released here) into a fresh sink that must hold each of the n
   lines. */
static void explain_example(const struct example *e, nn_explain_options_t *o,
                            const char *const *lines, size_t n, struct sink *s)
{
    nn_t *net = e->make();
    explain_ok(net, o, e->in, e->n_in, e->t, e->n_t, e->eta, s);
    assert_contains_each(s->data, lines, n);
    nn_explain_options_free(o);
    nn_free(net);
}

/* ---- reading the JSON back ---- */

static const struct jval *need(const struct jval *v)
{
    assert_non_null(v);
    return v;
}

static double num_of(const struct jval *v)
{
    assert_int_equal(need(v)->type, J_NUM);
    return v->num;
}

static double jnum_at(const struct jval *arr, size_t i)
{
    return num_of(json_at(arr, i));
}

/* Every item of a JSON array equals x[0..n) exactly. */
static void assert_array_exact(const struct jval *arr, const double *x, size_t n)
{
    assert_int_equal(need(arr)->type, J_ARR);
    assert_int_equal(arr->n, n);
    for (size_t i = 0; i < n; i++)
        assert_rel(jnum_at(arr, i), x[i], 0.0);
}

static const struct jval *param_obj(const struct jval *root, size_t flat)
{
    return need(json_at(json_get(root, "params"), flat));
}

static double param_field(const struct jval *root, size_t flat, const char *field)
{
    return num_of(json_get(param_obj(root, flat), field));
}

static const struct jval *sample_layer(const struct jval *root, size_t s, size_t k)
{
    const struct jval *sample = need(json_at(json_get(root, "samples"), s));
    const struct jval *layer = need(json_at(json_get(sample, "layers"), k - 1));
    assert_rel(num_of(json_get(layer, "layer")), (double)k, 0.0);
    return layer;
}

static double layer_value(const struct jval *root, size_t s, size_t k, const char *field,
                          size_t j)
{
    return jnum_at(json_get(sample_layer(root, s, k), field), j);
}

static void parse_sink(const struct sink *s, struct jval *root)
{
    assert_true(json_parse(s->data, s->len, root));
    assert_int_equal(root->type, J_OBJ);
}

/* ---- comparing with the library's own calls ---- */

#define MAXV 16

/* z, a and (with a target) the deltas of one sample's pass against the JSON. */
static void check_pass(const struct jval *root, size_t s, const nn_t *pass, int deltas)
{
    double v[MAXV];
    for (size_t k = 1; k < nn_layer_count(pass); k++) {
        const size_t n = nn_layer_size(pass, k);
        const struct jval *layer = sample_layer(root, s, k);
        assert_int_equal(nn_get_net_inputs(pass, k, v, n), NN_OK);
        assert_array_exact(json_get(layer, "z"), v, n);
        assert_int_equal(nn_get_outputs(pass, k, v, n), NN_OK);
        assert_array_exact(json_get(layer, "a"), v, n);
        if (deltas) {
            assert_int_equal(nn_get_deltas(pass, k, v, n), NN_OK);
            assert_array_exact(json_get(layer, "delta"), v, n);
        }
    }
}

/* dE/da and f' are consistent with the deltas, and the output layer's dE/da is o - t. */
static void check_chain(const struct jval *root, size_t s, const nn_t *net, const double *t)
{
    const size_t top = nn_layer_count(net) - 1;
    for (size_t k = 1; k <= top; k++)
        for (size_t j = 0; j < nn_layer_size(net, k); j++) {
            const double g = layer_value(root, s, k, "dE_da", j);
            const double f = layer_value(root, s, k, "activation_derivative", j);
            const double a = layer_value(root, s, k, "a", j);
            if (nn_get_activation(net, k) == NN_ACT_SIGMOID)
                assert_rel(f, a * (1.0 - a), 1e-15);
            assert_rel(layer_value(root, s, k, "delta", j), g * f, 1e-15);
            if (k == top)
                assert_rel(g, a - t[j], 1e-15);
        }
}

/* One sample alone, on a copy with its gradients at 0. */
static void check_sample(const struct jval *root, const nn_t *net, size_t s, const double *in,
                         const double *t)
{
    const size_t np = nn_param_count(net);
    const struct jval *sample = need(json_at(json_get(root, "samples"), s));
    double g[64], loss;
    nn_t *probe = NULL;
    assert_int_equal(nn_clone(net, &probe), NN_OK);
    assert_int_equal(nn_zero_grads(probe), NN_OK);
    assert_int_equal(nn_forward(probe, in, NULL), NN_OK);
    assert_int_equal(nn_loss(probe, t, &loss), NN_OK);
    assert_rel(num_of(json_get(sample, "loss")), loss, 0.0);
    assert_int_equal(nn_backward(probe, t), NN_OK);
    check_pass(root, s, probe, 1);
    check_chain(root, s, net, t);
    assert_int_equal(nn_get_grads(probe, g, np), NN_OK);
    assert_array_exact(json_get(sample, "gradients"), g, np);
    nn_free(probe);
}

/* Every parameter's new value is the one of the n that `stepped` holds, exactly. */
static void check_new_values(const struct jval *root, const nn_t *stepped, size_t n)
{
    double p[64];
    assert_true(n <= 64);
    assert_int_equal(nn_get_params(stepped, p, n), NN_OK);
    for (size_t f = 0; f < n; f++)
        assert_rel(param_field(root, f, "new_value"), p[f], 0.0);
}

/* After the step: every sample's outputs and loss, and the totals. */
static void check_after(const struct jval *root, nn_t *stepped, const double *in,
                        const double *t, size_t n_samples)
{
    const size_t ni = nn_input_count(stepped), no = nn_output_count(stepped);
    double out[MAXV], loss, total_after = 0;
    for (size_t s = 0; s < n_samples; s++) {
        const struct jval *sample = need(json_at(json_get(root, "samples"), s));
        assert_int_equal(nn_forward(stepped, in + s * ni, out), NN_OK);
        assert_int_equal(nn_loss(stepped, t + s * no, &loss), NN_OK);
        assert_array_exact(json_get(sample, "output_after"), out, no);
        assert_rel(num_of(json_get(sample, "loss_after")), loss, 0.0);
        total_after += loss;
    }
    assert_rel(num_of(json_get(root, "loss_after")), total_after, 0.0);
}

/* The standard rule: each sample alone, then all samples accumulated with
   nn_backward() and stepped with nn_step(). */
static void check_standard(const struct jval *root, const nn_t *net, const double *in,
                           const double *t, size_t n_samples, double eta)
{
    const size_t ni = nn_input_count(net), no = nn_output_count(net), np = nn_param_count(net);
    double g[64], p[64], loss, total = 0;
    nn_t *acc = NULL;
    assert_int_equal(nn_clone(net, &acc), NN_OK);
    assert_int_equal(nn_zero_grads(acc), NN_OK);
    for (size_t s = 0; s < n_samples; s++) {
        check_sample(root, net, s, in + s * ni, t + s * no);
        assert_int_equal(nn_forward(acc, in + s * ni, NULL), NN_OK);
        assert_int_equal(nn_loss(acc, t + s * no, &loss), NN_OK);
        total += loss;
        assert_int_equal(nn_backward(acc, t + s * no), NN_OK);
    }
    assert_rel(num_of(json_get(root, "loss")), total, 0.0);
    assert_int_equal(nn_get_grads(acc, g, np), NN_OK);
    assert_int_equal(nn_get_params(net, p, np), NN_OK);
    for (size_t f = 0; f < np; f++) {
        assert_rel(param_field(root, f, "gradient"), g[f], 0.0);
        assert_rel(param_field(root, f, "value"), p[f], 0.0);
    }
    assert_int_equal(nn_step(acc, eta), NN_OK);
    check_new_values(root, acc, np);
    check_after(root, acc, in, t, n_samples);
    nn_free(acc);
}

static void explain_json(nn_t *net, const nn_explain_options_t *o, const double *in, size_t n_in,
                         const double *t, size_t n_t, double eta, struct jval *root)
{
    struct sink s;
    explain_ok(net, o, in, n_in, t, n_t, eta, &s);
    parse_sink(&s, root);
    sink_free(&s);
}

/* Example e on a network of its own, explained with the JSON options o (standard
   rule; released here), read back into root and checked against the library's
   own calls. */
static void standard_json(const struct example *e, nn_explain_options_t *o, struct jval *root)
{
    nn_t *net = e->make();
    explain_json(net, o, e->in, e->n_in, e->t, e->n_t, e->eta, root);
    check_standard(root, net, e->in, e->t, e->n_samples, e->eta);
    nn_explain_options_free(o);
    nn_free(net);
}

/* ---- JSON, example by example ---- */

static void test_c_standard_json(void **state)
{
    (void)state;
    struct jval root;
    standard_json(&ex_c, names_c(NN_EXPLAIN_JSON), &root);
    /* Mazur's figures, recomputed exactly */
    assert_rel(layer_value(&root, 0, 1, "z", 0), 0.3775, 1e-12);
    assert_rel(layer_value(&root, 0, 2, "a", 0), 0.751365069552, 1e-10);
    assert_rel(layer_value(&root, 0, 2, "activation_derivative", 0), 0.186815601809, 1e-10);
    assert_rel(layer_value(&root, 0, 2, "delta", 0), 0.138498561629, 1e-10);
    assert_rel(layer_value(&root, 0, 1, "dE_da", 0), 0.0363503063931, 1e-10);
    assert_rel(layer_value(&root, 0, 1, "dE_da", 1), 0.0413703226487, 1e-10);
    const struct jval *sample = json_at(json_get(&root, "samples"), 0);
    assert_rel(jnum_at(json_get(sample, "loss_terms"), 0), 0.274811083176, 1e-10);
    assert_rel(jnum_at(json_get(sample, "loss_terms"), 1), 0.0235600255838, 1e-10);
    assert_rel(param_field(&root, 5, "gradient"), 0.0821670405642, 1e-10);
    assert_rel(param_field(&root, 5, "new_value"), 0.358916479718, 1e-10);
    assert_rel(param_field(&root, 0, "new_value"), 0.149780716133, 1e-10);
    assert_rel(param_field(&root, 4, "gradient"), 0.0187256093947, 1e-10);
    assert_rel(param_field(&root, 4, "new_value"), 0.35, 0.0); /* frozen */
    assert_true(need(json_get(param_obj(&root, 4), "frozen"))->boolean);
    assert_string_equal(need(json_get(param_obj(&root, 5), "name"))->str, "w5");
    assert_string_equal(json_at(json_get(json_at(json_get(&root, "layers"), 1), "units"), 0)->str,
                        "h1");
    assert_string_equal(need(json_get(&root, "rule"))->str, "standard");
    assert_rel(num_of(json_get(&root, "loss")), 0.29837110876, 1e-10);
    assert_rel(num_of(json_get(&root, "loss_after")), 0.291027773694, 1e-10);
    json_free(&root);
}

static void test_c_sequential_json(void **state)
{
    (void)state;
    nn_t *net = make_c(), *ref = NULL;
    nn_explain_options_t *o = options_with(NN_EXPLAIN_JSON, NN_RULE_SEQUENTIAL);
    struct jval root;
    double loss;
    explain_json(net, o, c_in, 2, c_t, 2, 0.5, &root);
    assert_string_equal(need(json_get(&root, "rule"))->str, "sequential");
    assert_int_equal(nn_clone(net, &ref), NN_OK);
    assert_int_equal(nn_train_sequential(ref, c_in, c_t, 0.5), NN_OK);
    check_pass(&root, 0, ref, 1);
    check_chain(&root, 0, net, c_t);
    check_new_values(&root, ref, 10);
    assert_int_equal(nn_forward(ref, c_in, NULL), NN_OK);
    assert_int_equal(nn_loss(ref, c_t, &loss), NN_OK);
    assert_rel(num_of(json_get(&root, "loss_after")), loss, 0.0);
    /* the sequential rule's figures: hidden errors through the new w5..w8 */
    assert_rel(layer_value(&root, 0, 1, "dE_da", 0), 0.0302297394609, 1e-10);
    assert_rel(layer_value(&root, 0, 1, "dE_da", 1), 0.0352124673105, 1e-10);
    assert_rel(param_field(&root, 0, "new_value"), 0.149817638561, 1e-10);
    assert_rel(param_field(&root, 5, "new_value"), 0.358916479718, 1e-10);
    assert_rel(num_of(json_get(&root, "loss_after")), 0.291027923905, 1e-10);
    json_free(&root);
    nn_explain_options_free(o);
    nn_free(ref);
    nn_free(net);
}

static void test_a_json(void **state)
{
    (void)state;
    struct jval root;
    standard_json(&ex_a, options_with(NN_EXPLAIN_JSON, NN_RULE_STANDARD), &root);
    assert_rel(layer_value(&root, 0, 1, "a", 0), 0.986613082172, 1e-10);
    assert_rel(layer_value(&root, 0, 1, "delta", 1), 0.00040428932133, 1e-10);
    /* flat order: w1 w3 w5 w2 w4 w6 b1 w7 w9 w8 w10 b2 */
    assert_rel(param_field(&root, 6, "gradient"), 0.00238820119373, 1e-10);
    assert_rel(param_field(&root, 6, "new_value"), 0.499976117988, 1e-10);
    assert_rel(param_field(&root, 11, "gradient"), 0.197457497832, 1e-10);
    assert_rel(param_field(&root, 10, "new_value"), 0.0988071154152, 1e-10);
    assert_string_equal(need(json_get(param_obj(&root, 6), "name"))->str, "b1");
    assert_int_equal(need(json_get(param_obj(&root, 6), "unit"))->type, J_NULL);
    assert_rel(num_of(json_get(&root, "loss")), 0.593244871904, 1e-10);
    assert_rel(num_of(json_get(&root, "loss_after")), 0.592452097822, 1e-10);
    json_free(&root);
}

static void test_b_json(void **state)
{
    (void)state;
    struct jval root;
    standard_json(&ex_b, options_with(NN_EXPLAIN_JSON, NN_RULE_STANDARD), &root);
    assert_rel(layer_value(&root, 0, 2, "a", 0), 0.630094840684, 1e-10);
    assert_rel(layer_value(&root, 0, 2, "activation_derivative", 0), 1.0, 0.0);
    assert_rel(param_field(&root, 5, "gradient"), 0.0571562974334, 1e-10); /* b12 */
    assert_rel(param_field(&root, 0, "new_value"), 0.205610885992, 1e-10); /* w111 */
    assert_rel(param_field(&root, 8, "new_value"), 0.165981031863, 1e-10); /* b21 */
    assert_rel(num_of(json_get(&root, "loss")), 0.684560968098, 1e-10);
    assert_rel(num_of(json_get(&root, "loss_after")), 0.35063599184, 1e-10);
    assert_string_equal(need(json_get(param_obj(&root, 5), "name"))->str, "b1_2");
    assert_string_equal(need(json_get(param_obj(&root, 7), "name"))->str, "w2_1_2");
    json_free(&root);
}

static void test_d_batch_json(void **state)
{
    (void)state;
    static const double dw1[] = {-0.0120078754906, 0.00978355588497, -0.0240662492771,
                                 0.0201296141259};
    static const double rest[] = {0.0195239595363, 0.0391498868204, 0.108829232581,
                                  0.112844991997, 0.183254922907};
    struct jval root;
    standard_json(&ex_d, options_with(NN_EXPLAIN_JSON, NN_RULE_STANDARD), &root);
    assert_rel(num_of(json_get(&root, "n_samples")), 4.0, 0.0);
    for (size_t f = 0; f < 4; f++)
        assert_rel(param_field(&root, f, "gradient"), dw1[f], 1e-10);
    for (size_t f = 4; f < 9; f++)
        assert_rel(param_field(&root, f, "gradient"), rest[f - 4], 1e-10);
    assert_rel(num_of(json_get(&root, "loss")), 0.7507939272, 1e-9);
    assert_rel(num_of(json_get(&root, "loss_after")), 0.744628057394, 1e-10);
    json_free(&root);
}

/* ---- text and Markdown ---- */

static void test_c_text(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "net_h1 = w1*i1 + w2*i2 + b1 = 0.15*0.05 + 0.2*0.1 + 0.35 = 0.3775\n",
        "out_h1 = sigmoid(net_h1) = 1/(1 + exp(-0.3775)) = 0.593270\n",
        "net_o1 = w5*out_h1 + w6*out_h2 + b2 = 0.4*0.593270 + 0.45*0.596884",
        "E_o1 = 1/2*(t_o1 - out_o1)^2 = 1/2*(0.01 - 0.751365)^2 = 0.274811\n",
        "E = E_o1 + E_o2 = 0.274811 + 0.0235600 = 0.298371\n",
        "dE/dout_o1 = out_o1 - t_o1 = 0.751365 - 0.01 = 0.741365\n",
        "dout_o1/dnet_o1 = out_o1*(1 - out_o1) = 0.751365*(1 - 0.751365) = 0.186816\n",
        "delta_o1 = dE/dnet_o1 = dE/dout_o1 * dout_o1/dnet_o1 = 0.741365 * 0.186816 = 0.138499\n",
        "dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5 = "
        "0.741365 * 0.186816 * 0.593270 = 0.0821670\n",
        /* the sum over the paths, each path's share as the tutorial prints it */
        "dE/dout_h1 = delta_o1*w5 + delta_o2*w7 = 0.138499*0.4 + "
        "(-0.0380982)*0.5 = 0.0553994 + (-0.0190491) = 0.0363503\n",
        "dE/db1 = delta_h1 + delta_h2 = 0.00877135 + 0.00995425 = 0.0187256\n",
        "w5+ = w5 - eta*dE/dw5 = 0.4 - 0.5*0.0821670 = 0.358916\n",
        "w1+ = w1 - eta*dE/dw1 = 0.15 - 0.5*0.000438568 = 0.149781\n",
        "b1+ = b1 = 0.35 (frozen, unchanged)\n",
        "E+ = 0.291028 (before the step: E = 0.298371)\n",
    };
    struct sink s;
    explain_example(&ex_c, names_c(NN_EXPLAIN_TEXT), lines, N_OF(lines), &s);
    assert_null(strchr(s.data, '$'));
    sink_free(&s);
}

static void test_c_sequential_text(void **state)
{
    (void)state;
    static const char *const lines[] = {
        /* the hidden errors go through the updated weights (w5+ = 0.358916, w7+ = 0.511301) */
        "dE/dout_h1 = delta_o1*w5+ + delta_o2*w7+ = 0.138499*0.358916 + (-0.0380982)*0.511301 = ",
        " = 0.0302297\ndout_h1/dnet_h1 = ",
        "w1+ = w1 - eta*dE/dw1 = 0.15 - 0.5*0.000364723 = 0.149818\n",
        "E+ = 0.291028 (before the step: E = 0.298371)\n",
    };
    nn_explain_options_t *o = names_c(NN_EXPLAIN_TEXT);
    assert_int_equal(nn_explain_options_set_rule(o, NN_RULE_SEQUENTIAL), NN_OK);
    struct sink s;
    explain_example(&ex_c, o, lines, N_OF(lines), &s);
    /* the output layer's update comes before the hidden layer's deltas */
    assert_true(strstr(s.data, "w5+ = w5 - eta") < strstr(s.data, "delta_h1 = "));
    sink_free(&s);
}

static void test_c_markdown(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "$$net_{h_{1}} = w_{1} \\cdot i_{1} + w_{2} \\cdot i_{2} + b_{1} = "
        "0.15 \\cdot 0.05 + 0.2 \\cdot 0.1 + 0.35 = 0.3775$$\n",
        "\\frac{\\partial E}{\\partial w_{5}} = "
        "\\frac{\\partial E}{\\partial out_{o_{1}}} \\cdot "
        "\\frac{\\partial out_{o_{1}}}{\\partial net_{o_{1}}} \\cdot "
        "\\frac{\\partial net_{o_{1}}}{\\partial w_{5}} = "
        "0.741365 \\cdot 0.186816 \\cdot 0.593270 = 0.0821670$$",
        "\\delta_{o_{1}} = ",
        "w_{5}^{+} = w_{5} - \\eta \\cdot",
        "# One training step",
    };
    struct sink s;
    explain_example(&ex_c, names_c(NN_EXPLAIN_MARKDOWN), lines, N_OF(lines), &s);
    /* nothing GitHub's Markdown pass would take for its own inside the math */
    assert_null(strchr(s.data, '*'));
    assert_null(strstr(s.data, "}_"));
    assert_null(strstr(s.data, "\\_"));
    assert_null(strstr(s.data, "\\\\"));
    assert_int_equal(count_substr(s.data, "$$") % 2, 0);
    sink_free(&s);
}

static void test_default_names(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "net_h1_1 = w1_1_1*x1 + w1_1_2*x2 + b1_1 = 0.2*(-0.32) + 0.15*(-0.66) + 0.1 = -0.063\n",
        "net_o1 = w2_1_1*out_h1_1 + w2_1_2*out_h1_2 + b2_1 = ",
        "out_o1 = net_o1 = 0.630095\n",
        "dout_o1/dnet_o1 = 1\n",
        "dE/dout_o1 = out_o1 - t_o1 = 0.630095 - (-0.54) = 1.17009\n",
        "dE/db1_2 = dE/dout_h1_2 * dout_h1_2/dnet_h1_2 * dnet_h1_2/db1_2 = ",
        "b2_1+ = b2_1 - eta*dE/db2_1 = 0.4 - 0.2*1.17009 = 0.165981\n",
    };
    struct sink s;
    explain_example(&ex_b, NULL, lines, N_OF(lines), &s);
    sink_free(&s);
}

static void test_batch_text(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "== Forward pass (sample 3 of 4) ==\n",
        "E_total = E[1] + E[2] + E[3] + E[4] = ",
        "dE_total/db2_1 = dE[1]/db2_1 + dE[2]/db2_1 + dE[3]/db2_1 + dE[4]/db2_1 = ",
        " = 0.183255\n",
        "b2_1+ = b2_1 - eta*dE_total/db2_1 = 0.963663 - 0.1*0.183255 = ",
    };
    struct sink s;
    explain_example(&ex_d, NULL, lines, N_OF(lines), &s);
    sink_free(&s);
}

/* Digits, and numbers far from 1 in both formats. */
static void test_number_forms(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 1};
    const int acts[] = {NN_ACT_LINEAR};
    const double w = 1.25e-7, b = 12345678.0, x = 2.0, t = 0.0;
    nn_t *net = create_net(2, sizes, acts);
    assert_int_equal(nn_set_weights(net, 1, &w, 1), NN_OK);
    assert_int_equal(nn_set_biases(net, 1, &b, 1), NN_OK);
    nn_explain_options_t *o = options_with(NN_EXPLAIN_TEXT, NN_RULE_STANDARD);
    struct sink s;
    explain_ok(net, o, &x, 1, &t, 1, 1e-9, &s);
    assert_contains(s.data, "net_o1 = w1_1_1*x1 + b1_1 = 1.25e-07*2 + 1.23457e+07 = 1.23457e+07\n");
    sink_free(&s);
    assert_int_equal(nn_explain_options_set_digits(o, 16), NN_OK);
    explain_ok(net, o, &x, 1, &t, 1, 1e-9, &s);
    assert_contains(s.data, "1.25e-07*2 + 12345678 = 12345678.00000025\n");
    sink_free(&s);
    assert_int_equal(nn_explain_options_set_digits(o, 3), NN_OK);
    assert_int_equal(nn_explain_options_set_format(o, NN_EXPLAIN_MARKDOWN), NN_OK);
    explain_ok(net, o, &x, 1, &t, 1, 1e-9, &s);
    assert_contains(s.data, "1.25 \\times 10^{-7} \\cdot 2 + 1.23 \\times 10^{7} = ");
    sink_free(&s);
    nn_explain_options_free(o);
    nn_free(net);
}

/* ---- the caller's network ---- */

struct snapshot {
    double params[16];
    double grads[16];
    double out[4];
};

static void take(const nn_t *net, struct snapshot *s)
{
    const size_t np = nn_param_count(net);
    assert_int_equal(nn_get_params(net, s->params, np), NN_OK);
    assert_int_equal(nn_get_grads(net, s->grads, np), NN_OK);
    assert_int_equal(nn_get_outputs(net, 2, s->out, nn_output_count(net)), NN_OK);
}

static void assert_same(const nn_t *net, const struct snapshot *before, int params_too)
{
    struct snapshot now;
    take(net, &now);
    const size_t np = nn_param_count(net);
    for (size_t f = 0; f < np; f++) {
        assert_rel(now.grads[f], before->grads[f], 0.0);
        if (params_too)
            assert_rel(now.params[f], before->params[f], 0.0);
    }
    for (size_t j = 0; j < nn_output_count(net); j++)
        assert_rel(now.out[j], before->out[j], 0.0);
}

/* A network with a forward pass of its own and gradients accumulated by the caller. */
static nn_t *busy_c(void)
{
    nn_t *net = make_c();
    const double other_in[] = {0.3, -0.2}, other_t[] = {0.5, 0.5};
    assert_int_equal(nn_forward(net, other_in, NULL), NN_OK);
    assert_int_equal(nn_backward(net, other_t), NN_OK);
    return net;
}

static void test_unchanged_without_apply(void **state)
{
    (void)state;
    nn_t *net = busy_c();
    struct snapshot before;
    double loss;
    take(net, &before);
    for (int rule = 0; rule < 2; rule++)
        for (size_t f = 0; f < N_OF(all_formats); f++) {
            nn_explain_options_t *o = options_with(all_formats[f], rule);
            explain_dropped(net, o, c_in, 2, c_t, 2, 0.5);
            nn_explain_options_free(o);
            assert_same(net, &before, 1);
        }
    /* the caller's forward pass is still current */
    assert_int_equal(nn_loss(net, c_t, &loss), NN_OK);
    nn_free(net);
}

/* Explains example e's samples on net in the format under the rule, with the
   step applied (apply is the nonzero value given to the option). */
static void explain_applied(nn_t *net, const struct example *e, int format, int rule, int apply)
{
    nn_explain_options_t *o = options_with(format, rule);
    assert_int_equal(nn_explain_options_set_apply(o, apply), NN_OK);
    explain_dropped(net, o, e->in, e->n_in, e->t, e->n_t, e->eta);
    nn_explain_options_free(o);
}

/* net holds the same n parameters as ref, bit for bit; p receives them. */
static void assert_same_params(const nn_t *net, const nn_t *ref, size_t n, double *p)
{
    double q[16];
    assert_true(n <= 16);
    assert_int_equal(nn_get_params(net, p, n), NN_OK);
    assert_int_equal(nn_get_params(ref, q, n), NN_OK);
    for (size_t f = 0; f < n; f++)
        assert_rel(p[f], q[f], 0.0);
}

static void test_apply_standard(void **state)
{
    (void)state;
    nn_t *net = busy_c(), *ref = make_c();
    struct snapshot before;
    double p[10];
    take(net, &before);
    explain_applied(net, &ex_c, NN_EXPLAIN_TEXT, NN_RULE_STANDARD, 1);
    assert_int_equal(nn_forward(ref, c_in, NULL), NN_OK);
    assert_int_equal(nn_backward(ref, c_t), NN_OK);
    assert_int_equal(nn_step(ref, 0.5), NN_OK);
    assert_same_params(net, ref, 10, p);
    assert_rel(p[5], 0.358916479718, 1e-10);
    /* the caller's gradients are still there */
    assert_int_equal(nn_get_grads(net, p, 10), NN_OK);
    for (size_t f = 0; f < 10; f++)
        assert_rel(p[f], before.grads[f], 0.0);
    nn_free(ref);
    nn_free(net);
}

static void test_apply_sequential(void **state)
{
    (void)state;
    nn_t *net = make_c(), *ref = make_c();
    double p[10];
    explain_applied(net, &ex_c, NN_EXPLAIN_JSON, NN_RULE_SEQUENTIAL, 7);
    assert_int_equal(nn_train_sequential(ref, c_in, c_t, 0.5), NN_OK);
    assert_same_params(net, ref, 10, p);
    assert_rel(p[0], 0.149817638561, 1e-10);
    nn_free(ref);
    nn_free(net);
}

/* A batch under the standard rule, applied: nn_backward on each, then nn_step. */
static void test_apply_batch(void **state)
{
    (void)state;
    nn_t *net = make_d(), *ref = make_d();
    double p[9];
    explain_applied(net, &ex_d, NN_EXPLAIN_MARKDOWN, NN_RULE_STANDARD, 1);
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(nn_forward(ref, d_in + 2 * k, NULL), NN_OK);
        assert_int_equal(nn_backward(ref, d_t + k), NN_OK);
    }
    assert_int_equal(nn_step(ref, 0.1), NN_OK);
    assert_same_params(net, ref, 9, p);
    nn_free(ref);
    nn_free(net);
}

/* The writer refuses at each of its calls in turn: the call stops at once
   with NN_ERR_IO and the step is not applied. */
static void test_writer_failure(void **state)
{
    (void)state;
    nn_t *net = busy_c();
    struct snapshot before;
    take(net, &before);
    for (size_t f = 0; f < N_OF(all_formats); f++) {
        nn_explain_options_t *o = options_with(all_formats[f], NN_RULE_STANDARD);
        struct sink whole = {0};
        assert_int_equal(nn_explain(net, o, c_in, 2, c_t, 2, 0.5, sink_write, &whole), NN_OK);
        assert_true(whole.calls >= 1);
        assert_int_equal(nn_explain_options_set_apply(o, 1), NN_OK);
        for (size_t at = 1; at <= whole.calls; at++) {
            struct sink s = {NULL, 0, 0, 0, at};
            assert_int_equal(nn_explain(net, o, c_in, 2, c_t, 2, 0.5, sink_write, &s), NN_ERR_IO);
            assert_int_equal(s.calls, at); /* nothing more after the refusal */
            sink_free(&s);
            assert_same(net, &before, 1); /* not applied */
        }
        sink_free(&whole);
        nn_explain_options_free(o);
    }
    struct sink s = {NULL, 0, 0, 0, 1};
    assert_int_equal(nn_export_dot(net, NULL, NULL, 0, NULL, 0, sink_write, &s), NN_ERR_IO);
    assert_int_equal(s.calls, 1);
    sink_free(&s);
    nn_free(net);
}

/* ---- errors ---- */

static nn_status explain_status(nn_t *net, const nn_explain_options_t *o, const double *in,
                                size_t n_in, const double *t, size_t n_t, double eta,
                                struct sink *s)
{
    return nn_explain(net, o, in, n_in, t, n_t, eta, sink_write, s);
}

static void test_errors(void **state)
{
    (void)state;
    nn_t *net = busy_c();
    struct snapshot before;
    struct sink s = {0};
    const double nan_in[] = {0.05, NAN}, two[] = {0.05, 0.1, 0.2, 0.3}, t2[] = {0, 1, 1, 0};
    nn_explain_options_t *seq = options_with(NN_EXPLAIN_TEXT, NN_RULE_SEQUENTIAL);
    take(net, &before);
    assert_int_equal(explain_status(NULL, NULL, c_in, 2, c_t, 2, 0.5, &s), NN_ERR_NULL_ARG);
    assert_int_equal(explain_status(net, NULL, NULL, 2, c_t, 2, 0.5, &s), NN_ERR_NULL_ARG);
    assert_int_equal(explain_status(net, NULL, c_in, 2, NULL, 2, 0.5, &s), NN_ERR_NULL_ARG);
    assert_int_equal(nn_explain(net, NULL, c_in, 2, c_t, 2, 0.5, NULL, &s), NN_ERR_NULL_ARG);
    assert_int_equal(explain_status(net, NULL, c_in, 3, c_t, 2, 0.5, &s), NN_ERR_COUNT);
    assert_int_equal(explain_status(net, NULL, c_in, 1, c_t, 2, 0.5, &s), NN_ERR_COUNT);
    assert_int_equal(explain_status(net, NULL, c_in, 0, c_t, 0, 0.5, &s), NN_ERR_COUNT);
    assert_int_equal(explain_status(net, NULL, c_in, 2, c_t, 1, 0.5, &s), NN_ERR_COUNT);
    assert_int_equal(explain_status(net, NULL, two, 4, c_t, 2, 0.5, &s), NN_ERR_COUNT);
    assert_int_equal(explain_status(net, NULL, nan_in, 2, c_t, 2, 0.5, &s), NN_ERR_NOT_FINITE);
    assert_int_equal(explain_status(net, NULL, c_in, 2, c_t, 2, INFINITY, &s), NN_ERR_NOT_FINITE);
    assert_int_equal(explain_status(net, seq, two, 4, t2, 4, 0.5, &s), NN_ERR_ARGUMENT);
    assert_int_equal(s.calls, 0); /* nothing was written */
    assert_same(net, &before, 1);
    nn_explain_options_free(seq);
    nn_free(net);
}

static void test_option_errors(void **state)
{
    (void)state;
    nn_explain_options_t *o = NULL;
    char long_name[NN_MAX_NAME + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_int_equal(nn_explain_options_create(NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_explain_options_create(&o), NN_OK);
    assert_int_equal(nn_explain_options_set_format(NULL, NN_EXPLAIN_JSON), NN_ERR_NULL_ARG);
    assert_int_equal(nn_explain_options_set_format(o, 3), NN_ERR_ARGUMENT);
    assert_int_equal(nn_explain_options_set_format(o, -1), NN_ERR_ARGUMENT);
    assert_int_equal(nn_explain_options_set_digits(o, 0), NN_ERR_ARGUMENT);
    assert_int_equal(nn_explain_options_set_digits(o, 18), NN_ERR_ARGUMENT);
    assert_int_equal(nn_explain_options_set_digits(o, 17), NN_OK);
    assert_int_equal(nn_explain_options_set_rule(o, 2), NN_ERR_ARGUMENT);
    assert_int_equal(nn_explain_options_set_rule(NULL, 0), NN_ERR_NULL_ARG);
    assert_int_equal(nn_explain_options_set_apply(NULL, 1), NN_ERR_NULL_ARG);
    assert_int_equal(nn_explain_options_set_unit_name(o, 0, 0, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_explain_options_set_unit_name(o, 0, 0, ""), NN_ERR_NAME);
    assert_int_equal(nn_explain_options_set_unit_name(o, 0, 0, "a b"), NN_ERR_NAME);
    assert_int_equal(nn_explain_options_set_param_name(o, 0, "w$"), NN_ERR_NAME);
    assert_int_equal(nn_explain_options_set_param_name(o, 0, long_name), NN_ERR_NAME);
    long_name[NN_MAX_NAME] = '\0';
    assert_int_equal(nn_explain_options_set_param_name(o, 0, long_name), NN_OK);
    nn_explain_options_free(o);
    nn_explain_options_free(NULL);
}

/* Names for units or parameters that the network does not have. */
static void test_names_out_of_range(void **state)
{
    (void)state;
    nn_t *net = make_c();
    struct sink s = {0};
    nn_explain_options_t *o = options_with(NN_EXPLAIN_TEXT, NN_RULE_STANDARD);
    assert_int_equal(nn_explain_options_set_unit_name(o, 3, 0, "z"), NN_OK);
    assert_int_equal(explain_status(net, o, c_in, 2, c_t, 2, 0.5, &s), NN_ERR_ARGUMENT);
    assert_int_equal(nn_export_dot(net, o, NULL, 0, NULL, 0, sink_write, &s), NN_ERR_ARGUMENT);
    nn_explain_options_free(o);
    o = options_with(NN_EXPLAIN_TEXT, NN_RULE_STANDARD);
    assert_int_equal(nn_explain_options_set_param_name(o, 10, "z"), NN_OK);
    assert_int_equal(explain_status(net, o, c_in, 2, c_t, 2, 0.5, &s), NN_ERR_ARGUMENT);
    assert_int_equal(s.calls, 0);
    nn_explain_options_free(o);
    nn_free(net);
}

static void test_name_override(void **state)
{
    (void)state;
    nn_t *net = make_c();
    nn_explain_options_t *o = options_with(NN_EXPLAIN_TEXT, NN_RULE_STANDARD);
    assert_int_equal(nn_explain_options_set_param_name(o, 5, "first"), NN_OK);
    assert_int_equal(nn_explain_options_set_unit_name(o, 1, 1, "hidden.two"), NN_OK);
    assert_int_equal(nn_explain_options_set_param_name(o, 5, "w_out"), NN_OK);
    struct sink s;
    explain_ok(net, o, c_in, 2, c_t, 2, 0.5, &s);
    assert_null(strstr(s.data, "first"));
    assert_contains(s.data, "net_o1 = w_out*out_h1_1 + w2_1_2*out_hidden.two + b2 = ");
    sink_free(&s);
    assert_int_equal(nn_explain_options_set_format(o, NN_EXPLAIN_MARKDOWN), NN_OK);
    explain_ok(net, o, c_in, 2, c_t, 2, 0.5, &s);
    assert_contains(s.data, "$$net_{o_{1}} = w_{out} \\cdot out_{h_{1,1}} + "
                            "w_{2,1,2} \\cdot out_{hidden.two} + b_{2} = ");
    sink_free(&s);
    nn_explain_options_free(o);
    nn_free(net);
}

/* ---- DOT ---- */

static void test_dot_plain(void **state)
{
    (void)state;
    nn_t *net = make_a();
    struct sink s = {0};
    assert_int_equal(nn_export_dot(net, NULL, NULL, 0, NULL, 0, sink_write, &s), NN_OK);
    assert_contains(s.data, "digraph");
    assert_contains(s.data, "rankdir=LR;");
    /* each weight a box of its own: a line in, an arrow out */
    assert_int_equal(count_substr(s.data, " -> "), 2 * (3 * 2 + 2 * 2));
    assert_int_equal(count_substr(s.data, "[arrowhead=none]"), 3 * 2 + 2 * 2);
    assert_int_equal(count_substr(s.data, "subgraph cluster_layer"), 3);
    assert_int_equal(count_substr(s.data, "rank=same;"), 3);
    assert_contains(s.data, "l1_1_2 [color=gray50, fontsize=8, height=0, label=\"w1_2_3 = 0.6\"];");
    assert_contains(s.data, "n0_2 -> l1_1_2 [arrowhead=none];");
    assert_contains(s.data, "l1_1_2 -> n1_1;");
    assert_null(strstr(s.data, "splines=line"));
    assert_contains(s.data, "label=\"h1_1\\nb1 = 0.5 (shared)\"");
    assert_null(strstr(s.data, "net ="));
    assert_int_equal(count_substr(s.data, "{"), count_substr(s.data, "}"));
    sink_free(&s);
    nn_free(net);
}

static void test_dot_annotated(void **state)
{
    (void)state;
    nn_t *net = busy_c();
    nn_explain_options_t *o = names_c(NN_EXPLAIN_TEXT);
    struct snapshot before;
    struct sink s = {0};
    take(net, &before);
    assert_int_equal(nn_export_dot(net, o, c_in, 2, c_t, 2, sink_write, &s), NN_OK);
    assert_int_equal(count_substr(s.data, " -> "), 2 * 8);
    assert_contains(s.data, "label=\"loss E = 0.298371\"");
    assert_contains(s.data, "h1\\nb1 = 0.35 (shared) (frozen)\\ndE/db1 = 0.0187256"
                            "\\nnet = 0.3775\\nout = 0.593270\\ndelta = 0.00877135\"");
    assert_contains(s.data, "label=\"w5 = 0.4\\ndE/dw5 = 0.0821670\"]");
    assert_contains(s.data, "target = 0.01");
    sink_free(&s);
    /* forward values only */
    assert_int_equal(nn_export_dot(net, o, c_in, 2, NULL, 0, sink_write, &s), NN_OK);
    assert_contains(s.data, "net = 0.3775");
    assert_null(strstr(s.data, "dE/d"));
    assert_null(strstr(s.data, "delta"));
    sink_free(&s);
    assert_same(net, &before, 1);
    nn_explain_options_free(o);
    nn_free(net);
}

/* A network of the given layer sizes with seeded parameters in [-1, 1). */
static nn_t *wide_net(size_t n_layers, const size_t *sizes, unsigned long seed)
{
    const int acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    nn_t *net = create_net(n_layers, sizes, acts);
    const size_t n = nn_param_count(net);
    double *p = alloc_doubles(n);
    test_rng r = {seed};
    fill_random(&r, p, n, -1.0, 1.0);
    assert_int_equal(nn_set_params(net, p, n), NN_OK);
    free(p);
    return net;
}

/* "<label>: min a, mean b, max c" read back from a diagram written with 17
   digits, so that the numbers are the doubles themselves. */
static void assert_stats(const char *dot, const char *label, const double *x, size_t first,
                         size_t stride, size_t count)
{
    double lo = x[first], hi = x[first], sum = 0.0;
    for (size_t i = 0; i < count; i++) {
        const double v = x[first + i * stride];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        sum += v;
    }
    const char *at = strstr(dot, label);
    assert_non_null(at);
    double got_lo, got_mean, got_hi;
    char fmt[96];
    snprintf(fmt, sizeof fmt, "%s: min %%lf, mean %%lf, max %%lf", label);
    assert_int_equal(sscanf(at, fmt, &got_lo, &got_mean, &got_hi), 3);
    assert_true(got_lo == lo);
    assert_true(got_mean == sum / (double)count);
    assert_true(got_hi == hi);
}

/* 64-64-10: the two wide layers are one node each, the ten outputs are drawn
   unit by unit, and the weights are summed up: one box between the wide
   layers, one box per output. */
static void test_dot_collapsed(void **state)
{
    (void)state;
    const size_t sizes[] = {64, 64, 10};
    nn_t *net = wide_net(3, sizes, 11);
    nn_explain_options_t *o = NULL;
    assert_int_equal(nn_explain_options_create(&o), NN_OK);
    assert_int_equal(nn_explain_options_set_digits(o, 17), NN_OK);
    double *p = params_of(net);
    struct sink s = {0};
    assert_int_equal(nn_export_dot(net, o, NULL, 0, NULL, 0, sink_write, &s), NN_OK);
    assert_contains(s.data, "    n0 [style=bold, label=\"64 units\"];");
    assert_contains(s.data, "    n1 [style=bold, label=\"64 units, a bias per unit\\nweights: min ");
    assert_null(strstr(s.data, "n0_"));
    assert_null(strstr(s.data, "n1_"));
    assert_int_equal(count_substr(s.data, "[style=bold"), 2);
    for (size_t j = 0; j < 10; j++) {
        char unit[32];
        snprintf(unit, sizeof unit, "    n2_%zu [label=\"o%zu\\n", j, j + 1);
        assert_contains(s.data, unit);
    }
    /* boxes: the 64 x 64 matrix, and a row of 64 weights for each output */
    assert_int_equal(count_substr(s.data, "[color=gray50"), 1 + 10);
    assert_int_equal(count_substr(s.data, " -> "), 2 + 2 * 10);
    assert_contains(s.data, "n0 -> l1_0_0 [arrowhead=none];\n  l1_0_0 -> n1;");
    assert_contains(s.data, "n1 -> l2_9_0 [arrowhead=none];\n  l2_9_0 -> n2_9;");
    assert_stats(s.data, "label=\"4096 weights", p, 0, 1, 64 * 64);
    assert_stats(s.data, "\\nweights", p, 0, 1, 64 * 64);
    assert_stats(s.data, "\\nbiases", p, 64 * 64, 1, 64);
    const size_t w2 = 64 * 64 + 64;
    assert_stats(strstr(s.data, "l2_3_0 ["), "label=\"64 weights", p, w2 + 3 * 64, 1, 64);
    sink_free(&s);
    free(p);
    nn_explain_options_free(o);
    nn_free(net);
}

/* 784-128-10 with a pass: the diagram stays small, and the wide layers carry
   the statistics of their values and gradients. */
static void test_dot_collapsed_pass(void **state)
{
    (void)state;
    const size_t sizes[] = {784, 128, 10};
    nn_t *net = wide_net(3, sizes, 12);
    double *in = random_rows(784, 5, 0.0, 1.0), *t = random_rows(10, 6, 0.0, 1.0);
    struct sink s = {0};
    assert_int_equal(nn_export_dot(net, NULL, in, 784, t, 10, sink_write, &s), NN_OK);
    assert_true(s.len < 16 * 1024); /* 100,000 weights, yet a page of text */
    assert_int_equal(count_substr(s.data, "[color=gray50"), 1 + 10);
    assert_contains(s.data, "    n0 [style=bold, label=\"784 units\\nout: min ");
    assert_contains(s.data, "\\ndE/dweights: min ");
    assert_contains(s.data, "\\ndelta: min ");
    assert_contains(s.data, "\\ndE/dw: min ");
    assert_contains(s.data, "label=\"loss E = ");
    sink_free(&s);
    free(in);
    free(t);
    nn_free(net);
}

/* The limits: 12 units are drawn one by one, 13 as one node; 16 weights
   between two drawn layers get a box each, 20 one box for them all. */
static void test_dot_limits(void **state)
{
    (void)state;
    const size_t twelve[] = {12, 1, 13}, small[] = {4, 4, 5};
    nn_t *a = wide_net(3, twelve, 1), *b = wide_net(3, small, 2);
    struct sink s = {0};
    assert_int_equal(nn_export_dot(a, NULL, NULL, 0, NULL, 0, sink_write, &s), NN_OK);
    assert_contains(s.data, "    n0_11 [label=\"x12\"];");
    assert_contains(s.data, "    n2 [style=bold, label=\"13 units");
    assert_null(strstr(s.data, "n2_"));
    sink_free(&s);
    assert_int_equal(nn_export_dot(b, NULL, NULL, 0, NULL, 0, sink_write, &s), NN_OK);
    assert_int_equal(count_substr(s.data, "[color=gray50"), 16 + 1);
    assert_contains(s.data, "l2_0_0 [color=gray50, fontsize=8, height=0, label=\"20 weights: min ");
    assert_contains(s.data, "n1_3 -> l2_0_0 [arrowhead=none];");
    assert_contains(s.data, "l2_0_0 -> n2_4;");
    sink_free(&s);
    nn_free(a);
    nn_free(b);
}

/* ---- the format table ---- */

static void test_format_table(void **state)
{
    (void)state;
    static const char *const expected[] = {"text", "markdown", "json"};
    size_t n = 0;
    for (int code = 0; nn_explain_format_name(code) != NULL; code++, n++) {
        int back = -1;
        assert_true(n < N_OF(expected));
        assert_string_equal(nn_explain_format_name(code), expected[n]);
        assert_int_equal(nn_explain_format_from_name(expected[n], &back), NN_OK);
        assert_int_equal(back, code);
    }
    assert_int_equal(n, N_OF(expected));
    assert_null(nn_explain_format_name(-1));
    assert_null(nn_explain_format_name(NN_EXPLAIN_JSON + 1));
    /* option checking reads the same table */
    nn_explain_options_t *o = NULL;
    assert_int_equal(nn_explain_options_create(&o), NN_OK);
    for (int code = -2; code < 8; code++)
        assert_int_equal(nn_explain_options_set_format(o, code),
                         nn_explain_format_name(code) != NULL ? NN_OK : NN_ERR_ARGUMENT);
    nn_explain_options_free(o);
    int code = 7;
    assert_int_equal(nn_explain_format_from_name("html", &code), NN_ERR_ARGUMENT);
    assert_int_equal(nn_explain_format_from_name("Text", &code), NN_ERR_ARGUMENT);
    assert_int_equal(nn_explain_format_from_name("", &code), NN_ERR_ARGUMENT);
    assert_int_equal(code, 7);
    assert_int_equal(nn_explain_format_from_name(NULL, &code), NN_ERR_NULL_ARG);
    assert_int_equal(nn_explain_format_from_name("json", NULL), NN_ERR_NULL_ARG);
}

/* Each format name selects its own renderer. */
static void test_format_by_name(void **state)
{
    (void)state;
    static const char *const starts[] = {"One training step", "# One training step", "{\n"};
    nn_t *net = make_c();
    for (int code = 0; nn_explain_format_name(code) != NULL; code++) {
        int format = -1;
        assert_int_equal(nn_explain_format_from_name(nn_explain_format_name(code), &format),
                         NN_OK);
        nn_explain_options_t *o = names_c(format);
        struct sink s = {0};
        assert_int_equal(nn_explain(net, o, c_in, 2, c_t, 2, 0.5, sink_write, &s), NN_OK);
        assert_memory_equal(s.data, starts[code], strlen(starts[code]));
        sink_free(&s);
        nn_explain_options_free(o);
    }
    nn_free(net);
}

/* ---- the two dialects ---- */

/* The lines of text that hold a formula: "a = b" outside the prose lines. */
static size_t text_formulas(const char *text)
{
    static const char *const prose[] = {"Input:", "Target:", "Outputs:", "Sample ",
                                        "Learning rate:", "Loss:"};
    size_t n = 0;
    for (const char *line = text; *line != '\0';) {
        const char *end = strchr(line, '\n');
        const size_t len = end ? (size_t)(end - line) : strlen(line);
        int is_prose = 0;
        for (size_t i = 0; i < N_OF(prose); i++)
            is_prose |= strncmp(line, prose[i], strlen(prose[i])) == 0;
        const char *eq = strstr(line, " = ");
        if (!is_prose && eq != NULL && (size_t)(eq - line) < len)
            n++;
        line += len + (end != NULL);
    }
    return n;
}

/* Text and Markdown say the same things line for line: every formula of one
   is a display formula of the other, and the headings match in order. */
static void test_dialects_match(void **state)
{
    (void)state;
    static const char *const text_heads[] = {"\n== Forward pass ==\n", "\n-- Layer 1",
                                             "\n== Loss ==\n", "\n== Backward pass ==\n",
                                             "\n== Update: every", "\n== After the step ==\n"};
    static const char *const md_heads[] = {"\n## Forward pass\n", "\n### Layer 1",
                                           "\n## Loss\n", "\n## Backward pass\n",
                                           "\n## Update: every", "\n## After the step\n"};
    const int rules[] = {NN_RULE_STANDARD, NN_RULE_SEQUENTIAL};
    nn_t *net = make_c();
    for (size_t r = 0; r < N_OF(rules); r++) {
        struct sink text = {0}, md = {0};
        nn_explain_options_t *o = names_c(NN_EXPLAIN_TEXT);
        assert_int_equal(nn_explain_options_set_rule(o, rules[r]), NN_OK);
        assert_int_equal(nn_explain(net, o, c_in, 2, c_t, 2, 0.5, sink_write, &text), NN_OK);
        assert_int_equal(nn_explain_options_set_format(o, NN_EXPLAIN_MARKDOWN), NN_OK);
        assert_int_equal(nn_explain(net, o, c_in, 2, c_t, 2, 0.5, sink_write, &md), NN_OK);
        const size_t formulas = text_formulas(text.data);
        assert_true(formulas > 20);
        assert_int_equal(count_substr(md.data, "\n$$"), formulas);
        assert_int_equal(count_substr(md.data, "$$\n"), formulas);
        const char *pt = text.data, *pm = md.data;
        for (size_t h = 0; h < N_OF(text_heads); h++) {
            if (rules[r] == NN_RULE_SEQUENTIAL && strstr(text_heads[h], "Update") != NULL)
                continue; /* the sequential rule updates layer by layer */
            pt = strstr(pt, text_heads[h]);
            pm = strstr(pm, md_heads[h]);
            assert_non_null(pt);
            assert_non_null(pm);
        }
        assert_int_equal(count_substr(text.data, "\n-- "), count_substr(md.data, "\n### "));
        nn_explain_options_free(o);
        sink_free(&text);
        sink_free(&md);
    }
    nn_free(net);
}

static void test_dot_errors(void **state)
{
    (void)state;
    nn_t *net = make_c();
    struct sink s = {0};
    const double bad[] = {INFINITY, 0};
    assert_int_equal(nn_export_dot(NULL, NULL, NULL, 0, NULL, 0, sink_write, &s), NN_ERR_NULL_ARG);
    assert_int_equal(nn_export_dot(net, NULL, NULL, 0, NULL, 0, NULL, &s), NN_ERR_NULL_ARG);
    assert_int_equal(nn_export_dot(net, NULL, NULL, 2, NULL, 0, sink_write, &s), NN_ERR_NULL_ARG);
    assert_int_equal(nn_export_dot(net, NULL, NULL, 0, c_t, 2, sink_write, &s), NN_ERR_ARGUMENT);
    assert_int_equal(nn_export_dot(net, NULL, c_in, 1, NULL, 0, sink_write, &s), NN_ERR_COUNT);
    assert_int_equal(nn_export_dot(net, NULL, c_in, 2, c_t, 3, sink_write, &s), NN_ERR_COUNT);
    assert_int_equal(nn_export_dot(net, NULL, bad, 2, NULL, 0, sink_write, &s), NN_ERR_NOT_FINITE);
    assert_int_equal(s.calls, 0);
    nn_free(net);
}

/* ---- the locale ---- */

static char *render_all(nn_t *net)
{
    struct sink all = {0};
    for (size_t f = 0; f < N_OF(all_formats); f++) {
        nn_explain_options_t *o = names_c(all_formats[f]);
        assert_int_equal(nn_explain_options_set_digits(o, 9), NN_OK);
        assert_int_equal(nn_explain(net, o, c_in, 2, c_t, 2, 0.5, sink_write, &all), NN_OK);
        assert_int_equal(nn_export_dot(net, o, c_in, 2, c_t, 2, sink_write, &all), NN_OK);
        nn_explain_options_free(o);
    }
    return all.data;
}

static void test_locale_independent(void **state)
{
    (void)state;
    nn_t *net = make_c();
    char probe[16];
    assert_non_null(setlocale(LC_NUMERIC, "C"));
    char *in_c = render_all(net);
    /* the locale must exist: a missing one fails the test instead of skipping it */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL) {
        print_error("the de_DE.UTF-8 locale is not installed (see tools/install-deps.sh)\n");
        free(in_c);
        nn_free(net);
        fail();
    }
    snprintf(probe, sizeof probe, "%.1f", 0.5);
    char *in_de = render_all(net);
    assert_non_null(setlocale(LC_NUMERIC, "C"));
    assert_string_equal(probe, "0,5"); /* the locale really was in force */
    assert_string_equal(in_de, in_c);
    assert_non_null(strstr(in_c, "0.3775"));
    free(in_c);
    free(in_de);
    nn_free(net);
}

/* The reader is strict: malformed documents are refused. */
static void test_json_reader_strict(void **state)
{
    (void)state;
    static const char *const bad[] = {"{\"a\": 1,}", "[1, 2,]", "01", "1.", ".5", "{'a': 1}",
                                      "[1] x", "{\"a\" 1}", "nul", "[\"a]", "-", "1e", "[1 2]"};
    struct jval v;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(json_parse(bad[i], strlen(bad[i]), &v));
    const char *good = " {\"a\": [1, -0.5e+2, true, null, \"x\\ny\"], \"b\": {}} ";
    assert_true(json_parse(good, strlen(good), &v));
    assert_rel(jnum_at(json_get(&v, "a"), 1), -50.0, 0.0);
    assert_string_equal(json_at(json_get(&v, "a"), 4)->str, "x\ny");
    json_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_reader_strict),
        cmocka_unit_test(test_c_standard_json),
        cmocka_unit_test(test_c_sequential_json),
        cmocka_unit_test(test_a_json),
        cmocka_unit_test(test_b_json),
        cmocka_unit_test(test_d_batch_json),
        cmocka_unit_test(test_c_text),
        cmocka_unit_test(test_c_sequential_text),
        cmocka_unit_test(test_c_markdown),
        cmocka_unit_test(test_default_names),
        cmocka_unit_test(test_batch_text),
        cmocka_unit_test(test_number_forms),
        cmocka_unit_test(test_unchanged_without_apply),
        cmocka_unit_test(test_apply_standard),
        cmocka_unit_test(test_apply_sequential),
        cmocka_unit_test(test_apply_batch),
        cmocka_unit_test(test_writer_failure),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_option_errors),
        cmocka_unit_test(test_names_out_of_range),
        cmocka_unit_test(test_name_override),
        cmocka_unit_test(test_dot_plain),
        cmocka_unit_test(test_dot_annotated),
        cmocka_unit_test(test_dot_errors),
        cmocka_unit_test(test_dot_collapsed),
        cmocka_unit_test(test_dot_collapsed_pass),
        cmocka_unit_test(test_dot_limits),
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_format_by_name),
        cmocka_unit_test(test_dialects_match),
        cmocka_unit_test(test_locale_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

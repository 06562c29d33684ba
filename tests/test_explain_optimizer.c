/* nn_explain() with an optimiser (nn_explain_options_set_optimizer()): for
   every kind, the JSON's numbers are the optimiser's own (its state after the
   step, read back with nn_optimizer_get_state()) and the applied step is
   exactly a plain nn_optimizer_step() on a clone; one Adam step is checked
   against arithmetic done here by hand; the text and Markdown show the
   formulas; errors leave the network, the optimiser and the output alone. */
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
};

static int sink_write(void *context, const char *bytes, size_t n)
{
    struct sink *s = context;
    char *grown = realloc(s->data, s->len + n + 1);
    assert_non_null(grown);
    s->data = grown;
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

/* ---- a network, samples and optimisers ---- */

/* 3-4-2, tanh then sigmoid, one layer's biases shared and frozen, so that
   frozen blocks and shared biases are both on the way. */
static const double in3[] = {0.3, -0.8, 0.5, -0.1, 0.4, 0.9};
static const double t3[] = {0.2, 0.7, 0.9, 0.1};

static nn_t *make_net(void)
{
    const size_t sizes[] = {3, 4, 2};
    const int acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID};
    nn_t *net = create_net(3, sizes, acts);
    assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
    const size_t n = nn_param_count(net);
    double *p = alloc_doubles(n);
    test_rng r = {12};
    fill_random(&r, p, n, -0.9, 0.9);
    assert_int_equal(nn_set_params(net, p, n), NN_OK);
    free(p);
    return net;
}

static nn_optimizer_t *make_opt(const nn_t *net, int kind)
{
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, net, kind), NN_OK);
    switch (kind) {
    case NN_OPT_SGD:
        assert_int_equal(nn_optimizer_set(opt, NN_HP_MOMENTUM, 0.9), NN_OK);
        assert_int_equal(nn_optimizer_set(opt, NN_HP_NESTEROV, 1), NN_OK);
        assert_int_equal(nn_optimizer_set(opt, NN_HP_WEIGHT_DECAY, 0.01), NN_OK);
        break;
    case NN_OPT_ADAM:
        assert_int_equal(nn_optimizer_set(opt, NN_HP_WEIGHT_DECAY, 0.05), NN_OK);
        break;
    case NN_OPT_RMSPROP:
        assert_int_equal(nn_optimizer_set(opt, NN_HP_MOMENTUM, 0.5), NN_OK);
        assert_int_equal(nn_optimizer_set(opt, NN_HP_WEIGHT_DECAY, 0.1), NN_OK);
        break;
    default:
        break;
    }
    return opt;
}

static double *state_of(const nn_optimizer_t *opt, size_t *count)
{
    assert_int_equal(nn_optimizer_state_count(opt, count), NN_OK);
    double *s = alloc_doubles(*count);
    assert_int_equal(nn_optimizer_get_state(opt, s, *count), NN_OK);
    return s;
}

/* A copy of opt for net: kind, hyperparameters and state. */
static nn_optimizer_t *copy_opt(const nn_optimizer_t *opt, const nn_t *net)
{
    int kind = 0;
    assert_int_equal(nn_optimizer_get_kind(opt, &kind), NN_OK);
    nn_optimizer_t *c = NULL;
    assert_int_equal(nn_optimizer_create(&c, net, kind), NN_OK);
    for (int h = 0; h <= NN_HP_STEP_MAX; h++) {
        double v;
        if (nn_optimizer_get(opt, h, &v) == NN_OK)
            assert_int_equal(nn_optimizer_set(c, h, v), NN_OK);
    }
    size_t n = 0;
    double *s = state_of(opt, &n);
    assert_int_equal(nn_optimizer_set_state(c, s, n), NN_OK);
    free(s);
    return c;
}

static nn_explain_options_t *options_for(nn_optimizer_t *opt, int format, int apply)
{
    nn_explain_options_t *o = NULL;
    assert_int_equal(nn_explain_options_create(&o), NN_OK);
    assert_int_equal(nn_explain_options_set_format(o, format), NN_OK);
    assert_int_equal(nn_explain_options_set_apply(o, apply), NN_OK);
    assert_int_equal(nn_explain_options_set_optimizer(o, opt), NN_OK);
    return o;
}

/* The step nn_explain() explains, taken the plain way on net. */
static void plain_step(nn_t *net, nn_optimizer_t *opt, const double *in, const double *t,
                       size_t n_samples, double rate)
{
    const size_t n_in = nn_input_count(net), n_out = nn_output_count(net);
    assert_int_equal(nn_zero_grads(net), NN_OK);
    for (size_t s = 0; s < n_samples; s++) {
        assert_int_equal(nn_forward(net, in + s * n_in, NULL), NN_OK);
        assert_int_equal(nn_backward(net, t + s * n_out), NN_OK);
    }
    assert_int_equal(nn_optimizer_step(opt, net, rate), NN_OK);
}

static void assert_same(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_true(memcmp(&a[i], &b[i], sizeof(double)) == 0);
}

/* ---- reading the JSON ---- */

static const struct jval *need(const struct jval *v)
{
    assert_non_null(v);
    return v;
}

static double jnum(const struct jval *v)
{
    assert_int_equal(need(v)->type, J_NUM);
    return v->num;
}

static void parse(const struct sink *s, struct jval *root)
{
    if (!json_parse(s->data, s->len, root))
        fail_msg("not JSON");
}

/* JSON array `arr` holds x[0..n) bit for bit. */
static void assert_array(const struct jval *arr, const double *x, size_t n)
{
    assert_int_equal(need(arr)->type, J_ARR);
    assert_int_equal(arr->n, n);
    for (size_t i = 0; i < n; i++)
        assert_rel(jnum(json_at(arr, i)), x[i], 0.0);
}

/* The "optimizer" object's state arrays and step counts against a flat
   state (nn_optimizer_get_state()'s layout). */
static void check_state(const struct jval *o, const char *which, const double *st,
                        size_t n_params, const char *const *names, size_t slots)
{
    const struct jval *blocks = need(json_get(o, "blocks"));
    const size_t counts = blocks->n;
    const char *step_key = strcmp(which, "state_after") == 0 ? "step" : "step_before";
    for (size_t c = 0; c < counts; c++)
        assert_rel(jnum(json_get(json_at(blocks, c), step_key)), st[c], 0.0);
    const struct jval *arrays = need(json_get(o, which));
    assert_int_equal(arrays->n, slots);
    for (size_t s = 0; s < slots; s++)
        assert_array(json_get(arrays, names[s]), st + counts + s * n_params, n_params);
}

/* ---- every kind: the JSON is the optimiser's, the step is the plain one ---- */

static const char *const slot_names[5][2] = {
    {"momentum_buffer", NULL}, {"m", "v"}, {"m", "v"}, {"square_avg", "momentum_buffer"},
    {"prev", "step_size"}};

static void check_kind(int kind)
{
    nn_t *net = make_net();
    assert_int_equal(nn_set_frozen(net, 2, 0, 1), NN_OK); /* layer 2's shared bias */
    nn_optimizer_t *opt = make_opt(net, kind);
    const double rate = 0.05;
    /* a first step so that the explained one starts from a state that is not 0 */
    nn_explain_options_t *o = options_for(opt, NN_EXPLAIN_JSON, 1);
    struct sink s = {0};
    assert_int_equal(nn_explain(net, o, in3, 6, t3, 4, rate, sink_write, &s), NN_OK);
    sink_free(&s);

    nn_t *clone = NULL;
    assert_int_equal(nn_clone(net, &clone), NN_OK);
    nn_optimizer_t *opt_clone = copy_opt(opt, clone);
    size_t n_state = 0;
    double *before = state_of(opt, &n_state);
    assert_int_equal(nn_explain(net, o, in3, 6, t3, 4, rate, sink_write, &s), NN_OK);
    plain_step(clone, opt_clone, in3, t3, 2, rate);

    /* applied: the network and the optimiser are the plain step's, bit for bit */
    const size_t n = nn_param_count(net);
    double *p = params_of(net), *pc = params_of(clone);
    assert_same(p, pc, n);
    double *after = state_of(opt, &n_state), *after_clone = state_of(opt_clone, &n_state);
    assert_same(after, after_clone, n_state);

    struct jval root;
    parse(&s, &root);
    const struct jval *jo = need(json_get(&root, "optimizer"));
    assert_string_equal(need(json_get(jo, "kind"))->str, nn_optimizer_name(kind));
    const size_t slots = kind == NN_OPT_SGD ? 1 : 2;
    check_state(jo, "state_before", before, n, slot_names[kind], slots);
    check_state(jo, "state_after", after, n, slot_names[kind], slots);
    /* the new values of the JSON's params are the stepped network's */
    for (size_t f = 0; f < n; f++)
        assert_rel(jnum(json_get(json_at(json_get(&root, "params"), f), "new_value")), p[f], 0.0);
    /* the frozen bias: no terms, step count unchanged at 0 */
    const struct jval *blocks = need(json_get(jo, "blocks"));
    assert_int_equal(blocks->n, 4);
    assert_true(json_get(json_at(blocks, 3), "frozen")->boolean);
    assert_rel(jnum(json_get(json_at(blocks, 3), "step")), 0.0, 0.0);
    assert_rel(jnum(json_get(json_at(blocks, 0), "step")), 2.0, 0.0);
    const struct jval *terms = need(json_get(jo, "terms"));
    assert_true(terms->n >= 3);
    assert_int_equal(need(json_at(&terms->items[0], n - 1))->type, J_NULL);
    assert_int_equal(need(json_at(&terms->items[0], 0))->type, J_NUM);
    /* the rule's terms give the step's results bit for bit: p+ = base - update */
    const int adam_kind = kind == NN_OPT_ADAM || kind == NN_OPT_ADAMW;
    const struct jval *sub = json_get(terms, kind == NN_OPT_RPROP ? "move" : "update");
    for (size_t f = 0; f + 1 < n; f++) { /* the last is the frozen bias */
        const double base = adam_kind ? jnum(json_at(json_get(terms, "p_decayed"), f))
                                      : jnum(json_get(json_at(json_get(&root, "params"), f), "value"));
        assert_rel(base - jnum(json_at(sub, f)), p[f], 0.0);
    }
    /* hyperparameters: every one the kind takes */
    const struct jval *hp = need(json_get(jo, "hyperparameters"));
    for (int h = 0; h <= NN_HP_STEP_MAX; h++) {
        double v;
        if (nn_optimizer_get(opt, h, &v) == NN_OK)
            assert_rel(jnum(json_get(hp, nn_hyperparameter_name(h))), v, 0.0);
        else
            assert_null(json_get(hp, nn_hyperparameter_name(h)));
    }
    json_free(&root);
    sink_free(&s);
    free(p);
    free(pc);
    free(before);
    free(after);
    free(after_clone);
    nn_explain_options_free(o);
    nn_optimizer_free(opt_clone);
    nn_optimizer_free(opt);
    nn_free(clone);
    nn_free(net);
}

static void test_sgd(void **state)
{
    (void)state;
    check_kind(NN_OPT_SGD);
}

static void test_adam(void **state)
{
    (void)state;
    check_kind(NN_OPT_ADAM);
}

static void test_adamw(void **state)
{
    (void)state;
    check_kind(NN_OPT_ADAMW);
}

static void test_rmsprop(void **state)
{
    (void)state;
    check_kind(NN_OPT_RMSPROP);
}

static void test_rprop(void **state)
{
    (void)state;
    check_kind(NN_OPT_RPROP);
}

/* Plain SGD (no momentum, no decay) is nn_step(): explained through the
   optimiser it still moves as nn_step() does. */
static void test_plain_sgd(void **state)
{
    (void)state;
    nn_t *net = make_net(), *clone = NULL;
    assert_int_equal(nn_clone(net, &clone), NN_OK);
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, net, NN_OPT_SGD), NN_OK);
    nn_explain_options_t *o = options_for(opt, NN_EXPLAIN_JSON, 1);
    struct sink s = {0};
    assert_int_equal(nn_explain(net, o, in3, 6, t3, 4, 0.3, sink_write, &s), NN_OK);
    nn_explain_options_t *plain = options_for(NULL, NN_EXPLAIN_JSON, 1);
    struct sink s2 = {0};
    assert_int_equal(nn_explain(clone, plain, in3, 6, t3, 4, 0.3, sink_write, &s2), NN_OK);
    const size_t n = nn_param_count(net);
    double *p = params_of(net), *pc = params_of(clone);
    assert_same(p, pc, n);
    struct jval root;
    parse(&s, &root);
    const struct jval *terms = need(json_get(need(json_get(&root, "optimizer")), "terms"));
    for (size_t f = 0; f < 16; f++) { /* layer 1: p+ = p - update */
        const double pf = jnum(json_get(json_at(json_get(&root, "params"), f), "value"));
        assert_rel(pf - jnum(json_at(json_get(terms, "update"), f)), p[f], 0.0);
    }
    struct jval root2;
    parse(&s2, &root2);
    assert_null(json_get(&root2, "optimizer")); /* without one, no object */
    json_free(&root);
    json_free(&root2);
    free(p);
    free(pc);
    sink_free(&s);
    sink_free(&s2);
    nn_explain_options_free(o);
    nn_explain_options_free(plain);
    nn_optimizer_free(opt);
    nn_free(clone);
    nn_free(net);
}

/* ---- one Adam step by hand ---- */

/* 2-1 linear, half SSE, one sample: g = (out - t) x for the weights and
   out - t for the bias; Adam from zero state, t = 1, weight decay 0.1. */
static void test_adam_by_hand(void **state)
{
    (void)state;
    const size_t sizes[] = {2, 1};
    const int acts[] = {NN_ACT_LINEAR};
    nn_t *net = create_net(2, sizes, acts);
    const double p0[] = {0.5, -0.25, 0.125}, x[] = {2.0, -1.0}, y[] = {0.25};
    assert_int_equal(nn_set_params(net, p0, 3), NN_OK);
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, net, NN_OPT_ADAM), NN_OK);
    assert_int_equal(nn_optimizer_set(opt, NN_HP_WEIGHT_DECAY, 0.1), NN_OK);
    nn_explain_options_t *o = options_for(opt, NN_EXPLAIN_JSON, 1);
    struct sink s = {0};
    const double lr = 0.01;
    assert_int_equal(nn_explain(net, o, x, 2, y, 1, lr, sink_write, &s), NN_OK);
    struct jval root;
    parse(&s, &root);
    const struct jval *jo = need(json_get(&root, "optimizer"));
    const struct jval *b0 = json_at(json_get(jo, "blocks"), 0);
    assert_rel(jnum(json_get(b0, "bias_correction1")), 0.1, 1e-15);
    assert_rel(jnum(json_get(b0, "bias_correction2")), 0.001, 1e-12);
    assert_rel(jnum(json_get(b0, "step_size")), 0.1, 1e-14);
    const double out = 0.5 * 2.0 + -0.25 * -1.0 + 0.125; /* 1.375 */
    const double e = out - 0.25;                          /* 1.125 */
    const double grad[] = {e * 2.0, e * -1.0, e};
    const struct jval *terms = json_get(jo, "terms"), *after = json_get(jo, "state_after");
    double *p = params_of(net);
    for (size_t i = 0; i < 3; i++) {
        const double g = grad[i] + 0.1 * p0[i];
        const double m = 0.1 * g, v = 0.001 * g * g;
        const double denom = sqrt(v) / sqrt(0.001) + 1e-8; /* = |g| + 1e-8 */
        const double update = (lr / 0.1) * m / denom;
        assert_rel(jnum(json_at(json_get(terms, "g"), i)), g, 1e-15);
        assert_rel(jnum(json_at(json_get(after, "m"), i)), m, 1e-15);
        assert_rel(jnum(json_at(json_get(after, "v"), i)), v, 1e-14);
        assert_rel(jnum(json_at(json_get(terms, "denom"), i)), fabs(g) + 1e-8, 1e-12);
        assert_rel(jnum(json_at(json_get(terms, "update"), i)), update, 1e-12);
        /* the first Adam step moves each parameter by about lr, against g */
        assert_rel(p[i], p0[i] - (g > 0 ? lr : -lr), 1e-8);
    }
    free(p);
    json_free(&root);
    sink_free(&s);
    nn_explain_options_free(o);
    nn_optimizer_free(opt);
    nn_free(net);
}

/* ---- text and Markdown ---- */

static char *explain_text(int kind, int format)
{
    nn_t *net = make_net();
    nn_optimizer_t *opt = make_opt(net, kind);
    nn_explain_options_t *o = options_for(opt, format, 0);
    struct sink s = {0};
    assert_int_equal(nn_explain(net, o, in3, 3, t3, 2, 0.1, sink_write, &s), NN_OK);
    assert_int_equal(nn_explain(net, o, in3, 3, t3, 2, 0.1, sink_write, &s), NN_OK);
    nn_explain_options_free(o);
    nn_optimizer_free(opt);
    nn_free(net);
    return s.data;
}

static void assert_has(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL)
        fail_msg("missing: %s", needle);
}

static void test_text_formulas(void **state)
{
    (void)state;
    char *t = explain_text(NN_OPT_ADAM, NN_EXPLAIN_TEXT);
    assert_has(t, "Update by the optimiser");
    assert_has(t, "Optimiser adam, weight_decay = 0.05, beta1 = 0.9, beta2 = 0.999");
    assert_has(t, "1 - beta1^t = 1 - 0.9^1 = 0.1");
    assert_has(t, "m = beta1*m + (1 - beta1)*g = 0.9*0 + (1 - 0.9)*");
    assert_has(t, "v = beta2*v + (1 - beta2)*g^2 = 0.999*0");
    assert_has(t, "denom = sqrt(v)/sqrt(1 - beta2^t) + eps = sqrt(");
    assert_has(t, "w1_1_1+ = w1_1_1 - s*m/denom = ");
    assert_has(t, "g = dE/dp + wd*p = ");
    free(t);
    t = explain_text(NN_OPT_SGD, NN_EXPLAIN_TEXT);
    assert_has(t, "buf = d = ");
    assert_has(t, "d = d + mu*buf = ");
    free(t);
    t = explain_text(NN_OPT_RMSPROP, NN_EXPLAIN_TEXT);
    assert_has(t, "v = alpha*v + (1 - alpha)*g^2 = ");
    assert_has(t, "buf = mu*buf + g/avg = ");
    free(t);
    t = explain_text(NN_OPT_RPROP, NN_EXPLAIN_TEXT);
    assert_has(t, "step = clamp(step*factor, step_min, step_max) = clamp(0.1*1, 1e-06, 50) = 0.1");
    assert_has(t, " - sign(g)*step = ");
    free(t);
    t = explain_text(NN_OPT_ADAMW, NN_EXPLAIN_MARKDOWN);
    assert_has(t, "p' = p (1 - \\eta \\cdot wd) = ");
    assert_has(t, "m = \\beta_{1} m + (1 - \\beta_{1}) g = ");
    assert_has(t, "\\frac{\\sqrt{v}}{\\sqrt{1 - \\beta_{2}^{t}}}");
    free(t);
}

/* ---- errors and what stays ---- */

static void assert_untouched(const nn_t *net, const double *p, const nn_optimizer_t *opt,
                             const double *st)
{
    const size_t n = nn_param_count(net);
    double *now = params_of(net);
    assert_same(now, p, n);
    free(now);
    size_t count = 0;
    double *s = state_of(opt, &count);
    assert_same(s, st, count);
    free(s);
}

static void test_errors(void **state)
{
    (void)state;
    nn_t *net = make_net();
    nn_optimizer_t *opt = make_opt(net, NN_OPT_ADAM);
    const size_t n = nn_param_count(net);
    double *p = params_of(net);
    size_t count = 0;
    double *st = state_of(opt, &count);
    assert_int_equal(nn_explain_options_set_optimizer(NULL, opt), NN_ERR_NULL_ARG);

    /* an optimiser of another layout: NN_ERR_COUNT, nothing written or changed */
    const size_t sizes[] = {3, 5, 2};
    const int acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID};
    nn_t *other = create_net(3, sizes, acts);
    nn_optimizer_t *other_opt = NULL;
    assert_int_equal(nn_optimizer_create(&other_opt, other, NN_OPT_ADAM), NN_OK);
    nn_explain_options_t *o = options_for(other_opt, NN_EXPLAIN_TEXT, 1);
    struct sink s = {0};
    assert_int_equal(nn_explain(net, o, in3, 3, t3, 2, 0.1, sink_write, &s), NN_ERR_COUNT);
    assert_null(s.data);
    assert_untouched(net, p, opt, st);

    /* the sequential rule takes no optimiser */
    assert_int_equal(nn_explain_options_set_optimizer(o, opt), NN_OK);
    assert_int_equal(nn_explain_options_set_rule(o, NN_RULE_SEQUENTIAL), NN_OK);
    assert_int_equal(nn_explain(net, o, in3, 3, t3, 2, 0.1, sink_write, &s), NN_ERR_ARGUMENT);
    assert_null(s.data);
    assert_untouched(net, p, opt, st);
    assert_int_equal(nn_explain_options_set_rule(o, NN_RULE_STANDARD), NN_OK);

    /* Nesterov without momentum: refused by the step, before any output */
    nn_optimizer_t *sgd = NULL;
    assert_int_equal(nn_optimizer_create(&sgd, net, NN_OPT_SGD), NN_OK);
    assert_int_equal(nn_optimizer_set(sgd, NN_HP_NESTEROV, 1), NN_OK);
    assert_int_equal(nn_explain_options_set_optimizer(o, sgd), NN_OK);
    assert_int_equal(nn_explain(net, o, in3, 3, t3, 2, 0.1, sink_write, &s), NN_ERR_ARGUMENT);
    assert_null(s.data);
    assert_untouched(net, p, opt, st);

    /* not applied: the same step twice, nothing changed */
    assert_int_equal(nn_explain_options_set_optimizer(o, opt), NN_OK);
    assert_int_equal(nn_explain_options_set_apply(o, 0), NN_OK);
    assert_int_equal(nn_explain(net, o, in3, 3, t3, 2, 0.1, sink_write, &s), NN_OK);
    char *first = s.data;
    s.data = NULL;
    s.len = 0;
    assert_int_equal(nn_explain(net, o, in3, 3, t3, 2, 0.1, sink_write, &s), NN_OK);
    assert_string_equal(first, s.data);
    assert_untouched(net, p, opt, st);
    free(first);
    sink_free(&s);

    /* NULL clears it: the plain nn_step() output again */
    assert_int_equal(nn_explain_options_set_optimizer(o, NULL), NN_OK);
    assert_int_equal(nn_explain(net, o, in3, 3, t3, 2, 0.1, sink_write, &s), NN_OK);
    assert_null(strstr(s.data, "Update by the optimiser"));
    assert_non_null(strstr(s.data, "Update: every parameter at once"));
    sink_free(&s);
    (void)n;
    free(p);
    free(st);
    nn_explain_options_free(o);
    nn_optimizer_free(sgd);
    nn_optimizer_free(other_opt);
    nn_optimizer_free(opt);
    nn_free(other);
    nn_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd),          cmocka_unit_test(test_adam),
        cmocka_unit_test(test_adamw),        cmocka_unit_test(test_rmsprop),
        cmocka_unit_test(test_rprop),        cmocka_unit_test(test_plain_sgd),
        cmocka_unit_test(test_adam_by_hand), cmocka_unit_test(test_text_formulas),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

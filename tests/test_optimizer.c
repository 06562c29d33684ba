/* The optimisers, gradient clipping and learning-rate schedules: every
   optimiser against PyTorch 1.13 (float64, tests/ref/optimizers.py wrote the
   values of tests/ref/optimizers.h), SGD's plain form against nn_step() bit
   for bit, and every refusal leaving the network and the optimiser as they
   were. */
#include "check.h"
#include "testnet.h"

#include <backprop.h>

#include <stdlib.h>
#include <string.h>

#include "ref/optimizers.h"

#define REF_TOL 1e-12
#define N_KINDS 5

/* |ours - torch| <= 1e-12 max(1, |torch|) for each of n values */
static void assert_close_all(const double *ours, const double *ref, size_t n, const char *what,
                             size_t case_index)
{
    for (size_t i = 0; i < n; i++) {
        const double scale = fabs(ref[i]) > 1.0 ? fabs(ref[i]) : 1.0;
        if (!(fabs(ours[i] - ref[i]) <= REF_TOL * scale)) {
            print_error("case %zu: %s[%zu] = %.17g, torch %.17g\n", case_index, what, i, ours[i],
                        ref[i]);
            fail();
        }
    }
}

static nn_t *ref_net(size_t n_layers, const size_t *sizes, const int *acts, int loss,
                     size_t shared, const double *params0, size_t n_params)
{
    nn_t *net = create_net(n_layers, sizes, acts);
    assert_int_equal(nn_set_loss(net, loss), NN_OK);
    if (shared != 0)
        assert_int_equal(nn_set_bias_mode(net, shared, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_param_count(net), n_params);
    assert_int_equal(nn_set_params(net, params0, n_params), NN_OK);
    return net;
}

static void set_frozen_mask(nn_t *net, unsigned mask)
{
    for (size_t k = 1; k < nn_layer_count(net); k++) {
        const unsigned bits = mask >> (2 * (k - 1));
        assert_int_equal(nn_set_frozen(net, k, (int)(bits & 1u), (int)((bits >> 1) & 1u)), NN_OK);
    }
}

/* nn_forward and nn_backward on rows [first, first + n) */
static void accumulate(nn_t *net, const double *x, const double *t, size_t first, size_t n)
{
    const size_t n_in = nn_layer_size(net, 0), n_out = nn_layer_size(net, nn_layer_count(net) - 1);
    for (size_t r = first; r < first + n; r++) {
        assert_int_equal(nn_forward(net, x + r * n_in, NULL), NN_OK);
        assert_int_equal(nn_backward(net, t + r * n_out), NN_OK);
    }
}

static double *state_of(const nn_optimizer_t *opt, size_t *count)
{
    assert_int_equal(nn_optimizer_state_count(opt, count), NN_OK);
    double *s = alloc_doubles(*count);
    assert_int_equal(nn_optimizer_get_state(opt, s, *count), NN_OK);
    return s;
}

/* ---- against PyTorch ---- */

static void test_reference_training(void **unused)
{
    (void)unused;
    const size_t n_cases = sizeof ref_opt_cases / sizeof ref_opt_cases[0];
    unsigned kinds_seen = 0;
    for (size_t c = 0; c < n_cases; c++) {
        const struct ref_opt_case *rc = &ref_opt_cases[c];
        nn_t *net = ref_net(rc->n_layers, rc->sizes, rc->acts, rc->loss, rc->shared, rc->params0,
                            rc->n_params);
        nn_optimizer_t *opt = NULL;
        assert_int_equal(nn_optimizer_create(&opt, net, rc->kind), NN_OK);
        for (size_t h = 0; h < rc->n_hp; h++)
            assert_int_equal(nn_optimizer_set(opt, rc->hp_codes[h], rc->hp_values[h]), NN_OK);
        for (size_t s = 0; s < REF_STEPS; s++) {
            set_frozen_mask(net, rc->frozen[s]);
            accumulate(net, rc->x, rc->t, s * REF_SAMPLES, REF_SAMPLES);
            assert_int_equal(nn_optimizer_step(opt, net, rc->rate * (1.0 - 0.05 * (double)s)),
                             NN_OK);
        }
        double *p = params_of(net);
        assert_close_all(p, rc->params, rc->n_params, "params", c);
        size_t n_state = 0;
        double *state = state_of(opt, &n_state);
        assert_int_equal(n_state, rc->n_state);
        assert_close_all(state, rc->state, n_state, "state", c);
        /* the gradients are cleared */
        double *g = grads_of(net);
        assert_true(max_abs(g, rc->n_params) == 0.0);
        kinds_seen |= 1u << rc->kind;
        free(g);
        free(state);
        free(p);
        nn_optimizer_free(opt);
        nn_free(net);
    }
    assert_int_equal(kinds_seen, (1u << N_KINDS) - 1);
}

/* ---- SGD's plain form is nn_step() ---- */

static const size_t plain_sizes[4] = {3, 5, 4, 2};
static const int plain_acts[3] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_LINEAR};

static nn_t *random_net(unsigned long seed)
{
    nn_t *net = create_net(4, plain_sizes, plain_acts);
    assert_int_equal(nn_init_random(net, seed, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    return net;
}

static void test_sgd_plain_is_nn_step(void **unused)
{
    (void)unused;
    nn_t *a = random_net(7), *b = NULL;
    assert_int_equal(nn_set_bias_mode(a, 2, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_clone(a, &b), NN_OK);
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, b, NN_OPT_SGD), NN_OK);
    /* dampening and Nesterov off change nothing without momentum */
    assert_int_equal(nn_optimizer_set(opt, NN_HP_DAMPENING, 0.5), NN_OK);
    double *x = random_rows(9 * 3, 11, -1.0, 1.0), *t = random_rows(9 * 2, 12, -1.0, 1.0);
    for (size_t s = 0; s < 8; s++) {
        /* one sample leaves the weight gradients deferred; two store them */
        const size_t n = 1 + s % 2;
        nn_t *nets[2] = {a, b};
        for (size_t i = 0; i < 2; i++) {
            set_frozen_mask(nets[i], s == 3 ? 0x5u : 0u);
            accumulate(nets[i], x, t, s, n);
        }
        const double rate = 0.4 - 0.03 * (double)s;
        assert_int_equal(nn_step(a, rate), NN_OK);
        assert_int_equal(nn_optimizer_step(opt, b, rate), NN_OK);
        double *pa = params_of(a), *pb = params_of(b);
        assert_memory_equal(pa, pb, nn_param_count(a) * sizeof(double));
        free(pa);
        free(pb);
    }
    /* the step counts: 8 for every block, 7 for those frozen once */
    size_t n_state = 0;
    double *state = state_of(opt, &n_state);
    const double counts[6] = {7, 8, 7, 8, 8, 8};
    assert_memory_equal(state, counts, sizeof counts);
    free(state);
    free(x);
    free(t);
    nn_optimizer_free(opt);
    nn_free(a);
    nn_free(b);
}

/* ---- clipping and schedules against PyTorch ---- */

static void test_clip_reference(void **unused)
{
    (void)unused;
    const size_t n_cases = sizeof ref_clip_cases / sizeof ref_clip_cases[0];
    for (size_t c = 0; c < n_cases; c++) {
        const struct ref_clip_case *rc = &ref_clip_cases[c];
        nn_t *net = ref_net(rc->n_layers, rc->sizes, rc->acts, rc->loss, rc->shared, rc->params0,
                            rc->n_params);
        set_frozen_mask(net, rc->frozen);
        accumulate(net, rc->x, rc->t, 0, REF_SAMPLES);
        double norm = -1.0;
        assert_int_equal(nn_clip_grad_norm(net, rc->max_norm, &norm), NN_OK);
        assert_close_all(&norm, &rc->norm, 1, "norm", c);
        double *g = grads_of(net);
        /* torch has no gradient for frozen blocks: compare the others */
        size_t at = 0;
        for (size_t k = 1; k < rc->n_layers; k++) {
            const size_t nw = rc->sizes[k] * rc->sizes[k - 1];
            const size_t nb = rc->shared == k ? 1 : rc->sizes[k];
            const unsigned bits = rc->frozen >> (2 * (k - 1));
            if (!(bits & 1u))
                assert_close_all(g + at, rc->grads + at, nw, "weight grads", c);
            if (!(bits & 2u))
                assert_close_all(g + at + nw, rc->grads + at + nw, nb, "bias grads", c);
            at += nw + nb;
        }
        free(g);
        nn_free(net);
    }
}

static void test_clip_errors(void **unused)
{
    (void)unused;
    nn_t *net = random_net(3);
    double *x = random_rows(3, 1, -1.0, 1.0), *t = random_rows(2, 2, -1.0, 1.0);
    accumulate(net, x, t, 0, 1);
    double *before = grads_of(net), norm = 42.0;
    assert_int_equal(nn_clip_grad_norm(NULL, 1.0, &norm), NN_ERR_NULL_ARG);
    assert_int_equal(nn_clip_grad_norm(net, NAN, &norm), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_clip_grad_norm(net, INFINITY, &norm), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_clip_grad_norm(net, -0.5, &norm), NN_ERR_ARGUMENT);
    assert_true(norm == 42.0);
    double *after = grads_of(net);
    assert_memory_equal(before, after, nn_param_count(net) * sizeof(double));
    /* a norm under the limit changes nothing; NULL norm is allowed */
    assert_int_equal(nn_clip_grad_norm(net, 1e6, NULL), NN_OK);
    free(after);
    after = grads_of(net);
    assert_memory_equal(before, after, nn_param_count(net) * sizeof(double));
    /* max_norm 0 clears them; no gradients: norm 0 */
    assert_int_equal(nn_clip_grad_norm(net, 0.0, &norm), NN_OK);
    assert_true(norm > 0.0);
    free(after);
    after = grads_of(net);
    assert_true(max_abs(after, nn_param_count(net)) == 0.0);
    assert_int_equal(nn_clip_grad_norm(net, 1.0, &norm), NN_OK);
    assert_true(norm == 0.0);
    free(after);
    free(before);
    free(x);
    free(t);
    nn_free(net);
}

static void check_schedule(const double *ref, nn_status (*rate_at)(size_t step, double *rate))
{
    for (size_t s = 0; s < REF_SCHEDULE_STEPS; s++) {
        double rate = NAN;
        assert_int_equal(rate_at(s, &rate), NN_OK);
        assert_close_all(&rate, &ref[s], 1, "rate", s);
    }
}

static nn_status step_3_half(size_t s, double *r)
{
    return nn_schedule_step(REF_SCHEDULE_BASE, s, 3, 0.5, r);
}
static nn_status exponential_0_9(size_t s, double *r)
{
    return nn_schedule_exponential(REF_SCHEDULE_BASE, s, 0.9, r);
}
static nn_status cosine_7(size_t s, double *r)
{
    return nn_schedule_cosine(REF_SCHEDULE_BASE, s, 7, 0.01, r);
}
static nn_status linear_up(size_t s, double *r)
{
    return nn_schedule_linear(REF_SCHEDULE_BASE, s, 5, 0.25, 1.0, r);
}
static nn_status linear_down(size_t s, double *r)
{
    return nn_schedule_linear(REF_SCHEDULE_BASE, s, 4, 1.0, 0.1, r);
}

static void test_schedules_reference(void **unused)
{
    (void)unused;
    check_schedule(ref_step_3_half, step_3_half);
    check_schedule(ref_exponential_0_9, exponential_0_9);
    check_schedule(ref_cosine_7_0_01, cosine_7);
    check_schedule(ref_linear_5_0_25_1, linear_up);
    check_schedule(ref_linear_4_1_0_1, linear_down);
}

static void test_schedule_errors(void **unused)
{
    (void)unused;
    double r = 7.0;
    assert_int_equal(nn_schedule_step(0.1, 1, 2, 0.5, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_schedule_step(0.1, 1, 0, 0.5, &r), NN_ERR_ARGUMENT);
    assert_int_equal(nn_schedule_step(NAN, 1, 2, 0.5, &r), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_schedule_step(0.1, 1, 2, INFINITY, &r), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_schedule_exponential(0.1, 1, 0.5, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_schedule_exponential(0.1, 1, NAN, &r), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_schedule_exponential(INFINITY, 1, 0.5, &r), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_schedule_cosine(0.1, 1, 5, 0.0, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_schedule_cosine(0.1, 1, 0, 0.0, &r), NN_ERR_ARGUMENT);
    assert_int_equal(nn_schedule_cosine(0.1, 1, 5, NAN, &r), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_schedule_linear(0.1, 1, 5, 0.5, 1.0, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_schedule_linear(0.1, 1, 0, 0.5, 1.0, &r), NN_ERR_ARGUMENT);
    assert_int_equal(nn_schedule_linear(0.1, 1, 5, 0.0, 1.0, &r), NN_ERR_ARGUMENT);
    assert_int_equal(nn_schedule_linear(0.1, 1, 5, 1.5, 1.0, &r), NN_ERR_ARGUMENT);
    assert_int_equal(nn_schedule_linear(0.1, 1, 5, 0.5, -0.1, &r), NN_ERR_ARGUMENT);
    assert_int_equal(nn_schedule_linear(0.1, 1, 5, 0.5, 1.1, &r), NN_ERR_ARGUMENT);
    assert_int_equal(nn_schedule_linear(0.1, 1, 5, NAN, 1.0, &r), NN_ERR_NOT_FINITE);
    assert_true(r == 7.0);
    /* the step decay's boundaries and the warm-up's plateau, exactly */
    assert_int_equal(nn_schedule_step(0.8, 5, 3, 0.5, &r), NN_OK);
    assert_true(r == 0.4);
    assert_int_equal(nn_schedule_step(0.8, 6, 3, 0.5, &r), NN_OK);
    assert_true(r == 0.2);
    assert_int_equal(nn_schedule_linear(0.8, 1000, 5, 0.25, 1.0, &r), NN_OK);
    assert_true(r == 0.8);
}

/* ---- names and hyperparameters ---- */

static void test_names(void **unused)
{
    (void)unused;
    const char *kinds[N_KINDS] = {"sgd", "adam", "adamw", "rmsprop", "rprop"};
    for (int k = 0; k < N_KINDS; k++) {
        int code = -1;
        assert_string_equal(nn_optimizer_name(k), kinds[k]);
        assert_int_equal(nn_optimizer_from_name(kinds[k], &code), NN_OK);
        assert_int_equal(code, k);
    }
    const char *hps[12] = {"momentum", "dampening", "nesterov", "weight_decay", "beta1", "beta2",
                           "epsilon",  "alpha",     "eta_minus", "eta_plus", "step_min", "step_max"};
    for (int h = 0; h < 12; h++) {
        int code = -1;
        assert_string_equal(nn_hyperparameter_name(h), hps[h]);
        assert_int_equal(nn_hyperparameter_from_name(hps[h], &code), NN_OK);
        assert_int_equal(code, h);
    }
    int code = 99;
    assert_int_equal(nn_hyperparameter_from_name("weight-decay", &code), NN_OK);
    assert_int_equal(code, NN_HP_WEIGHT_DECAY);
    code = 99;
    assert_null(nn_optimizer_name(-1));
    assert_null(nn_optimizer_name(N_KINDS));
    assert_null(nn_hyperparameter_name(-1));
    assert_null(nn_hyperparameter_name(12));
    assert_int_equal(nn_optimizer_from_name("Adam", &code), NN_ERR_ARGUMENT);
    assert_int_equal(nn_optimizer_from_name("", &code), NN_ERR_ARGUMENT);
    assert_int_equal(nn_optimizer_from_name("adamw2", &code), NN_ERR_ARGUMENT);
    assert_int_equal(nn_hyperparameter_from_name("beta", &code), NN_ERR_ARGUMENT);
    assert_int_equal(code, 99);
    assert_int_equal(nn_optimizer_from_name(NULL, &code), NN_ERR_NULL_ARG);
    assert_int_equal(nn_optimizer_from_name("sgd", NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_hyperparameter_from_name(NULL, &code), NN_ERR_NULL_ARG);
    assert_int_equal(nn_hyperparameter_from_name("alpha", NULL), NN_ERR_NULL_ARG);
}

/* PyTorch 1.13's defaults; NAN: the kind does not take the code */
static const double defaults[N_KINDS][12] = {
    [NN_OPT_SGD] = {0, 0, 0, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN},
    [NN_OPT_ADAM] = {NAN, NAN, NAN, 0, 0.9, 0.999, 1e-8, NAN, NAN, NAN, NAN, NAN},
    [NN_OPT_ADAMW] = {NAN, NAN, NAN, 0.01, 0.9, 0.999, 1e-8, NAN, NAN, NAN, NAN, NAN},
    [NN_OPT_RMSPROP] = {0, NAN, NAN, 0, NAN, NAN, 1e-8, 0.99, NAN, NAN, NAN, NAN},
    [NN_OPT_RPROP] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0.5, 1.2, 1e-6, 50},
};

static void test_hyperparameters(void **unused)
{
    (void)unused;
    nn_t *net = random_net(1);
    for (int k = 0; k < N_KINDS; k++) {
        nn_optimizer_t *opt = NULL;
        int kind = -1;
        assert_int_equal(nn_optimizer_create(&opt, net, k), NN_OK);
        assert_int_equal(nn_optimizer_get_kind(opt, &kind), NN_OK);
        assert_int_equal(kind, k);
        for (int h = 0; h < 12; h++) {
            double v = -7.0;
            if (isnan(defaults[k][h])) {
                assert_int_equal(nn_optimizer_get(opt, h, &v), NN_ERR_ARGUMENT);
                assert_int_equal(nn_optimizer_set(opt, h, 0.5), NN_ERR_ARGUMENT);
                assert_true(v == -7.0);
            } else {
                assert_int_equal(nn_optimizer_get(opt, h, &v), NN_OK);
                assert_true(v == defaults[k][h]);
                assert_int_equal(nn_optimizer_set(opt, h, NAN), NN_ERR_NOT_FINITE);
                assert_int_equal(nn_optimizer_set(opt, h, INFINITY), NN_ERR_NOT_FINITE);
                assert_int_equal(nn_optimizer_get(opt, h, &v), NN_OK);
                assert_true(v == defaults[k][h]);
            }
        }
        double v = 0.0;
        assert_int_equal(nn_optimizer_get(opt, -1, &v), NN_ERR_ARGUMENT);
        assert_int_equal(nn_optimizer_get(opt, 12, &v), NN_ERR_ARGUMENT);
        assert_int_equal(nn_optimizer_set(opt, 12, 0.0), NN_ERR_ARGUMENT);
        assert_int_equal(nn_optimizer_get(opt, 0, NULL), NN_ERR_NULL_ARG);
        assert_int_equal(nn_optimizer_get_kind(opt, NULL), NN_ERR_NULL_ARG);
        nn_optimizer_free(opt);
    }
    /* the ranges: each refusal keeps the value */
    struct range_case {
        int kind, code;
        double bad, good;
    } cases[] = {
        {NN_OPT_SGD, NN_HP_MOMENTUM, -0.1, 0.9},     {NN_OPT_SGD, NN_HP_NESTEROV, 0.5, 1.0},
        {NN_OPT_SGD, NN_HP_NESTEROV, 2.0, 0.0},      {NN_OPT_SGD, NN_HP_WEIGHT_DECAY, -1e-3, 0.1},
        {NN_OPT_ADAM, NN_HP_BETA1, 1.0, 0.0},        {NN_OPT_ADAM, NN_HP_BETA1, -0.1, 0.5},
        {NN_OPT_ADAM, NN_HP_BETA2, 1.0, 0.9},        {NN_OPT_ADAM, NN_HP_EPSILON, -1e-9, 0.0},
        {NN_OPT_ADAMW, NN_HP_WEIGHT_DECAY, -0.1, 0.0}, {NN_OPT_RMSPROP, NN_HP_ALPHA, 1.0, 0.0},
        {NN_OPT_RMSPROP, NN_HP_MOMENTUM, -1.0, 0.5}, {NN_OPT_RPROP, NN_HP_ETA_MINUS, 0.0, 0.9},
        {NN_OPT_RPROP, NN_HP_ETA_MINUS, 1.0, 0.1},   {NN_OPT_RPROP, NN_HP_ETA_PLUS, 1.0, 3.0},
        {NN_OPT_RPROP, NN_HP_STEP_MIN, -1e-6, 0.0},  {NN_OPT_RPROP, NN_HP_STEP_MIN, 51.0, 50.0},
        {NN_OPT_RPROP, NN_HP_STEP_MAX, 1e-7, 1e-6},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nn_optimizer_t *opt = NULL;
        double v = 0.0;
        assert_int_equal(nn_optimizer_create(&opt, net, cases[i].kind), NN_OK);
        assert_int_equal(nn_optimizer_set(opt, cases[i].code, cases[i].bad), NN_ERR_ARGUMENT);
        assert_int_equal(nn_optimizer_get(opt, cases[i].code, &v), NN_OK);
        assert_true(v == defaults[cases[i].kind][cases[i].code]);
        assert_int_equal(nn_optimizer_set(opt, cases[i].code, cases[i].good), NN_OK);
        assert_int_equal(nn_optimizer_get(opt, cases[i].code, &v), NN_OK);
        assert_true(v == cases[i].good);
        nn_optimizer_free(opt);
    }
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(NULL, net, NN_OPT_SGD), NN_ERR_NULL_ARG);
    assert_int_equal(nn_optimizer_create(&opt, NULL, NN_OPT_SGD), NN_ERR_NULL_ARG);
    assert_int_equal(nn_optimizer_create(&opt, net, -1), NN_ERR_ARGUMENT);
    assert_int_equal(nn_optimizer_create(&opt, net, N_KINDS), NN_ERR_ARGUMENT);
    assert_null(opt);
    assert_int_equal(nn_optimizer_set(NULL, NN_HP_MOMENTUM, 0.0), NN_ERR_NULL_ARG);
    assert_int_equal(nn_optimizer_get(NULL, NN_HP_MOMENTUM, &(double){0}), NN_ERR_NULL_ARG);
    assert_int_equal(nn_optimizer_get_kind(NULL, &(int){0}), NN_ERR_NULL_ARG);
    assert_int_equal(nn_optimizer_reset(NULL), NN_ERR_NULL_ARG);
    nn_optimizer_free(NULL);
    nn_free(net);
}

/* ---- refusals of the step leave everything as it was ---- */

struct before {
    double *params, *grads, *state;
    size_t n_params, n_state;
};

static struct before take(const nn_t *net, const nn_optimizer_t *opt)
{
    struct before b;
    b.n_params = nn_param_count(net);
    b.params = params_of(net);
    b.grads = grads_of(net);
    b.state = state_of(opt, &b.n_state);
    return b;
}

static void assert_unchanged(const struct before *b, const nn_t *net, const nn_optimizer_t *opt)
{
    struct before now = take(net, opt);
    assert_int_equal(now.n_state, b->n_state);
    assert_memory_equal(now.params, b->params, b->n_params * sizeof(double));
    assert_memory_equal(now.grads, b->grads, b->n_params * sizeof(double));
    assert_memory_equal(now.state, b->state, b->n_state * sizeof(double));
    free(now.params);
    free(now.grads);
    free(now.state);
}

static void release(struct before *b)
{
    free(b->params);
    free(b->grads);
    free(b->state);
}

/* A network with gradients pending and an optimiser of `kind` with state. */
static nn_optimizer_t *trained(nn_t *net, int kind, const double *x, const double *t)
{
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, net, kind), NN_OK);
    for (size_t s = 0; s < 3; s++) {
        accumulate(net, x, t, s, 2);
        assert_int_equal(nn_optimizer_step(opt, net, 0.01), NN_OK);
    }
    accumulate(net, x, t, 0, 1); /* deferred weight gradients pending */
    return opt;
}

static void test_step_errors(void **unused)
{
    (void)unused;
    double *x = random_rows(8 * 3, 5, -1.0, 1.0), *t = random_rows(8 * 2, 6, -1.0, 1.0);
    for (int k = 0; k < N_KINDS; k++) {
        nn_t *net = random_net(9);
        nn_optimizer_t *opt = trained(net, k, x, t);
        struct before b = take(net, opt);
        assert_int_equal(nn_optimizer_step(NULL, net, 0.1), NN_ERR_NULL_ARG);
        assert_int_equal(nn_optimizer_step(opt, NULL, 0.1), NN_ERR_NULL_ARG);
        assert_int_equal(nn_optimizer_step(opt, net, NAN), NN_ERR_NOT_FINITE);
        assert_int_equal(nn_optimizer_step(opt, net, -INFINITY), NN_ERR_NOT_FINITE);
        /* another layout: sizes, or a bias convention */
        const size_t other_sizes[4] = {3, 5, 4, 3};
        nn_t *other = create_net(4, other_sizes, plain_acts), *shared = NULL;
        assert_int_equal(nn_optimizer_step(opt, other, 0.1), NN_ERR_COUNT);
        assert_int_equal(nn_clone(net, &shared), NN_OK);
        assert_int_equal(nn_set_bias_mode(shared, 3, NN_BIAS_SHARED), NN_OK);
        assert_int_equal(nn_optimizer_step(opt, shared, 0.1), NN_ERR_COUNT);
        const size_t short_sizes[3] = {3, 5, 4};
        nn_t *shorter = create_net(3, short_sizes, plain_acts);
        assert_int_equal(nn_optimizer_step(opt, shorter, 0.1), NN_ERR_COUNT);
        assert_unchanged(&b, net, opt);
        /* a clone has the same layout */
        nn_t *clone = NULL;
        assert_int_equal(nn_clone(net, &clone), NN_OK);
        assert_int_equal(nn_optimizer_step(opt, clone, 0.1), NN_OK);
        assert_int_equal(nn_optimizer_reset(opt), NN_OK); /* back to the state of create */
        size_t n = 0;
        double *zeros = state_of(opt, &n);
        assert_true(max_abs(zeros, n) == 0.0);
        free(zeros);
        nn_free(clone);
        nn_free(shorter);
        nn_free(shared);
        nn_free(other);
        release(&b);
        nn_optimizer_free(opt);
        nn_free(net);
    }
    /* Nesterov needs momentum and no dampening, checked at the step */
    nn_t *net = random_net(9);
    nn_optimizer_t *opt = trained(net, NN_OPT_SGD, x, t);
    assert_int_equal(nn_optimizer_set(opt, NN_HP_NESTEROV, 1.0), NN_OK);
    struct before b = take(net, opt);
    assert_int_equal(nn_optimizer_step(opt, net, 0.1), NN_ERR_ARGUMENT);
    assert_int_equal(nn_optimizer_set(opt, NN_HP_MOMENTUM, 0.9), NN_OK);
    assert_int_equal(nn_optimizer_set(opt, NN_HP_DAMPENING, 0.1), NN_OK);
    assert_int_equal(nn_optimizer_step(opt, net, 0.1), NN_ERR_ARGUMENT);
    assert_unchanged(&b, net, opt);
    assert_int_equal(nn_optimizer_set(opt, NN_HP_DAMPENING, 0.0), NN_OK);
    assert_int_equal(nn_optimizer_step(opt, net, 0.1), NN_OK);
    release(&b);
    nn_optimizer_free(opt);
    nn_free(net);
    free(x);
    free(t);
}

/* A step whose results would not be finite: NN_ERR_DIVERGED, nothing changed. */
static void test_diverged(void **unused)
{
    (void)unused;
    double *x = random_rows(8 * 3, 5, -1.0, 1.0), *t = random_rows(8 * 2, 6, -1.0, 1.0);
    struct diverge_case {
        int kind, code;
        double value, rate, grad;
    } cases[] = {
        /* v = (1 - b2) g^2 overflows */
        {NN_OPT_ADAM, NN_HP_EPSILON, 1e-8, 0.01, 1e300},
        {NN_OPT_ADAMW, NN_HP_EPSILON, 1e-8, 0.01, 1e300},
        {NN_OPT_RMSPROP, NN_HP_EPSILON, 1e-8, 0.01, 1e300},
        /* the parameter leaves the range */
        {NN_OPT_SGD, NN_HP_MOMENTUM, 0.9, 1e300, 1e10},
        {NN_OPT_SGD, NN_HP_WEIGHT_DECAY, 0.1, 1e300, 1e10},
        {NN_OPT_RPROP, NN_HP_STEP_MAX, 1e308, 1e308, 1.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nn_t *net = random_net(4);
        nn_optimizer_t *opt = trained(net, cases[i].kind, x, t);
        if (cases[i].kind == NN_OPT_RPROP)
            assert_int_equal(nn_optimizer_reset(opt), NN_OK); /* the next step takes the rate */
        assert_int_equal(nn_optimizer_set(opt, cases[i].code, cases[i].value), NN_OK);
        /* one huge gradient among ordinary ones */
        double *g = grads_of(net);
        g[nn_param_count(net) - 1] = cases[i].grad;
        assert_int_equal(nn_set_grads(net, g, nn_param_count(net)), NN_OK);
        struct before b = take(net, opt);
        assert_int_equal(nn_optimizer_step(opt, net, cases[i].rate), NN_ERR_DIVERGED);
        assert_unchanged(&b, net, opt);
        /* a reasonable step still works afterwards */
        g[nn_param_count(net) - 1] = 0.5;
        assert_int_equal(nn_set_grads(net, g, nn_param_count(net)), NN_OK);
        assert_int_equal(nn_optimizer_step(opt, net, 1e-3), NN_OK);
        release(&b);
        free(g);
        nn_optimizer_free(opt);
        nn_free(net);
    }
    free(x);
    free(t);
}

/* Adam's and AdamW's check first tries a bound without square root or
   division and leaves the decision to the exact check when the bound shows
   nothing. A negative rate must not pass the bound: with -1e308 the step
   size is -inf and every new parameter infinite. */
static void test_adam_negative_rate_diverges(void **unused)
{
    (void)unused;
    const int kinds[] = {NN_OPT_ADAM, NN_OPT_ADAMW};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        nn_t *net = random_net(11);
        nn_optimizer_t *opt = NULL;
        assert_int_equal(nn_optimizer_create(&opt, net, kinds[i]), NN_OK);
        double *g = grads_of(net);
        for (size_t j = 0; j < nn_param_count(net); j++)
            g[j] = 0.25 + 0.01 * (double)j;
        assert_int_equal(nn_set_grads(net, g, nn_param_count(net)), NN_OK);
        struct before b = take(net, opt);
        assert_int_equal(nn_optimizer_step(opt, net, -1e308), NN_ERR_DIVERGED);
        assert_unchanged(&b, net, opt);
        release(&b);
        free(g);
        nn_optimizer_free(opt);
        nn_free(net);
    }
}

/* Steps that the bound cannot show (epsilon 0; a parameter so large that
   the bound passes the limit while the new value does not) go through the
   exact check and are taken: Adam's first step, by hand. */
static void test_adam_exact_check_takes_the_step(void **unused)
{
    (void)unused;
    const double b1 = 0.9, b2 = 0.999, rate = 1e-3;
    for (int big = 0; big <= 1; big++) {
        nn_t *net = random_net(12);
        const size_t n = nn_param_count(net);
        double *p = params_of(net), *g = grads_of(net);
        const double eps = big ? 1e-8 : 0.0;
        if (big)
            p[n - 1] = 5e306; /* 4 |p| is past the limit of 2^1020 */
        assert_int_equal(nn_set_params(net, p, n), NN_OK);
        for (size_t j = 0; j < n; j++)
            g[j] = 0.5 - 0.03 * (double)j;
        assert_int_equal(nn_set_grads(net, g, n), NN_OK);
        nn_optimizer_t *opt = NULL;
        assert_int_equal(nn_optimizer_create(&opt, net, NN_OPT_ADAM), NN_OK);
        assert_int_equal(nn_optimizer_set(opt, NN_HP_EPSILON, eps), NN_OK);
        assert_int_equal(nn_optimizer_step(opt, net, rate), NN_OK);
        double *q = params_of(net);
        for (size_t j = 0; j < n; j++) {
            const double m = (1.0 - b1) * g[j], v = (1.0 - b2) * g[j] * g[j];
            const double denom = sqrt(v) / sqrt(1.0 - b2) + eps;
            const double want = p[j] - rate / (1.0 - b1) * (m / denom);
            assert_true(fabs(q[j] - want) <= 1e-15 * fabs(want));
        }
        free(q);
        free(p);
        free(g);
        nn_optimizer_free(opt);
        nn_free(net);
    }
}

/* ---- the flat state ---- */

static void test_state(void **unused)
{
    (void)unused;
    double *x = random_rows(8 * 3, 5, -1.0, 1.0), *t = random_rows(8 * 2, 6, -1.0, 1.0);
    for (int k = 0; k < N_KINDS; k++) {
        nn_t *net = random_net(2);
        assert_int_equal(nn_set_bias_mode(net, 1, NN_BIAS_SHARED), NN_OK);
        nn_optimizer_t *opt = trained(net, k, x, t);
        const size_t n_params = nn_param_count(net), slots = k == NN_OPT_SGD ? 1 : 2;
        size_t n = 0;
        assert_int_equal(nn_optimizer_state_count(opt, &n), NN_OK);
        assert_int_equal(n, 2 * 3 + slots * n_params);
        double *s = state_of(opt, &n);
        for (size_t c = 0; c < 6; c++)
            assert_true(s[c] == 3.0);
        struct before b = take(net, opt);
        /* refusals */
        assert_int_equal(nn_optimizer_state_count(NULL, &n), NN_ERR_NULL_ARG);
        assert_int_equal(nn_optimizer_state_count(opt, NULL), NN_ERR_NULL_ARG);
        assert_int_equal(nn_optimizer_get_state(NULL, s, n), NN_ERR_NULL_ARG);
        assert_int_equal(nn_optimizer_get_state(opt, NULL, n), NN_ERR_NULL_ARG);
        assert_int_equal(nn_optimizer_get_state(opt, s, n - 1), NN_ERR_COUNT);
        assert_int_equal(nn_optimizer_set_state(NULL, s, n), NN_ERR_NULL_ARG);
        assert_int_equal(nn_optimizer_set_state(opt, NULL, n), NN_ERR_NULL_ARG);
        assert_int_equal(nn_optimizer_set_state(opt, s, n + 1), NN_ERR_COUNT);
        double *bad = alloc_doubles(n);
        struct bad_case {
            size_t at;
            double value;
            nn_status status;
        } bads[] = {
            {0, NAN, NN_ERR_NOT_FINITE},
            {6, INFINITY, NN_ERR_NOT_FINITE},
            {1, 2.5, NN_ERR_ARGUMENT},   /* a step count not whole */
            {2, -1.0, NN_ERR_ARGUMENT},  /* negative */
            {3, 0x1p54, NN_ERR_ARGUMENT}, /* past 2^53 */
            /* a second moment, average or step size below 0 (SGD: the buffer, any value) */
            {k == NN_OPT_RMSPROP ? 6 : 6 + slots * n_params - 1, -1e-3,
             k == NN_OPT_SGD ? NN_OK : NN_ERR_ARGUMENT},
        };
        for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
            memcpy(bad, s, n * sizeof(double));
            bad[bads[i].at] = bads[i].value;
            assert_int_equal(nn_optimizer_set_state(opt, bad, n), bads[i].status);
            if (bads[i].status == NN_OK)
                assert_int_equal(nn_optimizer_set_state(opt, s, n), NN_OK);
            assert_unchanged(&b, net, opt);
        }
        /* a block that never stepped holds zeros: layer 3's weights (count 4)
           start at 40 in the flat order (15 + 1 + 20 + 4 before them) */
        memcpy(bad, s, n * sizeof(double));
        bad[4] = 0.0;
        bad[6 + 40] = 1.0;
        assert_int_equal(nn_optimizer_set_state(opt, bad, n), NN_ERR_ARGUMENT);
        assert_unchanged(&b, net, opt);
        /* set, then the same steps from both give the same bits */
        nn_optimizer_t *copy = NULL;
        nn_t *twin = NULL;
        assert_int_equal(nn_clone(net, &twin), NN_OK);
        assert_int_equal(nn_optimizer_create(&copy, twin, k), NN_OK);
        assert_int_equal(nn_optimizer_set_state(copy, s, n), NN_OK);
        assert_int_equal(nn_optimizer_step(opt, net, 0.01), NN_OK);
        assert_int_equal(nn_optimizer_step(copy, twin, 0.01), NN_OK);
        struct before one = take(net, opt);
        assert_unchanged(&one, twin, copy);
        release(&one);
        nn_optimizer_free(copy);
        nn_free(twin);
        free(bad);
        free(s);
        release(&b);
        nn_optimizer_free(opt);
        nn_free(net);
    }
    free(x);
    free(t);
}

/* A frozen block: never moved, its state and step count untouched. */
static void test_frozen_block(void **unused)
{
    (void)unused;
    double *x = random_rows(8 * 3, 5, -1.0, 1.0), *t = random_rows(8 * 2, 6, -1.0, 1.0);
    for (int k = 0; k < N_KINDS; k++) {
        nn_t *net = random_net(8);
        assert_int_equal(nn_set_frozen(net, 2, 1, 0), NN_OK);
        double *p0 = params_of(net);
        nn_optimizer_t *opt = trained(net, k, x, t);
        double *p = params_of(net);
        size_t n = 0;
        double *s = state_of(opt, &n);
        const size_t n_params = nn_param_count(net), first = 3 * 5 + 5, count = 5 * 4;
        assert_memory_equal(p + first, p0 + first, count * sizeof(double));
        assert_true(s[2] == 0.0 && s[3] == 3.0 && s[0] == 3.0);
        for (size_t slot = 0; slot < (k == NN_OPT_SGD ? 1u : 2u); slot++)
            assert_true(max_abs(s + 6 + slot * n_params + first, count) == 0.0);
        assert_true(p[first + count] != p0[first + count]); /* its biases moved */
        free(s);
        free(p);
        free(p0);
        nn_optimizer_free(opt);
        nn_free(net);
    }
    free(x);
    free(t);
}

/* After optimiser steps the plain calls train on as before: the same
   step from a network whose parameters were set to the same values. */
static void test_plain_calls_after_a_step(void **unused)
{
    (void)unused;
    double *x = random_rows(8 * 3, 5, -1.0, 1.0), *t = random_rows(8 * 2, 6, -1.0, 1.0);
    for (int k = 0; k < N_KINDS; k++) {
        nn_t *net = random_net(6);
        nn_optimizer_t *opt = trained(net, k, x, t);
        assert_int_equal(nn_zero_grads(net), NN_OK);
        double *p = params_of(net);
        nn_t *fresh = random_net(1);
        assert_int_equal(nn_set_params(fresh, p, nn_param_count(net)), NN_OK);
        nn_t *nets[2] = {net, fresh};
        for (size_t i = 0; i < 2; i++) {
            assert_int_equal(nn_train_sample(nets[i], x, t, 0.1), NN_OK);
            accumulate(nets[i], x, t, 1, 2);
            assert_int_equal(nn_step(nets[i], 0.1), NN_OK);
        }
        double *a = params_of(net), *b = params_of(fresh);
        assert_memory_equal(a, b, nn_param_count(net) * sizeof(double));
        /* and the divergence checks still refuse what they must */
        double *g = grads_of(net);
        g[0] = 1e300;
        assert_int_equal(nn_set_grads(net, g, nn_param_count(net)), NN_OK);
        assert_int_equal(nn_step(net, 1e10), NN_ERR_DIVERGED);
        free(g);
        free(a);
        free(b);
        free(p);
        nn_free(fresh);
        nn_optimizer_free(opt);
        nn_free(net);
    }
    free(x);
    free(t);
}

/* ---- memory: the network's allocator, once, at create ---- */

struct counting {
    size_t allocs, frees, fail_at; /* fail_at: the call that fails (1-based), 0 none */
    size_t live;                   /* blocks given and not released */
};

static void *counting_alloc(void *context, size_t size)
{
    struct counting *c = context;
    c->allocs++;
    if (c->allocs == c->fail_at)
        return NULL;
    c->live++;
    return malloc(size);
}

static void counting_free(void *context, void *ptr)
{
    struct counting *c = context;
    c->frees++;
    c->live--;
    free(ptr);
}

static void test_allocator(void **unused)
{
    (void)unused;
    struct counting c = {0, 0, 0, 0};
    nn_t *net = NULL;
    assert_int_equal(nn_create_with_allocator(&net, 4, plain_sizes, plain_acts, counting_alloc,
                                              counting_free, &c),
                     NN_OK);
    double *x = random_rows(3, 5, -1.0, 1.0), *t = random_rows(2, 6, -1.0, 1.0);
    for (int k = 0; k < N_KINDS; k++) {
        nn_optimizer_t *opt = (nn_optimizer_t *)&c; /* must stay as it is on failure */
        c.fail_at = c.allocs + 1;
        assert_int_equal(nn_optimizer_create(&opt, net, k), NN_ERR_NO_MEMORY);
        assert_ptr_equal(opt, &c);
        const size_t allocs = c.allocs, frees = c.frees;
        c.fail_at = 0;
        assert_int_equal(nn_optimizer_create(&opt, net, k), NN_OK);
        assert_int_equal(c.allocs, allocs + 1);
        for (size_t s = 0; s < 3; s++) {
            accumulate(net, x, t, 0, 1);
            assert_int_equal(c.allocs, allocs + 1);
            assert_int_equal(nn_clip_grad_norm(net, 1.0, NULL), NN_OK);
            assert_int_equal(nn_optimizer_step(opt, net, 0.01), NN_OK);
            assert_int_equal(c.allocs, allocs + 1); /* the steps allocate nothing */
        }
        nn_optimizer_free(opt);
        assert_int_equal(c.frees, frees + 1);
    }
    /* an optimiser may outlive its network */
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, net, NN_OPT_ADAM), NN_OK);
    nn_free(net);
    nn_optimizer_free(opt);
    assert_int_equal(c.live, 0);
    free(x);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_training),
        cmocka_unit_test(test_sgd_plain_is_nn_step),
        cmocka_unit_test(test_clip_reference),
        cmocka_unit_test(test_clip_errors),
        cmocka_unit_test(test_schedules_reference),
        cmocka_unit_test(test_schedule_errors),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_hyperparameters),
        cmocka_unit_test(test_step_errors),
        cmocka_unit_test(test_diverged),
        cmocka_unit_test(test_adam_negative_rate_diverges),
        cmocka_unit_test(test_adam_exact_check_takes_the_step),
        cmocka_unit_test(test_state),
        cmocka_unit_test(test_frozen_block),
        cmocka_unit_test(test_plain_calls_after_a_step),
        cmocka_unit_test(test_allocator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Every refusal of every public call.
 *
 * Each refused call is checked for three things: the exact status, a non-empty
 * nn_strerror() text for it, and a network that is bit for bit what it was. The
 * snapshot that proves the last point holds the parameters, the accumulated
 * gradients, every setting, what the last passes left for inspection (and the
 * status each inspection call returns, which captures "no forward pass", "stale"
 * and "no backward pass"), the loss of the last forward pass, and the outputs a
 * copy of the network computes on a fixed input.
 *
 * Every refused call has exactly one thing wrong with it, so that the expected
 * status does not depend on the order in which the library checks its
 * arguments. */
#include "check.h"

#include <backprop.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define MAXL 6  /* layers a snapshot can hold */
#define MAXW 8  /* units per layer a snapshot can hold */
#define MAXP 96 /* parameters a snapshot can hold */

/* ---- a custom activation for the fixture ---- */

static double softsign_scale = 1.5;

static void softsign_f(void *context, size_t n, const double *z, double *a)
{
    const double s = *(const double *)context;
    for (size_t i = 0; i < n; i++)
        a[i] = s * z[i] / (1.0 + fabs(z[i]));
}

static void softsign_df(void *context, size_t n, const double *z, const double *a, double *d)
{
    const double s = *(const double *)context;
    (void)a;
    for (size_t i = 0; i < n; i++)
        d[i] = s / ((1.0 + fabs(z[i])) * (1.0 + fabs(z[i])));
}

/* ---- the snapshot ---- */

struct pass_view {
    nn_status status;
    double values[MAXW];
};

struct snapshot {
    size_t n_layers;
    size_t sizes[MAXL];
    size_t n_params;
    double params[MAXP];
    double grads[MAXP];
    int activation[MAXL];
    char activation_name[MAXL][NN_MAX_NAME + 1];
    int bias_mode[MAXL];
    size_t weight_count[MAXL];
    size_t bias_count[MAXL];
    int frozen_weights[MAXL];
    int frozen_biases[MAXL];
    int loss;
    int reduction;
    /* what the last passes left */
    nn_status loss_status;
    double loss_value;
    struct pass_view z[MAXL], a[MAXL], delta[MAXL];
    /* the outputs of a copy on a fixed input */
    double clone_output[MAXW];
};

static const double probe_input[MAXW] = { 0.3, -0.8, 0.55, 1.2, -0.1, 0.7, -0.45, 0.05 };
static const double probe_target[MAXW] = { 0.1, 0.9, -0.2, 0.4, 0.6, -0.7, 0.3, 0.0 };

static void view(nn_status (*get)(const nn_t *, size_t, double *, size_t), const nn_t *net,
                 size_t layer, struct pass_view *v)
{
    v->status = get(net, layer, v->values, nn_layer_size(net, layer));
    if (v->status != NN_OK)
        memset(v->values, 0, sizeof v->values);
}

static void snap_take(struct snapshot *s, const nn_t *net)
{
    memset(s, 0, sizeof *s);
    s->n_layers = nn_layer_count(net);
    assert_true(s->n_layers >= 2 && s->n_layers <= MAXL);
    for (size_t k = 0; k < s->n_layers; k++) {
        s->sizes[k] = nn_layer_size(net, k);
        assert_true(s->sizes[k] <= MAXW);
    }
    s->n_params = nn_param_count(net);
    assert_true(s->n_params <= MAXP);
    assert_int_equal(nn_get_params(net, s->params, s->n_params), NN_OK);
    assert_int_equal(nn_get_grads(net, s->grads, s->n_params), NN_OK);
    for (size_t k = 1; k < s->n_layers; k++) {
        s->activation[k] = nn_get_activation(net, k);
        const char *name = nn_get_activation_name(net, k);
        assert_non_null(name);
        assert_true(strlen(name) <= NN_MAX_NAME);
        strcpy(s->activation_name[k], name);
        s->bias_mode[k] = nn_get_bias_mode(net, k);
        s->weight_count[k] = nn_weight_count(net, k);
        s->bias_count[k] = nn_bias_count(net, k);
        assert_int_equal(nn_get_frozen(net, k, &s->frozen_weights[k], &s->frozen_biases[k]),
                         NN_OK);
    }
    s->loss = nn_get_loss(net);
    s->reduction = nn_get_reduction(net);
    s->loss_status = nn_loss(net, probe_target, &s->loss_value);
    if (s->loss_status != NN_OK)
        s->loss_value = 0.0;
    for (size_t k = 0; k < s->n_layers; k++) {
        view(nn_get_outputs, net, k, &s->a[k]);
        if (k > 0) {
            view(nn_get_net_inputs, net, k, &s->z[k]);
            view(nn_get_deltas, net, k, &s->delta[k]);
        }
    }
    nn_t *copy = NULL;
    assert_int_equal(nn_clone(net, &copy), NN_OK);
    assert_int_equal(nn_forward(copy, probe_input, s->clone_output), NN_OK);
    nn_free(copy);
}

/* Set before a group of checks, printed when one fails. */
static char context_text[160] = "";

static void differs(const char *what, const char *call, const char *file, int line)
{
    print_error("%s changed the network's %s%s%s\n", call, what, context_text[0] ? " - " : "",
                context_text);
    _fail(file, line);
}

#define SAME_BYTES(field) \
    (memcmp(&before->field, &after.field, sizeof before->field) == 0)

static void snap_compare(const struct snapshot *before, const nn_t *net, const char *call,
                         const char *file, int line)
{
    struct snapshot after;
    snap_take(&after, net);
    if (!SAME_BYTES(n_layers) || !SAME_BYTES(sizes) || !SAME_BYTES(n_params))
        differs("shape", call, file, line);
    if (!SAME_BYTES(params))
        differs("parameters", call, file, line);
    if (!SAME_BYTES(grads))
        differs("gradients", call, file, line);
    if (!SAME_BYTES(activation) || !SAME_BYTES(activation_name))
        differs("activations", call, file, line);
    if (!SAME_BYTES(bias_mode) || !SAME_BYTES(weight_count) || !SAME_BYTES(bias_count))
        differs("bias conventions", call, file, line);
    if (!SAME_BYTES(frozen_weights) || !SAME_BYTES(frozen_biases))
        differs("frozen flags", call, file, line);
    if (!SAME_BYTES(loss))
        differs("loss setting", call, file, line);
    if (!SAME_BYTES(reduction))
        differs("batch reduction", call, file, line);
    if (!SAME_BYTES(loss_status) || !SAME_BYTES(loss_value))
        differs("last forward pass (loss or its state)", call, file, line);
    if (!SAME_BYTES(z) || !SAME_BYTES(a))
        differs("last forward pass (net inputs or outputs)", call, file, line);
    if (!SAME_BYTES(delta))
        differs("last backward pass (deltas)", call, file, line);
    if (!SAME_BYTES(clone_output))
        differs("function (outputs of a copy)", call, file, line);
}

static void check_status(nn_status got, nn_status want, const char *call, const char *file,
                         int line)
{
    if (got != want) {
        print_error("%s returned %d (%s), expected %d (%s)%s%s\n", call, (int)got,
                    nn_strerror(got), (int)want, nn_strerror(want), context_text[0] ? " - " : "",
                    context_text);
        _fail(file, line);
    }
    const char *text = nn_strerror(got);
    if (text == NULL || text[0] == '\0') {
        print_error("nn_strerror(%d) is empty\n", (int)got);
        _fail(file, line);
    }
}

/* The call must return `want` and leave `net` exactly as it was. */
#define REFUSED(net, want, call)                                         \
    do {                                                                 \
        struct snapshot before_;                                         \
        snap_take(&before_, (net));                                      \
        const nn_status got_ = (call);                                   \
        check_status(got_, (want), #call, __FILE__, __LINE__);           \
        snap_compare(&before_, (net), #call, __FILE__, __LINE__);        \
    } while (0)

/* A call that must succeed without changing anything (a getter). */
#define HARMLESS(net, call) REFUSED(net, NN_OK, call)

/* ---- the fixture ---- */

/* 3-4-2-3 (MAXW-sized buffers suffice): tanh, custom softsign with a shared
   bias, sigmoid with frozen weights; layer 1 has frozen biases; MSE loss. */
#define FIX_LAYERS 4
static const size_t fix_sizes[FIX_LAYERS] = { 3, 4, 2, 3 };
static const size_t fix_weights[FIX_LAYERS] = { 0, 12, 8, 6 };
static const size_t fix_biases[FIX_LAYERS] = { 0, 4, 1, 3 };
#define FIX_PARAMS (12 + 4 + 8 + 1 + 6 + 3)

static nn_t *make_fixture(void)
{
    const int acts[3] = { NN_ACT_TANH, NN_ACT_LINEAR, NN_ACT_SIGMOID };
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, FIX_LAYERS, fix_sizes, acts), NN_OK);
    assert_int_equal(nn_set_custom_activation(net, 2, softsign_f, softsign_df, &softsign_scale,
                                              "softsign"),
                     NN_OK);
    assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_set_frozen(net, 3, 1, 0), NN_OK);
    assert_int_equal(nn_set_frozen(net, 1, 0, 1), NN_OK);
    assert_int_equal(nn_set_loss(net, NN_LOSS_MSE), NN_OK);
    assert_int_equal(nn_param_count(net), FIX_PARAMS);
    double p[FIX_PARAMS], g[FIX_PARAMS];
    for (size_t i = 0; i < FIX_PARAMS; i++) {
        p[i] = 0.9 * sin(1.7 * (double)i + 0.3);
        g[i] = 0.01 * (double)(i + 1);
    }
    assert_int_equal(nn_set_params(net, p, FIX_PARAMS), NN_OK);
    assert_int_equal(nn_set_grads(net, g, FIX_PARAMS), NN_OK);
    return net;
}

/* forward and backward done, gradients pending, nothing stale */
static void make_ready(nn_t *net)
{
    assert_int_equal(nn_forward(net, probe_input, NULL), NN_OK);
    assert_int_equal(nn_backward(net, probe_target), NN_OK);
}

static double nan_value(void)
{
    return NAN;
}

/* ---- refusals that do not depend on the state of the passes ---- */

/* The calls that copy values in or out, layer by layer or for the whole network
   in the flat order, called through one signature. */
enum copy_call {
    SET_WEIGHTS, GET_WEIGHTS, SET_BIASES, GET_BIASES, GET_WEIGHT_GRADS, GET_BIAS_GRADS,
    GET_PARAMS, SET_PARAMS, GET_GRADS, SET_GRADS /* flat: `layer` is not used */
};

static nn_status copy_values(enum copy_call call, nn_t *net, size_t layer, double *v, size_t n)
{
    switch (call) {
    case SET_WEIGHTS: return nn_set_weights(net, layer, v, n);
    case GET_WEIGHTS: return nn_get_weights(net, layer, v, n);
    case SET_BIASES: return nn_set_biases(net, layer, v, n);
    case GET_BIASES: return nn_get_biases(net, layer, v, n);
    case GET_WEIGHT_GRADS: return nn_get_weight_grads(net, layer, v, n);
    case GET_BIAS_GRADS: return nn_get_bias_grads(net, layer, v, n);
    case GET_PARAMS: return nn_get_params(net, v, n);
    case SET_PARAMS: return nn_set_params(net, v, n);
    case GET_GRADS: return nn_get_grads(net, v, n);
    case SET_GRADS: return nn_set_grads(net, v, n);
    }
    fail();
    return NN_OK;
}

struct copy {
    const char *name;
    enum copy_call call;
    int biases; /* per layer: copies the biases, not the weights */
    int setter;
};

/* For a copy whose right count is n: the wrong counts are refused. */
static void refuse_counts(nn_t *net, enum copy_call call, size_t layer, size_t n, double *buf)
{
    REFUSED(net, NN_ERR_COUNT, copy_values(call, net, layer, buf, n - 1));
    REFUSED(net, NN_ERR_COUNT, copy_values(call, net, layer, buf, n + 1));
    REFUSED(net, NN_ERR_COUNT, copy_values(call, net, layer, buf, 0));
    REFUSED(net, NN_ERR_COUNT, copy_values(call, net, layer, buf, SIZE_MAX));
}

/* For a copy of the right count n: a setter refuses NaN and both infinities at
   each of the n_where positions (the other values are `fill`); a getter changes
   nothing. */
static void refuse_values(nn_t *net, const struct copy *cp, size_t layer, size_t n,
                          const size_t *where, size_t n_where, double fill, double *buf)
{
    if (!cp->setter) {
        HARMLESS(net, copy_values(cp->call, net, layer, buf, n));
        return;
    }
    const double bad[3] = { nan_value(), INFINITY, -INFINITY };
    for (size_t b = 0; b < 3; b++)
        for (size_t w = 0; w < n_where; w++) {
            for (size_t i = 0; i < n; i++)
                buf[i] = fill;
            buf[where[w]] = bad[b];
            REFUSED(net, NN_ERR_NOT_FINITE, copy_values(cp->call, net, layer, buf, n));
        }
}

static void refusals_layer_copies(nn_t *net)
{
    static const struct copy copies[] = {
        { "nn_set_weights", SET_WEIGHTS, 0, 1 },
        { "nn_get_weights", GET_WEIGHTS, 0, 0 },
        { "nn_set_biases", SET_BIASES, 1, 1 },
        { "nn_get_biases", GET_BIASES, 1, 0 },
        { "nn_get_weight_grads", GET_WEIGHT_GRADS, 0, 0 },
        { "nn_get_bias_grads", GET_BIAS_GRADS, 1, 0 },
    };
    double buf[MAXP + 1];
    for (size_t f = 0; f < sizeof copies / sizeof copies[0]; f++) {
        const struct copy *cp = &copies[f];
        snprintf(context_text, sizeof context_text, "%s", cp->name);
        for (size_t i = 0; i < MAXP + 1; i++)
            buf[i] = 0.25;
        const size_t n1 = cp->biases ? fix_biases[1] : fix_weights[1];
        REFUSED(net, NN_ERR_NULL_ARG, copy_values(cp->call, NULL, 1, buf, n1));
        REFUSED(net, NN_ERR_NULL_ARG, copy_values(cp->call, net, 1, NULL, n1));
        REFUSED(net, NN_ERR_LAYER_RANGE, copy_values(cp->call, net, 0, buf, n1));
        REFUSED(net, NN_ERR_LAYER_RANGE, copy_values(cp->call, net, FIX_LAYERS, buf, n1));
        REFUSED(net, NN_ERR_LAYER_RANGE, copy_values(cp->call, net, FIX_LAYERS + 1, buf, n1));
        REFUSED(net, NN_ERR_LAYER_RANGE, copy_values(cp->call, net, SIZE_MAX, buf, n1));
        for (size_t k = 1; k < FIX_LAYERS; k++) {
            snprintf(context_text, sizeof context_text, "%s, layer %zu", cp->name, k);
            const size_t n = cp->biases ? fix_biases[k] : fix_weights[k];
            refuse_counts(net, cp->call, k, n, buf);
            if (cp->biases && k == 2) /* the shared bias: a per-unit count is wrong */
                REFUSED(net, NN_ERR_COUNT, copy_values(cp->call, net, k, buf, fix_sizes[k]));
            const size_t where[3] = { 0, n / 2, n - 1 };
            refuse_values(net, cp, k, n, where, 3, 0.25, buf);
        }
    }
    context_text[0] = '\0';
}

static void refusals_flat(nn_t *net)
{
    static const struct copy copies[] = {
        { "nn_get_params", GET_PARAMS, 0, 0 },
        { "nn_set_params", SET_PARAMS, 0, 1 },
        { "nn_get_grads", GET_GRADS, 0, 0 },
        { "nn_set_grads", SET_GRADS, 0, 1 },
    };
    static const size_t where[4] = { 0, 16, 17, FIX_PARAMS - 1 };
    double buf[FIX_PARAMS + 1];
    for (size_t f = 0; f < sizeof copies / sizeof copies[0]; f++) {
        const struct copy *cp = &copies[f];
        snprintf(context_text, sizeof context_text, "%s", cp->name);
        for (size_t i = 0; i <= FIX_PARAMS; i++)
            buf[i] = -0.5;
        REFUSED(net, NN_ERR_NULL_ARG, copy_values(cp->call, NULL, 0, buf, FIX_PARAMS));
        REFUSED(net, NN_ERR_NULL_ARG, copy_values(cp->call, net, 0, NULL, FIX_PARAMS));
        refuse_counts(net, cp->call, 0, FIX_PARAMS, buf);
        /* the storage count, with a slot per unit of the shared-bias layer */
        const size_t storage = FIX_PARAMS + fix_sizes[2] - 1;
        REFUSED(net, NN_ERR_COUNT, copy_values(cp->call, net, 0, buf, storage));
        refuse_values(net, cp, 0, FIX_PARAMS, where, 4, -0.5, buf);
    }
    context_text[0] = '\0';
}

static void refusals_settings(nn_t *net)
{
    static const int bad_acts[] = { -1, NN_ACT_SOFTMAX + 1, NN_ACT_CUSTOM, NN_ACT_CUSTOM - 1,
                                    NN_ACT_CUSTOM + 1, INT_MAX, INT_MIN };
    static const int bad_modes[] = { -1, 2, 3, INT_MAX, INT_MIN };
    static const int bad_losses[] = { -1, NN_LOSS_BINARY_CROSS_ENTROPY + 1, INT_MAX, INT_MIN };
    int fw = 0, fb = 0;

    REFUSED(net, NN_ERR_NULL_ARG, nn_set_activation(NULL, 1, NN_ACT_TANH));
    REFUSED(net, NN_ERR_LAYER_RANGE, nn_set_activation(net, 0, NN_ACT_TANH));
    REFUSED(net, NN_ERR_LAYER_RANGE, nn_set_activation(net, FIX_LAYERS, NN_ACT_TANH));
    REFUSED(net, NN_ERR_LAYER_RANGE, nn_set_activation(net, SIZE_MAX, NN_ACT_TANH));
    for (size_t k = 1; k < FIX_LAYERS; k++)
        for (size_t b = 0; b < sizeof bad_acts / sizeof bad_acts[0]; b++) {
            snprintf(context_text, sizeof context_text, "layer %zu, code %d", k, bad_acts[b]);
            REFUSED(net, NN_ERR_ACTIVATION, nn_set_activation(net, k, bad_acts[b]));
        }
    context_text[0] = '\0';

    void *ctx = &softsign_scale;
    REFUSED(net, NN_ERR_NULL_ARG,
            nn_set_custom_activation(NULL, 1, softsign_f, softsign_df, ctx, "ok"));
    REFUSED(net, NN_ERR_NULL_ARG, nn_set_custom_activation(net, 1, NULL, softsign_df, ctx, "ok"));
    REFUSED(net, NN_ERR_NULL_ARG, nn_set_custom_activation(net, 1, softsign_f, NULL, ctx, "ok"));
    REFUSED(net, NN_ERR_NULL_ARG,
            nn_set_custom_activation(net, 1, softsign_f, softsign_df, ctx, NULL));
    REFUSED(net, NN_ERR_LAYER_RANGE,
            nn_set_custom_activation(net, 0, softsign_f, softsign_df, ctx, "ok"));
    REFUSED(net, NN_ERR_LAYER_RANGE,
            nn_set_custom_activation(net, FIX_LAYERS, softsign_f, softsign_df, ctx, "ok"));
    static const char *bad_names[] = {
        "",
        "abcdefghijklmnopqrstuvwxyz012345",   /* 32 characters */
        "abcdefghijklmnopqrstuvwxyz0123456789", /* 36 */
        "soft sign", " lead", "trail ", "a/b", "../up", "a\\b", "tab\there", "new\nline",
        "caf\xc3\xa9", "pct%", "plus+", "colon:", "quote\"", "star*",
    };
    for (size_t b = 0; b < sizeof bad_names / sizeof bad_names[0]; b++) {
        snprintf(context_text, sizeof context_text, "name #%zu", b);
        for (size_t k = 1; k < FIX_LAYERS; k++)
            REFUSED(net, NN_ERR_NAME,
                    nn_set_custom_activation(net, k, softsign_f, softsign_df, ctx, bad_names[b]));
    }
    context_text[0] = '\0';

    REFUSED(net, NN_ERR_NULL_ARG, nn_set_bias_mode(NULL, 1, NN_BIAS_SHARED));
    REFUSED(net, NN_ERR_LAYER_RANGE, nn_set_bias_mode(net, 0, NN_BIAS_SHARED));
    REFUSED(net, NN_ERR_LAYER_RANGE, nn_set_bias_mode(net, FIX_LAYERS, NN_BIAS_SHARED));
    for (size_t k = 1; k < FIX_LAYERS; k++)
        for (size_t b = 0; b < sizeof bad_modes / sizeof bad_modes[0]; b++)
            REFUSED(net, NN_ERR_BIAS_MODE, nn_set_bias_mode(net, k, bad_modes[b]));

    REFUSED(net, NN_ERR_NULL_ARG, nn_set_frozen(NULL, 1, 1, 1));
    REFUSED(net, NN_ERR_LAYER_RANGE, nn_set_frozen(net, 0, 1, 1));
    REFUSED(net, NN_ERR_LAYER_RANGE, nn_set_frozen(net, FIX_LAYERS, 1, 1));
    REFUSED(net, NN_ERR_LAYER_RANGE, nn_set_frozen(net, SIZE_MAX, 0, 0));

    REFUSED(net, NN_ERR_NULL_ARG, nn_get_frozen(NULL, 1, &fw, &fb));
    REFUSED(net, NN_ERR_NULL_ARG, nn_get_frozen(net, 1, NULL, &fb));
    REFUSED(net, NN_ERR_NULL_ARG, nn_get_frozen(net, 1, &fw, NULL));
    REFUSED(net, NN_ERR_LAYER_RANGE, nn_get_frozen(net, 0, &fw, &fb));
    REFUSED(net, NN_ERR_LAYER_RANGE, nn_get_frozen(net, FIX_LAYERS, &fw, &fb));
    HARMLESS(net, nn_get_frozen(net, 3, &fw, &fb));
    assert_true(fw == 1 && fb == 0);

    REFUSED(net, NN_ERR_NULL_ARG, nn_set_loss(NULL, NN_LOSS_HALF_SSE));
    for (size_t b = 0; b < sizeof bad_losses / sizeof bad_losses[0]; b++)
        REFUSED(net, NN_ERR_LOSS, nn_set_loss(net, bad_losses[b]));
}

static void refusals_training(nn_t *net)
{
    const double x[3] = { 0.1, 0.2, 0.3 }, t[3] = { 0.5, 0.5, 0.5 };
    const double bad[3] = { nan_value(), INFINITY, -INFINITY };
    double out[3];

    REFUSED(net, NN_ERR_NULL_ARG, nn_step(NULL, 0.1));
    REFUSED(net, NN_ERR_NULL_ARG, nn_zero_grads(NULL));
    REFUSED(net, NN_ERR_NULL_ARG, nn_forward(NULL, x, out));
    REFUSED(net, NN_ERR_NULL_ARG, nn_forward(net, NULL, out));
    REFUSED(net, NN_ERR_NULL_ARG, nn_train_sequential(NULL, x, t, 0.1));
    REFUSED(net, NN_ERR_NULL_ARG, nn_train_sequential(net, NULL, t, 0.1));
    REFUSED(net, NN_ERR_NULL_ARG, nn_train_sequential(net, x, NULL, 0.1));
    REFUSED(net, NN_ERR_NULL_ARG, nn_train_sample(NULL, x, t, 0.1));
    REFUSED(net, NN_ERR_NULL_ARG, nn_train_sample(net, NULL, t, 0.1));
    REFUSED(net, NN_ERR_NULL_ARG, nn_train_sample(net, x, NULL, 0.1));
    for (size_t b = 0; b < 3; b++) {
        snprintf(context_text, sizeof context_text, "value %g", bad[b]);
        REFUSED(net, NN_ERR_NOT_FINITE, nn_step(net, bad[b]));
        REFUSED(net, NN_ERR_NOT_FINITE, nn_train_sequential(net, x, t, bad[b]));
        REFUSED(net, NN_ERR_NOT_FINITE, nn_train_sample(net, x, t, bad[b]));
        for (size_t i = 0; i < 3; i++) {
            double xb[3] = { 0.1, 0.2, 0.3 }, tb[3] = { 0.5, 0.5, 0.5 };
            xb[i] = bad[b];
            tb[i] = bad[b];
            REFUSED(net, NN_ERR_NOT_FINITE, nn_forward(net, xb, out));
            REFUSED(net, NN_ERR_NOT_FINITE, nn_forward(net, xb, NULL));
            REFUSED(net, NN_ERR_NOT_FINITE, nn_train_sequential(net, xb, t, 0.1));
            REFUSED(net, NN_ERR_NOT_FINITE, nn_train_sample(net, xb, t, 0.1));
            REFUSED(net, NN_ERR_NOT_FINITE, nn_train_sequential(net, x, tb, 0.1));
            REFUSED(net, NN_ERR_NOT_FINITE, nn_train_sample(net, x, tb, 0.1));
        }
    }
    context_text[0] = '\0';

    REFUSED(net, NN_ERR_NULL_ARG, nn_init_random(NULL, 1, NN_INIT_UNIFORM, -1.0, 1.0));
    static const int bad_schemes[] = { -1, NN_INIT_HE + 1, 100, INT_MAX, INT_MIN };
    for (size_t b = 0; b < sizeof bad_schemes / sizeof bad_schemes[0]; b++)
        REFUSED(net, NN_ERR_ARGUMENT, nn_init_random(net, 1, bad_schemes[b], -1.0, 1.0));
    static const double bad_ranges[][2] = {
        { 0.5, 0.5 },  { 1.0, -1.0 },       { NAN, 1.0 },       { -1.0, NAN },
        { NAN, NAN },  { -INFINITY, 1.0 },  { -1.0, INFINITY }, { -INFINITY, INFINITY },
        { INFINITY, INFINITY }, { 0.0, -0.0 },
    };
    for (size_t b = 0; b < sizeof bad_ranges / sizeof bad_ranges[0]; b++) {
        snprintf(context_text, sizeof context_text, "range [%g, %g)", bad_ranges[b][0],
                 bad_ranges[b][1]);
        REFUSED(net, NN_ERR_ARGUMENT,
                nn_init_random(net, 1, NN_INIT_UNIFORM, bad_ranges[b][0], bad_ranges[b][1]));
    }
    context_text[0] = '\0';

    nn_t *copy = (nn_t *)net;
    REFUSED(net, NN_ERR_NULL_ARG, nn_clone(NULL, &copy));
    assert_null(copy);
    REFUSED(net, NN_ERR_NULL_ARG, nn_clone(net, NULL));
}

/* Refusals whose single fault is an argument, valid in every state of the passes. */
static void refusals_any_state(nn_t *net)
{
    refusals_layer_copies(net);
    refusals_flat(net);
    refusals_settings(net);
    refusals_training(net);
}

/* Refusals of the calls that need a forward (and backward) pass, on a ready network. */
static void refusals_ready(nn_t *net)
{
    const double t[3] = { 0.5, 0.5, 0.5 };
    const double bad[3] = { nan_value(), INFINITY, -INFINITY };
    double loss = 0.0, buf[MAXW + 1];

    REFUSED(net, NN_ERR_NULL_ARG, nn_loss(NULL, t, &loss));
    REFUSED(net, NN_ERR_NULL_ARG, nn_loss(net, NULL, &loss));
    REFUSED(net, NN_ERR_NULL_ARG, nn_loss(net, t, NULL));
    REFUSED(net, NN_ERR_NULL_ARG, nn_backward(NULL, t));
    REFUSED(net, NN_ERR_NULL_ARG, nn_backward(net, NULL));
    for (size_t b = 0; b < 3; b++)
        for (size_t i = 0; i < 3; i++) {
            double tb[3] = { 0.5, 0.5, 0.5 };
            tb[i] = bad[b];
            REFUSED(net, NN_ERR_NOT_FINITE, nn_loss(net, tb, &loss));
            REFUSED(net, NN_ERR_NOT_FINITE, nn_backward(net, tb));
        }
    HARMLESS(net, nn_loss(net, t, &loss));

    static const struct {
        const char *name;
        nn_status (*fn)(const nn_t *, size_t, double *, size_t);
        size_t first;
    } views[] = {
        { "nn_get_net_inputs", nn_get_net_inputs, 1 },
        { "nn_get_outputs", nn_get_outputs, 0 },
        { "nn_get_deltas", nn_get_deltas, 1 },
    };
    for (size_t v = 0; v < sizeof views / sizeof views[0]; v++) {
        snprintf(context_text, sizeof context_text, "%s", views[v].name);
        REFUSED(net, NN_ERR_NULL_ARG, views[v].fn(NULL, 1, buf, fix_sizes[1]));
        REFUSED(net, NN_ERR_NULL_ARG, views[v].fn(net, 1, NULL, fix_sizes[1]));
        if (views[v].first == 1)
            REFUSED(net, NN_ERR_LAYER_RANGE, views[v].fn(net, 0, buf, fix_sizes[0]));
        REFUSED(net, NN_ERR_LAYER_RANGE, views[v].fn(net, FIX_LAYERS, buf, 3));
        REFUSED(net, NN_ERR_LAYER_RANGE, views[v].fn(net, SIZE_MAX, buf, 3));
        for (size_t k = views[v].first; k < FIX_LAYERS; k++) {
            REFUSED(net, NN_ERR_COUNT, views[v].fn(net, k, buf, fix_sizes[k] - 1));
            REFUSED(net, NN_ERR_COUNT, views[v].fn(net, k, buf, fix_sizes[k] + 1));
            REFUSED(net, NN_ERR_COUNT, views[v].fn(net, k, buf, 0));
            HARMLESS(net, views[v].fn(net, k, buf, fix_sizes[k]));
        }
    }
    context_text[0] = '\0';
}

/* ------------------------------------------------------------------------- */

static void test_refusals_fresh(void **state)
{
    (void)state;
    nn_t *net = make_fixture();
    refusals_any_state(net);
    nn_free(net);
}

static void test_refusals_ready(void **state)
{
    (void)state;
    nn_t *net = make_fixture();
    make_ready(net);
    refusals_any_state(net);
    refusals_ready(net);
    nn_free(net);
}

static void test_refusals_stale(void **state)
{
    (void)state;
    nn_t *net = make_fixture();
    make_ready(net);
    assert_int_equal(nn_step(net, 0.01), NN_OK);
    make_ready(net);
    double w[6] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 };
    assert_int_equal(nn_set_weights(net, 3, w, 6), NN_OK);
    refusals_any_state(net);
    nn_free(net);
}

/* A network with every setting at its default (per-neuron biases, nothing frozen). */
static void test_refusals_defaults(void **state)
{
    (void)state;
    const size_t sizes[2] = { 2, 1 };
    const int acts[1] = { NN_ACT_LINEAR };
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 2, sizes, acts), NN_OK);
    const double x[2] = { 1.0, 2.0 }, t[1] = { 0.5 };
    double buf[4] = { 0.5, 0.5, 0.5, 0.5 }, loss;
    REFUSED(net, NN_ERR_NO_FORWARD, nn_backward(net, t));
    REFUSED(net, NN_ERR_LAYER_RANGE, nn_set_weights(net, 2, buf, 2));
    REFUSED(net, NN_ERR_COUNT, nn_set_weights(net, 1, buf, 1));
    REFUSED(net, NN_ERR_COUNT, nn_set_biases(net, 1, buf, 2));
    REFUSED(net, NN_ERR_COUNT, nn_set_params(net, buf, 2));
    REFUSED(net, NN_ERR_COUNT, nn_set_params(net, buf, 4));
    assert_int_equal(nn_set_params(net, buf, 3), NN_OK);
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    REFUSED(net, NN_ERR_NO_BACKWARD, nn_get_deltas(net, 1, buf, 1));
    buf[0] = NAN;
    REFUSED(net, NN_ERR_NOT_FINITE, nn_set_biases(net, 1, buf, 1));
    REFUSED(net, NN_ERR_NOT_FINITE, nn_loss(net, buf, &loss));
    nn_free(net);
}

/* ---- nn_create ---- */

/* nn_create must refuse with `want` and set *out to NULL. */
static void create_refused(size_t n_layers, const size_t *sizes, const int *acts, nn_status want,
                           const char *what, int line)
{
    /* any non-NULL pointer: the call must overwrite it */
    static char marker;
    nn_t *out = (nn_t *)(void *)&marker;
    const nn_status got = nn_create(&out, n_layers, sizes, acts);
    check_status(got, want, what, __FILE__, line);
    if (out != NULL) {
        print_error("%s left *out non-NULL\n", what);
        _fail(__FILE__, line);
    }
}

#define CREATE_REFUSED(n, sizes, acts, want) \
    create_refused((n), (sizes), (acts), (want), "nn_create(" #n ", " #sizes ", " #acts ")", \
                   __LINE__)

static void test_create_refusals(void **state)
{
    (void)state;
    static size_t sizes[NN_MAX_LAYERS + 2];
    static int acts[NN_MAX_LAYERS + 2];
    for (size_t k = 0; k < NN_MAX_LAYERS + 2; k++) {
        sizes[k] = 1;
        acts[k] = NN_ACT_TANH;
    }
    assert_int_equal(nn_create(NULL, 2, sizes, acts), NN_ERR_NULL_ARG);
    CREATE_REFUSED(2, NULL, acts, NN_ERR_NULL_ARG);
    CREATE_REFUSED(2, sizes, NULL, NN_ERR_NULL_ARG);
    CREATE_REFUSED(0, sizes, acts, NN_ERR_LAYER_COUNT);
    CREATE_REFUSED(1, sizes, acts, NN_ERR_LAYER_COUNT);
    CREATE_REFUSED(NN_MAX_LAYERS + 1, sizes, acts, NN_ERR_LAYER_COUNT);
    CREATE_REFUSED(SIZE_MAX, sizes, acts, NN_ERR_LAYER_COUNT);

    /* the largest layer count is accepted */
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, NN_MAX_LAYERS, sizes, acts), NN_OK);
    assert_int_equal(nn_layer_count(net), NN_MAX_LAYERS);
    assert_int_equal(nn_param_count(net), 2 * (NN_MAX_LAYERS - 1));
    nn_free(net);

    size_t s[4] = { 3, 4, 2, 3 };
    int a[3] = { NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_LINEAR };
    for (size_t k = 0; k < 4; k++) {
        const size_t keep = s[k];
        static const size_t too_large[] = { (size_t)NN_MAX_LAYER_SIZE + 1, SIZE_MAX / 2,
                                            SIZE_MAX / 2 + 1, SIZE_MAX };
        s[k] = 0;
        CREATE_REFUSED(4, s, a, NN_ERR_ZERO_SIZE);
        for (size_t b = 0; b < sizeof too_large / sizeof too_large[0]; b++) {
            s[k] = too_large[b];
            CREATE_REFUSED(4, s, a, NN_ERR_TOO_LARGE);
        }
        s[k] = keep;
    }
    /* each layer within limits, a product past NN_MAX_PARAMS: 2^24 * 16 = 2^28 */
    const size_t big1[2] = { NN_MAX_LAYER_SIZE, 16 };
    CREATE_REFUSED(2, big1, a, NN_ERR_TOO_LARGE);
    const size_t big2[2] = { 16, NN_MAX_LAYER_SIZE };
    CREATE_REFUSED(2, big2, a, NN_ERR_TOO_LARGE);
    const size_t big3[3] = { NN_MAX_LAYER_SIZE, NN_MAX_LAYER_SIZE, NN_MAX_LAYER_SIZE };
    CREATE_REFUSED(3, big3, a, NN_ERR_TOO_LARGE);
    /* every layer below the limit, the sum above it: 2 (2^26 + 2^13) > 2^27 */
    const size_t big4[3] = { 8192, 8192, 8192 };
    CREATE_REFUSED(3, big4, a, NN_ERR_TOO_LARGE);
    /* 1023 weight layers of 362 * 362 + 362 = 131406 parameters: 134428338 in total,
       past 2^27 = 134217728 although any 1021 of them would fit */
    static size_t wide[NN_MAX_LAYERS];
    for (size_t k = 0; k < NN_MAX_LAYERS; k++)
        wide[k] = 362;
    CREATE_REFUSED(NN_MAX_LAYERS, wide, acts, NN_ERR_TOO_LARGE);

    static const int bad_acts[] = { -1, NN_ACT_SOFTMAX + 1, NN_ACT_CUSTOM, INT_MAX, INT_MIN };
    for (size_t b = 0; b < sizeof bad_acts / sizeof bad_acts[0]; b++)
        for (size_t k = 0; k < 3; k++) {
            const int keep = a[k];
            a[k] = bad_acts[b];
            CREATE_REFUSED(4, s, a, NN_ERR_ACTIVATION);
            a[k] = keep;
        }
    /* and the same arrays are fine once repaired */
    assert_int_equal(nn_create(&net, 4, s, a), NN_OK);
    assert_non_null(net);
    nn_free(net);
}

/* ---- functions without a status ---- */

static void test_queries_out_of_range(void **state)
{
    (void)state;
    nn_t *net = make_fixture();
    assert_int_equal(nn_layer_count(NULL), 0);
    assert_int_equal(nn_layer_size(NULL, 0), 0);
    assert_int_equal(nn_layer_size(net, FIX_LAYERS), 0);
    assert_int_equal(nn_layer_size(net, SIZE_MAX), 0);
    assert_int_equal(nn_input_count(NULL), 0);
    assert_int_equal(nn_output_count(NULL), 0);
    assert_int_equal(nn_weight_count(NULL, 1), 0);
    assert_int_equal(nn_weight_count(net, 0), 0);
    assert_int_equal(nn_weight_count(net, FIX_LAYERS), 0);
    assert_int_equal(nn_bias_count(NULL, 1), 0);
    assert_int_equal(nn_bias_count(net, 0), 0);
    assert_int_equal(nn_bias_count(net, FIX_LAYERS), 0);
    assert_int_equal(nn_param_count(NULL), 0);
    assert_int_equal(nn_get_activation(NULL, 1), -1);
    assert_int_equal(nn_get_activation(net, 0), -1);
    assert_int_equal(nn_get_activation(net, FIX_LAYERS), -1);
    assert_null(nn_get_activation_name(NULL, 1));
    assert_null(nn_get_activation_name(net, 0));
    assert_null(nn_get_activation_name(net, FIX_LAYERS));
    assert_int_equal(nn_get_bias_mode(NULL, 1), -1);
    assert_int_equal(nn_get_bias_mode(net, 0), -1);
    assert_int_equal(nn_get_bias_mode(net, FIX_LAYERS), -1);
    assert_int_equal(nn_get_loss(NULL), -1);
    /* and the in-range answers, worked out from the fixture */
    assert_int_equal(nn_layer_count(net), FIX_LAYERS);
    assert_int_equal(nn_input_count(net), 3);
    assert_int_equal(nn_output_count(net), 3);
    for (size_t k = 1; k < FIX_LAYERS; k++) {
        assert_int_equal(nn_weight_count(net, k), fix_weights[k]);
        assert_int_equal(nn_bias_count(net, k), fix_biases[k]);
    }
    assert_string_equal(nn_get_activation_name(net, 1), "tanh");
    assert_string_equal(nn_get_activation_name(net, 2), "softsign");
    assert_int_equal(nn_get_activation(net, 2), NN_ACT_CUSTOM);

    nn_free(NULL);
    nn_rng_free(NULL);
    assert_int_equal(nn_rng_create(NULL, 1), NN_ERR_NULL_ARG);
    assert_true(nn_rng_next_u32(NULL) == 0);
    assert_true(nn_rng_uniform(NULL) == 0.0);
    nn_free(net);
}

/* ---- the states of the passes ---- */

static void test_no_forward(void **state)
{
    (void)state;
    nn_t *net = make_fixture();
    const double t[3] = { 0.5, 0.5, 0.5 };
    double loss, buf[MAXW];
    REFUSED(net, NN_ERR_NO_FORWARD, nn_loss(net, t, &loss));
    REFUSED(net, NN_ERR_NO_FORWARD, nn_backward(net, t));
    for (size_t k = 0; k < FIX_LAYERS; k++) {
        if (k > 0) {
            REFUSED(net, NN_ERR_NO_FORWARD, nn_get_net_inputs(net, k, buf, fix_sizes[k]));
            REFUSED(net, NN_ERR_NO_FORWARD, nn_get_deltas(net, k, buf, fix_sizes[k]));
        }
        REFUSED(net, NN_ERR_NO_FORWARD, nn_get_outputs(net, k, buf, fix_sizes[k]));
    }
    /* a forward pass that was refused does not count */
    const double xb[3] = { 0.1, NAN, 0.3 };
    REFUSED(net, NN_ERR_NOT_FINITE, nn_forward(net, xb, NULL));
    REFUSED(net, NN_ERR_NO_FORWARD, nn_backward(net, t));
    /* changing parameters of a network that never ran is still "no forward" */
    assert_int_equal(nn_step(net, 0.1), NN_OK);
    REFUSED(net, NN_ERR_NO_FORWARD, nn_backward(net, t));
    REFUSED(net, NN_ERR_NO_FORWARD, nn_loss(net, t, &loss));
    /* and a copy of it too */
    nn_t *copy = NULL;
    assert_int_equal(nn_clone(net, &copy), NN_OK);
    REFUSED(copy, NN_ERR_NO_FORWARD, nn_backward(copy, t));
    nn_free(copy);
    nn_free(net);
}

static void test_no_backward(void **state)
{
    (void)state;
    nn_t *net = make_fixture();
    const double x[3] = { 0.2, 0.4, -0.6 }, t[3] = { 0.5, 0.5, 0.5 };
    const double tb[3] = { 0.5, INFINITY, 0.5 };
    double buf[MAXW];
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    for (size_t k = 1; k < FIX_LAYERS; k++)
        REFUSED(net, NN_ERR_NO_BACKWARD, nn_get_deltas(net, k, buf, fix_sizes[k]));
    REFUSED(net, NN_ERR_NOT_FINITE, nn_backward(net, tb));
    REFUSED(net, NN_ERR_NO_BACKWARD, nn_get_deltas(net, 1, buf, fix_sizes[1]));
    assert_int_equal(nn_backward(net, t), NN_OK);
    HARMLESS(net, nn_get_deltas(net, 1, buf, fix_sizes[1]));
    /* a new forward pass: the deltas belong to the old one */
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    REFUSED(net, NN_ERR_NO_BACKWARD, nn_get_deltas(net, 3, buf, fix_sizes[3]));
    /* the training steps leave their deltas readable */
    assert_int_equal(nn_train_sample(net, x, t, 0.1), NN_OK);
    HARMLESS(net, nn_get_deltas(net, 1, buf, fix_sizes[1]));
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_train_sequential(net, x, t, 0.1), NN_OK);
    HARMLESS(net, nn_get_deltas(net, 2, buf, fix_sizes[2]));
    nn_free(net);
}

/* The calls that make the last forward pass stale, and those that must not. */
enum change {
    CH_SET_WEIGHTS,
    CH_SET_BIASES,
    CH_SET_PARAMS,
    CH_STEP,
    CH_STEP_ZERO_RATE,
    CH_INIT_RANDOM,
    CH_SET_ACTIVATION,
    CH_SET_SAME_ACTIVATION,
    CH_SET_CUSTOM,
    CH_SET_BIAS_MODE,
    CH_TRAIN_SAMPLE,
    CH_TRAIN_SEQUENTIAL,
    CH_COUNT_STALE,
    /* below: the forward pass stays valid */
    CH_SET_LOSS = CH_COUNT_STALE,
    CH_SET_FROZEN,
    CH_SET_GRADS,
    CH_ZERO_GRADS,
    CH_SAME_BIAS_MODE,
    CH_GETTERS,
    CH_REFUSED_SETTER,
    CH_COUNT
};

static void apply_change(nn_t *net, int change)
{
    double buf[FIX_PARAMS];
    for (size_t i = 0; i < FIX_PARAMS; i++)
        buf[i] = 0.125 * (double)i - 1.0;
    const double x[3] = { 0.7, -0.2, 0.1 }, t[3] = { 0.3, 0.6, 0.9 };
    switch (change) {
    case CH_SET_WEIGHTS: assert_int_equal(nn_set_weights(net, 2, buf, 8), NN_OK); break;
    case CH_SET_BIASES: assert_int_equal(nn_set_biases(net, 3, buf, 3), NN_OK); break;
    case CH_SET_PARAMS: assert_int_equal(nn_set_params(net, buf, FIX_PARAMS), NN_OK); break;
    case CH_STEP: assert_int_equal(nn_step(net, 0.1), NN_OK); break;
    case CH_STEP_ZERO_RATE: assert_int_equal(nn_step(net, 0.0), NN_OK); break;
    case CH_INIT_RANDOM:
        assert_int_equal(nn_init_random(net, 3, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
        break;
    case CH_SET_ACTIVATION: assert_int_equal(nn_set_activation(net, 1, NN_ACT_RELU), NN_OK); break;
    case CH_SET_SAME_ACTIVATION:
        assert_int_equal(nn_set_activation(net, 1, NN_ACT_TANH), NN_OK);
        break;
    case CH_SET_CUSTOM:
        assert_int_equal(nn_set_custom_activation(net, 3, softsign_f, softsign_df,
                                                  &softsign_scale, "softsign2"),
                         NN_OK);
        break;
    case CH_SET_BIAS_MODE:
        assert_int_equal(nn_set_bias_mode(net, 1, NN_BIAS_SHARED), NN_OK);
        break;
    case CH_TRAIN_SAMPLE: assert_int_equal(nn_train_sample(net, x, t, 0.1), NN_OK); break;
    case CH_TRAIN_SEQUENTIAL:
        assert_int_equal(nn_train_sequential(net, x, t, 0.1), NN_OK);
        break;
    case CH_SET_LOSS: assert_int_equal(nn_set_loss(net, NN_LOSS_HALF_SSE), NN_OK); break;
    case CH_SET_FROZEN: assert_int_equal(nn_set_frozen(net, 2, 1, 1), NN_OK); break;
    case CH_SET_GRADS: assert_int_equal(nn_set_grads(net, buf, FIX_PARAMS), NN_OK); break;
    case CH_ZERO_GRADS: assert_int_equal(nn_zero_grads(net), NN_OK); break;
    case CH_SAME_BIAS_MODE:
        assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
        break;
    case CH_GETTERS: {
        nn_t *copy = NULL;
        assert_int_equal(nn_get_params(net, buf, FIX_PARAMS), NN_OK);
        assert_int_equal(nn_get_weights(net, 1, buf, 12), NN_OK);
        assert_int_equal(nn_clone(net, &copy), NN_OK);
        nn_free(copy);
        break;
    }
    case CH_REFUSED_SETTER:
        buf[5] = NAN;
        assert_int_equal(nn_set_params(net, buf, FIX_PARAMS), NN_ERR_NOT_FINITE);
        break;
    default: fail();
    }
}

static void test_stale_forward(void **state)
{
    (void)state;
    const double t[3] = { 0.5, 0.5, 0.5 };
    const double x[3] = { 0.2, 0.4, -0.6 };
    for (int change = 0; change < CH_COUNT; change++) {
        snprintf(context_text, sizeof context_text, "after change #%d", change);
        nn_t *net = make_fixture();
        make_ready(net);
        apply_change(net, change);
        double loss, buf[MAXW];
        if (change < CH_COUNT_STALE) {
            REFUSED(net, NN_ERR_STALE_FORWARD, nn_loss(net, t, &loss));
            REFUSED(net, NN_ERR_STALE_FORWARD, nn_backward(net, t));
            /* what the last passes computed stays readable */
            HARMLESS(net, nn_get_net_inputs(net, 1, buf, fix_sizes[1]));
            HARMLESS(net, nn_get_outputs(net, 3, buf, fix_sizes[3]));
            HARMLESS(net, nn_get_deltas(net, 2, buf, fix_sizes[2]));
            /* a new forward pass makes it usable again */
            assert_int_equal(nn_forward(net, x, NULL), NN_OK);
            assert_int_equal(nn_loss(net, t, &loss), NN_OK);
            assert_int_equal(nn_backward(net, t), NN_OK);
        } else {
            HARMLESS(net, nn_loss(net, t, &loss));
            assert_int_equal(nn_backward(net, t), NN_OK);
        }
        nn_free(net);
    }
    context_text[0] = '\0';
}

/* Setting parameters leaves the pending gradients alone. */
static void test_setters_keep_gradients(void **state)
{
    (void)state;
    static const int changes[] = { CH_SET_WEIGHTS, CH_SET_BIASES, CH_SET_PARAMS, CH_SET_LOSS,
                                   CH_SET_FROZEN, CH_SET_ACTIVATION, CH_SET_CUSTOM,
                                   CH_SET_SAME_ACTIVATION, CH_SAME_BIAS_MODE };
    for (size_t c = 0; c < sizeof changes / sizeof changes[0]; c++) {
        nn_t *net = make_fixture();
        make_ready(net);
        double before[FIX_PARAMS], after[FIX_PARAMS];
        assert_int_equal(nn_get_grads(net, before, FIX_PARAMS), NN_OK);
        apply_change(net, changes[c]);
        assert_int_equal(nn_get_grads(net, after, FIX_PARAMS), NN_OK);
        if (memcmp(before, after, sizeof before) != 0)
            fail_msg("change #%d altered the pending gradients", changes[c]);
        nn_free(net);
    }
}

/* ---- the losses-and-optimisers calls ---- */

#define N_HP (NN_HP_STEP_MAX + 1)
#define OPT_MAXS 128 /* optimiser state values a snapshot can hold */

/* What an optimiser holds: its kind, every hyperparameter (or the status of
   asking for one it does not take) and its flat state. */
struct opt_snapshot {
    int kind;
    nn_status hp_status[N_HP];
    double hp[N_HP];
    size_t n_state;
    double state[OPT_MAXS];
};

static void opt_take(struct opt_snapshot *s, const nn_optimizer_t *opt)
{
    memset(s, 0, sizeof *s);
    assert_int_equal(nn_optimizer_get_kind(opt, &s->kind), NN_OK);
    for (int h = 0; h < N_HP; h++)
        s->hp_status[h] = nn_optimizer_get(opt, h, &s->hp[h]);
    assert_int_equal(nn_optimizer_state_count(opt, &s->n_state), NN_OK);
    assert_true(s->n_state <= OPT_MAXS);
    assert_int_equal(nn_optimizer_get_state(opt, s->state, s->n_state), NN_OK);
}

static void opt_compare(const struct opt_snapshot *before, const nn_optimizer_t *opt,
                        const char *call, const char *file, int line)
{
    struct opt_snapshot after;
    opt_take(&after, opt);
    if (memcmp(before, &after, sizeof after) != 0) {
        print_error("%s changed the optimiser%s%s\n", call, context_text[0] ? " - " : "",
                    context_text);
        _fail(file, line);
    }
}

/* The call must return `want` and leave `net` and `opt` exactly as they were. */
#define OPT_REFUSED(net, opt, want, call)                                 \
    do {                                                                  \
        struct opt_snapshot opt_before_;                                  \
        opt_take(&opt_before_, (opt));                                    \
        REFUSED(net, want, call);                                         \
        opt_compare(&opt_before_, (opt), #call, __FILE__, __LINE__);      \
    } while (0)

/* An optimiser of `kind` that has taken two steps on the fixture, which then
   has a forward and a backward pass pending. */
static nn_optimizer_t *stepped_optimizer(nn_t *net, int kind)
{
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, net, kind), NN_OK);
    for (int s = 0; s < 2; s++) {
        make_ready(net);
        assert_int_equal(nn_optimizer_step(opt, net, 0.05), NN_OK);
    }
    make_ready(net);
    return opt;
}

/* A hyperparameter value out of its range (NAN: every finite value is taken). */
static const double out_of_range[N_HP] = {
    [NN_HP_MOMENTUM] = -0.1, [NN_HP_DAMPENING] = NAN,  [NN_HP_NESTEROV] = 0.5,
    [NN_HP_WEIGHT_DECAY] = -1e-3, [NN_HP_BETA1] = 1.0, [NN_HP_BETA2] = -0.5,
    [NN_HP_EPSILON] = -1e-12, [NN_HP_ALPHA] = 1.0,     [NN_HP_ETA_MINUS] = 1.0,
    [NN_HP_ETA_PLUS] = 1.0, [NN_HP_STEP_MIN] = 60.0,   [NN_HP_STEP_MAX] = 1e-7,
};

/* Every refusal of the optimiser calls, on every kind, with a network in the
   middle of training: the network (its passes included) and the optimiser
   (hyperparameters and state) stay as they were, and *out is not touched. */
static void test_refusals_optimizer(void **state)
{
    (void)state;
    static const int bad_kinds[] = { -1, NN_OPT_RPROP + 1, INT_MAX, INT_MIN };
    static const int bad_codes[] = { -1, N_HP, INT_MAX, INT_MIN };
    const double bad_rates[3] = { nan_value(), INFINITY, -INFINITY };
    /* 34 parameters, as the fixture, in another layout: 3-3-3-3, layer 2 shared */
    const size_t other_sizes[FIX_LAYERS] = { 3, 3, 3, 3 };
    const int other_acts[3] = { NN_ACT_TANH, NN_ACT_TANH, NN_ACT_SIGMOID };
    for (int k = NN_OPT_SGD; k <= NN_OPT_RPROP; k++) {
        snprintf(context_text, sizeof context_text, "optimiser kind %d", k);
        nn_t *net = make_fixture();
        nn_optimizer_t *opt = stepped_optimizer(net, k), *kept = opt;

        for (size_t b = 0; b < sizeof bad_kinds / sizeof bad_kinds[0]; b++)
            OPT_REFUSED(net, opt, NN_ERR_ARGUMENT, nn_optimizer_create(&kept, net, bad_kinds[b]));
        assert_ptr_equal(kept, opt);
        OPT_REFUSED(net, opt, NN_ERR_NULL_ARG, nn_optimizer_create(&kept, NULL, k));
        assert_ptr_equal(kept, opt);

        OPT_REFUSED(net, opt, NN_ERR_NULL_ARG, nn_optimizer_step(NULL, net, 0.1));
        OPT_REFUSED(net, opt, NN_ERR_NULL_ARG, nn_optimizer_step(opt, NULL, 0.1));
        for (size_t b = 0; b < 3; b++)
            OPT_REFUSED(net, opt, NN_ERR_NOT_FINITE, nn_optimizer_step(opt, net, bad_rates[b]));

        nn_t *other = NULL;
        assert_int_equal(nn_create(&other, FIX_LAYERS, other_sizes, other_acts), NN_OK);
        assert_int_equal(nn_set_bias_mode(other, 2, NN_BIAS_SHARED), NN_OK);
        assert_int_equal(nn_param_count(other), FIX_PARAMS);
        make_ready(other);
        OPT_REFUSED(other, opt, NN_ERR_COUNT, nn_optimizer_step(opt, other, 0.1));
        nn_free(other);

        for (size_t b = 0; b < sizeof bad_codes / sizeof bad_codes[0]; b++)
            OPT_REFUSED(net, opt, NN_ERR_ARGUMENT, nn_optimizer_set(opt, bad_codes[b], 0.5));
        for (int h = 0; h < N_HP; h++) {
            double value = 0.0;
            if (nn_optimizer_get(opt, h, &value) != NN_OK) { /* a code this kind does not take */
                OPT_REFUSED(net, opt, NN_ERR_ARGUMENT, nn_optimizer_set(opt, h, 0.5));
                continue;
            }
            for (size_t b = 0; b < 3; b++)
                OPT_REFUSED(net, opt, NN_ERR_NOT_FINITE, nn_optimizer_set(opt, h, bad_rates[b]));
            if (!isnan(out_of_range[h]))
                OPT_REFUSED(net, opt, NN_ERR_ARGUMENT, nn_optimizer_set(opt, h, out_of_range[h]));
        }
        if (k == NN_OPT_SGD) { /* Nesterov without momentum, checked at the step */
            assert_int_equal(nn_optimizer_set(opt, NN_HP_NESTEROV, 1.0), NN_OK);
            OPT_REFUSED(net, opt, NN_ERR_ARGUMENT, nn_optimizer_step(opt, net, 0.1));
        }
        /* after all that, a step still works and moves the network */
        if (k == NN_OPT_SGD)
            assert_int_equal(nn_optimizer_set(opt, NN_HP_NESTEROV, 0.0), NN_OK);
        double before[FIX_PARAMS], after[FIX_PARAMS];
        assert_int_equal(nn_get_params(net, before, FIX_PARAMS), NN_OK);
        assert_int_equal(nn_optimizer_step(opt, net, 0.1), NN_OK);
        assert_int_equal(nn_get_params(net, after, FIX_PARAMS), NN_OK);
        assert_true(memcmp(before, after, sizeof before) != 0);
        nn_optimizer_free(opt);
        nn_free(net);
    }
    context_text[0] = '\0';
}

/* Clipping and the batch reduction refuse without touching the network. */
static void test_refusals_clip_reduction(void **state)
{
    (void)state;
    nn_t *net = make_fixture();
    make_ready(net);
    assert_int_equal(nn_set_reduction(net, NN_REDUCTION_MEAN), NN_OK); /* not the default */
    double norm = 42.0;
    REFUSED(net, NN_ERR_NULL_ARG, nn_clip_grad_norm(NULL, 1.0, &norm));
    const double bad[3] = { nan_value(), INFINITY, -INFINITY };
    for (size_t b = 0; b < 3; b++)
        REFUSED(net, NN_ERR_NOT_FINITE, nn_clip_grad_norm(net, bad[b], &norm));
    REFUSED(net, NN_ERR_ARGUMENT, nn_clip_grad_norm(net, -1e-300, &norm));
    REFUSED(net, NN_ERR_ARGUMENT, nn_clip_grad_norm(net, -1.0, NULL));
    assert_true(norm == 42.0);
    static const int bad_reductions[] = { -1, NN_REDUCTION_MEAN + 1, INT_MAX, INT_MIN };
    REFUSED(net, NN_ERR_NULL_ARG, nn_set_reduction(NULL, NN_REDUCTION_SUM));
    for (size_t b = 0; b < sizeof bad_reductions / sizeof bad_reductions[0]; b++)
        REFUSED(net, NN_ERR_ARGUMENT, nn_set_reduction(net, bad_reductions[b]));
    HARMLESS(net, nn_set_reduction(net, NN_REDUCTION_MEAN));
    nn_free(net);
}

/* Every real argument of every schedule: NaN and both infinities are refused
   with NN_ERR_NOT_FINITE, and the rate is not written. */
static void test_refusals_schedules(void **state)
{
    (void)state;
    const double bad[3] = { nan_value(), INFINITY, -INFINITY };
    for (size_t b = 0; b < 3; b++)
        for (int arg = 0; arg < 3; arg++) {
            double v[3] = { 0.5, 0.5, 0.5 }, rate = 7.0;
            v[arg] = bad[b];
            snprintf(context_text, sizeof context_text, "argument %d, value %g", arg, bad[b]);
            if (arg < 2) {
                assert_int_equal(nn_schedule_step(v[0], 3, 2, v[1], &rate), NN_ERR_NOT_FINITE);
                assert_int_equal(nn_schedule_exponential(v[0], 3, v[1], &rate),
                                 NN_ERR_NOT_FINITE);
                assert_int_equal(nn_schedule_cosine(v[0], 3, 5, v[1], &rate), NN_ERR_NOT_FINITE);
            }
            assert_int_equal(nn_schedule_linear(v[0], 3, 5, v[1], v[2], &rate),
                             NN_ERR_NOT_FINITE);
            assert_true(rate == 7.0);
        }
    context_text[0] = '\0';
}

/* A ready 3-4-3 network: tanh, then `out_act`, with `loss`. */
static nn_t *ready_log_loss_net(int out_act, int loss)
{
    const size_t sizes[3] = { 3, 4, 3 };
    const int acts[2] = { NN_ACT_TANH, out_act };
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 3, sizes, acts), NN_OK);
    assert_int_equal(nn_init_random(net, 5, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    assert_int_equal(nn_set_loss(net, loss), NN_OK);
    make_ready(net);
    return net;
}

/* Softmax and the cross-entropies, on networks in the middle of training: an
   impossible pair and a target that is not finite are refused, the passes,
   gradients and settings kept. */
static void test_refusals_log_losses(void **state)
{
    (void)state;
    static const int wrong[] = { NN_ACT_LINEAR, NN_ACT_TANH, NN_ACT_RELU, NN_ACT_LEAKY_RELU,
                                 NN_ACT_SOFTPLUS };
    const double bad[3] = { nan_value(), INFINITY, -INFINITY };
    const double x[6] = { 0.2, -0.4, 0.7, -0.1, 0.3, 0.9 };
    struct { int act, loss; } pairs[] = {
        { NN_ACT_SOFTMAX, NN_LOSS_CROSS_ENTROPY }, { NN_ACT_SOFTMAX, NN_LOSS_BINARY_CROSS_ENTROPY },
        { NN_ACT_SIGMOID, NN_LOSS_CROSS_ENTROPY }, { NN_ACT_SIGMOID, NN_LOSS_BINARY_CROSS_ENTROPY },
    };
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        snprintf(context_text, sizeof context_text, "output %d, loss %d", pairs[p].act,
                 pairs[p].loss);
        nn_t *net = ready_log_loss_net(pairs[p].act, pairs[p].loss);
        for (size_t w = 0; w < sizeof wrong / sizeof wrong[0]; w++)
            REFUSED(net, NN_ERR_LOSS_OUTPUT, nn_set_activation(net, 2, wrong[w]));
        for (size_t b = 0; b < 3; b++)
            for (size_t i = 0; i < 3; i++) {
                double t[6] = { 0.0, 1.0, 0.0, 0.2, 0.5, 0.3 }, loss = 0.0;
                t[i] = bad[b];
                REFUSED(net, NN_ERR_NOT_FINITE, nn_loss(net, t, &loss));
                REFUSED(net, NN_ERR_NOT_FINITE, nn_backward(net, t));
                REFUSED(net, NN_ERR_NOT_FINITE, nn_train_sample(net, x, t, 0.1));
                /* in a batch: the second row's target */
                t[3 + i] = t[i];
                t[i] = 0.5;
                assert_int_equal(nn_forward_batch(net, 2, x, NULL), NN_OK);
                REFUSED(net, NN_ERR_NOT_FINITE, nn_loss_batch(net, 2, t, &loss));
                REFUSED(net, NN_ERR_NOT_FINITE, nn_backward_batch(net, 2, t));
            }
        nn_free(net);
        /* the loss after an output whose values leave (0, 1] (once per loss) */
        for (size_t w = 0; pairs[p].act == NN_ACT_SOFTMAX && w < sizeof wrong / sizeof wrong[0];
             w++) {
            nn_t *plain = ready_log_loss_net(wrong[w], NN_LOSS_HALF_SSE);
            REFUSED(plain, NN_ERR_LOSS_OUTPUT, nn_set_loss(plain, pairs[p].loss));
            nn_free(plain);
        }
    }
    context_text[0] = '\0';
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals_fresh),
        cmocka_unit_test(test_refusals_ready),
        cmocka_unit_test(test_refusals_stale),
        cmocka_unit_test(test_refusals_defaults),
        cmocka_unit_test(test_create_refusals),
        cmocka_unit_test(test_queries_out_of_range),
        cmocka_unit_test(test_no_forward),
        cmocka_unit_test(test_no_backward),
        cmocka_unit_test(test_stale_forward),
        cmocka_unit_test(test_setters_keep_gradients),
        cmocka_unit_test(test_refusals_optimizer),
        cmocka_unit_test(test_refusals_clip_reduction),
        cmocka_unit_test(test_refusals_schedules),
        cmocka_unit_test(test_refusals_log_losses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

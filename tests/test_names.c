/* The names of the built-in activations, losses and bias conventions: every
   code round-trips name -> code -> name, the aliases and '-' for '_' are
   accepted, unknown names and NULL arguments give their statuses and leave
   the output alone, a loop until NULL lists exactly the documented names, and
   the model file, explain's JSON and the API use the same words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backprop.h"
#include "check.h"

/* One of the three lookups, so that every check runs on each. */
struct lookup {
    nn_status (*from_name)(const char *name, int *code);
    const char *(*name)(int code);
    nn_status unknown; /* the status of an unknown name */
    const char *const *documented; /* the names in code order, NULL-terminated */
};

static const char *const activation_names[] = {"linear", "sigmoid", "tanh", "relu",
                                               "leaky_relu", "softplus", "softmax", NULL};
static const char *const loss_names[] = {"half_sse", "mse", "cross_entropy",
                                         "binary_cross_entropy", NULL};
static const char *const bias_names[] = {"per_neuron", "shared", NULL};

static const struct lookup lookups[] = {
    {nn_activation_from_name, nn_activation_name, NN_ERR_ACTIVATION, activation_names},
    {nn_loss_from_name, nn_loss_name, NN_ERR_LOSS, loss_names},
    {nn_bias_mode_from_name, nn_bias_mode_name, NN_ERR_BIAS_MODE, bias_names},
};

#define N_LOOKUPS (sizeof lookups / sizeof lookups[0])

static void listing_until_null_is_the_documented_set(void **state)
{
    (void)state;
    for (size_t l = 0; l < N_LOOKUPS; l++) {
        int code = 0;
        for (; lookups[l].name(code) != NULL; code++) {
            assert_non_null(lookups[l].documented[code]);
            assert_string_equal(lookups[l].name(code), lookups[l].documented[code]);
        }
        assert_null(lookups[l].documented[code]);
        assert_null(lookups[l].name(-1));
        assert_null(lookups[l].name(code + 1));
    }
    assert_null(nn_activation_name(NN_ACT_CUSTOM));
}

static void every_code_round_trips(void **state)
{
    (void)state;
    for (size_t l = 0; l < N_LOOKUPS; l++) {
        for (int code = 0; lookups[l].name(code) != NULL; code++) {
            int back = -1;
            assert_int_equal(lookups[l].from_name(lookups[l].name(code), &back), NN_OK);
            assert_int_equal(back, code);
        }
    }
}

/* The codes are the header's constants, not merely consistent with each other. */
static void names_match_the_header_codes(void **state)
{
    (void)state;
    assert_string_equal(nn_activation_name(NN_ACT_LINEAR), "linear");
    assert_string_equal(nn_activation_name(NN_ACT_LEAKY_RELU), "leaky_relu");
    assert_string_equal(nn_activation_name(NN_ACT_SOFTPLUS), "softplus");
    assert_string_equal(nn_loss_name(NN_LOSS_HALF_SSE), "half_sse");
    assert_string_equal(nn_loss_name(NN_LOSS_MSE), "mse");
    assert_string_equal(nn_bias_mode_name(NN_BIAS_PER_NEURON), "per_neuron");
    assert_string_equal(nn_bias_mode_name(NN_BIAS_SHARED), "shared");
}

static void aliases_and_dashes_are_accepted(void **state)
{
    (void)state;
    int code = -1;
    assert_int_equal(nn_activation_from_name("leaky-relu", &code), NN_OK);
    assert_int_equal(code, NN_ACT_LEAKY_RELU);
    assert_int_equal(nn_loss_from_name("half-sse", &code), NN_OK);
    assert_int_equal(code, NN_LOSS_HALF_SSE);
    code = -1;
    assert_int_equal(nn_bias_mode_from_name("neuron", &code), NN_OK);
    assert_int_equal(code, NN_BIAS_PER_NEURON);
    code = -1;
    assert_int_equal(nn_bias_mode_from_name("per-neuron", &code), NN_OK);
    assert_int_equal(code, NN_BIAS_PER_NEURON);
    code = -1;
    assert_int_equal(nn_bias_mode_from_name("per_unit", &code), NN_OK);
    assert_int_equal(code, NN_BIAS_PER_NEURON);
}

static void unknown_names_are_refused_and_leave_the_code(void **state)
{
    (void)state;
    /* '_' does not stand for '-', case matters, no prefix or extension matches */
    static const char *const bad[] = {"", "custom", "Sigmoid", "sigmoi", "sigmoid ", "leaky",
                                      "leaky_relu_", "half", "half__sse", "neuron_",
                                      "-", "_", "per_neuronx", "SHARED"};
    for (size_t l = 0; l < N_LOOKUPS; l++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            int code = 77;
            assert_int_equal(lookups[l].from_name(bad[i], &code), lookups[l].unknown);
            assert_int_equal(code, 77);
        }
    }
    int code = 77; /* each table knows only its own names */
    assert_int_equal(nn_activation_from_name("mse", &code), NN_ERR_ACTIVATION);
    assert_int_equal(nn_loss_from_name("shared", &code), NN_ERR_LOSS);
    assert_int_equal(nn_bias_mode_from_name("relu", &code), NN_ERR_BIAS_MODE);
    assert_int_equal(code, 77);
}

static void null_arguments(void **state)
{
    (void)state;
    for (size_t l = 0; l < N_LOOKUPS; l++) {
        int code = 77;
        assert_int_equal(lookups[l].from_name(NULL, &code), NN_ERR_NULL_ARG);
        assert_int_equal(code, 77);
        assert_int_equal(lookups[l].from_name(lookups[l].name(0), NULL), NN_ERR_NULL_ARG);
    }
}

/* The model file writes the lookups' words: a 2-2-1 network whose layers
   use every bias convention, with the loss set to each name in turn. */
static void model_files_use_the_names(void **state)
{
    (void)state;
    const size_t sizes[] = {2, 2, 1};
    /* a sigmoid output: every loss may follow it (the cross-entropies take logs) */
    const int acts[] = {NN_ACT_LEAKY_RELU, NN_ACT_SIGMOID};
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 3, sizes, acts), NN_OK);
    assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
    for (int loss = 0; nn_loss_name(loss) != NULL; loss++) {
        char text[4096], line[64];
        size_t length = 0;
        assert_int_equal(nn_set_loss(net, loss), NN_OK);
        assert_int_equal(nn_save_buffer(net, text, sizeof text, &length), NN_OK);
        snprintf(line, sizeof line, "\nloss %s\n", nn_loss_name(loss));
        assert_non_null(strstr(text, line));
        assert_non_null(strstr(text, "\nbias per_neuron\n"));
        assert_non_null(strstr(text, "\nbias shared\n"));
        assert_non_null(strstr(text, "\nactivation leaky_relu\n"));
        assert_non_null(strstr(text, "\nactivation sigmoid\n"));
    }
    nn_free(net);
}

struct text {
    char data[16384];
    size_t len;
};

static int append(void *context, const char *bytes, size_t n)
{
    struct text *t = context;
    if (t->len + n >= sizeof t->data)
        return 1;
    memcpy(t->data + t->len, bytes, n);
    t->len += n;
    t->data[t->len] = '\0';
    return 0;
}

/* explain's JSON spells the bias convention and the loss with the same words
   (it wrote "per_unit" for a bias per unit before). */
static void explain_json_uses_the_names(void **state)
{
    (void)state;
    const size_t sizes[] = {2, 2, 1};
    const int acts[] = {NN_ACT_SIGMOID, NN_ACT_LINEAR};
    const double x[] = {0.5, -0.25}, t[] = {1.0};
    nn_t *net = NULL;
    nn_explain_options_t *options = NULL;
    assert_int_equal(nn_create(&net, 3, sizes, acts), NN_OK);
    assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_set_loss(net, NN_LOSS_MSE), NN_OK);
    assert_int_equal(nn_explain_options_create(&options), NN_OK);
    assert_int_equal(nn_explain_options_set_format(options, NN_EXPLAIN_JSON), NN_OK);
    struct text *out = calloc(1, sizeof *out);
    assert_non_null(out);
    assert_int_equal(nn_explain(net, options, x, 2, t, 1, 0.5, append, out), NN_OK);
    assert_non_null(strstr(out->data, "\"bias\": \"per_neuron\""));
    assert_non_null(strstr(out->data, "\"bias\": \"shared\""));
    assert_null(strstr(out->data, "per_unit"));
    assert_non_null(strstr(out->data, "\"loss_function\": \"mse\""));
    free(out);
    nn_explain_options_free(options);
    nn_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(listing_until_null_is_the_documented_set),
        cmocka_unit_test(every_code_round_trips),
        cmocka_unit_test(names_match_the_header_codes),
        cmocka_unit_test(aliases_and_dashes_are_accepted),
        cmocka_unit_test(unknown_names_are_refused_and_leave_the_code),
        cmocka_unit_test(null_arguments),
        cmocka_unit_test(model_files_use_the_names),
        cmocka_unit_test(explain_json_uses_the_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

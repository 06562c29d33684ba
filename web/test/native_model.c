/* The native library's model file of a worked example after a number of
 * updates, for the browser tests to compare with what the page saves:
 *
 *     native_model EXAMPLE UPDATES > file.model
 *
 * EXAMPLE is A, B, C, C-sequential or D (XOR from numpy's seed 0), set up
 * here from the tutorials' numbers (docs/example-*.md), independently of the
 * page's own definitions; each update is nn_forward() and nn_backward() on
 * every sample, then nn_step(), or nn_train_sequential() for C-sequential.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backprop.h"

typedef struct {
    const char *name;
    size_t sizes[3];
    int activations[2];
    int bias_mode, frozen_biases, sequential;
    double rate;
    double params[12]; /* all zero for D: drawn from the seed */
    size_t n_samples;
    double inputs[8], targets[4];
} example;

static const example examples[] = {
    {"A", {3, 2, 2}, {NN_ACT_SIGMOID, NN_ACT_SIGMOID}, NN_BIAS_SHARED, 0, 0, 0.01,
     {0.1, 0.3, 0.5, 0.2, 0.4, 0.6, 0.5, 0.7, 0.9, 0.8, 0.1, 0.5}, 1, {1, 4, 5}, {0.1, 0.05}},
    {"B", {2, 2, 1}, {NN_ACT_SIGMOID, NN_ACT_LINEAR}, NN_BIAS_PER_NEURON, 0, 0, 0.2,
     {0.2, 0.15, 0.5, 0.6, 0.1, 0.25, 0.3, 0.2, 0.4}, 1, {-0.32, -0.66}, {-0.54}},
    {"C", {2, 2, 2}, {NN_ACT_SIGMOID, NN_ACT_SIGMOID}, NN_BIAS_SHARED, 1, 0, 0.5,
     {0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6}, 1, {0.05, 0.1}, {0.01, 0.99}},
    {"C-sequential", {2, 2, 2}, {NN_ACT_SIGMOID, NN_ACT_SIGMOID}, NN_BIAS_SHARED, 1, 1, 0.5,
     {0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6}, 1, {0.05, 0.1}, {0.01, 0.99}},
    {"D", {2, 2, 1}, {NN_ACT_SIGMOID, NN_ACT_SIGMOID}, NN_BIAS_PER_NEURON, 0, 0, 0.1,
     {0}, 4, {0, 0, 0, 1, 1, 0, 1, 1}, {0, 1, 1, 0}},
};

static int fail(const char *what, nn_status status)
{
    fprintf(stderr, "native_model: %s: %s\n", what, nn_strerror(status));
    return EXIT_FAILURE;
}

/* numpy's np.random.seed(0); np.random.rand(9) in the order W1 (2x2, stored
   [input][hidden]), b1, W2, b2, put into the library's order. */
static nn_status seed_zero(double params[9])
{
    nn_rng_t *rng;
    double d[9];
    nn_status status = nn_rng_create(&rng, 0);
    if (status != NN_OK)
        return status;
    for (int i = 0; i < 9; i++)
        d[i] = nn_rng_uniform(rng);
    nn_rng_free(rng);
    const double order[9] = {d[0], d[2], d[1], d[3], d[4], d[5], d[6], d[7], d[8]};
    memcpy(params, order, sizeof order);
    return NN_OK;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: native_model EXAMPLE UPDATES\n");
        return EXIT_FAILURE;
    }
    const example *ex = NULL;
    for (size_t k = 0; k < sizeof examples / sizeof examples[0]; k++)
        if (strcmp(argv[1], examples[k].name) == 0)
            ex = &examples[k];
    if (ex == NULL) {
        fprintf(stderr, "native_model: unknown example %s\n", argv[1]);
        return EXIT_FAILURE;
    }
    long updates = strtol(argv[2], NULL, 10);

    nn_t *net;
    nn_status status = nn_create(&net, 3, ex->sizes, ex->activations);
    if (status != NN_OK)
        return fail("nn_create", status);
    for (size_t l = 1; l <= 2; l++) {
        nn_set_bias_mode(net, l, ex->bias_mode);
        nn_set_frozen(net, l, 0, ex->frozen_biases);
    }
    double params[12];
    size_t n_params = nn_param_count(net);
    if (ex->params[0] == 0.0)
        status = seed_zero(params);
    else
        memcpy(params, ex->params, n_params * sizeof params[0]);
    if (status == NN_OK)
        status = nn_set_params(net, params, n_params);
    if (status != NN_OK)
        return fail("the parameters", status);

    size_t ni = ex->sizes[0], no = ex->sizes[2];
    for (long u = 0; u < updates && status == NN_OK; u++) {
        if (ex->sequential) {
            status = nn_train_sequential(net, ex->inputs, ex->targets, ex->rate);
            continue;
        }
        for (size_t s = 0; s < ex->n_samples && status == NN_OK; s++) {
            status = nn_forward(net, ex->inputs + s * ni, NULL);
            if (status == NN_OK)
                status = nn_backward(net, ex->targets + s * no);
        }
        if (status == NN_OK)
            status = nn_step(net, ex->rate);
    }
    if (status != NN_OK)
        return fail("an update", status);

    size_t length;
    status = nn_save_buffer(net, NULL, 0, &length);
    char *text = malloc(length + 1);
    if (text == NULL)
        return fail("the model text", NN_ERR_NO_MEMORY);
    status = nn_save_buffer(net, text, length + 1, &length);
    if (status != NN_OK)
        return fail("nn_save_buffer", status);
    fwrite(text, 1, length, stdout);
    free(text);
    nn_free(net);
    return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

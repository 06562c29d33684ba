/* The page's glue (web/glue.c) compiled natively, so that AddressSanitizer
 * and UndefinedBehaviorSanitizer can watch its memory handling, which the
 * WebAssembly build cannot: every function on the paths the page takes, and
 * the refusals of bad arguments. web/test.sh builds and runs it.
 * Exits 0 when every check passed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backprop.h"

/* The glue's functions (it has no header: the page calls them by name). */
int web_create(int n_layers, const int *sizes, const int *activations, int bias_mode,
               int frozen_biases, int loss);
int web_load(const char *data, int size);
const char *web_save(void);
int web_set_params(const double *params, int count);
int web_init_numpy(unsigned long seed);
int web_set_data(int n, const double *in, int n_in, const double *out, int n_out);
int web_set_rate(double learning_rate);
int web_set_rule(int r);
int web_set_optimizer(int kind);
int web_name_unit(int layer, int index, const char *name);
int web_name_param(int index, const char *name);
double web_error(void);
int web_train(int n, int *taken);
const char *web_explain(int *status_out);
const char *web_state(void);
int web_surface(int res, double lo, double hi, double *out);
int web_activation_code(const char *name);

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("FAIL %s\n", what);
        failures++;
    }
}

/* Worked example C: E before the step and after one standard step
   (docs/example-c.md). */
static void example_c(void)
{
    const int sizes[3] = {2, 2, 2}, acts[2] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    const double params[10] = {0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6};
    const double in[2] = {0.05, 0.1}, out[2] = {0.01, 0.99};
    check(web_create(3, sizes, acts, NN_BIAS_SHARED, 1, NN_LOSS_HALF_SSE) == NN_OK, "create C");
    check(web_set_params(params, 10) == NN_OK, "params C");
    check(web_set_params(params, 9) == NN_ERR_COUNT, "a wrong parameter count is refused");
    check(web_set_data(1, in, 2, out, 2) == NN_OK, "data C");
    check(web_set_data(1, in, 3, out, 2) == NN_ERR_COUNT, "a wrong input count is refused");
    check(web_set_rate(0.5) == NN_OK && web_set_rate(NAN) != NN_OK, "rates");
    check(web_name_unit(1, 0, "h1") == NN_OK && web_name_param(4, "b1") == NN_OK, "names");
    check(web_name_unit(1, 0, "bad name") != NN_OK, "a bad name is refused");
    check(fabs(web_error() - 0.298371108760003) <= 1e-12 * 0.3, "E before the step");
    int status = -1;
    const char *json = web_explain(&status);
    check(status == NN_OK && json != NULL && strstr(json, "\"h1\"") != NULL &&
              strstr(json, "\"libbackprop-explain\"") != NULL,
          "the explanation names h1");
    int taken = 0;
    check(web_train(1, &taken) == NN_OK && taken == 1, "one update");
    check(fabs(web_error() - 0.291027773693599) <= 1e-12 * 0.3, "E after one step");
    const char *state = web_state();
    check(state != NULL && strstr(state, "\"sizes\":[2,2,2]") != NULL, "the state");
    double surface[16 * 16];
    check(web_surface(16, -0.25, 1.25, surface) == NN_OK && surface[0] > 0 && surface[0] < 1,
          "the surface");
    check(web_surface(1, 0, 1, surface) == NN_ERR_ARGUMENT, "a 1x1 surface is refused");

    /* Save, change, load back: the same error. */
    const char *saved = web_save();
    check(saved != NULL, "save");
    size_t length = saved ? strlen(saved) : 0;
    char *copy = saved ? malloc(length + 1) : NULL;
    if (copy != NULL)
        memcpy(copy, saved, length + 1);
    double e1 = web_error();
    check(web_train(5, &taken) == NN_OK && taken == 5, "five updates");
    check(copy != NULL && web_load(copy, (int)strlen(copy)) == NN_OK, "load");
    check(web_set_data(1, in, 2, out, 2) == NN_OK && web_error() == e1, "the loaded error");
    check(web_load("not a model", 11) == NN_ERR_FORMAT, "a bad model is refused");
    check(web_error() == e1, "a refused model leaves the network");
    free(copy);

    /* The sequential rule refuses an optimiser and a batch. */
    check(web_set_rule(1) == NN_OK && web_set_optimizer(NN_OPT_ADAM) == NN_OK, "rule, optimiser");
    check(web_train(1, &taken) == NN_ERR_ARGUMENT && taken == 0, "sequential with Adam is refused");
    check(web_set_optimizer(-1) == NN_OK && web_train(1, &taken) == NN_OK, "sequential");
    check(web_set_rule(0) == NN_OK && web_set_rule(2) == NN_ERR_ARGUMENT, "rules");
}

/* Example D's initialisation and a batch with Adam. */
static void xor_adam(void)
{
    const int sizes[3] = {2, 2, 1}, acts[2] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    const double in[8] = {0, 0, 0, 1, 1, 0, 1, 1}, out[4] = {0, 1, 1, 0};
    check(web_create(3, sizes, acts, NN_BIAS_PER_NEURON, 0, NN_LOSS_HALF_SSE) == NN_OK, "create D");
    check(web_init_numpy(0) == NN_OK, "numpy seed 0");
    check(web_set_data(4, in, 8, out, 4) == NN_OK, "data D");
    check(web_set_rate(0.1) == NN_OK, "rate D");
    check(fabs(web_error() - 0.78137130617) <= 5e-12, "E(0) of XOR from seed 0");
    check(web_set_optimizer(NN_OPT_ADAM) == NN_OK, "Adam");
    int taken = 0, status = -1;
    check(web_train(100, &taken) == NN_OK && taken == 100, "100 updates with Adam");
    const char *json = web_explain(&status);
    check(status == NN_OK && json != NULL && strstr(json, "\"optimizer\"") != NULL,
          "the explanation of an Adam step");
    const char *saved = web_save();
    check(saved != NULL && strstr(saved, "optimizer") != NULL, "a checkpoint with Adam");
    check(web_activation_code("tanh") == NN_ACT_TANH && web_activation_code("nope") == -1, "names");
    const int bad[1] = {2};
    check(web_create(1, bad, acts, 0, 0, 0) == NN_ERR_ARGUMENT, "one layer is refused");
}

int main(void)
{
    example_c();
    xor_adam();
    printf("glue_native: %s\n", failures ? "FAILED" : "every check passed");
    return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* A program outside the libbackprop tree, built against an installed copy by
 * the consumer checks (pkg-config, CMake). It runs Matt Mazur's 2-2-2 example
 * (docs/example-c.md) for one standard step and compares with the exact
 * reference values; exits 0 when everything agrees.
 *
 * Define EXPECTED_VERSION to the version the build system found (for example
 * `pkg-config --modversion backprop`) to check it against the library. */
#include <stdio.h>
#include <string.h>

#include <backprop.h>

static int failures;

/* No <math.h>: the program links with exactly what pkg-config gives it. */
static double magnitude(double v)
{
    return v < 0.0 ? -v : v;
}

static void check_close(const char *what, double got, double want)
{
    double tol = 1e-10 * magnitude(want);
    if (!(magnitude(got - want) <= tol)) {
        printf("FAIL %s: %.15g, expected %.15g\n", what, got, want);
        failures++;
    } else {
        printf("ok   %s = %.12g\n", what, got);
    }
}

static void check_status(const char *what, nn_status got, nn_status want)
{
    if (got != want) {
        printf("FAIL %s: %s (%d), expected %d\n", what, nn_strerror(got), (int)got, (int)want);
        failures++;
    }
}

int main(void)
{
    const size_t sizes[3] = {2, 2, 2};
    const int acts[2] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    const double w1[4] = {0.15, 0.20, 0.25, 0.30};
    const double w2[4] = {0.40, 0.45, 0.50, 0.55};
    const double b1 = 0.35, b2 = 0.60;
    const double x[2] = {0.05, 0.10};
    const double t[2] = {0.01, 0.99};
    double out[2] = {0.0, 0.0};
    double loss = 0.0;
    nn_t *net = NULL;

#ifdef EXPECTED_VERSION
    if (strcmp(nn_version_string(), EXPECTED_VERSION) != 0) {
        printf("FAIL version: library %s, build system %s\n", nn_version_string(), EXPECTED_VERSION);
        failures++;
    }
#endif
    if (strcmp(nn_version_string(), BACKPROP_VERSION_STRING) != 0) {
        printf("FAIL version: library %s, header %s\n", nn_version_string(), BACKPROP_VERSION_STRING);
        failures++;
    }
    printf("libbackprop %s\n", nn_version_string());

    check_status("nn_create(NULL, ...)", nn_create(NULL, 3, sizes, acts), NN_ERR_NULL_ARG);
    check_status("nn_create", nn_create(&net, 3, sizes, acts), NN_OK);
    if (net == NULL)
        return 1;
    check_status("nn_set_weights 1", nn_set_weights(net, 1, w1, 4), NN_OK);
    check_status("nn_set_weights 2", nn_set_weights(net, 2, w2, 4), NN_OK);
    check_status("nn_set_bias_mode 1", nn_set_bias_mode(net, 1, NN_BIAS_SHARED), NN_OK);
    check_status("nn_set_bias_mode 2", nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
    check_status("nn_set_biases 1", nn_set_biases(net, 1, &b1, 1), NN_OK);
    check_status("nn_set_biases 2", nn_set_biases(net, 2, &b2, 1), NN_OK);
    check_status("nn_set_frozen 1", nn_set_frozen(net, 1, 0, 1), NN_OK);
    check_status("nn_set_frozen 2", nn_set_frozen(net, 2, 0, 1), NN_OK);

    check_status("nn_forward", nn_forward(net, x, out), NN_OK);
    check_close("out o1", out[0], 0.751365069552);
    check_close("out o2", out[1], 0.772928465321);
    check_status("nn_loss", nn_loss(net, t, &loss), NN_OK);
    check_close("E before the step", loss, 0.29837110876);

    check_status("nn_backward", nn_backward(net, t), NN_OK);
    check_status("nn_step", nn_step(net, 0.5), NN_OK);
    check_status("nn_forward again", nn_forward(net, x, out), NN_OK);
    check_status("nn_loss again", nn_loss(net, t, &loss), NN_OK);
    check_close("E after one standard step", loss, 0.291027773694);

    nn_free(net);
    printf("%s\n", failures == 0 ? "consumer: all checks passed" : "consumer: FAILED");
    return failures == 0 ? 0 : 1;
}

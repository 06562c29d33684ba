/* Uses libbackprop through a Meson subproject: the 2-2-1 house-price network
 * of Example B (docs/example-b.md), one forward pass and one training step,
 * compared with the exact reference values. */
#include <stdio.h>

#include <backprop.h>

static double magnitude(double v)
{
    return v < 0.0 ? -v : v;
}

static int close_to(const char *what, double got, double want)
{
    int ok = magnitude(got - want) <= 1e-10 * magnitude(want);
    printf("%s %s = %.12g (expected %.12g)\n", ok ? "ok  " : "FAIL", what, got, want);
    return ok;
}

int main(void)
{
    const size_t sizes[3] = {2, 2, 1};
    const int acts[2] = {NN_ACT_SIGMOID, NN_ACT_LINEAR};
    const double params[9] = {
        0.2, 0.15, 0.5, 0.6, /* weights into the hidden layer, row-major */
        0.1, 0.25,           /* hidden biases */
        0.3, 0.2,            /* weights into the output */
        0.4,                 /* output bias */
    };
    const double x[2] = {-0.32, -0.66};
    const double t[1] = {-0.54};
    double y = 0.0, loss = 0.0;
    int ok = 1;
    nn_t *net = NULL;

    if (nn_create(&net, 3, sizes, acts) != NN_OK)
        return 1;
    ok &= nn_set_params(net, params, 9) == NN_OK;
    ok &= nn_forward(net, x, &y) == NN_OK;
    ok &= close_to("output", y, 0.630094840684);
    ok &= nn_loss(net, t, &loss) == NN_OK;
    ok &= close_to("loss", loss, 0.684560968098);
    ok &= nn_train_sample(net, x, t, 0.2) == NN_OK;
    ok &= nn_forward(net, x, &y) == NN_OK;
    ok &= nn_loss(net, t, &loss) == NN_OK;
    ok &= close_to("loss after one step", loss, 0.35063599184);
    nn_free(net);
    printf("libbackprop %s as a Meson subproject: %s\n", nn_version_string(), ok ? "passed" : "FAILED");
    return ok ? 0 : 1;
}

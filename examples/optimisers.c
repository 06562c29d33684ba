/* One small classifier trained with each optimiser, the loss per epoch side
 * by side.
 *
 * The data: 90 points of the plane in three clusters, one class each, with
 * one-hot targets. The network: 2 inputs, 8 tanh units, 3 sigmoid outputs,
 * the loss 1/2 (t - o)^2 per sample (a softmax output with cross-entropy is
 * the usual choice for classes). Every run starts from the same weights and
 * takes one full-batch step per epoch: the gradients of all 90 samples are
 * summed (nn_backward() adds them), then nn_optimizer_step() applies them.
 *
 * The rates are each optimiser's own: SGD's is small because the gradient is
 * a sum over 90 samples, Adam's and RMSprop's updates do not scale with the
 * gradient, and RPROP takes its rate only as the initial step size.
 *
 * Exits non-zero if a call fails or an optimiser does not lower the loss. */
#include <stdio.h>
#include <stdlib.h>

#include "backprop.h"

enum { N_POINTS = 90, N_CLASSES = 3, N_EPOCHS = 40, N_RUNS = 6 };

struct run {
    const char *label;
    int kind;
    double rate;
    int hyperparameter; /* one setting besides the defaults, or -1 */
    double value;
};

static const struct run runs[N_RUNS] = {
    {"sgd", NN_OPT_SGD, 0.01, -1, 0.0},
    {"sgd+mom", NN_OPT_SGD, 0.005, NN_HP_MOMENTUM, 0.9},
    {"adam", NN_OPT_ADAM, 0.05, -1, 0.0},
    {"adamw", NN_OPT_ADAMW, 0.05, -1, 0.0},
    {"rmsprop", NN_OPT_RMSPROP, 0.01, -1, 0.0},
    {"rprop", NN_OPT_RPROP, 0.05, -1, 0.0},
};

static double inputs[N_POINTS][2];
static double targets[N_POINTS][N_CLASSES];

/* Three clusters around the corners of a triangle, points uniform in a
   square of side 1.2 around each. */
static int make_data(void)
{
    static const double centres[N_CLASSES][2] = {{-1.0, -0.6}, {1.0, -0.6}, {0.0, 1.0}};
    nn_rng_t *rng = NULL;
    if (nn_rng_create(&rng, 42) != NN_OK)
        return 0;
    for (size_t i = 0; i < N_POINTS; i++) {
        const size_t c = i % N_CLASSES;
        inputs[i][0] = centres[c][0] + 1.2 * (nn_rng_uniform(rng) - 0.5);
        inputs[i][1] = centres[c][1] + 1.2 * (nn_rng_uniform(rng) - 0.5);
        for (size_t j = 0; j < N_CLASSES; j++)
            targets[i][j] = j == c ? 1.0 : 0.0;
    }
    nn_rng_free(rng);
    return 1;
}

/* One epoch: the summed gradients of every sample, one step; the mean loss
   of the epoch's forward passes (before the step) into *loss. */
static nn_status epoch(nn_t *net, nn_optimizer_t *opt, double rate, double *loss)
{
    double sum = 0.0;
    for (size_t i = 0; i < N_POINTS; i++) {
        double e = 0.0;
        nn_status status = nn_forward(net, inputs[i], NULL);
        if (status == NN_OK)
            status = nn_loss(net, targets[i], &e);
        if (status == NN_OK)
            status = nn_backward(net, targets[i]);
        if (status != NN_OK)
            return status;
        sum += e;
    }
    *loss = sum / N_POINTS;
    return nn_optimizer_step(opt, net, rate);
}

static void fail(const char *what, nn_status status)
{
    fprintf(stderr, "optimisers: %s: %s\n", what, nn_strerror(status));
    exit(1);
}

int main(void)
{
    static const size_t sizes[3] = {2, 8, N_CLASSES};
    static const int acts[2] = {NN_ACT_TANH, NN_ACT_SIGMOID};
    static double losses[N_RUNS][N_EPOCHS];
    if (!make_data())
        fail("data", NN_ERR_NO_MEMORY);
    nn_t *start = NULL;
    nn_status status = nn_create(&start, 3, sizes, acts);
    if (status == NN_OK)
        status = nn_init_random(start, 7, NN_INIT_XAVIER, 0.0, 0.0);
    if (status != NN_OK)
        fail("network", status);

    for (size_t r = 0; r < N_RUNS; r++) {
        nn_t *net = NULL;
        nn_optimizer_t *opt = NULL;
        status = nn_clone(start, &net);
        if (status == NN_OK)
            status = nn_optimizer_create(&opt, net, runs[r].kind);
        if (status == NN_OK && runs[r].hyperparameter >= 0)
            status = nn_optimizer_set(opt, runs[r].hyperparameter, runs[r].value);
        for (size_t e = 0; status == NN_OK && e < N_EPOCHS; e++)
            status = epoch(net, opt, runs[r].rate, &losses[r][e]);
        if (status != NN_OK)
            fail(runs[r].label, status);
        nn_optimizer_free(opt);
        nn_free(net);
    }
    nn_free(start);

    printf("mean loss per epoch (1/2 (t - o)^2 per sample, before the epoch's step)\n");
    printf("%5s", "epoch");
    for (size_t r = 0; r < N_RUNS; r++)
        printf(" %9s", runs[r].label);
    printf("\n");
    for (size_t e = 0; e < N_EPOCHS; e++) {
        printf("%5zu", e + 1);
        for (size_t r = 0; r < N_RUNS; r++)
            printf(" %9.5f", losses[r][e]);
        printf("\n");
    }
    int lowered = 1;
    for (size_t r = 0; r < N_RUNS; r++) {
        if (!(losses[r][N_EPOCHS - 1] < 0.5 * losses[r][0])) {
            fprintf(stderr, "optimisers: %s did not halve the loss\n", runs[r].label);
            lowered = 0;
        }
    }
    return lowered ? 0 : 1;
}

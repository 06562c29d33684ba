/* One small classifier trained with each optimiser, the loss per epoch side
 * by side.
 *
 * The data: 90 points of the plane in three clusters, one class each, with
 * one-hot targets. The network: 2 inputs, 8 tanh units, 3 softmax outputs
 * (the outputs are the class probabilities), the loss the cross-entropy
 * -sum_j t_j log(o_j) per sample. Every run starts from the same weights and
 * takes one full-batch step per epoch: nn_forward_batch() and
 * nn_backward_batch() over all 90 samples with the mean reduction
 * (nn_set_reduction()), so the gradient is the mean over the samples and the
 * rates need not shrink as the data grow; then nn_optimizer_step() applies it.
 *
 * The rates are each optimiser's own: Adam's and RMSprop's updates do not
 * scale with the gradient, and RPROP takes its rate only as the initial step
 * size.
 *
 * Exits non-zero if a call fails, or if an optimiser does not halve the loss
 * or does not classify at least 95% of the points. */
#include <stdio.h>
#include <stdlib.h>

#include "backprop.h"

enum { N_POINTS = 90, N_CLASSES = 3, N_EPOCHS = 40, N_RUNS = 6 };

/* The share of the points each optimiser must classify after its last step. */
#define MIN_ACCURACY 0.95

struct run {
    const char *label;
    int kind;
    double rate;
    int hyperparameter; /* one setting besides the defaults, or -1 */
    double value;
};

static const struct run runs[N_RUNS] = {
    {"sgd", NN_OPT_SGD, 0.5, -1, 0.0},
    {"sgd+mom", NN_OPT_SGD, 0.1, NN_HP_MOMENTUM, 0.9},
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

/* One epoch: the mean gradient of every sample (the network's reduction is
   the mean), one step; the mean loss of the epoch's forward pass (before the
   step) into *loss. */
static nn_status epoch(nn_t *net, nn_optimizer_t *opt, double rate, double *loss)
{
    double sum = 0.0;
    nn_status status = nn_forward_batch(net, N_POINTS, &inputs[0][0], NULL);
    if (status == NN_OK)
        status = nn_loss_batch(net, N_POINTS, &targets[0][0], &sum);
    if (status == NN_OK)
        status = nn_backward_batch(net, N_POINTS, &targets[0][0]);
    if (status != NN_OK)
        return status;
    *loss = sum / N_POINTS;
    return nn_optimizer_step(opt, net, rate);
}

/* The share of the points whose largest output is their class. */
static nn_status accuracy(nn_t *net, double *share)
{
    static double outputs[N_POINTS][N_CLASSES];
    const nn_status status = nn_forward_batch(net, N_POINTS, &inputs[0][0], &outputs[0][0]);
    if (status != NN_OK)
        return status;
    size_t right = 0;
    for (size_t i = 0; i < N_POINTS; i++) {
        size_t best = 0;
        for (size_t j = 1; j < N_CLASSES; j++)
            if (outputs[i][j] > outputs[i][best])
                best = j;
        right += targets[i][best] == 1.0;
    }
    *share = (double)right / N_POINTS;
    return NN_OK;
}

static void fail(const char *what, nn_status status)
{
    fprintf(stderr, "optimisers: %s: %s\n", what, nn_strerror(status));
    exit(1);
}

int main(void)
{
    static const size_t sizes[3] = {2, 8, N_CLASSES};
    static const int acts[2] = {NN_ACT_TANH, NN_ACT_SOFTMAX};
    static double losses[N_RUNS][N_EPOCHS], accuracies[N_RUNS];
    if (!make_data())
        fail("data", NN_ERR_NO_MEMORY);
    nn_t *start = NULL;
    nn_status status = nn_create(&start, 3, sizes, acts);
    if (status == NN_OK)
        status = nn_init_random(start, 7, NN_INIT_XAVIER, 0.0, 0.0);
    if (status == NN_OK)
        status = nn_set_loss(start, NN_LOSS_CROSS_ENTROPY);
    if (status == NN_OK)
        status = nn_set_reduction(start, NN_REDUCTION_MEAN); /* nn_clone() copies both */
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
        if (status == NN_OK)
            status = accuracy(net, &accuracies[r]);
        if (status != NN_OK)
            fail(runs[r].label, status);
        nn_optimizer_free(opt);
        nn_free(net);
    }
    nn_free(start);

    printf("mean loss per epoch (cross-entropy per sample, before the epoch's step)\n");
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
    printf("%5s", "acc.");
    for (size_t r = 0; r < N_RUNS; r++)
        printf(" %8.1f%%", 100.0 * accuracies[r]);
    printf("\n");
    int lowered = 1;
    for (size_t r = 0; r < N_RUNS; r++) {
        if (!(losses[r][N_EPOCHS - 1] < 0.5 * losses[r][0])) {
            fprintf(stderr, "optimisers: %s did not halve the loss\n", runs[r].label);
            lowered = 0;
        }
        if (!(accuracies[r] >= MIN_ACCURACY)) {
            fprintf(stderr, "optimisers: %s classified %.1f%% of the points, under %.0f%%\n",
                    runs[r].label, 100.0 * accuracies[r], 100.0 * MIN_ACCURACY);
            lowered = 0;
        }
    }
    return lowered ? 0 : 1;
}

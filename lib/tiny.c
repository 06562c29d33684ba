/* The fused online step of nn_train_sample() for tiny networks (every layer
   at most NN_TINY_LAYER units). At these sizes a step costs what its chain
   of dependent operations costs, not its arithmetic: calls per layer and
   values stored and read back would double it. This is the same pass as
   forward_pass() plus the fused backward pass of train.c (deltas propagated
   through the old weights, then the layer updated), with the loops written
   out in tiny_body.h for three bounds on the layer size. It fills z, a and
   delta of every layer, as those passes do, and forms every value with the
   expressions, and in the order, of activation.c, loss.c and the scalar
   kernels, so that it gives their bits. */
#include "internal.h"
#include "activation.h"
#include "bounds.h"
#include "tiny_attr.h"
#include "tiny_layer.h"
#include "loss.h"

#include <math.h>

#define TINY_NAME train_tiny2
#define TINY_MAX 2
#include "tiny_body.h"

#define TINY_NAME train_tiny4
#define TINY_MAX 4
#include "tiny_body.h"

#define TINY_NAME train_tiny8
#define TINY_MAX 8
#include "tiny_body.h"

/* One hidden layer of at most two units, the commonest tiny network, gets
   its own copy for the logistic case, in which no table is asked. */
static TINY_ATTR int train_tiny2_hidden1(nn_t *net, const double *input, const double *target,
                                         double rate)
{
    if (net->tiny_fits == NN_TINY_LOGISTIC)
        return train_tiny2(net, input, target, rate, 2, 1);
    return train_tiny2(net, input, target, rate, 2, 0);
}

static TINY_ATTR int train_tiny4_hidden1(nn_t *net, const double *input, const double *target,
                                         double rate)
{
    return train_tiny4(net, input, target, rate, 2, net->tiny_fits == NN_TINY_LOGISTIC);
}

static TINY_ATTR int train_tiny_any(nn_t *net, const double *input, const double *target,
                                    double rate)
{
    const size_t top = net->n_layers - 1;
    const int all_logistic = net->tiny_fits == NN_TINY_LOGISTIC;
    if (net->max_size <= 2)
        return train_tiny2(net, input, target, rate, top, all_logistic);
    if (net->max_size <= 4)
        return train_tiny4(net, input, target, rate, top, all_logistic);
    return train_tiny8(net, input, target, rate, top, all_logistic);
}

int nn__tiny_fits(const nn_t *net)
{
    const struct nn_layer *out = &net->layers[net->n_layers - 1];
    const struct nn_loss *e = nn__loss(net->loss);
    if (!e->tiny)
        return NN_TINY_NO;
    int logistic = e->difference && !nn__loss_fused(net->loss, out);
    for (size_t k = 1; k < net->n_layers; k++) {
        if (!nn__activation_tiny(&net->layers[k]))
            return NN_TINY_NO;
        logistic = logistic && nn__activation_logistic(&net->layers[k]);
    }
    return logistic ? NN_TINY_LOGISTIC : NN_TINY_TABLES;
}

int nn__train_tiny(nn_t *net, const double *input, const double *target, double rate)
{
    if (net->n_layers == 3 && net->max_size <= 2)
        return train_tiny2_hidden1(net, input, target, rate);
    if (net->n_layers == 3 && net->max_size <= 4)
        return train_tiny4_hidden1(net, input, target, rate);
    return train_tiny_any(net, input, target, rate);
}

/* Losses of one sample and their gradients with respect to the outputs. */
#include "internal.h"

int nn__loss_is_valid(int loss)
{
    return loss == NN_LOSS_HALF_SSE || loss == NN_LOSS_MSE;
}

double nn__loss_value(int loss, size_t n, const double *out, const double *target)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double diff = target[i] - out[i];
        sum += diff * diff;
    }
    return loss == NN_LOSS_MSE ? sum / (double)n : 0.5 * sum;
}

/* dE/do: o - t for the half sum of squares, 2 (o - t) / n for the mean. */
void nn__loss_grad(int loss, size_t n, const double *out, const double *target, double *grad)
{
    const double scale = loss == NN_LOSS_MSE ? 2.0 / (double)n : 1.0;
    for (size_t i = 0; i < n; i++)
        grad[i] = scale * (out[i] - target[i]);
}

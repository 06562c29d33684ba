/* The built-in losses: their names, and the loss of one sample and its
   gradient with respect to the outputs. */
#include "internal.h"
#include "names.h"

/* The built-in losses, indexed by their NN_LOSS_* code (contiguous from 0);
   the name is the model file's word. */
struct nn_loss_desc {
    int code;
    struct nn_names names;
};

static const char *const half_sse_aliases[] = {"half-sse", NULL};

static const struct nn_loss_desc losses[] = {
    {NN_LOSS_HALF_SSE, {"half_sse", half_sse_aliases}},
    {NN_LOSS_MSE, {"mse", NULL}},
};

#define N_LOSSES (sizeof losses / sizeof losses[0])

int nn__loss_is_valid(int loss)
{
    return loss >= 0 && (size_t)loss < N_LOSSES;
}

const char *nn_loss_name(int code)
{
    return nn__loss_is_valid(code) ? losses[code].names.name : NULL;
}

nn_status nn_loss_from_name(const char *name, int *code)
{
    if (name == NULL || code == NULL)
        return NN_ERR_NULL_ARG;
    for (size_t i = 0; i < N_LOSSES; i++) {
        if (nn__names_match(&losses[i].names, name)) {
            *code = losses[i].code;
            return NN_OK;
        }
    }
    return NN_ERR_LOSS;
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

/* Learning-rate schedules as plain functions of the step number: the closed
   forms of PyTorch's StepLR, ExponentialLR, CosineAnnealingLR and LinearLR. */
#include "internal.h"

#include <math.h>

/* The checks every schedule shares: the out pointer and finite numbers. */
static nn_status check(const double *rate, double a, double b, double c)
{
    const double values[3] = {a, b, c};
    if (rate == NULL)
        return NN_ERR_NULL_ARG;
    return nn__all_finite(values, 3) ? NN_OK : NN_ERR_NOT_FINITE;
}

nn_status nn_schedule_step(double base_rate, size_t step, size_t step_size, double gamma,
                           double *rate)
{
    nn_status status = check(rate, base_rate, gamma, 0.0);
    if (status == NN_OK && step_size == 0)
        status = NN_ERR_ARGUMENT;
    if (status == NN_OK)
        *rate = base_rate * pow(gamma, (double)(step / step_size));
    return status;
}

nn_status nn_schedule_exponential(double base_rate, size_t step, double gamma, double *rate)
{
    nn_status status = check(rate, base_rate, gamma, 0.0);
    if (status == NN_OK)
        *rate = base_rate * pow(gamma, (double)step);
    return status;
}

nn_status nn_schedule_cosine(double base_rate, size_t step, size_t period, double min_rate,
                             double *rate)
{
    nn_status status = check(rate, base_rate, min_rate, 0.0);
    if (status == NN_OK && period == 0)
        status = NN_ERR_ARGUMENT;
    if (status == NN_OK) {
        const double pi = 3.14159265358979323846;
        *rate = min_rate +
                (base_rate - min_rate) * (1.0 + cos(pi * (double)step / (double)period)) / 2.0;
    }
    return status;
}

nn_status nn_schedule_linear(double base_rate, size_t step, size_t total_steps,
                             double start_factor, double end_factor, double *rate)
{
    nn_status status = check(rate, base_rate, start_factor, end_factor);
    if (status == NN_OK && (total_steps == 0 || !(start_factor > 0.0 && start_factor <= 1.0) ||
                            !(end_factor >= 0.0 && end_factor <= 1.0)))
        status = NN_ERR_ARGUMENT;
    if (status == NN_OK) {
        const size_t done = step < total_steps ? step : total_steps;
        *rate = base_rate * (start_factor + (end_factor - start_factor) * (double)done /
                                                (double)total_steps);
    }
    return status;
}

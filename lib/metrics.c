/* The results handle of nn_evaluate(): reading its numbers, the per-class
   figures derived from the confusion matrix, and the metric names. */
#include "metrics.h"
#include "names.h"

#include <stdint.h>
#include <stdlib.h>

static const struct nn_names metric_names[NN__N_METRICS] = {
    [NN_METRIC_LOSS] = {"loss", NULL},
    [NN_METRIC_ACCURACY] = {"accuracy", NULL},
    [NN_METRIC_MSE] = {"mse", NULL},
    [NN_METRIC_MAE] = {"mae", NULL},
    [NN_METRIC_R2] = {"r2", NULL},
    [NN_METRIC_BIT_FAIL] = {"bit_fail", NULL},
    [NN_METRIC_MACRO_F1] = {"macro_f1", NULL},
    [NN_METRIC_MACRO_PRECISION] = {"macro_precision", NULL},
    [NN_METRIC_MACRO_RECALL] = {"macro_recall", NULL},
};

nn_metrics_t *nn__metrics_alloc(size_t n_classes)
{
    const size_t limit = (SIZE_MAX - sizeof(struct nn_metrics)) / sizeof(size_t);
    if (n_classes != 0 && n_classes > limit / n_classes)
        return NULL;
    return calloc(1, sizeof(struct nn_metrics) + n_classes * n_classes * sizeof(size_t));
}

void nn_metrics_free(nn_metrics_t *m)
{
    free(m);
}

/* a / b, or 0 where b is 0 (scikit-learn's zero_division value) */
static double ratio(double a, double b)
{
    return b > 0.0 ? a / b : 0.0;
}

void nn__metrics_class(const nn_metrics_t *m, size_t k, double *precision, double *recall,
                       double *f1, size_t *support)
{
    const size_t n = m->n_classes;
    size_t predicted = 0, actual = 0;
    for (size_t i = 0; i < n; i++) {
        predicted += m->confusion[i * n + k];
        actual += m->confusion[k * n + i];
    }
    const double tp = (double)m->confusion[k * n + k];
    *precision = ratio(tp, (double)predicted);
    *recall = ratio(tp, (double)actual);
    *f1 = ratio(2.0 * *precision * *recall, *precision + *recall);
    *support = actual;
}

nn_status nn_metrics_get(const nn_metrics_t *m, int metric, double *value)
{
    if (m == NULL || value == NULL)
        return NN_ERR_NULL_ARG;
    if (metric < 0 || metric >= NN__N_METRICS || !m->defined[metric])
        return NN_ERR_ARGUMENT;
    *value = m->values[metric];
    return NN_OK;
}

size_t nn_metrics_row_count(const nn_metrics_t *m)
{
    return m != NULL ? m->n_rows : 0;
}

size_t nn_metrics_class_count(const nn_metrics_t *m)
{
    return m != NULL ? m->n_classes : 0;
}

nn_status nn_metrics_class(const nn_metrics_t *m, size_t k, double *precision, double *recall,
                           double *f1, size_t *support)
{
    if (m == NULL)
        return NN_ERR_NULL_ARG;
    if (k >= m->n_classes)
        return NN_ERR_ARGUMENT;
    double p, r, f;
    size_t s;
    nn__metrics_class(m, k, &p, &r, &f, &s);
    if (precision != NULL)
        *precision = p;
    if (recall != NULL)
        *recall = r;
    if (f1 != NULL)
        *f1 = f;
    if (support != NULL)
        *support = s;
    return NN_OK;
}

nn_status nn_metrics_confusion(const nn_metrics_t *m, size_t *counts, size_t count)
{
    if (m == NULL || counts == NULL)
        return NN_ERR_NULL_ARG;
    if (m->n_classes == 0)
        return NN_ERR_ARGUMENT;
    if (count != m->n_classes * m->n_classes)
        return NN_ERR_COUNT;
    for (size_t i = 0; i < count; i++)
        counts[i] = m->confusion[i];
    return NN_OK;
}

const char *nn_metric_name(int metric)
{
    return metric >= 0 && metric < NN__N_METRICS ? metric_names[metric].name : NULL;
}

nn_status nn_metric_from_name(const char *name, int *metric)
{
    if (name == NULL || metric == NULL)
        return NN_ERR_NULL_ARG;
    for (int i = 0; i < NN__N_METRICS; i++) {
        if (nn__names_match(&metric_names[i], name)) {
            *metric = i;
            return NN_OK;
        }
    }
    return NN_ERR_ARGUMENT;
}

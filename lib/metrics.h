/* The results of nn_evaluate() (metrics.c owns the handle; evaluate.c
   fills it once, when it makes it, and nothing changes it afterwards).
   Not installed. */
#ifndef BACKPROP_METRICS_H
#define BACKPROP_METRICS_H

#include "backprop.h"

#include <stddef.h>

/* The metric codes are contiguous from 0 up to this count. */
#define NN__N_METRICS 9

struct nn_metrics {
    size_t n_rows;
    size_t n_classes;                   /* 0: the set is not a classification */
    double values[NN__N_METRICS];       /* by NN_METRIC_* code */
    unsigned char defined[NN__N_METRICS];
    size_t confusion[];                 /* n_classes x n_classes, row = true class */
};

/* A handle for n_classes classes (0 for none) with a zeroed confusion
   matrix and nothing defined; NULL when memory runs out or the size
   overflows. */
nn_metrics_t *nn__metrics_alloc(size_t n_classes);

/* Precision, recall, F1 and support of class k from the confusion matrix. */
void nn__metrics_class(const nn_metrics_t *m, size_t k, double *precision, double *recall,
                       double *f1, size_t *support);

#endif

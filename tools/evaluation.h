/* The report of `backprop eval`: the metrics of nn_evaluate() as text or
   JSON, with the classes named (see evaluation.c). */
#ifndef BACKPROP_TOOLS_EVALUATION_H
#define BACKPROP_TOOLS_EVALUATION_H

#include <backprop.h>

#include <stddef.h>
#include <stdio.h>

enum { EVAL_TEXT, EVAL_JSON };

/* The name of class k: the network's (nn_class_name()), else the data
   set's, else the number k written into `buffer`. */
const char *eval_class_label(const nn_t *net, const nn_dataset_t *data, size_t k, char *buffer,
                             size_t size);

/* Writes the report of `m` to `f` in `format`; 0, or 1 when the matrix
   could not be allocated (reported). */
int eval_report(FILE *f, const nn_t *net, const nn_dataset_t *data, const nn_metrics_t *m,
                int format);

#endif

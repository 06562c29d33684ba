/* nn_evaluate(): every row of a data set through nn_predict(), in chunks,
   and the sums the metrics are made of; nn_predict_class(). The network is
   only read. The definitions are in backprop.h's Evaluation group. */
#include "internal.h"
#include "loss.h"
#include "metrics.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Rows per nn_predict() call: large enough for the batched products and
   the threads to pay, small enough to keep the workspace small. */
enum { EVAL_CHUNK = 256 };

/* FANN's default bit_fail_limit. */
static const double bit_fail_limit = 0.35;

/* The working memory of one evaluation: one allocation from the network's
   allocator, in these pieces. */
struct eval_work {
    double *block;         /* the allocation */
    double *predict;       /* nn_predict()'s workspace */
    size_t predict_size;
    double *outputs;       /* a chunk's outputs, raw (nn_predict()'s) */
    double *net_outputs;   /* the same in the network's units */
    double *net_targets;   /* a chunk's targets in the network's units */
    double *mean;          /* per output: the targets' mean, */
    double *ss_res;        /* sum (t - o)^2 */
    double *ss_tot;        /* and sum (t - mean)^2 */
};

/* The sums over every row and output. */
struct eval_sums {
    double loss, squared, absolute;
    size_t bit_fail;
};

/* The class of one row of n values: the index of the largest (the first on
   a tie), or for one value 1 when it is at least 0.5. */
static size_t class_of(const double *v, size_t n)
{
    if (n == 1)
        return v[0] >= 0.5 ? 1 : 0;
    size_t best = 0;
    for (size_t j = 1; j < n; j++)
        if (v[j] > v[best])
            best = j;
    return best;
}

/* Whether the targets are class labels: 0 or 1, and one-hot when there
   are several a row. */
static int targets_are_labels(const double *t, size_t n_rows, size_t n_targets)
{
    for (size_t i = 0; i < n_rows; i++) {
        size_t ones = 0;
        for (size_t j = 0; j < n_targets; j++) {
            const double v = t[i * n_targets + j];
            if (v != 0.0 && v != 1.0)
                return 0;
            ones += v == 1.0;
        }
        if (n_targets > 1 && ones != 1)
            return 0;
    }
    return 1;
}

static nn_status work_alloc(const nn_t *net, size_t chunk, struct eval_work *w)
{
    const size_t n_out = net->layers[net->n_layers - 1].n_out;
    w->predict_size = nn_inference_workspace_size(net, chunk);
    const size_t limit = SIZE_MAX / sizeof(double);
    if (w->predict_size == 0 || chunk > (limit - w->predict_size) / n_out / 6)
        return NN_ERR_TOO_LARGE;
    const size_t total = w->predict_size + 3 * chunk * n_out + 3 * n_out;
    w->block = nn__alloc(net, total * sizeof(double));
    if (w->block == NULL)
        return NN_ERR_NO_MEMORY;
    w->predict = w->block;
    w->outputs = w->predict + w->predict_size;
    w->net_outputs = w->outputs + chunk * n_out;
    w->net_targets = w->net_outputs + chunk * n_out;
    w->mean = w->net_targets + chunk * n_out;
    w->ss_res = w->mean + n_out;
    w->ss_tot = w->ss_res + n_out;
    return NN_OK;
}

/* The targets' mean of every output (for r2). */
static void target_means(const nn_dataset_t *data, double *mean)
{
    const size_t n = nn_dataset_row_count(data), m = nn_dataset_target_count(data);
    const double *t = nn_dataset_targets(data);
    for (size_t j = 0; j < m; j++)
        mean[j] = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++)
            mean[j] += t[i * m + j];
    for (size_t j = 0; j < m; j++)
        mean[j] /= (double)n;
}

/* Adds one row to the sums: the raw outputs o and targets t, and the same
   in the network's units (no and nt). The loss and the bit-fail limit apply
   in the network's units (where the loss trains and FANN's limit lies), the
   errors in the targets' own; without target scaling they are the same. */
static void add_row(const nn_t *net, const double *o, const double *t, const double *no,
                    const double *nt, const struct eval_work *w, struct eval_sums *s)
{
    const size_t n_out = net->layers[net->n_layers - 1].n_out;
    s->loss += nn__loss_table[net->loss].value(n_out, no, nt);
    for (size_t j = 0; j < n_out; j++) {
        const double d = t[j] - o[j], from_mean = t[j] - w->mean[j];
        s->squared += d * d;
        s->absolute += fabs(d);
        s->bit_fail += fabs(nt[j] - no[j]) >= bit_fail_limit;
        w->ss_res[j] += d * d;
        w->ss_tot[j] += from_mean * from_mean;
    }
}

/* A chunk's outputs and targets in the network's units. */
static nn_status to_network_units(const nn_t *net, size_t rows, const double *targets,
                                  const struct eval_work *w)
{
    nn_status status = nn_scale_targets(net, rows, w->outputs, w->net_outputs);
    return status == NN_OK ? nn_scale_targets(net, rows, targets, w->net_targets) : status;
}

/* Every row through nn_predict() and into the sums and the confusion matrix. */
static nn_status run_rows(const nn_t *net, const nn_dataset_t *data, size_t chunk,
                          const struct eval_work *w, struct eval_sums *s, nn_metrics_t *m)
{
    const size_t n = nn_dataset_row_count(data), n_in = nn_dataset_input_count(data);
    const size_t n_out = nn_dataset_target_count(data), k = m->n_classes;
    const double *inputs = nn_dataset_inputs(data), *targets = nn_dataset_targets(data);
    for (size_t first = 0; first < n; first += chunk) {
        const size_t rows = n - first < chunk ? n - first : chunk;
        nn_status status = nn_predict(net, rows, inputs + first * n_in, w->outputs, w->predict,
                                      w->predict_size);
        if (status == NN_OK)
            status = to_network_units(net, rows, targets + first * n_out, w);
        if (status != NN_OK)
            return status;
        for (size_t i = 0; i < rows; i++) {
            const double *o = w->outputs + i * n_out, *t = targets + (first + i) * n_out;
            add_row(net, o, t, w->net_outputs + i * n_out, w->net_targets + i * n_out, w, s);
            if (k > 0)
                m->confusion[class_of(t, n_out) * k + class_of(o, n_out)]++;
        }
    }
    return NN_OK;
}

static void set_metric(nn_metrics_t *m, int metric, double value)
{
    m->values[metric] = value;
    m->defined[metric] = 1;
}

/* The regression numbers from the sums. */
static void finish_errors(nn_metrics_t *m, size_t n_out, const struct eval_sums *s,
                          const struct eval_work *w)
{
    const double values = (double)m->n_rows * (double)n_out;
    set_metric(m, NN_METRIC_LOSS, s->loss / (double)m->n_rows);
    set_metric(m, NN_METRIC_MSE, s->squared / values);
    set_metric(m, NN_METRIC_MAE, s->absolute / values);
    set_metric(m, NN_METRIC_BIT_FAIL, (double)s->bit_fail);
    if (m->n_rows < 2)
        return;
    double r2 = 0.0;
    for (size_t j = 0; j < n_out; j++) {
        if (w->ss_tot[j] > 0.0)
            r2 += 1.0 - w->ss_res[j] / w->ss_tot[j];
        else
            r2 += w->ss_res[j] == 0.0 ? 1.0 : 0.0; /* scikit-learn's force_finite */
    }
    set_metric(m, NN_METRIC_R2, r2 / (double)n_out);
}

/* Accuracy and the macro averages from the confusion matrix. */
static void finish_classes(nn_metrics_t *m)
{
    const size_t k = m->n_classes;
    size_t correct = 0;
    double precision = 0.0, recall = 0.0, f1 = 0.0;
    for (size_t c = 0; c < k; c++) {
        double p, r, f;
        size_t support;
        nn__metrics_class(m, c, &p, &r, &f, &support);
        correct += m->confusion[c * k + c];
        precision += p;
        recall += r;
        f1 += f;
    }
    set_metric(m, NN_METRIC_ACCURACY, (double)correct / (double)m->n_rows);
    set_metric(m, NN_METRIC_MACRO_PRECISION, precision / (double)k);
    set_metric(m, NN_METRIC_MACRO_RECALL, recall / (double)k);
    set_metric(m, NN_METRIC_MACRO_F1, f1 / (double)k);
}

nn_status nn_evaluate(const nn_t *net, const nn_dataset_t *data, nn_metrics_t **out)
{
    if (net == NULL || data == NULL || out == NULL)
        return NN_ERR_NULL_ARG;
    const size_t n_out = net->layers[net->n_layers - 1].n_out;
    const size_t n = nn_dataset_row_count(data);
    if (nn_dataset_input_count(data) != net->layers[0].n_out ||
        nn_dataset_target_count(data) != n_out)
        return NN_ERR_COUNT;
    const int classes = nn_dataset_class_count(data) > 0 || nn_class_count(net) > 0 ||
                        targets_are_labels(nn_dataset_targets(data), n, n_out);
    const size_t n_classes = classes ? (n_out > 1 ? n_out : 2) : 0;
    nn_metrics_t *m = nn__metrics_alloc(n_classes);
    if (m == NULL)
        return NN_ERR_NO_MEMORY;
    m->n_rows = n;
    m->n_classes = n_classes;
    const size_t chunk = n < EVAL_CHUNK ? n : EVAL_CHUNK;
    struct eval_work w;
    struct eval_sums s = {0.0, 0.0, 0.0, 0};
    nn_status status = work_alloc(net, chunk, &w);
    if (status == NN_OK) {
        target_means(data, w.mean);
        memset(w.ss_res, 0, 2 * n_out * sizeof(double));
        status = run_rows(net, data, chunk, &w, &s, m);
        if (status == NN_OK)
            finish_errors(m, n_out, &s, &w);
        nn__dealloc(net, w.block);
    }
    if (status != NN_OK) {
        nn_metrics_free(m);
        return status;
    }
    if (m->n_classes > 0)
        finish_classes(m);
    *out = m;
    return NN_OK;
}

nn_status nn_predict_class(const nn_t *net, const double *input, size_t *k, double *probability)
{
    if (net == NULL || input == NULL || k == NULL)
        return NN_ERR_NULL_ARG;
    const size_t n_out = net->layers[net->n_layers - 1].n_out;
    const size_t size = nn_inference_workspace_size(net, 1);
    double *work = nn__alloc(net, (size + n_out) * sizeof(double));
    if (work == NULL)
        return NN_ERR_NO_MEMORY;
    double *o = work + size;
    nn_status status = nn_predict(net, 1, input, o, work, size);
    if (status == NN_OK) {
        *k = class_of(o, n_out);
        if (probability != NULL)
            *probability = n_out > 1 ? o[*k] : *k == 1 ? o[0] : 1.0 - o[0];
    }
    nn__dealloc(net, work);
    return status;
}

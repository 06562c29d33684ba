/* The report of `backprop eval`. Text: one "name value" line per metric
   the set defines, then for a classification a table of the classes and
   the confusion matrix. JSON: one object, {"rows": N, "metrics": {...},
   "classes": [...], "confusion": [[...]]}, with the metrics also at the
   top level, so that `accuracy` is found either way. Numbers are written
   with 17 significant digits (JSON) or 6 (text). */
#include "evaluation.h"

#include "command.h"

#include <stdlib.h>
#include <string.h>

const char *eval_class_label(const nn_t *net, const nn_dataset_t *data, size_t k, char *buffer,
                             size_t size)
{
    const char *name = nn_class_name(net, k);
    if (name == NULL)
        name = nn_dataset_class_name(data, k);
    if (name != NULL)
        return name;
    snprintf(buffer, size, "%zu", k);
    return buffer;
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* The defined metrics as "name": value pairs (JSON) or lines (text). */
static void put_metrics(FILE *f, const nn_metrics_t *m, int format)
{
    int first = 1;
    for (int code = 0; nn_metric_name(code) != NULL; code++) {
        double v;
        if (nn_metrics_get(m, code, &v) != NN_OK)
            continue;
        if (format == EVAL_JSON)
            fprintf(f, "%s\"%s\": %.17g", first ? "" : ", ", nn_metric_name(code), v);
        else
            fprintf(f, "%-16s %.6g\n", nn_metric_name(code), v);
        first = 0;
    }
}

/* The classes' precision, recall, F1 and support. */
static void put_class_table(FILE *f, const nn_t *net, const nn_dataset_t *data,
                            const nn_metrics_t *m, int format)
{
    char number[32];
    if (format == EVAL_TEXT)
        fprintf(f, "\n%-16s %10s %10s %10s %10s\n", "class", "precision", "recall", "f1",
                "support");
    for (size_t k = 0; k < nn_metrics_class_count(m); k++) {
        double p, r, f1;
        size_t support;
        nn_metrics_class(m, k, &p, &r, &f1, &support);
        const char *name = eval_class_label(net, data, k, number, sizeof number);
        if (format == EVAL_TEXT) {
            fprintf(f, "%-16s %10.6g %10.6g %10.6g %10zu\n", name, p, r, f1, support);
            continue;
        }
        fprintf(f, "%s{\"name\": ", k ? ", " : "");
        put_json_string(f, name);
        fprintf(f, ", \"precision\": %.17g, \"recall\": %.17g, \"f1\": %.17g, \"support\": %zu}",
                p, r, f1, support);
    }
}

/* The confusion matrix, rows the true classes. */
static void put_confusion(FILE *f, const nn_t *net, const nn_dataset_t *data, const size_t *c,
                          size_t n, int format)
{
    char number[32];
    if (format == EVAL_TEXT) {
        fprintf(f, "\nconfusion matrix (rows: true class, columns: predicted)\n%-16s", "");
        for (size_t j = 0; j < n; j++)
            fprintf(f, " %8.8s", eval_class_label(net, data, j, number, sizeof number));
        fputc('\n', f);
    }
    for (size_t i = 0; i < n; i++) {
        if (format == EVAL_TEXT)
            fprintf(f, "%-16s", eval_class_label(net, data, i, number, sizeof number));
        else
            fprintf(f, "%s[", i ? ", " : "");
        for (size_t j = 0; j < n; j++) {
            if (format == EVAL_TEXT)
                fprintf(f, " %8zu", c[i * n + j]);
            else
                fprintf(f, "%s%zu", j ? ", " : "", c[i * n + j]);
        }
        fputs(format == EVAL_TEXT ? "\n" : "]", f);
    }
}

int eval_report(FILE *f, const nn_t *net, const nn_dataset_t *data, const nn_metrics_t *m,
                int format)
{
    const size_t k = nn_metrics_class_count(m);
    size_t *confusion = k > 0 ? malloc(k * k * sizeof *confusion) : NULL;
    if (k > 0 && (confusion == NULL || nn_metrics_confusion(m, confusion, k * k) != NN_OK)) {
        free(confusion);
        return fail(1, "out of memory");
    }
    if (format == EVAL_TEXT)
        fprintf(f, "%-16s %zu\n", "rows", nn_metrics_row_count(m));
    else
        fprintf(f, "{\"rows\": %zu, ", nn_metrics_row_count(m));
    if (format == EVAL_JSON) {
        put_metrics(f, m, format);
        fputs(", \"metrics\": {", f);
    }
    put_metrics(f, m, format);
    if (format == EVAL_JSON)
        fputs("}", f);
    if (k > 0) {
        if (format == EVAL_JSON)
            fputs(", \"classes\": [", f);
        put_class_table(f, net, data, m, format);
        if (format == EVAL_JSON)
            fputs("], \"confusion\": [", f);
        put_confusion(f, net, data, confusion, k, format);
        if (format == EVAL_JSON)
            fputs("]", f);
    }
    if (format == EVAL_JSON)
        fputs("}\n", f);
    free(confusion);
    return 0;
}

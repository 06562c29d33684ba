/* Saving a data set as CSV or in FANN's training data format
   (docs/data.md). Numbers are written as printf's %.17g would in the "C"
   locale (nn__fmt_num), so that loading gives back every bit. Plain stdio:
   the file is written in place, not replaced atomically. */
#include "dataset.h"
#include "text.h"

#include <stdio.h>
#include <string.h>

static int write_number(FILE *f, double x, const char *after)
{
    char buf[NN__NUM_BUF];
    nn__fmt_num(buf, x, 17);
    return fputs(buf, f) >= 0 && fputs(after, f) >= 0;
}

/* Whether a class set's rows can be written as labels: every row one-hot
   (or a single 0/1 target), every name one field that reads back as itself. */
static int labels_fit(const nn_dataset_t *data)
{
    for (size_t k = 0; k < data->n_classes; k++) {
        const char *name = data->class_names[k];
        const size_t n = strlen(name);
        if (strchr(name, ',') != NULL || name[0] == ' ' || name[0] == '\t' ||
            name[n - 1] == ' ' || name[n - 1] == '\t')
            return 0;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
                return 0;
    }
    const size_t nt = data->n_targets;
    for (size_t i = 0; i < data->n_rows * nt; i += nt) {
        size_t ones = 0;
        for (size_t j = 0; j < nt; j++) {
            const double t = data->targets[i + j];
            if (t != 0.0 && t != 1.0)
                return 0;
            ones += t == 1.0;
        }
        if (nt > 1 && ones != 1)
            return 0;
    }
    return 1;
}

static int write_csv(const nn_dataset_t *data, FILE *f)
{
    const size_t ni = data->n_inputs, nt = data->n_targets;
    const int classes = data->n_classes > 0;
    int ok = 1;
    for (size_t j = 0; j < ni && ok; j++)
        ok = fprintf(f, "%sx%zu", j > 0 ? "," : "", j + 1) > 0;
    if (classes)
        ok = ok && fputs(",class", f) >= 0;
    for (size_t j = 0; j < nt && !classes && ok; j++)
        ok = fprintf(f, ",y%zu", j + 1) > 0;
    ok = ok && fputc('\n', f) != EOF;
    for (size_t i = 0; i < data->n_rows && ok; i++) {
        for (size_t j = 0; j < ni && ok; j++)
            ok = write_number(f, data->inputs[i * ni + j], j + 1 < ni || nt > 0 ? "," : "\n");
        if (classes) {
            size_t k = 0;
            nn_dataset_row_class(data, i, &k);
            ok = ok && fputs(data->class_names[k], f) >= 0 && fputc('\n', f) != EOF;
        }
        for (size_t j = 0; j < nt && !classes && ok; j++)
            ok = write_number(f, data->targets[i * nt + j], j + 1 < nt ? "," : "\n");
    }
    return ok;
}

static int write_fann(const nn_dataset_t *data, FILE *f)
{
    const size_t ni = data->n_inputs, nt = data->n_targets;
    int ok = fprintf(f, "%zu %zu %zu\n", data->n_rows, ni, nt) > 0;
    for (size_t i = 0; i < data->n_rows && ok; i++) {
        for (size_t j = 0; j < ni && ok; j++)
            ok = write_number(f, data->inputs[i * ni + j], j + 1 < ni ? " " : "\n");
        for (size_t j = 0; j < nt && ok; j++)
            ok = write_number(f, data->targets[i * nt + j], j + 1 < nt ? " " : "\n");
    }
    return ok;
}

static nn_status save(const nn_dataset_t *data, const char *path,
                      int (*write)(const nn_dataset_t *, FILE *))
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return NN_ERR_IO;
    int ok = write(data, f);
    if (fclose(f) != 0)
        ok = 0;
    return ok ? NN_OK : NN_ERR_IO;
}

nn_status nn_dataset_save_csv(const nn_dataset_t *data, const char *path)
{
    if (data == NULL || path == NULL)
        return NN_ERR_NULL_ARG;
    if (data->n_classes > 0 && !labels_fit(data))
        return NN_ERR_ARGUMENT;
    return save(data, path, write_csv);
}

nn_status nn_dataset_save_fann(const nn_dataset_t *data, const char *path)
{
    if (data == NULL || path == NULL)
        return NN_ERR_NULL_ARG;
    return save(data, path, write_fann);
}

/* The rows file (docs/data.md): one line per record, "label i0 i1 ...",
   0-based row indices in decimal, so that other tools can replay a split or
   an epoch's batch order. Plain stdio: no system-specific calls. */
#include "dataset.h"

#include <stdio.h>
#include <stdlib.h>

/* A label is one word: at least one byte, none of them a space, a control
   character or DEL, so that a reader can split the line on blanks. */
static int valid_label(const char *label)
{
    if (label[0] == '\0')
        return 0;
    for (const unsigned char *c = (const unsigned char *)label; *c != '\0'; c++)
        if (*c <= ' ' || *c == 0x7f)
            return 0;
    return 1;
}

nn_status nn_write_rows_file(const char *path, const char *label, const size_t *rows, size_t n,
                             int append)
{
    if (path == NULL || label == NULL || (n > 0 && rows == NULL))
        return NN_ERR_NULL_ARG;
    if (!valid_label(label))
        return NN_ERR_NAME;
    FILE *f = fopen(path, append ? "a" : "w");
    if (f == NULL)
        return NN_ERR_IO;
    int failed = fputs(label, f) < 0;
    for (size_t i = 0; i < n && !failed; i++)
        failed = fprintf(f, " %zu", rows[i]) < 0;
    if (!failed)
        failed = fputc('\n', f) == EOF;
    if (fclose(f) != 0)
        failed = 1;
    return failed ? NN_ERR_IO : NN_OK;
}

nn_status nn_dataset_write_rows(const nn_dataset_t *data, const char *path, const char *label,
                                int append)
{
    if (data == NULL || path == NULL || label == NULL)
        return NN_ERR_NULL_ARG;
    if (!valid_label(label))
        return NN_ERR_NAME;
    size_t *rows = malloc(data->n_rows * sizeof *rows);
    if (rows == NULL)
        return NN_ERR_NO_MEMORY;
    nn_dataset_source_rows(data, rows, data->n_rows);
    const nn_status status = nn_write_rows_file(path, label, rows, data->n_rows, append);
    free(rows);
    return status;
}

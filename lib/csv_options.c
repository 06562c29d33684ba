/* The CSV loader's options handle: header rule, delimiter, and which
   columns are targets (a list, the last n, or a class-label column). */
#include "csv_options.h"

#include <stdlib.h>
#include <string.h>

void nn__csv_options_defaults(struct nn_csv_options *o)
{
    memset(o, 0, sizeof *o);
    o->header = NN_CSV_HEADER_AUTO;
    o->delimiter = ',';
    o->targets = NN__CSV_NO_TARGETS;
}

nn_status nn_csv_options_create(nn_csv_options_t **out)
{
    if (out == NULL)
        return NN_ERR_NULL_ARG;
    nn_csv_options_t *o = malloc(sizeof *o);
    if (o == NULL)
        return NN_ERR_NO_MEMORY;
    nn__csv_options_defaults(o);
    *out = o;
    return NN_OK;
}

void nn_csv_options_free(nn_csv_options_t *options)
{
    if (options == NULL)
        return;
    free(options->columns);
    free(options->class_column);
    free(options);
}

nn_status nn_csv_options_set_header(nn_csv_options_t *o, int header)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (header != NN_CSV_HEADER_AUTO && header != NN_CSV_HEADER_YES && header != NN_CSV_HEADER_NO)
        return NN_ERR_ARGUMENT;
    o->header = header;
    return NN_OK;
}

nn_status nn_csv_options_set_delimiter(nn_csv_options_t *o, char delimiter)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    /* bytes that end lines, start comments, or belong to numbers */
    if (delimiter == '\0' || strchr("\n\r#+-.0123456789eEinfaINFA", delimiter) != NULL)
        return NN_ERR_ARGUMENT;
    o->delimiter = delimiter;
    return NN_OK;
}

/* Forgets the previous choice of target columns. */
static void clear_targets(nn_csv_options_t *o)
{
    free(o->columns);
    free(o->class_column);
    o->columns = NULL;
    o->class_column = NULL;
    o->n_columns = 0;
    o->target_count = 0;
    o->targets = NN__CSV_NO_TARGETS;
}

nn_status nn_csv_options_set_target_columns(nn_csv_options_t *o, const size_t *columns, size_t n)
{
    if (o == NULL || (n > 0 && columns == NULL))
        return NN_ERR_NULL_ARG;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (columns[i] == columns[j])
                return NN_ERR_ARGUMENT;
    size_t *copy = NULL;
    if (n > 0) {
        copy = malloc(n * sizeof *copy);
        if (copy == NULL)
            return NN_ERR_NO_MEMORY;
        memcpy(copy, columns, n * sizeof *copy);
    }
    clear_targets(o);
    o->columns = copy;
    o->n_columns = n;
    o->targets = n > 0 ? NN__CSV_COLUMNS : NN__CSV_NO_TARGETS;
    return NN_OK;
}

nn_status nn_csv_options_set_target_count(nn_csv_options_t *o, size_t n)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    clear_targets(o);
    o->target_count = n;
    o->targets = n > 0 ? NN__CSV_LAST : NN__CSV_NO_TARGETS;
    return NN_OK;
}

nn_status nn_csv_options_set_class_column(nn_csv_options_t *o, const char *name_or_index)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (name_or_index == NULL) {
        clear_targets(o);
        return NN_OK;
    }
    if (name_or_index[0] == '\0')
        return NN_ERR_ARGUMENT;
    const size_t length = strlen(name_or_index);
    char *copy = malloc(length + 1);
    if (copy == NULL)
        return NN_ERR_NO_MEMORY;
    memcpy(copy, name_or_index, length + 1);
    clear_targets(o);
    o->class_column = copy;
    o->targets = NN__CSV_CLASS;
    return NN_OK;
}

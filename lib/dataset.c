/* The data set handle: made from the caller's arrays (copied or borrowed),
   its sizes and rows, subsets, class names. Loading, saving, shuffling and
   splitting live in files of their own and make sets through
   nn__dataset_alloc(). The handle's memory comes from the C library. */
#include "dataset.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Doubles of one set's values, 0 on overflow. */
static size_t value_count(size_t n_rows, size_t n_inputs, size_t n_targets)
{
    if (n_inputs > SIZE_MAX - n_targets)
        return 0;
    const size_t per_row = n_inputs + n_targets;
    if (n_rows > SIZE_MAX / sizeof(double) / per_row)
        return 0;
    return n_rows * per_row;
}

static nn_status check_shape(size_t n_rows, size_t n_inputs, size_t n_targets)
{
    if (n_rows == 0 || n_inputs == 0)
        return NN_ERR_ZERO_SIZE;
    if (value_count(n_rows, n_inputs, n_targets) == 0 || n_rows > SIZE_MAX / sizeof(size_t))
        return NN_ERR_TOO_LARGE;
    return NN_OK;
}

static int all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

nn_status nn__dataset_alloc(nn_dataset_t **out, size_t n_rows, size_t n_inputs, size_t n_targets)
{
    nn_status status = check_shape(n_rows, n_inputs, n_targets);
    if (status != NN_OK)
        return status;
    nn_dataset_t *data = calloc(1, sizeof *data);
    double *owned = malloc(value_count(n_rows, n_inputs, n_targets) * sizeof(double));
    size_t *source = malloc(n_rows * sizeof(size_t));
    if (data == NULL || owned == NULL || source == NULL) {
        free(data);
        free(owned);
        free(source);
        return NN_ERR_NO_MEMORY;
    }
    data->n_rows = n_rows;
    data->n_inputs = n_inputs;
    data->n_targets = n_targets;
    data->owned = owned;
    data->inputs = owned;
    data->targets = n_targets > 0 ? owned + n_rows * n_inputs : NULL;
    data->source = source;
    *out = data;
    return NN_OK;
}

/* The checks shared by nn_dataset_create() and nn_dataset_wrap(). */
static nn_status check_arrays(nn_dataset_t **out, size_t n_rows, size_t n_inputs,
                              size_t n_targets, const double *inputs, const double *targets)
{
    if (out == NULL || inputs == NULL || (n_targets > 0 && targets == NULL))
        return NN_ERR_NULL_ARG;
    nn_status status = check_shape(n_rows, n_inputs, n_targets);
    if (status != NN_OK)
        return status;
    if (!all_finite(inputs, n_rows * n_inputs) ||
        (n_targets > 0 && !all_finite(targets, n_rows * n_targets)))
        return NN_ERR_NOT_FINITE;
    return NN_OK;
}

nn_status nn_dataset_create(nn_dataset_t **out, size_t n_rows, size_t n_inputs, size_t n_targets,
                            const double *inputs, const double *targets)
{
    nn_status status = check_arrays(out, n_rows, n_inputs, n_targets, inputs, targets);
    if (status != NN_OK)
        return status;
    nn_dataset_t *data = NULL;
    status = nn__dataset_alloc(&data, n_rows, n_inputs, n_targets);
    if (status != NN_OK)
        return status;
    memcpy(data->owned, inputs, n_rows * n_inputs * sizeof(double));
    if (n_targets > 0)
        memcpy(data->owned + n_rows * n_inputs, targets, n_rows * n_targets * sizeof(double));
    for (size_t i = 0; i < n_rows; i++)
        data->source[i] = i;
    *out = data;
    return NN_OK;
}

nn_status nn_dataset_wrap(nn_dataset_t **out, size_t n_rows, size_t n_inputs, size_t n_targets,
                          const double *inputs, const double *targets)
{
    nn_status status = check_arrays(out, n_rows, n_inputs, n_targets, inputs, targets);
    if (status != NN_OK)
        return status;
    nn_dataset_t *data = calloc(1, sizeof *data);
    if (data == NULL)
        return NN_ERR_NO_MEMORY;
    data->n_rows = n_rows;
    data->n_inputs = n_inputs;
    data->n_targets = n_targets;
    data->inputs = inputs;
    data->targets = n_targets > 0 ? targets : NULL;
    *out = data;
    return NN_OK;
}

static void free_class_names(char **names, size_t n)
{
    if (names != NULL)
        for (size_t k = 0; k < n; k++)
            free(names[k]);
    free(names);
}

void nn_dataset_free(nn_dataset_t *data)
{
    if (data == NULL)
        return;
    free_class_names(data->class_names, data->n_classes);
    free(data->source);
    free(data->owned);
    free(data);
}

size_t nn_dataset_row_count(const nn_dataset_t *data)
{
    return data != NULL ? data->n_rows : 0;
}

size_t nn_dataset_input_count(const nn_dataset_t *data)
{
    return data != NULL ? data->n_inputs : 0;
}

size_t nn_dataset_target_count(const nn_dataset_t *data)
{
    return data != NULL ? data->n_targets : 0;
}

const double *nn_dataset_inputs(const nn_dataset_t *data)
{
    return data != NULL ? data->inputs : NULL;
}

const double *nn_dataset_targets(const nn_dataset_t *data)
{
    return data != NULL ? data->targets : NULL;
}

nn_status nn_dataset_subset(const nn_dataset_t *data, const size_t *rows, size_t n,
                            nn_dataset_t **out)
{
    if (data == NULL || rows == NULL || out == NULL)
        return NN_ERR_NULL_ARG;
    if (n == 0)
        return NN_ERR_ZERO_SIZE;
    for (size_t i = 0; i < n; i++)
        if (rows[i] >= data->n_rows)
            return NN_ERR_ARGUMENT;
    nn_dataset_t *sub = NULL;
    nn_status status = nn__dataset_alloc(&sub, n, data->n_inputs, data->n_targets);
    if (status == NN_OK && data->n_classes > 0)
        status = nn__dataset_copy_class_names(sub, data->n_classes,
                                              (const char *const *)data->class_names);
    if (status != NN_OK) {
        nn_dataset_free(sub);
        return status;
    }
    const size_t ni = data->n_inputs, nt = data->n_targets;
    double *inputs = sub->owned, *targets = sub->owned + n * ni;
    for (size_t i = 0; i < n; i++) {
        memcpy(inputs + i * ni, data->inputs + rows[i] * ni, ni * sizeof(double));
        if (nt > 0)
            memcpy(targets + i * nt, data->targets + rows[i] * nt, nt * sizeof(double));
        sub->source[i] = nn__dataset_source(data, rows[i]);
    }
    *out = sub;
    return NN_OK;
}

nn_status nn_dataset_source_rows(const nn_dataset_t *data, size_t *rows, size_t count)
{
    if (data == NULL || rows == NULL)
        return NN_ERR_NULL_ARG;
    if (count != data->n_rows)
        return NN_ERR_COUNT;
    for (size_t i = 0; i < count; i++)
        rows[i] = nn__dataset_source(data, i);
    return NN_OK;
}

size_t nn_dataset_class_count(const nn_dataset_t *data)
{
    return data != NULL ? data->n_classes : 0;
}

const char *nn_dataset_class_name(const nn_dataset_t *data, size_t k)
{
    return data != NULL && k < data->n_classes ? data->class_names[k] : NULL;
}

nn_status nn__dataset_copy_class_names(nn_dataset_t *data, size_t n, const char *const *names)
{
    char **copy = n > 0 ? calloc(n, sizeof *copy) : NULL;
    if (n > 0 && copy == NULL)
        return NN_ERR_NO_MEMORY;
    for (size_t k = 0; k < n; k++) {
        const size_t length = strlen(names[k]);
        copy[k] = malloc(length + 1);
        if (copy[k] == NULL) {
            free_class_names(copy, k);
            return NN_ERR_NO_MEMORY;
        }
        memcpy(copy[k], names[k], length + 1);
    }
    free_class_names(data->class_names, data->n_classes);
    data->class_names = copy;
    data->n_classes = n;
    return NN_OK;
}

/* A class name is any non-empty text without a line break, and no two of a
   set's names are equal. */
static nn_status check_class_names(size_t n, const char *const *names)
{
    for (size_t k = 0; k < n; k++) {
        if (names[k] == NULL)
            return NN_ERR_NULL_ARG;
        if (names[k][0] == '\0' || strpbrk(names[k], "\r\n") != NULL)
            return NN_ERR_NAME;
        for (size_t j = 0; j < k; j++)
            if (strcmp(names[j], names[k]) == 0)
                return NN_ERR_NAME;
    }
    return NN_OK;
}

nn_status nn_dataset_set_class_names(nn_dataset_t *data, size_t n, const char *const *names)
{
    if (data == NULL || (n > 0 && names == NULL))
        return NN_ERR_NULL_ARG;
    const size_t expected = data->n_targets == 1 ? 2 : data->n_targets;
    if (n != 0 && n != expected)
        return NN_ERR_COUNT;
    nn_status status = check_class_names(n, names);
    if (status != NN_OK)
        return status;
    return nn__dataset_copy_class_names(data, n, names);
}

nn_status nn_dataset_row_class(const nn_dataset_t *data, size_t row, size_t *k)
{
    if (data == NULL || k == NULL)
        return NN_ERR_NULL_ARG;
    if (row >= data->n_rows || data->n_targets == 0)
        return NN_ERR_ARGUMENT;
    const double *t = data->targets + row * data->n_targets;
    if (data->n_targets == 1) {
        *k = t[0] >= 0.5 ? 1 : 0;
        return NN_OK;
    }
    size_t best = 0;
    for (size_t j = 1; j < data->n_targets; j++)
        if (t[j] > t[best])
            best = j;
    *k = best;
    return NN_OK;
}

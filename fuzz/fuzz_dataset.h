/* Checks shared by the data set loaders' fuzz targets: what a refused input
   must leave (no set, a short printable message naming a line that exists)
   and what a loaded set must hold. Any mismatch stops the run with abort(). */
#ifndef BACKPROP_FUZZ_DATASET_H
#define BACKPROP_FUZZ_DATASET_H

#include "backprop.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok)
{
    if (!ok)
        abort();
}

#define UNTOUCHED ((nn_dataset_t *)(uintptr_t)1)

/* The number of lines of the text (a last line without LF counts). */
static size_t line_count(const char *text, size_t n)
{
    size_t lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    return lines;
}

static void check_refusal(nn_status s, const nn_dataset_t *out, const char *message,
                          size_t message_size, size_t lines)
{
    check(s == NN_ERR_FORMAT || s == NN_ERR_NO_MEMORY || s == NN_ERR_TOO_LARGE);
    check(out == UNTOUCHED);
    const size_t len = strnlen(message, message_size);
    check(len > 0 && len < message_size);
    for (size_t i = 0; i < len; i++)
        check(message[i] >= 0x20 && message[i] < 0x7f);
    if (strncmp(message, "line ", 5) == 0)
        check(strtoul(message + 5, NULL, 10) <= lines);
}

static void check_set(const nn_dataset_t *d)
{
    const size_t rows = nn_dataset_row_count(d), ni = nn_dataset_input_count(d);
    const size_t nt = nn_dataset_target_count(d);
    check(rows >= 1 && ni >= 1);
    for (size_t i = 0; i < rows * ni; i++)
        check(isfinite(nn_dataset_inputs(d)[i]));
    for (size_t i = 0; i < rows * nt; i++)
        check(isfinite(nn_dataset_targets(d)[i]));
    const size_t classes = nn_dataset_class_count(d);
    check(classes == 0 || (classes >= 2 && classes == nt));
    for (size_t i = 0; i < rows && classes > 0; i++) {
        double sum = 0;
        for (size_t j = 0; j < nt; j++)
            sum += nn_dataset_targets(d)[i * nt + j];
        check(sum == 1.0);
    }
}

#endif

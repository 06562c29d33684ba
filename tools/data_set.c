/* The command's data sets through the library's CSV loader (data_set.h). */
#define _POSIX_C_SOURCE 200809L

#include "data_set.h"

#include "command.h"
#include "quote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --target-columns N,N,...: numbers from 1 into the loader's 0-based indices. */
static int set_target_columns(nn_csv_options_t *o, const char *text)
{
    size_t n = 1, *columns;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    if ((columns = malloc(n * sizeof *columns)) == NULL)
        return fail(1, "out of memory");
    int status = 0;
    const char *field = text;
    for (size_t i = 0; status == 0 && i < n; i++) {
        const size_t length = strcspn(field, ",");
        char number[32] = "";
        if (length < sizeof number) {
            memcpy(number, field, length);
            number[length] = '\0';
        }
        if (!parse_whole_number(number, &columns[i]) || columns[i] == 0)
            status = fail(EXIT_USAGE, "--target-columns: '%s' is not a column number (from 1)",
                          quote(field, length).text);
        columns[i]--;
        field += length + 1;
    }
    nn_status s = status == 0 ? nn_csv_options_set_target_columns(o, columns, n) : NN_OK;
    if (s != NN_OK)
        status = fail(refusal_status(s), "--target-columns: %s", nn_strerror(s));
    free(columns);
    return status;
}

/* --class-column NAME or a number from 1 (the loader counts from 0). */
static int set_class_column(nn_csv_options_t *o, const char *text)
{
    size_t number;
    char index[32];
    if (parse_whole_number(text, &number) && number > 0) {
        snprintf(index, sizeof index, "%zu", number - 1);
        text = index;
    }
    nn_status s = nn_csv_options_set_class_column(o, text);
    return s == NN_OK ? 0 : fail(refusal_status(s), "--class-column: %s", nn_strerror(s));
}

/* Standard input to its end, into a malloc'd buffer. */
static int read_stdin(char **data, size_t *size)
{
    size_t capacity = 1 << 16, n = 0, got;
    char *buffer = malloc(capacity);
    while (buffer != NULL && (got = fread(buffer + n, 1, capacity - n, stdin)) > 0) {
        n += got;
        char *bigger = n == capacity ? realloc(buffer, capacity *= 2) : buffer;
        if (bigger == NULL)
            free(buffer);
        buffer = bigger;
    }
    if (buffer == NULL)
        return fail(1, "standard input: out of memory");
    if (ferror(stdin)) {
        free(buffer);
        return fail(1, "standard input: %s", strerror(errno));
    }
    *data = buffer;
    *size = n;
    return 0;
}

/* The loader's call on the file or on standard input. */
static int load(const char *path, const nn_csv_options_t *o, nn_dataset_t **out)
{
    char message[256] = "";
    char *data = NULL;
    size_t size = 0;
    const int from_stdin = is_standard_stream(path);
    if (from_stdin && read_stdin(&data, &size) != 0)
        return 1;
    nn_status s = from_stdin
                      ? nn_dataset_load_csv_buffer(out, data, size, o, message, sizeof message)
                      : nn_dataset_load_csv(out, path, o, message, sizeof message);
    free(data);
    if (s == NN_OK)
        return 0;
    return fail(1, "%s: %s", from_stdin ? "standard input" : quote_path(path).text,
                message[0] ? message : s == NN_ERR_IO ? strerror(errno) : nn_strerror(s));
}

int load_data_set(const char *path, const char *target_columns, const char *class_column,
                  const nn_t *net, nn_dataset_t **out)
{
    nn_csv_options_t *o = NULL;
    if (target_columns && class_column)
        return fail(EXIT_USAGE, "give --target-columns or --class-column, not both");
    if (nn_csv_options_create(&o) != NN_OK)
        return fail(1, "out of memory");
    int status = 0;
    if (target_columns)
        status = set_target_columns(o, target_columns);
    else if (class_column)
        status = set_class_column(o, class_column);
    else
        nn_csv_options_set_target_count(o, nn_output_count(net));
    if (status == 0)
        status = load(path, o, out);
    nn_csv_options_free(o);
    const size_t n_in = nn_dataset_input_count(*out), n_t = nn_dataset_target_count(*out);
    if (status == 0 && (n_in != nn_input_count(net) || n_t != nn_output_count(net))) {
        status = fail(1, "%s: %zu inputs and %zu targets a row; the network takes %zu and %zu",
                      is_standard_stream(path) ? "standard input" : quote_path(path).text, n_in,
                      n_t, nn_input_count(net), nn_output_count(net));
        nn_dataset_free(*out);
        *out = NULL;
    }
    return status;
}

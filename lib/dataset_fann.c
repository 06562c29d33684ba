/* Loading a data set from FANN's training data format (docs/data.md): a
   line "pairs inputs outputs", then for each pair a line of its inputs and
   a line of its outputs, numbers separated by blanks. Read line by line, so
   that a message names the line and the value ("column") that is wrong. */
#include "data_read.h"
#include "dataset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fann_text {
    const char *data;
    size_t size;
    size_t pos;
    size_t line;     /* the current line, 1-based */
    const char *t;   /* its text, without the end of line */
    size_t n;
    char *message;
    size_t message_size;
};

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Moves to the next line holding more than blanks; 0 at the end. */
static int next_content_line(struct fann_text *f)
{
    while (f->pos < f->size) {
        const char *start = f->data + f->pos;
        const char *newline = memchr(start, '\n', f->size - f->pos);
        const size_t n = newline != NULL ? (size_t)(newline - start) : f->size - f->pos;
        f->pos += n + (newline != NULL);
        f->line++;
        f->t = start;
        f->n = n;
        if (f->line == 1 && n >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
            f->t += 3; /* a UTF-8 byte order mark */
            f->n -= 3;
        }
        for (size_t i = 0; i < f->n; i++)
            if (!is_blank(f->t[i]))
                return 1;
    }
    return 0;
}

/* The next word of the current line from *cursor; 0 at its end. */
static int next_word(const struct fann_text *f, size_t *cursor, const char **t, size_t *n)
{
    while (*cursor < f->n && is_blank(f->t[*cursor]))
        (*cursor)++;
    if (*cursor >= f->n)
        return 0;
    const size_t start = *cursor;
    while (*cursor < f->n && !is_blank(f->t[*cursor]))
        (*cursor)++;
    *t = f->t + start;
    *n = *cursor - start;
    return 1;
}

/* A count: decimal digits only. */
static int read_count(const char *t, size_t n, size_t *value)
{
    size_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9' || v > (SIZE_MAX - 9) / 10)
            return 0;
        v = v * 10 + (size_t)(t[i] - '0');
    }
    *value = v;
    return n > 0;
}

static nn_status read_header(struct fann_text *f, size_t counts[3])
{
    static const char *const what[3] = {"pairs", "inputs", "outputs"};
    if (!next_content_line(f))
        return nn__data_fail(f->message, f->message_size, NN_ERR_FORMAT, 0, 0,
                             "no header line 'pairs inputs outputs'");
    size_t cursor = 0;
    const char *t;
    size_t n;
    for (size_t k = 0; k < 3; k++) {
        if (!next_word(f, &cursor, &t, &n))
            return nn__data_fail(f->message, f->message_size, NN_ERR_FORMAT, f->line, 0,
                                 "the header has %zu numbers, expected 3 (pairs inputs outputs)",
                                 k);
        if (!read_count(t, n, &counts[k]))
            return nn__data_fail(f->message, f->message_size, NN_ERR_FORMAT, f->line, k + 1,
                                 "the number of %s, '%s', is not a whole number", what[k],
                                 nn__quote(t, n).text);
    }
    if (next_word(f, &cursor, &t, &n))
        return nn__data_fail(f->message, f->message_size, NN_ERR_FORMAT, f->line, 4,
                             "'%s' after the three counts of the header", nn__quote(t, n).text);
    if (counts[0] == 0 || counts[1] == 0)
        return nn__data_fail(f->message, f->message_size, NN_ERR_FORMAT, f->line,
                             counts[0] == 0 ? 1 : 2, "the number of %s is 0",
                             what[counts[0] == 0 ? 0 : 1]);
    return NN_OK;
}

/* Reads one line of exactly `count` numbers into values. */
static nn_status read_values(struct fann_text *f, size_t count, double *values, size_t pair,
                             const char *what)
{
    if (!next_content_line(f))
        return nn__data_fail(f->message, f->message_size, NN_ERR_FORMAT, 0, 0,
                             "the text ends after line %zu, before the %s of pair %zu", f->line,
                             what, pair);
    size_t cursor = 0, k = 0;
    const char *t;
    size_t n;
    while (next_word(f, &cursor, &t, &n)) {
        if (k == count)
            return nn__data_fail(f->message, f->message_size, NN_ERR_FORMAT, f->line, k + 1,
                                 "more than the %zu %s of pair %zu", count, what, pair);
        if (!nn__read_number(t, n, &values[k]))
            return nn__data_fail(f->message, f->message_size, NN_ERR_FORMAT, f->line, k + 1,
                                 "'%s' is not a finite number", nn__quote(t, n).text);
        k++;
    }
    if (k < count)
        return nn__data_fail(f->message, f->message_size, NN_ERR_FORMAT, f->line, 0,
                             "%zu %s of pair %zu, expected %zu", k, what, pair, count);
    return NN_OK;
}

static nn_status load(struct fann_text *f, nn_dataset_t **out)
{
    size_t counts[3];
    nn_status status = read_header(f, counts);
    if (status != NN_OK)
        return status;
    const size_t pairs = counts[0], n_in = counts[1], n_out = counts[2];
    /* every value takes two bytes at least: a header promising more than
       the text can hold is refused before anything is allocated */
    if (n_in > SIZE_MAX - n_out || pairs > f->size / (n_in + n_out))
        return nn__data_fail(f->message, f->message_size, NN_ERR_FORMAT, 1, 0,
                             "the header announces %zu pairs of %zu values, more than the text holds",
                             pairs, n_in + n_out);
    nn_dataset_t *data = NULL;
    status = nn__dataset_alloc(&data, pairs, n_in, n_out);
    if (status != NN_OK)
        return nn__data_fail(f->message, f->message_size, status, 0, 0, "%s",
                             nn_strerror(status));
    double *targets = data->owned + pairs * n_in;
    for (size_t p = 0; p < pairs && status == NN_OK; p++) {
        data->source[p] = p;
        status = read_values(f, n_in, data->owned + p * n_in, p + 1, "inputs");
        if (status == NN_OK && n_out > 0)
            status = read_values(f, n_out, targets + p * n_out, p + 1, "outputs");
    }
    if (status == NN_OK && next_content_line(f))
        status = nn__data_fail(f->message, f->message_size, NN_ERR_FORMAT, f->line, 0,
                               "more data after the %zu pairs the header announces", pairs);
    if (status != NN_OK) {
        nn_dataset_free(data);
        return status;
    }
    *out = data;
    return NN_OK;
}

nn_status nn_dataset_load_fann_buffer(nn_dataset_t **out, const char *data, size_t size,
                                      char *message, size_t message_size)
{
    if (message != NULL && message_size > 0)
        message[0] = '\0';
    if (out == NULL || (data == NULL && size > 0))
        return NN_ERR_NULL_ARG;
    struct fann_text f = {data != NULL ? data : "", size, 0, 0, NULL, 0, message, message_size};
    return load(&f, out);
}

nn_status nn_dataset_load_fann(nn_dataset_t **out, const char *path, char *message,
                               size_t message_size)
{
    if (message != NULL && message_size > 0)
        message[0] = '\0';
    if (out == NULL || path == NULL)
        return NN_ERR_NULL_ARG;
    char *data = NULL;
    size_t size = 0;
    nn_status status = nn__read_whole_file(path, &data, &size, message, message_size);
    if (status != NN_OK)
        return status;
    status = nn_dataset_load_fann_buffer(out, data, size, message, message_size);
    free(data);
    return status;
}

/* The CSV reader of the backprop command (see csv.h). It reads the stream
   once, so that data can come from a pipe, and takes its lines whole, so
   that a line of any length (784 inputs and more) is one sample. */
#define _POSIX_C_SOURCE 200809L

#include "csv.h"

#include "quote.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int csv_parse_number(const char *text, double *value)
{
    char *end;
    const double v = strtod(text, &end);
    if (end == text)
        return 0;
    while (*end == ' ' || *end == '\t')
        end++;
    /* errno is not read: strtod sets ERANGE for subnormals, which are
       finite, and an overflow gives an infinity, which isfinite refuses */
    if (*end != '\0' || !isfinite(v))
        return 0;
    *value = v;
    return 1;
}

void csv_free(struct csv_table *table)
{
    free(table->values);
    table->values = NULL;
    table->rows = 0;
    table->columns = 0;
}

static enum csv_status set_error(struct csv_error *error, enum csv_status status, size_t line,
                                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static enum csv_status set_error(struct csv_error *error, enum csv_status status, size_t line,
                                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error->text, sizeof error->text, fmt, ap);
    va_end(ap);
    error->line = line;
    return status;
}

/* The number of comma-separated fields of a line (at least 1). */
static size_t count_fields(const char *line, size_t length)
{
    size_t n = 1;
    for (size_t i = 0; i < length; i++)
        n += line[i] == ',';
    return n;
}

/* Room for one more row of `columns` values. */
static enum csv_status grow(struct csv_table *t, size_t *capacity, struct csv_error *error)
{
    if (t->rows < *capacity)
        return CSV_OK;
    const size_t rows = *capacity ? 2 * *capacity : 64;
    if (rows < *capacity || rows > SIZE_MAX / sizeof(double) / t->columns)
        return set_error(error, CSV_TOO_LARGE, 0, "too many values to hold in memory");
    double *values = realloc(t->values, rows * t->columns * sizeof *values);
    if (values == NULL)
        return set_error(error, CSV_NO_MEMORY, 0, "out of memory");
    t->values = values;
    *capacity = rows;
    return CSV_OK;
}

/* Parses the `columns` fields of `line` (its commas become NULs) into `row`. */
static enum csv_status parse_row(char *line, size_t length, size_t columns, double *row,
                                 size_t line_no, struct csv_error *error)
{
    char *field = line;
    for (size_t i = 0; i < columns; i++) {
        char *comma = memchr(field, ',', length - (size_t)(field - line));
        char *end = comma ? comma : line + length;
        *end = '\0';
        /* a NUL byte inside the field would end strtod's view of it early */
        if (strlen(field) != (size_t)(end - field) || !csv_parse_number(field, &row[i]))
            return set_error(error, CSV_BAD_VALUE, line_no, "value %zu, '%s', is not a finite number",
                             i + 1, quote(field, (size_t)(end - field)).text);
        field = end + 1;
    }
    return CSV_OK;
}

enum csv_status csv_read(FILE *f, size_t columns, struct csv_table *table,
                         struct csv_error *error)
{
    struct csv_table t = {0, columns, NULL};
    size_t capacity = 0, line_no = 0;
    int seen_content = 0;
    char *line = NULL;
    size_t line_size = 0;
    enum csv_status status = CSV_OK;
    memset(table, 0, sizeof *table);
    error->line = 0;
    error->text[0] = '\0';
    while (status == CSV_OK) {
        errno = 0;
        const ssize_t got = getline(&line, &line_size, f);
        if (got < 0)
            break;
        size_t length = (size_t)got;
        char *text = line;
        line_no++;
        if (line_no == 1 && length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
            text += 3; /* a UTF-8 byte order mark */
            length -= 3;
        }
        if (length > 0 && text[length - 1] == '\n')
            length--;
        if (length > 0 && text[length - 1] == '\r')
            length--;
        text[length] = '\0';
        if (length == 0 || text[0] == '#')
            continue;
        const size_t n_fields = count_fields(text, length);
        if (!seen_content) {
            seen_content = 1;
            const size_t first = strcspn(text, ",");
            const char saved = text[first];
            text[first] = '\0';
            double ignored;
            const int numeric = csv_parse_number(text, &ignored);
            text[first] = saved;
            if (!numeric)
                continue; /* a header */
        }
        if (t.columns == 0)
            t.columns = n_fields;
        if (n_fields != t.columns) {
            status = set_error(error, CSV_WIDTH, line_no, "%zu values, expected %zu", n_fields,
                               t.columns);
            break;
        }
        status = grow(&t, &capacity, error);
        if (status == CSV_OK)
            status = parse_row(text, length, t.columns, t.values + t.rows * t.columns, line_no,
                               error);
        if (status == CSV_OK)
            t.rows++;
    }
    /* getline stops at the end, at a read error, or when its line buffer
       cannot grow (ENOMEM without the stream's error flag) */
    if (status == CSV_OK && !feof(f)) {
        const int e = errno;
        if (!ferror(f) && e == ENOMEM)
            status = set_error(error, CSV_NO_MEMORY, 0, "out of memory");
        else
            status = set_error(error, CSV_READ_ERROR, 0, "read error: %s",
                               e ? strerror(e) : "unknown cause");
    }
    free(line);
    if (status == CSV_OK && t.rows == 0)
        status = set_error(error, CSV_EMPTY, 0, "no samples");
    if (status != CSV_OK) {
        csv_free(&t);
        return status;
    }
    *table = t;
    return CSV_OK;
}

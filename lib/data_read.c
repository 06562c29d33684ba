/* The loaders' shared reading (data_read.h). Plain stdio only: no
   system-specific calls, so that the loaders build wherever C does. */
#include "data_read.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

nn_status nn__data_fail(char *message, size_t message_size, nn_status status, size_t line,
                        size_t column, const char *fmt, ...)
{
    if (message == NULL || message_size == 0)
        return status;
    int used = 0;
    if (line > 0 && column > 0)
        used = snprintf(message, message_size, "line %zu, column %zu: ", line, column);
    else if (line > 0)
        used = snprintf(message, message_size, "line %zu: ", line);
    if (used < 0 || (size_t)used >= message_size)
        return status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message + used, message_size - (size_t)used, fmt, ap);
    va_end(ap);
    return status;
}

nn_status nn__read_whole_file(const char *path, char **data, size_t *size, char *message,
                              size_t message_size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return nn__data_fail(message, message_size, NN_ERR_IO, 0, 0, "could not open the file");
    size_t used = 0, capacity = 0;
    char *buf = NULL;
    nn_status status = NN_OK;
    for (;;) {
        if (capacity - used < 2) {
            const size_t grown = capacity ? 2 * capacity : 65536;
            if (grown < capacity) {
                status = nn__data_fail(message, message_size, NN_ERR_TOO_LARGE, 0, 0,
                                       "the file is too large to hold in memory");
                break;
            }
            char *bigger = realloc(buf, grown);
            if (bigger == NULL) {
                status = nn__data_fail(message, message_size, NN_ERR_NO_MEMORY, 0, 0,
                                       "out of memory");
                break;
            }
            buf = bigger;
            capacity = grown;
        }
        const size_t got = fread(buf + used, 1, capacity - used - 1, f);
        used += got;
        if (got == 0)
            break;
    }
    if (status == NN_OK && ferror(f))
        status = nn__data_fail(message, message_size, NN_ERR_IO, 0, 0, "could not read the file");
    fclose(f);
    if (status != NN_OK) {
        free(buf);
        return status;
    }
    buf[used] = '\0';
    *data = buf;
    *size = used;
    return NN_OK;
}

int nn__read_number(const char *t, size_t n, double *value)
{
    while (n > 0 && (*t == ' ' || *t == '\t')) {
        t++;
        n--;
    }
    while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
        n--;
    /* strtod needs a NUL-terminated copy; no number is longer than this, and
       strtod must not skip white space other than the blanks trimmed here */
    char text[NN__NUMBER_MAX + 1];
    if (n == 0 || n > NN__NUMBER_MAX || memchr(t, '\0', n) != NULL ||
        strchr(" \t\n\v\f\r", t[0]) != NULL)
        return 0;
    memcpy(text, t, n);
    text[n] = '\0';
    char *end;
    const double v = strtod(text, &end);
    /* errno is not read: strtod sets ERANGE for subnormals, which are
       finite, and an overflow gives an infinity, which isfinite refuses */
    if (end != text + n || !isfinite(v))
        return 0;
    *value = v;
    return 1;
}

int nn__doubles_push(struct nn__doubles *a, double x)
{
    if (a->n == a->capacity) {
        const size_t grown = a->capacity ? 2 * a->capacity : 256;
        if (grown > SIZE_MAX / sizeof(double))
            return 0;
        double *bigger = realloc(a->values, grown * sizeof(double));
        if (bigger == NULL)
            return 0;
        a->values = bigger;
        a->capacity = grown;
    }
    a->values[a->n++] = x;
    return 1;
}

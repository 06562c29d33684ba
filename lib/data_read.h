/* What the data set loaders (CSV, FANN) share: a whole file read into
   memory with plain stdio, numbers read from text, and "line L, column C:"
   messages in the caller's buffer. Not installed. */
#ifndef BACKPROP_DATA_READ_H
#define BACKPROP_DATA_READ_H

#include "backprop.h"
#include "model_parser.h"

#include <stddef.h>

/* Reads the file at path into a malloc'd buffer (*data, *size; one NUL
   byte after the end). NN_ERR_IO (could not open or read), NN_ERR_NO_MEMORY
   or NN_ERR_TOO_LARGE; the reason is in message. */
nn_status nn__read_whole_file(const char *path, char **data, size_t *size, char *message,
                              size_t message_size);

/* The longest number text read (after the blanks around are trimmed). */
#define NN__NUMBER_MAX 400

/* Reads the n bytes at t, all of them but blanks (spaces, tabs) around, as
   one finite number as strtod reads it (a subnormal such as 1e-320 is
   finite); 1 and *value on success, else 0. */
int nn__read_number(const char *t, size_t n, double *value);

/* Writes "line L, column C: <reason>" (or "line L: " when column is 0, or
   just the reason when line is 0) to the message buffer; returns status. */
nn_status nn__data_fail(char *message, size_t message_size, nn_status status, size_t line,
                        size_t column, const char *fmt, ...) NN__PRINTF(6, 7);

/* A growing array of doubles. */
struct nn__doubles {
    double *values;
    size_t n;
    size_t capacity;
};

/* Appends x; 0 when memory ran out. */
int nn__doubles_push(struct nn__doubles *a, double x);

#endif

/* --history FILE: the training loop's history as CSV, a header of column
   names and one row per epoch. */
#ifndef BACKPROP_TOOLS_HISTORY_H
#define BACKPROP_TOOLS_HISTORY_H

#include <stddef.h>
#include <stdio.h>

/* Writes `n_rows` rows of `n_columns` values (row-major) under the header
   `names`. Numbers are written with 17 significant digits (they read back
   as the same doubles); a value not measured (NaN) is written "nan".
   Returns 0, or -1 when writing failed. */
int history_write_csv(FILE *f, const char *const *names, size_t n_columns, const double *rows,
                      size_t n_rows);

#endif

/* Reading a data set of numbers from a CSV stream.

   The format: one sample a line, values separated by commas. Lines end with
   LF or CRLF; a UTF-8 byte order mark at the start is skipped; empty lines
   and lines starting with '#' are ignored; the first other line is a header
   when its first value is not a number. Values are finite numbers as strtod
   reads them (subnormals included), optionally surrounded by spaces or tabs.
   Every sample has the same number of values. */
#ifndef BACKPROP_TOOLS_CSV_H
#define BACKPROP_TOOLS_CSV_H

#include <stddef.h>
#include <stdio.h>

/* The samples read: `rows` rows of `columns` values each, row-major. */
struct csv_table {
    size_t rows;
    size_t columns;
    double *values; /* malloc'd; release with csv_free() */
};

enum csv_status {
    CSV_OK,
    CSV_NO_MEMORY,  /* an allocation failed */
    CSV_READ_ERROR, /* the stream could not be read */
    CSV_BAD_VALUE,  /* a value is not a finite number */
    CSV_WIDTH,      /* a row has another number of values */
    CSV_EMPTY,      /* no sample at all */
    CSV_TOO_LARGE   /* more values than memory can address */
};

/* Why reading failed: `line` is the 1-based line number (0 when the problem
   is not on one line) and `text` a printable one-line reason in which every
   piece of data is quoted and shortened (see quote.h). */
struct csv_error {
    size_t line;
    char text[160];
};

/* Reads `f` to its end. `columns` is the number of values every row must
   have, or 0 to take it from the first sample. On CSV_OK fills `table`
   (at least one row and one column); on any other status `table` holds no
   memory and `error` says why. */
enum csv_status csv_read(FILE *f, size_t columns, struct csv_table *table,
                         struct csv_error *error);

/* Releases the values of `table` and empties it; an empty table is fine. */
void csv_free(struct csv_table *table);

/* Parses the whole NUL-terminated `text` as one finite number (leading and
   trailing spaces and tabs allowed; a subnormal such as 1e-320 is finite).
   Returns 1 and sets *value, or returns 0. */
int csv_parse_number(const char *text, double *value);

#endif

/* libFuzzer target for the backprop command's CSV reader (tools/csv.c).

   The first byte picks the width asked for (0: taken from the first sample,
   1 to 3: fixed); the rest is the CSV text. A table that is read must hold
   only finite numbers, in rows of the asked width, and written back with
   %.17g must read back to the same bits. A refused input must leave no
   memory and a short message of printable ASCII on a line that exists.
   Any mismatch stops the run with abort(). Build and run with fuzz/run.sh. */
#define _POSIX_C_SOURCE 200809L

#include "csv.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok)
{
    if (!ok)
        abort();
}

/* The table written back as CSV, then read again: the same values. */
static void check_round_trip(const struct csv_table *t)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    check(out != NULL);
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->columns; c++)
            fprintf(out, "%.17g%s", t->values[r * t->columns + c], c + 1 < t->columns ? "," : "\n");
    check(fclose(out) == 0);
    FILE *in = fmemopen(text, size, "r");
    check(in != NULL);
    struct csv_table again;
    struct csv_error e;
    check(csv_read(in, t->columns, &again, &e) == CSV_OK);
    fclose(in);
    check(again.rows == t->rows && again.columns == t->columns);
    check(memcmp(again.values, t->values, t->rows * t->columns * sizeof(double)) == 0);
    csv_free(&again);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0; /* fmemopen needs at least one byte of text */
    const size_t columns = data[0] % 4;
    const char *text = (const char *)data + 1;
    const size_t n = size - 1;
    size_t lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';

    FILE *f = fmemopen((void *)(uintptr_t)text, n, "r");
    check(f != NULL);
    struct csv_table t;
    struct csv_error e;
    const enum csv_status s = csv_read(f, columns, &t, &e);
    fclose(f);
    if (s == CSV_OK) {
        check(t.rows >= 1 && t.columns >= 1 && t.values != NULL);
        check(columns == 0 || t.columns == columns);
        for (size_t i = 0; i < t.rows * t.columns; i++)
            check(isfinite(t.values[i]));
        check_round_trip(&t);
        csv_free(&t);
        check(t.values == NULL && t.rows == 0);
        return 0;
    }
    check(s == CSV_BAD_VALUE || s == CSV_WIDTH || s == CSV_EMPTY || s == CSV_READ_ERROR ||
          s == CSV_NO_MEMORY || s == CSV_TOO_LARGE);
    check(t.values == NULL && t.rows == 0);
    const size_t len = strnlen(e.text, sizeof e.text);
    check(len > 0 && len < sizeof e.text);
    for (size_t i = 0; i < len; i++)
        check(e.text[i] >= 0x20 && e.text[i] < 0x7f);
    check(e.line <= lines);
    check((e.line == 0) == (s == CSV_EMPTY || s == CSV_READ_ERROR || s == CSV_NO_MEMORY ||
                            s == CSV_TOO_LARGE));
    return 0;
}

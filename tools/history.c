/* The history CSV writer of history.h. */
#include "history.h"

#include <math.h>

int history_write_csv(FILE *f, const char *const *names, size_t n_columns, const double *rows,
                      size_t n_rows)
{
    for (size_t j = 0; j < n_columns; j++)
        fprintf(f, "%s%s", j ? "," : "", names[j]);
    fputc('\n', f);
    for (size_t i = 0; i < n_rows; i++) {
        for (size_t j = 0; j < n_columns; j++) {
            const double v = rows[i * n_columns + j];
            if (isnan(v)) /* printf may write "-nan" */
                fprintf(f, "%snan", j ? "," : "");
            else
                fprintf(f, "%s%.17g", j ? "," : "", v);
        }
        fputc('\n', f);
    }
    return fflush(f) != 0 || ferror(f) ? -1 : 0;
}

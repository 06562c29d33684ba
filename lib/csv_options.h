/* The CSV loader's options (nn_csv_options_t): owned by csv_options.c,
   read by dataset_csv.c. Not installed. */
#ifndef BACKPROP_CSV_OPTIONS_H
#define BACKPROP_CSV_OPTIONS_H

#include "backprop.h"

#include <stddef.h>

/* Which columns are targets: the last of the setters called decides. */
enum nn__csv_targets {
    NN__CSV_NO_TARGETS, /* every column is an input */
    NN__CSV_COLUMNS,    /* the listed columns, in the listed order */
    NN__CSV_LAST,       /* the last `target_count` columns */
    NN__CSV_CLASS       /* one column of class labels, one-hot */
};

struct nn_csv_options {
    int header;     /* NN_CSV_HEADER_AUTO, _YES or _NO */
    char delimiter; /* ',' by default */
    enum nn__csv_targets targets;
    size_t *columns; /* NN__CSV_COLUMNS: n_columns 0-based indices, no two equal */
    size_t n_columns;
    size_t target_count; /* NN__CSV_LAST */
    char *class_column;  /* NN__CSV_CLASS: a header name, or a 0-based index in decimal */
};

/* The defaults, for a NULL options argument. */
void nn__csv_options_defaults(struct nn_csv_options *o);

#endif

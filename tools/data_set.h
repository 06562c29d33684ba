/* Reading the data set a command works on with the library's CSV loader:
   which columns are the targets, standard input, and the messages. */
#ifndef BACKPROP_TOOLS_DATA_SET_H
#define BACKPROP_TOOLS_DATA_SET_H

#include <backprop.h>

/* Loads the CSV file at `path` ("-": standard input) into *out, checked
   against `net`'s inputs and outputs. The targets are the columns numbered
   (from 1) in `target_columns` ("3,4"), or the class labels of the column
   `class_column` (its header name, or its number from 1) made one-hot, or,
   with both NULL, the last nn_output_count(net) columns. 0, or the exit
   status with the problem reported. */
int load_data_set(const char *path, const char *target_columns, const char *class_column,
                  const nn_t *net, nn_dataset_t **out);

#endif

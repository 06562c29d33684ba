/* `backprop train` through the library's training loop (nn_trainer_*): a
   data set loaded with the library's CSV loader, a validation split,
   scaling fitted on the training rows, class names, early stopping, the
   progress display, --history and --plot. backprop.c parses the command
   line, looks up the names and hands over the rest as given. */
#ifndef BACKPROP_TOOLS_TRAIN_LOOP_H
#define BACKPROP_TOOLS_TRAIN_LOOP_H

#include "optimizer_options.h"

/* The options of one run, as given on the command line (NULL: not given). */
struct train_request {
    const char *model, *data, *output;
    const char *target_columns, *class_column;
    int loss;  /* an NN_LOSS_ code, or -1 to keep the model's */
    int scale; /* an NN_SCALE_ code */
    const char *rate, *batch, *epochs, *seed, *threads, *clip, *schedule;
    const char *validation, *patience, *min_delta;
    const char *history, *plot;
    int quiet;
    const struct optimizer_options *optimizer;
};

/* Runs the training; the command's exit status. */
int train_loop_run(const struct train_request *r);

#endif

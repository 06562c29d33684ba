/* `backprop train` through the library's training loop (nn_trainer_*): a
   data set loaded with the library's CSV loader, a validation split,
   scaling fitted on the training rows, class names, early stopping, the
   progress display, --history and --plot, chunks, checkpoints and resuming.
   backprop.c (and backprop_mpi.c, for a run over several processes) parses
   the command line, looks up the names and hands over the rest as given. */
#ifndef BACKPROP_TOOLS_TRAIN_LOOP_H
#define BACKPROP_TOOLS_TRAIN_LOOP_H

#include "optimizer_options.h"

/* A run shared by several processes (backprop-mpi), as functions of the
   command that runs it, so that this file needs no transport; NULL in a
   struct train_request for a process alone. Every function is collective:
   every process calls it at the same point, and a function that fails on one
   process reports the reason there (fail()) and still returns normally, so
   that the next agree() stops every process. */
struct train_parallel {
    void *context; /* passed to the functions */
    int leader;    /* 1 for the one process that shows the progress and writes the files */
    /* Makes the options train this process's share of every batch (the
       shard, the chunks and the collectives). 0, or an exit status. */
    int (*configure)(void *context, nn_train_options_t *options);
    /* Gives every process the leader's parameters and scaling, once fitted,
       and checks that every process holds the same rows (validation may be
       NULL). 0, TRAIN_PEER_FAILED (another process failed), or an exit
       status. */
    int (*share)(void *context, nn_t *net, const nn_dataset_t *train,
                 const nn_dataset_t *validation);
    /* Takes this process's exit status so far (0: fine; TRAIN_PEER_FAILED:
       stopped because another failed) and gives the same decision on every
       process: 0 when every process passed 0; else non-zero everywhere, this
       process's own status where it failed, with the failing process and its
       reason reported by the leader. */
    int (*agree)(void *context, int status);
};

/* The status of a process that stopped because another one failed (the
   library's NN_ERR_PEER); agree() turns it into an exit status. */
enum { TRAIN_PEER_FAILED = -1 };

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
    const char *chunks;             /* --chunks C: the batches cut into C chunks */
    const char *checkpoint, *resume; /* the trainer's state, saved every epoch; loaded */
    const struct train_parallel *parallel; /* NULL: this process alone */
};

/* Runs the training; the command's exit status. */
int train_loop_run(const struct train_request *r);

#endif

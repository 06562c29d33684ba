/* The training options handle (nn_train_options_t): plain settings that
   nn_trainer_create() copies. train_options.c owns the struct and checks
   every value as it is set; trainer.c reads the fields. Not installed. */
#ifndef BACKPROP_TRAIN_OPTIONS_H
#define BACKPROP_TRAIN_OPTIONS_H

#include "backprop.h"
#include "optimizer.h"

#include <stddef.h>

struct nn_train_options {
    size_t epochs;
    size_t batch;
    unsigned long seed;
    int shuffle;
    int optimizer;                 /* an NN_OPT_ code */
    double hp[NN_HP_COUNT];        /* values given with set_hyperparameter ... */
    unsigned hp_given;             /* ... bit h set when hp[h] was given */
    double rate;
    int schedule;                  /* an NN_SCHEDULE_ code */
    double schedule_a, schedule_b; /* the two numbers of nn_train_options_set_schedule() */
    double linear_end;             /* the end factor of NN_SCHEDULE_LINEAR */
    double clip;                   /* 0: no clipping */
    double validation_fraction;    /* 0: none */
    int stratify;
    size_t patience;               /* 0: no early stopping */
    double min_delta;
    int restore_best;
    size_t threads;                /* 0: the network's own setting */
    char *order_file;              /* NULL: none */
    nn_epoch_fn epoch_fn;
    void *epoch_context;
    nn_batch_grads_fn batch_fn;
    void *batch_context;
    size_t chunks;                 /* 0: each batch whole */
    size_t shard, shards;          /* this process, of shards (1: alone) */
    nn_collective_sum_fn sum;      /* the collectives: all NULL or none */
    nn_collective_gather_fn gather;
    nn_collective_broadcast_fn broadcast;
    void *collective_context;
};

/* The rate of the epoch (0-based) under the options' schedule. */
nn_status nn__scheduled_rate(const struct nn_train_options *o, size_t epoch, double *rate);

#endif

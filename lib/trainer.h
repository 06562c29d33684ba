/* The trainer (nn_trainer_t): trainer.c runs the loop, trainer_file.c saves
   and loads its state. Not installed. */
#ifndef BACKPROP_TRAINER_H
#define BACKPROP_TRAINER_H

#include "backprop.h"
#include "train_options.h"
#include "trainer_state.h"

struct nn_trainer {
    nn_t *net;
    struct nn_train_options options; /* a copy; order_file is the trainer's own */
    nn_optimizer_t *optimizer;
    nn_rng_t *rng;
    double *grads;                   /* n_params + 2: the array the batch hook sees, then room
                                        for the loss and rows a shard exchanges */
    double *slots;                   /* options.chunks slots of n_params + 1, or NULL */
    struct nn__train_state state;
};

#endif

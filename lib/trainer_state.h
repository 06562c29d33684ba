/* The state of a training loop that a trainer saves and loads
   (nn_trainer_save(), nn_trainer_load()): trainer.c owns it, the model
   file's section `trainer` (section_trainer.c) writes and reads it.
   Not installed. */
#ifndef BACKPROP_TRAINER_STATE_H
#define BACKPROP_TRAINER_STATE_H

#include "backprop.h"
#include "random.h"

#include <stddef.h>
#include <stdint.h>

struct nn__train_state {
    size_t epoch;       /* epochs completed */
    size_t position;    /* rows done in the epoch under way: always 0, stops fall between epochs */
    int finished;       /* the run ended (its epochs, early stopping): another run does nothing */
    size_t best_epoch;  /* the epoch (1-based) of the best score; 0: none yet */
    double best_score;  /* its score (validation loss, or training loss without validation) */
    size_t waited;      /* epochs since the best score (early stopping) */
    struct nn__rng_state rng;
    size_t n_params;
    double *best;       /* n_params: the parameters after epoch best_epoch (at the start: the first ones) */
    size_t n_history;   /* history rows: epoch of them are written */
    double *history;    /* n_history x NN_HISTORY_COLUMNS */
};

#endif

/* The generator's state as plain numbers, for a trainer's file
   (random.c). Not installed. */
#ifndef BACKPROP_RANDOM_H
#define BACKPROP_RANDOM_H

#include "backprop.h"

#include <stddef.h>
#include <stdint.h>

#define NN__RNG_WORDS 624

struct nn__rng_state {
    uint32_t words[NN__RNG_WORDS];
    size_t next; /* 0 .. NN__RNG_WORDS: the next word to temper */
};

void nn__rng_get_state(const nn_rng_t *rng, struct nn__rng_state *state);
/* 0 when the state is not one a generator can be in (next out of range). */
int nn__rng_set_state(nn_rng_t *rng, const struct nn__rng_state *state);

#endif

/* The seeded generator (MT19937) and the initialisation schemes. The state is
   always the caller's: a generator object, or a local one inside
   nn_init_random(). */
#include "internal.h"
#include "bounds.h"
#include "random.h"
#include "versions.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MT_N 624
#define MT_M 397
_Static_assert(MT_N == NN__RNG_WORDS, "random.h holds the whole state");

struct nn_rng {
    uint32_t state[MT_N];
    size_t next;
};

static void mt_seed(struct nn_rng *rng, uint32_t seed)
{
    rng->state[0] = seed;
    for (uint32_t i = 1; i < MT_N; i++) {
        const uint32_t prev = rng->state[i - 1];
        rng->state[i] = 1812433253u * (prev ^ (prev >> 30)) + i;
    }
    rng->next = MT_N;
}

static void mt_refill(struct nn_rng *rng)
{
    uint32_t *s = rng->state;
    for (size_t i = 0; i < MT_N; i++) {
        const uint32_t y = (s[i] & 0x80000000u) | (s[(i + 1) % MT_N] & 0x7fffffffu);
        s[i] = s[(i + MT_M) % MT_N] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    rng->next = 0;
}

static uint32_t mt_next(struct nn_rng *rng)
{
    if (rng->next >= MT_N)
        mt_refill(rng);
    uint32_t y = rng->state[rng->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* 53 random bits: 27 from the first output, 26 from the second. */
static double mt_uniform(struct nn_rng *rng)
{
    const uint32_t a = mt_next(rng) >> 5;
    const uint32_t b = mt_next(rng) >> 6;
    return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

nn_status nn_rng_create(nn_rng_t **out, unsigned long seed)
{
    if (out == NULL)
        return NN_ERR_NULL_ARG;
    *out = malloc(sizeof(struct nn_rng));
    if (*out == NULL)
        return NN_ERR_NO_MEMORY;
    mt_seed(*out, (uint32_t)(seed & 0xffffffffu));
    return NN_OK;
}

void nn_rng_free(nn_rng_t *rng)
{
    free(rng);
}

unsigned long nn_rng_next_u32(nn_rng_t *rng)
{
    return rng ? mt_next(rng) : 0;
}

double nn_rng_uniform(nn_rng_t *rng)
{
    return rng ? mt_uniform(rng) : 0.0;
}

void nn__rng_get_state(const nn_rng_t *rng, struct nn__rng_state *state)
{
    memcpy(state->words, rng->state, sizeof state->words);
    state->next = rng->next;
}

int nn__rng_set_state(nn_rng_t *rng, const struct nn__rng_state *state)
{
    if (state->next > MT_N)
        return 0;
    memcpy(rng->state, state->words, sizeof rng->state);
    rng->next = state->next;
    return 1;
}

nn_status nn_init_random(nn_t *net, unsigned long seed, int scheme, double lo, double hi)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (scheme != NN_INIT_UNIFORM && scheme != NN_INIT_XAVIER && scheme != NN_INIT_HE)
        return NN_ERR_ARGUMENT;
    if (scheme == NN_INIT_UNIFORM && !(isfinite(lo) && isfinite(hi) && lo < hi && isfinite(hi - lo)))
        return NN_ERR_ARGUMENT;
    /* on the stack: about 2.5 KiB, and no allocation that could fail */
    struct nn_rng rng;
    mt_seed(&rng, (uint32_t)(seed & 0xffffffffu));
    for (size_t k = 1; k < net->n_layers; k++) {
        struct nn_layer *l = &net->layers[k];
        const size_t n_weights = l->n_out * l->n_in;
        const size_t n_biases = l->bias_mode == NN_BIAS_SHARED ? 1 : l->n_out;
        double low = lo, high = hi;
        if (scheme != NN_INIT_UNIFORM) {
            const double fan = scheme == NN_INIT_XAVIER ? (double)(l->n_in + l->n_out)
                                                        : (double)l->n_in;
            high = sqrt(6.0 / fan);
            low = -high;
        }
        for (size_t i = 0; i < n_weights; i++)
            l->w[i] = low + (high - low) * mt_uniform(&rng);
        for (size_t j = 0; j < n_biases; j++)
            l->b[j] = scheme == NN_INIT_UNIFORM ? lo + (hi - lo) * mt_uniform(&rng) : 0.0;
    }
    nn__params_replaced(net, 0);
    nn__params_changed(net);
    return NN_OK;
}

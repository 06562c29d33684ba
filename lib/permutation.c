/* Seeded permutations, bit for bit numpy's legacy RandomState.permutation:
   the identity shuffled by Fisher-Yates from the last element down, each
   index j in [0, i] drawn by masked rejection (the smallest all-ones mask
   covering i, applied to 32-bit outputs while i fits in 32 bits, else to
   64-bit values made of two outputs, the first one high). */
#include "backprop.h"

#include <stdint.h>

/* A uniform integer in [0, max]: draws until the masked value is in range. */
static uint64_t bounded(nn_rng_t *rng, uint64_t max)
{
    if (max == 0)
        return 0;
    uint64_t mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    uint64_t value;
    if (max <= 0xffffffffu) {
        do
            value = (uint64_t)nn_rng_next_u32(rng) & mask;
        while (value > max);
    } else {
        do {
            const uint64_t high = (uint64_t)nn_rng_next_u32(rng);
            value = ((high << 32) | (uint64_t)nn_rng_next_u32(rng)) & mask;
        } while (value > max);
    }
    return value;
}

nn_status nn_rng_permutation(nn_rng_t *rng, size_t n, size_t *perm)
{
    if (rng == NULL || (n > 0 && perm == NULL))
        return NN_ERR_NULL_ARG;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i-- > 1;) {
        const size_t j = (size_t)bounded(rng, (uint64_t)i);
        const size_t kept = perm[i];
        perm[i] = perm[j];
        perm[j] = kept;
    }
    return NN_OK;
}

nn_status nn_permutation(unsigned long seed, size_t n, size_t *perm)
{
    if (n > 0 && perm == NULL)
        return NN_ERR_NULL_ARG;
    nn_rng_t *rng = NULL;
    nn_status status = nn_rng_create(&rng, seed);
    if (status != NN_OK)
        return status;
    status = nn_rng_permutation(rng, n, perm);
    nn_rng_free(rng);
    return status;
}

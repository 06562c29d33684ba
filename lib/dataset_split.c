/* Shuffling a data set and splitting it in two, plain or stratified by
   class; the algorithms are written out in docs/data.md, and
   tests/ref/split_ref.py re-implements them with numpy and scikit-learn. */
#include "dataset.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

nn_status nn_dataset_shuffle(nn_dataset_t *data, unsigned long seed)
{
    if (data == NULL)
        return NN_ERR_NULL_ARG;
    size_t *perm = malloc(data->n_rows * sizeof *perm);
    if (perm == NULL)
        return NN_ERR_NO_MEMORY;
    nn_dataset_t *shuffled = NULL;
    nn_status status = nn_permutation(seed, data->n_rows, perm);
    if (status == NN_OK)
        status = nn_dataset_subset(data, perm, data->n_rows, &shuffled);
    free(perm);
    if (status != NN_OK)
        return status;
    /* the handle stays the caller's; the old contents leave with the copy */
    const nn_dataset_t old = *data;
    *data = *shuffled;
    *shuffled = old;
    nn_dataset_free(shuffled);
    return NN_OK;
}

/* A fraction is a share strictly between 0 and 1. */
static int valid_fraction(double fraction)
{
    return isfinite(fraction) && fraction > 0.0 && fraction < 1.0;
}

/* The class of every row for a stratified split, and the number of classes:
   the set's class names if it has them, else its targets must be one-hot
   (each row all 0 but one 1, or a single 0/1 target). */
static nn_status row_classes(const nn_dataset_t *data, size_t *classes, size_t *n_classes)
{
    const size_t nt = data->n_targets;
    if (nt == 0)
        return NN_ERR_ARGUMENT;
    if (data->n_classes == 0) {
        for (size_t i = 0; i < data->n_rows; i++) {
            size_t ones = 0;
            for (size_t j = 0; j < nt; j++) {
                const double t = data->targets[i * nt + j];
                if (t != 0.0 && t != 1.0)
                    return NN_ERR_ARGUMENT;
                ones += t == 1.0;
            }
            if (nt > 1 && ones != 1)
                return NN_ERR_ARGUMENT;
        }
    }
    *n_classes = nt == 1 ? 2 : nt;
    for (size_t i = 0; i < data->n_rows; i++)
        nn_dataset_row_class(data, i, &classes[i]);
    return NN_OK;
}

/* The rows of each part when stratified: per class k in order, the class's
   rows in ascending order permuted by the one generator, the first
   floor(fraction * count + 0.5) held out. held[i] says where row i goes;
   each part then lists its rows in ascending order. */
static nn_status stratified_parts(const nn_dataset_t *data, double fraction, unsigned long seed,
                                  size_t *first, size_t *n_first, size_t *second,
                                  size_t *n_second)
{
    const size_t n = data->n_rows;
    size_t *classes = malloc(n * sizeof *classes);
    size_t *members = malloc(n * sizeof *members);
    size_t *perm = malloc(n * sizeof *perm);
    unsigned char *held = calloc(n, 1);
    nn_rng_t *rng = NULL;
    size_t n_classes = 0;
    nn_status status = NN_ERR_NO_MEMORY;
    if (classes != NULL && members != NULL && perm != NULL && held != NULL)
        status = nn_rng_create(&rng, seed);
    if (status == NN_OK)
        status = row_classes(data, classes, &n_classes);
    for (size_t k = 0; status == NN_OK && k < n_classes; k++) {
        size_t count = 0;
        for (size_t i = 0; i < n; i++)
            if (classes[i] == k)
                members[count++] = i;
        status = nn_rng_permutation(rng, count, perm);
        const size_t n_held = (size_t)floor(fraction * (double)count + 0.5);
        for (size_t r = 0; status == NN_OK && r < n_held; r++)
            held[members[perm[r]]] = 1;
    }
    if (status == NN_OK) {
        *n_first = *n_second = 0;
        for (size_t i = 0; i < n; i++) {
            if (held[i])
                second[(*n_second)++] = i;
            else
                first[(*n_first)++] = i;
        }
    }
    nn_rng_free(rng);
    free(classes);
    free(members);
    free(perm);
    free(held);
    return status;
}

/* The rows of each part when not stratified, as scikit-learn's
   train_test_split(test_size=fraction, random_state=seed, shuffle=True):
   ceil(fraction * n) held out, the permutation's first rows. */
static nn_status plain_parts(const nn_dataset_t *data, double fraction, unsigned long seed,
                             size_t *first, size_t *n_first, size_t *second, size_t *n_second)
{
    const size_t n = data->n_rows;
    const double wanted = ceil(fraction * (double)n);
    if (wanted >= (double)n)
        return NN_ERR_ARGUMENT;
    const size_t n_held = (size_t)wanted;
    size_t *perm = malloc(n * sizeof *perm);
    if (perm == NULL)
        return NN_ERR_NO_MEMORY;
    nn_status status = nn_permutation(seed, n, perm);
    if (status == NN_OK) {
        memcpy(second, perm, n_held * sizeof *perm);
        memcpy(first, perm + n_held, (n - n_held) * sizeof *perm);
        *n_second = n_held;
        *n_first = n - n_held;
    }
    free(perm);
    return status;
}

nn_status nn_dataset_split(const nn_dataset_t *data, double fraction, unsigned long seed,
                           int stratify, nn_dataset_t **first, nn_dataset_t **second)
{
    if (data == NULL || first == NULL || second == NULL)
        return NN_ERR_NULL_ARG;
    if (!valid_fraction(fraction))
        return NN_ERR_ARGUMENT;
    const size_t n = data->n_rows;
    size_t *rows_first = malloc(n * sizeof(size_t));
    size_t *rows_second = malloc(n * sizeof(size_t));
    size_t n_first = 0, n_second = 0;
    nn_status status = NN_ERR_NO_MEMORY;
    if (rows_first != NULL && rows_second != NULL)
        status = stratify ? stratified_parts(data, fraction, seed, rows_first, &n_first,
                                             rows_second, &n_second)
                          : plain_parts(data, fraction, seed, rows_first, &n_first,
                                        rows_second, &n_second);
    if (status == NN_OK && (n_first == 0 || n_second == 0))
        status = NN_ERR_ARGUMENT;
    nn_dataset_t *a = NULL, *b = NULL;
    if (status == NN_OK)
        status = nn_dataset_subset(data, rows_first, n_first, &a);
    if (status == NN_OK)
        status = nn_dataset_subset(data, rows_second, n_second, &b);
    free(rows_first);
    free(rows_second);
    if (status != NN_OK) {
        nn_dataset_free(a);
        return status;
    }
    *first = a;
    *second = b;
    return NN_OK;
}

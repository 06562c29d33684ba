/* Permutations, shuffle, split and rows files: numpy's legacy permutations,
   scikit-learn's train_test_split and the stratified split of docs/data.md,
   all from tests/ref/permutation_ref.h (made by permutation_ref.py), plus
   determinism, proportions and the statuses of bad arguments. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backprop.h"
#include "check.h"
#include "ref/permutation_ref.h"

/* Compares values[0 .. n) with a stored result. */
static void assert_expected(const size_t *values, size_t n, const struct expected *want)
{
    assert_int_equal(n, want->n);
    if (want->whole != NULL)
        for (size_t i = 0; i < n; i++)
            assert_int_equal(values[i], want->whole[i]);
    const size_t edge = n < 5 ? n : 5;
    for (size_t i = 0; i < edge; i++) {
        assert_int_equal(values[i], want->head[i]);
        assert_int_equal(values[n - edge + i], want->tail[i]);
    }
    unsigned long long sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (unsigned long long)(i + 1) * values[i];
    assert_true(sum == want->checksum);
}

static void permutations_match_numpy(void **state)
{
    (void)state;
    size_t *perm = malloc(100000 * sizeof *perm);
    assert_non_null(perm);
    for (size_t c = 0; c < sizeof permutation_cases / sizeof permutation_cases[0]; c++) {
        const struct permutation_case *pc = &permutation_cases[c];
        assert_int_equal(nn_permutation(pc->seed, pc->want.n, perm), NN_OK);
        assert_expected(perm, pc->want.n, &pc->want);
    }
    free(perm);
}

static void one_generator_gives_numpys_sequence(void **state)
{
    (void)state;
    nn_rng_t *rng = NULL;
    assert_int_equal(nn_rng_create(&rng, SEQUENCE_SEED), NN_OK);
    size_t perm[1797];
    for (size_t c = 0; c < sizeof sequence / sizeof sequence[0]; c++) {
        assert_int_equal(nn_rng_permutation(rng, sequence[c].n, perm), NN_OK);
        assert_expected(perm, sequence[c].n, &sequence[c]);
    }
    assert_int_equal(nn_rng_permutation(rng, 0, NULL), NN_OK);
    assert_int_equal(nn_rng_permutation(NULL, 3, perm), NN_ERR_NULL_ARG);
    assert_int_equal(nn_rng_permutation(rng, 3, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_permutation(1, 3, NULL), NN_ERR_NULL_ARG);
    nn_rng_free(rng);
}

/* A set whose input i is i and whose targets are one-hot of the class
   (i * 7 + i / skew) % classes (the reference script's labels); no targets
   when classes is 0. */
static nn_dataset_t *make_set(size_t n, size_t classes, size_t skew)
{
    double *inputs = malloc(n * sizeof *inputs);
    double *targets = classes > 0 ? calloc(n * classes, sizeof *targets) : NULL;
    assert_non_null(inputs);
    for (size_t i = 0; i < n; i++) {
        inputs[i] = (double)i;
        if (classes > 0)
            targets[i * classes + (i * 7 + i / skew) % classes] = 1.0;
    }
    nn_dataset_t *data = NULL;
    assert_int_equal(nn_dataset_create(&data, n, 1, classes, inputs, targets), NN_OK);
    free(inputs);
    free(targets);
    return data;
}

/* The source rows of a part, checked against its inputs (input i is i). */
static size_t *rows_of(const nn_dataset_t *part)
{
    const size_t n = nn_dataset_row_count(part);
    size_t *rows = malloc(n * sizeof *rows);
    assert_non_null(rows);
    assert_int_equal(nn_dataset_source_rows(part, rows, n), NN_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(nn_dataset_inputs(part)[i] == (double)rows[i]);
    return rows;
}

static void split_matches_scikit_learn(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof split_cases / sizeof split_cases[0]; c++) {
        const struct split_case *sc = &split_cases[c];
        nn_dataset_t *data = make_set(sc->n, 0, 1), *first = NULL, *second = NULL;
        assert_int_equal(nn_dataset_split(data, sc->fraction, sc->seed, 0, &first, &second),
                         NN_OK);
        size_t *a = rows_of(first), *b = rows_of(second);
        assert_expected(a, nn_dataset_row_count(first), &sc->first);
        assert_expected(b, nn_dataset_row_count(second), &sc->second);
        free(a);
        free(b);
        nn_dataset_free(first);
        nn_dataset_free(second);
        nn_dataset_free(data);
    }
}

static void stratified_matches_reference_and_keeps_proportions(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof stratified_cases / sizeof stratified_cases[0]; c++) {
        const struct stratified_case *sc = &stratified_cases[c];
        for (int named = 0; named < 2; named++) {
            nn_dataset_t *data = make_set(sc->n, sc->classes, sc->skew), *first = NULL,
                         *second = NULL;
            if (named) {
                const char *names[10] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
                assert_int_equal(nn_dataset_set_class_names(data, sc->classes, names), NN_OK);
            }
            assert_int_equal(nn_dataset_split(data, sc->fraction, sc->seed, 1, &first, &second),
                             NN_OK);
            size_t *a = rows_of(first), *b = rows_of(second);
            assert_expected(a, nn_dataset_row_count(first), &sc->first);
            assert_expected(b, nn_dataset_row_count(second), &sc->second);
            /* each class holds out round-half-up(fraction * its count) rows */
            for (size_t k = 0; k < sc->classes; k++) {
                size_t count = 0, held = 0, row_k = 0;
                for (size_t i = 0; i < sc->n; i++)
                    count += (i * 7 + i / sc->skew) % sc->classes == k;
                for (size_t i = 0; i < nn_dataset_row_count(second); i++) {
                    assert_int_equal(nn_dataset_row_class(second, i, &row_k), NN_OK);
                    held += row_k == k;
                }
                assert_int_equal(held, (size_t)(sc->fraction * (double)count + 0.5));
            }
            assert_int_equal(nn_dataset_class_count(second), named ? sc->classes : 0);
            free(a);
            free(b);
            nn_dataset_free(first);
            nn_dataset_free(second);
            nn_dataset_free(data);
        }
    }
}

static void same_seed_same_split_other_seed_other_split(void **state)
{
    (void)state;
    nn_dataset_t *data = make_set(50, 3, 5);
    nn_dataset_t *a1 = NULL, *b1 = NULL, *a2 = NULL, *b2 = NULL, *a3 = NULL, *b3 = NULL;
    for (int stratify = 0; stratify < 2; stratify++) {
        assert_int_equal(nn_dataset_split(data, 0.3, 11, stratify, &a1, &b1), NN_OK);
        assert_int_equal(nn_dataset_split(data, 0.3, 11, stratify, &a2, &b2), NN_OK);
        assert_int_equal(nn_dataset_split(data, 0.3, 12, stratify, &a3, &b3), NN_OK);
        assert_int_equal(nn_dataset_row_count(b1), nn_dataset_row_count(b2));
        assert_memory_equal(nn_dataset_inputs(b1), nn_dataset_inputs(b2),
                            nn_dataset_row_count(b1) * sizeof(double));
        assert_memory_equal(nn_dataset_targets(a1), nn_dataset_targets(a2),
                            nn_dataset_row_count(a1) * 3 * sizeof(double));
        assert_true(memcmp(nn_dataset_inputs(b1), nn_dataset_inputs(b3),
                           nn_dataset_row_count(b1) * sizeof(double)) != 0);
        nn_dataset_free(a1);
        nn_dataset_free(b1);
        nn_dataset_free(a2);
        nn_dataset_free(b2);
        nn_dataset_free(a3);
        nn_dataset_free(b3);
    }
    nn_dataset_free(data);
}

static void bad_splits_are_refused(void **state)
{
    (void)state;
    nn_dataset_t *data = make_set(10, 2, 100), *inputs_only = make_set(10, 0, 1);
    nn_dataset_t *first = (nn_dataset_t *)(uintptr_t)1, *second = (nn_dataset_t *)(uintptr_t)2;
    const double bad[] = {0.0, 1.0, -0.25, 1.5, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        for (int stratify = 0; stratify < 2; stratify++)
            assert_int_equal(nn_dataset_split(data, bad[i], 1, stratify, &first, &second),
                             NN_ERR_ARGUMENT);
    /* ceil(0.95 * 10) = 10 rows held out: nothing left to train on */
    assert_int_equal(nn_dataset_split(data, 0.95, 1, 0, &first, &second), NN_ERR_ARGUMENT);
    /* two classes of 5: round(0.05 * 5) = 0 each, nothing held out */
    assert_int_equal(nn_dataset_split(data, 0.05, 1, 1, &first, &second), NN_ERR_ARGUMENT);
    assert_int_equal(nn_dataset_split(inputs_only, 0.5, 1, 1, &first, &second),
                     NN_ERR_ARGUMENT);
    const double soft[4] = {0.2, 0.8, 1.0, 0.0};
    const double x[2] = {1, 2};
    nn_dataset_t *not_one_hot = NULL;
    assert_int_equal(nn_dataset_create(&not_one_hot, 2, 1, 2, x, soft), NN_OK);
    assert_int_equal(nn_dataset_split(not_one_hot, 0.5, 1, 1, &first, &second),
                     NN_ERR_ARGUMENT);
    assert_int_equal(nn_dataset_split(NULL, 0.5, 1, 0, &first, &second), NN_ERR_NULL_ARG);
    assert_int_equal(nn_dataset_split(data, 0.5, 1, 0, NULL, &second), NN_ERR_NULL_ARG);
    assert_ptr_equal(first, (nn_dataset_t *)(uintptr_t)1);
    assert_ptr_equal(second, (nn_dataset_t *)(uintptr_t)2);
    nn_dataset_free(not_one_hot);
    nn_dataset_free(data);
    nn_dataset_free(inputs_only);
}

static void shuffle_reorders_a_copy_of_a_borrowed_set(void **state)
{
    (void)state;
    double inputs[17], targets[17 * 2];
    for (size_t i = 0; i < 17; i++) {
        inputs[i] = (double)i;
        targets[2 * i] = (double)(i % 2);
        targets[2 * i + 1] = (double)(1 - i % 2);
    }
    nn_dataset_t *data = NULL;
    assert_int_equal(nn_dataset_wrap(&data, 17, 1, 2, inputs, targets), NN_OK);
    const char *names[2] = {"odd", "even"};
    assert_int_equal(nn_dataset_set_class_names(data, 2, names), NN_OK);
    assert_int_equal(nn_dataset_shuffle(data, 0), NN_OK);
    assert_ptr_not_equal(nn_dataset_inputs(data), inputs);
    for (size_t i = 0; i < 17; i++)
        assert_true(inputs[i] == (double)i);
    size_t rows[17];
    assert_int_equal(nn_dataset_source_rows(data, rows, 17), NN_OK);
    for (size_t i = 0; i < 17; i++) {
        assert_int_equal(rows[i], perm_0_17_whole[i]);
        assert_true(nn_dataset_inputs(data)[i] == (double)perm_0_17_whole[i]);
        assert_true(nn_dataset_targets(data)[2 * i] == (double)(perm_0_17_whole[i] % 2));
    }
    assert_string_equal(nn_dataset_class_name(data, 1), "even");
    /* a second shuffle composes: source rows follow the rows */
    assert_int_equal(nn_dataset_shuffle(data, 1), NN_OK);
    size_t again[17];
    assert_int_equal(nn_dataset_source_rows(data, again, 17), NN_OK);
    for (size_t i = 0; i < 17; i++)
        assert_int_equal(again[i], perm_0_17_whole[perm_1_17_whole[i]]);
    assert_int_equal(nn_dataset_shuffle(NULL, 1), NN_ERR_NULL_ARG);
    nn_dataset_free(data);
}

/* The whole content of a file, NUL-terminated. */
static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *text = calloc(4096, 1);
    assert_non_null(text);
    const size_t got = fread(text, 1, 4095, f);
    text[got] = '\0';
    fclose(f);
    return text;
}

static void rows_file_lines(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "split_rows_%ld.txt", (long)getpid());
    const size_t train[3] = {4, 0, 17}, test[1] = {123456789};
    assert_int_equal(nn_write_rows_file(path, "train", train, 3, 0), NN_OK);
    assert_int_equal(nn_write_rows_file(path, "test", test, 1, 1), NN_OK);
    assert_int_equal(nn_write_rows_file(path, "empty", NULL, 0, 1), NN_OK);
    char *text = read_all(path);
    assert_string_equal(text, "train 4 0 17\ntest 123456789\nempty\n");
    free(text);
    /* refused labels leave the file as it was */
    const char *bad[] = {"", "two words", "tab\there", "line\n", "del\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(nn_write_rows_file(path, bad[i], train, 3, 0), NN_ERR_NAME);
    text = read_all(path);
    assert_string_equal(text, "train 4 0 17\ntest 123456789\nempty\n");
    free(text);
    /* a set's source rows; without append the file starts again */
    nn_dataset_t *data = make_set(6, 2, 1), *first = NULL, *second = NULL;
    assert_int_equal(nn_dataset_split(data, 0.5, 0, 0, &first, &second), NN_OK);
    assert_int_equal(nn_dataset_write_rows(first, path, "train", 0), NN_OK);
    assert_int_equal(nn_dataset_write_rows(second, path, "test", 1), NN_OK);
    size_t a[3], b[3];
    assert_int_equal(nn_dataset_source_rows(first, a, 3), NN_OK);
    assert_int_equal(nn_dataset_source_rows(second, b, 3), NN_OK);
    char want[128];
    snprintf(want, sizeof want, "train %zu %zu %zu\ntest %zu %zu %zu\n", a[0], a[1], a[2], b[0],
             b[1], b[2]);
    text = read_all(path);
    assert_string_equal(text, want);
    free(text);
    assert_int_equal(remove(path), 0);
    assert_int_equal(nn_write_rows_file("no_such_folder/x/rows.txt", "train", train, 3, 0),
                     NN_ERR_IO);
    assert_int_equal(nn_write_rows_file(NULL, "train", train, 3, 0), NN_ERR_NULL_ARG);
    assert_int_equal(nn_write_rows_file(path, "train", NULL, 3, 0), NN_ERR_NULL_ARG);
    nn_dataset_free(first);
    nn_dataset_free(second);
    nn_dataset_free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(permutations_match_numpy),
        cmocka_unit_test(one_generator_gives_numpys_sequence),
        cmocka_unit_test(split_matches_scikit_learn),
        cmocka_unit_test(stratified_matches_reference_and_keeps_proportions),
        cmocka_unit_test(same_seed_same_split_other_seed_other_split),
        cmocka_unit_test(bad_splits_are_refused),
        cmocka_unit_test(shuffle_reorders_a_copy_of_a_borrowed_set),
        cmocka_unit_test(rows_file_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The data set handle: copies and borrows, sizes, subsets and their source
   rows, class names, a row's class, and the statuses of bad arguments (each
   leaving the set as it was). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backprop.h"
#include "check.h"

static const double inputs[4 * 2] = {0, 1, 2, 3, 4, 5, 6, 7};
static const double targets[4 * 3] = {1, 0, 0, 0, 0, 1, 0, 1, 0, 0.2, 0.7, 0.7};

static void copy_is_independent_and_wrap_borrows(void **state)
{
    (void)state;
    double in[8], tg[12];
    memcpy(in, inputs, sizeof in);
    memcpy(tg, targets, sizeof tg);
    nn_dataset_t *copy = NULL, *borrowed = NULL;
    assert_int_equal(nn_dataset_create(&copy, 4, 2, 3, in, tg), NN_OK);
    assert_int_equal(nn_dataset_wrap(&borrowed, 4, 2, 3, in, tg), NN_OK);
    assert_int_equal(nn_dataset_row_count(copy), 4);
    assert_int_equal(nn_dataset_input_count(copy), 2);
    assert_int_equal(nn_dataset_target_count(copy), 3);
    assert_ptr_equal(nn_dataset_inputs(borrowed), in);
    assert_ptr_equal(nn_dataset_targets(borrowed), tg);
    assert_ptr_not_equal(nn_dataset_inputs(copy), in);
    in[5] = 50.0;
    assert_true(nn_dataset_inputs(copy)[5] == 5.0);
    assert_true(nn_dataset_inputs(borrowed)[5] == 50.0);
    assert_memory_equal(nn_dataset_targets(copy), targets, sizeof targets);
    nn_dataset_free(copy);
    nn_dataset_free(borrowed);
    nn_dataset_free(NULL);
    assert_int_equal(nn_dataset_row_count(NULL), 0);
    assert_null(nn_dataset_inputs(NULL));
}

static void inputs_only_set(void **state)
{
    (void)state;
    nn_dataset_t *data = NULL;
    assert_int_equal(nn_dataset_create(&data, 4, 2, 0, inputs, NULL), NN_OK);
    assert_int_equal(nn_dataset_target_count(data), 0);
    assert_null(nn_dataset_targets(data));
    size_t k = 7;
    assert_int_equal(nn_dataset_row_class(data, 0, &k), NN_ERR_ARGUMENT);
    assert_int_equal(k, 7);
    nn_dataset_free(data);
}

static void bad_arguments(void **state)
{
    (void)state;
    nn_dataset_t *data = (nn_dataset_t *)(uintptr_t)1;
    assert_int_equal(nn_dataset_create(NULL, 4, 2, 3, inputs, targets), NN_ERR_NULL_ARG);
    assert_int_equal(nn_dataset_create(&data, 4, 2, 3, NULL, targets), NN_ERR_NULL_ARG);
    assert_int_equal(nn_dataset_create(&data, 4, 2, 3, inputs, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_dataset_create(&data, 0, 2, 3, inputs, targets), NN_ERR_ZERO_SIZE);
    assert_int_equal(nn_dataset_wrap(&data, 4, 0, 3, inputs, targets), NN_ERR_ZERO_SIZE);
    assert_int_equal(nn_dataset_create(&data, SIZE_MAX / 2, 2, 3, inputs, targets),
                     NN_ERR_TOO_LARGE);
    double bad[8];
    memcpy(bad, inputs, sizeof bad);
    bad[3] = NAN;
    assert_int_equal(nn_dataset_create(&data, 4, 2, 3, bad, targets), NN_ERR_NOT_FINITE);
    bad[3] = -INFINITY;
    assert_int_equal(nn_dataset_wrap(&data, 4, 2, 3, bad, targets), NN_ERR_NOT_FINITE);
    assert_ptr_equal(data, (nn_dataset_t *)(uintptr_t)1);
}

static void subset_copies_rows_and_remembers_sources(void **state)
{
    (void)state;
    nn_dataset_t *data = NULL, *sub = NULL, *subsub = NULL;
    assert_int_equal(nn_dataset_create(&data, 4, 2, 3, inputs, targets), NN_OK);
    const size_t rows[3] = {3, 1, 3};
    assert_int_equal(nn_dataset_subset(data, rows, 3, &sub), NN_OK);
    const double want_in[6] = {6, 7, 2, 3, 6, 7};
    const double want_tg[9] = {0.2, 0.7, 0.7, 0, 0, 1, 0.2, 0.7, 0.7};
    assert_memory_equal(nn_dataset_inputs(sub), want_in, sizeof want_in);
    assert_memory_equal(nn_dataset_targets(sub), want_tg, sizeof want_tg);
    const size_t pick[2] = {2, 1};
    assert_int_equal(nn_dataset_subset(sub, pick, 2, &subsub), NN_OK);
    size_t source[2] = {0, 0};
    assert_int_equal(nn_dataset_source_rows(subsub, source, 2), NN_OK);
    assert_int_equal(source[0], 3);
    assert_int_equal(source[1], 1);
    size_t original[4];
    assert_int_equal(nn_dataset_source_rows(data, original, 4), NN_OK);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(original[i], i);
    assert_int_equal(nn_dataset_source_rows(data, original, 3), NN_ERR_COUNT);

    nn_dataset_t *untouched = (nn_dataset_t *)(uintptr_t)1;
    const size_t out_of_range[2] = {0, 4};
    assert_int_equal(nn_dataset_subset(data, out_of_range, 2, &untouched), NN_ERR_ARGUMENT);
    assert_int_equal(nn_dataset_subset(data, rows, 0, &untouched), NN_ERR_ZERO_SIZE);
    assert_int_equal(nn_dataset_subset(data, NULL, 1, &untouched), NN_ERR_NULL_ARG);
    assert_ptr_equal(untouched, (nn_dataset_t *)(uintptr_t)1);
    nn_dataset_free(subsub);
    nn_dataset_free(sub);
    nn_dataset_free(data);
}

static void class_names_and_row_classes(void **state)
{
    (void)state;
    nn_dataset_t *data = NULL, *sub = NULL;
    assert_int_equal(nn_dataset_create(&data, 4, 2, 3, inputs, targets), NN_OK);
    assert_int_equal(nn_dataset_class_count(data), 0);
    const char *names[3] = {"setosa", "versi color", "virginica"};
    const char *two[2] = {"a", "b"};
    const char *repeated[3] = {"a", "b", "a"};
    const char *empty[3] = {"a", "", "c"};
    const char *broken[3] = {"a", "b\nc", "d"};
    assert_int_equal(nn_dataset_set_class_names(data, 2, two), NN_ERR_COUNT);
    assert_int_equal(nn_dataset_set_class_names(data, 3, repeated), NN_ERR_NAME);
    assert_int_equal(nn_dataset_set_class_names(data, 3, empty), NN_ERR_NAME);
    assert_int_equal(nn_dataset_set_class_names(data, 3, broken), NN_ERR_NAME);
    assert_int_equal(nn_dataset_set_class_names(data, 3, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_dataset_class_count(data), 0);
    assert_int_equal(nn_dataset_set_class_names(data, 3, names), NN_OK);
    assert_int_equal(nn_dataset_class_count(data), 3);
    assert_string_equal(nn_dataset_class_name(data, 1), "versi color");
    assert_null(nn_dataset_class_name(data, 3));
    const size_t rows[1] = {2};
    assert_int_equal(nn_dataset_subset(data, rows, 1, &sub), NN_OK);
    assert_string_equal(nn_dataset_class_name(sub, 2), "virginica");

    const size_t want[4] = {0, 2, 1, 1}; /* the last row ties: the first maximum */
    for (size_t i = 0; i < 4; i++) {
        size_t k = 9;
        assert_int_equal(nn_dataset_row_class(data, i, &k), NN_OK);
        assert_int_equal(k, want[i]);
    }
    size_t k = 9;
    assert_int_equal(nn_dataset_row_class(data, 4, &k), NN_ERR_ARGUMENT);
    assert_int_equal(nn_dataset_set_class_names(data, 0, NULL), NN_OK);
    assert_int_equal(nn_dataset_class_count(data), 0);
    nn_dataset_free(sub);
    nn_dataset_free(data);

    const double binary[3] = {0.0, 0.5, 0.49};
    assert_int_equal(nn_dataset_create(&data, 3, 1, 1, binary, binary), NN_OK);
    assert_int_equal(nn_dataset_set_class_names(data, 2, two), NN_OK);
    const size_t want_binary[3] = {0, 1, 0};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(nn_dataset_row_class(data, i, &k), NN_OK);
        assert_int_equal(k, want_binary[i]);
    }
    nn_dataset_free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copy_is_independent_and_wrap_borrows),
        cmocka_unit_test(inputs_only_set),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(subset_copies_rows_and_remembers_sources),
        cmocka_unit_test(class_names_and_row_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

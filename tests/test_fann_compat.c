/* FANN's own files: a file written by fann_save_train loads with the values
   FANN wrote, and a file written by nn_dataset_save_fann reads in FANN
   (double build) with every bit. Built only where Meson finds libdoublefann;
   the default suite does not need it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <doublefann.h>

#include "backprop.h"
#include "check.h"

enum { PAIRS = 5, IN = 3, OUT = 2 };

/* Values that FANN's six decimals write exactly. */
static double value(size_t i)
{
    return ((double)(i * 37 % 23) - 11.0) * 0.125;
}

static void fann_file_loads(void **state)
{
    (void)state;
    struct fann_train_data *fd = fann_create_train(PAIRS, IN, OUT);
    assert_non_null(fd);
    for (size_t p = 0; p < PAIRS; p++) {
        for (size_t j = 0; j < IN; j++)
            fd->input[p][j] = value(p * IN + j);
        for (size_t j = 0; j < OUT; j++)
            fd->output[p][j] = value(100 + p * OUT + j);
    }
    char path[64], message[200];
    snprintf(path, sizeof path, "fann_compat_%ld.data", (long)getpid());
    assert_int_equal(fann_save_train(fd, path), 0);
    fann_destroy_train(fd);
    nn_dataset_t *d = NULL;
    assert_int_equal(nn_dataset_load_fann(&d, path, message, sizeof message), NN_OK);
    assert_int_equal(nn_dataset_row_count(d), PAIRS);
    assert_int_equal(nn_dataset_input_count(d), IN);
    assert_int_equal(nn_dataset_target_count(d), OUT);
    for (size_t i = 0; i < PAIRS * IN; i++)
        assert_true(nn_dataset_inputs(d)[i] == value(i));
    for (size_t i = 0; i < PAIRS * OUT; i++)
        assert_true(nn_dataset_targets(d)[i] == value(100 + i));
    assert_int_equal(remove(path), 0);
    nn_dataset_free(d);
}

static void saved_file_reads_in_fann(void **state)
{
    (void)state;
    double inputs[PAIRS * IN], targets[PAIRS * OUT];
    for (size_t i = 0; i < PAIRS * IN; i++)
        inputs[i] = 1.0 / (double)(i + 3) - 0.1;
    for (size_t i = 0; i < PAIRS * OUT; i++)
        targets[i] = (double)i / 7.0;
    nn_dataset_t *d = NULL;
    assert_int_equal(nn_dataset_create(&d, PAIRS, IN, OUT, inputs, targets), NN_OK);
    char path[64];
    snprintf(path, sizeof path, "fann_compat_saved_%ld.data", (long)getpid());
    assert_int_equal(nn_dataset_save_fann(d, path), NN_OK);
    struct fann_train_data *fd = fann_read_train_from_file(path);
    assert_non_null(fd);
    assert_int_equal(fann_length_train_data(fd), PAIRS);
    assert_int_equal(fann_num_input_train_data(fd), IN);
    assert_int_equal(fann_num_output_train_data(fd), OUT);
    for (size_t p = 0; p < PAIRS; p++) {
        for (size_t j = 0; j < IN; j++)
            assert_true(fd->input[p][j] == inputs[p * IN + j]);
        for (size_t j = 0; j < OUT; j++)
            assert_true(fd->output[p][j] == targets[p * OUT + j]);
    }
    fann_destroy_train(fd);
    assert_int_equal(remove(path), 0);
    nn_dataset_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fann_file_loads),
        cmocka_unit_test(saved_file_reads_in_fann),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

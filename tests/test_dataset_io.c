/* Data set files: CSV and FANN loading (header rule, target columns, class
   labels, the reader's hardening), each malformed input refused with its
   line and column and nothing made, and save-then-load giving back every
   bit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backprop.h"
#include "check.h"

#define UNTOUCHED ((nn_dataset_t *)(uintptr_t)1)

static nn_dataset_t *load_csv(const char *text, const nn_csv_options_t *o)
{
    nn_dataset_t *data = NULL;
    char message[200];
    const nn_status s = nn_dataset_load_csv_buffer(&data, text, strlen(text), o, message,
                                                   sizeof message);
    if (s != NN_OK)
        print_error("status %d: %s\n", (int)s, message);
    assert_int_equal(s, NN_OK);
    assert_string_equal(message, "");
    return data;
}

static void assert_values(const double *got, const double *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_true(got[i] == want[i]);
}

static void csv_header_rule_and_target_columns(void **state)
{
    (void)state;
    nn_csv_options_t *o = NULL;
    assert_int_equal(nn_csv_options_create(&o), NN_OK);
    /* auto: a header when any field is not a number; the default: inputs only */
    nn_dataset_t *d = load_csv("a,b,c\n1,2,3\n4,5,6\n", NULL);
    assert_int_equal(nn_dataset_row_count(d), 2);
    assert_int_equal(nn_dataset_input_count(d), 3);
    assert_int_equal(nn_dataset_target_count(d), 0);
    nn_dataset_free(d);
    d = load_csv("1,2,3\n4,5,6\n", NULL);
    assert_int_equal(nn_dataset_row_count(d), 2);
    nn_dataset_free(d);
    d = load_csv("1,x2,3\n4,5,6\n", NULL);
    assert_int_equal(nn_dataset_row_count(d), 1);
    nn_dataset_free(d);
    /* yes: a numeric first line is a header all the same */
    assert_int_equal(nn_csv_options_set_header(o, NN_CSV_HEADER_YES), NN_OK);
    d = load_csv("1,2,3\n4,5,6\n", o);
    assert_int_equal(nn_dataset_row_count(d), 1);
    assert_values(nn_dataset_inputs(d), (const double[]){4, 5, 6}, 3);
    nn_dataset_free(d);
    assert_int_equal(nn_csv_options_set_header(o, 3), NN_ERR_ARGUMENT);
    /* the last n columns */
    assert_int_equal(nn_csv_options_set_header(o, NN_CSV_HEADER_AUTO), NN_OK);
    assert_int_equal(nn_csv_options_set_target_count(o, 2), NN_OK);
    d = load_csv("1,2,3,4\n5,6,7,8\n", o);
    assert_int_equal(nn_dataset_input_count(d), 2);
    assert_values(nn_dataset_inputs(d), (const double[]){1, 2, 5, 6}, 4);
    assert_values(nn_dataset_targets(d), (const double[]){3, 4, 7, 8}, 4);
    nn_dataset_free(d);
    /* columns by index: targets in the order given, inputs in file order */
    const size_t columns[2] = {3, 0};
    assert_int_equal(nn_csv_options_set_target_columns(o, columns, 2), NN_OK);
    d = load_csv("1,2,3,4\n5,6,7,8\n", o);
    assert_values(nn_dataset_inputs(d), (const double[]){2, 3, 6, 7}, 4);
    assert_values(nn_dataset_targets(d), (const double[]){4, 1, 8, 5}, 4);
    nn_dataset_free(d);
    const size_t twice[2] = {1, 1};
    assert_int_equal(nn_csv_options_set_target_columns(o, twice, 2), NN_ERR_ARGUMENT);
    /* another delimiter */
    assert_int_equal(nn_csv_options_set_delimiter(o, ';'), NN_OK);
    d = load_csv("1;2;3;4\n", o);
    assert_values(nn_dataset_targets(d), (const double[]){4, 1}, 2);
    nn_dataset_free(d);
    assert_int_equal(nn_csv_options_set_delimiter(o, '.'), NN_ERR_ARGUMENT);
    assert_int_equal(nn_csv_options_set_delimiter(o, '\n'), NN_ERR_ARGUMENT);
    assert_int_equal(nn_csv_options_set_delimiter(o, '5'), NN_ERR_ARGUMENT);
    assert_int_equal(nn_csv_options_set_class_column(o, ""), NN_ERR_ARGUMENT);
    assert_int_equal(nn_csv_options_create(NULL), NN_ERR_NULL_ARG);
    nn_csv_options_free(o);
    nn_csv_options_free(NULL);
}

static void csv_class_column_one_hot_in_numpy_unique_order(void **state)
{
    (void)state;
    nn_csv_options_t *o = NULL;
    assert_int_equal(nn_csv_options_create(&o), NN_OK);
    assert_int_equal(nn_csv_options_set_class_column(o, "species"), NN_OK);
    nn_dataset_t *d = load_csv("x,species,y\n1,virginica,2\n3,setosa,4\n5,versicolor,6\n"
                               "7,setosa,8\n", o);
    assert_int_equal(nn_dataset_input_count(d), 2);
    assert_int_equal(nn_dataset_target_count(d), 3);
    assert_int_equal(nn_dataset_class_count(d), 3);
    assert_string_equal(nn_dataset_class_name(d, 0), "setosa");
    assert_string_equal(nn_dataset_class_name(d, 1), "versicolor");
    assert_string_equal(nn_dataset_class_name(d, 2), "virginica");
    assert_values(nn_dataset_inputs(d), (const double[]){1, 2, 3, 4, 5, 6, 7, 8}, 8);
    assert_values(nn_dataset_targets(d), (const double[]){0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0}, 12);
    nn_dataset_free(d);
    /* labels that are all numbers sort by value; by index, no header needed */
    assert_int_equal(nn_csv_options_set_class_column(o, "0"), NN_OK);
    d = load_csv("10,1\n9,2\n2,3\n9.0,4\n", o);
    assert_int_equal(nn_dataset_class_count(d), 4);
    assert_string_equal(nn_dataset_class_name(d, 0), "2");
    assert_string_equal(nn_dataset_class_name(d, 1), "9");
    assert_string_equal(nn_dataset_class_name(d, 2), "9.0");
    assert_string_equal(nn_dataset_class_name(d, 3), "10");
    size_t k = 9;
    assert_int_equal(nn_dataset_row_class(d, 0, &k), NN_OK);
    assert_int_equal(k, 3);
    nn_dataset_free(d);
    /* a mix of numbers and words sorts by bytes: "10" < "9" < "a" */
    d = load_csv("9,1\n10,2\na,3\n", o);
    assert_string_equal(nn_dataset_class_name(d, 0), "10");
    assert_string_equal(nn_dataset_class_name(d, 1), "9");
    assert_string_equal(nn_dataset_class_name(d, 2), "a");
    nn_dataset_free(d);
    nn_csv_options_free(o);
}

static void csv_reader_hardening(void **state)
{
    (void)state;
    nn_csv_options_t *o = NULL;
    assert_int_equal(nn_csv_options_create(&o), NN_OK);
    assert_int_equal(nn_csv_options_set_target_count(o, 1), NN_OK);
    /* byte order mark, CRLF, blank and comment lines, blanks, a subnormal,
       no newline at the end */
    nn_dataset_t *d = load_csv("\xEF\xBB\xBFin,out\r\n\r\n# note\n 1e-320 ,\t-2\r\n\n3,4", o);
    assert_int_equal(nn_dataset_row_count(d), 2);
    assert_true(nn_dataset_inputs(d)[0] == 1e-320);
    assert_values(nn_dataset_targets(d), (const double[]){-2, 4}, 2);
    nn_dataset_free(d);
    /* a line of 5000 values */
    const size_t width = 5000;
    char *line = malloc(width * 8 + 2);
    assert_non_null(line);
    size_t used = 0;
    for (size_t i = 0; i < width; i++)
        used += (size_t)sprintf(line + used, "%s%zu", i ? "," : "", i);
    strcpy(line + used, "\n");
    d = load_csv(line, o);
    assert_int_equal(nn_dataset_input_count(d), width - 1);
    assert_true(nn_dataset_targets(d)[0] == (double)(width - 1));
    nn_dataset_free(d);
    free(line);
    nn_csv_options_free(o);
}

struct malformed {
    const char *text;
    size_t size; /* 0: strlen(text) */
    const char *class_column;
    size_t target_count;
    int header;
    nn_status status;
    const char *message;
};

static const struct malformed csv_cases[] = {
    {"1,2\n3,abc\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 2, column 2: 'abc' is not a finite number"},
    {"1,2\n3,nan\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 2, column 2: 'nan' is not a finite number"},
    {"1,2\n1,-inf\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 2, column 2: '-inf' is not a finite number"},
    {"a,b\n1e999,2\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 2, column 1: '1e999' is not a finite number"},
    {"1,,2\n", 0, NULL, 0, NN_CSV_HEADER_NO, NN_ERR_FORMAT, "line 1, column 2: '' is not a finite number"},
    {"1,2 3\n", 0, NULL, 0, NN_CSV_HEADER_NO, NN_ERR_FORMAT, "line 1, column 2: '2 3' is not a finite number"},
    {"1,2\n\n3\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 3: 1 fields, but the first line has 2"},
    {"1,2\n3,4,5\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 2: 3 fields, but the first line has 2"},
    {"", 0, NULL, 0, 0, NN_ERR_FORMAT, "no data rows"},
    {"# only a comment\n\na,b\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "no data rows"},
    {"1,2\n3,\0\n", 7, NULL, 0, 0, NN_ERR_FORMAT, "line 2, column 2: '?' is not a finite number"},
    {"1,\x1b[31mred\n", 0, NULL, 0, NN_CSV_HEADER_NO, NN_ERR_FORMAT, "line 1, column 2: '?[31mred' is not a finite number"},
    {"1,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 0, NULL, 0, NN_CSV_HEADER_NO, NN_ERR_FORMAT,
     "line 1, column 2: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is not a finite number"},
    {"1,2\n", 0, NULL, 2, 0, NN_ERR_FORMAT, "line 1: 2 target columns of 2 leave no input column"},
    {"a,b,c\n1,2,x\n", 0, "zzz", 0, 0, NN_ERR_FORMAT, "line 1: no column is named 'zzz'"},
    {"1,2,x\n", 0, "c", 0, NN_CSV_HEADER_NO, NN_ERR_FORMAT,
     "the class column 'c' is a name, but there is no header line"},
    {"1,2,x\n", 0, "7", 0, 0, NN_ERR_FORMAT,
     "line 1: column 7 (0-based) was chosen, but the lines have 3 columns"},
    {"a,b,c\n1,2,x\n3,4,\n", 0, "c", 0, 0, NN_ERR_FORMAT, "line 3, column 3: the class label is empty"},
    {"a,b,c\n1,2,x\n3,4,x\n", 0, "c", 0, 0, NN_ERR_FORMAT, "the class column holds one class only ('x')"},
    {"a,b,c\n1,2,x\n3,4,y\x01z\n", 0, "c", 0, 0, NN_ERR_FORMAT,
     "line 3, column 3: the class label 'y?z' holds a control character"},
    {"a,b,c\n1,2,x\n3,4,y\0z\n", 19, "c", 0, 0, NN_ERR_FORMAT,
     "line 3, column 3: the class label 'y?z' holds a control character"},
    {"a,c\nx,1\ny,2\n", 0, "c", 0, 0, NN_ERR_FORMAT, "line 2, column 1: 'x' is not a finite number"},
};

static void csv_malformed_refused_with_line_and_column(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof csv_cases / sizeof csv_cases[0]; c++) {
        const struct malformed *m = &csv_cases[c];
        nn_csv_options_t *o = NULL;
        assert_int_equal(nn_csv_options_create(&o), NN_OK);
        if (m->class_column != NULL)
            assert_int_equal(nn_csv_options_set_class_column(o, m->class_column), NN_OK);
        if (m->target_count > 0)
            assert_int_equal(nn_csv_options_set_target_count(o, m->target_count), NN_OK);
        assert_int_equal(nn_csv_options_set_header(o, m->header), NN_OK);
        nn_dataset_t *d = UNTOUCHED;
        char message[200];
        const size_t size = m->size ? m->size : strlen(m->text);
        assert_int_equal(nn_dataset_load_csv_buffer(&d, m->text, size, o, message, sizeof message),
                         m->status);
        assert_string_equal(message, m->message);
        assert_ptr_equal(d, UNTOUCHED);
        /* a small buffer gets the start of the message; none is fine too */
        char small[8];
        assert_int_equal(nn_dataset_load_csv_buffer(&d, m->text, size, o, small, sizeof small),
                         m->status);
        assert_int_equal(strlen(small), strlen(m->message) < 7 ? strlen(m->message) : 7);
        assert_int_equal(nn_dataset_load_csv_buffer(&d, m->text, size, o, NULL, 0), m->status);
        assert_ptr_equal(d, UNTOUCHED);
        nn_csv_options_free(o);
    }
    nn_dataset_t *d = UNTOUCHED;
    char message[200];
    assert_int_equal(nn_dataset_load_csv(&d, "no_such_dir/data.csv", NULL, message, sizeof message),
                     NN_ERR_IO);
    assert_string_equal(message, "could not open the file");
    assert_int_equal(nn_dataset_load_fann(&d, "no_such_dir/data.fann", message, sizeof message),
                     NN_ERR_IO);
    assert_int_equal(nn_dataset_load_csv_buffer(NULL, "1\n", 2, NULL, NULL, 0), NN_ERR_NULL_ARG);
    assert_int_equal(nn_dataset_load_csv_buffer(&d, NULL, 2, NULL, NULL, 0), NN_ERR_NULL_ARG);
    assert_int_equal(nn_dataset_load_csv(&d, NULL, NULL, NULL, 0), NN_ERR_NULL_ARG);
    assert_ptr_equal(d, UNTOUCHED);
}

static void fann_loads_pairs(void **state)
{
    (void)state;
    const char *text = "3 2 1\n0 0 \n0 \n0.100000 -0.000010 \n1 \n\n  2.5\t-1e-320\r\n-3\n";
    nn_dataset_t *d = NULL;
    char message[200];
    assert_int_equal(nn_dataset_load_fann_buffer(&d, text, strlen(text), message, sizeof message),
                     NN_OK);
    assert_int_equal(nn_dataset_row_count(d), 3);
    assert_int_equal(nn_dataset_input_count(d), 2);
    assert_int_equal(nn_dataset_target_count(d), 1);
    assert_values(nn_dataset_inputs(d), (const double[]){0, 0, 0.1, -0.00001, 2.5, -1e-320}, 6);
    assert_values(nn_dataset_targets(d), (const double[]){0, 1, -3}, 3);
    nn_dataset_free(d);
    /* no outputs: input lines only */
    assert_int_equal(nn_dataset_load_fann_buffer(&d, "2 1 0\n1\n2\n", 10, message, sizeof message),
                     NN_OK);
    assert_int_equal(nn_dataset_target_count(d), 0);
    nn_dataset_free(d);
}

static const struct malformed fann_cases[] = {
    {"", 0, NULL, 0, 0, NN_ERR_FORMAT, "no header line 'pairs inputs outputs'"},
    {"\n \n", 0, NULL, 0, 0, NN_ERR_FORMAT, "no header line 'pairs inputs outputs'"},
    {"2 1\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 1: the header has 2 numbers, expected 3 (pairs inputs outputs)"},
    {"2 x 1\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 1, column 2: the number of inputs, 'x', is not a whole number"},
    {"2 -1 1\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 1, column 2: the number of inputs, '-1', is not a whole number"},
    {"1 1 1 1\n1\n1\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 1, column 4: '1' after the three counts of the header"},
    {"0 1 1\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 1, column 1: the number of pairs is 0"},
    {"1 0 1\n\n1\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 1, column 2: the number of inputs is 0"},
    {"99999999999 99999999 1\n", 0, NULL, 0, 0, NN_ERR_FORMAT,
     "line 1: the header announces 99999999999 pairs of 100000000 values, more than the text holds"},
    {"99999999999999999999999 1 1\n", 0, NULL, 0, 0, NN_ERR_FORMAT,
     "line 1, column 1: the number of pairs, '99999999999999999999999', is not a whole number"},
    {"1 2 1\n1 abc\n1\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 2, column 2: 'abc' is not a finite number"},
    {"1 2 1\n1 2\ninf\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 3, column 1: 'inf' is not a finite number"},
    {"1 2 1\n1\n1\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 2: 1 inputs of pair 1, expected 2"},
    {"1 2 1\n1 2 3\n1\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 2, column 3: more than the 2 inputs of pair 1"},
    {"2 1 1\n1\n1\n2\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "the text ends after line 4, before the outputs of pair 2"},
    {"1 1 1\n1\n1\n1\n", 0, NULL, 0, 0, NN_ERR_FORMAT, "line 4: more data after the 1 pairs the header announces"},
    {"1 2 3", 0, NULL, 0, 0, NN_ERR_FORMAT, "the text ends after line 1, before the inputs of pair 1"},
    {"1 1 1\n1\n\0\n", 10, NULL, 0, 0, NN_ERR_FORMAT, "line 3, column 1: '?' is not a finite number"},
};

static void fann_malformed_refused_with_line_and_column(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof fann_cases / sizeof fann_cases[0]; c++) {
        const struct malformed *m = &fann_cases[c];
        nn_dataset_t *d = UNTOUCHED;
        char message[200];
        const size_t size = m->size ? m->size : strlen(m->text);
        assert_int_equal(nn_dataset_load_fann_buffer(&d, m->text, size, message, sizeof message),
                         m->status);
        assert_string_equal(message, m->message);
        assert_ptr_equal(d, UNTOUCHED);
    }
}

/* A file name of this process in the working folder. */
static void temp_path(char *path, size_t size, const char *what)
{
    snprintf(path, size, "dataset_io_%s_%ld.txt", what, (long)getpid());
}

/* Values that %.17g must carry exactly: signs, zeros, subnormals, extremes. */
static double awkward(size_t i)
{
    static const double special[] = {0.0, -0.0, 1e-320, -4.9406564584124654e-324,
                                     2.2250738585072014e-308, 1.7976931348623157e308,
                                     0.1, -1.0 / 3.0, 123456789012345678.0, 5e-324};
    if (i < sizeof special / sizeof special[0])
        return special[i];
    return ((double)(i * 2654435761u % 1000003) - 500000.0) / 7919.0 * (i % 3 ? 1e-3 : 1e5);
}

static void save_then_load_gives_every_bit_back(void **state)
{
    (void)state;
    enum { ROWS = 40, IN = 3, OUT = 2 };
    double inputs[ROWS * IN], targets[ROWS * OUT];
    for (size_t i = 0; i < ROWS * IN; i++)
        inputs[i] = awkward(i);
    for (size_t i = 0; i < ROWS * OUT; i++)
        targets[i] = awkward(i + 7);
    nn_dataset_t *d = NULL, *back = NULL;
    assert_int_equal(nn_dataset_create(&d, ROWS, IN, OUT, inputs, targets), NN_OK);
    char path[64], message[200];
    temp_path(path, sizeof path, "csv");
    assert_int_equal(nn_dataset_save_csv(d, path), NN_OK);
    nn_csv_options_t *o = NULL;
    assert_int_equal(nn_csv_options_create(&o), NN_OK);
    assert_int_equal(nn_csv_options_set_target_count(o, OUT), NN_OK);
    assert_int_equal(nn_dataset_load_csv(&back, path, o, message, sizeof message), NN_OK);
    assert_int_equal(nn_dataset_row_count(back), ROWS);
    assert_memory_equal(nn_dataset_inputs(back), inputs, sizeof inputs);
    assert_memory_equal(nn_dataset_targets(back), targets, sizeof targets);
    nn_dataset_free(back);
    assert_int_equal(remove(path), 0);
    temp_path(path, sizeof path, "fann");
    assert_int_equal(nn_dataset_save_fann(d, path), NN_OK);
    assert_int_equal(nn_dataset_load_fann(&back, path, message, sizeof message), NN_OK);
    assert_memory_equal(nn_dataset_inputs(back), inputs, sizeof inputs);
    assert_memory_equal(nn_dataset_targets(back), targets, sizeof targets);
    nn_dataset_free(back);
    assert_int_equal(remove(path), 0);
    nn_dataset_free(d);

    /* a class set: its labels by name, back in the loader's class order */
    const double x[4] = {1.5, -2, 3, 4};
    const double one_hot[4 * 3] = {0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1};
    const char *names[3] = {"cat", "dog", "eel"};
    assert_int_equal(nn_dataset_create(&d, 4, 1, 3, x, one_hot), NN_OK);
    assert_int_equal(nn_dataset_set_class_names(d, 3, names), NN_OK);
    temp_path(path, sizeof path, "classes");
    assert_int_equal(nn_dataset_save_csv(d, path), NN_OK);
    assert_int_equal(nn_csv_options_set_class_column(o, "class"), NN_OK);
    assert_int_equal(nn_dataset_load_csv(&back, path, o, message, sizeof message), NN_OK);
    assert_memory_equal(nn_dataset_inputs(back), x, sizeof x);
    assert_memory_equal(nn_dataset_targets(back), one_hot, sizeof one_hot);
    for (size_t k = 0; k < 3; k++)
        assert_string_equal(nn_dataset_class_name(back, k), names[k]);
    nn_dataset_free(back);
    assert_int_equal(remove(path), 0);
    /* names that cannot be one field are refused before the file is touched */
    const char *bad[3] = {"cat", "d,og", "eel"};
    assert_int_equal(nn_dataset_set_class_names(d, 3, bad), NN_OK);
    assert_int_equal(nn_dataset_save_csv(d, path), NN_ERR_ARGUMENT);
    assert_int_equal(access(path, F_OK), -1);
    nn_dataset_free(d);
    nn_csv_options_free(o);
    assert_int_equal(nn_dataset_save_csv(NULL, path), NN_ERR_NULL_ARG);
    assert_int_equal(nn_dataset_save_fann(NULL, path), NN_ERR_NULL_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_header_rule_and_target_columns),
        cmocka_unit_test(csv_class_column_one_hot_in_numpy_unique_order),
        cmocka_unit_test(csv_reader_hardening),
        cmocka_unit_test(csv_malformed_refused_with_line_and_column),
        cmocka_unit_test(fann_loads_pairs),
        cmocka_unit_test(fann_malformed_refused_with_line_and_column),
        cmocka_unit_test(save_then_load_gives_every_bit_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

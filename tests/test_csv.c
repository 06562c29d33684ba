/* The command's CSV reader (tools/csv.c) on its own: the format's rules, and
   one test for each reading defect of 0.1.0 (double free past 64 rows without
   targets, byte order mark, CRLF and blank first lines, long lines,
   subnormals, read errors, data from a pipe, raw data in messages).

   Inputs are written here as text; the expected numbers are C double
   literals, read by the compiler rather than by the code under test. */
#define _POSIX_C_SOURCE 200809L

#include "check.h"

#include "csv.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads `n` bytes of `text` as a CSV stream. */
static enum csv_status read_text(const char *text, size_t n, size_t columns, struct csv_table *t,
                                 struct csv_error *e)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    rewind(f);
    enum csv_status s = csv_read(f, columns, t, e);
    fclose(f);
    return s;
}

static enum csv_status read_string(const char *text, size_t columns, struct csv_table *t,
                                   struct csv_error *e)
{
    return read_text(text, strlen(text), columns, t, e);
}

/* Every byte of a message is printable ASCII and it is short. */
static void assert_printable(const struct csv_error *e)
{
    const size_t n = strlen(e->text);
    assert_true(n > 0 && n < sizeof e->text);
    for (size_t i = 0; i < n; i++)
        assert_true(e->text[i] >= 0x20 && e->text[i] < 0x7f);
}

static void test_plain_rows_and_header(void **state)
{
    (void)state;
    struct csv_table t;
    struct csv_error e;
    assert_int_equal(read_string("x1,x2,y\n0.5,-2,1e3\n# note\n\n 0.25 ,\t4\t,0x1p-2\n", 0, &t, &e),
                     CSV_OK);
    assert_int_equal(t.rows, 2);
    assert_int_equal(t.columns, 3);
    const double want[] = {0.5, -2.0, 1000.0, 0.25, 4.0, 0.25};
    for (size_t i = 0; i < 6; i++)
        assert_true(t.values[i] == want[i]);
    csv_free(&t);
    assert_null(t.values);
    /* one column: the first line is a sample, whatever its line end */
    static const char *const one_column[] = {"1\n2\n", "1\r\n2\r\n", "1\n2"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(read_string(one_column[i], 0, &t, &e), CSV_OK);
        assert_int_equal(t.rows, 2);
        assert_true(t.values[0] == 1.0 && t.values[1] == 2.0);
        csv_free(&t);
    }
    /* a header only on the first line that is not blank or a comment */
    assert_int_equal(read_string("1,2\nx,y\n", 0, &t, &e), CSV_BAD_VALUE);
    assert_int_equal(e.line, 2);
    assert_string_equal(e.text, "value 1, 'x', is not a finite number");
    assert_null(t.values);
}

/* 0.1.0 reallocated the (absent) targets to 0 bytes on the 65th row, took the
   NULL for "out of memory" and freed the inputs twice. */
static void test_many_rows_of_one_width(void **state)
{
    (void)state;
    char *text = malloc(1000 * 16 + 1);
    assert_non_null(text);
    char *p = text;
    for (int i = 0; i < 1000; i++)
        p += sprintf(p, "%d,%d\n", i, -i);
    struct csv_table t;
    struct csv_error e;
    assert_int_equal(read_string(text, 2, &t, &e), CSV_OK);
    assert_int_equal(t.rows, 1000);
    for (size_t i = 0; i < 1000; i++) {
        assert_true(t.values[2 * i] == (double)i);
        assert_true(t.values[2 * i + 1] == -(double)i);
    }
    csv_free(&t);
    free(text);
}

static void test_byte_order_mark(void **state)
{
    (void)state;
    struct csv_table t;
    struct csv_error e;
    assert_int_equal(read_string("\xEF\xBB\xBF" "1,2\n3,4\n", 0, &t, &e), CSV_OK);
    assert_int_equal(t.rows, 2); /* 0.1.0 took the first row for a header */
    assert_true(t.values[0] == 1.0 && t.values[3] == 4.0);
    csv_free(&t);
    assert_int_equal(read_string("\xEF\xBB\xBF" "a,b\n3,4\n", 0, &t, &e), CSV_OK);
    assert_int_equal(t.rows, 1);
    csv_free(&t);
    /* only at the very start */
    assert_int_equal(read_string("1,2\n\xEF\xBB\xBF" "3,4\n", 0, &t, &e), CSV_BAD_VALUE);
    assert_int_equal(e.line, 2);
    assert_printable(&e);
}

static void test_crlf_and_blank_first_lines(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "\r\n1,2,3,4\r\n",
        "\n1,2,3,4\n",
        "# c\r\n\r\n1,2,3,4\r\n",
        "a,b,c,d\r\n1,2,3,4\r\n",
        "1,2,3,4", /* no line end at all */
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct csv_table t;
        struct csv_error e;
        assert_int_equal(read_string(texts[i], 0, &t, &e), CSV_OK);
        assert_int_equal(t.rows, 1);
        assert_int_equal(t.columns, 4);
        assert_true(t.values[3] == 4.0);
        csv_free(&t);
    }
}

/* A first line far over 4 KiB: 784 inputs and a target, three rows. */
static void test_long_lines(void **state)
{
    (void)state;
    const size_t columns = 785;
    char *text = malloc(3 * columns * 24 + 1);
    assert_non_null(text);
    char *p = text;
    for (size_t r = 0; r < 3; r++)
        for (size_t c = 0; c < columns; c++)
            p += sprintf(p, "%zu.0625%s", r * columns + c, c + 1 < columns ? "," : "\n");
    assert_true(strchr(text, '\n') - text > 4096);
    struct csv_table t;
    struct csv_error e;
    assert_int_equal(read_string(text, 0, &t, &e), CSV_OK);
    assert_int_equal(t.rows, 3);
    assert_int_equal(t.columns, columns);
    for (size_t i = 0; i < 3 * columns; i++)
        assert_true(t.values[i] == (double)i + 0.0625);
    csv_free(&t);
    assert_int_equal(read_string(text, columns, &t, &e), CSV_OK);
    csv_free(&t);
    free(text);
}

static void test_numbers(void **state)
{
    (void)state;
    double v = 0.0;
    assert_true(csv_parse_number("1e-320", &v));
    assert_true(v == 1e-320 && v > 0.0 && v < DBL_MIN); /* subnormal, finite */
    assert_true(csv_parse_number("4.9e-324", &v) && v == 4.9e-324);
    assert_true(csv_parse_number("-1.7976931348623157e308", &v) && v == -DBL_MAX);
    assert_true(csv_parse_number(" 2.5\t", &v) && v == 2.5);
    static const char *const refused[] = {"", " ", "1e309", "-1e400", "nan", "inf", "-inf",
                                          "1,", "1 2", "0x", "1e", "--1", "abc"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        v = 7.0;
        assert_false(csv_parse_number(refused[i], &v));
        assert_true(v == 7.0);
    }
    struct csv_table t;
    struct csv_error e;
    assert_int_equal(read_string("1e-320,4.9e-324\n", 0, &t, &e), CSV_OK);
    assert_true(t.values[0] == 1e-320 && t.values[1] == 4.9e-324);
    csv_free(&t);
    assert_int_equal(read_string("1,2\n3,1e999\n", 0, &t, &e), CSV_BAD_VALUE);
    assert_int_equal(e.line, 2);
    assert_string_equal(e.text, "value 2, '1e999', is not a finite number");
}

static void test_widths(void **state)
{
    (void)state;
    struct csv_table t;
    struct csv_error e;
    assert_int_equal(read_string("1,2\n3\n", 0, &t, &e), CSV_WIDTH);
    assert_int_equal(e.line, 2);
    assert_string_equal(e.text, "1 values, expected 2");
    assert_null(t.values);
    assert_int_equal(read_string("h\n1,2,3\n", 2, &t, &e), CSV_WIDTH);
    assert_int_equal(e.line, 2);
    assert_string_equal(e.text, "3 values, expected 2");
    assert_int_equal(read_string("1,,3\n", 3, &t, &e), CSV_BAD_VALUE);
    assert_string_equal(e.text, "value 2, '', is not a finite number");
}

static void test_empty(void **state)
{
    (void)state;
    struct csv_table t;
    struct csv_error e;
    static const char *const texts[] = {"", "\n\n", "# only a comment\n", "x,y\n",
                                        "\xEF\xBB\xBF"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        assert_int_equal(read_string(texts[i], 0, &t, &e), CSV_EMPTY);
        assert_int_equal(e.line, 0);
        assert_string_equal(e.text, "no samples");
        assert_null(t.values);
    }
}

/* 0.1.0 reported a stream that cannot be read as "no samples". */
static void test_read_error(void **state)
{
    (void)state;
    char dir[] = "csv-dir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    FILE *f = fopen(dir, "r");
    assert_non_null(f);
    struct csv_table t;
    struct csv_error e;
    assert_int_equal(csv_read(f, 0, &t, &e), CSV_READ_ERROR);
    assert_string_equal(e.text, "read error: Is a directory");
    assert_null(t.values);
    fclose(f);
    assert_int_equal(rmdir(dir), 0);
}

/* One pass over the stream: data from a pipe. */
static void test_pipe(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    static const char text[] = "x,y\r\n1,2\r\n3,4\r\n";
    assert_int_equal(write(fds[1], text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    assert_non_null(f);
    struct csv_table t;
    struct csv_error e;
    assert_int_equal(csv_read(f, 0, &t, &e), CSV_OK);
    assert_int_equal(t.rows, 2);
    assert_true(t.values[0] == 1.0 && t.values[3] == 4.0);
    csv_free(&t);
    fclose(f);
}

/* Messages never carry control bytes, and a huge field gives a short one. */
static void test_messages_quote_data(void **state)
{
    (void)state;
    struct csv_table t;
    struct csv_error e;
    assert_int_equal(read_string("1,\x1b]0;title\x07\x1b[2J\n", 0, &t, &e), CSV_BAD_VALUE);
    assert_string_equal(e.text, "value 2, '?]0;title??[2J', is not a finite number");
    assert_printable(&e);
    static const char nul_field[] = "1,2\x00x\n";
    assert_int_equal(read_text(nul_field, sizeof nul_field - 1, 0, &t, &e), CSV_BAD_VALUE);
    assert_string_equal(e.text, "value 2, '2?x', is not a finite number");
    const size_t huge = 10u << 20;
    char *text = malloc(huge + 8);
    assert_non_null(text);
    if (text == NULL)
        return; /* not reached; tells the compiler the block exists */
    memcpy(text, "1,", 2);
    memset(text + 2, '9', huge);
    memcpy(text + 2 + huge, "z\n", 3);
    assert_int_equal(read_string(text, 0, &t, &e), CSV_BAD_VALUE);
    assert_string_equal(e.text,
                        "value 2, '99999999999999999999999999999999...', is not a finite number");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_rows_and_header),
        cmocka_unit_test(test_many_rows_of_one_width),
        cmocka_unit_test(test_byte_order_mark),
        cmocka_unit_test(test_crlf_and_blank_first_lines),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_widths),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_read_error),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_messages_quote_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

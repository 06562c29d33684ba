/* The text toolkit (lib/text.c): every sink of the writer (count, buffer,
   file, callback), a buffer too small, a refusing sink, and numbers. Built
   from lib/text.c itself, whose functions are internal. */
#include "text.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a callback sink that records its calls ---- */

struct record {
    char data[256];
    size_t len;
    size_t calls;
    size_t refuse_at; /* 0: never; else the call that fails */
};

static int record_write(void *context, const char *bytes, size_t n)
{
    struct record *r = context;
    r->calls++;
    if (r->refuse_at != 0 && r->calls >= r->refuse_at)
        return 1;
    assert_true(r->len + n <= sizeof r->data);
    memcpy(r->data + r->len, bytes, n);
    r->len += n;
    return 0;
}

/* The same text through any writer. */
static void write_sample(struct nn__writer *w)
{
    nn__write_str(w, "n = ");
    nn__write_size(w, 1234);
    nn__write_bytes(w, ", x = 0.15!", 10);
    nn__write_num(w, 0.5, 6);
}

static const char sample_text[] = "n = 1234, x = 0.150.5";

static void test_count(void **state)
{
    (void)state;
    struct nn__writer w;
    nn__writer_count(&w);
    write_sample(&w);
    assert_int_equal(nn__writer_finish(&w), NN_OK);
    assert_int_equal(w.len, strlen(sample_text));
}

static void test_buffer(void **state)
{
    (void)state;
    char buf[64];
    struct nn__writer w;
    memset(buf, '#', sizeof buf);
    nn__writer_buffer(&w, buf, sizeof buf);
    write_sample(&w);
    assert_int_equal(nn__writer_finish(&w), NN_OK);
    assert_int_equal(w.len, strlen(sample_text));
    assert_memory_equal(buf, sample_text, strlen(sample_text));
    assert_int_equal(buf[strlen(sample_text)], '#'); /* no terminator is added */
}

/* Too small: what fits is kept, nothing beyond, and the count still tells the
   room needed. */
static void test_buffer_too_small(void **state)
{
    (void)state;
    char buf[8];
    struct nn__writer w;
    nn__writer_buffer(&w, buf, 6);
    memset(buf, '#', sizeof buf);
    write_sample(&w);
    assert_int_equal(nn__writer_finish(&w), NN_ERR_BUFFER_SIZE);
    assert_int_equal(w.len, strlen(sample_text));
    assert_memory_equal(buf, sample_text, 6);
    assert_int_equal(buf[6], '#');
    /* an empty buffer counts only */
    nn__writer_buffer(&w, NULL, 0);
    nn__write_str(&w, "abc");
    assert_int_equal(nn__writer_finish(&w), NN_ERR_BUFFER_SIZE);
    assert_int_equal(w.len, 3);
}

/* The stage is passed on each time it is full and at the end: a 4-byte stage
   gives the bytes in pieces of 4 and a last, shorter one. */
static void test_callback(void **state)
{
    (void)state;
    char stage[4];
    struct record r = {{0}, 0, 0, 0};
    struct nn__writer w;
    nn__writer_callback(&w, record_write, &r, stage, sizeof stage);
    write_sample(&w);
    assert_int_equal(r.calls, (strlen(sample_text) - 1) / 4);
    assert_int_equal(nn__writer_finish(&w), NN_OK);
    assert_int_equal(r.calls, (strlen(sample_text) + 3) / 4);
    assert_int_equal(r.len, strlen(sample_text));
    assert_memory_equal(r.data, sample_text, r.len);
}

/* A refusing sink: nothing more is sent after it, and finishing says so. */
static void test_callback_refuses(void **state)
{
    (void)state;
    char stage[4];
    struct record r = {{0}, 0, 0, 2};
    struct nn__writer w;
    nn__writer_callback(&w, record_write, &r, stage, sizeof stage);
    write_sample(&w);
    assert_int_equal(nn__writer_finish(&w), NN_ERR_IO);
    assert_int_equal(r.calls, 2);
    assert_int_equal(r.len, 4);
}

static void test_file(void **state)
{
    (void)state;
    char stage[5], back[64] = {0};
    FILE *f = tmpfile();
    assert_non_null(f);
    struct nn__writer w;
    nn__writer_file(&w, f, stage, sizeof stage);
    write_sample(&w);
    assert_int_equal(nn__writer_finish(&w), NN_OK);
    rewind(f);
    assert_int_equal(fread(back, 1, sizeof back, f), strlen(sample_text));
    assert_string_equal(back, sample_text);
    fclose(f);
}

static void test_numbers(void **state)
{
    (void)state;
    static const struct {
        double x;
        int digits;
        const char *text;
    } cases[] = {
        {0.15, 6, "0.15"},          {0.593269992107187, 6, "0.593270"},
        {1.25e-7, 6, "1.25e-07"},   {12345678.0, 8, "12345678"},
        {12345678.0, 6, "1.23457e+07"},
        {123456789.0, 6, "1.23457e+08"}, {-0.5, 1, "-0.5"},
        {0.1, 17, "0.1"},           {1.0 / 3.0, 3, "0.333"},
    };
    char buf[NN__NUM_BUF];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nn__fmt_num(buf, cases[i].x, cases[i].digits);
        assert_string_equal(buf, cases[i].text);
    }
    nn__fmt_exact(buf, 0.1);
    assert_string_equal(buf, "0.1");
    nn__fmt_exact(buf, 1.0 / 3.0);
    assert_string_equal(buf, "0.3333333333333333"); /* 16 digits read back exactly */
    assert_true(strtod(buf, NULL) == 1.0 / 3.0);
    nn__fmt_exact(buf, -INFINITY);
    assert_string_equal(buf, "-inf");
    nn__fmt_num(buf, NAN, 6);
    assert_string_equal(buf, "nan");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count),    cmocka_unit_test(test_buffer),
        cmocka_unit_test(test_buffer_too_small), cmocka_unit_test(test_callback),
        cmocka_unit_test(test_callback_refuses), cmocka_unit_test(test_file),
        cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

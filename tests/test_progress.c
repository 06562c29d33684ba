/* The command's progress display (tools/progress.c) and history writer
   (tools/history.c) on their own: the time-left estimate, the duration
   format, the line of an epoch, what each mode writes, and the CSV. */
#define _POSIX_C_SOURCE 200809L

#include "check.h"

#include "history.h"
#include "progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything written to `f` since it was opened (malloc'd). */
static char *contents(FILE *f)
{
    fflush(f);
    const long size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    return text;
}

static void test_time_left(void **state)
{
    (void)state;
    /* 4 of 10 epochs in 2 s: 6 more at 0.5 s each */
    assert_rel(progress_time_left(2.0, 4, 10), 3.0, 1e-15);
    assert_true(progress_time_left(9.0, 10, 10) == 0.0);
    assert_true(isnan(progress_time_left(0.0, 0, 10)));
}

static void test_durations(void **state)
{
    (void)state;
    char b[32];
    progress_format_duration(b, sizeof b, 0.2);
    assert_string_equal(b, "0:00");
    progress_format_duration(b, sizeof b, 59.5);
    assert_string_equal(b, "1:00");
    progress_format_duration(b, sizeof b, 3723.0);
    assert_string_equal(b, "1:02:03");
    progress_format_duration(b, sizeof b, NAN);
    assert_string_equal(b, "--:--");
    progress_format_duration(b, sizeof b, 1e12);
    assert_string_equal(b, "--:--");
}

static void test_the_line_of_an_epoch(void **state)
{
    (void)state;
    struct progress p;
    char b[256];
    progress_start(&p, stdout, PROGRESS_LINES, 100, "accuracy");
    const struct progress_epoch e = {25, 0.123456789, 0.25, 0.9375};
    progress_format_line(b, sizeof b, &p, &e, 5.0); /* 75 more at 0.2 s */
    assert_string_equal(b, "epoch 25/100 loss 0.123457 validation_loss 0.25 "
                           "validation_accuracy 0.9375 left 0:15");
    const struct progress_epoch no_validation = {1, 2.5, NAN, NAN};
    progress_format_line(b, sizeof b, &p, &no_validation, 0.5);
    assert_string_equal(b, "epoch 1/100 loss 2.5 left 0:50");
    /* a short buffer is cut, still terminated */
    progress_format_line(b, 12, &p, &e, 5.0);
    assert_string_equal(b, "epoch 25/10");
}

static void test_each_mode_writes_what_it_should(void **state)
{
    (void)state;
    const struct progress_epoch e1 = {1, 1.0, 2.0, 0.5}, e2 = {2, 0.5, 1.5, 0.75};
    const enum progress_mode modes[] = {PROGRESS_NONE, PROGRESS_LINES, PROGRESS_BAR};
    const char *const want[] = {
        "",
        "epoch 1/2 loss 1 validation_loss 2 validation_r2 0.5 left 0:01\n"
        "epoch 2/2 loss 0.5 validation_loss 1.5 validation_r2 0.75 left 0:00\n",
        "\r[############............] epoch 1/2 loss 1 validation_loss 2 validation_r2 0.5 "
        "left 0:01\033[K"
        "\r[########################] epoch 2/2 loss 0.5 validation_loss 1.5 validation_r2 0.75 "
        "left 0:00\033[K\n"};
    for (size_t m = 0; m < 3; m++) {
        FILE *f = tmpfile();
        assert_non_null(f);
        struct progress p;
        progress_start(&p, f, modes[m], 2, "r2");
        progress_show(&p, &e1, 1.0);
        progress_show(&p, &e2, 2.0);
        progress_end(&p);
        char *text = contents(f);
        assert_string_equal(text, want[m]);
        free(text);
        fclose(f);
    }
}

/* A fast loop redraws the bar at most every PROGRESS_BAR_INTERVAL seconds;
   the epochs between are skipped, and the end draws the last one shown. */
static void test_the_bar_is_not_redrawn_too_often(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    struct progress p;
    progress_start(&p, f, PROGRESS_BAR, 100, "accuracy");
    for (size_t k = 1; k <= 7; k++) {
        const struct progress_epoch e = {k, 1.0 / (double)k, NAN, NAN};
        progress_show(&p, &e, 0.001 * (double)k); /* 7 epochs in 7 ms */
    }
    char *text = contents(f);
    assert_int_equal(strspn(text, "\r["), 2);
    assert_non_null(strstr(text, "epoch 1/100 loss 1 "));
    assert_null(strstr(text, "epoch 2/100"));
    free(text);
    progress_end(&p); /* an early stop after epoch 7: it is drawn, then the line ends */
    text = contents(f);
    assert_non_null(strstr(text, "epoch 7/100 loss 0.142857 "));
    assert_null(strstr(text, "epoch 6/100"));
    assert_int_equal(text[strlen(text) - 1], '\n');
    free(text);
    fclose(f);
}

static void test_history_csv(void **state)
{
    (void)state;
    const char *const names[] = {"epoch", "train_loss", "validation_loss"};
    const double rows[] = {1, 0.1, NAN, 2, 1.0 / 3.0, -NAN};
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(history_write_csv(f, names, 3, rows, 2), 0);
    char *text = contents(f);
    assert_string_equal(text, "epoch,train_loss,validation_loss\n"
                              "1,0.10000000000000001,nan\n"
                              "2,0.33333333333333331,nan\n");
    free(text);
    fclose(f);
    f = fopen("/dev/full", "w"); /* every write fails with ENOSPC */
    assert_non_null(f);
    assert_int_equal(history_write_csv(f, names, 3, rows, 2), -1);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_left),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_the_line_of_an_epoch),
        cmocka_unit_test(test_each_mode_writes_what_it_should),
        cmocka_unit_test(test_the_bar_is_not_redrawn_too_often),
        cmocka_unit_test(test_history_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

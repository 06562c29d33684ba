/* The command's SVG chart writer (tools/plot.c) on its own: round tick
   values, and the elements of the picture found in the text it writes
   (axes with their tick labels, the curves broken at missing values, the
   legend, the title escaped for XML). */
#define _POSIX_C_SOURCE 200809L

#include "check.h"

#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The SVG text of `p` (malloc'd). */
static char *svg_of(const struct plot *p)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(plot_write_svg(f, p), 0);
    const long size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    return text;
}

static size_t occurrences(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(text, what); p != NULL; p = strstr(p + 1, what))
        n++;
    return n;
}

static void test_ticks_are_round_and_cover_the_range(void **state)
{
    (void)state;
    double t[PLOT_MAX_TICKS];
    size_t n = 0;
    assert_rel(plot_ticks(0.03, 0.97, 7, t, &n), 0.2, 1e-12);
    assert_int_equal(n, 6);
    assert_true(t[0] == 0.0);
    assert_rel(t[5], 1.0, 1e-12);
    assert_rel(plot_ticks(1.0, 100.0, 11, t, &n), 10.0, 1e-12);
    assert_int_equal(n, 11);
    assert_true(t[0] == 0.0 && t[10] == 100.0);
    /* a step of 5: 0.6 .. 23 in at most 6 ticks */
    assert_rel(plot_ticks(0.6, 23.0, 6, t, &n), 5.0, 1e-12);
    assert_int_equal(n, 6);
    assert_true(t[0] == 0.0 && t[5] == 25.0);
    /* negative values, and no "-0" */
    plot_ticks(-0.35, 0.15, 7, t, &n);
    assert_true(t[0] <= -0.35 && t[n - 1] >= 0.15);
    for (size_t i = 0; i < n; i++)
        assert_false(t[i] == 0.0 && signbit(t[i]));
}

static void test_a_single_value_gets_a_range(void **state)
{
    (void)state;
    double t[PLOT_MAX_TICKS];
    size_t n = 0;
    plot_ticks(5.0, 5.0, 7, t, &n);
    assert_true(n >= 2 && t[0] < 5.0 && t[n - 1] > 5.0);
    plot_ticks(0.0, 0.0, 7, t, &n);
    assert_true(n >= 2 && t[0] < 0.0 && t[n - 1] > 0.0);
    /* never more ticks than asked for, even when asked for too many */
    plot_ticks(0.0, 1.0, 1000, t, &n);
    assert_true(n <= PLOT_MAX_TICKS);
}

static void test_the_chart_has_its_elements(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4, 5};
    /* rows of (training loss, validation loss, accuracy) as a history holds them */
    const double rows[] = {1.0, 1.2, NAN, 0.5, 0.7, 0.6, 0.3, NAN, 0.8, 0.2, 0.4, 0.9, 0.1, 0.3, 0.95};
    const struct plot_series series[] = {
        {"training loss", rows, 3, 0}, {"validation loss", rows + 1, 3, 0},
        {"validation accuracy", rows + 2, 3, 1}};
    const struct plot p = {"Loss & accuracy <3 classes>", "epoch", "loss", "accuracy", x, 5, series, 3};
    char *svg = svg_of(&p);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, "</svg>\n"));
    assert_int_equal(occurrences(svg, "Loss &amp; accuracy &lt;3 classes&gt;"), 2); /* title, text */
    assert_null(strstr(svg, "<3"));
    /* training: one line; validation: broken by its missing third value into
       a line and a line; accuracy: from the second value on */
    assert_int_equal(occurrences(svg, "<polyline"), 4);
    assert_int_equal(occurrences(svg, "stroke-dasharray"), 2); /* accuracy and its legend line */
    assert_non_null(strstr(svg, "class=\"x-axis\""));
    assert_non_null(strstr(svg, "class=\"left-axis\""));
    assert_non_null(strstr(svg, "class=\"right-axis\""));
    assert_non_null(strstr(svg, "class=\"legend\""));
    assert_non_null(strstr(svg, ">validation accuracy</text>"));
    assert_non_null(strstr(svg, ">epoch</text>"));
    assert_non_null(strstr(svg, ">accuracy</text>"));
    /* tick labels: epochs 1 to 5, losses 0.0 to 1.2, accuracy 0.6 to 1.0 */
    assert_non_null(strstr(svg, ">5</text>"));
    assert_non_null(strstr(svg, ">1.2</text>"));
    assert_non_null(strstr(svg, ">0.0</text>"));
    assert_non_null(strstr(svg, ">0.6</text>"));
    free(svg);
}

static void test_points_and_one_axis(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3};
    const double y[] = {NAN, 2.0, NAN};
    const struct plot_series series[] = {{"lonely", y, 1, 0}};
    const struct plot p = {"t", "epoch", "loss", NULL, x, 3, series, 1};
    char *svg = svg_of(&p);
    assert_int_equal(occurrences(svg, "<polyline"), 1);
    assert_int_equal(occurrences(svg, "<circle"), 1); /* the one value drawn as a dot */
    assert_null(strstr(svg, "right-axis"));
    free(svg);
}

static void test_a_write_error_is_reported(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w"); /* every write fails with ENOSPC */
    assert_non_null(f);
    const double x[] = {1, 2};
    const double y[] = {1, 0.5};
    const struct plot_series series[] = {{"loss", y, 1, 0}};
    const struct plot p = {"t", "epoch", "loss", NULL, x, 2, series, 1};
    assert_int_equal(plot_write_svg(f, &p), -1);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticks_are_round_and_cover_the_range),
        cmocka_unit_test(test_a_single_value_gets_a_range),
        cmocka_unit_test(test_the_chart_has_its_elements),
        cmocka_unit_test(test_points_and_one_axis),
        cmocka_unit_test(test_a_write_error_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

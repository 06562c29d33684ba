/* Version 2 of the model format: version 1 followed by sections after `end`
   (docs/format.md, "Sections"). A network without a section saves as
   version 1; a section is written and read back; version-1 files still load;
   unknown, repeated and malformed sections are refused with their line; the
   caps on the input's length cover the sections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backprop.h"

/* A 2-1 linear network with known parameters, and its version-1 text. */
static const char plain[] = "backprop-model 1\n"
                            "# libbackprop model; numbers are C99 hexadecimal floating-point "
                            "constants\n"
                            "layers 2\n"
                            "sizes 2 1\n"
                            "loss half_sse\n"
                            "\n"
                            "layer 1\n"
                            "activation linear\n"
                            "bias per_neuron\n"
                            "frozen none\n"
                            "weights 1 2\n"
                            "0x1p-1 -0x1.8p+0\n"
                            "biases 1\n"
                            "0x1p-2\n"
                            "end\n";

static const char mean_section[] = "\nsection training\nreduction mean\n";

static nn_t *small_network(void)
{
    const size_t sizes[] = {2, 1};
    const int activations[] = {NN_ACT_LINEAR};
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 2, sizes, activations), NN_OK);
    const double w[] = {0.5, -1.5}, b[] = {0.25};
    assert_int_equal(nn_set_weights(net, 1, w, 2), NN_OK);
    assert_int_equal(nn_set_biases(net, 1, b, 1), NN_OK);
    return net;
}

static char *save_text(const nn_t *net)
{
    size_t n = 0;
    assert_int_equal(nn_save_buffer(net, NULL, 0, &n), NN_ERR_BUFFER_SIZE);
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    size_t written = 0;
    assert_int_equal(nn_save_buffer(net, buf, n + 1, &written), NN_OK);
    assert_int_equal(written, n);
    return buf;
}

/* The version-2 text of the small network with the mean reduction, built by
   hand from the version-1 text. */
static char *mean_text(void)
{
    char *text = malloc(sizeof plain + sizeof mean_section);
    assert_non_null(text);
    strcpy(text, plain);
    text[15] = '2'; /* "backprop-model 2" */
    strcat(text, mean_section);
    return text;
}

/* text with `extra` appended (a malloc'd copy). */
static char *append(const char *text, const char *extra)
{
    char *out = malloc(strlen(text) + strlen(extra) + 1);
    assert_non_null(out);
    strcpy(out, text);
    strcat(out, extra);
    return out;
}

/* Loads text expecting `expected`, a message on `line` naming `needle`, and
   no network. */
static void expect_failure(const char *text, nn_status expected, size_t line, const char *needle)
{
    nn_t *net = (nn_t *)text; /* must be reset */
    char msg[256];
    const nn_status status = nn_load_buffer_with(&net, text, strlen(text), NULL, msg, sizeof msg);
    if (status != expected)
        fail_msg("status %d, expected %d (message '%s')", (int)status, (int)expected, msg);
    assert_null(net);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "line %zu: ", line);
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        fail_msg("message '%s' does not begin with '%s'", msg, prefix);
    if (needle != NULL && strstr(msg, needle) == NULL)
        fail_msg("message '%s' does not mention '%s'", msg, needle);
}

static nn_t *load_ok(const char *text)
{
    nn_t *net = NULL;
    char msg[256];
    const nn_status status = nn_load_buffer_with(&net, text, strlen(text), NULL, msg, sizeof msg);
    if (status != NN_OK)
        fail_msg("load failed with %d: %s", (int)status, msg);
    return net;
}

static void test_default_network_saves_as_version_1(void **state)
{
    (void)state;
    nn_t *net = small_network();
    assert_int_equal(nn_get_reduction(net), NN_REDUCTION_SUM);
    char *text = save_text(net);
    assert_string_equal(text, plain);
    free(text);
    nn_free(net);
}

static void test_section_written_and_read(void **state)
{
    (void)state;
    nn_t *net = small_network();
    assert_int_equal(nn_set_reduction(net, NN_REDUCTION_MEAN), NN_OK);
    char *text = save_text(net);
    char *expected = mean_text();
    assert_string_equal(text, expected);
    nn_t *back = load_ok(text);
    assert_int_equal(nn_get_reduction(back), NN_REDUCTION_MEAN);
    char *again = save_text(back);
    assert_string_equal(again, text);
    /* back to the default: version 1 again, byte for byte */
    assert_int_equal(nn_set_reduction(back, NN_REDUCTION_SUM), NN_OK);
    char *plain_again = save_text(back);
    assert_string_equal(plain_again, plain);
    free(plain_again);
    free(again);
    free(expected);
    free(text);
    nn_free(back);
    nn_free(net);
}

static void test_version_1_and_empty_version_2_load(void **state)
{
    (void)state;
    nn_t *net = load_ok(plain);
    assert_int_equal(nn_get_reduction(net), NN_REDUCTION_SUM);
    nn_free(net);
    /* version 2 without a section, with comments, and with an explicit sum */
    char *v2 = mean_text();
    v2[sizeof plain - 1] = '\0';
    char *commented = append(v2, "# nothing more\n\n");
    net = load_ok(commented);
    assert_int_equal(nn_get_reduction(net), NN_REDUCTION_SUM);
    nn_free(net);
    char *sum =
        append(v2, "section training\n# the default, written all the same\nreduction sum\n");
    net = load_ok(sum);
    assert_int_equal(nn_get_reduction(net), NN_REDUCTION_SUM);
    nn_free(net);
    free(sum);
    free(commented);
    free(v2);
}

static void test_sections_refused(void **state)
{
    (void)state;
    /* a section in a version-1 file: line 16 is "section training" */
    char *v1 = append(plain, "section training\nreduction mean\n");
    expect_failure(v1, NN_ERR_FORMAT, 16, "after 'end'");
    free(v1);
    char *v2 = mean_text();
    v2[sizeof plain - 1] = '\0';
    const struct {
        const char *tail;
        nn_status status;
        size_t line;
        const char *needle;
    } cases[] = {
        {"section future\nmean 0x0p+0\n", NN_ERR_UNKNOWN_NAME, 16, "unknown section 'future'"},
        {"\n# later\nsection training\nreduction mean\nsection later\n", NN_ERR_UNKNOWN_NAME, 20,
         "'later'"},
        {"sections training\n", NN_ERR_FORMAT, 16, "expected 'section NAME'"},
        {"section\n", NN_ERR_FORMAT, 16, "missing section name"},
        {"section training extra\n", NN_ERR_FORMAT, 16, "extra"},
        {"section training\n", NN_ERR_FORMAT, 17, "expected 'reduction'"},
        {"section training\nreduction average\n", NN_ERR_FORMAT, 17, "sum or mean"},
        {"section training\nreduction mean mean\n", NN_ERR_FORMAT, 17, "mean"},
        {"section training\nreduction mean\nsection training\nreduction sum\n", NN_ERR_FORMAT, 18,
         "line 16"},
        {"section training\nreduction mean\nend\n", NN_ERR_FORMAT, 18, "'end'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = append(v2, cases[i].tail);
        expect_failure(text, cases[i].status, cases[i].line, cases[i].needle);
        free(text);
    }
    free(v2);
}

/* A comment of n bytes (n - 3 x's between "# " and the newline). */
static char *comment(size_t n)
{
    char *c = malloc(n + 1);
    assert_non_null(c);
    memset(c, 'x', n);
    c[0] = '#';
    c[1] = ' ';
    c[n - 1] = '\n';
    c[n] = '\0';
    return c;
}

/* The sections' allowance (256 bytes for `training`, for `optimizer` 32
   per value of the largest state and 16 lines of 256, the allowances of
   `scaling` and `classes`, and for `trainer` 32 per generator word,
   parameter and history value of NN_MAX_EPOCHS epochs and 18 lines of 256)
   extends the cap of a
   version-2 file, and nothing more: the same long comment loads after a
   section and is refused 2 bytes further on, with the cap's message. */
static void test_caps_cover_sections(void **state)
{
    (void)state;
    char *v2 = mean_text();
    /* the cap: 65536 from the start of the sizes line (offset 96), 32 per
       number (3) and 256 per layer (1); for the sections 256 (training) and
       32 per value of a state of 2 step counts and 2 arrays of 3, and 16
       lines of 256 (optimizer); 32 per offset and scale of the 2 inputs and
       the output and 8 lines of 256 (scaling); 2 class lines of 16 + 3 * 255
       and 4 lines of 256 (classes); 32 per value of 625 words, 3 parameters
       and NN_MAX_EPOCHS rows of history, 18 lines of 256 (trainer) */
    const size_t sizes_start = (size_t)(strstr(plain, "sizes") - plain);
    const size_t trainer = 32 * (625 + 3 + (size_t)NN_MAX_EPOCHS * NN_HISTORY_COLUMNS) + 18 * 256;
    const size_t sections = 256 + 32 * (2 + 2 * 3) + 16 * 256 + 32 * 2 * (2 + 1) + 8 * 256 +
                            2 * (16 + 3 * 255) + 4 * 256 + trainer;
    const size_t cap = sizes_start + 65536 + 32 * 3 + 256 + sections;
    char *c = comment(cap - strlen(v2));
    char *fits = append(v2, c);
    assert_int_equal(strlen(fits), cap);
    nn_t *net = load_ok(fits);
    assert_int_equal(nn_get_reduction(net), NN_REDUCTION_MEAN);
    nn_free(net);
    char *over = append(fits, "#\n");
    expect_failure(over, NN_ERR_FORMAT, 4, "bytes these sizes allow");
    /* version 1 gets no such allowance */
    char *v1c = comment(cap - sections - strlen(plain) + 2);
    char *v1 = append(plain, v1c);
    expect_failure(v1, NN_ERR_FORMAT, 4, "bytes these sizes allow");
    free(v1);
    free(v1c);
    free(over);
    free(fits);
    free(c);
    free(v2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_network_saves_as_version_1),
        cmocka_unit_test(test_section_written_and_read),
        cmocka_unit_test(test_version_1_and_empty_version_2_load),
        cmocka_unit_test(test_sections_refused),
        cmocka_unit_test(test_caps_cover_sections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Input and target scaling and class names stored in a network: fitted
   values against scikit-learn (tests/ref/scaling_ref.py), every forward pass
   against the same network without scaling fed the scaled inputs by hand
   (bit for bit), nn_predict's un-scaling, clones, the model file's sections
   `scaling` and `classes` (round trip, escaping, checkpoints, malformed
   sections), explain's view of the scaled inputs and the refusals of bad
   input, each leaving the network as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backprop.h"
#include "check.h"
#include "ref/scaling_ref.h"

/* ---- helpers ---- */

/* A network of the given sizes, sigmoid hidden layers and a linear output,
   with seeded random parameters. */
static nn_t *make_net(size_t n_layers, const size_t *sizes, unsigned long seed)
{
    int activations[8];
    for (size_t k = 0; k + 1 < n_layers; k++)
        activations[k] = k + 2 == n_layers ? NN_ACT_LINEAR : NN_ACT_SIGMOID;
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, n_layers, sizes, activations), NN_OK);
    assert_int_equal(nn_init_random(net, seed, NN_INIT_UNIFORM, -0.5, 0.5), NN_OK);
    return net;
}

/* (x - offset) / scale over n rows of cols, as the library documents it. */
static void scale_by_hand(size_t n, size_t cols, const double *offset, const double *scale,
                          const double *x, double *out)
{
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < cols; c++)
            out[r * cols + c] = (x[r * cols + c] - offset[c]) / scale[c];
}

static void assert_same_bits(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof(double)) != 0) {
            print_error("value %zu: %a != %a\n", i, a[i], b[i]);
            fail();
        }
}

static void assert_same_params(const nn_t *a, const nn_t *b)
{
    const size_t n = nn_param_count(a);
    double *pa = malloc(n * sizeof(double)), *pb = malloc(n * sizeof(double));
    assert_non_null(pa);
    assert_non_null(pb);
    assert_int_equal(nn_get_params(a, pa, n), NN_OK);
    assert_int_equal(nn_get_params(b, pb, n), NN_OK);
    assert_same_bits(pa, pb, n);
    free(pa);
    free(pb);
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

static nn_t *load_text(const char *text)
{
    nn_t *net = NULL;
    assert_int_equal(nn_load_buffer(&net, text, strlen(text)), NN_OK);
    return net;
}

/* Inputs varied enough to tell the scaled and raw passes apart. */
static void fill(double *x, size_t n, double a, double b)
{
    for (size_t i = 0; i < n; i++)
        x[i] = a * (double)((i * 7) % 11) + b * (double)(i % 3) - 4.0;
}

static const double in_offset[3] = {5.0, -2.5, 100.0};
static const double in_scale[3] = {3.0, 0.5, 40.0};
static const double out_offset[2] = {10.0, -1.0};
static const double out_scale[2] = {4.0, 0.25};

/* net scaled, and a clone without any scaling, the same parameters */
static void scaled_pair(const size_t *sizes, size_t n_layers, nn_t **scaled, nn_t **plain)
{
    *scaled = make_net(n_layers, sizes, 7);
    assert_int_equal(nn_clone(*scaled, plain), NN_OK);
    assert_int_equal(nn_set_input_scaling(*scaled, in_offset, in_scale, 3), NN_OK);
    assert_int_equal(nn_set_target_scaling(*scaled, out_offset, out_scale, 2), NN_OK);
}

/* ---- names ---- */

static void test_names(void **state)
{
    (void)state;
    int scheme = -1;
    assert_int_equal(nn_scale_from_name("none", &scheme), NN_OK);
    assert_int_equal(scheme, NN_SCALE_NONE);
    assert_int_equal(nn_scale_from_name("standard", &scheme), NN_OK);
    assert_int_equal(scheme, NN_SCALE_STANDARD);
    assert_int_equal(nn_scale_from_name("minmax", &scheme), NN_OK);
    assert_int_equal(scheme, NN_SCALE_MINMAX);
    scheme = -1;
    assert_int_equal(nn_scale_from_name("min-max", &scheme), NN_OK);
    assert_int_equal(scheme, NN_SCALE_MINMAX);
    assert_int_equal(nn_scale_from_name("Standard", &scheme), NN_ERR_ARGUMENT);
    assert_int_equal(nn_scale_from_name(NULL, &scheme), NN_ERR_NULL_ARG);
    assert_int_equal(nn_scale_from_name("none", NULL), NN_ERR_NULL_ARG);
    assert_string_equal(nn_scale_name(NN_SCALE_NONE), "none");
    assert_string_equal(nn_scale_name(NN_SCALE_STANDARD), "standard");
    assert_string_equal(nn_scale_name(NN_SCALE_MINMAX), "minmax");
    assert_null(nn_scale_name(3));
    assert_null(nn_scale_name(-1));
}

/* ---- fitting against scikit-learn ---- */

/* Offsets within 1e-12 of the column's spread, scales within 1e-9 relative
   (the tiny-spread column's deviations from its mean carry rounding of
   1e-16 / 3e-7 relative in both libraries), the scaled data within 1e-9. */
static void check_fit(const nn_t *net, const double *offset, const double *scale,
                      const double *scaled, int inputs)
{
    double o[REF_COLS], s[REF_COLS];
    if (inputs)
        assert_int_equal(nn_get_input_scaling(net, o, s, REF_COLS), NN_OK);
    else
        assert_int_equal(nn_get_target_scaling(net, o, s, REF_COLS), NN_OK);
    for (size_t c = 0; c < REF_COLS; c++) {
        assert_abs(o[c], offset[c], 1e-12 * scale[c]);
        assert_rel(s[c], scale[c], 1e-9);
    }
    double *mine = malloc(sizeof ref_data);
    assert_non_null(mine);
    if (inputs)
        assert_int_equal(nn_scale_inputs(net, REF_ROWS, ref_data, mine), NN_OK);
    else
        assert_int_equal(nn_scale_targets(net, REF_ROWS, ref_data, mine), NN_OK);
    for (size_t i = 0; i < REF_ROWS * REF_COLS; i++)
        assert_abs(mine[i], scaled[i], 1e-9);
    free(mine);
}

static void test_fit_matches_scikit_learn(void **state)
{
    (void)state;
    const size_t sizes[] = {REF_COLS, 3, REF_COLS};
    nn_t *net = make_net(3, sizes, 1);
    assert_int_equal(nn_fit_input_scaling(net, NN_SCALE_STANDARD, REF_ROWS, ref_data), NN_OK);
    assert_int_equal(nn_has_input_scaling(net), 1);
    assert_int_equal(nn_has_target_scaling(net), 0);
    check_fit(net, ref_standard_offset, ref_standard_scale, ref_standard_scaled, 1);
    assert_int_equal(nn_fit_target_scaling(net, NN_SCALE_MINMAX, REF_ROWS, ref_data), NN_OK);
    assert_int_equal(nn_has_target_scaling(net), 1);
    check_fit(net, ref_minmax_offset, ref_minmax_scale, ref_minmax_scaled, 0);
    /* min-max offsets and ranges are one comparison and one subtraction: exact */
    double o[REF_COLS], s[REF_COLS];
    assert_int_equal(nn_get_target_scaling(net, o, s, REF_COLS), NN_OK);
    assert_same_bits(o, ref_minmax_offset, REF_COLS);
    assert_same_bits(s, ref_minmax_scale, REF_COLS);
    /* the constant column (0.1 in every row): its value as offset, scale 1 */
    assert_int_equal(nn_fit_input_scaling(net, NN_SCALE_MINMAX, REF_ROWS, ref_data), NN_OK);
    check_fit(net, ref_minmax_offset, ref_minmax_scale, ref_minmax_scaled, 1);
    assert_int_equal(nn_fit_input_scaling(net, NN_SCALE_STANDARD, REF_ROWS, ref_data), NN_OK);
    assert_int_equal(nn_get_input_scaling(net, o, s, REF_COLS), NN_OK);
    assert_true(o[2] == 0.1 && s[2] == 1.0);
    /* one row: every column constant */
    assert_int_equal(nn_fit_input_scaling(net, NN_SCALE_STANDARD, 1, ref_data), NN_OK);
    assert_int_equal(nn_get_input_scaling(net, o, s, REF_COLS), NN_OK);
    assert_same_bits(o, ref_data, REF_COLS);
    for (size_t c = 0; c < REF_COLS; c++)
        assert_true(s[c] == 1.0);
    /* NN_SCALE_NONE clears, the arrays unread */
    assert_int_equal(nn_fit_input_scaling(net, NN_SCALE_NONE, 0, NULL), NN_OK);
    assert_int_equal(nn_has_input_scaling(net), 0);
    assert_int_equal(nn_get_input_scaling(net, o, s, REF_COLS), NN_OK);
    for (size_t c = 0; c < REF_COLS; c++)
        assert_true(o[c] == 0.0 && s[c] == 1.0);
    assert_int_equal(nn_has_target_scaling(net), 1);
    assert_int_equal(nn_fit_target_scaling(net, NN_SCALE_NONE, 0, NULL), NN_OK);
    assert_int_equal(nn_has_target_scaling(net), 0);
    nn_free(net);
}

/* ---- the passes ---- */

static void check_forward(const size_t *sizes, size_t n_layers)
{
    nn_t *a = NULL, *b = NULL;
    scaled_pair(sizes, n_layers, &a, &b);
    const size_t n_out = sizes[n_layers - 1];
    double raw[3], scaled[3], oa[2], ob[2], seen[3];
    fill(raw, 3, 1.5, -0.75);
    scale_by_hand(1, 3, in_offset, in_scale, raw, scaled);
    assert_int_equal(nn_forward(a, raw, oa), NN_OK);
    assert_int_equal(nn_forward(b, scaled, ob), NN_OK);
    assert_same_bits(oa, ob, n_out); /* in the network's units: not un-scaled */
    assert_int_equal(nn_get_outputs(a, 0, seen, 3), NN_OK);
    assert_same_bits(seen, scaled, 3);
    /* the loss and backward take targets in the network's units */
    const double target[2] = {0.3, -0.2};
    double la = 0.0, lb = 1.0;
    assert_int_equal(nn_loss(a, target, &la), NN_OK);
    assert_int_equal(nn_loss(b, target, &lb), NN_OK);
    assert_same_bits(&la, &lb, 1);
    assert_int_equal(nn_backward(a, target), NN_OK);
    assert_int_equal(nn_backward(b, target), NN_OK);
    assert_int_equal(nn_step(a, 0.1), NN_OK);
    assert_int_equal(nn_step(b, 0.1), NN_OK);
    assert_same_params(a, b);
    /* the one-sample training calls */
    for (int i = 0; i < 3; i++) {
        fill(raw, 3, 0.5 + i, 2.0 - i);
        scale_by_hand(1, 3, in_offset, in_scale, raw, scaled);
        assert_int_equal(nn_train_sample(a, raw, target, 0.2), NN_OK);
        assert_int_equal(nn_train_sample(b, scaled, target, 0.2), NN_OK);
        assert_same_params(a, b);
        assert_int_equal(nn_get_outputs(a, 0, seen, 3), NN_OK);
        assert_same_bits(seen, scaled, 3);
        assert_int_equal(nn_train_sequential(a, raw, target, 0.2), NN_OK);
        assert_int_equal(nn_train_sequential(b, scaled, target, 0.2), NN_OK);
        assert_same_params(a, b);
    }
    /* batches */
    enum { ROWS = 9 };
    double braw[ROWS * 3], bscaled[ROWS * 3], boa[ROWS * 2], bob[ROWS * 2], targets[ROWS * 2];
    fill(braw, ROWS * 3, 0.8, 1.1);
    fill(targets, ROWS * 2, 0.05, 0.1);
    scale_by_hand(ROWS, 3, in_offset, in_scale, braw, bscaled);
    assert_int_equal(nn_forward_batch(a, ROWS, braw, boa), NN_OK);
    assert_int_equal(nn_forward_batch(b, ROWS, bscaled, bob), NN_OK);
    assert_same_bits(boa, bob, ROWS * n_out);
    assert_int_equal(nn_backward_batch(a, ROWS, targets), NN_OK);
    assert_int_equal(nn_backward_batch(b, ROWS, targets), NN_OK);
    assert_int_equal(nn_step(a, 0.05), NN_OK);
    assert_int_equal(nn_step(b, 0.05), NN_OK);
    assert_same_params(a, b);
    /* nn_predict: scaled inputs in, raw outputs out (o * scale + offset) */
    for (size_t n = 1; n <= ROWS; n += ROWS - 1) {
        const size_t size = nn_inference_workspace_size(a, n);
        double *work = malloc(size * sizeof(double));
        assert_non_null(work);
        assert_int_equal(nn_predict(a, n, braw, boa, work, size), NN_OK);
        assert_int_equal(nn_predict(b, n, bscaled, bob, work, size), NN_OK);
        for (size_t r = 0; r < n; r++)
            for (size_t j = 0; j < n_out; j++)
                bob[r * n_out + j] = bob[r * n_out + j] * out_scale[j] + out_offset[j];
        assert_same_bits(boa, bob, n * n_out);
        /* outputs over the inputs */
        double in_place[ROWS * 3];
        memcpy(in_place, braw, sizeof in_place);
        assert_int_equal(nn_predict(a, n, in_place, in_place, work, size), NN_OK);
        assert_same_bits(in_place, boa, n * n_out);
        double back[ROWS * 2];
        assert_int_equal(nn_unscale_outputs(a, 0, boa, back), NN_OK);
        free(work);
    }
    nn_free(a);
    nn_free(b);
}

/* a tiny network (the register path of nn_train_sample) and a wider one */
static void test_passes_apply_scaling(void **state)
{
    (void)state;
    const size_t tiny[] = {3, 4, 2}, wide[] = {3, 20, 9, 2};
    check_forward(tiny, 3);
    check_forward(wide, 4);
}

static void test_conversions(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 2, 2};
    nn_t *a = NULL, *b = NULL;
    scaled_pair(sizes, 3, &a, &b);
    const double t[4] = {14.0, -1.5, 2.0, 0.0};
    double s[4], back[4], copy[4];
    assert_int_equal(nn_scale_targets(a, 2, t, s), NN_OK);
    for (size_t i = 0; i < 4; i++)
        assert_true(s[i] == (t[i] - out_offset[i % 2]) / out_scale[i % 2]);
    assert_int_equal(nn_unscale_outputs(a, 2, s, back), NN_OK);
    for (size_t i = 0; i < 4; i++)
        assert_true(back[i] == s[i] * out_scale[i % 2] + out_offset[i % 2]);
    /* in place, and copies without scaling */
    memcpy(copy, t, sizeof copy);
    assert_int_equal(nn_scale_targets(a, 2, copy, copy), NN_OK);
    assert_same_bits(copy, s, 4);
    assert_int_equal(nn_scale_targets(b, 2, t, copy), NN_OK);
    assert_same_bits(copy, t, 4);
    assert_int_equal(nn_unscale_outputs(b, 2, t, copy), NN_OK);
    assert_same_bits(copy, t, 4);
    const double nan_row[2] = {NAN, 0.0};
    assert_int_equal(nn_scale_targets(a, 1, nan_row, copy), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_unscale_outputs(a, 1, nan_row, copy), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_scale_inputs(a, 1, NULL, copy), NN_ERR_NULL_ARG);
    assert_int_equal(nn_scale_targets(NULL, 1, t, copy), NN_ERR_NULL_ARG);
    assert_int_equal(nn_unscale_outputs(a, SIZE_MAX / 2, t, copy), NN_ERR_TOO_LARGE);
    nn_free(a);
    nn_free(b);
}

/* ---- copies and files ---- */

static void test_clone_copies(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 4, 2};
    nn_t *a = NULL, *b = NULL, *c = NULL;
    scaled_pair(sizes, 3, &a, &b);
    const char *names[] = {"cat", "dog"};
    assert_int_equal(nn_set_class_names(a, 2, names), NN_OK);
    assert_int_equal(nn_clone(a, &c), NN_OK);
    double o[3], s[3];
    assert_int_equal(nn_get_input_scaling(c, o, s, 3), NN_OK);
    assert_same_bits(o, in_offset, 3);
    assert_same_bits(s, in_scale, 3);
    assert_int_equal(nn_get_target_scaling(c, o, s, 2), NN_OK);
    assert_same_bits(o, out_offset, 2);
    assert_same_bits(s, out_scale, 2);
    assert_int_equal(nn_class_count(c), 2);
    assert_string_equal(nn_class_name(c, 1), "dog");
    /* the clone's are its own */
    assert_int_equal(nn_fit_input_scaling(a, NN_SCALE_NONE, 0, NULL), NN_OK);
    assert_int_equal(nn_set_class_names(a, 0, NULL), NN_OK);
    assert_int_equal(nn_has_input_scaling(c), 1);
    assert_string_equal(nn_class_name(c, 0), "cat");
    assert_null(nn_class_name(a, 0));
    /* and the original's survive the clone's release */
    nn_free(c);
    assert_int_equal(nn_has_target_scaling(a), 1);
    nn_free(a);
    nn_free(b);
}

static void test_save_load_round_trip(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 4, 2};
    nn_t *a = NULL, *b = NULL;
    scaled_pair(sizes, 3, &a, &b);
    char *plain_text = save_text(b);
    assert_non_null(strstr(plain_text, "backprop-model 1\n"));
    const char *names[] = {"setosa", "Iris versicolor 100%", "#\xc3\xa9\r"};
    assert_int_equal(nn_set_class_names(a, 2, names + 1), NN_OK);
    char *text = save_text(a);
    assert_non_null(strstr(text, "backprop-model 2\n"));
    assert_non_null(strstr(text, "\nsection scaling\ninputs 3\n"));
    assert_non_null(strstr(text, "\nsection classes\ncount 2\nclass Iris%20versicolor%20100%25\n"
                                 "class %23%C3%A9%0D\n"));
    nn_t *loaded = load_text(text);
    double o[3], s[3];
    assert_int_equal(nn_get_input_scaling(loaded, o, s, 3), NN_OK);
    assert_same_bits(o, in_offset, 3);
    assert_same_bits(s, in_scale, 3);
    assert_int_equal(nn_get_target_scaling(loaded, o, s, 2), NN_OK);
    assert_same_bits(o, out_offset, 2);
    assert_same_bits(s, out_scale, 2);
    assert_int_equal(nn_class_count(loaded), 2);
    assert_string_equal(nn_class_name(loaded, 0), names[1]);
    assert_string_equal(nn_class_name(loaded, 1), names[2]);
    /* the same predictions, bit for bit */
    double in[6], pa[4], pb[4];
    fill(in, 6, 2.0, 3.0);
    const size_t size = nn_inference_workspace_size(a, 2);
    double *work = malloc(size * sizeof(double));
    assert_non_null(work);
    assert_int_equal(nn_predict(a, 2, in, pa, work, size), NN_OK);
    assert_int_equal(nn_predict(loaded, 2, in, pb, work, size), NN_OK);
    assert_same_bits(pa, pb, 4);
    free(work);
    /* saving the loaded network gives the same text */
    char *again = save_text(loaded);
    assert_string_equal(again, text);
    /* cleared, a network writes the file it wrote before it had any */
    assert_int_equal(nn_fit_input_scaling(a, NN_SCALE_NONE, 0, NULL), NN_OK);
    assert_int_equal(nn_fit_target_scaling(a, NN_SCALE_NONE, 0, NULL), NN_OK);
    assert_int_equal(nn_set_class_names(a, 0, NULL), NN_OK);
    char *cleared = save_text(a);
    assert_string_equal(cleared, plain_text);
    free(cleared);
    free(again);
    free(text);
    free(plain_text);
    nn_free(loaded);
    nn_free(a);
    nn_free(b);
}

/* One output: two class names; input scaling alone; a checkpoint. */
static void test_checkpoint_carries_them(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 2, 1};
    nn_t *net = make_net(3, sizes, 3);
    assert_int_equal(nn_set_input_scaling(net, in_offset, in_scale, 3), NN_OK);
    const char *names[] = {"no", "yes"};
    assert_int_equal(nn_set_class_names(net, 1, names), NN_ERR_COUNT);
    assert_int_equal(nn_set_class_names(net, 2, names), NN_OK);
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, net, NN_OPT_ADAM), NN_OK);
    size_t n = 0;
    assert_int_equal(nn_save_checkpoint_buffer(net, opt, NULL, 0, &n), NN_ERR_BUFFER_SIZE);
    char *text = malloc(n + 1);
    assert_non_null(text);
    assert_int_equal(nn_save_checkpoint_buffer(net, opt, text, n + 1, &n), NN_OK);
    assert_non_null(strstr(text, "section scaling\ninputs 3\n"));
    assert_non_null(strstr(text, "targets 0\n"));
    nn_t *back = NULL;
    nn_optimizer_t *back_opt = NULL;
    assert_int_equal(nn_load_checkpoint_buffer(&back, &back_opt, text, n), NN_OK);
    assert_int_equal(nn_has_input_scaling(back), 1);
    assert_int_equal(nn_has_target_scaling(back), 0);
    assert_int_equal(nn_class_count(back), 2);
    assert_string_equal(nn_class_name(back, 1), "yes");
    assert_null(nn_class_name(back, 2));
    nn_optimizer_free(back_opt);
    nn_free(back);
    nn_optimizer_free(opt);
    free(text);
    nn_free(net);
}

/* ---- malformed sections ---- */

static void expect_refused(const char *text, nn_status status, const char *needle)
{
    nn_t *net = NULL;
    char message[256] = "";
    const nn_status got = nn_load_buffer_with(&net, text, strlen(text), NULL, message,
                                              sizeof message);
    if (got != status || strstr(message, needle) == NULL) {
        print_error("status %d, expected %d; message '%s', expected '%s'\n", got, status,
                    message, needle);
        fail();
    }
    assert_null(net);
}

static void test_malformed_sections(void **state)
{
    (void)state;
    const size_t sizes[] = {2, 1};
    nn_t *net = make_net(2, sizes, 5);
    char *v1 = save_text(net);
    char *head = malloc(strlen(v1) + 1);
    assert_non_null(head);
    strcpy(head, v1);
    head[15] = '2';
    const struct {
        const char *tail;
        const char *needle;
    } cases[] = {
        {"section scaling\n", "expected 'inputs'"},
        {"section scaling\ninputs 3\n", "disagrees with the network's 2 inputs"},
        {"section scaling\ninputs x\n", "not a whole number"},
        {"section scaling\ninputs 2\n0x1p+0\n", "1 numbers where the inputs offsets"},
        {"section scaling\ninputs 2\n0x1p+0 0x1p+0\n0x1p+0 0x0p+0\ntargets 0\n",
         "inputs scales must be above 0"},
        {"section scaling\ninputs 2\n0x1p+0 0x1p+0\n0x1p+0 -0x1p+0\ntargets 0\n",
         "above 0"},
        {"section scaling\ninputs 2\n0x1p+0 0x1p+0\n0x1p+0 inf\ntargets 0\n", "not finite"},
        {"section scaling\ninputs 2\n0x1p+0 0x1p+0\n0x1p+0 0.5\ntargets 0\n",
         "not a hexadecimal"},
        {"section scaling\ninputs 0\ntargets 0\n", "neither inputs nor targets"},
        {"section scaling\ninputs 0\ntargets 1\n0x1p+0\n", "expected the targets scales"},
        {"section scaling\ninputs 0\n", "expected 'targets'"},
        {"section classes\ncount 1\n", "takes 2 class names"},
        {"section classes\ncount 2\nclass a\n", "expected 'class'"},
        {"section classes\ncount 2\nclass a\nclass b c\n", "unexpected 'c'"},
        {"section classes\ncount 2\nclass a\nclass\n", "missing class name"},
        {"section classes\ncount 2\nclass a\nclass b%4\n", "two hexadecimal digits"},
        {"section classes\ncount 2\nclass a\nclass b%G0\n", "two hexadecimal digits"},
        {"section classes\ncount 2\nclass a\nclass b%00\n", "NUL or a newline"},
        {"section classes\ncount 2\nclass a\nclass b%0a\n", "NUL or a newline"},
        {"section classes\ncount 2\nclass a\nclass b+c\n", "not written as %XX"},
        {"section classes\ncount 2\nclass a\nclass b\nclass c\n", "'class'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = malloc(strlen(head) + strlen(cases[i].tail) + 1);
        assert_non_null(text);
        strcpy(text, head);
        strcat(text, cases[i].tail);
        expect_refused(text, NN_ERR_FORMAT, cases[i].needle);
        free(text);
    }
    /* a name of 256 bytes */
    char *text = malloc(strlen(head) + 64 + 256);
    assert_non_null(text);
    strcpy(text, head);
    strcat(text, "section classes\ncount 2\nclass a\nclass ");
    memset(text + strlen(text) + 0, 'x', 256);
    strcpy(text + strlen(head) + strlen("section classes\ncount 2\nclass a\nclass ") + 256,
           "\n");
    expect_refused(text, NN_ERR_FORMAT, "longer than 255 bytes");
    free(text);
    free(head);
    free(v1);
    nn_free(net);
}

/* ---- explain ---- */

struct text {
    char *data;
    size_t len;
};

static int collect(void *context, const char *bytes, size_t n)
{
    struct text *t = context;
    char *grown = realloc(t->data, t->len + n + 1);
    if (grown == NULL)
        return 1;
    memcpy(grown + t->len, bytes, n);
    t->data = grown;
    t->len += n;
    t->data[t->len] = '\0';
    return 0;
}

static struct text explain(nn_t *net, int format, const double *input, const double *target)
{
    nn_explain_options_t *options = NULL;
    assert_int_equal(nn_explain_options_create(&options), NN_OK);
    assert_int_equal(nn_explain_options_set_format(options, format), NN_OK);
    struct text t = {NULL, 0};
    assert_int_equal(nn_explain(net, options, input, 3, target, 2, 0.5, collect, &t), NN_OK);
    nn_explain_options_free(options);
    return t;
}

/* The part of s from the first `from` to the first `to` after it. */
static char *between(const char *s, const char *from, const char *to)
{
    const char *a = strstr(s, from);
    assert_non_null(a);
    const char *b = strstr(a, to);
    assert_non_null(b);
    char *out = malloc((size_t)(b - a) + 1);
    assert_non_null(out);
    memcpy(out, a, (size_t)(b - a));
    out[b - a] = '\0';
    return out;
}

static void test_explain_shows_scaled_inputs(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 2, 2};
    nn_t *a = NULL, *b = NULL;
    scaled_pair(sizes, 3, &a, &b);
    double raw[3], scaled[3];
    fill(raw, 3, 1.25, 0.5);
    scale_by_hand(1, 3, in_offset, in_scale, raw, scaled);
    const double target[2] = {0.25, 0.75};
    /* JSON: the raw input, the scaled one, the scaling; the layers' values
       those of the unscaled network fed the scaled input */
    struct text ja = explain(a, NN_EXPLAIN_JSON, raw, target);
    struct text jb = explain(b, NN_EXPLAIN_JSON, scaled, target);
    assert_non_null(strstr(ja.data, "\"input_scaling\": {\"offset\": [5, -2.5, 100], "
                                    "\"scale\": [3, 0.5, 40]}"));
    assert_non_null(strstr(ja.data, "\"target_scaling\": {\"offset\": [10, -1], "
                                    "\"scale\": [4, 0.25]}"));
    assert_non_null(strstr(ja.data, "\"scaled_input\": ["));
    assert_null(strstr(jb.data, "scaled_input"));
    assert_null(strstr(jb.data, "input_scaling"));
    char *la = between(strstr(ja.data, "\"samples\""), "\"layers\": [", "\"loss_after\""),
         *lb = between(strstr(jb.data, "\"samples\""), "\"layers\": [", "\"loss_after\"");
    assert_string_equal(la, lb);
    free(la);
    free(lb);
    char *sa = between(ja.data, "\"scaled_input\"", "]"), *ib = between(jb.data, "\"input\"", "]");
    assert_string_equal(sa + strlen("\"scaled_input\""), ib + strlen("\"input\""));
    free(sa);
    free(ib);
    /* text: the raw input, the note, and the forward pass of the scaled input */
    struct text ta = explain(a, NN_EXPLAIN_TEXT, raw, target);
    struct text tb = explain(b, NN_EXPLAIN_TEXT, scaled, target);
    assert_non_null(strstr(ta.data, "Raw input:"));
    assert_non_null(strstr(ta.data, "Input scaling applied"));
    assert_null(strstr(tb.data, "Input scaling applied"));
    char *fa = between(strstr(ta.data, "Input scaling applied"), "Input:", "Loss"),
         *fb = between(tb.data, "Input:", "Loss");
    assert_string_equal(fa, fb);
    free(fa);
    free(fb);
    free(ta.data);
    free(tb.data);
    free(ja.data);
    free(jb.data);
    nn_free(a);
    nn_free(b);
}

/* ---- refusals ---- */

static void test_bad_input_leaves_network(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 4, 2};
    nn_t *a = NULL, *b = NULL;
    scaled_pair(sizes, 3, &a, &b);
    char *before = save_text(a);
    const double ok[3] = {1.0, 1.0, 1.0}, nan3[3] = {1.0, NAN, 1.0};
    const double zero[3] = {1.0, 0.0, 1.0}, negative[3] = {1.0, -2.0, 1.0};
    const double inf3[3] = {INFINITY, 1.0, 1.0};
    assert_int_equal(nn_set_input_scaling(NULL, ok, ok, 3), NN_ERR_NULL_ARG);
    assert_int_equal(nn_set_input_scaling(a, NULL, ok, 3), NN_ERR_NULL_ARG);
    assert_int_equal(nn_set_input_scaling(a, ok, NULL, 3), NN_ERR_NULL_ARG);
    assert_int_equal(nn_set_input_scaling(a, ok, ok, 2), NN_ERR_COUNT);
    assert_int_equal(nn_set_target_scaling(a, ok, ok, 3), NN_ERR_COUNT);
    assert_int_equal(nn_set_input_scaling(a, nan3, ok, 3), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_set_input_scaling(a, ok, inf3, 3), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_set_input_scaling(a, ok, zero, 3), NN_ERR_ARGUMENT);
    assert_int_equal(nn_set_target_scaling(a, ok, negative, 2), NN_ERR_ARGUMENT);
    double o[3], s[3];
    assert_int_equal(nn_get_input_scaling(a, o, s, 2), NN_ERR_COUNT);
    assert_int_equal(nn_get_input_scaling(a, NULL, s, 3), NN_ERR_NULL_ARG);
    assert_int_equal(nn_get_target_scaling(NULL, o, s, 2), NN_ERR_NULL_ARG);
    /* fitting */
    const double rows[6] = {1.0, 2.0, 3.0, 4.0, 5.0, 6.0};
    const double bad_rows[6] = {1.0, 2.0, 3.0, 4.0, NAN, 6.0};
    const double wide_rows[6] = {-1e308, 0.0, 0.0, 1e308, 1.0, 1.0};
    assert_int_equal(nn_fit_input_scaling(NULL, NN_SCALE_STANDARD, 2, rows), NN_ERR_NULL_ARG);
    assert_int_equal(nn_fit_input_scaling(a, NN_SCALE_STANDARD, 2, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_fit_input_scaling(a, 3, 2, rows), NN_ERR_ARGUMENT);
    assert_int_equal(nn_fit_input_scaling(a, -1, 2, rows), NN_ERR_ARGUMENT);
    assert_int_equal(nn_fit_input_scaling(a, NN_SCALE_STANDARD, 0, rows), NN_ERR_COUNT);
    assert_int_equal(nn_fit_input_scaling(a, NN_SCALE_STANDARD, 2, bad_rows), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_fit_input_scaling(a, NN_SCALE_MINMAX, 2, wide_rows), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_fit_input_scaling(a, NN_SCALE_STANDARD, SIZE_MAX / 8, rows),
                     NN_ERR_TOO_LARGE);
    assert_int_equal(nn_fit_target_scaling(a, NN_SCALE_MINMAX, 3, bad_rows), NN_ERR_NOT_FINITE);
    /* class names */
    const char *names[] = {"a", "b", "c"};
    const char *empty[] = {"a", ""}, *newline[] = {"a\n", "b"}, *with_null[] = {"a", NULL};
    char long_name[NN_MAX_CLASS_NAME + 2];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    const char *too_long[] = {"a", long_name};
    assert_int_equal(nn_set_class_names(a, 2, names), NN_OK);
    assert_int_equal(nn_set_class_names(NULL, 2, names), NN_ERR_NULL_ARG);
    assert_int_equal(nn_set_class_names(a, 2, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_set_class_names(a, 3, names), NN_ERR_COUNT);
    assert_int_equal(nn_set_class_names(a, 1, names), NN_ERR_COUNT);
    assert_int_equal(nn_set_class_names(a, 2, empty), NN_ERR_NAME);
    assert_int_equal(nn_set_class_names(a, 2, newline), NN_ERR_NAME);
    assert_int_equal(nn_set_class_names(a, 2, too_long), NN_ERR_NAME);
    assert_int_equal(nn_set_class_names(a, 2, with_null), NN_ERR_NULL_ARG);
    long_name[NN_MAX_CLASS_NAME] = '\0'; /* 255 bytes: taken */
    /* the network's own names may be given back */
    const char *own[] = {nn_class_name(a, 1), nn_class_name(a, 0)};
    assert_int_equal(nn_set_class_names(a, 2, own), NN_OK);
    assert_string_equal(nn_class_name(a, 0), "b");
    assert_int_equal(nn_set_class_names(a, 2, names), NN_OK);
    assert_int_equal(nn_class_count(NULL), 0);
    assert_null(nn_class_name(NULL, 0));
    /* a pass whose scaled input would overflow: refused before any write */
    const double tiny_scale[3] = {1e-300, 1.0, 1.0};
    nn_t *c = NULL;
    assert_int_equal(nn_clone(a, &c), NN_OK);
    assert_int_equal(nn_set_input_scaling(c, ok, tiny_scale, 3), NN_OK);
    const double big[3] = {1e10, 1.0, 1.0}, target[2] = {0.0, 0.0};
    double out[6];
    assert_int_equal(nn_forward(c, ok, out), NN_OK);
    assert_int_equal(nn_forward(c, big, out), NN_ERR_NOT_FINITE);
    double loss = -1.0;
    assert_int_equal(nn_loss(c, target, &loss), NN_OK); /* the last pass stays */
    assert_int_equal(nn_train_sample(c, big, target, 0.1), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_forward_batch(c, 1, ok, out), NN_OK);
    assert_int_equal(nn_forward_batch(c, 1, big, out), NN_ERR_NOT_FINITE);
    assert_int_equal(nn_loss_batch(c, 1, target, &loss), NN_OK); /* the last batch stays */
    double work[4096];
    assert_true(nn_inference_workspace_size(c, 1) <= 4096);
    assert_int_equal(nn_predict(c, 1, big, out, work, 4096), NN_ERR_NOT_FINITE);
    nn_free(c);
    /* a change of the input scaling makes the last pass stale */
    assert_int_equal(nn_forward(a, ok, out), NN_OK);
    assert_int_equal(nn_set_input_scaling(a, in_offset, in_scale, 3), NN_OK);
    assert_int_equal(nn_loss(a, target, &loss), NN_ERR_STALE_FORWARD);
    char *after = save_text(a);
    /* only the class names differ from the text before */
    assert_non_null(strstr(after, "section classes"));
    assert_int_equal(nn_set_class_names(a, 0, NULL), NN_OK);
    free(after);
    after = save_text(a);
    assert_string_equal(after, before);
    free(after);
    free(before);
    nn_free(a);
    nn_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_fit_matches_scikit_learn),
        cmocka_unit_test(test_passes_apply_scaling),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_clone_copies),
        cmocka_unit_test(test_save_load_round_trip),
        cmocka_unit_test(test_checkpoint_carries_them),
        cmocka_unit_test(test_malformed_sections),
        cmocka_unit_test(test_explain_shows_scaled_inputs),
        cmocka_unit_test(test_bad_input_leaves_network),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

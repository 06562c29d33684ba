/* nn_evaluate() and nn_predict_class() against scikit-learn's metrics
   (tests/ref/metrics_ref.h, from tests/ref/metrics_ref.py) for a softmax
   classifier, a linear regression and a one-output sigmoid classifier; the
   bit-fail count and the edge cases by hand; the statuses of bad arguments. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backprop.h"
#include "check.h"
#include "ref/metrics_ref.h"

#define REL 1e-12

/* A network of one layer with the given parameters and loss. */
static nn_t *one_layer(size_t n_in, size_t n_out, int act, int loss, const double *params)
{
    const size_t sizes[2] = {n_in, n_out};
    const int acts[1] = {act};
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 2, sizes, acts), NN_OK);
    assert_int_equal(nn_set_loss(net, loss), NN_OK);
    assert_int_equal(nn_set_params(net, params, nn_param_count(net)), NN_OK);
    return net;
}

static nn_metrics_t *evaluate(const nn_t *net, size_t rows, const double *inputs,
                              const double *targets)
{
    nn_dataset_t *data = NULL;
    nn_metrics_t *m = NULL;
    assert_int_equal(nn_dataset_wrap(&data, rows, nn_input_count(net), nn_output_count(net),
                                     inputs, targets),
                     NN_OK);
    assert_int_equal(nn_evaluate(net, data, &m), NN_OK);
    nn_dataset_free(data);
    return m;
}

static double metric(const nn_metrics_t *m, int code)
{
    double v = -1.0;
    assert_int_equal(nn_metrics_get(m, code, &v), NN_OK);
    return v;
}

static void check_errors(const nn_metrics_t *m, double loss, double mse, double mae, double r2)
{
    assert_rel(metric(m, NN_METRIC_LOSS), loss, REL);
    assert_rel(metric(m, NN_METRIC_MSE), mse, REL);
    assert_rel(metric(m, NN_METRIC_MAE), mae, REL);
    assert_rel(metric(m, NN_METRIC_R2), r2, REL);
}

static void check_classes(const nn_metrics_t *m, size_t k, double accuracy, const double *p,
                          const double *r, const double *f, const size_t *support,
                          const double macro[3], const size_t *confusion)
{
    assert_int_equal(nn_metrics_class_count(m), k);
    assert_rel(metric(m, NN_METRIC_ACCURACY), accuracy, REL);
    for (size_t c = 0; c < k; c++) {
        double pc, rc, fc;
        size_t sc;
        assert_int_equal(nn_metrics_class(m, c, &pc, &rc, &fc, &sc), NN_OK);
        assert_abs(pc, p[c], 1e-15);
        assert_abs(rc, r[c], 1e-15);
        assert_abs(fc, f[c], 1e-15);
        assert_int_equal(sc, support[c]);
    }
    assert_rel(metric(m, NN_METRIC_MACRO_PRECISION), macro[0], REL);
    assert_rel(metric(m, NN_METRIC_MACRO_RECALL), macro[1], REL);
    assert_rel(metric(m, NN_METRIC_MACRO_F1), macro[2], REL);
    size_t counts[16];
    assert_int_equal(nn_metrics_confusion(m, counts, k * k), NN_OK);
    assert_memory_equal(counts, confusion, k * k * sizeof(size_t));
}

static void softmax_classifier(void **state)
{
    (void)state;
    nn_t *net = one_layer(3, 4, NN_ACT_SOFTMAX, NN_LOSS_CROSS_ENTROPY, softmax_params);
    nn_metrics_t *m = evaluate(net, 12, softmax_inputs, softmax_targets);
    assert_int_equal(nn_metrics_row_count(m), 12);
    check_errors(m, softmax_loss, softmax_mse, softmax_mae, softmax_r2);
    const double macro[3] = {softmax_macro_precision, softmax_macro_recall, softmax_macro_f1};
    check_classes(m, 4, softmax_accuracy, softmax_precision, softmax_recall, softmax_f1,
                  softmax_support, macro, softmax_confusion);
    nn_metrics_free(m);
    nn_free(net);
}

static void linear_regression(void **state)
{
    (void)state;
    nn_t *net = one_layer(3, 3, NN_ACT_LINEAR, NN_LOSS_HALF_SSE, linear_params);
    nn_metrics_t *m = evaluate(net, 10, linear_inputs, linear_targets);
    check_errors(m, linear_loss, linear_mse, linear_mae, linear_r2);
    /* not a classification: no classes, the class metrics undefined */
    assert_int_equal(nn_metrics_class_count(m), 0);
    double v = 42.0;
    size_t counts[1] = {7};
    assert_int_equal(nn_metrics_get(m, NN_METRIC_ACCURACY, &v), NN_ERR_ARGUMENT);
    assert_int_equal(nn_metrics_get(m, NN_METRIC_MACRO_F1, &v), NN_ERR_ARGUMENT);
    assert_true(v == 42.0);
    assert_int_equal(nn_metrics_class(m, 0, &v, NULL, NULL, NULL), NN_ERR_ARGUMENT);
    assert_int_equal(nn_metrics_confusion(m, counts, 0), NN_ERR_ARGUMENT);
    assert_int_equal(counts[0], 7);
    nn_metrics_free(m);
    nn_free(net);
}

static void binary_classifier(void **state)
{
    (void)state;
    nn_t *net = one_layer(2, 1, NN_ACT_SIGMOID, NN_LOSS_BINARY_CROSS_ENTROPY, binary_params);
    nn_metrics_t *m = evaluate(net, 10, binary_inputs, binary_targets);
    check_errors(m, binary_loss, binary_mse, binary_mae, binary_r2);
    const double macro[3] = {binary_macro_precision, binary_macro_recall, binary_macro_f1};
    check_classes(m, 2, binary_accuracy, binary_precision, binary_recall, binary_f1,
                  binary_support, macro, binary_confusion);
    /* nn_predict_class: class 1 with the output at or above 0.5, else class 0 with 1 - output */
    for (size_t i = 0; i < 10; i++) {
        size_t k = 9;
        double p = -1.0;
        assert_int_equal(nn_predict_class(net, binary_inputs + 2 * i, &k, &p), NN_OK);
        const double o = binary_outputs[i];
        assert_int_equal(k, o >= 0.5 ? 1 : 0);
        assert_rel(p, o >= 0.5 ? o : 1.0 - o, 1e-14);
    }
    nn_metrics_free(m);
    nn_free(net);
}

static void predict_class_softmax(void **state)
{
    (void)state;
    nn_t *net = one_layer(3, 4, NN_ACT_SOFTMAX, NN_LOSS_CROSS_ENTROPY, softmax_params);
    /* the first 7 rows of the reference are labelled with the predicted class */
    for (size_t i = 0; i < 7; i++) {
        size_t k = 9;
        double p = -1.0, out[4];
        assert_int_equal(nn_predict_class(net, softmax_inputs + 3 * i, &k, &p), NN_OK);
        assert_true(softmax_targets[4 * i + k] == 1.0);
        double work[64];
        assert_int_equal(nn_predict(net, 1, softmax_inputs + 3 * i, out, work, 64), NN_OK);
        assert_true(p == out[k]);
        assert_int_equal(nn_predict_class(net, softmax_inputs + 3 * i, &k, NULL), NN_OK);
    }
    nn_free(net);
}

/* Outputs equal to the inputs (one identity layer): the bit-fail count by
   hand, an r2 with a constant target column, a tie of the largest output. */
static void by_hand(void **state)
{
    (void)state;
    const double identity[6] = {1, 0, 0, 1, 0, 0};
    nn_t *net = one_layer(2, 2, NN_ACT_LINEAR, NN_LOSS_MSE, identity);
    /* differences: 0.35, 0.3499, -0.5, 0, 0.1, 0.35; the limit itself fails */
    const double in[6] = {0.85, 0.3499, 0.5, 1.0, 0.1, 0.35};
    const double tg[6] = {0.5, 0.0, 1.0, 1.0, 0.0, 0.0};
    nn_metrics_t *m = evaluate(net, 3, in, tg);
    double v;
    /* 0.85 - 0.5 is exactly the double 0.35 (Sterbenz), so it fails like 0.35 itself */
    const double d[6] = {0.85 - 0.5, 0.3499, -0.5, 0.0, 0.1, 0.35};
    size_t fails = 0;
    double sq = 0.0;
    for (size_t i = 0; i < 6; i++) {
        fails += d[i] >= 0.35 || d[i] <= -0.35;
        sq += d[i] * d[i];
    }
    assert_int_equal(fails, 3);
    assert_true(metric(m, NN_METRIC_BIT_FAIL) == (double)fails);
    assert_rel(metric(m, NN_METRIC_MSE), sq / 6.0, REL);
    assert_rel(metric(m, NN_METRIC_LOSS), sq / 6.0, REL); /* mse loss: the mean over the rows */
    nn_metrics_free(m);
    /* a constant target column: 1 when predicted exactly, else 0 */
    const double in2[4] = {0.0, 2.0, 1.0, 2.0};
    const double tg2[4] = {0.0, 2.0, 2.0, 2.0};
    m = evaluate(net, 2, in2, tg2);
    /* column 0: ss_res 1, ss_tot 2 -> 0.5; column 1 constant and exact -> 1 */
    assert_rel(metric(m, NN_METRIC_R2), 0.75, REL);
    nn_metrics_free(m);
    const double in3[4] = {0.0, 2.5, 1.0, 2.0};
    m = evaluate(net, 2, in3, tg2);
    assert_rel(metric(m, NN_METRIC_R2), 0.25, REL); /* column 1 constant, missed -> 0 */
    nn_metrics_free(m);
    /* one row: no r2 */
    m = evaluate(net, 1, in3, tg2);
    assert_int_equal(nn_metrics_get(m, NN_METRIC_R2, &v), NN_ERR_ARGUMENT);
    nn_metrics_free(m);
    /* a tie: the first largest output wins, in nn_predict_class and the confusion matrix */
    size_t k = 9;
    const double tie[2] = {0.5, 0.5};
    assert_int_equal(nn_predict_class(net, tie, &k, &v), NN_OK);
    assert_int_equal(k, 0);
    assert_true(v == 0.5);
    const double one_hot[2] = {0.0, 1.0};
    m = evaluate(net, 1, tie, one_hot);
    size_t counts[4];
    assert_int_equal(nn_metrics_confusion(m, counts, 4), NN_OK);
    assert_int_equal(counts[1 * 2 + 0], 1);
    assert_true(metric(m, NN_METRIC_ACCURACY) == 0.0);
    nn_metrics_free(m);
    nn_free(net);
}

/* A set with class names is a classification even with targets that are
   not 0 or 1; one without, and with such targets, is not. */
static void class_names_make_a_classification(void **state)
{
    (void)state;
    const double identity[6] = {1, 0, 0, 1, 0, 0};
    nn_t *net = one_layer(2, 2, NN_ACT_LINEAR, NN_LOSS_HALF_SSE, identity);
    const double in[4] = {0.9, 0.1, 0.2, 0.7};
    const double tg[4] = {0.8, 0.2, 0.3, 0.7};
    nn_dataset_t *data = NULL;
    nn_metrics_t *m = NULL;
    assert_int_equal(nn_dataset_create(&data, 2, 2, 2, in, tg), NN_OK);
    assert_int_equal(nn_evaluate(net, data, &m), NN_OK);
    assert_int_equal(nn_metrics_class_count(m), 0);
    nn_metrics_free(m);
    const char *names[2] = {"cat", "dog"};
    assert_int_equal(nn_dataset_set_class_names(data, 2, names), NN_OK);
    assert_int_equal(nn_evaluate(net, data, &m), NN_OK);
    assert_int_equal(nn_metrics_class_count(m), 2);
    assert_true(metric(m, NN_METRIC_ACCURACY) == 1.0);
    nn_metrics_free(m);
    nn_dataset_free(data);
    nn_free(net);
}

/* Target scaling: nn_predict() gives raw outputs; mse, mae and r2 compare
   them with the raw targets, the loss and the bit-fail count work in the
   network's units, (x - offset) / scale. */
static void target_scaling(void **state)
{
    (void)state;
    const double identity[2] = {1, 0};
    nn_t *net = one_layer(1, 1, NN_ACT_LINEAR, NN_LOSS_HALF_SSE, identity);
    const double offset = 1.0, scale = 4.0;
    assert_int_equal(nn_set_target_scaling(net, &offset, &scale, 1), NN_OK);
    /* network outputs = inputs; raw outputs 4 x + 1 */
    const double in[3] = {0.0, 0.5, 1.0}, tg[3] = {1.0, 4.0, 3.0};
    const double raw[3] = {1.0, 3.0, 5.0};
    nn_metrics_t *m = evaluate(net, 3, in, tg);
    double sq = 0.0, ab = 0.0, loss = 0.0, fails = 0.0;
    for (size_t i = 0; i < 3; i++) {
        const double d = tg[i] - raw[i], nd = (tg[i] - offset) / scale - in[i];
        sq += d * d;
        ab += fabs(d);
        loss += 0.5 * nd * nd;
        fails += fabs(nd) >= 0.35;
    }
    assert_rel(metric(m, NN_METRIC_MSE), sq / 3.0, REL);  /* (0 + 1 + 4) / 3 */
    assert_rel(metric(m, NN_METRIC_MAE), ab / 3.0, REL);  /* (0 + 1 + 2) / 3 */
    assert_rel(metric(m, NN_METRIC_LOSS), loss / 3.0, REL); /* (0 + 1/32 + 1/8) / 3 */
    assert_true(metric(m, NN_METRIC_BIT_FAIL) == fails);  /* only |-0.5| */
    assert_true(fails == 1.0);
    /* r2 in raw units: mean of the targets 8/3 */
    const double mean = 8.0 / 3.0;
    const double ss_tot = (1 - mean) * (1 - mean) + (4 - mean) * (4 - mean) + (3 - mean) * (3 - mean);
    assert_rel(metric(m, NN_METRIC_R2), 1.0 - 5.0 / ss_tot, REL);
    nn_metrics_free(m);
    nn_free(net);
}

/* Class names in the network make a classification of any targets. */
static void network_class_names(void **state)
{
    (void)state;
    const double identity[6] = {1, 0, 0, 1, 0, 0};
    nn_t *net = one_layer(2, 2, NN_ACT_LINEAR, NN_LOSS_HALF_SSE, identity);
    const char *names[2] = {"no", "yes"};
    assert_int_equal(nn_set_class_names(net, 2, names), NN_OK);
    const double in[4] = {0.9, 0.1, 0.2, 0.7}, tg[4] = {0.3, 0.2, 0.3, 0.7};
    nn_metrics_t *m = evaluate(net, 2, in, tg);
    assert_int_equal(nn_metrics_class_count(m), 2);
    assert_true(metric(m, NN_METRIC_ACCURACY) == 1.0);
    nn_metrics_free(m);
    nn_free(net);
}

/* More rows than one chunk of nn_predict(): the same numbers as the
   reference repeated (every metric here is a mean or a ratio of counts). */
static void many_chunks(void **state)
{
    (void)state;
    enum { COPIES = 70 }; /* 840 rows: four chunks, the last one short */
    double *in = malloc(COPIES * sizeof softmax_inputs);
    double *tg = malloc(COPIES * sizeof softmax_targets);
    assert_non_null(in);
    assert_non_null(tg);
    for (size_t c = 0; c < COPIES; c++) {
        memcpy(in + c * 36, softmax_inputs, sizeof softmax_inputs);
        memcpy(tg + c * 48, softmax_targets, sizeof softmax_targets);
    }
    nn_t *net = one_layer(3, 4, NN_ACT_SOFTMAX, NN_LOSS_CROSS_ENTROPY, softmax_params);
    nn_metrics_t *m = evaluate(net, 12 * COPIES, in, tg);
    assert_rel(metric(m, NN_METRIC_LOSS), softmax_loss, 1e-11);
    assert_rel(metric(m, NN_METRIC_ACCURACY), softmax_accuracy, REL);
    assert_rel(metric(m, NN_METRIC_R2), softmax_r2, 1e-11);
    assert_rel(metric(m, NN_METRIC_MACRO_F1), softmax_macro_f1, REL);
    size_t counts[16];
    assert_int_equal(nn_metrics_confusion(m, counts, 16), NN_OK);
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(counts[i], COPIES * softmax_confusion[i]);
    nn_metrics_free(m);
    nn_free(net);
    free(in);
    free(tg);
}

static void bad_arguments(void **state)
{
    (void)state;
    nn_t *net = one_layer(3, 4, NN_ACT_SOFTMAX, NN_LOSS_CROSS_ENTROPY, softmax_params);
    nn_dataset_t *data = NULL, *wrong_inputs = NULL, *no_targets = NULL, *wrong_targets = NULL;
    assert_int_equal(nn_dataset_wrap(&data, 12, 3, 4, softmax_inputs, softmax_targets), NN_OK);
    assert_int_equal(nn_dataset_wrap(&wrong_inputs, 12, 2, 4, softmax_inputs, softmax_targets),
                     NN_OK);
    assert_int_equal(nn_dataset_wrap(&no_targets, 12, 3, 0, softmax_inputs, NULL), NN_OK);
    assert_int_equal(nn_dataset_wrap(&wrong_targets, 12, 3, 3, softmax_inputs, softmax_targets),
                     NN_OK);
    nn_metrics_t *sentinel = (nn_metrics_t *)(uintptr_t)1, *m = sentinel;
    assert_int_equal(nn_evaluate(NULL, data, &m), NN_ERR_NULL_ARG);
    assert_int_equal(nn_evaluate(net, NULL, &m), NN_ERR_NULL_ARG);
    assert_int_equal(nn_evaluate(net, data, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_evaluate(net, wrong_inputs, &m), NN_ERR_COUNT);
    assert_int_equal(nn_evaluate(net, no_targets, &m), NN_ERR_COUNT);
    assert_int_equal(nn_evaluate(net, wrong_targets, &m), NN_ERR_COUNT);
    assert_ptr_equal(m, sentinel);
    assert_int_equal(nn_evaluate(net, data, &m), NN_OK);
    double v = 3.0;
    size_t counts[16], k = 5;
    assert_int_equal(nn_metrics_get(NULL, NN_METRIC_LOSS, &v), NN_ERR_NULL_ARG);
    assert_int_equal(nn_metrics_get(m, NN_METRIC_LOSS, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_metrics_get(m, -1, &v), NN_ERR_ARGUMENT);
    assert_int_equal(nn_metrics_get(m, 9, &v), NN_ERR_ARGUMENT);
    assert_true(v == 3.0);
    assert_int_equal(nn_metrics_class(NULL, 0, &v, NULL, NULL, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_metrics_class(m, 4, &v, NULL, NULL, NULL), NN_ERR_ARGUMENT);
    assert_true(v == 3.0);
    assert_int_equal(nn_metrics_confusion(m, counts, 15), NN_ERR_COUNT);
    assert_int_equal(nn_metrics_confusion(m, NULL, 16), NN_ERR_NULL_ARG);
    assert_int_equal(nn_metrics_confusion(NULL, counts, 16), NN_ERR_NULL_ARG);
    assert_int_equal(nn_metrics_row_count(NULL), 0);
    assert_int_equal(nn_metrics_class_count(NULL), 0);
    nn_metrics_free(m);
    nn_metrics_free(NULL);
    const double nan_input[3] = {0.0, NAN, 1.0};
    assert_int_equal(nn_predict_class(NULL, softmax_inputs, &k, &v), NN_ERR_NULL_ARG);
    assert_int_equal(nn_predict_class(net, NULL, &k, &v), NN_ERR_NULL_ARG);
    assert_int_equal(nn_predict_class(net, softmax_inputs, NULL, &v), NN_ERR_NULL_ARG);
    assert_int_equal(nn_predict_class(net, nan_input, &k, &v), NN_ERR_NOT_FINITE);
    assert_int_equal(k, 5);
    assert_true(v == 3.0);
    nn_dataset_free(data);
    nn_dataset_free(wrong_inputs);
    nn_dataset_free(no_targets);
    nn_dataset_free(wrong_targets);
    nn_free(net);
}

/* Outputs that overflow: nn_evaluate() passes on nn_predict()'s status. */
static void diverging_outputs(void **state)
{
    (void)state;
    const double huge[6] = {1e308, 1e308, 0, 1e308, 0, 0};
    nn_t *net = one_layer(2, 2, NN_ACT_LINEAR, NN_LOSS_HALF_SSE, huge);
    const double in[2] = {10.0, 10.0}, tg[2] = {0.0, 1.0};
    nn_dataset_t *data = NULL;
    nn_metrics_t *m = NULL;
    assert_int_equal(nn_dataset_wrap(&data, 1, 2, 2, in, tg), NN_OK);
    assert_int_equal(nn_evaluate(net, data, &m), NN_ERR_DIVERGED);
    assert_null(m);
    size_t k = 3;
    assert_int_equal(nn_predict_class(net, in, &k, NULL), NN_ERR_DIVERGED);
    assert_int_equal(k, 3);
    nn_dataset_free(data);
    nn_free(net);
}

static void metric_names(void **state)
{
    (void)state;
    const char *expected[] = {"loss", "accuracy", "mse", "mae", "r2", "bit_fail",
                              "macro_f1", "macro_precision", "macro_recall"};
    for (int code = 0; code < 9; code++) {
        int back = -1;
        assert_string_equal(nn_metric_name(code), expected[code]);
        assert_int_equal(nn_metric_from_name(expected[code], &back), NN_OK);
        assert_int_equal(back, code);
    }
    assert_null(nn_metric_name(9));
    assert_null(nn_metric_name(-1));
    int code = 77;
    assert_int_equal(nn_metric_from_name("bit-fail", &code), NN_OK);
    assert_int_equal(code, NN_METRIC_BIT_FAIL);
    code = 77;
    assert_int_equal(nn_metric_from_name("precision", &code), NN_ERR_ARGUMENT);
    assert_int_equal(nn_metric_from_name("", &code), NN_ERR_ARGUMENT);
    assert_int_equal(code, 77);
    assert_int_equal(nn_metric_from_name(NULL, &code), NN_ERR_NULL_ARG);
    assert_int_equal(nn_metric_from_name("loss", NULL), NN_ERR_NULL_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(softmax_classifier),
        cmocka_unit_test(linear_regression),
        cmocka_unit_test(binary_classifier),
        cmocka_unit_test(predict_class_softmax),
        cmocka_unit_test(by_hand),
        cmocka_unit_test(class_names_make_a_classification),
        cmocka_unit_test(target_scaling),
        cmocka_unit_test(network_class_names),
        cmocka_unit_test(many_chunks),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(diverging_outputs),
        cmocka_unit_test(metric_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

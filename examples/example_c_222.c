/* Worked example C: "A Step by Step Backpropagation Example" (Matt Mazur),
 * also re-told in "Backpropagation in Deep Neural Networks with Example".
 *
 * A 2-2-2 network, sigmoid everywhere, ONE bias per layer shared by both of
 * its neurons (b1 = 0.35, b2 = 0.60) and FROZEN (only the eight weights
 * learn); E = sum of 1/2 (target - out)^2; eta = 0.5.
 *
 * Tutorial names -> library layout (row j = receiving neuron, column i = input):
 *   layer 1: [[w1, w2], [w3, w4]]   (h1 gets w1 from i1 and w2 from i2)
 *   layer 2: [[w5, w6], [w7, w8]]   (o1 gets w5 from h1 and w6 from h2)
 *
 * The post derives one step under the standard rule (every gradient from the
 * old weights: nn_backward() then nn_step()), and its new weights follow it.
 * Its error after one step and its outputs after 10,000 steps, however, come
 * from the "sequential" rule, where the hidden deltas pass through the
 * already-updated output weights (nn_train_sequential()). This program runs
 * both rules and compares those figures with each.
 */
#include <stdio.h>

#include "backprop.h"
#include "report.h"

static const double input[2] = {0.05, 0.10};
static const double target[2] = {0.01, 0.99};
static const double eta = 0.5;

/* The starting parameters. */
static const double w1_start[4] = {0.15, 0.20, 0.25, 0.30};
static const double w2_start[4] = {0.40, 0.45, 0.50, 0.55};
static const double b_start[2] = {0.35, 0.60};

static const char *const w_names[8] = {"w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"};
static const char *const w_new[8] = {"w1+", "w2+", "w3+", "w4+", "w5+", "w6+", "w7+", "w8+"};
static const char *const b_frozen[2] = {"b1 (frozen)", "b2 (frozen)"};
static const char *const hidden[2] = {"h1", "h2"};
static const char *const output[2] = {"o1", "o2"};

/* What the post printed. Its figures after training appear twice, to be
   compared with the result of each rule. */
static const report_published published[] = {
    {"net h1", 0.3775, 4},
    {"out h1", 0.593269992, 9},
    {"out h2", 0.596884378, 9},
    {"net o1", 1.105905967, 9},
    {"out o1", 0.75136507, 8},
    {"out o2", 0.772928465, 9},
    {"E o1", 0.274811083, 9},
    {"E o2", 0.023560026, 9},
    {"E total", 0.298371109, 9},
    {"dE/dout o1", 0.74136507, 8},
    {"dout o1/dnet o1", 0.186815602, 9},
    {"delta o1", 0.138498562, 9},
    {"dE o1/dout h1 = delta o1 w5", 0.055399425, 9},
    {"dE o2/dout h1 = delta o2 w7", -0.019049119, 9},
    {"dE/dout h1", 0.036350306, 9},
    {"dout h1/dnet h1", 0.241300709, 9},
    {"dE/dw1", 0.000438568, 9},
    {"dE/dw5", 0.082167041, 9},
    {"w1+", 0.149780716, 9},
    {"w2+", 0.19956143, 8},
    {"w3+", 0.24975114, 8},
    {"w4+", 0.29950229, 8},
    {"w5+", 0.35891648, 8},
    {"w6+", 0.408666186, 9},
    {"w7+", 0.511301270, 9},
    {"w8+", 0.561370121, 9},
    {"E after 1 step, standard", 0.291027924, 9},
    {"E after 1 step, sequential", 0.291027924, 9},
    {"E after 10000 steps, standard", 0.0000351085, 10},
    {"E after 10000 steps, sequential", 0.0000351085, 10},
    {"out o1 after 10000 steps, standard", 0.015912196, 9},
    {"out o1 after 10000 steps, sequential", 0.015912196, 9},
    {"out o2 after 10000 steps, standard", 0.984065734, 9},
    {"out o2 after 10000 steps, sequential", 0.984065734, 9},
};

static const report_note notes[] = {
    {"dE o2/dout h1 = delta o2 w7", "the exact product rounds to -0.019049118; the post probably "
                                    "multiplied a rounded delta o2. Its sum dE/dout h1 is right."},
    {"E after 1 step, standard", "the post describes the standard rule, and its new weights "
                                 "follow it, but this error is the sequential-rule value (next "
                                 "row): it comes from an earlier version of the author's program."},
    {"E after 10000 steps, standard", "the post's figure matches neither rule (see the next row)."},
    {"E after 10000 steps, sequential",
     "the figure contradicts the post's own outputs, which give 1/2 (0.005912196^2 + "
     "0.005934266^2) = 0.0000350848. (By coincidence the standard rule gives 0.0000351085 "
     "after 9,999 steps.)"},
    {"out o1 after 10000 steps, standard", "the post's outputs are the sequential-rule values "
                                           "(next row)."},
    {"out o2 after 10000 steps, standard", "the post's outputs are the sequential-rule values "
                                           "(next row)."},
};

/* Exact values from the reference recomputation. */
static const double exact_z1[2] = {0.3775, 0.3925};
static const double exact_a1[2] = {0.593269992107, 0.59688437826};
static const double exact_z2[2] = {1.10590596706, 1.2249214041};
static const double exact_a2[2] = {0.751365069552, 0.772928465321};
static const double exact_dE_do[2] = {0.741365069552, -0.217071534679};
static const double exact_do_dnet[2] = {0.186815601809, 0.175510052817};
static const double exact_delta_o[2] = {0.138498561629, -0.0380982365166};
static const double exact_dE_dh[2] = {0.0363503063931, 0.0413703226487};
static const double exact_dh_dnet[2] = {0.241300708572, 0.240613417249};
static const double exact_delta_h[2] = {0.00877135468949, 0.00995425470522};
static const double exact_gw[8] = {0.000438567734474, 0.000877135468949, 0.000497712735261,
                                   0.000995425470522, 0.0821670405642,   0.0826676278475,
                                   -0.0226025404775,  -0.022740242216};
static const double exact_gb[2] = {0.0187256093947, 0.100400325112};
static const double exact_w_new[8] = {0.149780716133, 0.199561432266, 0.249751143632,
                                      0.299502287265, 0.358916479718, 0.408666186076,
                                      0.511301270239, 0.561370121108};
/* Sequential rule: the hidden layer sees the new w5..w8. */
static const double exact_seq_dE_dh[2] = {0.0302297394609, 0.0352124673105};
static const double exact_seq_w1_new[4] = {0.149817638561, 0.199635277122, 0.249788185198,
                                           0.299576370396};
static const double exact_std_w_10000[8] = {0.37850998835,  0.6570199767,  0.477300705685,
                                            0.75460141137,  -3.89297719887, -3.8684166877,
                                            2.86181094862,  2.92568896677};
static const double exact_seq_w_10000[8] = {0.379919182862, 0.659838365724, 0.47871403613,
                                            0.75742807226,  -3.89251900449, -3.86795304308,
                                            2.86148988995,  2.92536427681};

static nn_t *make_network(void)
{
    nn_t *net;
    const size_t sizes[3] = {2, 2, 2};
    const int acts[2] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    CALL(nn_create(&net, 3, sizes, acts));
    CALL(nn_set_bias_mode(net, 1, NN_BIAS_SHARED));
    CALL(nn_set_bias_mode(net, 2, NN_BIAS_SHARED));
    CALL(nn_set_weights(net, 1, w1_start, 4));
    CALL(nn_set_weights(net, 2, w2_start, 4));
    CALL(nn_set_biases(net, 1, &b_start[0], 1));
    CALL(nn_set_biases(net, 2, &b_start[1], 1));
    CALL(nn_set_frozen(net, 1, 0, 1));
    CALL(nn_set_frozen(net, 2, 0, 1));
    return net;
}

/* Reads the eight weights, w1..w8, and the two biases. */
static void get_parameters(const nn_t *net, double w[8], double b[2])
{
    CALL(nn_get_weights(net, 1, w, 4));
    CALL(nn_get_weights(net, 2, w + 4, 4));
    CALL(nn_get_biases(net, 1, &b[0], 1));
    CALL(nn_get_biases(net, 2, &b[1], 1));
}

/* Runs the sample forward; returns E and the two outputs. */
static double error_now(nn_t *net, double out[2])
{
    double e;
    CALL(nn_forward(net, input, out));
    CALL(nn_loss(net, target, &e));
    return e;
}

/* One step of the standard rule. */
static void standard_step(nn_t *net)
{
    CALL(nn_forward(net, input, NULL));
    CALL(nn_backward(net, target));
    CALL(nn_step(net, eta));
}

/* Reports E (and the outputs, if the reference has them) under both rules
   side by side, so that each published figure is compared with each rule. */
static void report_both(report *r, nn_t *std, nn_t *seq, int steps, const double exact[2][3])
{
    static const char *const what[3] = {"E", "out o1", "out o2"};
    static const char *const rule[2] = {"standard", "sequential"};
    double value[2][3];
    value[0][0] = error_now(std, &value[0][1]);
    value[1][0] = error_now(seq, &value[1][1]);
    for (int q = 0; q < 3; q++) {
        if (isnan(exact[0][q]))
            continue;
        for (int k = 0; k < 2; k++) {
            char name[64];
            snprintf(name, sizeof name, "%s after %d step%s, %s", what[q], steps,
                     steps == 1 ? "" : "s", rule[k]);
            report_row(r, name, value[k][q], exact[k][q]);
        }
    }
}

int main(void)
{
    report r;
    report_init(&r, "Example C: 2-2-2 sigmoid network, shared frozen biases, eta 0.5", published,
                sizeof published / sizeof published[0], notes, sizeof notes / sizeof notes[0]);
    nn_t *std = make_network();
    nn_t *seq = make_network();

    /* Forward pass. */
    double z1[2], a1[2], z2[2], a2[2], e;
    CALL(nn_forward(std, input, NULL));
    CALL(nn_get_net_inputs(std, 1, z1, 2));
    CALL(nn_get_outputs(std, 1, a1, 2));
    CALL(nn_get_net_inputs(std, 2, z2, 2));
    CALL(nn_get_outputs(std, 2, a2, 2));
    CALL(nn_loss(std, target, &e));
    report_section("Forward pass: i = (0.05, 0.10), targets (0.01, 0.99)");
    report_rows(&r, "net ", hidden, z1, exact_z1, 2);
    report_rows(&r, "out ", hidden, a1, exact_a1, 2);
    report_rows(&r, "net ", output, z2, exact_z2, 2);
    report_rows(&r, "out ", output, a2, exact_a2, 2);
    report_row(&r, "E o1", 0.5 * (target[0] - a2[0]) * (target[0] - a2[0]), 0.274811083176);
    report_row(&r, "E o2", 0.5 * (target[1] - a2[1]) * (target[1] - a2[1]), 0.0235600255838);
    report_row(&r, "E total", e, 0.29837110876);

    /* Backward pass, standard rule. */
    double delta_o[2], delta_h[2], dE_do[2], do_dnet[2], dE_dh[2], dh_dnet[2];
    CALL(nn_backward(std, target));
    CALL(nn_get_deltas(std, 2, delta_o, 2));
    CALL(nn_get_deltas(std, 1, delta_h, 2));
    for (int k = 0; k < 2; k++) {
        dE_do[k] = a2[k] - target[k];
        do_dnet[k] = a2[k] * (1.0 - a2[k]);
        dE_dh[k] = delta_o[0] * w2_start[k] + delta_o[1] * w2_start[2 + k]; /* w5/w7 or w6/w8 */
        dh_dnet[k] = a1[k] * (1.0 - a1[k]);
    }
    report_section("Backward pass, standard rule: delta = dE/dnet");
    report_rows(&r, "dE/dout ", output, dE_do, exact_dE_do, 2);
    report_row(&r, "dout o1/dnet o1", do_dnet[0], exact_do_dnet[0]);
    report_row(&r, "dout o2/dnet o2", do_dnet[1], exact_do_dnet[1]);
    report_rows(&r, "delta ", output, delta_o, exact_delta_o, 2);
    report_row(&r, "dE o1/dout h1 = delta o1 w5", delta_o[0] * w2_start[0], 0.0553994246514);
    report_row(&r, "dE o2/dout h1 = delta o2 w7", delta_o[1] * w2_start[2], -0.0190491182583);
    report_rows(&r, "dE/dout ", hidden, dE_dh, exact_dE_dh, 2);
    report_row(&r, "dout h1/dnet h1", dh_dnet[0], exact_dh_dnet[0]);
    report_row(&r, "dout h2/dnet h2", dh_dnet[1], exact_dh_dnet[1]);
    report_rows(&r, "delta ", hidden, delta_h, exact_delta_h, 2);

    /* Gradients; the biases' are computed too, but they are frozen. */
    double gw[8], gb[2];
    CALL(nn_get_weight_grads(std, 1, gw, 4));
    CALL(nn_get_weight_grads(std, 2, gw + 4, 4));
    CALL(nn_get_bias_grads(std, 1, &gb[0], 1));
    CALL(nn_get_bias_grads(std, 2, &gb[1], 1));
    report_section("Gradients dE/dp, standard rule");
    report_rows(&r, "dE/d", w_names, gw, exact_gw, 8);
    report_rows(&r, "dE/d", b_frozen, gb, exact_gb, 2);

    /* The step: w <- w - 0.5 dE/dw; the biases stay. */
    double w[8], b[2];
    CALL(nn_step(std, eta));
    get_parameters(std, w, b);
    report_section("Weights after one step, standard rule: w+ = w - 0.5 dE/dw");
    report_rows(&r, "", w_new, w, exact_w_new, 8);
    report_rows(&r, "", b_frozen, b, b_start, 2);

    /* The same step under the sequential rule. */
    double seq_delta_h[2], seq_dE_dh[2];
    const double exact_seq_delta_h[2] = {exact_seq_dE_dh[0] * exact_dh_dnet[0],
                                         exact_seq_dE_dh[1] * exact_dh_dnet[1]};
    CALL(nn_train_sequential(seq, input, target, eta));
    CALL(nn_get_deltas(seq, 2, delta_o, 2));
    CALL(nn_get_deltas(seq, 1, seq_delta_h, 2));
    get_parameters(seq, w, b);
    for (int k = 0; k < 2; k++)
        seq_dE_dh[k] = delta_o[0] * w[4 + k] + delta_o[1] * w[6 + k]; /* through w5+ .. w8+ */
    report_section("One step, sequential rule: w5..w8 first, then the hidden deltas through "
                   "w5+..w8+");
    report_rows(&r, "delta ", output, delta_o, exact_delta_o, 2);
    report_rows(&r, "sequential ", w_new + 4, w + 4, exact_w_new + 4, 4);
    report_rows(&r, "sequential dE/dout ", hidden, seq_dE_dh, exact_seq_dE_dh, 2);
    report_rows(&r, "sequential delta ", hidden, seq_delta_h, exact_seq_delta_h, 2);
    report_rows(&r, "sequential ", w_new, w, exact_seq_w1_new, 4);

    /* Training on: both rules side by side. {E, out o1, out o2} per rule. */
    static const struct {
        int steps;
        double exact[2][3];
    } curve[] = {
        {1, {{0.291027773694, 0.742088111191, 0.775284968294},
             {0.291027923905, 0.742088438479, 0.775285384624}}},
        {10, {{0.220918592054, NAN, NAN}, {0.220916337458, NAN, NAN}}},
        {100, {{0.0200468282494, NAN, NAN}, {0.0200397519508, NAN, NAN}}},
        {1000, {{0.00111434945373, NAN, NAN}, {0.00111394043394, NAN, NAN}}},
        {9999, {{3.51085481225e-05, NAN, NAN}, {3.50914538107e-05, NAN, NAN}}},
        {10000, {{3.51018778298e-05, 0.0159136204436, 0.984064273515},
                 {3.50847862963e-05, 0.015912196326, 0.984065734486}}},
    };
    report_section("After one step and more: standard rule (nn_backward + nn_step) beside "
                   "sequential rule (nn_train_sequential)");
    int done = 1;
    for (size_t c = 0; c < sizeof curve / sizeof curve[0]; c++) {
        for (; done < curve[c].steps; done++) {
            standard_step(std);
            CALL(nn_train_sequential(seq, input, target, eta));
        }
        report_both(&r, std, seq, done, curve[c].exact);
    }

    report_section("Weights after 10,000 steps");
    get_parameters(std, w, b);
    report_rows(&r, "standard ", w_names, w, exact_std_w_10000, 8);
    get_parameters(seq, w, b);
    report_rows(&r, "sequential ", w_names, w, exact_seq_w_10000, 8);

    nn_free(std);
    nn_free(seq);
    return report_finish(&r);
}

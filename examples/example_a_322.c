/* Worked example A: "Backpropagation Example With Numbers Step by Step"
 * (blog A Not So Random Walk).
 *
 * A 3-2-2 network, sigmoid everywhere, ONE bias per layer shared by both of
 * its neurons (b1 for h1 and h2, b2 for o1 and o2), both trained; loss
 * 1/2 sum (o - t)^2; one gradient-descent step with eta = 0.01, then the
 * 10,000 steps the post runs.
 *
 * Tutorial names -> library layout (row j = receiving neuron, column i = input):
 *   layer 1: [[w1, w3, w5], [w2, w4, w6]]   (h1 gets w1, w3, w5 from x1, x2, x3)
 *   layer 2: [[w7, w9], [w8, w10]]          (o1 gets w7, w9 from h1, h2)
 */
#include "backprop.h"
#include "report.h"

static const double input[3] = {1.0, 4.0, 5.0};
static const double target[2] = {0.1, 0.05};
static const double eta = 0.01;

/* The twelve parameters in the order the post lists them: the weights of
   layers 1 and 2 in the library's layouts, then b1 and b2. */
static const char *const param_names[12] = {"w1", "w3", "w5", "w2",  "w4", "w6",
                                            "w7", "w9", "w8", "w10", "b1", "b2"};
static const char *const hidden[2] = {"h1", "h2"};
static const char *const output[2] = {"o1", "o2"};

/* What the post printed (4 decimals; its net inputs with 1). */
static const report_published published[] = {
    {"net h1", 4.3, 1},         {"net h2", 5.3, 1},         {"h1", 0.9866, 4},
    {"h2", 0.9950, 4},          {"o1", 0.8896, 4},          {"o2", 0.8004, 4},
    {"dE/do1", 0.7896, 4},      {"dE/do2", 0.7504, 4},      {"do1/dnet o1", 0.0983, 4},
    {"do2/dnet o2", 0.1598, 4}, {"dh1/dnet h1", 0.0132, 4}, {"dh2/dnet h2", 0.0049, 4},
    {"dE/dw1", 0.0020, 4},      {"dE/dw3", 0.0079, 4},      {"dE/dw5", 0.0099, 4},
    {"dE/dw2", 0.0004, 4},      {"dE/dw4", 0.0016, 4},      {"dE/dw6", 0.0020, 4},
    {"dE/dw7", 0.0765, 4},      {"dE/dw9", 0.0772, 4},      {"dE/dw8", 0.1183, 4},
    {"dE/dw10", 0.1193, 4},     {"dE/db1", 0.0008, 4},      {"dE/db2", 0.1975, 4},
    {"dE/db1 (post's formula)", 0.0008, 4},
};

static const report_note notes[] = {
    {"dE/db1", "b1 feeds both h1 and h2, so dE/db1 = delta h1 + delta h2. The post chains only "
               "h1->o1 (w7) and h2->o2 (w10), leaving out w8 and w9; the next row evaluates "
               "the post's formula from the same deltas."},
};

/* Exact values from the reference recomputation, in the layouts above. */
static const double exact_z1[2] = {4.3, 5.3};
static const double exact_a1[2] = {0.986613082172, 0.99503319835};
static const double exact_z2[2] = {2.08615903604, 1.38879378557};
static const double exact_a2[2] = {0.88955061397, 0.800399608067};
static const double exact_dE_do[2] = {0.78955061397, 0.750399608067};
static const double exact_do_dnet[2] = {0.0982503191558, 0.159760075473};
static const double exact_delta_o[2] = {0.0775735998122, 0.11988389802};
static const double exact_dE_dh[2] = {0.150208638284, 0.0818046296329};
static const double exact_dh_dnet[2] = {0.0132077082587, 0.00494213253143};
static const double exact_delta_h[2] = {0.0019839118724, 0.00040428932133};
/* The parameters and their gradients, in the order of param_names. */
static const double exact_grads[12] = {
    0.0019839118724,  0.00793564748961, 0.00991955936201, 0.00040428932133,
    0.00161715728532, 0.00202144660665, 0.0765351284059,  0.0771883071286,
    0.118279022128,   0.119288458477,   0.00238820119373, 0.197457497832};
static const double exact_new[12] = {
    0.0999801608813, 0.299920643525, 0.499900804406, 0.199995957107,
    0.399983828427,  0.599979785534, 0.699234648716, 0.899228116929,
    0.798817209779,  0.0988071154152, 0.499976117988, 0.498025425022};
static const double exact_10000[12] = {
    0.092619279891,  0.270477119564,  0.463096399455,  0.200049632545,
    0.400198530182,  0.600248162727,  -0.390077207685, -0.204257523008,
    -0.180637416051, -0.892942894454, 0.492668912436,  -1.60813216722};

/* Reads the twelve parameters in the order of param_names. */
static void get_parameters(const nn_t *net, double p[12])
{
    CALL(nn_get_weights(net, 1, p, 6));
    CALL(nn_get_weights(net, 2, p + 6, 4));
    CALL(nn_get_biases(net, 1, p + 10, 1));
    CALL(nn_get_biases(net, 2, p + 11, 1));
}

/* Runs the sample forward and returns the error E. */
static double error_now(nn_t *net, double out[2])
{
    double e;
    CALL(nn_forward(net, input, out));
    CALL(nn_loss(net, target, &e));
    return e;
}

int main(void)
{
    report r;
    report_init(&r, "Example A: 3-2-2 sigmoid network, shared trained biases, eta 0.01",
                published, sizeof published / sizeof published[0], notes,
                sizeof notes / sizeof notes[0]);

    nn_t *net;
    const size_t sizes[3] = {3, 2, 2};
    const int acts[2] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    const double w1[6] = {0.1, 0.3, 0.5, 0.2, 0.4, 0.6};
    const double w2[4] = {0.7, 0.9, 0.8, 0.1};
    const double b1 = 0.5, b2 = 0.5;
    CALL(nn_create(&net, 3, sizes, acts));
    CALL(nn_set_bias_mode(net, 1, NN_BIAS_SHARED));
    CALL(nn_set_bias_mode(net, 2, NN_BIAS_SHARED));
    CALL(nn_set_weights(net, 1, w1, 6));
    CALL(nn_set_weights(net, 2, w2, 4));
    CALL(nn_set_biases(net, 1, &b1, 1));
    CALL(nn_set_biases(net, 2, &b2, 1));

    /* Forward pass. */
    double z1[2], a1[2], z2[2], a2[2], e;
    CALL(nn_forward(net, input, NULL));
    CALL(nn_get_net_inputs(net, 1, z1, 2));
    CALL(nn_get_outputs(net, 1, a1, 2));
    CALL(nn_get_net_inputs(net, 2, z2, 2));
    CALL(nn_get_outputs(net, 2, a2, 2));
    CALL(nn_loss(net, target, &e));
    report_section("Forward pass: x = (1, 4, 5), targets t = (0.1, 0.05)");
    report_rows(&r, "net ", hidden, z1, exact_z1, 2);
    report_rows(&r, "", hidden, a1, exact_a1, 2);
    report_rows(&r, "net ", output, z2, exact_z2, 2);
    report_rows(&r, "", output, a2, exact_a2, 2);
    report_row(&r, "E = 1/2 sum (o - t)^2", e, 0.593244871904);

    /* Backward pass: the library's deltas, beside the factors the post multiplies. */
    double delta_o[2], delta_h[2], dE_do[2], do_dnet[2], dE_dh[2], dh_dnet[2];
    CALL(nn_backward(net, target));
    CALL(nn_get_deltas(net, 2, delta_o, 2));
    CALL(nn_get_deltas(net, 1, delta_h, 2));
    for (int k = 0; k < 2; k++) {
        dE_do[k] = a2[k] - target[k];
        do_dnet[k] = a2[k] * (1.0 - a2[k]);
        dh_dnet[k] = a1[k] * (1.0 - a1[k]);
    }
    dE_dh[0] = delta_o[0] * w2[0] + delta_o[1] * w2[2]; /* delta o1 w7 + delta o2 w8 */
    dE_dh[1] = delta_o[0] * w2[1] + delta_o[1] * w2[3]; /* delta o1 w9 + delta o2 w10 */
    report_section("Backward pass: delta = dE/dnet");
    report_rows(&r, "dE/d", output, dE_do, exact_dE_do, 2);
    report_row(&r, "do1/dnet o1", do_dnet[0], exact_do_dnet[0]);
    report_row(&r, "do2/dnet o2", do_dnet[1], exact_do_dnet[1]);
    report_rows(&r, "delta ", output, delta_o, exact_delta_o, 2);
    report_rows(&r, "dE/d", hidden, dE_dh, exact_dE_dh, 2);
    report_row(&r, "dh1/dnet h1", dh_dnet[0], exact_dh_dnet[0]);
    report_row(&r, "dh2/dnet h2", dh_dnet[1], exact_dh_dnet[1]);
    report_rows(&r, "delta ", hidden, delta_h, exact_delta_h, 2);

    /* Gradients accumulated by nn_backward(), in the order of param_names. */
    double g[12];
    CALL(nn_get_weight_grads(net, 1, g, 6));
    CALL(nn_get_weight_grads(net, 2, g + 6, 4));
    CALL(nn_get_bias_grads(net, 1, g + 10, 1));
    CALL(nn_get_bias_grads(net, 2, g + 11, 1));
    report_section("Gradients dE/dp");
    report_rows(&r, "dE/d", param_names, g, exact_grads, 11); /* up to dE/db1 */
    report_row(&r, "dE/db1 (post's formula)",
               delta_o[0] * w2[0] * dh_dnet[0] + delta_o[1] * w2[3] * dh_dnet[1],
               0.000776446843669);
    report_row(&r, "dE/db2", g[11], exact_grads[11]);

    /* One step: p <- p - eta dE/dp for all ten weights and both biases. */
    double p[12];
    CALL(nn_step(net, eta));
    get_parameters(net, p);
    report_section("Parameters after one step, p - 0.01 dE/dp");
    report_rows(&r, "new ", param_names, p, exact_new, 12);

    /* The same sample again and again, as the post's program does. */
    double out[2];
    report_section("Repeated steps on the same sample (the post shows only a plot)");
    e = error_now(net, out);
    report_row(&r, "o1 after 1 step", out[0], 0.889205627379);
    report_row(&r, "o2 after 1 step", out[1], 0.799705724506);
    report_row(&r, "E after 1 step", e, 0.592452097822);
    static const struct {
        int steps;
        double e, o1, o2;
    } curve[] = {
        {10, 0.585181831338, REPORT_NO_REF, REPORT_NO_REF},
        {1000, 0.0207632106014, 0.258444805909, 0.17814704321},
        {2000, 0.00423588330172, REPORT_NO_REF, REPORT_NO_REF},
        {5000, 0.000511988304663, REPORT_NO_REF, REPORT_NO_REF},
        {10000, 0.000105568045465, 0.100262552252, 0.0645281505101},
    };
    int done = 1;
    for (size_t c = 0; c < sizeof curve / sizeof curve[0]; c++) {
        for (; done < curve[c].steps; done++) {
            CALL(nn_forward(net, input, NULL));
            CALL(nn_backward(net, target));
            CALL(nn_step(net, eta));
        }
        e = error_now(net, out);
        report_after(&r, "E", done, "step", e, curve[c].e);
        if (!isnan(curve[c].o1)) {
            report_after(&r, "o1", done, "step", out[0], curve[c].o1);
            report_after(&r, "o2", done, "step", out[1], curve[c].o2);
        }
    }
    get_parameters(net, p);
    report_section("Parameters after 10,000 steps");
    report_rows(&r, "", param_names, p, exact_10000, 12);

    nn_free(net);
    return report_finish(&r);
}

/* Worked example B: "Numerical Example Demonstrating Backpropagation"
 * (upGrad's house-price network).
 *
 * A 2-2-1 network: two sigmoid hidden neurons, one LINEAR output neuron, a
 * bias per neuron (all trained), loss L = 1/2 (y - h21)^2, one step of
 * gradient descent with eta = 0.2 on the first house.
 *
 * Tutorial names -> library layout (row j = receiving neuron, column i = input):
 *   layer 1: [[w111, w112], [w121, w122]], biases [b11, b12]  (w1jk: into h1j from xk)
 *   layer 2: [[w211, w212]],               bias   [b21]       (w21k: into h21 from h1k)
 */
#include "backprop.h"
#include "report.h"

static const double input[2] = {-0.32, -0.66}; /* standardised rooms and size */
static const double target = -0.54;            /* standardised price */
static const double eta = 0.2;

/* The nine parameters in the library's flat order (nn_get_params()): layer 1's
   weights and biases, then layer 2's. */
static const char *const param_names[9] = {"w111", "w112", "w121", "w122", "b11",
                                           "b12",  "w211", "w212", "b21"};
static const char *const hidden_z[2] = {"z11", "z12"};
static const char *const hidden[2] = {"h11", "h12"};

/* What the tutorial printed. */
static const report_published published[] = {
    {"h11", 0.484, 3},       {"h12", 0.424, 3},       {"z21 = h21", 0.63, 2},
    {"dL/dh21", 1.17, 2},    {"dL/dw111", -0.028, 3}, {"dL/dw112", -0.058, 3},
    {"dL/dw121", -0.018, 3}, {"dL/dw122", -0.038, 3}, {"dL/db11", 0.088, 3},
    {"dL/db12", -0.057, 3},  {"dL/dw211", 0.5663, 4}, {"dL/dw212", 0.4961, 4},
    {"dL/db21", 1.17, 2},    {"new w111", 0.2056, 4}, {"new w112", 0.1616, 4},
    {"new w121", 0.5036, 4}, {"new w122", 0.6076, 4}, {"new b11", 0.0824, 4},
    {"new b12", 0.2386, 4},  {"new w211", 0.1867, 4}, {"new w212", 0.1008, 4},
    {"new b21", 0.166, 3},
};

static const report_note notes[] = {
    {"dL/db12", "every factor of dL/dh21 * w212 * h12 (1 - h12) is positive, so the minus sign "
                "is a slip; the tutorial's own new b12 = 0.25 - 0.2 x 0.057 = 0.2386 uses the "
                "positive value."},
    {"dL/dw211", "the tutorial multiplies rounded factors, 1.17 x 0.484 = 0.5663."},
    {"dL/dw212", "the tutorial multiplies rounded factors, 1.17 x 0.424 = 0.4961."},
    {"new b11", "the tutorial uses the rounded gradient: 0.1 - 0.2 x 0.088 = 0.0824."},
    {"new w121", "the tutorial uses the rounded gradient: 0.5 + 0.2 x 0.018 = 0.5036."},
    {"new w122", "the tutorial uses the rounded gradient: 0.6 + 0.2 x 0.038 = 0.6076."},
};

/* Exact values from the reference recomputation. */
static const double exact_z1[2] = {-0.063, -0.306};
static const double exact_a1[2] = {0.484255207246, 0.424091392553};
static const double exact_dL_dh1[2] = {0.351028452205, 0.234018968137};
static const double exact_dh_dz[2] = {0.249752101501, 0.244237883316};
static const double exact_delta_h[2] = {0.087670093625, 0.0571562974334};
/* The parameters and their gradients, in the order of param_names. */
static const double exact_grads[9] = {
    -0.02805442996, -0.0578622617925, -0.0182900151787, -0.0377231563061, 0.087670093625,
    0.0571562974334, 0.566624519573,  0.496227150405,   1.17009484068};
static const double exact_new[9] = {
    0.205610885992, 0.161572452358, 0.503658003036, 0.607544631261, 0.082465981275,
    0.238568740513, 0.186675096085, 0.100754569919, 0.165981031863};

int main(void)
{
    report r;
    report_init(&r, "Example B: 2-2-1 house-price network, linear output, per-neuron biases, eta 0.2",
                published, sizeof published / sizeof published[0], notes,
                sizeof notes / sizeof notes[0]);

    nn_t *net;
    const size_t sizes[3] = {2, 2, 1};
    const int acts[2] = {NN_ACT_SIGMOID, NN_ACT_LINEAR};
    const double w1[4] = {0.2, 0.15, 0.5, 0.6};
    const double b1[2] = {0.1, 0.25};
    const double w2[2] = {0.3, 0.2};
    const double b2 = 0.4;
    CALL(nn_create(&net, 3, sizes, acts));
    CALL(nn_set_weights(net, 1, w1, 4));
    CALL(nn_set_biases(net, 1, b1, 2));
    CALL(nn_set_weights(net, 2, w2, 2));
    CALL(nn_set_biases(net, 2, &b2, 1));

    /* Forward pass. */
    double z1[2], a1[2], h21, loss;
    CALL(nn_forward(net, input, &h21));
    CALL(nn_get_net_inputs(net, 1, z1, 2));
    CALL(nn_get_outputs(net, 1, a1, 2));
    CALL(nn_loss(net, &target, &loss));
    report_section("Forward pass: x = (-0.32, -0.66), y = -0.54");
    report_rows(&r, "", hidden_z, z1, exact_z1, 2);
    report_rows(&r, "", hidden, a1, exact_a1, 2);
    report_row(&r, "z21 = h21", h21, 0.630094840684);
    report_row(&r, "L = 1/2 (y - h21)^2", loss, 0.684560968098);

    /* Backward pass: the library's deltas, beside the factors the tutorial multiplies. */
    double delta_out, delta_h[2], dL_dh1[2], dh_dz[2];
    CALL(nn_backward(net, &target));
    CALL(nn_get_deltas(net, 2, &delta_out, 1));
    CALL(nn_get_deltas(net, 1, delta_h, 2));
    for (int k = 0; k < 2; k++) {
        dL_dh1[k] = delta_out * w2[k];
        dh_dz[k] = a1[k] * (1.0 - a1[k]);
    }
    report_section("Backward pass: the output is linear, so its delta is dL/dh21 itself");
    report_row(&r, "dL/dh21", h21 - target, 1.17009484068);
    report_row(&r, "delta h21", delta_out, 1.17009484068);
    report_row(&r, "dL/dh11 = delta h21 * w211", dL_dh1[0], exact_dL_dh1[0]);
    report_row(&r, "dL/dh12 = delta h21 * w212", dL_dh1[1], exact_dL_dh1[1]);
    report_row(&r, "h11 (1 - h11)", dh_dz[0], exact_dh_dz[0]);
    report_row(&r, "h12 (1 - h12)", dh_dz[1], exact_dh_dz[1]);
    report_rows(&r, "delta ", hidden, delta_h, exact_delta_h, 2);

    /* Gradients accumulated by nn_backward(), all nine in the flat order. */
    double g[9];
    CALL(nn_get_grads(net, g, 9));
    report_section("Gradients dL/dp");
    report_rows(&r, "dL/d", param_names, g, exact_grads, 9);

    /* One step: p <- p - eta dL/dp for every weight and bias. */
    double p[9];
    CALL(nn_step(net, eta));
    CALL(nn_get_params(net, p, 9));
    report_section("Parameters after one step, p - 0.2 dL/dp");
    report_rows(&r, "new ", param_names, p, exact_new, 9);

    /* The second forward pass (a lost picture in the tutorial), then more steps. */
    CALL(nn_forward(net, input, &h21));
    CALL(nn_get_outputs(net, 1, a1, 2));
    CALL(nn_loss(net, &target, &loss));
    report_section("Forward pass with the new parameters, then further steps");
    report_row(&r, "h11 after 1 step", a1[0], 0.477523328493);
    report_row(&r, "h12 after 1 step", a1[1], 0.419803211985);
    report_row(&r, "h21 after 1 step", h21, 0.297419837167);
    report_row(&r, "L after 1 step", loss, 0.35063599184);
    static const struct {
        int steps;
        double h21, loss;
    } later[] = {
        {2, 0.0618621232042, 0.181119007674},
        {3, -0.106728515938, 0.0938620894505},
        {10, -0.496569144559, 0.000943119602169},
    };
    int done = 1;
    for (size_t c = 0; c < sizeof later / sizeof later[0]; c++) {
        for (; done < later[c].steps; done++) {
            CALL(nn_forward(net, input, NULL));
            CALL(nn_backward(net, &target));
            CALL(nn_step(net, eta));
        }
        CALL(nn_forward(net, input, &h21));
        CALL(nn_loss(net, &target, &loss));
        report_after(&r, "h21", done, "step", h21, later[c].h21);
        report_after(&r, "L", done, "step", loss, later[c].loss);
    }

    nn_free(net);
    return report_finish(&r);
}

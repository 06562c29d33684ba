/* The library against the classic worked examples of backpropagation.

   A  "Backpropagation Example With Numbers Step by Step" (A Not So Random Walk):
      3-2-2 sigmoid network, one trained bias shared by each layer, eta 0.01.
   B  "Numerical Example Demonstrating Backpropagation" (upGrad): 2-2-1 network
      with a linear output and a bias per neuron, eta 0.2.
   C  "A Step by Step Backpropagation Example" (Matt Mazur): 2-2-2 sigmoid network,
      one frozen bias shared by each layer, eta 0.5, under the standard rule and
      under the "sequential" rule that reproduces two of the post's figures.
   D  "Backpropagation Hand by Hand" (Karobben): 2-2-1 sigmoid network trained on
      four samples with summed gradients, eta 0.1, from a numpy-compatible seeded
      initialisation, on the tutorial's data set and on true XOR.

   The reference values were recomputed independently of this library in IEEE-754
   double precision (a plain scalar program, with the first-step gradients
   cross-checked against an autograd framework). They are given to 12 significant
   digits, so they are compared with the relative tolerance REL. A figure that a
   tutorial prints is also checked at the number of decimals it shows; the few
   printed figures that exact arithmetic does not give (errata) are checked NOT to
   match, so that this file documents them.

   Weight layers are numbered here as in the API: layer 1 leads from the inputs
   into the first hidden layer. Weights are row-major, [receiving neuron][input]. */
#include "testnet.h"

#include <math.h>
#include <stdio.h>

/* Relative tolerance for every exact value. */
#define REL 1e-10

/* ------------------------------------------------------------------------- */
/* Reference values                                                          */

/* One reference quantity: its exact value and, if the tutorial prints it, the
   printed figure with the number of decimals shown. */
struct ref {
    double exact;     /* exact double-precision value; NAN when absent */
    double published; /* the tutorial's figure */
    int decimals;     /* decimals of the figure; NO_FIGURE when none is printed */
    int erratum;      /* 1 when the figure is NOT the exact value rounded */
};

#define NO_FIGURE (-1)
/* exact value only */
#define EXACT(e) { (e), 0.0, NO_FIGURE, 0 }
/* printed figure that is the exact value rounded to d decimals */
#define PRINTED(e, p, d) { (e), (p), (d), 0 }
/* printed figure that exact arithmetic does not give */
#define ERRATUM(e, p, d) { (e), (p), (d), 1 }
/* nothing to check */
#define NONE { NAN, 0.0, NO_FIGURE, 0 }

static int ref_present(const struct ref *r)
{
    return !isnan(r->exact);
}

/* Tolerance of assert_rounds_to() in check.h. */
static double rounding_tolerance(int decimals)
{
    return 0.5 * pow(10.0, -decimals) * (1.0 + 1e-9);
}

/* A printed figure is an erratum: the exact value does not round to it. */
static void check_not_rounds_impl(double exact, double published, int decimals, const char *what,
                                  const char *file, int line)
{
    if (!(fabs(exact - published) > rounding_tolerance(decimals))) {
        print_error("%s = %.17g rounds to the erratum %.*f, which it should not\n", what, exact,
                    decimals, published);
        _fail(file, line);
    }
}

#define assert_not_rounds_to(exact, published, decimals) \
    check_not_rounds_impl((exact), (published), (decimals), #exact, __FILE__, __LINE__)

/* `actual` is the library's value of the quantity described by r. */
static void check_ref_impl(double actual, const struct ref *r, const char *what, const char *file,
                           int line)
{
    if (!ref_present(r))
        return;
    check_rel_impl(actual, r->exact, REL, what, file, line);
    if (r->decimals == NO_FIGURE)
        return;
    if (r->erratum)
        check_not_rounds_impl(actual, r->published, r->decimals, what, file, line);
    else
        check_abs_impl(actual, r->published, rounding_tolerance(r->decimals), what, file, line);
}

#define CHECK_REF(actual, ref) check_ref_impl((actual), &(ref), #actual, __FILE__, __LINE__)

/* n values against n references; `what` names the array in failure messages. */
static void check_refs_impl(const double *actual, const struct ref *r, size_t n, const char *what,
                            const char *file, int line)
{
    for (size_t i = 0; i < n; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s[%zu]", what, i);
        check_ref_impl(actual[i], &r[i], name, file, line);
    }
}

#define CHECK_REFS(actual, refs, n) check_refs_impl((actual), (refs), (n), #actual, __FILE__, __LINE__)

/* n values against plain exact values. */
static void check_values_impl(const double *actual, const double *expected, size_t n,
                              const char *what, const char *file, int line)
{
    for (size_t i = 0; i < n; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s[%zu]", what, i);
        check_rel_impl(actual[i], expected[i], REL, name, file, line);
    }
}

#define CHECK_VALUES(actual, expected, n) \
    check_values_impl((actual), (expected), (n), #actual, __FILE__, __LINE__)

/* ------------------------------------------------------------------------- */
/* Building and training networks through the public API                    */

#define OK(call) assert_int_equal((call), NN_OK)

static void set_layer(nn_t *net, size_t layer, const double *w, size_t n_w, const double *b,
                      size_t n_b)
{
    OK(nn_set_weights(net, layer, w, n_w));
    OK(nn_set_biases(net, layer, b, n_b));
}

/* Runs x forward; returns the loss against t and stores the outputs in out. */
static double forward_loss(nn_t *net, const double *x, const double *t, double *out)
{
    double loss = NAN;
    OK(nn_forward(net, x, out));
    OK(nn_loss(net, t, &loss));
    return loss;
}

/* How one training step on a single sample is made. */
enum rule {
    STANDARD,   /* nn_forward + nn_backward + nn_step */
    SEQUENTIAL, /* nn_train_sequential */
    FUSED       /* nn_train_sample, the fused form of the standard rule */
};

static void train_step(nn_t *net, const double *x, const double *t, double eta, enum rule rule)
{
    switch (rule) {
    case STANDARD:
        OK(nn_forward(net, x, NULL));
        OK(nn_backward(net, t));
        OK(nn_step(net, eta));
        break;
    case SEQUENTIAL:
        OK(nn_train_sequential(net, x, t, eta));
        break;
    case FUSED:
        OK(nn_train_sample(net, x, t, eta));
        break;
    }
}

/* The loss and outputs after a given number of training steps on one sample. */
struct checkpoint {
    int steps;
    struct ref loss;
    struct ref out[2]; /* NONE where the reference gives no output */
};

/* The loss and the n_out outputs on the sample, once the network has made
   point->steps training steps. */
static void check_point(nn_t *net, const double *x, const double *t, size_t n_out,
                        const struct checkpoint *point)
{
    double out[2];
    const double loss = forward_loss(net, x, t, out);
    char name[64];
    snprintf(name, sizeof name, "loss after %d steps", point->steps);
    check_ref_impl(loss, &point->loss, name, __FILE__, __LINE__);
    for (size_t k = 0; k < n_out; k++) {
        snprintf(name, sizeof name, "output %zu after %d steps", k + 1, point->steps);
        check_ref_impl(out[k], &point->out[k], name, __FILE__, __LINE__);
    }
}

/* Trains from fresh parameters through every checkpoint (in increasing order of
   steps), checking the loss and outputs at each. */
static void check_run(nn_t *net, const double *x, const double *t, size_t n_out, double eta,
                      enum rule rule, const struct checkpoint *points, size_t n_points)
{
    int done = 0;
    for (size_t p = 0; p < n_points; p++) {
        while (done < points[p].steps) {
            train_step(net, x, t, eta, rule);
            done++;
        }
        check_point(net, x, t, n_out, &points[p]);
    }
}

/* The parameters of the examples' two weight layers, or their gradients:
   weights row-major, then the biases (one for a shared bias), of layers 1 and 2. */
struct two_layers {
    double w1[6], b1[2], w2[4], b2[2];
};

/* How many of each an example has. */
struct two_layer_counts {
    size_t w1, b1, w2, b2;
};

enum what { PARAMS, GRADS };

/* Reads the parameters (PARAMS) or their gradients (GRADS) of layers 1 and 2. */
static void read_layers(const nn_t *net, const struct two_layer_counts *n, enum what what,
                        struct two_layers *v)
{
    const layer_getter get_w = what == GRADS ? nn_get_weight_grads : nn_get_weights;
    const layer_getter get_b = what == GRADS ? nn_get_bias_grads : nn_get_biases;
    OK(get_w(net, 1, v->w1, n->w1));
    OK(get_b(net, 1, v->b1, n->b1));
    OK(get_w(net, 2, v->w2, n->w2));
    OK(get_b(net, 2, v->b2, n->b2));
}

/* What a forward and a backward pass on one sample leave to read, for the
   examples' networks (two hidden units, one or two outputs). */
struct pass {
    double E, out[2];      /* nn_loss and the outputs nn_forward returns */
    double z1[2], h[2];    /* hidden layer: net inputs and outputs */
    double z2[2], o[2];    /* output layer: net inputs and outputs */
    double d_h[2], d_o[2]; /* deltas of the hidden and the output layer */
};

/* Runs x forward and t backward (n_out outputs) and reads what the passes left into p. */
static void run_pass(nn_t *net, const double *x, const double *t, size_t n_out, struct pass *p)
{
    p->E = forward_loss(net, x, t, p->out);
    OK(nn_get_net_inputs(net, 1, p->z1, 2));
    OK(nn_get_outputs(net, 1, p->h, 2));
    OK(nn_get_net_inputs(net, 2, p->z2, n_out));
    OK(nn_get_outputs(net, 2, p->o, n_out));
    OK(nn_backward(net, t));
    OK(nn_get_deltas(net, 2, p->d_o, n_out));
    OK(nn_get_deltas(net, 1, p->d_h, 2));
}

/* f'(a) = a (1 - a) of the sigmoid, taken from its output. */
static double sigmoid_deriv(double a)
{
    return a * (1.0 - a);
}

/* The references of the first pass of examples A and C (two sigmoid hidden
   units h, two sigmoid outputs o): two for each quantity, one for the loss E. */
struct pass_refs {
    const struct ref *net_h, *h, *net_o, *o, *E; /* forward */
    const struct ref *dE_do, *do_dnet, *dh_dnet, *dE_dh, *delta_o, *delta_h; /* backward */
};

/* p against r; w2 are the weights into the outputs, t the targets. */
static void check_pass(const struct pass *p, const double *t, const double *w2,
                       const struct pass_refs *r)
{
    CHECK_REFS(p->z1, r->net_h, 2);
    CHECK_REFS(p->h, r->h, 2);
    CHECK_REFS(p->z2, r->net_o, 2);
    CHECK_REFS(p->o, r->o, 2);
    CHECK_REFS(p->out, r->o, 2);
    CHECK_REF(p->E, *r->E);
    for (size_t k = 0; k < 2; k++) {
        CHECK_REF(p->o[k] - t[k], r->dE_do[k]);
        CHECK_REF(sigmoid_deriv(p->o[k]), r->do_dnet[k]);
        CHECK_REF(sigmoid_deriv(p->h[k]), r->dh_dnet[k]);
        /* dE/dh_j = sum_k delta_k W2[k][j] */
        CHECK_REF(p->d_o[0] * w2[k] + p->d_o[1] * w2[2 + k], r->dE_dh[k]);
    }
    CHECK_REFS(p->d_o, r->delta_o, 2);
    CHECK_REFS(p->d_h, r->delta_h, 2);
}

/* ========================================================================= */
/* Example A: 3 inputs, 2 sigmoid hidden (h1, h2), 2 sigmoid outputs (o1, o2),
   one bias per layer shared by its neurons, both trained; eta = 0.01. */

static const double a_x[3] = {1.0, 4.0, 5.0};
static const double a_t[2] = {0.1, 0.05};
static const double a_eta = 0.01;
/* layer 1: h1 <- (w1, w3, w5), h2 <- (w2, w4, w6) */
static const double a_w1[6] = {0.1, 0.3, 0.5, 0.2, 0.4, 0.6};
/* layer 2: o1 <- (w7, w9), o2 <- (w8, w10) */
static const double a_w2[4] = {0.7, 0.9, 0.8, 0.1};
/* shared biases b1 (hidden) and b2 (output) */
static const double a_b1 = 0.5;
static const double a_b2 = 0.5;

/* Forward pass. */
static const struct ref a_net_h[2] = {PRINTED(4.3, 4.3, 1), PRINTED(5.3, 5.3, 1)};
static const struct ref a_h[2] = {PRINTED(0.986613082172, 0.9866, 4),
                                  PRINTED(0.99503319835, 0.9950, 4)};
static const struct ref a_net_o[2] = {EXACT(2.08615903604), EXACT(1.38879378557)};
static const struct ref a_o[2] = {PRINTED(0.88955061397, 0.8896, 4),
                                  PRINTED(0.800399608067, 0.8004, 4)};
/* E = 1/2 [(o1 - t1)^2 + (o2 - t2)^2] */
static const struct ref a_E = EXACT(0.593244871904);

/* Backward pass. */
/* dE/do = o - t */
static const struct ref a_dE_do[2] = {PRINTED(0.78955061397, 0.7896, 4),
                                      PRINTED(0.750399608067, 0.7504, 4)};
/* do/dnet o = o (1 - o) */
static const struct ref a_do_dnet[2] = {PRINTED(0.0982503191558, 0.0983, 4),
                                        PRINTED(0.159760075473, 0.1598, 4)};
static const struct ref a_delta_o[2] = {EXACT(0.0775735998122), EXACT(0.11988389802)};
/* dE/dh1 = delta_o1 w7 + delta_o2 w8, dE/dh2 = delta_o1 w9 + delta_o2 w10 */
static const struct ref a_dE_dh[2] = {EXACT(0.150208638284), EXACT(0.0818046296329)};
/* dh/dnet h = h (1 - h) */
static const struct ref a_dh_dnet[2] = {PRINTED(0.0132077082587, 0.0132, 4),
                                        PRINTED(0.00494213253143, 0.0049, 4)};
static const struct ref a_delta_h[2] = {EXACT(0.0019839118724), EXACT(0.00040428932133)};

/* Gradients of the first step: dE/dw1, w3, w5, w2, w4, w6 */
static const struct ref a_grad_w1[6] = {
    PRINTED(0.0019839118724, 0.0020, 4),  PRINTED(0.00793564748961, 0.0079, 4),
    PRINTED(0.00991955936201, 0.0099, 4), PRINTED(0.00040428932133, 0.0004, 4),
    PRINTED(0.00161715728532, 0.0016, 4), PRINTED(0.00202144660665, 0.0020, 4)};
/* dE/dw7, w9, w8, w10 */
static const struct ref a_grad_w2[4] = {
    PRINTED(0.0765351284059, 0.0765, 4), PRINTED(0.0771883071286, 0.0772, 4),
    PRINTED(0.118279022128, 0.1183, 4), PRINTED(0.119288458477, 0.1193, 4)};
/* dE/db1 = delta_h1 + delta_h2; the post prints 0.0008, the value of a formula
   that leaves out the paths h1 -> o2 and h2 -> o1 (erratum) */
static const struct ref a_grad_b1 = ERRATUM(0.00238820119373, 0.0008, 4);
/* dE/db2 = delta_o1 + delta_o2 */
static const struct ref a_grad_b2 = PRINTED(0.197457497832, 0.1975, 4);
/* The post's formula delta_o1 w7 h1(1-h1) + delta_o2 w10 h2(1-h2): it gives the
   printed 0.0008, and b1 would then become 0.499992235532. */
static const struct ref a_post_grad_b1 = PRINTED(0.000776446843669, 0.0008, 4);
static const double a_post_new_b1 = 0.499992235532;

/* Parameters after one step: w1, w3, w5, w2, w4, w6 */
static const double a_new_w1[6] = {0.0999801608813, 0.299920643525, 0.499900804406,
                                   0.199995957107,  0.399983828427, 0.599979785534};
/* w7, w9, w8, w10 */
static const double a_new_w2[4] = {0.699234648716, 0.899228116929, 0.798817209779,
                                   0.0988071154152};
static const double a_new_b1 = 0.499976117988;
static const double a_new_b2 = 0.498025425022;

/* E, o1, o2 along 10,000 steps with correct gradients. */
static const struct checkpoint a_run[] = {
    {0, EXACT(0.593244871904), {EXACT(0.88955061397), EXACT(0.800399608067)}},
    {1, EXACT(0.592452097822), {EXACT(0.889205627379), EXACT(0.799705724506)}},
    {10, EXACT(0.585181831338), {NONE, NONE}},
    {1000, EXACT(0.0207632106014), {EXACT(0.258444805909), EXACT(0.17814704321)}},
    {2000, EXACT(0.00423588330172), {NONE, NONE}},
    {5000, EXACT(0.000511988304663), {NONE, NONE}},
    {10000, EXACT(0.000105568045465), {EXACT(0.100262552252), EXACT(0.0645281505101)}},
};

/* Parameters after 10,000 steps: w1, w3, w5, w2, w4, w6; b1; w7, w9, w8, w10; b2 */
static const double a_w1_10000[6] = {0.092619279891, 0.270477119564, 0.463096399455,
                                     0.200049632545, 0.400198530182, 0.600248162727};
static const double a_b1_10000 = 0.492668912436;
static const double a_w2_10000[4] = {-0.390077207685, -0.204257523008, -0.180637416051,
                                     -0.892942894454};
static const double a_b2_10000 = -1.60813216722;

static const struct pass_refs a_pass = {
    .net_h = a_net_h, .h = a_h, .net_o = a_net_o, .o = a_o, .E = &a_E,
    .dE_do = a_dE_do, .do_dnet = a_do_dnet, .dh_dnet = a_dh_dnet, .dE_dh = a_dE_dh,
    .delta_o = a_delta_o, .delta_h = a_delta_h};
static const struct two_layer_counts a_counts = {6, 1, 4, 1};

static nn_t *example_a_network(void)
{
    const size_t sizes[3] = {3, 2, 2};
    const int acts[2] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    nn_t *net = create_net(3, sizes, acts);
    OK(nn_set_bias_mode(net, 1, NN_BIAS_SHARED));
    OK(nn_set_bias_mode(net, 2, NN_BIAS_SHARED));
    set_layer(net, 1, a_w1, 6, &a_b1, 1);
    set_layer(net, 2, a_w2, 4, &a_b2, 1);
    return net;
}

/* Example A's weights and its two shared biases against expected values. */
static void check_a_params(nn_t *net, const double *w1, const double *w2, double b1, double b2)
{
    struct two_layers q;
    read_layers(net, &a_counts, PARAMS, &q);
    CHECK_VALUES(q.w1, w1, 6);
    CHECK_VALUES(q.w2, w2, 4);
    assert_rel(q.b1[0], b1, REL);
    assert_rel(q.b2[0], b2, REL);
}

static void example_a_one_step(void **state)
{
    (void)state;
    nn_t *net = example_a_network();
    struct pass p;
    run_pass(net, a_x, a_t, 2, &p);
    check_pass(&p, a_t, a_w2, &a_pass);

    struct two_layers g;
    read_layers(net, &a_counts, GRADS, &g);
    CHECK_REFS(g.w1, a_grad_w1, 6);
    CHECK_REFS(g.w2, a_grad_w2, 4);
    CHECK_REF(g.b1[0], a_grad_b1);
    CHECK_REF(g.b2[0], a_grad_b2);

    /* Erratum: the printed 0.0008 is what the post's incomplete formula gives. */
    const double post_g_b1 = p.d_o[0] * a_w2[0] * sigmoid_deriv(p.h[0]) +
                             p.d_o[1] * a_w2[3] * sigmoid_deriv(p.h[1]);
    CHECK_REF(post_g_b1, a_post_grad_b1);
    assert_rel(a_b1 - a_eta * post_g_b1, a_post_new_b1, REL);
    /* Erratum in a reader's comment: dE/do2 taken with t2 = 0.5 is not the printed 0.7504. */
    assert_not_rounds_to(p.o[1] - 0.5, 0.7504, 4);

    OK(nn_step(net, a_eta));
    check_a_params(net, a_new_w1, a_new_w2, a_new_b1, a_new_b2);

    /* After the step: E and outputs (the second row of a_run). */
    check_point(net, a_x, a_t, 2, &a_run[1]);
    nn_free(net);
}

static void example_a_many_steps(void **state)
{
    (void)state;
    nn_t *net = example_a_network();
    check_run(net, a_x, a_t, 2, a_eta, STANDARD, a_run, sizeof a_run / sizeof a_run[0]);
    check_a_params(net, a_w1_10000, a_w2_10000, a_b1_10000, a_b2_10000);
    nn_free(net);
}

/* ========================================================================= */
/* Example B: 2 inputs, 2 sigmoid hidden (h11, h12), 1 linear output (h21),
   a trained bias per neuron; eta = 0.2; L = 1/2 (y - h21)^2. */

static const double b_x[2] = {-0.32, -0.66};
static const double b_t[1] = {-0.54};
static const double b_eta = 0.2;
/* layer 1: [[w111, w112], [w121, w122]], biases b11, b12 */
static const double b_w1[4] = {0.2, 0.15, 0.5, 0.6};
static const double b_b1[2] = {0.1, 0.25};
/* layer 2: [w211, w212], bias b21 */
static const double b_w2[2] = {0.3, 0.2};
static const double b_b2[1] = {0.4};

/* Forward pass and loss. */
static const struct ref b_z1[2] = {EXACT(-0.063), EXACT(-0.306)};
static const struct ref b_h[2] = {PRINTED(0.484255207246, 0.484, 3),
                                  PRINTED(0.424091392553, 0.424, 3)};
/* z21 = h21 (linear output) */
static const struct ref b_out = PRINTED(0.630094840684, 0.63, 2);
static const struct ref b_L = EXACT(0.684560968098);

/* Backward pass. */
/* dL/dh21 = -(y - h21), the delta of the output */
static const struct ref b_delta_out = PRINTED(1.17009484068, 1.17, 2);
/* dL/dh11 = delta_out w211, dL/dh12 = delta_out w212 */
static const struct ref b_dL_dh[2] = {EXACT(0.351028452205), EXACT(0.234018968137)};
/* h (1 - h) */
static const struct ref b_dh_dz[2] = {EXACT(0.249752101501), EXACT(0.244237883316)};
static const struct ref b_delta_h[2] = {EXACT(0.087670093625), EXACT(0.0571562974334)};

/* Gradients of the first step. */
/* dL/dw111, w112, w121, w122 */
static const struct ref b_grad_w1[4] = {
    PRINTED(-0.02805442996, -0.028, 3), PRINTED(-0.0578622617925, -0.058, 3),
    PRINTED(-0.0182900151787, -0.018, 3), PRINTED(-0.0377231563061, -0.038, 3)};
/* dL/db11, db12: the text prints -0.057 for db12 (sign erratum) */
static const struct ref b_grad_b1[2] = {PRINTED(0.087670093625, 0.088, 3),
                                        ERRATUM(0.0571562974334, -0.057, 3)};
/* dL/dw211, dw212: printed from already-rounded factors (errata) */
static const struct ref b_grad_w2[2] = {ERRATUM(0.566624519573, 0.5663, 4),
                                        ERRATUM(0.496227150405, 0.4961, 4)};
/* dL/db21 */
static const struct ref b_grad_b2 = PRINTED(1.17009484068, 1.17, 2);

/* Parameters after one step; w121, w122, b11 are printed from rounded factors (errata). */
static const struct ref b_new_w1[4] = {
    PRINTED(0.205610885992, 0.2056, 4), PRINTED(0.161572452358, 0.1616, 4),
    ERRATUM(0.503658003036, 0.5036, 4), ERRATUM(0.607544631261, 0.6076, 4)};
static const struct ref b_new_b1[2] = {ERRATUM(0.082465981275, 0.0824, 4),
                                       PRINTED(0.238568740513, 0.2386, 4)};
static const struct ref b_new_w2[2] = {PRINTED(0.186675096085, 0.1867, 4),
                                       PRINTED(0.100754569919, 0.1008, 4)};
static const struct ref b_new_b2 = PRINTED(0.165981031863, 0.166, 3);

/* Hidden outputs h11, h12 after the step. */
static const double b_h_after_1[2] = {0.477523328493, 0.419803211985};

/* Output h21 and loss L after 1, 2, 3 and 10 steps. */
static const struct checkpoint b_run[] = {
    {0, EXACT(0.684560968098), {EXACT(0.630094840684), NONE}},
    {1, EXACT(0.35063599184), {EXACT(0.297419837167), NONE}},
    {2, EXACT(0.181119007674), {EXACT(0.0618621232042), NONE}},
    {3, EXACT(0.0938620894505), {EXACT(-0.106728515938), NONE}},
    {10, EXACT(0.000943119602169), {EXACT(-0.496569144559), NONE}},
};

/* The tutorial's own 4-decimal parameters after the step, and the output and
   loss they give. */
static const double b_printed_w1[4] = {0.2056, 0.1616, 0.5036, 0.6076};
static const double b_printed_b1[2] = {0.0824, 0.2386};
static const double b_printed_w2[2] = {0.1867, 0.1008};
static const double b_printed_b2[1] = {0.166};
static const double b_printed_out = 0.297466337088;
static const double b_printed_L = 0.350674932878;

static const struct two_layer_counts b_counts = {4, 2, 2, 1};

static nn_t *example_b_network(void)
{
    const size_t sizes[3] = {2, 2, 1};
    const int acts[2] = {NN_ACT_SIGMOID, NN_ACT_LINEAR};
    nn_t *net = create_net(3, sizes, acts);
    set_layer(net, 1, b_w1, 4, b_b1, 2);
    set_layer(net, 2, b_w2, 2, b_b2, 1);
    return net;
}

static void example_b_one_step(void **state)
{
    (void)state;
    nn_t *net = example_b_network();
    struct pass p;
    run_pass(net, b_x, b_t, 1, &p);
    CHECK_REFS(p.z1, b_z1, 2);
    CHECK_REFS(p.h, b_h, 2);
    CHECK_REF(p.z2[0], b_out);
    CHECK_REF(p.out[0], b_out);
    CHECK_REF(p.E, b_L);

    CHECK_REF(p.d_o[0], b_delta_out);
    CHECK_REF(p.out[0] - b_t[0], b_delta_out);
    for (size_t k = 0; k < 2; k++) {
        CHECK_REF(p.d_o[0] * b_w2[k], b_dL_dh[k]);
        CHECK_REF(sigmoid_deriv(p.h[k]), b_dh_dz[k]);
    }
    CHECK_REFS(p.d_h, b_delta_h, 2);

    struct two_layers g;
    read_layers(net, &b_counts, GRADS, &g);
    CHECK_REFS(g.w1, b_grad_w1, 4);
    CHECK_REFS(g.b1, b_grad_b1, 2);
    CHECK_REFS(g.w2, b_grad_w2, 2);
    CHECK_REF(g.b2[0], b_grad_b2);
    /* The dL/db12 erratum is a sign slip only: the magnitude rounds to 0.057. */
    assert_rounds_to(fabs(g.b1[1]), 0.057, 3);

    OK(nn_step(net, b_eta));
    struct two_layers q;
    read_layers(net, &b_counts, PARAMS, &q);
    CHECK_REFS(q.w1, b_new_w1, 4);
    CHECK_REFS(q.b1, b_new_b1, 2);
    CHECK_REFS(q.w2, b_new_w2, 2);
    CHECK_REF(q.b2[0], b_new_b2);

    check_point(net, b_x, b_t, 1, &b_run[1]);
    double h[2];
    OK(nn_get_outputs(net, 1, h, 2));
    CHECK_VALUES(h, b_h_after_1, 2);
    nn_free(net);
}

static void example_b_printed_parameters(void **state)
{
    (void)state;
    nn_t *net = example_b_network();
    set_layer(net, 1, b_printed_w1, 4, b_printed_b1, 2);
    set_layer(net, 2, b_printed_w2, 2, b_printed_b2, 1);
    double out;
    const double L = forward_loss(net, b_x, b_t, &out);
    assert_rel(out, b_printed_out, REL);
    assert_rel(L, b_printed_L, REL);
    nn_free(net);
}

static void example_b_more_steps(void **state)
{
    (void)state;
    nn_t *net = example_b_network();
    check_run(net, b_x, b_t, 1, b_eta, STANDARD, b_run, sizeof b_run / sizeof b_run[0]);
    nn_free(net);
}

/* ========================================================================= */
/* Example C: 2 inputs, 2 sigmoid hidden (h1, h2), 2 sigmoid outputs (o1, o2),
   one bias per layer shared by its neurons and frozen; eta = 0.5. */

static const double c_x[2] = {0.05, 0.10};
static const double c_t[2] = {0.01, 0.99};
static const double c_eta = 0.5;
/* layer 1: h1 <- (w1, w2), h2 <- (w3, w4) */
static const double c_w1[4] = {0.15, 0.20, 0.25, 0.30};
/* layer 2: o1 <- (w5, w6), o2 <- (w7, w8) */
static const double c_w2[4] = {0.40, 0.45, 0.50, 0.55};
static const double c_b1 = 0.35;
static const double c_b2 = 0.60;

/* Forward pass and error. */
static const struct ref c_net_h[2] = {PRINTED(0.3775, 0.3775, 4), EXACT(0.3925)};
static const struct ref c_out_h[2] = {PRINTED(0.593269992107, 0.593269992, 9),
                                      PRINTED(0.59688437826, 0.596884378, 9)};
static const struct ref c_net_o[2] = {PRINTED(1.10590596706, 1.105905967, 9),
                                      EXACT(1.2249214041)};
static const struct ref c_out_o[2] = {PRINTED(0.751365069552, 0.75136507, 8),
                                      PRINTED(0.772928465321, 0.772928465, 9)};
/* E o1, E o2: 1/2 (target - out)^2 of each output */
static const struct ref c_E_o[2] = {PRINTED(0.274811083176, 0.274811083, 9),
                                    PRINTED(0.0235600255838, 0.023560026, 9)};
/* E total */
static const struct ref c_E = PRINTED(0.29837110876, 0.298371109, 9);

/* Backward pass, standard rule. */
/* dE/dout o = out - target */
static const struct ref c_dE_dout_o[2] = {PRINTED(0.741365069552, 0.74136507, 8),
                                          EXACT(-0.217071534679)};
/* dout o/dnet o */
static const struct ref c_dout_dnet_o[2] = {PRINTED(0.186815601809, 0.186815602, 9),
                                            EXACT(0.175510052817)};
static const struct ref c_delta_o[2] = {PRINTED(0.138498561629, 0.138498562, 9),
                                        EXACT(-0.0380982365166)};
/* dE o1/dout h1 = delta_o1 w5 */
static const struct ref c_dEo1_douth1 = PRINTED(0.0553994246514, 0.055399425, 9);
/* dE o2/dout h1 = delta_o2 w7: printed -0.019049119 (erratum) */
static const struct ref c_dEo2_douth1 = ERRATUM(-0.0190491182583, -0.019049119, 9);
/* dE/dout h1, dE/dout h2 */
static const struct ref c_dE_douth[2] = {PRINTED(0.0363503063931, 0.036350306, 9),
                                         EXACT(0.0413703226487)};
/* dout h/dnet h */
static const struct ref c_douth_dneth[2] = {PRINTED(0.241300708572, 0.241300709, 9),
                                            EXACT(0.240613417249)};
static const struct ref c_delta_h[2] = {EXACT(0.00877135468949), EXACT(0.00995425470522)};

/* Gradients of the first step: dE/dw1..w4, dE/dw5..w8 */
static const struct ref c_grad_w1[4] = {
    PRINTED(0.000438567734474, 0.000438568, 9), EXACT(0.000877135468949),
    EXACT(0.000497712735261), EXACT(0.000995425470522)};
static const struct ref c_grad_w2[4] = {PRINTED(0.0821670405642, 0.082167041, 9),
                                        EXACT(0.0826676278475), EXACT(-0.0226025404775),
                                        EXACT(-0.022740242216)};
/* dE/db1, dE/db2 of the shared (frozen) biases */
static const double c_grad_b[2] = {0.0187256093947, 0.100400325112};

/* Weights after one standard step: w1..w4, w5..w8 */
static const struct ref c_new_w1[4] = {
    PRINTED(0.149780716133, 0.149780716, 9), PRINTED(0.199561432266, 0.19956143, 8),
    PRINTED(0.249751143632, 0.24975114, 8), PRINTED(0.299502287265, 0.29950229, 8)};
static const struct ref c_new_w2[4] = {
    PRINTED(0.358916479718, 0.35891648, 8), PRINTED(0.408666186076, 0.408666186, 9),
    PRINTED(0.511301270239, 0.511301270, 9), PRINTED(0.561370121108, 0.561370121, 9)};

/* Sequential rule, one step: dE/dout h1, h2 through the new w5..w8, and w1..w4. */
static const double c_seq_dE_douth[2] = {0.0302297394609, 0.0352124673105};
static const double c_seq_new_w1[4] = {0.149817638561, 0.199635277122, 0.249788185198,
                                       0.299576370396};

/* E, out o1, out o2 along 10,000 standard steps. The post's "E after 1 step"
   0.291027924 and its outputs after 10,000 steps are sequential-rule values
   (errata here); its "E after 10,000 steps" 0.0000351085 matches neither rule at
   10,000 steps but, by coincidence, the standard rule after 9,999. */
static const struct checkpoint c_run_standard[] = {
    {1, ERRATUM(0.291027773694, 0.291027924, 9),
     {EXACT(0.742088111191), EXACT(0.775284968294)}},
    {10, EXACT(0.220918592054), {NONE, NONE}},
    {100, EXACT(0.0200468282494), {NONE, NONE}},
    {1000, EXACT(0.00111434945373), {NONE, NONE}},
    {9999, PRINTED(3.51085481225e-05, 0.0000351085, 10), {NONE, NONE}},
    {10000, ERRATUM(3.51018778298e-05, 0.0000351085, 10),
     {ERRATUM(0.0159136204436, 0.015912196, 9), ERRATUM(0.984064273515, 0.984065734, 9)}},
};

/* The same under the sequential rule. */
static const struct checkpoint c_run_sequential[] = {
    {1, PRINTED(0.291027923905, 0.291027924, 9),
     {EXACT(0.742088438479), EXACT(0.775285384624)}},
    {10, EXACT(0.220916337458), {NONE, NONE}},
    {100, EXACT(0.0200397519508), {NONE, NONE}},
    {1000, EXACT(0.00111394043394), {NONE, NONE}},
    {9999, EXACT(3.50914538107e-05), {NONE, NONE}},
    {10000, ERRATUM(3.50847862963e-05, 0.0000351085, 10),
     {PRINTED(0.015912196326, 0.015912196, 9), PRINTED(0.984065734486, 0.984065734, 9)}},
};

/* Weights w1..w8 after 10,000 steps under each rule. */
static const double c_w_10000_standard[8] = {
    0.37850998835,  0.6570199767,  0.477300705685, 0.75460141137,
    -3.89297719887, -3.8684166877, 2.86181094862,  2.92568896677};
static const double c_w_10000_sequential[8] = {
    0.379919182862, 0.659838365724, 0.47871403613, 0.75742807226,
    -3.89251900449, -3.86795304308, 2.86148988995, 2.92536427681};

static const struct pass_refs c_pass = {
    .net_h = c_net_h, .h = c_out_h, .net_o = c_net_o, .o = c_out_o, .E = &c_E,
    .dE_do = c_dE_dout_o, .do_dnet = c_dout_dnet_o, .dh_dnet = c_douth_dneth,
    .dE_dh = c_dE_douth, .delta_o = c_delta_o, .delta_h = c_delta_h};
static const struct two_layer_counts c_counts = {4, 1, 4, 1};

static nn_t *example_c_network(void)
{
    const size_t sizes[3] = {2, 2, 2};
    const int acts[2] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    nn_t *net = create_net(3, sizes, acts);
    for (size_t layer = 1; layer <= 2; layer++) {
        OK(nn_set_bias_mode(net, layer, NN_BIAS_SHARED));
        OK(nn_set_frozen(net, layer, 0, 1));
    }
    set_layer(net, 1, c_w1, 4, &c_b1, 1);
    set_layer(net, 2, c_w2, 4, &c_b2, 1);
    return net;
}

/* Reads the parameters into q; the two shared biases must still be exactly
   0.35 and 0.60. */
static void read_c_params(const nn_t *net, struct two_layers *q)
{
    read_layers(net, &c_counts, PARAMS, q);
    assert_true(q->b1[0] == c_b1);
    assert_true(q->b2[0] == c_b2);
}

static void example_c_one_step(void **state)
{
    (void)state;
    nn_t *net = example_c_network();
    struct pass p;
    run_pass(net, c_x, c_t, 2, &p);
    check_pass(&p, c_t, c_w2, &c_pass);
    for (size_t k = 0; k < 2; k++)
        CHECK_REF(0.5 * (c_t[k] - p.o[k]) * (c_t[k] - p.o[k]), c_E_o[k]);
    CHECK_REF(p.d_o[0] * c_w2[0], c_dEo1_douth1);
    CHECK_REF(p.d_o[1] * c_w2[2], c_dEo2_douth1);

    struct two_layers g;
    read_layers(net, &c_counts, GRADS, &g);
    CHECK_REFS(g.w1, c_grad_w1, 4);
    CHECK_REFS(g.w2, c_grad_w2, 4);
    assert_rel(g.b1[0], c_grad_b[0], REL);
    assert_rel(g.b2[0], c_grad_b[1], REL);

    OK(nn_step(net, c_eta));
    struct two_layers q;
    read_c_params(net, &q);
    CHECK_REFS(q.w1, c_new_w1, 4);
    CHECK_REFS(q.w2, c_new_w2, 4);

    check_point(net, c_x, c_t, 2, &c_run_standard[0]);
    nn_free(net);
}

static void example_c_sequential_one_step(void **state)
{
    (void)state;
    nn_t *net = example_c_network();
    OK(nn_train_sequential(net, c_x, c_t, c_eta));
    struct two_layers q;
    read_c_params(net, &q);

    /* The output layer sees exactly what the standard rule computes ... */
    double d_o[2], d_h[2], h[2];
    OK(nn_get_deltas(net, 2, d_o, 2));
    CHECK_REFS(d_o, c_delta_o, 2);
    CHECK_REFS(q.w2, c_new_w2, 4);

    /* ... while the hidden deltas come through the updated w5..w8. */
    OK(nn_get_deltas(net, 1, d_h, 2));
    OK(nn_get_outputs(net, 1, h, 2));
    CHECK_REFS(h, c_out_h, 2);
    for (size_t k = 0; k < 2; k++) {
        assert_rel(d_o[0] * q.w2[k] + d_o[1] * q.w2[2 + k], c_seq_dE_douth[k], REL);
        assert_rel(d_h[k] / sigmoid_deriv(h[k]), c_seq_dE_douth[k], REL);
    }
    CHECK_VALUES(q.w1, c_seq_new_w1, 4);

    check_point(net, c_x, c_t, 2, &c_run_sequential[0]);
    nn_free(net);
}

/* 10,000 steps under one rule: the checkpoints, the weights at the end and the
   untouched biases. */
static void run_example_c(enum rule rule, const struct checkpoint *points, size_t n_points,
                          const double *w_10000)
{
    nn_t *net = example_c_network();
    check_run(net, c_x, c_t, 2, c_eta, rule, points, n_points);
    struct two_layers q;
    read_c_params(net, &q);
    CHECK_VALUES(q.w1, w_10000, 4);
    CHECK_VALUES(q.w2, w_10000 + 4, 4);
    nn_free(net);
}

#define N_C_RUN (sizeof c_run_standard / sizeof c_run_standard[0])

static void example_c_standard_run(void **state)
{
    (void)state;
    run_example_c(STANDARD, c_run_standard, N_C_RUN, c_w_10000_standard);
}

static void example_c_sequential_run(void **state)
{
    (void)state;
    run_example_c(SEQUENTIAL, c_run_sequential, N_C_RUN, c_w_10000_sequential);
}

/* nn_train_sample is the standard rule in one pass: same numbers throughout. */
static void example_c_fused_run(void **state)
{
    (void)state;
    nn_t *net = example_c_network();
    OK(nn_train_sample(net, c_x, c_t, c_eta));
    double d_o[2], d_h[2];
    struct two_layers q;
    OK(nn_get_deltas(net, 2, d_o, 2));
    OK(nn_get_deltas(net, 1, d_h, 2));
    read_layers(net, &c_counts, PARAMS, &q);
    CHECK_REFS(d_o, c_delta_o, 2);
    CHECK_REFS(d_h, c_delta_h, 2);
    CHECK_REFS(q.w1, c_new_w1, 4);
    CHECK_REFS(q.w2, c_new_w2, 4);
    nn_free(net);

    run_example_c(FUSED, c_run_standard, N_C_RUN, c_w_10000_standard);
}

/* The post's own outputs after 10,000 steps give an error that is not the one
   it prints (a check on the printed figures alone). */
static void example_c_printed_error_contradicts_outputs(void **state)
{
    (void)state;
    const double o1 = 0.015912196, o2 = 0.984065734;
    const double E = 0.5 * ((o1 - c_t[0]) * (o1 - c_t[0]) + (o2 - c_t[1]) * (o2 - c_t[1]));
    assert_rounds_to(E, 0.0000350848, 10);
    assert_not_rounds_to(E, 0.0000351085, 10);
}

/* ========================================================================= */
/* Example D: 2 inputs, 2 sigmoid hidden, 1 sigmoid output, a trained bias per
   neuron; each epoch sums the gradients of the four samples and makes one step
   with eta = 0.1. Parameters are nine uniform draws of the numpy-compatible
   generator seeded with 0, in numpy's order. */

static const double d_eta = 0.1;

/* np.random.seed(0); np.random.rand() nine times. */
static const double d_seed0_draws[9] = {
    0.54881350392732475, 0.71518936637241948, 0.60276337607164387,
    0.54488318299689686, 0.42365479933890471, 0.64589411306665612,
    0.43758721126269251, 0.89177300078207977, 0.96366276050102928};

/* The same parameters in the generic layout, as the reference lists them. */
static const double d_seed0_w1[4] = {0.548813503927, 0.602763376072, 0.715189366372,
                                     0.544883182997};
static const double d_seed0_b1[2] = {0.423654799339, 0.645894113067};
static const double d_seed0_w2[2] = {0.437587211263, 0.891773000782};
static const double d_seed0_b2[1] = {0.963662760501};

static const struct two_layer_counts d_counts = {4, 2, 2, 1};

/* E = sum over the four samples of 1/2 (a2 - y)^2 after a number of epochs. */
struct epoch_loss {
    int epochs;
    double loss;
};

struct xor_case {
    const char *name;
    double x[4][2];
    double y[4];
    struct epoch_loss curve[9];
    double out_9999[4];  /* outputs after 9,999 updates (what the program prints) */
    double out_10000[4]; /* outputs after 10,000 updates */
    /* summed gradients of the first epoch */
    double grad_w1[4];
    double grad_b1[2];
    double grad_w2[2];
    double grad_b2[1];
};

/* The tutorial's data set: its fourth input is (-1, 1). */
static const struct xor_case d_tutorial = {
    "tutorial data set",
    {{0, 0}, {0, 1}, {1, 0}, {-1, 1}},
    {0, 1, 1, 0},
    {{0, 0.7507939272},
     {1, 0.744628057394},
     {10, 0.68354806959},
     {100, 0.477147573046},
     {1000, 0.0700516553925},
     {2000, 0.0166466342994},
     {5000, 0.00405582549884},
     {9999, 0.00166910701974},
     {10000, 0.00166890368368}},
    {0.0375060027146, 0.968715289571, 0.980592649578, 0.0240028215594},
    {0.0375037311362, 0.968717208906, 0.980593857211, 0.0240013774949},
    {-0.0120078754906, 0.00978355588497, -0.0240662492771, 0.0201296141259},
    {0.0195239595363, 0.0391498868204},
    {0.108829232581, 0.112844991997},
    {0.183254922907},
};

/* True XOR: fourth input (1, 1). */
static const struct xor_case d_true_xor = {
    "true XOR",
    {{0, 0}, {0, 1}, {1, 0}, {1, 1}},
    {0, 1, 1, 0},
    {{0, 0.78137130617},
     {1, 0.775686321718},
     {10, 0.716913215929},
     {100, 0.499930725466},
     {1000, 0.496574664004},
     {2000, 0.472982679519},
     {5000, 0.0597556569657},
     {9999, 0.0061048094928},
     {10000, 0.00610356771396}},
    {0.0577038331448, 0.947019798705, 0.94699479634, 0.0571264674359},
    {0.0576984422986, 0.947025241423, 0.947000242858, 0.0571202755661},
    {0.00426722348954, 0.00425623532668, 0.00684636537971, 0.00658941627921},
    {0.013996638978, 0.0256096889736},
    {0.115373178638, 0.123072963696},
    {0.164256972636},
};

/* Draws the nine parameters with seed 0 in numpy's order and installs them.
   numpy's W1 is [input][hidden], so draw i*2+j goes to W[j][i] here. */
static nn_t *example_d_network(double draws[9])
{
    const size_t sizes[3] = {2, 2, 1};
    const int acts[2] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    nn_t *net = create_net(3, sizes, acts);
    nn_rng_t *rng = NULL;
    OK(nn_rng_create(&rng, 0));
    for (size_t i = 0; i < 9; i++)
        draws[i] = nn_rng_uniform(rng);
    nn_rng_free(rng);

    double w1[4];
    for (size_t in = 0; in < 2; in++)
        for (size_t hid = 0; hid < 2; hid++)
            w1[hid * 2 + in] = draws[in * 2 + hid];
    set_layer(net, 1, w1, 4, draws + 4, 2);
    set_layer(net, 2, draws + 6, 2, draws + 8, 1);
    return net;
}

/* Forward and backward on the four samples, gradients summed (the caller then
   steps). Returns E = sum of the four losses and stores the four outputs. */
static double xor_epoch(nn_t *net, const struct xor_case *c, double out[4])
{
    double E = 0.0;
    for (size_t s = 0; s < 4; s++) {
        E += forward_loss(net, c->x[s], &c->y[s], &out[s]);
        OK(nn_backward(net, &c->y[s]));
    }
    return E;
}

static void example_d_seed0_draws(void **state)
{
    (void)state;
    double draws[9];
    nn_t *net = example_d_network(draws);
    for (size_t i = 0; i < 9; i++) {
        if (draws[i] != d_seed0_draws[i]) {
            print_error("draw %zu = %.17g, expected %.17g bit for bit\n", i, draws[i],
                        d_seed0_draws[i]);
            fail();
        }
    }
    struct two_layers q;
    read_layers(net, &d_counts, PARAMS, &q);
    CHECK_VALUES(q.w1, d_seed0_w1, 4);
    CHECK_VALUES(q.b1, d_seed0_b1, 2);
    CHECK_VALUES(q.w2, d_seed0_w2, 2);
    CHECK_VALUES(q.b2, d_seed0_b2, 1);
    nn_free(net);
}

/* 10,000 epochs from the seed-0 parameters, checked against case c. */
static void run_example_d(const struct xor_case *c)
{
    double draws[9];
    nn_t *net = example_d_network(draws);
    size_t next = 0; /* next point of c->curve */
    double out[4];
    for (int epoch = 0; epoch <= 10000; epoch++) {
        const int last = epoch == 10000;
        /* At epoch e the four forward passes see the parameters after e updates. */
        const double E = xor_epoch(net, c, out);
        if (next < 9 && c->curve[next].epochs == epoch) {
            char name[96];
            snprintf(name, sizeof name, "%s: E after %d epochs", c->name, epoch);
            check_rel_impl(E, c->curve[next].loss, REL, name, __FILE__, __LINE__);
            next++;
        }
        if (epoch == 0) {
            struct two_layers g;
            read_layers(net, &d_counts, GRADS, &g);
            CHECK_VALUES(g.w1, c->grad_w1, 4);
            CHECK_VALUES(g.b1, c->grad_b1, 2);
            CHECK_VALUES(g.w2, c->grad_w2, 2);
            CHECK_VALUES(g.b2, c->grad_b2, 1);
        }
        if (epoch == 9999)
            CHECK_VALUES(out, c->out_9999, 4);
        if (last)
            CHECK_VALUES(out, c->out_10000, 4);
        else
            OK(nn_step(net, d_eta));
    }
    assert_int_equal(next, 9);
    /* Every sample ends on the correct side of 0.5. */
    for (size_t s = 0; s < 4; s++)
        assert_true((out[s] > 0.5) == (c->y[s] > 0.5));
    nn_free(net);
}

static void example_d_tutorial_data(void **state)
{
    (void)state;
    run_example_d(&d_tutorial);
}

static void example_d_true_xor(void **state)
{
    (void)state;
    run_example_d(&d_true_xor);
}

/* True XOR from the seed-0 parameters learns every output to within 0.1 of its
   target within a bounded number of epochs (it takes 6,643). */
static void xor_trains(void **state)
{
    (void)state;
    const int max_epochs = 20000;
    double draws[9];
    nn_t *net = example_d_network(draws);
    double out[4];
    int epoch = 0;
    for (;; epoch++) {
        (void)xor_epoch(net, &d_true_xor, out);
        double worst = 0.0;
        for (size_t s = 0; s < 4; s++)
            worst = fmax(worst, fabs(out[s] - d_true_xor.y[s]));
        if (worst < 0.1 || epoch == max_epochs)
            break;
        OK(nn_step(net, d_eta));
    }
    assert_true(epoch < max_epochs);
    for (size_t s = 0; s < 4; s++)
        assert_abs(out[s], d_true_xor.y[s], 0.1);
    nn_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(example_a_one_step),
        cmocka_unit_test(example_a_many_steps),
        cmocka_unit_test(example_b_one_step),
        cmocka_unit_test(example_b_printed_parameters),
        cmocka_unit_test(example_b_more_steps),
        cmocka_unit_test(example_c_one_step),
        cmocka_unit_test(example_c_sequential_one_step),
        cmocka_unit_test(example_c_standard_run),
        cmocka_unit_test(example_c_sequential_run),
        cmocka_unit_test(example_c_fused_run),
        cmocka_unit_test(example_c_printed_error_contradicts_outputs),
        cmocka_unit_test(example_d_seed0_draws),
        cmocka_unit_test(example_d_tutorial_data),
        cmocka_unit_test(example_d_true_xor),
        cmocka_unit_test(xor_trains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

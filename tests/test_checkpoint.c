/* Checkpoints: a network and its optimiser in one model file (section
   `optimizer`, docs/format.md). Resuming is exact for every optimiser (k
   steps, save, load, k more steps give the bits of 2k steps), the text is the
   one docs/format.md shows, plain model files still load (with no
   optimiser), the network loaders read a checkpoint's network, and every
   malformed section is refused with its status, its line and the caller's
   pointers untouched. */
#define _POSIX_C_SOURCE 200809L
#include "testnet.h"

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

/* ---- the training fixture ---- */

enum { SAMPLES = 5, N_IN = 3, N_OUT = 2 };

static double inputs[SAMPLES * N_IN], targets[SAMPLES * N_OUT];

/* 3-4-3-2 with a frozen block (layer 1's biases) and a shared bias
   (layer 3), the same every time. */
static nn_t *make_network(void)
{
    static const size_t sizes[4] = {N_IN, 4, 3, N_OUT};
    static const int acts[3] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_LINEAR};
    nn_t *net = create_net(4, sizes, acts);
    assert_int_equal(nn_init_random(net, 99, NN_INIT_UNIFORM, -0.7, 0.7), NN_OK);
    assert_int_equal(nn_set_frozen(net, 1, 0, 1), NN_OK);
    assert_int_equal(nn_set_bias_mode(net, 3, NN_BIAS_SHARED), NN_OK);
    return net;
}

/* Steps `from` .. `to` - 1: the gradients of every sample, then a step at a
   rate that changes with the step number. */
static void train(nn_t *net, nn_optimizer_t *opt, size_t from, size_t to)
{
    for (size_t step = from; step < to; step++) {
        for (size_t i = 0; i < SAMPLES; i++) {
            assert_int_equal(nn_forward(net, inputs + i * N_IN, NULL), NN_OK);
            assert_int_equal(nn_backward(net, targets + i * N_OUT), NN_OK);
        }
        double rate = 0.0;
        assert_int_equal(nn_schedule_cosine(0.05, step, 20, 0.001, &rate), NN_OK);
        assert_int_equal(nn_optimizer_step(opt, net, rate), NN_OK);
    }
}

/* An optimiser and the hyperparameters that differ from its defaults. */
struct config {
    const char *what;
    int kind;
    size_t n_set;
    int hp[3];
    double value[3];
};

static const struct config configs[] = {
    {"sgd momentum", NN_OPT_SGD, 3, {NN_HP_MOMENTUM, NN_HP_DAMPENING, NN_HP_WEIGHT_DECAY},
     {0.9, 0.1, 0.01}},
    {"sgd nesterov", NN_OPT_SGD, 2, {NN_HP_MOMENTUM, NN_HP_NESTEROV}, {0.8, 1.0}},
    {"adam", NN_OPT_ADAM, 2, {NN_HP_BETA1, NN_HP_WEIGHT_DECAY}, {0.85, 0.001}},
    {"adamw", NN_OPT_ADAMW, 1, {NN_HP_EPSILON}, {1e-6}},
    {"rmsprop momentum", NN_OPT_RMSPROP, 2, {NN_HP_MOMENTUM, NN_HP_ALPHA}, {0.5, 0.9}},
    {"rprop", NN_OPT_RPROP, 2, {NN_HP_STEP_MIN, NN_HP_STEP_MAX}, {0.0, 2.0}},
};

static nn_optimizer_t *make_optimizer(const nn_t *net, const struct config *c)
{
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, net, c->kind), NN_OK);
    for (size_t i = 0; i < c->n_set; i++)
        assert_int_equal(nn_optimizer_set(opt, c->hp[i], c->value[i]), NN_OK);
    return opt;
}

static double *state_of(const nn_optimizer_t *opt, size_t *count)
{
    assert_int_equal(nn_optimizer_state_count(opt, count), NN_OK);
    double *s = alloc_doubles(*count);
    assert_int_equal(nn_optimizer_get_state(opt, s, *count), NN_OK);
    return s;
}

static char *checkpoint_text(const nn_t *net, const nn_optimizer_t *opt, size_t *len)
{
    assert_int_equal(nn_save_checkpoint_buffer(net, opt, NULL, 0, len), NN_ERR_BUFFER_SIZE);
    char *text = malloc(*len + 1);
    assert_non_null(text);
    size_t written = 0;
    assert_int_equal(nn_save_checkpoint_buffer(net, opt, text, *len + 1, &written), NN_OK);
    assert_int_equal(written, *len);
    assert_int_equal(strlen(text), *len);
    return text;
}

static char *model_text(const nn_t *net)
{
    size_t len = 0;
    assert_int_equal(nn_save_buffer(net, NULL, 0, &len), NN_ERR_BUFFER_SIZE);
    char *text = malloc(len + 1);
    assert_non_null(text);
    assert_int_equal(nn_save_buffer(net, text, len + 1, &len), NN_OK);
    return text;
}

/* A file name of this process in the working folder. */
static void temp_path(char *path, size_t size, const char *what)
{
    snprintf(path, size, "checkpoint_%s_%ld.txt", what, (long)getpid());
}

/* Saves and loads net and opt through a buffer (via_file 0) or a file. */
static void save_and_load(const nn_t *net, const nn_optimizer_t *opt, int via_file,
                          nn_t **net_out, nn_optimizer_t **opt_out)
{
    if (via_file) {
        char path[64];
        temp_path(path, sizeof path, "resume");
        assert_int_equal(nn_save_checkpoint(net, opt, path), NN_OK);
        assert_int_equal(nn_load_checkpoint(net_out, opt_out, path), NN_OK);
        assert_int_equal(remove(path), 0);
    } else {
        size_t len = 0;
        char *text = checkpoint_text(net, opt, &len);
        assert_int_equal(nn_load_checkpoint_buffer(net_out, opt_out, text, len), NN_OK);
        free(text);
    }
    assert_non_null(*net_out);
    assert_non_null(*opt_out);
}

/* k steps, save, load, k more steps: the bits of 2k uninterrupted steps,
   parameters and state, for every optimiser, through a buffer and a file. */
static void test_resume_is_exact(void **state)
{
    (void)state;
    enum { K = 6 };
    for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
        for (int via_file = 0; via_file <= 1; via_file++) {
            nn_t *straight = make_network(), *first = make_network();
            nn_optimizer_t *opt_straight = make_optimizer(straight, &configs[c]);
            nn_optimizer_t *opt_first = make_optimizer(first, &configs[c]);
            train(straight, opt_straight, 0, 2 * K);
            train(first, opt_first, 0, K);

            nn_t *resumed = NULL;
            nn_optimizer_t *opt_resumed = NULL;
            save_and_load(first, opt_first, via_file, &resumed, &opt_resumed);
            nn_free(first);
            nn_optimizer_free(opt_first);
            int kind = -1;
            assert_int_equal(nn_optimizer_get_kind(opt_resumed, &kind), NN_OK);
            assert_int_equal(kind, configs[c].kind);
            for (int h = 0; h < 12; h++) {
                double a = 0.0, b = 0.0;
                const nn_status sa = nn_optimizer_get(opt_straight, h, &a);
                assert_int_equal(nn_optimizer_get(opt_resumed, h, &b), sa);
                assert_memory_equal(&a, &b, sizeof a);
            }
            train(resumed, opt_resumed, K, 2 * K);

            double *p_straight = params_of(straight), *p_resumed = params_of(resumed);
            const size_t n = nn_param_count(straight);
            if (memcmp(p_straight, p_resumed, n * sizeof(double)) != 0)
                fail_msg("%s (%s): the parameters differ after resuming", configs[c].what,
                         via_file ? "file" : "buffer");
            size_t n_a = 0, n_b = 0;
            double *s_straight = state_of(opt_straight, &n_a);
            double *s_resumed = state_of(opt_resumed, &n_b);
            assert_int_equal(n_a, n_b);
            if (memcmp(s_straight, s_resumed, n_a * sizeof(double)) != 0)
                fail_msg("%s (%s): the optimiser state differs after resuming", configs[c].what,
                         via_file ? "file" : "buffer");
            /* and the frozen block never moved: its step count is still 0 */
            assert_true(s_resumed[1] == 0.0 && s_resumed[0] == 2.0 * K);
            free(s_straight);
            free(s_resumed);
            free(p_straight);
            free(p_resumed);
            nn_optimizer_free(opt_straight);
            nn_optimizer_free(opt_resumed);
            nn_free(straight);
            nn_free(resumed);
        }
    }
}

/* ---- the text ---- */

/* A 2-1 linear network after one SGD step with momentum 0.5 and rate 0.5 on
   the input (1, 2) and target 0: the output -2.25 gives the gradients
   (-2.25, -4.5) and -2.25, which are the momentum buffers after a first
   step, and the parameters 1.625, 0.75 and 1.375. Written by hand. */
static const char sgd_checkpoint[] = "backprop-model 2\n"
                                     "# libbackprop model; numbers are C99 hexadecimal "
                                     "floating-point constants\n"
                                     "layers 2\n"
                                     "sizes 2 1\n"
                                     "loss half_sse\n"
                                     "\n"
                                     "layer 1\n"
                                     "activation linear\n"
                                     "bias per_neuron\n"
                                     "frozen none\n"
                                     "weights 1 2\n"
                                     "0x1.ap+0 0x1.8p-1\n"
                                     "biases 1\n"
                                     "0x1.6p+0\n"
                                     "end\n"
                                     "\n"
                                     "section optimizer\n"
                                     "kind sgd\n"
                                     "momentum 0x1p-1\n"
                                     "dampening 0x0p+0\n"
                                     "nesterov 0x0p+0\n"
                                     "weight_decay 0x0p+0\n"
                                     "state 5\n"
                                     "# step counts of each layer's weights and biases\n"
                                     "0x1p+0 0x1p+0\n"
                                     "# momentum buffers, laid out as the parameters\n"
                                     "-0x1.2p+1 -0x1.2p+2\n"
                                     "-0x1.2p+1\n";

/* The text up to and including "section optimizer\n" (line 17). */
static size_t head_length(void)
{
    return (size_t)(strstr(sgd_checkpoint, "kind sgd") - sgd_checkpoint);
}

static nn_t *small_network(void)
{
    const size_t sizes[] = {2, 1};
    const int acts[] = {NN_ACT_LINEAR};
    nn_t *net = create_net(2, sizes, acts);
    const double w[] = {0.5, -1.5}, b[] = {0.25};
    assert_int_equal(nn_set_weights(net, 1, w, 2), NN_OK);
    assert_int_equal(nn_set_biases(net, 1, b, 1), NN_OK);
    return net;
}

static void test_text_and_round_trip(void **state)
{
    (void)state;
    nn_t *net = small_network();
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, net, NN_OPT_SGD), NN_OK);
    assert_int_equal(nn_optimizer_set(opt, NN_HP_MOMENTUM, 0.5), NN_OK);
    const double x[] = {1.0, 2.0}, t[] = {0.0};
    assert_int_equal(nn_forward(net, x, NULL), NN_OK);
    assert_int_equal(nn_backward(net, t), NN_OK);
    assert_int_equal(nn_optimizer_step(opt, net, 0.5), NN_OK);
    size_t len = 0;
    char *text = checkpoint_text(net, opt, &len);
    assert_string_equal(text, sgd_checkpoint);

    /* too small a buffer: the length, and the buffer untouched */
    char small[16];
    memset(small, 'z', sizeof small);
    size_t got = 0;
    assert_int_equal(nn_save_checkpoint_buffer(net, opt, small, sizeof small, &got),
                     NN_ERR_BUFFER_SIZE);
    assert_int_equal(got, len);
    assert_int_equal(small[0], 'z');

    /* loaded back, it saves to the same bytes */
    nn_t *back = NULL;
    nn_optimizer_t *opt_back = NULL;
    assert_int_equal(nn_load_checkpoint_buffer(&back, &opt_back, text, len), NN_OK);
    size_t len2 = 0;
    char *again = checkpoint_text(back, opt_back, &len2);
    assert_string_equal(again, text);

    /* the network loaders read the network and drop the optimiser: saved
       alone, it is the version-1 file of the same network */
    nn_t *alone = NULL;
    assert_int_equal(nn_load_buffer(&alone, text, len), NN_OK);
    char *alone_text = model_text(alone), *net_text = model_text(net);
    assert_string_equal(alone_text, net_text);
    assert_int_equal(alone_text[15], '1');
    free(alone_text);
    free(net_text);
    nn_free(alone);

    free(again);
    free(text);
    nn_optimizer_free(opt_back);
    nn_free(back);
    nn_optimizer_free(opt);
    nn_free(net);
}

/* Plain model files, version 1 and version 2 without an optimiser, load
   through the checkpoint loaders with no optimiser. */
static void test_plain_files_load(void **state)
{
    (void)state;
    nn_t *net = small_network();
    char *v1 = model_text(net);
    assert_int_equal(v1[15], '1');
    nn_t *back = NULL;
    nn_optimizer_t *opt = (nn_optimizer_t *)&back; /* must become NULL */
    assert_int_equal(nn_load_checkpoint_buffer(&back, &opt, v1, strlen(v1)), NN_OK);
    assert_null(opt);
    char *back_text = model_text(back);
    assert_string_equal(back_text, v1);
    free(back_text);
    nn_free(back);

    char path[64];
    temp_path(path, sizeof path, "plain");
    assert_int_equal(nn_set_reduction(net, NN_REDUCTION_MEAN), NN_OK);
    assert_int_equal(nn_save(net, path), NN_OK);
    opt = (nn_optimizer_t *)&back;
    back = NULL;
    assert_int_equal(nn_load_checkpoint(&back, &opt, path), NN_OK);
    assert_null(opt);
    assert_int_equal(nn_get_reduction(back), NN_REDUCTION_MEAN);
    nn_free(back);

    /* a checkpoint with a section `training` too, through a file */
    nn_optimizer_t *adam = NULL;
    assert_int_equal(nn_optimizer_create(&adam, net, NN_OPT_ADAM), NN_OK);
    assert_int_equal(nn_save_checkpoint(net, adam, path), NN_OK);
    back = NULL;
    opt = NULL;
    char msg[128];
    assert_int_equal(nn_load_checkpoint_with(&back, &opt, path, NULL, msg, sizeof msg), NN_OK);
    assert_string_equal(msg, "");
    assert_non_null(opt);
    assert_int_equal(nn_get_reduction(back), NN_REDUCTION_MEAN);
    nn_t *alone = NULL;
    assert_int_equal(nn_load(&alone, path), NN_OK);
    assert_int_equal(nn_get_reduction(alone), NN_REDUCTION_MEAN);
    nn_free(alone);
    assert_int_equal(remove(path), 0);
    nn_optimizer_free(opt);
    nn_optimizer_free(adam);
    nn_free(back);
    free(v1);
    nn_free(net);
}

/* ---- refusals ---- */

/* The head of the SGD checkpoint (to "section optimizer") and `tail`. */
static char *with_tail(const char *tail)
{
    const size_t head = head_length();
    char *text = malloc(head + strlen(tail) + 1);
    assert_non_null(text);
    memcpy(text, sgd_checkpoint, head);
    strcpy(text + head, tail);
    return text;
}

/* Both loaders refuse text with `expected`, a message on `line` naming
   `needle`, and leave the caller's pointers as they were. */
static void expect_refused(const char *text, nn_status expected, size_t line, const char *needle)
{
    int marker = 0;
    nn_t *const net_before = (nn_t *)&marker;
    nn_optimizer_t *const opt_before = (nn_optimizer_t *)&marker;
    nn_t *net = net_before;
    nn_optimizer_t *opt = opt_before;
    char msg[256];
    const nn_status status =
        nn_load_checkpoint_buffer_with(&net, &opt, text, strlen(text), NULL, msg, sizeof msg);
    if (status != expected)
        fail_msg("status %d, expected %d (message '%s')", (int)status, (int)expected, msg);
    assert_ptr_equal(net, net_before);
    assert_ptr_equal(opt, opt_before);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "line %zu: ", line);
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        fail_msg("message '%s' does not begin with '%s'", msg, prefix);
    if (strstr(msg, needle) == NULL)
        fail_msg("message '%s' does not mention '%s'", msg, needle);
    /* the network loader reads the section as strictly */
    char msg2[256];
    nn_t *alone = NULL;
    assert_int_equal(nn_load_buffer_with(&alone, text, strlen(text), NULL, msg2, sizeof msg2),
                     expected);
    assert_null(alone);
    assert_string_equal(msg2, msg);
}


static void test_refusals(void **state)
{
    (void)state;
    /* lines: 17 "section optimizer", 18 "kind ...", then the tail's */
    static const struct {
        const char *tail;
        size_t line;
        const char *needle;
    } cases[] = {
        {"kind sgdx\n", 18,
         "unknown optimizer kind 'sgdx' (expected sgd, adam, adamw, rmsprop or rprop)"},
        {"kind\n", 18, "missing optimizer kind"},
        {"kind sgd\nbeta1 0x1p-1\n", 19,
         "sgd takes no hyperparameter 'beta1' (it takes momentum, dampening, nesterov and "
         "weight_decay, then 'state')"},
        {"kind sgd\nspeed 0x1p-1\n", 19, "takes no hyperparameter 'speed'"},
        {"kind sgd\nmomentum 0x1p-1\nmomentum 0x1p-2\n", 20,
         "a second 'momentum' (the first is on line 19)"},
        {"kind sgd\nmomentum -0x1p-1\n", 19, "momentum '-0x1p-1' is out of its range"},
        {"kind sgd\nnesterov 0x1p-1\n", 19, "nesterov '0x1p-1' is out of its range"},
        {"kind adam\nbeta2 0x1p+0\n", 19, "beta2 '0x1p+0' is out of its range"},
        {"kind rprop\neta_plus 0x1p+0\n", 19, "eta_plus '0x1p+0' is out of its range"},
        {"kind sgd\nmomentum inf\n", 19, "momentum 'inf' is not finite"},
        {"kind sgd\nmomentum 0.5\n", 19, "'0.5' is not a finite hexadecimal"},
        {"kind sgd\nmomentum\n", 19, "missing value"},
        {"kind sgd\nmomentum 0x1p-1 0x1p-1\n", 19, "unexpected '0x1p-1' at the end of the line"},
        {"kind rprop\nstep_min 0x1.4p+6\nstate 10\n", 19, "step_min is above step_max"},
        {"kind rprop\nstep_max 0x1p-1\nstep_min 0x1p+0\nstate 10\n", 20,
         "step_min is above step_max"},
        {"kind sgd\n", 19, "unexpected end of input; expected 'state'"},
        {"kind sgd\nstate 6\n", 19,
         "'state 6' disagrees with the network, for which sgd's state has 5 values"},
        {"kind adam\nstate 5\n", 19, "adam's state has 8 values"},
        {"kind sgd\nstate five\n", 19, "state count 'five' is not a whole number"},
        /* the state's numbers */
        {"kind sgd\nstate 5\n", 20, "expected the step counts of layer 1"},
        {"kind sgd\nstate 5\n0x1p+0 0x1p+0\n", 21, "expected the momentum buffers of layer 1"},
        {"kind sgd\nstate 5\n0x1p+0 0x1p+0\n-0x1.2p+1 -0x1.2p+2\n", 22,
         "expected the momentum buffers of layer 1"},
        {"kind sgd\nstate 5\n0x1p+0\n", 20, "1 numbers where the step counts of layer 1 need 2"},
        {"kind sgd\nstate 5\n0x1p+0 0x1p+0\n-0x1.2p+1\n", 21,
         "1 numbers where the momentum buffers of layer 1 need 2"},
        {"kind sgd\nstate 5\n0x1p+0 0x1p+0\n-0x1.2p+1 -0x1.2p+2 0x0p+0\n", 21,
         "more than 2 numbers in the momentum buffers of layer 1"},
        {"kind sgd\nstate 5\n0x1.8p+0 0x1p+0\n", 20,
         "the step counts of layer 1 must be whole numbers from 0 to 2^53"},
        {"kind sgd\nstate 5\n-0x1p+0 0x1p+0\n", 20, "whole numbers from 0 to 2^53"},
        {"kind sgd\nstate 5\n0x1p+54 0x1p+0\n", 20, "whole numbers from 0 to 2^53"},
        {"kind sgd\nstate 5\n0x1p+0 0x0p+0\n-0x1.2p+1 -0x1.2p+2\n-0x1.2p+1\n", 22,
         "the momentum buffers of layer 1 must be 0 where the step count is 0"},
        {"kind sgd\nstate 5\n0x1p+0 0x1p+0\nnan 0x0p+0\n", 21,
         "'nan' in the momentum buffers of layer 1 is not finite"},
        {"kind adam\nstate 8\n0x1p+0 0x1p+0\n0x1p-1 0x1p-1\n0x1p-1\n0x1p-1 -0x1p-1\n0x1p-1\n", 23,
         "the second moments of layer 1 must not be negative"},
        {"kind rmsprop\nstate 8\n0x1p+0 0x1p+0\n0x1p-1 -0x1p-1\n", 21,
         "the square averages of layer 1 must not be negative"},
        {"kind rprop\nstate 8\n0x1p+0 0x1p+0\n0x1p-1 -0x1p-1\n0x1p-1\n-0x1p-1 0x1p-1\n", 23,
         "the step sizes of layer 1 must not be negative"},
        /* after the section */
        {"kind sgd\nmomentum 0x1p-1\nstate 5\n0x1p+0 0x1p+0\n-0x1.2p+1 -0x1.2p+2\n-0x1.2p+1\n"
         "0x0p+0\n",
         24, "unexpected '0x0p+0' after 'end' (expected 'section NAME')"},
        {"kind sgd\nstate 5\n0x1p+0 0x1p+0\n-0x1.2p+1 -0x1.2p+2\n-0x1.2p+1\n"
         "section optimizer\nkind adam\n",
         23, "a second section 'optimizer' (the first is on line 17)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = with_tail(cases[i].tail);
        expect_refused(text, NN_ERR_FORMAT, cases[i].line, cases[i].needle);
        free(text);
    }
    /* an unknown section after the optimiser: NN_ERR_UNKNOWN_NAME */
    char *text = with_tail("kind sgd\nstate 5\n0x1p+0 0x1p+0\n-0x1.2p+1 -0x1.2p+2\n-0x1.2p+1\n"
                           "section future\n");
    expect_refused(text, NN_ERR_UNKNOWN_NAME, 23, "unknown section 'future'");
    free(text);
    /* a cut-short checkpoint: every prefix that ends inside the section */
    const size_t full = strlen(sgd_checkpoint), head = head_length();
    for (size_t cut = head; cut + 1 < full; cut++) {
        char *prefix = malloc(cut + 1);
        assert_non_null(prefix);
        memcpy(prefix, sgd_checkpoint, cut);
        prefix[cut] = '\0';
        nn_t *net = NULL;
        nn_optimizer_t *opt = NULL;
        const nn_status status = nn_load_checkpoint_buffer(&net, &opt, prefix, cut);
        /* a cut inside the last number may leave a shorter valid number */
        if (status == NN_OK) {
            assert_true(cut > full - 10);
            nn_optimizer_free(opt);
            nn_free(net);
        } else {
            assert_int_equal(status, NN_ERR_FORMAT);
            assert_null(net);
            assert_null(opt);
        }
        free(prefix);
    }
}

/* Hyperparameters may come in any order, and one left out keeps its
   default; step_max before step_min, both beyond the defaults, loads. */
static void test_hyperparameters_in_any_order(void **state)
{
    (void)state;
    char *text = with_tail("kind rprop\nstep_min 0x1.4p+6\nstep_max 0x1.9p+6\nstate 8\n"
                           "0x0p+0 0x0p+0\n0x0p+0 0x0p+0\n0x0p+0\n0x0p+0 0x0p+0\n0x0p+0\n");
    nn_t *net = NULL;
    nn_optimizer_t *opt = NULL;
    char msg[256];
    assert_int_equal(nn_load_checkpoint_buffer_with(&net, &opt, text, strlen(text), NULL, msg,
                                                    sizeof msg),
                     NN_OK);
    double v = 0.0;
    assert_int_equal(nn_optimizer_get(opt, NN_HP_STEP_MIN, &v), NN_OK);
    assert_true(v == 80.0);
    assert_int_equal(nn_optimizer_get(opt, NN_HP_STEP_MAX, &v), NN_OK);
    assert_true(v == 100.0);
    assert_int_equal(nn_optimizer_get(opt, NN_HP_ETA_PLUS, &v), NN_OK);
    assert_true(v == 1.2);
    nn_optimizer_free(opt);
    nn_free(net);
    free(text);
    text = with_tail("kind rprop\nstep_max 0x1p-4\nstep_min 0x1p-5\nstate 8\n0x0p+0 0x0p+0\n"
                     "0x0p+0 0x0p+0\n0x0p+0\n0x0p+0 0x0p+0\n0x0p+0\n");
    assert_int_equal(nn_load_checkpoint_buffer(&net, &opt, text, strlen(text)), NN_OK);
    assert_int_equal(nn_optimizer_get(opt, NN_HP_STEP_MIN, &v), NN_OK);
    assert_true(v == 0.03125);
    assert_int_equal(nn_optimizer_get(opt, NN_HP_STEP_MAX, &v), NN_OK);
    assert_true(v == 0.0625);
    nn_optimizer_free(opt);
    nn_free(net);
    free(text);
}

/* ---- the calls' own refusals ---- */

static void test_call_errors(void **state)
{
    (void)state;
    nn_t *net = small_network();
    const size_t other_sizes[] = {2, 2};
    const int acts[] = {NN_ACT_LINEAR};
    nn_t *other = create_net(2, other_sizes, acts);
    nn_optimizer_t *opt = NULL, *other_opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, net, NN_OPT_ADAM), NN_OK);
    assert_int_equal(nn_optimizer_create(&other_opt, other, NN_OPT_ADAM), NN_OK);
    char path[64];
    temp_path(path, sizeof path, "errors");
    (void)remove(path);
    size_t len = 7;
    char buf[8];

    /* no optimiser: refused (nn_save() saves a network alone) */
    assert_int_equal(nn_save_checkpoint(net, NULL, path), NN_ERR_NULL_ARG);
    assert_int_equal(nn_save_checkpoint_buffer(net, NULL, NULL, 0, &len), NN_ERR_NULL_ARG);
    assert_int_equal(nn_save_checkpoint(NULL, opt, path), NN_ERR_NULL_ARG);
    assert_int_equal(nn_save_checkpoint(net, opt, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_save_checkpoint_buffer(net, opt, NULL, 0, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_save_checkpoint_buffer(net, opt, NULL, 8, &len), NN_ERR_NULL_ARG);
    assert_int_equal(nn_save_checkpoint(net, opt, ""), NN_ERR_IO);
    /* an optimiser of another layout (2-2 has 6 parameters, 2-1 has 3) */
    assert_int_equal(nn_save_checkpoint(net, other_opt, path), NN_ERR_COUNT);
    assert_int_equal(nn_save_checkpoint_buffer(net, other_opt, buf, sizeof buf, &len),
                     NN_ERR_COUNT);
    assert_int_equal(len, 0);
    assert_int_equal(access(path, F_OK), -1); /* nothing created */

    /* the loaders' arguments: *net and *opt untouched */
    int marker = 0;
    nn_t *n = (nn_t *)&marker;
    nn_optimizer_t *o = (nn_optimizer_t *)&marker;
    char msg[64];
    assert_int_equal(nn_load_checkpoint(NULL, &o, "x"), NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_checkpoint(&n, NULL, "x"), NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_checkpoint(&n, &o, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_checkpoint_buffer(&n, &o, NULL, 0), NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_checkpoint_with(&n, &o, "x", NULL, NULL, 4), NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_checkpoint_buffer_with(&n, &o, NULL, 0, NULL, msg, sizeof msg),
                     NN_ERR_NULL_ARG);
    assert_string_equal(msg, nn_strerror(NN_ERR_NULL_ARG));
    assert_int_equal(nn_load_checkpoint(&n, &o, path), NN_ERR_IO); /* no such file */
    assert_int_equal(nn_load_checkpoint_with(&n, &o, ".", NULL, msg, sizeof msg), NN_ERR_IO);
    assert_string_equal(msg, "not a regular file or a pipe");
    assert_ptr_equal(n, (nn_t *)&marker);
    assert_ptr_equal(o, (nn_optimizer_t *)&marker);

    nn_optimizer_free(opt);
    nn_optimizer_free(other_opt);
    nn_free(other);
    nn_free(net);
}

/* ---- options and caps ---- */

static size_t live_blocks;

static void *count_alloc(void *context, size_t size)
{
    (void)context;
    live_blocks++;
    return malloc(size);
}

static void count_dealloc(void *context, void *p)
{
    (void)context;
    if (p != NULL)
        live_blocks--;
    free(p);
}

/* The custom activation of the options test (testnet.h's isru). */
static struct act_context isru = ISRU_CONTEXT("isru", 0.5);

/* The options' custom activation, allocator and cap apply; the optimiser
   comes from the allocator and is released through it. */
static void test_load_options(void **state)
{
    (void)state;
    nn_t *net = make_network();
    assert_int_equal(nn_set_custom_activation(net, 2, context_f, context_df, &isru, "isru"), NN_OK);
    nn_optimizer_t *opt = make_optimizer(net, &configs[2]);
    train(net, opt, 0, 3);
    size_t len = 0;
    char *text = checkpoint_text(net, opt, &len);

    nn_t *back = NULL;
    nn_optimizer_t *opt_back = NULL;
    char msg[256];
    assert_int_equal(nn_load_checkpoint_buffer(&back, &opt_back, text, len), NN_ERR_UNKNOWN_NAME);
    nn_load_options_t *options = NULL;
    assert_int_equal(nn_load_options_create(&options), NN_OK);
    assert_int_equal(
        nn_load_options_add_activation(options, "isru", context_f, context_df, &isru), NN_OK);
    assert_int_equal(nn_load_options_set_allocator(options, count_alloc, count_dealloc, NULL),
                     NN_OK);
    assert_int_equal(nn_load_options_set_max_bytes(options, len - 1), NN_OK);
    assert_int_equal(
        nn_load_checkpoint_buffer_with(&back, &opt_back, text, len, options, msg, sizeof msg),
        NN_ERR_TOO_LARGE);
    assert_null(back);
    assert_int_equal(nn_load_options_set_max_bytes(options, len), NN_OK);
    assert_int_equal(
        nn_load_checkpoint_buffer_with(&back, &opt_back, text, len, options, msg, sizeof msg),
        NN_OK);
    const size_t with_optimizer = live_blocks; /* the network's and the optimiser's */
    assert_true(with_optimizer >= 2);
    nn_optimizer_free(opt_back);
    assert_int_equal(live_blocks, with_optimizer - 1);
    size_t len2 = 0;
    char *again = checkpoint_text(back, opt, &len2); /* opt fits the loaded layout */
    assert_string_equal(again, text);
    nn_free(back);
    assert_int_equal(live_blocks, 0);
    free(again);

    /* through a file */
    char path[64];
    temp_path(path, sizeof path, "options");
    assert_int_equal(nn_save_checkpoint(net, opt, path), NN_OK);
    assert_int_equal(nn_load_checkpoint_with(&back, &opt_back, path, options, msg, sizeof msg),
                     NN_OK);
    assert_non_null(opt_back);
    nn_optimizer_free(opt_back);
    nn_free(back);
    assert_int_equal(live_blocks, 0);
    assert_int_equal(remove(path), 0);

    nn_load_options_free(options);
    free(text);
    nn_optimizer_free(opt);
    nn_free(net);
}

/* text with every "\n" made "\r\n" (malloc'd). */
static char *crlf(const char *text, size_t *len)
{
    size_t lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    char *out = malloc(strlen(text) + lines + 1);
    assert_non_null(out);
    char *o = out;
    for (const char *c = text; *c; c++) {
        if (*c == '\n')
            *o++ = '\r';
        *o++ = *c;
    }
    *o = '\0';
    *len = (size_t)(o - out);
    return out;
}

/* The allowance of the section suffices: a checkpoint whose every number
   has the longest spelling, with CRLF line ends, still loads. The network
   is large enough (10702 parameters) for its state to need more than the
   64 KiB that every file may take beyond its numbers: half the allowance
   per number would refuse it. */
static void test_longest_checkpoint_loads(void **state)
{
    (void)state;
    static const size_t sizes[4] = {3, 100, 100, 2};
    static const int acts[3] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_LINEAR};
    nn_t *net = create_net(4, sizes, acts);
    assert_int_equal(nn_param_count(net), 10702);
    const double longest = -0x1.fffffffffffffp-1021; /* 24 characters */
    const size_t n = nn_param_count(net);
    double *p = alloc_doubles(n);
    for (size_t i = 0; i < n; i++)
        p[i] = longest;
    assert_int_equal(nn_set_params(net, p, n), NN_OK);
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, net, NN_OPT_ADAM), NN_OK);
    size_t count = 0;
    double *s = state_of(opt, &count);
    const size_t counts = 6;
    for (size_t i = 0; i < counts; i++)
        s[i] = 0x1.fffffffffffffp+52;
    for (size_t i = counts; i < count; i++)
        s[i] = i < counts + n ? longest : -longest;
    assert_int_equal(nn_optimizer_set_state(opt, s, count), NN_OK);
    size_t len = 0, crlf_len = 0;
    char *text = checkpoint_text(net, opt, &len);
    char *wide = crlf(text, &crlf_len);
    nn_t *back = NULL;
    nn_optimizer_t *opt_back = NULL;
    char msg[256];
    const nn_status status =
        nn_load_checkpoint_buffer_with(&back, &opt_back, wide, crlf_len, NULL, msg, sizeof msg);
    if (status != NN_OK)
        fail_msg("the longest checkpoint (%zu bytes) is refused: %s", crlf_len, msg);
    size_t count_back = 0;
    double *s_back = state_of(opt_back, &count_back);
    assert_int_equal(count_back, count);
    assert_memory_equal(s_back, s, count * sizeof(double));
    free(s_back);
    nn_optimizer_free(opt_back);
    nn_free(back);
    free(wide);
    free(text);
    free(s);
    free(p);
    nn_optimizer_free(opt);
    nn_free(net);
}

int main(void)
{
    test_rng r = {7};
    fill_random(&r, inputs, SAMPLES * N_IN, -1.0, 1.0);
    fill_random(&r, targets, SAMPLES * N_OUT, -0.5, 0.5);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_is_exact),
        cmocka_unit_test(test_text_and_round_trip),
        cmocka_unit_test(test_plain_files_load),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_hyperparameters_in_any_order),
        cmocka_unit_test(test_call_errors),
        cmocka_unit_test(test_load_options),
        cmocka_unit_test(test_longest_checkpoint_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

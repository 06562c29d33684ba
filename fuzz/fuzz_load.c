/* libFuzzer target for the model loader.

   Every input goes through nn_load_buffer_ex() with two custom activations
   on offer. An input that loads is saved again, and the saved text must load
   back to the same network (version-2 sections included) and save to the
   same bytes, as version 2 exactly when the network carries a section. A refused input must
   leave no network and, for a format error, a message naming a line.
   Every input also goes through nn_load_checkpoint_buffer_with() with the
   same activations: it must give the same status and message, the same
   network, and an optimiser whose checkpoint loads back to the same kind,
   hyperparameters and state and saves to the same bytes.
   Any mismatch stops the run with abort(). Build and run with fuzz/run.sh. */
#include <backprop.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void scaled_f(void *context, size_t n, const double *z, double *a)
{
    const double scale = context != NULL ? *(const double *)context : 1.0;
    for (size_t i = 0; i < n; i++)
        a[i] = scale * z[i];
}

static void scaled_df(void *context, size_t n, const double *z, const double *a, double *d)
{
    const double scale = context != NULL ? *(const double *)context : 1.0;
    (void)z;
    (void)a;
    for (size_t i = 0; i < n; i++)
        d[i] = scale;
}

static void check(int ok)
{
    if (!ok)
        abort();
}

static char *save(const nn_t *net, size_t *len)
{
    check(nn_save_buffer(net, NULL, 0, len) == NN_ERR_BUFFER_SIZE);
    char *text = malloc(*len + 1);
    check(text != NULL);
    size_t written = 0;
    check(nn_save_buffer(net, text, *len + 1, &written) == NN_OK);
    check(written == *len && text[written] == '\0');
    return text;
}

/* The input (or target) scaling of a and b: both absent, or the same bits. */
static void check_same_scaling(const nn_t *a, const nn_t *b, int inputs)
{
    const size_t n = inputs ? nn_input_count(a) : nn_output_count(a);
    double *v = malloc(4 * n * sizeof(double));
    check(v != NULL);
    if (inputs) {
        check(nn_has_input_scaling(a) == nn_has_input_scaling(b));
        check(nn_get_input_scaling(a, v, v + n, n) == NN_OK);
        check(nn_get_input_scaling(b, v + 2 * n, v + 3 * n, n) == NN_OK);
    } else {
        check(nn_has_target_scaling(a) == nn_has_target_scaling(b));
        check(nn_get_target_scaling(a, v, v + n, n) == NN_OK);
        check(nn_get_target_scaling(b, v + 2 * n, v + 3 * n, n) == NN_OK);
    }
    check(memcmp(v, v + 2 * n, 2 * n * sizeof(double)) == 0);
    free(v);
}

static void check_same(const nn_t *a, const nn_t *b)
{
    check_same_scaling(a, b, 1);
    check_same_scaling(a, b, 0);
    check(nn_class_count(a) == nn_class_count(b));
    for (size_t k = 0; k < nn_class_count(a); k++)
        check(strcmp(nn_class_name(a, k), nn_class_name(b, k)) == 0);
    const size_t layers = nn_layer_count(a);
    check(layers == nn_layer_count(b));
    for (size_t k = 0; k < layers; k++)
        check(nn_layer_size(a, k) == nn_layer_size(b, k));
    for (size_t k = 1; k < layers; k++) {
        int wa, ba, wb, bb;
        check(nn_get_activation(a, k) == nn_get_activation(b, k));
        check(strcmp(nn_get_activation_name(a, k), nn_get_activation_name(b, k)) == 0);
        check(nn_get_bias_mode(a, k) == nn_get_bias_mode(b, k));
        check(nn_get_frozen(a, k, &wa, &ba) == NN_OK && nn_get_frozen(b, k, &wb, &bb) == NN_OK);
        check(wa == wb && ba == bb);
    }
    check(nn_get_loss(a) == nn_get_loss(b));
    check(nn_get_reduction(a) == nn_get_reduction(b));
    const size_t n = nn_param_count(a);
    check(n == nn_param_count(b));
    double *pa = malloc(n * sizeof(double)), *pb = malloc(n * sizeof(double));
    check(pa != NULL && pb != NULL);
    check(nn_get_params(a, pa, n) == NN_OK && nn_get_params(b, pb, n) == NN_OK);
    check(memcmp(pa, pb, n * sizeof(double)) == 0);
    free(pa);
    free(pb);
}

static char *save_checkpoint(const nn_t *net, const nn_optimizer_t *opt, size_t *len)
{
    check(nn_save_checkpoint_buffer(net, opt, NULL, 0, len) == NN_ERR_BUFFER_SIZE);
    char *text = malloc(*len + 1);
    check(text != NULL);
    size_t written = 0;
    check(nn_save_checkpoint_buffer(net, opt, text, *len + 1, &written) == NN_OK);
    check(written == *len && text[written] == '\0');
    return text;
}

static void check_same_optimizer(const nn_optimizer_t *a, const nn_optimizer_t *b)
{
    int ka = -1, kb = -2;
    check(nn_optimizer_get_kind(a, &ka) == NN_OK && nn_optimizer_get_kind(b, &kb) == NN_OK);
    check(ka == kb);
    for (int h = 0; h < 12; h++) {
        double va = 0.0, vb = 0.0;
        const nn_status sa = nn_optimizer_get(a, h, &va);
        check(nn_optimizer_get(b, h, &vb) == sa && memcmp(&va, &vb, sizeof va) == 0);
    }
    size_t na = 0, nb = 0;
    check(nn_optimizer_state_count(a, &na) == NN_OK && nn_optimizer_state_count(b, &nb) == NN_OK);
    check(na == nb);
    double *sa = malloc(na * sizeof(double)), *sb = malloc(na * sizeof(double));
    check(sa != NULL && sb != NULL);
    check(nn_optimizer_get_state(a, sa, na) == NN_OK && nn_optimizer_get_state(b, sb, nb) == NN_OK);
    check(memcmp(sa, sb, na * sizeof(double)) == 0);
    free(sa);
    free(sb);
}

/* The checkpoint loader on the same input: the network loader's status,
   message and network (plain, NULL when refused), and a round trip of the
   optimiser when the input carries one. */
static void check_checkpoint(const char *text, size_t size, const nn_load_options_t *options,
                             nn_status plain_status, const char *plain_msg, const nn_t *plain)
{
    char msg[160];
    int marker = 0;
    nn_t *net = (nn_t *)&marker;
    nn_optimizer_t *opt = (nn_optimizer_t *)&marker;
    const nn_status status =
        nn_load_checkpoint_buffer_with(&net, &opt, text, size, options, msg, sizeof msg);
    check(status == plain_status && strcmp(msg, plain_msg) == 0);
    if (status != NN_OK) {
        check(net == (nn_t *)&marker && opt == (nn_optimizer_t *)&marker);
        return;
    }
    check_same(plain, net);
    if (opt != NULL) {
        size_t len = 0, len2 = 0;
        char *saved = save_checkpoint(net, opt, &len);
        check(saved[15] == '2');
        nn_t *net2 = NULL;
        nn_optimizer_t *opt2 = NULL;
        check(nn_load_checkpoint_buffer_with(&net2, &opt2, saved, len, options, msg, sizeof msg) ==
              NN_OK);
        check(opt2 != NULL);
        check_same(net, net2);
        check_same_optimizer(opt, opt2);
        char *saved2 = save_checkpoint(net2, opt2, &len2);
        check(len == len2 && memcmp(saved, saved2, len) == 0);
        free(saved);
        free(saved2);
        nn_optimizer_free(opt2);
        nn_free(net2);
    }
    nn_optimizer_free(opt);
    nn_free(net);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"double", "half"};
    static double two = 2.0, half = 0.5;
    const nn_activation_fn fs[] = {scaled_f, scaled_f};
    const nn_activation_deriv_fn dfs[] = {scaled_df, scaled_df};
    void *const contexts[] = {&two, &half};
    char msg[160];
    nn_t *net = NULL;
    /* an empty input still needs a valid pointer */
    const char *text = size > 0 ? (const char *)data : "";
    const nn_status status =
        nn_load_buffer_ex(&net, text, size, 2, names, fs, dfs, contexts, msg, sizeof msg);
    check(memchr(msg, '\0', sizeof msg) != NULL);
    nn_load_options_t *options = NULL;
    check(nn_load_options_create(&options) == NN_OK);
    for (int i = 0; i < 2; i++)
        check(nn_load_options_add_activation(options, names[i], fs[i], dfs[i], contexts[i]) ==
              NN_OK);
    check_checkpoint(text, size, options, status, msg, net);
    nn_load_options_free(options);
    if (status != NN_OK) {
        check(net == NULL);
        if (status == NN_ERR_FORMAT || status == NN_ERR_UNKNOWN_NAME)
            check(strncmp(msg, "line ", 5) == 0);
        return 0;
    }
    check(net != NULL && msg[0] == '\0');

    size_t len = 0, len2 = 0;
    char *saved = save(net, &len);
    /* version 2 exactly when there is a section to carry */
    const int carries_section = nn_get_reduction(net) != NN_REDUCTION_SUM ||
                                nn_has_input_scaling(net) || nn_has_target_scaling(net) ||
                                nn_class_count(net) > 0;
    check(saved[15] == (carries_section ? '2' : '1'));
    nn_t *again = NULL;
    check(nn_load_buffer_ex(&again, saved, len, 2, names, fs, dfs, contexts, msg, sizeof msg) ==
          NN_OK);
    check_same(net, again);
    char *saved2 = save(again, &len2);
    check(len == len2 && memcmp(saved, saved2, len) == 0);

    /* a forward pass on the loaded network must not misbehave: parameters
       near the largest double may overflow, which the pass reports */
    const size_t n_in = nn_input_count(net);
    if (n_in <= 4096) {
        double *x = calloc(n_in, sizeof(double));
        check(x != NULL);
        const nn_status forward = nn_forward(net, x, NULL);
        check(forward == NN_OK || forward == NN_ERR_DIVERGED);
        free(x);
    }
    free(saved);
    free(saved2);
    nn_free(again);
    nn_free(net);
    return 0;
}

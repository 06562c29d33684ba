/* The page's one entry into the library: plain functions that the page's
 * JavaScript calls through the WebAssembly module (web/build.sh exports them).
 *
 * Every number the page shows is computed here by the library's public API
 * and handed over either as a double or as text the library wrote (the
 * explanation's JSON, the model file). The glue keeps the page's one session
 * (the network, its optimiser, the data set, the learning rate and the update
 * rule) in static variables: the module serves exactly one page, and the
 * library itself keeps no state of its own.
 *
 * Numbers that the glue writes into its own JSON (web_state) are printed with
 * 17 significant digits, which read back as the same double.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backprop.h"

#define MAX_SAMPLES 64
#define MAX_LAYERS 8

/* The session: one network and what trains it. */
static nn_t *net;
static nn_optimizer_t *opt;
static nn_explain_options_t *names;
static double *inputs, *targets;
static size_t n_samples;
static double rate = 0.1;
static int rule = NN_RULE_STANDARD;

/* Text handed to the page: the last explanation, state or model. */
static char *text;
static size_t text_len, text_cap;

/* Makes room for n more bytes and the NUL; 0 on success. */
static int text_reserve(size_t n)
{
    if (text_len + n + 1 <= text_cap)
        return 0;
    size_t cap = text_cap ? text_cap : 4096;
    while (text_len + n + 1 > cap)
        cap *= 2;
    char *grown = realloc(text, cap);
    if (grown == NULL)
        return 1;
    text = grown;
    text_cap = cap;
    return 0;
}

static int text_append(void *context, const char *bytes, size_t n)
{
    (void)context;
    if (text_reserve(n) != 0)
        return 1;
    memcpy(text + text_len, bytes, n);
    text_len += n;
    text[text_len] = '\0';
    return 0;
}

static void text_clear(void)
{
    text_len = 0;
    text_append(NULL, "", 0);
}

static void text_printf(const char *format, double value)
{
    char piece[64];
    int n = snprintf(piece, sizeof piece, format, value);
    if (n > 0)
        text_append(NULL, piece, (size_t)n);
}

static void text_word(const char *word)
{
    text_append(NULL, word, strlen(word));
}

/* The library's message for a status code. */
const char *web_strerror(int status)
{
    return nn_strerror((nn_status)status);
}

const char *web_version(void)
{
    return nn_version_string();
}

/* Codes by name, as the model file and the explanation write them; -1 for
   a name the library does not know. */
int web_activation_code(const char *name)
{
    int code;
    return nn_activation_from_name(name, &code) == NN_OK ? code : -1;
}

int web_loss_code(const char *name)
{
    int code;
    return nn_loss_from_name(name, &code) == NN_OK ? code : -1;
}

int web_bias_code(const char *name)
{
    int code;
    return nn_bias_mode_from_name(name, &code) == NN_OK ? code : -1;
}

int web_optimizer_code(const char *name)
{
    int code;
    return nn_optimizer_from_name(name, &code) == NN_OK ? code : -1;
}

/* Names by code, NULL past the last one: the page lists them in its menus. */
const char *web_activation_name(int code)
{
    return code == NN_ACT_CUSTOM ? NULL : nn_activation_name(code);
}

const char *web_loss_name(int code)
{
    return nn_loss_name(code);
}

const char *web_optimizer_name(int code)
{
    return nn_optimizer_name(code);
}

static void drop_session(void)
{
    nn_optimizer_free(opt);
    opt = NULL;
    nn_free(net);
    net = NULL;
    nn_explain_options_free(names);
    names = NULL;
}

/* A new network: every layer from 1 gets activations[l-1], and the bias
   convention and frozen biases given (the worked examples use one of each). */
int web_create(int n_layers, const int *sizes, const int *activations, int bias_mode,
               int frozen_biases, int loss)
{
    if (n_layers < 2 || n_layers > MAX_LAYERS)
        return NN_ERR_ARGUMENT;
    size_t s[MAX_LAYERS];
    for (int l = 0; l < n_layers; l++)
        s[l] = sizes[l] < 0 ? 0 : (size_t)sizes[l];
    nn_t *fresh = NULL;
    nn_status status = nn_create(&fresh, (size_t)n_layers, s, activations);
    for (int l = 1; status == NN_OK && l < n_layers; l++) {
        status = nn_set_bias_mode(fresh, (size_t)l, bias_mode);
        if (status == NN_OK)
            status = nn_set_frozen(fresh, (size_t)l, 0, frozen_biases);
    }
    if (status == NN_OK)
        status = nn_set_loss(fresh, loss);
    nn_explain_options_t *fresh_names = NULL;
    if (status == NN_OK)
        status = nn_explain_options_create(&fresh_names);
    if (status == NN_OK)
        status = nn_explain_options_set_format(fresh_names, NN_EXPLAIN_JSON);
    if (status != NN_OK) {
        nn_free(fresh);
        nn_explain_options_free(fresh_names);
        return status;
    }
    drop_session();
    net = fresh;
    names = fresh_names;
    return NN_OK;
}

/* Replaces the session's network (and optimiser) by a model or checkpoint
   file's text, as the library reads it. */
int web_load(const char *data, int size)
{
    nn_t *loaded = NULL;
    nn_optimizer_t *loaded_opt = NULL;
    nn_explain_options_t *fresh_names = NULL;
    if (size < 0)
        return NN_ERR_ARGUMENT;
    nn_status status = nn_load_checkpoint_buffer(&loaded, &loaded_opt, data, (size_t)size);
    if (status == NN_OK)
        status = nn_explain_options_create(&fresh_names);
    if (status == NN_OK)
        status = nn_explain_options_set_format(fresh_names, NN_EXPLAIN_JSON);
    if (status != NN_OK) {
        nn_free(loaded);
        nn_optimizer_free(loaded_opt);
        nn_explain_options_free(fresh_names);
        return status;
    }
    drop_session();
    net = loaded;
    opt = loaded_opt;
    names = fresh_names;
    return NN_OK;
}

/* The model file of the session's network (a checkpoint with its optimiser
   when it has one); the text stays valid until the next call that returns text. */
const char *web_save(void)
{
    size_t length = 0;
    nn_status status = opt ? nn_save_checkpoint_buffer(net, opt, NULL, 0, &length)
                           : nn_save_buffer(net, NULL, 0, &length);
    if (status != NN_OK && status != NN_ERR_BUFFER_SIZE)
        return NULL;
    text_clear();
    if (text_reserve(length) != 0)
        return NULL;
    status = opt ? nn_save_checkpoint_buffer(net, opt, text, text_cap, &length)
                 : nn_save_buffer(net, text, text_cap, &length);
    return status == NN_OK ? text : NULL;
}

int web_set_params(const double *params, int count)
{
    return net ? nn_set_params(net, params, count < 0 ? 0 : (size_t)count) : NN_ERR_NULL_ARG;
}

/* Fills the parameters from seed as numpy does after np.random.seed(seed):
   np.random.rand draws, matrix by matrix, each weight matrix stored
   [input][unit] (the transpose of the library's layout), then the biases. This
   is worked example D's initialisation (nn_rng_uniform() is numpy's rand). */
int web_init_numpy(unsigned long seed)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    size_t total = nn_param_count(net);
    double *params = malloc(total * sizeof *params);
    nn_rng_t *rng = NULL;
    nn_status status = params ? nn_rng_create(&rng, seed) : NN_ERR_NO_MEMORY;
    size_t at = 0;
    for (size_t l = 1; status == NN_OK && l < nn_layer_count(net); l++) {
        size_t rows = nn_layer_size(net, l), cols = nn_layer_size(net, l - 1);
        for (size_t i = 0; i < cols; i++)
            for (size_t j = 0; j < rows; j++)
                params[at + j * cols + i] = nn_rng_uniform(rng);
        at += rows * cols;
        for (size_t j = 0; j < nn_bias_count(net, l); j++)
            params[at++] = nn_rng_uniform(rng);
    }
    if (status == NN_OK)
        status = nn_set_params(net, params, total);
    nn_rng_free(rng);
    free(params);
    return status;
}

/* The data set: n samples of inputs and targets, sample after sample;
   n_in and n_out count the numbers given, which must be n times the
   network's input and output counts. */
int web_set_data(int n, const double *in, int n_in, const double *out, int n_out)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (n < 1 || n > MAX_SAMPLES)
        return NN_ERR_COUNT;
    size_t ni = (size_t)n * nn_input_count(net), no = (size_t)n * nn_output_count(net);
    if (n_in < 0 || n_out < 0 || (size_t)n_in != ni || (size_t)n_out != no)
        return NN_ERR_COUNT;
    double *new_in = malloc(ni * sizeof *new_in), *new_out = malloc(no * sizeof *new_out);
    if (new_in == NULL || new_out == NULL) {
        free(new_in);
        free(new_out);
        return NN_ERR_NO_MEMORY;
    }
    memcpy(new_in, in, ni * sizeof *new_in);
    memcpy(new_out, out, no * sizeof *new_out);
    free(inputs);
    free(targets);
    inputs = new_in;
    targets = new_out;
    n_samples = (size_t)n;
    return NN_OK;
}

int web_set_rate(double learning_rate)
{
    if (!isfinite(learning_rate) || learning_rate <= 0)
        return NN_ERR_ARGUMENT;
    rate = learning_rate;
    return NN_OK;
}

/* 0 for the standard rule, 1 for the sequential one (one sample, no optimiser). */
int web_set_rule(int r)
{
    if (r != NN_RULE_STANDARD && r != NN_RULE_SEQUENTIAL)
        return NN_ERR_ARGUMENT;
    rule = r;
    return NN_OK;
}

/* An optimiser of the given kind with its default hyperparameters, or none
   (plain nn_step()) for a negative kind. */
int web_set_optimizer(int kind)
{
    nn_optimizer_t *fresh = NULL;
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (kind >= 0) {
        nn_status status = nn_optimizer_create(&fresh, net, kind);
        if (status != NN_OK)
            return status;
    }
    nn_optimizer_free(opt);
    opt = fresh;
    return NN_OK;
}

/* The optimiser's kind, or -1 for plain gradient descent. */
int web_optimizer_kind(void)
{
    int kind = -1;
    if (opt != NULL && nn_optimizer_get_kind(opt, &kind) != NN_OK)
        return -1;
    return kind;
}

/* Names for the explanation and the drawing (the tutorials' own). */
int web_name_unit(int layer, int index, const char *name)
{
    if (names == NULL || layer < 0 || index < 0)
        return NN_ERR_ARGUMENT;
    return nn_explain_options_set_unit_name(names, (size_t)layer, (size_t)index, name);
}

int web_name_param(int index, const char *name)
{
    if (names == NULL || index < 0)
        return NN_ERR_ARGUMENT;
    return nn_explain_options_set_param_name(names, (size_t)index, name);
}

static int ready(void)
{
    return net != NULL && inputs != NULL && n_samples > 0;
}

/* The total error of the current parameters on the data set: the sum over
   the samples of nn_loss() after nn_forward(), in the data set's order; NaN
   when it cannot be computed. */
double web_error(void)
{
    if (!ready())
        return NAN;
    double total = 0.0;
    for (size_t s = 0; s < n_samples; s++) {
        double loss;
        if (nn_forward(net, inputs + s * nn_input_count(net), NULL) != NN_OK ||
            nn_loss(net, targets + s * nn_output_count(net), &loss) != NN_OK)
            return NAN;
        total += loss;
    }
    return total;
}

/* One update on the whole data set. Standard rule: nn_forward() and
   nn_backward() on every sample (the gradients are summed), then nn_step() or
   the optimiser's step. Sequential rule: nn_train_sequential() on the one
   sample. */
static nn_status one_update(void)
{
    size_t ni = nn_input_count(net), no = nn_output_count(net);
    if (rule == NN_RULE_SEQUENTIAL) {
        if (n_samples != 1 || opt != NULL)
            return NN_ERR_ARGUMENT;
        return nn_train_sequential(net, inputs, targets, rate);
    }
    nn_status status = nn_zero_grads(net);
    for (size_t s = 0; status == NN_OK && s < n_samples; s++) {
        status = nn_forward(net, inputs + s * ni, NULL);
        if (status == NN_OK)
            status = nn_backward(net, targets + s * no);
    }
    if (status != NN_OK) {
        nn_zero_grads(net);
        return status;
    }
    return opt ? nn_optimizer_step(opt, net, rate) : nn_step(net, rate);
}

/* Takes up to n updates; returns the status of the first that failed (the
   network then holds the parameters before it) or NN_OK. *taken, if given,
   receives the number of updates made. */
int web_train(int n, int *taken)
{
    int done = 0;
    nn_status status = ready() ? NN_OK : NN_ERR_NULL_ARG;
    while (status == NN_OK && done < n) {
        status = one_update();
        if (status == NN_OK)
            done++;
    }
    if (taken != NULL)
        *taken = done;
    return status;
}

/* The explanation, as the library's JSON (docs/explain.md), of the update
   that web_train(1) would make now. NULL on failure (*status says why). */
const char *web_explain(int *status_out)
{
    nn_status status = ready() ? NN_OK : NN_ERR_NULL_ARG;
    if (status == NN_OK)
        status = nn_explain_options_set_rule(names, rule);
    if (status == NN_OK)
        status = nn_explain_options_set_optimizer(names, opt);
    if (status == NN_OK) {
        text_clear();
        status = nn_explain(net, names, inputs, n_samples * nn_input_count(net), targets,
                            n_samples * nn_output_count(net), rate, text_append, NULL);
    }
    if (status_out != NULL)
        *status_out = status;
    return status == NN_OK ? text : NULL;
}

static void json_array(const double *values, size_t n)
{
    text_word("[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            text_word(",");
        if (isfinite(values[i]))
            text_printf("%.17g", values[i]);
        else
            text_word("null");
    }
    text_word("]");
}

/* The network as the page draws it, as JSON: sizes, activation and bias
   names, the flat parameters (order of nn_get_params()), and for every sample
   of the data set every layer's outputs after nn_forward() with the current
   parameters. NULL on failure. */
const char *web_state(void)
{
    if (net == NULL)
        return NULL;
    size_t n_layers = nn_layer_count(net), n_params = nn_param_count(net);
    size_t widest = 0;
    for (size_t l = 0; l < n_layers; l++)
        if (nn_layer_size(net, l) > widest)
            widest = nn_layer_size(net, l);
    double *values = malloc((n_params > widest ? n_params : widest) * sizeof *values);
    if (values == NULL || nn_get_params(net, values, n_params) != NN_OK) {
        free(values);
        return NULL;
    }
    text_clear();
    text_word("{\"sizes\":[");
    for (size_t l = 0; l < n_layers; l++) {
        if (l > 0)
            text_word(",");
        text_printf("%.0f", (double)nn_layer_size(net, l));
    }
    text_word("],\"activations\":[");
    for (size_t l = 1; l < n_layers; l++) {
        const char *name = nn_get_activation_name(net, l);
        text_word(l > 1 ? ",\"" : "\"");
        text_word(name ? name : "?");
        text_word("\"");
    }
    text_word("],\"bias\":[");
    for (size_t l = 1; l < n_layers; l++) {
        const char *name = nn_bias_mode_name(nn_get_bias_mode(net, l));
        text_word(l > 1 ? ",\"" : "\"");
        text_word(name ? name : "?");
        text_word("\"");
    }
    const char *loss = nn_loss_name(nn_get_loss(net));
    text_word("],\"loss\":\"");
    text_word(loss ? loss : "?");
    text_word("\",\"params\":");
    json_array(values, n_params);
    text_word(",\"samples\":[");
    for (size_t s = 0; ready() && s < n_samples; s++) {
        if (nn_forward(net, inputs + s * nn_input_count(net), NULL) != NN_OK)
            break;
        text_word(s > 0 ? ",[" : "[");
        for (size_t l = 0; l < n_layers; l++) {
            size_t size = nn_layer_size(net, l);
            if (l > 0)
                text_word(",");
            if (nn_get_outputs(net, l, values, size) != NN_OK)
                break;
            json_array(values, size);
        }
        text_word("]");
    }
    text_word("]}");
    free(values);
    return text;
}

/* The first output over a res x res grid of the square [lo, hi]^2 of the
   two inputs, by nn_predict(), row by row from the top (x2 = hi) down. */
int web_surface(int res, double lo, double hi, double *out)
{
    if (net == NULL || nn_input_count(net) != 2 || res < 2 || res > 256)
        return NN_ERR_ARGUMENT;
    size_t n = (size_t)res * (size_t)res, no = nn_output_count(net);
    size_t ws = nn_inference_workspace_size(net, n);
    double *grid = malloc(2 * n * sizeof *grid), *outs = malloc(n * no * sizeof *outs);
    double *work = malloc((ws ? ws : 1) * sizeof *work);
    nn_status status = grid && outs && work ? NN_OK : NN_ERR_NO_MEMORY;
    size_t side = (size_t)res;
    for (size_t r = 0; status == NN_OK && r < side; r++)
        for (size_t c = 0; c < side; c++) {
            grid[2 * (r * side + c)] = lo + (hi - lo) * (double)c / (double)(side - 1);
            grid[2 * (r * side + c) + 1] = hi - (hi - lo) * (double)r / (double)(side - 1);
        }
    if (status == NN_OK)
        status = nn_predict(net, n, grid, outs, work, ws);
    for (size_t k = 0; status == NN_OK && k < n; k++)
        out[k] = outs[k * no];
    free(grid);
    free(outs);
    free(work);
    return status;
}

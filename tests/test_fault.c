/* Allocation-failure injection (suite 'fault', not part of the default
   `meson test`): every public call that allocates runs with its k-th
   allocation failing, for k = 1, 2, ... until the call succeeds. Each failed
   run must return NN_ERR_NO_MEMORY, release every block it took, and leave
   the network bit for bit as it was: parameters, gradients, every setting,
   the batch buffer's capacity, what the last passes left for inspection and
   the loss of the last batch. The run that succeeds must have made exactly
   k - 1 allocations, and calls documented to allocate nothing must make none.

   Networks of nn_create_with_allocator() fail through their allocator; the
   calls that use the C library's allocator (nn_create(), the loaders, the
   explain options, the generators) fail through the malloc family itself,
   wrapped at link time (malloc_hooks.c). Built from the library's sources so
   that the wrapping reaches the library's code. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "malloc_hooks.h"
#include "testnet.h"

#include <backprop.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- what must not change ---- */

enum { BATCH = 4 }; /* rows of the fixture's live batch */

struct snapshot {
    char *model;         /* nn_save_buffer(): sizes, settings and parameters */
    size_t model_len;
    double *grads;
    size_t n_params, n_layers;
    size_t threads, capacity;
    nn_status loss_status, batch_status;
    double loss, batch_loss;
    double *views;       /* outputs, net inputs and deltas of every layer */
    nn_status *view_status;
    size_t n_views;
};

static const double probe_target[8] = {0.1, 0.9, -0.2, 0.4, 0.6, -0.7, 0.3, 0.0};
static const double batch_targets[BATCH * 8] = {0.5, -0.5, 0.25, 0.75, 0.1, 0.2, 0.3, 0.4};

/* Everything of `net` that a failed call must leave as it was (nothing for NULL). */
static void snap_take(struct snapshot *s, const nn_t *net)
{
    memset(s, 0, sizeof *s);
    if (net == NULL)
        return;
    assert_int_equal(nn_save_buffer(net, NULL, 0, &s->model_len), NN_ERR_BUFFER_SIZE);
    s->model = malloc(s->model_len + 1);
    assert_non_null(s->model);
    assert_int_equal(nn_save_buffer(net, s->model, s->model_len + 1, &s->model_len), NN_OK);
    s->n_params = nn_param_count(net);
    s->grads = grads_of(net);
    s->threads = nn_get_threads(net);
    s->capacity = nn_batch_capacity(net);
    s->loss_status = nn_loss(net, probe_target, &s->loss);
    s->batch_status = nn_loss_batch(net, BATCH, batch_targets, &s->batch_loss);
    s->n_layers = nn_layer_count(net);
    for (size_t k = 0; k < s->n_layers; k++)
        s->n_views += 3 * nn_layer_size(net, k);
    s->views = alloc_doubles(s->n_views);
    s->view_status = calloc(3 * s->n_layers, sizeof *s->view_status);
    assert_non_null(s->view_status);
    const layer_getter getters[3] = {nn_get_outputs, nn_get_net_inputs, nn_get_deltas};
    double *v = s->views;
    for (size_t k = 0; k < s->n_layers; k++) {
        const size_t n = nn_layer_size(net, k);
        for (size_t g = 0; g < 3; g++, v += n)
            s->view_status[3 * k + g] = getters[g](net, k, v, n);
    }
}

static void snap_free(struct snapshot *s)
{
    free(s->model);
    free(s->grads);
    free(s->views);
    free(s->view_status);
}

#define SAME(field, n) (((n) == 0) || memcmp(a->field, b->field, (n) * sizeof *a->field) == 0)

/* The first part in which two snapshots differ, or NULL. */
static const char *snap_differs(const struct snapshot *a, const struct snapshot *b)
{
    if (a->model_len != b->model_len || !SAME(model, a->model_len))
        return "sizes, settings or parameters";
    if (a->n_params != b->n_params || !SAME(grads, a->n_params))
        return "gradients";
    if (a->threads != b->threads || a->capacity != b->capacity)
        return "thread setting or batch capacity";
    if (a->loss_status != b->loss_status || memcmp(&a->loss, &b->loss, sizeof a->loss) != 0)
        return "last forward pass (its loss)";
    if (a->batch_status != b->batch_status ||
        memcmp(&a->batch_loss, &b->batch_loss, sizeof a->batch_loss) != 0)
        return "last batch (its loss)";
    if (a->n_views != b->n_views || !SAME(views, a->n_views) ||
        !SAME(view_status, 3 * a->n_layers))
        return "net inputs, outputs or deltas of the last passes";
    return NULL;
}

/* ---- the driver ---- */

/* A call on `net` (a fresh copy of the case's network, or NULL); a call that
   makes an object releases it again before returning NN_OK. */
typedef nn_status (*net_call)(nn_t *net, void *arg);

enum { NONE = 0, SOME = 1 }; /* allocations the successful run makes */

/* Runs `call` on fresh clones of `net` (NULL: none) with the k-th allocation
   counted in `c` failing, for k = 1, 2, ... until it succeeds; returns the
   allocations of the run that succeeded. */
static long fail_each(const char *what, struct alloc_counts *c, const nn_t *net, net_call call,
                      void *arg, int allocates)
{
    for (long k = 1;; k++) {
        nn_t *copy = NULL;
        if (net != NULL)
            assert_int_equal(nn_clone(net, &copy), NN_OK);
        struct snapshot before, after;
        snap_take(&before, copy);
        const long live_libc = hooks_libc.live, live_net = hooks_net.live;
        hooks_arm(c, k);
        const nn_status got = call(copy, arg);
        const long calls = c->calls;
        hooks_disarm(c);
        if (got == NN_OK) {
            if (calls != k - 1 || (allocates == NONE) != (calls == 0)) {
                print_error("%s succeeded after %ld allocations with allocation %ld failing "
                            "(expected %s)\n",
                            what, calls, k, allocates == NONE ? "none" : "some");
                fail();
            }
            /* a call without a network has released what it made */
            if (net == NULL && (hooks_libc.live != live_libc || hooks_net.live != live_net)) {
                print_error("%s succeeded and leaked %ld blocks\n", what,
                            hooks_libc.live - live_libc + hooks_net.live - live_net);
                fail();
            }
            snap_free(&before);
            nn_free(copy);
            return calls;
        }
        if (got != NN_ERR_NO_MEMORY) {
            print_error("%s with allocation %ld failing returned %d (%s)\n", what, k, (int)got,
                        nn_strerror(got));
            fail();
        }
        if (hooks_libc.live != live_libc || hooks_net.live != live_net) {
            print_error("%s with allocation %ld failing leaked %ld blocks\n", what, k,
                        hooks_libc.live - live_libc + hooks_net.live - live_net);
            fail();
        }
        snap_take(&after, copy);
        const char *part = snap_differs(&before, &after);
        if (part != NULL) {
            print_error("%s with allocation %ld failing changed the network's %s\n", what, k,
                        part);
            fail();
        }
        snap_free(&before);
        snap_free(&after);
        nn_free(copy);
        assert_true(k < 100000);
    }
}

#define FAIL_EACH(counts, net, call, arg, allocates) \
    fail_each(#call, (counts), (net), (call), (arg), (allocates))

/* ---- the networks ---- */

enum { ROWS = 12 }; /* a batch larger than the fixture's buffer */
static double rows_in[ROWS * 3], rows_out[ROWS * 8], rows_target[ROWS * 2];
static const double one_in[3] = {0.4, -0.7, 0.2}, one_target[2] = {0.3, 0.8};

static void softsign(void *context, size_t n, const double *z, double *a)
{
    (void)context;
    for (size_t i = 0; i < n; i++)
        a[i] = z[i] / (1.0 + fabs(z[i]));
}

static void softsign_deriv(void *context, size_t n, const double *z, const double *a, double *d)
{
    (void)context;
    (void)a;
    for (size_t i = 0; i < n; i++)
        d[i] = 1.0 / ((1.0 + fabs(z[i])) * (1.0 + fabs(z[i])));
}

static const size_t fix_sizes[4] = {3, 5, 4, 2};
static const int fix_acts[3] = {NN_ACT_TANH, NN_ACT_LINEAR, NN_ACT_SIGMOID};

/* 3-5-4-2 with every kind of setting, gradients, the state of a forward and
   backward pass, and a live batch of BATCH rows; made with the counting
   allocator (hook_alloc) or nn_create(). */
static nn_t *make_fixture(int own_allocator)
{
    nn_t *net = NULL;
    if (own_allocator)
        assert_int_equal(nn_create_with_allocator(&net, 4, fix_sizes, fix_acts, hook_alloc,
                                                  hook_dealloc, NULL),
                         NN_OK);
    else
        assert_int_equal(nn_create(&net, 4, fix_sizes, fix_acts), NN_OK);
    assert_int_equal(nn_init_random(net, 17, NN_INIT_UNIFORM, -0.8, 0.8), NN_OK);
    assert_int_equal(nn_set_custom_activation(net, 2, softsign, softsign_deriv, NULL, "softsign"),
                     NN_OK);
    assert_int_equal(nn_set_bias_mode(net, 3, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_set_frozen(net, 1, 0, 1), NN_OK);
    assert_int_equal(nn_set_loss(net, NN_LOSS_MSE), NN_OK);
    assert_int_equal(nn_forward_batch(net, BATCH, rows_in, NULL), NN_OK);
    assert_int_equal(nn_backward_batch(net, BATCH, batch_targets), NN_OK);
    assert_int_equal(nn_forward(net, one_in, NULL), NN_OK);
    assert_int_equal(nn_backward(net, one_target), NN_OK);
    return net;
}

/* ---- the calls ---- */

static nn_status call_create_with_allocator(nn_t *none, void *arg)
{
    (void)none;
    (void)arg;
    nn_t *net = NULL;
    nn_status status =
        nn_create_with_allocator(&net, 4, fix_sizes, fix_acts, hook_alloc, hook_dealloc, NULL);
    if (status == NN_OK)
        nn_free(net);
    else if (net != NULL)
        status = NN_ERR_ARGUMENT; /* *out must be NULL after a failure */
    return status;
}

static nn_status call_create(nn_t *none, void *arg)
{
    (void)none;
    (void)arg;
    nn_t *net = NULL;
    nn_status status = nn_create(&net, 4, fix_sizes, fix_acts);
    if (status == NN_OK)
        nn_free(net);
    else if (net != NULL)
        status = NN_ERR_ARGUMENT;
    return status;
}

static nn_status call_clone(nn_t *net, void *arg)
{
    (void)arg;
    nn_t *copy = NULL;
    nn_status status = nn_clone(net, &copy);
    if (status == NN_OK)
        nn_free(copy);
    else if (copy != NULL)
        status = NN_ERR_ARGUMENT;
    return status;
}

static nn_status call_reserve(nn_t *net, void *arg)
{
    (void)arg;
    return nn_reserve_batch(net, 2 * ROWS);
}

static nn_status call_forward_batch(nn_t *net, void *arg)
{
    (void)arg;
    return nn_forward_batch(net, ROWS, rows_in, rows_out);
}

/* nn_forward_batch() after nn_set_threads(): the buffer gains packing areas */
static nn_status call_forward_batch_threads(nn_t *net, void *arg)
{
    (void)arg;
    if (nn_get_threads(net) != 3)
        return NN_ERR_ARGUMENT;
    return nn_forward_batch(net, BATCH, rows_in, rows_out);
}

/* Calls documented to allocate nothing once the buffer holds the batch. */
/* An optimiser of kind *arg: its one allocation at create, then a clip and
   a step, which allocate nothing. */
static nn_status call_optimizer(nn_t *net, void *arg)
{
    nn_optimizer_t *opt = NULL;
    nn_status s = nn_optimizer_create(&opt, net, *(const int *)arg);
    if (s != NN_OK)
        return opt == NULL ? s : NN_ERR_ARGUMENT;
    s = nn_clip_grad_norm(net, 1.0, NULL);
    if (s == NN_OK)
        s = nn_optimizer_step(opt, net, 0.1);
    nn_optimizer_free(opt);
    return s;
}

static void optimizer_cases(struct alloc_counts *c, const nn_t *net)
{
    for (int kind = NN_OPT_SGD; kind <= NN_OPT_RPROP; kind++)
        assert_int_equal(FAIL_EACH(c, net, call_optimizer, &kind, SOME), 1);
}

static nn_status call_training(nn_t *net, void *arg)
{
    (void)arg;
    double loss = 0.0;
    nn_status s = nn_loss_batch(net, BATCH, batch_targets, &loss);
    if (s == NN_OK)
        s = nn_backward_batch(net, BATCH, batch_targets);
    if (s == NN_OK)
        s = nn_step(net, 0.1);
    if (s == NN_OK)
        s = nn_forward_batch(net, BATCH, rows_in, rows_out);
    if (s == NN_OK)
        s = nn_train_sample(net, one_in, one_target, 0.1);
    if (s == NN_OK)
        s = nn_train_sequential(net, one_in, one_target, 0.1);
    if (s == NN_OK)
        s = nn_forward(net, one_in, NULL);
    if (s == NN_OK)
        s = nn_backward(net, one_target);
    if (s == NN_OK)
        s = nn_set_custom_activation(net, 1, softsign, softsign_deriv, NULL, "other");
    return s;
}

static nn_status call_predict(nn_t *net, void *arg)
{
    (void)arg;
    double work[4096];
    if (nn_inference_workspace_size(net, ROWS) > 4096)
        return NN_ERR_ARGUMENT;
    return nn_predict(net, ROWS, rows_in, rows_out, work, 4096);
}

struct explain_arg {
    const nn_explain_options_t *options;
    size_t n_samples;
};

static int discard(void *context, const char *bytes, size_t n)
{
    (void)bytes;
    *(size_t *)context += n;
    return 0;
}

static nn_status call_explain(nn_t *net, void *arg)
{
    const struct explain_arg *e = arg;
    size_t written = 0;
    return nn_explain(net, e->options, rows_in, 3 * e->n_samples, rows_target, 2 * e->n_samples,
                      0.5, discard, &written);
}

/* n_samples 0: the bare network; 1: with an input; 2: with a target too */
static nn_status call_export_dot(nn_t *net, void *arg)
{
    const struct explain_arg *e = arg;
    size_t written = 0;
    return nn_export_dot(net, e->options, e->n_samples ? rows_in : NULL, e->n_samples ? 3 : 0,
                         e->n_samples > 1 ? rows_target : NULL, e->n_samples > 1 ? 2 : 0,
                         discard, &written);
}

/* Options that name every unit and parameter of the fixture. */
static nn_explain_options_t *named_options(int format, int rule, int apply)
{
    nn_explain_options_t *o = NULL;
    assert_int_equal(nn_explain_options_create(&o), NN_OK);
    assert_int_equal(nn_explain_options_set_format(o, format), NN_OK);
    assert_int_equal(nn_explain_options_set_rule(o, rule), NN_OK);
    assert_int_equal(nn_explain_options_set_apply(o, apply), NN_OK);
    char name[48];
    for (size_t k = 0; k < 4; k++)
        for (size_t j = 0; j < fix_sizes[k]; j++) {
            snprintf(name, sizeof name, "u%zu_%zu", k, j);
            assert_int_equal(nn_explain_options_set_unit_name(o, k, j, name), NN_OK);
        }
    for (size_t p = 0; p < 20; p++) {
        snprintf(name, sizeof name, "p%zu", p);
        assert_int_equal(nn_explain_options_set_param_name(o, p, name), NN_OK);
    }
    return o;
}

/* Every format and rule, with default and given names, stepping or not. */
static void explain_cases(struct alloc_counts *c, const nn_t *net)
{
    for (int format = NN_EXPLAIN_TEXT; format <= NN_EXPLAIN_JSON; format++) {
        nn_explain_options_t *standard = named_options(format, NN_RULE_STANDARD, 1);
        nn_explain_options_t *sequential = named_options(format, NN_RULE_SEQUENTIAL, 0);
        nn_explain_options_t *plain = NULL;
        assert_int_equal(nn_explain_options_create(&plain), NN_OK);
        assert_int_equal(nn_explain_options_set_format(plain, format), NN_OK);
        struct explain_arg args[] = {{plain, 1}, {plain, 3}, {standard, 3}, {sequential, 1}};
        /* the names, the trace, two copies of the network with their
           batches and the output buffer: every one of them fails in turn */
        for (size_t i = 0; i < sizeof args / sizeof args[0]; i++)
            assert_true(FAIL_EACH(c, net, call_explain, &args[i], SOME) >= 5);
        nn_explain_options_free(standard);
        nn_explain_options_free(sequential);
        nn_explain_options_free(plain);
    }
    nn_explain_options_t *named = named_options(NN_EXPLAIN_TEXT, NN_RULE_STANDARD, 0);
    for (size_t n = 0; n <= 2; n++) {
        struct explain_arg plain = {NULL, n}, with_names = {named, n};
        FAIL_EACH(c, net, call_export_dot, &plain, SOME);
        FAIL_EACH(c, net, call_export_dot, &with_names, SOME);
    }
    nn_explain_options_free(named);
}

/* nn_save() (nn_save_checkpoint() when opt is given) into a folder of its
   own that holds only the old model: a failed save leaves that file byte for
   byte and nothing beside it. */
struct save_arg {
    char dir[64];
    char path[96];
    const nn_optimizer_t *opt;
};

static const char old_model[] = "not a model: the file that was there before\n";

static void save_arg_open(struct save_arg *a)
{
    strcpy(a->dir, "/tmp/nn-fault-XXXXXX");
    assert_non_null(mkdtemp(a->dir));
    snprintf(a->path, sizeof a->path, "%s/model.txt", a->dir);
    a->opt = NULL;
}

static void save_arg_close(struct save_arg *a)
{
    assert_int_equal(unlink(a->path), 0);
    assert_int_equal(rmdir(a->dir), 0);
}

/* Entries of the folder other than . and .. */
static int folder_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static nn_status call_save(nn_t *net, void *arg)
{
    struct save_arg *a = arg;
    FILE *f = fopen(a->path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(old_model, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    const nn_status status =
        a->opt != NULL ? nn_save_checkpoint(net, a->opt, a->path) : nn_save(net, a->path);
    if (status != NN_OK) {
        char text[sizeof old_model + 8] = {0};
        f = fopen(a->path, "r");
        assert_non_null(f);
        const size_t got = fread(text, 1, sizeof text, f);
        fclose(f);
        if (got != strlen(old_model) || memcmp(text, old_model, got) != 0 ||
            folder_entries(a->dir) != 1)
            return NN_ERR_ARGUMENT; /* the old file changed, or a temporary remains */
    }
    return status;
}

/* A checkpoint's text into a buffer: allocates nothing. */
static nn_status call_save_checkpoint_buffer(nn_t *net, void *arg)
{
    char buf[8192];
    size_t len = 0;
    return nn_save_checkpoint_buffer(net, arg, buf, sizeof buf, &len);
}

/* nn_save_checkpoint() with an Adam optimiser after a step, as nn_save(); its
   text into a buffer allocates nothing. */
static void checkpoint_save_cases(struct alloc_counts *c, const nn_t *net, struct save_arg *save)
{
    nn_t *copy = NULL;
    assert_int_equal(nn_clone(net, &copy), NN_OK);
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, copy, NN_OPT_ADAM), NN_OK);
    assert_int_equal(nn_optimizer_step(opt, copy, 0.01), NN_OK);
    save->opt = opt;
    assert_true(FAIL_EACH(c, copy, call_save, save, SOME) >= 1);
    save->opt = NULL;
    FAIL_EACH(c, copy, call_save_checkpoint_buffer, opt, NONE);
    nn_optimizer_free(opt);
    nn_free(copy);
}

/* ---- networks with the caller's allocator ---- */

static void test_allocator_network(void **state)
{
    (void)state;
    nn_t *net = make_fixture(1);
    /* one block for the network, one for its batch buffer */
    assert_int_equal(FAIL_EACH(&hooks_net, NULL, call_create_with_allocator, NULL, SOME), 1);
    assert_int_equal(FAIL_EACH(&hooks_net, net, call_clone, NULL, SOME), 2);
    assert_int_equal(FAIL_EACH(&hooks_net, net, call_reserve, NULL, SOME), 1);
    assert_int_equal(FAIL_EACH(&hooks_net, net, call_forward_batch, NULL, SOME), 1);
    FAIL_EACH(&hooks_net, net, call_training, NULL, NONE);
    FAIL_EACH(&hooks_net, net, call_predict, NULL, NONE);
    optimizer_cases(&hooks_net, net);
    explain_cases(&hooks_net, net);
    struct save_arg save;
    save_arg_open(&save);
    assert_true(FAIL_EACH(&hooks_net, net, call_save, &save, SOME) >= 1);
    checkpoint_save_cases(&hooks_net, net, &save);
    save_arg_close(&save);
    nn_free(net);
}

static void test_threads_grow_the_buffer(void **state)
{
    (void)state;
    nn_t *net = make_fixture(1);
    if (nn_set_threads(net, 3) != NN_OK) {
        /* a build without threads: one thread only, and its buffer suffices */
        assert_int_equal(nn_set_threads(net, 3), NN_ERR_ARGUMENT);
        nn_free(net);
        return;
    }
    FAIL_EACH(&hooks_net, net, call_forward_batch_threads, NULL, SOME);
    FAIL_EACH(&hooks_net, net, call_reserve, NULL, SOME);
    nn_free(net);
}

/* ---- the C library's allocator ---- */

static void test_libc_network(void **state)
{
    (void)state;
    nn_t *net = make_fixture(0);
    FAIL_EACH(&hooks_libc, NULL, call_create, NULL, SOME);
    FAIL_EACH(&hooks_libc, net, call_clone, NULL, SOME);
    optimizer_cases(&hooks_libc, net);
    FAIL_EACH(&hooks_libc, net, call_forward_batch, NULL, SOME);
    struct explain_arg explain = {NULL, 2}, dot = {NULL, 2};
    FAIL_EACH(&hooks_libc, net, call_explain, &explain, SOME);
    FAIL_EACH(&hooks_libc, net, call_export_dot, &dot, SOME);
    struct save_arg save;
    save_arg_open(&save);
    assert_true(FAIL_EACH(&hooks_libc, net, call_save, &save, SOME) >= 1);
    checkpoint_save_cases(&hooks_libc, net, &save);
    save_arg_close(&save);
    nn_free(net);
}

/* The loaders make a network with nn_create() after reading the model. */
struct load_arg {
    const char *text;
    size_t len;
    const char *path;
};

/* The status of a loader that has returned `net`, which is released. */
static nn_status loaded(nn_status status, nn_t *net)
{
    if (status == NN_OK)
        nn_free(net);
    else if (net != NULL)
        status = NN_ERR_ARGUMENT;
    return status;
}

static const char *const custom_names[1] = {"softsign"};
static const nn_activation_fn custom_fs[1] = {softsign};
static const nn_activation_deriv_fn custom_dfs[1] = {softsign_deriv};

static nn_status call_load_buffer_ex(nn_t *none, void *arg)
{
    (void)none;
    const struct load_arg *l = arg;
    nn_t *net = NULL;
    char msg[128];
    const nn_status status = nn_load_buffer_ex(&net, l->text, l->len, 1, custom_names,
                                               custom_fs, custom_dfs, NULL, msg, sizeof msg);
    return loaded(status, net);
}

static nn_status call_load_ex(nn_t *none, void *arg)
{
    (void)none;
    const struct load_arg *l = arg;
    nn_t *net = NULL;
    char msg[128];
    const nn_status status = nn_load_ex(&net, l->path, 1, custom_names, custom_fs, custom_dfs,
                                        NULL, msg, sizeof msg);
    return loaded(status, net);
}

static nn_status call_load_buffer(nn_t *none, void *arg)
{
    (void)none;
    const struct load_arg *l = arg;
    nn_t *net = NULL;
    const nn_status status = nn_load_buffer(&net, l->text, l->len);
    return loaded(status, net);
}

static nn_status call_load(nn_t *none, void *arg)
{
    (void)none;
    const struct load_arg *l = arg;
    nn_t *net = NULL;
    const nn_status status = nn_load(&net, l->path);
    return loaded(status, net);
}

/* The loaders with options: the allocator among them (the network and a
   file's window fail through it), or the C library's. */
struct load_with_arg {
    const struct load_arg *load;
    const nn_load_options_t *options;
};

static nn_status call_load_buffer_with(nn_t *none, void *arg)
{
    (void)none;
    const struct load_with_arg *w = arg;
    nn_t *net = NULL;
    char msg[128];
    const nn_status status =
        nn_load_buffer_with(&net, w->load->text, w->load->len, w->options, msg, sizeof msg);
    return loaded(status, net);
}

static nn_status call_load_with(nn_t *none, void *arg)
{
    (void)none;
    const struct load_with_arg *w = arg;
    nn_t *net = NULL;
    char msg[128];
    const nn_status status = nn_load_with(&net, w->load->path, w->options, msg, sizeof msg);
    return loaded(status, net);
}

/* The status of a checkpoint loader that has returned `net` and `opt`
   (both released); a checkpoint must give an optimiser. */
static nn_status loaded_checkpoint(nn_status status, nn_t *net, nn_optimizer_t *opt)
{
    if (status == NN_OK && opt == NULL)
        status = NN_ERR_ARGUMENT;
    nn_optimizer_free(opt);
    return loaded(status, net);
}

static nn_status call_load_checkpoint_buffer(nn_t *none, void *arg)
{
    (void)none;
    const struct load_arg *l = arg;
    nn_t *net = NULL;
    nn_optimizer_t *opt = NULL;
    const nn_status status = nn_load_checkpoint_buffer(&net, &opt, l->text, l->len);
    return loaded_checkpoint(status, net, opt);
}

static nn_status call_load_checkpoint(nn_t *none, void *arg)
{
    (void)none;
    const struct load_arg *l = arg;
    nn_t *net = NULL;
    nn_optimizer_t *opt = NULL;
    const nn_status status = nn_load_checkpoint(&net, &opt, l->path);
    return loaded_checkpoint(status, net, opt);
}

static nn_status call_load_checkpoint_buffer_with(nn_t *none, void *arg)
{
    (void)none;
    const struct load_with_arg *w = arg;
    nn_t *net = NULL;
    nn_optimizer_t *opt = NULL;
    char msg[128];
    const nn_status status = nn_load_checkpoint_buffer_with(&net, &opt, w->load->text,
                                                            w->load->len, w->options, msg,
                                                            sizeof msg);
    return loaded_checkpoint(status, net, opt);
}

static nn_status call_load_checkpoint_with(nn_t *none, void *arg)
{
    (void)none;
    const struct load_with_arg *w = arg;
    nn_t *net = NULL;
    nn_optimizer_t *opt = NULL;
    char msg[128];
    const nn_status status =
        nn_load_checkpoint_with(&net, &opt, w->load->path, w->options, msg, sizeof msg);
    return loaded_checkpoint(status, net, opt);
}

/* Options made, filled past their first capacity, and released. */
static nn_status call_load_options(nn_t *none, void *arg)
{
    (void)none;
    (void)arg;
    nn_load_options_t *o = NULL;
    nn_status status = nn_load_options_create(&o);
    char name[16];
    for (int i = 0; i < 9 && status == NN_OK; i++) {
        snprintf(name, sizeof name, "act%d", i);
        status = nn_load_options_add_activation(o, name, softsign, softsign_deriv, NULL);
    }
    if (status == NN_OK)
        status = nn_load_options_set_max_bytes(o, 1000);
    if (status == NN_OK)
        status = nn_load_options_set_allocator(o, hook_alloc, hook_dealloc, NULL);
    nn_load_options_free(o);
    return status;
}

static void loaders_with_options(struct load_arg *custom)
{
    nn_load_options_t *hooked = NULL, *plain = NULL;
    assert_int_equal(nn_load_options_create(&hooked), NN_OK);
    assert_int_equal(nn_load_options_create(&plain), NN_OK);
    assert_int_equal(nn_load_options_set_allocator(hooked, hook_alloc, hook_dealloc, NULL),
                     NN_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(nn_load_options_add_activation(i ? hooked : plain, custom_names[0],
                                                        custom_fs[0], custom_dfs[0], NULL),
                         NN_OK);
    struct load_with_arg with_hooked = {custom, hooked}, with_plain = {custom, plain};
    /* the allocator takes every allocation: the C library's none */
    hooks_arm(&hooks_libc, 0);
    assert_int_equal(FAIL_EACH(&hooks_net, NULL, call_load_buffer_with, &with_hooked, SOME), 1);
    assert_int_equal(FAIL_EACH(&hooks_net, NULL, call_load_with, &with_hooked, SOME), 2);
    const long libc_calls = hooks_libc.calls;
    hooks_disarm(&hooks_libc);
    assert_int_equal(libc_calls, 0);
    FAIL_EACH(&hooks_libc, NULL, call_load_buffer_with, &with_plain, SOME);
    FAIL_EACH(&hooks_libc, NULL, call_load_with, &with_plain, SOME);
    FAIL_EACH(&hooks_libc, NULL, call_load_options, NULL, SOME);
    nn_load_options_free(hooked);
    nn_load_options_free(plain);
}

static void test_loaders(void **state)
{
    (void)state;
    /* the fixture with its custom activation (the _ex loaders), and a
       network of built-in activations (the others) */
    nn_t *custom = make_fixture(0), *builtin = create_net(4, fix_sizes, fix_acts);
    assert_int_equal(nn_init_random(builtin, 5, NN_INIT_XAVIER, 0.0, 0.0), NN_OK);
    nn_t *nets[2] = {custom, builtin};
    char *texts[2];
    char paths[2][32];
    struct load_arg args[2];
    for (int i = 0; i < 2; i++) {
        size_t len = 0;
        assert_int_equal(nn_save_buffer(nets[i], NULL, 0, &len), NN_ERR_BUFFER_SIZE);
        texts[i] = malloc(len + 1);
        assert_non_null(texts[i]);
        assert_int_equal(nn_save_buffer(nets[i], texts[i], len + 1, &len), NN_OK);
        snprintf(paths[i], sizeof paths[i], "fault_model_%d_%ld.txt", i, (long)getpid());
        FILE *f = fopen(paths[i], "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(texts[i], 1, len, f), len);
        assert_int_equal(fclose(f), 0);
        args[i] = (struct load_arg){texts[i], len, paths[i]};
    }
    FAIL_EACH(&hooks_libc, NULL, call_load_buffer_ex, &args[0], SOME);
    FAIL_EACH(&hooks_libc, NULL, call_load_ex, &args[0], SOME);
    FAIL_EACH(&hooks_libc, NULL, call_load_buffer, &args[1], SOME);
    FAIL_EACH(&hooks_libc, NULL, call_load, &args[1], SOME);
    loaders_with_options(&args[0]);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(remove(paths[i]), 0);
        free(texts[i]);
        nn_free(nets[i]);
    }
}

/* A checkpoint (network, Adam after a step) as text and as a file. */
static struct load_arg checkpoint_arg(const nn_t *net, const char *path)
{
    nn_t *copy = NULL;
    assert_int_equal(nn_clone(net, &copy), NN_OK);
    nn_optimizer_t *opt = NULL;
    assert_int_equal(nn_optimizer_create(&opt, copy, NN_OPT_ADAM), NN_OK);
    assert_int_equal(nn_optimizer_step(opt, copy, 0.01), NN_OK);
    size_t len = 0;
    assert_int_equal(nn_save_checkpoint_buffer(copy, opt, NULL, 0, &len), NN_ERR_BUFFER_SIZE);
    char *text = malloc(len + 1);
    assert_non_null(text);
    assert_int_equal(nn_save_checkpoint_buffer(copy, opt, text, len + 1, &len), NN_OK);
    assert_int_equal(nn_save_checkpoint(copy, opt, path), NN_OK);
    nn_optimizer_free(opt);
    nn_free(copy);
    return (struct load_arg){text, len, path};
}

/* The checkpoint loaders make a network and an optimiser; the network
   loaders read a checkpoint's section into an optimiser they drop. */
static void test_checkpoint_loaders(void **state)
{
    (void)state;
    nn_t *custom = make_fixture(0), *builtin = create_net(4, fix_sizes, fix_acts);
    char paths[2][48];
    for (int i = 0; i < 2; i++)
        snprintf(paths[i], sizeof paths[i], "fault_checkpoint_%d_%ld.txt", i, (long)getpid());
    struct load_arg args[2] = {checkpoint_arg(custom, paths[0]), checkpoint_arg(builtin, paths[1])};
    assert_true(FAIL_EACH(&hooks_libc, NULL, call_load_checkpoint_buffer, &args[1], SOME) >= 2);
    assert_true(FAIL_EACH(&hooks_libc, NULL, call_load_checkpoint, &args[1], SOME) >= 3);
    assert_true(FAIL_EACH(&hooks_libc, NULL, call_load_buffer, &args[1], SOME) >= 2);
    assert_true(FAIL_EACH(&hooks_libc, NULL, call_load, &args[1], SOME) >= 3);

    nn_load_options_t *hooked = NULL;
    assert_int_equal(nn_load_options_create(&hooked), NN_OK);
    assert_int_equal(nn_load_options_set_allocator(hooked, hook_alloc, hook_dealloc, NULL),
                     NN_OK);
    assert_int_equal(nn_load_options_add_activation(hooked, custom_names[0], custom_fs[0],
                                                    custom_dfs[0], NULL),
                     NN_OK);
    struct load_with_arg with_hooked = {&args[0], hooked};
    /* the network, the optimiser (and a file's window): the allocator's */
    hooks_arm(&hooks_libc, 0);
    assert_int_equal(
        FAIL_EACH(&hooks_net, NULL, call_load_checkpoint_buffer_with, &with_hooked, SOME), 2);
    assert_int_equal(FAIL_EACH(&hooks_net, NULL, call_load_checkpoint_with, &with_hooked, SOME),
                     3);
    const long libc_calls = hooks_libc.calls;
    hooks_disarm(&hooks_libc);
    assert_int_equal(libc_calls, 0);
    nn_load_options_free(hooked);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(remove(paths[i]), 0);
        free((char *)args[i].text);
    }
    nn_free(custom);
    nn_free(builtin);
}

static nn_status call_rng_create(nn_t *none, void *arg)
{
    (void)none;
    (void)arg;
    nn_rng_t *rng = NULL;
    nn_status status = nn_rng_create(&rng, 7);
    if (status == NN_OK)
        nn_rng_free(rng);
    else if (rng != NULL)
        status = NN_ERR_ARGUMENT;
    return status;
}

static nn_status call_options_create(nn_t *none, void *arg)
{
    (void)none;
    (void)arg;
    nn_explain_options_t *o = NULL;
    nn_status status = nn_explain_options_create(&o);
    if (status == NN_OK)
        nn_explain_options_free(o);
    else if (o != NULL)
        status = NN_ERR_ARGUMENT;
    return status;
}

/* The DOT text of the fixture under `options`; released with free(). */
struct text {
    char *bytes;
    size_t len;
};

static int collect(void *context, const char *bytes, size_t n)
{
    struct text *t = context;
    char *grown = realloc(t->bytes, t->len + n);
    if (grown == NULL)
        return 1;
    memcpy(grown + t->len, bytes, n);
    t->bytes = grown;
    t->len += n;
    return 0;
}

static struct text dot_text(const nn_t *net, const nn_explain_options_t *options)
{
    struct text t = {NULL, 0};
    assert_int_equal(nn_export_dot(net, options, NULL, 0, NULL, 0, collect, &t), NN_OK);
    return t;
}

/* ---- data sets: each call frees what it made; a failed shuffle leaves the set ---- */

static const char fault_csv[] = "x,label,y\n1,cat,2\n3,dog,4\n5,cat,6\n7,eel,8\n";
static const char fault_fann[] = "3 2 1\n1 2\n3\n4 5\n6\n7 8\n9\n";

static nn_status call_load_csv(nn_t *none, void *arg)
{
    (void)none;
    (void)arg;
    nn_csv_options_t *o = NULL;
    nn_status status = nn_csv_options_create(&o);
    if (status == NN_OK)
        status = nn_csv_options_set_class_column(o, "label");
    nn_dataset_t *d = NULL;
    char message[100];
    if (status == NN_OK) {
        status = nn_dataset_load_csv_buffer(&d, fault_csv, sizeof fault_csv - 1, o, message,
                                            sizeof message);
        /* the message says so too */
        if (status == NN_ERR_NO_MEMORY && strcmp(message, "out of memory") != 0)
            status = NN_ERR_ARGUMENT;
    }
    nn_dataset_free(d);
    nn_csv_options_free(o);
    return status;
}

static nn_status call_load_fann(nn_t *none, void *arg)
{
    (void)none;
    (void)arg;
    nn_dataset_t *d = NULL;
    const nn_status status =
        nn_dataset_load_fann_buffer(&d, fault_fann, sizeof fault_fann - 1, NULL, 0);
    nn_dataset_free(d);
    return status;
}

/* Splits (arg: a stratify flag) and shuffles a set made from the CSV text. */
static nn_status call_split_and_shuffle(nn_t *none, void *arg)
{
    (void)none;
    nn_csv_options_t *o = NULL;
    nn_dataset_t *d = NULL, *a = NULL, *b = NULL;
    nn_status status = nn_csv_options_create(&o);
    if (status == NN_OK)
        status = nn_csv_options_set_class_column(o, "label");
    if (status == NN_OK)
        status = nn_dataset_load_csv_buffer(&d, fault_csv, sizeof fault_csv - 1, o, NULL, 0);
    if (status == NN_OK)
        status = nn_dataset_split(d, 0.5, 3, *(const int *)arg, &a, &b);
    if (status == NN_OK) {
        double before[4 * 2];
        memcpy(before, nn_dataset_inputs(d), sizeof before);
        status = nn_dataset_shuffle(d, 5);
        if (status != NN_OK && memcmp(before, nn_dataset_inputs(d), sizeof before) != 0)
            status = NN_ERR_ARGUMENT;
    }
    nn_dataset_free(a);
    nn_dataset_free(b);
    nn_dataset_free(d);
    nn_csv_options_free(o);
    return status;
}

static void test_data_sets(void **state)
{
    (void)state;
    static int plain = 0, stratified = 1;
    FAIL_EACH(&hooks_libc, NULL, call_load_csv, NULL, SOME);
    FAIL_EACH(&hooks_libc, NULL, call_load_fann, NULL, SOME);
    FAIL_EACH(&hooks_libc, NULL, call_split_and_shuffle, &plain, SOME);
    FAIL_EACH(&hooks_libc, NULL, call_split_and_shuffle, &stratified, SOME);
}

/* Setting a name grows the options' list with realloc(): a failure leaves
   the options as they were (the same diagram comes out). */
static void test_options_and_generators(void **state)
{
    (void)state;
    FAIL_EACH(&hooks_libc, NULL, call_rng_create, NULL, SOME);
    FAIL_EACH(&hooks_libc, NULL, call_options_create, NULL, SOME);
    nn_t *net = create_net(4, fix_sizes, fix_acts);
    nn_explain_options_t *o = NULL;
    assert_int_equal(nn_explain_options_create(&o), NN_OK);
    long failures = 0;
    for (size_t p = 0; p < 20; p++) { /* past the first growth (16 names) */
        char name[16];
        snprintf(name, sizeof name, "q%zu", p);
        struct text before = dot_text(net, o);
        const long live = hooks_libc.live;
        hooks_arm(&hooks_libc, 1);
        nn_status status = nn_explain_options_set_param_name(o, p, name);
        const long calls = hooks_libc.calls;
        hooks_disarm(&hooks_libc);
        if (calls == 0) {
            assert_int_equal(status, NN_OK); /* room was left */
        } else {
            failures++;
            assert_int_equal(status, NN_ERR_NO_MEMORY);
            assert_int_equal(hooks_libc.live, live);
            struct text after = dot_text(net, o);
            assert_int_equal(after.len, before.len);
            assert_memory_equal(after.bytes, before.bytes, before.len);
            free(after.bytes);
            assert_int_equal(nn_explain_options_set_param_name(o, p, name), NN_OK);
        }
        free(before.bytes);
    }
    assert_int_equal(failures, 2); /* the first name, and the 17th */
    nn_explain_options_free(o);
    nn_free(net);
}

int main(void)
{
    test_rng r = {2024};
    fill_random(&r, rows_in, ROWS * 3, -1.0, 1.0);
    fill_random(&r, rows_target, ROWS * 2, 0.0, 1.0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allocator_network),
        cmocka_unit_test(test_threads_grow_the_buffer),
        cmocka_unit_test(test_libc_network),
        cmocka_unit_test(test_loaders),
        cmocka_unit_test(test_checkpoint_loaders),
        cmocka_unit_test(test_options_and_generators),
        cmocka_unit_test(test_data_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

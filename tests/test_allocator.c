/* The allocator promise of nn_create_with_allocator(): no call on such a
   network calls the C library's malloc, calloc, realloc or free, and the
   calls that need memory get it from the network's allocator.

   Built from the library's sources and linked with --wrap for the malloc
   family (malloc_hooks.c), so every such call that the library's own code
   makes is seen. Each public call that takes the network runs once with the
   counts armed: none of the C library's, and some or none of the network's
   allocator as the call's documentation says. What the C library allocates
   inside itself (stdio buffers, thread stacks) is out of sight here, as the
   promise excepts it. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp() */
#include "check.h"
#include "malloc_hooks.h"
#include "testnet.h"

#include <backprop.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { NONE = 0, SOME = 1 }; /* allocations through the network's allocator */

static void check_counts(const char *call, nn_status got, nn_status want, int net_allocs,
                         const char *file, int line)
{
    if (got != want) {
        print_error("%s returned %d (%s), expected %d\n", call, (int)got, nn_strerror(got),
                    (int)want);
        _fail(file, line);
    }
    if (hooks_libc.calls != 0 || hooks_libc.frees != 0) {
        print_error("%s: %ld malloc-family calls and %ld free() from the library\n", call,
                    hooks_libc.calls, hooks_libc.frees);
        _fail(file, line);
    }
    if ((net_allocs == NONE) != (hooks_net.calls == 0)) {
        print_error("%s: %ld allocations through the network's allocator, expected %s\n", call,
                    hooks_net.calls, net_allocs == NONE ? "none" : "some");
        _fail(file, line);
    }
}

/* Runs `call` with the counts armed and checks them. */
#define ON_NET(want, net_allocs, call)                                                    \
    do {                                                                                  \
        hooks_arm(&hooks_libc, 0);                                                        \
        hooks_arm(&hooks_net, 0);                                                         \
        const nn_status got_ = (call);                                                    \
        hooks_disarm(&hooks_libc);                                                        \
        hooks_disarm(&hooks_net);                                                         \
        check_counts(#call, got_, (want), (net_allocs), __FILE__, __LINE__);              \
    } while (0)

/* A writer that checks that something arrives and keeps nothing. */
static int count_bytes(void *context, const char *bytes, size_t n)
{
    (void)bytes;
    *(size_t *)context += n;
    return 0;
}

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

/* Options with more names than fit in a kilobyte (where the C library's
   qsort() starts to allocate): every unit and parameter named. */
static nn_explain_options_t *named_options(const nn_t *net, int format)
{
    nn_explain_options_t *o = NULL;
    assert_int_equal(nn_explain_options_create(&o), NN_OK);
    assert_int_equal(nn_explain_options_set_format(o, format), NN_OK);
    char name[48];
    for (size_t k = 0; k < nn_layer_count(net); k++)
        for (size_t j = 0; j < nn_layer_size(net, k); j++) {
            snprintf(name, sizeof name, "u%zu_%zu", k, j);
            assert_int_equal(nn_explain_options_set_unit_name(o, k, j, name), NN_OK);
        }
    for (size_t p = nn_param_count(net); p-- > 0;) {
        snprintf(name, sizeof name, "p%zu", p);
        assert_int_equal(nn_explain_options_set_param_name(o, p, name), NN_OK);
    }
    return o;
}

static void test_no_malloc_on_allocator_network(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 5, 2};
    const int acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID};
    const double x[3] = {0.5, -0.25, 1.0}, t[2] = {0.2, 0.7};
    enum { N = 40 };
    double *xs = random_rows(N * 3, 5, -1.0, 1.0), *ts = random_rows(N * 2, 6, 0.0, 1.0);
    double y[N * 2], params[32], loss = 0.0;
    char text[4096];
    size_t length = 0, written = 0;
    nn_t *net = NULL, *copy = NULL;

    ON_NET(NN_OK, SOME, nn_create_with_allocator(&net, 3, sizes, acts, hook_alloc, hook_dealloc,
                                                 NULL));
    ON_NET(NN_OK, NONE, nn_init_random(net, 3, NN_INIT_XAVIER, 0.0, 0.0));
    ON_NET(NN_OK, NONE, nn_set_custom_activation(net, 1, softsign, softsign_deriv, NULL, "ss"));
    ON_NET(NN_OK, NONE, nn_set_bias_mode(net, 2, NN_BIAS_SHARED));
    ON_NET(NN_OK, NONE, nn_set_frozen(net, 1, 0, 1));
    ON_NET(NN_OK, NONE, nn_set_loss(net, NN_LOSS_MSE));
    const size_t np = nn_param_count(net);
    assert_true(np <= 32);
    ON_NET(NN_OK, NONE, nn_forward(net, x, y));
    ON_NET(NN_OK, NONE, nn_loss(net, t, &loss));
    ON_NET(NN_OK, NONE, nn_backward(net, t));
    ON_NET(NN_OK, NONE, nn_get_grads(net, params, np));
    ON_NET(NN_OK, NONE, nn_step(net, 0.1));
    ON_NET(NN_OK, NONE, nn_train_sample(net, x, t, 0.1));
    ON_NET(NN_OK, NONE, nn_train_sequential(net, x, t, 0.1));
    ON_NET(NN_OK, NONE, nn_get_params(net, params, np));
    ON_NET(NN_OK, NONE, nn_set_params(net, params, np));

    /* batches: the buffer grows through the allocator, then nothing allocates */
    ON_NET(NN_OK, SOME, nn_reserve_batch(net, 4));
    ON_NET(NN_OK, SOME, nn_forward_batch(net, N, xs, y));
    ON_NET(NN_OK, NONE, nn_loss_batch(net, N, ts, &loss));
    ON_NET(NN_OK, NONE, nn_backward_batch(net, N, ts));
    ON_NET(NN_OK, NONE, nn_step(net, 0.01));
    ON_NET(NN_OK, NONE, nn_forward_batch(net, N, xs, y));
    if (nn_set_threads(net, 3) == NN_OK) { /* builds with threads */
        ON_NET(NN_OK, SOME, nn_forward_batch(net, N, xs, y));
        ON_NET(NN_OK, NONE, nn_backward_batch(net, N, ts));
    }
    const size_t ws = nn_inference_workspace_size(net, N);
    double *work = alloc_doubles(ws);
    ON_NET(NN_OK, NONE, nn_predict(net, N, xs, y, work, ws));
    ON_NET(NN_OK, NONE, nn_predict(net, N, xs, xs, work, ws));
    free(work);

    /* a clone, with the live batch: both through the same allocator */
    ON_NET(NN_OK, SOME, nn_clone(net, &copy));
    ON_NET(NN_OK, NONE, nn_save_buffer(net, text, sizeof text, &length));
    char dir[] = "/tmp/nn-allocator-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/model.txt", dir);
    ON_NET(NN_OK, SOME, nn_save(net, path));
    ON_NET(NN_OK, SOME, nn_save(net, path)); /* replacing the file saved before */
    assert_int_equal(unlink(path), 0);

    /* explanations in every format and rule, with and without names */
    for (int format = NN_EXPLAIN_TEXT; format <= NN_EXPLAIN_JSON; format++) {
        nn_explain_options_t *plain = NULL, *named = named_options(net, format);
        assert_int_equal(nn_explain_options_create(&plain), NN_OK);
        assert_int_equal(nn_explain_options_set_format(plain, format), NN_OK);
        written = 0;
        ON_NET(NN_OK, SOME, nn_explain(net, plain, x, 3, t, 2, 0.5, count_bytes, &written));
        ON_NET(NN_OK, SOME, nn_explain(net, named, xs, 9, ts, 6, 0.5, count_bytes, &written));
        assert_int_equal(nn_explain_options_set_rule(named, NN_RULE_SEQUENTIAL), NN_OK);
        assert_int_equal(nn_explain_options_set_apply(named, 1), NN_OK);
        ON_NET(NN_OK, SOME, nn_explain(net, named, x, 3, t, 2, 0.5, count_bytes, &written));
        assert_true(written > 0);
        nn_explain_options_free(plain);
        nn_explain_options_free(named);
    }
    ON_NET(NN_OK, SOME, nn_explain(net, NULL, x, 3, t, 2, 0.5, count_bytes, &written));

    /* diagrams: the bare network, with a forward pass, with a backward pass */
    nn_explain_options_t *named = named_options(net, NN_EXPLAIN_TEXT);
    written = 0;
    ON_NET(NN_OK, SOME, nn_export_dot(net, NULL, NULL, 0, NULL, 0, count_bytes, &written));
    ON_NET(NN_OK, SOME, nn_export_dot(net, named, x, 3, NULL, 0, count_bytes, &written));
    ON_NET(NN_OK, SOME, nn_export_dot(net, named, x, 3, t, 2, count_bytes, &written));
    assert_true(written > 0);
    nn_explain_options_free(named);

    /* loading with the allocator among the options: the load (network and
       file window) and the loaded network's calls use it alone */
    nn_load_options_t *options = NULL;
    assert_int_equal(nn_load_options_create(&options), NN_OK);
    assert_int_equal(nn_load_options_set_allocator(options, hook_alloc, hook_dealloc, NULL),
                     NN_OK);
    assert_int_equal(nn_load_options_add_activation(options, "ss", softsign, softsign_deriv,
                                                    NULL),
                     NN_OK);
    assert_int_equal(nn_save(net, path), NN_OK);
    nn_t *from_text = NULL, *from_file = NULL, *copy2 = NULL;
    ON_NET(NN_OK, SOME, nn_load_buffer_with(&from_text, text, length, options, NULL, 0));
    ON_NET(NN_OK, SOME, nn_load_with(&from_file, path, options, NULL, 0));
    ON_NET(NN_OK, NONE, nn_forward(from_file, x, y));
    ON_NET(NN_OK, NONE, nn_backward(from_file, t));
    ON_NET(NN_OK, SOME, nn_forward_batch(from_file, N, xs, y));
    ON_NET(NN_OK, SOME, nn_clone(from_file, &copy2));
    ON_NET(NN_OK, NONE, (nn_free(copy2), NN_OK));
    ON_NET(NN_OK, NONE, (nn_free(from_file), NN_OK));
    ON_NET(NN_OK, NONE, (nn_free(from_text), NN_OK));
    nn_load_options_free(options);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);

    /* releasing: through the allocator only, every block it gave */
    ON_NET(NN_OK, NONE, (nn_free(copy), NN_OK));
    ON_NET(NN_OK, NONE, (nn_free(net), NN_OK));
    assert_int_equal(hooks_net.live, 0);
    free(xs);
    free(ts);
}

/* The check itself sees the library's calls: the same explanation on a
   network of nn_create() calls the C library's malloc. */
static void test_hooks_see_the_library(void **state)
{
    (void)state;
    const size_t sizes[] = {2, 2};
    const int acts[] = {NN_ACT_LINEAR};
    const double x[2] = {1.0, 2.0}, t[2] = {0.0, 1.0};
    size_t written = 0;
    nn_t *net = create_net(2, sizes, acts);
    hooks_arm(&hooks_libc, 0);
    assert_int_equal(nn_explain(net, NULL, x, 2, t, 2, 0.1, count_bytes, &written), NN_OK);
    hooks_disarm(&hooks_libc);
    assert_true(hooks_libc.calls > 0);
    assert_int_equal(hooks_libc.frees, hooks_libc.calls);
    nn_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_malloc_on_allocator_network),
        cmocka_unit_test(test_hooks_see_the_library),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

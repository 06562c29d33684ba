/* Loading options (nn_load_options_t, nn_load_with(), nn_load_buffer_with()):
   each option does what it says for a buffer, a regular file and a pipe; bad
   arguments give their statuses and leave the options as they were; buffer
   and file loads agree; the old loaders keep their behaviour. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp(), fdopen() */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backprop.h"
#include "check.h"
#include "testnet.h"

static void scaled(void *context, size_t n, const double *z, double *a)
{
    const double s = context != NULL ? *(const double *)context : 1.0;
    for (size_t i = 0; i < n; i++)
        a[i] = s * z[i] / (1.0 + fabs(z[i]));
}

static void scaled_deriv(void *context, size_t n, const double *z, const double *a, double *d)
{
    const double s = context != NULL ? *(const double *)context : 1.0;
    (void)a;
    for (size_t i = 0; i < n; i++)
        d[i] = s / ((1.0 + fabs(z[i])) * (1.0 + fabs(z[i])));
}

static void other(void *context, size_t n, const double *z, double *a)
{
    (void)context;
    for (size_t i = 0; i < n; i++)
        a[i] = -z[i];
}

static void other_deriv(void *context, size_t n, const double *z, const double *a, double *d)
{
    (void)context;
    (void)z;
    (void)a;
    for (size_t i = 0; i < n; i++)
        d[i] = -1.0;
}

/* A 2-3-1 network whose hidden layer uses the custom activation "scaled". */
static char *model_text(size_t *len, int custom)
{
    const size_t sizes[] = {2, 3, 1};
    const int acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID};
    nn_t *net = create_net(3, sizes, acts);
    assert_int_equal(nn_init_random(net, 11, NN_INIT_XAVIER, 0.0, 0.0), NN_OK);
    if (custom)
        assert_int_equal(nn_set_custom_activation(net, 1, scaled, scaled_deriv, NULL, "scaled"),
                         NN_OK);
    assert_int_equal(nn_save_buffer(net, NULL, 0, len), NN_ERR_BUFFER_SIZE);
    char *text = malloc(*len + 1);
    assert_non_null(text);
    assert_int_equal(nn_save_buffer(net, text, *len + 1, len), NN_OK);
    nn_free(net);
    return text;
}

struct tmp {
    char dir[32];
    char path[64];
};

static void write_tmp(struct tmp *t, const char *text, size_t len)
{
    strcpy(t->dir, "/tmp/nn-loadopt-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof t->path, "%s/model.txt", t->dir);
    FILE *f = fopen(t->path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void remove_tmp(struct tmp *t)
{
    assert_int_equal(unlink(t->path), 0);
    assert_int_equal(rmdir(t->dir), 0);
}

/* Loads `text` through a pipe (/dev/fd/N of a pipe the test writes). */
static nn_status load_from_pipe(nn_t **out, const char *text, size_t len,
                                const nn_load_options_t *options, char *msg, size_t msg_size)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(fds[0]);
        size_t done = 0;
        while (done < len) {
            const ssize_t n = write(fds[1], text + done, len - done);
            if (n <= 0)
                _exit(0); /* the reader stopped early */
            done += (size_t)n;
        }
        _exit(0);
    }
    close(fds[1]);
    char path[32];
    snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
    const nn_status status = nn_load_with(out, path, options, msg, msg_size);
    close(fds[0]);
    int wstatus = 0;
    assert_int_equal(waitpid(child, &wstatus, 0), child);
    return status;
}

static void output_of(nn_t *net, double *y)
{
    const double x[2] = {0.3, -0.8};
    assert_int_equal(nn_forward(net, x, y), NN_OK);
}

static void create_and_free(void **state)
{
    (void)state;
    nn_load_options_t *o = NULL;
    assert_int_equal(nn_load_options_create(NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_options_create(&o), NN_OK);
    assert_non_null(o);
    nn_load_options_free(o);
    nn_load_options_free(NULL);
}

static void add_activation_errors_leave_the_options(void **state)
{
    (void)state;
    nn_load_options_t *o = NULL;
    assert_int_equal(nn_load_options_create(&o), NN_OK);
    assert_int_equal(nn_load_options_add_activation(NULL, "a", scaled, scaled_deriv, NULL),
                     NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_options_add_activation(o, NULL, scaled, scaled_deriv, NULL),
                     NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_options_add_activation(o, "a", NULL, scaled_deriv, NULL),
                     NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_options_add_activation(o, "a", scaled, NULL, NULL),
                     NN_ERR_NULL_ARG);
    static const char *const bad[] = {"", "a b", "tab\t", "semi;colon", "caf\xc3\xa9",
                                      "abcdefghijklmnopqrstuvwxyz012345" /* 32 */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(nn_load_options_add_activation(o, bad[i], scaled, scaled_deriv, NULL),
                         NN_ERR_NAME);
    /* 31 characters is the longest name */
    assert_int_equal(nn_load_options_add_activation(o, "abcdefghijklmnopqrstuvwxyz01234",
                                                    other, other_deriv, NULL),
                     NN_OK);
    assert_int_equal(nn_load_options_add_activation(o, "scaled", scaled, scaled_deriv, NULL),
                     NN_OK);
    assert_int_equal(nn_load_options_add_activation(o, "scaled", other, other_deriv, NULL),
                     NN_ERR_ARGUMENT);
    /* the duplicate was not added: the model gets the first functions */
    size_t len = 0;
    char *text = model_text(&len, 1);
    nn_t *net = NULL, *ref = NULL;
    assert_int_equal(nn_load_buffer_with(&net, text, len, o, NULL, 0), NN_OK);
    assert_int_equal(nn_load_buffer(&ref, text, len), NN_ERR_UNKNOWN_NAME);
    assert_null(ref);
    double y[1], want[1];
    output_of(net, y);
    const size_t sizes[] = {2, 3, 1};
    const int acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID};
    ref = create_net(3, sizes, acts);
    assert_int_equal(nn_init_random(ref, 11, NN_INIT_XAVIER, 0.0, 0.0), NN_OK);
    assert_int_equal(nn_set_custom_activation(ref, 1, scaled, scaled_deriv, NULL, "scaled"),
                     NN_OK);
    output_of(ref, want);
    assert_memory_equal(y, want, sizeof y);
    assert_string_equal(nn_get_activation_name(net, 1), "scaled");
    nn_free(ref);
    nn_free(net);
    free(text);
    nn_load_options_free(o);
}

/* Many activations (past any first capacity), each found by its name, with
   its own context. */
static void many_activations_and_contexts(void **state)
{
    (void)state;
    nn_load_options_t *o = NULL;
    assert_int_equal(nn_load_options_create(&o), NN_OK);
    char name[16];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "other%d", i);
        assert_int_equal(nn_load_options_add_activation(o, name, other, other_deriv, NULL),
                         NN_OK);
    }
    double three = 3.0;
    assert_int_equal(nn_load_options_add_activation(o, "scaled", scaled, scaled_deriv, &three),
                     NN_OK);
    size_t len = 0;
    char *text = model_text(&len, 1);
    nn_t *net = NULL;
    assert_int_equal(nn_load_buffer_with(&net, text, len, o, NULL, 0), NN_OK);
    double z[3], a[3];
    output_of(net, (double[1]){0});
    assert_int_equal(nn_get_net_inputs(net, 1, z, 3), NN_OK);
    assert_int_equal(nn_get_outputs(net, 1, a, 3), NN_OK);
    for (int j = 0; j < 3; j++)
        assert_true(a[j] == 3.0 * z[j] / (1.0 + fabs(z[j])));
    nn_free(net);
    free(text);
    nn_load_options_free(o);
}

static void max_bytes(void **state)
{
    (void)state;
    nn_load_options_t *o = NULL;
    assert_int_equal(nn_load_options_create(&o), NN_OK);
    assert_int_equal(nn_load_options_set_max_bytes(NULL, 10), NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_options_set_max_bytes(o, 0), NN_ERR_ARGUMENT);
    size_t len = 0;
    char *text = model_text(&len, 0);
    struct tmp t;
    write_tmp(&t, text, len);
    char msg[128], want[128];
    nn_t *net = NULL;
    /* the zero was refused: no cap yet */
    assert_int_equal(nn_load_buffer_with(&net, text, len, o, msg, sizeof msg), NN_OK);
    nn_free(net);
    /* exactly the input's length loads, from a buffer, a file and a pipe */
    assert_int_equal(nn_load_options_set_max_bytes(o, len), NN_OK);
    assert_int_equal(nn_load_buffer_with(&net, text, len, o, msg, sizeof msg), NN_OK);
    nn_free(net);
    assert_int_equal(nn_load_with(&net, t.path, o, msg, sizeof msg), NN_OK);
    nn_free(net);
    assert_int_equal(load_from_pipe(&net, text, len, o, msg, sizeof msg), NN_OK);
    assert_string_equal(msg, "");
    nn_free(net);
    /* one byte less is refused by all three */
    assert_int_equal(nn_load_options_set_max_bytes(o, len - 1), NN_OK);
    snprintf(want, sizeof want, "the input is longer than the %zu bytes allowed", len - 1);
    net = (nn_t *)1;
    assert_int_equal(nn_load_buffer_with(&net, text, len, o, msg, sizeof msg), NN_ERR_TOO_LARGE);
    assert_null(net);
    assert_string_equal(msg, want);
    assert_int_equal(nn_load_with(&net, t.path, o, msg, sizeof msg), NN_ERR_TOO_LARGE);
    assert_string_equal(msg, want);
    assert_int_equal(load_from_pipe(&net, text, len, o, msg, sizeof msg), NN_ERR_TOO_LARGE);
    assert_null(net);
    assert_string_equal(msg, want);
    /* a cap inside the header stops a pipe early too */
    assert_int_equal(nn_load_options_set_max_bytes(o, 20), NN_OK);
    assert_int_equal(load_from_pipe(&net, text, len, o, msg, sizeof msg), NN_ERR_TOO_LARGE);
    assert_string_equal(msg, "the input is longer than the 20 bytes allowed");
    /* a larger cap does not lift the loader's own (docs/format.md) */
    assert_int_equal(nn_load_options_set_max_bytes(o, (size_t)1 << 30), NN_OK);
    const size_t padded = len + 200000;
    char *long_text = malloc(padded);
    assert_non_null(long_text);
    memcpy(long_text, text, len);
    memset(long_text + len, '\n', padded - len);
    assert_int_equal(nn_load_buffer_with(&net, long_text, padded, o, msg, sizeof msg),
                     NN_ERR_FORMAT);
    assert_non_null(strstr(msg, "bytes these sizes allow"));
    free(long_text);
    remove_tmp(&t);
    free(text);
    nn_load_options_free(o);
}

/* A malformed input reports the same status and message from a buffer and a
   file, with and without options; a well formed one gives the same network. */
static void buffer_and_file_agree(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = model_text(&len, 1);
    nn_load_options_t *o = NULL;
    assert_int_equal(nn_load_options_create(&o), NN_OK);
    assert_int_equal(nn_load_options_add_activation(o, "scaled", scaled, scaled_deriv, NULL),
                     NN_OK);
    const size_t cuts[] = {len, len - 4, len / 2, 30, 3};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        for (int with = 0; with < 2; with++) {
            struct tmp t;
            write_tmp(&t, text, cuts[c]);
            const nn_load_options_t *opts = with ? o : NULL;
            char m1[160], m2[160];
            nn_t *a = NULL, *b = NULL;
            const nn_status s1 = nn_load_buffer_with(&a, text, cuts[c], opts, m1, sizeof m1);
            const nn_status s2 = nn_load_with(&b, t.path, opts, m2, sizeof m2);
            assert_int_equal(s1, s2);
            assert_string_equal(m1, m2);
            assert_int_equal(s1 == NN_OK, c == 0 && with);
            if (s1 == NN_OK) {
                char t1[4096], t2[4096];
                size_t l1 = 0, l2 = 0;
                assert_int_equal(nn_save_buffer(a, t1, sizeof t1, &l1), NN_OK);
                assert_int_equal(nn_save_buffer(b, t2, sizeof t2, &l2), NN_OK);
                assert_int_equal(l1, len);
                assert_memory_equal(t1, text, len);
                assert_memory_equal(t2, text, len);
            }
            nn_free(a);
            nn_free(b);
            remove_tmp(&t);
        }
    }
    free(text);
    nn_load_options_free(o);
}

/* NULL options are the defaults, the same as nn_load() and nn_load_buffer(). */
static void null_options_and_arguments(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = model_text(&len, 0);
    struct tmp t;
    write_tmp(&t, text, len);
    nn_t *net = NULL;
    char msg[64];
    assert_int_equal(nn_load_with(&net, t.path, NULL, NULL, 0), NN_OK);
    nn_free(net);
    assert_int_equal(nn_load_buffer_with(&net, text, len, NULL, msg, sizeof msg), NN_OK);
    assert_string_equal(msg, "");
    nn_free(net);
    net = (nn_t *)1;
    assert_int_equal(nn_load_with(&net, NULL, NULL, msg, sizeof msg), NN_ERR_NULL_ARG);
    assert_null(net);
    assert_string_equal(msg, nn_strerror(NN_ERR_NULL_ARG));
    assert_int_equal(nn_load_with(NULL, t.path, NULL, NULL, 0), NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_buffer_with(&net, NULL, 3, NULL, NULL, 0), NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_buffer_with(&net, text, len, NULL, NULL, 5), NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_with(&net, "/nonexistent/model.txt", NULL, msg, sizeof msg),
                     NN_ERR_IO);
    remove_tmp(&t);
    free(text);
}

/* A counting allocator: every block of a loaded network comes from it. */
struct counter {
    long allocs, frees;
};

static void *count_alloc(void *context, size_t size)
{
    ((struct counter *)context)->allocs++;
    return malloc(size);
}

static void count_dealloc(void *context, void *ptr)
{
    ((struct counter *)context)->frees++;
    free(ptr);
}

static void allocator(void **state)
{
    (void)state;
    nn_load_options_t *o = NULL;
    struct counter c = {0, 0};
    assert_int_equal(nn_load_options_create(&o), NN_OK);
    assert_int_equal(nn_load_options_set_allocator(NULL, count_alloc, count_dealloc, &c),
                     NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_options_set_allocator(o, NULL, count_dealloc, &c), NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_options_set_allocator(o, count_alloc, NULL, &c), NN_ERR_NULL_ARG);
    size_t len = 0;
    char *text = model_text(&len, 0);
    struct tmp t;
    write_tmp(&t, text, len);
    nn_t *net = NULL;
    /* refused settings left the defaults */
    assert_int_equal(nn_load_buffer_with(&net, text, len, o, NULL, 0), NN_OK);
    nn_free(net);
    assert_int_equal(c.allocs, 0);
    assert_int_equal(nn_load_options_set_allocator(o, count_alloc, count_dealloc, &c), NN_OK);
    assert_int_equal(nn_load_buffer_with(&net, text, len, o, NULL, 0), NN_OK);
    assert_int_equal(c.allocs, 1); /* the network */
    assert_int_equal(c.frees, 0);
    nn_free(net);
    assert_int_equal(c.frees, 1);
    /* a file: the window too, released before the call returns */
    assert_int_equal(nn_load_with(&net, t.path, o, NULL, 0), NN_OK);
    assert_int_equal(c.allocs, 3);
    assert_int_equal(c.frees, 2);
    /* the network keeps the allocator: its batch buffer comes from it */
    assert_int_equal(nn_reserve_batch(net, 8), NN_OK);
    assert_int_equal(c.allocs, 4);
    nn_free(net);
    assert_int_equal(c.frees, 4);
    remove_tmp(&t);
    free(text);
    nn_load_options_free(o);
}

/* The old loaders keep taking the first of two entries of the same name. */
static void old_loaders_keep_first_of_duplicates(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = model_text(&len, 1);
    const char *const names[2] = {"scaled", "scaled"};
    const nn_activation_fn fs[2] = {scaled, other};
    const nn_activation_deriv_fn dfs[2] = {scaled_deriv, other_deriv};
    nn_t *net = NULL;
    assert_int_equal(nn_load_buffer_ex(&net, text, len, 2, names, fs, dfs, NULL, NULL, 0),
                     NN_OK);
    double y[1], z[3], a[3];
    output_of(net, y);
    assert_int_equal(nn_get_net_inputs(net, 1, z, 3), NN_OK);
    assert_int_equal(nn_get_outputs(net, 1, a, 3), NN_OK);
    for (int j = 0; j < 3; j++)
        assert_true(a[j] == z[j] / (1.0 + fabs(z[j])));
    nn_free(net);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_and_free),
        cmocka_unit_test(add_activation_errors_leave_the_options),
        cmocka_unit_test(many_activations_and_contexts),
        cmocka_unit_test(max_bytes),
        cmocka_unit_test(buffer_and_file_agree),
        cmocka_unit_test(null_options_and_arguments),
        cmocka_unit_test(allocator),
        cmocka_unit_test(old_loaders_keep_first_of_duplicates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

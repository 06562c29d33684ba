/* Model files: exact round trips, the number syntax, locale independence,
   safe saving, and one test per class of malformed input.

   The expected values come from outside the library: C double literals and
   the C library's own printf("%a") and strtod() in the "C" locale, a
   hand-written model of worked example B (whose output is known), and
   arithmetic done here. Temporary files live in a fresh directory under the
   working directory. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* flock() and realpath() */

#include "check.h"

#include <backprop.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- utilities ---- */

/* xorshift64*: the test's own random numbers, independent of the library's. */
static uint64_t next_u64(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

static size_t next_below(uint64_t *s, size_t n)
{
    return (size_t)(next_u64(s) % n);
}

static double from_bits(uint64_t bits)
{
    double x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

static uint64_t to_bits(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits;
}

/* A finite double drawn so that every kind appears: random bit patterns,
   subnormals, signed zeros, the extremes, and ordinary small values. */
static double random_finite(uint64_t *s)
{
    switch (next_below(s, 8)) {
    case 0: return from_bits(next_u64(s) & ((UINT64_C(1) << 52) - 1)) * (next_u64(s) & 1 ? -1 : 1);
    case 1: return next_u64(s) & 1 ? -0.0 : 0.0;
    case 2: {
        static const double special[] = {DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN, DBL_EPSILON,
                                         1.0, -1.0, 0.1, 4.9406564584124654e-324};
        return special[next_below(s, sizeof special / sizeof special[0])];
    }
    case 3: return ((double)(next_u64(s) >> 11) / 9007199254740992.0 - 0.5) * 4.0;
    default: {
        for (;;) {
            const double x = from_bits(next_u64(s));
            if (isfinite(x))
                return x;
        }
    }
    }
}

/* Copies text into an allocation of exactly len bytes (no NUL), so that any
   read past the end is caught by AddressSanitizer. */
static char *exact_copy(const char *text, size_t len)
{
    char *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    return copy;
}

/* Loads len bytes of text from an exact-size copy with no custom activations. */
static nn_status load_copy(const char *text, size_t len, nn_t **net, char *msg, size_t msg_size)
{
    char *copy = exact_copy(text, len);
    const nn_status status =
        nn_load_buffer_ex(net, copy, len, 0, NULL, NULL, NULL, NULL, msg, msg_size);
    free(copy);
    return status;
}

static char *save_text(const nn_t *net, size_t *len)
{
    size_t n = 0;
    assert_int_equal(nn_save_buffer(net, NULL, 0, &n), NN_ERR_BUFFER_SIZE);
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    size_t written = 0;
    assert_int_equal(nn_save_buffer(net, buf, n + 1, &written), NN_OK);
    assert_int_equal(written, n);
    assert_int_equal(buf[n], '\0');
    assert_int_equal(strlen(buf), n);
    *len = n;
    return buf;
}

static nn_t *load_text(const char *text, size_t len)
{
    nn_t *net = NULL;
    char msg[256];
    const nn_status status = load_copy(text, len, &net, msg, sizeof msg);
    if (status != NN_OK)
        fail_msg("load failed with %d: %s", (int)status, msg);
    assert_string_equal(msg, "");
    return net;
}

static double *params_of(const nn_t *net)
{
    const size_t n = nn_param_count(net);
    double *p = malloc((n > 0 ? n : 1) * sizeof(double));
    assert_non_null(p);
    assert_int_equal(nn_get_params(net, p, n), NN_OK);
    return p;
}

/* Everything a model file holds, compared exactly; the loaded copy must have
   all gradients at +0 and no forward pass. */
static void assert_same_network(const nn_t *a, const nn_t *b)
{
    assert_int_equal(nn_layer_count(a), nn_layer_count(b));
    for (size_t k = 0; k < nn_layer_count(a); k++)
        assert_int_equal(nn_layer_size(a, k), nn_layer_size(b, k));
    for (size_t k = 1; k < nn_layer_count(a); k++) {
        assert_int_equal(nn_get_activation(a, k), nn_get_activation(b, k));
        assert_string_equal(nn_get_activation_name(a, k), nn_get_activation_name(b, k));
        assert_int_equal(nn_get_bias_mode(a, k), nn_get_bias_mode(b, k));
        int wa, ba, wb, bb;
        assert_int_equal(nn_get_frozen(a, k, &wa, &ba), NN_OK);
        assert_int_equal(nn_get_frozen(b, k, &wb, &bb), NN_OK);
        assert_int_equal(wa, wb);
        assert_int_equal(ba, bb);
    }
    assert_int_equal(nn_get_loss(a), nn_get_loss(b));
    const size_t n = nn_param_count(a);
    assert_int_equal(n, nn_param_count(b));
    double *pa = params_of(a), *pb = params_of(b);
    assert_memory_equal(pa, pb, n * sizeof(double));
    assert_int_equal(nn_get_grads(b, pb, n), NN_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(to_bits(pb[i]) == 0);
    free(pa);
    free(pb);
    double loss = 0.0, target[1] = {0.0};
    if (nn_output_count(b) == 1)
        assert_int_equal(nn_loss(b, target, &loss), NN_ERR_NO_FORWARD);
}

/* A copy of base with line `line` (from 1) replaced by text, or removed when
   text is NULL. */
static char *with_line(const char *base, size_t line, const char *text)
{
    const size_t room = strlen(base) + (text ? strlen(text) : 0) + 2;
    char *out = malloc(room);
    assert_non_null(out);
    const char *p = base;
    for (size_t k = 1; k < line; k++) {
        p = strchr(p, '\n');
        assert_non_null(p);
        p++;
    }
    const char *line_end = strchr(p, '\n');
    assert_non_null(line_end);
    size_t n = (size_t)(p - base);
    memcpy(out, base, n);
    if (text != NULL) {
        memcpy(out + n, text, strlen(text));
        n += strlen(text);
        out[n++] = '\n';
    }
    strcpy(out + n, line_end + 1);
    return out;
}

/* Loads len bytes and expects `expected` with a message "line N: ..." that
   contains needle (when not NULL); nn_load_buffer() must agree. */
static void expect_failure_n(const char *text, size_t len, nn_status expected, size_t line,
                             const char *needle)
{
    char *copy = exact_copy(text, len);
    nn_t *sentinel = (nn_t *)copy; /* any non-NULL value: it must be reset */
    nn_t *net = sentinel;
    char msg[256];
    const nn_status status =
        nn_load_buffer_ex(&net, copy, len, 0, NULL, NULL, NULL, NULL, msg, sizeof msg);
    if (status != expected)
        fail_msg("status %d, expected %d (message '%s')", (int)status, (int)expected, msg);
    assert_null(net);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "line %zu: ", line);
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        fail_msg("message '%s' does not begin with '%s'", msg, prefix);
    if (strlen(msg) <= strlen(prefix))
        fail_msg("message '%s' gives no reason", msg);
    if (needle != NULL && strstr(msg, needle) == NULL)
        fail_msg("message '%s' does not mention '%s'", msg, needle);
    net = sentinel;
    assert_int_equal(nn_load_buffer(&net, copy, len), expected);
    assert_null(net);
    free(copy);
}

static void expect_failure(const char *text, nn_status expected, size_t line, const char *needle)
{
    expect_failure_n(text, strlen(text), expected, line, needle);
}

/* Replaces one line of base and expects a format error on `line`. */
static void expect_line_failure(const char *base, size_t replaced, const char *text,
                                nn_status expected, size_t line, const char *needle)
{
    char *bad = with_line(base, replaced, text);
    expect_failure(bad, expected, line, needle);
    free(bad);
}

/* Worked example B (upGrad): 2-2-1, sigmoid then linear, per-neuron biases,
   written by hand, with the output bias frozen (which the forward pass
   ignores). Line numbers matter to the tests below. */
static const char example_b[] =
    "backprop-model 1\n"                                        /*  1 */
    "# worked example B, written by hand\n"                     /*  2 */
    "layers 3\n"                                                /*  3 */
    "sizes 2 2 1\n"                                             /*  4 */
    "loss half_sse\n"                                           /*  5 */
    "\n"                                                        /*  6 */
    "layer 1\n"                                                 /*  7 */
    "activation sigmoid\n"                                      /*  8 */
    "bias per_neuron\n"                                         /*  9 */
    "frozen none\n"                                             /* 10 */
    "weights 2 2\n"                                             /* 11 */
    "0x1.999999999999ap-3 0x1.3333333333333p-3\n"               /* 12 */
    "0x1p-1 0x1.3333333333333p-1\n"                             /* 13 */
    "biases 2\n"                                                /* 14 */
    "0x1.999999999999ap-4 0x1p-2\n"                             /* 15 */
    "\n"                                                        /* 16 */
    "layer 2\n"                                                 /* 17 */
    "activation linear\n"                                       /* 18 */
    "bias per_neuron\n"                                         /* 19 */
    "frozen biases\n"                                           /* 20 */
    "weights 1 2\n"                                             /* 21 */
    "0x1.3333333333333p-2 0x1.999999999999ap-3  # w211 w212\n"  /* 22 */
    "biases 1\n"                                                /* 23 */
    "0x1.999999999999ap-2\n"                                    /* 24 */
    "end\n";                                                    /* 25 */

/* The parameters of example B as decimal literals, in the flat order. */
static const double example_b_params[] = {0.2, 0.15, 0.5, 0.6, 0.1, 0.25, 0.3, 0.2, 0.4};

/* A 1-1 linear network whose only weight is x, saved; returns the text of the
   weight's line. */
static void weight_text(double x, char *out, size_t size)
{
    const size_t sizes[] = {1, 1};
    const int acts[] = {NN_ACT_LINEAR};
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 2, sizes, acts), NN_OK);
    assert_int_equal(nn_set_weights(net, 1, &x, 1), NN_OK);
    size_t len;
    char *text = save_text(net, &len);
    const char *p = strstr(text, "weights 1 1\n");
    assert_non_null(p);
    p += strlen("weights 1 1\n");
    const size_t n = strcspn(p, "\n");
    assert_true(n < size);
    memcpy(out, p, n);
    out[n] = '\0';
    free(text);
    nn_free(net);
}

/* Loads a 1-1 model whose weight is written `number`. */
static nn_status load_weight(const char *number, double *x, char *msg, size_t msg_size)
{
    char text[512];
    snprintf(text, sizeof text,
             "backprop-model 1\nlayers 2\nsizes 1 1\nloss mse\nlayer 1\nactivation linear\n"
             "bias per_neuron\nfrozen none\nweights 1 1\n%s\nbiases 1\n0x0p+0\nend\n",
             number);
    nn_t *net = NULL;
    const nn_status status = load_copy(text, strlen(text), &net, msg, msg_size);
    if (status == NN_OK) {
        assert_int_equal(nn_get_weights(net, 1, x, 1), NN_OK);
        nn_free(net);
    }
    return status;
}

/* A random network: 2 to 5 layers of 1 to 7 units, every setting drawn. */
static nn_t *random_network(uint64_t *s, int activation)
{
    size_t sizes[5];
    int acts[4];
    const size_t n_layers = 2 + next_below(s, 4);
    for (size_t k = 0; k < n_layers; k++)
        sizes[k] = 1 + next_below(s, 7);
    for (size_t k = 0; k + 1 < n_layers; k++)
        acts[k] = activation >= 0 ? activation : (int)next_below(s, 6);
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, n_layers, sizes, acts), NN_OK);
    for (size_t k = 1; k < n_layers; k++) {
        assert_int_equal(nn_set_bias_mode(net, k, (int)next_below(s, 2)), NN_OK);
        assert_int_equal(nn_set_frozen(net, k, (int)next_below(s, 2), (int)next_below(s, 2)),
                         NN_OK);
    }
    assert_int_equal(nn_set_loss(net, (int)next_below(s, 2)), NN_OK);
    const size_t n = nn_param_count(net);
    double *p = malloc(n * sizeof(double));
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = random_finite(s);
    assert_int_equal(nn_set_params(net, p, n), NN_OK);
    free(p);
    return net;
}

static void round_trip(const nn_t *net)
{
    size_t len = 0, len2 = 0;
    char *text = save_text(net, &len);
    nn_t *back = load_text(text, len);
    assert_same_network(net, back);
    char *again = save_text(back, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(text, again, len);
    free(again);
    free(text);
    nn_free(back);
}

/* A fresh directory under the working directory, and its removal. */
static char *make_dir(void)
{
    char *dir = strdup("test_io_XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    return dir;
}

static char *join(const char *dir, const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(path);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

/* Number of entries in dir, besides "." and "..". */
static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *path = join(dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            chmod(path, 0700);
            remove_tree(path);
        } else {
            unlink(path);
        }
        free(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Removes a directory from make_dir() with its contents, and frees its name. */
static void remove_dir(char *dir)
{
    remove_tree(dir);
    free(dir);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, fp);
    fclose(fp);
    return buf;
}

/* The file holds exactly the len bytes of text. */
static void assert_file_holds(const char *path, const char *text, size_t len)
{
    size_t file_len = 0;
    char *file = read_all(path, &file_len);
    assert_int_equal(file_len, len);
    assert_memory_equal(file, text, len);
    free(file);
}

/* The file loads to a copy of net. */
static void assert_file_loads_as(const char *path, const nn_t *net)
{
    nn_t *back = NULL;
    assert_int_equal(nn_load(&back, path), NN_OK);
    assert_same_network(net, back);
    nn_free(back);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---- custom activations for the tests ---- */

/* a = scale * z^3, with scale read from the context */
static void cube_f(void *context, size_t n, const double *z, double *a)
{
    const double scale = *(const double *)context;
    for (size_t i = 0; i < n; i++)
        a[i] = scale * z[i] * z[i] * z[i];
}

static void cube_df(void *context, size_t n, const double *z, const double *a, double *d)
{
    const double scale = *(const double *)context;
    (void)a;
    for (size_t i = 0; i < n; i++)
        d[i] = 3.0 * scale * z[i] * z[i];
}

/* a = z / 2 */
static void half_f(void *context, size_t n, const double *z, double *a)
{
    (void)context;
    for (size_t i = 0; i < n; i++)
        a[i] = 0.5 * z[i];
}

static void half_df(void *context, size_t n, const double *z, const double *a, double *d)
{
    (void)context;
    (void)z;
    (void)a;
    for (size_t i = 0; i < n; i++)
        d[i] = 0.5;
}

/* ---- tests ---- */

/* Every number is written exactly as glibc's printf("%a") writes it in the C
   locale, and reads back to the same bits. */
static void test_number_writer_matches_printf(void **state)
{
    (void)state;
    assert_non_null(setlocale(LC_ALL, "C"));
    uint64_t s = 12345;
    for (int i = 0; i < 3000; i++) {
        const double x = random_finite(&s);
        char mine[64], libc[64];
        weight_text(x, mine, sizeof mine);
#if defined(__GLIBC__)
        snprintf(libc, sizeof libc, "%a", x);
        assert_string_equal(mine, libc);
#endif
        double parsed = strtod(mine, NULL);
        assert_true(to_bits(parsed) == to_bits(x));
        (void)libc;
    }
    char text[64];
    weight_text(-0.0, text, sizeof text);
    assert_string_equal(text, "-0x0p+0");
    weight_text(0.1, text, sizeof text);
    assert_string_equal(text, "0x1.999999999999ap-4");
    weight_text(4.9406564584124654e-324, text, sizeof text);
    assert_string_equal(text, "0x0.0000000000001p-1022");
    weight_text(DBL_MAX, text, sizeof text);
    assert_string_equal(text, "0x1.fffffffffffffp+1023");
}

/* Hexadecimal numbers in any spelling are rounded correctly, ties to even;
   the expected values are exact binary fractions or the C library's strtod. */
static void test_number_reader(void **state)
{
    (void)state;
    assert_non_null(setlocale(LC_ALL, "C"));
    static const struct {
        const char *text;
        double value;
    } cases[] = {
        {"0x1p+0", 1.0},
        {"0X1P0", 1.0},
        {"+0x1p-0", 1.0},
        {"0x10p-4", 1.0},
        {"0x.8p1", 1.0},
        {"0x1.p0", 1.0},
        {"0x0.0000000000001p-1022", 4.9406564584124654e-324},
        {"0x1p-1074", 4.9406564584124654e-324},
        {"0x1p-1075", 0.0},                          /* a tie: rounds to even 0 */
        {"0x1.8p-1075", 4.9406564584124654e-324},    /* above the tie */
        {"0x1.00000000000008p0", 1.0},               /* tie, even stays */
        {"0x1.00000000000018p0", 1.0 + 2 * DBL_EPSILON}, /* tie, odd goes up */
        {"0x1.000000000000080000000000000001p0", 1.0 + DBL_EPSILON}, /* just above */
        {"0x1.0000000000000ffffffffffffffffp0", 1.0 + DBL_EPSILON},
        {"0x1.fffffffffffff7ffffp1023", DBL_MAX},
        {"0x0.fffffffffffff8p-1022", DBL_MIN},       /* subnormal rounds up to normal */
        {"0x00000000000000000000001p0", 1.0},
        {"0x1000000000000000000000000p-96", 1.0},
        {"0x1.999999999999ap-4", 0.1},
        {"-0x1.3333333333333p-3", -0.15},
        {"0x1p-99999999999999999999", 0.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double x = -1.0;
        char msg[128];
        const nn_status status = load_weight(cases[i].text, &x, msg, sizeof msg);
        if (status != NN_OK)
            fail_msg("'%s' refused: %s", cases[i].text, msg);
        if (to_bits(x) != to_bits(cases[i].value))
            fail_msg("'%s' read as %a, expected %a", cases[i].text, x, cases[i].value);
    }
    double x;
    char msg[128];
    assert_int_equal(load_weight("-0x0p+0", &x, msg, sizeof msg), NN_OK);
    assert_true(to_bits(x) == UINT64_C(1) << 63);

    /* random spellings against strtod */
    uint64_t s = 99;
    for (int i = 0; i < 3000; i++) {
        char number[160];
        size_t n = 0;
        static const char hex[] = "0123456789abcdefABCDEF";
        if (next_below(&s, 3) == 0)
            number[n++] = next_below(&s, 2) ? '-' : '+';
        number[n++] = '0';
        number[n++] = next_below(&s, 4) ? 'x' : 'X';
        const size_t int_digits = next_below(&s, 20), frac_digits = next_below(&s, 30);
        for (size_t d = 0; d < int_digits; d++)
            number[n++] = hex[next_below(&s, d == 0 && next_below(&s, 2) ? 1 : 22)];
        if (frac_digits > 0 || int_digits == 0) {
            number[n++] = '.';
            for (size_t d = 0; d < frac_digits || (int_digits == 0 && d == 0); d++)
                number[n++] = hex[next_below(&s, 22)];
        }
        n += (size_t)snprintf(number + n, sizeof number - n, "p%+d",
                              (int)next_below(&s, 2300) - 1200);
        const double expected = strtod(number, NULL);
        const nn_status status = load_weight(number, &x, msg, sizeof msg);
        if (!isfinite(expected)) {
            assert_int_equal(status, NN_ERR_FORMAT);
            assert_non_null(strstr(msg, "largest finite"));
        } else if (status != NN_OK) {
            fail_msg("'%s' refused: %s", number, msg);
        } else if (to_bits(x) != to_bits(expected)) {
            fail_msg("'%s' read as %a, strtod gives %a", number, x, expected);
        }
    }
}

/* Random networks of every built-in activation and every setting survive a
   round trip bit for bit, and saving again gives the same bytes. */
static void test_round_trip_random(void **state)
{
    (void)state;
    uint64_t s = 2024;
    for (int act = -1; act <= NN_ACT_SOFTPLUS; act++) {
        for (int i = 0; i < 40; i++) {
            nn_t *net = random_network(&s, act);
            round_trip(net);
            nn_free(net);
        }
    }
}

/* The largest layer count, and a layer of many units. */
static void test_round_trip_shapes(void **state)
{
    (void)state;
    size_t sizes[NN_MAX_LAYERS];
    int acts[NN_MAX_LAYERS];
    for (size_t k = 0; k < NN_MAX_LAYERS; k++) {
        sizes[k] = 1 + k % 2;
        acts[k] = (int)(k % 6);
    }
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, NN_MAX_LAYERS, sizes, acts), NN_OK);
    assert_int_equal(nn_init_random(net, 7, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    assert_int_equal(nn_set_bias_mode(net, 5, NN_BIAS_SHARED), NN_OK);
    round_trip(net);
    nn_free(net);

    const size_t wide[] = {300, 200, 3};
    const int wide_acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID};
    assert_int_equal(nn_create(&net, 3, wide, wide_acts), NN_OK);
    assert_int_equal(nn_init_random(net, 8, NN_INIT_XAVIER, 0.0, 0.0), NN_OK);
    round_trip(net);
    nn_free(net);
}

/* The hand-written example B loads to the decimal parameters it encodes, and
   its forward pass gives the published output. */
static void test_hand_written_model(void **state)
{
    (void)state;
    nn_t *net = load_text(example_b, strlen(example_b));
    assert_int_equal(nn_param_count(net), 9);
    double *p = params_of(net);
    assert_memory_equal(p, example_b_params, sizeof example_b_params);
    free(p);
    assert_int_equal(nn_get_activation(net, 1), NN_ACT_SIGMOID);
    assert_int_equal(nn_get_activation(net, 2), NN_ACT_LINEAR);
    int fw, fb;
    assert_int_equal(nn_get_frozen(net, 2, &fw, &fb), NN_OK);
    assert_int_equal(fw, 0);
    assert_int_equal(fb, 1);
    const double x[2] = {-0.32, -0.66};
    double out = 0.0;
    assert_int_equal(nn_forward(net, x, &out), NN_OK);
    assert_rel(out, 0.630094840684, 1e-11);
    nn_free(net);

    /* accepted variations: CRLF, tabs, comments, no final newline, uppercase */
    char *crlf = malloc(2 * sizeof example_b);
    assert_non_null(crlf);
    size_t n = 0;
    for (const char *c = example_b; *c; c++) {
        if (*c == '\n')
            crlf[n++] = '\r';
        crlf[n++] = *c;
    }
    crlf[n] = '\0';
    net = load_text(crlf, n);
    p = params_of(net);
    assert_memory_equal(p, example_b_params, sizeof example_b_params);
    free(p);
    nn_free(net);
    free(crlf);

    char *variant = with_line(example_b, 12, "\t0X1.999999999999AP-3\t  0x1.3333333333333P-3 # c");
    char *variant2 = with_line(variant, 2, "   # indented comment");
    net = load_text(variant2, strlen(variant2) - 1); /* without the final newline */
    p = params_of(net);
    assert_memory_equal(p, example_b_params, sizeof example_b_params);
    free(p);
    nn_free(net);
    free(variant);
    free(variant2);
}

/* Custom activations are saved by name and restored only through the
   extended loader, with the caller's functions and contexts. */
static void test_custom_activations(void **state)
{
    (void)state;
    double scale = 0.75;
    const size_t sizes[] = {2, 3, 2, 1};
    const int acts[] = {NN_ACT_LINEAR, NN_ACT_TANH, NN_ACT_LINEAR};
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 4, sizes, acts), NN_OK);
    assert_int_equal(nn_set_custom_activation(net, 1, cube_f, cube_df, &scale, "cube"), NN_OK);
    /* a custom activation named like a built-in one stays custom */
    assert_int_equal(nn_set_custom_activation(net, 3, half_f, half_df, NULL, "tanh"), NN_OK);
    assert_int_equal(nn_init_random(net, 3, NN_INIT_UNIFORM, -0.5, 0.5), NN_OK);
    size_t len;
    char *text = save_text(net, &len);
    assert_non_null(strstr(text, "\nactivation custom cube\n"));
    assert_non_null(strstr(text, "\nactivation tanh\n"));
    assert_non_null(strstr(text, "\nactivation custom tanh\n"));
    /* the line of the first custom activation, counted here */
    size_t line = 1;
    for (const char *c = text; c < strstr(text, "activation custom cube"); c++)
        line += *c == '\n';

    expect_failure_n(text, len, NN_ERR_UNKNOWN_NAME, line, "cube");

    const char *names[] = {"unused", "tanh", "cube"};
    const nn_activation_fn fs[] = {half_f, half_f, cube_f};
    const nn_activation_deriv_fn dfs[] = {half_df, half_df, cube_df};
    void *const contexts[] = {NULL, NULL, &scale};
    char msg[128];
    nn_t *back = NULL;
    char *copy = exact_copy(text, len);
    assert_int_equal(nn_load_buffer_ex(&back, copy, len, 3, names, fs, dfs, contexts, msg,
                                       sizeof msg),
                     NN_OK);
    assert_string_equal(msg, "");
    assert_same_network(net, back);
    assert_int_equal(nn_get_activation(back, 1), NN_ACT_CUSTOM);
    assert_int_equal(nn_get_activation(back, 2), NN_ACT_TANH);
    assert_int_equal(nn_get_activation(back, 3), NN_ACT_CUSTOM);
    assert_string_equal(nn_get_activation_name(back, 3), "tanh");

    /* the forward pass uses the supplied functions: compare with arithmetic
       done here from the loaded parameters */
    const double x[2] = {0.3, -0.7};
    double out_back = 0.0;
    assert_int_equal(nn_forward(back, x, &out_back), NN_OK);
    double *p = params_of(back);
    double h1[3], h2[2];
    const double *q = p;
    for (int j = 0; j < 3; j++) {
        const double z = q[2 * j] * x[0] + q[2 * j + 1] * x[1] + q[6 + j];
        h1[j] = scale * z * z * z;
    }
    q += 9;
    for (int j = 0; j < 2; j++)
        h2[j] = tanh(q[3 * j] * h1[0] + q[3 * j + 1] * h1[1] + q[3 * j + 2] * h1[2] + q[6 + j]);
    q += 8;
    const double expected = 0.5 * (q[0] * h2[0] + q[1] * h2[1] + q[2]);
    assert_abs(out_back, expected, 1e-13);
    free(p);
    nn_free(back);

    /* one name missing: the other custom layer's line is named */
    size_t line3 = 1;
    for (const char *c = text; c < strstr(text, "activation custom tanh"); c++)
        line3 += *c == '\n';
    back = (nn_t *)copy;
    assert_int_equal(nn_load_buffer_ex(&back, copy, len, 1, names + 2, fs + 2, dfs + 2,
                                       contexts + 2, msg, sizeof msg),
                     NN_ERR_UNKNOWN_NAME);
    assert_null(back);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "line %zu: ", line3);
    assert_memory_equal(msg, prefix, strlen(prefix));

    /* the caller's arrays are checked */
    const char *bad_names[] = {"cube", "no spaces"};
    assert_int_equal(nn_load_buffer_ex(&back, copy, len, 2, bad_names, fs, dfs, NULL, msg,
                                       sizeof msg),
                     NN_ERR_NAME);
    const char *long_names[] = {"a_name_that_is_longer_than_31_chars"};
    assert_int_equal(nn_load_buffer_ex(&back, copy, len, 1, long_names, fs, dfs, NULL, msg,
                                       sizeof msg),
                     NN_ERR_NAME);
    assert_int_equal(nn_load_buffer_ex(&back, copy, len, 1, NULL, fs, dfs, NULL, msg,
                                       sizeof msg),
                     NN_ERR_NULL_ARG);
    const nn_activation_fn null_fs[] = {NULL};
    assert_int_equal(nn_load_buffer_ex(&back, copy, len, 1, names, null_fs, dfs, NULL, msg,
                                       sizeof msg),
                     NN_ERR_NULL_ARG);
    assert_null(back);
    free(copy);
    free(text);
    nn_free(net);
}

/* Files: exact round trip, replacement, no temporary left behind, the old
   file's permissions kept. */
static void test_file_round_trip(void **state)
{
    (void)state;
    char *dir = make_dir();
    char *path = join(dir, "model.txt");
    uint64_t s = 77;
    nn_t *net = random_network(&s, -1);
    assert_int_equal(nn_save(net, path), NN_OK);
    assert_int_equal(count_entries(dir), 1);
    size_t text_len = 0;
    char *text = save_text(net, &text_len);
    assert_file_holds(path, text, text_len);
    free(text);
    assert_file_loads_as(path, net);

    /* replace it with another network; permissions stay */
    assert_int_equal(chmod(path, 0640), 0);
    nn_t *other = random_network(&s, NN_ACT_RELU);
    assert_int_equal(nn_save(other, path), NN_OK);
    assert_int_equal(count_entries(dir), 1);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    nn_t *back = NULL;
    char msg[64];
    assert_int_equal(nn_load_ex(&back, path, 0, NULL, NULL, NULL, NULL, msg, sizeof msg), NN_OK);
    assert_string_equal(msg, "");
    assert_same_network(other, back);
    nn_free(back);

    /* missing file */
    char *missing = join(dir, "missing.txt");
    back = other;
    assert_int_equal(nn_load(&back, missing), NN_ERR_IO);
    assert_null(back);
    assert_int_equal(nn_load_ex(&back, missing, 0, NULL, NULL, NULL, NULL, msg, sizeof msg),
                     NN_ERR_IO);
    assert_true(strlen(msg) > 0);
    assert_int_equal(nn_load(&back, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_load(NULL, path), NN_ERR_NULL_ARG);
    assert_int_equal(nn_save(NULL, path), NN_ERR_NULL_ARG);
    assert_int_equal(nn_save(net, NULL), NN_ERR_NULL_ARG);
    assert_false(file_exists(missing));

    free(missing);
    nn_free(other);
    nn_free(net);
    free(path);
    remove_dir(dir);
}

/* The buffer variant behaves like snprintf and never writes a partial model. */
static void test_buffer_sizes(void **state)
{
    (void)state;
    uint64_t s = 5;
    nn_t *net = random_network(&s, NN_ACT_SIGMOID);
    size_t len = 0;
    assert_int_equal(nn_save_buffer(net, NULL, 0, &len), NN_ERR_BUFFER_SIZE);
    assert_true(len > 0);
    char *buf = malloc(len + 16);
    assert_non_null(buf);
    for (size_t size = 1; size <= len; size += (size < 64 ? 1 : 97)) {
        memset(buf, 'Z', len + 16);
        size_t got = 0;
        assert_int_equal(nn_save_buffer(net, buf, size, &got), NN_ERR_BUFFER_SIZE);
        assert_int_equal(got, len);
        for (size_t i = 0; i < len + 16; i++)
            assert_int_equal(buf[i], 'Z');
    }
    memset(buf, 'Z', len + 16);
    size_t got = 0;
    assert_int_equal(nn_save_buffer(net, buf, len, &got), NN_ERR_BUFFER_SIZE);
    assert_int_equal(buf[0], 'Z');
    assert_int_equal(nn_save_buffer(net, buf, len + 1, &got), NN_OK);
    assert_int_equal(got, len);
    assert_int_equal(buf[len], '\0');
    assert_int_equal(strlen(buf), len);
    assert_int_equal(buf[len + 1], 'Z');
    assert_memory_equal(buf, "backprop-model 1\n", 17);

    assert_int_equal(nn_save_buffer(net, NULL, 5, &got), NN_ERR_NULL_ARG);
    assert_int_equal(nn_save_buffer(net, buf, len + 1, NULL), NN_ERR_NULL_ARG);
    assert_int_equal(nn_save_buffer(NULL, buf, len + 1, &got), NN_ERR_NULL_ARG);
    nn_t *back = NULL;
    assert_int_equal(nn_load_buffer(&back, NULL, 3), NN_ERR_NULL_ARG);
    assert_int_equal(nn_load_buffer(NULL, buf, len), NN_ERR_NULL_ARG);

    /* a short message buffer is truncated and terminated */
    char msg[8];
    memset(msg, 'Z', sizeof msg);
    assert_int_equal(nn_load_buffer_ex(&back, "backprop-model 7\n", 17, 0, NULL, NULL, NULL, NULL,
                                       msg, sizeof msg),
                     NN_ERR_FORMAT);
    assert_string_equal(msg, "line 1:");
    free(buf);
    nn_free(net);
}

/* A decimal-comma locale changes not one byte of the output, and reading
   does not depend on it either. The locale must exist. */
static void test_locale_independence(void **state)
{
    (void)state;
    uint64_t s = 31;
    nn_t *net = random_network(&s, NN_ACT_TANH);
    assert_non_null(setlocale(LC_ALL, "C"));
    size_t len_c = 0, len_de = 0;
    char *text_c = save_text(net, &len_c);
    double *b_params = NULL;

    if (setlocale(LC_ALL, "de_DE.UTF-8") == NULL)
        fail_msg("the de_DE.UTF-8 locale is not installed (generate it with locale-gen); "
                 "this test needs it");
    /* the locale really uses a decimal comma */
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 0.5);
    assert_string_equal(probe, "0,5");
    char *end = NULL;
    (void)strtod("0.5", &end);
    assert_int_equal(*end, '.'); /* strtod would stop at the point here */

    char *text_de = save_text(net, &len_de);
    assert_int_equal(len_c, len_de);
    assert_memory_equal(text_c, text_de, len_c);

    nn_t *back = load_text(text_c, len_c);
    assert_same_network(net, back);
    nn_free(back);
    back = load_text(example_b, strlen(example_b));
    b_params = params_of(back);
    assert_memory_equal(b_params, example_b_params, sizeof example_b_params);
    nn_free(back);

    char *dir = make_dir();
    char *path = join(dir, "de.txt");
    assert_int_equal(nn_save(net, path), NN_OK);
    assert_file_holds(path, text_c, len_c);
    assert_file_loads_as(path, net);

    assert_non_null(setlocale(LC_ALL, "C"));
    free(path);
    remove_dir(dir);
    free(b_params);
    free(text_c);
    free(text_de);
    nn_free(net);
}

/* Training cannot make a network unsavable: the step that would overflow is
   refused (NN_ERR_DIVERGED) and the network saves as before. Saving a network
   that holds a NaN or an infinity, which only memory written by hand can now
   hold, is refused: see tests/test_divergence.c. */
static void test_non_finite_refused(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 1};
    const int acts[] = {NN_ACT_LINEAR};
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 2, sizes, acts), NN_OK);
    const double big = 1e300, one = 1.0, zero = 0.0;
    assert_int_equal(nn_set_weights(net, 1, &big, 1), NN_OK);

    char *dir = make_dir();
    char *kept = join(dir, "kept.txt");
    assert_int_equal(nn_save(net, kept), NN_OK);
    size_t kept_len = 0;
    char *kept_text = read_all(kept, &kept_len);

    double out, w;
    assert_int_equal(nn_forward(net, &big, &out), NN_ERR_DIVERGED); /* 1e600 */
    assert_int_equal(nn_forward(net, &one, &out), NN_OK);
    assert_int_equal(nn_backward(net, &zero), NN_OK);
    assert_int_equal(nn_step(net, 1e300), NN_ERR_DIVERGED); /* 1e300 - 1e600 */
    assert_int_equal(nn_get_weights(net, 1, &w, 1), NN_OK);
    assert_true(w == big);
    assert_int_equal(nn_save(net, kept), NN_OK);
    assert_file_holds(kept, kept_text, kept_len);
    assert_int_equal(count_entries(dir), 1);
    free(kept_text);
    free(kept);
    remove_dir(dir);
    nn_free(net);
}

/* A save that cannot complete leaves the old file and no temporary behind. */
static void test_failed_save_keeps_old_file(void **state)
{
    (void)state;
    uint64_t s = 11;
    nn_t *good = random_network(&s, NN_ACT_SIGMOID);
    nn_t *other = random_network(&s, NN_ACT_RELU);
    char *dir = make_dir();

    /* the target is a directory: the rename fails, the temporary is removed */
    char *sub = join(dir, "sub");
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(nn_save(good, sub), NN_ERR_IO);
    assert_int_equal(count_entries(dir), 1);
    assert_int_equal(count_entries(sub), 0);

    /* a directory that does not exist, and an empty path */
    char *missing = join(dir, "missing/model.txt");
    assert_int_equal(nn_save(good, missing), NN_ERR_IO);
    assert_int_equal(nn_save(good, ""), NN_ERR_IO);
    assert_int_equal(count_entries(dir), 1);

    /* a directory that cannot be written (only testable without root's powers) */
    char *path = join(sub, "model.txt");
    assert_int_equal(nn_save(good, path), NN_OK);
    size_t old_len = 0;
    char *old = read_all(path, &old_len);
    assert_int_equal(chmod(sub, 0500), 0);
    char *probe = join(sub, "probe");
    FILE *fp = fopen(probe, "w");
    if (fp == NULL) {
        assert_int_equal(nn_save(other, path), NN_ERR_IO);
        assert_file_holds(path, old, old_len);
    } else {
        fclose(fp);
        unlink(probe);
    }
    assert_int_equal(chmod(sub, 0700), 0);
    assert_int_equal(count_entries(sub), 1);

    /* writing fails half way (a file size limit binds root too): the
       temporary is removed and the old file kept */
    const size_t wide[] = {200, 100, 2};
    const int wide_acts[] = {NN_ACT_TANH, NN_ACT_LINEAR};
    nn_t *big = NULL;
    assert_int_equal(nn_create(&big, 3, wide, wide_acts), NN_OK);
    assert_int_equal(nn_init_random(big, 1, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    struct rlimit saved_limit, small_limit;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved_limit), 0);
    small_limit = saved_limit;
    small_limit.rlim_cur = 4096;
    void (*saved_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small_limit), 0);
    const nn_status big_status = nn_save(big, path);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved_limit), 0);
    signal(SIGXFSZ, saved_handler);
    assert_int_equal(big_status, NN_ERR_IO);
    assert_int_equal(count_entries(sub), 1);
    assert_file_holds(path, old, old_len);
    /* without the limit the same save works, and replaces the file */
    assert_int_equal(nn_save(big, path), NN_OK);
    assert_int_equal(count_entries(sub), 1);
    assert_file_loads_as(path, big);
    nn_free(big);

    /* a directory is not a model file */
    nn_t *back = good;
    assert_int_equal(nn_load(&back, sub), NN_ERR_IO);
    assert_null(back);

    free(probe);
    free(old);
    free(path);
    free(missing);
    free(sub);
    remove_dir(dir);
    nn_free(good);
    nn_free(other);
}

/* ---- where a save goes: links, non-regular targets, modes, temporaries ---- */

static int is_symlink(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* Symbolic links are followed: the target file gets the model, the link stays,
   the temporary lives in the target's directory, a dangling link creates its
   target, a loop of links is refused. */
static void test_save_follows_links(void **state)
{
    (void)state;
    uint64_t s = 31;
    nn_t *a = random_network(&s, NN_ACT_SIGMOID);
    nn_t *b = random_network(&s, NN_ACT_TANH);
    char *dir = make_dir();
    char *sub = join(dir, "sub");
    assert_int_equal(mkdir(sub, 0700), 0);
    char *file = join(sub, "model.txt");
    char *link = join(dir, "link.txt");
    assert_int_equal(nn_save(a, file), NN_OK);
    assert_int_equal(chmod(file, 0640), 0);
    /* a relative link counts from its own directory */
    assert_int_equal(symlink("sub/model.txt", link), 0);
    assert_int_equal(nn_save(b, link), NN_OK);
    assert_true(is_symlink(link));
    assert_file_loads_as(file, b);
    assert_file_loads_as(link, b);
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_int_equal(count_entries(dir), 2); /* sub and the link */
    assert_int_equal(count_entries(sub), 1);

    /* a chain of two links, the second absolute */
    char *chain = join(dir, "chain.txt");
    char *abs_file = realpath(file, NULL);
    assert_non_null(abs_file);
    char *abs_link = join(sub, "abs.txt");
    assert_int_equal(symlink(abs_file, abs_link), 0);
    assert_int_equal(symlink("sub/abs.txt", chain), 0);
    assert_int_equal(nn_save(a, chain), NN_OK);
    assert_true(is_symlink(chain));
    assert_true(is_symlink(abs_link));
    assert_file_loads_as(file, a);
    assert_int_equal(count_entries(sub), 2);

    /* a dangling link creates its target */
    char *dangling = join(dir, "dangling.txt");
    char *created = join(sub, "new.txt");
    assert_int_equal(symlink("sub/new.txt", dangling), 0);
    assert_int_equal(nn_save(b, dangling), NN_OK);
    assert_true(is_symlink(dangling));
    assert_file_loads_as(created, b);
    assert_int_equal(count_entries(sub), 3);

    /* a loop of links */
    char *loop1 = join(dir, "loop1"), *loop2 = join(dir, "loop2");
    assert_int_equal(symlink("loop2", loop1), 0);
    assert_int_equal(symlink("loop1", loop2), 0);
    assert_int_equal(nn_save(a, loop1), NN_ERR_IO);
    assert_true(is_symlink(loop1));
    assert_true(is_symlink(loop2));
    assert_int_equal(count_entries(dir), 6);
    assert_int_equal(count_entries(sub), 3);

    free(loop1);
    free(loop2);
    free(created);
    free(dangling);
    free(abs_link);
    free(abs_file);
    free(chain);
    free(link);
    free(file);
    free(sub);
    remove_dir(dir);
    nn_free(a);
    nn_free(b);
}

/* A FIFO, a socket, a device and a directory are refused without being
   opened: a FIFO without a reader would block an open for writing, so the
   alarm ends the test if the save blocks. */
static void test_save_refuses_non_regular(void **state)
{
    (void)state;
    uint64_t s = 37;
    nn_t *net = random_network(&s, NN_ACT_RELU);
    char *dir = make_dir();
    struct stat st;

    char *fifo = join(dir, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(20);
    assert_int_equal(nn_save(net, fifo), NN_ERR_IO);
    alarm(0);
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));

    char *sock_path = join(dir, "socket");
    const int sock = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(sock >= 0);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    assert_true(strlen(sock_path) < sizeof addr.sun_path);
    strcpy(addr.sun_path, sock_path);
    assert_int_equal(bind(sock, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(nn_save(net, sock_path), NN_ERR_IO);
    assert_int_equal(lstat(sock_path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    close(sock);

    /* a device, reached through a link (the link is followed, the device
       refused, and neither is replaced) */
    char *dev_link = join(dir, "null-link");
    assert_int_equal(symlink("/dev/null", dev_link), 0);
    assert_int_equal(nn_save(net, dev_link), NN_ERR_IO);
    assert_true(is_symlink(dev_link));
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));

    char *sub = join(dir, "sub");
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(nn_save(net, sub), NN_ERR_IO);
    assert_int_equal(count_entries(sub), 0);
    /* nothing else appeared: no temporary left behind */
    assert_int_equal(count_entries(dir), 4);

    free(sub);
    free(dev_link);
    free(sock_path);
    free(fifo);
    remove_dir(dir);
    nn_free(net);
}

/* A new file gets 0666 less the umask, a replaced one keeps its mode (the
   mode during the write is checked by the save_syscalls suite). */
static void test_save_modes(void **state)
{
    (void)state;
    uint64_t s = 41;
    nn_t *net = random_network(&s, NN_ACT_LINEAR);
    char *dir = make_dir();
    char *path = join(dir, "model.txt");
    const mode_t old_mask = umask(027);
    assert_int_equal(nn_save(net, path), NN_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    umask(0);
    char *path2 = join(dir, "model2.txt");
    assert_int_equal(nn_save(net, path2), NN_OK);
    assert_int_equal(stat(path2, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0666);
    /* a replaced file keeps its mode whatever the umask */
    assert_int_equal(chmod(path2, 0604), 0);
    umask(077);
    assert_int_equal(nn_save(net, path2), NN_OK);
    assert_int_equal(stat(path2, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0604);
    umask(old_mask);
    assert_int_equal(count_entries(dir), 2);
    free(path2);
    free(path);
    remove_dir(dir);
    nn_free(net);
}

static void make_file(const char *dir, const char *name, const char *text)
{
    char *path = join(dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    free(path);
}

static int exists_in(const char *dir, const char *name)
{
    char *path = join(dir, name);
    const int found = file_exists(path);
    free(path);
    return found;
}

/* A save removes the temporaries that killed savers left beside its target,
   but not one that a live saver holds locked, and nothing else. */
static void test_save_removes_leftovers(void **state)
{
    (void)state;
    uint64_t s = 43;
    nn_t *net = random_network(&s, NN_ACT_SIGMOID);
    char *dir = make_dir();
    char *path = join(dir, "model.txt");
    make_file(dir, ".model.txt.0123456789abcdef.tmp", "half a model");
    make_file(dir, ".model.txt.fedcba9876543210.tmp", "");
    make_file(dir, ".model.txt.00000000ffffffff.tmp", "backprop-model 1\n");
    make_file(dir, ".model.txt.1111111111111111.tmp", "held by a live saver");
    /* names that are not this target's temporaries */
    const char *others[] = {".model.txt.backup.tmp", ".model.txt.0123456789ABCDEF.tmp",
                            ".model.txt.0123456789abcde.tmp", ".other.txt.0123456789abcdef.tmp",
                            "model.txt.tmp.123.0", ".model.txt.0123456789abcdef.tmpx"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        make_file(dir, others[i], "keep");
    char *held = join(dir, ".model.txt.1111111111111111.tmp");
    const int held_fd = open(held, O_RDONLY);
    assert_true(held_fd >= 0);
    assert_int_equal(flock(held_fd, LOCK_EX | LOCK_NB), 0);

    assert_int_equal(nn_save(net, path), NN_OK);
    assert_file_loads_as(path, net);
    assert_false(exists_in(dir, ".model.txt.0123456789abcdef.tmp"));
    assert_false(exists_in(dir, ".model.txt.fedcba9876543210.tmp"));
    assert_false(exists_in(dir, ".model.txt.00000000ffffffff.tmp"));
    assert_true(exists_in(dir, ".model.txt.1111111111111111.tmp"));
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        assert_true(exists_in(dir, others[i]));
    assert_int_equal(count_entries(dir), 2 + sizeof others / sizeof others[0]);

    /* once its saver is gone, the next save removes it too */
    close(held_fd);
    assert_int_equal(nn_save(net, path), NN_OK);
    assert_false(exists_in(dir, ".model.txt.1111111111111111.tmp"));
    assert_int_equal(count_entries(dir), 1 + sizeof others / sizeof others[0]);

    free(held);
    free(path);
    remove_dir(dir);
    nn_free(net);
}

/* Savers of one target in four processes at once: every save succeeds
   (none removes another's temporary, though each cleans up beside the
   target), and afterwards the target alone remains, holding one of the
   models. */
static void test_concurrent_saves(void **state)
{
    (void)state;
    uint64_t s = 53;
    nn_t *nets[4];
    for (int i = 0; i < 4; i++)
        nets[i] = random_network(&s, NN_ACT_TANH);
    char *dir = make_dir();
    char *path = join(dir, "model.txt");
    fflush(NULL);
    pid_t children[4];
    for (int i = 0; i < 4; i++) {
        children[i] = fork();
        assert_true(children[i] >= 0);
        if (children[i] == 0) {
            int failed = 0;
            for (int k = 0; k < 40; k++)
                failed += nn_save(nets[i], path) != NN_OK;
            _exit(failed == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < 4; i++) {
        int status = -1;
        assert_int_equal(waitpid(children[i], &status, 0), children[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(count_entries(dir), 1);
    nn_t *back = NULL;
    assert_int_equal(nn_load(&back, path), NN_OK);
    size_t len = 0, n = 0;
    char *text = save_text(back, &len);
    int matches = 0;
    for (int i = 0; i < 4; i++) {
        char *mine = save_text(nets[i], &n);
        matches += n == len && memcmp(mine, text, len) == 0;
        free(mine);
        nn_free(nets[i]);
    }
    assert_int_equal(matches, 1);
    free(text);
    nn_free(back);
    free(path);
    remove_dir(dir);
}

/* Names up to the longest a directory entry may have can be saved (the
   temporary's name is cut to fit), and the next save finds its leftovers. */
static void test_save_long_names(void **state)
{
    (void)state;
    uint64_t s = 47;
    nn_t *net = random_network(&s, NN_ACT_TANH);
    char *dir = make_dir();
    const size_t lengths[] = {200, 233, 234, 250, 255};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        char name[256];
        memset(name, 'm', lengths[i] - 4);
        memcpy(name + lengths[i] - 4, ".txt", 5);
        char *path = join(dir, name);
        assert_int_equal(nn_save(net, path), NN_OK);
        assert_file_loads_as(path, net);
        assert_int_equal(count_entries(dir), i + 1);
        free(path);
    }
    /* a leftover temporary of the 255-byte name: its base cut to 233 bytes */
    char leftover[256] = ".";
    memset(leftover + 1, 'm', 233);
    memcpy(leftover + 234, ".0123456789abcdef.tmp", 22);
    make_file(dir, leftover, "half");
    char name[256];
    memset(name, 'm', 251);
    memcpy(name + 251, ".txt", 5);
    char *path = join(dir, name);
    assert_int_equal(nn_save(net, path), NN_OK);
    assert_false(exists_in(dir, leftover));
    assert_int_equal(count_entries(dir), sizeof lengths / sizeof lengths[0]);
    free(path);
    remove_dir(dir);
    nn_free(net);
}

/* An allocator that fails once told to. */
struct switch_alloc {
    int fail;
    size_t live;
};

static void *switch_alloc_fn(void *context, size_t size)
{
    struct switch_alloc *a = context;
    if (a->fail)
        return NULL;
    void *p = malloc(size);
    if (p != NULL)
        a->live++;
    return p;
}

static void switch_dealloc_fn(void *context, void *ptr)
{
    struct switch_alloc *a = context;
    if (ptr != NULL)
        a->live--;
    free(ptr);
}

/* Running out of memory during a save is NN_ERR_NO_MEMORY, and changes
   nothing on the disk. */
static void test_save_no_memory(void **state)
{
    (void)state;
    struct switch_alloc alloc = {0, 0};
    const size_t sizes[] = {3, 4, 2};
    const int acts[] = {NN_ACT_TANH, NN_ACT_LINEAR};
    nn_t *net = NULL;
    assert_int_equal(nn_create_with_allocator(&net, 3, sizes, acts, switch_alloc_fn,
                                              switch_dealloc_fn, &alloc),
                     NN_OK);
    assert_int_equal(nn_init_random(net, 5, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    char *dir = make_dir();
    char *path = join(dir, "model.txt");
    alloc.fail = 1;
    assert_int_equal(nn_save(net, path), NN_ERR_NO_MEMORY);
    assert_int_equal(count_entries(dir), 0);
    alloc.fail = 0;
    assert_int_equal(nn_save(net, path), NN_OK);
    assert_int_equal(alloc.live, 1); /* the network only: the save released its memory */
    size_t len = 0;
    char *old = read_all(path, &len);
    alloc.fail = 1;
    assert_int_equal(nn_save(net, path), NN_ERR_NO_MEMORY);
    assert_file_holds(path, old, len);
    assert_int_equal(count_entries(dir), 1);
    alloc.fail = 0;
    free(old);
    free(path);
    remove_dir(dir);
    nn_free(net);
    assert_int_equal(alloc.live, 0);
}

/* ---- how much a loader reads ---- */

/* What is neither a regular file nor a pipe is refused, quickly: /dev/zero
   would otherwise be read until memory runs out. */
static void test_load_refuses_devices(void **state)
{
    (void)state;
    char msg[128];
    nn_t *net = NULL;
    const time_t start = time(NULL);
    assert_int_equal(nn_load_ex(&net, "/dev/zero", 0, NULL, NULL, NULL, NULL, msg, sizeof msg),
                     NN_ERR_IO);
    assert_null(net);
    assert_non_null(strstr(msg, "not a regular file or a pipe"));
    assert_true(time(NULL) - start <= 2);
    char *dir = make_dir();
    assert_int_equal(nn_load_ex(&net, dir, 0, NULL, NULL, NULL, NULL, msg, sizeof msg), NN_ERR_IO);
    assert_non_null(strstr(msg, "not a regular file or a pipe"));
    remove_dir(dir);
}

/* Writes len bytes of text into a FIFO from a child process, loads it in
   this one; returns the status and fills msg. */
static nn_status load_through_fifo(const char *text, size_t len, nn_t **net, char *msg,
                                   size_t msg_size)
{
    char *dir = make_dir();
    char *fifo = join(dir, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    fflush(NULL);
    const pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        signal(SIGPIPE, SIG_IGN);
        const int fd = open(fifo, O_WRONLY);
        size_t done = 0;
        while (fd >= 0 && done < len) {
            const ssize_t k = write(fd, text + done, len - done);
            if (k <= 0)
                break;
            done += (size_t)k;
        }
        _exit(0);
    }
    alarm(30);
    const nn_status status = nn_load_ex(net, fifo, 0, NULL, NULL, NULL, NULL, msg, msg_size);
    alarm(0);
    int child_status = 0;
    assert_int_equal(waitpid(child, &child_status, 0), child);
    free(fifo);
    remove_dir(dir);
    return status;
}

/* Appends n bytes of comment lines ("#...\n", lines of at most 100 bytes). */
static size_t append_comments(char *out, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t line = n - done > 100 ? 100 : n - done;
        if (line == 1) {
            out[done++] = '\n';
            continue;
        }
        out[done] = '#';
        memset(out + done + 1, '-', line - 2);
        out[done + line - 1] = '\n';
        done += line;
    }
    return done;
}

/* Writes a file and loads it with a message. */
static nn_status load_file_text(const char *text, size_t len, nn_t **net, char *msg, size_t size)
{
    char *dir = make_dir();
    char *path = join(dir, "model.txt");
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    fclose(fp);
    const nn_status status = nn_load_ex(net, path, 0, NULL, NULL, NULL, NULL, msg, size);
    free(path);
    remove_dir(dir);
    return status;
}

/* Loads text from a buffer, a file and a FIFO: the same status everywhere;
   on success the network is compared with want, on failure the message must
   name the line and hold needle. */
static void expect_everywhere(const char *text, size_t len, const nn_t *want, nn_status expected,
                              size_t line, const char *needle)
{
    for (int source = 0; source < 3; source++) {
        nn_t *net = NULL;
        char msg[256];
        const nn_status status = source == 0   ? load_copy(text, len, &net, msg, sizeof msg)
                                 : source == 1 ? load_file_text(text, len, &net, msg, sizeof msg)
                                               : load_through_fifo(text, len, &net, msg, sizeof msg);
        if (status != expected)
            fail_msg("source %d: status %d, expected %d (%s)", source, (int)status,
                     (int)expected, msg);
        if (status == NN_OK) {
            assert_same_network(want, net);
            nn_free(net);
            continue;
        }
        assert_null(net);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "line %zu: ", line);
        if (strncmp(msg, prefix, strlen(prefix)) != 0 || strstr(msg, needle) == NULL)
            fail_msg("source %d: message '%s', expected '%s...%s'", source, msg, prefix, needle);
    }
}

/* The number of the line that holds byte `offset` of text. */
static size_t line_of(const char *text, size_t offset)
{
    size_t line = 1;
    for (size_t i = 0; i < offset; i++)
        line += text[i] == '\n';
    return line;
}

/* The number of the first line of text that begins after byte `offset`. */
static size_t first_line_after(const char *text, size_t len, size_t offset)
{
    size_t start = 0;
    while (start <= offset) {
        const char *nl = memchr(text + start, '\n', len - start);
        assert_non_null(nl);
        start = (size_t)(nl - text) + 1;
    }
    return line_of(text, start);
}

/* The caps: 64 KiB before `sizes`, then 64 KiB from the start of the sizes
   line plus 32 bytes per number and 256 per layer; exactly at the cap loads,
   one byte more is refused, from a buffer, a file or a FIFO alike. */
static void test_load_caps(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 2};
    const int acts[] = {NN_ACT_SIGMOID};
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 2, sizes, acts), NN_OK);
    assert_int_equal(nn_init_random(net, 3, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    size_t len = 0;
    char *text = save_text(net, &len);
    const char *sizes_line = strstr(text, "\nsizes") + 1;
    const size_t head = (size_t)(sizes_line - text);
    const size_t body = len - head;
    char *big = malloc(len + 300000);
    assert_non_null(big);

    /* comments before `sizes`: up to 65536 bytes in all load */
    memcpy(big, text, head);
    size_t n = head + append_comments(big + head, 65536 - head);
    memcpy(big + n, sizes_line, body);
    expect_everywhere(big, n + body, net, NN_OK, 0, NULL);
    /* one byte more: refused on the sizes line */
    n = head + append_comments(big + head, 65537 - head);
    memcpy(big + n, sizes_line, body);
    assert_true(line_of(big, n) > 600);
    expect_everywhere(big, n + body, net, NN_ERR_FORMAT, line_of(big, n),
                      "more than 65536 bytes before the 'sizes' line");
    /* 200 KB of comments: refused at the first line that begins past 64 KiB */
    n = head + append_comments(big + head, 200000);
    memcpy(big + n, sizes_line, body);
    expect_everywhere(big, n + body, net, NN_ERR_FORMAT, first_line_after(big, n, 65536),
                      "before the 'sizes' line");

    /* after the sizes: 65536 + 32 * 8 numbers + 256 * 1 layer from the start
       of the sizes line */
    const size_t cap = head + 65536 + 32 * 8 + 256;
    memcpy(big, text, len);
    n = len + append_comments(big + len, cap - len);
    assert_int_equal(n, cap);
    expect_everywhere(big, n, net, NN_OK, 0, NULL);
    n = len + append_comments(big + len, cap + 1 - len);
    expect_everywhere(big, n, net, NN_ERR_FORMAT, 4, "longer than the");
    n = len + append_comments(big + len, 250000);
    expect_everywhere(big, n, net, NN_ERR_FORMAT, 4, "longer than the");

    /* a sizes line longer than 64 KiB (blanks between the sizes) */
    memcpy(big, text, head);
    n = head;
    memcpy(big + n, "sizes 3", 7);
    n += 7;
    memset(big + n, ' ', 65536);
    n += 65536;
    memcpy(big + n, "2", 1);
    n += 1;
    const char *after = strchr(sizes_line, '\n');
    memcpy(big + n, after, len - (size_t)(after - text));
    n += len - (size_t)(after - text);
    expect_everywhere(big, n, net, NN_ERR_FORMAT, 4, "longer than 65536");
    free(big);
    free(text);
    nn_free(net);
}

/* A word (here a number) of 65536 bytes loads; one byte more is refused, from
   a buffer, a file or a FIFO alike (a file is read through a window of twice
   that, whose end the word crosses). */
static void test_load_long_words(void **state)
{
    (void)state;
    const size_t sizes[] = {100, 100};
    const int acts[] = {NN_ACT_LINEAR};
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 2, sizes, acts), NN_OK);
    assert_int_equal(nn_init_random(net, 4, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    double *w = malloc(100 * 100 * sizeof(double));
    assert_non_null(w);
    assert_int_equal(nn_get_weights(net, 1, w, 100 * 100), NN_OK);
    w[0] = 1.0;
    assert_int_equal(nn_set_weights(net, 1, w, 100 * 100), NN_OK);
    free(w);
    size_t len = 0;
    char *text = save_text(net, &len);
    const char *row = strstr(text, "weights 100 100\n") + strlen("weights 100 100\n");
    assert_memory_equal(row, "0x1p+0 ", 7);
    const size_t before = (size_t)(row - text);
    char *big = malloc(len + 70000);
    assert_non_null(big);
    for (size_t word = 65536; word <= 65537; word++) {
        memcpy(big, text, before);
        size_t n = before;
        memcpy(big + n, "0x1.", 4);
        memset(big + n + 4, '0', word - 7);
        memcpy(big + n + word - 3, "p+0", 3);
        n += word;
        memcpy(big + n, row + 6, len - before - 6);
        n += len - before - 6;
        if (word == 65536)
            expect_everywhere(big, n, net, NN_OK, 0, NULL);
        else
            expect_everywhere(big, n, net, NN_ERR_FORMAT, line_of(big, before),
                              "a word longer than 65536 bytes");
    }
    free(big);
    free(text);
    nn_free(net);
}

/* A file is read through a window, a buffer at once: both must give the same
   status, message and network for inputs larger than the window with blanks,
   comments, long words and cuts at random places, near its boundaries too. */
static void test_load_file_matches_buffer(void **state)
{
    (void)state;
    const size_t sizes[] = {200, 100};
    const int acts[] = {NN_ACT_TANH};
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 2, sizes, acts), NN_OK);
    assert_int_equal(nn_init_random(net, 8, NN_INIT_UNIFORM, -1.0, 1.0), NN_OK);
    size_t len = 0;
    char *text = save_text(net, &len);
    assert_true(len > 3 * 131072);
    char *variant = malloc(len + 200000);
    assert_non_null(variant);
    uint64_t s = 2024;
    for (int round = 0; round < 40; round++) {
        /* near a window boundary (multiples of about 128 KiB) or anywhere */
        size_t at = next_below(&s, 2) ? next_below(&s, len)
                                      : (1 + next_below(&s, 3)) * 131072 - 50 + next_below(&s, 100);
        if (at > len)
            at = len;
        memcpy(variant, text, at);
        size_t n = at;
        const size_t extra = next_below(&s, 3) == 0 ? next_below(&s, 100) : next_below(&s, 70000);
        switch (next_below(&s, 4)) {
        case 0: /* blanks */
            memset(variant + n, next_below(&s, 2) ? ' ' : '\t', extra);
            n += extra;
            break;
        case 1: /* a comment, as a line of its own */
            variant[n++] = '\n';
            variant[n++] = '#';
            memset(variant + n, 'c', extra);
            n += extra;
            variant[n++] = '\n';
            break;
        case 2: /* a long word */
            memset(variant + n, '7', extra);
            n += extra;
            break;
        default: /* cut here */
            break;
        }
        const size_t rest = next_below(&s, 5) == 0 ? 0 : len - at;
        memcpy(variant + n, text + at, rest);
        n += rest;

        nn_t *from_buffer = NULL, *from_file = NULL;
        char msg_buffer[256], msg_file[256];
        const nn_status sb = load_copy(variant, n, &from_buffer, msg_buffer, sizeof msg_buffer);
        const nn_status sf = load_file_text(variant, n, &from_file, msg_file, sizeof msg_file);
        if (sb != sf || strcmp(msg_buffer, msg_file) != 0)
            fail_msg("round %d (%zu bytes): buffer %d '%s', file %d '%s'", round, n, (int)sb,
                     msg_buffer, (int)sf, msg_file);
        if (sb == NN_OK)
            assert_same_network(from_buffer, from_file);
        nn_free(from_buffer);
        nn_free(from_file);
    }
    free(variant);
    free(text);
    nn_free(net);
}

/* The cap leaves room for every network the library can create: 1024
   layers of one unit with the longest activation names, every number of the
   longest spelling, CRLF line ends; and a wide layer the same way, whose rows
   (75 KB) are longer than the loader's first window. */
static void test_load_largest_shapes(void **state)
{
    (void)state;
    static const double scale = 1.0;
    const char *name = "a_custom_name_of_31_characters.";
    assert_int_equal(strlen(name), NN_MAX_NAME);
    size_t deep[NN_MAX_LAYERS];
    int acts[NN_MAX_LAYERS];
    for (size_t k = 0; k < NN_MAX_LAYERS; k++) {
        deep[k] = 1;
        acts[k] = NN_ACT_LINEAR;
    }
    const size_t wide[] = {3000, 60};
    for (int shape = 0; shape < 2; shape++) {
        nn_t *net = NULL;
        const size_t n_layers = shape == 0 ? NN_MAX_LAYERS : 2;
        assert_int_equal(nn_create(&net, n_layers, shape == 0 ? deep : wide, acts), NN_OK);
        for (size_t k = 1; k < n_layers; k++) {
            assert_int_equal(nn_set_custom_activation(net, k, cube_f, cube_df, (void *)&scale, name),
                             NN_OK);
            assert_int_equal(nn_set_frozen(net, k, 1, 0), NN_OK);
        }
        /* the negative subnormal with the most digits: -0x0.fffffffffffffp-1022 */
        const size_t count = nn_param_count(net);
        double *p = malloc(count * sizeof(double));
        assert_non_null(p);
        for (size_t i = 0; i < count; i++)
            p[i] = -from_bits((UINT64_C(1) << 52) - 1);
        assert_int_equal(nn_set_params(net, p, count), NN_OK);
        free(p);
        size_t len = 0;
        char *text = save_text(net, &len);
        assert_non_null(strstr(text, "-0x0.fffffffffffffp-1022\n"));
        /* every line end becomes CRLF */
        char *crlf = malloc(2 * len);
        assert_non_null(crlf);
        size_t n = 0;
        for (size_t i = 0; i < len; i++) {
            if (text[i] == '\n')
                crlf[n++] = '\r';
            crlf[n++] = text[i];
        }
        const char *names[] = {name};
        const nn_activation_fn fs[] = {cube_f};
        const nn_activation_deriv_fn dfs[] = {cube_df};
        void *const contexts[] = {(void *)&scale};
        char *dir = make_dir();
        char *path = join(dir, "model.txt");
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        assert_int_equal(fwrite(crlf, 1, n, fp), n);
        fclose(fp);
        nn_t *back = NULL;
        char msg[256];
        const nn_status status =
            nn_load_ex(&back, path, 1, names, fs, dfs, contexts, msg, sizeof msg);
        if (status != NN_OK)
            fail_msg("shape %d (%zu bytes): %s", shape, n, msg);
        assert_same_network(net, back);
        nn_free(back);
        free(path);
        remove_dir(dir);
        free(crlf);
        free(text);
        nn_free(net);
    }
}

/* Every proper prefix of a model is refused with a line number. */
static void test_truncated(void **state)
{
    (void)state;
    const size_t len = strlen(example_b);
    for (size_t cut = 0; cut + 1 < len; cut++) {
        nn_t *net = NULL;
        char msg[256];
        const nn_status status = load_copy(example_b, cut, &net, msg, sizeof msg);
        if (status != NN_ERR_FORMAT)
            fail_msg("prefix of %zu bytes gave %d", cut, (int)status);
        assert_null(net);
        assert_memory_equal(msg, "line ", 5);
    }
    /* the whole model without its final newline is complete */
    nn_t *net = load_text(example_b, len - 1);
    nn_free(net);
    /* cut after whole lines: the missing line is named */
    const char *after13 = strstr(example_b, "biases 2\n");
    expect_failure_n(example_b, (size_t)(after13 - example_b), NN_ERR_FORMAT, 14, "end of input");
    const char *in_row = strstr(example_b, "0x1p-1 0x1.3");
    expect_failure_n(example_b, (size_t)(in_row - example_b) + 7, NN_ERR_FORMAT, 13, "weights");
    expect_failure_n(example_b, 0, NN_ERR_FORMAT, 1, "empty");
}

static void test_wrong_magic_or_version(void **state)
{
    (void)state;
    expect_line_failure(example_b, 1, "backprop-modle 1", NN_ERR_FORMAT, 1, "backprop-model");
    expect_line_failure(example_b, 1, " backprop-model 1", NN_ERR_FORMAT, 1, NULL);
    expect_line_failure(example_b, 1, "\xef\xbb\xbf" "backprop-model 1", NN_ERR_FORMAT, 1, NULL);
    expect_line_failure(example_b, 1, "backprop-models 1", NN_ERR_FORMAT, 1, NULL);
    expect_line_failure(example_b, 1, "# backprop-model 1", NN_ERR_FORMAT, 1, NULL);
    expect_line_failure(example_b, 1, "backprop-model 3", NN_ERR_FORMAT, 1, "version 3");
    expect_line_failure(example_b, 1, "backprop-model 0", NN_ERR_FORMAT, 1, "version 0");
    expect_line_failure(example_b, 1, "backprop-model one", NN_ERR_FORMAT, 1, "one");
    expect_line_failure(example_b, 1, "backprop-model", NN_ERR_FORMAT, 1, "version");
    expect_line_failure(example_b, 1, "backprop-model 1 extra", NN_ERR_FORMAT, 1, "extra");
    expect_failure("P6\n3 2\n255\n", NN_ERR_FORMAT, 1, NULL);
}

static void test_counts_disagree(void **state)
{
    (void)state;
    expect_line_failure(example_b, 3, "layers 2", NN_ERR_FORMAT, 4, "line 3");
    expect_line_failure(example_b, 3, "layers 4", NN_ERR_FORMAT, 4, "3 sizes");
    expect_line_failure(example_b, 4, "sizes 2 2", NN_ERR_FORMAT, 4, "2 sizes");
    expect_line_failure(example_b, 4, "sizes 2 3 1", NN_ERR_FORMAT, 11, "3 rows of 2");
    expect_line_failure(example_b, 11, "weights 2 3", NN_ERR_FORMAT, 11, "disagrees");
    expect_line_failure(example_b, 11, "weights 2", NN_ERR_FORMAT, 11, "column count");
    expect_line_failure(example_b, 12, "0x1p-1", NN_ERR_FORMAT, 12, "1 numbers");
    expect_line_failure(example_b, 12, "0x1p-1 0x1p-1 0x1p-1", NN_ERR_FORMAT, 12, "more than 2");
    expect_line_failure(example_b, 14, "biases 1", NN_ERR_FORMAT, 14, "disagrees");
    expect_line_failure(example_b, 9, "bias shared", NN_ERR_FORMAT, 14, "shared");
    expect_line_failure(example_b, 23, "biases 2", NN_ERR_FORMAT, 23, "disagrees");
    expect_line_failure(example_b, 17, "layer 3", NN_ERR_FORMAT, 17, "layer 2");
    expect_line_failure(example_b, 7, "layer 2", NN_ERR_FORMAT, 7, "layer 1");
    expect_line_failure(example_b, 9, NULL, NN_ERR_FORMAT, 9, "'bias'");
    expect_line_failure(example_b, 13, NULL, NN_ERR_FORMAT, 13, "biases");
    /* a number missing: a comment does not count, the next line is read */
    expect_line_failure(example_b, 24, "# no bias here", NN_ERR_FORMAT, 25, "'end'");
}

static void test_not_a_number(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "0.2 0.15", "0x1.8 0x1p0", "abc 0x1p0", "0x 0x1p0", "0xp0 0x1p0", "0x.p0 0x1p0",
        "0x1p 0x1p0", "0x1p+ 0x1p0", "0x1g1p0 0x1p0", "0x1p0x 0x1p0", "--0x1p0 0x1p0",
        "0x1p0,0x1p0", "1 0x1p0", "0x1p0 0x1p0.5", "0x1,8p0 0x1p0", "0x1p0\v 0x1p0",
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        expect_line_failure(example_b, 12, rows[i], NN_ERR_FORMAT, 12, "of layer 1");
    expect_line_failure(example_b, 12, "0.2 0.15", NN_ERR_FORMAT, 12, "hexadecimal");
    expect_line_failure(example_b, 3, "layers three", NN_ERR_FORMAT, 3, "three");
    expect_line_failure(example_b, 3, "layers -3", NN_ERR_FORMAT, 3, NULL);
    expect_line_failure(example_b, 4, "sizes 2 x 1", NN_ERR_FORMAT, 4, "'x'");
    expect_line_failure(example_b, 4, "sizes 2 2.0 1", NN_ERR_FORMAT, 4, NULL);
    expect_line_failure(example_b, 5, "loss hinge", NN_ERR_FORMAT, 5, "hinge");
    expect_line_failure(example_b, 9, "bias none", NN_ERR_FORMAT, 9, "none");
    expect_line_failure(example_b, 10, "frozen all", NN_ERR_FORMAT, 10, "all");
    expect_line_failure(example_b, 10, "frozen", NN_ERR_FORMAT, 10, NULL);
    /* a NUL inside the input is just another byte */
    char *text = exact_copy(example_b, sizeof example_b);
    char *sizes = strstr(text, "sizes 2 2 1");
    sizes[7] = '\0';
    expect_failure_n(text, sizeof example_b - 1, NN_ERR_FORMAT, 4, NULL);
    free(text);
}

static void test_not_finite(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "nan 0x1p0", "0x1p0 NaN", "inf 0x1p0", "-inf 0x1p0", "+Infinity 0x1p0",
        "nan(0x7ff) 0x1p0", "-NAN 0x1p0",
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        expect_line_failure(example_b, 13, rows[i], NN_ERR_FORMAT, 13, "not finite");
    expect_line_failure(example_b, 24, "nan", NN_ERR_FORMAT, 24, "biases of layer 2");
    expect_line_failure(example_b, 13, "0x1p+1024 0x1p0", NN_ERR_FORMAT, 13, "largest finite");
    expect_line_failure(example_b, 13, "-0x1.fffffffffffff8p+1023 0x1p0", NN_ERR_FORMAT, 13,
                        "largest finite");
}

static void test_sizes_beyond_limits(void **state)
{
    (void)state;
    char line[128];
    expect_line_failure(example_b, 3, "layers 1", NN_ERR_FORMAT, 3, "NN_MAX_LAYERS");
    expect_line_failure(example_b, 3, "layers 0", NN_ERR_FORMAT, 3, "NN_MAX_LAYERS");
    snprintf(line, sizeof line, "layers %d", NN_MAX_LAYERS + 1);
    expect_line_failure(example_b, 3, line, NN_ERR_FORMAT, 3, "NN_MAX_LAYERS");
    expect_line_failure(example_b, 3, "layers 99999999999999999999999999", NN_ERR_FORMAT, 3,
                        "NN_MAX_LAYERS");
    snprintf(line, sizeof line, "sizes 2 %d 1", NN_MAX_LAYER_SIZE + 1);
    expect_line_failure(example_b, 4, line, NN_ERR_FORMAT, 4, "NN_MAX_LAYER_SIZE");
    expect_line_failure(example_b, 4, "sizes 2 99999999999999999999999 1", NN_ERR_FORMAT, 4,
                        "NN_MAX_LAYER_SIZE");
    expect_line_failure(example_b, 4, "sizes 2 0 1", NN_ERR_FORMAT, 4, "0 units");
    /* 16384 * 8192 + 8192 = NN_MAX_PARAMS + 8192 */
    expect_line_failure(example_b, 4, "sizes 16384 8192 1", NN_ERR_FORMAT, 4, "NN_MAX_PARAMS");
    /* exactly at the limits: no limit is named, only the missing bytes */
    snprintf(line, sizeof line, "sizes 1 %d 1", NN_MAX_LAYER_SIZE);
    expect_line_failure(example_b, 4, line, NN_ERR_FORMAT, 4, "bytes");
    /* 511 * 262656 + 1 * 512 = NN_MAX_PARAMS, and one unit more is too many */
    expect_line_failure(example_b, 4, "sizes 262655 511 1", NN_ERR_FORMAT, 4, "bytes");
    expect_line_failure(example_b, 4, "sizes 262656 511 1", NN_ERR_FORMAT, 4, "NN_MAX_PARAMS");
    expect_failure("backprop-model 1\nlayers 2\nsizes 16384 8192\n", NN_ERR_FORMAT, 3,
                   "NN_MAX_PARAMS");
    /* the same sizes nn_create() accepts or refuses */
    nn_t *net = NULL;
    const size_t over[] = {262656, 511, 1};
    const int acts[] = {NN_ACT_LINEAR, NN_ACT_LINEAR};
    assert_int_equal(nn_create(&net, 3, over, acts), NN_ERR_TOO_LARGE);
    assert_null(net);
}

/* A tiny input that claims a large network is refused before allocating. */
static void test_tiny_input_huge_claim(void **state)
{
    (void)state;
    expect_failure("backprop-model 1\nlayers 2\nsizes 4096 4096\nloss mse\nend\n",
                   NN_ERR_FORMAT, 3, "bytes");
    expect_failure("backprop-model 1\nlayers 3\nsizes 16777216 7 1\n", NN_ERR_FORMAT, 3,
                   "bytes");
    /* at the limits, with only a few bytes behind the sizes */
    expect_failure("backprop-model 1\nlayers 2\nsizes 16383 8192\nloss mse\n", NN_ERR_FORMAT, 3,
                   "bytes");
}

static void test_trailing_garbage(void **state)
{
    (void)state;
    char text[sizeof example_b + 64];
    snprintf(text, sizeof text, "%sx\n", example_b);
    expect_failure(text, NN_ERR_FORMAT, 26, "after 'end'");
    snprintf(text, sizeof text, "%s\n\nend\n", example_b);
    expect_failure(text, NN_ERR_FORMAT, 28, "after 'end'");
    expect_line_failure(example_b, 25, "end now", NN_ERR_FORMAT, 25, "now");
    expect_line_failure(example_b, 3, "layers 3 3", NN_ERR_FORMAT, 3, "'3'");
    expect_line_failure(example_b, 8, "activation sigmoid sigmoid", NN_ERR_FORMAT, 8, NULL);
    /* comments and blank lines after 'end' are fine */
    snprintf(text, sizeof text, "%s# the end\n\n  \t\n", example_b);
    nn_t *net = load_text(text, strlen(text));
    nn_free(net);
}

static void test_unknown_activation(void **state)
{
    (void)state;
    expect_line_failure(example_b, 8, "activation swish", NN_ERR_UNKNOWN_NAME, 8, "swish");
    expect_line_failure(example_b, 18, "activation custom swish", NN_ERR_UNKNOWN_NAME, 18,
                        "swish");
    expect_line_failure(example_b, 8, "activation Sigmoid", NN_ERR_UNKNOWN_NAME, 8, "Sigmoid");
    expect_line_failure(example_b, 8, "activation custom bad/name", NN_ERR_FORMAT, 8, NULL);
    expect_line_failure(example_b, 8, "activation custom", NN_ERR_FORMAT, 8, NULL);
    expect_line_failure(example_b, 8, "activation", NN_ERR_FORMAT, 8, NULL);
    /* a malformed model is a format error even when it names an unknown activation */
    char *unknown = with_line(example_b, 8, "activation swish");
    expect_line_failure(unknown, 12, "nan 0x1p0", NN_ERR_FORMAT, 12, "not finite");
    expect_line_failure(unknown, 25, "end end", NN_ERR_FORMAT, 25, NULL);
    free(unknown);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_writer_matches_printf),
        cmocka_unit_test(test_number_reader),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_round_trip_shapes),
        cmocka_unit_test(test_hand_written_model),
        cmocka_unit_test(test_custom_activations),
        cmocka_unit_test(test_file_round_trip),
        cmocka_unit_test(test_buffer_sizes),
        cmocka_unit_test(test_locale_independence),
        cmocka_unit_test(test_non_finite_refused),
        cmocka_unit_test(test_failed_save_keeps_old_file),
        cmocka_unit_test(test_save_follows_links),
        cmocka_unit_test(test_save_refuses_non_regular),
        cmocka_unit_test(test_save_modes),
        cmocka_unit_test(test_save_removes_leftovers),
        cmocka_unit_test(test_concurrent_saves),
        cmocka_unit_test(test_save_long_names),
        cmocka_unit_test(test_save_no_memory),
        cmocka_unit_test(test_load_refuses_devices),
        cmocka_unit_test(test_load_caps),
        cmocka_unit_test(test_load_long_words),
        cmocka_unit_test(test_load_file_matches_buffer),
        cmocka_unit_test(test_load_largest_shapes),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_wrong_magic_or_version),
        cmocka_unit_test(test_counts_disagree),
        cmocka_unit_test(test_not_a_number),
        cmocka_unit_test(test_not_finite),
        cmocka_unit_test(test_sizes_beyond_limits),
        cmocka_unit_test(test_tiny_input_huge_claim),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_unknown_activation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

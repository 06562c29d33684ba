/* The kernel variants: every level this processor can run is forced in turn
   and compared with sums formed in the test itself (in long double), on shapes
   that cross every tile and block edge. Built from the library's sources, so
   it reaches the internal tables that the shared library does not export. */
#include "internal.h"
#include "check.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

static double *random_array(size_t n, unsigned long seed)
{
    nn_rng_t *rng = NULL;
    assert_int_equal(nn_rng_create(&rng, seed), NN_OK);
    double *x = malloc((n ? n : 1) * sizeof(double));
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = 2.0 * nn_rng_uniform(rng) - 1.0;
    nn_rng_free(rng);
    return x;
}

/* A sum of products is accurate to this much relative to the sum of the
   absolute values of its terms. */
#define TOL 1e-13

static void check_sum(double actual, long double exact, long double magnitude)
{
    const double err = (double)fabsl((long double)actual - exact);
    const double bound = TOL * (double)(magnitude + 1e-300L);
    if (!(err <= bound)) {
        print_error("%.17g vs %.17Lg: error %.3g > %.3g\n", actual, exact, err, bound);
        fail();
    }
}

static int n_levels_run;

static const struct nn_kernels *level_or_skip(int level)
{
    const struct nn_kernels *k = nn__kernels_level(level);
    if (k != NULL) {
        assert_int_equal(k->level, level);
        n_levels_run++;
    }
    return k;
}

/* y = M v (M^T v when transposed) for the rows x cols matrix M, each value
   against the sum in long double */
static void check_product(const double *y, const double *m, size_t rows, size_t cols,
                          const double *v, int transposed)
{
    const size_t n_y = transposed ? cols : rows, n_v = transposed ? rows : cols;
    for (size_t j = 0; j < n_y; j++) {
        long double s = 0, mag = 0;
        for (size_t i = 0; i < n_v; i++) {
            const double w = transposed ? m[i * cols + j] : m[j * cols + i];
            const long double term = (long double)w * v[i];
            s += term;
            mag += fabsl(term);
        }
        check_sum(y[j], s, mag);
    }
}

static void check_gemv_family(const struct nn_kernels *k, size_t rows, size_t cols)
{
    double *m = random_array(rows * cols, 1 + rows * 100 + cols);
    double *x = random_array(cols, 2 + rows);
    double *d = random_array(rows, 3 + cols);
    double *y = malloc(rows * sizeof(double));
    double *yt = malloc(cols * sizeof(double));
    double *yt2 = malloc(cols * sizeof(double));

    /* gemv, then gemv_stream from x as given and from x one double further on
       (the bits may not depend on where x lies) */
    k->gemv(rows, cols, m, x, y);
    check_product(y, m, rows, cols, x, 0);
    double *x_shifted = malloc((cols + 1) * sizeof(double));
    double *y_shifted = malloc(rows * sizeof(double));
    memcpy(x_shifted + 1, x, cols * sizeof(double));
    k->gemv_stream(rows, cols, m, x, y);
    check_product(y, m, rows, cols, x, 0);
    k->gemv_stream(rows, cols, m, x_shifted + 1, y_shifted);
    assert_memory_equal(y, y_shifted, rows * sizeof(double));
    free(x_shifted);
    free(y_shifted);
    k->gemv_t(rows, cols, m, d, yt);
    check_product(yt, m, rows, cols, d, 1);

    /* M += d x^T, then M -= rate d x^T, each element on its own */
    double *g = random_array(rows * cols, 4);
    double *g0 = malloc(rows * cols * sizeof(double));
    memcpy(g0, g, rows * cols * sizeof(double));
    k->ger_add(rows, cols, d, x, g);
    for (size_t j = 0; j < rows; j++)
        for (size_t i = 0; i < cols; i++) {
            const long double e = (long double)g0[j * cols + i] + (long double)d[j] * x[i];
            check_sum(g[j * cols + i], e, fabsl(e) + 1);
        }
    memcpy(g, g0, rows * cols * sizeof(double));
    k->ger_step(rows, cols, 0.3, d, x, g);
    for (size_t j = 0; j < rows; j++)
        for (size_t i = 0; i < cols; i++) {
            const long double e = (long double)g0[j * cols + i] - 0.3L * d[j] * x[i];
            check_sum(g[j * cols + i], e, fabsl(e) + 1);
        }

    /* the fused sweep: y from the old matrix, the matrix updated */
    memcpy(g, m, rows * cols * sizeof(double));
    k->gemv_t_ger_step(rows, cols, 0.3, d, x, g, yt2);
    for (size_t i = 0; i < cols; i++)
        check_sum(yt2[i], yt[i], fabs(yt[i]) + 1);
    for (size_t j = 0; j < rows; j++)
        for (size_t i = 0; i < cols; i++) {
            const long double e = (long double)m[j * cols + i] - 0.3L * d[j] * x[i];
            check_sum(g[j * cols + i], e, fabsl(e) + 1);
        }

    double *ax = random_array(cols, 5);
    memcpy(yt2, x, cols * sizeof(double));
    k->axpy(cols, -1.5, ax, yt2);
    for (size_t i = 0; i < cols; i++)
        check_sum(yt2[i], (long double)x[i] - 1.5L * ax[i], 1);

    free(ax);
    free(g);
    free(g0);
    free(m);
    free(x);
    free(d);
    free(y);
    free(yt);
    free(yt2);
}

static void test_gemv_family(void **state)
{
    (void)state;
    static const size_t shapes[][2] = {{1, 1},  {1, 7},   {3, 2},   {4, 8},  {5, 9},
                                       {7, 17}, {13, 37}, {16, 64}, {9, 784}};
    n_levels_run = 0;
    for (int level = 0; level <= 3; level++) {
        const struct nn_kernels *k = level_or_skip(level);
        if (k == NULL)
            continue;
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            check_gemv_family(k, shapes[s][0], shapes[s][1]);
    }
    assert_true(n_levels_run >= 2); /* scalar and vector always exist */
}

/* C = or += op(A) op(B) for the three layouts the passes use, against a long
   double sum. */
static void check_gemm(const struct nn_kernels *k, size_t m, size_t n, size_t kk, int layout,
                       int accumulate)
{
    /* layout 3 reads A in rows 4 KiB apart, which the gemm packs */
    const size_t a_row = layout == 3 ? 512 : kk;
    double *a = random_array(m * a_row, 10 + m);
    double *b = random_array(kk * n, 20 + n);
    const size_t ldc = n + 3; /* a row stride wider than the rows */
    double *c = random_array(m * ldc, 30 + kk);
    double *c0 = malloc(m * ldc * sizeof(double));
    memcpy(c0, c, m * ldc * sizeof(double));
    size_t rsa, csa, rsb, csb;
    switch (layout) {
    case 0: /* A row-major, B stored transposed (forward: A_prev W^T) */
        rsa = kk, csa = 1, rsb = 1, csb = kk;
        break;
    case 1: /* A stored transposed, B row-major (weight gradients: Delta^T A_prev) */
        rsa = 1, csa = m, rsb = n, csb = 1;
        break;
    default: /* both row-major (deltas: Delta W; inference: W A^T, unit-major) */
        rsa = a_row, csa = 1, rsb = n, csb = 1;
        break;
    }
    const size_t dim = m > n ? (m > kk ? m : kk) : (n > kk ? n : kk);
    double *pack = malloc(nn__gemm_pack_doubles(dim) * sizeof(double));
    k->gemm(m, n, kk, a, rsa, csa, b, rsb, csb, c, ldc, accumulate, pack);
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            long double s = accumulate ? c0[i * ldc + j] : 0, mag = fabsl(s);
            for (size_t p = 0; p < kk; p++) {
                const long double t = (long double)a[i * rsa + p * csa] * b[p * rsb + j * csb];
                s += t;
                mag += fabsl(t);
            }
            check_sum(c[i * ldc + j], s, mag);
        }
        /* the padding between rows is never written */
        for (size_t j = n; j < ldc; j++)
            assert_true(c[i * ldc + j] == c0[i * ldc + j]);
    }
    free(pack);
    free(a);
    free(b);
    free(c);
    free(c0);
}

static void test_gemm(void **state)
{
    (void)state;
    /* small shapes around the tiles, then shapes past every block size
       (MC 128, KC 256, NC 480) */
    static const size_t shapes[][3] = {{1, 1, 1},   {2, 3, 4},    {4, 12, 5},  {5, 13, 9},
                                       {8, 16, 3},  {9, 17, 33},  {64, 10, 20}, {3, 50, 1},
                                       {130, 20, 260}, {20, 500, 30}, {7, 481, 257}};
    n_levels_run = 0;
    for (int level = 0; level <= 3; level++) {
        const struct nn_kernels *k = level_or_skip(level);
        if (k == NULL)
            continue;
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int layout = 0; layout < 4; layout++)
                if (layout < 3 || shapes[s][2] <= 512)
                    check_gemm(k, shapes[s][0], shapes[s][1], shapes[s][2], layout, layout == 1);
        check_gemm(k, 6, 7, 8, 2, 1);
        check_gemm(k, 6, 7, 8, 1, 0);
    }
    assert_true(n_levels_run >= 2);
}

/* The logistic function of every level against 1 / (1 + e^-z) in long
   double: within 3 units in the last place wherever the result is a normal
   number, 0 or 1 exactly far out, and level 0 bit for bit the expression of
   the single-sample passes. Lengths that are not a multiple of any vector
   width check the last lanes too. */
static void test_sigmoid(void **state)
{
    (void)state;
    const size_t n = 20011;
    double *z = random_array(n, 31);
    double *a = malloc(n * sizeof(double));
    assert_non_null(a);
    for (size_t i = 0; i < n; i++)
        z[i] *= i % 7 == 0 ? 800.0 : 40.0; /* mostly [-40, 40], some [-800, 800] */
    static const double special[] = {0.0, -0.0, 1e-300, -1e-300, 36.0, -36.0, 37.5, -37.5,
                                     708.5, -708.5, 709.5, -709.5, 710.0, -710.0, 745.5,
                                     -745.5, 1e308, -1e308};
    memcpy(z, special, sizeof special);
    n_levels_run = 0;
    for (int level = 0; level <= 3; level++) {
        const struct nn_kernels *k = level_or_skip(level);
        if (k == NULL)
            continue;
        for (size_t len = n; len + 3 > n; len--) {
            memset(a, 0, n * sizeof(double));
            k->sigmoid(len, z, a);
            for (size_t i = 0; i < len; i++) {
                const long double exact = 1.0L / (1.0L + expl(-(long double)z[i]));
                const double nearest = (double)exact;
                if (level == 0)
                    assert_true(a[i] == 1.0 / (1.0 + exp(-z[i])));
                if (nearest < 1e-300) {
                    assert_true(a[i] >= 0.0 && a[i] < 1e-300);
                } else {
                    const double ulp = nextafter(nearest, INFINITY) - nearest;
                    if (!(fabs(a[i] - nearest) <= 3.0 * ulp)) {
                        print_error("level %d, z = %.17g: %.17g vs %.17g\n", level, z[i], a[i],
                                    nearest);
                        fail();
                    }
                }
            }
            assert_true(a[len - 1] != 0.0 || z[len - 1] < -700.0);
        }
        assert_true(a[0] == 0.5 && a[1] == 0.5);
        assert_true(a[16] == 1.0 && a[17] == 0.0); /* +-1e308 */
    }
    assert_true(n_levels_run >= 2);
    free(z);
    free(a);
}

/* The finiteness check behind every NOT_FINITE status: each non-finite kind
   at each place of rows of every length up to 13 (past the four-way loop and
   its remainder), and rows of extreme finite values. */
static void test_all_finite(void **state)
{
    (void)state;
    const double bad[] = {INFINITY, -INFINITY, NAN, -NAN};
    const double good[] = {0.0, -0.0, 1.0, -2.5, DBL_MAX, -DBL_MAX, DBL_MIN, 4.9e-324,
                           -4.9e-324, 1e308, 0x1.fffffffffffffp+1023};
    double row[13] = {0.0};
    for (size_t n = 0; n <= 13; n++) {
        for (size_t i = 0; i < n; i++)
            row[i] = good[(i * 5 + n) % (sizeof good / sizeof good[0])];
        assert_true(nn__all_finite(row, n));
        for (size_t p = 0; p < n; p++)
            for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
                const double keep = row[p];
                row[p] = bad[b];
                assert_false(nn__all_finite(row, n));
                row[p] = keep;
            }
    }
}

/* A whole network forced onto each level gives the same passes. */
static void test_forced_levels_agree(void **state)
{
    (void)state;
    const size_t sizes[] = {37, 29, 11, 3};
    const int acts[] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_LINEAR};
    nn_t *ref = NULL;
    assert_int_equal(nn_create(&ref, 4, sizes, acts), NN_OK);
    assert_int_equal(nn_init_random(ref, 5, NN_INIT_UNIFORM, -0.5, 0.5), NN_OK);
    assert_int_equal(nn__kernels_force(ref, 0), NN_OK);
    assert_int_equal(nn__kernels_force(ref, 99), NN_ERR_ARGUMENT);
    assert_int_equal(nn__kernels_force(ref, -1), NN_ERR_ARGUMENT);
    assert_int_equal(nn__kernels_force(NULL, 0), NN_ERR_NULL_ARG);
    const size_t n = 10, np = nn_param_count(ref);
    double *x = random_array(n * 37, 6), *t = random_array(n * 3, 7);
    double *yref = malloc(n * 3 * sizeof(double)), *y = malloc(n * 3 * sizeof(double));
    double *gref = malloc(np * sizeof(double)), *g = malloc(np * sizeof(double));
    double *pref = malloc(np * sizeof(double)), *p = malloc(np * sizeof(double));

    nn_t *trained_ref = NULL;
    assert_int_equal(nn_clone(ref, &trained_ref), NN_OK);
    assert_int_equal(nn_forward_batch(ref, n, x, yref), NN_OK);
    assert_int_equal(nn_backward_batch(ref, n, t), NN_OK);
    assert_int_equal(nn_get_grads(ref, gref, np), NN_OK);
    for (size_t r = 0; r < n; r++)
        assert_int_equal(nn_train_sample(trained_ref, x + r * 37, t + r * 3, 0.2), NN_OK);
    assert_int_equal(nn_get_params(trained_ref, pref, np), NN_OK);

    n_levels_run = 0;
    for (int level = 1; level <= 3; level++) {
        if (level_or_skip(level) == NULL) {
            nn_t *tmp = NULL;
            assert_int_equal(nn_clone(ref, &tmp), NN_OK);
            assert_int_equal(nn__kernels_force(tmp, level), NN_ERR_ARGUMENT);
            nn_free(tmp);
            continue;
        }
        nn_t *net = NULL, *trained = NULL;
        assert_int_equal(nn_clone(ref, &net), NN_OK);
        assert_int_equal(nn_zero_grads(net), NN_OK);
        assert_int_equal(nn__kernels_force(net, level), NN_OK);
        assert_int_equal(nn_clone(net, &trained), NN_OK); /* clones keep the level */
        assert_int_equal(nn_forward_batch(net, n, x, y), NN_OK);
        assert_int_equal(nn_backward_batch(net, n, t), NN_OK);
        assert_int_equal(nn_get_grads(net, g, np), NN_OK);
        for (size_t i = 0; i < n * 3; i++)
            assert_rel(y[i], yref[i], 1e-12);
        for (size_t i = 0; i < np; i++)
            assert_abs(g[i], gref[i], 1e-12 * (1.0 + fabs(gref[i])));
        for (size_t r = 0; r < n; r++)
            assert_int_equal(nn_train_sample(trained, x + r * 37, t + r * 3, 0.2), NN_OK);
        assert_int_equal(nn_get_params(trained, p, np), NN_OK);
        for (size_t i = 0; i < np; i++)
            assert_abs(p[i], pref[i], 1e-12 * (1.0 + fabs(pref[i])));
        assert_ptr_equal(trained->kernels, net->kernels);
        nn_free(trained);
        nn_free(net);
    }
    assert_true(n_levels_run >= 1);
    free(x);
    free(t);
    free(y);
    free(yref);
    free(g);
    free(gref);
    free(p);
    free(pref);
    nn_free(trained_ref);
    nn_free(ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemv_family),
        cmocka_unit_test(test_gemm),
        cmocka_unit_test(test_sigmoid),
        cmocka_unit_test(test_all_finite),
        cmocka_unit_test(test_forced_levels_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Every loop over a matrix or vector, shared by all passes, in several
   variants ("levels") chosen at run time from what the processor supports:

     0  scalar    plain loops in the textbook order (each dot product summed
                  left to right); the reference the others are tested against
     1  vector    vector extensions at the build's baseline instruction set
     2  avx2      AVX2 with FMA (x86 only)
     3  avx512    AVX-512F (x86 only)

   A network records the table of the level it runs (nn__kernels_best() when
   it is created; tests may force another with nn__kernels_force()). The
   tables are constant: there is no global mutable state. Matrices are
   row-major, `rows` x `cols`. */
#include "internal.h"

#include <math.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
/* ISO C mode turns off fused multiply-add contraction in GCC; the kernels
   want it (Clang contracts within an expression by default). */
#pragma GCC optimize("fp-contract=fast")
#endif

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define NN_KERNELS_X86 1
#endif

/* Fully unrolls the short loops over a register tile. */
#if defined(__clang__)
#define NN_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define NN_UNROLL _Pragma("GCC unroll 16")
#else
#define NN_UNROLL
#endif

/* ---- level 0: scalar reference ---- */

/* y = M x. Each row is summed left to right, the order the tutorials use. */
static void scalar_gemv(size_t rows, size_t cols, const double *m, const double *x, double *y)
{
    for (size_t j = 0; j < rows; j++) {
        const double *row = m + j * cols;
        double sum = 0.0;
        for (size_t i = 0; i < cols; i++)
            sum += row[i] * x[i];
        y[j] = sum;
    }
}

static void scalar_axpy(size_t n, double alpha, const double *x, double *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] += alpha * x[i];
}

/* y = M^T x, walking M row by row so that the inner loop stays contiguous. */
static void scalar_gemv_t(size_t rows, size_t cols, const double *m, const double *x, double *y)
{
    for (size_t i = 0; i < cols; i++)
        y[i] = 0.0;
    for (size_t j = 0; j < rows; j++)
        scalar_axpy(cols, x[j], m + j * cols, y);
}

/* M += d x^T (gradient accumulation). */
static void scalar_ger_add(size_t rows, size_t cols, const double *d, const double *x,
                           double *m)
{
    for (size_t j = 0; j < rows; j++) {
        double *row = m + j * cols;
        const double dj = d[j];
        for (size_t i = 0; i < cols; i++)
            row[i] += dj * x[i];
    }
}

/* M -= rate * (d x^T). The product d[j] * x[i] is formed first so that a fused
   step rounds exactly like accumulating a gradient and then stepping. */
static void scalar_ger_step(size_t rows, size_t cols, double rate, const double *d,
                            const double *x, double *m)
{
    for (size_t j = 0; j < rows; j++) {
        double *row = m + j * cols;
        const double dj = d[j];
        for (size_t i = 0; i < cols; i++)
            row[i] -= rate * (dj * x[i]);
    }
}

static void scalar_gemv_t_ger_step(size_t rows, size_t cols, double rate, const double *d,
                                   const double *x, double *m, double *y)
{
    scalar_gemv_t(rows, cols, m, d, y);
    scalar_ger_step(rows, cols, rate, d, x, m);
}

/* C = or += A B, every entry a left-to-right sum over k. */
static void scalar_gemm(size_t m, size_t n, size_t k, const double *a, size_t rsa, size_t csa,
                        const double *b, size_t rsb, size_t csb, double *c, size_t ldc,
                        int accumulate, double *pack)
{
    (void)pack;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double sum = 0.0;
            for (size_t p = 0; p < k; p++)
                sum += a[i * rsa + p * csa] * b[p * rsb + j * csb];
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + sum : sum;
        }
}

/* The logistic function with the expression of activation.c. */
static void scalar_sigmoid(size_t n, const double *z, double *a)
{
    for (size_t i = 0; i < n; i++)
        a[i] = 1.0 / (1.0 + exp(-z[i]));
}

/* (the loop: nn__magnitude_bits() in internal.h) */
static double scalar_max_abs(size_t n, const double *x)
{
    return nn__magnitude(nn__magnitude_bits(0, 0, n, x));
}

static const struct nn_kernels scalar_table = {
    0, "scalar", scalar_gemv, scalar_gemv, scalar_gemv_t, scalar_ger_add, scalar_ger_step,
    scalar_gemv_t_ger_step, scalar_axpy, scalar_gemm, scalar_sigmoid, scalar_max_abs,
};

/* ---- level 1: vector extensions at the baseline instruction set ---- */

#define KN(name) vec_##name
#define KATTR
#define KLEVEL 1
#define KNAME "vector"
#define VW 2
#define MR 4
#define NV 3
#include "kernels_body.h"

#ifdef NN_KERNELS_X86
/* ---- level 2: AVX2 + FMA ---- */
#define KN(name) avx2_##name
#define KATTR __attribute__((target("avx2,fma")))
#define KLEVEL 2
#define KNAME "avx2"
#define VW 4
#define MR 4
#define NV 3
#include "kernels_body.h"

/* ---- level 3: AVX-512F ---- */
#define KN(name) avx512_##name
#define KATTR __attribute__((target("avx512f,avx2,fma")))
#define KLEVEL 3
#define KNAME "avx512"
#define VW 8
#define MR 8
#define NV 2
#include "kernels_body.h"
#endif

/* ---- selection ---- */

static int level_supported(int level)
{
    switch (level) {
    case 0:
    case 1:
        return 1;
#ifdef NN_KERNELS_X86
    case 2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case 3:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma");
#endif
    default:
        return 0;
    }
}

const struct nn_kernels *nn__kernels_level(int level)
{
    if (!level_supported(level))
        return NULL;
    switch (level) {
    case 0:
        return &scalar_table;
    case 1:
        return &vec_table;
#ifdef NN_KERNELS_X86
    case 2:
        return &avx2_table;
    case 3:
        return &avx512_table;
#endif
    default:
        return NULL;
    }
}

/* The preferred level on this processor. AVX-512 only widens the registers on
   some processors; it is preferred because its larger register file allows a
   larger gemm tile (see docs/performance.md for the measurements). */
const struct nn_kernels *nn__kernels_best(void)
{
    static const int order[] = {3, 2, 1};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (level_supported(order[i]))
            return nn__kernels_level(order[i]);
    return &scalar_table;
}

nn_status nn__kernels_force(nn_t *net, int level)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    const struct nn_kernels *k = nn__kernels_level(level);
    if (k == NULL)
        return NN_ERR_ARGUMENT;
    net->kernels = k;
    return NN_OK;
}

/* Room the gemm needs for packing when no dimension exceeds `dim`, for every
   level (the widest tile is 8 rows; every tile width divides 48). */
size_t nn__gemm_pack_doubles(size_t dim)
{
    const size_t kc = dim < NN_GEMM_KC ? dim : NN_GEMM_KC;
    const size_t nc = dim < NN_GEMM_NC ? (dim + 47) / 48 * 48 : NN_GEMM_NC;
    const size_t mc = dim < NN_GEMM_MC ? (dim + 7) / 8 * 8 : NN_GEMM_MC;
    return kc * nc + mc * kc;
}

/* y += x */
void nn__vec_add(size_t n, const double *x, double *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

/* y *= x, element by element */
void nn__vec_mul(size_t n, const double *x, double *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] *= x[i];
}

double nn__sum(size_t n, const double *x)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    return sum;
}

/* The vectorised loops, included by kernels.c once per instruction set.
   Before each inclusion kernels.c defines:
     KN(name)  the name of a function of this variant (adds a suffix)
     KATTR     attributes of every function (the target instruction set)
     VW        doubles per vector register
     MR, NV    the gemm register tile: MR rows by NV vectors (NV * VW columns)
   Everything is written with GCC/Clang vector extensions, which the compiler
   maps onto the registers of the target (or onto scalars where there are none). */

#define NR (NV * VW)

typedef double KN(vec) __attribute__((vector_size(VW * sizeof(double))));

static KATTR inline KN(vec) KN(load)(const double *p)
{
    KN(vec) v;
    memcpy(&v, p, sizeof v);
    return v;
}

static KATTR inline void KN(store)(double *p, KN(vec) v)
{
    memcpy(p, &v, sizeof v);
}

/* (x - 0 is x exactly, -0 included; written so because GCC turns a loop
   over the lanes of a value loaded from a computed address into one masked
   load per lane, where this is one broadcast) */
static KATTR inline KN(vec) KN(splat)(double x)
{
    const KN(vec) zero = {0.0};
    return x - zero;
}

static KATTR inline double KN(hsum)(KN(vec) v)
{
    double s = 0.0;
    for (int l = 0; l < VW; l++)
        s += v[l];
    return s;
}

/* y = M x, four rows at a time so that every load of x serves four rows. */
static KATTR void KN(gemv)(size_t rows, size_t cols, const double *m, const double *x, double *y)
{
    const size_t cv = cols - cols % VW;
    size_t j = 0;
    for (; j + 4 <= rows; j += 4) {
        const double *r0 = m + j * cols, *r1 = r0 + cols, *r2 = r1 + cols, *r3 = r2 + cols;
        KN(vec) s0 = KN(splat)(0.0), s1 = s0, s2 = s0, s3 = s0;
        for (size_t i = 0; i < cv; i += VW) {
            const KN(vec) xv = KN(load)(x + i);
            s0 += KN(load)(r0 + i) * xv;
            s1 += KN(load)(r1 + i) * xv;
            s2 += KN(load)(r2 + i) * xv;
            s3 += KN(load)(r3 + i) * xv;
        }
        double t0 = KN(hsum)(s0), t1 = KN(hsum)(s1), t2 = KN(hsum)(s2), t3 = KN(hsum)(s3);
        for (size_t i = cv; i < cols; i++) {
            t0 += r0[i] * x[i];
            t1 += r1[i] * x[i];
            t2 += r2[i] * x[i];
            t3 += r3[i] * x[i];
        }
        y[j] = t0;
        y[j + 1] = t1;
        y[j + 2] = t2;
        y[j + 3] = t3;
    }
    for (; j < rows; j++) {
        const double *r = m + j * cols;
        KN(vec) s = KN(splat)(0.0);
        for (size_t i = 0; i < cv; i += VW)
            s += KN(load)(r + i) * KN(load)(x + i);
        double t = KN(hsum)(s);
        for (size_t i = cv; i < cols; i++)
            t += r[i] * x[i];
        y[j] = t;
    }
}

/* y = M x one row at a time, four sums in flight: for weights that come
   from the last-level cache or from memory at every pass (nn__weights_stream)
   one stream, which the hardware prefetcher follows from row to row, is
   faster than four rows side by side, provided x lies on a vector boundary
   (the callers copy it there). */
static KATTR void KN(gemv_stream)(size_t rows, size_t cols, const double *m, const double *x,
                                  double *y)
{
    const size_t cv = cols - cols % VW;
    for (size_t j = 0; j < rows; j++) {
        const double *r = m + j * cols;
        KN(vec) s0 = KN(splat)(0.0), s1 = s0, s2 = s0, s3 = s0;
        size_t i = 0;
        for (; i + 4 * VW <= cv; i += 4 * VW) {
            s0 += KN(load)(r + i) * KN(load)(x + i);
            s1 += KN(load)(r + i + VW) * KN(load)(x + i + VW);
            s2 += KN(load)(r + i + 2 * VW) * KN(load)(x + i + 2 * VW);
            s3 += KN(load)(r + i + 3 * VW) * KN(load)(x + i + 3 * VW);
        }
        for (; i < cv; i += VW)
            s0 += KN(load)(r + i) * KN(load)(x + i);
        double t = KN(hsum)((s0 + s1) + (s2 + s3));
        for (i = cv; i < cols; i++)
            t += r[i] * x[i];
        y[j] = t;
    }
}

/* y (+)= M^T x, four rows of M per sweep over y. */
static KATTR void KN(gemv_t_acc)(size_t rows, size_t cols, const double *m, const double *x,
                                 double *y)
{
    const size_t cv = cols - cols % VW;
    size_t j = 0;
    for (; j + 4 <= rows; j += 4) {
        const double *r0 = m + j * cols, *r1 = r0 + cols, *r2 = r1 + cols, *r3 = r2 + cols;
        const double x0 = x[j], x1 = x[j + 1], x2 = x[j + 2], x3 = x[j + 3];
        const KN(vec) v0 = KN(splat)(x0), v1 = KN(splat)(x1), v2 = KN(splat)(x2),
                      v3 = KN(splat)(x3);
        for (size_t i = 0; i < cv; i += VW) {
            KN(vec) acc = KN(load)(y + i);
            acc += KN(load)(r0 + i) * v0 + KN(load)(r1 + i) * v1 + KN(load)(r2 + i) * v2 +
                   KN(load)(r3 + i) * v3;
            KN(store)(y + i, acc);
        }
        for (size_t i = cv; i < cols; i++)
            y[i] += r0[i] * x0 + r1[i] * x1 + r2[i] * x2 + r3[i] * x3;
    }
    for (; j < rows; j++) {
        const double *r = m + j * cols;
        const KN(vec) v = KN(splat)(x[j]);
        for (size_t i = 0; i < cv; i += VW)
            KN(store)(y + i, KN(load)(y + i) + KN(load)(r + i) * v);
        for (size_t i = cv; i < cols; i++)
            y[i] += r[i] * x[j];
    }
}

static KATTR void KN(gemv_t)(size_t rows, size_t cols, const double *m, const double *x,
                             double *y)
{
    memset(y, 0, cols * sizeof(double));
    KN(gemv_t_acc)(rows, cols, m, x, y);
}

/* One row: r += alpha x (alpha is d_j for accumulation, -rate * d_j for a step,
   which rounds like the product d_j x_i formed first only up to one ulp). */
static KATTR inline void KN(row_axpy)(size_t cols, double alpha, const double *x, double *r)
{
    const size_t cv = cols - cols % VW;
    const KN(vec) av = KN(splat)(alpha);
    for (size_t i = 0; i < cv; i += VW)
        KN(store)(r + i, KN(load)(r + i) + av * KN(load)(x + i));
    for (size_t i = cv; i < cols; i++)
        r[i] += alpha * x[i];
}

static KATTR void KN(ger_add)(size_t rows, size_t cols, const double *d, const double *x,
                              double *m)
{
    for (size_t j = 0; j < rows; j++)
        KN(row_axpy)(cols, d[j], x, m + j * cols);
}

/* M -= rate d x^T, with the product d_j x_i formed before the rate is applied,
   as accumulating a gradient and then stepping does. */
static KATTR inline void KN(row_step)(size_t cols, double rate, double dj, const double *x,
                                      double *r)
{
    const size_t cv = cols - cols % VW;
    const KN(vec) rv = KN(splat)(rate), dv = KN(splat)(dj);
    for (size_t i = 0; i < cv; i += VW)
        KN(store)(r + i, KN(load)(r + i) - rv * (dv * KN(load)(x + i)));
    for (size_t i = cv; i < cols; i++)
        r[i] -= rate * (dj * x[i]);
}

static KATTR void KN(ger_step)(size_t rows, size_t cols, double rate, const double *d,
                               const double *x, double *m)
{
    for (size_t j = 0; j < rows; j++)
        KN(row_step)(cols, rate, d[j], x, m + j * cols);
}

/* y = M^T d through the old weights, then M -= rate d x^T: one sweep over M,
   four rows at a time, each block read for y before it is updated. */
static KATTR void KN(gemv_t_ger_step)(size_t rows, size_t cols, double rate, const double *d,
                                      const double *x, double *m, double *y)
{
    memset(y, 0, cols * sizeof(double));
    size_t j = 0;
    for (; j + 4 <= rows; j += 4) {
        KN(gemv_t_acc)(4, cols, m + j * cols, d + j, y);
        for (size_t q = j; q < j + 4; q++)
            KN(row_step)(cols, rate, d[q], x, m + q * cols);
    }
    for (; j < rows; j++) {
        KN(gemv_t_acc)(1, cols, m + j * cols, d + j, y);
        KN(row_step)(cols, rate, d[j], x, m + j * cols);
    }
}

static KATTR void KN(axpy)(size_t n, double alpha, const double *x, double *y)
{
    KN(row_axpy)(n, alpha, x, y);
}

/* ---- matrix-matrix product ----
   C (m x n, row stride ldc) = or += A (m x k) B (k x n), where A and B are
   read through arbitrary row and column strides so that transposes cost
   nothing. Blocks of A and B are copied ("packed") into `pack` so that the
   register tile reads both contiguously; edges are padded with zeros. */

/* Copies rows [0, mc) x columns [0, kc) of A into MR-row panels, k-major. */
static KATTR void KN(pack_a)(size_t mc, size_t kc, const double *a, size_t rsa, size_t csa,
                             double *pa)
{
    for (size_t i0 = 0; i0 < mc; i0 += MR) {
        const size_t mr = mc - i0 < MR ? mc - i0 : MR;
        double *dst = pa + i0 * kc;
        if (csa == 1) {
            /* row-major A: MR rows read side by side, the panel written in order */
            const double *src = a + i0 * rsa;
            for (size_t p = 0; p < kc; p++)
                for (size_t i = 0; i < mr; i++)
                    dst[p * MR + i] = src[i * rsa + p];
        } else {
            for (size_t p = 0; p < kc; p++) {
                const double *src = a + p * csa + i0 * rsa;
                for (size_t i = 0; i < mr; i++)
                    dst[p * MR + i] = src[i * rsa];
            }
        }
        for (size_t i = mr; i < MR; i++)
            for (size_t p = 0; p < kc; p++)
                dst[p * MR + i] = 0.0;
    }
}

/* Copies rows [0, kc) x columns [0, nc) of B into NR-column panels, k-major. */
static KATTR void KN(pack_b)(size_t kc, size_t nc, const double *b, size_t rsb, size_t csb,
                             double *pb)
{
    for (size_t j0 = 0; j0 < nc; j0 += NR) {
        const size_t nr = nc - j0 < NR ? nc - j0 : NR;
        double *dst = pb + j0 * kc;
        if (csb == 1) {
            for (size_t p = 0; p < kc; p++) {
                const double *src = b + p * rsb + j0;
                for (size_t j = 0; j < nr; j++)
                    dst[p * NR + j] = src[j];
                for (size_t j = nr; j < NR; j++)
                    dst[p * NR + j] = 0.0;
            }
        } else {
            /* a transposed operand: each step of p reads one element from
               each of the panel's NR rows of B^T, the same few cache lines
               for several steps in a row, and writes contiguously */
            for (size_t p = 0; p < kc; p++) {
                const double *src = b + p * rsb + j0 * csb;
                for (size_t j = 0; j < nr; j++)
                    dst[p * NR + j] = src[j * csb];
                for (size_t j = nr; j < NR; j++)
                    dst[p * NR + j] = 0.0;
            }
        }
    }
}

/* The register tile: MR x NR sums over kc steps, stored into (or added to)
   the mr x nr corner of C. B is packed; element (i, p) of A is at
   a[i * a_row + p * a_step]: a packed panel (1, MR), or the MR rows of a
   row-major A where they lie (its row stride, 1). */
static KATTR inline __attribute__((always_inline)) void
KN(tile)(size_t kc, const double *a, size_t a_row, size_t a_step, const double *pb, double *c,
         size_t ldc, size_t mr, size_t nr, int add)
{
    /* the loops over the tile are unrolled so that acc lives in registers */
    KN(vec) acc[MR][NV];
    NN_UNROLL
    for (int i = 0; i < MR; i++)
        NN_UNROLL
        for (int v = 0; v < NV; v++)
            acc[i][v] = KN(splat)(0.0);
    for (size_t p = 0; p < kc; p++) {
        KN(vec) bv[NV];
        NN_UNROLL
        for (int v = 0; v < NV; v++)
            bv[v] = KN(load)(pb + p * NR + v * VW);
        NN_UNROLL
        for (int i = 0; i < MR; i++) {
            const KN(vec) av = KN(splat)(a[i * a_row + p * a_step]);
            NN_UNROLL
            for (int v = 0; v < NV; v++)
                acc[i][v] += av * bv[v];
        }
    }
    if (mr == MR && nr == NR) {
        NN_UNROLL
        for (int i = 0; i < MR; i++)
            NN_UNROLL
            for (int v = 0; v < NV; v++) {
                double *dst = c + (size_t)i * ldc + (size_t)v * VW;
                KN(store)(dst, add ? KN(load)(dst) + acc[i][v] : acc[i][v]);
            }
    } else {
        double tmp[MR * NR];
        NN_UNROLL
        for (int i = 0; i < MR; i++)
            NN_UNROLL
            for (int v = 0; v < NV; v++)
                KN(store)(tmp + i * NR + v * VW, acc[i][v]);
        for (size_t i = 0; i < mr; i++)
            for (size_t j = 0; j < nr; j++)
                c[i * ldc + j] = add ? c[i * ldc + j] + tmp[i * NR + j] : tmp[i * NR + j];
    }
}

static KATTR __attribute__((noinline)) void KN(tile_packed)(size_t kc, const double *pa, const double *pb, double *c,
                                  size_t ldc, size_t mr, size_t nr, int add)
{
    KN(tile)(kc, pa, 1, MR, pb, c, ldc, mr, nr, add);
}

static KATTR __attribute__((noinline)) void KN(tile_direct)(size_t kc, const double *a, size_t rsa,
                                  const double *pb, double *c, size_t ldc, size_t mr, size_t nr, int add)
{
    KN(tile)(kc, a, rsa, 1, pb, c, ldc, mr, nr, add);
}

static KATTR void KN(gemm)(size_t m, size_t n, size_t k, const double *a, size_t rsa,
                           size_t csa, const double *b, size_t rsb, size_t csb, double *c,
                           size_t ldc, int accumulate, double *pack)
{
    /* the packed B block first, then the packed A block, both sized for this call */
    const size_t kcap = k < NN_GEMM_KC ? k : NN_GEMM_KC;
    const size_t ncap = n < NN_GEMM_NC ? n : NN_GEMM_NC;
    double *pb = pack;
    double *pa = pack + kcap * ((ncap + NR - 1) / NR * NR);
    /* A row-major A is read where it lies, but for a last panel of fewer
       than MR rows: packing it costs as much as the product when A is a
       layer's weights and B a small batch. Rows 4 KiB apart (or a multiple)
       are packed anyway, since the MR rows of a panel would compete for the
       same few sets of the L1 cache. */
    const int direct = csa == 1 && rsa % 512 != 0;
    for (size_t jc = 0; jc < n; jc += NN_GEMM_NC) {
        const size_t nc = n - jc < NN_GEMM_NC ? n - jc : NN_GEMM_NC;
        for (size_t pc = 0; pc < k; pc += NN_GEMM_KC) {
            const size_t kc = k - pc < NN_GEMM_KC ? k - pc : NN_GEMM_KC;
            const int add = accumulate || pc > 0;
            KN(pack_b)(kc, nc, b + pc * rsb + jc * csb, rsb, csb, pb);
            for (size_t ic = 0; ic < m; ic += NN_GEMM_MC) {
                const size_t mc = m - ic < NN_GEMM_MC ? m - ic : NN_GEMM_MC;
                const double *ab = a + ic * rsa + pc * csa;
                const size_t m_direct = direct ? mc / MR * MR : 0;
                if (m_direct < mc)
                    KN(pack_a)(mc - m_direct, kc, ab + m_direct * rsa, rsa, csa,
                               pa + m_direct * kc);
                for (size_t jr = 0; jr < nc; jr += NR) {
                    const size_t nr = nc - jr < NR ? nc - jr : NR;
                    for (size_t ir = 0; ir < mc; ir += MR) {
                        const size_t mr = mc - ir < MR ? mc - ir : MR;
                        double *cb = c + (ic + ir) * ldc + jc + jr;
                        if (ir < m_direct)
                            KN(tile_direct)(kc, ab + ir * rsa, rsa, pb + jr * kc, cb, ldc, mr, nr,
                                            add);
                        else
                            KN(tile_packed)(kc, pa + ir * kc, pb + jr * kc, cb, ldc, mr, nr, add);
                    }
                }
            }
        }
    }
    if (k == 0 && !accumulate)
        for (size_t i = 0; i < m; i++)
            memset(c + i * ldc, 0, n * sizeof(double));
}

/* ---- the logistic function ----
   a = 1 / (1 + e^t) with t = -z, e^t evaluated lane by lane: t = k ln 2 + r
   with k an integer and |r| <= ln(2)/2 (k ln 2 taken off in two parts, the
   first exact), e^r by its Taylor series to r^13 (truncation below 1e-17
   relative), and 2^k put into the exponent bits. t is first clamped to
   [-708, 709], where 2^k is a normal number: below -708, 1 + e^t rounds to 1
   anyway; above 709.78, e^t overflows and the result is 0, as with exp(). */
typedef long long KN(ivec) __attribute__((vector_size(VW * sizeof(long long))));

static KATTR inline KN(vec) KN(exp_clamped)(KN(vec) t)
{
    const KN(vec) lo = KN(splat)(-708.0), hi = KN(splat)(709.0);
    const KN(ivec) below = t < lo, above = t > hi;
    t = (KN(vec))(((KN(ivec))t & ~(below | above)) | ((KN(ivec))lo & below) |
                  ((KN(ivec))hi & above));
    /* k = t / ln 2 rounded to the nearest integer: adding 1.5 * 2^52 leaves k
       in the low bits of the sum */
    const KN(vec) shifter = KN(splat)(0x1.8p52);
    KN(vec) kd = t * KN(splat)(0x1.71547652b82fep0) + shifter;
    const KN(ivec) k = (KN(ivec))kd - (KN(ivec))shifter;
    kd -= shifter;
    KN(vec) r = t - kd * KN(splat)(0x1.62e42fee00000p-1); /* ln 2, high part: exact */
    r = r - kd * KN(splat)(0x1.a39ef35793c76p-33);        /* ln 2, low part */
    /* e^r - 1 - r = r^2 (1/2! + r/3! + ... + r^11/13!) */
    static const double c[12] = {
        1.0 / 2,           1.0 / 6,           1.0 / 24,          1.0 / 120,
        1.0 / 720,         1.0 / 5040,        1.0 / 40320,       1.0 / 362880,
        1.0 / 3628800,     1.0 / 39916800,    1.0 / 479001600,   1.0 / 6227020800,
    };
    KN(vec) p = KN(splat)(c[11]);
    for (int i = 10; i >= 0; i--)
        p = p * r + KN(splat)(c[i]);
    const KN(vec) er = KN(splat)(1.0) + (r + r * r * p);
    const KN(vec) scale = (KN(vec))((k + 1023) << 52);
    return er * scale;
}

static KATTR void KN(sigmoid)(size_t n, const double *z, double *a)
{
    const size_t nv = n - n % VW;
    const KN(vec) one = KN(splat)(1.0), overflow = KN(splat)(709.78);
    size_t i = 0;
    for (; i < nv; i += VW) {
        const KN(vec) t = -KN(load)(z + i);
        const KN(vec) s = one / (one + KN(exp_clamped)(t));
        /* 0 where e^t overflows */
        KN(store)(a + i, (KN(vec))((KN(ivec))s & ~(t > overflow)));
    }
    if (i < n) {
        /* the last lanes through a padded vector, so that every unit gets
           the same arithmetic */
        double buf[VW];
        for (int l = 0; l < VW; l++)
            buf[l] = i + (size_t)l < n ? -z[i + (size_t)l] : 0.0;
        const KN(vec) t = KN(load)(buf);
        const KN(vec) s = one / (one + KN(exp_clamped)(t));
        KN(store)(buf, (KN(vec))((KN(ivec))s & ~(t > overflow)));
        for (size_t l = 0; i + l < n; l++)
            a[i + l] = buf[l];
    }
}

/* scalar_max_abs() (kernels.c) a vector of bits at a time */
static KATTR double KN(max_abs)(size_t n, const double *x)
{
    const size_t nv = n - n % VW;
    const KN(ivec) none = {0};
    KN(ivec) m = none;
    for (size_t i = 0; i < nv; i += VW) {
        const KN(ivec) b = (KN(ivec))KN(load)(x + i) & NN_MAGNITUDE_BITS;
        const KN(ivec) above = b > m;
        m = (b & above) | (m & ~above);
    }
    long long best = 0;
    for (int l = 0; l < VW; l++)
        best = m[l] > best ? m[l] : best;
    return nn__magnitude(nn__magnitude_bits(best, nv, n, x));
}

static const struct nn_kernels KN(table) = {
    KLEVEL, KNAME, KN(gemv), KN(gemv_stream), KN(gemv_t), KN(ger_add), KN(ger_step),
    KN(gemv_t_ger_step),
    KN(axpy), KN(gemm), KN(sigmoid), KN(max_abs),
};

#undef NR

/* The parameters of this instantiation, so that the next one can set them. */
#undef KN
#undef KATTR
#undef KLEVEL
#undef KNAME
#undef VW
#undef MR
#undef NV

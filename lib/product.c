/* The matrix products of the batched passes.

   Every product goes to the gemm of the network's kernel level (kernels.c),
   except in builds with the Meson option 'cblas': there the system's CBLAS
   (cblas_dgemm) takes the products whose every dimension reaches
   NN_BLAS_MIN_DIM and whose multiply-adds reach NN_BLAS_MIN_WORK. Below that
   the call costs more than it gains. The CBLAS sums in its own order, so its
   results agree with the built-in kernels to rounding, not bit for bit. */
#include "internal.h"

#ifdef NN_HAVE_CBLAS
#include <cblas.h>
#include <limits.h>
#endif

#define NN_BLAS_MIN_DIM 32
#define NN_BLAS_MIN_WORK ((double)(1 << 20))

int nn__product_uses_blas(const nn_t *net, size_t m, size_t n, size_t k)
{
#ifdef NN_HAVE_CBLAS
    if (net->blas_off)
        return 0;
    if (m < NN_BLAS_MIN_DIM || n < NN_BLAS_MIN_DIM || k < NN_BLAS_MIN_DIM)
        return 0;
    if (m > INT_MAX || n > INT_MAX || k > INT_MAX)
        return 0;
    return (double)m * (double)n * (double)k >= NN_BLAS_MIN_WORK;
#else
    (void)net;
    (void)m;
    (void)n;
    (void)k;
    return 0;
#endif
}

#ifdef NN_HAVE_CBLAS
/* The CBLAS form of an operand read through strides (rs, cs): one of the two
   is 1 in every product of the passes; 0 when neither is. */
static int blas_operand(size_t rs, size_t cs, enum CBLAS_TRANSPOSE *trans, int *ld)
{
    if (cs == 1 && rs <= INT_MAX) {
        *trans = CblasNoTrans;
        *ld = (int)rs;
        return 1;
    }
    if (rs == 1 && cs <= INT_MAX) {
        *trans = CblasTrans;
        *ld = (int)cs;
        return 1;
    }
    return 0;
}
#endif

void nn__product(const nn_t *net, size_t m, size_t n, size_t k, const double *a, size_t rsa,
                 size_t csa, const double *b, size_t rsb, size_t csb, double *c, size_t ldc,
                 int accumulate, double *pack)
{
#ifdef NN_HAVE_CBLAS
    enum CBLAS_TRANSPOSE ta, tb;
    int lda, ldb;
    /* (the leading dimensions of the passes always cover their rows: the
       CBLAS checks that, and only the built-in gemm takes other strides) */
    if (nn__product_uses_blas(net, m, n, k) && ldc <= INT_MAX && ldc >= n &&
        blas_operand(rsa, csa, &ta, &lda) && blas_operand(rsb, csb, &tb, &ldb) &&
        (size_t)lda >= (ta == CblasNoTrans ? k : m) &&
        (size_t)ldb >= (tb == CblasNoTrans ? n : k)) {
        cblas_dgemm(CblasRowMajor, ta, tb, (int)m, (int)n, (int)k, 1.0, a, lda, b, ldb,
                    accumulate ? 1.0 : 0.0, c, (int)ldc);
        return;
    }
#endif
    net->kernels->gemm(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc, accumulate, pack);
}

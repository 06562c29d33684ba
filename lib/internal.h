/* Internal declarations shared by the files of lib/. Not installed. */
#ifndef BACKPROP_INTERNAL_H
#define BACKPROP_INTERNAL_H

#include "backprop.h"
#include "tuning.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One layer of units. Layer 0 holds only the copy of the last input in `a`. */
struct nn_layer {
    size_t n_in;  /* units of the layer below (0 for layer 0) */
    size_t n_out; /* units of this layer */
    double *w;    /* n_out * n_in weights, row-major, inside nn.params */
    double *b;    /* n_out biases (only b[0] is used when shared), inside nn.params */
    double *gw;   /* gradients of w, inside nn.grads */
    double *gb;   /* gradients of b, inside nn.grads */
    double *z;    /* net inputs of the last forward pass */
    double *a;    /* outputs of the last forward pass */
    double *delta; /* dE/dz of the last backward pass */
    int activation;
    nn_activation_fn custom_f;
    nn_activation_deriv_fn custom_df;
    void *custom_context;
    char custom_name[NN_MAX_NAME + 1];
    int bias_mode;
    int frozen_weights;
    int frozen_biases;
    /* The divergence checks: the largest |a| of the last forward pass and
       of the last batch, the largest |delta| of the last backward pass and
       of the last batch (the passes' own: train.c, tiny.c, batch.c), and
       bounds of the magnitudes of this layer's parameters (w and b) and of
       its gradients (deferred ones included), NN_BOUND_UNKNOWN after a
       setter replaced the values (the next check scans them; bounds.c owns
       them). */
    double a_max;
    double batch_a_max;
    double delta_max;
    double batch_delta_max;
    double param_bound;
    double grad_bound;
};

/* The whole network lives in one allocation: this header, the layer array,
   the parameters, the gradients (same length and order as the parameters) and
   the per-layer buffers. Pointers are derived from the sizes by nn__layout(),
   so a copy is one memcpy followed by nn__layout(). */
struct nn {
    size_t bytes;      /* size of the allocation */
    size_t n_layers;
    size_t n_storage;  /* doubles in params (and in grads): every bias slot counted */
    size_t max_size;   /* largest layer */
    int loss;
    int reduction;     /* NN_REDUCTION_SUM or NN_REDUCTION_MEAN: what a batch backward adds */
    /* Which pass saw which parameters (versions.h, the only code that reads
       or writes these): `clock` counts events, each of the others holds the
       tick of the last event of its kind, 0 for none. */
    uint64_t clock;
    uint64_t param_version;    /* parameters or settings a pass reads changed */
    uint64_t forward_version;  /* nn_forward filled z and a (0: nothing to inspect) */
    uint64_t backward_version; /* the forward pass whose deltas the layers hold */
    uint64_t batch_version;    /* nn_forward_batch filled the batch buffer's rows */
    struct nn_layer *layers;
    double *params;
    double *grads;
    double *scratch;   /* max_size doubles of working space */
    /* Every allocation of this network (and of its clones) goes through these. */
    nn_alloc_fn alloc_fn;
    nn_dealloc_fn dealloc_fn;
    void *alloc_context;
    const struct nn_kernels *kernels; /* the loops this network runs (kernels.c) */
    /* The batch buffer (batch_buffer.c): a second allocation, NULL until
       needed; batch_n is the batched passes' (versions.h). */
    double *batch;
    size_t batch_cap;  /* rows the batch buffer holds */
    size_t batch_n;    /* rows of the last nn_forward_batch; 0 before any */
    size_t n_threads;  /* threads for batched passes (1 unless set) */
    size_t batch_packs; /* gemm packing areas in the batch buffer (one per thread) */
    int blas_off;      /* test hook: built-in kernels even where the CBLAS would serve */
    /* The weight gradients (grads.c): enum nn_grads_state. */
    int grads_state;
    /* The private copies of nn_explain() and nn_export_dot() show a diverging
       step as it would be, NaN and infinities included: on them the single-sample
       passes skip the divergence checks (train.c). */
    int unchecked;
    /* Whether every activation and the loss opt in to nn_train_sample()'s
       register path (nn__tiny_fits); network.c refreshes it whenever one
       of them changes, so that the step does not ask the tables again. */
    int tiny_fits;
    /* The input and target scaling (scaling.c) and the class names
       (class_names.c): allocations of their own, NULL while the network has
       none, so that an unscaled network's passes test one pointer. */
    struct nn__scaling *scaling;
    struct nn__classes *classes;
};

/* network.c */
void nn__layout(struct nn *net);
/* The biases a layer uses: one when shared (the storage keeps a slot per unit). */
static inline size_t nn__bias_count(const struct nn_layer *l)
{
    return l->bias_mode == NN_BIAS_SHARED ? 1 : l->n_out;
}
/* The checks of every per-layer copy of weights or biases (or of their
   gradients): pointers, layer range, exact count. */
static inline nn_status nn__check_layer_copy(const nn_t *net, const void *data, size_t layer,
                                             size_t count, int biases)
{
    if (net == NULL || data == NULL)
        return NN_ERR_NULL_ARG;
    if (layer < 1 || layer >= net->n_layers)
        return NN_ERR_LAYER_RANGE;
    const struct nn_layer *l = &net->layers[layer];
    const size_t expected = biases ? nn__bias_count(l) : l->n_out * l->n_in;
    return count == expected ? NN_OK : NN_ERR_COUNT;
}

/* Every allocation a call on a network makes goes through the network's
   allocator (nn_create_with_allocator() promises it): `size` is never 0,
   and nn__dealloc() takes NULL as a no-op. */
static inline void *nn__alloc(const nn_t *net, size_t size)
{
    return net->alloc_fn(net->alloc_context, size);
}

static inline void nn__dealloc(const nn_t *net, void *ptr)
{
    if (ptr != NULL)
        net->dealloc_fn(net->alloc_context, ptr);
}

/* A double is finite unless its exponent bits are all ones; adding 1 to the
   exponent field carries into the sign bit exactly then. Integer operations
   without a branch (and without the floating-point exceptions of arithmetic
   on infinities) check a row several times faster than a test per value,
   and the check is on the path of every training call (inline, because
   for the few values of a tiny network the call would cost more). */
static inline int nn__all_finite(const double *x, size_t n)
{
    const uint64_t exponent = 0x7ff0000000000000u, one = 0x0010000000000000u;
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint64_t b0, b1, b2, b3;
        memcpy(&b0, x + i, sizeof b0);
        memcpy(&b1, x + i + 1, sizeof b1);
        memcpy(&b2, x + i + 2, sizeof b2);
        memcpy(&b3, x + i + 3, sizeof b3);
        a0 |= (b0 & exponent) + one;
        a1 |= (b1 & exponent) + one;
        a2 |= (b2 & exponent) + one;
        a3 |= (b3 & exponent) + one;
    }
    for (; i < n; i++) {
        uint64_t b;
        memcpy(&b, x + i, sizeof b);
        a0 |= (b & exponent) + one;
    }
    return ((a0 | a1 | a2 | a3) >> 63) == 0;
}

/* The bits of |x| compared as integers order like the magnitudes, and every
   infinity and NaN lies above every finite value: the largest of them, read
   back as a double, is the largest magnitude, or an infinity or a NaN. The
   loop over x[first..n) that keeps the largest bits so far in `best` (the
   scalar max_abs kernel, the tail of the vector ones, the tiny passes). */
#define NN_MAGNITUDE_BITS 0x7fffffffffffffffLL
static inline long long nn__magnitude_bits(long long best, size_t first, size_t n,
                                           const double *x)
{
    for (size_t i = first; i < n; i++) {
        long long b;
        memcpy(&b, x + i, sizeof b);
        b &= NN_MAGNITUDE_BITS;
        best = b > best ? b : best;
    }
    return best;
}
static inline double nn__magnitude(long long bits)
{
    double max;
    memcpy(&max, &bits, sizeof max);
    return max;
}

/* kernels.c: every loop over a matrix. A table holds one variant (level) of
   the loops; see kernels.c for the levels. */
struct nn_kernels {
    int level;
    const char *name;
    /* y = M x */
    void (*gemv)(size_t rows, size_t cols, const double *m, const double *x, double *y);
    /* y = M x for weights that stream (nn__weights_stream); x on a vector
       boundary for speed (any x gives the same bits) */
    void (*gemv_stream)(size_t rows, size_t cols, const double *m, const double *x, double *y);
    /* y = M^T x */
    void (*gemv_t)(size_t rows, size_t cols, const double *m, const double *x, double *y);
    /* M += d x^T */
    void (*ger_add)(size_t rows, size_t cols, const double *d, const double *x, double *m);
    /* M -= rate (d x^T) */
    void (*ger_step)(size_t rows, size_t cols, double rate, const double *d, const double *x,
                     double *m);
    /* y = M^T d, then M -= rate (d x^T), in one sweep over M */
    void (*gemv_t_ger_step)(size_t rows, size_t cols, double rate, const double *d,
                            const double *x, double *m, double *y);
    /* y += alpha x */
    void (*axpy)(size_t n, double alpha, const double *x, double *y);
    /* C (m x n, row stride ldc) = A B, or += when accumulate; A is m x k and B
       k x n, element (i, p) of A at a[i * rsa + p * csa], likewise B. `pack`
       holds nn__gemm_pack_doubles(max(m, n, k)) doubles. */
    void (*gemm)(size_t m, size_t n, size_t k, const double *a, size_t rsa, size_t csa,
                 const double *b, size_t rsb, size_t csb, double *c, size_t ldc,
                 int accumulate, double *pack);
    /* a = 1 / (1 + e^-z) for the batched passes: level 0 calls exp() of the
       C library (the bits of activation.c), the others evaluate e^-z in
       vector registers (within a few ulps of it) */
    void (*sigmoid)(size_t n, const double *z, double *a);
    /* the largest |x_i|, or an infinity or NaN when some x_i is one (the
       same result at every level: no rounding is involved) */
    double (*max_abs)(size_t n, const double *x);
};
const struct nn_kernels *nn__kernels_best(void);
const struct nn_kernels *nn__kernels_level(int level); /* NULL if not on this CPU */
nn_status nn__kernels_force(nn_t *net, int level);      /* test hook, not exported */
size_t nn__gemm_pack_doubles(size_t dim);

/* Whether the single-sample passes read the weights with gemv_stream
   (tuning.h: NN_STREAM_BYTES). */
static inline int nn__weights_stream(const nn_t *net)
{
    return net->n_storage >= NN_STREAM_BYTES / sizeof(double);
}
/* nn__train_tiny's results */
enum nn_tiny_result {
    NN_TINY_DONE,    /* the step is applied */
    NN_TINY_REFUSED, /* a layer failed its check before any was written */
    NN_TINY_PARTLY   /* a lower layer failed after the layers above it were updated */
};
int nn__train_tiny(nn_t *net, const double *input, const double *target, double rate);
/* Whether the network's activations and loss opt in to nn__train_tiny(). */
int nn__tiny_fits(const nn_t *net);

/* parallel.c: a team of threads for the length of one call. The caller is
   member 0; `size` is the number of members that actually run (at most the
   number asked for; 1 without thread support or when no thread could be
   created). nn__team_sync() is a barrier for every member of the team. */
#define NN_MAX_THREADS 64
struct nn__team;
typedef void (*nn__team_fn)(void *context, struct nn__team *team, size_t index, size_t size);
void nn__team_run(size_t n_threads, nn__team_fn fn, void *context);
void nn__team_sync(struct nn__team *team);

/* product.c: C = or += A B for the batched passes. An operand is a view of
   an array: element (i, j) of the rows x cols matrix lies at
   data[i * stride + j], or at data[j * stride + i] when `transposed` (the
   array holds the matrix's transpose, rows of it `stride` apart). */
struct nn_matrix {
    const double *data;
    size_t rows, cols;
    size_t stride;
    int transposed;
};
static inline struct nn_matrix nn__matrix(const double *data, size_t rows, size_t cols,
                                          size_t stride)
{
    const struct nn_matrix m = {data, rows, cols, stride, 0};
    return m;
}
static inline struct nn_matrix nn__matrix_t(const double *data, size_t rows, size_t cols,
                                            size_t stride)
{
    const struct nn_matrix m = {data, rows, cols, stride, 1};
    return m;
}
/* c (a.rows x b.cols, rows ldc apart) = a b, or += when accumulate; `pack`
   as for struct nn_kernels.gemm. The CBLAS serves large products when the
   build has one (and net->blas_off is 0), the network's gemm all others. */
void nn__product(const nn_t *net, struct nn_matrix a, struct nn_matrix b, double *c, size_t ldc,
                 int accumulate, double *pack);
int nn__product_uses_blas(const nn_t *net, size_t m, size_t n, size_t k);

/* kernels.c: small loops over vectors */
void nn__vec_add(size_t n, const double *x, double *y);
void nn__vec_mul(size_t n, const double *x, double *y);
double nn__sum(size_t n, const double *x);

/* activation.c and loss.c: their tables are in activation.h and loss.h */

#endif

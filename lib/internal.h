/* Internal declarations shared by the files of lib/. Not installed. */
#ifndef BACKPROP_INTERNAL_H
#define BACKPROP_INTERNAL_H

#include "backprop.h"

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

/* ---- divergence: the bounds (bounds.c owns them) ----
   No training call writes a NaN or an infinity into the parameters or the
   gradients (NN_ERR_DIVERGED). Checking every value written would cost
   another sweep over the weights, so the checks work on bounds: the largest
   |a| and |delta| of the pass (their scans, over a layer's units only, also
   find any NaN or infinity there) and the per-layer bounds of nn_layer. An
   update passes when the bound of what it writes stays at or below
   NN_BOUND_LIMIT: 16 times below the largest double, so that no rounding or
   order of summation of values so bounded can reach an infinity. */
#define NN_BOUND_LIMIT 0x1p1020
/* An unknown bound is NaN, so that adding to it fails every check on the
   way to the scan that replaces it. */
#define NN_BOUND_UNKNOWN NAN
/* A result of the kernel max_abs: whether every value was finite. */
static inline int nn__max_finite(double max_abs)
{
    return max_abs <= 0x1.fffffffffffffp1023;
}
/* Whether adding values of magnitude at most `add` to values bounded by
   `bound` (known) stays within the limit. */
static inline int nn__bound_fits(double bound, double add)
{
    return add <= NN_BOUND_LIMIT && (add == 0.0 || bound + add <= NN_BOUND_LIMIT);
}
/* The bound of layer k's parameters or gradients, scanned when unknown
   (the scans in bounds.c; the known case inline, since every step asks). */
double nn__param_bound_scan(nn_t *net, size_t k);
double nn__grad_bound_scan(nn_t *net, size_t k);
static inline double nn__param_bound(nn_t *net, size_t k)
{
    const double bound = net->layers[k].param_bound;
    return bound >= 0.0 ? bound : nn__param_bound_scan(net, k);
}
static inline double nn__grad_bound(nn_t *net, size_t k)
{
    const double bound = net->layers[k].grad_bound;
    return bound >= 0.0 ? bound : nn__grad_bound_scan(net, k);
}
/* After a setter replaced parameters (layer k, or every layer for 0), or
   every gradient: the next check scans them. */
void nn__params_replaced(nn_t *net, size_t k);
void nn__grads_replaced(nn_t *net);
/* After the gradients of layer k were cleared. */
static inline void nn__grads_cleared(struct nn_layer *l)
{
    l->grad_bound = 0.0;
}
/* After an update that a check passed: what it added to layer k's
   parameters or gradients is at most `add`. */
static inline void nn__params_grew(struct nn_layer *l, double add)
{
    l->param_bound += add;
}
static inline void nn__grads_grew(struct nn_layer *l, double add)
{
    l->grad_bound += add;
}
/* The check of an update of layer k whose products delta_j a_i (or deltas)
   are at most `add` and whose changes are at most `step` (`add` times the
   rate), with the bound scanned if unknown; on success the bound grows. The
   slow path of the tiny passes, whose own test is the same on the bound as
   it stands. */
int nn__update_fits(nn_t *net, size_t k, double add, double step);

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
#define NN_GEMM_KC 256
#define NN_GEMM_MC 128
#define NN_GEMM_NC 480
const struct nn_kernels *nn__kernels_best(void);
const struct nn_kernels *nn__kernels_level(int level); /* NULL if not on this CPU */
nn_status nn__kernels_force(nn_t *net, int level);      /* test hook, not exported */
size_t nn__gemm_pack_doubles(size_t dim);
/* Single-sample passes apply the logistic function of a layer of at least
   this many units through the kernels (vectorised, within 3 ulps of
   activation.c's); smaller layers, those of every worked example among
   them, keep activation.c's bits. */
#define NN_VECTOR_SIGMOID_MIN 16
#define NN_TINY_LAYER 8 /* layers this small take nn__train_tiny() */

/* Whether the single-sample passes read the weights with gemv_stream: when
   the parameters are larger than a second-level cache (1 MiB on the
   machines measured), a pass finds none of them there from the one before
   and streams them all from the last-level cache or memory. The rule
   depends on the network alone, so that every single-sample pass of a
   network forms its sums in the same order whatever the addresses. */
#define NN_STREAM_BYTES ((size_t)1 << 20)
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

/* ---- the gradients (grads.c) ----
   The weight gradients of one sample can stay deferred: nn_backward() on
   zero weight gradients leaves them as the outer product delta a_prev^T of
   the layers' arrays (see grads.c). */
enum nn_grads_state {
    NN_GRADS_ZERO,     /* every stored weight gradient is 0, none deferred */
    NN_GRADS_DEFERRED, /* the weight gradients are deferred (those stored are 0) */
    NN_GRADS_WRITTEN   /* stored weight gradients may be nonzero, none deferred */
};
/* Writes deferred gradients into the accumulators (a no-op when none are):
   before a call overwrites the arrays they are read from, or adds to the
   accumulators. */
void nn__grads_settle(nn_t *net);
/* Whether nn_backward() may defer the weight gradients (none are stored),
   and the record that it did or wrote them. */
static inline int nn__grads_may_defer(const nn_t *net)
{
    return net->grads_state != NN_GRADS_WRITTEN;
}
static inline void nn__grads_set(nn_t *net, enum nn_grads_state state)
{
    net->grads_state = (int)state;
}
/* The gradient of weight (j, i) of layer k, deferred or stored, without
   changing the network. */
double nn__weight_grad(const nn_t *net, size_t k, size_t j, size_t i);

/* One block of parameters with their gradients, contiguous in both arrays.
   Each layer k >= 1 has three, in this order: its weights, its biases (one
   for a shared bias) and the slots a shared bias leaves unused (none when
   per neuron; kept at 0 in both arrays). The blocks of weights and biases,
   layer after layer, are the flat order of nn_get_params(). `index`
   (3 (k - 1) + kind) names a block for the life of the network, so that an
   optimiser can keep state (and step counts) per block. The stored
   gradients of a block of weights are not its gradients while they are
   deferred (nn__grads_settle()). */
enum nn_block_kind { NN_BLOCK_WEIGHTS, NN_BLOCK_BIASES, NN_BLOCK_UNUSED };
#define NN_BLOCKS_PER_LAYER 3
struct nn_block {
    size_t index;    /* 3 (layer - 1) + kind */
    size_t layer;    /* 1 .. n_layers - 1 */
    int kind;        /* enum nn_block_kind */
    int frozen;      /* the step leaves these parameters alone (always for NN_BLOCK_UNUSED) */
    size_t flat;     /* position of params[0] in the flat order (NN_BLOCK_UNUSED: after the layer) */
    size_t count;    /* parameters in the block (0 for NN_BLOCK_UNUSED per neuron) */
    double *params;
    double *grads;
};
static inline void nn__block_set(struct nn_block *b, size_t k, int kind, int frozen, size_t flat,
                                 size_t count, double *params, double *grads)
{
    b->index = (k - 1) * NN_BLOCKS_PER_LAYER + (size_t)kind;
    b->layer = k;
    b->kind = kind;
    b->frozen = frozen;
    b->flat = flat;
    b->count = count;
    b->params = params;
    b->grads = grads;
}
/* The iteration over every block: layer k's three blocks, given where the
   layer starts in the flat order; returns where the next layer starts.
       size_t flat = 0;
       for (size_t k = 1; k < net->n_layers; k++) {
           struct nn_block b[NN_BLOCKS_PER_LAYER];
           flat = nn__layer_blocks(net, k, flat, b);
           ...
       }
   Inline, so that a step on a tiny network pays for no field it ignores. */
static inline size_t nn__layer_blocks(const nn_t *net, size_t k, size_t flat,
                                      struct nn_block b[NN_BLOCKS_PER_LAYER])
{
    const struct nn_layer *l = &net->layers[k];
    const size_t n_weights = l->n_out * l->n_in, n_biases = nn__bias_count(l);
    nn__block_set(&b[NN_BLOCK_WEIGHTS], k, NN_BLOCK_WEIGHTS, l->frozen_weights, flat, n_weights,
                  l->w, l->gw);
    nn__block_set(&b[NN_BLOCK_BIASES], k, NN_BLOCK_BIASES, l->frozen_biases, flat + n_weights,
                  n_biases, l->b, l->gb);
    flat += n_weights + n_biases;
    nn__block_set(&b[NN_BLOCK_UNUSED], k, NN_BLOCK_UNUSED, 1, flat, l->n_out - n_biases,
                  l->b + n_biases, l->gb + n_biases);
    return flat;
}

/* The values in the flat order: their count, and the copies between it and
   the parameters (grads 0) or the stored gradients (grads 1). */
size_t nn__flat_count(const nn_t *net);
static inline nn_status nn__check_flat(const nn_t *net, const void *data, size_t count)
{
    if (net == NULL || data == NULL)
        return NN_ERR_NULL_ARG;
    return count == nn__flat_count(net) ? NN_OK : NN_ERR_COUNT;
}
void nn__flat_get(const nn_t *net, int grads, double *flat);
void nn__flat_set(nn_t *net, int grads, const double *flat);

/* ---- the batch buffer (batch_buffer.c) ---- */
void nn__batch_free(struct nn *net);
nn_status nn__batch_copy(const struct nn *src, struct nn *dst);

/* kernels.c: small loops over vectors */
void nn__vec_add(size_t n, const double *x, double *y);
void nn__vec_mul(size_t n, const double *x, double *y);
double nn__sum(size_t n, const double *x);

/* activation.c; the names: nn_activation_name() */
int nn__activation_is_builtin(int activation);
void nn__activate(const struct nn_layer *layer, const double *z, double *a, size_t n);
void nn__activation_deriv(const struct nn_layer *layer, const double *z, const double *a,
                          double *d, size_t n);

/* loss.c */
int nn__loss_is_valid(int loss);
double nn__loss_value(int loss, size_t n, const double *out, const double *target);
void nn__loss_grad(int loss, size_t n, const double *out, const double *target, double *grad);

#endif

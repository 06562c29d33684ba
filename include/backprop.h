/**
 * @file backprop.h
 * @brief libbackprop: feed-forward neural networks trained by backpropagation.
 *
 * This is the only public header of the library, and it is the manual.
 *
 * @section model The model
 * A network has @c n_layers layers of units: layer 0 holds the inputs, layer
 * <tt>n_layers-1</tt> the outputs. Every other layer @c k (1 <= k < n_layers)
 * receives the outputs of layer <tt>k-1</tt> through a weight matrix and a
 * bias, and applies its activation:
 *
 *     z_k = W_k a_{k-1} + b_k        a_k = f_k(z_k)
 *
 * Parameters are addressed by the layer they lead @e into, so @c layer runs
 * from 1 to <tt>n_layers-1</tt>. Weights are row-major: <tt>w[j * sizes[layer-1] + i]</tt>
 * connects unit @c i of layer <tt>layer-1</tt> to unit @c j of @c layer.
 *
 * @section training Training
 * nn_forward() runs one sample; nn_backward() @e adds that sample's gradients
 * of the loss to the network's gradient accumulators; nn_step() applies
 * <tt>p -= rate * g</tt> to every parameter that is not frozen and clears all
 * gradients. Gradients of several samples are therefore summed, never averaged
 * (averaging is the same as dividing the learning rate by the batch size).
 *
 * @section errors Errors
 * Every call that can fail returns an ::nn_status. A call that fails leaves the
 * network exactly as it was, with the exceptions that @ref divergence lists.
 * nn_strerror() explains a status in one sentence.
 *
 * @section divergence Divergence
 * No call ever writes a NaN or an infinity into the parameters or the
 * gradients. A training step that would (a learning rate far too large,
 * inputs near the largest double, an exploding network) is refused with
 * ::NN_ERR_DIVERGED:
 * - nn_backward(), nn_backward_batch() and nn_step() return it when a delta,
 *   gradient or updated parameter they compute would not be finite; the
 *   parameters and the accumulated gradients are then bit for bit as before
 *   the call.
 * - nn_train_sample() and nn_train_sequential() update each layer as soon as
 *   its deltas are known, from the output layer down, and check each layer's
 *   deltas and the bound of its update before writing that layer. When the
 *   output layer fails (nearly every divergence) nothing is written. When a
 *   lower layer fails after the layers above it were updated, those keep their
 *   update (every parameter is still finite): the one exception to "a failed
 *   call leaves the network as it was" among the training calls.
 * - A forward pass (nn_forward(), nn_forward_batch(), nn_predict() and the
 *   passes inside the training calls) whose outputs, in any layer, are not
 *   finite (a custom activation that returns NaN, a sum that overflows)
 *   returns it without changing parameters or gradients; it has overwritten
 *   the values of the last pass of its kind, so until the next successful one
 *   the inspection calls, nn_loss() and nn_backward() return ::NN_ERR_NO_FORWARD
 *   (::NN_ERR_NO_BATCH for nn_loss_batch() and nn_backward_batch()).
 * - After a refused nn_backward(), nn_train_sample() or nn_train_sequential(),
 *   nn_get_deltas() returns ::NN_ERR_NO_BACKWARD; the forward pass stays readable.
 *
 * To keep the checks off the cost of a step, they work on bounds: the largest
 * magnitudes of the pass's outputs and deltas (for networks of at most 8 units
 * a layer, their sums), and a bound of each layer's parameters and gradients
 * kept up to date on the side. A step is therefore also refused when such a
 * bound of what it would write exceeds 2^1020 (about 1.1e307, 16 times below
 * the largest double): values that large are a divergence in all but name. nn_explain() and nn_export_dot() show a diverging
 * step as it would be, NaN and infinities included.
 *
 * @section threads Threads and memory
 * The library keeps no global mutable state, never prints, never exits and
 * never reads the environment. Distinct networks may be used from distinct
 * threads at the same time without locking. One network must not be used by
 * two threads at once, except that calls taking a @c const @c nn_t* may run
 * concurrently with each other. The batched calls can also divide one pass
 * among threads of their own (nn_set_threads(); off by default). Every network is one allocation made by
 * nn_create() or nn_clone() and released by nn_free(), plus, once batches are
 * used, its batch buffer (see nn_reserve_batch()); arrays passed to the
 * library are always owned by the caller. A network's allocator callbacks and
 * custom activation callbacks (which its clones share) must be thread-safe if
 * the network and its clones are used from several threads.
 */
#ifndef BACKPROP_H
#define BACKPROP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Marks the functions the shared library exports. */
#if defined(_WIN32) && defined(BACKPROP_BUILDING)
#define BACKPROP_API __declspec(dllexport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define BACKPROP_API __attribute__((visibility("default")))
#else
#define BACKPROP_API
#endif

/** @brief Major version of this header: raised on an incompatible ABI change. */
#define BACKPROP_VERSION_MAJOR 0
/** @brief Minor version of this header: raised when functions are added. */
#define BACKPROP_VERSION_MINOR 2
/** @brief Patch version of this header: raised for fixes only. */
#define BACKPROP_VERSION_PATCH 0
/** @brief The version of this header as a string, "MAJOR.MINOR.PATCH". */
#define BACKPROP_VERSION_STRING "0.2.0"
/** @brief The version of this header as one number, MAJOR*10000 + MINOR*100 + PATCH. */
#define BACKPROP_VERSION_NUMBER \
    (BACKPROP_VERSION_MAJOR * 10000 + BACKPROP_VERSION_MINOR * 100 + BACKPROP_VERSION_PATCH)

/** @brief Largest number of layers (inputs and outputs included) a network may have. */
#define NN_MAX_LAYERS 1024
/** @brief Largest number of units one layer may have. */
#define NN_MAX_LAYER_SIZE 16777216
/** @brief Largest number of parameters (weights plus biases) a network may have. */
#define NN_MAX_PARAMS 134217728
/** @brief Longest name of a custom activation, in bytes, without the terminating NUL. */
#define NN_MAX_NAME 31

/** @brief An opaque network. Create it with nn_create(), release it with nn_free(). */
typedef struct nn nn_t;

/**
 * @brief The result of every call that can fail.
 *
 * Values are stable across releases; new ones are only ever appended.
 */
typedef enum nn_status {
    NN_OK = 0,                 /**< Success. */
    NN_ERR_NULL_ARG = 1,       /**< A required pointer argument was NULL. */
    NN_ERR_NO_MEMORY = 2,      /**< Memory could not be allocated. */
    NN_ERR_LAYER_COUNT = 3,    /**< n_layers is below 2 or above ::NN_MAX_LAYERS. */
    NN_ERR_ZERO_SIZE = 4,      /**< A layer size of 0 was given. */
    NN_ERR_TOO_LARGE = 5,      /**< A size exceeds ::NN_MAX_LAYER_SIZE or the parameter count exceeds ::NN_MAX_PARAMS, a batch buffer would overflow, or a model input is longer than nn_load_options_set_max_bytes() allows. */
    NN_ERR_ACTIVATION = 6,     /**< An unknown activation code was given. */
    NN_ERR_LAYER_RANGE = 7,    /**< A layer index outside the range the call accepts. */
    NN_ERR_COUNT = 8,          /**< An array length that is not the exact number of values. */
    NN_ERR_NOT_FINITE = 9,     /**< A NaN or infinite number was given (rate, parameter, input or target). */
    NN_ERR_NO_FORWARD = 10,    /**< The call needs a forward pass and none has been run. */
    NN_ERR_STALE_FORWARD = 11, /**< Parameters changed since the last forward pass; run nn_forward() again. */
    NN_ERR_NO_BACKWARD = 12,   /**< Deltas were asked for before any backward pass of the current forward pass. */
    NN_ERR_LOSS = 13,          /**< An unknown loss code was given. */
    NN_ERR_BIAS_MODE = 14,     /**< An unknown bias convention was given. */
    NN_ERR_NAME = 15,          /**< A name is empty, too long or holds characters other than letters, digits, '_', '-' and '.'. */
    NN_ERR_ARGUMENT = 16,      /**< Another argument is out of its documented range. */
    NN_ERR_IO = 17,            /**< A file could not be opened, read, written or renamed. */
    NN_ERR_FORMAT = 18,        /**< A model file or buffer is malformed. */
    NN_ERR_UNKNOWN_NAME = 19,  /**< A model names an activation that the caller did not supply, or carries a section (docs/format.md) this library does not know. */
    NN_ERR_PARAMS_NOT_FINITE = 20, /**< The network holds a NaN or infinite parameter and cannot be saved. */
    NN_ERR_BUFFER_SIZE = 21,   /**< A caller-supplied buffer is too small. */
    NN_ERR_BATCH_SIZE = 22,    /**< A batch size of 0, or one that differs from the last batch forward pass. */
    NN_ERR_NO_BATCH = 23,      /**< A batch call needs nn_forward_batch() first. */
    NN_ERR_DIVERGED = 24,      /**< Training diverged: a value the call computes would be NaN or infinite (see @ref divergence); try a lower learning rate. */
    NN_ERR_LOSS_OUTPUT = 25,   /**< The loss takes the log of the outputs (::NN_LOSS_CROSS_ENTROPY, ::NN_LOSS_BINARY_CROSS_ENTROPY) but the output layer's activation gives values outside (0, 1] (linear, tanh, ReLU, leaky ReLU, softplus): use ::NN_ACT_SIGMOID or ::NN_ACT_SOFTMAX there. nn_set_loss() and nn_set_activation() of the output layer refuse such a pair, and so does loading a model that names one. A user-supplied output activation is trusted. */
    NN_ERR_PEER = 26,          /**< Another process of a data-parallel run failed (see nn_train_options_set_collectives()); this process stopped with it. */
    NN_ERR_COMMUNICATION = 27  /**< An exchange between the processes of a data-parallel run failed. */
} nn_status;

/**
 * @brief One sentence that explains @p status.
 * @return A static string; never NULL (an unknown value gets a generic text).
 */
BACKPROP_API const char *nn_strerror(nn_status status);

/** @brief The library's version string at run time, e.g. "0.1.0". Static; never NULL. */
BACKPROP_API const char *nn_version_string(void);
/** @brief The library's version at run time as MAJOR*10000 + MINOR*100 + PATCH. */
BACKPROP_API unsigned long nn_version_number(void);

/* ------------------------------------------------------------------------- */
/** @name Activations
 * Codes for nn_create() and nn_set_activation(). Derivatives below are written
 * in terms of z and a = f(z).
 * @{ */
enum {
    NN_ACT_LINEAR = 0,     /**< f(z) = z; f' = 1. */
    NN_ACT_SIGMOID = 1,    /**< f(z) = 1 / (1 + exp(-z)); f' = a (1 - a). Layers of fewer than 16 units use the C library's exp(); larger ones, and the batched passes, evaluate exp in vector registers (within 3 ulps). */
    NN_ACT_TANH = 2,       /**< f(z) = tanh(z); f' = 1 - a^2. */
    NN_ACT_RELU = 3,       /**< f(z) = max(0, z); f' = 1 for z > 0, else 0. */
    NN_ACT_LEAKY_RELU = 4, /**< f(z) = z for z > 0, else 0.01 z; f' = 1 or 0.01. */
    NN_ACT_SOFTPLUS = 5,   /**< f(z) = log(1 + exp(z)); f' = 1 / (1 + exp(-z)). */
    NN_ACT_SOFTMAX = 6,    /**< a_j = exp(z_j) / sum_k exp(z_k) over the layer, computed as exp(z_j - max z) / sum_k exp(z_k - max z) so that nothing overflows. A vector activation: each a_j depends on every z of the layer, and the backward pass multiplies by its Jacobian, dE/dz_j = a_j (dE/da_j - sum_i a_i dE/da_i). Any layer may have it, in every pass (nn_train_sample() of tiny networks takes its general path). */
    NN_ACT_CUSTOM = 100    /**< Reported by nn_get_activation() for a user-supplied activation. */
};
/** @} */

/**
 * @brief A user-supplied activation applied to a whole layer at once.
 * @param context the pointer given to nn_set_custom_activation()
 * @param n number of units
 * @param z the n net inputs
 * @param a receives the n outputs f(z)
 */
typedef void (*nn_activation_fn)(void *context, size_t n, const double *z, double *a);

/**
 * @brief The derivative of a user-supplied activation over a whole layer.
 * @param context the pointer given to nn_set_custom_activation()
 * @param n number of units
 * @param z the n net inputs
 * @param a the n outputs f(z) computed by the matching ::nn_activation_fn
 * @param d receives the n derivatives f'(z)
 */
typedef void (*nn_activation_deriv_fn)(void *context, size_t n, const double *z,
                                       const double *a, double *d);

/** @name Losses
 * Codes for nn_set_loss(). Both are per sample; several samples are summed.
 * @{ */
enum {
    NN_LOSS_HALF_SSE = 0, /**< E = sum over outputs of 1/2 (t - o)^2 (the default). */
    NN_LOSS_MSE = 1,      /**< E = (1/n_outputs) sum over outputs of (t - o)^2. */
    /** E = -sum_j t_j log(o_j). After a ::NN_ACT_SOFTMAX output it is computed from the net
     * inputs, E = sum_j t_j (log sum_k exp(z_k) - z_j), so that no log(0) arises, and the
     * output deltas are o_j sum(t) - t_j (o - t for one-hot targets). After a ::NN_ACT_SIGMOID
     * output it is the general formula, dE/do_j = -t_j / o_j; a target of 0 adds nothing even
     * where its output is 0. It needs outputs in (0, 1]: see ::NN_ERR_LOSS_OUTPUT. */
    NN_LOSS_CROSS_ENTROPY = 2,
    /** E = -sum_j [t_j log(o_j) + (1 - t_j) log(1 - o_j)]. After a ::NN_ACT_SIGMOID output it
     * is computed from the net inputs, E = sum_j [max(z_j, 0) - t_j z_j + log(1 + exp(-|z_j|))],
     * and the output deltas are o - t. After a ::NN_ACT_SOFTMAX output it is the general
     * formula, dE/do_j = (o_j - t_j) / (o_j (1 - o_j)), infinite (::NN_ERR_DIVERGED) where an
     * output rounds to 1. It needs outputs in (0, 1]: see ::NN_ERR_LOSS_OUTPUT. */
    NN_LOSS_BINARY_CROSS_ENTROPY = 3
};
/** @} */

/** @name Bias conventions
 * Codes for nn_set_bias_mode().
 * @{ */
enum {
    NN_BIAS_PER_NEURON = 0, /**< One bias per unit of the layer (the default). */
    NN_BIAS_SHARED = 1      /**< One bias shared by every unit of the layer; its gradient is the sum of the layer's deltas. */
};
/** @} */

/** @name Initialisation schemes
 * Codes for nn_init_random().
 * @{ */
enum {
    NN_INIT_UNIFORM = 0, /**< Every weight and bias uniform on [lo, hi). */
    NN_INIT_XAVIER = 1,  /**< Weights uniform on [-r, r), r = sqrt(6 / (fan_in + fan_out)); biases 0. */
    NN_INIT_HE = 2       /**< Weights uniform on [-r, r), r = sqrt(6 / fan_in); biases 0. */
};
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Names of the built-in choices
 * Each built-in activation, loss and bias convention has one name, the word a
 * model file uses for it (docs/format.md): `linear`, `sigmoid`, `tanh`, `relu`,
 * `leaky_relu`, `softplus`; `half_sse`, `mse`; `per_neuron`, `shared`. The
 * built-in codes are contiguous from 0, so a loop from 0 until the name is
 * NULL lists them all:
 * @code
 * for (int code = 0; nn_activation_name(code) != NULL; code++)
 *     puts(nn_activation_name(code));
 * @endcode
 * The _from_name calls also accept '-' for '_' (`leaky-relu`, `half-sse`) and
 * the older spellings `neuron` and `per_unit` for `per_neuron`; case matters.
 * On an error they leave *code (or *mode) as it was.
 * @{ */

/**
 * @brief The code of the built-in activation called @p name.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ACTIVATION (no built-in has
 *         that name; `custom` is none either).
 */
BACKPROP_API nn_status nn_activation_from_name(const char *name, int *code);
/** @brief The name of a built-in activation; NULL for an unknown code and for ::NN_ACT_CUSTOM. */
BACKPROP_API const char *nn_activation_name(int code);
/** @brief The code of the loss called @p name. @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_LOSS. */
BACKPROP_API nn_status nn_loss_from_name(const char *name, int *code);
/** @brief The name of a loss; NULL for an unknown code. */
BACKPROP_API const char *nn_loss_name(int code);
/** @brief The code of the bias convention called @p name. @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_BIAS_MODE. */
BACKPROP_API nn_status nn_bias_mode_from_name(const char *name, int *mode);
/** @brief The name of a bias convention; NULL for an unknown code. */
BACKPROP_API const char *nn_bias_mode_name(int mode);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Creating and releasing
 * @{ */

/**
 * @brief Creates a network with every weight and bias 0.
 *
 * @param out receives the network; set to NULL on error
 * @param n_layers number of layers, inputs and outputs included (2 .. ::NN_MAX_LAYERS)
 * @param sizes n_layers unit counts: sizes[0] inputs, sizes[n_layers-1] outputs
 * @param activations n_layers-1 codes; activations[k] applies to layer k+1
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_LAYER_COUNT, ::NN_ERR_ZERO_SIZE,
 *         ::NN_ERR_TOO_LARGE, ::NN_ERR_ACTIVATION or ::NN_ERR_NO_MEMORY.
 *
 * The new network has per-neuron biases, nothing frozen and the loss
 * ::NN_LOSS_HALF_SSE. Initialise it with nn_set_weights() or nn_init_random().
 */
BACKPROP_API nn_status nn_create(nn_t **out, size_t n_layers, const size_t *sizes,
                                 const int *activations);

/** @brief Releases a network and everything it owns. NULL is a no-op. */
BACKPROP_API void nn_free(nn_t *net);

/**
 * @brief Makes an independent copy of @p net: parameters, gradients, settings and
 * the state of the last passes. A custom activation's context pointer is shared,
 * not copied. The clone uses the same allocator. Its batch buffer holds just the
 * rows of a live batch (none when there is no live batch), so its first larger
 * batch allocates.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NO_MEMORY (then *out is NULL).
 */
BACKPROP_API nn_status nn_clone(const nn_t *net, nn_t **out);

/**
 * @brief Allocates memory for a network: like malloc(), @p size bytes aligned
 * for any type, or NULL when none is left.
 * @param context the pointer given to nn_create_with_allocator()
 * @param size number of bytes, never 0
 */
typedef void *(*nn_alloc_fn)(void *context, size_t size);

/**
 * @brief Releases memory returned by the matching ::nn_alloc_fn. Never called
 * with NULL.
 * @param context the pointer given to nn_create_with_allocator()
 * @param ptr the memory to release
 */
typedef void (*nn_dealloc_fn)(void *context, void *ptr);

/**
 * @brief nn_create() with the caller's allocator.
 *
 * Every allocation the network ever makes goes through @p alloc and @p dealloc:
 * the network itself, its batch buffers (nn_reserve_batch(), nn_forward_batch()),
 * its clones (nn_clone() gives the clone the same allocator and context) and
 * the working memory of every call on it (nn_explain(), nn_export_dot(),
 * nn_save(), ...). No call on the network calls malloc(), calloc(), realloc()
 * or free() itself. The only memory the system allocates meanwhile is its own:
 * the buffers the C library's stdio keeps for a file it opens, and the stacks
 * of the threads the batched calls create (nn_set_threads()). Objects that
 * belong to no network use the C library's allocator: explain options
 * (nn_explain_options_create() and the names set on them), random generators
 * (nn_rng_create()), and the loaders (nn_load() and the others), which make
 * networks with nn_create().
 * nn_free() releases everything through @p dealloc.
 *
 * @param out, n_layers, sizes, activations as for nn_create()
 * @param alloc, dealloc the allocator; both must not be NULL
 * @param context passed unchanged to both; owned by the caller, who keeps it
 *        valid as long as the network, a clone of it or an optimiser made for
 *        either (nn_optimizer_create()) exists
 * @return as nn_create(); ::NN_ERR_NULL_ARG also for a NULL @p alloc or @p dealloc.
 */
BACKPROP_API nn_status nn_create_with_allocator(nn_t **out, size_t n_layers, const size_t *sizes,
                                                const int *activations, nn_alloc_fn alloc,
                                                nn_dealloc_fn dealloc, void *context);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Shape
 * @{ */

/** @brief Number of layers, inputs and outputs included; 0 for NULL. */
BACKPROP_API size_t nn_layer_count(const nn_t *net);
/** @brief Number of units of @p layer (0 .. n_layers-1); 0 for NULL or a layer out of range. */
BACKPROP_API size_t nn_layer_size(const nn_t *net, size_t layer);
/** @brief Number of inputs; 0 for NULL. */
BACKPROP_API size_t nn_input_count(const nn_t *net);
/** @brief Number of outputs; 0 for NULL. */
BACKPROP_API size_t nn_output_count(const nn_t *net);
/**
 * @brief Number of weights leading into @p layer (1 .. n_layers-1); 0 for NULL or a
 * layer out of range.
 */
BACKPROP_API size_t nn_weight_count(const nn_t *net, size_t layer);
/**
 * @brief Number of biases of @p layer under its current convention: the layer
 * size, or 1 for a shared bias; 0 for NULL or a layer out of range.
 */
BACKPROP_API size_t nn_bias_count(const nn_t *net, size_t layer);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Parameters
 * Each call copies exactly @p count values and refuses any other count
 * (::NN_ERR_COUNT). Setting parameters makes the last forward pass stale and
 * leaves accumulated gradients alone. Values must be finite (::NN_ERR_NOT_FINITE).
 * All return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_LAYER_RANGE, ::NN_ERR_COUNT, and
 * for the setters ::NN_ERR_NOT_FINITE.
 * @{ */

/** @brief Sets the sizes[layer] * sizes[layer-1] weights leading into @p layer, row-major. */
BACKPROP_API nn_status nn_set_weights(nn_t *net, size_t layer, const double *w, size_t count);
/** @brief Copies the weights leading into @p layer, row-major. */
BACKPROP_API nn_status nn_get_weights(const nn_t *net, size_t layer, double *w, size_t count);
/** @brief Sets the biases of @p layer (count is 1 for a shared bias). */
BACKPROP_API nn_status nn_set_biases(nn_t *net, size_t layer, const double *b, size_t count);
/** @brief Copies the biases of @p layer (count is 1 for a shared bias). */
BACKPROP_API nn_status nn_get_biases(const nn_t *net, size_t layer, double *b, size_t count);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Per-layer settings
 * These are properties of the network, set per layer (1 .. n_layers-1) after
 * nn_create(). They return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_LAYER_RANGE and
 * the code named for a bad value.
 * @{ */

/**
 * @brief Sets a built-in activation on @p layer (::NN_ERR_ACTIVATION for an
 * unknown code, including ::NN_ACT_CUSTOM). Makes the last forward pass stale.
 * On the output layer of a network whose loss is a cross-entropy, an activation
 * with values outside (0, 1] is refused with ::NN_ERR_LOSS_OUTPUT, the layer unchanged.
 */
BACKPROP_API nn_status nn_set_activation(nn_t *net, size_t layer, int activation);

/**
 * @brief Installs a user-supplied activation on @p layer.
 *
 * @param net the network
 * @param layer 1 .. n_layers-1
 * @param f computes a = f(z) over the layer; must not be NULL
 * @param df computes f'(z) over the layer from z and a; must not be NULL
 * @param context passed unchanged to @p f and @p df; owned by the caller, who
 *        keeps it alive while the network (and its clones) may use it
 * @param name 1 .. ::NN_MAX_NAME characters from [A-Za-z0-9_.-]; copied. Model
 *        files store this name.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_LAYER_RANGE or ::NN_ERR_NAME.
 * Makes the last forward pass stale. The callbacks must not call back into the
 * library on the same network.
 */
BACKPROP_API nn_status nn_set_custom_activation(nn_t *net, size_t layer, nn_activation_fn f,
                                                nn_activation_deriv_fn df, void *context,
                                                const char *name);

/**
 * @brief The activation code of @p layer (::NN_ACT_CUSTOM for a user-supplied one),
 * or -1 for NULL or a layer out of range.
 */
BACKPROP_API int nn_get_activation(const nn_t *net, size_t layer);

/**
 * @brief The name of @p layer's activation ("linear", "sigmoid", "tanh", "relu",
 * "leaky_relu", "softplus" or a custom name); NULL for NULL or a layer out of
 * range. The string lives as long as the network's setting is unchanged.
 */
BACKPROP_API const char *nn_get_activation_name(const nn_t *net, size_t layer);

/**
 * @brief Switches @p layer's bias convention (::NN_ERR_BIAS_MODE for an unknown code).
 *
 * Per neuron to shared: the shared bias becomes the mean of the layer's biases.
 * Shared to per neuron: every unit's bias becomes the shared value. Either way the
 * layer's pending bias gradients are cleared and the last forward pass becomes
 * stale; switching to the current convention changes nothing.
 */
BACKPROP_API nn_status nn_set_bias_mode(nn_t *net, size_t layer, int mode);
/** @brief The bias convention of @p layer, or -1 for NULL or a layer out of range. */
BACKPROP_API int nn_get_bias_mode(const nn_t *net, size_t layer);

/**
 * @brief Holds @p layer's weights and/or biases fixed: nn_step() and the training
 * calls leave them unchanged. Their gradients are still computed and readable
 * until nn_step() clears all gradients.
 * @param net the network
 * @param layer 1 .. n_layers-1
 * @param freeze_weights nonzero to freeze the weights leading into @p layer
 * @param freeze_biases nonzero to freeze the biases of @p layer
 */
BACKPROP_API nn_status nn_set_frozen(nn_t *net, size_t layer, int freeze_weights,
                                     int freeze_biases);
/**
 * @brief Reads the frozen flags of @p layer into @p freeze_weights and
 * @p freeze_biases (each 0 or 1).
 */
BACKPROP_API nn_status nn_get_frozen(const nn_t *net, size_t layer, int *freeze_weights,
                                     int *freeze_biases);

/**
 * @brief Selects the loss (::NN_ERR_LOSS for an unknown code). Pending gradients
 * and the last forward pass are kept: the loss only enters nn_loss() and
 * nn_backward(). A cross-entropy after an output activation whose values are not
 * all in (0, 1] is refused with ::NN_ERR_LOSS_OUTPUT, the loss unchanged.
 */
BACKPROP_API nn_status nn_set_loss(nn_t *net, int loss);
/** @brief The network's loss code, or -1 for NULL. */
BACKPROP_API int nn_get_loss(const nn_t *net);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Forward, loss, backward, step
 * @{ */

/**
 * @brief Runs one sample forward.
 * @param net the network
 * @param input sizes[0] finite values, raw: a network with input scaling
 *        (nn_set_input_scaling()) scales them first, and layer 0's outputs are
 *        the scaled values; the outputs are in the network's units (not
 *        un-scaled: see nn_predict())
 * @param output receives the outputs (sizes[n_layers-1] values); may be NULL
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE (a NaN or infinite input)
 *         or ::NN_ERR_DIVERGED (an output of a layer is not finite; see @ref divergence).
 * Every layer's net inputs and outputs are kept for inspection and for nn_backward().
 * A logistic layer of 16 units or more is evaluated in vector registers (see
 * ::NN_ACT_SIGMOID); smaller layers give the bits of 1 / (1 + exp(-z)). The
 * order in which each net input's sum is formed depends on the network alone
 * (networks of more than 1 MiB of parameters, whose weights are read as one
 * stream, use another), never on where the caller's arrays lie.
 */
BACKPROP_API nn_status nn_forward(nn_t *net, const double *input, double *output);

/**
 * @brief The loss of the last nn_forward() against @p target, given in the
 * network's units (scaled, when the network has target scaling: nn_scale_targets()).
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE, ::NN_ERR_NO_FORWARD or
 * ::NN_ERR_STALE_FORWARD.
 */
BACKPROP_API nn_status nn_loss(const nn_t *net, const double *target, double *loss);

/**
 * @brief Backpropagates the loss of the last nn_forward() against @p target and
 * ADDS this sample's gradients to the accumulators (frozen parameters included).
 * @p target is in the network's units (scaled, when the network has target
 * scaling: nn_scale_targets()).
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE, ::NN_ERR_NO_FORWARD,
 * ::NN_ERR_STALE_FORWARD or ::NN_ERR_DIVERGED (a delta or gradient would not be
 * finite; nothing changed, see @ref divergence).
 */
BACKPROP_API nn_status nn_backward(nn_t *net, const double *target);

/**
 * @brief Gradient descent: p -= learning_rate * g for every parameter that is not
 * frozen, then every gradient is set to 0. Makes the last forward pass stale.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE (a NaN or infinite rate) or
 *         ::NN_ERR_DIVERGED (an updated parameter would not be finite; nothing
 *         changed, the gradients are kept, see @ref divergence).
 */
BACKPROP_API nn_status nn_step(nn_t *net, double learning_rate);

/**
 * @brief One training step on one sample under the "sequential" rule of some
 * published tutorials.
 *
 * Runs @p input forward, then walks the layers from the output down: it computes
 * the layer's deltas, updates that layer's (non-frozen) weights and biases at
 * once with @p learning_rate, and only then propagates the deltas to the layer
 * below, through the weights it has just changed. The standard rule
 * (nn_backward() then nn_step()) propagates through the old weights instead; the
 * two differ slightly for networks with a hidden layer. A softmax layer (a vector
 * activation) is passed as in the other rules: the vector propagated to it
 * through the updated weights is multiplied by its Jacobian as a whole. The per-layer deltas of
 * this pass stay readable; the accumulated gradients are not touched.
 * @p input is raw (scaled by the network's input scaling, if any), @p target
 * in the network's units (nn_scale_targets()).
 * Makes the last forward pass stale.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE or ::NN_ERR_DIVERGED
 *         (see @ref divergence for what a refused step leaves).
 */
BACKPROP_API nn_status nn_train_sequential(nn_t *net, const double *input, const double *target,
                                           double learning_rate);

/**
 * @brief One online training step on one sample, in one fused pass: the same
 * result, up to the rounding of a different summation order (well within
 * 1e-12 relative), as nn_forward(), nn_backward() and nn_step() on a network with no
 * pending gradients (standard rule), except that gradients accumulated by
 * earlier nn_backward() calls are left untouched. Each layer's update is applied
 * right after its deltas have been propagated through its old weights.
 * Makes the last forward pass stale; the deltas stay readable.
 * @p input is raw (scaled by the network's input scaling, if any), @p target
 * in the network's units (nn_scale_targets()).
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE or ::NN_ERR_DIVERGED
 *         (see @ref divergence for what a refused step leaves).
 */
BACKPROP_API nn_status nn_train_sample(nn_t *net, const double *input, const double *target,
                                       double learning_rate);

/**
 * @brief Copies the accumulated gradients of the weights leading into @p layer.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_LAYER_RANGE or ::NN_ERR_COUNT.
 */
BACKPROP_API nn_status nn_get_weight_grads(const nn_t *net, size_t layer, double *g, size_t count);
/**
 * @brief Copies the accumulated bias gradients of @p layer (count 1 for a shared bias).
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_LAYER_RANGE or ::NN_ERR_COUNT.
 */
BACKPROP_API nn_status nn_get_bias_grads(const nn_t *net, size_t layer, double *g, size_t count);
/** @brief Sets every accumulated gradient to 0. @return ::NN_OK or ::NN_ERR_NULL_ARG. */
BACKPROP_API nn_status nn_zero_grads(nn_t *net);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Optimisers
 * An optimiser keeps state between steps (moments, step sizes, step counts) and
 * applies one update from the network's accumulated gradients per
 * nn_optimizer_step(), in place of nn_step(). The update rules, their
 * hyperparameters and their defaults are PyTorch 1.13's (@c torch.optim,
 * single-tensor form); docs/optimizers.md has the table. With g the
 * accumulated gradient, p a parameter and lr the rate given to the step:
 * - ::NN_OPT_SGD: d = g + wd p; with momentum mu, buf = d on a block's first
 *   step, then buf = mu buf + (1 - dampening) d, and d = d + mu buf (Nesterov)
 *   or d = buf; p -= lr d. Without momentum and weight decay it is nn_step().
 * - ::NN_OPT_ADAM: g += wd p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 *   p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * - ::NN_OPT_ADAMW: p *= 1 - lr wd, then Adam without the L2 term.
 * - ::NN_OPT_RMSPROP: g += wd p; v = alpha v + (1 - alpha) g^2; p -= lr g /
 *   (sqrt(v) + eps), or with momentum buf = mu buf + g / (sqrt(v) + eps) and
 *   p -= lr buf (not centred).
 * - ::NN_OPT_RPROP: iRPROP-. Each parameter's step size grows by eta_plus when
 *   its gradient kept its sign, shrinks by eta_minus when it flipped (and the
 *   gradient then counts as 0), clamped to [step_min, step_max]; p -= sign(g)
 *   step. A block's first step starts every step size at the rate given
 *   (clamped); later rates are ignored, so a schedule does nothing.
 *
 * The state is kept per block, a block being one layer's weights or one
 * layer's biases; t is the block's step count. A frozen block (nn_freeze())
 * is never moved, its state never changes and its step count stays. The
 * state is allocated once by nn_optimizer_create(), with the network's
 * allocator: nn_optimizer_step() allocates nothing. An optimiser serves any
 * network with the parameter layout of the one it was made for (layer sizes
 * and bias conventions), e.g. a clone.
 * @{ */

/** @brief An optimiser: its kind, hyperparameters and state (opaque). */
typedef struct nn_optimizer nn_optimizer_t;

/** @brief The kinds of optimiser (nn_optimizer_create()). */
enum {
    NN_OPT_SGD = 0,     /**< Gradient descent with optional momentum, Nesterov and weight decay ("sgd"). */
    NN_OPT_ADAM = 1,    /**< Adam, weight decay as an L2 term added to the gradient ("adam"). */
    NN_OPT_ADAMW = 2,   /**< Adam with decoupled weight decay ("adamw"). */
    NN_OPT_RMSPROP = 3, /**< RMSprop, not centred, optional momentum ("rmsprop"). */
    NN_OPT_RPROP = 4    /**< Resilient propagation, iRPROP- ("rprop"). */
};

/**
 * @brief The hyperparameters (nn_optimizer_set()), with the kinds that take
 * them, their defaults and their ranges. Every value must be finite.
 */
enum {
    NN_HP_MOMENTUM = 0,     /**< SGD, RMSprop: >= 0 (default 0). */
    NN_HP_DAMPENING = 1,    /**< SGD: any (default 0); used only with momentum. */
    NN_HP_NESTEROV = 2,     /**< SGD: 0 or 1 (default 0); 1 needs momentum > 0 and dampening 0 at the step. */
    NN_HP_WEIGHT_DECAY = 3, /**< SGD, Adam, RMSprop (default 0), AdamW (default 0.01): >= 0. */
    NN_HP_BETA1 = 4,        /**< Adam, AdamW: [0, 1) (default 0.9). */
    NN_HP_BETA2 = 5,        /**< Adam, AdamW: [0, 1) (default 0.999). */
    NN_HP_EPSILON = 6,      /**< Adam, AdamW, RMSprop: >= 0 (default 1e-8). */
    NN_HP_ALPHA = 7,        /**< RMSprop: [0, 1) (default 0.99). */
    NN_HP_ETA_MINUS = 8,    /**< RPROP: (0, 1) (default 0.5). */
    NN_HP_ETA_PLUS = 9,     /**< RPROP: > 1 (default 1.2). */
    NN_HP_STEP_MIN = 10,    /**< RPROP: >= 0 and <= step_max (default 1e-6). */
    NN_HP_STEP_MAX = 11     /**< RPROP: >= step_min (default 50). */
};

/**
 * @brief Makes an optimiser of @p kind for @p net's parameter layout, with the
 * kind's default hyperparameters and no state (every step count 0).
 *
 * The one allocation goes through @p net's allocator (nn_create_with_allocator());
 * the optimiser keeps the allocator, so it may outlive the network.
 * @param[out] out the new optimiser; left unchanged on failure
 * @param net the network whose parameter layout and allocator the optimiser takes
 * @param kind an @c NN_OPT_ code
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ARGUMENT (an unknown kind) or
 *         ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_optimizer_create(nn_optimizer_t **out, const nn_t *net, int kind);

/** @brief Releases @p opt (NULL is a no-op). */
BACKPROP_API void nn_optimizer_free(nn_optimizer_t *opt);

/**
 * @brief Sets one hyperparameter. The state is kept.
 *
 * Ranges are checked here; the rule between two of them (Nesterov needs
 * momentum and no dampening) is checked by nn_optimizer_step(), so that the
 * order of the calls does not matter.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE (a NaN or infinite value)
 *         or ::NN_ERR_ARGUMENT (a code the kind does not take, an unknown code, a
 *         value out of range); on failure nothing changed.
 */
BACKPROP_API nn_status nn_optimizer_set(nn_optimizer_t *opt, int hyperparameter, double value);

/**
 * @brief Reads one hyperparameter into @p value.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (a code the kind does
 *         not take, an unknown code).
 */
BACKPROP_API nn_status nn_optimizer_get(const nn_optimizer_t *opt, int hyperparameter,
                                        double *value);

/**
 * @brief Forgets all state: moments, step sizes, previous gradients and step
 * counts, as just after nn_optimizer_create(). The hyperparameters stay.
 * @return ::NN_OK or ::NN_ERR_NULL_ARG.
 */
BACKPROP_API nn_status nn_optimizer_reset(nn_optimizer_t *opt);

/**
 * @brief Applies one update from @p net's accumulated gradients to every
 * parameter that is not frozen, then sets every gradient to 0 (as nn_step()).
 * Makes the last forward pass stale.
 *
 * Each block that is not frozen advances its step count by one. Allocates
 * nothing.
 * @param opt the optimiser
 * @param net a network with the layout of the optimiser's network
 * @param learning_rate lr of the update rules; for RPROP, the initial step
 *        size of a block's first step only
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE (a NaN or infinite
 *         rate), ::NN_ERR_COUNT (@p net has another parameter layout than the
 *         optimiser's network), ::NN_ERR_ARGUMENT (Nesterov without momentum or
 *         with dampening) or ::NN_ERR_DIVERGED (an updated parameter or state
 *         value would not be finite, see @ref divergence); on failure the
 *         network and the optimiser are as they were.
 */
BACKPROP_API nn_status nn_optimizer_step(nn_optimizer_t *opt, nn_t *net, double learning_rate);

/**
 * @brief The kind of @p opt (an @c NN_OPT_ code) into @p kind.
 * @return ::NN_OK or ::NN_ERR_NULL_ARG.
 */
BACKPROP_API nn_status nn_optimizer_get_kind(const nn_optimizer_t *opt, int *kind);

/**
 * @brief The name of an optimiser kind, the word of model files: "sgd", "adam",
 * "adamw", "rmsprop" or "rprop"; NULL for an unknown code. Static.
 */
BACKPROP_API const char *nn_optimizer_name(int kind);

/**
 * @brief The kind named @p name (nn_optimizer_name(); '-' may stand for '_').
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (no such kind).
 */
BACKPROP_API nn_status nn_optimizer_from_name(const char *name, int *kind);

/**
 * @brief The name of a hyperparameter code: "momentum", "dampening", "nesterov",
 * "weight_decay", "beta1", "beta2", "epsilon", "alpha", "eta_minus", "eta_plus",
 * "step_min" or "step_max"; NULL for an unknown code. Static.
 */
BACKPROP_API const char *nn_hyperparameter_name(int code);

/**
 * @brief The hyperparameter code named @p name (nn_hyperparameter_name(); '-'
 * may stand for '_').
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (no such name).
 */
BACKPROP_API nn_status nn_hyperparameter_from_name(const char *name, int *code);

/**
 * @brief The number of doubles of @p opt's state as a flat array
 * (nn_optimizer_get_state()).
 *
 * The flat state is: the step count of every block, in the flat order of the
 * parameters (layer 1's weights, layer 1's biases, layer 2's weights, ...),
 * followed by one array per kind of value, each in the order of
 * nn_get_params(): SGD the momentum buffer; Adam and AdamW the first moments m,
 * then the second moments v; RMSprop the averages of g^2, then the momentum
 * buffer; RPROP the previous gradients, then the step sizes. So the count is
 * 2 (n_layers - 1) + n_params (SGD) or 2 (n_layers - 1) + 2 n_params (the
 * others). The hyperparameters are not part of it.
 * @return ::NN_OK or ::NN_ERR_NULL_ARG.
 */
BACKPROP_API nn_status nn_optimizer_state_count(const nn_optimizer_t *opt, size_t *count);

/**
 * @brief Copies @p opt's state into @p state (see nn_optimizer_state_count()).
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_COUNT (@p count is not the exact count).
 */
BACKPROP_API nn_status nn_optimizer_get_state(const nn_optimizer_t *opt, double *state,
                                              size_t count);

/**
 * @brief Replaces @p opt's state with @p state (see nn_optimizer_state_count()),
 * e.g. from a checkpoint or averaged across processes.
 *
 * Refused when a value breaks the kind's rules: a step count that is not a
 * whole number in [0, 2^53], a block with step count 0 whose values are not all
 * 0, a negative second moment (Adam, AdamW, RMSprop) or step size (RPROP).
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_COUNT, ::NN_ERR_NOT_FINITE (a NaN
 *         or infinite value) or ::NN_ERR_ARGUMENT; on failure nothing changed.
 */
BACKPROP_API nn_status nn_optimizer_set_state(nn_optimizer_t *opt, const double *state,
                                              size_t count);

/**
 * @brief Clips the accumulated gradients by their global norm, as PyTorch's
 * @c clip_grad_norm_: with n the Euclidean norm of every gradient of a block
 * that is not frozen, every such gradient is multiplied by
 * max_norm / (n + 1e-6) when that is below 1. Frozen blocks' gradients are
 * neither counted nor changed.
 * @param net the network
 * @param max_norm the largest norm kept, >= 0
 * @param[out] norm_before n, the norm before clipping (may be NULL)
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE or ::NN_ERR_ARGUMENT
 *         (a negative @p max_norm); on failure nothing changed.
 */
BACKPROP_API nn_status nn_clip_grad_norm(nn_t *net, double max_norm, double *norm_before);

/**
 * @brief Step decay (PyTorch's @c StepLR): base_rate gamma^floor(step / step_size).
 *
 * Every schedule is a plain function of the step number: call it before each
 * nn_optimizer_step() (or each epoch) with the number of steps taken so far.
 * @param base_rate the rate at step 0
 * @param step the number of steps (or epochs) taken, from 0
 * @param step_size steps between two decays, >= 1
 * @param gamma the factor of each decay
 * @param[out] rate the rate for @p step
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE or ::NN_ERR_ARGUMENT
 *         (@p step_size 0).
 */
BACKPROP_API nn_status nn_schedule_step(double base_rate, size_t step, size_t step_size,
                                        double gamma, double *rate);

/**
 * @brief Exponential decay (PyTorch's @c ExponentialLR): base_rate gamma^step.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NOT_FINITE.
 */
BACKPROP_API nn_status nn_schedule_exponential(double base_rate, size_t step, double gamma,
                                               double *rate);

/**
 * @brief Cosine annealing (the closed form of PyTorch's @c CosineAnnealingLR):
 * min_rate + (base_rate - min_rate) (1 + cos(pi step / period)) / 2. Past
 * @p period the rate rises again along the cosine, as PyTorch's does.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE or ::NN_ERR_ARGUMENT
 *         (@p period 0).
 */
BACKPROP_API nn_status nn_schedule_cosine(double base_rate, size_t step, size_t period,
                                          double min_rate, double *rate);

/**
 * @brief Linear warm-up (PyTorch's @c LinearLR): base_rate times a factor going
 * linearly from @p start_factor at step 0 to @p end_factor at step
 * @p total_steps and staying there, i.e. start + (end - start)
 * min(step, total_steps) / total_steps.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE or ::NN_ERR_ARGUMENT
 *         (@p total_steps 0, @p start_factor outside (0, 1], @p end_factor
 *         outside [0, 1]).
 */
BACKPROP_API nn_status nn_schedule_linear(double base_rate, size_t step, size_t total_steps,
                                          double start_factor, double end_factor, double *rate);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Batches
 * A batch is @p n samples stored row after row: @p n rows of sizes[0] inputs,
 * @p n rows of outputs or targets. The batch calls keep their own state, apart
 * from the single-sample calls: nn_loss(), nn_backward() and the inspection
 * calls keep referring to the last nn_forward(), and nn_loss_batch() and
 * nn_backward_batch() to the last nn_forward_batch(). Anything that makes the
 * last forward pass stale (nn_step(), setting parameters, ...) makes the last
 * batch stale too.
 *
 * The rows of the last batch live in a buffer owned by the network, allocated
 * apart from the network itself (with the network's allocator). Its capacity,
 * in rows, only grows: nn_forward_batch() enlarges it to @p n rows when it is
 * smaller, and nn_reserve_batch() does so ahead of time. Once the capacity
 * covers the largest batch, a training loop of nn_forward_batch(),
 * nn_backward_batch(), nn_step() and nn_train_sample() allocates nothing. The
 * buffer holds, per row, the net inputs, outputs and deltas of every layer,
 * plus a packing area for the matrix products for each thread set with
 * nn_set_threads() (one by default); nn_free() releases it.
 *
 * In builds made with the Meson option @c cblas, the largest matrix products
 * of nn_forward_batch(), nn_backward_batch() and nn_predict() (every dimension
 * at least 32 and at least 2^20 multiply-adds) go to the system's CBLAS
 * (cblas_dgemm); their results then agree with the default build to rounding,
 * not bit for bit. Such a BLAS may run threads of its
 * own, under its own settings (e.g. OPENBLAS_NUM_THREADS), which the library
 * neither reads nor changes.
 * @{ */

/**
 * @brief Makes the batch buffer hold at least @p n rows, and a packing area for
 * each thread set with nn_set_threads(), so that batches of up to @p n samples
 * allocate nothing (so call it after nn_set_threads()). A smaller @p n changes
 * nothing. The last batch stays usable.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_BATCH_SIZE (n is 0),
 *         ::NN_ERR_TOO_LARGE (the buffer's size would overflow) or ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_reserve_batch(nn_t *net, size_t n);

/** @brief The capacity of the batch buffer in rows (0 before any batch); 0 for NULL. */
BACKPROP_API size_t nn_batch_capacity(const nn_t *net);

/**
 * @brief Runs @p n samples forward, each exactly as nn_forward() would (up to
 * rounding: the sums may be formed in another order, and the logistic
 * function is evaluated in vector registers, which may change its last bits).
 *
 * Uses up to nn_get_threads() threads (see nn_set_threads()); the outputs are
 * the same bits for every thread count.
 * @param net the network
 * @param n number of samples, at least 1
 * @param inputs n rows of sizes[0] finite values, row-major, raw (scaled by the
 *        network's input scaling, if any; the batch keeps the scaled rows)
 * @param outputs receives n rows of sizes[n_layers-1] values, in the network's
 *        units (not un-scaled: see nn_predict()); may be NULL. It
 *        may be @p inputs itself (the outputs replace the inputs, with the same
 *        bits as in a separate array), but must share no other double with them.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_BATCH_SIZE (n is 0),
 *         ::NN_ERR_NOT_FINITE, ::NN_ERR_ARGUMENT (@p outputs overlaps @p inputs
 *         without being @p inputs; the network is not changed), ::NN_ERR_TOO_LARGE,
 *         ::NN_ERR_NO_MEMORY (the buffer could not grow; the last batch is then kept)
 *         or ::NN_ERR_DIVERGED (an output of a layer is not finite; no batch is
 *         left, see @ref divergence).
 */
BACKPROP_API nn_status nn_forward_batch(nn_t *net, size_t n, const double *inputs,
                                        double *outputs);

/**
 * @brief The summed loss of the @p n samples of the last nn_forward_batch().
 * @param net the network
 * @param n the number of samples of the last nn_forward_batch()
 * @param targets n rows of sizes[n_layers-1] finite values, in the network's
 *        units (nn_scale_targets() converts raw ones)
 * @param loss receives the sum over the samples of each sample's loss
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NO_BATCH, ::NN_ERR_BATCH_SIZE (n
 *         differs from the last batch), ::NN_ERR_STALE_FORWARD or ::NN_ERR_NOT_FINITE.
 */
BACKPROP_API nn_status nn_loss_batch(const nn_t *net, size_t n, const double *targets,
                                     double *loss);

/** @brief Batch reductions for nn_set_reduction(): what nn_backward_batch() adds. */
enum {
    NN_REDUCTION_SUM = 0, /**< the sum of the samples' gradients (the default) */
    NN_REDUCTION_MEAN = 1 /**< their mean: the sum divided by the number of samples */
};

/**
 * @brief Selects what nn_backward_batch() adds to the gradient accumulators:
 * the sum over the batch's samples (::NN_REDUCTION_SUM, the default) or their
 * mean (::NN_REDUCTION_MEAN), so that the learning rate does not have to
 * shrink as the batch grows. nn_backward(), nn_loss_batch() and the fused
 * training calls are not affected. Copied by nn_clone(); saved in model files
 * (a network with the default saves exactly as before, see docs/format.md).
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (an unknown code;
 *         nothing changes).
 */
BACKPROP_API nn_status nn_set_reduction(nn_t *net, int reduction);
/** @brief The network's batch reduction (::NN_REDUCTION_SUM or ::NN_REDUCTION_MEAN), or -1 for NULL. */
BACKPROP_API int nn_get_reduction(const nn_t *net);

/**
 * @brief Backpropagates the @p n samples of the last nn_forward_batch() and
 * ADDS the sum of their gradients to the accumulators, as @p n calls of
 * nn_backward() would (up to rounding), or their mean when the network's
 * reduction is ::NN_REDUCTION_MEAN (nn_set_reduction(): the output deltas are
 * divided by @p n once, before they are propagated). The per-layer deltas
 * readable with nn_get_deltas() are not touched.
 *
 * Uses up to nn_get_threads() threads, but no more than the batch buffer has
 * packing areas for (see nn_set_threads()); the gradients are the same bits
 * for every thread count.
 * @param net the network
 * @param n the number of samples of the last nn_forward_batch()
 * @param targets n rows of sizes[n_layers-1] finite values, in the network's
 *        units (nn_scale_targets() converts raw ones)
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NO_BATCH, ::NN_ERR_BATCH_SIZE (n
 *         differs from the last batch), ::NN_ERR_STALE_FORWARD, ::NN_ERR_NOT_FINITE
 *         or ::NN_ERR_DIVERGED (a delta or gradient would not be finite; the
 *         gradients are as they were and the batch can be run again).
 */
BACKPROP_API nn_status nn_backward_batch(nn_t *net, size_t n, const double *targets);

/**
 * @brief Sets how many threads the batched passes of @p net may use.
 *
 * With 1 (the default) everything runs in the calling thread. With more, in
 * builds made with the Meson option @c threads (see nn_get_threads() for how
 * to tell), exactly three calls use threads: nn_forward_batch(),
 * nn_backward_batch() and nn_predict(). Each creates up to @p n_threads - 1
 * threads for the length of the call and joins them before it returns, so no
 * thread outlives a call. Every other call, nn_step() and the single-sample
 * calls included, runs in the calling thread only.
 *
 * A call uses fewer threads than set when the batch has fewer rows, when the
 * pass has too little work to pay for a thread (about 2^18 multiply-adds per
 * thread: a batch of n rows counts n times nn_param_count()), when the batch
 * buffer or the workspace has no packing area for it, or when the system
 * cannot create one. The work is divided so that every number is computed by
 * one thread in the order one thread alone uses: results are the same bits
 * for every thread count (with the @c cblas option, equal to rounding where
 * the CBLAS serves).
 *
 * The setting belongs to the network (nn_clone() copies it); the library
 * never reads it from the environment. With more than one thread, a custom
 * activation (nn_set_custom_activation()) is called from several threads at
 * once, each call on its own rows, and must allow that. The batch buffer
 * gains a packing area per thread at the next nn_forward_batch() or
 * nn_reserve_batch(), through the network's allocator; the threads' own
 * stacks come from the system's thread library.
 *
 * @param net the network
 * @param n_threads 1 to 64
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (0, more than 64, or
 *         more than 1 in a build without thread support); after an error the
 *         setting is as it was.
 */
BACKPROP_API nn_status nn_set_threads(nn_t *net, size_t n_threads);

/**
 * @brief The thread count set by nn_set_threads() (1 unless set); 0 for NULL.
 * A build has thread support when nn_set_threads(net, 2) returns ::NN_OK.
 */
BACKPROP_API size_t nn_get_threads(const nn_t *net);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Inference on a shared network
 * nn_predict() reads the network and writes only to the caller's arrays, so
 * one network may serve any number of threads at once, each with its own
 * workspace, as long as no thread changes the network meanwhile.
 * @{ */

/**
 * @brief The number of doubles of workspace nn_predict() needs for @p n samples
 * with the threads set by nn_set_threads() (a packing area per thread it would
 * use); 0 for NULL, @p n of 0, or a size that would overflow.
 */
BACKPROP_API size_t nn_inference_workspace_size(const nn_t *net, size_t n);

/**
 * @brief Runs @p n samples forward without changing the network: the outputs
 * equal those of nn_forward_batch() (and of nn_forward() up to rounding),
 * un-scaled when the network has target scaling.
 *
 * The inputs are raw: a network with input scaling scales them first, as
 * every forward pass does. A network with target scaling gives raw outputs,
 * o * scale + offset of the network's outputs o (nn_unscale_outputs()), where
 * nn_forward() and nn_forward_batch() give o itself.
 *
 * Uses up to nn_get_threads() threads (see nn_set_threads()), as many as
 * @p workspace has packing areas for: a workspace of the size
 * nn_inference_workspace_size() gives with the setting 1 is still accepted and
 * runs in the calling thread. The outputs are the same bits for every thread
 * count. Several threads may call nn_predict() on one network at once, each
 * then creating threads of its own.
 * @param net the network; only read
 * @param n number of samples, at least 1
 * @param inputs n rows of sizes[0] finite values
 * @param outputs receives n rows of sizes[n_layers-1] values. It may be @p inputs
 *        itself (the outputs replace the inputs, with the same bits as in a
 *        separate array, for every thread count), but must share no other double
 *        with them, nor any with @p workspace.
 * @param workspace at least nn_inference_workspace_size(net, n) doubles, owned by
 *        the caller; its contents on return are unspecified. It must share no
 *        double with @p inputs or @p outputs.
 * @param workspace_size the number of doubles in @p workspace
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_BATCH_SIZE (n is 0),
 *         ::NN_ERR_BUFFER_SIZE (workspace too small), ::NN_ERR_NOT_FINITE or
 *         ::NN_ERR_ARGUMENT (an overlap that the parameters above exclude;
 *         nothing is written) or ::NN_ERR_DIVERGED (an output of a layer is not
 *         finite; the outputs are then unspecified, and the inputs are kept when
 *         @p outputs is @p inputs).
 */
BACKPROP_API nn_status nn_predict(const nn_t *net, size_t n, const double *inputs,
                                  double *outputs, double *workspace, size_t workspace_size);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Inspection of the last passes
 * What a worked example prints. Each copies exactly @p count values.
 * Return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_LAYER_RANGE, ::NN_ERR_COUNT and
 * ::NN_ERR_NO_FORWARD / ::NN_ERR_NO_BACKWARD when the pass has not run. The
 * values stay readable after parameters change (they describe the pass that
 * computed them).
 * @{ */

/** @brief Net inputs z of @p layer (1 .. n_layers-1) from the last forward pass. */
BACKPROP_API nn_status nn_get_net_inputs(const nn_t *net, size_t layer, double *z, size_t count);
/** @brief Outputs a = f(z) of @p layer (0 .. n_layers-1; layer 0 is the input) from the last forward pass. */
BACKPROP_API nn_status nn_get_outputs(const nn_t *net, size_t layer, double *a, size_t count);
/**
 * @brief Deltas dE/dz of @p layer (1 .. n_layers-1) from the last backward pass
 * (nn_backward(), nn_train_sequential() or nn_train_sample()) since the last
 * forward pass.
 */
BACKPROP_API nn_status nn_get_deltas(const nn_t *net, size_t layer, double *delta, size_t count);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Bulk access
 * All parameters as one flat array, for optimisers, all-reduce and FFI users.
 * The order is layer by layer from layer 1: the weights row-major, then the
 * biases (one value for a shared bias). Frozen parameters are included.
 * Gradients use the same order. Setters return ::NN_ERR_NOT_FINITE for a NaN or
 * infinite value; all return ::NN_ERR_NULL_ARG and ::NN_ERR_COUNT.
 * @{ */

/** @brief Number of parameters in the flat order; 0 for NULL. */
BACKPROP_API size_t nn_param_count(const nn_t *net);
/** @brief Copies every parameter. */
BACKPROP_API nn_status nn_get_params(const nn_t *net, double *params, size_t count);
/** @brief Sets every parameter; makes the last forward pass stale. */
BACKPROP_API nn_status nn_set_params(nn_t *net, const double *params, size_t count);
/** @brief Copies every accumulated gradient. */
BACKPROP_API nn_status nn_get_grads(const nn_t *net, double *grads, size_t count);
/** @brief Replaces every accumulated gradient (e.g. with an all-reduced sum). */
BACKPROP_API nn_status nn_set_grads(nn_t *net, const double *grads, size_t count);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Random numbers and initialisation
 * The generator is MT19937 seeded like init_genrand(seed); each double is made
 * from two 32-bit outputs as ((a >> 5) * 2^26 + (b >> 6)) / 2^53, which is
 * bit for bit what numpy's np.random.seed(seed) followed by np.random.rand
 * produces, on every platform and compiler.
 * @{ */

/** @brief An opaque random generator. Its state belongs to the caller. */
typedef struct nn_rng nn_rng_t;

/** @brief Creates a generator seeded with @p seed (only the low 32 bits are used). @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NO_MEMORY. */
BACKPROP_API nn_status nn_rng_create(nn_rng_t **out, unsigned long seed);
/** @brief Releases a generator. NULL is a no-op. */
BACKPROP_API void nn_rng_free(nn_rng_t *rng);
/** @brief The next 32-bit output of the generator (0 for NULL). */
BACKPROP_API unsigned long nn_rng_next_u32(nn_rng_t *rng);
/** @brief The next double, uniform on [0, 1) with 53 random bits (0 for NULL). */
BACKPROP_API double nn_rng_uniform(nn_rng_t *rng);

/**
 * @brief Fills every parameter with seeded random numbers, drawn in the flat
 * order of nn_get_params().
 *
 * @param net the network
 * @param seed seeds the generator as nn_rng_create() does
 * @param scheme ::NN_INIT_UNIFORM (then @p lo and @p hi give the range, lo < hi,
 *        both finite; every weight and bias is lo + (hi - lo) u), ::NN_INIT_XAVIER
 *        or ::NN_INIT_HE (@p lo and @p hi are ignored; biases become 0 and use
 *        up no draws)
 * @param lo, hi the range of ::NN_INIT_UNIFORM
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ARGUMENT (unknown scheme or bad range).
 * Makes the last forward pass stale; frozen parameters are filled too.
 */
BACKPROP_API nn_status nn_init_random(nn_t *net, unsigned long seed, int scheme, double lo,
                                      double hi);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Data sets
 * A data set is rows of inputs and targets, doubles stored row-major: what
 * training, validation and evaluation read. A set either owns a copy of its
 * values (nn_dataset_create(), the loaders, subsets, splits) or borrows the
 * caller's arrays (nn_dataset_wrap()). A classification set also holds its
 * class names: its targets are one-hot rows (one per class), or a single 0/1
 * target for two classes. Every set remembers, for each row, its index in
 * the set it was first made or loaded from (nn_dataset_source_rows()), so a
 * split can be written down and replayed by other tools (docs/data.md).
 *
 * A set is never changed by the calls that read it; several threads may read
 * one set at once. Its handle's memory comes from the C library.
 * @{ */

/** @brief An opaque data set. */
typedef struct nn_dataset nn_dataset_t;

/**
 * @brief Makes a data set holding a copy of the caller's arrays.
 * @param[out] out receives the set (release it with nn_dataset_free());
 *        unchanged on failure
 * @param n_rows number of rows, at least 1
 * @param n_inputs inputs per row, at least 1
 * @param n_targets targets per row; 0 for a set of inputs only (for prediction)
 * @param inputs n_rows x n_inputs finite values, row-major
 * @param targets n_rows x n_targets finite values, row-major; may be NULL when
 *        @p n_targets is 0
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ZERO_SIZE (no rows or no inputs),
 *         ::NN_ERR_TOO_LARGE (the sizes overflow), ::NN_ERR_NOT_FINITE or
 *         ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_dataset_create(nn_dataset_t **out, size_t n_rows, size_t n_inputs,
                                         size_t n_targets, const double *inputs,
                                         const double *targets);

/**
 * @brief Makes a data set that borrows the caller's arrays instead of copying
 * them: nothing but the small handle is allocated.
 *
 * The caller keeps both arrays alive and unchanged until nn_dataset_free();
 * their values are checked once, here. Calls that reorder a set's rows make
 * a copy first (their documentation says so).
 * @return as nn_dataset_create().
 */
BACKPROP_API nn_status nn_dataset_wrap(nn_dataset_t **out, size_t n_rows, size_t n_inputs,
                                       size_t n_targets, const double *inputs,
                                       const double *targets);

/** @brief Releases a data set (never the arrays it borrows). NULL is a no-op. */
BACKPROP_API void nn_dataset_free(nn_dataset_t *data);
/** @brief The number of rows; 0 for NULL. */
BACKPROP_API size_t nn_dataset_row_count(const nn_dataset_t *data);
/** @brief Inputs per row; 0 for NULL. */
BACKPROP_API size_t nn_dataset_input_count(const nn_dataset_t *data);
/** @brief Targets per row (0 for a set of inputs only, or NULL). */
BACKPROP_API size_t nn_dataset_target_count(const nn_dataset_t *data);
/** @brief The inputs, nn_dataset_row_count() x nn_dataset_input_count() doubles, row-major; NULL for NULL. Valid until the set is freed or reordered. */
BACKPROP_API const double *nn_dataset_inputs(const nn_dataset_t *data);
/** @brief The targets, row-major; NULL for NULL or a set without targets. Valid until the set is freed or reordered. */
BACKPROP_API const double *nn_dataset_targets(const nn_dataset_t *data);

/**
 * @brief Makes a new set of the rows @p rows[0 .. n-1] of @p data, copied in
 * that order (a row may repeat), with the class names of @p data. Each row
 * keeps its source index (nn_dataset_source_rows()).
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ZERO_SIZE (n is 0),
 *         ::NN_ERR_ARGUMENT (a row index is not below the row count),
 *         ::NN_ERR_TOO_LARGE or ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_dataset_subset(const nn_dataset_t *data, const size_t *rows, size_t n,
                                         nn_dataset_t **out);

/**
 * @brief Copies each row's index in the set it was first made or loaded from
 * (0, 1, 2, ... for such a set itself).
 * @param data the set
 * @param[out] rows receives @p count indices
 * @param count exactly nn_dataset_row_count()
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_COUNT.
 */
BACKPROP_API nn_status nn_dataset_source_rows(const nn_dataset_t *data, size_t *rows,
                                              size_t count);

/** @brief The number of classes of a classification set; 0 for any other set, or NULL. */
BACKPROP_API size_t nn_dataset_class_count(const nn_dataset_t *data);
/** @brief The name of class @p k (0-based), or NULL when @p k is out of range. Valid until the set is freed or its names are set again. */
BACKPROP_API const char *nn_dataset_class_name(const nn_dataset_t *data, size_t k);

/**
 * @brief Makes @p data a classification set with the given class names
 * (copied), or, with @p n of 0, an unnamed set again.
 * @param data the set
 * @param n the number of targets per row (one-hot), or 2 when the set has a
 *        single 0/1 target; or 0
 * @param names @p n non-empty names without line breaks, no two equal; may
 *        be NULL when @p n is 0
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_COUNT (@p n is not the number
 *         above), ::NN_ERR_NAME (an empty or repeated name, or a line break)
 *         or ::NN_ERR_NO_MEMORY; the set is unchanged on failure.
 */
BACKPROP_API nn_status nn_dataset_set_class_names(nn_dataset_t *data, size_t n,
                                                  const char *const *names);

/**
 * @brief The class of row @p row: the index of its largest target (the first
 * one on a tie), or for a single target 1 when it is at least 0.5, else 0.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (@p row out of range,
 *         or a set without targets).
 */
BACKPROP_API nn_status nn_dataset_row_class(const nn_dataset_t *data, size_t row, size_t *k);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Evaluation
 * How well a network does on a data set (nn_evaluate()): the loss, the
 * errors of a regression and, for a classification, the accuracy, each
 * class's precision, recall and F1 and the confusion matrix. The results are
 * a handle read with nn_metrics_get() (one number by its metric code),
 * nn_metrics_class() and nn_metrics_confusion().
 *
 * A set counts as a classification when it or the network has class names
 * (nn_dataset_class_count(), nn_class_count()) or when its targets are class labels: with
 * several targets, every row one-hot (all 0 but exactly one 1); with one
 * target, every target 0 or 1. The classes are then the outputs, a row's
 * class the index of its largest output (the first on a tie), or, for a
 * network of one output, two classes: 1 where the output is at least 0.5,
 * else 0 (nn_predict_class(); the targets' classes are
 * nn_dataset_row_class()'s). Definitions (n rows, m outputs, o the outputs
 * nn_predict() gives, t the targets):
 *
 * - loss: the network's loss (nn_set_loss()) of each row, averaged over the
 *   rows, in the network's units (outputs and targets through
 *   nn_scale_targets(), as training sees them), computed from the outputs by
 *   the loss's general formula (so an output that rounds to 0 where a
 *   cross-entropy's target is 1 makes it infinite);
 * - mse, mae and r2 compare nn_predict()'s outputs with the targets as the
 *   set holds them (raw units);
 * - mse: sum (o - t)^2 / (n m); mae: sum |o - t| / (n m);
 * - r2: the mean over the outputs of 1 - sum (t - o)^2 / sum (t - mean t)^2,
 *   as scikit-learn's r2_score with its uniform average: an output whose
 *   targets are all equal counts 1 when predicted exactly, else 0; defined
 *   from 2 rows on;
 * - bit_fail: the number of outputs (over all rows) with |o - t| >= 0.35,
 *   in the network's units, FANN's bit-fail count with its default limit
 *   (FANN halves the difference first for its symmetric activations; this
 *   count does not);
 * - accuracy: the fraction of rows whose predicted class is the true one;
 * - per class k: precision = TP / (TP + FP), recall = TP / (TP + FN),
 *   F1 = 2 precision recall / (precision + recall), each 0 where its
 *   denominator is 0 (scikit-learn's value with its warning), support = the
 *   rows of class k; macro_* are their plain means over all classes.
 *
 * All are the numbers scikit-learn's sklearn.metrics gives for the same
 * predictions (tests/ref/metrics_ref.py checks this).
 * @{ */

/** @brief The results of nn_evaluate(); release with nn_metrics_free(). */
typedef struct nn_metrics nn_metrics_t;

/** @brief Codes of the numbers nn_metrics_get() reads (names: nn_metric_name()). */
enum {
    NN_METRIC_LOSS = 0,           /**< `loss`: the mean loss per row. */
    NN_METRIC_ACCURACY = 1,       /**< `accuracy`: classification only. */
    NN_METRIC_MSE = 2,            /**< `mse`: mean squared error over every output of every row. */
    NN_METRIC_MAE = 3,            /**< `mae`: mean absolute error over every output of every row. */
    NN_METRIC_R2 = 4,             /**< `r2`: coefficient of determination, averaged over the outputs; 2 rows or more. */
    NN_METRIC_BIT_FAIL = 5,       /**< `bit_fail`: the count of outputs off their target by 0.35 or more. */
    NN_METRIC_MACRO_F1 = 6,       /**< `macro_f1`: the mean F1 over the classes; classification only. */
    NN_METRIC_MACRO_PRECISION = 7, /**< `macro_precision`: the mean precision over the classes; classification only. */
    NN_METRIC_MACRO_RECALL = 8    /**< `macro_recall`: the mean recall over the classes; classification only. */
};

/**
 * @brief Runs every row of @p data through @p net and measures the results
 * (see the definitions above).
 *
 * The rows go through nn_predict() in chunks of at most 256, with the
 * network's thread setting, in one workspace allocated once through the
 * network's allocator (nn_create_with_allocator()) and released before the
 * call returns. The handle itself comes from the C library's malloc().
 * The network is only read: several threads may evaluate one network at once.
 * @param net the network; not changed
 * @param data a set with nn_input_count() inputs and nn_output_count() targets
 *        per row
 * @param[out] out receives the results; unchanged on failure
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_COUNT (the set's input or
 *         target count is not the network's; a set without targets too),
 *         ::NN_ERR_DIVERGED (an output is not finite), ::NN_ERR_NOT_FINITE
 *         (a target or output is not finite in the network's units),
 *         ::NN_ERR_TOO_LARGE or
 *         ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_evaluate(const nn_t *net, const nn_dataset_t *data, nn_metrics_t **out);

/** @brief Releases the results of nn_evaluate(). NULL is a no-op. */
BACKPROP_API void nn_metrics_free(nn_metrics_t *m);

/**
 * @brief One number of the results.
 * @param m the results
 * @param metric a metric code (::NN_METRIC_LOSS, ::NN_METRIC_ACCURACY, ...)
 * @param[out] value receives the number; unchanged on failure
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (an unknown code,
 *         or a number the set does not define: a classification metric of a
 *         set that is not one, r2 of a single row).
 */
BACKPROP_API nn_status nn_metrics_get(const nn_metrics_t *m, int metric, double *value);

/** @brief The number of rows evaluated; 0 for NULL. */
BACKPROP_API size_t nn_metrics_row_count(const nn_metrics_t *m);

/** @brief The number of classes of a classification (the outputs, or 2 for one output); 0 for any other set, or NULL. */
BACKPROP_API size_t nn_metrics_class_count(const nn_metrics_t *m);

/**
 * @brief The precision, recall, F1 and support of class @p k.
 * @param m the results
 * @param k 0 .. nn_metrics_class_count() - 1
 * @param[out] precision, recall, f1, support each receives its value; any may
 *        be NULL when not wanted
 * @return ::NN_OK, ::NN_ERR_NULL_ARG (@p m) or ::NN_ERR_ARGUMENT (@p k out of
 *         range, which includes every @p k of a set that is not a
 *         classification); nothing is written on failure.
 */
BACKPROP_API nn_status nn_metrics_class(const nn_metrics_t *m, size_t k, double *precision,
                                        double *recall, double *f1, size_t *support);

/**
 * @brief Copies the confusion matrix: counts[i * K + j] rows of true class i
 * predicted as class j, K = nn_metrics_class_count().
 * @param m the results
 * @param[out] counts receives K * K counts; unchanged on failure
 * @param count exactly K * K
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ARGUMENT (not a classification)
 *         or ::NN_ERR_COUNT.
 */
BACKPROP_API nn_status nn_metrics_confusion(const nn_metrics_t *m, size_t *counts, size_t count);

/**
 * @brief The class of one row and its probability: the index of the largest
 * output (the first on a tie) and that output; for a network of one output,
 * class 1 with the output as its probability when the output is at least
 * 0.5, else class 0 with 1 minus the output. The outputs are nn_predict()'s.
 * They are probabilities after a ::NN_ACT_SOFTMAX or ::NN_ACT_SIGMOID output
 * layer; otherwise @p probability is just that output.
 *
 * Its workspace comes from the network's allocator.
 * @param net the network; not changed
 * @param input nn_input_count() finite values
 * @param[out] k receives the class
 * @param[out] probability receives its probability; may be NULL
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE, ::NN_ERR_DIVERGED
 *         or ::NN_ERR_NO_MEMORY; nothing is written on failure.
 */
BACKPROP_API nn_status nn_predict_class(const nn_t *net, const double *input, size_t *k,
                                        double *probability);

/**
 * @brief The code of the metric called @p name (`loss`, `accuracy`, `mse`,
 * `mae`, `r2`, `bit_fail`, `macro_f1`, `macro_precision`, `macro_recall`;
 * '-' may stand for '_').
 * @param name the name
 * @param[out] metric receives the code
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (no metric of that
 *         name; *metric unchanged).
 */
BACKPROP_API nn_status nn_metric_from_name(const char *name, int *metric);

/** @brief The name of a metric; NULL for an unknown code (codes are contiguous from 0). */
BACKPROP_API const char *nn_metric_name(int metric);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Permutations, shuffling, splitting and rows files
 * Seeded permutations that are bit for bit numpy's legacy ones
 * (np.random.seed(seed); np.random.permutation(n)), a shuffle and a split
 * built on them (plain: bit for bit scikit-learn's train_test_split; or
 * stratified by class), and the rows file that writes a split or a batch
 * order down for other tools. docs/data.md gives the algorithms exactly.
 * @{ */

/**
 * @brief Fills @p perm with numpy's legacy permutation of 0 .. n-1: bit for
 * bit np.random.seed(seed); np.random.permutation(n).
 *
 * The identity is shuffled by Fisher-Yates from the last element down; each
 * index in [0, i] is drawn by masked rejection from 32-bit outputs (two
 * outputs, the first high, when i does not fit in 32 bits).
 * @param seed seeds the generator as nn_rng_create() does (low 32 bits)
 * @param n the length; 0 gives nothing to fill
 * @param perm room for @p n indices; may be NULL when @p n is 0
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_permutation(unsigned long seed, size_t n, size_t *perm);

/**
 * @brief The next permutation of 0 .. n-1 from @p rng: called repeatedly on
 * one generator, it gives what numpy's RandomState(seed).permutation(n) gives
 * called repeatedly on one RandomState.
 * @param rng the generator (advanced by the draws)
 * @param n the length; 0 draws nothing
 * @param perm room for @p n indices; may be NULL when @p n is 0
 * @return ::NN_OK or ::NN_ERR_NULL_ARG.
 */
BACKPROP_API nn_status nn_rng_permutation(nn_rng_t *rng, size_t n, size_t *perm);

/**
 * @brief Reorders the rows of @p data by nn_permutation(seed, n): row i
 * becomes the old row perm[i], as numpy's x[perm] does. Source rows and class
 * names follow the rows.
 *
 * A borrowed set (nn_dataset_wrap()) becomes a copy: the caller's arrays are
 * never written, and the set no longer reads them. Pointers from
 * nn_dataset_inputs() and nn_dataset_targets() taken before are then invalid.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NO_MEMORY; the set is
 *         unchanged on failure.
 */
BACKPROP_API nn_status nn_dataset_shuffle(nn_dataset_t *data, unsigned long seed);

/**
 * @brief Splits @p data into two new sets: @p first (training) and @p second
 * (held out: test or validation), with @p fraction the share of rows that
 * go to @p second.
 *
 * Not stratified: bit for bit scikit-learn's
 * train_test_split(X, test_size=fraction, random_state=seed, shuffle=True):
 * with perm = nn_permutation(seed, n), @p second gets the rows perm[0 ..
 * h-1] with h = ceil(fraction * n), and @p first the rows perm[h .. n-1], in
 * those orders.
 *
 * Stratified: one generator seeded with @p seed; for each class k in order,
 * the class's rows in ascending order are permuted by nn_rng_permutation()
 * and the first floor(fraction * count_k + 0.5) of them are held out; each
 * part then holds its rows in ascending order. The classes are the set's
 * class names (nn_dataset_row_class()), or, for a set without names, its
 * targets, which must be one-hot (or a single 0/1 target).
 *
 * Both sets keep the class names and each row's source index.
 * @param data the set to split (not changed)
 * @param fraction the share of rows held out, 0 < fraction < 1
 * @param seed seeds the permutations as nn_rng_create() does
 * @param stratify nonzero for a stratified split
 * @param[out] first, second receive the new sets (release each with
 *        nn_dataset_free()); unchanged on failure
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ARGUMENT (@p fraction not
 *         strictly between 0 and 1, a part would be empty, or stratified on a
 *         set without classes or one-hot targets) or ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_dataset_split(const nn_dataset_t *data, double fraction,
                                        unsigned long seed, int stratify, nn_dataset_t **first,
                                        nn_dataset_t **second);

/**
 * @brief Writes one line "label i0 i1 ...\n" to the rows file @p path:
 * @p label, then the @p n row indices in decimal, each after one space
 * (docs/data.md). A split is two lines (e.g. "train ..." and "test ..."),
 * a batch order one line per epoch.
 * @param path the file, created or truncated, or appended to
 * @param label one word: at least one byte, no space, control character or DEL
 * @param rows the @p n indices; may be NULL when @p n is 0
 * @param n the number of indices (0 writes the label alone)
 * @param append nonzero to add the line at the end of the file
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NAME (a bad label) or
 *         ::NN_ERR_IO (the file could not be opened or written).
 */
BACKPROP_API nn_status nn_write_rows_file(const char *path, const char *label,
                                          const size_t *rows, size_t n, int append);

/**
 * @brief Writes the source rows of @p data (nn_dataset_source_rows()) as one
 * line of a rows file, as nn_write_rows_file() does.
 * @return as nn_write_rows_file(), or ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_dataset_write_rows(const nn_dataset_t *data, const char *path,
                                             const char *label, int append);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Data set files: CSV and FANN
 * Loading a data set from CSV text (with a header line or not, target
 * columns chosen by index or as the last n, or a column of class labels made
 * into one-hot targets with the class names kept) or from FANN's training
 * data format, and saving it back. A malformed input is refused with
 * ::NN_ERR_FORMAT and a message "line L, column C: ..." (columns 1-based; text
 * from the input shown as printable ASCII only and cut when long) in the
 * caller's buffer; nothing is made. docs/data.md specifies both formats.
 * @{ */

/** @brief The header rule of nn_csv_options_set_header(). */
enum {
    NN_CSV_HEADER_AUTO = 0, /**< the first line is a header when any of its fields (but a class column given by index) is not a number */
    NN_CSV_HEADER_YES = 1,  /**< the first line is a header */
    NN_CSV_HEADER_NO = 2    /**< every line is data */
};

/** @brief Options of the CSV loader (opaque; the defaults: header auto, delimiter ',', every column an input). */
typedef struct nn_csv_options nn_csv_options_t;

/** @brief Makes an options handle with the defaults. @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NO_MEMORY. */
BACKPROP_API nn_status nn_csv_options_create(nn_csv_options_t **out);
/** @brief Releases an options handle. NULL is a no-op. */
BACKPROP_API void nn_csv_options_free(nn_csv_options_t *options);
/**
 * @brief Whether the first line that is not blank or a comment is a header.
 * @param o the options
 * @param header ::NN_CSV_HEADER_AUTO (the default), ::NN_CSV_HEADER_YES or ::NN_CSV_HEADER_NO
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT.
 */
BACKPROP_API nn_status nn_csv_options_set_header(nn_csv_options_t *o, int header);
/**
 * @brief The target columns, by 0-based index; the targets of a row come in
 * the order given, the other columns are the inputs in file order. Replaces
 * nn_csv_options_set_target_count() and nn_csv_options_set_class_column().
 * @param o the options
 * @param columns @p n indices, no two equal (checked against the file's
 *        width when loading); may be NULL when @p n is 0 (no targets)
 * @param n the number of target columns
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ARGUMENT (a repeated index) or
 *         ::NN_ERR_NO_MEMORY; unchanged on failure.
 */
BACKPROP_API nn_status nn_csv_options_set_target_columns(nn_csv_options_t *o,
                                                         const size_t *columns, size_t n);
/**
 * @brief The last @p n columns are the targets (0: none). Replaces the other
 * choices of targets.
 * @return ::NN_OK or ::NN_ERR_NULL_ARG.
 */
BACKPROP_API nn_status nn_csv_options_set_target_count(nn_csv_options_t *o, size_t n);
/**
 * @brief A column of class labels, made into one-hot targets (one per
 * class) with the labels kept as class names. Replaces the other choices of
 * targets.
 *
 * The column is the header field equal to @p name_or_index; else, when it
 * is all decimal digits, the column of that 0-based index. Classes are
 * ordered as numpy.unique orders them: numerically ascending when every
 * label reads as a number (ties by bytes), else by bytes (strcmp).
 * @param o the options
 * @param name_or_index a header name or a 0-based index; NULL for no class column
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ARGUMENT (an empty text) or
 *         ::NN_ERR_NO_MEMORY; unchanged on failure.
 */
BACKPROP_API nn_status nn_csv_options_set_class_column(nn_csv_options_t *o,
                                                       const char *name_or_index);
/**
 * @brief The byte between fields (',' by default; ';', tab, space and others).
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (NUL, a line
 *         break, '#', or a byte that can be part of a number).
 */
BACKPROP_API nn_status nn_csv_options_set_delimiter(nn_csv_options_t *o, char delimiter);

/**
 * @brief Loads a data set from a CSV file (docs/data.md): one row a line,
 * fields separated by the delimiter, blanks around a field ignored, LF or
 * CRLF line ends, a UTF-8 byte order mark skipped, blank lines and lines
 * starting with '#' ignored, lines of any length; numbers as strtod reads
 * them in the "C" locale (subnormals such as 1e-320 included), finite.
 * @param[out] out receives the set (release it with nn_dataset_free());
 *        unchanged on failure
 * @param path the file
 * @param options NULL for the defaults
 * @param message receives "line L, column C: reason" (or "line L: reason",
 *        or the reason alone) on failure, "" on success; may be NULL
 * @param message_size bytes at @p message (the text is cut to fit)
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_IO (the file could not be
 *         opened or read), ::NN_ERR_FORMAT (malformed: a field that is not a
 *         finite number, a line of another width, no data rows, a chosen
 *         column beyond the width, no input column left, an empty class
 *         label, one class only, a class column name not in the header),
 *         ::NN_ERR_TOO_LARGE or ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_dataset_load_csv(nn_dataset_t **out, const char *path,
                                           const nn_csv_options_t *options, char *message,
                                           size_t message_size);
/**
 * @brief nn_dataset_load_csv() from @p size bytes in memory (NUL bytes in
 * them are refused where they matter).
 * @return as nn_dataset_load_csv(), never ::NN_ERR_IO.
 */
BACKPROP_API nn_status nn_dataset_load_csv_buffer(nn_dataset_t **out, const char *data,
                                                  size_t size, const nn_csv_options_t *options,
                                                  char *message, size_t message_size);
/**
 * @brief Loads a data set from a file in FANN's training data format: a
 * line "pairs inputs outputs" (whole numbers; pairs and inputs at least 1),
 * then for each pair a line of its inputs and, when outputs is not 0, a line
 * of its outputs, numbers separated by blanks (docs/data.md). Blank lines are
 * ignored; anything after the last pair is refused.
 * @return as nn_dataset_load_csv(); columns in messages count the values of a line.
 */
BACKPROP_API nn_status nn_dataset_load_fann(nn_dataset_t **out, const char *path, char *message,
                                            size_t message_size);
/** @brief nn_dataset_load_fann() from @p size bytes in memory. @return as nn_dataset_load_fann(), never ::NN_ERR_IO. */
BACKPROP_API nn_status nn_dataset_load_fann_buffer(nn_dataset_t **out, const char *data,
                                                   size_t size, char *message,
                                                   size_t message_size);
/**
 * @brief Saves a data set as CSV: a header line "x1,...,xN,y1,...,yM", then
 * one row a line, numbers as %.17g in the "C" locale (so loading them gives
 * every bit back). A classification set writes one last column "class" with
 * each row's class name instead of its targets.
 *
 * With nn_csv_options_set_target_count(M) (or the class column "class")
 * nn_dataset_load_csv() gives back the same values; a class set comes back
 * with one-hot targets and its classes in the loader's order.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ARGUMENT (a class set whose
 *         targets are not one-hot, or a class name with a ',', a control
 *         character, or blanks at either end) or ::NN_ERR_IO. The file is
 *         written in place.
 */
BACKPROP_API nn_status nn_dataset_save_csv(const nn_dataset_t *data, const char *path);
/**
 * @brief Saves a data set in FANN's training data format (numbers as %.17g;
 * class names are not kept: the format has none).
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_IO. The file is written in place.
 */
BACKPROP_API nn_status nn_dataset_save_fann(const nn_dataset_t *data, const char *path);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Model files
 * A network is saved as line-oriented text, specified in docs/format.md: the
 * first line is "backprop-model 1", then the layer sizes, the loss, and for
 * every layer its activation by name, its bias convention, its frozen flags,
 * its weights and its biases. Numbers are C99 hexadecimal floating-point
 * constants (e.g. 0x1.999999999999ap-4), written and read by the library
 * itself, so a round trip restores every bit and the locale plays no part.
 *
 * Loading restores sizes, activations, bias conventions, frozen flags, loss
 * and parameters; gradients start at 0 and no pass has run. A model loads if
 * and only if nn_create() accepts its sizes (::NN_MAX_LAYERS,
 * ::NN_MAX_LAYER_SIZE, ::NN_MAX_PARAMS) and it is well formed. Loading is safe
 * on untrusted input: it reads only the bytes given, it checks the sizes a
 * model claims against the bytes that follow before allocating anything, and
 * it refuses (::NN_ERR_FORMAT, "line N: ...") an input longer than its sizes
 * allow: at most 64 KiB before the `sizes` line, then 64 KiB from the start of
 * that line plus 32 bytes per number and 256 per layer the sizes declare
 * (every network the library can create fits; docs/format.md), or one with a
 * word longer than 64 KiB. A file is read through a 128 KiB window, no further
 * than that.
 * A custom activation is saved by its name ("activation custom NAME"); only
 * the extended loaders, given that name and its functions, can load it.
 * @{ */

/**
 * @brief Saves @p net to the file @p path, replacing it safely.
 *
 * The model is written to a new file in the target's directory (named
 * ".<name>.<16 hex digits>.tmp"), flushed to the disk, and only then renamed
 * over the target, so the target always holds the old model or the new one.
 * On any failure the temporary file is removed and an existing file is left
 * as it was. Nothing is created when the network cannot be saved.
 *
 * A symbolic link at @p path is followed: its target is replaced (or created,
 * for a dangling link) and the link stays. An existing target that is not a
 * regular file (a directory, device, FIFO or socket) is refused with
 * ::NN_ERR_IO without being opened. On POSIX systems the temporary has mode
 * 0600 while it is written and gets, just before the rename, the mode of the
 * file it replaces or, for a new file, the mode a new file gets (0666 less the
 * umask); each save removes the temporaries that killed saves of the same
 * target left behind (those not locked by a running save); the directory is
 * synced after the rename. The memory a save needs comes from the network's
 * allocator (see nn_create_with_allocator()); the C library's opendir() may
 * allocate its own buffer.
 * @param net the network to save; not changed
 * @param path the file to create or replace
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_PARAMS_NOT_FINITE (a NaN or
 *         infinite weight or bias; no file is created or changed),
 *         ::NN_ERR_NO_MEMORY or ::NN_ERR_IO.
 */
BACKPROP_API nn_status nn_save(const nn_t *net, const char *path);

/**
 * @brief Writes the model text of @p net into the caller's buffer, like snprintf.
 *
 * @param net the network to save; not changed
 * @param buf receives the text and a terminating NUL; may be NULL when @p size is 0
 * @param size bytes available at @p buf
 * @param length receives the length of the text, without the NUL, on ::NN_OK and on
 *        ::NN_ERR_BUFFER_SIZE (so a call with NULL and 0 asks for the size: allocate
 *        *length + 1 bytes); 0 on other errors
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_PARAMS_NOT_FINITE or
 *         ::NN_ERR_BUFFER_SIZE (@p size is not above the length). On every error
 *         the buffer is left untouched.
 */
BACKPROP_API nn_status nn_save_buffer(const nn_t *net, char *buf, size_t size, size_t *length);

/**
 * @brief Loads a network from the file @p path (built-in activations only).
 * @param path the model file
 * @param out receives the new network, owned by the caller (release it with
 *        nn_free()); set to NULL on error
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_IO (the file cannot be opened or
 *         read, or is neither a regular file nor a pipe: a directory or a device
 *         such as /dev/zero is refused before it is opened; a FIFO is read, and
 *         waits for a writer), ::NN_ERR_FORMAT (malformed, or longer than its
 *         sizes allow), ::NN_ERR_UNKNOWN_NAME (an activation
 *         this library does not know, including any custom one) or ::NN_ERR_NO_MEMORY.
 *         nn_load_ex() also explains a failure in words.
 */
BACKPROP_API nn_status nn_load(nn_t **out, const char *path);

/**
 * @brief Loads a network from @p size bytes at @p data (built-in activations only).
 *
 * The text need not be NUL-terminated; exactly @p size bytes are read.
 * @param out receives the new network, owned by the caller; set to NULL on error
 * @param data the model text, owned by the caller; not kept
 * @param size its length in bytes
 * @return as nn_load(), without ::NN_ERR_IO.
 */
BACKPROP_API nn_status nn_load_buffer(nn_t **out, const char *data, size_t size);

/**
 * @brief Loads a network from the file @p path, with the caller's custom
 * activations and an explanation of any failure.
 *
 * Kept until the next major version as a wrapper of nn_load_with(), which
 * takes the same settings (and more) as an ::nn_load_options_t; unlike
 * nn_load_options_add_activation(), the arrays may repeat a name.
 *
 * The custom activations are given as @p n_custom entries of parallel arrays:
 * a model layer written "activation custom NAME" gets the functions of the
 * first entry whose name is NAME, as if installed by nn_set_custom_activation().
 * Nothing is kept after the call returns except what the network stores.
 *
 * @param out receives the new network, owned by the caller; set to NULL on error
 * @param path the model file
 * @param n_custom number of entries in each array (0: none; the arrays may then be NULL)
 * @param names @p n_custom valid activation names (see nn_set_custom_activation())
 * @param fs @p n_custom activation functions, none NULL
 * @param dfs @p n_custom derivative functions, none NULL
 * @param contexts NULL (every context NULL) or @p n_custom context pointers, owned
 *        by the caller, who keeps them alive while the network may use them
 * @param msg NULL or a buffer of @p msg_size bytes that receives a NUL-terminated
 *        message: "" on success, "line N: reason" for ::NN_ERR_FORMAT and
 *        ::NN_ERR_UNKNOWN_NAME (N counts from 1), "not a regular file or a pipe"
 *        for such a path, nn_strerror() text otherwise; truncated to fit
 * @param msg_size size of @p msg (0 when @p msg is NULL)
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NAME (an invalid name in @p names),
 *         ::NN_ERR_IO, ::NN_ERR_FORMAT, ::NN_ERR_UNKNOWN_NAME (the model names an
 *         activation that is neither built in nor in @p names) or ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_load_ex(nn_t **out, const char *path, size_t n_custom,
                                  const char *const *names, const nn_activation_fn *fs,
                                  const nn_activation_deriv_fn *dfs, void *const *contexts,
                                  char *msg, size_t msg_size);

/**
 * @brief nn_load_ex() from @p size bytes at @p data instead of a file (which
 * need not be NUL-terminated).
 * @param out receives the new network, owned by the caller; set to NULL on error
 * @param data the model text, owned by the caller; not kept
 * @param size its length in bytes
 * @param n_custom as for nn_load_ex()
 * @param names as for nn_load_ex()
 * @param fs as for nn_load_ex()
 * @param dfs as for nn_load_ex()
 * @param contexts as for nn_load_ex()
 * @param msg as for nn_load_ex()
 * @param msg_size as for nn_load_ex()
 * @return as nn_load_ex(), without ::NN_ERR_IO.
 */
BACKPROP_API nn_status nn_load_buffer_ex(nn_t **out, const char *data, size_t size,
                                         size_t n_custom, const char *const *names,
                                         const nn_activation_fn *fs,
                                         const nn_activation_deriv_fn *dfs,
                                         void *const *contexts, char *msg, size_t msg_size);

/**
 * @brief Settings for nn_load_with() and nn_load_buffer_with(): custom
 * activations, a cap on the input's length and an allocator. An opaque handle
 * owned by the caller; one handle may serve any number of loads, also at once
 * from several threads while nobody changes it.
 */
typedef struct nn_load_options nn_load_options_t;

/**
 * @brief Creates loading options with the defaults: no custom activation, no
 * cap beyond the loader's own (see the group's description), the C library's
 * malloc() and free(). The handle's own memory comes from the C library.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NO_MEMORY (then *out is NULL).
 */
BACKPROP_API nn_status nn_load_options_create(nn_load_options_t **out);

/** @brief Releases loading options. NULL is a no-op. Networks loaded with them are not affected. */
BACKPROP_API void nn_load_options_free(nn_load_options_t *options);

/**
 * @brief Adds a custom activation: a model layer written "activation custom
 * NAME" gets @p f and @p df, as if installed by nn_set_custom_activation().
 * @param options the options
 * @param name a valid activation name (see nn_set_custom_activation()); copied
 * @param f the activation function
 * @param df its derivative
 * @param context passed to @p f and @p df; owned by the caller, who keeps it
 *        alive while a loaded network may use it
 * @return ::NN_OK, ::NN_ERR_NULL_ARG (@p options, @p name, @p f or @p df),
 *         ::NN_ERR_NAME (an invalid name), ::NN_ERR_ARGUMENT (the options already
 *         hold an activation of that name) or ::NN_ERR_NO_MEMORY; after an error
 *         the options are as they were.
 */
BACKPROP_API nn_status nn_load_options_add_activation(nn_load_options_t *options,
                                                      const char *name, nn_activation_fn f,
                                                      nn_activation_deriv_fn df, void *context);

/**
 * @brief Caps the length of the input at @p max_bytes, on top of the loader's
 * own caps. A longer input is refused with ::NN_ERR_TOO_LARGE: a buffer or a
 * regular file before anything is read or allocated, a pipe as soon as more
 * than @p max_bytes bytes have been read.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (@p max_bytes is 0;
 *         the setting is then as it was).
 */
BACKPROP_API nn_status nn_load_options_set_max_bytes(nn_load_options_t *options,
                                                     size_t max_bytes);

/**
 * @brief Makes every allocation of a load go through @p alloc and @p dealloc:
 * the loaded network is created as by nn_create_with_allocator() (so its later
 * calls use them too), and the window through which a file is read comes from
 * them. Opening a file uses no memory of the library's own (on systems without
 * POSIX, the C library's fopen() may allocate its own buffer).
 * @return ::NN_OK or ::NN_ERR_NULL_ARG (also for a NULL @p alloc or @p dealloc;
 *         the setting is then as it was).
 */
BACKPROP_API nn_status nn_load_options_set_allocator(nn_load_options_t *options,
                                                     nn_alloc_fn alloc, nn_dealloc_fn dealloc,
                                                     void *context);

/**
 * @brief Loads a network from the file @p path with @p options.
 * @param out receives the new network, owned by the caller; set to NULL on error
 * @param path the model file
 * @param options the settings, or NULL for the defaults; only read
 * @param message NULL or a buffer of @p message_size bytes that receives a
 *        message as nn_load_ex()'s @p msg does; for ::NN_ERR_TOO_LARGE "the input
 *        is longer than the N bytes allowed"
 * @param message_size size of @p message (0 when @p message is NULL)
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_IO, ::NN_ERR_FORMAT,
 *         ::NN_ERR_UNKNOWN_NAME (an activation neither built in nor in @p options),
 *         ::NN_ERR_TOO_LARGE (longer than nn_load_options_set_max_bytes() allows)
 *         or ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_load_with(nn_t **out, const char *path,
                                    const nn_load_options_t *options, char *message,
                                    size_t message_size);

/**
 * @brief nn_load_with() from @p size bytes at @p data instead of a file (which
 * need not be NUL-terminated).
 * @param out as for nn_load_with()
 * @param data the model text, owned by the caller; not kept
 * @param size its length in bytes
 * @param options as for nn_load_with()
 * @param message as for nn_load_with()
 * @param message_size as for nn_load_with()
 * @return as nn_load_with(), without ::NN_ERR_IO.
 */
BACKPROP_API nn_status nn_load_buffer_with(nn_t **out, const char *data, size_t size,
                                           const nn_load_options_t *options, char *message,
                                           size_t message_size);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Checkpoints
 * A checkpoint is a model file (docs/format.md) that also carries an
 * optimiser (nn_optimizer_create()): its kind, its hyperparameters and its
 * whole state, in the version-2 section `optimizer`, with every number written
 * exactly. Training resumed from a checkpoint takes the same steps, bit for
 * bit, as training that never stopped: k steps, save, load, k more steps give
 * the parameters and state of 2k uninterrupted steps (docs/optimizers.md,
 * "Checkpoints").
 *
 * A checkpoint is saved and loaded under the rules of nn_save() and nn_load()
 * (safe replacement of the file; caps on the input's length, which grow by
 * what the optimiser's state may take; messages "line N: ..."). nn_load() and
 * the other network loaders read a checkpoint too: they check the optimiser's
 * section and drop it, so the network alone is loaded. The checkpoint loaders
 * read any model file: one without an optimiser gives the network and a NULL
 * optimiser.
 * @{ */

/**
 * @brief Saves @p net and @p opt to the file @p path, replacing it safely as
 * nn_save() does.
 *
 * The file is version 2 and holds the network as nn_save() writes it,
 * followed by the section `optimizer`. To save the network alone, call
 * nn_save(): a NULL @p opt is refused.
 * @param net the network; not changed
 * @param opt an optimiser made for @p net's parameter layout; not changed
 * @param path the file to create or replace
 * @return as nn_save(), and ::NN_ERR_NULL_ARG for a NULL @p opt,
 *         ::NN_ERR_COUNT when @p opt was made for another parameter layout
 *         (nothing is created or changed then).
 */
BACKPROP_API nn_status nn_save_checkpoint(const nn_t *net, const nn_optimizer_t *opt,
                                          const char *path);

/**
 * @brief Writes the checkpoint text of @p net and @p opt into the caller's
 * buffer, like nn_save_buffer().
 * @param net the network; not changed
 * @param opt an optimiser made for @p net's parameter layout; not changed
 * @param buf receives the text and a terminating NUL; may be NULL when @p size is 0
 * @param size bytes available at @p buf
 * @param length as for nn_save_buffer()
 * @return as nn_save_buffer(), and ::NN_ERR_NULL_ARG for a NULL @p opt,
 *         ::NN_ERR_COUNT when @p opt was made for another parameter layout.
 */
BACKPROP_API nn_status nn_save_checkpoint_buffer(const nn_t *net, const nn_optimizer_t *opt,
                                                 char *buf, size_t size, size_t *length);

/**
 * @brief Loads a network and its optimiser from the file @p path (built-in
 * activations only).
 *
 * The optimiser has the network's allocator, the kind, hyperparameters and
 * state of the saved one; steps on the loaded pair continue where the saved
 * pair stopped.
 * @param[out] net receives the new network (release it with nn_free());
 *        unchanged on failure
 * @param[out] opt receives the new optimiser (release it with
 *        nn_optimizer_free()), or NULL when the file carries none (a plain
 *        model file); unchanged on failure
 * @param path the checkpoint or model file
 * @return as nn_load(). A malformed section `optimizer` is ::NN_ERR_FORMAT:
 *         an unknown kind, a hyperparameter the kind does not take, a repeated
 *         one, a value out of its range (see nn_optimizer_set()), a state count
 *         other than the network's layout gives, a step count that is not a
 *         whole number in [0, 2^53], a state value that breaks the kind's rules
 *         (see nn_optimizer_set_state()), or missing or extra lines or numbers.
 */
BACKPROP_API nn_status nn_load_checkpoint(nn_t **net, nn_optimizer_t **opt, const char *path);

/**
 * @brief nn_load_checkpoint() from @p size bytes at @p data instead of a file
 * (which need not be NUL-terminated).
 * @param[out] net as for nn_load_checkpoint()
 * @param[out] opt as for nn_load_checkpoint()
 * @param data the text, owned by the caller; not kept
 * @param size its length in bytes
 * @return as nn_load_checkpoint(), without ::NN_ERR_IO.
 */
BACKPROP_API nn_status nn_load_checkpoint_buffer(nn_t **net, nn_optimizer_t **opt,
                                                 const char *data, size_t size);

/**
 * @brief nn_load_checkpoint() with @p options (custom activations, a cap on
 * the input's length, an allocator for the network, the optimiser and a
 * file's window) and an explanation of any failure, as nn_load_with().
 * @param[out] net as for nn_load_checkpoint()
 * @param[out] opt as for nn_load_checkpoint()
 * @param path the checkpoint or model file
 * @param options the settings, or NULL for the defaults; only read
 * @param message as for nn_load_with()
 * @param message_size size of @p message (0 when @p message is NULL)
 * @return as nn_load_with() and nn_load_checkpoint().
 */
BACKPROP_API nn_status nn_load_checkpoint_with(nn_t **net, nn_optimizer_t **opt,
                                               const char *path,
                                               const nn_load_options_t *options, char *message,
                                               size_t message_size);

/**
 * @brief nn_load_checkpoint_with() from @p size bytes at @p data instead of a
 * file (which need not be NUL-terminated).
 * @param[out] net as for nn_load_checkpoint()
 * @param[out] opt as for nn_load_checkpoint()
 * @param data the text, owned by the caller; not kept
 * @param size its length in bytes
 * @param options as for nn_load_checkpoint_with()
 * @param message as for nn_load_with()
 * @param message_size size of @p message (0 when @p message is NULL)
 * @return as nn_load_checkpoint_with(), without ::NN_ERR_IO.
 */
BACKPROP_API nn_status nn_load_checkpoint_buffer_with(nn_t **net, nn_optimizer_t **opt,
                                                      const char *data, size_t size,
                                                      const nn_load_options_t *options,
                                                      char *message, size_t message_size);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Worked examples and diagrams
 * nn_explain() writes one training step as a worked calculation, every number
 * being the library's own; nn_export_dot() draws the network as a Graphviz
 * graph. Both write through a caller-supplied ::nn_write_fn, take their
 * settings and names from an optional ::nn_explain_options_t, and write
 * numbers with '.' as the decimal point whatever the process locale is.
 * docs/explain.md describes the formats and the JSON schema.
 *
 * Default names: inputs x1, x2, ...; units of hidden layer k h{k}_{j}
 * (h1_1, h1_2, ...); outputs o1, o2, ...; the weight into unit j of layer k from
 * unit i of layer k-1 w{k}_{j}_{i}; unit j's bias b{k}_{j}, or b{k} for a
 * shared bias. Units are counted from 1 in names and from 0 in every call.
 * @{ */

/**
 * @brief Receives output: @p n bytes at @p bytes (not NUL-terminated).
 * @param context the pointer given with the callback
 * @param bytes the next piece of output, valid only during the call
 * @param n the number of bytes
 * @return 0 to go on; anything else stops the call, which returns ::NN_ERR_IO
 */
typedef int (*nn_write_fn)(void *context, const char *bytes, size_t n);

/** @brief Output formats for nn_explain_options_set_format(). */
enum {
    NN_EXPLAIN_TEXT = 0,     /**< Plain text for a terminal (the default). */
    NN_EXPLAIN_MARKDOWN = 1, /**< Markdown with LaTeX math in $$ ... $$, as GitHub renders it. */
    NN_EXPLAIN_JSON = 2      /**< One JSON object with every value, numbers that read back exactly. */
};

/** @brief Update rules for nn_explain_options_set_rule(). */
enum {
    NN_RULE_STANDARD = 0,  /**< nn_backward() on every sample, then nn_step() (the default). */
    NN_RULE_SEQUENTIAL = 1 /**< nn_train_sequential() on one sample. */
};

/** @brief Settings and names for nn_explain() and nn_export_dot(). Opaque. */
typedef struct nn_explain_options nn_explain_options_t;

/**
 * @brief Creates options with the defaults: text, 6 significant digits,
 * standard rule, the step not applied, default names.
 * @param out receives the options (NULL on error); release with nn_explain_options_free()
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_explain_options_create(nn_explain_options_t **out);

/** @brief Releases options. NULL is a no-op. */
BACKPROP_API void nn_explain_options_free(nn_explain_options_t *options);

/**
 * @brief Selects ::NN_EXPLAIN_TEXT, ::NN_EXPLAIN_MARKDOWN or ::NN_EXPLAIN_JSON.
 * nn_export_dot() ignores it.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (unknown code).
 */
BACKPROP_API nn_status nn_explain_options_set_format(nn_explain_options_t *options, int format);

/**
 * @brief The name of an output format: "text", "markdown" or "json".
 * The codes are contiguous from 0, so a loop until NULL lists every format.
 * @param format an ::NN_EXPLAIN_TEXT, ::NN_EXPLAIN_MARKDOWN or ::NN_EXPLAIN_JSON code
 * @return a static string, or NULL for an unknown code
 */
BACKPROP_API const char *nn_explain_format_name(int format);

/**
 * @brief The code of the output format called @p name (as nn_explain_format_name() spells it).
 * @param name the name
 * @param format receives the code; left alone on error
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (no format of that name).
 */
BACKPROP_API nn_status nn_explain_format_from_name(const char *name, int *format);

/**
 * @brief Significant digits of the numbers in text, Markdown and DOT (1 .. 17;
 * default 6). JSON always writes the shortest form that reads back exactly.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT.
 */
BACKPROP_API nn_status nn_explain_options_set_digits(nn_explain_options_t *options, int digits);

/**
 * @brief Selects ::NN_RULE_STANDARD or ::NN_RULE_SEQUENTIAL for nn_explain().
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (unknown code).
 */
BACKPROP_API nn_status nn_explain_options_set_rule(nn_explain_options_t *options, int rule);

/**
 * @brief Nonzero makes nn_explain() apply the step it explains to the network;
 * 0 (the default) leaves the network untouched.
 * @return ::NN_OK or ::NN_ERR_NULL_ARG.
 */
BACKPROP_API nn_status nn_explain_options_set_apply(nn_explain_options_t *options, int apply);

/**
 * @brief Makes nn_explain() take its step with @p opt instead of nn_step(),
 * and write out that step of the optimiser, every number: per block its step
 * count and (Adam, AdamW) the bias corrections; per parameter the state before
 * and after and every value the update rule computes on the way (for Adam: g,
 * m, v, the denominator, the update). NULL clears it (back to nn_step()).
 *
 * The options borrow @p opt: it must stay alive, and must not be freed, while
 * the options hold it (until this is called again or the options are freed).
 * nn_explain() runs the step on a private copy of the optimiser, as it does on
 * private copies of the network: @p opt changes only when the options apply
 * the step (nn_explain_options_set_apply()) and the call succeeds; then its
 * state advances exactly as nn_optimizer_step() would have advanced it, along
 * with the network's parameters. Without applying, the same call explains the
 * same step again. The optimiser is checked against the network by
 * nn_explain(): one made for another parameter layout gives ::NN_ERR_COUNT
 * there, and nothing changes. The sequential rule cannot take an optimiser
 * (nn_explain() gives ::NN_ERR_ARGUMENT).
 * @param options the options
 * @param opt the optimiser, or NULL
 * @return ::NN_OK or ::NN_ERR_NULL_ARG (@p options NULL; nothing changed).
 */
BACKPROP_API nn_status nn_explain_options_set_optimizer(nn_explain_options_t *options,
                                                        nn_optimizer_t *opt);

/**
 * @brief Names unit @p index (from 0) of @p layer (0 = inputs), replacing its
 * default name; setting a unit again replaces the name. Checked against the
 * network only when the options are used.
 * @param options the options
 * @param layer the layer, 0 .. n_layers-1
 * @param index the unit within the layer, from 0
 * @param name 1 .. ::NN_MAX_NAME characters from [A-Za-z0-9_.-]; copied
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NAME or ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_explain_options_set_unit_name(nn_explain_options_t *options,
                                                        size_t layer, size_t index,
                                                        const char *name);

/**
 * @brief Names the parameter at @p flat_index in the order of nn_get_params()
 * (a shared bias is one parameter), replacing its default name.
 * @param options the options
 * @param flat_index the parameter's place in the flat order, from 0
 * @param name 1 .. ::NN_MAX_NAME characters from [A-Za-z0-9_.-]; copied
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NAME or ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_explain_options_set_param_name(nn_explain_options_t *options,
                                                         size_t flat_index, const char *name);

/**
 * @brief Writes one training step on one sample, or on a batch whose gradients
 * are summed, as a worked calculation: every net input as a sum with its
 * numbers, every activation, the loss and its terms, every delta, every
 * partial derivative as a chain-rule product, every updated parameter (frozen
 * ones shown unchanged) and the loss after the step.
 *
 * The numbers are those the library computes: the standard rule runs
 * nn_forward() and nn_backward() on every sample and then nn_step(); the
 * sequential rule runs nn_train_sequential(), on exactly one sample. All of it
 * happens on private copies, so gradients the caller has accumulated play no
 * part and stay as they are. Nothing is written before every value is known.
 * The private copies are not checked for divergence: a diverging step is
 * explained as it would be, NaN and infinities included.
 *
 * @param net the network; changed only when the options ask for the step to be
 *        applied, and only when the call succeeds: then its parameters become
 *        those after the step, its accumulated gradients stay as they were and
 *        its last forward pass becomes stale; the options' optimiser
 *        (nn_explain_options_set_optimizer()), if any, likewise: it takes the
 *        step, and its state advances only when the step is applied
 * @param options settings and names, or NULL for the defaults
 * @param inputs the samples' inputs, sample after sample
 * @param input_count n_samples * nn_input_count(net), n_samples >= 1
 * @param targets the samples' targets, sample after sample
 * @param target_count n_samples * nn_output_count(net)
 * @param learning_rate the step size eta
 * @param write receives the output in pieces
 * @param context passed to @p write unchanged
 * @return ::NN_OK; ::NN_ERR_NULL_ARG; ::NN_ERR_COUNT (a count that is 0 or not
 *         n_samples times the layer size, or an optimiser made for another
 *         parameter layout); ::NN_ERR_ARGUMENT (the sequential rule with more
 *         than one sample or with an optimiser, a name for a unit or parameter
 *         the network does not have, or an SGD optimiser set to Nesterov
 *         without momentum or with dampening); ::NN_ERR_NOT_FINITE (also when
 *         the step to be applied gives a parameter or optimiser state value
 *         that is not finite: then nothing is applied); ::NN_ERR_NO_MEMORY; ::NN_ERR_IO (@p write returned nonzero;
 *         the output is incomplete and the step is not applied).
 */
BACKPROP_API nn_status nn_explain(nn_t *net, const nn_explain_options_t *options,
                                  const double *inputs, size_t input_count,
                                  const double *targets, size_t target_count,
                                  double learning_rate, nn_write_fn write, void *context);

/**
 * @brief Writes the network as a Graphviz DOT digraph laid out left to right
 * (rankdir=LR), one cluster per layer, each bias on its unit and each weight in
 * a small box of its own between the two units it joins (so that no label lies
 * on a line).
 *
 * Wide networks stay about a page in size: a layer of more than 12 units is
 * drawn as one node with its size and the minimum, mean and maximum of its
 * incoming weights, its biases and (with an input) its values; the weights next
 * to such a node, and more than 16 weights between two layers drawn unit by
 * unit, are summed up the same way in a box per unit or per matrix.
 * docs/explain.md shows the layout.
 *
 * With an input, every unit also shows its net input and output; with a target
 * as well, the loss, every delta and every gradient are shown. These are
 * computed on a private copy: @p net is not changed.
 *
 * @param net the network
 * @param options names and digits, or NULL for the defaults
 * @param input NULL (then @p input_count must be 0 and @p target NULL) or
 *        nn_input_count(net) values
 * @param input_count 0 or nn_input_count(net)
 * @param target NULL (then @p target_count must be 0) or nn_output_count(net) values
 * @param target_count 0 or nn_output_count(net)
 * @param write receives the output in pieces
 * @param context passed to @p write unchanged
 * @return ::NN_OK, ::NN_ERR_NULL_ARG (@p net or @p write NULL, or a NULL array
 *         with a nonzero count), ::NN_ERR_COUNT, ::NN_ERR_ARGUMENT (a target
 *         without an input, or a name the network cannot use),
 *         ::NN_ERR_NOT_FINITE, ::NN_ERR_NO_MEMORY or ::NN_ERR_IO.
 */
BACKPROP_API nn_status nn_export_dot(const nn_t *net, const nn_explain_options_t *options,
                                     const double *input, size_t input_count,
                                     const double *target, size_t target_count,
                                     nn_write_fn write, void *context);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Training loop
 * One call, nn_train(), or a trainer (nn_trainer_create(), nn_trainer_run())
 * runs minibatch training over a data set with the settings of an options
 * handle: epochs, batch size, shuffling, an optimiser, a learning-rate
 * schedule, gradient clipping, a validation set and early stopping. Every
 * batch is nn_forward_batch(), nn_loss_batch(), nn_backward_batch() (summed
 * over the batch's rows), nn_get_grads(), the batch hook, a division by the
 * row count (so the step follows the batch's mean gradient), nn_set_grads(),
 * nn_clip_grad_norm() and nn_optimizer_step(); docs/training.md writes the
 * loop out as these calls, bit for bit what the trainer does. The loop
 * allocates nothing once its epochs have begun.
 *
 * A trainer's state (the epochs done, the shuffling generator, the best
 * parameters and score, the early-stopping count, the optimiser and the
 * history) can be saved with nn_trainer_save() and loaded into a new trainer
 * with nn_trainer_load(): training stopped after k epochs (by the epoch
 * callback), saved, loaded and run on gives the same bits as training that
 * never stopped. Options, trainers and their buffers use the C library's
 * allocator, except the optimiser, which takes the network's.
 * @{ */

/** @brief The most epochs a trainer runs (nn_train_options_set_epochs()). */
#define NN_MAX_EPOCHS 100000

/** @brief Training settings (opaque); nn_trainer_create() and nn_train() copy them. */
typedef struct nn_train_options nn_train_options_t;

/**
 * @brief Learning-rate schedules of the training loop
 * (nn_train_options_set_schedule()). Each gives the rate of epoch e (0 for
 * the first epoch) from the base rate (nn_train_options_set_learning_rate());
 * the rate changes between epochs, never within one (as PyTorch's schedulers
 * stepped once per epoch).
 */
enum {
    NN_SCHEDULE_NONE = 0,        /**< The base rate throughout (the default); @p a and @p b are ignored. */
    NN_SCHEDULE_STEP = 1,        /**< nn_schedule_step(): @p a the epochs between decays (a whole number >= 1), @p b the factor gamma. */
    NN_SCHEDULE_EXPONENTIAL = 2, /**< nn_schedule_exponential(): @p a the factor gamma (> 0); @p b is ignored. */
    NN_SCHEDULE_COSINE = 3,      /**< nn_schedule_cosine(): @p a the period in epochs (a whole number >= 1), @p b the smallest rate (>= 0). */
    NN_SCHEDULE_LINEAR = 4       /**< nn_schedule_linear(): @p a the epochs of the warm-up (a whole number >= 1), @p b the start factor in (0, 1]; the end factor is 1 unless nn_train_options_set_linear_end_factor() sets it. */
};

/**
 * @brief The columns of a history row (nn_trainer_history(), nn_train(), the
 * epoch callback); ::NN_HISTORY_COLUMNS values a row. A value that was not
 * measured is NaN.
 */
enum {
    NN_HISTORY_EPOCH = 0,            /**< The epoch, from 1. */
    NN_HISTORY_TRAIN_LOSS = 1,       /**< The mean over the epoch's training rows of each row's loss, each taken in its batch's forward pass (before the batch's step). */
    NN_HISTORY_VALIDATION_LOSS = 2,  /**< The mean loss over the validation rows after the epoch; NaN without validation. */
    NN_HISTORY_VALIDATION_METRIC = 3, /**< After the epoch: the accuracy (a fraction in [0, 1]) when the training set has class names or the loss is a cross-entropy, else the mean squared error over every output of every validation row; NaN without validation. */
    NN_HISTORY_LEARNING_RATE = 4,    /**< The epoch's learning rate. */
    NN_HISTORY_SECONDS = 5,          /**< The epoch's wall-clock time in seconds, validation included. */
    NN_HISTORY_COLUMNS = 6           /**< The number of columns. */
};

/**
 * @brief Called after every completed epoch with its history row.
 * @param context the pointer given to nn_train_options_set_epoch_callback()
 * @param epoch the number of epochs completed (the row's ::NN_HISTORY_EPOCH)
 * @param metrics the row, @p n_metrics values; valid during the call only
 * @param n_metrics ::NN_HISTORY_COLUMNS
 * @return nonzero to stop training after this epoch (nn_trainer_run() then
 *         returns ::NN_OK, and a later nn_trainer_run() goes on from here), 0
 *         to go on.
 */
typedef int (*nn_epoch_fn)(void *context, size_t epoch, const double *metrics, size_t n_metrics);

/**
 * @brief Called for every batch between the backward pass and the step: a
 * fixed contract, on which data-parallel training builds.
 *
 * @p grads holds nn_param_count() doubles in the order of nn_get_grads(): the
 * SUM over the batch's rows of each row's gradient; @p n_rows points to the
 * batch's row count. The hook may replace both, e.g. with the sums and the
 * count over every process (an all-reduce). After it returns, the loop
 * divides every value by *n_rows, sets them as the gradients (nn_set_grads()),
 * clips them and steps. The hook must not call functions on the network.
 * @param context the pointer given to nn_train_options_set_batch_hook()
 * @param grads the summed gradients, writable
 * @param n_params nn_param_count() of the network
 * @param n_rows the batch's row count, writable; it must stay at least 1
 * @return ::NN_OK to go on; any other status ends training with that status
 *         (the network keeps the parameters of the last step).
 */
typedef nn_status (*nn_batch_grads_fn)(void *context, double *grads, size_t n_params,
                                       size_t *n_rows);

/**
 * @brief Makes an options handle with the defaults: 10 epochs, batches of 32,
 * shuffled with seed 0, ::NN_OPT_SGD with its default hyperparameters and
 * rate 0.01, no schedule, no clipping, no validation fraction, no early
 * stopping (restoring the best parameters once it is set), the network's own
 * thread count, no order file, no callback and no hook.
 * @param[out] out receives the handle (release it with nn_train_options_free())
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_train_options_create(nn_train_options_t **out);

/** @brief Releases an options handle. NULL is a no-op. */
BACKPROP_API void nn_train_options_free(nn_train_options_t *o);

/**
 * @brief Makes a new options handle with every setting of @p o (the order
 * file's path copied, the callback, hook and collectives shared).
 * @param[out] out receives the handle (release it with nn_train_options_free())
 * @param o the handle to copy
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_train_options_copy(nn_train_options_t **out,
                                             const nn_train_options_t *o);

/**
 * @brief The number of epochs (passes over the training rows); default 10.
 * @param o the options handle
 * @param epochs 1 to ::NN_MAX_EPOCHS
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (0 or more than
 *         ::NN_MAX_EPOCHS). Every setter leaves the handle as it was on failure.
 */
BACKPROP_API nn_status nn_train_options_set_epochs(nn_train_options_t *o, size_t epochs);

/**
 * @brief The rows of a batch (the last batch of an epoch may have fewer);
 * default 32. Each step follows the mean of the batch's gradients.
 * @param o the options handle
 * @param batch rows per batch, at least 1
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_BATCH_SIZE (0).
 */
BACKPROP_API nn_status nn_train_options_set_batch_size(nn_train_options_t *o, size_t batch);

/**
 * @brief The seed of the shuffling generator and of the validation split
 * (nn_train_options_set_validation_fraction()); default 0. The generator is
 * seeded once per trainer; epoch e's order is its e-th nn_rng_permutation()
 * of the training rows, i.e. numpy's RandomState(seed).permutation(n) called
 * once per epoch.
 * @param o the options handle
 * @param seed the seed (only the low 32 bits are used, as by nn_rng_create())
 * @return ::NN_OK or ::NN_ERR_NULL_ARG.
 */
BACKPROP_API nn_status nn_train_options_set_seed(nn_train_options_t *o, unsigned long seed);

/**
 * @brief Whether each epoch visits the training rows in a new shuffled order
 * (1, the default) or in their order in the set (0: the batches are then read
 * in place, without a copy).
 * @param o the options handle
 * @param shuffle 1 to shuffle every epoch, 0 not to
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (not 0 or 1).
 */
BACKPROP_API nn_status nn_train_options_set_shuffle(nn_train_options_t *o, int shuffle);

/**
 * @brief The optimiser kind (an @c NN_OPT_ code; default ::NN_OPT_SGD).
 * @param o the options handle
 * @param kind an @c NN_OPT_ code
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (an unknown kind).
 */
BACKPROP_API nn_status nn_train_options_set_optimizer(nn_train_options_t *o, int kind);

/**
 * @brief One hyperparameter of the optimiser (an @c NN_HP_ code, see
 * nn_optimizer_set()); the others keep the kind's defaults. Whether the kind
 * takes it is checked by nn_trainer_create() (::NN_ERR_ARGUMENT), so the
 * calls may come in any order.
 * @param o the options handle
 * @param hyperparameter an @c NN_HP_ code
 * @param value its value
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE or ::NN_ERR_ARGUMENT
 *         (an unknown code or a value outside the code's range).
 */
BACKPROP_API nn_status nn_train_options_set_hyperparameter(nn_train_options_t *o,
                                                           int hyperparameter, double value);

/**
 * @brief The base learning rate (default 0.01), given to every
 * nn_optimizer_step() as the schedule makes it.
 * @param o the options handle
 * @param rate the base rate, above 0
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE or ::NN_ERR_ARGUMENT
 *         (not above 0).
 */
BACKPROP_API nn_status nn_train_options_set_learning_rate(nn_train_options_t *o, double rate);

/**
 * @brief A learning-rate schedule, advanced once per epoch (see the
 * @c NN_SCHEDULE_ codes for @p a and @p b).
 * @param o the options handle
 * @param schedule an @c NN_SCHEDULE_ code
 * @param a the first number of the schedule
 * @param b the second number of the schedule
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE or ::NN_ERR_ARGUMENT
 *         (an unknown code, or numbers outside the code's ranges).
 */
BACKPROP_API nn_status nn_train_options_set_schedule(nn_train_options_t *o, int schedule,
                                                     double a, double b);

/**
 * @brief The end factor of ::NN_SCHEDULE_LINEAR (default 1, PyTorch's).
 * @param o the options handle
 * @param end_factor in [0, 1]
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE or ::NN_ERR_ARGUMENT
 *         (outside [0, 1]).
 */
BACKPROP_API nn_status nn_train_options_set_linear_end_factor(nn_train_options_t *o,
                                                              double end_factor);

/**
 * @brief Clips every batch's mean gradient to the norm @p max_norm with
 * nn_clip_grad_norm(); 0 (the default) clips nothing.
 * @param o the options handle
 * @param max_norm the largest norm kept, >= 0; 0 for no clipping
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE or ::NN_ERR_ARGUMENT
 *         (negative).
 */
BACKPROP_API nn_status nn_train_options_set_clip(nn_train_options_t *o, double max_norm);

/**
 * @brief Holds out a fraction of the training set for validation when no
 * validation set is given: nn_dataset_split(train, fraction, seed, stratify,
 * ...) with the options' seed, the first part (round(fraction n) rows) for
 * validation and the rest for training. Stratified (@p stratify 1) only when
 * the set has class names. 0 (the default) holds out nothing.
 * @param o the options handle
 * @param fraction in [0, 1)
 * @param stratify 1 to keep each class's share, 0 not to
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE or ::NN_ERR_ARGUMENT
 *         (@p fraction outside [0, 1), @p stratify not 0 or 1).
 */
BACKPROP_API nn_status nn_train_options_set_validation_fraction(nn_train_options_t *o,
                                                                double fraction, int stratify);

/**
 * @brief Early stopping: training ends when the score has not improved for
 * @p epochs epochs in a row; 0 (the default) never stops early.
 *
 * The score is the validation loss, or the training loss when there is no
 * validation. An epoch improves when its score is below the best score so
 * far minus @p min_delta (an absolute amount); it then becomes the best.
 * @param o the options handle
 * @param epochs the epochs without improvement that end training; 0 for none
 * @param min_delta the smallest decrease that counts as an improvement, >= 0
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE or ::NN_ERR_ARGUMENT
 *         (a negative @p min_delta).
 */
BACKPROP_API nn_status nn_train_options_set_patience(nn_train_options_t *o, size_t epochs,
                                                     double min_delta);

/**
 * @brief With early stopping set (nn_train_options_set_patience()), whether
 * the network gets back the parameters of its best epoch when training ends,
 * early or after its last epoch (1, the default), or keeps the last ones (0).
 * A stop asked by the epoch callback restores nothing (training may go on).
 * @param o the options handle
 * @param restore 1 or 0
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (not 0 or 1).
 */
BACKPROP_API nn_status nn_train_options_set_restore_best(nn_train_options_t *o, int restore);

/**
 * @brief The threads of the batched passes during training (nn_set_threads());
 * 0 (the default) keeps the network's setting. The network's setting is put
 * back when a run ends.
 * @param o the options handle
 * @param n 0 (the network's setting) to 64
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (more than 64;
 *         nn_trainer_create() refuses more than 1 in a build without threads).
 */
BACKPROP_API nn_status nn_train_options_set_threads(nn_train_options_t *o, size_t n);

/**
 * @brief A rows file (nn_write_rows_file(), docs/data.md) that receives the
 * work of training, so that another tool can replay it: when the first epoch
 * begins, the line "train ..." (the training rows) and, with validation, the
 * line "validation ...", each row named by its source index
 * (nn_dataset_source_rows()); then, as each epoch begins, a line "epochE ..."
 * with the training rows in the order that epoch visits them (its batches
 * are consecutive runs of the batch size). A resumed trainer appends. NULL
 * (the default) writes nothing. Writing the file is the one thing in the
 * epoch loop that may allocate (the C library's file buffers).
 * @param o the handle
 * @param path the file, copied; NULL for none
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ARGUMENT (an empty path) or
 *         ::NN_ERR_NO_MEMORY.
 */
BACKPROP_API nn_status nn_train_options_set_order_file(nn_train_options_t *o, const char *path);

/**
 * @brief A function called after every completed epoch (see ::nn_epoch_fn);
 * NULL for none.
 * @param o the options handle
 * @param f the function, or NULL
 * @param context passed to @p f unchanged
 * @return ::NN_OK or ::NN_ERR_NULL_ARG (a NULL handle).
 */
BACKPROP_API nn_status nn_train_options_set_epoch_callback(nn_train_options_t *o, nn_epoch_fn f,
                                                           void *context);

/**
 * @brief A function called for every batch between the backward pass and the
 * step (see ::nn_batch_grads_fn); NULL for none.
 * @param o the options handle
 * @param f the function, or NULL
 * @param context passed to @p f unchanged
 * @return ::NN_OK or ::NN_ERR_NULL_ARG (a NULL handle).
 */
BACKPROP_API nn_status nn_train_options_set_batch_hook(nn_train_options_t *o,
                                                       nn_batch_grads_fn f, void *context);

/** @brief A training loop's state: options, optimiser, generator, history (opaque). */
typedef struct nn_trainer nn_trainer_t;

/**
 * @brief Makes a trainer of @p net with a copy of @p options: an optimiser of
 * the options' kind and hyperparameters, the shuffling generator seeded once,
 * and room for the history. The trainer uses @p net until it is freed; the
 * caller keeps the network alive meanwhile.
 * @param[out] out receives the trainer (release it with nn_trainer_free());
 *        unchanged on failure
 * @param net the network to train
 * @param options the settings, or NULL for the defaults; only read
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ARGUMENT (a hyperparameter the
 *         kind does not take, or threads the build cannot run) or
 *         ::NN_ERR_NO_MEMORY; the network is left as it was.
 */
BACKPROP_API nn_status nn_trainer_create(nn_trainer_t **out, nn_t *net,
                                         const nn_train_options_t *options);

/** @brief Releases a trainer (not its network). NULL is a no-op. */
BACKPROP_API void nn_trainer_free(nn_trainer_t *t);

/**
 * @brief Trains the trainer's network on @p train until its epochs are done,
 * early stopping ends it, or the epoch callback stops it; called again after
 * a callback's stop, it goes on from there (with the same data sets).
 *
 * The gradients accumulated before the call are dropped. The network's
 * batch reduction is ::NN_REDUCTION_SUM during the run and its own again
 * after it. Everything the epochs need is allocated before the first one.
 * With a validation set (given, or held out by
 * nn_train_options_set_validation_fraction()), each epoch ends with its loss
 * and metric (::NN_HISTORY_VALIDATION_METRIC).
 * @param t the trainer
 * @param train the training rows; their input and target counts must be the
 *        network's; not changed
 * @param validation the validation rows (the same counts), or NULL
 * @return ::NN_OK (also after a stop), ::NN_ERR_NULL_ARG, ::NN_ERR_COUNT (a
 *         set's inputs or targets do not fit the network), ::NN_ERR_ARGUMENT
 *         (a validation set together with a validation fraction, a fraction
 *         that leaves no row on one side, or a hook's row count of 0),
 *         ::NN_ERR_NO_MEMORY (nothing trained), ::NN_ERR_DIVERGED (a pass,
 *         a step or a loss was not finite: the network gets back the
 *         parameters of the best epoch, or of the start of the run when no
 *         epoch completed, and the run ends), a status of a call of the loop,
 *         or the batch hook's status. After an error other than
 *         ::NN_ERR_NO_MEMORY the trainer cannot go on exactly.
 */
BACKPROP_API nn_status nn_trainer_run(nn_trainer_t *t, const nn_dataset_t *train,
                                      const nn_dataset_t *validation);

/**
 * @brief Copies the history, one row of ::NN_HISTORY_COLUMNS values per
 * completed epoch.
 * @param t the trainer
 * @param rows receives the rows; may be NULL when @p count is 0
 * @param count doubles at @p rows: at least the epochs completed times
 *        ::NN_HISTORY_COLUMNS
 * @param[out] n_epochs receives the number of completed epochs (may be NULL)
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_BUFFER_SIZE (@p count too
 *         small; *n_epochs is still set).
 */
BACKPROP_API nn_status nn_trainer_history(const nn_trainer_t *t, double *rows, size_t count,
                                          size_t *n_epochs);

/**
 * @brief Saves the trainer's network and state to @p path, as nn_save()
 * replaces a file: a version-2 model file with the network, its optimiser
 * (section `optimizer`) and the section `trainer` (docs/format.md): the
 * epochs done, the generator's state, the best score, epoch and parameters,
 * the early-stopping count and the history. nn_load() reads it as a network.
 * A trainer is saved between epochs (after a stop by the callback, or after
 * nn_trainer_run() returned); there is no state within an epoch.
 * @param t the trainer; not changed
 * @param path the file to create or replace
 * @return as nn_save_checkpoint().
 */
BACKPROP_API nn_status nn_trainer_save(const nn_trainer_t *t, const char *path);

/**
 * @brief Loads the file of nn_trainer_save() into @p t, a trainer made with
 * the same options for a network of the same layer sizes: the network's
 * parameters, the optimiser's state and the trainer's state are replaced,
 * so that nn_trainer_run() goes on where the saved trainer stopped. Whether
 * training has ended is decided by @p t's options: a run saved after its
 * last epoch goes on when @p t runs more epochs, and one saved after an early
 * stop stays ended unless @p t waits longer (nn_train_options_set_patience()).
 * @param t the trainer
 * @param path a file of nn_trainer_save()
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_IO, ::NN_ERR_FORMAT (a malformed
 *         file, or one without the sections `trainer` and `optimizer`),
 *         ::NN_ERR_COUNT (another parameter layout), ::NN_ERR_ARGUMENT
 *         (another optimiser kind, or more epochs than the trainer's
 *         options run), ::NN_ERR_TOO_LARGE or ::NN_ERR_NO_MEMORY; on failure
 *         the trainer and its network are as they were.
 */
BACKPROP_API nn_status nn_trainer_load(nn_trainer_t *t, const char *path);

/**
 * @brief Trains @p net in one call: nn_trainer_create(), nn_trainer_run(),
 * nn_trainer_history() and nn_trainer_free().
 * @param net the network to train
 * @param train the training rows
 * @param validation the validation rows, or NULL
 * @param options the settings, or NULL for the defaults
 * @param history receives the first history rows that fit in
 *        @p history_count doubles (epochs times ::NN_HISTORY_COLUMNS hold
 *        them all); may be NULL when @p history_count is 0
 * @param history_count doubles at @p history
 * @param[out] n_epochs receives the number of completed epochs (may be NULL)
 * @return as nn_trainer_create() and nn_trainer_run(); the history and
 *         @p n_epochs are filled after a failed run too (not after a failed
 *         create).
 */
BACKPROP_API nn_status nn_train(nn_t *net, const nn_dataset_t *train,
                                const nn_dataset_t *validation,
                                const nn_train_options_t *options, double *history,
                                size_t history_count, size_t *n_epochs);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Data-parallel training
 * The training loop as one of several processes that train one network
 * together (docs/distributed.md): every process holds the same network and
 * the same training rows, visits the same shuffled order, and computes its
 * own shard of every batch; the shards' gradient sums are combined by
 * collective operations that the caller supplies (libbackprop-mpi supplies
 * them over MPI; the core library never links a transport), so that every
 * process takes the same step.
 *
 * Chunks make the result independent of the number of processes: with
 * nn_train_options_set_chunks(), every batch is cut into a fixed number of
 * contiguous chunks, each chunk goes through its own batched pass, and the
 * chunks' sums are added in chunk order. A single process with C chunks and
 * 2, 3 or C processes with the same C chunks then take bit for bit the same
 * steps, provided every process runs the same number of threads
 * (nn_set_threads() may change how a batched pass adds its rows).
 *
 * Every collective function receives the calling process's status so far
 * and returns the status every process agrees on, so that a failure on one
 * process ends the run on every process instead of leaving the others
 * waiting: ::NN_OK when every process passed ::NN_OK and the exchange
 * worked; otherwise the same decision to stop everywhere (the failed
 * process keeps its own status, the others get ::NN_ERR_PEER, and a failed
 * exchange gives ::NN_ERR_COMMUNICATION).
 * @{ */

/** @brief The most chunks a batch is cut into (nn_train_options_set_chunks()). */
#define NN_MAX_CHUNKS 4096

/**
 * @brief Sums @p values over every process of the run, in place; every
 * process must receive the same bits.
 * @param context the pointer given to nn_train_options_set_collectives()
 * @param status the calling process's status so far; when it is not
 *        ::NN_OK, @p values are not meaningful and the call only tells the
 *        others to stop (a process that failed still makes every call the
 *        others make, so the function must agree on the status first and
 *        exchange values only when every process is ::NN_OK)
 * @param values @p count doubles: this process's part in, the sum out
 * @param count the number of doubles, the same on every process
 * @return ::NN_OK when every process passed ::NN_OK and the sum was
 *         exchanged, else a non-OK status that makes every process stop.
 */
typedef nn_status (*nn_collective_sum_fn)(void *context, nn_status status, double *values,
                                         size_t count);

/**
 * @brief Gathers chunk slots: process i of p has filled slots
 * [i n_slots / p, (i + 1) n_slots / p) (integer division); on return every
 * process holds every slot, each exactly as its owner computed it.
 * @param context the pointer given to nn_train_options_set_collectives()
 * @param status the calling process's status so far (see ::nn_collective_sum_fn)
 * @param slots @p n_slots slots of @p slot_size doubles each, one after another
 * @param slot_size doubles per slot
 * @param n_slots the number of slots (the chunks of a batch)
 * @return as ::nn_collective_sum_fn.
 */
typedef nn_status (*nn_collective_gather_fn)(void *context, nn_status status, double *slots,
                                            size_t slot_size, size_t n_slots);

/**
 * @brief Copies process 0's @p values to every other process.
 * @param context the pointer given to nn_train_options_set_collectives()
 * @param status the calling process's status so far (see ::nn_collective_sum_fn)
 * @param values @p count doubles: process 0's are sent, the others' replaced
 * @param count the number of doubles, the same on every process
 * @return as ::nn_collective_sum_fn.
 */
typedef nn_status (*nn_collective_broadcast_fn)(void *context, nn_status status, double *values,
                                               size_t count);

/**
 * @brief Cuts every batch into @p chunks contiguous chunks: chunk k of a batch
 * of m rows holds its rows [k m / C, (k + 1) m / C) (integer division; a
 * chunk may be empty). Each chunk goes through nn_forward_batch(),
 * nn_loss_batch() and nn_backward_batch() on its own, and the batch's
 * gradient sum and loss are the chunks' sums added in chunk order. The
 * result does not depend on how the chunks are shared among processes
 * (nn_train_options_set_shard()). 0 (the default) passes each batch whole.
 * @param o the options handle
 * @param chunks 0, or 1 to ::NN_MAX_CHUNKS
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (more than
 *         ::NN_MAX_CHUNKS).
 */
BACKPROP_API nn_status nn_train_options_set_chunks(nn_train_options_t *o, size_t chunks);

/**
 * @brief Makes the trainer process @p index of @p count processes that train
 * together; default 0 of 1 (alone).
 *
 * Every process must hold the same network, the same training (and
 * validation) rows and the same options apart from the shard. Each batch
 * (nn_train_options_set_batch_size() is the size of the whole, global
 * batch) is shared out in contiguous parts of the common shuffled order:
 * with chunks, process i computes chunks [i C / p, (i + 1) C / p) and the
 * gather collective completes the rest; without chunks, it computes rows
 * [i m / p, (i + 1) m / p) of a batch of m rows and the sum collective adds
 * the gradient sums, the losses and the row counts. Then every process runs
 * the batch hook, the mean, the clipping and the step on the same numbers.
 * With more than one process: only process 0 evaluates the validation rows
 * and broadcasts the loss and the metric, so that every process makes the
 * same early-stopping decision; only process 0 calls the epoch callback and
 * its decision is broadcast; only process 0 writes the order file. The
 * trainer's state stays the same on every process, so any of them may save
 * it (nn_trainer_save()), and a saved state goes on with any number of
 * processes.
 * @param o the options handle
 * @param index this process, 0 to @p count - 1
 * @param count the processes, 1 to 2^20
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (@p count 0 or
 *         above 2^20, or @p index not below it). nn_trainer_create() refuses more than one
 *         process without collectives, and more processes than chunks.
 */
BACKPROP_API nn_status nn_train_options_set_shard(nn_train_options_t *o, size_t index,
                                                  size_t count);

/**
 * @brief The collective operations of a run of several processes
 * (nn_train_options_set_shard()); NULL for none (the default). They are
 * called in the same order on every process: per batch, @p sum (without
 * chunks) or @p gather (with chunks); per epoch, with validation,
 * @p broadcast of the validation loss and metric; per epoch, @p broadcast
 * of the epoch callback's decision.
 * @param o the options handle
 * @param sum the all-reduce sum
 * @param gather the gather of chunk slots
 * @param broadcast the broadcast from process 0
 * @param context passed to the three unchanged
 * @return ::NN_OK, ::NN_ERR_NULL_ARG (a NULL handle, or some of the three
 *         functions NULL but not all).
 */
BACKPROP_API nn_status nn_train_options_set_collectives(nn_train_options_t *o,
                                                        nn_collective_sum_fn sum,
                                                        nn_collective_gather_fn gather,
                                                        nn_collective_broadcast_fn broadcast,
                                                        void *context);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Scaling and class names
 * A network can carry the scaling of its inputs and of its targets, and the
 * names of the classes its outputs stand for, so that a saved model takes raw
 * inputs and gives raw outputs (docs/scaling.md). Both are saved in the model
 * file (sections `scaling` and `classes`, docs/format.md), copied by
 * nn_clone() and released by nn_free(); each lives in an allocation of its
 * own made with the network's allocator.
 *
 * A scaled value is x' = (x - offset) / scale, per input (or per output), with
 * every offset finite and every scale finite and above 0.
 * - Input scaling is applied by every forward pass: nn_forward(),
 *   nn_forward_batch(), nn_train_sample(), nn_train_sequential(), nn_predict(),
 *   nn_explain() and nn_export_dot() take raw inputs, and layer 0's outputs
 *   (nn_get_outputs() of layer 0, explain's traces) are the scaled inputs.
 *   Changing it makes the last forward pass and batch stale.
 * - Target scaling is the network's unit of outputs: nn_loss(),
 *   nn_backward(), nn_loss_batch(), nn_backward_batch(), nn_train_sample() and
 *   nn_train_sequential() take targets in the network's (scaled) units
 *   (nn_scale_targets() converts raw ones), nn_forward() and
 *   nn_forward_batch() give outputs in them, and nn_predict() gives raw outputs
 *   (o * scale + offset, as nn_unscale_outputs()).
 *
 * A network without scaling costs nothing: every pass tests one pointer.
 * @{ */

/** @brief Scaling schemes for nn_fit_input_scaling() and nn_fit_target_scaling(). */
enum {
    NN_SCALE_NONE = 0,     /**< No scaling ("none"): fitting it clears the scaling. */
    NN_SCALE_STANDARD = 1, /**< Standardisation ("standard"): offset the column's mean, scale its population standard deviation (scikit-learn's StandardScaler); 1 for a constant column. */
    NN_SCALE_MINMAX = 2    /**< Min-max to [0, 1] ("minmax", also "min-max"): offset the column's minimum, scale its range (scikit-learn's MinMaxScaler); 1 for a constant column. */
};

/** @brief The longest class name nn_set_class_names() takes, in bytes. */
#define NN_MAX_CLASS_NAME 255

/**
 * @brief The code of the scaling scheme called @p name: "none", "standard",
 * "minmax" or "min-max".
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (no scheme of that name).
 */
BACKPROP_API nn_status nn_scale_from_name(const char *name, int *scheme);
/** @brief The name of a scaling scheme ("none", "standard", "minmax"), NULL for an unknown code. */
BACKPROP_API const char *nn_scale_name(int scheme);

/**
 * @brief Fits the input scaling on @p n_rows rows of raw inputs (the training
 * data only) and stores it in the network, replacing any before.
 *
 * ::NN_SCALE_STANDARD: the offset is each column's mean, the scale its
 * population standard deviation (divided by n, not n - 1); ::NN_SCALE_MINMAX:
 * the offset is each column's minimum, the scale its maximum minus its minimum.
 * A column whose values are all equal gets scale 1 (and that value as offset).
 * ::NN_SCALE_NONE clears the input scaling (@p n_rows and @p inputs are then
 * not read). Makes the last forward pass and batch stale.
 * @param net the network
 * @param scheme ::NN_SCALE_NONE, ::NN_SCALE_STANDARD or ::NN_SCALE_MINMAX
 * @param n_rows the number of rows, at least 1
 * @param inputs n_rows rows of nn_input_count(net) finite values, row-major
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ARGUMENT (an unknown scheme),
 *         ::NN_ERR_COUNT (@p n_rows is 0), ::NN_ERR_TOO_LARGE (the count of
 *         values overflows), ::NN_ERR_NOT_FINITE (a value is not finite, or a
 *         fitted offset or scale would not be) or ::NN_ERR_NO_MEMORY; on an
 *         error the network is unchanged.
 */
BACKPROP_API nn_status nn_fit_input_scaling(nn_t *net, int scheme, size_t n_rows,
                                            const double *inputs);
/**
 * @brief Fits the target scaling on @p n_rows rows of raw targets, as
 * nn_fit_input_scaling() does the inputs (nn_output_count(net) values a row).
 * Scaling targets suits regression; a classifier's targets are best left alone.
 * @param net the network
 * @param scheme ::NN_SCALE_NONE, ::NN_SCALE_STANDARD or ::NN_SCALE_MINMAX
 * @param n_rows the number of rows, at least 1
 * @param targets n_rows rows of nn_output_count(net) finite values, row-major
 * @return as nn_fit_input_scaling(); the passes' state is not touched.
 */
BACKPROP_API nn_status nn_fit_target_scaling(nn_t *net, int scheme, size_t n_rows,
                                             const double *targets);

/**
 * @brief Sets the input scaling: x' = (x - offset[i]) / scale[i] for input i.
 * Makes the last forward pass and batch stale.
 * @param net the network
 * @param offset nn_input_count(net) finite values
 * @param scale nn_input_count(net) finite values above 0
 * @param count nn_input_count(net)
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_COUNT, ::NN_ERR_NOT_FINITE,
 *         ::NN_ERR_ARGUMENT (a scale of 0 or below) or ::NN_ERR_NO_MEMORY; on an
 *         error the network is unchanged.
 */
BACKPROP_API nn_status nn_set_input_scaling(nn_t *net, const double *offset, const double *scale,
                                            size_t count);
/**
 * @brief Copies the input scaling out: offsets 0 and scales 1 when the network
 * has none.
 * @param net the network
 * @param offset receives nn_input_count(net) offsets
 * @param scale receives nn_input_count(net) scales
 * @param count nn_input_count(net)
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_COUNT.
 */
BACKPROP_API nn_status nn_get_input_scaling(const nn_t *net, double *offset, double *scale,
                                            size_t count);
/**
 * @brief Sets the target scaling (nn_output_count(net) values each), as
 * nn_set_input_scaling() the input scaling; the passes' state is not touched.
 * @param net the network
 * @param offset nn_output_count(net) finite values
 * @param scale nn_output_count(net) finite values above 0
 * @param count nn_output_count(net)
 * @return as nn_set_input_scaling().
 */
BACKPROP_API nn_status nn_set_target_scaling(nn_t *net, const double *offset, const double *scale,
                                             size_t count);
/**
 * @brief Copies the target scaling out: offsets 0 and scales 1 when the network
 * has none.
 * @param net the network
 * @param offset receives nn_output_count(net) offsets
 * @param scale receives nn_output_count(net) scales
 * @param count nn_output_count(net)
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_COUNT.
 */
BACKPROP_API nn_status nn_get_target_scaling(const nn_t *net, double *offset, double *scale,
                                             size_t count);
/** @brief 1 when the network scales its inputs, 0 when not or for NULL. */
BACKPROP_API int nn_has_input_scaling(const nn_t *net);
/** @brief 1 when the network scales its targets, 0 when not or for NULL. */
BACKPROP_API int nn_has_target_scaling(const nn_t *net);

/**
 * @brief Raw inputs to the network's scaled inputs, (x - offset) / scale (a copy
 * without input scaling): what the forward passes feed to layer 1.
 * @param net the network
 * @param n the number of rows (0: nothing to do)
 * @param inputs n rows of nn_input_count(net) finite values
 * @param scaled receives the n rows; may be @p inputs itself
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_TOO_LARGE (the count overflows) or
 *         ::NN_ERR_NOT_FINITE (a value, or a scaled value, is not finite; @p scaled
 *         is then unspecified).
 */
BACKPROP_API nn_status nn_scale_inputs(const nn_t *net, size_t n, const double *inputs,
                                       double *scaled);
/**
 * @brief Raw targets to the network's units, (t - offset) / scale (a copy without
 * target scaling): the targets nn_loss(), nn_backward() and the batch and
 * training calls take.
 * @param net the network
 * @param n the number of rows (0: nothing to do)
 * @param targets n rows of nn_output_count(net) finite values
 * @param scaled receives the n rows; may be @p targets itself
 * @return as nn_scale_inputs().
 */
BACKPROP_API nn_status nn_scale_targets(const nn_t *net, size_t n, const double *targets,
                                        double *scaled);
/**
 * @brief Outputs in the network's units to raw ones, o * scale + offset (a copy
 * without target scaling): what nn_predict() gives.
 * @param net the network
 * @param n the number of rows (0: nothing to do)
 * @param outputs n rows of nn_output_count(net) finite values
 * @param raw receives the n rows; may be @p outputs itself
 * @return as nn_scale_inputs().
 */
BACKPROP_API nn_status nn_unscale_outputs(const nn_t *net, size_t n, const double *outputs,
                                          double *raw);

/**
 * @brief Names the classes the outputs stand for, replacing any names before.
 *
 * One name per output, or two for a network of one output (the classes of
 * outputs below and above 0.5). A name is 1 to ::NN_MAX_CLASS_NAME bytes, any
 * but NUL and newline (docs/format.md says how the file escapes them); names
 * need not be distinct. The strings are copied.
 * @param net the network
 * @param n the number of names; 0 clears them (@p names is then not read)
 * @param names n strings
 * @return ::NN_OK, ::NN_ERR_NULL_ARG (@p net, @p names or a name NULL),
 *         ::NN_ERR_COUNT (@p n is neither 0 nor the number above), ::NN_ERR_NAME
 *         (an empty or too long name, or one holding a newline) or
 *         ::NN_ERR_NO_MEMORY; on an error the network is unchanged.
 */
BACKPROP_API nn_status nn_set_class_names(nn_t *net, size_t n, const char *const *names);
/** @brief The number of class names the network holds; 0 for none or NULL. */
BACKPROP_API size_t nn_class_count(const nn_t *net);
/** @brief The name of class @p k, NULL for @p k out of range or NULL; valid until the names change or the network is freed. */
BACKPROP_API const char *nn_class_name(const nn_t *net, size_t k);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* BACKPROP_H */

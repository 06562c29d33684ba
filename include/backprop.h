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
 * network exactly as it was. nn_strerror() explains a status in one sentence.
 *
 * @section threads Threads and memory
 * The library keeps no global mutable state, never prints, never exits and
 * never reads the environment. Distinct networks may be used from distinct
 * threads at the same time without locking. One network must not be used by
 * two threads at once, except that calls taking a @c const @c nn_t* may run
 * concurrently with each other. Every network is one allocation made by
 * nn_create() or nn_clone() and released by nn_free(); arrays passed to the
 * library are always owned by the caller.
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
#define BACKPROP_VERSION_MINOR 1
/** @brief Patch version of this header: raised for fixes only. */
#define BACKPROP_VERSION_PATCH 0
/** @brief The version of this header as a string, "MAJOR.MINOR.PATCH". */
#define BACKPROP_VERSION_STRING "0.1.0"
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
    NN_ERR_TOO_LARGE = 5,      /**< A size exceeds ::NN_MAX_LAYER_SIZE or the parameter count exceeds ::NN_MAX_PARAMS. */
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
    NN_ERR_UNKNOWN_NAME = 19,  /**< A model names an activation that the caller did not supply. */
    NN_ERR_PARAMS_NOT_FINITE = 20, /**< The network holds a NaN or infinite parameter and cannot be saved. */
    NN_ERR_BUFFER_SIZE = 21,   /**< A caller-supplied buffer is too small. */
    NN_ERR_BATCH_SIZE = 22,    /**< A batch size of 0, or one that differs from the last batch forward pass. */
    NN_ERR_NO_BATCH = 23       /**< A batch call needs nn_forward_batch() first. */
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
    NN_ACT_SIGMOID = 1,    /**< f(z) = 1 / (1 + exp(-z)); f' = a (1 - a). */
    NN_ACT_TANH = 2,       /**< f(z) = tanh(z); f' = 1 - a^2. */
    NN_ACT_RELU = 3,       /**< f(z) = max(0, z); f' = 1 for z > 0, else 0. */
    NN_ACT_LEAKY_RELU = 4, /**< f(z) = z for z > 0, else 0.01 z; f' = 1 or 0.01. */
    NN_ACT_SOFTPLUS = 5,   /**< f(z) = log(1 + exp(z)); f' = 1 / (1 + exp(-z)). */
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
    NN_LOSS_MSE = 1       /**< E = (1/n_outputs) sum over outputs of (t - o)^2. */
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
 * not copied.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NO_MEMORY (then *out is NULL).
 */
BACKPROP_API nn_status nn_clone(const nn_t *net, nn_t **out);
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
 */
BACKPROP_API nn_status nn_set_activation(nn_t *net, size_t layer, int activation);

/**
 * @brief Installs a user-supplied activation on @p layer.
 *
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
 * nn_backward().
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
 * @param input sizes[0] finite values
 * @param output receives the outputs (sizes[n_layers-1] values); may be NULL
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NOT_FINITE (a NaN or infinite input).
 * Every layer's net inputs and outputs are kept for inspection and for nn_backward().
 */
BACKPROP_API nn_status nn_forward(nn_t *net, const double *input, double *output);

/**
 * @brief The loss of the last nn_forward() against @p target.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE, ::NN_ERR_NO_FORWARD or
 * ::NN_ERR_STALE_FORWARD.
 */
BACKPROP_API nn_status nn_loss(const nn_t *net, const double *target, double *loss);

/**
 * @brief Backpropagates the loss of the last nn_forward() against @p target and
 * ADDS this sample's gradients to the accumulators (frozen parameters included).
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_NOT_FINITE, ::NN_ERR_NO_FORWARD or
 * ::NN_ERR_STALE_FORWARD.
 */
BACKPROP_API nn_status nn_backward(nn_t *net, const double *target);

/**
 * @brief Gradient descent: p -= learning_rate * g for every parameter that is not
 * frozen, then every gradient is set to 0. Makes the last forward pass stale.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NOT_FINITE (a NaN or infinite rate).
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
 * two differ slightly for networks with a hidden layer. The per-layer deltas of
 * this pass stay readable; the accumulated gradients are not touched.
 * Makes the last forward pass stale.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NOT_FINITE.
 */
BACKPROP_API nn_status nn_train_sequential(nn_t *net, const double *input, const double *target,
                                           double learning_rate);

/**
 * @brief One online training step on one sample, in one fused pass: the same
 * result as nn_forward(), nn_backward() and nn_step() on a network with no
 * pending gradients (standard rule), except that gradients accumulated by
 * earlier nn_backward() calls are left untouched. Each layer's update is applied
 * right after its deltas have been propagated through its old weights.
 * Makes the last forward pass stale; the deltas stay readable.
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_NOT_FINITE.
 */
BACKPROP_API nn_status nn_train_sample(nn_t *net, const double *input, const double *target,
                                       double learning_rate);

/** @brief Copies the accumulated gradients of the weights leading into @p layer. */
BACKPROP_API nn_status nn_get_weight_grads(const nn_t *net, size_t layer, double *g, size_t count);
/** @brief Copies the accumulated bias gradients of @p layer (count 1 for a shared bias). */
BACKPROP_API nn_status nn_get_bias_grads(const nn_t *net, size_t layer, double *g, size_t count);
/** @brief Sets every accumulated gradient to 0. @return ::NN_OK or ::NN_ERR_NULL_ARG. */
BACKPROP_API nn_status nn_zero_grads(nn_t *net);
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
 * (nn_backward() or nn_train_sequential()) since the last forward pass.
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
 * @param scheme ::NN_INIT_UNIFORM (then @p lo and @p hi give the range, lo < hi,
 *        both finite; every weight and bias is lo + (hi - lo) u), ::NN_INIT_XAVIER
 *        or ::NN_INIT_HE (@p lo and @p hi are ignored; biases become 0)
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ARGUMENT (unknown scheme or bad range).
 * Makes the last forward pass stale; frozen parameters are filled too.
 */
BACKPROP_API nn_status nn_init_random(nn_t *net, unsigned long seed, int scheme, double lo,
                                      double hi);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* BACKPROP_H */

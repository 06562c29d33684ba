/**
 * @file backprop_mpi.h
 * @brief libbackprop-mpi: data-parallel training of libbackprop networks over MPI.
 *
 * A companion library of libbackprop (link with `pkg-config --libs
 * backprop-mpi`; the core library itself never links MPI). It supplies the
 * collective operations of the core's data-parallel training loop
 * (nn_train_options_set_shard(), nn_train_options_set_collectives(),
 * nn_train_options_set_chunks()) over an MPI communicator, and the checks that
 * every process starts from the same network and the same data
 * (docs/distributed.md).
 *
 * Two reduction modes:
 * - ::NN_MPI_REPRODUCIBLE: every batch is cut into a fixed number of chunks;
 *   each process computes its share of the chunks, and the chunks' sums are
 *   gathered (MPI_Allgatherv) and added in chunk order on every process. 1, 2,
 *   ..., C processes with the same C chunks give the same bits as each other
 *   and as a single process training with nn_train_options_set_chunks(C)
 *   (given the same threads per process).
 * - ::NN_MPI_FAST: every process computes a contiguous share of the batch's
 *   rows and MPI_Allreduce adds the gradient sums; the result depends on the
 *   number of processes and on MPI's order of addition (within rounding).
 *
 * Every call that communicates is collective: every process of the
 * communicator must make it, in the same order. A call never hangs because one
 * process failed: the processes first agree on their statuses (one small
 * MPI_Allreduce) and exchange data only when every process is ::NN_OK; when
 * one failed, every process returns a non-OK status (the failed process its
 * own, the others ::NN_ERR_PEER) and nn_mpi_failure() tells which process
 * failed and why. The library works on a duplicate of the caller's
 * communicator with the error handler MPI_ERRORS_RETURN: a failed MPI call
 * gives ::NN_ERR_COMMUNICATION, the library never aborts and never prints.
 *
 * MPI must be initialised by the caller (MPI_Init() or MPI_Init_thread())
 * before nn_mpi_create(), and every handle freed before MPI_Finalize(). A
 * handle must be used by one thread at a time.
 */
#ifndef BACKPROP_MPI_H
#define BACKPROP_MPI_H

#include <mpi.h>
#include <stddef.h>

#include "backprop.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Marks the functions that libbackprop-mpi exports. */
#if defined(_WIN32) && defined(BACKPROP_MPI_BUILDING)
#define BACKPROP_MPI_API __declspec(dllexport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define BACKPROP_MPI_API __attribute__((visibility("default")))
#else
#define BACKPROP_MPI_API
#endif

/** @name Data-parallel training over MPI
 * @{ */

/** @brief The reduction modes of nn_mpi_create(). */
enum {
    NN_MPI_FAST = 0,        /**< MPI_Allreduce of the processes' gradient sums: one MPI call per batch; the bits depend on the number of processes. */
    NN_MPI_REPRODUCIBLE = 1 /**< Fixed chunks gathered and added in chunk order: the same bits for any number of processes up to the chunks. */
};

/** @brief The chunks of ::NN_MPI_REPRODUCIBLE when nn_mpi_create() is given 0 (raised to the number of processes when there are more). */
#define NN_MPI_DEFAULT_CHUNKS 16

/** @brief A communicator (a duplicate of the caller's, with MPI_ERRORS_RETURN) and a reduction mode (opaque). */
typedef struct nn_mpi nn_mpi_t;

/**
 * @brief Makes a handle over a duplicate of @p comm. Collective over @p comm.
 *
 * Every process must pass the same @p mode and @p chunks; when an argument is
 * wrong on one process, every process returns an error (that one its own
 * status, the others ::NN_ERR_PEER) and no handle is made.
 * @param[out] out receives the handle (release it with nn_mpi_free()); unchanged on failure
 * @param comm the processes that train together; MPI must be initialised
 * @param mode ::NN_MPI_FAST or ::NN_MPI_REPRODUCIBLE
 * @param chunks ::NN_MPI_REPRODUCIBLE's chunks per batch: 0 for
 *        ::NN_MPI_DEFAULT_CHUNKS (or the number of processes when that is
 *        larger), else at least the number of processes and at most
 *        ::NN_MAX_CHUNKS; ignored by ::NN_MPI_FAST
 * @return ::NN_OK, ::NN_ERR_NULL_ARG, ::NN_ERR_ARGUMENT (an unknown mode, too
 *         few or too many chunks, MPI not initialised or already finalised,
 *         or MPI_COMM_NULL), ::NN_ERR_NO_MEMORY, ::NN_ERR_COMMUNICATION (an
 *         MPI call failed) or ::NN_ERR_PEER.
 */
BACKPROP_MPI_API nn_status nn_mpi_create(nn_mpi_t **out, MPI_Comm comm, int mode, size_t chunks);

/**
 * @brief nn_mpi_create() over MPI_COMM_WORLD, for callers that cannot name an
 * MPI_Comm (foreign-function interfaces). Collective over MPI_COMM_WORLD.
 * @param[out] out receives the handle
 * @param mode ::NN_MPI_FAST or ::NN_MPI_REPRODUCIBLE
 * @param chunks as nn_mpi_create()
 * @return as nn_mpi_create().
 */
BACKPROP_MPI_API nn_status nn_mpi_create_world(nn_mpi_t **out, int mode, size_t chunks);

/**
 * @brief Releases a handle and its communicator (MPI_Comm_free: collective
 * over the handle's processes). NULL is a no-op.
 */
BACKPROP_MPI_API void nn_mpi_free(nn_mpi_t *m);

/** @brief This process's rank in the handle's communicator; 0 for NULL. */
BACKPROP_MPI_API size_t nn_mpi_rank(const nn_mpi_t *m);

/** @brief The number of processes of the handle's communicator; 0 for NULL. */
BACKPROP_MPI_API size_t nn_mpi_size(const nn_mpi_t *m);

/** @brief The handle's mode (::NN_MPI_FAST or ::NN_MPI_REPRODUCIBLE); -1 for NULL. */
BACKPROP_MPI_API int nn_mpi_mode(const nn_mpi_t *m);

/** @brief The chunks per batch of ::NN_MPI_REPRODUCIBLE; 0 in ::NN_MPI_FAST and for NULL. */
BACKPROP_MPI_API size_t nn_mpi_chunks(const nn_mpi_t *m);

/**
 * @brief Agrees on a status across the processes: the status check that
 * every collective of the library makes before it exchanges data, for the
 * caller's own steps (loading a file on every process, say). Collective.
 * @param m the handle
 * @param status this process's status
 * @return ::NN_OK when every process passed ::NN_OK; else @p status on a
 *         process that passed a failure, ::NN_ERR_PEER on the others (and
 *         nn_mpi_failure() tells which process failed);
 *         ::NN_ERR_COMMUNICATION when the exchange failed; ::NN_ERR_NULL_ARG
 *         for a NULL handle (nothing is exchanged).
 */
BACKPROP_MPI_API nn_status nn_mpi_agree(nn_mpi_t *m, nn_status status);

/**
 * @brief The last failure the processes agreed on through @p m: the lowest
 * rank that failed with a status of its own (a process that only stopped
 * because of another, with ::NN_ERR_PEER, comes after every such rank) and
 * that status. It is the same on every process, and later successes do not
 * clear it. Not collective.
 * @param m the handle
 * @param[out] rank receives the failed process's rank (may be NULL)
 * @param[out] status receives its status (may be NULL)
 * @return ::NN_OK, ::NN_ERR_NULL_ARG (a NULL handle) or ::NN_ERR_ARGUMENT
 *         (no failure so far; the outputs are not written).
 */
BACKPROP_MPI_API nn_status nn_mpi_failure(const nn_mpi_t *m, size_t *rank, nn_status *status);

/**
 * @brief Makes every process's network rank 0's. Collective.
 *
 * First checks that every network has rank 0's layer sizes, bias
 * conventions, activations (by name) and loss; then copies rank 0's
 * parameters and its input and target scaling (or their absence) to every
 * other process. Frozen layers, class names and thread counts are not
 * compared or copied.
 * @param m the handle
 * @param net this process's network
 * @return ::NN_OK; ::NN_ERR_COUNT on a process whose network differs from
 *         rank 0's (::NN_ERR_PEER on the others); ::NN_ERR_NULL_ARG,
 *         ::NN_ERR_NO_MEMORY, ::NN_ERR_COMMUNICATION or ::NN_ERR_PEER. On
 *         failure every network is as it was.
 */
BACKPROP_MPI_API nn_status nn_mpi_share_network(nn_mpi_t *m, nn_t *net);

/**
 * @brief Checks that every process holds the same data set as rank 0: the
 * same row, input, target and class counts and the same values, bit for bit
 * (compared through a 64-bit checksum of the inputs and targets). Collective.
 * @param m the handle
 * @param data this process's data set
 * @return ::NN_OK; ::NN_ERR_ARGUMENT on a process whose set differs from rank
 *         0's (::NN_ERR_PEER on the others); ::NN_ERR_NULL_ARG,
 *         ::NN_ERR_COMMUNICATION or ::NN_ERR_PEER.
 */
BACKPROP_MPI_API nn_status nn_mpi_check_dataset(nn_mpi_t *m, const nn_dataset_t *data);

/**
 * @brief Makes @p o the options of this process in a run over @p m: the shard
 * (this rank of the size, nn_train_options_set_shard()), the chunks
 * (nn_mpi_chunks(); 0 in ::NN_MPI_FAST, nn_train_options_set_chunks()) and
 * the collectives over @p m (nn_train_options_set_collectives()). Every other
 * setting of @p o is kept. Not collective. @p m must outlive every trainer
 * made with @p o.
 * @param m the handle
 * @param o the options handle
 * @return ::NN_OK, ::NN_ERR_NULL_ARG or ::NN_ERR_ARGUMENT (more processes than
 *         the core's shards allow); on failure @p o is as it was.
 */
BACKPROP_MPI_API nn_status nn_mpi_configure(nn_mpi_t *m, nn_train_options_t *o);

/**
 * @brief Trains @p net on every process of @p m, as nn_train() trains it
 * alone. Collective.
 *
 * nn_mpi_share_network(), nn_mpi_check_dataset() of @p train and of
 * @p validation (which must be given on every process or on none), a copy of
 * @p options made by nn_mpi_configure(), nn_trainer_create() and
 * nn_trainer_run(); each step's status is agreed on, so every process
 * returns a failure when any process fails. Only rank 0 calls the epoch
 * callback and writes the order file; the history is the same on every
 * process.
 * @param m the handle
 * @param net this process's network
 * @param train the training rows, the same on every process
 * @param validation the validation rows, or NULL (on every process)
 * @param options the settings (the same on every process), or NULL for the defaults; only read
 * @param history receives the first history rows that fit in @p history_count doubles; may be NULL when @p history_count is 0
 * @param history_count doubles at @p history
 * @param[out] n_epochs receives the number of completed epochs (may be NULL)
 * @return as nn_train(), nn_mpi_share_network() and nn_mpi_check_dataset();
 *         the same failure on every process (the failed one's own status,
 *         ::NN_ERR_PEER on the others).
 */
BACKPROP_MPI_API nn_status nn_mpi_train(nn_mpi_t *m, nn_t *net, const nn_dataset_t *train,
                                        const nn_dataset_t *validation,
                                        const nn_train_options_t *options, double *history,
                                        size_t history_count, size_t *n_epochs);

/** @} */

#ifdef __cplusplus
}
#endif

#endif

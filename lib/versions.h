/* Which pass saw which parameters: the only code that reads or writes the
   versions of struct nn. Not installed.

   Every event takes the next tick of net->clock. A pass's results are
   current while no parameter change has a later tick than the pass:

     call                                moves
     ----------------------------------  ---------------------------------------
     nn_create, nn_clone                 (all 0; a clone copies them)
     setters of parameters or settings,  param_version
       nn_step, nn_randomize
     nn_forward (outputs finite)         forward_version (the deltas become old)
     nn_forward (an output not finite)   forward_version = 0
     nn_backward                         backward_version = forward_version
     nn_train_sample, _sequential        forward_version, then param_version,
                                         backward_version = forward_version
       refused before any write          forward_version; backward_version = 0
       (an output not finite)            forward_version = 0
     nn_forward_batch (finite)           batch_version, batch_n
     nn_forward_batch (not finite)       batch_n = 0

   nn_loss and nn_backward need a current forward pass, nn_get_deltas the
   deltas of the last one, nn_loss_batch and nn_backward_batch a current
   batch of the same size. Comparing ticks replaces flags that each pass
   had to set for the others: a pass writes only its own version. */
#ifndef BACKPROP_VERSIONS_H
#define BACKPROP_VERSIONS_H

#include "internal.h"

static inline uint64_t nn__tick(nn_t *net)
{
    return ++net->clock;
}

/* Parameters, or a setting the passes read, changed. */
static inline void nn__params_changed(nn_t *net)
{
    net->param_version = nn__tick(net);
}

/* ---- the single-sample passes ---- */

static inline void nn__forward_done(nn_t *net)
{
    net->forward_version = nn__tick(net);
}

/* The forward pass failed: nothing is left to inspect. */
static inline void nn__forward_lost(nn_t *net)
{
    net->forward_version = 0;
}

static inline int nn__has_forward(const nn_t *net)
{
    return net->forward_version != 0;
}

/* NN_OK when nn_loss() and nn_backward() may read the last forward pass. */
static inline nn_status nn__forward_ready(const nn_t *net)
{
    if (net->forward_version == 0)
        return NN_ERR_NO_FORWARD;
    return net->param_version > net->forward_version ? NN_ERR_STALE_FORWARD : NN_OK;
}

/* The deltas now belong to the last forward pass, or to none. */
static inline void nn__backward_done(nn_t *net)
{
    net->backward_version = net->forward_version;
}

static inline void nn__backward_lost(nn_t *net)
{
    net->backward_version = 0;
}

static inline int nn__has_backward(const nn_t *net)
{
    return net->forward_version != 0 && net->backward_version == net->forward_version;
}

/* ---- the batched passes ---- */

static inline void nn__batch_done(nn_t *net, size_t n)
{
    net->batch_version = nn__tick(net);
    net->batch_n = n;
}

/* The rows of the last batch were overwritten. */
static inline void nn__batch_lost(nn_t *net)
{
    net->batch_n = 0;
}

/* NN_OK when a call on a batch of n rows may read the last one. */
static inline nn_status nn__batch_ready(const nn_t *net, size_t n)
{
    if (net->batch_n == 0)
        return NN_ERR_NO_BATCH;
    if (n != net->batch_n)
        return NN_ERR_BATCH_SIZE;
    return net->param_version > net->batch_version ? NN_ERR_STALE_FORWARD : NN_OK;
}

#endif

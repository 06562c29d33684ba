/* Input and target scaling of a network (scaling.c owns it): what the
   passes, the loaders and the copies of a network need of it. Not
   installed. */
#ifndef BACKPROP_SCALING_H
#define BACKPROP_SCALING_H

#include "internal.h"

/* One allocation of the network's allocator, made when the network first
   gets a scaling and released when it has none left. The arrays follow the
   header: input offsets and scales and a row of scaled inputs (n_in each),
   target offsets and scales (n_out each). */
struct nn__scaling {
    int has_input;
    int has_target;
    double *input_offset;
    double *input_scale;
    double *input_row; /* the scaled input of the last single-sample pass */
    double *target_offset;
    double *target_scale;
};

/* x' = (x - offset) / scale over n values; 0 if a result is not finite. */
int nn__scale_values(size_t n, const double *offset, const double *scale, const double *x,
                     double *out);

/* The single-sample passes (train.c): when the network scales its inputs,
   scales *input into the scaling's row and points *input at it. Call it
   only when net->scaling is not NULL. NN_ERR_NOT_FINITE when a raw or a
   scaled value is not finite. */
nn_status nn__scale_input(nn_t *net, const double **input);

/* The batched passes (batch.c, predict.c), before they write anything:
   whether n rows of finite raw inputs stay finite when scaled (1 also when
   the network does not scale its inputs). */
int nn__scaled_rows_finite(const nn_t *net, size_t n, const double *in);

/* n rows of inputs scaled into out (rows of n_in): 1 done, 0 when the
   network does not scale its inputs (out untouched). */
int nn__scale_input_rows(const nn_t *net, size_t n, const double *in, double *out);

/* n rows of outputs un-scaled in place, when the network scales its targets. */
void nn__unscale_output_rows(const nn_t *net, size_t n, double *rows);

/* nn_clone() and nn_free() (network.c): the copy's own allocation (NN_OK or
   NN_ERR_NO_MEMORY; the copy's pointer is NULL on failure) and the release. */
nn_status nn__scaling_copy(const nn_t *net, nn_t *copy);
void nn__scaling_free(nn_t *net);

#endif

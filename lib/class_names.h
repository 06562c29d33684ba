/* The class names of a network (class_names.c owns them): what nn_clone()
   and nn_free() need of them. Not installed. */
#ifndef BACKPROP_CLASS_NAMES_H
#define BACKPROP_CLASS_NAMES_H

#include "internal.h"

/* The copy's own allocation (NN_OK or NN_ERR_NO_MEMORY; the copy's pointer
   is NULL on failure), and the release. */
nn_status nn__classes_copy(const nn_t *net, nn_t *copy);
void nn__classes_free(nn_t *net);

#endif

/* Status texts and the run-time version. */
#include "internal.h"

const char *nn_strerror(nn_status status)
{
    switch (status) {
    case NN_OK: return "success";
    case NN_ERR_NULL_ARG: return "a required pointer argument is NULL";
    case NN_ERR_NO_MEMORY: return "out of memory";
    case NN_ERR_LAYER_COUNT: return "the number of layers must be between 2 and NN_MAX_LAYERS";
    case NN_ERR_ZERO_SIZE: return "a layer has 0 units";
    case NN_ERR_TOO_LARGE: return "the network exceeds NN_MAX_LAYER_SIZE units in a layer or NN_MAX_PARAMS parameters";
    case NN_ERR_ACTIVATION: return "unknown activation code";
    case NN_ERR_LAYER_RANGE: return "layer index out of range for this call";
    case NN_ERR_COUNT: return "the count is not the exact number of values the call copies";
    case NN_ERR_NOT_FINITE: return "a NaN or infinite number was given";
    case NN_ERR_NO_FORWARD: return "no forward pass has been run yet";
    case NN_ERR_STALE_FORWARD: return "the parameters changed since the last forward pass; run the forward pass again";
    case NN_ERR_NO_BACKWARD: return "no backward pass has been run since the last forward pass";
    case NN_ERR_LOSS: return "unknown loss code";
    case NN_ERR_BIAS_MODE: return "unknown bias convention";
    case NN_ERR_NAME: return "invalid name: use 1 to NN_MAX_NAME characters from A-Z a-z 0-9 _ - .";
    case NN_ERR_ARGUMENT: return "an argument is outside its documented range";
    case NN_ERR_IO: return "a file could not be opened, read, written or renamed";
    case NN_ERR_FORMAT: return "the model file or buffer is malformed";
    case NN_ERR_UNKNOWN_NAME:
        return "the model names an activation that was not supplied, or a section this library "
               "does not know";
    case NN_ERR_PARAMS_NOT_FINITE: return "the network holds a NaN or infinite parameter";
    case NN_ERR_BUFFER_SIZE: return "the buffer is too small";
    case NN_ERR_BATCH_SIZE: return "the batch size is 0 or differs from the last batch forward pass";
    case NN_ERR_NO_BATCH: return "no batch forward pass has been run yet";
    case NN_ERR_DIVERGED: return "training diverged: a value would be NaN or infinite; try a lower learning rate";
    case NN_ERR_LOSS_OUTPUT: return "the loss takes the log of the outputs, but the output activation gives values outside (0, 1]; use sigmoid or softmax";
    case NN_ERR_PEER: return "another process of the data-parallel run failed; this one stopped with it";
    case NN_ERR_COMMUNICATION: return "an exchange between the processes of the data-parallel run failed";
    }
    return "unknown status code";
}

const char *nn_version_string(void)
{
    return BACKPROP_VERSION_STRING;
}

unsigned long nn_version_number(void)
{
    return BACKPROP_VERSION_NUMBER;
}

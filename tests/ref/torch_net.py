"""What the reference scripts of tests/ref share: the library's activation
and loss codes (in the order of backprop.h), their C names, and each
activation in PyTorch (float64)."""
import torch

torch.set_default_dtype(torch.float64)

LINEAR, SIGMOID, TANH, RELU, LEAKY_RELU, SOFTPLUS, SOFTMAX = range(7)
HALF_SSE, MSE, CROSS_ENTROPY, BINARY_CROSS_ENTROPY = range(4)
ACT_NAMES = ["NN_ACT_LINEAR", "NN_ACT_SIGMOID", "NN_ACT_TANH", "NN_ACT_RELU",
             "NN_ACT_LEAKY_RELU", "NN_ACT_SOFTPLUS", "NN_ACT_SOFTMAX"]
LOSS_NAMES = ["NN_LOSS_HALF_SSE", "NN_LOSS_MSE", "NN_LOSS_CROSS_ENTROPY",
              "NN_LOSS_BINARY_CROSS_ENTROPY"]


def activate(act, z):
    """a = f(z) for the activation code `act`, over the last dimension."""
    if act == LINEAR:
        return z
    if act == SIGMOID:
        return torch.sigmoid(z)
    if act == TANH:
        return torch.tanh(z)
    if act == RELU:
        return torch.relu(z)
    if act == LEAKY_RELU:
        return torch.nn.functional.leaky_relu(z, 0.01)
    if act == SOFTPLUS:  # the exact log(1 + e^z): torch's softplus cuts off above z = 20
        return torch.where(z > 0, z + torch.log1p(torch.exp(-z)), torch.log1p(torch.exp(z)))
    if act == SOFTMAX:
        return torch.softmax(z, dim=-1)
    raise ValueError(act)

// The public header used from C++, compiled with -Wall -Wextra -Werror
// -pedantic: backprop.h must be valid C++ (extern "C", no C-only constructs)
// and its enumerations must be usable as C++ constants. Runs Example B's
// forward pass (docs/example-b.md) and a few error paths.
#include <backprop.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

namespace {

struct net_deleter {
    void operator()(nn_t *net) const { nn_free(net); }
};
using net_ptr = std::unique_ptr<nn_t, net_deleter>;

int failures = 0;

void expect(bool ok, const std::string &what)
{
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    if (!ok)
        ++failures;
}

} // namespace

int main()
{
    const size_t sizes[] = {2, 2, 1};
    const int acts[] = {NN_ACT_SIGMOID, NN_ACT_LINEAR};
    nn_t *raw = nullptr;
    nn_status st = nn_create(&raw, 3, sizes, acts);
    expect(st == NN_OK, std::string("nn_create: ") + nn_strerror(st));
    net_ptr net(raw);
    if (!net)
        return 1;

    const double w1[] = {0.2, 0.15, 0.5, 0.6};
    const double b1[] = {0.1, 0.25};
    const double w2[] = {0.3, 0.2};
    const double b2[] = {0.4};
    expect(nn_set_weights(net.get(), 1, w1, 4) == NN_OK, "nn_set_weights 1");
    expect(nn_set_biases(net.get(), 1, b1, 2) == NN_OK, "nn_set_biases 1");
    expect(nn_set_weights(net.get(), 2, w2, 2) == NN_OK, "nn_set_weights 2");
    expect(nn_set_biases(net.get(), 2, b2, 1) == NN_OK, "nn_set_biases 2");
    expect(nn_set_weights(net.get(), 2, w2, 3) == NN_ERR_COUNT, "wrong count refused");
    expect(nn_param_count(net.get()) == 9, "nine parameters");

    const double x[] = {-0.32, -0.66};
    double y = 0.0;
    expect(nn_forward(net.get(), x, &y) == NN_OK, "nn_forward");
    expect(std::fabs(y - 0.630094840684) <= 1e-11, "output 0.630094840684");

    const double t[] = {-0.54};
    double loss = 0.0;
    expect(nn_loss(net.get(), t, &loss) == NN_OK, "nn_loss");
    expect(std::fabs(loss - 0.684560968098) <= 1e-11, "loss 0.684560968098");

    expect(nn_forward(nullptr, x, &y) == NN_ERR_NULL_ARG, "NULL network refused");
    expect(std::string(nn_version_string()) == BACKPROP_VERSION_STRING, "version");
    expect(nn_version_number() == static_cast<unsigned long>(BACKPROP_VERSION_NUMBER),
           "version number");

    std::printf("%s\n", failures == 0 ? "C++ consumer: all checks passed" : "C++ consumer: FAILED");
    return failures == 0 ? 0 : 1;
}

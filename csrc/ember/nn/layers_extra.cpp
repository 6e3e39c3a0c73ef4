// Layers of nn/layers_extra.h: argument checks at construction, extra_repr, forward.
#include "ember/nn/layers_extra.h"

#include "ember/ops/dropout.h"
#include "ember/ops/pool_extra.h"

namespace ember::nn {

namespace {
const char* bool_str(bool b) { return b ? "True" : "False"; }
}  // namespace

DropoutBase::DropoutBase(const char* cls, Op op, double p, bool inplace)
    : p(p), inplace(inplace), op_(op) {
  EMBER_CHECK(p >= 0 && p <= 1, ValueError, "[", cls, "] dropout probability has to be between "
              "0 and 1, but got ", p);
}

std::string DropoutBase::extra_repr() const {
  return "p=" + float_repr(p) + ", inplace=" + bool_str(inplace);
}

RReLU::RReLU(double lower, double upper, bool inplace)
    : lower(lower), upper(upper), inplace(inplace) {
  EMBER_CHECK(lower <= upper, ValueError, "[RReLU] expected lower <= upper, got lower=", lower,
              " and upper=", upper);
}

std::string RReLU::extra_repr() const {
  return "lower=" + float_repr(lower) + ", upper=" + float_repr(upper) +
         (inplace ? ", inplace=True" : "");
}

Tensor RReLU::forward(const Tensor& input) { return rrelu(input, lower, upper, is_training()); }

std::string LocalResponseNorm::extra_repr() const {
  return std::to_string(size) + ", alpha=" + float_repr(alpha) + ", beta=" + float_repr(beta) +
         ", k=" + float_repr(k);
}

Tensor LocalResponseNorm::forward(const Tensor& input) {
  return local_response_norm(input, size, alpha, beta, k);
}

Tensor ChannelShuffle::forward(const Tensor& input) { return channel_shuffle(input, groups); }

std::string LPPool::extra_repr() const {
  return "norm_type=" + float_repr(norm_type) + ", kernel_size=" + size_repr(kernel_size) +
         ", stride=" + (stride.empty() ? std::string("None") : size_repr(stride)) +
         ", ceil_mode=" + bool_str(ceil_mode);
}

Tensor LPPool::forward(const Tensor& input) {
  return sd == 1 ? lp_pool1d(input, norm_type, kernel_size, stride, ceil_mode)
                 : lp_pool2d(input, norm_type, kernel_size, stride, ceil_mode);
}

}  // namespace ember::nn

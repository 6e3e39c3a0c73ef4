// Activation layers and Dropout; see activation.h. Each forward is one ember op.
#include "ember/nn/activation.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "ember/ops/activation_extra.h"
#include "ember/ops/dropout.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/elementwise_impl.h"
#include "ember/ops/softmax.h"

namespace ember::nn {

std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // Shortest digits that read back as v (what Python's repr picks).
  char buf[64];
  int prec = 1;
  for (; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s(buf);  // [-]d[.ddd]e[+-]xx
  bool neg = s[0] == '-';
  if (neg) s = s.substr(1);
  size_t epos = s.find('e');
  int exp10 = std::atoi(s.c_str() + epos + 1);
  std::string digits;
  for (size_t i = 0; i < epos; ++i)
    if (s[i] != '.') digits += s[i];
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out;
  if (exp10 >= -4 && exp10 < 16) {  // Python's repr: fixed notation for 1e-4 <= |v| < 1e16
    if (exp10 < 0) {
      out = "0." + std::string(static_cast<size_t>(-exp10 - 1), '0') + digits;
    } else if (static_cast<int>(digits.size()) <= exp10 + 1) {
      out = digits + std::string(static_cast<size_t>(exp10 + 1 - static_cast<int>(digits.size())), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<size_t>(exp10 + 1)) + "." + digits.substr(static_cast<size_t>(exp10 + 1));
    }
  }
  if (out.empty()) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    out += e;
  }
  return neg ? "-" + out : out;
}

Tensor ReLU::forward(const Tensor& input) {
  if (!inplace) return relu(input);
  Tensor x = input;
  return relu_(x);
}

std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + float_repr(negative_slope) + (inplace ? ", inplace=True" : "");
}

Tensor LeakyReLU::forward(const Tensor& input) {
  if (!inplace) return leaky_relu(input, negative_slope);
  Tensor x = input;
  return leaky_relu_(x, negative_slope);
}

std::string ELU::extra_repr() const {
  return "alpha=" + float_repr(alpha) + (inplace ? ", inplace=True" : "");
}

Tensor ELU::forward(const Tensor& input) {
  if (!inplace) return elu(input, alpha);
  Tensor x = input;
  return elu_(x, alpha);
}

GELU::GELU(std::string approximate) : approximate(std::move(approximate)) {
  EMBER_CHECK(this->approximate == "none" || this->approximate == "tanh", ValueError,
              "[GELU] expected approximate 'none' or 'tanh', got '", this->approximate, "'");
}

Tensor GELU::forward(const Tensor& input) { return gelu(input, approximate); }

Tensor SiLU::forward(const Tensor& input) {
  if (!inplace) return silu(input);
  Tensor x = input;
  return detail::inplace(x, [](const Tensor& t) { return silu(t); }, "silu_");
}

Tensor Tanh::forward(const Tensor& input) { return ember::tanh(input); }
Tensor Sigmoid::forward(const Tensor& input) { return sigmoid(input); }

std::string Softplus::extra_repr() const {
  return "beta=" + float_repr(beta) + ", threshold=" + float_repr(threshold);
}

Tensor Softplus::forward(const Tensor& input) {
  return softplus(input, Scalar(beta), Scalar(threshold));
}

int64_t implicit_softmax_dim(int64_t ndim) { return (ndim == 0 || ndim == 1 || ndim == 3) ? 0 : 1; }

namespace {
std::string dim_repr(const std::optional<int64_t>& d) {
  return "dim=" + (d ? std::to_string(*d) : std::string("None"));
}
}  // namespace

std::string Softmax::extra_repr() const { return dim_repr(dim); }
Tensor Softmax::forward(const Tensor& input) {
  check_defined(input, "Softmax");
  return softmax(input, dim ? *dim : implicit_softmax_dim(input.dim()));
}

std::string LogSoftmax::extra_repr() const { return dim_repr(dim); }
Tensor LogSoftmax::forward(const Tensor& input) {
  check_defined(input, "LogSoftmax");
  return log_softmax(input, dim ? *dim : implicit_softmax_dim(input.dim()));
}

Dropout::Dropout(double p, bool inplace) : p(p), inplace(inplace) {
  EMBER_CHECK(p >= 0.0 && p <= 1.0, ValueError,
              "[Dropout] dropout probability has to be between 0 and 1, but got ", p);
}

std::string Dropout::extra_repr() const {
  return "p=" + float_repr(p) + ", inplace=" + (inplace ? "True" : "False");
}

Tensor Dropout::forward(const Tensor& input) {
  if (!inplace || !is_training() || p == 0.0) return dropout(input, p, is_training());
  check_defined(input, "Dropout");
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[Dropout] expected a floating point "
              "input, got ", dtype_name(input.dtype()));
  Tensor x = input;
  return mul_(x, dropout_mask(input.shape(), p, input.dtype()));
}

}  // namespace ember::nn

// Parameter initialisers; see init.h.
#include "ember/nn/init.h"

#include <cmath>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/random.h"
#include "ember/ops/view.h"

namespace ember::nn::init {

namespace {

void check_float(const Tensor& t, const char* op) {
  check_defined(t, op, "tensor");
  EMBER_CHECK(is_floating(t.dtype()), TypeError, "[", op, "] expected a floating point tensor, got ",
              dtype_name(t.dtype()));
}

int64_t fan(const Tensor& t, const std::string& mode, const char* op) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  EMBER_CHECK(mode == "fan_in" || mode == "fan_out", ValueError, "[", op,
              "] mode must be 'fan_in' or 'fan_out', got '", mode, "'");
  return mode == "fan_in" ? fan_in : fan_out;
}

// Inverse error function: a rational first guess refined by Newton steps on std::erf.
double erfinv(double y) {
  if (y <= -1.0) return -INFINITY;
  if (y >= 1.0) return INFINITY;
  double w = -std::log((1.0 - y) * (1.0 + y)), x;
  if (w < 5.0) {
    w -= 2.5;
    x = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                     -0.00125372503, -0.00417768164, 0.246640727, 1.50140941})
      x = x * w + c;
  } else {
    w = std::sqrt(w) - 3.0;
    x = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                     -0.0076224613, 0.00943887047, 1.00167406, 2.83297682})
      x = x * w + c;
  }
  x *= y;
  for (int i = 0; i < 2; ++i)
    x -= (std::erf(x) - y) / (2.0 / std::sqrt(M_PI) * std::exp(-x * x));
  return x;
}

}  // namespace

double calculate_gain(const std::string& nl, std::optional<double> param) {
  if (nl == "linear" || nl == "identity" || nl == "sigmoid" || nl.rfind("conv", 0) == 0) return 1.0;
  if (nl == "tanh") return 5.0 / 3.0;
  if (nl == "relu") return std::sqrt(2.0);
  if (nl == "leaky_relu") {
    double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  if (nl == "selu") return 3.0 / 4.0;
  EMBER_THROW(ValueError, "[calculate_gain] unsupported nonlinearity '", nl, "'");
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  check_defined(t, "calculate_fan_in_and_fan_out", "tensor");
  EMBER_CHECK(t.dim() >= 2, ValueError, "[init] fan in and fan out can not be computed for a "
              "tensor with fewer than 2 dimensions, got shape ", shape_str(t.shape()));
  int64_t receptive = 1;
  for (int64_t i = 2; i < t.dim(); ++i) receptive *= t.shape()[i];
  return {t.shape()[1] * receptive, t.shape()[0] * receptive};
}

Tensor& uniform_(Tensor& t, double a, double b) {
  check_float(t, "uniform_");
  autograd::NoGradGuard guard;
  return ember::uniform_(t, a, b);
}

Tensor& normal_(Tensor& t, double mean, double std) {
  check_float(t, "normal_");
  autograd::NoGradGuard guard;
  return ember::normal_(t, mean, std);
}

Tensor& constant_(Tensor& t, double value) {
  check_float(t, "constant_");
  autograd::NoGradGuard guard;
  return fill_(t, Scalar(value));
}
Tensor& zeros_(Tensor& t) { return constant_(t, 0.0); }
Tensor& ones_(Tensor& t) { return constant_(t, 1.0); }

Tensor& xavier_uniform_(Tensor& t, double gain) {
  auto [fi, fo] = calculate_fan_in_and_fan_out(t);
  double a = std::sqrt(3.0) * gain * std::sqrt(2.0 / static_cast<double>(fi + fo));
  return init::uniform_(t, -a, a);
}

Tensor& xavier_normal_(Tensor& t, double gain) {
  auto [fi, fo] = calculate_fan_in_and_fan_out(t);
  return init::normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fi + fo)));
}

Tensor& kaiming_uniform_(Tensor& t, double a, const std::string& mode, const std::string& nl) {
  double std = calculate_gain(nl, a) / std::sqrt(static_cast<double>(fan(t, mode, "kaiming_uniform_")));
  double bound = std::sqrt(3.0) * std;
  return init::uniform_(t, -bound, bound);
}

Tensor& kaiming_normal_(Tensor& t, double a, const std::string& mode, const std::string& nl) {
  double std = calculate_gain(nl, a) / std::sqrt(static_cast<double>(fan(t, mode, "kaiming_normal_")));
  return init::normal_(t, 0.0, std);
}

Tensor& trunc_normal_(Tensor& t, double mean, double std, double a, double b) {
  check_float(t, "trunc_normal_");
  EMBER_CHECK(a < b && std > 0, ValueError, "[trunc_normal_] expected a < b and std > 0, got a=",
              a, ", b=", b, ", std=", std);
  auto cdf = [](double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); };
  const double lo = cdf((a - mean) / std), hi = cdf((b - mean) / std);
  autograd::NoGradGuard guard;
  Tensor u = rand(t.shape(), DType::Float64);
  double* p = u.data<double>();
  for (int64_t i = 0; i < u.numel(); ++i) {
    double v = 2.0 * (lo + (hi - lo) * p[i]) - 1.0;
    double x = mean + std * std::sqrt(2.0) * erfinv(v);
    p[i] = std::fmin(std::fmax(x, a), b);
  }
  return copy_(t, u);
}

Tensor& orthogonal_(Tensor& t, double gain) {
  check_float(t, "orthogonal_");
  EMBER_CHECK(t.dim() >= 2, ValueError, "[orthogonal_] only tensors with 2 or more dimensions "
              "are supported, got shape ", shape_str(t.shape()));
  if (t.numel() == 0) return t;
  const int64_t rows = t.shape()[0], cols = t.numel() / rows;
  // Orthonormalise the columns of a tall Gaussian matrix (n x k, n >= k) by modified
  // Gram-Schmidt = QR; signs follow diag(R) > 0 as PyTorch's QR-based version does.
  const bool tall = rows >= cols;
  const int64_t n = tall ? rows : cols, k = tall ? cols : rows;
  autograd::NoGradGuard guard;
  Tensor g = randn({n, k}, DType::Float64);
  double* a = g.data<double>();
  for (int64_t j = 0; j < k; ++j) {
    for (int64_t p = 0; p < j; ++p) {
      double dot = 0;
      for (int64_t i = 0; i < n; ++i) dot += a[i * k + p] * a[i * k + j];
      for (int64_t i = 0; i < n; ++i) a[i * k + j] -= dot * a[i * k + p];
    }
    double norm = 0;
    for (int64_t i = 0; i < n; ++i) norm += a[i * k + j] * a[i * k + j];
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < n; ++i) a[i * k + j] = gain * a[i * k + j] / norm;
  }
  Tensor q = tall ? g : transpose(g, 0, 1);
  return copy_(t, reshape(contiguous(q), t.shape()));
}

}  // namespace ember::nn::init

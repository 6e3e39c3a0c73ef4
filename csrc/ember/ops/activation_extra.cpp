// leaky_relu, elu (+ in-place forms) and bilinear; see activation_extra.h. The pointwise
// kernels are branchless loops over contiguous memory (float32 elu takes exp from the
// vectorised ember::exp), chunked by parallel_for so any thread count gives the same bits.
#include "ember/ops/activation_extra.h"

#include <algorithm>
#include <cmath>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/elementwise_impl.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::record;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

constexpr int64_t kGrain = 32768;

void check_float(const Tensor& a, const char* name) {
  check_defined(a, name);
  EMBER_CHECK(is_floating(a.dtype()), TypeError, "[", name, "] expected a floating point "
              "tensor (float32 or float64), got ", dtype_name(a.dtype()));
}

// out[i] = f(in[i]) over contiguous memory of the same dtype.
template <class F>
void pointwise(const Tensor& in, Tensor& out, const char* name, F f) {
  dispatch_float(in.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    const T* x = in.data<T>();
    T* y = out.data<T>();
    parallel_for(in.numel(), kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] = f(x[i]);
    });
  });
}

Tensor leaky_forward(const Tensor& a, double slope) {
  Tensor x = contiguous(a);
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  pointwise(x, out, "leaky_relu", [slope](auto v) {
    using T = decltype(v);
    // Branchless (max + slope * min) so the loop vectorises: random signs would
    // mispredict a branch half the time.
    return std::max(v, T(0)) + static_cast<T>(slope) * std::min(v, T(0));
  });
  return out;
}

// out = elu(x) for contiguous x and out (out may be x). float32 takes exp from the
// vectorised ember::exp and combines branchlessly (max(x, 0) + alpha (exp(min(x, 0)) - 1));
// float64 (gradient checks) uses expm1 per element for full precision near 0.
void elu_into(const Tensor& x, Tensor& out, double alpha) {
  if (x.dtype() == DType::Float32) {
    Tensor e;
    {
      autograd::NoGradGuard guard;
      e = exp(clamp_max(x, Scalar(0.0)));
    }
    const float* xv = x.data<float>();
    const float* ev = e.data<float>();
    float* y = out.data<float>();
    const float al = static_cast<float>(alpha);
    parallel_for(x.numel(), kGrain, [&](int64_t b, int64_t en) {
      for (int64_t i = b; i < en; ++i) y[i] = std::max(xv[i], 0.0f) + al * (ev[i] - 1.0f);
    });
    return;
  }
  pointwise(x, out, "elu", [alpha](auto v) {
    using T = decltype(v);
    T neg = static_cast<T>(alpha) * std::expm1(std::min(v, T(0)));
    return v > T(0) ? v : neg;
  });
}

Tensor elu_forward(const Tensor& a, double alpha) {
  Tensor x = contiguous(a);
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  elu_into(x, out, alpha);
  return out;
}

}  // namespace

Tensor leaky_relu(const Tensor& a, double slope) {
  check_float(a, "leaky_relu");
  Tensor out = leaky_forward(a, slope);
  if (autograd::any_requires_grad({a}))
    record("LeakyReluBackward", {a}, {out}, [sa = SavedTensor(a), slope](const Grads& g, const auto&) {
      return Grads{where(gt(sa.get(), Scalar(int64_t{0})), g[0], mul(g[0], Scalar(slope)))};
    });
  return out;
}

Tensor elu(const Tensor& a, double alpha) {
  check_float(a, "elu");
  Tensor out = elu_forward(a, alpha);
  if (autograd::any_requires_grad({a}))
    record("EluBackward", {a}, {out}, [sa = SavedTensor(a), alpha](const Grads& g, const auto&) {
      const Tensor& x = sa.get();
      // d/dx alpha (exp(x) - 1) = alpha exp(x), written from x so double backward works.
      return Grads{where(gt(x, Scalar(int64_t{0})), g[0], mul(g[0], mul(exp(x), Scalar(alpha))))};
    });
  return out;
}

Tensor& leaky_relu_(Tensor& a, double slope) {
  check_float(a, "leaky_relu_");
  if (!autograd::any_requires_grad({a}) && a.is_contiguous()) {
    autograd::check_inplace(a, "leaky_relu_");
    pointwise(a, a, "leaky_relu_", [slope](auto v) {
      using T = decltype(v);
      // Branchless (max + slope * min) so the loop vectorises: random signs would
    // mispredict a branch half the time.
    return std::max(v, T(0)) + static_cast<T>(slope) * std::min(v, T(0));
    });
    a.bump_version();
    return a;
  }
  return detail::inplace(a, [slope](const Tensor& x) { return leaky_relu(x, slope); }, "leaky_relu_");
}

Tensor& elu_(Tensor& a, double alpha) {
  check_float(a, "elu_");
  if (!autograd::any_requires_grad({a}) && a.is_contiguous()) {
    autograd::check_inplace(a, "elu_");
    elu_into(a, a, alpha);
    a.bump_version();
    return a;
  }
  return detail::inplace(a, [alpha](const Tensor& x) { return elu(x, alpha); }, "elu_");
}

Tensor bilinear(const Tensor& x1, const Tensor& x2, const Tensor& weight, const Tensor& bias) {
  check_float(x1, "bilinear");
  check_defined(x2, "bilinear", "input2");
  check_defined(weight, "bilinear", "weight");
  EMBER_CHECK(weight.dim() == 3, ValueError, "[bilinear] expected weight of shape (out_features, "
              "in1_features, in2_features), got shape ", shape_str(weight.shape()));
  EMBER_CHECK(x1.dtype() == x2.dtype() && x1.dtype() == weight.dtype(), TypeError,
              "[bilinear] expected input1, input2 and weight of one dtype, got ",
              dtype_name(x1.dtype()), ", ", dtype_name(x2.dtype()), " and ",
              dtype_name(weight.dtype()));
  const int64_t out_f = weight.size(0), in1 = weight.size(1), in2 = weight.size(2);
  EMBER_CHECK(x1.dim() >= 1 && x1.size(-1) == in1, ValueError, "[bilinear] expected input1 with "
              "last dim ", in1, " (in1_features), got shape ", shape_str(x1.shape()));
  EMBER_CHECK(x2.dim() >= 1 && x2.size(-1) == in2, ValueError, "[bilinear] expected input2 with "
              "last dim ", in2, " (in2_features), got shape ", shape_str(x2.shape()));
  EMBER_CHECK(Shape(x1.shape().begin(), x1.shape().end() - 1) ==
                  Shape(x2.shape().begin(), x2.shape().end() - 1),
              ValueError, "[bilinear] expected input1 and input2 with the same leading dims, got "
              "shapes ", shape_str(x1.shape()), " and ", shape_str(x2.shape()));
  if (bias.defined()) {
    EMBER_CHECK(bias.dtype() == weight.dtype(), TypeError, "[bilinear] expected bias of dtype ",
                dtype_name(weight.dtype()), ", got ", dtype_name(bias.dtype()));
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == out_f, ValueError, "[bilinear] expected bias "
                "of shape (", out_f, ",), got shape ", shape_str(bias.shape()));
  }
  Shape lead(x1.shape().begin(), x1.shape().end() - 1);
  int64_t n = 1;
  for (int64_t s : lead) n *= s;
  // t[n, o, j] = sum_i x1[n, i] W[o, i, j]: one GEMM against W laid out (in1, out * in2).
  Tensor a = reshape(x1, {n, in1});
  Tensor w = reshape(permute(weight, {1, 0, 2}), {in1, out_f * in2});
  Tensor t = reshape(mm(a, w), {n, out_f, in2});
  Tensor y = sum(mul(t, unsqueeze(reshape(x2, {n, in2}), 1)), {2});
  if (bias.defined()) y = add(y, bias);
  Shape out_shape = lead;
  out_shape.push_back(out_f);
  return reshape(y, out_shape);
}

}  // namespace ember

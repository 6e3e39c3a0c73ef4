// hardtanh / relu6, hardsigmoid, hardswish, mish, selu, celu, logsigmoid, softsign,
// tanhshrink, hardshrink, softshrink, threshold (+ in-place forms), softmin, glu, prelu; see
// activation_more.h. Also the shared helpers of activation_impl.h. Gradients at kinks follow
// PyTorch (e.g. hardtanh and relu6 give 0 at the bounds, hardswish 0 at -3 and 1 at 3).
#include "ember/ops/activation_more.h"

#include "ember/autograd/function.h"
#include "ember/autograd/grad_mode.h"
#include "ember/ops/activation_impl.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/elementwise_impl.h"
#include "ember/ops/index.h"
#include "ember/ops/softmax.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::record;
using autograd::SavedTensor;
using cpu::Act;
using Grads = std::vector<Tensor>;

namespace detail {

void check_float_input(const Tensor& a, const char* name) {
  check_defined(a, name);
  EMBER_CHECK(is_floating(a.dtype()), TypeError, "[", name, "] expected a floating point "
              "tensor (float32 or float64), got ", dtype_name(a.dtype()));
}

Tensor activation(const Tensor& a, Act op, double p0, double p1, double p2) {
  Tensor x = contiguous(a);
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  cpu::activation_forward(op, x, out, p0, p1, p2);
  return out;
}

Tensor& activation_(Tensor& a, const char* name, Act op, double p0, double p1, double p2,
                    const std::function<Tensor(const Tensor&)>& outofplace) {
  check_float_input(a, name);
  if (!autograd::any_requires_grad({a}) && a.is_contiguous()) {
    autograd::check_inplace(a, name);
    cpu::activation_forward(op, a, a, p0, p1, p2);
    a.bump_version();
    return a;
  }
  return inplace(a, outofplace, name);
}

Tensor activation_op(const Tensor& a, const char* name, const char* node, Act op, double p0,
                     double p1, double p2, ActComposite composite) {
  check_float_input(a, name);
  Tensor out = activation(a, op, p0, p1, p2);
  if (autograd::any_requires_grad({a}))
    record(node, {a}, {out}, [sa = SavedTensor(a), op, p0, p1, p2,
                              composite = std::move(composite)](const Grads& g, const auto&) {
      const Tensor& x = sa.get();
      if (autograd::GradMode::is_enabled() || g[0].dtype() != x.dtype() ||
          g[0].shape() != x.shape())
        return Grads{composite(g[0], x)};
      Tensor xc = contiguous(x), gc = contiguous(g[0]);
      Tensor gi = Tensor::empty(x.shape(), x.dtype());
      cpu::activation_backward(op, xc, gc, gi, p0, p1, p2);
      return Grads{gi};
    });
  return out;
}

}  // namespace detail

namespace {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

// g where lo < x < hi (strictly), else 0.
Tensor inside(const Tensor& g, const Tensor& x, double lo, double hi) {
  return where(logical_and(gt(x, Scalar(lo)), lt(x, Scalar(hi))), g, Scalar(0.0));
}

// Shorthand: activation_op of activation_impl.h.
template <class B>
Tensor pointwise_op(const Tensor& a, const char* name, const char* node, Act op, double p0,
                    double p1, double p2, B composite) {
  return detail::activation_op(a, name, node, op, p0, p1, p2, composite);
}

}  // namespace

// ---- elu family (elu itself lives in activation_extra.cpp and uses this too) ----
namespace detail {
// scale * (x > 0 ? x : alpha (exp(input_scale x) - 1)); PyTorch's elu backward (x <= 0 takes
// the exponential side, so selu'(0) = scale alpha).
Tensor elu_family(const Tensor& a, const char* name, const char* node, double alpha,
                  double scale, double input_scale) {
  return pointwise_op(a, name, node, Act::Elu, alpha, scale, input_scale,
                      [alpha, scale, input_scale](const Tensor& g, const Tensor& x) {
    Tensor e = exp(input_scale == 1.0 ? x : mul(x, Scalar(input_scale)));
    Tensor pos = scale == 1.0 ? g : mul(g, Scalar(scale));
    return where(gt(x, Scalar(0.0)), pos, mul(g, mul(e, Scalar(scale * alpha * input_scale))));
  });
}
}  // namespace detail

Tensor selu(const Tensor& a) {
  return detail::elu_family(a, "selu", "EluBackward", kSeluAlpha, kSeluScale, 1.0);
}
Tensor& selu_(Tensor& a) {
  return detail::activation_(a, "selu_", Act::Elu, kSeluAlpha, kSeluScale, 1.0,
                             [](const Tensor& x) { return selu(x); });
}

Tensor celu(const Tensor& a, double alpha) {
  EMBER_CHECK(alpha != 0.0, ValueError, "[celu] expected a nonzero alpha, got 0");
  return detail::elu_family(a, "celu", "EluBackward", alpha, 1.0, 1.0 / alpha);
}
Tensor& celu_(Tensor& a, double alpha) {
  EMBER_CHECK(alpha != 0.0, ValueError, "[celu_] expected a nonzero alpha, got 0");
  return detail::activation_(a, "celu_", Act::Elu, alpha, 1.0, 1.0 / alpha,
                             [alpha](const Tensor& x) { return celu(x, alpha); });
}

// ---- piecewise linear ----
Tensor hardtanh(const Tensor& a, double lo, double hi) {
  EMBER_CHECK(lo <= hi, ValueError, "[hardtanh] expected min_val <= max_val, got min_val=", lo,
              " and max_val=", hi);
  return pointwise_op(a, "hardtanh", "HardtanhBackward", Act::Hardtanh, lo, hi, 0.0,
                      [lo, hi](const Tensor& g, const Tensor& x) { return inside(g, x, lo, hi); });
}
Tensor& hardtanh_(Tensor& a, double lo, double hi) {
  EMBER_CHECK(lo <= hi, ValueError, "[hardtanh_] expected min_val <= max_val, got min_val=", lo,
              " and max_val=", hi);
  return detail::activation_(a, "hardtanh_", Act::Hardtanh, lo, hi, 0.0,
                             [lo, hi](const Tensor& x) { return hardtanh(x, lo, hi); });
}

Tensor relu6(const Tensor& a) {
  return pointwise_op(a, "relu6", "HardtanhBackward", Act::Hardtanh, 0.0, 6.0, 0.0,
                      [](const Tensor& g, const Tensor& x) { return inside(g, x, 0.0, 6.0); });
}
Tensor& relu6_(Tensor& a) {
  return detail::activation_(a, "relu6_", Act::Hardtanh, 0.0, 6.0, 0.0,
                             [](const Tensor& x) { return relu6(x); });
}

Tensor hardsigmoid(const Tensor& a) {
  return pointwise_op(a, "hardsigmoid", "HardsigmoidBackward", Act::Hardsigmoid, 0, 0, 0,
                      [](const Tensor& g, const Tensor& x) {
    return inside(div(g, Scalar(6.0)), x, -3.0, 3.0);
  });
}
Tensor& hardsigmoid_(Tensor& a) {
  return detail::activation_(a, "hardsigmoid_", Act::Hardsigmoid, 0, 0, 0,
                             [](const Tensor& x) { return hardsigmoid(x); });
}

Tensor hardswish(const Tensor& a) {
  return pointwise_op(a, "hardswish", "HardswishBackward", Act::Hardswish, 0, 0, 0,
                      [](const Tensor& g, const Tensor& x) {
    // PyTorch: 0 for x <= -3, x / 3 + 1/2 for -3 < x < 3, 1 for x >= 3.
    Tensor mid = mul(g, add(div(x, Scalar(3.0)), Scalar(0.5)));
    return where(le(x, Scalar(-3.0)), Scalar(0.0), where(lt(x, Scalar(3.0)), mid, g));
  });
}
Tensor& hardswish_(Tensor& a) {
  return detail::activation_(a, "hardswish_", Act::Hardswish, 0, 0, 0,
                             [](const Tensor& x) { return hardswish(x); });
}

Tensor hardshrink(const Tensor& a, double lambd) {
  return pointwise_op(a, "hardshrink", "HardshrinkBackward", Act::Hardshrink, lambd, 0, 0,
                      [lambd](const Tensor& g, const Tensor& x) {
    return where(logical_and(ge(x, Scalar(-lambd)), le(x, Scalar(lambd))), Scalar(0.0), g);
  });
}

Tensor softshrink(const Tensor& a, double lambd) {
  EMBER_CHECK(lambd >= 0.0, ValueError, "[softshrink] expected lambd >= 0, got ", lambd);
  return pointwise_op(a, "softshrink", "SoftshrinkBackward", Act::Softshrink, lambd, 0, 0,
                      [lambd](const Tensor& g, const Tensor& x) {
    return where(logical_and(ge(x, Scalar(-lambd)), le(x, Scalar(lambd))), Scalar(0.0), g);
  });
}

Tensor threshold(const Tensor& a, double th, double value) {
  return pointwise_op(a, "threshold", "ThresholdBackward", Act::Threshold, th, value, 0,
                      [th](const Tensor& g, const Tensor& x) {
    return where(le(x, Scalar(th)), Scalar(0.0), g);
  });
}
Tensor& threshold_(Tensor& a, double th, double value) {
  return detail::activation_(a, "threshold_", Act::Threshold, th, value, 0,
                             [th, value](const Tensor& x) { return threshold(x, th, value); });
}

// ---- smooth ----
Tensor mish(const Tensor& a) {
  return pointwise_op(a, "mish", "MishBackward", Act::Mish, 0, 0, 0,
                      [](const Tensor& g, const Tensor& x) {
    // t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x)).
    Tensor t = tanh(softplus(x));
    Tensor d = add(t, mul(mul(x, sigmoid(x)), rsub(mul(t, t), Scalar(int64_t{1}))));
    return mul(g, d);
  });
}
Tensor& mish_(Tensor& a) {
  return detail::activation_(a, "mish_", Act::Mish, 0, 0, 0,
                             [](const Tensor& x) { return mish(x); });
}

Tensor softsign(const Tensor& a) {
  return pointwise_op(a, "softsign", "SoftsignBackward", Act::Softsign, 0, 0, 0,
                      [](const Tensor& g, const Tensor& x) {
    Tensor d = add(abs(x), Scalar(int64_t{1}));
    return div(g, mul(d, d));
  });
}

Tensor logsigmoid(const Tensor& a) {
  return pointwise_op(a, "logsigmoid", "LogSigmoidBackward", Act::LogSigmoid, 0, 0, 0,
                      [](const Tensor& g, const Tensor& x) { return mul(g, sigmoid(neg(x))); });
}

Tensor tanhshrink(const Tensor& a) {
  return pointwise_op(a, "tanhshrink", "TanhshrinkBackward", Act::Tanhshrink, 0, 0, 0,
                      [](const Tensor& g, const Tensor& x) {
    Tensor t = tanh(x);
    return mul(g, mul(t, t));
  });
}

// ---- composites: gradients come from their parts ----
Tensor softmin(const Tensor& a, int64_t dim, std::optional<DType> dtype) {
  detail::check_float_input(a, "softmin");
  return softmax(neg(a), dim, dtype);
}

Tensor glu(const Tensor& a, int64_t dim) {
  detail::check_float_input(a, "glu");
  EMBER_CHECK(a.dim() > 0, ValueError, "[glu] expected an input of at least 1 dim (glu halves "
              "a dim), got a 0-dim tensor");
  const int64_t d = normalize_dim(dim, a.dim(), "glu");
  const int64_t n = a.size(d);
  EMBER_CHECK(n % 2 == 0, ValueError, "[glu] expected an even size along dim ", dim,
              " (it is halved), got size ", n);
  return mul(narrow(a, d, 0, n / 2), sigmoid(narrow(a, d, n / 2, n / 2)));
}

Tensor prelu(const Tensor& a, const Tensor& w) {
  detail::check_float_input(a, "prelu");
  check_defined(w, "prelu", "weight");
  EMBER_CHECK(w.dtype() == a.dtype(), TypeError, "[prelu] expected weight of the input's dtype ",
              dtype_name(a.dtype()), ", got ", dtype_name(w.dtype()));
  EMBER_CHECK(w.dim() <= 1, ValueError, "[prelu] expected a 0- or 1-dim weight, got shape ",
              shape_str(w.shape()));
  const int64_t channels = a.dim() >= 2 ? a.size(1) : 1;
  EMBER_CHECK(w.numel() == 1 || w.numel() == channels, ValueError, "[prelu] expected weight of 1 "
              "or ", channels, " (input channel size, dim 1) elements, got ", w.numel());
  // Weight shaped to broadcast over dim 1 (a single weight as a 0-dim tensor, so the result
  // keeps the input's shape even for 0-dim input).
  Shape ws;  // {} for a single weight, else {C, 1, ..., 1} over dims 1..
  if (w.numel() != 1) {
    ws.assign(static_cast<size_t>(a.dim() - 1), 1);
    ws[0] = w.numel();
  }
  Tensor wb = reshape(w, ws);
  return where(gt(a, Scalar(0.0)), a, mul(wb, a));
}

}  // namespace ember

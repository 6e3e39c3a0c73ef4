// Regression, binary and divergence losses (see loss.h): mse_loss (fused forward), l1_loss,
// smooth_l1_loss, huber_loss, kl_div (compositions of ember ops), binary_cross_entropy and
// binary_cross_entropy_with_logits (an elementwise node with PyTorch's explicit gradients,
// then ember ops for weight and reduction). Every backward is written in ember ops, so
// double backward works; all reductions are thread-count independent.
#include <cmath>
#include <vector>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/cpu/isa.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/loss.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember::cpu {
EMBER_ISA_DECLARE(double, mse_sum_f32, (const float* x, const float* t, int64_t n))
EMBER_ISA_DECLARE(void, mse_grad_f32, (const float* x, const float* t, float* dx, float* dt,
                                       int64_t n, float s))
}

namespace ember {

using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

constexpr int64_t kGrain = 1 << 14;  // elements per reduction chunk (fixed: determinism)

}  // namespace

// Same shape and floating dtype for input and target.
void check_loss_pair(const Tensor& input, const Tensor& target, const char* op) {
  check_defined(input, op, "input");
  check_defined(target, op, "target");
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[", op,
              "] expected floating point input, got ", dtype_name(input.dtype()));
  EMBER_CHECK(is_floating(target.dtype()), TypeError, "[", op,
              "] expected floating point target, got ", dtype_name(target.dtype()));
  EMBER_CHECK(target.dtype() == input.dtype(), TypeError, "[", op, "] target dtype ",
              dtype_name(target.dtype()), " differs from input dtype ", dtype_name(input.dtype()));
  EMBER_CHECK(target.shape() == input.shape(), ValueError, "[", op,
              "] expected target of the input's shape ", shape_str(input.shape()), ", got ",
              shape_str(target.shape()), " (ember does not broadcast loss targets)");
}

// An optional per-element factor (weight, pos_weight): floating, the input's dtype, and
// broadcasting to the input's shape without growing it.
void check_loss_factor(const Tensor& w, const Tensor& input, const char* op, const char* arg) {
  if (!w.defined()) return;
  EMBER_CHECK(w.dtype() == input.dtype(), TypeError, "[", op, "] ", arg, " dtype ",
              dtype_name(w.dtype()), " differs from input dtype ", dtype_name(input.dtype()));
  Shape b = broadcast_shapes(w.shape(), input.shape(), op);
  EMBER_CHECK(b == input.shape(), ValueError, "[", op, "] expected ", arg,
              " broadcastable to the input's shape ", shape_str(input.shape()), ", got ",
              shape_str(w.shape()));
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_loss_pair(input, target, "mse_loss");
  if (reduction == Reduction::None) {
    Tensor d = sub(input, target);
    return mul(d, d);
  }
  Tensor x = contiguous(input.detach()), t = contiguous(target.detach());
  const int64_t n = x.numel();
  Tensor out = Tensor::empty({}, input.dtype());
  dispatch_float(input.dtype(), "mse_loss", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    const T* tp = t.data<T>();
    double s = parallel_reduce(n, kGrain, 0.0, [&](int64_t b, int64_t e) {
      if constexpr (std::is_same_v<T, float>) {
        return EMBER_ISA_CALL(mse_sum_f32, xp + b, tp + b, e - b);
      } else {
        double acc = 0.0;
        for (int64_t i = b; i < e; ++i) {
          double d = static_cast<double>(xp[i]) - tp[i];
          acc += d * d;
        }
        return acc;
      }
    }, [](double a, double p) { return a + p; });
    *out.data<T>() = static_cast<T>(reduction == Reduction::Mean ? s / static_cast<double>(n) : s);
  });
  if (autograd::any_requires_grad({input, target})) {
    const double scale = reduction == Reduction::Mean ? 2.0 / static_cast<double>(n) : 2.0;
    autograd::record("MseLossBackward", {input, target}, {out},
        [sx = SavedTensor(input), st = SavedTensor(target), scale](const Grads& g,
                                                                    const autograd::Node& node) {
          if (autograd::GradMode::is_enabled()) {  // create_graph: differentiable ember ops
            Tensor gx = mul(sub(sx.get(), st.get()), mul(g[0], scale));
            return Grads{node.needs_input_grad(0) ? gx : Tensor(),
                         node.needs_input_grad(1) ? neg(gx) : Tensor()};
          }
          // One fused pass: dx = s (x - t), dt = -dx.
          Tensor x = contiguous(sx.get()), t = contiguous(st.get());
          Tensor dx = Tensor::empty(x.shape(), x.dtype());
          Tensor dt = node.needs_input_grad(1) ? Tensor::empty(x.shape(), x.dtype()) : Tensor();
          Tensor g0 = contiguous(g[0]);
          dispatch_float(x.dtype(), "mse_loss", [&](auto tag) {
            using T = decltype(tag);
            const double s = scale * static_cast<double>(*g0.data<T>());
            const T *xp = x.data<T>(), *tp = t.data<T>();
            T* dxp = dx.data<T>();
            T* dtp = dt.defined() ? dt.data<T>() : nullptr;
            parallel_for(x.numel(), kGrain, [&](int64_t b, int64_t e) {
              if constexpr (std::is_same_v<T, float>) {
                EMBER_ISA_CALL(mse_grad_f32, xp + b, tp + b, dxp + b, dtp ? dtp + b : nullptr,
                               e - b, static_cast<float>(s));
              } else {
                for (int64_t i = b; i < e; ++i) {
                  dxp[i] = s * (xp[i] - tp[i]);
                  if (dtp) dtp[i] = -dxp[i];
                }
              }
            });
          });
          return Grads{node.needs_input_grad(0) ? dx : Tensor(), dt};
        });
  }
  return out;
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_loss_pair(input, target, "l1_loss");
  return apply_reduction(abs(sub(input, target)), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction,
                      double beta) {
  check_loss_pair(input, target, "smooth_l1_loss");
  EMBER_CHECK(beta >= 0.0, ValueError, "[smooth_l1_loss] expected beta >= 0, got ", beta);
  Tensor d = sub(input, target);
  Tensor ad = abs(d);
  if (beta == 0.0) return apply_reduction(ad, reduction);  // PyTorch: beta == 0 is the L1 loss
  Tensor l = where(lt(ad, beta), mul(mul(d, d), 0.5 / beta), sub(ad, 0.5 * beta));
  return apply_reduction(l, reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  check_loss_pair(input, target, "huber_loss");
  EMBER_CHECK(delta > 0.0, ValueError, "[huber_loss] expected delta > 0, got ", delta);
  Tensor d = sub(input, target);
  Tensor ad = abs(d);
  Tensor l = where(lt(ad, delta), mul(mul(d, d), 0.5), mul(sub(ad, 0.5 * delta), delta));
  return apply_reduction(l, reduction);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction) {
  const char* op = "binary_cross_entropy";
  check_loss_pair(input, target, op);
  check_loss_factor(weight, input, op, "weight");
  Tensor x = input.detach();
  dispatch_float(x.dtype(), op, [&](auto tag) {  // checked before any kernel runs
    using T = decltype(tag);
    Tensor xc = contiguous(x);
    const T* p = xc.data<T>();
    for (int64_t i = 0, n = xc.numel(); i < n; ++i)
      EMBER_CHECK(p[i] >= T(0) && p[i] <= T(1), ValueError, "[", op,
                  "] all elements of input should be between 0 and 1, got ", p[i]);
  });
  // PyTorch clamps the logs at -100, so input 0 or 1 gives a finite loss.
  auto logs = [](const Tensor& x) {
    return std::pair<Tensor, Tensor>{clamp_min(log(x), -100.0), clamp_min(log(rsub(x, 1.0)), -100.0)};
  };
  Tensor l;
  {
    autograd::NoGradGuard no_grad;
    auto [lx, l1x] = logs(x);
    Tensor t = target.detach();
    l = neg(add(mul(t, lx), mul(rsub(t, 1.0), l1x)));
  }
  if (autograd::any_requires_grad({input, target})) {
    autograd::record("BinaryCrossEntropyBackward", {input, target}, {l},
        [sx = SavedTensor(input), st = SavedTensor(target), logs](const Grads& g,
                                                                   const autograd::Node& node) {
          const Tensor& x = sx.get();
          Grads out(2);
          // PyTorch: (x - t) / max(x (1 - x), eps), eps the float 1e-12f (also for double)
          const double eps = static_cast<double>(1e-12f);
          if (node.needs_input_grad(0))
            out[0] = mul(g[0], div(sub(x, st.get()), clamp_min(mul(x, rsub(x, 1.0)), eps)));
          if (node.needs_input_grad(1)) {
            auto [lx, l1x] = logs(x);
            out[1] = mul(g[0], sub(l1x, lx));
          }
          return out;
        });
  }
  if (weight.defined()) l = mul(l, weight);
  return apply_reduction(l, reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, const Tensor& pos_weight,
                                        Reduction reduction) {
  const char* op = "binary_cross_entropy_with_logits";
  check_loss_pair(input, target, op);
  check_loss_factor(weight, input, op, "weight");
  check_loss_factor(pos_weight, input, op, "pos_weight");
  const bool has_p = pos_weight.defined();
  Tensor l;
  {
    autograd::NoGradGuard no_grad;
    Tensor x = input.detach(), t = target.detach();
    // -(p t log_sigmoid(x) + (1 - t) log_sigmoid(-x)): no cancellation for large |x|
    // (the equal (1 - t) x + (1 + (p - 1) t) softplus(-x) loses small losses to rounding).
    Tensor pos = mul(t, softplus_neg(x));
    if (has_p) pos = mul(pos, pos_weight.detach());
    l = add(pos, mul(rsub(t, 1.0), softplus_neg(neg(x))));
  }
  std::vector<Tensor> inputs{input, target};
  if (has_p) inputs.push_back(pos_weight);
  if (autograd::any_requires_grad(inputs)) {
    autograd::record("BinaryCrossEntropyWithLogitsBackward", inputs, {l},
        [sx = SavedTensor(input), st = SavedTensor(target), sp_w = SavedTensor(pos_weight),
         has_p](const Grads& g, const autograd::Node& node) {
          const Tensor& x = sx.get();
          const Tensor& t = st.get();
          Grads out(has_p ? 3 : 2);
          if (node.needs_input_grad(0)) {  // (1 + (p - 1) t) sigmoid(x) - p t
            if (has_p) {
              const Tensor& p = sp_w.get();
              Tensor lw = add(mul(sub(p, 1.0), t), 1.0);
              out[0] = mul(g[0], sub(mul(lw, sigmoid(x)), mul(p, t)));
            } else {
              out[0] = mul(g[0], sub(sigmoid(x), t));
            }
          }
          if (node.needs_input_grad(1)) {  // -x + (p - 1) softplus(-x)
            out[1] = has_p ? mul(g[0], sub(mul(sub(sp_w.get(), 1.0), softplus_neg(x)), x))
                           : mul(g[0], neg(x));
          }
          if (has_p && node.needs_input_grad(2))  // t softplus(-x), summed to p's shape
            out[2] = autograd::sum_to(mul(g[0], mul(t, softplus_neg(x))), sp_w.get().shape());
          return out;
        });
  }
  if (weight.defined()) l = mul(l, weight);
  return apply_reduction(l, reduction);
}

Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction,
              bool log_target) {
  check_loss_pair(input, target, "kl_div");
  EMBER_CHECK(reduction == "none" || reduction == "mean" || reduction == "batchmean" ||
                  reduction == "sum",
              ValueError, "[kl_div] reduction must be 'none', 'mean', 'batchmean' or 'sum', got '",
              reduction, "'");
  Tensor l;
  if (log_target) {
    l = mul(exp(target), sub(target, input));
  } else {
    // xlogy(t, t): 0 where t == 0; log of a safe operand keeps the gradient finite there.
    Tensor safe = where(gt(target, 0.0), target, 1.0);
    l = sub(mul(target, log(safe)), mul(target, input));
  }
  if (reduction == "none") return l;
  if (reduction == "mean") return mean(l);
  if (reduction == "sum") return sum(l);
  const int64_t batch = input.dim() > 0 ? input.shape()[0] : 1;
  return div(sum(l), static_cast<double>(batch));
}

}  // namespace ember

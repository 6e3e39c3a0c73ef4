// Gradient clipping: per-tensor norms accumulated in double over fixed chunks (combined in
// chunk order, so any thread count gives the same bits), rounded to the grad's dtype like
// torch's per-tensor vector_norm, then the norm of those norms.
#include "ember/optim/clip_grad.h"

#include <cmath>
#include <limits>

#include "ember/autograd/grad_mode.h"
#include "ember/core/parallel.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/scalar.h"
#include "ember/ops/view.h"
#include "ember/optim/optimizer.h"

namespace ember::optim {

namespace {

constexpr int64_t kNormGrain = 1 << 14;

// Accumulates |x|^p style partials: kind 0 sum|x|^p, 1 max|x|, 2 min|x|, 3 count nonzero.
template <class T>
double norm_of(const T* x, int64_t n, double p) {
  const bool inf = std::isinf(p) && p > 0, ninf = std::isinf(p) && p < 0;
  if (inf || ninf) {
    double init = inf ? 0.0 : std::numeric_limits<double>::infinity();
    return parallel_reduce(n, kNormGrain, init, [&](int64_t b, int64_t e) {
      double acc = init;
      for (int64_t i = b; i < e; ++i) {
        double a = std::fabs(static_cast<double>(x[i]));
        if (a != a) return a;
        acc = inf ? (a > acc ? a : acc) : (a < acc ? a : acc);
      }
      return acc;
    }, [&](double a, double b) {
      if (a != a || b != b) return a + b;
      return inf ? (a > b ? a : b) : (a < b ? a : b);
    });
  }
  double s = parallel_reduce(n, kNormGrain, 0.0, [&](int64_t b, int64_t e) {
    double acc = 0.0;
    for (int64_t i = b; i < e; ++i) {
      double a = std::fabs(static_cast<double>(x[i]));
      if (p == 2.0) acc += a * a;
      else if (p == 1.0) acc += a;
      else if (p == 0.0) acc += a != 0.0 ? 1.0 : 0.0;
      else acc += std::pow(a, p);
    }
    return acc;
  }, [](double a, double b) { return a + b; });
  if (p == 2.0) return std::sqrt(s);
  if (p == 1.0 || p == 0.0) return s;
  return std::pow(s, 1.0 / p);
}

double round_to(double v, DType t) {
  return t == DType::Float32 ? static_cast<double>(static_cast<float>(v)) : v;
}

std::vector<Tensor> grads_of(const std::vector<Tensor>& params, const char* op) {
  std::vector<Tensor> grads;
  for (const Tensor& p : params) {
    check_defined(p, op, "parameter");
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    EMBER_CHECK(is_floating(g.dtype()), TypeError, "[", op,
                "] expected floating point grads, got ", dtype_name(g.dtype()));
    EMBER_CHECK(g.device().is_cpu(), NotImplementedError, "[", op, "] only CPU grads are supported");
    grads.push_back(g);
  }
  return grads;
}

}  // namespace

Tensor get_total_norm(const std::vector<Tensor>& tensors, double p, bool error_if_nonfinite) {
  const char* op = "clip_grad_norm_";
  EMBER_CHECK(!(p != p), ValueError, "[", op, "] norm_type must not be nan");
  if (tensors.empty()) return scalar_tensor(Scalar(0.0), DType::Float32);
  DType out = tensors[0].dtype();
  std::vector<double> norms;
  for (const Tensor& t : tensors) {
    EMBER_CHECK(is_floating(t.dtype()), TypeError, "[", op, "] expected floating point tensors, got ",
                dtype_name(t.dtype()));
    out = promote_types(out, t.dtype());
    Tensor c = contiguous(t.detach());
    double nrm = dispatch_float(c.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      return norm_of<T>(c.data<T>(), c.numel(), p);
    });
    norms.push_back(round_to(nrm, t.dtype()));
  }
  double total = norm_of<double>(norms.data(), static_cast<int64_t>(norms.size()), p);
  total = round_to(total, out);
  EMBER_CHECK(!error_if_nonfinite || std::isfinite(total), RuntimeError, "[", op,
              "] The total norm of order ", format_number(p), " for gradients from `parameters` "
              "is non-finite, so it cannot be clipped. To disable this error and scale the "
              "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`");
  return scalar_tensor(Scalar(total), out);
}

Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  autograd::NoGradGuard guard;
  std::vector<Tensor> grads = grads_of(parameters, "clip_grad_norm_");
  Tensor total = get_total_norm(grads, norm_type, error_if_nonfinite);
  if (grads.empty()) return total;
  // torch: clamp(max_norm / (total_norm + 1e-6), max=1.0), in total_norm's dtype.
  double coef;
  if (total.dtype() == DType::Float32) {
    float t = *total.data<float>();
    float c = static_cast<float>(max_norm) / (t + static_cast<float>(1e-6));
    coef = c != c ? c : (c > 1.0f ? 1.0f : c);
  } else {
    double t = *total.data<double>();
    double c = max_norm / (t + 1e-6);
    coef = c != c ? c : (c > 1.0 ? 1.0 : c);
  }
  for (Tensor g : grads) mul_(g, Scalar(coef));
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  autograd::NoGradGuard guard;
  std::vector<Tensor> grads = grads_of(parameters, "clip_grad_value_");
  for (const Tensor& g0 : grads) {
    Tensor g = g0;
    Tensor c = g.is_contiguous() ? g : clone(g.detach());
    dispatch_float(c.dtype(), "clip_grad_value_", [&](auto tag) {
      using T = decltype(tag);
      T* x = c.data<T>();
      const T lo = static_cast<T>(-clip_value), hi = static_cast<T>(clip_value);
      parallel_for(c.numel(), 1 << 15, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          T v = x[i];
          if (v != v) continue;  // NaN stays NaN, like clamp_
          v = v < lo ? lo : v;
          x[i] = v > hi ? hi : v;
        }
      });
    });
    if (c.is_same(g)) g.bump_version();
    else copy_(g, c);
  }
}

}  // namespace ember::optim

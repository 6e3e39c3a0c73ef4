// Fused classification losses; see loss.h. Rows (one per sample and spatial position) are
// processed in parallel; per-row losses are summed in row order, so reductions are the
// same for any thread count. float32 rows use the SIMD row kernels (max, sum of exp,
// scaled softmax) of cpu/isa/; float64 rows compute in plain double.
#include "ember/ops/loss.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/cpu/isa.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/reduce.h"
#include "ember/ops/softmax.h"
#include "ember/ops/view.h"

// Vectorised row kernels of cpu/isa/reduce_kernel.cpp (float32 rows).
namespace ember::cpu {
EMBER_ISA_DECLARE(float, sum_exp_f32, (const float* x, int64_t n, float m))
EMBER_ISA_DECLARE(float, extreme_f32, (const float* x, int64_t n, int is_max))
EMBER_ISA_DECLARE(void, scaled_softmax_row_f32, (const float* x, float* d, int64_t n, float lse,
                                                  float a))  // cpu/isa/loss_kernel.cpp
}  // namespace ember::cpu

namespace ember {

using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

Reduction parse_reduction(const std::string& s, const char* op) {
  if (s == "mean") return Reduction::Mean;
  if (s == "sum") return Reduction::Sum;
  if (s == "none") return Reduction::None;
  EMBER_THROW(ValueError, "[", op, "] reduction must be 'none', 'mean' or 'sum', got '", s, "'");
}

Tensor apply_reduction(const Tensor& loss, Reduction r) {
  if (r == Reduction::Mean) return mean(loss);
  if (r == Reduction::Sum) return sum(loss);
  return loss;
}

// The softplus argument -|x| is <= 0, so its threshold never cuts.
Tensor softplus_neg(const Tensor& x) {
  return add(clamp_min(neg(x), 0.0), softplus(neg(abs(x))));
}

namespace {

struct Problem {
  Tensor rows;      // (M, C) contiguous: class dim moved last
  Tensor target;    // (M,) int64 or (M, C) probabilities, contiguous
  Shape out_shape;  // per-sample loss shape for reduction='none'
  int64_t m = 0, c = 0;
  bool probs = false;
};

// Moves the class dim last and flattens: (N, C, d...) -> (N*d..., C).
Tensor class_last(const Tensor& t) {
  if (t.dim() <= 2) return contiguous(reshape(t, {-1, t.shape().back()}));
  std::vector<int64_t> perm{0};
  for (int64_t i = 2; i < t.dim(); ++i) perm.push_back(i);
  perm.push_back(1);
  return contiguous(reshape(permute(t, perm), {-1, t.shape()[1]}));
}

Problem prepare(const Tensor& input, const Tensor& target, const Tensor& weight,
                const char* op) {
  check_defined(input, op, "input");
  check_defined(target, op, "target");
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[", op, "] expected floating point input, "
              "got ", dtype_name(input.dtype()));
  EMBER_CHECK(input.dim() >= 1, ValueError, "[", op, "] expected input of 1 or more dims "
              "(C,), (N, C) or (N, C, d1, ...), got shape ", shape_str(input.shape()));
  Problem p;
  p.c = input.dim() == 1 ? input.shape()[0] : input.shape()[1];
  EMBER_CHECK(p.c > 0, ValueError, "[", op, "] expected at least one class, got input shape ",
              shape_str(input.shape()));
  p.probs = is_floating(target.dtype());
  Shape sample_shape = input.shape();
  sample_shape.erase(sample_shape.begin() + (input.dim() == 1 ? 0 : 1));
  if (p.probs) {
    EMBER_CHECK(target.shape() == input.shape(), ValueError, "[", op, "] class-probability "
                "target must have the input's shape ", shape_str(input.shape()), ", got ",
                shape_str(target.shape()));
    EMBER_CHECK(target.dtype() == input.dtype(), TypeError, "[", op, "] target dtype ",
                dtype_name(target.dtype()), " differs from input dtype ", dtype_name(input.dtype()));
  } else {
    EMBER_CHECK(target.dtype() == DType::Int64, TypeError, "[", op, "] expected class-index "
                "target of dtype int64 (or class probabilities of the input's dtype), got ",
                dtype_name(target.dtype()));
    EMBER_CHECK(target.shape() == sample_shape, ValueError, "[", op, "] expected target of "
                "shape ", shape_str(sample_shape), " for input of shape ",
                shape_str(input.shape()), ", got ", shape_str(target.shape()));
  }
  if (weight.defined()) {
    EMBER_CHECK(weight.shape() == Shape{p.c}, ValueError, "[", op, "] expected weight of shape (",
                p.c, ",), got ", shape_str(weight.shape()));
    EMBER_CHECK(weight.dtype() == input.dtype(), TypeError, "[", op, "] weight dtype ",
                dtype_name(weight.dtype()), " differs from input dtype ", dtype_name(input.dtype()));
  }
  Tensor in = input.dim() == 1 ? reshape(input.detach(), {1, p.c}) : input.detach();
  p.rows = class_last(in);
  p.m = p.rows.shape()[0];
  if (p.probs) {
    Tensor t = input.dim() == 1 ? reshape(target.detach(), {1, p.c}) : target.detach();
    p.target = class_last(t);
  } else {
    p.target = contiguous(reshape(target.detach(), {p.m}));
  }
  p.out_shape = sample_shape;
  return p;
}

// Checks class indices before any parallel work.
void check_targets(const Problem& p, int64_t ignore_index, const char* op) {
  if (p.probs) return;
  const int64_t* t = p.target.data<int64_t>();
  for (int64_t i = 0; i < p.m; ++i)
    EMBER_CHECK(t[i] == ignore_index || (t[i] >= 0 && t[i] < p.c), IndexError, "[", op,
                "] target ", t[i], " is out of bounds for ", p.c, " classes");
}

struct Coeffs {  // what the backward kernel needs per call
  double smoothing;
  int64_t ignore_index;
  bool log_softmax;  // cross_entropy (logits) vs nll_loss (log-probabilities)
};

// Per-row losses and weights (the mean's denominator terms); lse per row for backward.
template <class T>
void forward_rows(const Problem& p, const T* w, const Coeffs& k, T* loss, T* wsum, T* lse) {
  const T* x = p.rows.data<T>();
  const int64_t c = p.c;
  const double eps = k.smoothing;
  parallel_for(p.m, std::max<int64_t>(1, 8192 / c), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * c;
      double l = 0.0;
      if (k.log_softmax) {
        double mx, s;
        if constexpr (std::is_same_v<T, float>) {  // SIMD max and sum of exp
          const float m = EMBER_ISA_CALL(extreme_f32, xr, c, 1);
          mx = m;
          s = EMBER_ISA_CALL(sum_exp_f32, xr, c, m);
        } else {
          mx = xr[0];
          for (int64_t j = 1; j < c; ++j) mx = std::max(mx, static_cast<double>(xr[j]));
          s = 0.0;
          for (int64_t j = 0; j < c; ++j) s += std::exp(static_cast<double>(xr[j]) - mx);
        }
        l = mx + std::log(s);
        lse[r] = static_cast<T>(l);
      }
      auto logp = [&](int64_t j) { return static_cast<double>(xr[j]) - l; };
      double loss_r = 0.0, wr = 0.0;
      if (p.probs) {
        const T* q = p.target.data<T>() + r * c;
        for (int64_t j = 0; j < c; ++j) {
          double qj = (1.0 - eps) * q[j] + eps / c;
          loss_r -= (w ? w[j] : 1.0) * qj * logp(j);
        }
        wr = 1.0;
      } else {
        int64_t y = p.target.data<int64_t>()[r];
        if (y != k.ignore_index) {
          wr = w ? w[y] : 1.0;
          loss_r = -(1.0 - eps) * wr * logp(y);
          if (eps > 0) {
            double smooth = 0.0;
            for (int64_t j = 0; j < c; ++j) smooth -= (w ? w[j] : 1.0) * logp(j);
            loss_r += eps / c * smooth;
          }
        }
      }
      loss[r] = static_cast<T>(loss_r);
      wsum[r] = static_cast<T>(wr);
    }
  });
}

template <class T>
void backward_rows(const Problem& p, const T* w, const Coeffs& k, const T* lse, const T* gscale,
                   bool per_row, T* dx) {
  const T* x = p.rows.data<T>();
  const int64_t c = p.c;
  const double eps = k.smoothing;
  double wtotal = 0.0;
  for (int64_t j = 0; j < c; ++j) wtotal += w ? w[j] : 1.0;
  parallel_for(p.m, std::max<int64_t>(1, 8192 / c), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * c;
      T* d = dx + r * c;
      const double g = per_row ? gscale[r] : gscale[0];
      if constexpr (std::is_same_v<T, float>) {
        if (k.log_softmax) {  // softmax by the SIMD row kernel, then affine per class
          if (!p.probs && p.target.data<int64_t>()[r] == k.ignore_index) {
            for (int64_t j = 0; j < c; ++j) d[j] = 0.0f;
            continue;
          }
          const float lf = static_cast<float>(lse[r]);
          if (p.probs) {
            const T* q = p.target.data<T>() + r * c;
            double wq = 0.0;
            for (int64_t j = 0; j < c; ++j) wq += (w ? w[j] : 1.0) * ((1.0 - eps) * q[j] + eps / c);
            EMBER_ISA_CALL(scaled_softmax_row_f32, xr, d, c, lf, static_cast<float>(g * wq));
            const float b0 = static_cast<float>(g * (1.0 - eps)), b1 = static_cast<float>(g * eps / c);
            for (int64_t j = 0; j < c; ++j) d[j] -= (w ? w[j] : 1.0f) * (b0 * q[j] + b1);
            continue;
          }
          const int64_t y = p.target.data<int64_t>()[r];
          const double wy = w ? w[y] : 1.0;
          const float a = static_cast<float>(g * ((1.0 - eps) * wy + eps / c * wtotal));
          EMBER_ISA_CALL(scaled_softmax_row_f32, xr, d, c, lf, a);
          const float b = static_cast<float>(g * eps / c);
          if (b != 0.0f)
            for (int64_t j = 0; j < c; ++j) d[j] -= b * (w ? w[j] : 1.0f);
          d[y] -= static_cast<float>(g * (1.0 - eps) * wy);
          continue;
        }
      }
      const double l = k.log_softmax ? static_cast<double>(lse[r]) : 0.0;
      auto sm = [&](int64_t j) { return k.log_softmax ? std::exp(static_cast<double>(xr[j]) - l) : 0.0; };
      if (p.probs) {
        const T* q = p.target.data<T>() + r * c;
        double wq = 0.0;
        for (int64_t j = 0; j < c; ++j) wq += (w ? w[j] : 1.0) * ((1.0 - eps) * q[j] + eps / c);
        for (int64_t j = 0; j < c; ++j) {
          double qj = (1.0 - eps) * q[j] + eps / c;
          d[j] = static_cast<T>(g * (sm(j) * wq - (w ? w[j] : 1.0) * qj));
        }
        continue;
      }
      int64_t y = p.target.data<int64_t>()[r];
      if (y == k.ignore_index) {
        for (int64_t j = 0; j < c; ++j) d[j] = T(0);
        continue;
      }
      const double wy = w ? w[y] : 1.0;
      for (int64_t j = 0; j < c; ++j) {
        double s = sm(j);
        double v = (1.0 - eps) * wy * (s - (j == y ? 1.0 : 0.0));
        if (eps > 0) v += eps / c * (s * wtotal - (w ? w[j] : 1.0));
        d[j] = static_cast<T>(g * v);
      }
    }
  });
}

// Undoes class_last: (M, C) rows back to the input's layout.
Tensor restore_layout(const Tensor& rows, const Shape& input_shape) {
  if (input_shape.size() <= 2) return reshape(rows, input_shape);
  Shape moved{input_shape[0]};
  for (size_t i = 2; i < input_shape.size(); ++i) moved.push_back(input_shape[i]);
  moved.push_back(input_shape[1]);
  std::vector<int64_t> perm{0, static_cast<int64_t>(input_shape.size()) - 1};
  for (int64_t i = 1; i < static_cast<int64_t>(input_shape.size()) - 1; ++i) perm.push_back(i);
  return contiguous(permute(reshape(rows, moved), perm));
}

// The loss as differentiable ember ops of the input (target and weight constant), the same
// function forward_rows computes: for double backward (autograd::composite_backward).
Tensor loss_composite(const Tensor& input, const Problem& p, const Tensor& w, const Coeffs& k,
                      Reduction reduction, double denom) {
  Tensor rows = class_last(input.dim() == 1 ? reshape(input, {1, p.c}) : input);
  Tensor logp = k.log_softmax ? log_softmax(rows, 1) : rows;
  const double eps = k.smoothing;
  auto weighted = [&](const Tensor& t) { return w.defined() ? mul(t, reshape(w, {1, p.c})) : t; };
  Tensor loss;  // (M,)
  if (p.probs) {
    Tensor q = add(mul(p.target, Scalar(1.0 - eps)), Scalar(eps / static_cast<double>(p.c)));
    loss = neg(sum(weighted(mul(q, logp)), {1}));
  } else {
    // Constants per row: the class (0 when ignored), 1 / 0 for kept / ignored, and w_y.
    Tensor y = Tensor::empty({p.m, 1}, DType::Int64);
    Tensor keep = Tensor::empty({p.m}, rows.dtype()), wy = Tensor::empty({p.m}, rows.dtype());
    dispatch_float(rows.dtype(), "loss", [&](auto tag) {
      using T = decltype(tag);
      const int64_t* t = p.target.data<int64_t>();
      const T* wp = w.defined() ? w.data<T>() : nullptr;
      for (int64_t r = 0; r < p.m; ++r) {
        const bool kept = t[r] != k.ignore_index;
        y.data<int64_t>()[r] = kept ? t[r] : 0;
        keep.data<T>()[r] = kept ? T(1) : T(0);
        wy.data<T>()[r] = kept ? (wp ? wp[t[r]] : T(1)) : T(0);
      }
    });
    loss = mul(reshape(gather(logp, 1, y), {p.m}), mul(wy, Scalar(eps - 1.0)));
    if (eps > 0)
      loss = add(loss, mul(neg(sum(weighted(logp), {1})),
                           mul(keep, Scalar(eps / static_cast<double>(p.c)))));
  }
  if (reduction == Reduction::None) return reshape(loss, p.out_shape);
  Tensor total = sum(loss);
  return reduction == Reduction::Mean ? mul(total, Scalar(1.0 / denom)) : total;
}

Tensor loss_impl(const Tensor& input, const Tensor& target, const Tensor& weight,
                 int64_t ignore_index, Reduction reduction, double smoothing, bool log_softmax,
                 const char* op) {
  Problem p = prepare(input, target, weight, op);
  EMBER_CHECK(smoothing >= 0.0 && smoothing <= 1.0, ValueError, "[", op,
              "] label_smoothing must be in [0, 1], got ", smoothing);
  check_targets(p, ignore_index, op);
  Coeffs k{smoothing, ignore_index, log_softmax};
  Tensor w = weight.defined() ? contiguous(weight.detach()) : Tensor();
  Tensor loss = Tensor::empty({p.m}, input.dtype()), wsum = Tensor::empty({p.m}, input.dtype());
  Tensor lse = Tensor::empty({p.m}, input.dtype());
  Tensor out;
  double denom = 1.0;
  dispatch_float(input.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* wp = w.defined() ? w.data<T>() : nullptr;
    forward_rows<T>(p, wp, k, loss.data<T>(), wsum.data<T>(), lse.data<T>());
    if (reduction == Reduction::None) {
      out = reshape(loss, p.out_shape);
      return;
    }
    double total = 0.0, wt = 0.0;  // row order: thread-independent
    for (int64_t r = 0; r < p.m; ++r) {
      total += loss.data<T>()[r];
      wt += wsum.data<T>()[r];
    }
    denom = reduction == Reduction::Mean ? (p.probs ? static_cast<double>(p.m) : wt) : 1.0;
    out = Tensor::empty({}, input.dtype());
    *out.data<T>() = static_cast<T>(total / denom);  // 0/0 = NaN like PyTorch
  });
  if (autograd::any_requires_grad({input, target})) {
    autograd::record(log_softmax ? "CrossEntropyBackward" : "NllLossBackward", {input, target}, {out},
        [p, sin = SavedTensor(input), sw = SavedTensor(w), slse = SavedTensor(lse), k, reduction, denom, op,
         in_shape = input.shape()](const Grads& g, const autograd::Node& node) {
          EMBER_CHECK(!node.needs_input_grad(1), NotImplementedError, "[", op,
                      "] gradient with respect to the target is not implemented");
          if (autograd::GradMode::is_enabled())
            return autograd::composite_backward([&](const std::vector<Tensor>& in) {
              return Grads{loss_composite(in[0], p, sw.get(), k, reduction, denom)};
            }, {sin.get(), Tensor()}, g, node);
          sin.get();  // raises if the input was modified in place since forward
          Tensor dx = Tensor::empty({p.m, p.c}, p.rows.dtype());
          Tensor gs = contiguous(g[0]);
          dispatch_float(p.rows.dtype(), op, [&](auto tag) {
            using T = decltype(tag);
            const Tensor& w = sw.get();
            Tensor scale = gs;
            if (reduction != Reduction::None) {
              scale = Tensor::empty({}, p.rows.dtype());
              *scale.data<T>() = static_cast<T>(*gs.data<T>() / denom);
            }
            backward_rows<T>(p, w.defined() ? w.data<T>() : nullptr, k, slse.get().data<T>(),
                             scale.data<T>(), reduction == Reduction::None, dx.data<T>());
          });
          return Grads{restore_layout(dx, in_shape), Tensor()};
        });
  }
  return out;
}

}  // namespace

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                     int64_t ignore_index, Reduction reduction, double label_smoothing) {
  return loss_impl(input, target, weight, ignore_index, reduction, label_smoothing, true,
                   "cross_entropy");
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight,
                int64_t ignore_index, Reduction reduction) {
  EMBER_CHECK(!target.defined() || !is_floating(target.dtype()), TypeError,
              "[nll_loss] expected class-index target of dtype int64, got ",
              target.defined() ? dtype_name(target.dtype()) : "undefined");
  return loss_impl(input, target, weight, ignore_index, reduction, 0.0, false, "nll_loss");
}

}  // namespace ember

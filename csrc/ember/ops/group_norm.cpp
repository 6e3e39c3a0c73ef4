// group_norm: fused kernels per (sample, group) row (float32: cpu/isa/group_norm_kernel.cpp,
// two passes each way; float64: the layer-norm row kernel of cpu/norm.h then the channel
// affine) and its backward; instance_norm through batch_norm on a (1, N * C, *) view.
#include "ember/ops/group_norm.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/cpu/isa.h"
#include "ember/cpu/norm.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/norm.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember {

namespace cpu {
EMBER_ISA_DECLARE(void, group_norm_row_forward_f32,
                  (const float* x, int64_t cg, int64_t l, const float* w, const float* b,
                   double eps, float* y, float* mean, float* rstd))
EMBER_ISA_DECLARE(void, group_norm_row_backward_f32,
                  (const float* dy, const float* x, int64_t cg, int64_t l, const float* w,
                   float mean, float rstd, float* dx, float* dw, float* db))
}  // namespace cpu

namespace {

template <class T>
T* ptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

void check_param(const Tensor& p, const Tensor& x, int64_t c, const char* op, const char* name) {
  if (!p.defined()) return;
  EMBER_CHECK(p.shape() == Shape{c}, ValueError, "[", op, "] expected ", name, " of shape (", c,
              ",), got ", shape_str(p.shape()));
  EMBER_CHECK(p.dtype() == x.dtype(), TypeError, "[", op, "] ", name, " has dtype ",
              dtype_name(p.dtype()), " but the input has dtype ", dtype_name(x.dtype()));
}

// sum(g) and sum(g * (x - mu)) with 8 accumulators (vectorises; fixed order).
template <class T>
void grad_sums(const T* g, const T* x, int64_t n, T mu, T& sdy, T& sdyx) {
  T a[8] = {0, 0, 0, 0, 0, 0, 0, 0}, b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) {
      a[k] += g[i + k];
      b[k] += g[i + k] * (x[i + k] - mu);
    }
  T sa = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
  T sb = ((b[0] + b[1]) + (b[2] + b[3])) + ((b[4] + b[5]) + (b[6] + b[7]));
  for (; i < n; ++i) {
    sa += g[i];
    sb += g[i] * (x[i] - mu);
  }
  sdy = sa;
  sdyx = sb;
}

// group_norm as differentiable ember ops, for double backward (composite_backward).
Tensor group_norm_composite(const Tensor& x, int64_t g, const Tensor& w, const Tensor& b,
                            double eps) {
  Tensor xg = reshape(x, {x.shape()[0], g, -1});
  Tensor xc = sub(xg, mean(xg, {2}, true));
  Tensor y = reshape(mul(xc, rsqrt(add(mean(mul(xc, xc), {2}, true), Scalar(eps)))), x.shape());
  Shape cshape(static_cast<size_t>(x.dim()), 1);
  cshape[1] = x.shape()[1];
  if (w.defined()) y = mul(y, reshape(w, cshape));
  if (b.defined()) y = add(y, reshape(b, cshape));
  return y;
}

}  // namespace

Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight,
                  const Tensor& bias, double eps) {
  const char* op = "group_norm";
  check_defined(input, op);
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[group_norm] expected a floating point "
              "input, got ", dtype_name(input.dtype()));
  EMBER_CHECK(input.dim() >= 2, ValueError, "[group_norm] expected input of at least 2 dims "
              "(N, C, *), got shape ", shape_str(input.shape()));
  const int64_t n = input.shape()[0], c = input.shape()[1], g = num_groups;
  EMBER_CHECK(g > 0 && c % g == 0, ValueError, "[group_norm] expected num_groups > 0 dividing "
              "the number of channels ", c, ", got num_groups=", g);
  check_param(weight, input, c, op, "weight");
  check_param(bias, input, c, op, "bias");
  EMBER_CHECK(eps >= 0, ValueError, "[group_norm] eps must be non-negative, got ", eps);
  const int64_t l = c && n ? input.numel() / (n * c) : 0;  // spatial size
  const int64_t cg = c / g, d = cg * l, rows = n * g;
  Tensor x = contiguous(input.detach());
  Tensor w = weight.defined() ? contiguous(weight.detach()) : Tensor();
  Tensor b = bias.defined() ? contiguous(bias.detach()) : Tensor();
  Tensor y = Tensor::empty(input.shape(), input.dtype());
  Tensor mean = Tensor::empty({rows}, input.dtype()), rstd = Tensor::empty({rows}, input.dtype());
  if (d > 0) {
    dispatch_float(input.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      const T *xp = x.data<T>(), *wp = ptr<T>(w), *bp = ptr<T>(b);
      T *yp = y.data<T>(), *mp = mean.data<T>(), *sp = rstd.data<T>();
      if constexpr (std::is_same_v<T, float>) {  // fused row kernel: 2 passes, no temporaries
        parallel_for(rows, std::max<int64_t>(1, 16384 / d), [&](int64_t r0, int64_t r1) {
          for (int64_t r = r0; r < r1; ++r) {
            const int64_t c0 = (r % g) * cg;
            EMBER_ISA_CALL(group_norm_row_forward_f32, xp + r * d, cg, l, wp ? wp + c0 : nullptr,
                           bp ? bp + c0 : nullptr, eps, yp + r * d, mp + r, sp + r);
          }
        });
        return;
      }
      parallel_for(rows, std::max<int64_t>(1, 16384 / d), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          EMBER_ISA_CALL(layer_norm_forward, xp + r * d, static_cast<const T*>(nullptr),
                         static_cast<const T*>(nullptr), yp + r * d, mp + r, sp + r, int64_t{1},
                         d, eps, false);
          if (!wp && !bp) continue;
          const int64_t c0 = (r % g) * cg;
          for (int64_t k = 0; k < cg; ++k) {
            const T wk = wp ? wp[c0 + k] : T(1), bk = bp ? bp[c0 + k] : T(0);
            T* yc = yp + r * d + k * l;
            for (int64_t i = 0; i < l; ++i) yc[i] = yc[i] * wk + bk;
          }
        }
      });
    });
  }
  if (autograd::any_requires_grad({input, weight, bias})) {
    using autograd::SavedTensor;
    autograd::record("NativeGroupNormBackward", {input, weight, bias}, {y},
        [sx = SavedTensor(x), sm = SavedTensor(mean), ss = SavedTensor(rstd), sw = SavedTensor(w),
         n, c, g, l, cg, d, rows, eps,
         inputs = std::vector<SavedTensor>{SavedTensor(input), SavedTensor(weight),
                                           SavedTensor(bias)}](const std::vector<Tensor>& grads,
                                                               const autograd::Node& node) {
          if (autograd::GradMode::is_enabled())
            return autograd::composite_backward([&](const std::vector<Tensor>& in) {
              return std::vector<Tensor>{group_norm_composite(in[0], g, in[1], in[2], eps)};
            }, {inputs[0].get(), inputs[1].get(), inputs[2].get()}, grads, node);
          const Tensor &x = sx.get(), &mean = sm.get(), &rstd = ss.get(), &w = sw.get();
          Tensor dy = contiguous(grads[0]);
          const bool need_dx = node.needs_input_grad(0), need_dw = node.needs_input_grad(1),
                     need_db = node.needs_input_grad(2);
          Tensor dx = need_dx ? Tensor::empty(x.shape(), x.dtype()) : Tensor();
          // Per-(sample, channel) partials, summed over samples in order afterwards.
          Tensor dwp = need_dw ? Tensor::empty({n, c}, x.dtype()) : Tensor();
          Tensor dbp = need_db ? Tensor::empty({n, c}, x.dtype()) : Tensor();
          if (d > 0) {
            dispatch_float(x.dtype(), "group_norm", [&](auto tag) {
              using T = decltype(tag);
              const T *dyp = dy.data<T>(), *xp = x.data<T>(), *mp = mean.data<T>(),
                      *sp = rstd.data<T>(), *wp = ptr<T>(w);
              T *dxp = ptr<T>(dx), *dwpp = ptr<T>(dwp), *dbpp = ptr<T>(dbp);
              if constexpr (std::is_same_v<T, float>) {
                parallel_for(rows, std::max<int64_t>(1, 16384 / d), [&](int64_t r0, int64_t r1) {
                  for (int64_t r = r0; r < r1; ++r) {
                    const int64_t c0 = (r % g) * cg;
                    EMBER_ISA_CALL(group_norm_row_backward_f32, dyp + r * d, xp + r * d, cg, l,
                                   wp ? wp + c0 : nullptr, mp[r], sp[r],
                                   dxp ? dxp + r * d : nullptr, dwpp ? dwpp + r * cg : nullptr,
                                   dbpp ? dbpp + r * cg : nullptr);
                  }
                });
                return;
              }
              parallel_for(rows, std::max<int64_t>(1, 16384 / d), [&](int64_t r0, int64_t r1) {
                std::vector<T> tmp(wp && dxp ? static_cast<size_t>(d) : 0);
                for (int64_t r = r0; r < r1; ++r) {
                  const int64_t c0 = (r % g) * cg;
                  const T* dyr = dyp + r * d;
                  const T* xr = xp + r * d;
                  const T mu = mp[r], rs = sp[r];
                  for (int64_t k = 0; k < cg; ++k) {
                    if (!dwpp && !dbpp) break;
                    const T* gk = dyr + k * l;
                    const T* xk = xr + k * l;
                    T sdy, sdyx;
                    grad_sums(gk, xk, l, mu, sdy, sdyx);
                    if (dwpp) dwpp[r * cg + k] = sdyx * rs;  // r * cg + k == sample * c + channel
                    if (dbpp) dbpp[r * cg + k] = sdy;
                  }
                  if (!dxp) continue;
                  const T* src = dyr;
                  if (wp) {
                    for (int64_t k = 0; k < cg; ++k)
                      for (int64_t i = 0; i < l; ++i) tmp[k * l + i] = dyr[k * l + i] * wp[c0 + k];
                    src = tmp.data();
                  }
                  EMBER_ISA_CALL(layer_norm_backward, src, xr, mp + r, sp + r,
                                 static_cast<const T*>(nullptr), dxp + r * d,
                                 static_cast<T*>(nullptr), static_cast<T*>(nullptr), int64_t{1},
                                 d, false);
                }
              });
            });
          } else {
            if (need_dx) dx = zeros(x.shape(), x.dtype());
            if (need_dw) dwp = zeros({n, c}, x.dtype());
            if (need_db) dbp = zeros({n, c}, x.dtype());
          }
          std::vector<Tensor> r(3);
          r[0] = dx;
          if (need_dw) r[1] = sum(dwp, {0});
          if (need_db) r[2] = sum(dbp, {0});
          return r;
        });
  }
  return y;
}

Tensor instance_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                     const Tensor& weight, const Tensor& bias, bool use_input_stats,
                     double momentum, double eps) {
  const char* op = "instance_norm";
  check_defined(input, op);
  EMBER_CHECK(input.dim() >= 2, ValueError, "[instance_norm] expected input of at least 2 dims "
              "(N, C, *), got shape ", shape_str(input.shape()));
  const int64_t n = input.shape()[0], c = input.shape()[1];
  check_param(weight, input, c, op, "weight");
  check_param(bias, input, c, op, "bias");
  check_param(running_mean, input, c, op, "running_mean");
  check_param(running_var, input, c, op, "running_var");
  EMBER_CHECK(use_input_stats || (running_mean.defined() && running_var.defined()), ValueError,
              "[instance_norm] expected running_mean and running_var when use_input_stats=False");
  const bool stats = running_mean.defined() && running_var.defined();
  if (use_input_stats && !stats) return group_norm(input, c, weight, bias, eps);
  Shape s = input.shape();
  s[0] = 1;
  s[1] = n * c;
  auto rep = [&](const Tensor& t) {
    return t.defined() ? reshape(expand(unsqueeze(t, 0), {n, c}), {n * c}) : Tensor();
  };
  Tensor rm = stats ? contiguous(rep(running_mean.detach())) : Tensor();
  Tensor rv = stats ? contiguous(rep(running_var.detach())) : Tensor();
  if (stats && rm.is_same(running_mean)) rm = clone(rm);  // n == 1: keep the caller's buffer
  if (stats && rv.is_same(running_var)) rv = clone(rv);
  Tensor y = batch_norm(reshape(input, s), rm, rv, rep(weight), rep(bias), use_input_stats,
                        momentum, eps);
  if (stats && use_input_stats) {
    autograd::NoGradGuard guard;
    Tensor m = running_mean, v = running_var;
    copy_(m, mean(reshape(rm, {n, c}), {0}));
    copy_(v, mean(reshape(rv, {n, c}), {0}));
  }
  return reshape(y, input.shape());
}

}  // namespace ember

// Normalisation ops: checks, fused kernels, autograd; see norm.h.
#include "ember/ops/norm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/cpu/norm.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

void check_param(const Tensor& p, const Tensor& x, const Shape& shape, const char* op,
                 const char* name) {
  if (!p.defined()) return;
  EMBER_CHECK(p.shape() == shape, ValueError, "[", op, "] expected ", name, " of shape ",
              shape_str(shape), ", got ", shape_str(p.shape()));
  EMBER_CHECK(p.dtype() == x.dtype(), TypeError, "[", op, "] ", name, " has dtype ",
              dtype_name(p.dtype()), " but the input has dtype ", dtype_name(x.dtype()));
}

template <class T>
T* ptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

// Row 0 of a (blocks, d) partials buffer, after the blocks were summed into it.
Tensor first_row(const Tensor& partials, const Shape& shape) {
  return clone(as_strided(partials, shape, contiguous_strides(shape), 0));
}

// The ops as compositions of differentiable ember ops, for double backward
// (autograd::composite_backward); the fused kernels compute the same functions.
Tensor affine(Tensor y, const Tensor& w, const Tensor& b, const Shape& shape) {
  if (w.defined()) y = mul(y, reshape(w, shape));
  if (b.defined()) y = add(y, reshape(b, shape));
  return y;
}

Tensor layer_norm_composite(const Tensor& x, int64_t k, const Tensor& w, const Tensor& b,
                            double eps, bool rms) {
  std::vector<int64_t> dims;
  for (int64_t i = x.dim() - k; i < x.dim(); ++i) dims.push_back(i);
  Tensor xc = rms ? x : sub(x, mean(x, dims, true));
  Tensor y = mul(xc, rsqrt(add(mean(mul(xc, xc), dims, true), Scalar(eps))));
  return affine(y, w, b, w.defined() ? w.shape() : Shape{});
}

// Training: batch statistics (biased variance); eval: the saved mean and invstd of the
// running statistics, as constants.
Tensor batch_norm_composite(const Tensor& x, const Tensor& w, const Tensor& b, bool training,
                            double eps, const Tensor& saved_mean, const Tensor& saved_invstd) {
  Shape cshape(static_cast<size_t>(x.dim()), 1);
  cshape[1] = x.shape()[1];
  if (!training)
    return affine(mul(sub(x, reshape(saved_mean, cshape)), reshape(saved_invstd, cshape)), w, b,
                  cshape);
  std::vector<int64_t> dims{0};
  for (int64_t i = 2; i < x.dim(); ++i) dims.push_back(i);
  Tensor xc = sub(x, mean(x, dims, true));
  return affine(mul(xc, rsqrt(add(mean(mul(xc, xc), dims, true), Scalar(eps)))), w, b, cshape);
}

// Rows per block for the weight-gradient partials: depends only on the row count.
int64_t row_block(int64_t rows) { return std::max<int64_t>(64, (rows + 255) / 256); }

Tensor layer_norm_impl(const Tensor& input, const Shape& normalized_shape, const Tensor& weight,
                       const Tensor& bias, double eps, bool rms, const char* op) {
  check_defined(input, op);
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[", op, "] expected a floating point "
              "input, got ", dtype_name(input.dtype()));
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  EMBER_CHECK(k >= 1 && input.dim() >= k &&
                  Shape(input.shape().end() - k, input.shape().end()) == normalized_shape,
              ValueError, "[", op, "] normalized_shape ", shape_str(normalized_shape),
              " must match the trailing dims of the input of shape ", shape_str(input.shape()));
  check_param(weight, input, normalized_shape, op, "weight");
  check_param(bias, input, normalized_shape, op, "bias");
  EMBER_CHECK(eps >= 0, ValueError, "[", op, "] eps must be non-negative, got ", eps);
  const int64_t d = numel_of(normalized_shape, op);
  const int64_t rows = d ? input.numel() / d : 0;
  Tensor x = contiguous(input.detach());
  Tensor w = weight.defined() ? contiguous(weight.detach()) : Tensor();
  Tensor b = bias.defined() ? contiguous(bias.detach()) : Tensor();
  Tensor y = Tensor::empty(input.shape(), input.dtype());
  Tensor mean = rms ? Tensor() : Tensor::empty({rows}, input.dtype());
  Tensor rstd = Tensor::empty({rows}, input.dtype());
  if (d > 0) {
    dispatch_float(input.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      const T *xp = x.data<T>(), *wp = ptr<T>(w), *bp = ptr<T>(b);
      T *yp = y.data<T>(), *mp = rms ? nullptr : mean.data<T>(), *sp = rstd.data<T>();
      parallel_for(rows, std::max<int64_t>(1, 16384 / d), [&](int64_t r0, int64_t r1) {
        EMBER_ISA_CALL(layer_norm_forward, xp + r0 * d, wp, bp, yp + r0 * d,
                       mp ? mp + r0 : nullptr, sp + r0, r1 - r0, d, eps, rms);
      });
    });
  }
  if (autograd::any_requires_grad({input, weight, bias})) {
    autograd::record(rms ? "RmsNormBackward" : "LayerNormBackward", {input, weight, bias}, {y},
        [sx = SavedTensor(x), sm = SavedTensor(mean), ss = SavedTensor(rstd),
         sw = SavedTensor(w), rows, d, rms, eps, op, pshape = normalized_shape,
         inputs = std::vector<SavedTensor>{SavedTensor(input), SavedTensor(weight),
                                           SavedTensor(bias)}](const Grads& g,
                                                               const autograd::Node& node) {
          if (autograd::GradMode::is_enabled()) {
            const int64_t k = static_cast<int64_t>(pshape.size());
            return autograd::composite_backward([&](const std::vector<Tensor>& in) {
              return Grads{layer_norm_composite(in[0], k, in[1], in[2], eps, rms)};
            }, {inputs[0].get(), inputs[1].get(), inputs[2].get()}, g, node);
          }
          const Tensor &x = sx.get(), &mean = sm.get(), &rstd = ss.get(), &w = sw.get();
          Tensor dy = contiguous(g[0]);
          bool need_dx = node.needs_input_grad(0), need_dw = node.needs_input_grad(1),
               need_db = node.needs_input_grad(2);
          Tensor dx = need_dx ? Tensor::empty(x.shape(), x.dtype()) : Tensor();
          const int64_t block = row_block(rows), nblocks = rows ? (rows + block - 1) / block : 0;
          Tensor dwp = need_dw ? zeros({std::max<int64_t>(nblocks, 1), d}, x.dtype()) : Tensor();
          Tensor dbp = need_db ? zeros({std::max<int64_t>(nblocks, 1), d}, x.dtype()) : Tensor();
          dispatch_float(x.dtype(), op, [&](auto tag) {
            using T = decltype(tag);
            const T *dyp = dy.data<T>(), *xp = x.data<T>(), *mp = ptr<T>(mean),
                    *sp = rstd.data<T>(), *wp = ptr<T>(w);
            T *dxp = ptr<T>(dx), *dwpp = ptr<T>(dwp), *dbpp = ptr<T>(dbp);
            parallel_for(nblocks, 1, [&](int64_t b0, int64_t b1) {
              for (int64_t blk = b0; blk < b1; ++blk) {
                int64_t r0 = blk * block, r1 = std::min(rows, r0 + block);
                EMBER_ISA_CALL(layer_norm_backward, dyp + r0 * d, xp + r0 * d,
                               mp ? mp + r0 : nullptr, sp + r0, wp, dxp ? dxp + r0 * d : nullptr,
                               dwpp ? dwpp + blk * d : nullptr, dbpp ? dbpp + blk * d : nullptr,
                               r1 - r0, d, rms);
              }
            });
            // Combine block partials in block order (fixed, thread-independent).
            for (T* part : {dwpp, dbpp}) {
              if (!part) continue;
              for (int64_t blk = 1; blk < nblocks; ++blk)
                for (int64_t i = 0; i < d; ++i) part[i] += part[blk * d + i];
            }
          });
          Grads r(3);
          r[0] = dx;
          if (need_dw) r[1] = first_row(dwp, w.shape());
          if (need_db) r[2] = first_row(dbp, pshape);
          return r;
        });
  }
  return y;
}

}  // namespace

Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  return layer_norm_impl(input, normalized_shape, weight, bias, eps, false, "layer_norm");
}

Tensor rms_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight,
                std::optional<double> eps) {
  check_defined(input, "rms_norm");
  double e = eps.value_or(input.dtype() == DType::Float64 ? std::numeric_limits<double>::epsilon()
                                                          : std::numeric_limits<float>::epsilon());
  return layer_norm_impl(input, normalized_shape, weight, Tensor(), e, true, "rms_norm");
}

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  const char* op = "batch_norm";
  check_defined(input, op);
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[batch_norm] expected a floating point "
              "input, got ", dtype_name(input.dtype()));
  EMBER_CHECK(input.dim() >= 2, ValueError, "[batch_norm] expected input of at least 2 dims "
              "(N, C, *), got shape ", shape_str(input.shape()));
  const int64_t n = input.shape()[0], c = input.shape()[1];
  const int64_t l = c && n ? input.numel() / (n * c) : 0;
  const Shape cshape{c};
  check_param(weight, input, cshape, op, "weight");
  check_param(bias, input, cshape, op, "bias");
  check_param(running_mean, input, cshape, op, "running_mean");
  check_param(running_var, input, cshape, op, "running_var");
  EMBER_CHECK(training || (running_mean.defined() && running_var.defined()), ValueError,
              "[batch_norm] running_mean and running_var are required when training=False");
  EMBER_CHECK(!training || n * l > 1, ValueError, "[batch_norm] expected more than 1 value per "
              "channel when training, got input of shape ", shape_str(input.shape()));
  Tensor x = contiguous(input.detach());
  Tensor w = weight.defined() ? contiguous(weight.detach()) : Tensor();
  Tensor b = bias.defined() ? contiguous(bias.detach()) : Tensor();
  Tensor mean = Tensor::empty(cshape, input.dtype()), invstd = Tensor::empty(cshape, input.dtype());
  Tensor y = Tensor::empty(input.shape(), input.dtype());
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, n * l));
  dispatch_float(input.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T *mp = mean.data<T>(), *sp = invstd.data<T>();
    if (training) {
      Tensor var = Tensor::empty(cshape, input.dtype());
      T* vp = var.data<T>();
      parallel_for(c, grain, [&](int64_t c0, int64_t c1) {
        EMBER_ISA_CALL(batch_norm_stats, xp, n, c, l, c0, c1, mp, vp);
      });
      const double count = static_cast<double>(n * l);
      if (running_mean.defined() && running_var.defined()) {
        Tensor rm = running_mean, rv = running_var;  // updated in place, no autograd
        EMBER_CHECK(rm.is_contiguous() && rv.is_contiguous(), ValueError,
                    "[batch_norm] running stats must be contiguous");
        T *rmp = rm.data<T>(), *rvp = rv.data<T>();
        for (int64_t ch = 0; ch < c; ++ch) {
          rmp[ch] = static_cast<T>((1 - momentum) * rmp[ch] + momentum * mp[ch]);
          rvp[ch] = static_cast<T>((1 - momentum) * rvp[ch] + momentum * vp[ch] * count / (count - 1));
        }
        rm.bump_version();
        rv.bump_version();
      }
      for (int64_t ch = 0; ch < c; ++ch) sp[ch] = static_cast<T>(1.0 / std::sqrt(static_cast<double>(vp[ch]) + eps));
    } else {
      Tensor rm = contiguous(running_mean.detach()), rv = contiguous(running_var.detach());
      const T *rmp = rm.data<T>(), *rvp = rv.data<T>();
      for (int64_t ch = 0; ch < c; ++ch) {
        mp[ch] = rmp[ch];
        sp[ch] = static_cast<T>(1.0 / std::sqrt(static_cast<double>(rvp[ch]) + eps));
      }
    }
    const T *wp = ptr<T>(w), *bp = ptr<T>(b);
    T* yp = y.data<T>();
    parallel_for(c, grain, [&](int64_t c0, int64_t c1) {
      EMBER_ISA_CALL(batch_norm_apply, xp, mp, sp, wp, bp, yp, n, c, l, c0, c1);
    });
  });
  if (autograd::any_requires_grad({input, weight, bias})) {
    autograd::record("BatchNormBackward", {input, weight, bias}, {y},
        [sx = SavedTensor(x), sm = SavedTensor(mean), ss = SavedTensor(invstd),
         sw = SavedTensor(w), n, c, l, training, grain, eps,
         inputs = std::vector<SavedTensor>{SavedTensor(input), SavedTensor(weight),
                                           SavedTensor(bias)}](const Grads& g,
                                                               const autograd::Node& node) {
          if (autograd::GradMode::is_enabled()) {
            const Tensor &m = sm.get(), &s = ss.get();
            return autograd::composite_backward([&](const std::vector<Tensor>& in) {
              return Grads{batch_norm_composite(in[0], in[1], in[2], training, eps, m, s)};
            }, {inputs[0].get(), inputs[1].get(), inputs[2].get()}, g, node);
          }
          const Tensor &x = sx.get(), &mean = sm.get(), &invstd = ss.get(), &w = sw.get();
          Tensor dy = contiguous(g[0]);
          Tensor dx = node.needs_input_grad(0) ? Tensor::empty(x.shape(), x.dtype()) : Tensor();
          Tensor dw = node.needs_input_grad(1) ? Tensor::empty({c}, x.dtype()) : Tensor();
          Tensor db = node.needs_input_grad(2) ? Tensor::empty({c}, x.dtype()) : Tensor();
          dispatch_float(x.dtype(), "batch_norm", [&](auto tag) {
            using T = decltype(tag);
            const T *dyp = dy.data<T>(), *xp = x.data<T>(), *mp = mean.data<T>(),
                    *sp = invstd.data<T>(), *wp = ptr<T>(w);
            T *dxp = ptr<T>(dx), *dwp = ptr<T>(dw), *dbp = ptr<T>(db);
            parallel_for(c, grain, [&](int64_t c0, int64_t c1) {
              EMBER_ISA_CALL(batch_norm_backward, dyp, xp, mp, sp, wp, dxp, dwp, dbp, n, c, l,
                             c0, c1, training);
            });
          });
          return Grads{dx, dw, db};
        });
  }
  return y;
}

}  // namespace ember

// logsumexp, softmax, log_softmax: checks, layout and backward formulas (see softmax.h).
// Backward uses a private differentiable exp so this file does not depend on the
// elementwise unary ops; everything else is composed of ember ops (double backward works).
#include "ember/ops/softmax.h"

#include <cmath>
#include <limits>

#include "ember/autograd/function.h"
#include "ember/cpu/loop.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"
#include "ember/cpu/reduce.h"

namespace ember {

using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

// e^x for floating t, recorded so that its own gradient (g * e^x) is differentiable.
Tensor exp_for_grad(const Tensor& t) {
  Tensor out = Tensor::empty(t.shape(), t.dtype());
  dispatch_float(t.dtype(), "exp", [&](auto tag) {
    using T = decltype(tag);
    cpu::StridedLoop<2> loop(t.shape(), {&out, &t});
    loop.run([](char** p, const int64_t* st, int64_t n) {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(p[0] + i * st[0]) = std::exp(*reinterpret_cast<const T*>(p[1] + i * st[1]));
    });
  });
  if (autograd::any_requires_grad({t}))
    autograd::record("ExpBackward", {t}, {out}, [so = SavedTensor(out, true)](const Grads& g, const auto&) {
      return Grads{mul(g[0], so.get())};
    });
  return out;
}

Tensor softmax_impl(const Tensor& t_in, int64_t dim_in, std::optional<DType> dtype, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  check_defined(t_in, op);
  DType dt = dtype.value_or(t_in.dtype());
  EMBER_CHECK(is_floating(dt), TypeError, "[", op, "] expected a floating point input or dtype "
              "(float32 or float64), got ", dtype_name(dt));
  int64_t dim = normalize_dim(dim_in, t_in.dim(), op);
  Tensor t = to_dtype(t_in, dt);  // differentiable cast, like PyTorch's dtype=
  Tensor out = Tensor::empty(t.shape(), dt);
  cpu::ReduceLayout layout{1, 1, 1};
  for (int64_t i = 0; i < t.dim(); ++i)
    (i < dim ? layout.outer : i == dim ? layout.len : layout.inner) *= t.shape()[i];
  {
    autograd::NoGradGuard guard;
    if (t.numel() > 0) {
      cpu::softmax(contiguous(t), layout, log, out);
    }
  }
  std::vector<int64_t> dims;
  if (t.dim() > 0) dims.push_back(dim);
  if (autograd::any_requires_grad({t}))
    autograd::record(log ? "LogSoftmaxBackward" : "SoftmaxBackward", {t}, {out},
        [st = SavedTensor(t), so = SavedTensor(out, true), dim, dims, log, layout](
            const Grads& g, const auto&) {
          if (!autograd::GradMode::is_enabled()) {  // plain backward: one fused pass
            const Tensor& y = so.get();
            Tensor dx = Tensor::empty(y.shape(), y.dtype());
            if (y.numel() > 0)
              cpu::softmax_backward(y, contiguous(to_dtype(g[0], y.dtype())), layout, log, dx);
            return Grads{dx};
          }
          // create_graph: ember ops, with y recomputed because saved outputs are detached
          // (the second derivative must also flow through y).
          Tensor y = softmax_impl(st.get(), dim, std::nullopt, log);
          if (log)  // g - softmax * sum(g)
            return Grads{sub(g[0], mul(exp_for_grad(y), sum(g[0], dims, true)))};
          return Grads{mul(y, sub(g[0], sum(mul(g[0], y), dims, true)))};
        });
  return out;
}

}  // namespace

Tensor logsumexp(const Tensor& t_in, const std::vector<int64_t>& dims_in, bool keepdim) {
  check_defined(t_in, "logsumexp");
  std::vector<int64_t> dims = reduction_dims(t_in, dims_in, "logsumexp");
  // Integer inputs promote to the default float, like PyTorch.
  Tensor t = is_floating(t_in.dtype()) ? t_in : to_dtype(t_in, default_float);
  Tensor out = Tensor::empty(reduced_shape(t.shape(), dims, keepdim), t.dtype());
  {
    autograd::NoGradGuard guard;
    if (out.numel() > 0) {
      auto p = detail::prepare_reduction(t, dims);
      if (p.layout.len == 0) {
        fill_(out, Scalar(-std::numeric_limits<double>::infinity()));
      } else {
        cpu::logsumexp(p.x, p.layout, out);
      }
    }
  }
  if (autograd::any_requires_grad({t}))
    autograd::record("LogsumexpBackward", {t}, {out},
        [st = SavedTensor(t), so = SavedTensor(out, true), dims, keepdim](const Grads& g, const auto&) {
          const Tensor& x = st.get();
          Tensor lse = detail::keep_dims(autograd::GradMode::is_enabled() ? logsumexp(x, dims, keepdim)
                                                                          : so.get(),
                                         x.shape(), dims, keepdim);
          return Grads{mul(detail::keep_dims(g[0], x.shape(), dims, keepdim),
                           exp_for_grad(sub(x, lse)))};
        });
  return out;
}

Tensor softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl(t, dim, dtype, false);
}
Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl(t, dim, dtype, true);
}

}  // namespace ember

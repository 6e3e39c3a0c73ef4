// apply_rotary_emb: checks, the fused row kernel (cpu/isa/rotary_kernel.cpp) and autograd.
// The input gradient is the inverse rotation (sin -> -sin) through this same op, so it is
// differentiable again; the cos/sin gradients are written with ember ops.
#include "ember/ops/rotary.h"

#include <algorithm>
#include <vector>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/cpu/rotary.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::SavedTensor;

namespace {

void check_table(const Tensor& t, const Tensor& x, int64_t L, int64_t half, const char* name) {
  check_defined(t, "apply_rotary_emb", name);
  EMBER_CHECK(t.dim() == 2 && t.size(0) == L && t.size(1) == half, ValueError,
              "[apply_rotary_emb] expected ", name, " of shape (L, D/2) = ",
              shape_str({L, half}), " for x of shape ", shape_str(x.shape()), ", got ",
              shape_str(t.shape()));
  EMBER_CHECK(t.dtype() == x.dtype(), TypeError, "[apply_rotary_emb] expected ", name,
              " of the dtype of x (", dtype_name(x.dtype()), "), got ", dtype_name(t.dtype()));
}

// The two members (u, w) of every rotated pair, as views of t (..., L, D).
std::pair<Tensor, Tensor> pair_parts(const Tensor& t, int64_t half, bool interleaved) {
  if (!interleaved) return {narrow(t, -1, 0, half), narrow(t, -1, half, half)};
  Shape s = t.shape();
  s.back() = half;
  s.push_back(2);
  Tensor r = reshape(t, s);
  return {select(r, -1, 0), select(r, -1, 1)};
}

}  // namespace

Tensor apply_rotary_emb(const Tensor& x, const Tensor& cos, const Tensor& sin, bool interleaved) {
  check_defined(x, "apply_rotary_emb", "x");
  EMBER_CHECK(x.dtype() == DType::Float32 || x.dtype() == DType::Float64, TypeError,
              "[apply_rotary_emb] expected x of dtype float32 or float64, got ",
              dtype_name(x.dtype()));
  EMBER_CHECK(x.dim() >= 2, ValueError, "[apply_rotary_emb] expected x of at least 2 dims "
              "(..., L, D), got shape ", shape_str(x.shape()));
  const int64_t L = x.size(-2), D = x.size(-1);
  EMBER_CHECK(D % 2 == 0, ValueError, "[apply_rotary_emb] expected an even head dim D (the "
              "last dim of x), got shape ", shape_str(x.shape()));
  const int64_t half = D / 2;
  check_table(cos, x, L, half, "cos");
  check_table(sin, x, L, half, "sin");

  Tensor xc = contiguous(x.detach());
  Tensor cc = contiguous(cos.detach()), sc = contiguous(sin.detach());
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  const int64_t rows = D > 0 ? x.numel() / D : 0;
  if (rows > 0 && half > 0) {
    dispatch_float(x.dtype(), "apply_rotary_emb", [&](auto tag) {
      using T = decltype(tag);
      const T *xp = xc.data<T>(), *cp = cc.data<T>(), *sp = sc.data<T>();
      T* yp = y.data<T>();
      parallel_for(rows, std::max<int64_t>(1, 16384 / D), [&](int64_t r0, int64_t r1) {
        EMBER_ISA_CALL(rotary_forward, xp, cp, sp, yp, r0, r1 - r0, L, half, interleaved);
      });
    });
  }

  if (autograd::any_requires_grad({x, cos, sin})) {
    const bool table_grad = cos.requires_grad() || sin.requires_grad();
    autograd::record(
        "ApplyRotaryEmbBackward", {x, cos, sin}, {y},
        [sx = table_grad ? SavedTensor(x) : SavedTensor(), sc = SavedTensor(cos),
         ss = SavedTensor(sin), half, interleaved](const std::vector<Tensor>& g,
                                                   const autograd::Node& node) {
          std::vector<Tensor> out(3);
          const Tensor& c = sc.get();
          const Tensor& s = ss.get();
          // y = R(a) x, so dx = R(a)^T dy = R(-a) dy.
          if (node.needs_input_grad(0)) out[0] = apply_rotary_emb(g[0], c, neg(s), interleaved);
          if (node.needs_input_grad(1) || node.needs_input_grad(2)) {
            auto [u, w] = pair_parts(sx.get(), half, interleaved);
            auto [gu, gw] = pair_parts(g[0], half, interleaved);
            // dy_u = u dcos - w dsin, dy_w = w dcos + u dsin.
            if (node.needs_input_grad(1))
              out[1] = autograd::sum_to(add(mul(gu, u), mul(gw, w)), c.shape());
            if (node.needs_input_grad(2))
              out[2] = autograd::sum_to(sub(mul(gw, u), mul(gu, w)), s.shape());
          }
          return out;
        });
  }
  return y;
}

}  // namespace ember

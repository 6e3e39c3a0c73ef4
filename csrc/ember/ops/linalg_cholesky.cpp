// Triangular solves and Cholesky (see linalg_solve.h): solve_triangular (the kernel every
// solver here ends in), cholesky(_ex) with Murray's backward, cholesky_solve / inverse with
// torch's backward (the whole factor, not only its triangle), and the old triangular_solve.
#include "ember/autograd/function.h"
#include "ember/cpu/linalg_dense.h"
#include "ember/ops/creation.h"
#include "ember/ops/diagonal.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/linalg.h"
#include "ember/ops/linalg_detail.h"
#include "ember/ops/linalg_solve.h"

namespace ember {
namespace linalg {

using autograd::SavedTensor;
using autograd::sum_to;
using detail::mT;
using Grads = std::vector<Tensor>;

namespace {

// A X = B for A (batch..., n, n) triangular and B (batch..., n, k), broadcast; no autograd.
Tensor trsm_raw(const Tensor& A, const Tensor& B, bool upper, bool unit, const char* op) {
  autograd::NoGradGuard guard;
  const int64_t n = A.size(-1), k = B.size(-1);
  const Shape batch = broadcast_shapes(detail::batch_shape(A), detail::batch_shape(B), op);
  Tensor a = contiguous(expand(A.detach(), detail::with_tail(batch, {n, n})));
  Tensor x = clone(expand(B.detach(), detail::with_tail(batch, {n, k})));
  const int64_t nb = detail::count(batch);
  dispatch_float(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data<T>();
    T* px = x.data<T>();
    detail::for_each_matrix(nb, [&](int64_t b) {
      cpu::trsm_left<T>(pa + b * n * n, n, px + b * n * k, k, upper, unit);
    });
  });
  return x;
}

Tensor triangle(const Tensor& t, bool upper, bool unit) {
  return upper ? triu(t, unit ? 1 : 0) : tril(t, unit ? -1 : 0);
}

}  // namespace

Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left, bool unit) {
  const char* op = "linalg.solve_triangular";
  detail::check_matrix(A, op, true);
  detail::check_matrix(B, op, false, "B");
  detail::check_same_dtype(A, B, op);
  const int64_t n = A.size(-1), got = left ? B.size(-2) : B.size(-1);
  EMBER_CHECK(got == n, ValueError, "[", op, "] expected B to have ", n, left ? " rows" : " columns",
              " to match A of shape ", shape_str(A.shape()), ", got shape ", shape_str(B.shape()));
  // X A = B is A^T X^T = B^T, with A^T's other triangle.
  Tensor X = left ? trsm_raw(A, B, upper, unit, op)
                  : contiguous(mT(trsm_raw(mT(A), mT(B), !upper, unit, op)));
  if (autograd::any_requires_grad({A, B}))
    autograd::record("LinalgSolveTriangularBackward", {A, B}, {X},
        [sa = SavedTensor(A), sb = SavedTensor(B), sx = SavedTensor(X, true), upper, left, unit](
            const Grads& g, const auto& node) {
          const Tensor &a = sa.get(), &b = sb.get();
          Tensor x = autograd::GradMode::is_enabled() ? solve_triangular(a, b, upper, left, unit)
                                                      : sx.get();
          Tensor gb = solve_triangular(mT(a), g[0], !upper, left, unit);
          Grads r(2);
          if (node.needs_input_grad(0))
            r[0] = sum_to(triangle(neg(left ? matmul(gb, mT(x)) : matmul(mT(x), gb)), upper, unit),
                          a.shape());
          if (node.needs_input_grad(1)) r[1] = sum_to(gb, b.shape());
          return r;
        });
  return X;
}

CholeskyResult cholesky_ex(const Tensor& A, bool upper, bool check_errors) {
  const char* op = "linalg.cholesky";
  detail::check_matrix(A, op, true);
  const int64_t n = A.size(-1);
  const Shape batch = detail::batch_shape(A);
  const int64_t nb = detail::count(batch);
  Tensor L, info = Tensor::empty(batch, DType::Int64);
  {
    autograd::NoGradGuard guard;
    L = clone(upper ? mT(A.detach()) : A.detach());  // upper: A's upper triangle = (A^T)'s lower
    dispatch_float(A.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      T* p = L.data<T>();
      int64_t* inf = info.data<int64_t>();
      detail::for_each_matrix(nb, [&](int64_t b) { inf[b] = cpu::cholesky<T>(p + b * n * n, n); });
    });
    const int64_t bad = detail::first_failure(info);
    if (check_errors && bad >= 0)
      EMBER_THROW(RuntimeError, "[", op, "] expected a positive-definite matrix, got one that is "
                  "not (batch element ", bad, ": the leading minor of order ",
                  info.data<int64_t>()[bad], " is not positive-definite)");
    if (upper) L = contiguous(mT(L));
  }
  if (autograd::any_requires_grad({A}))
    autograd::record("LinalgCholeskyExBackward", {A}, {L},
        [sa = SavedTensor(A), sl = SavedTensor(L, true), upper](const Grads& g, const auto&) {
          const Tensor& a = sa.get();
          Tensor f = autograd::GradMode::is_enabled() ? cholesky_ex(a, upper).L : sl.get();
          Tensor l = upper ? mT(f) : f, gl = upper ? mT(g[0]) : g[0];
          // Murray (2016): gA = L^-T Phi(L^T gL) L^-1, Phi = lower triangle with half diagonal,
          // then symmetrised as torch does.
          Tensor phi = matmul(mT(l), gl);
          phi = sub(tril(phi), mul(diag_embed(diagonal(phi, 0, -2, -1)), Scalar(0.5)));
          Tensor y = solve_triangular(mT(l), phi, /*upper=*/true);
          Tensor ga = solve_triangular(l, y, /*upper=*/false, /*left=*/false);
          return Grads{mul(add(ga, mT(ga)), Scalar(0.5))};
        });
  return {L, info};
}

Tensor cholesky(const Tensor& A, bool upper) { return cholesky_ex(A, upper, true).L; }

}  // namespace linalg

using autograd::SavedTensor;
using linalg::detail::mT;
using Grads = std::vector<Tensor>;

Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper) {
  const char* op = "cholesky_solve";
  linalg::detail::check_matrix(L, op, true, "L");
  linalg::detail::check_matrix(B, op, false, "B");
  linalg::detail::check_same_dtype(L, B, op);
  Tensor X;
  {
    autograd::NoGradGuard guard;
    Tensor lo = upper ? mT(L.detach()) : L.detach();  // A = lo lo^T
    X = linalg::solve_triangular(mT(lo), linalg::solve_triangular(lo, B.detach(), false), true);
  }
  if (autograd::any_requires_grad({B, L}))
    autograd::record("CholeskySolveBackward", {B, L}, {X},
        [sb = SavedTensor(B), sl = SavedTensor(L), sx = SavedTensor(X, true), upper](
            const Grads& g, const auto& node) {
          const Tensor &b = sb.get(), &l = sl.get();
          Tensor x = autograd::GradMode::is_enabled() ? cholesky_solve(b, l, upper) : sx.get();
          Tensor gb = cholesky_solve(g[0], l, upper);
          Grads r(2);
          if (node.needs_input_grad(0)) r[0] = autograd::sum_to(gb, b.shape());
          if (node.needs_input_grad(1)) {
            Tensor c = matmul(gb, mT(x));
            c = add(c, mT(c));
            r[1] = autograd::sum_to(neg(upper ? matmul(l, c) : matmul(c, l)), l.shape());
          }
          return r;
        });
  return X;
}

Tensor cholesky_inverse(const Tensor& L, bool upper) {
  linalg::detail::check_matrix(L, "cholesky_inverse", true, "L");
  return cholesky_solve(eye(L.size(-1), L.size(-1), L.dtype()), L, upper);
}

std::pair<Tensor, Tensor> triangular_solve(const Tensor& B, const Tensor& A, bool upper,
                                           bool transpose, bool unitriangular) {
  linalg::detail::check_matrix(A, "triangular_solve", true);
  Tensor X = transpose ? linalg::solve_triangular(mT(A), B, !upper, true, unitriangular)
                       : linalg::solve_triangular(A, B, upper, true, unitriangular);
  return {X, clone(A)};
}

}  // namespace ember

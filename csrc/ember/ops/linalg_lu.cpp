// The LU family (see linalg_solve.h): lu_factor / lu / lu_solve, solve, inv, det, slogdet,
// logdet. Forwards run cpu::lu_factor per batch element; lu_factor, solve, det and slogdet
// record closed-form backwards written in ember ops (recomputing their forward under
// create_graph so double backward sees the graph); lu, lu_solve, inv, logdet compose them.
#include <cmath>

#include "ember/autograd/function.h"
#include "ember/cpu/linalg_dense.h"
#include "ember/ops/creation.h"
#include "ember/ops/diagonal.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "ember/ops/linalg_decomp.h"
#include "ember/ops/linalg_detail.h"
#include "ember/ops/linalg_solve.h"

namespace ember {
namespace linalg {

using autograd::SavedTensor;
using autograd::sum_to;
using detail::mT;
using Grads = std::vector<Tensor>;

namespace {

// Unpacked LU factorisation without autograd.
LUFactorResult lu_factor_raw(const Tensor& A) {
  autograd::NoGradGuard guard;
  const int64_t m = A.size(-2), n = A.size(-1), k = std::min(m, n);
  const Shape batch = detail::batch_shape(A);
  Tensor LU = clone(A.detach());
  Tensor piv = Tensor::empty(detail::with_tail(batch, {k}), DType::Int64);
  Tensor info = Tensor::empty(batch, DType::Int64);
  const int64_t nb = detail::count(batch);
  dispatch_float(A.dtype(), "linalg.lu_factor", [&](auto tag) {
    using T = decltype(tag);
    T* a = LU.data<T>();
    int64_t* p = piv.data<int64_t>();
    int64_t* inf = info.data<int64_t>();
    detail::for_each_matrix(nb, [&](int64_t b) {
      inf[b] = cpu::lu_factor<T>(a + b * m * n, m, n, p + b * k);
    });
  });
  return {LU, piv, info};
}

void raise_singular(const Tensor& info, const char* op) {
  const int64_t b = detail::first_failure(info);
  if (b < 0) return;
  const int64_t i = info.data<int64_t>()[b] - 1;
  EMBER_THROW(RuntimeError, "[", op, "] expected an invertible matrix, got a singular one "
              "(batch element ", b, ": U[", i, ", ", i, "] of its LU factorization is zero)");
}

// Permutation matrices P (batch..., m, m) with A = P L U for the given pivots (batch..., k).
Tensor permutation_matrix(const Tensor& piv, int64_t m, DType dtype) {
  const int64_t k = piv.size(-1);
  const Shape batch = detail::batch_shape(piv, 1);
  Tensor P = zeros(detail::with_tail(batch, {m, m}), dtype);
  const int64_t nb = detail::count(batch);
  Tensor pc = contiguous(piv);
  dispatch_float(dtype, "linalg.lu", [&](auto tag) {
    using T = decltype(tag);
    T* out = P.data<T>();
    const int64_t* p = pc.data<int64_t>();
    std::vector<int64_t> perm(static_cast<size_t>(m));
    for (int64_t b = 0; b < nb; ++b) {
      cpu::pivots_to_perm(p + b * k, k, m, perm.data());
      for (int64_t i = 0; i < m; ++i) out[b * m * m + perm[static_cast<size_t>(i)] * m + i] = T(1);
    }
  });
  return P;
}

// gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T for square A = P L U.
Tensor lu_factor_backward(const Tensor& LU, const Tensor& P, const Tensor& g) {
  const int64_t n = LU.size(-1);
  Tensor L = add(tril(LU, -1), eye(n, n, LU.dtype()));
  Tensor U = triu(LU);
  Tensor phi = add(tril(matmul(mT(L), tril(g, -1)), -1), triu(matmul(triu(g), mT(U))));
  Tensor y = solve_triangular(mT(L), phi, /*upper=*/true, /*left=*/true, /*unitriangular=*/true);
  Tensor z = solve_triangular(mT(U), y, /*upper=*/false, /*left=*/false);
  return matmul(P, z);
}

void check_square_solve(const Tensor& A, const Tensor& B, bool left, const char* op) {
  detail::check_matrix(A, op, true);
  detail::check_matrix(B, op, false, "B");
  detail::check_same_dtype(A, B, op);
  const int64_t n = A.size(-1), got = left ? B.size(-2) : B.size(-1);
  EMBER_CHECK(got == n, ValueError, "[", op, "] expected B to have ", n, left ? " rows" : " columns",
              " to match A of shape ", shape_str(A.shape()), ", got shape ", shape_str(B.shape()));
  broadcast_shapes(detail::batch_shape(A), detail::batch_shape(B), op);  // raises if they clash
}

// A X = B (left) or X A = B, B a batch of matrices; batch dims broadcast. Differentiable.
SolveResult solve_matrix(const Tensor& A, const Tensor& B, bool left, bool check_errors,
                         const char* op) {
  check_square_solve(A, B, left, op);
  LUFactorResult f = lu_factor_raw(A);
  if (check_errors) raise_singular(f.info, op);
  Tensor X;
  {
    autograd::NoGradGuard guard;
    X = contiguous(lu_solve(f.LU, f.pivots, B.detach(), left));
  }
  if (autograd::any_requires_grad({A, B}))
    autograd::record("LinalgSolveBackward", {A, B}, {X},
        [sa = SavedTensor(A), sb = SavedTensor(B), sx = SavedTensor(X, true), left](
            const Grads& g, const auto& node) {
          const Tensor &a = sa.get(), &b = sb.get();
          Tensor x = autograd::GradMode::is_enabled() ? solve(a, b, left) : sx.get();
          Tensor gb = solve(mT(a), g[0], left);
          Grads r(2);
          if (node.needs_input_grad(0))
            r[0] = sum_to(neg(left ? matmul(gb, mT(x)) : matmul(mT(x), gb)), a.shape());
          if (node.needs_input_grad(1)) r[1] = sum_to(gb, b.shape());
          return r;
        });
  return {X, f.info};
}

}  // namespace

LUFactorResult lu_factor_ex(const Tensor& A, bool pivot, bool check_errors) {
  detail::check_matrix(A, "linalg.lu_factor", false);
  EMBER_CHECK(pivot, NotImplementedError, "[linalg.lu_factor] LU without pivoting is not "
              "implemented on the CPU (as in torch); use pivot=True");
  LUFactorResult f = lu_factor_raw(A);
  if (check_errors) raise_singular(f.info, "linalg.lu_factor");
  if (autograd::any_requires_grad({A}))
    autograd::record("LinalgLuFactorExBackward", {A}, {f.LU},
        [sa = SavedTensor(A), slu = SavedTensor(f.LU, true), sp = SavedTensor(f.pivots, true)](
            const Grads& g, const auto&) {
          const Tensor& a = sa.get();
          EMBER_CHECK(a.size(-1) == a.size(-2), NotImplementedError, "[linalg.lu_factor] the "
                      "gradient is implemented for square matrices only, got shape ",
                      shape_str(a.shape()));
          Tensor lu = autograd::GradMode::is_enabled() ? lu_factor_ex(a).LU : slu.get();
          Tensor P = permutation_matrix(sp.get(), a.size(-1), a.dtype());
          return Grads{lu_factor_backward(lu, P, g[0])};
        });
  return f;
}

LUFactorResult lu_factor(const Tensor& A, bool pivot) { return lu_factor_ex(A, pivot, true); }

LUResult lu(const Tensor& A, bool pivot) {
  detail::check_matrix(A, "linalg.lu", false);
  LUFactorResult f = lu_factor_ex(A, pivot, false);
  const int64_t m = A.size(-2), n = A.size(-1), k = std::min(m, n);
  Tensor P = permutation_matrix(f.pivots, m, A.dtype());
  Tensor L = add(tril(narrow(f.LU, -1, 0, k), -1), eye(m, k, A.dtype()));
  Tensor U = triu(narrow(f.LU, -2, 0, k));
  return {P, L, U};
}

Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left, bool adjoint) {
  const char* op = "linalg.lu_solve";
  check_square_solve(LU, B, left, op);
  check_defined(pivots, op, "pivots");
  const int64_t n = LU.size(-1);
  EMBER_CHECK(pivots.dtype() == DType::Int64 && pivots.shape() == detail::with_tail(
                  detail::batch_shape(LU), {n}), ValueError, "[", op, "] expected int64 pivots "
              "of shape ", shape_str(detail::with_tail(detail::batch_shape(LU), {n})), ", got ",
              dtype_name(pivots.dtype()), " of shape ", shape_str(pivots.shape()));
  {
    Tensor pc = contiguous(pivots);
    const int64_t* p = pc.data<int64_t>();
    for (int64_t i = 0; i < pc.numel(); ++i)
      EMBER_CHECK(p[i] >= 1 && p[i] <= n, ValueError, "[", op, "] expected pivots in [1, ", n,
                  "], got ", p[i]);
  }
  Tensor P = permutation_matrix(pivots, n, LU.dtype());
  // A = P L U with L (unit lower) and U packed in LU.
  if (left && !adjoint) {
    Tensor y = solve_triangular(LU, matmul(mT(P), B), false, true, true);
    return solve_triangular(LU, y, true, true);
  }
  if (left) {  // A^T X = B: X = P L^-T U^-T B
    Tensor y = solve_triangular(mT(LU), B, false, true);
    return matmul(P, solve_triangular(mT(LU), y, true, true, true));
  }
  if (!adjoint) {  // X A = B: X = B U^-1 L^-1 P^T
    Tensor y = solve_triangular(LU, B, true, false);
    return matmul(solve_triangular(LU, y, false, false, true), mT(P));
  }
  Tensor y = solve_triangular(mT(LU), matmul(B, P), true, false, true);  // X A^T = B
  return solve_triangular(mT(LU), y, false, false);
}

SolveResult solve_ex(const Tensor& A, const Tensor& B, bool left, bool check_errors) {
  const char* op = "linalg.solve";
  detail::check_matrix(A, op, true);
  check_defined(B, op, "B");
  // torch: B is a vector when 1-D, or when its shape is A's without the last dim.
  const bool vec = B.dim() == 1 ||
      (B.dim() == A.dim() - 1 && B.shape() == detail::batch_shape(A, 1));
  if (!vec) return solve_matrix(A, B, left, check_errors, op);
  SolveResult r = solve_matrix(A, unsqueeze(B, left ? -1 : -2), left, check_errors, op);
  r.result = squeeze(r.result, std::vector<int64_t>{left ? -1 : -2});
  return r;
}

Tensor solve(const Tensor& A, const Tensor& B, bool left) {
  return solve_ex(A, B, left, true).result;
}

InvResult inv_ex(const Tensor& A, bool check_errors) {
  detail::check_matrix(A, "linalg.inv", true);
  SolveResult r = solve_matrix(A, eye(A.size(-1), A.size(-1), A.dtype()), true, check_errors,
                               "linalg.inv");
  return {r.result, r.info};
}

Tensor inv(const Tensor& A) { return inv_ex(A, true).inverse; }

namespace {

// det (first, second undefined) or sign and log|det| of every matrix; no autograd.
std::pair<Tensor, Tensor> det_raw(const Tensor& A, bool want_det) {
  LUFactorResult f = lu_factor_raw(A);
  const int64_t n = A.size(-1);
  const Shape batch = detail::batch_shape(A);
  const int64_t nb = detail::count(batch);
  Tensor first = Tensor::empty(batch, A.dtype());
  Tensor second = want_det ? Tensor() : Tensor::empty(batch, A.dtype());
  dispatch_float(A.dtype(), "linalg.det", [&](auto tag) {
    using T = decltype(tag);
    const T* lu = f.LU.data<T>();
    const int64_t* piv = f.pivots.data<int64_t>();
    T* o1 = first.data<T>();
    T* o2 = want_det ? nullptr : second.data<T>();
    for (int64_t b = 0; b < nb; ++b) {
      double perm = 1, sgn = 1, prod = 1, logabs = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double d = lu[b * n * n + i * n + i];
        if (piv[b * n + i] != i + 1) perm = -perm;
        prod *= d;
        sgn = d < 0 ? -sgn : d == 0 ? 0.0 : sgn;
        logabs += std::log(std::fabs(d));
      }
      if (want_det) {
        o1[b] = static_cast<T>(perm * prod);
      } else {
        o1[b] = static_cast<T>(perm * sgn);
        o2[b] = static_cast<T>(logabs);
      }
    }
  });
  return {first, second};
}

// g (batch...) times A^-T: the gradient of log|det A| scaled by g.
Tensor scaled_inv_t(const Tensor& A, const Tensor& g) {
  return mul(unsqueeze(unsqueeze(g, -1), -1), mT(inv(A)));
}

// The gradient of det at a batch holding singular matrices: g adj(A)^T with
// adj(A)^T = det(U) det(Vh) U diag(prod_{j != i} s_j) Vh from the SVD (continuous at
// singular A, where A^-T is not defined). Not differentiable twice.
Tensor det_backward_singular(const Tensor& A, const Tensor& g) {
  autograd::NoGradGuard guard;
  SVDResult r = svd(A.detach(), false);
  Tensor others = Tensor::empty(r.S.shape(), A.dtype());
  const int64_t n = A.size(-1), nb = n == 0 ? 0 : r.S.numel() / n;
  dispatch_float(A.dtype(), "linalg.det", [&](auto tag) {
    using T = decltype(tag);
    const T* s = contiguous(r.S).data<T>();
    T* o = others.data<T>();
    for (int64_t b = 0; b < nb; ++b)
      for (int64_t i = 0; i < n; ++i) {
        double p = 1;
        for (int64_t j = 0; j < n; ++j) p *= j == i ? 1.0 : static_cast<double>(s[b * n + j]);
        o[b * n + i] = static_cast<T>(p);
      }
  });
  Tensor c = mul(mul(det(r.U), det(r.Vh)), g);
  return mul(unsqueeze(unsqueeze(c, -1), -1), matmul(mul(r.U, unsqueeze(others, -2)), r.Vh));
}

}  // namespace

Tensor det(const Tensor& A) {
  detail::check_matrix(A, "linalg.det", true);
  Tensor out = det_raw(A, true).first;
  if (autograd::any_requires_grad({A}))
    autograd::record("LinalgDetBackward", {A}, {out},
        [sa = SavedTensor(A), so = SavedTensor(out, true)](const Grads& g, const auto&) {
          const Tensor& a = sa.get();
          if (detail::first_failure(lu_factor_raw(a).info) >= 0)
            return Grads{det_backward_singular(a, g[0])};
          Tensor d = autograd::GradMode::is_enabled() ? det(a) : so.get();
          return Grads{scaled_inv_t(a, mul(g[0], d))};
        });
  return out;
}

SlogdetResult slogdet(const Tensor& A) {
  detail::check_matrix(A, "linalg.slogdet", true);
  auto [sgn, logabs] = det_raw(A, false);
  if (autograd::any_requires_grad({A}))
    autograd::record("LinalgSlogdetBackward", {A}, {logabs},
        [sa = SavedTensor(A)](const Grads& g, const auto&) {
          return Grads{scaled_inv_t(sa.get(), g[0])};
        });
  return {sgn, logabs};
}

}  // namespace linalg

Tensor logdet(const Tensor& A) {
  linalg::detail::check_matrix(A, "logdet", true);
  linalg::SlogdetResult r = linalg::slogdet(A);
  return where(lt(r.sign, Scalar(0.0)), Scalar(std::nan("")), r.logabsdet);
}

}  // namespace ember

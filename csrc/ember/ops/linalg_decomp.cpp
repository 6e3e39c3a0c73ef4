// qr, eigh / eigvalsh and svd / svdvals (see linalg_decomp.h): forwards run the dense kernels
// per batch element; backwards are torch's closed forms in ember ops (the forward is redone
// under create_graph so double backward works). Values-only variants record their own,
// simpler backward, which stays finite at repeated eigen/singular values.
#include "ember/ops/linalg_decomp.h"

#include "ember/autograd/function.h"
#include "ember/cpu/linalg_dense.h"
#include "ember/ops/creation.h"
#include "ember/ops/diagonal.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "ember/ops/linalg_detail.h"
#include "ember/ops/linalg_solve.h"
#include "ember/ops/reduce.h"

namespace ember {
namespace linalg {

using autograd::SavedTensor;
using detail::mT;
using Grads = std::vector<Tensor>;

namespace {

bool all_zero(const Tensor& g) {
  autograd::NoGradGuard guard;
  return !contiguous(any(ne(g, Scalar(0.0)))).data<bool>()[0];
}

// A column vector (..., k) -> (..., 1, k) or (..., k, 1) for broadcasting against matrices.
Tensor row(const Tensor& v) { return unsqueeze(v, -2); }
Tensor column(const Tensor& v) { return unsqueeze(v, -1); }

// (E)_ij = x_j - x_i with a unit diagonal (torch's E for eigh / svd backward).
Tensor gaps(const Tensor& x) {
  const int64_t k = x.size(-1);
  return add(sub(row(x), column(x)), eye(k, k, x.dtype()));
}

// QR of a square-or-tall A (m >= n, reduced): Liao et al. (2019),
// gA = [gQ + Q copyltu(M)] R^-T with M = R gR^T - gQ^T Q, copyltu(M) = tril(M) + tril(M, -1)^T.
Tensor qr_backward_tall(const Tensor& Q, const Tensor& R, const Tensor& gQ, const Tensor& gR) {
  Tensor M = sub(matmul(R, mT(gR)), matmul(mT(gQ), Q));
  Tensor c = add(tril(M), mT(tril(M, -1)));
  Tensor b = add(gQ, matmul(Q, c));
  return solve_triangular(mT(R), b, /*upper=*/false, /*left=*/false);  // X R^T = b
}

}  // namespace

QRResult qr(const Tensor& A, const std::string& mode) {
  const char* op = "linalg.qr";
  detail::check_matrix(A, op, false);
  EMBER_CHECK(mode == "reduced" || mode == "complete" || mode == "r", ValueError, "[", op,
              "] expected mode 'reduced', 'complete' or 'r', got '", mode, "'");
  const int64_t m = A.size(-2), n = A.size(-1), k = std::min(m, n);
  const bool complete = mode == "complete", want_q = mode != "r";
  const int64_t rr = complete ? m : k;
  const Shape batch = detail::batch_shape(A);
  const int64_t nb = detail::count(batch);
  Tensor Q = want_q ? Tensor::empty(detail::with_tail(batch, {m, rr}), A.dtype())
                    : Tensor::empty({0}, A.dtype());
  Tensor R = Tensor::empty(detail::with_tail(batch, {rr, n}), A.dtype());
  {
    autograd::NoGradGuard guard;
    Tensor a = contiguous(A.detach());
    dispatch_float(A.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      const T* pa = a.data<T>();
      T* pq = want_q ? Q.data<T>() : nullptr;
      T* pr = R.data<T>();
      detail::for_each_matrix(nb, [&](int64_t b) {
        cpu::qr<T>(pa + b * m * n, m, n, pq ? pq + b * m * rr : nullptr, pr + b * rr * n, complete);
      });
    });
  }
  if (autograd::any_requires_grad({A})) {
    auto backward = [sa = SavedTensor(A), sq = SavedTensor(Q, true), sr = SavedTensor(R, true),
                     mode, want_q](const Grads& g, const auto&) {
      const Tensor& a = sa.get();
      const int64_t m = a.size(-2), n = a.size(-1);
      EMBER_CHECK(want_q, RuntimeError, "[linalg.qr] the derivative of linalg.qr depends on Q, "
                  "which is not computed when mode='r'; use mode='reduced' to differentiate");
      EMBER_CHECK(mode != "complete" || m <= n, NotImplementedError, "[linalg.qr] the QR "
                  "decomposition is not differentiable when mode='complete' and nrows > ncols, "
                  "got shape ", shape_str(a.shape()));
      QRResult f = autograd::GradMode::is_enabled() ? qr(a, mode) : QRResult{sq.get(), sr.get()};
      const Tensor &gQ = g[0], &gR = g[1];
      if (m >= n) return Grads{qr_backward_tall(f.Q, f.R, gQ, gR)};
      // Wide: A = [X | Y], R = [U | V] with X = Q U square, Y = Q V.
      Tensor Y = narrow(a, -1, m, n - m), U = narrow(f.R, -1, 0, m);
      Tensor gU = narrow(gR, -1, 0, m), gV = narrow(gR, -1, m, n - m);
      Tensor gX = qr_backward_tall(f.Q, U, add(gQ, matmul(Y, mT(gV))), gU);
      return Grads{cat({gX, matmul(f.Q, gV)}, -1)};
    };
    if (want_q)
      autograd::record("LinalgQrBackward", {A}, {Q, R}, backward);
    else
      autograd::record("LinalgQrBackward", {A}, {R}, [backward](const Grads& g, const auto& node) {
        return backward(Grads{Tensor(), g[0]}, node);
      });
  }
  return {Q, R};
}

namespace {

EighResult eigh_raw(const Tensor& A, bool lower, const char* op) {
  autograd::NoGradGuard guard;
  const int64_t n = A.size(-1);
  const Shape batch = detail::batch_shape(A);
  const int64_t nb = detail::count(batch);
  Tensor a = contiguous(A.detach());
  Tensor w = Tensor::empty(detail::with_tail(batch, {n}), A.dtype());
  Tensor v = Tensor::empty(A.shape(), A.dtype());
  dispatch_float(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data<T>();
    T *pw = w.data<T>(), *pv = v.data<T>();
    detail::for_each_matrix(nb, [&](int64_t b) {
      cpu::eigh<T>(pa + b * n * n, n, lower, pw + b * n, pv + b * n * n);
    });
  });
  return {w, v};
}

bool check_uplo(const Tensor& A, const std::string& UPLO, const char* op) {
  detail::check_matrix(A, op, true);
  EMBER_CHECK(UPLO == "L" || UPLO == "U", ValueError, "[", op, "] expected UPLO 'L' or 'U', got '",
              UPLO, "'");
  return UPLO == "L";
}

// V diag(gw) V^T: the gradient through the eigenvalues alone.
Tensor eigvals_grad(const Tensor& V, const Tensor& gw) {
  return matmul(mul(V, row(gw)), mT(V));
}

}  // namespace

EighResult eigh(const Tensor& A, const std::string& UPLO) {
  const bool lower = check_uplo(A, UPLO, "linalg.eigh");
  EighResult r = eigh_raw(A, lower, "linalg.eigh");
  if (autograd::any_requires_grad({A}))
    autograd::record("LinalgEighBackward", {A}, {r.eigenvalues, r.eigenvectors},
        [sa = SavedTensor(A), sw = SavedTensor(r.eigenvalues, true),
         sv = SavedTensor(r.eigenvectors, true), UPLO](const Grads& g, const auto&) {
          EighResult f = autograd::GradMode::is_enabled() ? eigh(sa.get(), UPLO)
                                                          : EighResult{sw.get(), sv.get()};
          const Tensor &V = f.eigenvectors, &gw = g[0], &gV = g[1];
          if (all_zero(gV)) return Grads{eigvals_grad(V, gw)};
          // torch: gA = V (skew(V^T gV) / E + diag(gw)) V^T, skew(X) = (X - X^T) / 2.
          Tensor vg = matmul(mT(V), gV);
          Tensor inner = div(mul(sub(vg, mT(vg)), Scalar(0.5)), gaps(f.eigenvalues));
          return Grads{matmul(V, matmul(add(inner, diag_embed(gw)), mT(V)))};
        });
  return r;
}

Tensor eigvalsh(const Tensor& A, const std::string& UPLO) {
  const bool lower = check_uplo(A, UPLO, "linalg.eigvalsh");
  EighResult r = eigh_raw(A, lower, "linalg.eigvalsh");
  if (autograd::any_requires_grad({A}))
    autograd::record("LinalgEigvalshBackward", {A}, {r.eigenvalues},
        [sa = SavedTensor(A), sv = SavedTensor(r.eigenvectors, true), UPLO](
            const Grads& g, const auto&) {
          Tensor V = autograd::GradMode::is_enabled() ? eigh(sa.get(), UPLO).eigenvectors : sv.get();
          return Grads{eigvals_grad(V, g[0])};
        });
  return r.eigenvalues;
}

namespace {

SVDResult svd_raw(const Tensor& A, bool full, bool vectors, const char* op) {
  autograd::NoGradGuard guard;
  const int64_t m = A.size(-2), n = A.size(-1), k = std::min(m, n);
  const int64_t uc = full ? m : k, vr = full ? n : k;
  const Shape batch = detail::batch_shape(A);
  const int64_t nb = detail::count(batch);
  Tensor a = contiguous(A.detach());
  Tensor S = Tensor::empty(detail::with_tail(batch, {k}), A.dtype());
  Tensor U = vectors ? Tensor::empty(detail::with_tail(batch, {m, uc}), A.dtype()) : Tensor();
  Tensor Vh = vectors ? Tensor::empty(detail::with_tail(batch, {vr, n}), A.dtype()) : Tensor();
  dispatch_float(A.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data<T>();
    T* ps = S.data<T>();
    T* pu = vectors ? U.data<T>() : nullptr;
    T* pv = vectors ? Vh.data<T>() : nullptr;
    detail::for_each_matrix(nb, [&](int64_t b) {
      cpu::svd<T>(pa + b * m * n, m, n, ps + b * k, pu ? pu + b * m * uc : nullptr,
                  pv ? pv + b * vr * n : nullptr, full);
    });
  });
  return {U, S, Vh};
}

// U diag(gS) Vh with U, Vh cut to k columns / rows: the gradient through the values alone.
Tensor svdvals_grad(const Tensor& U, const Tensor& Vh, const Tensor& gS) {
  return matmul(mul(U, row(gS)), Vh);
}

// torch's svd_backward for real inputs, reduced U (m x k), S, Vh (k x n).
Tensor svd_backward(const Tensor& U, const Tensor& S, const Tensor& Vh, const Tensor& gU,
                    const Tensor& gS, const Tensor& gVh) {
  const int64_t m = U.size(-2), n = Vh.size(-1), k = S.size(-1);
  auto skew = [](const Tensor& x) { return sub(x, mT(x)); };
  Tensor UhgU = skew(matmul(mT(U), gU)), VhgV = skew(matmul(Vh, mT(gVh)));
  Tensor gA = div(add(mul(UhgU, row(S)), mul(column(S), VhgV)), gaps(square(S)));
  gA = add(gA, diag_embed(gS));
  if (m > k) {  // gA = [U gA + (I - U U^T) gU S^-1] Vh
    gA = matmul(U, gA);
    Tensor gus = div(gU, row(S));
    gA = sub(add(gA, gus), matmul(U, matmul(mT(U), gus)));
    return matmul(gA, Vh);
  }
  if (n > k) {  // gA = U [gA Vh + S^-1 gVh (I - V Vh)]
    gA = matmul(gA, Vh);
    Tensor sgv = div(gVh, column(S));
    gA = sub(add(gA, sgv), matmul(matmul(sgv, mT(Vh)), Vh));
    return matmul(U, gA);
  }
  return matmul(U, matmul(gA, Vh));
}

}  // namespace

SVDResult svd(const Tensor& A, bool full_matrices) {
  const char* op = "linalg.svd";
  detail::check_matrix(A, op, false);
  SVDResult r = svd_raw(A, full_matrices, true, op);
  if (autograd::any_requires_grad({A}))
    autograd::record("LinalgSvdBackward", {A}, {r.U, r.S, r.Vh},
        [sa = SavedTensor(A), su = SavedTensor(r.U, true), ss = SavedTensor(r.S, true),
         sv = SavedTensor(r.Vh, true), full_matrices](const Grads& g, const auto&) {
          const Tensor& a = sa.get();
          SVDResult f = autograd::GradMode::is_enabled() ? svd(a, full_matrices)
                                                         : SVDResult{su.get(), ss.get(), sv.get()};
          const int64_t k = f.S.size(-1);
          Tensor U = narrow(f.U, -1, 0, k), Vh = narrow(f.Vh, -2, 0, k);
          const bool vec_grads = !all_zero(g[0]) || !all_zero(g[2]);
          if (!vec_grads) return Grads{svdvals_grad(U, Vh, g[1])};
          if (full_matrices) {
            EMBER_CHECK(all_zero(narrow(g[0], -1, k, g[0].size(-1) - k)) &&
                            all_zero(narrow(g[2], -2, k, g[2].size(-2) - k)),
                        NotImplementedError, "[linalg.svd] the gradient through the extra "
                        "columns of U / rows of Vh of full_matrices=True is not defined; use "
                        "full_matrices=False");
          }
          return Grads{svd_backward(U, f.S, Vh, narrow(g[0], -1, 0, k), g[1],
                                    narrow(g[2], -2, 0, k))};
        });
  return r;
}

Tensor svdvals(const Tensor& A) {
  const char* op = "linalg.svdvals";
  detail::check_matrix(A, op, false);
  const bool grad = autograd::any_requires_grad({A});
  SVDResult r = svd_raw(A, false, grad, op);
  if (grad)
    autograd::record("LinalgSvdvalsBackward", {A}, {r.S},
        [sa = SavedTensor(A), su = SavedTensor(r.U, true), sv = SavedTensor(r.Vh, true)](
            const Grads& g, const auto&) {
          if (autograd::GradMode::is_enabled()) {
            SVDResult f = svd(sa.get(), false);
            return Grads{svdvals_grad(f.U, f.Vh, g[0])};
          }
          return Grads{svdvals_grad(su.get(), sv.get(), g[0])};
        });
  return r.S;
}

}  // namespace linalg
}  // namespace ember

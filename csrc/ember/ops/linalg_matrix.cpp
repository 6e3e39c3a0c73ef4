// What linalg_decomp.h builds out of other ops: pinv, matrix_rank, lstsq, cond (from svd /
// eigh), matrix_power, matrix_exp (scaling and squaring, Pade 13), vecdot, multi_dot. All are
// compositions of differentiable ember ops, so their gradients come from their parts.
#include <cmath>
#include <limits>

#include "ember/autograd/function.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/linalg.h"
#include "ember/ops/linalg_decomp.h"
#include "ember/ops/linalg_detail.h"
#include "ember/ops/linalg_norm.h"
#include "ember/ops/linalg_solve.h"
#include "ember/ops/reduce.h"

namespace ember {
namespace linalg {

using detail::mT;

namespace {

double eps_of(DType t) {
  return t == DType::Float32 ? std::numeric_limits<float>::epsilon()
                             : std::numeric_limits<double>::epsilon();
}

// Per-matrix cut-off max(atol, rtol * largest) for values |s| (..., k), as (..., 1).
Tensor cutoff(const Tensor& s_abs, int64_t m, int64_t n, std::optional<double> atol,
              std::optional<double> rtol) {
  autograd::NoGradGuard guard;
  const double a = atol.value_or(0.0);
  const double r = rtol ? *rtol : a > 0 ? 0.0 : eps_of(s_abs.dtype()) * static_cast<double>(std::max(m, n));
  Tensor top = s_abs.size(-1) == 0 ? zeros(detail::with_tail(detail::batch_shape(s_abs, 1), {1}), s_abs.dtype())
                                   : amax(s_abs.detach(), {-1}, true);
  return clamp_min(mul(top, Scalar(r)), Scalar(a));
}

// 1 / s where |s| > cut, else 0; safe to differentiate (no 1/0 anywhere in the graph).
Tensor masked_reciprocal(const Tensor& s, const Tensor& cut) {
  Tensor keep;
  {
    autograd::NoGradGuard guard;
    keep = gt(abs(s.detach()), cut);
  }
  return where(keep, reciprocal(where(keep, s, Scalar(1.0))), Scalar(0.0));
}

void check_tolerances(std::optional<double> atol, std::optional<double> rtol, const char* op) {
  EMBER_CHECK(!atol || *atol >= 0, ValueError, "[", op, "] expected atol >= 0, got ", *atol);
  EMBER_CHECK(!rtol || *rtol >= 0, ValueError, "[", op, "] expected rtol >= 0, got ", *rtol);
}

}  // namespace

Tensor pinv(const Tensor& A, std::optional<double> atol, std::optional<double> rtol,
            bool hermitian) {
  const char* op = "linalg.pinv";
  detail::check_matrix(A, op, hermitian);
  check_tolerances(atol, rtol, op);
  const int64_t m = A.size(-2), n = A.size(-1);
  if (hermitian) {
    EighResult e = eigh(A);
    Tensor inv_w = masked_reciprocal(e.eigenvalues, cutoff(abs(e.eigenvalues), m, n, atol, rtol));
    return matmul(mul(e.eigenvectors, unsqueeze(inv_w, -2)), mT(e.eigenvectors));
  }
  SVDResult r = svd(A, false);
  Tensor inv_s = masked_reciprocal(r.S, cutoff(r.S, m, n, atol, rtol));
  return matmul(mul(mT(r.Vh), unsqueeze(inv_s, -2)), mT(r.U));
}

Tensor matrix_rank(const Tensor& A, std::optional<double> atol, std::optional<double> rtol,
                   bool hermitian) {
  const char* op = "linalg.matrix_rank";
  detail::check_matrix(A, op, hermitian);
  check_tolerances(atol, rtol, op);
  autograd::NoGradGuard guard;
  Tensor s = hermitian ? abs(eigvalsh(A)) : svdvals(A);
  Tensor cut = cutoff(s, A.size(-2), A.size(-1), atol, rtol);
  return to_dtype(sum(gt(s, cut), {-1}), DType::Int64);
}

LstsqResult lstsq(const Tensor& A, const Tensor& B, std::optional<double> rcond,
                  const std::optional<std::string>& driver) {
  const char* op = "linalg.lstsq";
  detail::check_matrix(A, op, false);
  check_defined(B, op, "B");
  detail::check_same_dtype(A, B, op);
  EMBER_CHECK(!driver || *driver == "gels" || *driver == "gelsy" || *driver == "gelsd" ||
                  *driver == "gelss", ValueError, "[", op, "] expected driver 'gels', 'gelsy', "
              "'gelsd' or 'gelss', got '", driver.value_or(""), "'");
  const bool vec = B.dim() == A.dim() - 1;
  EMBER_CHECK(B.dim() >= 1 && (vec ? B.size(-1) : B.dim() >= 2 ? B.size(-2) : -1) == A.size(-2),
              ValueError, "[", op, "] expected B of shape (*, ", A.size(-2), ", k) or (*, ",
              A.size(-2), ") to match A of shape ", shape_str(A.shape()), ", got shape ",
              shape_str(B.shape()));
  Tensor x = matmul(pinv(A, std::nullopt, rcond), vec ? unsqueeze(B, -1) : B);
  if (vec) x = squeeze(x, std::vector<int64_t>{-1});
  Tensor empty = Tensor::empty({0}, A.dtype());
  return {x, empty, matrix_rank(A, std::nullopt, rcond), Tensor::empty({0}, A.dtype())};
}

Tensor cond(const Tensor& A, std::optional<double> p) {
  const char* op = "linalg.cond";
  detail::check_matrix(A, op, false);
  const double q = p.value_or(2.0);
  if (q == 2 || q == -2) {
    Tensor s = svdvals(A);
    Tensor hi = amax(s, {-1}), lo = amin(s, {-1});
    return q == 2 ? div(hi, lo) : div(lo, hi);
  }
  detail::check_matrix(A, op, true);
  EMBER_CHECK(q == 1 || q == -1 || std::isinf(q), ValueError, "[", op, "] expected p None, 'fro', "
              "'nuc', 1, -1, 2, -2, inf or -inf, got ", q);
  return mul(matrix_norm(A, q), matrix_norm(inv_ex(A).inverse, q));
}

Tensor cond(const Tensor& A, const std::string& p) {
  const char* op = "linalg.cond";
  detail::check_matrix(A, op, true);
  EMBER_CHECK(p == "fro" || p == "nuc", ValueError, "[", op, "] expected p 'fro' or 'nuc', got '",
              p, "'");
  return mul(matrix_norm(A, p), matrix_norm(inv_ex(A).inverse, p));
}

Tensor matrix_power(const Tensor& A, int64_t n) {
  const char* op = "linalg.matrix_power";
  check_defined(A, op, "A");
  EMBER_CHECK(A.dim() >= 2 && A.size(-1) == A.size(-2), ValueError, "[", op, "] expected a batch "
              "of square matrices (*, n, n), got shape ", shape_str(A.shape()));
  EMBER_CHECK(A.dtype() != DType::Bool, TypeError, "[", op, "] expected a float32, float64 or "
              "int64 tensor, got bool");
  EMBER_CHECK(n >= 0 || is_floating(A.dtype()), TypeError, "[", op, "] negative powers need a "
              "floating point input, got ", dtype_name(A.dtype()));
  if (n == 0) return clone(expand(eye(A.size(-1), A.size(-1), A.dtype()), A.shape()));
  Tensor base = n < 0 ? inv(A) : A;
  uint64_t e = n < 0 ? static_cast<uint64_t>(-(n + 1)) + 1 : static_cast<uint64_t>(n);
  Tensor result;
  while (e) {
    if (e & 1) result = result.defined() ? matmul(result, base) : clone(base);
    e >>= 1;
    if (e) base = matmul(base, base);
  }
  return result;
}

Tensor matrix_exp(const Tensor& A) {
  const char* op = "linalg.matrix_exp";
  detail::check_matrix(A, op, true);
  const int64_t n = A.size(-1);
  if (A.numel() == 0) return clone(A);
  // Pade 13 coefficients and the 1-norm bound up to which it is accurate (Higham 2005).
  static const double b[14] = {64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
                               1187353796428800.0, 129060195264000.0, 10559470521600.0,
                               670442572800.0, 33522128640.0, 1323241920.0, 40840800.0,
                               960960.0, 16380.0, 182.0, 1.0};
  const double theta13 = 5.371920351148152;
  double norm1;
  {
    autograd::NoGradGuard guard;
    Tensor col_sums = sum(abs(A.detach()), {-2});
    norm1 = contiguous(to_dtype(amax(col_sums), DType::Float64)).data<double>()[0];
  }
  const int s = norm1 > theta13 ? static_cast<int>(std::ceil(std::log2(norm1 / theta13))) : 0;
  Tensor X = s > 0 ? mul(A, Scalar(std::ldexp(1.0, -s))) : A;
  Tensor I = eye(n, n, A.dtype());
  Tensor X2 = matmul(X, X), X4 = matmul(X2, X2), X6 = matmul(X4, X2);
  auto lin = [&](double c6, double c4, double c2, double c0) {  // c6 X6 + c4 X4 + c2 X2 + c0 I
    Tensor t = add(add(mul(X6, Scalar(c6)), mul(X4, Scalar(c4))), mul(X2, Scalar(c2)));
    return c0 != 0 ? add(t, mul(I, Scalar(c0))) : t;
  };
  Tensor U = matmul(X, add(matmul(X6, lin(b[13], b[11], b[9], 0)), lin(b[7], b[5], b[3], b[1])));
  Tensor V = add(matmul(X6, lin(b[12], b[10], b[8], 0)), lin(b[6], b[4], b[2], b[0]));
  Tensor R = solve(sub(V, U), add(V, U));
  for (int i = 0; i < s; ++i) R = matmul(R, R);
  return R;
}

Tensor vecdot(const Tensor& x, const Tensor& y, int64_t dim) {
  const char* op = "linalg.vecdot";
  check_defined(x, op, "x");
  check_defined(y, op, "y");
  EMBER_CHECK(x.dtype() == y.dtype(), TypeError, "[", op, "] expected x and y to have the same "
              "dtype, got ", dtype_name(x.dtype()), " and ", dtype_name(y.dtype()));
  Tensor prod = mul(x, y);
  EMBER_CHECK(prod.dim() >= 1, ValueError, "[", op, "] expected inputs with at least 1 dim, got "
              "shapes ", shape_str(x.shape()), " and ", shape_str(y.shape()));
  return sum(prod, {dim});
}

}  // namespace linalg
}  // namespace ember

// C++ tests of the decompositions and solvers (ops/linalg_solve.h, ops/linalg_decomp.h)
// without Python: values on a small constant matrix, a backward through solve, typed errors.
// Returns non-zero on failure.
#include <cmath>

#include "check.h"
#include "ember/ember.h"

using namespace ember;

static double item(const Tensor& t) { return *contiguous(to_dtype(t, DType::Float64)).data<double>(); }

int main() {
  // A = [[4, 1], [2, 3]]: det 10, inverse [[0.3, -0.1], [-0.2, 0.4]].
  Tensor A = empty({2, 2}, DType::Float64);
  const double vals[4] = {4.0, 1.0, 2.0, 3.0};
  for (int i = 0; i < 4; ++i) A.data<double>()[i] = vals[i];
  CHECK_NEAR(item(linalg::det(A)), 10.0, 1e-12);
  Tensor Ai = linalg::inv(A);
  CHECK_NEAR(item(select(select(Ai, 0, 0), 0, 0)), 0.3, 1e-12);
  CHECK_NEAR(item(select(select(Ai, 0, 1), 0, 0)), -0.2, 1e-12);
  linalg::SlogdetResult sl = linalg::slogdet(A);
  CHECK_NEAR(item(sl.sign), 1.0, 0);
  CHECK_NEAR(item(sl.logabsdet), std::log(10.0), 1e-12);
  linalg::SVDResult s = linalg::svd(A, false);
  CHECK_NEAR(item(prod(s.S)), 10.0, 1e-12);
  linalg::EighResult e = linalg::eigh(matmul(A, matrix_transpose(A)));
  CHECK_NEAR(item(sum(e.eigenvalues)), 30.0, 1e-12);  // trace of A A^T
  Tensor L = linalg::cholesky(matmul(A, matrix_transpose(A)));
  CHECK_NEAR(item(sum(sub(matmul(L, matrix_transpose(L)), matmul(A, matrix_transpose(A))))), 0.0, 1e-12);

  Tensor B = ones({2, 1}, DType::Float64);
  B.set_requires_grad(true);
  Tensor X = linalg::solve(A, B);
  sum(X).backward();  // d sum(A^-1 B) / dB = A^-T 1 = column sums of A^-1 = (0.1, 0.3)
  CHECK_NEAR(item(sum(B.grad())), 0.4, 1e-12);

  CHECK_THROWS(linalg::inv(zeros({2, 2}, DType::Float64)), RuntimeError);
  CHECK_THROWS(linalg::cholesky(neg(eye(2, 2, DType::Float64))), RuntimeError);
  CHECK_THROWS(linalg::solve(ones({2, 3}), ones({2, 1})), ValueError);
  CHECK_THROWS(linalg::det(ones({2, 2}, DType::Int64)), TypeError);
  CHECK_THROWS(linalg::qr(ones({2, 2}), "full"), ValueError);
  return check_report("test_linalg");
}

// torch.linalg's LU family, triangular solves and Cholesky: float32 / float64 matrices with
// any batch dims (*, n, n), differentiable (backwards are ember ops, so double backward
// works). Deviation: pivots and info are int64 (ember has no int32 dtype).
#pragma once
#include "ember/core/tensor.h"

namespace ember {
namespace linalg {

struct LUFactorResult { Tensor LU, pivots, info; };  // pivots 1-based, info 0 = success
struct LUResult { Tensor P, L, U; };
struct SolveResult { Tensor result, info; };
struct InvResult { Tensor inverse, info; };
struct CholeskyResult { Tensor L, info; };
struct SlogdetResult { Tensor sign, logabsdet; };

// A (*, m, n) = P L U with partial pivoting (pivot=false: NotImplementedError, as torch
// on the CPU). check_errors raises on a singular element; info > 0 marks U[info-1, info-1]
// as zero. Gradients for square A.
LUFactorResult lu_factor_ex(const Tensor& A, bool pivot = true, bool check_errors = false);
LUFactorResult lu_factor(const Tensor& A, bool pivot = true);  // raises on singular input
LUResult lu(const Tensor& A, bool pivot = true);
// Solves A X = B (left) or X A = B with A = P L U given by lu_factor; adjoint uses A^T.
Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left = true,
                bool adjoint = false);

// A X = B (left) or X A = B; B may be a vector (*, n) as in torch; batch dims broadcast.
SolveResult solve_ex(const Tensor& A, const Tensor& B, bool left = true, bool check_errors = false);
Tensor solve(const Tensor& A, const Tensor& B, bool left = true);
InvResult inv_ex(const Tensor& A, bool check_errors = false);
Tensor inv(const Tensor& A);
Tensor det(const Tensor& A);
SlogdetResult slogdet(const Tensor& A);

// A (*, n, n) triangular (only that triangle is read); left: A X = B, else X A = B.
Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left = true,
                        bool unitriangular = false);
// A = L L^T (upper: A = U^T U) from A's lower triangle (upper's: upper triangle).
CholeskyResult cholesky_ex(const Tensor& A, bool upper = false, bool check_errors = false);
Tensor cholesky(const Tensor& A, bool upper = false);  // raises on non positive-definite

}  // namespace linalg

Tensor logdet(const Tensor& A);  // torch.logdet: nan for det < 0, -inf for det == 0
// torch.cholesky_solve(B, L, upper): X with (L L^T) X = B.
Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper = false);
Tensor cholesky_inverse(const Tensor& L, bool upper = false);
// torch.triangular_solve (old API): (solution of A X = B or A^T X = B, clone of A).
std::pair<Tensor, Tensor> triangular_solve(const Tensor& B, const Tensor& A, bool upper = true,
                                           bool transpose = false, bool unitriangular = false);

}  // namespace ember

// torch.linalg's orthogonal decompositions and what is built on them: qr (Householder),
// eigh / eigvalsh (Jacobi), svd / svdvals (one-sided Jacobi), pinv, lstsq, matrix_rank, cond;
// and the matrix functions matrix_power, matrix_exp, vecdot (multi_dot is in ops/shaping.h).
// float32 / float64, any batch dims, differentiable (gradients at repeated eigen/singular
// values are inf or nan, as in torch). Eigenvector / singular vector signs may differ from torch's.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {
namespace linalg {

struct QRResult { Tensor Q, R; };
struct EighResult { Tensor eigenvalues, eigenvectors; };
struct SVDResult { Tensor U, S, Vh; };
struct LstsqResult { Tensor solution, residuals, rank, singular_values; };

// mode "reduced" (Q m x k, R k x n), "complete" (Q m x m, R m x n) or "r" (Q empty).
QRResult qr(const Tensor& A, const std::string& mode = "reduced");
// Eigenvalues ascending; only the UPLO ("L" or "U") triangle of A is read.
EighResult eigh(const Tensor& A, const std::string& UPLO = "L");
Tensor eigvalsh(const Tensor& A, const std::string& UPLO = "L");
SVDResult svd(const Tensor& A, bool full_matrices = true);
Tensor svdvals(const Tensor& A);
// Singular values below max(atol, rtol * largest) count as zero; rtol defaults to
// eps * max(m, n) when atol is absent or zero (torch's rule).
Tensor pinv(const Tensor& A, std::optional<double> atol = std::nullopt,
            std::optional<double> rtol = std::nullopt, bool hermitian = false);
Tensor matrix_rank(const Tensor& A, std::optional<double> atol = std::nullopt,
                   std::optional<double> rtol = std::nullopt, bool hermitian = false);
// Minimum-norm least squares through pinv (rcond as rtol). residuals and singular_values
// are empty and rank is computed (like torch's default CPU driver 'gelsy').
LstsqResult lstsq(const Tensor& A, const Tensor& B, std::optional<double> rcond = std::nullopt,
                  const std::optional<std::string>& driver = std::nullopt);
// Condition number: p 2 / -2 (default 2) from singular values; "fro", "nuc", 1, -1, inf,
// -inf as norm(A) * norm(inv(A)).
Tensor cond(const Tensor& A, std::optional<double> p = std::nullopt);
Tensor cond(const Tensor& A, const std::string& p);

Tensor matrix_power(const Tensor& A, int64_t n);  // negative n through inv
Tensor matrix_exp(const Tensor& A);               // scaling and squaring with Pade 13
Tensor vecdot(const Tensor& x, const Tensor& y, int64_t dim = -1);

}  // namespace linalg
}  // namespace ember

"""ember.linalg: linear algebra with torch.linalg's names (the C++ ops of ember._C.linalg).

Norms: vector_norm, matrix_norm, norm ('nuc', 2 and -2 from singular values).
LU family: lu_factor, lu_factor_ex, lu, lu_solve, solve, solve_ex, inv, inv_ex, det, slogdet.
Triangular and Cholesky: solve_triangular, cholesky, cholesky_ex.
Decompositions: qr (Householder), eigh / eigvalsh (Jacobi), svd / svdvals (one-sided Jacobi),
and pinv, lstsq, matrix_rank, cond. Matrix functions: matrix_power, matrix_exp, vecdot.
Products: cross (dim=-1), multi_dot (left to right).

float32 and float64, any batch dims ``(*, m, n)``, differentiable (double backward too).
Results with several fields are namedtuples with torch.return_types' field names.
Deviations from torch: pivots and info are int64 (ember has no int32); eigenvector and
singular-vector signs may differ from torch's (both are valid); lstsq solves through pinv
(the minimum-norm solution) and returns empty residuals and singular_values (as torch's CPU
default driver 'gelsy'); the driver argument of svd / svdvals (CUDA only in torch) must be
None. Gradients at repeated eigenvalues / singular values are inf or nan, as in torch; the
gradient of det at a singular matrix is adj(A)^T (from an SVD, as torch; not twice
differentiable there), that of slogdet / inv / solve at a singular matrix raises.
"""
from ._C import linalg as _linalg

vector_norm = _linalg.vector_norm
matrix_norm = _linalg.matrix_norm
norm = _linalg.norm
cross = _linalg.cross
multi_dot = _linalg.multi_dot

lu_factor = _linalg.lu_factor
lu_factor_ex = _linalg.lu_factor_ex
lu = _linalg.lu
lu_solve = _linalg.lu_solve
solve = _linalg.solve
solve_ex = _linalg.solve_ex
inv = _linalg.inv
inv_ex = _linalg.inv_ex
det = _linalg.det
slogdet = _linalg.slogdet
solve_triangular = _linalg.solve_triangular
cholesky = _linalg.cholesky
cholesky_ex = _linalg.cholesky_ex

qr = _linalg.qr
eigh = _linalg.eigh
eigvalsh = _linalg.eigvalsh
svd = _linalg.svd
svdvals = _linalg.svdvals
pinv = _linalg.pinv
lstsq = _linalg.lstsq
matrix_rank = _linalg.matrix_rank
cond = _linalg.cond

matrix_power = _linalg.matrix_power
matrix_exp = _linalg.matrix_exp
vecdot = _linalg.vecdot

__all__ = ["vector_norm", "matrix_norm", "norm", "cross",
           "lu_factor", "lu_factor_ex", "lu", "lu_solve", "solve", "solve_ex", "inv", "inv_ex",
           "det", "slogdet", "solve_triangular", "cholesky", "cholesky_ex",
           "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "lstsq", "matrix_rank", "cond",
           "matrix_power", "matrix_exp", "vecdot", "multi_dot"]

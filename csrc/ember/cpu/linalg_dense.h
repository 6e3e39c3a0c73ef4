// Dense factorisations of ONE small row-major matrix (the ops layer loops over the batch):
// LU with partial pivoting, triangular solves, Cholesky, Householder QR, symmetric Jacobi
// eigensolver and one-sided Jacobi SVD. float and double; serial and deterministic.
#pragma once
#include <cstdint>

namespace ember::cpu {

// In place a (m x n) = P L U with L unit lower (below the diagonal) and U upper. piv[i]
// (1-based, as LAPACK getrf) is the row swapped with row i at step i, i < min(m, n).
// Returns 0, or the 1-based index of the first exactly zero pivot (it still completes).
template <class T>
int64_t lu_factor(T* a, int64_t m, int64_t n, int64_t* piv);

// The row permutation of LU pivots: (P^T A)[i] = A[perm[i]], perm of length m.
void pivots_to_perm(const int64_t* piv, int64_t k, int64_t m, int64_t* perm);

// Solves A X = B in place (b: n x k row-major holds B, then X) with A (n x n) triangular:
// only the upper (or lower) triangle of a is read; unit assumes a unit diagonal.
template <class T>
void trsm_left(const T* a, int64_t n, T* b, int64_t k, bool upper, bool unit);

// A = L L^T from the lower triangle of a (n x n), in place; the strict upper triangle is
// zeroed. Returns 0, or the 1-based order of the first leading minor that is not positive
// definite (a is then left partly factored).
template <class T>
int64_t cholesky(T* a, int64_t n);

// Householder QR of a (m x n): r gets rr x n (rr = m if complete else min(m, n)) and, when
// q is non-null, q gets m x rr. R's diagonal signs follow LAPACK's geqrf.
template <class T>
void qr(const T* a, int64_t m, int64_t n, T* q, T* r, bool complete);

// Eigen-decomposition of the symmetric matrix whose lower (or upper) triangle is in a (n x n):
// w gets the eigenvalues ascending, v (if non-null) the eigenvectors as columns (n x n).
// Cyclic Jacobi rotations in double precision.
template <class T>
void eigh(const T* a, int64_t n, bool lower, T* w, T* v);

// SVD a (m x n) = U diag(s) Vh, s (k = min(m, n)) descending. u gets m x uc, vh gets vr x n
// where uc = vr = k, or m and n when full; u / vh may be null (values only). One-sided
// Jacobi in double precision; singular vectors of zero singular values are completed to an
// orthonormal basis.
template <class T>
void svd(const T* a, int64_t m, int64_t n, T* s, T* u, T* vh, bool full);

}  // namespace ember::cpu

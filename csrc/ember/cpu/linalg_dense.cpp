// Dense factorisations of one row-major matrix (see linalg_dense.h). LU, triangular solves
// and Cholesky run in the input precision (row operations, like LAPACK's unblocked code);
// QR, eigh and SVD copy to column-major double work arrays for accuracy.
#include "ember/cpu/linalg_dense.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>
#include <vector>

namespace ember::cpu {

template <class T>
int64_t lu_factor(T* a, int64_t m, int64_t n, int64_t* piv) {
  const int64_t k = std::min(m, n);
  int64_t info = 0;
  for (int64_t j = 0; j < k; ++j) {
    int64_t p = j;
    T best = std::abs(a[j * n + j]);
    for (int64_t i = j + 1; i < m; ++i) {
      T v = std::abs(a[i * n + j]);
      if (v > best || (best != best)) { best = v; p = i; }
    }
    piv[j] = p + 1;
    if (p != j)
      for (int64_t c = 0; c < n; ++c) std::swap(a[j * n + c], a[p * n + c]);
    const T d = a[j * n + j];
    if (d == T(0)) {
      if (info == 0) info = j + 1;
      continue;  // like getrf: the column below stays as it is
    }
    for (int64_t i = j + 1; i < m; ++i) {
      T* row = a + i * n;
      const T f = row[j] / d;
      row[j] = f;
      const T* prow = a + j * n;
      for (int64_t c = j + 1; c < n; ++c) row[c] -= f * prow[c];
    }
  }
  return info;
}

void pivots_to_perm(const int64_t* piv, int64_t k, int64_t m, int64_t* perm) {
  for (int64_t i = 0; i < m; ++i) perm[i] = i;
  for (int64_t i = 0; i < k; ++i) std::swap(perm[i], perm[piv[i] - 1]);
}

template <class T>
void trsm_left(const T* a, int64_t n, T* b, int64_t k, bool upper, bool unit) {
  auto step = [&](int64_t i, int64_t j0, int64_t j1) {
    T* xi = b + i * k;
    for (int64_t j = j0; j < j1; ++j) {
      const T f = a[i * n + j];
      const T* xj = b + j * k;
      for (int64_t c = 0; c < k; ++c) xi[c] -= f * xj[c];
    }
    if (!unit) {
      const T d = a[i * n + i];
      for (int64_t c = 0; c < k; ++c) xi[c] /= d;
    }
  };
  if (upper) {
    for (int64_t i = n - 1; i >= 0; --i) step(i, i + 1, n);
  } else {
    for (int64_t i = 0; i < n; ++i) step(i, 0, i);
  }
}

template <class T>
int64_t cholesky(T* a, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    T* rj = a + j * n;
    T d = rj[j];
    for (int64_t c = 0; c < j; ++c) d -= rj[c] * rj[c];
    if (!(d > T(0))) return j + 1;  // also catches nan
    const T l = std::sqrt(d);
    rj[j] = l;
    for (int64_t i = j + 1; i < n; ++i) {
      T* ri = a + i * n;
      T s = ri[j];
      for (int64_t c = 0; c < j; ++c) s -= ri[c] * rj[c];
      ri[j] = s / l;
    }
    for (int64_t c = j + 1; c < n; ++c) rj[c] = T(0);
  }
  return 0;
}

namespace {

using Vec = std::vector<double>;

// Column c of a column-major array with `rows` rows.
inline double* col(Vec& w, int64_t rows, int64_t c) { return w.data() + c * rows; }

double dotp(const double* x, const double* y, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}

// Fills the columns of q (rows x cols, column-major) not marked in `have` with unit vectors
// orthogonal to every other column: the standard basis vector with the largest residual
// after two Gram-Schmidt passes.
void complete_basis(Vec& q, int64_t rows, int64_t cols, std::vector<char> have) {
  Vec v(static_cast<size_t>(rows)), best(v.size());
  for (int64_t c = 0; c < cols; ++c) {
    if (have[static_cast<size_t>(c)]) continue;
    double best_norm = -1;
    for (int64_t t = 0; t < rows; ++t) {
      std::fill(v.begin(), v.end(), 0.0);
      v[static_cast<size_t>(t)] = 1.0;
      for (int pass = 0; pass < 2; ++pass)
        for (int64_t o = 0; o < cols; ++o) {
          if (!have[static_cast<size_t>(o)]) continue;
          const double* qo = col(q, rows, o);
          const double f = dotp(qo, v.data(), rows);
          for (int64_t i = 0; i < rows; ++i) v[static_cast<size_t>(i)] -= f * qo[i];
        }
      const double nv = std::sqrt(dotp(v.data(), v.data(), rows));
      if (nv > best_norm) { best_norm = nv; best = v; }
      if (nv > 0.7) break;
    }
    double* qc = col(q, rows, c);
    for (int64_t i = 0; i < rows; ++i) qc[i] = best[static_cast<size_t>(i)] / best_norm;
    have[static_cast<size_t>(c)] = 1;
  }
}

// Rotates columns i, j of w (rows x ...) by (c, s): wi' = c wi - s wj, wj' = s wi + c wj.
void rotate(double* wi, double* wj, int64_t rows, double c, double s) {
  for (int64_t r = 0; r < rows; ++r) {
    const double x = wi[r], y = wj[r];
    wi[r] = c * x - s * y;
    wj[r] = s * x + c * y;
  }
}

// The rotation tangent that zeroes the (p, q) coupling: t = sign(z) / (|z| + sqrt(z^2 + 1)).
double jacobi_t(double z) {
  return (z >= 0 ? 1.0 : -1.0) / (std::fabs(z) + std::sqrt(z * z + 1.0));
}

constexpr int kMaxSweeps = 80;

// One-sided Jacobi on w (m x n, column-major, m >= n): on return the columns of w are
// orthogonal (w = U S) and v (n x n, column-major) holds the accumulated rotations.
void one_sided_jacobi(Vec& w, int64_t m, int64_t n, Vec* v) {
  const double eps = 1e-15;
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    bool rotated = false;
    for (int64_t i = 0; i < n - 1; ++i)
      for (int64_t j = i + 1; j < n; ++j) {
        double* wi = col(w, m, i);
        double* wj = col(w, m, j);
        const double alpha = dotp(wi, wi, m), beta = dotp(wj, wj, m), gamma = dotp(wi, wj, m);
        if (gamma == 0 || std::fabs(gamma) <= eps * std::sqrt(alpha * beta)) continue;
        rotated = true;
        const double t = jacobi_t((beta - alpha) / (2 * gamma));
        const double c = 1 / std::sqrt(1 + t * t), s = c * t;
        rotate(wi, wj, m, c, s);
        if (v) rotate(col(*v, n, i), col(*v, n, j), n, c, s);
      }
    if (!rotated) break;
  }
}

// SVD of a tall (m >= n) column-major w: s (n) descending, u (m x uc, column-major) and
// v (n x n, column-major) when want is set.
void svd_tall(Vec w, int64_t m, int64_t n, int64_t uc, bool want, Vec& s, Vec& u, Vec& v) {
  v.assign(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i * n + i)] = 1.0;
  one_sided_jacobi(w, m, n, want ? &v : nullptr);
  Vec norms(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) norms[static_cast<size_t>(j)] = std::sqrt(dotp(col(w, m, j), col(w, m, j), m));
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
    return norms[static_cast<size_t>(x)] > norms[static_cast<size_t>(y)];
  });
  s.resize(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) s[static_cast<size_t>(j)] = norms[static_cast<size_t>(order[static_cast<size_t>(j)])];
  if (!want) return;
  u.assign(static_cast<size_t>(m * uc), 0.0);
  Vec vs(v.size());
  std::vector<char> have(static_cast<size_t>(uc), 0);
  // Columns of (numerically) zero singular values have no direction of their own.
  const double tiny = (s.empty() ? 0.0 : s[0]) * 4e-16 * static_cast<double>(m);
  for (int64_t j = 0; j < n; ++j) {
    const int64_t o = order[static_cast<size_t>(j)];
    std::copy(col(v, n, o), col(v, n, o) + n, col(vs, n, j));
    const double sj = s[static_cast<size_t>(j)];
    if (sj > tiny) {
      const double* wo = col(w, m, o);
      double* uj = col(u, m, j);
      for (int64_t r = 0; r < m; ++r) uj[r] = wo[r] / sj;
      have[static_cast<size_t>(j)] = 1;
    }
  }
  v.swap(vs);
  complete_basis(u, m, uc, have);
}

}  // namespace

template <class T>
void qr(const T* a, int64_t m, int64_t n, T* q, T* r, bool complete) {
  const int64_t k = std::min(m, n), rr = complete ? m : k;
  Vec w(static_cast<size_t>(m * n));  // column-major copy of a
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) w[static_cast<size_t>(j * m + i)] = a[i * n + j];
  Vec hv(static_cast<size_t>(m * k), 0.0);  // Householder vectors (unit, or zero = identity)
  for (int64_t j = 0; j < k; ++j) {
    double* x = col(w, m, j) + j;
    const int64_t len = m - j;
    const double tail = dotp(x + 1, x + 1, len - 1);
    if (tail == 0) continue;  // as LAPACK's larfg: nothing below the diagonal, H = I
    const double nx = std::sqrt(x[0] * x[0] + tail);
    const double alpha = x[0] > 0 ? -nx : nx;  // geqrf: beta = -sign(x0) ||x||
    double* v = col(hv, m, j) + j;
    std::copy(x, x + len, v);
    v[0] -= alpha;
    const double nv = std::sqrt(dotp(v, v, len));
    if (nv == 0) continue;  // x is already alpha e1
    for (int64_t i = 0; i < len; ++i) v[i] /= nv;
    for (int64_t c = j; c < n; ++c) {
      double* y = col(w, m, c) + j;
      const double f = 2 * dotp(v, y, len);
      for (int64_t i = 0; i < len; ++i) y[i] -= f * v[i];
    }
  }
  for (int64_t i = 0; i < rr; ++i)
    for (int64_t j = 0; j < n; ++j)
      r[i * n + j] = static_cast<T>(i < m && j >= i ? w[static_cast<size_t>(j * m + i)] : 0.0);
  if (!q) return;
  Vec qm(static_cast<size_t>(m * rr), 0.0);  // Q = H_0 ... H_{k-1} I[:, :rr], column-major
  for (int64_t i = 0; i < rr; ++i) qm[static_cast<size_t>(i * m + i)] = 1.0;
  for (int64_t j = k - 1; j >= 0; --j) {
    const double* v = col(hv, m, j) + j;
    const int64_t len = m - j;
    for (int64_t c = 0; c < rr; ++c) {
      double* y = col(qm, m, c) + j;
      const double f = 2 * dotp(v, y, len);
      if (f != 0)
        for (int64_t i = 0; i < len; ++i) y[i] -= f * v[i];
    }
  }
  for (int64_t i = 0; i < m; ++i)
    for (int64_t c = 0; c < rr; ++c) q[i * rr + c] = static_cast<T>(qm[static_cast<size_t>(c * m + i)]);
}

template <class T>
void eigh(const T* a, int64_t n, bool lower, T* w, T* v) {
  Vec s(static_cast<size_t>(n * n));  // symmetric copy from the chosen triangle
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= i; ++j) {
      const double x = lower ? a[i * n + j] : a[j * n + i];
      s[static_cast<size_t>(i * n + j)] = s[static_cast<size_t>(j * n + i)] = x;
    }
  Vec vv(static_cast<size_t>(n * n), 0.0);  // column-major eigenvectors
  for (int64_t i = 0; i < n; ++i) vv[static_cast<size_t>(i * n + i)] = 1.0;
  auto at = [&](int64_t i, int64_t j) -> double& { return s[static_cast<size_t>(i * n + j)]; };
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    double off = 0, total = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        total += at(i, j) * at(i, j);
        if (i != j) off += at(i, j) * at(i, j);
      }
    if (off == 0 || off <= 1e-32 * total) break;
    for (int64_t p = 0; p < n - 1; ++p)
      for (int64_t q = p + 1; q < n; ++q) {
        const double apq = at(p, q);
        if (apq == 0) continue;
        const double t = jacobi_t((at(q, q) - at(p, p)) / (2 * apq));
        const double c = 1 / std::sqrt(1 + t * t), sn = c * t;
        for (int64_t k = 0; k < n; ++k) {  // columns p, q (s is symmetric: rows alike)
          const double x = at(k, p), y = at(k, q);
          at(k, p) = c * x - sn * y;
          at(k, q) = sn * x + c * y;
        }
        for (int64_t k = 0; k < n; ++k) {
          const double x = at(p, k), y = at(q, k);
          at(p, k) = c * x - sn * y;
          at(q, k) = sn * x + c * y;
        }
        at(p, q) = at(q, p) = 0.0;
        rotate(col(vv, n, p), col(vv, n, q), n, c, sn);
      }
  }
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return at(x, x) < at(y, y); });
  for (int64_t j = 0; j < n; ++j) {
    const int64_t o = order[static_cast<size_t>(j)];
    w[j] = static_cast<T>(at(o, o));
    if (v)
      for (int64_t i = 0; i < n; ++i) v[i * n + j] = static_cast<T>(vv[static_cast<size_t>(o * n + i)]);
  }
}

template <class T>
void svd(const T* a, int64_t m, int64_t n, T* s, T* u, T* vh, bool full) {
  const bool tall = m >= n;
  const int64_t rows = tall ? m : n, cols = tall ? n : m;  // of the tall work matrix
  Vec w(static_cast<size_t>(rows * cols));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)  // column-major a (tall) or a^T (wide)
      w[static_cast<size_t>(tall ? j * m + i : i * n + j)] = a[i * n + j];
  const bool want = u != nullptr;
  const int64_t uc = full ? rows : cols;
  Vec sv, uu, vv;
  svd_tall(std::move(w), rows, cols, uc, want, sv, uu, vv);
  for (int64_t j = 0; j < cols; ++j) s[j] = static_cast<T>(sv[static_cast<size_t>(j)]);
  if (!want) return;
  // tall: a = uu S vv^T. wide: a^T = uu S vv^T, so a = vv S uu^T.
  const int64_t ucols = tall ? uc : cols, vrows = tall ? cols : uc;
  const Vec& left = tall ? uu : vv;
  const Vec& right = tall ? vv : uu;
  const int64_t lrows = m, rrows = n;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t c = 0; c < ucols; ++c) u[i * ucols + c] = static_cast<T>(left[static_cast<size_t>(c * lrows + i)]);
  for (int64_t r = 0; r < vrows; ++r)
    for (int64_t j = 0; j < n; ++j) vh[r * n + j] = static_cast<T>(right[static_cast<size_t>(r * rrows + j)]);
}

#define EMBER_LINALG_INSTANTIATE(T)                                                   \
  template int64_t lu_factor<T>(T*, int64_t, int64_t, int64_t*);                      \
  template void trsm_left<T>(const T*, int64_t, T*, int64_t, bool, bool);             \
  template int64_t cholesky<T>(T*, int64_t);                                          \
  template void qr<T>(const T*, int64_t, int64_t, T*, T*, bool);                      \
  template void eigh<T>(const T*, int64_t, bool, T*, T*);                             \
  template void svd<T>(const T*, int64_t, int64_t, T*, T*, T*, bool);
EMBER_LINALG_INSTANTIATE(float)
EMBER_LINALG_INSTANTIATE(double)
#undef EMBER_LINALG_INSTANTIATE

}  // namespace ember::cpu

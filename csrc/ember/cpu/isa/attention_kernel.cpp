// Flash-attention tile kernels, compiled per ISA: forward (online softmax over key tiles),
// backward dK/dV for one key tile and dQ for one query tile, recomputing score tiles from
// Q, K and the saved log-sum-exp. float32 uses register-blocked micro-kernels written once
// over simd.h; float64 uses plain loops (it serves gradient checks). Single-threaded.
#include <cmath>
#include <cstdint>

// Lets GCC vectorise exp_f32's selects and conversions (as in loss_kernel.cpp).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif

#include "ember/cpu/attention.h"
#include "ember/cpu/isa/simd.h"
#include "ember/cpu/isa/transpose.h"
#include "ember/cpu/isa/vec_math.h"

namespace ember::cpu::EMBER_ISA {

namespace {

// Register blocking of the two micro-kernels: MR rows x NV vectors of kW lanes (simd.h). Of
// the accumulators, b vectors and a broadcast, AVX-512 keeps 6 x 4 in its 32 registers,
// AVX2 6 x 2 in its 16 (12 accumulators also cover Zen 2's FMA latency x throughput).
#if defined(__AVX512F__)
constexpr int MRB = 6, NVB = 4, MRA = 6, NVA = 4;
#elif defined(__AVX2__)
constexpr int MRB = 6, NVB = 2, MRA = 6, NVA = 2;
#else
constexpr int MRB = 4, NVB = 4, MRA = 4, NVA = 4;
#endif

// ---- micro-kernel A: C (M x N) = A (M x K, rows) * B (K x N); N a multiple of kW ----
template <int MR, int NV>
void blk_a(const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
           int64_t K) {
  vf acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = vzero();
  for (int64_t k = 0; k < K; ++k) {
    vf b[NV];
    for (int v = 0; v < NV; ++v) b[v] = vload(B + k * ldb + v * kW);
    for (int r = 0; r < MR; ++r) {
      vf a = vset1(A[r * lda + k]);
      for (int v = 0; v < NV; ++v) acc[r][v] = vfma(a, b[v], acc[r][v]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) vstore(C + r * ldc + v * kW, acc[r][v]);
}

template <int NV>
void rows_a(const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
            int64_t M, int64_t K) {
  int64_t m = 0;
  for (; m + MRA <= M; m += MRA) blk_a<MRA, NV>(A + m * lda, lda, B, ldb, C + m * ldc, ldc, K);
  const float* a = A + m * lda;
  float* c = C + m * ldc;
  switch (M - m) {  // the remaining rows in one block (MRA <= 6)
    case 1: blk_a<1, NV>(a, lda, B, ldb, c, ldc, K); break;
    case 2: blk_a<2, NV>(a, lda, B, ldb, c, ldc, K); break;
    case 3: blk_a<3, NV>(a, lda, B, ldb, c, ldc, K); break;
    case 4: blk_a<4, NV>(a, lda, B, ldb, c, ldc, K); break;
    case 5: blk_a<5, NV>(a, lda, B, ldb, c, ldc, K); break;
    default: break;
  }
}

void mk_a(const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
          int64_t M, int64_t N, int64_t K) {
  int64_t n = 0;
  if (NVA > 2)
    for (; n + NVA * kW <= N; n += NVA * kW) rows_a<NVA>(A, lda, B + n, ldb, C + n, ldc, M, K);
  for (; n + 2 * kW <= N; n += 2 * kW) rows_a<2>(A, lda, B + n, ldb, C + n, ldc, M, K);
  for (; n < N; n += kW) rows_a<1>(A, lda, B + n, ldb, C + n, ldc, M, K);
}

void mk_a(const double* A, int64_t lda, const double* B, int64_t ldb, double* C, int64_t ldc,
          int64_t M, int64_t N, int64_t K) {
  for (int64_t m = 0; m < M; ++m) {
    double* c = C + m * ldc;
    for (int64_t n = 0; n < N; ++n) c[n] = 0;
    for (int64_t k = 0; k < K; ++k) {
      const double a = A[m * lda + k];
      const double* b = B + k * ldb;
      for (int64_t n = 0; n < N; ++n) c[n] += a * b[n];
    }
  }
}

// ---- micro-kernel B: C (M x N) += A(m, k) * B (K x N, rows); A(m, k) = A[m * ars + k * acs] ----
template <int MR, int NV, bool TAIL>
void blk_b(const float* A, int64_t ars, int64_t acs, const float* B, int64_t ldb, float* C,
           int64_t ldc, int64_t K, int tail) {
  vf acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v)
      acc[r][v] = TAIL ? vloadn(C + r * ldc + v * kW, tail) : vload(C + r * ldc + v * kW);
  for (int64_t k = 0; k < K; ++k) {
    vf b[NV];
    for (int v = 0; v < NV; ++v)
      b[v] = TAIL ? vloadn(B + k * ldb + v * kW, tail) : vload(B + k * ldb + v * kW);
    for (int r = 0; r < MR; ++r) {
      vf a = vset1(A[r * ars + k * acs]);
      for (int v = 0; v < NV; ++v) acc[r][v] = vfma(a, b[v], acc[r][v]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) {
      if (TAIL) vstoren(C + r * ldc + v * kW, acc[r][v], tail);
      else vstore(C + r * ldc + v * kW, acc[r][v]);
    }
}

template <int NV, bool TAIL>
void rows_b(const float* A, int64_t ars, int64_t acs, const float* B, int64_t ldb, float* C,
            int64_t ldc, int64_t M, int64_t K, int tail) {
  int64_t m = 0;
  for (; m + MRB <= M; m += MRB)
    blk_b<MRB, NV, TAIL>(A + m * ars, ars, acs, B, ldb, C + m * ldc, ldc, K, tail);
  const float* a = A + m * ars;
  float* c = C + m * ldc;
  switch (M - m) {  // the remaining rows in one block (MRB <= 6)
    case 1: blk_b<1, NV, TAIL>(a, ars, acs, B, ldb, c, ldc, K, tail); break;
    case 2: blk_b<2, NV, TAIL>(a, ars, acs, B, ldb, c, ldc, K, tail); break;
    case 3: blk_b<3, NV, TAIL>(a, ars, acs, B, ldb, c, ldc, K, tail); break;
    case 4: blk_b<4, NV, TAIL>(a, ars, acs, B, ldb, c, ldc, K, tail); break;
    case 5: blk_b<5, NV, TAIL>(a, ars, acs, B, ldb, c, ldc, K, tail); break;
    default: break;
  }
}

void mk_b(const float* A, int64_t ars, int64_t acs, const float* B, int64_t ldb, float* C,
          int64_t ldc, int64_t M, int64_t N, int64_t K) {
  int64_t n = 0;
  for (; n + NVB * kW <= N; n += NVB * kW)
    rows_b<NVB, false>(A, ars, acs, B + n, ldb, C + n, ldc, M, K, kW);
  if (NVB > 2)
    for (; n + 2 * kW <= N; n += 2 * kW)
      rows_b<2, false>(A, ars, acs, B + n, ldb, C + n, ldc, M, K, kW);
  for (; n + kW <= N; n += kW) rows_b<1, false>(A, ars, acs, B + n, ldb, C + n, ldc, M, K, kW);
  if (n < N)
    rows_b<1, true>(A, ars, acs, B + n, ldb, C + n, ldc, M, K, static_cast<int>(N - n));
}

void mk_b(const double* A, int64_t ars, int64_t acs, const double* B, int64_t ldb, double* C,
          int64_t ldc, int64_t M, int64_t N, int64_t K) {
  for (int64_t m = 0; m < M; ++m) {
    double* c = C + m * ldc;
    for (int64_t k = 0; k < K; ++k) {
      const double a = A[m * ars + k * acs];
      const double* b = B + k * ldb;
      for (int64_t n = 0; n < N; ++n) c[n] += a * b[n];
    }
  }
}

// ---- dot products of one row q with M rows of A: s[m] = A[m] . q ----
void mk_dot(const float* A, int64_t lda, const float* q, float* s, int64_t M, int64_t K) {
  int64_t m = 0;
  for (; m + 4 <= M; m += 4) {
    vf a0 = vzero(), a1 = vzero(), a2 = vzero(), a3 = vzero();
    const float *r0 = A + m * lda, *r1 = r0 + lda, *r2 = r1 + lda, *r3 = r2 + lda;
    int64_t k = 0;
    for (; k + kW <= K; k += kW) {
      vf x = vload(q + k);
      a0 = vfma(vload(r0 + k), x, a0);
      a1 = vfma(vload(r1 + k), x, a1);
      a2 = vfma(vload(r2 + k), x, a2);
      a3 = vfma(vload(r3 + k), x, a3);
    }
    if (k < K) {
      int t = static_cast<int>(K - k);
      vf x = vloadn(q + k, t);
      a0 = vfma(vloadn(r0 + k, t), x, a0);
      a1 = vfma(vloadn(r1 + k, t), x, a1);
      a2 = vfma(vloadn(r2 + k, t), x, a2);
      a3 = vfma(vloadn(r3 + k, t), x, a3);
    }
    s[m] = vsum(a0);
    s[m + 1] = vsum(a1);
    s[m + 2] = vsum(a2);
    s[m + 3] = vsum(a3);
  }
  for (; m < M; ++m) {
    vf a0 = vzero();
    const float* r0 = A + m * lda;
    int64_t k = 0;
    for (; k + kW <= K; k += kW) a0 = vfma(vload(r0 + k), vload(q + k), a0);
    if (k < K) {
      int t = static_cast<int>(K - k);
      a0 = vfma(vloadn(r0 + k, t), vloadn(q + k, t), a0);
    }
    s[m] = vsum(a0);
  }
}

void mk_dot(const double* A, int64_t lda, const double* q, double* s, int64_t M, int64_t K) {
  for (int64_t m = 0; m < M; ++m) {
    double acc = 0;
    for (int64_t k = 0; k < K; ++k) acc += A[m * lda + k] * q[k];
    s[m] = acc;
  }
}

float ex(float x) { return exp_softmax_f32(x); }  // every exponent here is <= 0
double ex(double x) { return std::exp(x); }
float lg(float x) { return log_f32(x); }
double lg(double x) { return std::log(x); }


// Row helpers over score-tile rows; __restrict lets GCC vectorise them (exp included).
template <class T>
void row_max(const T* __restrict r, T* __restrict mx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) mx[i] = r[i] > mx[i] ? r[i] : mx[i];
}
template <class T>
void row_exp_sub(T* __restrict r, const T* __restrict m, int64_t n) {
  for (int64_t i = 0; i < n; ++i) r[i] = ex(r[i] - m[i]);
}
// r = exp(r - m) and acc += r in one pass.
template <class T>
void row_exp_sub_add(T* __restrict r, const T* __restrict m, T* __restrict acc, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const T e = ex(r[i] - m[i]);
    r[i] = e;
    acc[i] += e;
  }
}
template <class T>
void row_add(T* __restrict acc, const T* __restrict r, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] += r[i];
}
// d = p * (d - D): dS from P, dP and D = rowsum(dO * O).
template <class T>
void row_ds(T* __restrict d, const T* __restrict p, const T* __restrict dl, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = p[i] * (d[i] - dl[i]);
}

template <class T>
constexpr T ninf() { return -__builtin_inf(); }

int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

// Last key (exclusive) a causal query tile [i0, i0 + nq) can see.
template <class T>
int64_t key_end_t(const AttnArgs<T>* a, int64_t i0, int64_t nq) {
  return a->causal ? (i0 + nq < a->S ? i0 + nq : a->S) : a->S;
}

// Masks the score tile St (nk key rows x ld query columns) for queries [i0, i0 + nq) and
// keys [j0, j0 + nk): causal hiding, bool mask or additive mask.
template <class T>
void mask_tile(const AttnArgs<T>* a, T* St, int64_t ld, int64_t i0, int64_t nq, int64_t j0,
               int64_t nk) {
  if (a->causal && j0 + nk - 1 > i0) {
    for (int64_t jj = 0; jj < nk; ++jj)
      for (int64_t i = 0; i < nq; ++i)
        if (j0 + jj > i0 + i) St[jj * ld + i] = ninf<T>();
  } else if (a->mask_b) {
    for (int64_t jj = 0; jj < nk; ++jj) {
      const unsigned char* m = a->mask_b + (j0 + jj) * a->m_cs + i0 * a->m_rs;
      for (int64_t i = 0; i < nq; ++i)
        if (!m[i * a->m_rs]) St[jj * ld + i] = ninf<T>();
    }
  } else if (a->mask_f) {
    for (int64_t jj = 0; jj < nk; ++jj) {
      const T* m = a->mask_f + (j0 + jj) * a->m_cs + i0 * a->m_rs;
      for (int64_t i = 0; i < nq; ++i) St[jj * ld + i] += m[i * a->m_rs];
    }
  }
}

// Scratch layout of the tiled paths (ld = kAttnTileQ columns).
template <class T>
struct Tiles {
  T *qt, *dot, *st, *dp, *lse, *dl, *m, *l, *al, *tmp;
  explicit Tiles(const AttnArgs<T>* a) {
    const int64_t ld = kAttnTileQ;
    qt = a->scratch;
    dot = qt + a->E * ld;
    st = dot + a->Ev * ld;
    dp = st + kAttnTileK * ld;
    lse = dp + kAttnTileK * ld;
    dl = lse + ld;
    m = dl + ld;
    l = m + ld;
    al = l + ld;
    tmp = al + ld;  // kAttnTileK elements
  }
};

// dst (n x ld) = transpose of rows [i0, i0 + nq) of src (row stride rs) times s; columns
// nq..ld zero.
template <class T>
void transpose_in(const T* src, int64_t rs, int64_t i0, int64_t nq, int64_t n, T s, T* dst,
                  int64_t ld) {
  for (int64_t e = 0; e < n; ++e)
    for (int64_t i = nq; i < ld; ++i) dst[e * ld + i] = 0;
  for (int64_t i = 0; i < nq; ++i) {
    const T* r = src + (i0 + i) * rs;
    for (int64_t e = 0; e < n; ++e) dst[e * ld + i] = r[e] * s;
  }
}

#if defined(__AVX512F__) || defined(__AVX2__)
// float32: the same values (r[e] * s, exact transpose) with whole kW x kW blocks moved through
// registers; the strided scalar stores cost more than the score product at L = S = E = 64.
void transpose_in(const float* src, int64_t rs, int64_t i0, int64_t nq, int64_t n, float s,
                  float* dst, int64_t ld) {
  static_assert(kTransposeW == kW, "transpose blocks are one vector wide");
  for (int64_t e = 0; e < n; ++e)
    for (int64_t i = nq; i < ld; ++i) dst[e * ld + i] = 0;
  const int64_t nw = n / kW * kW;
  for (int64_t i = 0; i < nq; i += kW) {
    const int64_t rows = nq - i < kW ? nq - i : kW;
    for (int64_t e = 0; e < nw; e += kW)
      transpose_w(src + (i0 + i) * rs + e, rs, rows, dst + e * ld + i, ld);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t e = nw; e < n; ++e) dst[e * ld + i + r] = src[(i0 + i + r) * rs + e];
  }
  for (int64_t e = 0; e < n; ++e)
    for (int64_t i = 0; i < nq; ++i) dst[e * ld + i] *= s;
}
#endif

// One query row at a time (decode: L = 1): scores as dot products over the head dim.
template <class T>
void forward_rows(const AttnArgs<T>* a, int64_t i0, int64_t nq) {
  const int64_t E = a->E, Ev = a->Ev;
  T* qs = a->scratch;
  T* s = qs + E;
  for (int64_t i = i0; i < i0 + nq; ++i) {
    const T* q = a->q + i * a->q_rs;
    for (int64_t e = 0; e < E; ++e) qs[e] = q[e] * a->scale;
    T* o = a->out + i * Ev;
    for (int64_t e = 0; e < Ev; ++e) o[e] = 0;
    T m = ninf<T>(), l = 0;
    const int64_t jend = key_end_t(a, i, 1);
    for (int64_t j0 = 0; j0 < jend; j0 += kAttnTileK) {
      const int64_t nk = jend - j0 < kAttnTileK ? jend - j0 : kAttnTileK;
      mk_dot(a->k + j0 * a->k_rs, a->k_rs, qs, s, nk, E);
      mask_tile(a, s, 1, i, 1, j0, nk);
      T mt = m;
      for (int64_t j = 0; j < nk; ++j) mt = s[j] > mt ? s[j] : mt;
      const T al = mt == m ? T(1) : ex(m - mt);
      const T ms = mt == ninf<T>() ? T(0) : mt;
      m = mt;
      for (int64_t j = 0; j < nk; ++j) s[j] = ex(s[j] - ms);
      T sum = 0;
      for (int64_t j = 0; j < nk; ++j) sum += s[j];
      l = l * al + sum;
      if (al != T(1))
        for (int64_t e = 0; e < Ev; ++e) o[e] *= al;
      mk_b(s, 0, 1, a->v + j0 * a->v_rs, a->v_rs, o, Ev, 1, Ev, nk);
    }
    const T inv = l > 0 ? T(1) / l : T(0);
    for (int64_t e = 0; e < Ev; ++e) o[e] *= inv;
    a->lse[i] = l > 0 ? m + lg(l) : -ninf<T>();
  }
}

template <class T>
void forward_tile(const AttnArgs<T>* a, int64_t i0, int64_t nq) {
  if (nq <= kAttnRowMode) return forward_rows(a, i0, nq);
  const int64_t E = a->E, Ev = a->Ev, ld = round_up(nq, 16);
  Tiles<T> t(a);
  transpose_in(a->q, a->q_rs, i0, nq, E, a->scale, t.qt, ld);
  T* o = a->out + i0 * Ev;
  for (int64_t x = 0; x < nq * Ev; ++x) o[x] = 0;
  for (int64_t i = 0; i < ld; ++i) {
    t.m[i] = ninf<T>();
    t.l[i] = 0;
  }
  const int64_t jend = key_end_t(a, i0, nq);
  for (int64_t j0 = 0; j0 < jend; j0 += kAttnTileK) {
    const int64_t nk = jend - j0 < kAttnTileK ? jend - j0 : kAttnTileK;
    mk_a(a->k + j0 * a->k_rs, a->k_rs, t.qt, ld, t.st, ld, nk, ld, E);
    mask_tile(a, t.st, ld, i0, nq, j0, nk);
    T* mx = t.dp;  // tile max per query column
    for (int64_t i = 0; i < ld; ++i) mx[i] = t.m[i];
    for (int64_t jj = 0; jj < nk; ++jj) row_max(t.st + jj * ld, mx, ld);
    bool rescale = false;
    for (int64_t i = 0; i < ld; ++i) {
      T al = mx[i] == t.m[i] ? T(1) : ex(t.m[i] - mx[i]);
      rescale |= al != T(1);
      t.al[i] = al;
      t.m[i] = mx[i];
      mx[i] = mx[i] == ninf<T>() ? T(0) : mx[i];
      t.l[i] *= al;
    }
    for (int64_t jj = 0; jj < nk; ++jj) row_exp_sub_add(t.st + jj * ld, mx, t.l, ld);
    if (rescale && j0 > 0)  // before the first tile o is all zeros: nothing to rescale
      for (int64_t i = 0; i < nq; ++i)
        for (int64_t e = 0; e < Ev; ++e) o[i * Ev + e] *= t.al[i];
    mk_b(t.st, 1, ld, a->v + j0 * a->v_rs, a->v_rs, o, Ev, nq, Ev, nk);
  }
  for (int64_t i = 0; i < nq; ++i) {
    const T l = t.l[i];
    const T inv = l > 0 ? T(1) / l : T(0);
    for (int64_t e = 0; e < Ev; ++e) o[i * Ev + e] *= inv;
    a->lse[i0 + i] = l > 0 ? t.m[i] + lg(l) : -ninf<T>();
  }
}

// Scores P (nk x ld) and dS (in dp) of key tile [j0, j0 + nk) against query tile
// [i0, i0 + nq); t.qt, t.dot, t.lse, t.dl hold the query tile.
template <class T>
void recompute(const AttnArgs<T>* a, Tiles<T>& t, int64_t i0, int64_t nq, int64_t ld,
               int64_t j0, int64_t nk) {
  // A few query rows (decode): dot products instead of a mostly padded transposed tile.
  const bool rows = nq <= 4 && ld > nq;
  if (rows) {
    for (int64_t i = 0; i < nq; ++i) {
      mk_dot(a->k + j0 * a->k_rs, a->k_rs, a->q + (i0 + i) * a->q_rs, t.tmp, nk, a->E);
      for (int64_t jj = 0; jj < nk; ++jj) t.st[jj * ld + i] = t.tmp[jj] * a->scale;
    }
    for (int64_t jj = 0; jj < nk; ++jj)
      for (int64_t i = nq; i < ld; ++i) t.st[jj * ld + i] = 0;
  } else {
    mk_a(a->k + j0 * a->k_rs, a->k_rs, t.qt, ld, t.st, ld, nk, ld, a->E);
  }
  mask_tile(a, t.st, ld, i0, nq, j0, nk);
  for (int64_t jj = 0; jj < nk; ++jj) row_exp_sub(t.st + jj * ld, t.lse, ld);
  if (rows) {
    for (int64_t i = 0; i < nq; ++i) {
      mk_dot(a->v + j0 * a->v_rs, a->v_rs, a->dout + (i0 + i) * a->Ev, t.tmp, nk, a->Ev);
      for (int64_t jj = 0; jj < nk; ++jj) t.dp[jj * ld + i] = t.tmp[jj];
    }
    for (int64_t jj = 0; jj < nk; ++jj)
      for (int64_t i = nq; i < ld; ++i) t.dp[jj * ld + i] = 0;
  } else {
    mk_a(a->v + j0 * a->v_rs, a->v_rs, t.dot, ld, t.dp, ld, nk, ld, a->Ev);
  }
  for (int64_t jj = 0; jj < nk; ++jj) row_ds(t.dp + jj * ld, t.st + jj * ld, t.dl, ld);
}

template <class T>
void load_query_tile(const AttnArgs<T>* a, Tiles<T>& t, int64_t i0, int64_t nq, int64_t ld) {
  transpose_in(a->q, a->q_rs, i0, nq, a->E, a->scale, t.qt, ld);
  transpose_in(a->dout, a->Ev, i0, nq, a->Ev, T(1), t.dot, ld);
  for (int64_t i = 0; i < ld; ++i) {
    t.lse[i] = i < nq ? a->lse[i0 + i] : -ninf<T>();  // +inf: padded columns get P = 0
    t.dl[i] = i < nq ? a->delta[i0 + i] : T(0);
  }
}

// dK, dV of key tile [j0, j0 + nk) against every query tile that sees it; with accumulate_dq,
// also adds this key tile's share to dQ (the caller zeroes dQ and scales it at the end).
template <class T>
void key_tile_backward(const AttnArgs<T>* a, Tiles<T>& t, int64_t j0, int64_t nk,
                       bool accumulate_dq) {
  const int64_t E = a->E, Ev = a->Ev;
  T* dk = a->dk + j0 * E;
  T* dv = a->dv + j0 * Ev;
  for (int64_t x = 0; x < nk * E; ++x) dk[x] = 0;
  for (int64_t x = 0; x < nk * Ev; ++x) dv[x] = 0;
  // Causal: query i sees key j iff j <= i, so tiles ending before j0 contribute nothing.
  const int64_t ifirst = a->causal ? j0 / kAttnTileQ * kAttnTileQ : 0;
  for (int64_t i0 = ifirst; i0 < a->L; i0 += kAttnTileQ) {
    const int64_t nq = a->L - i0 < kAttnTileQ ? a->L - i0 : kAttnTileQ, ld = round_up(nq, 16);
    load_query_tile(a, t, i0, nq, ld);
    recompute(a, t, i0, nq, ld, j0, nk);
    mk_b(t.st, ld, 1, a->dout + i0 * Ev, Ev, dv, Ev, nk, Ev, nq);
    mk_b(t.dp, ld, 1, a->q + i0 * a->q_rs, a->q_rs, dk, E, nk, E, nq);
    if (accumulate_dq)
      mk_b(t.dp, 1, ld, a->k + j0 * a->k_rs, a->k_rs, a->dq + i0 * E, E, nq, E, nk);
  }
  for (int64_t x = 0; x < nk * E; ++x) dk[x] *= a->scale;
}

template <class T>
void backward_kv_tile(const AttnArgs<T>* a, int64_t j0, int64_t nk) {
  Tiles<T> t(a);
  key_tile_backward(a, t, j0, nk, false);
}

// The whole backward of one (batch, head) in one task: key tiles in order, each against
// the query tiles it sees; dQ accumulates over key tiles in ascending order, exactly as
// backward_q_tile does, so both schemes give bitwise-identical results.
template <class T>
void backward_head(const AttnArgs<T>* a) {
  Tiles<T> t(a);
  for (int64_t x = 0; x < a->L * a->E; ++x) a->dq[x] = 0;
  for (int64_t j0 = 0; j0 < a->S; j0 += kAttnTileK)
    key_tile_backward(a, t, j0, a->S - j0 < kAttnTileK ? a->S - j0 : kAttnTileK, true);
  for (int64_t x = 0; x < a->L * a->E; ++x) a->dq[x] *= a->scale;
}

template <class T>
void backward_q_tile(const AttnArgs<T>* a, int64_t i0, int64_t nq) {
  const int64_t E = a->E, ld = round_up(nq, 16);
  Tiles<T> t(a);
  T* dq = a->dq + i0 * E;
  for (int64_t x = 0; x < nq * E; ++x) dq[x] = 0;
  load_query_tile(a, t, i0, nq, ld);
  const int64_t jend = key_end_t(a, i0, nq);
  for (int64_t j0 = 0; j0 < jend; j0 += kAttnTileK) {
    const int64_t nk = jend - j0 < kAttnTileK ? jend - j0 : kAttnTileK;
    recompute(a, t, i0, nq, ld, j0, nk);
    mk_b(t.dp, 1, ld, a->k + j0 * a->k_rs, a->k_rs, dq, E, nq, E, nk);
  }
  for (int64_t x = 0; x < nq * E; ++x) dq[x] *= a->scale;
}

}  // namespace

void attn_forward_tile(const AttnArgs<float>* a, int64_t i0, int64_t nq) { forward_tile(a, i0, nq); }
void attn_forward_tile(const AttnArgs<double>* a, int64_t i0, int64_t nq) { forward_tile(a, i0, nq); }
void attn_backward_kv_tile(const AttnArgs<float>* a, int64_t j0, int64_t nk) { backward_kv_tile(a, j0, nk); }
void attn_backward_kv_tile(const AttnArgs<double>* a, int64_t j0, int64_t nk) { backward_kv_tile(a, j0, nk); }
void attn_backward_head(const AttnArgs<float>* a) { backward_head(a); }
void attn_backward_head(const AttnArgs<double>* a) { backward_head(a); }
void attn_backward_q_tile(const AttnArgs<float>* a, int64_t i0, int64_t nq) { backward_q_tile(a, i0, nq); }
void attn_backward_q_tile(const AttnArgs<double>* a, int64_t i0, int64_t nq) { backward_q_tile(a, i0, nq); }

}  // namespace ember::cpu::EMBER_ISA

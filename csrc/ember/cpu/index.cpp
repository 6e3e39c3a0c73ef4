// Advanced-indexing and gather/scatter kernels; see index.h. Copies are by element size;
// accumulation dispatches on dtype (bool accumulates as logical or).
#include "ember/cpu/index.h"

#include <cstring>
#include <type_traits>

#include "ember/core/parallel.h"

namespace ember::cpu {

namespace {

constexpr int64_t kGrain = 32768;

template <class T>
void gather_rows(T* out, const T* src, const int64_t* pre, int64_t npre, const int64_t* off,
                 int64_t nb, const int64_t* post, int64_t npost) {
  int64_t rows = npre * nb;
  int64_t grain = npost > 0 ? (kGrain + npost - 1) / npost : rows;
  parallel_for(rows, grain, [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      const T* s = src + pre[r / nb] + off[r % nb];
      T* o = out + r * npost;
      if (post == nullptr) {
        std::memcpy(o, s, static_cast<size_t>(npost) * sizeof(T));
      } else {
        for (int64_t q = 0; q < npost; ++q) o[q] = s[post[q]];
      }
    }
  });
}

template <class T>
inline void put_one(T& d, T v, bool accumulate) {
  if (!accumulate) d = v;
  else if constexpr (std::is_same_v<T, bool>) d = d || v;
  else d += v;
}

template <class T>
void put_rows(T* dst, const T* values, const int64_t* pre, int64_t npre, const int64_t* off,
              int64_t nb, const int64_t* post, int64_t npost, bool accumulate) {
  // Each unit owns distinct destinations (one pre row, one block of post columns) and walks
  // b in order: duplicates resolve identically for any thread count.
  constexpr int64_t kBlock = 256;
  int64_t nblocks = (npost + kBlock - 1) / kBlock;
  int64_t units = npre * nblocks;
  int64_t work = nb * (npost < kBlock ? npost : kBlock);
  int64_t grain = work > 0 ? (kGrain + work - 1) / work : units;
  parallel_for(units, grain, [&](int64_t ub, int64_t ue) {
    for (int64_t u = ub; u < ue; ++u) {
      int64_t p = u / nblocks, qb = (u % nblocks) * kBlock;
      int64_t qe = qb + kBlock < npost ? qb + kBlock : npost;
      for (int64_t b = 0; b < nb; ++b) {
        T* d = dst + pre[p] + off[b];
        const T* v = values + (p * nb + b) * npost;
        if (post == nullptr) {
          for (int64_t q = qb; q < qe; ++q) put_one(d[q], v[q], accumulate);
        } else {
          for (int64_t q = qb; q < qe; ++q) put_one(d[post[q]], v[q], accumulate);
        }
      }
    }
  });
}

}  // namespace

void index_gather(DType dtype, void* out, const void* src, const int64_t* pre, int64_t npre,
                  const int64_t* off, int64_t nb, const int64_t* post, int64_t npost) {
  if (npre * nb * npost == 0) return;
  switch (itemsize(dtype)) {
    case 1: return gather_rows(static_cast<uint8_t*>(out), static_cast<const uint8_t*>(src), pre,
                               npre, off, nb, post, npost);
    case 4: return gather_rows(static_cast<uint32_t*>(out), static_cast<const uint32_t*>(src),
                               pre, npre, off, nb, post, npost);
    default: return gather_rows(static_cast<uint64_t*>(out), static_cast<const uint64_t*>(src),
                                pre, npre, off, nb, post, npost);
  }
}

void index_put(DType dtype, void* dst, const void* values, const int64_t* pre, int64_t npre,
               const int64_t* off, int64_t nb, const int64_t* post, int64_t npost,
               bool accumulate) {
  if (npre * nb * npost == 0) return;
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    put_rows(static_cast<T*>(dst), static_cast<const T*>(values), pre, npre, off, nb, post,
             npost, accumulate);
  });
}

void gather_dim(DType dtype, void* out, const void* self, const int64_t* index,
                const int64_t* outer, int64_t no, int64_t n, const int64_t* inner, int64_t ni,
                int64_t stride) {
  if (no * n * ni == 0) return;
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* o = static_cast<T*>(out);
    const T* s = static_cast<const T*>(self);
    // Rows r = (o, j) in fixed chunks; o advances incrementally (no division per row), and
    // the common case of dim == last (ni == 1) is a tight loop.
    int64_t grain = (kGrain + ni - 1) / ni;
    parallel_for(no * n, grain, [&](int64_t rb, int64_t re) {
      int64_t oi = rb / n, j = rb % n;
      const T* base = s + outer[oi];
      for (int64_t r = rb; r < re; ++r) {
        const int64_t* ix = index + r * ni;
        T* orow = o + r * ni;
        if (ni == 1) orow[0] = base[ix[0] * stride + inner[0]];
        else
          for (int64_t i = 0; i < ni; ++i) orow[i] = base[ix[i] * stride + inner[i]];
        if (++j == n && r + 1 < re) {
          j = 0;
          base = s + outer[++oi];
        }
      }
    });
  });
}

namespace {

// Walks scatter_dim's geometry calling combine(self element, src element): a destination is
// fixed by (o, i), so units own (o, block of i) and walk j in order, whatever the threads.
template <class T, class Combine>
void scatter_walk(T* d, const T* s, const int64_t* index, const int64_t* outer, int64_t no,
                  int64_t n, const int64_t* inner, int64_t ni, int64_t stride, Combine combine) {
  if (no * n * ni == 0) return;
  constexpr int64_t kBlock = 256;
  int64_t nblocks = (ni + kBlock - 1) / kBlock;
  int64_t work = n * (ni < kBlock ? ni : kBlock);
  int64_t grain = (kGrain + work - 1) / work;
  parallel_for(no * nblocks, grain, [&](int64_t ub, int64_t ue) {
    for (int64_t u = ub; u < ue; ++u) {
      int64_t o = u / nblocks, ib = (u % nblocks) * kBlock;
      int64_t ie = ib + kBlock < ni ? ib + kBlock : ni;
      T* base = d + outer[o];
      if (ni == 1) {
        T* b0 = base + inner[0];
        const int64_t* ix = index + o * n;
        const T* srow = s + o * n;
        for (int64_t j = 0; j < n; ++j) combine(b0[ix[j] * stride], srow[j]);
        continue;
      }
      for (int64_t j = 0; j < n; ++j) {
        const int64_t* ix = index + (o * n + j) * ni;
        const T* srow = s + (o * n + j) * ni;
        for (int64_t i = ib; i < ie; ++i) combine(base[ix[i] * stride + inner[i]], srow[i]);
      }
    }
  });
}

template <class T>
bool is_nan_value(T v) {
  if constexpr (std::is_floating_point_v<T>) return v != v;
  return false;
}

}  // namespace

void scatter_dim(DType dtype, void* self, const void* src, const int64_t* index,
                 const int64_t* outer, int64_t no, int64_t n, const int64_t* inner, int64_t ni,
                 int64_t stride, bool accumulate) {
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    scatter_walk(static_cast<T*>(self), static_cast<const T*>(src), index, outer, no, n, inner, ni,
                 stride, [accumulate](T& d, T v) { put_one(d, v, accumulate); });
  });
}

void scatter_reduce_dim(DType dtype, void* self, const void* src, const int64_t* index,
                        const int64_t* outer, int64_t no, int64_t n, const int64_t* inner,
                        int64_t ni, int64_t stride, ScatterReduce op) {
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* d = static_cast<T*>(self);
    const T* s = static_cast<const T*>(src);
    auto walk = [&](auto combine) { scatter_walk(d, s, index, outer, no, n, inner, ni, stride, combine); };
    switch (op) {
      case ScatterReduce::Sum: walk([](T& a, T v) { put_one(a, v, true); }); break;
      case ScatterReduce::Prod:
        walk([](T& a, T v) {
          if constexpr (std::is_same_v<T, bool>) a = a && v;
          else a *= v;
        });
        break;
      case ScatterReduce::Amax:  // NaN propagates
        walk([](T& a, T v) { if (is_nan_value(v) || v > a) a = v; });
        break;
      case ScatterReduce::Amin:
        walk([](T& a, T v) { if (is_nan_value(v) || v < a) a = v; });
        break;
    }
  });
}

}  // namespace ember::cpu

// CPU kernels of advanced indexing and gather/scatter. Geometry arrives precomputed as
// element-offset tables and every index is already checked by the caller (ops/index.cpp,
// ops/gather.cpp): kernels never bounds-check and never throw. Writes that may collide
// (duplicate indices) run in a fixed order per destination, so results do not depend on
// the thread count.
#pragma once
#include <cstdint>

#include "ember/core/dtype.h"

namespace ember::cpu {

// out[(p * nb + b) * npost + q] = src[pre[p] + off[b] + post[q]]   (out contiguous).
// post == nullptr means post[q] == q.
void index_gather(DType dtype, void* out, const void* src, const int64_t* pre, int64_t npre,
                  const int64_t* off, int64_t nb, const int64_t* post, int64_t npost);

// dst[pre[p] + off[b] + post[q]] (=|+=) values[(p * nb + b) * npost + q]; b runs in order,
// so the last duplicate wins (or duplicates add up in index order).
void index_put(DType dtype, void* dst, const void* values, const int64_t* pre, int64_t npre,
               const int64_t* off, int64_t nb, const int64_t* post, int64_t npost,
               bool accumulate);

// Along one dim of an index of shape (no, n, ni) (contiguous; dims before / at / after dim):
//   gather:  out[(o*n + j)*ni + i] = self[outer[o] + index[(o*n + j)*ni + i]*stride + inner[i]]
//   scatter: self[outer[o] + index[...]*stride + inner[i]] (=|+=) src[(o*n + j)*ni + i]
void gather_dim(DType dtype, void* out, const void* self, const int64_t* index,
                const int64_t* outer, int64_t no, int64_t n, const int64_t* inner, int64_t ni,
                int64_t stride);
void scatter_dim(DType dtype, void* self, const void* src, const int64_t* index,
                 const int64_t* outer, int64_t no, int64_t n, const int64_t* inner, int64_t ni,
                 int64_t stride, bool accumulate);
// scatter_dim combining instead of assigning: self = op(self, src) in index order (Amax /
// Amin keep NaN once seen; bool Prod is logical and).
enum class ScatterReduce { Sum, Prod, Amax, Amin };
void scatter_reduce_dim(DType dtype, void* self, const void* src, const int64_t* index,
                        const int64_t* outer, int64_t no, int64_t n, const int64_t* inner,
                        int64_t ni, int64_t stride, ScatterReduce op);

}  // namespace ember::cpu

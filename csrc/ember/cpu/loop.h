// Strided N-operand iteration, the engine under every elementwise kernel and copy.
// Operand 0 is the output; inputs are read through broadcast strides (0 on broadcast dims).
// Dims are merged where every operand is contiguous across them, then the flat index space
// is cut into fixed chunks (parallel_for) and each chunk is walked row by row: `inner`
// receives (char* ptr[N], const int64_t byte_stride[N], int64_t n) for runs along the last
// merged dim, so a contiguous run arrives with byte_stride == itemsize.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>

#include "ember/core/parallel.h"
#include "ember/core/tensor.h"

namespace ember::cpu {

constexpr int64_t kElementwiseGrain = 32768;

template <size_t N>
class StridedLoop {
 public:
  // operands[i] must already have `shape` or broadcast to it (inputs only).
  StridedLoop(const Shape& shape, const std::array<const Tensor*, N>& operands) {
    size_t nd = shape.size();
    std::array<Shape, N> st;
    for (size_t k = 0; k < N; ++k) {
      const Tensor& t = *operands[k];
      st[k] = broadcast_strides(t.shape(), t.strides(), shape);
      for (auto& s : st[k]) s *= static_cast<int64_t>(t.itemsize());
      base_[k] = static_cast<char*>(t.raw_data());
    }
    // Drop size-1 dims, then merge dim i into i+1 when every operand is contiguous across.
    for (size_t i = 0; i < nd; ++i) {
      if (shape[i] == 1) continue;
      bool merge = !shape_.empty();
      for (size_t k = 0; merge && k < N; ++k)
        merge = strides_[k].back() == st[k][i] * shape[i];
      if (merge) {
        shape_.back() *= shape[i];
        for (size_t k = 0; k < N; ++k) strides_[k].back() = st[k][i];
      } else {
        shape_.push_back(shape[i]);
        for (size_t k = 0; k < N; ++k) strides_[k].push_back(st[k][i]);
      }
    }
    if (shape_.empty()) {
      shape_.push_back(1);
      for (size_t k = 0; k < N; ++k) strides_[k].push_back(0);
    }
    numel_ = 1;
    for (int64_t s : shape_) numel_ *= s;
  }

  int64_t numel() const { return numel_; }

  template <class F>
  void run(const F& inner, int64_t grain = kElementwiseGrain) const {
    if (numel_ == 0) return;
    parallel_for(numel_, grain, [&](int64_t b, int64_t e) { run_range(inner, b, e); });
  }

  template <class F>
  void run_range(const F& inner, int64_t begin, int64_t end) const {
    const size_t nd = shape_.size();
    const int64_t last = shape_[nd - 1];
    std::array<int64_t, N> step;
    for (size_t k = 0; k < N; ++k) step[k] = strides_[k][nd - 1];
    int64_t pos = begin;
    while (pos < end) {
      // Decompose pos into a row start and a column.
      int64_t col = pos % last, rest = pos / last;
      std::array<char*, N> p = base_;
      for (size_t k = 0; k < N; ++k) p[k] += col * step[k];
      for (size_t d = nd - 1; d-- > 0;) {
        int64_t idx = rest % shape_[d];
        rest /= shape_[d];
        for (size_t k = 0; k < N; ++k) p[k] += idx * strides_[k][d];
      }
      int64_t n = std::min(last - col, end - pos);
      inner(p.data(), step.data(), n);
      pos += n;
    }
  }

 private:
  Shape shape_;
  std::array<Shape, N> strides_;
  std::array<char*, N> base_;
  int64_t numel_ = 0;
};

}  // namespace ember::cpu

// KVCache: preallocated key/value buffers for incremental (token by token) decoding with
// scaled_dot_product_attention. Shape letters: N batch, H heads, M max_len, T new
// positions, D head dim. Holds data only: no autograd through the cache.
//
// Decoding recipe (per attention layer, one cache each):
//   prefill:  keys, values = cache.update(k, v)   # k, v (N, H, T, D) of the prompt
//             out = sdpa(q, keys, values, is_causal=True)  # cache was empty: L == S
//   step t:   keys, values = cache.update(k1, v1) # k1, v1 (N, H, 1, D) of the new token
//             out = sdpa(q1, keys, values)        # is_causal=False: the one query sees
//                                                 # every cached key (all are in its past)
// With rotary embeddings rotate q and k by positions offset = cache.size() (read before
// update). A multi-token chunk on a non-empty cache needs a mask (is_causal is top-left
// aligned, like PyTorch's): attn_mask[i, j] = j <= size_before + i.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

#include "ember/core/tensor.h"

namespace ember::nn {

class KVCache {
 public:
  KVCache(int64_t batch_size, int64_t num_heads, int64_t max_len, int64_t head_dim,
          DType dtype = DType::Float32);
  // Copies k, v (N, H, T, D) into positions size .. size+T-1 (O(T) work, the buffers are
  // never reallocated) and returns views (N, H, size, D) of every cached position. The
  // views alias the buffers: they stay valid while positions are only appended, and see
  // new data after reset(). Raises when full, on shape / dtype mismatch, or when k / v
  // require grad under grad mode (the cache would silently drop their gradients).
  std::pair<Tensor, Tensor> update(const Tensor& k, const Tensor& v);
  // Views of the first size() positions (no copy).
  std::pair<Tensor, Tensor> get() const;
  void reset() { size_ = 0; }  // forgets the positions; keeps the memory
  // Keeps the first n positions (0 <= n <= size), e.g. to roll back rejected draft tokens.
  void crop(int64_t n);
  int64_t size() const { return size_; }
  int64_t max_len() const { return max_len_; }
  int64_t batch_size() const { return batch_; }
  int64_t num_heads() const { return heads_; }
  int64_t head_dim() const { return head_dim_; }
  DType dtype() const { return key_.dtype(); }
  // The whole (N, H, M, D) buffers.
  const Tensor& key_buffer() const { return key_; }
  const Tensor& value_buffer() const { return value_; }
  std::string repr() const;

 private:
  int64_t batch_, heads_, max_len_, head_dim_, size_ = 0;
  Tensor key_, value_;
};

}  // namespace ember::nn

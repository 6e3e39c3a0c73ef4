// KVCache; see kv_cache.h. update is a strided copy into a slice of the preallocated
// buffers (ember::copy_), so a step costs O(N * H * T * D) whatever the cache holds.
#include "ember/nn/kv_cache.h"

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/index.h"
#include "ember/ops/view.h"

namespace ember::nn {

KVCache::KVCache(int64_t batch_size, int64_t num_heads, int64_t max_len, int64_t head_dim,
                 DType dtype)
    : batch_(batch_size), heads_(num_heads), max_len_(max_len), head_dim_(head_dim) {
  EMBER_CHECK(batch_size > 0 && num_heads > 0 && max_len > 0 && head_dim > 0, ValueError,
              "[KVCache] expected positive batch_size, num_heads, max_len and head_dim, got ",
              batch_size, ", ", num_heads, ", ", max_len, ", ", head_dim);
  EMBER_CHECK(is_floating(dtype), TypeError, "[KVCache] expected a floating point dtype, got ",
              dtype_name(dtype));
  // Zero-filled so that the unused tail is never uninitialised memory.
  key_ = zeros({batch_size, num_heads, max_len, head_dim}, dtype);
  value_ = zeros({batch_size, num_heads, max_len, head_dim}, dtype);
}

std::pair<Tensor, Tensor> KVCache::update(const Tensor& k, const Tensor& v) {
  const char* op = "[KVCache.update]";
  check_defined(k, "KVCache.update", "k");
  check_defined(v, "KVCache.update", "v");
  for (const Tensor* t : {&k, &v}) {
    const char* nm = t == &k ? "k" : "v";
    EMBER_CHECK(t->dim() == 4 && t->size(0) == batch_ && t->size(1) == heads_ &&
                    t->size(3) == head_dim_,
                ValueError, op, " expected ", nm, " of shape (N, H, T, D) = (", batch_, ", ",
                heads_, ", T, ", head_dim_, "), got ", shape_str(t->shape()));
    EMBER_CHECK(t->dtype() == dtype(), TypeError, op, " expected ", nm, " of the cache dtype ",
                dtype_name(dtype()), ", got ", dtype_name(t->dtype()));
    EMBER_CHECK(!(autograd::GradMode::is_enabled() && t->requires_grad()), RuntimeError, op,
                " ", nm, " requires grad, but the cache does not propagate gradients; "
                "decode under ember.no_grad() or pass ", nm, ".detach()");
  }
  EMBER_CHECK(k.size(2) == v.size(2), ValueError, op, " expected k and v with the same number "
              "of new positions, got shapes ", shape_str(k.shape()), " and ",
              shape_str(v.shape()));
  const int64_t T = k.size(2);
  EMBER_CHECK(size_ + T <= max_len_, ValueError, op, " cache is full: it holds ", size_,
              " of max_len = ", max_len_, " positions, cannot append ", T, " more");
  if (T > 0) {
    autograd::NoGradGuard guard;
    Tensor kd = narrow(key_, 2, size_, T), vd = narrow(value_, 2, size_, T);
    copy_(kd, k);
    copy_(vd, v);
  }
  size_ += T;
  return get();
}

void KVCache::crop(int64_t n) {
  EMBER_CHECK(n >= 0 && n <= size_, ValueError, "[KVCache.crop] expected 0 <= n <= size = ",
              size_, ", got ", n);
  size_ = n;
}

std::pair<Tensor, Tensor> KVCache::get() const {
  return {narrow(key_, 2, 0, size_), narrow(value_, 2, 0, size_)};
}

std::string KVCache::repr() const {
  return detail::cat("KVCache(batch_size=", batch_, ", num_heads=", heads_, ", max_len=",
                     max_len_, ", head_dim=", head_dim_, ", dtype=ember.", dtype_name(dtype()),
                     ", size=", size_, ")");
}

}  // namespace ember::nn

// C++ tests of rotary embeddings and the KV cache without Python: one causal attention
// layer decoded token by token through a KVCache (rotary offsets) equals full recomputation;
// rotary round trip; cache errors. Returns non-zero on failure.
#include <cmath>
#include <cstdio>

#include "check.h"
#include "ember/ember.h"

using namespace ember;

static double max_abs_diff(const Tensor& a, const Tensor& b) {
  return *contiguous(amax(abs(sub(a, b)))).data<float>();
}

int main() {
  autograd::NoGradGuard no_grad;
  const int64_t N = 2, H = 2, L = 9, D = 8;
  nn::RotaryEmbedding rope(D, 32);
  Tensor q = randn({N, H, L, D}), k = randn({N, H, L, D}), v = randn({N, H, L, D});

  // rotating by +a then -a gives the input back
  auto [c, s] = rope.tables(0, L, DType::Float32);
  CHECK(max_abs_diff(apply_rotary_emb(apply_rotary_emb(q, c, s), c, neg(s)), q) < 1e-5);

  Tensor full_out = scaled_dot_product_attention(rope.forward(q, 0), rope.forward(k, 0), v,
                                                 Tensor(), 0.0, /*is_causal=*/true);
  nn::KVCache cache(N, H, 16, D);
  std::vector<Tensor> steps;
  for (int64_t t = 0; t < L; ++t) {
    const int64_t off = cache.size();
    Tensor qt = rope.forward(narrow(q, 2, t, 1), off), kt = rope.forward(narrow(k, 2, t, 1), off);
    auto [keys, values] = cache.update(kt, narrow(v, 2, t, 1));
    CHECK(keys.size(2) == t + 1 && keys.data<float>() == cache.key_buffer().data<float>());
    steps.push_back(scaled_dot_product_attention(qt, keys, values));
  }
  CHECK(max_abs_diff(cat(steps, 2), full_out) < 1e-5);

  CHECK_THROWS(cache.update(randn({N, H, 8, D}), randn({N, H, 8, D})), ValueError);  // full
  CHECK_THROWS(cache.update(randn({N, H + 1, 1, D}), randn({N, H + 1, 1, D})), ValueError);
  CHECK_THROWS(rope.forward(q, 30), ValueError);  // 30 + 9 > max_seq_len
  CHECK_THROWS(nn::RotaryEmbedding(7), ValueError);
  cache.reset();
  CHECK(cache.size() == 0);
  return check_report("test_position");
}

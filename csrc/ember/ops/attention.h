// Attention with PyTorch semantics (float32 / float64): scaled_dot_product_attention with a
// flash-style tiled kernel (online softmax; memory O(L), the L x S matrix is never
// materialised, forward or backward) and the plain materialised reference beside it.
// Shape letters: N... leading batch dims, Hq / Hkv query / key-value heads, L queries,
// S keys, E query/key head dim, Ev value head dim.
#pragma once
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

// query (..., Hq, L, E), key (..., Hkv, S, E), value (..., Hkv, S, Ev); any number of leading
// dims (at least 2-D inputs), broadcast like torch. attn_mask: bool (true = attend) or a
// float additive mask, broadcastable to (..., Hq, L, S). is_causal: query i attends keys
// j <= i (top-left aligned, like torch); not combined with attn_mask. scale defaults to
// 1/sqrt(E). enable_gqa: Hq a multiple of Hkv, each key/value head serves Hq/Hkv query heads.
// A query row whose mask hides every key gives zeros (never NaN) and zero gradients.
// dropout_p > 0 (training) runs the reference path with ember's generator, and so does a
// float attn_mask that requires grad (its gradient is the L x S score gradient). Double
// backward (create_graph=True) of the fused path differentiates the reference.
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = Tensor(), double dropout_p = 0.0,
                                    bool is_causal = false,
                                    std::optional<double> scale = std::nullopt,
                                    bool enable_gqa = false);
// softmax(Q K^T * scale + mask) V written with ember ops (autograd through them).
Tensor scaled_dot_product_attention_reference(const Tensor& query, const Tensor& key,
                                              const Tensor& value,
                                              const Tensor& attn_mask = Tensor(),
                                              double dropout_p = 0.0, bool is_causal = false,
                                              std::optional<double> scale = std::nullopt,
                                              bool enable_gqa = false);

}  // namespace ember

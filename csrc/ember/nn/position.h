// Positional encodings: RotaryEmbedding (RoPE tables + apply_rotary_emb, with a position
// offset for KV-cache decoding) and SinusoidalPositionalEncoding (the original Transformer's
// fixed table, added to the input). Learned positions are just nn::Embedding.
#pragma once
#include <cstdint>
#include <string>

#include "ember/nn/module.h"

namespace ember::nn {

// Rotary embedding for heads of size `dim` (even). Pair i of position p is rotated by the
// angle p * theta_i with theta_i = base^(-2i/dim), i = 0 .. dim/2 - 1. Buffers "cos" and
// "sin" (max_seq_len, dim/2), float32, non-persistent (not in state_dict), computed in
// double and rounded once. forward(x, offset) rotates x (..., L, dim) as positions
// offset .. offset+L-1, so a KV-cache decoding step passes offset = tokens already cached.
// interleaved picks the pair layout (see ops/rotary.h): false = half-split (GPT-NeoX /
// Llama-HF rotate_half), true = (2i, 2i+1) pairs (GPT-J / original RoFormer).
class RotaryEmbedding : public Module {
 public:
  EMBER_MODULE_COPY(RotaryEmbedding)
  RotaryEmbedding(int64_t dim, int64_t max_seq_len = 2048, double base = 10000.0,
                  bool interleaved = false);
  std::string name() const override { return "RotaryEmbedding"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override { return forward(x, 0); }
  Tensor forward(const Tensor& x, int64_t offset);
  // The (L, dim/2) cos and sin tables of positions offset .. offset+L-1, in dtype.
  std::pair<Tensor, Tensor> tables(int64_t offset, int64_t L, DType dtype) const;
  int64_t dim, max_seq_len;
  double base;
  bool interleaved;

 private:
  size_t cos_, sin_;
};

// x + PE[positions] then dropout, PE[pos, 2i] = sin(pos / 10000^(2i/d_model)),
// PE[pos, 2i+1] = cos(pos / 10000^(2i/d_model)): the values of PyTorch's tutorial
// PositionalEncoding (computed in double, rounded once, so within float32 rounding of it).
// Buffer "pe" has the tutorial's layout (max_len, 1, d_model) and is persistent, so the
// tutorial's state_dict loads. Input (L, N, d_model), or (N, L, d_model) when batch_first,
// or unbatched (L, d_model). Odd d_model is allowed (the last column is a sin).
class SinusoidalPositionalEncoding : public Module {
 public:
  EMBER_MODULE_COPY(SinusoidalPositionalEncoding)
  SinusoidalPositionalEncoding(int64_t d_model, double dropout = 0.0, int64_t max_len = 5000,
                               bool batch_first = false);
  std::string name() const override { return "SinusoidalPositionalEncoding"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override;
  int64_t d_model, max_len;
  bool batch_first;

 private:
  size_t pe_, dropout_;
};

}  // namespace ember::nn

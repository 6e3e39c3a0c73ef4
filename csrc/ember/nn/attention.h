// MultiheadAttention with PyTorch's arguments, parameter names / layouts and forward semantics
// (torch.nn.MultiheadAttention): bool masks True = NOT allowed (the opposite of SDPA's), float
// masks added; need_weights=False goes through the fused scaled_dot_product_attention.
// Shape letters: N batch, L target length, S source length, E embed_dim, H heads.
#pragma once
#include <optional>
#include <utility>

#include "ember/nn/linear.h"
#include "ember/nn/module.h"

namespace ember::nn {

// (attn_output, attn_weights); attn_weights is undefined when need_weights=false.
using AttnResult = std::pair<Tensor, Tensor>;

// torch's F._canonical_mask: undefined stays undefined, bool -> float (0 / -inf) in dtype,
// float -> cast to dtype; other dtypes raise TypeError naming layer and arg.
Tensor canonical_mask(const Tensor& mask, DType dtype, const char* layer, const char* arg);
// The (sz, sz) float mask with -inf above the diagonal and 0 elsewhere.
Tensor square_subsequent_mask(int64_t sz, DType dtype = DType::Float32);

// True when calling the child m may be replaced by inlined maths (the fused epilogues of
// MultiheadAttention::forward_add and the transformer layers): only when it has no hooks,
// which would then not run.
inline bool fusable_child(const Module& m) { return !m.hooks() || m.hooks()->empty(); }

class MultiheadAttention : public Module {
 public:
  EMBER_MODULE_COPY(MultiheadAttention)
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, double dropout = 0.0, bool bias = true,
                     bool add_bias_kv = false, bool add_zero_attn = false,
                     std::optional<int64_t> kdim = std::nullopt,
                     std::optional<int64_t> vdim = std::nullopt, bool batch_first = false);
  std::string name() const override { return "MultiheadAttention"; }
  // Single-input forward raises TypeError: attention needs query, key and value.
  Tensor forward(const Tensor& input) override;
  // query (L, N, E) / (N, L, E) with batch_first / (L, E) unbatched; key (S, N, kdim),
  // value (S, N, vdim). key_padding_mask (N, S) or (S,); attn_mask (L, S) or (N*H, L, S).
  // is_causal: a causal mask is applied; when attn_mask is given it is taken to be causal
  // (torch's hint) and skipped on the fused path. Unlike torch, is_causal works without
  // attn_mask. Returns (attn_output, weights averaged over heads (N, L, S) or per head
  // (N, H, L, S)); with need_weights=false the weights are undefined. A query whose masks
  // hide every key gives NaN with need_weights=true (like torch) and zeros with
  // need_weights=false (scaled_dot_product_attention's rule).
  AttnResult forward(const Tensor& query, const Tensor& key, const Tensor& value,
                     const Tensor& key_padding_mask = Tensor(), bool need_weights = true,
                     const Tensor& attn_mask = Tensor(), bool average_attn_weights = true,
                     bool is_causal = false);
  // forward between the module's hooks (which see (query, key, value) and the result pair):
  // how the transformer layers call their attention.
  using Module::operator();
  AttnResult operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                        const Tensor& key_padding_mask = Tensor(), bool need_weights = true,
                        const Tensor& attn_mask = Tensor(), bool average_attn_weights = true,
                        bool is_causal = false);
  // residual + forward(query, key, value, key_padding_mask, need_weights=false, attn_mask,
  // true, is_causal).first, with the add fused into out_proj's epilogue when nothing needs a
  // gradient (the transformer layers' residual connections); residual has the output's shape.
  Tensor forward_add(const Tensor& query, const Tensor& key, const Tensor& value,
                     const Tensor& residual, const Tensor& key_padding_mask = Tensor(),
                     const Tensor& attn_mask = Tensor(), bool is_causal = false);
  void reset_parameters();
  // A new module with the same configuration and copies of the parameters (deepcopy).
  std::shared_ptr<MultiheadAttention> clone() const;

  int64_t embed_dim, kdim, vdim, num_heads, head_dim;
  double dropout;
  bool batch_first, add_zero_attn, qkv_same_embed_dim;

 private:
  // forward up to out_proj: (merged heads in the caller's layout, unbatched as (L, 1, E);
  // weights).
  AttnResult attend(const Tensor& query, const Tensor& key, const Tensor& value,
                    const Tensor& key_padding_mask, bool need_weights, const Tensor& attn_mask,
                    bool average_attn_weights, bool is_causal);
  size_t in_proj_weight_, q_proj_weight_, k_proj_weight_, v_proj_weight_, in_proj_bias_;
  size_t bias_k_, bias_v_, out_proj_;
};

}  // namespace ember::nn

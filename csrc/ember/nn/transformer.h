// Transformer layers with PyTorch's arguments, children and parameter names (so a torch
// state_dict loads unchanged): TransformerEncoderLayer / TransformerDecoderLayer, the stacks
// TransformerEncoder / TransformerDecoder (num_layers copies of a layer under "layers.i") and
// Transformer. Limit: the stacks hold C++ layers (a Python subclass's forward is not used).
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "ember/nn/attention.h"
#include "ember/nn/module.h"

namespace ember::nn {

// The feed-forward activation: "relu" / "gelu" (fused ops), a function, or a Module (then
// registered as the child "activation", like torch).
struct Activation {
  Activation(const char* name) : Activation(std::string(name)) {}  // NOLINT: implicit, like torch
  Activation(const std::string& name);                              // NOLINT
  Activation(std::function<Tensor(const Tensor&)> fn) : kind("fn"), fn(std::move(fn)) {}  // NOLINT
  Activation(ModulePtr module) : kind("module"), module(std::move(module)) {}  // NOLINT
  std::string kind;  // "relu", "gelu", "fn", "module"
  std::function<Tensor(const Tensor&)> fn;
  ModulePtr module;
};

// True when is_causal says so, or (is_causal unset) when mask equals the causal mask of size.
bool detect_causal_mask(const Tensor& mask, std::optional<bool> is_causal, int64_t size);

class TransformerEncoderLayer : public Module {
 public:
  EMBER_MODULE_COPY(TransformerEncoderLayer)
  TransformerEncoderLayer(int64_t d_model, int64_t nhead, int64_t dim_feedforward = 2048,
                          double dropout = 0.1, Activation activation = "relu",
                          double layer_norm_eps = 1e-5, bool batch_first = false,
                          bool norm_first = false, bool bias = true);
  std::string name() const override { return "TransformerEncoderLayer"; }
  Tensor forward(const Tensor& src) override { return forward(src, Tensor(), Tensor(), false); }
  // src (S, N, E) / (N, S, E) with batch_first / (S, E); masks as MultiheadAttention's.
  Tensor forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask,
                 bool is_causal = false);
  // forward between the module's hooks, which see (src,) as torch's do.
  using Module::operator();
  Tensor operator()(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask,
                    bool is_causal = false);
  std::shared_ptr<TransformerEncoderLayer> clone() const;
  int64_t d_model, nhead, dim_feedforward;
  double dropout_p, layer_norm_eps;
  bool batch_first, norm_first, bias;
  Activation activation;

 private:
  Tensor ff_block(const Tensor& x);
  Tensor ff_add(const Tensor& x, const Tensor& residual);
  size_t self_attn_, linear1_, dropout_, linear2_, norm1_, norm2_, dropout1_, dropout2_;
};

class TransformerDecoderLayer : public Module {
 public:
  EMBER_MODULE_COPY(TransformerDecoderLayer)
  TransformerDecoderLayer(int64_t d_model, int64_t nhead, int64_t dim_feedforward = 2048,
                          double dropout = 0.1, Activation activation = "relu",
                          double layer_norm_eps = 1e-5, bool batch_first = false,
                          bool norm_first = false, bool bias = true);
  std::string name() const override { return "TransformerDecoderLayer"; }
  Tensor forward(const Tensor& input) override;  // TypeError: needs tgt and memory
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = Tensor(),
                 const Tensor& memory_mask = Tensor(),
                 const Tensor& tgt_key_padding_mask = Tensor(),
                 const Tensor& memory_key_padding_mask = Tensor(), bool tgt_is_causal = false,
                 bool memory_is_causal = false);
  // forward between the module's hooks, which see (tgt, memory) as torch's do.
  using Module::operator();
  Tensor operator()(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = Tensor(),
                    const Tensor& memory_mask = Tensor(),
                    const Tensor& tgt_key_padding_mask = Tensor(),
                    const Tensor& memory_key_padding_mask = Tensor(), bool tgt_is_causal = false,
                    bool memory_is_causal = false);
  std::shared_ptr<TransformerDecoderLayer> clone() const;
  int64_t d_model, nhead, dim_feedforward;
  double dropout_p, layer_norm_eps;
  bool batch_first, norm_first, bias;
  Activation activation;

 private:
  Tensor ff_block(const Tensor& x);
  size_t self_attn_, multihead_attn_, linear1_, dropout_, linear2_, norm1_, norm2_, norm3_;
  size_t dropout1_, dropout2_, dropout3_;
};

class TransformerEncoder : public Module {
 public:
  EMBER_MODULE_COPY(TransformerEncoder)
  // Holds num_layers clones of encoder_layer (a TransformerEncoderLayer); norm may be null.
  TransformerEncoder(const ModulePtr& encoder_layer, int64_t num_layers,
                     ModulePtr norm = nullptr);
  std::string name() const override { return "TransformerEncoder"; }
  Tensor forward(const Tensor& src) override { return forward(src, Tensor(), Tensor()); }
  Tensor forward(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask,
                 std::optional<bool> is_causal = std::nullopt);
  // forward between the module's hooks, which see (src,).
  using Module::operator();
  Tensor operator()(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask,
                    std::optional<bool> is_causal = std::nullopt);
  int64_t num_layers;

 private:
  size_t layers_, norm_;
};

class TransformerDecoder : public Module {
 public:
  EMBER_MODULE_COPY(TransformerDecoder)
  TransformerDecoder(const ModulePtr& decoder_layer, int64_t num_layers,
                     ModulePtr norm = nullptr);
  std::string name() const override { return "TransformerDecoder"; }
  Tensor forward(const Tensor& input) override;  // TypeError: needs tgt and memory
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = Tensor(),
                 const Tensor& memory_mask = Tensor(),
                 const Tensor& tgt_key_padding_mask = Tensor(),
                 const Tensor& memory_key_padding_mask = Tensor(),
                 std::optional<bool> tgt_is_causal = std::nullopt, bool memory_is_causal = false);
  // forward between the module's hooks, which see (tgt, memory).
  using Module::operator();
  Tensor operator()(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = Tensor(),
                    const Tensor& memory_mask = Tensor(),
                    const Tensor& tgt_key_padding_mask = Tensor(),
                    const Tensor& memory_key_padding_mask = Tensor(),
                    std::optional<bool> tgt_is_causal = std::nullopt,
                    bool memory_is_causal = false);
  int64_t num_layers;

 private:
  size_t layers_, norm_;
};

class Transformer : public Module {
 public:
  EMBER_MODULE_COPY(Transformer)
  Transformer(int64_t d_model = 512, int64_t nhead = 8, int64_t num_encoder_layers = 6,
              int64_t num_decoder_layers = 6, int64_t dim_feedforward = 2048,
              double dropout = 0.1, Activation activation = "relu",
              ModulePtr custom_encoder = nullptr, ModulePtr custom_decoder = nullptr,
              double layer_norm_eps = 1e-5, bool batch_first = false, bool norm_first = false,
              bool bias = true);
  std::string name() const override { return "Transformer"; }
  Tensor forward(const Tensor& input) override;  // TypeError: needs src and tgt
  Tensor forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask = Tensor(),
                 const Tensor& tgt_mask = Tensor(), const Tensor& memory_mask = Tensor(),
                 const Tensor& src_key_padding_mask = Tensor(),
                 const Tensor& tgt_key_padding_mask = Tensor(),
                 const Tensor& memory_key_padding_mask = Tensor(),
                 std::optional<bool> src_is_causal = std::nullopt,
                 std::optional<bool> tgt_is_causal = std::nullopt, bool memory_is_causal = false);
  static Tensor generate_square_subsequent_mask(int64_t sz, DType dtype = DType::Float32) {
    return square_subsequent_mask(sz, dtype);
  }
  int64_t d_model, nhead;
  bool batch_first;

 private:
  size_t encoder_, decoder_;
};

}  // namespace ember::nn

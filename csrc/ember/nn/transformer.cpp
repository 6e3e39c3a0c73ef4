// Transformer layers and stacks; see transformer.h. Forward follows torch's (post-norm by
// default, pre-norm with norm_first); dropout children are skipped in eval mode and the
// self-attention always takes MultiheadAttention's fused (need_weights=false) path. The
// encoder layer adds its residuals (and a relu) in the products' epilogues where that is
// exact (dropout a no-op) and nothing needs a gradient (linear_fused), i.e. at inference.
#include "ember/nn/transformer.h"

#include "ember/autograd/grad_mode.h"
#include "ember/nn/activation.h"
#include "ember/nn/container.h"
#include "ember/nn/init.h"
#include "ember/nn/linear.h"
#include "ember/nn/normalization.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember::nn {

namespace {

// Dropout child: identity (no op at all) in eval mode or with p == 0.
Tensor drop(const Module& m, size_t slot, const Tensor& x) {
  auto& d = m.child_as<Dropout>(slot);
  if (!d.is_training() || d.p == 0.0) return x;
  return d(x);
}

bool is_identity(const Module& m, size_t slot) {
  auto& d = m.child_as<Dropout>(slot);
  return !d.is_training() || d.p == 0.0;
}

// A Module activation is read from the child "activation" (not a.module), so a copy or a
// replacement of that child is what runs.
Tensor apply_activation(Module& owner, const Activation& a, const Tensor& x, const char* layer) {
  if (a.kind == "relu") return relu(x);
  if (a.kind == "gelu") return gelu(x);
  if (a.kind == "fn") return a.fn(x);
  ModulePtr* m = owner.find_child("activation");
  EMBER_CHECK(m != nullptr && *m != nullptr, RuntimeError, "[", layer,
              "] activation module is None");
  return (**m)(x);
}

void check_layer_args(int64_t d_model, int64_t nhead, int64_t dff, double dropout,
                      const char* layer) {
  EMBER_CHECK(d_model > 0 && nhead > 0 && dff > 0, ValueError, "[", layer,
              "] expected d_model, nhead and dim_feedforward > 0, got d_model=", d_model,
              ", nhead=", nhead, ", dim_feedforward=", dff);
  EMBER_CHECK(d_model % nhead == 0, ValueError, "[", layer,
              "] expected d_model divisible by nhead, got d_model=", d_model, ", nhead=", nhead);
  EMBER_CHECK(dropout >= 0.0 && dropout <= 1.0, ValueError, "[", layer,
              "] expected dropout in [0, 1], got ", dropout);
}

void check_input(const Tensor& x, int64_t d_model, const char* layer, const char* arg) {
  check_defined(x, layer, arg);
  EMBER_CHECK((x.dim() == 2 || x.dim() == 3) && x.size(-1) == d_model, ValueError, "[", layer,
              "] expected ", arg, " of shape (S, N, ", d_model, "), (N, S, ", d_model,
              ") with batch_first or (S, ", d_model, "), got ", shape_str(x.shape()));
}

// Copies the parameter values of src into dst (same configuration), keeping dst's dtype
// equal to src's.
void copy_state(const Module& src, Module& dst) {
  auto params = src.parameters();
  if (!params.empty() && params[0].dtype() != DType::Float32) dst.to(params[0].dtype());
  dst.load_state_dict(src.state_dict(), /*strict=*/true);
  dst.train(src.is_training());
}

int64_t seq_len(const Tensor& x, bool batch_first) {
  return (x.dim() == 3 && batch_first) ? x.size(1) : x.size(0);
}

}  // namespace

Activation::Activation(const std::string& name) : kind(name) {
  EMBER_CHECK(name == "relu" || name == "gelu", ValueError,
              "[Transformer] expected activation 'relu', 'gelu' or a callable, got '", name, "'");
}

bool detect_causal_mask(const Tensor& mask, std::optional<bool> is_causal, int64_t size) {
  if (is_causal) return *is_causal;
  if (!mask.defined() || mask.dim() != 2 || mask.size(0) != size || mask.size(1) != size)
    return false;
  if (!(mask.dtype() == DType::Bool || is_floating(mask.dtype()))) return false;
  autograd::NoGradGuard guard;
  Tensor m = canonical_mask(mask, DType::Float64, "Transformer", "mask");
  Tensor same = all(eq(m, square_subsequent_mask(size, DType::Float64)));
  return *same.data<bool>();
}

// ---------------------------------------------------------------- encoder layer

TransformerEncoderLayer::TransformerEncoderLayer(int64_t d, int64_t h, int64_t dff, double p,
                                                 Activation act, double eps, bool bf, bool nf,
                                                 bool b)
    : d_model(d), nhead(h), dim_feedforward(dff), dropout_p(p), layer_norm_eps(eps),
      batch_first(bf), norm_first(nf), bias(b), activation(std::move(act)) {
  check_layer_args(d, h, dff, p, "TransformerEncoderLayer");
  self_attn_ = register_module(
      "self_attn", std::make_shared<MultiheadAttention>(d, h, p, b, false, false, std::nullopt,
                                                        std::nullopt, bf));
  linear1_ = register_module("linear1", std::make_shared<Linear>(d, dff, b));
  dropout_ = register_module("dropout", std::make_shared<Dropout>(p));
  linear2_ = register_module("linear2", std::make_shared<Linear>(dff, d, b));
  norm1_ = register_module("norm1", std::make_shared<LayerNorm>(Shape{d}, eps, true, b));
  norm2_ = register_module("norm2", std::make_shared<LayerNorm>(Shape{d}, eps, true, b));
  dropout1_ = register_module("dropout1", std::make_shared<Dropout>(p));
  dropout2_ = register_module("dropout2", std::make_shared<Dropout>(p));
  if (activation.kind == "module") register_module("activation", activation.module);
}

Tensor TransformerEncoderLayer::ff_block(const Tensor& x) {
  Tensor y = child_as<Linear>(linear1_)(x);
  y = apply_activation(*this, activation, y, "TransformerEncoderLayer");
  y = child_as<Linear>(linear2_)(drop(*this, dropout_, y));
  return drop(*this, dropout2_, y);
}

// residual + ff_block(x). When dropout2 is the identity the add (and a relu activation) run in
// the products' epilogues (linear_fused: fused only where nothing needs a gradient).
Tensor TransformerEncoderLayer::ff_add(const Tensor& x, const Tensor& residual) {
  auto& l1 = child_as<Linear>(linear1_);
  auto& l2 = child_as<Linear>(linear2_);
  if (!is_identity(*this, dropout2_) || !fusable_child(l2) || !l2.weight().defined())
    return add(residual, ff_block(x));
  Tensor y;
  if (activation.kind == "relu" && fusable_child(l1) && l1.weight().defined()) {
    y = linear_fused(x, l1.weight(), l1.bias(), Tensor(), true);
  } else {
    y = apply_activation(*this, activation, l1(x), "TransformerEncoderLayer");
  }
  y = drop(*this, dropout_, y);
  return linear_fused(y, l2.weight(), l2.bias(), residual, false);
}

Tensor TransformerEncoderLayer::forward(const Tensor& src, const Tensor& src_mask,
                                        const Tensor& kpm, bool is_causal) {
  check_input(src, d_model, "TransformerEncoderLayer", "src");
  auto& attn = child_as<MultiheadAttention>(self_attn_);
  auto& n1 = child_as<LayerNorm>(norm1_);
  auto& n2 = child_as<LayerNorm>(norm2_);
  // residual + dropout1(self_attn(x)); the add fused into out_proj when dropout1 is a no-op.
  auto sa_add = [&](const Tensor& x, const Tensor& residual) {
    if (is_identity(*this, dropout1_) && fusable_child(attn))
      return attn.forward_add(x, x, x, residual, kpm, src_mask, is_causal);
    Tensor y = attn(x, x, x, kpm, /*need_weights=*/false, src_mask, true, is_causal).first;
    return add(residual, drop(*this, dropout1_, y));
  };
  Tensor x = src;
  if (norm_first) {
    x = sa_add(n1(x), x);
    x = ff_add(n2(x), x);
  } else {
    x = n1(sa_add(x, x));
    x = n2(ff_add(x, x));
  }
  return x;
}

std::shared_ptr<TransformerEncoderLayer> TransformerEncoderLayer::clone() const {
  auto m = std::make_shared<TransformerEncoderLayer>(d_model, nhead, dim_feedforward, dropout_p,
                                                     activation, layer_norm_eps, batch_first,
                                                     norm_first, bias);
  copy_state(*this, *m);
  return m;
}

// ---------------------------------------------------------------- decoder layer

TransformerDecoderLayer::TransformerDecoderLayer(int64_t d, int64_t h, int64_t dff, double p,
                                                 Activation act, double eps, bool bf, bool nf,
                                                 bool b)
    : d_model(d), nhead(h), dim_feedforward(dff), dropout_p(p), layer_norm_eps(eps),
      batch_first(bf), norm_first(nf), bias(b), activation(std::move(act)) {
  check_layer_args(d, h, dff, p, "TransformerDecoderLayer");
  auto mha = [&] {
    return std::make_shared<MultiheadAttention>(d, h, p, b, false, false, std::nullopt,
                                                std::nullopt, bf);
  };
  self_attn_ = register_module("self_attn", mha());
  multihead_attn_ = register_module("multihead_attn", mha());
  linear1_ = register_module("linear1", std::make_shared<Linear>(d, dff, b));
  dropout_ = register_module("dropout", std::make_shared<Dropout>(p));
  linear2_ = register_module("linear2", std::make_shared<Linear>(dff, d, b));
  norm1_ = register_module("norm1", std::make_shared<LayerNorm>(Shape{d}, eps, true, b));
  norm2_ = register_module("norm2", std::make_shared<LayerNorm>(Shape{d}, eps, true, b));
  norm3_ = register_module("norm3", std::make_shared<LayerNorm>(Shape{d}, eps, true, b));
  dropout1_ = register_module("dropout1", std::make_shared<Dropout>(p));
  dropout2_ = register_module("dropout2", std::make_shared<Dropout>(p));
  dropout3_ = register_module("dropout3", std::make_shared<Dropout>(p));
  if (activation.kind == "module") register_module("activation", activation.module);
}

Tensor TransformerDecoderLayer::forward(const Tensor&) {
  EMBER_THROW(TypeError, "[TransformerDecoderLayer] forward takes tgt and memory, got one input");
}

Tensor TransformerDecoderLayer::ff_block(const Tensor& x) {
  Tensor y = child_as<Linear>(linear1_)(x);
  y = apply_activation(*this, activation, y, "TransformerDecoderLayer");
  y = child_as<Linear>(linear2_)(drop(*this, dropout_, y));
  return drop(*this, dropout3_, y);
}

Tensor TransformerDecoderLayer::forward(const Tensor& tgt, const Tensor& memory,
                                        const Tensor& tgt_mask, const Tensor& memory_mask,
                                        const Tensor& tgt_kpm, const Tensor& memory_kpm,
                                        bool tgt_is_causal, bool memory_is_causal) {
  check_input(tgt, d_model, "TransformerDecoderLayer", "tgt");
  check_input(memory, d_model, "TransformerDecoderLayer", "memory");
  auto& sa_m = child_as<MultiheadAttention>(self_attn_);
  auto& ca_m = child_as<MultiheadAttention>(multihead_attn_);
  auto& n1 = child_as<LayerNorm>(norm1_);
  auto& n2 = child_as<LayerNorm>(norm2_);
  auto& n3 = child_as<LayerNorm>(norm3_);
  auto sa = [&](const Tensor& x) {
    Tensor y = sa_m(x, x, x, tgt_kpm, false, tgt_mask, true, tgt_is_causal).first;
    return drop(*this, dropout1_, y);
  };
  auto ca = [&](const Tensor& x) {
    Tensor y = ca_m(x, memory, memory, memory_kpm, false, memory_mask, true, memory_is_causal)
                   .first;
    return drop(*this, dropout2_, y);
  };
  Tensor x = tgt;
  if (norm_first) {
    x = add(x, sa(n1(x)));
    x = add(x, ca(n2(x)));
    x = add(x, ff_block(n3(x)));
  } else {
    x = n1(add(x, sa(x)));
    x = n2(add(x, ca(x)));
    x = n3(add(x, ff_block(x)));
  }
  return x;
}

std::shared_ptr<TransformerDecoderLayer> TransformerDecoderLayer::clone() const {
  auto m = std::make_shared<TransformerDecoderLayer>(d_model, nhead, dim_feedforward, dropout_p,
                                                     activation, layer_norm_eps, batch_first,
                                                     norm_first, bias);
  copy_state(*this, *m);
  return m;
}

// ---------------------------------------------------------------- stacks

TransformerEncoder::TransformerEncoder(const ModulePtr& layer, int64_t n, ModulePtr norm)
    : num_layers(n) {
  auto* proto = dynamic_cast<TransformerEncoderLayer*>(layer.get());
  EMBER_CHECK(proto != nullptr, TypeError,
              "[TransformerEncoder] expected encoder_layer to be a TransformerEncoderLayer, got ",
              layer ? layer->name() : std::string("None"));
  EMBER_CHECK(n >= 0, ValueError, "[TransformerEncoder] expected num_layers >= 0, got ", n);
  auto list = std::make_shared<ModuleList>();
  for (int64_t i = 0; i < n; ++i) list->push_back(proto->clone());
  layers_ = register_module("layers", list);
  norm_ = register_module("norm", std::move(norm));
}

Tensor TransformerEncoder::forward(const Tensor& src, const Tensor& mask, const Tensor& kpm,
                                   std::optional<bool> is_causal) {
  check_defined(src, "TransformerEncoder", "src");
  auto& list = child_as<ModuleList>(layers_);
  Tensor x = src;
  bool causal = false;
  for (size_t i = 0; i < list.size(); ++i) {
    auto* layer = dynamic_cast<TransformerEncoderLayer*>(list.at(static_cast<int64_t>(i)).get());
    EMBER_CHECK(layer != nullptr, TypeError, "[TransformerEncoder] expected layers.", i,
                " to be a TransformerEncoderLayer");
    if (i == 0) causal = detect_causal_mask(mask, is_causal, seq_len(src, layer->batch_first));
    x = (*layer)(x, mask, kpm, causal);
  }
  if (Module* norm = child(norm_)) x = (*norm)(x);
  return x;
}

TransformerDecoder::TransformerDecoder(const ModulePtr& layer, int64_t n, ModulePtr norm)
    : num_layers(n) {
  auto* proto = dynamic_cast<TransformerDecoderLayer*>(layer.get());
  EMBER_CHECK(proto != nullptr, TypeError,
              "[TransformerDecoder] expected decoder_layer to be a TransformerDecoderLayer, got ",
              layer ? layer->name() : std::string("None"));
  EMBER_CHECK(n >= 0, ValueError, "[TransformerDecoder] expected num_layers >= 0, got ", n);
  auto list = std::make_shared<ModuleList>();
  for (int64_t i = 0; i < n; ++i) list->push_back(proto->clone());
  layers_ = register_module("layers", list);
  norm_ = register_module("norm", std::move(norm));
}

Tensor TransformerDecoder::forward(const Tensor&) {
  EMBER_THROW(TypeError, "[TransformerDecoder] forward takes tgt and memory, got one input");
}

Tensor TransformerDecoder::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                   const Tensor& memory_mask, const Tensor& tgt_kpm,
                                   const Tensor& memory_kpm, std::optional<bool> tgt_is_causal,
                                   bool memory_is_causal) {
  check_defined(tgt, "TransformerDecoder", "tgt");
  auto& list = child_as<ModuleList>(layers_);
  Tensor x = tgt;
  bool causal = false;
  for (size_t i = 0; i < list.size(); ++i) {
    auto* layer = dynamic_cast<TransformerDecoderLayer*>(list.at(static_cast<int64_t>(i)).get());
    EMBER_CHECK(layer != nullptr, TypeError, "[TransformerDecoder] expected layers.", i,
                " to be a TransformerDecoderLayer");
    if (i == 0) causal = detect_causal_mask(tgt_mask, tgt_is_causal, seq_len(tgt, layer->batch_first));
    x = (*layer)(x, memory, tgt_mask, memory_mask, tgt_kpm, memory_kpm, causal,
                 memory_is_causal);
  }
  if (Module* norm = child(norm_)) x = (*norm)(x);
  return x;
}

// ---------------------------------------------------------------- Transformer

Transformer::Transformer(int64_t d, int64_t h, int64_t n_enc, int64_t n_dec, int64_t dff,
                         double p, Activation act, ModulePtr custom_encoder,
                         ModulePtr custom_decoder, double eps, bool bf, bool nf, bool b)
    : d_model(d), nhead(h), batch_first(bf) {
  if (custom_encoder) {
    EMBER_CHECK(dynamic_cast<TransformerEncoder*>(custom_encoder.get()) != nullptr, TypeError,
                "[Transformer] expected custom_encoder to be a TransformerEncoder, got ",
                custom_encoder->name());
    encoder_ = register_module("encoder", std::move(custom_encoder));
  } else {
    auto layer = std::make_shared<TransformerEncoderLayer>(d, h, dff, p, act, eps, bf, nf, b);
    auto norm = std::make_shared<LayerNorm>(Shape{d}, eps, true, b);
    encoder_ = register_module("encoder", std::make_shared<TransformerEncoder>(layer, n_enc, norm));
  }
  if (custom_decoder) {
    EMBER_CHECK(dynamic_cast<TransformerDecoder*>(custom_decoder.get()) != nullptr, TypeError,
                "[Transformer] expected custom_decoder to be a TransformerDecoder, got ",
                custom_decoder->name());
    decoder_ = register_module("decoder", std::move(custom_decoder));
  } else {
    auto layer = std::make_shared<TransformerDecoderLayer>(d, h, dff, p, act, eps, bf, nf, b);
    auto norm = std::make_shared<LayerNorm>(Shape{d}, eps, true, b);
    decoder_ = register_module("decoder", std::make_shared<TransformerDecoder>(layer, n_dec, norm));
  }
  // torch's _reset_parameters: xavier_uniform_ on every matrix, custom parts included.
  autograd::NoGradGuard guard;
  for (Tensor& w : parameters())
    if (w.dim() > 1) init::xavier_uniform_(w);
}

Tensor Transformer::forward(const Tensor&) {
  EMBER_THROW(TypeError, "[Transformer] forward takes src and tgt, got one input");
}

Tensor Transformer::forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask,
                            const Tensor& tgt_mask, const Tensor& memory_mask,
                            const Tensor& src_kpm, const Tensor& tgt_kpm,
                            const Tensor& memory_kpm, std::optional<bool> src_is_causal,
                            std::optional<bool> tgt_is_causal, bool memory_is_causal) {
  check_defined(src, "Transformer", "src");
  check_defined(tgt, "Transformer", "tgt");
  EMBER_CHECK(src.dim() == tgt.dim() && (src.dim() == 2 || src.dim() == 3), ValueError,
              "[Transformer] expected src and tgt both of 3 dims (batched) or 2 dims, got src ",
              shape_str(src.shape()), " and tgt ", shape_str(tgt.shape()));
  if (src.dim() == 3) {
    int64_t bd = batch_first ? 0 : 1;
    EMBER_CHECK(src.size(bd) == tgt.size(bd), ValueError,
                "[Transformer] expected src and tgt of the same batch size, got src ",
                shape_str(src.shape()), " and tgt ", shape_str(tgt.shape()));
  }
  EMBER_CHECK(src.size(-1) == d_model && tgt.size(-1) == d_model, ValueError,
              "[Transformer] expected src and tgt with d_model=", d_model, " features, got src ",
              shape_str(src.shape()), " and tgt ", shape_str(tgt.shape()));
  Tensor memory = child_as<TransformerEncoder>(encoder_)(src, src_mask, src_kpm, src_is_causal);
  return child_as<TransformerDecoder>(decoder_)(tgt, memory, tgt_mask, memory_mask, tgt_kpm,
                                                memory_kpm, tgt_is_causal, memory_is_causal);
}

// ---------------------------------------------------------------- calls between hooks

Tensor TransformerEncoderLayer::operator()(const Tensor& src, const Tensor& src_mask,
                                           const Tensor& kpm, bool is_causal) {
  return call({src}, [&](const std::vector<Tensor>& a) {
    return std::vector<Tensor>{forward(a[0], src_mask, kpm, is_causal)};
  })[0];
}

Tensor TransformerDecoderLayer::operator()(const Tensor& tgt, const Tensor& memory,
                                           const Tensor& tgt_mask, const Tensor& memory_mask,
                                           const Tensor& tgt_kpm, const Tensor& memory_kpm,
                                           bool tgt_is_causal, bool memory_is_causal) {
  return call({tgt, memory}, [&](const std::vector<Tensor>& a) {
    return std::vector<Tensor>{forward(a[0], a[1], tgt_mask, memory_mask, tgt_kpm, memory_kpm,
                                       tgt_is_causal, memory_is_causal)};
  })[0];
}

Tensor TransformerEncoder::operator()(const Tensor& src, const Tensor& mask, const Tensor& kpm,
                                      std::optional<bool> is_causal) {
  return call({src}, [&](const std::vector<Tensor>& a) {
    return std::vector<Tensor>{forward(a[0], mask, kpm, is_causal)};
  })[0];
}

Tensor TransformerDecoder::operator()(const Tensor& tgt, const Tensor& memory,
                                      const Tensor& tgt_mask, const Tensor& memory_mask,
                                      const Tensor& tgt_kpm, const Tensor& memory_kpm,
                                      std::optional<bool> tgt_is_causal, bool memory_is_causal) {
  return call({tgt, memory}, [&](const std::vector<Tensor>& a) {
    return std::vector<Tensor>{forward(a[0], a[1], tgt_mask, memory_mask, tgt_kpm, memory_kpm,
                                       tgt_is_causal, memory_is_causal)};
  })[0];
}

}  // namespace ember::nn

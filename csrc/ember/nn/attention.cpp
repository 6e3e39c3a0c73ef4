// MultiheadAttention; see attention.h. Heads are views: the projections run in the caller's
// layout ((L, N, E) or (N, L, E)) and are viewed as (N, H, L, head_dim) without copies; the
// only copy is the (.., H, head_dim) -> E merge before out_proj.
#include "ember/nn/attention.h"

#include <cmath>
#include <limits>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/init.h"
#include "ember/ops/attention.h"
#include "ember/ops/creation.h"
#include "ember/ops/dropout.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/softmax.h"
#include "ember/ops/view.h"

namespace ember::nn {

namespace {
constexpr const char* kLayer = "MultiheadAttention";
const double kNegInf = -std::numeric_limits<double>::infinity();

// Appends a zero column to a float mask (for bias_k / zero attention keys).
Tensor pad_last(const Tensor& m) {
  if (!m.defined()) return m;
  Shape s = m.shape();
  s.back() = 1;
  return cat({m, zeros(s, m.dtype())}, -1);
}

// A projection output (A, B, count * E) in the caller's layout -> count tensors
// (N, H, L, head_dim), views only.
std::vector<Tensor> split_heads(const Tensor& t, int64_t count, int64_t heads, bool batch_first) {
  int64_t a = t.size(0), b = t.size(1), hd = t.size(2) / (count * heads);
  Tensor v = view(t, {a, b, count, heads, hd});
  // -> (count, N, H, L, hd)
  v = batch_first ? permute(v, {2, 0, 3, 1, 4}) : permute(v, {2, 1, 3, 0, 4});
  std::vector<Tensor> out;
  for (int64_t i = 0; i < count; ++i) out.push_back(select(v, 0, i));
  return out;
}

}  // namespace

Tensor canonical_mask(const Tensor& mask, DType dtype, const char* layer, const char* arg) {
  if (!mask.defined()) return mask;
  if (mask.dtype() == DType::Bool) return masked_fill(zeros(mask.shape(), dtype), mask, Scalar(kNegInf));
  EMBER_CHECK(is_floating(mask.dtype()), TypeError, "[", layer, "] expected ", arg,
              " of dtype bool or float, got ", dtype_name(mask.dtype()));
  return to_dtype(mask, dtype);
}

Tensor square_subsequent_mask(int64_t sz, DType dtype) {
  EMBER_CHECK(sz >= 0, ValueError, "[generate_square_subsequent_mask] expected sz >= 0, got ", sz);
  Tensor i = view(arange(Scalar(int64_t{0}), Scalar(sz)), {sz, 1});
  Tensor j = view(arange(Scalar(int64_t{0}), Scalar(sz)), {1, sz});
  return masked_fill(zeros({sz, sz}, dtype), gt(j, i), Scalar(kNegInf));
}

MultiheadAttention::MultiheadAttention(int64_t embed_dim_, int64_t num_heads_, double dropout_,
                                       bool bias, bool add_bias_kv, bool add_zero_attn_,
                                       std::optional<int64_t> kdim_, std::optional<int64_t> vdim_,
                                       bool batch_first_)
    : embed_dim(embed_dim_), kdim(kdim_.value_or(embed_dim_)), vdim(vdim_.value_or(embed_dim_)),
      num_heads(num_heads_), head_dim(0), dropout(dropout_), batch_first(batch_first_),
      add_zero_attn(add_zero_attn_) {
  EMBER_CHECK(embed_dim > 0 && num_heads > 0, ValueError, "[", kLayer,
              "] expected embed_dim > 0 and num_heads > 0, got embed_dim=", embed_dim,
              ", num_heads=", num_heads);
  EMBER_CHECK(embed_dim % num_heads == 0, ValueError, "[", kLayer,
              "] expected embed_dim divisible by num_heads, got embed_dim=", embed_dim,
              ", num_heads=", num_heads);
  EMBER_CHECK(kdim > 0 && vdim > 0, ValueError, "[", kLayer, "] expected kdim > 0 and vdim > 0, got kdim=",
              kdim, ", vdim=", vdim);
  EMBER_CHECK(dropout >= 0.0 && dropout <= 1.0, ValueError, "[", kLayer,
              "] expected dropout in [0, 1], got ", dropout);
  head_dim = embed_dim / num_heads;
  qkv_same_embed_dim = kdim == embed_dim && vdim == embed_dim;
  const int64_t e = embed_dim;
  if (qkv_same_embed_dim) {
    in_proj_weight_ = register_parameter("in_proj_weight", empty({3 * e, e}));
    q_proj_weight_ = register_parameter("q_proj_weight", Tensor());
    k_proj_weight_ = register_parameter("k_proj_weight", Tensor());
    v_proj_weight_ = register_parameter("v_proj_weight", Tensor());
  } else {
    q_proj_weight_ = register_parameter("q_proj_weight", empty({e, e}));
    k_proj_weight_ = register_parameter("k_proj_weight", empty({e, kdim}));
    v_proj_weight_ = register_parameter("v_proj_weight", empty({e, vdim}));
    in_proj_weight_ = register_parameter("in_proj_weight", Tensor());
  }
  in_proj_bias_ = register_parameter("in_proj_bias", bias ? empty({3 * e}) : Tensor());
  out_proj_ = register_module("out_proj", std::make_shared<Linear>(e, e, bias));
  bias_k_ = register_parameter("bias_k", add_bias_kv ? empty({1, 1, e}) : Tensor());
  bias_v_ = register_parameter("bias_v", add_bias_kv ? empty({1, 1, e}) : Tensor());
  reset_parameters();
}

void MultiheadAttention::reset_parameters() {
  autograd::NoGradGuard guard;
  for (size_t slot : {in_proj_weight_, q_proj_weight_, k_proj_weight_, v_proj_weight_}) {
    Tensor w = param(slot);
    if (w.defined()) init::xavier_uniform_(w);
  }
  Tensor b = param(in_proj_bias_);
  if (b.defined()) {
    init::zeros_(b);
    Tensor ob = child_as<Linear>(out_proj_).bias();
    if (ob.defined()) init::zeros_(ob);
  }
  for (size_t slot : {bias_k_, bias_v_}) {
    Tensor t = param(slot);
    if (t.defined()) init::xavier_normal_(t);
  }
}

std::shared_ptr<MultiheadAttention> MultiheadAttention::clone() const {
  auto m = std::make_shared<MultiheadAttention>(embed_dim, num_heads, dropout,
                                                param(in_proj_bias_).defined(),
                                                param(bias_k_).defined(), add_zero_attn, kdim,
                                                vdim, batch_first);
  m->load_state_dict(state_dict(), /*strict=*/false);
  m->train(is_training());
  return m;
}

Tensor MultiheadAttention::forward(const Tensor&) {
  EMBER_THROW(TypeError, "[", kLayer, "] forward takes query, key and value, got one input");
}

AttnResult MultiheadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                       const Tensor& key_padding_mask, bool need_weights,
                                       const Tensor& attn_mask, bool average_attn_weights,
                                       bool is_causal) {
  auto [merged, weights] = attend(query, key, value, key_padding_mask, need_weights, attn_mask,
                                  average_attn_weights, is_causal);
  Tensor y = child_as<Linear>(out_proj_)(merged);
  if (query.dim() == 2) y = squeeze(y, std::vector<int64_t>{1});
  return {y, weights};
}

Tensor MultiheadAttention::forward_add(const Tensor& query, const Tensor& key,
                                       const Tensor& value, const Tensor& residual,
                                       const Tensor& key_padding_mask, const Tensor& attn_mask,
                                       bool is_causal) {
  check_defined(residual, kLayer, "residual");
  Tensor merged = attend(query, key, value, key_padding_mask, false, attn_mask, true,
                         is_causal).first;
  if (query.dim() == 2) merged = squeeze(merged, std::vector<int64_t>{1});
  auto& out = child_as<Linear>(out_proj_);
  if (!fusable_child(out) || !out.weight().defined()) return add(residual, out(merged));
  return linear_fused(merged, out.weight(), out.bias(), residual, false);
}

AttnResult MultiheadAttention::attend(const Tensor& query, const Tensor& key, const Tensor& value,
                                      const Tensor& key_padding_mask, bool need_weights,
                                      const Tensor& attn_mask, bool average_attn_weights,
                                      bool is_causal) {
  check_defined(query, kLayer, "query");
  check_defined(key, kLayer, "key");
  check_defined(value, kLayer, "value");
  const int64_t qd = query.dim();
  EMBER_CHECK(qd == 2 || qd == 3, ValueError, "[", kLayer,
              "] expected query of 3 dims (batched) or 2 dims (unbatched), got shape ",
              shape_str(query.shape()));
  EMBER_CHECK(key.dim() == qd && value.dim() == qd, ValueError, "[", kLayer,
              "] expected key and value of ", qd, " dims like query ", shape_str(query.shape()),
              ", got key ", shape_str(key.shape()), " and value ", shape_str(value.shape()));
  EMBER_CHECK(is_floating(query.dtype()), TypeError, "[", kLayer,
              "] expected a floating point query, got ", dtype_name(query.dtype()));
  EMBER_CHECK(key.dtype() == query.dtype() && value.dtype() == query.dtype(), TypeError, "[",
              kLayer, "] expected query, key and value of one dtype, got ",
              dtype_name(query.dtype()), ", ", dtype_name(key.dtype()), ", ",
              dtype_name(value.dtype()));
  EMBER_CHECK(query.size(-1) == embed_dim, ValueError, "[", kLayer,
              "] expected query with embed_dim=", embed_dim, " features, got shape ",
              shape_str(query.shape()));
  EMBER_CHECK(key.size(-1) == kdim, ValueError, "[", kLayer, "] expected key with kdim=", kdim,
              " features, got shape ", shape_str(key.shape()));
  EMBER_CHECK(value.size(-1) == vdim, ValueError, "[", kLayer, "] expected value with vdim=",
              vdim, " features, got shape ", shape_str(value.shape()));
  const bool batched = qd == 3;
  // Layout of the batched tensors: bf means (N, L, E); unbatched inputs become (L, 1, E).
  const bool bf = batched && batch_first;
  const int64_t seq_dim = bf ? 1 : 0, batch_dim = bf ? 0 : 1;
  Tensor q_in = batched ? query : unsqueeze(query, 1);
  Tensor k_in = batched ? key : unsqueeze(key, 1);
  Tensor v_in = batched ? value : unsqueeze(value, 1);
  const int64_t n = q_in.size(batch_dim), l = q_in.size(seq_dim), s0 = k_in.size(seq_dim);
  EMBER_CHECK(k_in.size(batch_dim) == n && v_in.size(batch_dim) == n, ValueError, "[", kLayer,
              "] expected key and value with batch size ", n, " like query, got key ",
              shape_str(key.shape()), " and value ", shape_str(value.shape()));
  EMBER_CHECK(v_in.size(seq_dim) == s0, ValueError, "[", kLayer,
              "] expected key and value of the same sequence length, got key ",
              shape_str(key.shape()), " and value ", shape_str(value.shape()));
  const int64_t h = num_heads, e = embed_dim;
  const DType dt = query.dtype();

  // ---- masks, canonicalised to float and viewed as (N|1, H|1, L, S0) / (N, 1, 1, S0)
  Tensor kpm = canonical_mask(key_padding_mask, dt, kLayer, "key_padding_mask");
  if (kpm.defined()) {
    Shape want = batched ? Shape{n, s0} : Shape{s0};
    EMBER_CHECK(kpm.shape() == want, ValueError, "[", kLayer, "] expected key_padding_mask of shape ",
                shape_str(want), ", got ", shape_str(kpm.shape()));
    kpm = view(kpm, {n, 1, 1, s0});
  }
  Tensor mask = canonical_mask(attn_mask, dt, kLayer, "attn_mask");
  if (mask.defined()) {
    if (mask.dim() == 2) {
      EMBER_CHECK(mask.shape() == Shape({l, s0}), ValueError, "[", kLayer,
                  "] expected a 2-D attn_mask of shape ", shape_str({l, s0}), " (L, S), got ",
                  shape_str(mask.shape()));
      mask = view(mask, {1, 1, l, s0});
    } else {
      EMBER_CHECK(mask.dim() == 3 && mask.shape() == Shape({n * h, l, s0}), ValueError, "[",
                  kLayer, "] expected attn_mask of shape ", shape_str({l, s0}), " (L, S) or ",
                  shape_str({n * h, l, s0}), " (N*num_heads, L, S), got ",
                  shape_str(mask.shape()));
      mask = view(mask, {n, h, l, s0});
    }
  }

  // ---- projections in the caller's layout, viewed as heads (N, H, *, hd)
  const Tensor& w_in = param(in_proj_weight_);
  const Tensor& b_in = param(in_proj_bias_);
  auto bias_part = [&](int64_t i, int64_t count) {
    return b_in.defined() ? narrow(b_in, 0, i * e, count * e) : Tensor();
  };
  Tensor q, k, v;
  if (qkv_same_embed_dim) {
    EMBER_CHECK(w_in.defined(), RuntimeError, "[", kLayer, "] in_proj_weight is None");
    if (query.is_same(key) && key.is_same(value)) {
      auto qkv = split_heads(linear(q_in, w_in, b_in), 3, h, bf);
      q = qkv[0], k = qkv[1], v = qkv[2];
    } else {
      q = split_heads(linear(q_in, narrow(w_in, 0, 0, e), bias_part(0, 1)), 1, h, bf)[0];
      if (key.is_same(value)) {
        auto kv = split_heads(linear(k_in, narrow(w_in, 0, e, 2 * e), bias_part(1, 2)), 2, h, bf);
        k = kv[0], v = kv[1];
      } else {
        k = split_heads(linear(k_in, narrow(w_in, 0, e, e), bias_part(1, 1)), 1, h, bf)[0];
        v = split_heads(linear(v_in, narrow(w_in, 0, 2 * e, e), bias_part(2, 1)), 1, h, bf)[0];
      }
    }
  } else {
    q = split_heads(linear(q_in, param(q_proj_weight_), bias_part(0, 1)), 1, h, bf)[0];
    k = split_heads(linear(k_in, param(k_proj_weight_), bias_part(1, 1)), 1, h, bf)[0];
    v = split_heads(linear(v_in, param(v_proj_weight_), bias_part(2, 1)), 1, h, bf)[0];
  }

  // ---- extra keys: bias_k / bias_v, then a zero key / value; masks get a zero column each
  const Tensor& bk = param(bias_k_);
  const Tensor& bv = param(bias_v_);
  const bool extra_keys = bk.defined() || add_zero_attn;
  // A causal mask over the real keys (top-left aligned like torch); built only when it
  // cannot be passed to SDPA as is_causal.
  auto causal_mask = [&] {
    int64_t m = std::max(l, s0);
    return view(slice(slice(square_subsequent_mask(m, dt), 0, 0, l), 1, 0, s0), {1, 1, l, s0});
  };
  if (extra_keys && is_causal && !mask.defined()) mask = causal_mask();
  if (bk.defined()) {
    EMBER_CHECK(bv.defined(), RuntimeError, "[", kLayer, "] bias_k is set but bias_v is None");
    k = cat({k, expand(view(bk, {1, h, 1, head_dim}), {n, h, 1, head_dim})}, 2);
    v = cat({v, expand(view(bv, {1, h, 1, head_dim}), {n, h, 1, head_dim})}, 2);
    mask = pad_last(mask);
    kpm = pad_last(kpm);
  }
  if (add_zero_attn) {
    k = cat({k, zeros({n, h, 1, head_dim}, dt)}, 2);
    v = cat({v, zeros({n, h, 1, head_dim}, dt)}, 2);
    mask = pad_last(mask);
    kpm = pad_last(kpm);
  }
  const double p = is_training() ? dropout : 0.0;
  // attn_mask + key_padding_mask (broadcast add, like torch's merge).
  auto merged_mask = [&] {
    if (is_causal && !mask.defined()) mask = causal_mask();
    if (mask.defined() && kpm.defined()) return add(mask, kpm);
    return mask.defined() ? mask : kpm;
  };

  Tensor out, weights;  // out (N, H, L, hd)
  if (!need_weights) {
    // Fused path. torch trusts is_causal when attn_mask is given (the mask is skipped) as
    // long as nothing else must be merged into it.
    bool causal = is_causal && !kpm.defined() && !extra_keys;
    Tensor m;
    if (!causal) m = merged_mask();
    out = scaled_dot_product_attention(q, k, v, m, p, causal);
  } else {
    Tensor m = merged_mask();
    Tensor scores = matmul(mul(q, Scalar(1.0 / std::sqrt(static_cast<double>(head_dim)))),
                           matrix_transpose(k));
    if (m.defined()) scores = add(scores, m);
    weights = softmax(scores, -1);
    if (p > 0.0) weights = ember::dropout(weights, p, true);
    out = matmul(weights, v);
    if (average_attn_weights) weights = mean(weights, {1});
    if (!batched) weights = squeeze(weights, std::vector<int64_t>{0});
  }
  // (N, H, L, hd) -> caller's layout (.., .., H, hd) -> one copy -> (.., .., E)
  Tensor merged = bf ? permute(out, {0, 2, 1, 3}) : permute(out, {2, 0, 1, 3});
  merged = view(contiguous(merged), {q_in.size(0), q_in.size(1), e});
  return {merged, weights};
}

AttnResult MultiheadAttention::operator()(const Tensor& query, const Tensor& key,
                                          const Tensor& value, const Tensor& key_padding_mask,
                                          bool need_weights, const Tensor& attn_mask,
                                          bool average_attn_weights, bool is_causal) {
  std::vector<Tensor> out = call({query, key, value}, [&](const std::vector<Tensor>& a) {
    AttnResult r = forward(a[0], a[1], a[2], key_padding_mask, need_weights, attn_mask,
                           average_attn_weights, is_causal);
    return std::vector<Tensor>{r.first, r.second};
  });
  return {out[0], out[1]};
}

}  // namespace ember::nn

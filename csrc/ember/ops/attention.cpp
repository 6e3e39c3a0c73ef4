// scaled_dot_product_attention: argument checks shared by the fused op and the reference,
// the fused flash-style path (kernels in cpu/attention.cpp, autograd node with a fused
// backward; double backward through the reference) and the materialised reference (ember
// ops, fully differentiable).
#include "ember/ops/attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "ember/autograd/function.h"
#include "ember/cpu/attention.h"
#include "ember/ops/creation.h"
#include "ember/ops/dropout.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/softmax.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

constexpr const char* kOp = "scaled_dot_product_attention";

// Everything the two paths need to know about the call, after the checks.
struct Geometry {
  Shape batch;      // output leading dims (everything but L and E), heads included
  int64_t L = 0, S = 0, E = 0, Ev = 0;
  int64_t group = 1;  // query heads per key/value head (GQA), 1 otherwise
  bool gqa = false;   // group > 1: key/value head dim (-3) maps h -> h / group
  double scale = 1.0;
};

int64_t heads_of(const Tensor& t) { return t.dim() >= 3 ? t.size(-3) : 1; }

Shape lead(const Tensor& t) { return Shape(t.shape().begin(), t.shape().end() - 2); }

Shape bcast(const Shape& a, const Shape& b, const char* what) {
  const size_t n = std::max(a.size(), b.size());
  Shape r(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t x = i + a.size() >= n ? a[i + a.size() - n] : 1;
    int64_t y = i + b.size() >= n ? b[i + b.size() - n] : 1;
    EMBER_CHECK(x == y || x == 1 || y == 1, ValueError, "[", kOp, "] ", what,
                " do not broadcast: ", shape_str(a), " and ", shape_str(b));
    r[i] = x == 1 ? y : x;
  }
  return r;
}

Geometry check_args(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                    double dropout_p, bool is_causal, std::optional<double> scale,
                    bool enable_gqa) {
  check_defined(q, kOp, "query");
  check_defined(k, kOp, "key");
  check_defined(v, kOp, "value");
  EMBER_CHECK(q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2, ValueError, "[", kOp,
              "] expected query, key and value of at least 2 dims (..., L, E), got shapes ",
              shape_str(q.shape()), ", ", shape_str(k.shape()), ", ", shape_str(v.shape()));
  EMBER_CHECK(is_floating(q.dtype()), TypeError, "[", kOp,
              "] expected a floating point query (float32 or float64), got ",
              dtype_name(q.dtype()));
  EMBER_CHECK(k.dtype() == q.dtype() && v.dtype() == q.dtype(), TypeError, "[", kOp,
              "] expected query, key and value of the same dtype, got ", dtype_name(q.dtype()),
              ", ", dtype_name(k.dtype()), ", ", dtype_name(v.dtype()));
  Geometry g;
  g.L = q.size(-2);
  g.E = q.size(-1);
  g.S = k.size(-2);
  g.Ev = v.size(-1);
  EMBER_CHECK(k.size(-1) == g.E, ValueError, "[", kOp,
              "] expected key of the same head dim as query (", g.E, "), got key of shape ",
              shape_str(k.shape()), " and query of shape ", shape_str(q.shape()));
  EMBER_CHECK(v.size(-2) == g.S, ValueError, "[", kOp,
              "] expected key and value of the same sequence length, got key of shape ",
              shape_str(k.shape()), " and value of shape ", shape_str(v.shape()));
  EMBER_CHECK(dropout_p >= 0.0 && dropout_p <= 1.0, ValueError, "[", kOp,
              "] expected dropout_p in [0, 1], got ", dropout_p);
  EMBER_CHECK(!(is_causal && mask.defined()), ValueError, "[", kOp,
              "] expected either attn_mask or is_causal=True, not both");
  const int64_t hq = heads_of(q), hk = heads_of(k), hv = heads_of(v);
  if (enable_gqa && q.dim() >= 3 && (hk != hq || hv != hq)) {
    EMBER_CHECK(hk == hv && hk >= 1 && hq % hk == 0, ValueError, "[", kOp,
                "] enable_gqa expects the query heads (", hq,
                ") to be a multiple of the key/value heads, got key heads ", hk,
                " and value heads ", hv);
    g.group = hq / hk;
    g.gqa = g.group > 1;
  }
  Shape kl = lead(k), vl = lead(v);
  if (g.gqa) kl[kl.size() - 1] = vl[vl.size() - 1] = hq;
  g.batch = bcast(bcast(lead(q), kl, "query and key batch dims"), vl,
                  "query/key and value batch dims");
  EMBER_CHECK(g.batch == lead(q), ValueError, "[", kOp, "] expected key and value batch dims "
              "that broadcast to the query's ", shape_str(lead(q)), ", got key ",
              shape_str(k.shape()), " and value ", shape_str(v.shape()));
  if (mask.defined()) {
    EMBER_CHECK(mask.dtype() == DType::Bool || mask.dtype() == q.dtype(), TypeError, "[", kOp,
                "] expected attn_mask of dtype bool or ", dtype_name(q.dtype()),
                " (the query's), got ", dtype_name(mask.dtype()));
    Shape full = g.batch;
    full.push_back(g.L);
    full.push_back(g.S);
    bool ok = mask.dim() <= static_cast<int64_t>(full.size());
    for (int64_t i = 0; ok && i < mask.dim(); ++i) {
      int64_t m = mask.size(-1 - i), f = full[full.size() - 1 - static_cast<size_t>(i)];
      ok = m == f || m == 1;
    }
    EMBER_CHECK(ok, ValueError, "[", kOp, "] expected attn_mask broadcastable to ",
                shape_str(full), ", got shape ", shape_str(mask.shape()));
  }
  g.scale = scale ? *scale : (g.E > 0 ? 1.0 / std::sqrt(static_cast<double>(g.E)) : 1.0);
  return g;
}

// (..., Hkv, S, E) -> (..., Hkv * group, S, E): head h of the result is kv head h / group.
Tensor repeat_heads(const Tensor& t, int64_t group) {
  Shape s = t.shape();
  Tensor u = unsqueeze(t, -3);
  Shape e = u.shape();
  e[e.size() - 3] = group;
  s[s.size() - 3] *= group;
  return reshape(expand(u, e), s);
}

Tensor reference_impl(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                      double dropout_p, bool is_causal, const Geometry& g) {
  Tensor kk = g.gqa ? repeat_heads(k, g.group) : k;
  Tensor vv = g.gqa ? repeat_heads(v, g.group) : v;
  Tensor scores = mul(matmul(q, matrix_transpose(kk)), Scalar(g.scale));
  const double ninf = -std::numeric_limits<double>::infinity();
  Tensor keep = mask;
  if (is_causal) {
    Tensor i = unsqueeze(arange(Scalar(int64_t{0}), Scalar(g.L)), 1);
    Tensor j = unsqueeze(arange(Scalar(int64_t{0}), Scalar(g.S)), 0);
    keep = ge(i, j);
  }
  if (keep.defined()) {
    if (keep.dtype() == DType::Bool)
      scores = masked_fill(scores, logical_not(keep), Scalar(ninf));
    else
      scores = add(scores, keep);
  }
  // Rows with every key hidden: softmax of zeros (finite) then zeroed, so no NaN anywhere
  // and their gradients are zero.
  Tensor hidden = eq(amax(scores.detach(), {-1}, true), Scalar(ninf));
  scores = masked_fill(scores, hidden, Scalar(0.0));
  Tensor attn = masked_fill(softmax(scores, -1), hidden, Scalar(0.0));
  if (dropout_p > 0.0) attn = dropout(attn, dropout_p, true);
  return matmul(attn, vv);
}

// Offset of batch element `idx` (a multi-index over g.batch) in t, whose leading dims align
// right with g.batch and broadcast (size 1 -> offset 0). gqa_dim: the dim whose index maps
// h -> h / group (key/value heads), or -1.
int64_t batch_offset(const Tensor& t, int64_t lead_dims, const Shape& idx, int64_t gqa_dim,
                     int64_t group) {
  int64_t off = 0;
  const int64_t nb = static_cast<int64_t>(idx.size());
  for (int64_t d = 0; d < lead_dims; ++d) {
    const int64_t bd = nb - lead_dims + d;
    if (bd < 0 || t.size(d) == 1) continue;
    int64_t i = idx[static_cast<size_t>(bd)];
    if (d == gqa_dim) i /= group;
    off += i * t.stride(d);
  }
  return off;
}

Tensor last_dim_contiguous(const Tensor& t) {
  return t.size(-1) <= 1 || t.stride(-1) == 1 ? t : contiguous(t);
}

template <class T>
std::vector<cpu::AttnArgs<T>> make_args(const Tensor& q, const Tensor& k, const Tensor& v,
                                        const Tensor& mask, bool is_causal, const Geometry& g) {
  const int64_t nb = numel_of(g.batch, kOp);
  std::vector<cpu::AttnArgs<T>> args(static_cast<size_t>(nb));
  Shape idx(g.batch.size(), 0);
  const int64_t nbd = static_cast<int64_t>(g.batch.size());
  const int64_t mdim = mask.defined() ? mask.dim() : 0;
  int64_t m_rs = 0, m_cs = 0;
  if (mdim >= 1 && mask.size(-1) != 1) m_cs = mask.stride(-1);
  if (mdim >= 2 && mask.size(-2) != 1) m_rs = mask.stride(-2);
  for (int64_t b = 0; b < nb; ++b) {
    cpu::AttnArgs<T>& a = args[static_cast<size_t>(b)];
    a.q = q.data<T>() + batch_offset(q, q.dim() - 2, idx, -1, 1);
    a.k = k.data<T>() + batch_offset(k, k.dim() - 2, idx, g.gqa ? k.dim() - 3 : -1, g.group);
    a.v = v.data<T>() + batch_offset(v, v.dim() - 2, idx, g.gqa ? v.dim() - 3 : -1, g.group);
    a.q_rs = q.stride(-2);
    a.k_rs = k.stride(-2);
    a.v_rs = v.stride(-2);
    if (mask.defined()) {
      const int64_t moff = batch_offset(mask, std::max<int64_t>(mdim - 2, 0), idx, -1, 1);
      if (mask.dtype() == DType::Bool)
        a.mask_b = static_cast<const unsigned char*>(mask.raw_data()) + moff;
      else
        a.mask_f = mask.data<T>() + moff;
      a.m_rs = m_rs;
      a.m_cs = m_cs;
    }
    a.L = g.L;
    a.S = g.S;
    a.E = g.E;
    a.Ev = g.Ev;
    a.causal = is_causal;
    a.scale = static_cast<T>(g.scale);
    for (int64_t d = nbd - 1; d >= 0; --d) {  // next multi-index
      if (++idx[static_cast<size_t>(d)] < g.batch[static_cast<size_t>(d)]) break;
      idx[static_cast<size_t>(d)] = 0;
    }
  }
  return args;
}

Shape with(Shape s, std::initializer_list<int64_t> tail) {
  s.insert(s.end(), tail);
  return s;
}

// dK / dV per query batch element -> the key's shape: sum GQA groups, then broadcast dims.
Tensor reduce_kv_grad(const Tensor& gexp, const Shape& like, const Geometry& g) {
  Tensor r = gexp;
  if (g.gqa) {
    Shape s = r.shape();
    const size_t h = s.size() - 3;
    s[h] /= g.group;
    s.insert(s.begin() + static_cast<int64_t>(h) + 1, g.group);
    r = sum(reshape(r, s), {static_cast<int64_t>(h) + 1});
  }
  return r.shape() == like ? r : autograd::sum_to(r, like);
}

Tensor fused(const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& mask_in,
             bool is_causal, const Geometry& g) {
  Tensor q = last_dim_contiguous(query.detach()), k = last_dim_contiguous(key.detach());
  Tensor v = last_dim_contiguous(value.detach());
  Tensor mask = mask_in.defined() ? mask_in.detach() : Tensor();
  const DType dt = q.dtype();
  Tensor out = Tensor::empty(with(g.batch, {g.L, g.Ev}), dt);
  Tensor lse = Tensor::empty(with(g.batch, {g.L}), dt);
  dispatch_float(dt, kOp, [&](auto tag) {
    using T = decltype(tag);
    auto args = make_args<T>(q, k, v, mask, is_causal, g);
    for (size_t b = 0; b < args.size(); ++b) {
      args[b].out = out.data<T>() + static_cast<int64_t>(b) * g.L * g.Ev;
      args[b].lse = lse.data<T>() + static_cast<int64_t>(b) * g.L;
    }
    cpu::attention_forward<T>(static_cast<int64_t>(args.size()), args.data());
  });
  if (autograd::any_requires_grad({query, key, value})) {
    autograd::record("ScaledDotProductAttentionBackward", {query, key, value}, {out},
        [sq = SavedTensor(q), sk = SavedTensor(k), sv = SavedTensor(v), sm = SavedTensor(mask),
         so = SavedTensor(out, true), sl = SavedTensor(lse), is_causal, g,
         kshape = key.shape(), vshape = value.shape(),
         inputs = std::vector<SavedTensor>{SavedTensor(query), SavedTensor(key),
                                           SavedTensor(value)}](const Grads& grads,
                                                                const autograd::Node& node) {
          if (autograd::GradMode::is_enabled()) {  // double backward: through the reference
            const Tensor& mask = sm.get();
            return autograd::composite_backward([&](const std::vector<Tensor>& in) {
              return Grads{reference_impl(in[0], in[1], in[2], mask, 0.0, is_causal, g)};
            }, {inputs[0].get(), inputs[1].get(), inputs[2].get()}, grads, node);
          }
          const Tensor &q = sq.get(), &k = sk.get(), &v = sv.get(), &o = so.get();
          const Tensor &lse = sl.get(), &mask = sm.get();
          Tensor dout = contiguous(grads[0]);
          const DType dt = q.dtype();
          Tensor dq = Tensor::empty(with(g.batch, {g.L, g.E}), dt);
          Tensor dk = Tensor::empty(with(g.batch, {g.S, g.E}), dt);
          Tensor dv = Tensor::empty(with(g.batch, {g.S, g.Ev}), dt);
          Tensor delta = Tensor::empty(with(g.batch, {g.L}), dt);
          dispatch_float(dt, kOp, [&](auto tag) {
            using T = decltype(tag);
            auto args = make_args<T>(q, k, v, mask, is_causal, g);
            for (size_t b = 0; b < args.size(); ++b) {
              const int64_t i = static_cast<int64_t>(b);
              args[b].out = o.data<T>() + i * g.L * g.Ev;
              args[b].lse = lse.data<T>() + i * g.L;
              args[b].dout = dout.data<T>() + i * g.L * g.Ev;
              args[b].delta = delta.data<T>() + i * g.L;
              args[b].dq = dq.data<T>() + i * g.L * g.E;
              args[b].dk = dk.data<T>() + i * g.S * g.E;
              args[b].dv = dv.data<T>() + i * g.S * g.Ev;
            }
            cpu::attention_backward<T>(static_cast<int64_t>(args.size()), args.data());
          });
          return Grads{dq, reduce_kv_grad(dk, kshape, g), reduce_kv_grad(dv, vshape, g)};
        });
  }
  return out;
}

}  // namespace

Tensor scaled_dot_product_attention_reference(const Tensor& query, const Tensor& key,
                                              const Tensor& value, const Tensor& attn_mask,
                                              double dropout_p, bool is_causal,
                                              std::optional<double> scale, bool enable_gqa) {
  Geometry g = check_args(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa);
  return reference_impl(query, key, value, attn_mask, dropout_p, is_causal, g);
}

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale, bool enable_gqa) {
  Geometry g = check_args(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa);
  if (dropout_p > 0.0) return reference_impl(query, key, value, attn_mask, dropout_p, is_causal, g);
  // A float mask that needs a gradient would need the L x S score gradient: reference path.
  if (attn_mask.defined() && attn_mask.requires_grad() && autograd::GradMode::is_enabled())
    return reference_impl(query, key, value, attn_mask, dropout_p, is_causal, g);
  return fused(query, key, value, attn_mask, is_causal, g);
}

}  // namespace ember

// embedding_bag: checks, the bag layout (flat indices and B + 1 bag starts), a fused forward
// (bags split across threads, each bag reduced in index order) and backward (weight columns
// split across threads, rows accumulated in index order), so results are identical for any
// thread count. Under create_graph the backward differentiates a composite (embedding,
// index_add, gather) instead, so higher derivatives work. include_last_offset: the last
// offset ends the last bag (torch documents it as len(input); when it is smaller, torch's modes
// disagree on the last bag, ember ends it there in every mode); it does not apply to a 2-D
// input, as in torch.
#include <algorithm>
#include <limits>
#include <vector>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/embedding.h"
#include "ember/ops/index.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember {

using Grads = std::vector<Tensor>;

namespace {

enum class BagMode { Sum, Mean, Max };

// Bags of a flattened index list: bag b holds entries [start[b], start[b + 1]).
struct Bags {
  Tensor idx;                  // (n,) int64 contiguous
  std::vector<int64_t> start;  // B + 1
  int64_t B() const { return static_cast<int64_t>(start.size()) - 1; }
};

BagMode parse_mode(const std::string& mode) {
  if (mode == "sum") return BagMode::Sum;
  if (mode == "mean") return BagMode::Mean;
  EMBER_CHECK(mode == "max", ValueError, "[embedding_bag] mode has to be one of 'sum', 'mean' "
              "or 'max', got '", mode, "'");
  return BagMode::Max;
}

Bags make_bags(const Tensor& input, const Tensor& offsets, bool include_last_offset) {
  Bags bags;
  bags.idx = contiguous(reshape(input, {input.numel()}));
  const int64_t n = input.numel();
  if (input.dim() == 2) {
    EMBER_CHECK(!offsets.defined(), ValueError, "[embedding_bag] if input is 2-D, offsets has to "
                "be None (each row is a bag), got offsets of shape ", shape_str(offsets.shape()));
    // Each row is a bag (include_last_offset does not apply, as in torch).
    const int64_t B = input.size(0), L = input.size(1);
    for (int64_t b = 0; b <= B; ++b) bags.start.push_back(b * L);
    return bags;
  }
  EMBER_CHECK(offsets.defined(), ValueError, "[embedding_bag] offsets has to be a 1-D tensor "
              "when input is 1-D, got None");
  EMBER_CHECK(offsets.dtype() == DType::Int64 && offsets.dim() == 1, TypeError,
              "[embedding_bag] expected 1-D int64 offsets, got ", dtype_name(offsets.dtype()),
              " of shape ", shape_str(offsets.shape()));
  Tensor off = contiguous(offsets);
  const int64_t* o = off.data<int64_t>();
  const int64_t m = off.numel();
  EMBER_CHECK(m >= (include_last_offset ? 1 : 0), ValueError,
              "[embedding_bag] include_last_offset=True needs at least one offset");
  if (m > 0)
    EMBER_CHECK(o[0] == 0, ValueError, "[embedding_bag] offsets[0] has to be 0 (the first bag "
                "starts at position 0 of input), got ", o[0]);
  for (int64_t i = 0; i < m; ++i) {
    EMBER_CHECK(o[i] >= 0 && o[i] <= n && (i == 0 || o[i] >= o[i - 1]), ValueError,
                "[embedding_bag] expected non-decreasing offsets within [0, ", n,
                "], got offsets[", i, "] = ", o[i]);
    bags.start.push_back(o[i]);
  }
  if (!include_last_offset) bags.start.push_back(n);
  return bags;
}

// The scale of each entry in its bag (sum: per_sample_weights or 1; mean: 1 / bag size
// without padding; 0 at padding entries), for the composite and the fused backward.
Tensor entry_scales(const Bags& bags, BagMode mode, int64_t pad, DType dtype) {
  const int64_t n = bags.idx.numel();
  Tensor s = Tensor::empty({n}, dtype);
  const int64_t* ip = bags.idx.data<int64_t>();
  dispatch_float(dtype, "embedding_bag", [&](auto tag) {
    using T = decltype(tag);
    T* sp = s.data<T>();
    for (int64_t b = 0; b < bags.B(); ++b) {
      int64_t count = 0;
      for (int64_t i = bags.start[b]; i < bags.start[b + 1]; ++i) count += ip[i] != pad;
      const T v = mode == BagMode::Mean ? T(1) / static_cast<T>(std::max<int64_t>(count, 1)) : T(1);
      for (int64_t i = bags.start[b]; i < bags.start[b + 1]; ++i) sp[i] = ip[i] == pad ? T(0) : v;
    }
  });
  return s;
}

// The bag of each entry (n,) int64.
Tensor bag_ids(const Bags& bags) {
  Tensor ids = Tensor::empty({bags.idx.numel()}, DType::Int64);
  int64_t* p = ids.data<int64_t>();
  for (int64_t b = 0; b < bags.B(); ++b)
    for (int64_t i = bags.start[b]; i < bags.start[b + 1]; ++i) p[i] = b;
  return ids;
}

// out (B, E) of sum / mean (scales folded in) or max (argmax into max_idx).
template <class T>
void bag_forward(const Bags& bags, BagMode mode, int64_t pad, const T* w, int64_t E,
                 const T* scale, T* out, int64_t* max_idx) {
  const int64_t* ip = bags.idx.data<int64_t>();
  parallel_for(bags.B(), std::max<int64_t>(1, 4096 / std::max<int64_t>(E, 1)), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      T* o = out + b * E;
      std::fill(o, o + E, T(0));
      if (mode == BagMode::Max) {
        int64_t* mi = max_idx + b * E;
        std::fill(mi, mi + E, int64_t{-1});
        for (int64_t i = bags.start[b]; i < bags.start[b + 1]; ++i) {
          if (ip[i] == pad) continue;
          const T* row = w + ip[i] * E;
          for (int64_t j = 0; j < E; ++j)
            if (mi[j] < 0 || row[j] > o[j]) {
              o[j] = row[j];
              mi[j] = ip[i];
            }
        }
        continue;
      }
      for (int64_t i = bags.start[b]; i < bags.start[b + 1]; ++i) {
        if (ip[i] == pad) continue;
        const T* row = w + ip[i] * E;
        const T s = scale[i];
        for (int64_t j = 0; j < E; ++j) o[j] += s * row[j];
      }
    }
  });
}

// dweight (V, E) from g (B, E): columns split across threads, entries in index order.
template <class T>
void bag_backward_weight(const Bags& bags, BagMode mode, int64_t pad, const T* g, int64_t E,
                         const T* scale, const int64_t* max_idx, T* dw) {
  const int64_t* ip = bags.idx.data<int64_t>();
  parallel_for(E, 16, [&](int64_t j0, int64_t j1) {
    for (int64_t b = 0; b < bags.B(); ++b) {
      const T* gb = g + b * E;
      if (mode == BagMode::Max) {
        const int64_t* mi = max_idx + b * E;
        for (int64_t j = j0; j < j1; ++j)
          if (mi[j] >= 0) dw[mi[j] * E + j] += gb[j];
        continue;
      }
      for (int64_t i = bags.start[b]; i < bags.start[b + 1]; ++i) {
        if (ip[i] == pad) continue;
        T* d = dw + ip[i] * E;
        const T s = scale[i];
        for (int64_t j = j0; j < j1; ++j) d[j] += s * gb[j];
      }
    }
  });
}

// The same maths from differentiable ops (double backward): sum / mean as an index_add of
// scaled rows, max as a gather of the maxima.
Tensor bag_composite(const Bags& bags, BagMode mode, const Tensor& weight, const Tensor& scales,
                     const Tensor& max_idx) {
  const int64_t E = weight.size(1);
  if (mode == BagMode::Max) {
    Tensor safe = clamp_min(max_idx, Scalar(int64_t{0}));
    Tensor keep = to_dtype(ge(max_idx, Scalar(int64_t{0})), weight.dtype());
    return mul(gather(weight, 0, safe), keep);
  }
  Tensor rows = mul(embedding(bags.idx, weight), unsqueeze(scales, 1));
  return index_add(zeros({bags.B(), E}, weight.dtype()), 0, bag_ids(bags), rows);
}

}  // namespace

Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets,
                     const std::string& mode_name, const Tensor& per_sample_weights,
                     bool include_last_offset, std::optional<int64_t> padding_idx,
                     Tensor* max_index) {
  check_defined(input, "embedding_bag", "input");
  check_defined(weight, "embedding_bag", "weight");
  const BagMode mode = parse_mode(mode_name);
  EMBER_CHECK(input.dtype() == DType::Int64, TypeError, "[embedding_bag] expected input of dtype "
              "int64, got ", dtype_name(input.dtype()));
  EMBER_CHECK(input.dim() == 1 || input.dim() == 2, ValueError, "[embedding_bag] expected input "
              "of 1 dim (with offsets) or 2 dims (B, N), got shape ", shape_str(input.shape()));
  EMBER_CHECK(weight.dim() == 2 && is_floating(weight.dtype()), ValueError,
              "[embedding_bag] expected a 2-D float weight (num_embeddings, embedding_dim), got ",
              dtype_name(weight.dtype()), " of shape ", shape_str(weight.shape()));
  const int64_t V = weight.size(0), E = weight.size(1);
  int64_t pad = -1;
  if (padding_idx) {
    EMBER_CHECK(*padding_idx >= -V && *padding_idx < V, ValueError, "[embedding_bag] padding_idx ",
                *padding_idx, " must be within num_embeddings ", V);
    pad = *padding_idx < 0 ? *padding_idx + V : *padding_idx;
  }
  const bool has_psw = per_sample_weights.defined();
  if (has_psw) {
    EMBER_CHECK(mode == BagMode::Sum, ValueError, "[embedding_bag] per_sample_weights is only "
                "supported for mode='sum', got mode='", mode_name, "'");
    EMBER_CHECK(per_sample_weights.shape() == input.shape() &&
                per_sample_weights.dtype() == weight.dtype(), ValueError,
                "[embedding_bag] expected per_sample_weights of the input's shape ",
                shape_str(input.shape()), " and the weight's dtype ", dtype_name(weight.dtype()),
                ", got ", dtype_name(per_sample_weights.dtype()), " of shape ",
                shape_str(per_sample_weights.shape()));
  }
  Bags bags = make_bags(input, offsets, include_last_offset);
  const int64_t* ip = bags.idx.data<int64_t>();
  for (int64_t i = 0; i < bags.idx.numel(); ++i)
    EMBER_CHECK(ip[i] >= 0 && ip[i] < V, IndexError, "[embedding_bag] index ", ip[i],
                " is out of range for ", V, " embeddings");
  Tensor scales = entry_scales(bags, mode, pad, weight.dtype());
  if (has_psw) {
    autograd::NoGradGuard guard;
    scales = mul(scales, reshape(per_sample_weights, {input.numel()}));
  }
  Tensor out = Tensor::empty({bags.B(), E}, weight.dtype());
  Tensor max_idx = mode == BagMode::Max ? Tensor::empty({bags.B(), E}, DType::Int64) : Tensor();
  {
    Tensor w = contiguous(weight.detach()), sc = contiguous(scales.detach());
    dispatch_float(weight.dtype(), "embedding_bag", [&](auto tag) {
      using T = decltype(tag);
      bag_forward<T>(bags, mode, pad, w.data<T>(), E, sc.data<T>(), out.data<T>(),
                     max_idx.defined() ? max_idx.data<int64_t>() : nullptr);
    });
  }
  if (max_index) *max_index = max_idx;
  std::vector<Tensor> inputs{weight};
  if (has_psw) inputs.push_back(per_sample_weights);
  if (!autograd::any_requires_grad(inputs)) return out;
  Tensor base = entry_scales(bags, mode, pad, weight.dtype());  // psw factored out
  const Shape psw_shape = input.shape();
  autograd::record("EmbeddingBagBackward", inputs, {out},
      [bags, mode, pad, V, E, base, scales, max_idx, psw_shape, saved_w = autograd::SavedTensor(weight),
       saved_psw = has_psw ? autograd::SavedTensor(per_sample_weights) : autograd::SavedTensor()](
          const Grads& g, const autograd::Node& node) {
        const bool with_psw = node.next_edges().size() > 1;
        const Tensor& w = saved_w.get();
        if (autograd::GradMode::is_enabled()) {
          std::vector<Tensor> originals{w};
          if (with_psw) originals.push_back(saved_psw.get());
          return autograd::composite_backward([&](const std::vector<Tensor>& in) {
            Tensor s = in.size() > 1 ? mul(base, reshape(in[1], {bags.idx.numel()})) : scales;
            return Grads{bag_composite(bags, mode, in[0], s, max_idx)};
          }, originals, g, node);
        }
        Grads r(node.next_edges().size());
        Tensor go = contiguous(g[0].detach());
        if (node.needs_input_grad(0)) {
          Tensor dw = zeros({V, E}, go.dtype());
          Tensor sc = contiguous(scales.detach());
          dispatch_float(go.dtype(), "embedding_bag", [&](auto tag) {
            using T = decltype(tag);
            bag_backward_weight<T>(bags, mode, pad, go.data<T>(), E, sc.data<T>(),
                                   max_idx.defined() ? max_idx.data<int64_t>() : nullptr,
                                   dw.data<T>());
          });
          r[0] = dw;
        }
        if (with_psw && node.needs_input_grad(1)) {
          // d out[bag(i)] / d psw[i] = weight[idx[i]] (0 at padding entries).
          Tensor rows = embedding(bags.idx, w.detach());
          Tensor per_entry = sum(mul(rows, embedding(bag_ids(bags), go)), {1});
          r[1] = reshape(mul(per_entry, base), psw_shape);
        }
        return r;
      });
  return out;
}

}  // namespace ember

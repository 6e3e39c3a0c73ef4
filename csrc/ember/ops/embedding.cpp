// Embedding forward (row gather) and backward (row scatter-add, columns split across
// threads so each row's sum runs in index order for any thread count; under create_graph
// the backward records its own backward, a gather, so higher derivatives work).
#include "ember/ops/embedding.h"

#include <cmath>
#include <vector>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/view.h"

namespace ember {

using Grads = std::vector<Tensor>;

Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type) {
  check_defined(indices, "embedding", "indices");
  check_defined(weight, "embedding", "weight");
  EMBER_CHECK(indices.dtype() == DType::Int64, TypeError, "[embedding] expected indices of dtype "
              "int64, got ", dtype_name(indices.dtype()));
  EMBER_CHECK(weight.dim() == 2, ValueError, "[embedding] expected a 2-D weight (num_embeddings, "
              "embedding_dim), got shape ", shape_str(weight.shape()));
  EMBER_CHECK(is_floating(weight.dtype()), TypeError, "[embedding] expected a floating point "
              "weight, got ", dtype_name(weight.dtype()));
  const int64_t v = weight.shape()[0], e = weight.shape()[1];
  int64_t pad = -1;
  if (padding_idx) {
    EMBER_CHECK(*padding_idx >= -v && *padding_idx < v, ValueError, "[embedding] padding_idx ",
                *padding_idx, " must be within num_embeddings ", v);
    pad = *padding_idx < 0 ? *padding_idx + v : *padding_idx;
  }
  Tensor idx = contiguous(indices);
  const int64_t n = idx.numel();
  const int64_t* ip = idx.data<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    EMBER_CHECK(ip[i] >= 0 && ip[i] < v, IndexError, "[embedding] index ", ip[i],
                " is out of range for ", v, " embeddings");
  if (max_norm) {
    EMBER_CHECK(weight.is_contiguous(), ValueError, "[embedding] max_norm needs a contiguous weight");
    autograd::NoGradGuard guard;
    dispatch_float(weight.dtype(), "embedding", [&](auto tag) {
      using T = decltype(tag);
      T* w = weight.data<T>();
      for (int64_t i = 0; i < n; ++i) {  // sequential: rows may repeat
        T* row = w + ip[i] * e;
        double norm = 0.0;
        for (int64_t j = 0; j < e; ++j) norm += std::pow(std::fabs(static_cast<double>(row[j])), norm_type);
        norm = std::pow(norm, 1.0 / norm_type);
        if (norm > *max_norm) {
          const T scale = static_cast<T>(*max_norm / (norm + 1e-7));
          for (int64_t j = 0; j < e; ++j) row[j] *= scale;
        }
      }
    });
    weight.bump_version();
  }
  Shape out_shape = indices.shape();
  out_shape.push_back(e);
  Tensor out = Tensor::empty(out_shape, weight.dtype());
  Tensor w = contiguous(weight.detach());
  dispatch_float(weight.dtype(), "embedding", [&](auto tag) {
    using T = decltype(tag);
    const T* wp = w.data<T>();
    T* op = out.data<T>();
    parallel_for(n, std::max<int64_t>(1, 16384 / std::max<int64_t>(e, 1)), [&](int64_t b, int64_t end) {
      for (int64_t i = b; i < end; ++i)
        for (int64_t j = 0; j < e; ++j) op[i * e + j] = wp[ip[i] * e + j];
    });
  });
  if (autograd::any_requires_grad({weight}))
    autograd::record("EmbeddingBackward", {indices, weight}, {out},
        [idx, v, e, pad](const Grads& g, const autograd::Node&) {
          Tensor go = contiguous(g[0].detach());
          Tensor dw = zeros({v, e}, go.dtype());
          const int64_t n = idx.numel();
          const int64_t* ip = idx.data<int64_t>();
          dispatch_float(go.dtype(), "embedding", [&](auto tag) {
            using T = decltype(tag);
            const T* gp = go.data<T>();
            T* d = dw.data<T>();
            parallel_for(e, 16, [&](int64_t j0, int64_t j1) {
              for (int64_t i = 0; i < n; ++i) {
                if (ip[i] == pad) continue;
                for (int64_t j = j0; j < j1; ++j) d[ip[i] * e + j] += gp[i * e + j];
              }
            });
          });
          // dw is linear in g: under create_graph its own backward gathers the rows again
          // (zero at padding positions).
          if (autograd::any_requires_grad({g[0]}))
            autograd::record("EmbeddingBackwardBackward", {g[0]}, {dw},
                [idx, pad](const Grads& gg, const autograd::Node&) {
                  Tensor rows = embedding(idx, gg[0]);
                  if (pad < 0) return Grads{rows};
                  Shape ks = idx.shape();
                  ks.push_back(1);
                  Tensor keep = reshape(ne(idx, Scalar(pad)), ks);
                  return Grads{mul(rows, keep)};
                });
          return Grads{Tensor(), dw};
        });
  return out;
}

}  // namespace ember

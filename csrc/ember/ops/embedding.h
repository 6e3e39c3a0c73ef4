// Embedding lookup: out[..., :] = weight[indices[...], :] with PyTorch's padding_idx (its
// row gets no gradient) and max_norm (referenced rows renormalised in place first). And
// embedding_bag (ops/embedding_bag.cpp): reductions of the looked-up rows per bag.
#pragma once
#include <optional>
#include <string>

#include "ember/core/tensor.h"

namespace ember {

Tensor embedding(const Tensor& indices, const Tensor& weight,
                 std::optional<int64_t> padding_idx = std::nullopt,
                 std::optional<double> max_norm = std::nullopt, double norm_type = 2.0);

// F.embedding_bag: for each bag (a row of a 2-D input, or a run input[offsets[b]:offsets[b+1]]
// of a 1-D input), the "sum", "mean" or "max" of the weight rows it picks -> (B, E). Entries
// equal to padding_idx are left out of their bag; an empty bag gives zeros.
// per_sample_weights (shape of input, mode "sum" only) scale each row; include_last_offset:
// offsets holds B + 1 entries, the last one the end of the last bag. Gradients to weight and
// per_sample_weights; double backward through a composite of embedding / index_add / gather.
// max_index (mode "max"): when given, receives the (B, E) int64 index of each maximum (-1 in
// empty bags).
Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets = Tensor(),
                     const std::string& mode = "mean",
                     const Tensor& per_sample_weights = Tensor(),
                     bool include_last_offset = false,
                     std::optional<int64_t> padding_idx = std::nullopt,
                     Tensor* max_index = nullptr);

}  // namespace ember

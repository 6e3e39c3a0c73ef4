// Classification losses with fused kernels: cross_entropy (log-softmax fused, class indices
// or class probabilities, weight, ignore_index, label_smoothing) and nll_loss. Layout as in
// PyTorch: input (N, C) or (C,) or (N, C, d1, ...); targets (N, d1, ...) int64, or
// probabilities shaped like the input. Backward is first-order only.
#pragma once
#include <string>

#include "ember/core/tensor.h"

namespace ember {

enum class Reduction { None, Mean, Sum };
// Parses "none" | "mean" | "sum"; raises ValueError naming op otherwise.
Reduction parse_reduction(const std::string& s, const char* op);

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                     int64_t ignore_index = -100, Reduction reduction = Reduction::Mean,
                     double label_smoothing = 0.0);

// input holds log-probabilities.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                int64_t ignore_index = -100, Reduction reduction = Reduction::Mean);

}  // namespace ember

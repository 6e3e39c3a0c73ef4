// Losses with PyTorch semantics. Classification (loss.cpp, fused kernels; under create_graph
// the backward differentiates the loss written in ember ops): cross_entropy (log-softmax fused, class indices or class probabilities,
// weight, ignore_index, label_smoothing) and nll_loss; layout as in PyTorch: input (N, C) or
// (C,) or (N, C, d1, ...); targets (N, d1, ...) int64, or probabilities shaped like the input.
// Regression / binary / divergence losses (loss_regression.cpp): target must have exactly the
// input's shape and dtype (ValueError / TypeError; PyTorch broadcasts mse & co with a warning,
// ember refuses); gradients flow to input and target, and double backward works.
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


// ---- loss_regression.cpp ----
// Fused forward (one pass, chunked, thread-count independent) and fused backward for
// 'mean'/'sum' (ember ops instead under create_graph, so double backward works). 'none' is the composition (input - target)^2.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// Compositions of ember ops (abs, where, ...).
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// beta >= 0 (beta == 0 is l1_loss, as in PyTorch).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      Reduction reduction = Reduction::Mean, double beta = 1.0);
// delta > 0.
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                  double delta = 1.0);
// input holds probabilities in [0, 1] (ValueError otherwise, like PyTorch's RuntimeError);
// logs are clamped at -100 so input exactly 0 or 1 gives finite loss and gradient.
// weight (optional) broadcasts to the input's shape. Elementwise node with explicit
// gradients (PyTorch's formulas), then ember ops for weight and reduction.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                            Reduction reduction = Reduction::Mean);
// Stable form -(p t log_sigmoid(x) + (1 - t) log_sigmoid(-x)), log_sigmoid(x) = min(x, 0) -
// log1p(exp(-|x|)); pos_weight (p)
// and weight broadcast to the input's shape. Explicit elementwise gradients.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight = {}, const Tensor& pos_weight = {},
                                        Reduction reduction = Reduction::Mean);
// input holds log-probabilities; target probabilities (log-probabilities if log_target).
// reduction: 'none' | 'mean' (over all elements) | 'batchmean' (sum / input.size(0)) | 'sum'.
// Composition of ember ops; target == 0 contributes 0 (xlogy).
Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
              bool log_target = false);

}  // namespace ember

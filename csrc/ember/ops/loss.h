// Losses with PyTorch semantics. Classification (loss.cpp, fused kernels; under create_graph
// the backward differentiates the loss written in ember ops): cross_entropy (log-softmax fused, class indices or class probabilities,
// weight, ignore_index, label_smoothing) and nll_loss; layout as in PyTorch: input (N, C) or
// (C,) or (N, C, d1, ...); targets (N, d1, ...) int64, or probabilities shaped like the input.
// Regression / binary / divergence losses (loss_regression.cpp): target must have exactly the
// input's shape and dtype (ValueError / TypeError; PyTorch broadcasts mse & co with a warning,
// ember refuses); gradients flow to input and target, and double backward works.
#pragma once
#include <string>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

enum class Reduction { None, Mean, Sum };
// Parses "none" | "mean" | "sum"; raises ValueError naming op otherwise.
Reduction parse_reduction(const std::string& s, const char* op);
// mean / sum of all elements, or the loss itself for Reduction::None.
Tensor apply_reduction(const Tensor& loss, Reduction r);
// softplus(-x) = -log_sigmoid(x) = max(-x, 0) + log1p(exp(-|x|)), stable for any x.
Tensor softplus_neg(const Tensor& x);
// Checks (loss_regression.cpp): target of the input's shape and floating dtype; an optional
// factor (weight) of the input's dtype broadcasting to the input's shape.
void check_loss_pair(const Tensor& input, const Tensor& target, const char* op);
void check_loss_factor(const Tensor& w, const Tensor& input, const char* op, const char* arg);

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

namespace ember {

// ---- loss_margin.cpp ----
// Margin, embedding and likelihood losses as compositions of ember ops (so gradients and
// double backward come from the parts; thread-count independent). Inputs are floating;
// targets of the +1/-1 losses may be floating (the input's dtype) or int64. Shapes must
// match exactly where PyTorch would broadcast with a warning (ember does not broadcast).
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           double margin = 0.0, Reduction reduction = Reduction::Mean);
Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, double margin = 1.0,
                            Reduction reduction = Reduction::Mean);
// input1, input2 (N, D) or (D,); target (N,) or () of +1/-1.
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             double margin = 0.0, Reduction reduction = Reduction::Mean);
Tensor soft_margin_loss(const Tensor& input, const Tensor& target,
                        Reduction reduction = Reduction::Mean);
// input, target (N, C) or (C,); weight broadcasts to (C,); mean over C, then reduction.
Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target,
                                   const Tensor& weight = {}, Reduction reduction = Reduction::Mean);
// input (N, C) or (C,), target int64 (N,) or (); p 1 or 2; weight (C,) optional.
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, int64_t p = 1,
                         double margin = 1.0, const Tensor& weight = {},
                         Reduction reduction = Reduction::Mean);
// input (N, C) or (C,); target int64 of the input's shape: class indices, ended by the first
// -1. Memory O(N C^2) (a pair term per target slot and class).
Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target,
                              Reduction reduction = Reduction::Mean);
// anchor, positive, negative (N, D) or (D,); distances by pairwise_distance.
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           double margin = 1.0, double p = 2.0, double eps = 1e-6,
                           bool swap = false, Reduction reduction = Reduction::Mean);
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, bool log_input = true,
                        bool full = false, double eps = 1e-8,
                        Reduction reduction = Reduction::Mean);
// var: the input's shape, or the input's shape without the last dim, or with last dim 1.
// var is clamped at eps for the value only (the gradient is var's, as in PyTorch).
Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         bool full = false, double eps = 1e-6,
                         Reduction reduction = Reduction::Mean);

// ---- ctc_loss.cpp ----
// Connectionist temporal classification. log_probs (T, N, C) (or (T, C) unbatched) holds
// log-probabilities; targets (N, S) padded or 1-D concatenated (sum of target_lengths),
// int64 classes in [0, C) other than blank. Forward-backward in log space per sample
// (samples in parallel: deterministic). The gradient is PyTorch's: exp(lp) - (posterior of
// each class), i.e. exact when log_probs come out of log_softmax; no double backward.
// reduction 'mean' divides each loss by its target length (at least 1), then averages.
Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets,
                const std::vector<int64_t>& input_lengths,
                const std::vector<int64_t>& target_lengths, int64_t blank = 0,
                Reduction reduction = Reduction::Mean, bool zero_infinity = false);
// Lengths as int64 tensors of shape (N,) (or () unbatched).
Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, int64_t blank = 0,
                Reduction reduction = Reduction::Mean, bool zero_infinity = false);

}  // namespace ember

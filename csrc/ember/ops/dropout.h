// Dropout family: elements (dropout) or whole channels (dropout1d / 2d / 3d) are zeroed with
// probability p and the rest scaled by 1/(1-p) in training; alpha_dropout /
// feature_alpha_dropout keep SELU's mean and variance; rrelu draws random negative slopes.
// Identity (rrelu: the mean slope) outside training. Masks come from the Philox generator
// (core/random.h): the same seed gives the same mask for any thread count.
#pragma once
#include "ember/core/tensor.h"

namespace ember {

Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);
// Input (N, C, H, W) or (C, H, W): one draw per channel.
Tensor dropout2d(const Tensor& input, double p = 0.5, bool training = true);

// Input (N, C, L) or (C, L) / (N, C, D, H, W) or (C, D, H, W): one draw per channel.
Tensor dropout1d(const Tensor& input, double p = 0.5, bool training = true);
Tensor dropout3d(const Tensor& input, double p = 0.5, bool training = true);
// PyTorch's alpha dropout: dropped entries take SELU's negative saturation -lambda * alpha, then
// an affine map restores mean 0 / variance 1 inputs' statistics. feature_: one draw per (N, C)
// of an (N, C, *) input.
Tensor alpha_dropout(const Tensor& input, double p = 0.5, bool training = false);
Tensor feature_alpha_dropout(const Tensor& input, double p = 0.5, bool training = false);
// Randomized leaky ReLU: negative entries times a slope drawn from U(lower, upper) per element
// in training, times (lower + upper) / 2 otherwise.
Tensor rrelu(const Tensor& input, double lower = 1.0 / 8, double upper = 1.0 / 3,
             bool training = false);

// A tensor of `shape` holding 0 (probability p) or 1/(1-p), in dtype.
Tensor dropout_mask(const Shape& shape, double p, DType dtype);

}  // namespace ember

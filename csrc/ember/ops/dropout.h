// Dropout family: elements (dropout) or whole channels (dropout2d) are zeroed with
// probability p and the rest scaled by 1/(1-p) in training; identity otherwise. Masks come
// from the Philox generator (core/random.h): the same seed gives the same mask for any
// thread count.
#pragma once
#include "ember/core/tensor.h"

namespace ember {

Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);
// Input (N, C, H, W) or (C, H, W): one draw per channel.
Tensor dropout2d(const Tensor& input, double p = 0.5, bool training = true);

// A tensor of `shape` holding 0 (probability p) or 1/(1-p), in dtype.
Tensor dropout_mask(const Shape& shape, double p, DType dtype);

}  // namespace ember

// Internal to the recurrent ops (rnn.cpp, rnn_fused.cpp): the shared argument checks of
// rnn.h's entry points, which return the problem sizes. Not part of the public API.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "ember/ops/rnn.h"

namespace ember::rnn_detail {

// Sizes of one layer-direction: L steps, N batch, I input, H hidden, P output (proj), G gates.
struct Dims {
  int64_t L = 0, N = 0, I = 0, H = 0, P = 0, G = 0;
};

int64_t num_gates(RNNMode mode);
// Weights against each other and the input size I (dtype: the input's); returns {H, P}.
std::pair<int64_t, int64_t> check_weights(RNNMode mode, const RNNWeights& w, int64_t I,
                                          DType dtype, const char* op);
// Every argument of rnn_layer; raises ValueError / TypeError naming op.
Dims check_layer(RNNMode mode, const Tensor& x, const Tensor& h0, const Tensor& c0,
                 const RNNWeights& w, const std::vector<int64_t>& lengths, const char* op);

}  // namespace ember::rnn_detail

// Recurrent ops with PyTorch semantics (float32 / float64): one layer in one direction over
// a whole, possibly variable-length, sequence (the building block of nn::RNN / LSTM / GRU),
// and the single-step cells. Shape letters: L steps, N batch, I input features, H hidden,
// P = H_out (proj_size of an LSTM, else H), G gates (1 RNN, 4 LSTM i,f,g,o, 3 GRU r,z,n).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

enum class RNNMode { tanh, relu, lstm, gru };

// One layer-direction's parameters in PyTorch's layouts: w_ih (G*H, I), w_hh (G*H, P),
// b_ih / b_hh (G*H) or undefined (bias=False), w_hr (P, H) for an LSTM with proj_size, else
// undefined.
struct RNNWeights {
  Tensor w_ih, w_hh, b_ih, b_hh, w_hr;
};

// x (L, N, I) time-major, L >= 1; h0 (N, P) or undefined (zeros); c0 (N, H) or undefined
// (zeros) for LSTM, undefined otherwise. lengths: empty
// when every sequence has L steps, else N lengths, non-increasing, each in [1, L] (packed
// sequences, sorted). reverse: each sequence runs from its last valid step back to step 0.
// Returns {y (L, N, P) with zeros at steps t >= length, h_n (N, P), c_n (N, H) or undefined};
// h_n / c_n hold each sequence's state after its last valid step. Differentiable in x, h0,
// c0 and every weight. Fused (cpu/rnn.h): per step the input projection and the recurrent
// product into the gates, then one gate kernel; batches of 16+ rows split their rows between
// threads for the whole sequence; backward (BPTT) fused the same way. A float32 batch of one
// (no proj_size) is the latency path (cpu/rnn_row.h): weights read as given, no packing.
// Double backward (create_graph=True) differentiates rnn_layer_reference.
std::vector<Tensor> rnn_layer(RNNMode mode, const Tensor& x, const Tensor& h0, const Tensor& c0,
                              const RNNWeights& w, const std::vector<int64_t>& lengths = {},
                              bool reverse = false);
// Both directions of a bidirectional layer over the same x: returns {y_f, h_n_f, c_n_f, y_b,
// h_n_b, c_n_b}, bitwise equal to rnn_layer(..., h0_f, c0_f, w_f, lengths, false) and
// rnn_layer(..., h0_b, c0_b, w_b, lengths, true), but computed at once (with 2 or more
// threads each direction runs on its own thread, forward and backward) and recorded as one
// autograd node. Same arguments and limits as rnn_layer, per direction.
std::vector<Tensor> rnn_layer_bidirectional(RNNMode mode, const Tensor& x, const Tensor& h0_f,
                                            const Tensor& c0_f, const RNNWeights& w_f,
                                            const Tensor& h0_b, const Tensor& c0_b,
                                            const RNNWeights& w_b,
                                            const std::vector<int64_t>& lengths = {});
// The plain reference: the same computation written step by step with ember ops (autograd
// through them). Tests compare rnn_layer against it.
std::vector<Tensor> rnn_layer_reference(RNNMode mode, const Tensor& x, const Tensor& h0,
                                        const Tensor& c0, const RNNWeights& w,
                                        const std::vector<int64_t>& lengths = {},
                                        bool reverse = false);

// Single steps, PyTorch's cell functions: x (N, I) or unbatched (I), h (N, H) or (H).
Tensor rnn_tanh_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
Tensor rnn_relu_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
// Returns (h', c').
std::pair<Tensor, Tensor> lstm_cell(const Tensor& x, const Tensor& h, const Tensor& c,
                                    const Tensor& w_ih, const Tensor& w_hh,
                                    const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
Tensor gru_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());

}  // namespace ember

// Recurrent layers with PyTorch's semantics, parameter names, layouts and initialisation:
// RNN (tanh | relu), LSTM (with proj_size), GRU, and the cells RNNCell, LSTMCell, GRUCell.
// Each layer-direction runs ember::rnn_layer (ops/rnn.h); this file stacks layers, joins
// directions, applies dropout between layers and handles batch_first, unbatched and packed
// input. Only float32 / float64 on the CPU.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "ember/nn/module.h"
#include "ember/nn/rnn_utils.h"
#include "ember/ops/rnn.h"

namespace ember::nn {

// output, h_n and (LSTM only, else undefined) c_n.
struct RNNResult {
  Tensor output, h_n, c_n;
};
struct PackedRNNResult {
  PackedSequence output;
  Tensor h_n, c_n;
};

class RNNBase : public Module {
 public:
  EMBER_MODULE_COPY(RNNBase)
  RNNBase(RNNMode mode, int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias,
          bool batch_first, double dropout, bool bidirectional, int64_t proj_size);
  std::string extra_repr() const override;
  // The Sequential-style forward: the output only (initial states zero).
  Tensor forward(const Tensor& input) override;
  // input (L, N, H_in), (N, L, H_in) with batch_first, or unbatched (L, H_in); h0 / c0
  // undefined (zeros) or (num_layers * D, N, H_out) / (num_layers * D, N, H), without N
  // for unbatched input. c0 only for LSTM.
  RNNResult forward(const Tensor& input, const Tensor& h0, const Tensor& c0 = Tensor());
  // Packed input: initial states and h_n / c_n in the original batch order.
  PackedRNNResult forward(const PackedSequence& input, const Tensor& h0,
                          const Tensor& c0 = Tensor());
  void reset_parameters();
  void flatten_parameters() {}  // ember keeps no flat weight buffer
  // Parameters of layer `layer`, direction `dir` (0 forward, 1 reverse).
  RNNWeights weights(int64_t layer, int64_t dir) const;

  RNNMode mode;
  int64_t input_size, hidden_size, num_layers;
  bool bias, batch_first;
  double dropout;
  bool bidirectional;
  int64_t proj_size;

 protected:
  // The shared stacking loop over time-major x (L, N, I) with full states (num_layers * D,
  // N, *); lengths empty or sorted (packed).
  RNNResult run(const Tensor& x, const Tensor& h0, const Tensor& c0,
                const std::vector<int64_t>& lengths);
  // Checks a given initial state against its expected shape and dtype; an undefined state
  // stays undefined (rnn_layer then starts from zeros).
  Tensor check_state(const Tensor& s, const Shape& expected, const char* arg,
                     const Tensor& like) const;
  int64_t directions() const { return bidirectional ? 2 : 1; }
  int64_t out_size() const { return proj_size > 0 ? proj_size : hidden_size; }

 private:
  // Slots per layer-direction: w_ih, w_hh, b_ih, b_hh, w_hr (SIZE_MAX when absent).
  std::vector<std::vector<size_t>> slots_;
};

class RNN : public RNNBase {
 public:
  EMBER_MODULE_COPY(RNN)
  // nonlinearity "tanh" | "relu".
  RNN(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1,
      const std::string& nonlinearity = "tanh", bool bias = true, bool batch_first = false,
      double dropout = 0.0, bool bidirectional = false);
  std::string name() const override { return "RNN"; }
  std::string nonlinearity;  // not shown by extra_repr, like PyTorch
};

class LSTM : public RNNBase {
 public:
  EMBER_MODULE_COPY(LSTM)
  LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool bias = true,
       bool batch_first = false, double dropout = 0.0, bool bidirectional = false,
       int64_t proj_size = 0);
  std::string name() const override { return "LSTM"; }
};

class GRU : public RNNBase {
 public:
  EMBER_MODULE_COPY(GRU)
  GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool bias = true,
      bool batch_first = false, double dropout = 0.0, bool bidirectional = false);
  std::string name() const override { return "GRU"; }
};

// Cells: one step. input (N, input_size) or unbatched (input_size); hx undefined (zeros)
// or (N, hidden_size) / (hidden_size).
class RNNCellBase : public Module {
 public:
  EMBER_MODULE_COPY(RNNCellBase)
  RNNCellBase(int64_t input_size, int64_t hidden_size, bool bias, int64_t gates);
  std::string extra_repr() const override;
  void reset_parameters();
  int64_t input_size, hidden_size;
  bool bias;

 protected:
  // Checks input and a state against the cell's sizes; returns the state or zeros.
  Tensor check(const Tensor& input, const Tensor& h, const char* arg) const;
  size_t w_ih_, w_hh_, b_ih_, b_hh_;
};

class RNNCell : public RNNCellBase {
 public:
  EMBER_MODULE_COPY(RNNCell)
  RNNCell(int64_t input_size, int64_t hidden_size, bool bias = true,
          const std::string& nonlinearity = "tanh");
  std::string name() const override { return "RNNCell"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override { return forward(input, Tensor()); }
  Tensor forward(const Tensor& input, const Tensor& hx);
  std::string nonlinearity;
};

class LSTMCell : public RNNCellBase {
 public:
  EMBER_MODULE_COPY(LSTMCell)
  LSTMCell(int64_t input_size, int64_t hidden_size, bool bias = true);
  std::string name() const override { return "LSTMCell"; }
  // The Sequential-style forward returns h' only.
  Tensor forward(const Tensor& input) override { return forward(input, Tensor(), Tensor()).first; }
  std::pair<Tensor, Tensor> forward(const Tensor& input, const Tensor& h, const Tensor& c);
};

class GRUCell : public RNNCellBase {
 public:
  EMBER_MODULE_COPY(GRUCell)
  GRUCell(int64_t input_size, int64_t hidden_size, bool bias = true);
  std::string name() const override { return "GRUCell"; }
  Tensor forward(const Tensor& input) override { return forward(input, Tensor()); }
  Tensor forward(const Tensor& input, const Tensor& hx);
};

}  // namespace ember::nn

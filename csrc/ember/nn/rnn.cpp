// RNN / LSTM / GRU layers and their cells (see rnn.h). The maths lives in ops/rnn.h; this
// file checks shapes (errors name the layer and the shapes), builds initial states, stacks
// layers and directions, and converts batch_first / unbatched / packed input.
#include "ember/nn/rnn.h"

#include <climits>
#include <cmath>
#include <cstdint>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/init.h"
#include "ember/ops/creation.h"
#include "ember/ops/dropout.h"
#include "ember/ops/index.h"
#include "ember/ops/view.h"

namespace ember::nn {

namespace {

constexpr size_t kNone = SIZE_MAX;

const char* mode_name(RNNMode m) {
  switch (m) {
    case RNNMode::lstm: return "LSTM";
    case RNNMode::gru: return "GRU";
    default: return "RNN";
  }
}

int64_t gate_count(RNNMode m) {
  switch (m) {
    case RNNMode::lstm: return 4;
    case RNNMode::gru: return 3;
    default: return 1;
  }
}


void check_float(const Tensor& t, const std::string& layer, const char* arg) {
  EMBER_CHECK(t.dtype() == DType::Float32 || t.dtype() == DType::Float64, TypeError, "[", layer,
              "] expected ", arg, " of dtype float32 or float64, got ", dtype_name(t.dtype()));
}

// The input must have the parameters' dtype (no implicit promotion, like PyTorch).
void check_param_dtype(const Tensor& input, const Tensor& weight, const std::string& layer) {
  EMBER_CHECK(!weight.defined() || input.dtype() == weight.dtype(), TypeError, "[", layer,
              "] expected input of dtype ", dtype_name(weight.dtype()), " (the parameters'), got ",
              dtype_name(input.dtype()));
}

RNNMode rnn_mode(const std::string& nonlinearity) {
  EMBER_CHECK(nonlinearity == "tanh" || nonlinearity == "relu", ValueError,
              "[RNN] expected nonlinearity 'tanh' or 'relu', got '", nonlinearity, "'");
  return nonlinearity == "tanh" ? RNNMode::tanh : RNNMode::relu;
}

}  // namespace

// ------------------------------------------------------------------------------ layers

RNNBase::RNNBase(RNNMode mode_, int64_t input_size_, int64_t hidden_size_, int64_t num_layers_,
                 bool bias_, bool batch_first_, double dropout_, bool bidirectional_,
                 int64_t proj_size_)
    : mode(mode_), input_size(input_size_), hidden_size(hidden_size_), num_layers(num_layers_),
      bias(bias_), batch_first(batch_first_), dropout(dropout_), bidirectional(bidirectional_),
      proj_size(proj_size_) {
  const char* nm = mode_name(mode);
  EMBER_CHECK(input_size >= 0, ValueError, "[", nm, "] expected input_size >= 0, got ", input_size);
  EMBER_CHECK(hidden_size > 0, ValueError, "[", nm, "] expected hidden_size > 0, got ", hidden_size);
  EMBER_CHECK(num_layers > 0, ValueError, "[", nm, "] expected num_layers > 0, got ", num_layers);
  EMBER_CHECK(dropout >= 0.0 && dropout <= 1.0, ValueError, "[", nm,
              "] expected dropout in [0, 1], got ", dropout);
  EMBER_CHECK(proj_size >= 0, ValueError, "[", nm, "] expected proj_size >= 0, got ", proj_size);
  EMBER_CHECK(proj_size == 0 || mode == RNNMode::lstm, ValueError, "[", nm,
              "] proj_size is only supported by LSTM, got proj_size=", proj_size);
  EMBER_CHECK(proj_size < hidden_size, ValueError, "[", nm, "] expected proj_size < hidden_size (",
              hidden_size, "), got ", proj_size);
  int64_t G = gate_count(mode), H = hidden_size, P = out_size(), D = directions();
  for (int64_t l = 0; l < num_layers; ++l) {
    int64_t in = l == 0 ? input_size : P * D;
    for (int64_t d = 0; d < D; ++d) {
      std::string sfx = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      std::vector<size_t> s(5, kNone);
      s[0] = register_parameter("weight_ih" + sfx, empty({G * H, in}));
      s[1] = register_parameter("weight_hh" + sfx, empty({G * H, P}));
      if (bias) {
        s[2] = register_parameter("bias_ih" + sfx, empty({G * H}));
        s[3] = register_parameter("bias_hh" + sfx, empty({G * H}));
      }
      if (proj_size > 0) s[4] = register_parameter("weight_hr" + sfx, empty({P, H}));
      slots_.push_back(s);
    }
  }
  reset_parameters();
}

void RNNBase::reset_parameters() {
  autograd::NoGradGuard guard;
  double stdv = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  for (const auto& s : slots_)
    for (size_t slot : s)
      if (slot != kNone) {
        Tensor p = param(slot);
        if (p.defined()) init::uniform_(p, -stdv, stdv);
      }
}

RNNWeights RNNBase::weights(int64_t layer, int64_t dir) const {
  const auto& s = slots_.at(static_cast<size_t>(layer * directions() + dir));
  auto get = [&](size_t slot) { return slot == kNone ? Tensor() : param(slot); };
  RNNWeights w{get(s[0]), get(s[1]), get(s[2]), get(s[3]), get(s[4])};
  const char* names[] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"};
  for (int i = 0; i < 5; ++i)
    EMBER_CHECK(s[i] == kNone || get(s[i]).defined(), RuntimeError, "[", name(), "] parameter ",
                names[i], "_l", layer, dir ? "_reverse" : "", " is None");
  return w;
}

std::string RNNBase::extra_repr() const {
  std::string s = detail::cat(input_size, ", ", hidden_size);
  if (proj_size != 0) s += detail::cat(", proj_size=", proj_size);
  if (num_layers != 1) s += detail::cat(", num_layers=", num_layers);
  if (!bias) s += ", bias=False";
  if (batch_first) s += ", batch_first=True";
  if (dropout != 0) s += ", dropout=" + float_repr(dropout);
  if (bidirectional) s += ", bidirectional=True";
  return s;
}

Tensor RNNBase::check_state(const Tensor& s, const Shape& expected, const char* arg,
                            const Tensor& like) const {
  if (!s.defined()) return s;  // rnn_layer starts from zeros (no zero tensor, no gradient)
  EMBER_CHECK(s.shape() == expected, ValueError, "[", name(), "] expected ", arg, " of shape ",
              shape_str(expected), ", got ", shape_str(s.shape()));
  EMBER_CHECK(s.dtype() == like.dtype(), TypeError, "[", name(), "] expected ", arg, " of dtype ",
              dtype_name(like.dtype()), " (the input's), got ", dtype_name(s.dtype()));
  return s;
}

RNNResult RNNBase::run(const Tensor& x, const Tensor& h0, const Tensor& c0,
                       const std::vector<int64_t>& lengths) {
  bool lstm = mode == RNNMode::lstm;
  int64_t D = directions();
  Tensor layer_in = x;
  std::vector<Tensor> hn, cn;
  for (int64_t l = 0; l < num_layers; ++l) {
    std::vector<Tensor> outs;
    Tensor h[2], c[2];
    for (int64_t d = 0; d < D; ++d) {
      int64_t idx = l * D + d;
      if (h0.defined()) h[d] = select(h0, 0, idx);
      if (lstm && c0.defined()) c[d] = select(c0, 0, idx);
    }
    // Both directions at once (one fused op, the two running on their own threads).
    std::vector<Tensor> r =
        D == 2 ? rnn_layer_bidirectional(mode, layer_in, h[0], c[0], weights(l, 0), h[1], c[1],
                                         weights(l, 1), lengths)
               : rnn_layer(mode, layer_in, h[0], c[0], weights(l, 0), lengths, false);
    for (int64_t d = 0; d < D; ++d) {
      outs.push_back(r[3 * d]);
      hn.push_back(r[3 * d + 1]);
      if (lstm) cn.push_back(r[3 * d + 2]);
    }
    layer_in = D == 2 ? cat(outs, 2) : outs[0];
    // Dropout between layers only (not after the last), in training.
    if (dropout > 0 && is_training() && l + 1 < num_layers)
      layer_in = ember::dropout(layer_in, dropout, true);
  }
  return {layer_in, stack(hn, 0), lstm ? stack(cn, 0) : Tensor()};
}

Tensor RNNBase::forward(const Tensor& input) { return forward(input, Tensor(), Tensor()).output; }

RNNResult RNNBase::forward(const Tensor& input, const Tensor& h0, const Tensor& c0) {
  std::string nm = name();
  check_defined(input, nm.c_str());
  check_float(input, nm, "input");
  check_param_dtype(input, weights(0, 0).w_ih, nm);
  bool lstm = mode == RNNMode::lstm;
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, ValueError, "[", nm,
              "] expected input of 3 dims ", batch_first ? "(N, L, H_in)" : "(L, N, H_in)",
              " or 2 dims (L, H_in) (unbatched), got shape ", shape_str(input.shape()));
  EMBER_CHECK(input.size(-1) == input_size, ValueError, "[", nm, "] expected input of size ",
              input_size, " in the last dim, got ", shape_str(input.shape()));
  EMBER_CHECK(lstm || !c0.defined(), ValueError, "[", nm, "] takes no c_0 (LSTM only)");
  bool unbatched = input.dim() == 2;
  Tensor x = unbatched ? unsqueeze(input, 1) : (batch_first ? transpose(input, 0, 1) : input);
  EMBER_CHECK(x.size(0) >= 1, ValueError, "[", nm, "] expected a sequence of at least 1 step, got "
              "input of shape ", shape_str(input.shape()));
  int64_t N = x.size(1), LD = num_layers * directions();
  Shape hs = unbatched ? Shape{LD, out_size()} : Shape{LD, N, out_size()};
  Shape cs = unbatched ? Shape{LD, hidden_size} : Shape{LD, N, hidden_size};
  Tensor h = check_state(h0, hs, "h_0", input);
  Tensor c = lstm ? check_state(c0, cs, "c_0", input) : Tensor();
  if (unbatched) {
    if (h.defined()) h = unsqueeze(h, 1);
    if (c.defined()) c = unsqueeze(c, 1);
  }
  RNNResult r = run(x, h, c, {});
  if (unbatched) {
    r.output = squeeze(r.output, std::vector<int64_t>{1});
    r.h_n = squeeze(r.h_n, std::vector<int64_t>{1});
    if (lstm) r.c_n = squeeze(r.c_n, std::vector<int64_t>{1});
  } else if (batch_first) {
    r.output = transpose(r.output, 0, 1);
  }
  return r;
}

PackedRNNResult RNNBase::forward(const PackedSequence& input, const Tensor& h0, const Tensor& c0) {
  std::string nm = name();
  std::vector<int64_t> bs = checked_batch_sizes(input, nm.c_str());
  const Tensor& data = input.data;
  check_float(data, nm, "input");
  check_param_dtype(data, weights(0, 0).w_ih, nm);
  bool lstm = mode == RNNMode::lstm;
  EMBER_CHECK(data.dim() == 2 && data.size(1) == input_size, ValueError, "[", nm,
              "] expected packed data of shape (sum of lengths, ", input_size, "), got ",
              shape_str(data.shape()));
  EMBER_CHECK(lstm || !c0.defined(), ValueError, "[", nm, "] takes no c_0 (LSTM only)");
  int64_t N = bs[0], LD = num_layers * directions();
  Tensor h = check_state(h0, {LD, N, out_size()}, "h_0", data);
  Tensor c = lstm ? check_state(c0, {LD, N, hidden_size}, "c_0", data) : Tensor();
  // Given states are in the original batch order; the packed batch runs sorted.
  if (input.sorted_indices.defined()) {
    if (h.defined()) h = index_select(h, 1, input.sorted_indices);
    if (c.defined()) c = index_select(c, 1, input.sorted_indices);
  }
  Tensor x = packed_to_padded_sorted(data, bs);
  RNNResult r = run(x, h, c, packed_lengths(input.batch_sizes, nm.c_str()));
  PackedRNNResult out;
  out.output = {padded_sorted_to_packed(r.output, bs), input.batch_sizes, input.sorted_indices,
                input.unsorted_indices};
  out.h_n = r.h_n;
  out.c_n = r.c_n;
  if (input.unsorted_indices.defined()) {
    out.h_n = index_select(out.h_n, 1, input.unsorted_indices);
    if (lstm) out.c_n = index_select(out.c_n, 1, input.unsorted_indices);
  }
  return out;
}

RNN::RNN(int64_t input_size, int64_t hidden_size, int64_t num_layers,
         const std::string& nonlinearity_, bool bias, bool batch_first, double dropout,
         bool bidirectional)
    : RNNBase(rnn_mode(nonlinearity_), input_size, hidden_size, num_layers, bias, batch_first,
              dropout, bidirectional, 0),
      nonlinearity(nonlinearity_) {}

LSTM::LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias,
           bool batch_first, double dropout, bool bidirectional, int64_t proj_size)
    : RNNBase(RNNMode::lstm, input_size, hidden_size, num_layers, bias, batch_first, dropout,
              bidirectional, proj_size) {}

GRU::GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias,
         bool batch_first, double dropout, bool bidirectional)
    : RNNBase(RNNMode::gru, input_size, hidden_size, num_layers, bias, batch_first, dropout,
              bidirectional, 0) {}

// ------------------------------------------------------------------------------- cells

RNNCellBase::RNNCellBase(int64_t input_size_, int64_t hidden_size_, bool bias_, int64_t gates)
    : input_size(input_size_), hidden_size(hidden_size_), bias(bias_) {
  EMBER_CHECK(input_size >= 0, ValueError, "[RNNCell] expected input_size >= 0, got ", input_size);
  EMBER_CHECK(hidden_size > 0, ValueError, "[RNNCell] expected hidden_size > 0, got ", hidden_size);
  w_ih_ = register_parameter("weight_ih", empty({gates * hidden_size, input_size}));
  w_hh_ = register_parameter("weight_hh", empty({gates * hidden_size, hidden_size}));
  b_ih_ = register_parameter("bias_ih", bias ? empty({gates * hidden_size}) : Tensor());
  b_hh_ = register_parameter("bias_hh", bias ? empty({gates * hidden_size}) : Tensor());
  reset_parameters();
}

void RNNCellBase::reset_parameters() {
  autograd::NoGradGuard guard;
  double stdv = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  for (size_t slot : {w_ih_, w_hh_, b_ih_, b_hh_}) {
    Tensor p = param(slot);
    if (p.defined()) init::uniform_(p, -stdv, stdv);
  }
}

std::string RNNCellBase::extra_repr() const {
  std::string s = detail::cat(input_size, ", ", hidden_size);
  if (!bias) s += ", bias=False";
  return s;
}

Tensor RNNCellBase::check(const Tensor& input, const Tensor& h, const char* arg) const {
  std::string nm = name();
  check_defined(input, nm.c_str());
  check_float(input, nm, "input");
  check_param_dtype(input, param(w_ih_), nm);
  EMBER_CHECK(input.dim() == 1 || input.dim() == 2, ValueError, "[", nm,
              "] expected input of 2 dims (N, input_size) or 1 dim (input_size) (unbatched), "
              "got shape ", shape_str(input.shape()));
  EMBER_CHECK(input.size(-1) == input_size, ValueError, "[", nm, "] expected input of size ",
              input_size, " in the last dim, got ", shape_str(input.shape()));
  Shape expected = input.dim() == 2 ? Shape{input.size(0), hidden_size} : Shape{hidden_size};
  if (!h.defined()) return zeros(expected, input.dtype());
  EMBER_CHECK(h.shape() == expected, ValueError, "[", nm, "] expected ", arg, " of shape ",
              shape_str(expected), " for input of shape ", shape_str(input.shape()), ", got ",
              shape_str(h.shape()));
  EMBER_CHECK(h.dtype() == input.dtype(), TypeError, "[", nm, "] expected ", arg, " of dtype ",
              dtype_name(input.dtype()), " (the input's), got ", dtype_name(h.dtype()));
  return h;
}

RNNCell::RNNCell(int64_t input_size, int64_t hidden_size, bool bias,
                 const std::string& nonlinearity_)
    : RNNCellBase(input_size, hidden_size, bias, 1), nonlinearity(nonlinearity_) {
  EMBER_CHECK(nonlinearity == "tanh" || nonlinearity == "relu", ValueError,
              "[RNNCell] expected nonlinearity 'tanh' or 'relu', got '", nonlinearity, "'");
}

std::string RNNCell::extra_repr() const {
  std::string s = RNNCellBase::extra_repr();
  if (nonlinearity != "tanh") s += ", nonlinearity=" + nonlinearity;
  return s;
}

Tensor RNNCell::forward(const Tensor& input, const Tensor& hx) {
  Tensor h = check(input, hx, "hx");
  if (nonlinearity == "tanh")
    return rnn_tanh_cell(input, h, param(w_ih_), param(w_hh_), param(b_ih_), param(b_hh_));
  return rnn_relu_cell(input, h, param(w_ih_), param(w_hh_), param(b_ih_), param(b_hh_));
}

LSTMCell::LSTMCell(int64_t input_size, int64_t hidden_size, bool bias)
    : RNNCellBase(input_size, hidden_size, bias, 4) {}

std::pair<Tensor, Tensor> LSTMCell::forward(const Tensor& input, const Tensor& h, const Tensor& c) {
  Tensor h0 = check(input, h, "h_0");
  Tensor c0 = check(input, c, "c_0");
  return lstm_cell(input, h0, c0, param(w_ih_), param(w_hh_), param(b_ih_), param(b_hh_));
}

GRUCell::GRUCell(int64_t input_size, int64_t hidden_size, bool bias)
    : RNNCellBase(input_size, hidden_size, bias, 3) {}

Tensor GRUCell::forward(const Tensor& input, const Tensor& hx) {
  Tensor h = check(input, hx, "hx");
  return gru_cell(input, h, param(w_ih_), param(w_hh_), param(b_ih_), param(b_hh_));
}

}  // namespace ember::nn

// Recurrent ops (see rnn.h): argument checks shared by every entry point, the step-by-step
// reference layer and the cells (composites of ember ops, so autograd and double backward
// come free). The fused layers (rnn_layer, rnn_layer_bidirectional) live in rnn_fused.cpp.
#include "ember/ops/rnn.h"

#include <algorithm>
#include <string>

#include "ember/autograd/function.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "ember/ops/rnn_check.h"
#include "ember/ops/view.h"

namespace ember {

namespace rnn_detail {

int64_t num_gates(RNNMode mode) {
  return mode == RNNMode::lstm ? 4 : mode == RNNMode::gru ? 3 : 1;
}

namespace {

void check_tensor(const Tensor& t, DType dtype, const Shape& shape, const char* op,
                  const char* name) {
  EMBER_CHECK(t.dim() == static_cast<int64_t>(shape.size()) && t.shape() == shape, ValueError,
              "[", op, "] expected ", name, " of shape ", shape_str(shape), ", got ",
              shape_str(t.shape()));
  EMBER_CHECK(t.dtype() == dtype, TypeError, "[", op, "] expected ", name, " of dtype ",
              dtype_name(dtype), " (the input's), got ", dtype_name(t.dtype()));
}

}  // namespace

// Checks the weights against each other and the input feature size I; returns {H, P}.
std::pair<int64_t, int64_t> check_weights(RNNMode mode, const RNNWeights& w, int64_t I,
                                          DType dtype, const char* op) {
  const int64_t G = num_gates(mode);
  check_defined(w.w_ih, op, "w_ih");
  check_defined(w.w_hh, op, "w_hh");
  EMBER_CHECK(w.w_ih.dim() == 2 && w.w_ih.size(0) > 0 && w.w_ih.size(0) % G == 0, ValueError,
              "[", op, "] expected w_ih of shape (", G, "*hidden_size, input_size), got ",
              shape_str(w.w_ih.shape()));
  const int64_t H = w.w_ih.size(0) / G;
  EMBER_CHECK(w.w_ih.size(1) == I, ValueError, "[", op, "] expected w_ih of shape (", G * H,
              ", ", I, ") to match input_size ", I, ", got ", shape_str(w.w_ih.shape()));
  EMBER_CHECK(w.w_ih.dtype() == dtype, TypeError, "[", op, "] expected w_ih of dtype ",
              dtype_name(dtype), " (the input's), got ", dtype_name(w.w_ih.dtype()));
  int64_t P = H;
  if (w.w_hr.defined()) {
    EMBER_CHECK(mode == RNNMode::lstm, ValueError, "[", op,
                "] w_hr (proj_size) is only supported for LSTM");
    EMBER_CHECK(w.w_hr.dim() == 2 && w.w_hr.size(0) >= 1, ValueError, "[", op,
                "] expected w_hr of shape (proj_size, ", H, "), got ", shape_str(w.w_hr.shape()));
    P = w.w_hr.size(0);
    check_tensor(w.w_hr, dtype, {P, H}, op, "w_hr");
  }
  check_tensor(w.w_hh, dtype, {G * H, P}, op, "w_hh");
  if (w.b_ih.defined()) check_tensor(w.b_ih, dtype, {G * H}, op, "b_ih");
  if (w.b_hh.defined()) check_tensor(w.b_hh, dtype, {G * H}, op, "b_hh");
  return {H, P};
}

Dims check_layer(RNNMode mode, const Tensor& x, const Tensor& h0, const Tensor& c0,
                 const RNNWeights& w, const std::vector<int64_t>& lengths, const char* op) {
  check_defined(x, op);
  EMBER_CHECK(is_floating(x.dtype()), TypeError, "[", op,
              "] expected a float32 or float64 input, got ", dtype_name(x.dtype()));
  EMBER_CHECK(x.dim() == 3, ValueError, "[", op,
              "] expected input of 3 dims (L, N, input_size), got shape ", shape_str(x.shape()));
  Dims d;
  d.G = num_gates(mode);
  d.L = x.size(0);
  d.N = x.size(1);
  d.I = x.size(2);
  EMBER_CHECK(d.L >= 1, ValueError, "[", op, "] expected a sequence of at least one step, got "
              "input of shape ", shape_str(x.shape()));
  auto hp = check_weights(mode, w, d.I, x.dtype(), op);
  d.H = hp.first;
  d.P = hp.second;
  if (h0.defined()) check_tensor(h0, x.dtype(), {d.N, d.P}, op, "h0");
  if (mode == RNNMode::lstm) {
    if (c0.defined()) check_tensor(c0, x.dtype(), {d.N, d.H}, op, "c0");
  } else {
    EMBER_CHECK(!c0.defined(), ValueError, "[", op, "] c0 is only used by LSTM, got one of shape ",
                shape_str(c0.shape()));
  }
  if (!lengths.empty()) {
    EMBER_CHECK(static_cast<int64_t>(lengths.size()) == d.N, ValueError, "[", op,
                "] expected one length per batch entry (", d.N, "), got ", lengths.size());
    for (size_t i = 0; i < lengths.size(); ++i) {
      EMBER_CHECK(lengths[i] >= 1 && lengths[i] <= d.L, ValueError, "[", op,
                  "] expected lengths in [1, ", d.L, "] (the sequence length), got lengths[", i,
                  "] = ", lengths[i]);
      EMBER_CHECK(i == 0 || lengths[i] <= lengths[i - 1], ValueError, "[", op,
                  "] expected lengths sorted in non-increasing order, got lengths[", i - 1,
                  "] = ", lengths[i - 1], " < lengths[", i, "] = ", lengths[i]);
    }
  }
  return d;
}

}  // namespace rnn_detail

using rnn_detail::Dims;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

// One step of the recurrence with ember ops: returns {h', c'} (c' undefined unless LSTM).
std::pair<Tensor, Tensor> step(RNNMode mode, const Tensor& x, const Tensor& h, const Tensor& c,
                               const RNNWeights& w) {
  Tensor gi = linear(x, w.w_ih, w.b_ih);
  Tensor gh = linear(h, w.w_hh, w.b_hh);
  switch (mode) {
    case RNNMode::tanh: return {tanh(add(gi, gh)), Tensor()};
    case RNNMode::relu: return {relu(add(gi, gh)), Tensor()};
    case RNNMode::lstm: {
      auto g = chunk(add(gi, gh), 4, -1);
      Tensor c2 = add(mul(sigmoid(g[1]), c), mul(sigmoid(g[0]), tanh(g[2])));
      Tensor h2 = mul(sigmoid(g[3]), tanh(c2));
      if (w.w_hr.defined()) h2 = linear(h2, w.w_hr);
      return {h2, c2};
    }
    case RNNMode::gru: {
      auto a = chunk(gi, 3, -1), b = chunk(gh, 3, -1);
      Tensor r = sigmoid(add(a[0], b[0]));
      Tensor z = sigmoid(add(a[1], b[1]));
      Tensor n = tanh(add(a[2], mul(r, b[2])));
      // (1 - z) * n + z * h, written as PyTorch does: n + z * (h - n).
      return {add(n, mul(z, sub(h, n))), Tensor()};
    }
  }
  return {};
}

}  // namespace

std::vector<Tensor> rnn_layer_reference(RNNMode mode, const Tensor& x, const Tensor& h0,
                                        const Tensor& c0, const RNNWeights& w,
                                        const std::vector<int64_t>& lengths, bool reverse) {
  const char* op = "rnn_layer_reference";
  Dims d = rnn_detail::check_layer(mode, x, h0, c0, w, lengths, op);
  Tensor h = h0.defined() ? h0 : zeros({d.N, d.P}, x.dtype());
  Tensor c;
  if (mode == RNNMode::lstm) c = c0.defined() ? c0 : zeros({d.N, d.H}, x.dtype());
  Tensor len;
  if (!lengths.empty()) {
    len = Tensor::empty({d.N, 1}, DType::Int64);
    std::copy(lengths.begin(), lengths.end(), len.data<int64_t>());
  }
  std::vector<Tensor> ys(static_cast<size_t>(d.L));
  for (int64_t k = 0; k < d.L; ++k) {
    const int64_t t = reverse ? d.L - 1 - k : k;
    auto hc = step(mode, select(x, 0, t), h, c, w);
    if (len.defined()) {
      // Rows whose sequence has ended (t >= length) keep their state and output zeros.
      Tensor valid = gt(len, Scalar(t));
      ys[static_cast<size_t>(t)] = where(valid, hc.first, Scalar(0.0));
      h = where(valid, hc.first, h);
      if (c.defined()) c = where(valid, hc.second, c);
    } else {
      ys[static_cast<size_t>(t)] = hc.first;
      h = hc.first;
      c = hc.second;
    }
  }
  return {stack(ys, 0), h, c};
}

namespace {

// Cells: x (N, I) or (I), h (N, H') or (H'); unbatched inputs are run as a batch of one.
struct CellArgs {
  Tensor x, h, c;
  bool unbatched = false;
};

CellArgs check_cell(RNNMode mode, const Tensor& x, const Tensor& h, const Tensor& c,
                    const RNNWeights& w, const char* op) {
  check_defined(x, op);
  check_defined(h, op, "hx");
  EMBER_CHECK(is_floating(x.dtype()), TypeError, "[", op,
              "] expected a float32 or float64 input, got ", dtype_name(x.dtype()));
  EMBER_CHECK(x.dim() == 1 || x.dim() == 2, ValueError, "[", op,
              "] expected input of 1 or 2 dims ((N, input_size) or (input_size)), got shape ",
              shape_str(x.shape()));
  CellArgs a;
  a.unbatched = x.dim() == 1;
  a.x = a.unbatched ? unsqueeze(x, 0) : x;
  auto hp = rnn_detail::check_weights(mode, w, a.x.size(1), x.dtype(), op);
  const int64_t N = a.x.size(0);
  auto state = [&](const Tensor& s, int64_t size, const char* name) {
    Shape want = a.unbatched ? Shape{size} : Shape{N, size};
    EMBER_CHECK(s.shape() == want, ValueError, "[", op, "] expected ", name, " of shape ",
                shape_str(want), " for input of shape ", shape_str(x.shape()), ", got ",
                shape_str(s.shape()));
    EMBER_CHECK(s.dtype() == x.dtype(), TypeError, "[", op, "] expected ", name, " of dtype ",
                dtype_name(x.dtype()), ", got ", dtype_name(s.dtype()));
    return a.unbatched ? unsqueeze(s, 0) : s;
  };
  a.h = state(h, hp.second, "hx");
  if (mode == RNNMode::lstm) {
    check_defined(c, op, "cx");
    a.c = state(c, hp.first, "cx");
  }
  return a;
}

Tensor simple_cell(RNNMode mode, const Tensor& x, const Tensor& h, const Tensor& w_ih,
                   const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh, const char* op) {
  RNNWeights w{w_ih, w_hh, b_ih, b_hh, Tensor()};
  CellArgs a = check_cell(mode, x, h, Tensor(), w, op);
  Tensor out = step(mode, a.x, a.h, Tensor(), w).first;
  return a.unbatched ? squeeze(out, std::vector<int64_t>{0}) : out;
}

}  // namespace

Tensor rnn_tanh_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih, const Tensor& b_hh) {
  return simple_cell(RNNMode::tanh, x, h, w_ih, w_hh, b_ih, b_hh, "rnn_tanh_cell");
}

Tensor rnn_relu_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih, const Tensor& b_hh) {
  return simple_cell(RNNMode::relu, x, h, w_ih, w_hh, b_ih, b_hh, "rnn_relu_cell");
}

Tensor gru_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih, const Tensor& b_hh) {
  return simple_cell(RNNMode::gru, x, h, w_ih, w_hh, b_ih, b_hh, "gru_cell");
}

std::pair<Tensor, Tensor> lstm_cell(const Tensor& x, const Tensor& h, const Tensor& c,
                                    const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                                    const Tensor& b_hh) {
  RNNWeights w{w_ih, w_hh, b_ih, b_hh, Tensor()};
  CellArgs a = check_cell(RNNMode::lstm, x, h, c, w, "lstm_cell");
  auto hc = step(RNNMode::lstm, a.x, a.h, a.c, w);
  if (a.unbatched) {
    hc.first = squeeze(hc.first, std::vector<int64_t>{0});
    hc.second = squeeze(hc.second, std::vector<int64_t>{0});
  }
  return hc;
}

}  // namespace ember

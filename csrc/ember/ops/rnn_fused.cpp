// The fused recurrent layers of rnn.h: rnn_layer (one layer-direction) and
// rnn_layer_bidirectional (both directions of a layer, run at once) over the CPU kernels of
// cpu/rnn.h, with one autograd node each whose backward runs the fused BPTT kernels (under
// create_graph it differentiates rnn_layer_reference instead, so double backward works).
#include <string>

#include "ember/autograd/function.h"
#include "ember/cpu/rnn.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/rnn.h"
#include "ember/ops/rnn_check.h"
#include "ember/ops/view.h"

namespace ember {

using rnn_detail::Dims;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

Tensor plain(const Tensor& t) { return t.defined() ? contiguous(t.detach()) : Tensor(); }

template <class T>
T* ptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

cpu::RnnKind kind_of(RNNMode m) {
  switch (m) {
    case RNNMode::tanh: return cpu::RnnKind::tanh;
    case RNNMode::relu: return cpu::RnnKind::relu;
    case RNNMode::lstm: return cpu::RnnKind::lstm;
    case RNNMode::gru: return cpu::RnnKind::gru;
  }
  return cpu::RnnKind::tanh;
}

const char* node_name(RNNMode m, bool bidirectional) {
  switch (m) {
    case RNNMode::tanh: return bidirectional ? "RnnTanhBidirLayerBackward" : "RnnTanhLayerBackward";
    case RNNMode::relu: return bidirectional ? "RnnReluBidirLayerBackward" : "RnnReluLayerBackward";
    case RNNMode::lstm: return bidirectional ? "LstmBidirLayerBackward" : "LstmLayerBackward";
    case RNNMode::gru: return bidirectional ? "GruBidirLayerBackward" : "GruLayerBackward";
  }
  return "RnnLayerBackward";
}

// Rows active at each step: lengths are sorted, so they are a prefix of the batch.
std::vector<int64_t> batch_sizes_of(const std::vector<int64_t>& lengths, int64_t L) {
  std::vector<int64_t> bs;
  if (!lengths.empty()) {
    bs.assign(static_cast<size_t>(L), 0);
    for (int64_t len : lengths)
      for (int64_t t = 0; t < len; ++t) ++bs[static_cast<size_t>(t)];
  }
  return bs;
}

// The buffers of one layer-direction's forward run (contiguous, detached).
struct Run {
  RNNMode mode = RNNMode::tanh;
  Dims d;
  bool reverse = false;
  Tensor wih, whh, bih, bhh, whr, h, c, y, gates, hprev, cprev, tanhc, hn, hraw;
};

Run make_run(RNNMode mode, const Dims& d, DType dt, const Tensor& h0, const Tensor& c0,
             const RNNWeights& w, bool reverse, bool need_grad) {
  const bool lstm = mode == RNNMode::lstm, gru = mode == RNNMode::gru, proj = w.w_hr.defined();
  Run r;
  r.mode = mode;
  r.d = d;
  r.reverse = reverse;
  r.wih = plain(w.w_ih);
  r.whh = plain(w.w_hh);
  r.bih = plain(w.b_ih);
  r.bhh = plain(w.b_hh);
  r.whr = plain(w.w_hr);
  r.h = h0.defined() ? clone(h0.detach()) : zeros({d.N, d.P}, dt);
  if (lstm) r.c = c0.defined() ? clone(c0.detach()) : zeros({d.N, d.H}, dt);
  r.y = Tensor::empty({d.L, d.N, d.P}, dt);
  if (need_grad) {
    r.gates = Tensor::empty({d.L, d.N, d.G * d.H}, dt);
    r.hprev = Tensor::empty({d.L, d.N, d.P}, dt);
    if (lstm) r.cprev = Tensor::empty({d.L, d.N, d.H}, dt);
    if (lstm) r.tanhc = Tensor::empty({d.L, d.N, d.H}, dt);
    if (gru) r.hn = Tensor::empty({d.L, d.N, d.H}, dt);
    if (proj) r.hraw = Tensor::empty({d.L, d.N, d.H}, dt);
  }
  return r;
}

template <class T>
cpu::RnnForward<T> forward_args(const Run& r, const Tensor& xc, const int64_t* bs) {
  const Dims& d = r.d;
  return cpu::RnnForward<T>{kind_of(r.mode), d.L, d.N, d.I, d.H, d.P, bs, r.reverse,
                            ptr<T>(xc), ptr<T>(r.wih), ptr<T>(r.whh), ptr<T>(r.bih),
                            ptr<T>(r.bhh), ptr<T>(r.whr), ptr<T>(r.h), ptr<T>(r.c),
                            ptr<T>(r.y), ptr<T>(r.gates), ptr<T>(r.hprev), ptr<T>(r.cprev),
                            ptr<T>(r.tanhc), ptr<T>(r.hn), ptr<T>(r.hraw)};
}

// What one direction's backward needs from its forward.
struct Saved {
  RNNMode mode;
  Dims d;
  bool reverse;
  SavedTensor wih, whh, whr, gates, hprev, cprev, tanhc, hn, hraw;
  explicit Saved(const Run& r)
      : mode(r.mode), d(r.d), reverse(r.reverse), wih(r.wih), whh(r.whh), whr(r.whr),
        gates(r.gates), hprev(r.hprev), cprev(r.cprev), tanhc(r.tanhc), hn(r.hn),
        hraw(r.hraw) {}
};

// One direction's backward buffers: gradients of its outputs (dy, dh_n, dc_n) and of its
// inputs {x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr}, those the node needs (node inputs
// first + 1 .. first + 7 for h0 .. w_hr; x is node input 0).
struct BackRun {
  Tensor dy, dhn, dcn;
  Grads r = Grads(8);
};

BackRun make_back(const Saved& s, const Grads& g, size_t out0, const autograd::Node& node,
                  size_t first) {
  const Dims& d = s.d;
  const DType dt = s.whh.get().dtype();
  const bool lstm = s.mode == RNNMode::lstm;
  BackRun b;
  b.dy = contiguous(g[out0]);
  b.dhn = contiguous(g[out0 + 1]);
  if (lstm) b.dcn = contiguous(g[out0 + 2]);
  auto out = [&](size_t input, const Shape& shape) {
    return node.needs_input_grad(input) ? Tensor::empty(shape, dt) : Tensor();
  };
  b.r[0] = out(0, {d.L, d.N, d.I});
  b.r[1] = out(first + 1, {d.N, d.P});
  if (lstm) b.r[2] = out(first + 2, {d.N, d.H});
  b.r[3] = out(first + 3, {d.G * d.H, d.I});
  b.r[4] = out(first + 4, {d.G * d.H, d.P});
  b.r[5] = out(first + 5, {d.G * d.H});
  b.r[6] = out(first + 6, {d.G * d.H});
  if (s.whr.defined()) b.r[7] = out(first + 7, {d.P, d.H});
  return b;
}

template <class T>
cpu::RnnBackward<T> backward_args(const Saved& s, const Tensor& xs, const int64_t* bs,
                                  const BackRun& b) {
  const Dims& d = s.d;
  const Grads& r = b.r;
  return cpu::RnnBackward<T>{kind_of(s.mode), d.L, d.N, d.I, d.H, d.P, bs, s.reverse,
                             ptr<T>(xs), ptr<T>(s.wih.get()), ptr<T>(s.whh.get()),
                             ptr<T>(s.whr.get()), ptr<T>(s.gates.get()), ptr<T>(s.hprev.get()),
                             ptr<T>(s.cprev.get()), ptr<T>(s.tanhc.get()), ptr<T>(s.hn.get()),
                             ptr<T>(s.hraw.get()), ptr<T>(b.dy), ptr<T>(b.dhn), ptr<T>(b.dcn),
                             ptr<T>(r[0]), ptr<T>(r[1]), ptr<T>(r[2]), ptr<T>(r[3]),
                             ptr<T>(r[4]), ptr<T>(r[5]), ptr<T>(r[6]), ptr<T>(r[7])};
}

std::vector<SavedTensor> save_all(const std::vector<Tensor>& ts) {
  std::vector<SavedTensor> s;
  for (const Tensor& t : ts) s.emplace_back(t);
  return s;
}

std::vector<Tensor> get_all(const std::vector<SavedTensor>& s) {
  std::vector<Tensor> ts;
  for (const SavedTensor& t : s) ts.push_back(t.get());
  return ts;
}

// The outputs of one direction through the reference (ember ops): inputs from `at` are
// x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr (x always in[0]).
std::vector<Tensor> reference_outputs(RNNMode mode, const std::vector<Tensor>& in, size_t at,
                                      const std::vector<int64_t>& lengths, bool reverse) {
  RNNWeights w{in[at + 2], in[at + 3], in[at + 4], in[at + 5], in[at + 6]};
  std::vector<Tensor> o = rnn_layer_reference(mode, in[0], in[at], in[at + 1], w, lengths, reverse);
  if (mode != RNNMode::lstm) o.pop_back();
  return o;
}

std::vector<Tensor> outputs_of(const Run& r) {
  return r.mode == RNNMode::lstm ? std::vector<Tensor>{r.y, r.h, r.c}
                                 : std::vector<Tensor>{r.y, r.h};
}

}  // namespace

std::vector<Tensor> rnn_layer(RNNMode mode, const Tensor& x, const Tensor& h0, const Tensor& c0,
                              const RNNWeights& w, const std::vector<int64_t>& lengths,
                              bool reverse) {
  const char* op = "rnn_layer";
  const Dims d = rnn_detail::check_layer(mode, x, h0, c0, w, lengths, op);
  const DType dt = x.dtype();
  const bool need_grad =
      autograd::any_requires_grad({x, h0, c0, w.w_ih, w.w_hh, w.b_ih, w.b_hh, w.w_hr});
  const std::vector<int64_t> batch_sizes = batch_sizes_of(lengths, d.L);
  const int64_t* bs = batch_sizes.empty() ? nullptr : batch_sizes.data();
  Tensor xc = plain(x);
  Run run = make_run(mode, d, dt, h0, c0, w, reverse, need_grad);
  dispatch_float(dt, op, [&](auto tag) {
    using T = decltype(tag);
    cpu::rnn_forward<T>(forward_args<T>(run, xc, bs));
  });
  if (need_grad) {
    autograd::record(
        node_name(mode, false), {x, h0, c0, w.w_ih, w.w_hh, w.b_ih, w.b_hh, w.w_hr},
        outputs_of(run),
        [batch_sizes, sx = SavedTensor(xc), s = Saved(run), mode, lengths, reverse,
         inputs = save_all({x, h0, c0, w.w_ih, w.w_hh, w.b_ih, w.b_hh, w.w_hr})](
            const Grads& g, const autograd::Node& node) {
          if (autograd::GradMode::is_enabled())  // double backward: through the reference
            return autograd::composite_backward([&](const std::vector<Tensor>& in) {
              return reference_outputs(mode, in, 1, lengths, reverse);
            }, get_all(inputs), g, node);
          const Tensor& xs = sx.get();
          BackRun b = make_back(s, g, 0, node, 0);
          const int64_t* bs = batch_sizes.empty() ? nullptr : batch_sizes.data();
          dispatch_float(xs.dtype(), "rnn_layer", [&](auto tag) {
            using T = decltype(tag);
            cpu::rnn_backward<T>(backward_args<T>(s, xs, bs, b));
          });
          return b.r;
        });
  }
  return {run.y, run.h, run.c};
}

std::vector<Tensor> rnn_layer_bidirectional(RNNMode mode, const Tensor& x, const Tensor& h0_f,
                                            const Tensor& c0_f, const RNNWeights& w_f,
                                            const Tensor& h0_b, const Tensor& c0_b,
                                            const RNNWeights& w_b,
                                            const std::vector<int64_t>& lengths) {
  const char* op = "rnn_layer_bidirectional";
  const Dims df = rnn_detail::check_layer(mode, x, h0_f, c0_f, w_f, lengths, op);
  const Dims db = rnn_detail::check_layer(mode, x, h0_b, c0_b, w_b, lengths, op);
  EMBER_CHECK(df.H == db.H && df.P == db.P, ValueError, "[", op,
              "] expected both directions of the same hidden size and proj_size, got (", df.H,
              ", ", df.P, ") and (", db.H, ", ", db.P, ")");
  const DType dt = x.dtype();
  const std::vector<Tensor> inputs{x,        h0_f,     c0_f,     w_f.w_ih, w_f.w_hh,
                                   w_f.b_ih, w_f.b_hh, w_f.w_hr, h0_b,     c0_b,
                                   w_b.w_ih, w_b.w_hh, w_b.b_ih, w_b.b_hh, w_b.w_hr};
  const bool need_grad = autograd::any_requires_grad(inputs);
  const std::vector<int64_t> batch_sizes = batch_sizes_of(lengths, df.L);
  const int64_t* bs = batch_sizes.empty() ? nullptr : batch_sizes.data();
  Tensor xc = plain(x);
  Run fwd = make_run(mode, df, dt, h0_f, c0_f, w_f, false, need_grad);
  Run bwd = make_run(mode, db, dt, h0_b, c0_b, w_b, true, need_grad);
  dispatch_float(dt, op, [&](auto tag) {
    using T = decltype(tag);
    cpu::rnn_forward_pair<T>(forward_args<T>(fwd, xc, bs), forward_args<T>(bwd, xc, bs));
  });
  if (need_grad) {
    std::vector<Tensor> outs = outputs_of(fwd), outs_b = outputs_of(bwd);
    const size_t nout = outs.size();
    outs.insert(outs.end(), outs_b.begin(), outs_b.end());
    autograd::record(
        node_name(mode, true), inputs, outs,
        [batch_sizes, nout, sx = SavedTensor(xc), sf = Saved(fwd), sb = Saved(bwd), mode,
         lengths, saved = save_all(inputs)](const Grads& g, const autograd::Node& node) {
          if (autograd::GradMode::is_enabled())  // double backward: through the reference
            return autograd::composite_backward([&](const std::vector<Tensor>& in) {
              std::vector<Tensor> o = reference_outputs(mode, in, 1, lengths, false);
              std::vector<Tensor> ob = reference_outputs(mode, in, 8, lengths, true);
              o.insert(o.end(), ob.begin(), ob.end());
              return o;
            }, get_all(saved), g, node);
          const Tensor& xs = sx.get();
          BackRun bf = make_back(sf, g, 0, node, 0);
          BackRun bb = make_back(sb, g, nout, node, 7);
          const int64_t* bs = batch_sizes.empty() ? nullptr : batch_sizes.data();
          dispatch_float(xs.dtype(), "rnn_layer_bidirectional", [&](auto tag) {
            using T = decltype(tag);
            cpu::rnn_backward_pair<T>(backward_args<T>(sf, xs, bs, bf),
                                      backward_args<T>(sb, xs, bs, bb));
          });
          Grads r(15);
          r[0] = bf.r[0].defined() ? add(bf.r[0], bb.r[0]) : Tensor();
          for (size_t i = 1; i < 8; ++i) {
            r[i] = bf.r[i];
            r[7 + i] = bb.r[i];
          }
          return r;
        });
  }
  return {fwd.y, fwd.h, fwd.c, bwd.y, bwd.h, bwd.c};
}

}  // namespace ember

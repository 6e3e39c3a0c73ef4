// pad: checks, per-dim index maps (output index -> input index or -1 for the constant) and
// autograd; kernels in cpu/pool.cpp. See pad.h.
#include "ember/ops/pad.h"

#include <memory>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/cpu/pool.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

std::string pad_str(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + ")";
}

struct PadPlan {
  int64_t m = 0, planes = 0;
  std::vector<int64_t> in, out;
  std::vector<std::vector<int64_t>> maps;
  std::vector<const int64_t*> map_ptrs;
};

void run_pad_backward(const PadPlan& plan, const Tensor& dy, Tensor& dx) {
  int64_t osz = 1;
  for (int64_t s : plan.out) osz *= s;
  dispatch_float(dy.dtype(), "pad", [&](auto tag) {
    using T = decltype(tag);
    const T* gp = dy.data<T>();
    T* dp = dx.data<T>();
    parallel_for(plan.planes, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, osz)),
                 [&](int64_t p0, int64_t p1) {
                   cpu::pad_backward(gp, dp, p0, p1, plan.m, plan.in.data(), plan.out.data(),
                                     plan.map_ptrs.data());
                 });
  });
}

// dx = P^T g for the padding map P (linear in the input; the constant is not). Under
// create_graph it records its own backward, gg -> P gg (padding with 0), so higher
// derivatives work.
Tensor pad_input_grad(const std::shared_ptr<PadPlan>& plan, const Tensor& g, const Shape& ishape,
                      const std::vector<int64_t>& pads, const std::string& mode) {
  Tensor dx = Tensor::empty(ishape, g.dtype());
  if (dx.numel() > 0 && plan->planes > 0) run_pad_backward(*plan, contiguous(g.detach()), dx);
  if (autograd::any_requires_grad({g}))
    autograd::record("PadBackwardBackward", {g}, {dx},
        [pads, mode](const std::vector<Tensor>& gg, const autograd::Node&) {
          return std::vector<Tensor>{pad(gg[0], pads, mode, 0.0)};
        });
  return dx;
}

}  // namespace

Tensor pad(const Tensor& input, const std::vector<int64_t>& pad, const std::string& mode,
           double value) {
  check_defined(input, "pad");
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[pad] expected a floating point input, got ",
              dtype_name(input.dtype()));
  EMBER_CHECK(mode == "constant" || mode == "reflect" || mode == "replicate" || mode == "circular",
              ValueError, "[pad] mode must be 'constant', 'reflect', 'replicate' or 'circular', "
              "got '", mode, "'");
  const int64_t m = static_cast<int64_t>(pad.size()) / 2, nd = input.dim();
  EMBER_CHECK(pad.size() % 2 == 0 && m >= 1 && m <= nd, ValueError, "[pad] expected an even "
              "number of pad sizes covering at most the input's ", nd, " dims, got ",
              pad_str(pad), " for input of shape ", shape_str(input.shape()));
  EMBER_CHECK(m <= 16, ValueError, "[pad] at most 16 padded dims, got ", m);
  const bool constant = mode == "constant";
  if (!constant) {
    EMBER_CHECK(m <= 3 && (nd == m + 1 || nd == m + 2), ValueError, "[pad] ", mode, " padding of ",
                m, " dims expects an input of ", m + 1, " or ", m + 2, " dims, got shape ",
                shape_str(input.shape()));
  }
  auto plan = std::make_shared<PadPlan>();
  plan->m = m;
  Shape oshape = input.shape();
  for (int64_t j = 0; j < m; ++j) {
    const int64_t d = nd - m + j;                // padded dim, first to last
    const int64_t k = (m - 1 - j) * 2;           // its (left, right) in pad
    const int64_t in = input.shape()[d], l = pad[k], r = pad[k + 1], out = in + l + r;
    if (mode == "reflect")
      EMBER_CHECK(l < in && r < in && l >= 0 && r >= 0, ValueError, "[pad] reflect padding "
                  "must be non-negative and less than the input size of dim ", d, ": got pad ",
                  pad_str(pad), " for input of shape ", shape_str(input.shape()));
    if (mode == "replicate")
      EMBER_CHECK(in > 0 && l >= 0 && r >= 0, ValueError, "[pad] replicate padding needs "
                  "non-empty dims and non-negative pads, got pad ", pad_str(pad),
                  " for input of shape ", shape_str(input.shape()));
    if (mode == "circular")
      EMBER_CHECK(l <= in && r <= in && l >= 0 && r >= 0, ValueError, "[pad] circular padding "
                  "must be non-negative and at most the input size of dim ", d, ": got pad ",
                  pad_str(pad), " for input of shape ", shape_str(input.shape()));
    EMBER_CHECK(out >= 0, ValueError, "[pad] padding ", pad_str(pad), " gives a negative size "
                "for dim ", d, " of input of shape ", shape_str(input.shape()));
    oshape[d] = out;
    plan->in.push_back(in);
    plan->out.push_back(out);
    std::vector<int64_t> map(out);
    for (int64_t o = 0; o < out; ++o) {
      int64_t i = o - l;
      if (constant) {
        map[o] = (i >= 0 && i < in) ? i : -1;
      } else if (mode == "reflect") {
        if (i < 0) i = -i;
        if (i >= in) i = 2 * (in - 1) - i;
        map[o] = i;
      } else if (mode == "replicate") {
        map[o] = i < 0 ? 0 : (i >= in ? in - 1 : i);
      } else {
        map[o] = ((i % in) + in) % in;
      }
    }
    plan->maps.push_back(std::move(map));
  }
  for (auto& mp : plan->maps) plan->map_ptrs.push_back(mp.data());
  int64_t isz = 1, osz = 1;
  for (int64_t j = 0; j < m; ++j) { isz *= plan->in[j]; osz *= plan->out[j]; }
  int64_t planes = 1;
  for (int64_t d = 0; d < nd - m; ++d) planes *= input.shape()[d];
  plan->planes = planes;
  Tensor x = contiguous(input.detach());
  Tensor y = Tensor::empty(oshape, input.dtype());
  if (osz > 0 && planes > 0) {
    dispatch_float(x.dtype(), "pad", [&](auto tag) {
      using T = decltype(tag);
      const T* xp = x.data<T>();
      T* yp = y.data<T>();
      const T v = static_cast<T>(value);
      const PadPlan& pl = *plan;
      parallel_for(planes, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, osz)),
                   [&](int64_t p0, int64_t p1) {
                     cpu::pad_forward(xp, yp, p0, p1, pl.m, pl.in.data(), pl.out.data(),
                                      pl.map_ptrs.data(), v);
                   });
    });
  }
  if (autograd::any_requires_grad({input})) {
    autograd::record("PadBackward", {input}, {y},
        [plan, ishape = input.shape(), pad, mode](const std::vector<Tensor>& g,
                                                  const autograd::Node&) {
          return std::vector<Tensor>{pad_input_grad(plan, g[0], ishape, pad, mode)};
        });
  }
  return y;
}

}  // namespace ember

// interpolate: checks, PyTorch's source-index rules as per-dim tables, autograd; kernels in
// cpu/pool.cpp. pixel_shuffle / pixel_unshuffle are reshape + permute + reshape. See upsample.h.
#include "ember/ops/upsample.h"

#include <cmath>
#include <memory>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/cpu/pool.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

struct Tables {
  cpu::ResampleTables t{};
  int64_t planes = 0;
  std::vector<int64_t> h0, h1, w0, w1;
  std::vector<double> lh0, lh1, lw0, lw1;
};

// One dim's tables. scale: PyTorch's input/output ratio (1 / scale_factor when given).
void fill(bool nearest, bool align, int64_t in, int64_t out, std::optional<double> sf,
          std::vector<int64_t>& i0, std::vector<int64_t>& i1, std::vector<double>& l0,
          std::vector<double>& l1) {
  i0.resize(out); i1.resize(out); l0.resize(out); l1.resize(out);
  for (int64_t o = 0; o < out; ++o) {
    if (nearest) {
      // PyTorch computes the nearest index in float.
      float scale = sf ? static_cast<float>(1.0 / *sf) : static_cast<float>(in) / out;
      int64_t i = out == in ? o : (out == 2 * in ? o >> 1
                                  : static_cast<int64_t>(std::floor(static_cast<float>(o) * scale)));
      i0[o] = i1[o] = std::min(i, in - 1);
      l0[o] = 1; l1[o] = 0;
      continue;
    }
    double src;
    if (align) {
      src = out > 1 ? static_cast<double>(in - 1) / (out - 1) * o : 0.0;
    } else {
      double scale = sf ? 1.0 / *sf : static_cast<double>(in) / out;
      src = std::max(0.0, (o + 0.5) * scale - 0.5);
    }
    int64_t a = static_cast<int64_t>(src);
    if (a > in - 1) a = in - 1;
    i0[o] = a;
    i1[o] = a + (a < in - 1 ? 1 : 0);
    l1[o] = src - a;
    if (l1[o] < 0) l1[o] = 0;
    l0[o] = 1 - l1[o];
  }
}

}  // namespace

Tensor interpolate(const Tensor& input, const std::vector<int64_t>& size,
                   const std::vector<double>& scale_factor, const std::string& mode,
                   std::optional<bool> align_corners) {
  const char* op = "interpolate";
  check_defined(input, op);
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[interpolate] expected a floating point "
              "input, got ", dtype_name(input.dtype()));
  EMBER_CHECK(mode == "nearest" || mode == "linear" || mode == "bilinear", NotImplementedError,
              "[interpolate] mode must be 'nearest', 'linear' or 'bilinear', got '", mode, "'");
  const int64_t nd = input.dim();
  EMBER_CHECK(nd == 3 || nd == 4, ValueError, "[interpolate] expected input of 3 dims (N, C, L) "
              "or 4 dims (N, C, H, W), got shape ", shape_str(input.shape()));
  EMBER_CHECK(mode != "linear" || nd == 3, ValueError, "[interpolate] mode 'linear' expects a 3-D "
              "input (N, C, L), got shape ", shape_str(input.shape()));
  EMBER_CHECK(mode != "bilinear" || nd == 4, ValueError, "[interpolate] mode 'bilinear' expects "
              "a 4-D input (N, C, H, W), got shape ", shape_str(input.shape()));
  const bool nearest = mode == "nearest";
  EMBER_CHECK(!(nearest && align_corners.has_value()), ValueError, "[interpolate] align_corners "
              "option can only be set with the interpolating modes: linear | bilinear");
  EMBER_CHECK(size.empty() != scale_factor.empty(), ValueError,
              "[interpolate] expected exactly one of size and scale_factor");
  const int64_t sd = nd - 2;
  const size_t ns = size.empty() ? scale_factor.size() : size.size();
  EMBER_CHECK(ns == 1 || ns == static_cast<size_t>(sd), ValueError, "[interpolate] expected ",
              "size or scale_factor of 1 or ", sd, " entries for input of shape ",
              shape_str(input.shape()), ", got ", ns);
  for (int64_t i = 2; i < nd; ++i)
    EMBER_CHECK(input.shape()[i] > 0, ValueError, "[interpolate] expected non-empty spatial dims, "
                "got input of shape ", shape_str(input.shape()));
  std::vector<int64_t> out(sd);
  std::vector<std::optional<double>> sf(sd);
  for (int64_t i = 0; i < sd; ++i) {
    const int64_t in = input.shape()[2 + i];
    if (!size.empty()) {
      out[i] = size[ns == 1 ? 0 : i];
    } else {
      double f = scale_factor[ns == 1 ? 0 : i];
      EMBER_CHECK(f > 0 && std::isfinite(f), ValueError, "[interpolate] scale_factor must be "
                  "positive, got ", f);
      sf[i] = f;
      out[i] = static_cast<int64_t>(std::floor(in * f));
    }
    EMBER_CHECK(out[i] > 0, ValueError, "[interpolate] output size must be positive, got ",
                out[i], " for dim ", 2 + i, " of input of shape ", shape_str(input.shape()));
  }
  const bool align = align_corners.value_or(false);
  auto tb = std::make_shared<Tables>();
  cpu::ResampleTables& t = tb->t;
  t.nearest = nearest;
  if (sd == 2) {
    t.ih = input.shape()[2]; t.oh = out[0];
    fill(nearest, align, t.ih, t.oh, sf[0], tb->h0, tb->h1, tb->lh0, tb->lh1);
  } else {
    t.ih = t.oh = 1;
    tb->h0 = tb->h1 = {0}; tb->lh0 = {1}; tb->lh1 = {0};
  }
  t.iw = input.shape()[nd - 1]; t.ow = out[sd - 1];
  fill(nearest, align, t.iw, t.ow, sf[sd - 1], tb->w0, tb->w1, tb->lw0, tb->lw1);
  t.h0 = tb->h0.data(); t.h1 = tb->h1.data(); t.w0 = tb->w0.data(); t.w1 = tb->w1.data();
  t.lh0 = tb->lh0.data(); t.lh1 = tb->lh1.data(); t.lw0 = tb->lw0.data(); t.lw1 = tb->lw1.data();
  tb->planes = input.shape()[0] * input.shape()[1];
  Shape oshape{input.shape()[0], input.shape()[1]};
  for (int64_t o : out) oshape.push_back(o);
  Tensor x = contiguous(input.detach());
  Tensor y = Tensor::empty(oshape, input.dtype());
  const int64_t grain = std::max<int64_t>(1, 32768 / (t.oh * t.ow));
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    parallel_for(tb->planes, grain, [&](int64_t p0, int64_t p1) {
      cpu::resample_forward(xp, yp, p0, p1, tb->t);
    });
  });
  if (autograd::any_requires_grad({input})) {
    std::string name = nearest ? (sd == 1 ? "UpsampleNearest1d" : "UpsampleNearest2d")
                               : (sd == 1 ? "UpsampleLinear1d" : "UpsampleBilinear2d");
    autograd::record(name + "Backward", {input}, {y},
        [tb, grain, ishape = input.shape(), dt = input.dtype(), name, size, scale_factor, mode,
         align_corners](const std::vector<Tensor>& g, const autograd::Node&) {
          Tensor dy = contiguous(g[0].detach());
          Tensor dx = Tensor::empty(ishape, dt);
          dispatch_float(dt, "interpolate", [&](auto tag) {
            using T = decltype(tag);
            const T* gp = dy.data<T>();
            T* dp = dx.data<T>();
            parallel_for(tb->planes, grain, [&](int64_t p0, int64_t p1) {
              cpu::resample_backward(gp, dp, p0, p1, tb->t);
            });
          });
          // dx is linear in g: under create_graph its own backward is the resampling again.
          if (autograd::any_requires_grad({g[0]}))
            autograd::record(name + "BackwardBackward", {g[0]}, {dx},
                [size, scale_factor, mode, align_corners](const std::vector<Tensor>& gg,
                                                          const autograd::Node&) {
                  return std::vector<Tensor>{
                      interpolate(gg[0], size, scale_factor, mode, align_corners)};
                });
          return std::vector<Tensor>{dx};
        });
  }
  return y;
}

Tensor pixel_shuffle(const Tensor& input, int64_t r) {
  check_defined(input, "pixel_shuffle");
  EMBER_CHECK(input.dim() >= 3, ValueError, "[pixel_shuffle] expected input of at least 3 dims "
              "(*, C * r^2, H, W), got shape ", shape_str(input.shape()));
  EMBER_CHECK(r > 0, ValueError, "[pixel_shuffle] upscale_factor must be positive, got ", r);
  const int64_t nd = input.dim(), c = input.shape()[nd - 3], h = input.shape()[nd - 2],
                w = input.shape()[nd - 1];
  EMBER_CHECK(c % (r * r) == 0, ValueError, "[pixel_shuffle] expected the channel dim ", c,
              " to be divisible by upscale_factor^2 = ", r * r, ", input shape ",
              shape_str(input.shape()));
  Shape lead(input.shape().begin(), input.shape().end() - 3);
  const int64_t b = static_cast<int64_t>(lead.size());
  Shape s = lead;
  for (int64_t v : {c / (r * r), r, r, h, w}) s.push_back(v);
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < b; ++i) perm.push_back(i);
  for (int64_t v : {0, 3, 1, 4, 2}) perm.push_back(b + v);
  Shape o = lead;
  for (int64_t v : {c / (r * r), h * r, w * r}) o.push_back(v);
  return reshape(permute(reshape(input, s), perm), o);
}

Tensor pixel_unshuffle(const Tensor& input, int64_t r) {
  check_defined(input, "pixel_unshuffle");
  EMBER_CHECK(input.dim() >= 3, ValueError, "[pixel_unshuffle] expected input of at least 3 "
              "dims (*, C, H * r, W * r), got shape ", shape_str(input.shape()));
  EMBER_CHECK(r > 0, ValueError, "[pixel_unshuffle] downscale_factor must be positive, got ", r);
  const int64_t nd = input.dim(), c = input.shape()[nd - 3], h = input.shape()[nd - 2],
                w = input.shape()[nd - 1];
  EMBER_CHECK(h % r == 0 && w % r == 0, ValueError, "[pixel_unshuffle] expected height and "
              "width divisible by downscale_factor ", r, ", got input of shape ",
              shape_str(input.shape()));
  Shape lead(input.shape().begin(), input.shape().end() - 3);
  const int64_t b = static_cast<int64_t>(lead.size());
  Shape s = lead;
  for (int64_t v : {c, h / r, r, w / r, r}) s.push_back(v);
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < b; ++i) perm.push_back(i);
  for (int64_t v : {0, 2, 4, 1, 3}) perm.push_back(b + v);
  Shape o = lead;
  for (int64_t v : {c * r * r, h / r, w / r}) o.push_back(v);
  return reshape(permute(reshape(input, s), perm), o);
}

}  // namespace ember

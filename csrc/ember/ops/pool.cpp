// Pooling ops: argument checks, PyTorch's output-size rules, window tables for the kernels
// of cpu/pool.h, and autograd (fused backward kernels; argmax recomputed from the saved input
// so the forward never writes indices unless asked). See pool.h.
#include "ember/ops/pool.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/cpu/pool.h"
#include "ember/ops/creation.h"
#include "ember/ops/index.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::SavedTensor;

namespace {

enum class Kind { Max, Avg };

// Per-output window bounds for the kernels (see cpu/pool.h).
struct Windows {
  int64_t sd = 2;  // spatial dims (1 or 2)
  int64_t ih = 1, iw = 1, oh = 1, ow = 1, dh = 1, dw = 1, divisor = 0;
  bool fast2x2 = false;
  std::vector<int64_t> hs, he, ws, we, fh, fw;
};

std::string list_str(const IntList& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

// Expands a PyTorch size argument (one entry or one per spatial dim) to sd entries.
IntList expand_arg(const IntList& v, int64_t sd, const char* op, const char* name) {
  EMBER_CHECK(v.size() == 1 || static_cast<int64_t>(v.size()) == sd, ValueError, "[", op, "] ",
              name, " must be a single int or a tuple of ", sd, " ints, got ", list_str(v));
  return v.size() == 1 ? IntList(static_cast<size_t>(sd), v[0]) : v;
}

void check_input(const Tensor& input, int64_t sd, const char* op) {
  check_defined(input, op);
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[", op,
              "] expected a floating point input, got ", dtype_name(input.dtype()));
  const int64_t d = input.dim();
  if (sd == 2)
    EMBER_CHECK(d == 3 || d == 4, ValueError, "[", op, "] expected input of 3 or 4 dims "
                "((C, H, W) or (N, C, H, W)), got shape ", shape_str(input.shape()));
  else
    EMBER_CHECK(d == 2 || d == 3, ValueError, "[", op, "] expected input of 2 or 3 dims "
                "((C, L) or (N, C, L)), got shape ", shape_str(input.shape()));
  for (int64_t i = d - sd - 1; i < d; ++i)
    EMBER_CHECK(input.shape()[i] > 0, ValueError, "[", op, "] expected non-empty channel and "
                "spatial dims, got input of shape ", shape_str(input.shape()));
}

// PyTorch's pooling_output_shape.
int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  int64_t num = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t o = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
  if (ceil_mode && o > 0 && (o - 1) * s >= in + p) --o;
  return o;
}

// Fills one spatial dim's tables for plain (non-adaptive) pooling.
void fill_dim(Kind kind, int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, int64_t d,
              bool count_include_pad, std::vector<int64_t>& st, std::vector<int64_t>& en,
              std::vector<int64_t>& f) {
  st.resize(out); en.resize(out); f.resize(out);
  for (int64_t o = 0; o < out; ++o) {
    int64_t a = o * s - p;
    if (kind == Kind::Max) {
      int64_t b = std::min(a + (k - 1) * d + 1, in);
      while (a < 0) a += d;
      st[o] = a; en[o] = b; f[o] = 1;
    } else {
      int64_t b = std::min(a + k, in + p);
      int64_t pool = b - a;
      a = std::max<int64_t>(a, 0);
      b = std::min(b, in);
      st[o] = a; en[o] = b; f[o] = count_include_pad ? pool : b - a;
    }
  }
}

void fill_adaptive(int64_t in, int64_t out, std::vector<int64_t>& st, std::vector<int64_t>& en,
                   std::vector<int64_t>& f) {
  st.resize(out); en.resize(out); f.resize(out);
  for (int64_t o = 0; o < out; ++o) {
    st[o] = (o * in) / out;
    en[o] = ((o + 1) * in + out - 1) / out;
    f[o] = en[o] - st[o];
  }
}

int64_t plane_grain(const Windows& w) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, w.ih * w.iw + w.oh * w.ow));
}

void run_backward(Kind kind, const Windows& w, const Tensor& x, const Tensor& dy, Tensor& dx,
                  int64_t planes, const char* op) {
  dispatch_float(dy.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* gp = dy.data<T>();
    T* dp = dx.data<T>();
    const T* xp = kind == Kind::Max ? x.data<T>() : nullptr;
    parallel_for(planes, plane_grain(w), [&](int64_t p0, int64_t p1) {
      if (kind == Kind::Max)
        EMBER_ISA_CALL(pool_max_backward, xp, gp, dp, p0, p1, w.ih, w.iw, w.oh, w.ow,
                       w.hs.data(), w.he.data(), w.ws.data(), w.we.data(), w.dh, w.dw,
                       w.fast2x2);
      else
        EMBER_ISA_CALL(pool_avg_backward, gp, dp, p0, p1, w.ih, w.iw, w.oh, w.ow, w.hs.data(),
                       w.he.data(), w.ws.data(), w.we.data(), w.fh.data(), w.fw.data(),
                       w.divisor, w.fast2x2);
    });
  });
}

std::pair<Tensor, Tensor> run_pool(Kind kind, const Tensor& input, std::shared_ptr<Windows> win,
                                   bool want_idx, const char* op);

// The input gradient dx = P^T g of the pooling map P (linear in g; for max pooling P picks
// the argmax of the saved input x). Under create_graph it records its own backward,
// gg -> P gg, so higher derivatives work: P is the pooling again (average) or a gather at
// the argmax (max; its derivative in x is zero almost everywhere).
Tensor pool_input_grad(Kind kind, const std::shared_ptr<Windows>& win, const Tensor& x,
                       const Tensor& g, const Shape& ishape, const char* op, const std::string& name) {
  const Windows& w = *win;
  const int64_t planes = w.ih * w.iw > 0 ? numel_of(ishape, op) / (w.ih * w.iw) : 0;
  Tensor dx = Tensor::empty(ishape, g.dtype());
  run_backward(kind, w, x, contiguous(g.detach()), dx, planes, op);
  if (autograd::any_requires_grad({g}))
    autograd::record(name + "Backward", {g}, {dx},
        [kind, win, sx = SavedTensor(x), op](const std::vector<Tensor>& gg, const autograd::Node&) {
          if (kind == Kind::Avg) return std::vector<Tensor>{run_pool(kind, gg[0], win, false, op).first};
          const Windows& w = *win;
          const Tensor& x = sx.get();
          Tensor idx = run_pool(kind, x, win, true, op).second;  // x is detached: not recorded
          const int64_t planes = x.numel() / (w.ih * w.iw);
          Tensor picked = gather(reshape(gg[0], {planes, w.ih * w.iw}), 1,
                                 reshape(idx, {planes, w.oh * w.ow}));
          return std::vector<Tensor>{reshape(picked, idx.shape())};
        });
  return dx;
}

// Runs the kernel over all planes and records autograd. Returns (values, indices or {}).
std::pair<Tensor, Tensor> run_pool(Kind kind, const Tensor& input, std::shared_ptr<Windows> win,
                                   bool want_idx, const char* op) {
  const Windows& w = *win;
  Shape oshape(input.shape().begin(), input.shape().end() - w.sd);
  if (w.sd == 2) oshape.push_back(w.oh);
  oshape.push_back(w.ow);
  Tensor x = contiguous(input.detach());
  const int64_t planes = x.numel() / (w.ih * w.iw);
  Tensor y = Tensor::empty(oshape, input.dtype());
  Tensor idx = want_idx ? Tensor::empty(oshape, DType::Int64) : Tensor();
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    int64_t* ip = want_idx ? idx.data<int64_t>() : nullptr;
    parallel_for(planes, plane_grain(w), [&](int64_t p0, int64_t p1) {
      if (kind == Kind::Max)
        EMBER_ISA_CALL(pool_max_forward, xp, yp, ip, p0, p1, w.ih, w.iw, w.oh, w.ow, w.hs.data(),
                       w.he.data(), w.ws.data(), w.we.data(), w.dh, w.dw, w.fast2x2);
      else
        EMBER_ISA_CALL(pool_avg_forward, xp, yp, p0, p1, w.ih, w.iw, w.oh, w.ow, w.hs.data(),
                       w.he.data(), w.ws.data(), w.we.data(), w.fh.data(), w.fw.data(),
                       w.divisor, w.fast2x2);
    });
  });
  if (autograd::any_requires_grad({input})) {
    std::string name;  // max_pool2d -> MaxPool2dBackward
    for (const char* c = op; *c; ++c)
      if (*c != '_') name += (c == op || c[-1] == '_') ? static_cast<char>(std::toupper(*c)) : *c;
    autograd::record(name + "Backward", {input}, {y},
        [sx = SavedTensor(kind == Kind::Max ? x : Tensor()), win, kind, op, name,
         ishape = input.shape()](const std::vector<Tensor>& g, const autograd::Node&) {
          return std::vector<Tensor>{pool_input_grad(kind, win, sx.get(), g[0], ishape, op, name)};
        });
  }
  return {y, idx};
}

std::pair<Tensor, Tensor> max_pool_nd(const Tensor& input, int64_t sd, const IntList& kernel_size,
                                      const IntList& stride, const IntList& padding,
                                      const IntList& dilation, bool ceil_mode, bool want_idx,
                                      const char* op) {
  check_input(input, sd, op);
  IntList k = expand_arg(kernel_size, sd, op, "kernel_size");
  IntList s = stride.empty() ? k : expand_arg(stride, sd, op, "stride");
  IntList p = expand_arg(padding, sd, op, "padding");
  IntList d = expand_arg(dilation, sd, op, "dilation");
  auto win = std::make_shared<Windows>();
  win->sd = sd;
  IntList in(input.shape().end() - sd, input.shape().end()), out(sd);
  for (int64_t i = 0; i < sd; ++i) {
    EMBER_CHECK(k[i] > 0, ValueError, "[", op, "] kernel_size must be positive, got ", list_str(k));
    EMBER_CHECK(s[i] > 0, ValueError, "[", op, "] stride must be positive, got ", list_str(s));
    EMBER_CHECK(d[i] > 0, ValueError, "[", op, "] dilation must be positive, got ", list_str(d));
    EMBER_CHECK(p[i] >= 0 && p[i] <= ((k[i] - 1) * d[i] + 1) / 2, ValueError, "[", op,
                "] pad should be at most half of effective kernel size, got padding ",
                list_str(p), " for kernel_size ", list_str(k), " and dilation ", list_str(d));
    out[i] = out_size(in[i], k[i], s[i], p[i], d[i], ceil_mode);
  }
  EMBER_CHECK(std::all_of(out.begin(), out.end(), [](int64_t o) { return o > 0; }), ValueError,
              "[", op, "] output size is too small: computed ", list_str(out), " for input of shape ",
              shape_str(input.shape()), ", kernel_size ", list_str(k), ", padding ", list_str(p),
              " and dilation ", list_str(d));
  if (sd == 2) {
    win->ih = in[0]; win->oh = out[0]; win->dh = d[0];
    fill_dim(Kind::Max, in[0], out[0], k[0], s[0], p[0], d[0], true, win->hs, win->he, win->fh);
  } else {
    win->hs = {0}; win->he = {1}; win->fh = {1};
  }
  win->iw = in[sd - 1]; win->ow = out[sd - 1]; win->dw = d[sd - 1];
  fill_dim(Kind::Max, in[sd - 1], out[sd - 1], k[sd - 1], s[sd - 1], p[sd - 1], d[sd - 1], true,
           win->ws, win->we, win->fw);
  win->fast2x2 = sd == 2 && k[0] == 2 && k[1] == 2 && s[0] == 2 && s[1] == 2 && p[0] == 0 &&
                 p[1] == 0 && d[0] == 1 && d[1] == 1 && 2 * win->oh <= win->ih &&
                 2 * win->ow <= win->iw;
  return run_pool(Kind::Max, input, win, want_idx, op);
}

Tensor avg_pool_nd(const Tensor& input, int64_t sd, const IntList& kernel_size,
                   const IntList& stride, const IntList& padding, bool ceil_mode,
                   bool count_include_pad, std::optional<int64_t> divisor_override, const char* op) {
  check_input(input, sd, op);
  IntList k = expand_arg(kernel_size, sd, op, "kernel_size");
  IntList s = stride.empty() ? k : expand_arg(stride, sd, op, "stride");
  IntList p = expand_arg(padding, sd, op, "padding");
  EMBER_CHECK(!divisor_override || *divisor_override != 0, ValueError, "[", op,
              "] divisor_override must be non-zero");
  auto win = std::make_shared<Windows>();
  win->sd = sd;
  win->divisor = divisor_override.value_or(0);
  IntList in(input.shape().end() - sd, input.shape().end()), out(sd);
  for (int64_t i = 0; i < sd; ++i) {
    EMBER_CHECK(k[i] > 0, ValueError, "[", op, "] kernel_size must be positive, got ", list_str(k));
    EMBER_CHECK(s[i] > 0, ValueError, "[", op, "] stride must be positive, got ", list_str(s));
    EMBER_CHECK(p[i] >= 0 && p[i] <= k[i] / 2, ValueError, "[", op,
                "] pad should be at most half of kernel size, got padding ", list_str(p),
                " for kernel_size ", list_str(k));
    out[i] = out_size(in[i], k[i], s[i], p[i], 1, ceil_mode);
  }
  EMBER_CHECK(std::all_of(out.begin(), out.end(), [](int64_t o) { return o > 0; }), ValueError,
              "[", op, "] output size is too small: computed ", list_str(out), " for input of shape ",
              shape_str(input.shape()), ", kernel_size ", list_str(k), " and padding ", list_str(p));
  if (sd == 2) {
    win->ih = in[0]; win->oh = out[0];
    fill_dim(Kind::Avg, in[0], out[0], k[0], s[0], p[0], 1, count_include_pad, win->hs, win->he,
             win->fh);
  } else {
    win->hs = {0}; win->he = {1}; win->fh = {1};
  }
  win->iw = in[sd - 1]; win->ow = out[sd - 1];
  fill_dim(Kind::Avg, in[sd - 1], out[sd - 1], k[sd - 1], s[sd - 1], p[sd - 1], 1,
           count_include_pad, win->ws, win->we, win->fw);
  win->fast2x2 = sd == 2 && k[0] == 2 && k[1] == 2 && s[0] == 2 && s[1] == 2 && p[0] == 0 &&
                 p[1] == 0 && 2 * win->oh <= win->ih && 2 * win->ow <= win->iw;
  return run_pool(Kind::Avg, input, win, false, op).first;
}

std::pair<Tensor, Tensor> adaptive_nd(Kind kind, const Tensor& input, int64_t sd,
                                      const IntList& output_size, bool want_idx, const char* op) {
  check_input(input, sd, op);
  IntList o = expand_arg(output_size, sd, op, "output_size");
  IntList in(input.shape().end() - sd, input.shape().end());
  for (int64_t i = 0; i < sd; ++i) {
    if (o[i] == -1) o[i] = in[i];
    EMBER_CHECK(o[i] > 0, ValueError, "[", op, "] output_size must be positive (or None), got ",
                list_str(output_size));
  }
  auto win = std::make_shared<Windows>();
  win->sd = sd;
  if (sd == 2) {
    win->ih = in[0]; win->oh = o[0];
    fill_adaptive(in[0], o[0], win->hs, win->he, win->fh);
  } else {
    win->hs = {0}; win->he = {1}; win->fh = {1};
  }
  win->iw = in[sd - 1]; win->ow = o[sd - 1];
  fill_adaptive(in[sd - 1], o[sd - 1], win->ws, win->we, win->fw);
  return run_pool(kind, input, win, want_idx, op);
}

}  // namespace

Tensor max_pool2d(const Tensor& input, const IntList& kernel_size, const IntList& stride,
                  const IntList& padding, const IntList& dilation, bool ceil_mode) {
  return max_pool_nd(input, 2, kernel_size, stride, padding, dilation, ceil_mode, false,
                     "max_pool2d").first;
}
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const IntList& kernel_size,
                                                  const IntList& stride, const IntList& padding,
                                                  const IntList& dilation, bool ceil_mode) {
  return max_pool_nd(input, 2, kernel_size, stride, padding, dilation, ceil_mode, true,
                     "max_pool2d");
}
Tensor max_pool1d(const Tensor& input, const IntList& kernel_size, const IntList& stride,
                  const IntList& padding, const IntList& dilation, bool ceil_mode) {
  return max_pool_nd(input, 1, kernel_size, stride, padding, dilation, ceil_mode, false,
                     "max_pool1d").first;
}
std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const IntList& kernel_size,
                                                  const IntList& stride, const IntList& padding,
                                                  const IntList& dilation, bool ceil_mode) {
  return max_pool_nd(input, 1, kernel_size, stride, padding, dilation, ceil_mode, true,
                     "max_pool1d");
}
Tensor avg_pool2d(const Tensor& input, const IntList& kernel_size, const IntList& stride,
                  const IntList& padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  return avg_pool_nd(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool2d");
}
Tensor avg_pool1d(const Tensor& input, const IntList& kernel_size, const IntList& stride,
                  const IntList& padding, bool ceil_mode, bool count_include_pad) {
  return avg_pool_nd(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     std::nullopt, "avg_pool1d");
}
Tensor adaptive_avg_pool1d(const Tensor& input, const IntList& output_size) {
  return adaptive_nd(Kind::Avg, input, 1, output_size, false, "adaptive_avg_pool1d").first;
}
Tensor adaptive_avg_pool2d(const Tensor& input, const IntList& output_size) {
  return adaptive_nd(Kind::Avg, input, 2, output_size, false, "adaptive_avg_pool2d").first;
}
std::pair<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input,
                                                           const IntList& output_size) {
  return adaptive_nd(Kind::Max, input, 1, output_size, true, "adaptive_max_pool1d");
}
std::pair<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input,
                                                           const IntList& output_size) {
  return adaptive_nd(Kind::Max, input, 2, output_size, true, "adaptive_max_pool2d");
}
Tensor adaptive_max_pool1d(const Tensor& input, const IntList& output_size) {
  return adaptive_nd(Kind::Max, input, 1, output_size, false, "adaptive_max_pool1d").first;
}
Tensor adaptive_max_pool2d(const Tensor& input, const IntList& output_size) {
  return adaptive_nd(Kind::Max, input, 2, output_size, false, "adaptive_max_pool2d").first;
}

namespace {

// max_unpool{1,2}d: PyTorch's output size rule (default (in - 1) * stride - 2 * padding +
// kernel, or output_size within one stride of it), then a scatter of each plane's values to
// their flat indices in a zero plane; autograd comes from scatter (the gradient gathers).
Tensor max_unpool_nd(const Tensor& input, const Tensor& indices, int64_t sd,
                     const IntList& kernel_size, const IntList& stride, const IntList& padding,
                     const IntList& output_size, const char* op) {
  check_input(input, sd, op);
  check_defined(indices, op, "indices");
  EMBER_CHECK(indices.dtype() == DType::Int64, TypeError, "[", op,
              "] expected int64 indices (from max_pool with return_indices=True), got ",
              dtype_name(indices.dtype()));
  EMBER_CHECK(indices.shape() == input.shape(), ValueError, "[", op,
              "] expected indices of the input's shape ", shape_str(input.shape()), ", got ",
              shape_str(indices.shape()));
  IntList k = expand_arg(kernel_size, sd, op, "kernel_size");
  IntList st = stride.empty() ? k : expand_arg(stride, sd, op, "stride");
  IntList p = expand_arg(padding, sd, op, "padding");
  const int64_t d = input.dim();
  IntList out(sd);
  for (int64_t i = 0; i < sd; ++i) {
    EMBER_CHECK(k[i] > 0 && st[i] > 0 && p[i] >= 0, ValueError, "[", op,
                "] expected positive kernel_size and stride and non-negative padding, got "
                "kernel_size ", list_str(k), ", stride ", list_str(st), ", padding ", list_str(p));
    out[i] = (input.shape()[d - sd + i] - 1) * st[i] - 2 * p[i] + k[i];
  }
  if (!output_size.empty()) {
    const int64_t n = static_cast<int64_t>(output_size.size());
    EMBER_CHECK(n == sd || n == sd + 1 || n == sd + 2, ValueError, "[", op,
                "] expected output_size of ", sd, " (or ", sd + 2, " with batch and channel) "
                "entries, got ", list_str(output_size));
    for (int64_t i = 0; i < sd; ++i) {
      const int64_t want = output_size[n - sd + i];
      EMBER_CHECK(want > out[i] - st[i] && want < out[i] + st[i], ValueError, "[", op,
                  "] expected output_size between ", list_str(IntList{out[i] - st[i] + 1}),
                  " and ", list_str(IntList{out[i] + st[i] - 1}), " in dim ", i, ", got ",
                  list_str(output_size));
      out[i] = want;
    }
  }
  int64_t plane = 1;
  for (int64_t i = 0; i < sd; ++i) {
    EMBER_CHECK(out[i] > 0, ValueError, "[", op, "] expected a positive output size, got ",
                list_str(out));
    plane *= out[i];
  }
  Tensor idx = contiguous(indices);
  const int64_t* ip = idx.data<int64_t>();
  for (int64_t i = 0, n = idx.numel(); i < n; ++i)
    EMBER_CHECK(ip[i] >= 0 && ip[i] < plane, IndexError, "[", op, "] found an invalid max index ",
                ip[i], " (expected 0 <= index < ", plane, " for output of spatial size ",
                list_str(out), ")");
  Shape flat(input.shape().begin(), input.shape().end() - sd);
  Shape oshape = flat;
  for (int64_t o : out) oshape.push_back(o);
  Shape in_flat = flat, out_flat = flat;
  in_flat.push_back(-1);
  out_flat.push_back(plane);
  Tensor base = zeros(out_flat, input.dtype());
  Tensor r = scatter(base, -1, reshape(idx, in_flat), reshape(input, in_flat));
  return reshape(r, oshape);
}

}  // namespace

Tensor max_unpool1d(const Tensor& input, const Tensor& indices, const IntList& kernel_size,
                    const IntList& stride, const IntList& padding, const IntList& output_size) {
  return max_unpool_nd(input, indices, 1, kernel_size, stride, padding, output_size,
                       "max_unpool1d");
}
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, const IntList& kernel_size,
                    const IntList& stride, const IntList& padding, const IntList& output_size) {
  return max_unpool_nd(input, indices, 2, kernel_size, stride, padding, output_size,
                       "max_unpool2d");
}

}  // namespace ember

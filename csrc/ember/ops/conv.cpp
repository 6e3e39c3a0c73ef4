// conv1d / conv2d / conv_transpose{1,2}d: argument checks, output shapes and autograd.
// Everything runs as a batched 2-D convolution (conv1d adds H = 1); the kernels live in
// cpu/conv.cpp. conv_transpose's forward is conv's backward-data and vice versa. Also
// im2col / col2im (F.unfold / F.fold) on the convolution's im2col code: each is the
// other's backward.
#include "ember/ops/conv.h"

#include <sstream>

#include "ember/autograd/function.h"
#include "ember/cpu/conv.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember {

using Grads = std::vector<Tensor>;
using autograd::record;
using autograd::SavedTensor;

namespace {

// Geometry shared by a convolution and its transpose (conv terms: "input" (N, C, H, W),
// "output" (N, K, OH, OW)).
struct Spec {
  int64_t sh, sw, ph, pw, dh, dw, G;
};

cpu::ConvGeom geom(const Shape& xs, const Shape& ws, const Spec& s, int64_t OH, int64_t OW) {
  return cpu::ConvGeom{xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], OH, OW,
                       s.sh, s.sw, s.ph, s.pw, s.dh, s.dw, s.G};
}

template <class F>
void by_dtype(DType t, const F& f) {
  if (t == DType::Float32) f(float{});
  else f(double{});
}

// dw for conv(x, w) given dy (no graph).
Tensor weight_grad(const Tensor& x, const Tensor& dy, const Shape& wshape, const Spec& s) {
  Tensor xc = contiguous(x), dyc = contiguous(dy);
  Tensor dw = Tensor::empty(wshape, x.dtype());
  by_dtype(x.dtype(), [&](auto z) {
    using T = decltype(z);
    cpu::conv2d_backward_weight<T>(geom(xc.shape(), wshape, s, dyc.size(2), dyc.size(3)),
                                   xc.data<T>(), dyc.data<T>(), dw.data<T>());
  });
  return dw;
}

Tensor conv_t_impl(const Tensor& x, const Tensor& w, const Tensor& bias, const Spec& s,
                   int64_t H, int64_t W);
Tensor conv_impl(const Tensor& x, const Tensor& w, const Tensor& bias, const Spec& s,
                 int64_t OH, int64_t OW);

// Backward of conv and of its transpose, which are each other's input gradient; the weight
// gradient correlates the input with the output gradient (roles swapped when transposed).
void record_backward(const Tensor& x, const Tensor& w, const Tensor& bias, const Tensor& out,
                     const Spec& s, bool transposed) {
  std::vector<Tensor> inputs{x, w};
  if (bias.defined()) inputs.push_back(bias);
  if (!autograd::any_requires_grad(inputs)) return;
  record("ConvolutionBackward", inputs, {out},
         [sx = SavedTensor(x), sw = SavedTensor(w), s, transposed](const Grads& g, const auto& node) {
           Grads r(node.next_edges().size());
           const Tensor &x = sx.get(), &w = sw.get();
           Tensor gy = contiguous(g[0]);
           if (node.needs_input_grad(0))
             r[0] = transposed ? conv_impl(gy, w, Tensor(), s, x.size(2), x.size(3))
                               : conv_t_impl(gy, w, Tensor(), s, x.size(2), x.size(3));
           if (node.needs_input_grad(1)) {
             autograd::NoGradGuard guard;
             r[1] = transposed ? weight_grad(gy, x, w.shape(), s) : weight_grad(x, gy, w.shape(), s);
           }
           if (r.size() > 2 && node.needs_input_grad(2)) r[2] = sum(gy, {0, 2, 3});
           return r;
         });
}

// conv(x, w) + bias with output size (OH, OW); x (N, C, H, W), w (K, C / G, KH, KW).
Tensor conv_impl(const Tensor& x, const Tensor& w, const Tensor& bias, const Spec& s,
                 int64_t OH, int64_t OW) {
  Tensor out = Tensor::empty({x.size(0), w.size(0), OH, OW}, x.dtype());
  {
    autograd::NoGradGuard guard;
    Tensor xc = contiguous(x), wc = contiguous(w), bc = bias.defined() ? contiguous(bias) : bias;
    by_dtype(x.dtype(), [&](auto z) {
      using T = decltype(z);
      cpu::conv2d_forward<T>(geom(xc.shape(), wc.shape(), s, OH, OW), xc.data<T>(),
                             wc.data<T>(), bc.defined() ? bc.data<T>() : nullptr, out.data<T>());
    });
  }
  record_backward(x, w, bias, out, s, /*transposed=*/false);
  return out;
}

// conv's backward-data as a forward: x (N, K, OH, OW), w (K, C / G, KH, KW) -> (N, C, H, W).
Tensor conv_t_impl(const Tensor& x, const Tensor& w, const Tensor& bias, const Spec& s,
                   int64_t H, int64_t W) {
  const int64_t C = w.size(1) * s.G;
  Tensor out = Tensor::empty({x.size(0), C, H, W}, x.dtype());
  {
    autograd::NoGradGuard guard;
    Tensor xc = contiguous(x), wc = contiguous(w);
    by_dtype(x.dtype(), [&](auto z) {
      using T = decltype(z);
      cpu::conv2d_backward_input<T>(geom(out.shape(), wc.shape(), s, x.size(2), x.size(3)),
                                    xc.data<T>(), wc.data<T>(), out.data<T>());
    });
    if (bias.defined()) {
      Tensor b4 = reshape(bias, {1, C, 1, 1});
      copy_(out, add(out, b4));
    }
  }
  record_backward(x, w, bias, out, s, /*transposed=*/true);
  return out;
}

std::string vec_str(const std::vector<int64_t>& v) {
  std::ostringstream o;
  o << "(";
  for (size_t i = 0; i < v.size(); ++i) o << (i ? ", " : "") << v[i];
  o << (v.size() == 1 ? ",)" : ")");
  return o.str();
}

// One value per spatial dim from an int-or-tuple argument.
std::vector<int64_t> per_dim(const std::vector<int64_t>& v, int nsp, const char* op,
                             const char* arg) {
  EMBER_CHECK(v.size() == 1 || static_cast<int>(v.size()) == nsp, ValueError, "[", op,
              "] expected ", arg, " to be a single int or a tuple of ", nsp, " ints, got ",
              vec_str(v));
  return v.size() == 1 ? std::vector<int64_t>(nsp, v[0]) : v;
}

struct Prepared {
  Tensor x, w;  // 4-D, batched
  bool unbatched;
};

// Checks shared by every convolution and lifts input / weight to batched 2-D form.
Prepared prepare(const char* op, int nsp, const Tensor& input, const Tensor& weight,
                 const Tensor& bias, bool transposed, int64_t groups) {
  check_defined(input, op, "input");
  check_defined(weight, op, "weight");
  const char* layout = nsp == 2 ? "(C, H, W) or (N, C, H, W)" : "(C, L) or (N, C, L)";
  EMBER_CHECK(input.dim() == nsp + 1 || input.dim() == nsp + 2, ValueError, "[", op,
              "] expected input of ", nsp + 1, " or ", nsp + 2, " dims ", layout, ", got shape ",
              shape_str(input.shape()));
  EMBER_CHECK(weight.dim() == nsp + 2, ValueError, "[", op, "] expected weight of ", nsp + 2,
              " dims ", transposed ? "(in_channels, out_channels / groups, kernel...)"
                                   : "(out_channels, in_channels / groups, kernel...)",
              ", got shape ", shape_str(weight.shape()));
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[", op,
              "] expected a float32 or float64 input, got ", dtype_name(input.dtype()));
  EMBER_CHECK(weight.dtype() == input.dtype(), TypeError, "[", op,
              "] expected weight of the input's dtype ", dtype_name(input.dtype()), ", got ",
              dtype_name(weight.dtype()));
  EMBER_CHECK(groups >= 1, ValueError, "[", op, "] expected groups >= 1, got ", groups);
  const bool unbatched = input.dim() == nsp + 1;
  const int64_t C = input.size(unbatched ? 0 : 1);
  // conv: weight (K, C / G, ...); transposed: weight (C, K / G, ...)
  const int64_t w_in = transposed ? weight.size(0) : weight.size(1) * groups;
  const int64_t w_out = transposed ? weight.size(1) * groups : weight.size(0);
  EMBER_CHECK(weight.size(0) % groups == 0, ValueError, "[", op, "] expected weight.size(0) ",
              "divisible by groups=", groups, ", got weight of shape ", shape_str(weight.shape()));
  EMBER_CHECK(C == w_in, ValueError, "[", op, "] expected input with ", w_in,
              " channels (weight of shape ", shape_str(weight.shape()), ", groups=", groups,
              "), got input of shape ", shape_str(input.shape()));
  EMBER_CHECK(C % groups == 0, ValueError, "[", op, "] expected in_channels divisible by groups=",
              groups, ", got input of shape ", shape_str(input.shape()));
  if (bias.defined()) {
    EMBER_CHECK(bias.dtype() == input.dtype(), TypeError, "[", op,
                "] expected bias of the input's dtype ", dtype_name(input.dtype()), ", got ",
                dtype_name(bias.dtype()));
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == w_out, ValueError, "[", op,
                "] expected bias of shape (", w_out, ",), got shape ", shape_str(bias.shape()));
  }
  Tensor x = unbatched ? unsqueeze(input, 0) : input, w = weight;
  if (nsp == 1) {
    x = unsqueeze(x, 2);
    w = unsqueeze(w, 2);
  }
  return {x, w, unbatched};
}

Tensor finish(const Tensor& out, int nsp, bool unbatched) {
  Tensor r = nsp == 1 ? squeeze(out, std::vector<int64_t>{2}) : out;
  return unbatched ? squeeze(r, std::vector<int64_t>{0}) : r;
}

// conv1d / conv2d; pad_mode "" (explicit sizes), "valid" or "same".
Tensor conv_any(const char* op, int nsp, const Tensor& input, const Tensor& weight,
                const Tensor& bias, const std::vector<int64_t>& stride_,
                const std::vector<int64_t>& padding_, const std::string& pad_mode,
                const std::vector<int64_t>& dilation_, int64_t groups) {
  auto stride = per_dim(stride_, nsp, op, "stride");
  auto dilation = per_dim(dilation_, nsp, op, "dilation");
  std::vector<int64_t> padding(nsp, 0);
  if (pad_mode.empty()) padding = per_dim(padding_, nsp, op, "padding");
  else
    EMBER_CHECK(pad_mode == "valid" || pad_mode == "same", ValueError, "[", op,
                "] expected padding 'valid', 'same' or sizes, got '", pad_mode, "'");
  for (int d = 0; d < nsp; ++d) {
    EMBER_CHECK(stride[d] >= 1, ValueError, "[", op, "] expected positive stride, got ", vec_str(stride));
    EMBER_CHECK(dilation[d] >= 1, ValueError, "[", op, "] expected positive dilation, got ",
                vec_str(dilation));
    EMBER_CHECK(padding[d] >= 0, ValueError, "[", op, "] expected non-negative padding, got ",
                vec_str(padding));
    EMBER_CHECK(pad_mode != "same" || stride[d] == 1, ValueError, "[", op,
                "] padding='same' is not supported for strided convolutions, got stride ",
                vec_str(stride));
  }
  Prepared p = prepare(op, nsp, input, weight, bias, false, groups);
  // spatial sizes in 2-D form (conv1d: H = 1 with kernel 1, stride 1, no padding)
  std::vector<int64_t> st = nsp == 2 ? stride : std::vector<int64_t>{1, stride[0]};
  std::vector<int64_t> di = nsp == 2 ? dilation : std::vector<int64_t>{1, dilation[0]};
  std::vector<int64_t> lo = nsp == 2 ? padding : std::vector<int64_t>{0, padding[0]}, hi = lo;
  if (pad_mode == "same")
    for (int d = 2 - nsp; d < 2; ++d) {
      const int64_t total = di[d] * (p.w.size(2 + d) - 1);
      lo[d] = total / 2;
      hi[d] = total - lo[d];
    }
  int64_t out[2];
  std::vector<int64_t> padded, kern;
  bool fits = true;
  for (int d = 0; d < 2; ++d) {
    const int64_t in = p.x.size(2 + d) + lo[d] + hi[d], k = di[d] * (p.w.size(2 + d) - 1) + 1;
    if (d >= 2 - nsp) {
      padded.push_back(in);
      kern.push_back(k);
    }
    fits = fits && in >= k;
    out[d] = in >= k ? (in - k) / st[d] + 1 : 0;
  }
  EMBER_CHECK(fits, ValueError, "[", op, "] expected the (dilated) kernel ", vec_str(kern),
              " to fit in the padded input ", vec_str(padded), ", got input of shape ",
              shape_str(input.shape()), " and weight of shape ", shape_str(weight.shape()));
  Spec s{st[0], st[1], lo[0], lo[1], di[0], di[1], groups};
  return finish(conv_impl(p.x, p.w, bias, s, out[0], out[1]), nsp, p.unbatched);
}

Tensor conv_t_any(const char* op, int nsp, const Tensor& input, const Tensor& weight,
                  const Tensor& bias, const std::vector<int64_t>& stride_,
                  const std::vector<int64_t>& padding_, const std::vector<int64_t>& outpad_,
                  int64_t groups, const std::vector<int64_t>& dilation_) {
  auto stride = per_dim(stride_, nsp, op, "stride");
  auto dilation = per_dim(dilation_, nsp, op, "dilation");
  auto padding = per_dim(padding_, nsp, op, "padding");
  auto outpad = per_dim(outpad_, nsp, op, "output_padding");
  for (int d = 0; d < nsp; ++d) {
    EMBER_CHECK(stride[d] >= 1, ValueError, "[", op, "] expected positive stride, got ", vec_str(stride));
    EMBER_CHECK(dilation[d] >= 1, ValueError, "[", op, "] expected positive dilation, got ",
                vec_str(dilation));
    EMBER_CHECK(padding[d] >= 0, ValueError, "[", op, "] expected non-negative padding, got ",
                vec_str(padding));
    EMBER_CHECK(outpad[d] >= 0 && (outpad[d] < stride[d] || outpad[d] < dilation[d]), ValueError,
                "[", op, "] expected output_padding smaller than stride or dilation, got "
                "output_padding ", vec_str(outpad), ", stride ", vec_str(stride), ", dilation ",
                vec_str(dilation));
  }
  Prepared p = prepare(op, nsp, input, weight, bias, true, groups);
  std::vector<int64_t> st = nsp == 2 ? stride : std::vector<int64_t>{1, stride[0]};
  std::vector<int64_t> di = nsp == 2 ? dilation : std::vector<int64_t>{1, dilation[0]};
  std::vector<int64_t> pd = nsp == 2 ? padding : std::vector<int64_t>{0, padding[0]};
  std::vector<int64_t> op2 = nsp == 2 ? outpad : std::vector<int64_t>{0, outpad[0]};
  int64_t out[2];
  std::vector<int64_t> sizes;
  bool ok = true;
  for (int d = 0; d < 2; ++d) {
    out[d] = (p.x.size(2 + d) - 1) * st[d] - 2 * pd[d] + di[d] * (p.w.size(2 + d) - 1) + op2[d] + 1;
    if (d >= 2 - nsp) sizes.push_back(out[d]);
    ok = ok && out[d] > 0;
  }
  EMBER_CHECK(ok, ValueError, "[", op, "] expected a positive output size, got ", vec_str(sizes),
              " for input of shape ", shape_str(input.shape()), " and weight of shape ",
              shape_str(weight.shape()));
  Spec s{st[0], st[1], pd[0], pd[1], di[0], di[1], groups};
  return finish(conv_t_impl(p.x, p.w, bias, s, out[0], out[1]), nsp, p.unbatched);
}

// ---- im2col / col2im (F.unfold / F.fold)

struct Blocks {
  int64_t kh, kw, dh, dw, ph, pw, sh, sw;
};

Blocks block_args(const char* op, const std::vector<int64_t>& kernel_size,
                  const std::vector<int64_t>& dilation, const std::vector<int64_t>& padding,
                  const std::vector<int64_t>& stride) {
  auto k = per_dim(kernel_size, 2, op, "kernel_size"), d = per_dim(dilation, 2, op, "dilation");
  auto p = per_dim(padding, 2, op, "padding"), s = per_dim(stride, 2, op, "stride");
  for (int i = 0; i < 2; ++i)
    EMBER_CHECK(k[i] > 0 && d[i] > 0 && s[i] > 0 && p[i] >= 0, ValueError, "[", op,
                "] expected kernel_size, dilation and stride > 0 and padding >= 0, got "
                "kernel_size=", vec_str(k), ", dilation=", vec_str(d), ", padding=", vec_str(p),
                ", stride=", vec_str(s));
  return {k[0], k[1], d[0], d[1], p[0], p[1], s[0], s[1]};
}

// Sliding blocks along one dim of `size` (<= 0 when the dilated kernel does not fit).
int64_t n_blocks(int64_t size, int64_t k, int64_t d, int64_t p, int64_t s) {
  const int64_t span = size + 2 * p - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

cpu::ConvGeom block_geom(int64_t N, int64_t C, int64_t H, int64_t W, const Blocks& b) {
  return cpu::ConvGeom{N, C, H, W, 0, b.kh, b.kw,
                       n_blocks(H, b.kh, b.dh, b.ph, b.sh), n_blocks(W, b.kw, b.dw, b.pw, b.sw),
                       b.sh, b.sw, b.ph, b.pw, b.dh, b.dw, 1};
}

Tensor col2im_impl(const Tensor& col, int64_t H, int64_t W, const Blocks& b);

// x (N, C, H, W) -> (N, C * kh * kw, L).
Tensor im2col_impl(const Tensor& x, const Blocks& b) {
  const cpu::ConvGeom g = block_geom(x.size(0), x.size(1), x.size(2), x.size(3), b);
  Tensor out = Tensor::empty({g.N, g.C * b.kh * b.kw, g.OH * g.OW}, x.dtype());
  {
    autograd::NoGradGuard guard;
    Tensor xc = contiguous(x);
    by_dtype(x.dtype(), [&](auto z) {
      using T = decltype(z);
      cpu::im2col<T>(g, xc.data<T>(), out.data<T>());
    });
  }
  if (autograd::any_requires_grad({x}))
    record("Im2ColBackward", {x}, {out}, [H = g.H, W = g.W, b](const Grads& gr, const auto&) {
      return Grads{col2im_impl(gr[0], H, W, b)};
    });
  return out;
}

// col (N, C * kh * kw, L) -> (N, C, H, W), overlapping entries summed.
Tensor col2im_impl(const Tensor& col, int64_t H, int64_t W, const Blocks& b) {
  const cpu::ConvGeom g = block_geom(col.size(0), col.size(1) / (b.kh * b.kw), H, W, b);
  Tensor out = Tensor::empty({g.N, g.C, H, W}, col.dtype());
  {
    autograd::NoGradGuard guard;
    Tensor cc = contiguous(col);
    by_dtype(col.dtype(), [&](auto z) {
      using T = decltype(z);
      cpu::col2im<T>(g, cc.data<T>(), out.data<T>());
    });
  }
  if (autograd::any_requires_grad({col}))
    record("Col2ImBackward", {col}, {out}, [b](const Grads& gr, const auto&) {
      return Grads{im2col_impl(gr[0], b)};
    });
  return out;
}

void check_float(const Tensor& input, const char* op) {
  check_defined(input, op, "input");
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[", op,
              "] expected a float32 or float64 input, got ", dtype_name(input.dtype()));
}

}  // namespace

Tensor im2col(const Tensor& input, const std::vector<int64_t>& kernel_size,
              const std::vector<int64_t>& dilation, const std::vector<int64_t>& padding,
              const std::vector<int64_t>& stride) {
  check_float(input, "unfold");
  const Blocks b = block_args("unfold", kernel_size, dilation, padding, stride);
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, ValueError,
              "[unfold] expected input of 3 or 4 dims (C, H, W) or (N, C, H, W), got shape ",
              shape_str(input.shape()));
  const bool unbatched = input.dim() == 3;
  Tensor x = unbatched ? unsqueeze(input, 0) : input;
  const cpu::ConvGeom g = block_geom(x.size(0), x.size(1), x.size(2), x.size(3), b);
  EMBER_CHECK(g.OH > 0 && g.OW > 0, ValueError, "[unfold] expected at least one sliding block, "
              "got spatial size ", vec_str({g.H, g.W}), " with kernel_size=",
              vec_str({b.kh, b.kw}), ", dilation=", vec_str({b.dh, b.dw}), ", padding=",
              vec_str({b.ph, b.pw}), ", stride=", vec_str({b.sh, b.sw}));
  Tensor out = im2col_impl(x, b);
  return unbatched ? squeeze(out, std::vector<int64_t>{0}) : out;
}

Tensor col2im(const Tensor& input, const std::vector<int64_t>& output_size,
              const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& dilation,
              const std::vector<int64_t>& padding, const std::vector<int64_t>& stride) {
  check_float(input, "fold");
  const Blocks b = block_args("fold", kernel_size, dilation, padding, stride);
  auto os = per_dim(output_size, 2, "fold", "output_size");
  EMBER_CHECK(os[0] > 0 && os[1] > 0, ValueError, "[fold] expected a positive output_size, got ",
              vec_str(os));
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, ValueError,
              "[fold] expected input of 2 or 3 dims (C * prod(kernel_size), L) or "
              "(N, C * prod(kernel_size), L), got shape ", shape_str(input.shape()));
  const bool unbatched = input.dim() == 2;
  Tensor col = unbatched ? unsqueeze(input, 0) : input;
  EMBER_CHECK(col.size(1) % (b.kh * b.kw) == 0, ValueError, "[fold] expected input.size(",
              unbatched ? 0 : 1, ") divisible by the product of kernel_size ",
              vec_str({b.kh, b.kw}), ", got input of shape ", shape_str(input.shape()));
  const cpu::ConvGeom g = block_geom(col.size(0), col.size(1) / (b.kh * b.kw), os[0], os[1], b);
  EMBER_CHECK(g.OH > 0 && g.OW > 0 && g.OH * g.OW == col.size(2), ValueError,
              "[fold] expected input.size(", unbatched ? 1 : 2, ") to equal the number of "
              "sliding blocks ", g.OH, " * ", g.OW, " = ", g.OH * g.OW, " for output_size=",
              vec_str(os), ", kernel_size=", vec_str({b.kh, b.kw}), ", dilation=",
              vec_str({b.dh, b.dw}), ", padding=", vec_str({b.ph, b.pw}), ", stride=",
              vec_str({b.sh, b.sw}), ", got input of shape ", shape_str(input.shape()));
  Tensor out = col2im_impl(col, os[0], os[1], b);
  return unbatched ? squeeze(out, std::vector<int64_t>{0}) : out;
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
              const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
              const std::vector<int64_t>& dilation, int64_t groups) {
  return conv_any("conv2d", 2, input, weight, bias, stride, padding, "", dilation, groups);
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
              const std::vector<int64_t>& stride, const std::string& padding,
              const std::vector<int64_t>& dilation, int64_t groups) {
  return conv_any("conv2d", 2, input, weight, bias, stride, {0}, padding, dilation, groups);
}
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias,
              const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
              const std::vector<int64_t>& dilation, int64_t groups) {
  return conv_any("conv1d", 1, input, weight, bias, stride, padding, "", dilation, groups);
}
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias,
              const std::vector<int64_t>& stride, const std::string& padding,
              const std::vector<int64_t>& dilation, int64_t groups) {
  return conv_any("conv1d", 1, input, weight, bias, stride, {0}, padding, dilation, groups);
}
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                        const std::vector<int64_t>& output_padding, int64_t groups,
                        const std::vector<int64_t>& dilation) {
  return conv_t_any("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding,
                    groups, dilation);
}
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                        const std::vector<int64_t>& output_padding, int64_t groups,
                        const std::vector<int64_t>& dilation) {
  return conv_t_any("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding,
                    groups, dilation);
}

Tensor conv2d_reference(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                        const std::vector<int64_t>& dilation, int64_t groups) {
  autograd::NoGradGuard guard;
  Tensor fast = conv2d(input, weight, bias, stride, padding, dilation, groups);  // checks + shape
  EMBER_CHECK(input.dim() == 4, ValueError, "[conv2d_reference] expected a 4-D input, got shape ",
              shape_str(input.shape()));
  auto st = per_dim(stride, 2, "conv2d_reference", "stride");
  auto pd = per_dim(padding, 2, "conv2d_reference", "padding");
  auto di = per_dim(dilation, 2, "conv2d_reference", "dilation");
  Tensor xc = contiguous(input), wc = contiguous(weight), bc = bias.defined() ? contiguous(bias) : bias;
  Tensor out = Tensor::empty(fast.shape(), input.dtype());
  Spec s{st[0], st[1], pd[0], pd[1], di[0], di[1], groups};
  by_dtype(input.dtype(), [&](auto z) {
    using T = decltype(z);
    cpu::conv2d_reference<T>(geom(xc.shape(), wc.shape(), s, out.size(2), out.size(3)),
                             xc.data<T>(), wc.data<T>(), bc.defined() ? bc.data<T>() : nullptr,
                             out.data<T>());
  });
  return out;
}

}  // namespace ember

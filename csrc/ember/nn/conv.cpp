// Convolution layers (see conv.h). The explicit padding for reflect / replicate / circular
// modes is an index_select per spatial dim (differentiable), private to these layers.
#include "ember/nn/conv.h"

#include <cmath>
#include <sstream>

#include "ember/nn/init.h"
#include "ember/ops/conv.h"
#include "ember/ops/creation.h"
#include "ember/ops/index.h"

namespace ember::nn {

namespace {

std::vector<int64_t> expand(const std::vector<int64_t>& v, int nsp, const char* layer,
                            const char* arg) {
  EMBER_CHECK(v.size() == 1 || static_cast<int>(v.size()) == nsp, ValueError, "[", layer,
              "] expected ", arg, " to be an int or a tuple of ", nsp, " ints, got ", v.size(),
              " values");
  return v.size() == 1 ? std::vector<int64_t>(nsp, v[0]) : v;
}

std::string tup(const std::vector<int64_t>& v) {
  std::ostringstream o;
  o << "(";
  for (size_t i = 0; i < v.size(); ++i) o << (i ? ", " : "") << v[i];
  o << (v.size() == 1 ? ",)" : ")");
  return o.str();
}

// Pads spatial dim `dim` of x by lo / hi with mode reflect | replicate | circular.
Tensor pad_dim(const Tensor& x, int64_t dim, int64_t lo, int64_t hi, const std::string& mode,
               const char* layer) {
  if (lo == 0 && hi == 0) return x;
  const int64_t L = x.size(dim);
  if (mode == "reflect")
    EMBER_CHECK(lo < L && hi < L, ValueError, "[", layer, "] reflect padding (", lo, ", ", hi,
                ") must be smaller than the input size ", L);
  else if (mode == "circular")
    EMBER_CHECK(lo <= L && hi <= L, ValueError, "[", layer, "] circular padding (", lo, ", ", hi,
                ") must not exceed the input size ", L);
  Tensor idx = Tensor::empty({L + lo + hi}, DType::Int64);
  int64_t* p = idx.data<int64_t>();
  for (int64_t o = 0; o < L + lo + hi; ++o) {
    int64_t j = o - lo;
    if (mode == "reflect") j = j < 0 ? -j : (j >= L ? 2 * (L - 1) - j : j);
    else if (mode == "replicate") j = j < 0 ? 0 : (j >= L ? L - 1 : j);
    else j = ((j % L) + L) % L;
    p[o] = j;
  }
  return index_select(x, dim, idx);
}

}  // namespace

ConvNd::ConvNd(int nsp_, bool transposed_, int64_t in, int64_t out, std::vector<int64_t> k,
               std::vector<int64_t> s, std::vector<int64_t> p, std::string pstr,
               std::vector<int64_t> op, std::vector<int64_t> d, int64_t g, bool bias,
               std::string pmode)
    : nsp(nsp_), transposed(transposed_), in_channels(in), out_channels(out), groups(g),
      padding_str(std::move(pstr)), padding_mode(std::move(pmode)) {
  const char* layer = nsp == 1 ? (transposed ? "ConvTranspose1d" : "Conv1d")
                               : (transposed ? "ConvTranspose2d" : "Conv2d");
  EMBER_CHECK(g >= 1, ValueError, "[", layer, "] groups must be a positive integer, got ", g);
  EMBER_CHECK(in >= 1 && out >= 1, ValueError, "[", layer,
              "] expected positive in_channels and out_channels, got ", in, " and ", out);
  EMBER_CHECK(in % g == 0, ValueError, "[", layer, "] in_channels must be divisible by groups, got ",
              in, " and groups=", g);
  EMBER_CHECK(out % g == 0, ValueError, "[", layer,
              "] out_channels must be divisible by groups, got ", out, " and groups=", g);
  kernel_size = expand(k, nsp, layer, "kernel_size");
  stride = expand(s, nsp, layer, "stride");
  dilation = expand(d, nsp, layer, "dilation");
  output_padding = expand(op, nsp, layer, "output_padding");
  padding = padding_str.empty() ? expand(p, nsp, layer, "padding") : std::vector<int64_t>(nsp, 0);
  for (int i = 0; i < nsp; ++i)
    EMBER_CHECK(kernel_size[i] >= 1 && stride[i] >= 1 && dilation[i] >= 1 && padding[i] >= 0,
                ValueError, "[", layer, "] expected positive kernel_size, stride and dilation and "
                "non-negative padding, got kernel_size ", tup(kernel_size), ", stride ",
                tup(stride), ", dilation ", tup(dilation), ", padding ", tup(padding));
  EMBER_CHECK(padding_str.empty() || padding_str == "valid" || padding_str == "same", ValueError,
              "[", layer, "] invalid padding string '", padding_str,
              "', should be one of {'valid', 'same'}");
  if (padding_str == "same")
    for (int i = 0; i < nsp; ++i)
      EMBER_CHECK(stride[i] == 1, ValueError, "[", layer,
                  "] padding='same' is not supported for strided convolutions");
  EMBER_CHECK(padding_mode == "zeros" || padding_mode == "reflect" ||
                  padding_mode == "replicate" || padding_mode == "circular",
              ValueError, "[", layer, "] padding_mode must be one of 'zeros', 'reflect', "
              "'replicate' or 'circular', got '", padding_mode, "'");
  EMBER_CHECK(!transposed || padding_mode == "zeros", ValueError, "[", layer,
              "] only 'zeros' padding mode is supported for ", layer);
  Shape ws = transposed ? Shape{in, out / g} : Shape{out, in / g};
  for (int64_t v : kernel_size) ws.push_back(v);
  weight_ = register_parameter("weight", Tensor::empty(ws));
  bias_ = register_parameter("bias", bias ? Tensor::empty({out}) : Tensor());
  reset_parameters();
}

void ConvNd::reset_parameters() {
  Tensor w = param(weight_);
  init::kaiming_uniform_(w, std::sqrt(5.0));
  Tensor b = param(bias_);
  if (b.defined()) {
    const int64_t fan_in = init::calculate_fan_in_and_fan_out(w).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(b, -bound, bound);
  }
}

std::string ConvNd::extra_repr() const {
  std::ostringstream o;
  o << in_channels << ", " << out_channels << ", kernel_size=" << tup(kernel_size)
    << ", stride=" << tup(stride);
  if (!padding_str.empty()) o << ", padding=" << padding_str;
  else if (padding != std::vector<int64_t>(nsp, 0)) o << ", padding=" << tup(padding);
  if (dilation != std::vector<int64_t>(nsp, 1)) o << ", dilation=" << tup(dilation);
  if (output_padding != std::vector<int64_t>(nsp, 0))
    o << ", output_padding=" << tup(output_padding);
  if (groups != 1) o << ", groups=" << groups;
  if (!param(bias_).defined()) o << ", bias=False";
  if (padding_mode != "zeros") o << ", padding_mode=" << padding_mode;
  return o.str();
}

Tensor ConvNd::forward(const Tensor& input) {
  const Tensor &w = param(weight_), &b = param(bias_);
  if (transposed)
    return nsp == 2 ? conv_transpose2d(input, w, b, stride, padding, output_padding, groups, dilation)
                    : conv_transpose1d(input, w, b, stride, padding, output_padding, groups, dilation);
  if (padding_mode == "zeros") {
    if (!padding_str.empty())
      return nsp == 2 ? conv2d(input, w, b, stride, padding_str, dilation, groups)
                      : conv1d(input, w, b, stride, padding_str, dilation, groups);
    return nsp == 2 ? conv2d(input, w, b, stride, padding, dilation, groups)
                    : conv1d(input, w, b, stride, padding, dilation, groups);
  }
  check_defined(input, name().c_str(), "input");
  EMBER_CHECK(input.dim() == nsp + 1 || input.dim() == nsp + 2, ValueError, "[", name(),
              "] expected input of ", nsp + 1, " or ", nsp + 2, " dims, got shape ",
              shape_str(input.shape()));
  Tensor x = input;
  for (int i = 0; i < nsp; ++i) {
    int64_t lo = padding[i], hi = padding[i];
    if (padding_str == "same") {
      const int64_t total = dilation[i] * (kernel_size[i] - 1);
      lo = total / 2;
      hi = total - lo;
    }
    x = pad_dim(x, x.dim() - nsp + i, lo, hi, padding_mode, name().c_str());
  }
  std::vector<int64_t> zero(nsp, 0);
  return nsp == 2 ? conv2d(x, w, b, stride, zero, dilation, groups)
                  : conv1d(x, w, b, stride, zero, dilation, groups);
}

namespace {
// Torch prints these arguments as given: an int, or a tuple.
std::string int_or_tup(const std::vector<int64_t>& v) {
  return v.size() == 1 ? std::to_string(v[0]) : tup(v);
}
}  // namespace

std::string Unfold::extra_repr() const {
  return "kernel_size=" + int_or_tup(kernel_size) + ", dilation=" + int_or_tup(dilation) +
         ", padding=" + int_or_tup(padding) + ", stride=" + int_or_tup(stride);
}
Tensor Unfold::forward(const Tensor& input) {
  return im2col(input, kernel_size, dilation, padding, stride);
}

std::string Fold::extra_repr() const {
  return "output_size=" + int_or_tup(output_size) + ", kernel_size=" + int_or_tup(kernel_size) +
         ", dilation=" + int_or_tup(dilation) + ", padding=" + int_or_tup(padding) +
         ", stride=" + int_or_tup(stride);
}
Tensor Fold::forward(const Tensor& input) {
  return col2im(input, output_size, kernel_size, dilation, padding, stride);
}

}  // namespace ember::nn

// RotaryEmbedding and SinusoidalPositionalEncoding; see position.h. Tables are filled in
// double precision on construction (a one-off cost of max_len * dim sin/cos).
#include "ember/nn/position.h"

#include <cmath>

#include "ember/nn/activation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/rotary.h"
#include "ember/ops/view.h"

namespace ember::nn {

RotaryEmbedding::RotaryEmbedding(int64_t dim, int64_t max_seq_len, double base, bool interleaved)
    : dim(dim), max_seq_len(max_seq_len), base(base), interleaved(interleaved) {
  EMBER_CHECK(dim > 0 && dim % 2 == 0, ValueError,
              "[RotaryEmbedding] expected a positive even dim, got ", dim);
  EMBER_CHECK(max_seq_len >= 0, ValueError,
              "[RotaryEmbedding] expected max_seq_len >= 0, got ", max_seq_len);
  EMBER_CHECK(base > 0 && std::isfinite(base), ValueError,
              "[RotaryEmbedding] expected a positive finite base, got ", base);
  const int64_t half = dim / 2;
  Tensor c = Tensor::empty({max_seq_len, half}, DType::Float32);
  Tensor s = Tensor::empty({max_seq_len, half}, DType::Float32);
  float *cp = c.data<float>(), *sp = s.data<float>();
  for (int64_t i = 0; i < half; ++i) {
    const double theta = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(dim));
    for (int64_t p = 0; p < max_seq_len; ++p) {
      const double a = static_cast<double>(p) * theta;
      cp[p * half + i] = static_cast<float>(std::cos(a));
      sp[p * half + i] = static_cast<float>(std::sin(a));
    }
  }
  cos_ = register_buffer("cos", c, /*persistent=*/false);
  sin_ = register_buffer("sin", s, /*persistent=*/false);
}

std::string RotaryEmbedding::extra_repr() const {
  return detail::cat("dim=", dim, ", max_seq_len=", max_seq_len, ", base=", float_repr(base),
                     ", interleaved=", interleaved ? "True" : "False");
}

std::pair<Tensor, Tensor> RotaryEmbedding::tables(int64_t offset, int64_t L, DType dtype) const {
  EMBER_CHECK(offset >= 0 && L >= 0, ValueError, "[RotaryEmbedding] expected offset >= 0 and "
              "L >= 0, got offset ", offset, " and L ", L);
  EMBER_CHECK(offset + L <= max_seq_len, ValueError, "[RotaryEmbedding] positions offset + L = ",
              offset, " + ", L, " = ", offset + L, " exceed max_seq_len = ", max_seq_len);
  const Tensor& c = buffer(cos_);
  const Tensor& s = buffer(sin_);
  EMBER_CHECK(c.defined() && s.defined() && c.dim() == 2 && c.size(0) == max_seq_len &&
                  c.size(1) == dim / 2 && s.shape() == c.shape(),
              RuntimeError, "[RotaryEmbedding] the cos/sin buffers were replaced by tensors "
              "not of shape (max_seq_len, dim/2) = ", shape_str({max_seq_len, dim / 2}));
  return {to_dtype(narrow(c, 0, offset, L), dtype), to_dtype(narrow(s, 0, offset, L), dtype)};
}

Tensor RotaryEmbedding::forward(const Tensor& x, int64_t offset) {
  check_defined(x, "RotaryEmbedding", "x");
  EMBER_CHECK(x.dim() >= 2 && x.size(-1) == dim, ValueError, "[RotaryEmbedding] expected x "
              "of shape (..., L, ", dim, "), got ", shape_str(x.shape()));
  EMBER_CHECK(is_floating(x.dtype()), TypeError, "[RotaryEmbedding] expected a floating point "
              "x, got ", dtype_name(x.dtype()));
  auto [c, s] = tables(offset, x.size(-2), x.dtype());
  return apply_rotary_emb(x, c, s, interleaved);
}

SinusoidalPositionalEncoding::SinusoidalPositionalEncoding(int64_t d_model, double dropout,
                                                           int64_t max_len, bool batch_first)
    : d_model(d_model), max_len(max_len), batch_first(batch_first) {
  EMBER_CHECK(d_model > 0, ValueError, "[SinusoidalPositionalEncoding] expected d_model > 0, "
              "got ", d_model);
  EMBER_CHECK(max_len >= 0, ValueError, "[SinusoidalPositionalEncoding] expected max_len >= 0, "
              "got ", max_len);
  dropout_ = register_module("dropout", std::make_shared<Dropout>(dropout));
  Tensor pe = Tensor::empty({max_len, 1, d_model}, DType::Float32);
  float* p = pe.data<float>();
  for (int64_t j = 0; j < d_model; j += 2) {
    // 1 / 10000^(j/d) written as the tutorial's exp(j * -ln(10000) / d).
    const double div = std::exp(static_cast<double>(j) * (-std::log(10000.0) / d_model));
    for (int64_t pos = 0; pos < max_len; ++pos) {
      const double a = static_cast<double>(pos) * div;
      p[pos * d_model + j] = static_cast<float>(std::sin(a));
      if (j + 1 < d_model) p[pos * d_model + j + 1] = static_cast<float>(std::cos(a));
    }
  }
  pe_ = register_buffer("pe", pe);
}

std::string SinusoidalPositionalEncoding::extra_repr() const {
  return detail::cat("d_model=", d_model, ", max_len=", max_len,
                     batch_first ? ", batch_first=True" : "");
}

Tensor SinusoidalPositionalEncoding::forward(const Tensor& x) {
  const char* op = "SinusoidalPositionalEncoding";
  check_defined(x, op);
  EMBER_CHECK((x.dim() == 2 || x.dim() == 3) && x.size(-1) == d_model, ValueError, "[", op,
              "] expected input of shape ", batch_first ? "(N, L, " : "(L, N, ", d_model,
              ") or (L, ", d_model, "), got ", shape_str(x.shape()));
  EMBER_CHECK(is_floating(x.dtype()), TypeError, "[", op, "] expected a floating point input, "
              "got ", dtype_name(x.dtype()));
  const int64_t L = (x.dim() == 3 && batch_first) ? x.size(1) : x.size(0);
  EMBER_CHECK(L <= max_len, ValueError, "[", op, "] sequence length ", L, " exceeds max_len = ",
              max_len);
  const Tensor& pe = buffer(pe_);
  EMBER_CHECK(pe.defined() && pe.dim() == 3 && pe.size(0) == max_len && pe.size(1) == 1 &&
                  pe.size(2) == d_model,
              RuntimeError, "[", op, "] buffer pe was replaced by a tensor not of shape ",
              shape_str({max_len, 1, d_model}));
  Tensor table = to_dtype(narrow(pe, 0, 0, L), x.dtype());  // (L, 1, d)
  if (x.dim() == 2)
    table = select(table, 1, 0);  // (L, d)
  else if (batch_first)
    table = transpose(table, 0, 1);  // (1, L, d)
  Module* drop = child(dropout_);
  Tensor y = add(x, table);
  return drop ? (*drop)(y) : y;
}

}  // namespace ember::nn

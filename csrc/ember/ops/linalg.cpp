// The matmul family: argument checks, output shapes, batch broadcasting, autograd. Every
// product funnels into matmul_nd (both operands >= 2-D) or linear, which call cpu::gemm_*
// on strided views: transposed/permuted operands are read in place, never copied.
#include "ember/ops/linalg.h"

#include "ember/autograd/function.h"
#include "ember/cpu/gemm.h"
#include "ember/cpu/linear_nt.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::record;
using autograd::SavedTensor;
using autograd::sum_to;
using Grads = std::vector<Tensor>;

namespace {

void check_operands(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op, "first operand");
  check_defined(b, op, "second operand");
  EMBER_CHECK(a.dtype() == b.dtype(), TypeError, "[", op, "] expected both operands to have the "
              "same dtype, got ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  EMBER_CHECK(a.dtype() != DType::Bool, TypeError, "[", op, "] bool tensors are not supported; "
              "convert them to float32 or int64 first");
}

// Rows of t's leading dims (all but the last) as one strided dim, when the strides allow:
// returns false, or sets rows and row stride.
bool fold_rows(const Tensor& t, int64_t& rows, int64_t& row_stride) {
  rows = 1;
  row_stride = t.dim() >= 2 ? t.stride(-2) : 1;
  int64_t prev_size = 0, prev_stride = 0;
  bool any = false;
  for (int64_t d = t.dim() - 2; d >= 0; --d) {
    const int64_t s = t.shape()[d];
    rows *= s;
    if (s == 1) continue;
    if (!any) {
      row_stride = t.strides()[d];
      any = true;
    } else if (t.strides()[d] != prev_stride * prev_size) {
      return false;
    }
    prev_size = s;
    prev_stride = t.strides()[d];
  }
  return true;
}

// out (batch..., M, N), contiguous = alpha * a (..., M, K) @ b (..., K, N) + beta * out, batch
// dims of a and b broadcast to out's. Runs without autograd.
void run_matmul(const Tensor& a, const Tensor& b, Tensor& out, double alpha, double beta) {
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  const Shape batch(out.shape().begin(), out.shape().end() - 2);
  const int64_t nb = out.numel() == 0 ? 0 : out.numel() / (M * N);
  if (nb == 0) return;
  std::vector<int64_t> ao(static_cast<size_t>(nb)), bo(ao.size()), co(ao.size());
  int64_t a_rs = a.stride(-2), M_eff = M;
  int64_t folded_rows = 0, folded_stride = 0;
  if (b.dim() == 2 && a.dim() > 2 && fold_rows(a, folded_rows, folded_stride)) {
    // Batched a times one matrix b: a single (nb*M, K) @ (K, N) product.
    M_eff = folded_rows;
    a_rs = folded_stride;
    ao.assign(1, 0);
    bo.assign(1, 0);
    co.assign(1, 0);
  } else {
    auto strides_for = [&](const Tensor& t) {
      Shape tb(t.shape().begin(), t.shape().end() - 2), ts(t.strides().begin(), t.strides().end() - 2);
      return broadcast_strides(tb, ts, batch);
    };
    const Shape as = strides_for(a), bs = strides_for(b);
    Shape idx(batch.size(), 0);
    int64_t oa = 0, ob = 0;
    for (int64_t i = 0; i < nb; ++i) {
      ao[static_cast<size_t>(i)] = oa;
      bo[static_cast<size_t>(i)] = ob;
      co[static_cast<size_t>(i)] = i * M * N;
      for (int64_t d = static_cast<int64_t>(batch.size()) - 1; d >= 0; --d) {
        if (++idx[d] < batch[d]) {
          oa += as[d];
          ob += bs[d];
          break;
        }
        oa -= as[d] * (batch[d] - 1);
        ob -= bs[d] * (batch[d] - 1);
        idx[d] = 0;
      }
    }
  }
  const int64_t count = static_cast<int64_t>(ao.size());
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      EMBER_THROW(TypeError, "[matmul] bool tensors are not supported");
    } else {
      cpu::gemm_batched<T>(count, ao.data(), bo.data(), co.data(), M_eff, N, K, static_cast<T>(alpha),
                           cpu::MatView<const T>{a.data<T>(), a_rs, a.stride(-1)},
                           cpu::MatView<const T>{b.data<T>(), b.stride(-2), b.stride(-1)},
                           static_cast<T>(beta), cpu::MatView<T>{out.data<T>(), N, 1});
    }
  });
}

// float32 linear with few rows through cpu::linear_nt (the weight read in place, not packed):
// out (rows, N) = x (rows, K; row stride rs) W^T + bias [+ residual] [relu]. Returns false,
// doing nothing, when the operands or the shape do not suit it.
bool linear_small_m(const Tensor& x, int64_t rows, int64_t rs, const Tensor& weight,
                    const Tensor& bias, const Tensor& residual, bool relu, Tensor& out) {
  const int64_t K = weight.size(1), N = weight.size(0);
  if (x.dtype() != DType::Float32 || weight.stride(1) != 1 || rows == 0 || N == 0) return false;
  if (bias.defined() && (bias.dtype() != DType::Float32 || bias.dim() != 1 ||
                        bias.numel() != N || bias.stride(0) != 1))
    return false;
  if (residual.defined() && (residual.dtype() != DType::Float32 ||
                             residual.shape() != out.shape() || !residual.is_contiguous()))
    return false;
  if (!cpu::linear_nt_suits(rows, N, K)) return false;
  cpu::linear_nt(rows, N, K, x.data<float>(), rs, x.stride(-1), weight.data<float>(),
                 weight.stride(0), bias.defined() ? bias.data<float>() : nullptr,
                 residual.defined() ? residual.data<float>() : nullptr, N, relu,
                 out.data<float>(), N);
  return true;
}

// Differentiable product of two tensors of >= 2 dims with broadcast batch dims.
Tensor matmul_nd(const Tensor& a, const Tensor& b, const char* op, const Shape& shape_a,
                 const Shape& shape_b) {
  EMBER_CHECK(a.size(-1) == b.size(-2), ValueError, "[", op, "] shapes ", shape_str(shape_a),
              " and ", shape_str(shape_b), " cannot be multiplied (", a.size(-1), " != ",
              b.size(-2), ")");
  Shape ba(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  Shape shape = broadcast_shapes(ba, bb, op);
  shape.push_back(a.size(-2));
  shape.push_back(b.size(-1));
  Tensor out = Tensor::empty(shape, a.dtype());
  run_matmul(a, b, out, 1.0, 0.0);
  if (autograd::any_requires_grad({a, b}))
    record("MatmulBackward", {a, b}, {out},
           [sa = SavedTensor(a), sb = SavedTensor(b)](const Grads& g, const auto& node) {
             Grads r(2);
             const Tensor &x = sa.get(), &y = sb.get();
             if (node.needs_input_grad(0)) r[0] = sum_to(matmul(g[0], transpose(y, -1, -2)), x.shape());
             if (node.needs_input_grad(1)) {
               if (y.dim() == 2 && x.dim() > 2) {  // fold the batch: one (K, rows) @ (rows, N)
                 r[1] = matmul(transpose(reshape(x, {-1, x.size(-1)}), 0, 1),
                               reshape(g[0], {-1, g[0].size(-1)}));
               } else {
                 r[1] = sum_to(matmul(transpose(x, -1, -2), g[0]), y.shape());
               }
             }
             return r;
           });
  return out;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "matmul");
  EMBER_CHECK(a.dim() >= 1 && b.dim() >= 1, ValueError, "[matmul] expected both operands to "
              "have at least 1 dim, got shapes ", shape_str(a.shape()), " and ",
              shape_str(b.shape()));
  const bool va = a.dim() == 1, vb = b.dim() == 1;
  Tensor a2 = va ? view(a, {1, a.size(0)}) : a;
  Tensor b2 = vb ? view(b, {b.size(0), 1}) : b;
  Tensor out = matmul_nd(a2, b2, "matmul", a.shape(), b.shape());
  if (!va && !vb) return out;
  Shape shape(out.shape().begin(), out.shape().end() - 2);
  if (!va) shape.push_back(out.size(-2));
  if (!vb) shape.push_back(out.size(-1));
  return view(out, shape);
}

Tensor mm(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "mm");
  EMBER_CHECK(a.dim() == 2 && b.dim() == 2, ValueError, "[mm] expected 2-D tensors, got shapes ",
              shape_str(a.shape()), " and ", shape_str(b.shape()));
  return matmul_nd(a, b, "mm", a.shape(), b.shape());
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "bmm");
  EMBER_CHECK(a.dim() == 3 && b.dim() == 3, ValueError, "[bmm] expected 3-D tensors, got shapes ",
              shape_str(a.shape()), " and ", shape_str(b.shape()));
  EMBER_CHECK(a.size(0) == b.size(0), ValueError, "[bmm] expected equal batch sizes, got shapes ",
              shape_str(a.shape()), " and ", shape_str(b.shape()));
  return matmul_nd(a, b, "bmm", a.shape(), b.shape());
}

Tensor dot(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "dot");
  EMBER_CHECK(a.dim() == 1 && b.dim() == 1 && a.size(0) == b.size(0), ValueError,
              "[dot] expected two 1-D tensors of the same size, got shapes ", shape_str(a.shape()),
              " and ", shape_str(b.shape()));
  return matmul(a, b);
}

Tensor mv(const Tensor& a, const Tensor& v) {
  check_operands(a, v, "mv");
  EMBER_CHECK(a.dim() == 2 && v.dim() == 1, ValueError, "[mv] expected a 2-D matrix and a 1-D "
              "vector, got shapes ", shape_str(a.shape()), " and ", shape_str(v.shape()));
  EMBER_CHECK(a.size(1) == v.size(0), ValueError, "[mv] shapes ", shape_str(a.shape()), " and ",
              shape_str(v.shape()), " cannot be multiplied (", a.size(1), " != ", v.size(0), ")");
  return matmul(a, v);
}

Tensor outer(const Tensor& a, const Tensor& b) {
  check_defined(a, "outer", "first operand");
  check_defined(b, "outer", "second operand");
  EMBER_CHECK(a.dim() == 1 && b.dim() == 1, ValueError, "[outer] expected two 1-D tensors, got "
              "shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()));
  return mul(view(a, {a.size(0), 1}), view(b, {1, b.size(0)}));
}

Tensor addmm(const Tensor& input, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
             const Scalar& alpha) {
  check_operands(mat1, mat2, "addmm");
  check_defined(input, "addmm", "input");
  EMBER_CHECK(mat1.dim() == 2 && mat2.dim() == 2, ValueError, "[addmm] expected 2-D mat1 and "
              "mat2, got shapes ", shape_str(mat1.shape()), " and ", shape_str(mat2.shape()));
  EMBER_CHECK(mat1.size(1) == mat2.size(0), ValueError, "[addmm] shapes ", shape_str(mat1.shape()),
              " and ", shape_str(mat2.shape()), " cannot be multiplied (", mat1.size(1), " != ",
              mat2.size(0), ")");
  EMBER_CHECK(input.dtype() == mat1.dtype(), TypeError, "[addmm] expected input of dtype ",
              dtype_name(mat1.dtype()), " like mat1 and mat2, got ", dtype_name(input.dtype()));
  EMBER_CHECK(is_floating(mat1.dtype()) || (beta.kind() != Scalar::Kind::Float &&
              alpha.kind() != Scalar::Kind::Float), TypeError,
              "[addmm] float beta or alpha need floating point tensors, got ",
              dtype_name(mat1.dtype()));
  const Shape shape{mat1.size(0), mat2.size(1)};
  const bool use_input = beta.to_double() != 0.0;
  EMBER_CHECK(broadcast_shapes(input.shape(), shape, "addmm") == shape, ValueError,
              "[addmm] expected input broadcastable to ", shape_str(shape), ", got shape ",
              shape_str(input.shape()));
  Tensor out = Tensor::empty(shape, mat1.dtype());
  {
    autograd::NoGradGuard guard;
    if (use_input) copy_(out, input);
    run_matmul(mat1, mat2, out, alpha.to_double(), use_input ? beta.to_double() : 0.0);
  }
  if (autograd::any_requires_grad({input, mat1, mat2}))
    record("AddmmBackward", {input, mat1, mat2}, {out},
           [si = input.shape(), s1 = SavedTensor(mat1), s2 = SavedTensor(mat2), beta,
            alpha](const Grads& g, const auto& node) {
             Grads r(3);
             auto scaled = [](const Tensor& t, const Scalar& s) {
               return s.to_double() == 1.0 ? t : mul(t, s);
             };
             if (node.needs_input_grad(0)) r[0] = sum_to(mul(g[0], beta), si);
             if (node.needs_input_grad(1)) r[1] = scaled(mm(g[0], transpose(s2.get(), 0, 1)), alpha);
             if (node.needs_input_grad(2)) r[2] = scaled(mm(transpose(s1.get(), 0, 1), g[0]), alpha);
             return r;
           });
  return out;
}

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  check_operands(input, weight, "linear");
  EMBER_CHECK(weight.dim() == 2, ValueError, "[linear] expected weight of shape (out_features, "
              "in_features), got shape ", shape_str(weight.shape()));
  EMBER_CHECK(input.dim() >= 1 && input.size(-1) == weight.size(1), ValueError,
              "[linear] expected input with last dim ", weight.size(1), " (in_features), got shape ",
              shape_str(input.shape()));
  const int64_t in_f = weight.size(1), out_f = weight.size(0);
  if (bias.defined()) {
    EMBER_CHECK(bias.dtype() == weight.dtype(), TypeError, "[linear] expected bias of dtype ",
                dtype_name(weight.dtype()), ", got ", dtype_name(bias.dtype()));
    EMBER_CHECK(bias.dim() <= 1 && (bias.numel() == out_f || bias.numel() == 1), ValueError,
                "[linear] expected bias of shape (", out_f, ",), got shape ", shape_str(bias.shape()));
  }
  Shape shape(input.shape().begin(), input.shape().end() - 1);
  shape.push_back(out_f);
  Tensor out = Tensor::empty(shape, input.dtype());
  {
    autograd::NoGradGuard guard;
    int64_t rows = 0, rs = 0;
    Tensor x = input;
    if (!fold_rows(x, rows, rs)) {
      x = contiguous(input);
      fold_rows(x, rows, rs);
    }
    if (!linear_small_m(x, rows, rs, weight, bias, Tensor(), false, out)) {
      Tensor x2 = as_strided(x, {rows, in_f}, {rs, x.stride(-1)}, x.offset());
      Tensor o2 = as_strided(out, {rows, out_f}, {out_f, 1}, out.offset());
      if (bias.defined()) copy_(o2, bias);
      run_matmul(x2, transpose(weight, 0, 1), o2, 1.0, bias.defined() ? 1.0 : 0.0);
    }
  }
  std::vector<Tensor> inputs{input, weight};
  if (bias.defined()) inputs.push_back(bias);
  if (autograd::any_requires_grad(inputs))
    record("LinearBackward", inputs, {out},
           [sx = SavedTensor(input), sw = SavedTensor(weight),
            sbias = bias.defined() ? bias.shape() : Shape{}](const Grads& g, const auto& node) {
             Grads r(node.next_edges().size());
             const Tensor &x = sx.get(), &w = sw.get();
             if (node.needs_input_grad(0)) r[0] = matmul(g[0], w);
             if (node.needs_input_grad(1))
               r[1] = mm(transpose(reshape(g[0], {-1, w.size(0)}), 0, 1), reshape(x, {-1, w.size(1)}));
             if (r.size() > 2 && node.needs_input_grad(2)) r[2] = sum_to(g[0], sbias);
             return r;
           });
  return out;
}

Tensor linear_fused(const Tensor& input, const Tensor& weight, const Tensor& bias,
                    const Tensor& residual, bool relu) {
  std::vector<Tensor> inputs{input, weight, bias, residual};
  const bool plain = autograd::any_requires_grad(inputs) || !input.defined() ||
                     !weight.defined() || input.dtype() != DType::Float32 || weight.dim() != 2 ||
                     input.dim() < 1 || input.size(-1) != weight.size(1);
  if (!plain) {
    int64_t rows = 0, rs = 0;
    Shape shape(input.shape().begin(), input.shape().end() - 1);
    shape.push_back(weight.size(0));
    if (weight.dtype() == DType::Float32 && (!bias.defined() || bias.dtype() == DType::Float32) &&
        fold_rows(input, rows, rs) && (!residual.defined() || residual.shape() == shape)) {
      Tensor out = Tensor::empty(shape, DType::Float32);
      if (linear_small_m(input, rows, rs, weight, bias, residual, relu, out)) return out;
    }
  }
  // Any other case (autograd, other dtypes or shapes): the same maths op by op.
  Tensor y = linear(input, weight, bias);
  if (residual.defined()) y = add(y, residual);
  return relu ? ember::relu(y) : y;
}

namespace {

// where(mask, t, 0) with mask[i, j] = (j - i <= diagonal) for lower, (j - i >= diagonal) else;
// where gives the gradient (the same triangle of the incoming gradient).
Tensor triangle(const Tensor& t, int64_t diagonal, bool lower, const char* op) {
  check_defined(t, op);
  EMBER_CHECK(t.dim() >= 2, ValueError, "[", op, "] expected a tensor with at least 2 dims, got ",
              t.dim(), " dims");
  const int64_t m = t.shape()[t.dim() - 2], n = t.shape()[t.dim() - 1];
  Tensor offset = sub(reshape(arange(Scalar(int64_t{0}), Scalar(n)), {1, n}),
                      reshape(arange(Scalar(int64_t{0}), Scalar(m)), {m, 1}));
  Tensor mask = lower ? le(offset, Scalar(diagonal)) : ge(offset, Scalar(diagonal));
  return where(mask, t, zeros_like(t));
}

}  // namespace

Tensor tril(const Tensor& t, int64_t diagonal) { return triangle(t, diagonal, true, "tril"); }
Tensor triu(const Tensor& t, int64_t diagonal) { return triangle(t, diagonal, false, "triu"); }

}  // namespace ember

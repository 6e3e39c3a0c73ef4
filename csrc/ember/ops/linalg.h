// The matmul family with PyTorch semantics: matmul (1-D/2-D/batched with broadcast batch
// dims), mm, bmm, addmm, linear, dot, mv, outer; all differentiable. Operands must share a
// dtype (float32, float64 or int64; int64 runs a plain loop); bool is rejected. Also the
// triangle masks tril / triu.
#pragma once
#include "ember/core/tensor.h"
#include "ember/ops/scalar.h"

namespace ember {

Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);    // (M, K) @ (K, N)
Tensor bmm(const Tensor& a, const Tensor& b);   // (B, M, K) @ (B, K, N), no broadcasting
Tensor dot(const Tensor& a, const Tensor& b);   // 1-D . 1-D -> 0-d
Tensor mv(const Tensor& a, const Tensor& v);    // (M, K) @ (K,) -> (M,)
Tensor outer(const Tensor& a, const Tensor& b); // (M,) x (N,) -> (M, N)
// beta * input + alpha * mat1 @ mat2; input broadcasts to (M, N) and is ignored when beta == 0.
Tensor addmm(const Tensor& input, const Tensor& mat1, const Tensor& mat2,
             const Scalar& beta = Scalar(int64_t{1}), const Scalar& alpha = Scalar(int64_t{1}));
// input (..., in) @ weight (out, in)^T + bias (out,); bias may be undefined.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());
// linear(input, weight, bias) [+ residual] [then relu], fused into the product's epilogue when
// nothing needs a gradient and the float32 small-M kernel applies (inference); otherwise the
// same ops one by one (differentiable). residual must have the output's shape to be fused.
Tensor linear_fused(const Tensor& input, const Tensor& weight, const Tensor& bias,
                    const Tensor& residual, bool relu);
// The lower (tril) / upper (triu) triangle of the last two dims, other entries zero: tril
// keeps (i, j) with j - i <= diagonal, triu those with j - i >= diagonal. Any dtype.
Tensor tril(const Tensor& t, int64_t diagonal = 0);
Tensor triu(const Tensor& t, int64_t diagonal = 0);

}  // namespace ember

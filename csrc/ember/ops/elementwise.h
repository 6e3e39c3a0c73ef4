// Elementwise maths with NumPy broadcasting and PyTorch type promotion, their in-place
// forms and backward formulas: arithmetic (elementwise.cpp), unary maths and activations
// (activation.cpp), comparisons and logical/bitwise ops (compare.cpp). Scalar overloads
// take Python numbers (x + 1.5). In-place forms (trailing _) write into their first
// argument: the result must broadcast to its shape and be castable to its dtype (no
// float -> int), and they bump its version counter.
#pragma once
#include <optional>
#include <string>

#include "ember/core/tensor.h"
#include "ember/ops/scalar.h"

namespace ember {

// ---- arithmetic (elementwise.cpp) ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, const Scalar& b);
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha);  // a + alpha * b
Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Scalar& b);
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha);  // a - alpha * b
Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha);
Tensor rsub(const Tensor& a, const Scalar& b);  // b - a
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Scalar& b);
Tensor div(const Tensor& a, const Tensor& b);  // true division: ints promote to float
Tensor div(const Tensor& a, const Scalar& b);
// rounding_mode: "" (true division), "trunc" or "floor" (keep integer dtypes; integer
// division by zero raises RuntimeError "ZeroDivisionError").
Tensor div(const Tensor& a, const Tensor& b, const std::string& rounding_mode);
Tensor div(const Tensor& a, const Scalar& b, const std::string& rounding_mode);
Tensor rdiv(const Tensor& a, const Scalar& b);  // b / a
Tensor pow(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Scalar& b);
Tensor pow(const Scalar& a, const Tensor& b);
Tensor neg(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);
Tensor maximum(const Tensor& a, const Tensor& b);  // NaN propagates; ties split the gradient
Tensor minimum(const Tensor& a, const Tensor& b);
// Either bound may be absent (not both). Gradient flows where min <= x <= max.
Tensor clamp(const Tensor& a, const std::optional<Scalar>& min, const std::optional<Scalar>& max);
Tensor clamp(const Tensor& a, const Tensor& min, const Tensor& max);  // undefined = absent
Tensor clamp_min(const Tensor& a, const Scalar& min);
Tensor clamp_max(const Tensor& a, const Scalar& max);
// cond ? a : b, all three broadcast together; cond must be bool.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b);
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b);
Tensor where(const Tensor& cond, const Scalar& a, const Scalar& b);
// a with value where mask is true (mask bool, broadcast); value a Scalar or a 0-d tensor.
Tensor masked_fill(const Tensor& a, const Tensor& mask, const Scalar& value);
Tensor masked_fill(const Tensor& a, const Tensor& mask, const Tensor& value);

Tensor& add_(Tensor& a, const Tensor& b);
Tensor& add_(Tensor& a, const Scalar& b);
Tensor& add_(Tensor& a, const Tensor& b, const Scalar& alpha);
Tensor& add_(Tensor& a, const Scalar& b, const Scalar& alpha);
Tensor& sub_(Tensor& a, const Tensor& b);
Tensor& sub_(Tensor& a, const Scalar& b);
Tensor& sub_(Tensor& a, const Tensor& b, const Scalar& alpha);
Tensor& sub_(Tensor& a, const Scalar& b, const Scalar& alpha);
Tensor& mul_(Tensor& a, const Tensor& b);
Tensor& mul_(Tensor& a, const Scalar& b);
Tensor& div_(Tensor& a, const Tensor& b);
Tensor& div_(Tensor& a, const Scalar& b);
Tensor& div_(Tensor& a, const Tensor& b, const std::string& rounding_mode);
Tensor& div_(Tensor& a, const Scalar& b, const std::string& rounding_mode);
Tensor& pow_(Tensor& a, const Tensor& b);
Tensor& pow_(Tensor& a, const Scalar& b);
Tensor& neg_(Tensor& a);
Tensor& abs_(Tensor& a);
Tensor& sign_(Tensor& a);
Tensor& clamp_(Tensor& a, const std::optional<Scalar>& min, const std::optional<Scalar>& max);
Tensor& clamp_(Tensor& a, const Tensor& min, const Tensor& max);
Tensor& clamp_min_(Tensor& a, const Scalar& min);
Tensor& clamp_max_(Tensor& a, const Scalar& max);
Tensor& masked_fill_(Tensor& a, const Tensor& mask, const Scalar& value);
Tensor& masked_fill_(Tensor& a, const Tensor& mask, const Tensor& value);

// ---- unary maths and activations (activation.cpp) ----
// Integer and bool inputs of exp ... erf compute in float32; gelu, silu and softplus
// require floating inputs, like PyTorch.
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor rsqrt(const Tensor& a);
Tensor sin(const Tensor& a);
Tensor cos(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor erf(const Tensor& a);
Tensor relu(const Tensor& a);
Tensor gelu(const Tensor& a, const std::string& approximate = "none");  // "none" | "tanh"
Tensor silu(const Tensor& a);
Tensor softplus(const Tensor& a, const Scalar& beta = Scalar(int64_t{1}),
                const Scalar& threshold = Scalar(int64_t{20}));

// More maths (unary_math.cpp): floating results like exp above.
Tensor log1p(const Tensor& a);
Tensor expm1(const Tensor& a);
Tensor log2(const Tensor& a);
Tensor log10(const Tensor& a);
Tensor tan(const Tensor& a);
Tensor atan(const Tensor& a);
Tensor asin(const Tensor& a);
Tensor acos(const Tensor& a);
Tensor sinh(const Tensor& a);
Tensor cosh(const Tensor& a);
// Rounding keeps the dtype (integer inputs are copied) and has a zero gradient; round is
// half to even, with decimals like PyTorch (scale by 10^decimals, round, scale back).
Tensor floor(const Tensor& a);
Tensor ceil(const Tensor& a);
Tensor trunc(const Tensor& a);
Tensor round(const Tensor& a, int64_t decimals = 0);
Tensor square(const Tensor& a);      // a * a (keeps integer dtypes)
Tensor reciprocal(const Tensor& a);  // 1 / a (integers promote to float32)

Tensor& exp_(Tensor& a);
Tensor& log_(Tensor& a);
Tensor& sqrt_(Tensor& a);
Tensor& rsqrt_(Tensor& a);
Tensor& sin_(Tensor& a);
Tensor& cos_(Tensor& a);
Tensor& tanh_(Tensor& a);
Tensor& sigmoid_(Tensor& a);
Tensor& erf_(Tensor& a);
Tensor& relu_(Tensor& a);
Tensor& log1p_(Tensor& a);
Tensor& expm1_(Tensor& a);
Tensor& floor_(Tensor& a);
Tensor& ceil_(Tensor& a);
Tensor& trunc_(Tensor& a);
Tensor& round_(Tensor& a, int64_t decimals = 0);

// ---- comparisons, logical and bitwise ops (compare.cpp); never differentiable ----
Tensor eq(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Scalar& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Scalar& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Scalar& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Scalar& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Scalar& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Scalar& b);
// Bool masks of NaN, +-inf, and neither (integer and bool tensors: all finite).
Tensor isnan(const Tensor& a);
Tensor isinf(const Tensor& a);
Tensor isfinite(const Tensor& a);
// Same shape and the same values (after promotion). NaN is never equal.
bool equal(const Tensor& a, const Tensor& b);
// Every element close (broadcasting): |a - b| <= atol + rtol |b|, or equal; NaNs close to
// each other only when equal_nan.
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-05, double atol = 1e-08,
              bool equal_nan = false);
Tensor logical_not(const Tensor& a);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
// bool and int64 only (Python's & | ^ ~ on tensors).
Tensor bitwise_not(const Tensor& a);
Tensor bitwise_and(const Tensor& a, const Tensor& b);
Tensor bitwise_and(const Tensor& a, const Scalar& b);
Tensor bitwise_or(const Tensor& a, const Tensor& b);
Tensor bitwise_or(const Tensor& a, const Scalar& b);
Tensor bitwise_xor(const Tensor& a, const Tensor& b);
Tensor bitwise_xor(const Tensor& a, const Scalar& b);

}  // namespace ember

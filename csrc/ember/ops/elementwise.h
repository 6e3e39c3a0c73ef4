// Elementwise maths with NumPy broadcasting and PyTorch type promotion, their in-place
// forms and backward formulas. Scalar overloads take Python numbers (x + 1.5).
#pragma once
#include "ember/core/tensor.h"
#include "ember/ops/scalar.h"

namespace ember {

Tensor add(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, const Scalar& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Scalar& b);
Tensor rsub(const Tensor& a, const Scalar& b);  // b - a
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Scalar& b);
Tensor div(const Tensor& a, const Tensor& b);  // true division: ints promote to float
Tensor div(const Tensor& a, const Scalar& b);
Tensor rdiv(const Tensor& a, const Scalar& b);  // b / a
Tensor neg(const Tensor& a);

// In place: a op= b, b broadcast to a's shape, result cast to a's dtype.
Tensor& add_(Tensor& a, const Tensor& b);
Tensor& add_(Tensor& a, const Scalar& b);
Tensor& sub_(Tensor& a, const Tensor& b);
Tensor& sub_(Tensor& a, const Scalar& b);
Tensor& mul_(Tensor& a, const Tensor& b);
Tensor& mul_(Tensor& a, const Scalar& b);
Tensor& div_(Tensor& a, const Tensor& b);
Tensor& div_(Tensor& a, const Scalar& b);

}  // namespace ember

// Comparisons (bool results, computed in the promoted dtype), floating-class tests (isnan,
// isinf, isfinite), logical ops (any dtype, read as nonzero) and bitwise ops (bool and
// int64). None of them is differentiable.
#include <limits>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/reduce.h"
#include "ember/ops/elementwise_impl.h"
#include "ember/ops/math.h"
#include "ember/ops/view.h"

namespace ember {

using cpu::BinaryOp;

namespace {

Tensor compare(BinaryOp op, const Tensor& a, const Tensor& b, const char* name) {
  check_defined(a, name, "input");
  check_defined(b, name, "other");
  return detail::binary_op(op, a, b, result_type({a, b}), DType::Bool, name);
}

Tensor compare(BinaryOp op, const Tensor& a, const Scalar& b, const char* name) {
  check_defined(a, name, "input");
  DType dt = result_type({a}, {b});
  return detail::binary_op(op, a, scalar_tensor(b, dt), dt, DType::Bool, name);
}

Tensor logical(BinaryOp op, const Tensor& a, const Tensor& b, const char* name) {
  check_defined(a, name, "input");
  check_defined(b, name, "other");
  return detail::binary_op(op, a, b, DType::Bool, DType::Bool, name);
}

Tensor bitwise(BinaryOp op, const Tensor& a, const Tensor& b, const char* name) {
  check_defined(a, name, "input");
  check_defined(b, name, "other");
  DType dt = result_type({a, b});
  EMBER_CHECK(!is_floating(dt), TypeError, "[", name, "] expected bool or int64 tensors, got ",
              dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  return detail::binary_op(op, a, b, dt, dt, name);
}

Tensor bitwise(BinaryOp op, const Tensor& a, const Scalar& b, const char* name) {
  check_defined(a, name, "input");
  EMBER_CHECK(b.kind() != Scalar::Kind::Float, TypeError, "[", name, "] expected a bool or "
              "integer operand, got ", b.to_double());
  return bitwise(op, a, scalar_tensor(b, result_type({a}, {b})), name);
}

}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Eq, a, b, "eq"); }
Tensor eq(const Tensor& a, const Scalar& b) { return compare(BinaryOp::Eq, a, b, "eq"); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Ne, a, b, "ne"); }
Tensor ne(const Tensor& a, const Scalar& b) { return compare(BinaryOp::Ne, a, b, "ne"); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Lt, a, b, "lt"); }
Tensor lt(const Tensor& a, const Scalar& b) { return compare(BinaryOp::Lt, a, b, "lt"); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Le, a, b, "le"); }
Tensor le(const Tensor& a, const Scalar& b) { return compare(BinaryOp::Le, a, b, "le"); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Gt, a, b, "gt"); }
Tensor gt(const Tensor& a, const Scalar& b) { return compare(BinaryOp::Gt, a, b, "gt"); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Ge, a, b, "ge"); }
Tensor ge(const Tensor& a, const Scalar& b) { return compare(BinaryOp::Ge, a, b, "ge"); }

// Built from comparisons: NaN is the only value unequal to itself, and x - x is 0 exactly
// for finite x (NaN for NaN and +-inf). Integer and bool tensors hold finite values only.
Tensor isnan(const Tensor& a) {
  check_defined(a, "isnan");
  return is_floating(a.dtype()) ? ne(a, a) : zeros_like(a, DType::Bool);
}
Tensor isfinite(const Tensor& a) {
  check_defined(a, "isfinite");
  return is_floating(a.dtype()) ? eq(sub(a.detach(), a.detach()), Scalar(0.0))
                                : ones_like(a, DType::Bool);
}
Tensor isinf(const Tensor& a) {
  check_defined(a, "isinf");
  return is_floating(a.dtype())
             ? eq(abs(a.detach()), Scalar(std::numeric_limits<double>::infinity()))
             : zeros_like(a, DType::Bool);
}

bool equal(const Tensor& a, const Tensor& b) {
  check_defined(a, "equal", "input");
  check_defined(b, "equal", "other");
  if (a.shape() != b.shape()) return false;
  autograd::NoGradGuard guard;
  return all(eq(a, b)).data<bool>()[0];
}

// PyTorch's isclose rule: |a - b| <= atol + rtol |b|, or a == b (so equal infinities are
// close), or both NaN when equal_nan.
bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  check_defined(a, "allclose", "input");
  check_defined(b, "allclose", "other");
  EMBER_CHECK(rtol >= 0 && atol >= 0, ValueError, "[allclose] expected non-negative rtol and "
              "atol, got rtol=", rtol, ", atol=", atol);
  autograd::NoGradGuard guard;
  return all(isclose(a, b, rtol, atol, equal_nan)).data<bool>()[0];
}

Tensor logical_not(const Tensor& a) {
  return detail::unary_op(cpu::UnaryOp::LogicalNot, a, DType::Bool, "logical_not");
}
Tensor logical_and(const Tensor& a, const Tensor& b) { return logical(BinaryOp::And, a, b, "logical_and"); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return logical(BinaryOp::Or, a, b, "logical_or"); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return logical(BinaryOp::Xor, a, b, "logical_xor"); }

Tensor bitwise_not(const Tensor& a) {
  check_defined(a, "bitwise_not");
  EMBER_CHECK(!is_floating(a.dtype()), TypeError, "[bitwise_not] expected a bool or int64 "
              "tensor, got ", dtype_name(a.dtype()));
  return detail::unary_op(cpu::UnaryOp::BitNot, a, a.dtype(), "bitwise_not");
}
Tensor bitwise_and(const Tensor& a, const Tensor& b) { return bitwise(BinaryOp::And, a, b, "bitwise_and"); }
Tensor bitwise_and(const Tensor& a, const Scalar& b) { return bitwise(BinaryOp::And, a, b, "bitwise_and"); }
Tensor bitwise_or(const Tensor& a, const Tensor& b) { return bitwise(BinaryOp::Or, a, b, "bitwise_or"); }
Tensor bitwise_or(const Tensor& a, const Scalar& b) { return bitwise(BinaryOp::Or, a, b, "bitwise_or"); }
Tensor bitwise_xor(const Tensor& a, const Tensor& b) { return bitwise(BinaryOp::Xor, a, b, "bitwise_xor"); }
Tensor bitwise_xor(const Tensor& a, const Scalar& b) { return bitwise(BinaryOp::Xor, a, b, "bitwise_xor"); }

}  // namespace ember

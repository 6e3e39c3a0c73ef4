// Predicates with PyTorch semantics: isclose (elementwise allclose), isin (sort the test
// elements, then binary search; cpu/search.cpp), isposinf, isneginf, isreal. Bool results,
// never differentiable.
#include <limits>

#include "ember/cpu/search.h"
#include "ember/ops/creation.h"
#include "ember/ops/math_impl.h"
#include "ember/ops/sort.h"
#include "ember/ops/view.h"

namespace ember {

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  check_defined(a, "isclose", "input");
  check_defined(b, "isclose", "other");
  EMBER_CHECK(rtol >= 0 && atol >= 0, ValueError, "[isclose] expected non-negative rtol and "
              "atol, got rtol=", rtol, ", atol=", atol);
  autograd::NoGradGuard guard;
  Tensor close = eq(a, b);
  if (equal_nan) close = logical_or(close, logical_and(isnan(a), isnan(b)));
  if ((rtol == 0 && atol == 0) || result_type({a, b}) == DType::Bool) return close;
  // A finite error within atol + rtol |b|: inf - inf or inf vs a number is never close.
  Tensor err = abs(sub(a, b));
  if (!is_floating(err.dtype())) err = to_dtype(err, DType::Float64);
  Tensor allowed = add(mul(abs(b), Scalar(rtol)), Scalar(atol));
  return logical_or(close, logical_and(isfinite(err), le(err, allowed)));
}

Tensor isin(const Tensor& elements, const Tensor& test_elements, bool invert) {
  check_defined(elements, "isin", "elements");
  check_defined(test_elements, "isin", "test_elements");
  autograd::NoGradGuard guard;
  DType dt = result_type({elements, test_elements});
  Tensor values = contiguous(to_dtype(elements, dt));
  Tensor sorted = contiguous(sort(reshape(to_dtype(test_elements, dt), {-1})).values);
  Tensor out = Tensor::empty(elements.shape(), DType::Bool);
  cpu::isin_sorted(out, values, sorted, invert);
  return out;
}

Tensor isin(const Tensor& elements, const Scalar& test_element, bool invert) {
  check_defined(elements, "isin", "elements");
  DType dt = result_type({elements}, {test_element});
  return isin(elements, scalar_tensor(test_element, dt), invert);
}

Tensor isposinf(const Tensor& a) {
  check_defined(a, "isposinf");
  if (!is_floating(a.dtype())) return zeros_like(a, DType::Bool);
  return eq(a.detach(), Scalar(std::numeric_limits<double>::infinity()));
}

Tensor isneginf(const Tensor& a) {
  check_defined(a, "isneginf");
  if (!is_floating(a.dtype())) return zeros_like(a, DType::Bool);
  return eq(a.detach(), Scalar(-std::numeric_limits<double>::infinity()));
}

Tensor isreal(const Tensor& a) {
  check_defined(a, "isreal");
  return ones_like(a, DType::Bool);
}

}  // namespace ember

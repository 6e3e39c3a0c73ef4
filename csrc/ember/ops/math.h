// More elementwise maths with PyTorch semantics (promotion, broadcasting, NaN rules,
// gradients): binary ops (math_binary.cpp), unary and special functions (math_unary.cpp),
// predicates (math_compare.cpp), NaN-aware and paired reductions (nan_reduce.cpp), and the
// torch.special-only functions in namespace ember::special (special.cpp). In-place forms
// (trailing _) follow elementwise.h's rules. Floating results: integer inputs compute in
// float32 unless noted.
#pragma once
#include <optional>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/reduce.h"

namespace ember {

// ---- binary (math_binary.cpp)
Tensor atan2(const Tensor& input, const Tensor& other);
Tensor hypot(const Tensor& input, const Tensor& other);      // floating inputs only
Tensor logaddexp(const Tensor& input, const Tensor& other);  // floating inputs only
Tensor logaddexp2(const Tensor& input, const Tensor& other); // floating inputs only
// C's fmod (sign of the dividend) and Python's % (sign of the divisor); integers keep
// their dtype and raise RuntimeError "ZeroDivisionError" on a zero divisor.
Tensor fmod(const Tensor& input, const Tensor& other);
Tensor fmod(const Tensor& input, const Scalar& other);
Tensor remainder(const Tensor& input, const Tensor& other);
Tensor remainder(const Tensor& input, const Scalar& other);
Tensor remainder(const Scalar& input, const Tensor& other);
Tensor copysign(const Tensor& input, const Tensor& other);
Tensor copysign(const Tensor& input, const Scalar& other);
// Maximum / minimum where a NaN loses to a number (NaN only when both are NaN). The
// gradient goes to input on ties.
Tensor fmax(const Tensor& input, const Tensor& other);
Tensor fmin(const Tensor& input, const Tensor& other);
// input * log(other), 0 where input == 0 (unless other is NaN).
Tensor xlogy(const Tensor& input, const Tensor& other);
Tensor xlogy(const Tensor& input, const Scalar& other);
Tensor xlogy(const Scalar& input, const Tensor& other);
// pow computed in float64 (the result is float64).
Tensor float_power(const Tensor& input, const Tensor& exponent);
Tensor float_power(const Tensor& input, const Scalar& exponent);
Tensor float_power(const Scalar& input, const Tensor& exponent);
// 0 where input < 0, values where input == 0, 1 where input > 0 (same dtypes; no gradient).
Tensor heaviside(const Tensor& input, const Tensor& values);
Tensor gcd(const Tensor& input, const Tensor& other);  // int64 only, non-negative results
Tensor lcm(const Tensor& input, const Tensor& other);
Tensor ldexp(const Tensor& input, const Tensor& other);      // input * 2^other
Tensor nextafter(const Tensor& input, const Tensor& other);  // floating only; no gradient

Tensor& atan2_(Tensor& a, const Tensor& other);
Tensor& hypot_(Tensor& a, const Tensor& other);
Tensor& fmod_(Tensor& a, const Tensor& other);
Tensor& fmod_(Tensor& a, const Scalar& other);
Tensor& remainder_(Tensor& a, const Tensor& other);
Tensor& remainder_(Tensor& a, const Scalar& other);
Tensor& copysign_(Tensor& a, const Tensor& other);
Tensor& copysign_(Tensor& a, const Scalar& other);
Tensor& xlogy_(Tensor& a, const Tensor& other);
Tensor& xlogy_(Tensor& a, const Scalar& other);
Tensor& float_power_(Tensor& a, const Tensor& exponent);  // a must be float64
Tensor& float_power_(Tensor& a, const Scalar& exponent);
Tensor& heaviside_(Tensor& a, const Tensor& values);
Tensor& gcd_(Tensor& a, const Tensor& other);
Tensor& lcm_(Tensor& a, const Tensor& other);
Tensor& ldexp_(Tensor& a, const Tensor& other);
Tensor& nextafter_(Tensor& a, const Tensor& other);

// ---- unary (math_unary.cpp)
Tensor asinh(const Tensor& a);
Tensor acosh(const Tensor& a);
Tensor atanh(const Tensor& a);
Tensor erfc(const Tensor& a);
Tensor erfinv(const Tensor& a);
Tensor exp2(const Tensor& a);
Tensor lgamma(const Tensor& a);
Tensor digamma(const Tensor& a);
Tensor polygamma(int64_t n, const Tensor& a);  // n >= 0
// log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given (gradient 0 outside).
Tensor logit(const Tensor& a, std::optional<double> eps = std::nullopt);
Tensor sinc(const Tensor& a);  // sin(pi x) / (pi x), 1 at 0
Tensor frac(const Tensor& a);  // x - trunc(x), floating only
Tensor deg2rad(const Tensor& a);
Tensor rad2deg(const Tensor& a);
Tensor sgn(const Tensor& a);      // sign (ember has no complex dtypes)
Tensor signbit(const Tensor& a);  // bool: sign bit set (true for -0.0 and -NaN)
Tensor i0(const Tensor& a);       // modified Bessel function of the first kind, order 0

Tensor& asinh_(Tensor& a);
Tensor& acosh_(Tensor& a);
Tensor& atanh_(Tensor& a);
Tensor& erfc_(Tensor& a);
Tensor& erfinv_(Tensor& a);
Tensor& exp2_(Tensor& a);
Tensor& lgamma_(Tensor& a);
Tensor& digamma_(Tensor& a);
Tensor& polygamma_(Tensor& a, int64_t n);
Tensor& logit_(Tensor& a, std::optional<double> eps = std::nullopt);
Tensor& sinc_(Tensor& a);
Tensor& frac_(Tensor& a);
Tensor& deg2rad_(Tensor& a);
Tensor& rad2deg_(Tensor& a);
Tensor& sgn_(Tensor& a);
Tensor& i0_(Tensor& a);
// In-place forms of unary_math.cpp's inverse trigonometric ops (there for the arc* aliases).
Tensor& asin_(Tensor& a);
Tensor& acos_(Tensor& a);
Tensor& atan_(Tensor& a);
Tensor positive(const Tensor& a);  // a itself (PyTorch's positive); TypeError for bool

// ---- predicates (math_compare.cpp); bool results, not differentiable
// |a - b| <= atol + rtol |b| elementwise (or equal); NaNs match when equal_nan.
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-05, double atol = 1e-08,
               bool equal_nan = false);
// Whether each element of elements occurs in test_elements (or not, with invert).
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool invert = false);
Tensor isin(const Tensor& elements, const Scalar& test_element, bool invert = false);
Tensor isposinf(const Tensor& a);
Tensor isneginf(const Tensor& a);
Tensor isreal(const Tensor& a);  // all true (no complex dtypes)

// ---- reductions (nan_reduce.cpp), deterministic like sum / mean / var
// NaN counted as zero; nanmean divides by the number of non-NaN elements.
Tensor nansum(const Tensor& t, const std::vector<int64_t>& dims = {}, bool keepdim = false,
              std::optional<DType> dtype = std::nullopt);
Tensor nanmean(const Tensor& t, const std::vector<int64_t>& dims = {}, bool keepdim = false,
               std::optional<DType> dtype = std::nullopt);
struct TensorPair {
  Tensor first, second;
};
// (var, mean) and (std, mean) over dims.
TensorPair var_mean(const Tensor& t, const std::vector<int64_t>& dims = {},
                    double correction = 1.0, bool keepdim = false);
TensorPair std_mean(const Tensor& t, const std::vector<int64_t>& dims = {},
                    double correction = 1.0, bool keepdim = false);
// (min, max) over one dim or the whole tensor.
TensorPair aminmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt,
                   bool keepdim = false);

// ---- torch.special-only functions (special.cpp)
namespace special {
Tensor ndtr(const Tensor& a);      // standard normal CDF
Tensor ndtri(const Tensor& a);     // its inverse
Tensor log_ndtr(const Tensor& a);  // log of the CDF, accurate far in the left tail
Tensor i0e(const Tensor& a);       // exp(-|x|) i0(x)
Tensor i1(const Tensor& a);
Tensor i1e(const Tensor& a);
Tensor xlog1py(const Tensor& input, const Tensor& other);  // input * log1p(other)
Tensor xlog1py(const Tensor& input, const Scalar& other);
Tensor xlog1py(const Scalar& input, const Tensor& other);
Tensor entr(const Tensor& a);  // -x log x; 0 at 0; -inf for x < 0
Tensor multigammaln(const Tensor& a, int64_t p);  // log multivariate gamma of dimension p
}  // namespace special

}  // namespace ember

// C++ tests of ops/math.h without Python: a few values of the binary, unary and special
// functions, the NaN reductions and aminmax, a backward, and typed errors. Returns non-zero
// on failure.
#include <cmath>
#include <limits>

#include "check.h"
#include "ember/ember.h"

using namespace ember;

static double item(const Tensor& t) { return *contiguous(to_dtype(t, DType::Float64)).data<double>(); }

int main() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor one = full({1}, Scalar(1.0), DType::Float64);
  Tensor m3 = full({1}, Scalar(-3.0), DType::Float64);
  CHECK_NEAR(item(atan2(one, one)), std::atan(1.0), 1e-15);
  CHECK_NEAR(item(remainder(m3, Scalar(2.0))), 1.0, 0);
  CHECK_NEAR(item(fmod(m3, Scalar(2.0))), -1.0, 0);
  CHECK_NEAR(item(fmax(full({1}, Scalar(nan), DType::Float64), one)), 1.0, 0);
  CHECK_NEAR(item(xlogy(zeros({1}, DType::Float64), zeros({1}, DType::Float64))), 0.0, 0);
  CHECK_NEAR(item(erfinv(full({1}, Scalar(0.5), DType::Float64))), 0.4769362762044699, 1e-15);
  CHECK_NEAR(item(digamma(one)), -0.5772156649015329, 1e-15);
  CHECK_NEAR(item(polygamma(1, one)), M_PI * M_PI / 6, 1e-14);
  CHECK_NEAR(item(special::ndtri(full({1}, Scalar(0.975), DType::Float64))), 1.959963984540054, 1e-14);
  CHECK_NEAR(item(special::log_ndtr(full({1}, Scalar(-40.0), DType::Float64))), -804.6084420137538, 1e-10);
  CHECK_NEAR(item(gcd(full({1}, Scalar(int64_t{12})), full({1}, Scalar(int64_t{-18})))), 6.0, 0);
  CHECK(item(signbit(full({1}, Scalar(-0.0)))) == 1.0);

  Tensor v = reshape(arange(Scalar(int64_t{0}), Scalar(int64_t{6}), Scalar(int64_t{1}), DType::Float64), {2, 3});
  Tensor w = where(eq(v, Scalar(int64_t{4})), Scalar(nan), v);  // [[0 1 2] [3 nan 5]]
  CHECK_NEAR(item(nansum(w)), 11.0, 0);
  CHECK_NEAR(item(sum(nanmean(w, {1}))), 1.0 + 4.0, 0);
  TensorPair mm = aminmax(v, 1);
  CHECK_NEAR(item(sum(mm.first)), 3.0, 0);
  CHECK_NEAR(item(sum(mm.second)), 7.0, 0);
  TensorPair vm = var_mean(v);
  CHECK_NEAR(item(vm.first), 3.5, 1e-15);
  CHECK_NEAR(item(vm.second), 2.5, 0);

  Tensor x = full({3}, Scalar(2.0), DType::Float64);
  x.set_requires_grad(true);
  sum(hypot(x, full({3}, Scalar(0.0), DType::Float64))).backward();
  CHECK_NEAR(item(sum(x.grad())), 3.0, 1e-15);

  CHECK_THROWS(hypot(full({1}, Scalar(int64_t{1})), full({1}, Scalar(int64_t{1}))), TypeError);
  CHECK_THROWS(remainder(full({1}, Scalar(int64_t{1})), Scalar(int64_t{0})), RuntimeError);
  CHECK_THROWS(polygamma(-1, one), ValueError);
  CHECK_THROWS(aminmax(zeros({0})), RuntimeError);
  CHECK_THROWS(special::multigammaln(one, 3), ValueError);
  return check_report("test_math");
}

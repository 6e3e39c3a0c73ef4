// C++ tests of norms, distances, einsum and the cumulative ops without Python: values on
// small constant inputs, the distance layers, a backward through einsum, typed errors.
// Returns non-zero on failure.
#include <cmath>
#include <limits>

#include "check.h"
#include "ember/ember.h"

using namespace ember;

static double item(const Tensor& t) { return *contiguous(to_dtype(t, DType::Float64)).data<double>(); }

int main() {
  Tensor v = reshape(arange(Scalar(int64_t{1}), Scalar(int64_t{5}), Scalar(int64_t{1}), DType::Float32), {2, 2});
  CHECK_NEAR(item(linalg::vector_norm(v)), std::sqrt(30.0), 1e-6);
  CHECK_NEAR(item(linalg::vector_norm(v, std::numeric_limits<double>::infinity())), 4.0, 0);
  CHECK_NEAR(item(linalg::matrix_norm(v, 1.0)), 6.0, 1e-6);  // max column sum |2| + |4|
  CHECK_NEAR(item(norm(v, 1.0)), 10.0, 1e-6);
  CHECK_NEAR(item(linalg::matrix_norm(v, "nuc")), std::sqrt(34.0), 1e-5);  // (s1+s2)^2 = 30 + 2|det|
  CHECK_THROWS(linalg::vector_norm(v, 2.0, {3}), IndexError);

  Tensor a = ones({3, 2}), b = zeros({4, 2});
  Tensor d = cdist(a, b);
  CHECK(d.shape() == Shape({3, 4}));
  CHECK_NEAR(item(sum(d)), 12 * std::sqrt(2.0), 1e-5);
  nn::PairwiseDistance pd;
  CHECK_NEAR(item(sum(pd(a, a))), 3 * std::sqrt(2.0) * 1e-6, 1e-9);
  nn::CosineSimilarity cs(1);
  CHECK_NEAR(item(sum(cs(a, a))), 3.0, 1e-6);

  Tensor x = ones({2, 3}), y = ones({3, 4});
  x.set_requires_grad(true);
  Tensor e = einsum("ij,jk->ik", {x, y});
  CHECK(e.shape() == Shape({2, 4}));
  CHECK_NEAR(item(sum(e)), 24.0, 0);
  sum(e).backward();
  CHECK_NEAR(item(sum(x.grad())), 24.0, 0);
  CHECK_THROWS(einsum("ij,jk->il", {x, y}), ValueError);

  Tensor c = cumprod(v, 1);
  CHECK_NEAR(item(select(select(c, 0, 1), 0, 1)), 12.0, 0);  // 3 * 4
  ValuesIndices m = cummax(v, 0);
  CHECK_NEAR(item(select(select(m.indices, 0, 1), 0, 0)), 1.0, 0);
  CHECK_NEAR(item(select(logcumsumexp(zeros({2}), 0), 0, 1)), std::log(2.0), 1e-6);
  return check_report("test_norms");
}

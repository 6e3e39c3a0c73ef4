// Core checks in C++ alone: tensors and views, broadcasting, autograd, errors, threads.
#include <ember/ember.h>

#include <cstring>

#include "check.h"

using namespace ember;

static Tensor arange_f(int64_t n, DType dt = DType::Float32) {
  Tensor t = Tensor::empty({n}, dt);
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < n; ++i) t.data<T>()[i] = static_cast<T>(i);
  });
  return t;
}

static void test_views() {
  Tensor a = reshape(arange_f(6), {2, 3});
  CHECK(a.is_contiguous());
  Tensor t = transpose(a, 0, 1);
  CHECK(t.shape() == Shape({3, 2}));
  CHECK(!t.is_contiguous());
  CHECK(t.storage() == a.storage());
  Tensor c = contiguous(t);
  CHECK(c.is_contiguous() && c.storage() != a.storage());
  CHECK(c.data<float>()[1] == 3.0f);  // c[0][1] = a[1][0]
  Tensor e = expand(reshape(arange_f(3), {1, 3}), {4, 3});
  CHECK(e.strides()[0] == 0);
  CHECK_THROWS(view(t, {6}), RuntimeError);
  CHECK(reshape(t, {6}).data<float>()[2] == 1.0f);
  CHECK_THROWS(reshape(a, {4, 2}), ValueError);
}

static void test_broadcast_add() {
  Tensor a = reshape(arange_f(6), {2, 3});
  Tensor b = arange_f(3);
  Tensor c = add(a, b);
  CHECK(c.shape() == Shape({2, 3}));
  CHECK(c.data<float>()[5] == 7.0f);
  CHECK_THROWS(add(a, arange_f(2)), ValueError);
  Tensor i = arange_f(3, DType::Int64);
  CHECK(add(i, Scalar(1.5)).dtype() == DType::Float32);  // int tensor + float scalar
  CHECK(div(i, i).dtype() == DType::Float32);             // true division
}

static void test_autograd() {
  Tensor x = reshape(arange_f(6, DType::Float64), {2, 3});
  x.set_requires_grad(true);
  Tensor w = arange_f(3, DType::Float64);
  w.set_requires_grad(true);
  Tensor loss = sum(mul(mul(x, w), x));  // sum(w * x^2)
  loss.backward();
  // d/dx = 2 w x, d/dw = sum over rows of x^2
  CHECK(x.grad().data<double>()[4] == 2.0 * 1.0 * 4.0);
  CHECK(w.grad().data<double>()[2] == 2.0 * 2.0 + 5.0 * 5.0);
  CHECK_THROWS(loss.backward(), RuntimeError);  // graph freed
  // Gradients accumulate.
  sum(x).backward();
  CHECK(x.grad().data<double>()[0] == 0.0 + 1.0);
  // Modified saved tensor is detected.
  Tensor y = clone(x);
  Tensor z = sum(mul(y, y));
  {
    autograd::NoGradGuard g;
    add_(y, Scalar(1.0));
  }
  CHECK_THROWS(z.backward(), RuntimeError);
  // Leaf that requires grad cannot be modified in place under grad mode.
  CHECK_THROWS(add_(x, Scalar(1.0)), RuntimeError);
}

static void test_errors() {
  CHECK_THROWS(Tensor::empty({int64_t(1) << 40, int64_t(1) << 30}), MemoryError);
  CHECK_THROWS(Tensor::empty({-1}), ValueError);
  CHECK_THROWS(sum(arange_f(3), {2}), IndexError);
  try {
    add(arange_f(2), arange_f(3));
  } catch (const ValueError& e) {
    CHECK(std::strncmp(e.what(), "[add]", 5) == 0);
  }
}

static void test_threads() {
  Tensor big = Tensor::empty({3000001});
  float* p = big.data<float>();
  for (int64_t i = 0; i < big.numel(); ++i) p[i] = 1.0f / static_cast<float>(1 + i % 977);
  float ref = 0;
  for (int n : {1, 2, 3}) {
    set_num_threads(n);
    float s = *sum(big).data<float>();
    if (n == 1) ref = s;
    CHECK(std::memcmp(&s, &ref, sizeof s) == 0);
  }
  CHECK_THROWS(set_num_threads(0), ValueError);
  set_num_threads(2);
}

// Gradient hooks from C++: a leaf hook scales its gradient, a non-leaf hook observes.
static void test_hooks() {
  Tensor x = arange_f(3, DType::Float64);
  x.set_requires_grad(true);
  Tensor y = mul(x, Scalar(2.0));
  double seen = 0;
  autograd::register_hook(y, [&seen](const Tensor& g) {
    seen = g.data<double>()[0];
    return Tensor();
  });
  autograd::HookHandle h =
      autograd::register_hook(x, [](const Tensor& g) { return mul(g, Scalar(10.0)); });
  sum(y).backward();
  CHECK(seen == 1.0);
  CHECK(x.grad().data<double>()[1] == 20.0);
  h.remove();
  sum(x).backward();
  CHECK(x.grad().data<double>()[1] == 21.0);
  CHECK_THROWS(autograd::register_hook(arange_f(2), [](const Tensor& g) { return g; }),
               RuntimeError);
}

int main() {
  test_views();
  test_hooks();
  test_broadcast_add();
  test_autograd();
  test_errors();
  test_threads();
  return check_report("test_core");
}

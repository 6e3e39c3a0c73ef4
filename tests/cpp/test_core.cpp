// Core checks in C++ alone: tensors and views, broadcasting, autograd, errors, threads.
#include <ember/ember.h>

#include <cstring>
#include <thread>
#include <vector>

#include "ember/core/allocator.h"

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

// The host block cache: a freed large block is reused for the next request of its size
// class, the cache stays within its limit, and concurrent use from threads is safe.
static void test_host_cache() {
  const size_t old = host_cache_limit();  // 0 in sanitizer builds: on for this test
  set_host_cache_limit(size_t{256} << 20);
  host_empty_cache();
  CHECK(host_cached_bytes() == 0);
  size_t cap = 0, cap2 = 0;
  void* p = host_alloc(3211264, cap);  // a 64 x 112 x 112 float32 conv output
  CHECK(p != nullptr && cap >= 3211264 && cap <= 3211264 + 3211264 / 8);
  CHECK(reinterpret_cast<uintptr_t>(p) % kAlignment == 0);
  host_free(p, cap);
  CHECK(host_cached_bytes() == cap);
  void* q = host_alloc(3211264 - 1000, cap2);  // same size class: the same block
  CHECK(q == p && cap2 == cap && host_cached_bytes() == 0);
  host_free(q, cap2);
  void* small = host_alloc(1000, cap);  // small blocks bypass the cache
  CHECK(cap == 1024);
  host_free(small, cap);
  CHECK(host_cached_bytes() == cap2);
  // Bounded: with a 4 MiB limit, blocks of 1 MiB evict the oldest; 2 MiB is over a quarter.
  set_host_cache_limit(size_t{4} << 20);
  CHECK(host_cached_bytes() == cap2);  // still fits
  std::vector<void*> blocks;
  for (int i = 0; i < 6; ++i) blocks.push_back(host_alloc(size_t{1} << 20, cap));
  for (void* b : blocks) host_free(b, cap);
  CHECK(host_cached_bytes() == (size_t{4} << 20));
  void* big = host_alloc(size_t{2} << 20, cap);
  host_free(big, cap);
  CHECK(host_cached_bytes() == (size_t{4} << 20));
  set_host_cache_limit(0);  // off
  CHECK(host_cached_bytes() == 0);
  p = host_alloc(size_t{1} << 20, cap);
  host_free(p, cap);
  CHECK(host_cached_bytes() == 0);
  set_host_cache_limit(size_t{256} << 20);
  // Threads allocating, filling, checking and freeing blocks of mixed sizes at once.
  std::vector<int> bad(4, 0);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([t, &bad] {
      for (int it = 0; it < 300; ++it) {
        const size_t n = (size_t{1} << 17) + static_cast<size_t>((it * 7 + t) % 13) * 65536;
        size_t c = 0;
        auto* b = static_cast<unsigned char*>(host_alloc(n, c));
        if (!b || c < n) {
          ++bad[t];
          continue;
        }
        std::memset(b, t + 1, n);
        for (size_t i = 0; i < n; i += 4093)
          if (b[i] != t + 1) ++bad[t];
        host_free(b, c);
      }
    });
  for (auto& th : ts) th.join();
  for (int b : bad) CHECK(b == 0);
  CHECK(host_cached_bytes() <= host_cache_limit());
  // Tensors go through the cache: a freed 2 MB tensor's block serves the next one.
  host_empty_cache();
  const void* d0;
  {
    Tensor a = Tensor::empty({512, 1024});
    d0 = a.data<float>();
  }
  CHECK(host_cached_bytes() >= (size_t{2} << 20));
  Tensor b2 = Tensor::empty({512, 1024});
  CHECK(b2.data<float>() == d0);
  set_host_cache_limit(old);
}

int main() {
  test_views();
  test_hooks();
  test_broadcast_add();
  test_autograd();
  test_errors();
  test_threads();
  test_host_cache();
  return check_report("test_core");
}

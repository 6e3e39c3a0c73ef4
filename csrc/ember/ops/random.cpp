// Random fills; see random.h. Each kernel maps element index i to Philox block (offset + i)
// and uses only that block, so chunking (threads) cannot change the values. Float32 uses
// 24-bit uniforms, float64 53-bit ones; normals use the Box-Muller cosine branch only.
#include "ember/ops/random.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/core/random.h"
#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

constexpr int64_t kRandomGrain = 16384;
constexpr double kTwoPi = 6.283185307179586476925286766559;

// Calls f(i, block) for i in [0, n) with block = philox4x32(seed, offset + i), in parallel.
template <class F>
void for_each_block(int64_t n, const F& f) {
  if (n <= 0) return;
  auto [key, offset] = default_generator().reserve(static_cast<uint64_t>(n));
  parallel_for(n, kRandomGrain, [&, key = key, offset = offset](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) f(i, philox4x32(key, offset + static_cast<uint64_t>(i)));
  });
}

// Uniform in (0, 1]: safe for log().
template <class T>
T open_uniform(const std::array<uint32_t, 4>& r, int k) {
  if constexpr (std::is_same_v<T, float>) return 1.0f - uniform_float(r[k]);
  else return 1.0 - uniform_double(r[k], r[k + 1]);
}
template <class T>
T half_open_uniform(const std::array<uint32_t, 4>& r) {
  if constexpr (std::is_same_v<T, float>) return uniform_float(r[0]);
  else return uniform_double(r[0], r[1]);
}

// Fills a fresh contiguous tensor out; floating dtypes only.
void fill_uniform(Tensor& out, double from, double to, const char* op) {
  dispatch_float(out.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    const T lo = static_cast<T>(from), span = static_cast<T>(to - from);
    for_each_block(out.numel(), [=](int64_t i, const std::array<uint32_t, 4>& r) {
      T v = lo + span * half_open_uniform<T>(r);
      // Rounding of lo + span * u can reach `to`; keep the interval half-open.
      o[i] = span > T(0) && v >= static_cast<T>(lo + span) ? std::nextafter(v, lo) : v;
    });
  });
}

void fill_normal(Tensor& out, double mean, double std, const char* op) {
  dispatch_float(out.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    const T m = static_cast<T>(mean), s = static_cast<T>(std);
    for_each_block(out.numel(), [=](int64_t i, const std::array<uint32_t, 4>& r) {
      T u1 = open_uniform<T>(r, 0);
      T u2 = std::is_same_v<T, float> ? uniform_float(r[2]) : static_cast<T>(uniform_double(r[2], r[3]));
      o[i] = m + s * std::sqrt(T(-2) * std::log(u1)) * std::cos(static_cast<T>(kTwoPi) * u2);
    });
  });
}

// Writes a fresh contiguous fill back into t (any layout), then handles versions/autograd.
Tensor& write_back(Tensor& t, const Tensor& fresh, const char* op, const char* node) {
  if (!fresh.is_same(t)) {
    autograd::NoGradGuard guard;
    Tensor dst = t.detach();  // detached alias: copy_ must not see t's history
    copy_(dst, fresh);
  } else {
    t.bump_version();
  }
  detail::record_overwrite(t, node);
  return t;
}

void check_float(const Tensor& t, const char* op) {
  EMBER_CHECK(is_floating(t.dtype()), TypeError, "[", op, "] expected a floating point tensor "
              "(float32 or float64), got ", dtype_name(t.dtype()));
}

}  // namespace

void manual_seed(uint64_t s) { default_generator().manual_seed(s); }

uint64_t seed() {
  std::random_device rd;
  uint64_t s = (uint64_t{rd()} << 32) ^ rd() ^
               static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  default_generator().manual_seed(s);
  return s;
}

uint64_t initial_seed() { return default_generator().initial_seed(); }

Tensor rand(const Shape& shape, DType dtype) {
  EMBER_CHECK(is_floating(dtype), TypeError, "[rand] expected a floating dtype, got ",
              dtype_name(dtype));
  Tensor out = Tensor::empty(shape, dtype);
  fill_uniform(out, 0.0, 1.0, "rand");
  return out;
}

Tensor randn(const Shape& shape, DType dtype) {
  EMBER_CHECK(is_floating(dtype), TypeError, "[randn] expected a floating dtype, got ",
              dtype_name(dtype));
  Tensor out = Tensor::empty(shape, dtype);
  fill_normal(out, 0.0, 1.0, "randn");
  return out;
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, DType dtype) {
  EMBER_CHECK(high > low, ValueError, "[randint] expected low < high, got low ", low,
              " and high ", high);
  EMBER_CHECK(dtype != DType::Bool || (low >= 0 && high <= 2), ValueError,
              "[randint] bool results need 0 <= low < high <= 2, got [", low, ", ", high, ")");
  Tensor out = Tensor::empty(shape, dtype);
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    // Multiply-shift maps 64 random bits onto [0, range); bias <= range / 2^64.
    for_each_block(out.numel(), [=](int64_t i, const std::array<uint32_t, 4>& r) {
      uint64_t x = (uint64_t{r[0]} << 32) | r[1];
      uint64_t k = static_cast<uint64_t>((static_cast<unsigned __int128>(x) * range) >> 64);
      o[i] = static_cast<T>(static_cast<int64_t>(static_cast<uint64_t>(low) + k));
    });
  });
  return out;
}

Tensor rand_like(const Tensor& t, std::optional<DType> dtype) {
  check_defined(t, "rand_like");
  return rand(t.shape(), dtype.value_or(t.dtype()));
}
Tensor randn_like(const Tensor& t, std::optional<DType> dtype) {
  check_defined(t, "randn_like");
  return randn(t.shape(), dtype.value_or(t.dtype()));
}
Tensor randint_like(const Tensor& t, int64_t low, int64_t high, std::optional<DType> dtype) {
  check_defined(t, "randint_like");
  return randint(low, high, t.shape(), dtype.value_or(t.dtype()));
}

Tensor randperm(int64_t n, DType dtype) {
  EMBER_CHECK(n >= 0, ValueError, "[randperm] n must be non-negative, got ", n);
  EMBER_CHECK(dtype != DType::Bool, TypeError, "[randperm] expected a numeric dtype, got bool");
  EMBER_CHECK(dtype == DType::Int64 || n <= (int64_t{1} << 24) || dtype == DType::Float64,
              ValueError, "[randperm] n = ", n, " is too large to be exact in ", dtype_name(dtype));
  // Sort (random key, index): ties (probability ~n^2/2^65) fall back to index order.
  std::vector<std::pair<uint64_t, int64_t>> keys(static_cast<size_t>(n));
  for_each_block(n, [&](int64_t i, const std::array<uint32_t, 4>& r) {
    keys[static_cast<size_t>(i)] = {(uint64_t{r[0]} << 32) | r[1], i};
  });
  std::sort(keys.begin(), keys.end());
  Tensor out = Tensor::empty({n}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(keys[static_cast<size_t>(i)].second);
  });
  return out;
}

Tensor bernoulli(const Tensor& p) {
  check_defined(p, "bernoulli");
  check_float(p, "bernoulli");
  Tensor probs = contiguous(p.detach());
  Tensor out = Tensor::empty(p.shape(), p.dtype());
  bool ok = dispatch_float(p.dtype(), "bernoulli", [&](auto tag) {
    using T = decltype(tag);
    const T* q = probs.data<T>();
    for (int64_t i = 0; i < probs.numel(); ++i)
      if (!(q[i] >= T(0) && q[i] <= T(1))) return false;
    T* o = out.data<T>();
    for_each_block(out.numel(), [=](int64_t i, const std::array<uint32_t, 4>& r) {
      o[i] = half_open_uniform<T>(r) < q[i] ? T(1) : T(0);
    });
    return true;
  });
  EMBER_CHECK(ok, ValueError, "[bernoulli] expected all probabilities in [0, 1]");
  return out;
}

Tensor& normal_(Tensor& t, double mean, double std) {
  detail::check_overwrite(t, "normal_");
  check_float(t, "normal_");
  EMBER_CHECK(std >= 0.0, ValueError, "[normal_] expected std >= 0, got ", std);
  Tensor fresh = t.is_contiguous() ? t : Tensor::empty(t.shape(), t.dtype());
  fill_normal(fresh, mean, std, "normal_");
  return write_back(t, fresh, "normal_", "NormalBackward");
}

Tensor& uniform_(Tensor& t, double from, double to) {
  detail::check_overwrite(t, "uniform_");
  check_float(t, "uniform_");
  EMBER_CHECK(from <= to, ValueError, "[uniform_] expected from <= to, got from ", from,
              " and to ", to);
  Tensor fresh = t.is_contiguous() ? t : Tensor::empty(t.shape(), t.dtype());
  fill_uniform(fresh, from, to, "uniform_");
  return write_back(t, fresh, "uniform_", "UniformBackward");
}

Tensor& bernoulli_(Tensor& t, double p) {
  detail::check_overwrite(t, "bernoulli_");
  EMBER_CHECK(p >= 0.0 && p <= 1.0, ValueError, "[bernoulli_] expected 0 <= p <= 1, got ", p);
  Tensor fresh = t.is_contiguous() ? t : Tensor::empty(t.shape(), t.dtype());
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* o = fresh.data<T>();
    for_each_block(fresh.numel(), [=](int64_t i, const std::array<uint32_t, 4>& r) {
      o[i] = uniform_double(r[0], r[1]) < p ? T(1) : T(0);
    });
  });
  return write_back(t, fresh, "bernoulli_", "BernoulliBackward");
}

}  // namespace ember

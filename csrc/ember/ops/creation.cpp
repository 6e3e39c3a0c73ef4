// Tensor factories; see creation.h. Ranges compute each element from its index (start +
// i * step in double), so values do not depend on how the loop is split among threads.
#include "ember/ops/creation.h"

#include <cmath>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/cpu/loop.h"
#include "ember/ops/view.h"

namespace ember {

Tensor empty(const Shape& shape, DType dtype) { return Tensor::empty(shape, dtype); }

Tensor zeros(const Shape& shape, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype);
  return zero_(t);
}

Tensor ones(const Shape& shape, DType dtype) { return full(shape, Scalar(1.0), dtype); }

Tensor full(const Shape& shape, const Scalar& value, std::optional<DType> dtype) {
  Tensor t = Tensor::empty(shape, dtype.value_or(value.dtype()));
  return fill_(t, value);
}

Tensor empty_like(const Tensor& t, std::optional<DType> dtype) {
  check_defined(t, "empty_like");
  return Tensor::empty(t.shape(), dtype.value_or(t.dtype()));
}
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype) {
  check_defined(t, "zeros_like");
  return zeros(t.shape(), dtype.value_or(t.dtype()));
}
Tensor ones_like(const Tensor& t, std::optional<DType> dtype) {
  check_defined(t, "ones_like");
  return ones(t.shape(), dtype.value_or(t.dtype()));
}
Tensor full_like(const Tensor& t, const Scalar& value, std::optional<DType> dtype) {
  check_defined(t, "full_like");
  return full(t.shape(), value, dtype.value_or(t.dtype()));
}

namespace {

constexpr int64_t kFillGrain = 32768;

// Writes f(i) (a double or int64) into out[i] for a fresh contiguous 1-d tensor.
template <class F>
void fill_indexed(Tensor& out, const F& f) {
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    parallel_for(out.numel(), kFillGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) o[i] = static_cast<T>(f(i));
    });
  });
}

}  // namespace

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step,
              std::optional<DType> dtype) {
  using K = Scalar::Kind;
  const bool all_int = start.kind() != K::Float && end.kind() != K::Float && step.kind() != K::Float;
  const DType dt = dtype.value_or(all_int ? DType::Int64 : default_float);
  EMBER_CHECK(dt != DType::Bool, TypeError, "[arange] expected a numeric dtype, got bool");
  int64_t n = 0;
  if (all_int) {
    const int64_t a = start.to_int(), b = end.to_int(), s = step.to_int();
    EMBER_CHECK(s != 0, ValueError, "[arange] step must be nonzero, got 0");
    EMBER_CHECK((s > 0 && b >= a) || (s < 0 && b <= a), ValueError, "[arange] upper bound and "
                "lower bound inconsistent with step sign: start ", a, ", end ", b, ", step ", s);
    // 128-bit arithmetic: b - a may overflow int64 for extreme bounds.
    __int128 span = static_cast<__int128>(b) - a, st = s;
    __int128 len = st > 0 ? (span + st - 1) / st : (span + st + 1) / st;
    EMBER_CHECK(len <= (__int128{1} << 62), MemoryError, "[arange] the range has too many elements");
    n = static_cast<int64_t>(len);
    Tensor out = Tensor::empty({n}, dt);
    fill_indexed(out, [a, s](int64_t i) { return a + i * s; });
    return out;
  }
  const double a = start.to_double(), b = end.to_double(), s = step.to_double();
  EMBER_CHECK(std::isfinite(a) && std::isfinite(b), ValueError, "[arange] expected finite "
              "bounds, got start ", a, ", end ", b);
  EMBER_CHECK(std::isfinite(s) && s != 0.0, ValueError, "[arange] step must be nonzero and "
              "finite, got ", s);
  EMBER_CHECK((s > 0 && b >= a) || (s < 0 && b <= a), ValueError, "[arange] upper bound and "
              "lower bound inconsistent with step sign: start ", a, ", end ", b, ", step ", s);
  const double len = std::ceil((b - a) / s);
  EMBER_CHECK(len <= 4.0e18, MemoryError, "[arange] the range has too many elements (", len, ")");
  n = static_cast<int64_t>(len);
  Tensor out = Tensor::empty({n}, dt);
  fill_indexed(out, [a, s](int64_t i) { return a + static_cast<double>(i) * s; });
  return out;
}

Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, std::optional<DType> dtype) {
  EMBER_CHECK(steps >= 0, ValueError, "[linspace] number of steps must be non-negative, got ", steps);
  const DType dt = dtype.value_or(default_float);
  const double a = start.to_double(), b = end.to_double();
  Tensor out = Tensor::empty({steps}, dt);
  if (steps == 1) {
    fill_indexed(out, [a](int64_t) { return a; });
    return out;
  }
  // Fill the first half from start and the second from end: both endpoints come out exact.
  const double step = (b - a) / static_cast<double>(steps - 1);
  const int64_t half = steps / 2;
  fill_indexed(out, [=](int64_t i) {
    return i < half ? a + step * static_cast<double>(i)
                    : b - step * static_cast<double>(steps - 1 - i);
  });
  return out;
}

Tensor eye(int64_t n, int64_t m, DType dtype) {
  EMBER_CHECK(n >= 0, ValueError, "[eye] n must be non-negative, got ", n);
  if (m < 0) m = n;
  Tensor out = zeros({n, m}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    for (int64_t i = 0; i < std::min(n, m); ++i) o[i * m + i] = T(1);
  });
  return out;
}

Tensor to(const Tensor& t, std::optional<Device> device, std::optional<DType> dtype, bool copy) {
  check_defined(t, "to");
  if (device && !device->is_cpu()) {
    EMBER_CHECK(cuda_available(), RuntimeError, "[cuda] ember was built without CUDA (or no GPU "
                "is present); cannot move a tensor to ", device->str());
    EMBER_THROW(NotImplementedError, "[to] copies to ", device->str(), " are not implemented yet");
  }
  DType dt = dtype.value_or(t.dtype());
  if (dt != t.dtype()) return to_dtype(t, dt);
  return copy ? clone(t) : t;
}

namespace detail {

void check_overwrite(const Tensor& t, const char* name) {
  check_defined(t, name);
  autograd::check_inplace(t, name);
}

void record_overwrite(Tensor& t, const char* name) {
  if (!autograd::any_requires_grad({t})) return;
  // t's old values no longer matter: its previous history receives a zero gradient.
  Tensor result = t.detach();
  autograd::record(name, {t}, {result}, [](const std::vector<Tensor>& g, const autograd::Node&) {
    return std::vector<Tensor>{zeros_like(g[0])};
  });
  autograd::rebase_history(t, result);
}

}  // namespace detail

Tensor& fill_(Tensor& t, const Scalar& value) {
  detail::check_overwrite(t, "fill_");
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T v = value.to<T>();
    cpu::StridedLoop<1>(t.shape(), {&t}).run([v](char** p, const int64_t* s, int64_t n) {
      if (s[0] == sizeof(T)) {
        T* out = reinterpret_cast<T*>(p[0]);
        for (int64_t i = 0; i < n; ++i) out[i] = v;
      } else {
        for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = v;
      }
    });
  });
  t.bump_version();
  detail::record_overwrite(t, "FillBackward");
  return t;
}

Tensor& zero_(Tensor& t) {
  check_defined(t, "zero_");
  return fill_(t, Scalar(0.0));
}

}  // namespace ember

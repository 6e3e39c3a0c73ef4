// Tensor factories; see creation.h.
#include "ember/ops/creation.h"

#include "ember/cpu/loop.h"

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

Tensor& fill_(Tensor& t, const Scalar& value) {
  check_defined(t, "fill_");
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
  return t;
}

Tensor& zero_(Tensor& t) { return fill_(t, Scalar(0.0)); }

}  // namespace ember

// Broadcast binary kernels over StridedLoop; contiguous runs take a tight loop the compiler
// vectorises.
#include "ember/cpu/binary.h"

#include "ember/cpu/loop.h"

namespace ember::cpu {

namespace {

template <class T, class F>
void run(Tensor& out, const Tensor& a, const Tensor& b, F f) {
  StridedLoop<3>(out.shape(), {&out, &a, &b}).run([f](char** p, const int64_t* s, int64_t n) {
    T* o = reinterpret_cast<T*>(p[0]);
    const T* x = reinterpret_cast<const T*>(p[1]);
    const T* y = reinterpret_cast<const T*>(p[2]);
    constexpr int64_t e = sizeof(T);
    if (s[0] == e && s[1] == e && s[2] == e) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
    } else if (s[0] == e && s[1] == e && s[2] == 0) {
      const T yv = *y;
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
    } else if (s[0] == e && s[1] == 0 && s[2] == e) {
      const T xv = *x;
      for (int64_t i = 0; i < n; ++i) o[i] = f(xv, y[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(p[0] + i * s[0]) = f(*reinterpret_cast<const T*>(p[1] + i * s[1]),
                                                   *reinterpret_cast<const T*>(p[2] + i * s[2]));
    }
  });
}

}  // namespace

void binary(BinaryOp op, Tensor& out, const Tensor& a, const Tensor& b) {
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      switch (op) {
        case BinaryOp::Add: return run<T>(out, a, b, [](T x, T y) { return T(x || y); });
        case BinaryOp::Mul: return run<T>(out, a, b, [](T x, T y) { return T(x && y); });
        default: EMBER_THROW(TypeError, "[binary] this op is not defined for bool tensors");
      }
    } else {
      switch (op) {
        case BinaryOp::Add: return run<T>(out, a, b, [](T x, T y) { return x + y; });
        case BinaryOp::Sub: return run<T>(out, a, b, [](T x, T y) { return x - y; });
        case BinaryOp::Mul: return run<T>(out, a, b, [](T x, T y) { return x * y; });
        case BinaryOp::Div:
          if constexpr (std::is_integral_v<T>) {  // never trap: x/0 -> 0, x/-1 -> -x
            return run<T>(out, a, b, [](T x, T y) {
              return y == 0 ? T(0) : y == -1 ? T(0 - static_cast<uint64_t>(x)) : T(x / y);
            });
          } else {
            return run<T>(out, a, b, [](T x, T y) { return x / y; });
          }
      }
    }
  });
}

}  // namespace ember::cpu

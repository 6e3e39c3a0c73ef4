// Broadcast binary and ternary kernels over for_each_run. Contiguous float32 runs of the
// arithmetic ops go to the per-ISA kernels (isa/elementwise_kernel.cpp); other runs take a
// typed loop with tight cases for unit stride and a broadcast scalar.
#include "ember/cpu/binary.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "ember/cpu/elementwise_loop.h"
#include "ember/cpu/isa.h"

namespace ember::cpu {

EMBER_ISA_DECLARE(bool, binary_f32,
                  (BinaryOp op, RunMode mode, float* out, const float* a, const float* b, int64_t n))

namespace {

template <class TO, class TI, class F>
void strided(char** p, const int64_t* s, int64_t n, const F& f) {
  TO* o = reinterpret_cast<TO*>(p[0]);
  const TI* x = reinterpret_cast<const TI*>(p[1]);
  const TI* y = reinterpret_cast<const TI*>(p[2]);
  constexpr int64_t eo = sizeof(TO), ei = sizeof(TI);
  if (s[0] == eo && s[1] == ei && s[2] == ei) {
    for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
  } else if (s[0] == eo && s[1] == ei && s[2] == 0) {
    const TI yv = *y;
    for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
  } else if (s[0] == eo && s[1] == 0 && s[2] == ei) {
    const TI xv = *x;
    for (int64_t i = 0; i < n; ++i) o[i] = f(xv, y[i]);
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<TO*>(p[0] + i * s[0]) = f(*reinterpret_cast<const TI*>(p[1] + i * s[1]),
                                                  *reinterpret_cast<const TI*>(p[2] + i * s[2]));
  }
}

template <class TO, class TI, class F>
void run(Tensor& out, const Tensor& a, const Tensor& b, F f) {
  for_each_run<3>(out.shape(), {&out, &a, &b},
                  [&f](char** p, const int64_t* s, int64_t n) { strided<TO, TI>(p, s, n, f); });
}

// float32 ops with a SIMD kernel: unit-stride runs go there, the rest to the typed loop.
template <class F>
void run_f32(BinaryOp op, Tensor& out, const Tensor& a, const Tensor& b, F f) {
  for_each_run<3>(out.shape(), {&out, &a, &b}, [op, &f](char** p, const int64_t* s, int64_t n) {
    float* o = reinterpret_cast<float*>(p[0]);
    const float* x = reinterpret_cast<const float*>(p[1]);
    const float* y = reinterpret_cast<const float*>(p[2]);
    if (s[0] == 4 && (s[1] == 4 || s[1] == 0) && (s[2] == 4 || s[2] == 0) && (s[1] | s[2])) {
      RunMode mode = s[1] == 0 ? RunMode::AScalar : s[2] == 0 ? RunMode::BScalar : RunMode::Both;
      EMBER_ISA_CALL(binary_f32, op, mode, o, x, y, n);
    } else {
      strided<float, float>(p, s, n, f);
    }
  });
}

template <class T>
T int_pow(T base, T e) {
  if (e < 0) return base == 1 ? T(1) : base == -1 ? ((e & 1) ? T(-1) : T(1)) : T(0);
  uint64_t r = 1, x = static_cast<uint64_t>(base);
  for (uint64_t k = static_cast<uint64_t>(e); k; k >>= 1) {
    if (k & 1) r *= x;
    x *= x;
  }
  return static_cast<T>(r);
}

// Python's floor division for floats: the fmod-based quotient rounded like CPython, so
// results match PyTorch's floor rounding mode.
template <class T>
T floor_div(T a, T b) {
  if (b == 0) return a / b;
  T mod = std::fmod(a, b);
  T q = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) q -= 1;
  if (q == 0) return std::copysign(T(0), a / b);
  T f = std::floor(q);
  return q - f > T(0.5) ? f + 1 : f;
}

// PyTorch's remainder: the sign follows the divisor (Python's %).
template <class T>
T remainder(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    if (b == 0 || b == -1) return T(0);  // x % 0 is checked by the op; x % -1 may overflow
    T r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? T(r + b) : r;
  } else {
    T r = std::fmod(a, b);
    return (r != 0 && ((b < 0) != (r < 0))) ? r + b : r;
  }
}

template <class T>
T log_add_exp(T a, T b, bool base2) {
  if (std::isinf(a) && a == b) return a;  // inf - inf would give NaN below
  const T m = a > b ? a : b;
  const T d = -std::fabs(a - b);
  return base2 ? m + std::log1p(std::exp2(d)) / T(0.693147180559945309417232121458176568)
               : m + std::log1p(std::exp(d));
}

// x * f(y), 0 where x == 0 unless y is NaN (xlogy, xlog1py).
template <class T, class F>
T x_times(T x, T y, F f) {
  if (y != y) return y;
  return x == 0 ? T(0) : x * f(y);
}

int64_t gcd64(int64_t x, int64_t y) {
  uint64_t a = x < 0 ? uint64_t(0) - uint64_t(x) : uint64_t(x);
  uint64_t b = y < 0 ? uint64_t(0) - uint64_t(y) : uint64_t(y);
  while (a != 0) {
    uint64_t c = a;
    a = b % a;
    b = c;
  }
  return static_cast<int64_t>(b);
}

// Ops of ops/math_binary.cpp in T (float, double or int64); false when op is not one.
template <class T>
bool math_binary(BinaryOp op, Tensor& out, const Tensor& a, const Tensor& b) {
  switch (op) {
    case BinaryOp::Fmod:
      if constexpr (std::is_integral_v<T>)
        run<T, T>(out, a, b, [](T x, T y) { return (y == 0 || y == -1) ? T(0) : T(x % y); });
      else
        run<T, T>(out, a, b, [](T x, T y) { return std::fmod(x, y); });
      return true;
    case BinaryOp::Remainder: run<T, T>(out, a, b, [](T x, T y) { return remainder(x, y); }); return true;
    case BinaryOp::Fmax:  // NaN-ignoring; ints have no NaN
      run<T, T>(out, a, b, [](T x, T y) { return x != x ? y : y != y ? x : x < y ? y : x; });
      return true;
    case BinaryOp::Fmin:
      run<T, T>(out, a, b, [](T x, T y) { return x != x ? y : y != y ? x : y < x ? y : x; });
      return true;
    case BinaryOp::Heaviside:
      run<T, T>(out, a, b, [](T x, T y) { return x == 0 ? y : T(x > 0); });
      return true;
    default: break;
  }
  if constexpr (std::is_integral_v<T>) {
    switch (op) {
      case BinaryOp::Gcd: run<T, T>(out, a, b, [](T x, T y) { return gcd64(x, y); }); return true;
      case BinaryOp::Lcm:
        run<T, T>(out, a, b, [](T x, T y) {
          const T g = gcd64(x, y);
          if (g == 0) return T(0);
          const uint64_t r = uint64_t(x / g) * uint64_t(y);
          return T(int64_t(r) < 0 ? uint64_t(0) - r : r);
        });
        return true;
      default: return false;
    }
  } else {
    switch (op) {
      case BinaryOp::Atan2: run<T, T>(out, a, b, [](T x, T y) { return std::atan2(x, y); }); return true;
      case BinaryOp::Hypot: run<T, T>(out, a, b, [](T x, T y) { return std::hypot(x, y); }); return true;
      case BinaryOp::LogAddExp:
        run<T, T>(out, a, b, [](T x, T y) { return log_add_exp(x, y, false); });
        return true;
      case BinaryOp::LogAddExp2:
        run<T, T>(out, a, b, [](T x, T y) { return log_add_exp(x, y, true); });
        return true;
      case BinaryOp::CopySign: run<T, T>(out, a, b, [](T x, T y) { return std::copysign(x, y); }); return true;
      case BinaryOp::NextAfter: run<T, T>(out, a, b, [](T x, T y) { return std::nextafter(x, y); }); return true;
      case BinaryOp::Xlogy:
        run<T, T>(out, a, b, [](T x, T y) { return x_times(x, y, [](T v) { return std::log(v); }); });
        return true;
      case BinaryOp::Xlog1py:
        run<T, T>(out, a, b, [](T x, T y) { return x_times(x, y, [](T v) { return std::log1p(v); }); });
        return true;
      default: return false;
    }
  }
}

template <class T>
void compare(BinaryOp op, Tensor& out, const Tensor& a, const Tensor& b) {
  switch (op) {
    case BinaryOp::Eq: return run<bool, T>(out, a, b, [](T x, T y) { return x == y; });
    case BinaryOp::Ne: return run<bool, T>(out, a, b, [](T x, T y) { return x != y; });
    case BinaryOp::Lt: return run<bool, T>(out, a, b, [](T x, T y) { return x < y; });
    case BinaryOp::Le: return run<bool, T>(out, a, b, [](T x, T y) { return x <= y; });
    case BinaryOp::Gt: return run<bool, T>(out, a, b, [](T x, T y) { return x > y; });
    case BinaryOp::Ge: return run<bool, T>(out, a, b, [](T x, T y) { return x >= y; });
    default: break;
  }
}

template <class T>
void floating(BinaryOp op, Tensor& out, const Tensor& a, const Tensor& b) {
  if (math_binary<T>(op, out, a, b)) return;
  auto arith = [&](auto f) {
    if constexpr (std::is_same_v<T, float>) run_f32(op, out, a, b, f);
    else run<T, T>(out, a, b, f);
  };
  switch (op) {
    case BinaryOp::Add: return arith([](T x, T y) { return x + y; });
    case BinaryOp::Sub: return arith([](T x, T y) { return x - y; });
    case BinaryOp::Mul: return arith([](T x, T y) { return x * y; });
    case BinaryOp::Div: return arith([](T x, T y) { return x / y; });
    case BinaryOp::Maximum:
      return arith([](T x, T y) { return x != x ? x : y != y ? y : x > y ? x : y; });
    case BinaryOp::Minimum:
      return arith([](T x, T y) { return x != x ? x : y != y ? y : x < y ? x : y; });
    case BinaryOp::DivTrunc: return run<T, T>(out, a, b, [](T x, T y) { return std::trunc(x / y); });
    case BinaryOp::DivFloor: return run<T, T>(out, a, b, [](T x, T y) { return floor_div(x, y); });
    case BinaryOp::Pow: return run<T, T>(out, a, b, [](T x, T y) { return std::pow(x, y); });
    default: break;
  }
  EMBER_THROW(TypeError, "[binary] this op is not defined for floating point tensors");
}

void integer(BinaryOp op, Tensor& out, const Tensor& a, const Tensor& b) {
  using T = int64_t;
  using U = uint64_t;  // wrap-around arithmetic without signed-overflow UB
  if (math_binary<T>(op, out, a, b)) return;
  switch (op) {
    case BinaryOp::Add: return run<T, T>(out, a, b, [](T x, T y) { return T(U(x) + U(y)); });
    case BinaryOp::Sub: return run<T, T>(out, a, b, [](T x, T y) { return T(U(x) - U(y)); });
    case BinaryOp::Mul: return run<T, T>(out, a, b, [](T x, T y) { return T(U(x) * U(y)); });
    case BinaryOp::Div:
    case BinaryOp::DivTrunc:
      return run<T, T>(out, a, b, [](T x, T y) {
        return y == 0 ? T(0) : y == -1 ? T(U(0) - U(x)) : T(x / y);
      });
    case BinaryOp::DivFloor:
      return run<T, T>(out, a, b, [](T x, T y) {
        if (y == 0) return T(0);
        if (y == -1) return T(U(0) - U(x));
        T q = x / y;
        return (x % y != 0 && ((x < 0) != (y < 0))) ? T(q - 1) : q;
      });
    case BinaryOp::Pow: return run<T, T>(out, a, b, [](T x, T y) { return int_pow(x, y); });
    case BinaryOp::Maximum: return run<T, T>(out, a, b, [](T x, T y) { return x > y ? x : y; });
    case BinaryOp::Minimum: return run<T, T>(out, a, b, [](T x, T y) { return x < y ? x : y; });
    case BinaryOp::And: return run<T, T>(out, a, b, [](T x, T y) { return T(x & y); });
    case BinaryOp::Or: return run<T, T>(out, a, b, [](T x, T y) { return T(x | y); });
    case BinaryOp::Xor: return run<T, T>(out, a, b, [](T x, T y) { return T(x ^ y); });
    default: break;
  }
  EMBER_THROW(TypeError, "[binary] this op is not defined for int64 tensors");
}

void boolean(BinaryOp op, Tensor& out, const Tensor& a, const Tensor& b) {
  using T = bool;
  switch (op) {
    case BinaryOp::Add:
    case BinaryOp::Maximum:
    case BinaryOp::Or: return run<T, T>(out, a, b, [](T x, T y) { return T(x || y); });
    case BinaryOp::Mul:
    case BinaryOp::Minimum:
    case BinaryOp::And: return run<T, T>(out, a, b, [](T x, T y) { return T(x && y); });
    case BinaryOp::Xor: return run<T, T>(out, a, b, [](T x, T y) { return T(x != y); });
    default: break;
  }
  EMBER_THROW(TypeError, "[binary] this op is not defined for bool tensors");
}

}  // namespace

void binary(BinaryOp op, Tensor& out, const Tensor& a, const Tensor& b) {
  if (is_comparison(op)) {
    return dispatch(a.dtype(), [&](auto tag) { compare<decltype(tag)>(op, out, a, b); });
  }
  switch (out.dtype()) {
    case DType::Float32: return floating<float>(op, out, a, b);
    case DType::Float64: return floating<double>(op, out, a, b);
    case DType::Int64: return integer(op, out, a, b);
    case DType::Bool: return boolean(op, out, a, b);
  }
}

void where(Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for_each_run<4>(out.shape(), {&out, &cond, &a, &b}, [](char** p, const int64_t* s, int64_t n) {
      constexpr int64_t e = sizeof(T);
      if (s[0] == e && s[1] == 1 && s[2] == e && s[3] == e) {
        T* o = reinterpret_cast<T*>(p[0]);
        const bool* c = reinterpret_cast<const bool*>(p[1]);
        const T* x = reinterpret_cast<const T*>(p[2]);
        const T* y = reinterpret_cast<const T*>(p[3]);
        for (int64_t i = 0; i < n; ++i) o[i] = c[i] ? x[i] : y[i];
        return;
      }
      if (s[0] == e && s[1] == 1 && s[2] == e && s[3] == 0) {  // where(c, x, scalar): relu'
        T* o = reinterpret_cast<T*>(p[0]);
        const bool* c = reinterpret_cast<const bool*>(p[1]);
        const T* x = reinterpret_cast<const T*>(p[2]);
        // A bit-mask blend rather than a branch (the mask is random for ReLU's input).
        using U = std::conditional_t<sizeof(T) == 8, uint64_t,
                  std::conditional_t<sizeof(T) == 4, uint32_t,
                  std::conditional_t<sizeof(T) == 2, uint16_t, uint8_t>>>;
        static_assert(sizeof(U) == sizeof(T), "where: unexpected element size");
        U yb;
        std::memcpy(&yb, p[3], sizeof(T));
        for (int64_t i = 0; i < n; ++i) {
          U xb;
          std::memcpy(&xb, x + i, sizeof(T));
          const U m = static_cast<U>(U(0) - static_cast<U>(c[i] != 0));
          const U r = static_cast<U>((xb & m) | (yb & static_cast<U>(~m)));
          std::memcpy(o + i, &r, sizeof(T));
        }
        return;
      }
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(p[0] + i * s[0]) =
            *reinterpret_cast<const bool*>(p[1] + i * s[1])
                ? *reinterpret_cast<const T*>(p[2] + i * s[2])
                : *reinterpret_cast<const T*>(p[3] + i * s[3]);
    });
  });
}

bool any_zero(const Tensor& t) {
  std::atomic<bool> found{false};
  Tensor dummy = t;  // for_each_run wants an output operand first; it is only read here
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for_each_run<1>(t.shape(), {&dummy}, [&found](char** p, const int64_t* s, int64_t n) {
      bool z = false;
      for (int64_t i = 0; i < n; ++i) z |= *reinterpret_cast<const T*>(p[0] + i * s[0]) == T(0);
      if (z) found.store(true, std::memory_order_relaxed);
    });
  });
  return found.load();
}

}  // namespace ember::cpu

// Unary elementwise kernels. float32 always computes with the per-ISA kernels (strided
// runs are gathered into a small contiguous buffer first), so a value gets the same result
// whatever the layout; float64 uses the C library maths (it serves gradient checks).
#include "ember/cpu/unary.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "ember/cpu/elementwise_loop.h"
#include "ember/cpu/isa.h"
#include "ember/cpu/special_math.h"

namespace ember::cpu {

EMBER_ISA_DECLARE(bool, unary_f32,
                  (UnaryOp op, float* out, const float* in, int64_t n, float p0, float p1))

namespace {

template <class T, class F>
void run(Tensor& out, const Tensor& in, F f) {
  for_each_run<2>(out.shape(), {&out, &in}, [&f](char** p, const int64_t* s, int64_t n) {
    if (s[0] == sizeof(T) && s[1] == sizeof(T)) {
      T* o = reinterpret_cast<T*>(p[0]);
      const T* x = reinterpret_cast<const T*>(p[1]);
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(p[0] + i * s[0]) = f(*reinterpret_cast<const T*>(p[1] + i * s[1]));
    }
  });
}

template <class T>
T sign_of(T x) {
  return x > T(0) ? T(1) : x < T(0) ? T(-1) : x;  // keeps 0 and NaN
}

template <class T>
T erfc_based_gelu(T x) {
  return T(0.5) * x * std::erfc(-x * T(0.707106781186547524400844362104849));
}

// Special functions: float32 computes in double and rounds once.
template <class T>
bool special_fn(UnaryOp op, Tensor& out, const Tensor& in, double p0) {
  auto via = [&](double (*f)(double)) { run<T>(out, in, [f](T x) { return T(f(double(x))); }); };
  switch (op) {
    case UnaryOp::Erfinv: via(special::erfinv); return true;
    case UnaryOp::Digamma: via(special::digamma); return true;
    case UnaryOp::I0: via(special::i0); return true;
    case UnaryOp::I0e: via(special::i0e); return true;
    case UnaryOp::I1: via(special::i1); return true;
    case UnaryOp::I1e: via(special::i1e); return true;
    case UnaryOp::Ndtri: via(special::ndtri); return true;
    case UnaryOp::LogNdtr: via(special::log_ndtr); return true;
    case UnaryOp::Sinc: via(special::sinc); return true;
    case UnaryOp::Polygamma: {
      const int64_t n = static_cast<int64_t>(p0);
      run<T>(out, in, [n](T x) { return T(special::polygamma(n, double(x))); });
      return true;
    }
    default: return false;
  }
}

// Ops computed with the C library in both float widths (the SIMD kernel lacks them);
// false when op is not one of them.
template <class T>
bool libm(UnaryOp op, Tensor& out, const Tensor& in, double p0) {
  if (special_fn<T>(op, out, in, p0)) return true;
  switch (op) {
    case UnaryOp::Asinh: run<T>(out, in, [](T x) { return std::asinh(x); }); return true;
    case UnaryOp::Acosh: run<T>(out, in, [](T x) { return std::acosh(x); }); return true;
    case UnaryOp::Atanh: run<T>(out, in, [](T x) { return std::atanh(x); }); return true;
    case UnaryOp::Erfc: run<T>(out, in, [](T x) { return std::erfc(x); }); return true;
    case UnaryOp::Exp2: run<T>(out, in, [](T x) { return std::exp2(x); }); return true;
    case UnaryOp::Lgamma: run<T>(out, in, [](T x) { return std::lgamma(x); }); return true;
    case UnaryOp::Sin: run<T>(out, in, [](T x) { return std::sin(x); }); return true;
    case UnaryOp::Cos: run<T>(out, in, [](T x) { return std::cos(x); }); return true;
    case UnaryOp::Log1p: run<T>(out, in, [](T x) { return std::log1p(x); }); return true;
    case UnaryOp::Expm1: run<T>(out, in, [](T x) { return std::expm1(x); }); return true;
    case UnaryOp::Log2: run<T>(out, in, [](T x) { return std::log2(x); }); return true;
    case UnaryOp::Log10: run<T>(out, in, [](T x) { return std::log10(x); }); return true;
    case UnaryOp::Tan: run<T>(out, in, [](T x) { return std::tan(x); }); return true;
    case UnaryOp::Atan: run<T>(out, in, [](T x) { return std::atan(x); }); return true;
    case UnaryOp::Asin: run<T>(out, in, [](T x) { return std::asin(x); }); return true;
    case UnaryOp::Acos: run<T>(out, in, [](T x) { return std::acos(x); }); return true;
    case UnaryOp::Sinh: run<T>(out, in, [](T x) { return std::sinh(x); }); return true;
    case UnaryOp::Cosh: run<T>(out, in, [](T x) { return std::cosh(x); }); return true;
    case UnaryOp::Sign: run<T>(out, in, [](T x) { return sign_of(x); }); return true;
    default: return false;
  }
}

void float64(UnaryOp op, Tensor& out, const Tensor& in, double p0, double p1) {
  using T = double;
  if (libm<T>(op, out, in, p0)) return;
  switch (op) {
    case UnaryOp::Neg: return run<T>(out, in, [](T x) { return -x; });
    case UnaryOp::Abs: return run<T>(out, in, [](T x) { return std::fabs(x); });
    case UnaryOp::Exp: return run<T>(out, in, [](T x) { return std::exp(x); });
    case UnaryOp::Log: return run<T>(out, in, [](T x) { return std::log(x); });
    case UnaryOp::Sqrt: return run<T>(out, in, [](T x) { return std::sqrt(x); });
    case UnaryOp::Rsqrt: return run<T>(out, in, [](T x) { return 1.0 / std::sqrt(x); });
    case UnaryOp::Tanh: return run<T>(out, in, [](T x) { return std::tanh(x); });
    case UnaryOp::Sigmoid: return run<T>(out, in, [](T x) { return 1.0 / (1.0 + std::exp(-x)); });
    case UnaryOp::Relu: return run<T>(out, in, [](T x) { return x < 0 ? 0.0 : x; });
    case UnaryOp::Gelu: return run<T>(out, in, [](T x) { return erfc_based_gelu(x); });
    case UnaryOp::GeluTanh:
      return run<T>(out, in, [](T x) {
        return 0.5 * x * (1.0 + std::tanh(0.797884560802865355879892119868763737 *
                                          (x + 0.044715 * x * x * x)));
      });
    case UnaryOp::Silu: return run<T>(out, in, [](T x) { return x / (1.0 + std::exp(-x)); });
    case UnaryOp::Softplus:
      return run<T>(out, in, [p0, p1](T x) {
        return x * p0 > p1 ? x : std::log1p(std::exp(x * p0)) / p0;
      });
    case UnaryOp::Erf: return run<T>(out, in, [](T x) { return std::erf(x); });
    case UnaryOp::Floor: return run<T>(out, in, [](T x) { return std::floor(x); });
    case UnaryOp::Ceil: return run<T>(out, in, [](T x) { return std::ceil(x); });
    case UnaryOp::Trunc: return run<T>(out, in, [](T x) { return std::trunc(x); });
    case UnaryOp::Round: return run<T>(out, in, [](T x) { return std::nearbyint(x); });
    case UnaryOp::Clamp:
      return run<T>(out, in, [p0, p1](T x) {
        T r = x < p0 ? p0 : x;
        return r > p1 ? p1 : r;
      });
    default: break;
  }
  EMBER_THROW(TypeError, "[unary] this op is not defined for float64 tensors");
}

void float32(UnaryOp op, Tensor& out, const Tensor& in, double p0, double p1) {
  if (libm<float>(op, out, in, p0)) return;
  const float f0 = static_cast<float>(p0), f1 = static_cast<float>(p1);
  for_each_run<2>(out.shape(), {&out, &in}, [op, f0, f1](char** p, const int64_t* s, int64_t n) {
    if (s[0] == 4 && s[1] == 4) {
      EMBER_ISA_CALL(unary_f32, op, reinterpret_cast<float*>(p[0]),
                     reinterpret_cast<const float*>(p[1]), n, f0, f1);
      return;
    }
    constexpr int64_t kBuf = 256;
    float buf[kBuf];
    for (int64_t i0 = 0; i0 < n; i0 += kBuf) {
      int64_t m = n - i0 < kBuf ? n - i0 : kBuf;
      for (int64_t i = 0; i < m; ++i) buf[i] = *reinterpret_cast<const float*>(p[1] + (i0 + i) * s[1]);
      EMBER_ISA_CALL(unary_f32, op, buf, buf, m, f0, f1);
      for (int64_t i = 0; i < m; ++i) *reinterpret_cast<float*>(p[0] + (i0 + i) * s[0]) = buf[i];
    }
  });
}

void int64(UnaryOp op, Tensor& out, const Tensor& in, double p0, double p1) {
  using T = int64_t;
  using U = uint64_t;
  switch (op) {
    case UnaryOp::Neg: return run<T>(out, in, [](T x) { return T(U(0) - U(x)); });
    case UnaryOp::Abs: return run<T>(out, in, [](T x) { return x < 0 ? T(U(0) - U(x)) : x; });
    case UnaryOp::Sign: return run<T>(out, in, [](T x) { return sign_of(x); });
    case UnaryOp::Relu: return run<T>(out, in, [](T x) { return x < 0 ? T(0) : x; });
    case UnaryOp::BitNot: return run<T>(out, in, [](T x) { return T(~x); });
    case UnaryOp::Clamp: {
      // Bounds arrive as doubles; +-inf means "no bound".
      constexpr T lo_lim = std::numeric_limits<T>::min(), hi_lim = std::numeric_limits<T>::max();
      T lo = std::isinf(p0) ? lo_lim : static_cast<T>(p0);
      T hi = std::isinf(p1) ? hi_lim : static_cast<T>(p1);
      return run<T>(out, in, [lo, hi](T x) {
        T r = x < lo ? lo : x;
        return r > hi ? hi : r;
      });
    }
    default: break;
  }
  EMBER_THROW(TypeError, "[unary] this op is not defined for int64 tensors");
}

void boolean(UnaryOp op, Tensor& out, const Tensor& in) {
  switch (op) {
    case UnaryOp::LogicalNot:
    case UnaryOp::BitNot: return run<bool>(out, in, [](bool x) { return !x; });
    case UnaryOp::Sign: return run<bool>(out, in, [](bool x) { return x; });
    default: break;
  }
  EMBER_THROW(TypeError, "[unary] this op is not defined for bool tensors");
}

}  // namespace

void unary(UnaryOp op, Tensor& out, const Tensor& in, double p0, double p1) {
  switch (out.dtype()) {
    case DType::Float32: return float32(op, out, in, p0, p1);
    case DType::Float64: return float64(op, out, in, p0, p1);
    case DType::Int64: return int64(op, out, in, p0, p1);
    case DType::Bool: return boolean(op, out, in);
  }
}

}  // namespace ember::cpu

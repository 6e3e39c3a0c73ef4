// Contiguous float32 elementwise kernels (one per ISA, see cpu/isa.h): the bodies of
// cpu::unary / cpu::binary for runs where every operand has unit stride (or one binary
// operand is a broadcast scalar). Single-threaded; the callers cut the work into chunks.
// Ops without a case here (sin, cos, pow, ...) return false and take the generic loop.
// CMake compiles the isa files with -fno-trapping-math -fno-math-errno, which lets GCC
// if-convert vec_math.h's NaN-safe selects and inline sqrt (no reassociation: results are
// unchanged; without it these loops stay scalar).
#include <cstdint>

#include "ember/cpu/elementwise_ops.h"
#include "ember/cpu/isa/vec_math.h"

namespace ember::cpu::EMBER_ISA {

namespace {

template <class F>
void map1(float* out, const float* in, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
}

template <class F>
void map2(RunMode mode, float* out, const float* a, const float* b, int64_t n, F f) {
  if (mode == RunMode::Both) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
  } else if (mode == RunMode::BScalar) {
    const float y = *b;
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], y);
  } else {
    const float x = *a;
    for (int64_t i = 0; i < n; ++i) out[i] = f(x, b[i]);
  }
}

// gelu_f32 in three passes over blocks (polynomial, exp, combine): the same arithmetic,
// but each loop needs fewer live vector registers, which makes it ~1.4x faster.
void gelu_blocks(float* out, const float* in, int64_t n) {
  constexpr int64_t kBlock = 256;
  float e[kBlock], t[kBlock];
  for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
    const int64_t m = n - i0 < kBlock ? n - i0 : kBlock;
    const float* x = in + i0;
    float* y = out + i0;
    for (int64_t i = 0; i < m; ++i) {
      float z = -0.707106781186547524f * x[i];  // gelu(x) = x erfc(z) / 2
      float a = z < 0.0f ? -z : z;
      t[i] = erfc_t_f32(a);
      e[i] = erfc_exponent_f32(a, t[i]);
    }
    for (int64_t i = 0; i < m; ++i) e[i] = exp_f32(e[i]);
    for (int64_t i = 0; i < m; ++i) {
      float xi = x[i];
      float r = t[i] * e[i];
      r = xi > 0.0f ? 2.0f - r : r;  // erfc(z) for z = -x / sqrt(2) < 0
      float g = 0.5f * xi * r;
      y[i] = xi != xi ? xi : g;  // y may alias x: x[i] is read before y[i] is written
    }
  }
}

}  // namespace

bool unary_f32(UnaryOp op, float* out, const float* in, int64_t n, float p0, float p1) {
  switch (op) {
    case UnaryOp::Neg: map1(out, in, n, [](float x) { return -x; }); return true;
    case UnaryOp::Abs: map1(out, in, n, [](float x) { return __builtin_fabsf(x); }); return true;
    case UnaryOp::Exp: map1(out, in, n, [](float x) { return exp_f32(x); }); return true;
    case UnaryOp::Log: map1(out, in, n, [](float x) { return log_f32(x); }); return true;
    case UnaryOp::Sqrt: map1(out, in, n, [](float x) { return __builtin_sqrtf(x); }); return true;
    case UnaryOp::Rsqrt:
      map1(out, in, n, [](float x) { return 1.0f / __builtin_sqrtf(x); });
      return true;
    case UnaryOp::Tanh: map1(out, in, n, [](float x) { return tanh_f32(x); }); return true;
    case UnaryOp::Sigmoid: map1(out, in, n, [](float x) { return sigmoid_f32(x); }); return true;
    case UnaryOp::Relu: map1(out, in, n, [](float x) { return x < 0.0f ? 0.0f : x; }); return true;
    case UnaryOp::Floor: map1(out, in, n, [](float x) { return __builtin_floorf(x); }); return true;
    case UnaryOp::Ceil: map1(out, in, n, [](float x) { return __builtin_ceilf(x); }); return true;
    case UnaryOp::Trunc: map1(out, in, n, [](float x) { return __builtin_truncf(x); }); return true;
    // Half to even, like PyTorch (the default rounding mode).
    case UnaryOp::Round: map1(out, in, n, [](float x) { return __builtin_nearbyintf(x); }); return true;
    case UnaryOp::Gelu: gelu_blocks(out, in, n); return true;
    case UnaryOp::GeluTanh: map1(out, in, n, [](float x) { return gelu_tanh_f32(x); }); return true;
    case UnaryOp::Silu: map1(out, in, n, [](float x) { return silu_f32(x); }); return true;
    case UnaryOp::Erf: map1(out, in, n, [](float x) { return erf_f32(x); }); return true;
    case UnaryOp::Softplus:
      map1(out, in, n, [p0, p1](float x) { return softplus_f32(x, p0, p1); });
      return true;
    case UnaryOp::Clamp:
      map1(out, in, n, [p0, p1](float x) {
        float r = x < p0 ? p0 : x;  // NaN stays NaN; min > max gives max, like PyTorch
        return r > p1 ? p1 : r;
      });
      return true;
    default: return false;
  }
}

bool binary_f32(BinaryOp op, RunMode mode, float* out, const float* a, const float* b,
                int64_t n) {
  switch (op) {
    case BinaryOp::Add: map2(mode, out, a, b, n, [](float x, float y) { return x + y; }); return true;
    case BinaryOp::Sub: map2(mode, out, a, b, n, [](float x, float y) { return x - y; }); return true;
    case BinaryOp::Mul: map2(mode, out, a, b, n, [](float x, float y) { return x * y; }); return true;
    case BinaryOp::Div: map2(mode, out, a, b, n, [](float x, float y) { return x / y; }); return true;
    case BinaryOp::Maximum:
      map2(mode, out, a, b, n, [](float x, float y) {
        float r = x > y ? x : y;
        r = y != y ? y : r;
        return x != x ? x : r;
      });
      return true;
    case BinaryOp::Minimum:
      map2(mode, out, a, b, n, [](float x, float y) {
        float r = x < y ? x : y;
        r = y != y ? y : r;
        return x != x ? x : r;
      });
      return true;
    default: return false;
  }
}

}  // namespace ember::cpu::EMBER_ISA

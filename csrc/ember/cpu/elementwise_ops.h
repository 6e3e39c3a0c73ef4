// The op codes of the elementwise kernels, shared by cpu/binary, cpu/unary and the per-ISA
// float32 kernels in cpu/isa/elementwise_kernel.cpp (so this header holds enums only).
#pragma once

namespace ember::cpu {

enum class BinaryOp {
  Add, Sub, Mul, Div, DivTrunc, DivFloor, Pow, Maximum, Minimum,
  Eq, Ne, Lt, Le, Gt, Ge,  // out is bool
  And, Or, Xor,            // logical on bool, bitwise on int64
  // math_binary.cpp: floating only unless noted
  Atan2, Hypot, LogAddExp, LogAddExp2, CopySign, NextAfter, Xlogy, Xlog1py,
  Fmod, Remainder, Fmax, Fmin, Heaviside,  // also int64
  Gcd, Lcm,                                // int64 only
};

// Clamp: p0 = min, p1 = max (a missing bound is -inf / +inf). Softplus: p0 = beta,
// p1 = threshold. Polygamma: p0 = n.
enum class UnaryOp {
  Neg, Abs, Sign, Exp, Log, Sqrt, Rsqrt, Sin, Cos, Tanh, Sigmoid, Relu, Gelu, GeluTanh, Silu,
  Softplus, Erf, Clamp, LogicalNot, BitNot,
  Log1p, Expm1, Log2, Log10, Tan, Atan, Asin, Acos, Sinh, Cosh, Floor, Ceil, Round, Trunc,
  Asinh, Acosh, Atanh, Erfc, Erfinv, Exp2, Lgamma, Digamma, Polygamma, I0, I0e, I1, I1e,
  Ndtri, LogNdtr, Sinc,
};

// Layout of a contiguous float32 binary run: both operands advance, or one is a scalar.
enum class RunMode { Both, AScalar, BScalar };

}  // namespace ember::cpu

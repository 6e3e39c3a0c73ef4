// Element types and the dispatch helpers that turn a runtime DType into a C++ type.
// float32 computes, float64 checks gradients, int64 holds indices, bool holds masks.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ember/core/error.h"

namespace ember {

// Ordered by promotion category: bool < integer < floating, then by size.
enum class DType : uint8_t { Bool, Int64, Float32, Float64 };

constexpr size_t itemsize(DType t) {
  switch (t) {
    case DType::Bool: return 1;
    case DType::Int64: return 8;
    case DType::Float32: return 4;
    case DType::Float64: return 8;
  }
  return 0;
}

constexpr const char* dtype_name(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::Int64: return "int64";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "?";
}

constexpr bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }

// 0 bool, 1 integer, 2 floating: PyTorch's promotion categories.
constexpr int category(DType t) { return t == DType::Bool ? 0 : t == DType::Int64 ? 1 : 2; }

// Promotion of two dtypes of the same priority: the larger of the ordered enum.
constexpr DType promote_types(DType a, DType b) { return a > b ? a : b; }

constexpr DType default_float = DType::Float32;

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<bool>() { return DType::Bool; }
template <> constexpr DType dtype_of<int64_t>() { return DType::Int64; }
template <> constexpr DType dtype_of<float>() { return DType::Float32; }
template <> constexpr DType dtype_of<double>() { return DType::Float64; }

// dispatch(dtype, [&](auto tag) { using T = decltype(tag); ... }) calls f with a value of
// the C++ type matching dtype.
template <class F>
decltype(auto) dispatch(DType t, F&& f) {
  switch (t) {
    case DType::Bool: return f(bool{});
    case DType::Int64: return f(int64_t{});
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
  }
  EMBER_THROW(TypeError, "[dispatch] unknown dtype");
}

// Like dispatch, but only floating types; other dtypes raise TypeError naming op.
template <class F>
decltype(auto) dispatch_float(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    default: break;
  }
  EMBER_THROW(TypeError, "[", op, "] expected a floating point tensor (float32 or float64), got ",
              dtype_name(t));
}

}  // namespace ember

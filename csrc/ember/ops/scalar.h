// Python-number operands (x + 1.5) and PyTorch's type promotion. A Scalar has the lowest
// priority: it only changes the result dtype when it is of a higher category (bool < int <
// float), and then a float Scalar gives the default float32. A 0-d tensor ranks between a
// Scalar and a dimensioned tensor in the same way.
#pragma once
#include <cstdint>
#include <type_traits>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Int, Float };
  Scalar(double v) : kind_(Kind::Float), d_(v), i_(static_cast<int64_t>(v)) {}
  Scalar(float v) : Scalar(static_cast<double>(v)) {}
  Scalar(int64_t v) : kind_(Kind::Int), d_(static_cast<double>(v)), i_(v) {}
  Scalar(int v) : Scalar(static_cast<int64_t>(v)) {}
  Scalar(bool v) : kind_(Kind::Bool), d_(v ? 1.0 : 0.0), i_(v ? 1 : 0) {}

  Kind kind() const { return kind_; }
  double to_double() const { return d_; }
  int64_t to_int() const { return i_; }
  // The dtype a lone scalar gets: bool, int64 or the default float.
  DType dtype() const {
    return kind_ == Kind::Bool ? DType::Bool : kind_ == Kind::Int ? DType::Int64 : default_float;
  }
  template <class T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) return d_ != 0.0;
    else if constexpr (std::is_integral_v<T>) return static_cast<T>(i_);
    else return static_cast<T>(d_);
  }

 private:
  Kind kind_;
  double d_;
  int64_t i_;
};

// Result dtype of an op over these tensors and scalars, by PyTorch's rules.
DType result_type(const std::vector<Tensor>& tensors, const std::vector<Scalar>& scalars = {});

// A 0-d tensor holding s converted to dtype.
Tensor scalar_tensor(const Scalar& s, DType dtype);

}  // namespace ember

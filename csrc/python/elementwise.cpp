// Bindings for elementwise ops: module functions and Tensor methods with PyTorch's names
// and arguments, their in-place forms (returning self), and the Tensor arithmetic,
// comparison and bitwise operators. `other` operands may be tensors or Python numbers.
#include "bind_elementwise.h"

namespace ember::python {

namespace {

std::string mode_of(py::handle rounding_mode) {
  return rounding_mode.is_none() ? std::string() : rounding_mode.cast<std::string>();
}

// A clamp bound: None, a number or a tensor.
struct Bound {
  std::optional<Scalar> scalar;
  Tensor tensor;
};
Bound to_bound(py::handle h, const char* op) {
  Bound b;
  if (h.is_none()) return b;
  if (py::isinstance<Tensor>(h)) b.tensor = h.cast<Tensor>();
  else b.scalar = to_scalar(h, op);
  return b;
}

Tensor clamp_any(const Tensor& a, py::handle min, py::handle max) {
  Bound lo = to_bound(min, "clamp"), hi = to_bound(max, "clamp");
  py::gil_scoped_release release;
  if (!lo.tensor.defined() && !hi.tensor.defined()) return clamp(a, lo.scalar, hi.scalar);
  if (lo.scalar) lo.tensor = scalar_tensor(*lo.scalar, lo.scalar->dtype());
  if (hi.scalar) hi.tensor = scalar_tensor(*hi.scalar, hi.scalar->dtype());
  return clamp(a, lo.tensor, hi.tensor);
}

}  // namespace

void bind_elementwise(py::module_& m, TensorClass& cls) {
  // ---- binary arithmetic with tensor-or-number other
  auto add_fn = [](const Tensor& a, py::handle other, py::handle alpha) {
    Scalar al = to_scalar(alpha, "add");
    return dispatch_other(a, other, "add", false,
        [&](const Tensor& x, const Tensor& y) { return add(x, y, al); },
        [&](const Tensor& x, const Scalar& y) { return add(x, y, al); });
  };
  auto sub_fn = [](const Tensor& a, py::handle other, py::handle alpha) {
    Scalar al = to_scalar(alpha, "sub");
    return dispatch_other(a, other, "sub", false,
        [&](const Tensor& x, const Tensor& y) { return sub(x, y, al); },
        [&](const Tensor& x, const Scalar& y) { return sub(x, y, al); });
  };
  both(m, cls, "add", add_fn, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  both(m, cls, "sub", sub_fn, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  both(m, cls, "subtract", sub_fn, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  auto mul_fn = [](const Tensor& a, py::handle other) {
    return dispatch_other(a, other, "mul", false,
        [](const Tensor& x, const Tensor& y) { return mul(x, y); },
        [](const Tensor& x, const Scalar& y) { return mul(x, y); });
  };
  both(m, cls, "mul", mul_fn, py::arg("other"));
  both(m, cls, "multiply", mul_fn, py::arg("other"));
  auto div_fn = [](const Tensor& a, py::handle other, py::handle rounding_mode) {
    std::string mode = mode_of(rounding_mode);
    return dispatch_other(a, other, "div", false,
        [&](const Tensor& x, const Tensor& y) { return div(x, y, mode); },
        [&](const Tensor& x, const Scalar& y) { return div(x, y, mode); });
  };
  both(m, cls, "div", div_fn, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  both(m, cls, "divide", div_fn, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  both(m, cls, "true_divide", [](const Tensor& a, py::handle other) {
    return dispatch_other(a, other, "div", false,
        [](const Tensor& x, const Tensor& y) { return div(x, y); },
        [](const Tensor& x, const Scalar& y) { return div(x, y); });
  }, py::arg("other"));
  both(m, cls, "floor_divide", [](const Tensor& a, py::handle other) {
    return dispatch_other(a, other, "div", false,
        [](const Tensor& x, const Tensor& y) { return div(x, y, "floor"); },
        [](const Tensor& x, const Scalar& y) { return div(x, y, "floor"); });
  }, py::arg("other"));
  m.def("pow", [](py::handle input, py::handle exponent) -> py::object {
    if (!py::isinstance<Tensor>(input)) {
      Scalar base = to_scalar(input, "pow");
      const Tensor& e = exponent.cast<const Tensor&>();
      Tensor r;
      {
        py::gil_scoped_release release;
        r = pow(base, e);
      }
      return py::cast(std::move(r));  // with the GIL held
    }
    return dispatch_other(input.cast<const Tensor&>(), exponent, "pow", false,
        [](const Tensor& x, const Tensor& y) { return pow(x, y); },
        [](const Tensor& x, const Scalar& y) { return pow(x, y); });
  }, py::arg("input"), py::arg("exponent"));
  cls.def("pow", [](const Tensor& a, py::handle exponent) {
    return dispatch_other(a, exponent, "pow", false,
        [](const Tensor& x, const Tensor& y) { return pow(x, y); },
        [](const Tensor& x, const Scalar& y) { return pow(x, y); });
  }, py::arg("exponent"));
  both(m, cls, "maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); },
       py::arg("other"), Release());
  both(m, cls, "minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); },
       py::arg("other"), Release());

  // ---- unary maths and activations
  unary(m, cls, "neg", [](const Tensor& a) { return neg(a); });
  unary(m, cls, "negative", [](const Tensor& a) { return neg(a); });
  unary(m, cls, "abs", [](const Tensor& a) { return ember::abs(a); });
  unary(m, cls, "sign", [](const Tensor& a) { return sign(a); });
  unary(m, cls, "exp", [](const Tensor& a) { return ember::exp(a); });
  unary(m, cls, "log", [](const Tensor& a) { return ember::log(a); });
  unary(m, cls, "sqrt", [](const Tensor& a) { return ember::sqrt(a); });
  unary(m, cls, "rsqrt", [](const Tensor& a) { return rsqrt(a); });
  unary(m, cls, "sin", [](const Tensor& a) { return ember::sin(a); });
  unary(m, cls, "cos", [](const Tensor& a) { return ember::cos(a); });
  unary(m, cls, "tanh", [](const Tensor& a) { return ember::tanh(a); });
  unary(m, cls, "sigmoid", [](const Tensor& a) { return sigmoid(a); });
  unary(m, cls, "erf", [](const Tensor& a) { return ember::erf(a); });
  unary(m, cls, "relu", [](const Tensor& a) { return relu(a); });
  unary(m, cls, "silu", [](const Tensor& a) { return silu(a); });
  both(m, cls, "gelu", [](const Tensor& a, const std::string& approximate) {
    return gelu(a, approximate);
  }, py::kw_only(), py::arg("approximate") = "none", Release());
  both(m, cls, "softplus", [](const Tensor& a, py::handle beta, py::handle threshold) {
    Scalar b = to_scalar(beta, "softplus"), t = to_scalar(threshold, "softplus");
    py::gil_scoped_release release;
    return softplus(a, b, t);
  }, py::arg("beta") = 1, py::arg("threshold") = 20);
  both(m, cls, "clamp", &clamp_any, py::arg("min") = py::none(), py::arg("max") = py::none());
  both(m, cls, "clip", &clamp_any, py::arg("min") = py::none(), py::arg("max") = py::none());
  both(m, cls, "clamp_min", [](const Tensor& a, py::handle min) {
    return clamp_any(a, min, py::none());
  }, py::arg("min"));
  both(m, cls, "clamp_max", [](const Tensor& a, py::handle max) {
    return clamp_any(a, py::none(), max);
  }, py::arg("max"));

  // ---- selection
  m.def("where", [](const Tensor& cond, py::handle input, py::handle other) {
    bool ta = py::isinstance<Tensor>(input), tb = py::isinstance<Tensor>(other);
    Tensor a = ta ? input.cast<Tensor>() : Tensor(), b = tb ? other.cast<Tensor>() : Tensor();
    std::optional<Scalar> sa, sb;
    if (!ta) sa = to_scalar(input, "where");
    if (!tb) sb = to_scalar(other, "where");
    py::gil_scoped_release release;
    if (ta && tb) return where(cond, a, b);
    if (ta) return where(cond, a, *sb);
    if (tb) return where(cond, *sa, b);
    return where(cond, *sa, *sb);
  }, py::arg("condition"), py::arg("input"), py::arg("other"));
  cls.def("where", [](const Tensor& self, const Tensor& cond, py::handle other) {
    if (py::isinstance<Tensor>(other)) {
      Tensor b = other.cast<Tensor>();
      py::gil_scoped_release release;
      return where(cond, self, b);
    }
    Scalar s = to_scalar(other, "where");
    py::gil_scoped_release release;
    return where(cond, self, s);
  }, py::arg("condition"), py::arg("other"));
  auto masked_fill_fn = [](const Tensor& a, const Tensor& mask, py::handle value) {
    if (py::isinstance<Tensor>(value)) {
      Tensor v = value.cast<Tensor>();
      py::gil_scoped_release release;
      return masked_fill(a, mask, v);
    }
    Scalar s = to_scalar(value, "masked_fill");
    py::gil_scoped_release release;
    return masked_fill(a, mask, s);
  };
  both(m, cls, "masked_fill", masked_fill_fn, py::arg("mask"), py::arg("value"));

  // ---- comparisons, logical, bitwise
#define EMBER_COMPARE(NAME)                                                                   \
  both(m, cls, #NAME, [](const Tensor& a, py::handle other) {                                 \
    return dispatch_other(a, other, #NAME, false,                                             \
        [](const Tensor& x, const Tensor& y) { return NAME(x, y); },                          \
        [](const Tensor& x, const Scalar& y) { return NAME(x, y); });                         \
  }, py::arg("other"));
  EMBER_COMPARE(eq) EMBER_COMPARE(ne) EMBER_COMPARE(lt) EMBER_COMPARE(le) EMBER_COMPARE(gt)
  EMBER_COMPARE(ge)
#undef EMBER_COMPARE
  unary(m, cls, "logical_not", [](const Tensor& a) { return logical_not(a); });
  unary(m, cls, "log1p", [](const Tensor& a) { return log1p(a); });
  unary(m, cls, "expm1", [](const Tensor& a) { return expm1(a); });
  unary(m, cls, "log2", [](const Tensor& a) { return ember::log2(a); });
  unary(m, cls, "log10", [](const Tensor& a) { return ember::log10(a); });
  unary(m, cls, "tan", [](const Tensor& a) { return ember::tan(a); });
  unary(m, cls, "atan", [](const Tensor& a) { return ember::atan(a); });
  unary(m, cls, "asin", [](const Tensor& a) { return ember::asin(a); });
  unary(m, cls, "acos", [](const Tensor& a) { return ember::acos(a); });
  unary(m, cls, "sinh", [](const Tensor& a) { return ember::sinh(a); });
  unary(m, cls, "cosh", [](const Tensor& a) { return ember::cosh(a); });
  unary(m, cls, "floor", [](const Tensor& a) { return ember::floor(a); });
  unary(m, cls, "ceil", [](const Tensor& a) { return ember::ceil(a); });
  unary(m, cls, "trunc", [](const Tensor& a) { return ember::trunc(a); });
  unary(m, cls, "square", [](const Tensor& a) { return square(a); });
  unary(m, cls, "reciprocal", [](const Tensor& a) { return reciprocal(a); });
  both(m, cls, "round", [](const Tensor& a, int64_t decimals) { return ember::round(a, decimals); },
       py::kw_only(), py::arg("decimals") = 0, Release());
  both(m, cls, "equal", [](const Tensor& a, const Tensor& b) { return equal(a, b); },
       py::arg("other"), Release());
  both(m, cls, "allclose",
       [](const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
         return allclose(a, b, rtol, atol, equal_nan);
       },
       py::arg("other"), py::arg("rtol") = 1e-05, py::arg("atol") = 1e-08,
       py::arg("equal_nan") = false, Release());
  unary(m, cls, "isnan", [](const Tensor& a) { return isnan(a); });
  unary(m, cls, "isinf", [](const Tensor& a) { return isinf(a); });
  unary(m, cls, "isfinite", [](const Tensor& a) { return isfinite(a); });
  both(m, cls, "logical_and", [](const Tensor& a, const Tensor& b) { return logical_and(a, b); },
       py::arg("other"), Release());
  both(m, cls, "logical_or", [](const Tensor& a, const Tensor& b) { return logical_or(a, b); },
       py::arg("other"), Release());
  both(m, cls, "logical_xor", [](const Tensor& a, const Tensor& b) { return logical_xor(a, b); },
       py::arg("other"), Release());
  unary(m, cls, "bitwise_not", [](const Tensor& a) { return bitwise_not(a); });
#define EMBER_BITWISE(NAME)                                                                   \
  both(m, cls, #NAME, [](const Tensor& a, py::handle other) {                                 \
    return dispatch_other(a, other, #NAME, false,                                             \
        [](const Tensor& x, const Tensor& y) { return NAME(x, y); },                          \
        [](const Tensor& x, const Scalar& y) { return NAME(x, y); });                         \
  }, py::arg("other"));
  EMBER_BITWISE(bitwise_and) EMBER_BITWISE(bitwise_or) EMBER_BITWISE(bitwise_xor)
#undef EMBER_BITWISE

  // ---- in-place methods (return self)
  auto add_inplace = [](py::object self, py::handle other, py::handle alpha) {
    Scalar al = to_scalar(alpha, "add_");
    return dispatch_inplace(self, other, "add_",
        [&](Tensor& x, const Tensor& y) { add_(x, y, al); },
        [&](Tensor& x, const Scalar& y) { add_(x, y, al); });
  };
  auto sub_inplace = [](py::object self, py::handle other, py::handle alpha) {
    Scalar al = to_scalar(alpha, "sub_");
    return dispatch_inplace(self, other, "sub_",
        [&](Tensor& x, const Tensor& y) { sub_(x, y, al); },
        [&](Tensor& x, const Scalar& y) { sub_(x, y, al); });
  };
  auto mul_inplace = [](py::object self, py::handle other) {
    return dispatch_inplace(self, other, "mul_",
        [](Tensor& x, const Tensor& y) { mul_(x, y); },
        [](Tensor& x, const Scalar& y) { mul_(x, y); });
  };
  auto div_inplace = [](py::object self, py::handle other, py::handle rounding_mode) {
    std::string mode = mode_of(rounding_mode);
    return dispatch_inplace(self, other, "div_",
        [&](Tensor& x, const Tensor& y) { mode.empty() ? div_(x, y) : div_(x, y, mode); },
        [&](Tensor& x, const Scalar& y) { mode.empty() ? div_(x, y) : div_(x, y, mode); });
  };
  cls.def("add_", add_inplace, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("sub_", sub_inplace, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("mul_", mul_inplace, py::arg("other"));
  cls.def("div_", div_inplace, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  cls.def("pow_", [](py::object self, py::handle exponent) {
    return dispatch_inplace(self, exponent, "pow_",
        [](Tensor& x, const Tensor& y) { pow_(x, y); },
        [](Tensor& x, const Scalar& y) { pow_(x, y); });
  }, py::arg("exponent"));
  unary_inplace(cls, "neg_", [](Tensor& a) { neg_(a); });
  unary_inplace(cls, "abs_", [](Tensor& a) { abs_(a); });
  unary_inplace(cls, "sign_", [](Tensor& a) { sign_(a); });
  unary_inplace(cls, "exp_", [](Tensor& a) { exp_(a); });
  unary_inplace(cls, "log_", [](Tensor& a) { log_(a); });
  unary_inplace(cls, "sqrt_", [](Tensor& a) { sqrt_(a); });
  unary_inplace(cls, "rsqrt_", [](Tensor& a) { rsqrt_(a); });
  unary_inplace(cls, "sin_", [](Tensor& a) { sin_(a); });
  unary_inplace(cls, "cos_", [](Tensor& a) { cos_(a); });
  unary_inplace(cls, "tanh_", [](Tensor& a) { tanh_(a); });
  unary_inplace(cls, "sigmoid_", [](Tensor& a) { sigmoid_(a); });
  unary_inplace(cls, "erf_", [](Tensor& a) { erf_(a); });
  unary_inplace(cls, "relu_", [](Tensor& a) { relu_(a); });
  unary_inplace(cls, "log1p_", [](Tensor& a) { log1p_(a); });
  unary_inplace(cls, "expm1_", [](Tensor& a) { expm1_(a); });
  unary_inplace(cls, "floor_", [](Tensor& a) { floor_(a); });
  unary_inplace(cls, "ceil_", [](Tensor& a) { ceil_(a); });
  unary_inplace(cls, "trunc_", [](Tensor& a) { trunc_(a); });
  cls.def("round_", [](py::object self, int64_t decimals) {
    Tensor& a = self.cast<Tensor&>();
    {
      py::gil_scoped_release release;
      round_(a, decimals);
    }
    return self;
  }, py::kw_only(), py::arg("decimals") = 0);
  m.def("relu_", [](py::object t) {
    Tensor& a = t.cast<Tensor&>();
    {
      py::gil_scoped_release release;
      relu_(a);
    }
    return t;
  }, py::arg("input"));
  auto clamp_inplace = [](py::object self, py::handle min, py::handle max) {
    Tensor& a = self.cast<Tensor&>();
    Bound lo = to_bound(min, "clamp_"), hi = to_bound(max, "clamp_");
    {
      py::gil_scoped_release release;
      if (!lo.tensor.defined() && !hi.tensor.defined()) {
        clamp_(a, lo.scalar, hi.scalar);
      } else {
        if (lo.scalar) lo.tensor = scalar_tensor(*lo.scalar, lo.scalar->dtype());
        if (hi.scalar) hi.tensor = scalar_tensor(*hi.scalar, hi.scalar->dtype());
        clamp_(a, lo.tensor, hi.tensor);
      }
    }
    return self;
  };
  cls.def("clamp_", clamp_inplace, py::arg("min") = py::none(), py::arg("max") = py::none());
  cls.def("clip_", clamp_inplace, py::arg("min") = py::none(), py::arg("max") = py::none());
  cls.def("clamp_min_", [clamp_inplace](py::object self, py::handle min) {
    return clamp_inplace(self, min, py::none());
  }, py::arg("min"));
  cls.def("clamp_max_", [clamp_inplace](py::object self, py::handle max) {
    return clamp_inplace(self, py::none(), max);
  }, py::arg("max"));
  cls.def("masked_fill_", [](py::object self, const Tensor& mask, py::handle value) {
    Tensor& a = self.cast<Tensor&>();
    if (py::isinstance<Tensor>(value)) {
      Tensor v = value.cast<Tensor>();
      py::gil_scoped_release release;
      masked_fill_(a, mask, v);
    } else {
      Scalar s = to_scalar(value, "masked_fill_");
      py::gil_scoped_release release;
      masked_fill_(a, mask, s);
    }
    return self;
  }, py::arg("mask"), py::arg("value"));

  // ---- Python operators
  cls.def("__add__", [](const Tensor& a, py::handle o) {
    return dispatch_other(a, o, "add", true, [](const Tensor& x, const Tensor& y) { return add(x, y); },
                          [](const Tensor& x, const Scalar& y) { return add(x, y); });
  });
  cls.def("__radd__", [](const Tensor& a, py::handle o) {
    return dispatch_other(a, o, "add", true, [](const Tensor& x, const Tensor& y) { return add(y, x); },
                          [](const Tensor& x, const Scalar& y) { return add(x, y); });
  });
  cls.def("__sub__", [](const Tensor& a, py::handle o) {
    return dispatch_other(a, o, "sub", true, [](const Tensor& x, const Tensor& y) { return sub(x, y); },
                          [](const Tensor& x, const Scalar& y) { return sub(x, y); });
  });
  cls.def("__rsub__", [](const Tensor& a, py::handle o) {
    return dispatch_other(a, o, "sub", true, [](const Tensor& x, const Tensor& y) { return sub(y, x); },
                          [](const Tensor& x, const Scalar& y) { return rsub(x, y); });
  });
  cls.def("__mul__", [](const Tensor& a, py::handle o) {
    return dispatch_other(a, o, "mul", true, [](const Tensor& x, const Tensor& y) { return mul(x, y); },
                          [](const Tensor& x, const Scalar& y) { return mul(x, y); });
  });
  cls.def("__rmul__", [](const Tensor& a, py::handle o) {
    return dispatch_other(a, o, "mul", true, [](const Tensor& x, const Tensor& y) { return mul(y, x); },
                          [](const Tensor& x, const Scalar& y) { return mul(x, y); });
  });
  cls.def("__truediv__", [](const Tensor& a, py::handle o) {
    return dispatch_other(a, o, "div", true, [](const Tensor& x, const Tensor& y) { return div(x, y); },
                          [](const Tensor& x, const Scalar& y) { return div(x, y); });
  });
  cls.def("__rtruediv__", [](const Tensor& a, py::handle o) {
    return dispatch_other(a, o, "div", true, [](const Tensor& x, const Tensor& y) { return div(y, x); },
                          [](const Tensor& x, const Scalar& y) { return rdiv(x, y); });
  });
  cls.def("__floordiv__", [](const Tensor& a, py::handle o) {
    return dispatch_other(a, o, "div", true,
                          [](const Tensor& x, const Tensor& y) { return div(x, y, "floor"); },
                          [](const Tensor& x, const Scalar& y) { return div(x, y, "floor"); });
  });
  cls.def("__pow__", [](const Tensor& a, py::handle o) {
    return dispatch_other(a, o, "pow", true, [](const Tensor& x, const Tensor& y) { return pow(x, y); },
                          [](const Tensor& x, const Scalar& y) { return pow(x, y); });
  });
  cls.def("__rpow__", [](const Tensor& a, py::handle o) {
    return dispatch_other(a, o, "pow", true, [](const Tensor& x, const Tensor& y) { return pow(y, x); },
                          [](const Tensor& x, const Scalar& y) { return pow(y, x); });
  });
  cls.def("__neg__", [](const Tensor& a) { return neg(a); }, Release());
  cls.def("__pos__", [](py::object self) { return self; });
  cls.def("__abs__", [](const Tensor& a) { return ember::abs(a); }, Release());
  cls.def("__invert__", [](const Tensor& a) { return bitwise_not(a); }, Release());
#define EMBER_OPERATOR(PY, NAME, X, Y)                                                        \
  cls.def(PY, [](const Tensor& a, py::handle o) {                                             \
    return dispatch_other(a, o, #NAME, true,                                                  \
        [](const Tensor& x, const Tensor& y) { return NAME(X, Y); },                          \
        [](const Tensor& x, const Scalar& y) { return NAME(x, y); });                         \
  });
  EMBER_OPERATOR("__eq__", eq, x, y) EMBER_OPERATOR("__ne__", ne, x, y)
  EMBER_OPERATOR("__lt__", lt, x, y) EMBER_OPERATOR("__le__", le, x, y)
  EMBER_OPERATOR("__gt__", gt, x, y) EMBER_OPERATOR("__ge__", ge, x, y)
  EMBER_OPERATOR("__and__", bitwise_and, x, y) EMBER_OPERATOR("__or__", bitwise_or, x, y)
  EMBER_OPERATOR("__xor__", bitwise_xor, x, y) EMBER_OPERATOR("__rand__", bitwise_and, y, x)
  EMBER_OPERATOR("__ror__", bitwise_or, y, x) EMBER_OPERATOR("__rxor__", bitwise_xor, y, x)
#undef EMBER_OPERATOR
  // __eq__ makes Python drop the default hash; tensors hash by identity like PyTorch's.
  cls.attr("__hash__") = py::module_::import("builtins").attr("object").attr("__hash__");
  // NumPy defers to our reflected operators (np.float32(2) * t gives a Tensor), like torch.
  cls.attr("__array_priority__") = 1000;

  cls.def("__iadd__", [](py::object self, py::handle o) -> py::object {
    if (!py::isinstance<Tensor>(o) && !is_number(o)) return not_implemented();
    return dispatch_inplace(self, o, "add_", [](Tensor& x, const Tensor& y) { add_(x, y); },
                            [](Tensor& x, const Scalar& y) { add_(x, y); });
  });
  cls.def("__isub__", [](py::object self, py::handle o) -> py::object {
    if (!py::isinstance<Tensor>(o) && !is_number(o)) return not_implemented();
    return dispatch_inplace(self, o, "sub_", [](Tensor& x, const Tensor& y) { sub_(x, y); },
                            [](Tensor& x, const Scalar& y) { sub_(x, y); });
  });
  cls.def("__imul__", [](py::object self, py::handle o) -> py::object {
    if (!py::isinstance<Tensor>(o) && !is_number(o)) return not_implemented();
    return dispatch_inplace(self, o, "mul_", [](Tensor& x, const Tensor& y) { mul_(x, y); },
                            [](Tensor& x, const Scalar& y) { mul_(x, y); });
  });
  cls.def("__itruediv__", [](py::object self, py::handle o) -> py::object {
    if (!py::isinstance<Tensor>(o) && !is_number(o)) return not_implemented();
    return dispatch_inplace(self, o, "div_", [](Tensor& x, const Tensor& y) { div_(x, y); },
                            [](Tensor& x, const Scalar& y) { div_(x, y); });
  });
}

}  // namespace ember::python

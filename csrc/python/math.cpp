// Bindings for ops/math.h: the extra binary and unary maths, predicates and the numpy-style
// aliases PyTorch has (arctan2, arcsinh, absolute, fix, ...), their in-place Tensor methods,
// the % operators, and the ember._C.special submodule (ember.special re-exports it).
#include "bind_elementwise.h"

namespace ember::python {

namespace {

// A binary op whose other may be a tensor or a number (C++ has both overloads).
// module_fn false: the Tensor method only (scalar_first binds the module function).
template <class FT, class FS>
void tensor_or_number(py::module_& m, TensorClass& cls, const char* name, const char* other,
                      bool module_fn, FT ft, FS fs) {
  auto f = [name, ft, fs](const Tensor& a, py::handle b) {
    return dispatch_other(a, b, name, false, ft, fs);
  };
  if (module_fn) m.def(name, f, py::arg("input"), py::arg(other));
  cls.def(name, f, py::arg(other));
}

template <class FT, class FS>
void inplace_tensor_or_number(TensorClass& cls, const char* name, const char* other, FT ft, FS fs) {
  cls.def(name, [name, ft, fs](py::object self, py::handle b) {
    return dispatch_inplace(self, b, name, ft, fs);
  }, py::arg(other));
}

template <class F>
void binary_inplace(TensorClass& cls, const char* name, const char* other, F f) {
  cls.def(name, [f](py::object self, const Tensor& b) {
    Tensor& a = self.cast<Tensor&>();
    {
      py::gil_scoped_release release;
      f(a, b);
    }
    return self;
  }, py::arg(other));
}

// Module function name(input, other) that also takes a number as input (torch.xlogy(2, t)).
template <class FT, class FS, class FR>
void scalar_first(py::module_& m, const char* name, const char* other, FT ft, FS fs, FR fr) {
  m.def(name, [name, ft, fs, fr](py::handle input, py::handle b) -> py::object {
    if (!py::isinstance<Tensor>(input)) {
      Scalar s = to_scalar(input, name);
      const Tensor& t = b.cast<const Tensor&>();
      Tensor r;
      {
        py::gil_scoped_release release;
        r = fr(s, t);
      }
      return py::cast(std::move(r));  // with the GIL held
    }
    return dispatch_other(input.cast<const Tensor&>(), b, name, false, ft, fs);
  }, py::arg("input"), py::arg(other));
}

void bind_binary(py::module_& m, TensorClass& cls) {
  for (const char* name : {"atan2", "arctan2"}) {
    both(m, cls, name, [](const Tensor& a, const Tensor& b) { return atan2(a, b); },
         py::arg("other"), Release());
    binary_inplace(cls, name[1] == 'r' ? "arctan2_" : "atan2_",
                   "other", [](Tensor& a, const Tensor& b) { atan2_(a, b); });
  }
#define EMBER_TENSOR_BINARY(NAME, OTHER)                                                      \
  both(m, cls, #NAME, [](const Tensor& a, const Tensor& b) { return NAME(a, b); },           \
       py::arg(OTHER), Release());
  EMBER_TENSOR_BINARY(hypot, "other") EMBER_TENSOR_BINARY(logaddexp, "other")
  EMBER_TENSOR_BINARY(logaddexp2, "other") EMBER_TENSOR_BINARY(fmax, "other")
  EMBER_TENSOR_BINARY(fmin, "other") EMBER_TENSOR_BINARY(heaviside, "values")
  EMBER_TENSOR_BINARY(gcd, "other") EMBER_TENSOR_BINARY(lcm, "other")
  EMBER_TENSOR_BINARY(ldexp, "other") EMBER_TENSOR_BINARY(nextafter, "other")
#undef EMBER_TENSOR_BINARY
  binary_inplace(cls, "hypot_", "other", [](Tensor& a, const Tensor& b) { hypot_(a, b); });
  binary_inplace(cls, "heaviside_", "values", [](Tensor& a, const Tensor& b) { heaviside_(a, b); });
  binary_inplace(cls, "gcd_", "other", [](Tensor& a, const Tensor& b) { gcd_(a, b); });
  binary_inplace(cls, "lcm_", "other", [](Tensor& a, const Tensor& b) { lcm_(a, b); });
  binary_inplace(cls, "ldexp_", "other", [](Tensor& a, const Tensor& b) { ldexp_(a, b); });
  binary_inplace(cls, "nextafter_", "other", [](Tensor& a, const Tensor& b) { nextafter_(a, b); });

#define EMBER_ANY_OTHER(NAME, OTHER, MODULE_FN)                                               \
  tensor_or_number(m, cls, #NAME, OTHER, MODULE_FN,                                           \
      [](const Tensor& x, const Tensor& y) { return NAME(x, y); },                            \
      [](const Tensor& x, const Scalar& y) { return NAME(x, y); });                           \
  inplace_tensor_or_number(cls, #NAME "_", OTHER,                                             \
      [](Tensor& x, const Tensor& y) { NAME##_(x, y); },                                      \
      [](Tensor& x, const Scalar& y) { NAME##_(x, y); });
  EMBER_ANY_OTHER(fmod, "other", true) EMBER_ANY_OTHER(copysign, "other", true)
  EMBER_ANY_OTHER(remainder, "other", false) EMBER_ANY_OTHER(xlogy, "other", false)
  EMBER_ANY_OTHER(float_power, "exponent", false)
#undef EMBER_ANY_OTHER
  // Module forms that also take a number as input.
#define EMBER_SCALAR_FIRST(NAME, OTHER)                                                       \
  scalar_first(m, #NAME, OTHER, [](const Tensor& x, const Tensor& y) { return NAME(x, y); },  \
               [](const Tensor& x, const Scalar& y) { return NAME(x, y); },                   \
               [](const Scalar& x, const Tensor& y) { return NAME(x, y); });
  EMBER_SCALAR_FIRST(remainder, "other") EMBER_SCALAR_FIRST(xlogy, "other")
  EMBER_SCALAR_FIRST(float_power, "exponent")
#undef EMBER_SCALAR_FIRST

  cls.def("__mod__", [](const Tensor& a, py::handle o) {
    return dispatch_other(a, o, "remainder", true,
        [](const Tensor& x, const Tensor& y) { return remainder(x, y); },
        [](const Tensor& x, const Scalar& y) { return remainder(x, y); });
  });
  cls.def("__rmod__", [](const Tensor& a, py::handle o) {
    return dispatch_other(a, o, "remainder", true,
        [](const Tensor& x, const Tensor& y) { return remainder(y, x); },
        [](const Tensor& x, const Scalar& y) { return remainder(y, x); });
  });
  cls.def("__imod__", [](py::object self, py::handle o) -> py::object {
    if (!py::isinstance<Tensor>(o) && !is_number(o)) return not_implemented();
    return dispatch_inplace(self, o, "remainder_",
        [](Tensor& x, const Tensor& y) { remainder_(x, y); },
        [](Tensor& x, const Scalar& y) { remainder_(x, y); });
  });
}

void bind_unary(py::module_& m, TensorClass& cls) {
#define EMBER_UNARY(PY, NAME)                                                                 \
  unary(m, cls, PY, [](const Tensor& a) { return NAME(a); });                                 \
  unary_inplace(cls, PY "_", [](Tensor& a) { NAME##_(a); });
  EMBER_UNARY("asinh", asinh) EMBER_UNARY("arcsinh", asinh)
  EMBER_UNARY("acosh", acosh) EMBER_UNARY("arccosh", acosh)
  EMBER_UNARY("atanh", atanh) EMBER_UNARY("arctanh", atanh)
  EMBER_UNARY("erfc", erfc) EMBER_UNARY("erfinv", erfinv) EMBER_UNARY("exp2", exp2)
  EMBER_UNARY("lgamma", lgamma) EMBER_UNARY("digamma", digamma) EMBER_UNARY("sinc", sinc)
  EMBER_UNARY("frac", frac) EMBER_UNARY("deg2rad", deg2rad) EMBER_UNARY("rad2deg", rad2deg)
  EMBER_UNARY("sgn", sgn) EMBER_UNARY("i0", i0) EMBER_UNARY("fix", ember::trunc)
  // numpy-style aliases of existing ops
  EMBER_UNARY("arcsin", ember::asin) EMBER_UNARY("arccos", ember::acos)
  EMBER_UNARY("arctan", ember::atan) EMBER_UNARY("absolute", ember::abs)
#undef EMBER_UNARY
  unary_inplace(cls, "asin_", [](Tensor& a) { asin_(a); });
  unary_inplace(cls, "acos_", [](Tensor& a) { acos_(a); });
  unary_inplace(cls, "atan_", [](Tensor& a) { atan_(a); });
  unary_inplace(cls, "negative_", [](Tensor& a) { neg_(a); });
  both(m, cls, "positive", [](const Tensor& a) { return positive(a); }, Release());
  unary(m, cls, "signbit", [](const Tensor& a) { return signbit(a); });
  m.def("polygamma", [](int64_t n, const Tensor& a) { return polygamma(n, a); }, py::arg("n"),
        py::arg("input"), Release());
  cls.def("polygamma", [](const Tensor& a, int64_t n) { return polygamma(n, a); }, py::arg("n"),
          Release());
  cls.def("polygamma_", [](py::object self, int64_t n) {
    Tensor& a = self.cast<Tensor&>();
    {
      py::gil_scoped_release release;
      polygamma_(a, n);
    }
    return self;
  }, py::arg("n"));
  both(m, cls, "logit", [](const Tensor& a, std::optional<double> eps) { return logit(a, eps); },
       py::arg("eps") = py::none(), Release());
  cls.def("logit_", [](py::object self, std::optional<double> eps) {
    Tensor& a = self.cast<Tensor&>();
    {
      py::gil_scoped_release release;
      logit_(a, eps);
    }
    return self;
  }, py::arg("eps") = py::none());
}

void bind_predicates(py::module_& m, TensorClass& cls) {
  both(m, cls, "isclose",
       [](const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
         return isclose(a, b, rtol, atol, equal_nan);
       },
       py::arg("other"), py::arg("rtol") = 1e-05, py::arg("atol") = 1e-08,
       py::arg("equal_nan") = false, Release());
  auto isin_fn = [](const Tensor& elements, py::handle test, bool assume_unique, bool invert) {
    (void)assume_unique;  // a hint only: the result is the same either way
    return dispatch_other(elements, test, "isin", false,
        [invert](const Tensor& x, const Tensor& y) { return isin(x, y, invert); },
        [invert](const Tensor& x, const Scalar& y) { return isin(x, y, invert); });
  };
  m.def("isin", isin_fn, py::arg("elements"), py::arg("test_elements"), py::kw_only(),
        py::arg("assume_unique") = false, py::arg("invert") = false);
  cls.def("isin", isin_fn, py::arg("test_elements"), py::kw_only(),
          py::arg("assume_unique") = false, py::arg("invert") = false);
  unary(m, cls, "isposinf", [](const Tensor& a) { return isposinf(a); });
  unary(m, cls, "isneginf", [](const Tensor& a) { return isneginf(a); });
  unary(m, cls, "isreal", [](const Tensor& a) { return isreal(a); });
}

void bind_special(py::module_& m) {
  py::module_ sp = m.def_submodule("special", "torch.special's functions (ember.special).");
#define EMBER_SPECIAL(NAME)                                                                   \
  sp.def(#NAME, [](const Tensor& a) { return special::NAME(a); }, py::arg("input"), Release());
  EMBER_SPECIAL(ndtr) EMBER_SPECIAL(ndtri) EMBER_SPECIAL(log_ndtr) EMBER_SPECIAL(i0e)
  EMBER_SPECIAL(i1) EMBER_SPECIAL(i1e) EMBER_SPECIAL(entr)
#undef EMBER_SPECIAL
  scalar_first(sp, "xlog1py", "other",
               [](const Tensor& x, const Tensor& y) { return special::xlog1py(x, y); },
               [](const Tensor& x, const Scalar& y) { return special::xlog1py(x, y); },
               [](const Scalar& x, const Tensor& y) { return special::xlog1py(x, y); });
  sp.def("multigammaln", [](const Tensor& a, int64_t p) { return special::multigammaln(a, p); },
         py::arg("input"), py::arg("p"), Release());
}

}  // namespace

void bind_math(py::module_& m, TensorClass& cls) {
  bind_binary(m, cls);
  bind_unary(m, cls);
  bind_predicates(m, cls);
  bind_special(m);
}

}  // namespace ember::python

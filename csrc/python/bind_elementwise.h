// Helpers shared by the elementwise binding files (elementwise.cpp, math.cpp): Python
// numbers (NumPy scalars included) as Scalars, dispatch of a tensor-or-number `other`, and
// the module-function + Tensor-method binders.
#pragma once
#include <cstring>

#include "bind.h"

namespace ember::python {

using Release = py::call_guard<py::gil_scoped_release>;

// NumPy scalars (np.float32(2), np.int64(3)) count as numbers too; arrays do not.
inline bool is_numpy_scalar(PyObject* o) {
  const char* name = Py_TYPE(o)->tp_name;
  return std::strncmp(name, "numpy.", 6) == 0 && std::strcmp(name, "numpy.ndarray") != 0 &&
         (PyIndex_Check(o) || (Py_TYPE(o)->tp_as_number && Py_TYPE(o)->tp_as_number->nb_float));
}

inline bool is_number(py::handle h) {
  PyObject* o = h.ptr();
  return PyBool_Check(o) || PyLong_Check(o) || PyFloat_Check(o) || is_numpy_scalar(o);
}

inline Scalar number(py::handle h, const char* op) {
  PyObject* o = h.ptr();
  if (!PyBool_Check(o) && !PyLong_Check(o) && !PyFloat_Check(o) && is_numpy_scalar(o)) {
    if (PyIndex_Check(o)) return Scalar(py::reinterpret_steal<py::int_>(PyNumber_Index(o)).cast<int64_t>());
    return Scalar(py::reinterpret_steal<py::float_>(PyNumber_Float(o)).cast<double>());
  }
  return to_scalar(h, op);
}

inline py::object not_implemented() { return py::reinterpret_borrow<py::object>(Py_NotImplemented); }

// Calls ft(a, tensor) or fs(a, scalar) by other's type, GIL released. Anything else
// returns NotImplemented (operators, so Python can try the reflected method) or raises
// TypeError naming op (functions).
template <class FT, class FS>
py::object dispatch_other(const Tensor& a, py::handle other, const char* op, bool operator_form,
                          FT ft, FS fs) {
  Tensor r;
  if (py::isinstance<Tensor>(other)) {
    const Tensor& b = other.cast<const Tensor&>();
    py::gil_scoped_release release;
    r = ft(a, b);
  } else if (is_number(other)) {
    Scalar s = number(other, op);
    py::gil_scoped_release release;
    r = fs(a, s);
  } else if (operator_form) {
    return not_implemented();
  } else {
    to_scalar(other, op);  // raises TypeError naming the type
  }
  return py::cast(std::move(r));
}

// Same for in-place forms: the result is self (the same Python object).
template <class FT, class FS>
py::object dispatch_inplace(py::object self, py::handle other, const char* op, FT ft, FS fs) {
  Tensor& a = self.cast<Tensor&>();
  if (py::isinstance<Tensor>(other)) {
    const Tensor& b = other.cast<const Tensor&>();
    py::gil_scoped_release release;
    ft(a, b);
  } else {
    Scalar s = number(other, op);
    py::gil_scoped_release release;
    fs(a, s);
  }
  return self;
}

// Binds f as module function `name` (first argument "input") and as a Tensor method.
template <class F, class... Extra>
void both(py::module_& m, TensorClass& cls, const char* name, F f, const Extra&... extra) {
  m.def(name, f, py::arg("input"), extra...);
  cls.def(name, f, extra...);
}

template <class F>
void unary(py::module_& m, TensorClass& cls, const char* name, F f) {
  both(m, cls, name, [f](const Tensor& a) { return f(a); }, Release());
}

template <class F>
void unary_inplace(TensorClass& cls, const char* name, F f) {
  cls.def(name, [f](py::object self) {
    Tensor& a = self.cast<Tensor&>();
    {
      py::gil_scoped_release release;
      f(a);
    }
    return self;
  });
}


}  // namespace ember::python

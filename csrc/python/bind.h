// Shared declarations of the pybind11 binding files: one bind_<topic> function per file.
// Bindings only convert types and release the GIL; checks and maths live in the core.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "ember/ember.h"

namespace py = pybind11;

namespace ember::python {

using TensorClass = py::class_<Tensor>;

// Each binds module functions on m and the matching Tensor methods on cls.
TensorClass bind_tensor(py::module_& m);                 // Tensor class, NumPy / DLPack interop
void bind_creation(py::module_& m, TensorClass& cls);    // factories and random fills
void bind_elementwise(py::module_& m, TensorClass& cls); // arithmetic, activations, operators
void bind_reduce(py::module_& m, TensorClass& cls);      // reductions, softmax family
void bind_view(py::module_& m, TensorClass& cls);        // views, indexing, joining, gathering
void bind_linalg(py::module_& m, TensorClass& cls);      // matmul family
void bind_autograd(py::module_& m, TensorClass& cls);    // grad mode, backward, autograd.grad
void bind_optim(py::module_& m, TensorClass& cls);       // ember._C.optim: optimizers, schedulers

// Converts a Python int/float/bool to a Scalar (TypeError otherwise).
Scalar to_scalar(const py::handle& obj, const char* op);

}  // namespace ember::python

// ember.Tensor: metadata, autograd attributes and zero-copy NumPy interop (from_numpy,
// .numpy(), the buffer protocol). Python-side conveniences live in python/ember/_tensor.py.
#include "bind.h"

namespace ember::python {

namespace {

DType dtype_from_numpy(const py::dtype& dt, const char* op) {
  if (dt.is(py::dtype::of<float>())) return DType::Float32;
  if (dt.is(py::dtype::of<double>())) return DType::Float64;
  if (dt.is(py::dtype::of<int64_t>())) return DType::Int64;
  if (dt.is(py::dtype::of<bool>())) return DType::Bool;
  char kind = dt.kind();
  size_t size = dt.itemsize();
  if (kind == 'f' && size == 4) return DType::Float32;
  if (kind == 'f' && size == 8) return DType::Float64;
  if (kind == 'i' && size == 8) return DType::Int64;
  if (kind == 'b') return DType::Bool;
  EMBER_THROW(TypeError, "[", op, "] NumPy dtype ", std::string(py::str(dt)),
              " is not supported; expected float32, float64, int64 or bool");
}

py::dtype numpy_dtype(DType t) {
  switch (t) {
    case DType::Bool: return py::dtype::of<bool>();
    case DType::Int64: return py::dtype::of<int64_t>();
    case DType::Float32: return py::dtype::of<float>();
    case DType::Float64: return py::dtype::of<double>();
  }
  return py::dtype::of<float>();
}

const char* buffer_format(DType t) {
  switch (t) {
    case DType::Bool: return "?";
    case DType::Int64: return "q";
    case DType::Float32: return "f";
    case DType::Float64: return "d";
  }
  return "f";
}

}  // namespace

// Shares the array's memory; the tensor keeps the array alive.
Tensor from_numpy(const py::array& arr) {
  DType dtype = dtype_from_numpy(arr.dtype(), "from_numpy");
  EMBER_CHECK(arr.dtype().byteorder() != '>', TypeError,
              "[from_numpy] big-endian arrays are not supported");
  EMBER_CHECK(arr.writeable(), ValueError,
              "[from_numpy] the array is read-only; pass a writeable array (e.g. a.copy())");
  const int64_t isz = static_cast<int64_t>(itemsize(dtype));
  Shape shape(arr.ndim()), strides(arr.ndim());
  int64_t extent = 0;
  for (py::ssize_t i = 0; i < arr.ndim(); ++i) {
    shape[i] = arr.shape(i);
    int64_t s = arr.strides(i);
    EMBER_CHECK(s >= 0 && s % isz == 0, ValueError, "[from_numpy] arrays with negative or "
                "unaligned strides are not supported (strides ", s, " bytes for item size ",
                isz, "); pass np.ascontiguousarray(a)");
    strides[i] = s / isz;
    if (shape[i] > 0) extent += (shape[i] - 1) * strides[i];
  }
  int64_t n = numel_of(shape, "from_numpy");
  size_t nbytes = n == 0 ? 0 : static_cast<size_t>((extent + 1) * isz);
  auto* keep = new py::object(arr);
  std::shared_ptr<void> owner(keep, [](void* p) {
    py::gil_scoped_acquire gil;
    delete static_cast<py::object*>(p);
  });
  auto storage = wrap_storage(const_cast<void*>(arr.data()), nbytes, std::move(owner));
  return Tensor::view_of(storage, shape, strides, 0, dtype);
}

// A NumPy view of t's memory; the array keeps the storage alive.
py::array to_numpy(const Tensor& t) {
  EMBER_CHECK(!t.requires_grad(), RuntimeError, "[numpy] can't call numpy() on a tensor that "
              "requires grad; use tensor.detach().numpy()");
  EMBER_CHECK(t.device().is_cpu(), TypeError, "[numpy] can't convert a ", t.device().str(),
              " tensor to NumPy; copy it to the CPU first");
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end()), strides;
  for (int64_t s : t.strides()) strides.push_back(s * static_cast<int64_t>(t.itemsize()));
  auto* keep = new std::shared_ptr<Storage>(t.storage());
  py::capsule base(keep, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
  return py::array(numpy_dtype(t.dtype()), shape, strides, t.raw_data(), base);
}

TensorClass bind_tensor(py::module_& m) {
  py::class_<autograd::Node, std::shared_ptr<autograd::Node>>(m, "Node",
      "A node of the autograd graph (tensor.grad_fn).")
      .def("name", &autograd::Node::name)
      .def_property_readonly("next_functions", [](const autograd::Node& n) {
        py::list out;
        for (const auto& e : n.next_edges())
          out.append(py::make_tuple(e.fn ? py::cast(e.fn) : py::none(), e.input_nr));
        return py::tuple(out);
      })
      .def("__repr__", [](const autograd::Node& n) { return "<" + n.name() + ">"; });

  TensorClass cls(m, "Tensor", py::buffer_protocol(), py::dynamic_attr());
  cls.def_buffer([](const Tensor& t) {
        std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end()), strides;
        for (int64_t s : t.strides()) strides.push_back(s * static_cast<int64_t>(t.itemsize()));
        return py::buffer_info(t.raw_data(), static_cast<py::ssize_t>(t.itemsize()),
                               buffer_format(t.dtype()), t.dim(), shape, strides);
      })
      .def_property_readonly("shape", [](const Tensor& t) { return py::tuple(py::cast(t.shape())); })
      .def_property_readonly("dtype", &Tensor::dtype)
      .def_property_readonly("ndim", &Tensor::dim)
      .def_property_readonly("device", [](const Tensor& t) { return t.device().str(); })
      .def_property_readonly("is_cuda", [](const Tensor& t) { return t.device().is_cuda(); })
      .def("dim", &Tensor::dim)
      .def("numel", &Tensor::numel)
      .def("element_size", &Tensor::itemsize)
      .def("size", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return py::tuple(py::cast(t.shape()));
        return py::int_(t.size(dim.cast<int64_t>()));
      }, py::arg("dim") = py::none())
      .def("stride", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return py::tuple(py::cast(t.strides()));
        return py::int_(t.stride(dim.cast<int64_t>()));
      }, py::arg("dim") = py::none())
      .def("storage_offset", &Tensor::offset)
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.raw_data()); })
      .def("is_contiguous", &Tensor::is_contiguous)
      .def_property("requires_grad", &Tensor::requires_grad,
                    [](Tensor& t, bool r) { t.set_requires_grad(r); })
      .def("requires_grad_", [](Tensor& t, bool r) { return t.set_requires_grad(r); },
           py::arg("requires_grad") = true)
      .def_property("grad", [](const Tensor& t) -> py::object {
        return t.grad().defined() ? py::cast(t.grad()) : py::none();
      }, [](const Tensor& t, py::object g) {
        t.set_grad(g.is_none() ? Tensor() : g.cast<Tensor>());
      })
      .def_property_readonly("grad_fn", [](const Tensor& t) -> py::object {
        return t.grad_fn() ? py::cast(t.grad_fn()) : py::none();
      })
      .def_property_readonly("is_leaf", &Tensor::is_leaf)
      .def_property_readonly("_version", &Tensor::version)
      .def("retain_grad", &Tensor::retain_grad)
      .def_property_readonly("retains_grad", &Tensor::retains_grad)
      .def("detach", &Tensor::detach)
      .def_property_readonly("data", &Tensor::detach)
      .def("backward", [](const Tensor& t, py::object gradient, py::object retain_graph,
                          bool create_graph) {
        Tensor g = gradient.is_none() ? Tensor() : gradient.cast<Tensor>();
        bool retain = retain_graph.is_none() ? create_graph : retain_graph.cast<bool>();
        py::gil_scoped_release release;
        t.backward(g, retain, create_graph);
      }, py::arg("gradient") = py::none(), py::arg("retain_graph") = py::none(),
         py::arg("create_graph") = false)
      .def("numpy", &to_numpy)
      .def("_is_same", &Tensor::is_same);

  bind_dlpack(m, cls);
  m.def("from_numpy", &from_numpy, py::arg("array"),
        "A tensor sharing memory with a NumPy array (float32/float64/int64/bool).");
  return cls;
}

}  // namespace ember::python

// The ember._C extension: registers every binding file and maps ember's C++ exceptions
// to Python's.
#include "bind.h"
#include "nn.h"

namespace ember::python {

Scalar to_scalar(const py::handle& obj, const char* op) {
  if (py::isinstance<py::bool_>(obj)) return Scalar(obj.cast<bool>());
  if (py::isinstance<py::int_>(obj)) return Scalar(obj.cast<int64_t>());
  if (py::isinstance<py::float_>(obj)) return Scalar(obj.cast<double>());
  EMBER_THROW(TypeError, "[", op, "] expected a Python number, got ",
              std::string(py::str(py::type::of(obj).attr("__name__"))));
}

}  // namespace ember::python

PYBIND11_MODULE(_C, m) {
  using namespace ember;
  m.doc() = "ember C++ core";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const MemoryError& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const NotImplementedError& e) {
      PyErr_SetString(PyExc_NotImplementedError, e.what());
    } catch (const FileNotFoundError& e) {
      PyErr_SetString(PyExc_FileNotFoundError, e.what());
    } catch (const OSError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    } catch (const std::bad_alloc&) {
      PyErr_SetString(PyExc_MemoryError, "[ember] out of memory");
    }
  });

  py::enum_<DType> dtype(m, "dtype", "Element type of a tensor (ember.float32, ...).");
  dtype.value("bool", DType::Bool)
      .value("int64", DType::Int64)
      .value("float32", DType::Float32)
      .value("float64", DType::Float64)
      .def_property_readonly("itemsize", [](DType t) { return itemsize(t); })
      .def_property_readonly("is_floating_point", [](DType t) { return is_floating(t); });
  // Replace (not overload) enum_'s own __repr__/__str__: print like torch ("ember.float32").
  for (const char* name : {"__repr__", "__str__"})
    dtype.attr(name) = py::cpp_function(
        [](DType t) { return std::string("ember.") + dtype_name(t); }, py::name(name),
        py::is_method(dtype));

  m.def("get_num_threads", &get_num_threads, "Threads used by ember's CPU kernels.");
  m.def("set_num_threads", &set_num_threads, py::arg("n"),
        "Sets the threads used by ember's CPU kernels (process-wide).");
  m.def("config", [] {
    py::dict d;
    d["version"] = EMBER_VERSION_STRING;
    d["isa"] = cpu::isa_name(cpu::active_isa());
    d["num_threads"] = get_num_threads();
    d["openmp"] = openmp_enabled();
    d["cuda"] = cuda_available();
    return d;
  }, "Build and runtime facts: version, SIMD ISA in use, threads, OpenMP, CUDA.");
  m.def("cuda_is_available", &cuda_available);

  auto cls = python::bind_tensor(m);
  python::bind_creation(m, cls);
  python::bind_elementwise(m, cls);
  python::bind_reduce(m, cls);
  python::bind_view(m, cls);
  python::bind_linalg(m, cls);
  python::bind_autograd(m, cls);
  python::bind_functional(m, cls);
  python::bind_init(m, cls);
  python::bind_io(m, cls);
  python::bind_nn(m, cls);
  python::bind_optim(m, cls);
  python::bind_optim_more(m, cls);
  python::bind_nn_layers(m, cls);
  python::bind_nn_loss(m, cls);
  python::bind_nn_loss_more(m, cls);
  python::bind_nn_conv(m, cls);
  python::bind_nn_pool(m, cls);
  python::bind_nn_extra(m, cls);
  python::bind_rnn(m, cls);
  python::bind_nn_rnn(m, cls);
  python::bind_attention(m, cls);
  python::bind_nn_transformer(m, cls);
  python::bind_nn_position(m, cls);
  python::bind_nn_activation(m, cls);
  python::bind_composite(m, cls);
  python::bind_norms(m, cls);
  python::bind_math(m, cls);
  python::bind_order_stats(m, cls);
  python::bind_shaping(m, cls);
  python::bind_linalg_solve(m, cls);
  python::bind_linalg_decomp(m, cls);
  python::enable_module_gc(m.attr("nn").attr("Module"));
}

// Bindings for grad mode, backward over several roots and autograd.grad.
#include "bind.h"

#include "ember/autograd/hooks.h"

namespace ember::python {

namespace {
std::vector<Tensor> tensors_or_none(const py::object& obj, size_t n) {
  std::vector<Tensor> out;
  if (obj.is_none()) return out;
  for (const auto& h : obj) out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  return out;
}
// A Python gradient hook as a C++ one. The callable is released under the GIL whenever
// the graph holding it goes away (possibly during a backward that released the GIL).
autograd::GradHook python_hook(py::function fn) {
  std::shared_ptr<py::object> holder(new py::object(std::move(fn)), [](py::object* o) {
    if (!Py_IsInitialized()) return;  // interpreter gone: nothing left to release
    py::gil_scoped_acquire gil;
    delete o;
  });
  return [holder](const Tensor& grad) -> Tensor {
    py::gil_scoped_acquire gil;
    py::object r = (*holder)(grad);
    if (r.is_none()) return Tensor();
    if (!py::isinstance<Tensor>(r))
      throw TypeError("[register_hook] expected the hook to return None or an ember.Tensor, got " +
                      std::string(py::str(py::type::of(r).attr("__name__"))));
    return r.cast<Tensor>();
  };
}

}  // namespace

void bind_autograd(py::module_& m, TensorClass& cls) {
  py::class_<autograd::HookHandle>(m, "RemovableHandle",
                                   "Returned by Tensor.register_hook; remove() unregisters the hook.")
      .def("remove", &autograd::HookHandle::remove)
      .def_property_readonly("id", &autograd::HookHandle::id)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](autograd::HookHandle& h, py::args) { h.remove(); });
  cls.def("register_hook", [](const Tensor& t, py::function hook) {
    return autograd::register_hook(t, python_hook(std::move(hook)));
  }, py::arg("hook"), "Registers hook(grad) -> Tensor or None, called with this tensor's "
     "gradient during backward; a returned tensor replaces the gradient.");
  m.def("is_grad_enabled", &autograd::GradMode::is_enabled);
  m.def("_set_grad_enabled", &autograd::GradMode::set_enabled, py::arg("mode"));
  m.def("_backward", [](const std::vector<Tensor>& roots, py::object grads, bool retain_graph,
                        bool create_graph) {
    std::vector<Tensor> g = tensors_or_none(grads, roots.size());
    py::gil_scoped_release release;
    autograd::backward(roots, g, retain_graph, create_graph);
  }, py::arg("tensors"), py::arg("grad_tensors"), py::arg("retain_graph"),
     py::arg("create_graph"));
  m.def("_grad", [](const std::vector<Tensor>& roots, const std::vector<Tensor>& inputs,
                    py::object grads, bool retain_graph, bool create_graph, bool allow_unused) {
    std::vector<Tensor> g = tensors_or_none(grads, roots.size());
    std::vector<Tensor> r;
    {
      py::gil_scoped_release release;
      r = autograd::grad(roots, inputs, g, retain_graph, create_graph, allow_unused);
    }
    py::list out;
    for (const Tensor& t : r) out.append(t.defined() ? py::cast(t) : py::none());
    return py::tuple(out);
  }, py::arg("outputs"), py::arg("inputs"), py::arg("grad_outputs"), py::arg("retain_graph"),
     py::arg("create_graph"), py::arg("allow_unused"));
}

}  // namespace ember::python

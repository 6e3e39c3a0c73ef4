// Bindings for grad mode, backward over several roots and autograd.grad.
#include "bind.h"

namespace ember::python {

namespace {
std::vector<Tensor> tensors_or_none(const py::object& obj, size_t n) {
  std::vector<Tensor> out;
  if (obj.is_none()) return out;
  for (const auto& h : obj) out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  return out;
}
}  // namespace

void bind_autograd(py::module_& m, TensorClass& cls) {
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

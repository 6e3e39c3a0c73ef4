// Bindings for grad mode, backward over several roots and autograd.grad.
#include <algorithm>

#include "bind.h"

#include "ember/autograd/function.h"
#include "ember/autograd/hooks.h"

namespace ember::python {

namespace {
std::vector<Tensor> tensors_or_none(const py::object& obj, size_t n) {
  std::vector<Tensor> out;
  if (obj.is_none()) return out;
  for (const auto& h : obj) out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  return out;
}
// A Python callable held by the graph: released under the GIL whenever the graph goes away
// (possibly during a backward that released the GIL).
std::shared_ptr<py::object> graph_held(py::function fn) {
  return std::shared_ptr<py::object>(new py::object(std::move(fn)), [](py::object* o) {
    if (!Py_IsInitialized()) return;  // interpreter gone: nothing left to release
    py::gil_scoped_acquire gil;
    delete o;
  });
}

// A Python gradient hook as a C++ one.
autograd::GradHook python_hook(py::function fn) {
  std::shared_ptr<py::object> holder = graph_held(std::move(fn));
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
  // ember.autograd.Function's graph node (python/ember/_function.py): backward(grads, saved)
  // gets one gradient per output (None where none flowed) and the saved tensors, checked
  // for in-place changes; it returns one gradient (or None) per input.
  m.def("_record_function", [](const std::string& name, const std::vector<Tensor>& inputs,
                               const std::vector<Tensor>& outputs, const py::list& saved,
                               py::function backward) {
    std::vector<autograd::SavedTensor> keep;  // outputs detached: no cycle through the node
    for (const py::handle& h : saved) {
      Tensor t = h.is_none() ? Tensor() : h.cast<Tensor>();
      bool is_output = t.defined() && std::any_of(outputs.begin(), outputs.end(),
                                                  [&](const Tensor& o) { return o.is_same(t); });
      keep.emplace_back(t, is_output);
    }
    std::shared_ptr<py::object> fn = graph_held(std::move(backward));
    size_t n = inputs.size();
    autograd::record(name, inputs, outputs, [fn, keep, n, name](const std::vector<Tensor>& grads,
                                                                const autograd::Node&) {
      py::gil_scoped_acquire gil;
      py::list g, s;
      for (const Tensor& t : grads) g.append(t.defined() ? py::cast(t) : py::none());
      for (const auto& st : keep) s.append(st.defined() ? py::cast(st.get()) : py::none());
      py::list r = (*fn)(g, s);
      std::vector<Tensor> out = tensors_or_none(r, n);
      EMBER_CHECK(out.size() == n, RuntimeError, "[", name, "] expected ", n,
                  " input gradients, got ", out.size());
      return out;
    });
  }, py::arg("name"), py::arg("inputs"), py::arg("outputs"), py::arg("saved"),
     py::arg("backward"));
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

// Module hooks from Python (PyTorch's register_forward_pre_hook / register_forward_hook with
// prepend, with_kwargs, always_call; register_full_backward_pre_hook /
// register_full_backward_hook) and Module.__call__, which runs them around forward with the
// call's argument tuple. A Python hook is also a C++ hook (nn/hooks.h), so it fires when a
// C++ container or layer calls the module; there the module's input and output are one
// tensor each.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "nn.h"

namespace ember::python {

namespace {

std::string type_name(const py::handle& obj) {
  return py::str(py::type::of(obj).attr("__name__"));
}

// The Python object of a module called from C++: its wrapper, which owns the module (a hook
// may keep it), or a borrowed one for a module no shared_ptr holds.
py::object self_of(nn::Module& m) {
  if (std::shared_ptr<nn::Module> p = m.weak_from_this().lock()) return py::cast(p);
  return py::cast(&m, py::return_value_policy::reference);
}

// The callable of a Python hook, and whether it takes the call's kwargs.
class PyCallable : public PyHookBase {
 public:
  PyCallable(py::function fn, bool with_kwargs) : fn_(std::move(fn)), with_kwargs_(with_kwargs) {}
  PyRef& callable() override { return fn_; }

 protected:
  PyRef fn_;
  bool with_kwargs_;
};

// What C++ callers pass: exactly one tensor and no keyword arguments.
Tensor single_tensor(const py::tuple& args, const py::dict& kwargs, const py::handle& self,
                     const char* what) {
  if (args.size() != 1 || !py::isinstance<Tensor>(args[0]) || kwargs.size() != 0)
    throw py::type_error("[" + type_name(self) + "] " + what + " needs a single tensor "
                         "argument: it is called by C++ code (a container or layer) that passes "
                         "and expects one tensor");
  return args[0].cast<Tensor>();
}

// Tensors as a tuple, None for the undefined ones.
py::tuple tensors_tuple(const std::vector<Tensor>& ts) {
  py::tuple t(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) t[i] = ts[i].defined() ? py::cast(ts[i]) : py::none();
  return t;
}

// A hook's replacement for n tensors of a call from C++: one tensor when n is 1, else a tuple
// or list of n tensors or None.
std::vector<Tensor> tensors_for_cpp(const py::object& r, size_t n, const py::handle& self,
                                    const char* what) {
  auto fail = [&] {
    return py::type_error("[" + type_name(self) + "] " + what + " returned " + type_name(r) +
                          (py::isinstance<py::sequence>(r) ? " of length " +
                           std::to_string(py::len(r)) : std::string()) +
                          " where C++ code (a container or layer) expects " +
                          (n == 1 ? std::string("one tensor") :
                           "a tuple of " + std::to_string(n) + " tensors or None"));
  };
  if (n == 1) {
    py::object x = r;
    if (py::isinstance<py::tuple>(r) && py::len(r) == 1) x = r[py::int_(0)];
    if (!py::isinstance<Tensor>(x)) throw fail();
    return {x.cast<Tensor>()};
  }
  if (!(py::isinstance<py::tuple>(r) || py::isinstance<py::list>(r)) || py::len(r) != n)
    throw fail();
  std::vector<Tensor> out;
  for (const py::handle& h : r) {
    if (!h.is_none() && !py::isinstance<Tensor>(h)) throw fail();
    out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  }
  return out;
}

class PyPreHook : public nn::ForwardPreHook, public PyCallable {
 public:
  using PyCallable::PyCallable;
  // hook(module, args) -> None | new args (a non-tuple becomes a 1-tuple);
  // with_kwargs: hook(module, args, kwargs) -> None | (new_args, new_kwargs).
  void run(const py::handle& self, py::tuple& args, py::dict& kwargs) const {
    if (with_kwargs_) {
      py::object r = fn_.get()(self, args, kwargs);
      if (r.is_none()) return;
      if (!py::isinstance<py::tuple>(r) || py::len(r) != 2 || !py::isinstance<py::dict>(r[py::int_(1)]))
        throw std::runtime_error("forward pre-hook must return None or a tuple of (new_args, "
                             "new_kwargs), but got " + std::string(py::repr(r)) + ".");
      py::object a = r[py::int_(0)];
      args = py::isinstance<py::tuple>(a) ? py::tuple(a) : py::make_tuple(a);
      kwargs = r[py::int_(1)];
      return;
    }
    py::object r = fn_.get()(self, args);
    if (!r.is_none()) args = py::isinstance<py::tuple>(r) ? py::tuple(r) : py::make_tuple(r);
  }
  // A call from C++: args are its positional tensors, kwargs empty.
  std::vector<Tensor> call(nn::Module& m, const std::vector<Tensor>& inputs) override {
    py::gil_scoped_acquire gil;
    py::object self = self_of(m);
    py::tuple args = tensors_tuple(inputs);
    py::dict kwargs;
    run(self, args, kwargs);
    if (kwargs.size() != 0)
      throw py::type_error("[" + type_name(self) + "] a forward pre-hook returned keyword "
                           "arguments for a call from C++ code, which takes none");
    return tensors_for_cpp(args, inputs.size(), self, "a forward pre-hook");
  }
  Tensor operator()(nn::Module& m, const Tensor& input) override { return call(m, {input})[0]; }
};

class PyHook : public nn::ForwardHook, public PyCallable {
 public:
  using PyCallable::PyCallable;
  // hook(module, args, output) or, with_kwargs, hook(module, args, kwargs, output) ->
  // None | new output.
  void run(const py::handle& self, const py::tuple& args, const py::dict& kwargs,
           py::object& output) const {
    const py::object& f = fn_.get();
    py::object r = with_kwargs_ ? f(self, args, kwargs, output) : f(self, args, output);
    if (!r.is_none()) output = r;
  }
  // A call from C++: the output is one tensor, or a tuple for several (None for undefined);
  // none after a failed forward (always_call).
  std::vector<Tensor> call(nn::Module& m, const std::vector<Tensor>& inputs,
                           const std::vector<Tensor>& outputs) override {
    py::gil_scoped_acquire gil;
    py::object self = self_of(m);
    py::tuple outs = tensors_tuple(outputs);
    py::object out = outputs.empty() ? py::none()
                     : outputs.size() == 1 ? py::object(outs[0]) : py::object(outs);
    run(self, tensors_tuple(inputs), py::dict(), out);
    if (outputs.empty()) return {};
    return tensors_for_cpp(out, outputs.size(), self, "a forward hook");
  }
  Tensor operator()(nn::Module& m, const Tensor& input, const Tensor& output) override {
    std::vector<Tensor> r = call(m, {input}, output.defined() ? std::vector<Tensor>{output}
                                                              : std::vector<Tensor>{});
    return r.empty() ? Tensor() : r[0];
  }
};

// A hook's result: None keeps the gradients (empty), else a tuple or list of tensors / None.
std::vector<Tensor> grads_result(const py::object& r, const char* what) {
  std::vector<Tensor> out;
  if (r.is_none()) return out;
  if (py::isinstance<Tensor>(r)) return {r.cast<Tensor>()};
  if (!py::isinstance<py::tuple>(r) && !py::isinstance<py::list>(r))
    throw py::type_error(std::string(what) + " must return None or a tuple of gradients, got " +
                         type_name(r));
  for (const py::handle& h : r) {
    if (!h.is_none() && !py::isinstance<Tensor>(h))
      throw py::type_error(std::string(what) + " must return Tensors or None, got " +
                           type_name(h));
    out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  }
  return out;
}

class PyBackwardPreHook : public nn::BackwardPreHook, public PyCallable {
 public:
  explicit PyBackwardPreHook(py::function fn) : PyCallable(std::move(fn), false) {}
  std::vector<Tensor> operator()(nn::Module& m, const std::vector<Tensor>& grad_output) override {
    py::gil_scoped_acquire gil;
    return grads_result(fn_.get()(self_of(m), tensors_tuple(grad_output)), "a backward pre-hook");
  }
};

class PyBackwardHook : public nn::BackwardHook, public PyCallable {
 public:
  explicit PyBackwardHook(py::function fn) : PyCallable(std::move(fn), false) {}
  std::vector<Tensor> operator()(nn::Module& m, const std::vector<Tensor>& grad_input,
                                 const std::vector<Tensor>& grad_output) override {
    py::gil_scoped_acquire gil;
    py::object r = fn_.get()(self_of(m), tensors_tuple(grad_input), tensors_tuple(grad_output));
    return grads_result(r, "a backward hook");
  }
};

// Runs the always_call hooks after forward raised; their own errors become warnings.
void run_after_failure(nn::Module& m, const nn::ModuleHooks& hooks, const py::handle& self,
                       const py::tuple& args, const py::dict& kwargs) {
  for (const auto& h : hooks.post) {
    if (!h.always_call) continue;
    try {
      py::object none = py::none();
      if (auto* p = dynamic_cast<PyHook*>(h.fn.get())) p->run(self, args, kwargs, none);
      else (*h.fn)(m, single_tensor(args, kwargs, self, "a C++ forward hook"), Tensor());
    } catch (py::error_already_set& e) {
      PyErr_WarnEx(PyExc_RuntimeWarning,
                   ("forward hook with always_call=True raised an exception that was "
                    "ignored: " + std::string(e.what())).c_str(), 1);
    }
  }
}

// items with its tensors replaced by wrap(tensors) (positional; undefined for non-tensors,
// which stay as they are).
template <class F>
py::tuple tensors_through(const py::tuple& items, const F& wrap) {
  std::vector<Tensor> ts;
  for (const py::handle& h : items)
    ts.push_back(py::isinstance<Tensor>(h) ? h.cast<Tensor>() : Tensor());
  ts = wrap(ts);
  py::tuple out(items.size());
  for (size_t i = 0; i < items.size(); ++i)
    out[i] = ts[i].defined() ? py::cast(ts[i]) : py::object(items[i]);
  return out;
}

nn::Module& module_of(const py::handle& self) {
  nn::Module* m = maybe_module(self);
  if (!m)
    throw py::attribute_error("cannot register a hook before Module.__init__() call (" +
                              type_name(self) + ".__init__ must call super().__init__() first)");
  return *m;
}

}  // namespace

py::object call_module(const py::handle& self, py::args args, py::kwargs kwargs) {
  nn::Module* m = maybe_module(self);
  const std::shared_ptr<nn::ModuleHooks>* lists = m ? &m->hooks() : nullptr;
  if (!lists || !*lists || (*lists)->empty()) return self.attr("forward")(*args, **kwargs);
  const nn::ModuleHooks hooks = **lists;  // a hook may add or remove hooks
  py::tuple a = args;
  py::dict kw = kwargs;
  for (const auto& h : hooks.pre) {
    if (auto* p = dynamic_cast<PyPreHook*>(h.fn.get())) {
      p->run(self, a, kw);
    } else if (Tensor r = (*h.fn)(*m, single_tensor(a, kw, self, "a C++ forward pre-hook"));
               r.defined()) {
      a = py::make_tuple(r);
    }
  }
  std::optional<nn::BackwardHookCall> backward_hooks;
  if (hooks.has_backward() && autograd::GradMode::is_enabled()) {
    backward_hooks.emplace(*m, *lists);
    a = tensors_through(a, [&](const auto& in) { return backward_hooks->wrap_inputs(in); });
  }
  py::object out;
  try {
    out = self.attr("forward")(*a, **kw);
  } catch (py::error_already_set&) {
    run_after_failure(*m, hooks, self, a, kw);
    throw;
  }
  for (const auto& h : hooks.post) {
    if (auto* p = dynamic_cast<PyHook*>(h.fn.get())) {
      p->run(self, a, kw, out);
    } else {
      Tensor x = single_tensor(a, kw, self, "a C++ forward hook");
      if (!py::isinstance<Tensor>(out))
        throw py::type_error("[" + type_name(self) + "] a C++ forward hook needs a tensor "
                             "output, got " + type_name(out));
      if (Tensor r = (*h.fn)(*m, x, out.cast<Tensor>()); r.defined()) out = py::cast(r);
    }
  }
  if (backward_hooks) {  // the outputs: a tensor or a tuple
    const bool is_tuple = py::isinstance<py::tuple>(out);
    py::tuple o = tensors_through(is_tuple ? py::tuple(out) : py::make_tuple(out),
                                  [&](const auto& v) { return backward_hooks->wrap_outputs(v); });
    out = is_tuple ? py::object(o) : py::object(o[0]);
  }
  return out;
}

void bind_module_hooks(ModuleClass& mod) {
  mod.def("register_forward_pre_hook", [](const py::handle& self, py::function hook,
                                          bool prepend, bool with_kwargs) {
    return module_of(self).register_forward_pre_hook(
        std::make_shared<PyPreHook>(std::move(hook), with_kwargs), prepend);
  }, py::arg("hook"), py::kw_only(), py::arg("prepend") = false, py::arg("with_kwargs") = false,
     "hook(module, args) -> None or new args, called before forward (with_kwargs: "
     "hook(module, args, kwargs) -> None or (args, kwargs)). Returns a RemovableHandle.");
  mod.def("register_forward_hook", [](const py::handle& self, py::function hook, bool prepend,
                                      bool with_kwargs, bool always_call) {
    return module_of(self).register_forward_hook(
        std::make_shared<PyHook>(std::move(hook), with_kwargs), prepend, always_call);
  }, py::arg("hook"), py::kw_only(), py::arg("prepend") = false, py::arg("with_kwargs") = false,
     py::arg("always_call") = false,
     "hook(module, args, output) -> None or new output, called after forward (with_kwargs: "
     "hook(module, args, kwargs, output)); always_call also runs it when forward raises. "
     "Returns a RemovableHandle.");
  mod.def("register_full_backward_pre_hook", [](const py::handle& self, py::function hook,
                                                bool prepend) {
    return module_of(self).register_full_backward_pre_hook(
        std::make_shared<PyBackwardPreHook>(std::move(hook)), prepend);
  }, py::arg("hook"), py::arg("prepend") = false,
     "hook(module, grad_output) -> None or new grad_output, called when the gradients of the "
     "module's outputs are known. Returns a RemovableHandle.");
  mod.def("register_full_backward_hook", [](const py::handle& self, py::function hook,
                                            bool prepend) {
    return module_of(self).register_full_backward_hook(
        std::make_shared<PyBackwardHook>(std::move(hook)), prepend);
  }, py::arg("hook"), py::arg("prepend") = false,
     "hook(module, grad_input, grad_output) -> None or new grad_input, called when the "
     "gradients of the module's inputs are computed. Returns a RemovableHandle.");
  mod.def("register_backward_hook", [](const py::handle&, const py::handle&) {
    throw NotImplementedError("[register_backward_hook] the deprecated non-full backward hook "
                              "is not supported; use register_full_backward_hook");
  }, py::arg("hook"));
  mod.def("_copy_hooks", [](const py::handle& self, const py::handle& other) {
    module_of(self).copy_hooks(module_of(other));
  }, py::arg("other"));
}

}  // namespace ember::python

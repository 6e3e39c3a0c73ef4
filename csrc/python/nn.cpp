// ember._C.nn: the Module base class (PyTorch's attribute protocol: parameters, buffers and
// children are set and read as attributes), containers and shape layers. Python subclasses
// get a trampoline; modules registered from Python keep their Python object alive.
#include "nn.h"

#include <algorithm>
#include <unordered_set>

#include "ember/nn/basic.h"
#include "ember/nn/container.h"

namespace ember::python {

using nn::Module;
using nn::ModulePtr;

Module* maybe_module(const py::handle& self) {
  if (!py::isinstance<Module>(self)) return nullptr;
  // Before __init__ the instance has no C++ object: casting it would read a null holder.
  auto* inst = reinterpret_cast<py::detail::instance*>(self.ptr());
  auto vh = inst->get_value_and_holder(nullptr, false);
  if (!vh || !vh.holder_constructed()) return nullptr;
  return self.cast<Module*>();
}

namespace {

std::string type_name(const py::handle& obj) {
  return py::str(py::type::of(obj).attr("__name__"));
}

Module& get(const py::handle& self, const char* what) {
  Module* m = maybe_module(self);
  if (!m)
    throw py::attribute_error(std::string("cannot ") + what + " before Module.__init__() call (" +
                              type_name(self) + ".__init__ must call super().__init__() first)");
  return *m;
}

bool is_tensor(const py::handle& v) { return py::isinstance<Tensor>(v); }

bool is_parameter(const py::handle& v) {
  if (!is_tensor(v)) return false;
  const Tensor& t = v.cast<const Tensor&>();
  return t.defined() && t.impl()->is_parameter;
}

// Registered tensors keep one Python object while it lives (m.w is m.w, parameters()
// yields the objects assigned), through a weak map from TensorImpl to its wrapper. Used
// only with the GIL held; a live wrapper holds its impl, so an address cannot be reused.
PyObject* g_wrappers = nullptr;  // weakref.WeakValueDictionary, set by bind_nn (kept forever)

py::object wrap(const Tensor& t) {
  if (!t.defined()) return py::none();
  py::handle cache(g_wrappers);
  py::int_ key(reinterpret_cast<uintptr_t>(t.impl()));
  py::object w = cache.attr("get")(key);
  if (!w.is_none() && w.cast<const Tensor&>().is_same(t)) return w;
  w = py::cast(t);
  cache[key] = w;
  return w;
}

// Remembers value as the wrapper of its tensor (the object the user assigned).
void remember(const py::handle& value) {
  const Tensor& t = value.cast<const Tensor&>();
  if (!t.defined()) return;
  py::handle cache(g_wrappers);
  cache[py::int_(reinterpret_cast<uintptr_t>(t.impl()))] = value;
}

py::object tensor_or_none(const Tensor& t) { return wrap(t); }
py::object module_or_none(const ModulePtr& m) { return m ? py::cast(m) : py::none(); }

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

void generic_setattr(const py::handle& self, const py::str& name, PyObject* value) {
  if (PyObject_GenericSetAttr(self.ptr(), name.ptr(), value) != 0) throw py::error_already_set();
}

// Drops name from the instance __dict__ (a plain attribute becoming a parameter / child).
void drop_plain(const py::handle& self, const py::str& name) {
  if (!py::hasattr(self, "__dict__")) return;
  py::dict d = self.attr("__dict__");
  if (d.contains(name)) PyDict_DelItem(d.ptr(), name.ptr());
}

// PyTorch's rule for register_*: a name already used by a plain attribute, a class
// attribute or another registry kind raises KeyError.
void check_free(const py::handle& self, Module& m, const std::string& name, int kind) {
  bool mine = (kind == 0 && m.find_parameter(name)) || (kind == 1 && m.find_buffer(name)) ||
              (kind == 2 && m.find_child(name));
  if (mine || name.empty() || name.find('.') != std::string::npos) return;  // core checks
  bool used = py::hasattr(py::type::of(self), name.c_str());
  if (py::hasattr(self, "__dict__")) used = used || py::dict(self.attr("__dict__")).contains(name);
  if (used) throw py::key_error("attribute '" + name + "' already exists");
}

std::string name_arg(const py::handle& name, const char* kind) {
  if (!py::isinstance<py::str>(name))
    throw py::type_error(std::string(kind) + " name should be a string. Got " + type_name(name));
  return name.cast<std::string>();
}

// A tensor from a state_dict value: an ember tensor, a NumPy array, or anything with
// .numpy() (torch tensors) or __array__. Always a copy for non-ember values.
Tensor to_tensor(const py::handle& v) {
  if (is_tensor(v)) return v.cast<Tensor>();
  if (v.is_none()) return Tensor();
  py::object np = py::module_::import("numpy");
  py::object obj = py::reinterpret_borrow<py::object>(v);
  if (!py::isinstance<py::array>(obj) && py::hasattr(obj, "numpy")) {
    if (py::hasattr(obj, "detach")) obj = obj.attr("detach")();
    if (py::hasattr(obj, "cpu")) obj = obj.attr("cpu")();
    obj = obj.attr("numpy")();
  }
  py::object arr = np.attr("array")(obj, py::arg("copy") = true);
  return py::module_::import("ember._C").attr("from_numpy")(arr).cast<Tensor>();
}

// Python objects of the modules of the tree, self first, like Module.named_modules.
void walk_modules(const py::handle& obj, Module* m, const std::string& prefix, bool remove_dup,
                  std::unordered_set<const Module*>& seen, py::list& out) {
  if (remove_dup && !seen.insert(m).second) return;
  out.append(py::make_tuple(prefix, obj));
  for (const auto& s : m->child_slots())
    if (s.live && s.value)
      walk_modules(py::cast(s.value), s.value.get(), join(prefix, s.name), remove_dup, seen, out);
}

py::list named_tensor_list(const nn::NamedTensors& v) {
  py::list out;
  for (const auto& [n, t] : v) out.append(py::make_tuple(n, wrap(t)));
  return out;
}

py::list tensor_list(const nn::NamedTensors& v) {
  py::list out;
  for (const auto& [n, t] : v) out.append(wrap(t));
  return out;
}

// ---- Module attribute protocol (PyTorch's Module.__setattr__ / __getattr__ / __delattr__)

void module_setattr(const py::handle& self, const py::str& pyname, const py::object& value) {
  std::string name = pyname;
  Module* m = maybe_module(self);
  if (is_parameter(value)) {
    Module& mod = get(self, "assign parameters");
    drop_plain(self, pyname);
    if (!mod.find_parameter(name)) mod.remove(name);
    const Tensor& t = value.cast<const Tensor&>();
    mod.register_parameter(name, t, t.requires_grad());
    remember(value);
    return;
  }
  if (m && m->find_parameter(name)) {
    if (!value.is_none())
      throw py::type_error("cannot assign '" + type_name(value) + "' as parameter '" + name +
                           "' (ember.nn.Parameter or None expected)");
    *m->find_parameter(name) = Tensor();
    return;
  }
  if (py::isinstance<Module>(value)) {
    Module& mod = get(self, "assign module");
    ModulePtr child = module_ptr(value, "setattr");
    drop_plain(self, pyname);
    if (!mod.find_child(name)) mod.remove(name);
    mod.register_module(name, child);
    return;
  }
  if (m && m->find_child(name)) {
    if (!value.is_none())
      throw py::type_error("cannot assign '" + type_name(value) + "' as child module '" + name +
                           "' (ember.nn.Module or None expected)");
    *m->find_child(name) = nullptr;
    return;
  }
  if (m && m->find_buffer(name)) {
    if (!value.is_none() && !is_tensor(value))
      throw py::type_error("cannot assign '" + type_name(value) + "' as buffer '" + name +
                           "' (ember.Tensor or None expected)");
    *m->find_buffer(name) = value.is_none() ? Tensor() : value.cast<Tensor>();
    if (!value.is_none()) remember(value);
    return;
  }
  generic_setattr(self, pyname, value.ptr());
}

py::object module_getattr(const py::handle& self, const std::string& name) {
  if (Module* m = maybe_module(self)) {
    if (Tensor* t = m->find_parameter(name)) return tensor_or_none(*t);
    if (Tensor* t = m->find_buffer(name)) return tensor_or_none(*t);
    if (ModulePtr* c = m->find_child(name)) return module_or_none(*c);
  }
  throw py::attribute_error("'" + type_name(self) + "' object has no attribute '" + name + "'");
}

void module_delattr(const py::handle& self, const py::str& name) {
  Module* m = maybe_module(self);
  if (m && m->remove(name)) return;
  generic_setattr(self, name, nullptr);
}

std::string module_repr(const py::handle& self) {
  Module& m = get(self, "call repr");
  std::string extra = py::str(self.attr("extra_repr")());
  return m.repr_with([](const ModulePtr& c) -> std::string {
    return c ? std::string(py::repr(py::cast(c))) : "None";
  }, type_name(self), extra);
}

// Normalises a Python index for a sequence container (IndexError like list).
int64_t seq_index(const py::handle& idx, const char* op) {
  if (!PyIndex_Check(idx.ptr()))
    throw py::type_error(std::string("[") + op + "] indices must be integers or slices, got " +
                         type_name(idx));
  Py_ssize_t i = PyNumber_AsSsize_t(idx.ptr(), PyExc_IndexError);
  if (i == -1 && PyErr_Occurred()) throw py::error_already_set();
  return static_cast<int64_t>(i);
}

}  // namespace

namespace {
// The deleter of module_ptr's owner, which also finds its PyRef (python_owner).
struct PyOwner {
  PyRef* ref;
  void operator()(PyRef* p) const { delete p; }
};
}  // namespace

nn::ModulePtr module_ptr(const py::handle& obj, const char* op) {
  if (!py::isinstance<Module>(obj))
    throw py::type_error(std::string("[") + op + "] expected an ember.nn.Module, got " +
                         type_name(obj));
  Module* raw = maybe_module(obj);
  if (!raw)
    throw py::type_error(std::string("[") + op + "] the " + type_name(obj) +
                         " instance is not initialised: its __init__ must call "
                         "super().__init__()");
  // Aliasing pointer: owns a reference to the Python object, which owns the C++ module.
  auto* ref = new PyRef(py::reinterpret_borrow<py::object>(obj));
  return ModulePtr(std::shared_ptr<PyRef>(ref, PyOwner{ref}), raw);
}

const PyRef* python_owner(const ModulePtr& module) {
  const PyOwner* owner = std::get_deleter<PyOwner>(module);
  return owner ? owner->ref : nullptr;
}

void PyRef::reset() {
  if (!obj_) return;
  if (!Py_IsInitialized()) {  // interpreter gone: nothing left to release
    obj_.release();
    return;
  }
  py::gil_scoped_acquire gil;
  obj_ = py::object();
}

namespace {

void bind_module(py::module_& nn, TensorClass& cls) {
  cls.def_property_readonly("_is_parameter", [](const Tensor& t) {
    return t.defined() && t.impl()->is_parameter;
  });
  nn.def("_make_parameter", [](const py::handle& data, bool requires_grad) {
    if (!is_tensor(data))
      throw py::type_error("[Parameter] expected data to be an ember.Tensor, got " +
                           type_name(data));
    Tensor t = data.cast<const Tensor&>().detach();
    t.impl()->is_parameter = true;
    t.set_requires_grad(requires_grad);
    return t;
  }, py::arg("data"), py::arg("requires_grad") = true);

  nn.attr("_IncompatibleKeys") = py::module_::import("collections").attr("namedtuple")(
      "IncompatibleKeys", py::make_tuple("missing_keys", "unexpected_keys"));

  ModuleClass mod(nn, "Module", py::dynamic_attr(), R"doc(
Base class of every layer and model. Subclass it, call super().__init__(), assign
ember.nn.Parameter / Module / buffers as attributes and define forward().)doc");
  mod.def(py::init<>())
      .def("__setattr__", &module_setattr)
      .def("__getattr__", &module_getattr)
      .def("__delattr__", &module_delattr)
      .def("__dir__", [](const py::handle& self) {
        py::list out = py::module_::import("builtins").attr("object").attr("__dir__")(self);
        if (Module* m = maybe_module(self)) {
          for (const auto& s : m->parameter_slots()) if (s.live) out.append(s.name);
          for (const auto& s : m->buffer_slots()) if (s.live) out.append(s.name);
          for (const auto& s : m->child_slots()) if (s.live) out.append(s.name);
        }
        return out;
      })
      .def("__call__", &call_module)
      .def("forward", [](Module& m, const Tensor& x) { return m.forward(x); }, py::arg("input"),
           py::call_guard<py::gil_scoped_release>())
      .def("extra_repr", &Module::extra_repr)
      .def("_get_name", [](const py::handle& self) { return type_name(self); })
      .def("_shallow_copy", [](const Module& m) { return py::cast(m.shallow_copy()); })
      .def("_own_entries", [](const Module& m) {
        // This module's live registry entries (None kept), for copy.deepcopy: parameters
        // (name, tensor), buffers (name, tensor, persistent), children (name, module).
        py::list params, buffers, children;
        auto value = [](const Tensor& t) { return t.defined() ? wrap(t) : py::none(); };
        for (const auto& s : m.parameter_slots())
          if (s.live) params.append(py::make_tuple(s.name, value(s.value)));
        for (const auto& s : m.buffer_slots())
          if (s.live) buffers.append(py::make_tuple(s.name, value(s.value), s.persistent));
        for (const auto& s : m.child_slots())
          if (s.live) children.append(py::make_tuple(s.name, s.value ? py::cast(s.value) : py::none()));
        return py::make_tuple(params, buffers, children);
      })
      .def("_set_removed_parameter", [](Module& m, const std::string& name, const Tensor& t) {
        return m.set_removed_parameter(name, t);
      }, "The tensor a layer's forward reads for a removed (parametrized) parameter.")
      .def("__repr__", &module_repr)
      .def("register_parameter", [](const py::handle& self, const py::handle& name,
                                    const py::handle& param) {
        Module& m = get(self, "assign parameter");
        std::string n = name_arg(name, "parameter");
        if (!param.is_none() && !is_parameter(param))
          throw py::type_error("cannot assign '" + type_name(param) + "' object to parameter '" +
                               n + "' (ember.nn.Parameter or None required)");
        check_free(self, m, n, 0);
        Tensor t = param.is_none() ? Tensor() : param.cast<Tensor>();
        m.register_parameter(n, t, t.defined() && t.requires_grad());
        if (t.defined()) remember(param);
      }, py::arg("name"), py::arg("param"))
      .def("register_buffer", [](const py::handle& self, const py::handle& name,
                                 const py::handle& tensor, bool persistent) {
        Module& m = get(self, "assign buffer");
        std::string n = name_arg(name, "buffer");
        if (!tensor.is_none() && !is_tensor(tensor))
          throw py::type_error("cannot assign '" + type_name(tensor) + "' object to buffer '" + n +
                               "' (ember.Tensor or None required)");
        check_free(self, m, n, 1);
        m.register_buffer(n, tensor.is_none() ? Tensor() : tensor.cast<Tensor>(), persistent);
        if (!tensor.is_none()) remember(tensor);
      }, py::arg("name"), py::arg("tensor"), py::arg("persistent") = true);
  auto add_module = [](const py::handle& self, const py::handle& name, const py::handle& module) {
    Module& m = get(self, "assign module");
    if (!module.is_none() && !py::isinstance<Module>(module))
      throw py::type_error(type_name(module) + " is not a Module subclass");
    std::string n = name_arg(name, "module");
    check_free(self, m, n, 2);
    m.register_module(n, module.is_none() ? nullptr : module_ptr(module, "add_module"));
  };
  bind_module_hooks(mod);
  mod.def("add_module", add_module, py::arg("name"), py::arg("module"))
      .def("register_module", add_module, py::arg("name"), py::arg("module"))
      .def("get_submodule", [](const py::handle& self, const std::string& target) {
        py::object cur = py::reinterpret_borrow<py::object>(self);
        if (target.empty()) return cur;
        size_t start = 0;
        while (true) {
          size_t dot = target.find('.', start);
          std::string part = target.substr(start, dot == std::string::npos ? dot : dot - start);
          Module* m = maybe_module(cur);
          ModulePtr* c = m ? m->find_child(part) : nullptr;
          if (!c || !*c)
            throw py::attribute_error(type_name(cur) + " has no attribute `" + part + "`");
          cur = py::cast(*c);
          if (dot == std::string::npos) return cur;
          start = dot + 1;
        }
      }, py::arg("target"))
      .def("named_parameters", [](const Module& m, const std::string& prefix, bool recurse,
                                  bool remove_duplicate) {
        return py::iter(named_tensor_list(m.named_parameters(prefix, recurse, remove_duplicate)));
      }, py::arg("prefix") = "", py::arg("recurse") = true, py::arg("remove_duplicate") = true)
      .def("parameters", [](const Module& m, bool recurse) {
        return py::iter(tensor_list(m.named_parameters("", recurse)));
      }, py::arg("recurse") = true)
      .def("named_buffers", [](const Module& m, const std::string& prefix, bool recurse,
                               bool remove_duplicate) {
        return py::iter(named_tensor_list(m.named_buffers(prefix, recurse, remove_duplicate)));
      }, py::arg("prefix") = "", py::arg("recurse") = true, py::arg("remove_duplicate") = true)
      .def("buffers", [](const Module& m, bool recurse) {
        return py::iter(tensor_list(m.named_buffers("", recurse)));
      }, py::arg("recurse") = true)
      .def("named_children", [](const Module& m) {
        py::list out;
        for (const auto& [n, c] : m.named_children()) out.append(py::make_tuple(n, py::cast(c)));
        return py::iter(out);
      })
      .def("children", [](const Module& m) {
        py::list out;
        for (const auto& c : m.children()) out.append(py::cast(c));
        return py::iter(out);
      })
      .def("named_modules", [](const py::handle& self, const py::object& memo,
                               const std::string& prefix, bool remove_duplicate) {
        std::unordered_set<const Module*> seen;
        py::list out;
        walk_modules(self, &get(self, "list modules"), prefix, remove_duplicate, seen, out);
        return py::iter(out);
      }, py::arg("memo") = py::none(), py::arg("prefix") = "", py::arg("remove_duplicate") = true)
      .def("modules", [](const py::handle& self) {
        std::unordered_set<const Module*> seen;
        py::list out, mods;
        walk_modules(self, &get(self, "list modules"), "", true, seen, out);
        for (const auto& item : out) mods.append(item.cast<py::tuple>()[1]);
        return py::iter(mods);
      })
      .def_property("training", &Module::is_training, &Module::set_training)
      .def("train", [](const py::handle& self, bool mode) {
        get(self, "call train").train(mode);
        return py::reinterpret_borrow<py::object>(self);
      }, py::arg("mode") = true)
      .def("eval", [](const py::handle& self) {
        get(self, "call eval").eval();
        return py::reinterpret_borrow<py::object>(self);
      })
      .def("zero_grad", &Module::zero_grad, py::arg("set_to_none") = true)
      .def("requires_grad_", [](const py::handle& self, bool requires_grad) {
        get(self, "call requires_grad_").requires_grad_(requires_grad);
        return py::reinterpret_borrow<py::object>(self);
      }, py::arg("requires_grad") = true)
      .def("apply", [](const py::handle& self, const py::function& fn) {
        // Through Python so that Python overrides of apply in children are honoured.
        for (const auto& c : get(self, "call apply").children()) py::cast(c).attr("apply")(fn);
        fn(self);
        return py::reinterpret_borrow<py::object>(self);
      }, py::arg("fn"))
      .def("to", [](const py::handle& self, py::args args, py::kwargs kwargs) {
        Module& m = get(self, "call to");
        std::vector<py::object> items;
        for (const auto& a : args) items.push_back(py::reinterpret_borrow<py::object>(a));
        for (auto item : kwargs) {
          std::string k = py::str(item.first);
          if (k != "dtype" && k != "device" && k != "non_blocking")
            throw py::type_error("to() got an unexpected keyword argument '" + k + "'");
          items.push_back(py::reinterpret_borrow<py::object>(item.second));
        }
        for (const auto& a : items) {
          if (a.is_none() || py::isinstance<py::bool_>(a)) continue;
          if (py::isinstance<DType>(a)) {
            m.to(a.cast<DType>());
          } else if (py::isinstance<py::str>(a) && a.cast<std::string>().rfind("cpu", 0) == 0) {
            continue;  // already there
          } else if (is_tensor(a)) {
            m.to(a.cast<const Tensor&>().dtype());
          } else {
            throw py::type_error("[Module.to] expected a dtype, 'cpu' or a tensor, got " +
                                 std::string(py::repr(a)));
          }
        }
        return py::reinterpret_borrow<py::object>(self);
      })
      .def("float", [](const py::handle& self) {
        get(self, "call float").to(DType::Float32);
        return py::reinterpret_borrow<py::object>(self);
      })
      .def("double", [](const py::handle& self) {
        get(self, "call double").to(DType::Float64);
        return py::reinterpret_borrow<py::object>(self);
      })
      .def("cpu", [](const py::handle& self) { return py::reinterpret_borrow<py::object>(self); })
      .def("state_dict", [](const Module& m, py::object destination, const std::string& prefix,
                            bool keep_vars) {
        if (destination.is_none()) destination = py::module_::import("collections").attr("OrderedDict")();
        std::string p = prefix;
        if (!p.empty() && p.back() == '.') p.pop_back();  // PyTorch passes prefix with the dot
        for (const auto& [k, t] : m.state_dict(p, keep_vars)) destination[py::str(k)] = keep_vars ? wrap(t) : py::cast(t);
        return destination;
      }, py::arg("destination") = py::none(), py::arg("prefix") = "", py::arg("keep_vars") = false)
      .def("load_state_dict", [](Module& m, const py::handle& state, bool strict, bool assign) {
        if (assign)
          throw py::value_error("[load_state_dict] assign=True is not supported; values are "
                                "always copied into the existing tensors");
        if (!py::hasattr(state, "items"))
          throw py::type_error("[load_state_dict] expected a mapping (dict) of name -> tensor, got " +
                               type_name(state));
        nn::NamedTensors values;
        for (const auto& item : state.attr("items")()) {
          auto kv = item.cast<py::tuple>();
          values.emplace_back(py::str(kv[0]).cast<std::string>(), to_tensor(kv[1]));
        }
        nn::LoadResult r;
        {
          py::gil_scoped_release release;
          r = m.load_state_dict(values, strict);
        }
        return py::module_::import("ember._C").attr("nn").attr("_IncompatibleKeys")(
            py::cast(r.missing_keys), py::cast(r.unexpected_keys));
      }, py::arg("state_dict"), py::arg("strict") = true, py::arg("assign") = false);
}

template <class C>
using ContainerClass = py::class_<C, Module, PyModule<C>, std::shared_ptr<C>>;

// List behaviour shared by Sequential and ModuleList.
template <class C>
void bind_sequence(ContainerClass<C>& c) {
  c.def("__len__", &C::size)
      .def("__iter__", [](const C& s) {
        py::list out;
        for (const auto& m : s.items()) out.append(py::cast(m));
        return py::iter(out);
      })
      .def("__getitem__", [](const py::handle& self, const py::handle& idx) -> py::object {
        const C& s = self.cast<const C&>();
        if (py::isinstance<py::slice>(idx)) {
          py::list names = py::cast(s.keys()), mods;
          for (const auto& m : s.items()) mods.append(py::cast(m));
          py::slice sl = py::reinterpret_borrow<py::slice>(idx);
          if constexpr (std::is_same_v<C, nn::Sequential>) {
            py::object od = py::module_::import("collections").attr("OrderedDict")(
                py::module_::import("builtins").attr("zip")(names[sl], mods[sl]));
            return py::type::of(self)(od);
          } else {
            return py::type::of(self)(mods[sl]);
          }
        }
        return py::cast(s.at(seq_index(idx, "getitem")));
      })
      .def("__setitem__", [](C& s, const py::handle& idx, const py::handle& m) {
        s.set(seq_index(idx, "setitem"), module_ptr(m, "setitem"));
      })
      .def("__delitem__", [](C& s, const py::handle& idx) {
        if (py::isinstance<py::slice>(idx)) {
          size_t start, stop, step, len;
          if (!py::reinterpret_borrow<py::slice>(idx).compute(s.size(), &start, &stop, &step, &len))
            throw py::error_already_set();
          std::vector<int64_t> drop;
          for (size_t i = 0; i < len; ++i) drop.push_back(static_cast<int64_t>(start + i * step));
          std::sort(drop.rbegin(), drop.rend());
          for (int64_t i : drop) s.erase(i);
          return;
        }
        s.erase(seq_index(idx, "delitem"));
      })
      .def("append", [](const py::handle& self, const py::handle& m) {
        self.cast<C&>().push_back(module_ptr(m, "append"));
        return py::reinterpret_borrow<py::object>(self);
      }, py::arg("module"))
      .def("extend", [](const py::handle& self, const py::iterable& mods) {
        std::vector<ModulePtr> ptrs;
        for (const auto& m : mods) ptrs.push_back(module_ptr(m, "extend"));
        for (auto& p : ptrs) self.cast<C&>().push_back(p);
        return py::reinterpret_borrow<py::object>(self);
      }, py::arg("modules"))
      .def("insert", [](C& s, int64_t index, const py::handle& m) {
        int64_t n = static_cast<int64_t>(s.size());
        if (index < 0) index = std::max<int64_t>(index + n, 0);  // list.insert semantics
        s.insert(std::min(index, n), module_ptr(m, "insert"));
      }, py::arg("index"), py::arg("module"))
      .def("pop", [](C& s, int64_t index) { return py::cast(s.erase(index)); },
           py::arg("key") = -1);
}

void bind_containers(py::module_& nn) {
  ContainerClass<nn::Sequential> seq(nn, "Sequential",
      "Sequential(*modules) or Sequential(OrderedDict): runs the modules in order.");
  auto make_seq = [](bool alias, const py::args& args) {
    std::shared_ptr<nn::Sequential> s = make<nn::Sequential>(alias);
    if (args.size() == 1 && py::isinstance<py::dict>(args[0])) {
      for (const auto& kv : args[0].attr("items")()) {
        auto t = kv.cast<py::tuple>();
        if (!py::isinstance<py::str>(t[0]))
          throw py::type_error("[Sequential] module names must be strings, got " + type_name(t[0]));
        s->push_back(t[0].cast<std::string>(), module_ptr(t[1], "Sequential"));
      }
      return s;
    }
    for (size_t i = 0; i < args.size(); ++i) {
      if (!py::isinstance<Module>(args[i]))
        throw py::type_error("[Sequential] expected ember.nn.Module arguments, got " +
                             type_name(args[i]) + " at position " + std::to_string(i));
      s->push_back(module_ptr(args[i], "Sequential"));
    }
    return s;
  };
  seq.def(py::init([make_seq](py::args a) { return make_seq(false, a); },
                   [make_seq](py::args a) { return make_seq(true, a); }));
  seq.def("forward", [](nn::Sequential& s, const Tensor& x) { return s.forward(x); },
          py::arg("input"), py::call_guard<py::gil_scoped_release>());
  bind_sequence(seq);

  ContainerClass<nn::ModuleList> list(nn, "ModuleList", "A list of modules, registered as children.");
  auto make_list = [](bool alias, const py::object& modules) {
    std::shared_ptr<nn::ModuleList> l = make<nn::ModuleList>(alias);
    if (!modules.is_none())
      for (const auto& m : modules) l->push_back(module_ptr(m, "ModuleList"));
    return l;
  };
  list.def(py::init([make_list](const py::object& m) { return make_list(false, m); },
                    [make_list](const py::object& m) { return make_list(true, m); }),
           py::arg("modules") = py::none());
  bind_sequence(list);
  list.def("__iadd__", [](const py::handle& self, const py::iterable& mods) {
    for (const auto& m : mods) self.cast<nn::ModuleList&>().push_back(module_ptr(m, "ModuleList"));
    return py::reinterpret_borrow<py::object>(self);
  });

  ContainerClass<nn::ModuleDict> dict(nn, "ModuleDict", "An ordered dict of modules, registered as children.");
  auto update = [](nn::ModuleDict& d, const py::handle& modules) {
    py::object items = py::hasattr(modules, "items") ? modules.attr("items")()
                                                     : py::reinterpret_borrow<py::object>(modules);
    for (const auto& kv : items) {
      py::sequence pair = py::reinterpret_borrow<py::sequence>(kv);
      if (pair.size() != 2)
        throw py::value_error("[ModuleDict.update] expected (name, module) pairs");
      if (!py::isinstance<py::str>(pair[0]))
        throw py::type_error("[ModuleDict] keys must be strings, got " + type_name(pair[0]));
      d.set(pair[0].cast<std::string>(), module_ptr(pair[1], "ModuleDict"));
    }
  };
  auto make_dict = [update](bool alias, const py::object& modules) {
    std::shared_ptr<nn::ModuleDict> d = make<nn::ModuleDict>(alias);
    if (!modules.is_none()) update(*d, modules);
    return d;
  };
  dict.def(py::init([make_dict](const py::object& m) { return make_dict(false, m); },
                    [make_dict](const py::object& m) { return make_dict(true, m); }),
           py::arg("modules") = py::none())
      .def("update", update, py::arg("modules"))
      .def("__len__", &nn::ModuleDict::size)
      .def("__contains__", &nn::ModuleDict::contains)
      .def("__getitem__", [](const nn::ModuleDict& d, const std::string& k) { return py::cast(d.get(k)); })
      .def("__setitem__", [](nn::ModuleDict& d, const std::string& k, const py::handle& m) {
        d.set(k, module_ptr(m, "ModuleDict"));
      })
      .def("__delitem__", [](nn::ModuleDict& d, const std::string& k) { d.erase(k); })
      .def("__iter__", [](const nn::ModuleDict& d) { return py::iter(py::cast(d.keys())); })
      .def("keys", &nn::ModuleDict::keys)
      .def("values", [](const nn::ModuleDict& d) {
        py::list out;
        for (const auto& [k, m] : d.items()) out.append(py::cast(m));
        return out;
      })
      .def("items", [](const nn::ModuleDict& d) {
        py::list out;
        for (const auto& [k, m] : d.items()) out.append(py::make_tuple(k, py::cast(m)));
        return out;
      })
      .def("pop", [](nn::ModuleDict& d, const std::string& k) { return py::cast(d.erase(k)); },
           py::arg("key"))
      .def("clear", &nn::ModuleDict::clear);
}

void bind_basic(py::module_& nn) {
  py::class_<nn::Identity, Module, PyModule<nn::Identity>, std::shared_ptr<nn::Identity>>(
      nn, "Identity", "Returns its input unchanged; arguments are accepted and ignored.")
      .def(py::init([](py::args, py::kwargs) { return make<nn::Identity>(false); },
                    [](py::args, py::kwargs) { return make<nn::Identity>(true); }));
  py::class_<nn::Flatten, Module, PyModule<nn::Flatten>, std::shared_ptr<nn::Flatten>>(
      nn, "Flatten", "Flattens dims start_dim..end_dim into one (a view when possible).")
      .def(py::init([](int64_t s, int64_t e) { return make<nn::Flatten>(false, s, e); },
                    [](int64_t s, int64_t e) { return make<nn::Flatten>(true, s, e); }),
           py::arg("start_dim") = 1, py::arg("end_dim") = -1)
      .def_readwrite("start_dim", &nn::Flatten::start_dim)
      .def_readwrite("end_dim", &nn::Flatten::end_dim);
  py::class_<nn::Unflatten, Module, PyModule<nn::Unflatten>, std::shared_ptr<nn::Unflatten>>(
      nn, "Unflatten", "Splits dim into unflattened_size (one entry may be -1).")
      .def(py::init([](int64_t d, std::vector<int64_t> s) { return make<nn::Unflatten>(false, d, s); },
                    [](int64_t d, std::vector<int64_t> s) { return make<nn::Unflatten>(true, d, s); }),
           py::arg("dim"), py::arg("unflattened_size"))
      .def_readwrite("dim", &nn::Unflatten::dim)
      .def_property_readonly("unflattened_size", [](const nn::Unflatten& u) {
        return py::tuple(py::cast(u.unflattened_size));
      });
}

}  // namespace

void bind_nn(py::module_& m, TensorClass& cls) {
  py::module_ nn = m.def_submodule("nn", "ember.nn core: Module, containers, shape layers");
  // KeyError for registry name clashes (registered after module.cpp's translator, so tried
  // first; other errors fall through to it).
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const KeyError& e) {
      PyErr_SetString(PyExc_KeyError, e.what());
    }
  });
  g_wrappers = py::module_::import("weakref").attr("WeakValueDictionary")().release().ptr();
  bind_module(nn, cls);
  bind_containers(nn);
  bind_basic(nn);
}

}  // namespace ember::python

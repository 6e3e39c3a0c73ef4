// Python's garbage collector and C++ modules. A module owned by its Python wrapper alone
// reports the Python objects it holds through C++ (hook callables, children registered from
// Python, recursively through children only it holds) to tp_traverse, and drops those hooks
// in tp_clear, so cycles like `self.fc.register_forward_hook(self._hook)` are collected.
// A reference shared with another C++ owner (use_count > 1) is never reported: the collector
// may only see references the wrapper owns, so such cycles stay uncollected, never freed early.
#include "nn.h"

namespace ember::python {

namespace {

traverseproc base_traverse = nullptr;  // pybind11's (the instance __dict__)
inquiry base_clear = nullptr;

// The Python hooks of m that only m holds, each passed to f(PyRef&).
template <class F>
void for_each_owned_hook(nn::Module& m, F&& f) {
  const std::shared_ptr<nn::ModuleHooks>& lists = m.hooks();
  if (!lists || lists.use_count() != 1) return;
  auto each = [&](auto& entries) {
    for (auto& e : entries)
      if (e.fn.use_count() == 1)
        if (auto* py = dynamic_cast<PyHookBase*>(e.fn.get())) f(py->callable());
  };
  each(lists->pre);
  each(lists->post);
  each(lists->backward_pre);
  each(lists->backward);
}

int visit_owned(nn::Module& m, visitproc visit, void* arg) {
  int failed = 0;
  for_each_owned_hook(m, [&](PyRef& ref) {
    if (!failed && ref.get()) failed = visit(ref.get().ptr(), arg);
  });
  for (const auto& slot : m.child_slots()) {
    if (failed) break;
    const nn::ModulePtr& child = slot.value;
    if (!child || child.use_count() != 1) continue;
    if (const PyRef* owner = python_owner(child)) failed = visit(owner->get().ptr(), arg);
    else failed = visit_owned(*child, visit, arg);  // a C++ child only m holds
  }
  return failed;
}

void clear_owned(nn::Module& m) {
  for_each_owned_hook(m, [](PyRef& ref) { ref.reset(); });
  for (const auto& slot : m.child_slots())
    if (slot.value && slot.value.use_count() == 1 && !python_owner(slot.value))
      clear_owned(*slot.value);
}

// The module of self when self's wrapper is its only owner, else nullptr. Reads the instance
// directly: the collector must not run Python code.
nn::Module* owned_module(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  auto vh = inst->get_value_and_holder(nullptr, false);
  if (!vh || !vh.holder_constructed()) return nullptr;
  // Every module class derives from Module alone (single inheritance, Module at offset 0),
  // the same assumption pybind11 makes for casts of such classes.
  auto* m = static_cast<nn::Module*>(vh.value_ptr());
  return m && m->weak_from_this().use_count() == 1 ? m : nullptr;
}

int module_traverse(PyObject* self, visitproc visit, void* arg) {
  if (int failed = base_traverse(self, visit, arg)) return failed;
  nn::Module* m = owned_module(self);
  return m ? visit_owned(*m, visit, arg) : 0;
}

int module_clear(PyObject* self) {
  if (nn::Module* m = owned_module(self)) clear_owned(*m);
  return base_clear(self);
}

// Patches the pybind11 classes (Python subclasses defined later inherit through their base).
void patch(const py::handle& type) {
  auto* t = reinterpret_cast<PyTypeObject*>(type.ptr());
  if (t->tp_traverse != base_traverse && t->tp_traverse != module_traverse) return;
  t->tp_traverse = module_traverse;
  t->tp_clear = module_clear;
  for (const py::handle& sub : type.attr("__subclasses__")()) patch(sub);
}

}  // namespace

void enable_module_gc(const py::handle& module_type) {
  auto* t = reinterpret_cast<PyTypeObject*>(module_type.ptr());
  if (!(t->tp_flags & Py_TPFLAGS_HAVE_GC))
    throw std::logic_error("enable_module_gc: Module must be bound with py::dynamic_attr()");
  if (!base_traverse) {
    base_traverse = t->tp_traverse;
    base_clear = t->tp_clear;
  }
  patch(module_type);
}

}  // namespace ember::python

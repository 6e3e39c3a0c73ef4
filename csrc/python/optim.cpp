// ember._C.optim: optimizers, LR schedulers and gradient clipping bound with PyTorch's API.
// param_groups is a list of live proxies (ParamGroup) over the C++ groups, so
// `opt.param_groups[0]['lr'] = x` takes effect. Conversion only; checks live in the core.
#include <pybind11/functional.h>

#include "bind.h"
#include "optim_convert.h"

namespace ember::python {

// Conversions shared with optim_more.cpp (declared in optim_convert.h).
namespace conv {

using namespace ember::optim;

std::string type_name(const py::handle& obj) {
  return py::str(py::type::of(obj).attr("__name__")).cast<std::string>();
}

Option to_option(const py::handle& v, const std::string& key) {
  if (v.is_none()) return Option::none();
  if (py::isinstance<py::bool_>(v)) return Option::boolean(v.cast<bool>());
  if (py::isinstance<py::int_>(v)) return Option::integer(v.cast<int64_t>());
  if (py::isinstance<py::float_>(v)) return Option::real(v.cast<double>());
  if (py::isinstance<py::str>(v)) return Option::string(v.cast<std::string>());
  if (py::isinstance<py::tuple>(v) || py::isinstance<py::list>(v)) {
    std::vector<double> xs;
    for (const auto& x : v) {
      EMBER_CHECK(py::isinstance<py::int_>(x) || py::isinstance<py::float_>(x) ||
                      py::hasattr(x, "__float__"),
                  TypeError, "[optim] option '", key, "' must hold numbers, got ", type_name(x));
      xs.push_back(py::float_(py::reinterpret_borrow<py::object>(x)).cast<double>());
    }
    return Option::tuple_of(std::move(xs));
  }
  if (py::hasattr(v, "__float__") && !py::isinstance<Tensor>(v))
    return Option::real(py::float_(py::reinterpret_borrow<py::object>(v)).cast<double>());
  EMBER_THROW(TypeError, "[optim] option '", key, "' must be None, a bool, int, float, str or a "
              "tuple of numbers, got ", type_name(v));
}

py::object from_option(const Option& o) {
  switch (o.kind) {
    case Option::Kind::None: return py::none();
    case Option::Kind::Bool: return py::bool_(o.num != 0.0);
    case Option::Kind::Int: return py::int_(static_cast<int64_t>(o.num));
    case Option::Kind::Float: return py::float_(o.num);
    case Option::Kind::Tuple: {
      py::list l;
      for (double x : o.tuple) l.append(py::float_(x));
      return py::tuple(l);
    }
    case Option::Kind::String: return py::str(o.str);
  }
  return py::none();
}

std::vector<Tensor> to_params(const py::handle& obj, const char* op) {
  std::vector<Tensor> out;
  if (py::isinstance<Tensor>(obj)) return {obj.cast<Tensor>()};
  EMBER_CHECK(!py::isinstance<py::set>(obj), TypeError, "[", op, "] optimizer parameters need to "
              "be organized in ordered collections, but the ordering of tensors in sets will "
              "change between runs. Please use a list instead.");
  EMBER_CHECK(py::isinstance<py::iterable>(obj), TypeError, "[", op,
              "] params should be an iterable of Tensors, got ", type_name(obj));
  for (const auto& p : obj) {
    EMBER_CHECK(py::isinstance<Tensor>(p), TypeError, "[", op,
                "] optimizer can only optimize Tensors, but one of the params is ", type_name(p));
    out.push_back(p.cast<Tensor>());
  }
  return out;
}

ParamGroup to_group(const py::handle& d, const char* op) {
  EMBER_CHECK(py::isinstance<py::dict>(d), TypeError, "[", op,
              "] param_group must be a dict, but got ", type_name(d));
  py::dict dict = py::reinterpret_borrow<py::dict>(d);
  EMBER_CHECK(dict.contains("params"), ValueError, "[", op, "] param_group needs a 'params' key");
  ParamGroup g;
  g.params = to_params(dict["params"], op);
  for (const auto& kv : dict) {
    std::string key = py::str(kv.first).cast<std::string>();
    if (key == "params") continue;
    g.options.emplace_back(key, to_option(kv.second, key));
  }
  return g;
}

std::vector<ParamGroup> to_groups(const py::object& params, const char* op) {
  EMBER_CHECK(!py::isinstance<Tensor>(params), TypeError, "[", op, "] params argument given to "
              "the optimizer should be an iterable of Tensors or dicts, but got ember.Tensor");
  EMBER_CHECK(py::isinstance<py::iterable>(params), TypeError, "[", op, "] params argument given "
              "to the optimizer should be an iterable of Tensors or dicts, but got ",
              type_name(params));
  py::list items(params);
  std::vector<ParamGroup> groups;
  if (items.size() == 0) return groups;
  if (py::isinstance<py::dict>(items[0])) {
    for (const auto& d : items) groups.push_back(to_group(d, op));
  } else {
    groups.emplace_back(to_params(items, op));
  }
  return groups;
}

Options to_options(const py::dict& d) {
  Options o;
  for (const auto& kv : d) {
    std::string key = py::str(kv.first).cast<std::string>();
    o.emplace_back(key, to_option(kv.second, key));
  }
  return o;
}

py::dict options_dict(const Options& o) {
  py::dict d;
  for (const auto& kv : o) d[py::str(kv.first)] = from_option(kv.second);
  return d;
}

// A live view of optimizer.param_groups[index].
struct GroupRef {
  std::shared_ptr<Optimizer> opt;
  size_t index;
  ParamGroup& group() const {
    EMBER_CHECK(index < opt->param_groups().size(), IndexError,
                "[optim] param group ", index, " no longer exists");
    return opt->param_groups()[index];
  }
  py::list keys() const {
    py::list k;
    k.append("params");
    for (const auto& kv : group().options) k.append(py::str(kv.first));
    return k;
  }
  py::object get(const std::string& key) const {
    if (key == "params") return py::cast(group().params);
    const Option* o = find_option(group().options, key);
    if (!o) throw py::key_error(key);
    return from_option(*o);
  }
  void set(const std::string& key, const py::object& v) const {
    if (key == "params") group().params = to_params(v, opt->name().c_str());
    else group().set(key, to_option(v, key));
  }
};

// optimizer.state: {param: {name: value}} looked up by tensor identity (torch keys its
// state dict by the parameter object).
struct StateView {
  std::shared_ptr<Optimizer> opt;
  const ParamState* find(const Tensor& p) const {
    auto it = opt->all_state().find(p.impl());
    return it == opt->all_state().end() || it->second.empty() ? nullptr : &it->second;
  }
  static py::dict to_dict(const ParamState& st) {
    py::dict e;
    for (const auto& kv : st.numbers) e[py::str(kv.first)] = py::float_(kv.second);
    for (const auto& kv : st.tensors) e[py::str(kv.first)] = py::cast(kv.second);
    return e;
  }
};

py::dict group_dict(const GroupRef& g) {
  py::dict d;
  for (const auto& k : g.keys()) d[k] = g.get(k.cast<std::string>());
  return d;
}

Tensor to_state_tensor(const py::handle& v) {
  if (py::isinstance<Tensor>(v)) return v.cast<Tensor>();
  if (py::isinstance<py::bool_>(v) || py::isinstance<py::int_>(v) || py::isinstance<py::float_>(v))
    return scalar_tensor(Scalar(v.cast<double>()), DType::Float64);
  // NumPy arrays (e.g. a torch state converted with .numpy()) or anything with __array__.
  py::object arr = py::module_::import("numpy").attr("array")(v);
  return py::module_::import("ember._C").attr("from_numpy")(arr).cast<Tensor>();
}

StateDict to_state_dict(const py::dict& d) {
  StateDict sd;
  EMBER_CHECK(d.contains("state") && d.contains("param_groups"), ValueError,
              "[optim] state_dict needs 'state' and 'param_groups' keys");
  for (const auto& kv : py::reinterpret_borrow<py::dict>(d["state"])) {
    std::vector<std::pair<std::string, Tensor>> entries;
    for (const auto& e : py::reinterpret_borrow<py::dict>(kv.second)) {
      if (e.second.is_none()) continue;
      entries.emplace_back(py::str(e.first).cast<std::string>(), to_state_tensor(e.second));
    }
    sd.state.emplace_back(kv.first.cast<int64_t>(), std::move(entries));
  }
  for (const auto& g : d["param_groups"]) {
    py::dict gd = py::reinterpret_borrow<py::dict>(g);
    Options o;
    std::vector<int64_t> ids;
    for (const auto& kv : gd) {
      std::string key = py::str(kv.first).cast<std::string>();
      if (key == "params") ids = kv.second.cast<std::vector<int64_t>>();
      else if (key != "param_names") o.emplace_back(key, to_option(kv.second, key));
    }
    sd.param_groups.emplace_back(std::move(o), std::move(ids));
  }
  return sd;
}

py::dict from_state_dict(const StateDict& sd) {
  py::dict state;
  for (const auto& [i, entries] : sd.state) {
    py::dict e;
    for (const auto& kv : entries) e[py::str(kv.first)] = py::cast(kv.second);
    state[py::int_(i)] = e;
  }
  py::list groups;
  for (const auto& [opts, ids] : sd.param_groups) {
    py::dict g = options_dict(opts);
    g["params"] = py::cast(ids);
    groups.append(g);
  }
  py::dict out;
  out["state"] = state;
  out["param_groups"] = groups;
  return out;
}

std::vector<double> num_or_list(const py::object& v) {
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) return v.cast<std::vector<double>>();
  return {py::float_(v).cast<double>()};
}

std::pair<double, double> to_betas(const py::object& v, const char* op) {
  EMBER_CHECK(py::isinstance<py::sequence>(v) && py::len(v) == 2, TypeError, "[", op,
              "] betas must be a pair of floats, got ", type_name(v));
  py::sequence s = py::reinterpret_borrow<py::sequence>(v);
  return {py::float_(s[0]).cast<double>(), py::float_(s[1]).cast<double>()};
}

void no_differentiable(bool d, const char* op) {
  EMBER_CHECK(!d, NotImplementedError, "[", op, "] differentiable=True is not supported");
}

template <class Opt>
std::shared_ptr<Optimizer> upcast(std::shared_ptr<Opt> p) { return p; }

double metric_value(const py::object& m) {
  if (py::isinstance<Tensor>(m)) return py::float_(m.attr("detach")().attr("numpy")().attr("item")()).cast<double>();
  return py::float_(m).cast<double>();
}

py::dict scheduler_state_dict(const LRScheduler& s) {
  SchedulerState st = s.state();
  py::dict d;
  d["last_epoch"] = st.last_epoch;
  d["_step_count"] = st.step_count;
  d["base_lrs"] = st.base_lrs;
  d["_last_lr"] = st.last_lr;
  return d;
}

void load_scheduler_state_dict(LRScheduler& s, const py::dict& d) {
  SchedulerState st = s.state();
  if (d.contains("last_epoch")) st.last_epoch = d["last_epoch"].cast<int64_t>();
  if (d.contains("_step_count")) st.step_count = d["_step_count"].cast<int64_t>();
  if (d.contains("base_lrs")) st.base_lrs = d["base_lrs"].cast<std::vector<double>>();
  if (d.contains("_last_lr")) st.last_lr = d["_last_lr"].cast<std::vector<double>>();
  s.load_state(st);
}

}  // namespace conv

using namespace conv;

void bind_optim(py::module_& m, TensorClass& cls) {
  py::module_ sub = m.def_submodule("optim", "Optimizers, LR schedulers and gradient clipping.");

  py::class_<GroupRef>(sub, "ParamGroup", "A live view of one optimizer param group (dict-like).")
      .def("__getitem__", [](const GroupRef& g, const std::string& k) { return g.get(k); })
      .def("__setitem__", [](const GroupRef& g, const std::string& k, py::object v) { g.set(k, v); })
      .def("__delitem__", [](const GroupRef& g, const std::string& k) {
        auto& o = g.group().options;
        for (auto it = o.begin(); it != o.end(); ++it)
          if (it->first == k) { o.erase(it); return; }
        throw py::key_error(k);
      })
      .def("__contains__", [](const GroupRef& g, const std::string& k) {
        return k == "params" || g.group().has(k);
      })
      .def("__len__", [](const GroupRef& g) { return g.group().options.size() + 1; })
      .def("__iter__", [](const GroupRef& g) { return py::iter(g.keys()); })
      .def("keys", &GroupRef::keys)
      .def("values", [](const GroupRef& g) { return group_dict(g).attr("values")(); })
      .def("items", [](const GroupRef& g) { return group_dict(g).attr("items")(); })
      .def("get", [](const GroupRef& g, const std::string& k, py::object dflt) -> py::object {
        if (k != "params" && !g.group().has(k)) return dflt;
        return g.get(k);
      }, py::arg("key"), py::arg("default") = py::none())
      .def("setdefault", [](const GroupRef& g, const std::string& k, py::object dflt) -> py::object {
        if (k != "params" && !g.group().has(k)) g.set(k, dflt);
        return g.get(k);
      }, py::arg("key"), py::arg("default") = py::none())
      .def("__eq__", [](const GroupRef& g, py::object other) { return group_dict(g).equal(other); })
      .def("__repr__", [](const GroupRef& g) { return py::repr(group_dict(g)); });

  py::class_<StateView>(sub, "_OptimizerState", "optimizer.state: per-parameter state by tensor.")
      .def("__getitem__", [](const StateView& v, const Tensor& p) -> py::object {
        const ParamState* st = v.find(p);
        return st ? py::object(StateView::to_dict(*st)) : py::object(py::dict());
      })
      .def("__contains__", [](const StateView& v, const Tensor& p) { return v.find(p) != nullptr; })
      .def("__len__", [](const StateView& v) {
        size_t n = 0;
        for (const auto& kv : v.opt->all_state()) n += kv.second.empty() ? 0 : 1;
        return n;
      })
      .def("values", [](const StateView& v) {
        py::list l;
        for (const ParamGroup& g : v.opt->param_groups())
          for (const Tensor& p : g.params)
            if (const ParamState* st = v.find(p)) l.append(StateView::to_dict(*st));
        return l;
      });

  py::class_<Optimizer, std::shared_ptr<Optimizer>>(sub, "Optimizer", py::dynamic_attr(),
      "Base class of ember's optimizers: Optimizer(params, defaults). Subclass it in Python "
      "and override step() to write your own.")
      .def(py::init([](py::object params, py::dict defaults) {
        return std::make_shared<Optimizer>(to_groups(params, "Optimizer"), to_options(defaults));
      }), py::arg("params"), py::arg("defaults"))
      .def_property_readonly("param_groups", [](const std::shared_ptr<Optimizer>& o) {
        py::list l;
        for (size_t i = 0; i < o->param_groups().size(); ++i) l.append(GroupRef{o, i});
        return l;
      })
      .def_property_readonly("defaults", [](const Optimizer& o) { return options_dict(o.defaults()); })
      .def_property_readonly("state", [](const std::shared_ptr<Optimizer>& o) {
        return StateView{o};
      })
      .def("add_param_group", [](Optimizer& o, py::object g) {
        o.add_param_group(to_group(g, o.name().c_str()));
      }, py::arg("param_group"))
      .def("zero_grad", [](Optimizer& o, bool set_to_none) {
        py::gil_scoped_release r;
        o.zero_grad(set_to_none);
      }, py::arg("set_to_none") = true)
      .def("step", [](Optimizer& o, py::object closure) -> py::object {
        py::object loss = py::none();
        if (!closure.is_none()) {
          autograd::GradModeGuard g(true);
          loss = closure();
        }
        py::gil_scoped_release r;
        o.step();
        return loss;
      }, py::arg("closure") = py::none())
      .def("state_dict", [](const Optimizer& o) { return from_state_dict(o.state_dict()); })
      .def("load_state_dict", [](Optimizer& o, py::dict d) { o.load_state_dict(to_state_dict(d)); },
           py::arg("state_dict"))
      .def("__repr__", [](const std::shared_ptr<Optimizer>& o) {
        std::string s = o->name() + " (";
        for (size_t i = 0; i < o->param_groups().size(); ++i) {
          s += "\nParameter Group " + std::to_string(i);
          for (const auto& kv : o->param_groups()[i].options)
            s += "\n    " + kv.first + ": " + py::repr(from_option(kv.second)).cast<std::string>();
        }
        return s + "\n)";
      });

  py::class_<SGD, Optimizer, std::shared_ptr<SGD>>(sub, "SGD", py::dynamic_attr(),
      "Stochastic gradient descent (optionally with momentum), as torch.optim.SGD.")
      .def(py::init([](py::object params, double lr, double momentum, double dampening,
                       double weight_decay, bool nesterov, bool maximize, py::object,
                       bool differentiable, py::object) {
        no_differentiable(differentiable, "SGD");
        SGDOptions o;
        o.lr = lr; o.momentum = momentum; o.dampening = dampening;
        o.weight_decay = weight_decay; o.nesterov = nesterov; o.maximize = maximize;
        return std::make_shared<SGD>(to_groups(params, "SGD"), o);
      }), py::arg("params"), py::arg("lr") = 1e-3, py::arg("momentum") = 0.0,
         py::arg("dampening") = 0.0, py::arg("weight_decay") = 0.0, py::arg("nesterov") = false,
         py::kw_only(), py::arg("maximize") = false, py::arg("foreach") = py::none(),
         py::arg("differentiable") = false, py::arg("fused") = py::none());

  auto adam_init = [](bool w) {
    return [w](py::object params, double lr, py::object betas, double eps, py::object weight_decay,
               bool amsgrad, py::object, bool maximize, bool, bool differentiable, py::object,
               py::object decoupled) -> std::shared_ptr<Adam> {
      const char* op = w ? "AdamW" : "Adam";
      no_differentiable(differentiable, op);
      AdamOptions o;
      o.lr = lr; o.eps = eps; o.amsgrad = amsgrad; o.maximize = maximize;
      std::tie(o.beta1, o.beta2) = to_betas(betas, op);
      o.weight_decay = weight_decay.is_none() ? (w ? 1e-2 : 0.0) : py::float_(weight_decay).cast<double>();
      auto groups = to_groups(params, op);
      if (w) return std::make_shared<AdamW>(groups, o);
      bool dec = !decoupled.is_none() && decoupled.cast<bool>();
      if (dec) return std::make_shared<AdamW>(groups, o);
      return std::make_shared<Adam>(groups, o);
    };
  };
  py::class_<Adam, Optimizer, std::shared_ptr<Adam>>(sub, "Adam", py::dynamic_attr(),
      "Adam (optionally AMSGrad), as torch.optim.Adam.")
      .def(py::init(adam_init(false)), py::arg("params"), py::arg("lr") = 1e-3,
           py::arg("betas") = py::make_tuple(0.9, 0.999), py::arg("eps") = 1e-8,
           py::arg("weight_decay") = 0.0, py::arg("amsgrad") = false, py::kw_only(),
           py::arg("foreach") = py::none(), py::arg("maximize") = false,
           py::arg("capturable") = false, py::arg("differentiable") = false,
           py::arg("fused") = py::none(), py::arg("decoupled_weight_decay") = false);
  py::class_<AdamW, Adam, std::shared_ptr<AdamW>>(sub, "AdamW", py::dynamic_attr(),
      "AdamW (decoupled weight decay), as torch.optim.AdamW.")
      .def(py::init([adam_init](py::object params, double lr, py::object betas, double eps,
                                py::object wd, bool amsgrad, py::object f, bool maximize, bool c,
                                bool d, py::object fu) {
        return std::static_pointer_cast<AdamW>(
            adam_init(true)(params, lr, betas, eps, wd, amsgrad, f, maximize, c, d, fu, py::none()));
      }), py::arg("params"), py::arg("lr") = 1e-3, py::arg("betas") = py::make_tuple(0.9, 0.999),
         py::arg("eps") = 1e-8, py::arg("weight_decay") = 1e-2, py::arg("amsgrad") = false,
         py::kw_only(), py::arg("foreach") = py::none(), py::arg("maximize") = false,
         py::arg("capturable") = false, py::arg("differentiable") = false,
         py::arg("fused") = py::none());

  py::class_<RMSprop, Optimizer, std::shared_ptr<RMSprop>>(sub, "RMSprop", py::dynamic_attr(),
      "RMSprop (optionally centered, with momentum), as torch.optim.RMSprop.")
      .def(py::init([](py::object params, double lr, double alpha, double eps, double wd,
                       double momentum, bool centered, bool, py::object, bool maximize,
                       bool differentiable) {
        no_differentiable(differentiable, "RMSprop");
        RMSpropOptions o;
        o.lr = lr; o.alpha = alpha; o.eps = eps; o.weight_decay = wd; o.momentum = momentum;
        o.centered = centered; o.maximize = maximize;
        return std::make_shared<RMSprop>(to_groups(params, "RMSprop"), o);
      }), py::arg("params"), py::arg("lr") = 1e-2, py::arg("alpha") = 0.99, py::arg("eps") = 1e-8,
         py::arg("weight_decay") = 0.0, py::arg("momentum") = 0.0, py::arg("centered") = false,
         py::arg("capturable") = false, py::arg("foreach") = py::none(),
         py::arg("maximize") = false, py::arg("differentiable") = false);

  py::class_<Adagrad, Optimizer, std::shared_ptr<Adagrad>>(sub, "Adagrad", py::dynamic_attr(),
      "Adagrad, as torch.optim.Adagrad (dense gradients).")
      .def(py::init([](py::object params, double lr, double lr_decay, double wd, double init,
                       double eps, py::object, bool maximize, bool differentiable, py::object) {
        no_differentiable(differentiable, "Adagrad");
        AdagradOptions o;
        o.lr = lr; o.lr_decay = lr_decay; o.weight_decay = wd;
        o.initial_accumulator_value = init; o.eps = eps; o.maximize = maximize;
        return std::make_shared<Adagrad>(to_groups(params, "Adagrad"), o);
      }), py::arg("params"), py::arg("lr") = 1e-2, py::arg("lr_decay") = 0.0,
         py::arg("weight_decay") = 0.0, py::arg("initial_accumulator_value") = 0.0,
         py::arg("eps") = 1e-10, py::arg("foreach") = py::none(), py::kw_only(),
         py::arg("maximize") = false, py::arg("differentiable") = false,
         py::arg("fused") = py::none());

  // ---- LR schedulers ----
  py::class_<LRScheduler, std::shared_ptr<LRScheduler>>(sub, "LRScheduler", py::dynamic_attr(), "Base class of LR schedulers.")
      .def("step", [](LRScheduler& s, py::object epoch) {
        EMBER_CHECK(epoch.is_none(), NotImplementedError, "[lr_scheduler] step(epoch) is "
                    "deprecated in torch and not supported; call step() without arguments");
        s.step();
      }, py::arg("epoch") = py::none())
      .def("get_last_lr", &LRScheduler::get_last_lr)
      .def_property_readonly("last_epoch", &LRScheduler::last_epoch)
      .def_property_readonly("base_lrs", &LRScheduler::base_lrs)
      .def_property_readonly("optimizer", &LRScheduler::optimizer)
      .def("state_dict", &scheduler_state_dict,
           "The progress counters (torch's keys); hyperparameters are not included.")
      .def("load_state_dict", &load_scheduler_state_dict, py::arg("state_dict"));
  using OptPtr = std::shared_ptr<Optimizer>;
  py::class_<StepLR, LRScheduler, std::shared_ptr<StepLR>>(sub, "StepLR", py::dynamic_attr())
      .def(py::init<OptPtr, int64_t, double, int64_t>(), py::arg("optimizer"),
           py::arg("step_size"), py::arg("gamma") = 0.1, py::arg("last_epoch") = -1);
  py::class_<MultiStepLR, LRScheduler, std::shared_ptr<MultiStepLR>>(sub, "MultiStepLR", py::dynamic_attr())
      .def(py::init<OptPtr, std::vector<int64_t>, double, int64_t>(), py::arg("optimizer"),
           py::arg("milestones"), py::arg("gamma") = 0.1, py::arg("last_epoch") = -1);
  py::class_<ExponentialLR, LRScheduler, std::shared_ptr<ExponentialLR>>(sub, "ExponentialLR", py::dynamic_attr())
      .def(py::init<OptPtr, double, int64_t>(), py::arg("optimizer"), py::arg("gamma"),
           py::arg("last_epoch") = -1);
  py::class_<CosineAnnealingLR, LRScheduler, std::shared_ptr<CosineAnnealingLR>>(sub, "CosineAnnealingLR", py::dynamic_attr())
      .def(py::init<OptPtr, int64_t, double, int64_t>(), py::arg("optimizer"), py::arg("T_max"),
           py::arg("eta_min") = 0.0, py::arg("last_epoch") = -1);
  py::class_<LinearLR, LRScheduler, std::shared_ptr<LinearLR>>(sub, "LinearLR", py::dynamic_attr())
      .def(py::init<OptPtr, double, double, int64_t, int64_t>(), py::arg("optimizer"),
           py::arg("start_factor") = 1.0 / 3, py::arg("end_factor") = 1.0,
           py::arg("total_iters") = 5, py::arg("last_epoch") = -1);
  py::class_<LambdaLR, LRScheduler, std::shared_ptr<LambdaLR>>(sub, "LambdaLR", py::dynamic_attr())
      .def(py::init([](OptPtr opt, py::object fns, int64_t last_epoch) {
        std::vector<LambdaLR::Fn> v;
        auto wrap = [](py::object f) -> LambdaLR::Fn {
          EMBER_CHECK(PyCallable_Check(f.ptr()), TypeError, "[LambdaLR] lr_lambda must be "
                      "callable, got ", type_name(f));
          return [f](int64_t e) { return py::float_(f(e)).cast<double>(); };
        };
        if (py::isinstance<py::list>(fns) || py::isinstance<py::tuple>(fns)) {
          for (const auto& f : fns) v.push_back(wrap(py::reinterpret_borrow<py::object>(f)));
          EMBER_CHECK(v.size() == opt->param_groups().size(), ValueError, "[LambdaLR] Expected ",
                      opt->param_groups().size(), " lr_lambdas, but got ", v.size());
        } else {
          v.push_back(wrap(fns));
        }
        return new LambdaLR(opt, v, last_epoch);
      }), py::arg("optimizer"), py::arg("lr_lambda"), py::arg("last_epoch") = -1);
  py::class_<OneCycleLR, LRScheduler, std::shared_ptr<OneCycleLR>>(sub, "OneCycleLR", py::dynamic_attr())
      .def(py::init([](OptPtr opt, py::object max_lr, py::object total_steps, py::object epochs,
                       py::object steps_per_epoch, double pct_start, std::string anneal,
                       bool cycle_momentum, py::object base_m, py::object max_m, double div,
                       double final_div, bool three_phase, int64_t last_epoch) {
        OneCycleOptions o;
        o.max_lr = num_or_list(max_lr);
        if (!total_steps.is_none()) {
          o.total_steps = total_steps.cast<int64_t>();
          EMBER_CHECK(o.total_steps > 0, ValueError,
                      "[OneCycleLR] Expected positive integer total_steps, but got ", o.total_steps);
        }
        if (!epochs.is_none() && !steps_per_epoch.is_none()) {
          o.epochs = epochs.cast<int64_t>();
          o.steps_per_epoch = steps_per_epoch.cast<int64_t>();
          EMBER_CHECK(o.epochs > 0, ValueError, "[OneCycleLR] Expected positive integer epochs, "
                      "but got ", o.epochs);
          EMBER_CHECK(o.steps_per_epoch > 0, ValueError, "[OneCycleLR] Expected positive integer "
                      "steps_per_epoch, but got ", o.steps_per_epoch);
        }
        o.pct_start = pct_start; o.anneal_strategy = anneal; o.cycle_momentum = cycle_momentum;
        o.base_momentum = num_or_list(base_m); o.max_momentum = num_or_list(max_m);
        o.div_factor = div; o.final_div_factor = final_div; o.three_phase = three_phase;
        o.last_epoch = last_epoch;
        return new OneCycleLR(opt, o);
      }), py::arg("optimizer"), py::arg("max_lr"), py::arg("total_steps") = py::none(),
         py::arg("epochs") = py::none(), py::arg("steps_per_epoch") = py::none(),
         py::arg("pct_start") = 0.3, py::arg("anneal_strategy") = "cos",
         py::arg("cycle_momentum") = true, py::arg("base_momentum") = 0.85,
         py::arg("max_momentum") = 0.95, py::arg("div_factor") = 25.0,
         py::arg("final_div_factor") = 1e4, py::arg("three_phase") = false,
         py::arg("last_epoch") = -1)
      .def_property_readonly("total_steps", &OneCycleLR::total_steps);
  py::class_<ReduceLROnPlateau>(sub, "ReduceLROnPlateau", py::dynamic_attr())
      .def(py::init([](OptPtr opt, std::string mode, double factor, int64_t patience,
                       double threshold, std::string threshold_mode, int64_t cooldown,
                       py::object min_lr, double eps) {
        return new ReduceLROnPlateau(opt, mode, factor, patience, threshold, threshold_mode,
                                     cooldown, num_or_list(min_lr), eps);
      }), py::arg("optimizer"), py::arg("mode") = "min", py::arg("factor") = 0.1,
         py::arg("patience") = 10, py::arg("threshold") = 1e-4, py::arg("threshold_mode") = "rel",
         py::arg("cooldown") = 0, py::arg("min_lr") = 0.0, py::arg("eps") = 1e-8)
      .def("step", [](ReduceLROnPlateau& s, py::object metrics) { s.step(metric_value(metrics)); },
           py::arg("metrics"))
      .def("get_last_lr", &ReduceLROnPlateau::get_last_lr)
      .def_property_readonly("last_epoch", &ReduceLROnPlateau::last_epoch)
      .def_property_readonly("best", &ReduceLROnPlateau::best)
      .def_property_readonly("num_bad_epochs", &ReduceLROnPlateau::num_bad_epochs)
      .def_property_readonly("cooldown_counter", &ReduceLROnPlateau::cooldown_counter)
      .def_property_readonly("optimizer", &ReduceLROnPlateau::optimizer)
      .def("state_dict", [](const ReduceLROnPlateau& s) {
        py::dict d;
        d["best"] = s.best();
        d["num_bad_epochs"] = s.num_bad_epochs();
        d["cooldown_counter"] = s.cooldown_counter();
        d["last_epoch"] = s.last_epoch();
        d["min_lrs"] = s.min_lrs();
        d["_last_lr"] = s.get_last_lr();
        return d;
      })
      .def("load_state_dict", [](ReduceLROnPlateau& s, py::dict d) {
        s.load_state(d["best"].cast<double>(), d["num_bad_epochs"].cast<int64_t>(),
                     d["cooldown_counter"].cast<int64_t>(), d["last_epoch"].cast<int64_t>(),
                     d["_last_lr"].cast<std::vector<double>>());
      }, py::arg("state_dict"));

  // `import ember` alone exposes ember._C.optim as ember.optim (from ._C import *): give it
  // the lr_scheduler namespace too, so ember.optim.lr_scheduler.StepLR works either way.
  py::module_ ls = sub.def_submodule("lr_scheduler", "LR schedulers (also ember.optim.lr_scheduler).");
  for (const char* name : {"LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR",
                           "CosineAnnealingLR", "LinearLR", "OneCycleLR", "LambdaLR",
                           "ReduceLROnPlateau"})
    ls.attr(name) = sub.attr(name);

  // ---- gradient clipping (wired as ember.nn.utils.clip_grad_*_ by the package) ----
  sub.def("_clip_grad_norm_", [](py::object params, double max_norm, py::object norm_type,
                                 bool error_if_nonfinite, py::object) {
    std::vector<Tensor> ps = to_params(params, "clip_grad_norm_");
    double p = py::float_(norm_type).cast<double>();
    py::gil_scoped_release r;
    return clip_grad_norm_(ps, max_norm, p, error_if_nonfinite);
  }, py::arg("parameters"), py::arg("max_norm"), py::arg("norm_type") = 2.0,
     py::arg("error_if_nonfinite") = false, py::arg("foreach") = py::none(),
     "Scales the grads so their total norm is at most max_norm; returns the total norm.");
  sub.def("_clip_grad_value_", [](py::object params, double clip_value, py::object) {
    std::vector<Tensor> ps = to_params(params, "clip_grad_value_");
    py::gil_scoped_release r;
    clip_grad_value_(ps, clip_value);
  }, py::arg("parameters"), py::arg("clip_value"), py::arg("foreach") = py::none(),
     "Clamps every grad to [-clip_value, clip_value] in place.");
  sub.def("_get_total_norm", [](py::object tensors, py::object norm_type, bool error_if_nonfinite,
                                py::object) {
    std::vector<Tensor> ts = to_params(tensors, "get_total_norm");
    double p = py::float_(norm_type).cast<double>();
    py::gil_scoped_release r;
    return get_total_norm(ts, p, error_if_nonfinite);
  }, py::arg("tensors"), py::arg("norm_type") = 2.0, py::arg("error_if_nonfinite") = false,
     py::arg("foreach") = py::none());
}

}  // namespace ember::python

// ember._C.optim: NAdam, RAdam, Adamax, Adadelta, ASGD and Rprop bound with PyTorch's
// signatures (foreach / capturable accepted and ignored; differentiable=True raises), and the
// schedulers of lr_scheduler_more.h. Conversion only; checks live in the core.
#include <pybind11/functional.h>

#include "bind.h"
#include "ember/optim/adadelta_asgd_rprop.h"
#include "ember/optim/adam_variants.h"
#include "ember/optim/lr_scheduler_more.h"
#include "optim_convert.h"

namespace ember::python {

using namespace ember::optim;
using conv::no_differentiable;
using conv::to_betas;
using conv::to_groups;

namespace {

template <class Opt>
using OptClass = py::class_<Opt, Optimizer, std::shared_ptr<Opt>>;

void bind_adam_variants(py::module_& sub) {
  OptClass<NAdam>(sub, "NAdam", py::dynamic_attr(), "NAdam, as torch.optim.NAdam.")
      .def(py::init([](py::object params, double lr, py::object betas, double eps, double wd,
                       double md, bool decoupled, py::object, bool maximize, bool, bool d) {
        no_differentiable(d, "NAdam");
        NAdamOptions o;
        std::tie(o.beta1, o.beta2) = to_betas(betas, "NAdam");
        o.lr = lr; o.eps = eps; o.weight_decay = wd; o.momentum_decay = md;
        o.decoupled_weight_decay = decoupled; o.maximize = maximize;
        return std::make_shared<NAdam>(to_groups(params, "NAdam"), o);
      }), py::arg("params"), py::arg("lr") = 2e-3, py::arg("betas") = py::make_tuple(0.9, 0.999),
         py::arg("eps") = 1e-8, py::arg("weight_decay") = 0.0, py::arg("momentum_decay") = 4e-3,
         py::arg("decoupled_weight_decay") = false, py::kw_only(), py::arg("foreach") = py::none(),
         py::arg("maximize") = false, py::arg("capturable") = false,
         py::arg("differentiable") = false);
  OptClass<RAdam>(sub, "RAdam", py::dynamic_attr(), "RAdam, as torch.optim.RAdam.")
      .def(py::init([](py::object params, double lr, py::object betas, double eps, double wd,
                       bool decoupled, py::object, bool maximize, bool, bool d) {
        no_differentiable(d, "RAdam");
        RAdamOptions o;
        std::tie(o.beta1, o.beta2) = to_betas(betas, "RAdam");
        o.lr = lr; o.eps = eps; o.weight_decay = wd; o.decoupled_weight_decay = decoupled;
        o.maximize = maximize;
        return std::make_shared<RAdam>(to_groups(params, "RAdam"), o);
      }), py::arg("params"), py::arg("lr") = 1e-3, py::arg("betas") = py::make_tuple(0.9, 0.999),
         py::arg("eps") = 1e-8, py::arg("weight_decay") = 0.0,
         py::arg("decoupled_weight_decay") = false, py::kw_only(), py::arg("foreach") = py::none(),
         py::arg("maximize") = false, py::arg("capturable") = false,
         py::arg("differentiable") = false);
  OptClass<Adamax>(sub, "Adamax", py::dynamic_attr(), "Adamax, as torch.optim.Adamax.")
      .def(py::init([](py::object params, double lr, py::object betas, double eps, double wd,
                       py::object, bool maximize, bool d, bool) {
        no_differentiable(d, "Adamax");
        AdamaxOptions o;
        std::tie(o.beta1, o.beta2) = to_betas(betas, "Adamax");
        o.lr = lr; o.eps = eps; o.weight_decay = wd; o.maximize = maximize;
        return std::make_shared<Adamax>(to_groups(params, "Adamax"), o);
      }), py::arg("params"), py::arg("lr") = 2e-3, py::arg("betas") = py::make_tuple(0.9, 0.999),
         py::arg("eps") = 1e-8, py::arg("weight_decay") = 0.0, py::arg("foreach") = py::none(),
         py::kw_only(), py::arg("maximize") = false, py::arg("differentiable") = false,
         py::arg("capturable") = false);
}

void bind_classic(py::module_& sub) {
  OptClass<Adadelta>(sub, "Adadelta", py::dynamic_attr(), "Adadelta, as torch.optim.Adadelta.")
      .def(py::init([](py::object params, double lr, double rho, double eps, double wd, py::object,
                       bool, bool maximize, bool d) {
        no_differentiable(d, "Adadelta");
        AdadeltaOptions o;
        o.lr = lr; o.rho = rho; o.eps = eps; o.weight_decay = wd; o.maximize = maximize;
        return std::make_shared<Adadelta>(to_groups(params, "Adadelta"), o);
      }), py::arg("params"), py::arg("lr") = 1.0, py::arg("rho") = 0.9, py::arg("eps") = 1e-6,
         py::arg("weight_decay") = 0.0, py::arg("foreach") = py::none(), py::kw_only(),
         py::arg("capturable") = false, py::arg("maximize") = false,
         py::arg("differentiable") = false);
  OptClass<ASGD>(sub, "ASGD", py::dynamic_attr(), "Averaged SGD, as torch.optim.ASGD.")
      .def(py::init([](py::object params, double lr, double lambd, double alpha, double t0,
                       double wd, py::object, bool maximize, bool d, bool) {
        no_differentiable(d, "ASGD");
        ASGDOptions o;
        o.lr = lr; o.lambd = lambd; o.alpha = alpha; o.t0 = t0; o.weight_decay = wd;
        o.maximize = maximize;
        return std::make_shared<ASGD>(to_groups(params, "ASGD"), o);
      }), py::arg("params"), py::arg("lr") = 1e-2, py::arg("lambd") = 1e-4,
         py::arg("alpha") = 0.75, py::arg("t0") = 1e6, py::arg("weight_decay") = 0.0,
         py::arg("foreach") = py::none(), py::arg("maximize") = false,
         py::arg("differentiable") = false, py::arg("capturable") = false);
  OptClass<Rprop>(sub, "Rprop", py::dynamic_attr(), "Rprop, as torch.optim.Rprop.")
      .def(py::init([](py::object params, double lr, py::object etas, py::object sizes, bool,
                       py::object, bool maximize, bool d) {
        no_differentiable(d, "Rprop");
        RpropOptions o;
        o.lr = lr;
        std::tie(o.etaminus, o.etaplus) = to_betas(etas, "Rprop");
        std::tie(o.step_size_min, o.step_size_max) = to_betas(sizes, "Rprop");
        o.maximize = maximize;
        return std::make_shared<Rprop>(to_groups(params, "Rprop"), o);
      }), py::arg("params"), py::arg("lr") = 1e-2, py::arg("etas") = py::make_tuple(0.5, 1.2),
         py::arg("step_sizes") = py::make_tuple(1e-6, 50.0), py::kw_only(),
         py::arg("capturable") = false, py::arg("foreach") = py::none(),
         py::arg("maximize") = false, py::arg("differentiable") = false);
}

using OptPtr = std::shared_ptr<Optimizer>;
template <class S>
using SchedClass = py::class_<S, LRScheduler, std::shared_ptr<S>>;

// One callable for every group, or a list / tuple of them (one per group).
std::vector<MultiplicativeLR::Fn> lambdas(const py::object& fns, const char* op) {
  auto wrap = [op](py::object f) -> MultiplicativeLR::Fn {
    EMBER_CHECK(PyCallable_Check(f.ptr()), TypeError, "[", op, "] lr_lambda must be callable, "
                "got ", conv::type_name(f));
    return [f](int64_t e) {
      py::gil_scoped_acquire gil;
      return py::float_(f(e)).cast<double>();
    };
  };
  std::vector<MultiplicativeLR::Fn> v;
  if (py::isinstance<py::list>(fns) || py::isinstance<py::tuple>(fns)) {
    for (const auto& f : fns) v.push_back(wrap(py::reinterpret_borrow<py::object>(f)));
  } else {
    v.push_back(wrap(fns));
  }
  return v;
}

// The combinators' state_dict holds their children's under '_schedulers' (torch's layout).
template <class S>
void nested_state(SchedClass<S>& cls) {
  cls.def("state_dict", [](const S& s) {
        py::dict d = conv::scheduler_state_dict(s);
        py::list l;
        for (const auto& c : s.schedulers()) l.append(conv::scheduler_state_dict(*c));
        d["_schedulers"] = l;
        return d;
      })
      .def("load_state_dict", [](S& s, const py::dict& d) {
        conv::load_scheduler_state_dict(s, d);
        if (!d.contains("_schedulers")) return;
        py::list l = d["_schedulers"];
        EMBER_CHECK(py::len(l) == s.schedulers().size(), ValueError, "[lr_scheduler] state has ",
                    py::len(l), " schedulers, expected ", s.schedulers().size());
        for (size_t i = 0; i < s.schedulers().size(); ++i)
          conv::load_scheduler_state_dict(*s.schedulers()[i], l[i].cast<py::dict>());
      }, py::arg("state_dict"))
      .def_property_readonly("_schedulers", [](const S& s) { return s.schedulers(); });
}

void bind_schedulers(py::module_& sub) {
  SchedClass<ConstantLR>(sub, "ConstantLR", py::dynamic_attr())
      .def(py::init<OptPtr, double, int64_t, int64_t>(), py::arg("optimizer"),
           py::arg("factor") = 1.0 / 3, py::arg("total_iters") = 5, py::arg("last_epoch") = -1);
  SchedClass<MultiplicativeLR>(sub, "MultiplicativeLR", py::dynamic_attr())
      .def(py::init([](OptPtr opt, py::object fns, int64_t last_epoch) {
             return std::make_shared<MultiplicativeLR>(opt, lambdas(fns, "MultiplicativeLR"),
                                                       last_epoch);
           }), py::arg("optimizer"), py::arg("lr_lambda"), py::arg("last_epoch") = -1);
  SchedClass<PolynomialLR>(sub, "PolynomialLR", py::dynamic_attr())
      .def(py::init<OptPtr, int64_t, double, int64_t>(), py::arg("optimizer"),
           py::arg("total_iters") = 5, py::arg("power") = 1.0, py::arg("last_epoch") = -1);
  SchedClass<CosineAnnealingWarmRestarts>(sub, "CosineAnnealingWarmRestarts", py::dynamic_attr())
      .def(py::init<OptPtr, int64_t, int64_t, double, int64_t>(), py::arg("optimizer"),
           py::arg("T_0"), py::arg("T_mult") = 1, py::arg("eta_min") = 0.0,
           py::arg("last_epoch") = -1)
      .def_property_readonly("T_cur", &CosineAnnealingWarmRestarts::T_cur)
      .def_property_readonly("T_i", &CosineAnnealingWarmRestarts::T_i);
  SchedClass<CyclicLR>(sub, "CyclicLR", py::dynamic_attr())
      .def(py::init([](OptPtr opt, py::object base_lr, py::object max_lr, double up,
                       py::object down, std::string mode, double gamma, py::object scale_fn,
                       std::string scale_mode, bool cycle_momentum, py::object base_m,
                       py::object max_m, int64_t last_epoch) {
             CyclicOptions o;
             o.base_lr = conv::num_or_list(base_lr);
             o.max_lr = conv::num_or_list(max_lr);
             o.step_size_up = up;
             o.step_size_down = down.is_none() ? -1.0 : py::float_(down).cast<double>();
             o.mode = mode; o.gamma = gamma; o.scale_mode = scale_mode;
             if (!scale_fn.is_none()) {
               EMBER_CHECK(PyCallable_Check(scale_fn.ptr()), TypeError,
                           "[CyclicLR] scale_fn must be callable, got ", conv::type_name(scale_fn));
               o.scale_fn = [scale_fn](double x) {
                 py::gil_scoped_acquire gil;
                 return py::float_(scale_fn(x)).cast<double>();
               };
             }
             o.cycle_momentum = cycle_momentum;
             o.base_momentum = conv::num_or_list(base_m);
             o.max_momentum = conv::num_or_list(max_m);
             o.last_epoch = last_epoch;
             return std::make_shared<CyclicLR>(opt, o);
           }), py::arg("optimizer"), py::arg("base_lr"), py::arg("max_lr"),
           py::arg("step_size_up") = 2000, py::arg("step_size_down") = py::none(),
           py::arg("mode") = "triangular", py::arg("gamma") = 1.0,
           py::arg("scale_fn") = py::none(), py::arg("scale_mode") = "cycle",
           py::arg("cycle_momentum") = true, py::arg("base_momentum") = 0.8,
           py::arg("max_momentum") = 0.9, py::arg("last_epoch") = -1);
  SchedClass<SequentialLR> seq(sub, "SequentialLR", py::dynamic_attr());
  seq.def(py::init<OptPtr, std::vector<SchedulerPtr>, std::vector<int64_t>, int64_t>(),
          py::arg("optimizer"), py::arg("schedulers"), py::arg("milestones"),
          py::arg("last_epoch") = -1);
  nested_state(seq);
  SchedClass<ChainedScheduler> chained(sub, "ChainedScheduler", py::dynamic_attr());
  chained.def(py::init<std::vector<SchedulerPtr>, OptPtr>(), py::arg("schedulers"),
              py::arg("optimizer") = py::none());
  nested_state(chained);
  py::object ls = sub.attr("lr_scheduler");
  for (const char* name : {"ConstantLR", "MultiplicativeLR", "PolynomialLR",
                           "CosineAnnealingWarmRestarts", "CyclicLR", "SequentialLR",
                           "ChainedScheduler"})
    ls.attr(name) = sub.attr(name);
}

}  // namespace

void bind_optim_more(py::module_& m, TensorClass& /*cls*/) {
  py::module_ sub = m.attr("optim").cast<py::module_>();
  bind_adam_variants(sub);
  bind_classic(sub);
  bind_schedulers(sub);
}

}  // namespace ember::python

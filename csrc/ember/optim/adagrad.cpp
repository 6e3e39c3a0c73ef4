// Adagrad step: torch's checks, eager state (step, sum filled with the initial accumulator
// value), clr = lr / (1 + (step - 1) * lr_decay), one fused pass per parameter.
#include "ember/optim/adagrad.h"

#include <cmath>

#include "ember/core/parallel.h"
#include "ember/cpu/isa.h"

namespace ember::cpu {
EMBER_ISA_DECLARE(void, adagrad_step_f32, (float* p, const float* g, float* sum, int64_t n,
                                           float wd, float eps, float neg_clr, int flags))
}

namespace ember::optim {

namespace {

template <class T>
void adagrad_ref(T* p, const T* g, T* sum, int64_t n, T wd, T eps, T neg_clr, int flags) {
  for (int64_t i = 0; i < n; ++i) {
    T gv = g[i];
    if (flags & 1) gv = -gv;
    if (flags & 2) gv = gv + wd * p[i];
    T s = sum[i] + T(1) * gv * gv;
    sum[i] = s;
    p[i] = p[i] + neg_clr * gv / (std::sqrt(s) + eps);
  }
}

Options adagrad_defaults(const AdagradOptions& o) {
  return {{"lr", Option::real(o.lr)},
          {"lr_decay", Option::real(o.lr_decay)},
          {"eps", Option::real(o.eps)},
          {"weight_decay", Option::real(o.weight_decay)},
          {"initial_accumulator_value", Option::real(o.initial_accumulator_value)},
          {"foreach", Option::none()},
          {"maximize", Option::boolean(o.maximize)},
          {"differentiable", Option::boolean(false)},
          {"fused", Option::none()}};
}

}  // namespace

Adagrad::Adagrad(const std::vector<ParamGroup>& groups, const AdagradOptions& o)
    : Optimizer(groups, adagrad_defaults(o), "Adagrad") {
  check_all_groups();
  for (const ParamGroup& g : groups_) init_state(g);
}

void Adagrad::init_state(const ParamGroup& g) {
  const double init = g.number("initial_accumulator_value", "Adagrad");
  for (const Tensor& p : g.params) {
    EMBER_CHECK(is_floating(p.dtype()), TypeError,
                "[Adagrad] expected floating point parameters (float32 or float64), got ",
                dtype_name(p.dtype()));
    ParamState& st = state(p);
    st.set_number("step", 0.0);
    st.set_tensor("sum", detail::full_state(p, init));
  }
}

void Adagrad::check_group(const ParamGroup& g, bool ranges) const {
  const char* op = "Adagrad";
  double lr = g.number("lr", op), lr_decay = g.number("lr_decay", op),
         wd = g.number("weight_decay", op), init = g.number("initial_accumulator_value", op),
         eps = g.number("eps", op);
  EMBER_CHECK(!ranges || lr >= 0.0, ValueError, "[Adagrad] Invalid learning rate: ", format_number(lr));
  EMBER_CHECK(!ranges || lr_decay >= 0.0, ValueError, "[Adagrad] Invalid lr_decay value: ",
              format_number(lr_decay));
  EMBER_CHECK(!ranges || wd >= 0.0, ValueError, "[Adagrad] Invalid weight_decay value: ", format_number(wd));
  EMBER_CHECK(!ranges || init >= 0.0, ValueError, "[Adagrad] Invalid initial_accumulator_value value: ",
              format_number(init));
  EMBER_CHECK(!ranges || eps >= 0.0, ValueError, "[Adagrad] Invalid epsilon value: ", format_number(eps));
  EMBER_CHECK(!g.flag("differentiable", op), NotImplementedError,
              "[Adagrad] differentiable=True is not supported");
  g.flag("maximize", op);
}

void Adagrad::step_group(ParamGroup& g) {
  const char* op = "Adagrad";
  const double lr = g.number("lr", op), lr_decay = g.number("lr_decay", op),
               wd = g.number("weight_decay", op), eps = g.number("eps", op);
  const bool maximize = g.flag("maximize", op);
  for (Tensor& p : g.params) {
    if (!p.grad().defined()) continue;
    ParamState& st = state(p);
    if (!st.tensor("sum"))  // a group added later: torch creates its state in add_param_group
      st.set_tensor("sum", detail::full_state(p, g.number("initial_accumulator_value", op)));
    if (!st.number("step")) st.set_number("step", 0.0);
    double* step_p = st.number("step");
    *step_p = static_cast<double>(static_cast<float>(*step_p + 1.0));
    const double step = *step_p;
    const double clr = lr / (1 + (step - 1) * lr_decay);
    Tensor sum = *st.tensor("sum");
    const int flags = (maximize ? 1 : 0) | (wd != 0.0 ? 2 : 0);
    detail::Contig c = detail::prepare(p, p.grad());
    const int64_t n = p.numel();
    if (p.dtype() == DType::Float32) {
      float* pp = c.param.data<float>();
      const float* gp = c.grad.data<float>();
      float* sp = sum.data<float>();
      const float fwd = static_cast<float>(wd), feps = static_cast<float>(eps),
                  fclr = static_cast<float>(-clr);
      parallel_for(n, detail::kGrain, [&](int64_t b, int64_t e) {
        EMBER_ISA_CALL(adagrad_step_f32, pp + b, gp + b, sp + b, e - b, fwd, feps, fclr, flags);
      });
    } else {
      double* pp = c.param.data<double>();
      const double* gp = c.grad.data<double>();
      double* sp = sum.data<double>();
      parallel_for(n, detail::kGrain, [&](int64_t b, int64_t e) {
        adagrad_ref<double>(pp + b, gp + b, sp + b, e - b, wd, eps, -clr, flags);
      });
    }
    sum.bump_version();
    detail::finish(p, c);
  }
}

}  // namespace ember::optim

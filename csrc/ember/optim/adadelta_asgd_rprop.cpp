// Adadelta, ASGD and Rprop steps (see adadelta_asgd_rprop.h): torch's checks, lazy state and
// one elementwise pass per parameter. ASGD's eta and mu are float32 numbers like torch's
// 0-d state tensors, so the parameter updates read the same rounded values.
#include "ember/optim/adadelta_asgd_rprop.h"

#include <algorithm>
#include <cmath>

#include "ember/optim/update.h"

namespace ember::optim {

namespace {

void check_common(const ParamGroup& g, bool ranges, const char* op) {
  const double lr = g.number("lr", op);
  EMBER_CHECK(!ranges || lr >= 0.0, ValueError, "[", op, "] Invalid learning rate: ", format_number(lr));
  EMBER_CHECK(!g.flag("differentiable", op), NotImplementedError, "[", op,
              "] differentiable=True is not supported");
  g.flag("maximize", op);
}

void check_weight_decay(const ParamGroup& g, bool ranges, const char* op) {
  const double wd = g.number("weight_decay", op);
  EMBER_CHECK(!ranges || wd >= 0.0, ValueError, "[", op, "] Invalid weight_decay value: ",
              format_number(wd));
}

Tensor lazy_state(ParamState& st, const Tensor& p, const char* key, const char* op,
                  double fill = 0.0) {
  if (!st.tensor(key)) st.set_tensor(key, detail::full_state(p, fill));
  return detail::state_tensor(st, p, key, op);
}

float as_f32(double v) { return static_cast<float>(v); }

}  // namespace

Adadelta::Adadelta(const std::vector<ParamGroup>& groups, const AdadeltaOptions& o)
    : Optimizer(groups,
                {{"lr", Option::real(o.lr)}, {"rho", Option::real(o.rho)},
                 {"eps", Option::real(o.eps)}, {"weight_decay", Option::real(o.weight_decay)},
                 {"maximize", Option::boolean(o.maximize)}, {"capturable", Option::boolean(false)},
                 {"foreach", Option::none()}, {"differentiable", Option::boolean(false)}},
                "Adadelta") {
  check_all_groups();
}

void Adadelta::check_group(const ParamGroup& g, bool ranges) const {
  const char* op = "Adadelta";
  check_common(g, ranges, op);
  const double rho = g.number("rho", op), eps = g.number("eps", op);
  EMBER_CHECK(!ranges || (rho >= 0.0 && rho <= 1.0), ValueError, "[Adadelta] Invalid rho value: ",
              format_number(rho));
  EMBER_CHECK(!ranges || eps >= 0.0, ValueError, "[Adadelta] Invalid epsilon value: ",
              format_number(eps));
  check_weight_decay(g, ranges, op);
}

void Adadelta::step_group(ParamGroup& g) {
  const char* op = "Adadelta";
  const double lr = g.number("lr", op), rho = g.number("rho", op), eps = g.number("eps", op),
               wd = g.number("weight_decay", op);
  const bool maximize = g.flag("maximize", op);
  for (Tensor& p : g.params) {
    if (!p.grad().defined()) continue;
    ParamState& st = state(p);
    std::vector<Tensor> s{lazy_state(st, p, "square_avg", op), lazy_state(st, p, "acc_delta", op)};
    detail::next_step(st);
    detail::elementwise_update(p, s, op, [&](auto* pp, const auto* gp, auto* sq, auto* acc, int64_t n) {
      using T = std::remove_pointer_t<decltype(pp)>;
      const T twd = T(wd), trho = T(rho), w = T(1 - rho), teps = T(eps), nlr = T(-lr);
      for (int64_t i = 0; i < n; ++i) {
        T gv = maximize ? -gp[i] : gp[i];
        if (wd != 0.0) gv = gv + twd * pp[i];
        sq[i] = sq[i] * trho + w * gv * gv;
        const T std_ = std::sqrt(sq[i] + teps);
        const T delta = std::sqrt(acc[i] + teps) / std_ * gv;
        acc[i] = acc[i] * trho + w * delta * delta;
        pp[i] = pp[i] + nlr * delta;
      }
    });
  }
}

ASGD::ASGD(const std::vector<ParamGroup>& groups, const ASGDOptions& o)
    : Optimizer(groups,
                {{"lr", Option::real(o.lr)}, {"lambd", Option::real(o.lambd)},
                 {"alpha", Option::real(o.alpha)}, {"t0", Option::real(o.t0)},
                 {"weight_decay", Option::real(o.weight_decay)}, {"foreach", Option::none()},
                 {"maximize", Option::boolean(o.maximize)},
                 {"differentiable", Option::boolean(false)}, {"capturable", Option::boolean(false)}},
                "ASGD") {
  check_all_groups();
}

void ASGD::check_group(const ParamGroup& g, bool ranges) const {
  const char* op = "ASGD";
  check_common(g, ranges, op);
  check_weight_decay(g, ranges, op);
  g.number("lambd", op);
  g.number("alpha", op);
  g.number("t0", op);
}

void ASGD::step_group(ParamGroup& g) {
  const char* op = "ASGD";
  const double lr = g.number("lr", op), lambd = g.number("lambd", op),
               alpha = g.number("alpha", op), t0 = g.number("t0", op),
               wd = g.number("weight_decay", op);
  const bool maximize = g.flag("maximize", op);
  for (Tensor& p : g.params) {
    if (!p.grad().defined()) continue;
    ParamState& st = state(p);
    if (!st.number("eta")) st.set_number("eta", as_f32(lr));
    if (!st.number("mu")) st.set_number("mu", 1.0);
    std::vector<Tensor> s{lazy_state(st, p, "ax", op)};
    const double step = detail::next_step(st);
    const double eta = *st.number("eta"), mu = *st.number("mu");
    const bool average = mu != 1.0;
    detail::elementwise_update(p, s, op, [&](auto* pp, const auto* gp, auto* ax, auto*, int64_t n) {
      using T = std::remove_pointer_t<decltype(pp)>;
      const T twd = T(wd), decay = T(1 - lambd * eta), neta = T(-eta), tmu = T(mu);
      for (int64_t i = 0; i < n; ++i) {
        T gv = maximize ? -gp[i] : gp[i];
        if (wd != 0.0) gv = gv + twd * pp[i];
        pp[i] = pp[i] * decay;
        pp[i] = pp[i] + neta * gv;
        ax[i] = average ? ax[i] + (pp[i] - ax[i]) * tmu : pp[i];
      }
    });
    st.set_number("eta", as_f32(lr / std::pow(1 + lambd * lr * step, alpha)));
    st.set_number("mu", as_f32(1 / std::max(1.0, step - t0)));
  }
}

Rprop::Rprop(const std::vector<ParamGroup>& groups, const RpropOptions& o)
    : Optimizer(groups,
                {{"lr", Option::real(o.lr)}, {"etas", Option::pair(o.etaminus, o.etaplus)},
                 {"step_sizes", Option::pair(o.step_size_min, o.step_size_max)},
                 {"foreach", Option::none()}, {"maximize", Option::boolean(o.maximize)},
                 {"differentiable", Option::boolean(false)}, {"capturable", Option::boolean(false)}},
                "Rprop") {
  check_all_groups();
}

void Rprop::check_group(const ParamGroup& g, bool ranges) const {
  const char* op = "Rprop";
  check_common(g, ranges, op);
  const auto etas = g.pair("etas", op);
  g.pair("step_sizes", op);
  EMBER_CHECK(!ranges || (0.0 < etas.first && etas.first < 1.0 && 1.0 < etas.second), ValueError,
              "[Rprop] Invalid eta values: ", format_number(etas.first), ", ",
              format_number(etas.second));
}

void Rprop::step_group(ParamGroup& g) {
  const char* op = "Rprop";
  const double lr = g.number("lr", op);
  const auto etas = g.pair("etas", op), sizes = g.pair("step_sizes", op);
  const bool maximize = g.flag("maximize", op);
  for (Tensor& p : g.params) {
    if (!p.grad().defined()) continue;
    ParamState& st = state(p);
    std::vector<Tensor> s{lazy_state(st, p, "prev", op), lazy_state(st, p, "step_size", op, lr)};
    detail::next_step(st);
    detail::elementwise_update(p, s, op, [&](auto* pp, const auto* gp, auto* prev, auto* ss, int64_t n) {
      using T = std::remove_pointer_t<decltype(pp)>;
      const T em = T(etas.first), ep = T(etas.second), lo = T(sizes.first), hi = T(sizes.second);
      for (int64_t i = 0; i < n; ++i) {
        T gv = maximize ? -gp[i] : gp[i];
        const T prod = gv * prev[i];
        const T f = prod > T(0) ? ep : (prod < T(0) ? em : T(1));
        ss[i] = std::min(std::max(ss[i] * f, lo), hi);
        if (f == em) gv = T(0);
        const T sg = gv > T(0) ? T(1) : (gv < T(0) ? T(-1) : T(0));
        pp[i] = pp[i] - sg * ss[i];
        prev[i] = gv;
      }
    });
  }
}

}  // namespace ember::optim

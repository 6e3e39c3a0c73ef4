// NAdam, RAdam and Adamax steps (see adam_variants.h): torch's checks, lazy state and one
// elementwise pass per parameter. Scalars (bias corrections, mu products) are computed in
// double in torch's order; NAdam's mu_product is kept in float32 like torch's state tensor.
#include "ember/optim/adam_variants.h"

#include <cmath>

#include "ember/optim/update.h"

namespace ember::optim {

namespace {

Options adam_like(double lr, double b1, double b2, double eps, double wd) {
  return {{"lr", Option::real(lr)}, {"betas", Option::pair(b1, b2)}, {"eps", Option::real(eps)},
          {"weight_decay", Option::real(wd)}};
}

// torch's range checks shared by the three (lr, eps, betas, weight_decay).
void check_adam_like(const ParamGroup& g, bool ranges, const char* op) {
  const double lr = g.number("lr", op), eps = g.number("eps", op), wd = g.number("weight_decay", op);
  auto [b1, b2] = g.pair("betas", op);
  EMBER_CHECK(!ranges || lr >= 0.0, ValueError, "[", op, "] Invalid learning rate: ", format_number(lr));
  EMBER_CHECK(!ranges || eps >= 0.0, ValueError, "[", op, "] Invalid epsilon value: ", format_number(eps));
  EMBER_CHECK(!ranges || (b1 >= 0.0 && b1 < 1.0), ValueError, "[", op,
              "] Invalid beta parameter at index 0: ", format_number(b1));
  EMBER_CHECK(!ranges || (b2 >= 0.0 && b2 < 1.0), ValueError, "[", op,
              "] Invalid beta parameter at index 1: ", format_number(b2));
  EMBER_CHECK(!ranges || wd >= 0.0, ValueError, "[", op, "] Invalid weight_decay value: ",
              format_number(wd));
  EMBER_CHECK(!g.flag("differentiable", op), NotImplementedError, "[", op,
              "] differentiable=True is not supported");
  g.flag("maximize", op);
}

// exp_avg and exp_avg_sq, created on first use.
std::vector<Tensor> moments(ParamState& st, const Tensor& p, const char* op,
                            const char* second = "exp_avg_sq") {
  if (!st.tensor("exp_avg")) st.set_tensor("exp_avg", detail::zeros_state(p));
  if (!st.tensor(second)) st.set_tensor(second, detail::zeros_state(p));
  return {detail::state_tensor(st, p, "exp_avg", op), detail::state_tensor(st, p, second, op)};
}

}  // namespace

NAdam::NAdam(const std::vector<ParamGroup>& groups, const NAdamOptions& o)
    : Optimizer(groups, [&] {
        Options d = adam_like(o.lr, o.beta1, o.beta2, o.eps, o.weight_decay);
        d.push_back({"momentum_decay", Option::real(o.momentum_decay)});
        d.push_back({"decoupled_weight_decay", Option::boolean(o.decoupled_weight_decay)});
        d.push_back({"maximize", Option::boolean(o.maximize)});
        d.push_back({"foreach", Option::none()});
        d.push_back({"capturable", Option::boolean(false)});
        d.push_back({"differentiable", Option::boolean(false)});
        return d;
      }(), "NAdam") {
  check_all_groups();
}

void NAdam::check_group(const ParamGroup& g, bool ranges) const {
  check_adam_like(g, ranges, "NAdam");
  const double md = g.number("momentum_decay", "NAdam");
  EMBER_CHECK(!ranges || md >= 0.0, ValueError, "[NAdam] Invalid momentum_decay value: ",
              format_number(md));
  g.flag("decoupled_weight_decay", "NAdam");
}

void NAdam::step_group(ParamGroup& g) {
  const char* op = "NAdam";
  const double lr = g.number("lr", op), eps = g.number("eps", op), wd = g.number("weight_decay", op),
               md = g.number("momentum_decay", op);
  const auto betas = g.pair("betas", op);
  const double b1 = betas.first, b2 = betas.second;
  const bool maximize = g.flag("maximize", op), decoupled = g.flag("decoupled_weight_decay", op);
  for (Tensor& p : g.params) {
    if (!p.grad().defined()) continue;
    ParamState& st = state(p);
    if (!st.number("mu_product")) st.set_number("mu_product", 1.0);
    std::vector<Tensor> s = moments(st, p, op);
    const double step = detail::next_step(st);
    const double bc2 = 1 - std::pow(b2, step);
    const double mu = b1 * (1.0 - 0.5 * std::pow(0.96, step * md));
    const double mu_next = b1 * (1.0 - 0.5 * std::pow(0.96, (step + 1) * md));
    double* mp = st.number("mu_product");
    *mp = static_cast<double>(static_cast<float>(*mp) * static_cast<float>(mu));
    const double mu_product = *mp;
    const double mu_product_next = mu_product * mu_next;
    const double c_grad = -lr * (1.0 - mu) / (1.0 - mu_product);
    const double c_avg = -lr * mu_next / (1.0 - mu_product_next);
    detail::elementwise_update(p, s, op, [&](auto* pp, const auto* gp, auto* m, auto* v, int64_t n) {
      using T = std::remove_pointer_t<decltype(pp)>;
      const T decay = T(1 - lr * wd), twd = T(wd), w1 = T(1 - b1), tb2 = T(b2), w2 = T(1 - b2),
              tbc2 = T(bc2), teps = T(eps), cg = T(c_grad), ca = T(c_avg);
      for (int64_t i = 0; i < n; ++i) {
        T gv = maximize ? -gp[i] : gp[i];
        if (wd != 0.0) {
          if (decoupled) pp[i] = pp[i] * decay;
          else gv = gv + twd * pp[i];
        }
        m[i] = detail::lerp(m[i], gv, w1);
        v[i] = v[i] * tb2 + w2 * gv * gv;
        const T denom = std::sqrt(v[i] / tbc2) + teps;
        pp[i] = pp[i] + cg * (gv / denom);
        pp[i] = pp[i] + ca * (m[i] / denom);
      }
    });
  }
}

RAdam::RAdam(const std::vector<ParamGroup>& groups, const RAdamOptions& o)
    : Optimizer(groups, [&] {
        Options d = adam_like(o.lr, o.beta1, o.beta2, o.eps, o.weight_decay);
        d.push_back({"maximize", Option::boolean(o.maximize)});
        d.push_back({"foreach", Option::none()});
        d.push_back({"capturable", Option::boolean(false)});
        d.push_back({"decoupled_weight_decay", Option::boolean(o.decoupled_weight_decay)});
        d.push_back({"differentiable", Option::boolean(false)});
        return d;
      }(), "RAdam") {
  check_all_groups();
}

void RAdam::check_group(const ParamGroup& g, bool ranges) const {
  check_adam_like(g, ranges, "RAdam");
  g.flag("decoupled_weight_decay", "RAdam");
}

void RAdam::step_group(ParamGroup& g) {
  const char* op = "RAdam";
  const double lr = g.number("lr", op), eps = g.number("eps", op), wd = g.number("weight_decay", op);
  const auto betas = g.pair("betas", op);
  const double b1 = betas.first, b2 = betas.second;
  const bool maximize = g.flag("maximize", op), decoupled = g.flag("decoupled_weight_decay", op);
  for (Tensor& p : g.params) {
    if (!p.grad().defined()) continue;
    ParamState& st = state(p);
    std::vector<Tensor> s = moments(st, p, op);
    const double step = detail::next_step(st);
    const double bc1 = 1 - std::pow(b1, step), bc2 = 1 - std::pow(b2, step);
    const double rho_inf = 2 / (1 - b2) - 1;
    const double rho_t = rho_inf - 2 * step * std::pow(b2, step) / bc2;
    const bool rect = rho_t > 5.0;
    const double r = rect ? std::pow((rho_t - 4) * (rho_t - 2) * rho_inf /
                                         ((rho_inf - 4) * (rho_inf - 2) * rho_t), 0.5)
                          : 0.0;
    detail::elementwise_update(p, s, op, [&](auto* pp, const auto* gp, auto* m, auto* v, int64_t n) {
      using T = std::remove_pointer_t<decltype(pp)>;
      const T decay = T(1 - lr * wd), twd = T(wd), w1 = T(1 - b1), tb2 = T(b2), w2 = T(1 - b2),
              tbc1 = T(bc1), sbc2 = T(std::sqrt(bc2)), teps = T(eps), tlr = T(lr), tr = T(r);
      for (int64_t i = 0; i < n; ++i) {
        T gv = maximize ? -gp[i] : gp[i];
        if (wd != 0.0) {
          if (decoupled) pp[i] = pp[i] * decay;
          else gv = gv + twd * pp[i];
        }
        m[i] = detail::lerp(m[i], gv, w1);
        v[i] = v[i] * tb2 + w2 * gv * gv;
        const T bcm = m[i] / tbc1;
        if (rect) pp[i] = pp[i] - ((bcm * tlr) * (sbc2 / (std::sqrt(v[i]) + teps))) * tr;
        else pp[i] = pp[i] - bcm * tlr;
      }
    });
  }
}

Adamax::Adamax(const std::vector<ParamGroup>& groups, const AdamaxOptions& o)
    : Optimizer(groups, [&] {
        Options d = adam_like(o.lr, o.beta1, o.beta2, o.eps, o.weight_decay);
        d.push_back({"foreach", Option::none()});
        d.push_back({"maximize", Option::boolean(o.maximize)});
        d.push_back({"differentiable", Option::boolean(false)});
        d.push_back({"capturable", Option::boolean(false)});
        return d;
      }(), "Adamax") {
  check_all_groups();
}

void Adamax::check_group(const ParamGroup& g, bool ranges) const { check_adam_like(g, ranges, "Adamax"); }

void Adamax::step_group(ParamGroup& g) {
  const char* op = "Adamax";
  const double lr = g.number("lr", op), eps = g.number("eps", op), wd = g.number("weight_decay", op);
  const auto betas = g.pair("betas", op);
  const double b1 = betas.first, b2 = betas.second;
  const bool maximize = g.flag("maximize", op);
  for (Tensor& p : g.params) {
    if (!p.grad().defined()) continue;
    ParamState& st = state(p);
    std::vector<Tensor> s = moments(st, p, op, "exp_inf");
    const double step = detail::next_step(st);
    const double clr = lr / (1 - std::pow(b1, step));
    detail::elementwise_update(p, s, op, [&](auto* pp, const auto* gp, auto* m, auto* u, int64_t n) {
      using T = std::remove_pointer_t<decltype(pp)>;
      const T twd = T(wd), w1 = T(1 - b1), tb2 = T(b2), teps = T(eps), nclr = T(-clr);
      for (int64_t i = 0; i < n; ++i) {
        T gv = maximize ? -gp[i] : gp[i];
        if (wd != 0.0) gv = gv + twd * pp[i];
        m[i] = detail::lerp(m[i], gv, w1);
        const T a = u[i] * tb2, b = std::abs(gv) + teps;
        u[i] = (a != a || b != b) ? a + b : (a > b ? a : b);  // torch.maximum: NaN propagates
        pp[i] = pp[i] + nclr * (m[i] / u[i]);
      }
    });
  }
}

}  // namespace ember::optim

// RMSprop step: torch's checks, lazy state (step, square_avg, momentum_buffer, grad_avg)
// and one fused pass per parameter (SIMD float32, plain C++ float64).
#include "ember/optim/rmsprop.h"

#include <cmath>

#include "ember/core/parallel.h"
#include "ember/cpu/isa.h"

namespace ember::cpu {
EMBER_ISA_DECLARE(void, rmsprop_step_f32,
                  (float* p, const float* g, float* sq, float* gavg, float* buf, int64_t n,
                   float wd, float alpha, float one_minus_alpha, float eps, float momentum,
                   float neg_lr, int flags))
}

namespace ember::optim {

namespace {

template <class T>
void rmsprop_ref(T* p, const T* g, T* sq, T* gavg, T* buf, int64_t n, T wd, T alpha, T oma,
                 T eps, T momentum, T neg_lr, int flags) {
  const bool big = !(oma < T(0.5) && oma > T(-0.5));
  for (int64_t i = 0; i < n; ++i) {
    T gv = g[i];
    if (flags & 1) gv = -gv;
    if (flags & 2) gv = gv + wd * p[i];
    T sv = sq[i] * alpha + oma * gv * gv;
    sq[i] = sv;
    T avg;
    if (flags & 4) {
      T ga = big ? gv - (gv - gavg[i]) * (T(1) - oma) : gavg[i] + oma * (gv - gavg[i]);
      gavg[i] = ga;
      avg = std::sqrt(sv + T(-1) * ga * ga);
    } else {
      avg = std::sqrt(sv);
    }
    avg = avg + eps;
    if (flags & 8) {
      T b = buf[i] * momentum + T(1) * gv / avg;
      buf[i] = b;
      p[i] = p[i] + neg_lr * b;
    } else {
      p[i] = p[i] + neg_lr * gv / avg;
    }
  }
}

Options rmsprop_defaults(const RMSpropOptions& o) {
  return {{"lr", Option::real(o.lr)},
          {"momentum", Option::real(o.momentum)},
          {"alpha", Option::real(o.alpha)},
          {"eps", Option::real(o.eps)},
          {"centered", Option::boolean(o.centered)},
          {"weight_decay", Option::real(o.weight_decay)},
          {"capturable", Option::boolean(false)},
          {"foreach", Option::none()},
          {"maximize", Option::boolean(o.maximize)},
          {"differentiable", Option::boolean(false)}};
}

}  // namespace

RMSprop::RMSprop(const std::vector<ParamGroup>& groups, const RMSpropOptions& o)
    : Optimizer(groups, rmsprop_defaults(o), "RMSprop") {
  check_all_groups();
}

void RMSprop::check_group(const ParamGroup& g, bool ranges) const {
  const char* op = "RMSprop";
  double lr = g.number("lr", op), eps = g.number("eps", op), m = g.number("momentum", op),
         wd = g.number("weight_decay", op), alpha = g.number("alpha", op);
  EMBER_CHECK(!ranges || lr >= 0.0, ValueError, "[RMSprop] Invalid learning rate: ", format_number(lr));
  EMBER_CHECK(!ranges || eps >= 0.0, ValueError, "[RMSprop] Invalid epsilon value: ", format_number(eps));
  EMBER_CHECK(!ranges || m >= 0.0, ValueError, "[RMSprop] Invalid momentum value: ", format_number(m));
  EMBER_CHECK(!ranges || wd >= 0.0, ValueError, "[RMSprop] Invalid weight_decay value: ", format_number(wd));
  EMBER_CHECK(!ranges || alpha >= 0.0, ValueError, "[RMSprop] Invalid alpha value: ", format_number(alpha));
  EMBER_CHECK(!g.flag("differentiable", op), NotImplementedError,
              "[RMSprop] differentiable=True is not supported");
  g.flag("centered", op);
  g.flag("maximize", op);
}

void RMSprop::step_group(ParamGroup& g) {
  const char* op = "RMSprop";
  const double lr = g.number("lr", op), eps = g.number("eps", op),
               momentum = g.number("momentum", op), wd = g.number("weight_decay", op),
               alpha = g.number("alpha", op);
  const bool centered = g.flag("centered", op), maximize = g.flag("maximize", op);
  for (Tensor& p : g.params) {
    if (!p.grad().defined()) continue;
    ParamState& st = state(p);
    if (st.empty()) {
      st.set_number("step", 0.0);
      st.set_tensor("square_avg", detail::zeros_state(p));
      if (momentum > 0) st.set_tensor("momentum_buffer", detail::zeros_state(p));
      if (centered) st.set_tensor("grad_avg", detail::zeros_state(p));
    }
    if (momentum > 0 && !st.tensor("momentum_buffer"))
      st.set_tensor("momentum_buffer", detail::zeros_state(p));
    if (centered && !st.tensor("grad_avg")) st.set_tensor("grad_avg", detail::zeros_state(p));
    EMBER_CHECK(st.tensor("square_avg"), ValueError, "[RMSprop] state lacks square_avg");
    if (!st.number("step")) st.set_number("step", 0.0);
    double* step = st.number("step");
    *step = static_cast<double>(static_cast<float>(*step + 1.0));
    Tensor sq = *st.tensor("square_avg");
    Tensor ga = centered ? *st.tensor("grad_avg") : Tensor();
    Tensor buf = momentum > 0 ? *st.tensor("momentum_buffer") : Tensor();
    const int flags = (maximize ? 1 : 0) | (wd != 0.0 ? 2 : 0) | (centered ? 4 : 0) |
                      (momentum > 0 ? 8 : 0);
    detail::Contig c = detail::prepare(p, p.grad());
    const int64_t n = p.numel();
    if (p.dtype() == DType::Float32) {
      float* pp = c.param.data<float>();
      const float* gp = c.grad.data<float>();
      float* sp = sq.data<float>();
      float* ap = ga.defined() ? ga.data<float>() : nullptr;
      float* bp = buf.defined() ? buf.data<float>() : nullptr;
      const float fwd = static_cast<float>(wd), fa = static_cast<float>(alpha),
                  foma = static_cast<float>(1.0 - alpha), feps = static_cast<float>(eps),
                  fm = static_cast<float>(momentum), flr = static_cast<float>(-lr);
      parallel_for(n, detail::kGrain, [&](int64_t b, int64_t e) {
        EMBER_ISA_CALL(rmsprop_step_f32, pp + b, gp + b, sp + b, ap ? ap + b : nullptr,
                       bp ? bp + b : nullptr, e - b, fwd, fa, foma, feps, fm, flr, flags);
      });
    } else {
      double* pp = c.param.data<double>();
      const double* gp = c.grad.data<double>();
      double* sp = sq.data<double>();
      double* ap = ga.defined() ? ga.data<double>() : nullptr;
      double* bp = buf.defined() ? buf.data<double>() : nullptr;
      parallel_for(n, detail::kGrain, [&](int64_t b, int64_t e) {
        rmsprop_ref<double>(pp + b, gp + b, sp + b, ap ? ap + b : nullptr, bp ? bp + b : nullptr,
                            e - b, wd, alpha, 1.0 - alpha, eps, momentum, -lr, flags);
      });
    }
    sq.bump_version();
    if (ga.defined()) ga.bump_version();
    if (buf.defined()) buf.bump_version();
    detail::finish(p, c);
  }
}

}  // namespace ember::optim

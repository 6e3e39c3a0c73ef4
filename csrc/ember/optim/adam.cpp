// Adam / AdamW step: torch's checks and messages, lazy state (step, exp_avg, exp_avg_sq,
// max_exp_avg_sq), bias corrections in double exactly as torch computes them, then one
// fused pass per parameter (SIMD float32, plain C++ float64).
#include "ember/optim/adam.h"

#include <cmath>

#include "ember/core/parallel.h"
#include "ember/cpu/isa.h"

namespace ember::cpu {
EMBER_ISA_DECLARE(void, adam_step_f32,
                  (float* p, const float* g, float* m, float* v, float* vmax, int64_t n, float wd,
                   float decay_mul, float lerp_w, float beta2, float one_minus_beta2,
                   float bc2_sqrt, float eps, float neg_step, int flags))
}

namespace ember::optim {

namespace {

Options adam_defaults(const AdamOptions& o, bool decoupled) {
  return {{"lr", Option::real(o.lr)},
          {"betas", Option::pair(o.beta1, o.beta2)},
          {"eps", Option::real(o.eps)},
          {"weight_decay", Option::real(o.weight_decay)},
          {"amsgrad", Option::boolean(o.amsgrad)},
          {"maximize", Option::boolean(o.maximize)},
          {"foreach", Option::none()},
          {"capturable", Option::boolean(false)},
          {"differentiable", Option::boolean(false)},
          {"fused", Option::none()},
          {"decoupled_weight_decay", Option::boolean(decoupled)}};
}

template <class T>
void adam_ref(T* p, const T* g, T* m, T* v, T* vmax, int64_t n, T wd, T decay_mul, T lerp_w,
              T beta2, T omb2, T bc2s, T eps, T neg_step, int flags) {
  const bool big = flags & 16;
  for (int64_t i = 0; i < n; ++i) {
    T gv = g[i], pv = p[i];
    if (flags & 1) gv = -gv;
    if (flags & 4) pv = pv * decay_mul;
    else if (flags & 2) gv = gv + wd * pv;
    T mv = big ? gv - (gv - m[i]) * (T(1) - lerp_w) : m[i] + lerp_w * (gv - m[i]);
    T vv = v[i] * beta2;
    vv = vv + omb2 * gv * gv;
    T sq = vv;
    if (flags & 8) {
      T old = vmax[i];
      sq = (old != old || vv != vv) ? old + vv : (old > vv ? old : vv);
      vmax[i] = sq;
    }
    T denom = std::sqrt(sq) / bc2s + eps;
    p[i] = pv + neg_step * mv / denom;
    m[i] = mv;
    v[i] = vv;
  }
}

}  // namespace

Adam::Adam(const std::vector<ParamGroup>& groups, const AdamOptions& o)
    : Adam(groups, o, false, "Adam") {}

Adam::Adam(const std::vector<ParamGroup>& groups, const AdamOptions& o, bool decoupled,
           const char* name)
    : Optimizer(groups, adam_defaults(o, decoupled), name) {
  check_all_groups();
}

void Adam::check_group(const ParamGroup& g, bool ranges) const {
  const char* op = name_.c_str();
  double lr = g.number("lr", op), eps = g.number("eps", op), wd = g.number("weight_decay", op);
  auto [b1, b2] = g.pair("betas", op);
  EMBER_CHECK(!ranges || lr >= 0.0, ValueError, "[", op, "] Invalid learning rate: ", format_number(lr));
  EMBER_CHECK(!ranges || eps >= 0.0, ValueError, "[", op, "] Invalid epsilon value: ", format_number(eps));
  EMBER_CHECK(!ranges || (b1 >= 0.0 && b1 < 1.0), ValueError, "[", op, "] Invalid beta parameter at index 0: ",
              format_number(b1));
  EMBER_CHECK(!ranges || (b2 >= 0.0 && b2 < 1.0), ValueError, "[", op, "] Invalid beta parameter at index 1: ",
              format_number(b2));
  EMBER_CHECK(!ranges || wd >= 0.0, ValueError, "[", op, "] Invalid weight_decay value: ", format_number(wd));
  EMBER_CHECK(!g.flag("differentiable", op), NotImplementedError, "[", op,
              "] differentiable=True is not supported");
  g.flag("amsgrad", op);
  g.flag("maximize", op);
}

void Adam::step_group(ParamGroup& g) {
  const char* op = name_.c_str();
  const double lr = g.number("lr", op), eps = g.number("eps", op),
               wd = g.number("weight_decay", op);
  const auto [beta1, beta2] = g.pair("betas", op);
  const bool amsgrad = g.flag("amsgrad", op), maximize = g.flag("maximize", op);
  const bool decoupled = g.has("decoupled_weight_decay") && g.flag("decoupled_weight_decay", op);
  for (Tensor& p : g.params) {
    if (!p.grad().defined()) continue;
    ParamState& st = state(p);
    if (st.empty()) {
      st.set_number("step", 0.0);
      st.set_tensor("exp_avg", detail::zeros_state(p));
      st.set_tensor("exp_avg_sq", detail::zeros_state(p));
      if (amsgrad) st.set_tensor("max_exp_avg_sq", detail::zeros_state(p));
    }
    if (amsgrad && !st.tensor("max_exp_avg_sq"))  // amsgrad switched on later
      st.set_tensor("max_exp_avg_sq", detail::zeros_state(p));
    Tensor* m = st.tensor("exp_avg");
    Tensor* v = st.tensor("exp_avg_sq");
    EMBER_CHECK(m && v, ValueError, "[", op, "] state of a parameter lacks exp_avg/exp_avg_sq");
    Tensor vmax = amsgrad ? *st.tensor("max_exp_avg_sq") : Tensor();
    if (!st.number("step")) st.set_number("step", 0.0);
    double* step_p = st.number("step");
    // torch keeps step in a float32 tensor.
    *step_p = static_cast<double>(static_cast<float>(*step_p + 1.0));
    const double step = *step_p;
    const double bc1 = 1.0 - std::pow(beta1, step), bc2 = 1.0 - std::pow(beta2, step);
    const double step_size = lr / bc1;
    const double bc2_sqrt = std::pow(bc2, 0.5);
    const double lerp_w = 1.0 - beta1;
    int flags = (maximize ? 1 : 0) | (amsgrad ? 8 : 0);
    if (wd != 0.0) flags |= decoupled ? 4 : 2;

    detail::Contig c = detail::prepare(p, p.grad());
    const int64_t n = p.numel();
    if (p.dtype() == DType::Float32) {
      const float flw = static_cast<float>(lerp_w);
      if (!(flw < 0.5f && flw > -0.5f)) flags |= 16;
      float* pp = c.param.data<float>();
      const float* gp = c.grad.data<float>();
      float* mp = m->data<float>();
      float* vp = v->data<float>();
      float* xp = vmax.defined() ? vmax.data<float>() : nullptr;
      const float fwd = static_cast<float>(wd), fdecay = static_cast<float>(1.0 - lr * wd),
                  fb2 = static_cast<float>(beta2), fomb2 = static_cast<float>(1.0 - beta2),
                  fbc2 = static_cast<float>(bc2_sqrt), feps = static_cast<float>(eps),
                  fstep = static_cast<float>(-step_size);
      parallel_for(n, detail::kGrain, [&](int64_t b, int64_t e) {
        EMBER_ISA_CALL(adam_step_f32, pp + b, gp + b, mp + b, vp + b, xp ? xp + b : nullptr,
                       e - b, fwd, fdecay, flw, fb2, fomb2, fbc2, feps, fstep, flags);
      });
    } else {
      if (!(lerp_w < 0.5 && lerp_w > -0.5)) flags |= 16;
      double* pp = c.param.data<double>();
      const double* gp = c.grad.data<double>();
      double* mp = m->data<double>();
      double* vp = v->data<double>();
      double* xp = vmax.defined() ? vmax.data<double>() : nullptr;
      parallel_for(n, detail::kGrain, [&](int64_t b, int64_t e) {
        adam_ref<double>(pp + b, gp + b, mp + b, vp + b, xp ? xp + b : nullptr, e - b, wd,
                         1.0 - lr * wd, lerp_w, beta2, 1.0 - beta2, bc2_sqrt, eps, -step_size,
                         flags);
      });
    }
    m->bump_version();
    v->bump_version();
    if (vmax.defined()) vmax.bump_version();
    detail::finish(p, c);
  }
}

}  // namespace ember::optim

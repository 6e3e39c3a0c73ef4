// SGD step: options checks (torch's messages) and the per-parameter fused update; float64
// runs the same formula in plain C++.
#include "ember/optim/sgd.h"

#include "ember/core/parallel.h"
#include "ember/cpu/isa.h"

namespace ember::cpu {
EMBER_ISA_DECLARE(void, sgd_step_f32, (float* p, const float* g, float* buf, int64_t n, float wd,
                                       float momentum, float one_minus_dampening, float neg_lr,
                                       int flags))
}

namespace ember::optim {

namespace {

Options sgd_defaults(const SGDOptions& o) {
  return {{"lr", Option::real(o.lr)},
          {"momentum", Option::real(o.momentum)},
          {"dampening", Option::real(o.dampening)},
          {"weight_decay", Option::real(o.weight_decay)},
          {"nesterov", Option::boolean(o.nesterov)},
          {"maximize", Option::boolean(o.maximize)},
          {"foreach", Option::none()},
          {"differentiable", Option::boolean(false)},
          {"fused", Option::none()}};
}

template <class T>
void sgd_ref(T* p, const T* g, T* buf, int64_t n, T wd, T momentum, T omd, T neg_lr, int flags) {
  for (int64_t i = 0; i < n; ++i) {
    T gv = g[i];
    if (flags & 1) gv = -gv;
    if (flags & 2) gv = gv + wd * p[i];
    if (flags & 4) {
      T b = (flags & 8) ? gv : buf[i] * momentum + omd * gv;
      buf[i] = b;
      gv = (flags & 16) ? gv + momentum * b : b;
    }
    p[i] = p[i] + neg_lr * gv;
  }
}

}  // namespace

SGD::SGD(const std::vector<ParamGroup>& groups, const SGDOptions& o)
    : Optimizer(groups, sgd_defaults(o), "SGD") {
  check_all_groups();
}

void SGD::check_group(const ParamGroup& g, bool ranges) const {
  double lr = g.number("lr", "SGD"), momentum = g.number("momentum", "SGD"),
         dampening = g.number("dampening", "SGD"), wd = g.number("weight_decay", "SGD");
  EMBER_CHECK(!ranges || lr >= 0.0, ValueError, "[SGD] Invalid learning rate: ", format_number(lr));
  EMBER_CHECK(!ranges || momentum >= 0.0, ValueError, "[SGD] Invalid momentum value: ", format_number(momentum));
  EMBER_CHECK(!ranges || wd >= 0.0, ValueError, "[SGD] Invalid weight_decay value: ", format_number(wd));
  EMBER_CHECK(!ranges || !g.flag("nesterov", "SGD") || (momentum > 0 && dampening == 0), ValueError,
              "[SGD] Nesterov momentum requires a momentum and zero dampening");
  EMBER_CHECK(!g.flag("differentiable", "SGD"), NotImplementedError,
              "[SGD] differentiable=True is not supported");
  g.flag("maximize", "SGD");
}

void SGD::step_group(ParamGroup& g) {
  const double lr = g.number("lr", "SGD"), momentum = g.number("momentum", "SGD"),
               dampening = g.number("dampening", "SGD"), wd = g.number("weight_decay", "SGD");
  const bool nesterov = g.flag("nesterov", "SGD"), maximize = g.flag("maximize", "SGD");
  for (Tensor& p : g.params) {
    if (!p.grad().defined()) continue;
    int flags = (maximize ? 1 : 0) | (wd != 0.0 ? 2 : 0);
    Tensor buf;
    if (momentum != 0.0) {
      flags |= 4 | (nesterov ? 16 : 0);
      ParamState& st = state(p);
      Tensor* b = st.tensor("momentum_buffer");
      if (!b || !b->defined()) {
        flags |= 8;  // torch: buf = grad.clone() on the first step
        st.set_tensor("momentum_buffer", detail::zeros_state(p));
        b = st.tensor("momentum_buffer");
      }
      buf = *b;
    }
    detail::Contig c = detail::prepare(p, p.grad());
    const int64_t n = p.numel();
    if (p.dtype() == DType::Float32) {
      float* pp = c.param.data<float>();
      const float* gp = c.grad.data<float>();
      float* bp = buf.defined() ? buf.data<float>() : nullptr;
      const float fwd = static_cast<float>(wd), fm = static_cast<float>(momentum),
                  fd = static_cast<float>(1.0 - dampening), flr = static_cast<float>(-lr);
      parallel_for(n, detail::kGrain, [&](int64_t b, int64_t e) {
        EMBER_ISA_CALL(sgd_step_f32, pp + b, gp + b, bp ? bp + b : nullptr, e - b, fwd, fm, fd,
                       flr, flags);
      });
    } else {
      double* pp = c.param.data<double>();
      const double* gp = c.grad.data<double>();
      double* bp = buf.defined() ? buf.data<double>() : nullptr;
      parallel_for(n, detail::kGrain, [&](int64_t b, int64_t e) {
        sgd_ref<double>(pp + b, gp + b, bp ? bp + b : nullptr, e - b, wd, momentum,
                        1.0 - dampening, -lr, flags);
      });
    }
    if (buf.defined()) buf.bump_version();
    detail::finish(p, c);
  }
}

}  // namespace ember::optim

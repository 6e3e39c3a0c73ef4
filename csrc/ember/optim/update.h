// One elementwise optimizer update over a parameter, shared by the optimizers without a
// SIMD kernel (NAdam, RAdam, Adamax, Adadelta, ASGD, Rprop): contiguous data, fixed chunks
// (any thread count gives the same bits), plain C++ in the parameter's dtype.
#pragma once
#include <type_traits>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/optim/optimizer.h"

namespace ember::optim::detail {

// k(p, g, s0, s1, n) on chunks of the parameter p, its grad g and up to two state tensors
// (nullptr when absent); T is float or double. Bumps the versions it writes.
template <class K>
void elementwise_update(const Tensor& param, const std::vector<Tensor>& states, const char* op,
                        K&& k) {
  Contig c = prepare(param, param.grad());
  dispatch_float(param.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    T* p = c.param.data<T>();
    const T* g = c.grad.data<T>();
    T* s0 = states.size() > 0 ? states[0].data<T>() : nullptr;
    T* s1 = states.size() > 1 ? states[1].data<T>() : nullptr;
    parallel_for(param.numel(), kGrain, [&](int64_t b, int64_t e) {
      k(p + b, g + b, s0 ? s0 + b : nullptr, s1 ? s1 + b : nullptr, e - b);
    });
  });
  for (const Tensor& s : states) s.bump_version();
  finish(param, c);
}

// torch's lerp: self + w (end - self) for |w| < 0.5, else end - (end - self) (1 - w).
template <class T>
inline T lerp(T self, T end, T w) {
  return (w < T(0.5) && w > T(-0.5)) ? self + w * (end - self) : end - (end - self) * (T(1) - w);
}

// A state tensor that must exist (ValueError naming op otherwise) and match the parameter.
inline Tensor state_tensor(ParamState& st, const Tensor& p, const char* key, const char* op) {
  Tensor* t = st.tensor(key);
  EMBER_CHECK(t != nullptr, ValueError, "[", op, "] state lacks ", key);
  check_state(*t, p, op, key);
  return *t;
}

// step + 1, stored like torch's float32 step tensor.
inline double next_step(ParamState& st) {
  if (!st.number("step")) st.set_number("step", 0.0);
  double* s = st.number("step");
  *s = static_cast<double>(static_cast<float>(*s + 1.0));
  return *s;
}

}  // namespace ember::optim::detail

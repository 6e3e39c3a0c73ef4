// Type promotion; see scalar.h.
#include "ember/ops/scalar.h"

namespace ember {

DType result_type(const std::vector<Tensor>& tensors, const std::vector<Scalar>& scalars) {
  // Highest dtype per priority: 0 dimensioned tensors, 1 zero-dim tensors, 2 scalars.
  bool seen[3] = {false, false, false};
  DType best[3] = {DType::Bool, DType::Bool, DType::Bool};
  auto take = [&](int p, DType t) {
    best[p] = seen[p] ? promote_types(best[p], t) : t;
    seen[p] = true;
  };
  for (const Tensor& t : tensors)
    if (t.defined()) take(t.dim() == 0 ? 1 : 0, t.dtype());
  for (const Scalar& s : scalars) take(2, s.dtype());
  DType r = DType::Bool;
  bool have = false;
  for (int p = 0; p < 3; ++p) {
    if (!seen[p]) continue;
    if (!have) {
      r = best[p];
      have = true;
    } else if (category(best[p]) > category(r)) {
      r = p == 2 && is_floating(best[p]) ? default_float : best[p];
    }
  }
  return r;
}

Tensor scalar_tensor(const Scalar& s, DType dtype) {
  Tensor t = Tensor::empty({}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    *t.data<T>() = s.to<T>();
  });
  return t;
}

}  // namespace ember

// Elementwise ops: promotion, broadcasting, autograd; kernels live in cpu/.
#include "ember/ops/elementwise.h"

#include "ember/autograd/function.h"
#include "ember/cpu/binary.h"
#include "ember/ops/creation.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::record;
using autograd::SavedTensor;
using autograd::sum_to;
using Grads = std::vector<Tensor>;

namespace {

Tensor binary_forward(cpu::BinaryOp op, const Tensor& a, const Tensor& b, DType dtype,
                      const char* name) {
  check_defined(a, name, "first operand");
  check_defined(b, name, "second operand");
  Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor out = Tensor::empty(shape, dtype);
  autograd::NoGradGuard guard;
  cpu::binary(op, out, to_dtype(a, dtype), to_dtype(b, dtype));
  return out;
}

// Out-of-place result written back into a (see autograd::rebase_history).
Tensor& inplace(Tensor& a, const Tensor& result, const char* name) {
  check_defined(a, name);
  autograd::check_inplace(a, name);
  EMBER_CHECK(result.shape() == a.shape(), ValueError, "[", name, "] output of shape ",
              shape_str(a.shape()), " does not match the broadcast shape ",
              shape_str(result.shape()));
  EMBER_CHECK(is_floating(a.dtype()) || !is_floating(result.dtype()), TypeError, "[", name,
              "] result type ", dtype_name(result.dtype()), " can't be cast to the output dtype ",
              dtype_name(a.dtype()));
  {
    autograd::NoGradGuard guard;
    copy_(a, result);
  }
  autograd::rebase_history(a, result);
  return a;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(cpu::BinaryOp::Add, a, b, result_type({a, b}), "add");
  if (autograd::any_requires_grad({a, b}))
    record("AddBackward", {a, b}, {out}, [sa = a.shape(), sb = b.shape()](const Grads& g, const auto&) {
      return Grads{sum_to(g[0], sa), sum_to(g[0], sb)};
    });
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.defined() && b.defined() && !(a.dtype() == DType::Bool && b.dtype() == DType::Bool),
              TypeError, "[sub] subtraction of bool tensors is not supported; use logical_xor");
  Tensor out = binary_forward(cpu::BinaryOp::Sub, a, b, result_type({a, b}), "sub");
  if (autograd::any_requires_grad({a, b}))
    record("SubBackward", {a, b}, {out}, [sa = a.shape(), sb = b.shape()](const Grads& g, const auto&) {
      return Grads{sum_to(g[0], sa), sum_to(neg(g[0]), sb)};
    });
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(cpu::BinaryOp::Mul, a, b, result_type({a, b}), "mul");
  if (autograd::any_requires_grad({a, b}))
    record("MulBackward", {a, b}, {out},
           [sa = SavedTensor(a), sb = SavedTensor(b)](const Grads& g, const auto& node) {
             Grads r(2);
             if (node.needs_input_grad(0)) r[0] = sum_to(mul(g[0], sb.get()), sa.get().shape());
             if (node.needs_input_grad(1)) r[1] = sum_to(mul(g[0], sa.get()), sb.get().shape());
             return r;
           });
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  DType dt = result_type({a, b});
  if (!is_floating(dt)) dt = default_float;
  Tensor out = binary_forward(cpu::BinaryOp::Div, a, b, dt, "div");
  if (autograd::any_requires_grad({a, b}))
    record("DivBackward", {a, b}, {out},
           [sa = SavedTensor(a), sb = SavedTensor(b)](const Grads& g, const auto& node) {
             Grads r(2);
             const Tensor& bb = sb.get();
             if (node.needs_input_grad(0)) r[0] = sum_to(div(g[0], bb), sa.get().shape());
             if (node.needs_input_grad(1))
               r[1] = sum_to(neg(div(mul(g[0], sa.get()), mul(bb, bb))), bb.shape());
             return r;
           });
  return out;
}

Tensor neg(const Tensor& a) {
  check_defined(a, "neg");
  EMBER_CHECK(a.dtype() != DType::Bool, TypeError, "[neg] negation of a bool tensor is not "
              "supported; use logical_not");
  return mul(a, scalar_tensor(Scalar(int64_t{-1}), a.dtype()));
}

Tensor add(const Tensor& a, const Scalar& b) { return add(a, scalar_tensor(b, result_type({a}, {b}))); }
Tensor sub(const Tensor& a, const Scalar& b) { return sub(a, scalar_tensor(b, result_type({a}, {b}))); }
Tensor rsub(const Tensor& a, const Scalar& b) { return sub(scalar_tensor(b, result_type({a}, {b})), a); }
Tensor mul(const Tensor& a, const Scalar& b) { return mul(a, scalar_tensor(b, result_type({a}, {b}))); }
Tensor div(const Tensor& a, const Scalar& b) { return div(a, scalar_tensor(b, result_type({a}, {b}))); }
Tensor rdiv(const Tensor& a, const Scalar& b) { return div(scalar_tensor(b, result_type({a}, {b})), a); }

Tensor& add_(Tensor& a, const Tensor& b) { return inplace(a, add(a, b), "add_"); }
Tensor& add_(Tensor& a, const Scalar& b) { return inplace(a, add(a, b), "add_"); }
Tensor& sub_(Tensor& a, const Tensor& b) { return inplace(a, sub(a, b), "sub_"); }
Tensor& sub_(Tensor& a, const Scalar& b) { return inplace(a, sub(a, b), "sub_"); }
Tensor& mul_(Tensor& a, const Tensor& b) { return inplace(a, mul(a, b), "mul_"); }
Tensor& mul_(Tensor& a, const Scalar& b) { return inplace(a, mul(a, b), "mul_"); }
Tensor& div_(Tensor& a, const Tensor& b) { return inplace(a, div(a, b), "div_"); }
Tensor& div_(Tensor& a, const Scalar& b) { return inplace(a, div(a, b), "div_"); }

}  // namespace ember

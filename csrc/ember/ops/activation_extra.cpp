// leaky_relu, elu (+ in-place forms) and bilinear; see activation_extra.h. The pointwise
// forwards run the shared fused kernel (cpu/activation.h) through activation_impl.h.
#include "ember/ops/activation_extra.h"

#include "ember/autograd/function.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/activation_impl.h"
#include "ember/ops/elementwise_impl.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::record;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

Tensor leaky_relu(const Tensor& a, double slope) {
  return detail::activation_op(a, "leaky_relu", "LeakyReluBackward", cpu::Act::LeakyRelu, slope,
                               0.0, 0.0, [slope](const Tensor& g, const Tensor& x) {
    return where(gt(x, Scalar(int64_t{0})), g, mul(g, Scalar(slope)));
  });
}

Tensor elu(const Tensor& a, double alpha) {
  return detail::elu_family(a, "elu", "EluBackward", alpha, 1.0, 1.0);
}

Tensor& leaky_relu_(Tensor& a, double slope) {
  return detail::activation_(a, "leaky_relu_", cpu::Act::LeakyRelu, slope, 0.0, 0.0,
                             [slope](const Tensor& x) { return leaky_relu(x, slope); });
}

Tensor& elu_(Tensor& a, double alpha) {
  return detail::activation_(a, "elu_", cpu::Act::Elu, alpha, 1.0, 1.0,
                             [alpha](const Tensor& x) { return elu(x, alpha); });
}

Tensor bilinear(const Tensor& x1, const Tensor& x2, const Tensor& weight, const Tensor& bias) {
  detail::check_float_input(x1, "bilinear");
  check_defined(x2, "bilinear", "input2");
  check_defined(weight, "bilinear", "weight");
  EMBER_CHECK(weight.dim() == 3, ValueError, "[bilinear] expected weight of shape (out_features, "
              "in1_features, in2_features), got shape ", shape_str(weight.shape()));
  EMBER_CHECK(x1.dtype() == x2.dtype() && x1.dtype() == weight.dtype(), TypeError,
              "[bilinear] expected input1, input2 and weight of one dtype, got ",
              dtype_name(x1.dtype()), ", ", dtype_name(x2.dtype()), " and ",
              dtype_name(weight.dtype()));
  const int64_t out_f = weight.size(0), in1 = weight.size(1), in2 = weight.size(2);
  EMBER_CHECK(x1.dim() >= 1 && x1.size(-1) == in1, ValueError, "[bilinear] expected input1 with "
              "last dim ", in1, " (in1_features), got shape ", shape_str(x1.shape()));
  EMBER_CHECK(x2.dim() >= 1 && x2.size(-1) == in2, ValueError, "[bilinear] expected input2 with "
              "last dim ", in2, " (in2_features), got shape ", shape_str(x2.shape()));
  EMBER_CHECK(Shape(x1.shape().begin(), x1.shape().end() - 1) ==
                  Shape(x2.shape().begin(), x2.shape().end() - 1),
              ValueError, "[bilinear] expected input1 and input2 with the same leading dims, got "
              "shapes ", shape_str(x1.shape()), " and ", shape_str(x2.shape()));
  if (bias.defined()) {
    EMBER_CHECK(bias.dtype() == weight.dtype(), TypeError, "[bilinear] expected bias of dtype ",
                dtype_name(weight.dtype()), ", got ", dtype_name(bias.dtype()));
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == out_f, ValueError, "[bilinear] expected bias "
                "of shape (", out_f, ",), got shape ", shape_str(bias.shape()));
  }
  Shape lead(x1.shape().begin(), x1.shape().end() - 1);
  int64_t n = 1;
  for (int64_t s : lead) n *= s;
  // t[n, o, j] = sum_i x1[n, i] W[o, i, j]: one GEMM against W laid out (in1, out * in2).
  Tensor a = reshape(x1, {n, in1});
  Tensor w = reshape(permute(weight, {1, 0, 2}), {in1, out_f * in2});
  Tensor t = reshape(mm(a, w), {n, out_f, in2});
  Tensor y = sum(mul(t, unsqueeze(reshape(x2, {n, in2}), 1)), {2});
  if (bias.defined()) y = add(y, bias);
  Shape out_shape = lead;
  out_shape.push_back(out_f);
  return reshape(y, out_shape);
}

}  // namespace ember

// The rest of PyTorch's activations: pointwise ones through the fused kernels of
// cpu/activation.h (backward fused too; under create_graph the same gradient in ember ops, so
// double backward works), composites (softmin, glu) and prelu (weight of 1 or
// C = input.size(1) entries). Floating inputs only.
#pragma once
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

// clamp(x, min_val, max_val); gradient 1 strictly inside, 0 at and beyond the bounds.
Tensor hardtanh(const Tensor& input, double min_val = -1.0, double max_val = 1.0);
Tensor& hardtanh_(Tensor& input, double min_val = -1.0, double max_val = 1.0);
Tensor relu6(const Tensor& input);  // hardtanh(x, 0, 6)
Tensor& relu6_(Tensor& input);
Tensor hardsigmoid(const Tensor& input);  // relu6(x + 3) / 6
Tensor& hardsigmoid_(Tensor& input);
Tensor hardswish(const Tensor& input);  // x relu6(x + 3) / 6
Tensor& hardswish_(Tensor& input);
Tensor mish(const Tensor& input);  // x tanh(softplus(x))
Tensor& mish_(Tensor& input);
// scale * (x > 0 ? x : alpha (exp(x) - 1)), PyTorch's fixed alpha and scale.
Tensor selu(const Tensor& input);
Tensor& selu_(Tensor& input);
// x > 0 ? x : alpha (exp(x / alpha) - 1); alpha != 0.
Tensor celu(const Tensor& input, double alpha = 1.0);
Tensor& celu_(Tensor& input, double alpha = 1.0);
Tensor logsigmoid(const Tensor& input);  // -softplus(-x), stable
Tensor softsign(const Tensor& input);    // x / (1 + |x|)
Tensor tanhshrink(const Tensor& input);  // x - tanh(x)
// x where |x| > lambd, else 0; gradient 0 at +-lambd.
Tensor hardshrink(const Tensor& input, double lambd = 0.5);
// x -+ lambd where |x| > lambd, else 0.
Tensor softshrink(const Tensor& input, double lambd = 0.5);
// x > threshold ? x : value.
Tensor threshold(const Tensor& input, double threshold, double value);
Tensor& threshold_(Tensor& input, double threshold, double value);
// softmax(-x) along dim.
Tensor softmin(const Tensor& input, int64_t dim, std::optional<DType> dtype = std::nullopt);
// a * sigmoid(b) with a, b the two halves of input along dim (its size must be even).
Tensor glu(const Tensor& input, int64_t dim = -1);
// x > 0 ? x : w x, w broadcast over the channel dim 1 (weight of 1 or input.size(1) entries;
// 0- and 1-dim inputs take a single weight).
Tensor prelu(const Tensor& input, const Tensor& weight);

}  // namespace ember

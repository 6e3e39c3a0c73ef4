// ember::nn::init: PyTorch's parameter initialisers (in place, no autograd recording),
// drawing from ember's Philox generator. Shapes follow PyTorch: fan_in = size(1) x
// receptive field, fan_out = size(0) x receptive field.
#pragma once
#include <optional>
#include <string>
#include <utility>

#include "ember/core/tensor.h"

namespace ember::nn::init {

// Recommended gain for a nonlinearity: linear/conv*/sigmoid 1, tanh 5/3, relu sqrt(2),
// leaky_relu sqrt(2 / (1 + slope^2)) (slope default 0.01), selu 3/4.
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t);

Tensor& uniform_(Tensor& t, double a = 0.0, double b = 1.0);
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0);
Tensor& constant_(Tensor& t, double value);
Tensor& zeros_(Tensor& t);
Tensor& ones_(Tensor& t);
Tensor& xavier_uniform_(Tensor& t, double gain = 1.0);
Tensor& xavier_normal_(Tensor& t, double gain = 1.0);
// mode "fan_in" | "fan_out"; a is the negative slope for leaky_relu.
Tensor& kaiming_uniform_(Tensor& t, double a = 0.0, const std::string& mode = "fan_in",
                         const std::string& nonlinearity = "leaky_relu");
Tensor& kaiming_normal_(Tensor& t, double a = 0.0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu");
// Normal(mean, std) truncated to [a, b], by inverse-CDF sampling.
Tensor& trunc_normal_(Tensor& t, double mean = 0.0, double std = 1.0, double a = -2.0,
                      double b = 2.0);
// (Semi-)orthogonal matrix from the QR decomposition of a Gaussian matrix, times gain.
Tensor& orthogonal_(Tensor& t, double gain = 1.0);

}  // namespace ember::nn::init

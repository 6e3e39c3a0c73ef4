// A model made of ember's standard layers, written once in C++ (here) and once in Python
// (blocks.py) with the same names: a conv block (Conv2d, BatchNorm2d, ReLU, MaxPool2d) reads an
// 8x8 digit, its 4x4 feature map becomes 16 tokens, a bidirectional LSTM and a Transformer
// encoder layer mix them, and a linear head classifies their mean. Both sides load the same
// safetensors file and give bitwise identical logits (tests/python/test_cpp_embed.py).
#pragma once
#include <memory>

#include <ember/ember.h>

namespace example {

class Blocks : public ember::nn::Module {
 public:
  static constexpr int64_t kChannels = 8, kHidden = 16, kClasses = 10;

  Blocks() {
    namespace nn = ember::nn;
    conv_ = register_module("conv", std::make_shared<nn::Conv2d>(
        1, kChannels, /*kernel_size=*/std::vector<int64_t>{3}, /*stride=*/std::vector<int64_t>{1},
        /*padding=*/std::vector<int64_t>{1}));
    bn_ = register_module("bn", std::make_shared<nn::BatchNorm2d>(kChannels));
    pool_ = register_module("pool", std::make_shared<nn::MaxPool2d>(ember::IntList{2}));
    lstm_ = register_module("lstm", std::make_shared<nn::LSTM>(
        kChannels, kHidden, /*num_layers=*/1, /*bias=*/true, /*batch_first=*/true,
        /*dropout=*/0.0, /*bidirectional=*/true));
    encoder_ = register_module("encoder", std::make_shared<nn::TransformerEncoderLayer>(
        2 * kHidden, /*nhead=*/4, /*dim_feedforward=*/64, /*dropout=*/0.0, "gelu",
        /*layer_norm_eps=*/1e-5, /*batch_first=*/true));
    head_ = register_module("head", std::make_shared<nn::Linear>(2 * kHidden, kClasses));
  }
  std::string name() const override { return "Blocks"; }

  // x (N, 1, 8, 8) -> logits (N, 10).
  ember::Tensor forward(const ember::Tensor& x) override {
    namespace nn = ember::nn;
    ember::Tensor h = (*child(conv_))(x);
    h = (*child(pool_))(ember::relu((*child(bn_))(h)));             // (N, C, 4, 4)
    h = ember::transpose(ember::flatten(h, 2), 1, 2);                 // (N, 16, C) tokens
    h = child_as<nn::LSTM>(lstm_).forward(h, ember::Tensor()).output; // (N, 16, 2 * hidden)
    h = (*child(encoder_))(h);
    return (*child(head_))(ember::mean(h, {1}));
  }

 private:
  size_t conv_, bn_, pool_, lstm_, encoder_, head_;
};

}  // namespace example

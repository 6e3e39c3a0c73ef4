// Inference with the Blocks model (conv + LSTM + Transformer encoder layer, blocks.h) whose
// weights a Python script wrote (examples/cpp/blocks.py): loads them, reads images "x"
// (N, 1, 8, 8) float32 from another safetensors file, prints the predicted digits and writes
// the logits ("logits") so that they can be compared byte for byte with Python's.
//   blocks model.safetensors inputs.safetensors logits.safetensors
#include <cstdio>
#include <stdexcept>
#include <string>

#include <ember/ember.h>

#include "blocks.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: blocks model.safetensors inputs.safetensors logits.safetensors\n");
    return 2;
  }
  try {
    example::Blocks model;
    model.load_state_dict(ember::load(argv[1]));  // strict: names and shapes must match
    model.eval();
    ember::Tensor x;
    for (const auto& [name, t] : ember::load(argv[2]))
      if (name == "x") x = t;
    if (!x.defined()) throw std::runtime_error(std::string("expected a tensor 'x' in ") + argv[2]);

    ember::autograd::NoGradGuard no_grad;
    ember::Tensor logits = ember::contiguous(model(x));
    ember::Tensor pred = ember::contiguous(ember::argmax(logits, 1));
    for (int64_t i = 0; i < pred.numel(); ++i)
      std::printf("%lld%c", static_cast<long long>(pred.data<int64_t>()[i]),
                  i + 1 == pred.numel() ? '\n' : ' ');
    ember::save({{"logits", logits}}, argv[3]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "blocks: %s\n", e.what());
    return 1;
  }
  return 0;
}

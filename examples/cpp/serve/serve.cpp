// Inference with a model trained elsewhere (train_mlp, or Python: examples/cpp/mlp.py):
// loads the MLP's weights from safetensors, reads inputs "x" (N, F) float32 from another
// safetensors file, prints the predicted class of each row and, when asked, writes the
// logits to a safetensors file ("logits") so they can be compared byte for byte.
//   serve model.safetensors inputs.safetensors [logits.safetensors]
#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <ember/ember.h>

#include "mlp.h"

using ember::Tensor;

static Tensor find(const ember::NamedTensors& tensors, const std::string& name,
                   const std::string& path) {
  for (const auto& [k, v] : tensors)
    if (k == name) return v;
  throw std::runtime_error("expected a tensor '" + name + "' in " + path);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: serve model.safetensors inputs.safetensors [logits.safetensors]\n");
    return 2;
  }
  try {
    ember::NamedTensors state = ember::load(argv[1]);
    // Layer sizes come from the weights: fc1.weight is (hidden, in), fc2.weight (out, hidden).
    Tensor w1 = find(state, "fc1.weight", argv[1]), w2 = find(state, "fc2.weight", argv[1]);
    example::MLP model(w1.size(1), w1.size(0), w2.size(0));
    model.load_state_dict(state);  // strict: names and shapes must match
    model.eval();

    Tensor x = find(ember::load(argv[2]), "x", argv[2]);
    ember::autograd::NoGradGuard no_grad;
    Tensor logits = ember::contiguous(model(x));
    Tensor pred = ember::contiguous(ember::argmax(logits, 1));
    for (int64_t i = 0; i < pred.numel(); ++i)
      std::printf("%lld%c", static_cast<long long>(pred.data<int64_t>()[i]),
                  i + 1 == pred.numel() ? '\n' : ' ');
    if (argc > 3) ember::save({{"logits", logits}}, argv[3]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serve: %s\n", e.what());
    return 1;
  }
  return 0;
}

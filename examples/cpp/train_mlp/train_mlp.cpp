// Trains the two-layer MLP of mlp.h with ember's C++ API alone: cross-entropy loss, Adam,
// full-batch steps, and saves the weights as safetensors (readable by ember.load in Python).
//   train_mlp [data.safetensors|-] [model.safetensors] [epochs]
// data holds "x" (N, F) float32 and "y" (N,) int64 class labels; "-" or nothing trains on
// a synthetic problem (labels from a random linear map, 3 classes).
#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <cstdlib>
#include <map>
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

static double accuracy(const Tensor& logits, const Tensor& y) {
  Tensor pred = ember::contiguous(ember::argmax(logits, 1));
  Tensor yc = ember::contiguous(y);
  const int64_t* p = pred.data<int64_t>();
  const int64_t* t = yc.data<int64_t>();
  int64_t n = yc.numel(), ok = 0;
  for (int64_t i = 0; i < n; ++i) ok += p[i] == t[i];
  return n ? static_cast<double>(ok) / static_cast<double>(n) : 0.0;
}

int main(int argc, char** argv) {
  std::string data_path = argc > 1 ? argv[1] : "-";
  std::string out_path = argc > 2 ? argv[2] : "mlp.safetensors";
  int epochs = argc > 3 ? std::atoi(argv[3]) : 200;
  try {
    ember::manual_seed(0);
    Tensor x, y;
    if (data_path == "-") {
      x = ember::randn({512, 4});
      y = ember::argmax(ember::matmul(x, ember::randn({4, 3})), 1);
    } else {
      ember::NamedTensors data = ember::load(data_path);
      x = find(data, "x", data_path);
      y = find(data, "y", data_path);
    }
    int64_t classes = 0;
    {
      Tensor yc = ember::contiguous(y);
      for (int64_t i = 0; i < yc.numel(); ++i)
        classes = std::max(classes, yc.data<int64_t>()[i] + 1);
    }
    example::MLP model(x.size(1), 32, classes);
    ember::optim::AdamOptions opt_options;
    opt_options.lr = 0.01;
    ember::optim::Adam opt(model.parameters(), opt_options);
    std::printf("training on %lld rows, %lld features, %lld classes, %d threads\n",
                static_cast<long long>(x.size(0)), static_cast<long long>(x.size(1)),
                static_cast<long long>(classes), ember::get_num_threads());
    for (int epoch = 0; epoch <= epochs; ++epoch) {
      opt.zero_grad();
      Tensor logits = model(x);
      Tensor loss = ember::cross_entropy(logits, y);
      if (epoch % 25 == 0 || epoch == epochs)
        std::printf("epoch %4d  loss %.6f  accuracy %.3f\n", epoch,
                    static_cast<double>(loss.data<float>()[0]), accuracy(logits, y));
      if (epoch == epochs) break;
      loss.backward();
      opt.step();
    }
    ember::save(model.state_dict(), out_path, {{"format", "ember-example-mlp"}});
    std::printf("saved %s\n", out_path.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_mlp: %s\n", e.what());
    return 1;
  }
  return 0;
}

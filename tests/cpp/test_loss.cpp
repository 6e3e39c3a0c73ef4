// C++ tests of the loss modules and functional losses without Python: values on constant
// inputs, buffers in state_dict, load_state_dict into the weight, backward, bad reduction.
// Returns non-zero on failure.
#include <cmath>
#include <cstdio>
#include <string>

#include "ember/ember.h"

using namespace ember;

static int failures = 0;
#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                                   \
    }                                                                               \
  } while (0)

static double item(const Tensor& t) { return *contiguous(t).data<float>(); }
static bool near(double a, double b) { return std::fabs(a - b) <= 1e-5 * (1 + std::fabs(b)); }

int main() {
  Tensor x = full({2, 3}, Scalar(3.0)), t = full({2, 3}, Scalar(1.0));
  nn::MSELoss mse;
  CHECK(near(item(mse(x, t)), 4.0));
  nn::L1Loss l1("sum");
  CHECK(near(item(l1(x, t)), 12.0));
  CHECK(near(item(nn::HuberLoss("mean", 1.0)(x, t)), 1.5));
  CHECK(near(item(nn::SmoothL1Loss("mean", 4.0)(x, t)), 0.5));
  CHECK(mse.repr() == "MSELoss()");

  // BCEWithLogitsLoss: buffers in state_dict, then loaded values are used by forward.
  nn::BCEWithLogitsLoss bce(Tensor(), "mean", full({3}, Scalar(1.0)));
  auto sd = bce.state_dict();
  CHECK(sd.size() == 1 && sd[0].first == "pos_weight");
  bce.load_state_dict(nn::NamedTensors{{"pos_weight", full({3}, Scalar(3.0))}});
  Tensor z = zeros({2, 3});
  CHECK(near(item(bce(z, ones({2, 3}))), 3.0 * std::log(2.0)));

  nn::CrossEntropyLoss ce(full({3}, Scalar(2.0)));
  CHECK(ce.state_dict().size() == 1 && ce.state_dict()[0].first == "weight");
  Tensor logits = zeros({2, 3});
  logits.set_requires_grad(true);
  Tensor labels = zeros({2}, DType::Int64);
  Tensor loss = ce(logits, labels);
  CHECK(near(item(loss), std::log(3.0)));
  loss.backward();
  CHECK(logits.grad().defined() && near(*logits.grad().data<float>(), (1.0 / 3 - 1) / 2));

  mse.reduction = "avg";
  bool raised = false;
  try {
    mse(x, t);
  } catch (const ValueError& e) {
    raised = std::string(e.what()).find("[mse_loss] reduction must be") != std::string::npos;
  }
  CHECK(raised);
  if (failures) std::fprintf(stderr, "%d failure(s)\n", failures);
  return failures ? 1 : 0;
}

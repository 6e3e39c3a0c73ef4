// C++-only checks of ember::optim (no Python): every optimizer minimises a quadratic
// f(x) = sum (x - t)^2 in float32 and float64, schedulers produce known lr sequences,
// clipping scales grads, state_dict round trips continue identically, bad options throw.
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ember/ember.h"

using namespace ember;
using namespace ember::optim;

static int failures = 0;
#define EXPECT(cond, ...)                                   \
  do {                                                      \
    if (!(cond)) {                                          \
      ++failures;                                           \
      std::printf("FAIL %s:%d: %s ", __FILE__, __LINE__, #cond); \
      std::printf(__VA_ARGS__);                             \
      std::printf("\n");                                    \
    }                                                       \
  } while (0)

template <class T>
Tensor filled(int64_t n, double start, double step) {
  Tensor t = Tensor::empty({n}, dtype_of<T>());
  for (int64_t i = 0; i < n; ++i) t.data<T>()[i] = static_cast<T>(start + step * i);
  return t;
}

// Sets p.grad = 2 (p - target) and returns f.
template <class T>
double quad_grad(const Tensor& p, const Tensor& target) {
  Tensor g = Tensor::empty(p.shape(), p.dtype());
  double f = 0;
  for (int64_t i = 0; i < p.numel(); ++i) {
    T d = p.data<T>()[i] - target.data<T>()[i];
    g.data<T>()[i] = 2 * d;
    f += static_cast<double>(d) * d;
  }
  p.set_grad(g);
  return f;
}

template <class T>
void minimise(const std::string& name,
              const std::function<std::shared_ptr<Optimizer>(std::vector<Tensor>)>& make,
              int steps, double tol) {
  const int64_t n = 1000;  // > one SIMD vector, with a ragged tail
  Tensor p = filled<T>(n, -2.0, 0.004);
  p.set_requires_grad(true);
  Tensor target = filled<T>(n, 1.0, -0.001);
  auto opt = make({p});
  double f0 = quad_grad<T>(p, target), f = f0;
  for (int s = 0; s < steps; ++s) {
    opt->zero_grad();
    f = quad_grad<T>(p, target);
    opt->step();
  }
  f = quad_grad<T>(p, target);
  EXPECT(std::isfinite(f) && f < tol * f0, "%s (%s): f %g -> %g", name.c_str(),
         dtype_name(dtype_of<T>()), f0, f);
}

template <class T>
void all_optimizers() {
  minimise<T>("SGD", [](auto ps) { SGDOptions o; o.lr = 0.1; return std::make_shared<SGD>(ps, o); },
              100, 1e-6);
  minimise<T>("SGD nesterov", [](auto ps) {
    SGDOptions o; o.lr = 0.05; o.momentum = 0.9; o.nesterov = true;
    return std::make_shared<SGD>(ps, o);
  }, 200, 1e-6);
  minimise<T>("Adam", [](auto ps) {
    AdamOptions o; o.lr = 0.05; o.amsgrad = true;
    return std::make_shared<Adam>(ps, o);
  }, 400, 1e-3);
  minimise<T>("AdamW", [](auto ps) {
    AdamOptions o = AdamW::default_options(); o.lr = 0.05; o.weight_decay = 1e-4;
    return std::make_shared<AdamW>(ps, o);
  }, 400, 1e-3);
  minimise<T>("RMSprop", [](auto ps) {
    RMSpropOptions o; o.lr = 0.01; o.centered = true; o.momentum = 0.5;
    return std::make_shared<RMSprop>(ps, o);
  }, 400, 1e-3);
  minimise<T>("Adagrad", [](auto ps) {
    AdagradOptions o; o.lr = 0.5;
    return std::make_shared<Adagrad>(ps, o);
  }, 400, 1e-3);
}

void schedulers() {
  Tensor p = filled<float>(3, 0, 1);
  p.set_requires_grad(true);
  SGDOptions o; o.lr = 1.0; o.momentum = 0.9;
  auto opt = std::make_shared<SGD>(std::vector<Tensor>{p}, o);
  StepLR s(opt, 2, 0.5);
  std::vector<double> want = {1.0, 1.0, 0.5, 0.5, 0.25};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT(std::fabs(s.get_last_lr()[0] - want[i]) < 1e-15, "StepLR step %zu: %g", i,
           s.get_last_lr()[0]);
    s.step();
  }
  auto opt2 = std::make_shared<SGD>(std::vector<Tensor>{filled<float>(2, 0, 1)}, o);
  CosineAnnealingLR c(opt2, 10, 0.0);
  for (int i = 0; i < 10; ++i) c.step();
  EXPECT(std::fabs(c.get_last_lr()[0]) < 1e-12, "cosine end lr %g", c.get_last_lr()[0]);
  auto opt3 = std::make_shared<SGD>(std::vector<Tensor>{filled<float>(2, 0, 1)}, o);
  OneCycleOptions oc; oc.max_lr = {1.0}; oc.total_steps = 20;
  OneCycleLR one(opt3, oc);
  EXPECT(std::fabs(one.get_last_lr()[0] - 0.04) < 1e-12, "one cycle start %g", one.get_last_lr()[0]);
  EXPECT(std::fabs(opt3->param_groups()[0].number("momentum", "t") - 0.95) < 1e-12, "momentum");
  ReduceLROnPlateau r(opt, "min", 0.5, 1);
  for (double m : {1.0, 1.0, 1.0}) r.step(m);
  EXPECT(std::fabs(opt->param_groups()[0].number("lr", "t") - 0.125) < 1e-15, "plateau lr %g",
         opt->param_groups()[0].number("lr", "t"));
}

void clipping() {
  Tensor a = filled<float>(2, 3, 1);  // grad (3, 4): norm 5
  a.set_requires_grad(true);
  a.set_grad(filled<float>(2, 3, 1));
  Tensor n = clip_grad_norm_({a}, 1.0);
  EXPECT(std::fabs(*n.data<float>() - 5.0f) < 1e-6, "norm %g", *n.data<float>());
  EXPECT(std::fabs(a.grad().data<float>()[1] - 0.8f) < 1e-6, "clipped %g", a.grad().data<float>()[1]);
  clip_grad_value_({a}, 0.7);
  EXPECT(a.grad().data<float>()[1] == 0.7f, "value clip %g", a.grad().data<float>()[1]);
}

void round_trip() {
  auto run = [](int split) {
    Tensor p = filled<float>(100, -1, 0.02), target = filled<float>(100, 0.5, 0);
    p.set_requires_grad(true);
    AdamOptions o; o.lr = 0.05;
    auto opt = std::make_shared<Adam>(std::vector<Tensor>{p}, o);
    for (int s = 0; s < 10; ++s) {
      if (s == split) {  // continue in a fresh optimizer loaded from the state dict
        StateDict sd = opt->state_dict();
        opt = std::make_shared<Adam>(std::vector<Tensor>{p});
        opt->load_state_dict(sd);
      }
      quad_grad<float>(p, target);
      opt->step();
    }
    return std::vector<float>(p.data<float>(), p.data<float>() + 100);
  };
  EXPECT(run(-1) == run(4), "state_dict round trip changed the trajectory");
}

void bad_input() {
  Tensor p = filled<float>(3, 0, 1);
  p.set_requires_grad(true);
  bool threw = false;
  try {
    SGDOptions o; o.lr = -1.0;
    SGD s({p}, o);
  } catch (const ValueError& e) {
    threw = std::string(e.what()).find("Invalid learning rate: -1.0") != std::string::npos;
  }
  EXPECT(threw, "negative lr did not raise");
  threw = false;
  try {
    SGD s(std::vector<Tensor>{});
  } catch (const ValueError& e) {
    threw = std::string(e.what()).find("empty parameter list") != std::string::npos;
  }
  EXPECT(threw, "empty parameter list did not raise");
}

int main() {
  all_optimizers<float>();
  all_optimizers<double>();
  schedulers();
  clipping();
  round_trip();
  bad_input();
  if (failures) std::printf("%d failure(s)\n", failures);
  else std::printf("test_optim: all passed\n");
  return failures ? 1 : 0;
}

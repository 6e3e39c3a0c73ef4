// C++ tests of ember::nn::Module without Python: registration, names, slots seen by forward
// after replacement, state_dict save/load and its errors, train/eval, containers, shape
// layers, concurrent forward on two threads and shallow_copy. Returns non-zero on failure.
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>

#include "ember/ember.h"

using namespace ember;

static int failures = 0;
#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                          \
    }                                                                      \
  } while (0)

template <class E, class F>
static bool throws(F&& f, const std::string& needle = "") {
  try {
    f();
  } catch (const E& e) {
    if (std::string(e.what()).find(needle) != std::string::npos) return true;
    std::fprintf(stderr, "unexpected message: %s\n", e.what());
    return false;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wrong exception type: %s\n", e.what());
    return false;
  }
  return false;
}

// y = x * scale + shift, reading its parameters through the registry slots.
class Affine : public nn::Module {
 public:
  explicit Affine(int64_t n) {
    scale_ = register_parameter("scale", full({n}, Scalar(2.0)));
    shift_ = register_parameter("shift", zeros({n}));
    register_buffer("calls", zeros({1}));
    register_buffer("scratch", zeros({n}), /*persistent=*/false);
  }
  std::string name() const override { return "Affine"; }
  std::string extra_repr() const override { return "n=" + std::to_string(param(scale_).numel()); }
  Tensor forward(const Tensor& x) override { return add(mul(x, param(scale_)), param(shift_)); }

 private:
  size_t scale_, shift_;
};

static std::vector<std::string> keys(const nn::NamedTensors& v) {
  std::vector<std::string> out;
  for (const auto& kv : v) out.push_back(kv.first);
  return out;
}

static float first(const Tensor& t) { return contiguous(to_dtype(t, DType::Float32)).data<float>()[0]; }

static void test_registration_and_names() {
  auto net = std::make_shared<nn::Sequential>();
  auto a = std::make_shared<Affine>(3);
  net->push_back(std::make_shared<nn::Flatten>());
  net->push_back(a);
  auto inner = std::make_shared<nn::Module>();
  inner->register_module("affine", a);  // shared module
  net->push_back(inner);
  CHECK((keys(net->named_parameters()) == std::vector<std::string>{"1.scale", "1.shift"}));
  CHECK((keys(net->named_parameters("", true, false)) ==
         std::vector<std::string>{"1.scale", "1.shift", "2.affine.scale", "2.affine.shift"}));
  CHECK((keys(net->state_dict()) ==
         std::vector<std::string>{"1.scale", "1.shift", "1.calls", "2.affine.scale",
                                  "2.affine.shift", "2.affine.calls"}));
  CHECK((keys(net->named_buffers()) == std::vector<std::string>{"1.calls", "1.scratch"}));
  auto mods = net->named_modules();
  CHECK(mods.size() == 4 && mods[0].first == "" && mods[3].first == "2");
  CHECK(a->param(0).impl()->is_parameter && a->param(0).requires_grad());
  CHECK(net->repr() ==
        "Sequential(\n  (0): Flatten(start_dim=1, end_dim=-1)\n  (1): Affine(n=3)\n"
        "  (2): Module(\n    (affine): Affine(n=3)\n  )\n)");
  CHECK(throws<KeyError>([&] { a->register_buffer("scale", zeros({1})); }, "already exists"));
  CHECK(throws<KeyError>([&] { a->register_parameter("a.b", zeros({1})); }, "can't contain"));
  CHECK(throws<KeyError>([&] { a->register_parameter("", zeros({1})); }, "empty"));
  CHECK(throws<ValueError>([&] { a->register_module("loop", net); }, "cycle"));
}

static void test_forward_sees_replaced_parameter() {
  Affine a(2);
  Tensor x = ones({2});
  CHECK(first(a(x)) == 2.0f);
  *a.find_parameter("scale") = full({2}, Scalar(5.0));  // what `layer.scale = P(...)` does
  CHECK(first(a(x)) == 5.0f);
  CHECK(a.remove("shift") && !a.find_parameter("shift"));
  CHECK(throws<ValueError>([&] { a(x); }));  // undefined parameter -> clear error, no crash
  a.register_parameter("shift", full({2}, Scalar(1.0)));  // revives the same slot
  CHECK(first(a(x)) == 6.0f);
  CHECK((keys(a.named_parameters()) == std::vector<std::string>{"scale", "shift"}));
}

static void test_state_dict_round_trip_and_errors() {
  Affine a(3), b(3);
  *a.find_parameter("shift") = full({3}, Scalar(1.5));
  Tensor held = b.param(1);  // an alias held elsewhere (an optimizer) sees loaded values
  auto r = b.load_state_dict(a.state_dict());
  CHECK(r.missing_keys.empty() && r.unexpected_keys.empty());
  CHECK(first(held) == 1.5f && held.requires_grad());
  nn::NamedTensors bad = {{"scale", zeros({4})}, {"bogus", zeros({1})}};
  bool raised = false;
  try {
    b.load_state_dict(bad);
  } catch (const RuntimeError& e) {
    raised = true;
    CHECK(std::string(e.what()) ==
          "Error(s) in loading state_dict for Affine:\n"
          "\tMissing key(s) in state_dict: \"shift\", \"calls\". \n"
          "\tUnexpected key(s) in state_dict: \"bogus\". \n"
          "\tsize mismatch for scale: copying a param with shape (4,) from checkpoint, the "
          "shape in current model is (3,).");
  }
  CHECK(raised);
  CHECK(first(b.param(0)) == 2.0f);  // nothing copied when it raises
  auto r2 = b.load_state_dict(nn::NamedTensors{{"scale", full({3}, Scalar(7.0), DType::Float64)}},
                              /*strict=*/false);
  CHECK(r2.missing_keys.size() == 2 && first(b.param(0)) == 7.0f);
  CHECK(b.param(0).dtype() == DType::Float32);
}

static void test_modes_grads_and_dtype() {
  nn::Sequential s({std::make_shared<Affine>(2), std::make_shared<nn::Identity>()});
  s.eval();
  CHECK(!s.is_training() && !s.at(0)->is_training() && !s.at(-1)->is_training());
  s.train();
  CHECK(s.at(1)->is_training());
  std::vector<std::string> order;
  s.apply([&](nn::Module& m) { order.push_back(m.name()); });
  CHECK((order == std::vector<std::string>{"Affine", "Identity", "Sequential"}));
  Tensor y = sum(s(ones({2})));
  y.backward();
  Tensor scale = s.at(0)->param(0);
  CHECK(scale.grad().defined());
  s.zero_grad(false);
  CHECK(scale.grad().defined() && first(scale.grad()) == 0.0f);
  s.zero_grad();
  CHECK(!scale.grad().defined());
  s.requires_grad_(false);
  CHECK(!scale.requires_grad());
  s.to(DType::Float64);
  CHECK(scale.dtype() == DType::Float64 && s.at(0)->buffer(0).dtype() == DType::Float64);
  CHECK(throws<TypeError>([&] { s.to(DType::Int64); }, "[Module.to]"));
  CHECK(throws<NotImplementedError>([&] { nn::Module().forward(scale); }, "[Module] forward"));
}

static void test_containers_and_shape_layers() {
  nn::ModuleList list({std::make_shared<nn::Identity>(), std::make_shared<nn::Identity>(),
                       std::make_shared<nn::Flatten>(0)});
  CHECK(list.repr() ==
        "ModuleList(\n  (0-1): 2 x Identity()\n  (2): Flatten(start_dim=0, end_dim=-1)\n)");
  list.erase(0);
  list.insert(0, std::make_shared<nn::Unflatten>(1, std::vector<int64_t>{2, -1}));
  CHECK((list.keys() == std::vector<std::string>{"0", "1", "2"}) && list.size() == 3);
  CHECK(throws<IndexError>([&] { list.at(3); }));
  nn::ModuleDict dict({{"b", std::make_shared<nn::Identity>()}});
  dict.set("a", std::make_shared<nn::Flatten>());
  CHECK((dict.keys() == std::vector<std::string>{"b", "a"}) && dict.contains("a"));
  CHECK(throws<KeyError>([&] { dict.get("zz"); }));
  dict.erase("b");
  CHECK(dict.size() == 1);

  Tensor x = zeros({2, 3, 4});
  CHECK((nn::Flatten()(x).shape() == Shape{2, 12}));
  CHECK((nn::Flatten(0, 1)(x).shape() == Shape{6, 4}));
  CHECK((nn::Unflatten(2, {2, 2})(x).shape() == Shape{2, 3, 2, 2}));
  CHECK((nn::Unflatten(-1, {-1, 1})(x).shape() == Shape{2, 3, 4, 1}));
  CHECK(nn::Unflatten(1, {3}).extra_repr() == "dim=1, unflattened_size=(3,)");
  CHECK(throws<ValueError>([&] { nn::Flatten(2, 1)(x); }, "[flatten]"));
  CHECK(throws<ValueError>([&] { nn::Unflatten(1, {2, 2})(x); }, "[unflatten]"));
  CHECK(throws<IndexError>([&] { nn::Flatten(0, 3)(x); }));
}

static void test_conv_layers_take_pytorch_arguments() {
  // Conv2d(in, out, kernel_size, stride, padding, dilation, groups, bias, padding_mode).
  nn::Conv2d conv(2, 4, {3}, {2}, {1}, {1}, 2, false);
  CHECK((conv.named_parameters().size() == 1));
  CHECK((conv.named_parameters()[0].second.shape() == Shape{4, 1, 3, 3}));
  CHECK(conv.extra_repr() == "2, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2, bias=False");
  CHECK((conv(zeros({1, 2, 8, 8})).shape() == Shape{1, 4, 4, 4}));
  nn::Conv1d reflect(1, 1, {3}, {1}, {1}, {1}, 1, true, "reflect");
  CHECK((reflect(zeros({1, 1, 5})).shape() == Shape{1, 1, 5}));
  nn::ConvTranspose2d up(3, 2, {2}, {2});
  CHECK((up.named_parameters()[0].second.shape() == Shape{3, 2, 2, 2}));
  CHECK((up(zeros({1, 3, 4, 4})).shape() == Shape{1, 2, 8, 8}));
}

static void test_concurrent_forward() {
  // Two host threads, two models: no shared mutable state inside the module system.
  auto make = [] {
    return std::make_shared<nn::Sequential>(std::vector<nn::ModulePtr>{
        std::make_shared<nn::Flatten>(), std::make_shared<Affine>(12),
        std::make_shared<nn::Unflatten>(1, std::vector<int64_t>{3, 4})});
  };
  auto m1 = make(), m2 = make();
  Tensor x1 = full({4, 3, 4}, Scalar(1.0)), x2 = full({4, 3, 4}, Scalar(3.0));
  float r1 = 0, r2 = 0;
  std::thread t1([&] { for (int i = 0; i < 200; ++i) r1 = first((*m1)(x1)); });
  std::thread t2([&] { for (int i = 0; i < 200; ++i) r2 = first((*m2)(x2)); });
  t1.join();
  t2.join();
  CHECK(r1 == 2.0f && r2 == 6.0f);
}

static void test_shallow_copy() {
  nn::Linear lin(3, 2);
  lin.eval();
  nn::ModulePtr c = lin.shallow_copy();
  auto* cl = dynamic_cast<nn::Linear*>(c.get());
  CHECK(cl != nullptr && !cl->is_training() && cl->extra_repr() == lin.extra_repr());
  // Same tensors until replaced; replacing the copy's entry leaves the original alone.
  CHECK(cl->find_parameter("weight")->is_same(*lin.find_parameter("weight")));
  cl->register_parameter("weight", zeros({2, 3}));
  CHECK(!lin.find_parameter("weight")->is_same(*cl->find_parameter("weight")));
  CHECK(first((*cl)(ones({1, 3}))) == first(*cl->find_parameter("bias")));
  // A class without EMBER_MODULE_COPY: an error naming it, never a copy of its base.
  CHECK(throws<NotImplementedError>([] { Affine(2).shallow_copy(); }, "Affine cannot be copied"));
}

// Forward hooks fire when a container calls its children; a pre-hook replaces the input,
// a hook the output; removal, prepend order, and always_call after a failing forward.
static void test_forward_hooks() {
  auto inner = std::make_shared<nn::Identity>();
  nn::Sequential s({inner});
  std::vector<std::string> order;
  auto h1 = inner->register_forward_pre_hook([&](nn::Module&, const Tensor& x) {
    order.push_back("pre");
    return mul(x, Scalar(2.0f));
  });
  inner->register_forward_hook([&](nn::Module& m, const Tensor&, const Tensor& y) {
    order.push_back("post:" + m.name());
    return add(y, Scalar(1.0f));
  });
  inner->register_forward_hook([&](nn::Module&, const Tensor&, const Tensor&) {
    order.push_back("first");
    return Tensor();
  }, /*prepend=*/true);
  CHECK(first(s(ones({2}))) == 3.0f);
  CHECK((order == std::vector<std::string>{"pre", "first", "post:Identity"}));
  CHECK(first(inner->forward(ones({2}))) == 1.0f);  // forward() itself runs no hooks
  auto clone = inner->shallow_copy();  // a copy has its own hooks: removal leaves them
  h1.remove();
  CHECK(first(s(ones({2}))) == 2.0f);
  CHECK(inner->hooks()->pre.empty() && clone->hooks()->pre.size() == 1);

  auto lin = std::make_shared<nn::Linear>(3, 2);
  int always = 0;
  lin->register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& y) {
    always += y.defined() ? 1 : 100;
    return Tensor();
  }, false, /*always_call=*/true);
  CHECK(throws<ValueError>([&] { (*lin)(ones({1, 4})); }, "[Linear]"));
  CHECK(always == 100);
  (*lin)(ones({1, 3}));
  CHECK(always == 101);
}

// A full backward hook sees grad_input / grad_output inside a container and may scale
// grad_input; a pre-hook may replace grad_output.
struct ScaleGradInput : nn::BackwardHook {
  std::vector<Tensor> seen_out;
  std::vector<Tensor> operator()(nn::Module&, const std::vector<Tensor>& gi,
                                 const std::vector<Tensor>& go) override {
    seen_out = go;
    return {mul(gi[0], Scalar(10.0f))};
  }
};
struct DoubleGradOutput : nn::BackwardPreHook {
  std::vector<Tensor> operator()(nn::Module&, const std::vector<Tensor>& go) override {
    return {mul(go[0], Scalar(2.0f))};
  }
};

static void test_backward_hooks() {
  auto inner = std::make_shared<nn::Identity>();
  nn::Sequential s({inner});
  auto hook = std::make_shared<ScaleGradInput>();
  auto h = inner->register_full_backward_hook(hook);
  inner->register_full_backward_pre_hook(std::make_shared<DoubleGradOutput>());
  Tensor x = ones({3});
  x.set_requires_grad(true);
  sum(s(x)).backward();
  CHECK(first(x.grad()) == 20.0f);
  CHECK(hook->seen_out.size() == 1 && first(hook->seen_out[0]) == 2.0f);
  h.remove();
  x.set_grad(Tensor());
  sum(s(x)).backward();
  CHECK(first(x.grad()) == 2.0f);
}

int main() {
  test_registration_and_names();
  test_forward_sees_replaced_parameter();
  test_state_dict_round_trip_and_errors();
  test_modes_grads_and_dtype();
  test_containers_and_shape_layers();
  test_conv_layers_take_pytorch_arguments();
  test_concurrent_forward();
  test_shallow_copy();
  test_forward_hooks();
  test_backward_hooks();
  if (failures) std::fprintf(stderr, "%d check(s) failed\n", failures);
  else std::printf("test_module: all checks passed\n");
  return failures ? 1 : 0;
}

// C++ tests of MultiheadAttention and the Transformer layers without Python: torch's
// parameter names, output shapes, attention weights that sum to one, is_causal equal to an
// explicit causal mask, independent clones in the stacks, and errors for bad input.
#include <string>

#include "check.h"
#include "ember/ember.h"

using namespace ember;

static bool has_key(const nn::NamedTensors& sd, const std::string& k) {
  for (const auto& [name, t] : sd)
    if (name == k) return true;
  return false;
}

static bool close(const Tensor& a, const Tensor& b, double tol = 1e-5) {
  if (a.shape() != b.shape()) return false;
  Tensor d = to_dtype(amax(abs(sub(a, b))), DType::Float64);
  return *d.data<double>() <= tol;
}

static void test_mha() {
  nn::MultiheadAttention mha(8, 2, 0.0, true, false, false, std::nullopt, std::nullopt, true);
  auto sd = mha.state_dict();
  CHECK(sd.size() == 4 && sd[0].first == "in_proj_weight" && sd[3].first == "out_proj.bias");
  Tensor x = randn({2, 5, 8});
  auto [y, w] = mha.forward(x, x, x);
  CHECK(y.shape() == Shape({2, 5, 8}) && w.shape() == Shape({2, 5, 5}));
  Tensor row_sums = sum(w, {-1});
  CHECK(close(row_sums, ones_like(row_sums)));
  Tensor causal = nn::square_subsequent_mask(5);
  Tensor a = mha.forward(x, x, x, Tensor(), false, Tensor(), true, true).first;
  Tensor b = mha.forward(x, x, x, Tensor(), true, causal).first;
  CHECK(close(a, b));
  CHECK_THROWS(nn::MultiheadAttention(10, 3), ValueError);
  CHECK_THROWS(mha.forward(x, randn({2, 4, 8}), randn({2, 3, 8})), ValueError);
  CHECK_THROWS(mha.forward(x, x, x, Tensor(), true, zeros({5, 5}, DType::Int64)), TypeError);
}

static void test_stacks() {
  auto layer = std::make_shared<nn::TransformerEncoderLayer>(8, 2, 16, 0.0);
  nn::TransformerEncoder enc(layer, 2, std::make_shared<nn::LayerNorm>(Shape{8}));
  auto sd = enc.state_dict();
  CHECK(has_key(sd, "layers.1.self_attn.in_proj_weight") && has_key(sd, "layers.0.norm2.bias") &&
        has_key(sd, "norm.weight"));
  Tensor w0, w1;
  for (const auto& [k, t] : sd) {
    if (k == "layers.0.linear1.weight") w0 = t;
    if (k == "layers.1.linear1.weight") w1 = t;
  }
  CHECK(equal(w0, w1) && w0.raw_data() != w1.raw_data());  // copies, not shared
  enc.eval();
  Tensor src = randn({5, 3, 8});
  Tensor y = enc.forward(src, nn::square_subsequent_mask(5), Tensor());
  CHECK(y.shape() == Shape({5, 3, 8}));
  CHECK(equal(y, enc.forward(src, Tensor(), Tensor(), true)));
  nn::Transformer tr(8, 2, 1, 1, 16, 0.0);
  CHECK(tr.forward(src, randn({4, 3, 8})).shape() == Shape({4, 3, 8}));
  CHECK_THROWS(tr.forward(src, randn({4, 2, 8})), ValueError);
  CHECK_THROWS(nn::TransformerEncoder(std::make_shared<nn::Linear>(2, 2), 2), TypeError);
}

int main() {
  test_mha();
  test_stacks();
  return check_report("test_transformer");
}

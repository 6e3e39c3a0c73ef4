// The nn-extra layers from C++: Unfold / Fold round trip, EmbeddingBag sums and its gradient,
// a removed (parametrized) parameter read by the layer's forward, and bad arguments.
#include <cstdio>

#include "check.h"
#include "ember/ember.h"

using namespace ember;

static float at(const Tensor& t, int64_t i) {
  return contiguous(to_dtype(t, DType::Float32)).data<float>()[i];
}

static void test_unfold_fold() {
  auto unfold = std::make_shared<nn::Unfold>(std::vector<int64_t>{2}, std::vector<int64_t>{1},
                                             std::vector<int64_t>{0}, std::vector<int64_t>{2});
  auto fold = std::make_shared<nn::Fold>(std::vector<int64_t>{4, 4}, std::vector<int64_t>{2},
                                         std::vector<int64_t>{1}, std::vector<int64_t>{0},
                                         std::vector<int64_t>{2});
  Tensor x = arange(Scalar(0.0), Scalar(32.0), Scalar(1.0));
  x = reshape(x, {1, 2, 4, 4});
  Tensor col = (*unfold)(x);
  CHECK(col.shape() == Shape({1, 8, 4}));
  CHECK(at(col, 1) == 2.0f);  // row (c=0, i=0, j=0), second block starts at column 2
  Tensor back = (*fold)(col);
  CHECK(back.shape() == x.shape());
  for (int64_t i = 0; i < 32; ++i) CHECK(at(back, i) == float(i));
  CHECK_THROWS(im2col(x, {5}), ValueError);
  CHECK_THROWS(col2im(col, {4, 4}, {3}), ValueError);
}

static void test_embedding_bag() {
  auto bag = std::make_shared<nn::EmbeddingBag>(5, 2, std::nullopt, 2.0, false, "sum");
  Tensor w = bag->parameters()[0];
  {
    autograd::NoGradGuard g;
    copy_(w, reshape(arange(Scalar(0.0), Scalar(10.0), Scalar(1.0)), {5, 2}));
  }
  Tensor idx = empty({4}, DType::Int64);
  int64_t vals[] = {0, 1, 4, 4};
  for (int i = 0; i < 4; ++i) idx.data<int64_t>()[i] = vals[i];
  Tensor off = zeros({2}, DType::Int64);
  off.data<int64_t>()[1] = 2;
  Tensor y = bag->forward(idx, off, Tensor());
  CHECK(y.shape() == Shape({2, 2}));
  CHECK(at(y, 0) == 2.0f && at(y, 1) == 4.0f && at(y, 2) == 16.0f && at(y, 3) == 18.0f);
  sum(y).backward();
  CHECK(at(w.grad(), 8) == 2.0f && at(w.grad(), 4) == 0.0f);
  CHECK_THROWS(nn::EmbeddingBag(5, 2, std::nullopt, 2.0, false, "min"), ValueError);
}

static void test_removed_parameter_is_read_by_forward() {
  auto lin = std::make_shared<nn::Linear>(2, 2, false);
  CHECK(!lin->set_removed_parameter("weight", ones({2, 2})));  // still live: nothing set
  lin->remove("weight");
  CHECK(lin->set_removed_parameter("weight", ones({2, 2})));
  CHECK(lin->parameters().empty() && lin->state_dict().empty());
  Tensor y = (*lin)(ones({1, 2}));
  CHECK(at(y, 0) == 2.0f && at(y, 1) == 2.0f);
}

int main() {
  test_unfold_fold();
  test_embedding_bag();
  test_removed_parameter_is_read_by_forward();
  return check_report("test_nn_extra");
}

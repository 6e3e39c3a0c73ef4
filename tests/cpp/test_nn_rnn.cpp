// The recurrent layers from C++ alone (no Python): shapes, parameter names, packed input
// equal to padded input for the valid steps, state carried across calls, errors.
#include <ember/ember.h>

#include <cmath>

#include "check.h"

using namespace ember;

static double max_abs_diff(const Tensor& a, const Tensor& b) {
  return max(abs(sub(a, b))).data<float>()[0];
}

static void test_shapes_and_names() {
  nn::LSTM lstm(8, 16, 2, true, true, 0.0, true, 4);  // batch_first, bidirectional, proj 4
  auto names = lstm.named_parameters();
  CHECK(names.size() == 20);
  CHECK(names[0].first == "weight_ih_l0" && names[4].first == "weight_hr_l0");
  CHECK(names[5].first == "weight_ih_l0_reverse" && names[19].first == "weight_hr_l1_reverse");
  CHECK(names[10].second.shape() == Shape({64, 8}));  // weight_ih_l1: input 2 * proj
  Tensor x = randn({3, 5, 8});
  nn::RNNResult r = lstm.forward(x, Tensor(), Tensor());
  CHECK(r.output.shape() == Shape({3, 5, 8}));
  CHECK(r.h_n.shape() == Shape({4, 3, 4}) && r.c_n.shape() == Shape({4, 3, 16}));
  CHECK(lstm.extra_repr() == "8, 16, proj_size=4, num_layers=2, batch_first=True, bidirectional=True");
  CHECK_THROWS(lstm.forward(randn({3, 5, 7}), Tensor(), Tensor()), ValueError);
  CHECK_THROWS(lstm.forward(x, zeros({4, 3, 5}), Tensor()), ValueError);
  CHECK_THROWS(nn::RNN(3, 4, 1, "sigmoid"), ValueError);
}

static void test_packed_equals_padded() {
  nn::GRU gru(4, 6, 2, true, false, 0.0, true);
  Tensor x = randn({5, 3, 4});
  std::vector<int64_t> lengths = {5, 2, 4};
  nn::PackedSequence p = nn::pack_padded_sequence(x, lengths, false, false);
  nn::PackedRNNResult r = gru.forward(p, Tensor());
  auto padded = nn::pad_packed_sequence(r.output);
  // Each sequence alone (no padding) gives the same output and final state.
  for (int64_t b = 0; b < 3; ++b) {
    Tensor xb = narrow(narrow(x, 1, b, 1), 0, 0, lengths[b]);
    nn::RNNResult one = gru.forward(xb, Tensor());
    Tensor yb = narrow(narrow(padded.first, 1, b, 1), 0, 0, lengths[b]);
    CHECK(max_abs_diff(one.output, yb) < 1e-5);
    CHECK(max_abs_diff(one.h_n, narrow(r.h_n, 1, b, 1)) < 1e-5);
  }
  CHECK_THROWS(nn::pack_padded_sequence(x, {5, 2, 4}, false, true), ValueError);
  CHECK_THROWS(nn::pack_padded_sequence(x, {5, 2, 0}, false, false), ValueError);
}

static void test_state_carry() {
  nn::LSTM lstm(3, 5);
  Tensor x = randn({6, 2, 3});
  nn::RNNResult whole = lstm.forward(x, Tensor(), Tensor());
  nn::RNNResult a = lstm.forward(narrow(x, 0, 0, 2), Tensor(), Tensor());
  nn::RNNResult b = lstm.forward(narrow(x, 0, 2, 4), a.h_n, a.c_n);
  CHECK(max_abs_diff(whole.h_n, b.h_n) < 1e-5 && max_abs_diff(whole.c_n, b.c_n) < 1e-5);
  nn::LSTMCell cell(3, 5);
  auto hc = cell.forward(select(x, 0, 0), Tensor(), Tensor());
  CHECK(hc.first.shape() == Shape({2, 5}) && hc.second.shape() == Shape({2, 5}));
}

int main() {
  manual_seed(0);
  test_shapes_and_names();
  test_packed_equals_padded();
  test_state_carry();
  return check_report("test_nn_rnn");
}

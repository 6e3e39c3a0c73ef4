// ember embedded in a multi-threaded host program: the thread count set from any host thread
// is process-wide, and two std::threads that each run their own model (inference many
// times, then a few SGD steps) concurrently get bitwise the results of a serial run.
// Sizes are large enough for the GEMM and elementwise kernels to go parallel inside each
// host thread (nested OpenMP teams). Returns non-zero on failure.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "check.h"
#include "ember/ember.h"

using namespace ember;

namespace {

class Net : public nn::Module {
 public:
  Net(int64_t in, int64_t hidden, int64_t out) {
    w1_ = register_parameter("w1", mul(randn({hidden, in}), Scalar(0.05)));
    b1_ = register_parameter("b1", mul(randn({hidden}), Scalar(0.05)));
    w2_ = register_parameter("w2", mul(randn({out, hidden}), Scalar(0.05)));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = relu(linear(x, param(w1_), param(b1_)));
    return softmax(linear(h, param(w2_)), 1);
  }

 private:
  size_t w1_, b1_, w2_;
};

struct Case {
  std::shared_ptr<Net> net;
  Tensor x;
  std::vector<int64_t> y;
};

struct Result {
  std::vector<Tensor> outputs;  // one per inference call
  std::vector<Tensor> trained;  // parameters after training
};

bool same_bytes(const Tensor& a, const Tensor& b) {
  Tensor ca = contiguous(a), cb = contiguous(b);
  return ca.shape() == cb.shape() && ca.dtype() == cb.dtype() &&
         std::memcmp(ca.raw_data(), cb.raw_data(), ca.numel() * ca.itemsize()) == 0;
}

constexpr int kInferences = 30;
constexpr int kSteps = 4;

// Runs on a host thread: inference kInferences times, then kSteps of SGD on a copy of the
// parameters (the model itself is left untouched so the serial rerun starts equal).
Result run(const Case& c) {
  Result r;
  {
    autograd::NoGradGuard no_grad;
    for (int i = 0; i < kInferences; ++i) r.outputs.push_back((*c.net)(c.x));
  }
  Net copy(c.x.size(1), c.net->param(0).size(0), c.net->param(2).size(0));
  copy.load_state_dict(c.net->state_dict());
  optim::SGDOptions o;
  o.lr = 0.1;
  o.momentum = 0.9;
  optim::SGD opt(copy.parameters(), o);
  Tensor target = empty({static_cast<int64_t>(c.y.size())}, DType::Int64);
  for (size_t i = 0; i < c.y.size(); ++i) target.data<int64_t>()[i] = c.y[i];
  for (int s = 0; s < kSteps; ++s) {
    opt.zero_grad();
    Tensor loss = cross_entropy(copy(c.x), target);
    loss.backward();
    opt.step();
  }
  for (const Tensor& p : copy.parameters()) r.trained.push_back(p.detach());
  return r;
}

bool same_result(const Result& a, const Result& b) {
  if (a.outputs.size() != b.outputs.size() || a.trained.size() != b.trained.size()) return false;
  for (size_t i = 0; i < a.outputs.size(); ++i)
    if (!same_bytes(a.outputs[i], b.outputs[i])) return false;
  for (size_t i = 0; i < a.trained.size(); ++i)
    if (!same_bytes(a.trained[i], b.trained[i])) return false;
  return true;
}

}  // namespace

int main() {
  // Thread control is global: a count set on one host thread is seen by all.
  int before = get_num_threads();
  std::thread([] { set_num_threads(3); }).join();
  CHECK(get_num_threads() == 3);
  std::thread([] { CHECK(get_num_threads() == 3); }).join();
  // EMBER_TEST_THREADS=1 keeps ember's kernels serial inside each host thread: the
  // ThreadSanitizer run uses it, since TSan cannot see libgomp's own synchronisation.
  const char* env = std::getenv("EMBER_TEST_THREADS");
  set_num_threads(env ? std::atoi(env) : 2);

  // Models and data are made on the main thread (random ops share one generator).
  manual_seed(7);
  std::vector<Case> cases;
  for (int k = 0; k < 2; ++k) {
    Case c;
    c.net = std::make_shared<Net>(192, 256, 10);
    c.x = randn({96, 192});
    for (int i = 0; i < 96; ++i) c.y.push_back((i * 7 + k) % 10);
    cases.push_back(c);
  }

  std::vector<Result> serial;
  for (const Case& c : cases) serial.push_back(run(c));
  // Each inference within a run is the same too.
  for (const Result& r : serial)
    for (const Tensor& t : r.outputs) CHECK(same_bytes(t, r.outputs[0]));

  for (int round = 0; round < 2; ++round) {
    std::vector<Result> concurrent(cases.size());
    std::vector<std::thread> threads;
    for (size_t k = 0; k < cases.size(); ++k)
      threads.emplace_back([&, k] { concurrent[k] = run(cases[k]); });
    for (std::thread& t : threads) t.join();
    for (size_t k = 0; k < cases.size(); ++k) CHECK(same_result(concurrent[k], serial[k]));
  }

  // The same model shared by two threads for inference (forward does not mutate it).
  {
    std::vector<Result> shared(2);
    std::thread a([&] { shared[0] = run(cases[0]); });
    std::thread b([&] { shared[1] = run(cases[0]); });
    a.join();
    b.join();
    CHECK(same_result(shared[0], serial[0]));
    CHECK(same_result(shared[1], serial[0]));
  }

  set_num_threads(before);
  return check_report("test_threads_embed");
}

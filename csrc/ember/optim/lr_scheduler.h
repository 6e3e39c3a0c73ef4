// Learning-rate schedulers (ember::optim), each holding its optimizer and writing the
// groups' "lr" like PyTorch's torch.optim.lr_scheduler: construction sets "initial_lr" and
// performs torch's initial step; step() uses torch's recursive (chainable) formulas so lr
// sequences match torch's to rounding. step(epoch) (deprecated in torch) is not provided.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ember/optim/optimizer.h"

namespace ember::optim {

namespace detail {
constexpr double kPi = 3.14159265358979323846;
// v with one value per param group: a single value is repeated; ValueError (naming op and
// name) when v has another length than n.
std::vector<double> per_group(const std::vector<double>& v, size_t n, const char* op,
                              const char* name);
}  // namespace detail

// The progress counters of a scheduler (torch's state_dict keys last_epoch, _step_count,
// base_lrs, _last_lr); hyperparameters stay those given to the constructor.
struct SchedulerState {
  int64_t last_epoch = -1, step_count = 0;
  std::vector<double> base_lrs, last_lr;
};

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  SchedulerState state() const { return {last_epoch_, step_count_, base_lrs_, last_lr_}; }
  virtual void load_state(const SchedulerState& s);
  virtual void step();
  // torch's step(0), as SequentialLR calls it at a milestone: last_epoch 0 and the lrs of the
  // closed form at epoch 0 where torch has one (else get_lr).
  virtual void restart();
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::shared_ptr<Optimizer>& optimizer() const { return optimizer_; }

 protected:
  LRScheduler(std::shared_ptr<Optimizer> optimizer, int64_t last_epoch, const char* name);
  // Subclass constructors call this last (get_lr is virtual).
  void initial_step();
  virtual std::vector<double> get_lr() = 0;
  virtual std::vector<double> closed_form_at_zero() { return get_lr(); }
  std::vector<double> group_lrs() const;
  void set_lrs(const std::vector<double>& values);  // writes the groups' lr and last_lr
  friend class SequentialLR;  // rewinds and starts its children like torch

  std::shared_ptr<Optimizer> optimizer_;
  std::string name_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;
  bool is_initial_ = false;
  std::vector<double> base_lrs_, last_lr_;
};

class StepLR : public LRScheduler {
 public:
  std::vector<double> closed_form_at_zero() override { return base_lrs_; }
  StepLR(std::shared_ptr<Optimizer> opt, int64_t step_size, double gamma = 0.1,
         int64_t last_epoch = -1);
 protected:
  std::vector<double> get_lr() override;
  int64_t step_size_;
  double gamma_;
};

class MultiStepLR : public LRScheduler {
 public:
  std::vector<double> closed_form_at_zero() override { return base_lrs_; }
  MultiStepLR(std::shared_ptr<Optimizer> opt, std::vector<int64_t> milestones,
              double gamma = 0.1, int64_t last_epoch = -1);
 protected:
  std::vector<double> get_lr() override;
  std::vector<int64_t> milestones_;  // with repeats, like torch's Counter
  double gamma_;
};

class ExponentialLR : public LRScheduler {
 public:
  std::vector<double> closed_form_at_zero() override { return base_lrs_; }
  ExponentialLR(std::shared_ptr<Optimizer> opt, double gamma, int64_t last_epoch = -1);
 protected:
  std::vector<double> get_lr() override;
  double gamma_;
};

class CosineAnnealingLR : public LRScheduler {
 public:
  std::vector<double> closed_form_at_zero() override { return base_lrs_; }
  CosineAnnealingLR(std::shared_ptr<Optimizer> opt, int64_t T_max, double eta_min = 0.0,
                    int64_t last_epoch = -1);
 protected:
  std::vector<double> get_lr() override;
  int64_t T_max_;
  double eta_min_;
};

class LinearLR : public LRScheduler {
 public:
  std::vector<double> closed_form_at_zero() override;
  LinearLR(std::shared_ptr<Optimizer> opt, double start_factor = 1.0 / 3, double end_factor = 1.0,
           int64_t total_iters = 5, int64_t last_epoch = -1);
 protected:
  std::vector<double> get_lr() override;
  double start_, end_;
  int64_t total_iters_;
};

class LambdaLR : public LRScheduler {
 public:
  using Fn = std::function<double(int64_t)>;
  // One function for every group, or one per group.
  LambdaLR(std::shared_ptr<Optimizer> opt, std::vector<Fn> lr_lambdas, int64_t last_epoch = -1);
 protected:
  std::vector<double> get_lr() override;
  std::vector<Fn> fns_;
};

struct OneCycleOptions {
  std::vector<double> max_lr;  // one value for all groups, or one per group
  int64_t total_steps = 0;     // or epochs * steps_per_epoch
  int64_t epochs = 0, steps_per_epoch = 0;
  double pct_start = 0.3;
  std::string anneal_strategy = "cos";
  bool cycle_momentum = true;
  std::vector<double> base_momentum{0.85}, max_momentum{0.95};
  double div_factor = 25.0, final_div_factor = 1e4;
  bool three_phase = false;
  int64_t last_epoch = -1;
};

class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(std::shared_ptr<Optimizer> opt, const OneCycleOptions& options);
  int64_t total_steps() const { return total_steps_; }
 protected:
  std::vector<double> get_lr() override;
  double anneal(double start, double end, double pct) const;
  struct Phase {
    double end_step;
    const char *start_lr, *end_lr, *start_m, *end_m;
  };
  std::vector<Phase> phases_;
  int64_t total_steps_;
  bool cos_, cycle_momentum_, use_beta1_ = false;
};

// Not an LRScheduler in the torch sense: step(metric) lowers lr when the metric stalls.
class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(std::shared_ptr<Optimizer> opt, const std::string& mode = "min",
                    double factor = 0.1, int64_t patience = 10, double threshold = 1e-4,
                    const std::string& threshold_mode = "rel", int64_t cooldown = 0,
                    std::vector<double> min_lr = {0.0}, double eps = 1e-8);
  void step(double metric);
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  int64_t cooldown_counter() const { return cooldown_counter_; }
  const std::shared_ptr<Optimizer>& optimizer() const { return optimizer_; }
  const std::vector<double>& min_lrs() const { return min_lrs_; }
  // Restores the counters (torch's best, num_bad_epochs, cooldown_counter, last_epoch).
  void load_state(double best, int64_t num_bad_epochs, int64_t cooldown_counter,
                  int64_t last_epoch, const std::vector<double>& last_lr);

 private:
  bool is_better(double a, double best) const;
  std::shared_ptr<Optimizer> optimizer_;
  bool min_mode_, rel_;
  double factor_, threshold_, eps_, best_;
  int64_t patience_, cooldown_, cooldown_counter_ = 0, num_bad_epochs_ = 0, last_epoch_ = 0;
  std::vector<double> min_lrs_, last_lr_;
  bool default_min_lr_;
};

}  // namespace ember::optim

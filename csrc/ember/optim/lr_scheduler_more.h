// More learning-rate schedulers with torch's recursive formulas and protocol (see
// lr_scheduler.h): ConstantLR, MultiplicativeLR, PolynomialLR, CosineAnnealingWarmRestarts,
// CyclicLR, and the combinators SequentialLR and ChainedScheduler over other schedulers.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ember/optim/lr_scheduler.h"

namespace ember::optim {

class ConstantLR : public LRScheduler {
 public:
  ConstantLR(std::shared_ptr<Optimizer> opt, double factor = 1.0 / 3, int64_t total_iters = 5,
             int64_t last_epoch = -1);
 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_at_zero() override;
  double factor_;
  int64_t total_iters_;
};

class MultiplicativeLR : public LRScheduler {
 public:
  using Fn = std::function<double(int64_t)>;
  // One function for every group, or one per group.
  MultiplicativeLR(std::shared_ptr<Optimizer> opt, std::vector<Fn> lr_lambdas,
                   int64_t last_epoch = -1);
 protected:
  std::vector<double> get_lr() override;
  std::vector<Fn> fns_;
};

class PolynomialLR : public LRScheduler {
 public:
  PolynomialLR(std::shared_ptr<Optimizer> opt, int64_t total_iters = 5, double power = 1.0,
               int64_t last_epoch = -1);
 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_at_zero() override { return base_lrs_; }
  int64_t total_iters_;
  double power_;
};

// T_cur / T_i are derived from last_epoch on load_state (they follow from it).
class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(std::shared_ptr<Optimizer> opt, int64_t T_0, int64_t T_mult = 1,
                              double eta_min = 0.0, int64_t last_epoch = -1);
  void step() override;
  void restart() override;
  void load_state(const SchedulerState& s) override;
  double T_cur() const { return T_cur_; }
  int64_t T_i() const { return T_i_; }
 protected:
  std::vector<double> get_lr() override;
  int64_t T_0_, T_i_, T_mult_;
  double eta_min_, T_cur_;
};

struct CyclicOptions {
  std::vector<double> base_lr, max_lr;  // one value for all groups, or one per group
  double step_size_up = 2000;
  double step_size_down = -1;  // < 0: step_size_up
  std::string mode = "triangular";  // 'triangular' | 'triangular2' | 'exp_range'
  double gamma = 1.0;
  std::function<double(double)> scale_fn;  // overrides mode when set
  std::string scale_mode = "cycle";        // with scale_fn: 'cycle' | 'iterations'
  bool cycle_momentum = true;
  std::vector<double> base_momentum{0.8}, max_momentum{0.9};
  int64_t last_epoch = -1;
};

class CyclicLR : public LRScheduler {
 public:
  CyclicLR(std::shared_ptr<Optimizer> opt, const CyclicOptions& options);
 protected:
  std::vector<double> get_lr() override;
  double scale(double x) const;
  std::vector<double> max_lrs_, base_m_, max_m_;
  double total_size_, step_ratio_, gamma_;
  std::string mode_;
  std::function<double(double)> scale_fn_;
  bool scale_cycle_, cycle_momentum_, use_beta1_ = false;
};

using SchedulerPtr = std::shared_ptr<LRScheduler>;

// Runs schedulers[i] between milestones[i - 1] and milestones[i] (restarting it at its
// milestone with torch's step(0)).
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(std::shared_ptr<Optimizer> opt, std::vector<SchedulerPtr> schedulers,
               std::vector<int64_t> milestones, int64_t last_epoch = -1);
  void step() override;
  const std::vector<SchedulerPtr>& schedulers() const { return schedulers_; }
 protected:
  std::vector<double> get_lr() override { return group_lrs(); }
  std::vector<SchedulerPtr> schedulers_;
  std::vector<int64_t> milestones_;
};

// Steps every scheduler in order at each step (their factors compose).
class ChainedScheduler : public LRScheduler {
 public:
  ChainedScheduler(std::vector<SchedulerPtr> schedulers, std::shared_ptr<Optimizer> opt = nullptr);
  void step() override;
  const std::vector<SchedulerPtr>& schedulers() const { return schedulers_; }
 protected:
  std::vector<double> get_lr() override { return group_lrs(); }
  std::vector<SchedulerPtr> schedulers_;
};

}  // namespace ember::optim

// More LR schedulers (see lr_scheduler_more.h), each get_lr in torch's operation order so
// lr sequences match torch.optim.lr_scheduler to rounding.
#include "ember/optim/lr_scheduler_more.h"

#include <algorithm>
#include <cmath>

namespace ember::optim {

using detail::kPi;
using detail::per_group;

ConstantLR::ConstantLR(std::shared_ptr<Optimizer> opt, double factor, int64_t total_iters,
                       int64_t last_epoch)
    : LRScheduler(std::move(opt), last_epoch, "ConstantLR"), factor_(factor),
      total_iters_(total_iters) {
  EMBER_CHECK(factor >= 0.0 && factor <= 1.0, ValueError,
              "[ConstantLR] Constant multiplicative factor expected to be between 0 and 1, got ",
              format_number(factor));
  initial_step();
}

std::vector<double> ConstantLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * factor_;
  } else if (last_epoch_ == total_iters_) {
    for (double& lr : lrs) lr = lr * (1.0 / factor_);
  }
  return lrs;
}

std::vector<double> ConstantLR::closed_form_at_zero() {
  std::vector<double> lrs = base_lrs_;
  const double f = factor_ + (0 >= total_iters_ ? 1.0 : 0.0) * (1 - factor_);
  for (double& lr : lrs) lr = lr * f;
  return lrs;
}

MultiplicativeLR::MultiplicativeLR(std::shared_ptr<Optimizer> opt, std::vector<Fn> fns,
                                   int64_t last_epoch)
    : LRScheduler(std::move(opt), last_epoch, "MultiplicativeLR") {
  const size_t n = optimizer_->param_groups().size();
  EMBER_CHECK(fns.size() == 1 || fns.size() == n, ValueError, "[MultiplicativeLR] Expected ", n,
              " lr_lambdas, but got ", fns.size());
  fns_ = fns.size() == 1 ? std::vector<Fn>(n, fns[0]) : std::move(fns);
  for (const Fn& f : fns_)
    EMBER_CHECK(static_cast<bool>(f), TypeError, "[MultiplicativeLR] got an empty function");
  initial_step();
}

std::vector<double> MultiplicativeLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ > 0)
    for (size_t i = 0; i < lrs.size(); ++i) lrs[i] = lrs[i] * fns_[i](last_epoch_);
  return lrs;
}

PolynomialLR::PolynomialLR(std::shared_ptr<Optimizer> opt, int64_t total_iters, double power,
                           int64_t last_epoch)
    : LRScheduler(std::move(opt), last_epoch, "PolynomialLR"), total_iters_(total_iters),
      power_(power) {
  EMBER_CHECK(total_iters > 0, ValueError, "[PolynomialLR] expected a positive total_iters, got ",
              total_iters);
  initial_step();
}

std::vector<double> PolynomialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ > total_iters_) return lrs;
  const double t = static_cast<double>(total_iters_), e = static_cast<double>(last_epoch_);
  const double f = std::pow((1.0 - e / t) / (1.0 - (e - 1) / t), power_);
  for (double& lr : lrs) lr = lr * f;
  return lrs;
}

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(std::shared_ptr<Optimizer> opt,
                                                         int64_t T_0, int64_t T_mult,
                                                         double eta_min, int64_t last_epoch)
    : LRScheduler(std::move(opt), last_epoch, "CosineAnnealingWarmRestarts"), T_0_(T_0),
      T_i_(T_0), T_mult_(T_mult), eta_min_(eta_min), T_cur_(static_cast<double>(last_epoch)) {
  EMBER_CHECK(T_0 > 0, ValueError, "[CosineAnnealingWarmRestarts] Expected positive integer "
              "T_0, but got ", T_0);
  EMBER_CHECK(T_mult >= 1, ValueError, "[CosineAnnealingWarmRestarts] Expected integer T_mult "
              ">= 1, but got ", T_mult);
  initial_step();
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  std::vector<double> lrs;
  for (double base : base_lrs_)
    lrs.push_back(eta_min_ + (base - eta_min_) *
                                 (1 + std::cos(kPi * T_cur_ / static_cast<double>(T_i_))) / 2);
  return lrs;
}

// torch's step() without epoch; its first call (last_epoch < 0) is step(0). Like torch's,
// it leaves _step_count alone.
void CosineAnnealingWarmRestarts::step() {
  if (last_epoch_ < 0) {
    T_i_ = T_0_;
    T_cur_ = 0.0;
    last_epoch_ = 0;
  } else {
    T_cur_ = T_cur_ + 1;
    if (T_cur_ >= static_cast<double>(T_i_)) {
      T_cur_ = std::fmod(T_cur_, static_cast<double>(T_i_));
      T_i_ = T_i_ * T_mult_;
    }
    last_epoch_ += 1;
  }
  set_lrs(get_lr());
}

void CosineAnnealingWarmRestarts::restart() {
  T_i_ = T_0_;
  T_cur_ = 0.0;
  last_epoch_ = 0;
  set_lrs(get_lr());
}

void CosineAnnealingWarmRestarts::load_state(const SchedulerState& s) {
  LRScheduler::load_state(s);
  T_i_ = T_0_;
  T_cur_ = 0.0;
  for (int64_t e = 1; e <= s.last_epoch; ++e) {
    T_cur_ += 1;
    if (T_cur_ >= static_cast<double>(T_i_)) {
      T_cur_ = std::fmod(T_cur_, static_cast<double>(T_i_));
      T_i_ *= T_mult_;
    }
  }
}

namespace {
// CyclicLR writes base lrs and momenta into the groups before the base constructor runs.
std::shared_ptr<Optimizer> prepare_cyclic(std::shared_ptr<Optimizer> opt, const CyclicOptions& o) {
  EMBER_CHECK(opt != nullptr, TypeError, "[CyclicLR] expected an optimizer, got None");
  auto& groups = opt->param_groups();
  const size_t n = groups.size();
  EMBER_CHECK(o.scale_fn || o.mode == "triangular" || o.mode == "triangular2" ||
                  o.mode == "exp_range",
              ValueError, "[CyclicLR] mode is invalid and scale_fn is None (got mode '", o.mode,
              "')");
  EMBER_CHECK(o.scale_mode == "cycle" || o.scale_mode == "iterations", ValueError,
              "[CyclicLR] scale_mode must be 'cycle' or 'iterations', got '", o.scale_mode, "'");
  EMBER_CHECK(o.step_size_up > 0, ValueError, "[CyclicLR] expected a positive step_size_up, got ",
              format_number(o.step_size_up));
  std::vector<double> base = per_group(o.base_lr, n, "CyclicLR", "base_lr");
  per_group(o.max_lr, n, "CyclicLR", "max_lr");
  if (o.last_epoch == -1)
    for (size_t i = 0; i < n; ++i) groups[i].set("lr", Option::real(base[i]));
  if (o.cycle_momentum) {
    const Options& d = opt->defaults();
    EMBER_CHECK(find_option(d, "momentum") || find_option(d, "betas"), ValueError,
                "[CyclicLR] optimizer must support momentum or beta1 with `cycle_momentum` "
                "option enabled");
    const bool beta1 = find_option(d, "betas") != nullptr;
    std::vector<double> bm = per_group(o.base_momentum, n, "CyclicLR", "base_momentum");
    std::vector<double> mm = per_group(o.max_momentum, n, "CyclicLR", "max_momentum");
    if (o.last_epoch == -1) {
      for (size_t i = 0; i < n; ++i) {
        ParamGroup& g = groups[i];
        if (beta1) g.set("betas", Option::pair(mm[i], g.pair("betas", "CyclicLR").second));
        else g.set("momentum", Option::real(mm[i]));
        g.set("max_momentum", Option::real(mm[i]));
        g.set("base_momentum", Option::real(bm[i]));
      }
    }
  }
  return opt;
}
}  // namespace

CyclicLR::CyclicLR(std::shared_ptr<Optimizer> opt, const CyclicOptions& o)
    : LRScheduler(prepare_cyclic(std::move(opt), o), o.last_epoch, "CyclicLR"),
      gamma_(o.gamma), mode_(o.mode), scale_fn_(o.scale_fn), cycle_momentum_(o.cycle_momentum) {
  const size_t n = optimizer_->param_groups().size();
  const double down = o.step_size_down < 0 ? o.step_size_up : o.step_size_down;
  total_size_ = o.step_size_up + down;
  step_ratio_ = o.step_size_up / total_size_;
  scale_cycle_ = scale_fn_ ? o.scale_mode == "cycle" : mode_ != "exp_range";
  max_lrs_ = per_group(o.max_lr, n, "CyclicLR", "max_lr");
  if (cycle_momentum_) {
    use_beta1_ = find_option(optimizer_->defaults(), "betas") != nullptr;
    base_m_ = per_group(o.base_momentum, n, "CyclicLR", "base_momentum");
    max_m_ = per_group(o.max_momentum, n, "CyclicLR", "max_momentum");
  }
  base_lrs_ = per_group(o.base_lr, n, "CyclicLR", "base_lr");
  initial_step();
}

double CyclicLR::scale(double x) const {
  if (scale_fn_) return scale_fn_(x);
  if (mode_ == "triangular") return 1.0;
  if (mode_ == "triangular2") return 1 / std::pow(2.0, x - 1);
  return std::pow(gamma_, x);
}

std::vector<double> CyclicLR::get_lr() {
  const double e = static_cast<double>(last_epoch_);
  const double cycle = std::floor(1 + e / total_size_);
  const double x = 1.0 + e / total_size_ - cycle;
  const double f = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  const double s = scale(scale_cycle_ ? cycle : e);
  std::vector<double> lrs;
  for (size_t i = 0; i < base_lrs_.size(); ++i)
    lrs.push_back(base_lrs_[i] + (max_lrs_[i] - base_lrs_[i]) * f * s);
  if (cycle_momentum_) {
    auto& groups = optimizer_->param_groups();
    for (size_t i = 0; i < groups.size() && i < base_m_.size(); ++i) {
      const double m = max_m_[i] - (max_m_[i] - base_m_[i]) * f * s;
      if (use_beta1_) groups[i].set("betas", Option::pair(m, groups[i].pair("betas", "CyclicLR").second));
      else groups[i].set("momentum", Option::real(m));
    }
  }
  return lrs;
}

SequentialLR::SequentialLR(std::shared_ptr<Optimizer> opt, std::vector<SchedulerPtr> schedulers,
                           std::vector<int64_t> milestones, int64_t last_epoch)
    : LRScheduler(std::move(opt), -1, "SequentialLR"), schedulers_(std::move(schedulers)),
      milestones_(std::move(milestones)) {
  EMBER_CHECK(!schedulers_.empty(), ValueError, "[SequentialLR] expects at least one scheduler");
  for (size_t i = 0; i < schedulers_.size(); ++i) {
    EMBER_CHECK(schedulers_[i] != nullptr, TypeError, "[SequentialLR] scheduler at index ", i,
                " is None");
    EMBER_CHECK(schedulers_[i]->optimizer() == optimizer_, ValueError,
                "[SequentialLR] expects all schedulers to belong to the same optimizer, but got "
                "scheduler at index ", i, " to be different than the optimizer passed in");
  }
  EMBER_CHECK(milestones_.size() + 1 == schedulers_.size(), ValueError,
              "[SequentialLR] Sequential Schedulers expects number of schedulers provided to be "
              "one more than the number of milestone points, but got number of schedulers ",
              schedulers_.size(), " and the number of milestones to be equal to ",
              milestones_.size());
  last_epoch_ = last_epoch + 1;
  for (ParamGroup& g : optimizer_->param_groups())
    g.set("lr", Option::real(g.number("initial_lr", "SequentialLR")));
  for (const SchedulerPtr& s : schedulers_) s->last_epoch_ -= 1;  // undo their initial steps
  schedulers_[0]->initial_step();
  last_lr_ = schedulers_[0]->get_last_lr();
}

void SequentialLR::step() {
  ++last_epoch_;
  const size_t idx = static_cast<size_t>(
      std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin());
  const SchedulerPtr& s = schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_) s->restart();
  else s->step();
  last_lr_ = s->get_last_lr();
}

namespace {
std::shared_ptr<Optimizer> chained_optimizer(const std::vector<SchedulerPtr>& s,
                                             std::shared_ptr<Optimizer> opt) {
  EMBER_CHECK(!s.empty(), ValueError, "[ChainedScheduler] expects at least one scheduler to be "
              "chained, but got no scheduler.");
  for (size_t i = 0; i < s.size(); ++i)
    EMBER_CHECK(s[i] != nullptr, TypeError, "[ChainedScheduler] scheduler at index ", i, " is None");
  if (!opt) opt = s[0]->optimizer();
  for (size_t i = 0; i < s.size(); ++i)
    EMBER_CHECK(s[i]->optimizer() == opt, ValueError, "[ChainedScheduler] expects all schedulers "
                "to belong to the same optimizer, but got scheduler at index ", i,
                " to be different than the optimizer passed in");
  return opt;
}
}  // namespace

ChainedScheduler::ChainedScheduler(std::vector<SchedulerPtr> schedulers,
                                   std::shared_ptr<Optimizer> opt)
    : LRScheduler(chained_optimizer(schedulers, std::move(opt)), -1, "ChainedScheduler"),
      schedulers_(std::move(schedulers)) {
  last_lr_ = group_lrs();
}

void ChainedScheduler::step() {
  for (const SchedulerPtr& s : schedulers_) s->step();
  last_lr_ = group_lrs();
}

}  // namespace ember::optim

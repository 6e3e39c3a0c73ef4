// LR schedulers: torch's base protocol (initial_lr, initial step, last_epoch, _step_count)
// and each scheduler's recursive get_lr, computed in double in torch's operation order.
#include "ember/optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ember::optim {

std::vector<double> detail::per_group(const std::vector<double>& v, size_t n, const char* op,
                                      const char* name) {
  if (v.size() == 1) return std::vector<double>(n, v[0]);
  EMBER_CHECK(v.size() == n, ValueError, "[", op, "] expected ", n, " values for ", name,
              ", got ", v.size());
  return v;
}

using detail::kPi;
using detail::per_group;

LRScheduler::LRScheduler(std::shared_ptr<Optimizer> opt, int64_t last_epoch, const char* name)
    : optimizer_(std::move(opt)), name_(name), last_epoch_(last_epoch) {
  EMBER_CHECK(optimizer_ != nullptr, TypeError, "[", name, "] expected an optimizer, got None");
  auto& groups = optimizer_->param_groups();
  if (last_epoch == -1) {
    for (ParamGroup& g : groups)
      if (!g.has("initial_lr")) g.set("initial_lr", Option::real(g.number("lr", name)));
  } else {
    for (size_t i = 0; i < groups.size(); ++i)
      EMBER_CHECK(groups[i].has("initial_lr"), ValueError, "[", name,
                  "] param 'initial_lr' is not specified in param_groups[", i,
                  "] when resuming scheduler with last_epoch >= 0");
  }
  for (const ParamGroup& g : groups) base_lrs_.push_back(g.number("initial_lr", name));
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> out;
  for (const ParamGroup& g : optimizer_->param_groups()) out.push_back(g.number("lr", name_.c_str()));
  return out;
}

void LRScheduler::load_state(const SchedulerState& s) {
  const size_t n = optimizer_->param_groups().size();
  EMBER_CHECK(s.base_lrs.size() == n && s.last_lr.size() == n, ValueError, "[", name_,
              "] state has ", s.base_lrs.size(), " base_lrs and ", s.last_lr.size(),
              " last lrs but the optimizer has ", n, " param groups");
  last_epoch_ = s.last_epoch;
  step_count_ = s.step_count;
  base_lrs_ = s.base_lrs;
  last_lr_ = s.last_lr;
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  is_initial_ = true;
  try {
    step();
  } catch (...) {
    is_initial_ = false;
    throw;
  }
  is_initial_ = false;
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  set_lrs(get_lr());
}

void LRScheduler::restart() {
  ++step_count_;
  last_epoch_ = 0;
  set_lrs(closed_form_at_zero());
}

void LRScheduler::set_lrs(const std::vector<double>& values) {
  auto& groups = optimizer_->param_groups();
  EMBER_CHECK(values.size() == groups.size(), ValueError, "[", name_, "] the optimizer has ",
              groups.size(), " param groups but the scheduler computed ", values.size(),
              " learning rates (was a group added after the scheduler was made?)");
  for (size_t i = 0; i < groups.size(); ++i) groups[i].set("lr", Option::real(values[i]));
  last_lr_ = group_lrs();
}

StepLR::StepLR(std::shared_ptr<Optimizer> opt, int64_t step_size, double gamma, int64_t last_epoch)
    : LRScheduler(std::move(opt), last_epoch, "StepLR"), step_size_(step_size), gamma_(gamma) {
  EMBER_CHECK(step_size > 0, ValueError, "[StepLR] expected a positive step_size, got ", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

MultiStepLR::MultiStepLR(std::shared_ptr<Optimizer> opt, std::vector<int64_t> milestones,
                         double gamma, int64_t last_epoch)
    : LRScheduler(std::move(opt), last_epoch, "MultiStepLR"),
      milestones_(std::move(milestones)), gamma_(gamma) {
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  int64_t count = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (count == 0) return lrs;
  for (double& lr : lrs) lr = lr * std::pow(gamma_, static_cast<double>(count));
  return lrs;
}

ExponentialLR::ExponentialLR(std::shared_ptr<Optimizer> opt, double gamma, int64_t last_epoch)
    : LRScheduler(std::move(opt), last_epoch, "ExponentialLR"), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (is_initial_) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

CosineAnnealingLR::CosineAnnealingLR(std::shared_ptr<Optimizer> opt, int64_t T_max,
                                     double eta_min, int64_t last_epoch)
    : LRScheduler(std::move(opt), last_epoch, "CosineAnnealingLR"), T_max_(T_max), eta_min_(eta_min) {
  EMBER_CHECK(T_max > 0, ValueError, "[CosineAnnealingLR] expected a positive T_max, got ", T_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  const double T = static_cast<double>(T_max_), e = static_cast<double>(last_epoch_);
  if (is_initial_) return lrs;
  if (step_count_ == 1 && last_epoch_ > 0) {
    for (size_t i = 0; i < lrs.size(); ++i)
      lrs[i] = eta_min_ + (base_lrs_[i] - eta_min_) * (1 + std::cos(e * kPi / T)) / 2;
    return lrs;
  }
  // Python's % is a floor modulo.
  int64_t r = (last_epoch_ - 1 - T_max_) % (2 * T_max_);
  if (r < 0) r += 2 * T_max_;
  if (r == 0) {
    for (size_t i = 0; i < lrs.size(); ++i)
      lrs[i] = lrs[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(kPi / T)) / 2;
    return lrs;
  }
  for (double& lr : lrs)
    lr = (1 + std::cos(kPi * e / T)) / (1 + std::cos(kPi * (e - 1) / T)) * (lr - eta_min_) +
         eta_min_;
  return lrs;
}

LinearLR::LinearLR(std::shared_ptr<Optimizer> opt, double start_factor, double end_factor,
                   int64_t total_iters, int64_t last_epoch)
    : LRScheduler(std::move(opt), last_epoch, "LinearLR"),
      start_(start_factor), end_(end_factor), total_iters_(total_iters) {
  EMBER_CHECK(start_factor <= 1.0 && start_factor > 0, ValueError,
              "[LinearLR] Starting multiplicative factor expected to be greater than 0 and less "
              "or equal to 1.");
  EMBER_CHECK(end_factor <= 1.0 && end_factor >= 0, ValueError,
              "[LinearLR] Ending multiplicative factor expected to be between 0 and 1.");
  initial_step();
}

std::vector<double> LinearLR::closed_form_at_zero() {
  std::vector<double> lrs = base_lrs_;
  for (double& lr : lrs) lr = lr * start_;
  return lrs;
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * start_;
    return lrs;
  }
  if (is_initial_ || last_epoch_ > total_iters_) return lrs;
  for (double& lr : lrs)
    lr = lr * (1.0 + (end_ - start_) / (static_cast<double>(total_iters_) * start_ +
                                        static_cast<double>(last_epoch_ - 1) * (end_ - start_)));
  return lrs;
}

LambdaLR::LambdaLR(std::shared_ptr<Optimizer> opt, std::vector<Fn> fns, int64_t last_epoch)
    : LRScheduler(std::move(opt), last_epoch, "LambdaLR") {
  size_t n = optimizer_->param_groups().size();
  EMBER_CHECK(fns.size() == 1 || fns.size() == n, ValueError, "[LambdaLR] Expected ", n,
              " lr_lambdas, but got ", fns.size());
  fns_ = fns.size() == 1 ? std::vector<Fn>(n, fns[0]) : std::move(fns);
  for (const Fn& f : fns_) EMBER_CHECK(static_cast<bool>(f), TypeError, "[LambdaLR] got an empty function");
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs;
  for (size_t i = 0; i < fns_.size(); ++i) lrs.push_back(base_lrs_[i] * fns_[i](last_epoch_));
  return lrs;
}

namespace {
// OneCycleLR writes its own options into the groups before the base constructor runs.
std::shared_ptr<Optimizer> prepare_one_cycle(std::shared_ptr<Optimizer> opt,
                                             const OneCycleOptions& o) {
  int64_t dummy = 0;
  int64_t* total = &dummy;
  EMBER_CHECK(opt != nullptr, TypeError, "[OneCycleLR] expected an optimizer, got None");
  if (o.total_steps != 0) {
    EMBER_CHECK(o.total_steps > 0, ValueError,
                "[OneCycleLR] Expected positive integer total_steps, but got ", o.total_steps);
    *total = o.total_steps;
  } else if (o.epochs != 0 || o.steps_per_epoch != 0) {
    EMBER_CHECK(o.epochs > 0, ValueError, "[OneCycleLR] Expected positive integer epochs, but got ",
                o.epochs);
    EMBER_CHECK(o.steps_per_epoch > 0, ValueError,
                "[OneCycleLR] Expected positive integer steps_per_epoch, but got ", o.steps_per_epoch);
    *total = o.epochs * o.steps_per_epoch;
  } else {
    EMBER_THROW(ValueError,
                "[OneCycleLR] You must define either total_steps OR (epochs AND steps_per_epoch)");
  }
  EMBER_CHECK(o.pct_start >= 0 && o.pct_start <= 1, ValueError,
              "[OneCycleLR] Expected float between 0 and 1 pct_start, but got ",
              format_number(o.pct_start));
  EMBER_CHECK(o.anneal_strategy == "cos" || o.anneal_strategy == "linear", ValueError,
              "[OneCycleLR] anneal_strategy must be one of 'cos' or 'linear', instead got ",
              o.anneal_strategy);
  auto& groups = opt->param_groups();
  const size_t n = groups.size();
  std::vector<double> max_lrs = per_group(o.max_lr, n, "OneCycleLR", "max_lr");
  bool use_beta1 = false;
  std::vector<double> max_m, base_m;
  if (o.cycle_momentum) {
    const Options& d = opt->defaults();
    EMBER_CHECK(find_option(d, "momentum") || find_option(d, "betas"), ValueError,
                "[OneCycleLR] optimizer must support momentum or beta1 with `cycle_momentum` "
                "option enabled");
    use_beta1 = find_option(d, "betas") != nullptr;
    max_m = per_group(o.max_momentum, n, "OneCycleLR", "max_momentum");
    base_m = per_group(o.base_momentum, n, "OneCycleLR", "base_momentum");
  }
  if (o.last_epoch == -1) {
    for (size_t i = 0; i < n; ++i) {
      ParamGroup& g = groups[i];
      double initial = max_lrs[i] / o.div_factor;
      g.set("initial_lr", Option::real(initial));
      g.set("max_lr", Option::real(max_lrs[i]));
      g.set("min_lr", Option::real(initial / o.final_div_factor));
      if (o.cycle_momentum) {
        if (use_beta1) g.set("betas", Option::pair(max_m[i], g.pair("betas", "OneCycleLR").second));
        else g.set("momentum", Option::real(max_m[i]));
        g.set("max_momentum", Option::real(max_m[i]));
        g.set("base_momentum", Option::real(base_m[i]));
      }
    }
  }
  return opt;
}
}  // namespace

OneCycleLR::OneCycleLR(std::shared_ptr<Optimizer> opt, const OneCycleOptions& o)
    : LRScheduler(prepare_one_cycle(std::move(opt), o), o.last_epoch, "OneCycleLR"),
      total_steps_(o.total_steps != 0 ? o.total_steps : o.epochs * o.steps_per_epoch),
      cos_(o.anneal_strategy == "cos"), cycle_momentum_(o.cycle_momentum) {
  const double T = static_cast<double>(total_steps_);
  if (o.three_phase) {
    phases_ = {{o.pct_start * T - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
               {2 * o.pct_start * T - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"},
               {T - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"}};
  } else {
    phases_ = {{o.pct_start * T - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
               {T - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"}};
  }
  use_beta1_ = find_option(optimizer_->defaults(), "betas") != nullptr;
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (cos_) {
    double cos_out = std::cos(kPi * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
  const double step_num = static_cast<double>(last_epoch_);
  EMBER_CHECK(last_epoch_ <= total_steps_, ValueError, "[OneCycleLR] Tried to step ", last_epoch_,
              " times. The specified number of total steps is ", total_steps_);
  std::vector<double> lrs;
  for (ParamGroup& g : optimizer_->param_groups()) {
    double start_step = 0.0, lr = 0.0, mom = 0.0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& ph = phases_[i];
      if (step_num <= ph.end_step || i == phases_.size() - 1) {
        double pct = (step_num - start_step) / (ph.end_step - start_step);
        lr = anneal(g.number(ph.start_lr, "OneCycleLR"), g.number(ph.end_lr, "OneCycleLR"), pct);
        if (cycle_momentum_)
          mom = anneal(g.number(ph.start_m, "OneCycleLR"), g.number(ph.end_m, "OneCycleLR"), pct);
        break;
      }
      start_step = ph.end_step;
    }
    lrs.push_back(lr);
    if (cycle_momentum_) {
      if (use_beta1_) g.set("betas", Option::pair(mom, g.pair("betas", "OneCycleLR").second));
      else g.set("momentum", Option::real(mom));
    }
  }
  return lrs;
}

ReduceLROnPlateau::ReduceLROnPlateau(std::shared_ptr<Optimizer> opt, const std::string& mode,
                                     double factor, int64_t patience, double threshold,
                                     const std::string& threshold_mode, int64_t cooldown,
                                     std::vector<double> min_lr, double eps)
    : optimizer_(std::move(opt)), factor_(factor), threshold_(threshold), eps_(eps),
      patience_(patience), cooldown_(cooldown) {
  EMBER_CHECK(optimizer_ != nullptr, TypeError, "[ReduceLROnPlateau] expected an optimizer, got None");
  EMBER_CHECK(factor < 1.0, ValueError, "[ReduceLROnPlateau] Factor should be < 1.0.");
  EMBER_CHECK(mode == "min" || mode == "max", ValueError, "[ReduceLROnPlateau] mode ", mode,
              " is unknown!");
  EMBER_CHECK(threshold_mode == "rel" || threshold_mode == "abs", ValueError,
              "[ReduceLROnPlateau] threshold mode ", threshold_mode, " is unknown!");
  min_mode_ = mode == "min";
  rel_ = threshold_mode == "rel";
  const size_t n = optimizer_->param_groups().size();
  default_min_lr_ = min_lr.size() == 1;
  min_lrs_ = per_group(min_lr, n, "ReduceLROnPlateau", "min_lr");
  for (const ParamGroup& g : optimizer_->param_groups())
    last_lr_.push_back(g.number("lr", "ReduceLROnPlateau"));
  best_ = min_mode_ ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
}

void ReduceLROnPlateau::load_state(double best, int64_t num_bad_epochs, int64_t cooldown_counter,
                                   int64_t last_epoch, const std::vector<double>& last_lr) {
  best_ = best;
  num_bad_epochs_ = num_bad_epochs;
  cooldown_counter_ = cooldown_counter;
  last_epoch_ = last_epoch;
  last_lr_ = last_lr;
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  if (min_mode_ && rel_) return a < best * (1.0 - threshold_);
  if (min_mode_) return a < best - threshold_;
  if (rel_) return a > best * (threshold_ + 1.0);
  return a > best + threshold_;
}

void ReduceLROnPlateau::step(double current) {
  last_epoch_ += 1;
  if (is_better(current, best_)) {
    best_ = current;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (cooldown_counter_ > 0) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;
  }
  auto& groups = optimizer_->param_groups();
  if (num_bad_epochs_ > patience_) {
    if (groups.size() != min_lrs_.size()) {
      EMBER_CHECK(default_min_lr_, RuntimeError, "[ReduceLROnPlateau] The number of param groups "
                  "in the `optimizer` (", groups.size(), ") differs from when `ReduceLROnPlateau` "
                  "was initialized (", min_lrs_.size(), ")");
      min_lrs_.assign(groups.size(), min_lrs_.empty() ? 0.0 : min_lrs_[0]);
    }
    for (size_t i = 0; i < groups.size(); ++i) {
      double old_lr = groups[i].number("lr", "ReduceLROnPlateau");
      double new_lr = std::max(old_lr * factor_, min_lrs_[i]);
      if (old_lr - new_lr > eps_) groups[i].set("lr", Option::real(new_lr));
    }
    cooldown_counter_ = cooldown_;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const ParamGroup& g : groups) last_lr_.push_back(g.number("lr", "ReduceLROnPlateau"));
}

}  // namespace ember::optim

// Optimizer base: group bookkeeping, zero_grad, state_dict / load_state_dict (PyTorch's
// layout and checks) and the contiguity helpers shared by the fused optimizer kernels.
#include "ember/optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/scalar.h"
#include "ember/ops/view.h"

namespace ember::optim {

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s(buf);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

const Option* find_option(const Options& opts, const std::string& key) {
  for (const auto& kv : opts)
    if (kv.first == key) return &kv.second;
  return nullptr;
}

void set_option(Options& opts, const std::string& key, const Option& value) {
  for (auto& kv : opts)
    if (kv.first == key) {
      kv.second = value;
      return;
    }
  opts.emplace_back(key, value);
}

const Option& ParamGroup::at(const std::string& key) const {
  const Option* o = find_option(options, key);
  EMBER_CHECK(o, ValueError, "[optim] param group has no option '", key, "'");
  return *o;
}

double ParamGroup::number(const std::string& key, const char* op) const {
  const Option& o = at(key);
  EMBER_CHECK(o.is_number(), TypeError, "[", op, "] expected option '", key,
              "' to be a number");
  return o.num;
}

bool ParamGroup::flag(const std::string& key, const char* op) const {
  const Option& o = at(key);
  if (o.kind == Option::Kind::None) return false;
  EMBER_CHECK(o.is_number(), TypeError, "[", op, "] expected option '", key, "' to be a bool");
  return o.num != 0.0;
}

std::pair<double, double> ParamGroup::pair(const std::string& key, const char* op) const {
  const Option& o = at(key);
  EMBER_CHECK(o.kind == Option::Kind::Tuple && o.tuple.size() == 2, TypeError, "[", op,
              "] expected option '", key, "' to be a pair of numbers");
  return {o.tuple[0], o.tuple[1]};
}

double* ParamState::number(const std::string& key) {
  for (auto& kv : numbers)
    if (kv.first == key) return &kv.second;
  return nullptr;
}
Tensor* ParamState::tensor(const std::string& key) {
  for (auto& kv : tensors)
    if (kv.first == key) return &kv.second;
  return nullptr;
}
void ParamState::set_number(const std::string& key, double v) {
  if (double* d = number(key)) *d = v;
  else numbers.emplace_back(key, v);
}
void ParamState::set_tensor(const std::string& key, const Tensor& t) {
  if (Tensor* x = tensor(key)) *x = t;
  else tensors.emplace_back(key, t);
}

Optimizer::Optimizer(const std::vector<ParamGroup>& groups, Options defaults, std::string name)
    : name_(std::move(name)), defaults_(std::move(defaults)) {
  EMBER_CHECK(!groups.empty(), ValueError, "[", name_, "] optimizer got an empty parameter list");
  for (const ParamGroup& g : groups) add_param_group(g);
}

void Optimizer::add_param_group(ParamGroup group) {
  const char* op = name_.c_str();
  for (const Tensor& p : group.params) {
    EMBER_CHECK(p.defined(), ValueError, "[", op, "] got an undefined tensor as a parameter");
    EMBER_CHECK(p.is_leaf() || p.retains_grad(), ValueError, "[", op,
                "] can't optimize a non-leaf Tensor");
    EMBER_CHECK(p.device().is_cpu(), NotImplementedError, "[", op,
                "] only CPU parameters are supported, got ", p.device().str());
  }
  std::set<const TensorImpl*> seen_here;
  for (const Tensor& p : group.params) seen_here.insert(p.impl());
  for (const ParamGroup& g : groups_)
    for (const Tensor& p : g.params)
      EMBER_CHECK(!seen_here.count(p.impl()), ValueError, "[", op,
                  "] some parameters appear in more than one parameter group");
  // Like dict.setdefault: the group's own options first, then the missing defaults.
  for (const auto& kv : defaults_)
    if (!group.has(kv.first)) group.options.push_back(kv);
  check_group(group);
  groups_.push_back(std::move(group));
}

void Optimizer::check_all_groups() const {
  for (const ParamGroup& g : groups_) check_group(g);
}

void Optimizer::zero_grad(bool set_to_none) {
  autograd::NoGradGuard guard;
  for (ParamGroup& g : groups_)
    for (Tensor& p : g.params) {
      if (!p.grad().defined()) continue;
      if (set_to_none) {
        p.set_grad(Tensor());
      } else {
        Tensor grad = p.grad();
        if (grad.grad_fn()) grad = grad.detach();  // torch: grad.detach_() then zero_()
        grad.set_requires_grad(false);
        zero_(grad);
        p.set_grad(grad);
      }
    }
}

void Optimizer::step() {
  // Check everything first so a bad group leaves no parameter half-updated.
  for (const ParamGroup& g : groups_) {
    check_group(g, false);
    for (const Tensor& p : g.params)
      if (p.grad().defined()) check_param(p, name_.c_str());
  }
  autograd::NoGradGuard guard;
  for (ParamGroup& g : groups_) step_group(g);
}

void Optimizer::step_group(ParamGroup&) {
  EMBER_THROW(NotImplementedError, "[", name_, "] step() is not implemented by this optimizer");
}

void Optimizer::check_param(const Tensor& p, const char* op) const {
  const Tensor& g = p.grad();
  EMBER_CHECK(is_floating(p.dtype()), TypeError, "[", op,
              "] expected floating point parameters (float32 or float64), got ",
              dtype_name(p.dtype()));
  EMBER_CHECK(g.dtype() == p.dtype(), TypeError, "[", op, "] expected grad of dtype ",
              dtype_name(p.dtype()), " like its parameter, got ", dtype_name(g.dtype()));
  EMBER_CHECK(g.shape() == p.shape(), ValueError, "[", op, "] expected grad of shape ",
              shape_str(p.shape()), " like its parameter, got ", shape_str(g.shape()));
  EMBER_CHECK(g.device().is_cpu(), NotImplementedError, "[", op, "] only CPU grads are supported");
  auto it = state_.find(p.impl());
  if (it != state_.end())
    for (const auto& kv : it->second.tensors) detail::check_state(kv.second, p, op, kv.first.c_str());
}

StateDict Optimizer::state_dict() const {
  StateDict sd;
  std::map<const TensorImpl*, int64_t> index;
  int64_t next = 0;
  for (const ParamGroup& g : groups_) {
    std::vector<int64_t> ids;
    for (const Tensor& p : g.params) {
      auto it = index.find(p.impl());
      if (it == index.end()) it = index.emplace(p.impl(), next++).first;
      ids.push_back(it->second);
    }
    sd.param_groups.emplace_back(g.options, std::move(ids));
  }
  // State in parameter order (torch orders by first use; indices are what matter).
  std::vector<std::pair<int64_t, const TensorImpl*>> order;
  for (const auto& kv : index) order.emplace_back(kv.second, kv.first);
  std::sort(order.begin(), order.end());
  for (const auto& [i, impl] : order) {
    auto it = state_.find(impl);
    if (it == state_.end() || it->second.empty()) continue;
    std::vector<std::pair<std::string, Tensor>> entries;
    for (const auto& kv : it->second.numbers)
      entries.emplace_back(kv.first, scalar_tensor(Scalar(kv.second), DType::Float32));
    for (const auto& kv : it->second.tensors) entries.emplace_back(kv.first, kv.second);
    sd.state.emplace_back(i, std::move(entries));
  }
  return sd;
}

namespace {
double read_number(const Tensor& t, const char* op, const std::string& key) {
  EMBER_CHECK(t.numel() == 1, ValueError, "[", op, "] expected state '", key,
              "' to hold one number, got shape ", shape_str(t.shape()));
  return dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    return static_cast<double>(*t.data<T>());
  });
}
}  // namespace

void Optimizer::load_state_dict(const StateDict& sd) {
  const char* op = name_.c_str();
  EMBER_CHECK(sd.param_groups.size() == groups_.size(), ValueError, "[", op,
              "] loaded state dict has a different number of parameter groups (",
              sd.param_groups.size(), " vs ", groups_.size(), ")");
  std::map<int64_t, Tensor> by_id;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const auto& ids = sd.param_groups[gi].second;
    EMBER_CHECK(ids.size() == groups_[gi].params.size(), ValueError, "[", op,
                "] loaded state dict contains a parameter group that doesn't match the size "
                "of optimizer's group (", ids.size(), " vs ", groups_[gi].params.size(), ")");
    for (size_t j = 0; j < ids.size(); ++j) by_id[ids[j]] = groups_[gi].params[j];
  }
  // Build the new state fully (checking every entry) before replacing anything.
  std::map<const TensorImpl*, ParamState> fresh;
  for (const auto& [id, entries] : sd.state) {
    auto it = by_id.find(id);
    EMBER_CHECK(it != by_id.end(), ValueError, "[", op, "] loaded state refers to parameter ",
                id, " which is in no parameter group");
    const Tensor& p = it->second;
    ParamState st;
    for (const auto& [key, value] : entries) {
      check_defined(value, op, key.c_str());
      // torch's scalar state (0-d tensors there): the step count, NAdam's mu_product and
      // ASGD's eta and mu; everything else is a tensor shaped like its parameter.
      if (key == "step" || key == "mu_product" || key == "eta" || key == "mu") {
        st.set_number(key, read_number(value, op, key));
        continue;
      }
      EMBER_CHECK(value.shape() == p.shape(), ValueError, "[", op, "] state '", key,
                  "' of parameter ", id, " has shape ", shape_str(value.shape()),
                  " but the parameter has shape ", shape_str(p.shape()));
      EMBER_CHECK(is_floating(value.dtype()), TypeError, "[", op, "] state '", key,
                  "' must be floating point, got ", dtype_name(value.dtype()));
      autograd::NoGradGuard guard;
      st.set_tensor(key, clone(to_dtype(value.detach(), p.dtype())));
    }
    fresh[p.impl()] = std::move(st);
  }
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    Options opts;
    for (const auto& kv : sd.param_groups[gi].first)
      if (kv.first != "params") opts.push_back(kv);
    ParamGroup candidate(groups_[gi].params, opts);
    check_group(candidate);
  }
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    Options opts;
    for (const auto& kv : sd.param_groups[gi].first)
      if (kv.first != "params") opts.push_back(kv);
    groups_[gi].options = std::move(opts);
  }
  state_ = std::move(fresh);
}

namespace detail {

Contig prepare(const Tensor& param, const Tensor& grad) {
  Contig c;
  c.grad = contiguous(grad);
  if (param.is_contiguous()) {
    c.param = param;
  } else {
    c.param = clone(param.detach());
    c.copied = true;
  }
  return c;
}

void finish(const Tensor& param, Contig& c) {
  if (c.copied) {
    Tensor dst = param.detach();
    copy_(dst, c.param);  // bumps the version
  } else {
    param.bump_version();
  }
}

Tensor zeros_state(const Tensor& param) { return zeros(param.shape(), param.dtype()); }
Tensor full_state(const Tensor& param, double value) {
  return full(param.shape(), Scalar(value), param.dtype());
}

void check_state(const Tensor& s, const Tensor& p, const char* op, const char* key) {
  EMBER_CHECK(s.defined() && s.shape() == p.shape() && s.dtype() == p.dtype() &&
                  s.is_contiguous(),
              ValueError, "[", op, "] state '", key,
              "' does not match its parameter (expected a contiguous ", dtype_name(p.dtype()),
              " tensor of shape ", shape_str(p.shape()), ")");
}

}  // namespace detail

}  // namespace ember::optim

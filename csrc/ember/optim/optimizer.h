// Optimizer base class (ember::optim): parameter groups with named options, per-parameter
// state, zero_grad, state_dict / load_state_dict in PyTorch's layout. Subclasses (SGD, Adam,
// ...) implement step_group with fused per-parameter kernels; CPU tensors only.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::optim {

// One option value of a param group: None, bool, int, float, tuple of floats (betas) or a
// string (user tags). Numbers are read back as double whatever their kind.
struct Option {
  enum class Kind : uint8_t { None, Bool, Int, Float, Tuple, String };
  Kind kind = Kind::None;
  double num = 0.0;
  std::vector<double> tuple;
  std::string str;

  static Option none() { return {}; }
  static Option boolean(bool b) { Option o; o.kind = Kind::Bool; o.num = b ? 1.0 : 0.0; return o; }
  static Option integer(int64_t i) { Option o; o.kind = Kind::Int; o.num = static_cast<double>(i); return o; }
  static Option real(double d) { Option o; o.kind = Kind::Float; o.num = d; return o; }
  static Option pair(double a, double b) { Option o; o.kind = Kind::Tuple; o.tuple = {a, b}; return o; }
  static Option tuple_of(std::vector<double> v) { Option o; o.kind = Kind::Tuple; o.tuple = std::move(v); return o; }
  static Option string(std::string s) { Option o; o.kind = Kind::String; o.str = std::move(s); return o; }
  bool is_number() const { return kind == Kind::Bool || kind == Kind::Int || kind == Kind::Float; }
};

// Options in insertion order (PyTorch's dicts keep it; state_dict shows it).
using Options = std::vector<std::pair<std::string, Option>>;

const Option* find_option(const Options& opts, const std::string& key);
void set_option(Options& opts, const std::string& key, const Option& value);

struct ParamGroup {
  std::vector<Tensor> params;
  Options options;

  ParamGroup() = default;
  ParamGroup(std::vector<Tensor> p, Options o = {}) : params(std::move(p)), options(std::move(o)) {}

  bool has(const std::string& key) const { return find_option(options, key) != nullptr; }
  const Option& at(const std::string& key) const;  // ValueError when missing
  void set(const std::string& key, const Option& v) { set_option(options, key, v); }
  // Typed reads with checks naming op: number() accepts bool/int/float, flag() bool/number,
  // pair() a 2-tuple.
  double number(const std::string& key, const char* op) const;
  bool flag(const std::string& key, const char* op) const;
  std::pair<double, double> pair(const std::string& key, const char* op) const;
};

// Per-parameter state: numbers (the step count) and tensors (moments, buffers), in order.
struct ParamState {
  std::vector<std::pair<std::string, double>> numbers;
  std::vector<std::pair<std::string, Tensor>> tensors;

  bool empty() const { return numbers.empty() && tensors.empty(); }
  double* number(const std::string& key);
  Tensor* tensor(const std::string& key);
  void set_number(const std::string& key, double v);
  void set_tensor(const std::string& key, const Tensor& t);
};

// PyTorch's optimizer state_dict: state by parameter index (numbers come back as 0-d
// float32 tensors, as torch stores 'step'), and each group's options plus its indices.
struct StateDict {
  std::vector<std::pair<int64_t, std::vector<std::pair<std::string, Tensor>>>> state;
  std::vector<std::pair<Options, std::vector<int64_t>>> param_groups;
};

class Optimizer {
 public:
  // groups: each group's options override `defaults`. Raises ValueError on an empty list,
  // a non-leaf or undefined tensor, or a parameter in two groups.
  Optimizer(const std::vector<ParamGroup>& groups, Options defaults, std::string name = "Optimizer");
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  const std::string& name() const { return name_; }
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const Options& defaults() const { return defaults_; }

  void add_param_group(ParamGroup group);
  void zero_grad(bool set_to_none = true);
  // One update of every parameter that has a .grad, under no-grad.
  void step();

  StateDict state_dict() const;
  void load_state_dict(const StateDict& sd);

  // State of one parameter (created empty on first access).
  ParamState& state(const Tensor& param) { return state_[param.impl()]; }
  const std::map<const TensorImpl*, ParamState>& all_state() const { return state_; }

 protected:
  // Validates a group's options: types always (before each step too), value ranges (ValueError
  // like torch) only when `ranges` (construction, add_param_group, load_state_dict), since
  // torch lets schedulers or users set any lr later (e.g. a LambdaLR going negative).
  virtual void check_group(const ParamGroup& group, bool ranges = true) const {}
  // Updates the parameters of one group that have a grad.
  virtual void step_group(ParamGroup& group);
  // Checks before any parameter is touched: grad dtype/shape/device match the param.
  void check_param(const Tensor& p, const char* op) const;
  // Runs check_group on every group (subclass constructors call it once defaults are set).
  void check_all_groups() const;

  std::string name_;
  Options defaults_;
  std::vector<ParamGroup> groups_;
  std::map<const TensorImpl*, ParamState> state_;
};

// Python-like repr of a number for messages ("-1.0", "1e-05", "0.9").
std::string format_number(double v);

// Runs kernel(p, g, bufs...) on contiguous data: non-contiguous params are updated through
// a contiguous copy written back. Used by every optimizer's step_group.
namespace detail {
// One group of params, or no group when params is empty (so the constructor raises
// "optimizer got an empty parameter list" like torch).
inline std::vector<ParamGroup> single_group(const std::vector<Tensor>& params) {
  if (params.empty()) return {};
  return {ParamGroup(params)};
}
struct Contig {
  Tensor param;        // contiguous (param itself, or a copy)
  Tensor grad;         // contiguous grad
  bool copied = false;
};
Contig prepare(const Tensor& param, const Tensor& grad);
void finish(const Tensor& param, Contig& c);  // writes back and bumps versions
Tensor zeros_state(const Tensor& param);
Tensor full_state(const Tensor& param, double value);
// Raises ValueError naming op when a state tensor does not match its parameter.
void check_state(const Tensor& s, const Tensor& p, const char* op, const char* key);
constexpr int64_t kGrain = 1 << 15;  // elements per chunk (multiple of every SIMD width)
}  // namespace detail

}  // namespace ember::optim

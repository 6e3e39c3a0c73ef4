// Sequential, ModuleList, ModuleDict; see container.h.
#include "ember/nn/container.h"

namespace ember::nn {

namespace {
void check_module(const ModulePtr& m, const char* op) {
  EMBER_CHECK(m != nullptr, TypeError, "[", op, "] expected a Module, got None");
}
}  // namespace

size_t ModuleSequence::size() const {
  size_t n = 0;
  for (const auto& s : child_slots()) n += s.live;
  return n;
}

size_t ModuleSequence::normalize(int64_t index, bool allow_end, const char* op) const {
  int64_t n = static_cast<int64_t>(size());
  int64_t i = index < 0 ? index + n : index;
  EMBER_CHECK(i >= 0 && (i < n || (allow_end && i == n)), IndexError, "[", op, "] index ", index,
              " is out of range for ", name(), " of length ", n);
  return static_cast<size_t>(i);
}

void ModuleSequence::compact() {
  auto& v = mutable_child_slots();
  std::vector<Slot<ModulePtr>> kept;
  for (auto& s : v)
    if (s.live) kept.push_back(std::move(s));
  v = std::move(kept);
}

void ModuleSequence::renumber() {
  auto& v = mutable_child_slots();
  for (size_t i = 0; i < v.size(); ++i) v[i].name = std::to_string(i);
}

ModulePtr ModuleSequence::at(int64_t index) const {
  size_t i = normalize(index, false, "getitem");
  for (const auto& s : child_slots())
    if (s.live && i-- == 0) return s.value;
  return nullptr;
}

void ModuleSequence::set(int64_t index, ModulePtr module) {
  check_module(module, "setitem");
  size_t i = normalize(index, false, "setitem");
  compact();
  check_no_cycle(module, std::to_string(i));
  mutable_child_slots()[i].value = std::move(module);
}

void ModuleSequence::push_back(ModulePtr module) {
  check_module(module, "append");
  register_module(std::to_string(size()), std::move(module));
}

void ModuleSequence::push_back(const std::string& key, ModulePtr module) {
  check_module(module, "append");
  register_module(key, std::move(module));
}

void ModuleSequence::insert(int64_t index, ModulePtr module) {
  check_module(module, "insert");
  check_no_cycle(module, std::to_string(index));
  size_t i = normalize(index, true, "insert");
  compact();
  auto& v = mutable_child_slots();
  v.insert(v.begin() + static_cast<int64_t>(i), Slot<ModulePtr>{"", std::move(module), true, true});
  renumber();
}

ModulePtr ModuleSequence::erase(int64_t index) {
  size_t i = normalize(index, false, "delitem");
  compact();
  auto& v = mutable_child_slots();
  ModulePtr m = v[i].value;
  v.erase(v.begin() + static_cast<int64_t>(i));
  renumber();
  return m;
}

std::vector<ModulePtr> ModuleSequence::items() const {
  std::vector<ModulePtr> out;
  for (const auto& s : child_slots())
    if (s.live) out.push_back(s.value);
  return out;
}

std::vector<std::string> ModuleSequence::keys() const {
  std::vector<std::string> out;
  for (const auto& s : child_slots())
    if (s.live) out.push_back(s.name);
  return out;
}

Sequential::Sequential(const std::vector<ModulePtr>& modules) {
  for (const auto& m : modules) push_back(m);
}

Sequential::Sequential(const std::vector<std::pair<std::string, ModulePtr>>& named) {
  for (const auto& [k, m] : named) push_back(k, m);
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& s : child_slots())
    if (s.live && s.value) x = (*s.value)(x);
  return x;
}

ModuleList::ModuleList(const std::vector<ModulePtr>& modules) {
  for (const auto& m : modules) push_back(m);
}

std::string ModuleList::repr_with(const ReprFn& child_repr, const std::string& type_name,
                                  const std::string&) const {
  std::vector<std::string> reprs;
  for (const auto& m : items()) reprs.push_back(child_repr(m));
  if (reprs.empty()) return type_name + "()";
  std::string out = type_name + "(";
  size_t start = 0;
  for (size_t i = 1; i <= reprs.size(); ++i) {
    if (i < reprs.size() && reprs[i] == reprs[start]) continue;
    std::string local = (i - 1 == start)
        ? "(" + std::to_string(start) + "): " + reprs[start]
        : "(" + std::to_string(start) + "-" + std::to_string(i - 1) + "): " +
              std::to_string(i - start) + " x " + reprs[start];
    out += "\n  " + add_indent(local, 2);
    start = i;
  }
  return out + "\n)";
}

ModuleDict::ModuleDict(const std::vector<std::pair<std::string, ModulePtr>>& named) {
  for (const auto& [k, m] : named) set(k, m);
}

bool ModuleDict::contains(const std::string& key) const {
  for (const auto& s : child_slots())
    if (s.live && s.name == key) return true;
  return false;
}

ModulePtr ModuleDict::get(const std::string& key) const {
  for (const auto& s : child_slots())
    if (s.live && s.name == key) return s.value;
  EMBER_THROW(KeyError, key);
}

void ModuleDict::set(const std::string& key, ModulePtr module) {
  check_module(module, "ModuleDict.setitem");
  register_module(key, std::move(module));
}

ModulePtr ModuleDict::erase(const std::string& key) {
  ModulePtr m = get(key);
  auto& v = mutable_child_slots();
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i].live && v[i].name == key) {
      v.erase(v.begin() + static_cast<int64_t>(i));
      break;
    }
  return m;
}

void ModuleDict::clear() { mutable_child_slots().clear(); }

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& s : child_slots())
    if (s.live) out.push_back(s.name);
  return out;
}

std::vector<std::pair<std::string, ModulePtr>> ModuleDict::items() const {
  std::vector<std::pair<std::string, ModulePtr>> out;
  for (const auto& s : child_slots())
    if (s.live) out.emplace_back(s.name, s.value);
  return out;
}

}  // namespace ember::nn

// Containers of modules: Sequential (chains single-tensor forwards), ModuleList and
// ModuleDict (hold and register modules; no forward). Children may be C++ layers or Python
// modules (reached through the binding's trampoline). Indexes accept negative values.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "ember/nn/module.h"

namespace ember::nn {

// Shared list behaviour of Sequential and ModuleList: children named "0", "1", ... (a
// Sequential built from named pairs keeps those names until an insert or erase renumbers).
class ModuleSequence : public Module {
 public:
  EMBER_MODULE_COPY(ModuleSequence)
  size_t size() const;
  ModulePtr at(int64_t index) const;
  void set(int64_t index, ModulePtr module);  // keeps the name of the slot
  void push_back(ModulePtr module);
  void push_back(const std::string& name, ModulePtr module);
  void insert(int64_t index, ModulePtr module);  // index may equal size (append)
  ModulePtr erase(int64_t index);                // returns the removed module
  std::vector<ModulePtr> items() const;          // in order
  std::vector<std::string> keys() const;

 protected:
  size_t normalize(int64_t index, bool allow_end, const char* op) const;
  void compact();   // drops removed slots
  void renumber();  // names become "0", "1", ...
};

class Sequential : public ModuleSequence {
 public:
  EMBER_MODULE_COPY(Sequential)
  Sequential() = default;
  explicit Sequential(const std::vector<ModulePtr>& modules);
  explicit Sequential(const std::vector<std::pair<std::string, ModulePtr>>& named);
  std::string name() const override { return "Sequential"; }
  // Feeds input through every child in order; an empty Sequential returns its input.
  Tensor forward(const Tensor& input) override;
};

class ModuleList : public ModuleSequence {
 public:
  EMBER_MODULE_COPY(ModuleList)
  ModuleList() = default;
  explicit ModuleList(const std::vector<ModulePtr>& modules);
  std::string name() const override { return "ModuleList"; }
  // PyTorch's compressed repr: repeated equal children print as "(0-2): 3 x Child()".
  std::string repr_with(const ReprFn& child_repr, const std::string& type_name,
                        const std::string& extra) const override;
};

class ModuleDict : public Module {
 public:
  EMBER_MODULE_COPY(ModuleDict)
  ModuleDict() = default;
  explicit ModuleDict(const std::vector<std::pair<std::string, ModulePtr>>& named);
  std::string name() const override { return "ModuleDict"; }
  size_t size() const { return keys().size(); }
  bool contains(const std::string& key) const;
  ModulePtr get(const std::string& key) const;  // KeyError when absent
  void set(const std::string& key, ModulePtr module);
  ModulePtr erase(const std::string& key);      // KeyError when absent
  void clear();
  std::vector<std::string> keys() const;
  std::vector<std::pair<std::string, ModulePtr>> items() const;
};

}  // namespace ember::nn

// Python -> C++ conversions of the optimizer bindings (defined in optim.cpp), shared by
// optim.cpp and optim_more.cpp: parameter groups, betas pairs, number-or-list arguments.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "bind.h"
#include "ember/optim/lr_scheduler.h"
#include "ember/optim/optimizer.h"

namespace ember::python::conv {

std::string type_name(const py::handle& obj);
std::vector<optim::ParamGroup> to_groups(const py::object& params, const char* op);
std::pair<double, double> to_betas(const py::object& v, const char* op);
std::vector<double> num_or_list(const py::object& v);
void no_differentiable(bool d, const char* op);
// A scheduler's progress counters under torch's keys, and back.
py::dict scheduler_state_dict(const optim::LRScheduler& s);
void load_scheduler_state_dict(optim::LRScheduler& s, const py::dict& d);

}  // namespace ember::python::conv

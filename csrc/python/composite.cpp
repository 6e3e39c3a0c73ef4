// Bindings of ops/composite.h (lerp, addcmul, addcdiv, nan_to_num, repeat_interleave,
// broadcast_tensors, meshgrid, atleast_Nd, h/v/dstack, count_nonzero, tril/triu_indices) and
// Tensor.type_as, with PyTorch's names and defaults.
#include <optional>
#include <string>
#include <vector>

#include "bind.h"
#include "ember/ops/composite.h"
#include "ember/ops/view.h"

namespace ember::python {

namespace {
using R = py::call_guard<py::gil_scoped_release>;

py::tuple tuple_of(const std::vector<Tensor>& v) {
  py::tuple t(v.size());
  for (size_t i = 0; i < v.size(); ++i) t[i] = py::cast(v[i]);
  return t;
}

// f(*tensors) or f([tensors]): PyTorch accepts both for broadcast_tensors and meshgrid.
std::vector<Tensor> tensor_args(const py::args& args) {
  if (args.size() == 1 && !py::isinstance<Tensor>(args[0])) return args[0].cast<std::vector<Tensor>>();
  return args.cast<std::vector<Tensor>>();
}

}  // namespace

void bind_composite(py::module_& m, TensorClass& cls) {
  auto lerp_any = [](const Tensor& input, const Tensor& end, const py::object& weight) {
    if (py::isinstance<Tensor>(weight)) return lerp(input, end, weight.cast<Tensor>());
    return lerp(input, end, to_scalar(weight, "lerp"));
  };
  m.def("lerp", lerp_any, py::arg("input"), py::arg("end"), py::arg("weight"));
  cls.def("lerp", lerp_any, py::arg("end"), py::arg("weight"));
  for (auto* name : {"addcmul", "addcdiv"}) {
    const bool is_mul = std::string(name) == "addcmul";
    auto f = [is_mul](const Tensor& input, const Tensor& t1, const Tensor& t2,
                      const py::object& value) {
      Scalar v = to_scalar(value, is_mul ? "addcmul" : "addcdiv");
      py::gil_scoped_release release;
      return is_mul ? addcmul(input, t1, t2, v) : addcdiv(input, t1, t2, v);
    };
    m.def(name, f, py::arg("input"), py::arg("tensor1"), py::arg("tensor2"), py::kw_only(),
          py::arg("value") = 1);
    cls.def(name, f, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  }
  m.def("nan_to_num", &nan_to_num, py::arg("input"), py::arg("nan") = 0.0,
        py::arg("posinf") = py::none(), py::arg("neginf") = py::none(), R());
  cls.def("nan_to_num", &nan_to_num, py::arg("nan") = 0.0, py::arg("posinf") = py::none(),
          py::arg("neginf") = py::none(), R());
  auto repeat_any = [](const Tensor& t, const py::object& repeats, std::optional<int64_t> dim) {
    if (py::isinstance<Tensor>(repeats)) return repeat_interleave(t, repeats.cast<Tensor>(), dim);
    if (!py::isinstance<py::int_>(repeats))
      throw py::type_error("[repeat_interleave] expected repeats to be an int or a tensor, got " +
                           std::string(py::str(py::type::of(repeats).attr("__name__"))));
    return repeat_interleave(t, repeats.cast<int64_t>(), dim);
  };
  m.def("repeat_interleave", repeat_any, py::arg("input"), py::arg("repeats"),
        py::arg("dim") = py::none());
  cls.def("repeat_interleave", repeat_any, py::arg("repeats"), py::arg("dim") = py::none());
  m.def("broadcast_tensors", [](const py::args& args) {
    return tuple_of(broadcast_tensors(tensor_args(args)));
  });
  m.def("meshgrid", [](const py::args& args, const std::string& indexing) {
    return tuple_of(meshgrid(tensor_args(args), indexing));
  }, py::kw_only(), py::arg("indexing") = "ij");
  for (auto [name, fn] : {std::pair{"atleast_1d", &atleast_1d}, std::pair{"atleast_2d", &atleast_2d},
                          std::pair{"atleast_3d", &atleast_3d}})
    m.def(name, fn, py::arg("input"));
  m.def("hstack", &hstack, py::arg("tensors"), R());
  m.def("vstack", &vstack, py::arg("tensors"), R());
  m.def("dstack", &dstack, py::arg("tensors"), R());
  auto count_any = [](const Tensor& t, const py::object& dim) { return count_nonzero(t, dims_arg(dim, "count_nonzero")); };
  m.def("count_nonzero", count_any, py::arg("input"), py::arg("dim") = py::none());
  cls.def("count_nonzero", count_any, py::arg("dim") = py::none());
  m.def("tril_indices", &tril_indices, py::arg("row"), py::arg("col"), py::arg("offset") = 0);
  m.def("triu_indices", &triu_indices, py::arg("row"), py::arg("col"), py::arg("offset") = 0);
  cls.def("type_as", [](const Tensor& t, const Tensor& other) { return to_dtype(t, other.dtype()); },
          py::arg("other"));
}

}  // namespace ember::python

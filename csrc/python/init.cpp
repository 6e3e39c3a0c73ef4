// Bindings for ember.nn.init (submodule ember._C.init).
#include "bind.h"

namespace ember::python {

void bind_init(py::module_& m, TensorClass&) {
  namespace I = ember::nn::init;
  py::module_ s = m.def_submodule("init", "Parameter initialisers (ember.nn.init).");
  using R = py::call_guard<py::gil_scoped_release>;
  s.def("calculate_gain", &I::calculate_gain, py::arg("nonlinearity"), py::arg("param") = py::none());
  s.def("_calculate_fan_in_and_fan_out", &I::calculate_fan_in_and_fan_out, py::arg("tensor"));
  s.def("uniform_", [](Tensor t, double a, double b) { return I::uniform_(t, a, b); },
        py::arg("tensor"), py::arg("a") = 0.0, py::arg("b") = 1.0, R());
  s.def("normal_", [](Tensor t, double mean, double std) { return I::normal_(t, mean, std); },
        py::arg("tensor"), py::arg("mean") = 0.0, py::arg("std") = 1.0, R());
  s.def("constant_", [](Tensor t, double v) { return I::constant_(t, v); }, py::arg("tensor"),
        py::arg("val"), R());
  s.def("zeros_", [](Tensor t) { return I::zeros_(t); }, py::arg("tensor"), R());
  s.def("ones_", [](Tensor t) { return I::ones_(t); }, py::arg("tensor"), R());
  s.def("xavier_uniform_", [](Tensor t, double g) { return I::xavier_uniform_(t, g); },
        py::arg("tensor"), py::arg("gain") = 1.0, R());
  s.def("xavier_normal_", [](Tensor t, double g) { return I::xavier_normal_(t, g); },
        py::arg("tensor"), py::arg("gain") = 1.0, R());
  s.def("kaiming_uniform_", [](Tensor t, double a, const std::string& mode, const std::string& nl) {
    return I::kaiming_uniform_(t, a, mode, nl);
  }, py::arg("tensor"), py::arg("a") = 0.0, py::arg("mode") = "fan_in",
     py::arg("nonlinearity") = "leaky_relu", R());
  s.def("kaiming_normal_", [](Tensor t, double a, const std::string& mode, const std::string& nl) {
    return I::kaiming_normal_(t, a, mode, nl);
  }, py::arg("tensor"), py::arg("a") = 0.0, py::arg("mode") = "fan_in",
     py::arg("nonlinearity") = "leaky_relu", R());
  s.def("trunc_normal_", [](Tensor t, double mean, double std, double a, double b) {
    return I::trunc_normal_(t, mean, std, a, b);
  }, py::arg("tensor"), py::arg("mean") = 0.0, py::arg("std") = 1.0, py::arg("a") = -2.0,
     py::arg("b") = 2.0, R());
  s.def("orthogonal_", [](Tensor t, double gain) { return I::orthogonal_(t, gain); },
        py::arg("tensor"), py::arg("gain") = 1.0, R());
}

}  // namespace ember::python

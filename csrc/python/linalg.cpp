// Bindings for the matmul family (ops/linalg.h) and einsum (ops/einsum.h): module
// functions and Tensor methods.
#include "bind.h"

#include <optional>

namespace ember::python {

void bind_linalg(py::module_& m, TensorClass& cls) {
  using R = py::call_guard<py::gil_scoped_release>;
  auto addmm_py = [](const Tensor& input, const Tensor& mat1, const Tensor& mat2,
                     const py::object& beta, const py::object& alpha) {
    Scalar b = to_scalar(beta, "addmm"), a = to_scalar(alpha, "addmm");
    py::gil_scoped_release release;
    return addmm(input, mat1, mat2, b, a);
  };
  auto linear_py = [](const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias) {
    return linear(input, weight, bias ? *bias : Tensor());
  };

  m.def("matmul", &matmul, py::arg("input"), py::arg("other"), R(),
        "Matrix product with PyTorch semantics (1-D, 2-D, batched with broadcasting).");
  m.def("mm", &mm, py::arg("input"), py::arg("mat2"), R());
  m.def("bmm", &bmm, py::arg("input"), py::arg("mat2"), R());
  m.def("dot", &dot, py::arg("input"), py::arg("other"), R());
  m.def("mv", &mv, py::arg("input"), py::arg("vec"), R());
  m.def("outer", &outer, py::arg("input"), py::arg("vec2"), R());
  m.def("addmm", addmm_py, py::arg("input"), py::arg("mat1"), py::arg("mat2"), py::kw_only(),
        py::arg("beta") = 1, py::arg("alpha") = 1, "beta * input + alpha * (mat1 @ mat2).");
  m.def("linear", linear_py, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(),
        R(), "input @ weight.T + bias (weight of shape (out_features, in_features)).");

  for (auto [name, fn] : {std::pair{"tril", &tril}, std::pair{"triu", &triu}}) {
    m.def(name, fn, py::arg("input"), py::arg("diagonal") = 0, R());
    cls.def(name, fn, py::arg("diagonal") = 0, R());
  }

  m.def("einsum", [](const std::string& equation, py::args args) {
    std::vector<Tensor> ops;
    if (args.size() == 1 && (py::isinstance<py::list>(args[0]) || py::isinstance<py::tuple>(args[0])))
      ops = args[0].cast<std::vector<Tensor>>();
    else
      ops = args.cast<std::vector<Tensor>>();
    py::gil_scoped_release release;
    return einsum(equation, ops);
  }, py::arg("equation"),
        "torch.einsum: einsum(equation, *operands) or einsum(equation, [operands]).");

  cls.def("matmul", &matmul, py::arg("other"), R());
  cls.def("mm", &mm, py::arg("mat2"), R());
  cls.def("bmm", &bmm, py::arg("mat2"), R());
  cls.def("dot", &dot, py::arg("other"), R());
  cls.def("mv", &mv, py::arg("vec"), R());
  cls.def("outer", &outer, py::arg("vec2"), R());
  cls.def("addmm", addmm_py, py::arg("mat1"), py::arg("mat2"), py::kw_only(),
          py::arg("beta") = 1, py::arg("alpha") = 1);
  cls.def("__matmul__", &matmul, py::is_operator(), R());
  cls.def("__rmatmul__", [](const Tensor& self, const Tensor& other) { return matmul(other, self); },
          py::is_operator(), R());
}

}  // namespace ember::python

// Bindings of scaled_dot_product_attention (ops/attention.h) and its private reference.
#include "bind.h"

namespace ember::python {

void bind_attention(py::module_& m, TensorClass& cls) {
  (void)cls;
  auto opt = [](const std::optional<Tensor>& t) { return t ? *t : Tensor(); };
  m.def("scaled_dot_product_attention",
        [opt](const Tensor& q, const Tensor& k, const Tensor& v, std::optional<Tensor> mask,
              double dropout_p, bool is_causal, std::optional<double> scale, bool enable_gqa) {
          py::gil_scoped_release release;
          return scaled_dot_product_attention(q, k, v, opt(mask), dropout_p, is_causal, scale,
                                              enable_gqa);
        },
        py::arg("query"), py::arg("key"), py::arg("value"), py::arg("attn_mask") = py::none(),
        py::arg("dropout_p") = 0.0, py::arg("is_causal") = false, py::arg("scale") = py::none(),
        py::arg("enable_gqa") = false);
  m.def("_scaled_dot_product_attention_reference",
        [opt](const Tensor& q, const Tensor& k, const Tensor& v, std::optional<Tensor> mask,
              double dropout_p, bool is_causal, std::optional<double> scale, bool enable_gqa) {
          py::gil_scoped_release release;
          return scaled_dot_product_attention_reference(q, k, v, opt(mask), dropout_p,
                                                        is_causal, scale, enable_gqa);
        },
        py::arg("query"), py::arg("key"), py::arg("value"), py::arg("attn_mask") = py::none(),
        py::arg("dropout_p") = 0.0, py::arg("is_causal") = false, py::arg("scale") = py::none(),
        py::arg("enable_gqa") = false);
}

}  // namespace ember::python

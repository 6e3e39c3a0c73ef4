// Bindings for the regression / binary / divergence losses (ember._C top level, PyTorch's
// names and defaults; the deprecated size_average / reduce arguments are not accepted, so
// reduction and the options after it are keyword-only) and the loss modules (ember._C.nn).
#include "bind.h"
#include "ember/nn/loss.h"

namespace ember::python {

namespace {

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }
py::object tensor_or_none(const Tensor& t) { return t.defined() ? py::cast(t) : py::none(); }

void bind_functional_losses(py::module_& m) {
  auto gil = py::call_guard<py::gil_scoped_release>();
  m.def("mse_loss", [](const Tensor& x, const Tensor& t, const std::string& r) {
    return mse_loss(x, t, parse_reduction(r, "mse_loss"));
  }, py::arg("input"), py::arg("target"), py::kw_only(), py::arg("reduction") = "mean", gil);
  m.def("l1_loss", [](const Tensor& x, const Tensor& t, const std::string& r) {
    return l1_loss(x, t, parse_reduction(r, "l1_loss"));
  }, py::arg("input"), py::arg("target"), py::kw_only(), py::arg("reduction") = "mean", gil);
  m.def("smooth_l1_loss", [](const Tensor& x, const Tensor& t, const std::string& r, double beta) {
    return smooth_l1_loss(x, t, parse_reduction(r, "smooth_l1_loss"), beta);
  }, py::arg("input"), py::arg("target"), py::kw_only(), py::arg("reduction") = "mean",
     py::arg("beta") = 1.0, gil);
  m.def("huber_loss", [](const Tensor& x, const Tensor& t, const std::string& r, double delta) {
    return huber_loss(x, t, parse_reduction(r, "huber_loss"), delta);
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("delta") = 1.0,
     gil);
  m.def("binary_cross_entropy", [](const Tensor& x, const Tensor& t, std::optional<Tensor> w,
                                   const std::string& r) {
    return binary_cross_entropy(x, t, opt(w), parse_reduction(r, "binary_cross_entropy"));
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::kw_only(),
     py::arg("reduction") = "mean", gil);
  m.def("binary_cross_entropy_with_logits", [](const Tensor& x, const Tensor& t,
                                               std::optional<Tensor> w, const std::string& r,
                                               std::optional<Tensor> pw) {
    return binary_cross_entropy_with_logits(
        x, t, opt(w), opt(pw), parse_reduction(r, "binary_cross_entropy_with_logits"));
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::kw_only(),
     py::arg("reduction") = "mean", py::arg("pos_weight") = py::none(), gil);
  m.def("kl_div", &kl_div, py::arg("input"), py::arg("target"), py::kw_only(),
        py::arg("reduction") = "mean", py::arg("log_target") = false, gil);
}

void bind_loss_modules(py::module_& nn) {
  auto gil = py::call_guard<py::gil_scoped_release>();
  py::class_<nn::Loss, nn::Module, std::shared_ptr<nn::Loss>>(
      nn, "_Loss", "Base of the loss modules: reduction and forward(input, target).")
      .def("forward", [](nn::Loss& l, const Tensor& x, const Tensor& t) { return l.forward(x, t); },
           py::arg("input"), py::arg("target"), gil)
      .def_readwrite("reduction", &nn::Loss::reduction);
  py::class_<nn::WeightedLoss, nn::Loss, std::shared_ptr<nn::WeightedLoss>>(
      nn, "_WeightedLoss", "A loss with a 'weight' buffer.");

  py::class_<nn::CrossEntropyLoss, nn::WeightedLoss, std::shared_ptr<nn::CrossEntropyLoss>>(
      nn, "CrossEntropyLoss", "cross_entropy as a module (weight is a buffer).")
      .def(py::init([](std::optional<Tensor> w, int64_t ii, std::string r, double ls) {
             return std::make_shared<nn::CrossEntropyLoss>(opt(w), ii, std::move(r), ls);
           }), py::arg("weight") = py::none(), py::kw_only(), py::arg("ignore_index") = -100,
           py::arg("reduction") = "mean", py::arg("label_smoothing") = 0.0)
      .def_readwrite("ignore_index", &nn::CrossEntropyLoss::ignore_index)
      .def_readwrite("label_smoothing", &nn::CrossEntropyLoss::label_smoothing);
  py::class_<nn::NLLLoss, nn::WeightedLoss, std::shared_ptr<nn::NLLLoss>>(
      nn, "NLLLoss", "nll_loss as a module (weight is a buffer).")
      .def(py::init([](std::optional<Tensor> w, int64_t ii, std::string r) {
             return std::make_shared<nn::NLLLoss>(opt(w), ii, std::move(r));
           }), py::arg("weight") = py::none(), py::kw_only(), py::arg("ignore_index") = -100,
           py::arg("reduction") = "mean")
      .def_readwrite("ignore_index", &nn::NLLLoss::ignore_index);
  py::class_<nn::MSELoss, nn::Loss, std::shared_ptr<nn::MSELoss>>(nn, "MSELoss",
                                                                   "mse_loss as a module.")
      .def(py::init<std::string>(), py::kw_only(), py::arg("reduction") = "mean");
  py::class_<nn::L1Loss, nn::Loss, std::shared_ptr<nn::L1Loss>>(nn, "L1Loss",
                                                                 "l1_loss as a module.")
      .def(py::init<std::string>(), py::kw_only(), py::arg("reduction") = "mean");
  py::class_<nn::SmoothL1Loss, nn::Loss, std::shared_ptr<nn::SmoothL1Loss>>(
      nn, "SmoothL1Loss", "smooth_l1_loss as a module.")
      .def(py::init<std::string, double>(), py::kw_only(), py::arg("reduction") = "mean",
           py::arg("beta") = 1.0)
      .def_readwrite("beta", &nn::SmoothL1Loss::beta);
  py::class_<nn::HuberLoss, nn::Loss, std::shared_ptr<nn::HuberLoss>>(
      nn, "HuberLoss", "huber_loss as a module.")
      .def(py::init<std::string, double>(), py::arg("reduction") = "mean", py::arg("delta") = 1.0)
      .def_readwrite("delta", &nn::HuberLoss::delta);
  py::class_<nn::BCELoss, nn::WeightedLoss, std::shared_ptr<nn::BCELoss>>(
      nn, "BCELoss", "binary_cross_entropy as a module (weight is a buffer).")
      .def(py::init([](std::optional<Tensor> w, std::string r) {
             return std::make_shared<nn::BCELoss>(opt(w), std::move(r));
           }), py::arg("weight") = py::none(), py::kw_only(), py::arg("reduction") = "mean");
  py::class_<nn::BCEWithLogitsLoss, nn::WeightedLoss, std::shared_ptr<nn::BCEWithLogitsLoss>>(
      nn, "BCEWithLogitsLoss",
      "binary_cross_entropy_with_logits as a module (weight and pos_weight are buffers).")
      .def(py::init([](std::optional<Tensor> w, std::string r, std::optional<Tensor> pw) {
             return std::make_shared<nn::BCEWithLogitsLoss>(opt(w), std::move(r), opt(pw));
           }), py::arg("weight") = py::none(), py::kw_only(), py::arg("reduction") = "mean",
           py::arg("pos_weight") = py::none());
  py::class_<nn::KLDivLoss, nn::Loss, std::shared_ptr<nn::KLDivLoss>>(
      nn, "KLDivLoss", "kl_div as a module (reduction may also be 'batchmean').")
      .def(py::init<std::string, bool>(), py::kw_only(), py::arg("reduction") = "mean",
           py::arg("log_target") = false)
      .def_readwrite("log_target", &nn::KLDivLoss::log_target);
}

}  // namespace

void bind_nn_loss(py::module_& m, TensorClass& /*cls*/) {
  bind_functional_losses(m);
  py::module_ nn = m.attr("nn").cast<py::module_>();
  bind_loss_modules(nn);
}

}  // namespace ember::python

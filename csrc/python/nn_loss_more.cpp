// Bindings for the margin / embedding / likelihood losses and ctc_loss (ember._C top level,
// PyTorch's names and defaults; the deprecated size_average / reduce arguments are not
// accepted, so options after them are keyword-only) and their modules (ember._C.nn).
#include "bind.h"
#include "ember/nn/loss_more.h"

namespace ember::python {

namespace {

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

// ctc lengths: an int64 tensor, a sequence of ints, or one int (unbatched).
struct Lengths {
  Tensor tensor;
  std::vector<int64_t> values;
};
Lengths lengths_arg(const py::object& o, const char* arg) {
  Lengths l;
  if (py::isinstance<Tensor>(o)) {
    l.tensor = o.cast<Tensor>();
  } else if (py::isinstance<py::int_>(o)) {
    l.values = {o.cast<int64_t>()};
  } else {
    try {
      l.values = o.cast<std::vector<int64_t>>();
    } catch (const py::cast_error&) {
      EMBER_THROW(TypeError, "[ctc_loss] expected ", arg,
                  " as an int64 tensor or a sequence of ints, got ",
                  std::string(py::str(py::type::of(o).attr("__name__"))));
    }
  }
  return l;
}

template <class F>
Tensor with_lengths(const py::object& il, const py::object& tl, F&& f) {
  Lengths a = lengths_arg(il, "input_lengths"), b = lengths_arg(tl, "target_lengths");
  py::gil_scoped_release release;
  if (a.tensor.defined() && b.tensor.defined()) return f(a.tensor, b.tensor);
  EMBER_CHECK(!a.tensor.defined() && !b.tensor.defined(), TypeError,
              "[ctc_loss] input_lengths and target_lengths must both be tensors or both "
              "sequences of ints");
  return f(a.values, b.values);
}

void bind_functional(py::module_& m) {
  auto gil = py::call_guard<py::gil_scoped_release>();
  m.def("margin_ranking_loss", [](const Tensor& a, const Tensor& b, const Tensor& t, double mg,
                                  const std::string& r) {
    return margin_ranking_loss(a, b, t, mg, parse_reduction(r, "margin_ranking_loss"));
  }, py::arg("input1"), py::arg("input2"), py::arg("target"), py::arg("margin") = 0.0,
     py::kw_only(), py::arg("reduction") = "mean", gil);
  m.def("hinge_embedding_loss", [](const Tensor& x, const Tensor& t, double mg,
                                   const std::string& r) {
    return hinge_embedding_loss(x, t, mg, parse_reduction(r, "hinge_embedding_loss"));
  }, py::arg("input"), py::arg("target"), py::arg("margin") = 1.0, py::kw_only(),
     py::arg("reduction") = "mean", gil);
  m.def("cosine_embedding_loss", [](const Tensor& a, const Tensor& b, const Tensor& t, double mg,
                                    const std::string& r) {
    return cosine_embedding_loss(a, b, t, mg, parse_reduction(r, "cosine_embedding_loss"));
  }, py::arg("input1"), py::arg("input2"), py::arg("target"), py::arg("margin") = 0.0,
     py::kw_only(), py::arg("reduction") = "mean", gil);
  m.def("soft_margin_loss", [](const Tensor& x, const Tensor& t, const std::string& r) {
    return soft_margin_loss(x, t, parse_reduction(r, "soft_margin_loss"));
  }, py::arg("input"), py::arg("target"), py::kw_only(), py::arg("reduction") = "mean", gil);
  m.def("multilabel_soft_margin_loss", [](const Tensor& x, const Tensor& t,
                                          std::optional<Tensor> w, const std::string& r) {
    return multilabel_soft_margin_loss(x, t, opt(w),
                                       parse_reduction(r, "multilabel_soft_margin_loss"));
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::kw_only(),
     py::arg("reduction") = "mean", gil);
  m.def("multi_margin_loss", [](const Tensor& x, const Tensor& t, int64_t p, double mg,
                                std::optional<Tensor> w, const std::string& r) {
    return multi_margin_loss(x, t, p, mg, opt(w), parse_reduction(r, "multi_margin_loss"));
  }, py::arg("input"), py::arg("target"), py::arg("p") = 1, py::arg("margin") = 1.0,
     py::arg("weight") = py::none(), py::kw_only(), py::arg("reduction") = "mean", gil);
  m.def("multilabel_margin_loss", [](const Tensor& x, const Tensor& t, const std::string& r) {
    return multilabel_margin_loss(x, t, parse_reduction(r, "multilabel_margin_loss"));
  }, py::arg("input"), py::arg("target"), py::kw_only(), py::arg("reduction") = "mean", gil);
  m.def("triplet_margin_loss", [](const Tensor& a, const Tensor& p, const Tensor& n, double mg,
                                  double pn, double eps, bool swap, const std::string& r) {
    return triplet_margin_loss(a, p, n, mg, pn, eps, swap,
                               parse_reduction(r, "triplet_margin_loss"));
  }, py::arg("anchor"), py::arg("positive"), py::arg("negative"), py::arg("margin") = 1.0,
     py::arg("p") = 2.0, py::arg("eps") = 1e-6, py::arg("swap") = false, py::kw_only(),
     py::arg("reduction") = "mean", gil);
  m.def("poisson_nll_loss", [](const Tensor& x, const Tensor& t, bool log_input, bool full,
                               double eps, const std::string& r) {
    return poisson_nll_loss(x, t, log_input, full, eps, parse_reduction(r, "poisson_nll_loss"));
  }, py::arg("input"), py::arg("target"), py::arg("log_input") = true, py::arg("full") = false,
     py::kw_only(), py::arg("eps") = 1e-8, py::arg("reduction") = "mean", gil);
  m.def("gaussian_nll_loss", [](const Tensor& x, const Tensor& t, const Tensor& v, bool full,
                                double eps, const std::string& r) {
    return gaussian_nll_loss(x, t, v, full, eps, parse_reduction(r, "gaussian_nll_loss"));
  }, py::arg("input"), py::arg("target"), py::arg("var"), py::arg("full") = false,
     py::arg("eps") = 1e-6, py::arg("reduction") = "mean", gil);
  m.def("ctc_loss", [](const Tensor& lp, const Tensor& tg, const py::object& il,
                       const py::object& tl, int64_t blank, const std::string& r, bool zi) {
    Reduction red = parse_reduction(r, "ctc_loss");
    return with_lengths(il, tl, [&](const auto& a, const auto& b) {
      return ctc_loss(lp, tg, a, b, blank, red, zi);
    });
  }, py::arg("log_probs"), py::arg("targets"), py::arg("input_lengths"),
     py::arg("target_lengths"), py::arg("blank") = 0, py::arg("reduction") = "mean",
     py::arg("zero_infinity") = false);
}

template <class L>
using Cls = py::class_<L, nn::Loss, std::shared_ptr<L>>;
template <class L>
using Cls3 = py::class_<L, nn::TernaryLoss, std::shared_ptr<L>>;
template <class L>
using ClsW = py::class_<L, nn::WeightedLoss, std::shared_ptr<L>>;

void bind_modules(py::module_& nn) {
  auto gil = py::call_guard<py::gil_scoped_release>();
  py::class_<nn::TernaryLoss, nn::Module, std::shared_ptr<nn::TernaryLoss>>(
      nn, "_TernaryLoss", "Base of the three-input losses: reduction and forward(a, b, c).")
      .def_readwrite("reduction", &nn::TernaryLoss::reduction);
  Cls3<nn::MarginRankingLoss>(nn, "MarginRankingLoss", "margin_ranking_loss as a module.")
      .def(py::init<double, std::string>(), py::arg("margin") = 0.0, py::kw_only(),
           py::arg("reduction") = "mean")
      .def("forward", [](nn::MarginRankingLoss& l, const Tensor& a, const Tensor& b,
                         const Tensor& t) { return l.forward(a, b, t); },
           py::arg("input1"), py::arg("input2"), py::arg("target"), gil)
      .def_readwrite("margin", &nn::MarginRankingLoss::margin);
  Cls3<nn::CosineEmbeddingLoss>(nn, "CosineEmbeddingLoss", "cosine_embedding_loss as a module.")
      .def(py::init<double, std::string>(), py::arg("margin") = 0.0, py::kw_only(),
           py::arg("reduction") = "mean")
      .def("forward", [](nn::CosineEmbeddingLoss& l, const Tensor& a, const Tensor& b,
                         const Tensor& t) { return l.forward(a, b, t); },
           py::arg("input1"), py::arg("input2"), py::arg("target"), gil)
      .def_readwrite("margin", &nn::CosineEmbeddingLoss::margin);
  Cls3<nn::TripletMarginLoss>(nn, "TripletMarginLoss", "triplet_margin_loss as a module.")
      .def(py::init<double, double, double, bool, std::string>(), py::arg("margin") = 1.0,
           py::arg("p") = 2.0, py::arg("eps") = 1e-6, py::arg("swap") = false, py::kw_only(),
           py::arg("reduction") = "mean")
      .def("forward", [](nn::TripletMarginLoss& l, const Tensor& a, const Tensor& p,
                         const Tensor& n) { return l.forward(a, p, n); },
           py::arg("anchor"), py::arg("positive"), py::arg("negative"), gil)
      .def_readwrite("margin", &nn::TripletMarginLoss::margin)
      .def_readwrite("p", &nn::TripletMarginLoss::p)
      .def_readwrite("eps", &nn::TripletMarginLoss::eps)
      .def_readwrite("swap", &nn::TripletMarginLoss::swap);
  Cls3<nn::GaussianNLLLoss>(nn, "GaussianNLLLoss", "gaussian_nll_loss as a module.")
      .def(py::init<bool, double, std::string>(), py::kw_only(), py::arg("full") = false,
           py::arg("eps") = 1e-6, py::arg("reduction") = "mean")
      .def("forward", [](nn::GaussianNLLLoss& l, const Tensor& x, const Tensor& t,
                         const Tensor& v) { return l.forward(x, t, v); },
           py::arg("input"), py::arg("target"), py::arg("var"), gil)
      .def_readwrite("full", &nn::GaussianNLLLoss::full)
      .def_readwrite("eps", &nn::GaussianNLLLoss::eps);
  Cls<nn::HingeEmbeddingLoss>(nn, "HingeEmbeddingLoss", "hinge_embedding_loss as a module.")
      .def(py::init<double, std::string>(), py::arg("margin") = 1.0, py::kw_only(),
           py::arg("reduction") = "mean")
      .def_readwrite("margin", &nn::HingeEmbeddingLoss::margin);
  Cls<nn::SoftMarginLoss>(nn, "SoftMarginLoss", "soft_margin_loss as a module.")
      .def(py::init<std::string>(), py::kw_only(), py::arg("reduction") = "mean");
  ClsW<nn::MultiLabelSoftMarginLoss>(nn, "MultiLabelSoftMarginLoss",
                                     "multilabel_soft_margin_loss as a module (weight buffer).")
      .def(py::init([](std::optional<Tensor> w, std::string r) {
             return std::make_shared<nn::MultiLabelSoftMarginLoss>(opt(w), std::move(r));
           }), py::arg("weight") = py::none(), py::kw_only(), py::arg("reduction") = "mean");
  ClsW<nn::MultiMarginLoss>(nn, "MultiMarginLoss", "multi_margin_loss as a module (weight buffer).")
      .def(py::init([](int64_t p, double mg, std::optional<Tensor> w, std::string r) {
             return std::make_shared<nn::MultiMarginLoss>(p, mg, opt(w), std::move(r));
           }), py::arg("p") = 1, py::arg("margin") = 1.0, py::arg("weight") = py::none(),
           py::kw_only(), py::arg("reduction") = "mean")
      .def_readwrite("p", &nn::MultiMarginLoss::p)
      .def_readwrite("margin", &nn::MultiMarginLoss::margin);
  Cls<nn::MultiLabelMarginLoss>(nn, "MultiLabelMarginLoss", "multilabel_margin_loss as a module.")
      .def(py::init<std::string>(), py::kw_only(), py::arg("reduction") = "mean");
  Cls<nn::PoissonNLLLoss>(nn, "PoissonNLLLoss", "poisson_nll_loss as a module.")
      .def(py::init<bool, bool, double, std::string>(), py::arg("log_input") = true,
           py::arg("full") = false, py::kw_only(), py::arg("eps") = 1e-8,
           py::arg("reduction") = "mean")
      .def_readwrite("log_input", &nn::PoissonNLLLoss::log_input)
      .def_readwrite("full", &nn::PoissonNLLLoss::full)
      .def_readwrite("eps", &nn::PoissonNLLLoss::eps);
  py::class_<nn::CTCLoss, nn::Module, std::shared_ptr<nn::CTCLoss>>(
      nn, "CTCLoss", "ctc_loss as a module.")
      .def(py::init<int64_t, std::string, bool>(), py::arg("blank") = 0,
           py::arg("reduction") = "mean", py::arg("zero_infinity") = false)
      .def("forward", [](nn::CTCLoss& l, const Tensor& lp, const Tensor& tg, const py::object& il,
                         const py::object& tl) {
             return with_lengths(il, tl, [&](const auto& a, const auto& b) {
               return l.forward(lp, tg, a, b);
             });
           }, py::arg("log_probs"), py::arg("targets"), py::arg("input_lengths"),
           py::arg("target_lengths"))
      .def_readwrite("blank", &nn::CTCLoss::blank)
      .def_readwrite("reduction", &nn::CTCLoss::reduction)
      .def_readwrite("zero_infinity", &nn::CTCLoss::zero_infinity);
}

}  // namespace

void bind_nn_loss_more(py::module_& m, TensorClass& /*cls*/) {
  bind_functional(m);
  py::module_ nn = m.attr("nn").cast<py::module_>();
  bind_modules(nn);
}

}  // namespace ember::python

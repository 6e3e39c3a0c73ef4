// Bindings for norms and distances (ops/linalg_norm.h, ops/distance.h): the ember._C.linalg
// submodule (vector_norm, matrix_norm, norm), ember.norm / Tensor.norm, and the distance ops.
// ord / p may be a Python number (inf included) or a string ('fro', 'nuc').
#include "bind.h"

#include "ember/nn/distance.h"
#include "ember/ops/distance.h"
#include "ember/ops/linalg_norm.h"

namespace ember::python {

namespace {

double number_of(const py::object& o, const char* op, const char* what) {
  if (py::isinstance<py::bool_>(o) || !(py::isinstance<py::int_>(o) || py::isinstance<py::float_>(o)))
    throw TypeError(std::string("[") + op + "] expected " + what + " to be a number" +
                    (std::string(op) == "vector_norm" ? "" : " or a string") + ", got " +
                    std::string(py::str(py::type::of(o).attr("__name__"))));
  return o.cast<double>();
}

}  // namespace

void bind_norms(py::module_& m, TensorClass& cls) {
  py::module_ la = m.def_submodule("linalg", "Linear algebra: norms (ember.linalg).");
  la.def("vector_norm",
         [](const Tensor& x, const py::object& ord, const py::object& dim, bool keepdim,
            std::optional<DType> dtype) {
           double p = number_of(ord, "vector_norm", "ord");
           auto dims = dims_arg(dim, "vector_norm");
           py::gil_scoped_release g;
           return linalg::vector_norm(x, p, dims, keepdim, dtype);
         },
         py::arg("x"), py::arg("ord") = 2, py::arg("dim") = py::none(), py::arg("keepdim") = false,
         py::kw_only(), py::arg("dtype") = py::none(),
         "(sum |x|^ord)^(1/ord) over dim (all when None); ord may be inf, -inf or 0.");
  la.def("matrix_norm",
         [](const Tensor& a, const py::object& ord, const py::object& dim, bool keepdim,
            std::optional<DType> dtype) {
           auto dims = dims_arg(dim, "matrix_norm");
           if (py::isinstance<py::str>(ord)) {
             std::string s = ord.cast<std::string>();
             py::gil_scoped_release g;
             return linalg::matrix_norm(a, s, dims, keepdim, dtype);
           }
           double p = number_of(ord, "matrix_norm", "ord");
           py::gil_scoped_release g;
           return linalg::matrix_norm(a, p, dims, keepdim, dtype);
         },
         py::arg("A"), py::arg("ord") = "fro", py::arg("dim") = py::make_tuple(-2, -1),
         py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none(),
         "Matrix norm over two dims: 'fro', 1, -1, inf, -inf ('nuc', 2, -2 need an SVD: "
         "NotImplementedError).");
  la.def("norm",
         [](const Tensor& a, const py::object& ord, const py::object& dim, bool keepdim,
            std::optional<DType> dtype) {
           std::optional<std::vector<int64_t>> dims;
           if (!dim.is_none()) dims = dims_arg(dim, "linalg.norm");
           if (py::isinstance<py::str>(ord)) {
             std::string s = ord.cast<std::string>();
             py::gil_scoped_release g;
             return linalg::norm(a, s, dims, keepdim, dtype);
           }
           std::optional<double> p;
           if (!ord.is_none()) p = number_of(ord, "linalg.norm", "ord");
           py::gil_scoped_release g;
           return linalg::norm(a, p, dims, keepdim, dtype);
         },
         py::arg("A"), py::arg("ord") = py::none(), py::arg("dim") = py::none(),
         py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none(),
         "torch.linalg.norm: a vector norm over one dim, a matrix norm over two.");

  auto norm_py = [](const Tensor& x, const py::object& p, const py::object& dim, bool keepdim,
                    std::optional<DType> dtype) {
    auto dims = dims_arg(dim, "norm");
    if (py::isinstance<py::str>(p)) {
      std::string s = p.cast<std::string>();
      py::gil_scoped_release g;
      return norm(x, s, dims, keepdim, dtype);
    }
    double v = p.is_none() ? 2.0 : number_of(p, "norm", "p");
    py::gil_scoped_release g;
    return norm(x, v, dims, keepdim, dtype);
  };
  m.def("norm", norm_py, py::arg("input"), py::arg("p") = "fro", py::arg("dim") = py::none(),
        py::arg("keepdim") = false, py::arg("dtype") = py::none(),
        "torch.norm: the p-norm over dim (all when None); 'fro' is the 2-norm.");
  cls.def("norm", norm_py, py::arg("p") = "fro", py::arg("dim") = py::none(),
          py::arg("keepdim") = false, py::arg("dtype") = py::none());

  using R = py::call_guard<py::gil_scoped_release>;
  m.def("normalize", &normalize, py::arg("input"), py::arg("p") = 2.0, py::arg("dim") = 1,
        py::arg("eps") = 1e-12, R(), "input / max(||input||_p over dim, eps).");
  m.def("cosine_similarity", &cosine_similarity, py::arg("x1"), py::arg("x2"), py::arg("dim") = 1,
        py::arg("eps") = 1e-8, R(), "Cosine similarity along dim (x1 and x2 broadcast).");
  m.def("pairwise_distance", &pairwise_distance, py::arg("x1"), py::arg("x2"), py::arg("p") = 2.0,
        py::arg("eps") = 1e-6, py::arg("keepdim") = false, R(),
        "||x1 - x2 + eps||_p over the last dim.");
  m.def("cdist", &cdist, py::arg("x1"), py::arg("x2"), py::arg("p") = 2.0,
        py::arg("compute_mode") = "use_mm_for_euclid_dist_if_necessary", R(),
        "p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M): (..., P, R).");
  m.def("dist", &dist, py::arg("input"), py::arg("other"), py::arg("p") = 2.0, R(),
        "||input - other||_p over all elements.");
  cls.def("dist", &dist, py::arg("other"), py::arg("p") = 2.0, R());

  py::module_ nnm = m.attr("nn").cast<py::module_>();
  py::class_<nn::CosineSimilarity, nn::Module, std::shared_ptr<nn::CosineSimilarity>>(
      nnm, "CosineSimilarity", "cosine_similarity(x1, x2, dim, eps) as a module.")
      .def(py::init<int64_t, double>(), py::arg("dim") = 1, py::arg("eps") = 1e-8)
      .def("forward", [](nn::CosineSimilarity& l, const Tensor& a, const Tensor& b) {
             return l.forward(a, b);
           }, py::arg("x1"), py::arg("x2"), R())
      .def_readwrite("dim", &nn::CosineSimilarity::dim)
      .def_readwrite("eps", &nn::CosineSimilarity::eps);
  py::class_<nn::PairwiseDistance, nn::Module, std::shared_ptr<nn::PairwiseDistance>>(
      nnm, "PairwiseDistance", "pairwise_distance(x1, x2, p, eps, keepdim) as a module.")
      .def(py::init<double, double, bool>(), py::arg("p") = 2.0, py::arg("eps") = 1e-6,
           py::arg("keepdim") = false)
      .def("forward", [](nn::PairwiseDistance& l, const Tensor& a, const Tensor& b) {
             return l.forward(a, b);
           }, py::arg("x1"), py::arg("x2"), R())
      .def_readwrite("norm", &nn::PairwiseDistance::norm)
      .def_readwrite("eps", &nn::PairwiseDistance::eps)
      .def_readwrite("keepdim", &nn::PairwiseDistance::keepdim);
}

}  // namespace ember::python

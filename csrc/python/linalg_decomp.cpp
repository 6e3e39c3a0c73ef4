// Bindings for ops/linalg_decomp.h in ember._C.linalg (qr, eigh, eigvalsh, svd, svdvals, pinv,
// matrix_rank, lstsq, cond, matrix_power, matrix_exp, vecdot) plus torch's top-level
// matrix_power / matrix_exp and their Tensor methods. Results are namedtuples.
#include "bind.h"

#include "ember/ops/linalg_decomp.h"

namespace ember::python {

namespace {

void check_driver(const py::object& driver, const char* op) {
  if (!driver.is_none())
    throw NotImplementedError(std::string("[") + op + "] the driver argument selects a cuSOLVER "
                              "routine (CUDA only); ember's CPU implementation takes driver=None");
}

}  // namespace

void bind_linalg_decomp(py::module_& m, TensorClass& cls) {
  using R = py::call_guard<py::gil_scoped_release>;
  using OptD = std::optional<double>;
  py::module_ la = m.attr("linalg");
  py::object qr_t = return_type("linalg_qr", {"Q", "R"});
  py::object eigh_t = return_type("linalg_eigh", {"eigenvalues", "eigenvectors"});
  py::object svd_t = return_type("linalg_svd", {"U", "S", "Vh"});
  py::object lstsq_t = return_type("linalg_lstsq", {"solution", "residuals", "rank",
                                                    "singular_values"});

  la.def("qr", [qr_t](const Tensor& A, const std::string& mode) {
    linalg::QRResult r;
    { py::gil_scoped_release g; r = linalg::qr(A, mode); }
    return qr_t(r.Q, r.R);
  }, py::arg("A"), py::arg("mode") = "reduced", "Householder QR: (Q, R).");
  la.def("eigh", [eigh_t](const Tensor& A, const std::string& UPLO) {
    linalg::EighResult r;
    { py::gil_scoped_release g; r = linalg::eigh(A, UPLO); }
    return eigh_t(r.eigenvalues, r.eigenvectors);
  }, py::arg("A"), py::arg("UPLO") = "L",
     "Symmetric eigen-decomposition (Jacobi): eigenvalues ascending, eigenvectors as columns.");
  la.def("eigvalsh", &linalg::eigvalsh, py::arg("A"), py::arg("UPLO") = "L", R());
  la.def("svd", [svd_t](const Tensor& A, bool full_matrices, const py::object& driver) {
    check_driver(driver, "linalg.svd");
    linalg::SVDResult r;
    { py::gil_scoped_release g; r = linalg::svd(A, full_matrices); }
    return svd_t(r.U, r.S, r.Vh);
  }, py::arg("A"), py::arg("full_matrices") = true, py::kw_only(), py::arg("driver") = py::none(),
     "SVD by one-sided Jacobi: (U, S, Vh), S descending.");
  la.def("svdvals", [](const Tensor& A, const py::object& driver) {
    check_driver(driver, "linalg.svdvals");
    py::gil_scoped_release g;
    return linalg::svdvals(A);
  }, py::arg("A"), py::kw_only(), py::arg("driver") = py::none());
  la.def("pinv", &linalg::pinv, py::arg("A"), py::kw_only(), py::arg("atol") = py::none(),
         py::arg("rtol") = py::none(), py::arg("hermitian") = false, R());
  la.def("matrix_rank", &linalg::matrix_rank, py::arg("A"), py::kw_only(),
         py::arg("atol") = py::none(), py::arg("rtol") = py::none(),
         py::arg("hermitian") = false, R());
  la.def("lstsq", [lstsq_t](const Tensor& A, const Tensor& B, OptD rcond,
                            std::optional<std::string> driver) {
    linalg::LstsqResult r;
    { py::gil_scoped_release g; r = linalg::lstsq(A, B, rcond, driver); }
    return lstsq_t(r.solution, r.residuals, r.rank, r.singular_values);
  }, py::arg("A"), py::arg("B"), py::arg("rcond") = py::none(), py::kw_only(),
     py::arg("driver") = py::none(),
     "Least squares through pinv: solution (minimum norm) and rank; residuals and "
     "singular_values are empty (as torch's default driver 'gelsy').");
  la.def("cond", [](const Tensor& A, const py::object& p) {
    if (py::isinstance<py::str>(p)) {
      std::string s = p.cast<std::string>();
      py::gil_scoped_release g;
      return linalg::cond(A, s);
    }
    OptD q = p.is_none() ? OptD() : OptD(p.cast<double>());
    py::gil_scoped_release g;
    return linalg::cond(A, q);
  }, py::arg("A"), py::arg("p") = py::none());
  la.def("matrix_power", &linalg::matrix_power, py::arg("A"), py::arg("n"), R());
  la.def("matrix_exp", &linalg::matrix_exp, py::arg("A"), R());
  la.def("vecdot", &linalg::vecdot, py::arg("x"), py::arg("y"), py::kw_only(),
         py::arg("dim") = -1, R());

  m.def("matrix_power", &linalg::matrix_power, py::arg("input"), py::arg("n"), R());
  cls.def("matrix_power", &linalg::matrix_power, py::arg("n"), R());
  m.def("matrix_exp", &linalg::matrix_exp, py::arg("input"), R());
  cls.def("matrix_exp", &linalg::matrix_exp, R());
}

}  // namespace ember::python

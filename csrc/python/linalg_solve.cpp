// Bindings for the LU family, triangular solves and Cholesky (ops/linalg_solve.h) in the
// ember._C.linalg submodule, plus torch's top-level aliases (det, logdet, inverse, slogdet,
// cholesky_solve, ...) and Tensor methods. Results come as torch.return_types-like namedtuples.
#include "bind.h"

#include "ember/ops/linalg_solve.h"

namespace ember::python {

// A namedtuple type named like torch.return_types.<name>.
py::object return_type(const char* name, std::initializer_list<const char*> fields) {
  py::tuple f(fields.size());
  size_t i = 0;
  for (const char* s : fields) f[i++] = py::str(s);
  py::object t = py::module_::import("collections").attr("namedtuple")(name, f);
  t.attr("__module__") = "ember.return_types";
  return t;
}

void bind_linalg_solve(py::module_& m, TensorClass& cls) {
  using R = py::call_guard<py::gil_scoped_release>;
  py::module_ la = m.attr("linalg");
  py::object lu_factor_t = return_type("linalg_lu_factor", {"LU", "pivots"});
  py::object lu_factor_ex_t = return_type("linalg_lu_factor_ex", {"LU", "pivots", "info"});
  py::object lu_t = return_type("linalg_lu", {"P", "L", "U"});
  py::object solve_ex_t = return_type("linalg_solve_ex", {"result", "info"});
  py::object inv_ex_t = return_type("linalg_inv_ex", {"inverse", "info"});
  py::object cholesky_ex_t = return_type("linalg_cholesky_ex", {"L", "info"});
  py::object slogdet_t = return_type("linalg_slogdet", {"sign", "logabsdet"});
  py::object slogdet_top_t = return_type("slogdet", {"sign", "logabsdet"});
  py::object tri_t = return_type("triangular_solve", {"solution", "cloned_coefficient"});

  la.def("lu_factor", [lu_factor_t](const Tensor& A, bool pivot) {
    linalg::LUFactorResult r;
    { py::gil_scoped_release g; r = linalg::lu_factor(A, pivot); }
    return lu_factor_t(r.LU, r.pivots);
  }, py::arg("A"), py::kw_only(), py::arg("pivot") = true,
     "A = P L U with partial pivoting: (LU, pivots); pivots are 1-based int64 (torch: int32).");
  la.def("lu_factor_ex", [lu_factor_ex_t](const Tensor& A, bool pivot, bool check_errors) {
    linalg::LUFactorResult r;
    { py::gil_scoped_release g; r = linalg::lu_factor_ex(A, pivot, check_errors); }
    return lu_factor_ex_t(r.LU, r.pivots, r.info);
  }, py::arg("A"), py::kw_only(), py::arg("pivot") = true, py::arg("check_errors") = false);
  la.def("lu", [lu_t](const Tensor& A, bool pivot) {
    linalg::LUResult r;
    { py::gil_scoped_release g; r = linalg::lu(A, pivot); }
    return lu_t(r.P, r.L, r.U);
  }, py::arg("A"), py::kw_only(), py::arg("pivot") = true);
  la.def("lu_solve", &linalg::lu_solve, py::arg("LU"), py::arg("pivots"), py::arg("B"),
         py::kw_only(), py::arg("left") = true, py::arg("adjoint") = false, R());
  la.def("solve", &linalg::solve, py::arg("A"), py::arg("B"), py::kw_only(),
         py::arg("left") = true, R());
  la.def("solve_ex", [solve_ex_t](const Tensor& A, const Tensor& B, bool left, bool check_errors) {
    linalg::SolveResult r;
    { py::gil_scoped_release g; r = linalg::solve_ex(A, B, left, check_errors); }
    return solve_ex_t(r.result, r.info);
  }, py::arg("A"), py::arg("B"), py::kw_only(), py::arg("left") = true,
     py::arg("check_errors") = false);
  la.def("inv", &linalg::inv, py::arg("A"), R());
  la.def("inv_ex", [inv_ex_t](const Tensor& A, bool check_errors) {
    linalg::InvResult r;
    { py::gil_scoped_release g; r = linalg::inv_ex(A, check_errors); }
    return inv_ex_t(r.inverse, r.info);
  }, py::arg("A"), py::kw_only(), py::arg("check_errors") = false);
  la.def("det", &linalg::det, py::arg("A"), R());
  auto slogdet_with = [](py::object type) {
    return [type](const Tensor& A) {
      linalg::SlogdetResult r;
      { py::gil_scoped_release g; r = linalg::slogdet(A); }
      return type(r.sign, r.logabsdet);
    };
  };
  la.def("slogdet", slogdet_with(slogdet_t), py::arg("A"));
  la.def("solve_triangular", &linalg::solve_triangular, py::arg("A"), py::arg("B"),
         py::kw_only(), py::arg("upper"), py::arg("left") = true,
         py::arg("unitriangular") = false, R());
  la.def("cholesky", &linalg::cholesky, py::arg("A"), py::kw_only(), py::arg("upper") = false, R());
  la.def("cholesky_ex", [cholesky_ex_t](const Tensor& A, bool upper, bool check_errors) {
    linalg::CholeskyResult r;
    { py::gil_scoped_release g; r = linalg::cholesky_ex(A, upper, check_errors); }
    return cholesky_ex_t(r.L, r.info);
  }, py::arg("A"), py::kw_only(), py::arg("upper") = false, py::arg("check_errors") = false);

  // torch's top-level names and Tensor methods.
  for (const char* name : {"det", "inverse", "logdet"}) {
    Tensor (*fn)(const Tensor&) = std::string(name) == "det" ? &linalg::det
                                  : std::string(name) == "inverse" ? &linalg::inv : &logdet;
    m.def(name, fn, py::arg("input"), R());
    cls.def(name, fn, R());
  }
  m.def("slogdet", slogdet_with(slogdet_top_t), py::arg("input"));
  cls.def("slogdet", slogdet_with(slogdet_top_t));
  m.def("cholesky_solve", &cholesky_solve, py::arg("input"), py::arg("input2"),
        py::arg("upper") = false, R(), "torch.cholesky_solve(B, L, upper=False).");
  cls.def("cholesky_solve", &cholesky_solve, py::arg("input2"), py::arg("upper") = false, R());
  m.def("cholesky_inverse", &cholesky_inverse, py::arg("input"), py::arg("upper") = false, R());
  cls.def("cholesky_inverse", &cholesky_inverse, py::arg("upper") = false, R());
  auto tri = [tri_t](const Tensor& B, const Tensor& A, bool upper, bool transpose, bool unit) {
    std::pair<Tensor, Tensor> r;
    { py::gil_scoped_release g; r = triangular_solve(B, A, upper, transpose, unit); }
    return tri_t(r.first, r.second);
  };
  m.def("triangular_solve", tri, py::arg("input"), py::arg("A"), py::arg("upper") = true,
        py::arg("transpose") = false, py::arg("unitriangular") = false);
  cls.def("triangular_solve", tri, py::arg("A"), py::arg("upper") = true,
          py::arg("transpose") = false, py::arg("unitriangular") = false);
}

}  // namespace ember::python

// Bindings of ops/shaping.h (diff, rot90, flips, kron, block_diag, cartesian_prod,
// combinations, vander, tensordot, inner, cov, corrcoef, cross, linalg.cross / multi_dot,
// baddbmm, addbmm, addmv, addr, chain_matmul) and of the indexing ops index_copy, index_fill,
// scatter_reduce, masked_scatter, take, put, with PyTorch's names and defaults.
#include <optional>
#include <string>
#include <vector>

#include "bind.h"
#include "ember/ops/shaping.h"

namespace ember::python {

namespace {

using R = py::call_guard<py::gil_scoped_release>;

template <class F, class... Extra>
void both(py::module_& m, TensorClass& cls, const char* name, F f, const Extra&... extra) {
  m.def(name, f, py::arg("input"), extra...);
  cls.def(name, f, extra...);
}

// f(*tensors) or f([tensors]).
std::vector<Tensor> tensor_args(const py::args& args) {
  if (args.size() == 1 && !py::isinstance<Tensor>(args[0])) return args[0].cast<std::vector<Tensor>>();
  return args.cast<std::vector<Tensor>>();
}

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

std::vector<int64_t> int_or_list(const py::handle& h) {
  if (py::isinstance<py::int_>(h)) return {h.cast<int64_t>()};
  return h.cast<std::vector<int64_t>>();
}

Tensor tensordot_any(const Tensor& a, const Tensor& b, const py::object& dims) {
  if (py::isinstance<py::int_>(dims)) {
    const int64_t d = dims.cast<int64_t>();
    py::gil_scoped_release g;
    return tensordot(a, b, d);
  }
  std::vector<int64_t> da, db;
  try {
    py::sequence s = dims.cast<py::sequence>();
    if (py::len(s) != 2) throw py::cast_error();
    da = int_or_list(s[0]);
    db = int_or_list(s[1]);
  } catch (const py::cast_error&) {
    throw TypeError("[tensordot] expected dims to be an int or a pair of int lists, got " +
                    std::string(py::str(dims)));
  }
  py::gil_scoped_release g;
  return tensordot(a, b, da, db);
}

void bind_shaping_ops(py::module_& m, TensorClass& cls) {
  both(m, cls, "diff",
       [](const Tensor& t, int64_t n, int64_t dim, std::optional<Tensor> prepend,
          std::optional<Tensor> append) { return diff(t, n, dim, opt(prepend), opt(append)); },
       py::arg("n") = 1, py::arg("dim") = -1, py::arg("prepend") = py::none(),
       py::arg("append") = py::none(), R());
  both(m, cls, "rot90", &rot90, py::arg("k") = 1, py::arg("dims") = std::vector<int64_t>{0, 1}, R());
  both(m, cls, "fliplr", &fliplr, R());
  both(m, cls, "flipud", &flipud, R());
  m.def("kron", &kron, py::arg("input"), py::arg("other"), R());
  cls.def("kron", &kron, py::arg("other"), R());
  m.def("block_diag", [](const py::args& a) { return block_diag(tensor_args(a)); });
  m.def("cartesian_prod", [](const py::args& a) { return cartesian_prod(tensor_args(a)); });
  m.def("combinations", &combinations, py::arg("input"), py::arg("r") = 2,
        py::arg("with_replacement") = false, R());
  m.def("vander", &vander, py::arg("x"), py::arg("N") = py::none(), py::arg("increasing") = false,
        R());
  m.def("tensordot", &tensordot_any, py::arg("a"), py::arg("b"), py::arg("dims") = 2);
  m.def("inner", &inner, py::arg("input"), py::arg("other"), R());
  cls.def("inner", &inner, py::arg("other"), R());
  both(m, cls, "cov",
       [](const Tensor& t, int64_t correction, std::optional<Tensor> fw, std::optional<Tensor> aw) {
         return cov(t, correction, opt(fw), opt(aw));
       },
       py::kw_only(), py::arg("correction") = 1, py::arg("fweights") = py::none(),
       py::arg("aweights") = py::none(), R());
  both(m, cls, "corrcoef", &corrcoef, R());
  auto cross_f = [](const Tensor& a, const Tensor& b, std::optional<int64_t> dim) {
    return cross(a, b, dim);
  };
  m.def("cross", cross_f, py::arg("input"), py::arg("other"), py::arg("dim") = py::none(), R());
  cls.def("cross", cross_f, py::arg("other"), py::arg("dim") = py::none(), R());
  py::module_ la = m.def_submodule("linalg");
  la.def("cross", &linalg::cross, py::arg("input"), py::arg("other"), py::kw_only(),
         py::arg("dim") = -1, R());
  la.def("multi_dot", &linalg::multi_dot, py::arg("tensors"), R());
  m.def("chain_matmul", [](const py::args& a) { return chain_matmul(tensor_args(a)); });
  using AddFn = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Scalar&, const Scalar&);
  struct AddOp { const char* name; AddFn fn; const char* a; const char* b; };
  for (AddOp op : {AddOp{"baddbmm", &baddbmm, "batch1", "batch2"},
                   AddOp{"addbmm", &addbmm, "batch1", "batch2"},
                   AddOp{"addmv", &addmv, "mat", "vec"}, AddOp{"addr", &addr, "vec1", "vec2"}}) {
    auto f = [op](const Tensor& input, const Tensor& x, const Tensor& y, const py::object& beta,
                  const py::object& alpha) {
      Scalar b = to_scalar(beta, op.name), a = to_scalar(alpha, op.name);
      py::gil_scoped_release g;
      return op.fn(input, x, y, b, a);
    };
    m.def(op.name, f, py::arg("input"), py::arg(op.a), py::arg(op.b), py::kw_only(),
          py::arg("beta") = 1, py::arg("alpha") = 1);
    cls.def(op.name, f, py::arg(op.a), py::arg(op.b), py::kw_only(), py::arg("beta") = 1,
            py::arg("alpha") = 1);
  }
}

void bind_index_ops(py::module_& m, TensorClass& cls) {
  both(m, cls, "index_copy",
       [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source) {
         return index_copy(t, dim, index, source);
       },
       py::arg("dim"), py::arg("index"), py::arg("source"), R());
  both(m, cls, "index_fill",
       [](const Tensor& t, int64_t dim, const Tensor& index, const py::object& value) {
         if (py::isinstance<Tensor>(value)) {
           Tensor v = value.cast<Tensor>();
           py::gil_scoped_release g;
           return index_fill(t, dim, index, v);
         }
         Scalar v = to_scalar(value, "index_fill");
         py::gil_scoped_release g;
         return index_fill(t, dim, index, v);
       },
       py::arg("dim"), py::arg("index"), py::arg("value"));
  both(m, cls, "scatter_reduce", &scatter_reduce, py::arg("dim"), py::arg("index"), py::arg("src"),
       py::arg("reduce"), py::kw_only(), py::arg("include_self") = true, R());
  both(m, cls, "masked_scatter", &masked_scatter, py::arg("mask"), py::arg("source"), R());
  both(m, cls, "take", &take, py::arg("index"), R());
  both(m, cls, "put", &put, py::arg("index"), py::arg("source"), py::arg("accumulate") = false, R());
}

}  // namespace

void bind_shaping(py::module_& m, TensorClass& cls) {
  bind_shaping_ops(m, cls);
  bind_index_ops(m, cls);
}

}  // namespace ember::python

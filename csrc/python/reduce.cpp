// Bindings for reductions and the softmax family: module functions and Tensor methods with
// PyTorch's names and arguments. `dim` may be an int, a tuple/list of ints, or None (all).
// max/min with a dim return a namedtuple (values, indices) like torch.return_types.
#include "bind.h"

namespace ember::python {

std::vector<int64_t> dims_arg(const py::object& dim, const char* op) {
  if (dim.is_none()) return {};
  if (py::isinstance<py::int_>(dim)) return {dim.cast<int64_t>()};
  if (py::isinstance<py::tuple>(dim) || py::isinstance<py::list>(dim)) {
    try {
      return dim.cast<std::vector<int64_t>>();
    } catch (const py::cast_error&) {
    }
  }
  throw TypeError(std::string("[") + op + "] expected dim to be an int, a tuple or list of ints, "
                  "or None, got " + std::string(py::str(py::type::of(dim).attr("__name__"))));
}

namespace {

using R = py::call_guard<py::gil_scoped_release>;

std::optional<int64_t> to_dim(const py::object& dim, const char* op) {
  if (dim.is_none()) return std::nullopt;
  if (!py::isinstance<py::int_>(dim))
    throw TypeError(std::string("[") + op + "] expected dim to be an int or None, got " +
                    std::string(py::str(py::type::of(dim).attr("__name__"))));
  return dim.cast<int64_t>();
}

double correction_of(const py::object& unbiased, const py::object& correction, const char* op) {
  if (!correction.is_none()) {
    if (!unbiased.is_none())
      throw TypeError(std::string("[") + op + "] expected only one of unbiased and correction, got both");
    return correction.cast<double>();
  }
  if (!unbiased.is_none()) return unbiased.cast<bool>() ? 1.0 : 0.0;
  return 1.0;
}

// Adds f as module function name(input, ...) and as Tensor method name(self, ...).
template <class F, class... Extra>
void both(py::module_& m, TensorClass& cls, const char* name, F f, const Extra&... extra) {
  m.def(name, f, py::arg("input"), extra...);
  cls.def(name, f, extra...);
}

}  // namespace

void bind_reduce(py::module_& m, TensorClass& cls) {
  py::object namedtuple = py::module_::import("collections").attr("namedtuple");
  py::object max_t = namedtuple("max", py::make_tuple("values", "indices"));
  py::object min_t = namedtuple("min", py::make_tuple("values", "indices"));
  max_t.attr("__module__") = "ember.return_types";
  min_t.attr("__module__") = "ember.return_types";
  py::object sort_t = namedtuple("sort", py::make_tuple("values", "indices"));
  py::object topk_t = namedtuple("topk", py::make_tuple("values", "indices"));
  for (py::object* t : {&sort_t, &topk_t}) t->attr("__module__") = "ember.return_types";
  m.attr("_max_result") = max_t;
  m.attr("_min_result") = min_t;

  both(m, cls, "sum",
       [](const Tensor& t, const py::object& dim, bool keepdim, std::optional<DType> dtype) {
         auto dims = dims_arg(dim, "sum");
         py::gil_scoped_release g;
         return sum(t, dims, keepdim, dtype);
       },
       py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
       py::arg("dtype") = py::none());
  both(m, cls, "mean",
       [](const Tensor& t, const py::object& dim, bool keepdim, std::optional<DType> dtype) {
         auto dims = dims_arg(dim, "mean");
         py::gil_scoped_release g;
         return mean(t, dims, keepdim, dtype);
       },
       py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
       py::arg("dtype") = py::none());
  for (const char* name : {"var", "std"}) {
    bool is_std = name[0] == 's';
    both(m, cls, name,
         [is_std](const Tensor& t, const py::object& dim, const py::object& unbiased, bool keepdim,
                  const py::object& correction) {
           auto dims = dims_arg(dim, is_std ? "std" : "var");
           double c = correction_of(unbiased, correction, is_std ? "std" : "var");
           py::gil_scoped_release g;
           return is_std ? std_dev(t, dims, c, keepdim) : var(t, dims, c, keepdim);
         },
         py::arg("dim") = py::none(), py::arg("unbiased") = py::none(),
         py::arg("keepdim") = false, py::kw_only(), py::arg("correction") = py::none());
  }
  for (const char* name : {"nansum", "nanmean"}) {
    bool is_sum = name[3] == 's';
    both(m, cls, name,
         [is_sum](const Tensor& t, const py::object& dim, bool keepdim, std::optional<DType> dtype) {
           auto dims = dims_arg(dim, is_sum ? "nansum" : "nanmean");
           py::gil_scoped_release g;
           return is_sum ? nansum(t, dims, keepdim, dtype) : nanmean(t, dims, keepdim, dtype);
         },
         py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
         py::arg("dtype") = py::none());
  }
  for (const char* name : {"var_mean", "std_mean"}) {
    bool is_std = name[0] == 's';
    both(m, cls, name,
         [is_std](const Tensor& t, const py::object& dim, const py::object& unbiased, bool keepdim,
                  const py::object& correction) {
           const char* op = is_std ? "std_mean" : "var_mean";
           auto dims = dims_arg(dim, op);
           double c = correction_of(unbiased, correction, op);
           TensorPair r;
           {
             py::gil_scoped_release g;
             r = is_std ? std_mean(t, dims, c, keepdim) : var_mean(t, dims, c, keepdim);
           }
           return py::make_tuple(r.first, r.second);
         },
         py::arg("dim") = py::none(), py::arg("unbiased") = py::none(),
         py::arg("keepdim") = false, py::kw_only(), py::arg("correction") = py::none());
  }
  py::object aminmax_t = namedtuple("aminmax", py::make_tuple("min", "max"));
  aminmax_t.attr("__module__") = "ember.return_types";
  m.attr("_aminmax_result") = aminmax_t;
  both(m, cls, "aminmax",
       [aminmax_t](const Tensor& t, const py::object& dim, bool keepdim) {
         std::optional<int64_t> d = to_dim(dim, "aminmax");
         TensorPair r;
         {
           py::gil_scoped_release g;
           r = aminmax(t, d, keepdim);
         }
         return aminmax_t(r.first, r.second);
       },
       py::kw_only(), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  for (const char* name : {"max", "min"}) {
    bool is_max = name[1] == 'a';
    py::object tuple_t = is_max ? max_t : min_t;
    both(m, cls, name,
         [is_max, tuple_t](const Tensor& t, const py::object& dim, bool keepdim) -> py::object {
           if (dim.is_none()) {
             Tensor r;
             {
               py::gil_scoped_release g;
               r = is_max ? max(t) : min(t);
             }
             return py::cast(r);
           }
           int64_t d = *to_dim(dim, is_max ? "max" : "min");
           ValuesIndices r;
           {
             py::gil_scoped_release g;
             r = is_max ? max(t, d, keepdim) : min(t, d, keepdim);
           }
           return tuple_t(r.values, r.indices);
         },
         py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }
  both(m, cls, "amax",
       [](const Tensor& t, const py::object& dim, bool keepdim) {
         auto dims = dims_arg(dim, "amax");
         py::gil_scoped_release g;
         return amax(t, dims, keepdim);
       },
       py::arg("dim") = py::tuple(), py::arg("keepdim") = false);
  both(m, cls, "amin",
       [](const Tensor& t, const py::object& dim, bool keepdim) {
         auto dims = dims_arg(dim, "amin");
         py::gil_scoped_release g;
         return amin(t, dims, keepdim);
       },
       py::arg("dim") = py::tuple(), py::arg("keepdim") = false);
  both(m, cls, "argmax",
       [](const Tensor& t, const py::object& dim, bool keepdim) {
         auto d = to_dim(dim, "argmax");
         py::gil_scoped_release g;
         return argmax(t, d, keepdim);
       },
       py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both(m, cls, "argmin",
       [](const Tensor& t, const py::object& dim, bool keepdim) {
         auto d = to_dim(dim, "argmin");
         py::gil_scoped_release g;
         return argmin(t, d, keepdim);
       },
       py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both(m, cls, "any",
       [](const Tensor& t, const py::object& dim, bool keepdim) {
         auto dims = dims_arg(dim, "any");
         py::gil_scoped_release g;
         return any(t, dims, keepdim);
       },
       py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both(m, cls, "all",
       [](const Tensor& t, const py::object& dim, bool keepdim) {
         auto dims = dims_arg(dim, "all");
         py::gil_scoped_release g;
         return all(t, dims, keepdim);
       },
       py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both(m, cls, "logsumexp",
       [](const Tensor& t, const py::object& dim, bool keepdim) {
         auto dims = dims_arg(dim, "logsumexp");
         py::gil_scoped_release g;
         return logsumexp(t, dims, keepdim);
       },
       py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both(m, cls, "softmax",
       [](const Tensor& t, int64_t dim, std::optional<DType> dtype) {
         py::gil_scoped_release g;
         return softmax(t, dim, dtype);
       },
       py::arg("dim"), py::arg("dtype") = py::none());
  both(m, cls, "log_softmax",
       [](const Tensor& t, int64_t dim, std::optional<DType> dtype) {
         py::gil_scoped_release g;
         return log_softmax(t, dim, dtype);
       },
       py::arg("dim"), py::arg("dtype") = py::none());

  both(m, cls, "sort",
       [sort_t](const Tensor& t, int64_t dim, bool descending, bool stable) {
         ValuesIndices r;
         {
           py::gil_scoped_release g;
           r = sort(t, dim, descending, stable);
         }
         return sort_t(r.values, r.indices);
       },
       py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(),
       py::arg("stable") = false);
  both(m, cls, "argsort",
       [](const Tensor& t, int64_t dim, bool descending, bool stable) {
         return argsort(t, dim, descending, stable);
       },
       py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(),
       py::arg("stable") = false, py::call_guard<py::gil_scoped_release>());
  both(m, cls, "topk",
       [topk_t](const Tensor& t, int64_t k, int64_t dim, bool largest, bool sorted) {
         ValuesIndices r;
         {
           py::gil_scoped_release g;
           r = topk(t, k, dim, largest, sorted);
         }
         return topk_t(r.values, r.indices);
       },
       py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true, py::arg("sorted") = true);
  both(m, cls, "prod",
       [](const Tensor& t, const py::object& dim, bool keepdim, std::optional<DType> dtype) {
         auto d = to_dim(dim, "prod");
         py::gil_scoped_release g;
         return prod(t, d, keepdim, dtype);
       },
       py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
       py::arg("dtype") = py::none());
  both(m, cls, "cumsum",
       [](const Tensor& t, int64_t dim, std::optional<DType> dtype) { return cumsum(t, dim, dtype); },
       py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none(),
       py::call_guard<py::gil_scoped_release>());
  both(m, cls, "cumprod",
       [](const Tensor& t, int64_t dim, std::optional<DType> dtype) { return cumprod(t, dim, dtype); },
       py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none(),
       py::call_guard<py::gil_scoped_release>());
  both(m, cls, "logcumsumexp", [](const Tensor& t, int64_t dim) { return logcumsumexp(t, dim); },
       py::arg("dim"), py::call_guard<py::gil_scoped_release>());
  for (const char* name : {"cummax", "cummin"}) {
    const bool is_max = name[4] == 'a';
    py::object tuple_t = namedtuple(name, py::make_tuple("values", "indices"));
    tuple_t.attr("__module__") = "ember.return_types";
    both(m, cls, name,
         [is_max, tuple_t](const Tensor& t, int64_t dim) {
           ValuesIndices r;
           {
             py::gil_scoped_release g;
             r = is_max ? cummax(t, dim) : cummin(t, dim);
           }
           return tuple_t(r.values, r.indices);
         },
         py::arg("dim"));
  }
}

}  // namespace ember::python

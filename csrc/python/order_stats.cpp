// Bindings of ops/order_stats.h (median, nanmedian, kthvalue, mode, quantile, nanquantile,
// msort) and ops/unique_search.h (unique, unique_consecutive, searchsorted, bucketize, histc,
// bincount, argwhere, unravel_index), with PyTorch's names, defaults and namedtuple results.
#include <optional>
#include <string>
#include <vector>

#include "bind.h"
#include "ember/ops/order_stats.h"
#include "ember/ops/unique_search.h"

namespace ember::python {

namespace {

using R = py::call_guard<py::gil_scoped_release>;

py::object result_type_named(const char* name) {
  py::object t = py::module_::import("collections")
                     .attr("namedtuple")(name, py::make_tuple("values", "indices"));
  t.attr("__module__") = "ember.return_types";
  return t;
}

// f(input, ...) as module function and f(self, ...) as Tensor method.
template <class F, class... Extra>
void both(py::module_& m, TensorClass& cls, const char* name, F f, const Extra&... extra) {
  m.def(name, f, py::arg("input"), extra...);
  cls.def(name, f, extra...);
}

// torch's unique family returns a bare tensor, or a tuple with the requested extras.
py::object unique_result(const UniqueResult& r, bool inverse, bool counts) {
  if (!inverse && !counts) return py::cast(r.values);
  py::list out;
  out.append(r.values);
  if (inverse) out.append(r.inverse);
  if (counts) out.append(r.counts);
  return py::tuple(out);
}

std::vector<int64_t> shape_of(const py::object& shape, const char* op) {
  if (py::isinstance<py::int_>(shape)) return {shape.cast<int64_t>()};
  try {
    return shape.cast<std::vector<int64_t>>();
  } catch (const py::cast_error&) {
    throw TypeError(std::string("[") + op + "] expected shape to be an int or a sequence of ints, "
                    "got " + std::string(py::str(py::type::of(shape).attr("__name__"))));
  }
}

void bind_order(py::module_& m, TensorClass& cls) {
  for (const char* name : {"median", "nanmedian"}) {
    const bool nan = name[0] == 'n';
    py::object tuple_t = result_type_named(name);
    both(m, cls, name,
         [nan, tuple_t](const Tensor& t, const py::object& dim, bool keepdim) -> py::object {
           if (dim.is_none()) {
             py::gil_scoped_release g;
             Tensor r = nan ? nanmedian(t) : median(t);
             py::gil_scoped_acquire a;
             return py::cast(r);
           }
           const int64_t d = dim.cast<int64_t>();
           ValuesIndices r;
           {
             py::gil_scoped_release g;
             r = nan ? nanmedian(t, d, keepdim) : median(t, d, keepdim);
           }
           return tuple_t(r.values, r.indices);
         },
         py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }
  py::object kth_t = result_type_named("kthvalue");
  both(m, cls, "kthvalue",
       [kth_t](const Tensor& t, int64_t k, int64_t dim, bool keepdim) {
         ValuesIndices r;
         {
           py::gil_scoped_release g;
           r = kthvalue(t, k, dim, keepdim);
         }
         return kth_t(r.values, r.indices);
       },
       py::arg("k"), py::arg("dim") = -1, py::arg("keepdim") = false);
  py::object mode_t = result_type_named("mode");
  both(m, cls, "mode",
       [mode_t](const Tensor& t, int64_t dim, bool keepdim) {
         ValuesIndices r;
         {
           py::gil_scoped_release g;
           r = mode(t, dim, keepdim);
         }
         return mode_t(r.values, r.indices);
       },
       py::arg("dim") = -1, py::arg("keepdim") = false);
  for (const char* name : {"quantile", "nanquantile"}) {
    const bool nan = name[0] == 'n';
    both(m, cls, name,
         [nan, name](const Tensor& t, const py::object& q, std::optional<int64_t> dim,
                     bool keepdim, const std::string& interpolation) {
           if (py::isinstance<Tensor>(q)) {
             Tensor qt = q.cast<Tensor>();
             py::gil_scoped_release g;
             return nan ? nanquantile(t, qt, dim, keepdim, interpolation)
                        : quantile(t, qt, dim, keepdim, interpolation);
           }
           if (!py::isinstance<py::float_>(q) && !py::isinstance<py::int_>(q))
             throw TypeError(std::string("[") + name + "] expected q to be a float or a tensor, "
                             "got " + std::string(py::str(py::type::of(q).attr("__name__"))));
           const double qd = q.cast<double>();
           py::gil_scoped_release g;
           return nan ? nanquantile(t, qd, dim, keepdim, interpolation)
                      : quantile(t, qd, dim, keepdim, interpolation);
         },
         py::arg("q"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
         py::arg("interpolation") = "linear");
  }
  both(m, cls, "msort", &msort, R());
}

void bind_unique_search(py::module_& m, TensorClass& cls) {
  both(m, cls, "unique",
       [](const Tensor& t, bool sorted, bool return_inverse, bool return_counts,
          std::optional<int64_t> dim) {
         UniqueResult r;
         {
           py::gil_scoped_release g;
           r = unique(t, sorted, dim);
         }
         return unique_result(r, return_inverse, return_counts);
       },
       py::arg("sorted") = true, py::arg("return_inverse") = false,
       py::arg("return_counts") = false, py::arg("dim") = py::none());
  both(m, cls, "unique_consecutive",
       [](const Tensor& t, bool return_inverse, bool return_counts, std::optional<int64_t> dim) {
         UniqueResult r;
         {
           py::gil_scoped_release g;
           r = unique_consecutive(t, dim);
         }
         return unique_result(r, return_inverse, return_counts);
       },
       py::arg("return_inverse") = false, py::arg("return_counts") = false,
       py::arg("dim") = py::none());
  m.def("searchsorted",
        [](const Tensor& seq, const py::object& input, bool out_int32, bool right,
           std::optional<std::string> side, std::optional<Tensor> sorter) {
          Tensor s = sorter ? *sorter : Tensor();
          if (py::isinstance<Tensor>(input)) {
            Tensor v = input.cast<Tensor>();
            py::gil_scoped_release g;
            return searchsorted(seq, v, out_int32, right, side, s);
          }
          Scalar v = to_scalar(input, "searchsorted");
          py::gil_scoped_release g;
          return searchsorted(seq, v, out_int32, right, side, s);
        },
        py::arg("sorted_sequence"), py::arg("input"), py::kw_only(), py::arg("out_int32") = false,
        py::arg("right") = false, py::arg("side") = py::none(), py::arg("sorter") = py::none());
  m.def("bucketize", &bucketize, py::arg("input"), py::arg("boundaries"), py::kw_only(),
        py::arg("out_int32") = false, py::arg("right") = false, R());
  both(m, cls, "histc", &histc, py::arg("bins") = 100, py::arg("min") = 0.0,
       py::arg("max") = 0.0, R());
  both(m, cls, "bincount",
       [](const Tensor& t, std::optional<Tensor> weights, int64_t minlength) {
         return bincount(t, weights ? *weights : Tensor(), minlength);
       },
       py::arg("weights") = py::none(), py::arg("minlength") = 0, R());
  both(m, cls, "argwhere", &argwhere, R());
  m.def("unravel_index",
        [](const Tensor& indices, const py::object& shape) {
          std::vector<Tensor> r = unravel_index(indices, shape_of(shape, "unravel_index"));
          py::tuple out(r.size());
          for (size_t i = 0; i < r.size(); ++i) out[i] = py::cast(r[i]);
          return out;
        },
        py::arg("indices"), py::arg("shape"));
}

}  // namespace

void bind_order_stats(py::module_& m, TensorClass& cls) {
  bind_order(m, cls);
  bind_unique_search(m, cls);
}

}  // namespace ember::python

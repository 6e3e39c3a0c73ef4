// Bindings for views, indexing (t[...], t[...] = v), joining/splitting, gather/scatter and
// diagonals.
// Python indices are parsed here into ember::TensorIndex with the C API (cheap per call);
// all checks and maths live in ops/view.cpp and ops/index.cpp.
#include <limits>

#include "bind.h"

namespace ember::python {

Tensor from_numpy(const py::array& arr);  // tensor.cpp

namespace {

using R = py::call_guard<py::gil_scoped_release>;

std::string type_name(const py::handle& h) {
  return std::string(py::str(py::type::of(h).attr("__name__")));
}

int64_t to_int(const py::handle& h, const char* op) {
  PyObject* o = h.ptr();
  EMBER_CHECK(!PyFloat_Check(o) && PyIndex_Check(o), TypeError, "[", op,
              "] expected an integer, got ", type_name(h));
  int overflow = 0;
  py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(o));
  if (!i) throw py::error_already_set();
  long long v = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
  EMBER_CHECK(!overflow, IndexError, "[", op, "] integer ", std::string(py::str(h)),
              " does not fit in int64");
  return static_cast<int64_t>(v);
}

bool is_int_like(const py::handle& h) {
  PyObject* o = h.ptr();
  return PyLong_Check(o) || (!PyFloat_Check(o) && !py::isinstance<py::array>(h) &&
                             !py::isinstance<Tensor>(h) && PyIndex_Check(o));
}

// t.view(2, 3), t.view((2, 3)) and t.view([2, 3]) all give {2, 3}.
Shape shape_args(const py::args& args, const char* op) {
  Shape s;
  if (args.size() == 1 && !is_int_like(args[0])) {
    EMBER_CHECK(py::isinstance<py::sequence>(args[0]), TypeError, "[", op,
                "] expected ints or a sequence of ints, got ", type_name(args[0]));
    for (const auto& h : args[0]) s.push_back(to_int(h, op));
    return s;
  }
  for (const auto& h : args) s.push_back(to_int(h, op));
  return s;
}

// Method forms that also take the sizes as one keyword (t.flip(dims=(0,)), t.permute(dims=...)).
Shape shape_args_kw(const py::args& args, const py::kwargs& kw, const char* key, const char* op) {
  if (kw.size() == 0) return shape_args(args, op);
  EMBER_CHECK(args.size() == 0 && kw.size() == 1 && kw.contains(key), TypeError, "[", op,
              "] expected sizes as positional ints or the keyword '", key, "'");
  py::args wrapped = py::make_tuple(kw[key]);
  return shape_args(wrapped, op);
}

Shape int_list(const py::handle& h, const char* op) {
  Shape s;
  if (is_int_like(h)) return {to_int(h, op)};
  EMBER_CHECK(py::isinstance<py::sequence>(h), TypeError, "[", op,
              "] expected an int or a sequence of ints, got ", type_name(h));
  for (const auto& x : h) s.push_back(to_int(x, op));
  return s;
}

// A list, tuple or NumPy array used as an index: int64 or bool tensor (a fresh copy).
Tensor array_index(const py::handle& h, const char* op) {
  py::module_ np = py::module_::import("numpy");
  py::array arr = np.attr("asarray")(h);
  char kind = arr.dtype().kind();
  if (arr.size() == 0 && kind != 'b') kind = 'i';
  EMBER_CHECK(kind == 'b' || kind == 'i' || kind == 'u', TypeError, "[", op,
              "] arrays used as indices must be of integer or bool type, got ",
              std::string(py::str(arr.dtype())));
  py::object dt = kind == 'b' ? np.attr("bool_") : np.attr("int64");
  py::array c = np.attr("array")(arr, py::arg("dtype") = dt, py::arg("copy") = true);
  return from_numpy(c);
}

TensorIndex one_index(const py::handle& h, const char* op) {
  PyObject* o = h.ptr();
  TensorIndex ix;
  using K = TensorIndex::Kind;
  if (PyLong_CheckExact(o)) {
    ix.kind = K::Int;
    ix.i = to_int(h, op);
  } else if (PySlice_Check(o)) {
    ix.kind = K::Slice;
    auto* s = reinterpret_cast<PySliceObject*>(o);
    // Like Python, out-of-range slice bounds clamp instead of raising.
    auto part = [&](PyObject* p) -> int64_t {
      if (p == Py_None) return kSliceNone;
      EMBER_CHECK(!PyFloat_Check(p) && PyIndex_Check(p), TypeError, "[", op,
                  "] slice indices must be integers or None, got ", type_name(py::handle(p)));
      py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(p));
      if (!i) throw py::error_already_set();
      int overflow = 0;
      long long v = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
      if (overflow) return overflow > 0 ? std::numeric_limits<int64_t>::max() : kSliceNone + 1;
      return static_cast<int64_t>(v);
    };
    ix.start = part(s->start);
    ix.stop = part(s->stop);
    ix.step = s->step == Py_None ? 1 : part(s->step);
    EMBER_CHECK(ix.step > 0, ValueError, "[", op, "] step must be greater than zero, got ",
                ix.step);
  } else if (o == Py_None) {
    ix.kind = K::None;
  } else if (o == Py_Ellipsis) {
    ix.kind = K::Ellipsis;
  } else if (PyBool_Check(o)) {
    ix.kind = K::Bool;
    ix.i = o == Py_True;
  } else if (py::isinstance<Tensor>(h)) {
    ix.kind = K::Tensor;
    ix.tensor = h.cast<Tensor>();
  } else if (is_int_like(h)) {
    ix.kind = K::Int;
    ix.i = to_int(h, op);
  } else if (py::isinstance<py::array>(h) || PyList_Check(o) || PyTuple_Check(o)) {
    ix.kind = K::Tensor;
    ix.tensor = array_index(h, op);
  } else {
    EMBER_THROW(TypeError, "[", op, "] only integers, slices (`:`), ellipsis (`...`), None and "
                "int64 or bool tensors/arrays are valid indices, got ", type_name(h));
  }
  return ix;
}

std::vector<TensorIndex> parse_index(const py::handle& h, const char* op, bool& heavy) {
  std::vector<TensorIndex> out;
  if (PyTuple_Check(h.ptr())) {
    out.reserve(PyTuple_GET_SIZE(h.ptr()));
    for (const auto& x : py::reinterpret_borrow<py::tuple>(h)) out.push_back(one_index(x, op));
  } else {
    out.push_back(one_index(h, op));
  }
  heavy = false;
  for (const auto& ix : out) heavy = heavy || ix.kind == TensorIndex::Kind::Tensor;
  return out;
}

py::tuple as_tuple(const std::vector<Tensor>& v) {
  py::tuple t(v.size());
  for (size_t i = 0; i < v.size(); ++i) t[i] = py::cast(v[i]);
  return t;
}

std::optional<int64_t> opt_int(const py::object& o, const char* op) {
  if (o.is_none()) return std::nullopt;
  return to_int(o, op);
}

Tensor value_tensor(const py::handle& v) {
  if (py::isinstance<Tensor>(v)) return v.cast<Tensor>();
  py::module_ np = py::module_::import("numpy");
  return from_numpy(np.attr("array")(v, py::arg("copy") = true));
}

std::vector<Tensor> split_any(const Tensor& t, const py::object& s, int64_t dim) {
  if (is_int_like(s)) {
    int64_t n = to_int(s, "split");
    py::gil_scoped_release r;
    return split(t, n, dim);
  }
  Shape sections = int_list(s, "split");
  py::gil_scoped_release r;
  return split(t, sections, dim);
}

std::vector<Tensor> tensor_split_any(const Tensor& t, const py::object& s, int64_t dim) {
  if (is_int_like(s)) {
    int64_t n = to_int(s, "tensor_split");
    py::gil_scoped_release r;
    return tensor_split(t, n, dim);
  }
  // Indices: cut points along dim (clamped like Python slicing).
  Shape cuts = int_list(s, "tensor_split");
  py::gil_scoped_release r;
  std::vector<Tensor> out;
  int64_t prev = 0;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    int64_t end = i < cuts.size() ? cuts[i] : kSliceNone;
    out.push_back(slice(t, dim, prev, end, 1));
    if (i < cuts.size()) prev = cuts[i];
  }
  return out;
}

Tensor scatter_any(const Tensor& t, int64_t dim, const Tensor& index, const py::object& src,
                   const py::object& value, const py::object& reduce, bool inplace) {
  EMBER_CHECK(reduce.is_none(), NotImplementedError, "[scatter] the reduce argument is not "
              "supported; use scatter_add");
  const py::object& v = src.is_none() ? value : src;
  EMBER_CHECK(!v.is_none(), TypeError, "[scatter] expected src (a tensor) or value (a number)");
  Tensor self = t;
  if (py::isinstance<Tensor>(v)) {
    Tensor s = v.cast<Tensor>();
    py::gil_scoped_release r;
    return inplace ? scatter_(self, dim, index, s) : scatter(t, dim, index, s);
  }
  Scalar s = to_scalar(v, "scatter");
  py::gil_scoped_release r;
  return inplace ? scatter_(self, dim, index, s) : scatter(t, dim, index, s);
}

std::vector<Tensor> index_list(const py::handle& h) {
  std::vector<Tensor> out;
  for (const auto& x : h) out.push_back(x.is_none() ? Tensor() : x.cast<Tensor>());
  return out;
}

}  // namespace

void bind_view(py::module_& m, TensorClass& cls) {
  // ---- views ----
  cls.def("view", [](const Tensor& t, py::args a, py::kwargs kw) {
    EMBER_CHECK(!(a.size() == 1 && py::isinstance<DType>(a[0])), NotImplementedError,
                "[view] view(dtype) is not supported; use to(dtype)");
    Shape s = shape_args_kw(a, kw, "size", "view");
    py::gil_scoped_release r;
    return view(t, s);
  });
  cls.def("view_as", [](const Tensor& t, const Tensor& o) { return view(t, o.shape()); },
          py::arg("other"), R());
  cls.def("reshape", [](const Tensor& t, py::args a, py::kwargs kw) {
    Shape s = shape_args_kw(a, kw, "shape", "reshape");
    py::gil_scoped_release r;
    return reshape(t, s);
  });
  cls.def("reshape_as", [](const Tensor& t, const Tensor& o) { return reshape(t, o.shape()); },
          py::arg("other"), R());
  m.def("reshape", [](const Tensor& t, py::object s) { return reshape(t, int_list(s, "reshape")); },
        py::arg("input"), py::arg("shape"));
  cls.def("expand", [](const Tensor& t, py::args a, py::kwargs kw) {
    Shape s = shape_args_kw(a, kw, "size", "expand");
    py::gil_scoped_release r;
    return expand(t, s);
  });
  cls.def("expand_as", [](const Tensor& t, const Tensor& o) { return expand(t, o.shape()); },
          py::arg("other"), R());
  m.def("broadcast_to", [](const Tensor& t, py::object s) {
    return expand(t, int_list(s, "broadcast_to"));
  }, py::arg("input"), py::arg("size"));
  cls.def("permute", [](const Tensor& t, py::args a, py::kwargs kw) {
    Shape s = shape_args_kw(a, kw, "dims", "permute");
    py::gil_scoped_release r;
    return permute(t, s);
  });
  m.def("permute", [](const Tensor& t, py::object d) { return permute(t, int_list(d, "permute")); },
        py::arg("input"), py::arg("dims"));
  for (auto* name : {"transpose", "swapaxes", "swapdims"}) {
    m.def(name, &transpose, py::arg("input"), py::arg("dim0"), py::arg("dim1"), R());
    cls.def(name, &transpose, py::arg("dim0"), py::arg("dim1"), R());
  }
  m.def("t", &matrix_t, py::arg("input"), R());
  cls.def("t", &matrix_t, R());
  cls.def_property_readonly("T", &reverse_dims);
  cls.def_property_readonly("mT", &matrix_transpose);
  m.def("unsqueeze", &unsqueeze, py::arg("input"), py::arg("dim"), R());
  cls.def("unsqueeze", &unsqueeze, py::arg("dim"), R());
  auto squeeze_any = [](const Tensor& t, py::object dim) {
    if (dim.is_none()) return squeeze(t);
    std::vector<int64_t> d = int_list(dim, "squeeze");
    py::gil_scoped_release r;
    return squeeze(t, d);
  };
  m.def("squeeze", squeeze_any, py::arg("input"), py::arg("dim") = py::none());
  cls.def("squeeze", squeeze_any, py::arg("dim") = py::none());
  m.def("flatten", &flatten, py::arg("input"), py::arg("start_dim") = 0, py::arg("end_dim") = -1, R());
  cls.def("flatten", &flatten, py::arg("start_dim") = 0, py::arg("end_dim") = -1, R());
  auto unflatten_any = [](const Tensor& t, int64_t dim, py::object sizes) {
    return unflatten(t, dim, int_list(sizes, "unflatten"));
  };
  m.def("unflatten", unflatten_any, py::arg("input"), py::arg("dim"), py::arg("sizes"));
  cls.def("unflatten", unflatten_any, py::arg("dim"), py::arg("sizes"));
  auto movedim_any = [](const Tensor& t, py::object s, py::object d) {
    return movedim(t, int_list(s, "movedim"), int_list(d, "movedim"));
  };
  for (auto* name : {"movedim", "moveaxis"}) {
    m.def(name, movedim_any, py::arg("input"), py::arg("source"), py::arg("destination"));
    cls.def(name, movedim_any, py::arg("source"), py::arg("destination"));
  }
  m.def("narrow", &narrow, py::arg("input"), py::arg("dim"), py::arg("start"), py::arg("length"), R());
  cls.def("narrow", &narrow, py::arg("dim"), py::arg("start"), py::arg("length"), R());
  m.def("select", &select, py::arg("input"), py::arg("dim"), py::arg("index"), R());
  cls.def("select", &select, py::arg("dim"), py::arg("index"), R());
  auto unbind_t = [](const Tensor& t, int64_t dim) {
    std::vector<Tensor> v;
    {
      py::gil_scoped_release r;
      v = unbind(t, dim);
    }
    return as_tuple(v);
  };
  m.def("unbind", unbind_t, py::arg("input"), py::arg("dim") = 0);
  cls.def("unbind", unbind_t, py::arg("dim") = 0);
  m.def("clone", &clone, py::arg("input"), R());
  cls.def("clone", &clone, R());
  cls.def("contiguous", &contiguous, R());
  cls.def("copy_", [](Tensor& t, const Tensor& src) -> Tensor { return copy_(t, src); },
          py::arg("src"), R());

  // ---- indexing ----
  cls.def("__getitem__", [](const Tensor& t, py::handle idx) {
    bool heavy;
    std::vector<TensorIndex> ix = parse_index(idx, "index", heavy);
    if (!heavy) return getitem(t, ix);
    py::gil_scoped_release r;
    return getitem(t, ix);
  });
  cls.def("__setitem__", [](Tensor& t, py::handle idx, py::handle value) {
    bool heavy;
    std::vector<TensorIndex> ix = parse_index(idx, "setitem", heavy);
    if (PyBool_Check(value.ptr()) || PyLong_Check(value.ptr()) || PyFloat_Check(value.ptr())) {
      Scalar s = to_scalar(value, "setitem");
      py::gil_scoped_release r;
      setitem(t, ix, s);
      return;
    }
    Tensor v = value_tensor(value);
    py::gil_scoped_release r;
    setitem(t, ix, v);
  });
  m.def("slice_scatter", [](const Tensor& t, const Tensor& src, int64_t dim, py::object start,
                            py::object end, int64_t step) {
    return slice_scatter(t, src, dim, opt_int(start, "slice_scatter").value_or(kSliceNone),
                         opt_int(end, "slice_scatter").value_or(kSliceNone), step);
  }, py::arg("input"), py::arg("src"), py::arg("dim") = 0, py::arg("start") = py::none(),
     py::arg("end") = py::none(), py::arg("step") = 1);
  m.def("select_scatter", &select_scatter, py::arg("input"), py::arg("src"), py::arg("dim"),
        py::arg("index"), R());
  auto index_put_any = [](const Tensor& t, py::object indices, const Tensor& values,
                          bool accumulate) {
    std::vector<Tensor> ind = index_list(indices);
    py::gil_scoped_release r;
    return index_put(t, ind, values, accumulate);
  };
  m.def("index_put", index_put_any, py::arg("input"), py::arg("indices"), py::arg("values"),
        py::arg("accumulate") = false);
  cls.def("index_put", index_put_any, py::arg("indices"), py::arg("values"),
          py::arg("accumulate") = false);
  cls.def("index_put_", [](Tensor& t, py::object indices, const Tensor& values, bool accumulate) {
    std::vector<Tensor> ind = index_list(indices);
    py::gil_scoped_release r;
    return index_put_(t, ind, values, accumulate);
  }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
  m.def("index_select", &index_select, py::arg("input"), py::arg("dim"), py::arg("index"), R());
  cls.def("index_select", &index_select, py::arg("dim"), py::arg("index"), R());
  auto index_add_any = [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source,
                          py::object alpha) {
    Scalar a = to_scalar(alpha, "index_add");
    py::gil_scoped_release r;
    return index_add(t, dim, index, source, a);
  };
  m.def("index_add", index_add_any, py::arg("input"), py::arg("dim"), py::arg("index"),
        py::arg("source"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("index_add", index_add_any, py::arg("dim"), py::arg("index"), py::arg("source"),
          py::kw_only(), py::arg("alpha") = 1);
  m.def("masked_select", &masked_select, py::arg("input"), py::arg("mask"), R());
  cls.def("masked_select", &masked_select, py::arg("mask"), R());
  auto nonzero_any = [](const Tensor& t, bool as_tuple_) -> py::object {
    Tensor nz;
    {
      py::gil_scoped_release r;
      nz = nonzero(t);
    }
    if (!as_tuple_) return py::cast(nz);
    std::vector<Tensor> cols;
    for (int64_t k = 0; k < nz.shape()[1]; ++k) cols.push_back(contiguous(select(nz, 1, k)));
    if (t.dim() == 0) cols.push_back(reshape(nz, {-1}));
    return as_tuple(cols);
  };
  m.def("nonzero", nonzero_any, py::arg("input"), py::kw_only(), py::arg("as_tuple") = false);
  cls.def("nonzero", nonzero_any, py::kw_only(), py::arg("as_tuple") = false);

  // ---- gather / scatter ----
  m.def("gather", &gather, py::arg("input"), py::arg("dim"), py::arg("index"), R());
  cls.def("gather", &gather, py::arg("dim"), py::arg("index"), R());
  m.def("scatter", [](const Tensor& t, int64_t dim, const Tensor& index, py::object src,
                      py::object value, py::object reduce) {
    return scatter_any(t, dim, index, src, value, reduce, false);
  }, py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("src") = py::none(),
     py::kw_only(), py::arg("value") = py::none(), py::arg("reduce") = py::none());
  cls.def("scatter", [](const Tensor& t, int64_t dim, const Tensor& index, py::object src,
                        py::object value, py::object reduce) {
    return scatter_any(t, dim, index, src, value, reduce, false);
  }, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(),
     py::arg("value") = py::none(), py::arg("reduce") = py::none());
  cls.def("scatter_", [](const Tensor& t, int64_t dim, const Tensor& index, py::object src,
                         py::object value, py::object reduce) {
    return scatter_any(t, dim, index, src, value, reduce, true);
  }, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(),
     py::arg("value") = py::none(), py::arg("reduce") = py::none());
  m.def("scatter_add", &scatter_add, py::arg("input"), py::arg("dim"), py::arg("index"),
        py::arg("src"), R());
  cls.def("scatter_add", &scatter_add, py::arg("dim"), py::arg("index"), py::arg("src"), R());
  cls.def("scatter_add_", [](Tensor& t, int64_t dim, const Tensor& index, const Tensor& src)
                              -> Tensor { return scatter_add_(t, dim, index, src); },
          py::arg("dim"), py::arg("index"), py::arg("src"), R());
  auto take_any = [](const Tensor& t, const Tensor& ind, py::object dim) {
    std::optional<int64_t> d = opt_int(dim, "take_along_dim");
    py::gil_scoped_release r;
    return take_along_dim(t, ind, d);
  };
  m.def("take_along_dim", take_any, py::arg("input"), py::arg("indices"), py::arg("dim") = py::none());
  cls.def("take_along_dim", take_any, py::arg("indices"), py::arg("dim") = py::none());
  m.def("one_hot", &one_hot, py::arg("tensor"), py::arg("num_classes") = -1, R());

  // ---- joining / splitting ----
  for (auto* name : {"cat", "concat", "concatenate"})
    m.def(name, &cat, py::arg("tensors"), py::arg("dim") = 0, R());
  m.def("stack", &stack, py::arg("tensors"), py::arg("dim") = 0, R());
  auto split_t = [](const Tensor& t, py::object s, int64_t dim) { return as_tuple(split_any(t, s, dim)); };
  m.def("split", split_t, py::arg("tensor"), py::arg("split_size_or_sections"), py::arg("dim") = 0);
  cls.def("split", split_t, py::arg("split_size"), py::arg("dim") = 0);
  auto chunk_t = [](const Tensor& t, int64_t chunks, int64_t dim) {
    std::vector<Tensor> v;
    {
      py::gil_scoped_release r;
      v = chunk(t, chunks, dim);
    }
    return as_tuple(v);
  };
  m.def("chunk", chunk_t, py::arg("input"), py::arg("chunks"), py::arg("dim") = 0);
  cls.def("chunk", chunk_t, py::arg("chunks"), py::arg("dim") = 0);
  auto tsplit_t = [](const Tensor& t, py::object s, int64_t dim) {
    return as_tuple(tensor_split_any(t, s, dim));
  };
  m.def("tensor_split", tsplit_t, py::arg("input"), py::arg("indices_or_sections"), py::arg("dim") = 0);
  cls.def("tensor_split", tsplit_t, py::arg("indices_or_sections"), py::arg("dim") = 0);
  cls.def("repeat", [](const Tensor& t, py::args a, py::kwargs kw) {
    Shape s = shape_args_kw(a, kw, "repeats", "repeat");
    py::gil_scoped_release r;
    return repeat(t, s);
  });
  m.def("tile", [](const Tensor& t, py::object d) { return tile(t, int_list(d, "tile")); },
        py::arg("input"), py::arg("dims"));
  cls.def("tile", [](const Tensor& t, py::args a, py::kwargs kw) {
    return tile(t, shape_args_kw(a, kw, "dims", "tile"));
  });
  m.def("flip", [](const Tensor& t, py::object d) { return flip(t, int_list(d, "flip")); },
        py::arg("input"), py::arg("dims"));
  cls.def("flip", [](const Tensor& t, py::args a, py::kwargs kw) {
    return flip(t, shape_args_kw(a, kw, "dims", "flip"));
  });
  auto roll_any = [](const Tensor& t, py::object shifts, py::object dims) {
    return roll(t, int_list(shifts, "roll"), dims.is_none() ? Shape{} : int_list(dims, "roll"));
  };
  m.def("roll", roll_any, py::arg("input"), py::arg("shifts"), py::arg("dims") = py::none());
  cls.def("roll", roll_any, py::arg("shifts"), py::arg("dims") = py::none());
  // ---- diagonals ----
  m.def("diagonal", &diagonal, py::arg("input"), py::arg("offset") = 0, py::arg("dim1") = 0,
        py::arg("dim2") = 1, R());
  cls.def("diagonal", &diagonal, py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1,
          R());
  m.def("diagonal_scatter", &diagonal_scatter, py::arg("input"), py::arg("src"),
        py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1, R());
  cls.def("diagonal_scatter", &diagonal_scatter, py::arg("src"), py::arg("offset") = 0,
          py::arg("dim1") = 0, py::arg("dim2") = 1, R());
  m.def("diag", &diag, py::arg("input"), py::arg("diagonal") = 0, R());
  cls.def("diag", &diag, py::arg("diagonal") = 0, R());
  m.def("diag_embed", &diag_embed, py::arg("input"), py::arg("offset") = 0, py::arg("dim1") = -2,
        py::arg("dim2") = -1, R());
  cls.def("diag_embed", &diag_embed, py::arg("offset") = 0, py::arg("dim1") = -2,
          py::arg("dim2") = -1, R());
  m.def("trace", &trace, py::arg("input"), R());
  cls.def("trace", &trace, R());
}

}  // namespace ember::python

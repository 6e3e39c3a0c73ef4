// Bindings for the factories (zeros(2, 3) and zeros((2, 3)) both work), random ops, the
// generator seed, in-place fills and dtype/device conversions (Tensor.to and friends).
// Argument parsing only: checks and maths live in ops/creation.cpp and ops/random.cpp.
#include "bind.h"

namespace ember::python {

namespace {

using R = py::call_guard<py::gil_scoped_release>;

std::string type_name(const py::handle& obj) {
  return py::str(py::type::of(obj).attr("__name__"));
}

int64_t int_arg(const py::handle& obj, const char* op, const char* what) {
  EMBER_CHECK(!py::isinstance<py::float_>(obj) && PyIndex_Check(obj.ptr()), TypeError, "[", op,
              "] ", what, " must be an int, got ", type_name(obj));
  py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
  if (!i) throw py::error_already_set();
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
  EMBER_CHECK(overflow == 0, ValueError, "[", op, "] ", what, " ",
              std::string(py::str(i)), " does not fit in a 64-bit integer");
  return static_cast<int64_t>(v);
}

// A Python bool/int/float (or NumPy scalar) as a Scalar.
Scalar number_arg(const py::handle& obj, const char* op) {
  if (py::isinstance<py::bool_>(obj)) return Scalar(obj.cast<bool>());
  if (PyIndex_Check(obj.ptr())) return Scalar(int_arg(obj, op, "value"));
  if (py::isinstance<py::float_>(obj) || py::hasattr(obj, "__float__")) {
    EMBER_CHECK(!py::isinstance<Tensor>(obj) || obj.cast<Tensor>().numel() == 1, TypeError, "[",
                op, "] expected a number, got a tensor with more than one element");
    return Scalar(py::float_(py::reinterpret_borrow<py::object>(obj)).cast<double>());
  }
  EMBER_THROW(TypeError, "[", op, "] expected a number, got ", type_name(obj));
}

// size given as f(2, 3), f((2, 3)) or f([2, 3]).
Shape shape_arg(const py::sequence& args, const char* op) {
  py::sequence items = args;
  if (args.size() == 1 && !PyIndex_Check(args[0].ptr())) {
    EMBER_CHECK(py::isinstance<py::sequence>(args[0]) && !py::isinstance<py::str>(args[0]),
                TypeError, "[", op, "] size must be ints or a sequence of ints, got ",
                type_name(args[0]));
    items = args[0];
  }
  Shape shape;
  for (const auto& s : items) shape.push_back(int_arg(s, op, "size"));
  numel_of(shape, op);  // ValueError for negative sizes, before any allocation
  return shape;
}

// Keyword arguments shared by factories: dtype, device, requires_grad (others: TypeError).
struct Options {
  std::optional<DType> dtype;
  bool requires_grad = false;
  py::object size = py::none();  // size=(...) given by keyword
};

Options options(const py::kwargs& kw, const char* op, bool allow_size = false) {
  Options o;
  for (const auto& item : kw) {
    std::string key = py::str(item.first);
    if (key == "dtype") o.dtype = dtype_arg(item.second, op);
    else if (key == "requires_grad") o.requires_grad = item.second.cast<bool>();
    else if (key == "device") {
      if (!item.second.is_none()) {
        Device d = parse_device(py::str(item.second));
        EMBER_CHECK(d.is_cpu(), RuntimeError, "[cuda] ember was built without CUDA (or no GPU "
                    "is present); cannot create a tensor on ", d.str());
      }
    } else if (key == "size" && allow_size) o.size = py::reinterpret_borrow<py::object>(item.second);
    else if ((key == "layout" || key == "pin_memory") && (item.second.is_none() ||
             (key == "pin_memory" && !item.second.cast<bool>()))) continue;
    else EMBER_THROW(TypeError, "[", op, "] got an unexpected keyword argument '", key, "'");
  }
  return o;
}

Tensor finish(Tensor t, const Options& o) {
  if (o.requires_grad) t.set_requires_grad(true);
  return t;
}

// Binds op(*size, dtype=None, device=None, requires_grad=False).
template <class F>
void def_sized(py::module_& m, const char* name, F make, DType default_dtype, const char* doc) {
  m.def(name, [name, make, default_dtype](py::args args, py::kwargs kw) {
    Options o = options(kw, name, true);
    Shape shape = shape_arg(o.size.is_none() ? py::sequence(args) : py::sequence(py::make_tuple(o.size)), name);
    EMBER_CHECK(o.size.is_none() || args.size() == 0, TypeError, "[", name,
                "] size given both by position and by keyword");
    DType dt = o.dtype.value_or(default_dtype);
    Tensor t;
    {
      py::gil_scoped_release release;
      t = make(shape, dt);
    }
    return finish(t, o);
  }, doc);
}

// Binds op(input, dtype=None, device=None, requires_grad=False).
template <class F>
void def_like(py::module_& m, const char* name, F make, const char* doc) {
  m.def(name, [name, make](const Tensor& t, py::kwargs kw) {
    Options o = options(kw, name);
    Tensor r;
    {
      py::gil_scoped_release release;
      r = make(t, o.dtype);
    }
    return finish(r, o);
  }, py::arg("input"), doc);
}

std::optional<Device> device_of(const py::handle& obj) {
  if (obj.is_none()) return std::nullopt;
  if (py::isinstance<py::int_>(obj)) return Device{DeviceType::CUDA, obj.cast<int>()};
  return parse_device(py::str(obj));
}

// Tensor.to(dtype) / to(device) / to(device, dtype) / to(other) / keywords.
py::object to_method(py::object self, py::args args, py::kwargs kw) {
  const Tensor t = self.cast<Tensor>();
  std::optional<Device> device;
  std::optional<DType> dtype;
  bool copy = false;
  for (const auto& a : args) {
    if (py::isinstance<Tensor>(a)) {
      Tensor o = a.cast<Tensor>();
      dtype = o.dtype();
      device = o.device();
    } else if (py::isinstance<py::str>(a)) {
      device = device_of(a);
    } else {
      dtype = dtype_arg(a, "to");
    }
  }
  for (const auto& item : kw) {
    std::string key = py::str(item.first);
    if (key == "dtype") dtype = dtype_arg(item.second, "to");
    else if (key == "device") device = device_of(item.second);
    else if (key == "copy") copy = item.second.cast<bool>();
    else if (key == "non_blocking" || key == "memory_format") continue;
    else EMBER_THROW(TypeError, "[to] got an unexpected keyword argument '", key, "'");
  }
  Tensor r;
  {
    py::gil_scoped_release release;
    r = to(t, device, dtype, copy);
  }
  return r.is_same(t) ? self : py::cast(r);  // self itself when nothing changes, like torch
}

}  // namespace

std::optional<DType> dtype_arg(const py::handle& obj, const char* op) {
  if (obj.is_none()) return std::nullopt;
  if (py::isinstance<DType>(obj)) return obj.cast<DType>();
  // Python types, as torch accepts dtype=float (float64 there and here).
  if (obj.ptr() == reinterpret_cast<PyObject*>(&PyFloat_Type)) return DType::Float64;
  if (obj.ptr() == reinterpret_cast<PyObject*>(&PyLong_Type)) return DType::Int64;
  if (obj.ptr() == reinterpret_cast<PyObject*>(&PyBool_Type)) return DType::Bool;
  EMBER_THROW(TypeError, "[", op, "] expected an ember dtype (ember.float32, ember.float64, "
              "ember.int64, ember.bool), got ", std::string(py::repr(obj)));
}

void bind_creation(py::module_& m, TensorClass& cls) {
  def_sized(m, "empty", [](const Shape& s, DType d) { return empty(s, d); }, default_float,
            "empty(*size, dtype=None, requires_grad=False): uninitialised tensor.");
  def_sized(m, "zeros", [](const Shape& s, DType d) { return zeros(s, d); }, default_float,
            "zeros(*size, dtype=None, requires_grad=False): tensor of zeros (float32 by default).");
  def_sized(m, "ones", [](const Shape& s, DType d) { return ones(s, d); }, default_float,
            "ones(*size, dtype=None, requires_grad=False): tensor of ones (float32 by default).");
  def_sized(m, "rand", [](const Shape& s, DType d) { return rand(s, d); }, default_float,
            "rand(*size, dtype=None, requires_grad=False): uniform on [0, 1).\n\n"
            "ember's generator is Philox4x32-10 (counter based): element i of a fill draws from "
            "counter offset + i / 4 (i / 2 for 64-bit values), so values are the same for any thread count and machine. "
            "Streams differ from PyTorch's: the same seed gives different numbers.");
  def_sized(m, "randn", [](const Shape& s, DType d) { return randn(s, d); }, default_float,
            "randn(*size, dtype=None, requires_grad=False): standard normal samples.\n\n"
            "Philox4x32-10 + Box-Muller; reproducible for any thread count (streams differ "
            "from PyTorch's).");

  m.def("full", [](py::object size, py::object value, py::kwargs kw) {
    Options o = options(kw, "full");
    Shape shape = shape_arg(py::make_tuple(size), "full");
    Scalar v = number_arg(value, "full");
    Tensor t;
    {
      py::gil_scoped_release release;
      t = full(shape, v, o.dtype);
    }
    return finish(t, o);
  }, py::arg("size"), py::arg("fill_value"),
     "full(size, fill_value, dtype=None, requires_grad=False). Without dtype: bool, int64 or "
     "float32 after fill_value's type.");

  def_like(m, "empty_like", [](const Tensor& t, std::optional<DType> d) { return empty_like(t, d); },
           "Uninitialised tensor shaped like input.");
  def_like(m, "zeros_like", [](const Tensor& t, std::optional<DType> d) { return zeros_like(t, d); },
           "Zeros shaped like input (input's dtype unless dtype is given).");
  def_like(m, "ones_like", [](const Tensor& t, std::optional<DType> d) { return ones_like(t, d); },
           "Ones shaped like input.");
  def_like(m, "rand_like", [](const Tensor& t, std::optional<DType> d) { return rand_like(t, d); },
           "Uniform [0, 1) samples shaped like input (floating dtypes only).");
  def_like(m, "randn_like", [](const Tensor& t, std::optional<DType> d) { return randn_like(t, d); },
           "Standard normal samples shaped like input (floating dtypes only).");
  m.def("full_like", [](const Tensor& t, py::object value, py::kwargs kw) {
    Options o = options(kw, "full_like");
    Scalar v = number_arg(value, "full_like");
    Tensor r;
    {
      py::gil_scoped_release release;
      r = full_like(t, v, o.dtype);
    }
    return finish(r, o);
  }, py::arg("input"), py::arg("fill_value"), "Tensor shaped like input filled with fill_value.");

  m.def("arange", [](py::args args, py::kwargs kw) {
    py::object start = py::int_(0), end = py::none(), step = py::int_(1);
    py::dict rest;
    for (const auto& item : kw) {
      std::string key = py::str(item.first);
      if (key == "start") start = py::reinterpret_borrow<py::object>(item.second);
      else if (key == "end") end = py::reinterpret_borrow<py::object>(item.second);
      else if (key == "step") step = py::reinterpret_borrow<py::object>(item.second);
      else rest[item.first] = item.second;
    }
    EMBER_CHECK(args.size() <= 3, TypeError, "[arange] expected at most 3 positional arguments "
                "(start, end, step), got ", args.size());
    if (args.size() == 1 && end.is_none()) end = args[0];
    else if (args.size() >= 1) {
      start = args[0];
      if (args.size() >= 2) end = args[1];
      if (args.size() == 3) step = args[2];
    }
    EMBER_CHECK(!end.is_none(), TypeError, "[arange] missing the end argument");
    Options o = options(py::kwargs(rest), "arange");
    Scalar a = number_arg(start, "arange"), b = number_arg(end, "arange"), s = number_arg(step, "arange");
    Tensor t;
    {
      py::gil_scoped_release release;
      t = arange(a, b, s, o.dtype);
    }
    return finish(t, o);
  }, "arange(end) or arange(start, end, step=1, dtype=None, requires_grad=False).\n\n"
     "Length ceil((end - start) / step). Without dtype: int64 when start, end and step are "
     "ints, else float32.");

  m.def("linspace", [](py::object start, py::object end, py::object steps, py::kwargs kw) {
    Options o = options(kw, "linspace");
    Scalar a = number_arg(start, "linspace"), b = number_arg(end, "linspace");
    int64_t n = int_arg(steps, "linspace", "steps");
    Tensor t;
    {
      py::gil_scoped_release release;
      t = linspace(a, b, n, o.dtype);
    }
    return finish(t, o);
  }, py::arg("start"), py::arg("end"), py::arg("steps"),
     "linspace(start, end, steps, dtype=None, requires_grad=False): steps values from start "
     "to end inclusive (float32 by default).");

  m.def("eye", [](py::object n, py::object mm, py::kwargs kw) {
    Options o = options(kw, "eye");
    int64_t rows = int_arg(n, "eye", "n");
    int64_t cols = mm.is_none() ? rows : int_arg(mm, "eye", "m");
    EMBER_CHECK(cols >= 0, ValueError, "[eye] m must be non-negative, got ", cols);
    Tensor t;
    {
      py::gil_scoped_release release;
      t = eye(rows, cols, o.dtype.value_or(default_float));
    }
    return finish(t, o);
  }, py::arg("n"), py::arg("m") = py::none(), "eye(n, m=None, dtype=None): identity matrix.");

  m.def("randint", [](py::args args, py::kwargs kw) {
    py::object low = py::int_(0), high = py::none(), size = py::none();
    py::dict rest;
    for (const auto& item : kw) {
      std::string key = py::str(item.first);
      if (key == "low") low = py::reinterpret_borrow<py::object>(item.second);
      else if (key == "high") high = py::reinterpret_borrow<py::object>(item.second);
      else if (key == "size") size = py::reinterpret_borrow<py::object>(item.second);
      else rest[item.first] = item.second;
    }
    std::vector<py::object> pos;
    for (const auto& a : args) pos.push_back(py::reinterpret_borrow<py::object>(a));
    // Positional forms: (high, size) or (low, high, size), like torch.randint.
    if (size.is_none() && !pos.empty()) {
      size = pos.back();
      pos.pop_back();
    }
    if (pos.size() == 1) {
      if (high.is_none()) high = pos[0];
      else low = pos[0];
    } else if (pos.size() == 2) {
      low = pos[0];
      high = pos[1];
    } else {
      EMBER_CHECK(pos.empty(), TypeError, "[randint] expected (high, size) or (low, high, size)");
    }
    EMBER_CHECK(!high.is_none() && !size.is_none(), TypeError,
                "[randint] expected (high, size) or (low, high, size)");
    Options o = options(py::kwargs(rest), "randint");
    int64_t lo = int_arg(low, "randint", "low"), hi = int_arg(high, "randint", "high");
    Shape shape = shape_arg(py::make_tuple(size), "randint");
    Tensor t;
    {
      py::gil_scoped_release release;
      t = randint(lo, hi, shape, o.dtype.value_or(DType::Int64));
    }
    return finish(t, o);
  }, "randint(low=0, high, size, dtype=None): integers uniform on [low, high), int64 by "
     "default (Philox4x32-10; streams differ from PyTorch's).");
  m.def("randint_like", [](const Tensor& t, py::object a, py::object b, py::kwargs kw) {
    Options o = options(kw, "randint_like");
    int64_t lo = 0, hi;
    if (b.is_none()) hi = int_arg(a, "randint_like", "high");
    else {
      lo = int_arg(a, "randint_like", "low");
      hi = int_arg(b, "randint_like", "high");
    }
    py::gil_scoped_release release;
    return randint_like(t, lo, hi, o.dtype);
  }, py::arg("input"), py::arg("low"), py::arg("high") = py::none(),
     "randint_like(input, high) or randint_like(input, low, high).");
  m.def("randperm", [](py::object n, py::kwargs kw) {
    Options o = options(kw, "randperm");
    int64_t k = int_arg(n, "randperm", "n");
    Tensor t;
    {
      py::gil_scoped_release release;
      t = randperm(k, o.dtype.value_or(DType::Int64));
    }
    return finish(t, o);
  }, py::arg("n"), "randperm(n, dtype=ember.int64): a random permutation of 0..n-1.");
  m.def("multinomial", [](const Tensor& p, int64_t n, bool replacement) {
    return multinomial(p, n, replacement);
  }, py::arg("input"), py::arg("num_samples"), py::arg("replacement") = false, R(),
        "multinomial(input, num_samples, replacement=False): category indices drawn from the "
        "rows of input (non-negative weights).");
  m.def("bernoulli", [](const Tensor& p) { return bernoulli(p); }, py::arg("input"), R(),
        "bernoulli(input): 1 with probability input[i], else 0 (input's dtype).");
  m.def("normal", [](double mean, double std, py::object size, py::kwargs kw) {
    Options o = options(kw, "normal");
    Shape shape = shape_arg(py::make_tuple(size), "normal");
    Tensor t = empty(shape, o.dtype.value_or(default_float));
    {
      py::gil_scoped_release release;
      normal_(t, mean, std);
    }
    return finish(t, o);
  }, py::arg("mean"), py::arg("std"), py::arg("size"),
     "normal(mean, std, size, dtype=None): normal samples with float mean and std.");

  m.def("manual_seed", [](py::object s) {
    // Seeds in [-2^63, 2^64): negative ones wrap to uint64, as in PyTorch.
    EMBER_CHECK(!py::isinstance<py::float_>(s) && PyIndex_Check(s.ptr()), TypeError,
                "[manual_seed] seed must be an int, got ", type_name(s));
    py::int_ i = py::reinterpret_steal<py::int_>(PyNumber_Index(s.ptr()));
    uint64_t v;
    if (i < py::int_(0)) {
      v = static_cast<uint64_t>(int_arg(i, "manual_seed", "seed"));
    } else {
      v = PyLong_AsUnsignedLongLong(i.ptr());
      if (PyErr_Occurred()) {
        PyErr_Clear();
        EMBER_THROW(ValueError, "[manual_seed] seed ", std::string(py::str(i)),
                    " must be in [-2**63, 2**64)");
      }
    }
    manual_seed(v);
  }, py::arg("seed"),
     "Seeds ember's default generator (Philox4x32-10, counter based) and resets its counter.\n\n"
     "Random ops are reproducible for a seed on any thread count and machine; the streams "
     "differ from PyTorch's.");
  m.def("seed", &seed, "Seeds the default generator non-deterministically; returns the seed.");
  m.def("initial_seed", &initial_seed, "The seed the default generator was last seeded with.");

  // In-place fills return self (the same Python object), like PyTorch.
  cls.def("fill_", [](py::object self, py::object v) {
        Scalar s = number_arg(v, "fill_");
        Tensor t = self.cast<Tensor>();
        {
          py::gil_scoped_release release;
          fill_(t, s);
        }
        return self;
      }, py::arg("value"))
      .def("zero_", [](py::object self) {
        Tensor t = self.cast<Tensor>();
        {
          py::gil_scoped_release release;
          zero_(t);
        }
        return self;
      })
      .def("normal_", [](py::object self, double mean, double std) {
        Tensor t = self.cast<Tensor>();
        {
          py::gil_scoped_release release;
          normal_(t, mean, std);
        }
        return self;
      }, py::arg("mean") = 0.0, py::arg("std") = 1.0)
      .def("uniform_", [](py::object self, double from, double to) {
        Tensor t = self.cast<Tensor>();
        {
          py::gil_scoped_release release;
          uniform_(t, from, to);
        }
        return self;
      }, py::arg("from") = 0.0, py::arg("to") = 1.0)
      .def("bernoulli_", [](py::object self, double p) {
        Tensor t = self.cast<Tensor>();
        {
          py::gil_scoped_release release;
          bernoulli_(t, p);
        }
        return self;
      }, py::arg("p") = 0.5)
      .def("bernoulli", [](const Tensor& t) { return bernoulli(t); }, R())
      .def("multinomial", [](const Tensor& p, int64_t n, bool replacement) {
        return multinomial(p, n, replacement);
      }, py::arg("num_samples"), py::arg("replacement") = false, R());

  // Conversions.
  cls.def("to", &to_method, "to(dtype) / to(device) / to(device, dtype) / to(other) / "
                            "to(dtype=..., device=..., copy=False): differentiable conversion.")
      .def("float", [](const Tensor& t) { return to_dtype(t, DType::Float32); }, R())
      .def("double", [](const Tensor& t) { return to_dtype(t, DType::Float64); }, R())
      .def("long", [](const Tensor& t) { return to_dtype(t, DType::Int64); }, R())
      .def("int", [](const Tensor& t) { return to_dtype(t, DType::Int64); }, R(),
           "int64, not int32: ember has no int32 dtype yet (a documented deviation).")
      .def("bool", [](const Tensor& t) { return to_dtype(t, DType::Bool); }, R())
      .def("cpu", [](py::object self) { return self; })  // CPU is the only device built
      .def("cuda", [](const Tensor& t, py::object device) {
        std::optional<Device> d = Device{DeviceType::CUDA, 0};
        if (!device.is_none()) d = device_of(device);
        py::gil_scoped_release release;
        return to(t, d, std::nullopt);
      }, py::arg("device") = py::none())
      .def("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); });
  m.def("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); }, py::arg("input"));
}

}  // namespace ember::python

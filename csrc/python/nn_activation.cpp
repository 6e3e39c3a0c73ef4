// Bindings of ops/activation_more.h (module functions; Tensor.hardshrink / Tensor.prelu as
// in PyTorch) and of the layers of nn/activation_more.h in ember._C.nn. In-place functions
// return the Python object they were given.
#include <optional>

#include "nn.h"

namespace ember::python {

namespace {

using nn::Module;
using R = py::call_guard<py::gil_scoped_release>;

template <class C>
using LayerClass = py::class_<C, Module, PyModule<C>, std::shared_ptr<C>>;

// m.def(name, ...) for an in-place op f(Tensor&, args...) returning its input object.
template <class... A, class F, class... Extra>
void def_inplace(py::module_& m, const char* name, F f, const Extra&... extra) {
  m.def(name, [f](py::object t, A... args) {
    Tensor& a = t.cast<Tensor&>();
    {
      py::gil_scoped_release release;
      f(a, args...);
    }
    return t;
  }, py::arg("input"), extra...);
}

void bind_ops(py::module_& m, TensorClass& cls) {
  m.def("hardtanh", [](const Tensor& x, double lo, double hi) { return hardtanh(x, lo, hi); },
        py::arg("input"), py::arg("min_val") = -1.0, py::arg("max_val") = 1.0, R());
  def_inplace<double, double>(m, "hardtanh_", [](Tensor& a, double lo, double hi) { hardtanh_(a, lo, hi); },
                              py::arg("min_val") = -1.0, py::arg("max_val") = 1.0);
  m.def("relu6", [](const Tensor& x) { return relu6(x); }, py::arg("input"), R());
  def_inplace<>(m, "relu6_", [](Tensor& a) { relu6_(a); });
  m.def("hardsigmoid", [](const Tensor& x) { return hardsigmoid(x); }, py::arg("input"), R());
  def_inplace<>(m, "hardsigmoid_", [](Tensor& a) { hardsigmoid_(a); });
  m.def("hardswish", [](const Tensor& x) { return hardswish(x); }, py::arg("input"), R());
  def_inplace<>(m, "hardswish_", [](Tensor& a) { hardswish_(a); });
  m.def("mish", [](const Tensor& x) { return mish(x); }, py::arg("input"), R());
  def_inplace<>(m, "mish_", [](Tensor& a) { mish_(a); });
  m.def("selu", [](const Tensor& x) { return selu(x); }, py::arg("input"), R());
  def_inplace<>(m, "selu_", [](Tensor& a) { selu_(a); });
  m.def("celu", [](const Tensor& x, double alpha) { return celu(x, alpha); }, py::arg("input"),
        py::arg("alpha") = 1.0, R());
  def_inplace<double>(m, "celu_", [](Tensor& a, double alpha) { celu_(a, alpha); },
                      py::arg("alpha") = 1.0);
  m.def("logsigmoid", [](const Tensor& x) { return logsigmoid(x); }, py::arg("input"), R());
  m.def("softsign", [](const Tensor& x) { return softsign(x); }, py::arg("input"), R());
  m.def("tanhshrink", [](const Tensor& x) { return tanhshrink(x); }, py::arg("input"), R());
  auto hs = [](const Tensor& x, double l) { return hardshrink(x, l); };
  m.def("hardshrink", hs, py::arg("input"), py::arg("lambd") = 0.5, R());
  cls.def("hardshrink", hs, py::arg("lambd") = 0.5, R());
  m.def("softshrink", [](const Tensor& x, double l) { return softshrink(x, l); },
        py::arg("input"), py::arg("lambd") = 0.5, R());
  m.def("threshold", [](const Tensor& x, double t, double v) { return threshold(x, t, v); },
        py::arg("input"), py::arg("threshold"), py::arg("value"), R());
  def_inplace<double, double>(m, "threshold_",
                              [](Tensor& a, double t, double v) { threshold_(a, t, v); },
                              py::arg("threshold"), py::arg("value"));
  m.def("softmin", [](const Tensor& x, int64_t dim, std::optional<DType> dtype) {
    return softmin(x, dim, dtype);
  }, py::arg("input"), py::arg("dim"), py::arg("dtype") = py::none(), R());
  m.def("glu", [](const Tensor& x, int64_t dim) { return glu(x, dim); }, py::arg("input"),
        py::arg("dim") = -1, R());
  auto pr = [](const Tensor& x, const Tensor& w) { return prelu(x, w); };
  m.def("prelu", pr, py::arg("input"), py::arg("weight"), R());
  cls.def("prelu", pr, py::arg("weight"), R());
}

template <class C, class Cls>
void def_forward(Cls& c) {
  // Qualified call: C's own forward, not a Python override (which may be calling it).
  c.def("forward", [](C& l, const Tensor& x) { return l.C::forward(x); }, py::arg("input"),
        py::call_guard<py::gil_scoped_release>());
}

// A layer whose constructor takes only inplace=False.
template <class C>
void bind_inplace_layer(py::module_& nn, const char* name, const char* doc) {
  LayerClass<C> c(nn, name, doc);
  c.def(py::init([](bool i) { return make<C>(false, i); }, [](bool i) { return make<C>(true, i); }),
        py::arg("inplace") = false)
      .def_readwrite("inplace", &C::inplace);
  def_forward<C>(c);
}

// A layer without constructor arguments.
template <class C>
void bind_plain_layer(py::module_& nn, const char* name, const char* doc) {
  LayerClass<C> c(nn, name, doc);
  c.def(py::init([] { return make<C>(false); }, [] { return make<C>(true); }));
  def_forward<C>(c);
}

void bind_layers(py::module_& nn) {
  LayerClass<nn::Hardtanh> ht(nn, "Hardtanh", "clamp(x, min_val, max_val).");
  ht.def(py::init([](double lo, double hi, bool i) { return make<nn::Hardtanh>(false, lo, hi, i); },
                  [](double lo, double hi, bool i) { return make<nn::Hardtanh>(true, lo, hi, i); }),
         py::arg("min_val") = -1.0, py::arg("max_val") = 1.0, py::arg("inplace") = false)
      .def_readwrite("min_val", &nn::Hardtanh::min_val)
      .def_readwrite("max_val", &nn::Hardtanh::max_val)
      .def_readwrite("inplace", &nn::Hardtanh::inplace);
  def_forward<nn::Hardtanh>(ht);
  // ReLU6 derives from Hardtanh as in PyTorch (isinstance(ReLU6(), Hardtanh)).
  py::class_<nn::ReLU6, nn::Hardtanh, PyModule<nn::ReLU6>, std::shared_ptr<nn::ReLU6>> r6(
      nn, "ReLU6", "min(max(x, 0), 6).");
  r6.def(py::init([](bool i) { return make<nn::ReLU6>(false, i); },
                  [](bool i) { return make<nn::ReLU6>(true, i); }), py::arg("inplace") = false);
  bind_inplace_layer<nn::Hardsigmoid>(nn, "Hardsigmoid", "relu6(x + 3) / 6.");
  bind_inplace_layer<nn::Hardswish>(nn, "Hardswish", "x * relu6(x + 3) / 6.");
  bind_inplace_layer<nn::Mish>(nn, "Mish", "x * tanh(softplus(x)).");
  bind_inplace_layer<nn::SELU>(nn, "SELU", "scale * (x if x > 0 else alpha * (exp(x) - 1)).");
  LayerClass<nn::CELU> celu_c(nn, "CELU", "x if x > 0 else alpha * (exp(x / alpha) - 1).");
  celu_c.def(py::init([](double a, bool i) { return make<nn::CELU>(false, a, i); },
                      [](double a, bool i) { return make<nn::CELU>(true, a, i); }),
             py::arg("alpha") = 1.0, py::arg("inplace") = false)
      .def_readwrite("alpha", &nn::CELU::alpha)
      .def_readwrite("inplace", &nn::CELU::inplace);
  def_forward<nn::CELU>(celu_c);
  bind_plain_layer<nn::LogSigmoid>(nn, "LogSigmoid", "log(sigmoid(x)), computed stably.");
  bind_plain_layer<nn::Softsign>(nn, "Softsign", "x / (1 + |x|).");
  bind_plain_layer<nn::Tanhshrink>(nn, "Tanhshrink", "x - tanh(x).");
  bind_plain_layer<nn::Softmax2d>(nn, "Softmax2d", "softmax over the channels of (N, C, H, W) or (C, H, W).");
  LayerClass<nn::Hardshrink> hs(nn, "Hardshrink", "x where |x| > lambd, else 0.");
  hs.def(py::init([](double l) { return make<nn::Hardshrink>(false, l); },
                  [](double l) { return make<nn::Hardshrink>(true, l); }), py::arg("lambd") = 0.5)
      .def_readwrite("lambd", &nn::Hardshrink::lambd);
  def_forward<nn::Hardshrink>(hs);
  LayerClass<nn::Softshrink> ss(nn, "Softshrink", "x - lambd, x + lambd or 0.");
  ss.def(py::init([](double l) { return make<nn::Softshrink>(false, l); },
                  [](double l) { return make<nn::Softshrink>(true, l); }), py::arg("lambd") = 0.5)
      .def_readwrite("lambd", &nn::Softshrink::lambd);
  def_forward<nn::Softshrink>(ss);
  LayerClass<nn::Threshold> th(nn, "Threshold", "x if x > threshold else value.");
  th.def(py::init([](double t, double v, bool i) { return make<nn::Threshold>(false, t, v, i); },
                  [](double t, double v, bool i) { return make<nn::Threshold>(true, t, v, i); }),
         py::arg("threshold"), py::arg("value"), py::arg("inplace") = false)
      .def_readwrite("threshold", &nn::Threshold::threshold)
      .def_readwrite("value", &nn::Threshold::value)
      .def_readwrite("inplace", &nn::Threshold::inplace);
  def_forward<nn::Threshold>(th);
  LayerClass<nn::Softmin> sm(nn, "Softmin",
      "softmax(-x) along dim; dim=None uses PyTorch's legacy rule (0 for 0/1/3-D input, else 1).");
  sm.def(py::init([](std::optional<int64_t> d) { return make<nn::Softmin>(false, d); },
                  [](std::optional<int64_t> d) { return make<nn::Softmin>(true, d); }),
         py::arg("dim") = py::none())
      .def_readwrite("dim", &nn::Softmin::dim);
  def_forward<nn::Softmin>(sm);
  LayerClass<nn::GLU> glu_c(nn, "GLU", "a * sigmoid(b), a and b the halves of the input along dim.");
  glu_c.def(py::init([](int64_t d) { return make<nn::GLU>(false, d); },
                     [](int64_t d) { return make<nn::GLU>(true, d); }), py::arg("dim") = -1)
      .def_readwrite("dim", &nn::GLU::dim);
  def_forward<nn::GLU>(glu_c);
  LayerClass<nn::PReLU> pr(nn, "PReLU", "x if x > 0 else weight * x; weight (num_parameters,).");
  auto pr_ctor = [](bool alias) {
    return [alias](int64_t n, double init, py::object dev, py::object dt) {
      return factory(make<nn::PReLU>(alias, n, init), dev, dt, "PReLU");
    };
  };
  pr.def(py::init(pr_ctor(false), pr_ctor(true)), py::arg("num_parameters") = 1,
         py::arg("init") = 0.25, py::arg("device") = py::none(), py::arg("dtype") = py::none())
      .def("reset_parameters", &nn::PReLU::reset_parameters)
      .def_readonly("num_parameters", &nn::PReLU::num_parameters)
      .def_readonly("init", &nn::PReLU::init);
  def_forward<nn::PReLU>(pr);
}

}  // namespace

void bind_nn_activation(py::module_& m, TensorClass& cls) {
  bind_ops(m, cls);
  py::module_ nn = m.attr("nn").cast<py::module_>();
  bind_layers(nn);
}

}  // namespace ember::python

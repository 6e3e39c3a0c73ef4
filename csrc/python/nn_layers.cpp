// Bindings of the standard layers (ember._C.nn: Linear, Bilinear, activations, Dropout,
// Embedding, norms) and of the ops they added (leaky_relu, elu and their in-place forms,
// bilinear). Each layer gets the PyModule trampoline so Python subclasses can override
// forward; constructors take PyTorch's arguments (device must be None or 'cpu').
#include <optional>

#include "nn.h"

namespace ember::python {

namespace {

using nn::Module;

template <class C>
using LayerClass = py::class_<C, Module, PyModule<C>, std::shared_ptr<C>>;

Shape as_shape(const py::object& s) {
  if (py::isinstance<py::int_>(s)) return {s.cast<int64_t>()};
  return s.cast<Shape>();
}

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

void bind_ops(py::module_& m) {
  using R = py::call_guard<py::gil_scoped_release>;
  m.def("leaky_relu", [](const Tensor& x, double s) { return leaky_relu(x, s); }, py::arg("input"),
        py::arg("negative_slope") = 0.01, R());
  m.def("leaky_relu_", [](py::object t, double s) {
    Tensor& a = t.cast<Tensor&>();
    {
      py::gil_scoped_release release;
      leaky_relu_(a, s);
    }
    return t;
  }, py::arg("input"), py::arg("negative_slope") = 0.01);
  m.def("elu", [](const Tensor& x, double alpha) { return elu(x, alpha); }, py::arg("input"),
        py::arg("alpha") = 1.0, R());
  m.def("elu_", [](py::object t, double alpha) {
    Tensor& a = t.cast<Tensor&>();
    {
      py::gil_scoped_release release;
      elu_(a, alpha);
    }
    return t;
  }, py::arg("input"), py::arg("alpha") = 1.0);
  m.def("bilinear", [](const Tensor& x1, const Tensor& x2, const Tensor& w,
                       std::optional<Tensor> b) { return bilinear(x1, x2, w, opt(b)); },
        py::arg("input1"), py::arg("input2"), py::arg("weight"), py::arg("bias") = py::none(), R());
}

void bind_dense(py::module_& nn) {
  LayerClass<nn::Linear>(nn, "Linear", "y = x W^T + b; weight (out_features, in_features).")
      .def(py::init([](int64_t i, int64_t o, bool b, py::object dev, py::object dt) {
             return factory(make<nn::Linear>(false, i, o, b), dev, dt, "Linear");
           }, [](int64_t i, int64_t o, bool b, py::object dev, py::object dt) {
             return factory(make<nn::Linear>(true, i, o, b), dev, dt, "Linear");
           }), py::arg("in_features"), py::arg("out_features"), py::arg("bias") = true,
           py::arg("device") = py::none(), py::arg("dtype") = py::none())
      .def("forward", [](nn::Linear& l, const Tensor& x) { return l.nn::Linear::forward(x); },
           py::arg("input"), py::call_guard<py::gil_scoped_release>())
      .def("reset_parameters", &nn::Linear::reset_parameters)
      .def_readonly("in_features", &nn::Linear::in_features)
      .def_readonly("out_features", &nn::Linear::out_features);
  LayerClass<nn::Bilinear>(nn, "Bilinear",
                           "y = x1^T A x2 + b; weight (out_features, in1_features, in2_features).")
      .def(py::init([](int64_t a, int64_t b, int64_t o, bool bias, py::object dev, py::object dt) {
             return factory(make<nn::Bilinear>(false, a, b, o, bias), dev, dt, "Bilinear");
           }, [](int64_t a, int64_t b, int64_t o, bool bias, py::object dev, py::object dt) {
             return factory(make<nn::Bilinear>(true, a, b, o, bias), dev, dt, "Bilinear");
           }), py::arg("in1_features"), py::arg("in2_features"), py::arg("out_features"),
           py::arg("bias") = true, py::arg("device") = py::none(), py::arg("dtype") = py::none())
      .def("forward", [](nn::Bilinear& l, const Tensor& a, const Tensor& b) {
             return l.nn::Bilinear::forward(a, b);
           }, py::arg("input1"), py::arg("input2"), py::call_guard<py::gil_scoped_release>())
      .def("reset_parameters", &nn::Bilinear::reset_parameters)
      .def_readonly("in1_features", &nn::Bilinear::in1_features)
      .def_readonly("in2_features", &nn::Bilinear::in2_features)
      .def_readonly("out_features", &nn::Bilinear::out_features);
}

// A layer whose forward is C++'s single-input forward, bound with the GIL released.
template <class C>
void def_forward(LayerClass<C>& c) {
  // Qualified call: C's own forward, not a Python override (which may be calling it).
  c.def("forward", [](C& l, const Tensor& x) { return l.C::forward(x); }, py::arg("input"),
        py::call_guard<py::gil_scoped_release>());
}

void bind_activations(py::module_& nn) {
  LayerClass<nn::ReLU> relu(nn, "ReLU", "max(x, 0); inplace=True writes into the input.");
  relu.def(py::init([](bool i) { return make<nn::ReLU>(false, i); },
                    [](bool i) { return make<nn::ReLU>(true, i); }), py::arg("inplace") = false)
      .def_readwrite("inplace", &nn::ReLU::inplace);
  def_forward(relu);
  LayerClass<nn::LeakyReLU> leaky(nn, "LeakyReLU", "x if x > 0 else negative_slope * x.");
  leaky.def(py::init([](double s, bool i) { return make<nn::LeakyReLU>(false, s, i); },
                     [](double s, bool i) { return make<nn::LeakyReLU>(true, s, i); }),
            py::arg("negative_slope") = 0.01, py::arg("inplace") = false)
      .def_readwrite("negative_slope", &nn::LeakyReLU::negative_slope)
      .def_readwrite("inplace", &nn::LeakyReLU::inplace);
  def_forward(leaky);
  LayerClass<nn::ELU> elu_c(nn, "ELU", "x if x > 0 else alpha * (exp(x) - 1).");
  elu_c.def(py::init([](double a, bool i) { return make<nn::ELU>(false, a, i); },
                     [](double a, bool i) { return make<nn::ELU>(true, a, i); }),
            py::arg("alpha") = 1.0, py::arg("inplace") = false)
      .def_readwrite("alpha", &nn::ELU::alpha)
      .def_readwrite("inplace", &nn::ELU::inplace);
  def_forward(elu_c);
  LayerClass<nn::GELU> gelu_c(nn, "GELU", "x * Phi(x); approximate 'none' or 'tanh'.");
  gelu_c.def(py::init([](std::string a) { return make<nn::GELU>(false, a); },
                      [](std::string a) { return make<nn::GELU>(true, a); }),
             py::arg("approximate") = "none")
      .def_readonly("approximate", &nn::GELU::approximate);
  def_forward(gelu_c);
  LayerClass<nn::SiLU> silu_c(nn, "SiLU", "x * sigmoid(x).");
  silu_c.def(py::init([](bool i) { return make<nn::SiLU>(false, i); },
                      [](bool i) { return make<nn::SiLU>(true, i); }), py::arg("inplace") = false)
      .def_readwrite("inplace", &nn::SiLU::inplace);
  def_forward(silu_c);
  LayerClass<nn::Tanh> tanh_c(nn, "Tanh", "tanh(x).");
  tanh_c.def(py::init([] { return make<nn::Tanh>(false); }, [] { return make<nn::Tanh>(true); }));
  def_forward(tanh_c);
  LayerClass<nn::Sigmoid> sig(nn, "Sigmoid", "1 / (1 + exp(-x)).");
  sig.def(py::init([] { return make<nn::Sigmoid>(false); }, [] { return make<nn::Sigmoid>(true); }));
  def_forward(sig);
  LayerClass<nn::Softplus> sp(nn, "Softplus", "log(1 + exp(beta x)) / beta; linear above threshold.");
  sp.def(py::init([](double b, double t) { return make<nn::Softplus>(false, b, t); },
                  [](double b, double t) { return make<nn::Softplus>(true, b, t); }),
         py::arg("beta") = 1.0, py::arg("threshold") = 20.0)
      .def_readwrite("beta", &nn::Softplus::beta)
      .def_readwrite("threshold", &nn::Softplus::threshold);
  def_forward(sp);
  LayerClass<nn::Softmax> sm(nn, "Softmax",
      "softmax along dim; dim=None uses PyTorch's legacy rule (0 for 0/1/3-D input, else 1).");
  sm.def(py::init([](std::optional<int64_t> d) { return make<nn::Softmax>(false, d); },
                  [](std::optional<int64_t> d) { return make<nn::Softmax>(true, d); }),
         py::arg("dim") = py::none())
      .def_readwrite("dim", &nn::Softmax::dim);
  def_forward(sm);
  LayerClass<nn::LogSoftmax> lsm(nn, "LogSoftmax",
      "log_softmax along dim; dim=None uses PyTorch's legacy rule (0 for 0/1/3-D input, else 1).");
  lsm.def(py::init([](std::optional<int64_t> d) { return make<nn::LogSoftmax>(false, d); },
                   [](std::optional<int64_t> d) { return make<nn::LogSoftmax>(true, d); }),
          py::arg("dim") = py::none())
      .def_readwrite("dim", &nn::LogSoftmax::dim);
  def_forward(lsm);
  LayerClass<nn::Dropout> drop(nn, "Dropout",
      "Zeroes elements with probability p, scales the rest by 1/(1-p) in training mode.");
  drop.def(py::init([](double p, bool i) { return make<nn::Dropout>(false, p, i); },
                    [](double p, bool i) { return make<nn::Dropout>(true, p, i); }),
           py::arg("p") = 0.5, py::arg("inplace") = false)
      .def_readonly("p", &nn::Dropout::p)
      .def_readwrite("inplace", &nn::Dropout::inplace);
  def_forward(drop);
}

void bind_embedding(py::module_& nn) {
  LayerClass<nn::Embedding> e(nn, "Embedding",
      "Lookup table (num_embeddings, embedding_dim), initialised N(0, 1), padding row zero.");
  auto ctor = [](bool alias) {
    return [alias](int64_t n, int64_t d, std::optional<int64_t> pad, std::optional<double> mn,
                   double nt, bool sg, bool sparse, std::optional<Tensor> w, bool freeze,
                   py::object dev, py::object dt) {
      auto m = factory(make<nn::Embedding>(alias, n, d, pad, mn, nt, sg, sparse, opt(w)), dev, dt,
                       "Embedding");
      if (freeze) m->requires_grad_(false);
      return m;
    };
  };
  e.def(py::init(ctor(false), ctor(true)), py::arg("num_embeddings"), py::arg("embedding_dim"),
        py::arg("padding_idx") = py::none(), py::arg("max_norm") = py::none(),
        py::arg("norm_type") = 2.0, py::arg("scale_grad_by_freq") = false,
        py::arg("sparse") = false, py::arg("_weight") = py::none(), py::arg("_freeze") = false,
        py::arg("device") = py::none(), py::arg("dtype") = py::none())
      .def_static("from_pretrained", &nn::Embedding::from_pretrained, py::arg("embeddings"),
                  py::arg("freeze") = true, py::arg("padding_idx") = py::none(),
                  py::arg("max_norm") = py::none(), py::arg("norm_type") = 2.0,
                  py::arg("scale_grad_by_freq") = false, py::arg("sparse") = false)
      .def("reset_parameters", &nn::Embedding::reset_parameters)
      .def_readonly("num_embeddings", &nn::Embedding::num_embeddings)
      .def_readonly("embedding_dim", &nn::Embedding::embedding_dim)
      .def_readonly("padding_idx", &nn::Embedding::padding_idx)
      .def_readwrite("max_norm", &nn::Embedding::max_norm)
      .def_readwrite("norm_type", &nn::Embedding::norm_type)
      .def_readonly("scale_grad_by_freq", &nn::Embedding::scale_grad_by_freq)
      .def_readonly("sparse", &nn::Embedding::sparse);
  def_forward(e);
}

template <class C>
void bind_batch_norm(py::module_& nn, const char* name, const char* doc) {
  LayerClass<C> c(nn, name, doc);
  auto ctor = [name](bool alias) {
    return [alias, name](int64_t n, double eps, std::optional<double> mom, bool affine, bool track,
                         py::object dev, py::object dt, bool bias) {
      return factory(make<C>(alias, n, eps, mom, affine, track, bias), dev, dt, name);
    };
  };
  c.def(py::init(ctor(false), ctor(true)), py::arg("num_features"), py::arg("eps") = 1e-5,
        py::arg("momentum") = 0.1, py::arg("affine") = true,
        py::arg("track_running_stats") = true, py::arg("device") = py::none(),
        py::arg("dtype") = py::none(), py::kw_only(), py::arg("bias") = true)
      .def("reset_parameters", &C::reset_parameters)
      .def("reset_running_stats", &C::reset_running_stats)
      .def_readonly("num_features", &C::num_features)
      .def_readwrite("eps", &C::eps)
      .def_readwrite("momentum", &C::momentum)
      .def_readonly("affine", &C::affine)
      .def_readonly("track_running_stats", &C::track_running_stats);
  def_forward(c);
}

void bind_norms(py::module_& nn) {
  LayerClass<nn::LayerNorm> ln(nn, "LayerNorm", "Normalises over the trailing normalized_shape dims.");
  auto ln_ctor = [](bool alias) {
    return [alias](py::object s, double eps, bool affine, bool bias, py::object dev, py::object dt) {
      return factory(make<nn::LayerNorm>(alias, as_shape(s), eps, affine, bias), dev, dt, "LayerNorm");
    };
  };
  ln.def(py::init(ln_ctor(false), ln_ctor(true)), py::arg("normalized_shape"),
         py::arg("eps") = 1e-5, py::arg("elementwise_affine") = true, py::arg("bias") = true,
         py::arg("device") = py::none(), py::arg("dtype") = py::none())
      .def("reset_parameters", &nn::LayerNorm::reset_parameters)
      .def_property_readonly("normalized_shape", [](const nn::LayerNorm& l) {
        return py::tuple(py::cast(l.normalized_shape));
      })
      .def_readwrite("eps", &nn::LayerNorm::eps)
      .def_readonly("elementwise_affine", &nn::LayerNorm::elementwise_affine);
  def_forward(ln);
  LayerClass<nn::RMSNorm> rms(nn, "RMSNorm",
      "x / sqrt(mean(x^2) + eps) * weight over normalized_shape; eps=None: machine epsilon.");
  auto rms_ctor = [](bool alias) {
    return [alias](py::object s, std::optional<double> eps, bool affine, py::object dev,
                   py::object dt) {
      return factory(make<nn::RMSNorm>(alias, as_shape(s), eps, affine), dev, dt, "RMSNorm");
    };
  };
  rms.def(py::init(rms_ctor(false), rms_ctor(true)), py::arg("normalized_shape"),
          py::arg("eps") = py::none(), py::arg("elementwise_affine") = true,
          py::arg("device") = py::none(), py::arg("dtype") = py::none())
      .def("reset_parameters", &nn::RMSNorm::reset_parameters)
      .def_property_readonly("normalized_shape", [](const nn::RMSNorm& l) {
        return py::tuple(py::cast(l.normalized_shape));
      })
      .def_readwrite("eps", &nn::RMSNorm::eps)
      .def_readonly("elementwise_affine", &nn::RMSNorm::elementwise_affine);
  def_forward(rms);
  bind_batch_norm<nn::BatchNorm1d>(nn, "BatchNorm1d", "Batch norm over (N, C) or (N, C, L).");
  bind_batch_norm<nn::BatchNorm2d>(nn, "BatchNorm2d", "Batch norm over (N, C, H, W).");
}

}  // namespace

void bind_nn_layers(py::module_& m, TensorClass&) {
  bind_ops(m);
  py::module_ nn = m.attr("nn").cast<py::module_>();
  bind_dense(nn);
  bind_activations(nn);
  bind_embedding(nn);
  bind_norms(nn);
}

}  // namespace ember::python

// Bindings of ops/dropout.h's channel / alpha dropouts and rrelu, ops/pool_extra.h's
// local_response_norm and channel_shuffle (on ember, re-exported by ember.nn.functional), and
// the layers of nn/layers_extra.h on ember.nn (LPPool and Upsampling* are in nn_pool.cpp);
// embedding_bag and nn.EmbeddingBag.
#include "bind.h"
#include "nn.h"
#include "ember/nn/layers_extra.h"

namespace ember::python {

namespace {

template <class L>
using Cls = py::class_<L, nn::Module, PyModule<L>, std::shared_ptr<L>>;

template <class L>
void bind_dropout_layer(py::module_& nnm, const char* name, const char* doc) {
  Cls<L>(nnm, name, doc)
      .def(py::init([](double p, bool ip) { return make<L>(false, p, ip); },
                    [](double p, bool ip) { return make<L>(true, p, ip); }),
           py::arg("p") = 0.5, py::arg("inplace") = false)
      .def_readwrite("p", &L::p)
      .def_readwrite("inplace", &L::inplace);
}

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

void bind_embedding_bag(py::module_& m, py::module_& nnm) {
  m.def("embedding_bag", [](const Tensor& input, const Tensor& weight, std::optional<Tensor> offsets,
                            const std::string& mode, std::optional<Tensor> psw, bool last,
                            std::optional<int64_t> pad) {
    py::gil_scoped_release release;
    return embedding_bag(input, weight, opt(offsets), mode, opt(psw), last, pad);
  }, py::arg("input"), py::arg("weight"), py::arg("offsets") = py::none(), py::arg("mode") = "mean",
     py::arg("per_sample_weights") = py::none(), py::arg("include_last_offset") = false,
     py::arg("padding_idx") = py::none());
  auto ctor = [](bool alias) {
    return [alias](int64_t n, int64_t d, std::optional<double> mn, double nt, bool sg,
                   const std::string& mode, bool sparse, std::optional<Tensor> w, bool last,
                   std::optional<int64_t> pad) {
      return make<nn::EmbeddingBag>(alias, n, d, mn, nt, sg, mode, sparse, opt(w), last, pad);
    };
  };
  Cls<nn::EmbeddingBag>(nnm, "EmbeddingBag", "Sums, means or maxima of bags of embeddings.")
      .def(py::init(ctor(false), ctor(true)), py::arg("num_embeddings"), py::arg("embedding_dim"),
           py::arg("max_norm") = py::none(), py::arg("norm_type") = 2.0,
           py::arg("scale_grad_by_freq") = false, py::arg("mode") = "mean",
           py::arg("sparse") = false, py::arg("_weight") = py::none(),
           py::arg("include_last_offset") = false, py::arg("padding_idx") = py::none())
      .def("forward", [](nn::EmbeddingBag& l, const Tensor& input, std::optional<Tensor> offsets,
                         std::optional<Tensor> psw) {
        py::gil_scoped_release release;
        return l.forward(input, opt(offsets), opt(psw));
      }, py::arg("input"), py::arg("offsets") = py::none(), py::arg("per_sample_weights") = py::none())
      .def("reset_parameters", &nn::EmbeddingBag::reset_parameters)
      .def_readonly("num_embeddings", &nn::EmbeddingBag::num_embeddings)
      .def_readonly("embedding_dim", &nn::EmbeddingBag::embedding_dim)
      .def_readonly("max_norm", &nn::EmbeddingBag::max_norm)
      .def_readonly("norm_type", &nn::EmbeddingBag::norm_type)
      .def_readonly("scale_grad_by_freq", &nn::EmbeddingBag::scale_grad_by_freq)
      .def_readwrite("mode", &nn::EmbeddingBag::mode)
      .def_readonly("sparse", &nn::EmbeddingBag::sparse)
      .def_readwrite("include_last_offset", &nn::EmbeddingBag::include_last_offset)
      .def_readonly("padding_idx", &nn::EmbeddingBag::padding_idx);
}

}  // namespace

void bind_nn_extra(py::module_& m, TensorClass& cls) {
  (void)cls;
  auto guard = py::call_guard<py::gil_scoped_release>();
  m.def("dropout1d", &dropout1d, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true,
        guard);
  m.def("dropout3d", &dropout3d, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true,
        guard);
  m.def("alpha_dropout", &alpha_dropout, py::arg("input"), py::arg("p") = 0.5,
        py::arg("training") = false, guard);
  m.def("feature_alpha_dropout", &feature_alpha_dropout, py::arg("input"), py::arg("p") = 0.5,
        py::arg("training") = false, guard);
  m.def("rrelu", &rrelu, py::arg("input"), py::arg("lower") = 1.0 / 8, py::arg("upper") = 1.0 / 3,
        py::arg("training") = false, guard);
  m.def("local_response_norm", &local_response_norm, py::arg("input"), py::arg("size"),
        py::arg("alpha") = 1e-4, py::arg("beta") = 0.75, py::arg("k") = 1.0, guard);
  m.def("channel_shuffle", &channel_shuffle, py::arg("input"), py::arg("groups"), guard);

  py::module_ nnm = m.attr("nn").cast<py::module_>();
  bind_dropout_layer<nn::Dropout1d>(nnm, "Dropout1d", "Zeroes whole channels of (N, C, L) input.");
  bind_dropout_layer<nn::Dropout3d>(nnm, "Dropout3d", "Zeroes whole channels of (N, C, D, H, W) input.");
  bind_dropout_layer<nn::AlphaDropout>(nnm, "AlphaDropout", "Dropout that keeps SELU's statistics.");
  bind_dropout_layer<nn::FeatureAlphaDropout>(nnm, "FeatureAlphaDropout",
                                              "Alpha dropout of whole channels.");
  Cls<nn::RReLU>(nnm, "RReLU", "Randomized leaky ReLU (random slopes in training).")
      .def(py::init([](double lo, double up, bool ip) { return make<nn::RReLU>(false, lo, up, ip); },
                    [](double lo, double up, bool ip) { return make<nn::RReLU>(true, lo, up, ip); }),
           py::arg("lower") = 1.0 / 8, py::arg("upper") = 1.0 / 3, py::arg("inplace") = false)
      .def_readwrite("lower", &nn::RReLU::lower)
      .def_readwrite("upper", &nn::RReLU::upper)
      .def_readwrite("inplace", &nn::RReLU::inplace);
  Cls<nn::LocalResponseNorm>(nnm, "LocalResponseNorm", "Normalises over neighbouring channels.")
      .def(py::init([](int64_t n, double a, double b, double k) {
                      return make<nn::LocalResponseNorm>(false, n, a, b, k); },
                    [](int64_t n, double a, double b, double k) {
                      return make<nn::LocalResponseNorm>(true, n, a, b, k); }),
           py::arg("size"), py::arg("alpha") = 1e-4, py::arg("beta") = 0.75, py::arg("k") = 1.0)
      .def_readwrite("size", &nn::LocalResponseNorm::size)
      .def_readwrite("alpha", &nn::LocalResponseNorm::alpha)
      .def_readwrite("beta", &nn::LocalResponseNorm::beta)
      .def_readwrite("k", &nn::LocalResponseNorm::k);
  Cls<nn::ChannelShuffle>(nnm, "ChannelShuffle", "Interleaves the channels of groups.")
      .def(py::init([](int64_t g) { return make<nn::ChannelShuffle>(false, g); },
                    [](int64_t g) { return make<nn::ChannelShuffle>(true, g); }),
           py::arg("groups"))
      .def_readwrite("groups", &nn::ChannelShuffle::groups);
  bind_embedding_bag(m, nnm);
}

}  // namespace ember::python

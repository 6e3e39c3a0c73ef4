// Bindings of MultiheadAttention and the Transformer layers of ember._C.nn, with torch's
// argument names and defaults; MultiheadAttention.forward returns (output, weights or None).
// activation= takes 'relu' / 'gelu', an ember.nn.Module, or any Python callable.
#include <optional>

#include "nn.h"

namespace ember::python {

namespace {

using nn::Module;
template <class C>
using LayerClass = py::class_<C, Module, PyModule<C>, std::shared_ptr<C>>;
using R = py::call_guard<py::gil_scoped_release>;
using OptT = std::optional<Tensor>;

Tensor opt(const OptT& t) { return t ? *t : Tensor(); }

nn::ModulePtr opt_module(const py::object& obj, const char* op) {
  return obj.is_none() ? nullptr : module_ptr(obj, op);
}

nn::Activation activation_arg(const py::object& obj, const char* op) {
  if (py::isinstance<py::str>(obj)) return nn::Activation(obj.cast<std::string>());
  if (py::isinstance<Module>(obj)) return nn::Activation(module_ptr(obj, op));
  if (!PyCallable_Check(obj.ptr()))
    throw py::type_error(std::string("[") + op +
                         "] expected activation 'relu', 'gelu' or a callable, got " +
                         std::string(py::str(py::type::of(obj).attr("__name__"))));
  auto keep = std::make_shared<PyRef>(obj);  // C++ may drop the last copy
  return nn::Activation(std::function<Tensor(const Tensor&)>([keep](const Tensor& x) {
    py::gil_scoped_acquire gil;
    return keep->get()(x).cast<Tensor>();
  }));
}

void bind_mha(py::module_& nn) {
  using M = nn::MultiheadAttention;
  LayerClass<M> c(nn, "MultiheadAttention",
      "Multi-head attention (torch.nn.MultiheadAttention). Bool masks: True = not allowed.\n"
      "Deviation: is_causal=True also works without attn_mask (a causal mask is implied).");
  auto ctor = [](bool alias) {
    return [alias](int64_t e, int64_t h, double p, bool bias, bool bkv, bool zero,
                   std::optional<int64_t> kd, std::optional<int64_t> vd, bool bf, py::object dev,
                   py::object dt) {
      return factory(make<M>(alias, e, h, p, bias, bkv, zero, kd, vd, bf), dev, dt,
                     "MultiheadAttention");
    };
  };
  c.def(py::init(ctor(false), ctor(true)), py::arg("embed_dim"), py::arg("num_heads"),
        py::arg("dropout") = 0.0, py::arg("bias") = true, py::arg("add_bias_kv") = false,
        py::arg("add_zero_attn") = false, py::arg("kdim") = py::none(),
        py::arg("vdim") = py::none(), py::arg("batch_first") = false,
        py::arg("device") = py::none(), py::arg("dtype") = py::none())
      .def("forward", [](M& m, const Tensor& q, const Tensor& k, const Tensor& v, const OptT& kpm,
                         bool need_weights, const OptT& mask, bool average, bool is_causal) {
             auto r = m.M::forward(q, k, v, opt(kpm), need_weights, opt(mask), average, is_causal);
             return std::make_pair(r.first, r.second.defined() ? OptT(r.second) : OptT());
           }, py::arg("query"), py::arg("key"), py::arg("value"),
           py::arg("key_padding_mask") = py::none(), py::arg("need_weights") = true,
           py::arg("attn_mask") = py::none(), py::arg("average_attn_weights") = true,
           py::arg("is_causal") = false, R())
      .def("_reset_parameters", &M::reset_parameters)
      .def_readonly("embed_dim", &M::embed_dim)
      .def_readonly("kdim", &M::kdim)
      .def_readonly("vdim", &M::vdim)
      .def_readonly("num_heads", &M::num_heads)
      .def_readonly("head_dim", &M::head_dim)
      .def_readonly("dropout", &M::dropout)
      .def_readonly("batch_first", &M::batch_first)
      .def_readonly("add_zero_attn", &M::add_zero_attn)
      .def_readonly("_qkv_same_embed_dim", &M::qkv_same_embed_dim);
}

template <class C>
void layer_attrs(LayerClass<C>& c) {
  c.def_readonly("d_model", &C::d_model)
      .def_readonly("nhead", &C::nhead)
      .def_readonly("dim_feedforward", &C::dim_feedforward)
      .def_readonly("layer_norm_eps", &C::layer_norm_eps)
      .def_readonly("batch_first", &C::batch_first)
      .def_readonly("norm_first", &C::norm_first);
}

void bind_layers(py::module_& nn) {
  using E = nn::TransformerEncoderLayer;
  LayerClass<E> enc(nn, "TransformerEncoderLayer",
      "Self-attention + feed-forward block (torch.nn.TransformerEncoderLayer).");
  auto enc_ctor = [](bool alias) {
    return [alias](int64_t d, int64_t h, int64_t dff, double p, py::object act, double eps,
                   bool bf, bool nf, bool bias, py::object dev, py::object dt) {
      return factory(make<E>(alias, d, h, dff, p, activation_arg(act, "TransformerEncoderLayer"),
                             eps, bf, nf, bias), dev, dt, "TransformerEncoderLayer");
    };
  };
  enc.def(py::init(enc_ctor(false), enc_ctor(true)), py::arg("d_model"), py::arg("nhead"),
          py::arg("dim_feedforward") = 2048, py::arg("dropout") = 0.1,
          py::arg("activation") = "relu", py::arg("layer_norm_eps") = 1e-5,
          py::arg("batch_first") = false, py::arg("norm_first") = false, py::arg("bias") = true,
          py::arg("device") = py::none(), py::arg("dtype") = py::none())
      .def("forward", [](E& l, const Tensor& src, const OptT& mask, const OptT& kpm, bool causal) {
             return l.E::forward(src, opt(mask), opt(kpm), causal);
           }, py::arg("src"), py::arg("src_mask") = py::none(),
           py::arg("src_key_padding_mask") = py::none(), py::arg("is_causal") = false, R());
  layer_attrs(enc);

  using D = nn::TransformerDecoderLayer;
  LayerClass<D> dec(nn, "TransformerDecoderLayer",
      "Self-attention + cross-attention + feed-forward block (torch.nn.TransformerDecoderLayer).");
  auto dec_ctor = [](bool alias) {
    return [alias](int64_t d, int64_t h, int64_t dff, double p, py::object act, double eps,
                   bool bf, bool nf, bool bias, py::object dev, py::object dt) {
      return factory(make<D>(alias, d, h, dff, p, activation_arg(act, "TransformerDecoderLayer"),
                             eps, bf, nf, bias), dev, dt, "TransformerDecoderLayer");
    };
  };
  dec.def(py::init(dec_ctor(false), dec_ctor(true)), py::arg("d_model"), py::arg("nhead"),
          py::arg("dim_feedforward") = 2048, py::arg("dropout") = 0.1,
          py::arg("activation") = "relu", py::arg("layer_norm_eps") = 1e-5,
          py::arg("batch_first") = false, py::arg("norm_first") = false, py::arg("bias") = true,
          py::arg("device") = py::none(), py::arg("dtype") = py::none())
      .def("forward", [](D& l, const Tensor& tgt, const Tensor& mem, const OptT& tm,
                         const OptT& mm, const OptT& tk, const OptT& mk, bool tc, bool mc) {
             return l.D::forward(tgt, mem, opt(tm), opt(mm), opt(tk), opt(mk), tc, mc);
           }, py::arg("tgt"), py::arg("memory"), py::arg("tgt_mask") = py::none(),
           py::arg("memory_mask") = py::none(), py::arg("tgt_key_padding_mask") = py::none(),
           py::arg("memory_key_padding_mask") = py::none(), py::arg("tgt_is_causal") = false,
           py::arg("memory_is_causal") = false, R());
  layer_attrs(dec);
}

void bind_stacks(py::module_& nn) {
  using E = nn::TransformerEncoder;
  LayerClass<E> enc(nn, "TransformerEncoder",
      "num_layers copies of encoder_layer (layers.0 ...), then norm (torch.nn.TransformerEncoder).");
  auto enc_ctor = [](bool alias) {
    return [alias](py::object layer, int64_t n, py::object norm, bool, bool) {
      return make<E>(alias, module_ptr(layer, "TransformerEncoder"), n,
                     opt_module(norm, "TransformerEncoder"));
    };
  };
  enc.def(py::init(enc_ctor(false), enc_ctor(true)), py::arg("encoder_layer"),
          py::arg("num_layers"), py::arg("norm") = py::none(),
          py::arg("enable_nested_tensor") = true, py::arg("mask_check") = true)
      .def("forward", [](E& l, const Tensor& src, const OptT& mask, const OptT& kpm,
                         std::optional<bool> causal) {
             return l.E::forward(src, opt(mask), opt(kpm), causal);
           }, py::arg("src"), py::arg("mask") = py::none(),
           py::arg("src_key_padding_mask") = py::none(), py::arg("is_causal") = py::none(), R())
      .def_readonly("num_layers", &E::num_layers);

  using D = nn::TransformerDecoder;
  LayerClass<D> dec(nn, "TransformerDecoder",
      "num_layers copies of decoder_layer (layers.0 ...), then norm (torch.nn.TransformerDecoder).");
  auto dec_ctor = [](bool alias) {
    return [alias](py::object layer, int64_t n, py::object norm) {
      return make<D>(alias, module_ptr(layer, "TransformerDecoder"), n,
                     opt_module(norm, "TransformerDecoder"));
    };
  };
  dec.def(py::init(dec_ctor(false), dec_ctor(true)), py::arg("decoder_layer"),
          py::arg("num_layers"), py::arg("norm") = py::none())
      .def("forward", [](D& l, const Tensor& tgt, const Tensor& mem, const OptT& tm,
                         const OptT& mm, const OptT& tk, const OptT& mk, std::optional<bool> tc,
                         bool mc) {
             return l.D::forward(tgt, mem, opt(tm), opt(mm), opt(tk), opt(mk), tc, mc);
           }, py::arg("tgt"), py::arg("memory"), py::arg("tgt_mask") = py::none(),
           py::arg("memory_mask") = py::none(), py::arg("tgt_key_padding_mask") = py::none(),
           py::arg("memory_key_padding_mask") = py::none(), py::arg("tgt_is_causal") = py::none(),
           py::arg("memory_is_causal") = false, R())
      .def_readonly("num_layers", &D::num_layers);

  using T = nn::Transformer;
  LayerClass<T> tr(nn, "Transformer",
      "Encoder-decoder Transformer (torch.nn.Transformer); custom_encoder / custom_decoder must\n"
      "be a TransformerEncoder / TransformerDecoder.");
  auto tr_ctor = [](bool alias) {
    return [alias](int64_t d, int64_t h, int64_t ne, int64_t nd, int64_t dff, double p,
                   py::object act, py::object ce, py::object cd, double eps, bool bf, bool nf,
                   bool bias, py::object dev, py::object dt) {
      return factory(make<T>(alias, d, h, ne, nd, dff, p, activation_arg(act, "Transformer"),
                             opt_module(ce, "Transformer"), opt_module(cd, "Transformer"), eps,
                             bf, nf, bias), dev, dt, "Transformer");
    };
  };
  tr.def(py::init(tr_ctor(false), tr_ctor(true)), py::arg("d_model") = 512,
         py::arg("nhead") = 8, py::arg("num_encoder_layers") = 6,
         py::arg("num_decoder_layers") = 6, py::arg("dim_feedforward") = 2048,
         py::arg("dropout") = 0.1, py::arg("activation") = "relu",
         py::arg("custom_encoder") = py::none(), py::arg("custom_decoder") = py::none(),
         py::arg("layer_norm_eps") = 1e-5, py::arg("batch_first") = false,
         py::arg("norm_first") = false, py::arg("bias") = true, py::arg("device") = py::none(),
         py::arg("dtype") = py::none())
      .def("forward", [](T& l, const Tensor& src, const Tensor& tgt, const OptT& sm,
                         const OptT& tm, const OptT& mm, const OptT& sk, const OptT& tk,
                         const OptT& mk, std::optional<bool> sc, std::optional<bool> tc, bool mc) {
             return l.T::forward(src, tgt, opt(sm), opt(tm), opt(mm), opt(sk), opt(tk), opt(mk),
                                 sc, tc, mc);
           }, py::arg("src"), py::arg("tgt"), py::arg("src_mask") = py::none(),
           py::arg("tgt_mask") = py::none(), py::arg("memory_mask") = py::none(),
           py::arg("src_key_padding_mask") = py::none(),
           py::arg("tgt_key_padding_mask") = py::none(),
           py::arg("memory_key_padding_mask") = py::none(), py::arg("src_is_causal") = py::none(),
           py::arg("tgt_is_causal") = py::none(), py::arg("memory_is_causal") = false, R())
      .def_static("generate_square_subsequent_mask",
                  [](int64_t sz, py::object dev, py::object dt) {
                    if (!dev.is_none() && std::string(py::str(dev)).rfind("cpu", 0) != 0)
                      throw py::value_error("[generate_square_subsequent_mask] only device='cpu' "
                                            "is supported, got " + std::string(py::str(dev)));
                    DType d = dtype_arg(dt, "generate_square_subsequent_mask").value_or(DType::Float32);
                    py::gil_scoped_release release;
                    return nn::square_subsequent_mask(sz, d);
                  }, py::arg("sz"), py::arg("device") = py::none(), py::arg("dtype") = py::none())
      .def_readonly("d_model", &T::d_model)
      .def_readonly("nhead", &T::nhead)
      .def_readonly("batch_first", &T::batch_first);
}

}  // namespace

void bind_nn_transformer(py::module_& m, TensorClass& cls) {
  (void)cls;
  py::module_ nn = m.attr("nn").cast<py::module_>();
  bind_mha(nn);
  bind_layers(nn);
  bind_stacks(nn);
}

}  // namespace ember::python

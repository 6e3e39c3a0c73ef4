// Bindings of positional encodings, rotary embeddings and the KV cache: the op
// ember.apply_rotary_emb (and Tensor-free functional form), ember._C.nn.RotaryEmbedding,
// SinusoidalPositionalEncoding (Python-subclassable) and KVCache (a plain object).
#include "nn.h"
#include "ember/nn/kv_cache.h"
#include "ember/nn/position.h"
#include "ember/ops/rotary.h"

namespace ember::python {

namespace {

using nn::Module;
template <class C>
using LayerClass = py::class_<C, Module, PyModule<C>, std::shared_ptr<C>>;

}  // namespace

void bind_nn_position(py::module_& m, TensorClass& cls) {
  (void)cls;
  using R = py::call_guard<py::gil_scoped_release>;
  m.def("apply_rotary_emb", &apply_rotary_emb, py::arg("x"), py::arg("cos"), py::arg("sin"),
        py::arg("interleaved") = false, R(),
        "Rotary position embedding of x (..., L, D) with cos/sin tables (L, D/2): pair (u, w) "
        "-> (u cos - w sin, w cos + u sin); pairs (i, i + D/2) (half-split, rotate_half) or, "
        "with interleaved=True, (2i, 2i+1).");

  py::module_ nnm = m.attr("nn").cast<py::module_>();
  LayerClass<nn::RotaryEmbedding> rope(nnm, "RotaryEmbedding",
      "Rotary embedding: rotates pair i of position p by p * base^(-2i/dim). Buffers cos, sin "
      "(max_seq_len, dim/2), non-persistent. forward(x, offset=0) uses positions offset.."
      "offset+L-1 (offset = tokens already in a KV cache).");
  rope.def(py::init([](int64_t d, int64_t n, double b, bool i) {
             return make<nn::RotaryEmbedding>(false, d, n, b, i);
           }, [](int64_t d, int64_t n, double b, bool i) {
             return make<nn::RotaryEmbedding>(true, d, n, b, i);
           }), py::arg("dim"), py::arg("max_seq_len") = 2048, py::arg("base") = 10000.0,
           py::arg("interleaved") = false)
      .def("forward", [](nn::RotaryEmbedding& r, const Tensor& x, int64_t offset) {
             return r.nn::RotaryEmbedding::forward(x, offset);
           }, py::arg("x"), py::arg("offset") = 0, R())
      .def("tables", [](const nn::RotaryEmbedding& r, int64_t offset, int64_t L,
                        py::object dtype) {
             auto dt = dtype_arg(dtype, "RotaryEmbedding.tables");
             return r.tables(offset, L, dt ? *dt : DType::Float32);
           }, py::arg("offset"), py::arg("length"), py::arg("dtype") = py::none(),
           "The (cos, sin) tables (length, dim/2) of positions offset..offset+length-1.")
      .def_readonly("dim", &nn::RotaryEmbedding::dim)
      .def_readonly("max_seq_len", &nn::RotaryEmbedding::max_seq_len)
      .def_readonly("base", &nn::RotaryEmbedding::base)
      .def_readonly("interleaved", &nn::RotaryEmbedding::interleaved);

  LayerClass<nn::SinusoidalPositionalEncoding> spe(nnm, "SinusoidalPositionalEncoding",
      "x + PE[:L] then dropout; PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = "
      "cos(...). Buffer pe (max_len, 1, d_model) as in PyTorch's tutorial. Input (L, N, E), "
      "(N, L, E) when batch_first, or (L, E).");
  spe.def(py::init([](int64_t d, double p, int64_t n, bool bf) {
            return make<nn::SinusoidalPositionalEncoding>(false, d, p, n, bf);
          }, [](int64_t d, double p, int64_t n, bool bf) {
            return make<nn::SinusoidalPositionalEncoding>(true, d, p, n, bf);
          }), py::arg("d_model"), py::arg("dropout") = 0.0, py::arg("max_len") = 5000,
          py::arg("batch_first") = false)
      .def("forward", [](nn::SinusoidalPositionalEncoding& l, const Tensor& x) {
             return l.nn::SinusoidalPositionalEncoding::forward(x);
           }, py::arg("x"), R())
      .def_readonly("d_model", &nn::SinusoidalPositionalEncoding::d_model)
      .def_readonly("max_len", &nn::SinusoidalPositionalEncoding::max_len)
      .def_readonly("batch_first", &nn::SinusoidalPositionalEncoding::batch_first);

  py::class_<nn::KVCache, std::shared_ptr<nn::KVCache>>(nnm, "KVCache",
      "Preallocated (N, H, max_len, D) key/value buffers for incremental decoding. "
      "update(k, v) appends (N, H, T, D) in place (O(T)) and returns views of every cached "
      "position. Prefill: sdpa(q, keys, values, is_causal=True) on an empty cache; decode "
      "step: sdpa(q1, keys, values) with is_causal=False. No autograd through the cache.")
      .def(py::init([](int64_t n, int64_t h, int64_t m, int64_t d, py::object dtype) {
             auto dt = dtype_arg(dtype, "KVCache");
             return std::make_shared<nn::KVCache>(n, h, m, d, dt ? *dt : DType::Float32);
           }), py::arg("batch_size"), py::arg("num_heads"), py::arg("max_len"),
           py::arg("head_dim"), py::arg("dtype") = py::none())
      .def("update", &nn::KVCache::update, py::arg("k"), py::arg("v"), R())
      .def("get", &nn::KVCache::get)
      .def("reset", &nn::KVCache::reset)
      .def("crop", &nn::KVCache::crop, py::arg("n"))
      .def_property_readonly("size", &nn::KVCache::size)
      .def_property_readonly("max_len", &nn::KVCache::max_len)
      .def_property_readonly("batch_size", &nn::KVCache::batch_size)
      .def_property_readonly("num_heads", &nn::KVCache::num_heads)
      .def_property_readonly("head_dim", &nn::KVCache::head_dim)
      .def_property_readonly("dtype", &nn::KVCache::dtype)
      .def_property_readonly("key_buffer", &nn::KVCache::key_buffer)
      .def_property_readonly("value_buffer", &nn::KVCache::value_buffer)
      .def("__len__", &nn::KVCache::size)
      .def("__repr__", &nn::KVCache::repr);
}

}  // namespace ember::python

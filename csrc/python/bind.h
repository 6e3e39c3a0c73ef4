// Shared declarations of the pybind11 binding files: one bind_<topic> function per file.
// Bindings only convert types and release the GIL; checks and maths live in the core.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "ember/ember.h"

namespace py = pybind11;

namespace ember::python {

using TensorClass = py::class_<Tensor>;

// Each binds module functions on m and the matching Tensor methods on cls.
TensorClass bind_tensor(py::module_& m);                 // Tensor class, NumPy / DLPack interop
void bind_creation(py::module_& m, TensorClass& cls);    // factories and random fills
void bind_elementwise(py::module_& m, TensorClass& cls); // arithmetic, activations, operators
void bind_reduce(py::module_& m, TensorClass& cls);      // reductions, softmax family
void bind_view(py::module_& m, TensorClass& cls);        // views, indexing, joining, gathering
void bind_linalg(py::module_& m, TensorClass& cls);      // matmul family
void bind_autograd(py::module_& m, TensorClass& cls);    // grad mode, backward, autograd.grad
void bind_functional(py::module_& m, TensorClass& cls);  // functional layers (norms, ...)
void bind_init(py::module_& m, TensorClass& cls);        // ember.nn.init

// A dtype argument: None (nullopt), an ember.dtype, or the Python types float/int/bool
// (float64/int64/bool, as torch maps them); TypeError naming op otherwise. (creation.cpp)
std::optional<DType> dtype_arg(const py::handle& obj, const char* op);

// __dlpack__, __dlpack_device__ on cls and ember.from_dlpack; called by bind_tensor. (dlpack.cpp)
void bind_dlpack(py::module_& m, TensorClass& cls);
void bind_io(py::module_& m, TensorClass& cls);          // safetensors save / load
void bind_nn(py::module_& m, TensorClass& cls);          // ember._C.nn: Module, containers
void bind_optim(py::module_& m, TensorClass& cls);       // ember._C.optim: optimizers, schedulers
void bind_optim_more(py::module_& m, TensorClass& cls);  // NAdam, RAdam, Adamax, Adadelta, ASGD, Rprop
void bind_nn_layers(py::module_& m, TensorClass& cls);   // standard layers in ember._C.nn; ops they add
void bind_nn_loss(py::module_& m, TensorClass& cls);     // losses: functional (ember._C) + ember._C.nn
void bind_nn_loss_more(py::module_& m, TensorClass& cls);  // margin / likelihood losses, ctc_loss
void bind_nn_conv(py::module_& m, TensorClass& cls);       // conv ops and ember._C.nn conv layers
void bind_nn_pool(py::module_& m, TensorClass& cls);     // pooling, pad, upsample, group norm (+ layers)
void bind_nn_extra(py::module_& m, TensorClass& cls);    // dropout variants, rrelu, LRN, LPPool, ... (+ layers)
void bind_rnn(py::module_& m, TensorClass& cls);         // recurrent ops: rnn layers, cells
void bind_nn_rnn(py::module_& m, TensorClass& cls);      // ember._C.nn RNN / LSTM / GRU and cells
void bind_attention(py::module_& m, TensorClass& cls);   // scaled_dot_product_attention
void bind_nn_transformer(py::module_& m, TensorClass& cls); // MultiheadAttention, Transformer*
void bind_nn_position(py::module_& m, TensorClass& cls); // positional encodings, rotary, KV cache
void bind_nn_activation(py::module_& m, TensorClass& cls); // activation_more ops + layers
void bind_composite(py::module_& m, TensorClass& cls);   // ops/composite.h, Tensor.type_as
void bind_norms(py::module_& m, TensorClass& cls);       // ember._C.linalg norms, distances
void bind_math(py::module_& m, TensorClass& cls);        // ops/math.h, ember._C.special
void bind_order_stats(py::module_& m, TensorClass& cls); // order statistics, unique, searchsorted
void bind_shaping(py::module_& m, TensorClass& cls);     // ops/shaping.h, index_copy ... put
void bind_linalg_solve(py::module_& m, TensorClass& cls); // ember._C.linalg LU, solvers, Cholesky
void bind_linalg_decomp(py::module_& m, TensorClass& cls); // ember._C.linalg QR, eigh, SVD, ...
// A namedtuple type in the style of torch.return_types.<name> (linalg_solve.cpp).
py::object return_type(const char* name, std::initializer_list<const char*> fields);

// A dim argument: None (all dims, {}), an int, or a tuple / list of ints; TypeError naming op
// otherwise. (reduce.cpp)
std::vector<int64_t> dims_arg(const py::object& dim, const char* op);

// Converts a Python int/float/bool to a Scalar (TypeError otherwise).
Scalar to_scalar(const py::handle& obj, const char* op);

}  // namespace ember::python

// Embedding; see embedding.h. The lookup (and max_norm renormalisation) is ember::embedding.
#include "ember/nn/embedding.h"

#include "ember/autograd/grad_mode.h"
#include "ember/nn/activation.h"
#include "ember/nn/init.h"
#include "ember/ops/creation.h"
#include "ember/ops/embedding.h"
#include "ember/ops/index.h"
#include "ember/ops/view.h"

namespace ember::nn {

namespace {

// The checks Embedding and EmbeddingBag share: table size, padding_idx and a given _weight.
// Returns padding_idx counted from the start.
std::optional<int64_t> check_table(const char* op, int64_t num_embeddings,
                                   int64_t embedding_dim, std::optional<int64_t> padding_idx,
                                   const Tensor& weight) {
  EMBER_CHECK(num_embeddings >= 0 && embedding_dim >= 0, ValueError, "[", op,
              "] expected num_embeddings >= 0 and embedding_dim >= 0, got ", num_embeddings,
              " and ", embedding_dim);
  if (weight.defined()) {
    EMBER_CHECK(weight.dim() == 2 && weight.size(0) == num_embeddings &&
                    weight.size(1) == embedding_dim,
                ValueError, "[", op, "] shape of _weight does not match num_embeddings and "
                "embedding_dim: expected (", num_embeddings, ", ", embedding_dim, "), got ",
                shape_str(weight.shape()));
    EMBER_CHECK(is_floating(weight.dtype()), TypeError, "[", op,
                "] expected a floating point _weight, got ", dtype_name(weight.dtype()));
  }
  if (!padding_idx) return std::nullopt;
  const int64_t p = *padding_idx;
  EMBER_CHECK(p < num_embeddings && p >= -num_embeddings, ValueError, "[", op,
              "] expected padding_idx within num_embeddings (", num_embeddings, "), got ", p);
  return p < 0 ? p + num_embeddings : p;
}

// N(0, 1) entries and a zero padding row: how torch initialises both layers.
void init_table(Tensor w, std::optional<int64_t> padding_idx) {
  autograd::NoGradGuard guard;
  init::normal_(w);
  if (padding_idx) {
    Tensor row = select(w, 0, *padding_idx);
    fill_(row, Scalar(0.0));
  }
}

}  // namespace

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim,
                     std::optional<int64_t> padding_idx, std::optional<double> max_norm,
                     double norm_type, bool scale_grad_by_freq, bool sparse, const Tensor& weight)
    : num_embeddings(num_embeddings), embedding_dim(embedding_dim), max_norm(max_norm),
      norm_type(norm_type), scale_grad_by_freq(scale_grad_by_freq), sparse(sparse) {
  EMBER_CHECK(!scale_grad_by_freq, NotImplementedError,
              "[Embedding] scale_grad_by_freq=True is not implemented in ember");
  EMBER_CHECK(!sparse, NotImplementedError,
              "[Embedding] sparse=True (sparse gradients) is not implemented in ember");
  this->padding_idx =
      check_table("Embedding", num_embeddings, embedding_dim, padding_idx, weight);
  if (weight.defined()) {
    weight_ = register_parameter("weight", weight.detach());
  } else {
    weight_ = register_parameter("weight", empty({num_embeddings, embedding_dim}));
    reset_parameters();
  }
}

void Embedding::reset_parameters() {
  init_table(param(weight_), padding_idx);
}

std::shared_ptr<Embedding> Embedding::from_pretrained(
    const Tensor& embeddings, bool freeze, std::optional<int64_t> padding_idx,
    std::optional<double> max_norm, double norm_type, bool scale_grad_by_freq, bool sparse) {
  check_defined(embeddings, "Embedding.from_pretrained", "embeddings");
  EMBER_CHECK(embeddings.dim() == 2, ValueError, "[Embedding.from_pretrained] embeddings "
              "parameter is expected to be 2-dimensional, got shape ",
              shape_str(embeddings.shape()));
  auto e = std::make_shared<Embedding>(embeddings.size(0), embeddings.size(1), padding_idx,
                                       max_norm, norm_type, scale_grad_by_freq, sparse,
                                       embeddings);
  Tensor w = e->param(e->weight_);
  w.set_requires_grad(!freeze);
  return e;
}

std::string Embedding::extra_repr() const {
  std::string s = detail::cat(num_embeddings, ", ", embedding_dim);
  if (padding_idx) s += detail::cat(", padding_idx=", *padding_idx);
  if (max_norm) s += ", max_norm=" + float_repr(*max_norm);
  if (norm_type != 2.0) s += ", norm_type=" + float_repr(norm_type);
  return s;
}

Tensor Embedding::forward(const Tensor& input) {
  return embedding(input, param(weight_), padding_idx, max_norm, norm_type);
}

EmbeddingBag::EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim,
                           std::optional<double> max_norm, double norm_type,
                           bool scale_grad_by_freq, std::string mode, bool sparse,
                           const Tensor& weight, bool include_last_offset,
                           std::optional<int64_t> padding_idx)
    : num_embeddings(num_embeddings), embedding_dim(embedding_dim), max_norm(max_norm),
      norm_type(norm_type), scale_grad_by_freq(scale_grad_by_freq), mode(std::move(mode)),
      sparse(sparse), include_last_offset(include_last_offset) {
  EMBER_CHECK(this->mode == "sum" || this->mode == "mean" || this->mode == "max", ValueError,
              "[EmbeddingBag] mode has to be one of 'sum', 'mean' or 'max', got '", this->mode,
              "'");
  EMBER_CHECK(!max_norm, NotImplementedError,
              "[EmbeddingBag] max_norm is not implemented in ember");
  EMBER_CHECK(!scale_grad_by_freq, NotImplementedError,
              "[EmbeddingBag] scale_grad_by_freq=True is not implemented in ember");
  EMBER_CHECK(!sparse, NotImplementedError,
              "[EmbeddingBag] sparse=True (sparse gradients) is not implemented in ember");
  this->padding_idx =
      check_table("EmbeddingBag", num_embeddings, embedding_dim, padding_idx, weight);
  if (weight.defined()) {
    weight_ = register_parameter("weight", weight.detach());
  } else {
    weight_ = register_parameter("weight", empty({num_embeddings, embedding_dim}));
    reset_parameters();
  }
}

void EmbeddingBag::reset_parameters() {
  init_table(param(weight_), padding_idx);
}

std::string EmbeddingBag::extra_repr() const {
  std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
  if (norm_type != 2.0) s += ", norm_type=" + float_repr(norm_type);
  s += ", mode='" + mode + "'";
  if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
  return s;
}

Tensor EmbeddingBag::forward(const Tensor& input, const Tensor& offsets,
                             const Tensor& per_sample_weights) {
  return embedding_bag(input, param(weight_), offsets, mode, per_sample_weights,
                       include_last_offset, padding_idx);
}

}  // namespace ember::nn

// Embedding(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, ...): a lookup
// table initialised N(0, 1) with the padding row zeroed, like PyTorch. scale_grad_by_freq
// and sparse gradients are not implemented (NotImplementedError). EmbeddingBag(num_embeddings,
// embedding_dim, ..., mode, ...): sums / means / maxima of bags of embeddings (ops embedding_bag);
// max_norm, scale_grad_by_freq and sparse raise NotImplementedError.
#pragma once
#include <optional>
#include <string>

#include "ember/nn/module.h"

namespace ember::nn {

class Embedding : public Module {
 public:
  EMBER_MODULE_COPY(Embedding)
  // weight, when defined, becomes the parameter (sharing its memory; shape must be
  // (num_embeddings, embedding_dim)). A negative padding_idx counts from the end.
  Embedding(int64_t num_embeddings, int64_t embedding_dim,
            std::optional<int64_t> padding_idx = std::nullopt,
            std::optional<double> max_norm = std::nullopt, double norm_type = 2.0,
            bool scale_grad_by_freq = false, bool sparse = false, const Tensor& weight = Tensor());
  // A table holding embeddings (2-D); requires_grad = !freeze.
  static std::shared_ptr<Embedding> from_pretrained(
      const Tensor& embeddings, bool freeze = true, std::optional<int64_t> padding_idx = std::nullopt,
      std::optional<double> max_norm = std::nullopt, double norm_type = 2.0,
      bool scale_grad_by_freq = false, bool sparse = false);
  std::string name() const override { return "Embedding"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  void reset_parameters();
  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;
  std::optional<double> max_norm;
  double norm_type;
  bool scale_grad_by_freq, sparse;

 private:
  size_t weight_;
};

class EmbeddingBag : public Module {
 public:
  EMBER_MODULE_COPY(EmbeddingBag)
  EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim,
               std::optional<double> max_norm = std::nullopt, double norm_type = 2.0,
               bool scale_grad_by_freq = false, std::string mode = "mean", bool sparse = false,
               const Tensor& weight = Tensor(), bool include_last_offset = false,
               std::optional<int64_t> padding_idx = std::nullopt);
  std::string name() const override { return "EmbeddingBag"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override { return forward(input, Tensor(), Tensor()); }
  Tensor forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights);
  void reset_parameters();
  int64_t num_embeddings, embedding_dim;
  std::optional<double> max_norm;
  double norm_type;
  bool scale_grad_by_freq;
  std::string mode;
  bool sparse, include_last_offset;
  std::optional<int64_t> padding_idx;

 private:
  size_t weight_;
};

}  // namespace ember::nn

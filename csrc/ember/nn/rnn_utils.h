// Variable-length batches for the recurrent layers, PyTorch's torch.nn.utils.rnn: the
// PackedSequence layout (time-major packed rows) and pack / pad conversions. Everything is
// built from ember index ops (index_select, cat, stack), so gradients flow through packing.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::nn {

// PyTorch's layout: data (sum of lengths, *) holds step 0 of every sequence (in sorted,
// longest-first order), then step 1 of those still running, ...; batch_sizes (T,) int64
// counts the sequences running at each step; sorted_indices[i] is the original batch index
// of sorted slot i, unsorted_indices its inverse (both undefined when the batch came sorted).
struct PackedSequence {
  Tensor data, batch_sizes, sorted_indices, unsorted_indices;
};

// input (L, N, *) or (N, L, *) when batch_first; lengths N values in [1, L]. With
// enforce_sorted the lengths must be non-increasing; otherwise the batch is sorted first
// (stable, longest first) and the permutation kept.
PackedSequence pack_padded_sequence(const Tensor& input, const std::vector<int64_t>& lengths,
                                    bool batch_first = false, bool enforce_sorted = true);
// Inverse of pack_padded_sequence: (padded (T, N, *) or (N, T, *), lengths (N,) int64) in
// the original batch order; T = total_length when given (>= the longest length).
std::pair<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence,
                                              bool batch_first = false,
                                              double padding_value = 0.0,
                                              std::optional<int64_t> total_length = std::nullopt);
// Stacks sequences (L_i, *) into (max L_i, N, *) (or (N, max L_i, *)), padded with
// padding_value after each sequence (padding_side "right") or before it ("left").
Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first = false,
                    double padding_value = 0.0, const std::string& padding_side = "right");
PackedSequence pack_sequence(const std::vector<Tensor>& sequences, bool enforce_sorted = true);

// Helpers for the layers. Lengths of the sequences (in sorted order) from batch_sizes.
std::vector<int64_t> packed_lengths(const Tensor& batch_sizes, const char* op);
// The packed rows as a zero-padded (T, B, *) tensor in sorted order (no reordering), and
// back: the packed rows of a (T, B, *) tensor. Both differentiable.
Tensor packed_to_padded_sorted(const Tensor& data, const std::vector<int64_t>& batch_sizes);
Tensor padded_sorted_to_packed(const Tensor& padded, const std::vector<int64_t>& batch_sizes);
// batch_sizes as a vector, checked (positive, non-increasing, data rows = their sum).
std::vector<int64_t> checked_batch_sizes(const PackedSequence& p, const char* op);

}  // namespace ember::nn

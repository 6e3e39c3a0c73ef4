// PackedSequence conversions (see rnn_utils.h). Every conversion is a single index_select
// with a precomputed row map (a padding row appended where padding is needed), so packing
// and padding are differentiable and cost one gather each.
#include "ember/nn/rnn_utils.h"

#include <algorithm>
#include <numeric>
#include <sstream>

#include "ember/core/error.h"
#include "ember/ops/creation.h"
#include "ember/ops/index.h"
#include "ember/ops/view.h"

namespace ember::nn {

namespace {

std::string vec_str(const std::vector<int64_t>& v) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
  s << "]";
  return s.str();
}

Tensor index_tensor(const std::vector<int64_t>& v) {
  Tensor t = empty({static_cast<int64_t>(v.size())}, DType::Int64);
  std::copy(v.begin(), v.end(), t.data<int64_t>());
  return t;
}

std::vector<int64_t> to_vector(const Tensor& t, const char* op, const char* what) {
  EMBER_CHECK(t.dtype() == DType::Int64 && t.dim() == 1, TypeError, "[", op, "] expected ", what,
              " to be a 1-D int64 tensor, got ", dtype_name(t.dtype()), " of shape ",
              shape_str(t.shape()));
  Tensor c = contiguous(t);
  const int64_t* p = c.data<int64_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

// Shape (rows, rest...) with the leading dim replaced.
Shape with_rows(const Shape& s, int64_t rows) {
  Shape r = s;
  r[0] = rows;
  return r;
}

}  // namespace

std::vector<int64_t> checked_batch_sizes(const PackedSequence& p, const char* op) {
  check_defined(p.data, op, "data");
  check_defined(p.batch_sizes, op, "batch_sizes");
  std::vector<int64_t> bs = to_vector(p.batch_sizes, op, "batch_sizes");
  EMBER_CHECK(p.data.dim() >= 1, ValueError, "[", op,
              "] expected packed data of at least 1 dim (sum of lengths, *), got shape ",
              shape_str(p.data.shape()));
  EMBER_CHECK(!bs.empty(), ValueError, "[", op, "] expected non-empty batch_sizes, got []");
  int64_t total = 0;
  for (size_t t = 0; t < bs.size(); ++t) {
    EMBER_CHECK(bs[t] >= 1 && (t == 0 || bs[t] <= bs[t - 1]), ValueError, "[", op,
                "] expected positive, non-increasing batch_sizes, got ", vec_str(bs));
    total += bs[t];
  }
  EMBER_CHECK(p.data.size(0) == total, ValueError, "[", op, "] expected packed data with ", total,
              " rows (the sum of batch_sizes ", vec_str(bs), "), got shape ",
              shape_str(p.data.shape()));
  if (p.sorted_indices.defined()) {
    std::vector<int64_t> si = to_vector(p.sorted_indices, op, "sorted_indices");
    EMBER_CHECK(static_cast<int64_t>(si.size()) == bs[0], ValueError, "[", op, "] expected ",
                bs[0], " sorted_indices (the batch size), got ", si.size());
  }
  if (p.unsorted_indices.defined()) {
    std::vector<int64_t> ui = to_vector(p.unsorted_indices, op, "unsorted_indices");
    EMBER_CHECK(static_cast<int64_t>(ui.size()) == bs[0], ValueError, "[", op, "] expected ",
                bs[0], " unsorted_indices (the batch size), got ", ui.size());
    std::vector<int64_t> seen(ui.size(), 0);
    for (int64_t v : ui) {
      EMBER_CHECK(v >= 0 && v < bs[0] && !seen[v], ValueError, "[", op,
                  "] expected unsorted_indices to be a permutation of 0..", bs[0] - 1, ", got ",
                  vec_str(ui));
      seen[v] = 1;
    }
  }
  return bs;
}

std::vector<int64_t> packed_lengths(const Tensor& batch_sizes, const char* op) {
  std::vector<int64_t> bs = to_vector(batch_sizes, op, "batch_sizes");
  std::vector<int64_t> lengths(bs.empty() ? 0 : bs[0], 0);
  for (int64_t b : bs)
    for (int64_t j = 0; j < b; ++j) ++lengths[j];
  return lengths;
}

Tensor packed_to_padded_sorted(const Tensor& data, const std::vector<int64_t>& bs) {
  int64_t T = static_cast<int64_t>(bs.size()), B = bs[0], rows = data.size(0);
  Shape pad_shape = with_rows(data.shape(), 1);
  Tensor ext = cat({data, zeros(pad_shape, data.dtype())}, 0);
  std::vector<int64_t> map(T * B, rows);
  int64_t off = 0;
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t j = 0; j < bs[t]; ++j) map[t * B + j] = off + j;
    off += bs[t];
  }
  Shape out = data.shape();
  out[0] = B;
  out.insert(out.begin(), T);
  return reshape(index_select(ext, 0, index_tensor(map)), out);
}

Tensor padded_sorted_to_packed(const Tensor& padded, const std::vector<int64_t>& bs) {
  int64_t B = padded.size(1);
  std::vector<int64_t> idx;
  for (size_t t = 0; t < bs.size(); ++t)
    for (int64_t j = 0; j < bs[t]; ++j) idx.push_back(static_cast<int64_t>(t) * B + j);
  Tensor flat = flatten(padded, 0, 1);
  return index_select(flat, 0, index_tensor(idx));
}

PackedSequence pack_padded_sequence(const Tensor& input_, const std::vector<int64_t>& lengths,
                                    bool batch_first, bool enforce_sorted) {
  const char* op = "pack_padded_sequence";
  check_defined(input_, op);
  EMBER_CHECK(input_.dim() >= 2, ValueError, "[", op, "] expected input of at least 2 dims (",
              batch_first ? "N, L" : "L, N", ", *), got shape ", shape_str(input_.shape()));
  Tensor input = batch_first ? transpose(input_, 0, 1) : input_;
  int64_t L = input.size(0), N = input.size(1);
  EMBER_CHECK(static_cast<int64_t>(lengths.size()) == N, ValueError, "[", op, "] expected ", N,
              " lengths (the batch size of input of shape ", shape_str(input_.shape()),
              "), got ", lengths.size());
  for (int64_t l : lengths) {
    EMBER_CHECK(l >= 1, ValueError, "[", op,
                "] expected every length >= 1 (zero-length sequences cannot be packed), got ",
                vec_str(lengths));
    EMBER_CHECK(l <= L, ValueError, "[", op, "] expected every length <= ", L,
                " (the sequence length of input of shape ", shape_str(input_.shape()), "), got ",
                vec_str(lengths));
  }
  std::vector<int64_t> order(N);
  std::iota(order.begin(), order.end(), 0);
  PackedSequence p;
  if (enforce_sorted) {
    for (int64_t i = 1; i < N; ++i)
      EMBER_CHECK(lengths[i] <= lengths[i - 1], ValueError, "[", op,
                  "] expected lengths sorted in decreasing order when enforce_sorted=True "
                  "(pass enforce_sorted=False for an unsorted batch), got ", vec_str(lengths));
  } else {
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return lengths[a] > lengths[b]; });
    std::vector<int64_t> inverse(N);
    for (int64_t i = 0; i < N; ++i) inverse[order[i]] = i;
    p.sorted_indices = index_tensor(order);
    p.unsorted_indices = index_tensor(inverse);
  }
  int64_t T = N ? lengths[order[0]] : 0;
  std::vector<int64_t> bs(T, 0), idx;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t j = 0; j < N && lengths[order[j]] > t; ++j) {
      ++bs[t];
      idx.push_back(t * N + order[j]);
    }
  p.batch_sizes = index_tensor(bs);
  p.data = index_select(flatten(input, 0, 1), 0, index_tensor(idx));
  return p;
}

std::pair<Tensor, Tensor> pad_packed_sequence(const PackedSequence& seq, bool batch_first,
                                              double padding_value,
                                              std::optional<int64_t> total_length) {
  const char* op = "pad_packed_sequence";
  std::vector<int64_t> bs = checked_batch_sizes(seq, op);
  int64_t T = static_cast<int64_t>(bs.size()), B = bs[0], rows = seq.data.size(0);
  int64_t Tout = T;
  if (total_length) {
    EMBER_CHECK(*total_length >= T, ValueError, "[", op,
                "] expected total_length >= the longest sequence length ", T, ", got ",
                *total_length);
    Tout = *total_length;
  }
  std::vector<int64_t> unsorted(B);
  std::iota(unsorted.begin(), unsorted.end(), 0);
  if (seq.unsorted_indices.defined())
    unsorted = to_vector(seq.unsorted_indices, op, "unsorted_indices");
  std::vector<int64_t> offsets(T, 0);
  for (int64_t t = 1; t < T; ++t) offsets[t] = offsets[t - 1] + bs[t - 1];
  std::vector<int64_t> lengths_sorted = packed_lengths(seq.batch_sizes, op);
  // Output position (t, b) in original order reads sorted slot unsorted[b].
  std::vector<int64_t> map(Tout * B, rows), lengths(B);
  for (int64_t b = 0; b < B; ++b) {
    int64_t j = unsorted[b];
    lengths[b] = lengths_sorted[j];
    for (int64_t t = 0; t < lengths[b]; ++t) map[t * B + b] = offsets[t] + j;
  }
  Tensor pad = full(with_rows(seq.data.shape(), 1), Scalar(padding_value), seq.data.dtype());
  Tensor ext = cat({seq.data, pad}, 0);
  Shape out = seq.data.shape();
  out[0] = B;
  out.insert(out.begin(), Tout);
  Tensor padded = reshape(index_select(ext, 0, index_tensor(map)), out);
  if (batch_first) padded = transpose(padded, 0, 1);
  return {padded, index_tensor(lengths)};
}

Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first, double padding_value,
                    const std::string& padding_side) {
  const char* op = "pad_sequence";
  EMBER_CHECK(padding_side == "right" || padding_side == "left", ValueError, "[", op,
              "] expected padding_side 'left' or 'right', got '", padding_side, "'");
  const bool left = padding_side == "left";
  EMBER_CHECK(!sequences.empty(), ValueError, "[", op, "] expected at least one sequence, got 0");
  int64_t Lmax = 0;
  for (size_t i = 0; i < sequences.size(); ++i) {
    const Tensor& s = sequences[i];
    check_defined(s, op, "sequence");
    EMBER_CHECK(s.dim() >= 1, ValueError, "[", op, "] expected sequences of at least 1 dim (L, *), "
                "got shape ", shape_str(s.shape()), " at index ", i);
    Shape a(s.shape().begin() + 1, s.shape().end());
    Shape b(sequences[0].shape().begin() + 1, sequences[0].shape().end());
    EMBER_CHECK(a == b, ValueError, "[", op, "] expected every sequence to have trailing dims ",
                shape_str(b), " (those of sequence 0), got shape ", shape_str(s.shape()),
                " at index ", i);
    EMBER_CHECK(s.dtype() == sequences[0].dtype(), TypeError, "[", op,
                "] expected every sequence of dtype ", dtype_name(sequences[0].dtype()), ", got ",
                dtype_name(s.dtype()), " at index ", i);
    Lmax = std::max(Lmax, s.size(0));
  }
  std::vector<Tensor> padded;
  for (const Tensor& s : sequences) {
    if (s.size(0) == Lmax) {
      padded.push_back(s);
    } else {
      Tensor fill = full(with_rows(s.shape(), Lmax - s.size(0)), Scalar(padding_value), s.dtype());
      padded.push_back(left ? cat({fill, s}, 0) : cat({s, fill}, 0));
    }
  }
  return stack(padded, batch_first ? 0 : 1);
}

PackedSequence pack_sequence(const std::vector<Tensor>& sequences, bool enforce_sorted) {
  EMBER_CHECK(!sequences.empty(), ValueError,
              "[pack_sequence] expected at least one sequence, got 0");
  std::vector<int64_t> lengths;
  for (const Tensor& s : sequences) {
    check_defined(s, "pack_sequence", "sequence");
    EMBER_CHECK(s.dim() >= 1, ValueError, "[pack_sequence] expected sequences of at least 1 dim "
                "(L, *), got shape ", shape_str(s.shape()));
    lengths.push_back(s.size(0));
  }
  return pack_padded_sequence(pad_sequence(sequences), lengths, false, enforce_sorted);
}

}  // namespace ember::nn

// Joining and splitting: cat, stack, split, chunk, tensor_split, unbind, repeat, tile, flip,
// roll; see index.h. Splits return views (narrow/select), joins one fresh tensor.
#include <algorithm>
#include <numeric>

#include "ember/autograd/function.h"
#include "ember/ops/creation.h"
#include "ember/ops/index.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::record;
using Grads = std::vector<Tensor>;

namespace {
// PyTorch's legacy rule: 1-D empty tensors of shape (0,) are skipped by cat.
bool skipped(const Tensor& t) { return t.dim() == 1 && t.shape()[0] == 0; }
}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), ValueError, "[cat] expected a non-empty list of tensors");
  int64_t ref = -1;
  for (size_t i = 0; i < tensors.size(); ++i) {
    check_defined(tensors[i], "cat", "tensor");
    if (ref < 0 && !skipped(tensors[i])) ref = static_cast<int64_t>(i);
  }
  DType dtype = result_type(tensors);
  if (ref < 0) return Tensor::empty({0}, dtype);
  const Tensor& r = tensors[ref];
  EMBER_CHECK(r.dim() > 0, ValueError, "[cat] zero-dimensional tensor (at position ", ref,
              ") cannot be concatenated");
  int64_t d = normalize_dim(dim, r.dim(), "cat");
  Shape shape = r.shape();
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped(t)) continue;
    EMBER_CHECK(t.dim() == r.dim(), ValueError, "[cat] tensors must have the same number of "
                "dims: tensor ", ref, " has shape ", shape_str(r.shape()), " but tensor ", i,
                " has shape ", shape_str(t.shape()));
    for (int64_t k = 0; k < r.dim(); ++k)
      EMBER_CHECK(k == d || t.shape()[k] == shape[k], ValueError, "[cat] sizes of tensors must "
                  "match except in dim ", d, ": expected size ", shape[k], " in dim ", k,
                  " but tensor ", i, " has shape ", shape_str(t.shape()));
    total += t.shape()[d];
  }
  shape[d] = total;
  Tensor out = Tensor::empty(shape, dtype);
  {
    autograd::NoGradGuard guard;
    int64_t off = 0;
    for (const Tensor& t : tensors) {
      if (skipped(t)) continue;
      Shape st = out.strides();
      Shape sz = shape;
      sz[d] = t.shape()[d];
      Tensor region = as_strided(out, sz, st, off * st[d]);
      copy_(region, t);
      off += t.shape()[d];
    }
  }
  if (autograd::any_requires_grad(tensors)) {
    std::vector<std::pair<int64_t, int64_t>> ranges;  // (start, length); length -1: skipped
    std::vector<DType> dtypes;
    int64_t off = 0;
    for (const Tensor& t : tensors) {
      dtypes.push_back(t.dtype());
      if (skipped(t)) {
        ranges.push_back({0, -1});
      } else {
        ranges.push_back({off, t.shape()[d]});
        off += t.shape()[d];
      }
    }
    record("CatBackward", tensors, {out}, [d, ranges, dtypes](const Grads& g, const auto& node) {
      Grads r(ranges.size());
      for (size_t i = 0; i < ranges.size(); ++i) {
        if (!node.needs_input_grad(i)) continue;
        r[i] = ranges[i].second < 0 ? zeros({0}, dtypes[i])
                                    : to_dtype(narrow(g[0], d, ranges[i].first, ranges[i].second),
                                               dtypes[i]);
      }
      return r;
    });
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), ValueError, "[stack] expected a non-empty list of tensors");
  for (size_t i = 0; i < tensors.size(); ++i) {
    check_defined(tensors[i], "stack", "tensor");
    EMBER_CHECK(tensors[i].shape() == tensors[0].shape(), ValueError, "[stack] expected each "
                "tensor to be equal size, but got ", shape_str(tensors[0].shape()),
                " at entry 0 and ", shape_str(tensors[i].shape()), " at entry ", i);
  }
  int64_t d = normalize_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(unsqueeze(t, d));
  return cat(parts, d);
}

std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim) {
  check_defined(t, "split");
  EMBER_CHECK(t.dim() > 0, ValueError, "[split] expects at least a 1-dimensional tensor");
  int64_t d = normalize_dim(dim, t.dim(), "split"), size = t.shape()[d];
  EMBER_CHECK(split_size > 0 || (split_size == 0 && size == 0), ValueError, "[split] split_size "
              "must be positive (or 0 for a dim of size 0), got ", split_size);
  std::vector<Tensor> out;
  if (size == 0) return {narrow(t, d, 0, 0)};
  for (int64_t s = 0; s < size; s += split_size)
    out.push_back(narrow(t, d, s, std::min(split_size, size - s)));
  return out;
}

std::vector<Tensor> split(const Tensor& t, const std::vector<int64_t>& sections, int64_t dim) {
  check_defined(t, "split");
  EMBER_CHECK(t.dim() > 0, ValueError, "[split] expects at least a 1-dimensional tensor");
  int64_t d = normalize_dim(dim, t.dim(), "split"), size = t.shape()[d];
  int64_t sum = 0;
  for (int64_t s : sections) {
    EMBER_CHECK(s >= 0, ValueError, "[split] split sizes must be non-negative, got ",
                shape_str(sections));
    sum += s;
  }
  EMBER_CHECK(sum == size, ValueError, "[split] split sizes ", shape_str(sections),
              " must sum to the size of dim ", d, " (", size, "), got ", sum);
  std::vector<Tensor> out;
  int64_t off = 0;
  for (int64_t s : sections) {
    out.push_back(narrow(t, d, off, s));
    off += s;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim) {
  check_defined(t, "chunk");
  EMBER_CHECK(chunks > 0, ValueError, "[chunk] chunks must be greater than 0, got ", chunks);
  EMBER_CHECK(t.dim() > 0, ValueError, "[chunk] expects at least a 1-dimensional tensor");
  int64_t d = normalize_dim(dim, t.dim(), "chunk"), size = t.shape()[d];
  int64_t each = (size + chunks - 1) / chunks;
  if (each == 0) each = 1;
  return split(t, size == 0 ? 0 : each, d);
}

std::vector<Tensor> tensor_split(const Tensor& t, int64_t sections, int64_t dim) {
  check_defined(t, "tensor_split");
  EMBER_CHECK(sections > 0, ValueError, "[tensor_split] number of sections must be greater than "
              "0, got ", sections);
  EMBER_CHECK(t.dim() > 0, ValueError, "[tensor_split] expects at least a 1-dimensional tensor");
  int64_t d = normalize_dim(dim, t.dim(), "tensor_split"), size = t.shape()[d];
  std::vector<Tensor> out;
  int64_t off = 0;
  for (int64_t i = 0; i < sections; ++i) {
    int64_t len = size / sections + (i < size % sections ? 1 : 0);
    out.push_back(narrow(t, d, off, len));
    off += len;
  }
  return out;
}

std::vector<Tensor> unbind(const Tensor& t, int64_t dim) {
  check_defined(t, "unbind");
  EMBER_CHECK(t.dim() > 0, ValueError, "[unbind] dimension specified as ", dim,
              " but tensor has no dimensions");
  int64_t d = normalize_dim(dim, t.dim(), "unbind");
  std::vector<Tensor> out;
  for (int64_t i = 0; i < t.shape()[d]; ++i) out.push_back(select(t, d, i));
  return out;
}

Tensor repeat(const Tensor& t, const std::vector<int64_t>& repeats) {
  check_defined(t, "repeat");
  int64_t r = static_cast<int64_t>(repeats.size());
  EMBER_CHECK(r >= t.dim(), ValueError, "[repeat] number of repeat dims (", r, ") can not be "
              "smaller than the number of dims of the tensor (", t.dim(), ")");
  for (int64_t x : repeats)
    EMBER_CHECK(x >= 0, ValueError, "[repeat] repeats must be non-negative, got ",
                shape_str(repeats));
  // View t as (1, s0, 1, s1, ...), expand to (r0, s0, r1, s1, ...), copy, merge pairs.
  Shape padded(static_cast<size_t>(r - t.dim()), 1);
  padded.insert(padded.end(), t.shape().begin(), t.shape().end());
  Shape inter, expanded, final_shape;
  for (int64_t i = 0; i < r; ++i) {
    inter.push_back(1);
    inter.push_back(padded[i]);
    expanded.push_back(repeats[i]);
    expanded.push_back(padded[i]);
    final_shape.push_back(repeats[i] * padded[i]);
  }
  return reshape(contiguous(expand(reshape(t, inter), expanded)), final_shape);
}

Tensor tile(const Tensor& t, const std::vector<int64_t>& reps) {
  check_defined(t, "tile");
  std::vector<int64_t> r = reps;
  while (static_cast<int64_t>(r.size()) < t.dim()) r.insert(r.begin(), 1);
  return repeat(t, r);
}

Tensor flip(const Tensor& t, const std::vector<int64_t>& dims) {
  check_defined(t, "flip");
  Shape st = t.strides();
  int64_t offset = t.offset();
  std::vector<bool> seen(static_cast<size_t>(std::max<int64_t>(t.dim(), 1)), false);
  for (int64_t dim : dims) {
    int64_t d = normalize_dim(dim, t.dim(), "flip");
    EMBER_CHECK(!seen[d], ValueError, "[flip] dim ", d, " appears multiple times in dims ",
                shape_str(dims));
    seen[d] = true;
    if (t.dim() == 0) continue;
    if (t.shape()[d] > 0) offset += (t.shape()[d] - 1) * st[d];
    st[d] = -st[d];
  }
  Tensor out = Tensor::empty(t.shape(), t.dtype());
  {
    autograd::NoGradGuard guard;
    copy_(out, Tensor::view_of(t.storage(), t.shape(), st, offset, t.dtype()));
  }
  if (autograd::any_requires_grad({t}))
    record("FlipBackward", {t}, {out}, [dims](const Grads& g, const auto&) {
      return Grads{flip(g[0], dims)};
    });
  return out;
}

Tensor roll(const Tensor& t, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims) {
  check_defined(t, "roll");
  if (dims.empty()) {
    EMBER_CHECK(shifts.size() == 1, ValueError, "[roll] expected one shift when dims is empty, "
                "got ", shifts.size());
    return reshape(roll(reshape(t, {-1}), shifts, {0}), t.shape());
  }
  EMBER_CHECK(shifts.size() == dims.size(), ValueError, "[roll] shifts and dims must have the "
              "same length, got ", shifts.size(), " and ", dims.size());
  Tensor out = t;
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = normalize_dim(dims[i], t.dim(), "roll"), size = t.shape()[d];
    if (size == 0) continue;
    int64_t s = ((shifts[i] % size) + size) % size;
    if (s == 0) continue;
    out = cat({narrow(out, d, size - s, s), narrow(out, d, 0, size - s)}, d);
  }
  return out;
}

}  // namespace ember

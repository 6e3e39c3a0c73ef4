// Compositions of ember ops with PyTorch's semantics; see composite.h.
#include "ember/ops/composite.h"

#include <algorithm>
#include <limits>

#include "ember/core/error.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

void check_tensors(const std::vector<Tensor>& ts, const char* op) {
  EMBER_CHECK(!ts.empty(), ValueError, "[", op, "] expected a non-empty list of tensors");
  for (const Tensor& t : ts) check_defined(t, op);
}

// An int64 tensor of the given values, shaped (n,).
Tensor int64_tensor(const std::vector<int64_t>& v) {
  Tensor t = empty({static_cast<int64_t>(v.size())}, DType::Int64);
  std::copy(v.begin(), v.end(), t.data<int64_t>());
  return t;
}

// PyTorch's tril_indices / triu_indices walk: (r, c) with c - r <= offset (lower) or
// >= offset (upper), row-major.
Tensor tri_indices(int64_t row, int64_t col, int64_t offset, bool lower, const char* op) {
  EMBER_CHECK(row >= 0 && col >= 0, ValueError, "[", op, "] expected row and col >= 0, got ",
              row, " and ", col);
  std::vector<int64_t> rs, cs;
  for (int64_t r = 0; r < row; ++r)
    for (int64_t c = 0; c < col; ++c)
      if (lower ? c - r <= offset : c - r >= offset) {
        rs.push_back(r);
        cs.push_back(c);
      }
  return stack({int64_tensor(rs), int64_tensor(cs)}, 0);
}

}  // namespace

Tensor lerp(const Tensor& input, const Tensor& end, const Scalar& weight) {
  check_defined(input, "lerp");
  check_defined(end, "lerp");
  return add(input, sub(end, input), weight);
}

Tensor lerp(const Tensor& input, const Tensor& end, const Tensor& weight) {
  check_defined(weight, "lerp");
  check_defined(input, "lerp");
  check_defined(end, "lerp");
  return add(input, mul(weight, sub(end, input)));
}

Tensor addcmul(const Tensor& input, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  for (const Tensor* t : {&input, &t1, &t2}) check_defined(*t, "addcmul");
  return add(input, mul(t1, t2), value);
}

Tensor addcdiv(const Tensor& input, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  for (const Tensor* t : {&input, &t1, &t2}) check_defined(*t, "addcdiv");
  EMBER_CHECK(is_floating(t1.dtype()) || is_floating(t2.dtype()), TypeError,
              "[addcdiv] integer division with addcdiv is not supported: tensor1 and tensor2 "
              "are ", dtype_name(t1.dtype()), " and ", dtype_name(t2.dtype()));
  return add(input, div(t1, t2), value);
}

Tensor nan_to_num(const Tensor& t, double nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  check_defined(t, "nan_to_num");
  if (!is_floating(t.dtype())) return clone(t);
  const bool f32 = t.dtype() == DType::Float32;
  const double big = f32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  Tensor y = where(isnan(t), Scalar(nan), t);
  y = where(eq(y, Scalar(std::numeric_limits<double>::infinity())), Scalar(posinf.value_or(big)), y);
  return where(eq(y, Scalar(-std::numeric_limits<double>::infinity())),
               Scalar(neginf.value_or(-big)), y);
}

Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim) {
  return repeat_interleave(t, full({1}, Scalar(repeats), DType::Int64), dim);
}

Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim) {
  check_defined(t, "repeat_interleave");
  check_defined(repeats, "repeat_interleave");
  EMBER_CHECK(repeats.dtype() == DType::Int64 && repeats.dim() <= 1, TypeError,
              "[repeat_interleave] expected repeats to be an int or a 0-D / 1-D int64 tensor, "
              "got ", dtype_name(repeats.dtype()), " of shape ", shape_str(repeats.shape()));
  Tensor src = dim ? t : reshape(t, {-1});
  if (src.dim() == 0) src = reshape(src, {1});
  const int64_t d = dim ? normalize_dim(*dim, src.dim(), "repeat_interleave") : 0;
  const int64_t n = src.size(d);
  Tensor r = contiguous(repeats);
  EMBER_CHECK(r.numel() == 1 || r.numel() == n, ValueError, "[repeat_interleave] expected "
              "repeats of size 1 or ", n, " (the size of dim ", d, "), got ", r.numel());
  std::vector<int64_t> index;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = r.data<int64_t>()[r.numel() == 1 ? 0 : i];
    EMBER_CHECK(k >= 0, ValueError, "[repeat_interleave] repeats must be non-negative, got ", k);
    index.insert(index.end(), static_cast<size_t>(k), i);
  }
  return index_select(src, d, int64_tensor(index));
}

std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors) {
  for (const Tensor& t : tensors) check_defined(t, "broadcast_tensors");
  Shape shape;
  for (const Tensor& t : tensors) shape = broadcast_shapes(shape, t.shape(), "broadcast_tensors");
  std::vector<Tensor> out;
  for (const Tensor& t : tensors) out.push_back(expand(t, shape));
  return out;
}

std::vector<Tensor> meshgrid(const std::vector<Tensor>& tensors, const std::string& indexing) {
  check_tensors(tensors, "meshgrid");
  EMBER_CHECK(indexing == "ij" || indexing == "xy", ValueError, "[meshgrid] indexing must be "
              "'ij' or 'xy', got '", indexing, "'");
  for (const Tensor& t : tensors) {
    EMBER_CHECK(t.dim() <= 1, ValueError, "[meshgrid] expected 0-D or 1-D tensors, got shape ",
                shape_str(t.shape()));
    EMBER_CHECK(t.dtype() == tensors[0].dtype(), TypeError, "[meshgrid] expected tensors of "
                "one dtype, got ", dtype_name(tensors[0].dtype()), " and ", dtype_name(t.dtype()));
  }
  const bool xy = indexing == "xy" && tensors.size() >= 2;
  std::vector<Tensor> in = tensors;
  if (xy) std::swap(in[0], in[1]);  // 'xy' is 'ij' with the first two inputs and axes swapped
  const size_t n = in.size();
  Shape shape;
  for (const Tensor& t : in) shape.push_back(t.numel());
  std::vector<Tensor> out;
  for (size_t i = 0; i < n; ++i) {
    Shape s(n, 1);
    s[i] = in[i].numel();
    out.push_back(expand(reshape(in[i], s), shape));
  }
  if (xy) std::swap(out[0], out[1]);
  return out;
}

Tensor atleast_1d(const Tensor& t) {
  check_defined(t, "atleast_1d");
  return t.dim() >= 1 ? t : reshape(t, {1});
}

Tensor atleast_2d(const Tensor& t) {
  check_defined(t, "atleast_2d");
  if (t.dim() >= 2) return t;
  return reshape(t, {1, t.numel()});
}

Tensor atleast_3d(const Tensor& t) {
  check_defined(t, "atleast_3d");
  if (t.dim() >= 3) return t;
  if (t.dim() == 2) return unsqueeze(t, 2);
  return reshape(t, {1, t.numel(), 1});
}

Tensor hstack(const std::vector<Tensor>& tensors) {
  check_tensors(tensors, "hstack");
  std::vector<Tensor> ts;
  for (const Tensor& t : tensors) ts.push_back(atleast_1d(t));
  return cat(ts, ts[0].dim() == 1 ? 0 : 1);
}

Tensor vstack(const std::vector<Tensor>& tensors) {
  check_tensors(tensors, "vstack");
  std::vector<Tensor> ts;
  for (const Tensor& t : tensors) ts.push_back(atleast_2d(t));
  return cat(ts, 0);
}

Tensor dstack(const std::vector<Tensor>& tensors) {
  check_tensors(tensors, "dstack");
  std::vector<Tensor> ts;
  for (const Tensor& t : tensors) ts.push_back(atleast_3d(t));
  return cat(ts, 2);
}

Tensor count_nonzero(const Tensor& t, const std::vector<int64_t>& dims) {
  check_defined(t, "count_nonzero");
  return sum(ne(t, Scalar(int64_t{0})), dims, false, DType::Int64);
}

Tensor tril_indices(int64_t row, int64_t col, int64_t offset) {
  return tri_indices(row, col, offset, true, "tril_indices");
}

Tensor triu_indices(int64_t row, int64_t col, int64_t offset) {
  return tri_indices(row, col, offset, false, "triu_indices");
}

}  // namespace ember

// Shaping ops (diff, rot90, flips, kron, block_diag, cartesian_prod, combinations, vander) as
// compositions of views, joins and elementwise ops; see shaping.h. The linear-algebra half is
// in shaping_linalg.cpp.
#include "ember/ops/shaping.h"

#include <algorithm>

#include "ember/core/error.h"
#include "ember/ops/composite.h"
#include "ember/ops/creation.h"
#include "ember/ops/cumulative.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

Tensor int64_vector(const std::vector<int64_t>& v) {
  Tensor t = empty({static_cast<int64_t>(v.size())}, DType::Int64);
  std::copy(v.begin(), v.end(), t.data<int64_t>());
  return t;
}

}  // namespace

Tensor diff(const Tensor& t, int64_t n, int64_t dim, const Tensor& prepend, const Tensor& append) {
  check_defined(t, "diff");
  EMBER_CHECK(t.dim() >= 1, ValueError, "[diff] expected an input with at least 1 dim, got a 0-d "
              "tensor");
  EMBER_CHECK(n >= 0, ValueError, "[diff] expected order n >= 0, got ", n);
  const int64_t d = normalize_dim(dim, t.dim(), "diff");
  std::vector<Tensor> parts;
  for (const Tensor* p : {&prepend, &t, &append}) {
    if (!p->defined()) continue;
    EMBER_CHECK(p->dim() == t.dim(), ValueError, "[diff] expected prepend and append with the "
                "input's ", t.dim(), " dims, got shape ", shape_str(p->shape()));
    parts.push_back(*p);
  }
  Tensor x = parts.size() == 1 ? t : cat(parts, d);
  for (int64_t i = 0; i < n && x.shape()[d] > 0; ++i) {
    const int64_t len = x.shape()[d];
    Tensor hi = narrow(x, d, 1, len - 1), lo = narrow(x, d, 0, len - 1);
    x = x.dtype() == DType::Bool ? logical_xor(hi, lo) : sub(hi, lo);
  }
  return x;
}

Tensor rot90(const Tensor& t, int64_t k, const std::vector<int64_t>& dims) {
  check_defined(t, "rot90");
  EMBER_CHECK(dims.size() == 2, ValueError, "[rot90] expected 2 dims, got ", dims.size());
  EMBER_CHECK(t.dim() >= 2, ValueError, "[rot90] expected an input with at least 2 dims, got "
              "shape ", shape_str(t.shape()));
  const int64_t d0 = normalize_dim(dims[0], t.dim(), "rot90");
  const int64_t d1 = normalize_dim(dims[1], t.dim(), "rot90");
  EMBER_CHECK(d0 != d1, ValueError, "[rot90] expected two different dims, got ", dims[0], " and ",
              dims[1]);
  switch (((k % 4) + 4) % 4) {
    case 1: return transpose(flip(t, {d1}), d0, d1);
    case 2: return flip(t, {d0, d1});
    case 3: return transpose(flip(t, {d0}), d0, d1);
    default: return clone(t);
  }
}

Tensor fliplr(const Tensor& t) {
  check_defined(t, "fliplr");
  EMBER_CHECK(t.dim() >= 2, ValueError, "[fliplr] expected an input with at least 2 dims, got "
              "shape ", shape_str(t.shape()));
  return flip(t, {1});
}

Tensor flipud(const Tensor& t) {
  check_defined(t, "flipud");
  EMBER_CHECK(t.dim() >= 1, ValueError, "[flipud] expected an input with at least 1 dim, got a "
              "0-d tensor");
  return flip(t, {0});
}

Tensor kron(const Tensor& a, const Tensor& b) {
  check_defined(a, "kron");
  check_defined(b, "kron");
  const int64_t nd = std::max(a.dim(), b.dim());
  Shape sa(nd - a.dim(), 1), sb(nd - b.dim(), 1);
  sa.insert(sa.end(), a.shape().begin(), a.shape().end());
  sb.insert(sb.end(), b.shape().begin(), b.shape().end());
  Shape ia, ib, out;  // a as (a0, 1, a1, 1, ...), b as (1, b0, 1, b1, ...)
  for (int64_t i = 0; i < nd; ++i) {
    ia.insert(ia.end(), {sa[i], 1});
    ib.insert(ib.end(), {1, sb[i]});
    out.push_back(sa[i] * sb[i]);
  }
  return reshape(mul(reshape(a, ia), reshape(b, ib)), out);
}

Tensor block_diag(const std::vector<Tensor>& tensors) {
  if (tensors.empty()) return empty({1, 0});
  std::vector<Tensor> blocks;
  int64_t cols = 0;
  for (const Tensor& t : tensors) {
    check_defined(t, "block_diag");
    EMBER_CHECK(t.dim() <= 2, ValueError, "[block_diag] expected 0-, 1- or 2-D tensors, got shape ",
                shape_str(t.shape()));
    blocks.push_back(t.dim() == 2 ? t : reshape(t, {1, t.numel()}));
    cols += blocks.back().shape()[1];
  }
  const DType dt = result_type(tensors);
  std::vector<Tensor> rows;
  int64_t left = 0;
  for (const Tensor& b : blocks) {
    const int64_t r = b.shape()[0], c = b.shape()[1];
    rows.push_back(cat({zeros({r, left}, dt), to_dtype(b, dt), zeros({r, cols - left - c}, dt)}, 1));
    left += c;
  }
  return cat(rows, 0);
}

Tensor cartesian_prod(const std::vector<Tensor>& tensors) {
  EMBER_CHECK(!tensors.empty(), ValueError, "[cartesian_prod] expected at least one tensor");
  for (const Tensor& t : tensors) {
    check_defined(t, "cartesian_prod");
    EMBER_CHECK(t.dim() == 1, ValueError, "[cartesian_prod] expected 1-D tensors, got shape ",
                shape_str(t.shape()));
  }
  if (tensors.size() == 1) return tensors[0];
  std::vector<Tensor> cols;
  for (const Tensor& g : meshgrid(tensors, "ij")) cols.push_back(reshape(g, {-1}));
  return stack(cols, 1);
}

Tensor combinations(const Tensor& t, int64_t r, bool with_replacement) {
  check_defined(t, "combinations");
  EMBER_CHECK(t.dim() == 1, ValueError, "[combinations] expected a 1-D input, got shape ",
              shape_str(t.shape()));
  EMBER_CHECK(r >= 0, ValueError, "[combinations] expected r >= 0, got ", r);
  if (r == 0) return empty({0}, t.dtype());
  const int64_t n = t.numel();
  std::vector<std::vector<int64_t>> cols(static_cast<size_t>(r));
  std::vector<int64_t> c(static_cast<size_t>(r));
  // Lexicographic walk over non-decreasing (with replacement) or increasing index tuples.
  const int64_t step = with_replacement ? 0 : 1;
  for (int64_t j = 0; j < r; ++j) c[j] = j * step;
  while (n > 0 && c[r - 1] < n) {
    for (int64_t j = 0; j < r; ++j) cols[j].push_back(c[j]);
    int64_t j = r - 1;
    while (j >= 0 && c[j] == n - 1 - (r - 1 - j) * step) --j;
    if (j < 0) break;
    ++c[j];
    for (int64_t i = j + 1; i < r; ++i) c[i] = c[i - 1] + step;
  }
  std::vector<Tensor> picked;
  for (const auto& idx : cols) picked.push_back(index_select(t, 0, int64_vector(idx)));
  return stack(picked, 1);
}

Tensor vander(const Tensor& x, std::optional<int64_t> N, bool increasing) {
  check_defined(x, "vander");
  EMBER_CHECK(x.dim() == 1, ValueError, "[vander] expected a 1-D input, got shape ",
              shape_str(x.shape()));
  const int64_t n = x.numel(), cols = N.value_or(n);
  EMBER_CHECK(cols >= 0, ValueError, "[vander] expected N >= 0, got ", cols);
  const DType dt = promote_types(x.dtype(), DType::Int64);
  if (cols == 0) return empty({n, 0}, dt);
  Tensor r = ones({n, 1}, dt);
  if (cols > 1)
    r = cat({r, cumprod(expand(unsqueeze(to_dtype(x, dt), 1), {n, cols - 1}), 1)}, 1);
  return increasing ? r : flip(r, {1});
}

}  // namespace ember

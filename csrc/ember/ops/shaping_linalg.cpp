// The linear-algebra half of shaping.h: tensordot, inner, cov, corrcoef, cross, the
// beta / alpha products (baddbmm, addbmm, addmv, addr) and chained products, composed of
// matmul, reductions and elementwise ops (gradients from those).
#include <algorithm>

#include "ember/core/error.h"
#include "ember/ops/creation.h"
#include "ember/ops/diagonal.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shaping.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

bool is_one(const Scalar& s) { return s.to_double() == 1.0; }

// beta * input + alpha * product; input must broadcast to product's shape and is left out
// (NaN included) when beta == 0, as in PyTorch.
Tensor add_scaled(const Tensor& input, const Tensor& product, const Scalar& beta,
                  const Scalar& alpha, const char* op) {
  EMBER_CHECK(broadcast_shapes(input.shape(), product.shape(), op) == product.shape(), ValueError,
              "[", op, "] expected input broadcastable to ", shape_str(product.shape()),
              ", got shape ", shape_str(input.shape()));
  EMBER_CHECK(input.dtype() == product.dtype(), TypeError, "[", op, "] expected input of dtype ",
              dtype_name(product.dtype()), " like the other operands, got ",
              dtype_name(input.dtype()));
  Tensor r = is_one(alpha) ? product : mul(product, alpha);
  if (beta.to_double() == 0.0) return r;
  return add(is_one(beta) ? input : mul(input, beta), r);
}

Tensor cross_at(const Tensor& a, const Tensor& b, int64_t dim, const char* op) {
  Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  const int64_t d = normalize_dim(dim, static_cast<int64_t>(shape.size()), op);
  EMBER_CHECK(shape[d] == 3, ValueError, "[", op, "] expected size 3 in dim ", d,
              " of the broadcast inputs, got shape ", shape_str(shape));
  Tensor x = expand(a, shape), y = expand(b, shape);
  auto c = [d](const Tensor& t, int64_t i) { return select(t, d, i); };
  return stack({sub(mul(c(x, 1), c(y, 2)), mul(c(x, 2), c(y, 1))),
                sub(mul(c(x, 2), c(y, 0)), mul(c(x, 0), c(y, 2))),
                sub(mul(c(x, 0), c(y, 1)), mul(c(x, 1), c(y, 0)))}, d);
}

void check_all(const std::vector<Tensor>& ts, const char* op, size_t at_least) {
  EMBER_CHECK(ts.size() >= at_least, ValueError, "[", op, "] expected at least ", at_least,
              " tensors, got ", ts.size());
  for (const Tensor& t : ts) check_defined(t, op);
}

Tensor chain(const std::vector<Tensor>& ms) {
  Tensor r = ms[0];
  for (size_t i = 1; i < ms.size(); ++i) r = mm(r, ms[i]);
  return r;
}

}  // namespace

Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<int64_t>& dims_a,
                 const std::vector<int64_t>& dims_b) {
  check_defined(a, "tensordot");
  check_defined(b, "tensordot");
  EMBER_CHECK(dims_a.size() == dims_b.size(), ValueError, "[tensordot] expected as many dims for a "
              "as for b, got ", dims_a.size(), " and ", dims_b.size());
  std::vector<bool> ca(a.dim(), false), cb(b.dim(), false);
  std::vector<int64_t> pa, pb, free_a, free_b;
  Shape out;
  int64_t k = 1;
  for (size_t i = 0; i < dims_a.size(); ++i) {
    const int64_t da = normalize_dim(dims_a[i], a.dim(), "tensordot");
    const int64_t db = normalize_dim(dims_b[i], b.dim(), "tensordot");
    EMBER_CHECK(!ca[da] && !cb[db], ValueError, "[tensordot] dim ", ca[da] ? da : db,
                " appears twice");
    EMBER_CHECK(a.shape()[da] == b.shape()[db], ValueError, "[tensordot] contracted dims must "
                "match in size, got ", a.shape()[da], " (dim ", da, " of a) and ", b.shape()[db],
                " (dim ", db, " of b)");
    ca[da] = cb[db] = true;
    pa.push_back(da);
    pb.push_back(db);
    k *= a.shape()[da];
  }
  int64_t m = 1, n = 1;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (!ca[d]) free_a.push_back(d), out.push_back(a.shape()[d]), m *= a.shape()[d];
  for (int64_t d = 0; d < b.dim(); ++d)
    if (!cb[d]) free_b.push_back(d), out.push_back(b.shape()[d]), n *= b.shape()[d];
  free_a.insert(free_a.end(), pa.begin(), pa.end());
  pb.insert(pb.end(), free_b.begin(), free_b.end());
  Tensor r = mm(reshape(permute(a, free_a), {m, k}), reshape(permute(b, pb), {k, n}));
  return reshape(r, out);
}

Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims) {
  check_defined(a, "tensordot");
  check_defined(b, "tensordot");
  EMBER_CHECK(dims >= 0 && dims <= std::min(a.dim(), b.dim()), ValueError, "[tensordot] expected "
              "dims in [0, ", std::min(a.dim(), b.dim()), "], got ", dims);
  std::vector<int64_t> da, db;
  for (int64_t i = 0; i < dims; ++i) da.push_back(a.dim() - dims + i), db.push_back(i);
  return tensordot(a, b, da, db);
}

Tensor inner(const Tensor& a, const Tensor& b) {
  check_defined(a, "inner");
  check_defined(b, "inner");
  if (a.dim() == 0 || b.dim() == 0) return mul(a, b);
  EMBER_CHECK(a.shape().back() == b.shape().back(), ValueError, "[inner] expected the last dims to "
              "match, got shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()));
  return tensordot(a, b, {-1}, {-1});
}

Tensor cov(const Tensor& t, int64_t correction, const Tensor& fweights, const Tensor& aweights) {
  check_defined(t, "cov");
  EMBER_CHECK(t.dim() <= 2, ValueError, "[cov] expected a 0-, 1- or 2-D input, got shape ",
              shape_str(t.shape()));
  EMBER_CHECK(is_floating(t.dtype()), TypeError, "[cov] expected a floating point input, got ",
              dtype_name(t.dtype()));
  Tensor x = t.dim() < 2 ? reshape(t, {1, -1}) : t;
  const int64_t num_obs = x.shape()[1];
  for (const Tensor* w : {&fweights, &aweights}) {
    if (!w->defined()) continue;
    const bool f = w == &fweights;
    EMBER_CHECK(w->dim() <= 1 && w->numel() == num_obs, ValueError, "[cov] expected ",
                f ? "fweights" : "aweights", " of shape (", num_obs, ",), got ",
                shape_str(w->shape()));
    EMBER_CHECK(f ? w->dtype() == DType::Int64 : is_floating(w->dtype()), TypeError, "[cov] "
                "expected ", f ? "int64 fweights" : "floating aweights", ", got ",
                dtype_name(w->dtype()));
    EMBER_CHECK(!*contiguous(any(lt(w->detach(), Scalar(int64_t{0})))).data<bool>(), ValueError, "[cov] expected ",
                f ? "fweights" : "aweights", " >= 0");
  }
  Tensor w = fweights.defined() ? reshape(fweights, {-1}) : Tensor();
  if (aweights.defined()) w = w.defined() ? mul(w, reshape(aweights, {-1})) : reshape(aweights, {-1});
  Tensor w_sum = w.defined() ? sum(w) : full({}, Scalar(num_obs), DType::Int64);
  Tensor avg = w.defined() ? div(sum(mul(x, w), {1}), w_sum) : mean(x, {1});
  Tensor norm = w.defined() && aweights.defined() && correction != 0
                    ? sub(w_sum, div(mul(sum(mul(w, reshape(aweights, {-1}))), Scalar(correction)),
                                     w_sum))
                    : sub(w_sum, Scalar(correction));
  norm = clamp_min(norm, Scalar(int64_t{0}));
  Tensor xm = sub(x, unsqueeze(avg, 1));
  Tensor c = mm(xm, matrix_t(w.defined() ? mul(xm, w) : xm));
  return squeeze(div(c, norm));
}

Tensor corrcoef(const Tensor& t) {
  check_defined(t, "corrcoef");
  EMBER_CHECK(t.dim() <= 2, ValueError, "[corrcoef] expected a 0-, 1- or 2-D input, got shape ",
              shape_str(t.shape()));
  Tensor c = cov(t);
  if (c.dim() == 0) return div(c, c);
  Tensor s = sqrt(diag(c));
  c = div(div(c, unsqueeze(s, 1)), unsqueeze(s, 0));
  return clamp(c, Scalar(-1.0), Scalar(1.0));
}

Tensor cross(const Tensor& a, const Tensor& b, std::optional<int64_t> dim) {
  check_defined(a, "cross");
  check_defined(b, "cross");
  if (dim) return cross_at(a, b, *dim, "cross");
  Shape shape = broadcast_shapes(a.shape(), b.shape(), "cross");
  auto it = std::find(shape.begin(), shape.end(), 3);
  EMBER_CHECK(it != shape.end(), ValueError, "[cross] no dim of size 3 in the broadcast inputs of "
              "shape ", shape_str(shape));
  return cross_at(a, b, it - shape.begin(), "cross");
}

namespace linalg {

Tensor cross(const Tensor& a, const Tensor& b, int64_t dim) {
  check_defined(a, "linalg.cross");
  check_defined(b, "linalg.cross");
  return cross_at(a, b, dim, "linalg.cross");
}

Tensor multi_dot(const std::vector<Tensor>& tensors) {
  check_all(tensors, "linalg.multi_dot", 2);
  std::vector<Tensor> ms = tensors;
  const size_t last = ms.size() - 1;
  const bool first_vec = ms[0].dim() == 1, last_vec = ms[last].dim() == 1;
  if (first_vec) ms[0] = unsqueeze(ms[0], 0);
  if (last_vec) ms[last] = unsqueeze(ms[last], 1);
  for (size_t i = 0; i <= last; ++i)
    EMBER_CHECK(ms[i].dim() == 2, ValueError, "[linalg.multi_dot] expected 2-D tensors (the first "
                "and last may be 1-D), got shape ", shape_str(tensors[i].shape()), " at ", i);
  Tensor r = chain(ms);
  if (first_vec && last_vec) return reshape(r, {});
  if (first_vec) return squeeze(r, std::vector<int64_t>{0});
  return last_vec ? squeeze(r, std::vector<int64_t>{1}) : r;
}

}  // namespace linalg

Tensor baddbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
               const Scalar& alpha) {
  check_defined(input, "baddbmm");
  return add_scaled(input, bmm(batch1, batch2), beta, alpha, "baddbmm");
}

Tensor addbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
              const Scalar& alpha) {
  check_defined(input, "addbmm");
  return add_scaled(input, sum(bmm(batch1, batch2), {0}), beta, alpha, "addbmm");
}

Tensor addmv(const Tensor& input, const Tensor& mat, const Tensor& vec, const Scalar& beta,
             const Scalar& alpha) {
  check_defined(input, "addmv");
  return add_scaled(input, mv(mat, vec), beta, alpha, "addmv");
}

Tensor addr(const Tensor& input, const Tensor& vec1, const Tensor& vec2, const Scalar& beta,
            const Scalar& alpha) {
  check_defined(input, "addr");
  return add_scaled(input, outer(vec1, vec2), beta, alpha, "addr");
}

Tensor chain_matmul(const std::vector<Tensor>& matrices) {
  check_all(matrices, "chain_matmul", 1);
  for (const Tensor& m : matrices)
    EMBER_CHECK(m.dim() == 2, ValueError, "[chain_matmul] expected 2-D matrices, got shape ",
                shape_str(m.shape()));
  return matrices.size() == 1 ? clone(matrices[0]) : chain(matrices);
}

}  // namespace ember

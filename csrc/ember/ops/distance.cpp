// Distances (see distance.h): compositions of vector_norm, bmm and elementwise ops, so their
// gradients and double backward come from those ops; the bmm form of cdist records its own
// backward (PyTorch's _euclidean_dist rule, 0 at zero distance).
#include "ember/ops/distance.h"

#include <algorithm>
#include <cmath>

#include "ember/autograd/function.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/linalg.h"
#include "ember/ops/linalg_norm.h"
#include "ember/ops/reduce.h"
#include "ember/ops/scalar.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

using Grads = std::vector<Tensor>;

// Floating view of t for op: int64 / bool become float32 (PyTorch's promotion), floats stay.
Tensor floating(const Tensor& t, const char* op, const char* arg) {
  check_defined(t, op, arg);
  return is_floating(t.dtype()) ? t : to_dtype(t, DType::Float32);
}

// max(t, eps) whose gradient passes straight through to t (PyTorch clamps the norms of
// cosine_similarity in place under no_grad, so the clamp never enters the graph).
Tensor clamp_min_straight(const Tensor& t, double eps) {
  Tensor out;
  {
    autograd::NoGradGuard guard;
    out = clamp_min(t, Scalar(eps));
  }
  if (autograd::any_requires_grad({t}))
    autograd::record("CloneBackward", {t}, {out},
                     [](const Grads& g, const auto&) { return Grads{g[0]}; });
  return out;
}

void check_p(double p, const char* op) {
  EMBER_CHECK(!std::isnan(p) && p >= 0, ValueError, "[", op, "] expected p >= 0, got ", p);
}

}  // namespace

Tensor normalize(const Tensor& input, double p, int64_t dim, double eps) {
  check_defined(input, "normalize");
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[normalize] expected a floating point "
              "input (float32 or float64), got ", dtype_name(input.dtype()));
  int64_t d = normalize_dim(dim, input.dim(), "normalize");
  Tensor denom = clamp_min(linalg::vector_norm(input, p, {d}, true), Scalar(eps));
  return div(input, expand(denom, input.shape()));
}

Tensor cosine_similarity(const Tensor& x1_in, const Tensor& x2_in, int64_t dim, double eps) {
  Tensor x1 = floating(x1_in, "cosine_similarity", "x1");
  Tensor x2 = floating(x2_in, "cosine_similarity", "x2");
  DType dt = result_type({x1, x2});
  Shape shape = broadcast_shapes(x1.shape(), x2.shape(), "cosine_similarity");
  x1 = expand(to_dtype(x1, dt), shape);
  x2 = expand(to_dtype(x2, dt), shape);
  int64_t d = normalize_dim(dim, static_cast<int64_t>(shape.size()), "cosine_similarity");
  Tensor n1 = clamp_min_straight(linalg::vector_norm(x1, 2.0, {d}, true), eps);
  Tensor n2 = clamp_min_straight(linalg::vector_norm(x2, 2.0, {d}, true), eps);
  return sum(mul(div(x1, n1), div(x2, n2)), {d});
}

Tensor pairwise_distance(const Tensor& x1_in, const Tensor& x2_in, double p, double eps,
                         bool keepdim) {
  Tensor x1 = floating(x1_in, "pairwise_distance", "x1");
  Tensor x2 = floating(x2_in, "pairwise_distance", "x2");
  check_p(p, "pairwise_distance");
  broadcast_shapes(x1.shape(), x2.shape(), "pairwise_distance");
  Tensor diff = add(sub(x1, x2), Scalar(eps));
  const int64_t out_dim = std::max(x1.dim(), x2.dim());
  if (out_dim == 0) return linalg::vector_norm(diff, p, {}, keepdim);
  return linalg::vector_norm(diff, p, {out_dim - 1}, keepdim);
}

namespace {

// sqrt(max(||a_i||^2 - 2 a_i.b_j + ||b_j||^2, 0)) for a (B, P, M), b (B, R, M).
Tensor euclid_forward(const Tensor& a, const Tensor& b) {
  Tensor an = sum(mul(a, a), {-1}, true);                    // (B, P, 1)
  Tensor bn = transpose(sum(mul(b, b), {-1}, true), 1, 2);   // (B, 1, R)
  Tensor r = add(add(mul(bmm(a, transpose(b, 1, 2)), Scalar(-2.0)), an), bn);
  return sqrt(clamp_min(r, Scalar(0.0)));
}

Tensor euclid_dist(const Tensor& a, const Tensor& b) {
  Tensor out;
  {
    autograd::NoGradGuard guard;
    out = euclid_forward(contiguous(a), contiguous(b));
  }
  if (autograd::any_requires_grad({a, b}))
    autograd::record("EuclideanDistBackward", {a, b}, {out},
        [sa = autograd::SavedTensor(a), sb = autograd::SavedTensor(b),
         so = autograd::SavedTensor(out, true)](const Grads& g, const auto& node) {
          const Tensor &x1 = sa.get(), &x2 = sb.get();
          Tensor res = autograd::GradMode::is_enabled() ? euclid_dist(x1, x2) : so.get();
          Tensor ratio = where(eq(res, Scalar(0.0)), Scalar(0.0), div(g[0], res));
          Grads r(2);
          if (node.needs_input_grad(0))
            r[0] = sub(mul(x1, sum(ratio, {-1}, true)), bmm(ratio, x2));
          if (node.needs_input_grad(1))
            r[1] = sub(mul(x2, unsqueeze(sum(ratio, {-2}), -1)), bmm(transpose(ratio, 1, 2), x1));
          return r;
        });
  return out;
}

}  // namespace

Tensor cdist(const Tensor& x1_in, const Tensor& x2_in, double p, const std::string& mode) {
  check_defined(x1_in, "cdist", "x1");
  check_defined(x2_in, "cdist", "x2");
  EMBER_CHECK(x1_in.dim() >= 2 && x2_in.dim() >= 2, ValueError, "[cdist] expected x1 and x2 "
              "with at least 2 dims (..., rows, features), got shapes ", shape_str(x1_in.shape()),
              " and ", shape_str(x2_in.shape()));
  EMBER_CHECK(x1_in.shape().back() == x2_in.shape().back(), ValueError, "[cdist] expected x1 and "
              "x2 with the same number of features (last dim), got shapes ",
              shape_str(x1_in.shape()), " and ", shape_str(x2_in.shape()));
  EMBER_CHECK(is_floating(x1_in.dtype()) && is_floating(x2_in.dtype()), TypeError, "[cdist] "
              "expected floating point inputs (float32 or float64), got ",
              dtype_name(x1_in.dtype()), " and ", dtype_name(x2_in.dtype()));
  check_p(p, "cdist");
  EMBER_CHECK(mode == "use_mm_for_euclid_dist_if_necessary" || mode == "use_mm_for_euclid_dist" ||
              mode == "donot_use_mm_for_euclid_dist", ValueError, "[cdist] expected compute_mode "
              "'use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist' or "
              "'donot_use_mm_for_euclid_dist', got '", mode, "'");
  DType dt = result_type({x1_in, x2_in});
  Tensor x1 = to_dtype(x1_in, dt), x2 = to_dtype(x2_in, dt);
  const int64_t P = x1.shape()[x1.dim() - 2], R = x2.shape()[x2.dim() - 2];
  const int64_t M = x1.shape().back();
  Shape b1(x1.shape().begin(), x1.shape().end() - 2), b2(x2.shape().begin(), x2.shape().end() - 2);
  Shape batch = broadcast_shapes(b1, b2, "cdist");
  Shape s1 = batch, s2 = batch, so = batch;
  s1.insert(s1.end(), {P, M});
  s2.insert(s2.end(), {R, M});
  so.insert(so.end(), {P, R});
  x1 = expand(x1, s1);
  x2 = expand(x2, s2);
  const bool use_mm = p == 2 && M > 0 &&
                      (mode == "use_mm_for_euclid_dist" ||
                       (mode == "use_mm_for_euclid_dist_if_necessary" && (P > 25 || R > 25)));
  if (use_mm) {
    int64_t B = 1;
    for (int64_t s : batch) B *= s;
    if (B * P * R == 0) return zeros(so, dt);
    Tensor r = euclid_dist(reshape(x1, {B, P, M}), reshape(x2, {B, R, M}));
    return reshape(r, so);
  }
  // Direct form: the exact differences, one norm per pair (memory ~ P * R * M).
  Tensor diff = sub(unsqueeze(x1, -2), unsqueeze(x2, -3));
  if (!std::isinf(p)) return linalg::vector_norm(diff, p, {-1});
  // p = inf: PyTorch's cdist gives every entry tied at the max its full gradient (the
  // vector norm splits it); the value is the max, the graph sums |diff| over the ties.
  Tensor ad = abs(diff);
  Tensor d, mask;
  {
    autograd::NoGradGuard guard;
    d = linalg::vector_norm(diff, p, {-1});
    mask = to_dtype(eq(ad, unsqueeze(d, -1)), ad.dtype());
  }
  return add(d, sum(mul(mask, sub(ad, ad.detach())), {-1}));
}

Tensor dist(const Tensor& input, const Tensor& other, double p) {
  Tensor a = floating(input, "dist", "input"), b = floating(other, "dist", "other");
  check_p(p, "dist");
  broadcast_shapes(a.shape(), b.shape(), "dist");
  return linalg::vector_norm(sub(a, b), p);
}

}  // namespace ember

// Margin, embedding and likelihood losses (see loss.h): margin_ranking, hinge_embedding,
// cosine_embedding, soft_margin, multilabel_soft_margin, multi_margin, multilabel_margin,
// triplet_margin, poisson_nll and gaussian_nll, each a composition of ember ops (gradients
// and double backward from the parts, reductions thread-count independent).
#include <cmath>

#include "ember/ops/creation.h"
#include "ember/ops/distance.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/loss.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

void check_float_input(const Tensor& t, const char* op, const char* arg) {
  check_defined(t, op, arg);
  EMBER_CHECK(is_floating(t.dtype()), TypeError, "[", op, "] expected floating point ", arg,
              ", got ", dtype_name(t.dtype()));
}

// A second operand of the first's shape and dtype.
void check_like(const Tensor& t, const Tensor& ref, const char* op, const char* arg,
                const char* ref_arg) {
  check_float_input(t, op, arg);
  EMBER_CHECK(t.dtype() == ref.dtype(), TypeError, "[", op, "] ", arg, " dtype ",
              dtype_name(t.dtype()), " differs from ", ref_arg, " dtype ", dtype_name(ref.dtype()));
  EMBER_CHECK(t.shape() == ref.shape(), ValueError, "[", op, "] expected ", arg, " of ", ref_arg,
              "'s shape ", shape_str(ref.shape()), ", got ", shape_str(t.shape()),
              " (ember does not broadcast loss operands)");
}

// A +1/-1 target of the given shape: floating (the input's dtype) or int64; returned in the
// input's dtype.
Tensor sign_target(const Tensor& target, const Tensor& input, const Shape& shape,
                   const char* op) {
  check_defined(target, op, "target");
  EMBER_CHECK(target.dtype() == input.dtype() || target.dtype() == DType::Int64, TypeError, "[",
              op, "] expected target of dtype ", dtype_name(input.dtype()), " or int64, got ",
              dtype_name(target.dtype()));
  EMBER_CHECK(target.shape() == shape, ValueError, "[", op, "] expected target of shape ",
              shape_str(shape), ", got ", shape_str(target.shape()));
  return to_dtype(target.detach(), input.dtype());
}

// Class-index target of shape `shape`, every entry in [0, c).
void check_class_target(const Tensor& target, const Shape& shape, int64_t c, const char* op) {
  check_defined(target, op, "target");
  EMBER_CHECK(target.dtype() == DType::Int64, TypeError, "[", op,
              "] expected target of dtype int64, got ", dtype_name(target.dtype()));
  EMBER_CHECK(target.shape() == shape, ValueError, "[", op, "] expected target of shape ",
              shape_str(shape), ", got ", shape_str(target.shape()));
  Tensor t = contiguous(target);
  const int64_t* p = t.data<int64_t>();
  for (int64_t i = 0, n = t.numel(); i < n; ++i)
    EMBER_CHECK(p[i] >= 0 && p[i] < c, IndexError, "[", op, "] target ", p[i],
                " is out of bounds for ", c, " classes");
}

// (N, C) or (C,) input: returns C and checks the layout.
int64_t classes_of(const Tensor& input, const char* op) {
  check_float_input(input, op, "input");
  EMBER_CHECK((input.dim() == 1 || input.dim() == 2) && input.numel() > 0, ValueError, "[", op,
              "] expected non-empty input of shape (N, C) or (C,), got shape ",
              shape_str(input.shape()));
  return input.shape().back();
}

// The (C,) per-class weight of a classification loss, if any.
void check_class_weight(const Tensor& w, const Tensor& input, int64_t c, const char* op) {
  if (!w.defined()) return;
  EMBER_CHECK(w.dtype() == input.dtype(), TypeError, "[", op, "] weight dtype ",
              dtype_name(w.dtype()), " differs from input dtype ", dtype_name(input.dtype()));
  EMBER_CHECK(w.shape() == Shape{c}, ValueError, "[", op, "] expected weight of shape (", c,
              ",), got ", shape_str(w.shape()));
}

Shape drop_last(const Shape& s) { return Shape(s.begin(), s.end() - 1); }

}  // namespace

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           double margin, Reduction reduction) {
  const char* op = "margin_ranking_loss";
  check_float_input(input1, op, "input1");
  check_like(input2, input1, op, "input2", "input1");
  Tensor y = sign_target(target, input1, input1.shape(), op);
  return apply_reduction(clamp_min(add(mul(neg(y), sub(input1, input2)), margin), 0.0),
                         reduction);
}

Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, double margin,
                            Reduction reduction) {
  const char* op = "hinge_embedding_loss";
  check_float_input(input, op, "input");
  Tensor y = sign_target(target, input, input.shape(), op);
  // PyTorch: x where y != -1, plus max(0, margin - x) where y != 1.
  Tensor l = add(where(ne(y, -1.0), input, 0.0), where(ne(y, 1.0), clamp_min(rsub(input, margin), 0.0), 0.0));
  return apply_reduction(l, reduction);
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             double margin, Reduction reduction) {
  const char* op = "cosine_embedding_loss";
  check_float_input(input1, op, "input1");
  check_like(input2, input1, op, "input2", "input1");
  EMBER_CHECK(input1.dim() == 1 || input1.dim() == 2, ValueError, "[", op,
              "] expected inputs of shape (N, D) or (D,), got shape ", shape_str(input1.shape()));
  Tensor y = sign_target(target, input1, drop_last(input1.shape()), op);
  // PyTorch's formula: the eps is added to each squared norm before the product.
  const std::vector<int64_t> d{input1.dim() - 1};
  const double eps = 1e-12;
  Tensor prod = sum(mul(input1, input2), d);
  Tensor m1 = add(sum(mul(input1, input1), d), eps), m2 = add(sum(mul(input2, input2), d), eps);
  Tensor cos = div(prod, sqrt(mul(m1, m2)));
  Tensor l = add(where(eq(y, 1.0), rsub(cos, 1.0), 0.0),
                 where(eq(y, -1.0), clamp_min(sub(cos, margin), 0.0), 0.0));
  return apply_reduction(l, reduction);
}

Tensor soft_margin_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_loss_pair(input, target, "soft_margin_loss");
  return apply_reduction(softplus_neg(mul(input, target)), reduction);  // log(1 + exp(-y x))
}

Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target,
                                   const Tensor& weight, Reduction reduction) {
  const char* op = "multilabel_soft_margin_loss";
  check_loss_pair(input, target, op);
  EMBER_CHECK(input.dim() >= 1, ValueError, "[", op,
              "] expected input of shape (N, C) or (C,), got shape ", shape_str(input.shape()));
  check_loss_factor(weight, input, op, "weight");
  Tensor l = add(mul(target, softplus_neg(input)), mul(rsub(target, 1.0), softplus_neg(neg(input))));
  if (weight.defined()) l = mul(l, weight);
  const int64_t cdim = input.dim() - 1;
  l = div(sum(l, {cdim}), static_cast<double>(input.shape()[cdim]));
  return apply_reduction(l, reduction);
}

Tensor multi_margin_loss(const Tensor& input, const Tensor& target, int64_t p, double margin,
                         const Tensor& weight, Reduction reduction) {
  const char* op = "multi_margin_loss";
  const int64_t c = classes_of(input, op);
  EMBER_CHECK(p == 1 || p == 2, ValueError, "[", op, "] only p == 1 and p == 2 supported, got ", p);
  check_class_target(target, drop_last(input.shape()), c, op);
  check_class_weight(weight, input, c, op);
  Tensor x = input.dim() == 1 ? unsqueeze(input, 0) : input;  // (N, C)
  Tensor y = reshape(target, {-1, 1});                          // (N, 1)
  Tensor z = clamp_min(add(sub(x, gather(x, 1, y)), margin), 0.0);
  if (p == 2) z = mul(z, z);
  if (weight.defined()) z = mul(z, reshape(index_select(weight, 0, reshape(y, {-1})), {-1, 1}));
  Tensor other = to_dtype(ne(one_hot(reshape(y, {-1}), c), 1), input.dtype());  // i != y only
  Tensor l = div(sum(mul(z, other), {1}), static_cast<double>(c));
  if (input.dim() == 1) l = reshape(l, {});
  return apply_reduction(l, reduction);
}

Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  const char* op = "multilabel_margin_loss";
  const int64_t c = classes_of(input, op);
  check_defined(target, op, "target");
  EMBER_CHECK(target.dtype() == DType::Int64, TypeError, "[", op,
              "] expected target of dtype int64, got ", dtype_name(target.dtype()));
  EMBER_CHECK(target.shape() == input.shape(), ValueError, "[", op,
              "] expected target of the input's shape ", shape_str(input.shape()), ", got ",
              shape_str(target.shape()));
  // Per sample: the target slots before the first -1 (valid), their classes (0 elsewhere),
  // and which classes are targets.
  Tensor t = contiguous(target.dim() == 1 ? reshape(target, {1, c}) : target);
  const int64_t n = t.shape()[0];
  Tensor slot_cls = Tensor::empty({n, c}, DType::Int64);
  Tensor valid = zeros({n, c}, input.dtype()), non_target = Tensor::empty({n, c}, input.dtype());
  dispatch_float(input.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const int64_t* tp = t.data<int64_t>();
    int64_t* sp = slot_cls.data<int64_t>();
    T *vp = valid.data<T>(), *np = non_target.data<T>();
    for (int64_t i = 0; i < n * c; ++i) {
      sp[i] = 0;
      np[i] = T(1);
    }
    for (int64_t r = 0; r < n; ++r) {
      for (int64_t j = 0; j < c; ++j) {
        const int64_t k = tp[r * c + j];
        if (k == -1) break;
        EMBER_CHECK(k >= 0 && k < c, IndexError, "[", op, "] target ", k,
                    " is out of bounds for ", c, " classes (-1 ends a sample's targets)");
        sp[r * c + j] = k;
        vp[r * c + j] = T(1);
        np[r * c + k] = T(0);
      }
    }
  });
  Tensor x = input.dim() == 1 ? unsqueeze(input, 0) : input;  // (N, C)
  Tensor xy = gather(x, 1, slot_cls);                          // (N, C) slot scores
  // (N, slot, class): max(0, 1 - x[y_slot] + x[class]) for valid slots and non-target classes
  Tensor h = clamp_min(add(sub(unsqueeze(x, 1), unsqueeze(xy, 2)), 1.0), 0.0);
  Tensor mask = mul(unsqueeze(valid, 2), unsqueeze(non_target, 1));
  Tensor l = div(sum(mul(h, mask), {1, 2}), static_cast<double>(c));
  if (input.dim() == 1) l = reshape(l, {});
  return apply_reduction(l, reduction);
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           double margin, double p, double eps, bool swap, Reduction reduction) {
  const char* op = "triplet_margin_loss";
  check_float_input(anchor, op, "anchor");
  check_like(positive, anchor, op, "positive", "anchor");
  check_like(negative, anchor, op, "negative", "anchor");
  EMBER_CHECK(anchor.dim() == 1 || anchor.dim() == 2, ValueError, "[", op,
              "] expected anchor, positive and negative of shape (N, D) or (D,), got shape ",
              shape_str(anchor.shape()));
  EMBER_CHECK(margin > 0.0, ValueError, "[", op, "] expected margin > 0, got ", margin);
  Tensor d_pos = pairwise_distance(anchor, positive, p, eps);
  Tensor d_neg = pairwise_distance(anchor, negative, p, eps);
  if (swap) d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps));
  return apply_reduction(clamp_min(add(sub(d_pos, d_neg), margin), 0.0), reduction);
}

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, bool log_input, bool full,
                        double eps, Reduction reduction) {
  check_loss_pair(input, target, "poisson_nll_loss");
  Tensor l = log_input ? sub(exp(input), mul(target, input))
                       : sub(input, mul(target, log(add(input, eps))));
  if (full) {  // Stirling's term where target > 1 (a safe operand elsewhere keeps grads finite)
    Tensor big = gt(target, 1.0);
    Tensor t = where(big, target, 2.0);
    Tensor st = add(sub(mul(t, log(t)), t), mul(log(mul(t, 2.0 * M_PI)), 0.5));
    l = add(l, where(big, st, 0.0));
  }
  return apply_reduction(l, reduction);
}

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var, bool full,
                         double eps, Reduction reduction) {
  const char* op = "gaussian_nll_loss";
  check_loss_pair(input, target, op);
  check_float_input(var, op, "var");
  EMBER_CHECK(var.dtype() == input.dtype(), TypeError, "[", op, "] var dtype ",
              dtype_name(var.dtype()), " differs from input dtype ", dtype_name(input.dtype()));
  Tensor v = var;
  if (var.shape() != input.shape()) {
    const bool ok_drop = input.dim() >= 1 && var.shape() == drop_last(input.shape());
    const bool ok_one = input.dim() >= 1 && var.dim() == input.dim() && var.shape().back() == 1 &&
                        drop_last(var.shape()) == drop_last(input.shape());
    EMBER_CHECK(ok_drop || ok_one, ValueError, "[", op, "] expected var of the input's shape ",
                shape_str(input.shape()), ", or without its last dim, or with last dim 1, got ",
                shape_str(var.shape()));
    if (ok_drop) v = unsqueeze(var, -1);
  }
  EMBER_CHECK(eps >= 0.0, ValueError, "[", op, "] expected eps >= 0, got ", eps);
  {
    Tensor vd = contiguous(var.detach());
    dispatch_float(vd.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      const T* p = vd.data<T>();
      for (int64_t i = 0, n = vd.numel(); i < n; ++i)
        EMBER_CHECK(!(p[i] < T(0)), ValueError, "[", op, "] var has negative entry ", p[i]);
    });
  }
  // PyTorch clamps var in place under no_grad: the value is clamped, the gradient is var's.
  Tensor vd = v.detach();
  v = add(v, sub(clamp_min(vd, eps), vd));
  Tensor d = sub(input, target);
  Tensor l = mul(add(log(v), div(mul(d, d), v)), 0.5);
  if (full) l = add(l, 0.5 * std::log(2.0 * M_PI));
  return apply_reduction(l, reduction);
}

}  // namespace ember

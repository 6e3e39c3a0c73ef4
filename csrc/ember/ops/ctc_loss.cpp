// ctc_loss (see loss.h): per-sample forward (alpha) and backward (beta) recursions in log
// space, computed in double whatever the input dtype; samples run in parallel and never
// share state, so results do not depend on the thread count. Shape letters: T time steps,
// N batch, C classes, L a target's length, S = 2 L + 1 extended labels (blank between labels).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/loss.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

// The batch after checks: log_probs (T, N, C) contiguous, targets flat with per-sample offsets.
struct Ctc {
  Tensor lp, targets;
  std::vector<int64_t> il, tl, offset;
  int64_t t = 0, n = 0, c = 0, s_max = 1, blank = 0;

  // Extended label s of sample b: blank at even s, the target's (s - 1) / 2-th class at odd s.
  int64_t label(const int64_t* tg, int64_t b, int64_t s) const {
    return s % 2 == 0 ? blank : tg[offset[b] + s / 2];
  }
};

Ctc prepare(const Tensor& log_probs, const Tensor& targets, const std::vector<int64_t>& il,
            const std::vector<int64_t>& tl, int64_t blank) {
  const char* op = "ctc_loss";
  check_defined(log_probs, op, "log_probs");
  check_defined(targets, op, "targets");
  EMBER_CHECK(is_floating(log_probs.dtype()), TypeError, "[ctc_loss] expected floating point "
              "log_probs, got ", dtype_name(log_probs.dtype()));
  EMBER_CHECK(log_probs.dim() == 3, ValueError, "[ctc_loss] expected log_probs of shape (T, N, C) "
              "or (T, C), got shape ", shape_str(log_probs.shape()));
  EMBER_CHECK(targets.dtype() == DType::Int64, TypeError, "[ctc_loss] expected targets of dtype "
              "int64, got ", dtype_name(targets.dtype()));
  Ctc p;
  p.t = log_probs.shape()[0];
  p.n = log_probs.shape()[1];
  p.c = log_probs.shape()[2];
  p.blank = blank;
  EMBER_CHECK(p.c > 0, ValueError, "[ctc_loss] expected at least one class, got shape ",
              shape_str(log_probs.shape()));
  EMBER_CHECK(blank >= 0 && blank < p.c, IndexError, "[ctc_loss] blank must be in [0, ", p.c,
              "), got ", blank);
  EMBER_CHECK(static_cast<int64_t>(il.size()) == p.n, ValueError, "[ctc_loss] expected ", p.n,
              " input_lengths (one per batch element), got ", il.size());
  EMBER_CHECK(static_cast<int64_t>(tl.size()) == p.n, ValueError, "[ctc_loss] expected ", p.n,
              " target_lengths (one per batch element), got ", tl.size());
  int64_t total = 0, max_len = 0;
  for (int64_t b = 0; b < p.n; ++b) {
    EMBER_CHECK(il[b] >= 0 && il[b] <= p.t, ValueError, "[ctc_loss] input_lengths[", b,
                "] must be in [0, ", p.t, "], got ", il[b]);
    EMBER_CHECK(tl[b] >= 0, ValueError, "[ctc_loss] target_lengths[", b, "] must be >= 0, got ",
                tl[b]);
    total += tl[b];
    max_len = std::max(max_len, tl[b]);
  }
  p.offset.resize(p.n);
  if (targets.dim() == 2) {  // padded (N, S)
    EMBER_CHECK(targets.shape()[0] == p.n && targets.shape()[1] >= max_len, ValueError,
                "[ctc_loss] expected padded targets of shape (", p.n, ", >= ", max_len,
                "), got ", shape_str(targets.shape()));
    for (int64_t b = 0; b < p.n; ++b) p.offset[b] = b * targets.shape()[1];
  } else {
    EMBER_CHECK(targets.dim() == 1 && targets.numel() >= total, ValueError,
                "[ctc_loss] expected targets of shape (N, S) or concatenated (", total,
                ",) = sum of target_lengths, got ", shape_str(targets.shape()));
    for (int64_t b = 0, o = 0; b < p.n; o += tl[b], ++b) p.offset[b] = o;
  }
  p.targets = contiguous(targets.detach());
  const int64_t* tg = p.targets.data<int64_t>();
  for (int64_t b = 0; b < p.n; ++b)
    for (int64_t i = 0; i < tl[b]; ++i) {
      const int64_t k = tg[p.offset[b] + i];
      EMBER_CHECK(k >= 0 && k < p.c, IndexError, "[ctc_loss] target ", k,
                  " is out of bounds for ", p.c, " classes");
    }
  p.il = il;
  p.tl = tl;
  p.s_max = 2 * max_len + 1;
  p.lp = contiguous(log_probs.detach());
  return p;
}

// alpha (T, S_max) of sample b into a (row-major, -inf filled); returns the loss -log p.
template <class T>
double forward_sample(const Ctc& p, int64_t b, double* alpha) {
  const T* lp = p.lp.data<T>();
  const int64_t* tg = p.targets.data<int64_t>();
  const int64_t tn = p.il[b], s_len = 2 * p.tl[b] + 1, sm = p.s_max;
  if (tn == 0) return p.tl[b] == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  auto at = [&](int64_t t, int64_t c) { return static_cast<double>(lp[(t * p.n + b) * p.c + c]); };
  alpha[0] = at(0, p.blank);
  if (s_len > 1) alpha[1] = at(0, p.label(tg, b, 1));
  for (int64_t t = 1; t < tn; ++t) {
    const double* prev = alpha + (t - 1) * sm;
    double* cur = alpha + t * sm;
    for (int64_t s = 0; s < s_len; ++s) {
      const int64_t l = p.label(tg, b, s);
      double a = prev[s];
      if (s > 0) a = log_add(a, prev[s - 1]);
      if (s > 1 && l != p.blank && l != p.label(tg, b, s - 2)) a = log_add(a, prev[s - 2]);
      cur[s] = a == kNegInf ? kNegInf : a + at(t, l);
    }
  }
  const double* last = alpha + (tn - 1) * sm;
  return -log_add(last[s_len - 1], s_len > 1 ? last[s_len - 2] : kNegInf);
}

// PyTorch's gradient of sample b into d (T, N, C) rows of b: exp(lp) - exp(log(sum of
// alpha beta over the labels equal to c) + nll - lp), times g; 0 beyond the input length.
template <class T>
void backward_sample(const Ctc& p, int64_t b, const double* alpha, double nll, double g,
                     bool zero_infinity, T* d) {
  const T* lp = p.lp.data<T>();
  const int64_t* tg = p.targets.data<int64_t>();
  const int64_t tn = p.il[b], s_len = 2 * p.tl[b] + 1, sm = p.s_max;
  auto idx = [&](int64_t t, int64_t c) { return (t * p.n + b) * p.c + c; };
  for (int64_t t = 0; t < p.t; ++t)
    for (int64_t c = 0; c < p.c; ++c) d[idx(t, c)] = T(0);
  if (tn == 0 || (zero_infinity && std::isinf(nll))) return;
  std::vector<double> beta(s_len, kNegInf), next(s_len, kNegInf), lcab(p.c);
  for (int64_t t = tn - 1; t >= 0; --t) {
    for (int64_t s = 0; s < s_len; ++s) {
      const int64_t l = p.label(tg, b, s);
      double v;
      if (t == tn - 1) {
        v = s >= s_len - 2 ? 0.0 : kNegInf;
      } else {
        v = next[s];
        if (s + 1 < s_len) v = log_add(v, next[s + 1]);
        if (s + 2 < s_len && l != p.blank && l != p.label(tg, b, s + 2)) v = log_add(v, next[s + 2]);
      }
      beta[s] = v == kNegInf ? kNegInf : v + static_cast<double>(lp[idx(t, l)]);
    }
    std::fill(lcab.begin(), lcab.end(), kNegInf);
    const double* a = alpha + t * sm;
    for (int64_t s = 0; s < s_len; ++s) {
      const int64_t l = p.label(tg, b, s);
      if (a[s] != kNegInf && beta[s] != kNegInf) lcab[l] = log_add(lcab[l], a[s] + beta[s]);
    }
    for (int64_t c = 0; c < p.c; ++c) {
      const double x = static_cast<double>(lp[idx(t, c)]);
      d[idx(t, c)] = static_cast<T>((std::exp(x) - std::exp(lcab[c] + nll - x)) * g);
    }
    std::swap(beta, next);
  }
}

Tensor ctc_impl(const Tensor& log_probs, const Tensor& targets, const std::vector<int64_t>& il,
                const std::vector<int64_t>& tl, int64_t blank, Reduction reduction,
                bool zero_infinity) {
  check_defined(log_probs, "ctc_loss", "log_probs");
  const bool unbatched = log_probs.dim() == 2;
  Tensor lp3 = unbatched ? unsqueeze(log_probs, 1) : log_probs;
  Tensor tg = unbatched && targets.defined() && targets.dim() == 1 ? unsqueeze(targets, 0) : targets;
  auto p = std::make_shared<Ctc>(prepare(lp3, tg, il, tl, blank));
  auto alpha = std::make_shared<std::vector<double>>(
      static_cast<size_t>(p->n * p->t * p->s_max), kNegInf);
  Tensor nll = Tensor::empty({p->n}, log_probs.dtype());
  auto nll_d = std::make_shared<std::vector<double>>(p->n);
  dispatch_float(log_probs.dtype(), "ctc_loss", [&](auto tag) {
    using T = decltype(tag);
    parallel_for(p->n, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        double l = forward_sample<T>(*p, b, alpha->data() + b * p->t * p->s_max);
        (*nll_d)[b] = l;
        nll.data<T>()[b] = static_cast<T>(zero_infinity && std::isinf(l) ? 0.0 : l);
      }
    });
  });
  if (autograd::any_requires_grad({lp3})) {
    autograd::record("CtcLossBackward", {lp3}, {nll},
        [p, alpha, nll_d, zero_infinity](const std::vector<Tensor>& g, const autograd::Node&) {
          EMBER_CHECK(!autograd::GradMode::is_enabled(), NotImplementedError,
                      "[ctc_loss] double backward (create_graph=True) is not implemented");
          Tensor gs = contiguous(g[0]);
          Tensor d = Tensor::empty({p->t, p->n, p->c}, p->lp.dtype());
          dispatch_float(p->lp.dtype(), "ctc_loss", [&](auto tag) {
            using T = decltype(tag);
            parallel_for(p->n, 1, [&](int64_t b0, int64_t b1) {
              for (int64_t b = b0; b < b1; ++b)
                backward_sample<T>(*p, b, alpha->data() + b * p->t * p->s_max, (*nll_d)[b],
                                   static_cast<double>(gs.data<T>()[b]), zero_infinity,
                                   d.data<T>());
            });
          });
          return std::vector<Tensor>{d};
        });
  }
  if (reduction == Reduction::Mean) {
    Tensor len = Tensor::empty({p->n}, log_probs.dtype());
    dispatch_float(log_probs.dtype(), "ctc_loss", [&](auto tag) {
      using T = decltype(tag);
      for (int64_t b = 0; b < p->n; ++b)
        len.data<T>()[b] = static_cast<T>(std::max<int64_t>(tl[b], 1));
    });
    return mean(div(nll, len));
  }
  if (reduction == Reduction::Sum) return sum(nll);
  return unbatched ? reshape(nll, {}) : nll;
}

// int64 lengths of shape (N,), or () for unbatched input.
std::vector<int64_t> lengths(const Tensor& t, const char* arg) {
  check_defined(t, "ctc_loss", arg);
  EMBER_CHECK(t.dtype() == DType::Int64, TypeError, "[ctc_loss] expected ", arg,
              " of dtype int64, got ", dtype_name(t.dtype()));
  EMBER_CHECK(t.dim() <= 1, ValueError, "[ctc_loss] expected ", arg, " of shape (N,), got ",
              shape_str(t.shape()));
  Tensor c = contiguous(t);
  return std::vector<int64_t>(c.data<int64_t>(), c.data<int64_t>() + c.numel());
}

}  // namespace

Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets,
                const std::vector<int64_t>& input_lengths,
                const std::vector<int64_t>& target_lengths, int64_t blank, Reduction reduction,
                bool zero_infinity) {
  return ctc_impl(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                  zero_infinity);
}

Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, int64_t blank, Reduction reduction,
                bool zero_infinity) {
  return ctc_impl(log_probs, targets, lengths(input_lengths, "input_lengths"),
                  lengths(target_lengths, "target_lengths"), blank, reduction, zero_infinity);
}

}  // namespace ember

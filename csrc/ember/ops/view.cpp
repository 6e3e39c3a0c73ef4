// View and layout ops with their backward formulas; see view.h.
#include "ember/ops/view.h"

#include <algorithm>
#include <numeric>

#include "ember/autograd/function.h"
#include "ember/cpu/loop.h"
#include "ember/ops/creation.h"

namespace ember {

using autograd::record;

Tensor as_strided(const Tensor& t, const Shape& shape, const Shape& strides, int64_t offset) {
  Tensor v = Tensor::view_of(t.storage(), shape, strides, offset, t.dtype());
  TensorImpl* impl = v.impl();
  impl->view_base = t.impl()->view_base ? t.impl()->view_base : t.impl_ptr();
  impl->view_base_fn = impl->view_base->grad_fn;
  return v;
}

namespace {

Shape infer_shape(const Shape& shape, int64_t numel, const char* op, const Shape& from) {
  Shape out = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      EMBER_CHECK(infer < 0, ValueError, "[", op, "] only one dimension can be -1, got shape ",
                  shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      EMBER_CHECK(out[i] >= 0, ValueError, "[", op, "] invalid shape ", shape_str(shape));
      known *= out[i];
    }
  }
  if (infer >= 0) {
    EMBER_CHECK(known != 0 && numel % known == 0, ValueError, "[", op, "] shape ",
                shape_str(shape), " is invalid for input of shape ", shape_str(from));
    out[infer] = numel / known;
  } else {
    EMBER_CHECK(known == numel, ValueError, "[", op, "] shape ", shape_str(shape),
                " is invalid for input of shape ", shape_str(from), " (", numel, " elements)");
  }
  return out;
}

// Strides for viewing t as `shape` without a copy, or false (NumPy's attempt_nocopy_reshape).
bool view_strides(const Tensor& t, const Shape& shape, Shape& out) {
  if (t.numel() == 0 || t.is_contiguous()) {
    out = contiguous_strides(shape);
    return true;
  }
  Shape os, ost;  // old dims without size-1 entries
  for (int64_t i = 0; i < t.dim(); ++i)
    if (t.shape()[i] != 1) {
      os.push_back(t.shape()[i]);
      ost.push_back(t.strides()[i]);
    }
  out.assign(shape.size(), 0);
  size_t oi = 0, oj = 1, ni = 0, nj = 1;
  size_t on = os.size(), nn = shape.size();
  while (ni < nn && oi < on) {
    int64_t np = shape[ni], op = os[oi];
    while (np != op) {
      if (np < op) np *= shape[nj++];
      else op *= os[oj++];
    }
    for (size_t k = oi; k + 1 < oj; ++k)
      if (ost[k] != os[k + 1] * ost[k + 1]) return false;
    out[nj - 1] = ost[oj - 1];
    for (size_t k = nj - 1; k > ni; --k) out[k - 1] = out[k] * shape[k];
    ni = nj++;
    oi = oj++;
  }
  // Remaining new dims are size 1; give them any consistent stride.
  for (size_t k = ni; k < nn; ++k) out[k] = 1;
  return true;
}

Tensor view_impl(const Tensor& t, const Shape& shape, const Shape& strides, const char* name) {
  Tensor out = as_strided(t, shape, strides, t.offset());
  if (autograd::any_requires_grad({t}))
    record(name, {t}, {out}, [in_shape = t.shape()](const auto& g, const auto&) {
      return std::vector<Tensor>{reshape(g[0], in_shape)};
    });
  return out;
}

}  // namespace

Tensor view(const Tensor& t, const Shape& shape) {
  check_defined(t, "view");
  Shape s = infer_shape(shape, t.numel(), "view", t.shape());
  Shape st;
  EMBER_CHECK(view_strides(t, s, st), RuntimeError, "[view] shape ", shape_str(s),
              " is not compatible with the input's strides (shape ", shape_str(t.shape()),
              "); use reshape instead");
  return view_impl(t, s, st, "ViewBackward");
}

Tensor reshape(const Tensor& t, const Shape& shape) {
  check_defined(t, "reshape");
  Shape s = infer_shape(shape, t.numel(), "reshape", t.shape());
  Shape st;
  if (view_strides(t, s, st)) return view_impl(t, s, st, "ReshapeBackward");
  return view_impl(contiguous(t), s, contiguous_strides(s), "ReshapeBackward");
}

Tensor expand(const Tensor& t, const Shape& shape) {
  check_defined(t, "expand");
  EMBER_CHECK(shape.size() >= static_cast<size_t>(t.dim()), ValueError, "[expand] the number of "
              "sizes ", shape.size(), " must be >= the tensor's dims ", t.dim());
  Shape s = shape, st(shape.size(), 0);
  size_t lead = shape.size() - t.dim();
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      EMBER_CHECK(s[i] >= 0, ValueError, "[expand] size -1 is not allowed in a new leading "
                  "dim, got ", shape_str(shape));
      continue;
    }
    int64_t cur = t.shape()[i - lead];
    if (s[i] == -1) s[i] = cur;
    EMBER_CHECK(cur == s[i] || cur == 1, ValueError, "[expand] cannot expand shape ",
                shape_str(t.shape()), " to ", shape_str(shape));
    st[i] = cur == s[i] ? t.strides()[i - lead] : 0;
  }
  Tensor out = as_strided(t, s, st, t.offset());
  if (autograd::any_requires_grad({t}))
    record("ExpandBackward", {t}, {out}, [in_shape = t.shape()](const auto& g, const auto&) {
      return std::vector<Tensor>{autograd::sum_to(g[0], in_shape)};
    });
  return out;
}

Tensor permute(const Tensor& t, const std::vector<int64_t>& dims) {
  check_defined(t, "permute");
  EMBER_CHECK(static_cast<int64_t>(dims.size()) == t.dim(), ValueError, "[permute] expected ",
              t.dim(), " dims for a tensor of shape ", shape_str(t.shape()), ", got ",
              dims.size());
  std::vector<int64_t> d(dims.size()), inverse(dims.size(), -1);
  Shape s(dims.size()), st(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    d[i] = normalize_dim(dims[i], t.dim(), "permute");
    EMBER_CHECK(inverse[d[i]] < 0, ValueError, "[permute] dim ", dims[i], " repeats in ",
                shape_str(dims));
    inverse[d[i]] = static_cast<int64_t>(i);
    s[i] = t.shape()[d[i]];
    st[i] = t.strides()[d[i]];
  }
  Tensor out = as_strided(t, s, st, t.offset());
  if (autograd::any_requires_grad({t}))
    record("PermuteBackward", {t}, {out}, [inverse](const auto& g, const auto&) {
      return std::vector<Tensor>{permute(g[0], inverse)};
    });
  return out;
}

Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1) {
  check_defined(t, "transpose");
  std::vector<int64_t> dims(static_cast<size_t>(t.dim()));
  std::iota(dims.begin(), dims.end(), 0);
  if (t.dim() == 0) return permute(t, dims);
  std::swap(dims[normalize_dim(dim0, t.dim(), "transpose")],
            dims[normalize_dim(dim1, t.dim(), "transpose")]);
  return permute(t, dims);
}

Tensor matrix_t(const Tensor& t) {
  check_defined(t, "t");
  EMBER_CHECK(t.dim() <= 2, ValueError, "[t] expects a tensor with <= 2 dims, got shape ",
              shape_str(t.shape()));
  return t.dim() < 2 ? permute(t, t.dim() == 1 ? std::vector<int64_t>{0} : std::vector<int64_t>{})
                     : transpose(t, 0, 1);
}

Tensor reverse_dims(const Tensor& t) {
  check_defined(t, "T");
  std::vector<int64_t> dims(static_cast<size_t>(t.dim()));
  for (int64_t i = 0; i < t.dim(); ++i) dims[i] = t.dim() - 1 - i;
  return permute(t, dims);
}

Tensor matrix_transpose(const Tensor& t) {
  check_defined(t, "mT");
  EMBER_CHECK(t.dim() >= 2, ValueError, "[mT] expects a tensor with >= 2 dims, got shape ",
              shape_str(t.shape()));
  return transpose(t, -2, -1);
}

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  check_defined(t, "unsqueeze");
  int64_t d = normalize_dim(dim, t.dim() + 1, "unsqueeze");
  Shape s = t.shape(), st = t.strides();
  int64_t stride = d < t.dim() ? t.shape()[d] * t.strides()[d] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  return view_impl(t, s, st, "UnsqueezeBackward");
}

Tensor squeeze(const Tensor& t, const std::optional<std::vector<int64_t>>& dims) {
  check_defined(t, "squeeze");
  std::vector<bool> drop(static_cast<size_t>(t.dim()), !dims.has_value());
  if (dims)
    for (int64_t dim : *dims) {
      int64_t d = normalize_dim(dim, t.dim(), "squeeze");
      if (t.dim() > 0) drop[d] = true;
    }
  Shape s, st;
  for (int64_t i = 0; i < t.dim(); ++i) {
    if (drop[i] && t.shape()[i] == 1) continue;
    s.push_back(t.shape()[i]);
    st.push_back(t.strides()[i]);
  }
  return view_impl(t, s, st, "SqueezeBackward");
}

Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  check_defined(t, "flatten");
  if (t.dim() == 0) return reshape(t, {1});
  int64_t a = normalize_dim(start_dim, t.dim(), "flatten");
  int64_t b = normalize_dim(end_dim, t.dim(), "flatten");
  EMBER_CHECK(a <= b, ValueError, "[flatten] start_dim (", start_dim,
              ") cannot come after end_dim (", end_dim, ")");
  Shape s(t.shape().begin(), t.shape().begin() + a);
  int64_t n = 1;
  for (int64_t i = a; i <= b; ++i) n *= t.shape()[i];
  s.push_back(n);
  s.insert(s.end(), t.shape().begin() + b + 1, t.shape().end());
  return reshape(t, s);
}

Tensor unflatten(const Tensor& t, int64_t dim, const Shape& sizes) {
  check_defined(t, "unflatten");
  EMBER_CHECK(!sizes.empty(), ValueError, "[unflatten] sizes must be non-empty");
  int64_t d = normalize_dim(dim, t.dim(), "unflatten");
  Shape inner = infer_shape(sizes, t.dim() > 0 ? t.shape()[d] : 1, "unflatten",
                            t.dim() > 0 ? Shape{t.shape()[d]} : Shape{});
  Shape s(t.shape().begin(), t.shape().begin() + d);
  s.insert(s.end(), inner.begin(), inner.end());
  if (t.dim() > 0) s.insert(s.end(), t.shape().begin() + d + 1, t.shape().end());
  return reshape(t, s);
}

Tensor movedim(const Tensor& t, const std::vector<int64_t>& source,
               const std::vector<int64_t>& destination) {
  check_defined(t, "movedim");
  EMBER_CHECK(source.size() == destination.size(), ValueError, "[movedim] source and destination "
              "must have the same number of dims, got ", source.size(), " and ",
              destination.size());
  int64_t n = t.dim();
  std::vector<int64_t> perm(static_cast<size_t>(n), -1);
  std::vector<bool> used_src(static_cast<size_t>(n), false);
  for (size_t i = 0; i < source.size(); ++i) {
    int64_t s = normalize_dim(source[i], n, "movedim"), d = normalize_dim(destination[i], n, "movedim");
    EMBER_CHECK(perm[d] < 0 && !used_src[s], ValueError, "[movedim] repeated dim in source ",
                shape_str(source), " or destination ", shape_str(destination));
    perm[d] = s;
    used_src[s] = true;
  }
  int64_t next = 0;
  for (int64_t d = 0; d < n; ++d) {
    if (perm[d] >= 0) continue;
    while (used_src[next]) ++next;
    perm[d] = next++;
  }
  return permute(t, perm);
}

Tensor contiguous(const Tensor& t) {
  check_defined(t, "contiguous");
  return t.is_contiguous() ? t : clone(t);
}

Tensor clone(const Tensor& t) {
  check_defined(t, "clone");
  Tensor out = Tensor::empty(t.shape(), t.dtype());
  {
    autograd::NoGradGuard guard;
    copy_(out, t);
  }
  if (autograd::any_requires_grad({t}))
    record("CloneBackward", {t}, {out}, [](const auto& g, const auto&) {
      return std::vector<Tensor>{g[0]};
    });
  return out;
}

Tensor to_dtype(const Tensor& t, DType dtype) {
  check_defined(t, "to");
  if (t.dtype() == dtype) return t;
  Tensor out = Tensor::empty(t.shape(), dtype);
  {
    autograd::NoGradGuard guard;
    copy_(out, t);
  }
  if (is_floating(dtype) && is_floating(t.dtype()) && autograd::any_requires_grad({t}))
    record("ToCopyBackward", {t}, {out}, [from = t.dtype()](const auto& g, const auto&) {
      return std::vector<Tensor>{to_dtype(g[0], from)};
    });
  return out;
}

Tensor& copy_(Tensor& dst, const Tensor& src) {
  check_defined(dst, "copy_", "destination");
  check_defined(src, "copy_", "source");
  Shape target = broadcast_shapes(dst.shape(), src.shape(), "copy_");
  EMBER_CHECK(target == dst.shape(), ValueError, "[copy_] source of shape ",
              shape_str(src.shape()), " cannot be broadcast to destination shape ",
              shape_str(dst.shape()));
  autograd::check_inplace(dst, "copy_");
  // Overlapping memory (a[1:] = a[:-1]) would read what it already wrote: copy first.
  Tensor source = src.storage() == dst.storage() ? clone(src.detach()) : src;
  const bool grad = autograd::any_requires_grad({dst, src});
  dispatch(dst.dtype(), [&](auto dtag) {
    using D = decltype(dtag);
    dispatch(source.dtype(), [&](auto stag) {
      using S = decltype(stag);
      cpu::StridedLoop<2>(dst.shape(), {&dst, &source}).run([](char** p, const int64_t* s, int64_t n) {
        if (s[0] == sizeof(D) && s[1] == sizeof(S)) {
          D* o = reinterpret_cast<D*>(p[0]);
          const S* x = reinterpret_cast<const S*>(p[1]);
          for (int64_t i = 0; i < n; ++i) o[i] = static_cast<D>(x[i]);
        } else {
          for (int64_t i = 0; i < n; ++i)
            *reinterpret_cast<D*>(p[0] + i * s[0]) = static_cast<D>(*reinterpret_cast<const S*>(p[1] + i * s[1]));
        }
      });
    });
  });
  dst.bump_version();
  // dst's old value is overwritten (no gradient flows to it). The node's output is an alias
  // of dst's memory whose place in the graph dst then takes (its base too, for a view).
  if (grad && is_floating(dst.dtype())) {
    Tensor result = Tensor::view_of(dst.storage(), dst.shape(), dst.strides(), dst.offset(),
                                    dst.dtype());
    record("CopyBackward", {dst, src}, {result},
           [ss = src.shape(), sd = src.dtype()](const auto& g, const auto& node) {
             std::vector<Tensor> r(2);
             if (node.needs_input_grad(0)) r[0] = zeros_like(g[0]);  // like PyTorch
             if (node.needs_input_grad(1)) r[1] = to_dtype(autograd::sum_to(g[0], ss), sd);
             return r;
           });
    autograd::rebase_history(dst, result);
  }
  return dst;
}

}  // namespace ember

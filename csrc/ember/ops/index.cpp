// Basic indexing (views), Python-style getitem/setitem and advanced indexing (index,
// index_put, index_select, masked_select, nonzero) with autograd; see index.h.
// getitem follows PyTorch, not NumPy, where they differ: ints are applied first as views
// (x[0, :, [1, 2]] has shape (4, 2) for x of shape (3, 4, 5)).
#include "ember/ops/index.h"

#include <algorithm>

#include "ember/autograd/function.h"
#include "ember/cpu/index.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::record;
using Grads = std::vector<Tensor>;

namespace {

struct Geometry {
  Shape shape, strides;
  int64_t offset = 0;
};

Geometry apply_spec(const Tensor& t, const BasicIndex& spec) {
  Geometry g;
  g.offset = t.offset();
  size_t na = 0;
  auto insert_axes = [&] {
    while (na < spec.new_axes.size() &&
           spec.new_axes[na] <= static_cast<int64_t>(g.shape.size())) {
      g.shape.push_back(1);
      g.strides.push_back(1);
      ++na;
    }
  };
  for (size_t d = 0; d < spec.dims.size(); ++d) {
    insert_axes();
    const DimSlice& s = spec.dims[d];
    if (s.length > 0 || s.drop) g.offset += s.start * t.strides()[d];
    if (s.drop) continue;
    g.shape.push_back(s.length);
    g.strides.push_back(t.strides()[d] * s.step);
  }
  while (na < spec.new_axes.size()) {
    g.shape.push_back(1);
    g.strides.push_back(1);
    ++na;
  }
  return g;
}

Tensor raw_view(const Tensor& t, const BasicIndex& spec) {
  Geometry g = apply_spec(t, spec);
  return as_strided(t, g.shape, g.strides, g.offset);
}

BasicIndex full_spec(const Tensor& t) {
  BasicIndex s;
  s.dims.resize(static_cast<size_t>(t.dim()));
  for (int64_t d = 0; d < t.dim(); ++d) s.dims[d] = {0, 1, t.shape()[d], false};
  return s;
}

bool is_identity(const BasicIndex& s, const Tensor& t) {
  if (!s.new_axes.empty()) return false;
  for (int64_t d = 0; d < t.dim(); ++d) {
    const DimSlice& x = s.dims[d];
    if (x.drop || x.start != 0 || x.length != t.shape()[d] || (x.step != 1 && x.length > 1))
      return false;
  }
  return true;
}

DimSlice make_slice(int64_t size, int64_t start, int64_t stop, int64_t step, const char* op) {
  EMBER_CHECK(step > 0, ValueError, "[", op, "] step must be greater than zero, got ", step);
  auto norm = [size](int64_t v, int64_t dflt) {
    if (v == kSliceNone) return dflt;
    if (v < 0) v += size;
    return std::clamp<int64_t>(v, 0, size);
  };
  int64_t s = norm(start, 0), e = norm(stop, size);
  int64_t len = e > s ? 1 + (e - s - 1) / step : 0;
  // With <= 1 element the step is irrelevant; dropping it keeps stride * step from overflowing.
  return {s, len > 1 ? step : 1, len, false};
}

int64_t wrap_index(int64_t i, int64_t size, int64_t dim, const char* op) {
  EMBER_CHECK(i >= -size && i < size, IndexError, "[", op, "] index ", i,
              " is out of bounds for dim ", dim, " with size ", size);
  return i < 0 ? i + size : i;
}

// ---- advanced-index geometry shared by index and index_put ----

struct AdvGeometry {
  Shape out_shape;
  std::vector<int64_t> pre, off, post;  // element-offset tables (see cpu/index.h)
  bool post_identity = false;
};

void offsets_of(const Shape& sizes, const Shape& strides, std::vector<int64_t>& out) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  out.assign(static_cast<size_t>(n), 0);
  if (n == 0) return;
  Shape idx(sizes.size(), 0);
  int64_t cur = 0;
  for (int64_t k = 0; k < n; ++k) {
    out[k] = cur;
    for (size_t d = sizes.size(); d-- > 0;) {
      cur += strides[d];
      if (++idx[d] < sizes[d]) break;
      cur -= strides[d] * sizes[d];
      idx[d] = 0;
    }
  }
}

AdvGeometry adv_geometry(const Tensor& t, const std::vector<Tensor>& indices, const char* op) {
  EMBER_CHECK(static_cast<int64_t>(indices.size()) <= t.dim(), IndexError, "[", op,
              "] too many indices for tensor of dimension ", t.dim(), " (got ", indices.size(), ")");
  std::vector<int64_t> adv;
  Shape bshape;
  bool first = true;
  for (size_t d = 0; d < indices.size(); ++d) {
    const Tensor& ix = indices[d];
    if (!ix.defined()) continue;
    EMBER_CHECK(ix.dtype() == DType::Int64, TypeError, "[", op,
                "] tensors used as indices must be int64 (or bool masks), got ",
                dtype_name(ix.dtype()));
    bshape = first ? ix.shape() : broadcast_shapes(bshape, ix.shape(), op);
    first = false;
    adv.push_back(static_cast<int64_t>(d));
  }
  EMBER_CHECK(!adv.empty(), ValueError, "[", op, "] expected at least one index tensor");
  bool adjacent = adv.back() - adv.front() + 1 == static_cast<int64_t>(adv.size());
  Shape pre_s, pre_st, post_s, post_st;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (d < static_cast<int64_t>(indices.size()) && indices[d].defined()) continue;
    bool before = adjacent && d < adv.front();
    (before ? pre_s : post_s).push_back(t.shape()[d]);
    (before ? pre_st : post_st).push_back(t.strides()[d]);
  }
  AdvGeometry g;
  g.out_shape = pre_s;
  g.out_shape.insert(g.out_shape.end(), bshape.begin(), bshape.end());
  g.out_shape.insert(g.out_shape.end(), post_s.begin(), post_s.end());
  numel_of(g.out_shape, op);
  offsets_of(pre_s, pre_st, g.pre);
  offsets_of(post_s, post_st, g.post);
  g.post_identity = true;
  for (size_t q = 0; q < g.post.size() && g.post_identity; ++q)
    g.post_identity = g.post[q] == static_cast<int64_t>(q);
  // off[b]: the indexed dims' contribution; every index is checked here, before any kernel.
  int64_t nb = numel_of(bshape, op);
  g.off.assign(static_cast<size_t>(nb), 0);
  for (int64_t d : adv) {
    Tensor ix = indices[d];
    Shape bst = broadcast_strides(ix.shape(), ix.strides(), bshape);
    std::vector<int64_t> pos;
    offsets_of(bshape, bst, pos);
    const int64_t* p = ix.data<int64_t>();
    int64_t size = t.shape()[d], stride = t.strides()[d];
    for (int64_t b = 0; b < nb; ++b) {
      int64_t v = p[pos[b]];
      if (v < -size || v >= size)
        EMBER_THROW(IndexError, "[", op, "] index ", v, " is out of bounds for dim ", d,
                    " with size ", size);
      g.off[b] += (v < 0 ? v + size : v) * stride;
    }
  }
  return g;
}

// Writes values (already broadcast-compatible, any dtype) into dst at indices; no autograd.
void put_into(Tensor& dst, const std::vector<Tensor>& indices, const Tensor& values,
              bool accumulate, const char* op) {
  AdvGeometry g = adv_geometry(dst, indices, op);
  Shape target = broadcast_shapes(values.shape(), g.out_shape, op);
  EMBER_CHECK(target == g.out_shape, ValueError, "[", op, "] shape mismatch: value tensor of "
              "shape ", shape_str(values.shape()), " cannot be broadcast to indexing result of "
              "shape ", shape_str(g.out_shape));
  autograd::NoGradGuard guard;
  Tensor v = to_dtype(expand(values, g.out_shape), dst.dtype());
  if (!v.is_contiguous() || v.storage() == dst.storage()) v = clone(v);
  int64_t npre = static_cast<int64_t>(g.pre.size()), npost = static_cast<int64_t>(g.post.size());
  cpu::index_put(dst.dtype(), dst.raw_data(), v.raw_data(), g.pre.data(), npre, g.off.data(),
                 static_cast<int64_t>(g.off.size()), g.post_identity ? nullptr : g.post.data(),
                 npost, accumulate);
  dst.bump_version();
}

Tensor index_impl(const Tensor& t, const std::vector<Tensor>& indices, const char* op) {
  check_defined(t, op);
  AdvGeometry g = adv_geometry(t, indices, op);
  Tensor out = Tensor::empty(g.out_shape, t.dtype());
  cpu::index_gather(t.dtype(), out.raw_data(), t.raw_data(), g.pre.data(),
                    static_cast<int64_t>(g.pre.size()), g.off.data(),
                    static_cast<int64_t>(g.off.size()), g.post_identity ? nullptr : g.post.data(),
                    static_cast<int64_t>(g.post.size()));
  if (autograd::any_requires_grad({t}))
    record("IndexBackward", {t}, {out},
           [shape = t.shape(), dtype = t.dtype(), indices](const Grads& gr, const auto&) {
             return Grads{index_put(zeros(shape, dtype), indices, gr[0], true)};
           });
  return out;
}

// ---- Python index parsing ----

struct Parsed {
  BasicIndex spec;
  std::vector<std::pair<int64_t, Tensor>> adv;  // (dim of the view, int64 index tensor)
};

Parsed parse(const Tensor& t, const std::vector<TensorIndex>& index, const char* op) {
  using K = TensorIndex::Kind;
  int64_t consumed = 0, ellipses = 0;
  for (const TensorIndex& ix : index) {
    switch (ix.kind) {
      case K::Int: case K::Slice: ++consumed; break;
      case K::Ellipsis: ++ellipses; break;
      case K::Tensor:
        if (ix.tensor.dim() == 0) consumed += ix.tensor.dtype() == DType::Bool ? 0 : 1;
        else consumed += ix.tensor.dtype() == DType::Bool ? ix.tensor.dim() : 1;
        break;
      default: break;
    }
  }
  EMBER_CHECK(ellipses <= 1, IndexError, "[", op, "] an index can only have a single ellipsis ('...')");
  EMBER_CHECK(consumed <= t.dim(), IndexError, "[", op, "] too many indices for tensor of dimension ",
              t.dim(), " (got ", consumed, ")");
  Parsed p;
  p.spec = full_spec(t);
  int64_t in = 0, out = 0;
  auto take_int = [&](int64_t v) {
    int64_t size = t.shape()[in];
    p.spec.dims[in] = {wrap_index(v, size, in, op), 1, 1, true};
    ++in;
  };
  for (const TensorIndex& ix : index) {
    switch (ix.kind) {
      case K::Int: take_int(ix.i); break;
      case K::Slice:
        p.spec.dims[in] = make_slice(t.shape()[in], ix.start, ix.stop, ix.step, op);
        ++in, ++out;
        break;
      case K::None: p.spec.new_axes.push_back(out++); break;
      case K::Bool:
        EMBER_CHECK(ix.i != 0, NotImplementedError, "[", op, "] indexing with False is not supported");
        p.spec.new_axes.push_back(out++);
        break;
      case K::Ellipsis: in += t.dim() - consumed, out += t.dim() - consumed; break;
      case K::Tensor: {
        const Tensor& x = ix.tensor;
        check_defined(x, op, "index");
        EMBER_CHECK(x.dtype() == DType::Int64 || x.dtype() == DType::Bool, TypeError, "[", op,
                    "] tensors used as indices must be int64 or bool, got ", dtype_name(x.dtype()));
        if (x.dim() == 0 && x.dtype() == DType::Int64) {
          take_int(*x.data<int64_t>());
        } else if (x.dim() == 0) {
          EMBER_CHECK(*x.data<bool>(), NotImplementedError, "[", op,
                      "] indexing with a False 0-d mask is not supported");
          p.spec.new_axes.push_back(out++);
        } else if (x.dtype() == DType::Int64) {
          p.adv.push_back({out++, x});
          ++in;
        } else {
          for (int64_t k = 0; k < x.dim(); ++k)
            EMBER_CHECK(x.shape()[k] == t.shape()[in + k], IndexError, "[", op, "] the shape of "
                        "the mask ", shape_str(x.shape()), " does not match the shape of the "
                        "indexed tensor ", shape_str(t.shape()), " at dim ", in + k);
          Tensor nz = nonzero(x);
          for (int64_t k = 0; k < x.dim(); ++k) p.adv.push_back({out + k, select(nz, 1, k)});
          in += x.dim(), out += x.dim();
        }
        break;
      }
    }
  }
  return p;
}

std::vector<Tensor> view_indices(int64_t ndim, const Parsed& p) {
  std::vector<Tensor> ind(static_cast<size_t>(ndim));
  for (const auto& [d, x] : p.adv) ind[d] = x;
  return ind;
}

}  // namespace

// ---- basic indexing ----

Tensor basic_index(const Tensor& t, const BasicIndex& spec) {
  check_defined(t, "index");
  EMBER_CHECK(static_cast<int64_t>(spec.dims.size()) == t.dim(), ValueError,
              "[index] basic index of rank ", spec.dims.size(), " for a tensor of shape ",
              shape_str(t.shape()));
  Tensor out = raw_view(t, spec);
  if (autograd::any_requires_grad({t}))
    record("SliceBackward", {t}, {out}, [spec, shape = t.shape()](const Grads& g, const auto&) {
      return Grads{basic_index_scatter(Tensor(), shape, g[0], spec)};
    });
  return out;
}

Tensor basic_index_scatter(const Tensor& base, const Shape& shape, const Tensor& src,
                           const BasicIndex& spec) {
  check_defined(src, "slice_scatter", "src");
  Tensor out;
  {
    autograd::NoGradGuard guard;
    out = base.defined() ? clone(base) : zeros(shape, src.dtype());
    Tensor region = raw_view(out, spec);
    Shape target = broadcast_shapes(region.shape(), src.shape(), "slice_scatter");
    EMBER_CHECK(target == region.shape(), ValueError, "[slice_scatter] src of shape ",
                shape_str(src.shape()), " cannot be broadcast to the region of shape ",
                shape_str(region.shape()));
    copy_(region, src);
  }
  if (autograd::any_requires_grad({base, src}))
    record("SliceScatterBackward", {base, src}, {out},
           [spec, ss = src.shape(), sd = src.dtype()](const Grads& g, const auto& node) {
             Grads r(2);
             if (node.needs_input_grad(0))
               r[0] = basic_index_scatter(g[0], g[0].shape(), scalar_tensor(Scalar(0.0), g[0].dtype()), spec);
             if (node.needs_input_grad(1))
               r[1] = to_dtype(autograd::sum_to(basic_index(g[0], spec), ss), sd);
             return r;
           });
  return out;
}

Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  check_defined(t, "narrow");
  EMBER_CHECK(t.dim() > 0, IndexError, "[narrow] cannot be applied to a 0-dim tensor");
  int64_t d = normalize_dim(dim, t.dim(), "narrow"), size = t.shape()[d];
  EMBER_CHECK(start >= -size && start <= size, IndexError, "[narrow] start ", start,
              " is out of range for dim ", d, " with size ", size);
  if (start < 0) start += size;
  EMBER_CHECK(length >= 0 && start + length <= size, ValueError, "[narrow] start (", start,
              ") + length (", length, ") exceeds dimension size (", size, ")");
  BasicIndex s = full_spec(t);
  s.dims[d] = {start, 1, length, false};
  return basic_index(t, s);
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) {
  check_defined(t, "select");
  EMBER_CHECK(t.dim() > 0, IndexError, "[select] cannot be applied to a 0-dim tensor");
  int64_t d = normalize_dim(dim, t.dim(), "select");
  BasicIndex s = full_spec(t);
  s.dims[d] = {wrap_index(index, t.shape()[d], d, "select"), 1, 1, true};
  return basic_index(t, s);
}

Tensor slice(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  check_defined(t, "slice");
  int64_t d = normalize_dim(dim, t.dim(), "slice");
  EMBER_CHECK(t.dim() > 0, IndexError, "[slice] cannot be applied to a 0-dim tensor");
  BasicIndex s = full_spec(t);
  s.dims[d] = make_slice(t.shape()[d], start, end, step, "slice");
  return basic_index(t, s);
}

Tensor slice_scatter(const Tensor& t, const Tensor& src, int64_t dim, int64_t start, int64_t end,
                     int64_t step) {
  check_defined(t, "slice_scatter");
  EMBER_CHECK(t.dim() > 0, IndexError, "[slice_scatter] cannot be applied to a 0-dim tensor");
  int64_t d = normalize_dim(dim, t.dim(), "slice_scatter");
  BasicIndex s = full_spec(t);
  s.dims[d] = make_slice(t.shape()[d], start, end, step, "slice_scatter");
  return basic_index_scatter(t, t.shape(), src, s);
}

Tensor select_scatter(const Tensor& t, const Tensor& src, int64_t dim, int64_t index) {
  check_defined(t, "select_scatter");
  EMBER_CHECK(t.dim() > 0, IndexError, "[select_scatter] cannot be applied to a 0-dim tensor");
  int64_t d = normalize_dim(dim, t.dim(), "select_scatter");
  BasicIndex s = full_spec(t);
  s.dims[d] = {wrap_index(index, t.shape()[d], d, "select_scatter"), 1, 1, true};
  return basic_index_scatter(t, t.shape(), src, s);
}

// ---- getitem / setitem ----

Tensor getitem(const Tensor& t, const std::vector<TensorIndex>& index) {
  check_defined(t, "index");
  Parsed p = parse(t, index, "index");
  if (p.adv.empty()) return basic_index(t, p.spec);
  Tensor v = is_identity(p.spec, t) ? t : basic_index(t, p.spec);
  return index_impl(v, view_indices(v.dim(), p), "index");
}

void setitem(Tensor& t, const std::vector<TensorIndex>& index, const Tensor& value) {
  check_defined(t, "setitem");
  check_defined(value, "setitem", "value");
  Parsed p = parse(t, index, "setitem");
  bool grad = autograd::any_requires_grad({t, value});
  if (grad) autograd::check_inplace(t, "setitem");
  Tensor region = raw_view(t, p.spec);  // no autograd: memory to write into
  if (p.adv.empty()) {
    Shape target = broadcast_shapes(region.shape(), value.shape(), "setitem");
    EMBER_CHECK(target == region.shape(), ValueError, "[setitem] value of shape ",
                shape_str(value.shape()), " cannot be broadcast to the indexed region of shape ",
                shape_str(region.shape()));
    Tensor result = grad ? basic_index_scatter(t, t.shape(), value, p.spec) : Tensor();
    {
      autograd::NoGradGuard guard;
      copy_(region, value);
    }
    if (grad) autograd::rebase_history(t, result);
    return;
  }
  std::vector<Tensor> ind = view_indices(region.dim(), p);
  Tensor result;
  if (grad) {
    bool ident = is_identity(p.spec, t);
    Tensor v = ident ? t : basic_index(t, p.spec);
    Tensor put = index_put(v, ind, value, false);
    result = ident ? put : basic_index_scatter(t, t.shape(), put, p.spec);
  }
  put_into(region, ind, value, false, "setitem");
  if (grad) autograd::rebase_history(t, result);
}

void setitem(Tensor& t, const std::vector<TensorIndex>& index, const Scalar& value) {
  check_defined(t, "setitem");
  if (!autograd::any_requires_grad({t})) {
    Parsed p = parse(t, index, "setitem");
    Tensor region = raw_view(t, p.spec);
    if (p.adv.empty()) {
      fill_(region, value);
      return;
    }
    put_into(region, view_indices(region.dim(), p), scalar_tensor(value, t.dtype()), false,
             "setitem");
    return;
  }
  setitem(t, index, scalar_tensor(value, t.dtype()));
}

// ---- advanced indexing ----

Tensor index(const Tensor& t, const std::vector<Tensor>& indices) {
  return index_impl(t, indices, "index");
}

Tensor index_put(const Tensor& t, const std::vector<Tensor>& indices, const Tensor& values,
                 bool accumulate) {
  check_defined(t, "index_put");
  check_defined(values, "index_put", "values");
  Tensor out;
  {
    autograd::NoGradGuard guard;
    out = clone(t);
  }
  put_into(out, indices, values, accumulate, "index_put");
  if (autograd::any_requires_grad({t, values}))
    record("IndexPutBackward", {t, values}, {out},
           [indices, accumulate, vs = values.shape(), vd = values.dtype()](const Grads& g,
                                                                          const auto& node) {
             Grads r(2);
             if (node.needs_input_grad(0))
               r[0] = accumulate ? g[0]
                                 : index_put(g[0], indices, scalar_tensor(Scalar(0.0), g[0].dtype()));
             if (node.needs_input_grad(1))
               r[1] = to_dtype(autograd::sum_to(index(g[0], indices), vs), vd);
             return r;
           });
  return out;
}

Tensor& index_put_(Tensor& t, const std::vector<Tensor>& indices, const Tensor& values,
                   bool accumulate) {
  check_defined(t, "index_put_");
  check_defined(values, "index_put_", "values");
  bool grad = autograd::any_requires_grad({t, values});
  if (grad) autograd::check_inplace(t, "index_put_");
  Tensor result = grad ? index_put(t, indices, values, accumulate) : Tensor();
  put_into(t, indices, values, accumulate, "index_put_");
  if (grad) autograd::rebase_history(t, result);
  return t;
}

Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index) {
  check_defined(t, "index_select");
  check_defined(index, "index_select", "index");
  EMBER_CHECK(index.dtype() == DType::Int64, TypeError, "[index_select] expected index of dtype "
              "int64, got ", dtype_name(index.dtype()));
  EMBER_CHECK(index.dim() <= 1, ValueError, "[index_select] index must be 0-D or 1-D, got shape ",
              shape_str(index.shape()));
  int64_t d = normalize_dim(dim, t.dim(), "index_select");
  Tensor src = t.dim() == 0 ? reshape(t, {1}) : t;
  std::vector<Tensor> ind(static_cast<size_t>(d + 1));
  ind[d] = reshape(index, {-1});
  Tensor out = index_impl(src, ind, "index_select");
  return t.dim() == 0 ? reshape(out, {}) : out;
}

Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source,
                 const Scalar& alpha) {
  check_defined(t, "index_add");
  check_defined(index, "index_add", "index");
  check_defined(source, "index_add", "source");
  EMBER_CHECK(index.dtype() == DType::Int64, TypeError, "[index_add] expected index of dtype "
              "int64, got ", dtype_name(index.dtype()));
  EMBER_CHECK(index.dim() <= 1, ValueError, "[index_add] index must be 0-D or 1-D, got shape ",
              shape_str(index.shape()));
  int64_t d = normalize_dim(dim, t.dim(), "index_add");
  Shape expect = t.shape();
  if (t.dim() > 0) expect[d] = index.numel();
  EMBER_CHECK(source.shape() == expect || (t.dim() == 0 && source.numel() == 1), ValueError,
              "[index_add] expected source of shape ", shape_str(expect), ", got ",
              shape_str(source.shape()));
  std::vector<Tensor> ind(static_cast<size_t>(d + 1));
  ind[d] = reshape(index, {-1});
  Tensor src = alpha.to_double() == 1.0 ? source : mul(source, alpha);
  if (t.dim() == 0) return reshape(index_put(reshape(t, {1}), ind, reshape(src, {-1}), true), {});
  return index_put(t, ind, src, true);
}

Tensor nonzero(const Tensor& t) {
  check_defined(t, "nonzero");
  Tensor c = contiguous(t.detach());
  int64_t n = c.numel(), nd = c.dim();
  std::vector<int64_t> hits;
  dispatch(c.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = c.data<T>();
    for (int64_t i = 0; i < n; ++i)
      if (p[i] != T(0)) hits.push_back(i);
  });
  Tensor out = Tensor::empty({static_cast<int64_t>(hits.size()), nd}, DType::Int64);
  int64_t* o = out.data<int64_t>();
  for (size_t k = 0; k < hits.size(); ++k) {
    int64_t lin = hits[k];
    for (int64_t d = nd; d-- > 0;) {
      o[k * nd + d] = lin % c.shape()[d];
      lin /= c.shape()[d];
    }
  }
  return out;
}

Tensor masked_select(const Tensor& t, const Tensor& mask) {
  check_defined(t, "masked_select");
  check_defined(mask, "masked_select", "mask");
  EMBER_CHECK(mask.dtype() == DType::Bool, TypeError, "[masked_select] expected a bool mask, got ",
              dtype_name(mask.dtype()));
  Shape shape = broadcast_shapes(t.shape(), mask.shape(), "masked_select");
  if (shape.empty()) shape = {1};
  Tensor te = expand(reshape(t, t.dim() == 0 ? Shape{1} : t.shape()), shape);
  Tensor me = expand(mask.dim() == 0 ? reshape(mask, {1}) : mask, shape);
  Tensor nz = nonzero(me);
  std::vector<Tensor> ind(shape.size());
  for (size_t k = 0; k < shape.size(); ++k) ind[k] = select(nz, 1, static_cast<int64_t>(k));
  return index_impl(te, ind, "masked_select");
}

}  // namespace ember

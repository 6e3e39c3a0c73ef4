// NaN-aware and paired reductions built on the deterministic reductions of reduce.cpp:
// nansum / nanmean (NaN counted as zero; the mean divides by the non-NaN count),
// var_mean / std_mean, aminmax. Gradients come from the ops they are made of (zero at NaN).
#include "ember/ops/creation.h"
#include "ember/ops/math_impl.h"
#include "ember/ops/view.h"

namespace ember {

namespace {
Tensor nan_to_zero(const Tensor& t) {
  return is_floating(t.dtype()) ? where(isnan(t), Scalar(0.0), t) : t;
}
}  // namespace

Tensor nansum(const Tensor& t, const std::vector<int64_t>& dims, bool keepdim,
              std::optional<DType> dtype) {
  check_defined(t, "nansum");
  reduction_dims(t, dims, "nansum");
  return sum(nan_to_zero(t), dims, keepdim, dtype);
}

Tensor nanmean(const Tensor& t, const std::vector<int64_t>& dims, bool keepdim,
               std::optional<DType> dtype) {
  check_defined(t, "nanmean");
  EMBER_CHECK(is_floating(t.dtype()), TypeError, "[nanmean] expected a floating point input "
              "(float32 or float64), got ", dtype_name(t.dtype()));
  EMBER_CHECK(!dtype || is_floating(*dtype), TypeError, "[nanmean] expected a floating point "
              "dtype, got ", dtype_name(*dtype));
  reduction_dims(t, dims, "nanmean");
  Tensor count;
  {
    autograd::NoGradGuard guard;
    count = sum(logical_not(isnan(t)), dims, keepdim);
  }
  return div(sum(nan_to_zero(t), dims, keepdim, dtype), count);
}

TensorPair var_mean(const Tensor& t, const std::vector<int64_t>& dims, double correction,
                    bool keepdim) {
  check_defined(t, "var_mean");
  return {var(t, dims, correction, keepdim), mean(t, dims, keepdim)};
}

TensorPair std_mean(const Tensor& t, const std::vector<int64_t>& dims, double correction,
                    bool keepdim) {
  check_defined(t, "std_mean");
  return {std_dev(t, dims, correction, keepdim), mean(t, dims, keepdim)};
}

TensorPair aminmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  check_defined(t, "aminmax");
  std::vector<int64_t> dims;
  if (dim) dims = reduction_dims(t, {*dim}, "aminmax");
  const bool empty = dims.empty() ? t.numel() == 0 : t.shape()[dims[0]] == 0;  // 0-d: no dims
  EMBER_CHECK(!empty, RuntimeError, "[aminmax] cannot compute aminmax over an empty dimension "
              "(the operation has no identity), got input of shape ", shape_str(t.shape()));
  return {amin(t, dims, keepdim), amax(t, dims, keepdim)};
}

}  // namespace ember

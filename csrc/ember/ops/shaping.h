// Shaping ops and small linear algebra with PyTorch semantics, all compositions of other
// ember ops (so gradients and double backward come from those): diff, rot90, fliplr / flipud,
// kron, block_diag, cartesian_prod, combinations, vander, tensordot, inner, cov, corrcoef,
// cross / linalg.cross, baddbmm, addbmm, addmv, addr, chain_matmul, linalg.multi_dot.
#pragma once
#include <optional>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/ops/scalar.h"

namespace ember {

// n-th forward difference along dim, after concatenating prepend / append (undefined: none).
Tensor diff(const Tensor& t, int64_t n = 1, int64_t dim = -1, const Tensor& prepend = Tensor(),
            const Tensor& append = Tensor());
// Rotation by k * 90 degrees in the plane of dims (from dims[0] towards dims[1]).
Tensor rot90(const Tensor& t, int64_t k = 1, const std::vector<int64_t>& dims = {0, 1});
Tensor fliplr(const Tensor& t);  // flip dim 1 (needs >= 2 dims)
Tensor flipud(const Tensor& t);  // flip dim 0 (needs >= 1 dim)
// Kronecker product (the smaller rank padded with leading size-1 dims).
Tensor kron(const Tensor& a, const Tensor& b);
// Block-diagonal matrix of 0-, 1- (one row) or 2-D tensors.
Tensor block_diag(const std::vector<Tensor>& tensors);
// Cartesian product of 1-D tensors: (prod of sizes, count) (one tensor: itself).
Tensor cartesian_prod(const std::vector<Tensor>& tensors);
// The length-r combinations (with_replacement: multisets) of a 1-D tensor's elements,
// in lexicographic index order: (count, r).
Tensor combinations(const Tensor& t, int64_t r = 2, bool with_replacement = false);
// Vandermonde matrix of a 1-D x with N columns (len(x) when absent): x^(N-1) ... x^0, or
// x^0 ... x^(N-1) when increasing.
Tensor vander(const Tensor& x, std::optional<int64_t> N = std::nullopt, bool increasing = false);

// Contraction of a's dims_a with b's dims_b (pairwise, same sizes).
Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<int64_t>& dims_a,
                 const std::vector<int64_t>& dims_b);
// Contraction of a's last `dims` dims with b's first `dims` dims.
Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims = 2);
// Sum over the last dims of a and b (a scalar operand multiplies).
Tensor inner(const Tensor& a, const Tensor& b);
// Covariance of the rows (variables) of a 1-D or 2-D input over its columns (observations);
// fweights: int64 per-observation counts, aweights: floating per-observation weights.
Tensor cov(const Tensor& t, int64_t correction = 1, const Tensor& fweights = Tensor(),
           const Tensor& aweights = Tensor());
// Pearson correlation coefficients of the rows, clamped to [-1, 1].
Tensor corrcoef(const Tensor& t);
// Cross product of 3-vectors along dim (broadcasting); torch.cross's default dim is the
// first dim of size 3, linalg.cross's is -1.
Tensor cross(const Tensor& a, const Tensor& b, std::optional<int64_t> dim = std::nullopt);
namespace linalg {
Tensor cross(const Tensor& a, const Tensor& b, int64_t dim = -1);
Tensor multi_dot(const std::vector<Tensor>& tensors);
}  // namespace linalg
// beta * input + alpha * product, with input ignored (NaN included) when beta == 0:
// baddbmm: bmm(batch1, batch2); addbmm: bmm summed over the batch; addmv: mv(mat, vec);
// addr: outer(vec1, vec2). input broadcasts to the product's shape.
Tensor baddbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2,
               const Scalar& beta = Scalar(int64_t{1}), const Scalar& alpha = Scalar(int64_t{1}));
Tensor addbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2,
              const Scalar& beta = Scalar(int64_t{1}), const Scalar& alpha = Scalar(int64_t{1}));
Tensor addmv(const Tensor& input, const Tensor& mat, const Tensor& vec,
             const Scalar& beta = Scalar(int64_t{1}), const Scalar& alpha = Scalar(int64_t{1}));
Tensor addr(const Tensor& input, const Tensor& vec1, const Tensor& vec2,
            const Scalar& beta = Scalar(int64_t{1}), const Scalar& alpha = Scalar(int64_t{1}));
// Product of 2-D matrices left to right (PyTorch picks the cheapest order: the values
// agree up to rounding).
Tensor chain_matmul(const std::vector<Tensor>& matrices);

}  // namespace ember

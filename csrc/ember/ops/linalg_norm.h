// Vector and matrix norms with PyTorch semantics: ember::linalg::vector_norm / matrix_norm /
// norm (torch.linalg.*) and ember::norm (torch.norm). Floating inputs only; float32 sums
// accumulate in double. Matrix norms 'nuc', 2 and -2 come from singular values (svdvals).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {
namespace linalg {

// (sum |x|^ord)^(1/ord) over dims (empty = all); ord may be inf (max |x|), -inf (min |x|)
// or 0 (number of nonzeros). dtype casts the input first. Gradients as PyTorch: 0 at a zero
// vector for ord 2, ties of the inf-norm share the gradient evenly.
Tensor vector_norm(const Tensor& x, double ord = 2.0, const std::vector<int64_t>& dims = {},
                   bool keepdim = false, std::optional<DType> dtype = std::nullopt);
// Norm of the matrices over the two dims: ord "fro" or "nuc" (sum of singular values) or a
// number: 1 / -1 (max / min column abs sum), inf / -inf (max / min row abs sum), 2 / -2
// (largest / smallest singular value).
Tensor matrix_norm(const Tensor& a, const std::string& ord = "fro",
                   const std::vector<int64_t>& dims = {-2, -1}, bool keepdim = false,
                   std::optional<DType> dtype = std::nullopt);
Tensor matrix_norm(const Tensor& a, double ord, const std::vector<int64_t>& dims = {-2, -1},
                   bool keepdim = false, std::optional<DType> dtype = std::nullopt);
// torch.linalg.norm's dispatch: one dim -> vector norm, two dims -> matrix norm; with no
// dim, ord absent -> 2-norm of the flattened input, else the input must be 1-D or 2-D.
Tensor norm(const Tensor& x, std::optional<double> ord = std::nullopt,
            const std::optional<std::vector<int64_t>>& dim = std::nullopt, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
Tensor norm(const Tensor& x, const std::string& ord,
            const std::optional<std::vector<int64_t>>& dim = std::nullopt, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);

}  // namespace linalg

// torch.norm / Tensor.norm: a numeric p is vector_norm over dim (all when empty); "fro" is
// the 2-norm over up to two dims; "nuc" is the nuclear norm over two dims.
Tensor norm(const Tensor& x, double p, const std::vector<int64_t>& dim = {}, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
Tensor norm(const Tensor& x, const std::string& p = "fro", const std::vector<int64_t>& dim = {},
            bool keepdim = false, std::optional<DType> dtype = std::nullopt);

}  // namespace ember

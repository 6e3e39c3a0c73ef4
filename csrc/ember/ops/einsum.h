// einsum with torch.einsum's semantics: implicit ('ij,jk') and explicit ('ij,jk->ik') output,
// '...' with broadcasting, repeated subscripts within an operand (diagonals: 'ii->i', 'ii'),
// sums over subscripts absent from the output, any number of operands contracted left to
// right. Built from permute / reshape / bmm / sum / mul, so it is differentiable to any order;
// every two-operand contraction is one bmm. Bad equations raise ValueError naming einsum.
#pragma once
#include <string>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands);

}  // namespace ember

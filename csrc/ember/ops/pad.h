// pad(input, pad, mode, value) with PyTorch's semantics: pad lists (left, right) pairs
// starting from the LAST dim. Modes: "constant" (any number of dims; negative pads crop),
// "reflect", "replicate", "circular" (the last 1-3 dims, input of that many dims plus one or
// two leading ones). The backward is differentiable too (double backward works).
#pragma once
#include <string>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

Tensor pad(const Tensor& input, const std::vector<int64_t>& pad,
           const std::string& mode = "constant", double value = 0.0);

}  // namespace ember

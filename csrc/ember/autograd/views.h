// Autograd of in-place ops on views, PyTorch's semantics. as_strided (so every view op) marks
// a view with its root base. An in-place op on a view rebases the BASE's history (a
// CopySlices node: the base's old gradient outside the view, the new values' gradient inside
// it) and the view becomes a view of the new base; any view whose base changed history since
// its own was set regenerates it from the base on next use. Limits: the base must be
// contiguous, and a view whose elements overlap (expand) cannot be written in place (both
// raise, as overlap does in PyTorch).
#pragma once
#include "ember/core/tensor.h"

namespace ember::autograd {

// Part of rebase_history: self (a view) now holds result; rebases its base.
void rebase_view(Tensor& self, const Tensor& result);
// Part of gradient_edge: regenerates t's history when t is a view of a changed base.
void refresh_view(const Tensor& t);

}  // namespace ember::autograd

// Rotary position embeddings (RoPE): apply_rotary_emb rotates pairs of features of x by
// position-dependent angles given as cos/sin tables. float32 (fused per-ISA kernel) and
// float64. Shape letters: L positions, D head dim (even), D/2 rotated pairs.
#pragma once
#include "ember/core/tensor.h"

namespace ember {

// x (..., L, D) with D even; cos, sin (L, D/2) of x's dtype, cos[l, i] = cos(theta_l,i).
// For pair i of position l with angle a = theta_l,i the pair (u, w) becomes
//   (u cos a - w sin a,  w cos a + u sin a),
// where the pair is
//   interleaved = false (half-split, GPT-NeoX / Llama-HF `rotate_half` layout):
//     u = x[..., i], w = x[..., i + D/2];
//   interleaved = true (GPT-J / original RoFormer layout): u = x[..., 2i], w = x[..., 2i+1].
// The usual angles are theta_l,i = (offset + l) * base^(-2i/D) (RotaryEmbedding builds them).
// Differentiable in x (the backward is the rotation by -a, itself this op, so double
// backward works) and in cos / sin (gradients summed over the leading dims of x).
Tensor apply_rotary_emb(const Tensor& x, const Tensor& cos, const Tensor& sin,
                        bool interleaved = false);

}  // namespace ember

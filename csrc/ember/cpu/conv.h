// CPU kernels of 2-D convolution (conv1d runs as H = 1): forward, backward-data and
// backward-weight by im2col tiles (never the whole im2col matrix): float32 small filter
// volumes by a direct channel-major kernel, larger ones packed straight into the GEMM's
// micro-panels; 1x1 kernels on the direct kernel (float32 forward and backward-data) or
// GEMMs, register-blocked direct loops for
// depthwise, and a plain 7-loop reference. float32 and float64; contiguous NCHW inputs; arguments checked by ops/conv.cpp.
// Kernels raise MemoryError (after their parallel region) when scratch memory runs out.
#pragma once
#include <cstdint>

namespace ember::cpu {

// Geometry of one convolution: input (N, C, H, W), weight (K, C / G, KH, KW), output
// (N, K, OH, OW). ph / pw are the top / left paddings (the bottom / right ones are implied
// by OH / OW, so asymmetric 'same' padding needs nothing more).
struct ConvGeom {
  int64_t N, C, H, W, K, KH, KW, OH, OW;
  int64_t sh, sw, ph, pw, dh, dw, G;
};

// out = conv(x, w) (+ bias when non-null). Overwrites out.
template <class T>
void conv2d_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* out);
// dx = conv^T(dy, w): the gradient w.r.t. the input (and conv_transpose2d's forward).
template <class T>
void conv2d_backward_input(const ConvGeom& g, const T* dy, const T* w, T* dx);
// dw = sum over batch and positions of dy x im2col(x). Fixed summation order.
template <class T>
void conv2d_backward_weight(const ConvGeom& g, const T* x, const T* dy, T* dw);
// F.unfold / F.fold: im2col / col2im of whole images (g.K and g.G unused). col is
// (N, C * KH * KW, OH * OW), rows (c, i, j); col2im overwrites out (N, C, H, W) with the sum
// of the overlapping patch entries, in a fixed order per channel (items are (n, c) planes).
template <class T>
void im2col(const ConvGeom& g, const T* x, T* col);
template <class T>
void col2im(const ConvGeom& g, const T* col, T* out);
// Direct 7-loop reference forward (single-threaded); tests compare the tuned paths to it.
template <class T>
void conv2d_reference(const ConvGeom& g, const T* x, const T* w, const T* bias, T* out);

}  // namespace ember::cpu

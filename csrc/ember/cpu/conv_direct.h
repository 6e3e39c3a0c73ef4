// The float32 direct convolution path (cpu/conv_direct.cpp), used by cpu/conv.cpp: filter
// volumes C_in / G * kh * kw <= 640 run as weight rows x im2col panels (positions as vector
// lanes; several small images per panel; wide maps with 'same'-style padding read the
// unpadded input, or for strides its OH x OW phase planes, with the padding taps masked off
// per lane; other wide maps read the padded input or its phase planes in place), and 1x1
// forwards read the input planes as they are.
// Contiguous NCHW, arguments already checked; results independent of thread count.
#pragma once
#include <cstdint>

#include "ember/cpu/conv.h"

namespace ember::cpu {

// Whether the direct kernels are vectorised on this CPU: they are written over
// cpu/isa/simd.h (AVX-512 and AVX2); the baseline build's fallbacks are scalar (20 to 25x
// slower than torch, where the GEMM paths run at 1.0 to 1.6x), so baseline callers take the
// GEMM paths.
bool direct_vectorised();
// Whether 1x1 / stride 1 / no padding convolutions run on conv_forward_pointwise here.
bool pointwise_direct();
// Whether the direct path serves this (non-depthwise) geometry (on this CPU).
bool use_direct(const ConvGeom& g);
// Whether conv_backward_weight_direct serves this geometry (on this CPU).
bool use_direct_wgrad(const ConvGeom& g);
// out = conv(x, w) (+ bias). False when scratch memory runs out.
bool conv_forward_direct(const ConvGeom& g, const float* x, const float* w, const float* bias,
                         float* out);
// 1x1 / stride 1 / no padding forward (any size) on the direct kernel, no input copy; for
// direct_vectorised() CPUs.
bool conv_forward_pointwise(const ConvGeom& g, const float* x, const float* w,
                            const float* bias, float* out);
// dw = the weight gradient given x and dy. False when scratch memory runs out.
bool conv_backward_weight_direct(const ConvGeom& g, const float* x, const float* dy, float* dw);

}  // namespace ember::cpu

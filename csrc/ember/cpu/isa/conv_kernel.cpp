// Depthwise convolution (one filter per channel) over one (n, c) plane, float32, compiled
// per ISA. Direct loops: for each output row and filter tap, a strided axpy over the valid
// output columns (contiguous when the stride is 1, so it vectorises). Single-threaded.
#include <cstdint>

namespace ember::cpu::EMBER_ISA {

void depthwise_conv_plane_f32(const float* x, int64_t H, int64_t W, const float* w, int64_t KH,
                              int64_t KW, float bias, float* out, int64_t OH, int64_t OW,
                              int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
                              int64_t dw) {
  for (int64_t oh = 0; oh < OH; ++oh) {
    float* o = out + oh * OW;
    for (int64_t ow = 0; ow < OW; ++ow) o[ow] = bias;
    for (int64_t i = 0; i < KH; ++i) {
      const int64_t ih = oh * sh - ph + i * dh;
      if (ih < 0 || ih >= H) continue;
      const float* xr = x + ih * W;
      for (int64_t j = 0; j < KW; ++j) {
        const int64_t off = j * dw - pw;
        // output columns whose input column ow * sw + off lies in [0, W)
        int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        int64_t hi = W - 1 - off >= 0 ? (W - 1 - off) / sw + 1 : 0;
        if (hi > OW) hi = OW;
        const float wv = w[i * KW + j];
        const float* xs = xr + off;
        if (sw == 1) {
          for (int64_t ow = lo; ow < hi; ++ow) o[ow] += wv * xs[ow];
        } else {
          for (int64_t ow = lo; ow < hi; ++ow) o[ow] += wv * xs[ow * sw];
        }
      }
    }
  }
}

}  // namespace ember::cpu::EMBER_ISA

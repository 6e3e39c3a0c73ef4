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

namespace ember::cpu::EMBER_ISA {

// dx (H x W) = depthwise conv^T of dy (OH x OW) with filter w: overwrites dx.
void depthwise_conv_plane_bwd_input_f32(const float* dy, int64_t OH, int64_t OW, const float* w,
                                        int64_t KH, int64_t KW, float* dx, int64_t H, int64_t W,
                                        int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                                        int64_t dh, int64_t dw) {
  for (int64_t e = 0; e < H * W; ++e) dx[e] = 0.0f;
  for (int64_t oh = 0; oh < OH; ++oh) {
    const float* g = dy + oh * OW;
    for (int64_t i = 0; i < KH; ++i) {
      const int64_t ih = oh * sh - ph + i * dh;
      if (ih < 0 || ih >= H) continue;
      float* xr = dx + ih * W;
      for (int64_t j = 0; j < KW; ++j) {
        const int64_t off = j * dw - pw;
        int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        int64_t hi = W - 1 - off >= 0 ? (W - 1 - off) / sw + 1 : 0;
        if (hi > OW) hi = OW;
        const float wv = w[i * KW + j];
        float* xs = xr + off;
        if (sw == 1) {
          for (int64_t ow = lo; ow < hi; ++ow) xs[ow] += wv * g[ow];
        } else {
          for (int64_t ow = lo; ow < hi; ++ow) xs[ow * sw] += wv * g[ow];
        }
      }
    }
  }
}

// out[i * KW + j] = sum over (oh, ow) of dy[oh][ow] * x[ih][iw] for one plane. acc: OW floats
// of scratch; per-column sums run down the rows (vectorised), then add up in column order.
void depthwise_conv_plane_bwd_weight_f32(const float* x, int64_t H, int64_t W, const float* dy,
                                         int64_t OH, int64_t OW, int64_t KH, int64_t KW,
                                         int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                                         int64_t dh, int64_t dw, float* acc, float* out) {
  for (int64_t i = 0; i < KH; ++i)
    for (int64_t j = 0; j < KW; ++j) {
      const int64_t off = j * dw - pw;
      int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
      int64_t hi = W - 1 - off >= 0 ? (W - 1 - off) / sw + 1 : 0;
      if (hi > OW) hi = OW;
      for (int64_t ow = 0; ow < OW; ++ow) acc[ow] = 0.0f;
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t ih = oh * sh - ph + i * dh;
        if (ih < 0 || ih >= H) continue;
        const float* g = dy + oh * OW;
        const float* xs = x + ih * W + off;
        if (sw == 1) {
          for (int64_t ow = lo; ow < hi; ++ow) acc[ow] += g[ow] * xs[ow];
        } else {
          for (int64_t ow = lo; ow < hi; ++ow) acc[ow] += g[ow] * xs[ow * sw];
        }
      }
      float s = 0.0f;
      for (int64_t ow = lo; ow < hi; ++ow) s += acc[ow];
      out[i * KW + j] = s;
    }
}

}  // namespace ember::cpu::EMBER_ISA

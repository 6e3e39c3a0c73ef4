// Fused float32 optimizer updates (SGD, Adam/AdamW, RMSprop, Adagrad): one pass per chunk
// reading param, grad and state and writing them in place. Single-threaded over raw
// pointers; the caller (csrc/ember/optim/*.cpp) threads and converts scalars. The op order
// follows PyTorch's single-tensor (foreach=False) formulas, with FMA where torch's
// vectorised add/lerp use it, so results track torch to a few ulp per step.
#include <cstdint>
#include <cstring>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

// GCC 12 flags _mm512_undefined_ps inside its own AVX-512 headers (a known false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace ember::cpu::EMBER_ISA {

namespace {

#if defined(__AVX512F__)
constexpr int64_t W = 16;
using V = __m512;
inline V ld(const float* p) { return _mm512_loadu_ps(p); }
inline void st(float* p, V v) { _mm512_storeu_ps(p, v); }
inline V set1(float x) { return _mm512_set1_ps(x); }
inline V add(V a, V b) { return _mm512_add_ps(a, b); }
inline V sub(V a, V b) { return _mm512_sub_ps(a, b); }
inline V mul(V a, V b) { return _mm512_mul_ps(a, b); }
inline V dv(V a, V b) { return _mm512_div_ps(a, b); }
inline V vsqrt(V a) { return _mm512_sqrt_ps(a); }
inline V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }  // a*b+c, one rounding
inline V neg(V a) { return _mm512_sub_ps(_mm512_setzero_ps(), a); }
// max that propagates NaN like torch.maximum.
inline V vmax(V a, V b) {
  __mmask16 nan = _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q);
  return _mm512_mask_blend_ps(nan, _mm512_max_ps(a, b), _mm512_add_ps(a, b));
}
#elif defined(__AVX2__)
constexpr int64_t W = 8;
using V = __m256;
inline V ld(const float* p) { return _mm256_loadu_ps(p); }
inline void st(float* p, V v) { _mm256_storeu_ps(p, v); }
inline V set1(float x) { return _mm256_set1_ps(x); }
inline V add(V a, V b) { return _mm256_add_ps(a, b); }
inline V sub(V a, V b) { return _mm256_sub_ps(a, b); }
inline V mul(V a, V b) { return _mm256_mul_ps(a, b); }
inline V dv(V a, V b) { return _mm256_div_ps(a, b); }
inline V vsqrt(V a) { return _mm256_sqrt_ps(a); }
inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
inline V neg(V a) { return _mm256_sub_ps(_mm256_setzero_ps(), a); }
inline V vmax(V a, V b) {
  V nan = _mm256_cmp_ps(a, b, _CMP_UNORD_Q);
  return _mm256_blendv_ps(_mm256_max_ps(a, b), _mm256_add_ps(a, b), nan);
}
#else
constexpr int64_t W = 1;
using V = float;
inline V ld(const float* p) { return *p; }
inline void st(float* p, V v) { *p = v; }
inline V set1(float x) { return x; }
inline V add(V a, V b) { return a + b; }
inline V sub(V a, V b) { return a - b; }
inline V mul(V a, V b) { return a * b; }
inline V dv(V a, V b) { return a / b; }
inline V vsqrt(V a) { return __builtin_sqrtf(a); }
inline V fma(V a, V b, V c) { return a * b + c; }
inline V neg(V a) { return -a; }
inline V vmax(V a, V b) { return (a != a || b != b) ? a + b : (a > b ? a : b); }
#endif

// Runs block(ptrs, i) over full vectors, then once more on a padded copy of the tail so
// every element sees the same arithmetic (thread count cannot change results either way:
// chunk sizes are multiples of W).
template <int N, class Block>
void run(float* const (&arrays)[N], int64_t n, const Block& block) {
  int64_t i = 0;
  for (; i + W <= n; i += W) block(arrays, i);
  if (i < n) {
    float tail[N][W];
    float* tp[N];
    int64_t r = n - i;
    for (int k = 0; k < N; ++k) {
      tp[k] = tail[k];
      for (int64_t j = 0; j < W; ++j) tail[k][j] = 1.0f;
      if (arrays[k]) std::memcpy(tail[k], arrays[k] + i, sizeof(float) * r);
      else tp[k] = nullptr;
    }
    block(tp, 0);
    for (int k = 0; k < N; ++k)  // index 1 is the grad: read only
      if (arrays[k] && k != 1) std::memcpy(arrays[k] + i, tail[k], sizeof(float) * r);
  }
}

}  // namespace

// flags: 1 maximize, 2 weight decay, 4 momentum, 8 first momentum step, 16 nesterov.
void sgd_step_f32(float* p, const float* g, float* buf, int64_t n, float wd, float momentum,
                  float one_minus_dampening, float neg_lr, int flags) {
  const V vwd = set1(wd), vmom = set1(momentum), vdamp = set1(one_minus_dampening),
          vlr = set1(neg_lr);
  float* arrays[3] = {p, const_cast<float*>(g), buf};
  run<3>(arrays, n, [&](float* const (&a)[3], int64_t i) {
    V pv = ld(a[0] + i), gv = ld(a[1] + i);
    if (flags & 1) gv = neg(gv);
    if (flags & 2) gv = fma(pv, vwd, gv);  // grad.add(param, alpha=wd)
    if (flags & 4) {
      V b;
      if (flags & 8) b = gv;  // buf = grad.clone()
      else b = fma(gv, vdamp, mul(ld(a[2] + i), vmom));  // buf.mul_(m).add_(grad, alpha=1-d)
      st(a[2] + i, b);
      gv = (flags & 16) ? fma(b, vmom, gv) : b;
    }
    st(a[0] + i, fma(gv, vlr, pv));  // param.add_(grad, alpha=-lr)
  });
}

// flags: 1 maximize, 2 L2 weight decay (Adam), 4 decoupled decay (AdamW), 8 amsgrad,
// 16 lerp weight >= 0.5 (torch's lerp then anchors at the end point).
void adam_step_f32(float* p, const float* g, float* m, float* v, float* vmax_, int64_t n,
                   float wd, float decay_mul, float lerp_w, float beta2, float one_minus_beta2,
                   float bc2_sqrt, float eps, float neg_step, int flags) {
  const V vwd = set1(wd), vdecay = set1(decay_mul), vb2 = set1(beta2),
          vomb2 = set1(one_minus_beta2), vbc2 = set1(bc2_sqrt), veps = set1(eps),
          vstep = set1(neg_step);
  const bool big = flags & 16;
  const V vcoef = set1(big ? lerp_w - 1.0f : lerp_w);
  float* arrays[5] = {p, const_cast<float*>(g), m, v, vmax_};
  run<5>(arrays, n, [&](float* const (&a)[5], int64_t i) {
    V pv = ld(a[0] + i), gv = ld(a[1] + i), mv = ld(a[2] + i), vv = ld(a[3] + i);
    if (flags & 1) gv = neg(gv);
    if (flags & 4) pv = mul(pv, vdecay);        // param.mul_(1 - lr * wd)
    else if (flags & 2) gv = fma(pv, vwd, gv);  // grad.add(param, alpha=wd)
    mv = fma(vcoef, sub(gv, mv), big ? gv : mv);  // exp_avg.lerp_(grad, 1 - beta1)
    vv = mul(vv, vb2);                            // exp_avg_sq.mul_(beta2)
    vv = add(vv, mul(mul(vomb2, gv), gv));        // .addcmul_(grad, grad, 1 - beta2)
    V sq = vv;
    if (flags & 8) {
      sq = vmax(ld(a[4] + i), vv);
      st(a[4] + i, sq);
    }
    V denom = add(dv(vsqrt(sq), vbc2), veps);
    pv = add(pv, dv(mul(vstep, mv), denom));  // param.addcdiv_(exp_avg, denom, -step_size)
    st(a[0] + i, pv);
    st(a[2] + i, mv);
    st(a[3] + i, vv);
  });
}

// flags: 1 maximize, 2 weight decay, 4 centered, 8 momentum.
void rmsprop_step_f32(float* p, const float* g, float* sq, float* gavg, float* buf, int64_t n,
                      float wd, float alpha, float one_minus_alpha, float eps, float momentum,
                      float neg_lr, int flags) {
  const V vwd = set1(wd), valpha = set1(alpha), voma = set1(one_minus_alpha), veps = set1(eps),
          vmom = set1(momentum), vlr = set1(neg_lr), vone = set1(1.0f), vmone = set1(-1.0f);
  // grad_avg.lerp_(grad, 1 - alpha): torch anchors at the end point when the weight >= 0.5.
  const bool big = !(one_minus_alpha < 0.5f && one_minus_alpha > -0.5f);
  const V vcoef = set1(big ? one_minus_alpha - 1.0f : one_minus_alpha);
  float* arrays[5] = {p, const_cast<float*>(g), sq, gavg, buf};
  run<5>(arrays, n, [&](float* const (&a)[5], int64_t i) {
    V pv = ld(a[0] + i), gv = ld(a[1] + i), sv = ld(a[2] + i);
    if (flags & 1) gv = neg(gv);
    if (flags & 2) gv = fma(pv, vwd, gv);
    sv = add(mul(sv, valpha), mul(mul(voma, gv), gv));
    st(a[2] + i, sv);
    V avg;
    if (flags & 4) {
      V ga = ld(a[3] + i);
      ga = fma(vcoef, sub(gv, ga), big ? gv : ga);
      st(a[3] + i, ga);
      avg = vsqrt(add(sv, mul(mul(vmone, ga), ga)));  // square_avg.addcmul(ga, ga, -1).sqrt_()
    } else {
      avg = vsqrt(sv);
    }
    avg = add(avg, veps);
    if (flags & 8) {
      V b = add(mul(ld(a[4] + i), vmom), dv(mul(vone, gv), avg));  // buf.mul_(m).addcdiv_(g, avg)
      st(a[4] + i, b);
      pv = fma(b, vlr, pv);  // param.add_(buf, alpha=-lr)
    } else {
      pv = add(pv, dv(mul(vlr, gv), avg));  // param.addcdiv_(grad, avg, value=-lr)
    }
    st(a[0] + i, pv);
  });
}

// flags: 1 maximize, 2 weight decay.
void adagrad_step_f32(float* p, const float* g, float* sum, int64_t n, float wd, float eps,
                      float neg_clr, int flags) {
  const V vwd = set1(wd), veps = set1(eps), vclr = set1(neg_clr), vone = set1(1.0f);
  float* arrays[3] = {p, const_cast<float*>(g), sum};
  run<3>(arrays, n, [&](float* const (&a)[3], int64_t i) {
    V pv = ld(a[0] + i), gv = ld(a[1] + i), sv = ld(a[2] + i);
    if (flags & 1) gv = neg(gv);
    if (flags & 2) gv = fma(pv, vwd, gv);
    sv = add(sv, mul(mul(vone, gv), gv));  // state_sum.addcmul_(grad, grad, value=1)
    st(a[2] + i, sv);
    V std_ = add(vsqrt(sv), veps);
    st(a[0] + i, add(pv, dv(mul(vclr, gv), std_)));  // param.addcdiv_(grad, std, -clr)
  });
}

}  // namespace ember::cpu::EMBER_ISA

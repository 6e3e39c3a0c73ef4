// Flash-style attention kernels (float32 / float64): per-ISA tile kernels (cpu/isa/
// attention_kernel.cpp) and the threaded drivers (cpu/attention.cpp). Score tiles live in a
// per-task scratch buffer; no L x S matrix is ever allocated, forward or backward. Every
// output element is produced by one task in a fixed order: bitwise identical for any
// thread count. Rows whose mask hides every key give zeros and log-sum-exp = +inf.
#pragma once
#include <cstdint>

#include "ember/cpu/isa.h"

namespace ember::cpu {

constexpr int64_t kAttnTileQ = 64;   // query rows per task / tile
constexpr int64_t kAttnTileK = 128;  // key rows per score tile
constexpr int64_t kAttnRowMode = 2;  // query tiles this small run the one-row-at-a-time path

// One (batch, head) problem. Matrices have unit stride along their last dim; *_rs are row
// strides in elements. Mask: at most one of mask_b (bool as bytes, true = attend) / mask_f
// (additive), element (i, j) at [i * m_rs + j * m_cs] (0 strides for broadcast dims).
template <class T>
struct AttnArgs {
  const T *q = nullptr, *k = nullptr, *v = nullptr;
  int64_t q_rs = 0, k_rs = 0, v_rs = 0;
  const unsigned char* mask_b = nullptr;
  const T* mask_f = nullptr;
  int64_t m_rs = 0, m_cs = 0;
  int64_t L = 0, S = 0, E = 0, Ev = 0;
  bool causal = false;
  T scale = 1;
  // forward outputs: out rows of Ev (contiguous), lse per query row
  T* out = nullptr;
  T* lse = nullptr;  // read by backward
  // backward: dout rows of Ev (contiguous), delta = rowsum(dout * out); outputs contiguous
  const T* dout = nullptr;
  const T* delta = nullptr;
  T *dq = nullptr, *dk = nullptr, *dv = nullptr;
  T* scratch = nullptr;  // attn_scratch_size(E, Ev) elements, private to the calling task
};

// Elements of scratch one task needs.
int64_t attn_scratch_size(int64_t E, int64_t Ev);

// Problem-level drivers (parallel over batch x tiles). args[b] describes batch element b.
template <class T>
void attention_forward(int64_t nbatch, AttnArgs<T>* args);
template <class T>
void attention_backward(int64_t nbatch, AttnArgs<T>* args);

#define EMBER_ATTN_DECLARE(T)                                                               \
  EMBER_ISA_DECLARE(void, attn_forward_tile, (const AttnArgs<T>* a, int64_t i0, int64_t nq)) \
  EMBER_ISA_DECLARE(void, attn_backward_kv_tile, (const AttnArgs<T>* a, int64_t j0,          \
                                                  int64_t nk))                               \
  EMBER_ISA_DECLARE(void, attn_backward_q_tile, (const AttnArgs<T>* a, int64_t i0, int64_t nq)) \
  EMBER_ISA_DECLARE(void, attn_backward_head, (const AttnArgs<T>* a))

EMBER_ATTN_DECLARE(float)
EMBER_ATTN_DECLARE(double)

}  // namespace ember::cpu

// Threaded drivers of the flash-attention tile kernels (cpu/attention.h): forward parallel
// over (batch, query tile); backward computes D = rowsum(dO * O), then dK/dV parallel over
// (batch, key tile) and dQ parallel over (batch, query tile). Each task owns its outputs, so
// no atomics and no thread-count dependence.
#include "ember/cpu/attention.h"

#include <memory>

#include "ember/core/parallel.h"

namespace ember::cpu {

int64_t attn_scratch_size(int64_t E, int64_t Ev) {
  return (E + Ev + 2 * kAttnTileK + 8) * kAttnTileQ + E + 2 * kAttnTileK + 64;
}

namespace {
int64_t tiles(int64_t n, int64_t t) { return (n + t - 1) / t; }
// Tasks per chunk: small problems run in one chunk (waking threads costs more than the
// work); depends only on sizes, so chunking never depends on the thread count.
int64_t grain_for(int64_t rows, int64_t keys, int64_t E, int64_t Ev) {
  const int64_t work = (rows > 0 ? rows : 1) * (keys > 0 ? keys : 1) * (E + Ev + 16);
  return work >= (int64_t{1} << 17) ? 1 : ((int64_t{1} << 17) + work - 1) / work;
}
}  // namespace

template <class T>
void attention_forward(int64_t nbatch, AttnArgs<T>* args) {
  if (nbatch <= 0) return;
  const int64_t L = args[0].L, nt = tiles(L, kAttnTileQ);
  const int64_t ssize = attn_scratch_size(args[0].E, args[0].Ev);
  const int64_t grain = grain_for(L < kAttnTileQ ? L : kAttnTileQ, args[0].S, args[0].E, args[0].Ev);
  parallel_for(nbatch * nt, grain, [&](int64_t t0, int64_t t1) {
    std::unique_ptr<T[]> scratch(new T[static_cast<size_t>(ssize)]);  // uninitialised
    for (int64_t t = t0; t < t1; ++t) {
      AttnArgs<T> a = args[t / nt];
      a.scratch = scratch.get();
      const int64_t i0 = t % nt * kAttnTileQ;
      const int64_t nq = L - i0 < kAttnTileQ ? L - i0 : kAttnTileQ;
      EMBER_ISA_CALL(attn_forward_tile, &a, i0, nq);
    }
  });
}

template <class T>
void attention_backward(int64_t nbatch, AttnArgs<T>* args) {
  if (nbatch <= 0) return;
  const int64_t L = args[0].L, S = args[0].S, Ev = args[0].Ev;
  const int64_t ssize = attn_scratch_size(args[0].E, Ev);
  // D = rowsum(dO * O), written into the (caller-owned, writable) delta buffers.
  parallel_for(nbatch * L, 1024, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const AttnArgs<T>& a = args[r / L];
      const int64_t i = r % L;
      const T *o = a.out + i * Ev, *d = a.dout + i * Ev;
      T acc = 0;
      for (int64_t e = 0; e < Ev; ++e) acc += o[e] * d[e];
      const_cast<T*>(a.delta)[i] = acc;
    }
  });
  const int64_t nkt = tiles(S, kAttnTileK), nqt = tiles(L, kAttnTileQ);
  const int64_t E = args[0].E;
  if (nbatch >= 2 * get_num_threads()) {
    // Enough heads to keep every thread busy: one task per head, no score recomputation
    // for dQ. Bitwise identical to the two-pass scheme below (same operations in the same
    // order per element), so choosing by thread count keeps results thread-independent.
    parallel_for(nbatch, grain_for(L, S, E, Ev), [&](int64_t b0, int64_t b1) {
      std::unique_ptr<T[]> scratch(new T[static_cast<size_t>(ssize)]);  // uninitialised
      for (int64_t b = b0; b < b1; ++b) {
        AttnArgs<T> a = args[b];
        a.scratch = scratch.get();
        EMBER_ISA_CALL(attn_backward_head, &a);
      }
    });
    return;
  }
  parallel_for(nbatch * nkt, grain_for(L, S < kAttnTileK ? S : kAttnTileK, E, Ev),
               [&](int64_t t0, int64_t t1) {
    std::unique_ptr<T[]> scratch(new T[static_cast<size_t>(ssize)]);  // uninitialised
    for (int64_t t = t0; t < t1; ++t) {
      AttnArgs<T> a = args[t / nkt];
      a.scratch = scratch.get();
      const int64_t j0 = t % nkt * kAttnTileK;
      EMBER_ISA_CALL(attn_backward_kv_tile, &a, j0, S - j0 < kAttnTileK ? S - j0 : kAttnTileK);
    }
  });
  parallel_for(nbatch * nqt, grain_for(L < kAttnTileQ ? L : kAttnTileQ, S, E, Ev),
               [&](int64_t t0, int64_t t1) {
    std::unique_ptr<T[]> scratch(new T[static_cast<size_t>(ssize)]);  // uninitialised
    for (int64_t t = t0; t < t1; ++t) {
      AttnArgs<T> a = args[t / nqt];
      a.scratch = scratch.get();
      const int64_t i0 = t % nqt * kAttnTileQ;
      EMBER_ISA_CALL(attn_backward_q_tile, &a, i0, L - i0 < kAttnTileQ ? L - i0 : kAttnTileQ);
    }
  });
}

template void attention_forward<float>(int64_t, AttnArgs<float>*);
template void attention_forward<double>(int64_t, AttnArgs<double>*);
template void attention_backward<float>(int64_t, AttnArgs<float>*);
template void attention_backward<double>(int64_t, AttnArgs<double>*);

}  // namespace ember::cpu

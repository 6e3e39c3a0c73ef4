// Fused recurrent layer kernels (see rnn.h). Forward: per step gates = bias + x_t W_ih^T +
// h W_hh^T (GRU: the h part in a separate buffer, since r multiplies W_hn h + b_hn), then one
// gate kernel over the active rows. Batches of 16+ rows split their rows between threads for
// the whole sequence (rows never interact: no barrier per step); smaller ones split each
// step's columns and project the input a block of steps ahead. Backward: per step one gate
// kernel and one GEMM dh_{t-1} = dgates_t W_hh (rows split the same way); then dx, dW_ih,
// dW_hh, dW_hr as one GEMM each over all L*N rows and bias grads as ordered column sums.
// A float32 batch of one without projection takes the latency path of cpu/rnn_row.cpp.
#include "ember/cpu/rnn.h"

#include <cmath>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <memory>
#include <type_traits>

#include "ember/core/parallel.h"
#include "ember/cpu/gemm.h"
#include "ember/cpu/gemm_kernels.h"
#include "ember/cpu/isa.h"
#include "ember/cpu/rnn_row.h"

namespace ember::cpu {

EMBER_ISA_DECLARE(void, rnn_lstm_forward, (int64_t rows, int64_t H, int64_t W, float* g, int64_t gs,
                                           float* c, float* cprev, float* tanhc, float* h,
                                           int64_t hs))
EMBER_ISA_DECLARE(void, rnn_lstm_backward, (int64_t rows, int64_t H, const float* a, int64_t gs,
                                            const float* cprev, const float* tanhc,
                                            const float* dh, float* dc, float* dg))
EMBER_ISA_DECLARE(void, rnn_gru_forward, (int64_t rows, int64_t H, int64_t W, float* g, int64_t gs,
                                          const float* gh, const float* bhn, const float* hprev,
                                          int64_t ps, float* hn_save, float* h, int64_t hs))
EMBER_ISA_DECLARE(void, rnn_gru_backward, (int64_t rows, int64_t H, const float* a, int64_t gs,
                                           const float* hn, const float* hprev, int64_t ps,
                                           float* dh, float* dg, float* dgh))
EMBER_ISA_DECLARE(void, rnn_simple_forward, (int64_t rows, int64_t H, bool relu, float* g,
                                             int64_t gs, float* h, int64_t hs))
EMBER_ISA_DECLARE(void, rnn_simple_backward, (int64_t rows, int64_t H, bool relu, const float* a,
                                              int64_t gs, const float* dh, float* dg))

EMBER_ISA_DECLARE(void, rnn_step_rows, (int64_t* mr))
EMBER_ISA_DECLARE(void, rnn_step_pack_a, (int64_t m, int64_t kc, const float* A, int64_t lda,
                                          float* dst))
EMBER_ISA_DECLARE(void, rnn_step_macro, (int64_t mc, int64_t nc, int64_t kc, const float* Ap,
                                         const float* Bp, float* C, int64_t ldc, float beta))
EMBER_ISA_DECLARE(void, rnn_gemv_packed, (int64_t K, int64_t KC, int64_t nr, int64_t slice_stride,
                                          int64_t p0, int64_t p1, int64_t Nc, const float* x,
                                          const float* Bp, float beta, float* y))

namespace rnn_f64 {
inline double act_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double act_tanh(double x) { return std::tanh(x); }
#include "ember/cpu/isa/rnn_gates.inc"
}  // namespace rnn_f64

namespace {

template <class T>
using Buf = std::unique_ptr<T[]>;
template <class T>
Buf<T> buffer(int64_t n) {  // uninitialised; every element used is written first
  return Buf<T>(new T[static_cast<size_t>(n > 0 ? n : 1)]);
}

template <class T>
constexpr bool is_f32 = std::is_same_v<T, float>;

// C (M x Nc, row stride crs) = A B + beta C with strided operands.
template <class T>
void mm(int64_t M, int64_t Nc, int64_t K, const T* A, int64_t ars, int64_t acs, const T* B,
        int64_t brs, int64_t bcs, T beta, T* C, int64_t crs) {
  if (M <= 0 || Nc <= 0) return;
  if constexpr (is_f32<T>) {
    gemm_strided(M, Nc, K, 1.0f, {A, ars, acs}, {B, brs, bcs}, beta, {C, crs, 1});
  } else {
    const int64_t zero = 0;
    gemm_batched<T>(1, &zero, &zero, &zero, M, Nc, K, T(1), {A, ars, acs}, {B, brs, bcs}, beta,
                    {C, crs, 1});
  }
}

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};
using AlignedBuf = std::unique_ptr<float, AlignedFree>;
AlignedBuf aligned_floats(int64_t n) {
  size_t bytes = (static_cast<size_t>(n > 0 ? n : 1) * sizeof(float) + 63) / 64 * 64;
  auto* p = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (!p) throw std::bad_alloc();
  return AlignedBuf(p);
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The B operand (K x Nc, element (k, j) at B[k * rs + j * cs]) of a product repeated at every
// step, packed once: K slices of kKC rows, each laid out by gemm_pack_b. float32 runs the
// blocked micro-kernel (a batch of one: a GEMV over the panels) on it; float64 keeps the view
// and calls the plain GEMM. Every column is computed over the same K slices whatever the
// tiling, so results do not depend on the thread count.
template <class T>
class StepMatrix {
 public:
  static constexpr int64_t kKC = 256, kMC = 144;
  StepMatrix(const T* B, int64_t K, int64_t Nc, int64_t rs, int64_t cs)
      : B_(B), K_(K), Nc_(Nc), rs_(rs), cs_(cs) {
    if constexpr (is_f32<T>) {
      EMBER_ISA_CALL(gemm_kernel_shape, &mr_, &nr_);
      // The ISA's small-batch tile (8 rows on AVX-512) when it has one, over the same B.
      int64_t smr = 0;
      EMBER_ISA_CALL(rnn_step_rows, &smr);
      if (smr > 0) {
        mr_ = smr;
        own_tile_ = true;
      }
      stride_ = (Nc + nr_ - 1) / nr_ * nr_ * kKC;
      packed_ = aligned_floats(ceil_div(K, kKC) * stride_);
      for (int64_t pc = 0; pc < K; pc += kKC) {
        const int64_t kc = K - pc < kKC ? K - pc : kKC;
        EMBER_ISA_CALL(gemm_pack_b, kc, Nc, B + pc * rs, rs, cs, packed_.get() + (pc / kKC) * stride_);
      }
    }
  }
  // C (M x Nc, row stride ldc) = A (M x K, row stride lda, unit column stride) B + beta C.
  void apply(int64_t M, const T* A, int64_t lda, T beta, T* C, int64_t ldc) const {
    if (M <= 0 || Nc_ <= 0) return;
    if constexpr (!is_f32<T>) {
      mm<T>(M, Nc_, K_, A, lda, 1, B_, rs_, cs_, beta, C, ldc);
    } else {
      if (K_ == 0) return scale(M, beta, C, ldc);
      const float* ap = prepare(M, A, lda);
      const int64_t npanels = ceil_div(Nc_, nr_);
      parallel_for(npanels, grain(M * K_ * nr_), [&](int64_t p0, int64_t p1) {
        panels(M, A, ap, p0, p1, beta, C, ldc);
      });
    }
  }

  // The same product on the calling thread only, A packed into `ap` (pack_floats(M) floats,
  // 64-byte aligned; unused for float64): for callers that split the batch rows between
  // threads. Each element is computed exactly as by apply.
  void apply_rows(int64_t M, const T* A, int64_t lda, T beta, T* C, int64_t ldc,
                  float* ap) const {
    if (M <= 0 || Nc_ <= 0) return;
    if constexpr (!is_f32<T>) {
      (void)ap;
      mm<T>(M, Nc_, K_, A, lda, 1, B_, rs_, cs_, beta, C, ldc);  // nested: runs serially
    } else {
      if (K_ == 0) return scale(M, beta, C, ldc);
      if (M > 1) pack(M, A, lda, ap);
      panels(M, A, M > 1 ? ap : nullptr, 0, ceil_div(Nc_, nr_), beta, C, ldc);
    }
  }
  int64_t pack_floats(int64_t M) const { return is_f32<T> ? ceil_div(M, mr_) * mr_ * K_ : 0; }
  int64_t rows_per_tile() const { return is_f32<T> ? mr_ : 1; }

  // The recurrent step: C (M x G*H) = A B + beta C, then gate(u0, u1) on hidden units
  // [u0, u1) of all M rows. float32 with H a multiple of the panel width does both in one
  // parallel region: each chunk owns whole unit blocks, i.e. their columns in all G gate
  // blocks, and runs their gates right after their product (one barrier per step).
  template <class F>
  void apply_gated(int64_t M, const T* A, int64_t lda, T beta, T* C, int64_t ldc, int64_t H,
                   int64_t G, const F& gate) const {
    if (M <= 0 || H <= 0) return;
    bool fused = false;
    if constexpr (is_f32<T>) fused = K_ > 0 && H % nr_ == 0 && G * H == Nc_;
    if (!fused) {
      apply(M, A, lda, beta, C, ldc);
      parallel_for(H, std::max<int64_t>(1, 16384 / (M * G)), gate);
      return;
    }
    if constexpr (is_f32<T>) {
      const float* ap = prepare(M, A, lda);
      // One chunk per thread: each unit's product and gates are the same arithmetic in any
      // chunk, so the split cannot change results, and wide chunks amortise the gate
      // kernel's per-call set-up (a 32-unit call costs several times its share).
      const int64_t nr = nr_, blocks = H / nr, per_gate = H / nr;
      const int64_t threads = std::max<int64_t>(1, get_num_threads());
      const int64_t chunk = std::max(ceil_div(blocks, threads), grain(M * K_ * nr * G));
      parallel_for(blocks, chunk, [&](int64_t b0, int64_t b1) {
        for (int64_t q = 0; q < G; ++q)
          panels(M, A, ap, q * per_gate + b0, q * per_gate + b1, beta, C, ldc);
        gate(b0 * nr, b1 * nr);
      });
    }
  }

 private:
  // Panel ranges per chunk: about 512K multiply-adds each, fixed by the sizes alone.
  static int64_t grain(int64_t panel_work) {
    return std::max<int64_t>(1, (int64_t{1} << 19) / std::max<int64_t>(panel_work, 1));
  }

  void scale(int64_t M, T beta, T* C, int64_t ldc) const {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < Nc_; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
  }

  // A is small (a batch of rows): pack it once per step, whole K, in MR-row panels per K
  // slice, and let the column chunks share it. A batch of one is read in place (GEMV).
  const float* prepare(int64_t M, const float* A, int64_t lda) const {
    if (M == 1) return nullptr;
    const int64_t mp = ceil_div(M, mr_) * mr_;
    if (ap_size_ < mp * K_) {
      ap_ = aligned_floats(mp * K_);
      ap_size_ = mp * K_;
    }
    pack(M, A, lda, ap_.get());
    return ap_.get();
  }

  void pack(int64_t M, const float* A, int64_t lda, float* ap) const {
    const int64_t mp = ceil_div(M, mr_) * mr_;
    for (int64_t pc = 0; pc < K_; pc += kKC) {
      const int64_t kc = K_ - pc < kKC ? K_ - pc : kKC;
      if (own_tile_)
        EMBER_ISA_CALL(rnn_step_pack_a, M, kc, A + pc, lda, ap + mp * pc);
      else
        EMBER_ISA_CALL(gemm_pack_a, M, kc, A + pc, lda, 1, ap + mp * pc);
    }
  }

  // Columns of panels [p0, p1) of C = A B + beta C (single-threaded).
  void panels(int64_t M, const float* A, const float* ap, int64_t p0, int64_t p1, float beta,
              float* C, int64_t ldc) const {
    const int64_t K = K_, nr = nr_;
    const float* bp = packed_.get();
    if (M == 1) {
      EMBER_ISA_CALL(rnn_gemv_packed, K, kKC, nr, stride_, p0, p1, Nc_, A, bp, beta, C);
      return;
    }
    const int64_t mp = ceil_div(M, mr_) * mr_, mc_max = ceil_div(kMC, mr_) * mr_;
    const int64_t j0 = p0 * nr, nc = std::min(Nc_, p1 * nr) - j0;
    for (int64_t pc = 0; pc < K; pc += kKC) {
      const int64_t kc = K - pc < kKC ? K - pc : kKC;
      const float* b = bp + (pc / kKC) * stride_ + p0 * kc * nr;
      for (int64_t ic = 0; ic < M; ic += mc_max) {
        const int64_t mc = M - ic < mc_max ? M - ic : mc_max;
        // panels of MR rows, each kc x MR: row block ic starts at offset ic * kc
        const float* a = ap + mp * pc + ic * kc;
        const float bt = pc == 0 ? beta : 1.0f;
        if (own_tile_)
          EMBER_ISA_CALL(rnn_step_macro, mc, nc, kc, a, b, C + ic * ldc + j0, ldc, bt);
        else
          EMBER_ISA_CALL(gemm_macro, mc, nc, kc, a, b, C + ic * ldc + j0, ldc, 1, 1.0f, bt);
      }
    }
  }

  const T* B_;
  int64_t K_, Nc_, rs_, cs_;
  int64_t mr_ = 0, nr_ = 0, stride_ = 0;
  bool own_tile_ = false;  // A packed by rnn_step_pack_a, products by rnn_step_macro
  AlignedBuf packed_;
  mutable AlignedBuf ap_;  // packed A, reused across steps
  mutable int64_t ap_size_ = 0;
};

// Rows of input projection computed ahead of the steps that use them (a block of steps):
// enough for an efficient product, few enough for the block's gates to stay in cache.
constexpr int64_t kProjRows = 128;

// Batches of at least this many rows split their rows between threads for the whole
// sequence (at least one 8-row tile each with two threads); smaller ones split each step's
// columns instead.
constexpr int64_t kSplitRows = 16;

// Set on the threads running one direction each of a bidirectional pair (run_pair): their
// nested loops run serially, so a row split there would only shrink the products.
thread_local bool t_in_pair = false;

// Row chunks of the split path: one per thread (tile-aligned), none when already one thread.
int64_t split_rows_per_chunk(int64_t N, int64_t tile) {
  const int64_t threads = t_in_pair ? 1 : std::max<int64_t>(1, get_num_threads());
  return std::max(tile, ceil_div(ceil_div(N, threads), tile) * tile);
}

// Rows per gate-kernel chunk: about 16K elements of work, fixed by the sizes alone.
int64_t row_grain(int64_t width) { return width >= 16384 ? 1 : 16384 / (width > 0 ? width : 1); }

int64_t gates_of(RnnKind k) { return k == RnnKind::lstm ? 4 : k == RnnKind::gru ? 3 : 1; }

template <class T>
void zero_rows(T* p, int64_t r0, int64_t r1, int64_t width) {
  if (r1 > r0) std::memset(p + r0 * width, 0, static_cast<size_t>((r1 - r0) * width) * sizeof(T));
}

}  // namespace

template <class T>
void rnn_forward(const RnnForward<T>& a) {
  if constexpr (is_f32<T>) {
    if (rnn_forward_row_supported(a)) return rnn_forward_row(a, !t_in_pair);  // latency path
  }
  const int64_t L = a.L, N = a.N, I = a.I, H = a.H, P = a.P, G = gates_of(a.kind), GH = G * H;
  const bool lstm = a.kind == RnnKind::lstm, gru = a.kind == RnnKind::gru,
             relu = a.kind == RnnKind::relu, proj = a.w_hr != nullptr;
  // Input projection with both biases folded in (GRU: b_hn stays with W_hn h), computed a
  // block of steps at a time just before those steps run, so their gate rows are still in
  // cache when the recurrent product adds into them; W_ih is packed once for all blocks.
  const bool has_bias = a.b_ih || a.b_hh;
  Buf<T> bias = buffer<T>(has_bias ? GH : 0);
  if (has_bias) {
    for (int64_t j = 0; j < GH; ++j) bias[j] = a.b_ih ? a.b_ih[j] : T(0);
    if (a.b_hh)
      for (int64_t j = 0; j < (gru ? 2 * H : GH); ++j) bias[j] += a.b_hh[j];
  }
  const bool split = N >= kSplitRows;
  const int64_t S = split ? 1 : std::min(L, std::max<int64_t>(1, kProjRows / std::max<int64_t>(N, 1)));
  Buf<T> gwork = buffer<T>(a.gates ? 0 : S * N * GH);  // inference: one block's gates
  const StepMatrix<T> wih_t(a.w_ih, I, GH, 1, I);       // x W_ih^T
  T* gblock = nullptr;                                   // gate rows of the current block
  int64_t tlo = 0;                                       // its first time step
  auto project = [&](int64_t k0) {
    const int64_t k1 = std::min(L, k0 + S);
    tlo = a.reverse ? L - k1 : k0;
    const int64_t rows = (k1 - k0) * N;
    gblock = a.gates ? a.gates + tlo * N * GH : gwork.get();
    if (has_bias) {
      const T* bp = bias.get();
      T* gp = gblock;
      parallel_for(rows, std::max<int64_t>(1, (int64_t{1} << 18) / GH), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) std::memcpy(gp + r * GH, bp, GH * sizeof(T));
      });
    }
    wih_t.apply(rows, a.x + tlo * N * I, I, has_bias ? T(1) : T(0), gblock, GH);
  };

  Buf<T> gh = buffer<T>(gru ? N * GH : 0);
  Buf<T> hraw_work = buffer<T>(proj && !a.hraw ? N * H : 0);
  // GRU: b_hn (zeros without bias) and W_hn h + b_hn scratch when backward does not need it.
  Buf<T> bhn_zero = buffer<T>(gru && !a.b_hh ? H : 0), hn_work = buffer<T>(gru && !a.hn ? N * H : 0);
  if (gru && !a.b_hh) std::fill(bhn_zero.get(), bhn_zero.get() + H, T(0));
  const T* bhn = gru ? (a.b_hh ? a.b_hh + 2 * H : bhn_zero.get()) : nullptr;
  T* h = a.h;
  const StepMatrix<T> whh_t(a.w_hh, P, GH, 1, P);  // h W_hh^T
  std::unique_ptr<StepMatrix<T>> whr_t;
  if (proj) whr_t = std::make_unique<StepMatrix<T>>(a.w_hr, H, P, 1, H);  // hraw W_hr^T
  // Gates of hidden units [u0, u1) for rows [r0, r0 + rows) of step t (gate rows at g).
  auto gate = [&](int64_t t, T* g, int64_t u0, int64_t u1, int64_t r0, int64_t rows) {
    const int64_t W = u1 - u0;
    T* yt = a.y + t * N * P + r0 * P;
    T* hr = proj ? (a.hraw ? a.hraw + t * N * H : hraw_work.get()) + r0 * H : nullptr;
    T* hout = proj ? hr : yt;
    const int64_t hs = proj ? H : P;
    g += r0 * GH;
    if (lstm) {
      T* cp = a.cprev ? a.cprev + t * N * H + r0 * H + u0 : nullptr;
      T* tc = a.tanhc ? a.tanhc + t * N * H + r0 * H + u0 : nullptr;
      T* c = a.c + r0 * H + u0;
      if constexpr (is_f32<T>)
        EMBER_ISA_CALL(rnn_lstm_forward, rows, H, W, g + u0, GH, c, cp, tc, hout + u0, hs);
      else
        rnn_f64::lstm_forward_rows<T>(rows, H, W, g + u0, GH, c, cp, tc, hout + u0, hs);
    } else if (gru) {
      const T* ghp = gh.get() + r0 * GH + u0;
      const T* hp = h + r0 * P + u0;
      T* hns = (a.hn ? a.hn + t * N * H : hn_work.get()) + r0 * H + u0;
      if constexpr (is_f32<T>)
        EMBER_ISA_CALL(rnn_gru_forward, rows, H, W, g + u0, GH, ghp, bhn + u0, hp, P, hns,
                       yt + u0, P);
      else
        rnn_f64::gru_forward_rows<T>(rows, H, W, g + u0, GH, ghp, bhn + u0, hp, P, hns, yt + u0,
                                     P);
    } else {
      if constexpr (is_f32<T>)
        EMBER_ISA_CALL(rnn_simple_forward, rows, W, relu, g + u0, GH, yt + u0, P);
      else
        rnn_f64::simple_forward_rows<T>(rows, W, relu, g + u0, GH, yt + u0, P);
    }
  };

  if (split) {
    // Each batch row's recurrence is independent of the others: chunks of rows run the whole
    // sequence, each on one thread, with no barrier per step. Every element is computed by
    // the same kernels as in the unsplit path, so the chunking cannot change results.
    const int64_t rpc = split_rows_per_chunk(N, whh_t.rows_per_tile());
    const int64_t nchunks = ceil_div(N, rpc);
    int64_t per = std::max(wih_t.pack_floats(rpc), whh_t.pack_floats(rpc));
    if (proj) per = std::max(per, whr_t->pack_floats(rpc));
    per = ceil_div(per, 16) * 16;  // keeps every chunk's buffer 64-byte aligned
    AlignedBuf packs = aligned_floats(nchunks * per);
    const T* bp = bias.get();
    parallel_for(nchunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t ch = c0; ch < c1; ++ch) {
        const int64_t r0 = ch * rpc, r1 = std::min(N, r0 + rpc);
        float* ap = packs.get() + ch * per;
        for (int64_t k = 0; k < L; ++k) {
          const int64_t t = a.reverse ? L - 1 - k : k;
          const int64_t b = a.batch_sizes ? a.batch_sizes[t] : N;
          const int64_t m = std::min(std::max<int64_t>(b - r0, 0), r1 - r0);
          T* g = a.gates ? a.gates + t * N * GH : gwork.get();
          T* yt = a.y + t * N * P;
          T* hr = proj ? (a.hraw ? a.hraw + t * N * H : hraw_work.get()) : nullptr;
          if (a.hprev)
            std::memcpy(a.hprev + t * N * P + r0 * P, h + r0 * P,
                        static_cast<size_t>((r1 - r0) * P) * sizeof(T));
          if (m > 0) {
            T* gr = g + r0 * GH;
            if (has_bias)
              for (int64_t i = 0; i < m; ++i) std::memcpy(gr + i * GH, bp, GH * sizeof(T));
            wih_t.apply_rows(m, a.x + (t * N + r0) * I, I, has_bias ? T(1) : T(0), gr, GH, ap);
            if (gru)
              whh_t.apply_rows(m, h + r0 * P, P, T(0), gh.get() + r0 * GH, GH, ap);
            else
              whh_t.apply_rows(m, h + r0 * P, P, T(1), gr, GH, ap);
            gate(t, g, 0, H, r0, m);
            if (proj) whr_t->apply_rows(m, hr + r0 * H, H, T(0), yt + r0 * P, P, ap);
            std::memcpy(h + r0 * P, yt + r0 * P, static_cast<size_t>(m * P) * sizeof(T));
          }
          if (proj && a.hraw) zero_rows(hr, r0 + m, r1, H);  // read (times zero) by dW_hr
          zero_rows(yt, r0 + m, r1, P);
        }
      }
    });
    return;
  }

  for (int64_t k = 0; k < L; ++k) {
    if (k % S == 0) project(k);
    const int64_t t = a.reverse ? L - 1 - k : k;
    const int64_t b = a.batch_sizes ? a.batch_sizes[t] : N;
    T* g = gblock + (t - tlo) * N * GH;
    T* yt = a.y + t * N * P;
    if (a.hprev) std::memcpy(a.hprev + t * N * P, h, static_cast<size_t>(N * P) * sizeof(T));
    T* hr = proj ? (a.hraw ? a.hraw + t * N * H : hraw_work.get()) : nullptr;
    auto gate_units = [&](int64_t u0, int64_t u1) { gate(t, g, u0, u1, 0, b); };
    if (gru)
      whh_t.apply_gated(b, h, P, T(0), gh.get(), GH, H, G, gate_units);
    else
      whh_t.apply_gated(b, h, P, T(1), g, GH, H, G, gate_units);
    if (proj) {
      whr_t->apply(b, hr, H, T(0), yt, P);
      if (a.hraw) zero_rows(hr, b, N, H);  // read (times zero) by the dW_hr GEMM
    }
    std::memcpy(h, yt, static_cast<size_t>(b * P) * sizeof(T));
    zero_rows(yt, b, N, P);
  }
}

template <class T>
void rnn_backward(const RnnBackward<T>& a) {
  const int64_t L = a.L, N = a.N, I = a.I, H = a.H, P = a.P, G = gates_of(a.kind), GH = G * H,
                LN = L * N;
  const bool lstm = a.kind == RnnKind::lstm, gru = a.kind == RnnKind::gru,
             relu = a.kind == RnnKind::relu, proj = a.w_hr != nullptr;
  Buf<T> dG = buffer<T>(LN * GH), dGh = buffer<T>(gru ? LN * GH : 0);
  Buf<T> dHs = buffer<T>(proj ? LN * P : 0), dhraw = buffer<T>(proj ? N * H : 0);
  Buf<T> dh = buffer<T>(N * P), dc = buffer<T>(lstm ? N * H : 0);
  const StepMatrix<T> whh(a.w_hh, GH, P, P, 1);  // dgates W_hh
  std::unique_ptr<StepMatrix<T>> whr;
  if (proj) whr = std::make_unique<StepMatrix<T>>(a.w_hr, P, H, H, 1);  // dh W_hr
  std::memcpy(dh.get(), a.dh_n, static_cast<size_t>(N * P) * sizeof(T));
  if (lstm) std::memcpy(dc.get(), a.dc_n, static_cast<size_t>(N * H) * sizeof(T));
  T* dhp = dh.get();
  T* dcp = dc.get();
  // Gate gradients of rows [r0, r1) of step t; din: the gradient of the gate kernel's h output.
  auto gate = [&](int64_t t, const T* din, int64_t r0, int64_t r1) {
    const int64_t rows = r1 - r0;
    if (rows <= 0) return;
    T* dg = dG.get() + t * N * GH;
    T* dgh = gru ? dGh.get() + t * N * GH : nullptr;
    const T* ga = a.gates + t * N * GH;
    if (lstm) {
      const T* cprev = a.cprev + t * N * H;
      const T* tanhc = a.tanhc + t * N * H;
      if constexpr (is_f32<T>)
        EMBER_ISA_CALL(rnn_lstm_backward, rows, H, ga + r0 * GH, GH, cprev + r0 * H,
                       tanhc + r0 * H, din + r0 * H, dcp + r0 * H, dg + r0 * GH);
      else
        rnn_f64::lstm_backward_rows<T>(rows, H, ga + r0 * GH, GH, cprev + r0 * H,
                                       tanhc + r0 * H, din + r0 * H, dcp + r0 * H, dg + r0 * GH);
    } else if (gru) {
      const T* hn = a.hn + t * N * H;
      const T* hprev = a.hprev + t * N * P;
      if constexpr (is_f32<T>)
        EMBER_ISA_CALL(rnn_gru_backward, rows, H, ga + r0 * GH, GH, hn + r0 * H,
                       hprev + r0 * P, P, dhp + r0 * H, dg + r0 * GH, dgh + r0 * GH);
      else
        rnn_f64::gru_backward_rows<T>(rows, H, ga + r0 * GH, GH, hn + r0 * H, hprev + r0 * P,
                                      P, dhp + r0 * H, dg + r0 * GH, dgh + r0 * GH);
    } else {
      if constexpr (is_f32<T>)
        EMBER_ISA_CALL(rnn_simple_backward, rows, H, relu, ga + r0 * GH, GH, din + r0 * H,
                       dg + r0 * GH);
      else
        rnn_f64::simple_backward_rows<T>(rows, H, relu, ga + r0 * GH, GH, din + r0 * H,
                                         dg + r0 * GH);
    }
  };

  if (N >= kSplitRows) {
    // As in rnn_forward: chunks of rows run the whole sequence, one thread each.
    const int64_t rpc = split_rows_per_chunk(N, whh.rows_per_tile());
    const int64_t nchunks = ceil_div(N, rpc);
    int64_t per = whh.pack_floats(rpc);
    if (proj) per = std::max(per, whr->pack_floats(rpc));
    per = ceil_div(per, 16) * 16;
    AlignedBuf packs = aligned_floats(nchunks * per);
    parallel_for(nchunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t ch = c0; ch < c1; ++ch) {
        const int64_t r0 = ch * rpc, r1 = std::min(N, r0 + rpc);
        float* ap = packs.get() + ch * per;
        for (int64_t k = 0; k < L; ++k) {
          const int64_t t = a.reverse ? k : L - 1 - k;
          const int64_t b = a.batch_sizes ? a.batch_sizes[t] : N;
          const int64_t m = std::min(std::max<int64_t>(b - r0, 0), r1 - r0);
          const T* dyt = a.dy + t * N * P;
          for (int64_t i = r0 * P; i < (r0 + m) * P; ++i) dhp[i] += dyt[i];
          T* dg = dG.get() + t * N * GH;
          T* dgh = gru ? dGh.get() + t * N * GH : nullptr;
          const T* din = dhp;
          if (proj) {
            T* ds = dHs.get() + t * N * P;
            std::memcpy(ds + r0 * P, dhp + r0 * P, static_cast<size_t>(m * P) * sizeof(T));
            zero_rows(ds, r0 + m, r1, P);
            whr->apply_rows(m, dhp + r0 * P, P, T(0), dhraw.get() + r0 * H, H, ap);
            din = dhraw.get();
          }
          gate(t, din, r0, r0 + m);
          zero_rows(dg, r0 + m, r1, GH);
          if (gru) {
            zero_rows(dgh, r0 + m, r1, GH);
            whh.apply_rows(m, dgh + r0 * GH, GH, T(1), dhp + r0 * P, P, ap);
          } else {
            whh.apply_rows(m, dg + r0 * GH, GH, T(0), dhp + r0 * P, P, ap);
          }
        }
      }
    });
  } else {
    for (int64_t k = 0; k < L; ++k) {
      const int64_t t = a.reverse ? k : L - 1 - k;
      const int64_t b = a.batch_sizes ? a.batch_sizes[t] : N;
      const T* dyt = a.dy + t * N * P;
      for (int64_t i = 0; i < b * P; ++i) dhp[i] += dyt[i];
      T* dg = dG.get() + t * N * GH;
      T* dgh = gru ? dGh.get() + t * N * GH : nullptr;
      const T* din = dhp;
      if (proj) {
        std::memcpy(dHs.get() + t * N * P, dhp, static_cast<size_t>(b * P) * sizeof(T));
        zero_rows(dHs.get() + t * N * P, b, N, P);
        whr->apply(b, dhp, P, T(0), dhraw.get(), H);
        din = dhraw.get();
      }
      parallel_for(b, row_grain(GH), [&](int64_t r0, int64_t r1) { gate(t, din, r0, r1); });
      zero_rows(dg, b, N, GH);
      if (gru) {
        zero_rows(dgh, b, N, GH);
        whh.apply(b, dgh, GH, T(1), dhp, P);
      } else {
        whh.apply(b, dg, GH, T(0), dhp, P);
      }
    }
  }
  if (a.dh0) std::memcpy(a.dh0, dh.get(), static_cast<size_t>(N * P) * sizeof(T));
  if (a.dc0 && lstm) std::memcpy(a.dc0, dc.get(), static_cast<size_t>(N * H) * sizeof(T));
  const T* dGx = dG.get();
  const T* dGr = gru ? dGh.get() : dG.get();
  if (a.dx) mm<T>(LN, I, GH, dGx, GH, 1, a.w_ih, I, 1, T(0), a.dx, I);
  if (a.dw_ih) mm<T>(GH, I, LN, dGx, 1, GH, a.x, I, 1, T(0), a.dw_ih, I);
  if (a.dw_hh) mm<T>(GH, P, LN, dGr, 1, GH, a.hprev, P, 1, T(0), a.dw_hh, P);
  if (a.dw_hr && proj) mm<T>(P, H, LN, dHs.get(), 1, P, a.hraw, H, 1, T(0), a.dw_hr, H);
  // Bias gradients: column sums, each column summed over rows in row order.
  // Without GRU both biases see the same gradient: sum once, copy.
  const bool same = dGx == dGr && a.db_ih && a.db_hh;
  for (auto [src, dst] : {std::make_pair(dGx, a.db_ih), std::make_pair(dGr, a.db_hh)}) {
    if (!dst) continue;
    if (same && dst == a.db_hh) {
      std::memcpy(a.db_hh, a.db_ih, static_cast<size_t>(GH) * sizeof(T));
      continue;
    }
    T* d = dst;
    parallel_for(GH, 64, [&](int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; ++j) d[j] = T(0);
      for (int64_t r = 0; r < LN; ++r) {
        const T* row = src + r * GH;
        for (int64_t j = j0; j < j1; ++j) d[j] += row[j];
      }
    });
  }
}

namespace {
// Runs f(0) and f(1), on two threads when there are. Exceptions (allocation failures) are
// caught inside the parallel region and rethrown after it.
template <class F>
void run_pair(const F& f) {
  if (get_num_threads() < 2) {
    f(0);
    f(1);
    return;
  }
  std::exception_ptr err[2];
  parallel_for(2, 1, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      t_in_pair = true;
      try {
        f(i);
      } catch (...) {
        err[i] = std::current_exception();
      }
      t_in_pair = false;
    }
  });
  for (const auto& e : err)
    if (e) std::rethrow_exception(e);
}
}  // namespace

template <class T>
void rnn_forward_pair(const RnnForward<T>& a, const RnnForward<T>& b) {
  run_pair([&](int64_t i) { rnn_forward<T>(i == 0 ? a : b); });
}

template <class T>
void rnn_backward_pair(const RnnBackward<T>& a, const RnnBackward<T>& b) {
  run_pair([&](int64_t i) { rnn_backward<T>(i == 0 ? a : b); });
}

template void rnn_forward<float>(const RnnForward<float>&);
template void rnn_forward<double>(const RnnForward<double>&);
template void rnn_backward<float>(const RnnBackward<float>&);
template void rnn_backward<double>(const RnnBackward<double>&);
template void rnn_forward_pair<float>(const RnnForward<float>&, const RnnForward<float>&);
template void rnn_forward_pair<double>(const RnnForward<double>&, const RnnForward<double>&);
template void rnn_backward_pair<float>(const RnnBackward<float>&, const RnnBackward<float>&);
template void rnn_backward_pair<double>(const RnnBackward<double>&, const RnnBackward<double>&);

}  // namespace ember::cpu

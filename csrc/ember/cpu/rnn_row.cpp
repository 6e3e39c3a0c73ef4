// Batch-of-one forward of the fused recurrent layer (cpu/rnn_row.h): gx = bias + W_ih x_t for
// a block of steps at once, then per step g = gx + W_hh h, as row dot products on the weights
// in PyTorch's layout (no packing per call), then the gate kernel. With 2+ threads and enough
// work per step, the hidden units form two parts; a thread claims its own part of each step
// (its rows of W_ih / W_hh stay in its core's cache) and waits on step counters, not a
// barrier; a part the other thread has not started is taken over, and a stalled thread
// (loaded machine) leaves the rest to the other. Every unit is computed by the same
// arithmetic whichever thread runs it: results are bitwise identical for any thread count.
#include "ember/cpu/rnn_row.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "ember/core/parallel.h"
#include "ember/cpu/isa.h"

namespace ember::cpu {

EMBER_ISA_DECLARE(void, rnn_rowdot, (int64_t n, int64_t K, const float* W, int64_t ldw,
                                     const float* x, float* y, bool accumulate))
EMBER_ISA_DECLARE(void, rnn_rowdot_steps, (int64_t n, int64_t K, const float* W, int64_t ldw,
                                           int64_t S, const float* X, int64_t ldx, float* Y,
                                           int64_t ldy, bool accumulate))
EMBER_ISA_DECLARE(void, rnn_lstm_forward, (int64_t rows, int64_t H, int64_t W, float* g, int64_t gs,
                                           float* c, float* cprev, float* tanhc, float* h,
                                           int64_t hs))
EMBER_ISA_DECLARE(void, rnn_gru_forward, (int64_t rows, int64_t H, int64_t W, float* g, int64_t gs,
                                          const float* gh, const float* bhn, const float* hprev,
                                          int64_t ps, float* hn_save, float* h, int64_t hs))
EMBER_ISA_DECLARE(void, rnn_simple_forward, (int64_t rows, int64_t H, bool relu, float* g,
                                             int64_t gs, float* h, int64_t hs))

namespace {

// Units are split between the two threads in blocks of this many (the dot kernel's row
// group), so each unit's rows sit at the same place in their group whoever runs them.
constexpr int64_t kUnitBlock = 16;
// Multiply-adds per step below which one thread runs alone (the exchange of h costs about
// as much as a few thousand multiply-adds).
constexpr int64_t kSplitWork = 16384;
// Steps whose input projection is computed at once (a product that reuses each row of W_ih
// for several steps, instead of reading all of W_ih at every step).
constexpr int64_t kProjSteps = 64;

struct alignas(64) StepCounter {
  std::atomic<int64_t> done{0};  // steps of one part claimed, or finished
  char pad[64 - sizeof(std::atomic<int64_t>)];
};

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins until c reaches target. After `patience` the other thread is taken to be stalled
// (descheduled, or sharing this core with us): `stalled` is set, and the wait goes on
// yielding the core (the other thread must still finish the part it holds).
void wait_for(const StepCounter& c, int64_t target, std::chrono::microseconds patience,
              std::atomic<bool>& stalled) {
  if (c.done.load(std::memory_order_acquire) >= target) return;
  const auto t0 = std::chrono::steady_clock::now();
  bool patient = true;
  for (int spins = 1; c.done.load(std::memory_order_acquire) < target; ++spins) {
    if (patient) {
      cpu_relax();
      if (spins % 64 == 0 && std::chrono::steady_clock::now() - t0 > patience) {
        patient = false;
        stalled.store(true, std::memory_order_relaxed);
      }
    } else {
      std::this_thread::yield();
    }
  }
}

// Calls that run alone after a split call found the other thread stalled: doubles with each
// such call (up to 256), back to zero after a split call that ran through. On a loaded
// machine the split (which needs two free cores) is then mostly skipped; results do not
// depend on it.
std::atomic<int> g_split_backoff{0}, g_split_skip{0};

int gates_of(RnnKind k) { return k == RnnKind::lstm ? 4 : k == RnnKind::gru ? 3 : 1; }

}  // namespace

bool rnn_forward_row_supported(const RnnForward<float>& a) { return a.N == 1 && !a.w_hr; }

void rnn_forward_row(const RnnForward<float>& a, bool may_split) {
  const int64_t L = a.L, I = a.I, H = a.H, P = a.P, G = gates_of(a.kind), GH = G * H;
  const bool lstm = a.kind == RnnKind::lstm, gru = a.kind == RnnKind::gru,
             relu = a.kind == RnnKind::relu;
  // Scratch: the summed biases (GRU: b_hn stays apart, it is scaled by r), one block's gates
  // when they are not kept, GRU's h-side products, b_hn and W_hn h + b_hn.
  const int64_t S = std::min(L, kProjSteps);
  const int64_t nbuf = GH + (a.gates ? 0 : S * GH) + (gru ? GH + 2 * H : 0);
  std::unique_ptr<float[]> buf(new float[static_cast<size_t>(nbuf)]);
  float* bias = buf.get();
  float* gwork = bias + GH;
  float* gh = gru ? gwork + (a.gates ? 0 : S * GH) : nullptr;
  float* bhn = gru ? gh + GH : nullptr;
  float* hn_work = gru ? bhn + H : nullptr;
  for (int64_t j = 0; j < GH; ++j) bias[j] = a.b_ih ? a.b_ih[j] : 0.0f;
  if (a.b_hh)
    for (int64_t j = 0; j < (gru ? 2 * H : GH); ++j) bias[j] += a.b_hh[j];
  if (gru)
    for (int64_t j = 0; j < H; ++j) bhn[j] = a.b_hh ? a.b_hh[2 * H + j] : 0.0f;

  // The hidden units in one part, or two when split; step k of a part is computed by
  // whichever thread claims it, once step k-1 of every part is done.
  const int64_t blocks = (H + kUnitBlock - 1) / kUnitBlock;
  bool split = may_split && get_num_threads() >= 2 && blocks >= 2 && GH * (I + P) >= kSplitWork;
  if (split && g_split_skip.load(std::memory_order_relaxed) > 0) {
    g_split_skip.fetch_sub(1, std::memory_order_relaxed);
    split = false;
  }
  const int nparts = split ? 2 : 1;
  const int64_t mid = split ? std::min(H, (blocks + 1) / 2 * kUnitBlock) : H;
  StepCounter claimed[2], done[2];
  std::atomic<bool> stalled{false};  // a wait ran out of patience: one thread goes on alone
  std::atomic<int> solo{-1};         // the thread that goes on alone

  // Step k of units [u0, u1); hin: h_{t-1}.
  auto step = [&](int64_t k, int64_t u0, int64_t u1, const float* hin) {
    const int64_t W = u1 - u0;
    const int64_t k0 = k / S * S, k1 = std::min(L, k0 + S);
    const int64_t tlo = a.reverse ? L - k1 : k0;  // first time step of k's block
    float* gblock = a.gates ? a.gates + tlo * GH : gwork;
    if (k == k0) {  // the input side of the whole block (does not need h)
      for (int64_t s = 0; s < k1 - k0; ++s)
        for (int64_t q = 0; q < G; ++q)
          std::memcpy(gblock + s * GH + q * H + u0, bias + q * H + u0,
                      static_cast<size_t>(W) * sizeof(float));
      for (int64_t q = 0; q < G; ++q)
        EMBER_ISA_CALL(rnn_rowdot_steps, W, I, a.w_ih + (q * H + u0) * I, I, k1 - k0,
                       a.x + tlo * I, I, gblock + q * H + u0, GH, true);
    }
    const int64_t t = a.reverse ? L - 1 - k : k;
    float* yt = a.y + t * P;
    // hprev is written even past the sequence's length: the backward's dW_hh product
    // reads it (times zero).
    if (a.hprev)
      std::memcpy(a.hprev + t * P + u0, hin + u0, static_cast<size_t>(W) * sizeof(float));
    if (a.batch_sizes && a.batch_sizes[t] == 0) {  // past the length: zeros, state kept
      std::memset(yt + u0, 0, static_cast<size_t>(W) * sizeof(float));
      return;
    }
    float* g = gblock + (t - tlo) * GH;
    float* hside = gru ? gh : g;
    for (int64_t q = 0; q < G; ++q)
      EMBER_ISA_CALL(rnn_rowdot, W, P, a.w_hh + (q * H + u0) * P, P, hin, hside + q * H + u0,
                     !gru);
    if (lstm) {
      float* cp = a.cprev ? a.cprev + t * H + u0 : nullptr;
      float* tc = a.tanhc ? a.tanhc + t * H + u0 : nullptr;
      EMBER_ISA_CALL(rnn_lstm_forward, 1, H, W, g + u0, GH, a.c + u0, cp, tc, yt + u0, P);
    } else if (gru) {
      float* hns = (a.hn ? a.hn + t * H : hn_work) + u0;
      EMBER_ISA_CALL(rnn_gru_forward, 1, H, W, g + u0, GH, gh + u0, bhn + u0, hin + u0, P, hns,
                     yt + u0, P);
    } else {
      EMBER_ISA_CALL(rnn_simple_forward, 1, W, relu, g + u0, GH, yt + u0, P);
    }
  };

  // Every thread walks all steps: waits for step k-1 to be done, claims its own part of step
  // k, then the other part too if its thread has not claimed it yet (late or not started:
  // one thread alone still runs the whole sequence, so nothing can deadlock). Once a wait
  // finds the other thread stalled, the waiting thread runs the rest alone.
  auto run = [&](int me) {
    const float* hin = a.h;  // h_{t-1}: h0, then the last active step's output row
    for (int64_t k = 0; k < L; ++k) {
      // A part takes about a microsecond, 30 us is a stall; the first step of a block also
      // projects the block's inputs (up to 64 steps' worth).
      const auto patience = std::chrono::microseconds((k - 1) % S == 0 ? 400 : 30);
      for (int p = 0; p < nparts; ++p) wait_for(done[p], k, patience, stalled);
      if (stalled.load(std::memory_order_relaxed)) {
        int expect = -1;
        solo.compare_exchange_strong(expect, me, std::memory_order_relaxed);
      }
      const int owner = solo.load(std::memory_order_relaxed);
      if (owner >= 0 && owner != me) return;  // the other thread goes on alone
      for (int i = 0; i < nparts; ++i) {
        const int p = (me + i) % nparts;
        int64_t expect = k;
        if (claimed[p].done.load(std::memory_order_relaxed) == k &&
            claimed[p].done.compare_exchange_strong(expect, k + 1, std::memory_order_acq_rel)) {
          step(k, p == 0 ? 0 : mid, p == 0 ? mid : H, hin);
          done[p].done.store(k + 1, std::memory_order_release);
        }
      }
      const int64_t t = a.reverse ? L - 1 - k : k;
      if (!a.batch_sizes || a.batch_sizes[t] > 0) hin = a.y + t * P;
    }
  };
  if (!split)
    run(0);
  else {
    // The calling thread runs chunk 0; when the region outlasts its chunk by a stall's
    // worth, the other thread was late to start or to finish: count that as a stall too.
    std::chrono::steady_clock::time_point first_done{};
    parallel_for(2, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        run(static_cast<int>(c));
        if (c == 0) first_done = std::chrono::steady_clock::now();
      }
    });
    if (std::chrono::steady_clock::now() - first_done > std::chrono::microseconds(30))
      stalled.store(true, std::memory_order_relaxed);
    if (stalled.load(std::memory_order_relaxed)) {
      const int b = std::min(256, std::max(1, 2 * g_split_backoff.load(std::memory_order_relaxed)));
      g_split_backoff.store(b, std::memory_order_relaxed);
      g_split_skip.store(b, std::memory_order_relaxed);
    } else {
      g_split_backoff.store(0, std::memory_order_relaxed);
    }
  }
  // h_n: the last active step's output (h0 when no step ran).
  for (int64_t k = L - 1; k >= 0; --k) {
    const int64_t t = a.reverse ? L - 1 - k : k;
    if (!a.batch_sizes || a.batch_sizes[t] > 0) {
      std::memcpy(a.h, a.y + t * P, static_cast<size_t>(P) * sizeof(float));
      break;
    }
  }
}

}  // namespace ember::cpu

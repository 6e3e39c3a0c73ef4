// Driver of the small-M linear kernels (cpu/linear_nt.h): packs A once into 64-row panels,
// then splits the columns of C (groups of rows of W) evenly over the threads. The split may
// follow the thread count because it cannot change a bit: each element is produced by the
// same micro-kernel arithmetic wherever its column group falls.
#include "ember/cpu/linear_nt.h"

#include <cstdlib>

#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "ember/cpu/gemm.h"
#include "ember/cpu/isa.h"

namespace ember::cpu {

EMBER_ISA_DECLARE(bool, linear_nt_available, ())
EMBER_ISA_DECLARE(void, linear_nt_shape, (int64_t* rows, int64_t* panel))
EMBER_ISA_DECLARE(void, linear_nt_pack, (int64_t M, int64_t K, const float* A, int64_t rs,
                                         int64_t cs, float* dst))
EMBER_ISA_DECLARE(void, linear_nt_block, (int64_t n0, int64_t n1, int64_t M, int64_t K,
                                          const float* Ap, const float* W, int64_t ldw,
                                          const float* bias, const float* R, int64_t r_rs,
                                          int relu, float* C, int64_t c_rs))

namespace {

// Packed A of the calling thread.
thread_local PackBuffer tl_pack;

// Multiply-adds per thread below which a second thread costs more than it gives.
constexpr int64_t kMinThreadWork = int64_t{1} << 20;

}  // namespace

bool linear_nt_suits(int64_t M, int64_t N, int64_t K) {
  static const bool available = EMBER_ISA_CALL(linear_nt_available);
  if (!available || M < 16 || N < 16 || K < 16) return false;
  // Skipping the packing of W (N x K) pays while M is small (measured on Zen 4: 5-18% faster
  // up to M = 128, even beyond). Rows are computed in groups of 16: past M = 64 a ragged last
  // group wastes work, so such M go to the blocked GEMM. Packed A must stay cache-sized.
  if (M > 128 || M * K > (int64_t{1} << 18)) return false;
  const int64_t padded = (M + 15) / 16 * 16;
  return M <= 64 || (padded - M) * 10 <= M;
}

void linear_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t a_rs, int64_t a_cs,
               const float* W, int64_t w_rs, const float* bias, const float* R, int64_t r_rs,
               bool relu, float* C, int64_t c_rs) {
  int64_t rows = 0, panel = 0;
  EMBER_ISA_CALL(linear_nt_shape, &rows, &panel);
  const int64_t panels = (M + panel - 1) / panel;
  float* ap = tl_pack.get(static_cast<size_t>(panels * panel * K));
  EMBER_CHECK(ap != nullptr, MemoryError, "[linear] could not allocate ", panels * panel * K * 4,
              " bytes of packing buffer");
  EMBER_ISA_CALL(linear_nt_pack, M, K, A, a_rs, a_cs, ap);
  const int64_t groups = (N + rows - 1) / rows;
  const int64_t work = M * N * K;
  int64_t chunks = work / kMinThreadWork;
  const int64_t threads = get_num_threads();
  if (chunks > threads) chunks = threads;
  if (chunks > groups) chunks = groups;
  if (chunks < 1) chunks = 1;
  const int64_t grain = (groups + chunks - 1) / chunks;
  parallel_for(groups, grain, [&](int64_t g0, int64_t g1) {
    const int64_t n0 = g0 * rows, n1 = g1 * rows < N ? g1 * rows : N;
    EMBER_ISA_CALL(linear_nt_block, n0, n1, M, K, ap, W, w_rs, bias, R, r_rs, relu ? 1 : 0, C,
                   c_rs);
  });
}

}  // namespace ember::cpu

// CPU feature detection for the ISA dispatch; see isa.h.
#include "ember/cpu/isa.h"

#include <cstdlib>
#include <cstring>

namespace ember::cpu {

namespace {
Isa detect() {
  Isa best = Isa::Baseline;
#if defined(EMBER_X86_ISAS) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  // libgcc also checks that the OS saves the wider registers (XCR0).
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = Isa::Avx2;
  if (best == Isa::Avx2 && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    best = Isa::Avx512;
#endif
  if (const char* want = std::getenv("EMBER_ISA")) {
    Isa w = best;
    if (!std::strcmp(want, "baseline")) w = Isa::Baseline;
    else if (!std::strcmp(want, "avx2")) w = Isa::Avx2;
    else if (!std::strcmp(want, "avx512")) w = Isa::Avx512;
    if (w < best) best = w;
  }
  return best;
}
}  // namespace

Isa active_isa() {
  static const Isa isa = detect();
  return isa;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: break;
  }
#if defined(EMBER_X86_ISAS)
  return "baseline (x86-64)";
#else
  return "baseline (portable)";
#endif
}

}  // namespace ember::cpu

// Run-time choice of the SIMD instruction set. Files under cpu/isa/ are compiled once per
// ISA (baseline x86-64 or portable, AVX2+FMA, AVX-512) into namespaces ember::cpu::baseline,
// ::avx2 and ::avx512; EMBER_ISA_CALL picks the best one this CPU supports (or the one named
// by the EMBER_ISA environment variable, which may only lower it), so one build runs on any
// x86-64 and builds on aarch64 (baseline only).
//
// Rule for cpu/isa/ files: single-threaded kernels over raw pointers only. No STL containers
// and no inline functions or templates from shared headers: the linker may keep any one
// copy of such a function, and an AVX-512 copy run on an older CPU would crash.
#pragma once

namespace ember::cpu {

enum class Isa { Baseline, Avx2, Avx512 };

Isa active_isa();
const char* isa_name(Isa isa);

}  // namespace ember::cpu

#if defined(EMBER_X86_ISAS)
#define EMBER_ISA_DECLARE(ret, name, params) \
  namespace baseline { ret name params; }    \
  namespace avx2 { ret name params; }        \
  namespace avx512 { ret name params; }
#define EMBER_ISA_CALL(name, ...)                                           \
  (::ember::cpu::active_isa() == ::ember::cpu::Isa::Avx512 ? ::ember::cpu::avx512::name(__VA_ARGS__) \
   : ::ember::cpu::active_isa() == ::ember::cpu::Isa::Avx2 ? ::ember::cpu::avx2::name(__VA_ARGS__)   \
                                                            : ::ember::cpu::baseline::name(__VA_ARGS__))
#else
#define EMBER_ISA_DECLARE(ret, name, params) \
  namespace baseline { ret name params; }
#define EMBER_ISA_CALL(name, ...) ::ember::cpu::baseline::name(__VA_ARGS__)
#endif

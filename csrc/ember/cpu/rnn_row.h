// The batch-of-one (latency) path of the fused recurrent forward (cpu/rnn.h): float32, one
// batch row, no projection. Internal to cpu/rnn.cpp; no argument checks.
#pragma once

#include "ember/cpu/rnn.h"

namespace ember::cpu {

// Whether rnn_forward_row handles `a` (N == 1, no w_hr).
bool rnn_forward_row_supported(const RnnForward<float>& a);
// rnn_forward for such an `a`; may_split: two threads may share the steps (false when
// nested in a thread that already runs one direction of a pair).
void rnn_forward_row(const RnnForward<float>& a, bool may_split);

}  // namespace ember::cpu

// Built when ember is configured without CUDA (EMBER_CUDA=OFF, or AUTO without a toolkit):
// every CUDA request gets a clear error instead of a crash.
#include "ember/core/device.h"

namespace ember {
bool cuda_available() { return false; }
}  // namespace ember

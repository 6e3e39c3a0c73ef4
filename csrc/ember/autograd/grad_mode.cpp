// Thread-local grad mode; see grad_mode.h.
#include "ember/autograd/grad_mode.h"

namespace ember::autograd {
namespace {
thread_local bool g_enabled = true;
}
bool GradMode::is_enabled() { return g_enabled; }
void GradMode::set_enabled(bool enabled) { g_enabled = enabled; }
}  // namespace ember::autograd

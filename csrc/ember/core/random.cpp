// The default generator instance; see random.h.
#include "ember/core/random.h"

namespace ember {
Generator& default_generator() {
  static Generator gen;
  return gen;
}
}  // namespace ember

// Aligned host allocation. Failure (including absurd sizes) is a MemoryError, never an abort.
#include "ember/core/storage.h"

#include <cstdlib>
#include <new>

#include "ember/core/error.h"

namespace ember {

std::shared_ptr<Storage> allocate_storage(size_t nbytes, Device device) {
  EMBER_CHECK(device.is_cpu(), NotImplementedError, "[allocate] device ", device.str(),
              " is not supported by this build of ember");
  auto s = std::make_shared<Storage>();
  s->nbytes = nbytes;
  s->device = device;
  // Round up so SIMD tails may read (never write) a full vector past the end safely.
  size_t padded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  if (padded == 0) padded = kAlignment;
  void* p = std::aligned_alloc(kAlignment, padded);
  EMBER_CHECK(p != nullptr, MemoryError, "[allocate] could not allocate ", nbytes, " bytes");
  s->data = p;
  s->owner = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  return s;
}

std::shared_ptr<Storage> wrap_storage(void* data, size_t nbytes, std::shared_ptr<void> owner,
                                      Device device) {
  auto s = std::make_shared<Storage>();
  s->data = data;
  s->nbytes = nbytes;
  s->device = device;
  s->owner = std::move(owner);
  return s;
}

}  // namespace ember

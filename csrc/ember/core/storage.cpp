// Tensor storage on the host allocator (core/allocator.h). Failure (including absurd sizes)
// is a MemoryError, never an abort.
#include "ember/core/storage.h"

#include "ember/core/allocator.h"
#include "ember/core/error.h"

namespace ember {

std::shared_ptr<Storage> allocate_storage(size_t nbytes, Device device) {
  EMBER_CHECK(device.is_cpu(), NotImplementedError, "[allocate] device ", device.str(),
              " is not supported by this build of ember");
  auto s = std::make_shared<Storage>();
  s->nbytes = nbytes;
  s->device = device;
  // Blocks are rounded up (allocator.h), so SIMD tails may read (never write) a full vector
  // past the end safely.
  size_t capacity = 0;
  void* p = host_alloc(nbytes, capacity);
  EMBER_CHECK(p != nullptr, MemoryError, "[allocate] could not allocate ", nbytes, " bytes");
  s->data = p;
  s->owner = std::shared_ptr<void>(p, [capacity](void* q) { host_free(q, capacity); });
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

// A block of memory shared by a tensor and all its views, plus the version counter that
// lets autograd notice in-place writes to a tensor it saved for backward.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "ember/core/device.h"

namespace ember {

struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  Device device;
  std::shared_ptr<void> owner;  // frees the memory (or keeps a borrowed buffer alive)
  uint64_t version = 0;         // bumped by every in-place op on any view of this storage
};

constexpr size_t kAlignment = 64;

// Allocates nbytes of 64-byte aligned memory; raises MemoryError when it cannot.
std::shared_ptr<Storage> allocate_storage(size_t nbytes, Device device = {});

// Wraps memory owned elsewhere (a NumPy array, a DLPack capsule); owner keeps it alive.
std::shared_ptr<Storage> wrap_storage(void* data, size_t nbytes, std::shared_ptr<void> owner,
                                      Device device = {});

}  // namespace ember

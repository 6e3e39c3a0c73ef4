// Host (CPU) memory for tensor storage: 64-byte aligned blocks, and a bounded, thread-safe
// cache of freed large blocks so that a loop allocating same-sized results reuses pages
// already mapped instead of faulting in fresh ones on every call.
#pragma once
#include <cstddef>

namespace ember {

// A block of at least nbytes, 64-byte aligned (2 MiB aligned, with transparent huge pages,
// from 4 MiB); `capacity` receives its size, to be passed back to host_free. Returns
// nullptr when memory runs out (after releasing the cache and retrying).
void* host_alloc(size_t nbytes, size_t& capacity);

// Returns a block from host_alloc: kept in the cache when it is large and the cache has room
// (the oldest cached blocks make room), freed otherwise.
void host_free(void* p, size_t capacity);

// Bytes held in the cache now, and its limit (default 256 MiB; the environment variable
// EMBER_HOST_CACHE_MB sets it at start-up, 0 turns the cache off).
size_t host_cached_bytes();
size_t host_cache_limit();
void set_host_cache_limit(size_t bytes);  // shrinks the cache to fit at once

// Frees every cached block.
void host_empty_cache();

}  // namespace ember

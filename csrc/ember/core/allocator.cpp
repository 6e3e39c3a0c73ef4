// The host block allocator and its cache of freed large blocks (see allocator.h). Why a
// cache: glibc serves a multi-megabyte request by mmap (or by growing the heap past a
// fragment the previous, equal request left), so a 3 MB conv output was faulted in page by
// page on every call: 784 faults, a third of a 1 ms convolution. Blocks are cached by size
// class (sizes rounded up to 1/8 of their power of two), newest reused first, oldest evicted.
#include "ember/core/allocator.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>
#if defined(__linux__)
#include <pthread.h>
#include <sys/mman.h>
#endif

#include "ember/core/storage.h"

namespace ember {

namespace {

// Smaller blocks come from glibc's heap, which reuses them well; larger ones are cached.
constexpr size_t kCacheMin = size_t{128} << 10;
constexpr size_t kMaxEntries = 512;     // bounds the lookup scan
constexpr size_t kHugePage = size_t{2} << 20;

struct Cached {
  void* p;
  size_t bytes;
};

struct HostCache {
  std::mutex mu;
  std::vector<Cached> blocks;  // oldest first
  size_t bytes = 0;
  size_t limit = default_limit();

  static size_t default_limit() {
    if (const char* s = std::getenv("EMBER_HOST_CACHE_MB")) {
      char* end = nullptr;
      const unsigned long long mb = std::strtoull(s, &end, 10);
      if (end != s && *end == '\0') return static_cast<size_t>(mb) << 20;
    }
#if defined(__SANITIZE_ADDRESS__)
    return 0;  // AddressSanitizer must see every free to catch a use after it
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return 0;
#endif
#endif
    return size_t{256} << 20;
  }

  // Frees the oldest blocks until `need` more bytes and one more entry fit. Holds mu.
  void make_room(size_t need) {
    size_t drop = 0;
    while (drop < blocks.size() &&
           (bytes + need > limit || blocks.size() - drop + 1 > kMaxEntries)) {
      std::free(blocks[drop].p);
      bytes -= blocks[drop].bytes;
      ++drop;
    }
    blocks.erase(blocks.begin(), blocks.begin() + static_cast<std::ptrdiff_t>(drop));
  }
};

// Never destroyed: tensors freed during interpreter or static teardown still find it.
HostCache& cache() {
  static HostCache* c = [] {
    auto* h = new HostCache();
#if defined(__linux__)
    // A child forked while another thread held the lock would deadlock on its first tensor.
    pthread_atfork([] { cache().mu.lock(); }, [] { cache().mu.unlock(); },
                   [] { cache().mu.unlock(); });
#endif
    return h;
  }();
  return *c;
}

// The size actually allocated for n bytes: a multiple of 64, of 1/8 of n's power of two
// when cacheable (so near sizes share blocks, wasting at most 12.5%), of 2 MiB from 4 MiB.
size_t block_size(size_t n) {
  size_t s = (n + kAlignment - 1) / kAlignment * kAlignment;
  if (s == 0) s = kAlignment;
  if (s >= kCacheMin) {
    size_t top = size_t{1};
    while (top <= s / 2) top <<= 1;
    const size_t step = top / 8;
    s = (s + step - 1) / step * step;
  }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (s >= 2 * kHugePage) s = (s + kHugePage - 1) / kHugePage * kHugePage;
#endif
  return s;
}

void* fresh_block(size_t s) {
  size_t align = kAlignment;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Large buffers get transparent huge pages (as NumPy does): first-touch page faults
  // otherwise dominate big elementwise ops (about 7x slower for a 64 MB result).
  if (s >= 2 * kHugePage) align = kHugePage;
#endif
  void* p = std::aligned_alloc(align, s);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (p && align != kAlignment) madvise(p, s, MADV_HUGEPAGE);  // a hint; failure is harmless
#endif
  return p;
}

}  // namespace

void* host_alloc(size_t nbytes, size_t& capacity) {
  const size_t s = block_size(nbytes);
  capacity = s;
  if (s >= kCacheMin) {
    HostCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    for (size_t i = c.blocks.size(); i-- > 0;)
      if (c.blocks[i].bytes == s) {
        void* p = c.blocks[i].p;
        c.blocks.erase(c.blocks.begin() + static_cast<std::ptrdiff_t>(i));
        c.bytes -= s;
        return p;
      }
  }
  void* p = fresh_block(s);
  if (!p) {
    host_empty_cache();
    p = fresh_block(s);
  }
  return p;
}

void host_free(void* p, size_t capacity) {
  if (!p) return;
  if (capacity >= kCacheMin) {
    HostCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    if (capacity <= c.limit / 4) {  // a block as large as the cache would evict it all
      c.make_room(capacity);
      c.blocks.push_back({p, capacity});
      c.bytes += capacity;
      return;
    }
  }
  std::free(p);
}

size_t host_cached_bytes() {
  HostCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.bytes;
}

size_t host_cache_limit() {
  HostCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.limit;
}

void set_host_cache_limit(size_t bytes) {
  HostCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.limit = bytes;
  c.make_room(0);
}

void host_empty_cache() {
  HostCache& c = cache();
  std::vector<Cached> drop;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    drop.swap(c.blocks);
    c.bytes = 0;
  }
  for (const Cached& b : drop) std::free(b.p);
}

}  // namespace ember

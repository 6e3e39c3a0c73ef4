// safetensors reader and writer; see safetensors.h. The reader validates the header the
// way the official package does (every byte of the data buffer belongs to exactly one
// tensor) before allocating anything, then pread()s each tensor into its own storage: no
// mmap, so a file truncated while we read gives an error instead of SIGBUS.
#include "ember/io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <numeric>

#include "ember/autograd/grad_mode.h"
#include "ember/io/json.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

// The official package refuses larger headers; so do we (it also bounds our parse work).
constexpr uint64_t kMaxHeaderSize = 100'000'000;
// No real tensor comes near this; the cap stops a hostile "shape": [0, 0, ...] of millions
// of entries from costing gigabytes of shape and stride vectors.
constexpr size_t kMaxDims = 1024;

// Every dtype of the spec in the official package's enum order: the writer sorts tensors
// by this order (descending), which keeps each tensor aligned to its element size.
struct FileDtype {
  const char* name;
  int bits;
  bool loadable;  // ember converts it to one of its dtypes
  DType target;
};
constexpr FileDtype kFileDtypes[] = {
    {"BOOL", 8, true, DType::Bool},        {"F4", 4, false, DType::Float32},
    {"F6_E2M3", 6, false, DType::Float32}, {"F6_E3M2", 6, false, DType::Float32},
    {"U8", 8, true, DType::Int64},         {"I8", 8, true, DType::Int64},
    {"F8_E5M2", 8, false, DType::Float32}, {"F8_E4M3", 8, false, DType::Float32},
    {"F8_E8M0", 8, false, DType::Float32}, {"F8_E4M3FNUZ", 8, false, DType::Float32},
    {"F8_E5M2FNUZ", 8, false, DType::Float32}, {"I16", 16, true, DType::Int64},
    {"U16", 16, true, DType::Int64},       {"F16", 16, true, DType::Float32},
    {"BF16", 16, true, DType::Float32},    {"I32", 32, true, DType::Int64},
    {"U32", 32, true, DType::Int64},       {"F32", 32, true, DType::Float32},
    {"C64", 64, false, DType::Float32},    {"F64", 64, true, DType::Float64},
    {"I64", 64, true, DType::Int64},       {"U64", 64, false, DType::Int64},
};
constexpr int kNumFileDtypes = sizeof(kFileDtypes) / sizeof(kFileDtypes[0]);

int file_dtype_index(const std::string& name) {
  for (int i = 0; i < kNumFileDtypes; ++i)
    if (name == kFileDtypes[i].name) return i;
  return -1;
}

int file_dtype_of(DType t) {
  switch (t) {
    case DType::Bool: return file_dtype_index("BOOL");
    case DType::Int64: return file_dtype_index("I64");
    case DType::Float32: return file_dtype_index("F32");
    case DType::Float64: return file_dtype_index("F64");
  }
  return -1;
}

bool host_is_little_endian() {
  const uint16_t one = 1;
  unsigned char b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

std::string quoted(const std::string& s) {
  std::string out;
  json::append_string(out, s);
  return out;
}

// The path as messages show it: bytes that are not UTF-8 become \xNN, so the message can
// always become a Python str.
std::string context(const char* op, const std::string& path) {
  std::string shown;
  std::string_view rest(path);
  while (!rest.empty()) {
    size_t bad = json::utf8_error_at(rest);
    shown.append(rest.data(), bad);
    if (bad == rest.size()) break;
    static const char* hex = "0123456789abcdef";
    auto b = static_cast<unsigned char>(rest[bad]);
    shown += "\\x";
    shown += hex[b >> 4];
    shown += hex[b & 15];
    rest.remove_prefix(bad + 1);
  }
  return detail::cat("[", op, "] '", shown, "'");
}

[[noreturn]] void throw_errno(const std::string& ctx, const char* action, int err) {
  std::string msg = detail::cat(ctx, ": cannot ", action, ": ", std::strerror(err));
  if (err == ENOENT) throw FileNotFoundError(msg);
  throw OSError(msg);
}

// Owns a file descriptor.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads exactly n bytes at offset; false when the file ends first.
bool pread_exact(int fd, void* buf, size_t n, uint64_t offset, const std::string& ctx) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    // Linux transfers at most ~2 GiB per call; ask for less and loop.
    size_t want = std::min<size_t>(n, size_t{1} << 30);
    ssize_t got = ::pread(fd, p, want, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw_errno(ctx, "read the file", errno);
    }
    if (got == 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return true;
}

void write_all(int fd, const void* buf, size_t n, const std::string& ctx) {
  const auto* p = static_cast<const char*>(buf);
  while (n > 0) {
    ssize_t put = ::write(fd, p, std::min<size_t>(n, size_t{1} << 30));
    if (put < 0) {
      if (errno == EINTR) continue;
      throw_errno(ctx, "write the file", errno);
    }
    p += put;
    n -= static_cast<size_t>(put);
  }
}

// ---------------------------------------------------------------- header validation

struct Entry {
  std::string name;
  int dtype;  // index into kFileDtypes
  Shape shape;
  uint64_t begin, end;  // relative to the start of the data buffer
};

struct Header {
  std::vector<Entry> entries;  // sorted by data offset
  std::map<std::string, std::string> metadata;
};

// Reads one tensor's {"dtype", "shape", "data_offsets"} object from r and checks it.
// Only the fields are kept (pulling, not building a tree), so memory stays proportional
// to the names and shapes even for a hostile header.
Entry parse_entry(const std::string& name, json::Reader& r, const std::string& ctx) {
  using Kind = json::Value::Kind;
  const std::string tn = "tensor " + quoted(name);
  EMBER_CHECK(r.peek() == Kind::Object, ValueError, ctx, ": ", tn,
              ": expected an object with dtype, shape and data_offsets, got ", r.describe_next());
  bool has_dtype = false, has_shape = false, has_offsets = false;
  std::string dtype;
  Entry e;
  e.name = name;
  std::vector<json::Value> offs;
  std::string key;
  r.begin_object();
  while (r.next_key(key)) {
    if (key == "dtype") {
      EMBER_CHECK(!has_dtype, ValueError, ctx, ": ", tn, ": repeated field \"dtype\"");
      has_dtype = true;
      EMBER_CHECK(r.peek() == Kind::String, ValueError, ctx, ": ", tn,
                  ": expected \"dtype\" to be a string, got ", r.describe_next());
      dtype = r.read_value().str;
    } else if (key == "shape") {
      EMBER_CHECK(!has_shape, ValueError, ctx, ": ", tn, ": repeated field \"shape\"");
      has_shape = true;
      EMBER_CHECK(r.peek() == Kind::Array, ValueError, ctx, ": ", tn,
                  ": expected \"shape\" to be an array of integers, got ", r.describe_next());
      r.begin_array();
      while (r.next_item()) {
        Kind k = r.peek();
        std::string got = k == Kind::Array || k == Kind::Object ? r.describe_next() : "";
        json::Value s = got.empty() ? r.read_value() : json::Value();
        EMBER_CHECK(got.empty() && s.kind == Kind::Int && s.integer >= 0, ValueError, ctx, ": ",
                    tn, ": shape entries must be non-negative integers, got ",
                    got.empty() ? s.describe() : got);
        EMBER_CHECK(e.shape.size() < kMaxDims, ValueError, ctx, ": ", tn,
                    ": shape has more than ", kMaxDims, " dims");
        e.shape.push_back(s.integer);
      }
    } else if (key == "data_offsets") {
      EMBER_CHECK(!has_offsets, ValueError, ctx, ": ", tn, ": repeated field \"data_offsets\"");
      has_offsets = true;
      bool ok = r.peek() == Kind::Array;
      if (ok) {
        r.begin_array();
        while (ok && r.next_item()) {
          Kind k = r.peek();
          ok = k != Kind::Array && k != Kind::Object && offs.size() < 2;
          if (ok) offs.push_back(r.read_value());
        }
      }
      ok = ok && offs.size() == 2 && offs[0].kind == Kind::Int && offs[1].kind == Kind::Int &&
           offs[0].integer >= 0 && offs[1].integer >= 0;
      EMBER_CHECK(ok, ValueError, ctx, ": ", tn,
                  ": expected \"data_offsets\" to be two non-negative integers [begin, end]");
    } else {
      r.skip_value();  // unknown fields are ignored, as the official package does
    }
  }
  EMBER_CHECK(has_dtype && has_shape && has_offsets, ValueError, ctx, ": ", tn,
              ": missing field \"", !has_dtype ? "dtype" : !has_shape ? "shape" : "data_offsets",
              "\"");
  e.dtype = file_dtype_index(dtype);
  EMBER_CHECK(e.dtype >= 0, TypeError, ctx, ": ", tn, " has unknown dtype ", quoted(dtype));

  // numel * bits is checked against overflow step by step (like the official package,
  // even when a later size is 0), so no product below can wrap.
  uint64_t bits = static_cast<uint64_t>(kFileDtypes[e.dtype].bits);
  constexpr uint64_t kLimit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  for (int64_t s : e.shape) {
    uint64_t d = static_cast<uint64_t>(s);
    EMBER_CHECK(d == 0 || bits <= kLimit / d, ValueError, ctx, ": ", tn, ": shape ",
                shape_str(e.shape), " has too many elements");
    bits *= d;
  }
  EMBER_CHECK(bits % 8 == 0, ValueError, ctx, ": ", tn, ": shape ", shape_str(e.shape), " of ",
              kFileDtypes[e.dtype].name, " is not a whole number of bytes");
  uint64_t nbytes = bits / 8;
  e.begin = static_cast<uint64_t>(offs[0].integer);
  e.end = static_cast<uint64_t>(offs[1].integer);
  EMBER_CHECK(e.begin <= e.end, ValueError, ctx, ": ", tn, ": data_offsets [", e.begin, ", ",
              e.end, "] end before they begin");
  EMBER_CHECK(e.end - e.begin == nbytes, ValueError, ctx, ": ", tn, ": shape ",
              shape_str(e.shape), " of ", kFileDtypes[e.dtype].name, " needs ", nbytes,
              " bytes but data_offsets [", e.begin, ", ", e.end, "] hold ", e.end - e.begin);
  return e;
}

// Parses and validates the header against a data buffer of buffer_len bytes.
Header parse_header(std::string_view text, uint64_t buffer_len, const std::string& ctx) {
  using Kind = json::Value::Kind;
  json::Reader r(text, ctx);
  EMBER_CHECK(r.peek() == Kind::Object, ValueError, ctx,
              ": the header must be a JSON object, got ", r.describe_next());
  Header h;
  bool has_metadata = false;
  std::string name;
  r.begin_object();
  while (r.next_key(name)) {
    if (name != "__metadata__") {
      h.entries.push_back(parse_entry(name, r, ctx));
      continue;
    }
    EMBER_CHECK(!has_metadata, ValueError, ctx, ": repeated key \"__metadata__\"");
    has_metadata = true;
    if (r.peek() == Kind::Null) {
      r.skip_value();
      continue;
    }
    EMBER_CHECK(r.peek() == Kind::Object, ValueError, ctx,
                ": \"__metadata__\" must be an object of strings, got ", r.describe_next());
    std::string k;
    r.begin_object();
    while (r.next_key(k)) {
      EMBER_CHECK(r.peek() == Kind::String, ValueError, ctx, ": metadata value for key ",
                  quoted(k), " must be a string, got ", r.describe_next());
      EMBER_CHECK(h.metadata.count(k) == 0, ValueError, ctx, ": repeated metadata key ",
                  quoted(k));
      h.metadata[k] = r.read_value().str;
    }
  }
  r.finish();
  auto& es = h.entries;
  {
    // Repeated names are ambiguous (parsers disagree on which one wins): reject them.
    std::vector<const std::string*> names;
    names.reserve(es.size());
    for (const Entry& e : es) names.push_back(&e.name);
    std::sort(names.begin(), names.end(), [](auto a, auto b) { return *a < *b; });
    for (size_t i = 1; i < names.size(); ++i)
      EMBER_CHECK(*names[i] != *names[i - 1], ValueError, ctx, ": duplicate key ",
                  quoted(*names[i]), " (a tensor name appears twice)");
  }
  std::stable_sort(es.begin(), es.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  // The data buffer must be tiled exactly: no byte outside a tensor, none in two.
  uint64_t covered = 0;
  for (size_t i = 0; i < es.size(); ++i) {
    const Entry& e = es[i];
    EMBER_CHECK(e.end <= buffer_len, ValueError, ctx, ": tensor ", quoted(e.name),
                ": data_offsets [", e.begin, ", ", e.end, "] extend past the end of the ",
                buffer_len, "-byte data buffer");
    EMBER_CHECK(e.begin >= covered, ValueError, ctx, ": tensor ", quoted(e.name),
                ": data_offsets [", e.begin, ", ", e.end, "] overlap tensor ",
                quoted(es[i - 1].name));
    EMBER_CHECK(e.begin == covered, ValueError, ctx, ": tensor ", quoted(e.name),
                ": data_offsets [", e.begin, ", ", e.end, "] leave bytes [", covered, ", ",
                e.begin, ") of the data buffer unused");
    covered = e.end;
  }
  EMBER_CHECK(covered == buffer_len, ValueError, ctx, ": the data buffer has ", buffer_len,
              " bytes but the tensors cover only ", covered, " (trailing or missing data)");
  return h;
}

struct OpenedFile {
  std::unique_ptr<Fd> fd;
  Header header;
  uint64_t data_start = 0;
};

OpenedFile open_and_validate(const std::string& path, const std::string& ctx) {
  EMBER_CHECK(host_is_little_endian(), NotImplementedError, ctx,
              ": safetensors I/O needs a little-endian host");
  // O_NONBLOCK: opening a FIFO must not hang; we accept regular files only anyway.
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (raw < 0) throw_errno(ctx, "open the file", errno);
  OpenedFile f;
  f.fd = std::make_unique<Fd>(raw);
  struct stat st;
  if (::fstat(raw, &st) != 0) throw_errno(ctx, "stat the file", errno);
  EMBER_CHECK(!S_ISDIR(st.st_mode), OSError, ctx, ": is a directory, expected a file");
  EMBER_CHECK(S_ISREG(st.st_mode), OSError, ctx, ": not a regular file");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  EMBER_CHECK(size >= 8, ValueError, ctx, ": the file has ", size,
              " bytes, fewer than the 8 of the header size; not a safetensors file");

  unsigned char len[8];
  EMBER_CHECK(pread_exact(raw, len, 8, 0, ctx), ValueError, ctx, ": the file shrank while reading");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len[i];
  EMBER_CHECK(n <= kMaxHeaderSize, ValueError, ctx, ": header size ", n, " exceeds the limit of ",
              kMaxHeaderSize, " bytes; not a safetensors file or corrupted");
  EMBER_CHECK(n <= size - 8, ValueError, ctx, ": header size ", n,
              " exceeds the file size minus 8 (", size - 8, "); the file is truncated or corrupted");
  std::string text(n, '\0');
  EMBER_CHECK(pread_exact(raw, text.data(), n, 8, ctx), ValueError, ctx,
              ": the file shrank while reading");
  f.data_start = 8 + n;
  f.header = parse_header(text, size - f.data_start, ctx);
  return f;
}

// ---------------------------------------------------------------- dtype conversion

float half_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F;
  uint32_t man = h & 0x3FF;
  uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (man << 13);  // inf or NaN (payload kept)
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalise the mantissa into a float32 normal number.
    int e = -1;
    do {
      ++e;
      man <<= 1;
    } while ((man & 0x400) == 0);
    bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((man & 0x3FF) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Converts n elements of file dtype `name` at src to the ember dtype at dst.
void convert(const char* name, const unsigned char* src, size_t n, void* dst) {
  std::string_view k(name);
  auto widen = [&](auto tag) {
    using S = decltype(tag);
    auto* out = static_cast<int64_t*>(dst);
    for (size_t i = 0; i < n; ++i) {
      S v;
      std::memcpy(&v, src + i * sizeof(S), sizeof(S));
      out[i] = static_cast<int64_t>(v);
    }
  };
  if (k == "F16" || k == "BF16") {
    auto* out = static_cast<float*>(dst);
    bool bf = k == "BF16";
    for (size_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, src + 2 * i, 2);
      if (bf) {
        uint32_t bits = static_cast<uint32_t>(h) << 16;
        std::memcpy(&out[i], &bits, 4);
      } else {
        out[i] = half_to_float(h);
      }
    }
  } else if (k == "I8") {
    widen(int8_t{});
  } else if (k == "U8") {
    widen(uint8_t{});
  } else if (k == "I16") {
    widen(int16_t{});
  } else if (k == "U16") {
    widen(uint16_t{});
  } else if (k == "I32") {
    widen(int32_t{});
  } else if (k == "U32") {
    widen(uint32_t{});
  } else {
    EMBER_THROW(RuntimeError, "[load] internal error: no conversion from ", name);
  }
}

Tensor read_tensor(const OpenedFile& f, const Entry& e, const std::string& ctx) {
  const FileDtype& fd = kFileDtypes[e.dtype];
  Tensor t = Tensor::empty(e.shape, fd.target);
  const uint64_t nbytes = e.end - e.begin;
  const uint64_t where = f.data_start + e.begin;
  if (nbytes == 0) return t;
  const bool native = static_cast<uint64_t>(fd.bits) == 8 * ember::itemsize(fd.target) &&
                      file_dtype_of(fd.target) == e.dtype;
  if (native) {
    EMBER_CHECK(pread_exact(f.fd->fd, t.raw_data(), nbytes, where, ctx), ValueError, ctx,
                ": the file shrank while reading tensor ", quoted(e.name));
    if (fd.target == DType::Bool) {
      // A hostile file may hold bytes other than 0/1; a C++ bool must not.
      auto* p = static_cast<unsigned char*>(t.raw_data());
      for (uint64_t i = 0; i < nbytes; ++i) p[i] = p[i] != 0;
    }
    return t;
  }
  // Convert in chunks so the staging buffer stays small for large tensors.
  const size_t in_size = static_cast<size_t>(fd.bits / 8);
  const size_t out_size = ember::itemsize(fd.target);
  const size_t chunk = (size_t{4} << 20) / in_size;
  std::vector<unsigned char> buf(std::min<uint64_t>(nbytes, chunk * in_size));
  auto* dst = static_cast<char*>(t.raw_data());
  const size_t total = static_cast<size_t>(t.numel());
  for (size_t i = 0; i < total; i += chunk) {
    size_t m = std::min(chunk, total - i);
    EMBER_CHECK(pread_exact(f.fd->fd, buf.data(), m * in_size, where + i * in_size, ctx),
                ValueError, ctx, ": the file shrank while reading tensor ", quoted(e.name));
    convert(fd.name, buf.data(), m, dst + i * out_size);
  }
  return t;
}

// ---------------------------------------------------------------- writing

// Buffers small writes (headers, small tensors) and passes large ones straight through.
class Writer {
 public:
  Writer(int fd, const std::string& ctx) : fd_(fd), ctx_(ctx) { buf_.reserve(kCap); }
  void put(const void* p, size_t n) {
    if (n == 0) return;
    if (buf_.size() + n > kCap) flush();
    if (n >= kCap) {
      write_all(fd_, p, n, ctx_);
      return;
    }
    const char* c = static_cast<const char*>(p);
    buf_.insert(buf_.end(), c, c + n);
  }
  void flush() {
    write_all(fd_, buf_.data(), buf_.size(), ctx_);
    buf_.clear();
  }

 private:
  static constexpr size_t kCap = size_t{1} << 20;
  int fd_;
  const std::string& ctx_;
  std::vector<char> buf_;
};

// Removes the temporary file unless the rename succeeded.
struct TempFile {
  std::string path;
  int fd = -1;
  bool committed = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!committed && !path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

void save(const NamedTensors& tensors, const std::string& path,
          const std::map<std::string, std::string>& metadata) {
  const std::string ctx = context("save", path);
  EMBER_CHECK(host_is_little_endian(), NotImplementedError, ctx,
              ": safetensors I/O needs a little-endian host");
  EMBER_CHECK(!path.empty(), ValueError, "[save] expected a file path, got an empty string");
  for (const auto& [k, v] : metadata) {
    EMBER_CHECK(json::utf8_error_at(k) == k.size() && json::utf8_error_at(v) == v.size(),
                ValueError, ctx, ": metadata keys and values must be valid UTF-8");
  }
  const size_t n = tensors.size();
  for (const auto& [name, t] : tensors) {
    EMBER_CHECK(json::utf8_error_at(name) == name.size(), ValueError, ctx,
                ": tensor names must be valid UTF-8");
    EMBER_CHECK(name != "__metadata__", ValueError, ctx,
                ": \"__metadata__\" is reserved and cannot name a tensor");
    EMBER_CHECK(t.defined(), ValueError, ctx, ": tensor ", quoted(name), " is undefined");
    EMBER_CHECK(t.device().is_cpu(), TypeError, ctx, ": tensor ", quoted(name), " is on ",
                t.device().str(), "; only CPU tensors can be saved");
  }
  // The official package's layout: larger dtypes first (in its enum order), then by name.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  auto rank = [&](size_t i) { return file_dtype_of(tensors[i].second.dtype()); };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (rank(a) != rank(b)) return rank(a) > rank(b);
    return tensors[a].first < tensors[b].first;
  });
  {
    // Equal names sort together only within a dtype, so check repeats on a name sort.
    std::vector<const std::string*> names;
    for (const auto& nt : tensors) names.push_back(&nt.first);
    std::sort(names.begin(), names.end(), [](auto a, auto b) { return *a < *b; });
    for (size_t i = 1; i < names.size(); ++i)
      EMBER_CHECK(*names[i] != *names[i - 1], ValueError, ctx, ": tensor name ",
                  quoted(*names[i]), " appears more than once");
  }

  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : metadata) {
      if (!first) header += ',';
      first = false;
      json::append_string(header, k);
      header += ':';
      json::append_string(header, v);
    }
    header += '}';
  }
  uint64_t offset = 0;
  for (size_t i : order) {
    const Tensor& t = tensors[i].second;
    if (header.size() > 1) header += ',';
    json::append_string(header, tensors[i].first);
    header += ":{\"dtype\":\"";
    header += kFileDtypes[file_dtype_of(t.dtype())].name;
    header += "\",\"shape\":[";
    for (int64_t d = 0; d < t.dim(); ++d) {
      if (d) header += ',';
      header += std::to_string(t.size(d));
    }
    uint64_t nbytes = static_cast<uint64_t>(t.numel()) * t.itemsize();
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + nbytes) + "]}";
    offset += nbytes;
  }
  header += '}';
  header.append((8 - header.size() % 8) % 8, ' ');
  EMBER_CHECK(header.size() <= kMaxHeaderSize, ValueError, ctx, ": the header would be ",
              header.size(), " bytes, over the limit of ", kMaxHeaderSize,
              " that readers accept; use fewer or shorter names");

  // A unique sibling name: rename() is atomic only within one file system.
  static std::atomic<uint64_t> counter{0};
  TempFile tmp;
  tmp.path = path + ".tmp" + std::to_string(::getpid()) + "." + std::to_string(counter++);
  tmp.fd = ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (tmp.fd < 0) {
    int err = errno;
    tmp.path.clear();  // not ours: never unlink it
    throw_errno(ctx, "create the file", err);
  }
  Writer w(tmp.fd, ctx);
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(header.size() >> (8 * i));
  w.put(len, 8);
  w.put(header.data(), header.size());
  for (size_t i : order) {
    const Tensor& t = tensors[i].second;
    if (t.numel() == 0) continue;
    Tensor c = t;
    if (!t.is_contiguous()) {
      autograd::NoGradGuard guard;
      c = contiguous(t.detach());
    }
    w.put(c.raw_data(), static_cast<size_t>(c.numel()) * c.itemsize());
  }
  w.flush();
  int fd = tmp.fd;
  tmp.fd = -1;
  if (::close(fd) != 0) throw_errno(ctx, "write the file", errno);
  if (::rename(tmp.path.c_str(), path.c_str()) != 0) throw_errno(ctx, "replace the file", errno);
  tmp.committed = true;
}

NamedTensors load(const std::string& path) {
  const std::string ctx = context("load", path);
  OpenedFile f = open_and_validate(path, ctx);
  for (const Entry& e : f.header.entries) {
    const FileDtype& fd = kFileDtypes[e.dtype];
    EMBER_CHECK(fd.loadable, TypeError, ctx, ": tensor ", quoted(e.name), " has dtype ", fd.name,
                ", which ember cannot load (supported: F32, F64, I64, BOOL; F16, BF16 -> "
                "float32; I8, I16, I32, U8, U16, U32 -> int64)");
  }
  NamedTensors out;
  out.reserve(f.header.entries.size());
  for (const Entry& e : f.header.entries) out.emplace_back(e.name, read_tensor(f, e, ctx));
  return out;
}

std::map<std::string, std::string> load_metadata(const std::string& path) {
  return open_and_validate(path, context("load_metadata", path)).header.metadata;
}

}  // namespace ember

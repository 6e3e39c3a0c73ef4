// C++ tests of ember::save / ember::load (safetensors) and the header JSON parser: round
// trips of every dtype, conversions of narrow dtypes, and malformed files. Exits non-zero
// on the first failure group that has errors.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include <unistd.h>

#include "ember/ember.h"
#include "ember/io/json.h"

using namespace ember;

static int failures = 0;

#define EXPECT(cond)                                                              \
  do {                                                                            \
    if (!(cond)) {                                                                \
      ++failures;                                                                 \
      std::cerr << __FILE__ << ":" << __LINE__ << ": expected " #cond "\n";       \
    }                                                                             \
  } while (0)

// Runs f and checks it throws exactly E (or a subclass) whose message contains text.
template <class E, class F>
void expect_throw(F&& f, const std::string& text, int line) {
  try {
    f();
  } catch (const E& e) {
    if (std::string(e.what()).find(text) == std::string::npos) {
      ++failures;
      std::cerr << "line " << line << ": message \"" << e.what() << "\" lacks \"" << text << "\"\n";
    }
    return;
  } catch (const std::exception& e) {
    ++failures;
    std::cerr << "line " << line << ": wrong exception type: " << e.what() << "\n";
    return;
  }
  ++failures;
  std::cerr << "line " << line << ": no exception (expected \"" << text << "\")\n";
}
#define EXPECT_THROW(E, stmt, text) expect_throw<E>([&] { stmt; }, text, __LINE__)

static std::string dir;

static std::string file(const std::string& name) { return dir + "/" + name; }

static void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

static std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A safetensors file from a header text and a data buffer (header padded to 8 bytes).
static std::string raw_file(std::string header, const std::string& data) {
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((uint64_t(header.size()) >> (8 * i)) & 0xFF);
  return out + header + data;
}

static bool same_bytes(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  Tensor ca = contiguous(a), cb = contiguous(b);
  return std::memcmp(ca.raw_data(), cb.raw_data(), ca.numel() * ca.itemsize()) == 0;
}

static Tensor filled(const Shape& shape, DType dtype, int seed) {
  Tensor t = empty(shape, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      if constexpr (std::is_same_v<T, bool>) p[i] = (i * 7 + seed) % 3 == 0;
      else p[i] = static_cast<T>((i * 37 + seed) % 101) - static_cast<T>(50);
    }
  });
  return t;
}

static void test_round_trip() {
  Tensor w = filled({3, 4}, DType::Float32, 1);
  NamedTensors in = {
      {"w", w},
      {"wt", transpose(w, 0, 1)},  // non-contiguous
      {"d", filled({2, 2, 2}, DType::Float64, 2)},
      {"i", filled({5}, DType::Int64, 3)},
      {"m", filled({6}, DType::Bool, 4)},
      {"s", filled({}, DType::Float32, 5)},
      {"e", filled({0, 4}, DType::Int64, 6)},
      {"caf\xc3\xa9 \"x\"\n", filled({2}, DType::Float32, 7)},
  };
  const std::string p = file("rt.safetensors");
  save(in, p, {{"format", "ember"}, {"k", "v\\\"\x01"}});
  NamedTensors out = load(p);
  EXPECT(out.size() == in.size());
  // File order: I64, F64, F32, BOOL, then by name.
  const char* order[] = {"e", "i", "d", "caf\xc3\xa9 \"x\"\n", "s", "w", "wt", "m"};
  for (size_t k = 0; k < out.size() && k < 8; ++k) EXPECT(out[k].first == order[k]);
  for (const auto& [name, t] : in) {
    bool found = false;
    for (const auto& [n2, t2] : out)
      if (n2 == name) {
        found = true;
        EXPECT(same_bytes(t, t2));
      }
    EXPECT(found);
  }
  auto meta = load_metadata(p);
  EXPECT(meta.size() == 2 && meta["format"] == "ember" && meta["k"] == "v\\\"\x01");
  // The header is padded to 8 bytes and the bytes are reproducible.
  std::string bytes = read_bytes(p);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT(n % 8 == 0);
  save(in, file("rt2.safetensors"), {{"format", "ember"}, {"k", "v\\\"\x01"}});
  EXPECT(read_bytes(file("rt2.safetensors")) == bytes);

  // Loaded tensors own their memory.
  std::remove(p.c_str());
  EXPECT(same_bytes(out[5].second, w));

  EXPECT_THROW(ValueError, save({{"a", w}, {"a", w}}, p), "appears more than once");
  EXPECT_THROW(ValueError, save({{"__metadata__", w}}, p), "reserved");
  EXPECT_THROW(ValueError, save({{"bad\xff", w}}, p), "UTF-8");
  EXPECT_THROW(ValueError, save({{"u", Tensor()}}, p), "undefined");
  EXPECT_THROW(FileNotFoundError, save({{"a", w}}, dir + "/no/such/dir.safetensors"), "[save]");
  EXPECT_THROW(OSError, save({{"a", w}}, dir), "[save]");
}

static void test_conversions() {
  // F16: 1, -2, smallest subnormal (2^-24), largest normal, inf; I8 and U8 widen to int64.
  std::string f16("\x00\x3c\x00\xc0\x01\x00\xff\x7b\x00\x7c", 10);
  std::string bf16("\x80\x3f\x20\xc0", 4);  // 1.0, -2.5
  std::string i8("\xff\x80\x7f", 3), u8("\xff", 1);
  std::string hdr = R"({"h":{"dtype":"F16","shape":[5],"data_offsets":[0,10]},)"
                    R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[10,14]},)"
                    R"("i":{"dtype":"I8","shape":[3],"data_offsets":[14,17]},)"
                    R"("u":{"dtype":"U8","shape":[1,1],"data_offsets":[17,18]}})";
  const std::string p = file("conv.safetensors");
  write_bytes(p, raw_file(hdr, f16 + bf16 + i8 + u8));
  NamedTensors out = load(p);
  EXPECT(out.size() == 4);
  if (out.size() != 4) return;
  const float* h = out[0].second.data<float>();
  EXPECT(h[0] == 1.0f && h[1] == -2.0f && h[2] == std::ldexp(1.0f, -24) && h[3] == 65504.0f &&
         std::isinf(h[4]));
  const float* b = out[1].second.data<float>();
  EXPECT(b[0] == 1.0f && b[1] == -2.5f);
  const int64_t* i = out[2].second.data<int64_t>();
  EXPECT(i[0] == -1 && i[1] == -128 && i[2] == 127);
  EXPECT(out[3].second.data<int64_t>()[0] == 255 && out[3].second.dim() == 2);
}

static void test_malformed() {
  const std::string p = file("bad.safetensors");
  auto load_bytes = [&](const std::string& bytes) {
    write_bytes(p, bytes);
    return load(p);
  };
  const std::string f32 = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string d8(8, '\0');
  EXPECT(load_bytes(raw_file(f32, d8)).size() == 1);
  EXPECT_THROW(ValueError, load_bytes("abc"), "fewer than the 8");
  EXPECT_THROW(ValueError, load_bytes(std::string("\xff\xff\xff\xff\xff\xff\xff\xff{}", 10)),
               "exceeds the limit");
  EXPECT_THROW(ValueError, load_bytes(std::string("\x40\0\0\0\0\0\0\0{}", 10)), "exceeds the file size");
  EXPECT_THROW(ValueError, load_bytes(raw_file("{", "")), "invalid JSON");
  EXPECT_THROW(ValueError, load_bytes(raw_file(f32, d8 + "x")), "cover only 8");
  EXPECT_THROW(ValueError, load_bytes(raw_file(f32, "1234")), "extend past the end");
  EXPECT_THROW(ValueError,
               load_bytes(raw_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", d8)),
               "needs 12 bytes");
  EXPECT_THROW(ValueError,
               load_bytes(raw_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", d8)),
               "unused");
  EXPECT_THROW(ValueError,
               load_bytes(raw_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                   R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", d8)),
               "overlap");
  EXPECT_THROW(ValueError,
               load_bytes(raw_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],)"
                                   R"("data_offsets":[0,8]}})", d8)),
               "too many elements");
  EXPECT_THROW(TypeError,
               load_bytes(raw_file(R"({"q":{"dtype":"F8_E5M2","shape":[8],"data_offsets":[0,8]}})", d8)),
               "tensor \"q\" has dtype F8_E5M2");
  EXPECT_THROW(ValueError, load_bytes(raw_file(R"({"__metadata__":{"k":[1]}})", "")),
               "must be a string, got an array");
  EXPECT_THROW(FileNotFoundError, load(file("missing.safetensors")), "missing.safetensors");
  EXPECT_THROW(OSError, load(dir), "is a directory");
}

static void test_json() {
  const std::string ctx = "[test]";
  json::Value v = json::parse(R"( {"a\u00e9\ud83d\ude00\n\/": [1, -9223372036854775808, 9223372036854775808, 1.5e3, true, null, {}]} )", ctx);
  EXPECT(v.kind == json::Value::Kind::Object && v.members.size() == 1);
  EXPECT(v.members[0].first == "a\xc3\xa9\xf0\x9f\x98\x80\n/");
  const auto& items = v.members[0].second.items;
  EXPECT(items.size() == 7);
  if (items.size() == 7) {
    EXPECT(items[0].kind == json::Value::Kind::Int && items[0].integer == 1);
    EXPECT(items[1].kind == json::Value::Kind::Int && items[1].integer == INT64_MIN);
    EXPECT(items[2].kind == json::Value::Kind::Number && items[2].str == "9223372036854775808");
    EXPECT(items[3].kind == json::Value::Kind::Number && items[3].str == "1.5e3");
    EXPECT(items[4].kind == json::Value::Kind::Bool && items[4].boolean);
    EXPECT(items[5].kind == json::Value::Kind::Null);
    EXPECT(items[6].kind == json::Value::Kind::Object);
  }
  const char* bad[] = {"", "{", "{\"a\"}", "{\"a\":1,}", "[1 2]", "01", "-", "1.", "1e", "\"\\x\"",
                       "\"\\ud800\"", "\"\\udc00\"", "\"\\u12\"", "tru", "{} {}", "{\"a\":1,\"a\":2}",
                       "\"\x01\"", "\"\xc3\"", "\"\xed\xa0\x80\""};
  for (const char* b : bad) EXPECT_THROW(ValueError, json::parse(b, ctx), "[test]: invalid JSON header");
  EXPECT_THROW(ValueError, json::parse(std::string(200, '['), ctx), "nesting deeper");
  std::string out;
  json::append_string(out, std::string("a\"\\\b\f\n\r\t\x01\x1f\x7f\xc3\xa9/"));
  EXPECT(out == std::string("\"a\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xc3\xa9/\""));
  // Round trip through the parser.
  EXPECT(json::parse(out, ctx).str == std::string("a\"\\\b\f\n\r\t\x01\x1f\x7f\xc3\xa9/"));
}

// Mutated copies of a valid file (byte flips, truncations, digit edits) must load or raise
// an ember::Error, never crash; run under EMBER_SANITIZE=ON this also checks memory safety.
static void test_fuzz() {
  const std::string src = file("fuzz_src.safetensors"), p = file("fuzz.safetensors");
  save({{"w", filled({3, 4}, DType::Float32, 1)}, {"i", filled({5}, DType::Int64, 2)},
        {"m", filled({2}, DType::Bool, 3)}, {"s", filled({}, DType::Float64, 4)}},
       src, {{"k", "v"}});
  const std::string base = read_bytes(src);
  uint64_t state = 12345;
  auto next = [&](uint64_t n) {  // xorshift64*: deterministic and portable
    state ^= state >> 12, state ^= state << 25, state ^= state >> 27;
    return (state * 2685821657736338717ull) % n;
  };
  int loaded = 0;
  for (int c = 0; c < 600; ++c) {
    std::string d = base;
    switch (c % 3) {
      case 0:
        for (int k = 0, m = 1 + static_cast<int>(next(4)); k < m; ++k)
          d[next(std::min<uint64_t>(d.size(), 200))] = static_cast<char>(next(256));
        break;
      case 1: d.resize(next(d.size())); break;
      default: {
        size_t at = next(d.size());
        if (d[at] >= '0' && d[at] <= '9') d.replace(at, 1, next(2) ? "18446744073709551615" : "99");
        else d[at] ^= static_cast<char>(1 << next(8));
      }
    }
    write_bytes(p, d);
    try {
      NamedTensors out = load(p);
      ++loaded;
    } catch (const Error&) {
    }
  }
  EXPECT(loaded > 0 && loaded < 600);
}

int main() {
  char tmpl[] = "/tmp/ember_test_safetensors_XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 2;
  }
  dir = tmpl;
  try {
    test_json();
    test_round_trip();
    test_conversions();
    test_malformed();
    test_fuzz();
  } catch (const std::exception& e) {
    std::cerr << "unexpected exception: " << e.what() << "\n";
    ++failures;
  }
  std::system(("rm -rf '" + dir + "'").c_str());
  if (failures) {
    std::cerr << failures << " failure(s)\n";
    return 1;
  }
  std::cout << "test_safetensors: all passed\n";
  return 0;
}

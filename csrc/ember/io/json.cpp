// Strict JSON pull reader for safetensors headers; see json.h. Every read is bounds-checked
// against the input size and recursion stops at kMaxDepth.
#include "ember/io/json.h"

#include <algorithm>
#include <limits>

#include "ember/core/error.h"

namespace ember::json {

std::string Value::describe() const {
  switch (kind) {
    case Kind::Null: return "null";
    case Kind::Bool: return boolean ? "true" : "false";
    case Kind::Int: return "the integer " + std::to_string(integer);
    case Kind::Number: return "the number " + str;
    case Kind::String: return "a string";
    case Kind::Array: return "an array";
    case Kind::Object: return "an object";
  }
  return "?";
}

size_t utf8_error_at(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return i;
    }
    if (n - i < len) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return n;
}

Reader::Reader(std::string_view text, const std::string& context) : t_(text), ctx_(context) {
  size_t bad = utf8_error_at(t_);
  if (bad != t_.size()) fail_at(bad, "invalid UTF-8");
}

void Reader::fail_at(size_t pos, const std::string& what) const {
  EMBER_THROW(ValueError, ctx_, ": invalid JSON header at byte ", pos, ": ", what);
}
void Reader::fail(const std::string& what) const { fail_at(i_, what); }

void Reader::skip_ws() {
  while (!at_end() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
}

char Reader::peek_char() {
  skip_ws();
  return at_end() ? '\0' : t_[i_];
}

void Reader::expect(char c) {
  skip_ws();
  if (at_end()) fail(std::string("expected '") + c + "', got the end of the header");
  if (t_[i_] != c) fail(std::string("expected '") + c + "', got '" + t_[i_] + "'");
  ++i_;
}

void Reader::literal(std::string_view word) {
  if (t_.substr(i_, word.size()) != word) fail("expected a JSON value");
  i_ += word.size();
}

void Reader::check_depth(int depth) const {
  if (need_comma_.size() + static_cast<size_t>(depth) >= static_cast<size_t>(kMaxDepth))
    fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
}

Value::Kind Reader::peek() {
  char c = peek_char();
  if (c == '{') return Value::Kind::Object;
  if (c == '[') return Value::Kind::Array;
  if (c == '"') return Value::Kind::String;
  if (c == 't' || c == 'f') return Value::Kind::Bool;
  if (c == 'n') return Value::Kind::Null;
  if (c == '-' || (c >= '0' && c <= '9')) {
    // Int or Number: decided by reading; report the common case.
    return Value::Kind::Int;
  }
  if (at_end()) fail("expected a value, got the end of the header");
  fail(std::string("expected a JSON value, got '") + c + "'");
}

void Reader::begin_object() {
  check_depth(0);
  expect('{');
  need_comma_.push_back(false);
}

void Reader::begin_array() {
  check_depth(0);
  expect('[');
  need_comma_.push_back(false);
}

bool Reader::next_key(std::string& key) {
  EMBER_CHECK(!need_comma_.empty(), RuntimeError, "[json] next_key outside an object");
  if (peek_char() == '}' ) {
    ++i_;
    need_comma_.pop_back();
    return false;
  }
  if (need_comma_.back()) expect(',');
  need_comma_.back() = true;
  if (peek_char() != '"') fail("expected a string key");
  key = string();
  expect(':');
  return true;
}

bool Reader::next_item() {
  EMBER_CHECK(!need_comma_.empty(), RuntimeError, "[json] next_item outside an array");
  if (peek_char() == ']') {
    ++i_;
    need_comma_.pop_back();
    return false;
  }
  if (need_comma_.back()) expect(',');
  need_comma_.back() = true;
  return true;
}

void Reader::finish() {
  skip_ws();
  if (i_ != t_.size()) fail("unexpected characters after the end of the JSON value");
}

std::string Reader::describe_next() {
  Value::Kind k = peek();
  if (k == Value::Kind::Object) return "an object";
  if (k == Value::Kind::Array) return "an array";
  return read_value().describe();
}

void Reader::skip_value(int depth) {
  check_depth(depth);
  char c = peek_char();
  if (c == '{' || c == '[') {
    const char close = c == '{' ? '}' : ']';
    ++i_;
    if (peek_char() == close) {
      ++i_;
      return;
    }
    for (;;) {
      if (c == '{') {
        if (peek_char() != '"') fail("expected a string key");
        string();
        expect(':');
      }
      skip_value(depth + 1);
      if (peek_char() == ',') {
        ++i_;
        continue;
      }
      expect(close);
      return;
    }
  }
  read_value(depth);  // a scalar: small
}

Value Reader::read_value(int depth) {
  check_depth(depth);
  char c = peek_char();
  if (at_end()) fail("expected a value, got the end of the header");
  Value v;
  if (c == '{') {
    v.kind = Value::Kind::Object;
    object_body(v, depth);
  } else if (c == '[') {
    v.kind = Value::Kind::Array;
    array_body(v, depth);
  } else if (c == '"') {
    v.kind = Value::Kind::String;
    v.str = string();
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    number(v);
  } else if (c == 't') {
    literal("true");
    v.kind = Value::Kind::Bool;
    v.boolean = true;
  } else if (c == 'f') {
    literal("false");
    v.kind = Value::Kind::Bool;
  } else if (c == 'n') {
    literal("null");
  } else {
    fail(std::string("expected a JSON value, got '") + c + "'");
  }
  return v;
}

void Reader::object_body(Value& v, int depth) {
  size_t start = i_;
  expect('{');
  if (peek_char() == '}') {
    ++i_;
    return;
  }
  for (;;) {
    if (peek_char() != '"') fail("expected a string key");
    std::string key = string();
    expect(':');
    Value item = read_value(depth + 1);
    v.members.emplace_back(std::move(key), std::move(item));
    if (peek_char() == ',') {
      ++i_;
      continue;
    }
    expect('}');
    break;
  }
  // Repeated keys are ambiguous (parsers disagree on which one wins): reject them.
  std::vector<const std::string*> keys;
  keys.reserve(v.members.size());
  for (const auto& m : v.members) keys.push_back(&m.first);
  std::sort(keys.begin(), keys.end(), [](auto a, auto b) { return *a < *b; });
  for (size_t k = 1; k < keys.size(); ++k)
    if (*keys[k] == *keys[k - 1]) fail_at(start, "duplicate key \"" + *keys[k] + "\" in an object");
}

void Reader::array_body(Value& v, int depth) {
  expect('[');
  if (peek_char() == ']') {
    ++i_;
    return;
  }
  for (;;) {
    v.items.push_back(read_value(depth + 1));
    if (peek_char() == ',') {
      ++i_;
      continue;
    }
    expect(']');
    break;
  }
}

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

void Reader::number(Value& v) {
  size_t start = i_;
  auto cur = [&] { return at_end() ? '\0' : t_[i_]; };
  bool neg = cur() == '-';
  if (neg) ++i_;
  if (!is_digit(cur())) fail("expected a digit");
  if (cur() == '0') {
    ++i_;
    if (is_digit(cur())) fail("numbers cannot have leading zeros");
  } else {
    while (is_digit(cur())) ++i_;
  }
  bool integral = true;
  if (cur() == '.') {
    integral = false;
    ++i_;
    if (!is_digit(cur())) fail("expected a digit after '.'");
    while (is_digit(cur())) ++i_;
  }
  if (cur() == 'e' || cur() == 'E') {
    integral = false;
    ++i_;
    if (cur() == '+' || cur() == '-') ++i_;
    if (!is_digit(cur())) fail("expected a digit in the exponent");
    while (is_digit(cur())) ++i_;
  }
  std::string_view text = t_.substr(start, i_ - start);
  if (integral) {
    // Accumulate as a negative number so INT64_MIN fits; anything larger stays Number.
    int64_t acc = 0;
    bool fits = true;
    for (size_t k = neg ? 1 : 0; k < text.size() && fits; ++k) {
      int d = text[k] - '0';
      if (acc < (std::numeric_limits<int64_t>::min() + d) / 10) fits = false;
      else acc = acc * 10 - d;
    }
    if (fits && !neg && acc == std::numeric_limits<int64_t>::min()) fits = false;
    if (fits) {
      v.kind = Value::Kind::Int;
      v.integer = neg ? acc : -acc;
      return;
    }
  }
  v.kind = Value::Kind::Number;
  v.str = std::string(text);
}

unsigned Reader::hex4() {
  if (t_.size() - i_ < 4) fail("truncated \\u escape");
  unsigned u = 0;
  for (int k = 0; k < 4; ++k) {
    char c = t_[i_++];
    u <<= 4;
    if (c >= '0' && c <= '9') u |= c - '0';
    else if (c >= 'a' && c <= 'f') u |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') u |= c - 'A' + 10;
    else fail("invalid hex digit in \\u escape");
  }
  return u;
}

namespace {
void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}
}  // namespace

std::string Reader::string() {
  expect('"');
  std::string out;
  for (;;) {
    if (at_end()) fail("unterminated string");
    char c = t_[i_];
    if (c == '"') {
      ++i_;
      return out;
    }
    if (static_cast<unsigned char>(c) < 0x20) fail("unescaped control character in a string");
    if (c != '\\') {
      // Copy the run of plain bytes at once (the whole text is already valid UTF-8).
      size_t j = i_;
      while (j < t_.size() && t_[j] != '"' && t_[j] != '\\' &&
             static_cast<unsigned char>(t_[j]) >= 0x20)
        ++j;
      out.append(t_.data() + i_, j - i_);
      i_ = j;
      continue;
    }
    ++i_;
    if (at_end()) fail("unterminated escape");
    char e = t_[i_++];
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t cp = hex4();
        if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (t_.substr(i_, 2) != "\\u") fail("high surrogate not followed by a low surrogate");
          i_ += 2;
          uint32_t lo = hex4();
          if (lo < 0xDC00 || lo > 0xDFFF) fail("high surrogate not followed by a low surrogate");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        append_utf8(out, cp);
        break;
      }
      default: fail(std::string("invalid escape '\\") + e + "'");
    }
  }
}

Value parse(std::string_view text, const std::string& context) {
  Reader r(text, context);
  Value v = r.read_value();
  r.finish();
  return v;
}

void append_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace ember::json

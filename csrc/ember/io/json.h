// A small, strict JSON reader and string writer for safetensors headers (RFC 8259 syntax,
// UTF-8 checked, nesting depth capped so hostile input cannot exhaust the stack). Internal
// to ember/io: not a general JSON library (no pretty printing, numbers other than int64
// are kept as their source text).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ember::json {

struct Value {
  // Number: a valid JSON number that is not an integer fitting int64 (text kept in str).
  enum class Kind { Null, Bool, Int, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  int64_t integer = 0;
  std::string str;                                     // String, or Number's source text
  std::vector<Value> items;                            // Array
  std::vector<std::pair<std::string, Value>> members;  // Object, in document order

  // "an object", "a string", "the integer -3", ...: for error messages.
  std::string describe() const;
};

constexpr int kMaxDepth = 64;

// Parses one JSON document (surrounding whitespace allowed, nothing else). Objects with a
// repeated key are rejected. Throws ValueError "<context>: invalid JSON header at byte K:
// <problem>" on any malformed input, including invalid UTF-8.
Value parse(std::string_view text, const std::string& context);

// Index of the first byte of an invalid UTF-8 sequence (overlong forms, surrogates and code
// points above U+10FFFF are invalid), or text.size() when text is valid.
size_t utf8_error_at(std::string_view text);

// Appends s as a quoted JSON string, escaping like serde_json (", \, control characters;
// other bytes, including non-ASCII UTF-8, are copied).
void append_string(std::string& out, std::string_view s);

}  // namespace ember::json

// A small, strict JSON reader and string writer for safetensors headers (RFC 8259 syntax,
// UTF-8 checked, nesting depth capped so hostile input cannot exhaust the stack). Reader
// pulls values one at a time, so a caller keeps only what it needs (a DOM of a hostile
// 100 MB header could take gigabytes). Internal to ember/io: not a general JSON library
// (numbers other than int64 are kept as their source text).
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

// Pull reader over one JSON document. Every method skips whitespace first and throws
// ValueError "<context>: invalid JSON header at byte K: <problem>" on malformed input.
class Reader {
 public:
  // Checks that text is valid UTF-8 (the whole of it, up front).
  Reader(std::string_view text, const std::string& context);

  Value::Kind peek();     // kind of the next value, without consuming it
  void begin_object();    // consumes '{'
  bool next_key(std::string& key);  // the next key and its ':'; false (consuming '}') at the end
  void begin_array();     // consumes '['
  bool next_item();       // true before each item; false (consuming ']') at the end
  Value read_value(int depth = 0);  // the next value as a tree (keys must be unique)
  void skip_value(int depth = 0);   // consumes the next value, building nothing
  std::string describe_next();      // Value::describe of the next value (consumes scalars)
  void finish();          // only whitespace may remain
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::string_view t_;
  const std::string& ctx_;
  size_t i_ = 0;
  // Depth of open containers entered via begin_object / begin_array, and whether the next
  // item of each needs a comma first.
  std::vector<bool> need_comma_;

  [[noreturn]] void fail_at(size_t pos, const std::string& what) const;
  bool at_end() const { return i_ >= t_.size(); }
  char peek_char();
  void skip_ws();
  void expect(char c);
  void literal(std::string_view word);
  void check_depth(int depth) const;
  void object_body(Value& v, int depth);
  void array_body(Value& v, int depth);
  void number(Value& v);
  unsigned hex4();
  std::string string();
};

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

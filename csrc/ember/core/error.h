// Typed errors raised by every public entry point. The Python bindings map each type to
// the matching Python exception; messages start with "[op]" and say expected vs given.
#pragma once
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ember {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct ValueError : Error { using Error::Error; };           // bad shapes or values
struct TypeError : Error { using Error::Error; };            // bad dtype or argument type
struct IndexError : Error { using Error::Error; };           // index or dim out of range
struct RuntimeError : Error { using Error::Error; };         // bad state (autograd, ...)
struct MemoryError : Error { using Error::Error; };          // allocation failure
struct NotImplementedError : Error { using Error::Error; };  // feature not built or not there yet
struct OSError : Error { using Error::Error; };              // file I/O failed (permissions, disk full)
struct FileNotFoundError : OSError { using OSError::OSError; };  // a file or directory is missing

// Formats a shape like PyTorch prints sizes: (3, 32, 32), (5,), ().
std::string shape_str(const std::vector<int64_t>& shape);

namespace detail {
template <class... Args>
std::string cat(const Args&... args) {
  std::ostringstream s;
  (s << ... << args);
  return s.str();
}
}  // namespace detail

}  // namespace ember

// EMBER_CHECK(cond, ValueError, "[conv2d] expected ...", x, ...): throws ember::ValueError
// with the concatenated message when cond is false.
#define EMBER_CHECK(cond, Kind, ...)                               \
  do {                                                             \
    if (!(cond)) throw ::ember::Kind(::ember::detail::cat(__VA_ARGS__)); \
  } while (0)

#define EMBER_THROW(Kind, ...) throw ::ember::Kind(::ember::detail::cat(__VA_ARGS__))

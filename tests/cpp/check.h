// A minimal check harness for the C++ tests (ctest runs each test_*.cpp as a program).
#pragma once
#include <cmath>
#include <cstdio>

inline int& check_failures() {
  static int n = 0;
  return n;
}

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++check_failures();                                                        \
    }                                                                            \
  } while (0)

#define CHECK_NEAR(a, b, tol) CHECK(std::fabs(double(a) - double(b)) <= (tol))

// Checks that expr throws an exception of type Type.
#define CHECK_THROWS(expr, Type)                                                 \
  do {                                                                           \
    bool thrown_ = false;                                                        \
    try {                                                                        \
      (void)(expr);                                                              \
    } catch (const Type&) {                                                      \
      thrown_ = true;                                                            \
    } catch (...) {                                                              \
    }                                                                            \
    if (!thrown_) {                                                              \
      std::fprintf(stderr, "%s:%d: expected %s from %s\n", __FILE__, __LINE__, #Type, #expr); \
      ++check_failures();                                                        \
    }                                                                            \
  } while (0)

inline int check_report(const char* name) {
  std::printf("%s: %s (%d failures)\n", name, check_failures() ? "FAILED" : "ok", check_failures());
  return check_failures() ? 1 : 0;
}

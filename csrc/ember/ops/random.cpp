// Random fills; see random.h. Element i of a fill draws from Philox block (offset + i / V),
// part i % V, where V = 4 values per block for 32-bit draws (float32) and 2 for 64-bit ones
// (float64, int64): values depend only on the index, so threads cannot change them.
// Normals use Box-Muller on pairs of uniforms (both the cosine and the sine branch).
#include "ember/ops/random.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/core/parallel.h"
#include "ember/core/random.h"
#include "ember/cpu/isa.h"
#include "ember/ops/creation.h"
#include "ember/ops/view.h"

namespace ember {

namespace cpu {
EMBER_ISA_DECLARE(void, box_muller_f32,
                  (const uint32_t* words, int64_t n_pairs, float mean, float std, float* out))
}

namespace {

constexpr int64_t kRandomGrain = 16384;  // elements per parallel chunk
constexpr double kTwoPi = 6.283185307179586476925286766559;
using Block = std::array<uint32_t, 4>;

// Calls f(first, count, block) for each block j of ceil(n / V) blocks: block =
// philox4x32(seed, offset + j) serves elements [first, first + count), first = j * V.
template <int V, class F>
void for_each_block(int64_t n, const F& f) {
  if (n <= 0) return;
  const int64_t nblocks = (n + V - 1) / V;
  auto [key, offset] = default_generator().reserve(static_cast<uint64_t>(nblocks));
  parallel_for(nblocks, kRandomGrain / V, [&, key = key, offset = offset](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; ++j) {
      const int64_t first = j * V;
      f(first, static_cast<int>(std::min<int64_t>(V, n - first)),
        philox4x32(key, offset + static_cast<uint64_t>(j)));
    }
  });
}

// Values per block for a dtype: four 32-bit or two 64-bit draws.
template <class T>
constexpr int values_per_block() { return sizeof(T) <= 4 ? 4 : 2; }

// Uniform [0, 1) number k of a block: 24 bits for float, 53 bits for double.
template <class T>
T uniform_part(const Block& r, int k) {
  if constexpr (sizeof(T) <= 4) return static_cast<T>(uniform_float(r[k]));
  else return static_cast<T>(uniform_double(r[2 * k], r[2 * k + 1]));
}

// Fills a fresh contiguous tensor out; floating dtypes only.
void fill_uniform(Tensor& out, double from, double to, const char* op) {
  dispatch_float(out.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    const T lo = static_cast<T>(from), span = static_cast<T>(to - from);
    const T hi = static_cast<T>(lo + span);
    for_each_block<values_per_block<T>()>(out.numel(), [=](int64_t first, int count, const Block& r) {
      for (int k = 0; k < count; ++k) {
        T v = lo + span * uniform_part<T>(r, k);
        // Rounding of lo + span * u can reach `to`; keep the interval half-open.
        o[first + k] = span > T(0) && v >= hi ? std::nextafter(hi, lo) : v;
      }
    });
  });
}

// float32: the same values as the generic path below (element 4j + k from block j), with
// the transform in a SIMD kernel; blocks are generated per chunk into a small buffer.
void fill_normal_f32(Tensor& out, float mean, float std) {
  const int64_t n = out.numel();
  if (n == 0) return;
  float* o = out.data<float>();
  const int64_t nblocks = (n + 3) / 4;
  auto [key, offset] = default_generator().reserve(static_cast<uint64_t>(nblocks));
  constexpr int64_t kBlocks = 256;  // per inner step: 1024 values on the stack
  parallel_for(nblocks, kRandomGrain / 4, [&, key = key, offset = offset](int64_t b, int64_t e) {
    uint32_t words[4 * kBlocks];
    float z[4 * kBlocks];
    for (int64_t j0 = b; j0 < e; j0 += kBlocks) {
      const int64_t nb = std::min(kBlocks, e - j0);
      for (int64_t j = 0; j < nb; ++j) {
        Block r = philox4x32(key, offset + static_cast<uint64_t>(j0 + j));
        for (int k = 0; k < 4; ++k) words[4 * j + k] = r[k];
      }
      const int64_t first = 4 * j0, count = std::min<int64_t>(4 * nb, n - first);
      if (count == 4 * nb) {
        EMBER_ISA_CALL(box_muller_f32, words, 2 * nb, mean, std, o + first);
      } else {
        EMBER_ISA_CALL(box_muller_f32, words, 2 * nb, mean, std, z);
        std::copy(z, z + count, o + first);
      }
    }
  });
}

void fill_normal(Tensor& out, double mean, double std, const char* op) {
  if (out.dtype() == DType::Float32)
    return fill_normal_f32(out, static_cast<float>(mean), static_cast<float>(std));
  dispatch_float(out.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    constexpr int V = values_per_block<T>();
    T* o = out.data<T>();
    const T m = static_cast<T>(mean), s = static_cast<T>(std);
    for_each_block<V>(out.numel(), [=](int64_t first, int count, const Block& r) {
      T z[V];
      for (int p = 0; p < V / 2; ++p) {
        const T u1 = T(1) - uniform_part<T>(r, 2 * p);  // (0, 1]: safe for log
        const T u2 = uniform_part<T>(r, 2 * p + 1);
        const T rad = std::sqrt(T(-2) * std::log(u1));
        const T theta = static_cast<T>(kTwoPi) * u2;
        z[2 * p] = rad * std::cos(theta);
        z[2 * p + 1] = rad * std::sin(theta);
      }
      for (int k = 0; k < count; ++k) o[first + k] = m + s * z[k];
    });
  });
}

uint64_t bits64(const Block& r, int k) { return (uint64_t{r[2 * k]} << 32) | r[2 * k + 1]; }

// Writes a fresh contiguous fill back into t (any layout), then handles versions/autograd.
Tensor& write_back(Tensor& t, const Tensor& fresh, const char* op, const char* node) {
  if (!fresh.is_same(t)) {
    autograd::NoGradGuard guard;
    Tensor dst = t.detach();  // detached alias: copy_ must not see t's history
    copy_(dst, fresh);
  } else {
    t.bump_version();
  }
  detail::record_overwrite(t, node);
  return t;
}

void check_float(const Tensor& t, const char* op) {
  EMBER_CHECK(is_floating(t.dtype()), TypeError, "[", op, "] expected a floating point tensor "
              "(float32 or float64), got ", dtype_name(t.dtype()));
}

}  // namespace

void manual_seed(uint64_t s) { default_generator().manual_seed(s); }

uint64_t seed() {
  std::random_device rd;
  uint64_t s = (uint64_t{rd()} << 32) ^ rd() ^
               static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  default_generator().manual_seed(s);
  return s;
}

uint64_t initial_seed() { return default_generator().initial_seed(); }

Tensor rand(const Shape& shape, DType dtype) {
  EMBER_CHECK(is_floating(dtype), TypeError, "[rand] expected a floating dtype, got ",
              dtype_name(dtype));
  Tensor out = Tensor::empty(shape, dtype);
  fill_uniform(out, 0.0, 1.0, "rand");
  return out;
}

Tensor randn(const Shape& shape, DType dtype) {
  EMBER_CHECK(is_floating(dtype), TypeError, "[randn] expected a floating dtype, got ",
              dtype_name(dtype));
  Tensor out = Tensor::empty(shape, dtype);
  fill_normal(out, 0.0, 1.0, "randn");
  return out;
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, DType dtype) {
  EMBER_CHECK(high > low, ValueError, "[randint] expected low < high, got low ", low,
              " and high ", high);
  EMBER_CHECK(dtype != DType::Bool || (low >= 0 && high <= 2), ValueError,
              "[randint] bool results need 0 <= low < high <= 2, got [", low, ", ", high, ")");
  Tensor out = Tensor::empty(shape, dtype);
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    // Multiply-shift maps random bits onto [0, range): 32-bit draws (4 per block) when the
    // range fits in 32 bits (bias <= range / 2^32, as PyTorch's), else 64-bit draws.
    if (range <= (uint64_t{1} << 32)) {
      for_each_block<4>(out.numel(), [=](int64_t first, int count, const Block& r) {
        for (int j = 0; j < count; ++j) {
          uint64_t k = (uint64_t{r[j]} * range) >> 32;
          o[first + j] = static_cast<T>(static_cast<int64_t>(static_cast<uint64_t>(low) + k));
        }
      });
      return;
    }
    for_each_block<2>(out.numel(), [=](int64_t first, int count, const Block& r) {
      for (int j = 0; j < count; ++j) {
        uint64_t k = static_cast<uint64_t>((static_cast<unsigned __int128>(bits64(r, j)) * range) >> 64);
        o[first + j] = static_cast<T>(static_cast<int64_t>(static_cast<uint64_t>(low) + k));
      }
    });
  });
  return out;
}

Tensor rand_like(const Tensor& t, std::optional<DType> dtype) {
  check_defined(t, "rand_like");
  return rand(t.shape(), dtype.value_or(t.dtype()));
}
Tensor randn_like(const Tensor& t, std::optional<DType> dtype) {
  check_defined(t, "randn_like");
  return randn(t.shape(), dtype.value_or(t.dtype()));
}
Tensor randint_like(const Tensor& t, int64_t low, int64_t high, std::optional<DType> dtype) {
  check_defined(t, "randint_like");
  return randint(low, high, t.shape(), dtype.value_or(t.dtype()));
}

Tensor randperm(int64_t n, DType dtype) {
  EMBER_CHECK(n >= 0, ValueError, "[randperm] n must be non-negative, got ", n);
  EMBER_CHECK(dtype != DType::Bool, TypeError, "[randperm] expected a numeric dtype, got bool");
  EMBER_CHECK(dtype == DType::Int64 || n <= (int64_t{1} << 24) || dtype == DType::Float64,
              ValueError, "[randperm] n = ", n, " is too large to be exact in ", dtype_name(dtype));
  // Fisher-Yates driven by one 64-bit draw per index (drawn in parallel, applied in order):
  // O(n) and independent of the thread count.
  std::vector<uint64_t> draws(static_cast<size_t>(n));
  for_each_block<2>(n, [&](int64_t first, int count, const Block& r) {
    for (int j = 0; j < count; ++j) draws[static_cast<size_t>(first + j)] = bits64(r, j);
  });
  std::vector<int64_t> perm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    auto j = static_cast<int64_t>((static_cast<unsigned __int128>(draws[static_cast<size_t>(i)]) *
                                   static_cast<uint64_t>(i + 1)) >> 64);
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
  }
  Tensor out = Tensor::empty({n}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(perm[static_cast<size_t>(i)]);
  });
  return out;
}

Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement) {
  check_defined(probs, "multinomial");
  check_float(probs, "multinomial");
  EMBER_CHECK(probs.dim() == 1 || probs.dim() == 2, ValueError, "[multinomial] expected probs "
              "with 1 or 2 dims, got ", probs.dim(), " dims");
  const int64_t n = probs.shape().back(), rows = probs.dim() == 2 ? probs.shape()[0] : 1;
  EMBER_CHECK(n > 0, ValueError, "[multinomial] expected at least one category, got 0");
  EMBER_CHECK(num_samples > 0, ValueError, "[multinomial] expected num_samples > 0, got ",
              num_samples);
  EMBER_CHECK(replacement || num_samples <= n, ValueError, "[multinomial] cannot draw ",
              num_samples, " samples from ", n, " categories without replacement");
  Tensor p = contiguous(to(probs.detach(), std::nullopt, DType::Float64));
  const double* w = p.data<double>();
  for (int64_t r = 0; r < rows; ++r) {
    double total = 0;
    int64_t nonzero = 0;
    for (int64_t i = r * n; i < (r + 1) * n; ++i) {
      EMBER_CHECK(std::isfinite(w[i]) && w[i] >= 0, ValueError, "[multinomial] expected finite "
                  "non-negative probabilities, got ", w[i], " in row ", r);
      total += w[i];
      nonzero += w[i] > 0;
    }
    EMBER_CHECK(total > 0, ValueError, "[multinomial] row ", r, " has no positive probability");
    EMBER_CHECK(replacement || nonzero >= num_samples, ValueError, "[multinomial] row ", r,
                " has ", nonzero, " nonzero probabilities, fewer than num_samples = ",
                num_samples, " (without replacement)");
  }
  // One uniform per sample (with replacement) or per category (without).
  const int64_t per_row = replacement ? num_samples : n;
  std::vector<double> u(static_cast<size_t>(rows * per_row));
  for_each_block<2>(rows * per_row, [&](int64_t first, int count, const Block& b) {
    for (int k = 0; k < count; ++k) u[static_cast<size_t>(first + k)] = uniform_part<double>(b, k);
  });
  Tensor out = Tensor::empty({rows, num_samples}, DType::Int64);
  int64_t* o = out.data<int64_t>();
  std::vector<double> key(static_cast<size_t>(n));
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t r = 0; r < rows; ++r) {
    const double* wr = w + r * n;
    const double* ur = u.data() + r * per_row;
    if (replacement) {
      // Inverse CDF: the first category whose running total exceeds u * total.
      std::partial_sum(wr, wr + n, key.begin());
      for (int64_t s = 0; s < num_samples; ++s) {
        auto it = std::upper_bound(key.begin(), key.end(), ur[s] * key.back());
        o[r * num_samples + s] = std::min<int64_t>(it - key.begin(), n - 1);
      }
    } else {
      // Exponential races: category i finishes at E_i / w_i (E_i ~ Exp(1)); the first
      // num_samples to finish are a draw without replacement (ties by index).
      for (int64_t i = 0; i < n; ++i)
        key[static_cast<size_t>(i)] = wr[i] > 0 ? -std::log1p(-ur[i]) / wr[i]
                                                : std::numeric_limits<double>::infinity();
      std::iota(order.begin(), order.end(), int64_t{0});
      std::partial_sort(order.begin(), order.begin() + num_samples, order.end(),
                        [&](int64_t a, int64_t b) {
                          return key[a] != key[b] ? key[a] < key[b] : a < b;
                        });
      std::copy(order.begin(), order.begin() + num_samples, o + r * num_samples);
    }
  }
  return probs.dim() == 1 ? reshape(out, {num_samples}) : out;
}

Tensor bernoulli(const Tensor& p) {
  check_defined(p, "bernoulli");
  check_float(p, "bernoulli");
  Tensor probs = contiguous(p.detach());
  Tensor out = Tensor::empty(p.shape(), p.dtype());
  bool ok = dispatch_float(p.dtype(), "bernoulli", [&](auto tag) {
    using T = decltype(tag);
    const T* q = probs.data<T>();
    for (int64_t i = 0; i < probs.numel(); ++i)
      if (!(q[i] >= T(0) && q[i] <= T(1))) return false;
    T* o = out.data<T>();
    for_each_block<values_per_block<T>()>(out.numel(), [=](int64_t first, int count, const Block& r) {
      for (int k = 0; k < count; ++k) o[first + k] = uniform_part<T>(r, k) < q[first + k] ? T(1) : T(0);
    });
    return true;
  });
  EMBER_CHECK(ok, ValueError, "[bernoulli] expected all probabilities in [0, 1]");
  return out;
}

Tensor& normal_(Tensor& t, double mean, double std) {
  detail::check_overwrite(t, "normal_");
  check_float(t, "normal_");
  EMBER_CHECK(std >= 0.0, ValueError, "[normal_] expected std >= 0, got ", std);
  Tensor fresh = t.is_contiguous() ? t : Tensor::empty(t.shape(), t.dtype());
  fill_normal(fresh, mean, std, "normal_");
  return write_back(t, fresh, "normal_", "NormalBackward");
}

Tensor& uniform_(Tensor& t, double from, double to) {
  detail::check_overwrite(t, "uniform_");
  check_float(t, "uniform_");
  EMBER_CHECK(from <= to, ValueError, "[uniform_] expected from <= to, got from ", from,
              " and to ", to);
  Tensor fresh = t.is_contiguous() ? t : Tensor::empty(t.shape(), t.dtype());
  fill_uniform(fresh, from, to, "uniform_");
  return write_back(t, fresh, "uniform_", "UniformBackward");
}

Tensor& bernoulli_(Tensor& t, double p) {
  detail::check_overwrite(t, "bernoulli_");
  EMBER_CHECK(p >= 0.0 && p <= 1.0, ValueError, "[bernoulli_] expected 0 <= p <= 1, got ", p);
  Tensor fresh = t.is_contiguous() ? t : Tensor::empty(t.shape(), t.dtype());
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* o = fresh.data<T>();
    for_each_block<2>(fresh.numel(), [=](int64_t first, int count, const Block& r) {
      for (int k = 0; k < count; ++k) o[first + k] = uniform_part<double>(r, k) < p ? T(1) : T(0);
    });
  });
  return write_back(t, fresh, "bernoulli_", "BernoulliBackward");
}

}  // namespace ember

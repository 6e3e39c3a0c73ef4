// Random factories and in-place random fills. All draw from ember's Philox4x32-10 generator
// (core/random.h): element i of a fill uses counter (offset + i / V), V = 4 or 2 values
// per block, so a seed gives the same values for any thread count (and machine; float32
// normals may differ in the last bit between SIMD levels, see cpu/isa/random.cpp). The streams differ from PyTorch's.
#pragma once
#include <cstdint>
#include <optional>

#include "ember/core/tensor.h"
#include "ember/ops/scalar.h"

namespace ember {

// ember.manual_seed: resets the default generator to seed (and its counter to 0).
void manual_seed(uint64_t seed);
// ember.seed: seeds the default generator from a non-deterministic source; returns the seed.
uint64_t seed();
uint64_t initial_seed();

// Uniform on [0, 1); floating dtypes only.
Tensor rand(const Shape& shape, DType dtype = default_float);
// Standard normal (Box-Muller on one Philox block per element); floating dtypes only.
Tensor randn(const Shape& shape, DType dtype = default_float);
// Integers uniform on [low, high) (high > low); int64 unless dtype says otherwise.
Tensor randint(int64_t low, int64_t high, const Shape& shape, DType dtype = DType::Int64);
Tensor rand_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor randn_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor randint_like(const Tensor& t, int64_t low, int64_t high,
                    std::optional<DType> dtype = std::nullopt);
// A random permutation of 0..n-1 (Fisher-Yates on per-index draws: thread-count independent).
Tensor randperm(int64_t n, DType dtype = DType::Int64);
// Draws 1 with probability p[i] (p in [0, 1], floating); result has p's shape and dtype.
Tensor bernoulli(const Tensor& p);

// Indices drawn from the categorical distributions in the rows of probs (1-D (n,) or 2-D
// (rows, n); non-negative finite weights, not necessarily normalised): (num_samples,) or
// (rows, num_samples) int64. Without replacement a row needs num_samples nonzero weights.
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement = false);

// In place, any layout; floating tensors only. std >= 0, from <= to.
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0);
Tensor& uniform_(Tensor& t, double from = 0.0, double to = 1.0);
// In place: each element becomes 1 with probability p (any dtype).
Tensor& bernoulli_(Tensor& t, double p = 0.5);

}  // namespace ember

// metacog/rng.hpp — the one random number generator used everywhere: PCG32 (O'Neill 2014).
//
//   state ← state · 6364136223846793005 + inc           (64-bit LCG, inc odd)
//   out   = rotr32(((state ≫ 18) ⊕ state) ≫ 27, state ≫ 59)   (XSH-RR output)
//
// Every random choice in metacog (weight init, episode sampling, shuffles, simulated learners)
// draws from a Pcg32 constructed from an explicit seed. Integer and uniform draws are bit-identical
// natively and in wasm; normal() uses only +, −, ×, ÷ and sqrt (all correctly rounded in IEEE 754)
// plus a portable log, so it is bit-identical too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace metacog {

class Pcg32 {
 public:
  /** A generator for `seed` on stream `stream` (independent streams for the same seed). */
  explicit Pcg32(uint64_t seed = 0x853c49e6748fea9bULL, uint64_t stream = 0xda3e39cb94b95bdbULL);

  /** Next 32 random bits. */
  uint32_t next_u32();
  /** Uniform integer in [0, n), unbiased (n ≥ 1). */
  uint32_t uniform_int(uint32_t n);
  /** Uniform float in [0, 1) with 24 random bits. */
  float uniform();
  /** Uniform double in [0, 1) with 53 random bits. */
  double uniform_double();
  /** Uniform float in [lo, hi). */
  float uniform(float lo, float hi);
  /** Standard normal N(0, 1) (Marsaglia polar method, portable). */
  double normal();
  /** Bernoulli(p). */
  bool bernoulli(double p);
  /** Fisher–Yates shuffle of v. */
  template <class V>
  void shuffle(V& v) {
    for (size_t i = v.size(); i > 1; --i) {
      const size_t j = uniform_int(static_cast<uint32_t>(i));
      auto tmp = v[i - 1];
      v[i - 1] = v[j];
      v[j] = tmp;
    }
  }
  /** k distinct indices from [0, n) in random order (k ≤ n). */
  std::vector<int> sample_without_replacement(int n, int k);

  /** The full generator state (for checkpoints). */
  struct State {
    uint64_t state, inc;
  };
  State save() const { return {state_, inc_}; }
  void restore(State s) { state_ = s.state; inc_ = s.inc; }

 private:
  uint64_t state_;
  uint64_t inc_;
};

/** ln(x) for x > 0 using only IEEE-exact operations, identical on every platform (|err| < 2 ulp). */
double portable_log(double x);

}  // namespace metacog

#include "metacog/rng.hpp"

#include <cmath>
#include <cstring>

#include "metacog/error.hpp"

namespace metacog {

Pcg32::Pcg32(uint64_t seed, uint64_t stream) : state_(0), inc_((stream << 1u) | 1u) {
  next_u32();
  state_ += seed;
  next_u32();
}

uint32_t Pcg32::next_u32() {
  const uint64_t old = state_;
  state_ = old * 6364136223846793005ULL + inc_;
  const uint32_t xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
  const uint32_t rot = static_cast<uint32_t>(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

uint32_t Pcg32::uniform_int(uint32_t n) {
  require(n >= 1, ErrorCode::InvalidArgument, "uniform_int: n must be ≥ 1");
  // Rejection sampling: discard the top partial range so every residue is equally likely.
  const uint32_t threshold = (-n) % n;
  for (;;) {
    const uint32_t r = next_u32();
    if (r >= threshold) return r % n;
  }
}

float Pcg32::uniform() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }

double Pcg32::uniform_double() {
  const uint64_t hi = next_u32() >> 5;  // 27 bits
  const uint64_t lo = next_u32() >> 6;  // 26 bits
  return static_cast<double>((hi << 26) | lo) * (1.0 / 9007199254740992.0);
}

float Pcg32::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

double Pcg32::normal() {
  // Marsaglia polar method: u, v ~ U(−1, 1), s = u² + v² ∈ (0, 1), z = u·sqrt(−2 ln s / s).
  for (;;) {
    const double u = 2.0 * uniform_double() - 1.0;
    const double v = 2.0 * uniform_double() - 1.0;
    const double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * portable_log(s) / s);
  }
}

bool Pcg32::bernoulli(double p) { return uniform_double() < p; }

std::vector<int> Pcg32::sample_without_replacement(int n, int k) {
  require(k >= 0 && k <= n, ErrorCode::InvalidArgument, "sample_without_replacement: need 0 ≤ k ≤ n");
  std::vector<int> idx(n);
  for (int i = 0; i < n; ++i) idx[i] = i;
  for (int i = 0; i < k; ++i) {  // partial Fisher–Yates
    const int j = i + static_cast<int>(uniform_int(static_cast<uint32_t>(n - i)));
    std::swap(idx[i], idx[j]);
  }
  idx.resize(k);
  return idx;
}

double portable_log(double x) {
  require(x > 0.0 && std::isfinite(x), ErrorCode::InvalidArgument, "portable_log: x must be finite and > 0");
  // x = m · 2^e with m ∈ [1/√2, √2); ln x = e·ln2 + 2·atanh(f), f = (m−1)/(m+1), |f| < 0.172.
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  int e = static_cast<int>((bits >> 52) & 0x7ff);
  if (e == 0) {  // subnormal: scale up exactly
    x *= 18014398509481984.0;  // 2^54
    std::memcpy(&bits, &x, sizeof bits);
    e = static_cast<int>((bits >> 52) & 0x7ff) - 54;
  }
  e -= 1023;
  bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;  // m ∈ [1, 2)
  double m;
  std::memcpy(&m, &bits, sizeof m);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  const double f = (m - 1.0) / (m + 1.0);
  const double f2 = f * f;
  // atanh series: f + f³/3 + f⁵/5 + … ; |f| < 0.172 → 14 terms reach < 1e-17 relative.
  double term = f, sum = 0.0;
  for (int k = 1; k <= 29; k += 2) {
    sum += term / k;
    term *= f2;
  }
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  return (e * ln2_hi + (2.0 * sum + e * ln2_lo));
}

}  // namespace metacog

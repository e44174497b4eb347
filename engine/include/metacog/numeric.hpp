// metacog/numeric.hpp — the scalar link functions every probability model in the engine shares.
//
//   sigmoid(z) = 1 / (1 + e^−z), evaluated as e^z / (1 + e^z) for z < 0 so it never overflows;
//   logit(p)   = ln(p / (1 − p)) with p clamped to [ε, 1 − ε] (ε = 1e−9 unless given).
#pragma once

#include <algorithm>
#include <cmath>

namespace metacog {

inline double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

inline double logit(double p, double eps = 1e-9) {
  p = std::min(std::max(p, eps), 1 - eps);
  return std::log(p / (1 - p));
}

}  // namespace metacog

#include "metacog/rng.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <set>

using metacog::Pcg32;

TEST_CASE("pcg32 matches the reference sequence (pcg32-demo, seed 42, stream 54)") {
  Pcg32 rng(42u, 54u);
  const uint32_t expected[] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u, 0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
  for (uint32_t e : expected) CHECK(rng.next_u32() == e);
}

TEST_CASE("uniform draws are in range and deterministic") {
  Pcg32 a(7), b(7);
  for (int i = 0; i < 1000; ++i) {
    const float u = a.uniform();
    CHECK(u >= 0.0f);
    CHECK(u < 1.0f);
    CHECK(u == b.uniform());
    const uint32_t k = a.uniform_int(10);
    CHECK(k < 10u);
    CHECK(k == b.uniform_int(10));
  }
}

TEST_CASE("normal draws have mean 0 and variance 1; portable_log agrees with std::log") {
  Pcg32 rng(123);
  double s = 0, s2 = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    s += z;
    s2 += z * z;
  }
  CHECK(std::abs(s / n) < 0.03);
  CHECK(std::abs(s2 / n - 1.0) < 0.05);
  for (double x : {1e-300, 1e-10, 0.1, 0.5, 0.7071, 1.0, 1.5, 2.0, 3.14159, 1e10, 1e300}) {
    CHECK(metacog::portable_log(x) == doctest::Approx(std::log(x)).epsilon(1e-14));
  }
  CHECK(metacog::portable_log(4.9e-324) == doctest::Approx(std::log(4.9e-324)).epsilon(1e-12));
}

TEST_CASE("sample_without_replacement gives distinct indices") {
  Pcg32 rng(1);
  auto idx = rng.sample_without_replacement(100, 30);
  std::set<int> s(idx.begin(), idx.end());
  CHECK(s.size() == 30);
  CHECK(*s.rbegin() < 100);
}

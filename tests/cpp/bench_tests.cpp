// The micro-benchmarks' progress callback (bench.hpp): `metacog bench` draws its progress bar
// from it, so every run — warm-up included — must report, under its measurement's name.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "metacog/bench.hpp"

TEST_CASE("median_ms reports every run, the warm-up included, and returns a median") {
  std::vector<std::string> seen;
  int calls = 0;
  const double ms = metacog::median_ms(4, [&] { ++calls; }, [&](const char* m) { seen.emplace_back(m); }, "noop");
  CHECK(calls == 5);
  CHECK(seen == std::vector<std::string>(5, "noop"));
  CHECK(ms >= 0);
  CHECK(metacog::median_ms(2, [] {}) >= 0);  // no callback: nothing to call
}

TEST_CASE("run_core_bench calls back core_bench_runs(repeats) times, measurement by measurement") {
  std::vector<std::string> seen;
  const metacog::BenchResult r = metacog::run_core_bench({1, [&](const char* m) { seen.emplace_back(m); }});
  REQUIRE(seen.size() == static_cast<size_t>(metacog::core_bench_runs(1)));
  CHECK(seen.front() == "gemm 64");
  CHECK(seen[2] == "gemm 256");
  CHECK(seen.back() == "conv4 forward+backward");
  CHECK(r.gemm_gflops.size() == 3);
  CHECK(r.conv4_forward_ms > 0);
}

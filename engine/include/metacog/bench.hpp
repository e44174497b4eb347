// metacog/bench.hpp — the core's micro-benchmarks, the same code natively and in wasm.
//
//     BenchResult r = run_core_bench({5});          // medians of 5 runs each
//     r.gemm_gflops[256];  r.conv4_forward_ms;  r.conv4_forward_backward_ms;
//
// gemm: C = A·B, n×n float matrices, GFLOP/s = 2n³ / median time. conv4: the ProtoNet Conv-4
// (64 filters, max-pool) on 100 28×28×1 images, BN in training mode; forward alone, and forward +
// backward of Σ embedding² with respect to every parameter (autodiff). Inputs are seeded (Pcg32).
#pragma once

#include <map>
#include <string>

namespace metacog {

struct BenchOptions {
  int repeats = 5;
};

struct BenchResult {
  std::map<int, double> gemm_gflops;  ///< n → GFLOP/s for n = 64, 256, 512
  double conv4_forward_ms = 0;
  double conv4_forward_backward_ms = 0;
  int repeats = 0;
  /** {"gemm_gflops": {"64": …}, "conv4_forward_ms": …, "conv4_forward_backward_ms": …, "repeats": …} */
  std::string to_json() const;
};

BenchResult run_core_bench(const BenchOptions& options);

}  // namespace metacog

// metacog/bench.hpp — the core's micro-benchmarks, the same code natively and in wasm.
//
//     BenchResult r = run_core_bench({5});          // medians of 5 runs each
//     r.gemm_gflops[256];  r.conv4_forward_ms;  r.conv4_forward_backward_ms;
//
// gemm: C = A·B, n×n float matrices, GFLOP/s = 2n³ / median time. conv4: the ProtoNet Conv-4
// (64 filters, max-pool) on 100 28×28×1 images, BN in training mode; forward alone, and forward +
// backward of Σ embedding² with respect to every parameter (autodiff). Inputs are seeded (Pcg32).
//
// protonet_episode_ms (native CLI; bench_protonet.cpp): one ProtoNet training episode exactly as
// MetricTrainer::step runs it — 60-way 5-shot 5-query (600 seeded 28×28×1 images), the same Conv-4,
// BN in training mode, loss, backward, Adam step — for comparison with PyTorch (bench/pytorch.py).
#pragma once

#include <functional>
#include <map>
#include <string>

namespace metacog {

/** Called after every run of a measurement (warm-up included) with the measurement's name, e.g.
 *  to draw a progress bar: run_core_bench makes core_bench_runs(repeats) calls,
 *  bench_protonet_episode_ms repeats + 1. */
using BenchTick = std::function<void(const char* measurement)>;

/** Measurements of run_core_bench (gemm 64, 256, 512; conv4 forward; forward + backward). */
constexpr int kCoreBenchMeasurements = 5;
constexpr int core_bench_runs(int repeats) { return kCoreBenchMeasurements * (repeats + 1); }

struct BenchOptions {
  int repeats = 5;
  BenchTick on_run = {};
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

/** Median wall time in ms of `repeats` runs of f, after one warm-up run; on_run(name) after each. */
double median_ms(int repeats, const std::function<void()>& f, const BenchTick& on_run = {}, const char* name = "");

/** Median ms of one ProtoNet 60-way 5-shot 5-query training episode (forward, backward, Adam). */
double bench_protonet_episode_ms(int repeats, const BenchTick& on_run = {});

}  // namespace metacog

// engine/cli/cmd_bench.cpp — `metacog bench --json`: GEMM GFLOP/s and Conv-4 timings (bench.hpp).
//     {"gemm_gflops": {"64": …, "256": …, "512": …}, "conv4_forward_ms": …, "conv4_forward_backward_ms": …,
//      "protonet_episode_ms": …, "repeats": 5, "threads": …}
// protonet_episode_ms (one 60-way 5-shot 5-query training episode) is left out with --no-protonet.
// Uses every OpenMP thread unless OMP_NUM_THREADS says otherwise (the JSON says how many).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

#include "command.hpp"
#include "progress.hpp"
#include "validators.hpp"
#include "metacog/bench.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace metacog::cli {
namespace {

void add_bench_command(CLI::App& app) {
  struct Options {
    int repeats = 5;
    bool json = false;
    bool no_protonet = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("bench", "Micro-benchmarks of the core (GEMM, Conv-4 forward and backward)");
  cmd->add_option("--repeats", o->repeats, "runs per measurement (the median is reported)")->check(CLI::Range(1, 1000))->capture_default_str();
  cmd->add_flag("--json", o->json, "print one JSON object on stdout");
  cmd->add_flag("--no-protonet", o->no_protonet, "skip the ProtoNet training-episode timing");
  cmd->callback([o] {
    run_command([o] {
      const int runs = core_bench_runs(o->repeats) + (o->no_protonet ? 0 : o->repeats + 1);
      Progress bar("bench", runs);
      int done = 0;
      const BenchTick tick = [&](const char* measurement) { bar.update(++done, measurement); };
      nlohmann::ordered_json j = nlohmann::ordered_json::parse(run_core_bench({o->repeats, tick}).to_json());
      if (!o->no_protonet) j["protonet_episode_ms"] = bench_protonet_episode_ms(o->repeats, tick);
      bar.finish();
#if defined(_OPENMP)
      j["threads"] = omp_get_max_threads();
#else
      j["threads"] = 1;
#endif
      std::printf("%s\n", o->json ? j.dump().c_str() : j.dump(2).c_str());
      return 0;
    });
  });
}

}  // namespace

static const bool registered = register_command(&add_bench_command);

}  // namespace metacog::cli

// engine/cli/cmd_peak.cpp — `metacog peak --json`: this machine's peak f32 multiply-add throughput
// on one core (peak.hpp), the denominator of "fraction of peak" in bench/compare.mjs.
//     {"isa": "avx2-fma", "lanes": 8, "gflops": …, "chains": {"8": …, "12": …, "16": …}, "repeats": 5}
// gflops is the best chain count's median over `repeats` runs of ~0.1 s each.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "progress.hpp"
#include "validators.hpp"
#include "metacog/peak.hpp"

namespace metacog::cli {
namespace {

volatile float g_sink = 0;  // keeps the kernel's result alive

double seconds_of(int64_t iterations, int chains) {
  const auto t0 = std::chrono::steady_clock::now();
  g_sink = g_sink + peak_f32_mad(iterations, chains);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void add_peak_command(CLI::App& app) {
  struct Options {
    int repeats = 5;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("peak", "Peak f32 multiply-add throughput of one core (GFLOP/s)");
  cmd->add_option("--repeats", o->repeats, "runs per chain count (the median is reported)")->check(CLI::Range(1, 1000))->capture_default_str();
  cmd->add_flag("--json", o->json, "print one JSON object on stdout");
  cmd->callback([o] {
    run_command([o] {
      const PeakKernel k = peak_kernel();
      nlohmann::ordered_json chains = nlohmann::ordered_json::object();
      double best = 0;
      const int repeats = std::max(1, o->repeats);
      Progress bar("peak", 3 * repeats);
      int done = 0;
      for (int n : {8, 12, 16}) {
        int64_t iters = 1 << 16;
        while (seconds_of(iters, n) < 0.02) iters *= 2;  // calibrate: ~0.1 s per run
        iters *= 5;
        std::vector<double> g;
        for (int r = 0; r < repeats; ++r) {
          g.push_back(peak_flops(iters, n) / seconds_of(iters, n) / 1e9);
          bar.update(++done, std::to_string(n) + " chains");
        }
        std::sort(g.begin(), g.end());
        chains[std::to_string(n)] = g[g.size() / 2];
        best = std::max(best, g[g.size() / 2]);
      }
      bar.finish();
      nlohmann::ordered_json j = {{"isa", k.isa}, {"lanes", k.lanes}, {"gflops", best}, {"chains", chains},
                                  {"repeats", o->repeats}};
      std::printf("%s\n", o->json ? j.dump().c_str() : j.dump(2).c_str());
      return 0;
    });
  });
}

}  // namespace

static const bool registered = register_command(&add_peak_command);

}  // namespace metacog::cli

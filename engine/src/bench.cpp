#include "metacog/bench.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metacog/error.hpp"
#include "metacog/kernels.hpp"
#include "metacog/nn.hpp"
#include "metacog/ops.hpp"

namespace metacog {

double median_ms(int repeats, const std::function<void()>& f, const BenchTick& on_run, const char* name) {
  f();  // warm-up (allocations, caches)
  if (on_run) on_run(name);
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (on_run) on_run(name);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

std::string BenchResult::to_json() const {
  nlohmann::ordered_json g = nlohmann::ordered_json::object();
  for (const auto& kv : gemm_gflops) g[std::to_string(kv.first)] = kv.second;
  return nlohmann::ordered_json({{"gemm_gflops", g},
                                 {"conv4_forward_ms", conv4_forward_ms},
                                 {"conv4_forward_backward_ms", conv4_forward_backward_ms},
                                 {"repeats", repeats}})
      .dump();
}

BenchResult run_core_bench(const BenchOptions& options) {
  require(options.repeats >= 1 && options.repeats <= 1000, ErrorCode::InvalidArgument, "bench: repeats must be 1..1000");
  BenchResult r;
  r.repeats = options.repeats;
  Pcg32 rng(2024);
  for (int n : {64, 256, 512}) {
    const Tensor a = uniform_tensor({n, n}, 1.0f, rng), b = uniform_tensor({n, n}, 1.0f, rng);
    Tensor c = Tensor::zeros({n, n});
    const std::string name = "gemm " + std::to_string(n);
    const double ms = median_ms(options.repeats, [&] {
      kernels::gemm<float>(false, false, n, n, n, 1.0f, a.data(), b.data(), 0.0f, c.data());
    }, options.on_run, name.c_str());
    r.gemm_gflops[n] = 2.0 * n * n * n / (ms * 1e6);
  }
  Conv4Arch arch;
  ParamSet p = conv4_init(arch, rng);
  Buffers buffers = conv4_buffers(arch);
  const Tensor x = uniform_tensor({100, 28, 28, 1}, 1.0f, rng);
  r.conv4_forward_ms = median_ms(options.repeats, [&] {
    NoGradGuard no_grad;
    conv4_embed(arch, p, Var(x), BnMode::Train, &buffers);
  }, options.on_run, "conv4 forward");
  r.conv4_forward_backward_ms = median_ms(options.repeats, [&] {
    const Var z = conv4_embed(arch, p, Var(x), BnMode::Train, &buffers);
    grad(sum(square(z)), p.vars());
  }, options.on_run, "conv4 forward+backward");
  return r;
}

}  // namespace metacog

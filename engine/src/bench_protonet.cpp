// One ProtoNet training episode for `metacog bench` (see bench.hpp): the work of
// MetricTrainer::step on seeded pixels instead of Omniglot, so it needs no dataset.
#include "metacog/bench.hpp"

#include "metacog/error.hpp"
#include "metacog/fewshot.hpp"
#include "metacog/optim.hpp"

namespace metacog {

double bench_protonet_episode_ms(int repeats, const BenchTick& on_run) {
  require(repeats >= 1 && repeats <= 1000, ErrorCode::InvalidArgument, "bench: repeats must be 1..1000");
  const EpisodeSpec spec{60, 5, 5};
  Conv4Arch arch;  // 64 filters, max-pool, 28×28×1
  Pcg32 rng(2025);
  ParamSet params = conv4_init(arch, rng);
  Buffers buffers = conv4_buffers(arch);
  const Tensor images = uniform_tensor({static_cast<int64_t>(spec.n_way) * (spec.k_shot + spec.n_query), 28, 28, 1}, 1.0f, rng);
  Adam adam(1e-3f);
  return median_ms(repeats, [&] {
    const EpisodeOutcome out = metric_episode("protonet", arch, params, &buffers, images, spec, BnMode::Train);
    const std::vector<Var> g = grad(out.loss, params.vars());
    adam.step(params, g);
  }, on_run, "protonet episode");
}

}  // namespace metacog

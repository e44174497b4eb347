// metacog/meta_train.hpp — episodic meta-training of the metric learners, with exact checkpoints.
//
//     MetaTrainConfig cfg;                          // ProtoNets' Omniglot defaults: 60-way 5-shot 5-query,
//     MetricTrainer t(cfg);                         // Adam 1e-3 halved every 2000 episodes
//     while (t.episode() < cfg.episodes) t.step(train);
//     write_safetensors_file("run.ckpt", t.checkpoint());
//     MetricTrainer again = MetricTrainer::from_checkpoint(read_safetensors_file("run.ckpt"));
//
// One step: draw an episode with the trainer's own Pcg32 (seeded by cfg.seed), embed support and
// query in one batch (BN in training mode, running statistics updated), L = episode loss
// (fewshot.hpp), θ ← Adam(θ, ∇θ L) with η_t = η_0 · 0.5^⌊t/halve_every⌋. A checkpoint holds θ, the
// BN buffers, Adam's moments and step count, the RNG state and the episode counter, so a resumed
// run continues bit for bit.
//
// Matching Networks with full-context embeddings (fce = true, matchingnet_fce.hpp): the fce.*
// LSTM parameters are drawn after Conv-4's from the same initialisation stream (so Conv-4 starts
// as without FCE), are part of θ — trained by the same Adam, saved in checkpoints — and the model
// file records "fce" = "true" and "fce_steps" in __metadata__. Without FCE nothing changes: the
// config JSON has no fce keys and checkpoints and model files are as before.
//
// Evaluation (design.md §4): `episodes` test episodes drawn with Pcg32(seed); accuracy per episode;
// mean and 95 % CI = 1.96 · std / √episodes.
#pragma once

#include <cstdint>
#include <string>

#include "metacog/episodes.hpp"
#include "metacog/fewshot.hpp"
#include "metacog/metrics.hpp"
#include "metacog/model_io.hpp"
#include "metacog/optim.hpp"

namespace metacog {

struct MetaTrainConfig {
  std::string algo = "protonet";     ///< "protonet" | "matchingnet"
  EpisodeSpec spec{60, 5, 5};
  int64_t episodes = 10000;
  uint64_t seed = 1;
  float lr = 1e-3f;
  int64_t halve_every = 2000;
  std::string attention = "cosine";  ///< matching networks only
  bool fce = false;                  ///< matching networks: full-context embeddings
  int fce_steps = 5;                 ///< K, processing steps of FCE's attention LSTM (used if fce)
  /// Batch-norm scale at initialisation: "ones" (conv4_init; PyTorch ≥ 1.2) | "uniform" (U(0, 1), PyTorch
  /// before 1.2, which the ProtoNet authors' code ran on; conv4_uniform_bn_scale). Recorded only when "uniform".
  std::string bn_init = "ones";
  Conv4Arch arch;

  std::string to_json() const;
  static MetaTrainConfig from_json(const std::string& json);
  void validate() const;
};

class MetricTrainer {
 public:
  explicit MetricTrainer(const MetaTrainConfig& config);
  /** One meta-training episode; returns its loss (accuracy in last_accuracy()). */
  float step(const ImageDataset& train);
  int64_t episode() const { return episode_; }
  float last_loss() const { return last_loss_; }
  float last_accuracy() const { return last_accuracy_; }
  const MetaTrainConfig& config() const { return config_; }
  const ParamSet& params() const { return params_; }
  const Buffers& buffers() const { return buffers_; }

  /** Everything needed to continue exactly. */
  SafetensorsFile checkpoint() const;
  /** Restores a checkpoint (StateFormat on any inconsistency). */
  static MetricTrainer from_checkpoint(const SafetensorsFile& file);
  /** The current network as a model (copies of the values; fce.* parameters included). */
  Conv4Model model(const ModelHeader& header) const;
  /** The model file: a matching network's attention kernel and FCE settings in __metadata__. */
  SafetensorsFile model_file(const ModelHeader& header) const;

 private:
  MetaTrainConfig config_;
  ParamSet params_;
  Buffers buffers_;
  Adam adam_;
  Pcg32 rng_;
  int64_t episode_ = 0;
  float last_loss_ = 0, last_accuracy_ = 0;
};

/** Accuracy of a metric model on `episodes` seeded test episodes (with FCE if `fce` is given). */
MeanCi evaluate_metric_model(const std::string& algo, const Conv4Model& model, const ImageDataset& test,
                             const EpisodeSpec& spec, int episodes, uint64_t seed, BnMode mode,
                             const std::string& attention = "cosine", const FceConfig* fce = nullptr,
                             const EpisodeProgress& progress = {});

}  // namespace metacog

// metacog/finetune.hpp — the no-meta-learning baseline: pre-train a classifier on every training
// class, then fine-tune only a new last layer on each test episode's support set.
//
// Pre-training: Conv-4 (the ProtoNet body, max-pool, 64-d flatten embedding) with a linear head
// over all C training classes (Omniglot Vinyals train: 1028 characters × 4 rotations = 4112),
//     θ ← Adam(θ, ∇θ CE(W f_θ(x) + b, y)),  minibatches of `batch` images drawn uniformly from the
//     training images (seeded), η = lr · 0.5^⌊t/halve_every⌋, BN in training mode.
// Test (Chen et al. 2019, "Baseline"): the body is frozen (BN `running` or `transductive` over
// support ∪ query); a fresh N-way head (W = 0, b = 0) is fitted on the support embeddings by
// `head_steps` full-batch Adam steps of rate `head_lr` on CE; queries take the arg-max class.
#pragma once

#include <cstdint>
#include <string>

#include "metacog/episodes.hpp"
#include "metacog/metrics.hpp"
#include "metacog/model_io.hpp"
#include "metacog/optim.hpp"

namespace metacog {

/** How the last layer is fitted at test time (saved in the model file as "adaptation"). */
struct HeadFit {
  int steps = 100;
  float lr = 0.01f;
  std::string to_json() const;
  static HeadFit from_json(const std::string& json);
};

struct FinetuneConfig {
  int batch = 64;
  int64_t iterations = 10000;
  float lr = 1e-3f;
  int64_t halve_every = 2000;
  uint64_t seed = 1;
  HeadFit test;
  Conv4Arch arch;  ///< num_classes is set from the training split
  std::string to_json() const;
  static FinetuneConfig from_json(const std::string& json);
  void validate() const;
};

class FinetuneTrainer {
 public:
  /** `num_classes` = the training split's class count (the head's size). */
  FinetuneTrainer(const FinetuneConfig& config, int num_classes);
  /** One minibatch step; returns its loss (accuracy in last_accuracy()). */
  float step(const ImageDataset& train);
  int64_t iteration() const { return iteration_; }
  float last_loss() const { return last_loss_; }
  float last_accuracy() const { return last_accuracy_; }
  const FinetuneConfig& config() const { return config_; }

  SafetensorsFile checkpoint() const;
  static FinetuneTrainer from_checkpoint(const SafetensorsFile& file);
  /** The pre-trained body (no head: the head is refitted per episode) with "adaptation" metadata. */
  SafetensorsFile model_file(const ModelHeader& header) const;
  /** The same as a model (for validation). */
  Conv4Model body(const ModelHeader& header) const;

 private:
  FinetuneConfig config_;
  ParamSet params_;
  Buffers buffers_;
  Adam adam_;
  Pcg32 rng_;
  std::vector<int32_t> label_of_;  ///< image index → class (built from the split on first use)
  std::vector<int> image_of_;      ///< the split's images, in class order
  int64_t iteration_ = 0;
  float last_loss_ = 0, last_accuracy_ = 0;
};

/** Query accuracy of a head fitted on the support embeddings (the body is not changed). */
MeanCi evaluate_finetune_model(const Conv4Model& body, const HeadFit& fit, const ImageDataset& test,
                               const EpisodeSpec& spec, int episodes, uint64_t seed, BnMode mode,
                               const EpisodeProgress& progress = {});

}  // namespace metacog

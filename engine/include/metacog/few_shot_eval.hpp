// metacog/few_shot_eval.hpp — one evaluation entry point for every few-shot model file.
//
// Dispatches on the file's `algo`: protonet / matchingnet (metric, meta_train.hpp; a matching
// network's attention kernel is read from __metadata__.attention, see attention_kernel; a file with
// __metadata__.fce = "true" is a Matching Network with full-context embeddings, matchingnet_fce.hpp,
// evaluated with its fce_steps), maml / fomaml /
// reptile (adapted per episode with the file's "adaptation" settings, gradient_meta.hpp) and
// finetune (a new head fitted per episode, finetune.hpp). Protocol (design.md §4): `episodes`
// episodes drawn with Pcg32(seed), accuracy per episode, mean ± 1.96·std/√episodes.
// Reading and evaluating are two steps: read_few_shot_model finds every error in what the file
// says (tensors, kernel, adaptation settings) before an episode runs, so a caller can name the
// file in it (model_file.hpp) and a malformed file fails at once, not after a long evaluation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "metacog/episodes.hpp"
#include "metacog/finetune.hpp"
#include "metacog/gradient_meta.hpp"
#include "metacog/matchingnet_fce.hpp"
#include "metacog/metrics.hpp"
#include "metacog/nn.hpp"
#include "metacog/safetensors.hpp"

namespace metacog {

/**
 * A metric model's attention kernel: a matching network's __metadata__.attention (cosine,
 * cosine-support or euclidean), or for files written before session 55 its metrics.attention;
 * ModelFormat when absent, unknown or the two disagree (a wrong kernel evaluates a different
 * classifier without a word); "" for any other algo. A metacog built before session 55 refuses a
 * file that names its kernel only in __metadata__ (the same ModelFormat), rather than guess.
 */
std::string attention_kernel(const SafetensorsFile& file);

/** A few-shot model file read and checked whole; exactly one of the optional parts is set for
 *  FCE, gradient-based and fine-tuning models, none for a plain metric model. */
struct FewShotModel {
  Conv4Model model;                              ///< with an FCE network, its fce.* tensors too
  std::string attention;                         ///< a matching network's kernel; "" otherwise
  std::optional<FceConfig> fce;                  ///< a Matching Network with full-context embeddings
  std::optional<GradientAdaptation> adaptation;  ///< maml, fomaml, reptile: how they adapt at test
  std::optional<HeadFit> head_fit;               ///< finetune: the head fitted per episode
};

/** ModelKind if the file's algo is not a few-shot image learner; ModelFormat for what it says wrong. */
FewShotModel read_few_shot_model(const SafetensorsFile& file);

MeanCi evaluate_few_shot(const FewShotModel& model, const ImageDataset& test, const EpisodeSpec& spec, int episodes,
                         uint64_t seed, BnMode mode, const EpisodeProgress& progress = {});

/** evaluate_few_shot(read_few_shot_model(file), …). */
MeanCi evaluate_few_shot_file(const SafetensorsFile& file, const ImageDataset& test, const EpisodeSpec& spec,
                              int episodes, uint64_t seed, BnMode mode, const EpisodeProgress& progress = {});

}  // namespace metacog

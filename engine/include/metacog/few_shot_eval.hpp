// metacog/few_shot_eval.hpp — one evaluation entry point for every few-shot model file.
//
// Dispatches on the file's `algo`: protonet / matchingnet (metric, meta_train.hpp; a matching
// network's attention kernel is read from metrics.attention, where training writes it; a file with
// __metadata__.fce = "true" is a Matching Network with full-context embeddings, matchingnet_fce.hpp,
// evaluated with its fce_steps), maml / fomaml /
// reptile (adapted per episode with the file's "adaptation" settings, gradient_meta.hpp) and
// finetune (a new head fitted per episode, finetune.hpp). Protocol (design.md §4): `episodes`
// episodes drawn with Pcg32(seed), accuracy per episode, mean ± 1.96·std/√episodes.
#pragma once

#include <cstdint>
#include <string>

#include "metacog/episodes.hpp"
#include "metacog/metrics.hpp"
#include "metacog/nn.hpp"
#include "metacog/safetensors.hpp"

namespace metacog {

/**
 * A metric model's attention kernel: a matching network's metrics.attention (cosine,
 * cosine-support or euclidean; ModelFormat when absent or unknown: a wrong kernel evaluates a
 * different classifier without a word); "" for any other algo.
 */
std::string attention_kernel(const ModelHeader& header);

/** ModelKind if the file's algo is not a few-shot image learner. */
MeanCi evaluate_few_shot_file(const SafetensorsFile& file, const ImageDataset& test, const EpisodeSpec& spec,
                              int episodes, uint64_t seed, BnMode mode, const EpisodeProgress& progress = {});

}  // namespace metacog

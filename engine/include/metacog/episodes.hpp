// metacog/episodes.hpp — seeded N-way K-shot Q-query few-shot episodes (Vinyals et al. 2016).
//
//     ImageDataset train = load_omniglot(data_dir, "vinyals", "train", "build/cache");
//     Pcg32 rng(42);
//     Episode ep = sample_episode(train.classes, {5, 1, 15}, rng);   // 5-way 1-shot, 15 queries
//     Tensor x = gather_episode(train, ep);         // [5·1 + 5·15, 28, 28, 1], support then query
//     Tensor support = x.rows(0, ep.support.size());
//     Tensor query = x.rows(ep.support.size(), x.dim(0));
//
// Sampling: N classes without replacement (uniformly among the classes that hold ≥ K + Q
// examples), then, for each chosen class, K + Q distinct examples without replacement; the first
// K are support, the rest query, so support and query never share an image of a class. Every
// class contributes exactly K support and Q query examples (class-balanced). Label j means
// classes[j]. Support and query are class-major: support[j·K + k], query[j·Q + q]. The draws
// use only Pcg32 integer draws, so an episode is bit-identical natively and in wasm.
#pragma once

#include <functional>
#include <vector>

#include "metacog/image_dataset.hpp"
#include "metacog/rng.hpp"
#include "metacog/tensor.hpp"

namespace metacog {

/** N-way K-shot with Q queries per class. */
struct EpisodeSpec {
  int n_way = 5;
  int k_shot = 1;
  int n_query = 15;
};

/** Called by the evaluators after each test episode with how many are done (e.g. a progress bar). */
using EpisodeProgress = std::function<void(int done)>;

/** One few-shot task: image indices (into ImageDataset::pixels) and labels 0..N−1. */
struct Episode {
  EpisodeSpec spec;
  std::vector<int> classes;         ///< [N] class ids (indices into the class list); label j ↔ classes[j]
  std::vector<int> support;         ///< [N·K] image indices, class-major
  std::vector<int> support_labels;  ///< [N·K] support_labels[j·K + k] = j
  std::vector<int> query;           ///< [N·Q] image indices, class-major
  std::vector<int> query_labels;    ///< [N·Q] query_labels[j·Q + q] = j
};

/**
 * Draws one episode from `classes` with `rng` (advancing it). Throws Error(InvalidArgument) if
 * N < 1, K < 1, Q < 0, or fewer than N classes hold K + Q examples (the message says how many do).
 */
Episode sample_episode(const std::vector<ImageClass>& classes, const EpisodeSpec& spec, Pcg32& rng);

/** Copies images `indices` of `ds` into one contiguous [n, H, W, C] tensor (InvalidArgument if an
 *  index is out of range). */
Tensor gather_images(const ImageDataset& ds, const std::vector<int>& indices);

/** All images of an episode in one tensor [N·K + N·Q, H, W, C]: support rows first, then query. */
Tensor gather_episode(const ImageDataset& ds, const Episode& episode);

}  // namespace metacog

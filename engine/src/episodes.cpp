#include "metacog/episodes.hpp"

#include <cstring>
#include <string>

#include "metacog/error.hpp"

namespace metacog {

Episode sample_episode(const std::vector<ImageClass>& classes, const EpisodeSpec& spec, Pcg32& rng) {
  const int n = spec.n_way, k = spec.k_shot, q = spec.n_query;
  const std::string what = std::to_string(n) + "-way " + std::to_string(k) + "-shot " + std::to_string(q) + "-query";
  require(n >= 1, ErrorCode::InvalidArgument, "sample_episode: n_way must be ≥ 1 (got " + std::to_string(n) + ")");
  require(k >= 1, ErrorCode::InvalidArgument, "sample_episode: k_shot must be ≥ 1 (got " + std::to_string(k) + ")");
  require(q >= 0, ErrorCode::InvalidArgument, "sample_episode: n_query must be ≥ 0 (got " + std::to_string(q) + ")");
  require(static_cast<int64_t>(k) + q <= (1 << 30), ErrorCode::InvalidArgument, "sample_episode: k_shot + n_query too large");
  const int per_class = k + q;

  // Classes that can supply K + Q distinct examples. When every class qualifies (the usual case)
  // this is the identity, so the draw is a plain choice of N among all classes.
  std::vector<int> eligible;
  eligible.reserve(classes.size());
  int largest = 0;
  for (size_t c = 0; c < classes.size(); ++c) {
    const int size = static_cast<int>(classes[c].examples.size());
    if (size > largest) largest = size;
    if (size >= per_class) eligible.push_back(static_cast<int>(c));
  }
  require(n <= static_cast<int>(classes.size()), ErrorCode::InvalidArgument,
          "sample_episode: " + what + " needs " + std::to_string(n) + " classes but the dataset has only " +
              std::to_string(classes.size()));
  require(n <= static_cast<int>(eligible.size()), ErrorCode::InvalidArgument,
          "sample_episode: " + what + " needs K + Q = " + std::to_string(per_class) + " examples in each of " +
              std::to_string(n) + " classes, but only " + std::to_string(eligible.size()) + " of " +
              std::to_string(classes.size()) + " classes have that many (largest class: " + std::to_string(largest) +
              " examples)");

  Episode ep;
  ep.spec = spec;
  ep.classes.resize(n);
  ep.support.resize(static_cast<size_t>(n) * k);
  ep.support_labels.resize(static_cast<size_t>(n) * k);
  ep.query.resize(static_cast<size_t>(n) * q);
  ep.query_labels.resize(static_cast<size_t>(n) * q);

  const std::vector<int> chosen = rng.sample_without_replacement(static_cast<int>(eligible.size()), n);
  for (int j = 0; j < n; ++j) {
    const ImageClass& cls = classes[eligible[chosen[j]]];
    ep.classes[j] = eligible[chosen[j]];
    const std::vector<int> pick = rng.sample_without_replacement(static_cast<int>(cls.examples.size()), per_class);
    for (int s = 0; s < k; ++s) {
      ep.support[static_cast<size_t>(j) * k + s] = cls.examples[pick[s]];
      ep.support_labels[static_cast<size_t>(j) * k + s] = j;
    }
    for (int s = 0; s < q; ++s) {
      ep.query[static_cast<size_t>(j) * q + s] = cls.examples[pick[k + s]];
      ep.query_labels[static_cast<size_t>(j) * q + s] = j;
    }
  }
  return ep;
}

namespace {
// Copies image indices[i] of ds to row offset + i of out (rows already sized by the caller).
void copy_rows(const ImageDataset& ds, const std::vector<int>& indices, Tensor& out, int64_t offset) {
  const int64_t size = ds.image_size();
  const int64_t count = ds.num_images();
  for (size_t i = 0; i < indices.size(); ++i) {
    const int idx = indices[i];
    require(idx >= 0 && idx < count, ErrorCode::InvalidArgument,
            "gather_images: image index " + std::to_string(idx) + " is out of range (dataset has " +
                std::to_string(count) + " images)");
    std::memcpy(out.data() + (offset + static_cast<int64_t>(i)) * size, ds.image(idx),
                static_cast<size_t>(size) * sizeof(float));
  }
}

Tensor batch_tensor(const ImageDataset& ds, size_t n) {
  require(ds.height > 0 && ds.width > 0 && ds.channels > 0, ErrorCode::InvalidArgument,
          "gather_images: the dataset has no image dimensions");
  return Tensor::empty({static_cast<int64_t>(n), ds.height, ds.width, ds.channels});
}
}  // namespace

Tensor gather_images(const ImageDataset& ds, const std::vector<int>& indices) {
  Tensor out = batch_tensor(ds, indices.size());
  copy_rows(ds, indices, out, 0);
  return out;
}

Tensor gather_episode(const ImageDataset& ds, const Episode& episode) {
  Tensor out = batch_tensor(ds, episode.support.size() + episode.query.size());
  copy_rows(ds, episode.support, out, 0);
  copy_rows(ds, episode.query, out, static_cast<int64_t>(episode.support.size()));
  return out;
}

}  // namespace metacog

#include "metacog/fewshot.hpp"

#include <cmath>

#include "metacog/error.hpp"
#include "metacog/matchingnet_fce.hpp"
#include "metacog/ops.hpp"

namespace metacog {

Var weighted_prototypes(const Var& support, int n_way, int k_shot, const std::vector<float>& weights) {
  require(support.value().ndim() == 2 && support.dim(0) == static_cast<int64_t>(n_way) * k_shot,
          ErrorCode::InvalidArgument, "prototypes: support must be [N·K, D]");
  require(weights.empty() || weights.size() == static_cast<size_t>(n_way) * k_shot, ErrorCode::InvalidArgument,
          "prototypes: one weight per support example");
  // A[j, j·K + k] = s / Σ s over class j, so C = A · S.
  Tensor a = Tensor::zeros({n_way, static_cast<int64_t>(n_way) * k_shot});
  for (int j = 0; j < n_way; ++j) {
    double total = 0;
    for (int k = 0; k < k_shot; ++k) {
      const float s = weights.empty() ? 1.0f : weights[j * k_shot + k];
      require(s >= 0.0f && std::isfinite(s), ErrorCode::InvalidArgument, "prototypes: weights must be finite and ≥ 0");
      total += s;
    }
    require(total > 0, ErrorCode::InvalidArgument, "prototypes: every class needs a positive total weight");
    for (int k = 0; k < k_shot; ++k) {
      const float s = weights.empty() ? 1.0f : weights[j * k_shot + k];
      a[static_cast<int64_t>(j) * n_way * k_shot + j * k_shot + k] = static_cast<float>(s / total);
    }
  }
  return matmul(Var(a), support);
}

Var protonet_log_probs(const Var& query, const Var& prototypes) {
  return log_softmax(neg(sq_euclidean(query, prototypes)));
}

bool is_attention_kernel(const std::string& name) {
  return name == "cosine" || name == "cosine-support" || name == "euclidean";
}

Var matchingnet_log_probs(const Var& query, const Var& support, int n_way, int k_shot, const std::string& attention) {
  Var sim;
  if (attention == "cosine") {
    sim = cosine_similarity(query, support);
  } else if (attention == "euclidean") {
    sim = neg(sq_euclidean(query, support));
  } else if (attention == "cosine-support") {
    sim = matmul(query, unit_rows(support), false, true);  // f(x̂)·g(x_i)/‖g(x_i)‖
  } else {
    throw Error(ErrorCode::InvalidArgument, "matching networks: attention must be cosine, cosine-support or euclidean");
  }
  const Var att = softmax(sim);  // [NQ, NK]
  Tensor y = Tensor::zeros({static_cast<int64_t>(n_way) * k_shot, n_way});
  for (int i = 0; i < n_way * k_shot; ++i) y[static_cast<int64_t>(i) * n_way + i / k_shot] = 1.0f;
  // ŷ = a · Y; floor at 1e-12 so log stays finite when the attention underflows.
  return log(add_scalar(matmul(att, Var(y)), 1e-12f));
}

float argmax_accuracy(const Tensor& scores, const std::vector<int32_t>& labels) {
  require(scores.ndim() == 2 && scores.dim(0) == static_cast<int64_t>(labels.size()), ErrorCode::InvalidArgument,
          "argmax_accuracy: one label per row of the scores");
  const int64_t n = scores.dim(0), c = scores.dim(1);
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;
    for (int64_t j = 1; j < c; ++j) if (scores[i * c + j] > scores[i * c + best]) best = j;
    correct += best == labels[static_cast<size_t>(i)];
  }
  return n == 0 ? 0.0f : static_cast<float>(correct) / static_cast<float>(n);
}

EpisodeOutcome score_log_probs(const Var& log_probs, int n_way, int n_query) {
  std::vector<int32_t> labels(static_cast<size_t>(n_way) * n_query);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int32_t>(i / n_query);
  EpisodeOutcome out;
  // −mean log p[y]: cross_entropy applies log_softmax, which is the identity on log-probabilities.
  out.loss = cross_entropy(log_probs, labels);
  out.accuracy = argmax_accuracy(log_probs.value(), labels);
  return out;
}

EpisodeOutcome metric_episode(const std::string& algo, const Conv4Arch& arch, const ParamSet& params,
                              Buffers* buffers, const Tensor& images, const EpisodeSpec& spec, BnMode mode,
                              const std::string& attention, const FceConfig* fce) {
  const int64_t ns = static_cast<int64_t>(spec.n_way) * spec.k_shot;
  const int64_t nq = static_cast<int64_t>(spec.n_way) * spec.n_query;
  require(images.ndim() == 4 && images.dim(0) == ns + nq, ErrorCode::InvalidArgument,
          "episode: expected N·K + N·Q images");
  const Var z = conv4_embed(arch, params, Var(images), mode, buffers);
  const Var support = slice_rows(z, 0, ns);
  const Var query = slice_rows(z, ns, ns + nq);
  require(fce == nullptr || algo == "matchingnet", ErrorCode::InvalidArgument,
          "full-context embeddings are a Matching Networks option, not " + algo);
  Var lp;
  if (fce != nullptr) {
    const FceWeights<float> w = fce_weights(params);
    const Var g = fce_support_embedding(w, support);              // g(x_i, S)
    const Var f = fce_query_embedding(w, query, g, fce->steps);   // f(x̂, S)
    lp = matchingnet_log_probs(f, g, spec.n_way, spec.k_shot, attention);
  } else if (algo == "protonet") {
    lp = protonet_log_probs(query, weighted_prototypes(support, spec.n_way, spec.k_shot));
  } else if (algo == "matchingnet") {
    lp = matchingnet_log_probs(query, support, spec.n_way, spec.k_shot, attention);
  } else {
    throw Error(ErrorCode::InvalidArgument, "metric_episode: unknown algorithm '" + algo + "'");
  }
  return score_log_probs(lp, spec.n_way, spec.n_query);
}

}  // namespace metacog

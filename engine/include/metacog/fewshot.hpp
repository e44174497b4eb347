// metacog/fewshot.hpp — episode losses of the metric-based meta-learners.
//
// An episode holds N classes, K support and Q query examples per class, class-major (see
// episodes.hpp). f is the Conv-4 embedding; support and query are embedded in one batch (as the
// reference implementations do, so batch norm sees the whole episode).
//
// Prototypical Networks (Snell et al. 2017), with per-example weights s_i ≥ 0 (default 1):
//     c_k = Σ_{i ∈ S_k} s_i f(x_i) / Σ_{i ∈ S_k} s_i
//     p(y = k | x) = softmax_k(−‖f(x) − c_k‖²)
//     L = −(1/NQ) Σ_q log p(y_q | x_q)
//
// Matching Networks (Vinyals et al. 2016), attention kernel over the support set:
//     a(x, x_i) = softmax_i(c(f(x), g(x_i))),  ŷ = Σ_i a(x, x_i) y_i,  L = −mean log ŷ[y_q]
// with c one of
//     "cosine"          c(a, b) = a·b / (‖a‖‖b‖)   the paper; c ∈ [−1, 1], so with 1 shot the softmax
//                       can give the right class at most e/(e + (N−1)/e) and the loss saturates
//     "cosine-support"  c(a, b) = a·b / ‖b‖         only the support embedding is normalised, as in
//                       the widely used reimplementation (AntreasAntoniou/MatchingNetworks,
//                       DistanceNetwork); ‖f(x̂)‖ acts as a learned per-query temperature
//     "euclidean"       c(a, b) = −‖a − b‖²        what reimplementations use to reach the paper's numbers.
// Without full-context embeddings f = g = Conv-4; with them (metric_episode's `fce`), g(x_i, S) and
// f(x̂, S) of matchingnet_fce.hpp are built on the Conv-4 embeddings first and the attention compares those.
#pragma once

#include <string>
#include <vector>

#include "metacog/episodes.hpp"
#include "metacog/nn.hpp"

namespace metacog {

struct FceConfig;  // matchingnet_fce.hpp

/** A loss and the query accuracy of one episode. */
struct EpisodeOutcome {
  Var loss;               ///< scalar, differentiable in the parameters when grad mode is on
  float accuracy = 0.0f;  ///< fraction of queries whose arg-max class is right
};

/** Prototypes c_k of class-major support embeddings [N·K, D] with weights [N·K] (empty = all 1). */
Var weighted_prototypes(const Var& support, int n_way, int k_shot, const std::vector<float>& weights = {});

/** Query log-probabilities [NQ, N] of a ProtoNet given query embeddings and prototypes. */
Var protonet_log_probs(const Var& query, const Var& prototypes);

/** Whether `name` is one of the attention kernels c above. */
bool is_attention_kernel(const std::string& name);

/** Query log-probabilities [NQ, N] of a Matching Network ("cosine", "cosine-support" or "euclidean" attention). */
Var matchingnet_log_probs(const Var& query, const Var& support, int n_way, int k_shot, const std::string& attention);

/** Fraction of rows of scores [N, C] whose arg-max (first on ties) equals the label. */
float argmax_accuracy(const Tensor& scores, const std::vector<int32_t>& labels);

/** Mean NLL and accuracy of log-probabilities against class-major labels (Q queries per class). */
EpisodeOutcome score_log_probs(const Var& log_probs, int n_way, int n_query);

/**
 * One episode of a metric-based learner on images [N·K + N·Q, H, W, C] (support then query):
 * algo "protonet" or "matchingnet" (attention as given). BN mode Train updates `buffers`.
 * A non-null `fce` (matchingnet only) adds full-context embeddings from the fce.* parameters.
 */
EpisodeOutcome metric_episode(const std::string& algo, const Conv4Arch& arch, const ParamSet& params,
                              Buffers* buffers, const Tensor& images, const EpisodeSpec& spec, BnMode mode,
                              const std::string& attention = "cosine", const FceConfig* fce = nullptr);

}  // namespace metacog

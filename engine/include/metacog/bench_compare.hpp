// metacog/bench_compare.hpp — the workloads of the side-by-side benchmark against other
// frameworks (bench/compare.mjs: TensorFlow.js's wasm backend). Each workload owns seeded inputs
// and weights, runs metacog's own code path on them with run(), and exposes everything another
// framework needs to compute exactly the same function (so outputs can be compared numerically).
//
//   GemmWorkload(n):           C = A·B, n×n float, A, B ~ U(−1, 1).
//   Conv4Workload(images):     the ProtoNet Conv-4 (64 filters, max-pool, BN in inference mode with
//                              seeded non-trivial γ, β, running mean/var) on images [N, 28, 28, 1].
//   ProtoNetWorkload(N, K, Q): classification of N·Q queries against N classes of K examples:
//                              f = Conv-4 on all N·K + N·Q images in one batch (BN inference mode),
//                              c_k = mean of the class's support embeddings,
//                              log p(k | q) = log_softmax_k(−‖f(q) − c_k‖²)   → [N·Q, N].
//   LearnerReptileWorkload(T): one Reptile step of the learner model (learner_train.hpp) on one
//                              learner's T responses as a single chunk: forward (history features,
//                              contexts, online fast-weight adaptation φ_t, eq. (1)–(5) of
//                              learner_model.hpp), backward to every meta-parameter, the inner
//                              Adam (β1 = 0) update and the meta-update. trace() gives the
//                              parameter-free inputs of that loss (standardised history features,
//                              skill/interaction/item indices, answers) so another framework can
//                              rebuild L(W) = Σ_t ℓ(y_t, σ(z_t(W) + φ_t·g_t(W))) with the same W.
//                              The meta-parameters may start from a trained model file.
// Every random choice comes from the seed given to the constructor.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "metacog/kt_data.hpp"
#include "metacog/learner_train.hpp"
#include "metacog/nn.hpp"
#include "metacog/tensor.hpp"

namespace metacog {

struct GemmWorkload {
  GemmWorkload(int n, uint64_t seed);
  void run();
  int n;
  Tensor a, b, c;
};

/** Seeded Conv-4 weights with BN running statistics that are not the identity. */
struct Conv4Weights {
  Conv4Weights(const Conv4Arch& arch, uint64_t seed);
  Conv4Arch arch;
  ParamSet params;
  Buffers buffers;
};

struct Conv4Workload {
  Conv4Workload(int images, uint64_t seed);
  void run();
  Conv4Weights w;
  Tensor x;    ///< [N, 28, 28, 1]
  Tensor out;  ///< [N, 64] embeddings
};

struct ProtoNetWorkload {
  ProtoNetWorkload(int n_way, int k_shot, int n_query, uint64_t seed);
  void run();
  int n_way, k_shot, n_query;
  Conv4Weights w;
  Tensor images;     ///< [N·K + N·Q, 28, 28, 1], support (class-major) then queries (class-major)
  Tensor log_probs;  ///< [N·Q, N]
};

/** The parameter-free inputs of one learner's task loss, per response t (row-major [T, …]). */
struct LearnerTrace {
  int responses = 0, features = 0, fast_size = 0;
  std::vector<float> features_std;  ///< [T, F] standardised history features x̂_t
  std::vector<float> phi;           ///< [T, W] fast weights φ_t used to predict response t
  std::vector<int32_t> skill, item, interaction;  ///< e_s row, item index, a_{s,y} row (2s + y)
  std::vector<float> correct;       ///< y_t ∈ {0, 1}
};

class LearnerReptileWorkload {
 public:
  /**
   * A learner with `responses` seeded responses on the demo bank's vocabulary (277 items, 17 skills)
   * and the demo learner model's architecture. `model` (a learner model file of that architecture,
   * e.g. models/demo-learner.safetensors; may be empty) supplies the starting meta-parameters: a
   * trained model keeps the online fast-weight adaptation in its well-conditioned regime, where a
   * fresh random one drives φ to large values that float32 and float64 follow differently.
   */
  LearnerReptileWorkload(int responses, uint64_t seed, const std::vector<uint8_t>& model = {});
  /** One Reptile step (meta_batch 1, one chunk of all responses); returns the chunk's mean loss. */
  double run();
  /** The trace at the current meta-parameters. */
  LearnerTrace trace() const;
  /** Σ_t ℓ and its gradient with respect to the flat meta-parameters, at the current parameters. */
  double loss_and_gradient(std::vector<double>& grad);
  const LearnerModel& model() const { return trainer_->model(); }

 private:
  std::unique_ptr<KtDataset> data_;  // on the heap: the trainer keeps a pointer (the workload may move)
  std::unique_ptr<LearnerTrainer> trainer_;
};

}  // namespace metacog

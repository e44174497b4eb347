// Synthetic knowledge-tracing learners and a small learner-training config, shared by the learner
// tests (portable ones and the native kt-train procedure's).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "metacog/kt_data.hpp"
#include "metacog/learner_train.hpp"
#include "metacog/rng.hpp"

namespace metacog::test {

/**
 * Synthetic learners: P(correct) = σ(θ_u − b_s + 0.4·(practice on s)), θ_u ~ N(0, 1), b_s fixed;
 * each learner practises runs of one skill (like a skill builder). Deterministic by seed.
 */
inline KtDataset synthetic(int learners, int length, int skills, uint64_t seed) {
  Pcg32 rng(seed);
  KtDataset d;
  d.num_items = skills;
  d.num_skills = skills;
  for (int s = 0; s < skills; ++s) {
    d.item_labels.push_back(std::to_string(s + 1));
    d.skill_labels.push_back(std::to_string(s + 1));
  }
  std::vector<double> b(static_cast<size_t>(skills));
  for (auto& x : b) x = rng.normal();
  for (int u = 0; u < learners; ++u) {
    LearnerLog log;
    log.learner = std::to_string(u);
    const double theta = rng.normal();
    std::vector<int> practice(static_cast<size_t>(skills), 0);
    int s = static_cast<int>(rng.uniform_int(static_cast<uint32_t>(skills)));
    for (int t = 0; t < length; ++t) {
      if (rng.uniform() < 0.2f) s = static_cast<int>(rng.uniform_int(static_cast<uint32_t>(skills)));
      const double z = theta - b[static_cast<size_t>(s)] + 0.4 * practice[static_cast<size_t>(s)];
      Response r;
      r.item = s;
      r.skill = s;
      r.correct = rng.uniform_double() < 1.0 / (1.0 + std::exp(-z));
      r.timestamp = t;
      log.responses.push_back(r);
      practice[static_cast<size_t>(s)] += 1;
    }
    d.learners.push_back(log);
  }
  return d;
}

inline LearnerTrainConfig small_config(const KtDataset& train, LearnerAlgo algo, uint64_t seed = 3) {
  LearnerTrainConfig c;
  c.algo = algo;
  c.arch = default_learner_arch(train);
  c.arch.dim = 4;
  c.arch.hidden = 8;
  c.arch.rank = 2;
  c.arch.decays = {0.0, 0.8};
  c.arch.inner_lr = 0.3;
  c.max_epochs = 3;
  c.patience = 5;
  c.meta_batch = 8;
  c.reptile_chunk = 8;
  c.seed = seed;
  return c;
}

}  // namespace metacog::test

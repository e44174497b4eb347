// Simulated world and learners (see simulator.hpp for the generative model).
#include <algorithm>
#include <cmath>
#include <string>

#include "metacog/error.hpp"
#include "metacog/numeric.hpp"
#include "metacog/simulator.hpp"

namespace metacog {

namespace {

// Seed streams (Pcg32 stream ids) of the simulator's random choices.
constexpr uint64_t kStreamWorld = 0x5157'0001ULL;
constexpr uint64_t kStreamLearner = 0x5157'1000'0000ULL;

}  // namespace

SimWorld::SimWorld(const ItemBank& bank, const SimulatorParams& params, uint64_t seed) {
  params.validate();
  Pcg32 rng(seed, kStreamWorld);
  skills.resize(bank.num_skills());
  for (auto& s : skills) s = params.pool[rng.uniform_int(static_cast<uint32_t>(params.pool.size()))];
  guess.resize(bank.num_items());
  slip.resize(bank.num_items());
  for (size_t i = 0; i < bank.num_items(); ++i) {
    const BankItem& it = bank.item(static_cast<int>(i));
    double g = 0, sl = 0;
    for (int s : it.skills) {
      g += skills[static_cast<size_t>(s)].guess;
      sl += skills[static_cast<size_t>(s)].slip;
    }
    g /= static_cast<double>(it.skills.size());
    sl /= static_cast<double>(it.skills.size());
    const double shift = it.difficulty > 0 ? params.difficulty_slope * (it.difficulty - 3) : 0.0;
    guess[i] = sigmoid(logit(g) - shift);
    slip[i] = sigmoid(logit(sl) + shift);
  }
}

SimulatedLearner::SimulatedLearner(const ItemBank& bank, const SimulatorParams& params, const SimWorld& world, uint64_t seed,
                                   uint64_t index)
    : bank_(&bank), params_(&params), world_(&world), rng_(seed, kStreamLearner + index) {
  const size_t S = bank.num_skills();
  require(world.skills.size() == S && world.guess.size() == bank.num_items(), ErrorCode::InvalidArgument,
          "simulated learner: the world was drawn for another item bank");
  ability_ = params.ability_sd * rng_.normal();
  prior_.resize(S);
  learn_.resize(S);
  for (size_t s = 0; s < S; ++s) {
    const BktSkillParams& q = world.skills[s];
    prior_[s] = sigmoid(logit(q.prior) + ability_);
    learn_[s] = sigmoid(logit(q.learn) + ability_);
  }
  known_.assign(S, 0);
  for (int s : bank.topological_order()) {
    const double rho = prerequisites_known(s) ? 1.0 : params.prerequisite_learn_factor;
    known_[static_cast<size_t>(s)] = rng_.bernoulli(prior_[static_cast<size_t>(s)] * rho);
  }
}

bool SimulatedLearner::prerequisites_known(int skill) const {
  for (int q : bank_->skill(skill).prerequisites) {
    if (!known_[static_cast<size_t>(q)]) return false;
  }
  return true;
}

double SimulatedLearner::p_correct(int item) const {
  const BankItem& it = bank_->item(item);
  bool all = true;
  for (int s : it.skills) all = all && known_[static_cast<size_t>(s)];
  return all ? 1.0 - world_->slip[static_cast<size_t>(item)] : world_->guess[static_cast<size_t>(item)];
}

double SimulatedLearner::post_test() const {
  double sum = 0;
  for (size_t i = 0; i < bank_->num_items(); ++i) sum += p_correct(static_cast<int>(i));
  return sum / static_cast<double>(bank_->num_items());
}

bool SimulatedLearner::masters(const std::vector<int>& goals) const {
  for (int s : goals) {
    if (!known_[static_cast<size_t>(s)]) return false;
  }
  return true;
}

bool SimulatedLearner::answer(int item) {
  if (item < 0 || static_cast<size_t>(item) >= bank_->num_items()) {
    throw Error(ErrorCode::UnknownItem, "simulated learner: item index " + std::to_string(item) + " is not in the bank");
  }
  const bool correct = rng_.bernoulli(p_correct(item));
  const BankItem& it = bank_->item(item);
  // learning: decided for every practised skill against the knowledge before this answer
  bool learned[ItemBank::kMaxSkillsPerItem] = {false, false, false, false};
  for (size_t k = 0; k < it.skills.size(); ++k) {
    const int s = it.skills[k];
    if (known_[static_cast<size_t>(s)]) continue;
    const double rho = prerequisites_known(s) ? 1.0 : params_->prerequisite_learn_factor;
    learned[k] = rng_.bernoulli(learn_[static_cast<size_t>(s)] * rho);
  }
  for (size_t k = 0; k < it.skills.size(); ++k) {
    if (learned[k]) known_[static_cast<size_t>(it.skills[k])] = 1;
  }
  // forgetting of the skills not practised now
  if (params_->forget > 0) {
    for (size_t s = 0; s < known_.size(); ++s) {
      if (!known_[s] || std::find(it.skills.begin(), it.skills.end(), static_cast<int>(s)) != it.skills.end()) continue;
      if (rng_.bernoulli(params_->forget)) known_[s] = 0;
    }
  }
  ++clock_;
  return correct;
}

}  // namespace metacog

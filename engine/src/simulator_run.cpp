// Simulation runs: training logs, policy calibration, per-learner outcomes (see simulator.hpp).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "metacog/error.hpp"
#include "metacog/numeric.hpp"
#include "metacog/simulator.hpp"

namespace metacog {

namespace {

/** Learner indices of the training logs: disjoint from the evaluated learners 0..N−1. */
constexpr uint64_t kTrainLearnerBase = 1ULL << 40;
/** Pseudo-counts pulling an item's correct rate toward its skill's. */
constexpr double kItemShrink = 5.0;

uint64_t policy_seed(uint64_t seed, uint64_t learner) { return seed * 0x9E3779B97F4A7C15ULL + learner + 1; }

}  // namespace

std::vector<std::string> simulation_policy_names() { return {"random", "fixed", "bkt-mastery", "target-difficulty"}; }

BktViewParams fit_bkt_view(const ItemBank& bank, const KtDataset& logs, const BktParams& params) {
  const size_t S = bank.num_skills(), I = bank.num_items();
  require(static_cast<size_t>(logs.num_items) == I, ErrorCode::InvalidArgument, "fit_bkt_view: the logs are not over this item bank");
  std::vector<std::vector<std::vector<int>>> seqs(S);
  std::vector<std::vector<int>> pooled;
  std::vector<double> item_c(I, 0), item_n(I, 0), skill_c(S, 0), skill_n(S, 0);
  std::vector<int> last(S);
  for (size_t u = 0; u < logs.learners.size(); ++u) {
    std::fill(last.begin(), last.end(), -1);
    for (const Response& r : logs.learners[u].responses) {
      require(r.item >= 0 && static_cast<size_t>(r.item) < I, ErrorCode::InvalidArgument, "fit_bkt_view: a response has no bank item");
      const BankItem& it = bank.item(r.item);
      for (int s : it.skills) {
        if (last[static_cast<size_t>(s)] != static_cast<int>(u)) {
          last[static_cast<size_t>(s)] = static_cast<int>(u);
          seqs[static_cast<size_t>(s)].emplace_back();
        }
        seqs[static_cast<size_t>(s)].back().push_back(r.correct ? 1 : 0);
      }
      item_c[static_cast<size_t>(r.item)] += r.correct;
      item_n[static_cast<size_t>(r.item)] += 1;
      skill_c[static_cast<size_t>(it.skills[0])] += r.correct;
      skill_n[static_cast<size_t>(it.skills[0])] += 1;
    }
  }
  for (const auto& v : seqs) pooled.insert(pooled.end(), v.begin(), v.end());
  const BktSkillParams pooled_fit = fit_bkt_skill(pooled, params, 0xB17u);
  BktViewParams out;
  out.skills.assign(S, pooled_fit);
  for (size_t s = 0; s < S; ++s) {
    if (!seqs[s].empty()) out.skills[s] = fit_bkt_skill(seqs[s], params, s + 1);
    out.skills[s].learn = std::min(std::max(out.skills[s].learn, 1e-4), 1 - 1e-4);
  }
  out.item_offset.assign(I, 0.0);
  for (size_t i = 0; i < I; ++i) {
    const size_t s = static_cast<size_t>(bank.item(static_cast<int>(i)).skills[0]);
    if (skill_n[s] == 0) continue;
    const double rs = skill_c[s] / skill_n[s];
    const double ri = (item_c[i] + kItemShrink * rs) / (item_n[i] + kItemShrink);
    out.item_offset[i] = logit(ri, 1e-6) - logit(rs, 1e-6);
  }
  return out;
}

Simulation::Simulation(const ItemBank& bank, const SimulatorParams& params, SimulationOptions options)
    : bank_(&bank), params_(params), options_(std::move(options)), world_(bank, params_, options_.seed) {
  const SimulationOptions& o = options_;
  require(o.learners >= 1, ErrorCode::InvalidArgument, "simulation: learners must be ≥ 1");
  require(o.budget >= 0 && o.max_items >= 1, ErrorCode::InvalidArgument, "simulation: budget must be ≥ 0 and max_items ≥ 1");
  require(o.train_learners >= 1 && o.train_length >= 1, ErrorCode::InvalidArgument, "simulation: train_learners and train_length must be ≥ 1");
  require(bank.num_items() > 0, ErrorCode::InvalidArgument, "simulation: the item bank has no items");
  for (int g : o.goals) {
    require(g >= 0 && static_cast<size_t>(g) < bank.num_skills(), ErrorCode::InvalidArgument, "simulation: goal skill index out of range");
    // no policy can teach a skill that no item practises: its learners would all count as censored
    require(!bank.items_of_skill(g).empty(), ErrorCode::InvalidArgument,
            "simulation: goal skill \"" + bank.skill(g).id + "\" has no items in the item bank, so no policy can teach it; leave it out of the goals");
  }
  if (o.goals.empty()) {
    for (size_t s = 0; s < bank.num_skills(); ++s) {
      if (!bank.items_of_skill(static_cast<int>(s)).empty()) goals_.push_back(static_cast<int>(s));
    }
  } else {
    goals_ = o.goals;
  }
}

KtDataset Simulation::generate_logs(Policy& policy, int n, int length, uint64_t stream) {
  KtDataset d;
  d.num_items = static_cast<int>(bank_->num_items());
  d.num_skills = static_cast<int>(bank_->num_skills());
  for (const BankItem& it : bank_->items()) d.item_labels.push_back(it.id);
  for (const BankSkill& s : bank_->skills()) d.skill_labels.push_back(s.id);
  for (int k = 0; k < n; ++k) {
    const uint64_t index = stream + static_cast<uint64_t>(k);
    SimulatedLearner learner(*bank_, params_, world_, options_.seed, index);
    policy.begin_learner(policy_seed(options_.seed, index));
    LearnerLog log;
    log.learner = "sim-" + std::to_string(index);
    for (int t = 0; t < length; ++t) {
      const int item = policy.next_item(t);
      const bool y = learner.answer(item);
      policy.observe(item, y, t);
      log.responses.push_back({item, bank_->item(item).skills[0], y, static_cast<double>(t)});
    }
    d.learners.push_back(std::move(log));
  }
  return d;
}

const PolicyCalibration& Simulation::calibration() {
  if (!calibration_) {
    auto c = std::make_unique<PolicyCalibration>();
    auto random = make_random_policy(*bank_);
    c->logs = generate_logs(*random, options_.train_learners, options_.train_length, kTrainLearnerBase);
    BktParams bp;
    bp.seed = options_.seed;
    c->bkt = fit_bkt_view(*bank_, c->logs, bp);
    c->forget = fit_bkt_forgetting(skill_sequences(c->logs), c->bkt.skills, 0.2);
    calibration_ = std::move(c);
  }
  return *calibration_;
}

const PrerequisiteCalibration& Simulation::prerequisite_calibration() {
  if (!prerequisite_calibration_) {
    auto c = std::make_unique<PrerequisiteCalibration>();
    c->joint = fit_prerequisite_knowledge(*bank_, calibration().logs, calibration().bkt.skills, {}, &c->log_likelihood);
    prerequisite_calibration_ = std::move(c);
  }
  return *prerequisite_calibration_;
}

RecommenderConfig Simulation::recommender_config() {
  RecommenderConfig cfg;
  cfg.mastery_threshold = options_.recommender_threshold;
  cfg.clock_in_seconds = false;
  const double f = calibration().forget;
  cfg.spacing_half_life = f > 1e-9 ? std::log(2.0) / f : 1e12;
  cfg.spacing_growth = 0.0;
  return cfg;
}

std::unique_ptr<Policy> Simulation::make_policy(const std::string& name) {
  if (name == "random") return make_random_policy(*bank_);
  if (name == "fixed") return make_fixed_policy(*bank_, options_.fixed_items_per_skill);
  if (name == "bkt-mastery") return make_bkt_mastery_policy(*bank_, calibration().bkt, options_.bkt_threshold);
  if (name == "target-difficulty") {
    return make_recommender_policy(name, *bank_, std::make_unique<BktAdaptiveView>(*bank_, calibration().bkt), recommender_config());
  }
  if (name == "prerequisite-bkt") {
    return make_recommender_policy(
        name, *bank_, std::make_unique<PrerequisiteAdaptiveView>(*bank_, calibration().bkt, prerequisite_calibration().joint),
        recommender_config());
  }
  std::string known;
  for (const auto& n : simulation_policy_names()) known += (known.empty() ? "" : ", ") + n;
  known += ", prerequisite-bkt";
  throw Error(ErrorCode::InvalidArgument, "unknown policy \"" + name + "\" (known: " + known + ", metacog with a learner model)");
}

LearnerOutcome Simulation::run_learner(Policy& policy, int k, LearnerLog* log) {
  const uint64_t index = options_.first_learner + static_cast<uint64_t>(k);
  SimulatedLearner learner(*bank_, params_, world_, options_.seed, index);
  policy.begin_learner(policy_seed(options_.seed, index));
  LearnerOutcome o;
  o.pre_test = learner.post_test();
  o.reached = learner.masters(goals_);
  int run = 0, correct = 0;
  for (int t = 0;; ++t) {
    if (t == options_.budget) o.post_test = learner.post_test();
    const bool more_for_mastery = !o.reached && t < options_.max_items;
    if (t >= options_.budget && !more_for_mastery) break;
    const int item = policy.next_item(t);
    const bool y = learner.answer(item);
    policy.observe(item, y, t);
    if (log) log->responses.push_back({item, bank_->item(item).skills[0], y, static_cast<double>(t)});
    if (t < options_.budget) {
      run = y ? 0 : run + 1;
      o.longest_failure_run = std::max(o.longest_failure_run, run);
      correct += y;
    }
    if (!o.reached && t < options_.max_items && learner.masters(goals_)) {  // mastery after the cap stays censored
      o.reached = true;
      o.items_to_mastery = t + 1;
    }
  }
  if (!o.reached) o.items_to_mastery = options_.max_items;
  o.correct_rate = options_.budget > 0 ? correct / static_cast<double>(options_.budget) : 0.0;
  return o;
}

PolicyResult Simulation::run(Policy& policy, const std::function<void(int, int)>& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  PolicyResult r;
  r.policy = policy.name();
  r.learners = options_.learners;
  std::vector<double> itm, post, pre, fail, rate;
  for (int k = 0; k < options_.learners; ++k) {
    const LearnerOutcome o = run_learner(policy, k);
    r.outcomes.push_back(o);
    itm.push_back(o.items_to_mastery);
    post.push_back(o.post_test);
    pre.push_back(o.pre_test);
    fail.push_back(o.longest_failure_run);
    rate.push_back(o.correct_rate);
    r.censored += o.reached ? 0 : 1;
    if (progress) progress(k + 1, options_.learners);
  }
  r.items_to_mastery = mean_ci95(itm);
  r.post_test = mean_ci95(post);
  r.pre_test = mean_ci95(pre);
  r.longest_failure_run = mean_ci95(fail);
  r.correct_rate = mean_ci95(rate);
  std::vector<double> sorted = itm;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  r.items_to_mastery_median = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::vector<PairedDifference> paired_differences(const std::vector<PolicyResult>& results, size_t ref) {
  require(ref < results.size(), ErrorCode::InvalidArgument, "paired_differences: no result " + std::to_string(ref));
  std::vector<PairedDifference> out;
  for (size_t j = 0; j < results.size(); ++j) {
    if (j == ref) continue;
    require(results[j].outcomes.size() == results[ref].outcomes.size(), ErrorCode::InvalidArgument,
            "paired_differences: " + results[j].policy + " and " + results[ref].policy + " ran different learners");
    std::vector<double> itm, post;
    for (size_t k = 0; k < results[ref].outcomes.size(); ++k) {
      const LearnerOutcome& a = results[ref].outcomes[k];
      const LearnerOutcome& b = results[j].outcomes[k];
      itm.push_back(static_cast<double>(a.items_to_mastery) - b.items_to_mastery);
      post.push_back(a.post_test - b.post_test);
    }
    out.push_back({results[j].policy, mean_ci95(itm), mean_ci95(post)});
  }
  return out;
}

}  // namespace metacog

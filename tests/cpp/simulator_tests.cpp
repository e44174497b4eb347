// Simulator: parameter files, the generative model, parameter recovery when fitted back, policies,
// and a small simulation where adaptive policies beat random.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "metacog/item_bank.hpp"
#include "metacog/simulator.hpp"
#include "simulator_test_banks.hpp"
#include "test_support.hpp"

using namespace metacog;
using nlohmann::json;

namespace {

using test::demo_bank;
using test::flat_bank;
using test::pure_bkt;

const SimulatorParams& committed_params() {
  static const SimulatorParams p = SimulatorParams::from_json(test::read_text(test::source_dir() + "/models/simulator-params.json"));
  return p;
}

}  // namespace

TEST_CASE("simulator: the committed population file loads and round-trips") {
  const SimulatorParams& p = committed_params();
  CHECK(p.pool.size() >= 20);
  CHECK(p.forget > 0);
  CHECK(p.forget < 0.01);
  const json prov = json::parse(p.provenance);
  CHECK(prov["source"] == "assist2009_updated_train.csv");
  CHECK(prov["responses"].get<int64_t>() > 100000);
  const SimulatorParams q = SimulatorParams::from_json(p.to_json());
  REQUIRE(q.pool.size() == p.pool.size());
  for (size_t k = 0; k < p.pool.size(); ++k) {
    CHECK(q.pool[k].learn == p.pool[k].learn);
    CHECK(q.pool[k].slip == p.pool[k].slip);
    CHECK(q.pool_skills[k] == p.pool_skills[k]);
  }
  CHECK(q.forget == p.forget);
  CHECK(q.ability_sd == p.ability_sd);
  // malformed documents
  const auto code = [](const std::string& text) { return test::code_of([&] { SimulatorParams::from_json(text); }); };
  CHECK(code("not json") == ErrorCode::DataFormat);
  CHECK(code("{}") == ErrorCode::DataFormat);
  json doc = json::parse(p.to_json());
  doc["version"] = 2;
  CHECK(code(doc.dump()) == ErrorCode::DataFormat);
  doc = json::parse(p.to_json());
  doc["pool"][0]["learn"] = 0;
  CHECK(code(doc.dump()) == ErrorCode::DataFormat);
  doc = json::parse(p.to_json());
  doc["pool"] = json::array();
  CHECK(code(doc.dump()) == ErrorCode::DataFormat);
  doc = json::parse(p.to_json());
  doc["assumptions"].erase("ability_sd");
  CHECK(code(doc.dump()) == ErrorCode::DataFormat);
}

TEST_CASE("simulator: answers follow slip/guess with the difficulty shift, learning needs prerequisites") {
  const ItemBank& b = demo_bank();
  const SimulatorParams& p = committed_params();
  const SimWorld world(b, p, 3);
  for (size_t i = 0; i < b.num_items(); ++i) {
    const BankItem& it = b.item(static_cast<int>(i));
    double g = 0, s = 0;
    for (int k : it.skills) {
      g += world.skills[static_cast<size_t>(k)].guess / it.skills.size();
      s += world.skills[static_cast<size_t>(k)].slip / it.skills.size();
    }
    const double shift = p.difficulty_slope * (it.difficulty - 3);
    CHECK(std::log(world.slip[i] / (1 - world.slip[i])) == doctest::Approx(std::log(s / (1 - s)) + shift));
    CHECK(std::log(world.guess[i] / (1 - world.guess[i])) == doctest::Approx(std::log(g / (1 - g)) - shift));
  }
  SimulatedLearner l(b, p, world, 3, 0);
  for (size_t i = 0; i < b.num_items(); ++i) {
    bool all = true;
    for (int k : b.item(static_cast<int>(i)).skills) all = all && l.knows(k);
    CHECK(l.p_correct(static_cast<int>(i)) == doctest::Approx(all ? 1 - world.slip[i] : world.guess[i]));
  }
  // same seed, same learner: identical answers; another index: another learner
  SimulatedLearner a(b, p, world, 3, 7), c(b, p, world, 3, 7);
  for (int t = 0; t < 200; ++t) CHECK(a.answer(t % 277) == c.answer(t % 277));
  CHECK(a.clock() == 200);
  // prerequisites slow learning by ρ: on a 2-skill chain with an unknown, never-practised prerequisite
  BktSkillParams q;
  q.prior = 0;
  q.learn = 0.3;
  q.guess = 0.2;
  q.slip = 0.1;
  SimulatorParams chain_params = pure_bkt(q, 0);
  chain_params.prerequisite_learn_factor = 0.25;
  const ItemBank chain = flat_bank(2, 3, true);
  const SimWorld cw(chain, chain_params, 1);
  double with = 0, without = 0;
  const int n = 3000;
  for (int k = 0; k < n; ++k) {
    SimulatedLearner l1(chain, chain_params, cw, 1, static_cast<uint64_t>(k));
    l1.answer(3);  // one practice of s1 while s0 is unknown
    without += l1.knows(1);
  }
  for (int k = 0; k < n; ++k) {
    SimulatedLearner l2(chain, chain_params, cw, 1, static_cast<uint64_t>(k));
    while (!l2.knows(0)) l2.answer(0);
    l2.answer(3);
    with += l2.knows(1);
  }
  CHECK(with / n == doctest::Approx(0.3).epsilon(0.15));
  CHECK(without / n == doctest::Approx(0.075).epsilon(0.25));
}

TEST_CASE("simulator: BKT parameters and forgetting are recovered when simulated logs are fitted back") {
  BktSkillParams truth;
  truth.prior = 0.3;
  truth.learn = 0.15;
  truth.guess = 0.2;
  truth.slip = 0.1;
  {
    const ItemBank b = flat_bank(1, 5);
    SimulationOptions o;
    o.seed = 9;
    Simulation sim(b, pure_bkt(truth, 0), o);
    auto random = make_random_policy(b);
    const KtDataset logs = sim.generate_logs(*random, 1500, 20, 0);
    const SkillSequences seq = skill_sequences(logs);
    BktParams bp;
    bp.restarts = 3;
    const BktSkillParams fit = fit_bkt_skill(seq.answers[0], bp, 1);
    CHECK(fit.prior == doctest::Approx(truth.prior).epsilon(0.12));
    CHECK(fit.learn == doctest::Approx(truth.learn).epsilon(0.12));
    CHECK(fit.guess == doctest::Approx(truth.guess).epsilon(0.12));
    CHECK(fit.slip == doctest::Approx(truth.slip).epsilon(0.15));
  }
  {
    // three skills practised in random order, forgetting 0.03 per answer on another skill
    const ItemBank b = flat_bank(3, 4);
    SimulationOptions o;
    o.seed = 4;
    Simulation sim(b, pure_bkt(truth, 0.03), o);
    auto random = make_random_policy(b);
    const KtDataset logs = sim.generate_logs(*random, 800, 40, 0);
    const SkillSequences seq = skill_sequences(logs);
    const double f = fit_bkt_forgetting(seq, {truth, truth, truth}, 0.2);
    CHECK(f == doctest::Approx(0.03).epsilon(0.2));
    CHECK(bkt_forgetting_log_likelihood(seq, {truth, truth, truth}, f) >=
          bkt_forgetting_log_likelihood(seq, {truth, truth, truth}, 0.0));
    // without forgetting in the data the fit finds (almost) none
    Simulation sim0(b, pure_bkt(truth, 0.0), o);
    const KtDataset logs0 = sim0.generate_logs(*random, 800, 40, 0);
    CHECK(fit_bkt_forgetting(skill_sequences(logs0), {truth, truth, truth}, 0.2) < 0.005);
    // the whole population fit on these logs puts every skill in the pool and finds the forgetting
    SimulatorFitOptions fo;
    fo.min_responses = 100;
    const SimulatorParams fitted = fit_simulator_params(logs, fo, "simulated");
    CHECK(fitted.pool.size() == 3);
    CHECK(fitted.forget > 0.01);
    CHECK(fitted.forget < 0.06);
    for (const auto& q : fitted.pool) CHECK(q.learn == doctest::Approx(truth.learn).epsilon(0.5));
  }
}

TEST_CASE("simulator: policies are deterministic, see only answers, and adaptive ones beat random") {
  const ItemBank& b = demo_bank();
  SimulationOptions o;
  o.learners = 80;
  o.seed = 2;
  o.max_items = 1000;
  o.train_learners = 100;
  Simulation sim(b, committed_params(), o);
  const auto& cal = sim.calibration();
  CHECK(cal.logs.learners.size() == 100);
  CHECK(cal.bkt.skills.size() == b.num_skills());
  CHECK(cal.forget >= 0);
  std::vector<PolicyResult> results;
  for (const auto& name : simulation_policy_names()) {
    auto policy = sim.make_policy(name);
    CHECK(policy->name() == name);
    results.push_back(sim.run(*policy));
    const PolicyResult& r = results.back();
    CHECK(r.learners == 80);
    CHECK(r.outcomes.size() == 80);
    CHECK(r.items_to_mastery.mean > 0);
    CHECK(r.post_test.mean > 0);
    CHECK(r.post_test.mean < 1);
    for (const auto& out : r.outcomes) {
      CHECK(out.items_to_mastery <= o.max_items);
      CHECK(out.longest_failure_run <= o.budget);
      if (!out.reached) CHECK(out.items_to_mastery == o.max_items);
    }
  }
  const auto by = [&](const std::string& n) {
    return *std::find_if(results.begin(), results.end(), [&](const PolicyResult& r) { return r.policy == n; });
  };
  const PolicyResult random = by("random"), bkt = by("bkt-mastery"), target = by("target-difficulty");
  MESSAGE("items_to_mastery random " << random.items_to_mastery.mean << " ± " << random.items_to_mastery.ci95 << ", bkt-mastery "
                                     << bkt.items_to_mastery.mean << " ± " << bkt.items_to_mastery.ci95 << ", target-difficulty "
                                     << target.items_to_mastery.mean << " ± " << target.items_to_mastery.ci95);
  CHECK(bkt.items_to_mastery.mean + bkt.items_to_mastery.ci95 < random.items_to_mastery.mean - random.items_to_mastery.ci95);
  CHECK(target.items_to_mastery.mean + target.items_to_mastery.ci95 < random.items_to_mastery.mean - random.items_to_mastery.ci95);
  CHECK(target.post_test.mean > random.post_test.mean);
  // the same seed gives the same numbers; every policy saw the same learners (same pre-test)
  Simulation again(b, committed_params(), o);
  auto p2 = again.make_policy("target-difficulty");
  const PolicyResult r2 = again.run(*p2);
  CHECK(r2.items_to_mastery.mean == target.items_to_mastery.mean);
  CHECK(r2.post_test.mean == target.post_test.mean);
  CHECK(random.pre_test.mean == bkt.pre_test.mean);
  CHECK(random.pre_test.mean == target.pre_test.mean);
  CHECK(test::code_of([&] { sim.make_policy("oracle"); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("simulator: the fixed curriculum follows the topological order, easiest first") {
  const ItemBank& b = demo_bank();
  auto fixed = make_fixed_policy(b, 4);
  fixed->begin_learner(1);
  int last_rank = -1, last_difficulty = 0;
  for (size_t k = 0; k < 4 * b.num_skills(); ++k) {
    const int item = fixed->next_item(static_cast<double>(k));
    const int s = b.item(item).skills[0];
    CHECK(b.item(item).skills.size() == 1);
    const int rank = b.topological_rank(s);
    if (k % 4 == 0) {
      CHECK(rank > last_rank);
      last_difficulty = 0;
    } else {
      CHECK(rank == last_rank);
    }
    CHECK(b.item(item).difficulty >= last_difficulty);
    last_rank = rank;
    last_difficulty = b.item(item).difficulty;
    fixed->observe(item, true, static_cast<double>(k));
  }
  CHECK(test::code_of([&] { make_fixed_policy(b, 0); }) == ErrorCode::InvalidArgument);
}

// The prerequisite-aware joint knowledge filter: exact against path enumeration, per-skill BKT when
// ρ = 1, evidence flowing to prerequisites, errors that change nothing, and ρ recovered by its fit.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <vector>

#include "metacog/prerequisite_knowledge.hpp"
#include "metacog/recommender.hpp"
#include "metacog/numeric.hpp"
#include "metacog/simulator.hpp"
#include "simulator_test_banks.hpp"
#include "test_support.hpp"

using namespace metacog;
using test::flat_bank;

namespace {

/** Skills a → b → c (each needs the previous), one item per skill and one item on {b, c}. */
ItemBank chain_with_pair_bank() {
  nlohmann::json doc = {{"version", 1}, {"skills", nlohmann::json::array()}, {"items", nlohmann::json::array()}};
  doc["skills"].push_back({{"id", "a"}, {"name", "A"}});
  doc["skills"].push_back({{"id", "b"}, {"name", "B"}, {"prerequisites", {"a"}}});
  doc["skills"].push_back({{"id", "c"}, {"name", "C"}, {"prerequisites", {"b"}}});
  for (const char* s : {"a", "b", "c"}) {
    doc["items"].push_back({{"id", std::string("i-") + s}, {"skills", {s}}, {"content", {{"prompt", "?"}, {"answer", "1"}}}});
  }
  doc["items"].push_back({{"id", "i-bc"}, {"skills", {"b", "c"}}, {"content", {{"prompt", "?"}, {"answer", "1"}}}});
  return ItemBank::parse(doc.dump());
}

PrerequisiteKnowledgeParams chain_params(double rho) {
  PrerequisiteKnowledgeParams q;
  q.skills = {{0.6, 0.2, 0.25, 0.1}, {0.4, 0.3, 0.2, 0.15}, {0.3, 0.25, 0.3, 0.2}};
  q.rho = rho;
  return q;
}

/**
 * P(K_final, answers) by enumerating every hidden path: the initial state, then at each answer which
 * unknown practised skills are learned. Independent of the filter's vectorised forward pass.
 */
std::vector<double> enumerate_paths(const ItemBank& bank, const PrerequisiteKnowledgeParams& q,
                                    const std::vector<std::pair<int, bool>>& answers) {
  const int S = static_cast<int>(bank.num_skills());
  std::vector<double> final_state(size_t{1} << S, 0.0);
  const auto prereqs_known = [&](uint32_t k, int s) {
    for (int p : bank.skill(s).prerequisites) {
      if (!(k >> p & 1u)) return false;
    }
    return true;
  };
  std::function<void(size_t, uint32_t, double)> walk = [&](size_t t, uint32_t k, double p) {
    if (p == 0) return;
    if (t == answers.size()) {
      final_state[k] += p;
      return;
    }
    const BankItem& it = bank.item(answers[t].first);
    double g = 0, sl = 0;
    bool all = true;
    for (int s : it.skills) {
      g += q.skills[static_cast<size_t>(s)].guess / static_cast<double>(it.skills.size());
      sl += q.skills[static_cast<size_t>(s)].slip / static_cast<double>(it.skills.size());
      all = all && (k >> s & 1u);
    }
    const double p_right = all ? 1 - sl : g;
    const double like = answers[t].second ? p_right : 1 - p_right;
    std::function<void(size_t, uint32_t, double)> learn = [&](size_t j, uint32_t to, double pp) {
      if (j == it.skills.size()) {
        walk(t + 1, to, pp);
        return;
      }
      const int s = it.skills[j];
      if (k >> s & 1u) {
        learn(j + 1, to, pp);
        return;
      }
      const double tr = q.skills[static_cast<size_t>(s)].learn * (prereqs_known(k, s) ? 1.0 : q.rho);
      learn(j + 1, to | (1u << s), pp * tr);
      learn(j + 1, to, pp * (1 - tr));
    };
    learn(0, k, p * like);
  };
  for (uint32_t k = 0; k < (1u << S); ++k) {
    double p = 1;
    for (int s = 0; s < S; ++s) {
      const double l0 = q.skills[static_cast<size_t>(s)].prior * (prereqs_known(k, s) ? 1.0 : q.rho);
      p *= (k >> s & 1u) ? l0 : 1 - l0;
    }
    walk(0, k, p);
  }
  double z = 0;
  for (double w : final_state) z += w;
  for (double& w : final_state) w /= z;
  return final_state;
}

}  // namespace

TEST_CASE("prerequisite filter: exact posterior, equal to enumerating every hidden path") {
  const ItemBank bank = chain_with_pair_bank();
  const int a = 0, b = 1, c = 2, bc = 3;
  const std::vector<std::pair<int, bool>> answers = {{c, true}, {a, false}, {bc, true}, {b, true}, {bc, false}, {a, true}};
  for (double rho : {0.3, 1.0}) {
    PrerequisiteKnowledgeFilter f(bank, chain_params(rho));
    std::vector<std::pair<int, bool>> seen;
    for (const auto& [item, y] : answers) {
      f.observe(item, y);
      seen.emplace_back(item, y);
      const std::vector<double> truth = enumerate_paths(bank, chain_params(rho), seen);
      for (int s = 0; s < 3; ++s) {
        double m = 0;
        for (uint32_t k = 0; k < truth.size(); ++k) m += (k >> s & 1u) ? truth[k] : 0.0;
        CHECK(f.p_known(s) == doctest::Approx(m).epsilon(1e-12));
      }
      const double both = truth[0b110] + truth[0b111];
      CHECK(f.p_all_known(bc) == doctest::Approx(both).epsilon(1e-12));
    }
  }
}

TEST_CASE("prerequisite filter: a bank written out of dependency order — prior and posterior exact") {
  // Diamond a → {b, c} → d, written d, c, a, b: the prior is built along the topological order
  // (a, c, b, d here), not the file order, and must still be Π_s Bernoulli(K_s; L₀_s·r_s(K)).
  nlohmann::json doc = {{"version", 1}, {"skills", nlohmann::json::array()}, {"items", nlohmann::json::array()}};
  doc["skills"].push_back({{"id", "d"}, {"name", "D"}, {"prerequisites", {"b", "c"}}});
  doc["skills"].push_back({{"id", "c"}, {"name", "C"}, {"prerequisites", {"a"}}});
  doc["skills"].push_back({{"id", "a"}, {"name", "A"}});
  doc["skills"].push_back({{"id", "b"}, {"name", "B"}, {"prerequisites", {"a"}}});
  for (const char* s : {"d", "c", "a", "b"}) {
    doc["items"].push_back({{"id", std::string("i-") + s}, {"skills", {s}}, {"content", {{"prompt", "?"}, {"answer", "1"}}}});
  }
  doc["items"].push_back({{"id", "i-cd"}, {"skills", {"c", "d"}}, {"content", {{"prompt", "?"}, {"answer", "1"}}}});
  const ItemBank bank = ItemBank::parse(doc.dump());
  REQUIRE(bank.topological_order() == std::vector<int>{2, 1, 3, 0});  // a, c, b, d: the earliest ready skill first
  PrerequisiteKnowledgeParams q;
  q.skills = {{0.2, 0.2, 0.25, 0.1}, {0.45, 0.3, 0.2, 0.15}, {0.7, 0.25, 0.3, 0.2}, {0.5, 0.1, 0.2, 0.1}};
  for (double rho : {0.25, 1.0}) {
    q.rho = rho;
    PrerequisiteKnowledgeFilter f(bank, q);
    const std::vector<double> prior = enumerate_paths(bank, q, {});
    REQUIRE(f.posterior().size() == prior.size());
    for (size_t k = 0; k < prior.size(); ++k) CHECK(f.posterior()[k] == doctest::Approx(prior[k]).epsilon(1e-14));
    const std::vector<std::pair<int, bool>> answers = {{0, true}, {2, false}, {4, true}, {3, true}, {1, false}};
    std::vector<std::pair<int, bool>> seen;
    for (const auto& [item, y] : answers) {
      f.observe(item, y);
      seen.emplace_back(item, y);
      const std::vector<double> truth = enumerate_paths(bank, q, seen);
      for (size_t k = 0; k < truth.size(); ++k) CHECK(f.posterior()[k] == doctest::Approx(truth[k]).epsilon(1e-12));
    }
    // reset() rebuilds the prior in place over a posterior (no stored copy): the same bits as a new
    // filter's, and the marginals with it
    const PrerequisiteKnowledgeFilter fresh(bank, q);
    f.reset();
    CHECK(f.posterior() == fresh.posterior());
    for (int s = 0; s < 4; ++s) CHECK(f.p_known(s) == fresh.p_known(s));
    CHECK(f.p_all_known(4) == fresh.p_all_known(4));
  }
}

TEST_CASE("prerequisite filter: with rho = 1 and single-skill items it is per-skill BKT") {
  const ItemBank bank = flat_bank(5, 3, /*chain=*/true);
  PrerequisiteKnowledgeParams q;
  for (int s = 0; s < 5; ++s) q.skills.push_back({0.1 + 0.15 * s, 0.05 + 0.04 * s, 0.2 + 0.02 * s, 0.1 + 0.03 * s});
  q.rho = 1.0;
  PrerequisiteKnowledgeFilter joint(bank, q);
  BktViewParams v;
  v.skills = q.skills;
  BktLearnerView per_skill(bank, v);
  Pcg32 rng(7);
  for (int t = 0; t < 60; ++t) {
    const int item = static_cast<int>(rng.next_u32() % bank.num_items());
    const bool y = rng.bernoulli(0.6);
    joint.observe(item, y);
    per_skill.observe(item, y, t);
    for (int s = 0; s < 5; ++s) CHECK(joint.p_known(s) == doctest::Approx(per_skill.p_known(s)).epsilon(1e-9));
  }
}

TEST_CASE("prerequisite filter: a right answer on a dependent skill is evidence for its prerequisite") {
  const ItemBank bank = chain_with_pair_bank();
  PrerequisiteKnowledgeFilter coupled(bank, chain_params(0.3));
  PrerequisiteKnowledgeFilter independent(bank, chain_params(1.0));
  const double a_before = coupled.p_known(0);
  const double a_independent = independent.p_known(0);
  coupled.observe(2, true);  // item on c
  independent.observe(2, true);
  CHECK(coupled.p_known(0) > a_before + 0.01);
  CHECK(independent.p_known(0) == doctest::Approx(a_independent).epsilon(1e-12));
  // and the coupled prior already knows that c is rarely known without b
  PrerequisiteKnowledgeFilter fresh(bank, chain_params(0.3));
  CHECK(fresh.p_known(2) < chain_params(0.3).skills[2].prior);
}

TEST_CASE("prerequisite filter: bad input is a typed error and changes nothing") {
  const ItemBank bank = chain_with_pair_bank();
  PrerequisiteKnowledgeFilter f(bank, chain_params(0.3));
  f.observe(1, true);
  const double before = f.p_known(1);
  CHECK(test::code_of([&] { f.observe(4, true); }) == ErrorCode::UnknownItem);
  CHECK(test::code_of([&] { f.observe(-1, false); }) == ErrorCode::UnknownItem);
  CHECK(f.p_known(1) == before);
  PrerequisiteKnowledgeParams bad = chain_params(0.0);
  CHECK(test::code_of([&] { PrerequisiteKnowledgeFilter(bank, bad); }) == ErrorCode::InvalidArgument);
  bad = chain_params(0.5);
  bad.skills[1].guess = 0;
  CHECK(test::code_of([&] { PrerequisiteKnowledgeFilter(bank, bad); }) == ErrorCode::InvalidArgument);
  bad = chain_params(0.5);
  bad.skills.pop_back();
  CHECK(test::code_of([&] { PrerequisiteKnowledgeFilter(bank, bad); }) == ErrorCode::InvalidArgument);
  const ItemBank big = flat_bank(PrerequisiteKnowledgeFilter::kMaxSkills + 1, 1);
  PrerequisiteKnowledgeParams many;
  many.skills.assign(big.num_skills(), BktSkillParams{});
  const std::string msg = test::message_of([&] { PrerequisiteKnowledgeFilter(big, many); });
  CHECK(msg.find("limited to 20") != std::string::npos);
}

TEST_CASE("prerequisite filter: the fit recovers a strong prerequisite effect and finds none where there is none") {
  // simulated learners whose knowledge follows the chain with factor ρ (no ability, no forgetting),
  // 300 random-policy learners × 40 answers; per-skill EM, then ρ by likelihood
  const ItemBank bank = flat_bank(4, 3, /*chain=*/true);
  const auto fitted_rho = [&](double true_rho) {
    SimulatorParams pop = test::pure_bkt({0.45, 0.15, 0.2, 0.1}, 0.0);
    pop.prerequisite_learn_factor = true_rho;
    SimulationOptions o;
    o.learners = 1;
    o.train_learners = 300;
    o.train_length = 40;
    Simulation sim(bank, pop, o);
    return sim.prerequisite_calibration().joint.rho;
  };
  CHECK(fitted_rho(0.2) <= 0.3);
  CHECK(fitted_rho(1.0) >= 0.7);
}

TEST_CASE("prerequisite filter: the prerequisite-bkt policy runs and is not offered by --policy all") {
  const ItemBank bank = flat_bank(4, 3, /*chain=*/true);
  SimulatorParams pop = test::pure_bkt({0.3, 0.2, 0.2, 0.1}, 0.0);
  pop.prerequisite_learn_factor = 0.3;
  SimulationOptions o;
  o.learners = 40;
  o.train_learners = 100;
  o.train_length = 40;
  o.max_items = 400;
  Simulation sim(bank, pop, o);
  auto policy = sim.make_policy("prerequisite-bkt");
  CHECK(policy->name() == "prerequisite-bkt");
  const PolicyResult r = sim.run(*policy);
  CHECK(r.items_to_mastery.mean > 0);
  CHECK(r.censored < 40);
  const auto names = simulation_policy_names();
  CHECK(std::find(names.begin(), names.end(), "prerequisite-bkt") == names.end());
  CHECK(test::message_of([&] { sim.make_policy("nope"); }).find("prerequisite-bkt") != std::string::npos);
}

TEST_CASE("prerequisite filter: the simulator's view levels item predictions by the filter and shifts them by the item offsets") {
  const ItemBank bank = chain_with_pair_bank();
  BktViewParams marginal;
  marginal.skills = chain_params(0.3).skills;
  marginal.item_offset = {0.0, 0.5, -1.0, 0.25};
  PrerequisiteAdaptiveView view(bank, marginal, chain_params(0.3));
  PrerequisiteKnowledgeFilter f(bank, chain_params(0.3));
  for (const auto& [item, y] : std::vector<std::pair<int, bool>>{{2, true}, {3, false}, {0, true}}) {
    view.observe(item, y, 0);
    f.observe(item, y);
  }
  std::vector<double> p(bank.num_items()), m(bank.num_skills());
  view.predict_items(0, p.data());
  view.skill_mastery(0, m.data());
  for (int i = 0; i < 4; ++i) {
    const double d = marginal.item_offset[static_cast<size_t>(i)];
    CHECK(p[static_cast<size_t>(i)] == doctest::Approx(sigmoid(logit(f.p_correct(i)) + d)).epsilon(1e-12));
  }
  for (int s = 0; s < 3; ++s) CHECK(m[static_cast<size_t>(s)] == doctest::Approx(f.p_known(s)).epsilon(1e-12));
  CHECK(view.attempts(2) == 2);  // item c and item bc
  CHECK(test::code_of([&] { view.observe(9, true, 1); }) == ErrorCode::UnknownItem);
  CHECK(view.attempts(2) == 2);
}

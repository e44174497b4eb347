// The prerequisite-aware joint filter in the product (learner_joint.hpp): the filter's marginals,
// expected learning, compaction and restore; the persisted form (bit-for-bit round trip across a
// compaction, another bank, malformed text); the model's mastery.rho; and the learner view / Engine
// on the demo bank (the state document carries it, a version-3 document migrates, a bad extension
// changes nothing). Portable (wasm too).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "metacog/engine.hpp"
#include "metacog/recommender_learner.hpp"
#include "metacog/learner_joint.hpp"
#include "metacog/prerequisite_knowledge.hpp"
#include "metacog/rng.hpp"
#include "test_support.hpp"

using namespace metacog;

namespace {

using test::demo_bank;

/** The demo learner model with ρ = 0.3 (the committed file may or may not carry one). */
std::shared_ptr<const LearnerModel> demo_model_with_rho(double rho = 0.3) {
  auto m = std::make_shared<LearnerModel>(*test::demo_learner_model());
  m->mastery_rho = rho;
  return m;
}

/** The demo learner model without ρ: the per-skill filter only. */
std::shared_ptr<const LearnerModel> demo_model_without_rho() {
  auto m = std::make_shared<LearnerModel>(*test::demo_learner_model());
  m->mastery_rho = std::nan("");
  return m;
}

/** Brute-force marginals of a posterior. */
std::vector<double> brute_marginals(const std::vector<double>& w, int skills) {
  std::vector<double> m(static_cast<size_t>(skills), 0.0);
  for (size_t k = 0; k < w.size(); ++k) {
    for (int s = 0; s < skills; ++s) {
      if (k >> s & 1u) m[static_cast<size_t>(s)] += w[k];
    }
  }
  return m;
}

/** `n` seeded answers over the bank: items and outcomes from the stream. */
std::vector<std::pair<int, bool>> random_answers(const ItemBank& bank, int n, uint64_t seed) {
  Pcg32 rng(seed);
  std::vector<std::pair<int, bool>> out;
  for (int t = 0; t < n; ++t) {
    const int item = static_cast<int>(rng.uniform_int(static_cast<uint32_t>(bank.num_items())));
    out.emplace_back(item, rng.uniform_double() < 0.6);
  }
  return out;
}

}  // namespace

TEST_CASE("joint filter: marginals by halving equal the brute-force sums; the learning rate gives the mean gain of one answer") {
  const ItemBank& bank = demo_bank();
  PrerequisiteKnowledgeFilter f(bank, joint_knowledge_params(*demo_model_with_rho(), bank));
  for (const auto& [item, correct] : random_answers(bank, 40, 3)) f.observe(item, correct);
  const std::vector<double> m = brute_marginals(f.posterior(), f.num_skills());
  for (int s = 0; s < f.num_skills(); ++s) CHECK(f.p_known(s) == doctest::Approx(m[static_cast<size_t>(s)]).epsilon(1e-12));
  // E[P(K_s | one more answer on a single-skill item of s)] − P(K_s) = learning_rate(s)·P(K_s = 0): the evidence is a martingale
  for (int s = 0; s < f.num_skills(); ++s) {
    int item = -1;
    for (int i : bank.items_of_skill(s)) {
      if (bank.item(i).skills.size() == 1) item = i;
    }
    if (item < 0) continue;
    PrerequisiteKnowledgeFilter right = f, wrong = f;
    right.observe(item, true);
    wrong.observe(item, false);
    const double p = f.p_correct(item);
    const double gain = p * right.p_known(s) + (1 - p) * wrong.p_known(s) - f.p_known(s);
    CHECK(f.learning_rate(s) * (1 - f.p_known(s)) == doctest::Approx(gain).epsilon(1e-9));
    CHECK(f.learning_rate(s) > 0);
  }
}

TEST_CASE("joint filter: compaction keeps the most probable states, restore gives it back bit for bit, and the change is bounded") {
  const ItemBank& bank = demo_bank();
  PrerequisiteKnowledgeFilter f(bank, joint_knowledge_params(*demo_model_with_rho(), bank));
  for (const auto& [item, correct] : random_answers(bank, 120, 5)) f.observe(item, correct);
  const PrerequisiteKnowledgeFilter exact = f;
  PrerequisiteKnowledgeFilter::Snapshot s;
  // 120 random answers leave the posterior spread: 2048 states do not hold 1 − 10⁻⁶ of it, so nothing happens
  CHECK_FALSE(f.compact(2048, 1 - 1e-6, 1e-6, &s));
  CHECK(f.posterior() == exact.posterior());
  REQUIRE(f.compact(2048, 0.0, 1e-6, &s));  // forced
  REQUIRE(s.states.size() == 2048);
  double kept = 0;
  for (uint32_t k : s.states) kept += exact.posterior()[k];
  // the kept states are the most probable ones
  double smallest_kept = 1;
  for (uint32_t k : s.states) smallest_kept = std::min(smallest_kept, exact.posterior()[k]);
  size_t larger_outside = 0;
  for (size_t k = 0; k < exact.posterior().size(); ++k) {
    if (exact.posterior()[k] > smallest_kept && !std::binary_search(s.states.begin(), s.states.end(), static_cast<uint32_t>(k))) ++larger_outside;
  }
  CHECK(larger_outside == 0);
  for (int sk = 0; sk < f.num_skills(); ++sk) CHECK(std::fabs(f.p_known(sk) - exact.p_known(sk)) <= (1 - kept) + 1e-5);
  CHECK(kept > 0.5);
  // every state stays possible (η mixing)
  size_t zero = 0;
  for (double w : f.posterior()) zero += w == 0 ? 1 : 0;
  CHECK(zero == 0);
  PrerequisiteKnowledgeFilter g(bank, joint_knowledge_params(*demo_model_with_rho(), bank));
  g.restore(s, 1e-6);
  CHECK(g.posterior() == f.posterior());
  // bad snapshots are typed errors and change nothing
  PrerequisiteKnowledgeFilter::Snapshot bad = s;
  std::swap(bad.states[0], bad.states[1]);
  CHECK(test::code_of([&] { g.restore(bad, 1e-6); }) == ErrorCode::InvalidArgument);
  bad = s;
  bad.mass[3] = -1;
  CHECK(test::code_of([&] { g.restore(bad, 1e-6); }) == ErrorCode::InvalidArgument);
  bad = s;
  bad.states.back() = 1u << 20;
  CHECK(test::code_of([&] { g.restore(bad, 1e-6); }) == ErrorCode::InvalidArgument);
  CHECK(test::code_of([&] { g.restore(s, 0.7); }) == ErrorCode::InvalidArgument);  // η > 1/2
  CHECK(g.posterior() == f.posterior());
  // independent marginals
  std::vector<double> known(static_cast<size_t>(g.num_skills()));
  for (size_t k = 0; k < known.size(); ++k) known[k] = 0.05 + 0.05 * static_cast<double>(k);
  g.set_independent(known);
  for (int sk = 0; sk < g.num_skills(); ++sk) CHECK(g.p_known(sk) == doctest::Approx(known[static_cast<size_t>(sk)]).epsilon(1e-12));
}

TEST_CASE("joint knowledge: the persisted form restores the live filter bit for bit across a compaction") {
  const ItemBank& bank = demo_bank();
  const PrerequisiteKnowledgeParams q = joint_knowledge_params(*demo_model_with_rho(), bank);
  // a learner who gets nearly everything right: by the 256th answer the posterior is concentrated
  // enough to compact (≤ 4096 states hold 1 − 10⁻⁶ of it)
  std::vector<std::pair<int, bool>> answers;
  for (int t = 0; t < JointKnowledge::kSnapshotEvery + 40; ++t) answers.emplace_back(t % static_cast<int>(bank.num_items()), t % 9 != 4);
  JointKnowledge live(bank, q);
  PrerequisiteKnowledgeFilter exact(bank, q);
  for (size_t t = 0; t < answers.size(); ++t) {
    live.observe(answers[t].first, answers[t].second);
    exact.observe(answers[t].first, answers[t].second);
    if (t == 30 || t + 1 == answers.size()) {
      JointKnowledge restored(bank, q);
      REQUIRE(restored.from_json(live.to_json()));
      CHECK(restored.filter().posterior() == live.filter().posterior());
      CHECK(restored.to_json() == live.to_json());
    }
  }
  const nlohmann::json doc = nlohmann::json::parse(live.to_json());
  CHECK(doc["answers"].size() == 40);
  REQUIRE(doc["snapshot"].contains("states"));
  CHECK(doc["snapshot"]["states"].size() <= JointKnowledge::kSnapshotStates);
  CHECK(live.to_json().size() < 100000);
  // the compaction changed no probability by more than ≈ 10⁻⁶
  for (int s = 0; s < exact.num_skills(); ++s) CHECK(std::fabs(live.filter().p_known(s) - exact.p_known(s)) < 1e-5);
  // continuing after a restore stays identical
  JointKnowledge restored(bank, q);
  REQUIRE(restored.from_json(live.to_json()));
  for (const auto& [item, correct] : random_answers(bank, 30, 12)) {
    live.observe(item, correct);
    restored.observe(item, correct);
  }
  CHECK(restored.filter().posterior() == live.filter().posterior());
  // a spread-out posterior is not compacted: the answers are kept instead
  JointKnowledge spread(bank, q);
  for (const auto& [item, correct] : random_answers(bank, JointKnowledge::kSnapshotEvery + 5, 14)) spread.observe(item, correct);
  const nlohmann::json sd = nlohmann::json::parse(spread.to_json());
  if (sd["snapshot"].is_null()) {
    CHECK(sd["answers"].size() == JointKnowledge::kSnapshotEvery + 5);
  } else {
    CHECK(sd["answers"].size() == 5);
  }
  JointKnowledge back(bank, q);
  REQUIRE(back.from_json(spread.to_json()));
  CHECK(back.filter().posterior() == spread.filter().posterior());
  // migration: the product of the marginals, exactly, and persisted as such
  std::vector<double> known;
  for (size_t k = 0; k < bank.num_skills(); ++k) known.push_back(0.1 + 0.04 * static_cast<double>(k));
  JointKnowledge migrated(bank, q);
  migrated.migrate(known);
  for (int s = 0; s < migrated.filter().num_skills(); ++s) CHECK(migrated.filter().p_known(s) == doctest::Approx(known[static_cast<size_t>(s)]).epsilon(1e-12));
  // marginals of exactly 0 or 1 are kept within [η, 1 − η]: no state becomes impossible
  JointKnowledge certain(bank, q);
  std::vector<double> edges(bank.num_skills(), 1.0);
  edges[0] = 0.0;
  certain.migrate(edges);
  CHECK(certain.filter().p_known(0) == doctest::Approx(JointKnowledge::kSnapshotEta));
  CHECK(certain.filter().p_known(1) == doctest::Approx(1 - JointKnowledge::kSnapshotEta));
  size_t impossible = 0;
  for (double w : certain.filter().posterior()) impossible += w == 0 ? 1 : 0;
  CHECK(impossible == 0);
  migrated.observe(3, true);
  JointKnowledge again(bank, q);
  REQUIRE(again.from_json(migrated.to_json()));
  CHECK(again.filter().posterior() == migrated.filter().posterior());
}

TEST_CASE("joint knowledge: another bank is not replayed; malformed text is StateFormat and changes nothing") {
  const ItemBank& bank = demo_bank();
  const PrerequisiteKnowledgeParams q = joint_knowledge_params(*demo_model_with_rho(), bank);
  JointKnowledge j(bank, q);
  for (const auto& [item, correct] : random_answers(bank, 20, 13)) j.observe(item, correct);
  const std::string before = j.to_json();
  const std::vector<double> posterior = j.filter().posterior();
  nlohmann::json other = nlohmann::json::parse(before);
  other["bank"] = "0000000000000000";
  CHECK_FALSE(j.from_json(other.dump()));
  CHECK(j.to_json() == before);
  const auto rejected = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json d = nlohmann::json::parse(before);
    edit(d);
    CHECK(test::code_of([&] { j.from_json(d.dump()); }) == ErrorCode::StateFormat);
    CHECK(j.to_json() == before);
    CHECK(j.filter().posterior() == posterior);
  };
  rejected([&](nlohmann::json& d) { d["answers"].push_back(2 * static_cast<int>(bank.num_items())); });
  rejected([&](nlohmann::json& d) { d["answers"].push_back(-1); });
  rejected([&](nlohmann::json& d) { d["answers"] = std::vector<int>(JointKnowledge::kMaxAnswers, 0); });
  rejected([&](nlohmann::json& d) { d["snapshot"] = {{"independent", {0.5, 2.0}}}; });
  const uint32_t half = 0x3f000000u, nan = 0x7fc00000u, negative = 0xbf000000u;  // 0.5f, NaN, −0.5f
  rejected([&](nlohmann::json& d) { d["snapshot"] = {{"states", {3, 1}}, {"mass_bits", {half, half}}}; });
  rejected([&](nlohmann::json& d) { d["snapshot"] = {{"states", {1, 3}}, {"mass_bits", nlohmann::json::array({half})}}; });
  rejected([&](nlohmann::json& d) { d["snapshot"] = {{"states", {1, 3}}, {"mass_bits", {0u, 0u}}}; });
  rejected([&](nlohmann::json& d) { d["snapshot"] = {{"states", {1, 3}}, {"mass_bits", {half, nan}}}; });
  rejected([&](nlohmann::json& d) { d["snapshot"] = {{"states", {1, 3}}, {"mass_bits", {half, negative}}}; });
  rejected([&](nlohmann::json& d) { d["snapshot"] = {{"states", {1, 3}}, {"mass_bits", {0.5, 0.5}}}; });
  rejected([&](nlohmann::json& d) { d["snapshot"] = {{"states", {1, 3}}, {"mass_bits", {half, uint64_t{1} << 33}}}; });
  rejected([&](nlohmann::json& d) {
    d["snapshot"] = {{"states", nlohmann::json::array({1u << 17})}, {"mass_bits", nlohmann::json::array({half})}};
  });
  rejected([&](nlohmann::json& d) { d.erase("snapshot"); });
  rejected([&](nlohmann::json& d) { d["bank"] = 5; });
  CHECK(test::code_of([&] { j.from_json("not json"); }) == ErrorCode::StateFormat);
  CHECK(test::code_of([&] { j.observe(static_cast<int>(bank.num_items()), true); }) == ErrorCode::UnknownItem);
  CHECK(j.to_json() == before);
}

TEST_CASE("joint knowledge: mastery.rho in the model file, validated; which models and banks get the joint filter") {
  const std::shared_ptr<const LearnerModel> m = demo_model_with_rho(0.25);
  const SafetensorsFile f = m->to_safetensors();
  REQUIRE(f.has("mastery.rho"));
  const LearnerModel back = LearnerModel::from_safetensors(f);
  CHECK(back.mastery_rho == doctest::Approx(0.25).epsilon(1e-7));
  CHECK(has_joint_knowledge(back, demo_bank()));
  SafetensorsFile bad = f;
  Tensor rho = Tensor::empty({1});
  rho[0] = 1.5f;
  bad.set_f32("mastery.rho", rho);
  CHECK(test::code_of([&] { LearnerModel::from_safetensors(bad); }) == ErrorCode::ModelFormat);
  bad = f;
  bad.tensors.erase("mastery.prior");
  bad.tensors.erase("mastery.learn");
  CHECK(test::code_of([&] { LearnerModel::from_safetensors(bad); }) == ErrorCode::ModelFormat);
  // an 18th skill is beyond the latency budget's limit: the view keeps the per-skill filter
  nlohmann::json doc = nlohmann::json::parse(test::read_text(test::source_dir() + "/web/demo/item-bank.json"));
  nlohmann::json extra = doc["skills"].back();
  extra["id"] = "extra-skill";
  extra["prerequisites"] = nlohmann::json::array({doc["skills"].back()["id"]});  // explicit: a one-element brace list is a copy under clang
  doc["skills"].push_back(extra);
  nlohmann::json item = doc["items"][0];
  item["id"] = "extra-item";
  item["skills"] = nlohmann::json::array({"extra-skill"});
  doc["items"].push_back(item);
  const ItemBank big = ItemBank::parse(doc.dump());
  REQUIRE(big.num_skills() == static_cast<size_t>(kMaxJointSkills) + 1);
  CHECK_FALSE(has_joint_knowledge(back, big));
  CHECK(LearnerModelView(big, m).joint() == nullptr);
  CHECK(LearnerModelView(demo_bank(), m).joint() != nullptr);
  LearnerModel none = *test::demo_learner_model();
  none.mastery_rho = std::nan("");
  CHECK_FALSE(has_joint_knowledge(none, demo_bank()));
  CHECK_FALSE(LearnerModel::from_safetensors(none.to_safetensors()).header.algo.empty());
  CHECK(std::isnan(LearnerModel::from_safetensors(none.to_safetensors()).mastery_rho));
}

TEST_CASE("joint knowledge in the Engine: mastery from the joint filter, persisted with the state, a version-3 document migrates") {
  const std::shared_ptr<const LearnerModel> model = demo_model_with_rho();
  Engine e(model, demo_bank());
  double t = 1000;
  for (const auto& [item, correct] : random_answers(demo_bank(), 80, 17)) e.observe(demo_bank().item(item).id, correct, t += 30);
  const std::vector<uint8_t> saved = e.export_state();
  const nlohmann::json doc = nlohmann::json::parse(std::string(saved.begin(), saved.end()));
  CHECK(doc["version"] == LearnerSession::kStateVersion);
  REQUIRE(doc["extensions"].contains("prerequisite_knowledge"));
  CHECK(doc["extensions"]["prerequisite_knowledge"]["answers"].size() == 80);
  const std::vector<SkillMastery> m = e.mastery();
  for (const SkillMastery& x : m) CHECK(x.known == x.mastery);  // the recommender's P(mastered) is the joint filter's
  Engine restored(model, demo_bank());
  restored.import_state(saved);
  const std::vector<SkillMastery> m2 = restored.mastery();
  for (size_t s = 0; s < m.size(); ++s) CHECK(m2[s].known == m[s].known);
  CHECK(restored.export_state() == saved);
  // a document without the extension (version 3, or written by a model without ρ) migrates from the per-skill filter
  nlohmann::json v3 = doc;
  v3.erase("extensions");
  v3["version"] = 3;
  const std::string v3_text = v3.dump();
  Engine migrated(model, demo_bank());
  migrated.import_state(std::vector<uint8_t>(v3_text.begin(), v3_text.end()));
  Engine per_skill(demo_model_without_rho(), demo_bank());
  per_skill.import_state(std::vector<uint8_t>(v3_text.begin(), v3_text.end()));
  const std::vector<SkillMastery> mm = migrated.mastery(), mp = per_skill.mastery();
  bool differs = false;  // the joint filter's state after 80 answers is not the per-skill one's
  for (size_t s = 0; s < mm.size(); ++s) {
    CHECK(std::fabs(mm[s].known - mp[s].known) <= 1e-6);  // exact up to the [η, 1 − η] clamp
    differs = differs || std::fabs(mm[s].known - m[s].known) > 1e-3;
  }
  CHECK(differs);
  // a bad extension is StateFormat and changes nothing
  nlohmann::json broken = doc;
  broken["extensions"]["prerequisite_knowledge"]["answers"][0] = -3;
  const std::string broken_text = broken.dump();
  CHECK(test::code_of([&] { restored.import_state(std::vector<uint8_t>(broken_text.begin(), broken_text.end())); }) ==
        ErrorCode::StateFormat);
  CHECK(restored.export_state() == saved);
  // the recommender keeps its contract on the joint filter: nothing with unmastered prerequisites while an eligible item exists
  RecommendOptions o;
  o.count = 5;
  const std::vector<Recommendation> r = restored.recommend(o);
  REQUIRE(!r.empty());
  for (const Recommendation& x : r) {
    CHECK(!x.reason.empty());
    for (double pm : x.prerequisite_mastery) CHECK(pm >= RecommenderConfig().mastery_threshold);
  }
}

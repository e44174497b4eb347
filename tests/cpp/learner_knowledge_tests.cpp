// The learner session's knowledge filter (learner_knowledge.hpp): the BKT step against hand-computed
// numbers and against the independent BktLearnerView, the model file's optional tensors, the
// filter inside the session (prior, multi-skill items, unknown skills), its state (version 3 on)
// (round trip bit for bit, migration from versions 2 and 1, malformed documents change nothing),
// and the recommender on it: no item with unmastered prerequisites while an eligible one exists.
// Portable (wasm too).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "metacog/item_bank.hpp"
#include "metacog/learner_knowledge.hpp"
#include "metacog/learner_mastery.hpp"
#include "metacog/learner_session.hpp"
#include "metacog/recommender.hpp"
#include "metacog/recommender_learner.hpp"
#include "metacog/rng.hpp"
#include "metacog/safetensors.hpp"
#include "test_support.hpp"

using namespace metacog;

namespace {

using test::demo_bank;

/** A random learner model over skills s0..s9 (row 10 = unknown skill) with filter parameters. */
std::shared_ptr<LearnerModel> filter_model() {
  LearnerArch a;
  a.num_items = 20;
  a.num_skills = 10;
  a.dim = 8;
  a.hidden = 16;
  a.inner_window = 24;  // W = 64
  auto m = std::make_shared<LearnerModel>(a, 7);
  m->header.algo = "learner-reptile";
  for (int s = 0; s < 10; ++s) m->skill_labels.push_back("s" + std::to_string(s));
  for (int i = 0; i < 20; ++i) m->item_labels.push_back("i" + std::to_string(i));
  for (int r = 0; r <= 10; ++r) {
    m->mastery_prior.push_back(0.3 + 0.05 * r);
    m->mastery_learn.push_back(0.02 + 0.01 * r);
    m->mastery_guess.push_back(0.1 + 0.015 * r);
    m->mastery_slip.push_back(0.25 - 0.01 * r);
  }
  return m;
}

/** Items i0..i29: skill s(i mod 12) (s10, s11 unknown to the model), some with a second skill. */
void register_catalogue(LearnerSession& s) {
  for (int i = 0; i < 30; ++i) {
    std::vector<std::string> skills = {"s" + std::to_string(i % 12)};
    if (i % 7 == 3) skills.push_back("s" + std::to_string((i + 5) % 12));
    s.register_item("i" + std::to_string(i), skills);
  }
}

std::vector<std::string> catalogue_skills(int i) {
  std::vector<std::string> skills = {"s" + std::to_string(i % 12)};
  if (i % 7 == 3) skills.push_back("s" + std::to_string((i + 5) % 12));
  return skills;
}

struct Answer {
  int item;
  bool correct;
  double timestamp;
};

std::vector<Answer> answers(int n, uint64_t seed) {
  Pcg32 rng(seed);
  std::vector<Answer> out;
  double t = 1.7e9;
  for (int k = 0; k < n; ++k) {
    t += 5.0 + 100.0 * rng.uniform_double();
    out.push_back({static_cast<int>(rng.uniform_int(30)), rng.uniform() < 0.6f, t});
  }
  return out;
}

void play(LearnerSession& s, const std::vector<Answer>& log, size_t from, size_t to) {
  for (size_t k = from; k < to; ++k) s.observe("i" + std::to_string(log[k].item), log[k].correct, log[k].timestamp);
}

double known_of(LearnerSession& s, const std::string& skill) {
  for (const SkillMastery& m : s.mastery()) {
    if (m.skill == skill) return m.known;
  }
  return std::nan("");
}

}  // namespace

TEST_CASE("knowledge filter: one BKT step, by hand") {
  const KnowledgeParams q{0.5, 0.15, 0.2, 0.1};
  // right: posterior 0.6·0.9 / (0.6·0.9 + 0.4·0.2) = 0.54/0.62, then + (1 − post)·0.15
  const double post_right = 0.54 / 0.62;
  CHECK(knowledge_update(0.6, true, q) == doctest::Approx(post_right + (1 - post_right) * 0.15).epsilon(1e-12));
  CHECK(knowledge_update(0.6, true, q) == doctest::Approx(0.8903225806).epsilon(1e-9));
  // wrong: posterior 0.6·0.1 / (0.6·0.1 + 0.4·0.8) = 0.06/0.38
  const double post_wrong = 0.06 / 0.38;
  CHECK(knowledge_update(0.6, false, q) == doctest::Approx(post_wrong + (1 - post_wrong) * 0.15).epsilon(1e-12));
  CHECK(knowledge_update(0.6, false, q) == doctest::Approx(0.2842105263).epsilon(1e-9));
  // certainty stays certain (a mastered skill is not unlearned; an unmastered one can still be learned)
  CHECK(knowledge_update(1.0, false, q) == 1.0);
  CHECK(knowledge_update(0.0, true, q) == doctest::Approx(0.15));
  // repeated wrong answers converge to the fixed point k* = post(k*) + (1 − post(k*))·T > 0
  double k = 0.9;
  for (int n = 0; n < 200; ++n) k = knowledge_update(k, false, q);
  CHECK(k == doctest::Approx(knowledge_update(k, false, q)).epsilon(1e-9));
  CHECK(k > 0.15);
  CHECK(k < 0.3);
}

TEST_CASE("knowledge filter: the session's filter is BKT — it equals BktLearnerView on the same answers") {
  // the demo bank's skills, a model whose rows are those skills with per-skill parameters
  const ItemBank bank = ItemBank::parse(test::read_text(test::source_dir() + "/web/demo/item-bank.json"));
  LearnerArch a;
  a.num_items = 1;
  a.num_skills = static_cast<int>(bank.num_skills());
  a.dim = 8;
  a.hidden = 16;
  auto model = std::make_shared<LearnerModel>(a, 3);
  model->header.algo = "learner-reptile";
  model->item_labels = {bank.item(0).id};
  BktViewParams view_params;
  for (size_t s = 0; s <= bank.num_skills(); ++s) {
    BktSkillParams q;
    q.prior = 0.2 + 0.04 * static_cast<double>(s % 13);
    q.learn = 0.03 + 0.01 * static_cast<double>(s % 7);
    q.guess = 0.1 + 0.02 * static_cast<double>(s % 9);
    q.slip = 0.05 + 0.02 * static_cast<double>(s % 8);
    model->mastery_prior.push_back(q.prior);
    model->mastery_learn.push_back(q.learn);
    model->mastery_guess.push_back(q.guess);
    model->mastery_slip.push_back(q.slip);
    if (s < bank.num_skills()) {
      model->skill_labels.push_back(bank.skill(static_cast<int>(s)).id);
      view_params.skills.push_back(q);
    }
  }
  view_params.item_offset.assign(bank.num_items(), 0.0);
  LearnerModelView view(bank, model);
  BktLearnerView bkt(bank, view_params);
  Pcg32 rng(17);
  std::vector<double> m(bank.num_skills()), want(bank.num_skills());
  for (int t = 0; t < 400; ++t) {
    const int item = static_cast<int>(rng.uniform_int(static_cast<uint32_t>(bank.num_items())));  // multi-skill items included
    const bool correct = rng.uniform() < 0.55f;
    view.observe(item, correct, t);
    bkt.observe(item, correct, t);
    if (t % 37 == 0 || t == 399) {
      view.skill_mastery(t, m.data());
      bkt.skill_mastery(t, want.data());
      for (size_t s = 0; s < bank.num_skills(); ++s) CHECK(m[s] == doctest::Approx(want[s]).epsilon(1e-12));
    }
  }
  // never-practised skills report the prior
  view.reset();
  view.skill_mastery(0, m.data());
  for (size_t s = 0; s < bank.num_skills(); ++s) CHECK(m[s] == doctest::Approx(model->mastery_prior[s]));
}

TEST_CASE("knowledge filter: the prior, multi-skill items and skills outside the vocabulary") {
  auto model = filter_model();
  LearnerSession s(model);
  register_catalogue(s);
  CHECK(s.has_knowledge());
  // i3 has skills s3 and s8: both updated with their own rows
  s.observe("i3", true, 10.0);
  CHECK(known_of(s, "s3") == doctest::Approx(knowledge_update(model->mastery_prior[3], true, knowledge_params(*model, 3))));
  CHECK(known_of(s, "s8") == doctest::Approx(knowledge_update(model->mastery_prior[8], true, knowledge_params(*model, 8))));
  // s11 is not in the vocabulary: the unknown-skill row 10
  CHECK(known_of(s, "s11") == doctest::Approx(model->mastery_prior[10]));
  s.observe("i11", false, 20.0);
  CHECK(known_of(s, "s11") == doctest::Approx(knowledge_update(model->mastery_prior[10], false, knowledge_params(*model, 10))));
  // two answers in a row on one skill: the filter chains the step
  s.observe("i2", true, 30.0);
  s.observe("i14", false, 40.0);  // i14: s2 again
  CHECK(known_of(s, "s2") == doctest::Approx(knowledge_update(knowledge_update(model->mastery_prior[2], true, knowledge_params(*model, 2)), false,
                                                              knowledge_params(*model, 2))));
  // reset forgets it
  s.reset();
  CHECK(known_of(s, "s3") == doctest::Approx(model->mastery_prior[3]));
  // a model without the filter parameters reports NaN (mastery is the calibrated network value then)
  auto plain = filter_model();
  plain->mastery_prior.clear();
  plain->mastery_learn.clear();
  LearnerSession p(plain);
  register_catalogue(p);
  p.observe("i3", true, 1.0);
  CHECK_FALSE(p.has_knowledge());
  CHECK(std::isnan(known_of(p, "s3")));
}

TEST_CASE("knowledge filter: optional tensors of the model file, validated") {
  auto model = filter_model();
  const SafetensorsFile f = model->to_safetensors();
  const LearnerModel back = LearnerModel::from_safetensors(f);
  REQUIRE(back.mastery_prior.size() == 11);
  for (size_t k = 0; k < 11; ++k) {
    CHECK(back.mastery_prior[k] == doctest::Approx(model->mastery_prior[k]).epsilon(1e-6));
    CHECK(back.mastery_learn[k] == doctest::Approx(model->mastery_learn[k]).epsilon(1e-6));
  }
  CHECK(has_knowledge_filter(back));
  SafetensorsFile one = f;  // only one of the two
  one.tensors.erase("mastery.learn");
  CHECK(test::code_of([&] { LearnerModel::from_safetensors(one); }) == ErrorCode::ModelFormat);
  SafetensorsFile no_calibration = f;  // prior/learn without guess/slip
  no_calibration.tensors.erase("mastery.guess");
  no_calibration.tensors.erase("mastery.slip");
  CHECK(test::code_of([&] { LearnerModel::from_safetensors(no_calibration); }) == ErrorCode::ModelFormat);
  SafetensorsFile bad = f;
  Tensor t = Tensor::empty({11});
  for (int k = 0; k < 11; ++k) t[k] = 0.1f;
  t[4] = 1.0f;  // learn = 1: out of range
  bad.set_f32("mastery.learn", t);
  CHECK(test::code_of([&] { LearnerModel::from_safetensors(bad); }) == ErrorCode::ModelFormat);
  SafetensorsFile wrong_shape = f;
  wrong_shape.set_f32("mastery.prior", Tensor::empty({10}));
  CHECK(test::code_of([&] { LearnerModel::from_safetensors(wrong_shape); }) == ErrorCode::ModelFormat);
  LearnerModel short_one = *model;
  short_one.mastery_learn.pop_back();
  CHECK(test::code_of([&] { short_one.to_safetensors(); }) == ErrorCode::InvalidArgument);
  CHECK(test::code_of([&] { knowledge_params(*model, 11); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("knowledge filter: the state (version 3 on) restores it bit for bit; versions 2 and 1 migrate") {
  auto model = filter_model();
  for (int n : {0, 5, 64, 200}) {
    CAPTURE(n);
    const std::vector<Answer> log = answers(n + 40, 5);
    LearnerSession s(model);
    register_catalogue(s);
    play(s, log, 0, static_cast<size_t>(n));
    const std::string saved = s.export_state();
    const nlohmann::json doc = nlohmann::json::parse(saved);
    CHECK(doc["version"] == LearnerSession::kStateVersion);
    CHECK(doc["knowledge"].is_object());
    LearnerSession r(model);
    register_catalogue(r);
    r.import_state(saved);
    CHECK(r.export_state() == saved);
    const auto ms = s.mastery(), mr = r.mastery();
    REQUIRE(ms.size() == mr.size());
    for (size_t k = 0; k < ms.size(); ++k) CHECK(ms[k].known == mr[k].known);
    play(s, log, static_cast<size_t>(n), log.size());
    play(r, log, static_cast<size_t>(n), log.size());
    CHECK(r.export_state() == s.export_state());

    // version 2: the same document without the filter state
    nlohmann::json v2 = doc;
    v2["version"] = 2;
    v2.erase("knowledge");
    LearnerSession m2(model);
    register_catalogue(m2);
    m2.import_state(v2.dump());
    CHECK(nlohmann::json::parse(m2.export_state())["version"] == LearnerSession::kStateVersion);
    const auto mm = m2.mastery();
    LearnerSession live(model);
    register_catalogue(live);
    play(live, log, 0, static_cast<size_t>(n));
    const auto ml = live.mastery();
    REQUIRE(mm.size() == ml.size());
    for (size_t k = 0; k < mm.size(); ++k) {
      CHECK(mm[k].known >= 0.0);
      CHECK(mm[k].known <= 1.0);
      // with the whole history inside the window the replay rebuilds the filter exactly
      if (n <= 64) CHECK(mm[k].known == doctest::Approx(ml[k].known).epsilon(1e-12));
    }
  }
  // version 1 (the full log): replayed, so the filter is rebuilt exactly
  const std::vector<Answer> log = answers(150, 8);
  LearnerSession live(model);
  register_catalogue(live);
  play(live, log, 0, log.size());
  nlohmann::json rs = nlohmann::json::array();
  for (const Answer& a : log) {
    rs.push_back({{"item", "i" + std::to_string(a.item)}, {"skills", catalogue_skills(a.item)}, {"correct", a.correct}, {"timestamp", a.timestamp}});
  }
  LearnerSession m1(model);
  m1.import_state(nlohmann::json({{"format", "metacog-learner-state"}, {"version", 1}, {"responses", rs}}).dump());
  const auto a = live.mastery(), b = m1.mastery();
  for (const SkillMastery& x : a) {
    for (const SkillMastery& y : b) {
      if (x.skill == y.skill) CHECK(x.known == doctest::Approx(y.known).epsilon(1e-12));
    }
  }
}

TEST_CASE("knowledge filter: malformed filter state is rejected and changes nothing") {
  auto model = filter_model();
  LearnerSession live(model);
  register_catalogue(live);
  play(live, answers(100, 12), 0, 100);
  const std::string good = live.export_state();
  LearnerSession target(model);
  register_catalogue(target);
  target.observe("i1", true, 5.0);
  const std::string before = target.export_state();
  const auto rejected = [&](const std::function<void(nlohmann::json&)>& edit, ErrorCode code) {
    nlohmann::json j = nlohmann::json::parse(good);
    edit(j);
    CHECK(test::code_of([&] { target.import_state(j.dump()); }) == code);
    CHECK(target.export_state() == before);
  };
  rejected([](nlohmann::json& j) { j.erase("knowledge"); }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["knowledge"] = nlohmann::json::array(); }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["knowledge"]["s1"] = 1.5; }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["knowledge"]["s1"] = -0.1; }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["knowledge"]["s1"] = "high"; }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["knowledge"][""] = 0.5; }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["version"] = LearnerSession::kStateVersion + 1; }, ErrorCode::StateVersion);
  target.import_state(good);
  CHECK(target.export_state() == good);
}

TEST_CASE("knowledge filter: the recommender on it never proposes an item with unmastered prerequisites while an eligible one exists") {
  const ItemBank& bank = demo_bank();
  const auto model = test::demo_learner_model();
  REQUIRE(has_knowledge_filter(*model));
  LearnerModelView view(bank, model);
  Recommender rec(bank);
  const double theta = rec.config().mastery_threshold;
  std::vector<double> m(bank.num_skills());
  Pcg32 rng(23);
  int checked = 0;
  for (int t = 0; t < 200; ++t) {
    view.skill_mastery(t, m.data());
    int recent[5];
    const int n_recent = view.recent_items(recent, 5);
    bool any_eligible = false;
    const auto is_ready = [&](int i) {
      for (int s : bank.item(i).skills) {
        for (int q : bank.skill(s).prerequisites) {
          if (m[static_cast<size_t>(q)] < theta) return false;
        }
      }
      return true;
    };
    for (size_t i = 0; i < bank.num_items(); ++i) {
      const bool fresh = std::find(recent, recent + n_recent, static_cast<int>(i)) == recent + n_recent;
      any_eligible = any_eligible || (fresh && is_ready(static_cast<int>(i)));
    }
    RecommendOptions o;
    o.now = t;
    o.count = 3;
    for (const Recommendation& r : rec.recommend(view, o)) {
      if (any_eligible) CHECK(is_ready(r.item));
      ++checked;
    }
    const int i = rec.next_item(view, o);
    view.observe(i, rng.uniform() < 0.65f, t);
  }
  CHECK(checked == 600);
}

TEST_CASE("knowledge filter: the recommender's item predictions take the filter's level and the network's within-skill difficulty (2)") {
  const ItemBank& bank = demo_bank();
  // the per-skill filter (a model without ρ) and the prerequisite-aware joint filter (the demo model's ρ)
  for (const bool joint : {false, true}) {
    CAPTURE(joint);
    auto copy = std::make_shared<LearnerModel>(*test::demo_learner_model());
    if (!joint) copy->mastery_rho = std::nan("");
    const std::shared_ptr<const LearnerModel> model = copy;
    REQUIRE(has_knowledge_filter(*model));
    LearnerModelView view(bank, model);
    REQUIRE((view.joint() != nullptr) == joint);
    const size_t I = bank.num_items(), S = bank.num_skills();
    // LearnerSession::knowledge: the prior before any answer, the filter's value after; NaN for unregistered skills
    const int s0 = bank.item(0).skills[0];
    const auto row_of = [&](int s) {
      const auto it = std::find(model->skill_labels.begin(), model->skill_labels.end(), bank.skill(s).id);
      return it == model->skill_labels.end() ? model->arch().num_skills : static_cast<int>(it - model->skill_labels.begin());
    };
    CHECK(view.session().knowledge(bank.skill(s0).id) == doctest::Approx(model->mastery_prior[static_cast<size_t>(row_of(s0))]));
    CHECK(std::isnan(view.session().knowledge("no-such-skill")));
    Pcg32 rng(5);
    std::vector<double> p(I), net(I), m(S);
    for (int t = 0; t < 60; ++t) {
      const int item = static_cast<int>(rng.uniform_int(static_cast<uint32_t>(I)));
      view.observe(item, rng.uniform() < 0.6f, t);
      if (t % 20 != 19) continue;
      view.predict_items(t, p.data());
      for (size_t i = 0; i < I; ++i) net[i] = view.session().predict(bank.item(static_cast<int>(i)).id, t);
      view.skill_mastery(t, m.data());
      // (2) from its definition: filter level per skill, network logit relative to the mean of its first skill's items
      std::vector<double> mean(S, 0.0), count(S, 0.0);
      for (size_t i = 0; i < I; ++i) {
        const size_t s = static_cast<size_t>(bank.item(static_cast<int>(i)).skills[0]);
        mean[s] += std::log(net[i] / (1 - net[i]));
        count[s] += 1;
      }
      bool any_moved = false;
      for (size_t i = 0; i < I; ++i) {
        const BankItem& it = bank.item(static_cast<int>(i));
        double level = 0;
        for (int s : it.skills) {
          const size_t r = static_cast<size_t>(row_of(s));
          const double k = joint ? view.joint()->filter().p_known(s) : view.session().knowledge(bank.skill(s).id);
          CHECK(k == doctest::Approx(m[static_cast<size_t>(s)]));  // the same k_s the recommender's mastery uses
          level += k * (1 - model->mastery_slip[r]) + (1 - k) * model->mastery_guess[r];
        }
        level /= static_cast<double>(it.skills.size());
        // the joint filter: its own P(correct) on the item (conjunctive over a multi-skill item's skills)
        if (joint) level = view.joint()->filter().p_correct(static_cast<int>(i));
        const size_t s1 = static_cast<size_t>(it.skills[0]);
        const double shift = std::min(2.0, std::max(-2.0, std::log(net[i] / (1 - net[i])) - mean[s1] / count[s1]));
        const double want = 1 / (1 + std::exp(-(std::log(level / (1 - level)) + shift)));
        CHECK(p[i] == doctest::Approx(want).epsilon(1e-9));
        CHECK(p[i] > 0);
        CHECK(p[i] < 1);
        any_moved = any_moved || std::fabs(p[i] - net[i]) > 1e-3;
      }
      CHECK(any_moved);  // not the network's own p
      // the order within a single-skill group follows the network (the shift is monotone in ℓ_i)
      for (size_t i = 0; i + 1 < I; ++i) {
        const BankItem &a = bank.item(static_cast<int>(i)), &b = bank.item(static_cast<int>(i + 1));
        if (a.skills.size() == 1 && b.skills.size() == 1 && a.skills[0] == b.skills[0] && std::fabs(net[i] - net[i + 1]) > 1e-6) {
          const double la = std::log(net[i] / (1 - net[i])) - mean[static_cast<size_t>(a.skills[0])] / count[static_cast<size_t>(a.skills[0])];
          const double lb = std::log(net[i + 1] / (1 - net[i + 1])) - mean[static_cast<size_t>(a.skills[0])] / count[static_cast<size_t>(a.skills[0])];
          if (std::fabs(la) < 2 && std::fabs(lb) < 2) CHECK((net[i] < net[i + 1]) == (p[i] < p[i + 1]));
        }
      }
    }
  }
}

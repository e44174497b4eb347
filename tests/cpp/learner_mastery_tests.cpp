// Mastery calibration (learner_mastery.hpp): the formula, the model file's optional tensors, the
// fit on simulated logs, and what it does with the demo model: consistent answers reach (or leave)
// mastery, the recommender moves on once a skill is mastered, and in a small simulation the
// metacog policy beats random.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "metacog/item_bank.hpp"
#include "metacog/learner_mastery.hpp"
#include "metacog/learner_session.hpp"
#include "metacog/recommender.hpp"
#include "metacog/recommender_learner.hpp"
#include "metacog/safetensors.hpp"
#include "metacog/simulator.hpp"
#include "test_support.hpp"

using namespace metacog;

namespace {

const ItemBank& bank() {
  static const ItemBank b = ItemBank::parse(test::read_text(test::source_dir() + "/web/demo/item-bank.json"));
  return b;
}


/** A small model over two of the bank's skills (row 2 = unknown skill). */
LearnerModel small_model() {
  LearnerArch arch;
  arch.num_items = 1;
  arch.num_skills = 2;
  LearnerModel m(arch, 5);
  m.header.algo = "learner-reptile";
  m.item_labels = {"q-mult-facts-01"};
  m.skill_labels = {"mult-facts", "div-facts"};
  return m;
}

/** A single-skill item of skill s (the bank's first). */
std::vector<int> single_skill_items(int s) {
  std::vector<int> out;
  for (int i : bank().items_of_skill(s)) {
    if (bank().item(i).skills.size() == 1) out.push_back(i);
  }
  return out;
}

}  // namespace

TEST_CASE("mastery calibration: P(mastered) from P(correct), guess and slip") {
  CHECK(calibrated_mastery(0.7, 0.3, 0.3) == doctest::Approx(1.0));   // the ceiling 1 − S
  CHECK(calibrated_mastery(0.5, 0.3, 0.3) == doctest::Approx(0.5));
  CHECK(calibrated_mastery(0.3, 0.3, 0.3) == doctest::Approx(0.0));   // the floor G
  CHECK(calibrated_mastery(0.95, 0.3, 0.3) == 1.0);                   // clamped
  CHECK(calibrated_mastery(0.1, 0.3, 0.3) == 0.0);
  CHECK(calibrated_mastery(0.62, 0.1, 0.2) == doctest::Approx(0.52 / 0.7));
  CHECK(calibrated_mastery(0.42, 0.0, 0.0) == doctest::Approx(0.42));  // no calibration: the prediction
  // the mixture identity: p = m(1 − S) + (1 − m)G is inverted exactly
  for (double m : {0.0, 0.2, 0.55, 0.9, 1.0}) {
    const double g = 0.22, s = 0.17, p = m * (1 - s) + (1 - m) * g;
    CHECK(calibrated_mastery(p, g, s) == doctest::Approx(m));
  }
}

TEST_CASE("mastery calibration: optional tensors of the model file, validated") {
  LearnerModel m = small_model();
  {  // without calibration: no tensors, nothing read back
    const SafetensorsFile f = m.to_safetensors();
    CHECK_FALSE(f.has("mastery.guess"));
    CHECK(LearnerModel::from_safetensors(f).mastery_guess.empty());
  }
  m.mastery_guess = {0.25, 0.1, 0.2};
  m.mastery_slip = {0.15, 0.3, 0.2};
  const SafetensorsFile f = m.to_safetensors();
  const LearnerModel back = LearnerModel::from_safetensors(f);
  REQUIRE(back.mastery_guess.size() == 3);
  for (size_t k = 0; k < 3; ++k) {
    CHECK(back.mastery_guess[k] == doctest::Approx(m.mastery_guess[k]).epsilon(1e-6));
    CHECK(back.mastery_slip[k] == doctest::Approx(m.mastery_slip[k]).epsilon(1e-6));
  }
  SafetensorsFile one = f;  // only one of the two
  one.tensors.erase("mastery.slip");
  CHECK(test::code_of([&] { LearnerModel::from_safetensors(one); }) == ErrorCode::ModelFormat);
  SafetensorsFile bad = f;  // guess + slip ≥ 1: knowing would not help
  Tensor t = Tensor::empty({3});
  t[0] = 0.9f;  // with slip 0.15
  t[1] = 0.1f;
  t[2] = 0.2f;
  bad.set_f32("mastery.guess", t);
  CHECK(test::code_of([&] { LearnerModel::from_safetensors(bad); }) == ErrorCode::ModelFormat);
  SafetensorsFile wrong_shape = f;
  wrong_shape.set_f32("mastery.slip", Tensor::empty({2}));
  CHECK(test::code_of([&] { LearnerModel::from_safetensors(wrong_shape); }) == ErrorCode::ModelFormat);
  LearnerModel short_one = small_model();
  short_one.mastery_guess = {0.1};
  short_one.mastery_slip = {0.1};
  CHECK(test::code_of([&] { short_one.to_safetensors(); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("mastery calibration: the fit recovers the guess and slip of simulated learners") {
  const SimulatorParams params = SimulatorParams::from_json(test::read_text(test::source_dir() + "/models/simulator-params.json"));
  SimulationOptions o;
  o.learners = 1;
  o.seed = 3;
  o.train_learners = 300;
  Simulation sim(bank(), params, o);
  KtDataset logs = sim.calibration().logs;  // random items: skill = the item's first skill
  LearnerArch arch;
  arch.num_items = logs.num_items;
  arch.num_skills = logs.num_skills;
  LearnerModel m(arch, 1);
  fit_mastery_calibration(m, logs);
  REQUIRE(m.mastery_guess.size() == bank().num_skills() + 1);
  // items of several skills blur the per-skill numbers: compare on average, and per skill loosely
  double err = 0;
  for (size_t s = 0; s < bank().num_skills(); ++s) {
    const BktSkillParams& truth = sim.world().skills[s];
    err += std::fabs(m.mastery_guess[s] - truth.guess) + std::fabs(m.mastery_slip[s] - truth.slip);
    CHECK(std::fabs(m.mastery_guess[s] - truth.guess) < 0.15);
    CHECK(std::fabs(m.mastery_slip[s] - truth.slip) < 0.15);
  }
  MESSAGE("mean absolute error of guess and slip: " << err / (2.0 * bank().num_skills()));
  CHECK(err / (2.0 * bank().num_skills()) < 0.06);
  logs.num_skills += 1;  // not the model's skills
  CHECK(test::code_of([&] { fit_mastery_calibration(m, logs); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("mastery calibration: the demo model's mastery (its knowledge filter) reaches the threshold with consistent right answers") {
  const std::shared_ptr<const LearnerModel> model = test::demo_learner_model();
  REQUIRE(model->mastery_guess.size() == static_cast<size_t>(model->arch().num_skills) + 1);
  LearnerModelView view(bank(), model);
  std::vector<double> m(bank().num_skills());
  for (size_t s = 0; s < bank().num_skills(); ++s) {
    const std::vector<int> items = single_skill_items(static_cast<int>(s));
    REQUIRE(!items.empty());
    for (bool right : {true, false}) {
      view.reset();
      int reached = -1;
      for (int k = 0; k < 12; ++k) {
        view.observe(items[static_cast<size_t>(k) % items.size()], right, k);
        view.skill_mastery(k, m.data());
        if (reached < 0 && (right ? m[s] >= 0.8 : m[s] <= 0.2)) reached = k + 1;
      }
      INFO("skill " << bank().skill(static_cast<int>(s)).id << (right ? " right" : " wrong") << ": final mastery " << m[s]);
      CHECK(reached > 0);
      CHECK(reached <= 10);
      // the demo model carries the knowledge filter: mastery is a filter's P(mastered), not the
      // calibrated read-out of the network's success on a typical item
      double raw = 0, known = std::nan("");
      for (const SkillMastery& x : view.session().mastery(11)) {
        if (x.skill == bank().skill(static_cast<int>(s)).id) {
          raw = x.mastery;
          known = x.known;
        }
      }
      const size_t row = static_cast<size_t>(
          std::find(model->skill_labels.begin(), model->skill_labels.end(), bank().skill(static_cast<int>(s)).id) - model->skill_labels.begin());
      // with ρ in the model (the demo's) it is the prerequisite-aware joint filter's (learner_joint.hpp)
      REQUIRE(view.joint() != nullptr);
      CHECK(m[s] == view.joint()->filter().p_known(static_cast<int>(s)));
      CHECK(known >= 0.0);  // the session's per-skill filter still runs (the joint filter's migration source)
      CHECK(raw > 0.0);
      // a model without the filter (mastery.prior/learn removed) reports the calibrated read-out (1)
      auto plain = std::make_shared<LearnerModel>(*model);
      plain->mastery_prior.clear();
      plain->mastery_learn.clear();
      LearnerModelView plain_view(bank(), plain);
      for (int k = 0; k < 12; ++k) plain_view.observe(items[static_cast<size_t>(k) % items.size()], right, k);
      std::vector<double> mp(bank().num_skills());
      plain_view.skill_mastery(11, mp.data());
      double plain_raw = 0;
      for (const SkillMastery& x : plain_view.session().mastery(11)) {
        if (x.skill == bank().skill(static_cast<int>(s)).id) plain_raw = x.mastery;
      }
      CHECK(mp[s] == doctest::Approx(calibrated_mastery(plain_raw, model->mastery_guess[row], model->mastery_slip[row])));
    }
  }
}

TEST_CASE("mastery calibration: a learner who answers right is moved on from each mastered skill") {
  LearnerModelView view(bank(), test::demo_learner_model());
  Recommender rec(bank());
  const double theta = rec.config().mastery_threshold;
  std::vector<double> m(bank().num_skills());
  std::set<int> practised;
  int moved_on = 0, stayed = 0;
  for (int t = 0; t < 150; ++t) {
    RecommendOptions o;
    o.now = t;
    view.skill_mastery(t, m.data());
    const int i = rec.next_item(view, o);
    REQUIRE(i >= 0);
    for (int s : bank().item(i).skills) practised.insert(s);
    // never an item all of whose skills are mastered while some skill is still unmastered
    const bool all_mastered = std::all_of(bank().item(i).skills.begin(), bank().item(i).skills.end(),
                                          [&](int s) { return m[static_cast<size_t>(s)] >= theta; });
    const bool any_unmastered = std::any_of(m.begin(), m.end(), [&](double x) { return x < theta; });
    (all_mastered && any_unmastered ? stayed : moved_on) += 1;
    view.observe(i, true, t);
  }
  view.skill_mastery(150, m.data());
  MESSAGE("skills practised: " << practised.size() << ", items on mastered-only skills while others were unmastered: " << stayed);
  CHECK(practised.size() >= bank().num_skills() / 2);  // the rest the model infers from the other skills
  CHECK(stayed == 0);
  for (size_t s = 0; s < bank().num_skills(); ++s) {
    INFO("skill " << bank().skill(static_cast<int>(s)).id);
    CHECK(m[s] >= theta);
  }
}

TEST_CASE("simulator: the metacog policy (demo model) beats random in a small simulation") {
  const SimulatorParams params = SimulatorParams::from_json(test::read_text(test::source_dir() + "/models/simulator-params.json"));
  SimulationOptions o;
  o.learners = 40;
  o.seed = 2;
  o.max_items = 1000;
  Simulation sim(bank(), params, o);
  RecommenderConfig cfg = sim.recommender_config();
  cfg.mastery_threshold = RecommenderConfig{}.mastery_threshold;  // the product default, as `metacog simulate` runs it
  auto metacog = make_recommender_policy("metacog", bank(), std::make_unique<LearnerModelView>(bank(), test::demo_learner_model()), cfg);
  auto random = sim.make_policy("random");
  const PolicyResult rm = sim.run(*metacog), rr = sim.run(*random);
  MESSAGE("items_to_mastery metacog " << rm.items_to_mastery.mean << " ± " << rm.items_to_mastery.ci95 << ", random "
                                      << rr.items_to_mastery.mean << " ± " << rr.items_to_mastery.ci95);
  CHECK(rm.items_to_mastery.mean + rm.items_to_mastery.ci95 < rr.items_to_mastery.mean - rr.items_to_mastery.ci95);
  CHECK(rm.post_test.mean > rr.post_test.mean);
  CHECK(rm.pre_test.mean == rr.pre_test.mean);  // the same learners
}

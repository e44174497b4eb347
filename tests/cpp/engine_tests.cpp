// The engine facade: learner model + demo item bank + recommender, as the JS API drives it.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "metacog/engine.hpp"
#include "test_support.hpp"

using namespace metacog;
using metacog::test::code_of;

namespace {
using metacog::test::demo_bank;

std::shared_ptr<const LearnerModel> small_model() {
  LearnerArch arch;
  return std::make_shared<const LearnerModel>(arch, 7);
}
}  // namespace

TEST_CASE("engine: observe → predict / mastery / recommend / path / resources on the demo bank") {
  Engine e(small_model(), demo_bank());
  const ItemBank& bank = e.bank();
  const std::string first = bank.item(bank.items_of_skill(bank.topological_order().front()).front()).id;
  const std::vector<double> p0 = e.predict({first});
  REQUIRE(p0.size() == 1);
  CHECK(p0[0] > 0.0);
  CHECK(p0[0] < 1.0);
  for (int t = 0; t < 6; ++t) e.observe(first, true, 1000.0 + 60 * t);
  CHECK(e.num_responses() == 6);
  const std::vector<SkillMastery> m = e.mastery();
  CHECK(m.size() == bank.num_skills());
  const auto recs = e.recommend({3});
  REQUIRE(recs.size() == 3);
  std::set<std::string> ids;
  for (const Recommendation& r : recs) {
    ids.insert(r.item_id);
    CHECK(r.p > 0.0);
    CHECK(r.p < 1.0);
    CHECK_FALSE(r.reason.empty());
    CHECK(r.reason.find(bank.skill(r.skill).name.get("en")) != std::string::npos);
  }
  CHECK(ids.size() == 3);
  CHECK(ids.count(first) == 0);  // no immediate repeat
  const std::string goal = bank.skill(bank.topological_order().back()).id;
  const auto path = e.learning_path({goal});
  REQUIRE_FALSE(path.empty());
  std::set<int> placed;
  for (const PathStep& s : path) {  // prerequisites on the path come before their dependents
    for (int q : bank.skill(s.skill).prerequisites) {
      const bool on_path = std::any_of(path.begin(), path.end(), [&](const PathStep& x) { return x.skill == q; });
      if (on_path) CHECK(placed.count(q) == 1);
    }
    placed.insert(s.skill);
    CHECK_FALSE(s.reason.empty());
  }
  const auto res = e.recommend_resources(3, {goal});
  CHECK(res.size() == 3);
  for (const auto& r : res) CHECK_FALSE(r.reason.empty());
}

TEST_CASE("engine: bad calls are typed errors that change nothing; state round trip") {
  Engine e(small_model(), demo_bank());
  const std::string a = e.bank().item(0).id, b = e.bank().item(5).id;
  CHECK(e.last_timestamp() == -HUGE_VAL);
  e.observe(a, false, 100);
  e.observe(b, true, 200);
  CHECK(e.last_timestamp() == 200);
  const std::vector<uint8_t> saved = e.export_state();
  const std::vector<double> p = e.predict({a, b});
  CHECK(code_of([&] { e.observe("no-such-item", true, 300); }) == ErrorCode::UnknownItem);
  CHECK(code_of([&] { e.observe(a, true, 150); }) == ErrorCode::InvalidArgument);  // backwards in time
  CHECK(code_of([&] { e.observe(a, true, std::nan("")); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { e.predict({a, "nope"}); }) == ErrorCode::UnknownItem);
  CHECK(code_of([&] { e.recommend({0}); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { e.learning_path({"no-skill"}); }) == ErrorCode::InvalidArgument);
  std::vector<uint8_t> broken = saved;
  broken.resize(broken.size() / 2);
  CHECK(code_of([&] { e.import_state(broken); }) == ErrorCode::StateFormat);
  CHECK(e.num_responses() == 2);
  CHECK(e.export_state() == saved);
  CHECK(e.predict({a, b}) == p);

  Engine f(small_model(), demo_bank());
  f.import_state(saved);
  CHECK(f.num_responses() == 2);
  const std::vector<double> q = f.predict({a, b});
  CHECK(q[0] == doctest::Approx(p[0]).epsilon(1e-9));
  CHECK(q[1] == doctest::Approx(p[1]).epsilon(1e-9));
  CHECK(f.last_timestamp() == 200);  // clock restored too
  CHECK(code_of([&] { f.observe(a, true, 150); }) == ErrorCode::InvalidArgument);
  f.observe(a, true, 200);  // equal to the last is not backwards
  f.reset();
  CHECK(f.num_responses() == 0);
  CHECK(f.last_timestamp() == -HUGE_VAL);
}

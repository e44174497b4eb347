// Learner session state (learner_session.hpp, "Bounded state"): memory and state documents stay
// bounded over long histories; an export of the current version (3) restores the session bit for bit;
// a version-1 document (the full log) still imports; the window changes no prediction. The knowledge
// filter's part of the state (and the version-2 migration) is in learner_knowledge_tests.cpp. Portable (wasm too).
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metacog/learner_model.hpp"
#include "metacog/learner_session.hpp"
#include "metacog/rng.hpp"
#include "test_support.hpp"

using namespace metacog;

namespace {

/** A random learner model: 10 of its skills and 20 items have labels, the rest of a catalogue is cold start. */
std::shared_ptr<const LearnerModel> small_model(bool positional_clock) {
  LearnerArch a;
  a.num_items = 40;
  a.num_skills = 12;
  a.dim = 8;
  a.hidden = 16;
  a.inner_window = 24;  // W = max(24, kMinWindow) = 64
  a.positional_clock = positional_clock;
  auto m = std::make_shared<LearnerModel>(a, 11);
  for (int s = 0; s < 10; ++s) m->skill_labels.push_back("s" + std::to_string(s));
  for (int i = 0; i < 20; ++i) m->item_labels.push_back("i" + std::to_string(i));
  return m;
}

/** Items i0..i29 (some with two skills, some on skills the model never saw). */
void register_catalogue(LearnerSession& s) {
  for (int i = 0; i < 30; ++i) {
    std::vector<std::string> skills = {"s" + std::to_string(i % 14)};  // s10..s13: unknown to the model
    if (i % 7 == 3) skills.push_back("s" + std::to_string((i + 5) % 14));
    s.register_item("i" + std::to_string(i), skills);
  }
}

struct Answer {
  std::string item;
  bool correct;
  double timestamp;
};

std::vector<Answer> answers(int n, uint64_t seed) {
  Pcg32 rng(seed);
  std::vector<Answer> out;
  double t = 1.7e9;
  for (int k = 0; k < n; ++k) {
    t += 5.0 + 100.0 * rng.uniform_double();
    out.push_back({"i" + std::to_string(rng.uniform_int(30)), rng.uniform() < 0.6f, t});
  }
  return out;
}

std::vector<double> predict_all(LearnerSession& s) {
  std::vector<int> idx;
  for (size_t k = 0; k < s.num_items(); ++k) idx.push_back(static_cast<int>(k));
  std::vector<double> p(idx.size());
  s.predict(idx.data(), idx.size(), p.data());
  return p;
}

/** The version-1 document (the full log) of these answers, as engines before version 2 wrote it. */
std::string v1_document(const LearnerSession& catalogue, const std::vector<Answer>& log) {
  nlohmann::json rs = nlohmann::json::array();
  for (const Answer& a : log) {
    const int index = catalogue.item_index(a.item);
    REQUIRE(index >= 0);
    std::vector<std::string> skills = {"s" + std::to_string(index % 14)};
    if (index % 7 == 3) skills.push_back("s" + std::to_string((index + 5) % 14));
    rs.push_back({{"item", a.item}, {"skills", skills}, {"correct", a.correct}, {"timestamp", a.timestamp}});
  }
  return nlohmann::json({{"format", "metacog-learner-state"}, {"version", 1}, {"fast_weights", {0.0}}, {"responses", rs}}).dump();
}

}  // namespace

TEST_CASE("learner state: the window changes no prediction — the session equals a tracker of the whole history") {
  // Items i0..i19 with one known skill each, so the queries are the model's own (model.query);
  // the session (window W = 64, base folded behind it) is compared with LearnerTracker driven
  // directly, before and long after the window fills.
  for (bool positional : {false, true}) {
    CAPTURE(positional);
    auto model = small_model(positional);
    LearnerSession s(model);
    for (int i = 0; i < 20; ++i) s.register_item("i" + std::to_string(i), {"s" + std::to_string(i % 10)});
    LearnerTracker ref(*model);
    Pcg32 rng(5);
    double t = 1.7e9;
    for (int k = 0; k < 400; ++k) {
      const int item = static_cast<int>(rng.uniform_int(20));
      const bool correct = rng.uniform() < 0.6f;
      t += 5.0 + 100.0 * rng.uniform_double();
      s.observe("i" + std::to_string(item), correct, t);
      ref.observe(model->query(item, item % 10, positional ? k : t), correct);
      if (k == 10 || k == 63 || k == 64 || k == 200 || k == 399) {
        CAPTURE(k);
        CHECK(s.num_responses() == k + 1);
        CHECK(s.recent().size() == std::min<size_t>(static_cast<size_t>(k) + 1, s.window()));
        CHECK(s.fast_weights() == ref.fast_weights());
        const double now = positional ? k + 1 : t + 60;
        for (int i = 0; i < 20; ++i) {
          const double want = ref.predict(model->query(i, i % 10, now));
          CHECK(s.predict("i" + std::to_string(i), t + 60) == doctest::Approx(want).epsilon(1e-12));
        }
      }
    }
  }
}

TEST_CASE("learner state: the current-version export restores the session bit for bit, short and long histories") {
  for (bool positional : {false, true}) {
    for (int n : {0, 1, 30, 64, 65, 300}) {
      CAPTURE(positional);
      CAPTURE(n);
      auto model = small_model(positional);
      LearnerSession s(model);
      register_catalogue(s);
      const std::vector<Answer> log = answers(n + 50, 9);
      for (int k = 0; k < n; ++k) s.observe(log[static_cast<size_t>(k)].item, log[static_cast<size_t>(k)].correct, log[static_cast<size_t>(k)].timestamp);
      const std::string saved = s.export_state();
      CHECK(nlohmann::json::parse(saved)["version"] == LearnerSession::kStateVersion);
      LearnerSession r(model);
      register_catalogue(r);
      r.import_state(saved);
      CHECK(r.num_responses() == n);
      CHECK(r.export_state() == saved);
      CHECK(r.fast_weights() == s.fast_weights());
      CHECK(predict_all(r) == predict_all(s));
      const auto ms = s.mastery(), mr = r.mastery();
      REQUIRE(ms.size() == mr.size());
      for (size_t k = 0; k < ms.size(); ++k) {
        CHECK(ms[k].skill == mr[k].skill);
        CHECK(ms[k].mastery == mr[k].mastery);
        CHECK(ms[k].attempts == mr[k].attempts);
        CHECK((ms[k].last_seen == mr[k].last_seen || (std::isnan(ms[k].last_seen) && std::isnan(mr[k].last_seen))));
      }
      if (n > 0) {
        const Explanation es = s.explain("i3"), er = r.explain("i3");
        CHECK(es.logit == er.logit);
        CHECK(es.recent.size() == er.recent.size());
      }
      // the ring of the inner loop came back too: both sessions keep agreeing as answers arrive
      for (int k = n; k < n + 50; ++k) {
        const Answer& a = log[static_cast<size_t>(k)];
        s.observe(a.item, a.correct, a.timestamp);
        r.observe(a.item, a.correct, a.timestamp);
      }
      CHECK(r.fast_weights() == s.fast_weights());
      CHECK(predict_all(r) == predict_all(s));
      CHECK(r.export_state() == s.export_state());
    }
  }
}

TEST_CASE("learner state: an export reusing its per-skill fragments equals one written from scratch") {
  // export_state() keeps each skill's JSON between calls and rewrites only what changed; a session that
  // exports after every answer must write exactly what a session that never exported before writes,
  // through the window filling, new skills and items appearing, reset() and importing another learner.
  // The model carries a knowledge filter, so the "knowledge" member is exercised too, and every document
  // must read back as what nlohmann::json itself prints (sorted keys, its number format).
  auto filtered = std::make_shared<LearnerModel>(*small_model(false));
  for (int r = 0; r <= filtered->arch().num_skills; ++r) {
    filtered->mastery_prior.push_back(0.3 + 0.02 * r);
    filtered->mastery_learn.push_back(0.05 + 0.01 * r);
    filtered->mastery_guess.push_back(0.15);
    filtered->mastery_slip.push_back(0.1);
  }
  std::shared_ptr<const LearnerModel> model = filtered;
  const std::vector<Answer> log = answers(260, 21);
  const auto fresh_export = [&](int n, bool extra_item) {
    LearnerSession f(model);
    register_catalogue(f);
    for (int k = 0; k < n; ++k) {
      if (extra_item && k == 150) f.register_item("late", {"s-late", "s2"});
      const Answer& a = log[static_cast<size_t>(k)];
      f.observe(k >= 150 && k % 3 == 0 ? "late" : a.item, a.correct, a.timestamp);
    }
    return f.export_state();
  };
  LearnerSession s(model);
  register_catalogue(s);
  for (int k = 0; k < 260; ++k) {
    if (k == 150) s.register_item("late", {"s-late", "s2"});  // a new skill slot after many exports
    const Answer& a = log[static_cast<size_t>(k)];
    s.observe(k >= 150 && k % 3 == 0 ? "late" : a.item, a.correct, a.timestamp);
    const std::string warm = s.export_state();
    if (k == 0 || k == 40 || k == 63 || k == 64 || k == 100 || k == 151 || k == 259) {
      CAPTURE(k);
      CHECK(warm == fresh_export(k + 1, k >= 150));
      const nlohmann::json doc = nlohmann::json::parse(warm);
      CHECK(doc.dump() == warm);
      CHECK(doc["knowledge"].size() == doc["last_seen"].size());  // every practised skill has both
      CHECK(!doc["knowledge"].empty());
    }
  }
  // importing another learner's document, then reset(): nothing of the old fragments survives
  LearnerSession other(model);
  register_catalogue(other);
  for (const Answer& a : answers(90, 22)) other.observe(a.item, a.correct, a.timestamp);
  const std::string theirs = other.export_state();
  s.import_state(theirs);
  CHECK(s.export_state() == theirs);
  s.reset();
  LearnerSession empty(model);
  register_catalogue(empty);
  empty.register_item("late", {"s-late", "s2"});
  CHECK(s.export_state() == empty.export_state());
}

TEST_CASE("learner state: memory and the state document stay bounded over 20 000 responses") {
  auto model = small_model(false);
  LearnerSession s(model);
  register_catalogue(s);
  const std::vector<Answer> log = answers(20000, 21);
  size_t at_2k = 0;
  for (size_t k = 0; k < log.size(); ++k) {
    s.observe(log[k].item, log[k].correct, log[k].timestamp);
    if (k + 1 == 2000) at_2k = s.export_state().size();
  }
  const size_t at_20k = s.export_state().size();
  CAPTURE(at_2k);
  CAPTURE(at_20k);
  CHECK(s.recent().size() == s.window());
  CHECK(s.window() == 64);
  // the same fields, only the digits of counts and numbers differ
  CHECK(at_20k <= at_2k + at_2k / 20);
  CHECK(at_20k < 40000);
  const nlohmann::json j = nlohmann::json::parse(s.export_state());
  CHECK(j["responses"].size() == 64);
  CHECK(j["responses_total"] == 20000);
  CHECK(j["base"]["position"] == 20000 - 64);
  // a copy (the recommender copies sessions to look ahead) is as small
  LearnerSession copy = s;
  CHECK(copy.recent().size() == 64);
}

TEST_CASE("learner state: a version-1 document migrates; malformed current-version documents change nothing") {
  auto model = small_model(false);
  LearnerSession live(model);
  register_catalogue(live);
  const std::vector<Answer> log = answers(150, 33);
  for (const Answer& a : log) live.observe(a.item, a.correct, a.timestamp);

  LearnerSession migrated(model);
  migrated.import_state(v1_document(live, log));  // items registered from the log
  CHECK(migrated.num_responses() == 150);
  CHECK(migrated.fast_weights() == live.fast_weights());
  CHECK(migrated.predict("i3") == live.predict("i3"));
  CHECK(nlohmann::json::parse(migrated.export_state())["version"] == LearnerSession::kStateVersion);

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
  rejected([](nlohmann::json& j) { j["version"] = LearnerSession::kStateVersion + 1; }, ErrorCode::StateVersion);
  rejected([](nlohmann::json& j) { j.erase("base"); }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["responses_total"] = 151; }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["fast_weights"].push_back(0.0); }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["fast_weights"][0] = "x"; }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["base"]["contexts"].erase(0); }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["base"]["correct"] = j["base"]["correct"].get<int>() + 1; }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["base"]["skills"][0]["last_position"] = 1000000; }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["base"]["skills"].push_back(j["base"]["skills"][0]); }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["base"]["recent"].erase(0); }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["base"]["last"][0] = 2; }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["last_seen"]["s1"] = "yesterday"; }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["responses"][0]["skills"] = nlohmann::json::array(); }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) {
    for (int k = 0; k < 70; ++k) j["responses"].push_back(j["responses"][0]);  // more than the window
  }, ErrorCode::StateFormat);
  rejected([](nlohmann::json& j) { j["extensions"] = 5; }, ErrorCode::StateFormat);
  target.import_state(good);
  CHECK(target.predict("i3") == live.predict("i3"));
}

TEST_CASE("learner state: the owner's extensions are written as given and handed back; a version-3 document has none") {
  auto model = small_model(false);
  LearnerSession s(model);
  register_catalogue(s);
  for (const Answer& a : answers(20, 3)) s.observe(a.item, a.correct, a.timestamp);
  const LearnerSession::Extensions ext = {{"b-owner", "{\"x\":[1,2]}"}, {"a-owner", "\"text\""}};
  const std::string saved = s.export_state(ext);
  const nlohmann::json doc = nlohmann::json::parse(saved);
  CHECK(doc["extensions"]["a-owner"] == "text");
  CHECK(doc["extensions"]["b-owner"]["x"][1] == 2);
  CHECK(saved.find("\"extensions\":{\"a-owner\"") != std::string::npos);  // key order, like the rest of the document
  LearnerSession r(model);
  register_catalogue(r);
  LearnerSession::Extensions back = {{"stale", "1"}};
  r.import_state(saved, &back);
  CHECK(back == ext);
  CHECK(r.export_state(back) == saved);
  CHECK(nlohmann::json::parse(s.export_state()).contains("extensions") == false);  // none given: no member
  nlohmann::json v3 = doc;
  v3["version"] = 3;
  r.import_state(v3.dump(), &back);
  CHECK(back.empty());
}

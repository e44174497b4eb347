// wasm/engine.cpp — Embind mirror of metacog/engine.hpp (marshalling only: JS values ↔ engine types).
#include "metacog/engine.hpp"

#include <emscripten/bind.h>

#include <cmath>
#include <memory>

#include "marshal.hpp"

namespace metacog::wasm {
namespace {

val int_ids(const ItemBank& bank, const std::vector<int>& skills) {
  std::vector<std::string> ids;
  for (int s : skills) ids.push_back(bank.skill(s).id);
  return to_string_array(ids);
}

class EngineJs {
 public:
  explicit EngineJs(std::unique_ptr<Engine> e) : e_(std::move(e)) {}

  val observe(const std::string& item, bool correct, double timestamp) {
    return guarded([&] {
      e_->observe(item, correct, timestamp);
      return val::undefined();
    });
  }
  val predict(const val& items, double now) {
    return guarded([&] {
      const std::vector<double> p = e_->predict(to_strings(items, "predict"), now);
      val out = val::array();
      for (size_t i = 0; i < p.size(); ++i) out.set(i, p[i]);
      return out;
    });
  }
  val mastery(double now) {
    return guarded([&] {
      val out = val::array();
      unsigned i = 0;
      for (const SkillMastery& m : e_->mastery(now)) {
        val o = val::object();
        o.set("skill", m.skill);
        o.set("mastery", m.mastery);
        o.set("attempts", m.attempts);
        o.set("correct", m.correct);
        o.set("lastSeen", number_or_null(m.last_seen));
        out.set(i++, o);
      }
      return out;
    });
  }
  val recommend(int count, double target, double threshold, double now) {
    return guarded([&] {
      RecommendOptions o;
      o.count = count;
      o.target = target;
      o.mastery_threshold = threshold;
      o.now = now;
      val out = val::array();
      unsigned i = 0;
      for (const Recommendation& r : e_->recommend(o)) {
        val x = val::object();
        x.set("item", r.item_id);
        x.set("p", r.p);
        x.set("skill", r.skill_id);
        x.set("mastery", r.mastery);
        x.set("kind", std::string(recommend_kind_name(r.kind)));
        x.set("prerequisites", int_ids(e_->bank(), r.prerequisites));
        x.set("sincePractice", number_or_null(r.since_practice));
        x.set("repeat", r.repeat);
        x.set("reason", r.reason);
        out.set(i++, x);
      }
      return out;
    });
  }
  val learning_path(const val& goals, double now) {
    return guarded([&] {
      val out = val::array();
      unsigned i = 0;
      for (const PathStep& s : e_->learning_path(to_strings(goals, "learningPath"), now)) {
        val x = val::object();
        x.set("skill", s.skill_id);
        x.set("mastery", s.mastery);
        x.set("gainPerItem", s.gain_per_item);
        x.set("estimatedItems", s.estimated_items);
        x.set("items", to_string_array(s.item_ids));
        x.set("unlocks", int_ids(e_->bank(), s.unlocks));
        x.set("isGoal", s.is_goal);
        x.set("reason", s.reason);
        out.set(i++, x);
      }
      return out;
    });
  }
  val recommend_resources(int count, const val& goals, double now) {
    return guarded([&] {
      val out = val::array();
      unsigned i = 0;
      for (const ResourceRecommendation& r : e_->recommend_resources(count, to_strings(goals, "recommendResources"), now)) {
        val x = val::object();
        x.set("resource", r.resource_id);
        x.set("score", r.score);
        x.set("skill", r.skill_id);
        x.set("mastery", r.mastery);
        x.set("need", r.need);
        x.set("mastered", r.mastered);
        x.set("reason", r.reason);
        out.set(i++, x);
      }
      return out;
    });
  }
  val explain(const std::string& item, double now) {
    return guarded([&] {
      const Explanation e = e_->explain(item, now);
      val x = val::object();
      x.set("item", e.item);
      x.set("p", e.p);
      x.set("logit", e.logit);
      val c = val::array();
      for (size_t i = 0; i < e.contributions.size(); ++i) {
        val o = val::object();
        o.set("group", e.contributions[i].group);
        o.set("logit", e.contributions[i].logit);
        c.set(i, o);
      }
      x.set("contributions", c);
      val r = val::array();
      for (size_t i = 0; i < e.recent.size(); ++i) {
        val o = val::object();
        o.set("item", e.recent[i].item);
        o.set("correct", e.recent[i].correct);
        o.set("timestamp", e.recent[i].timestamp);
        o.set("sameSkill", e.recent[i].same_skill);
        o.set("influence", e.recent[i].influence);
        r.set(i, o);
      }
      x.set("recent", r);
      return x;
    });
  }
  val adapt(int steps) {
    return guarded([&] {
      e_->adapt(steps);
      return val::undefined();
    });
  }
  void reset() { e_->reset(); }
  int num_responses() const { return static_cast<int>(e_->num_responses()); }
  /** Seconds of the latest answer, or null before any. */
  val last_timestamp() const {
    const double t = e_->last_timestamp();
    return std::isfinite(t) ? val(t) : val::null();
  }
  val export_state() const {
    return guarded([&] { return to_uint8_array(e_->export_state()); });
  }
  val import_state(const val& bytes) {
    return guarded([&] {
      e_->import_state(to_bytes(bytes));
      return val::undefined();
    });
  }
  val info() const {
    val o = val::object();
    o.set("model", model_header_value(e_->model().header));
    o.set("items", static_cast<int>(e_->bank().num_items()));
    o.set("skills", static_cast<int>(e_->bank().num_skills()));
    o.set("resources", static_cast<int>(e_->bank().num_resources()));
    return o;
  }

 private:
  std::unique_ptr<Engine> e_;
};

val make_engine(const val& model_bytes, const std::string& item_bank_json) {
  return guarded([&] {
    const std::vector<uint8_t> bytes = to_bytes(model_bytes);
    auto model = LearnerSession::load_model(bytes.data(), bytes.size());
    return val(EngineJs(std::make_unique<Engine>(std::move(model), ItemBank::parse(item_bank_json))));
  });
}

}  // namespace
}  // namespace metacog::wasm

EMSCRIPTEN_BINDINGS(metacog_engine) {
  using namespace metacog::wasm;
  emscripten::class_<EngineJs>("Engine")
      .function("observe", &EngineJs::observe)
      .function("predict", &EngineJs::predict)
      .function("mastery", &EngineJs::mastery)
      .function("recommend", &EngineJs::recommend)
      .function("learningPath", &EngineJs::learning_path)
      .function("recommendResources", &EngineJs::recommend_resources)
      .function("explain", &EngineJs::explain)
      .function("adapt", &EngineJs::adapt)
      .function("reset", &EngineJs::reset)
      .function("numResponses", &EngineJs::num_responses)
      .function("lastTimestamp", &EngineJs::last_timestamp)
      .function("exportState", &EngineJs::export_state)
      .function("importState", &EngineJs::import_state)
      .function("info", &EngineJs::info);
  emscripten::function("makeEngine", &make_engine);
}

#include "metacog/engine.hpp"

#include <algorithm>
#include <cmath>

#include "metacog/error.hpp"

namespace metacog {

// ------------------------------------------------------------------ Engine

Engine::Engine(std::shared_ptr<const LearnerModel> model, ItemBank bank, RecommenderConfig config)
    : bank_(std::move(bank)), view_(bank_, std::move(model)), recommender_(bank_, config) {}

void Engine::observe(const std::string& item, bool correct, double timestamp) {
  const int i = bank_.item_index(item);
  require(i >= 0, ErrorCode::UnknownItem, "observe: unknown item '" + item + "'; it is not in the item bank");
  require(std::isfinite(timestamp), ErrorCode::InvalidArgument, "observe: the timestamp must be a finite number");
  require(timestamp >= last_timestamp(), ErrorCode::InvalidArgument,
          "observe: timestamps must not go backwards (last " + std::to_string(last_timestamp()) + ")");
  view_.observe(i, correct, timestamp);
}

std::vector<double> Engine::predict(const std::vector<std::string>& items, double now) {
  std::vector<int> idx;
  idx.reserve(items.size());
  for (const std::string& id : items) {
    require(bank_.item_index(id) >= 0, ErrorCode::UnknownItem, "predict: unknown item '" + id + "'");
    idx.push_back(view_.session().item_index(id));
  }
  std::vector<double> p(items.size());
  view_.session().predict(idx.data(), idx.size(), p.data(), now);
  return p;
}

std::vector<SkillMastery> Engine::mastery(double now) {
  const std::vector<SkillMastery> all = view_.session().mastery(now);
  // the recommender's mastery: P(mastered), calibrated against the skill's guess and slip
  std::vector<double> calibrated(bank_.num_skills());
  view_.skill_mastery(now, calibrated.data());
  std::vector<SkillMastery> out;
  for (const BankSkill& s : bank_.skills()) {
    const auto it = std::find_if(all.begin(), all.end(), [&](const SkillMastery& x) { return x.skill == s.id; });
    if (it != all.end()) {
      out.push_back(*it);
    } else {
      SkillMastery m;
      m.skill = s.id;
      out.push_back(m);
    }
    out.back().mastery = calibrated[out.size() - 1];
    if (view_.joint()) out.back().known = calibrated[out.size() - 1];  // the joint filter's P(mastered)
  }
  return out;
}

std::vector<Recommendation> Engine::recommend(const RecommendOptions& options) {
  require(options.count >= 1 && options.count <= 1000, ErrorCode::InvalidArgument, "recommend: count must be 1..1000");
  require(std::isnan(options.target) || (options.target > 0 && options.target < 1), ErrorCode::InvalidArgument,
          "recommend: target must be in (0, 1)");
  return recommender_.recommend(view_, options);
}

std::vector<int> Engine::goal_indices(const std::vector<std::string>& goals) const {
  std::vector<int> out;
  for (const std::string& g : goals) {
    const int s = bank_.skill_index(g);
    require(s >= 0, ErrorCode::InvalidArgument, "unknown goal skill '" + g + "'; use a skill id of the item bank");
    out.push_back(s);
  }
  return out;
}

std::vector<PathStep> Engine::learning_path(const std::vector<std::string>& goals, double now) {
  PathOptions o;
  o.goals = goal_indices(goals);
  o.now = now;
  return recommender_.learning_path(view_, o);
}

std::vector<ResourceRecommendation> Engine::recommend_resources(int count, const std::vector<std::string>& goals,
                                                                double now) {
  require(count >= 1 && count <= 1000, ErrorCode::InvalidArgument, "recommendResources: count must be 1..1000");
  ResourceOptions o;
  o.count = count;
  o.goals = goal_indices(goals);
  o.now = now;
  return recommender_.recommend_resources(view_, o);
}

Explanation Engine::explain(const std::string& item, double now) {
  require(bank_.item_index(item) >= 0, ErrorCode::UnknownItem, "explain: unknown item '" + item + "'");
  return view_.session().explain(item, now);
}

void Engine::adapt(int steps) {
  require(steps >= 1 && steps <= 1000, ErrorCode::InvalidArgument, "adapt: steps must be 1..1000");
  view_.session().adapt(steps);
}

void Engine::reset() { view_.reset(); }

std::vector<uint8_t> Engine::export_state() const { return view_.export_state(); }

void Engine::import_state(const std::vector<uint8_t>& bytes) { view_.import_state(bytes.data(), bytes.size()); }

}  // namespace metacog

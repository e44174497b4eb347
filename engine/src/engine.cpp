#include "metacog/engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "metacog/error.hpp"

namespace metacog {

// ------------------------------------------------------------------ SessionLearnerView

SessionLearnerView::SessionLearnerView(const ItemBank& bank, LearnerSession& session)
    : bank_(&bank), session_(&session) {
  for (const BankItem& it : bank.items()) {
    std::vector<std::string> skills;
    for (int s : it.skills) skills.push_back(bank.skill(s).id);
    const double hint = it.difficulty > 0 ? kDifficultyLogitStep * (it.difficulty - 3) : std::nan("");
    session_item_.push_back(session.register_item(it.id, skills, hint));
  }
  // Trained skill vectors only when the model knows every bank skill.
  const LearnerModel& m = session.model();
  std::vector<int> rows;
  for (const BankSkill& s : bank.skills()) {
    const auto found = std::find(m.skill_labels.begin(), m.skill_labels.end(), s.id);
    if (found == m.skill_labels.end()) {
      rows.clear();
      break;
    }
    rows.push_back(static_cast<int>(found - m.skill_labels.begin()));
  }
  if (!rows.empty() && rows.size() == bank.num_skills()) {
    dim_ = m.arch().dim;
    for (int r : rows) {
      const double* e = m.params().data() + m.layout().skill_embedding + static_cast<size_t>(r) * dim_;
      embedding_.insert(embedding_.end(), e, e + dim_);
    }
  }
  attempts_.assign(bank.num_skills(), 0);
  last_.assign(bank.num_skills(), std::nan(""));
  mastery_.assign(bank.num_skills(), 0.0);
  refresh();
}

void SessionLearnerView::refresh() {
  const std::vector<SkillMastery> ms = session_->mastery();
  for (size_t s = 0; s < bank_->num_skills(); ++s) {
    const std::string& id = bank_->skill(static_cast<int>(s)).id;
    const auto it = std::find_if(ms.begin(), ms.end(), [&](const SkillMastery& x) { return x.skill == id; });
    attempts_[s] = it == ms.end() ? 0 : it->attempts;
    last_[s] = it == ms.end() ? std::nan("") : it->last_seen;
    mastery_[s] = it == ms.end() ? 0.0 : it->mastery;
  }
}

void SessionLearnerView::note_answer(int item) {
  recent_.push_back(item);
  if (recent_.size() > 64) recent_.erase(recent_.begin());
}

void SessionLearnerView::predict_items(double now, double* p) {
  session_->predict(session_item_.data(), session_item_.size(), p, now);
}

void SessionLearnerView::skill_mastery(double now, double* m) {
  if (std::isnan(now)) {
    std::copy(mastery_.begin(), mastery_.end(), m);
    return;
  }
  const std::vector<SkillMastery> ms = session_->mastery(now);
  for (size_t s = 0; s < bank_->num_skills(); ++s) {
    const std::string& id = bank_->skill(static_cast<int>(s)).id;
    const auto it = std::find_if(ms.begin(), ms.end(), [&](const SkillMastery& x) { return x.skill == id; });
    m[s] = it == ms.end() ? 0.0 : it->mastery;
  }
}

int SessionLearnerView::recent_items(int* out, int max) const {
  int n = 0;
  for (auto it = recent_.rbegin(); it != recent_.rend() && n < max; ++it) out[n++] = *it;
  return n;
}

double SessionLearnerView::learn_rate(int skill) const {
  const std::vector<int>& items = bank_->items_of_skill(skill);
  require(!items.empty(), ErrorCode::InvalidState, "skill without items");
  // The model's own answer: the relative mastery gain after one correct answer on the skill.
  LearnerSession copy = *session_;
  const std::string& id = bank_->skill(skill).id;
  auto mastery_of = [&](LearnerSession& s) {
    for (const SkillMastery& x : s.mastery()) if (x.skill == id) return x.mastery;
    return 0.0;
  };
  const double before = mastery_of(copy);
  double t = 0;
  for (double v : last_) if (!std::isnan(v)) t = std::max(t, v);
  copy.observe(bank_->item(items.front()).id, true, t);
  const double after = mastery_of(copy);
  const double rate = before < 1.0 ? (after - before) / (1.0 - before) : 0.0;
  return std::clamp(rate, 0.01, 0.99);
}

const double* SessionLearnerView::skill_embedding(int skill) const {
  return dim_ == 0 ? nullptr : embedding_.data() + static_cast<size_t>(skill) * dim_;
}

std::string SessionLearnerView::explain(int item, double now) {
  const Explanation e = session_->explain(bank_->item(item).id, now);
  const LogitContribution* top = nullptr;
  for (const LogitContribution& c : e.contributions) {
    if (c.group == "prior") continue;
    if (top == nullptr || std::abs(c.logit) > std::abs(top->logit)) top = &c;
  }
  if (top == nullptr || std::abs(top->logit) < 0.1) return "";
  const bool up = top->logit > 0;
  if (top->group == "skill_history") return up ? "your answers on this skill raise it" : "your answers on this skill lower it";
  if (top->group == "overall_history") return up ? "your answers so far raise it" : "your answers so far lower it";
  if (top->group == "item_difficulty") return up ? "it is one of the easier items" : "it is one of the harder items";
  if (top->group == "adaptation") return up ? "the model has adapted to you upward" : "the model has adapted to you downward";
  return "";
}

// ------------------------------------------------------------------ Engine

Engine::Engine(std::shared_ptr<const LearnerModel> model, ItemBank bank, RecommenderConfig config)
    : bank_(std::move(bank)), session_(std::move(model)), recommender_(bank_, config), view_(bank_, session_) {}

void Engine::observe(const std::string& item, bool correct, double timestamp) {
  const int i = bank_.item_index(item);
  require(i >= 0, ErrorCode::UnknownItem, "observe: unknown item '" + item + "'; it is not in the item bank");
  require(std::isfinite(timestamp), ErrorCode::InvalidArgument, "observe: the timestamp must be a finite number");
  require(timestamp >= last_timestamp_, ErrorCode::InvalidArgument,
          "observe: timestamps must not go backwards (last " + std::to_string(last_timestamp_) + ")");
  session_.observe(item, correct, timestamp);
  last_timestamp_ = timestamp;
  view_.note_answer(i);
  view_.refresh();
}

std::vector<double> Engine::predict(const std::vector<std::string>& items, double now) {
  std::vector<int> idx;
  idx.reserve(items.size());
  for (const std::string& id : items) {
    require(bank_.item_index(id) >= 0, ErrorCode::UnknownItem, "predict: unknown item '" + id + "'");
    idx.push_back(session_.item_index(id));
  }
  std::vector<double> p(items.size());
  session_.predict(idx.data(), idx.size(), p.data(), now);
  return p;
}

std::vector<SkillMastery> Engine::mastery(double now) {
  const std::vector<SkillMastery> all = session_.mastery(now);
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
  return session_.explain(item, now);
}

void Engine::adapt(int steps) {
  require(steps >= 1 && steps <= 1000, ErrorCode::InvalidArgument, "adapt: steps must be 1..1000");
  session_.adapt(steps);
  view_.refresh();
}

void Engine::reset() {
  session_.reset();
  last_timestamp_ = -1e300;
  view_.clear_recent();
  view_.refresh();
}

std::vector<uint8_t> Engine::export_state() const { return session_.export_state_bytes(); }

void Engine::import_state(const std::vector<uint8_t>& bytes) {
  session_.import_state_bytes(bytes.data(), bytes.size());  // validates; unchanged on error
  rebuild_recent();
  view_.refresh();
}

void Engine::rebuild_recent() {
  view_.clear_recent();
  last_timestamp_ = -1e300;
  const nlohmann::json j = nlohmann::json::parse(session_.export_state());
  for (const auto& r : j.at("responses")) {
    const int i = bank_.item_index(r.at("item").get<std::string>());
    if (i >= 0) view_.note_answer(i);
    last_timestamp_ = std::max(last_timestamp_, r.at("timestamp").get<double>());
  }
}

}  // namespace metacog

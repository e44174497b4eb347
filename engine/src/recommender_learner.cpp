// The learner model as a LearnerView (see recommender_learner.hpp).
#include "metacog/recommender_learner.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "metacog/error.hpp"
#include "metacog/learner_knowledge.hpp"
#include "metacog/learner_mastery.hpp"
#include "metacog/numeric.hpp"

namespace metacog {

namespace {
constexpr int kRecentCapacity = 64;
}

LearnerModelView::LearnerModelView(const ItemBank& bank, std::shared_ptr<const LearnerModel> model)
    : bank_(&bank), session_(std::move(model)) {
  for (const BankItem& it : bank.items()) {
    std::vector<std::string> skills;
    for (int s : it.skills) skills.push_back(bank.skill(s).id);
    const double hint = it.difficulty > 0 ? kDifficultyLogitStep * (it.difficulty - 3) : std::nan("");
    all_items_.push_back(session_.register_item(it.id, skills, hint));
  }
  for (size_t i = 0; i < all_items_.size(); ++i) {
    require(all_items_[i] == static_cast<int>(i), ErrorCode::InvalidState, "learner view: catalogue order differs from the bank");
  }
  const LearnerModel& m = session_.model();
  // embeddings only when the model knows every bank skill
  std::vector<int> rows;
  for (const BankSkill& s : bank.skills()) {
    const int row = model_skill_row(m, s.id);
    if (row == m.arch().num_skills) break;
    rows.push_back(row);
  }
  if (rows.size() == bank.num_skills()) {
    dim_ = m.arch().dim;
    const size_t off = m.layout().skill_embedding;
    for (int r : rows) {
      for (int k = 0; k < dim_; ++k) embedding_.push_back(m.params()[off + static_cast<size_t>(r) * static_cast<size_t>(dim_) + static_cast<size_t>(k)]);
    }
  }
  // mastery calibration (learner_mastery.hpp) per bank skill: its model row, or the unknown-skill row
  guess_.assign(bank.num_skills(), 0.0);
  slip_.assign(bank.num_skills(), 0.0);
  if (!m.mastery_guess.empty()) {
    for (size_t s = 0; s < bank.num_skills(); ++s) {
      const size_t row = static_cast<size_t>(model_skill_row(m, bank.skill(static_cast<int>(s)).id));
      guess_[s] = m.mastery_guess[row];
      slip_[s] = m.mastery_slip[row];
    }
  }
  level_.assign(bank.num_skills(), 0.0);
  mean_logit_.assign(bank.num_skills(), 0.0);
  first_skill_count_.assign(bank.num_skills(), 0);
  for (const BankItem& it : bank.items()) first_skill_count_[static_cast<size_t>(it.skills[0])] += 1;
  recent_.assign(kRecentCapacity, -1);
  if (has_joint_knowledge(m, bank)) joint_ = std::make_unique<JointKnowledge>(bank, joint_knowledge_params(m, bank));
  reset();
}

void LearnerModelView::reset() {
  session_.reset();
  if (joint_) joint_->reset();
  attempts_.assign(bank_->num_skills(), 0);
  last_.assign(bank_->num_skills(), std::nan(""));
  recent_head_ = recent_size_ = 0;
  last_timestamp_ = -HUGE_VAL;
}

std::vector<uint8_t> LearnerModelView::export_state() const {
  if (!joint_) return session_.export_state_bytes();
  return session_.export_state_bytes({{"prerequisite_knowledge", joint_->to_json()}});
}

void LearnerModelView::import_state(const uint8_t* bytes, size_t size) {
  // everything into copies first: the view changes only if the whole document is valid
  LearnerSession session = session_;
  LearnerSession::Extensions extensions;
  session.import_state_bytes(bytes, size, &extensions);
  if (joint_) {
    // from_json changes the joint state only when it succeeds (and the session document is already
    // valid), so the view's own copy is updated in place
    const auto it = extensions.find("prerequisite_knowledge");
    if (it == extensions.end() || !joint_->from_json(it->second)) {
      // migration (learner_joint.hpp): from the per-skill filter's marginals
      std::vector<double> known;
      for (const BankSkill& s : bank_->skills()) known.push_back(session.knowledge(s.id));
      joint_->migrate(known);
    }
  }
  session_ = std::move(session);
  // per-skill attempts and last practice from the session's counters; recent items from its window
  attempts_.assign(bank_->num_skills(), 0);
  last_.assign(bank_->num_skills(), std::nan(""));
  for (const SkillMastery& m : session_.mastery()) {
    const int s = bank_->skill_index(m.skill);
    if (s < 0) continue;
    attempts_[static_cast<size_t>(s)] = m.attempts;
    last_[static_cast<size_t>(s)] = m.last_seen;
  }
  last_timestamp_ = session_.max_timestamp();
  recent_head_ = recent_size_ = 0;
  for (const LearnerSession::Response& r : session_.recent()) {
    const int item = bank_->item_index(session_.item_id(r.item));
    if (item < 0) continue;  // an item the bank no longer has still informs the model
    recent_[static_cast<size_t>(recent_head_)] = item;
    recent_head_ = (recent_head_ + 1) % kRecentCapacity;
    recent_size_ = std::min(recent_size_ + 1, kRecentCapacity);
  }
}

void LearnerModelView::observe(int item, bool correct, double timestamp) {
  if (item < 0 || static_cast<size_t>(item) >= bank_->num_items()) {
    throw Error(ErrorCode::UnknownItem, "item index " + std::to_string(item) + " is not in the item bank");
  }
  session_.observe(bank_->item(item).id, correct, timestamp);
  if (joint_) joint_->observe(item, correct);
  last_timestamp_ = std::max(last_timestamp_, timestamp);
  for (int s : bank_->item(item).skills) {
    attempts_[static_cast<size_t>(s)] += 1;
    last_[static_cast<size_t>(s)] = timestamp;
  }
  recent_[static_cast<size_t>(recent_head_)] = item;
  recent_head_ = (recent_head_ + 1) % kRecentCapacity;
  recent_size_ = std::min(recent_size_ + 1, kRecentCapacity);
}

void LearnerModelView::predict_items(double now, double* p) {
  session_.predict(all_items_.data(), all_items_.size(), p, now);
  if (session_.has_knowledge()) level_by_knowledge(p);
}

void LearnerModelView::level_by_knowledge(double* p) {
  constexpr double kEps = 1e-6, kMaxShift = 2.0;
  const size_t S = bank_->num_skills(), I = bank_->num_items();
  for (size_t s = 0; s < S; ++s) {
    if (!joint_) level_[s] = bkt_p_correct(session_.knowledge(bank_->skill(static_cast<int>(s)).id), guess_[s], slip_[s]);
    mean_logit_[s] = 0.0;
  }
  for (size_t i = 0; i < I; ++i) {
    p[i] = logit(p[i], kEps);  // ℓ_i
    mean_logit_[static_cast<size_t>(bank_->item(static_cast<int>(i)).skills[0])] += p[i];
  }
  for (size_t s = 0; s < S; ++s) {
    if (first_skill_count_[s] > 0) mean_logit_[s] /= first_skill_count_[s];
  }
  for (size_t i = 0; i < I; ++i) {
    const BankItem& it = bank_->item(static_cast<int>(i));
    double level = 0;
    if (joint_) {
      level = joint_->filter().p_correct(static_cast<int>(i));
    } else {
      for (int s : it.skills) level += level_[static_cast<size_t>(s)];
      level /= static_cast<double>(it.skills.size());
    }
    const double shift = std::min(kMaxShift, std::max(-kMaxShift, p[i] - mean_logit_[static_cast<size_t>(it.skills[0])]));
    p[i] = sigmoid(logit(level, kEps) + shift);
  }
}

void LearnerModelView::skill_mastery(double now, double* m) {
  if (joint_) {
    for (size_t s = 0; s < bank_->num_skills(); ++s) m[s] = joint_->filter().p_known(static_cast<int>(s));
    return;
  }
  const std::vector<SkillMastery> ms = session_.mastery(now);
  for (size_t s = 0; s < bank_->num_skills(); ++s) m[s] = 0.0;
  for (const SkillMastery& x : ms) {
    const int s = bank_->skill_index(x.skill);
    if (s >= 0) m[static_cast<size_t>(s)] = mastery_of(x, s);
  }
}

double LearnerModelView::mastery_of(const SkillMastery& x, int skill) const {
  if (!std::isnan(x.known)) return x.known;  // the knowledge filter (learner_knowledge.hpp)
  return calibrated_mastery(x.mastery, guess_[static_cast<size_t>(skill)], slip_[static_cast<size_t>(skill)]);
}

int LearnerModelView::recent_items(int* out, int max) const {
  const int n = std::min(max, recent_size_);
  for (int k = 0; k < n; ++k) out[k] = recent_[static_cast<size_t>((recent_head_ - 1 - k + kRecentCapacity) % kRecentCapacity)];
  return n;
}

const double* LearnerModelView::skill_embedding(int skill) const {
  if (dim_ == 0) return nullptr;
  return embedding_.data() + static_cast<size_t>(skill) * static_cast<size_t>(dim_);
}

double LearnerModelView::learn_rate(int skill) const {
  if (joint_) return std::min(std::max(joint_->filter().learning_rate(skill), 1e-3), 0.999);
  const std::vector<int>& items = bank_->items_of_skill(skill);
  if (items.empty()) return 1e-3;
  int item = items[0];
  for (int i : items) {
    if (bank_->item(i).skills.size() == 1) {
      item = i;
      break;
    }
  }
  const std::string& id = bank_->item(item).id;
  const std::string& label = bank_->skill(skill).id;
  double t = 0;
  for (double x : last_) {
    if (std::isfinite(x)) t = std::max(t, x);
  }
  const auto skill_mastery_in = [&](LearnerSession& s) {
    for (const SkillMastery& x : s.mastery(t)) {
      if (x.skill == label) return mastery_of(x, skill);
    }
    return 0.0;
  };
  LearnerSession base = session_;
  const double m = skill_mastery_in(base);
  const double p = base.predict(id, t);
  LearnerSession right = session_, wrong = session_;
  right.observe(id, true, t);
  wrong.observe(id, false, t);
  const double gain = p * skill_mastery_in(right) + (1 - p) * skill_mastery_in(wrong) - m;
  const double lambda = gain / std::max(1e-9, 1 - m);
  return std::min(std::max(lambda, 1e-3), 0.999);
}

std::string LearnerModelView::explain(int item, double now) {
  const Explanation e = session_.explain(bank_->item(item).id, now);
  const LogitContribution* best = nullptr;
  for (const LogitContribution& c : e.contributions) {
    if (c.group != "skill_history" && c.group != "overall_history" && c.group != "adaptation") continue;
    if (best == nullptr || std::fabs(c.logit) > std::fabs(best->logit)) best = &c;
  }
  if (best == nullptr || std::fabs(best->logit) < 0.1) return "";
  const char* dir = best->logit > 0 ? "raise" : "lower";
  if (best->group == "skill_history") return std::string("your recent answers on this skill ") + dir + " it";
  if (best->group == "overall_history") return std::string("your answers on other skills ") + dir + " it";
  return std::string("what the model has learned about you ") + (best->logit > 0 ? "raises" : "lowers") + " it";
}

}  // namespace metacog

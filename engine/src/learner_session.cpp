// The serving API of the learner model (see learner_session.hpp).
#include "metacog/learner_session.hpp"
#include "metacog/numeric.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "metacog/error.hpp"
#include "metacog/learner_mastery.hpp"

namespace metacog {

void LearnerSession::check_item_skills(const std::vector<std::string>& skills, ErrorCode code, const std::string& item) {
  require(!skills.empty() && skills.size() <= static_cast<size_t>(kMaxSkillsPerResponse), code,
          "item '" + item + "' needs 1.." + std::to_string(kMaxSkillsPerResponse) + " skills");
  for (size_t i = 0; i < skills.size(); ++i) {
    require(!skills[i].empty() && skills[i].size() <= LearnerSession::kMaxIdLength, code,
            "item '" + item + "': skill ids must be 1.." + std::to_string(LearnerSession::kMaxIdLength) + " characters");
    for (size_t j = 0; j < i; ++j) require(skills[i] != skills[j], code, "item '" + item + "' lists skill '" + skills[i] + "' twice");
  }
}

std::shared_ptr<const LearnerModel> LearnerSession::load_model(const uint8_t* bytes, size_t size) {
  require(bytes != nullptr || size == 0, ErrorCode::InvalidArgument, "load_model: null bytes");
  return std::make_shared<const LearnerModel>(LearnerModel::from_safetensors(bytes, size));
}

LearnerSession::LearnerSession(std::shared_ptr<const LearnerModel> model)
    : model_(std::move(model)), tracker_((require(model_ != nullptr, ErrorCode::InvalidArgument, "LearnerSession: no model"), *model_)) {
  const LearnerModel& m = *model_;
  g_.assign(static_cast<size_t>(m.arch().fast_size()), 0.0);
  for (size_t k = 0; k < m.skill_labels.size(); ++k) model_skill_[m.skill_labels[k]] = static_cast<int>(k);
  for (size_t k = 0; k < m.item_labels.size(); ++k) model_item_[m.item_labels[k]] = static_cast<int>(k);
  const int S = m.arch().num_skills;
  slot_label_.assign(static_cast<size_t>(S) + 1, std::string());
  for (size_t k = 0; k < m.skill_labels.size(); ++k) slot_label_[k] = m.skill_labels[k];
  memo_value_.assign(slot_label_.size(), 0.0);
  memo_gen_.assign(slot_label_.size(), 0);
  last_seen_.assign(slot_label_.size(), std::nan(""));
  known_.assign(slot_label_.size(), std::nan(""));
  if (has_knowledge_filter(m)) {
    for (int r = 0; r <= S; ++r) knowledge_.push_back(knowledge_params(m, r));
  }
  window_ = static_cast<size_t>(std::max(m.arch().inner_window, kMinWindow));
  base_h_.assign(static_cast<size_t>(m.arch().num_contexts() * m.arch().dim), 0.0);
}

void LearnerSession::check_id(const std::string& id, ErrorCode code) const {
  require(!id.empty() && id.size() <= kMaxIdLength, code,
          "item ids must be 1.." + std::to_string(kMaxIdLength) + " characters");
}

int LearnerSession::slot_of(const std::string& skill, bool create) {
  auto it = slot_.find(skill);
  if (it != slot_.end()) return it->second;
  if (!create) return -1;
  int slot;
  auto known = model_skill_.find(skill);
  if (known != model_skill_.end()) {
    slot = known->second;
  } else {
    slot = static_cast<int>(slot_label_.size());
    slot_label_.push_back(skill);
    memo_value_.push_back(0.0);
    memo_gen_.push_back(0);
    last_seen_.push_back(std::nan(""));
    known_.push_back(std::nan(""));
  }
  slot_[skill] = slot;
  slot_order_.push_back(slot);
  return slot;
}

void LearnerSession::build_item(Item& it) const {
  const LearnerModel& m = *model_;
  const int S = m.arch().num_skills;
  LearnerQuery& q = it.query;
  auto mi = model_item_.find(it.id);
  it.model_item = mi == model_item_.end() ? kUnknown : mi->second;
  q.item = it.model_item;
  q.num_skills = static_cast<int>(it.skill_labels.size());
  double beta = 0;
  for (int k = 0; k < q.num_skills; ++k) {
    q.slots[k] = slot_.at(it.skill_labels[static_cast<size_t>(k)]);
    auto ms = model_skill_.find(it.skill_labels[static_cast<size_t>(k)]);
    q.skills[k] = ms == model_skill_.end() ? S : ms->second;
    beta += m.difficulty(kUnknown, ms == model_skill_.end() ? kUnknown : ms->second);
  }
  if (std::isfinite(it.hint)) {
    q.difficulty = it.hint;
  } else if (it.model_item != kUnknown) {
    q.difficulty = m.difficulty(it.model_item, kUnknown);
  } else {
    q.difficulty = beta / q.num_skills;
  }
}

int LearnerSession::register_item(const std::string& id, const std::vector<std::string>& skills, double hint) {
  check_id(id, ErrorCode::InvalidArgument);
  check_item_skills(skills, ErrorCode::InvalidArgument, id);
  require(std::isnan(hint) || std::isfinite(hint), ErrorCode::InvalidArgument,
          "item '" + id + "': the difficulty hint must be a finite number (or absent)");
  auto found = item_index_.find(id);
  if (found != item_index_.end()) {
    Item& it = items_[static_cast<size_t>(found->second)];
    require(it.skill_labels == skills, ErrorCode::InvalidArgument,
            "item '" + id + "' is already registered with other skills");
    it.hint = hint;
    build_item(it);
    return found->second;
  }
  require(items_.size() < kMaxItems, ErrorCode::InvalidArgument, "too many items (limit " + std::to_string(kMaxItems) + ")");
  for (const std::string& s : skills) slot_of(s, true);
  Item it;
  it.id = id;
  it.skill_labels = skills;
  it.hint = hint;
  build_item(it);
  items_.push_back(std::move(it));
  const int index = static_cast<int>(items_.size()) - 1;
  item_index_[id] = index;
  return index;
}

int LearnerSession::item_index(const std::string& id) const {
  auto it = item_index_.find(id);
  return it == item_index_.end() ? -1 : it->second;
}

const std::string& LearnerSession::item_id(int index) const {
  require(index >= 0 && static_cast<size_t>(index) < items_.size(), ErrorCode::InvalidArgument, "item index out of range");
  return items_[static_cast<size_t>(index)].id;
}

std::vector<std::string> LearnerSession::skills() const {
  std::vector<std::string> out;
  for (int s : slot_order_) out.push_back(slot_label_[static_cast<size_t>(s)]);
  return out;
}

double LearnerSession::clock(double timestamp) const {
  if (model_->arch().positional_clock) return static_cast<double>(total_);
  if (std::isnan(timestamp)) return total_ == 0 ? 0.0 : last_timestamp_;
  return timestamp;
}

double LearnerSession::typical_item_p(int slot) {
  const int row = row_of(slot);
  return sigmoid(slot_logit(slot) - model_->difficulty(kUnknown, row < model_->arch().num_skills ? row : kUnknown));
}

double LearnerSession::network_mastery(int slot, double t) {
  const LearnerModel& m = *model_;
  const int row = row_of(slot);
  begin_batch(t);
  const double p = typical_item_p(slot);
  if (m.mastery_guess.empty()) return p;
  return calibrated_mastery(p, m.mastery_guess[static_cast<size_t>(row)], m.mastery_slip[static_cast<size_t>(row)]);
}

void LearnerSession::apply_observation(int item, bool correct, double timestamp) {
  const Item& it = items_[static_cast<size_t>(item)];
  LearnerQuery q = it.query;
  q.timestamp = clock(timestamp);
  // the knowledge filter, from the state before this answer (learner_knowledge.hpp (1))
  if (has_knowledge()) {
    for (int k = 0; k < q.num_skills; ++k) {
      const size_t slot = static_cast<size_t>(q.slots[k]);
      const double before = std::isnan(known_[slot]) ? knowledge_[static_cast<size_t>(row_of(q.slots[k]))].prior : known_[slot];
      known_[slot] = knowledge_update(before, correct, knowledge_[static_cast<size_t>(row_of(q.slots[k]))]);
    }
  }
  tracker_.observe(q, correct);
  ++state_version_;
  for (int k = 0; k < q.num_skills; ++k) last_seen_[static_cast<size_t>(q.slots[k])] = timestamp;
  recent_.push_back({item, correct, timestamp});
  total_ += 1;
  last_timestamp_ = timestamp;
  max_timestamp_ = std::max(max_timestamp_, timestamp);
  // the oldest response leaves the window: fold it into the base (history counters and h^c only)
  while (recent_.size() > window_) {
    const Response& r = recent_.front();
    LearnerQuery b = items_[static_cast<size_t>(r.item)].query;
    b.timestamp = model_->arch().positional_clock ? static_cast<double>(base_history_.size()) : r.timestamp;
    learner_advance_context(*model_, b, r.correct, base_history_, base_h_);
    recent_.pop_front();
  }
}

void LearnerSession::observe(const std::string& item, bool correct, double timestamp) {
  const int index = item_index(item);
  require(index >= 0, ErrorCode::UnknownItem, "unknown item '" + item + "': register it (with its skills) first");
  require(std::isfinite(timestamp), ErrorCode::InvalidArgument, "observe: the timestamp must be a finite number");
  require(total_ < kMaxHistory, ErrorCode::InvalidState, "observe: the history is full");
  apply_observation(index, correct, timestamp);
}

void LearnerSession::observe(const std::string& item, const std::vector<std::string>& skills, bool correct, double timestamp) {
  require(std::isfinite(timestamp), ErrorCode::InvalidArgument, "observe: the timestamp must be a finite number");
  require(total_ < kMaxHistory, ErrorCode::InvalidState, "observe: the history is full");
  if (item_index(item) < 0) {
    register_item(item, skills);  // validates everything before changing anything
  } else if (!skills.empty()) {
    require(items_[static_cast<size_t>(item_index(item))].skill_labels == skills, ErrorCode::InvalidArgument,
            "item '" + item + "' is registered with other skills");
  }
  observe(item, correct, timestamp);
}

void LearnerSession::predict(const int* items, size_t n, double* out, double now) {
  require(n == 0 || (items != nullptr && out != nullptr), ErrorCode::InvalidArgument, "predict: null buffer");
  for (size_t i = 0; i < n; ++i) {
    require(items[i] >= 0 && static_cast<size_t>(items[i]) < items_.size(), ErrorCode::InvalidArgument,
            "predict: item index " + std::to_string(items[i]) + " is not in the catalogue");
  }
  require(std::isnan(now) || std::isfinite(now), ErrorCode::InvalidArgument, "predict: now must be finite");
  const double t = clock(now);
  if (n > 0) begin_batch(t);
  for (size_t i = 0; i < n; ++i) {
    const Item& it = items_[static_cast<size_t>(items[i])];
    double z = 0;
    for (int k = 0; k < it.query.num_skills; ++k) z += slot_logit(it.query.slots[k]);
    out[i] = sigmoid(z / it.query.num_skills - it.query.difficulty);
  }
}

void LearnerSession::begin_batch(double t) {
  if (memo_version_ == state_version_ && memo_time_ == t) return;
  tracker_.prepare_batch(t);  // first: if it throws, the memo stays marked stale
  ++gen_;
  memo_version_ = state_version_;
  memo_time_ = t;
}

double LearnerSession::slot_logit(int slot) {
  const size_t k = static_cast<size_t>(slot);
  if (memo_gen_[k] != gen_) {
    // the embedding row of a slot is its model skill, or the unknown skill's (build_item's rule)
    memo_value_[k] = tracker_.batch_skill_logit(slot, row_of(slot));
    memo_gen_[k] = gen_;
  }
  return memo_value_[k];
}

double LearnerSession::predict(const std::string& item, double now) {
  const int index = item_index(item);
  require(index >= 0, ErrorCode::UnknownItem, "unknown item '" + item + "'");
  double p = 0;
  predict(&index, 1, &p, now);
  return p;
}

std::vector<SkillMastery> LearnerSession::mastery(double now) {
  require(std::isnan(now) || std::isfinite(now), ErrorCode::InvalidArgument, "mastery: now must be finite");
  std::vector<SkillMastery> out;
  const int S = model_->arch().num_skills;
  if (!slot_order_.empty()) begin_batch(clock(now));
  for (int slot : slot_order_) {
    SkillMastery m;
    m.skill = slot_label_[static_cast<size_t>(slot)];
    m.known_to_model = slot < S;
    m.mastery = typical_item_p(slot);
    if (has_knowledge()) {
      const double k = known_[static_cast<size_t>(slot)];
      m.known = std::isnan(k) ? knowledge_[static_cast<size_t>(row_of(slot))].prior : k;
    }
    const SkillHistory& h = tracker_.history().skill(slot);
    m.attempts = h.attempts();
    m.correct = h.correct;
    if (h.last_position >= 0) m.last_seen = last_seen_[static_cast<size_t>(slot)];
    out.push_back(m);
  }
  return out;
}

double LearnerSession::knowledge(const std::string& skill) const {
  if (!has_knowledge()) return std::nan("");
  const auto it = slot_.find(skill);
  if (it == slot_.end()) return std::nan("");
  const double k = known_[static_cast<size_t>(it->second)];
  return std::isnan(k) ? knowledge_[static_cast<size_t>(row_of(it->second))].prior : k;
}

Explanation LearnerSession::explain(const std::string& item, double now) {
  const int index = item_index(item);
  require(index >= 0, ErrorCode::UnknownItem, "unknown item '" + item + "'");
  require(std::isnan(now) || std::isfinite(now), ErrorCode::InvalidArgument, "explain: now must be finite");
  const LearnerModel& m = *model_;
  const LearnerArch& a = m.arch();
  const LearnerLayout& L = m.layout();
  const double* w = m.params().data();
  const Item& it = items_[static_cast<size_t>(index)];
  LearnerQuery q = it.query;
  q.timestamp = clock(now);
  const int n_in = a.input_size(), F = kHistoryFeatures, d = a.dim, C = a.num_contexts();
  // "never practised" feature values: an empty history
  std::vector<double> empty(F);
  LearnerHistory fresh;
  fresh.features(0, 0.0, empty.data());
  double z_full = 0, z_skill_reset = 0, z_none = 0;
  std::vector<double> din_avg_e(static_cast<size_t>(C * d), 0.0);  // Σ_k ∂z/∂h^c ⊙ e_k / n_k
  LearnerScratch& s = tracker_.scratch();
  const int nk = q.num_skills;
  const std::vector<double>& phi = tracker_.fast_weights();
  const double* phi0 = w + L.fast_init;
  double prior_fast = 0, adapted = 0;
  for (int k = 0; k < nk; ++k) {
    tracker_.build_input(q, k, s);
    z_full += learner_mlp_forward(m, s.in.data(), s.pre.data()) / nk;
    learner_fast_direction(m, q.skills[k], s.pre.data(), g_.data());
    for (int j = 0; j < a.fast_size(); ++j) {
      prior_fast += phi0[j] * g_[static_cast<size_t>(j)] / nk;
      adapted += (phi[static_cast<size_t>(j)] - phi0[j]) * g_[static_cast<size_t>(j)] / nk;
    }
    std::fill(s.d_in.begin(), s.d_in.end(), 0.0);
    for (int h = 0; h < a.hidden; ++h) {
      if (s.pre[h] <= 0) continue;
      const double* row = w + L.w1 + static_cast<size_t>(h) * n_in;
      const double w_out = w[L.w2 + h] + (a.adapt_output ? phi[static_cast<size_t>(1 + a.rank + h)] : 0.0);
      for (int j = 0; j < n_in; ++j) s.d_in[j] += w_out * row[j];
    }
    const double* e = w + L.skill_embedding + static_cast<size_t>(q.skills[k]) * d;
    for (int c = 0; c < C; ++c) {
      for (int j = 0; j < d; ++j) din_avg_e[static_cast<size_t>(c * d + j)] += s.d_in[F + (1 + c) * d + j] * e[j] / nk;
    }
    for (int f = 0; f < kSkillFeatureCount; ++f) s.in[f] = m.standardised(f, empty[f]);
    z_skill_reset += learner_mlp_forward(m, s.in.data(), s.pre.data()) / nk;
    for (int f = kSkillFeatureCount; f < F; ++f) s.in[f] = m.standardised(f, empty[f]);
    for (int j = F + d; j < n_in; ++j) s.in[j] = 0.0;
    z_none += learner_mlp_forward(m, s.in.data(), s.pre.data()) / nk;
  }
  Explanation ex;
  ex.item = item;
  ex.contributions = {{"prior", z_none + prior_fast},
                      {"skill_history", z_full - z_skill_reset},
                      {"overall_history", z_skill_reset - z_none},
                      {"item_difficulty", -q.difficulty},
                      {"adaptation", adapted}};
  ex.logit = 0;
  for (const auto& c : ex.contributions) ex.logit += c.logit;
  ex.p = sigmoid(ex.logit);
  // the latest responses on the item's skills (up to 5) and overall (up to 3), inside the window
  const int64_t T = total_;
  const int64_t first = T - static_cast<int64_t>(recent_.size());
  int same_count = 0, other_count = 0;
  const double* inter = w + L.interaction_embedding;
  for (int64_t j = T - 1; j >= first && (same_count < 5 || other_count < 3); --j) {
    const Response& r = recent_[static_cast<size_t>(j - first)];
    const Item& rj = items_[static_cast<size_t>(r.item)];
    bool same = false;
    for (int a1 = 0; a1 < rj.query.num_skills; ++a1) {
      for (int b1 = 0; b1 < nk; ++b1) same = same || rj.query.slots[a1] == q.slots[b1];
    }
    if (same ? same_count >= 5 : other_count >= 3) continue;
    (same ? same_count : other_count) += 1;
    double influence = 0;
    const double age = static_cast<double>(T - 1 - j);
    for (int c = 0; c < C; ++c) {
      const double weight = std::pow(a.decays[static_cast<size_t>(c)], age);
      if (weight == 0) continue;
      for (int s1 = 0; s1 < rj.query.num_skills; ++s1) {
        const double* row = inter + static_cast<size_t>(2 * rj.query.skills[s1] + (r.correct ? 1 : 0)) * d;
        for (int jj = 0; jj < d; ++jj) influence += weight * din_avg_e[static_cast<size_t>(c * d + jj)] * row[jj] / rj.query.num_skills;
      }
    }
    ex.recent.push_back({j, rj.id, r.correct, r.timestamp, same, influence});
  }
  return ex;
}

void LearnerSession::adapt(int steps) {
  require(steps >= 0 && steps <= 1000, ErrorCode::InvalidArgument, "adapt: steps must be in 0..1000");
  tracker_.adapt(steps);
  ++state_version_;
}

void LearnerSession::reset() {
  tracker_.reset();
  ++state_version_;
  recent_.clear();
  base_history_.reset();
  std::fill(base_h_.begin(), base_h_.end(), 0.0);
  total_ = 0;
  std::fill(last_seen_.begin(), last_seen_.end(), std::nan(""));
  std::fill(known_.begin(), known_.end(), std::nan(""));
  last_timestamp_ = std::nan("");
  max_timestamp_ = -HUGE_VAL;
}

}  // namespace metacog

// The serving API of the learner model (see learner_session.hpp).
#include "metacog/learner_session.hpp"
#include "metacog/numeric.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include "metacog/error.hpp"
#include "metacog/learner_mastery.hpp"

namespace metacog {

namespace {

using json = nlohmann::json;

void check_skills(const std::vector<std::string>& skills, ErrorCode code, const std::string& item) {
  require(!skills.empty() && skills.size() <= static_cast<size_t>(kMaxSkillsPerResponse), code,
          "item '" + item + "' needs 1.." + std::to_string(kMaxSkillsPerResponse) + " skills");
  for (size_t i = 0; i < skills.size(); ++i) {
    require(!skills[i].empty() && skills[i].size() <= LearnerSession::kMaxIdLength, code,
            "item '" + item + "': skill ids must be 1.." + std::to_string(LearnerSession::kMaxIdLength) + " characters");
    for (size_t j = 0; j < i; ++j) require(skills[i] != skills[j], code, "item '" + item + "' lists skill '" + skills[i] + "' twice");
  }
}

}  // namespace

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
  check_skills(skills, ErrorCode::InvalidArgument, id);
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

// ---------------------------------------------------------------- state documents

namespace {

struct ParsedResponse {
  std::string item;
  std::vector<std::string> skills;
  bool correct = false;
  double timestamp = 0;
};

void state_require(bool ok, const std::string& message) { require(ok, ErrorCode::StateFormat, "learner state: " + message); }

const json& field(const json& j, const char* key, const std::string& where) {
  state_require(j.is_object() && j.contains(key), where + "'" + key + "' is missing");
  return j[key];
}

int64_t int_field(const json& j, const char* key, const std::string& where, int64_t lo, int64_t hi) {
  const json& v = field(j, key, where);
  state_require(v.is_number_integer(), where + "'" + key + "' must be an integer");
  const int64_t x = v.get<int64_t>();
  state_require(x >= lo && x <= hi, where + "'" + key + "' is out of range");
  return x;
}

double number_field(const json& j, const char* key, const std::string& where) {
  const json& v = field(j, key, where);
  state_require(v.is_number() && std::isfinite(v.get<double>()), where + "'" + key + "' must be a finite number");
  return v.get<double>();
}

template <class T, size_t N>
std::array<T, N> int_array(const json& j, const char* key, const std::string& where, int64_t lo, int64_t hi) {
  const json& v = field(j, key, where);
  state_require(v.is_array() && v.size() == N, where + "'" + key + "' must be an array of " + std::to_string(N) + " integers");
  std::array<T, N> out{};
  for (size_t k = 0; k < N; ++k) {
    state_require(v[k].is_number_integer() && v[k].get<int64_t>() >= lo && v[k].get<int64_t>() <= hi,
                  where + "'" + key + "' holds an invalid value");
    out[k] = static_cast<T>(v[k].get<int64_t>());
  }
  return out;
}

std::vector<double> finite_array(const json& j, const char* key, const std::string& where, size_t size) {
  const json& v = field(j, key, where);
  state_require(v.is_array() && v.size() == size, where + "'" + key + "' must be an array of " + std::to_string(size) + " numbers");
  std::vector<double> out;
  for (const json& x : v) {
    state_require(x.is_number() && std::isfinite(x.get<double>()), where + "'" + key + "' must hold finite numbers");
    out.push_back(x.get<double>());
  }
  return out;
}

std::vector<std::string> skill_list(const json& j, const std::string& where, const std::string& item) {
  state_require(j.is_array(), where + "'skills' must be an array");
  std::vector<std::string> out;
  for (const json& s : j) {
    state_require(s.is_string(), where + "skills must be strings");
    out.push_back(s.get<std::string>());
  }
  check_skills(out, ErrorCode::StateFormat, item);
  return out;
}

std::vector<ParsedResponse> parse_responses(const json& rs, size_t limit) {
  state_require(rs.is_array(), "'responses' must be an array");
  state_require(rs.size() <= limit, "too many responses");
  std::vector<ParsedResponse> parsed;
  parsed.reserve(rs.size());
  for (size_t k = 0; k < rs.size(); ++k) {
    const json& r = rs[k];
    const std::string where = "response " + std::to_string(k) + ": ";
    state_require(r.is_object(), where + "not an object");
    state_require(r.contains("item") && r["item"].is_string(), where + "'item' must be a string");
    state_require(r.contains("skills") && r["skills"].is_array(), where + "'skills' must be an array");
    state_require(r.contains("correct") && r["correct"].is_boolean(), where + "'correct' must be true/false");
    state_require(r.contains("timestamp") && r["timestamp"].is_number(), where + "'timestamp' must be a number");
    ParsedResponse p;
    p.item = r["item"].get<std::string>();
    require(!p.item.empty() && p.item.size() <= LearnerSession::kMaxIdLength, ErrorCode::StateFormat,
            "learner state: " + where + "item ids must be 1.." + std::to_string(LearnerSession::kMaxIdLength) + " characters");
    p.skills = skill_list(r["skills"], where, p.item);
    p.correct = r["correct"].get<bool>();
    p.timestamp = r["timestamp"].get<double>();
    state_require(std::isfinite(p.timestamp), where + "'timestamp' must be finite");
    parsed.push_back(std::move(p));
  }
  return parsed;
}

void check_label(const std::string& label, const std::string& where) {
  state_require(!label.empty() && label.size() <= LearnerSession::kMaxIdLength, where + "skill ids must be 1.." +
                                                                                    std::to_string(LearnerSession::kMaxIdLength) + " characters");
}

}  // namespace

std::string LearnerSession::export_state() const {
  const auto label_of = [&](int slot) -> const std::string& {
    const std::string& label = slot_label_[static_cast<size_t>(slot)];
    require(!label.empty(), ErrorCode::InvalidState, "export_state: a practised skill slot has no label");
    return label;
  };
  const HistorySnapshot snap = base_history_.snapshot();
  json skills = json::array();
  std::vector<std::pair<std::string, int>> practised;
  for (size_t slot = 0; slot < snap.skills.size(); ++slot) {
    if (snap.skills[slot].last_position >= 0) practised.emplace_back(label_of(static_cast<int>(slot)), static_cast<int>(slot));
  }
  std::sort(practised.begin(), practised.end());
  for (const auto& [label, slot] : practised) {
    const SkillHistory& h = snap.skills[static_cast<size_t>(slot)];
    skills.push_back({{"skill", label},
                      {"correct", h.correct},
                      {"wrong", h.wrong},
                      {"streak", {h.streak_correct, h.streak_wrong}},
                      {"last", h.last},
                      {"window", h.window},
                      {"last_position", h.last_position},
                      {"last_time", h.last_time}});
  }
  json recent = json::array();
  const int64_t kept = std::min<int64_t>(snap.position, kWindowLong);
  for (int64_t k = kWindowLong - kept; k < kWindowLong; ++k) {
    const PastResponse& p = snap.recent[static_cast<size_t>(k)];
    json labels = json::array();
    for (int i = 0; i < p.num_slots; ++i) labels.push_back(label_of(p.slots[static_cast<size_t>(i)]));
    recent.push_back({{"skills", labels}, {"correct", p.correct}});
  }
  json base = {{"position", snap.position}, {"correct", snap.correct}, {"wrong", snap.wrong},
               {"last", snap.last},         {"window", snap.window},   {"last_time", snap.last_time},
               {"recent", recent},          {"skills", skills},        {"contexts", base_h_}};
  json last_seen = json::object();
  for (size_t slot = 0; slot < last_seen_.size(); ++slot) {
    if (!std::isnan(last_seen_[slot])) last_seen[label_of(static_cast<int>(slot))] = last_seen_[slot];
  }
  json knowledge = json::object();
  for (size_t slot = 0; slot < known_.size(); ++slot) {
    if (!std::isnan(known_[slot])) knowledge[label_of(static_cast<int>(slot))] = known_[slot];
  }
  json responses = json::array();
  for (const Response& r : recent_) {
    const Item& it = items_[static_cast<size_t>(r.item)];
    responses.push_back({{"item", it.id}, {"skills", it.skill_labels}, {"correct", r.correct}, {"timestamp", r.timestamp}});
  }
  json doc = {{"format", "metacog-learner-state"},
              {"version", kStateVersion},
              {"model", {{"algo", model_->header.algo}, {"trained_on", model_->header.trained_on}}},
              {"fast_weights", tracker_.fast_weights()},
              {"responses_total", total_},
              {"base", base},
              {"last_seen", last_seen},
              {"knowledge", knowledge},
              {"responses", responses}};
  if (total_ > 0) {
    doc["last_timestamp"] = last_timestamp_;
    doc["max_timestamp"] = max_timestamp_;
  }
  return doc.dump();
}

int LearnerSession::import_item(const std::string& id, const std::vector<std::string>& skills) {
  const int index = item_index(id);
  if (index >= 0) return index;
  try {
    return register_item(id, skills);
  } catch (const Error& e) {
    throw Error(ErrorCode::StateFormat, std::string("learner state: ") + e.what());
  }
}

void LearnerSession::import_state(const std::string& text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  require(j.is_object(), ErrorCode::StateFormat, "learner state: not a JSON object");
  require(j.value("format", std::string()) == "metacog-learner-state", ErrorCode::StateFormat,
          "learner state: 'format' must be \"metacog-learner-state\"");
  require(j.contains("version") && j["version"].is_number_integer(), ErrorCode::StateFormat,
          "learner state: 'version' must be an integer");
  const int64_t version = j["version"].get<int64_t>();
  require(version >= 1, ErrorCode::StateFormat, "learner state: 'version' must be ≥ 1");
  require(version <= kStateVersion, ErrorCode::StateVersion,
          "learner state version " + std::to_string(version) + " is newer than this engine (" +
              std::to_string(kStateVersion) + "); update metacog");
  require(j.contains("responses"), ErrorCode::StateFormat, "learner state: 'responses' must be an array");
  // everything is applied to a copy; *this changes only if all of it succeeded
  LearnerSession next(*this);
  next.reset();
  if (version == 1) {
    // the full response log: migrate by replaying it (what version-1 engines did)
    for (const ParsedResponse& p : parse_responses(j["responses"], kMaxResponses)) {
      next.apply_observation(next.import_item(p.item, p.skills), p.correct, p.timestamp);
    }
    *this = std::move(next);
    return;
  }
  const LearnerArch& a = model_->arch();
  const std::vector<ParsedResponse> window = parse_responses(j["responses"], window_);
  const int64_t total = int_field(j, "responses_total", "", 0, kMaxHistory);
  const std::vector<double> phi = finite_array(j, "fast_weights", "", static_cast<size_t>(a.fast_size()));
  // the base: history counters and context vectors before the window
  const json& b = field(j, "base", "");
  const std::string wb = "base: ";
  HistorySnapshot snap;
  snap.position = int_field(b, "position", wb, 0, kMaxHistory);
  snap.correct = static_cast<int32_t>(int_field(b, "correct", wb, 0, kMaxHistory));
  snap.wrong = static_cast<int32_t>(int_field(b, "wrong", wb, 0, kMaxHistory));
  snap.last = int_array<int8_t, 3>(b, "last", wb, -1, 1);
  snap.window = int_array<int32_t, 4>(b, "window", wb, 0, kWindowLong);
  snap.last_time = number_field(b, "last_time", wb);
  state_require(snap.position + static_cast<int64_t>(window.size()) == total,
                "'responses_total' must equal base.position plus the responses in the window");
  const json& skills = field(b, "skills", wb);
  state_require(skills.is_array() && skills.size() <= kMaxItems * kMaxSkillsPerResponse, wb + "'skills' must be an array");
  std::set<std::string> listed;
  for (size_t k = 0; k < skills.size(); ++k) {
    const json& s = skills[k];
    const std::string where = wb + "skill " + std::to_string(k) + ": ";
    state_require(s.is_object() && s.contains("skill") && s["skill"].is_string(), where + "'skill' must be a string");
    const std::string label = s["skill"].get<std::string>();
    check_label(label, where);
    state_require(listed.insert(label).second, where + "skill '" + label + "' is listed twice");
    SkillHistory h;
    h.correct = static_cast<int32_t>(int_field(s, "correct", where, 0, kMaxHistory));
    h.wrong = static_cast<int32_t>(int_field(s, "wrong", where, 0, kMaxHistory));
    const auto streak = int_array<int32_t, 2>(s, "streak", where, 0, kMaxHistory);
    h.streak_correct = streak[0];
    h.streak_wrong = streak[1];
    h.last = int_array<int8_t, 3>(s, "last", where, -1, 1);
    h.window = int_array<int32_t, 4>(s, "window", where, 0, kWindowLong);
    h.last_position = int_field(s, "last_position", where, 0, snap.position - 1);
    h.last_time = number_field(s, "last_time", where);
    const int slot = next.slot_of(label, true);
    if (static_cast<size_t>(slot) >= snap.skills.size()) snap.skills.resize(static_cast<size_t>(slot) + 1);
    snap.skills[static_cast<size_t>(slot)] = h;
  }
  const json& recent = field(b, "recent", wb);
  const size_t kept = static_cast<size_t>(std::min<int64_t>(snap.position, kWindowLong));
  state_require(recent.is_array() && recent.size() == kept,
                wb + "'recent' must hold the last " + std::to_string(kept) + " responses before the window");
  for (size_t k = 0; k < kept; ++k) {
    const std::string where = wb + "recent " + std::to_string(k) + ": ";
    const json& r = recent[k];
    state_require(r.is_object() && r.contains("correct") && r["correct"].is_boolean(), where + "'correct' must be true/false");
    const std::vector<std::string> labels = skill_list(field(r, "skills", where), where, "(base)");
    PastResponse& p = snap.recent[kWindowLong - kept + k];
    p.num_slots = static_cast<int>(labels.size());
    for (size_t i = 0; i < labels.size(); ++i) p.slots[i] = next.slot_of(labels[i], true);
    p.correct = r["correct"].get<bool>();
  }
  try {
    next.base_history_.restore(snap);
  } catch (const Error& e) {
    throw Error(ErrorCode::StateFormat, std::string("learner state: base: ") + e.what());
  }
  next.base_h_ = finite_array(b, "contexts", wb, static_cast<size_t>(a.num_contexts() * a.dim));
  // replay the window on the base without adapting (ring entries do not depend on φ), then set φ
  next.total_ = snap.position;
  next.tracker_.restore_context(next.base_history_, next.base_h_);
  ++next.state_version_;
  if (next.has_knowledge()) {
    // skills practised before the window start from the network's calibrated mastery there (the
    // version-2 migration; a version-3 document's own values replace them below)
    const double t = next.clock(snap.last_time);
    for (size_t slot = 0; slot < snap.skills.size(); ++slot) {
      if (snap.skills[slot].last_position >= 0) next.known_[slot] = next.network_mastery(static_cast<int>(slot), t);
    }
  }
  const bool adaptation = next.tracker_.adaptation;
  next.tracker_.adaptation = false;
  for (const ParsedResponse& p : window) next.apply_observation(next.import_item(p.item, p.skills), p.correct, p.timestamp);
  next.tracker_.adaptation = adaptation;
  next.tracker_.mutable_fast_weights() = phi;
  if (version >= 3) {
    const json& kn = field(j, "knowledge", "");
    state_require(kn.is_object(), "'knowledge' must be an object");
    for (const auto& kv : kn.items()) {
      check_label(kv.key(), "knowledge: ");
      state_require(kv.value().is_number() && kv.value().get<double>() >= 0.0 && kv.value().get<double>() <= 1.0,
                    "knowledge: values must be numbers in [0, 1]");
      const int slot = next.slot_of(kv.key(), true);
      if (next.has_knowledge()) next.known_[static_cast<size_t>(slot)] = kv.value().get<double>();
    }
  }
  // per-skill last practice and the clock
  const json& seen = field(j, "last_seen", "");
  state_require(seen.is_object(), "'last_seen' must be an object");
  for (const auto& kv : seen.items()) {
    check_label(kv.key(), "last_seen: ");
    state_require(kv.value().is_number() && std::isfinite(kv.value().get<double>()), "last_seen: values must be finite numbers");
    next.last_seen_[static_cast<size_t>(next.slot_of(kv.key(), true))] = kv.value().get<double>();
  }
  if (total > 0) {
    next.last_timestamp_ = number_field(j, "last_timestamp", "");
    next.max_timestamp_ = number_field(j, "max_timestamp", "");
  }
  ++next.state_version_;  // φ was set directly
  *this = std::move(next);
}

std::vector<uint8_t> LearnerSession::export_state_bytes() const {
  const std::string s = export_state();
  return std::vector<uint8_t>(s.begin(), s.end());
}

void LearnerSession::import_state_bytes(const uint8_t* bytes, size_t size) {
  require(bytes != nullptr || size == 0, ErrorCode::StateFormat, "learner state: null bytes");
  import_state(std::string(reinterpret_cast<const char*>(bytes), size));
}

}  // namespace metacog

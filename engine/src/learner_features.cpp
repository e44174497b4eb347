#include "metacog/learner_features.hpp"

#include <cmath>

#include "metacog/error.hpp"

namespace metacog {

namespace {

const char* const kFeatureNames[kHistoryFeatures] = {
    "skill.log_correct",   "skill.log_wrong",     "skill.seen",          "skill.last1",
    "skill.last2",         "skill.last3",         "skill.log_streak_correct", "skill.log_streak_wrong",
    "skill.log_gap_attempts", "skill.log_gap_time", "skill.log_correct_w5", "skill.log_wrong_w5",
    "skill.log_correct_w20", "skill.log_wrong_w20", "skill.rate",
    "all.log_correct",     "all.log_wrong",       "all.last1",           "all.last2",
    "all.last3",           "all.same_skill_as_previous", "all.log_correct_w5", "all.log_wrong_w5",
    "all.log_correct_w20", "all.log_wrong_w20",   "all.log_gap_time",    "all.rate"};

const SkillHistory kEmptySkill{};

inline double log1(double v) { return std::log1p(v > 0 ? v : 0.0); }

void push_last(std::array<int8_t, 3>& last, bool correct) {
  last[2] = last[1];
  last[1] = last[0];
  last[0] = correct ? 1 : -1;
}

}  // namespace

const char* history_feature_name(int f) {
  require(f >= 0 && f < kHistoryFeatures, ErrorCode::InvalidArgument, "history feature index out of range");
  return kFeatureNames[f];
}

void LearnerHistory::reset() {
  skills_.clear();
  position_ = 0;
  correct_ = wrong_ = 0;
  last_ = {0, 0, 0};
  window_ = {0, 0, 0, 0};
  last_time_ = 0.0;
  ring_ = {};
}

const SkillHistory& LearnerHistory::skill(int slot) const {
  if (slot < 0 || slot >= static_cast<int>(skills_.size())) return kEmptySkill;
  return skills_[slot];
}

SkillHistory& LearnerHistory::mutable_skill(int slot) {
  if (slot >= static_cast<int>(skills_.size())) skills_.resize(static_cast<size_t>(slot) + 1);
  return skills_[slot];
}

void LearnerHistory::features(int slot, double timestamp, double* x) const {
  const SkillHistory& s = skill(slot);
  const bool seen = s.last_position >= 0;
  x[0] = log1(s.correct);
  x[1] = log1(s.wrong);
  x[2] = seen ? 1.0 : 0.0;
  x[3] = s.last[0];
  x[4] = s.last[1];
  x[5] = s.last[2];
  x[6] = log1(s.streak_correct);
  x[7] = log1(s.streak_wrong);
  x[8] = seen ? log1(static_cast<double>(position_ - 1 - s.last_position)) : 0.0;
  x[9] = seen ? log1(timestamp - s.last_time) : 0.0;
  x[10] = log1(s.window[0]);
  x[11] = log1(s.window[1]);
  x[12] = log1(s.window[2]);
  x[13] = log1(s.window[3]);
  x[14] = (s.correct + 1.0) / (s.attempts() + 2.0);
  x[15] = log1(correct_);
  x[16] = log1(wrong_);
  x[17] = last_[0];
  x[18] = last_[1];
  x[19] = last_[2];
  double same = 0.0;
  if (position_ > 0) {
    const Past& prev = ring_[static_cast<size_t>((position_ - 1) % kWindowLong)];
    for (int k = 0; k < prev.num_slots; ++k) {
      if (prev.slots[k] == slot) same = 1.0;
    }
  }
  x[20] = same;
  x[21] = log1(window_[0]);
  x[22] = log1(window_[1]);
  x[23] = log1(window_[2]);
  x[24] = log1(window_[3]);
  x[25] = position_ > 0 ? log1(timestamp - last_time_) : 0.0;
  x[26] = (correct_ + 1.0) / (correct_ + wrong_ + 2.0);
}

HistorySnapshot LearnerHistory::snapshot() const {
  HistorySnapshot s;
  s.skills = skills_;
  s.position = position_;
  s.correct = correct_;
  s.wrong = wrong_;
  s.last = last_;
  s.window = window_;
  s.last_time = last_time_;
  for (int k = 0; k < kWindowLong; ++k) {
    const int64_t at = position_ - kWindowLong + k;
    if (at >= 0) s.recent[static_cast<size_t>(k)] = ring_[static_cast<size_t>(at % kWindowLong)];
  }
  return s;
}

void LearnerHistory::restore(const HistorySnapshot& s) {
  require(s.position >= 0 && s.correct >= 0 && s.wrong >= 0 && s.correct + int64_t{s.wrong} == s.position,
          ErrorCode::InvalidArgument, "history: counts must be ≥ 0 and add up to the position");
  for (const SkillHistory& k : s.skills) {
    require(k.correct >= 0 && k.wrong >= 0 && k.streak_correct >= 0 && k.streak_wrong >= 0 && k.last_position < s.position,
            ErrorCode::InvalidArgument, "history: invalid skill counters");
  }
  for (const PastResponse& p : s.recent) {
    require(p.num_slots >= 0 && p.num_slots <= kMaxSkillsPerResponse, ErrorCode::InvalidArgument, "history: invalid recent response");
    for (int i = 0; i < p.num_slots; ++i) require(p.slots[static_cast<size_t>(i)] >= 0, ErrorCode::InvalidArgument, "history: negative slot");
  }
  skills_ = s.skills;
  position_ = s.position;
  correct_ = s.correct;
  wrong_ = s.wrong;
  last_ = s.last;
  window_ = s.window;
  last_time_ = s.last_time;
  ring_ = {};
  for (int k = 0; k < kWindowLong; ++k) {
    const int64_t at = position_ - kWindowLong + k;
    if (at >= 0) ring_[static_cast<size_t>(at % kWindowLong)] = s.recent[static_cast<size_t>(k)];
  }
}

void LearnerHistory::leave_window(const Past& p, int which) {
  const int k = which * 2 + (p.correct ? 0 : 1);
  window_[k] -= 1;
  for (int i = 0; i < p.num_slots; ++i) mutable_skill(p.slots[i]).window[k] -= 1;
}

void LearnerHistory::observe(const int* slots, int num_slots, bool correct, double timestamp) {
  require(num_slots >= 1 && num_slots <= kMaxSkillsPerResponse, ErrorCode::InvalidArgument,
          "a response needs 1.." + std::to_string(kMaxSkillsPerResponse) + " skills");
  for (int i = 0; i < num_slots; ++i) {
    require(slots[i] >= 0, ErrorCode::InvalidArgument, "skill slots are non-negative");
    for (int j = 0; j < i; ++j) require(slots[i] != slots[j], ErrorCode::InvalidArgument, "duplicate skill in a response");
  }
  // responses leaving the windows: position − 5 and position − 20
  if (position_ >= kWindowShort) leave_window(ring_[static_cast<size_t>((position_ - kWindowShort) % kWindowLong)], 0);
  if (position_ >= kWindowLong) leave_window(ring_[static_cast<size_t>((position_ - kWindowLong) % kWindowLong)], 1);
  const int c = correct ? 0 : 1;
  for (int i = 0; i < num_slots; ++i) {
    SkillHistory& s = mutable_skill(slots[i]);
    (correct ? s.correct : s.wrong) += 1;
    if (correct) {
      s.streak_correct += 1;
      s.streak_wrong = 0;
    } else {
      s.streak_wrong += 1;
      s.streak_correct = 0;
    }
    push_last(s.last, correct);
    s.window[c] += 1;
    s.window[2 + c] += 1;
    s.last_position = position_;
    s.last_time = timestamp;
  }
  (correct ? correct_ : wrong_) += 1;
  push_last(last_, correct);
  window_[c] += 1;
  window_[2 + c] += 1;
  last_time_ = timestamp;
  Past& p = ring_[static_cast<size_t>(position_ % kWindowLong)];
  p.num_slots = num_slots;
  for (int i = 0; i < num_slots; ++i) p.slots[i] = slots[i];
  p.correct = correct;
  position_ += 1;
}

}  // namespace metacog

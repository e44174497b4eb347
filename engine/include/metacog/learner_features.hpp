// metacog/learner_features.hpp — features of one learner's history, updated in O(1) per response.
//
//     metacog::LearnerHistory h;
//     double x[metacog::kHistoryFeatures];
//     h.features(/*slot=*/3, /*timestamp=*/10.0, x);   // the history before the next response on skill slot 3
//     int slots[1] = {3};
//     h.observe(slots, 1, /*correct=*/true, 10.0);
//
// A "slot" is a dense index of a skill inside one learner's history (the learner model maps the
// skills it was trained on to slots 0..S−1, the unknown skill to S, and skills registered later to
// S+1, …). Notation for the history before response t, target skill s, time τ:
//   c_s, f_s      earlier correct / wrong answers on s;  c, f on all skills
//   y_s^(1..3)    the last three answers on s as ±1 (0 when absent);  y^(1..3) on all skills
//   streaks       current run of correct (wrong) answers on s at the end of the history
//   gaps          attempts and time since the last practice of s; time since the previous response
//   c_s^w, f_s^w  correct / wrong answers on s among the last w responses (w = 5, 20);  c^w, f^w overall
//   rates         (c_s + 1)/(n_s + 2) and (c + 1)/(n + 2) (Laplace running rates)
// Counts enter as ln(1 + count) (Best-LR, Gervet et al. 2020), gaps as ln(1 + gap). Features 0..14
// describe the target skill ("skill history"), 15..26 the learner overall ("overall history").
// Every update touches a constant number of counters: the skills of the new response and of the
// response that leaves each window.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace metacog {

/** Number of history features (see the header comment). */
constexpr int kHistoryFeatures = 27;
/** Features [0, kSkillFeatureCount) describe the target skill; the rest the learner overall. */
constexpr int kSkillFeatureCount = 15;
/** Attempt windows of the windowed counts. */
constexpr int kWindowShort = 5;
constexpr int kWindowLong = 20;
/** Most skills one response may carry. */
constexpr int kMaxSkillsPerResponse = 4;

/** Short name of history feature f (for explanations and model metadata). */
const char* history_feature_name(int f);

/** Per-skill counters of one learner. */
struct SkillHistory {
  int32_t correct = 0, wrong = 0;
  int32_t streak_correct = 0, streak_wrong = 0;
  std::array<int8_t, 3> last = {0, 0, 0};  ///< last answers as ±1, most recent first
  std::array<int32_t, 4> window = {0, 0, 0, 0};  ///< c^5, f^5, c^20, f^20
  int64_t last_position = -1;  ///< index of the last response on this skill (−1: never)
  double last_time = 0.0;
  int attempts() const { return correct + wrong; }
};

/** One of the last kWindowLong responses, as the windowed counters need it. */
struct PastResponse {
  std::array<int, kMaxSkillsPerResponse> slots{};
  int num_slots = 0;
  bool correct = false;
};

/**
 * Every counter of a LearnerHistory, for saving and restoring a learner (learner_session.hpp).
 * skills[slot] for each slot with storage; recent[k] is the response at position
 * position − kWindowLong + k (entries before position 0 are empty).
 */
struct HistorySnapshot {
  std::vector<SkillHistory> skills;
  int64_t position = 0;
  int32_t correct = 0, wrong = 0;
  std::array<int8_t, 3> last = {0, 0, 0};
  std::array<int32_t, 4> window = {0, 0, 0, 0};
  double last_time = 0.0;
  std::array<PastResponse, kWindowLong> recent{};
};

/** The incremental history of one learner (no model parameters). */
class LearnerHistory {
 public:
  /** Forgets everything. */
  void reset();
  /** Raw features (kHistoryFeatures values) of the history before a response on `slot` at `timestamp`. */
  void features(int slot, double timestamp, double* x) const;
  /** Adds an answered response on the given skill slots (1..kMaxSkillsPerResponse distinct slots ≥ 0). */
  void observe(const int* slots, int num_slots, bool correct, double timestamp);
  /** Responses observed so far. */
  int64_t size() const { return position_; }
  /** Counters of a slot (all zero if never practised). */
  const SkillHistory& skill(int slot) const;
  /** Number of slots with storage (1 + the largest slot seen). */
  int num_slots() const { return static_cast<int>(skills_.size()); }
  /** All counters (restore() of the result gives an identical history). */
  HistorySnapshot snapshot() const;
  /** Replaces every counter (InvalidArgument if the snapshot is inconsistent: negative counts or slots). */
  void restore(const HistorySnapshot& s);

 private:
  using Past = PastResponse;
  SkillHistory& mutable_skill(int slot);
  void leave_window(const Past& p, int which);

  std::vector<SkillHistory> skills_;
  int64_t position_ = 0;
  int32_t correct_ = 0, wrong_ = 0;
  std::array<int8_t, 3> last_ = {0, 0, 0};
  std::array<int32_t, 4> window_ = {0, 0, 0, 0};
  double last_time_ = 0.0;
  std::array<Past, kWindowLong> ring_{};  ///< the last kWindowLong responses (position % kWindowLong)
};

}  // namespace metacog

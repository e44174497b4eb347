// metacog/engine.hpp — one learner's adaptive-learning engine: learner model + item bank +
// recommender behind the calls of the JS API (design.md §3.1). The wasm layer only marshals this.
//
//     Engine e(LearnerSession::load_model(bytes, n), ItemBank::parse(bank_json));
//     e.observe("q17", true, 1700000000.0);          // seconds; adapts the fast weights
//     auto next = e.recommend({3});                   // [{item, p, skill, reason, ...}]
//     auto path = e.learning_path({goal_skill_index});
//     std::vector<uint8_t> saved = e.export_state();  // what the JS layer persists after each observe
//
// SessionLearnerView adapts a LearnerSession to the recommender's LearnerView over the bank's
// indices:
//   * every bank item is registered with its skills and a difficulty hint from the bank's 1–5
//     rating: b_hint = kDifficultyLogitStep · (d − 3) logits (0 when the bank gives none);
//   * mastery, attempts and last practice come from LearnerSession::mastery();
//   * learn_rate(s) is the model's own answer to "how much of the gap does one item close": the
//     relative gain (m_s' − m_s)/(1 − m_s) after a hypothetical correct answer on the skill's
//     easiest-to-reach item, computed on a copy of the session (only the learning path asks);
//   * skill embeddings are the model's trained skill vectors when every bank skill is known to the
//     model, otherwise none (the recommender then uses one-hot vectors);
//   * explain(i) is the largest contribution of the model's explanation, in words.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "metacog/item_bank.hpp"
#include "metacog/learner_session.hpp"
#include "metacog/recommender.hpp"

namespace metacog {

/** Logit step per difficulty level of the item bank (level 3 = the skill's typical item). */
constexpr double kDifficultyLogitStep = 0.5;

class SessionLearnerView : public LearnerView {
 public:
  SessionLearnerView(const ItemBank& bank, LearnerSession& session);
  /** Call after every observe / import / reset of the session. */
  void refresh();
  /** Records the bank item of an answer (the recent-items list). */
  void note_answer(int item);
  void clear_recent() { recent_.clear(); }

  void predict_items(double now, double* p) override;
  void skill_mastery(double now, double* m) override;
  int attempts(int skill) const override { return attempts_[static_cast<size_t>(skill)]; }
  double last_seen(int skill) const override { return last_[static_cast<size_t>(skill)]; }
  int recent_items(int* out, int max) const override;
  double learn_rate(int skill) const override;
  int embedding_dim() const override { return dim_; }
  const double* skill_embedding(int skill) const override;
  std::string explain(int item, double now) override;

 private:
  const ItemBank* bank_;
  LearnerSession* session_;
  std::vector<int> session_item_;     // bank item → session item index
  std::vector<int> session_skill_;    // bank skill → index into session.mastery() (−1: none yet)
  std::vector<int> attempts_;
  std::vector<double> last_, mastery_;
  std::vector<int> recent_;           // bank items, oldest first
  int dim_ = 0;
  std::vector<double> embedding_;
};

class Engine {
 public:
  Engine(std::shared_ptr<const LearnerModel> model, ItemBank bank, RecommenderConfig config = {});
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const ItemBank& bank() const { return bank_; }
  const LearnerModel& model() const { return session_.model(); }
  int64_t num_responses() const { return session_.num_responses(); }

  /** One answer (UnknownItem for an id not in the bank; InvalidArgument for a non-finite or
   *  decreasing timestamp). Adapts, then the view is refreshed. */
  void observe(const std::string& item, bool correct, double timestamp);
  /** P(correct) of bank items (UnknownItem for any unknown id, nothing computed). */
  std::vector<double> predict(const std::vector<std::string>& items, double now = std::nan(""));
  /** Mastery of every bank skill, in bank order. */
  std::vector<SkillMastery> mastery(double now = std::nan(""));
  std::vector<Recommendation> recommend(const RecommendOptions& options);
  std::vector<PathStep> learning_path(const std::vector<std::string>& goals, double now = std::nan(""));
  std::vector<ResourceRecommendation> recommend_resources(int count, const std::vector<std::string>& goals,
                                                          double now = std::nan(""));
  Explanation explain(const std::string& item, double now = std::nan(""));
  void adapt(int steps);
  /** Back to the model's prior (the catalogue stays). */
  void reset();
  /** The learner state (versioned JSON bytes of LearnerSession). */
  std::vector<uint8_t> export_state() const;
  /** Restores export_state() bytes; on any error the engine is unchanged. Responses on items the
   *  bank no longer has are kept in the history (they still inform the model). */
  void import_state(const std::vector<uint8_t>& bytes);

 private:
  std::vector<int> goal_indices(const std::vector<std::string>& goals) const;
  void rebuild_recent();

  ItemBank bank_;
  LearnerSession session_;
  Recommender recommender_;
  SessionLearnerView view_;
  double last_timestamp_ = -1e300;
};

}  // namespace metacog

// metacog/engine.hpp — one learner's adaptive-learning engine: learner model + item bank +
// recommender behind the calls of the JS API (design.md §3.1). The wasm layer only marshals this.
//
//     Engine e(LearnerSession::load_model(bytes, n), ItemBank::parse(bank_json));
//     e.observe("q17", true, 1700000000.0);          // seconds; adapts the fast weights
//     auto next = e.recommend({3});                   // [{item, p, skill, reason, ...}]
//     auto path = e.learning_path({goal_skill_index});
//     std::vector<uint8_t> saved = e.export_state();  // what the JS layer persists after each observe
//
// The learner model reaches the recommender through LearnerModelView (recommender_learner.hpp), which
// also holds the joint knowledge state when the model and bank allow it; export_state() is the
// session's document with that state as an extension (learner_session.hpp, version 4).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "metacog/item_bank.hpp"
#include "metacog/learner_session.hpp"
#include "metacog/recommender.hpp"
#include "metacog/recommender_learner.hpp"

namespace metacog {

class Engine {
 public:
  Engine(std::shared_ptr<const LearnerModel> model, ItemBank bank, RecommenderConfig config = {});
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const ItemBank& bank() const { return bank_; }
  const LearnerModel& model() const { return view_.session().model(); }
  int64_t num_responses() const { return view_.session().num_responses(); }
  /** The learner session behind the engine (catalogue, history, fast weights), read-only. */
  const LearnerSession& session() const { return view_.session(); }

  /** One answer (UnknownItem for an id not in the bank; InvalidArgument for a non-finite or
   *  decreasing timestamp). Adapts, then the view is refreshed. */
  void observe(const std::string& item, bool correct, double timestamp);
  /** Timestamp of the latest answer, −∞ before any: the least timestamp observe() accepts next. */
  double last_timestamp() const { return view_.last_timestamp(); }
  /** P(correct) of bank items (UnknownItem for any unknown id, nothing computed). */
  std::vector<double> predict(const std::vector<std::string>& items, double now = std::nan(""));
  /** Mastery of every bank skill, in bank order: P(mastered) as the recommender sees it — the
   *  prerequisite-aware joint filter's (learner_joint.hpp; also in `known`), else the per-skill
   *  filter's, else the model's success on a typical item calibrated by guess and slip (recommender_learner.hpp). */
  std::vector<SkillMastery> mastery(double now = std::nan(""));
  std::vector<Recommendation> recommend(const RecommendOptions& options);
  std::vector<PathStep> learning_path(const std::vector<std::string>& goals, double now = std::nan(""));
  std::vector<ResourceRecommendation> recommend_resources(int count, const std::vector<std::string>& goals,
                                                          double now = std::nan(""));
  Explanation explain(const std::string& item, double now = std::nan(""));
  void adapt(int steps);
  /** Back to the model's prior (the catalogue stays). */
  void reset();
  /** The learner state (versioned JSON bytes of LearnerSession). Updates the session's export cache:
   *  like every call on one engine, not to be made concurrently with another. */
  std::vector<uint8_t> export_state() const;
  /** Restores export_state() bytes; on any error the engine is unchanged. Responses on items the
   *  bank no longer has are kept in the history (they still inform the model). */
  void import_state(const std::vector<uint8_t>& bytes);

 private:
  std::vector<int> goal_indices(const std::vector<std::string>& goals) const;

  ItemBank bank_;
  LearnerModelView view_;
  Recommender recommender_;
};

}  // namespace metacog

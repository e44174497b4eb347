// The per-skill knowledge-state filter (see learner_knowledge.hpp for the maths).
#include "metacog/learner_knowledge.hpp"

#include <algorithm>
#include <string>

#include "metacog/error.hpp"

namespace metacog {

bool has_knowledge_filter(const LearnerModel& model) {
  return !model.mastery_prior.empty() && !model.mastery_learn.empty() && !model.mastery_guess.empty() &&
         !model.mastery_slip.empty();
}

int model_skill_row(const LearnerModel& model, const std::string& label) {
  const auto it = std::find(model.skill_labels.begin(), model.skill_labels.end(), label);
  return it == model.skill_labels.end() ? model.arch().num_skills : static_cast<int>(it - model.skill_labels.begin());
}

KnowledgeParams knowledge_params(const LearnerModel& model, int row) {
  require(has_knowledge_filter(model), ErrorCode::InvalidArgument, "knowledge filter: the model has no mastery.prior/learn");
  require(row >= 0 && row <= model.arch().num_skills, ErrorCode::InvalidArgument,
          "knowledge filter: skill row " + std::to_string(row) + " out of range");
  const size_t r = static_cast<size_t>(row);
  return {model.mastery_prior[r], model.mastery_learn[r], model.mastery_guess[r], model.mastery_slip[r]};
}

double knowledge_update(double known, bool correct, const KnowledgeParams& p) {
  const double k = std::min(1.0, std::max(0.0, known));
  const double a = k * (correct ? 1.0 - p.slip : p.slip);
  const double b = (1.0 - k) * (correct ? p.guess : 1.0 - p.guess);
  const double post = a + b > 0 ? a / (a + b) : k;
  return post + (1.0 - post) * p.learn;
}

}  // namespace metacog

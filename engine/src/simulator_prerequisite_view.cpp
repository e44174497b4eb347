// PrerequisiteAdaptiveView: the Recommender's view over the prerequisite-aware joint filter.
#include "metacog/simulator.hpp"

namespace metacog {

PrerequisiteAdaptiveView::PrerequisiteAdaptiveView(const ItemBank& bank, BktViewParams marginal, PrerequisiteKnowledgeParams joint)
    : bank_(&bank), record_(bank, std::move(marginal)), joint_(bank, std::move(joint)) {}

void PrerequisiteAdaptiveView::reset() {
  record_.reset();
  joint_.reset();
}

void PrerequisiteAdaptiveView::observe(int item, bool correct, double t) {
  joint_.observe(item, correct);  // validates the index before anything changes
  record_.observe(item, correct, t);
}

void PrerequisiteAdaptiveView::predict_items(double, double* p) {
  for (size_t i = 0; i < bank_->num_items(); ++i) p[i] = joint_.p_correct(static_cast<int>(i));
}

void PrerequisiteAdaptiveView::skill_mastery(double, double* m) {
  for (size_t s = 0; s < bank_->num_skills(); ++s) m[s] = joint_.p_known(static_cast<int>(s));
}

}  // namespace metacog

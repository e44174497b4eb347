// PrerequisiteAdaptiveView: the Recommender's view over the prerequisite-aware joint filter.
#include "metacog/simulator.hpp"

#include "metacog/numeric.hpp"

namespace metacog {

PrerequisiteAdaptiveView::PrerequisiteAdaptiveView(const ItemBank& bank, BktViewParams marginal, PrerequisiteKnowledgeParams joint)
    : bank_(&bank), offset_(marginal.item_offset), record_(bank, std::move(marginal)), joint_(bank, std::move(joint)) {
  if (offset_.empty()) offset_.assign(bank.num_items(), 0.0);
}

void PrerequisiteAdaptiveView::reset() {
  record_.reset();
  joint_.reset();
}

void PrerequisiteAdaptiveView::observe(int item, bool correct, double t) {
  joint_.observe(item, correct);  // validates the index before anything changes
  record_.observe(item, correct, t);
}

void PrerequisiteAdaptiveView::predict_items(double, double* p) {
  for (size_t i = 0; i < bank_->num_items(); ++i) {
    const double q = joint_.p_correct(static_cast<int>(i));
    const double d = offset_[i];
    p[i] = d == 0 ? q : sigmoid(logit(q) + d);
  }
}

void PrerequisiteAdaptiveView::skill_mastery(double, double* m) {
  for (size_t s = 0; s < bank_->num_skills(); ++s) m[s] = joint_.p_known(static_cast<int>(s));
}

}  // namespace metacog

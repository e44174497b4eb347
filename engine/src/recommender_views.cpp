// LearnerView implementations: SnapshotView (plain numbers) and BktLearnerView (see recommender.hpp).
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "metacog/error.hpp"
#include "metacog/numeric.hpp"
#include "metacog/recommender.hpp"

namespace metacog {

namespace {
constexpr int kRecentCapacity = 64;

}  // namespace

// ------------------------------------------------------------------ SnapshotView

SnapshotView::SnapshotView(const ItemBank& bank)
    : p(bank.num_items(), 0.5),
      mastery(bank.num_skills(), 0.0),
      attempt_count(bank.num_skills(), 0),
      seen(bank.num_skills(), std::nan("")),
      rate(bank.num_skills(), 0.1) {}

void SnapshotView::predict_items(double, double* out) { std::copy(p.begin(), p.end(), out); }
void SnapshotView::skill_mastery(double, double* out) { std::copy(mastery.begin(), mastery.end(), out); }

int SnapshotView::recent_items(int* out, int max) const {
  const int n = std::min(max, static_cast<int>(recent.size()));
  std::copy(recent.begin(), recent.begin() + n, out);
  return n;
}

const double* SnapshotView::skill_embedding(int skill) const {
  if (dim <= 0) return nullptr;
  return embedding.data() + static_cast<size_t>(skill) * static_cast<size_t>(dim);
}

// ------------------------------------------------------------------ BKT view

BktViewParams BktViewParams::uniform(const ItemBank& bank, const BktSkillParams& p) {
  BktViewParams v;
  v.skills.assign(bank.num_skills(), p);
  v.item_offset.assign(bank.num_items(), 0.0);
  return v;
}

BktLearnerView::BktLearnerView(const ItemBank& bank, BktViewParams params) : bank_(&bank), params_(std::move(params)) {
  require(params_.skills.size() == bank.num_skills(), ErrorCode::InvalidArgument,
          "BKT view: " + std::to_string(params_.skills.size()) + " skill parameter sets for a bank of " +
              std::to_string(bank.num_skills()) + " skills");
  if (params_.item_offset.empty()) params_.item_offset.assign(bank.num_items(), 0.0);
  require(params_.item_offset.size() == bank.num_items(), ErrorCode::InvalidArgument,
          "BKT view: item offsets do not match the bank's items");
  for (const BktSkillParams& p : params_.skills) {
    const bool ok = p.prior >= 0 && p.prior <= 1 && p.learn > 0 && p.learn < 1 && p.guess >= 0 && p.guess < 1 &&
                    p.slip >= 0 && p.slip < 1 && p.guess + p.slip < 1;
    require(ok, ErrorCode::InvalidArgument, "BKT view: parameters out of range (need 0 < learn < 1 and guess + slip < 1)");
  }
  for (double d : params_.item_offset) require(std::isfinite(d), ErrorCode::InvalidArgument, "BKT view: item offset is not finite");
  recent_.assign(kRecentCapacity, -1);
  reset();
}

void BktLearnerView::reset() {
  known_.resize(params_.skills.size());
  for (size_t s = 0; s < known_.size(); ++s) known_[s] = params_.skills[s].prior;
  last_.assign(known_.size(), std::nan(""));
  attempts_.assign(known_.size(), 0);
  recent_head_ = recent_size_ = 0;
}

void BktLearnerView::observe(int item, bool correct, double timestamp) {
  if (item < 0 || static_cast<size_t>(item) >= bank_->num_items()) {
    throw Error(ErrorCode::UnknownItem, "item index " + std::to_string(item) + " is not in the item bank");
  }
  for (int s : bank_->item(item).skills) {
    const BktSkillParams& q = params_.skills[static_cast<size_t>(s)];
    double& L = known_[static_cast<size_t>(s)];
    const double a = L * (correct ? 1 - q.slip : q.slip);
    const double b = (1 - L) * (correct ? q.guess : 1 - q.guess);
    L = a / (a + b);
    L = L + (1 - L) * q.learn;
    attempts_[static_cast<size_t>(s)] += 1;
    last_[static_cast<size_t>(s)] = timestamp;
  }
  recent_[static_cast<size_t>(recent_head_)] = item;
  recent_head_ = (recent_head_ + 1) % kRecentCapacity;
  recent_size_ = std::min(recent_size_ + 1, kRecentCapacity);
}

void BktLearnerView::predict_items(double, double* p) {
  for (size_t i = 0; i < bank_->num_items(); ++i) {
    const BankItem& it = bank_->item(static_cast<int>(i));
    double mean = 0;
    for (int s : it.skills) {
      const BktSkillParams& q = params_.skills[static_cast<size_t>(s)];
      mean += bkt_p_correct(known_[static_cast<size_t>(s)], q.guess, q.slip);
    }
    mean /= static_cast<double>(it.skills.size());
    const double d = params_.item_offset[i];
    p[i] = d == 0 ? mean : sigmoid(logit(mean) + d);
  }
}

void BktLearnerView::skill_mastery(double, double* m) { std::copy(known_.begin(), known_.end(), m); }

int BktLearnerView::recent_items(int* out, int max) const {
  const int n = std::min(max, recent_size_);
  for (int k = 0; k < n; ++k) out[k] = recent_[static_cast<size_t>((recent_head_ - 1 - k + kRecentCapacity) % kRecentCapacity)];
  return n;
}

}  // namespace metacog

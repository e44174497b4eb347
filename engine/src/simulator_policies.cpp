// Tutoring policies for the simulator (see simulator.hpp).
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "metacog/error.hpp"
#include "metacog/simulator.hpp"

namespace metacog {

namespace {

constexpr uint64_t kStreamPolicy = 0x9011'C7ULL;
constexpr int kNoRepeat = 5;  // random and bkt-mastery: the last few items are not given again

/** The last `kNoRepeat` items of a learner. */
struct RecentItems {
  int items[kNoRepeat] = {-1, -1, -1, -1, -1};
  int head = 0;
  void clear() { std::fill(std::begin(items), std::end(items), -1); }
  void push(int i) {
    items[head] = i;
    head = (head + 1) % kNoRepeat;
  }
  bool contains(int i) const { return std::find(std::begin(items), std::end(items), i) != std::end(items); }
};

/** Uniform choice from `pool`, avoiding recent items when possible. */
int pick_fresh(Pcg32& rng, const std::vector<int>& pool, const RecentItems& recent) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    const int i = pool[rng.uniform_int(static_cast<uint32_t>(pool.size()))];
    if (!recent.contains(i)) return i;
  }
  std::vector<int> fresh;
  for (int i : pool) {
    if (!recent.contains(i)) fresh.push_back(i);
  }
  const std::vector<int>& from = fresh.empty() ? pool : fresh;
  return from[rng.uniform_int(static_cast<uint32_t>(from.size()))];
}

class RandomPolicy : public Policy {
 public:
  explicit RandomPolicy(const ItemBank& bank) {
    for (size_t i = 0; i < bank.num_items(); ++i) all_.push_back(static_cast<int>(i));
    require(!all_.empty(), ErrorCode::InvalidArgument, "random policy: the item bank has no items");
  }
  std::string name() const override { return "random"; }
  void begin_learner(uint64_t seed) override {
    rng_ = Pcg32(seed, kStreamPolicy);
    recent_.clear();
  }
  int next_item(double) override { return pick_fresh(rng_, all_, recent_); }
  void observe(int item, bool, double) override { recent_.push(item); }

 private:
  std::vector<int> all_;
  Pcg32 rng_;
  RecentItems recent_;
};

class FixedPolicy : public Policy {
 public:
  FixedPolicy(const ItemBank& bank, int per_skill) {
    require(per_skill >= 1, ErrorCode::InvalidArgument, "fixed policy: items per skill must be ≥ 1");
    for (int s : bank.topological_order()) {
      std::vector<int> single;
      std::vector<int> items = bank.items_of_skill(s);
      if (items.empty()) continue;
      for (int i : items) {
        if (bank.item(i).skills.size() == 1) single.push_back(i);
      }
      const std::vector<int>& from_unsorted = single.empty() ? items : single;
      std::vector<int> from = from_unsorted;
      std::stable_sort(from.begin(), from.end(), [&](int a, int b) { return bank.item(a).difficulty < bank.item(b).difficulty; });
      // per_skill items spread evenly from the easiest to the hardest (cycling if the skill has fewer)
      const size_t m = from.size();
      std::vector<int> chosen;
      for (int k = 0; k < per_skill; ++k) {
        size_t idx = static_cast<size_t>(k) % m;
        if (static_cast<size_t>(per_skill) <= m && per_skill > 1) {
          idx = static_cast<size_t>(std::lround(k * static_cast<double>(m - 1) / (per_skill - 1)));
        }
        chosen.push_back(from[idx]);
      }
      std::stable_sort(chosen.begin(), chosen.end(), [&](int a, int b) { return bank.item(a).difficulty < bank.item(b).difficulty; });
      curriculum_.insert(curriculum_.end(), chosen.begin(), chosen.end());
    }
    require(!curriculum_.empty(), ErrorCode::InvalidArgument, "fixed policy: the item bank has no items");
  }
  std::string name() const override { return "fixed"; }
  void begin_learner(uint64_t) override { pos_ = 0; }
  int next_item(double) override { return curriculum_[pos_ % curriculum_.size()]; }
  void observe(int, bool, double) override { ++pos_; }

 private:
  std::vector<int> curriculum_;
  size_t pos_ = 0;
};

class BktMasteryPolicy : public Policy {
 public:
  BktMasteryPolicy(const ItemBank& bank, BktViewParams params, double threshold)
      : bank_(&bank), view_(bank, std::move(params)), threshold_(threshold) {
    require(threshold > 0 && threshold < 1, ErrorCode::InvalidArgument, "bkt-mastery policy: threshold must be in (0, 1)");
  }
  std::string name() const override { return "bkt-mastery"; }
  void begin_learner(uint64_t seed) override {
    view_.reset();
    rng_ = Pcg32(seed, kStreamPolicy);
    recent_.clear();
    current_ = -1;
  }
  int next_item(double) override {
    if (current_ < 0 || view_.p_known(current_) >= threshold_ || bank_->items_of_skill(current_).empty()) current_ = choose_skill();
    return pick_fresh(rng_, bank_->items_of_skill(current_), recent_);
  }
  void observe(int item, bool correct, double now) override {
    view_.observe(item, correct, now);
    recent_.push(item);
  }

 private:
  int choose_skill() const {
    int best_ready = -1, best_any = -1, lowest = -1;
    for (int s : bank_->topological_order()) {
      if (bank_->items_of_skill(s).empty()) continue;
      const double L = view_.p_known(s);
      if (lowest < 0 || L < view_.p_known(lowest)) lowest = s;
      if (L >= threshold_) continue;
      if (best_any < 0 || L < view_.p_known(best_any)) best_any = s;
      bool ready = true;
      for (int q : bank_->skill(s).prerequisites) ready = ready && view_.p_known(q) >= threshold_;
      if (ready && (best_ready < 0 || L < view_.p_known(best_ready))) best_ready = s;
    }
    return best_ready >= 0 ? best_ready : best_any >= 0 ? best_any : lowest;
  }

  const ItemBank* bank_;
  BktLearnerView view_;
  double threshold_;
  Pcg32 rng_;
  RecentItems recent_;
  int current_ = -1;
};

class RecommenderPolicy : public Policy {
 public:
  RecommenderPolicy(std::string name, const ItemBank& bank, std::unique_ptr<AdaptiveView> view, RecommenderConfig config)
      : name_(std::move(name)), view_(std::move(view)), rec_(bank, config) {
    require(view_ != nullptr, ErrorCode::InvalidArgument, "recommender policy: no learner view");
  }
  std::string name() const override { return name_; }
  void begin_learner(uint64_t) override { view_->reset(); }
  int next_item(double now) override {
    RecommendOptions o;
    o.now = now;
    return rec_.next_item(*view_, o);
  }
  void observe(int item, bool correct, double now) override { view_->observe(item, correct, now); }

 private:
  std::string name_;
  std::unique_ptr<AdaptiveView> view_;
  Recommender rec_;
};

}  // namespace

std::unique_ptr<Policy> make_random_policy(const ItemBank& bank) { return std::make_unique<RandomPolicy>(bank); }
std::unique_ptr<Policy> make_fixed_policy(const ItemBank& bank, int items_per_skill) {
  return std::make_unique<FixedPolicy>(bank, items_per_skill);
}
std::unique_ptr<Policy> make_bkt_mastery_policy(const ItemBank& bank, BktViewParams params, double threshold) {
  return std::make_unique<BktMasteryPolicy>(bank, std::move(params), threshold);
}
std::unique_ptr<Policy> make_recommender_policy(const std::string& name, const ItemBank& bank, std::unique_ptr<AdaptiveView> view,
                                                RecommenderConfig config) {
  return std::make_unique<RecommenderPolicy>(name, bank, std::move(view), config);
}

}  // namespace metacog

// IRT-1PL baseline (kt_baselines.hpp): joint MAP fit, online MAP ability.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "metacog/error.hpp"
#include "metacog/numeric.hpp"
#include "metacog/kt_baselines.hpp"

namespace metacog {

namespace {

/** log σ(z) if y else log(1 − σ(z)), stable. */
double log_lik(double z, bool y) {
  const double a = y ? -z : z;  // −log-lik = log(1 + e^a)
  return -(a > 0 ? a + std::log1p(std::exp(-a)) : std::log1p(std::exp(a)));
}

double clip_step(double d) { return std::max(-2.0, std::min(2.0, d)); }

/**
 * Online MAP ability: θ = argmax Σ_k [c_k log σ(θ + o_k) + (n_k − c_k) log(1 − σ(θ + o_k))] − θ²/(2σ²),
 * with the learner's answers grouped by item (offset o_k = c − b_k, n_k attempts, c_k correct).
 */
class IrtPredictor : public OnlinePredictor {
 public:
  explicit IrtPredictor(const IrtModel& model) : model_(model) {}

  void begin_learner() override {
    theta_ = 0.0;
    slot_.clear();
    offset_.clear();
    n_.clear();
    c_.clear();
  }

  double predict(const Response& next) override {
    return sigmoid(model_.intercept() + theta_ - model_.difficulty(next.item, next.skill));
  }

  void observe(const Response& r) override {
    // key: the item, or (for an unknown item) −2 − skill, so unknown items share their skill's fallback
    const int key = r.item != kUnknown ? r.item : -2 - r.skill;
    auto it = slot_.find(key);
    size_t k = 0;
    if (it == slot_.end()) {
      k = offset_.size();
      slot_.emplace(key, k);
      offset_.push_back(model_.intercept() - model_.difficulty(r.item, r.skill));
      n_.push_back(0.0);
      c_.push_back(0.0);
    } else {
      k = it->second;
    }
    n_[k] += 1.0;
    c_[k] += r.correct ? 1.0 : 0.0;
    const double inv_var = 1.0 / model_.params().ability_var;
    for (int step = 0; step < model_.params().online_newton_steps; ++step) {
      double g = -theta_ * inv_var, h = inv_var;
      for (size_t j = 0; j < offset_.size(); ++j) {
        const double p = sigmoid(theta_ + offset_[j]);
        g += c_[j] - n_[j] * p;
        h += n_[j] * p * (1.0 - p);
      }
      const double delta = clip_step(g / h);
      theta_ += delta;
      if (std::abs(delta) < 1e-6) break;
    }
  }

 private:
  const IrtModel& model_;
  double theta_ = 0.0;
  std::unordered_map<int, size_t> slot_;
  std::vector<double> offset_, n_, c_;
};

}  // namespace

IrtModel IrtModel::fit(const KtDataset& train, const IrtParams& params) {
  require(params.item_l2 > 0 && params.ability_var > 0, ErrorCode::InvalidArgument,
          "IrtModel: item_l2 and ability_var must be > 0");
  IrtModel m;
  m.params_ = params;
  const int I = train.num_items;
  const int U = static_cast<int>(train.learners.size());
  std::vector<double> b(I, 0.0), theta(U, 0.0);
  // responses with a known item, grouped by learner
  struct Obs {
    int item;
    bool y;
  };
  std::vector<std::vector<Obs>> obs(U);
  double n_total = 0, c_total = 0;
  for (int u = 0; u < U; ++u) {
    for (const Response& r : train.learners[u].responses) {
      if (r.item == kUnknown) continue;
      obs[u].push_back({r.item, r.correct});
      n_total += 1;
      c_total += r.correct ? 1 : 0;
    }
  }
  double c = n_total > 0 ? std::log((c_total + 0.5) / (n_total - c_total + 0.5)) : 0.0;
  const double inv_var = 1.0 / params.ability_var;
  std::vector<double> gb(I), hb(I);
  double prev = -std::numeric_limits<double>::infinity();
  int sweep = 0;
  for (; sweep < params.max_sweeps; ++sweep) {
    // objective at the current parameters + the θ block (each θ_u independent given b, c)
    double obj = 0.0;
    for (int u = 0; u < U; ++u) {
      double g = -theta[u] * inv_var, h = inv_var;
      for (const Obs& o : obs[u]) {
        const double z = c + theta[u] - b[o.item];
        obj += log_lik(z, o.y);
        const double p = sigmoid(z);
        g += (o.y ? 1.0 : 0.0) - p;
        h += p * (1.0 - p);
      }
      obj -= 0.5 * theta[u] * theta[u] * inv_var;
      theta[u] += clip_step(g / h);
    }
    for (int i = 0; i < I; ++i) obj -= 0.5 * params.item_l2 * b[i] * b[i];
    // b block: ∂/∂b_i = −Σ(y − p) − λ b_i
    for (int i = 0; i < I; ++i) {
      gb[i] = -params.item_l2 * b[i];
      hb[i] = params.item_l2;
    }
    for (int u = 0; u < U; ++u) {
      for (const Obs& o : obs[u]) {
        const double p = sigmoid(c + theta[u] - b[o.item]);
        gb[o.item] -= (o.y ? 1.0 : 0.0) - p;
        hb[o.item] += p * (1.0 - p);
      }
    }
    for (int i = 0; i < I; ++i) b[i] += clip_step(gb[i] / hb[i]);
    // intercept
    double gc = 0.0, hc = 1e-12;
    for (int u = 0; u < U; ++u) {
      for (const Obs& o : obs[u]) {
        const double p = sigmoid(c + theta[u] - b[o.item]);
        gc += (o.y ? 1.0 : 0.0) - p;
        hc += p * (1.0 - p);
      }
    }
    c += clip_step(gc / hc);
    if (obj - prev < params.tol * std::max(1.0, n_total)) {
      ++sweep;
      break;
    }
    prev = obj;
  }
  m.sweeps_ = sweep;
  m.difficulty_ = b;
  m.intercept_ = c;
  // fallback difficulties for unknown items: mean b of the (distinct) items seen with each skill
  std::vector<char> item_seen(I, 0);
  std::vector<double> skill_sum(train.num_skills, 0.0), skill_cnt(train.num_skills, 0.0);
  std::vector<std::unordered_map<int, char>> skill_items(train.num_skills);
  for (const LearnerLog& l : train.learners) {
    for (const Response& r : l.responses) {
      if (r.item == kUnknown) continue;
      item_seen[r.item] = 1;
      if (r.skill != kUnknown && skill_items[r.skill].emplace(r.item, 1).second) {
        skill_sum[r.skill] += b[r.item];
        skill_cnt[r.skill] += 1;
      }
    }
  }
  double sum = 0, cnt = 0;
  for (int i = 0; i < I; ++i) {
    if (item_seen[i]) {
      sum += b[i];
      cnt += 1;
    }
  }
  m.mean_difficulty_ = cnt > 0 ? sum / cnt : 0.0;
  m.skill_difficulty_.assign(train.num_skills, m.mean_difficulty_);
  for (int s = 0; s < train.num_skills; ++s) {
    if (skill_cnt[s] > 0) m.skill_difficulty_[s] = skill_sum[s] / skill_cnt[s];
  }
  return m;
}

double IrtModel::difficulty(int item, int skill) const {
  if (item >= 0 && item < static_cast<int>(difficulty_.size())) return difficulty_[item];
  if (skill >= 0 && skill < static_cast<int>(skill_difficulty_.size())) return skill_difficulty_[skill];
  return mean_difficulty_;
}

std::string IrtModel::describe() const {
  std::ostringstream s;
  s.precision(6);
  s << "{\"model\":\"irt\",\"item_l2\":" << params_.item_l2 << ",\"ability_var\":" << params_.ability_var
    << ",\"intercept\":" << intercept_ << ",\"sweeps\":" << sweeps_ << "}";
  return s.str();
}

std::unique_ptr<OnlinePredictor> IrtModel::make_predictor() const { return std::make_unique<IrtPredictor>(*this); }

}  // namespace metacog

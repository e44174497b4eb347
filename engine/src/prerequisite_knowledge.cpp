// Exact joint knowledge filter over the prerequisite graph (maths in prerequisite_knowledge.hpp).
#include "metacog/prerequisite_knowledge.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "metacog/error.hpp"

namespace metacog {

namespace {

constexpr double kMinProbability = 1e-9;

/** Calls f(m) for every state m ⊇ need (m over S bits). */
template <class F>
void for_each_superset(uint32_t need, uint32_t all, F&& f) {
  const uint32_t free = all & ~need;
  for (uint32_t sub = free;; sub = (sub - 1) & free) {
    f(sub | need);
    if (sub == 0) break;
  }
}

}  // namespace

PrerequisiteKnowledgeFilter::PrerequisiteKnowledgeFilter(const ItemBank& bank, PrerequisiteKnowledgeParams params)
    : bank_(&bank), params_(std::move(params)), skills_(static_cast<int>(bank.num_skills())) {
  require(skills_ <= kMaxSkills, ErrorCode::InvalidArgument,
          "prerequisite knowledge filter: the bank has " + std::to_string(skills_) + " skills; exact joint inference is limited to " +
              std::to_string(kMaxSkills));
  require(params_.skills.size() == bank.num_skills(), ErrorCode::InvalidArgument,
          "prerequisite knowledge filter: " + std::to_string(params_.skills.size()) + " skill parameter sets for a bank of " +
              std::to_string(skills_) + " skills");
  require(params_.rho > 0 && params_.rho <= 1, ErrorCode::InvalidArgument, "prerequisite knowledge filter: rho must be in (0, 1]");
  for (const BktSkillParams& p : params_.skills) {
    const bool ok = p.prior >= 0 && p.prior <= 1 && p.learn >= 0 && p.learn <= 1 && p.guess > 0 && p.slip > 0 && p.guess + p.slip < 1;
    require(ok, ErrorCode::InvalidArgument,
            "prerequisite knowledge filter: parameters out of range (need prior, learn in [0, 1], guess, slip > 0, guess + slip < 1)");
  }
  item_guess_.assign(bank.num_items(), 0.0);
  item_slip_.assign(bank.num_items(), 0.0);
  for (size_t i = 0; i < bank.num_items(); ++i) {
    const std::vector<int>& sk = bank.item(static_cast<int>(i)).skills;
    for (int s : sk) {
      item_guess_[i] += params_.skills[static_cast<size_t>(s)].guess / static_cast<double>(sk.size());
      item_slip_[i] += params_.skills[static_cast<size_t>(s)].slip / static_cast<double>(sk.size());
    }
  }
  prereq_mask_.assign(static_cast<size_t>(skills_), 0);
  for (int s = 0; s < skills_; ++s) {
    for (int p : bank.skill(s).prerequisites) prereq_mask_[static_cast<size_t>(s)] |= 1u << p;
  }
  reset();
}

void PrerequisiteKnowledgeFilter::build_prior() {
  // The prior P(K) = Π_s Bernoulli(K_s; L₀_s·r_s(K)), built by doubling along the topological order
  // t_0, t_1, …: after placing t_0..t_{k−1}, w_[m] holds the product over them for every m made of
  // their bits (a submask of `placed`); placing t_k, whose prerequisites are all placed, splits each
  // such entry into m (K_t = 0) and m | bit (K_t = 1). 2^S products instead of S·2^S; every entry is
  // written once all skills are placed, so nothing needs clearing first. The factors are multiplied
  // in topological order (file order for a bank written in dependency order).
  w_.resize(size_t{1} << skills_);
  w_[0] = 1.0;
  uint32_t placed = 0;
  for (int s : bank_->topological_order()) {
    const uint32_t pre = prereq_mask_[static_cast<size_t>(s)];
    const uint32_t bit = 1u << s;
    const double q_met = params_.skills[static_cast<size_t>(s)].prior;
    const double q_unmet = q_met * params_.rho;
    for (uint32_t sub = placed;; sub = (sub - 1) & placed) {
      const double q = (sub & pre) == pre ? q_met : q_unmet;
      const double w = w_[sub];
      w_[sub | bit] = w * q;
      w_[sub] = w * (1 - q);
      if (sub == 0) break;
    }
    placed |= bit;
  }
}

void PrerequisiteKnowledgeFilter::reset() {
  build_prior();
  update_marginals();
}

uint32_t PrerequisiteKnowledgeFilter::item_mask(int item) const {
  if (item < 0 || static_cast<size_t>(item) >= bank_->num_items()) {
    throw Error(ErrorCode::UnknownItem, "item index " + std::to_string(item) + " is not in the item bank");
  }
  uint32_t need = 0;
  for (int s : bank_->item(item).skills) need |= 1u << s;
  return need;
}

void PrerequisiteKnowledgeFilter::observe(int item, bool correct) {
  const uint32_t need = item_mask(item);
  const BankItem& it = bank_->item(item);
  const double guess = item_guess_[static_cast<size_t>(item)], slip = item_slip_[static_cast<size_t>(item)];
  // evidence: w(K) ∝ w(K)·P(y | K)
  const double like_known = correct ? 1 - slip : slip;
  const double like_unknown = correct ? guess : 1 - guess;
  const size_t n = w_.size();
  const uint32_t all = static_cast<uint32_t>(n - 1);
  double z = 0;
  for (uint32_t m = 0; m <= all; ++m) z += w_[m] *= (m & need) == need ? like_known : like_unknown;
  for (double& w : w_) w /= z;
  // learning: each unknown practised skill s is learned w.p. T_s·r_s(m), r_s read from the source state m
  // (the state before this answer's learning, as the simulator does)
  if (it.skills.size() == 1) {
    const int s = it.skills[0];
    const uint32_t bit = 1u << s, pre = prereq_mask_[static_cast<size_t>(s)];
    const double t = params_.skills[static_cast<size_t>(s)].learn;
    for_each_superset(0, all & ~bit, [&](uint32_t m) {
      const double r = (m & pre) == pre ? 1.0 : params_.rho;
      const double moved = w_[m] * t * r;
      w_[m] -= moved;
      w_[m | bit] += moved;
    });
  } else {
    std::vector<double>& next = next_;  // sized once; no allocation per answer
    next.assign(n, 0.0);
    for (uint32_t m = 0; m <= all; ++m) {
      if (w_[m] == 0) continue;
      // enumerate which unknown practised skills are learned (≤ 2^4 outcomes)
      uint32_t unknown = need & ~m;
      double p_learn[ItemBank::kMaxSkillsPerItem];
      int bits[ItemBank::kMaxSkillsPerItem];
      int u = 0;
      for (int s : it.skills) {
        if (!(unknown >> s & 1u)) continue;
        const uint32_t pre = prereq_mask_[static_cast<size_t>(s)];
        p_learn[u] = params_.skills[static_cast<size_t>(s)].learn * ((m & pre) == pre ? 1.0 : params_.rho);
        bits[u++] = s;
      }
      for (uint32_t outcome = 0; outcome < (1u << u); ++outcome) {
        double p = 1;
        uint32_t to = m;
        for (int k = 0; k < u; ++k) {
          if (outcome >> k & 1u) {
            p *= p_learn[k];
            to |= 1u << bits[k];
          } else {
            p *= 1 - p_learn[k];
          }
        }
        next[to] += w_[m] * p;
      }
    }
    w_.swap(next);
  }
  update_marginals();
}

void PrerequisiteKnowledgeFilter::update_marginals() {
  // halving (header): cur holds w with the bits above j summed out, 2^(j+1) entries
  marginal_.assign(static_cast<size_t>(skills_), 0.0);
  all_known_.clear();
  if (skills_ == 0) return;
  size_t half = w_.size() / 2;
  if (next_.size() < half) next_.resize(half);  // scratch (never shrunk: a full-size next_ stays)
  double* fold = next_.data();
  const double* cur = w_.data();
  for (int j = skills_ - 1; j >= 0; --j, half /= 2) {
    double a = 0;
    for (size_t k = 0; k < half; ++k) {
      a += cur[half + k];
      fold[k] = cur[k] + cur[half + k];  // in place once cur is fold: k < half reads before it writes
    }
    marginal_[static_cast<size_t>(j)] = std::clamp(a, 0.0, 1.0);
    cur = fold;
  }
}

double PrerequisiteKnowledgeFilter::learning_rate(int skill) const {
  require(skill >= 0 && skill < skills_, ErrorCode::InvalidArgument, "prerequisite knowledge filter: skill index out of range");
  const uint32_t bit = 1u << skill, pre = prereq_mask_[static_cast<size_t>(skill)];
  double a = 0, z = 0;
  for_each_superset(0, static_cast<uint32_t>(w_.size() - 1) & ~bit, [&](uint32_t m) {
    a += w_[m] * ((m & pre) == pre ? 1.0 : params_.rho);
    z += w_[m];
  });
  return params_.skills[static_cast<size_t>(skill)].learn * (z > 0 ? a / z : 1.0);
}

void PrerequisiteKnowledgeFilter::product_into_next(const std::vector<double>& k) {
  // built bit by bit: the product over bits < s doubled into bits ≤ s
  std::vector<double>& p = next_;
  p.assign(w_.size(), 0.0);
  p[0] = 1;
  for (int s = 0; s < skills_; ++s) {
    const size_t block = size_t{1} << s;
    for (size_t m = 0; m < block; ++m) {
      p[m | block] = p[m] * k[static_cast<size_t>(s)];
      p[m] *= 1 - k[static_cast<size_t>(s)];
    }
  }
}

void PrerequisiteKnowledgeFilter::mix_independent(double eta) {
  if (eta <= 0) return;
  std::vector<double> k = marginal_;  // within [η, 1 − η]: the mixture keeps every state possible
  for (double& x : k) x = std::clamp(x, eta, 1 - eta);
  product_into_next(k);
  for (size_t m = 0; m < w_.size(); ++m) w_[m] = (1 - eta) * w_[m] + eta * next_[m];
  update_marginals();
}

bool PrerequisiteKnowledgeFilter::compact(size_t keep, double coverage, double eta, Snapshot* out) {
  require(keep >= 1, ErrorCode::InvalidArgument, "prerequisite knowledge filter: compaction must keep at least one state");
  // a total order (probability, then the lower index first), so the kept set is unique
  const auto before = [&](uint32_t a, uint32_t b) { return w_[a] > w_[b] || (w_[a] == w_[b] && a < b); };
  std::vector<uint32_t>& order = order_;
  order.resize(w_.size());
  for (uint32_t m = 0; m < order.size(); ++m) order[m] = m;
  keep = std::min(keep, order.size());
  if (keep < order.size()) std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(), before);
  order.resize(keep);
  std::sort(order.begin(), order.end(), before);
  if (coverage > 0) {
    double held = 0;
    size_t n = 0;
    while (n < order.size() && held < coverage) held += w_[order[n++]];
    if (held < coverage) return false;
    order.resize(n);
  }
  std::sort(order.begin(), order.end());
  Snapshot snap;
  snap.states = order;
  snap.mass.reserve(order.size());
  for (uint32_t m : order) snap.mass.push_back(static_cast<float>(w_[m]));
  restore(snap, eta);
  if (out) *out = std::move(snap);
  return true;
}

void PrerequisiteKnowledgeFilter::restore(const Snapshot& snap, double eta) {
  require(snap.states.size() == snap.mass.size(), ErrorCode::InvalidArgument, "prerequisite knowledge snapshot: states and mass differ in length");
  require(eta >= 0 && eta <= 0.5, ErrorCode::InvalidArgument, "prerequisite knowledge snapshot: eta must be in [0, 1/2]");
  double z = 0;
  for (size_t k = 0; k < snap.states.size(); ++k) {
    require(snap.states[k] < w_.size() && (k == 0 || snap.states[k] > snap.states[k - 1]), ErrorCode::InvalidArgument,
            "prerequisite knowledge snapshot: states must be ascending and below 2^" + std::to_string(skills_));
    const float x = snap.mass[k];
    require(std::isfinite(x) && x >= 0, ErrorCode::InvalidArgument, "prerequisite knowledge snapshot: mass must be finite and ≥ 0");
    z += x;
  }
  require(z > 0, ErrorCode::InvalidArgument, "prerequisite knowledge snapshot: no positive mass");
  std::fill(w_.begin(), w_.end(), 0.0);
  for (size_t k = 0; k < snap.states.size(); ++k) w_[snap.states[k]] = static_cast<double>(snap.mass[k]) / z;
  update_marginals();
  mix_independent(eta);
}

void PrerequisiteKnowledgeFilter::set_independent(const std::vector<double>& known) {
  require(known.size() == static_cast<size_t>(skills_), ErrorCode::InvalidArgument,
          "prerequisite knowledge filter: one marginal per skill is needed");
  for (double k : known) require(k >= 0 && k <= 1, ErrorCode::InvalidArgument, "prerequisite knowledge filter: marginals must be in [0, 1]");
  product_into_next(known);
  w_.swap(next_);
  update_marginals();
}

double PrerequisiteKnowledgeFilter::p_all_known(int item) const {
  const uint32_t need = item_mask(item);
  const auto& sk = bank_->item(item).skills;
  if (sk.size() == 1) return marginal_[static_cast<size_t>(sk[0])];
  for (const auto& [mask, value] : all_known_) {
    if (mask == need) return value;
  }
  double a = 0;
  for_each_superset(need, static_cast<uint32_t>(w_.size() - 1), [&](uint32_t m) { a += w_[m]; });
  all_known_.emplace_back(need, std::clamp(a, 0.0, 1.0));
  return all_known_.back().second;
}

double PrerequisiteKnowledgeFilter::p_correct(int item) const {
  const double all = p_all_known(item);  // validates the index
  return bkt_p_correct(all, item_guess_[static_cast<size_t>(item)], item_slip_[static_cast<size_t>(item)]);
}

PrerequisiteKnowledgeParams conditional_prerequisite_params(const ItemBank& bank, const std::vector<BktSkillParams>& marginal,
                                                            double rho) {
  require(marginal.size() == bank.num_skills(), ErrorCode::InvalidArgument,
          "prerequisite knowledge: marginal parameters do not match the bank's skills");
  PrerequisiteKnowledgeParams q;
  q.skills = marginal;
  q.rho = rho;
  std::vector<double> prior_marginal(bank.num_skills(), 0.0);
  for (int s : bank.topological_order()) {
    double pi = 1;
    for (int p : bank.skill(s).prerequisites) pi *= prior_marginal[static_cast<size_t>(p)];
    const double c = pi + rho * (1 - pi);
    BktSkillParams& k = q.skills[static_cast<size_t>(s)];
    k.prior = std::min(0.99, k.prior / c);
    k.learn = std::min(0.9, k.learn / c);
    prior_marginal[static_cast<size_t>(s)] = k.prior * c;
  }
  return q;
}

double prerequisite_log_likelihood(const ItemBank& bank, const KtDataset& logs, const PrerequisiteKnowledgeParams& params) {
  PrerequisiteKnowledgeFilter f(bank, params);
  double ll = 0;
  int64_t n = 0;
  for (const LearnerLog& learner : logs.learners) {
    f.reset();
    for (const Response& r : learner.responses) {
      const double p = std::clamp(f.p_correct(r.item), kMinProbability, 1 - kMinProbability);
      ll += r.correct ? std::log(p) : std::log(1 - p);
      ++n;
      f.observe(r.item, r.correct);
    }
  }
  return n > 0 ? ll / static_cast<double>(n) : 0.0;
}

PrerequisiteKnowledgeParams fit_prerequisite_knowledge(const ItemBank& bank, const KtDataset& logs,
                                                       const std::vector<BktSkillParams>& marginal, std::vector<double> rho_grid,
                                                       double* log_likelihood) {
  if (rho_grid.empty()) rho_grid = {0.1, 0.2, 0.3, 0.5, 0.7, 1.0};
  std::sort(rho_grid.begin(), rho_grid.end());
  PrerequisiteKnowledgeParams best;
  double best_ll = -std::numeric_limits<double>::infinity();
  for (double rho : rho_grid) {
    PrerequisiteKnowledgeParams q = conditional_prerequisite_params(bank, marginal, rho);
    const double ll = prerequisite_log_likelihood(bank, logs, q);
    if (ll >= best_ll) {
      best_ll = ll;
      best = std::move(q);
    }
  }
  if (log_likelihood) *log_likelihood = best_ll;
  return best;
}

}  // namespace metacog

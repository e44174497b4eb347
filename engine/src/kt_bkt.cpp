// Bayesian Knowledge Tracing baseline (kt_baselines.hpp): EM per skill, forward filtering online.
//
// Two hidden states, 0 = not mastered, 1 = mastered; no forgetting.
//   start  π = (1 − L₀, L₀);   transition A = [[1 − T, T], [0, 1]]
//   emission e₀(y) = G^y (1 − G)^(1−y),  e₁(y) = (1 − S)^y S^(1−y)
// E-step: scaled forward–backward per sequence; M-step:
//   L₀ = Σ γ₁(1) / #seq,  T = Σ ξ(0→1) / Σ_{t<n} γ_t(0),  G = Σ_{y=1} γ_t(0) / Σ γ_t(0),
//   S = Σ_{y=0} γ_t(1) / Σ γ_t(1)
// With prior_count a > 0 each ratio gets a pseudo-counts a·q / a toward the pooled skill q (MAP-EM).
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "metacog/error.hpp"
#include "metacog/kt_baselines.hpp"
#include "metacog/rng.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace metacog {

namespace {

constexpr double kEps = 1e-4;

BktSkillParams clamp(BktSkillParams p, double bound) {
  p.prior = std::min(std::max(p.prior, kEps), 1.0 - kEps);
  p.learn = std::min(std::max(p.learn, kEps), 1.0 - kEps);
  p.guess = std::min(std::max(p.guess, kEps), bound);
  p.slip = std::min(std::max(p.slip, kEps), bound);
  return p;
}

double emit(int state, int y, const BktSkillParams& p) {
  if (state == 0) return y ? p.guess : 1.0 - p.guess;
  return y ? 1.0 - p.slip : p.slip;
}

struct Accum {
  double l0 = 0, nseq = 0, t_num = 0, t_den = 0, g_num = 0, g_den = 0, s_num = 0, s_den = 0, loglik = 0;
};

/** E-step of one sequence, adding its expected counts to acc. a0/a1/c are scratch buffers. */
void e_step(const std::vector<int>& y, const BktSkillParams& p, Accum& acc, std::vector<double>& a0,
            std::vector<double>& a1, std::vector<double>& c) {
  const size_t n = y.size();
  if (n == 0) return;
  a0.resize(n);
  a1.resize(n);
  c.resize(n);
  // forward (filtered, scaled): a_t(s) = P(L_t = s | y_1..t)
  double f0 = (1.0 - p.prior) * emit(0, y[0], p), f1 = p.prior * emit(1, y[0], p);
  c[0] = f0 + f1;
  a0[0] = f0 / c[0];
  a1[0] = f1 / c[0];
  for (size_t t = 1; t < n; ++t) {
    f0 = a0[t - 1] * (1.0 - p.learn) * emit(0, y[t], p);
    f1 = (a0[t - 1] * p.learn + a1[t - 1]) * emit(1, y[t], p);
    c[t] = f0 + f1;
    a0[t] = f0 / c[t];
    a1[t] = f1 / c[t];
  }
  for (size_t t = 0; t < n; ++t) acc.loglik += std::log(c[t]);
  // backward (scaled by the same c), accumulating γ and ξ on the fly from the end
  double b0 = 1.0, b1 = 1.0;
  for (size_t tt = n; tt-- > 0;) {
    const double g0 = a0[tt] * b0, g1 = a1[tt] * b1;  // γ_t(s); g0 + g1 = 1
    acc.g_den += g0;
    acc.s_den += g1;
    if (y[tt]) acc.g_num += g0; else acc.s_num += g1;
    if (tt == 0) {
      acc.l0 += g1;
    } else {
      // ξ_{t−1}(0→1) and the transition denominator use γ_{t−1}(0); β_{t−1} from β_t
      const double e0 = emit(0, y[tt], p), e1 = emit(1, y[tt], p);
      acc.t_num += a0[tt - 1] * p.learn * e1 * b1 / c[tt];
      const double nb0 = ((1.0 - p.learn) * e0 * b0 + p.learn * e1 * b1) / c[tt];
      const double nb1 = e1 * b1 / c[tt];
      acc.t_den += a0[tt - 1] * nb0;
      b0 = nb0;
      b1 = nb1;
    }
  }
  acc.nseq += 1;
}

BktSkillParams m_step(const Accum& a, const BktSkillParams& old, const BktParams& hp, const BktSkillParams* q) {
  const double k = q ? hp.prior_count : 0.0;
  BktSkillParams p = old;
  const BktSkillParams pull = q ? *q : old;
  if (a.nseq + k > 0) p.prior = (a.l0 + k * pull.prior) / (a.nseq + k);
  if (a.t_den + k > 0) p.learn = (a.t_num + k * pull.learn) / (a.t_den + k);
  if (a.g_den + k > 0) p.guess = (a.g_num + k * pull.guess) / (a.g_den + k);
  if (a.s_den + k > 0) p.slip = (a.s_num + k * pull.slip) / (a.s_den + k);
  return clamp(p, hp.max_guess_slip);
}

std::string num(double x) {
  std::ostringstream s;
  s.precision(6);
  s << x;
  return s.str();
}

class BktPredictor : public OnlinePredictor {
 public:
  explicit BktPredictor(const BktModel& model, int num_skills)
      : model_(model), mastery_(num_skills + 1, 0.0), seen_(num_skills + 1, 0) {}

  void begin_learner() override {
    for (int s : touched_) seen_[s] = 0;
    touched_.clear();
  }

  // p(y = 1) = P(L)(1 − S) + (1 − P(L)) G
  double predict(const Response& next) override {
    const BktSkillParams& p = model_.skill(next.skill);
    const double L = mastery(slot(next.skill), p);
    return bkt_p_correct(L, p.guess, p.slip);
  }

  void observe(const Response& r) override {
    const BktSkillParams& p = model_.skill(r.skill);
    const int k = slot(r.skill);
    const double L = mastery(k, p);
    // posterior P(L | y), then the learning transition
    const double known = L * (r.correct ? 1.0 - p.slip : p.slip);
    const double unknown = (1.0 - L) * (r.correct ? p.guess : 1.0 - p.guess);
    const double post = known / (known + unknown);
    mastery_[k] = post + (1.0 - post) * p.learn;
    if (!seen_[k]) {
      seen_[k] = 1;
      touched_.push_back(k);
    }
  }

 private:
  // all unknown skills share the last slot (one state at the pooled parameters)
  int slot(int skill) const {
    const int last = static_cast<int>(mastery_.size()) - 1;
    return skill >= 0 && skill < last ? skill : last;
  }
  double mastery(int k, const BktSkillParams& p) const { return seen_[k] ? mastery_[k] : p.prior; }

  const BktModel& model_;
  std::vector<double> mastery_;
  std::vector<char> seen_;
  std::vector<int> touched_;
};

}  // namespace

BktSkillParams fit_bkt_skill(const std::vector<std::vector<int>>& sequences, const BktParams& hp, uint64_t stream,
                             const BktSkillParams* pull_toward, double* log_likelihood) {
  require(hp.max_guess_slip > kEps && hp.max_guess_slip < 0.5, ErrorCode::InvalidArgument,
          "BKT: max_guess_slip must be in (0, 0.5)");
  require(hp.restarts >= 1 && hp.max_iter >= 1, ErrorCode::InvalidArgument, "BKT: restarts and max_iter must be ≥ 1");
  int64_t n_resp = 0;
  for (const auto& s : sequences) n_resp += static_cast<int64_t>(s.size());
  const BktSkillParams* q = hp.prior_count > 0 ? pull_toward : nullptr;
  if (n_resp == 0) {
    if (log_likelihood) *log_likelihood = 0.0;
    return pull_toward ? *pull_toward : clamp(BktSkillParams{}, hp.max_guess_slip);
  }
  Pcg32 rng(hp.seed, stream);
  std::vector<double> a0, a1, c;
  BktSkillParams best;
  double best_ll = -std::numeric_limits<double>::infinity();
  for (int r = 0; r < hp.restarts; ++r) {
    BktSkillParams p;  // restart 0: the textbook start; others random
    if (r > 0) {
      p.prior = rng.uniform_double() * 0.8 + 0.1;
      p.learn = rng.uniform_double() * 0.3 + 0.01;
      p.guess = rng.uniform_double() * hp.max_guess_slip;
      p.slip = rng.uniform_double() * hp.max_guess_slip;
    }
    p = clamp(p, hp.max_guess_slip);
    double prev = -std::numeric_limits<double>::infinity(), ll = prev;
    for (int it = 0; it < hp.max_iter; ++it) {
      Accum acc;
      for (const auto& s : sequences) e_step(s, p, acc, a0, a1, c);
      ll = acc.loglik;  // likelihood of p (before this M-step)
      const BktSkillParams next = m_step(acc, p, hp, q);
      if (ll - prev < hp.tol * static_cast<double>(n_resp) && it > 0) break;
      prev = ll;
      p = next;
    }
    if (ll > best_ll) {
      best_ll = ll;
      best = p;
    }
  }
  if (log_likelihood) *log_likelihood = best_ll;
  return best;
}

BktModel BktModel::fit(const KtDataset& train, const BktParams& params, int threads) {
  const int S = train.num_skills;
  // per-skill sequences: each learner's answers on that skill, in order
  std::vector<std::vector<std::vector<int>>> seqs(S);
  std::vector<std::vector<int>> pooled_seqs, unknown_seqs;
  std::vector<int> last_learner(S, -1);
  for (size_t u = 0; u < train.learners.size(); ++u) {
    std::vector<int> unknown;
    for (const Response& r : train.learners[u].responses) {
      if (r.skill == kUnknown) {
        unknown.push_back(r.correct ? 1 : 0);
        continue;
      }
      if (last_learner[r.skill] != static_cast<int>(u)) {
        last_learner[r.skill] = static_cast<int>(u);
        seqs[r.skill].emplace_back();
      }
      seqs[r.skill].back().push_back(r.correct ? 1 : 0);
    }
    if (!unknown.empty()) pooled_seqs.push_back(std::move(unknown));
  }
  for (int s = 0; s < S; ++s) pooled_seqs.insert(pooled_seqs.end(), seqs[s].begin(), seqs[s].end());
  BktModel m;
  m.params_ = params;
  m.pooled_ = fit_bkt_skill(pooled_seqs, params, 0xB17u, nullptr, nullptr);
  m.skills_.assign(S, m.pooled_);
  m.has_data_.assign(S, 0);
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(std::max(1, threads))
#else
  (void)threads;
#endif
  for (int s = 0; s < S; ++s) {
    if (seqs[s].empty()) continue;
    m.skills_[s] = fit_bkt_skill(seqs[s], params, static_cast<uint64_t>(s) + 1, &m.pooled_, nullptr);
    m.has_data_[s] = 1;
  }
  return m;
}

const BktSkillParams& BktModel::skill(int skill) const {
  if (skill >= 0 && skill < static_cast<int>(skills_.size())) return skills_[skill];
  return pooled_;
}

std::string BktModel::describe() const {
  int fitted = 0;
  for (char h : has_data_) fitted += h ? 1 : 0;
  return "{\"model\":\"bkt\",\"max_guess_slip\":" + num(params_.max_guess_slip) + ",\"prior_count\":" +
         num(params_.prior_count) + ",\"restarts\":" + std::to_string(params_.restarts) + ",\"skills_fitted\":" +
         std::to_string(fitted) + ",\"pooled\":{\"prior\":" + num(pooled_.prior) + ",\"learn\":" + num(pooled_.learn) +
         ",\"guess\":" + num(pooled_.guess) + ",\"slip\":" + num(pooled_.slip) + "}}";
}

std::unique_ptr<OnlinePredictor> BktModel::make_predictor() const {
  return std::make_unique<BktPredictor>(*this, static_cast<int>(skills_.size()));
}

}  // namespace metacog

// metacog/kt_baselines.hpp — the classic knowledge-tracing baselines, each fitted on train
// learners and run through the same online protocol (kt_protocol.hpp) as the learner model.
//
//     metacog::KtDataset train = metacog::load_kt_file(".../assist2009_updated_train.csv");
//     metacog::KtLoadOptions opt; opt.vocabulary = &train;
//     metacog::KtDataset test = metacog::load_kt_file(".../assist2009_updated_test.csv", opt);
//     metacog::KtTuningReport report;
//     auto bkt = metacog::fit_kt_baseline("bkt", train, {}, &report);   // hyper-parameters chosen on a
//                                                                      // validation part of `train`
//     metacog::KtEvalResult r = metacog::evaluate_online(bkt->factory(), test);
//
// Notation: learner u, response t on item i with skill s, answer y ∈ {0, 1}, σ(z) = 1/(1 + e^−z).
//
//  * running_rate — per-skill running correct rate with a Beta prior:
//        p = (κ·m_s + c_s) / (κ + n_s)
//    c_s, n_s = the learner's earlier correct answers / attempts on skill s; m_s = the skill's train
//    correct rate (shrunk to the global rate with 10 pseudo-answers); κ (prior strength) chosen on
//    validation. The "uniform" variant fixes m_s = ½, κ = 2 (Laplace, no fitted prior).
//  * irt — IRT-1PL (Rasch) with a global intercept: p = σ(c + θ_u − b_i).
//    Fit: joint MAP over train of c, b_i ~ N(0, 1/λ_b), θ_u ~ N(0, σ²_θ) by alternating 1-D Newton
//    steps (block coordinate ascent; each block's Hessian is diagonal). Online: θ_u is the MAP
//    ability given the learner's answers so far, argmax_θ Σ_t log p(y_t | θ) − θ²/(2σ²_θ), by
//    Newton steps warm-started from the previous estimate (exact, not Elo's single gradient step).
//    Unknown item: the mean difficulty of its skill's items, else of all items.
//  * bkt — Bayesian Knowledge Tracing per skill (Corbett & Anderson 1995): hidden mastery L,
//        P(L₀), P(T) learn, P(G) guess, P(S) slip;  p(y = 1) = P(L)(1 − S) + (1 − P(L))·G
//    after each answer P(L) ← posterior(P(L) | y), then P(L) ← P(L) + (1 − P(L))·T.
//    Fit by EM (Baum–Welch on each learner's sequence of that skill), several seeded random
//    restarts, keep the highest likelihood; G, S ≤ bound < 0.5; optional Beta pseudo-counts
//    (MAP-EM) pull sparse skills toward the pooled "average skill", which also serves kUnknown.
//  * pfa — Performance Factors Analysis (Pavlik et al. 2009):
//        logit p = w₀ + β_s + γ_s·c_s + ρ_s·f_s     (c_s / f_s: earlier correct / wrong on s)
//  * best_lr — the "Best-LR" logistic model of Gervet et al. 2020:
//        logit p = w₀ + α_i + β_s + γ_s·ln(1 + c_s) + ρ_s·ln(1 + f_s) + γ·ln(1 + c) + ρ·ln(1 + f)
//                  + Σ_window [γ_w·ln(1 + c_s^w) + ρ_w·ln(1 + f_s^w) + γ'_w·ln(1 + c^w) + ρ'_w·ln(1 + f^w)]
//    c, f = all earlier correct / wrong answers; c^w, f^w = those among the last W answers
//    (attempt windows, the logs have no reliable time). Both logistic models: mean log-loss +
//    (λ/2)‖w‖² (intercept not penalised), minimised by L-BFGS on sparse index-list rows.
//    An unknown item/skill contributes no one-hot (weight 0: the average item/skill).
//
// Hyper-parameters are chosen by validation AUC (the full protocol) on a learner-level split of
// the train learners (fit_kt_baseline), then the chosen setting is refitted on all train learners.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "metacog/kt_data.hpp"
#include "metacog/kt_protocol.hpp"

namespace metacog {

/** A fitted knowledge-tracing model: a name, its settings, and predictors that follow one learner. */
class KtModel {
 public:
  virtual ~KtModel() = default;
  /** Short name, e.g. "bkt". */
  virtual std::string name() const = 0;
  /** Hyper-parameters and fit summary as a one-line JSON object. */
  virtual std::string describe() const = 0;
  /** A fresh predictor at the population prior. The model must outlive it. */
  virtual std::unique_ptr<OnlinePredictor> make_predictor() const = 0;
  /** make_predictor as a PredictorFactory (for evaluate_online). */
  PredictorFactory factory() const {
    return [this] { return make_predictor(); };
  }
};

// ------------------------------------------------------------------ running rate

struct RunningRateParams {
  double prior_strength = 4.0;  ///< κ > 0, pseudo-answers of the prior
  bool fit_prior = true;        ///< false: m_s = ½ for every skill (uniform prior, no training)
};

class RunningRateModel : public KtModel {
 public:
  static RunningRateModel fit(const KtDataset& train, const RunningRateParams& params);
  std::string name() const override { return params_.fit_prior ? "running_rate" : "running_rate_uniform"; }
  std::string describe() const override;
  std::unique_ptr<OnlinePredictor> make_predictor() const override;
  /** m_s (the global prior mean for kUnknown). */
  double prior_mean(int skill) const;
  const RunningRateParams& params() const { return params_; }

 private:
  RunningRateParams params_;
  std::vector<double> skill_mean_;
  double global_mean_ = 0.5;
};

// ------------------------------------------------------------------ IRT-1PL

struct IrtParams {
  double item_l2 = 1.0;            ///< λ_b: prior precision of the difficulties
  double ability_var = 1.0;        ///< σ²_θ: prior variance of a learner's ability (fit and online)
  int max_sweeps = 200;            ///< block-coordinate Newton sweeps of the fit
  double tol = 1e-7;               ///< stop when the objective improves by less than tol·N
  int online_newton_steps = 8;     ///< max Newton steps per online update (stops at |Δθ| < 1e−6)
};

class IrtModel : public KtModel {
 public:
  static IrtModel fit(const KtDataset& train, const IrtParams& params);
  std::string name() const override { return "irt"; }
  std::string describe() const override;
  std::unique_ptr<OnlinePredictor> make_predictor() const override;
  /** b_i (the fallback difficulty for kUnknown, see the header comment). */
  double difficulty(int item, int skill = kUnknown) const;
  double intercept() const { return intercept_; }
  const std::vector<double>& difficulties() const { return difficulty_; }
  const IrtParams& params() const { return params_; }
  int sweeps() const { return sweeps_; }

 private:
  IrtParams params_;
  std::vector<double> difficulty_;        // b_i
  std::vector<double> skill_difficulty_;  // mean b over the items seen with each skill
  double mean_difficulty_ = 0.0;
  double intercept_ = 0.0;                // c
  int sweeps_ = 0;
};

// ------------------------------------------------------------------ BKT

/** The four BKT parameters of one skill. */
struct BktSkillParams {
  double prior = 0.5;  ///< P(L₀)
  double learn = 0.1;  ///< P(T)
  double guess = 0.2;  ///< P(G)
  double slip = 0.1;   ///< P(S)
};

/** BKT's P(correct) from P(mastered) L: L(1 − S) + (1 − L)G (the emission of the two-state model). */
inline double bkt_p_correct(double known, double guess, double slip) { return known * (1.0 - slip) + (1.0 - known) * guess; }

struct BktParams {
  double max_guess_slip = 0.3;  ///< upper bound of P(G) and P(S) (< 0.5: knowing must help)
  double prior_count = 0.0;     ///< Beta pseudo-counts toward the pooled skill (0 = plain EM)
  int restarts = 5;             ///< random EM starts per skill (seeded), best likelihood kept
  int max_iter = 100;           ///< EM iterations per start
  double tol = 1e-6;            ///< stop when the log-likelihood improves by < tol·(responses)
  uint64_t seed = 1;
};

/** One skill's EM fit on sequences of 0/1 answers (exposed for tests). */
BktSkillParams fit_bkt_skill(const std::vector<std::vector<int>>& sequences, const BktParams& params,
                             uint64_t stream, const BktSkillParams* pull_toward = nullptr,
                             double* log_likelihood = nullptr);

class BktModel : public KtModel {
 public:
  static BktModel fit(const KtDataset& train, const BktParams& params, int threads = 1);
  std::string name() const override { return "bkt"; }
  std::string describe() const override;
  std::unique_ptr<OnlinePredictor> make_predictor() const override;
  /** Parameters of a skill (the pooled skill for kUnknown or a skill without train data). */
  const BktSkillParams& skill(int skill) const;
  const BktSkillParams& pooled() const { return pooled_; }
  const BktParams& params() const { return params_; }

 private:
  BktParams params_;
  std::vector<BktSkillParams> skills_;
  std::vector<char> has_data_;
  BktSkillParams pooled_;
};

// ------------------------------------------------------------------ PFA / Best-LR

struct LogisticKtParams {
  bool item_onehot = true;     ///< α_i
  bool skill_onehot = true;    ///< β_s
  bool skill_counts = true;    ///< γ_s, ρ_s (skill-specific weights of the skill's counts)
  bool total_counts = true;    ///< γ, ρ (all earlier answers)
  std::vector<int> windows = {5, 20};  ///< attempt windows W (empty: none)
  bool log_counts = true;      ///< ln(1 + count) instead of the raw count
  double l2 = 1e-5;            ///< λ
  int max_iter = 300;          ///< L-BFGS iterations
  double tol = 1e-6;           ///< stop when ‖∇‖∞ < tol
  /** Classic PFA: skill one-hot + skill-specific raw counts. */
  static LogisticKtParams pfa();
  /** Best-LR (the defaults). */
  static LogisticKtParams best_lr();
};

class LogisticKtModel : public KtModel {
 public:
  static LogisticKtModel fit(const KtDataset& train, const LogisticKtParams& params);
  std::string name() const override;
  std::string describe() const override;
  std::unique_ptr<OnlinePredictor> make_predictor() const override;
  const std::vector<double>& weights() const { return w_; }
  const LogisticKtParams& params() const { return params_; }
  int iterations() const { return iterations_; }
  double train_loss() const { return train_loss_; }
  int num_skills() const { return num_skills_; }
  int num_items() const { return num_items_; }

 private:
  LogisticKtParams params_;
  std::vector<double> w_;
  int num_items_ = 0, num_skills_ = 0, iterations_ = 0;
  double train_loss_ = 0;
};

// ------------------------------------------------------------------ tuning

/** How fit_kt_baseline chose the hyper-parameters. */
struct KtTuningReport {
  std::string name;
  std::vector<std::string> candidates;  ///< each candidate's settings (JSON)
  std::vector<double> valid_auc;        ///< its validation AUC
  int chosen = -1;                      ///< index of the best candidate
  double seconds = 0;                   ///< total time (tuning + final fit)
  double final_fit_seconds = 0;         ///< time of the final fit on all train learners
};

struct KtTuneOptions {
  double valid_fraction = 0.2;  ///< learners carved from train for validation
  uint64_t seed = 42;           ///< split seed (and BKT restarts)
  int threads = 1;              ///< evaluation / BKT threads (OpenMP builds)
  bool tune = true;             ///< false: skip the search, fit the default setting
};

/** "running_rate", "running_rate_uniform", "irt", "bkt", "pfa", "best_lr". */
std::vector<std::string> kt_baseline_names();

/**
 * Fits a baseline by name: each candidate of its small grid is fitted on the train part of a
 * learner-level split of `train` and scored by AUC on the validation part with the online
 * protocol; the best is refitted on all of `train`. Error InvalidArgument for an unknown name.
 */
std::unique_ptr<KtModel> fit_kt_baseline(const std::string& name, const KtDataset& train,
                                         const KtTuneOptions& options = {}, KtTuningReport* report = nullptr);

}  // namespace metacog

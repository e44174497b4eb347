// Running-rate baseline and the validation-based tuning of every baseline (kt_baselines.hpp).
#include <chrono>
#include <cmath>
#include <functional>
#include <sstream>

#include "metacog/error.hpp"
#include "metacog/kt_baselines.hpp"

namespace metacog {

// ------------------------------------------------------------------ running rate

namespace {

class RunningRatePredictor : public OnlinePredictor {
 public:
  RunningRatePredictor(const RunningRateModel& model, int num_skills)
      : model_(model), correct_(num_skills, 0), attempts_(num_skills, 0) {}

  void begin_learner() override {
    for (int s : touched_) correct_[s] = attempts_[s] = 0;
    touched_.clear();
    all_correct_ = all_attempts_ = 0;
  }

  // p = (κ·m_s + c_s)/(κ + n_s); an unknown skill uses the learner's overall counts and the global m.
  double predict(const Response& next) override {
    const double kappa = model_.params().prior_strength;
    const double m = model_.prior_mean(next.skill);
    if (next.skill == kUnknown || next.skill >= static_cast<int>(attempts_.size())) {
      return (kappa * m + all_correct_) / (kappa + all_attempts_);
    }
    return (kappa * m + correct_[next.skill]) / (kappa + attempts_[next.skill]);
  }

  void observe(const Response& r) override {
    ++all_attempts_;
    all_correct_ += r.correct ? 1 : 0;
    if (r.skill == kUnknown || r.skill >= static_cast<int>(attempts_.size())) return;
    if (attempts_[r.skill] == 0) touched_.push_back(r.skill);
    ++attempts_[r.skill];
    correct_[r.skill] += r.correct ? 1 : 0;
  }

 private:
  const RunningRateModel& model_;
  std::vector<int> correct_, attempts_, touched_;
  int all_correct_ = 0, all_attempts_ = 0;
};

std::string num(double x) {
  std::ostringstream s;
  s.precision(6);
  s << x;
  return s.str();
}

}  // namespace

RunningRateModel RunningRateModel::fit(const KtDataset& train, const RunningRateParams& params) {
  require(std::isfinite(params.prior_strength) && params.prior_strength > 0, ErrorCode::InvalidArgument,
          "RunningRateModel: prior_strength must be > 0");
  RunningRateModel m;
  m.params_ = params;
  m.skill_mean_.assign(train.num_skills, 0.5);
  m.global_mean_ = 0.5;
  if (!params.fit_prior) return m;
  std::vector<double> c(train.num_skills, 0.0), n(train.num_skills, 0.0);
  double call = 0, nall = 0;
  for (const LearnerLog& l : train.learners) {
    for (const Response& r : l.responses) {
      nall += 1;
      call += r.correct ? 1 : 0;
      if (r.skill == kUnknown) continue;
      n[r.skill] += 1;
      c[r.skill] += r.correct ? 1 : 0;
    }
  }
  m.global_mean_ = nall > 0 ? call / nall : 0.5;
  const double shrink = 10.0;  // pseudo-answers at the global rate: rare skills get a sane mean
  for (int s = 0; s < train.num_skills; ++s) m.skill_mean_[s] = (c[s] + shrink * m.global_mean_) / (n[s] + shrink);
  return m;
}

double RunningRateModel::prior_mean(int skill) const {
  if (skill == kUnknown || skill < 0 || skill >= static_cast<int>(skill_mean_.size())) return global_mean_;
  return skill_mean_[skill];
}

std::string RunningRateModel::describe() const {
  return std::string("{\"model\":\"") + name() + "\",\"prior_strength\":" + num(params_.prior_strength) +
         ",\"fit_prior\":" + (params_.fit_prior ? "true" : "false") + ",\"global_mean\":" + num(global_mean_) + "}";
}

std::unique_ptr<OnlinePredictor> RunningRateModel::make_predictor() const {
  return std::make_unique<RunningRatePredictor>(*this, static_cast<int>(skill_mean_.size()));
}

// ------------------------------------------------------------------ tuning

std::vector<std::string> kt_baseline_names() {
  return {"running_rate", "running_rate_uniform", "irt", "bkt", "pfa", "best_lr"};
}

namespace {

using Fitter = std::function<std::unique_ptr<KtModel>(const KtDataset&)>;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/** Candidate fitters of one baseline's grid; the first is the default setting. */
std::vector<Fitter> candidates_for(const std::string& name, const KtTuneOptions& opt) {
  std::vector<Fitter> out;
  if (name == "running_rate") {
    for (double kappa : {4.0, 1.0, 2.0, 8.0, 16.0, 32.0}) {
      out.push_back([kappa](const KtDataset& d) {
        RunningRateParams p;
        p.prior_strength = kappa;
        return std::make_unique<RunningRateModel>(RunningRateModel::fit(d, p));
      });
    }
  } else if (name == "running_rate_uniform") {
    out.push_back([](const KtDataset& d) {
      RunningRateParams p;
      p.prior_strength = 2.0;
      p.fit_prior = false;
      return std::make_unique<RunningRateModel>(RunningRateModel::fit(d, p));
    });
  } else if (name == "irt") {
    for (double var : {1.0, 0.5, 2.0}) {
      for (double l2 : {1.0, 0.1}) {
        out.push_back([var, l2](const KtDataset& d) {
          IrtParams p;
          p.ability_var = var;
          p.item_l2 = l2;
          return std::make_unique<IrtModel>(IrtModel::fit(d, p));
        });
      }
    }
  } else if (name == "bkt") {
    for (double bound : {0.3, 0.45}) {
      for (double prior_count : {0.0, 5.0}) {
        const uint64_t seed = opt.seed;
        const int threads = opt.threads;
        out.push_back([bound, prior_count, seed, threads](const KtDataset& d) {
          BktParams p;
          p.max_guess_slip = bound;
          p.prior_count = prior_count;
          p.seed = seed;
          return std::make_unique<BktModel>(BktModel::fit(d, p, threads));
        });
      }
    }
  } else if (name == "pfa" || name == "best_lr") {
    const bool pfa = name == "pfa";
    for (double l2 : {1e-5, 1e-6, 1e-4, 1e-3}) {
      out.push_back([pfa, l2](const KtDataset& d) {
        LogisticKtParams p = pfa ? LogisticKtParams::pfa() : LogisticKtParams::best_lr();
        p.l2 = l2;
        return std::make_unique<LogisticKtModel>(LogisticKtModel::fit(d, p));
      });
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<KtModel> fit_kt_baseline(const std::string& name, const KtDataset& train,
                                         const KtTuneOptions& options, KtTuningReport* report) {
  const std::vector<Fitter> candidates = candidates_for(name, options);
  if (candidates.empty()) {
    std::string known;
    for (const std::string& n : kt_baseline_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error(ErrorCode::InvalidArgument, "unknown knowledge-tracing baseline '" + name + "'; use one of " + known);
  }
  require(!train.learners.empty(), ErrorCode::InvalidArgument, "fit_kt_baseline: no train learners");
  const auto t0 = std::chrono::steady_clock::now();
  KtTuningReport rep;
  rep.name = name;
  int chosen = 0;
  if (options.tune && candidates.size() > 1) {
    const KtSplit split = split_learners(train, options.valid_fraction, options.seed);
    require(!split.train.learners.empty() && !split.valid.learners.empty(), ErrorCode::InvalidArgument,
            "fit_kt_baseline: the validation split leaves an empty part; use more learners or another valid_fraction");
    double best = -1.0;
    for (size_t c = 0; c < candidates.size(); ++c) {
      std::unique_ptr<KtModel> m = candidates[c](split.train);
      KtEvalOptions eo;
      eo.max_k = 0;
      eo.threads = options.threads;
      const double a = evaluate_online(m->factory(), split.valid, eo).overall.auc;
      rep.candidates.push_back(m->describe());
      rep.valid_auc.push_back(a);
      if (std::isfinite(a) && a > best) {
        best = a;
        chosen = static_cast<int>(c);
      }
    }
  }
  const auto t1 = std::chrono::steady_clock::now();
  std::unique_ptr<KtModel> model = candidates[chosen](train);
  rep.final_fit_seconds = seconds_since(t1);
  rep.chosen = chosen;
  if (rep.candidates.empty()) {
    rep.candidates.push_back(model->describe());
    rep.valid_auc.push_back(std::nan(""));
  }
  rep.seconds = seconds_since(t0);
  if (report) *report = rep;
  return model;
}

}  // namespace metacog

// PFA / Best-LR logistic baselines (kt_baselines.hpp): sparse features, L2 logistic regression by L-BFGS.
#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <sstream>

#include "metacog/error.hpp"
#include "metacog/numeric.hpp"
#include "metacog/kt_baselines.hpp"

namespace metacog {

LogisticKtParams LogisticKtParams::pfa() {
  LogisticKtParams p;
  p.item_onehot = false;
  p.skill_onehot = true;
  p.skill_counts = true;
  p.total_counts = false;
  p.windows.clear();
  p.log_counts = false;
  return p;
}

LogisticKtParams LogisticKtParams::best_lr() { return LogisticKtParams{}; }

namespace {

/**
 * Column layout: [0] intercept | items | skills | (correct_s, wrong_s) per skill | total (correct, wrong)
 * | per window: skill-window (correct, wrong), overall-window (correct, wrong).
 */
struct Layout {
  int item_off = -1, skill_off = -1, count_off = -1, total_off = -1, window_off = -1, dim = 1;
  Layout(const LogisticKtParams& p, int items, int skills) {
    if (p.item_onehot) { item_off = dim; dim += items; }
    if (p.skill_onehot) { skill_off = dim; dim += skills; }
    if (p.skill_counts) { count_off = dim; dim += 2 * skills; }
    if (p.total_counts) { total_off = dim; dim += 2; }
    if (!p.windows.empty()) { window_off = dim; dim += 4 * static_cast<int>(p.windows.size()); }
  }
};

/** A learner's history summarised into the counts the features need. */
class FeatureState {
 public:
  FeatureState(const LogisticKtParams& p, int items, int skills)
      : p_(p), layout_(p, items, skills), items_(items), skills_(skills), correct_(skills, 0), wrong_(skills, 0),
        recent_(skills) {
    for (int w : p.windows) max_window_ = std::max(max_window_, w);
  }

  int dim() const { return layout_.dim; }

  void reset() {
    for (int s : touched_) {
      correct_[s] = wrong_[s] = 0;
      recent_[s].clear();
    }
    touched_.clear();
    total_correct_ = total_wrong_ = 0;
    recent_all_.clear();
  }

  /** Sparse features of the next response (before it is observed). */
  void features(const Response& r, std::vector<int>& idx, std::vector<double>& val) const {
    idx.clear();
    val.clear();
    auto add = [&](int j, double v) {
      if (v != 0.0) {
        idx.push_back(j);
        val.push_back(v);
      }
    };
    const bool item_ok = r.item >= 0 && r.item < items_;
    const bool skill_ok = r.skill >= 0 && r.skill < skills_;
    add(0, 1.0);
    if (layout_.item_off >= 0 && item_ok) add(layout_.item_off + r.item, 1.0);
    if (layout_.skill_off >= 0 && skill_ok) add(layout_.skill_off + r.skill, 1.0);
    if (layout_.count_off >= 0 && skill_ok) {
      add(layout_.count_off + 2 * r.skill, scale(correct_[r.skill]));
      add(layout_.count_off + 2 * r.skill + 1, scale(wrong_[r.skill]));
    }
    if (layout_.total_off >= 0) {
      add(layout_.total_off, scale(total_correct_));
      add(layout_.total_off + 1, scale(total_wrong_));
    }
    for (size_t k = 0; k < p_.windows.size(); ++k) {
      const int w = p_.windows[k];
      const int base = layout_.window_off + 4 * static_cast<int>(k);
      if (skill_ok) {
        int c = 0, f = 0;
        count_last(recent_[r.skill], w, c, f);
        add(base, scale(c));
        add(base + 1, scale(f));
      }
      int c = 0, f = 0;
      count_last(recent_all_, w, c, f);
      add(base + 2, scale(c));
      add(base + 3, scale(f));
    }
  }

  void observe(const Response& r) {
    const char y = r.correct ? 1 : 0;
    (r.correct ? total_correct_ : total_wrong_) += 1;
    push(recent_all_, y);
    if (r.skill < 0 || r.skill >= skills_) return;
    if (correct_[r.skill] == 0 && wrong_[r.skill] == 0) touched_.push_back(r.skill);
    (r.correct ? correct_ : wrong_)[r.skill] += 1;
    push(recent_[r.skill], y);
  }

 private:
  double scale(int count) const { return p_.log_counts ? std::log1p(static_cast<double>(count)) : count; }
  void push(std::deque<char>& q, char y) const {
    if (max_window_ == 0) return;
    q.push_back(y);
    if (static_cast<int>(q.size()) > max_window_) q.pop_front();
  }
  static void count_last(const std::deque<char>& q, int w, int& c, int& f) {
    const int n = std::min(w, static_cast<int>(q.size()));
    for (int i = static_cast<int>(q.size()) - n; i < static_cast<int>(q.size()); ++i) (q[i] ? c : f) += 1;
  }

  const LogisticKtParams& p_;
  Layout layout_;
  int items_, skills_, max_window_ = 0;
  std::vector<int> correct_, wrong_, touched_;
  int total_correct_ = 0, total_wrong_ = 0;
  std::vector<std::deque<char>> recent_;
  std::deque<char> recent_all_;
};

/** log(1 + e^z), stable. */
double softplus(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

/** Rows in compressed sparse row form. */
struct SparseRows {
  std::vector<int64_t> start{0};
  std::vector<int> col;
  std::vector<float> val;
  std::vector<char> y;
  size_t rows() const { return y.size(); }
};

/** f(w) = (1/N) Σ [softplus(z) − y z] + (λ/2) Σ_{j≥1} w_j²; fills g = ∇f. */
double objective(const SparseRows& X, const std::vector<double>& w, double l2, std::vector<double>& g) {
  std::fill(g.begin(), g.end(), 0.0);
  double loss = 0.0;
  const size_t n = X.rows();
  for (size_t r = 0; r < n; ++r) {
    double z = 0.0;
    for (int64_t k = X.start[r]; k < X.start[r + 1]; ++k) z += w[X.col[k]] * X.val[k];
    const double y = X.y[r];
    loss += softplus(z) - y * z;
    const double d = sigmoid(z) - y;
    for (int64_t k = X.start[r]; k < X.start[r + 1]; ++k) g[X.col[k]] += d * X.val[k];
  }
  const double inv_n = n > 0 ? 1.0 / static_cast<double>(n) : 0.0;
  double reg = 0.0;
  for (size_t j = 0; j < w.size(); ++j) {
    g[j] *= inv_n;
    if (j >= 1) {
      g[j] += l2 * w[j];
      reg += w[j] * w[j];
    }
  }
  return loss * inv_n + 0.5 * l2 * reg;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double max_abs(const std::vector<double>& a) {
  double m = 0.0;
  for (double v : a) m = std::max(m, std::abs(v));
  return m;
}

/**
 * L-BFGS (memory 10) with a backtracking Armijo line search (Nocedal & Wright, alg. 7.4/7.5).
 * Returns the iterations used; w holds the minimiser, f_out the objective.
 */
int minimize_lbfgs(const SparseRows& X, double l2, int max_iter, double tol, std::vector<double>& w, double& f_out) {
  const size_t d = w.size();
  const int m = 10;
  std::vector<std::vector<double>> S, Y;
  std::vector<double> rho;
  std::vector<double> g(d), g_new(d), dir(d), w_new(d), alpha(m);
  double f = objective(X, w, l2, g);
  int it = 0;
  for (; it < max_iter && max_abs(g) >= tol; ++it) {
    // two-loop recursion: dir = −H g
    dir = g;
    const int k = static_cast<int>(S.size());
    for (int i = k - 1; i >= 0; --i) {
      alpha[i] = rho[i] * dot(S[i], dir);
      for (size_t j = 0; j < d; ++j) dir[j] -= alpha[i] * Y[i][j];
    }
    const double gamma = k > 0 ? dot(S[k - 1], Y[k - 1]) / dot(Y[k - 1], Y[k - 1]) : 1.0 / std::max(1.0, std::sqrt(dot(g, g)));
    for (double& v : dir) v *= gamma;
    for (int i = 0; i < k; ++i) {
      const double beta = rho[i] * dot(Y[i], dir);
      for (size_t j = 0; j < d; ++j) dir[j] += S[i][j] * (alpha[i] - beta);
    }
    for (double& v : dir) v = -v;
    double slope = dot(g, dir);
    if (slope >= 0) {  // not a descent direction: restart from steepest descent
      S.clear();
      Y.clear();
      rho.clear();
      for (size_t j = 0; j < d; ++j) dir[j] = -g[j];
      slope = -dot(g, g);
    }
    double step = 1.0, f_new = f;
    bool accepted = false;
    for (int ls = 0; ls < 40; ++ls) {
      for (size_t j = 0; j < d; ++j) w_new[j] = w[j] + step * dir[j];
      f_new = objective(X, w_new, l2, g_new);
      if (f_new <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;  // no progress possible at double precision
    std::vector<double> s(d), y(d);
    for (size_t j = 0; j < d; ++j) {
      s[j] = w_new[j] - w[j];
      y[j] = g_new[j] - g[j];
    }
    const double sy = dot(s, y);
    if (sy > 1e-12) {
      if (static_cast<int>(S.size()) == m) {
        S.erase(S.begin());
        Y.erase(Y.begin());
        rho.erase(rho.begin());
      }
      S.push_back(std::move(s));
      Y.push_back(std::move(y));
      rho.push_back(1.0 / sy);
    }
    const double rel = (f - f_new) / std::max(1e-12, std::abs(f));
    w.swap(w_new);
    g.swap(g_new);
    f = f_new;
    if (rel < 1e-12) {
      ++it;
      break;
    }
  }
  f_out = f;
  return it;
}

class LogisticPredictor : public OnlinePredictor {
 public:
  explicit LogisticPredictor(const LogisticKtModel& model)
      : model_(model), state_(model.params(), model.num_items(), model.num_skills()) {}
  void begin_learner() override { state_.reset(); }
  double predict(const Response& next) override {
    state_.features(next, idx_, val_);
    double z = 0.0;
    for (size_t k = 0; k < idx_.size(); ++k) z += model_.weights()[idx_[k]] * val_[k];
    return sigmoid(z);
  }
  void observe(const Response& r) override { state_.observe(r); }

 private:
  const LogisticKtModel& model_;
  FeatureState state_;
  std::vector<int> idx_;
  std::vector<double> val_;
};

}  // namespace

LogisticKtModel LogisticKtModel::fit(const KtDataset& train, const LogisticKtParams& params) {
  require(params.l2 >= 0 && std::isfinite(params.l2), ErrorCode::InvalidArgument, "LogisticKtModel: l2 must be ≥ 0");
  for (int w : params.windows) {
    require(w >= 1, ErrorCode::InvalidArgument, "LogisticKtModel: windows must be ≥ 1, got " + std::to_string(w));
  }
  LogisticKtModel m;
  m.params_ = params;
  m.num_items_ = train.num_items;
  m.num_skills_ = train.num_skills;
  FeatureState state(m.params_, train.num_items, train.num_skills);
  SparseRows X;
  X.y.reserve(static_cast<size_t>(train.num_responses()));
  std::vector<int> idx;
  std::vector<double> val;
  // every response (t ≥ 0) is a training row; features are computed before the response is observed
  for (const LearnerLog& l : train.learners) {
    state.reset();
    for (const Response& r : l.responses) {
      state.features(r, idx, val);
      for (size_t k = 0; k < idx.size(); ++k) {
        X.col.push_back(idx[k]);
        X.val.push_back(static_cast<float>(val[k]));
      }
      X.start.push_back(static_cast<int64_t>(X.col.size()));
      X.y.push_back(r.correct ? 1 : 0);
      state.observe(r);
    }
  }
  m.w_.assign(state.dim(), 0.0);
  m.iterations_ = minimize_lbfgs(X, params.l2, params.max_iter, params.tol, m.w_, m.train_loss_);
  return m;
}

std::string LogisticKtModel::name() const {
  return params_.item_onehot || params_.total_counts || !params_.windows.empty() ? "best_lr" : "pfa";
}

std::string LogisticKtModel::describe() const {
  std::ostringstream s;
  s.precision(6);
  s << std::boolalpha << "{\"model\":\"" << name() << "\",\"l2\":" << params_.l2 << ",\"item_onehot\":" << params_.item_onehot
    << ",\"skill_onehot\":" << params_.skill_onehot << ",\"skill_counts\":" << params_.skill_counts
    << ",\"total_counts\":" << params_.total_counts << ",\"log_counts\":" << params_.log_counts << ",\"windows\":[";
  for (size_t k = 0; k < params_.windows.size(); ++k) s << (k ? "," : "") << params_.windows[k];
  s << "],\"dim\":" << w_.size() << ",\"iterations\":" << iterations_ << ",\"train_loss\":" << train_loss_ << "}";
  return s.str();
}

std::unique_ptr<OnlinePredictor> LogisticKtModel::make_predictor() const {
  return std::make_unique<LogisticPredictor>(*this);
}

}  // namespace metacog

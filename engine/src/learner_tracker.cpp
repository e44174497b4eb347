// One learner online under a learner model: equations (1)–(5) of learner_model.hpp.
#include <algorithm>
#include <cmath>

#include "metacog/error.hpp"
#include "metacog/numeric.hpp"
#include "metacog/learner_inner_grad.hpp"
#include "metacog/learner_model.hpp"

namespace metacog {

void FastRing::init(int cap, int w) {
  capacity = cap;
  width = w;
  size = head = 0;
  z.assign(static_cast<size_t>(cap), 0.0);
  g.assign(static_cast<size_t>(cap) * static_cast<size_t>(w), 0.0);
  y.assign(static_cast<size_t>(cap), 0);
}

void FastRing::push(double zj, const double* gj, bool yj) {
  const int at = (head + size) % capacity;
  z[static_cast<size_t>(at)] = zj;
  std::copy(gj, gj + width, g.begin() + static_cast<ptrdiff_t>(at) * width);
  y[static_cast<size_t>(at)] = yj ? 1 : 0;
  if (size < capacity) {
    ++size;
  } else {
    head = (head + 1) % capacity;
  }
}

double learner_mlp_forward(const LearnerModel& m, const double* in, double* pre) {
  const LearnerArch& a = m.arch();
  const LearnerLayout& l = m.layout();
  const double* w = m.params().data();
  const int n_in = a.input_size();
  double out = w[l.b2];
  for (int h = 0; h < a.hidden; ++h) {
    const double* row = w + l.w1 + static_cast<size_t>(h) * static_cast<size_t>(n_in);
    double acc = w[l.b1 + static_cast<size_t>(h)];
    for (int k = 0; k < n_in; ++k) acc += row[k] * in[k];
    pre[h] = acc;
    if (acc > 0) out += w[l.w2 + static_cast<size_t>(h)] * acc;
  }
  return out;
}

void learner_fast_direction(const LearnerModel& m, int skill, const double* pre, double* g) {
  const LearnerArch& a = m.arch();
  const LearnerLayout& l = m.layout();
  const double* w = m.params().data();
  const double* e = w + l.skill_embedding + static_cast<size_t>(skill) * static_cast<size_t>(a.dim);
  g[0] = 1.0;
  for (int r = 0; r < a.rank; ++r) {
    const double* p = w + l.projection + static_cast<size_t>(r) * static_cast<size_t>(a.dim);
    double acc = 0;
    for (int k = 0; k < a.dim; ++k) acc += p[k] * e[k];
    g[1 + r] = acc;
  }
  if (a.adapt_output) {
    double* tail = g + 1 + a.rank;
    for (int h = 0; h < a.hidden; ++h) tail[h] = pre[h] > 0 ? pre[h] : 0.0;
  }
}

namespace {
/**
 * L_u(φ) of (4) with its gradient and the diagonal Fisher κ + Σ_j p_j(1 − p_j) g_j², in one pass over
 * the ring; ℓ(y, σ(z)) = softplus(z) − y·z.
 */
double inner_objective(const LearnerArch& a, const double* phi0, const FastRing& ring, const double* phi, double* grad,
                       double* fisher) {
  const int W = a.fast_size();
  double loss = 0;
  for (int k = 0; k < W; ++k) {
    const double dk = phi[k] - phi0[k];
    grad[k] = a.prior_precision * dk;
    fisher[k] = a.prior_precision;
    loss += 0.5 * a.prior_precision * dk * dk;
  }
  for (int n = 0; n < ring.size; ++n) {
    const int at = (ring.head + n) % ring.capacity;
    const double* g = ring.g.data() + static_cast<size_t>(at) * static_cast<size_t>(W);
    double z = ring.z[static_cast<size_t>(at)];
    for (int k = 0; k < W; ++k) z += phi[k] * g[k];
    const double p = sigmoid(z);
    const double y = ring.y[static_cast<size_t>(at)];
    loss += (z > 0 ? z : 0.0) + std::log1p(std::exp(-std::fabs(z))) - y * z;
    const double r = p - y;
    const double c = p * (1.0 - p);
    for (int k = 0; k < W; ++k) {
      grad[k] += r * g[k];
      fisher[k] += c * g[k] * g[k];
    }
  }
  return loss;
}
}  // namespace

void learner_inner_loop(const LearnerArch& a, const double* phi0, const FastRing& ring, int steps, double* phi,
                        double* scratch, InnerTrace* trace) {
  const int W = a.fast_size();
  double* grad = scratch;
  double* fisher = scratch + W;
  double* cand = scratch + 2 * W;
  double* cand_grad = scratch + 3 * W;
  double* cand_fisher = scratch + 4 * W;
  if (trace) {
    trace->steps = std::max(steps, 0);
    trace->phi.resize(static_cast<size_t>(trace->steps) * static_cast<size_t>(W));
    trace->scale.resize(static_cast<size_t>(trace->steps));
  }
  if (steps <= 0) return;
  double loss = inner_objective(a, phi0, ring, phi, grad, fisher);
  for (int step = 0; step < steps; ++step) {
    // φ' = φ − t·α·∇L ⊘ F, t = 1, ½, ¼, … until L(φ') ≤ L(φ) (L is convex in φ). When the full step
    // decreases L — every step on ordinary histories — φ' is exactly the plain step of (5).
    double t = 1.0, cand_loss = 0;
    for (int halvings = 0;; ++halvings) {
      for (int k = 0; k < W; ++k) cand[k] = phi[k] - t * (a.inner_lr * grad[k] / fisher[k]);
      cand_loss = inner_objective(a, phi0, ring, cand, cand_grad, cand_fisher);
      if (cand_loss <= loss + 1e-9 * (1.0 + std::fabs(loss)) || halvings == 30) break;
      t *= 0.5;
    }
    if (trace) {
      std::copy(phi, phi + W, trace->phi.begin() + static_cast<ptrdiff_t>(step) * W);
      trace->scale[static_cast<size_t>(step)] = t;
    }
    std::copy(cand, cand + W, phi);
    std::copy(cand_grad, cand_grad + W, grad);
    std::copy(cand_fisher, cand_fisher + W, fisher);
    loss = cand_loss;
  }
}

LearnerTracker::LearnerTracker(const LearnerModel& model) : model_(&model), scratch_(model.arch()) {
  const LearnerArch& a = model.arch();
  g_tmp_.assign(static_cast<size_t>(a.fast_size()), 0.0);
  grad_tmp_.assign(static_cast<size_t>(a.fast_size()), 0.0);
  fisher_tmp_.assign(static_cast<size_t>(a.fast_size()), 0.0);
  inner_tmp_.assign(static_cast<size_t>(5 * a.fast_size()), 0.0);
  ring_.init(a.inner_window, a.fast_size());
  reset();
}

void LearnerTracker::reset() {
  const LearnerArch& a = model_->arch();
  history_.reset();
  h_.assign(static_cast<size_t>(a.num_contexts() * a.dim), 0.0);
  const double* phi0 = model_->params().data() + model_->layout().fast_init;
  phi_.assign(phi0, phi0 + a.fast_size());
  ring_.clear();
}

void LearnerTracker::build_input(const LearnerQuery& q, int k, LearnerScratch& s) const {
  const LearnerArch& a = model_->arch();
  history_.features(q.slots[k], q.timestamp, s.x.data());
  double* in = s.in.data();
  for (int f = 0; f < kHistoryFeatures; ++f) in[f] = model_->standardised(f, s.x[f]);
  const double* e = model_->params().data() + model_->layout().skill_embedding +
                    static_cast<size_t>(q.skills[k]) * static_cast<size_t>(a.dim);
  double* out = in + kHistoryFeatures;
  for (int j = 0; j < a.dim; ++j) out[j] = e[j];
  for (int c = 0; c < a.num_contexts(); ++c) {
    const double* h = h_.data() + static_cast<size_t>(c) * static_cast<size_t>(a.dim);
    double* o = out + static_cast<size_t>(1 + c) * static_cast<size_t>(a.dim);
    for (int j = 0; j < a.dim; ++j) o[j] = h[j] * e[j];
  }
}

double LearnerTracker::base_logit(const LearnerQuery& q, int k) {
  build_input(q, k, scratch_);
  return learner_mlp_forward(*model_, scratch_.in.data(), scratch_.pre.data()) - q.difficulty;
}

double LearnerTracker::base_and_direction(const LearnerQuery& q, double* g) {
  const int W = model_->arch().fast_size();
  double z = 0;
  for (int k = 0; k < W; ++k) g[k] = 0;
  for (int s = 0; s < q.num_skills; ++s) {
    z += base_logit(q, s);
    learner_fast_direction(*model_, q.skills[s], scratch_.pre.data(), g_tmp_.data());
    for (int k = 0; k < W; ++k) g[k] += g_tmp_[k];
  }
  const double inv = 1.0 / q.num_skills;
  for (int k = 0; k < W; ++k) g[k] *= inv;
  return z * inv;
}

double LearnerTracker::logit(const LearnerQuery& q) {
  std::vector<double>& g = grad_tmp_;  // scratch (the inner loop is not running)
  const double z = base_and_direction(q, g.data());
  double out = z;
  for (int k = 0; k < model_->arch().fast_size(); ++k) out += phi_[k] * g[k];
  return out;
}

double LearnerTracker::predict(const LearnerQuery& q) { return sigmoid(logit(q)); }

void LearnerTracker::observe(const LearnerQuery& q, bool correct) {
  std::vector<double>& g = fisher_tmp_;  // scratch until the inner loop runs
  const double z = base_and_direction(q, g.data());
  observe_computed(q, correct, z, g.data());
}

void learner_advance_context(const LearnerModel& m, const LearnerQuery& q, bool correct, LearnerHistory& history,
                             std::vector<double>& hv) {
  const LearnerArch& a = m.arch();
  history.observe(q.slots, q.num_skills, correct, q.timestamp);
  const double* inter = m.params().data() + m.layout().interaction_embedding;
  const double inv = 1.0 / q.num_skills;
  for (int c = 0; c < a.num_contexts(); ++c) {
    double* h = hv.data() + static_cast<size_t>(c) * static_cast<size_t>(a.dim);
    const double lambda = a.decays[static_cast<size_t>(c)];
    for (int j = 0; j < a.dim; ++j) h[j] *= lambda;
    for (int s = 0; s < q.num_skills; ++s) {
      const double* row = inter + static_cast<size_t>(2 * q.skills[s] + (correct ? 1 : 0)) * static_cast<size_t>(a.dim);
      for (int j = 0; j < a.dim; ++j) h[j] += inv * row[j];
    }
  }
}

void LearnerTracker::observe_computed(const LearnerQuery& q, bool correct, double z, const double* g) {
  ring_.push(z, g, correct);
  learner_advance_context(*model_, q, correct, history_, h_);
  if (adaptation) adapt(model_->arch().inner_steps);
}

void LearnerTracker::restore_context(const LearnerHistory& history, const std::vector<double>& h) {
  require(h.size() == h_.size(), ErrorCode::InvalidArgument,
          "restore_context: expected " + std::to_string(h_.size()) + " context values, got " + std::to_string(h.size()));
  reset();
  history_ = history;
  h_ = h;
}

void LearnerTracker::prepare_batch(double timestamp) {
  const LearnerArch& a = model_->arch();
  const LearnerLayout& L = model_->layout();
  const double* w = model_->params().data();
  const int H = a.hidden, d = a.dim, n_in = a.input_size(), F = kHistoryFeatures;
  batch_time_ = timestamp;
  batch_base_.assign(static_cast<size_t>(H), 0.0);
  batch_empty_.assign(static_cast<size_t>(H), 0.0);
  batch_same_.assign(static_cast<size_t>(H), 0.0);
  batch_m_.assign(static_cast<size_t>(H) * d, 0.0);
  batch_pre_.assign(static_cast<size_t>(H), 0.0);
  // features of a never-practised skill (slot −1 is never in the history): x20 = 0 there
  double* x = scratch_.x.data();
  history_.features(-1, timestamp, x);
  double xs[kHistoryFeatures];
  for (int f = 0; f < F; ++f) xs[f] = model_->standardised(f, x[f]);
  // x20 (same skill as the previous response) is 0 here; its standardised value when it is 1
  const double same_delta = model_->standardised(20, 1.0) - xs[20];
  for (int h = 0; h < H; ++h) {
    const double* row = w + L.w1 + static_cast<size_t>(h) * n_in;
    double base = w[L.b1 + h], empty = 0;
    for (int f = 0; f < kSkillFeatureCount; ++f) empty += row[f] * xs[f];
    for (int f = kSkillFeatureCount; f < F; ++f) base += row[f] * xs[f];
    batch_base_[h] = base;
    batch_empty_[h] = empty;
    batch_same_[h] = row[20] * same_delta;
    double* m = batch_m_.data() + static_cast<size_t>(h) * d;
    for (int j = 0; j < d; ++j) {
      double v = row[F + j];
      for (int c = 0; c < a.num_contexts(); ++c) v += row[F + (1 + c) * d + j] * h_[static_cast<size_t>(c * d + j)];
      m[j] = v;
    }
  }
}

double LearnerTracker::batch_skill_logit(int slot, int skill) {
  const LearnerArch& a = model_->arch();
  const LearnerLayout& L = model_->layout();
  const double* w = model_->params().data();
  const int H = a.hidden, d = a.dim, n_in = a.input_size();
  double* pre = batch_pre_.data();
  const double* e = w + L.skill_embedding + static_cast<size_t>(skill) * d;
  if (history_.skill(slot).last_position >= 0) {
    double* x = scratch_.x.data();
    history_.features(slot, batch_time_, x);
    double xs[kSkillFeatureCount];
    for (int f = 0; f < kSkillFeatureCount; ++f) xs[f] = model_->standardised(f, x[f]);
    const bool same = x[20] != 0.0;
    for (int h = 0; h < H; ++h) {
      const double* row = w + L.w1 + static_cast<size_t>(h) * n_in;
      double v = batch_base_[h] + (same ? batch_same_[h] : 0.0);
      for (int f = 0; f < kSkillFeatureCount; ++f) v += row[f] * xs[f];
      pre[h] = v;
    }
  } else {
    for (int h = 0; h < H; ++h) pre[h] = batch_base_[h] + batch_empty_[h];
  }
  for (int h = 0; h < H; ++h) {
    const double* m = batch_m_.data() + static_cast<size_t>(h) * d;
    double v = 0;
    for (int j = 0; j < d; ++j) v += m[j] * e[j];
    pre[h] += v;
  }
  double z = w[L.b2];
  for (int h = 0; h < H; ++h) {
    if (pre[h] > 0) z += w[L.w2 + h] * pre[h];
  }
  learner_fast_direction(*model_, skill, pre, g_tmp_.data());
  for (int k = 0; k < a.fast_size(); ++k) z += phi_[static_cast<size_t>(k)] * g_tmp_[static_cast<size_t>(k)];
  return z;
}

void LearnerTracker::adapt(int steps) {
  const double* phi0 = model_->params().data() + model_->layout().fast_init;
  learner_inner_loop(model_->arch(), phi0, ring_, steps, phi_.data(), inner_tmp_.data());
}

}  // namespace metacog

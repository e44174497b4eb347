// Meta-training of the learner model: Reptile, first-order MAML and plain pre-training
// (maths in learner_train.hpp and learner_model.hpp).
#include "metacog/learner_train.hpp"
#include "metacog/numeric.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>

#include "metacog/error.hpp"
#include "metacog/rng.hpp"

namespace metacog {

namespace {

using json = nlohmann::json;

/** log(1 + e^z), stable. */
inline double softplus(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/** A reproducible coin with probability p for (seed, epoch, learner, id, salt). */
bool coin(uint64_t seed, int epoch, int learner, int id, uint64_t salt, double p) {
  if (p <= 0) return false;
  uint64_t h = splitmix64(seed ^ salt);
  h = splitmix64(h ^ static_cast<uint64_t>(epoch));
  h = splitmix64(h ^ static_cast<uint64_t>(learner));
  h = splitmix64(h ^ static_cast<uint64_t>(id));
  return static_cast<double>(h >> 11) * 0x1.0p-53 < p;
}

std::vector<double> f64_from_raw(const SafetensorsFile& f, const std::string& name, size_t expected) {
  auto it = f.tensors.find(name);
  require(it != f.tensors.end(), ErrorCode::StateFormat, "training checkpoint: missing tensor '" + name + "'");
  std::vector<double> v = raw_to_f64_vector(it->second, name);
  require(v.size() == expected, ErrorCode::StateFormat,
          "training checkpoint: tensor '" + name + "' does not match this run (different data or settings?)");
  return v;
}

}  // namespace

const char* learner_algo_name(LearnerAlgo algo) {
  switch (algo) {
    case LearnerAlgo::Reptile: return "reptile";
    case LearnerAlgo::Fomaml: return "fomaml";
    case LearnerAlgo::Maml: return "maml";
    case LearnerAlgo::Pretrain: return "pretrain";
  }
  return "?";
}

LearnerAlgo learner_algo_from_name(const std::string& name) {
  if (name == "reptile") return LearnerAlgo::Reptile;
  if (name == "fomaml") return LearnerAlgo::Fomaml;
  if (name == "maml") return LearnerAlgo::Maml;
  if (name == "pretrain") return LearnerAlgo::Pretrain;
  throw Error(ErrorCode::InvalidArgument, "unknown learner training algorithm '" + name + "' (reptile, fomaml, maml, pretrain)");
}

std::string LearnerTrainConfig::to_json() const {
  json j = {{"algo", learner_algo_name(algo)}, {"arch", json::parse(arch.to_json())},
            {"lr", lr},                          {"meta_step", meta_step},
            {"meta_batch", meta_batch},          {"reptile_chunk", reptile_chunk},
            {"l2", l2},                          {"skill_dropout", skill_dropout},
            {"item_dropout", item_dropout},      {"max_epochs", max_epochs},
            {"patience", patience},              {"seed", seed},
            {"select_best", select_best}};
  // written only when on, so configs (and checkpoints) without it read exactly as before
  if (monotonicity > 0) {
    j["monotonicity"] = monotonicity;
    j["mono_insert"] = mono_insert;
  }
  if (average_halflife > 0) j["average_halflife"] = average_halflife;
  if (early_weight > 0) {
    j["early_weight"] = early_weight;
    j["early_positions"] = early_positions;
  }
  if (algo == LearnerAlgo::Maml) j["maml_horizon"] = maml_horizon;
  if (warm_start) j["warm_start"] = true;
  if (unadapted_weight > 0) j["unadapted_weight"] = unadapted_weight;
  return j.dump();
}

LearnerTrainConfig LearnerTrainConfig::from_json(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  require(j.is_object(), ErrorCode::StateFormat, "learner training config is not a JSON object");
  LearnerTrainConfig c;
  try {
    c.algo = learner_algo_from_name(j.at("algo").get<std::string>());
    c.arch = LearnerArch::from_json(j.at("arch").dump());
    c.lr = j.at("lr").get<double>();
    c.meta_step = j.at("meta_step").get<double>();
    c.meta_batch = j.at("meta_batch").get<int>();
    c.reptile_chunk = j.at("reptile_chunk").get<int>();
    c.l2 = j.at("l2").get<double>();
    c.skill_dropout = j.at("skill_dropout").get<double>();
    c.item_dropout = j.at("item_dropout").get<double>();
    c.max_epochs = j.at("max_epochs").get<int>();
    c.patience = j.at("patience").get<int>();
    c.seed = j.at("seed").get<uint64_t>();
    c.select_best = j.at("select_best").get<bool>();
    c.monotonicity = j.value("monotonicity", 0.0);
    c.mono_insert = j.value("mono_insert", c.mono_insert);
    c.average_halflife = j.value("average_halflife", 0.0);
    c.early_weight = j.value("early_weight", 0.0);
    c.early_positions = j.value("early_positions", c.early_positions);
    c.maml_horizon = j.value("maml_horizon", c.maml_horizon);
    c.warm_start = j.value("warm_start", false);
    c.unadapted_weight = j.value("unadapted_weight", 0.0);
  } catch (const json::exception& e) {
    throw Error(ErrorCode::StateFormat, std::string("learner training config: ") + e.what());
  }
  return c;
}

size_t learner_model_tensor_bytes(const LearnerArch& a) {
  // float32 parameters, plus features.{mean,std,min,max} [F] and mastery.{guess,slip,prior,learn} [S+1]
  const size_t floats = LearnerLayout(a).total + 4 * static_cast<size_t>(kHistoryFeatures) +
                        4 * (static_cast<size_t>(a.num_skills) + 1);
  return 4 * floats;
}

LearnerArch default_learner_arch(const KtDataset& train) {
  LearnerArch a;
  // d = 64, H = 128 (LearnerArch's own defaults are 16 / 32), chosen on validation learners only:
  // session 7 took d = 32, H = 64 over 16 / 32 on assist2009_updated_train (20 %, seed 1; FOMAML
  // 0.8278 → 0.8299 AUC), when 64 / 128 peaked early and overfitted; with parameter averaging
  // (average_halflife) the wider network pays: the same 20 % validation learners of the kt-train
  // runs went 0.8311 → 0.8320 (ASSIST2009), 0.8315 → 0.8325 (Statics2011), 0.7333 → 0.7333 (ASSIST2015,
  // a tie); the ASSIST2009 and Statics2011 train1/valid1 folds agreed (README, "Learner model").
  // Unless its file would break the budget of a shipped model (design.md §5: ≤ 1 MB): the embeddings
  // grow with the vocabulary (3(S + 1)·d floats), so a large one (Statics2011: 1 223 skills, 1.15 MB at
  // d = 64) keeps d = 32, H = 64 — a rule on the vocabulary's size, not a dataset-specific constant.
  // Serving cost is O(H·d) per skill of the bank, not per item (logits are memoised by skill): the
  // shipped models serve observe → recommend within the 5 ms p95 budget through the public API in wasm,
  // a 1 000-skill bank included (README, "Serving latency").
  a.num_items = train.num_items;
  a.num_skills = train.num_skills;
  a.dim = 64;
  a.hidden = 128;
  // the header's vocabulary (labels as JSON strings) also counts; the allowance covers the rest (metrics)
  size_t vocab_bytes = 0;
  for (const std::string& l : train.item_labels) vocab_bytes += l.size() + 3;
  for (const std::string& l : train.skill_labels) vocab_bytes += l.size() + 3;
  if (learner_model_tensor_bytes(a) + vocab_bytes > kShippedModelBytes - kModelHeaderAllowance) {
    a.dim = 32;
    a.hidden = 64;
  }
  bool positional = true;
  for (const LearnerLog& l : train.learners) {
    for (size_t t = 0; t < l.responses.size() && positional; ++t) positional = l.responses[t].timestamp == static_cast<double>(t);
  }
  a.positional_clock = positional;
  return a;
}

void fit_feature_statistics(const KtDataset& data, LearnerModel& model) {
  fit_feature_statistics(data, model.feature_mean(), model.feature_std(), model.feature_lo, model.feature_hi);
}

void fit_feature_statistics(const KtDataset& data, std::vector<double>& mean, std::vector<double>& sd,
                            std::vector<double>& lo, std::vector<double>& hi) {
  std::vector<double> sum(kHistoryFeatures, 0.0), sq(kHistoryFeatures, 0.0), x(kHistoryFeatures);
  std::vector<double> low(kHistoryFeatures, std::numeric_limits<double>::infinity());
  std::vector<double> high(kHistoryFeatures, -std::numeric_limits<double>::infinity());
  int64_t n = 0;
  LearnerHistory h;
  for (const LearnerLog& log : data.learners) {
    h.reset();
    for (const Response& r : log.responses) {
      const int slot = r.skill >= 0 ? r.skill : data.num_skills;
      h.features(slot, r.timestamp, x.data());
      for (int f = 0; f < kHistoryFeatures; ++f) {
        sum[f] += x[f];
        sq[f] += x[f] * x[f];
        low[f] = std::min(low[f], x[f]);
        high[f] = std::max(high[f], x[f]);
      }
      ++n;
      h.observe(&slot, 1, r.correct, r.timestamp);
    }
  }
  mean.assign(kHistoryFeatures, 0.0);
  sd.assign(kHistoryFeatures, 1.0);
  lo.clear();
  hi.clear();
  if (n == 0) return;  // no range: features stay unclamped
  lo = low;
  hi = high;
  for (int f = 0; f < kHistoryFeatures; ++f) {
    mean[f] = sum[f] / static_cast<double>(n);
    const double var = sq[f] / static_cast<double>(n) - mean[f] * mean[f];
    sd[f] = var > 1e-12 ? std::sqrt(var) : 1.0;
  }
}

// ---------------------------------------------------------------- trainer

LearnerTrainer::LearnerTrainer(const KtDataset& train, const KtDataset& valid, const LearnerTrainConfig& config)
    : train_(&train), valid_(&valid), cfg_(config) {
  require(cfg_.arch.num_items == train.num_items && cfg_.arch.num_skills == train.num_skills,
          ErrorCode::InvalidArgument, "learner training: arch vocabulary does not match the training data");
  require(cfg_.meta_batch >= 1 && cfg_.reptile_chunk >= 1 && cfg_.max_epochs >= 0 && cfg_.patience >= 1 &&
              cfg_.lr > 0 && cfg_.meta_step > 0 && cfg_.monotonicity >= 0 && std::isfinite(cfg_.monotonicity) &&
              (cfg_.monotonicity == 0 || (cfg_.mono_insert > 0 && cfg_.mono_insert <= 1)) &&
              cfg_.average_halflife >= 0 && std::isfinite(cfg_.average_halflife) && cfg_.early_weight >= 0 &&
              std::isfinite(cfg_.early_weight) && cfg_.early_positions >= 0 && cfg_.maml_horizon >= -1 &&
              cfg_.unadapted_weight >= 0 && std::isfinite(cfg_.unadapted_weight) &&
              (cfg_.unadapted_weight == 0 || cfg_.algo != LearnerAlgo::Pretrain),
          ErrorCode::InvalidArgument, "learner training: invalid config " + cfg_.to_json());
  model_ = LearnerModel(cfg_.arch, cfg_.seed);
  fit_feature_statistics(train, model_);
  model_.item_labels = train.item_labels;
  model_.skill_labels = train.skill_labels;
  model_.header.algo = std::string("learner-") + learner_algo_name(cfg_.algo);
  best_ = model_;
  task_model_ = model_;
  adam_m_.assign(model_.params().size(), 0.0);
  adam_v_.assign(model_.params().size(), 0.0);
  if (cfg_.average_halflife > 0) {
    average_.assign(model_.params().size(), 0.0);
    averaged_ = model_;
  }
}

void LearnerTrainer::warm_start_from(const std::vector<double>& params) {
  require(epoch_ == 0 && adam_t_ == 0, ErrorCode::InvalidState, "learner training: warm start after training began");
  require(params.size() == model_.params().size(), ErrorCode::InvalidArgument,
          "learner training: warm-start parameters do not match the architecture (" + std::to_string(params.size()) +
              " values for " + std::to_string(model_.params().size()) + ")");
  model_.params() = params;
  best_ = model_;
  task_model_ = model_;
}

double LearnerTrainer::average_decay() const {
  const double updates_per_epoch =
      std::max(1.0, std::ceil(static_cast<double>(train_->learners.size()) / static_cast<double>(cfg_.meta_batch)));
  return std::exp2(-1.0 / (cfg_.average_halflife * updates_per_epoch));
}

void LearnerTrainer::update_average() {
  if (average_.empty()) return;
  const double tau = average_decay();
  const std::vector<double>& w = model_.params();
  for (size_t k = 0; k < w.size(); ++k) average_[k] = tau * average_[k] + (1 - tau) * w[k];
  ++average_n_;
}

const LearnerModel& LearnerTrainer::selected_params() {
  if (average_.empty() || average_n_ == 0) return model_;
  const double debias = 1.0 - std::pow(average_decay(), static_cast<double>(average_n_));
  std::vector<double>& a = averaged_.params();
  for (size_t k = 0; k < a.size(); ++k) a[k] = average_[k] / debias;
  return averaged_;
}

bool LearnerTrainer::done() const {
  return epoch_ >= cfg_.max_epochs || (cfg_.select_best && bad_epochs_ >= cfg_.patience);
}

void LearnerTrainer::adam_step(std::vector<double>& w, const std::vector<double>& grad, double lr, double beta1) {
  const double beta2 = 0.999, eps = 1e-8;
  ++adam_t_;
  const double c1 = beta1 > 0 ? 1.0 - std::pow(beta1, static_cast<double>(adam_t_)) : 1.0;
  const double c2 = 1.0 - std::pow(beta2, static_cast<double>(adam_t_));
  const bool frozen_fast = cfg_.algo == LearnerAlgo::Pretrain;
  const LearnerLayout& L = model_.layout();
  // u's prior mean stays 0 (the head w2 is itself meta-learned); Pretrain keeps P and φ₀ at their init
  const size_t u_begin = L.fast_init + 1 + static_cast<size_t>(cfg_.arch.rank);
  const size_t fast_end = L.fast_init + static_cast<size_t>(cfg_.arch.fast_size());
  for (size_t k = 0; k < w.size(); ++k) {
    if (frozen_fast && k >= L.projection && k < fast_end) continue;
    if (k >= u_begin && k < fast_end) continue;
    const double g = grad[k] + cfg_.l2 * w[k];
    adam_m_[k] = beta1 * adam_m_[k] + (1 - beta1) * g;
    adam_v_[k] = beta2 * adam_v_[k] + (1 - beta2) * g * g;
    w[k] -= lr * (adam_m_[k] / c1) / (std::sqrt(adam_v_[k] / c2) + eps);
  }
}

namespace {
/**
 * Back-propagation of one response's logit z_t + φ·g_t through the network into the flat gradient G:
 * z̄ is ∂L/∂z_t, and ḡ = ∂L/∂g_t (second order) or, when gbar is null, the first-order form ḡ = z̄·φ
 * with ∂L/∂φ₀ += z̄·g_t (∂φ_t/∂φ₀ ≈ I). hc: the context vectors h^c_t the input was built from;
 * ghc receives ∂L/∂h^c_t (C × d) for the back-propagation through time; d_in: scratch (input size).
 */
void backprop_response(const LearnerModel& m, const double* hc, const double* in, const double* pre, int skill, int item,
                       double zbar, const double* gbar, const double* phi, const double* g, bool meta, double* G,
                       double* ghc, double* d_in) {
  const LearnerArch& a = m.arch();
  const LearnerLayout& L = m.layout();
  const int C = a.num_contexts(), d = a.dim, W = a.fast_size(), n_in = a.input_size(), F = kHistoryFeatures;
  const double* w = m.params().data();
  G[L.b2] += zbar;
  std::fill(d_in, d_in + n_in, 0.0);
  for (int h = 0; h < a.hidden; ++h) {
    if (pre[h] <= 0) continue;
    G[L.w2 + h] += zbar * pre[h];
    double da;
    if (gbar) {
      da = zbar * w[L.w2 + h] + (a.adapt_output ? gbar[1 + a.rank + h] : 0.0);
    } else {
      // the output weight in use is w2 + u (the adapted head); u's own gradient is the same δ·a_h
      const double w_out = w[L.w2 + h] + (a.adapt_output ? phi[static_cast<size_t>(1 + a.rank + h)] : 0.0);
      da = zbar * w_out;
    }
    G[L.b1 + h] += da;
    const double* row = w + L.w1 + static_cast<size_t>(h) * n_in;
    double* grow = G + L.w1 + static_cast<size_t>(h) * n_in;
    for (int k = 0; k < n_in; ++k) {
      grow[k] += da * in[k];
      d_in[k] += da * row[k];
    }
  }
  const size_t erow = static_cast<size_t>(skill) * d;
  const double* e = w + L.skill_embedding + erow;
  double* ge = G + L.skill_embedding + erow;
  for (int j = 0; j < d; ++j) ge[j] += d_in[F + j];
  for (int c = 0; c < C; ++c) {
    const double* h = hc + static_cast<size_t>(c) * d;
    const double* din = d_in + F + static_cast<size_t>(1 + c) * d;
    double* gh = ghc + static_cast<size_t>(c) * d;
    for (int j = 0; j < d; ++j) {
      ge[j] += din[j] * h[j];
      gh[j] = din[j] * e[j];
    }
  }
  if (meta) {
    for (int k = 0; k < a.rank; ++k) {
      const double* pk = w + L.projection + static_cast<size_t>(k) * d;
      double* gp = G + L.projection + static_cast<size_t>(k) * d;
      const double c = gbar ? gbar[1 + k] : zbar * phi[1 + k];
      for (int j = 0; j < d; ++j) {
        ge[j] += c * pk[j];
        gp[j] += c * e[j];
      }
    }
    if (!gbar) {
      for (int k = 0; k < W; ++k) G[L.fast_init + k] += zbar * g[k];
    }
  }
  if (item >= 0) {
    G[L.item_difficulty + item] -= zbar;
  } else {
    G[L.skill_difficulty + skill] -= zbar;
  }
}
}  // namespace

double LearnerTrainer::learner_pass(LearnerModel& m, LearnerTracker& tr, const std::vector<Response>& rs, int learner,
                                    int t0, int t1, bool dropout, std::vector<double>* grad, double pred_weight,
                                    const LearnerMonoTerm& mono, bool unadapted) {
  const LearnerArch& a = m.arch();
  const int C = a.num_contexts(), d = a.dim, W = a.fast_size(), n_in = a.input_size(), H = a.hidden;
  const bool meta = cfg_.algo != LearnerAlgo::Pretrain;
  // second-order MAML: record the pass, then differentiate through every inner loop (reverse sweep)
  const bool second = grad && cfg_.algo == LearnerAlgo::Maml && !unadapted;
  require(!second || (t0 == 0 && tr.ring().size == 0), ErrorCode::InvalidState,
          "second-order MAML differentiates whole learner passes from the prior (t0 = 0, fresh tracker)");
  tr.adaptation = meta && !second && !unadapted;
  const int n = t1 - t0;
  if (grad) {
    gh_.assign(static_cast<size_t>(n) * static_cast<size_t>(C * d), 0.0);
    rows_.assign(static_cast<size_t>(n), 0);
  }
  const size_t un = static_cast<size_t>(std::max(n, 0));
  if (second) {
    so_in_.resize(un * static_cast<size_t>(n_in));
    so_pre_.resize(un * static_cast<size_t>(H));
    so_h_.resize(un * static_cast<size_t>(C * d));
    so_phi_.resize(un * static_cast<size_t>(W));
    so_g_.resize(un * static_cast<size_t>(W));
    so_z_.resize(un);
    so_y_.resize(un);
    so_delta_.resize(un);
    so_skill_.resize(un);
    so_item_.resize(un);
    if (so_trace_.size() < un) so_trace_.resize(un);
  }
  LearnerScratch& s = tr.scratch();
  std::vector<double>& g_vec = g_;
  g_vec.assign(static_cast<size_t>(W), 0.0);
  double* g = g_vec.data();
  const double* phi0 = m.params().data() + m.layout().fast_init;
  double loss = 0;
  for (int t = t0; t < t1; ++t) {
    const Response& r = rs[static_cast<size_t>(t)];
    int skill = r.skill, item = r.item;
    if (dropout && skill >= 0 && coin(cfg_.seed, epoch_, learner, skill, 0x5c111, cfg_.skill_dropout)) {
      skill = kUnknown;
      item = kUnknown;
    }
    if (dropout && item >= 0 && coin(cfg_.seed, epoch_, learner, item, 0x17e3, cfg_.item_dropout)) item = kUnknown;
    LearnerQuery q = m.query(item, skill, r.timestamp);
    if (skill == kUnknown && r.skill >= 0) q.slots[0] = r.skill;  // a new skill keeps its own history
    tr.build_input(q, 0, s);
    const double z = learner_mlp_forward(m, s.in.data(), s.pre.data()) - q.difficulty;
    learner_fast_direction(m, q.skills[0], s.pre.data(), g);
    const std::vector<double>& phi = tr.fast_weights();
    double logit = z;
    for (int k = 0; k < W; ++k) logit += phi[k] * g[k];
    const int y = r.correct ? 1 : 0;
    const double weight = pred_weight * position_weight(t);
    if (weight != 0) loss += weight * (softplus(logit) - y * logit);
    const double p = sigmoid(logit);
    if (mono.out) mono.out[t - t0] = p;
    double delta = weight * (p - y);
    if (grad && mono.partner) {
      // hinge λ max(0, p_orig − p_aug): sign = +λ on the original pass, −λ on the augmented one
      const double other = mono.partner[t - t0];
      if (!std::isnan(other) && mono.sign * (p - other) > 0) delta += mono.sign * p * (1 - p);
    }
    const size_t i = static_cast<size_t>(t - t0);
    if (grad) rows_[i] = 2 * q.skills[0] + y;
    if (second) {
      std::copy(s.in.begin(), s.in.end(), so_in_.begin() + static_cast<ptrdiff_t>(i * n_in));
      std::copy(s.pre.begin(), s.pre.end(), so_pre_.begin() + static_cast<ptrdiff_t>(i * H));
      std::copy(tr.contexts().begin(), tr.contexts().end(), so_h_.begin() + static_cast<ptrdiff_t>(i * C * d));
      std::copy(phi.begin(), phi.end(), so_phi_.begin() + static_cast<ptrdiff_t>(i * W));
      std::copy(g, g + W, so_g_.begin() + static_cast<ptrdiff_t>(i * W));
      so_z_[i] = z;
      so_y_[i] = static_cast<uint8_t>(y);
      so_delta_[i] = delta;
      so_skill_[i] = q.skills[0];
      so_item_[i] = q.item;
    } else if (grad && delta != 0) {  // (an augmented response with no active hinge has nothing to back-propagate)
      backprop_response(m, tr.contexts().data(), s.in.data(), s.pre.data(), q.skills[0], q.item, delta, nullptr,
                        phi.data(), g, meta, grad->data(), gh_.data() + i * static_cast<size_t>(C * d), s.d_in.data());
    }
    tr.observe_computed(q, r.correct, z, g);
    if (second) {  // (second order implies a meta-learned candidate: adaptation is on)
      inner_scratch_.resize(static_cast<size_t>(5 * W));
      learner_inner_loop(a, phi0, tr.ring(), a.inner_steps, tr.mutable_fast_weights().data(), inner_scratch_.data(),
                         &so_trace_[i]);
    }
  }
  if (second && n > 0) {
    // Reverse sweep. φ_t (the fast weights that predicted response t) is the inner loop's output after
    // observing t − 1, on the window [max(0, t − N), t − 1], and φ_0 = φ₀. Prediction t's adjoint is carried
    // back through its last `maml_horizon` inner loops (all of them when −1): bucket b of so_buckets_ holds
    // the adjoints with b loops left to go through; one with none left is charged to φ₀ as FOMAML does
    // (∂φ/∂φ₀ ≈ I), and at t = 0 every bucket is, exactly.
    const bool exact = cfg_.maml_horizon < 0;  // one bucket that never runs out
    const size_t nb = exact ? 2 : static_cast<size_t>(cfg_.maml_horizon) + 1;
    so_zbar_.assign(un, 0.0);
    so_gbar_.assign(un * static_cast<size_t>(W), 0.0);
    so_buckets_.assign(nb * static_cast<size_t>(W), 0.0);
    so_phi0bar_.assign(static_cast<size_t>(W), 0.0);
    inner_scratch_.resize(static_cast<size_t>(5 * W));
    const auto bucket = [&](size_t b) { return so_buckets_.data() + b * static_cast<size_t>(W); };
    const auto flush = [&](size_t b) {
      double* v = bucket(b);
      for (int k = 0; k < W; ++k) {
        so_phi0bar_[static_cast<size_t>(k)] += v[k];
        v[k] = 0.0;
      }
    };
    for (int t = t1 - 1; t >= t0; --t) {
      const size_t i = static_cast<size_t>(t);
      const double dl = so_delta_[i];
      if (dl != 0) {
        const double* gi = so_g_.data() + i * W;
        const double* pi = so_phi_.data() + i * W;
        double* gb = so_gbar_.data() + i * W;
        double* top = bucket(nb - 1);
        so_zbar_[i] += dl;
        for (int k = 0; k < W; ++k) {
          top[k] += dl * gi[k];
          gb[k] += dl * pi[k];
        }
      }
      if (t == 0) break;
      flush(0);
      const int lo = std::max(0, t - a.inner_window);
      for (size_t b = 1; b < nb; ++b) {
        double* v = bucket(b);
        bool any = false;
        for (int k = 0; k < W && !any; ++k) any = v[k] != 0;
        if (!any) continue;
        learner_inner_loop_backward(a, phi0, so_z_.data() + lo, so_g_.data() + static_cast<size_t>(lo) * W,
                                    so_y_.data() + lo, t - lo, so_trace_[i - 1], v, so_phi0bar_.data(),
                                    so_zbar_.data() + lo, so_gbar_.data() + static_cast<size_t>(lo) * W,
                                    inner_scratch_.data());
        if (exact) continue;
        double* down = bucket(b - 1);
        for (int k = 0; k < W; ++k) {
          down[k] += v[k];  // (bucket b − 1 was emptied by the previous iteration of this loop)
          v[k] = 0.0;
        }
      }
    }
    for (size_t b = 0; b < nb; ++b) flush(b);
    double* G = grad->data();
    for (int k = 0; k < W; ++k) G[m.layout().fast_init + k] += so_phi0bar_[static_cast<size_t>(k)];
    for (size_t i = 0; i < un; ++i) {
      const double* gb = so_gbar_.data() + i * W;
      bool any = so_zbar_[i] != 0;
      for (int k = 0; k < W && !any; ++k) any = gb[k] != 0;
      if (!any) continue;
      backprop_response(m, so_h_.data() + i * C * d, so_in_.data() + i * n_in, so_pre_.data() + i * H, so_skill_[i],
                        so_item_[i], so_zbar_[i], gb, so_phi_.data() + i * W, so_g_.data() + i * W, meta, G,
                        gh_.data() + i * static_cast<size_t>(C * d), s.d_in.data());
    }
  }
  if (grad && n > 0) {
    // a_{row_t} enters h^c_{t'} for t' > t with weight λ_c^{t'−1−t}: R_{t−1} = ∂L/∂h_t + λ R_t.
    const LearnerLayout& L = m.layout();
    double* G = grad->data();
    std::vector<double> R(static_cast<size_t>(d));
    for (int c = 0; c < C; ++c) {
      const double lambda = a.decays[static_cast<size_t>(c)];
      std::fill(R.begin(), R.end(), 0.0);
      for (int t = t1 - 1; t >= t0; --t) {
        double* ga = G + L.interaction_embedding + static_cast<size_t>(rows_[static_cast<size_t>(t - t0)]) * d;
        const double* ghc = gh_.data() + (static_cast<size_t>(t - t0) * C + c) * d;
        for (int j = 0; j < d; ++j) {
          ga[j] += R[j];
          R[j] = ghc[j] + lambda * R[j];
        }
      }
    }
  }
  return loss;
}

void LearnerTrainer::build_augmented(int learner) {
  const std::vector<Response>& rs = train_->learners[static_cast<size_t>(learner)].responses;
  const int T = static_cast<int>(rs.size());
  aug_.clear();
  aug_begin_.assign(static_cast<size_t>(T) + 1, 0);
  aug_pos_.assign(static_cast<size_t>(T), 0);
  for (int t = 0; t < T; ++t) {
    aug_begin_[static_cast<size_t>(t)] = static_cast<int>(aug_.size());
    if (coin(cfg_.seed, epoch_, learner, t, 0x3a0a0, cfg_.mono_insert)) {
      Response copy = rs[static_cast<size_t>(t)];
      copy.correct = true;
      // a real clock: halfway since the previous response (a positional one is renumbered below)
      if (t > 0) copy.timestamp = 0.5 * (rs[static_cast<size_t>(t) - 1].timestamp + copy.timestamp);
      aug_.push_back(copy);
    }
    aug_pos_[static_cast<size_t>(t)] = static_cast<int>(aug_.size());
    aug_.push_back(rs[static_cast<size_t>(t)]);
  }
  aug_begin_[static_cast<size_t>(T)] = static_cast<int>(aug_.size());
  // a positional clock (logs without timestamps: time = position) counts the inserted answers too
  if (cfg_.arch.positional_clock) {
    for (size_t k = 0; k < aug_.size(); ++k) aug_[k].timestamp = static_cast<double>(k);
  }
}

double LearnerTrainer::mono_passes(LearnerModel& m, LearnerTracker& tr, LearnerTracker& tr_aug, int learner, int t0,
                                   int t1, bool dropout, std::vector<double>& grad) {
  const std::vector<Response>& rs = train_->learners[static_cast<size_t>(learner)].responses;
  const int a0 = aug_begin_[static_cast<size_t>(t0)], a1 = aug_begin_[static_cast<size_t>(t1)];
  const double nan = std::numeric_limits<double>::quiet_NaN();
  p_orig_.assign(static_cast<size_t>(t1 - t0), nan);
  p_aug_.assign(static_cast<size_t>(a1 - a0), nan);
  // 1. the augmented predictions (forward only, on a copy: the tracker must not advance twice)
  {
    LearnerTracker ahead = tr_aug;
    LearnerMonoTerm out;
    out.out = p_aug_.data();
    learner_pass(m, ahead, aug_, learner, a0, a1, dropout, nullptr, 0.0, out);
  }
  // 2. the original sequence: prediction loss + the hinge against the aligned augmented predictions
  partner_.assign(static_cast<size_t>(t1 - t0), nan);
  for (int t = t0; t < t1; ++t) partner_[static_cast<size_t>(t - t0)] = p_aug_[static_cast<size_t>(aug_pos_[static_cast<size_t>(t)] - a0)];
  LearnerMonoTerm orig;
  orig.partner = partner_.data();
  orig.sign = cfg_.monotonicity;
  orig.out = p_orig_.data();
  const double loss = learner_pass(m, tr, rs, learner, t0, t1, dropout, &grad, 1.0, orig);
  // 3. the augmented sequence: the hinge only (inserted copies have no partner)
  partner_.assign(static_cast<size_t>(a1 - a0), nan);
  for (int t = t0; t < t1; ++t) partner_[static_cast<size_t>(aug_pos_[static_cast<size_t>(t)] - a0)] = p_orig_[static_cast<size_t>(t - t0)];
  LearnerMonoTerm aug;
  aug.partner = partner_.data();
  aug.sign = -cfg_.monotonicity;
  learner_pass(m, tr_aug, aug_, learner, a0, a1, dropout, &grad, 0.0, aug);
  last_hinge_ = 0;
  for (int t = t0; t < t1; ++t) {
    const double d = p_orig_[static_cast<size_t>(t - t0)] - p_aug_[static_cast<size_t>(aug_pos_[static_cast<size_t>(t)] - a0)];
    if (d > 0) last_hinge_ += d;
  }
  return loss;
}

double LearnerTrainer::task_passes(LearnerModel& m, LearnerTracker& tr, LearnerTracker& tr_aug, LearnerTracker& tr_prior,
                                   int learner, int t0, int t1, bool dropout, std::vector<double>& grad) {
  const std::vector<Response>& rs = train_->learners[static_cast<size_t>(learner)].responses;
  const double loss = cfg_.monotonicity > 0 ? mono_passes(m, tr, tr_aug, learner, t0, t1, dropout, grad)
                                            : learner_pass(m, tr, rs, learner, t0, t1, dropout, &grad);
  last_unadapted_ = 0;
  if (cfg_.unadapted_weight > 0) {
    // φ held at the current φ₀ (Reptile's inner steps move φ₀ between chunks)
    const double* phi0 = m.params().data() + m.layout().fast_init;
    std::vector<double>& phi = tr_prior.mutable_fast_weights();
    std::copy(phi0, phi0 + phi.size(), phi.begin());
    last_unadapted_ = learner_pass(m, tr_prior, rs, learner, t0, t1, dropout, &grad, cfg_.unadapted_weight,
                                   LearnerMonoTerm(), /*unadapted=*/true);
  }
  return loss;
}

double LearnerTrainer::loss_and_gradient(const std::vector<int>& learners, std::vector<double>& grad, int chunk) {
  grad.assign(model_.params().size(), 0.0);
  double loss = 0;
  LearnerTracker tr(model_), tr_aug(model_), tr_prior(model_);
  for (int u : learners) {
    tr.reset();
    tr_prior.reset();
    const int T = static_cast<int>(train_->learners[static_cast<size_t>(u)].responses.size());
    const int step = chunk > 0 ? chunk : std::max(T, 1);
    if (cfg_.monotonicity > 0) {
      build_augmented(u);
      tr_aug.reset();
    }
    for (int c0 = 0; c0 < T; c0 += step) {  // the passes Reptile's inner loop runs, without its updates
      const int c1 = std::min(T, c0 + step);
      loss += task_passes(model_, tr, tr_aug, tr_prior, u, c0, c1, false, grad) + last_unadapted_;
      if (cfg_.monotonicity > 0) loss += cfg_.monotonicity * last_hinge_;
    }
  }
  return loss;
}

double LearnerTrainer::epoch_fomaml(const std::vector<int>& order, const std::function<void(double)>& progress) {
  double loss = 0;
  double seen = 0;
  LearnerTracker tr(model_), tr_aug(model_), tr_prior(model_);
  const size_t B = static_cast<size_t>(cfg_.meta_batch);
  for (size_t b0 = 0; b0 < order.size(); b0 += B) {
    grad_.assign(model_.params().size(), 0.0);
    double n = 0;
    for (size_t k = b0; k < std::min(order.size(), b0 + B); ++k) {
      const int u = order[k];
      const int T = static_cast<int>(train_->learners[static_cast<size_t>(u)].responses.size());
      tr.reset();
      tr_prior.reset();
      if (cfg_.monotonicity > 0) {
        build_augmented(u);
        tr_aug.reset();
      }
      loss += task_passes(model_, tr, tr_aug, tr_prior, u, 0, T, true, grad_);
      n += weighted_count(0, T);
    }
    if (n == 0) continue;
    seen += n;
    for (double& x : grad_) x /= n;
    adam_step(model_.params(), grad_, cfg_.lr, 0.9);
    update_average();
    if (progress) progress(static_cast<double>(std::min(order.size(), b0 + B)) / static_cast<double>(order.size()));
  }
  return seen > 0 ? loss / seen : 0.0;
}

double LearnerTrainer::epoch_reptile(const std::vector<int>& order, const std::function<void(double)>& progress) {
  double loss = 0;
  double seen = 0;
  const double eps = cfg_.meta_step * (1.0 - static_cast<double>(epoch_) / std::max(1, cfg_.max_epochs));
  const size_t B = static_cast<size_t>(cfg_.meta_batch);
  const size_t P = model_.params().size();
  LearnerTracker tr(task_model_), tr_aug(task_model_), tr_prior(task_model_);
  for (size_t b0 = 0; b0 < order.size(); b0 += B) {
    delta_.assign(P, 0.0);
    const size_t b1 = std::min(order.size(), b0 + B);
    for (size_t k = b0; k < b1; ++k) {
      const int u = order[k];
      const int T = static_cast<int>(train_->learners[static_cast<size_t>(u)].responses.size());
      task_model_.params() = model_.params();
      tr.reset();
      tr_prior.reset();
      if (cfg_.monotonicity > 0) {
        build_augmented(u);
        tr_aug.reset();
      }
      for (int c0 = 0; c0 < T; c0 += cfg_.reptile_chunk) {
        const int c1 = std::min(T, c0 + cfg_.reptile_chunk);
        grad_.assign(P, 0.0);
        // (the augmented sequence is cut at the same responses: chunk [c0, c1) with its inserted copies)
        loss += task_passes(task_model_, tr, tr_aug, tr_prior, u, c0, c1, true, grad_);
        for (double& x : grad_) x /= weighted_count(c0, c1);
        adam_step(task_model_.params(), grad_, cfg_.lr, 0.0);
      }
      seen += weighted_count(0, T);
      const std::vector<double>& wu = task_model_.params();
      const std::vector<double>& w = model_.params();
      for (size_t i = 0; i < P; ++i) delta_[i] += wu[i] - w[i];
    }
    std::vector<double>& w = model_.params();
    const double scale = eps / static_cast<double>(b1 - b0);
    for (size_t i = 0; i < P; ++i) w[i] += scale * delta_[i];
    update_average();
    if (progress) progress(static_cast<double>(b1) / static_cast<double>(order.size()));
  }
  return seen > 0 ? loss / seen : 0.0;
}

double LearnerTrainer::weighted_count(int t0, int t1) const {
  // (t1 − t0) responses, of which those with t ≤ K carry the extra γ
  const int early = cfg_.early_weight > 0 ? std::max(0, std::min(t1, cfg_.early_positions + 1) - t0) : 0;
  return static_cast<double>(t1 - t0) + cfg_.early_weight * early;
}

double LearnerTrainer::validate(const LearnerModel& m) const {
  LearnerOnlinePredictor p(m, /*adaptation=*/cfg_.algo != LearnerAlgo::Pretrain);
  return evaluate_online(p, *valid_, 1).overall.auc;
}

LearnerEpochLog LearnerTrainer::run_epoch(const std::function<void(double)>& progress) {
  require(!done(), ErrorCode::InvalidState, "learner training: already done");
  const auto start = std::chrono::steady_clock::now();
  std::vector<int> order(train_->learners.size());
  std::iota(order.begin(), order.end(), 0);
  Pcg32 rng(cfg_.seed, 0x0e9c4 + static_cast<uint64_t>(epoch_));
  rng.shuffle(order);
  LearnerEpochLog rec;
  rec.epoch = epoch_;
  rec.train_loss = cfg_.algo == LearnerAlgo::Reptile ? epoch_reptile(order, progress) : epoch_fomaml(order, progress);
  require(std::isfinite(rec.train_loss), ErrorCode::InvalidState,
          "learner training diverged (loss is not finite); lower the learning rate");
  const LearnerModel& kept = selected_params();
  rec.valid_auc = cfg_.select_best ? validate(kept) : std::nan("");
  if (cfg_.select_best && !std::isfinite(rec.valid_auc)) rec.valid_auc = 0.0;
  if (!cfg_.select_best || rec.valid_auc > best_auc_) {
    best_auc_ = cfg_.select_best ? rec.valid_auc : best_auc_;
    best_epoch_ = epoch_;
    best_ = kept;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  ++epoch_;
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log_.push_back(rec);
  return rec;
}

LearnerModel LearnerTrainer::best_model() const {
  LearnerModel m = best_;
  m.round_to_float();
  return m;
}

void LearnerTrainer::save_state(SafetensorsFile& f, const std::string& prefix) const {
  f.tensors[prefix + "params"] = f64_vector_to_raw(model_.params());
  f.tensors[prefix + "best"] = f64_vector_to_raw(best_.params());
  f.tensors[prefix + "adam_m"] = f64_vector_to_raw(adam_m_);
  f.tensors[prefix + "adam_v"] = f64_vector_to_raw(adam_v_);
  if (!average_.empty()) f.tensors[prefix + "average"] = f64_vector_to_raw(average_);
  json logs = json::array();
  for (const LearnerEpochLog& l : log_) logs.push_back({l.epoch, l.train_loss, std::isfinite(l.valid_auc) ? json(l.valid_auc) : json(nullptr), l.seconds});
  json st = {{"epoch", epoch_},       {"best_epoch", best_epoch_}, {"best_auc", best_auc_},
             {"bad_epochs", bad_epochs_}, {"adam_t", adam_t_},  {"log", logs},
             {"config", json::parse(cfg_.to_json())}};
  if (!average_.empty()) st["average_n"] = average_n_;
  f.metadata[prefix + "state"] = st.dump();
}

void LearnerTrainer::load_state(const SafetensorsFile& f, const std::string& prefix) {
  auto it = f.metadata.find(prefix + "state");
  require(it != f.metadata.end(), ErrorCode::StateFormat, "training checkpoint: no state '" + prefix + "state'");
  const json st = json::parse(it->second, nullptr, false);
  require(st.is_object(), ErrorCode::StateFormat, "training checkpoint: state is not JSON");
  require(st.value("config", json()) == json::parse(cfg_.to_json()), ErrorCode::StateFormat,
          "training checkpoint: it was written with different settings; delete it or use the same options");
  const size_t P = model_.params().size();
  std::vector<double> params = f64_from_raw(f, prefix + "params", P), best = f64_from_raw(f, prefix + "best", P);
  std::vector<double> m = f64_from_raw(f, prefix + "adam_m", P), v = f64_from_raw(f, prefix + "adam_v", P);
  std::vector<double> average;
  int64_t average_n = 0;
  if (!average_.empty()) {
    average = f64_from_raw(f, prefix + "average", P);
    try {
      average_n = st.at("average_n").get<int64_t>();
    } catch (const json::exception& e) {
      throw Error(ErrorCode::StateFormat, std::string("training checkpoint: ") + e.what());
    }
  }
  try {
    epoch_ = st.at("epoch").get<int>();
    best_epoch_ = st.at("best_epoch").get<int>();
    best_auc_ = st.at("best_auc").get<double>();
    bad_epochs_ = st.at("bad_epochs").get<int>();
    adam_t_ = st.at("adam_t").get<int64_t>();
    log_.clear();
    for (const auto& l : st.at("log")) {
      LearnerEpochLog e;
      e.epoch = l.at(0).get<int>();
      e.train_loss = l.at(1).get<double>();
      e.valid_auc = l.at(2).is_null() ? std::nan("") : l.at(2).get<double>();
      e.seconds = l.at(3).get<double>();
      log_.push_back(e);
    }
  } catch (const json::exception& e) {
    throw Error(ErrorCode::StateFormat, std::string("training checkpoint: ") + e.what());
  }
  model_.params() = std::move(params);
  best_.params() = std::move(best);
  adam_m_ = std::move(m);
  adam_v_ = std::move(v);
  if (!average_.empty()) {
    average_ = std::move(average);
    average_n_ = average_n;
  }
}

// ---------------------------------------------------------------- protocol adapters

std::string LearnerKtModel::describe() const {
  return json({{"algo", model_.header.algo}, {"arch", json::parse(model_.arch().to_json())}, {"adaptation", adaptation_}})
      .dump();
}

std::unique_ptr<OnlinePredictor> LearnerKtModel::make_predictor() const {
  return std::make_unique<LearnerOnlinePredictor>(model_, adaptation_);
}

double LearnerOnlinePredictor::predict(const Response& next) {
  return tracker_.predict(model_->query(next.item, next.skill, next.timestamp));
}

void LearnerOnlinePredictor::observe(const Response& r) {
  tracker_.observe(model_->query(r.item, r.skill, r.timestamp), r.correct);
}

}  // namespace metacog

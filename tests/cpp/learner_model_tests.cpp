// Learner model: features, gradients, training (determinism, resume), file and state formats,
// the serving session (cold start, explanations, errors). Portable: no files, runs in wasm too.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "metacog/kt_baselines.hpp"
#include "metacog/kt_protocol.hpp"
#include "metacog/learner_features.hpp"
#include "metacog/learner_inner_grad.hpp"
#include "metacog/learner_model.hpp"
#include "metacog/learner_monotonicity.hpp"
#include "metacog/learner_session.hpp"
#include "metacog/learner_train.hpp"
#include "metacog/rng.hpp"
#include "learner_test_data.hpp"
#include "test_support.hpp"

using namespace metacog;
using test::small_config;
using test::synthetic;

namespace {

/** A small trained model (shared by several tests). */
const LearnerModel& trained_model() {
  static const LearnerModel model = [] {
    const KtDataset train = synthetic(120, 30, 6, 11), valid = synthetic(30, 30, 6, 12);
    LearnerTrainer t(train, valid, small_config(train, LearnerAlgo::Fomaml));
    while (!t.done()) t.run_epoch();
    LearnerModel m = t.best_model();
    m.header.algo = "learner-fomaml";
    return m;
  }();
  return model;
}

std::vector<uint8_t> model_bytes(const LearnerModel& m) { return serialize_safetensors(m.to_safetensors()); }

/** Checks every component of `g` (the analytic gradient at t's parameters) against central differences of
 *  t.loss_and_gradient; returns how many were checked. */
int check_against_central_differences(LearnerTrainer& t, const std::vector<int>& learners, const std::vector<double>& g) {
  LearnerModel& m = const_cast<LearnerModel&>(t.model());
  std::vector<double> scratch;
  const double h = 1e-6;
  int checked = 0;
  for (size_t k = 0; k < m.params().size(); ++k) {
    const double w0 = m.params()[k];
    m.params()[k] = w0 + h;
    const double lp = t.loss_and_gradient(learners, scratch);
    m.params()[k] = w0 - h;
    const double lm = t.loss_and_gradient(learners, scratch);
    m.params()[k] = w0;
    const double numeric = (lp - lm) / (2 * h);
    INFO("parameter " << k << " analytic " << g[k] << " numeric " << numeric);
    CHECK(std::abs(g[k] - numeric) <= 1e-5 + 1e-4 * std::abs(numeric));
    ++checked;
  }
  return checked;
}

/** Moves every parameter of t's model by 0.2·N(0, 1) (seed 9), so that φ₀, P and the rest are away from
 *  their initial values and their gradients are exercised; returns the model. */
LearnerModel& jitter(const LearnerTrainer& t) {
  LearnerModel& m = const_cast<LearnerModel&>(t.model());
  Pcg32 rng(9);
  for (double& w : m.params()) w += 0.2 * rng.normal();
  return m;
}

/** An optional weight of the training config (member `field`, JSON key `key`): off by default and then absent
 *  from the config JSON, so configs and checkpoints without it read exactly as before; on (`value`), it
 *  round-trips; negative, the trainer refuses it. */
void check_optional_weight(const KtDataset& train, double LearnerTrainConfig::*field, const char* key, double value) {
  CAPTURE(key);
  LearnerTrainConfig c = small_config(train, LearnerAlgo::Fomaml);
  CHECK(c.to_json().find(key) == std::string::npos);
  c.*field = value;
  CHECK(LearnerTrainConfig::from_json(c.to_json()).*field == value);
  c.*field = -1;
  CHECK(test::code_of([&] { LearnerTrainer bad(train, train, c); }) == ErrorCode::InvalidArgument);
}

}  // namespace

TEST_CASE("learner features: windowed counts and gaps match a brute-force recount") {
  LearnerHistory h;
  Pcg32 rng(5);
  std::vector<std::pair<int, bool>> past;
  for (int t = 0; t < 60; ++t) {
    const int slot = static_cast<int>(rng.uniform_int(4));
    double x[kHistoryFeatures];
    h.features(slot, t, x);
    int c5 = 0, f5 = 0, c20 = 0, f20 = 0, cs20 = 0, fs20 = 0, c = 0, f = 0;
    for (size_t j = 0; j < past.size(); ++j) {
      const bool in5 = j + 5 >= past.size(), in20 = j + 20 >= past.size();
      const bool ok = past[j].second;
      if (in5) (ok ? c5 : f5) += 1;
      if (in20) (ok ? c20 : f20) += 1;
      if (in20 && past[j].first == slot) (ok ? cs20 : fs20) += 1;
      if (past[j].first == slot) (ok ? c : f) += 1;
    }
    CHECK(x[0] == doctest::Approx(std::log1p(c)));
    CHECK(x[1] == doctest::Approx(std::log1p(f)));
    CHECK(x[12] == doctest::Approx(std::log1p(cs20)));
    CHECK(x[13] == doctest::Approx(std::log1p(fs20)));
    CHECK(x[21] == doctest::Approx(std::log1p(c5)));
    CHECK(x[22] == doctest::Approx(std::log1p(f5)));
    CHECK(x[23] == doctest::Approx(std::log1p(c20)));
    CHECK(x[24] == doctest::Approx(std::log1p(f20)));
    CHECK(x[20] == (!past.empty() && past.back().first == slot ? 1.0 : 0.0));
    const bool ok = rng.uniform() < 0.6f;
    h.observe(&slot, 1, ok, t);
    past.push_back({slot, ok});
  }
  int dup[2] = {1, 1};
  CHECK(test::code_of([&] { h.observe(dup, 2, true, 0); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("learner model: gradient of the protocol loss matches central differences") {
  const KtDataset train = synthetic(3, 12, 3, 21);
  LearnerTrainConfig c = small_config(train, LearnerAlgo::Fomaml);
  c.arch.dim = 3;
  c.arch.hidden = 4;
  c.arch.inner_steps = 0;  // φ_t = φ₀: the first-order gradient is then the exact gradient
  LearnerTrainer t(train, train, c);
  LearnerModel& m = jitter(t);
  std::vector<double> g;
  const std::vector<int> learners = {0, 1, 2};
  t.loss_and_gradient(learners, g);
  CHECK(check_against_central_differences(t, learners, g) == static_cast<int>(m.params().size()));
}

TEST_CASE("learner model: gradient with the monotonicity penalty matches central differences") {
  const KtDataset train = synthetic(3, 12, 3, 21);
  LearnerTrainConfig c = small_config(train, LearnerAlgo::Fomaml);
  c.arch.dim = 3;
  c.arch.hidden = 4;
  c.arch.inner_steps = 0;  // φ_t = φ₀: the first-order gradient is then the exact gradient
  c.monotonicity = 5.0;
  c.mono_insert = 0.4;
  LearnerTrainer t(train, train, c);
  LearnerModel& m = const_cast<LearnerModel&>(t.model());
  Pcg32 rng(9);
  for (double& w : m.params()) w += 0.5 * rng.normal();
  std::vector<double> g, g_plain;
  const std::vector<int> learners = {0, 1, 2};
  const double with_penalty = t.loss_and_gradient(learners, g);
  // the penalty is active at this point (else the check below would only re-test the plain loss)
  LearnerTrainConfig off = c;
  off.monotonicity = 0;
  LearnerTrainer plain(train, train, off);
  const_cast<LearnerModel&>(plain.model()).params() = m.params();
  const double without = plain.loss_and_gradient(learners, g_plain);
  CHECK(with_penalty > without + 1e-3);
  CHECK(check_against_central_differences(t, learners, g) == static_cast<int>(m.params().size()));
  int differs = 0;
  for (size_t k = 0; k < g.size(); ++k) differs += std::abs(g[k] - g_plain[k]) > 1e-6 ? 1 : 0;
  CHECK(differs > 0);
  // Reptile's chunked passes align the augmented sequence with the original chunk by chunk: with the
  // parameters fixed they give the same loss (predictions and hinge) and the same gradient, except
  // for the interaction embeddings, whose back-propagation through time stops at chunk boundaries.
  c.arch.inner_steps = 2;
  LearnerTrainer chunked(train, train, c);
  const_cast<LearnerModel&>(chunked.model()).params() = m.params();
  std::vector<double> g_whole, g_chunks;
  const double whole = chunked.loss_and_gradient(learners, g_whole);
  const double by_chunks = chunked.loss_and_gradient(learners, g_chunks, 5);
  CHECK(by_chunks == doctest::Approx(whole).epsilon(1e-12));
  const LearnerLayout& L = m.layout();
  for (size_t k = 0; k < g_whole.size(); ++k) {
    if (k >= L.interaction_embedding && k < L.item_difficulty) continue;
    INFO("parameter " << k);
    CHECK(g_chunks[k] == doctest::Approx(g_whole[k]).epsilon(1e-9));
  }
}

TEST_CASE("learner inner loop: the backward pass matches central differences of the loop") {
  LearnerArch a;
  a.rank = 2;
  a.hidden = 3;
  a.inner_lr = 0.7;
  a.prior_precision = 3.0;
  const int W = a.fast_size(), n = 7, K = 3;
  Pcg32 rng(5);
  std::vector<double> z(n), g(static_cast<size_t>(n * W)), phi0(W), phi_in(W), c(W);
  std::vector<uint8_t> y(n);
  for (int j = 0; j < n; ++j) {
    z[j] = rng.normal();
    y[j] = rng.uniform() < 0.5f ? 1 : 0;
    for (int k = 0; k < W; ++k) g[static_cast<size_t>(j * W + k)] = k == 0 ? 1.0 : 0.8 * rng.normal();
  }
  for (int k = 0; k < W; ++k) {
    phi0[k] = 0.3 * rng.normal();
    phi_in[k] = phi0[k] + 0.3 * rng.normal();
    c[k] = rng.normal();
  }
  // f = c · loop(φ_in; φ₀, z, g): the loop run on a ring holding (z_j, g_j, y_j)
  const auto run = [&](const std::vector<double>& p0, const std::vector<double>& pin, const std::vector<double>& zz,
                       const std::vector<double>& gg, InnerTrace* trace) {
    FastRing ring;
    ring.init(n, W);
    for (int j = 0; j < n; ++j) ring.push(zz[j], gg.data() + static_cast<size_t>(j * W), y[j] != 0);
    std::vector<double> phi = pin, scratch(static_cast<size_t>(5 * W));
    learner_inner_loop(a, p0.data(), ring, K, phi.data(), scratch.data(), trace);
    double f = 0;
    for (int k = 0; k < W; ++k) f += c[k] * phi[k];
    return f;
  };
  InnerTrace trace;
  run(phi0, phi_in, z, g, &trace);
  for (double sc : trace.scale) CHECK(sc == 1.0);  // full steps: the loop is smooth here
  std::vector<double> phibar = c, phi0bar(W, 0.0), zbar(n, 0.0), gbar(static_cast<size_t>(n * W), 0.0), scratch(4 * W);
  learner_inner_loop_backward(a, phi0.data(), z.data(), g.data(), y.data(), n, trace, phibar.data(), phi0bar.data(),
                              zbar.data(), gbar.data(), scratch.data());
  const double h = 1e-6;
  const auto check = [&](std::vector<double>& v, const std::vector<double>& analytic, const char* what) {
    for (size_t k = 0; k < v.size(); ++k) {
      const double v0 = v[k];
      v[k] = v0 + h;
      const double fp = run(phi0, phi_in, z, g, nullptr);
      v[k] = v0 - h;
      const double fm = run(phi0, phi_in, z, g, nullptr);
      v[k] = v0;
      const double numeric = (fp - fm) / (2 * h);
      INFO(what << "[" << k << "] analytic " << analytic[k] << " numeric " << numeric);
      CHECK(std::abs(analytic[k] - numeric) <= 1e-6 + 1e-5 * std::abs(numeric));
    }
  };
  check(phi_in, phibar, "phi");
  check(phi0, phi0bar, "phi0");
  check(z, zbar, "z");
  check(g, gbar, "g");
}

TEST_CASE("learner model: the second-order MAML gradient matches central differences through the inner loops") {
  const KtDataset train = synthetic(3, 12, 3, 21);
  for (double lambda : {0.0, 5.0}) {
    CAPTURE(lambda);
    LearnerTrainConfig c = small_config(train, LearnerAlgo::Maml);
    c.arch.dim = 3;
    c.arch.hidden = 4;
    c.arch.inner_steps = 2;
    c.arch.inner_window = 5;  // the window slides within a learner: responses leave the inner loop
    c.arch.inner_lr = 0.5;
    c.monotonicity = lambda;
    c.mono_insert = 0.4;
    c.maml_horizon = -1;  // every inner loop: the exact gradient
    LearnerTrainer t(train, train, c);
    LearnerModel& m = jitter(t);
    std::vector<double> g;
    const std::vector<int> learners = {0, 1, 2};
    const double loss = t.loss_and_gradient(learners, g);
    CHECK(check_against_central_differences(t, learners, g) == static_cast<int>(m.params().size()));
    // the same point under FOMAML: the same loss, a different (first-order) gradient
    LearnerTrainConfig fo = c;
    fo.algo = LearnerAlgo::Fomaml;
    LearnerTrainer first(train, train, fo);
    const_cast<LearnerModel&>(first.model()).params() = m.params();
    std::vector<double> g_first;
    CHECK(first.loss_and_gradient(learners, g_first) == doctest::Approx(loss).epsilon(1e-12));
    double diff = 0, norm = 0;
    for (size_t k = 0; k < g.size(); ++k) {
      diff += (g[k] - g_first[k]) * (g[k] - g_first[k]);
      norm += g[k] * g[k];
    }
    MESSAGE("λ = " << lambda << ": |∇_MAML − ∇_FOMAML| / |∇_MAML| = " << std::sqrt(diff / norm));
    CHECK(std::sqrt(diff / norm) > 1e-3);
  }
  {
    // the truncated horizon: 0 inner loops is FOMAML, 12 (a learner's whole length) the exact gradient,
    // 1 neither
    const auto gradient_with = [&](int horizon) {
      LearnerTrainConfig c = small_config(train, LearnerAlgo::Maml);
      c.arch.inner_steps = 2;
      c.arch.inner_window = 5;
      c.maml_horizon = horizon;
      LearnerTrainer t(train, train, c);
      jitter(t);
      std::vector<double> g;
      t.loss_and_gradient({0, 1, 2}, g);
      return g;
    };
    LearnerTrainConfig fo = small_config(train, LearnerAlgo::Fomaml);
    fo.arch.inner_steps = 2;
    fo.arch.inner_window = 5;
    LearnerTrainer first(train, train, fo);
    jitter(first);
    std::vector<double> g_first;
    first.loss_and_gradient({0, 1, 2}, g_first);
    const std::vector<double> g0 = gradient_with(0), g1 = gradient_with(1), g12 = gradient_with(12),
                              exact = gradient_with(-1);
    const auto distance = [](const std::vector<double>& x, const std::vector<double>& y) {
      double d = 0;
      for (size_t k = 0; k < x.size(); ++k) d = std::max(d, std::abs(x[k] - y[k]));
      return d;
    };
    CHECK(distance(g0, g_first) < 1e-12);
    CHECK(distance(g12, exact) < 1e-12);
    CHECK(distance(g1, g_first) > 1e-4);
    CHECK(distance(g1, exact) > 1e-4);
  }
  // without inner steps φ_t = φ₀ and the two gradients are the same
  LearnerTrainConfig c = small_config(train, LearnerAlgo::Maml);
  c.arch.inner_steps = 0;
  LearnerTrainConfig fo = c;
  fo.algo = LearnerAlgo::Fomaml;
  LearnerTrainer t(train, train, c), first(train, train, fo);
  std::vector<double> g, g_first;
  t.loss_and_gradient({0, 1, 2}, g);
  first.loss_and_gradient({0, 1, 2}, g_first);
  for (size_t k = 0; k < g.size(); ++k) CHECK(g[k] == doctest::Approx(g_first[k]).epsilon(1e-12));
  // second order differentiates whole learners from the prior: Reptile-style chunks are refused
  CHECK(test::code_of([&] { t.loss_and_gradient({0}, g, 5); }) == ErrorCode::InvalidState);
}

/**
 * "Retry" logs: a right answer is followed, a third of the time, by a check item on the same skill
 * that is then answered wrong (the right answer was a lucky guess); otherwise the learner moves on.
 * In such logs another right answer on the skill predicts a wrong one — the pattern that made a
 * model trained on Statics2011 lower its prediction after right answers.
 */
KtDataset retry_logs(int learners, int length, int skills, uint64_t seed) {
  Pcg32 rng(seed);
  KtDataset d;
  d.num_items = skills;
  d.num_skills = skills;
  for (int s = 0; s < skills; ++s) {
    d.item_labels.push_back(std::to_string(s + 1));
    d.skill_labels.push_back(std::to_string(s + 1));
  }
  for (int u = 0; u < learners; ++u) {
    LearnerLog log;
    log.learner = std::to_string(u);
    const double ability = 0.5 + 0.4 * rng.uniform_double();
    int s = static_cast<int>(rng.uniform_int(static_cast<uint32_t>(skills)));
    bool check_next = false;
    for (int t = 0; t < length; ++t) {
      Response r;
      r.item = r.skill = s;
      r.correct = check_next ? false : rng.uniform_double() < ability;
      r.timestamp = t;
      log.responses.push_back(r);
      check_next = !check_next && r.correct && rng.uniform() < 0.33f;
      if (!check_next && r.correct) s = static_cast<int>(rng.uniform_int(static_cast<uint32_t>(skills)));
    }
    d.learners.push_back(log);
  }
  return d;
}

TEST_CASE("learner training: the monotonicity penalty removes predictions that right answers lower") {
  const KtDataset train = retry_logs(150, 40, 8, 41), valid = retry_logs(40, 40, 8, 42), test = retry_logs(60, 40, 8, 43);
  auto fit = [&](double lambda) {
    LearnerTrainConfig c = small_config(train, LearnerAlgo::Fomaml);
    c.max_epochs = 6;
    c.monotonicity = lambda;
    c.mono_insert = 0.2;
    LearnerTrainer t(train, valid, c);
    while (!t.done()) t.run_epoch();
    return t.best_model();
  };
  const LearnerModel plain = fit(0.0), regular = fit(10.0);
  const MonotonicityReport a = measure_monotonicity(plain, test), b = measure_monotonicity(regular, test);
  MESSAGE("violations: plain " << a.to_json() << "; penalised " << b.to_json());
  CHECK(a.checked == test.num_responses());
  CHECK(a.mean_drop_all > 0.1);  // the unpenalised network learned the retry pattern: right answers lower p
  CHECK(a.violation_rate > 0.5);
  CHECK(b.mean_drop_all < 0.1 * a.mean_drop_all);  // the penalty removes nearly all of the drop
  CHECK(b.max_drop < 0.5 * a.max_drop);
  // In these logs the retry pattern is most of the signal, and a model that may not use it predicts
  // worse (AUC ≈ 0.74 → 0.60 here): the penalty trades fit to a logging policy for monotone behaviour.
  LearnerOnlinePredictor pa(plain), pb(regular);
  const double auc_a = evaluate_online(pa, test).overall.auc, auc_b = evaluate_online(pb, test).overall.auc;
  MESSAGE("AUC: plain " << auc_a << ", penalised " << auc_b);
  CHECK(auc_b > 0.55);
  // configs without the penalty serialise as before; with it, the two keys round-trip
  LearnerTrainConfig c = small_config(train, LearnerAlgo::Fomaml);
  CHECK(c.to_json().find("monotonicity") == std::string::npos);
  c.monotonicity = 2.5;
  c.mono_insert = 0.3;
  const LearnerTrainConfig back = LearnerTrainConfig::from_json(c.to_json());
  CHECK(back.monotonicity == 2.5);
  CHECK(back.mono_insert == 0.3);
  c.mono_insert = 0;
  CHECK(test::code_of([&] { LearnerTrainer bad(train, valid, c); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("learner model: training is deterministic by seed and beats the running rate on held-out learners") {
  const KtDataset train = synthetic(120, 30, 6, 11), valid = synthetic(30, 30, 6, 12), test = synthetic(60, 30, 6, 13);
  for (LearnerAlgo algo : {LearnerAlgo::Reptile, LearnerAlgo::Fomaml, LearnerAlgo::Maml}) {
    LearnerTrainer a(train, valid, small_config(train, algo)), b(train, valid, small_config(train, algo)),
        c(train, valid, small_config(train, algo, 4));
    a.run_epoch();
    b.run_epoch();
    c.run_epoch();
    CHECK(a.model().params() == b.model().params());
    CHECK(a.model().params() != c.model().params());
  }
  const LearnerModel& m = trained_model();
  LearnerOnlinePredictor p(m);
  const double auc = evaluate_online(p, test).overall.auc;
  KtTuneOptions quick;
  quick.tune = false;
  auto rr = fit_kt_baseline("running_rate", train, quick);
  const double rr_auc = evaluate_online(rr->factory(), test).overall.auc;
  MESSAGE("synthetic: learner model AUC " << auc << ", running rate " << rr_auc);
  CHECK(auc > rr_auc);
  // second-order MAML learns too, and so does the same network without meta-learning (the nonmeta
  // baseline, trained globally)
  for (LearnerAlgo algo : {LearnerAlgo::Maml, LearnerAlgo::Pretrain}) {
    LearnerTrainer t(train, valid, small_config(train, algo));
    while (!t.done()) t.run_epoch();
    const LearnerModel trained = t.best_model();
    LearnerOnlinePredictor pt(trained);
    const double algo_auc = evaluate_online(pt, test).overall.auc;
    MESSAGE("synthetic: " << learner_algo_name(algo) << " AUC " << algo_auc);
    CHECK(algo_auc > rr_auc);
  }
}

TEST_CASE("learner training: save_state / load_state resumes bit for bit") {
  const KtDataset train = synthetic(40, 20, 5, 31), valid = synthetic(10, 20, 5, 32);
  for (double halflife : {0.0, 0.5})
  for (LearnerAlgo algo : {LearnerAlgo::Reptile, LearnerAlgo::Fomaml, LearnerAlgo::Maml, LearnerAlgo::Pretrain}) {
    CAPTURE(halflife);
    LearnerTrainConfig c = small_config(train, algo);
    c.average_halflife = halflife;  // the parameter average is part of the state
    LearnerTrainer straight(train, valid, c);
    for (int e = 0; e < 3; ++e) straight.run_epoch();
    LearnerTrainer first(train, valid, c);
    first.run_epoch();
    SafetensorsFile ck;
    first.save_state(ck, "x.");
    const SafetensorsFile reread = parse_safetensors(serialize_safetensors(ck));
    LearnerTrainer resumed(train, valid, c);
    resumed.load_state(reread, "x.");
    CHECK(resumed.epoch() == 1);
    while (resumed.epoch() < 3) resumed.run_epoch();
    CHECK(resumed.model().params() == straight.model().params());
    CHECK(resumed.best_epoch() == straight.best_epoch());
    CHECK(resumed.best_model().params() == straight.best_model().params());
    // a checkpoint of other settings is refused
    LearnerTrainConfig other = c;
    other.lr *= 2;
    LearnerTrainer wrong(train, valid, other);
    CHECK(test::code_of([&] { wrong.load_state(reread, "x."); }) == ErrorCode::StateFormat);
  }
}

TEST_CASE("learner training: parameter averaging keeps the debiased exponential average of the iterates") {
  const KtDataset train = synthetic(40, 20, 5, 33), valid = synthetic(10, 20, 5, 34);
  for (LearnerAlgo algo : {LearnerAlgo::Reptile, LearnerAlgo::Fomaml}) {
    LearnerTrainConfig c = small_config(train, algo);
    c.average_halflife = 0.5;
    LearnerTrainer t(train, valid, c);
    // W after every outer update (the progress callback runs right after each one)
    std::vector<std::vector<double>> iterates;
    t.run_epoch([&](double) { iterates.push_back(t.model().params()); });
    const size_t U = (train.learners.size() + static_cast<size_t>(c.meta_batch) - 1) / static_cast<size_t>(c.meta_batch);
    REQUIRE(iterates.size() == U);
    const double tau = std::pow(2.0, -1.0 / (0.5 * static_cast<double>(U)));  // half-life: half an epoch
    std::vector<double> avg(iterates[0].size(), 0.0);
    double weight = 0;
    for (const auto& w : iterates) {
      for (size_t k = 0; k < avg.size(); ++k) avg[k] = tau * avg[k] + (1 - tau) * w[k];
      weight = tau * weight + (1 - tau);
    }
    const LearnerModel best = t.best_model();  // epoch 0 is always the best so far
    const std::vector<double>& kept = best.params();
    REQUIRE(kept.size() == avg.size());
    double worst = 0, moved = 0;
    for (size_t k = 0; k < avg.size(); ++k) {
      worst = std::max(worst, std::abs(kept[k] - avg[k] / weight));
      moved = std::max(moved, std::abs(kept[k] - iterates.back()[k]));
    }
    CHECK(worst < 1e-6 * (1 + moved));  // float rounding of the saved parameters only
    CHECK(moved > 1e-4);                // and it is not simply the last iterate
  }
  check_optional_weight(train, &LearnerTrainConfig::average_halflife, "average_halflife", 0.75);
}

TEST_CASE("learner training: a warm start begins meta-training at the given network") {
  const KtDataset train = synthetic(40, 20, 5, 31), valid = synthetic(10, 20, 5, 32);
  LearnerTrainer pre(train, valid, small_config(train, LearnerAlgo::Pretrain));
  pre.run_epoch();
  const std::vector<double> start = pre.model().params();
  // every meta-learner, with the default grid's monotonicity penalty and parameter averaging
  for (LearnerAlgo algo : {LearnerAlgo::Reptile, LearnerAlgo::Fomaml, LearnerAlgo::Maml}) {
    CAPTURE(learner_algo_name(algo));
    LearnerTrainConfig c = small_config(train, algo);
    c.monotonicity = 1.0;
    c.average_halflife = 3.0;
    c.warm_start = true;
    CHECK(LearnerTrainConfig::from_json(c.to_json()).warm_start);
    CHECK_FALSE(LearnerTrainConfig::from_json(small_config(train, algo).to_json()).warm_start);
    LearnerTrainer warm(train, valid, c);
    // a network of another size is refused and changes nothing
    const std::vector<double> before = warm.model().params();
    CHECK(test::code_of([&] { warm.warm_start_from(std::vector<double>(start.size() + 1, 0.0)); }) ==
          ErrorCode::InvalidArgument);
    CHECK(warm.model().params() == before);
    warm.warm_start_from(start);
    CHECK(warm.model().params() == start);
    // one epoch from the start equals one epoch of a trainer whose own initialisation is the start
    // (the same model, Adam moments and average from there on)
    warm.run_epoch();
    LearnerTrainer twin(train, valid, c);
    const_cast<LearnerModel&>(twin.model()).params() = start;
    twin.run_epoch();
    CHECK(warm.model().params() == twin.model().params());
    CHECK(warm.best_model().params() == twin.best_model().params());
    // only before the first epoch
    CHECK(test::code_of([&] { warm.warm_start_from(start); }) == ErrorCode::InvalidState);
  }
}

TEST_CASE("learner training: the early-position weight adds γ times the loss of each learner's first K + 1 answers") {
  // learner 1 is learner 0's first K + 1 = 5 responses: a prediction never sees later answers, so
  // L_γ(learner 0) = L_0(learner 0) + γ · ℓ(learner 1), ℓ the prediction loss alone, and the same for the
  // gradients; the monotonicity hinge is not weighted, so the identity holds with it on too
  KtDataset train = synthetic(2, 14, 3, 41);
  train.learners[1].responses.assign(train.learners[0].responses.begin(), train.learners[0].responses.begin() + 5);
  LearnerTrainConfig c0 = small_config(train, LearnerAlgo::Fomaml);
  LearnerTrainer prefix_only(train, train, c0);
  std::vector<double> g_prefix;
  const double l_prefix = prefix_only.loss_and_gradient({1}, g_prefix);
  for (double lambda : {0.0, 1.0}) {
    INFO("monotonicity " << lambda);
    LearnerTrainConfig c = c0;
    c.monotonicity = lambda;
    c.mono_insert = 0.3;
    LearnerTrainer plain(train, train, c);
    c.early_weight = 2.5;
    c.early_positions = 4;
    LearnerTrainer weighted(train, train, c);
    std::vector<double> g_full, g_weighted;
    const double l_full = plain.loss_and_gradient({0}, g_full);
    const double l_weighted = weighted.loss_and_gradient({0}, g_weighted);
    CHECK(l_weighted == doctest::Approx(l_full + 2.5 * l_prefix).epsilon(1e-12));
    REQUIRE(g_weighted.size() == g_full.size());
    double worst = 0, added = 0;
    for (size_t k = 0; k < g_full.size(); ++k) {
      worst = std::max(worst, std::abs(g_weighted[k] - (g_full[k] + 2.5 * g_prefix[k])));
      added = std::max(added, std::abs(2.5 * g_prefix[k]));
    }
    CHECK(worst <= 1e-12 * (1 + added));
    CHECK(added > 1e-6);  // the weight changes the gradient
  }
  check_optional_weight(train, &LearnerTrainConfig::early_weight, "early_weight", 1.5);
  LearnerTrainConfig c = small_config(train, LearnerAlgo::Fomaml);  // K is written with γ
  c.early_weight = 1.5;
  c.early_positions = 7;
  CHECK(LearnerTrainConfig::from_json(c.to_json()).early_positions == 7);
}

TEST_CASE("learner training: the unadapted read-out loss adds λ₀ times the loss with the inner loop off") {
  // L(λ₀) = L(0) + λ₀ L₀, where L₀ is the same network's loss with φ held at φ₀: the loss of a network whose
  // inner loop takes no step (inner_steps = 0), whose gradient central differences check above. The
  // identity holds for the loss and the gradient, whole passes and the chunked passes of Reptile's inner
  // loop (without its updates), first and second order, alone and with the monotonicity penalty (whose
  // hinge is in L(0) only) and the early-position weight (which weighs both sums).
  const KtDataset train = synthetic(3, 12, 3, 21);
  for (const LearnerAlgo algo : {LearnerAlgo::Fomaml, LearnerAlgo::Maml, LearnerAlgo::Reptile}) {
    for (const int chunk : {0, 5}) {
      for (const bool extras : {false, true}) {
        if (algo == LearnerAlgo::Maml && chunk > 0) continue;  // second order differentiates whole passes
        CAPTURE(learner_algo_name(algo));
        CAPTURE(chunk);
        CAPTURE(extras);
        LearnerTrainConfig c = small_config(train, algo);
        c.arch.inner_steps = 2;
        if (extras) {
          c.monotonicity = 2.0;
          c.mono_insert = 0.4;
          c.early_weight = 1.5;
          c.early_positions = 4;
        }
        LearnerTrainer plain(train, train, c);
        const std::vector<double> params = jitter(plain).params();
        c.unadapted_weight = 0.7;
        LearnerTrainer with_term(train, train, c);
        const_cast<LearnerModel&>(with_term.model()).params() = params;
        LearnerTrainConfig frozen = small_config(train, LearnerAlgo::Fomaml);
        frozen.arch.inner_steps = 0;
        frozen.early_weight = c.early_weight;
        frozen.early_positions = c.early_positions;
        LearnerTrainer no_adaptation(train, train, frozen);
        const_cast<LearnerModel&>(no_adaptation.model()).params() = params;
        const std::vector<int> learners = {0, 1, 2};
        std::vector<double> g_plain, g_with, g_frozen;
        const double l_plain = plain.loss_and_gradient(learners, g_plain, chunk);
        const double l_with = with_term.loss_and_gradient(learners, g_with, chunk);
        const double l_frozen = no_adaptation.loss_and_gradient(learners, g_frozen, chunk);
        CHECK(l_with == doctest::Approx(l_plain + 0.7 * l_frozen).epsilon(1e-12));
        CHECK(std::abs(l_plain - l_frozen) > 1e-3);  // the inner loop does change the predictions here
        double worst = 0, added = 0;
        for (size_t k = 0; k < g_plain.size(); ++k) {
          worst = std::max(worst, std::abs(g_with[k] - (g_plain[k] + 0.7 * g_frozen[k])));
          added = std::max(added, std::abs(0.7 * g_frozen[k]));
        }
        CHECK(worst <= 1e-11 * (1 + added));
        CHECK(added > 1e-6);
      }
    }
  }
  // the training epochs use it: one epoch from the same start ends elsewhere with the term on
  for (const LearnerAlgo algo : {LearnerAlgo::Fomaml, LearnerAlgo::Reptile}) {
    CAPTURE(learner_algo_name(algo));
    LearnerTrainConfig c = small_config(train, algo);
    LearnerTrainer off(train, train, c);
    c.unadapted_weight = 0.7;
    LearnerTrainer on(train, train, c);
    REQUIRE(off.model().params() == on.model().params());
    off.run_epoch();
    on.run_epoch();
    double moved = 0;
    for (size_t k = 0; k < off.model().params().size(); ++k)
      moved = std::max(moved, std::abs(off.model().params()[k] - on.model().params()[k]));
    CHECK(moved > 1e-6);
  }
  check_optional_weight(train, &LearnerTrainConfig::unadapted_weight, "unadapted_weight", 0.5);
  // the non-meta network refuses it (it never adapts)
  LearnerTrainConfig p = small_config(train, LearnerAlgo::Pretrain);
  p.unadapted_weight = 0.5;
  CHECK(test::code_of([&] { LearnerTrainer bad(train, train, p); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("learner model: the default network keeps a shipped model within its size budget") {
  // d = 64, H = 128 unless the file would exceed design.md's 1 MB per shipped model (embeddings grow
  // with the vocabulary): ASSIST2009-sized and Statics2011-sized vocabularies
  for (const int vocab : {110, 1223}) {
    CAPTURE(vocab);
    KtDataset d;
    d.num_items = d.num_skills = vocab;
    const LearnerArch a = default_learner_arch(d);
    CHECK(a.dim == (vocab == 110 ? 64 : 32));
    CHECK(a.hidden == 2 * a.dim);
    LearnerArch wide = a;
    wide.dim = 64;
    wide.hidden = 128;
    CHECK((learner_model_tensor_bytes(wide) > kShippedModelBytes - kModelHeaderAllowance) == (vocab == 1223));
    // the estimate bounds the real file's tensors (a model with the optional tensors, without a header)
    LearnerModel m(a, 1);
    m.feature_lo.assign(kHistoryFeatures, -1.0);
    m.feature_hi.assign(kHistoryFeatures, 1.0);
    const std::vector<uint8_t> bytes = model_bytes(m);
    const SafetensorsFile f = parse_safetensors(bytes.data(), bytes.size());
    size_t tensor_bytes = 0;
    for (const auto& kv : f.tensors) tensor_bytes += kv.second.bytes.size();
    CHECK(tensor_bytes <= learner_model_tensor_bytes(a));
    CHECK(tensor_bytes > learner_model_tensor_bytes(a) * 9 / 10);
    CHECK(learner_model_tensor_bytes(a) <= kShippedModelBytes - kModelHeaderAllowance);
  }
}

TEST_CASE("learner model file: round trip and validation errors") {
  const LearnerModel& m = trained_model();
  const std::vector<uint8_t> bytes = model_bytes(m);
  const LearnerModel back = LearnerModel::from_safetensors(bytes.data(), bytes.size());
  CHECK(back.params() == m.params());
  CHECK(back.arch().to_json() == m.arch().to_json());
  CHECK(back.skill_labels == m.skill_labels);
  CHECK(bytes.size() < 1'000'000);

  auto with = [&](const std::function<void(SafetensorsFile&)>& edit) {
    SafetensorsFile f = m.to_safetensors();
    edit(f);
    const std::vector<uint8_t> b = serialize_safetensors(f);
    return test::code_of([&] { LearnerModel::from_safetensors(b.data(), b.size()); });
  };
  CHECK(with([](SafetensorsFile& f) {
          Tensor t = f.get_f32("mlp.0.bias");
          t[0] = std::nanf("");
          f.set_f32("mlp.0.bias", t);
        }) == ErrorCode::ModelFormat);
  CHECK(with([](SafetensorsFile& f) {
          Tensor t = f.get_f32("features.std");
          t[3] = 0;
          f.set_f32("features.std", t);
        }) == ErrorCode::ModelFormat);
  CHECK(with([](SafetensorsFile& f) { f.set_f32("mlp.0.bias", Tensor::zeros({3})); }) == ErrorCode::ModelFormat);
  CHECK(with([](SafetensorsFile& f) { f.tensors.erase("fast.init"); }) == ErrorCode::ModelFormat);
  CHECK(with([](SafetensorsFile& f) { f.metadata["format_version"] = "99"; }) == ErrorCode::ModelVersion);
  CHECK(with([](SafetensorsFile& f) { f.metadata["algo"] = "protonet"; }) == ErrorCode::ModelKind);
  CHECK(with([](SafetensorsFile& f) { f.metadata["arch"] = R"({"kind":"learner","dim":4})"; }) == ErrorCode::ModelFormat);
  CHECK(with([](SafetensorsFile& f) { f.metadata["vocab"] = R"({"items":[1],"skills":[]})"; }) == ErrorCode::ModelFormat);
  // a label named twice: native loaders would map it to its first row, the browser session to its last
  auto vocab = [&](int repeat_at) {
    nlohmann::json v = {{"items", nlohmann::json::array()}, {"skills", nlohmann::json::array()}};
    for (int i = 0; i < m.arch().num_items; ++i) v["items"].push_back(std::to_string(i == repeat_at ? 0 : i));
    return v.dump();
  };
  {
    SafetensorsFile f = m.to_safetensors();
    f.metadata["vocab"] = vocab(-1);
    const std::vector<uint8_t> b = serialize_safetensors(f);
    CHECK_NOTHROW(LearnerModel::from_safetensors(b.data(), b.size()));
  }
  CHECK(with([&](SafetensorsFile& f) { f.metadata["vocab"] = vocab(1); }) == ErrorCode::ModelFormat);
  const std::vector<uint8_t> junk = {1, 2, 3};
  CHECK(test::code_of([&] { LearnerSession::load_model(junk.data(), junk.size()); }) == ErrorCode::ModelFormat);
}

TEST_CASE("learner model: history features are clamped to their training range") {
  const LearnerModel& m = trained_model();  // fitted by LearnerTrainer: carries the range of its logs
  REQUIRE(m.feature_lo.size() == static_cast<size_t>(kHistoryFeatures));
  REQUIRE(m.feature_hi.size() == m.feature_lo.size());
  // the range of the 120 × 30 training responses: counts ln(1 + n) reach ln(30) at most
  const KtDataset train = synthetic(120, 30, 6, 11);
  std::vector<double> mean, sd, lo, hi;
  fit_feature_statistics(train, mean, sd, lo, hi);
  CHECK(lo == m.feature_lo);
  CHECK(hi == m.feature_hi);
  for (int f = 0; f < kHistoryFeatures; ++f) {
    CHECK(lo[static_cast<size_t>(f)] <= mean[static_cast<size_t>(f)]);
    CHECK(mean[static_cast<size_t>(f)] <= hi[static_cast<size_t>(f)]);
    const double top = m.standardised(f, hi[static_cast<size_t>(f)]);
    CHECK(m.standardised(f, hi[static_cast<size_t>(f)] + 100.0) == top);
    CHECK(m.standardised(f, lo[static_cast<size_t>(f)] - 100.0) == m.standardised(f, lo[static_cast<size_t>(f)]));
  }
  CHECK(hi[0] <= std::log(31.0) + 1e-12);
  // inside the range nothing changes: the same predictions on the training logs with and without it
  LearnerModel unclamped = m;
  unclamped.feature_lo.clear();
  unclamped.feature_hi.clear();
  LearnerOnlinePredictor a(m), b(unclamped);
  const KtEvalResult ea = evaluate_online(a, train), eb = evaluate_online(b, train);
  CHECK(ea.overall.auc == eb.overall.auc);
  CHECK(ea.overall.rmse == eb.overall.rmse);
  // a history far longer than any in training: counts beyond the range change nothing
  const std::vector<uint8_t> bytes = model_bytes(m);
  auto p_after = [&](const std::vector<uint8_t>& file, int answers) {
    LearnerSession s(LearnerSession::load_model(file.data(), file.size()));
    for (const std::string& label : m.skill_labels) s.register_item(label, {label});
    for (int t = 0; t < answers; ++t) s.observe(std::to_string(1 + t % 6), t % 3 != 0, static_cast<double>(t));
    return s.predict("1");
  };
  const double p_long = p_after(bytes, 3000);
  CHECK(p_long == doctest::Approx(p_after(bytes, 6000)).epsilon(0.02));
  CHECK(p_long > 0.05);
  CHECK(p_long < 0.99);
  // file: round trip, both or neither, min ≤ max
  const LearnerModel back = LearnerModel::from_safetensors(bytes.data(), bytes.size());
  for (size_t f = 0; f < lo.size(); ++f) {
    CHECK(back.feature_lo[f] == doctest::Approx(lo[f]));
    CHECK(back.feature_hi[f] == doctest::Approx(hi[f]));
  }
  auto with = [&](const std::function<void(SafetensorsFile&)>& edit) {
    SafetensorsFile f = m.to_safetensors();
    edit(f);
    const std::vector<uint8_t> b2 = serialize_safetensors(f);
    return test::code_of([&] { LearnerModel::from_safetensors(b2.data(), b2.size()); });
  };
  CHECK(with([](SafetensorsFile& f) { f.tensors.erase("features.max"); }) == ErrorCode::ModelFormat);
  CHECK(with([](SafetensorsFile& f) {
          Tensor t = f.get_f32("features.min");
          t[2] = f.get_f32("features.max")[2] + 1;
          f.set_f32("features.min", t);
        }) == ErrorCode::ModelFormat);
  SafetensorsFile older = m.to_safetensors();  // a file from before the range: loads, unclamped
  older.tensors.erase("features.min");
  older.tensors.erase("features.max");
  const std::vector<uint8_t> older_bytes = serialize_safetensors(older);
  CHECK(LearnerModel::from_safetensors(older_bytes.data(), older_bytes.size()).feature_lo.empty());
}

TEST_CASE("learner session: same predictions as the evaluation path, cold start, mastery, explanations") {
  const LearnerModel& m = trained_model();
  const std::vector<uint8_t> bytes = model_bytes(m);
  auto model = LearnerSession::load_model(bytes.data(), bytes.size());
  LearnerSession s(model);
  for (const std::string& label : m.skill_labels) s.register_item(label, {label});
  // the serving path and the protocol path agree
  const KtDataset one = synthetic(1, 25, 6, 77);
  LearnerOnlinePredictor p(*model);
  p.begin_learner();
  for (const Response& r : one.learners[0].responses) {
    const std::string id = m.item_labels[static_cast<size_t>(r.item)];
    CHECK(s.predict(id) == doctest::Approx(p.predict(r)).epsilon(1e-12));
    p.observe(r);
    s.observe(id, r.correct, r.timestamp);
  }
  // mastery (P(correct) on a typical item of the skill) equals the prediction of a new item of that
  // skill, which has the skill's typical difficulty β_s; the item path was checked above
  for (size_t k = 0; k < 5; ++k) s.register_item("typical-" + m.skill_labels[k], {m.skill_labels[k]});
  const std::vector<SkillMastery> ms = s.mastery();
  for (size_t k = 0; k < 5; ++k) {
    const auto it = std::find_if(ms.begin(), ms.end(), [&](const SkillMastery& x) { return x.skill == m.skill_labels[k]; });
    REQUIRE(it != ms.end());
    CHECK(it->mastery == doctest::Approx(s.predict("typical-" + m.skill_labels[k])).epsilon(1e-12));
  }
  // a new skill (not in the model): population prior, then adapts down after wrong answers
  s.register_item("frac-1", {"fractions"});
  s.register_item("frac-2", {"fractions", "1"}, /*difficulty_hint=*/1.0);
  const double before = s.predict("frac-1");
  CHECK(before > 0.0);
  CHECK(before < 1.0);
  for (int k = 0; k < 6; ++k) s.observe("frac-1", false, 100.0 + k);
  CHECK(s.predict("frac-1") < before);
  bool found = false;
  for (const SkillMastery& sm : s.mastery()) {
    if (sm.skill == "fractions") {
      found = true;
      CHECK(sm.attempts == 6);
      CHECK(sm.correct == 0);
      CHECK_FALSE(sm.known_to_model);
      CHECK(sm.mastery < before);
    }
  }
  CHECK(found);
  // explanations add up to the logit of the prediction
  for (const std::string& id : {std::string("frac-2"), std::string("frac-1"), m.item_labels[0]}) {
    const Explanation e = s.explain(id);
    const double p_item = s.predict(id);
    CHECK(e.p == doctest::Approx(p_item).epsilon(1e-9));
    double sum = 0;
    for (const auto& c : e.contributions) sum += c.logit;
    CHECK(sum == doctest::Approx(std::log(p_item / (1 - p_item))).epsilon(1e-9));
    CHECK(e.contributions.size() == 5);
    CHECK_FALSE(e.recent.empty());
  }
  // batch predict equals one-by-one
  std::vector<int> idx;
  for (size_t k = 0; k < s.num_items(); ++k) idx.push_back(static_cast<int>(k));
  std::vector<double> out(idx.size());
  s.predict(idx.data(), idx.size(), out.data());
  for (size_t k = 0; k < idx.size(); ++k) CHECK(out[k] == doctest::Approx(s.predict(s.item_id(idx[k]))).epsilon(1e-12));
}

TEST_CASE("learner session: state round trip and rejected inputs change nothing") {
  const LearnerModel& m = trained_model();
  const std::vector<uint8_t> bytes = model_bytes(m);
  auto model = LearnerSession::load_model(bytes.data(), bytes.size());
  LearnerSession s(model);
  for (const std::string& label : m.skill_labels) s.register_item("item-" + label, {label});
  s.register_item("new-item", {"new-skill"});
  Pcg32 rng(3);
  for (int t = 0; t < 30; ++t) {
    const int k = static_cast<int>(rng.uniform_int(static_cast<uint32_t>(s.num_items())));
    s.observe(s.item_id(k), rng.uniform() < 0.6f, 10.0 * t);
  }
  const std::string saved = s.export_state();
  LearnerSession r(model);
  r.import_state(saved);  // items come back from the state document
  CHECK(r.num_responses() == 30);
  CHECK(r.export_state() == saved);
  CHECK(r.fast_weights() == s.fast_weights());
  CHECK(r.predict("new-item") == s.predict("new-item"));
  const std::vector<uint8_t> b = s.export_state_bytes();
  LearnerSession rb(model);
  rb.import_state_bytes(b.data(), b.size());
  CHECK(rb.export_state() == saved);

  auto rejected = [&](const std::function<void()>& f, ErrorCode code) {
    const std::string before = s.export_state();
    const size_t items = s.num_items();
    CHECK(test::code_of(f) == code);
    CHECK(s.export_state() == before);
    CHECK(s.num_items() == items);
  };
  rejected([&] { s.observe("nope", true, 1.0); }, ErrorCode::UnknownItem);
  rejected([&] { s.observe("new-item", true, std::nan("")); }, ErrorCode::InvalidArgument);
  rejected([&] { s.observe("other", {}, true, 1.0); }, ErrorCode::InvalidArgument);
  rejected([&] { s.register_item("x", {"a", "a"}); }, ErrorCode::InvalidArgument);
  rejected([&] { s.register_item("new-item", {"other-skill"}); }, ErrorCode::InvalidArgument);
  rejected([&] { s.register_item("", {"a"}); }, ErrorCode::InvalidArgument);
  rejected([&] { s.register_item("y", {"a"}, INFINITY); }, ErrorCode::InvalidArgument);
  int bad = 999;
  double out = 0;
  rejected([&] { s.predict(&bad, 1, &out); }, ErrorCode::InvalidArgument);
  rejected([&] { s.explain("nope"); }, ErrorCode::UnknownItem);
  rejected([&] { s.import_state("not json"); }, ErrorCode::StateFormat);
  rejected([&] { s.import_state(R"({"format":"metacog-learner-state","version":99,"responses":[]})"); },
           ErrorCode::StateVersion);
  rejected([&] { s.import_state(R"({"format":"other","version":1,"responses":[]})"); }, ErrorCode::StateFormat);
  rejected(
      [&] {
        s.import_state(R"({"format":"metacog-learner-state","version":1,"responses":[{"item":"a","skills":["s"],"correct":1,"timestamp":0}]})");
      },
      ErrorCode::StateFormat);
  rejected(
      [&] {
        s.import_state(R"({"format":"metacog-learner-state","version":1,"responses":[{"item":"a","skills":[],"correct":true,"timestamp":0}]})");
      },
      ErrorCode::StateFormat);
  rejected(
      [&] {
        s.import_state(
            R"({"format":"metacog-learner-state","version":1,"responses":[{"item":"new-item","skills":["new-skill"],"correct":true,"timestamp":0},{"item":"z","skills":["s"],"correct":true,"timestamp":"x"}]})");
      },
      ErrorCode::StateFormat);
  // forgetting keeps the catalogue
  s.reset();
  CHECK(s.num_responses() == 0);
  CHECK(s.item_index("new-item") >= 0);
}

TEST_CASE("learner session: the predict/mastery memo follows every change of the learner") {
  // predict() and mastery() share per-skill logits while the learner state and the time are unchanged;
  // after each kind of change a session that is asked only at the end must give the same numbers
  LearnerArch arch = default_learner_arch(KtDataset{});
  arch.num_items = 12;
  arch.num_skills = 4;
  auto model = std::make_shared<const LearnerModel>(arch, 5);
  const auto setup = [&](LearnerSession& s) {
    for (int k = 0; k < 12; ++k) s.register_item("i" + std::to_string(k), {k < 10 ? std::to_string(k % 4) : "new-skill"});
  };
  std::vector<int> idx(12);
  for (int k = 0; k < 12; ++k) idx[static_cast<size_t>(k)] = k;
  const auto probe = [&](LearnerSession& s, double now) {
    std::vector<double> out(12);
    s.predict(idx.data(), idx.size(), out.data(), now);
    for (const SkillMastery& m : s.mastery(now)) out.push_back(m.mastery);
    return out;
  };
  const auto same = [](const std::vector<double>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    for (size_t k = 0; k < a.size(); ++k) CHECK(a[k] == doctest::Approx(b[k]).epsilon(1e-12));
  };
  LearnerSession s(model);
  setup(s);
  std::vector<std::function<void(LearnerSession&)>> ops;
  for (int t = 0; t < 6; ++t) ops.push_back([t](LearnerSession& x) { x.observe("i" + std::to_string(t * 2 % 12), t % 3 != 0, 10.0 * t); });
  ops.push_back([](LearnerSession& x) { x.adapt(3); });
  ops.push_back([](LearnerSession& x) { x.observe("i11", false, 100.0); });
  std::string saved;
  ops.push_back([&saved](LearnerSession& x) { saved = x.export_state(); x.reset(); });
  ops.push_back([&saved](LearnerSession& x) { x.import_state(saved); });
  for (size_t n = 1; n <= ops.size(); ++n) {
    (void)probe(s, 50.0);  // fills the memo at t = 50 (and again below at t = 200)
    (void)probe(s, 200.0);
    ops[n - 1](s);
    LearnerSession fresh(model);
    setup(fresh);
    for (size_t k = 0; k < n; ++k) ops[k](fresh);  // (the fresh replay exports the same document)
    INFO("after operation " << n);
    same(probe(s, 50.0), probe(fresh, 50.0));
    same(probe(s, 200.0), probe(fresh, 200.0));
  }
  // and the memoised values are the unmemoised ones: one item at a time equals the batch
  const std::vector<double> batch = probe(s, 80.0);
  for (int k = 0; k < 12; ++k) CHECK(s.predict("i" + std::to_string(k), 80.0) == doctest::Approx(batch[static_cast<size_t>(k)]).epsilon(1e-12));
}

TEST_CASE("learner session: adaptation + prediction of 1000 items after 200 responses (timing, native smoke)") {
  // full-size architecture (kt-train's default, that of the committed knowledge-tracing models),
  // 1000 items over 40 skills and, the worst case, over 1000 distinct skills (one network
  // evaluation per skill)
  for (int num_skills : {40, 1000}) {
  LearnerArch arch = default_learner_arch(KtDataset{});
  arch.num_items = 100;
  arch.num_skills = 100;
  auto model = std::make_shared<const LearnerModel>(arch, 1);
  LearnerSession s(model);
  for (int k = 0; k < 1000; ++k) s.register_item("i" + std::to_string(k), {"skill-" + std::to_string(k % num_skills)});
  Pcg32 rng(1);
  std::vector<int> idx(1000);
  for (int k = 0; k < 1000; ++k) idx[static_cast<size_t>(k)] = k;
  std::vector<double> out(1000);
  for (int t = 0; t < 200; ++t) s.observe("i" + std::to_string(rng.uniform_int(1000)), rng.uniform() < 0.6f, t);
  std::vector<double> ms;
  for (int rep = 0; rep < 50; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    s.observe("i" + std::to_string(rep), rep % 2 == 0, 200.0 + rep);
    s.predict(idx.data(), idx.size(), out.data());
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  MESSAGE("observe + predict 1000 items (" << num_skills << " skills), 200+ responses: p50 " << ms[25] << " ms, p95 "
                                            << ms[47] << " ms");
  for (double p : out) CHECK((p > 0 && p < 1));
  }
}

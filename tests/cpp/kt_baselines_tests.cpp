#include "metacog/kt_baselines.hpp"
#include "metacog/numeric.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "metacog/error.hpp"
#include "metacog/kt_protocol.hpp"
#include "metacog/rng.hpp"
#include "test_support.hpp"

using metacog::BktSkillParams;
using metacog::ErrorCode;
using metacog::KtDataset;
using metacog::kUnknown;
using metacog::LearnerLog;
using metacog::Pcg32;
using metacog::Response;
using metacog::test::code_of;

namespace {

KtDataset empty_dataset(int items, int skills) {
  KtDataset d;
  d.num_items = items;
  d.num_skills = skills;
  for (int i = 0; i < items; ++i) d.item_labels.push_back("i" + std::to_string(i));
  for (int s = 0; s < skills; ++s) d.skill_labels.push_back("s" + std::to_string(s));
  return d;
}

/** Learners practising skills drawn at random; each skill follows BKT with its own parameters. */
KtDataset generate_bkt(const std::vector<BktSkillParams>& skills, int learners, int length, uint64_t seed) {
  KtDataset d = empty_dataset(static_cast<int>(skills.size()), static_cast<int>(skills.size()));
  Pcg32 rng(seed);
  for (int u = 0; u < learners; ++u) {
    LearnerLog l;
    l.learner = std::to_string(u);
    std::vector<int> known(skills.size());
    for (size_t s = 0; s < skills.size(); ++s) known[s] = rng.bernoulli(skills[s].prior) ? 1 : 0;
    for (int t = 0; t < length; ++t) {
      const int s = static_cast<int>(rng.uniform_int(static_cast<uint32_t>(skills.size())));
      const BktSkillParams& p = skills[s];
      Response r;
      r.item = r.skill = s;
      r.timestamp = t;
      r.correct = rng.bernoulli(known[s] ? 1.0 - p.slip : p.guess);
      if (!known[s] && rng.bernoulli(p.learn)) known[s] = 1;
      l.responses.push_back(r);
    }
    d.learners.push_back(l);
  }
  return d;
}

/** 1PL: p = σ(θ_u − b_i), θ ~ N(0, 1), items drawn uniformly. */
KtDataset generate_irt(const std::vector<double>& b, int learners, int length, uint64_t seed) {
  KtDataset d = empty_dataset(static_cast<int>(b.size()), static_cast<int>(b.size()));
  Pcg32 rng(seed);
  for (int u = 0; u < learners; ++u) {
    LearnerLog l;
    l.learner = std::to_string(u);
    const double theta = rng.normal();
    for (int t = 0; t < length; ++t) {
      const int i = static_cast<int>(rng.uniform_int(static_cast<uint32_t>(b.size())));
      Response r;
      r.item = r.skill = i;
      r.timestamp = t;
      r.correct = rng.bernoulli(metacog::sigmoid(theta - b[i]));
      l.responses.push_back(r);
    }
    d.learners.push_back(l);
  }
  return d;
}

/** PFA: logit p = β_s + γ·c_s + ρ·f_s with strong learning from practice. */
KtDataset generate_pfa(int skills, int learners, int length, uint64_t seed) {
  KtDataset d = empty_dataset(skills, skills);
  Pcg32 rng(seed);
  std::vector<double> beta(skills);
  for (int s = 0; s < skills; ++s) beta[s] = -2.0 + 2.0 * s / std::max(1, skills - 1);
  for (int u = 0; u < learners; ++u) {
    LearnerLog l;
    l.learner = std::to_string(u);
    std::vector<int> c(skills, 0), f(skills, 0);
    for (int t = 0; t < length; ++t) {
      const int s = static_cast<int>(rng.uniform_int(static_cast<uint32_t>(skills)));
      Response r;
      r.item = r.skill = s;
      r.timestamp = t;
      r.correct = rng.bernoulli(metacog::sigmoid(beta[s] + 0.5 * c[s] + 0.25 * f[s]));
      (r.correct ? c : f)[s] += 1;
      l.responses.push_back(r);
    }
    d.learners.push_back(l);
  }
  return d;
}

/** Records the calls the protocol makes. */
class RecordingPredictor : public metacog::OnlinePredictor {
 public:
  int begins = 0, predicts = 0, observes = 0;
  bool saw_correct_in_predict = false;
  double value = 0.5;
  void begin_learner() override { ++begins; seen = 0; }
  double predict(const Response& next) override {
    ++predicts;
    saw_correct_in_predict |= next.correct;
    // a deterministic score that depends on the learner's history and the item
    return value < 0 ? value : 0.1 + 0.8 * ((seen * 7 + next.item) % 10) / 10.0;
  }
  void observe(const Response&) override { ++observes; ++seen; }

 private:
  int seen = 0;
};

}  // namespace

TEST_CASE("kt protocol: first response unscored, answers hidden, begin per learner, cold-start positions") {
  KtDataset d = empty_dataset(3, 3);
  const int lengths[] = {3, 1, 2, 5};
  for (int u = 0; u < 4; ++u) {
    LearnerLog l;
    l.learner = std::to_string(u);
    for (int t = 0; t < lengths[u]; ++t) l.responses.push_back({t % 3, t % 3, (u + t) % 2 == 0, double(t)});
    d.learners.push_back(l);
  }
  RecordingPredictor rec;
  const metacog::KtPredictions p = metacog::predict_online(rec, d);
  CHECK(rec.begins == 4);
  CHECK(rec.observes == 11);
  CHECK(rec.predicts == 2 + 0 + 1 + 4);
  CHECK_FALSE(rec.saw_correct_in_predict);
  REQUIRE(p.p.size() == 7);
  CHECK(p.position == std::vector<int>{1, 2, 1, 1, 2, 3, 4});
  CHECK(p.learner == std::vector<int>{0, 0, 2, 3, 3, 3, 3});
  CHECK(p.y == std::vector<int>{0, 1, 0, 1, 0, 1, 0});
  const metacog::KtEvalResult r = metacog::summarize_predictions(p, 3);
  CHECK(r.overall.n == 7);
  REQUIRE(r.by_k.size() == 3);
  CHECK(r.by_k[0].k == 1);
  CHECK(r.by_k[0].n == 3);
  CHECK(r.by_k[1].n == 2);
  CHECK(r.by_k[2].n == 1);
  CHECK(std::isnan(r.by_k[2].auc));  // one response: undefined
  // a probability outside [0, 1] is rejected
  rec.value = -0.5;
  CHECK(code_of([&] { metacog::predict_online(rec, d); }) == ErrorCode::InvalidState);
}

TEST_CASE("kt protocol: the factory / threaded path gives exactly the serial result") {
  const KtDataset d = generate_bkt({{0.4, 0.2, 0.2, 0.1}, {0.2, 0.1, 0.25, 0.15}}, 60, 15, 3);
  const metacog::BktModel m = metacog::BktModel::fit(d, metacog::BktParams{});
  auto serial_predictor = m.make_predictor();
  const metacog::KtPredictions a = metacog::predict_online(*serial_predictor, d);
  const metacog::KtPredictions b = metacog::predict_online(m.factory(), d, 2);
  CHECK(a.p == b.p);
  CHECK(a.learner == b.learner);
  const metacog::KtEvalResult r = metacog::evaluate_online(m.factory(), d, {20, 2});
  CHECK(r.overall.auc == metacog::summarize_predictions(a).overall.auc);
  CHECK(r.by_k.size() == 20);
}

TEST_CASE("kt baselines: running rate is (kappa m_s + c_s) / (kappa + n_s) with m_s fitted on train") {
  KtDataset train = empty_dataset(2, 2);
  // skill 0: 6 correct of 10; skill 1: 1 of 4; global 7/14
  LearnerLog a{"a", {}}, b{"b", {}};
  for (int t = 0; t < 10; ++t) a.responses.push_back({0, 0, t < 6, double(t)});
  for (int t = 0; t < 4; ++t) b.responses.push_back({1, 1, t < 1, double(t)});
  train.learners = {a, b};
  metacog::RunningRateParams params;
  params.prior_strength = 2.0;
  const metacog::RunningRateModel m = metacog::RunningRateModel::fit(train, params);
  const double m0 = (6 + 10 * 0.5) / (10 + 10.0), m1 = (1 + 10 * 0.5) / (4 + 10.0);
  CHECK(m.prior_mean(0) == doctest::Approx(m0));
  CHECK(m.prior_mean(1) == doctest::Approx(m1));
  CHECK(m.prior_mean(kUnknown) == doctest::Approx(0.5));
  auto p = m.make_predictor();
  p->begin_learner();
  CHECK(p->predict({0, 0, false, 0}) == doctest::Approx(m0));
  p->observe({0, 0, true, 0});
  p->observe({0, 0, false, 1});
  p->observe({0, 0, true, 2});
  p->observe({1, 1, false, 3});
  CHECK(p->predict({0, 0, false, 4}) == doctest::Approx((2 * m0 + 2) / (2 + 3.0)));
  CHECK(p->predict({1, 1, false, 4}) == doctest::Approx((2 * m1 + 0) / (2 + 1.0)));
  // unknown skill: the learner's overall rate with the global prior
  CHECK(p->predict({kUnknown, kUnknown, false, 4}) == doctest::Approx((2 * 0.5 + 2) / (2 + 4.0)));
  p->begin_learner();
  CHECK(p->predict({1, 1, false, 0}) == doctest::Approx(m1));
  // the uniform variant ignores the train rates
  params.fit_prior = false;
  const metacog::RunningRateModel u = metacog::RunningRateModel::fit(train, params);
  CHECK(u.prior_mean(0) == 0.5);
  CHECK(u.name() == "running_rate_uniform");
}

TEST_CASE("kt baselines: BKT EM recovers the generating parameters") {
  const BktSkillParams truth[] = {{0.3, 0.15, 0.2, 0.1}, {0.6, 0.05, 0.25, 0.05}};
  const KtDataset d = generate_bkt({truth[0], truth[1]}, 500, 40, 11);
  metacog::BktParams hp;
  hp.max_guess_slip = 0.45;
  hp.restarts = 3;
  const metacog::BktModel m = metacog::BktModel::fit(d, hp);
  for (int s = 0; s < 2; ++s) {
    const BktSkillParams& e = m.skill(s);
    CAPTURE(s);
    CHECK(std::abs(e.prior - truth[s].prior) < 0.06);
    CHECK(std::abs(e.learn - truth[s].learn) < 0.04);
    CHECK(std::abs(e.guess - truth[s].guess) < 0.04);
    CHECK(std::abs(e.slip - truth[s].slip) < 0.03);
  }
  // forward filtering: a correct answer raises mastery and the next prediction, unknown skills work
  auto p = m.make_predictor();
  p->begin_learner();
  const double p0 = p->predict({0, 0, false, 0});
  CHECK(p0 == doctest::Approx(truth[0].prior * 0.9 + 0.7 * 0.2).epsilon(0.1));
  p->observe({0, 0, true, 0});
  CHECK(p->predict({0, 0, false, 1}) > p0);
  const double pu = p->predict({kUnknown, kUnknown, false, 1});
  const BktSkillParams& pooled = m.pooled();
  CHECK(pu == doctest::Approx(pooled.prior * (1 - pooled.slip) + (1 - pooled.prior) * pooled.guess));
  CHECK(m.skill(kUnknown).prior == pooled.prior);
  // guess and slip bounds hold
  metacog::BktParams tight;
  tight.max_guess_slip = 0.1;
  const BktSkillParams b = metacog::fit_bkt_skill({{1, 0, 1, 0, 0, 1}, {0, 1, 0, 1}}, tight, 1);
  CHECK(b.guess <= 0.1);
  CHECK(b.slip <= 0.1);
  CHECK(code_of([] {
          metacog::BktParams bad;
          bad.max_guess_slip = 0.6;
          metacog::fit_bkt_skill({{1}}, bad, 1);
        }) == ErrorCode::InvalidArgument);
}

TEST_CASE("kt baselines: IRT recovers the order of difficulties; online ability follows the answers") {
  std::vector<double> b;
  for (int i = 0; i < 12; ++i) b.push_back(-2.2 + 0.4 * i);
  const KtDataset d = generate_irt(b, 400, 30, 7);
  const metacog::IrtModel m = metacog::IrtModel::fit(d, metacog::IrtParams{});
  CHECK(m.sweeps() < 200);  // converged
  // difficulties relative to the intercept: strictly increasing like the truth, close to it after centring
  const std::vector<double>& e = m.difficulties();
  for (int i = 1; i < 12; ++i) CHECK(e[i] > e[i - 1]);
  double mt = 0, me = 0;
  for (int i = 0; i < 12; ++i) {
    mt += b[i] / 12;
    me += (e[i] - m.intercept()) / 12;
  }
  // joint MAP with N(0, 1/λ_b) item and N(0, σ²_θ) ability priors pulls the extreme items (±2.2)
  // toward the mean, so allow 0.4 at the ends; the middle must be tighter
  for (int i = 0; i < 12; ++i) {
    const double err = std::abs((e[i] - m.intercept() - me) - (b[i] - mt));
    CHECK(err < ((i == 0 || i == 11) ? 0.4 : 0.3));
  }
  // online: correct answers raise the ability, wrong answers lower it
  auto p = m.make_predictor();
  p->begin_learner();
  const double before = p->predict({5, 5, false, 0});
  for (int t = 0; t < 5; ++t) p->observe({t, t, true, double(t)});
  const double after_right = p->predict({5, 5, false, 5});
  CHECK(after_right > before);
  p->begin_learner();
  CHECK(p->predict({5, 5, false, 0}) == doctest::Approx(before));
  for (int t = 0; t < 5; ++t) p->observe({t, t, false, double(t)});
  CHECK(p->predict({5, 5, false, 5}) < before);
  // unknown item: the mean difficulty
  double mean_b = 0;
  for (double x : e) mean_b += x / 12;
  CHECK(m.difficulty(kUnknown, kUnknown) == doctest::Approx(mean_b));
  CHECK(m.difficulty(kUnknown, 3) == doctest::Approx(e[3]));  // skill 3 has only item 3
  p->observe({kUnknown, kUnknown, true, 6});
  CHECK(std::isfinite(p->predict({kUnknown, kUnknown, false, 7})));
}

TEST_CASE("kt baselines: PFA and Best-LR beat the running rate on PFA-generated data") {
  const KtDataset train = generate_pfa(6, 300, 40, 21);
  const KtDataset test = generate_pfa(6, 150, 40, 22);
  const metacog::LogisticKtModel pfa = metacog::LogisticKtModel::fit(train, metacog::LogisticKtParams::pfa());
  const metacog::LogisticKtModel best = metacog::LogisticKtModel::fit(train, metacog::LogisticKtParams::best_lr());
  metacog::RunningRateParams rp;
  rp.prior_strength = 4;
  const metacog::RunningRateModel rr = metacog::RunningRateModel::fit(train, rp);
  CHECK(pfa.name() == "pfa");
  CHECK(best.name() == "best_lr");
  CHECK(pfa.iterations() < pfa.params().max_iter);  // converged
  const double a_pfa = metacog::evaluate_online(pfa.factory(), test).overall.auc;
  const double a_best = metacog::evaluate_online(best.factory(), test).overall.auc;
  const double a_rr = metacog::evaluate_online(rr.factory(), test).overall.auc;
  CAPTURE(a_pfa);
  CAPTURE(a_best);
  CAPTURE(a_rr);
  CHECK(a_pfa > a_rr + 0.02);
  CHECK(a_best > a_rr + 0.02);
  // PFA recovers the generating learning rates γ = 0.5, ρ = 0.25 (skill-specific weights)
  const std::vector<double>& w = pfa.weights();
  const int count_off = 1 + 6;
  for (int s = 0; s < 6; ++s) {
    CHECK(w[count_off + 2 * s] == doctest::Approx(0.5).epsilon(0.3));
    CHECK(w[count_off + 2 * s + 1] == doctest::Approx(0.25).epsilon(0.5));
  }
  // unknown items/skills give finite predictions
  auto p = best.make_predictor();
  p->begin_learner();
  p->observe({kUnknown, kUnknown, true, 0});
  const double q = p->predict({kUnknown, kUnknown, false, 1});
  CHECK(q > 0.0);
  CHECK(q < 1.0);
}

TEST_CASE("kt baselines: tuning by name on a validation split, report and errors") {
  const KtDataset d = generate_bkt({{0.4, 0.2, 0.2, 0.1}, {0.2, 0.1, 0.25, 0.15}}, 80, 15, 5);
  metacog::KtTuningReport rep;
  auto m = metacog::fit_kt_baseline("running_rate", d, {}, &rep);
  CHECK(m->name() == "running_rate");
  CHECK(rep.candidates.size() == 6);
  CHECK(rep.valid_auc.size() == 6);
  REQUIRE(rep.chosen >= 0);
  for (double a : rep.valid_auc) CHECK(a <= rep.valid_auc[rep.chosen]);
  CHECK(m->describe().find("\"prior_strength\"") != std::string::npos);
  for (const std::string& name : metacog::kt_baseline_names()) {
    metacog::KtTuneOptions quick;
    quick.tune = false;
    auto model = metacog::fit_kt_baseline(name, d, quick);
    CHECK(model->name() == name);
    const double a = metacog::evaluate_online(model->factory(), d).overall.auc;
    CAPTURE(name);
    CHECK(a > 0.55);
  }
  CHECK(code_of([&] { metacog::fit_kt_baseline("dkt", d); }) == ErrorCode::InvalidArgument);
}

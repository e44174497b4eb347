// Paired bootstrap of cold-start margins (kt_bootstrap.hpp): the weighted AUC agrees with the plain
// one, the point estimate is the plain difference of the mean cold-start AUCs, the interval is
// deterministic by seed, centred where it should be, and excludes 0 only when one system is better.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "metacog/error.hpp"
#include "metacog/kt_bootstrap.hpp"
#include "metacog/kt_protocol.hpp"
#include "metacog/metrics.hpp"
#include "metacog/rng.hpp"

using namespace metacog;

namespace {

/** Learners with 12 responses each; p = σ(skill · signal + noise) scored against y drawn from the signal. */
struct Synthetic {
  KtPredictions good, weak, coin;
};

Synthetic synthetic(int learners, uint64_t seed) {
  Pcg32 rng(seed);
  Synthetic s;
  for (int u = 0; u < learners; ++u) {
    const double ability = 2.0 * rng.uniform_double() - 1.0;
    for (int t = 1; t <= 12; ++t) {
      const double logit = ability + (rng.uniform_double() - 0.5);
      const int y = rng.uniform_double() < 1.0 / (1.0 + std::exp(-logit)) ? 1 : 0;
      const double noise = rng.uniform_double() - 0.5;
      for (KtPredictions* k : {&s.good, &s.weak, &s.coin}) {
        k->y.push_back(y);
        k->position.push_back(t);
        k->learner.push_back(u);
      }
      s.good.p.push_back(1.0 / (1.0 + std::exp(-(logit + 0.3 * noise))));
      s.weak.p.push_back(1.0 / (1.0 + std::exp(-(0.3 * logit + 2.0 * noise))));
      s.coin.p.push_back(std::round(rng.uniform_double() * 10) / 10);  // ties on purpose
    }
  }
  return s;
}

double mean_k1_10(const KtPredictions& p) {
  const KtEvalResult r = summarize_predictions(p, 10);
  double sum = 0;
  for (const ColdStartPoint& c : r.by_k) sum += c.auc;
  return sum / static_cast<double>(r.by_k.size());
}

}  // namespace

TEST_CASE("kt bootstrap: the weighted AUC equals the plain AUC, integer weights equal repeated responses") {
  const Synthetic s = synthetic(40, 3);
  const std::vector<double> ones(s.coin.p.size(), 1.0);
  CHECK(weighted_auc(s.coin.p, s.coin.y, ones) == doctest::Approx(auc(s.coin.p, s.coin.y)).epsilon(1e-12));
  CHECK(weighted_auc(s.good.p, s.good.y, ones) == doctest::Approx(auc(s.good.p, s.good.y)).epsilon(1e-12));
  std::vector<double> w, p;
  std::vector<int> y;
  for (size_t i = 0; i < s.coin.p.size(); ++i) {
    w.push_back(static_cast<double>(i % 3));  // 0, 1 or 2 copies
    for (size_t c = 0; c < i % 3; ++c) {
      p.push_back(s.coin.p[i]);
      y.push_back(s.coin.y[i]);
    }
  }
  CHECK(weighted_auc(s.coin.p, s.coin.y, w) == doctest::Approx(auc(p, y)).epsilon(1e-12));
  CHECK(std::isnan(weighted_auc({0.2, 0.4}, {1, 1}, {1, 1})));
  CHECK_THROWS_AS(weighted_auc({0.2}, {1}, {-1}), Error);
}

TEST_CASE("kt bootstrap: the interval of a cold-start margin") {
  const Synthetic s = synthetic(300, 7);
  const BootstrapInterval d = cold_start_margin_interval(s.good, s.weak, 10, 400, 5);
  CHECK(d.estimate == doctest::Approx(mean_k1_10(s.good) - mean_k1_10(s.weak)).epsilon(1e-12));
  CHECK(d.lo < d.estimate);
  CHECK(d.estimate < d.hi);
  CHECK(d.lo > 0.0);  // a clearly better system: the interval excludes 0
  const BootstrapInterval r = cold_start_margin_interval(s.weak, s.good, 10, 400, 5);
  CHECK(r.estimate == doctest::Approx(-d.estimate).epsilon(1e-12));
  CHECK(r.hi == doctest::Approx(-d.lo).epsilon(1e-12));  // the same resamples, mirrored
  // the same seed gives the same interval; another seed a slightly different one
  const BootstrapInterval again = cold_start_margin_interval(s.good, s.weak, 10, 400, 5);
  CHECK(again.lo == d.lo);
  CHECK(again.hi == d.hi);
  CHECK(cold_start_margin_interval(s.good, s.weak, 10, 400, 6).lo != d.lo);
  // a system against itself: exactly 0
  const BootstrapInterval same = cold_start_margin_interval(s.coin, s.coin, 10, 100, 1);
  CHECK(same.estimate == 0.0);
  CHECK(same.lo == 0.0);
  CHECK(same.hi == 0.0);
  // two uninformative systems: an interval around a small difference that contains 0
  Synthetic t = synthetic(300, 8);
  KtPredictions other = t.coin;
  Pcg32 rng(9);
  for (double& p : other.p) p = rng.uniform_double();
  const BootstrapInterval null = cold_start_margin_interval(t.coin, other, 10, 400, 5);
  CHECK(null.lo < 0.0);
  CHECK(null.hi > 0.0);
  CHECK(null.hi - null.lo < 0.1);
}

TEST_CASE("kt bootstrap: systems that scored different responses are refused") {
  const Synthetic s = synthetic(20, 1);
  KtPredictions shifted = s.weak;
  shifted.learner[5] += 1;
  CHECK_THROWS_AS(cold_start_margin_interval(s.good, shifted), Error);
  KtPredictions shorter = s.weak;
  shorter.p.pop_back();
  CHECK_THROWS_AS(cold_start_margin_interval(s.good, shorter), Error);
  CHECK_THROWS_AS(cold_start_margin_interval(s.good, s.weak, 10, 0), Error);
}

TEST_CASE("kt bootstrap: the interval equals a brute-force replication of the resampled learners") {
  // Learners 0..58 (59 absent); 3 and 17 answer only at positions 11 and 12, outside k = 1..10, so the
  // resampled learners are the other 57. Learner u has 1 + u % 10 responses in 1..10.
  KtPredictions a, b;
  Pcg32 data(31);
  for (int u = 0; u < 59; ++u) {
    const std::vector<int> positions = (u == 3 || u == 17) ? std::vector<int>{11, 12} : [&] {
      std::vector<int> ks;
      for (int k = 1; k <= 1 + u % 10; ++k) ks.push_back(k);
      return ks;
    }();
    for (int k : positions) {
      const int y = data.uniform_double() < 0.6 ? 1 : 0;
      for (KtPredictions* s : {&a, &b}) {
        s->y.push_back(y);
        s->position.push_back(k);
        s->learner.push_back(u);
      }
      a.p.push_back(std::round((0.3 * y + 0.7 * data.uniform_double()) * 8) / 8);  // ties on purpose
      b.p.push_back(data.uniform_double());
    }
  }
  const int resamples = 200;
  const BootstrapInterval d = cold_start_margin_interval(a, b, 10, resamples, 11);
  std::vector<int> ids;
  for (size_t i = 0; i < a.p.size(); ++i) {
    if (a.position[i] <= 10 && (ids.empty() || ids.back() != a.learner[i])) ids.push_back(a.learner[i]);
  }
  REQUIRE(ids.size() == 57);
  Pcg32 rng(11);
  std::vector<double> diffs;
  for (int r = 0; r < resamples; ++r) {
    std::vector<int> count(ids.size(), 0);
    for (size_t u = 0; u < ids.size(); ++u) ++count[rng.uniform_int(static_cast<uint32_t>(ids.size()))];
    double sa = 0, sb = 0;
    int n = 0;
    for (int k = 1; k <= 10; ++k) {
      std::vector<double> pa, pb;
      std::vector<int> y;
      for (size_t i = 0; i < a.p.size(); ++i) {
        if (a.position[i] != k) continue;
        const size_t id = static_cast<size_t>(std::find(ids.begin(), ids.end(), a.learner[i]) - ids.begin());
        for (int c = 0; c < count[id]; ++c) {
          pa.push_back(a.p[i]);
          pb.push_back(b.p[i]);
          y.push_back(a.y[i]);
        }
      }
      const double x = auc(pa, y), z = auc(pb, y);
      if (std::isnan(x) || std::isnan(z)) continue;
      sa += x;
      sb += z;
      ++n;
    }
    if (n > 0) diffs.push_back((sa - sb) / n);
  }
  std::sort(diffs.begin(), diffs.end());
  const auto type7 = [&](double q) {
    const double h = q * static_cast<double>(diffs.size() - 1);
    const size_t i = static_cast<size_t>(std::floor(h)), j = std::min(i + 1, diffs.size() - 1);
    return diffs[i] + (h - static_cast<double>(i)) * (diffs[j] - diffs[i]);
  };
  CHECK(d.resamples == static_cast<int>(diffs.size()));
  CHECK(d.lo == doctest::Approx(type7(0.025)).epsilon(1e-12));
  CHECK(d.hi == doctest::Approx(type7(0.975)).epsilon(1e-12));
  std::vector<double> nan_p = a.p;
  nan_p[4] = std::nan("");
  KtPredictions bad = a;
  bad.p = nan_p;
  CHECK_THROWS_AS(cold_start_margin_interval(bad, b), Error);
}

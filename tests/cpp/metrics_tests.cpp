#include "metacog/metrics.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "metacog/error.hpp"
#include "metacog/rng.hpp"
#include "test_support.hpp"

using metacog::ErrorCode;
using metacog::test::code_of;

namespace {

/** O(n²) reference: P(score_pos > score_neg) + ½ P(tie). */
double brute_auc(const std::vector<double>& p, const std::vector<int>& y) {
  double s = 0, pairs = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    for (size_t j = 0; j < p.size(); ++j) {
      if (y[i] == 1 && y[j] == 0) {
        pairs += 1;
        s += p[i] > p[j] ? 1.0 : p[i] == p[j] ? 0.5 : 0.0;
      }
    }
  }
  return s / pairs;
}

}  // namespace

TEST_CASE("metrics: AUC of hand-computed examples with ties") {
  // pairs (pos, neg): (.9,.4)=1 (.9,.2)=1 (.4,.4)=½ (.4,.2)=1  → 3.5/4
  CHECK(metacog::auc({0.9, 0.4, 0.4, 0.2}, {1, 1, 0, 0}) == doctest::Approx(0.875));
  // ranks: .1→1, .35→2, .4,.4→3.5, .8,.8→5.5; positives .35,.8,.4: R₁ = 11; (11 − 6)/9
  CHECK(metacog::auc({0.1, 0.4, 0.35, 0.8, 0.4, 0.8}, {0, 0, 1, 1, 1, 0}) == doctest::Approx(5.0 / 9.0));
  CHECK(metacog::auc({0.1, 0.2, 0.3}, {0, 1, 1}) == 1.0);
  CHECK(metacog::auc({0.1, 0.2, 0.3}, {1, 0, 0}) == 0.0);
  CHECK(metacog::auc({0.5, 0.5, 0.5, 0.5}, {1, 0, 1, 0}) == 0.5);
  CHECK(std::isnan(metacog::auc({0.2, 0.7}, {1, 1})));
  CHECK(std::isnan(metacog::auc({}, {})));
}

TEST_CASE("metrics: AUC agrees with the O(n^2) definition on random data with many ties") {
  metacog::Pcg32 rng(5);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<double> p;
    std::vector<int> y;
    for (int i = 0; i < 300; ++i) {
      const double q = static_cast<double>(rng.uniform_int(11)) / 10.0;  // 11 distinct values: ties
      p.push_back(q);
      y.push_back(rng.bernoulli(0.2 + 0.6 * q) ? 1 : 0);
    }
    CHECK(metacog::auc(p, y) == doctest::Approx(brute_auc(p, y)).epsilon(1e-12));
  }
}

TEST_CASE("metrics: accuracy at 0.5, RMSE, log-loss") {
  const std::vector<double> p = {0.5, 0.49, 0.9, 0.1};
  const std::vector<int> y = {1, 1, 0, 0};
  CHECK(metacog::accuracy(p, y) == doctest::Approx(0.5));  // 0.5 counts as "correct"
  CHECK(metacog::rmse(p, y) == doctest::Approx(std::sqrt((0.25 + 0.2601 + 0.81 + 0.01) / 4.0)));
  CHECK(metacog::log_loss(p, y) ==
        doctest::Approx(-(std::log(0.5) + std::log(0.49) + std::log(0.1) + std::log(0.9)) / 4.0));
  CHECK(metacog::log_loss({1.0, 0.0}, {0, 1}) == doctest::Approx(-std::log(1e-15)));  // clipped, finite
  const metacog::BinaryMetrics m = metacog::binary_metrics(p, y);
  CHECK(m.n == 4);
  CHECK(m.acc == doctest::Approx(0.5));
  CHECK(m.auc == doctest::Approx(metacog::auc(p, y)));
  CHECK(std::isnan(metacog::accuracy({}, {})));
}

TEST_CASE("metrics: invalid inputs are InvalidArgument") {
  CHECK(code_of([] { metacog::auc({0.1, 0.2}, {1}); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { metacog::auc({0.1, NAN}, {1, 0}); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { metacog::rmse({1.5}, {1}); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { metacog::accuracy({0.5}, {2}); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { metacog::mean_ci95({}); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { metacog::mean_ci95({1.0, INFINITY}); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("metrics: mean with 95% CI = 1.96 std / sqrt(n)") {
  const metacog::MeanCi c = metacog::mean_ci95({1, 2, 3, 4});
  CHECK(c.n == 4);
  CHECK(c.mean == doctest::Approx(2.5));
  CHECK(c.std == doctest::Approx(std::sqrt(1.25)));  // population std
  CHECK(c.ci95 == doctest::Approx(1.96 * std::sqrt(1.25) / 2.0));
  const metacog::MeanCi one = metacog::mean_ci95({0.7});
  CHECK(one.mean == doctest::Approx(0.7));
  CHECK(std::isnan(one.ci95));  // one value says nothing about the spread: no interval (JSON null), not ± 0
}

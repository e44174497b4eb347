#include "metacog/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "metacog/error.hpp"

namespace metacog {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_inputs(const std::vector<double>& p, const std::vector<int>& y, const char* fn) {
  require(p.size() == y.size(), ErrorCode::InvalidArgument,
          std::string(fn) + ": " + std::to_string(p.size()) + " predictions but " + std::to_string(y.size()) +
              " labels; pass one label per prediction");
  for (size_t i = 0; i < p.size(); ++i) {
    require(std::isfinite(p[i]) && p[i] >= 0.0 && p[i] <= 1.0, ErrorCode::InvalidArgument,
            std::string(fn) + ": prediction " + std::to_string(i) + " is " + std::to_string(p[i]) +
                ", expected a probability in [0, 1]");
    require(y[i] == 0 || y[i] == 1, ErrorCode::InvalidArgument,
            std::string(fn) + ": label " + std::to_string(i) + " is " + std::to_string(y[i]) + ", expected 0 or 1");
  }
}

}  // namespace

double auc(const std::vector<double>& p, const std::vector<int>& y) {
  check_inputs(p, y, "auc");
  const size_t n = p.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  double rank_sum_pos = 0.0;
  int64_t n_pos = 0;
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && p[order[j]] == p[order[i]]) ++j;
    // positions i..j−1 share one score: each gets the average 1-based rank (i+1 + j)/2
    const double avg_rank = 0.5 * (static_cast<double>(i + 1) + static_cast<double>(j));
    for (size_t k = i; k < j; ++k) {
      if (y[order[k]] == 1) {
        rank_sum_pos += avg_rank;
        ++n_pos;
      }
    }
    i = j;
  }
  const int64_t n_neg = static_cast<int64_t>(n) - n_pos;
  if (n_pos == 0 || n_neg == 0) return kNaN;
  const double np = static_cast<double>(n_pos), nn = static_cast<double>(n_neg);
  return (rank_sum_pos - np * (np + 1.0) / 2.0) / (np * nn);
}

double accuracy(const std::vector<double>& p, const std::vector<int>& y) {
  check_inputs(p, y, "accuracy");
  if (p.empty()) return kNaN;
  int64_t right = 0;
  for (size_t i = 0; i < p.size(); ++i) right += ((p[i] >= 0.5) == (y[i] == 1)) ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(p.size());
}

double rmse(const std::vector<double>& p, const std::vector<int>& y) {
  check_inputs(p, y, "rmse");
  if (p.empty()) return kNaN;
  double s = 0.0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double d = p[i] - y[i];
    s += d * d;
  }
  return std::sqrt(s / static_cast<double>(p.size()));
}

double log_loss(const std::vector<double>& p, const std::vector<int>& y) {
  check_inputs(p, y, "log_loss");
  if (p.empty()) return kNaN;
  double s = 0.0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double q = std::min(std::max(p[i], 1e-15), 1.0 - 1e-15);
    s -= y[i] == 1 ? std::log(q) : std::log(1.0 - q);
  }
  return s / static_cast<double>(p.size());
}

BinaryMetrics binary_metrics(const std::vector<double>& p, const std::vector<int>& y) {
  BinaryMetrics m;
  m.auc = auc(p, y);
  m.acc = accuracy(p, y);
  m.rmse = rmse(p, y);
  m.logloss = log_loss(p, y);
  m.n = static_cast<int64_t>(p.size());
  return m;
}

MeanCi mean_ci95(const std::vector<double>& x) {
  require(!x.empty(), ErrorCode::InvalidArgument, "mean_ci95: no values; pass at least one value");
  double s = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    require(std::isfinite(x[i]), ErrorCode::InvalidArgument,
            "mean_ci95: value " + std::to_string(i) + " is NaN or infinite");
    s += x[i];
  }
  MeanCi r;
  r.n = static_cast<int64_t>(x.size());
  r.mean = s / static_cast<double>(r.n);
  double ss = 0.0;
  for (double v : x) ss += (v - r.mean) * (v - r.mean);
  r.std = std::sqrt(ss / static_cast<double>(r.n));
  r.ci95 = r.n > 1 ? 1.96 * r.std / std::sqrt(static_cast<double>(r.n)) : std::numeric_limits<double>::quiet_NaN();
  return r;
}

}  // namespace metacog

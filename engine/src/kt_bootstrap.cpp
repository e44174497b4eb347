// Paired bootstrap of cold-start margins (see kt_bootstrap.hpp).
#include "metacog/kt_bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "metacog/error.hpp"
#include "metacog/rng.hpp"

namespace metacog {

namespace {

/** The responses at one position, sorted by p: their labels, learners and the tie groups. */
struct SortedPosition {
  std::vector<int> y, learner;
  std::vector<size_t> group_end;  // one past the last index of each group of equal p
};

/** Rows `rows` of (p, y) sorted by p; `unit[i]` is row i's resampling unit (its weight index). */
SortedPosition sort_position(const std::vector<double>& p, const std::vector<int>& y, const std::vector<int>& unit,
                             std::vector<size_t> rows) {
  std::stable_sort(rows.begin(), rows.end(), [&](size_t i, size_t j) { return p[i] < p[j]; });
  SortedPosition out;
  for (size_t k = 0; k < rows.size(); ++k) {
    out.y.push_back(y[rows[k]]);
    out.learner.push_back(unit[rows[k]]);
    if (k + 1 == rows.size() || p[rows[k + 1]] != p[rows[k]]) out.group_end.push_back(k + 1);
  }
  return out;
}

/** Weighted AUC of a sorted position with per-learner weights (NaN when a class has no weight). */
double sorted_auc(const SortedPosition& s, const std::vector<double>& learner_weight) {
  double below = 0, num = 0, pos = 0;
  size_t start = 0;
  for (size_t end : s.group_end) {
    double gp = 0, gn = 0;
    for (size_t i = start; i < end; ++i) {
      const double w = learner_weight[static_cast<size_t>(s.learner[i])];
      (s.y[i] ? gp : gn) += w;
    }
    num += gp * (below + 0.5 * gn);
    below += gn;
    pos += gp;
    start = end;
  }
  return pos > 0 && below > 0 ? num / (pos * below) : std::nan("");
}

/** mean over positions of AUC(a) − mean of AUC(b), positions where both are defined. */
double margin(const std::vector<SortedPosition>& a, const std::vector<SortedPosition>& b, const std::vector<double>& w) {
  double sa = 0, sb = 0;
  int n = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    const double x = sorted_auc(a[k], w), y = sorted_auc(b[k], w);
    if (std::isnan(x) || std::isnan(y)) continue;
    sa += x;
    sb += y;
    ++n;
  }
  return n > 0 ? (sa - sb) / n : std::nan("");
}

}  // namespace

double weighted_auc(const std::vector<double>& p, const std::vector<int>& y, const std::vector<double>& w) {
  require(p.size() == y.size() && p.size() == w.size(), ErrorCode::InvalidArgument, "weighted_auc: sizes differ");
  for (size_t i = 0; i < p.size(); ++i) {
    require(std::isfinite(p[i]) && (y[i] == 0 || y[i] == 1) && std::isfinite(w[i]) && w[i] >= 0, ErrorCode::InvalidArgument,
            "weighted_auc: needs finite p, 0/1 labels and finite weights ≥ 0");
  }
  std::vector<size_t> rows(p.size());
  std::iota(rows.begin(), rows.end(), size_t{0});
  std::vector<int> unit(p.size());  // each response its own weight
  std::iota(unit.begin(), unit.end(), 0);
  return sorted_auc(sort_position(p, y, unit, rows), w);
}

BootstrapInterval cold_start_margin_interval(const KtPredictions& a, const KtPredictions& b, int k_max, int resamples,
                                             uint64_t seed, double level) {
  require(k_max >= 1 && resamples >= 1 && level > 0 && level < 1, ErrorCode::InvalidArgument,
          "cold_start_margin_interval: needs k_max ≥ 1, resamples ≥ 1 and 0 < level < 1");
  const size_t n = a.p.size();
  require(b.p.size() == n && a.y.size() == n && b.y.size() == n && a.position.size() == n && b.position.size() == n &&
              a.learner.size() == n && b.learner.size() == n,
          ErrorCode::InvalidArgument, "cold_start_margin_interval: the two systems scored different numbers of responses");
  for (size_t i = 0; i < n; ++i) {
    require(a.position[i] == b.position[i] && a.learner[i] == b.learner[i] && a.y[i] == b.y[i] && a.learner[i] >= 0,
            ErrorCode::InvalidArgument,
            "cold_start_margin_interval: the two systems did not score the same responses (response " + std::to_string(i) + ")");
    require(std::isfinite(a.p[i]) && std::isfinite(b.p[i]), ErrorCode::InvalidArgument,
            "cold_start_margin_interval: predictions must be finite (response " + std::to_string(i) + ")");
  }
  // the L learners with a response at positions 1..k_max, numbered 0..L−1 in order of their index
  std::vector<std::vector<size_t>> rows(static_cast<size_t>(k_max));
  std::vector<int> ids;
  for (size_t i = 0; i < n; ++i) {
    if (a.position[i] >= 1 && a.position[i] <= k_max) {
      rows[static_cast<size_t>(a.position[i] - 1)].push_back(i);
      ids.push_back(a.learner[i]);
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const int learners = static_cast<int>(ids.size());
  std::vector<int> unit(n, -1);  // learner index renumbered to 0..L−1 (rows at 1..k_max only)
  for (const auto& r : rows) {
    for (size_t i : r) unit[i] = static_cast<int>(std::lower_bound(ids.begin(), ids.end(), a.learner[i]) - ids.begin());
  }
  std::vector<SortedPosition> sa, sb;
  for (const auto& r : rows) {
    sa.push_back(sort_position(a.p, a.y, unit, r));
    sb.push_back(sort_position(b.p, b.y, unit, r));
  }
  BootstrapInterval out;
  out.level = level;
  out.resamples = resamples;
  out.seed = seed;
  std::vector<double> w(static_cast<size_t>(learners), 1.0);
  out.estimate = margin(sa, sb, w);
  Pcg32 rng(seed);
  std::vector<double> d;
  d.reserve(static_cast<size_t>(resamples));
  for (int r = 0; r < resamples; ++r) {
    std::fill(w.begin(), w.end(), 0.0);
    for (int u = 0; u < learners; ++u) w[rng.uniform_int(static_cast<uint32_t>(learners))] += 1.0;
    const double m = margin(sa, sb, w);
    if (!std::isnan(m)) d.push_back(m);
  }
  require(!d.empty(), ErrorCode::InvalidArgument, "cold_start_margin_interval: no position has both classes");
  out.resamples = static_cast<int>(d.size());  // resamples where some position had both classes
  std::sort(d.begin(), d.end());
  const auto quantile = [&](double q) {
    // linear interpolation between order statistics (type 7)
    const double h = q * static_cast<double>(d.size() - 1);
    const size_t i = static_cast<size_t>(std::floor(h));
    const size_t j = std::min(i + 1, d.size() - 1);
    return d[i] + (h - static_cast<double>(i)) * (d[j] - d[i]);
  };
  out.lo = quantile((1 - level) / 2);
  out.hi = quantile((1 + level) / 2);
  return out;
}

}  // namespace metacog

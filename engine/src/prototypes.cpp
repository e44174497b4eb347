#include "metacog/prototypes.hpp"

#include <algorithm>
#include <cmath>

#include "metacog/error.hpp"

namespace metacog {

PrototypeClassifier::PrototypeClassifier(int dim) : dim_(dim) {
  require(dim >= 1, ErrorCode::InvalidArgument,
          "PrototypeClassifier: dimension must be at least 1, got " + std::to_string(dim));
}

void PrototypeClassifier::check_vector(const std::vector<float>& x, const char* what) const {
  require(static_cast<int>(x.size()) == dim_, ErrorCode::InvalidArgument,
          std::string(what) + ": expected a vector of length " + std::to_string(dim_) + ", got " +
              std::to_string(x.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    require(std::isfinite(x[i]), ErrorCode::InvalidArgument,
            std::string(what) + ": element " + std::to_string(i) +
                " is NaN or infinite; pass finite numbers only");
  }
}

void PrototypeClassifier::add_example(const std::string& label, const std::vector<float>& x,
                                      float weight) {
  require(!label.empty(), ErrorCode::InvalidArgument, "addExample: the label must be a non-empty string");
  check_vector(x, "addExample");
  require(std::isfinite(weight) && weight > 0.0f, ErrorCode::InvalidArgument,
          "addExample: the weight must be a finite number > 0");
  examples_[label].push_back({x, weight});
  ClassSum& s = sums_[label];
  if (s.weighted_sum.empty()) s.weighted_sum.assign(dim_, 0.0);
  for (int j = 0; j < dim_; ++j) s.weighted_sum[j] += static_cast<double>(weight) * x[j];
  s.total_weight += weight;
}

void PrototypeClassifier::remove_class(const std::string& label) {
  require(examples_.count(label) > 0, ErrorCode::UnknownLabel,
          "removeClass: no class named '" + label + "'; call classes() to list the known labels");
  examples_.erase(label);
  sums_.erase(label);
}

void PrototypeClassifier::clear() {
  examples_.clear();
  sums_.clear();
}

std::vector<std::string> PrototypeClassifier::classes() const {
  std::vector<std::string> out;
  out.reserve(examples_.size());
  for (const auto& kv : examples_) out.push_back(kv.first);
  return out;
}

int PrototypeClassifier::count(const std::string& label) const {
  auto it = examples_.find(label);
  return it == examples_.end() ? 0 : static_cast<int>(it->second.size());
}

std::vector<float> PrototypeClassifier::prototype(const std::string& label) const {
  auto it = sums_.find(label);
  require(it != sums_.end(), ErrorCode::UnknownLabel, "prototype: no class named '" + label + "'");
  std::vector<float> c(dim_);
  for (int j = 0; j < dim_; ++j) c[j] = static_cast<float>(it->second.weighted_sum[j] / it->second.total_weight);
  return c;
}

Classification PrototypeClassifier::classify(const std::vector<float>& x) const {
  check_vector(x, "classify");
  require(!sums_.empty(), ErrorCode::InvalidState,
          "classify: the classifier has no classes yet; add examples with addExample(label, x) first");
  Classification r;
  r.labels = classes();
  r.distances.reserve(r.labels.size());
  for (const auto& kv : sums_) {
    const ClassSum& s = kv.second;
    double d = 0.0;
    for (int j = 0; j < dim_; ++j) {
      const double diff = x[j] - s.weighted_sum[j] / s.total_weight;
      d += diff * diff;
    }
    r.distances.push_back(static_cast<float>(d));  // +inf beyond the float range: that class gets p = 0
  }
  // p_k = exp(−d_k) / Σ_j exp(−d_j), shifted by min d for stability.
  const float dmin = *std::min_element(r.distances.begin(), r.distances.end());
  require(std::isfinite(dmin), ErrorCode::InvalidArgument,
          "classify: the squared distance to every class is beyond the float range (values near 1e19 or larger), "
          "so no class is nearer; scale the vectors down");
  double z = 0.0;
  r.probabilities.resize(r.distances.size());
  for (size_t k = 0; k < r.distances.size(); ++k) {
    const double e = std::exp(-static_cast<double>(r.distances[k] - dmin));
    r.probabilities[k] = static_cast<float>(e);
    z += e;
  }
  size_t best = 0;
  for (size_t k = 0; k < r.probabilities.size(); ++k) {
    r.probabilities[k] = static_cast<float>(r.probabilities[k] / z);
    if (r.probabilities[k] > r.probabilities[best]) best = k;
  }
  r.label = r.labels[best];
  return r;
}

}  // namespace metacog

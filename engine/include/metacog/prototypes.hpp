// metacog/prototypes.hpp — few-shot classification with class prototypes (Snell et al. 2017).
//
// Each class k keeps its support examples x_i with weights s_i > 0. Its prototype is the
// weighted mean
//     c_k = Σ_i s_i x_i / Σ_i s_i
// and a query x is classified by a softmax over negative squared Euclidean distances
//     d_k = ‖x − c_k‖²,   p(y = k | x) = exp(−d_k) / Σ_j exp(−d_j).
//
// Example:
//     metacog::PrototypeClassifier clf(64);
//     clf.add_example("alpha", embedding_a);      // std::vector<float> of length 64
//     clf.add_example("beta", embedding_b, 2.0f); // weight 2
//     auto r = clf.classify(query);               // r.label, r.probabilities, r.distances
#pragma once

#include <map>
#include <string>
#include <vector>

namespace metacog {

/** Result of classifying one query; probabilities and distances follow `labels`. */
struct Classification {
  std::string label;                 ///< argmax of the probabilities
  std::vector<std::string> labels;   ///< class labels in sorted order
  std::vector<float> probabilities;  ///< p(y = k | x), sums to 1
  std::vector<float> distances;      ///< d_k = ‖x − c_k‖²
};

/** One stored support example. */
struct SupportExample {
  std::vector<float> x;
  float weight = 1.0f;
};

/** Prototype classifier over fixed-length vectors (embeddings). */
class PrototypeClassifier {
 public:
  /** A classifier for vectors of length dim (dim ≥ 1). */
  explicit PrototypeClassifier(int dim);

  int dim() const { return dim_; }

  /** Adds x (length dim, finite) with weight s > 0 (finite) to class `label` (non-empty). */
  void add_example(const std::string& label, const std::vector<float>& x, float weight = 1.0f);

  /** Removes a class and its examples; throws UnknownLabel if absent. */
  void remove_class(const std::string& label);

  /** Removes every class. */
  void clear();

  /** Class labels in sorted order. */
  std::vector<std::string> classes() const;

  /** Number of examples stored for a class (0 if absent). */
  int count(const std::string& label) const;

  /** The prototype c_k of a class; throws UnknownLabel if absent. */
  std::vector<float> prototype(const std::string& label) const;

  /**
   * Classifies x (length dim, finite); throws InvalidState when there are no classes, and
   * InvalidArgument when the squared distance to every class overflows float (the probabilities
   * would be NaN); a class whose distance alone overflows gets distance +inf and p = 0.
   */
  Classification classify(const std::vector<float>& x) const;

  /** The stored examples per class (for serialization). */
  const std::map<std::string, std::vector<SupportExample>>& examples() const { return examples_; }

 private:
  struct ClassSum {
    std::vector<double> weighted_sum;  // Σ s_i x_i (double: many add/remove cycles stay exact enough)
    double total_weight = 0.0;         // Σ s_i
  };
  void check_vector(const std::vector<float>& x, const char* what) const;

  int dim_;
  std::map<std::string, std::vector<SupportExample>> examples_;
  std::map<std::string, ClassSum> sums_;
};

}  // namespace metacog

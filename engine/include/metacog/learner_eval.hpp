// metacog/learner_eval.hpp — native helpers of the kt-* commands: train/test files, the
// baselines table, and a progress line with ETA (stderr).
//
//     std::string train = metacog::find_train_file("…/assist2009_updated_test.csv");  // …_train.csv
//     metacog::KtDataset test = metacog::load_kt_with_vocabulary(test_path, model.item_labels, model.skill_labels);
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "metacog/kt_data.hpp"
#include "metacog/kt_protocol.hpp"
#include "metacog/learner_model.hpp"

namespace metacog {

/**
 * The train file of a test file: the same name with "test" replaced by "train" (last occurrence,
 * e.g. x_test.csv → x_train.csv, builder_test.csv → builder_train.csv). Io error if it does not exist.
 */
std::string find_train_file(const std::string& test_path);

/** A dataset with exactly this vocabulary (labels not in it become kUnknown). */
KtDataset vocabulary_dataset(const std::vector<std::string>& item_labels, const std::vector<std::string>& skill_labels);

/** Loads a KT file mapped onto a vocabulary (see vocabulary_dataset). */
KtDataset load_kt_with_vocabulary(const std::string& path, const std::vector<std::string>& item_labels,
                                  const std::vector<std::string>& skill_labels);

/** One system's result on a test file. */
struct KtSystemResult {
  std::string name;
  KtEvalResult result;
  std::string describe;  ///< settings (JSON)
};

struct KtCompareOptions {
  std::string train_path;    ///< "" → find_train_file(test)
  std::string nonmeta_path;  ///< the non-meta-learned network; "" → trained here on the train file
  bool baselines = true;     ///< false: only the learner model
  uint64_t seed = 1;         ///< seed of the baselines' validation split and of the non-meta training
  /** Progress: (fraction, status). */
  std::function<void(double, const std::string&)> progress;
};

/** The learner model and (optionally) every engine baseline + the non-meta network on one test file. */
struct KtComparison {
  KtSystemResult metacog;
  /** The same model with its fast weights frozen at φ₀ ("no_adaptation"; always run): what the
   *  inner loop adds, where "nonmeta" shows what meta-training adds. */
  KtSystemResult no_adaptation;
  std::vector<KtSystemResult> baselines;
  std::string train_path, test_path;
};

/**
 * Runs the online protocol (kt_protocol.hpp) on `test_path` for the model and, with
 * options.baselines, for running_rate, running_rate_uniform, irt, bkt, pfa, best_lr (fitted and
 * tuned on the train file by fit_kt_baseline) and "nonmeta" (the same network without meta-learning);
 * always for the model with its inner loop off (KtComparison::no_adaptation).
 */
KtComparison compare_kt(const LearnerModel& model, const std::string& test_path, const KtCompareOptions& options);

/** Mean AUC over positions k = 1..k_max of a cold-start curve (NaN points skipped). */
double mean_cold_start_auc(const KtEvalResult& r, int k_max = 10);


}  // namespace metacog

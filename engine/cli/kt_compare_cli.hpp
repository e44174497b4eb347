// engine/cli/kt_compare_cli.hpp — what `metacog kt-eval` and `metacog kt-coldstart` share: their
// options, the comparison run (learner model + baselines, learner_eval.hpp) and the JSON of results.
#pragma once

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "metacog/learner_eval.hpp"
#include "metacog/learner_model.hpp"
#include "metacog/safetensors.hpp"

namespace metacog::cli {

struct KtCompareCli {
  std::string model, data, train, nonmeta;
  uint64_t seed = 1;
  bool json = false, no_baselines = false, record = false;
};

/** Adds --model --data --train --nonmeta --seed --no-baselines --record --json to `cmd`. */
std::shared_ptr<KtCompareCli> add_kt_compare_options(CLI::App* cmd, const std::string& record_key);

/** The model file as read, the model built from it, and its comparison with the baselines. */
struct KtCompareRun {
  SafetensorsFile file;  ///< what --record checks the file still holds (model_record.hpp)
  LearnerModel model;
  KtComparison comparison;
};

/** Loads the model and compares it with the baselines on the test file (progress on stderr). */
KtCompareRun run_kt_compare(const KtCompareCli& o, const std::string& label);

/** {auc, acc, rmse, logloss, n} */
nlohmann::ordered_json kt_metrics_json(const KtEvalResult& r);
/** [{k, auc (null if undefined), n}] */
nlohmann::ordered_json kt_by_k_json(const KtEvalResult& r);

}  // namespace metacog::cli

// engine/cli/kt_compare_cli.hpp — what `metacog kt-eval` and `metacog kt-coldstart` share: their
// options, the comparison run (learner model + baselines, learner_eval.hpp), the JSON of results,
// and --record (metrics stored in the model file; `metacog eval --record` uses it too).
#pragma once

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "metacog/learner_eval.hpp"

namespace metacog::cli {

struct KtCompareCli {
  std::string model, data, train, nonmeta;
  uint64_t seed = 1;
  bool json = false, no_baselines = false, record = false;
};

/** Adds --model --data --train --nonmeta --seed --no-baselines --record --json to `cmd`. */
std::shared_ptr<KtCompareCli> add_kt_compare_options(CLI::App* cmd, const std::string& record_key);

/** Loads the model and compares it with the baselines on the test file (progress on stderr). */
KtComparison run_kt_compare(const KtCompareCli& o, const std::string& label);

/** {auc, acc, rmse, logloss, n} */
nlohmann::ordered_json kt_metrics_json(const KtEvalResult& r);
/** [{k, auc (null if undefined), n}] */
nlohmann::ordered_json kt_by_k_json(const KtEvalResult& r);
/** Rewrites the model file with __metadata__.metrics[key] = value (other metadata kept). */
void record_metrics(const std::string& model_path, const std::string& key, const nlohmann::ordered_json& value);

}  // namespace metacog::cli

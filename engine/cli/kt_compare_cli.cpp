#include "kt_compare_cli.hpp"

#include "output_path.hpp"
#include "validators.hpp"
#include "progress.hpp"

#include <cmath>

#include "metacog/error.hpp"
#include "metacog/learner_model.hpp"
#include "metacog/model_file.hpp"
#include "metacog/safetensors.hpp"

namespace metacog::cli {

std::shared_ptr<KtCompareCli> add_kt_compare_options(CLI::App* cmd, const std::string& record_key) {
  auto opt = std::make_shared<KtCompareCli>();
  cmd->add_option("--model", opt->model, "learner model (.safetensors)")->required();
  cmd->add_option("--data", opt->data, "test file")->required();
  cmd->add_option("--train", opt->train, "train file for the baselines (default: derived from --data)");
  cmd->add_option("--nonmeta", opt->nonmeta, "the non-meta-learned network (default: trained here)");
  cmd->add_option("--seed", opt->seed, "seed of the baselines' validation split (and of kt-coldstart's bootstrap)")->check(seed_value());
  cmd->add_flag("--no-baselines", opt->no_baselines, "only the learner model");
  cmd->add_flag("--record", opt->record, "store the result in the model's __metadata__.metrics." + record_key);
  cmd->add_flag("--json", opt->json, "print one JSON object on stdout");
  return opt;
}

KtCompareRun run_kt_compare(const KtCompareCli& o, const std::string& label) {
  // --record rewrites the model file at the end: a folder that refuses it is found before the evaluation
  if (o.record) require_writable_output("--model (with --record)", o.model);
  // the recorded entry is replaced whole: without baselines it would wipe the recorded ones
  require(!(o.record && o.no_baselines), ErrorCode::InvalidArgument,
          "--record stores the result with its baselines; drop --no-baselines (or --record)");
  KtCompareRun run;
  run.file = read_safetensors_file(o.model);
  run.model = naming_file(o.model, [&] { return LearnerModel::from_safetensors(run.file); });
  KtCompareOptions co;
  co.train_path = o.train;
  co.nonmeta_path = o.nonmeta;
  co.baselines = !o.no_baselines;
  co.seed = o.seed;
  Progress bar(label);
  co.progress = [&bar](double f, const std::string& s) { bar.update_fraction(f, s); };
  run.comparison = compare_kt(run.model, o.data, co);
  bar.finish();
  return run;
}

nlohmann::ordered_json kt_metrics_json(const KtEvalResult& r) {
  return {{"auc", r.overall.auc}, {"acc", r.overall.acc}, {"rmse", r.overall.rmse}, {"logloss", r.overall.logloss},
          {"n", r.overall.n}};
}

nlohmann::ordered_json kt_by_k_json(const KtEvalResult& r) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (const ColdStartPoint& p : r.by_k) {
    a.push_back({{"k", p.k}, {"auc", std::isfinite(p.auc) ? nlohmann::ordered_json(p.auc) : nlohmann::ordered_json()},
                 {"n", p.n}});
  }
  return a;
}

}  // namespace metacog::cli

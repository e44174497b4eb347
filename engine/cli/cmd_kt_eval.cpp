// engine/cli/cmd_kt_eval.cpp — `metacog kt-eval`: the learner model and every engine baseline on a
// test file, with the online protocol of design.md §4.
//
//     metacog kt-eval --model model.safetensors --data assist2009_updated_test.csv --json
//     {"auc": 0.83, "acc": ..., "rmse": ..., "n": 100189,
//      "baselines": {"running_rate": {"auc", "acc", "rmse", "n"}, "irt": ..., "bkt": ..., "pfa": ...,
//                    "best_lr": ..., "nonmeta": ...}}
// Baselines are fitted (and tuned on a validation part) on the train file: --train FILE, or the
// test file's name with "test" → "train". "nonmeta" is the same network without meta-learning:
// --nonmeta FILE (written by kt-train --baseline-out), else trained here. --record writes the
// result into the model's __metadata__.metrics.test.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "command.hpp"
#include "metacog/error.hpp"
#include "metacog/learner_eval.hpp"
#include "metacog/learner_model.hpp"

namespace metacog::cli {

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

/** Rewrites the model file with metrics[key] = value (other metadata kept). */
void record_metrics(const std::string& model_path, const std::string& key, const nlohmann::ordered_json& value) {
  SafetensorsFile f = read_safetensors_file(model_path);
  nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
  auto it = f.metadata.find("metrics");
  if (it != f.metadata.end()) metrics = nlohmann::ordered_json::parse(it->second);
  metrics[key] = value;
  f.metadata["metrics"] = metrics.dump();
  write_safetensors_file(model_path, f);
}

namespace {

void add_kt_eval_command(CLI::App& app) {
  struct Options {
    std::string model, data, train, nonmeta;
    uint64_t seed = 1;
    bool json = false, no_baselines = false, record = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("kt-eval", "Evaluate a learner model and the baselines on a KT test file");
  cmd->add_option("--model", opt->model, "learner model (.safetensors)")->required();
  cmd->add_option("--data", opt->data, "test file")->required();
  cmd->add_option("--train", opt->train, "train file for the baselines (default: derived from --data)");
  cmd->add_option("--nonmeta", opt->nonmeta, "the non-meta-learned network (default: trained here)");
  cmd->add_option("--seed", opt->seed, "seed of the baselines' validation split");
  cmd->add_flag("--no-baselines", opt->no_baselines, "only the learner model");
  cmd->add_flag("--record", opt->record, "store the result in the model's __metadata__.metrics.test");
  cmd->add_flag("--json", opt->json, "print one JSON object on stdout");
  cmd->callback([opt] {
    run_command([opt] {
      const LearnerModel model = LearnerModel::from_safetensors(read_safetensors_file(opt->model));
      KtCompareOptions co;
      co.train_path = opt->train;
      co.nonmeta_path = opt->nonmeta;
      co.baselines = !opt->no_baselines;
      co.seed = opt->seed;
      ProgressLine bar("kt-eval");
      co.progress = [&bar](double f, const std::string& s) { bar.update(f, s); };
      const KtComparison c = compare_kt(model, opt->data, co);
      bar.finish();
      nlohmann::ordered_json out = kt_metrics_json(c.metacog.result);
      nlohmann::ordered_json baselines = nlohmann::ordered_json::object();
      for (const KtSystemResult& b : c.baselines) baselines[b.name] = kt_metrics_json(b.result);
      out["baselines"] = baselines;
      out["protocol"] = "online: predict response t >= 1 of each test learner from responses 0..t-1";
      out["test"] = opt->data;
      if (!c.train_path.empty()) out["train"] = c.train_path;
      if (opt->record) record_metrics(opt->model, "test", out);
      if (opt->json) {
        std::printf("%s\n", out.dump().c_str());
      } else {
        std::printf("%-22s %8s %8s %8s %9s\n", "system", "AUC", "ACC", "RMSE", "n");
        auto row = [](const std::string& name, const KtEvalResult& r) {
          std::printf("%-22s %8.4f %8.4f %8.4f %9lld\n", name.c_str(), r.overall.auc, r.overall.acc, r.overall.rmse,
                      static_cast<long long>(r.overall.n));
        };
        row("metacog", c.metacog.result);
        for (const KtSystemResult& b : c.baselines) row(b.name, b.result);
      }
      return 0;
    });
  });
}

}  // namespace

static const bool registered = register_command(&add_kt_eval_command);

}  // namespace metacog::cli

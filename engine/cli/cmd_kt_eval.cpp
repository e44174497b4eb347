// engine/cli/cmd_kt_eval.cpp — `metacog kt-eval`: the learner model and every engine baseline on a
// test file, with the online protocol of design.md §4.
//
//     metacog kt-eval --model model.safetensors --data assist2009_updated_test.csv --json
//     {"auc": 0.83, "acc": ..., "rmse": ..., "n": 100189,
//      "baselines": {"running_rate": {"auc", "acc", "rmse", "n"}, "irt": ..., "bkt": ..., "pfa": ...,
//                    "best_lr": ..., "nonmeta": ...},
//      "ablations": {"no_adaptation": {"auc", "acc", "rmse", "n"}},
//      "monotonicity": {"checked", "violations", "violation_rate", "mean_drop", "max_drop", "tolerance"}}
// Baselines are fitted (and tuned on a validation part) on the train file: --train FILE, or the
// test file's name with "test" → "train". "nonmeta" is the same network without meta-learning:
// --nonmeta FILE (written by kt-train --baseline-out), else trained here. "no_adaptation" is this
// model with its fast weights frozen at φ₀ (always run, --no-baselines too). --record writes the
// result into the model's __metadata__.metrics.test.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "command.hpp"
#include "kt_compare_cli.hpp"
#include "model_record.hpp"
#include "metacog/error.hpp"
#include "metacog/learner_eval.hpp"
#include "metacog/learner_model.hpp"
#include "metacog/learner_monotonicity.hpp"

namespace metacog::cli {

namespace {

void add_kt_eval_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("kt-eval", "Evaluate a learner model and the baselines on a KT test file");
  auto opt = add_kt_compare_options(cmd, "test");
  cmd->callback([opt] {
    run_command([opt] {
      const KtCompareRun run = run_kt_compare(*opt, "kt-eval");
      const KtComparison& c = run.comparison;
      nlohmann::ordered_json out = kt_metrics_json(c.metacog.result);
      nlohmann::ordered_json baselines = nlohmann::ordered_json::object();
      for (const KtSystemResult& b : c.baselines) baselines[b.name] = kt_metrics_json(b.result);
      out["baselines"] = baselines;
      out["ablations"] = {{"no_adaptation", kt_metrics_json(c.no_adaptation.result)}};
      {
        // how often one more right answer lowers the model's prediction on these learners (learner_monotonicity.hpp)
        const KtDataset logs = load_kt_with_vocabulary(opt->data, run.model.item_labels, run.model.skill_labels);
        out["monotonicity"] = nlohmann::ordered_json::parse(measure_monotonicity(run.model, logs).to_json());
      }
      out["protocol"] = "online: predict response t >= 1 of each test learner from responses 0..t-1";
      out["test"] = opt->data;
      if (!c.train_path.empty()) out["train"] = c.train_path;
      if (opt->record) record_metrics(opt->model, run.file, "test", out);
      if (opt->json) {
        std::printf("%s\n", out.dump().c_str());
      } else {
        std::printf("%-22s %8s %8s %8s %9s\n", "system", "AUC", "ACC", "RMSE", "n");
        auto row = [](const std::string& name, const KtEvalResult& r) {
          std::printf("%-22s %8.4f %8.4f %8.4f %9lld\n", name.c_str(), r.overall.auc, r.overall.acc, r.overall.rmse,
                      static_cast<long long>(r.overall.n));
        };
        row("metacog", c.metacog.result);
        row("  no_adaptation", c.no_adaptation.result);
        for (const KtSystemResult& b : c.baselines) row(b.name, b.result);
      }
      return 0;
    });
  });
}

}  // namespace

static const bool registered = register_command(&add_kt_eval_command);

}  // namespace metacog::cli

// engine/cli/cmd_kt_coldstart.cpp — `metacog kt-coldstart`: the cold-start curve, AUC of the
// response at position k (k earlier answers of the learner), k = 1..20, on a test file.
//
//     metacog kt-coldstart --model model.safetensors --data assist2009_updated_test.csv --json
//     {"by_k": [{"k": 1, "auc": 0.71, "n": 1230}, ...], "mean_auc_k1_10": ...,
//      "baselines": {"bkt": {"by_k": [...], "mean_auc_k1_10": ...}, "nonmeta": ..., ...}}
// Baselines as in kt-eval (--no-baselines to skip them); --record stores the result in the
// model's __metadata__.metrics.cold_start.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "command.hpp"
#include "kt_compare_cli.hpp"
#include "metacog/error.hpp"
#include "metacog/learner_eval.hpp"
#include "metacog/learner_model.hpp"

namespace metacog::cli {

namespace {

nlohmann::ordered_json curve_json(const KtEvalResult& r) {
  const double m = mean_cold_start_auc(r, 10);
  return {{"by_k", kt_by_k_json(r)},
          {"mean_auc_k1_10", std::isfinite(m) ? nlohmann::ordered_json(m) : nlohmann::ordered_json()}};
}

void add_kt_coldstart_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("kt-coldstart", "Cold-start curve: AUC at position k = 1..20 of each test learner");
  auto opt = add_kt_compare_options(cmd, "cold_start");
  cmd->callback([opt] {
    run_command([opt] {
      const KtComparison c = run_kt_compare(*opt, "kt-coldstart");
      nlohmann::ordered_json out = curve_json(c.metacog.result);
      nlohmann::ordered_json baselines = nlohmann::ordered_json::object();
      for (const KtSystemResult& b : c.baselines) baselines[b.name] = curve_json(b.result);
      if (!c.baselines.empty()) out["baselines"] = baselines;
      out["test"] = opt->data;
      if (opt->record) record_metrics(opt->model, "cold_start", out);
      if (opt->json) {
        std::printf("%s\n", out.dump().c_str());
      } else {
        std::printf("%4s %8s %8s\n", "k", "AUC", "n");
        for (const ColdStartPoint& p : c.metacog.result.by_k) std::printf("%4d %8.4f %8lld\n", p.k, p.auc, static_cast<long long>(p.n));
        std::printf("mean AUC k=1..10: metacog %.4f\n", mean_cold_start_auc(c.metacog.result, 10));
        for (const KtSystemResult& b : c.baselines)
          std::printf("                  %-12s %.4f\n", b.name.c_str(), mean_cold_start_auc(b.result, 10));
      }
      return 0;
    });
  });
}

}  // namespace

static const bool registered = register_command(&add_kt_coldstart_command);

}  // namespace metacog::cli

// engine/cli/cmd_kt_coldstart.cpp — `metacog kt-coldstart`: the cold-start curve, AUC of the
// response at position k (k earlier answers of the learner), k = 1..20, on a test file.
//
//     metacog kt-coldstart --model model.safetensors --data assist2009_updated_test.csv --json
//     {"by_k": [{"k": 1, "auc": 0.71, "n": 1230}, ...], "mean_auc_k1_10": ...,
//      "baselines": {"bkt": {"by_k": [...], "mean_auc_k1_10": ...,
//                            "margin": {"metacog_minus_this_mean_auc_k1_10": ..., "ci95_low": ..., "ci95_high": ...}},
//                    "nonmeta": ..., ...},
//      "ablations": {"no_adaptation": {"by_k", "mean_auc_k1_10", "margin"}}}
// The margin's interval is a paired bootstrap over the test learners (kt_bootstrap.hpp, --seed).
// "no_adaptation" is this model with its fast weights frozen at φ₀ (always run): its margin is what
// the inner loop adds at cold start.
// Baselines as in kt-eval (--no-baselines to skip them); --record stores the result in the
// model's __metadata__.metrics.cold_start.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "command.hpp"
#include "kt_compare_cli.hpp"
#include "model_record.hpp"
#include "metacog/error.hpp"
#include "metacog/kt_bootstrap.hpp"
#include "metacog/learner_eval.hpp"
#include "metacog/learner_model.hpp"

namespace metacog::cli {

namespace {

/** Bootstrap resamples of each margin's interval (≈ 1 s per baseline on ASSIST2009's test learners). */
constexpr int kMarginResamples = 1000;

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
      const KtCompareRun run = run_kt_compare(*opt, "kt-coldstart");
      const KtComparison& c = run.comparison;
      nlohmann::ordered_json out = curve_json(c.metacog.result);
      // a system's curve and how sure metacog's margin over it is: paired bootstrap over the test learners
      auto compared = [&](const KtSystemResult& b) {
        nlohmann::ordered_json j = curve_json(b.result);
        const BootstrapInterval d = cold_start_margin_interval(c.metacog.result.predictions, b.result.predictions, 10,
                                                               kMarginResamples, opt->seed);
        j["margin"] = {{"metacog_minus_this_mean_auc_k1_10", d.estimate},
                       {"ci95_low", d.lo},
                       {"ci95_high", d.hi},
                       {"bootstrap", "paired, over test learners (kt_bootstrap.hpp)"},
                       {"resamples", d.resamples},
                       {"seed", d.seed}};
        return j;
      };
      nlohmann::ordered_json baselines = nlohmann::ordered_json::object();
      for (const KtSystemResult& b : c.baselines) baselines[b.name] = compared(b);
      if (!c.baselines.empty()) out["baselines"] = baselines;
      out["ablations"] = {{"no_adaptation", compared(c.no_adaptation)}};
      out["test"] = opt->data;
      if (opt->record) record_metrics(opt->model, run.file, "cold_start", out);
      if (opt->json) {
        std::printf("%s\n", out.dump().c_str());
      } else {
        std::printf("%4s %8s %8s\n", "k", "AUC", "n");
        for (const ColdStartPoint& p : c.metacog.result.by_k) std::printf("%4d %8.4f %8lld\n", p.k, p.auc, static_cast<long long>(p.n));
        std::printf("mean AUC k=1..10: metacog %.4f\n", mean_cold_start_auc(c.metacog.result, 10));
        auto line = [](const KtSystemResult& b, const nlohmann::ordered_json& m) {
          std::printf("                  %-14s %.4f  metacog − this %+.4f, 95%% CI [%+.4f, %+.4f]\n", b.name.c_str(),
                      mean_cold_start_auc(b.result, 10), m["metacog_minus_this_mean_auc_k1_10"].get<double>(),
                      m["ci95_low"].get<double>(), m["ci95_high"].get<double>());
        };
        line(c.no_adaptation, out["ablations"]["no_adaptation"]["margin"]);
        for (const KtSystemResult& b : c.baselines) line(b, baselines[b.name]["margin"]);
      }
      return 0;
    });
  });
}

}  // namespace

static const bool registered = register_command(&add_kt_coldstart_command);

}  // namespace metacog::cli

// engine/cli/cmd_sine.cpp — `metacog sine`: sine-wave regression, meta-train then evaluate (sine.hpp).
//
//     metacog sine --algo maml --shots 10 --steps 10 --json
//     → {"algo", "shots", "steps", "mse", "ci95", "mse_by_step": [{"step", "mse", "ci95"}], "iterations",
//        "train_seconds", "tasks"}
// Trains with the algorithm's defaults (SineConfig::defaults; --iterations to change the budget),
// then fine-tunes on `tasks` seeded test tasks with K = --shots points and SGD step α for up to
// --steps steps; "mse" is the MSE after --steps steps, "mse_by_step" the whole curve from 0 steps.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <memory>

#include "command.hpp"
#include "validators.hpp"
#include "metacog/sine.hpp"
#include "progress.hpp"

namespace metacog::cli {
namespace {

void add_sine_command(CLI::App& app) {
  struct Options {
    std::string algo = "maml";
    int shots = 10, steps = 10, iterations = -1, tasks = 600;
    uint64_t seed = 1;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("sine", "Sine-wave regression: meta-train (maml, fomaml, reptile, pretrained) and evaluate");
  // every setting is checked here, so a bad one fails before minutes of training, not after
  cmd->add_option("--algo", o->algo, "maml | fomaml | reptile | pretrained")
      ->check(CLI::IsMember({"maml", "fomaml", "reptile", "pretrained"}))
      ->capture_default_str();
  cmd->add_option("--shots", o->shots, "K points per task (training and test)")->check(positive())->capture_default_str();
  cmd->add_option("--steps", o->steps, "fine-tuning steps at test")->check(non_negative())->capture_default_str();
  cmd->add_option("--iterations", o->iterations, "outer iterations (default: the algorithm's)")->check(non_negative());
  cmd->add_option("--tasks", o->tasks, "test tasks")->check(positive())->capture_default_str();
  cmd->add_option("--seed", o->seed, "seed of training and of the test tasks")->check(seed_value())->capture_default_str();
  cmd->add_flag("--json", o->json, "print one JSON object on stdout");
  cmd->callback([o] {
    run_command([o] {
      SineConfig cfg = SineConfig::defaults(o->algo);
      cfg.shots = o->shots;
      cfg.seed = o->seed;
      if (o->iterations >= 0) cfg.iterations = o->iterations;
      Progress bar("sine " + o->algo, cfg.iterations);
      const auto t0 = std::chrono::steady_clock::now();
      const ParamSet theta = train_sine(cfg, [&](int it, float loss) {
        char s[64];
        std::snprintf(s, sizeof s, "loss %.4f", loss);
        bar.update(it, s);
      });
      bar.finish();
      const double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      // test fine-tuning uses the training inner step size α
      const SineEval ev = evaluate_sine(cfg.arch, theta, o->shots, o->steps, cfg.inner_lr, o->tasks, o->seed + 1000003);
      nlohmann::ordered_json curve = nlohmann::ordered_json::array();
      for (size_t s = 0; s < ev.mse_by_step.size(); ++s) {
        curve.push_back({{"step", s}, {"mse", ev.mse_by_step[s].mean}, {"ci95", ev.mse_by_step[s].ci95}});
      }
      const MeanCi& last = ev.mse_by_step.back();
      const nlohmann::ordered_json out = {{"algo", o->algo},          {"shots", o->shots},
                                          {"steps", o->steps},        {"mse", last.mean},
                                          {"ci95", last.ci95},        {"mse_by_step", curve},
                                          {"iterations", cfg.iterations}, {"meta_batch", cfg.meta_batch},
                                          {"inner_steps", cfg.inner_steps}, {"inner_lr", cfg.inner_lr},
                                          {"train_seconds", train_seconds}, {"tasks", o->tasks}};
      std::printf("%s\n", o->json ? out.dump().c_str() : out.dump(2).c_str());
      return 0;
    });
  });
}

}  // namespace

static const bool registered = register_command(&add_sine_command);

}  // namespace metacog::cli

// engine/cli/cmd_kt_train.cpp — `metacog kt-train`: meta-train the learner model on KT logs.
//
//     metacog kt-train --data assist2009_updated_train.csv --out model.safetensors [--valid FILE]
//                      [--seed S] [--resume] [--baseline-out nonmeta.safetensors] [--warm-start] [--lr 0.003] [--json]
//     {"learners": 2921, "responses": 224218, "seconds": 812.4, "out": "model.safetensors", ...}
// Validation learners are carved from the train file when --valid is absent; every choice
// (algorithm, inner step, epochs) is made on them only (learner_fit.hpp). A checkpoint
// OUT.ckpt is rewritten after every epoch; --resume continues from it exactly.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "model_record.hpp"
#include "validators.hpp"
#include "output_path.hpp"
#include "progress.hpp"
#include "metacog/error.hpp"
#include "metacog/kt_data.hpp"
#include "metacog/learner_eval.hpp"
#include "metacog/learner_fit.hpp"
#include "metacog/learner_mastery.hpp"

namespace metacog::cli {
namespace {

using ojson = nlohmann::ordered_json;

std::string base_name(const std::string& path) {
  const size_t s = path.find_last_of('/');
  return s == std::string::npos ? path : path.substr(s + 1);
}

void add_kt_train_command(CLI::App& app) {
  struct Options {
    std::string data, out, valid, baseline_out, algos;
    std::vector<double> monotonicity;  ///< λ list (empty: the grid's)
    uint64_t seed = 1;
    bool resume = false, json = false, no_refit = false, warm_start = false;
    int max_epochs = -1, dim = 0, hidden = 0, rank = -1, adapt_output = -1;
    double prior_precision = 0, inner_lr = 0, lr = 0, mono_insert = -1, average_halflife = -1, max_violation_rate = 1, early_weight = -1,
           unadapted_weight = -1;
    int early_positions = -1;
    int maml_horizon = -2;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("kt-train", "Meta-train the learner model on knowledge-tracing logs");
  cmd->add_option("--data", opt->data, "train file (3-line or CSV format)")->required();
  cmd->add_option("--out", opt->out, "output model (.safetensors)")->required();
  cmd->add_option("--valid", opt->valid, "validation file (default: 20% of the train learners)");
  cmd->add_option("--seed", opt->seed, "random seed (split, init, order, dropout)")->check(seed_value());
  cmd->add_flag("--resume", opt->resume, "continue from OUT.ckpt");
  cmd->add_option("--baseline-out", opt->baseline_out, "also write the non-meta-learned network here");
  cmd->add_option("--algos", opt->algos, "restrict the grid to these algorithms (comma list of reptile,fomaml,maml,pretrain; maml = second-order MAML)");
  cmd->add_option("--maml-horizon", opt->maml_horizon,
                  "maml: inner loops each prediction's meta-gradient goes back through (learner_train.hpp; default 1, "
                  "-1 = all: the exact gradient, which explodes on long learners)")
      ->check(CLI::Range(-1, 1000000));
  cmd->add_option("--max-epochs", opt->max_epochs, "cap on epochs per candidate (default 30)")->check(positive());
  cmd->add_option("--dim", opt->dim, "override the embedding size d")->check(positive());
  cmd->add_option("--hidden", opt->hidden, "override the hidden layer size H")->check(positive());
  cmd->add_option("--rank", opt->rank, "override the learner-vector size r")->check(non_negative());
  cmd->add_option("--adapt-output", opt->adapt_output, "override arch.adapt_output (0/1)")->check(CLI::Range(0, 1));
  cmd->add_option("--prior-precision", opt->prior_precision, "override the inner loop's prior precision κ")->check(positive());
  cmd->add_option("--inner-lr", opt->inner_lr,
                  "override the inner loop's step α of the meta-learned candidates (default 0.3; the non-meta network's "
                  "is chosen on validation)")
      ->check(positive());
  cmd->add_option("--lr", opt->lr,
                  "override the Adam step size of the meta-learned candidates (outer step of FOMAML / MAML, inner step "
                  "of Reptile; default 0.003; the non-meta network keeps its own)")
      ->check(positive());
  cmd->add_option("--monotonicity", opt->monotonicity,
                  "weight λ of the penalty on predictions a right answer lowers (learner_train.hpp; default 1, 0 = off); "
                  "a comma list trains every meta-learned candidate with each λ (the non-meta network takes the first)")
      ->delimiter(',')
      ->check(CLI::Number)
      ->check(non_negative());
  cmd->add_option("--max-violation-rate", opt->max_violation_rate,
                  "choose the best validation AUC among meta-learned candidates whose validation violation rate is at most "
                  "this (learner_fit.hpp; default 1 = AUC alone)")
      ->check(in_range(0.0, 1.0));
  cmd->add_option("--mono-insert", opt->mono_insert,
                  "probability of a right-answered copy before each response in the penalty's augmented sequence (default 0.1)")
      ->check(in_range(0.0, 1.0));
  cmd->add_option("--average-halflife", opt->average_halflife,
                  "half-life in epochs of the parameter average that is validated and kept (learner_train.hpp; 0 = off)")
      ->check(non_negative());
  cmd->add_option("--early-weight", opt->early_weight,
                  "γ: weigh the loss of responses predicted from at most K earlier answers by 1 + γ, for every "
                  "candidate (learner_train.hpp; default 0 = off)")
      ->check(non_negative());
  cmd->add_option("--early-positions", opt->early_positions, "K of --early-weight (default 10)")
      ->check(non_negative());
  cmd->add_option("--unadapted-weight", opt->unadapted_weight,
                  "λ₀: add λ₀ times the loss of the predictions made without adaptation (φ = φ₀) to every "
                  "meta-learned candidate's task loss (learner_train.hpp; default 0 = off)")
      ->check(non_negative());
  cmd->add_flag("--warm-start", opt->warm_start,
                "start every meta-learned candidate from the non-meta network, trained first (pre-train, then "
                "meta-train; learner_train.hpp); needs pretrain among --algos");
  cmd->add_flag("--no-refit", opt->no_refit, "keep the models trained on the train part (no final refit)");
  cmd->add_flag("--json", opt->json, "print one JSON object on stdout (default on)");
  cmd->callback([opt] {
    run_command([opt] {
      require_writable_output("--out", opt->out);
      require_writable_output("--baseline-out", opt->baseline_out);
      if (!opt->resume) set_aside_checkpoint(opt->out + ".ckpt");  // an earlier run's checkpoint is kept, not overwritten
      const KtDataset train = load_kt_file(opt->data);
      KtDataset valid;
      if (!opt->valid.empty()) {
        KtLoadOptions lo;
        lo.vocabulary = &train;
        valid = load_kt_file(opt->valid, lo);
      }
      std::fprintf(stderr, "kt-train: %s: %zu learners, %lld responses, %d items, %d skills\n", opt->data.c_str(),
                   train.learners.size(), static_cast<long long>(train.num_responses()), train.num_items, train.num_skills);
      LearnerFitOptions fo;
      fo.seed = opt->seed;
      fo.checkpoint = opt->out + ".ckpt";
      fo.resume = opt->resume;
      fo.refit = !opt->no_refit;
      fo.candidates = learner_grid(train, opt->seed, opt->algos);
      require(!fo.candidates.empty(), ErrorCode::InvalidArgument, "--algos selects no candidate: " + opt->algos);
      const bool has_pretrain = std::any_of(fo.candidates.begin(), fo.candidates.end(),
                                            [](const LearnerTrainConfig& c) { return c.algo == LearnerAlgo::Pretrain; });
      require(opt->baseline_out.empty() || has_pretrain, ErrorCode::InvalidArgument,
              "--baseline-out writes the non-meta network, which --algos " + opt->algos +
                  " does not train: add pretrain to --algos, or drop --baseline-out");
      for (auto& c : fo.candidates) {
        if (opt->max_epochs > 0) c.max_epochs = opt->max_epochs;
        if (opt->dim > 0) c.arch.dim = opt->dim;
        if (opt->hidden > 0) c.arch.hidden = opt->hidden;
        if (opt->rank >= 0) c.arch.rank = opt->rank;
        if (opt->adapt_output >= 0) c.arch.adapt_output = opt->adapt_output != 0;
        if (opt->prior_precision > 0) c.arch.prior_precision = opt->prior_precision;
        if (opt->inner_lr > 0 && c.algo != LearnerAlgo::Pretrain) c.arch.inner_lr = opt->inner_lr;
        if (opt->lr > 0 && c.algo != LearnerAlgo::Pretrain) c.lr = opt->lr;
        if (opt->mono_insert >= 0) c.mono_insert = opt->mono_insert;  // 0 is refused by the trainer when λ > 0
        if (opt->average_halflife >= 0) c.average_halflife = opt->average_halflife;
        if (opt->early_weight >= 0) c.early_weight = opt->early_weight;
        if (opt->early_positions >= 0) c.early_positions = opt->early_positions;
        if (opt->maml_horizon >= -1) c.maml_horizon = opt->maml_horizon;
        if (opt->unadapted_weight >= 0 && c.algo != LearnerAlgo::Pretrain) c.unadapted_weight = opt->unadapted_weight;
      }
      if (!opt->monotonicity.empty()) {
        // each meta-learned grid point once per λ of the list; the non-meta network with the first λ
        const std::vector<double>& lambdas = opt->monotonicity;
        std::vector<LearnerTrainConfig> expanded;
        for (const auto& c : fo.candidates) {
          for (size_t k = 0; k < (c.algo == LearnerAlgo::Pretrain ? 1 : lambdas.size()); ++k) {
            LearnerTrainConfig e = c;
            e.monotonicity = lambdas[k];
            expanded.push_back(e);
          }
        }
        fo.candidates = expanded;
      }
      fo.max_violation_rate = opt->max_violation_rate;
      // overrides can make grid points identical (e.g. --prior-precision on the two FOMAML points): train each once
      std::vector<LearnerTrainConfig> distinct;
      for (const auto& c : fo.candidates) {
        bool seen = false;
        for (const auto& d : distinct) seen = seen || d.to_json() == c.to_json();
        if (!seen) distinct.push_back(c);
      }
      fo.candidates = opt->warm_start ? warm_started_grid(distinct) : distinct;
      Progress bar("kt-train");
      fo.progress = [&bar](double f, const std::string& s) { bar.update_fraction(f, s); };
      // Ctrl-C (or SIGTERM): stop after the current epoch, whose checkpoint --resume continues from
      // (a second Ctrl-C quits at once and loses that epoch)
      install_stop_handler();
      fo.stop = [] { return stop_requested(); };
      LearnerFitResult r = fit_learner(train, opt->valid.empty() ? nullptr : &valid, fo);
      bar.finish();
      if (!r.complete && stop_requested()) {
        std::fprintf(stderr, "stopped: checkpoint %s (continue with --resume)\n", fo.checkpoint.c_str());
        std::printf("%s\n", ojson{{"completed", false}, {"checkpoint", fo.checkpoint}}.dump().c_str());
        return 130;
      }
      // `--algos pretrain` alone trains only the non-meta network: it is then the --out model (its file says
      // algo "learner-pretrain") and, if asked, also the --baseline-out one
      const bool pretrain_only = r.chosen < 0;
      require(r.complete && (!pretrain_only || r.pretrain.params().size() > 0), ErrorCode::InvalidState,
              "kt-train: no model was trained");
      LearnerModel& primary = pretrain_only ? r.pretrain : r.meta;
      const std::string trained_on = base_name(opt->data) + " (" + std::to_string(train.learners.size()) +
                                     " learners, " + std::to_string(train.num_responses()) + " responses; " +
                                     (opt->valid.empty() ? "validation: 20% of the train learners, seed " +
                                                               std::to_string(opt->seed)
                                                         : "validation: " + base_name(opt->valid)) +
                                     ")";
      const ojson selection = ojson::parse(r.selection_json());
      ojson chosen;
      for (size_t k = 0; k < selection["candidates"].size(); ++k) {
        const bool is_pretrain = selection["candidates"][k]["algo"] == "pretrain";
        if (pretrain_only ? is_pretrain : static_cast<int>(k) == r.chosen) chosen = selection["candidates"][k];
      }
      ojson metrics = {{"validation", {{"auc", chosen["valid_auc"]}, {"protocol", "online, t >= 1"}}},
                       {"selection", selection}};
      // mastery calibration: per-skill guess and slip of BKT on the same logs (learner_mastery.hpp)
      if (!pretrain_only) fit_mastery_calibration(r.meta, train);
      if (r.pretrain.params().size() > 0) fit_mastery_calibration(r.pretrain, train);
      // --out first: it is the run's product; the checkpoint goes only once both files are written
      primary.header.trained_on = trained_on;
      primary.header.metrics_json = metrics.dump();
      write_model_file(opt->out, primary.to_safetensors());
      if (!opt->baseline_out.empty() && r.pretrain.params().size() > 0) {
        // its own validation AUC (the "pretrain" candidate's), so that every model file has metrics
        ojson baseline_metrics = {{"validation", {{"auc", nullptr}, {"protocol", "online, t >= 1"}}}};
        for (const ojson& c : selection["candidates"])
          if (c["algo"] == "pretrain") baseline_metrics["validation"]["auc"] = c["valid_auc"];
        r.pretrain.header.trained_on = trained_on;
        r.pretrain.header.metrics_json = baseline_metrics.dump();
        write_model_file(opt->baseline_out, r.pretrain.to_safetensors());
      }
      std::remove(fo.checkpoint.c_str());
      ojson out = {{"completed", true},
                   {"learners", train.learners.size()},
                   {"responses", train.num_responses()},
                   {"seconds", r.seconds},
                   {"out", opt->out},
                   {"algo", primary.header.algo},
                   {"valid_auc", chosen["valid_auc"]},
                   {"selection", selection}};
      if (!opt->baseline_out.empty()) out["baseline_out"] = opt->baseline_out;
      std::printf("%s\n", out.dump().c_str());
      return 0;
    });
  });
}

}  // namespace

static const bool registered = register_command(&add_kt_train_command);

}  // namespace metacog::cli

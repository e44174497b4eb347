// engine/cli/cmd_simulate.cpp — `metacog simulate`: tutoring policies compared on simulated learners
// over an item bank (design.md §3.2, §4), and `metacog simulate-fit`: the simulator's population
// fitted on a real log.
//
//     metacog simulate --item-bank web/demo/item-bank.json --policy all --learners 500 --json [--seed 1] [--budget 100]
//     {"learners": 500, "seed": 1, "budget": 100, "max_items": 1500, "goals": [...], "simulator": {...},
//      "policies": [{"policy": "random", "learners": 500, "items_to_mastery": {"mean", "ci95", "median", "censored"},
//                    "post_test": {"mean", "ci95"}, "longest_failure_run": {"mean", "ci95"},
//                    "correct_rate": {...}, "pre_test": {...}, "seconds"}, ...]}
//      "first_learner", "threshold", ["model", "metacog_threshold"],
//      "paired": {"reference": "metacog", "against": [{"policy": "random",
//                 "items_to_mastery_difference": {"mean", "ci95"}, "post_test_difference": {"mean", "ci95"}}, ...]}}
//     ("paired": reference − other per simulated learner; the reference is metacog when it ran, else the
//      first policy; with one --policy P the policy's fields are at the top level next to the settings)
//     metacog simulate-fit --data ../shared/data/assist2009_updated/assist2009_updated_train.csv
//                          --out models/simulator-params.json
// Progress goes to stderr. The metacog policy (the Recommender over the learner model,
// recommender_learner.hpp) needs --model FILE; `all` includes it when a model is given.
// `--policy prerequisite-bkt` (the Recommender over the prerequisite-aware joint filter,
// prerequisite_knowledge.hpp) adds "simulator.prerequisite_filter": {rho, log_likelihood_per_answer}.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "command.hpp"
#include "validators.hpp"
#include "output_path.hpp"
#include "metacog/error.hpp"
#include "metacog/item_bank.hpp"
#include "metacog/kt_data.hpp"
#include "metacog/learner_session.hpp"
#include "metacog/model_file.hpp"
#include "metacog/safetensors.hpp"
#include "metacog/recommender_learner.hpp"
#include "metacog/simulator.hpp"
#include "progress.hpp"

namespace metacog::cli {
namespace {

using ojson = nlohmann::ordered_json;

std::string read_text(const std::string& path) {
  const std::vector<uint8_t> bytes = read_binary_file(path);  // an IO error names the path
  return std::string(bytes.begin(), bytes.end());
}

/** Through a temporary file and a rename, as model files: an interrupted run leaves the old file whole. */
void write_text(const std::string& path, const std::string& text) {
  write_binary_file(path, std::vector<uint8_t>(text.begin(), text.end()));
}

ojson mean_ci_json(const MeanCi& m) { return {{"mean", m.mean}, {"ci95", m.ci95}}; }

ojson result_json(const PolicyResult& r, int max_items) {
  ojson itm = mean_ci_json(r.items_to_mastery);
  itm["median"] = r.items_to_mastery_median;
  itm["censored"] = r.censored;
  itm["cap"] = max_items;
  return {{"policy", r.policy},
          {"learners", r.learners},
          {"items_to_mastery", itm},
          {"post_test", mean_ci_json(r.post_test)},
          {"longest_failure_run", mean_ci_json(r.longest_failure_run)},
          {"correct_rate", mean_ci_json(r.correct_rate)},
          {"pre_test", mean_ci_json(r.pre_test)},
          {"seconds", r.seconds}};
}

/** `paired` of the JSON: simulator.hpp's paired_differences of the reference policy against the others. */
ojson paired_json(const std::vector<PolicyResult>& results, size_t ref) {
  ojson against = ojson::array();
  for (const PairedDifference& d : paired_differences(results, ref)) {
    against.push_back({{"policy", d.policy},
                       {"items_to_mastery_difference", mean_ci_json(d.items_to_mastery)},
                       {"post_test_difference", mean_ci_json(d.post_test)}});
  }
  return {{"reference", results[ref].policy}, {"against", against}};
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void add_simulate_command(CLI::App& app) {
  struct Options {
    std::string item_bank, policy, params = "models/simulator-params.json", goals, logs_out, model;
    double metacog_threshold = RecommenderConfig{}.mastery_threshold;  // the product default
    int learners = 500, budget = 100, max_items = 1500, train_learners = 200, train_length = 300, fixed_items = 10;
    double threshold = 0.95;
    uint64_t seed = 1, first_learner = 0;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("simulate", "Compare tutoring policies on simulated learners over an item bank");
  cmd->add_option("--item-bank", opt->item_bank, "item bank JSON (design.md §3.4)")->required();
  cmd->add_option("--policy", opt->policy, "random | fixed | bkt-mastery | target-difficulty | prerequisite-bkt | metacog (needs --model) | all (without prerequisite-bkt)")->required();
  cmd->add_option("--learners", opt->learners, "simulated learners per policy (default 500)");
  cmd->add_option("--seed", opt->seed, "seed of the world, the learners and the policies (default 1)")->check(seed_value());
  cmd->add_option("--budget", opt->budget, "answers before the post-test (default 100)");
  cmd->add_option("--max-items", opt->max_items, "cap of items_to_mastery (default 1500)");
  CLI::Option* params_option = cmd->add_option("--params", opt->params, "simulator population (default models/simulator-params.json)");
  cmd->add_option("--goals", opt->goals, "comma-separated goal skill ids, each with items (default: every skill that has items)");
  cmd->add_option("--train-learners", opt->train_learners, "learners of the policies' training logs (default 200)");
  cmd->add_option("--train-length", opt->train_length, "answers per training learner (default 300)");
  cmd->add_option("--fixed-items-per-skill", opt->fixed_items, "items per skill of the fixed curriculum (default 10)");
  cmd->add_option("--threshold", opt->threshold, "mastery threshold of the recommender policies (default 0.95)")->check(in_range(0.0, 1.0));
  cmd->add_option("--first-learner", opt->first_learner,
                  "index of the first simulated learner (default 0; e.g. 1000000 for training logs disjoint from evaluation)");
  cmd->add_option("--model", opt->model, "learner model (.safetensors) for the metacog policy");
  cmd->add_option("--metacog-threshold", opt->metacog_threshold,
                  "mastery threshold of the metacog policy (the model's P(mastered), calibrated by each skill's guess and slip; default: the product's, RecommenderConfig::mastery_threshold = 0.95)")
      ->check(in_range(0.0, 1.0));
  cmd->add_option("--logs-out", opt->logs_out, "write the evaluated learners' answers as CSV (one policy only)");
  cmd->add_flag("--json", opt->json, "print one JSON object on stdout");
  cmd->callback([opt, params_option] {
    const bool params_given = params_option->count() > 0;
    run_command([opt, params_given] { return with_default_path_hint(params_given, "--params", opt->params, [&] {
      const std::string bank_text = read_text(opt->item_bank);
      const ItemBank bank = naming_file(opt->item_bank, [&] { return ItemBank::parse(bank_text); });
      const SimulatorParams params = [&] {
        try {
          const std::string text = read_text(opt->params);
          return naming_file(opt->params, [&] { return SimulatorParams::from_json(text); });
        } catch (const Error& e) {
          if (!params_given && !std::filesystem::exists(opt->params)) throw;  // with_default_path_hint says what to do
          throw Error(e.code(), std::string(e.what()) + " (create it with `metacog simulate-fit`)");
        }
      }();
      SimulationOptions so;
      so.learners = opt->learners;
      so.seed = opt->seed;
      so.first_learner = opt->first_learner;
      so.budget = opt->budget;
      so.max_items = opt->max_items;
      so.train_learners = opt->train_learners;
      so.train_length = opt->train_length;
      so.fixed_items_per_skill = opt->fixed_items;
      so.recommender_threshold = opt->threshold;
      if (!opt->goals.empty()) {
        std::stringstream ss(opt->goals);
        std::string g;
        while (std::getline(ss, g, ',')) so.goals.push_back(bank.require_skill(g));
      }
      std::vector<std::string> policies;
      if (opt->policy == "all") {
        policies = simulation_policy_names();
        if (!opt->model.empty()) policies.push_back("metacog");
      } else {
        policies = {opt->policy};
      }
      std::shared_ptr<const LearnerModel> model;
      if (std::find(policies.begin(), policies.end(), "metacog") != policies.end()) {
        require(!opt->model.empty(), ErrorCode::InvalidArgument, "the metacog policy needs a learner model: pass --model FILE");
        const std::vector<uint8_t> bytes = read_binary_file(opt->model);
        model = naming_file(opt->model, [&] { return LearnerSession::load_model(bytes.data(), bytes.size()); });
      }
      require(opt->logs_out.empty() || policies.size() == 1, ErrorCode::InvalidArgument, "--logs-out needs a single --policy");
      require_writable_output("--logs-out", opt->logs_out);
      Simulation sim(bank, params, so);
      std::vector<std::unique_ptr<Policy>> made;
      for (const auto& name : policies) {  // validates names before running
        if (name == "metacog") {
          RecommenderConfig cfg = sim.recommender_config();
          cfg.mastery_threshold = opt->metacog_threshold;
          made.push_back(make_recommender_policy("metacog", bank, std::make_unique<LearnerModelView>(bank, model), cfg));
        } else {
          if (name == "prerequisite-bkt") {
            std::fprintf(stderr, "simulate: fitting the prerequisite filter's rho on the training logs (one pass per grid value)...\n");
          }
          made.push_back(sim.make_policy(name));
        }
      }
      install_stop_handler();
      std::vector<PolicyResult> results;
      struct Interrupted {};
      try {
        for (auto& p : made) {
          Progress bar("simulate " + p->name(), so.learners);
          results.push_back(sim.run(*p, [&](int done, int) {
            bar.update(done, "");
            if (stop_requested()) throw Interrupted{};
          }));
          bar.finish();
        }
      } catch (const Interrupted&) {
        // Ctrl-C: the shell's convention for a run stopped by SIGINT; a simulation has no checkpoint
        std::fprintf(stderr, "\nsimulate: interrupted (Ctrl-C); nothing was written\n");
        return 130;
      }
      if (!opt->logs_out.empty()) {
        std::string csv = "learner,item,skill,correct,timestamp\n";
        for (int k = 0; k < so.learners; ++k) {
          LearnerLog log;
          sim.run_learner(*made[0], k, &log);
          for (const Response& r : log.responses) {
            csv += std::to_string(so.first_learner + static_cast<uint64_t>(k)) + "," + csv_field(bank.item(r.item).id) + "," + csv_field(bank.skill(r.skill).id) + "," +
                   (r.correct ? "1" : "0") + "," + std::to_string(static_cast<long long>(r.timestamp)) + "\n";
          }
        }
        write_text(opt->logs_out, csv);
      }
      ojson goals = ojson::array();
      for (int g : sim.goals()) goals.push_back(bank.skill(g).id);
      ojson simulator = {{"params", opt->params},
                         {"forget", params.forget},
                         {"pool_size", params.pool.size()},
                         {"prerequisite_learn_factor", params.prerequisite_learn_factor},
                         {"difficulty_slope", params.difficulty_slope},
                         {"ability_sd", params.ability_sd},
                         {"train_learners", so.train_learners},
                         {"train_length", so.train_length},
                         {"fitted_forget_from_training_logs", sim.calibration().forget}};
      ojson world = ojson::array();
      for (size_t k = 0; k < bank.num_skills(); ++k) {
        const BktSkillParams& q = sim.world().skills[k];
        world.push_back({{"skill", bank.skill(static_cast<int>(k)).id}, {"prior", q.prior}, {"learn", q.learn}, {"guess", q.guess}, {"slip", q.slip}});
      }
      simulator["world"] = world;
      if (std::find(policies.begin(), policies.end(), "prerequisite-bkt") != policies.end()) {
        const PrerequisiteCalibration& pc = sim.prerequisite_calibration();
        simulator["prerequisite_filter"] = {{"rho", pc.joint.rho}, {"log_likelihood_per_answer", pc.log_likelihood}};
      }
      ojson out;
      if (results.size() == 1) {
        out = result_json(results[0], so.max_items);
      } else {
        out["learners"] = so.learners;
      }
      out["seed"] = so.seed;
      out["first_learner"] = so.first_learner;
      out["threshold"] = so.recommender_threshold;
      if (!opt->model.empty()) {
        out["model"] = opt->model;
        out["metacog_threshold"] = opt->metacog_threshold;
      }
      out["budget"] = so.budget;
      out["max_items"] = so.max_items;
      out["goals"] = goals;
      out["item_bank"] = opt->item_bank;
      out["simulator"] = simulator;
      if (results.size() != 1) {
        out["policies"] = ojson::array();
        for (const auto& r : results) out["policies"].push_back(result_json(r, so.max_items));
        // metacog against each baseline when it ran, else the first policy against the others
        size_t ref = 0;
        for (size_t j = 0; j < results.size(); ++j) {
          if (results[j].policy == "metacog") ref = j;
        }
        out["paired"] = paired_json(results, ref);
      }
      if (opt->json) {
        std::printf("%s\n", out.dump().c_str());
      } else {
        std::printf("%d learners, seed %llu, budget %d, cap %d, %zu goal skills\n", so.learners,
                    static_cast<unsigned long long>(so.seed), so.budget, so.max_items, sim.goals().size());
        std::printf("%-18s %22s %8s %8s %18s %18s\n", "policy", "items_to_mastery", "median", "censored", "post_test",
                    "longest_fail_run");
        for (const auto& r : results) {
          std::printf("%-18s %12.1f ± %7.1f %8.0f %8d %9.3f ± %6.3f %9.2f ± %6.2f\n", r.policy.c_str(), r.items_to_mastery.mean,
                      r.items_to_mastery.ci95, r.items_to_mastery_median, r.censored, r.post_test.mean, r.post_test.ci95,
                      r.longest_failure_run.mean, r.longest_failure_run.ci95);
        }
      }
      return 0;
    }, "create it with `metacog simulate-fit`"); });
  });
}

void add_simulate_fit_command(CLI::App& app) {
  struct Options {
    std::string data, out;
    int64_t min_responses = 200;
    int restarts = 5, threads = 1;
    double prior_count = 5.0;
    uint64_t seed = 1;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("simulate-fit", "Fit the simulator's learner population (per-skill BKT + forgetting) on a log");
  cmd->add_option("--data", opt->data, "knowledge-tracing log (3-line or CSV)")->required();
  cmd->add_option("--out", opt->out, "output JSON (e.g. models/simulator-params.json)")->required();
  cmd->add_option("--min-responses", opt->min_responses, "skills with fewer responses stay out of the pool (default 200)");
  cmd->add_option("--restarts", opt->restarts, "EM restarts per skill (default 5)");
  cmd->add_option("--threads", opt->threads, "threads for the per-skill EM (default 1)");
  cmd->add_option("--prior-count", opt->prior_count, "MAP-EM pseudo-counts toward the pooled skill (default 5; 0 = plain EM)")->check(non_negative());
  cmd->add_option("--seed", opt->seed, "seed of the EM restarts (default 1)")->check(seed_value());
  cmd->add_flag("--json", opt->json, "print a JSON summary on stdout");
  cmd->callback([opt] {
    run_command([opt] {
      require_writable_output("--out", opt->out);
      const KtDataset logs = load_kt_file(opt->data);
      SimulatorFitOptions fo;
      fo.min_responses = opt->min_responses;
      fo.bkt.restarts = opt->restarts;
      fo.bkt.seed = opt->seed;
      fo.bkt.prior_count = opt->prior_count;
      fo.threads = opt->threads;
      std::string name = opt->data;
      const size_t slash = name.find_last_of('/');
      if (slash != std::string::npos) name = name.substr(slash + 1);
      const SimulatorParams p = fit_simulator_params(logs, fo, name);
      write_text(opt->out, p.to_json() + "\n");
      const ojson summary = {{"out", opt->out}, {"skills_in_pool", p.pool.size()}, {"forget", p.forget},
                             {"provenance", ojson::parse(p.provenance)}};
      if (opt->json) {
        std::printf("%s\n", summary.dump().c_str());
      } else {
        std::printf("%s\n", summary.dump(2).c_str());
      }
      return 0;
    });
  });
}

void add_commands(CLI::App& app) {
  add_simulate_command(app);
  add_simulate_fit_command(app);
}

}  // namespace

static const bool registered = register_command(&add_commands);

}  // namespace metacog::cli

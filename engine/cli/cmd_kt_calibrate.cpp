// engine/cli/cmd_kt_calibrate.cpp — `metacog kt-calibrate`: fits a learner model's mastery
// calibration (per-skill guess and slip, learner_mastery.hpp) and its knowledge filter's prior and
// learn rate (learner_knowledge.hpp), and the range of each history feature (LearnerModel::standardised)
// on its training logs, and writes the model with them. kt-train already does this; the command serves
// models trained before it did.
//
//     metacog kt-calibrate --model models/assist2009-learner.safetensors
//                          --data ../shared/data/assist2009_updated/assist2009_updated_train.csv [--out FILE] [--json]
// The log is read with the model's vocabulary (labels it does not know count toward the pooled
// skill). Without --out the model file is rewritten in place; every other tensor and metadata entry
// is kept, except the recorded test results (metrics.test, metrics.cold_start) when the feature
// range changes, since that changes predictions; the JSON lists them under "dropped_metrics".
//
// --item-bank FILE (≤ 17 skills) also fits ρ of the prerequisite-aware joint filter
// (prerequisite_knowledge.hpp, learner_joint.hpp) on the same logs over that bank's prerequisite
// graph: the grid 0.1, 0.2, 0.3, 0.5, 0.7, 1 scored by the filter's predictive log-likelihood of the
// answers on the bank's items (others are left out and counted), stored as mastery.rho. With it the
// learner view runs the joint filter for this bank (and any bank it is used with, up to 17 skills).
// Minutes on 240 000 answers over the 17-skill demo bank.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "command.hpp"
#include "model_record.hpp"
#include "output_path.hpp"
#include "metacog/error.hpp"
#include "metacog/item_bank.hpp"
#include "metacog/kt_data.hpp"
#include "metacog/learner_joint.hpp"
#include "metacog/learner_mastery.hpp"
#include "metacog/learner_model.hpp"
#include "metacog/learner_train.hpp"
#include "metacog/model_file.hpp"
#include "metacog/safetensors.hpp"

namespace metacog::cli {
namespace {

using ojson = nlohmann::ordered_json;

void add_kt_calibrate_command(CLI::App& app) {
  struct Options {
    std::string model, data, out, item_bank;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("kt-calibrate", "Fit a learner model's mastery calibration and knowledge filter (per-skill BKT prior, learn, guess, slip) on its training logs");
  cmd->add_option("--model", opt->model, "learner model (.safetensors)")->required();
  cmd->add_option("--data", opt->data, "the logs it was trained on (3-line or CSV)")->required();
  cmd->add_option("--out", opt->out, "output model (default: rewrite --model)");
  cmd->add_option("--item-bank", opt->item_bank,
                  "item bank JSON (≤ 17 skills): also fit ρ of the prerequisite-aware joint filter over its prerequisite graph");
  cmd->add_flag("--json", opt->json, "print one JSON object on stdout");
  cmd->callback([opt] {
    run_command([opt] {
      if (opt->out.empty()) {
        require_writable_output("--model", opt->model);  // rewritten in place
      } else {
        require_writable_output("--out", opt->out);
      }
      const std::vector<uint8_t> bytes = read_binary_file(opt->model);
      LearnerModel model = naming_file(opt->model, [&] { return LearnerModel::from_safetensors(bytes.data(), bytes.size()); });
      require(static_cast<int>(model.skill_labels.size()) == model.arch().num_skills &&
                  static_cast<int>(model.item_labels.size()) == model.arch().num_items,
              ErrorCode::InvalidArgument, opt->model + ": the model has no vocabulary to read the logs with");
      KtDataset vocabulary;
      vocabulary.num_items = model.arch().num_items;
      vocabulary.num_skills = model.arch().num_skills;
      vocabulary.item_labels = model.item_labels;
      vocabulary.skill_labels = model.skill_labels;
      KtLoadOptions lo;
      lo.vocabulary = &vocabulary;
      const KtDataset logs = load_kt_file(opt->data, lo);
      fit_mastery_calibration(model, logs);
      // the training range of the history features (LearnerModel::standardised); mean and std stay
      std::vector<double> mean, sd;
      const std::vector<double> lo_before = model.feature_lo, hi_before = model.feature_hi;
      fit_feature_statistics(logs, mean, sd, model.feature_lo, model.feature_hi);
      // the range clamps the features, so a new one changes predictions: the recorded test results
      // (kt-eval, kt-coldstart --record) no longer describe the model and are dropped; validation
      // and selection describe training and stay
      ojson dropped = ojson::array();
      if (model.feature_lo != lo_before || model.feature_hi != hi_before) {
        ojson metrics = model.header.metrics_json.empty() ? ojson::object() : ojson::parse(model.header.metrics_json);
        for (const char* key : {"test", "cold_start"}) {
          if (metrics.contains(key)) {
            metrics.erase(key);
            dropped.push_back(key);
          }
        }
        model.header.metrics_json = metrics.dump();
      }
      ojson prerequisite = nullptr;
      if (!opt->item_bank.empty()) {
        const std::vector<uint8_t> text = read_binary_file(opt->item_bank);
        const ItemBank bank =
            naming_file(opt->item_bank, [&] { return ItemBank::parse(std::string(text.begin(), text.end())); });
        require(bank.num_skills() <= static_cast<size_t>(kMaxJointSkills), ErrorCode::InvalidArgument,
                opt->item_bank + ": the joint filter is limited to " + std::to_string(kMaxJointSkills) + " skills; this bank has " +
                    std::to_string(bank.num_skills()));
        int64_t skipped = 0;
        const KtDataset on_bank = bank_logs(model, bank, logs, &skipped);
        require(on_bank.num_responses() > 0, ErrorCode::InvalidArgument, opt->data + ": no answer is on an item of " + opt->item_bank);
        std::fprintf(stderr, "kt-calibrate: fitting rho of the joint filter on %lld answers (%lld not on the bank's items)\n",
                     static_cast<long long>(on_bank.num_responses()), static_cast<long long>(skipped));
        double ll = 0;
        const PrerequisiteKnowledgeParams q = fit_prerequisite_knowledge(bank, on_bank, bank_knowledge_params(model, bank), {}, &ll);
        model.mastery_rho = q.rho;
        prerequisite = {{"item_bank", opt->item_bank}, {"rho", q.rho}, {"log_likelihood_per_answer", ll},
                        {"answers", on_bank.num_responses()}, {"skipped", skipped}};
      }
      const std::string out = opt->out.empty() ? opt->model : opt->out;
      write_model_file(out, model.to_safetensors());
      ojson skills = ojson::array();
      for (int s = 0; s <= model.arch().num_skills; ++s) {
        skills.push_back({{"skill", s < model.arch().num_skills ? model.skill_labels[static_cast<size_t>(s)] : std::string("(unknown)")},
                          {"guess", model.mastery_guess[static_cast<size_t>(s)]},
                          {"slip", model.mastery_slip[static_cast<size_t>(s)]},
                          {"prior", model.mastery_prior[static_cast<size_t>(s)]},
                          {"learn", model.mastery_learn[static_cast<size_t>(s)]}});
      }
      ojson summary = {{"out", out}, {"responses", logs.num_responses()}, {"skills", skills}, {"dropped_metrics", dropped}};
      if (!dropped.empty()) {
        std::fprintf(stderr, "kt-calibrate: the feature range changed, so the recorded test results (%s) were dropped; "
                     "run kt-eval / kt-coldstart --record again\n", dropped.dump().c_str());
      }
      if (!prerequisite.is_null()) summary["prerequisite_knowledge"] = prerequisite;
      std::printf("%s\n", opt->json ? summary.dump().c_str() : summary.dump(2).c_str());
      return 0;
    });
  });
}

}  // namespace

static const bool registered = register_command(&add_kt_calibrate_command);

}  // namespace metacog::cli

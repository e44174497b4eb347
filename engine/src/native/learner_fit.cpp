// kt-train's procedure: selection on validation, refit, checkpoints (see learner_fit.hpp).
#include "metacog/learner_fit.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>

#include "metacog/error.hpp"
#include "metacog/model_file.hpp"
#include "metacog/learner_monotonicity.hpp"

namespace metacog {

namespace {

using json = nlohmann::json;


std::vector<double> from_raw64(const SafetensorsFile& f, const std::string& name) {
  auto it = f.tensors.find(name);
  require(it != f.tensors.end(), ErrorCode::StateFormat, "kt-train checkpoint: missing tensor '" + name + "'");
  return raw_to_f64_vector(it->second, "kt-train checkpoint: " + name);
}

/** A model with the given config's arch, the feature statistics of `data`, and these parameters. */
LearnerModel model_from(const LearnerTrainConfig& cfg, const KtDataset& data, const std::vector<double>& params) {
  LearnerModel m(cfg.arch, cfg.seed);
  require(params.size() == m.params().size(), ErrorCode::StateFormat, "kt-train checkpoint: parameter count mismatch");
  fit_feature_statistics(data, m);
  m.item_labels = data.item_labels;
  m.skill_labels = data.skill_labels;
  m.header.algo = std::string("learner-") + learner_algo_name(cfg.algo);
  m.params() = params;
  m.round_to_float();
  return m;
}

double valid_auc(const LearnerModel& m, const KtDataset& valid) {
  LearnerOnlinePredictor p(m);
  const double a = evaluate_online(p, valid, 1).overall.auc;
  return std::isfinite(a) ? a : 0.0;
}

json result_json(const LearnerCandidateResult& r) {
  json j = {{"config", json::parse(r.config_json)}, {"algo", r.algo},         {"inner_lr", r.inner_lr},
          {"best_epoch", r.best_epoch},          {"epochs", r.epochs},      {"valid_auc", r.valid_auc},
          {"seconds", r.seconds}};
  if (!r.valid_monotonicity.empty()) j["valid_monotonicity"] = json::parse(r.valid_monotonicity);
  return j;
}

LearnerCandidateResult result_from(const json& j) {
  LearnerCandidateResult r;
  r.config_json = j.at("config").dump();
  r.algo = j.at("algo").get<std::string>();
  r.inner_lr = j.at("inner_lr").get<double>();
  r.best_epoch = j.at("best_epoch").get<int>();
  r.epochs = j.at("epochs").get<int>();
  r.valid_auc = j.at("valid_auc").get<double>();
  r.seconds = j.at("seconds").get<double>();
  if (j.contains("valid_monotonicity")) r.valid_monotonicity = j.at("valid_monotonicity").dump();
  return r;
}

}  // namespace

std::string LearnerFitResult::selection_json() const {
  json c = json::array();
  for (const auto& r : candidates) c.push_back(result_json(r));
  json j = {{"candidates", c}, {"chosen", chosen}, {"pretrain_alpha_valid_auc", pretrain_alpha_auc}, {"seconds", seconds}};
  if (max_violation_rate < 1) j["max_violation_rate"] = max_violation_rate;
  return j.dump();
}

int choose_learner_candidate(const std::vector<LearnerCandidateResult>& candidates, double max_violation_rate) {
  auto rate = [](const LearnerCandidateResult& r) {
    return r.valid_monotonicity.empty() ? 0.0 : json::parse(r.valid_monotonicity).value("violation_rate", 0.0);
  };
  int chosen = -1;
  for (int k = 0; k < static_cast<int>(candidates.size()); ++k) {
    const LearnerCandidateResult& r = candidates[static_cast<size_t>(k)];
    if (r.algo == learner_algo_name(LearnerAlgo::Pretrain)) continue;
    if (chosen < 0) {
      chosen = k;
      continue;
    }
    const LearnerCandidateResult& c = candidates[static_cast<size_t>(chosen)];
    const bool in_r = rate(r) <= max_violation_rate, in_c = rate(c) <= max_violation_rate;
    const bool better = in_r != in_c ? in_r
                        : in_r       ? r.valid_auc > c.valid_auc
                                     : (rate(r) < rate(c) || (rate(r) == rate(c) && r.valid_auc > c.valid_auc));
    if (better) chosen = k;
  }
  return chosen;
}

std::vector<LearnerTrainConfig> default_learner_grid(const KtDataset& train, uint64_t seed) {
  // (algorithm, prior precision κ of the inner loop); the inner step α = 0.3 throughout. Second-order
  // MAML (horizon 1) joined in session 21: on the three train files' validation learners (seed 1) its
  // best point validated 0.83249 / 0.83135 / 0.73356 (ASSIST2009 / Statics2011 / ASSIST2015) against the
  // best of the other candidates 0.83200 / 0.83149 / 0.73332 (README, "Second-order MAML").
  const std::vector<std::pair<LearnerAlgo, double>> settings = {
      {LearnerAlgo::Reptile, 10.0}, {LearnerAlgo::Fomaml, 10.0}, {LearnerAlgo::Fomaml, 100.0},
      {LearnerAlgo::Maml, 10.0},    {LearnerAlgo::Maml, 100.0},  {LearnerAlgo::Pretrain, 10.0}};
  std::vector<LearnerTrainConfig> grid;
  for (const auto& [algo, kappa] : settings) {
    LearnerTrainConfig c;
    c.algo = algo;
    c.arch = default_learner_arch(train);
    c.arch.inner_lr = 0.3;
    c.arch.prior_precision = kappa;
    // the monotonicity penalty (learner_train.hpp), λ = 1: on the Statics2011 validation learners it
    // took the share of responses whose prediction one more right answer lowers by over 0.01 from
    // ≈ 82 % (λ = 0, measured on the train file) to 0 / 0.004 % (FOMAML κ = 10 / 100) at the same AUC
    // (0.8290 / 0.8297 vs 0.8289 / 0.8296); λ = 10 cost κ = 10 0.007 AUC.
    c.monotonicity = 1.0;
    // parameter averaging with a half-life of 3 epochs (learner_train.hpp), chosen on the
    // assist2009_updated_train1 / valid1 fold (FOMAML κ = 100, seeds 1 and 2): validation AUC
    // 0.8300 / 0.8313 without it, 0.8318 / 0.8317 (h = 1), 0.8322 / 0.8322 (h = 3), 0.8324 (h = 6, seed 1);
    // on STATICS_train1 / valid1 (seed 1) 0.8323 → 0.8337 (h = 1) → 0.8350 (h = 3).
    c.average_halflife = 3.0;
    c.seed = seed;
    grid.push_back(c);
  }
  return grid;
}

std::vector<LearnerTrainConfig> learner_grid(const KtDataset& train, uint64_t seed, const std::string& algos) {
  std::vector<LearnerTrainConfig> grid = default_learner_grid(train, seed);
  if (algos.empty()) return grid;
  std::vector<LearnerAlgo> wanted;
  size_t at = 0;
  while (at <= algos.size()) {
    const size_t comma = std::min(algos.find(',', at), algos.size());
    wanted.push_back(learner_algo_from_name(algos.substr(at, comma - at)));  // InvalidArgument on a typo
    at = comma + 1;
  }
  const auto asked = [&wanted](LearnerAlgo x) { return std::find(wanted.begin(), wanted.end(), x) != wanted.end(); };
  std::vector<LearnerTrainConfig> keep;
  for (const LearnerTrainConfig& c : grid) {
    if (asked(c.algo)) keep.push_back(c);
  }
  return keep;
}

std::vector<LearnerTrainConfig> warm_started_grid(std::vector<LearnerTrainConfig> grid) {
  const auto is_pre = [](const LearnerTrainConfig& c) { return c.algo == LearnerAlgo::Pretrain; };
  require(std::any_of(grid.begin(), grid.end(), is_pre), ErrorCode::InvalidArgument,
          "kt-train: a warm start needs the pretrain candidate (add pretrain to --algos)");
  std::stable_partition(grid.begin(), grid.end(), is_pre);
  for (auto& c : grid) c.warm_start = !is_pre(c);
  return grid;
}

LearnerFitResult fit_learner(const KtDataset& train, const KtDataset* valid, const LearnerFitOptions& opt) {
  const auto t_start = std::chrono::steady_clock::now();
  KtSplit split;
  if (valid) {
    split.train = train;
    split.valid = *valid;
  } else {
    split = split_learners(train, opt.valid_fraction, opt.seed);
  }
  const std::vector<LearnerTrainConfig> cands = opt.candidates.empty() ? default_learner_grid(train, opt.seed) : opt.candidates;
  require(!cands.empty(), ErrorCode::InvalidArgument, "kt-train: no candidates");
  const bool refit = opt.refit && valid == nullptr;
  const int n_cand = static_cast<int>(cands.size());
  bool has_meta = false, has_pre = false;
  // a warm-started candidate starts from the one Pretrain candidate, which must come before it and be the
  // same network (the inner loop's α and κ are not parameters), checked before any training
  const auto network_of = [](const LearnerTrainConfig& c) {
    LearnerArch a = c.arch;
    a.inner_lr = 0;
    a.prior_precision = 0;
    return a.to_json();
  };
  std::string pre_network;
  for (const auto& c : cands) {
    const bool pre = c.algo == LearnerAlgo::Pretrain;
    require(!(pre && c.warm_start), ErrorCode::InvalidArgument, "kt-train: the pretrain candidate cannot be warm-started");
    require(!c.warm_start || has_pre, ErrorCode::InvalidArgument,
            "kt-train: a warm-started candidate needs the pretrain candidate before it in the grid");
    require(!c.warm_start || network_of(c) == pre_network, ErrorCode::InvalidArgument,
            "kt-train: a warm-started candidate must have the network of the pretrain candidate before it");
    if (pre) pre_network = network_of(c);
    (pre ? has_pre : has_meta) = true;
  }
  const bool any_warm = std::any_of(cands.begin(), cands.end(), [](const LearnerTrainConfig& c) { return c.warm_start; });
  require(!any_warm || std::count_if(cands.begin(), cands.end(), [](const LearnerTrainConfig& c) {
                         return c.algo == LearnerAlgo::Pretrain;
                       }) == 1,
          ErrorCode::InvalidArgument, "kt-train: a warm start needs exactly one pretrain candidate");
  const int n_stages = n_cand + (refit && has_meta ? 1 : 0) + (refit && has_pre ? 1 : 0);
  // the candidates' settings are part of the run: a checkpoint of other settings (e.g. another
  // --monotonicity) must not be resumed with finished stages of one and new stages of the other
  json cand_configs = json::array();
  for (const auto& c : cands) cand_configs.push_back(json::parse(c.to_json()));
  json fingerprint = {{"learners", train.learners.size()}, {"responses", train.num_responses()},
                            {"valid_learners", split.valid.learners.size()}, {"seed", opt.seed}, {"refit", refit},
                            {"candidates", n_cand}, {"candidate_configs", cand_configs}};
  require(opt.max_violation_rate >= 0 && opt.max_violation_rate <= 1, ErrorCode::InvalidArgument,
          "kt-train: the violation budget must be in [0, 1]");
  // the budget decides the choice: part of the run (written only when set, so older checkpoints resume)
  if (opt.max_violation_rate < 1) fingerprint["max_violation_rate"] = opt.max_violation_rate;

  LearnerFitResult res;
  res.max_violation_rate = opt.max_violation_rate;
  int stage = 0;
  double prior_seconds = 0;
  std::vector<double> best_meta_params, pretrain_params;
  double pretrain_alpha = 0;
  SafetensorsFile ckpt;
  bool have_cur = false;
  if (opt.resume && !opt.checkpoint.empty() && std::ifstream(opt.checkpoint).good()) {
    ckpt = read_safetensors_file(opt.checkpoint);
    auto it = ckpt.metadata.find("kt_train");
    require(it != ckpt.metadata.end(), ErrorCode::StateFormat, opt.checkpoint + ": not a kt-train checkpoint");
    const json st = json::parse(it->second, nullptr, false);
    require(st.is_object() && st.value("fingerprint", json()) == fingerprint, ErrorCode::StateFormat,
            opt.checkpoint + ": the checkpoint belongs to another run (different data, seed or options); delete it");
    try {
      stage = st.at("stage").get<int>();
      prior_seconds = st.at("seconds").get<double>();
      res.chosen = st.at("chosen").get<int>();
      pretrain_alpha = st.at("pretrain_alpha").get<double>();
      for (const auto& r : st.at("results")) res.candidates.push_back(result_from(r));
      for (const auto& a : st.at("alpha_auc")) res.pretrain_alpha_auc.push_back(a.get<double>());
    } catch (const json::exception& e) {
      throw Error(ErrorCode::StateFormat, opt.checkpoint + ": " + e.what());
    }
    naming_file(opt.checkpoint, [&] {
      if (ckpt.has("best_meta.params")) best_meta_params = from_raw64(ckpt, "best_meta.params");
      if (ckpt.has("pretrain.params")) pretrain_params = from_raw64(ckpt, "pretrain.params");
    });
    have_cur = ckpt.has("cur.params");
  }

  int pretrain_index = -1;
  for (int k = 0; k < n_cand; ++k) {
    if (cands[static_cast<size_t>(k)].algo == LearnerAlgo::Pretrain) pretrain_index = k;
  }
  auto elapsed = [&] { return prior_seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count(); };
  auto save = [&](const LearnerTrainer* cur) {
    if (opt.checkpoint.empty()) return;
    SafetensorsFile f;
    json results = json::array();
    for (const auto& r : res.candidates) results.push_back(result_json(r));
    f.metadata["kt_train"] = json({{"fingerprint", fingerprint}, {"stage", stage}, {"seconds", elapsed()},
                                   {"chosen", res.chosen}, {"pretrain_alpha", pretrain_alpha},
                                   {"results", results}, {"alpha_auc", res.pretrain_alpha_auc}})
                                 .dump();
    if (!best_meta_params.empty()) f.tensors["best_meta.params"] = f64_vector_to_raw(best_meta_params);
    if (!pretrain_params.empty()) f.tensors["pretrain.params"] = f64_vector_to_raw(pretrain_params);
    if (cur) cur->save_state(f, "cur.");
    write_safetensors_file(opt.checkpoint, f);
  };

  int epochs_here = 0;
  for (; stage < n_stages; ++stage) {
    LearnerTrainConfig cfg;
    const KtDataset* data = &split.train;
    // refit order: the chosen meta-learned candidate, then Pretrain — or Pretrain first when the chosen
    // one is warm-started, so that its refit starts from the refitted Pretrain network
    const bool chosen_warm = stage >= n_cand && res.chosen >= 0 &&
                             LearnerTrainConfig::from_json(res.candidates[static_cast<size_t>(res.chosen)].config_json).warm_start;
    const bool meta_stage = stage >= n_cand && has_meta && stage == n_cand + (chosen_warm ? 1 : 0);
    if (stage < n_cand) {
      cfg = cands[static_cast<size_t>(stage)];
    } else {
      require(meta_stage ? res.chosen >= 0 : pretrain_index >= 0, ErrorCode::InvalidState,
              "kt-train: nothing to refit (no meta-learned or no pretrain candidate)");
      const LearnerCandidateResult& r = res.candidates[static_cast<size_t>(meta_stage ? res.chosen : pretrain_index)];
      cfg = LearnerTrainConfig::from_json(r.config_json);
      cfg.max_epochs = r.best_epoch + 1;
      cfg.select_best = false;
      if (!meta_stage) cfg.arch.inner_lr = pretrain_alpha;
      data = &train;
    }
    LearnerTrainer trainer(*data, split.valid, cfg);
    if (cfg.warm_start && cfg.algo != LearnerAlgo::Pretrain) {
      require(!pretrain_params.empty(), ErrorCode::InvalidState, "kt-train: no pretrain network to warm-start from");
      trainer.warm_start_from(pretrain_params);
    }
    if (have_cur) {
      trainer.load_state(ckpt, "cur.");
      have_cur = false;
    }
    while (!trainer.done()) {
      const LearnerEpochLog e = trainer.run_epoch([&](double f) {
        if (opt.progress) {
          const double within = (trainer.epoch() + f) / std::max(1, cfg.max_epochs);
          opt.progress((stage + within) / n_stages, std::string(learner_algo_name(cfg.algo)) + " α=" +
                                                        std::to_string(cfg.arch.inner_lr).substr(0, 4) + " epoch " +
                                                        std::to_string(trainer.epoch() + 1));
        }
      });
      if (opt.progress) {
        opt.progress((stage + static_cast<double>(trainer.epoch()) / std::max(1, cfg.max_epochs)) / n_stages,
                     std::string(learner_algo_name(cfg.algo)) + " epoch " + std::to_string(e.epoch + 1) + " loss " +
                         std::to_string(e.train_loss).substr(0, 6) + " valid AUC " + std::to_string(e.valid_auc).substr(0, 6));
      }
      ++epochs_here;
      save(&trainer);
      const bool asked = (opt.stop_after_epochs >= 0 && epochs_here >= opt.stop_after_epochs) || (opt.stop && opt.stop());
      if (asked && !(trainer.done() && stage + 1 == n_stages)) {
        res.seconds = elapsed();
        return res;  // incomplete: as if the process had been killed after this checkpoint
      }
    }
    LearnerModel best = trainer.best_model();
    if (stage < n_cand) {
      LearnerCandidateResult r;
      r.config_json = cfg.to_json();
      r.algo = learner_algo_name(cfg.algo);
      r.inner_lr = cfg.arch.inner_lr;
      r.best_epoch = trainer.best_epoch();
      r.epochs = trainer.epoch();
      r.valid_auc = trainer.best_valid_auc();
      for (const auto& l : trainer.log()) r.seconds += l.seconds;
      if (cfg.algo == LearnerAlgo::Pretrain) {
        // the test-time fine-tuning step α of the non-meta-learned network, chosen on validation
        res.pretrain_alpha_auc.clear();
        double best_auc = -1;
        for (double alpha : opt.pretrain_inner_lrs) {
          LearnerModel m = best;
          LearnerArch a = m.arch();
          a.inner_lr = alpha;
          LearnerModel ma(a, cfg.seed);
          ma.params() = m.params();
          ma.feature_mean() = m.feature_mean();
          ma.feature_std() = m.feature_std();
          ma.feature_lo = m.feature_lo;
          ma.feature_hi = m.feature_hi;
          const double auc = valid_auc(ma, split.valid);
          res.pretrain_alpha_auc.push_back(auc);
          if (auc > best_auc) {
            best_auc = auc;
            pretrain_alpha = alpha;
          }
        }
        r.valid_auc = best_auc;
        r.inner_lr = pretrain_alpha;
        pretrain_params = best.params();
      } else {
        // the selection record also says how often a right answer lowers this candidate's predictions
        r.valid_monotonicity = measure_monotonicity(best, split.valid).to_json();
      }
      res.candidates.push_back(r);
      const int now = choose_learner_candidate(res.candidates, opt.max_violation_rate);
      if (now != res.chosen && now == static_cast<int>(res.candidates.size()) - 1) best_meta_params = best.params();
      res.chosen = now;
    } else if (meta_stage) {
      best_meta_params = best.params();
    } else {
      pretrain_params = best.params();
    }
    // the stage is finished: the next checkpoint starts the next stage from scratch
    const int finished = stage;
    stage = finished + 1;
    save(nullptr);
    stage = finished;
  }

  const KtDataset& final_data = refit ? train : split.train;
  if (has_meta) {
    require(res.chosen >= 0, ErrorCode::InvalidState, "kt-train: no meta-learned candidate was trained");
    const LearnerTrainConfig meta_cfg =
        LearnerTrainConfig::from_json(res.candidates[static_cast<size_t>(res.chosen)].config_json);
    res.meta = model_from(meta_cfg, final_data, best_meta_params);
  }
  if (pretrain_index >= 0 && !pretrain_params.empty()) {
    LearnerTrainConfig pcfg = cands[static_cast<size_t>(pretrain_index)];
    pcfg.arch.inner_lr = pretrain_alpha;
    res.pretrain = model_from(pcfg, final_data, pretrain_params);
  }
  res.complete = true;
  res.seconds = elapsed();
  return res;
}

}  // namespace metacog

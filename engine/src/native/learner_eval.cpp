#include "metacog/learner_eval.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "metacog/error.hpp"
#include "metacog/model_file.hpp"
#include "metacog/kt_baselines.hpp"
#include "metacog/learner_fit.hpp"
#include "metacog/learner_train.hpp"

namespace metacog {

std::string find_train_file(const std::string& test_path) {
  const size_t slash = test_path.find_last_of('/');
  const size_t base = slash == std::string::npos ? 0 : slash + 1;
  const size_t at = test_path.rfind("test");
  require(at != std::string::npos && at >= base, ErrorCode::InvalidArgument,
          "cannot derive the train file from '" + test_path + "' (its name has no 'test'); pass --train FILE");
  std::string train = test_path;
  train.replace(at, 4, "train");
  require(std::ifstream(train).good(), ErrorCode::Io,
          "train file '" + train + "' (derived from the test file name) cannot be read; pass --train FILE");
  return train;
}

KtDataset vocabulary_dataset(const std::vector<std::string>& item_labels, const std::vector<std::string>& skill_labels) {
  KtDataset v;
  v.item_labels = item_labels;
  v.skill_labels = skill_labels;
  v.num_items = static_cast<int>(item_labels.size());
  v.num_skills = static_cast<int>(skill_labels.size());
  return v;
}

KtDataset load_kt_with_vocabulary(const std::string& path, const std::vector<std::string>& item_labels,
                                  const std::vector<std::string>& skill_labels) {
  const KtDataset vocab = vocabulary_dataset(item_labels, skill_labels);
  KtLoadOptions opt;
  opt.vocabulary = &vocab;
  return load_kt_file(path, opt);
}

double mean_cold_start_auc(const KtEvalResult& r, int k_max) {
  double sum = 0;
  int n = 0;
  for (const ColdStartPoint& p : r.by_k) {
    if (p.k >= 1 && p.k <= k_max && std::isfinite(p.auc)) {
      sum += p.auc;
      ++n;
    }
  }
  return n ? sum / n : std::nan("");
}

KtComparison compare_kt(const LearnerModel& model, const std::string& test_path, const KtCompareOptions& opt) {
  require(!model.skill_labels.empty() || model.arch().num_skills == 0, ErrorCode::ModelFormat,
          "the learner model has no vocabulary (__metadata__.vocab); it cannot map a data file's ids");
  KtComparison out;
  out.test_path = test_path;
  auto report = [&](double f, const std::string& s) {
    if (opt.progress) opt.progress(f, s);
  };
  const KtDataset test = load_kt_with_vocabulary(test_path, model.item_labels, model.skill_labels);
  report(0.0, "learner model");
  LearnerKtModel lm(model, "metacog");
  out.metacog = {"metacog", evaluate_online(lm.factory(), test), lm.describe()};
  LearnerKtModel frozen(model, "no_adaptation", /*adaptation=*/false);
  out.no_adaptation = {"no_adaptation", evaluate_online(frozen.factory(), test), frozen.describe()};
  if (!opt.baselines) return out;

  out.train_path = opt.train_path.empty() ? find_train_file(test_path) : opt.train_path;
  const KtDataset train = load_kt_file(out.train_path);
  KtLoadOptions lo;
  lo.vocabulary = &train;
  const KtDataset test_b = load_kt_file(test_path, lo);
  const std::vector<std::string> names = kt_baseline_names();
  const double steps = static_cast<double>(names.size()) + 2;
  for (size_t k = 0; k < names.size(); ++k) {
    report((1 + k) / steps, "baseline " + names[k]);
    KtTuneOptions to;
    to.seed = opt.seed;
    KtTuningReport rep;
    auto m = fit_kt_baseline(names[k], train, to, &rep);
    out.baselines.push_back({names[k], evaluate_online(m->factory(), test_b), m->describe()});
  }
  report((1 + names.size()) / steps, "baseline nonmeta");
  LearnerModel nonmeta;
  if (!opt.nonmeta_path.empty()) {
    nonmeta = from_model_file(opt.nonmeta_path, [](const SafetensorsFile& f) { return LearnerModel::from_safetensors(f); });
    // the baseline that isolates what meta-learning adds: a meta-learned model here would compare the model with itself
    require(nonmeta.header.algo == "learner-pretrain", ErrorCode::InvalidArgument,
            "--nonmeta " + opt.nonmeta_path + " is a '" + nonmeta.header.algo +
                "' model; pass the non-meta network (algo learner-pretrain, written by kt-train --baseline-out)");
  } else {
    // the same network (arch of the model) trained without meta-learning on the train file
    require(model.item_labels == train.item_labels && model.skill_labels == train.skill_labels, ErrorCode::InvalidArgument,
            "the model's vocabulary differs from the train file '" + out.train_path +
                "'; pass the right --train file or --nonmeta FILE");
    LearnerFitOptions fo;
    fo.seed = opt.seed;
    LearnerTrainConfig c;
    c.algo = LearnerAlgo::Pretrain;
    c.arch = model.arch();
    c.seed = opt.seed;
    fo.candidates = {c};
    fo.progress = [&](double f, const std::string& s) { report((1 + names.size() + f) / steps, "nonmeta " + s); };
    nonmeta = fit_learner(train, nullptr, fo).pretrain;
  }
  const KtDataset test_n = load_kt_with_vocabulary(test_path, nonmeta.item_labels, nonmeta.skill_labels);
  LearnerKtModel nm(nonmeta, "nonmeta");
  out.baselines.push_back({"nonmeta", evaluate_online(nm.factory(), test_n), nm.describe()});
  report(1.0, "done");
  return out;
}


}  // namespace metacog

// Knowledge-tracing data and baselines on the shared real datasets (native only).
//
// The quick case checks the loaders against the counts of ../shared/data/README.md. The slow case
// (skipped by default) measures every baseline with the full protocol:
//   ./build/metacog_tests -tc='kt baselines on real data' --no-skip
// Environment: METACOG_KT_DATASETS (comma list, default "assist2009_updated,STATICS,assist2015";
// "STATICS+Q" = STATICS with the Qmatrix.csv skills), METACOG_KT_BASELINES (comma list, default all),
// METACOG_THREADS (default 1).
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "metacog/kt_baselines.hpp"
#include "metacog/kt_data.hpp"
#include "metacog/kt_protocol.hpp"
#include "../test_support.hpp"

namespace {

std::vector<std::string> split_list(const char* env, const std::string& fallback) {
  const std::string s = env ? env : fallback;
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

struct Loaded {
  metacog::KtDataset train, test;
};

Loaded load_pair(const std::string& dataset) {
  const bool qmatrix = dataset == "STATICS+Q";
  const std::string name = qmatrix ? "STATICS" : dataset;
  const std::string dir = metacog::test::data_dir() + "/" + name + "/";
  metacog::ItemSkillMap map;
  metacog::KtLoadOptions opt;
  if (qmatrix) {
    map = metacog::load_item_skill_map(dir + "Qmatrix.csv");
    opt.skill_map = &map;
  }
  Loaded l;
  l.train = metacog::load_kt_file(dir + name + "_train.csv", opt);
  opt.vocabulary = &l.train;
  l.test = metacog::load_kt_file(dir + name + "_test.csv", opt);
  return l;
}

}  // namespace

TEST_CASE("kt real data: assist2009_updated and STATICS counts match the data README; running rate is sane") {
  if (!metacog::test::require_data("assist2009_updated/assist2009_updated_train.csv")) return;
  const Loaded a = load_pair("assist2009_updated");
  CHECK(a.train.learners.size() == 2921);
  CHECK(a.test.learners.size() == 1230);
  CHECK(a.train.num_responses() == 224218);
  CHECK(a.test.num_responses() == 101419);
  CHECK(a.train.num_items == 110);
  CHECK(a.train.item_labels.front() == "1");
  CHECK(a.train.item_labels.back() == "110");
  CHECK(a.test.item_labels == a.train.item_labels);
  CHECK(a.train.correct_rate() == doctest::Approx(0.658).epsilon(0.01));
  metacog::KtTuneOptions quick;
  quick.tune = false;
  auto rr = metacog::fit_kt_baseline("running_rate", a.train, quick);
  const metacog::KtEvalResult r = metacog::evaluate_online(rr->factory(), a.test);
  CHECK(r.overall.n == 101419 - 1230);  // the first response of each learner is not scored
  CHECK(r.overall.auc > 0.65);
  CHECK(r.overall.auc < 0.80);
  MESSAGE("assist2009_updated running_rate (κ = 4) test AUC " << r.overall.auc);

  if (!metacog::test::require_data("STATICS/STATICS_train.csv")) return;
  const Loaded s = load_pair("STATICS");
  CHECK(s.train.learners.size() == 229);
  CHECK(s.test.learners.size() == 104);
  CHECK(s.train.num_responses() == 130184);
  CHECK(s.test.num_responses() == 59113);
  // the Q-matrix and the qid→sid table agree (98 skills, one per step)
  const metacog::ItemSkillMap q = metacog::load_item_skill_map(metacog::test::data_dir() + "/STATICS/Qmatrix.csv");
  const metacog::ItemSkillMap t =
      metacog::load_item_skill_map(metacog::test::data_dir() + "/STATICS/STATICS_qid_sid_sname");
  CHECK(q.skill_of.size() == 1223);
  CHECK(t.skill_of.size() == 1223);
  int agree = 0;
  for (const auto& kv : t.skill_of) agree += q.skill_of.count(kv.first) && q.skill_of.at(kv.first) == kv.second;
  CHECK(agree == 1223);
  const Loaded sq = load_pair("STATICS+Q");
  CHECK(sq.train.num_skills <= 98);
  CHECK(sq.train.num_items == s.train.num_items);
}

TEST_CASE("kt real data: assistments_dkt (the original DKT files: 0-based ids, trailing commas) loads as the data README counts it") {
  if (!metacog::test::require_data("assistments_dkt/builder_train.csv")) return;
  const std::string dir = metacog::test::data_dir() + "/assistments_dkt/";
  metacog::KtLoadOptions opt;
  const metacog::KtDataset train = metacog::load_kt_file(dir + "builder_train.csv", opt);
  opt.vocabulary = &train;
  const metacog::KtDataset test = metacog::load_kt_file(dir + "builder_test.csv", opt);
  CHECK(train.learners.size() == 3361);
  CHECK(train.num_responses() == 407967);
  CHECK(test.learners.size() == 856);
  CHECK(test.num_responses() == 117567);
  CHECK(train.correct_rate() == doctest::Approx(0.677).epsilon(0.002));
  CHECK(test.correct_rate() == doctest::Approx(0.688).epsilon(0.002));
  CHECK(train.num_items <= 124);  // skill ids 0..123 are the item labels of this format
  size_t single = 0;
  for (const auto& l : train.learners) single += l.responses.size() == 1;
  CHECK(single > 0);  // learners with one response are kept (nothing to score for them)
  metacog::KtTuneOptions quick;
  quick.tune = false;
  auto rr = metacog::fit_kt_baseline("running_rate", train, quick);
  const metacog::KtEvalResult r = metacog::evaluate_online(rr->factory(), test);
  CHECK(r.overall.n == 117567 - 856);
  CHECK(r.overall.auc > 0.6);
  MESSAGE("assistments_dkt: " << train.num_items << " ids in train; running_rate (κ = 4) test AUC " << r.overall.auc);
}

TEST_CASE("kt baselines on real data" * doctest::skip()) {
  const std::vector<std::string> datasets =
      split_list(std::getenv("METACOG_KT_DATASETS"), "assist2009_updated,STATICS,assist2015");
  const std::vector<std::string> names = split_list(std::getenv("METACOG_KT_BASELINES"), "");
  const int threads = std::getenv("METACOG_THREADS") ? std::atoi(std::getenv("METACOG_THREADS")) : 1;
  for (const std::string& ds : datasets) {
    const std::string base = ds == "STATICS+Q" ? "STATICS" : ds;
    if (!metacog::test::require_data(base + "/" + base + "_train.csv")) continue;
    const auto t0 = std::chrono::steady_clock::now();
    const Loaded data = load_pair(ds);
    const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("\n## %s: train %zu learners / %lld responses, test %zu / %lld, items %d, skills %d, "
                "unknown test items %lld, load %.2f s\n",
                ds.c_str(), data.train.learners.size(), static_cast<long long>(data.train.num_responses()),
                data.test.learners.size(), static_cast<long long>(data.test.num_responses()), data.train.num_items,
                data.train.num_skills, static_cast<long long>(data.test.unknown_item_responses), load_s);
    std::printf("| dataset | baseline | AUC | ACC | RMSE | n | tune+fit s | final fit s | eval s | chosen (validation AUC) |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (const std::string& name : names.empty() ? metacog::kt_baseline_names() : names) {
      metacog::KtTuneOptions opt;
      opt.threads = threads;
      metacog::KtTuningReport rep;
      auto model = metacog::fit_kt_baseline(name, data.train, opt, &rep);
      metacog::KtEvalOptions eo;
      eo.threads = threads;
      const metacog::KtEvalResult r = metacog::evaluate_online(model->factory(), data.test, eo);
      std::printf("| %s | %s | %.4f | %.4f | %.4f | %lld | %.1f | %.1f | %.1f | %s (%.4f) |\n", ds.c_str(), name.c_str(),
                  r.overall.auc, r.overall.acc, r.overall.rmse, static_cast<long long>(r.overall.n), rep.seconds,
                  rep.final_fit_seconds, r.seconds, model->describe().c_str(), rep.valid_auc[rep.chosen]);
      std::printf("<!-- %s %s validation grid:", ds.c_str(), name.c_str());
      for (size_t c = 0; c < rep.candidates.size(); ++c) std::printf(" [%zu] %.4f", c, rep.valid_auc[c]);
      std::printf(" -->\n");
      std::printf("<!-- %s %s by_k:", ds.c_str(), name.c_str());
      for (const metacog::ColdStartPoint& c : r.by_k) std::printf(" %d:%.4f(n=%lld)", c.k, c.auc, static_cast<long long>(c.n));
      std::printf(" -->\n");
      std::fflush(stdout);
      CHECK(r.overall.auc > 0.5);
    }
  }
}

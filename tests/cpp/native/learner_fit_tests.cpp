// The kt-train procedure (learner_fit.hpp) on synthetic learners: warm-started candidates start from
// the Pretrain network, in selection and in the refit, and a warm-started run resumes exactly.
// Native only (the procedure writes checkpoints).
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "metacog/learner_fit.hpp"
#include "../learner_test_data.hpp"
#include "../test_support.hpp"

using namespace metacog;
using test::small_config;
using test::synthetic;

namespace {

/** Pretrain (2 epochs) and a warm-started FOMAML of `warm_epochs` epochs, in that order. */
LearnerFitOptions warm_options(const KtDataset& train, int warm_epochs) {
  LearnerFitOptions opt;
  opt.seed = 3;
  LearnerTrainConfig pre = small_config(train, LearnerAlgo::Pretrain);
  pre.max_epochs = 2;
  LearnerTrainConfig meta = small_config(train, LearnerAlgo::Fomaml);
  meta.max_epochs = warm_epochs;
  opt.candidates = warm_started_grid({meta, pre});
  return opt;
}

}  // namespace

TEST_CASE("kt-train warm start: the grid puts Pretrain first and marks every meta-learned candidate") {
  const KtDataset train = synthetic(20, 10, 4, 41);
  const std::vector<LearnerTrainConfig> grid = warm_started_grid(default_learner_grid(train, 1));
  REQUIRE(grid.size() == default_learner_grid(train, 1).size());
  CHECK(grid.front().algo == LearnerAlgo::Pretrain);
  CHECK_FALSE(grid.front().warm_start);
  for (size_t k = 1; k < grid.size(); ++k) {
    CHECK(grid[k].algo != LearnerAlgo::Pretrain);
    CHECK(grid[k].warm_start);
  }
  CHECK(grid[1].algo == LearnerAlgo::Reptile);  // the others keep their order
  CHECK(test::code_of([&] { warm_started_grid(learner_grid(train, 1, "fomaml")); }) == ErrorCode::InvalidArgument);
  // a warm-started candidate before any Pretrain candidate is refused before any training
  LearnerFitOptions bad;
  LearnerTrainConfig meta = small_config(train, LearnerAlgo::Fomaml);
  meta.warm_start = true;
  bad.candidates = {meta, small_config(train, LearnerAlgo::Pretrain)};
  CHECK(test::code_of([&] { fit_learner(train, nullptr, bad); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("kt-train warm start: the meta-learned network starts from the Pretrain one, refit included") {
  const KtDataset train = synthetic(60, 20, 5, 42), valid = synthetic(20, 20, 5, 43);
  // zero epochs of meta-training: the selected meta-learned network is the Pretrain network itself
  const LearnerFitResult kept = fit_learner(train, &valid, warm_options(train, 0));
  REQUIRE(kept.complete);
  CHECK(kept.meta.params() == kept.pretrain.params());
  // with the refit on all train learners, the meta-learned network starts from the *refitted* Pretrain
  // network (refitted first), not from the one selected on the train part
  const LearnerFitResult refit = fit_learner(train, nullptr, warm_options(train, 0));
  REQUIRE(refit.complete);
  CHECK(refit.meta.params() == refit.pretrain.params());
  LearnerFitOptions no_refit = warm_options(train, 0);
  no_refit.refit = false;
  const LearnerFitResult part = fit_learner(train, nullptr, no_refit);
  CHECK(part.pretrain.params() != refit.pretrain.params());
  // with epochs, it moves away from there
  const LearnerFitResult trained = fit_learner(train, &valid, warm_options(train, 2));
  CHECK(trained.meta.params() != trained.pretrain.params());
  CHECK(trained.candidates.at(1).config_json.find("\"warm_start\":true") != std::string::npos);
}

TEST_CASE("kt-train warm start: a run killed inside the candidates or the refits resumes exactly") {
  const KtDataset train = synthetic(60, 20, 5, 44);
  const std::string ck_a = "/tmp/metacog_warm_resume_a.ckpt", ck_b = "/tmp/metacog_warm_resume_b.ckpt";
  std::remove(ck_a.c_str());
  std::remove(ck_b.c_str());
  LearnerFitOptions a = warm_options(train, 2);
  a.checkpoint = ck_a;
  const LearnerFitResult ra = fit_learner(train, nullptr, a);
  REQUIRE(ra.complete);
  LearnerFitOptions b = warm_options(train, 2);
  b.checkpoint = ck_b;
  // Pretrain 2 epochs, warm FOMAML 2, then the refits (Pretrain first, ≥ 1 epoch each): killed after 3
  // epochs (inside FOMAML) and after 5 (in the refits)
  for (int stop : {3, 2}) {
    b.stop_after_epochs = stop;
    CHECK_FALSE(fit_learner(train, nullptr, b).complete);
    b.resume = true;
  }
  b.stop_after_epochs = -1;
  const LearnerFitResult rb = fit_learner(train, nullptr, b);
  REQUIRE(rb.complete);
  CHECK(rb.meta.params() == ra.meta.params());
  CHECK(rb.pretrain.params() == ra.pretrain.params());
  CHECK(rb.chosen == ra.chosen);
  std::remove(ck_a.c_str());
  std::remove(ck_b.c_str());
}

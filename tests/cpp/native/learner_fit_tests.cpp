// The kt-train procedure (learner_fit.hpp) on synthetic learners: warm-started candidates start from
// the Pretrain network, in selection and in the refit, and a warm-started run resumes exactly.
// Native only (the procedure writes checkpoints).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
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
  // … and so are a warm-started Pretrain, two Pretrain candidates, and a Pretrain of another network
  LearnerFitOptions warm_pre;
  warm_pre.candidates = {small_config(train, LearnerAlgo::Pretrain)};
  warm_pre.candidates[0].warm_start = true;
  CHECK(test::code_of([&] { fit_learner(train, nullptr, warm_pre); }) == ErrorCode::InvalidArgument);
  LearnerFitOptions two = bad;
  two.candidates = {small_config(train, LearnerAlgo::Pretrain), meta, small_config(train, LearnerAlgo::Pretrain)};
  CHECK(test::code_of([&] { fit_learner(train, nullptr, two); }) == ErrorCode::InvalidArgument);
  LearnerFitOptions other = bad;
  LearnerTrainConfig wide = small_config(train, LearnerAlgo::Pretrain);
  wide.arch.hidden += 1;
  other.candidates = {wide, meta};
  CHECK(test::code_of([&] { fit_learner(train, nullptr, other); }) == ErrorCode::InvalidArgument);
  // the inner loop's α and κ are not part of the network
  LearnerFitOptions same = bad;
  LearnerTrainConfig pre = small_config(train, LearnerAlgo::Pretrain);
  pre.arch.inner_lr = 0;
  pre.arch.prior_precision = 100;
  pre.max_epochs = 1;
  meta.max_epochs = 0;
  same.candidates = {pre, meta};
  CHECK(fit_learner(train, nullptr, same).complete);
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

TEST_CASE("kt-train warm start: a run killed after any epoch, or between stages, resumes exactly") {
  const KtDataset train = synthetic(60, 20, 5, 44);
  const std::string ck_a = test::scratch_path("warm-a.ckpt"), ck_b = test::scratch_path("warm-b.ckpt"), ck_c = test::scratch_path("warm-c.ckpt");
  for (const auto& p : {ck_a, ck_b, ck_c}) std::remove(p.c_str());
  LearnerFitOptions a = warm_options(train, 2);
  a.checkpoint = ck_a;
  const LearnerFitResult ra = fit_learner(train, nullptr, a);
  REQUIRE(ra.complete);
  // killed after every epoch: inside Pretrain, the warm FOMAML, and both refits (Pretrain first)
  LearnerFitOptions b = warm_options(train, 2);
  b.checkpoint = ck_b;
  b.stop_after_epochs = 1;
  int runs = 0;
  LearnerFitResult rb;
  do {
    rb = fit_learner(train, nullptr, b);
    b.resume = true;
  } while (!rb.complete && ++runs < 20);
  REQUIRE(rb.complete);
  CHECK(runs >= 5);  // 2 + 2 epochs of selection and at least one per refit
  CHECK(rb.meta.params() == ra.meta.params());
  CHECK(rb.pretrain.params() == ra.pretrain.params());
  CHECK(rb.chosen == ra.chosen);
  // killed at a stage's start (the checkpoint has no trainer state): the warm FOMAML starts again from
  // the Pretrain network the checkpoint carries
  LearnerFitOptions c = warm_options(train, 2);
  c.checkpoint = ck_c;
  c.stop_after_epochs = 3;  // Pretrain's 2 epochs, then the first of FOMAML
  REQUIRE_FALSE(fit_learner(train, nullptr, c).complete);
  SafetensorsFile ck = read_safetensors_file(ck_c);
  REQUIRE(ck.has("pretrain.params"));
  for (auto it = ck.tensors.begin(); it != ck.tensors.end();) it = it->first.rfind("cur.", 0) == 0 ? ck.tensors.erase(it) : std::next(it);
  ck.metadata.erase("cur.state");
  write_safetensors_file(ck_c, ck);
  c.resume = true;
  c.stop_after_epochs = -1;
  const LearnerFitResult rc = fit_learner(train, nullptr, c);
  REQUIRE(rc.complete);
  CHECK(rc.meta.params() == ra.meta.params());
  CHECK(rc.pretrain.params() == ra.pretrain.params());
  for (const auto& p : {ck_a, ck_b, ck_c}) std::remove(p.c_str());
}

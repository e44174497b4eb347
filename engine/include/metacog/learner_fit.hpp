// metacog/learner_fit.hpp — the whole kt-train procedure: model selection on validation learners,
// a final refit, checkpoints after every epoch and exact --resume (native: writes files).
//
//     metacog::LearnerFitOptions opt;
//     opt.checkpoint = "model.safetensors.ckpt";  opt.resume = true;
//     metacog::LearnerFitResult r = metacog::fit_learner(train, /*valid=*/nullptr, opt);
//     r.meta.header.algo;          // "learner-reptile" or "learner-fomaml", whichever validated best
//     r.pretrain;                  // the same network without meta-learning (baseline)
//
// Procedure (no dataset-specific constants):
//  1. validation: `valid` if given, else a learner-level split of `train` (valid_fraction, seed);
//  2. every candidate of the grid (default: Reptile, FOMAML, second-order MAML and Pretrain) is
//     trained on the train part with early stopping on the validation AUC (online protocol);
//     the Pretrain network's test-time step α is then chosen on validation from {0, …} (0 = no
//     fine-tuning), by re-running only the protocol;
//     the meta-learned candidate chosen is the one with the best validation AUC among those whose
//     validation violation rate (learner_monotonicity.hpp: how often one more right answer lowers a
//     prediction by more than 0.01) is within `max_violation_rate`; if none is, the one with the
//     lowest rate (choose_learner_candidate). The default budget 1 leaves the AUC alone to decide;
//  3. the best meta-learned candidate and Pretrain are retrained on all train learners for their
//     best number of epochs (skipped when `valid` was given: there the selected models are kept).
// A warm-started candidate (LearnerTrainConfig::warm_start, learner_train.hpp) starts from the network
// of the Pretrain candidate selected in step 2 (the list must then have exactly one Pretrain candidate,
// before every warm-started one, with the same network; InvalidArgument before any training otherwise;
// warm_started_grid orders a grid so); when it is the one chosen, Pretrain is refitted first and the refit starts from the refitted
// Pretrain network. Its recorded seconds do not include the Pretrain training it starts from.
// The checkpoint (a safetensors file) is rewritten after every epoch; resuming from it gives the
// same result, bit for bit, as an uninterrupted run.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "metacog/learner_train.hpp"

namespace metacog {

struct LearnerFitOptions {
  uint64_t seed = 1;
  double valid_fraction = 0.2;
  /** Candidates; empty → default_learner_grid(train, seed). */
  std::vector<LearnerTrainConfig> candidates;
  /** Test-time inner step sizes tried for the Pretrain network. */
  std::vector<double> pretrain_inner_lrs = {0.0, 0.1, 0.3, 1.0};
  bool refit = true;
  /** Budget on the validation violation rate of the chosen meta-learned candidate (1 = no budget). */
  double max_violation_rate = 1.0;
  std::string checkpoint;  ///< "" = no checkpoints
  bool resume = false;     ///< continue from `checkpoint` if it exists
  /** Stop (as if killed) after this many epochs in this process; −1 = never. For tests. */
  int stop_after_epochs = -1;
  /** Asked after each epoch's checkpoint: true stops there, incomplete (kt-train's Ctrl-C); empty = never. */
  std::function<bool()> stop;
  /** Progress: (fraction of all planned epochs, status line). */
  std::function<void(double, const std::string&)> progress;
};

/** One candidate's selection record. */
struct LearnerCandidateResult {
  std::string config_json;
  std::string algo;
  double inner_lr = 0;
  int best_epoch = -1;
  int epochs = 0;
  double valid_auc = 0;
  double seconds = 0;
  /** Meta-learned candidates: measure_monotonicity of the selected epoch on the validation learners (JSON), else "". */
  std::string valid_monotonicity;
};

struct LearnerFitResult {
  bool complete = false;          ///< false if stopped by stop_after_epochs or stop
  LearnerModel meta;              ///< the selected meta-learned model
  LearnerModel pretrain;          ///< the non-meta-learned network (its α chosen on validation)
  std::vector<LearnerCandidateResult> candidates;
  std::vector<double> pretrain_alpha_auc;  ///< validation AUC per pretrain_inner_lrs entry
  int chosen = -1;                ///< index of the selected meta candidate
  double max_violation_rate = 1;  ///< the budget the choice was made under (recorded when < 1)
  double seconds = 0;             ///< training time of all stages (summed over resumed runs)
  /** The selection as JSON (stored in the model's metadata). */
  std::string selection_json() const;
};

/** Reptile (κ = 10), FOMAML (κ = 10, 100), second-order MAML with horizon 1 (κ = 10, 100) and Pretrain,
 *  inner step α = 0.3, default arch of `train`,
 *  monotonicity penalty λ = 1 and parameter averaging with a half-life of 3 epochs (learner_train.hpp). */
std::vector<LearnerTrainConfig> default_learner_grid(const KtDataset& train, uint64_t seed);

/** The grid kt-train runs: default_learner_grid, or with `algos` (a comma list of learner_algo_name
 *  values; an unknown name is InvalidArgument) only those algorithms' candidates. */
std::vector<LearnerTrainConfig> learner_grid(const KtDataset& train, uint64_t seed, const std::string& algos);

/** `grid` with every meta-learned candidate warm-started from the Pretrain network (warm_start = true)
 *  and the Pretrain candidates moved to the front (order otherwise kept). InvalidArgument if `grid` has
 *  no Pretrain candidate. */
std::vector<LearnerTrainConfig> warm_started_grid(std::vector<LearnerTrainConfig> grid);

/**
 * Index of the meta-learned candidate the procedure chooses among `candidates` (Pretrain entries are
 * skipped; an entry without a monotonicity record counts as rate 0): best validation
 * AUC among those with violation_rate ≤ max_violation_rate, else the lowest violation_rate (ties: AUC).
 * −1 when there is no meta-learned candidate.
 */
int choose_learner_candidate(const std::vector<LearnerCandidateResult>& candidates, double max_violation_rate);

/** Runs the procedure above. */
LearnerFitResult fit_learner(const KtDataset& train, const KtDataset* valid, const LearnerFitOptions& options);

}  // namespace metacog

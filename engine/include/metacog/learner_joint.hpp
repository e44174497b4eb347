// metacog/learner_joint.hpp — the learner's prerequisite-aware knowledge state in the product: the
// exact joint filter of prerequisite_knowledge.hpp over an item bank's skills, parameterised by the
// learner model, and its persisted form.
//
//     if (metacog::has_joint_knowledge(model, bank)) {
//       metacog::JointKnowledge j(bank, metacog::joint_knowledge_params(model, bank));
//       j.observe(bank.require_item("q17"), /*correct=*/true);
//       double k = j.filter().p_known(skill);
//       std::string saved = j.to_json();          // stored with the learner state (LearnerModelView)
//       j.from_json(saved);                        // StateFormat on any problem; j unchanged then
//     }
//
// Parameters. The model carries per-skill *marginal* BKT parameters (mastery.prior/learn/guess/slip,
// learner_knowledge.hpp; row S for a bank skill outside its vocabulary) and ρ (mastery.rho), fitted
// by `metacog kt-calibrate --item-bank` on its training logs. With the bank's prerequisite graph they
// become the joint filter's conditional ones (conditional_prerequisite_params): the bank is known
// only where the model meets it, so the conversion happens here, at load. Guess and slip are floored
// at 10⁻⁴ (the filter needs them positive).
//
// Where. Only banks of ≤ kMaxJointSkills = 17 skills: the filter costs O(2^S) per answer and memory
// 2^S doubles ×1.5–2 (S = 17, the demo bank: ≈ 0.3 ms per answer natively, 1.5–2 MiB; 3.5 before
// session 33, prerequisite_knowledge.hpp). 17 is the latency
// budget's limit as measured (wasm SIMD under Node, 1000 items, 200 past answers, observe +
// recommend(5), p50 / p95): 0.94 / 2.11 ms with the demo's 17 skills, 1.53 / 3.60 ms with an 18th —
// and the browser's default path (Worker + IndexedDB) adds ≈ 1.5 ms to the p95, which would leave
// 18 skills at the 5 ms budget. With more skills, or a model without ρ, the learner view keeps the
// per-skill filter of learner_knowledge.hpp.
//
// Persisted form (a JSON object; LearnerSession's state document carries it under
// extensions.prerequisite_knowledge):
//   {"answers": [2i + y, ...], "bank": fingerprint, "snapshot": S}
// S is where the answers start from: null (the prior), {"independent": [k_s, ...]} (the product of
// per-skill marginals, after a migration), or {"mass_bits": [...], "states": [...]} (float32 masses as
// their IEEE-754 bit patterns: exact and locale-independent), the last compaction
// of the filter (prerequisite_knowledge.hpp, "Compaction"). `answers` are the bank answers since
// (item index i, y = 1 if right). Every kSnapshotEvery answers the live filter tries to compact:
// it does when at most kSnapshotStates states hold kSnapshotCoverage = 1 − 10⁻⁶ of the mass (so that
// compaction changes no reported probability by more than ≈ 2·10⁻⁶ at the time), and otherwise keeps
// logging — with the demo's guess and slip the posterior stays spread for hundreds of answers, and
// the answers are its exact, compact record — until kMaxAnswers, where it compacts to the
// kSnapshotStates most probable states regardless. That forced compaction can drop more mass (on
// simulated demo learners at 1 024 answers: ≤ 10⁻⁴ for 8 of 9, README), and from any compaction on
// the filter is an approximation of the exact one whose difference later answers can grow. The live
// filter itself is compacted, so restoring (the snapshot, then replaying the answers) gives it back
// bit for bit, and the stored form stays bounded: ≤ kSnapshotStates states and < kMaxAnswers answers
// (≤ ≈ 70 KB of JSON; 1.1 KB median on simulated demo learners), replayed at import in ≈ 0.3 ms per
// answer natively.
// `bank` is a 64-bit FNV-1a hash of the bank's skill ids, prerequisites, item ids and item skills:
// a document written for another bank (an item-bank update changes indices) is not replayed; the
// learner view then migrates (below).
//
// Migration (a state without this member — written before the joint filter, or with a model
// without ρ — or written for another bank): the joint state starts from the product of the per-skill
// filter's marginals k_s (LearnerSession::knowledge), each kept within [η, 1 − η], which the session
// keeps and persists in any case. Nothing the learner did is lost; only the correlations between skills the joint filter
// would have learned from the earlier answers are.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metacog/item_bank.hpp"
#include "metacog/learner_model.hpp"
#include "metacog/prerequisite_knowledge.hpp"

namespace metacog {

/** Largest bank the product runs the joint filter on (the O(2^S) cost per answer; see the header). */
constexpr int kMaxJointSkills = 17;

/** The model carries ρ and the per-skill filter, and the bank has 1..kMaxJointSkills skills. */
bool has_joint_knowledge(const LearnerModel& model, const ItemBank& bank);

/** Per bank skill: the model's marginal BKT parameters (its row for the skill's id, else row S). InvalidArgument without a filter. */
std::vector<BktSkillParams> bank_knowledge_params(const LearnerModel& model, const ItemBank& bank);

/** The joint filter's conditional parameters for this model and bank (InvalidArgument unless has_joint_knowledge). */
PrerequisiteKnowledgeParams joint_knowledge_params(const LearnerModel& model, const ItemBank& bank);

/**
 * Logs read with the model's vocabulary as logs over the bank (item = bank index): responses on
 * items the bank lacks (or outside the vocabulary) are left out and counted in `skipped`.
 */
KtDataset bank_logs(const LearnerModel& model, const ItemBank& bank, const KtDataset& logs, int64_t* skipped = nullptr);

/** 64-bit FNV-1a of the bank's structure, as 16 hex digits (the persisted form's "bank"). */
std::string bank_fingerprint(const ItemBank& bank);

class JointKnowledge {
 public:
  /** Compaction tried every kSnapshotEvery answers (kept: ≤ kSnapshotStates states holding kSnapshotCoverage
   *  of the mass), forced at kMaxAnswers; mixing η = kSnapshotEta. */
  static constexpr int kSnapshotEvery = 256;
  static constexpr int kMaxAnswers = 1024;
  static constexpr size_t kSnapshotStates = 4096;
  static constexpr double kSnapshotCoverage = 1 - 1e-6;
  static constexpr double kSnapshotEta = 1e-6;

  JointKnowledge(const ItemBank& bank, PrerequisiteKnowledgeParams params);
  const PrerequisiteKnowledgeFilter& filter() const { return filter_; }
  /** Back to the prior. */
  void reset();
  /** One answer to bank item `item` (UnknownItem for a bad index; nothing changes then). */
  void observe(int item, bool correct);
  /** Starts from independent marginals k_s, clamped to [η, 1 − η] (migration). */
  void migrate(const std::vector<double>& known);
  /** The persisted form (header). */
  std::string to_json() const;
  /**
   * Restores to_json() text of a JointKnowledge over the same bank. Returns false — and changes
   * nothing — when it was written for another bank (the caller migrates); StateFormat on malformed text.
   */
  bool from_json(const std::string& text);

 private:
  void try_compact(bool force);
  const ItemBank* bank_;
  std::string fingerprint_;
  PrerequisiteKnowledgeFilter filter_;
  std::vector<int> answers_;   ///< 2i + y since the snapshot
  std::string snapshot_json_;  ///< the persisted form's S (header)
};

}  // namespace metacog

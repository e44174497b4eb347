// metacog/learner_session.hpp — the serving API of the learner model for one learner (the layer
// the wasm bindings and the recommender use). Pure C++, no files, no allocation in predict().
//
//     auto model = metacog::LearnerSession::load_model(bytes.data(), bytes.size());   // validates everything
//     metacog::LearnerSession s(model);
//     s.register_item("q17", {"frac-add"});              // items of an item bank; new skills are fine
//     s.register_item("q18", {"frac-add", "frac-equiv"}, /*difficulty_hint=*/0.5);
//     s.observe("q17", /*correct=*/true, /*timestamp=*/1700000000.0);   // adapts the fast weights
//     std::vector<int> idx = {s.item_index("q17"), s.item_index("q18")};
//     std::vector<double> p(idx.size());
//     s.predict(idx.data(), idx.size(), p.data(), /*now=*/1700000060.0);
//     auto m = s.mastery();                               // [{skill, mastery, attempts, correct, last_seen}]
//     auto e = s.explain("q18");                          // logit split by feature group + recent responses
//     std::string saved = s.export_state();               // versioned JSON; import_state(saved) replays it
//
// Skills: a skill label the model was trained on uses its embedding; any other label gets its own
// history slot and the population-level "unknown skill" parameters (learner_model.hpp, cold start).
// Items: an id in the model's vocabulary keeps its trained difficulty b_i; otherwise b = the
// difficulty hint (logit units, higher = harder) if given, else the mean β of its skills.
// Clock: a model trained on logs without time (arch.positional_clock) uses the number of earlier
// responses as the timestamp, whatever the caller passes.
//
// Explanation of a prediction (logit = sum of the contributions, exactly):
//   prior           the network on an empty history for this skill + the fast-weight prior φ₀·g
//   skill_history   z(full history) − z(history with this skill's features reset to "never practised")
//   overall_history the rest of the history: z(skill reset) − z(skill and overall features reset, h = 0)
//   item_difficulty −b
//   adaptation      (φ − φ₀)·g, what the inner loop learned about this learner
// "recent" lists the latest responses on the item's skills and overall, each with its first-order
// influence on the logit through the context vectors h^c (∂z/∂h^c · λ_c^age · a_{s,y}).
//
// Knowledge filter (learner_knowledge.hpp; only with a model that carries mastery.prior/learn).
// Per skill slot k_s = P(skill mastered | the learner's answers), updated by (1) of
// learner_knowledge.hpp after every answer on the skill, with the parameters of the skill's model row
// (row S for a skill outside the vocabulary). Before the first answer on a skill k_s = L₀_s, the
// row's prior. mastery()[s].known reports k_s. (Starting instead from a blend with the network's
// calibrated mastery of the skill at its first answer, which reflects the learner's other skills,
// changed nothing measurable in the demo simulation — README — so the filter keeps the prior.)
//
// Bounded state (state version 3; version 2 had no knowledge filter). The model needs O(1) memory per learner — the history counters
// (per skill and overall, learner_features.hpp), the context vectors h^c, the fast weights φ and the
// inner loop's ring of the last N responses — so the session keeps no full response log. It keeps:
//   window   the last W = max(N, kMinWindow) responses (catalogue item, correct, timestamp);
//   base     the history counters and h^c *before* the window: a response leaving the window is folded
//            into the base with learner_advance_context (O(C·d));
//   per skill the timestamp it was last practised; the count T of responses; the last and the
//            largest timestamp.
// Memory is O(#items + #skills + W) whatever T. export_state() writes exactly that (version 2);
// import_state() restores the base, replays the window with adaptation off — the ring entries
// (z_j, g_j) depend only on the history, not on φ — and sets φ, which gives back the exporting
// session bit for bit. Version 3 adds "knowledge": {skill: k_s} for every practised skill, restored
// as is. A version-2 document (no filter state) is migrated: each skill practised before the window
// starts from the calibrated network mastery m_s = clamp((p_s − G_s)/(1 − S_s − G_s)) at the start of
// the window (computed on the restored base with the prior fast weights φ₀), skills first practised
// inside it from their prior L₀, and
// the window is replayed through the filter. A version-1 document (the full log) is migrated by
// replaying it all, which rebuilds the filter exactly.
// Version 4 adds "extensions": {key: JSON value}, state the session's owner keeps with the learner's
// (LearnerModelView: the prerequisite-aware joint filter, learner_joint.hpp). The session does not
// interpret them: export_state writes the values it is given, import_state hands back the ones it
// read (a version ≤ 3 document has none). Exports are always version 4.
// explain().recent looks only inside the window.
//
// Errors: every rejected call throws metacog::Error (UnknownItem, InvalidArgument, StateFormat,
// StateVersion, ModelFormat …) and changes nothing.
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "metacog/learner_knowledge.hpp"
#include "metacog/learner_model.hpp"

namespace metacog {

/** Per-skill mastery: predicted success on a typical item of the skill, and P(mastered). */
struct SkillMastery {
  std::string skill;
  double mastery = 0;          ///< σ(logit) for an item of difficulty β_s
  double known = std::nan("");  ///< P(mastered) from the knowledge filter (learner_knowledge.hpp); NaN: the model has none
  int attempts = 0, correct = 0;
  double last_seen = std::nan("");  ///< timestamp of the last response on the skill (NaN: never)
  bool known_to_model = false;  ///< the skill was in the model's training vocabulary
};

/** One feature group's share of a logit. */
struct LogitContribution {
  std::string group;  ///< "prior", "skill_history", "overall_history", "item_difficulty", "adaptation"
  double logit = 0;
};

/** A past response that drove a prediction. */
struct ExplainedResponse {
  int64_t index = 0;  ///< position in the learner's history
  std::string item;
  bool correct = false;
  double timestamp = 0;
  bool same_skill = false;  ///< shares a skill with the explained item
  double influence = 0;     ///< first-order effect on the logit through the context vectors
};

struct Explanation {
  std::string item;
  double p = 0, logit = 0;
  std::vector<LogitContribution> contributions;
  std::vector<ExplainedResponse> recent;
};

class LearnerSession {
 public:
  /** Version of export_state documents (1: full response log; 2: bounded; 3: bounded + knowledge filter;
   *  4: + the owner's extensions). */
  static constexpr int kStateVersion = 4;
  /** An owner's extension members: key → JSON text of the value. */
  using Extensions = std::map<std::string, std::string>;

  /** Limits that keep a hostile state document or catalogue bounded (kMaxResponses: a v1 document's log). */
  static constexpr size_t kMaxItems = 1'000'000, kMaxResponses = 1'000'000, kMaxIdLength = 256;
  /** Most responses one learner may answer (the history's counters are 32-bit). */
  static constexpr int64_t kMaxHistory = 2'000'000'000;
  /** Smallest recent window W (explanations and the recommender look back this far). */
  static constexpr int kMinWindow = 64;

  /** A response of the recent window. */
  struct Response {
    int item;  ///< catalogue index
    bool correct;
    double timestamp;  ///< as passed to observe()
  };

  /** Throws `code` naming `item` unless `skills` holds 1..kMaxSkillsPerResponse distinct ids of
   *  1..kMaxIdLength characters (an item's skill list, from a catalogue or a state document). */
  static void check_item_skills(const std::vector<std::string>& skills, ErrorCode code, const std::string& item);

  /** Parses and validates a learner model file (ModelFormat / ModelVersion / ModelKind). */
  static std::shared_ptr<const LearnerModel> load_model(const uint8_t* bytes, size_t size);

  explicit LearnerSession(std::shared_ptr<const LearnerModel> model);

  // ---- catalogue
  /**
   * Registers an item with 1..4 distinct skill labels and an optional difficulty hint (NaN: none).
   * Returns its index. Registering an id again with the same skills updates the hint; with other
   * skills it is InvalidArgument.
   */
  int register_item(const std::string& id, const std::vector<std::string>& skills, double difficulty_hint = std::nan(""));
  /** Index of a registered item, −1 if unknown. */
  int item_index(const std::string& id) const;
  size_t num_items() const { return items_.size(); }
  const std::string& item_id(int index) const;
  /** Skill labels of the catalogue and history, in order of first appearance. */
  std::vector<std::string> skills() const;

  // ---- the learner
  /** Records an answer to a registered item (UnknownItem otherwise) and adapts. */
  void observe(const std::string& item, bool correct, double timestamp);
  /** As observe(); an unregistered item is registered first with `skills`. */
  void observe(const std::string& item, const std::vector<std::string>& skills, bool correct, double timestamp);
  /** P(correct) for catalogue indices into out[0..n) (InvalidArgument for a bad index); now = NaN: last timestamp. */
  void predict(const int* items, size_t n, double* out, double now = std::nan(""));
  /** P(correct) of one registered item. */
  double predict(const std::string& item, double now = std::nan(""));
  /** Mastery of every skill of the catalogue and history. */
  std::vector<SkillMastery> mastery(double now = std::nan(""));
  /** Why the model predicts what it does for this item. */
  Explanation explain(const std::string& item, double now = std::nan(""));
  /** Extra inner-loop steps on the responses so far (engine.adapt({steps})). */
  void adapt(int steps);
  /** Forgets the learner (history, fast weights); keeps the catalogue. */
  void reset();
  /** Responses observed so far (T). */
  int64_t num_responses() const { return total_; }
  /** The last W responses, oldest first (W = window()). */
  const std::deque<Response>& recent() const { return recent_; }
  size_t window() const { return window_; }
  /** Largest timestamp observed (−∞ before the first response). */
  double max_timestamp() const { return max_timestamp_; }
  /** The current fast weights φ = (θ, v). */
  const std::vector<double>& fast_weights() const { return tracker_.fast_weights(); }

  // ---- state
  /** Everything stored about the learner, as versioned JSON (responses with their skills). Keeps the
   *  per-skill JSON between calls (fragments_), so, although const, it must not run concurrently with
   *  another call on the same session (one session serves one learner on one thread). */
  std::string export_state(const Extensions& extensions = {}) const;
  /** Restores an export_state document (replaying it); StateFormat / StateVersion on any problem, state
   *  unchanged. `extensions` (if given) receives the document's extension members. */
  void import_state(const std::string& json, Extensions* extensions = nullptr);
  std::vector<uint8_t> export_state_bytes(const Extensions& extensions = {}) const;
  void import_state_bytes(const uint8_t* bytes, size_t size, Extensions* extensions = nullptr);

  const LearnerModel& model() const { return *model_; }
  /** The model carries the knowledge filter's parameters. */
  bool has_knowledge() const { return !knowledge_.empty(); }
  /** The knowledge filter's P(skill mastered) of a registered skill (its prior L₀ before any answer on
   *  it); NaN without a filter or for a skill the session has not registered. No network evaluation. */
  double knowledge(const std::string& skill) const;

 private:
  struct Item {
    std::string id;
    std::vector<std::string> skill_labels;
    int model_item = kUnknown;
    double hint = std::nan("");
    LearnerQuery query;          // slots, embedding rows, difficulty (timestamp filled per call)
  };
  int slot_of(const std::string& skill, bool create);
  void build_item(Item& it) const;
  double clock(double timestamp) const;
  /** The network's calibrated mastery m_s of a slot at model time t (learner_mastery.hpp (1)). */
  double network_mastery(int slot, double t);
  /** Model row (0..S) of a slot. */
  int row_of(int slot) const { return slot < model_->arch().num_skills ? slot : model_->arch().num_skills; }
  void apply_observation(int item, bool correct, double timestamp);
  void check_id(const std::string& id, ErrorCode code) const;
  /** The catalogue index of an item of a state document, registering it if new (StateFormat on error). */
  int import_item(const std::string& id, const std::vector<std::string>& skills);

  std::shared_ptr<const LearnerModel> model_;
  std::unordered_map<std::string, int> model_skill_;  // label → model skill index
  std::unordered_map<std::string, int> model_item_;   // label → model item index
  std::unordered_map<std::string, int> slot_;         // skill label → history slot
  std::vector<std::string> slot_label_;               // slot → label ("" for unused model slots)
  std::vector<int> slot_order_;                       // slots in order of first appearance
  std::vector<Item> items_;
  std::unordered_map<std::string, int> item_index_;
  size_t window_ = kMinWindow;
  std::deque<Response> recent_;        // the last window_ responses
  LearnerHistory base_history_;        // history and contexts before recent_.front()
  std::vector<double> base_h_;
  int64_t total_ = 0;
  std::vector<double> last_seen_;      // slot → timestamp of its last response (NaN: never)
  std::vector<double> known_;          // slot → knowledge filter P(mastered) (NaN: never practised)
  std::vector<KnowledgeParams> knowledge_;  // model row → filter parameters (empty: no filter)
  double last_timestamp_ = std::nan(""), max_timestamp_ = -HUGE_VAL;
  LearnerTracker tracker_;
  // memo of the net logit z + φ·g per slot (predict() and mastery() share it): valid while the learner
  // state (state_version_, bumped by every change of history, contexts or φ) and the time t are those
  // of the last begin_batch(); gen_ numbers those (version, t) pairs
  std::vector<double> memo_value_;
  std::vector<uint64_t> memo_gen_;
  uint64_t gen_ = 0, state_version_ = 1, memo_version_ = 0;
  double memo_time_ = std::nan("");
  /** Prepares the batch evaluation at model time t unless the memo is already for (state, t). */
  void begin_batch(double t);
  /** The memoised net logit of a slot (after begin_batch). */
  double slot_logit(int slot);
  /** The network's P(correct) on a typical item of a slot's skill (difficulty β_s; after begin_batch):
   *  O(H·d) through the factored first layer (LearnerTracker::prepare_batch), memoised with predict(). */
  double typical_item_p(int slot);
  std::vector<double> g_;  // scratch fast direction
  /**
   * export_state()'s per-skill JSON fragments, kept between exports: a fragment is rebuilt only when
   * the values it was written from changed (compared bit for bit), so an export after one answer
   * re-serialises the few skills that answer touched plus the window, not every practised skill
   * (a learner who has practised 1 000 skills has a ≈ 180 KB document). The text of an export does not depend on the cache.
   */
  struct StateFragments {
    std::vector<int> order;                      // labelled slots, sorted by label (JSON key order)
    std::vector<SkillHistory> history;           // per slot: the base history `skill` was written from
    std::vector<double> seen_value, known_value; // per slot: the values `seen` / `known` were written from
    std::vector<std::string> skill, seen, known; // per slot: the fragments ("" = none yet)
    std::vector<std::string> item;               // per catalogue item: its "item" and "skills" members
  };
  mutable StateFragments fragments_;
  /** Brings fragments_ up to date with the session (export_state). */
  void refresh_fragments(const HistorySnapshot& snap) const;
};

}  // namespace metacog

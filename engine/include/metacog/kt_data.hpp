// metacog/kt_data.hpp — knowledge-tracing logs: learners' response sequences.
//
//     // the 3-lines-per-learner format (DKVMN / DKT): length, item ids, 0/1 answers
//     metacog::KtDataset train = metacog::load_kt_file("assist2009_updated_train.csv");
//     // map the test file with the train vocabulary: unseen labels become kUnknown (−1)
//     metacog::KtLoadOptions opt;
//     opt.vocabulary = &train;
//     metacog::KtDataset test = metacog::load_kt_file("assist2009_updated_test.csv", opt);
//     // carve 20 % of the train learners out as a validation part (deterministic by seed)
//     metacog::KtSplit s = metacog::split_learners(train, 0.2, 42);
//
// Two input formats, detected from the first non-blank line:
//  * 3 lines per learner: (1) the number of responses L, (2) L comma-separated item ids,
//    (3) L comma-separated answers 0/1. Blank lines, CRLF line ends, spaces around fields and
//    trailing commas are tolerated. Ids are opaque labels ("1", "007", "q17" are all fine; 0- and
//    1-based files both work). The skill of a response is its item unless an item→skill mapping
//    is given. Learners are named by their record index ("0", "1", …) and the timestamp of a
//    response is its position in the record (0, 1, 2, …).
//  * CSV with a header line naming the columns (any order, extra columns ignored, case-insensitive):
//    learner (aliases user_id, student_id, student), item (item_id, problem_id, question_id),
//    correct (0/1), optionally skill (skill_id, kc) and timestamp (time, order_id). Without a
//    skill column the skill is the item; without a timestamp column the file order is used.
//    Fields may be double-quoted ("a,b" with "" for a quote). Rows are grouped by learner (learners
//    in order of first appearance) and ordered by timestamp within a learner, stable for ties.
//
// Items and skills are re-indexed densely 0..n−1 from their labels; labels are sorted (integers
// numerically, before non-integer labels, which sort as strings), so a 1-based integer file gets
// item index = id − 1.
//
// Unknown items and skills. A dataset mapped with another dataset's vocabulary (a test file with
// the train vocabulary) keeps that vocabulary's indices; a label that vocabulary does not contain
// becomes kUnknown (−1) in Response::item / Response::skill, and the dataset counts them in
// unknown_item_responses / unknown_skill_responses. Every model in the engine must accept
// kUnknown and fall back to its population-level prior: the baselines use the mean item
// difficulty (of the item's skill when that is known) and the prior / pooled parameters of an
// average skill. Responses on unknown skills still count in learner-level totals.
//
// Every malformed input throws Error(ErrorCode::DataFormat, "<file>:<line>: <problem>"); a file
// that cannot be read throws Error(ErrorCode::Io, ...).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace metacog {

/** Index of an item or skill that is not in the vocabulary (see the header comment). */
constexpr int kUnknown = -1;

/** One answered item. */
struct Response {
  int item = kUnknown;     ///< dense item index, or kUnknown
  int skill = kUnknown;    ///< dense skill index, or kUnknown
  bool correct = false;    ///< the answer was right
  double timestamp = 0.0;  ///< seconds or any increasing clock; the position for 3-line files
};

/** The responses of one learner, in time order. */
struct LearnerLog {
  std::string learner;
  std::vector<Response> responses;
};

/** A set of learners plus the label vocabulary of items and skills. */
struct KtDataset {
  std::vector<LearnerLog> learners;
  int num_items = 0;                     ///< == item_labels.size()
  int num_skills = 0;                    ///< == skill_labels.size()
  std::vector<std::string> item_labels;  ///< item index → label
  std::vector<std::string> skill_labels; ///< skill index → label
  int64_t unknown_item_responses = 0;    ///< responses whose item is kUnknown
  int64_t unknown_skill_responses = 0;   ///< responses whose skill is kUnknown

  /** Total number of responses over all learners. */
  int64_t num_responses() const;
  /** Fraction of correct responses (0 for an empty dataset). */
  double correct_rate() const;
};

/** Item label → skill label (an item with several skills in a Q-matrix keeps its first). */
struct ItemSkillMap {
  std::unordered_map<std::string, std::string> skill_of;
};

/** Which parser to use. */
enum class KtFormat { Auto, ThreeLine, Csv };

/** Options for parse_kt_text / load_kt_file. */
struct KtLoadOptions {
  KtFormat format = KtFormat::Auto;
  /** Map labels with this dataset's vocabulary (unseen labels → kUnknown); null: build a new one. */
  const KtDataset* vocabulary = nullptr;
  /** Item → skill mapping; when given it overrides the item-as-skill default and any skill column.
   *  An item missing from the mapping is a DataFormat error. */
  const ItemSkillMap* skill_map = nullptr;
};

/** Parses a knowledge-tracing log held in memory; `name` is used in error messages. */
KtDataset parse_kt_text(const std::string& text, const std::string& name, const KtLoadOptions& options = {});

/** Reads and parses a knowledge-tracing log file (Io error if it cannot be read). */
KtDataset load_kt_file(const std::string& path, const KtLoadOptions& options = {});

/** The format parse_kt_text would use for this text (Auto is never returned). */
KtFormat detect_kt_format(const std::string& text);

/**
 * Parses an item→skill mapping. Two layouts, detected automatically:
 *  * pairs: `item<TAB>skill[<TAB>more…]` (or comma-separated) per line; a first line whose item
 *    field is not an integer while the second line's is, is a header and skipped;
 *  * a Q-matrix: one comma-separated row of 0/1 per item, one column per skill (trailing comma
 *    allowed, ≥ 2 columns, every field 0 or 1). Row r (0-based) is item label r + first_label and
 *    column c is skill label c + first_label. A row without a 1 is a DataFormat error.
 */
ItemSkillMap parse_item_skill_map(const std::string& text, const std::string& name, int first_label = 1);

/** Reads and parses an item→skill mapping file (see parse_item_skill_map). */
ItemSkillMap load_item_skill_map(const std::string& path, int first_label = 1);

/** `data` re-indexed with the vocabulary of `vocabulary` (labels it lacks become kUnknown). */
KtDataset remap_to_vocabulary(const KtDataset& data, const KtDataset& vocabulary);

/** The learners at the given indices (in that order), with the same vocabulary. */
KtDataset subset_learners(const KtDataset& data, const std::vector<int>& learner_indices);

/** A learner-level partition of one dataset; both parts keep the full vocabulary. */
struct KtSplit {
  KtDataset train;
  KtDataset valid;
};

/**
 * Deterministic learner-level split: round(valid_fraction · n) learners, chosen by a Pcg32
 * shuffle seeded with `seed`, go to `valid`; both parts keep the original learner order.
 * valid_fraction must be in [0, 1].
 */
KtSplit split_learners(const KtDataset& data, double valid_fraction, uint64_t seed);

}  // namespace metacog

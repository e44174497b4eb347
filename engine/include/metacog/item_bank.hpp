// metacog/item_bank.hpp — the item bank (design.md §3.4): skills with prerequisites, items and
// resources, parsed from JSON and validated in full. Pure C++, no files (the caller reads them).
//
//     metacog::ItemBank bank = metacog::ItemBank::parse(json_text);   // Error(ItemBank) on any problem
//     int s = bank.skill_index("frac-add");                          // −1 if unknown
//     for (int p : bank.skill(s).prerequisites) ...                  // indices of its prerequisites
//     for (int i : bank.items_of_skill(s)) bank.item(i).prompt.get("zh");
//     const std::vector<int>& order = bank.topological_order();     // prerequisites first
//
// Document (bilingual extension of §3.4; unknown fields are ignored, so banks can be extended):
//   { "version": 1, "id"?: str, "title"?: text, "languages"?: [str],
//     "skills":    [{ "id", "name": text, "description"?: text, "prerequisites"?: [skill id] }],
//     "items":     [{ "id", "skills": [skill id] (1..4), "difficulty"?: 1..5,
//                     "content": { "type"?: "choice" | "numeric", "prompt": text,
//                                  choice:  "choices": [str | text] (2..26), "answer": index
//                                  numeric: "answer": str (an integer "12", a decimal "0.375",
//                                           a fraction "3/4" or a mixed number "1 3/4") } }],
//     "resources"?: [{ "id", "title": text, "kind"?: str, "skills": [skill id] (≥ 1), "url"?: str }] }
// A `text` is a string (language "") or an object {"en": "...", "zh": "..."} of non-empty strings.
// Without "type", content with "choices" is a choice item and content without is numeric.
//
// Validation (every problem is Error(ErrorCode::ItemBank) with a message naming the offending id
// or, for an element without a usable id, its position such as items[12]):
//   not JSON / not an object; version missing, not an integer, or newer than kItemBankVersion;
//   wrong types of any field above; empty or over-long ids (> kMaxIdLength); duplicate skill ids,
//   duplicate item ids, duplicate resource ids (also against item ids: the UI addresses both);
//   unknown or repeated prerequisites; prerequisite cycles, reported as the cycle itself
//   ("a → b → a", each needs the next; a self-prerequisite is the cycle "a → a"); items without
//   skills, with an unknown or repeated skill or more than kMaxSkillsPerItem; a difficulty
//   outside 1..5; choice answers that are not an integer index into the choices; numeric answers
//   that are not a string holding one of the four number forms above (what the widget checks); resources without skills or with an unknown skill; resource
//   urls with spaces or control characters, or with a scheme other than http: / https: (a link the
//   UI renders must not run code: javascript:, data:, …; relative urls are fine); more than
//   kMaxElements skills, items or resources.
//
// Topological order (Kahn 1962): repeatedly emit, among the skills whose prerequisites have all
// been emitted, the one that comes first in the file. Every prerequisite precedes its dependents,
// and a bank already written in dependency order keeps its order. depth(s) = 0 for a skill
// without prerequisites, else 1 + max depth of its prerequisites.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace metacog {

/** Newest item-bank document version this engine reads. */
constexpr int kItemBankVersion = 1;

/** A text in one or more languages (language "" for a plain-string text). */
struct LocalizedText {
  std::vector<std::pair<std::string, std::string>> by_language;  ///< (language, text), file order

  /** The text in `language`; else English; else the first one; "" if empty. */
  const std::string& get(const std::string& language = "en") const;
  /** True if a text in exactly this language exists. */
  bool has(const std::string& language) const;
  bool empty() const { return by_language.empty(); }
};

struct BankSkill {
  std::string id;
  LocalizedText name, description;
  std::vector<int> prerequisites;  ///< skill indices, file order
  std::vector<int> dependents;     ///< skills that list this one as a prerequisite
  int depth = 0;                   ///< longest prerequisite chain below this skill
};

enum class ItemType { Choice, Numeric };

struct BankItem {
  std::string id;
  std::vector<int> skills;  ///< skill indices (1..kMaxSkillsPerItem)
  int difficulty = 0;       ///< 1..5, 0 when the bank gives none
  ItemType type = ItemType::Choice;
  LocalizedText prompt;
  std::vector<LocalizedText> choices;  ///< choice items
  int answer_index = -1;               ///< choice items
  std::string answer;                  ///< numeric items: the answer as written
};

struct BankResource {
  std::string id;
  LocalizedText title;
  std::string kind;  ///< e.g. "video", "explanation" ("" if absent)
  std::vector<int> skills;
  std::string url;
};

class ItemBank {
 public:
  static constexpr size_t kMaxIdLength = 256;
  static constexpr size_t kMaxElements = 100000;
  static constexpr int kMaxSkillsPerItem = 4;  ///< the learner model's limit per response

  /** Parses and validates an item-bank JSON document (Error(ItemBank) on any problem). */
  static ItemBank parse(const std::string& json);

  std::string id;           ///< "" if absent
  LocalizedText title;
  std::vector<std::string> languages;

  size_t num_skills() const { return skills_.size(); }
  size_t num_items() const { return items_.size(); }
  size_t num_resources() const { return resources_.size(); }
  const BankSkill& skill(int s) const { return skills_.at(static_cast<size_t>(s)); }
  const BankItem& item(int i) const { return items_.at(static_cast<size_t>(i)); }
  const BankResource& resource(int r) const { return resources_.at(static_cast<size_t>(r)); }
  const std::vector<BankSkill>& skills() const { return skills_; }
  const std::vector<BankItem>& items() const { return items_; }
  const std::vector<BankResource>& resources() const { return resources_; }

  /** Index of an id, −1 if the bank has none. */
  int skill_index(const std::string& id) const;
  int item_index(const std::string& id) const;
  int resource_index(const std::string& id) const;
  /** Index of an item id; Error(UnknownItem) naming the id otherwise. */
  int require_item(const std::string& id) const;
  /** Index of a skill id; Error(InvalidArgument) naming the id otherwise. */
  int require_skill(const std::string& id) const;

  /** Items that practise skill s (file order). */
  const std::vector<int>& items_of_skill(int s) const { return items_of_skill_.at(static_cast<size_t>(s)); }
  /** Every skill, prerequisites before dependents (see the header comment). */
  const std::vector<int>& topological_order() const { return topo_; }
  /** Position of skill s in topological_order(). */
  int topological_rank(int s) const { return topo_rank_.at(static_cast<size_t>(s)); }
  /** The given skills and all their transitive prerequisites, in topological order. */
  std::vector<int> prerequisite_closure(const std::vector<int>& skills) const;
  /** True if `ancestor` is a transitive prerequisite of `skill` (not counting skill itself). */
  bool requires(int skill, int ancestor) const;
  /** Skills no other skill depends on (the natural default goals), in topological order. */
  std::vector<int> terminal_skills() const;

 private:
  std::vector<BankSkill> skills_;
  std::vector<BankItem> items_;
  std::vector<BankResource> resources_;
  std::vector<std::pair<std::string, int>> skill_ids_, item_ids_, resource_ids_;  // sorted for lookup
  std::vector<std::vector<int>> items_of_skill_;
  std::vector<int> topo_, topo_rank_;

  friend struct ItemBankBuilder;
};

}  // namespace metacog

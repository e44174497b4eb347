// Item bank parsing and validation (see item_bank.hpp).
#include "metacog/item_bank.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "metacog/error.hpp"

namespace metacog {

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& message) { throw Error(ErrorCode::ItemBank, "item bank: " + message); }

/**
 * A numeric answer as the practice widget can check it exactly: an integer "12", a decimal "0.375"
 * (".5", "2." too), a fraction "3/4" (denominator ≥ 1) or a mixed number "1 3/4" (whole part ≥ 1,
 * proper fraction part), each with an optional sign; ASCII, no other spaces.
 */
bool is_number_answer(const std::string& a) {
  size_t k = 0;
  const auto digits = [&](size_t& n) {
    const size_t start = k;
    while (k < a.size() && std::isdigit(static_cast<unsigned char>(a[k]))) ++k;
    n = k - start;
    return a.substr(start, n);
  };
  const auto positive = [](const std::string& d) { return d.find_first_not_of('0') != std::string::npos; };
  if (k < a.size() && (a[k] == '+' || a[k] == '-')) ++k;
  size_t n1 = 0;
  const std::string first = digits(n1);
  if (k == a.size()) return n1 > 0;                       // integer
  if (a[k] == '.') {                                      // decimal
    ++k;
    size_t n2 = 0;
    digits(n2);
    return k == a.size() && n1 + n2 > 0;
  }
  if (n1 == 0) return false;
  if (a[k] == '/') {                                      // fraction
    ++k;
    size_t n2 = 0;
    const std::string den = digits(n2);
    return k == a.size() && n2 > 0 && positive(den);
  }
  if (a[k] != ' ' || !positive(first)) return false;      // mixed number: whole ≥ 1
  ++k;
  size_t n2 = 0, n3 = 0;
  const std::string num = digits(n2);
  if (n2 == 0 || k == a.size() || a[k] != '/') return false;
  ++k;
  const std::string den = digits(n3);
  if (k != a.size() || n3 == 0 || !positive(den)) return false;
  // proper: num < den, compared as decimal strings without leading zeros
  const auto strip = [](const std::string& d) { const size_t f = d.find_first_not_of('0'); return f == std::string::npos ? std::string() : d.substr(f); };
  const std::string nn = strip(num), dd = strip(den);
  return nn.size() < dd.size() || (nn.size() == dd.size() && nn < dd);
}

/** A JSON value shortened for an error message. */
std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::discarded: return "invalid";
    default: return "a number";
  }
}

const json* field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string id_of(const json& v, const std::string& where, const char* what) {
  const json* id = v.is_object() ? field(v, "id") : nullptr;
  if (!v.is_object()) fail(where + ": must be an object, got " + type_name(v));
  if (id == nullptr) fail(where + ": missing \"id\"");
  if (!id->is_string()) fail(where + ": \"id\" must be a string, got " + shown(*id));
  const std::string& s = id->get_ref<const std::string&>();
  if (s.empty()) fail(where + ": \"id\" is empty");
  if (s.size() > ItemBank::kMaxIdLength) {
    fail(where + ": " + what + " id is longer than " + std::to_string(ItemBank::kMaxIdLength) + " characters");
  }
  return s;
}

LocalizedText text_of(const json& v, const std::string& where) {
  LocalizedText t;
  if (v.is_string()) {
    if (v.get_ref<const std::string&>().empty()) fail(where + " is empty");
    t.by_language.emplace_back("", v.get<std::string>());
    return t;
  }
  if (!v.is_object()) fail(where + " must be a string or an object {\"en\": ..., \"zh\": ...}, got " + shown(v));
  if (v.empty()) fail(where + " has no text in any language");
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!it.value().is_string() || it.value().get_ref<const std::string&>().empty()) {
      fail(where + " \"" + it.key() + "\" must be a non-empty string, got " + shown(it.value()));
    }
    t.by_language.emplace_back(it.key(), it.value().get<std::string>());
  }
  return t;
}

const json& array_field(const json& obj, const char* key, const std::string& where, bool required) {
  static const json empty = json::array();
  const json* v = field(obj, key);
  if (v == nullptr) {
    if (required) fail(where + ": missing \"" + key + "\"");
    return empty;
  }
  if (!v->is_array()) fail(where + ": \"" + key + "\" must be an array, got " + type_name(*v));
  if (v->size() > ItemBank::kMaxElements) fail(where + ": \"" + key + "\" has more than " + std::to_string(ItemBank::kMaxElements) + " entries");
  return *v;
}

/** Integer value of a JSON number that holds one exactly. */
bool as_integer(const json& v, long long& out) {
  if (v.is_number_integer()) {
    out = v.get<long long>();
    return true;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
      out = static_cast<long long>(d);
      return true;
    }
  }
  return false;
}

using IdTable = std::vector<std::pair<std::string, int>>;

int lookup(const IdTable& table, const std::string& id) {
  auto it = std::lower_bound(table.begin(), table.end(), std::make_pair(id, -1));
  return (it != table.end() && it->first == id) ? it->second : -1;
}

/** Sorted table of (id, index); `what` names the kind in the duplicate error. */
IdTable build_table(const std::vector<std::string>& ids, const char* what) {
  IdTable t;
  t.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) t.emplace_back(ids[i], static_cast<int>(i));
  std::sort(t.begin(), t.end());
  for (size_t i = 1; i < t.size(); ++i) {
    if (t[i].first == t[i - 1].first) fail(std::string("duplicate ") + what + " id \"" + t[i].first + "\"");
  }
  return t;
}

/** Skill references of an item or resource, validated. */
std::vector<int> skill_refs(const json& obj, const IdTable& skills, const std::string& where, size_t max) {
  const json& arr = array_field(obj, "skills", where, true);
  if (arr.empty()) fail(where + " has no skills (\"skills\" must list at least one skill id)");
  if (arr.size() > max) fail(where + " has " + std::to_string(arr.size()) + " skills, at most " + std::to_string(max) + " are allowed");
  std::vector<int> out;
  for (const json& s : arr) {
    if (!s.is_string()) fail(where + ": skill references must be strings, got " + shown(s));
    const int k = lookup(skills, s.get<std::string>());
    if (k < 0) fail(where + " refers to unknown skill \"" + s.get<std::string>() + "\"");
    if (std::find(out.begin(), out.end(), k) != out.end()) fail(where + " lists skill \"" + s.get<std::string>() + "\" twice");
    out.push_back(k);
  }
  return out;
}

/**
 * A resource link the UI can render as an `<a href>`: no white space or control characters (so no
 * hidden "java\tscript:"), and either relative (no scheme: same site as the page) or http(s).
 * Anything else — javascript:, data:, file:, vbscript: — fails.
 */
std::string resource_url(const json& v, const std::string& where) {
  if (!v.is_string()) fail(where + ": \"url\" must be a string, got " + shown(v));
  const std::string& url = v.get_ref<const std::string&>();
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) fail(where + ": \"url\" must not contain spaces or control characters (percent-encode them), got " + shown(v));
  }
  size_t k = 0;
  if (!url.empty() && std::isalpha(static_cast<unsigned char>(url[0]))) {
    k = 1;
    while (k < url.size() && (std::isalnum(static_cast<unsigned char>(url[k])) || url[k] == '+' || url[k] == '-' || url[k] == '.')) ++k;
  }
  if (k > 0 && k < url.size() && url[k] == ':') {
    std::string scheme = url.substr(0, k);
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "http" && scheme != "https") {
      fail(where + ": \"url\" must be relative or http(s), got the scheme \"" + scheme + ":\"");
    }
  }
  return url;
}

}  // namespace

// ------------------------------------------------------------------ LocalizedText

const std::string& LocalizedText::get(const std::string& language) const {
  static const std::string none;
  if (by_language.empty()) return none;
  for (const auto& kv : by_language) {
    if (kv.first == language) return kv.second;
  }
  for (const auto& kv : by_language) {
    if (kv.first == "en" || kv.first.empty()) return kv.second;
  }
  return by_language.front().second;
}

bool LocalizedText::has(const std::string& language) const {
  for (const auto& kv : by_language) {
    if (kv.first == language) return true;
  }
  return false;
}

// ------------------------------------------------------------------ parsing

struct ItemBankBuilder {
  static ItemBank build(const json& doc);
  static void check_cycles(const ItemBank& b);
  static void order(ItemBank& b);
};

void ItemBankBuilder::check_cycles(const ItemBank& b) {
  // Iterative DFS over "needs" edges (skill → prerequisite), white/grey/black; a grey target is a cycle.
  const size_t n = b.skills_.size();
  std::vector<int> colour(n, 0), stack, next_edge(n, 0);
  for (size_t root = 0; root < n; ++root) {
    if (colour[root] != 0) continue;
    stack.assign(1, static_cast<int>(root));
    colour[root] = 1;
    while (!stack.empty()) {
      const int s = stack.back();
      const auto& pre = b.skills_[static_cast<size_t>(s)].prerequisites;
      if (next_edge[static_cast<size_t>(s)] < static_cast<int>(pre.size())) {
        const int p = pre[static_cast<size_t>(next_edge[static_cast<size_t>(s)]++)];
        if (colour[static_cast<size_t>(p)] == 1) {
          std::string cycle;
          auto it = std::find(stack.begin(), stack.end(), p);
          for (; it != stack.end(); ++it) cycle += b.skills_[static_cast<size_t>(*it)].id + " → ";
          cycle += b.skills_[static_cast<size_t>(p)].id;
          fail("prerequisite cycle: " + cycle + " (each skill needs the next; remove one of these prerequisites)");
        }
        if (colour[static_cast<size_t>(p)] == 0) {
          colour[static_cast<size_t>(p)] = 1;
          stack.push_back(p);
        }
      } else {
        colour[static_cast<size_t>(s)] = 2;
        stack.pop_back();
      }
    }
  }
}

void ItemBankBuilder::order(ItemBank& b) {
  const size_t n = b.skills_.size();
  std::vector<int> missing(n);
  for (size_t s = 0; s < n; ++s) {
    missing[s] = static_cast<int>(b.skills_[s].prerequisites.size());
    for (int p : b.skills_[s].prerequisites) b.skills_[static_cast<size_t>(p)].dependents.push_back(static_cast<int>(s));
  }
  // Kahn with a min-heap of file indices: the earliest ready skill first.
  std::vector<int> ready;
  for (size_t s = 0; s < n; ++s) {
    if (missing[s] == 0) ready.push_back(static_cast<int>(s));
  }
  std::make_heap(ready.begin(), ready.end(), std::greater<int>());
  b.topo_.clear();
  b.topo_rank_.assign(n, -1);
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), std::greater<int>());
    const int s = ready.back();
    ready.pop_back();
    b.topo_rank_[static_cast<size_t>(s)] = static_cast<int>(b.topo_.size());
    b.topo_.push_back(s);
    int depth = 0;
    for (int p : b.skills_[static_cast<size_t>(s)].prerequisites) depth = std::max(depth, b.skills_[static_cast<size_t>(p)].depth + 1);
    b.skills_[static_cast<size_t>(s)].depth = depth;
    for (int d : b.skills_[static_cast<size_t>(s)].dependents) {
      if (--missing[static_cast<size_t>(d)] == 0) {
        ready.push_back(d);
        std::push_heap(ready.begin(), ready.end(), std::greater<int>());
      }
    }
  }
  // check_cycles ran first, so every skill was emitted.
}

ItemBank ItemBankBuilder::build(const json& doc) {
  if (!doc.is_object()) fail(std::string("the document must be a JSON object, got ") + type_name(doc));
  ItemBank b;
  const json* version = field(doc, "version");
  long long v = 0;
  if (version == nullptr) fail("missing \"version\" (this engine reads version " + std::to_string(kItemBankVersion) + ")");
  if (!as_integer(*version, v) || v < 1) fail("\"version\" must be a positive integer, got " + shown(*version));
  if (v > kItemBankVersion) {
    fail("version " + std::to_string(v) + " is newer than this engine reads (" + std::to_string(kItemBankVersion) + "); update metacog");
  }
  if (const json* id = field(doc, "id")) {
    if (!id->is_string()) fail("\"id\" must be a string, got " + shown(*id));
    b.id = id->get<std::string>();
  }
  if (const json* title = field(doc, "title")) b.title = text_of(*title, "\"title\"");
  for (const json& l : array_field(doc, "languages", "the document", false)) {
    if (!l.is_string()) fail("\"languages\" must list strings, got " + shown(l));
    b.languages.push_back(l.get<std::string>());
  }

  // ---- skills
  const json& skills = array_field(doc, "skills", "the document", true);
  if (skills.empty()) fail("\"skills\" is empty: a bank needs at least one skill");
  std::vector<std::string> ids;
  for (size_t k = 0; k < skills.size(); ++k) ids.push_back(id_of(skills[k], "skills[" + std::to_string(k) + "]", "skill"));
  b.skill_ids_ = build_table(ids, "skill");
  b.skills_.resize(skills.size());
  for (size_t k = 0; k < skills.size(); ++k) {
    const json& s = skills[k];
    BankSkill& out = b.skills_[k];
    out.id = ids[k];
    const std::string where = "skill \"" + out.id + "\"";
    const json* name = field(s, "name");
    if (name == nullptr) fail(where + ": missing \"name\"");
    out.name = text_of(*name, where + " \"name\"");
    if (const json* d = field(s, "description")) out.description = text_of(*d, where + " \"description\"");
    for (const json& p : array_field(s, "prerequisites", where, false)) {
      if (!p.is_string()) fail(where + ": prerequisites must be skill ids (strings), got " + shown(p));
      const int q = lookup(b.skill_ids_, p.get<std::string>());
      if (q < 0) fail(where + " has unknown prerequisite \"" + p.get<std::string>() + "\"");
      if (std::find(out.prerequisites.begin(), out.prerequisites.end(), q) != out.prerequisites.end()) {
        fail(where + " lists prerequisite \"" + p.get<std::string>() + "\" twice");
      }
      out.prerequisites.push_back(q);
    }
  }
  check_cycles(b);
  order(b);

  // ---- items
  const json& items = array_field(doc, "items", "the document", true);
  ids.clear();
  for (size_t k = 0; k < items.size(); ++k) ids.push_back(id_of(items[k], "items[" + std::to_string(k) + "]", "item"));
  b.item_ids_ = build_table(ids, "item");
  b.items_.resize(items.size());
  b.items_of_skill_.assign(b.skills_.size(), {});
  for (size_t k = 0; k < items.size(); ++k) {
    const json& it = items[k];
    BankItem& out = b.items_[k];
    out.id = ids[k];
    const std::string where = "item \"" + out.id + "\"";
    out.skills = skill_refs(it, b.skill_ids_, where, ItemBank::kMaxSkillsPerItem);
    for (int s : out.skills) b.items_of_skill_[static_cast<size_t>(s)].push_back(static_cast<int>(k));
    if (const json* d = field(it, "difficulty")) {
      long long level = 0;
      if (!as_integer(*d, level) || level < 1 || level > 5) fail(where + ": \"difficulty\" must be an integer 1..5, got " + shown(*d));
      out.difficulty = static_cast<int>(level);
    }
    const json* content = field(it, "content");
    if (content == nullptr) fail(where + ": missing \"content\"");
    if (!content->is_object()) fail(where + ": \"content\" must be an object, got " + type_name(*content));
    const json* prompt = field(*content, "prompt");
    if (prompt == nullptr) fail(where + ": missing \"content.prompt\"");
    out.prompt = text_of(*prompt, where + " \"content.prompt\"");
    const json* type = field(*content, "type");
    const json* choices = field(*content, "choices");
    if (type != nullptr) {
      if (!type->is_string()) fail(where + ": \"content.type\" must be \"choice\" or \"numeric\", got " + shown(*type));
      const std::string& t = type->get_ref<const std::string&>();
      if (t == "choice") {
        out.type = ItemType::Choice;
      } else if (t == "numeric") {
        out.type = ItemType::Numeric;
      } else {
        fail(where + ": \"content.type\" must be \"choice\" or \"numeric\", got " + shown(*type));
      }
    } else {
      out.type = choices != nullptr ? ItemType::Choice : ItemType::Numeric;
    }
    const json* answer = field(*content, "answer");
    if (answer == nullptr) fail(where + ": missing \"content.answer\"");
    if (out.type == ItemType::Choice) {
      if (choices == nullptr) fail(where + ": a choice item needs \"content.choices\"");
      if (!choices->is_array()) fail(where + ": \"content.choices\" must be an array, got " + type_name(*choices));
      if (choices->size() < 2 || choices->size() > 26) {
        fail(where + ": a choice item needs 2..26 choices, got " + std::to_string(choices->size()));
      }
      for (size_t c = 0; c < choices->size(); ++c) {
        out.choices.push_back(text_of((*choices)[c], where + " choice " + std::to_string(c)));
      }
      long long a = 0;
      if (!as_integer(*answer, a) || a < 0 || a >= static_cast<long long>(out.choices.size())) {
        fail(where + ": \"content.answer\" must be a choice index 0.." + std::to_string(out.choices.size() - 1) + ", got " + shown(*answer));
      }
      out.answer_index = static_cast<int>(a);
    } else {
      if (choices != nullptr) fail(where + ": a numeric item has no \"content.choices\"");
      if (!answer->is_string() || !is_number_answer(answer->get_ref<const std::string&>())) {
        fail(where + ": a numeric item's \"content.answer\" must be a string holding an integer (\"12\"), a decimal "
             "(\"0.375\"), a fraction (\"3/4\") or a mixed number (\"1 3/4\"), got " + shown(*answer));
      }
      out.answer = answer->get<std::string>();
    }
  }

  // ---- resources
  const json& resources = array_field(doc, "resources", "the document", false);
  ids.clear();
  for (size_t k = 0; k < resources.size(); ++k) ids.push_back(id_of(resources[k], "resources[" + std::to_string(k) + "]", "resource"));
  b.resource_ids_ = build_table(ids, "resource");
  b.resources_.resize(resources.size());
  for (size_t k = 0; k < resources.size(); ++k) {
    const json& r = resources[k];
    BankResource& out = b.resources_[k];
    out.id = ids[k];
    const std::string where = "resource \"" + out.id + "\"";
    if (lookup(b.item_ids_, out.id) >= 0) fail(where + " has the same id as an item (ids of items and resources must differ)");
    const json* title = field(r, "title");
    if (title == nullptr) fail(where + ": missing \"title\"");
    out.title = text_of(*title, where + " \"title\"");
    if (const json* kind = field(r, "kind")) {
      if (!kind->is_string()) fail(where + ": \"kind\" must be a string, got " + shown(*kind));
      out.kind = kind->get<std::string>();
    }
    if (const json* url = field(r, "url")) out.url = resource_url(*url, where);
    out.skills = skill_refs(r, b.skill_ids_, where, b.skills_.size());
  }
  return b;
}

ItemBank ItemBank::parse(const std::string& text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    fail(std::string("not valid JSON: ") + e.what());
  }
  return ItemBankBuilder::build(doc);
}

// ------------------------------------------------------------------ queries

int ItemBank::skill_index(const std::string& id) const { return lookup(skill_ids_, id); }
int ItemBank::item_index(const std::string& id) const { return lookup(item_ids_, id); }
int ItemBank::resource_index(const std::string& id) const { return lookup(resource_ids_, id); }

int ItemBank::require_item(const std::string& id) const {
  const int i = item_index(id);
  if (i < 0) throw Error(ErrorCode::UnknownItem, "unknown item \"" + id + "\": it is not in the item bank");
  return i;
}

int ItemBank::require_skill(const std::string& id) const {
  const int s = skill_index(id);
  if (s < 0) throw Error(ErrorCode::InvalidArgument, "unknown skill \"" + id + "\": it is not in the item bank");
  return s;
}

std::vector<int> ItemBank::prerequisite_closure(const std::vector<int>& skills) const {
  std::vector<char> in(skills_.size(), 0);
  std::vector<int> stack;
  for (int s : skills) {
    if (s < 0 || static_cast<size_t>(s) >= skills_.size()) {
      throw Error(ErrorCode::InvalidArgument, "skill index " + std::to_string(s) + " is out of range");
    }
    if (!in[static_cast<size_t>(s)]) {
      in[static_cast<size_t>(s)] = 1;
      stack.push_back(s);
    }
  }
  while (!stack.empty()) {
    const int s = stack.back();
    stack.pop_back();
    for (int p : skills_[static_cast<size_t>(s)].prerequisites) {
      if (!in[static_cast<size_t>(p)]) {
        in[static_cast<size_t>(p)] = 1;
        stack.push_back(p);
      }
    }
  }
  std::vector<int> out;
  for (int s : topo_) {
    if (in[static_cast<size_t>(s)]) out.push_back(s);
  }
  return out;
}

bool ItemBank::requires(int skill, int ancestor) const {
  const std::vector<int> closure = prerequisite_closure({skill});
  return ancestor != skill && std::find(closure.begin(), closure.end(), ancestor) != closure.end();
}

std::vector<int> ItemBank::terminal_skills() const {
  std::vector<int> out;
  for (int s : topo_) {
    if (skills_[static_cast<size_t>(s)].dependents.empty()) out.push_back(s);
  }
  return out;
}

}  // namespace metacog

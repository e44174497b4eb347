// The learner state document of a session: export_state() / import_state() (see learner_session.hpp,
// "Bounded state").
#include "metacog/learner_session.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <set>

#include "metacog/error.hpp"

namespace metacog {

using json = nlohmann::json;

namespace {

struct ParsedResponse {
  std::string item;
  std::vector<std::string> skills;
  bool correct = false;
  double timestamp = 0;
};

void state_require(bool ok, const std::string& message) { require(ok, ErrorCode::StateFormat, "learner state: " + message); }

const json& field(const json& j, const char* key, const std::string& where) {
  state_require(j.is_object() && j.contains(key), where + "'" + key + "' is missing");
  return j[key];
}

int64_t int_field(const json& j, const char* key, const std::string& where, int64_t lo, int64_t hi) {
  const json& v = field(j, key, where);
  state_require(v.is_number_integer(), where + "'" + key + "' must be an integer");
  const int64_t x = v.get<int64_t>();
  state_require(x >= lo && x <= hi, where + "'" + key + "' is out of range");
  return x;
}

double number_field(const json& j, const char* key, const std::string& where) {
  const json& v = field(j, key, where);
  state_require(v.is_number() && std::isfinite(v.get<double>()), where + "'" + key + "' must be a finite number");
  return v.get<double>();
}

template <class T, size_t N>
std::array<T, N> int_array(const json& j, const char* key, const std::string& where, int64_t lo, int64_t hi) {
  const json& v = field(j, key, where);
  state_require(v.is_array() && v.size() == N, where + "'" + key + "' must be an array of " + std::to_string(N) + " integers");
  std::array<T, N> out{};
  for (size_t k = 0; k < N; ++k) {
    state_require(v[k].is_number_integer() && v[k].get<int64_t>() >= lo && v[k].get<int64_t>() <= hi,
                  where + "'" + key + "' holds an invalid value");
    out[k] = static_cast<T>(v[k].get<int64_t>());
  }
  return out;
}

std::vector<double> finite_array(const json& j, const char* key, const std::string& where, size_t size) {
  const json& v = field(j, key, where);
  state_require(v.is_array() && v.size() == size, where + "'" + key + "' must be an array of " + std::to_string(size) + " numbers");
  std::vector<double> out;
  for (const json& x : v) {
    state_require(x.is_number() && std::isfinite(x.get<double>()), where + "'" + key + "' must hold finite numbers");
    out.push_back(x.get<double>());
  }
  return out;
}

std::vector<std::string> skill_list(const json& j, const std::string& where, const std::string& item) {
  state_require(j.is_array(), where + "'skills' must be an array");
  std::vector<std::string> out;
  for (const json& s : j) {
    state_require(s.is_string(), where + "skills must be strings");
    out.push_back(s.get<std::string>());
  }
  LearnerSession::check_item_skills(out, ErrorCode::StateFormat, item);
  return out;
}

std::vector<ParsedResponse> parse_responses(const json& rs, size_t limit) {
  state_require(rs.is_array(), "'responses' must be an array");
  state_require(rs.size() <= limit, "too many responses");
  std::vector<ParsedResponse> parsed;
  parsed.reserve(rs.size());
  for (size_t k = 0; k < rs.size(); ++k) {
    const json& r = rs[k];
    const std::string where = "response " + std::to_string(k) + ": ";
    state_require(r.is_object(), where + "not an object");
    state_require(r.contains("item") && r["item"].is_string(), where + "'item' must be a string");
    state_require(r.contains("skills") && r["skills"].is_array(), where + "'skills' must be an array");
    state_require(r.contains("correct") && r["correct"].is_boolean(), where + "'correct' must be true/false");
    state_require(r.contains("timestamp") && r["timestamp"].is_number(), where + "'timestamp' must be a number");
    ParsedResponse p;
    p.item = r["item"].get<std::string>();
    require(!p.item.empty() && p.item.size() <= LearnerSession::kMaxIdLength, ErrorCode::StateFormat,
            "learner state: " + where + "item ids must be 1.." + std::to_string(LearnerSession::kMaxIdLength) + " characters");
    p.skills = skill_list(r["skills"], where, p.item);
    p.correct = r["correct"].get<bool>();
    p.timestamp = r["timestamp"].get<double>();
    state_require(std::isfinite(p.timestamp), where + "'timestamp' must be finite");
    parsed.push_back(std::move(p));
  }
  return parsed;
}

void check_label(const std::string& label, const std::string& where) {
  state_require(!label.empty() && label.size() <= LearnerSession::kMaxIdLength, where + "skill ids must be 1.." +
                                                                                    std::to_string(LearnerSession::kMaxIdLength) + " characters");
}

// ---- export_state's fragments

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_history(const SkillHistory& a, const SkillHistory& b) {
  return a.correct == b.correct && a.wrong == b.wrong && a.streak_correct == b.streak_correct &&
         a.streak_wrong == b.streak_wrong && a.last == b.last && a.window == b.window &&
         a.last_position == b.last_position && same_bits(a.last_time, b.last_time);
}

/** The label of a slot the document lists (InvalidState for an unlabelled one: a bug, never input). */
const std::string& practised_label(const std::vector<std::string>& labels, size_t slot) {
  const std::string& label = labels[slot];
  require(!label.empty(), ErrorCode::InvalidState, "export_state: a practised skill slot has no label");
  return label;
}

/** `"label":value` of a JSON object member. */
std::string member_text(const std::string& label, double value) { return json(label).dump() + ":" + json(value).dump(); }

/** Appends `,"key":` + text (no comma before the first member of an object: first = true). */
void append_member(std::string& out, const char* key, const std::string& text, bool first = false) {
  if (!first) out += ',';
  out += '"';
  out += key;
  out += "\":";
  out += text;
}

/** Appends the non-empty fragments of the slots in `order`, comma-separated, between `open` and `close`. */
void append_joined(std::string& out, char open, const std::vector<int>& order, const std::vector<std::string>& fragments,
                   char close) {
  out += open;
  bool first = true;
  for (int slot : order) {
    const std::string& f = fragments[static_cast<size_t>(slot)];
    if (f.empty()) continue;
    if (!first) out += ',';
    out += f;
    first = false;
  }
  out += close;
}

}  // namespace

void LearnerSession::refresh_fragments(const HistorySnapshot& snap) const {
  StateFragments& c = fragments_;
  const size_t n = slot_label_.size();
  if (c.order.size() != n) {
    // a new skill slot: labels of existing slots never change, so only the order and the sizes move
    c.order.clear();
    for (size_t slot = 0; slot < n; ++slot) c.order.push_back(static_cast<int>(slot));
    std::sort(c.order.begin(), c.order.end(), [&](int a, int b) { return slot_label_[static_cast<size_t>(a)] < slot_label_[static_cast<size_t>(b)]; });
    c.history.resize(n);
    c.seen_value.resize(n, std::nan(""));
    c.known_value.resize(n, std::nan(""));
    c.skill.resize(n);
    c.seen.resize(n);
    c.known.resize(n);
  }
  for (size_t slot = 0; slot < n; ++slot) {
    const SkillHistory* h = slot < snap.skills.size() && snap.skills[slot].last_position >= 0 ? &snap.skills[slot] : nullptr;
    if (!h) {
      c.skill[slot].clear();
    } else if (c.skill[slot].empty() || !same_history(*h, c.history[slot])) {
      c.skill[slot] = json({{"skill", practised_label(slot_label_, slot)},
                            {"correct", h->correct},
                            {"wrong", h->wrong},
                            {"streak", {h->streak_correct, h->streak_wrong}},
                            {"last", h->last},
                            {"window", h->window},
                            {"last_position", h->last_position},
                            {"last_time", h->last_time}})
                          .dump();
      c.history[slot] = *h;
    }
    const auto refresh = [&](double value, double& from, std::string& text) {
      if (std::isnan(value)) {
        text.clear();
      } else if (text.empty() || !same_bits(value, from)) {
        text = member_text(practised_label(slot_label_, slot), value);
        from = value;
      }
    };
    refresh(last_seen_[slot], c.seen_value[slot], c.seen[slot]);
    refresh(known_[slot], c.known_value[slot], c.known[slot]);
  }
}

std::string LearnerSession::export_state(const Extensions& extensions) const {
  const HistorySnapshot snap = base_history_.snapshot();
  refresh_fragments(snap);
  StateFragments& c = fragments_;
  json recent = json::array();
  const int64_t kept = std::min<int64_t>(snap.position, kWindowLong);
  for (int64_t k = kWindowLong - kept; k < kWindowLong; ++k) {
    const PastResponse& p = snap.recent[static_cast<size_t>(k)];
    json labels = json::array();
    for (int i = 0; i < p.num_slots; ++i) labels.push_back(practised_label(slot_label_, static_cast<size_t>(p.slots[static_cast<size_t>(i)])));
    recent.push_back({{"skills", labels}, {"correct", p.correct}});
  }
  // the window: {"correct":…,"item":…,"skills":[…],"timestamp":…} with the item's part written once
  std::string responses = "[";
  if (c.item.size() < items_.size()) c.item.resize(items_.size());
  for (const Response& r : recent_) {
    std::string& item_text = c.item[static_cast<size_t>(r.item)];
    if (item_text.empty()) {
      const Item& it = items_[static_cast<size_t>(r.item)];
      append_member(item_text, "item", json(it.id).dump(), true);
      append_member(item_text, "skills", json(it.skill_labels).dump());
    }
    if (responses.size() > 1) responses += ',';
    responses += r.correct ? "{\"correct\":true," : "{\"correct\":false,";
    responses += item_text;
    append_member(responses, "timestamp", json(r.timestamp).dump());
    responses += '}';
  }
  responses += ']';
  // the members in JSON key order (as a json object would print them), the large ones from fragments
  std::string out = "{";
  append_member(out, "base", "{", true);
  append_member(out, "contexts", json(base_h_).dump(), true);
  append_member(out, "correct", json(snap.correct).dump());
  append_member(out, "last", json(snap.last).dump());
  append_member(out, "last_time", json(snap.last_time).dump());
  append_member(out, "position", json(snap.position).dump());
  append_member(out, "recent", recent.dump());
  append_member(out, "skills", "");
  append_joined(out, '[', c.order, c.skill, ']');
  append_member(out, "window", json(snap.window).dump());
  append_member(out, "wrong", json(snap.wrong).dump());
  out += '}';
  if (!extensions.empty()) {
    append_member(out, "extensions", "{");
    bool first = true;
    for (const auto& [key, value] : extensions) {  // std::map: key order
      if (!first) out += ',';
      out += json(key).dump() + ":" + value;
      first = false;
    }
    out += '}';
  }
  append_member(out, "fast_weights", json(tracker_.fast_weights()).dump());
  append_member(out, "format", json("metacog-learner-state").dump());
  append_member(out, "knowledge", "");
  append_joined(out, '{', c.order, c.known, '}');
  append_member(out, "last_seen", "");
  append_joined(out, '{', c.order, c.seen, '}');
  if (total_ > 0) {
    append_member(out, "last_timestamp", json(last_timestamp_).dump());
    append_member(out, "max_timestamp", json(max_timestamp_).dump());
  }
  append_member(out, "model", json({{"algo", model_->header.algo}, {"trained_on", model_->header.trained_on}}).dump());
  append_member(out, "responses", responses);
  append_member(out, "responses_total", json(total_).dump());
  append_member(out, "version", json(kStateVersion).dump());
  out += '}';
  return out;
}

int LearnerSession::import_item(const std::string& id, const std::vector<std::string>& skills) {
  const int index = item_index(id);
  if (index >= 0) return index;
  try {
    return register_item(id, skills);
  } catch (const Error& e) {
    throw Error(ErrorCode::StateFormat, std::string("learner state: ") + e.what());
  }
}

void LearnerSession::import_state(const std::string& text, Extensions* extensions) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  require(j.is_object(), ErrorCode::StateFormat, "learner state: not a JSON object");
  require(j.value("format", std::string()) == "metacog-learner-state", ErrorCode::StateFormat,
          "learner state: 'format' must be \"metacog-learner-state\"");
  require(j.contains("version") && j["version"].is_number_integer(), ErrorCode::StateFormat,
          "learner state: 'version' must be an integer");
  const int64_t version = j["version"].get<int64_t>();
  require(version >= 1, ErrorCode::StateFormat, "learner state: 'version' must be ≥ 1");
  require(version <= kStateVersion, ErrorCode::StateVersion,
          "learner state version " + std::to_string(version) + " is newer than this engine (" +
              std::to_string(kStateVersion) + "); update metacog");
  require(j.contains("responses"), ErrorCode::StateFormat, "learner state: 'responses' must be an array");
  // everything is applied to a copy; *this changes only if all of it succeeded (the export cache is
  // dropped first rather than copied: it is rebuilt on the next export either way)
  fragments_ = StateFragments();
  LearnerSession next(*this);
  next.reset();
  if (version == 1) {
    // the full response log: migrate by replaying it (what version-1 engines did)
    for (const ParsedResponse& p : parse_responses(j["responses"], kMaxResponses)) {
      next.apply_observation(next.import_item(p.item, p.skills), p.correct, p.timestamp);
    }
    *this = std::move(next);
    if (extensions) extensions->clear();
    return;
  }
  const LearnerArch& a = model_->arch();
  const std::vector<ParsedResponse> window = parse_responses(j["responses"], window_);
  const int64_t total = int_field(j, "responses_total", "", 0, kMaxHistory);
  const std::vector<double> phi = finite_array(j, "fast_weights", "", static_cast<size_t>(a.fast_size()));
  // the base: history counters and context vectors before the window
  const json& b = field(j, "base", "");
  const std::string wb = "base: ";
  HistorySnapshot snap;
  snap.position = int_field(b, "position", wb, 0, kMaxHistory);
  snap.correct = static_cast<int32_t>(int_field(b, "correct", wb, 0, kMaxHistory));
  snap.wrong = static_cast<int32_t>(int_field(b, "wrong", wb, 0, kMaxHistory));
  snap.last = int_array<int8_t, 3>(b, "last", wb, -1, 1);
  snap.window = int_array<int32_t, 4>(b, "window", wb, 0, kWindowLong);
  snap.last_time = number_field(b, "last_time", wb);
  state_require(snap.position + static_cast<int64_t>(window.size()) == total,
                "'responses_total' must equal base.position plus the responses in the window");
  const json& skills = field(b, "skills", wb);
  state_require(skills.is_array() && skills.size() <= kMaxItems * kMaxSkillsPerResponse, wb + "'skills' must be an array");
  std::set<std::string> listed;
  for (size_t k = 0; k < skills.size(); ++k) {
    const json& s = skills[k];
    const std::string where = wb + "skill " + std::to_string(k) + ": ";
    state_require(s.is_object() && s.contains("skill") && s["skill"].is_string(), where + "'skill' must be a string");
    const std::string label = s["skill"].get<std::string>();
    check_label(label, where);
    state_require(listed.insert(label).second, where + "skill '" + label + "' is listed twice");
    SkillHistory h;
    h.correct = static_cast<int32_t>(int_field(s, "correct", where, 0, kMaxHistory));
    h.wrong = static_cast<int32_t>(int_field(s, "wrong", where, 0, kMaxHistory));
    const auto streak = int_array<int32_t, 2>(s, "streak", where, 0, kMaxHistory);
    h.streak_correct = streak[0];
    h.streak_wrong = streak[1];
    h.last = int_array<int8_t, 3>(s, "last", where, -1, 1);
    h.window = int_array<int32_t, 4>(s, "window", where, 0, kWindowLong);
    h.last_position = int_field(s, "last_position", where, 0, snap.position - 1);
    h.last_time = number_field(s, "last_time", where);
    const int slot = next.slot_of(label, true);
    if (static_cast<size_t>(slot) >= snap.skills.size()) snap.skills.resize(static_cast<size_t>(slot) + 1);
    snap.skills[static_cast<size_t>(slot)] = h;
  }
  const json& recent = field(b, "recent", wb);
  const size_t kept = static_cast<size_t>(std::min<int64_t>(snap.position, kWindowLong));
  state_require(recent.is_array() && recent.size() == kept,
                wb + "'recent' must hold the last " + std::to_string(kept) + " responses before the window");
  for (size_t k = 0; k < kept; ++k) {
    const std::string where = wb + "recent " + std::to_string(k) + ": ";
    const json& r = recent[k];
    state_require(r.is_object() && r.contains("correct") && r["correct"].is_boolean(), where + "'correct' must be true/false");
    const std::vector<std::string> labels = skill_list(field(r, "skills", where), where, "(base)");
    PastResponse& p = snap.recent[kWindowLong - kept + k];
    p.num_slots = static_cast<int>(labels.size());
    for (size_t i = 0; i < labels.size(); ++i) p.slots[i] = next.slot_of(labels[i], true);
    p.correct = r["correct"].get<bool>();
  }
  try {
    next.base_history_.restore(snap);
  } catch (const Error& e) {
    throw Error(ErrorCode::StateFormat, std::string("learner state: base: ") + e.what());
  }
  next.base_h_ = finite_array(b, "contexts", wb, static_cast<size_t>(a.num_contexts() * a.dim));
  // replay the window on the base without adapting (ring entries do not depend on φ), then set φ
  next.total_ = snap.position;
  next.tracker_.restore_context(next.base_history_, next.base_h_);
  ++next.state_version_;
  if (next.has_knowledge()) {
    // skills practised before the window start from the network's calibrated mastery there (the
    // version-2 migration; a version-3 document's own values replace them below)
    const double t = next.clock(snap.last_time);
    for (size_t slot = 0; slot < snap.skills.size(); ++slot) {
      if (snap.skills[slot].last_position >= 0) next.known_[slot] = next.network_mastery(static_cast<int>(slot), t);
    }
  }
  const bool adaptation = next.tracker_.adaptation;
  next.tracker_.adaptation = false;
  for (const ParsedResponse& p : window) next.apply_observation(next.import_item(p.item, p.skills), p.correct, p.timestamp);
  next.tracker_.adaptation = adaptation;
  next.tracker_.mutable_fast_weights() = phi;
  if (version >= 3) {
    const json& kn = field(j, "knowledge", "");
    state_require(kn.is_object(), "'knowledge' must be an object");
    for (const auto& kv : kn.items()) {
      check_label(kv.key(), "knowledge: ");
      state_require(kv.value().is_number() && kv.value().get<double>() >= 0.0 && kv.value().get<double>() <= 1.0,
                    "knowledge: values must be numbers in [0, 1]");
      const int slot = next.slot_of(kv.key(), true);
      if (next.has_knowledge()) next.known_[static_cast<size_t>(slot)] = kv.value().get<double>();
    }
  }
  // per-skill last practice and the clock
  const json& seen = field(j, "last_seen", "");
  state_require(seen.is_object(), "'last_seen' must be an object");
  for (const auto& kv : seen.items()) {
    check_label(kv.key(), "last_seen: ");
    state_require(kv.value().is_number() && std::isfinite(kv.value().get<double>()), "last_seen: values must be finite numbers");
    next.last_seen_[static_cast<size_t>(next.slot_of(kv.key(), true))] = kv.value().get<double>();
  }
  if (total > 0) {
    next.last_timestamp_ = number_field(j, "last_timestamp", "");
    next.max_timestamp_ = number_field(j, "max_timestamp", "");
  }
  Extensions found;
  if (version >= 4 && j.contains("extensions")) {
    const json& ext = j["extensions"];
    state_require(ext.is_object(), "'extensions' must be an object");
    for (const auto& kv : ext.items()) {
      check_label(kv.key(), "extensions: ");
      found[kv.key()] = kv.value().dump();
    }
  }
  ++next.state_version_;  // φ was set directly
  *this = std::move(next);
  if (extensions) *extensions = std::move(found);
}

std::vector<uint8_t> LearnerSession::export_state_bytes(const Extensions& extensions) const {
  const std::string s = export_state(extensions);
  return std::vector<uint8_t>(s.begin(), s.end());
}

void LearnerSession::import_state_bytes(const uint8_t* bytes, size_t size, Extensions* extensions) {
  require(bytes != nullptr || size == 0, ErrorCode::StateFormat, "learner state: null bytes");
  import_state(std::string(reinterpret_cast<const char*>(bytes), size), extensions);
}

}  // namespace metacog

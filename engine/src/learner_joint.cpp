// The learner's prerequisite-aware joint knowledge state and its persisted form (learner_joint.hpp).
#include "metacog/learner_joint.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

#include "metacog/error.hpp"
#include "metacog/hash.hpp"
#include "metacog/learner_knowledge.hpp"

namespace metacog {

namespace {

using json = nlohmann::json;

constexpr double kMinGuessSlip = 1e-4;

void joint_require(bool ok, const std::string& what) {
  if (!ok) throw Error(ErrorCode::StateFormat, "learner state: prerequisite_knowledge: " + what);
}

/** {"mass_bits":[…],"states":[…]} of a snapshot: each float32 mass as its IEEE-754 bit pattern, an
 *  integer (exact, locale-independent, ≤ 10 digits). */
std::string snapshot_text(const PrerequisiteKnowledgeFilter::Snapshot& s) {
  std::string out = "{\"mass_bits\":[";
  for (size_t k = 0; k < s.mass.size(); ++k) {
    uint32_t bits = 0;
    std::memcpy(&bits, &s.mass[k], sizeof bits);
    if (k) out += ',';
    out += std::to_string(bits);
  }
  out += "],\"states\":[";
  for (size_t k = 0; k < s.states.size(); ++k) {
    if (k) out += ',';
    out += std::to_string(s.states[k]);
  }
  return out + "]}";
}

/** Marginals within [η, 1 − η], so no joint state is impossible (as after a compaction). */
std::vector<double> within_eta(std::vector<double> k) {
  for (double& x : k) x = std::clamp(x, JointKnowledge::kSnapshotEta, 1 - JointKnowledge::kSnapshotEta);
  return k;
}

/** {"independent":[…]}: the marginals as json::dump prints them (exact, locale-independent). */
std::string independent_text(const std::vector<double>& k) { return "{\"independent\":" + json(k).dump() + "}"; }

}  // namespace

bool has_joint_knowledge(const LearnerModel& model, const ItemBank& bank) {
  return has_knowledge_filter(model) && !std::isnan(model.mastery_rho) && bank.num_skills() >= 1 &&
         bank.num_skills() <= static_cast<size_t>(kMaxJointSkills);
}

std::vector<BktSkillParams> bank_knowledge_params(const LearnerModel& model, const ItemBank& bank) {
  std::vector<BktSkillParams> out;
  for (const BankSkill& s : bank.skills()) {
    const KnowledgeParams k = knowledge_params(model, model_skill_row(model, s.id));
    BktSkillParams p;
    p.prior = k.prior;
    p.learn = k.learn;
    // the filter needs guess, slip > 0 and guess + slip < 1 (a loaded model has guess + slip < 1, ≥ 0)
    p.guess = std::min(std::max(kMinGuessSlip, k.guess), 1 - 2 * kMinGuessSlip);
    p.slip = std::min(std::max(kMinGuessSlip, k.slip), 1 - p.guess - kMinGuessSlip);
    out.push_back(p);
  }
  return out;
}

PrerequisiteKnowledgeParams joint_knowledge_params(const LearnerModel& model, const ItemBank& bank) {
  require(has_joint_knowledge(model, bank), ErrorCode::InvalidArgument,
          "joint knowledge: the model has no mastery.rho or knowledge filter, or the bank has more than " +
              std::to_string(kMaxJointSkills) + " skills");
  return conditional_prerequisite_params(bank, bank_knowledge_params(model, bank), model.mastery_rho);
}

KtDataset bank_logs(const LearnerModel& model, const ItemBank& bank, const KtDataset& logs, int64_t* skipped) {
  KtDataset out;
  out.num_items = static_cast<int>(bank.num_items());
  out.num_skills = static_cast<int>(bank.num_skills());
  for (const BankItem& it : bank.items()) out.item_labels.push_back(it.id);
  for (const BankSkill& s : bank.skills()) out.skill_labels.push_back(s.id);
  int64_t left_out = 0;
  for (const LearnerLog& learner : logs.learners) {
    LearnerLog l;
    l.learner = learner.learner;
    for (const Response& r : learner.responses) {
      const int item = r.item >= 0 && static_cast<size_t>(r.item) < model.item_labels.size()
                           ? bank.item_index(model.item_labels[static_cast<size_t>(r.item)])
                           : -1;
      if (item < 0) {
        ++left_out;
        continue;
      }
      Response b = r;
      b.item = item;
      b.skill = bank.item(item).skills[0];
      l.responses.push_back(b);
    }
    if (!l.responses.empty()) out.learners.push_back(std::move(l));
  }
  if (skipped) *skipped = left_out;
  return out;
}

std::string bank_fingerprint(const ItemBank& bank) {
  // the structure as text (ids, then prerequisite / skill indices), fields separated by 0xff (never in UTF-8)
  std::string text;
  const auto add = [&](const std::string& field) { text += field + '\xff'; };
  for (const BankSkill& s : bank.skills()) {
    add(s.id);
    for (int p : s.prerequisites) add(std::to_string(p));
    add("|");
  }
  for (const BankItem& it : bank.items()) {
    add(it.id);
    for (int s : it.skills) add(std::to_string(s));
    add("|");
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(fnv1a64(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  return buf;
}

JointKnowledge::JointKnowledge(const ItemBank& bank, PrerequisiteKnowledgeParams params)
    : bank_(&bank), fingerprint_(bank_fingerprint(bank)), filter_(bank, std::move(params)) {
  answers_.reserve(kMaxAnswers);
  snapshot_json_ = "null";  // what reset() leaves; the new filter already holds its prior
}

void JointKnowledge::reset() {
  filter_.reset();
  answers_.clear();
  snapshot_json_ = "null";
}

void JointKnowledge::observe(int item, bool correct) {
  filter_.observe(item, correct);  // validates the index first
  answers_.push_back(2 * item + (correct ? 1 : 0));
  const int n = static_cast<int>(answers_.size());
  if (n % kSnapshotEvery == 0) try_compact(n >= kMaxAnswers);
}

void JointKnowledge::migrate(const std::vector<double>& known) {
  const std::vector<double> k = within_eta(known);
  filter_.set_independent(k);
  answers_.clear();
  snapshot_json_ = independent_text(k);
}

void JointKnowledge::try_compact(bool force) {
  PrerequisiteKnowledgeFilter::Snapshot s;
  if (!filter_.compact(kSnapshotStates, force ? 0.0 : kSnapshotCoverage, kSnapshotEta, &s)) return;
  snapshot_json_ = snapshot_text(s);
  answers_.clear();
}

std::string JointKnowledge::to_json() const {
  std::string out = "{\"answers\":[";
  for (size_t k = 0; k < answers_.size(); ++k) {
    if (k) out += ',';
    out += std::to_string(answers_[k]);
  }
  out += "],\"bank\":\"" + fingerprint_ + "\",\"snapshot\":" + snapshot_json_ + "}";
  return out;
}

bool JointKnowledge::from_json(const std::string& text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  joint_require(j.is_object(), "not a JSON object");
  joint_require(j.contains("bank") && j["bank"].is_string(), "'bank' must be a string");
  if (j["bank"].get<std::string>() != fingerprint_) return false;
  joint_require(j.contains("answers") && j["answers"].is_array() && j["answers"].size() < static_cast<size_t>(kMaxAnswers),
                "'answers' must be an array of fewer than " + std::to_string(kMaxAnswers) + " answers");
  std::vector<int> answers;
  for (const json& a : j["answers"]) {
    joint_require(a.is_number_integer() && a.get<int64_t>() >= 0 && a.get<int64_t>() < 2 * static_cast<int64_t>(bank_->num_items()),
                  "answers must be integers 2·item + correct over the bank's items");
    answers.push_back(static_cast<int>(a.get<int64_t>()));
  }
  joint_require(j.contains("snapshot"), "'snapshot' is missing");
  const json& sj = j["snapshot"];
  PrerequisiteKnowledgeFilter next = filter_;
  std::string snapshot_json = "null";
  if (sj.is_null()) {
    next.reset();
  } else if (sj.is_object() && sj.contains("independent")) {
    const json& ind = sj["independent"];
    joint_require(ind.is_array() && ind.size() == bank_->num_skills(), "'independent' must hold one marginal per skill");
    std::vector<double> known;
    for (const json& x : ind) {
      joint_require(x.is_number() && x.get<double>() >= 0 && x.get<double>() <= 1, "'independent' marginals must be in [0, 1]");
      known.push_back(x.get<double>());
    }
    known = within_eta(known);  // as migrate() stores them (idempotent)
    next.set_independent(known);
    snapshot_json = independent_text(known);
  } else {
    joint_require(sj.is_object() && sj.contains("states") && sj["states"].is_array() && sj.contains("mass_bits") &&
                      sj["mass_bits"].is_array() && sj["states"].size() == sj["mass_bits"].size() &&
                      sj["states"].size() <= kSnapshotStates,
                  "'snapshot' must hold 'states' and 'mass_bits' arrays of the same length ≤ " + std::to_string(kSnapshotStates));
    PrerequisiteKnowledgeFilter::Snapshot s;
    for (const json& x : sj["states"]) {
      joint_require(x.is_number_unsigned() && x.get<uint64_t>() < (uint64_t{1} << bank_->num_skills()), "snapshot states must be state indices");
      s.states.push_back(static_cast<uint32_t>(x.get<uint64_t>()));
    }
    for (const json& x : sj["mass_bits"]) {
      joint_require(x.is_number_unsigned() && x.get<uint64_t>() <= 0xffffffffull, "snapshot mass_bits must be 32-bit unsigned integers");
      const uint32_t bits = static_cast<uint32_t>(x.get<uint64_t>());
      float m = 0;
      std::memcpy(&m, &bits, sizeof m);
      s.mass.push_back(m);  // restore() rejects NaN, ∞ and negative values
    }
    try {
      next.restore(s, kSnapshotEta);
    } catch (const Error& e) {
      throw Error(ErrorCode::StateFormat, std::string("learner state: prerequisite_knowledge: ") + e.what());
    }
    snapshot_json = snapshot_text(s);
  }
  for (int a : answers) next.observe(a / 2, a % 2 == 1);
  filter_ = std::move(next);
  answers_ = std::move(answers);
  snapshot_json_ = std::move(snapshot_json);
  return true;
}

}  // namespace metacog

// The learner model's parameters, arch and file format (maths in learner_model.hpp).
#include "metacog/learner_model.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <set>

#include "metacog/error.hpp"
#include "metacog/rng.hpp"

namespace metacog {

namespace {

using json = nlohmann::json;

constexpr int kMaxDim = 256;
constexpr int kMaxVocabulary = 10'000'000;

void check_finite(const std::vector<double>& v, const std::string& what) {
  for (double x : v) require(std::isfinite(x), ErrorCode::ModelFormat, "learner model: " + what + " holds NaN or infinity");
}

}  // namespace

// ---------------------------------------------------------------- arch

void LearnerArch::validate(ErrorCode code) const {
  auto need = [code](bool ok, const std::string& what) {
    require(ok, code, "learner model arch: " + what);
  };
  need(num_items >= 0 && num_items <= kMaxVocabulary, "num_items out of range");
  need(num_skills >= 0 && num_skills <= kMaxVocabulary, "num_skills out of range");
  need(dim >= 1 && dim <= kMaxDim, "dim must be in 1..256");
  need(hidden >= 1 && hidden <= 1024, "hidden must be in 1..1024");
  need(rank >= 0 && rank <= 64, "rank must be in 0..64");
  need(!decays.empty() && decays.size() <= 8, "decays needs 1..8 entries");
  for (double l : decays) need(std::isfinite(l) && l >= 0.0 && l < 1.0, "each decay must be in [0, 1)");
  need(inner_steps >= 0 && inner_steps <= 100, "inner_steps must be in 0..100");
  need(std::isfinite(inner_lr) && inner_lr >= 0.0 && inner_lr <= 2.0, "inner_lr must be in [0, 2]");
  need(std::isfinite(prior_precision) && prior_precision > 0.0, "prior_precision must be > 0");
  need(inner_window >= 1 && inner_window <= 100000, "inner_window must be in 1..100000");
}

std::string LearnerArch::to_json() const {
  json features = json::array();
  for (int f = 0; f < kHistoryFeatures; ++f) features.push_back(history_feature_name(f));
  json j = {{"kind", "learner"},          {"num_items", num_items},   {"num_skills", num_skills},
            {"dim", dim},                 {"hidden", hidden},         {"rank", rank},
            {"decays", decays},           {"inner_steps", inner_steps}, {"inner_lr", inner_lr},
            {"prior_precision", prior_precision}, {"inner_window", inner_window},
            {"clock", positional_clock ? "position" : "timestamp"}, {"adapt_output", adapt_output}, {"features", features}};
  return j.dump();
}

LearnerArch LearnerArch::from_json(const std::string& text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  require(j.is_object(), ErrorCode::ModelFormat, "learner model: arch is not a JSON object");
  require(j.value("kind", std::string()) == "learner", ErrorCode::ModelKind,
          "this model is not a learner model (arch.kind != \"learner\"); give a model written by 'metacog kt-train'");
  LearnerArch a;
  auto get_int = [&](const char* key, int& out) {
    require(j.contains(key) && j[key].is_number_integer(), ErrorCode::ModelFormat,
            std::string("learner model arch: '") + key + "' must be an integer");
    const int64_t v = j[key].get<int64_t>();
    require(v >= -1'000'000'000LL && v <= 1'000'000'000LL, ErrorCode::ModelFormat,
            std::string("learner model arch: '") + key + "' out of range");
    out = static_cast<int>(v);
  };
  auto get_num = [&](const char* key, double& out) {
    require(j.contains(key) && j[key].is_number(), ErrorCode::ModelFormat,
            std::string("learner model arch: '") + key + "' must be a number");
    out = j[key].get<double>();
  };
  get_int("num_items", a.num_items);
  get_int("num_skills", a.num_skills);
  get_int("dim", a.dim);
  get_int("hidden", a.hidden);
  get_int("rank", a.rank);
  get_int("inner_steps", a.inner_steps);
  get_int("inner_window", a.inner_window);
  get_num("inner_lr", a.inner_lr);
  get_num("prior_precision", a.prior_precision);
  require(j.contains("decays") && j["decays"].is_array(), ErrorCode::ModelFormat, "learner model arch: 'decays' must be an array");
  a.decays.clear();
  for (const auto& d : j["decays"]) {
    require(d.is_number(), ErrorCode::ModelFormat, "learner model arch: decays must be numbers");
    a.decays.push_back(d.get<double>());
  }
  if (j.contains("adapt_output")) {
    require(j["adapt_output"].is_boolean(), ErrorCode::ModelFormat, "learner model arch: 'adapt_output' must be true/false");
    a.adapt_output = j["adapt_output"].get<bool>();
  } else {
    a.adapt_output = false;
  }
  if (j.contains("clock")) {
    require(j["clock"] == "position" || j["clock"] == "timestamp", ErrorCode::ModelFormat,
            "learner model arch: 'clock' must be \"position\" or \"timestamp\"");
    a.positional_clock = j["clock"] == "position";
  }
  if (j.contains("features")) {
    require(j["features"].is_array() && j["features"].size() == static_cast<size_t>(kHistoryFeatures),
            ErrorCode::ModelFormat,
            "learner model arch: the model expects a different feature set (" + std::to_string(kHistoryFeatures) +
                " features in this build)");
    for (int f = 0; f < kHistoryFeatures; ++f) {
      require(j["features"][f] == history_feature_name(f), ErrorCode::ModelFormat,
              "learner model arch: feature " + std::to_string(f) + " differs from this build's features");
    }
  }
  a.validate(ErrorCode::ModelFormat);
  return a;
}

LearnerLayout::LearnerLayout(const LearnerArch& a) {
  const size_t S1 = static_cast<size_t>(a.num_skills) + 1, d = static_cast<size_t>(a.dim);
  size_t o = 0;
  skill_embedding = o;
  o += S1 * d;
  interaction_embedding = o;
  o += 2 * S1 * d;
  item_difficulty = o;
  o += static_cast<size_t>(a.num_items);
  skill_difficulty = o;
  o += S1;
  w1 = o;
  o += static_cast<size_t>(a.hidden) * static_cast<size_t>(a.input_size());
  b1 = o;
  o += static_cast<size_t>(a.hidden);
  w2 = o;
  o += static_cast<size_t>(a.hidden);
  b2 = o;
  o += 1;
  projection = o;
  o += static_cast<size_t>(a.rank) * d;
  fast_init = o;
  o += static_cast<size_t>(a.fast_size());
  total = o;
}

// ---------------------------------------------------------------- model

LearnerModel::LearnerModel(const LearnerArch& arch, uint64_t seed) : arch_(arch), layout_(arch) {
  arch_.validate(ErrorCode::InvalidArgument);
  w_.assign(layout_.total, 0.0);
  Pcg32 rng(seed, 0x1ea2e2);
  const size_t S1 = static_cast<size_t>(arch.num_skills) + 1, d = static_cast<size_t>(arch.dim);
  for (size_t k = 0; k < S1 * d; ++k) w_[layout_.skill_embedding + k] = 0.1 * rng.normal();
  for (size_t k = 0; k < 2 * S1 * d; ++k) w_[layout_.interaction_embedding + k] = 0.1 * rng.normal();
  const double bound1 = 1.0 / std::sqrt(static_cast<double>(arch.input_size()));
  for (size_t k = 0; k < static_cast<size_t>(arch.hidden * arch.input_size()); ++k)
    w_[layout_.w1 + k] = rng.uniform(-1.0f, 1.0f) * bound1;
  for (int k = 0; k < arch.hidden; ++k) w_[layout_.b1 + k] = rng.uniform(-1.0f, 1.0f) * bound1;
  const double bound2 = 1.0 / std::sqrt(static_cast<double>(arch.hidden));
  for (int k = 0; k < arch.hidden; ++k) w_[layout_.w2 + k] = rng.uniform(-1.0f, 1.0f) * bound2;
  w_[layout_.b2] = rng.uniform(-1.0f, 1.0f) * bound2;
  const double bound_p = 1.0 / std::sqrt(static_cast<double>(arch.dim));
  for (size_t k = 0; k < static_cast<size_t>(arch.rank) * d; ++k) w_[layout_.projection + k] = bound_p * rng.normal();
  mean_.assign(kHistoryFeatures, 0.0);
  std_.assign(kHistoryFeatures, 1.0);
}

double LearnerModel::difficulty(int item, int skill) const {
  if (item >= 0 && item < arch_.num_items) return w_[layout_.item_difficulty + static_cast<size_t>(item)];
  const int s = (skill >= 0 && skill < arch_.num_skills) ? skill : arch_.num_skills;
  return w_[layout_.skill_difficulty + static_cast<size_t>(s)];
}

LearnerQuery LearnerModel::query(int item, int skill, double timestamp) const {
  LearnerQuery q;
  const bool known_skill = skill >= 0 && skill < arch_.num_skills;
  q.item = (item >= 0 && item < arch_.num_items) ? item : kUnknown;
  q.num_skills = 1;
  q.slots[0] = known_skill ? skill : arch_.num_skills;
  q.skills[0] = known_skill ? skill : arch_.num_skills;
  q.difficulty = difficulty(q.item, known_skill ? skill : kUnknown);
  q.timestamp = timestamp;
  return q;
}

void LearnerModel::round_to_float() {
  for (double& x : w_) x = static_cast<double>(static_cast<float>(x));
  for (double& x : mean_) x = static_cast<double>(static_cast<float>(x));
  for (double& x : std_) x = static_cast<double>(static_cast<float>(x));
}

// ---------------------------------------------------------------- safetensors

namespace {

Tensor slice_tensor(const std::vector<double>& w, size_t offset, const Shape& shape) {
  Tensor t = Tensor::empty(shape);
  for (int64_t k = 0; k < t.numel(); ++k) t[k] = static_cast<float>(w[offset + static_cast<size_t>(k)]);
  return t;
}

struct NamedBlock {
  const char* name;
  size_t offset;
  Shape shape;
};

std::vector<NamedBlock> blocks(const LearnerArch& a, const LearnerLayout& l) {
  const int64_t S1 = a.num_skills + 1, d = a.dim;
  return {{"skill_embedding.weight", l.skill_embedding, {S1, d}},
          {"interaction_embedding.weight", l.interaction_embedding, {2 * S1, d}},
          {"item_difficulty", l.item_difficulty, {a.num_items}},
          {"skill_difficulty", l.skill_difficulty, {S1}},
          {"mlp.0.weight", l.w1, {a.hidden, a.input_size()}},
          {"mlp.0.bias", l.b1, {a.hidden}},
          {"mlp.2.weight", l.w2, {1, a.hidden}},
          {"mlp.2.bias", l.b2, {1}},
          {"fast.projection", l.projection, {a.rank, d}},
          {"fast.init", l.fast_init, {a.fast_size()}}};
}

/**
 * Reads the pair of [n] tensors a, b into da, db (finite values). A pair is both or neither: returns
 * false when neither is present and `optional`; a lone half, a wrong shape or a NaN is ModelFormat.
 */
bool read_pair(const SafetensorsFile& f, const char* a, const char* b, int64_t n, std::vector<double>& da,
               std::vector<double>& db, bool optional) {
  if (optional && f.tensors.count(a) == 0 && f.tensors.count(b) == 0) return false;
  for (const auto& [name, dst] : {std::pair<const char*, std::vector<double>*>{a, &da}, {b, &db}}) {
    f.require_tensor(name, {n});
    const Tensor t = f.get_f32(name);
    dst->assign(static_cast<size_t>(n), 0.0);
    for (int64_t k = 0; k < n; ++k) (*dst)[static_cast<size_t>(k)] = t[k];
    check_finite(*dst, name);
  }
  return true;
}

}  // namespace

SafetensorsFile LearnerModel::to_safetensors() const {
  SafetensorsFile f;
  for (const NamedBlock& b : blocks(arch_, layout_)) f.set_f32(b.name, slice_tensor(w_, b.offset, b.shape));
  f.set_f32("features.mean", slice_tensor(mean_, 0, {kHistoryFeatures}));
  f.set_f32("features.std", slice_tensor(std_, 0, {kHistoryFeatures}));
  if (!feature_lo.empty()) {
    require(feature_lo.size() == static_cast<size_t>(kHistoryFeatures) && feature_hi.size() == feature_lo.size(),
            ErrorCode::InvalidArgument, "learner model: the feature range needs kHistoryFeatures minima and maxima");
    f.set_f32("features.min", slice_tensor(feature_lo, 0, {kHistoryFeatures}));
    f.set_f32("features.max", slice_tensor(feature_hi, 0, {kHistoryFeatures}));
  }
  if (!mastery_guess.empty()) {
    const int64_t S1 = arch_.num_skills + 1;
    require(static_cast<int64_t>(mastery_guess.size()) == S1 && static_cast<int64_t>(mastery_slip.size()) == S1,
            ErrorCode::InvalidArgument, "learner model: mastery calibration needs num_skills + 1 values");
    f.set_f32("mastery.guess", slice_tensor(mastery_guess, 0, {S1}));
    f.set_f32("mastery.slip", slice_tensor(mastery_slip, 0, {S1}));
  }
  if (!mastery_prior.empty()) {
    const int64_t S1 = arch_.num_skills + 1;
    require(!mastery_guess.empty() && static_cast<int64_t>(mastery_prior.size()) == S1 && static_cast<int64_t>(mastery_learn.size()) == S1,
            ErrorCode::InvalidArgument, "learner model: the knowledge filter needs num_skills + 1 priors and learn rates, and guess/slip");
    f.set_f32("mastery.prior", slice_tensor(mastery_prior, 0, {S1}));
    f.set_f32("mastery.learn", slice_tensor(mastery_learn, 0, {S1}));
  }
  if (!std::isnan(mastery_rho)) {
    require(!mastery_prior.empty() && mastery_rho > 0 && mastery_rho <= 1, ErrorCode::InvalidArgument,
            "learner model: mastery.rho must be in (0, 1] and needs the knowledge filter (mastery.prior/learn)");
    f.set_f32("mastery.rho", slice_tensor(std::vector<double>{mastery_rho}, 0, {1}));
  }
  ModelHeader h = header;
  h.arch_json = arch_.to_json();
  if (h.created_by.empty()) h.created_by = std::string("metacog ") + METACOG_VERSION;
  set_metacog_metadata(f, h);
  f.metadata["vocab"] = json({{"items", item_labels}, {"skills", skill_labels}}).dump();
  return f;
}

LearnerModel LearnerModel::from_safetensors(const SafetensorsFile& f) {
  LearnerModel m;
  m.header = check_metacog_metadata(f, kMetacogFormatVersion);
  require(m.header.algo.rfind("learner", 0) == 0, ErrorCode::ModelKind,
          "this model (algo '" + m.header.algo + "') is not a learner model; give a model written by 'metacog kt-train'");
  m.arch_ = LearnerArch::from_json(m.header.arch_json);
  m.layout_ = LearnerLayout(m.arch_);
  m.w_.assign(m.layout_.total, 0.0);
  for (const NamedBlock& b : blocks(m.arch_, m.layout_)) {
    f.require_tensor(b.name, b.shape);
    const Tensor t = f.get_f32(b.name);
    for (int64_t k = 0; k < t.numel(); ++k) m.w_[b.offset + static_cast<size_t>(k)] = t[k];
  }
  read_pair(f, "features.mean", "features.std", kHistoryFeatures, m.mean_, m.std_, /*optional=*/false);
  check_finite(m.w_, "a parameter tensor");
  for (double s : m.std_) require(s > 0.0, ErrorCode::ModelFormat, "learner model: features.std must be positive");
  const bool ranged = read_pair(f, "features.min", "features.max", kHistoryFeatures, m.feature_lo, m.feature_hi, true);
  for (size_t k = 0; k < m.feature_lo.size(); ++k)
    require(m.feature_lo[k] <= m.feature_hi[k], ErrorCode::ModelFormat,
            "learner model: features.min must not exceed features.max (feature " + std::to_string(k) + ")");
  const int64_t S1 = m.arch_.num_skills + 1;
  const bool calibrated = read_pair(f, "mastery.guess", "mastery.slip", S1, m.mastery_guess, m.mastery_slip, true);
  for (size_t k = 0; k < m.mastery_guess.size(); ++k) {
    const double g = m.mastery_guess[k], sl = m.mastery_slip[k];
    require(g >= 0 && sl >= 0 && g + sl < 1, ErrorCode::ModelFormat,
            "learner model: mastery.guess and mastery.slip must be ≥ 0 with guess + slip < 1 (skill row " + std::to_string(k) + ")");
  }
  const bool filtered = read_pair(f, "mastery.prior", "mastery.learn", S1, m.mastery_prior, m.mastery_learn, true);
  require(!filtered || calibrated, ErrorCode::ModelFormat, "learner model: mastery.prior/learn need mastery.guess/slip");
  for (size_t k = 0; k < m.mastery_prior.size(); ++k) {
    const double l0 = m.mastery_prior[k], tr = m.mastery_learn[k];
    require(l0 >= 0 && l0 <= 1 && tr >= 0 && tr < 1, ErrorCode::ModelFormat,
            "learner model: mastery.prior must be in [0, 1] and mastery.learn in [0, 1) (skill row " + std::to_string(k) + ")");
  }
  const bool joint = f.has("mastery.rho");
  if (joint) {
    f.require_tensor("mastery.rho", {1});
    m.mastery_rho = f.get_f32("mastery.rho")[0];
    require(filtered && m.mastery_rho > 0 && m.mastery_rho <= 1, ErrorCode::ModelFormat,
            "learner model: mastery.rho must be in (0, 1] and needs mastery.prior/learn");
  }
  const size_t expected_tensors =
      blocks(m.arch_, m.layout_).size() + 2 + (ranged ? 2 : 0) + (calibrated ? 2 : 0) + (filtered ? 2 : 0) + (joint ? 1 : 0);
  require(f.tensors.size() == expected_tensors, ErrorCode::ModelFormat,
          "learner model: unexpected extra tensors (expected " + std::to_string(expected_tensors) + ")");
  auto vocab_it = f.metadata.find("vocab");
  if (vocab_it != f.metadata.end()) {
    const json v = json::parse(vocab_it->second, nullptr, false);
    require(v.is_object() && v.contains("items") && v.contains("skills") && v["items"].is_array() &&
                v["skills"].is_array(),
            ErrorCode::ModelFormat, "learner model: __metadata__.vocab must be {\"items\": [...], \"skills\": [...]}");
    // each label names one row: a repeated one would map to its first row here and to its last
    // where labels are looked up in a hash map (the browser session)
    const auto read_labels = [&v](const char* key, std::vector<std::string>& out) {
      std::set<std::string> seen;
      for (const auto& s : v[key]) {
        require(s.is_string(), ErrorCode::ModelFormat, "learner model: vocab labels must be strings");
        require(seen.insert(s.get<std::string>()).second, ErrorCode::ModelFormat,
                std::string("learner model: vocab.") + key + " names '" + s.get<std::string>() + "' twice");
        out.push_back(s.get<std::string>());
      }
    };
    read_labels("items", m.item_labels);
    read_labels("skills", m.skill_labels);
    require(m.item_labels.empty() || static_cast<int>(m.item_labels.size()) == m.arch_.num_items, ErrorCode::ModelFormat,
            "learner model: vocab.items has " + std::to_string(m.item_labels.size()) + " labels but arch.num_items is " +
                std::to_string(m.arch_.num_items));
    require(m.skill_labels.empty() || static_cast<int>(m.skill_labels.size()) == m.arch_.num_skills,
            ErrorCode::ModelFormat,
            "learner model: vocab.skills has " + std::to_string(m.skill_labels.size()) +
                " labels but arch.num_skills is " + std::to_string(m.arch_.num_skills));
  }
  return m;
}

LearnerModel LearnerModel::from_safetensors(const uint8_t* bytes, size_t size) {
  return from_safetensors(parse_safetensors(bytes, size));
}

}  // namespace metacog

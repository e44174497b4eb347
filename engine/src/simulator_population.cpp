// Simulator population: parameters file, BKT-with-forgetting likelihood and fits (see simulator.hpp).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "metacog/error.hpp"
#include "metacog/simulator.hpp"

namespace metacog {

namespace {

using ojson = nlohmann::ordered_json;

bool in_unit(double x) { return x >= 0 && x <= 1; }

void check_skill(const BktSkillParams& p, const std::string& where, ErrorCode code) {
  const bool ok = in_unit(p.prior) && p.learn > 0 && p.learn < 1 && in_unit(p.guess) && in_unit(p.slip) && p.guess + p.slip < 1;
  if (!ok) throw Error(code, where + ": BKT parameters out of range (0 ≤ prior ≤ 1, 0 < learn < 1, guess + slip < 1)");
}

}  // namespace

void SimulatorParams::validate() const {
  require(!pool.empty(), ErrorCode::InvalidArgument, "simulator parameters: the skill pool is empty");
  require(pool_skills.size() == pool.size() && pool_responses.size() == pool.size(), ErrorCode::InvalidArgument,
          "simulator parameters: pool, pool_skills and pool_responses differ in length");
  for (size_t k = 0; k < pool.size(); ++k) check_skill(pool[k], "simulator pool entry " + std::to_string(k), ErrorCode::InvalidArgument);
  require(forget >= 0 && forget < 1, ErrorCode::InvalidArgument, "simulator parameters: forget must be in [0, 1)");
  require(prerequisite_learn_factor > 0 && prerequisite_learn_factor <= 1, ErrorCode::InvalidArgument,
          "simulator parameters: prerequisite_learn_factor must be in (0, 1]");
  require(difficulty_slope >= 0 && difficulty_slope < 5, ErrorCode::InvalidArgument, "simulator parameters: difficulty_slope must be in [0, 5)");
  require(ability_sd >= 0 && ability_sd < 5, ErrorCode::InvalidArgument, "simulator parameters: ability_sd must be in [0, 5)");
}

std::string SimulatorParams::to_json() const {
  ojson pool_json = ojson::array();
  for (size_t k = 0; k < pool.size(); ++k) {
    pool_json.push_back({{"skill", pool_skills[k]},
                         {"responses", pool_responses[k]},
                         {"prior", pool[k].prior},
                         {"learn", pool[k].learn},
                         {"guess", pool[k].guess},
                         {"slip", pool[k].slip}});
  }
  ojson doc = {{"format", "metacog-simulator-params"},
               {"version", 1},
               {"provenance", provenance.empty() ? ojson::object() : ojson::parse(provenance)},
               {"forget", forget},
               {"assumptions",
                {{"prerequisite_learn_factor", prerequisite_learn_factor},
                 {"difficulty_slope", difficulty_slope},
                 {"ability_sd", ability_sd}}},
               {"pool", pool_json}};
  return doc.dump(1);
}

SimulatorParams SimulatorParams::from_json(const std::string& text) {
  const auto bad = [](const std::string& m) { return Error(ErrorCode::DataFormat, "simulator parameters: " + m); };
  ojson doc;
  try {
    doc = ojson::parse(text);
  } catch (const ojson::exception& e) {
    throw bad(std::string("not valid JSON: ") + e.what());
  }
  if (!doc.is_object() || doc.value("format", "") != "metacog-simulator-params") {
    throw bad("not a metacog-simulator-params document (\"format\" missing or different)");
  }
  if (!doc.contains("version") || !doc["version"].is_number_integer() || doc["version"].get<int>() != 1) {
    throw bad("unsupported \"version\" (this engine reads version 1)");
  }
  SimulatorParams p;
  const auto number = [&](const ojson& obj, const char* key) {
    if (!obj.is_object() || !obj.contains(key) || !obj[key].is_number()) throw bad(std::string("missing or non-numeric \"") + key + "\"");
    return obj[key].get<double>();
  };
  p.forget = number(doc, "forget");
  if (!doc.contains("assumptions")) throw bad("missing \"assumptions\"");
  p.prerequisite_learn_factor = number(doc["assumptions"], "prerequisite_learn_factor");
  p.difficulty_slope = number(doc["assumptions"], "difficulty_slope");
  p.ability_sd = number(doc["assumptions"], "ability_sd");
  if (doc.contains("provenance")) p.provenance = doc["provenance"].dump();
  if (!doc.contains("pool") || !doc["pool"].is_array()) throw bad("missing \"pool\" array");
  for (const ojson& e : doc["pool"]) {
    BktSkillParams q;
    q.prior = number(e, "prior");
    q.learn = number(e, "learn");
    q.guess = number(e, "guess");
    q.slip = number(e, "slip");
    p.pool.push_back(q);
    p.pool_skills.push_back(e.contains("skill") && e["skill"].is_string() ? e["skill"].get<std::string>() : "");
    p.pool_responses.push_back(e.contains("responses") && e["responses"].is_number_integer() ? e["responses"].get<int64_t>() : 0);
  }
  try {
    p.validate();
  } catch (const Error& e) {
    throw bad(e.what());
  }
  return p;
}

// ------------------------------------------------------------------ sequences and likelihood

SkillSequences skill_sequences(const KtDataset& logs) {
  const size_t S = static_cast<size_t>(logs.num_skills);
  SkillSequences out;
  out.answers.assign(S, {});
  out.gaps.assign(S, {});
  std::vector<int64_t> last(S);
  for (const LearnerLog& l : logs.learners) {
    std::fill(last.begin(), last.end(), -1);
    int64_t pos = 0;
    for (const Response& r : l.responses) {
      if (r.skill != kUnknown) {
        const size_t s = static_cast<size_t>(r.skill);
        if (last[s] < 0) {
          out.answers[s].emplace_back();
          out.gaps[s].emplace_back();
        }
        out.answers[s].back().push_back(r.correct ? 1 : 0);
        out.gaps[s].back().push_back(last[s] < 0 ? 0 : static_cast<int>(pos - last[s] - 1));
        last[s] = pos;
      }
      ++pos;
    }
  }
  return out;
}

double bkt_forgetting_log_likelihood(const SkillSequences& seq, const std::vector<BktSkillParams>& params, double f) {
  require(params.size() == seq.answers.size(), ErrorCode::InvalidArgument, "BKT forgetting: one parameter set per skill needed");
  require(f >= 0 && f < 1, ErrorCode::InvalidArgument, "BKT forgetting: f must be in [0, 1)");
  const double log_keep = std::log1p(-f);
  double ll = 0;
  for (size_t s = 0; s < seq.answers.size(); ++s) {
    const BktSkillParams& q = params[s];
    for (size_t u = 0; u < seq.answers[s].size(); ++u) {
      double L = q.prior;
      const auto& ys = seq.answers[s][u];
      const auto& gs = seq.gaps[s][u];
      for (size_t k = 0; k < ys.size(); ++k) {
        if (gs[k] > 0 && f > 0) L *= std::exp(log_keep * gs[k]);
        const bool y = ys[k] != 0;
        const double a = L * (y ? 1 - q.slip : q.slip);
        const double b = (1 - L) * (y ? q.guess : 1 - q.guess);
        const double py = std::max(a + b, 1e-300);
        ll += std::log(py);
        L = a / py;
        L = L + (1 - L) * q.learn;
      }
    }
  }
  return ll;
}

double fit_bkt_forgetting(const SkillSequences& seq, const std::vector<BktSkillParams>& params, double max_forget) {
  require(max_forget > 0 && max_forget < 1, ErrorCode::InvalidArgument, "BKT forgetting: max_forget must be in (0, 1)");
  // coarse grid on a square-root scale (small rates need resolution), then golden section around the best
  const int grid = 24;
  double best_f = 0, best_ll = bkt_forgetting_log_likelihood(seq, params, 0.0);
  int best_k = 0;
  for (int k = 1; k <= grid; ++k) {
    const double f = max_forget * (k * k) / static_cast<double>(grid * grid);
    const double ll = bkt_forgetting_log_likelihood(seq, params, f);
    if (ll > best_ll) {
      best_ll = ll;
      best_f = f;
      best_k = k;
    }
  }
  double lo = max_forget * std::max(0, best_k - 1) * std::max(0, best_k - 1) / static_cast<double>(grid * grid);
  double hi = max_forget * std::min(grid, best_k + 1) * std::min(grid, best_k + 1) / static_cast<double>(grid * grid);
  const double phi = (std::sqrt(5.0) - 1) / 2;
  double x1 = hi - phi * (hi - lo), x2 = lo + phi * (hi - lo);
  double f1 = bkt_forgetting_log_likelihood(seq, params, x1), f2 = bkt_forgetting_log_likelihood(seq, params, x2);
  for (int it = 0; it < 40 && hi - lo > 1e-7; ++it) {
    if (f1 > f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - phi * (hi - lo);
      f1 = bkt_forgetting_log_likelihood(seq, params, x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + phi * (hi - lo);
      f2 = bkt_forgetting_log_likelihood(seq, params, x2);
    }
  }
  const double x = f1 > f2 ? x1 : x2;
  return std::max(f1, f2) > best_ll ? x : best_f;
}

SimulatorParams fit_simulator_params(const KtDataset& logs, const SimulatorFitOptions& options, const std::string& log_name) {
  require(options.min_responses >= 1, ErrorCode::InvalidArgument, "min_responses must be ≥ 1");
  const SkillSequences seq = skill_sequences(logs);
  const size_t S = seq.answers.size();
  std::vector<BktSkillParams> fitted(S);
  std::vector<double> ll(S, 0);
  std::vector<int64_t> count(S, 0);
  for (size_t s = 0; s < S; ++s) {
    for (const auto& v : seq.answers[s]) count[s] += static_cast<int64_t>(v.size());
  }
  // the pooled "average skill" (every skill's sequences together): MAP-EM pulls sparse skills toward it
  std::vector<std::vector<int>> pooled;
  for (const auto& v : seq.answers) pooled.insert(pooled.end(), v.begin(), v.end());
  const BktSkillParams pooled_fit = fit_bkt_skill(pooled, options.bkt, 0xB17u);
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(std::max(1, options.threads))
#endif
  for (int s = 0; s < static_cast<int>(S); ++s) {
    if (count[static_cast<size_t>(s)] == 0) continue;
    fitted[static_cast<size_t>(s)] = fit_bkt_skill(seq.answers[static_cast<size_t>(s)], options.bkt, static_cast<uint64_t>(s) + 1,
                                                   &pooled_fit, &ll[static_cast<size_t>(s)]);
  }
  // forgetting on the skills with data (a skill without responses contributes nothing)
  const double f = fit_bkt_forgetting(seq, fitted, options.max_forget);
  SimulatorParams p;
  p.forget = f;
  double ll_total = 0;
  int64_t responses = 0;
  for (size_t s = 0; s < S; ++s) {
    ll_total += ll[s];
    responses += count[s];
    if (count[s] < options.min_responses) continue;
    // EM at its bounds keeps learn in (0, 1); guard the open interval for the file format
    BktSkillParams q = fitted[s];
    q.learn = std::min(std::max(q.learn, 1e-6), 1 - 1e-6);
    p.pool.push_back(q);
    p.pool_skills.push_back(s < logs.skill_labels.size() ? logs.skill_labels[s] : std::to_string(s));
    p.pool_responses.push_back(count[s]);
  }
  require(!p.pool.empty(), ErrorCode::InvalidArgument,
          "no skill of " + log_name + " has at least " + std::to_string(options.min_responses) + " responses");
  const double ll_forget = bkt_forgetting_log_likelihood(seq, fitted, f);
  ojson prov = {{"source", log_name},
                {"learners", logs.learners.size()},
                {"responses", responses},
                {"skills", S},
                {"skills_in_pool", p.pool.size()},
                {"min_responses", options.min_responses},
                {"bkt_em",
                 {{"restarts", options.bkt.restarts},
                  {"max_iter", options.bkt.max_iter},
                  {"max_guess_slip", options.bkt.max_guess_slip},
                  {"prior_count", options.bkt.prior_count},
                  {"seed", options.bkt.seed}}},
                {"pooled_skill", {{"prior", pooled_fit.prior}, {"learn", pooled_fit.learn}, {"guess", pooled_fit.guess}, {"slip", pooled_fit.slip}}},
                {"log_likelihood_bkt", ll_total},
                {"log_likelihood_bkt_forgetting", ll_forget},
                {"forget_search_max", options.max_forget},
                {"clock", "answers (each answer on another skill is one step of forgetting)"}};
  p.provenance = prov.dump();
  p.validate();
  return p;
}

}  // namespace metacog

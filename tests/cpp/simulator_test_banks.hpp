// Small item banks and pure-BKT populations for the simulator and knowledge-filter tests.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "metacog/item_bank.hpp"
#include "metacog/simulator.hpp"

namespace metacog::test {

/** A bank of `skills` independent skills (a chain if `chain`), `items` items each without difficulty. */
inline ItemBank flat_bank(int skills, int items, bool chain = false) {
  nlohmann::json doc = {{"version", 1}, {"skills", nlohmann::json::array()}, {"items", nlohmann::json::array()}};
  for (int s = 0; s < skills; ++s) {
    nlohmann::json pre = nlohmann::json::array();
    if (chain && s > 0) pre.push_back("s" + std::to_string(s - 1));
    doc["skills"].push_back({{"id", "s" + std::to_string(s)}, {"name", "S" + std::to_string(s)}, {"prerequisites", pre}});
    for (int k = 0; k < items; ++k) {
      doc["items"].push_back({{"id", "i" + std::to_string(s) + "-" + std::to_string(k)},
                              {"skills", {"s" + std::to_string(s)}},
                              {"content", {{"prompt", "?"}, {"answer", "1"}}}});
    }
  }
  return ItemBank::parse(doc.dump());
}

inline SimulatorParams pure_bkt(const BktSkillParams& q, double forget) {
  SimulatorParams p;
  p.pool = {q};
  p.pool_skills = {"truth"};
  p.pool_responses = {0};
  p.forget = forget;
  p.ability_sd = 0;
  p.difficulty_slope = 0;
  p.prerequisite_learn_factor = 1;
  return p;
}

}  // namespace metacog::test

// Native and wasm builds give the same learner-model numbers (issue #5: "native and wasm predictions
// agree within tolerance"). This source runs natively and, compiled to wasm, under Node (SIMD and
// scalar builds); every build replays the same answers on the shipped demo model and compares
// P(correct) of every bank item and every skill's mastery (the network's and the knowledge filter's) with reference numbers computed by the
// native build and committed in tests/fixtures/learner-crossbuild.json. So each build agrees with the
// native one to the tolerance below.
//
// After a deliberate change of the learner model's arithmetic, regenerate the reference natively:
//     METACOG_WRITE_FIXTURES=1 build/metacog_tests -tc="*native and wasm*"
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "metacog/engine.hpp"
#include "test_support.hpp"

using namespace metacog;
using nlohmann::json;

namespace {

constexpr double kTolerance = 1e-4;  // absolute, on probabilities; float32 arithmetic in both builds

/** The numbers after 0, 1, 5, 20 and 60 answers of a fixed learner (item 7k mod I, two right in three). */
json replay() {
  Engine e(test::demo_learner_model(), test::demo_bank());
  const ItemBank& bank = e.bank();
  std::vector<std::string> ids;
  for (const BankItem& it : bank.items()) ids.push_back(it.id);
  json out = json::array();
  const auto record = [&](int answers, double now) {
    json m = json::array();
    for (const SkillMastery& s : e.mastery(now)) {
      m.push_back(s.mastery);
      m.push_back(std::isfinite(s.known) ? s.known : -1.0);  // the knowledge filter's P(mastered)
    }
    out.push_back({{"answers", answers}, {"p", e.predict(ids, now)}, {"mastery", m}});
  };
  const int checkpoints[] = {0, 1, 5, 20, 60};
  double t = 1000.0;
  record(0, t);
  for (int k = 0; k < 60; ++k) {
    t += 30.0;
    e.observe(ids[static_cast<size_t>(7 * k) % ids.size()], (k * 5) % 3 != 0, t);
    if (std::find(std::begin(checkpoints), std::end(checkpoints), k + 1) != std::end(checkpoints)) record(k + 1, t);
  }
  return out;
}

}  // namespace

TEST_CASE("learner model: native and wasm builds give the same predictions and mastery (committed native reference)") {
  const std::string path = test::source_dir() + "/tests/fixtures/learner-crossbuild.json";
  const json got = replay();
  if (std::getenv("METACOG_WRITE_FIXTURES") != nullptr) {
    std::ofstream(path) << got.dump(1) << "\n";
    MESSAGE("wrote " << path);
    return;
  }
  REQUIRE(test::file_exists(path));
  const json want = json::parse(test::read_text(path));
  REQUIRE(want.size() == got.size());
  double worst = 0;
  size_t compared = 0;
  int failures = 0;
  for (size_t c = 0; c < want.size(); ++c) {
    CHECK(want[c]["answers"] == got[c]["answers"]);
    for (const char* key : {"p", "mastery"}) {
      const json& a = want[c][key];
      const json& b = got[c][key];
      REQUIRE(a.size() == b.size());
      for (size_t i = 0; i < a.size(); ++i) {
        const double d = std::fabs(a[i].get<double>() - b[i].get<double>());
        worst = std::max(worst, d);
        ++compared;
        if (d > kTolerance && ++failures <= 5) {
          FAIL_CHECK(key << "[" << i << "] after " << want[c]["answers"] << " answers: native " << a[i] << ", this build " << b[i]);
        }
      }
    }
  }
  MESSAGE(compared << " numbers compared with the native reference; largest difference " << worst);
  CHECK(worst <= kTolerance);
}

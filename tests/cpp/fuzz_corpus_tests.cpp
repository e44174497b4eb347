// Replays the committed fuzz corpus (tests/fuzz/corpus/<check>/) through the fuzzers' own checks
// (tests/fuzz/fuzz_checks.hpp), natively and in wasm: every input a fuzzer found interesting or
// that once crashed a loader stays a regression test here, and the seeds named valid-* must still
// be accepted. The fuzzing itself is `npm run fuzz` (clang + libFuzzer, not part of CI's time).
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_checks.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using metacog::test::read_text;
using metacog::test::source_dir;

TEST_CASE("fuzz corpus: every committed input is accepted or refused with metacog::Error; valid-* seeds are accepted") {
  const fs::path root = fs::path(source_dir()) / "tests" / "fuzz" / "corpus";
  REQUIRE(fs::is_directory(root));
  for (const fs::directory_entry& dir : fs::directory_iterator(root)) {
    INFO("corpus folder " << dir.path().filename().string());
    CHECK(static_cast<bool>(metacog::fuzz::check_named(dir.path().filename().string())));  // no stray folder
  }
  int inputs = 0, valid = 0;
  for (const auto& entry : metacog::fuzz::checks()) {  // no structured binding: INFO's lambda captures `name`
    const std::string& name = entry.first;
    const metacog::fuzz::Check check = entry.second;
    const fs::path dir = root / name;
    if (!fs::is_directory(dir)) continue;  // git keeps no empty folder: a check may have no corpus yet
    std::vector<fs::path> files;
    for (const fs::directory_entry& f : fs::directory_iterator(dir))
      if (f.is_regular_file()) files.push_back(f.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      const std::vector<uint8_t> bytes = metacog::read_binary_file(file.string());
      const std::string base = file.filename().string();
      INFO("input " << name << "/" << base);
      bool accepted = false;
      CHECK_NOTHROW(accepted = check(bytes.data(), bytes.size()));
      if (base.rfind("valid-", 0) == 0) {
        CHECK(accepted);
        ++valid;
      }
      ++inputs;
    }
  }
  CHECK(valid >= 6);
  MESSAGE("replayed " << inputs << " fuzz inputs");
}

TEST_CASE("fuzz corpus: cmake/fuzz.cmake and scripts/fuzz.mjs name exactly the checks of fuzz_checks.hpp") {
  const std::string cmake = read_text(source_dir() + "/cmake/fuzz.cmake");
  const std::string script = read_text(source_dir() + "/scripts/fuzz.mjs");
  std::string list;
  for (const auto& [name, check] : metacog::fuzz::checks()) list += (list.empty() ? "" : " ") + name;
  CHECK(cmake.find("set(METACOG_FUZZ_CHECKS " + list + ")") != std::string::npos);
  std::string quoted;
  for (const auto& [name, check] : metacog::fuzz::checks()) quoted += (quoted.empty() ? "'" : ", '") + name + "'";
  CHECK(script.find("const CHECKS = [" + quoted + "];") != std::string::npos);
}

TEST_CASE("fuzz checks accept the shipped models (the fuzzers' seeds from models/)") {
  const std::string models = source_dir() + "/models/";
  const std::vector<uint8_t> learner = metacog::read_binary_file(models + "demo-learner.safetensors");
  CHECK(metacog::fuzz::check_learner_model(learner.data(), learner.size()));
  CHECK(metacog::fuzz::check_safetensors(learner.data(), learner.size()));
  const std::vector<uint8_t> protonet = metacog::read_binary_file(models + "omniglot-protonet.safetensors");
  CHECK(metacog::fuzz::check_conv4_model(protonet.data(), protonet.size()));
  CHECK_FALSE(metacog::fuzz::check_learner_model(protonet.data(), protonet.size()));  // a valid model of another kind
}

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
using metacog::fuzz::check_named;

TEST_CASE("fuzz corpus: every committed input is accepted or refused with metacog::Error; valid-* seeds are accepted") {
  const fs::path root = fs::path(metacog::test::source_dir()) / "tests" / "fuzz" / "corpus";
  REQUIRE(fs::is_directory(root));
  int checks = 0, inputs = 0, valid = 0;
  for (const fs::directory_entry& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) continue;
    const std::string name = dir.path().filename().string();
    const metacog::fuzz::Check check = check_named(name);
    INFO("corpus folder " << name);
    REQUIRE_MESSAGE(static_cast<bool>(check), "no fuzz check named after the folder");
    ++checks;
    std::vector<fs::path> files;
    for (const fs::directory_entry& f : fs::directory_iterator(dir.path()))
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
  CHECK(checks == 8);
  CHECK(valid >= 5);
  MESSAGE("replayed " << inputs << " fuzz inputs of " << checks << " checks");
}

TEST_CASE("fuzz checks accept the shipped models (the fuzzers' seeds from models/)") {
  const std::string models = metacog::test::source_dir() + "/models/";
  const std::vector<uint8_t> learner = metacog::read_binary_file(models + "demo-learner.safetensors");
  CHECK(metacog::fuzz::check_learner_model(learner.data(), learner.size()));
  CHECK(metacog::fuzz::check_safetensors(learner.data(), learner.size()));
  const std::vector<uint8_t> protonet = metacog::read_binary_file(models + "omniglot-protonet.safetensors");
  CHECK(metacog::fuzz::check_conv4_model(protonet.data(), protonet.size()));
  CHECK_FALSE(metacog::fuzz::check_learner_model(protonet.data(), protonet.size()));  // a valid model of another kind
}

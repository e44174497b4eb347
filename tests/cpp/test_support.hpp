// Shared helpers for the doctest suites.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>

#include "metacog/error.hpp"
#include "metacog/item_bank.hpp"
#include "metacog/learner_session.hpp"
#include "metacog/safetensors.hpp"

namespace metacog::test {

/** The ErrorCode thrown by f; fails the test if f does not throw a metacog::Error. */
inline ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("expected a metacog::Error");
  return ErrorCode::Io;
}

/** The message of the metacog::Error thrown by f ("" if none). */
inline std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("expected a metacog::Error");
  return "";
}

/** Repository root (compiled in). */
inline std::string source_dir() { return METACOG_SOURCE_DIR; }

/** ../shared/data relative to the repository (override with METACOG_DATA). */
inline std::string data_dir() {
  if (const char* env = std::getenv("METACOG_DATA")) return env;
  return source_dir() + "/../shared/data";
}

inline bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

/** A fresh scratch path in the temp directory for `name` (kept last, so its extension stays): real files
 *  natively and through NODERAWFS in wasm, and not used by another suite running at the same time —
 *  `npm test` runs the native suite beside the wasm ones, and every wasm process has process id 42, so a
 *  random tag per process and a counter make it unique. The caller removes it. */
inline std::string scratch_path(const std::string& name) {
  static const unsigned tag = std::random_device{}();
  static unsigned counter = 0;
  return (std::filesystem::temp_directory_path() /
          ("metacog-" + std::to_string(tag) + "-" + std::to_string(counter++) + "-" + name))
      .string();
}

/** A fresh folder at a scratch_path, removed with the object. */
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag) : path(scratch_path(tag)) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return path.string(); }
};

/** The whole file as text ("" if it cannot be read). */
inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/** True under CI=true: missing shared data is then a failure, not a skip. */
inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

/**
 * Checks that a shared-data file exists. Returns false (with a printed message) when the data is
 * missing outside CI, so the caller can return early; fails the test under CI=true.
 */
inline bool require_data(const std::string& relative) {
  const std::string path = data_dir() + "/" + relative;
  if (file_exists(path)) return true;
  if (in_ci()) {
    FAIL("shared data missing under CI=true: " << path);
  } else {
    MESSAGE("SKIPPED: shared data not found: " << path << " (set METACOG_DATA or provide ../shared/data)");
  }
  return false;
}

/** The demo item bank (web/demo/item-bank.json), parsed once. */
inline const ItemBank& demo_bank() {
  static const ItemBank bank = [] {
    const std::string path = source_dir() + "/web/demo/item-bank.json";
    REQUIRE(file_exists(path));
    return ItemBank::parse(read_text(path));
  }();
  return bank;
}

/** The committed demo learner model (models/demo-learner.safetensors; it carries the knowledge filter), loaded once. */
inline std::shared_ptr<const LearnerModel> demo_learner_model() {
  static const std::shared_ptr<const LearnerModel> model = [] {
    const std::vector<uint8_t> bytes = read_binary_file(source_dir() + "/models/demo-learner.safetensors");
    return LearnerSession::load_model(bytes.data(), bytes.size());
  }();
  return model;
}

}  // namespace metacog::test

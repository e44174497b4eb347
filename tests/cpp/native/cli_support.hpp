// tests/cpp/native/cli_support.hpp — running build/metacog as a child process in the CLI tests.
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include "../test_support.hpp"

namespace metacog::test {

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

/** Runs build/metacog with `args` from the repository root (where ../shared/data is found), one thread. */
inline CliResult run_cli(const std::string& args) {
  const std::string cmd = "cd '" + source_dir() + "' && OMP_NUM_THREADS=1 '" + METACOG_CLI + "' " + args + " 2>&1";
  CliResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/** The command fails and its output says `why`. */
inline void check_refused(const std::string& args, const std::string& why) {
  const CliResult r = run_cli(args);
  CHECK(r.exit_code != 0);
  CHECK_MESSAGE(r.output.find(why) != std::string::npos, r.output);
}

/** A path in the temporary directory, unique to this process. */
inline std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("metacog-cli-" + std::to_string(::getpid()) + "-" + name);
}

}  // namespace metacog::test

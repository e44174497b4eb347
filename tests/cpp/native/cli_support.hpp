// tests/cpp/native/cli_support.hpp — running build/metacog as a child process in the CLI tests.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "../test_support.hpp"

namespace metacog::test {

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

/** The shell command running build/metacog with `args` from `cwd` — by default the repository root
 *  (where ../shared/data is found) —, one thread. */
inline std::string cli_command(const std::string& args, const std::string& cwd = source_dir()) {
  return "cd '" + cwd + "' && OMP_NUM_THREADS=1 exec '" + METACOG_CLI + "' " + args;
}

/** Runs cli_command(args, cwd) to its end. */
inline CliResult run_cli(const std::string& args, const std::string& cwd = source_dir()) {
  const std::string cmd = cli_command(args, cwd) + " 2>&1";
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

/**
 * Starts build/metacog with `args` like run_cli and waits until its output shows `marker`; then calls
 * `on_marker(pid)` and waits for it to finish. If it exits first (also just after the marker),
 * on_marker is not called; if `timeout_s` passes first, it gets SIGINT instead.
 */
template <class OnMarker>
CliResult run_cli_until(const std::string& args, const std::string& marker, OnMarker on_marker, double timeout_s = 120) {
  const std::string log = scratch_path("cli-until.log");
  const std::string cmd = cli_command(args) + " >'" + log + "' 2>&1";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto output = [&] {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  int status = 0;
  bool exited = false, seen = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline && !(seen = output().find(marker) != std::string::npos)) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (seen && ::waitpid(pid, &status, WNOHANG) == pid) exited = true;  // it ended with the marker
  if (!exited) {
    if (seen) {
      on_marker(pid);
    } else {
      ::kill(pid, SIGINT);
    }
    ::waitpid(pid, &status, 0);
  }
  CliResult r;
  r.output = output();
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::filesystem::remove(log);
  return r;
}

/** run_cli_until `marker`, then SIGINT, as Ctrl-C would. */
inline CliResult run_cli_interrupted(const std::string& args, const std::string& marker, double timeout_s = 120) {
  return run_cli_until(args, marker, [](pid_t pid) { ::kill(pid, SIGINT); }, timeout_s);
}

/** The command fails and its output says `why`. */
inline void check_refused(const std::string& args, const std::string& why) {
  const CliResult r = run_cli(args);
  CHECK(r.exit_code != 0);
  CHECK_MESSAGE(r.output.find(why) != std::string::npos, r.output);
}

/** The JSON object `train` or `eval` printed with --json (the last one starting with {"algo"). */
inline nlohmann::json printed_json(const CliResult& r) {
  const size_t at = r.output.rfind("{\"algo\"");
  REQUIRE_MESSAGE(at != std::string::npos, r.output);
  return nlohmann::json::parse(r.output.substr(at));
}

}  // namespace metacog::test

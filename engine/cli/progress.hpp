// engine/cli/progress.hpp — a progress bar with ETA on stderr, and Ctrl-C as a request to stop.
//
//     Progress bar("train", total);
//     for (...) { ...; bar.update(done, "loss 0.31 acc 0.92"); }
//     bar.finish();
// Redraws at most 5 times a second; on a non-terminal stderr it prints one line every 30 s.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace metacog::cli {

class Progress {
 public:
  Progress(std::string label, int64_t total, int64_t start = 0);
  void update(int64_t done, const std::string& status);
  void finish();
  double elapsed_seconds() const;

 private:
  std::string label_;
  int64_t total_, start_;
  std::chrono::steady_clock::time_point t0_, last_;
  bool tty_;
  bool drawn_ = false;
};

/** Installs SIGINT/SIGTERM handlers that set a flag instead of killing the process. */
void install_stop_handler();
/** True once Ctrl-C (or SIGTERM) was received. */
bool stop_requested();

}  // namespace metacog::cli

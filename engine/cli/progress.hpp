// engine/cli/progress.hpp — a progress bar with ETA on stderr, and Ctrl-C as a request to stop.
//
//     Progress bar("train", total);
//     for (...) { ...; bar.update(done, "loss 0.31 acc 0.92"); }
//     bar.finish();
//     Progress job("kt-train");            // no total: progress as a fraction of the whole job
//     job.update_fraction(0.42, "epoch 3");
// Redraws at most 5 times a second; on a non-terminal stderr it prints one line every 30 s.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace metacog::cli {

class Progress {
 public:
  Progress(std::string label, int64_t total, int64_t start = 0);
  /** A job measured as a fraction (shown in per cent). */
  explicit Progress(std::string label) : Progress(std::move(label), kFractionSteps) { percent_ = true; }
  void update(int64_t done, const std::string& status);
  /** fraction ∈ [0, 1] of the whole job. */
  void update_fraction(double fraction, const std::string& status);
  void finish();
  double elapsed_seconds() const;

 private:
  std::string label_;
  int64_t total_, start_;
  std::chrono::steady_clock::time_point t0_, last_;
  bool tty_;
  bool drawn_ = false;
  bool percent_ = false;
  static constexpr int64_t kFractionSteps = 10000;
};

/** Installs SIGINT/SIGTERM handlers: the first signal sets a flag instead of killing the process; a second one kills it. */
void install_stop_handler();
/** True once Ctrl-C (or SIGTERM) was received. */
bool stop_requested();

}  // namespace metacog::cli

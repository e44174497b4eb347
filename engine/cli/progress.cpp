#include "progress.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace metacog::cli {

namespace {
std::atomic<bool> g_stop{false};
// The first Ctrl-C asks the command to stop at its next checkpoint; a second one quits at once.
extern "C" void on_signal(int sig) {
  if (g_stop.exchange(true)) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

std::string format_duration(double s) {
  char buf[32];
  if (s < 0 || s > 1e7) return "?";
  const long t = static_cast<long>(s + 0.5);
  if (t >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  }
  return buf;
}
}  // namespace

void install_stop_handler() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool stop_requested() { return g_stop.load(); }

Progress::Progress(std::string label, int64_t total, int64_t start)
    : label_(std::move(label)), total_(total), start_(start), t0_(std::chrono::steady_clock::now()), last_(t0_),
      tty_(isatty(STDERR_FILENO) != 0) {}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

void Progress::update(int64_t done, const std::string& status) {
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (drawn_ && since < (tty_ ? 0.2 : 30.0) && done < total_) return;
  last_ = now;
  drawn_ = true;
  const double elapsed = elapsed_seconds();
  const double rate = done > start_ ? (done - start_) / elapsed : 0;
  const double eta = rate > 0 ? (total_ - done) / rate : -1;
  const int width = 24;
  const int filled = total_ > 0 ? static_cast<int>(width * static_cast<double>(done) / total_) : width;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(width, '.');
  char count[48];
  if (percent_) {
    std::snprintf(count, sizeof count, "%5.1f%%", 100.0 * static_cast<double>(done) / static_cast<double>(total_));
  } else {
    std::snprintf(count, sizeof count, "%lld/%lld", static_cast<long long>(done), static_cast<long long>(total_));
  }
  std::fprintf(stderr, "%s%s [%s] %s  %s  elapsed %s  ETA %s%s", tty_ ? "\r" : "", label_.c_str(), bar.c_str(), count,
               status.c_str(), format_duration(elapsed).c_str(), format_duration(eta).c_str(), tty_ ? "\x1b[K" : "\n");
  std::fflush(stderr);
}

void Progress::update_fraction(double fraction, const std::string& status) {
  const double f = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
  update(static_cast<int64_t>(f * static_cast<double>(total_) + 0.5), status);
}

void Progress::finish() {
  if (tty_ && drawn_) std::fprintf(stderr, "\n");
}

}  // namespace metacog::cli

#pragma once
// The sweep's progress on stderr: on a terminal one line redrawn about every 5 ms
// ("[3/7] fiber/... 40%  ETA 12s"), elsewhere a line per finished point. Only for sweeps of 5 s
// or more.

#include <fmt/format.h>

#include <cstdio>
#include <string>

namespace inflight::bench {

/// A throughput as the progress line shows it: no decimals from 100/s, one from 1/s, two
/// significant digits below (0.5/s is never "0/s").
inline std::string rate_text(double per_second) {
  if (per_second >= 100) return fmt::format("{:.0f}", per_second);
  if (per_second >= 1) return fmt::format("{:.1f}", per_second);
  return fmt::format("{:.2g}", per_second);
}

class progress_line {
 public:
  /// `points` points of `point_s` seconds each (warm-up and duration); `tty`: stderr is one.
  progress_line(std::size_t points, double point_s, bool tty)
      : points_(points),
        point_s_(point_s),
        tty_(tty),
        shown_(point_s * static_cast<double>(points) >= 5) {}

  /// Point `name` (the next one) is `fraction` done.
  void tick(const std::string& name, double fraction) const {
    if (!shown_ || !tty_) return;
    const double left = point_s_ * (static_cast<double>(points_ - done_) - fraction);
    std::fprintf(stderr, "\r\033[K[%zu/%zu] %s %3.0f%%  ETA %.0fs", done_ + 1, points_,
                 name.c_str(), fraction * 100, left);
  }
  /// Clears the redrawn line, before another line goes to stderr.
  void clear() const {
    if (shown_ && tty_) std::fprintf(stderr, "\r\033[K");
  }
  /// A point ended without figures.
  void failed() { ++done_; }
  /// Point `name` ended with its throughput and p99.
  void finished(const std::string& name, double throughput, double p99_us) {
    ++done_;
    if (!shown_) return;
    clear();
    if (!tty_ || done_ == points_) {
      std::fprintf(stderr, "[%zu/%zu] %s: %s/s, p99 %.0f us\n", done_, points_, name.c_str(),
                   rate_text(throughput).c_str(), p99_us);
    }
  }

 private:
  std::size_t points_;
  double point_s_;
  bool tty_, shown_;
  std::size_t done_ = 0;
};

}  // namespace inflight::bench

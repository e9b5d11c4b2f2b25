#pragma once
// An open-loop point second by second: for each second of the window, the rate its schedule
// offered, the arrivals that came in it, how many were throttled, and how the others went (their
// count, failures, p50 and p99). It shows what a ramp or a step does over time.
//
// The latencies of each second go into a coarse histogram of their own (1/64 resolution, 1.6%,
// about 10 KB), made when its second first records: the point's latency_histogram keeps 0.1% for
// the whole window, and a second of a one-hour window cannot afford its 260 KB.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "point/spec.hpp"

namespace inflight::bench {

namespace detail {

// The second of the window that `t` falls in; `t` must be at or after `window_start`.
inline std::size_t second_index(steady::time_point t, steady::time_point window_start) {
  return static_cast<std::size_t>((t - window_start) / std::chrono::seconds(1));
}

// The arrivals the point's rate profile schedules between `a` and `b` seconds from the window's
// start: the integral of its rate.
inline double scheduled_arrivals(const point_spec& spec, double a, double b) {
  if (spec.stages.empty()) return spec.rate * (b - a);
  double total = 0, t0 = 0;
  for (const auto& s : spec.stages) {
    const double len = std::chrono::duration<double>(s.length).count();
    const double lo = std::max(a, t0), hi = std::min(b, t0 + len);
    if (hi > lo) {
      auto rate = [&](double t) { return s.from + (s.to - s.from) * (t - t0) / len; };
      total += (rate(lo) + rate(hi)) / 2 * (hi - lo);
    }
    t0 += len;
  }
  return total;
}

// A log-linear histogram of nanosecond latencies: 64 linear sub-buckets per power of two, so a
// percentile is within 1/64 of the value; values past 2^42 ns (73 min) count as 2^42.
class coarse_histogram {
 public:
  void record(std::uint64_t ns) {
    ++counts_[index(std::min<std::uint64_t>(ns, top))];
    ++count_;
  }
  std::uint64_t count() const { return count_; }
  // The value at percentile q (nearest rank): the middle of its bucket; 0 when empty.
  std::uint64_t percentile(double q) const {
    if (count_ == 0) return 0;
    const auto rank =
        static_cast<std::uint64_t>(std::max(1.0, std::ceil(q / 100 * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return middle(i);
    }
    return middle(buckets - 1);
  }

 private:
  static constexpr std::uint64_t sub = 64;
  static constexpr std::uint64_t top = std::uint64_t{1} << 42;
  static constexpr std::size_t buckets = (42 - 6 + 1) * sub + sub;
  // Values below 64 have a bucket each; above, octave k (2^k..2^(k+1)) has 64 of width 2^(k-6).
  static std::size_t index(std::uint64_t v) {
    if (v < sub) return static_cast<std::size_t>(v);
    const int k = 63 - __builtin_clzll(v);
    return static_cast<std::size_t>((k - 5) * sub + ((v >> (k - 6)) - sub));
  }
  static std::uint64_t middle(std::size_t i) {
    if (i < sub) return i;
    const std::uint64_t k = i / sub + 5, s = i % sub;
    const std::uint64_t width = std::uint64_t{1} << (k - 6);
    return (sub + s) * width + width / 2;
  }
  std::array<std::uint32_t, buckets> counts_{};
  std::uint64_t count_ = 0;
};

// The latencies and failures of each second, from every slot (flushed under its mutex).
class second_latencies {
 public:
  explicit second_latencies(std::chrono::nanoseconds window)
      : seconds_(static_cast<std::size_t>(
            (window + std::chrono::seconds(1) - std::chrono::nanoseconds(1)) /
            std::chrono::seconds(1))) {}
  std::size_t size() const { return seconds_.size(); }

  // Records `n` latencies, latencies[i] in second bins[i]; bins past the window are dropped.
  void record(const std::uint64_t* latencies, const std::uint32_t* bins, std::size_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = 0; i < n; ++i) {
      if (bins[i] >= seconds_.size()) continue;
      auto& h = seconds_[bins[i]].latency;
      if (!h) h = std::make_unique<coarse_histogram>();
      h->record(latencies[i]);
    }
  }
  void failed(std::size_t bin) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (bin < seconds_.size()) ++seconds_[bin].failed;
  }

  // Writes each second's completions, failures and percentiles into `out`, sized to the window,
  // with the schedule's offered rate of `spec` over a window of `window`.
  void collect(const point_spec& spec, std::chrono::nanoseconds window,
               std::vector<second_figures>& out) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (out.size() < seconds_.size()) out.resize(seconds_.size());
    const double end = std::chrono::duration<double>(window).count();
    for (std::size_t k = 0; k < seconds_.size(); ++k) {
      second_figures& f = out[k];
      f.start_s = static_cast<double>(k);
      f.length_s = std::min(1.0, end - f.start_s);
      f.offered_per_s = scheduled_arrivals(spec, f.start_s, f.start_s + f.length_s) / f.length_s;
      f.failed = seconds_[k].failed;
      if (const auto& h = seconds_[k].latency) {
        f.completed = h->count();
        f.p50_us = static_cast<double>(h->percentile(50)) / 1e3;
        f.p99_us = static_cast<double>(h->percentile(99)) / 1e3;
      }
    }
  }

 private:
  struct second {
    std::unique_ptr<coarse_histogram> latency;
    std::uint64_t failed = 0;
  };
  mutable std::mutex mutex_;
  std::vector<second> seconds_;
};

// Counts one arrival (throttled or not) of second `bin` in `seconds`, growing it as needed.
inline void count_arrival(std::vector<second_figures>& seconds, std::size_t bin, bool throttled) {
  if (bin >= seconds.size()) seconds.resize(bin + 1);
  ++seconds[bin].arrivals;
  if (throttled) ++seconds[bin].throttled;
}

// Adds the arrival counts of `from` into `to`.
inline void add_arrivals(const std::vector<second_figures>& from, std::vector<second_figures>& to) {
  if (to.size() < from.size()) to.resize(from.size());
  for (std::size_t k = 0; k < from.size(); ++k) {
    to[k].arrivals += from[k].arrivals;
    to[k].throttled += from[k].throttled;
  }
}

}  // namespace detail

}  // namespace inflight::bench

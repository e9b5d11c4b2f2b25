#pragma once
// The open loop's arrival times, one schedule for every subject: the models' generators
// (open_loop.hpp, worker_open_loop.hpp) and the exec point's Runtime API server
// (bench/exec/exec_driver.hpp) draw the same times from the same seed.
//
// A schedule may be one of several independent streams that share the point's rate (each
// dispatcher worker generates its own, as wrk2's threads do): a sum of independent Poisson streams
// at rate/S each is a Poisson stream at the rate. The rate may change over the window
// (point_spec::stages): arrivals then follow the rate's integral, so that the count due in any
// stretch of time is the integral of the rate over it.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "point/spec.hpp"

namespace inflight::bench {

/// Arrivals from `start` on the point's rate profile: gaps of one unit of the rate's integral
/// (uniform) or exponentially distributed ones (Poisson), drawn from a generator seeded by
/// `spec.seed` and the stream. The warm-up runs at the first stage's rate (or spec.rate); past
/// the last stage the last rate holds. Times at or past `end` mean the schedule is over.
class arrival_schedule {
 public:
  /// Stream `stream` of `streams` (0 of 1: the whole rate). Requires stream < streams.
  arrival_schedule(const point_spec& spec, steady::time_point start, steady::time_point end,
                   std::size_t stream = 0, std::size_t streams = 1)
      : rng_(spec.seed ^ 0x9e3779b97f4a7c15ull ^ (0xbf58476d1ce4e5b9ull * stream)),
        poisson_(spec.arrivals == arrival_process::poisson),
        start_(start),
        end_(end) {
    const double share = 1.0 / static_cast<double>(streams);
    const double warmup = seconds(spec.warmup);
    const double first = spec.stages.empty() ? spec.rate : spec.stages.front().from;
    if (warmup > 0) segments_.push_back({0, warmup, first * share, first * share});
    double t = warmup;
    if (spec.stages.empty()) {
      segments_.push_back({t, seconds(end - start) - t, spec.rate * share, spec.rate * share});
    } else {
      for (const auto& s : spec.stages) {
        segments_.push_back({t, seconds(s.length), s.from * share, s.to * share});
        t += seconds(s.length);
      }
      const double last = spec.stages.back().to * share;
      if (t < seconds(end - start)) segments_.push_back({t, seconds(end - start) - t, last, last});
    }
  }

  /// The next arrival's due time; at or past end() once the schedule is over.
  steady::time_point next() {
    double need = poisson_ ? unit_(rng_) : 1.0;  // in arrivals: the rate's integral to cover
    while (segment_ < segments_.size()) {
      const segment& s = segments_[segment_];
      const double x0 = at_ - s.begin;
      const double rate0 = s.rate_at(x0);
      const double left = s.length - x0;
      const double mass = left * (rate0 + s.rate_at(s.length)) / 2;  // the integral to its end
      if (need < mass) {
        // Solve rate0*x + slope/2*x^2 = need in its stable form (no cancellation for any slope).
        const double slope = s.slope();
        const double x =
            2 * need / (rate0 + std::sqrt(std::max(0.0, rate0 * rate0 + 2 * slope * need)));
        at_ = s.begin + x0 + std::min(x, left);
        return start_ +
               std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(at_));
      }
      need -= mass;
      ++segment_;
      if (segment_ < segments_.size()) at_ = segments_[segment_].begin;
    }
    return end_;
  }
  steady::time_point end() const { return end_; }

 private:
  // A stretch of the schedule, in seconds from its start, whose rate goes linearly from `from` to
  // `to` (per second, this stream's share).
  struct segment {
    double begin, length, from, to;
    double slope() const { return length > 0 ? (to - from) / length : 0; }
    double rate_at(double x) const { return from + slope() * x; }
  };
  static double seconds(steady::duration d) { return std::chrono::duration<double>(d).count(); }

  std::mt19937_64 rng_;
  std::exponential_distribution<double> unit_{1.0};
  bool poisson_;
  steady::time_point start_, end_;
  std::vector<segment> segments_;
  std::size_t segment_ = 0;
  double at_ = 0;  // seconds from start_ of the last arrival
};

}  // namespace inflight::bench

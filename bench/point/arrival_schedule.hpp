#pragma once
// The open loop's arrival times, one schedule for every subject: the models' generator
// (open_loop.hpp) and the exec point's Runtime API server (bench/exec/exec_subject.hpp) draw the
// same times from the same seed.

#include <algorithm>
#include <chrono>
#include <random>

#include "point/spec.hpp"

namespace inflight::bench {

/// Arrivals from `start` at `spec.rate` per second: gaps of 1/rate (uniform) or exponentially
/// distributed (Poisson), from a generator seeded by `spec.seed`. Times past `end` mean the
/// schedule is over.
class arrival_schedule {
 public:
  arrival_schedule(const point_spec& spec, steady::time_point start, steady::time_point end)
      : rng_(spec.seed ^ 0x9e3779b97f4a7c15ull),
        gap_(spec.rate),
        mean_gap_(1.0 / spec.rate),
        poisson_(spec.arrivals == arrival_process::poisson),
        due_(start),
        end_(end) {}

  /// The next arrival's due time; at or past end() once the schedule is over.
  steady::time_point next() {
    // A gap past the end ends the schedule; capping it there keeps the sum in range.
    const double left = std::chrono::duration<double>(end_ - due_).count();
    const double g = poisson_ ? gap_(rng_) : mean_gap_;
    due_ += std::chrono::duration_cast<steady::duration>(
        std::chrono::duration<double>(std::min(g, left + 1)));
    return due_;
  }
  steady::time_point end() const { return end_; }

 private:
  std::mt19937_64 rng_;
  std::exponential_distribution<double> gap_;
  double mean_gap_;
  bool poisson_;
  steady::time_point due_, end_;
};

}  // namespace inflight::bench

#pragma once
// What inflight_overhead's benchmarks hand its summary: each figure the targets are held against,
// by name. A figure whose benchmark did not run (--benchmark_filter) is absent.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>

namespace inflight::bench::overhead {

/// The wait every group measures: 2 ms, an IO wait as LMI handlers see it.
inline constexpr std::chrono::nanoseconds wait_time = std::chrono::milliseconds(2);

/// An overshoot's percentiles over the floor's, measured in alternating blocks.
struct overshoot_ratio {
  double p50_vs_floor = 0, p99_vs_floor = 0;
};

struct overhead_results {
  /// inflight's io_wait against the floor, by waiters per worker (1, 64).
  std::map<int, overshoot_ratio> io_wait_overshoot;
  /// Closed-loop throughput over C / (W + floor mean), by concurrency per vCPU.
  std::map<std::size_t, double> littles_efficiency;
  /// An empty handler's ns per invocation, by slots per worker (1, 8, 64).
  std::map<std::size_t, double> empty_handler_ns;
  std::optional<double> yield_handler_ns;  // a handler that yields once, 2 slots
  std::optional<double> bare_yield_ns;     // a fiber switch alone
  /// A fiber started per call, ns per call, by batch size (1, 64).
  std::map<int, double> fiber_per_call_ns;
  /// RSS growth per slot at 1024 in flight.
  std::optional<double> slot_bytes, thread_bytes;
};

}  // namespace inflight::bench::overhead

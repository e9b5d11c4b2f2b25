#pragma once
// inflight_overhead's summary: each target beside the figure this run measured, and whether it
// was met. The targets are the project's claims for the primitives (README, "Design points"),
// held against ratios taken in the same run, never absolute times.

#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "overhead/results.hpp"

namespace inflight::bench::overhead {

/// The targets; each says what it bounds.
struct overhead_targets {
  double io_wait_p50_vs_floor = 1.1;  // io_wait's p50 overshoot, at most this x the floor's
  double io_wait_p99_vs_floor = 1.5;  // and its p99
  double littles_efficiency = 0.99;   // the worst closed-loop point, at least this
  double empty_handler_ns = 10;       // at LMI's default 64 slots per worker, at most
  double yield_vs_bare = 1.1;         // a yielding handler over a bare fiber switch, at most
  double fiber_per_call_vs_empty =
      20;  // a fiber per call (batch 64) over an empty slot call, at least
  double slot_vs_thread_memory = 1.0;  // a slot's memory over a thread's, at most
};

namespace detail {
inline void print_row(const std::string& what, double figure, const char* op, double target,
                      const std::string& note = "") {
  const bool met = std::string(op) == "<=" ? figure <= target : figure >= target;
  std::printf("  %-58s %8.3f  (%starget %s %.2f: %s)\n", what.c_str(), figure, note.c_str(), op,
              target, met ? "met" : "MISSED");
}
}  // namespace detail

/// Prints each figure of `r` that was measured beside its target in `t`.
inline void print_summary(const overhead_results& r, const overhead_targets& t = {}) {
  std::printf("\nRatios measured in this run (ours / baseline):\n");
  for (const auto& [waiters, o] : r.io_wait_overshoot) {
    detail::print_row(fmt::format("io_wait p50 overshoot / floor p50, {} per worker", waiters),
                      o.p50_vs_floor, "<=", t.io_wait_p50_vs_floor);
    detail::print_row(fmt::format("io_wait p99 overshoot / floor p99, {} per worker", waiters),
                      o.p99_vs_floor, "<=", t.io_wait_p99_vs_floor);
  }
  if (!r.littles_efficiency.empty()) {
    auto worst = r.littles_efficiency.begin();
    for (auto it = worst; it != r.littles_efficiency.end(); ++it) {
      if (it->second < worst->second) worst = it;
    }
    detail::print_row("Little's-law efficiency vs C/(W+floor_mean), worst point", worst->second,
                      ">=", t.littles_efficiency, fmt::format("at {} per vCPU; ", worst->first));
  }
  for (const auto& [slots, ns] : r.empty_handler_ns) {
    const std::string what = fmt::format("empty-handler ns per invocation, {} slots/worker", slots);
    // The target holds at LMI's default 64 per vCPU; fewer slots are shown beside it.
    if (slots == 64) {
      detail::print_row(what, ns, "<=", t.empty_handler_ns);
    } else {
      std::printf("  %-58s %8.3f\n", what.c_str(), ns);
    }
  }
  if (r.yield_handler_ns && r.bare_yield_ns && *r.bare_yield_ns > 0) {
    detail::print_row("yield handler / bare yield switch", *r.yield_handler_ns / *r.bare_yield_ns,
                      "<=", t.yield_vs_bare);
  }
  const auto batch64 = r.fiber_per_call_ns.find(64);
  const auto empty1 = r.empty_handler_ns.find(1);
  if (batch64 != r.fiber_per_call_ns.end() && empty1 != r.empty_handler_ns.end() &&
      empty1->second > 0) {
    detail::print_row("fiber-per-call (batch 64) / inflight empty handler",
                      batch64->second / empty1->second, ">=", t.fiber_per_call_vs_empty);
  }
  if (r.slot_bytes && r.thread_bytes && *r.thread_bytes > 0) {
    detail::print_row("memory per slot: inflight / thread per slot",
                      *r.slot_bytes / *r.thread_bytes, "<=", t.slot_vs_thread_memory);
  }
}

}  // namespace inflight::bench::overhead

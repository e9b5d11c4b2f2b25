#pragma once
// The point runner: it owns what every point shares, as Google Benchmark's runner does for its
// benchmarks. It probes the timer floor before and after, starts the subject, holds the warm-up
// and the window (the CPU readings at both ends, the occupancy samples, the progress ticks), then
// stops the subject and gathers the counts. A subject only runs slots.
//
// Data path: run_point -> subject.start (slots invoke the handler, or a real runtime answers the
// Runtime API) -> the window -> subject.stop -> point_context.collect -> point_result.

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>

#include "inflight/io_wait.hpp"  // measure_timer_floor
#include "inflight/topology.hpp"
#include "point/context.hpp"
#include "point/spec.hpp"
#include "support/cpu_accounting.hpp"
#include "support/measure.hpp"

namespace inflight::bench {

/// What a point runs: one of the runtime models (bench/models/) or the user's runtime
/// (bench/exec/). The runner calls start(), holds the window, then stop().
class subject {
 public:
  virtual ~subject() = default;
  /// Latency shards the slots flush into: one per writer that never contends, else more.
  virtual std::size_t shards(const point_spec& spec) const = 0;
  /// Starts the slots (and an open loop's arrivals) against `ctx`, recording in `r` what it
  /// started. Throws std::runtime_error (or std::system_error) when it cannot, after ending
  /// whatever it did start.
  virtual void start(detail::point_context& ctx, point_result& r) = 0;
  /// Slots in use now; sampled every 5 ms of an open-loop window for the mean occupancy.
  virtual double occupancy() const { return 0; }
  /// True when the point cannot go on (an exec point's runtime died): the window ends early.
  virtual bool failing() { return false; }
  /// Run right after the runner's own readings at the window's start and at its end.
  virtual void window_opened(point_result&) {}
  virtual void window_closed(point_result&) {}
  /// Ends the slots and writes the subject's own figures into `r`. Throws std::runtime_error when
  /// the point failed (an exec point's runtime died during it), after ending its slots: nothing
  /// may touch the context once start() or stop() has thrown.
  virtual void stop(point_result& r) = 0;
};

namespace detail {

// The timer floor's p99 over 200 waits of 100 us (20 ms).
inline double floor_probe_us() {
  return to_us(measure_timer_floor(std::chrono::microseconds(100), 200).p99);
}

// Holds the warm-up and the window, reading at both ends the invocation threads' CPU, the
// process's, every other process's, and /proc/stat's steal for the point's CPUs; every 5 ms it
// samples the subject's occupancy (open loop) and tells `tick` the fraction of the point done.
inline void hold_window(point_context& ctx, point_result& r, subject& s,
                        const progress_callback& tick) {
  const bool open = ctx.spec.mode == loop_mode::open;
  std::size_t samples = 0;
  auto sleep_until_or_tick = [&](steady::time_point until) {
    while (steady::now() < until) {
      if (s.failing()) return;
      std::this_thread::sleep_until(std::min(until, steady::now() + std::chrono::milliseconds(5)));
      if (open && ctx.in_window(steady::now())) {
        r.mean_occupancy += s.occupancy();
        ++samples;
      }
      if (tick) {
        const double total = std::chrono::duration<double>(ctx.window_end - ctx.start).count();
        tick(std::min(1.0,
                      std::chrono::duration<double>(steady::now() - ctx.start).count() / total));
      }
    }
  };
  sleep_until_or_tick(ctx.window_start);
  const auto cpu0 = process_cpu_time();
  const double steal0 = read_steal_seconds(ctx.spec.cpus);
  const auto others0 = other_processes_cpu(ctx.runtime_group);
  ctx.mark_thread_cpu();
  s.window_opened(r);
  sleep_until_or_tick(ctx.window_end);
  const auto cpu1 = process_cpu_time();
  const double steal1 = read_steal_seconds(ctx.spec.cpus);
  s.window_closed(r);
  const auto others1 = other_processes_cpu(ctx.runtime_group);
  r.others_cpu_seconds = others0 && others1
                             ? cpu_used_between(*others0, *others1, ctx.spec.cpus)
                             : std::numeric_limits<double>::quiet_NaN();  // /proc unreadable
  r.thread_cpu_seconds = ctx.thread_cpu_since_mark();
  r.window_s = std::chrono::duration<double>(ctx.window_end - ctx.window_start).count();
  r.process_cpu_seconds = std::chrono::duration<double>(cpu1 - cpu0).count();
  r.steal_seconds = steal1 - steal0;
  if (samples != 0) r.mean_occupancy /= static_cast<double>(samples);
}

}  // namespace detail

/// Runs one point of subject `s` at `spec`, every in-process invocation calling `handler` (an
/// exec point runs none), between two timer-floor probes: the lower p99 of the two is kept, so a
/// floor that stayed up across the point is interference its figures carry, while one hiccup in a
/// probe is not. `tick` (optional) hears the fraction done. Throws what `s` throws.
inline point_result run_point(const point_spec& spec, subject& s, const point_handler& handler,
                              const progress_callback& tick = {}) {
  point_result r;
  r.per_vcpu = spec.per_vcpu;
  r.vcpus = spec.vcpus;
  r.in_flight = spec.in_flight();
  r.cpus = spec.pinned()              ? spec.cpus.size()
           : spec.usable_cpus.empty() ? detect_vcpus().cpus.size()
                                      : spec.usable_cpus.size();
  const double before = detail::floor_probe_us();
  {
    detail::point_context ctx(spec, handler, s.shards(spec));
    s.start(ctx, r);
    try {
      detail::hold_window(ctx, r, s, tick);
    } catch (...) {
      try {
        s.stop(r);  // the slots end before the context they run against
      } catch (...) {
      }
      throw;
    }
    s.stop(r);
    ctx.collect(r);
  }
  r.floor_p99_us = std::min(before, detail::floor_probe_us());
  return r;
}

}  // namespace inflight::bench

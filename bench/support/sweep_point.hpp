#pragma once
// From inflight_sweep's flags to one point: the point_spec at a per-vCPU concurrency, the
// synthetic handler (io_wait, then cpu_work, drawn from the flags' distributions), and the
// Little's-law ideal that the point's efficiency is measured against.

#include <algorithm>
#include <chrono>
#include <random>

#include "inflight/cpu_work.hpp"
#include "inflight/io_wait.hpp"
#include "inflight/topology.hpp"
#include "models/models.hpp"
#include "support/point.hpp"
#include "support/sweep_options.hpp"

namespace inflight::bench {

/// The point of the sweep at `per_vcpu`.
inline point_spec spec_for(const sweep_options& o, std::size_t per_vcpu) {
  point_spec s;
  s.vcpus = o.vcpus;
  s.per_vcpu = per_vcpu;
  if (o.pin) {
    const auto cpus = detect_vcpus().cpus;
    s.cpus.assign(cpus.begin(), cpus.begin() + static_cast<std::ptrdiff_t>(o.vcpus));
  }
  s.mode = o.mode;
  s.rate = o.rate;
  s.arrivals = o.arrivals;
  s.warmup = o.warmup;
  s.duration = o.duration;
  s.seed = o.seed;
  s.exec = o.exec;
  s.stop_requested = o.stop_requested;
  return s;
}

/// The synthetic handler: wait on simulated IO, then burn CPU, each drawn per invocation.
inline point_handler synthetic_handler(const sweep_options& o) {
  return [io = o.io_wait, cpu = o.cpu_work](std::mt19937_64& rng) {
    io_wait(io(rng));
    cpu_work(cpu(rng));
  };
}

namespace detail {
// Runs `point` between two timer-floor probes (200 waits of 100 us each, 20 ms) and keeps the
// lower of the two p99s: a floor that stayed up across the point is interference its figures
// carry, while one hiccup in a probe (seen on a quiet VM) is not.
template <class Point>
point_result between_floor_probes(Point&& point) {
  const auto probe = [] {
    return to_us(measure_timer_floor(std::chrono::microseconds(100), 200).p99);
  };
  const double before = probe();
  point_result r = point();
  r.floor_p99_us = std::min(before, probe());
  return r;
}
}  // namespace detail

/// Runs the sweep's point of model `m` at `per_vcpu` with the synthetic handler (see run_point),
/// between timer-floor probes.
inline point_result run_point(const sweep_options& o, model m, std::size_t per_vcpu,
                              const progress& tick = {}) {
  return detail::between_floor_probes(
      [&] { return run_point(spec_for(o, per_vcpu), m, synthetic_handler(o), tick); });
}

/// Runs the sweep's exec point at `per_vcpu` (see run_exec_point), between timer-floor probes.
inline point_result run_exec_point(const sweep_options& o, std::size_t per_vcpu,
                                   const progress& tick = {}) {
  return detail::between_floor_probes([&] { return run_exec_point(spec_for(o, per_vcpu), tick); });
}

/// Per-invocation ideal from Little's law: C / (W + c), capped by vCPUs / c; 0 when undefined.
inline double littles_ideal(const sweep_options& o, std::size_t in_flight, std::size_t vcpus) {
  const double w = std::chrono::duration<double>(o.io_wait.mean()).count();
  const double c = std::chrono::duration<double>(o.cpu_work.mean()).count();
  if (w + c <= 0) return 0;
  double ideal = static_cast<double>(in_flight) / (w + c);
  if (c > 0) ideal = std::min(ideal, static_cast<double>(vcpus) / c);
  if (o.mode == loop_mode::open) ideal = std::min(ideal, o.rate);
  return ideal;
}

}  // namespace inflight::bench

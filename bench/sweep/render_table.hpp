#pragma once
// The terminal table printed at the end of a sweep, with its legend: one row per point, then
// the repetitions' spread, the exec points' runtime figures, interference and what failed.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "inflight/io_wait.hpp"  // timer_floor
#include "support/measure.hpp"
#include "sweep/plan.hpp"
#include "sweep/render_isolation.hpp"
#include "sweep/rows.hpp"

namespace inflight::bench {

/// The terminal table shown at the end of a sweep, with its legend.
inline std::string format_table(const sweep_description& d, const std::vector<point_row>& rows,
                                const timer_floor& floor,
                                const std::vector<failed_point>& failures = {}) {
  std::string not_measured;
  for (const auto& f : failures) {
    not_measured += fmt::format("x {}: not measured: {}\n", f.name, f.reason);
  }
  if (rows.empty()) return "\nNo point finished.\n" + not_measured;
  const bool open = d.open();
  // The first column fits the longest subject (an exec label can be 69 characters).
  std::size_t w = 7;
  for (const auto& r : rows) w = std::max(w, r.model.size());
  const bool models = std::any_of(rows.begin(), rows.end(), [](const auto& r) { return !r.exec; });
  const bool execs = std::any_of(rows.begin(), rows.end(), [](const auto& r) { return r.exec; });
  std::string out = fmt::format(
      "\ninflight sweep on {} vCPUs{}: {}; timer floor p50 {:.1f} us, p99 {:.1f} us\n", d.vcpus,
      d.pinned ? " (pinned)" : "", profile_name(d), to_us(floor.p50), to_us(floor.p99));
  out += fmt::format("{:<{}} {:>9} {:>6} {:>12} {:>11} {:>9} {:>9} {:>9} {:>9} {:>6} {:>6} {:>7}",
                     "model", w, "per_vCPU", "C", "throughput/s", "per_vCPU/s", "p50_ms", "p99_ms",
                     "p99.9_ms", "max_ms", "CPU%", "eff", "little");
  out += open ? fmt::format(" {:>9} {:>9} {:>10}\n", "throttled", "failed", "lag_p99_ms")
              : fmt::format(" {:>6}\n", "failed");
  bool flagged = false, thin = false, lagging = false;
  for (const auto& r : rows) {
    const bool off = std::abs(r.littles_law_check - 1) > 0.05;
    flagged = flagged || off;
    auto pct = [&](double value_us, double q) {
      if (enough_samples(r.samples, q)) return fmt::format("{:.3f}", value_us / 1e3);
      thin = true;
      return std::string("n/a");
    };
    out += fmt::format(
        "{:<{}} {:>8}{} {:>6} {:>12.1f} {:>11.1f} {:>9} {:>9} {:>9} {:>9.3f} {:>6} {:>6} "
        "{:>6.3f}{}",
        r.model, w, r.per_vcpu, r.default_cap ? "*" : " ", r.in_flight, r.throughput,
        r.throughput_per_vcpu, pct(r.p50_us, 50), pct(r.p99_us, 99), pct(r.p999_us, 99.9),
        r.max_us / 1e3, figure(r.cpu_util * 100, 1),
        r.efficiency > 0 ? fmt::format("{:.3f}", r.efficiency) : "n/a", r.littles_law_check,
        off ? "!" : (r.interference.empty() ? " " : "~"));
    lagging = lagging || r.lagging;
    out += open ? fmt::format(" {:>9} {:>9} {:>9.3f}{}\n", r.throttled, r.failed,
                              r.arrival_lag_p99_us / 1e3, r.lagging ? "!" : " ")
                : fmt::format(" {:>6}\n", r.failed);
  }
  if (std::any_of(rows.begin(), rows.end(), [](const auto& r) { return r.default_cap; })) {
    out += "* the model's default PerExecutionEnvironmentMaxConcurrency per vCPU.\n";
  }
  out +=
      "C: invocations in flight (per_vCPU x vCPUs). Latencies are per invocation, measured by "
      "inflight";
  out += open     ? " from each arrival's scheduled time (open loop, no coordinated omission)"
         : models ? " from start to completion (closed loop: the tail is understated)"
                  : " from each invocation's availability to its response (closed loop: the "
                    "tail is understated)";
  out += open && execs && !models ? ", to its response.\n" : ".\n";
  out += "eff: throughput / Little's-law ideal (C / (W + c), capped by vCPUs / c";
  out += open ? " and by the arrival rate).\n" : ").\n";
  out += "little: throughput x mean latency / in-flight";
  out += open ? " (mean slots in use); about 1 when the figures agree.\n"
              : "; about 1 when the figures agree.\n";
  if (flagged) {
    out +=
        "! Little's law is off by more than 5% at these points: latency or throughput was not "
        "measured over the same invocations (too short a --duration, or a stalled slot).\n";
  }
  if (thin) {
    out +=
        "n/a: too few samples for that percentile (it needs 10 beyond it: p50 20, p99 1000, "
        "p99.9 10000); a longer --duration gives more.\n";
  }
  if (open) {
    out +=
        "lag_p99_ms: how late the arrival generator issued arrivals (p99); latencies count from "
        "the scheduled time either way.\n";
  }
  if (lagging) {
    out +=
        "! The arrival generator fell behind at these points (lag p99 above 1.5x the timer floor's "
        "p99, or 50 us): their offered load was not the schedule's; lower --rate.\n";
  }
  if (std::any_of(rows.begin(), rows.end(), [](const point_row& r) { return r.repetitions > 1; })) {
    out += fmt::format("\nRepetitions: each row above is the median repetition by throughput.\n");
    out += fmt::format("{:<{}} {:>8} {:>5} {:>25} {:>7} {:>21}\n", "model", w, "per_vCPU", "reps",
                       "throughput/s min-max", "CV", "p99_ms min-max");
    for (const auto& r : rows) {
      const bool p99 = enough_samples(r.samples, 99);
      out += fmt::format("{:<{}} {:>8} {:>5} {:>25} {:>6.1f}%{} {:>21}\n", r.model, w, r.per_vcpu,
                         r.repetitions,
                         fmt::format("{:.1f}-{:.1f}", r.throughput_min, r.throughput_max),
                         r.throughput_cv * 100, r.throughput_cv > 0.05 ? "!" : " ",
                         p99 ? fmt::format("{:.3f}-{:.3f}", r.p99_min_us / 1e3, r.p99_max_us / 1e3)
                             : std::string("n/a"));
    }
    out += "CV: coefficient of variation of throughput over the repetitions; ! above 5%.\n";
  }
  if (models) {
    out +=
        "The models run the handler on each runtime's thread layout but exclude the runtime's own "
        "CPU per invocation (the real Node.js client spends 400-900 us); --exec measures your "
        "function in its real runtime.\n";
  }
  if (execs) {
    out += "\nThe runtime at each exec point";
    if (d.exec && !d.exec->runtime_exe.empty()) {
      out += fmt::format(": {}{}, found by {}", d.exec->runtime_exe,
                         d.exec->runtime_version.empty() ? "" : " " + d.exec->runtime_version,
                         d.exec->runtime_found);
    }
    out += fmt::format(
        ":\n{:<{}} {:>8} {:>8} {:>11} {:>7} {:>8} {:>10} {:>9} "
        "{:>9} {:>7} {:>9} {:>8} {:>6}\n",
        "runtime", std::max<std::size_t>(16, w), "per_vCPU", "init_ms", "runtime_us", "idle%",
        "net_us", "server_us", "rss_MB", "slot_KB", "errors", "overruns", "timeouts", "leaks");
    bool shared = false;
    for (const auto& r : rows) {
      if (!r.exec) continue;
      shared = shared || r.server_shares_cpus;
      out += fmt::format(
          "{:<{}} {:>8} {:>8.1f} {:>11} {:>7} {:>8} {:>10.1f} {:>9} {:>9} {:>7} "
          "{:>9} {:>8} {:>6}\n",
          r.model, std::max<std::size_t>(16, w), r.per_vcpu, r.init_ms,
          figure(r.runtime_cpu_us_per_call, 1), figure(r.runtime_idle_cpu_pct, 1),
          figure(r.runtime_net_cpu_us_per_call, 1), r.server_cpu_us_per_call,
          figure(r.rss_peak_mb, 1), figure(r.rss_per_slot_kb, 1), r.errors, r.deadline_overruns,
          r.timeouts, leaks_cell(r));
    }
    for (const auto& r : rows) {
      // The runtime that ran is not the one the command names: say so plainly.
      if (r.other_runtime) {
        out += fmt::format(
            "! {} per_vCPU {} ran {}, not {} ({}); --env=PATH= chooses what a '#!/usr/bin/env' "
            "line finds\n",
            r.model, r.per_vcpu, r.runtime_exe, d.exec->runtime_exe, d.exec->runtime_found);
      }
    }
    for (const auto& r : rows) {
      if (r.exec && r.runtime_workers > 0) {
        out += fmt::format(
            "{} per_vCPU {}: the runtime reported a pool of {} workers for {} in flight "
            "(runtime_worker_pool_initializing); inflight set AWS_LAMBDA_MAX_CONCURRENCY={}\n",
            r.model, r.per_vcpu, r.runtime_workers,
            r.runtime_workers_max_concurrency > 0
                ? fmt::format("{}", r.runtime_workers_max_concurrency)
                : std::string("n/a"),
            r.in_flight);
      }
    }
    for (const auto& r : rows) {
      if (r.exec && !r.error_types.empty()) {
        out += fmt::format("{} per_vCPU {}: errors by errorType: {}\n", r.model, r.per_vcpu,
                           r.error_types);
      }
    }
    out +=
        "init_ms: start to the first GET /next. runtime_us: the runtime's CPU (all its processes "
        "and threads) per invocation; CPU% is that over the vCPUs. idle%: its CPU with no "
        "invocation (250 ms after the point), % of the vCPUs; net_us: runtime_us less that idle "
        "rate over the window. server_us: the Runtime API "
        "server's own CPU per invocation, never in CPU%. rss_MB: the runtime's peak RSS; slot_KB: "
        "its growth over init per slot. overruns: responses after their deadline; timeouts: no "
        "answer by deadline + 1 s (failed).\n";
    out += isolation_lines(rows);
    out += shared ? "The server ran on the point's own CPUs (the machine has none outside them): "
                    "its CPU was taken from the runtime's vCPUs.\n"
                  : "The server ran on CPUs outside the point's.\n";
  }
  std::size_t disturbed = 0;
  for (const auto& r : rows) {
    if (r.interference.empty()) continue;
    ++disturbed;
    out += fmt::format("~ {} per_vCPU {}: interference: {}\n", r.model, r.per_vcpu, r.interference);
  }
  if (disturbed != 0) {
    out += fmt::format(
        "~ {} of {} points ran beside other work: their figures may be off by that much; rerun "
        "them on a quiet machine (CPU% counts {} only; harness_cpu_pct, others_cpu_pct, "
        "steal_pct and floor_p99_us are in the JSON and CSV).\n",
        disturbed, rows.size(),
        models && execs ? "the model's threads or the runtime's processes"
        : execs         ? "the runtime's processes"
                        : "the model's threads");
  }
  for (const auto& r : rows) {
    if (r.unstarted > 0) {
      out += fmt::format(
          "! {} per_vCPU {}: {} of {} slots never started (no memory for their fiber stacks); "
          "counted as failed, and the point measured {} slots, not {}.\n",
          r.model, r.per_vcpu, r.unstarted, r.in_flight,
          static_cast<double>(r.in_flight) - r.unstarted, r.in_flight);
    }
  }
  return out + not_measured;
}

}  // namespace inflight::bench

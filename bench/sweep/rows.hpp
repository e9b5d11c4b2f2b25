#pragma once
// A point's row: every figure the renderers show, derived once from its point_result and the
// run's description (throughput, percentiles, CPU shares, efficiency, Little's-law check,
// interference, and an exec point's runtime figures).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "point/spec.hpp"
#include "support/measure.hpp"
#include "sweep/interference.hpp"
#include "sweep/plan.hpp"

namespace inflight::bench {

/// Whether `samples` latencies are enough to report percentile q: at least 10 beyond it, so
/// p50 needs 20, p90 100, p99 1000 and p99.9 10000. Fewer print as n/a.
inline bool enough_samples(double samples, double q) {
  return samples * (1.0 - q / 100.0) >= 10.0 - 1e-6;  // samples beyond q, rounding aside
}

/// `v` with `precision` decimals, or `unknown` for NaN (a figure that could not be measured).
inline std::string figure(double v, int precision, const char* unknown = "n/a") {
  return std::isnan(v) ? std::string(unknown) : fmt::format("{:.{}f}", v, precision);
}

/// How late an open loop's generator may issue arrivals (p99) before its point is flagged: 1.5x the
/// point's timer floor p99, or 50 us where that is larger. A sleep cannot wake earlier than the
/// floor, so a generator within this bound issued its arrivals as well as the machine allows.
inline double arrival_lag_bound_us(double floor_p99_us) {
  return std::max(50.0, 1.5 * floor_p99_us);
}

/// One point's figures, as reported everywhere.
struct point_row {
  std::string name;
  std::string model;  // the subject: a model's name, or exec:LABEL
  std::size_t per_vcpu = 0, vcpus = 0, in_flight = 0;
  bool default_cap = false;
  double throughput = 0, throughput_per_vcpu = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0, mean_us = 0;
  double cpu_util = 0;         // the subject's threads, processes or runtime / (window x vCPUs)
  double harness_cpu_pct = 0;  // the rest of this process (generator, readers), % of the vCPUs
  // Interference: other processes' CPU on the point's CPUs (% of the modelled vCPUs), the
  // hypervisor's steal (% of those CPUs), the timer floor's p99 around the point.
  double others_cpu_pct = 0, steal_pct = 0, floor_p99_us = 0;
  std::string interference;  // the causes, "" for a clean point
  double throttled = 0, failed = 0, arrivals = 0, completed = 0;
  double samples = 0;            // latencies recorded: what the percentiles rest on
  double efficiency = 0;         // throughput / Little's-law ideal; 0 when the ideal is undefined
  double littles_law_check = 0;  // throughput * mean latency / in-flight; about 1 when consistent
  double workers = 0, threads = 0, processes = 0;
  double arrival_lag_p99_us = 0, arrival_lag_max_us = 0;  // open loop: the generator's lateness
  // Open loop: the generator fell behind (lag p99 above arrival_lag_bound_us).
  bool lagging = false;
  std::vector<second_figures> seconds;  // open loop: the window second by second
  // --find: the search's result (this row is its highest sustained probe), its probes, and what
  // failed the probe just above it ("" when none did).
  double max_rate = 0;
  std::size_t probes = 0;
  std::string find_limit;
  double unstarted = 0;  // slots that never ran (no memory for their stack); also in failed
  // With --benchmark_repetitions: how many, and the spread around this (median) repetition.
  std::size_t repetitions = 1;
  double throughput_min = 0, throughput_max = 0, throughput_cv = 0, p99_min_us = 0, p99_max_us = 0;
  // Exec points: the real runtime's own figures (see point_result).
  bool exec = false;
  double runtime_cpu_us_per_call = 0, server_cpu_us_per_call = 0;
  // The runtime's CPU with no invocation (% of the point's vCPUs), and runtime_cpu_us_per_call
  // less that idle rate over the window.
  double runtime_idle_cpu_pct = 0, runtime_net_cpu_us_per_call = 0;
  double rss_peak_mb = 0, rss_per_slot_kb = 0, init_ms = 0;
  double errors = 0, deadline_overruns = 0, timeouts = 0, issued = 0;
  std::string error_types;  // "Error x10, ..." ("" when none)
  std::string unmeasured;   // why the runtime's CPU and memory are unknown (NaN), "" when known
  bool server_shares_cpus = false;
  std::string runtime_exe;        // what ran; "" when /proc could not tell
  bool other_runtime = false;     // it is not what the command runs as (the plan's runtime_exe)
  isolation::findings isolation;  // exec points: the isolation check's (isolation.ran: it ran)
  // Exec points: the worker pool the runtime reported (runtime_worker_pool_initializing); 0: none.
  double runtime_workers = 0, runtime_workers_max_concurrency = 0;
};

/// The share of a point's arrivals that were throttled, % (0 without arrivals: a closed loop).
inline double throttled_pct(const point_row& r) {
  return r.arrivals > 0 ? r.throttled / r.arrivals * 100 : 0;
}
/// The share of the invocations that ended which failed, % (0 when none ended).
inline double failed_pct(const point_row& r) {
  const double ended = r.completed + r.failed;
  return ended > 0 ? r.failed / ended * 100 : 0;
}

/// A point that could not be measured, and why.
struct failed_point {
  std::string name;
  std::string reason;
};

namespace detail {
// An exec point's own figures: the runtime's CPU and memory, and how its invocations ended.
inline void add_exec_figures(point_row& row, const point_result& r) {
  row.exec = true;
  const double calls = static_cast<double>(r.completed + r.failed);
  row.runtime_cpu_us_per_call = calls > 0 ? r.runtime_cpu_seconds / calls * 1e6 : 0;
  row.server_cpu_us_per_call = calls > 0 ? r.server_cpu_seconds / calls * 1e6 : 0;
  row.runtime_idle_cpu_pct = r.runtime_idle_cpu_per_s / static_cast<double>(r.vcpus) * 100;
  const double net = r.runtime_cpu_seconds - r.runtime_idle_cpu_per_s * r.window_s;
  row.runtime_net_cpu_us_per_call =
      calls > 0 ? (std::isnan(net) ? net : std::max(0.0, net)) / calls * 1e6 : 0;
  row.rss_peak_mb = r.rss_peak_mb;
  const double grown = r.rss_peak_mb - r.rss_init_mb;  // NaN when /proc could not be read
  row.rss_per_slot_kb = (std::isnan(grown) ? grown : std::max(0.0, grown)) * 1024 /
                        static_cast<double>(std::max<std::size_t>(1, r.in_flight));
  row.unmeasured = r.unmeasured;
  row.init_ms = r.init_ms;
  row.errors = static_cast<double>(r.errors);
  row.deadline_overruns = static_cast<double>(r.deadline_overruns);
  row.timeouts = static_cast<double>(r.timeouts);
  row.issued = static_cast<double>(r.issued);
  for (const auto& [type, n] : r.error_types) {
    row.error_types += fmt::format("{}{} x{}", row.error_types.empty() ? "" : ", ", type, n);
  }
  row.server_shares_cpus = r.server_shares_cpus;
  row.runtime_exe = r.runtime_exe;
  row.runtime_workers = static_cast<double>(r.runtime_workers);
  row.runtime_workers_max_concurrency = static_cast<double>(r.runtime_workers_max_concurrency);
}
}  // namespace detail

/// The row of a point named `name`, run by `subject` (`default_cap`: at its model's default
/// cap), that measured `r` in the run `d`. `first_floor_p99_us` is the sweep's first timer-floor
/// probe (0: no floor check).
inline point_row make_row(const sweep_description& d, const std::string& subject, bool default_cap,
                          const point_result& r, const std::string& name,
                          double first_floor_p99_us = 0) {
  point_row row;
  row.name = name;
  row.model = subject;
  row.per_vcpu = r.per_vcpu;
  row.vcpus = r.vcpus;
  row.in_flight = r.in_flight;
  row.default_cap = default_cap;
  row.throughput = r.window_s > 0 ? static_cast<double>(r.completed) / r.window_s : 0;
  row.throughput_per_vcpu = row.throughput / static_cast<double>(r.vcpus);
  const auto us = [](std::uint64_t ns) { return static_cast<double>(ns) / 1e3; };
  row.p50_us = us(r.latency.percentile(50));
  row.p90_us = us(r.latency.percentile(90));
  row.p99_us = us(r.latency.percentile(99));
  row.p999_us = us(r.latency.percentile(99.9));
  row.max_us = us(r.latency.max());
  row.samples = static_cast<double>(r.latency.count());
  row.mean_us = r.latency.mean() / 1e3;
  const double capacity = r.window_s * static_cast<double>(r.vcpus);
  row.cpu_util = capacity > 0 ? r.subject_cpu_seconds() / capacity : 0;
  // This process's CPU beyond its invocation threads is harness (for an exec point all of it:
  // the runtime is a process tree of its own, and the Runtime API server is harness).
  row.harness_cpu_pct =
      capacity > 0 ? std::max(0.0, r.process_cpu_seconds - r.thread_cpu_seconds) / capacity * 100
                   : 0;
  row.others_cpu_pct = capacity > 0 ? r.others_cpu_seconds / capacity * 100 : 0;
  const double cpus_capacity = r.window_s * static_cast<double>(r.cpus);
  row.steal_pct = cpus_capacity > 0 ? r.steal_seconds / cpus_capacity * 100 : 0;
  row.floor_p99_us = r.floor_p99_us;
  row.interference =
      interference_causes(row.others_cpu_pct, row.steal_pct, row.floor_p99_us, first_floor_p99_us);
  row.throttled = static_cast<double>(r.throttled);
  row.failed = static_cast<double>(r.failed);
  row.arrivals = static_cast<double>(r.arrivals);
  row.completed = static_cast<double>(r.completed);
  const double ideal = littles_ideal(d, r.in_flight, r.vcpus);
  row.efficiency = ideal > 0 ? row.throughput / ideal : 0;
  const double occupancy = d.open() ? r.mean_occupancy : static_cast<double>(r.in_flight);
  row.littles_law_check = occupancy > 0 ? row.throughput * row.mean_us / 1e6 / occupancy : 0;
  row.workers = static_cast<double>(r.workers);
  row.threads = static_cast<double>(r.threads);
  row.processes = static_cast<double>(r.processes);
  row.arrival_lag_p99_us = us(r.arrival_lag.percentile(99));
  row.arrival_lag_max_us = us(r.arrival_lag.max());
  row.lagging = d.open() && row.arrival_lag_p99_us > arrival_lag_bound_us(row.floor_p99_us);
  row.seconds = r.seconds;
  row.unstarted = static_cast<double>(r.unstarted);
  if (r.exec) {
    detail::add_exec_figures(row, r);
    row.other_runtime = d.exec && !r.runtime_exe.empty() && !d.exec->runtime_exe.empty() &&
                        r.runtime_exe != d.exec->runtime_exe;
    row.isolation = r.isolation;
  }
  return row;
}

/// The row of plan point `p`.
inline point_row make_row(const sweep_description& d, const planned_point& p, const point_result& r,
                          double first_floor_p99_us = 0) {
  return make_row(d, p.subject.label, p.default_cap, r, p.name, first_floor_p99_us);
}

}  // namespace inflight::bench

#pragma once
// A point's row as its counters: one list (row_counters), which Google Benchmark's console and
// JSON reporters show (set_counters) and --threshold reads (thresholds.hpp).

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "sweep/rows.hpp"

namespace inflight::bench {

/// Every counter of a point, by name, in order; a figure that could not be measured is NaN.
inline std::vector<std::pair<const char*, double>> row_counters(const point_row& row) {
  struct named {
    std::vector<std::pair<const char*, double>>& out;
    struct slot {
      std::vector<std::pair<const char*, double>>& out;
      const char* name;
      void operator=(double v) { out.emplace_back(name, v); }
    };
    slot operator[](const char* name) { return {out, name}; }
  };
  std::vector<std::pair<const char*, double>> out;
  named c{out};
  c["throughput"] = row.throughput;
  c["throughput_per_vcpu"] = row.throughput_per_vcpu;
  c["p50_us"] = row.p50_us;
  c["p90_us"] = row.p90_us;
  c["p99_us"] = row.p99_us;
  c["p999_us"] = row.p999_us;
  c["max_us"] = row.max_us;
  c["mean_us"] = row.mean_us;
  c["in_flight"] = static_cast<double>(row.in_flight);
  c["per_vcpu"] = static_cast<double>(row.per_vcpu);
  c["vcpus"] = static_cast<double>(row.vcpus);
  c["cpu_util"] = row.cpu_util;
  c["throttled"] = row.throttled;
  c["failed"] = row.failed;
  c["arrivals"] = row.arrivals;
  c["completed"] = row.completed;
  c["efficiency"] = row.efficiency;
  c["littles_law_check"] = row.littles_law_check;
  c["default_cap"] = row.default_cap ? 1 : 0;
  c["workers"] = row.workers;
  c["threads"] = row.threads;
  c["processes"] = row.processes;
  c["samples"] = row.samples;
  c["harness_cpu_pct"] = row.harness_cpu_pct;
  c["others_cpu_pct"] = row.others_cpu_pct;
  c["steal_pct"] = row.steal_pct;
  c["floor_p99_us"] = row.floor_p99_us;
  c["interference"] = row.interference.empty() ? 0 : 1;
  c["arrival_lag_p99_us"] = row.arrival_lag_p99_us;
  c["arrival_lag_max_us"] = row.arrival_lag_max_us;
  c["arrival_lag_bound_us"] = arrival_lag_bound_us(row.floor_p99_us);
  c["arrival_lagging"] = row.lagging ? 1 : 0;
  c["unstarted"] = row.unstarted;
  if (row.probes != 0) c["max_rate"] = row.max_rate;  // --find: the highest sustained rate
  if (row.exec) {
    c["runtime_cpu_us_per_call"] = row.runtime_cpu_us_per_call;
    c["runtime_idle_cpu_pct"] = row.runtime_idle_cpu_pct;
    c["runtime_net_cpu_us_per_call"] = row.runtime_net_cpu_us_per_call;
    c["server_cpu_us_per_call"] = row.server_cpu_us_per_call;
    c["rss_peak_mb"] = row.rss_peak_mb;
    c["rss_per_slot_kb"] = row.rss_per_slot_kb;
    c["init_ms"] = row.init_ms;
    c["errors"] = row.errors;
    c["deadline_overruns"] = row.deadline_overruns;
    c["timeouts"] = row.timeouts;
    c["issued"] = row.issued;
    c["server_shares_cpus"] = row.server_shares_cpus ? 1 : 0;
    if (row.runtime_workers > 0) {  // the runtime's own report, beside in_flight (what it was told)
      c["runtime_workers"] = row.runtime_workers;
      c["runtime_workers_max_concurrency"] = row.runtime_workers_max_concurrency;
    }
  }
  if (row.exec && row.isolation.ran) {
    const auto n = [](std::uint64_t v) { return static_cast<double>(v); };
    const auto& i = row.isolation;
    c["leaks"] = n(i.leaks);
    c["leak_foreign_lines"] = n(i.foreign.lines);
    c["leak_late_lines"] = n(i.late.lines);
    c["leak_lines_differ"] = n(i.lines_differ);
    c["leak_responses_differ"] = n(i.responses_differ);
    c["leak_hung"] = n(i.hung);
    c["isolation_invocations"] = n(i.invocations);
    c["isolation_lines_checked"] = n(i.lines_checked);
    c["isolation_responses_checked"] = n(i.responses_checked);
    c["isolation_partial"] = i.partial.empty() ? 0 : 1;
  }
  return out;
}

/// The Google Benchmark user counters of a point (console and JSON); a figure that could not be
/// measured (NaN) is left out, since JSON has no NaN.
inline void set_counters(benchmark::State& state, const point_row& row) {
  for (const auto& [name, v] : row_counters(row)) {
    if (!std::isnan(v)) state.counters[name] = v;
  }
}

}  // namespace inflight::bench

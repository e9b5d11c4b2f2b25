#pragma once
// A point's row as a CSV line (--csv), flushed at once so that an interrupted sweep keeps it.

#include <fmt/format.h>

#include <ostream>
#include <string>

#include "sweep/rows.hpp"

namespace inflight::bench {

// A CSV field's text with its double quotes doubled (the caller adds the outer quotes).
inline std::string csv_escaped(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out;
}

inline void write_csv_header(std::ostream& out) {
  out << "name,model,per_vcpu,vcpus,in_flight,default_cap,throughput,throughput_per_vcpu,p50_us,"
         "p90_us,p99_us,p999_us,max_us,mean_us,cpu_util,throttled,failed,arrivals,completed,"
         "efficiency,littles_law_check,workers,threads,processes,unstarted,samples,"
         "arrival_lag_p99_us,arrival_lag_max_us,harness_cpu_pct,others_cpu_pct,steal_pct,"
         "floor_p99_us,interference,runtime_cpu_us_per_call,server_cpu_us_per_call,rss_peak_mb,"
         "rss_per_slot_kb,init_ms,errors,deadline_overruns,timeouts,issued,error_types,"
         "runtime_idle_cpu_pct,runtime_net_cpu_us_per_call,leaks,leak_foreign_lines,"
         "leak_late_lines,leak_lines_differ,leak_responses_differ,leak_hung,isolation_first,"
         "isolation_partial\n";
  out.flush();
}

/// One row, flushed at once so that an interrupted sweep keeps it. A percentile with too few
/// samples behind it (enough_samples) is an empty field.
inline void write_csv_row(std::ostream& out, const point_row& r) {
  auto pct = [&](double value, double q) {
    return enough_samples(r.samples, q) ? fmt::format("{:.3f}", value) : std::string();
  };
  out << fmt::format(
      "{},{},{},{},{},{},{:.3f},{:.3f},{},{},{},{},{:.3f},{:.3f},"
      "{},{},{},{},{},{:.4f},{:.4f},{},{},{},{},{},{:.3f},{:.3f},{:.2f},{},{:.2f},{:.1f},"
      "{},{},{}\n",
      r.name, r.model, r.per_vcpu, r.vcpus, r.in_flight, r.default_cap ? 1 : 0, r.throughput,
      r.throughput_per_vcpu, pct(r.p50_us, 50), pct(r.p90_us, 90), pct(r.p99_us, 99),
      pct(r.p999_us, 99.9), r.max_us, r.mean_us, figure(r.cpu_util, 4, ""), r.throttled, r.failed,
      r.arrivals, r.completed, r.efficiency, r.littles_law_check, r.workers, r.threads, r.processes,
      r.unstarted, r.samples, r.arrival_lag_p99_us, r.arrival_lag_max_us, r.harness_cpu_pct,
      figure(r.others_cpu_pct, 2, ""), r.steal_pct, r.floor_p99_us, r.interference.empty() ? 0 : 1,
      r.exec ? fmt::format("{},{:.1f},{},{},{:.1f},{},{},{},{},\"{}\",{},{}",
                           figure(r.runtime_cpu_us_per_call, 1, ""), r.server_cpu_us_per_call,
                           figure(r.rss_peak_mb, 1, ""), figure(r.rss_per_slot_kb, 1, ""),
                           r.init_ms, r.errors, r.deadline_overruns, r.timeouts, r.issued,
                           csv_escaped(r.error_types), figure(r.runtime_idle_cpu_pct, 2, ""),
                           figure(r.runtime_net_cpu_us_per_call, 1, ""))
             : std::string(",,,,,,,,,,,"),
      r.exec && r.isolation.ran
          ? fmt::format("{},{},{},{},{},{},\"{}\",\"{}\"", r.isolation.leaks,
                        r.isolation.foreign.lines, r.isolation.late.lines, r.isolation.lines_differ,
                        r.isolation.responses_differ, r.isolation.hung,
                        csv_escaped(r.isolation.first_finding()), csv_escaped(r.isolation.partial))
          : std::string(",,,,,,,"));
  out.flush();
}

}  // namespace inflight::bench

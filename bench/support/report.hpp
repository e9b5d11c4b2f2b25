#pragma once
// How inflight_sweep reports a point: its stable name, Google Benchmark counters, a CSV row, and
// the terminal table printed at the end.

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "models/traits.hpp"
#include "support/point.hpp"
#include "support/sweep_options.hpp"
#include "support/sweep_point.hpp"

namespace inflight::bench {

/// The load profile part of a point's name: mode, IO wait, CPU work, and rate in open loop. An
/// exec point names IO wait and CPU work only when given (the handler's nominal costs).
inline std::string profile_name(const sweep_options& o) {
  std::string p = o.mode == loop_mode::open ? "open" : "closed";
  if (!o.exec || o.nominal) {
    p += fmt::format("/io:{}/cpu:{}", o.io_wait.to_string(), o.cpu_work.to_string());
  }
  if (o.mode == loop_mode::open) {
    p +=
        fmt::format("/rate:{}{}", o.rate, o.arrivals == arrival_process::uniform ? ":uniform" : "");
  }
  return p;
}

/// A point's stable name: model, load profile and per-vCPU concurrency, so that files from
/// different machines line up point by point.
inline std::string point_name(const sweep_options& o, model m, std::size_t per_vcpu) {
  return fmt::format("{}/{}/per_vcpu:{}", model_name(m), profile_name(o), per_vcpu);
}

/// An exec point's name: exec:LABEL, load profile, per-vCPU concurrency.
inline std::string exec_point_name(const sweep_options& o, std::size_t per_vcpu) {
  return fmt::format("exec:{}/{}/per_vcpu:{}", o.exec->label, profile_name(o), per_vcpu);
}

/// Whether `samples` latencies are enough to report percentile q: at least 10 beyond it, so
/// p50 needs 20, p90 100, p99 1000 and p99.9 10000. Fewer print as n/a.
inline bool enough_samples(double samples, double q) {
  return samples * (1.0 - q / 100.0) >= 10.0 - 1e-6;  // samples beyond q, rounding aside
}

/// One point's figures, as reported everywhere.
struct point_row {
  std::string name;
  std::string model;
  std::size_t per_vcpu = 0, vcpus = 0, in_flight = 0;
  bool default_cap = false;
  double throughput = 0, throughput_per_vcpu = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0, mean_us = 0;
  double cpu_util = 0;         // the model's threads (or processes) only, / (window x vCPUs)
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
  bool lagging = false;  // open loop: the generator fell behind (p99 lag > 1 ms or 1% of mean)
  double unstarted = 0;  // slots that never ran (no memory for their stack); also in failed
  // With --benchmark_repetitions: how many, and the spread around this (median) repetition.
  std::size_t repetitions = 1;
  double throughput_min = 0, throughput_max = 0, throughput_cv = 0, p99_min_us = 0, p99_max_us = 0;
  // Exec points: the real runtime's own figures (see point_result).
  bool exec = false;
  double runtime_cpu_us_per_call = 0, server_cpu_us_per_call = 0;
  double rss_peak_mb = 0, rss_per_slot_kb = 0, init_ms = 0;
  double errors = 0, deadline_overruns = 0, timeouts = 0, issued = 0;
  std::string error_types;  // "Error x10, ..." ("" when none)
  std::string unmeasured;   // why the runtime's CPU and memory are unknown (NaN), "" when known
  bool server_shares_cpus = false;
};

/// `v` with `precision` decimals, or `unknown` for NaN (a figure that could not be measured).
inline std::string figure(double v, int precision, const char* unknown = "n/a") {
  return std::isnan(v) ? std::string(unknown) : fmt::format("{:.{}f}", v, precision);
}

/// One row per point: a point measured several times (--benchmark_repetitions) becomes its
/// median repetition by throughput, carrying the spread (min-max and CV of throughput, min-max of
/// p99) over all of them. Rows keep the order of their points' first repetition.
inline std::vector<point_row> with_repetitions(const std::vector<point_row>& rows) {
  std::vector<point_row> out;
  std::vector<std::vector<const point_row*>> groups;
  for (const auto& r : rows) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.front()->name == r.name; });
    if (it == groups.end()) {
      groups.push_back({&r});
    } else {
      it->push_back(&r);
    }
  }
  for (auto& g : groups) {
    std::sort(g.begin(), g.end(),
              [](const point_row* a, const point_row* b) { return a->throughput < b->throughput; });
    point_row row = *g[(g.size() - 1) / 2];
    row.repetitions = g.size();
    row.throughput_min = g.front()->throughput;
    row.throughput_max = g.back()->throughput;
    double mean = 0, ss = 0;
    for (const auto* r : g) mean += r->throughput;
    mean /= static_cast<double>(g.size());
    for (const auto* r : g) ss += (r->throughput - mean) * (r->throughput - mean);
    row.throughput_cv =
        g.size() > 1 && mean > 0 ? std::sqrt(ss / static_cast<double>(g.size() - 1)) / mean : 0;
    row.p99_min_us = row.p99_max_us = g.front()->p99_us;
    for (const auto* r : g) {
      row.p99_min_us = std::min(row.p99_min_us, r->p99_us);
      row.p99_max_us = std::max(row.p99_max_us, r->p99_us);
    }
    out.push_back(row);
  }
  return out;
}

/// A point that could not be measured, and why.
struct failed_point {
  std::string name;
  std::string reason;
};

/// Thresholds that flag a point as disturbed: other processes above 5% of the modelled vCPUs,
/// steal above 2%, a timer floor p99 above 3x the sweep's first probe.
struct interference_limits {
  double others_pct = 5, steal_pct = 2, floor_factor = 3;
};

/// The point's row. `first_floor_p99_us` is the sweep's first timer-floor probe (0: no floor
/// check).
inline point_row make_row(const sweep_options& o, const std::string& model_label, bool default_cap,
                          const point_result& r, const std::string& name,
                          double first_floor_p99_us);

inline point_row make_row(const sweep_options& o, model m, const point_result& r,
                          const std::string& name, double first_floor_p99_us = 0) {
  return make_row(o, model_name(m), model_default_per_vcpu(m) == r.per_vcpu, r, name,
                  first_floor_p99_us);
}

/// An exec point's row: the figures of every point, plus the runtime's own.
inline point_row make_exec_row(const sweep_options& o, const point_result& r,
                               const std::string& name, double first_floor_p99_us = 0) {
  point_row row = make_row(o, "exec:" + o.exec->label, false, r, name, first_floor_p99_us);
  row.exec = true;
  if (!o.nominal) row.efficiency = 0;  // no nominal costs: no ideal to compare with
  const double calls = static_cast<double>(r.completed + r.failed);
  row.runtime_cpu_us_per_call = calls > 0 ? r.runtime_cpu_seconds / calls * 1e6 : 0;
  row.server_cpu_us_per_call = calls > 0 ? r.server_cpu_seconds / calls * 1e6 : 0;
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
  // The Runtime API server is harness, never the runtime's: harness_cpu_pct holds it.
  return row;
}

inline point_row make_row(const sweep_options& o, const std::string& model_label, bool default_cap,
                          const point_result& r, const std::string& name,
                          double first_floor_p99_us) {
  point_row row;
  row.name = name;
  row.model = model_label;
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
  row.cpu_util = capacity > 0 ? r.model_cpu_seconds / capacity : 0;
  const double own_threads = r.exec ? 0 : r.model_cpu_seconds - r.children_cpu_seconds;
  row.harness_cpu_pct =
      capacity > 0 ? std::max(0.0, r.process_cpu_seconds - own_threads) / capacity * 100 : 0;
  row.others_cpu_pct = capacity > 0 ? r.others_cpu_seconds / capacity * 100 : 0;
  const double cpus_capacity = r.window_s * static_cast<double>(r.cpus);
  row.steal_pct = cpus_capacity > 0 ? r.steal_seconds / cpus_capacity * 100 : 0;
  row.floor_p99_us = r.floor_p99_us;
  const interference_limits limits;
  std::vector<std::string> causes;
  if (std::isnan(row.others_cpu_pct)) {
    causes.push_back("other processes' CPU unknown (/proc could not be read)");
  } else if (row.others_cpu_pct > limits.others_pct) {
    causes.push_back(fmt::format("other processes used {:.1f}% of the vCPUs", row.others_cpu_pct));
  }
  if (row.steal_pct > limits.steal_pct) {
    causes.push_back(fmt::format("steal {:.1f}%", row.steal_pct));
  }
  if (first_floor_p99_us > 0 && row.floor_p99_us > limits.floor_factor * first_floor_p99_us) {
    causes.push_back(fmt::format("timer floor p99 {:.0f} us, {:.1f}x the first probe",
                                 row.floor_p99_us, row.floor_p99_us / first_floor_p99_us));
  }
  for (const auto& c : causes) row.interference += (row.interference.empty() ? "" : "; ") + c;
  row.throttled = static_cast<double>(r.throttled);
  row.failed = static_cast<double>(r.failed);
  row.arrivals = static_cast<double>(r.arrivals);
  row.completed = static_cast<double>(r.completed);
  const double ideal = littles_ideal(o, r.in_flight, r.vcpus);
  row.efficiency = ideal > 0 ? row.throughput / ideal : 0;
  const double occupancy =
      o.mode == loop_mode::closed ? static_cast<double>(r.in_flight) : r.mean_occupancy;
  row.littles_law_check = occupancy > 0 ? row.throughput * row.mean_us / 1e6 / occupancy : 0;
  row.workers = static_cast<double>(r.workers);
  row.threads = static_cast<double>(r.threads);
  row.processes = static_cast<double>(r.processes);
  row.arrival_lag_p99_us = us(r.arrival_lag.percentile(99));
  row.arrival_lag_max_us = us(r.arrival_lag.max());
  row.lagging = o.mode == loop_mode::open &&
                (row.arrival_lag_p99_us > 1000 || row.arrival_lag_p99_us > 0.01 * row.mean_us);
  row.unstarted = static_cast<double>(r.unstarted);
  return row;
}

/// The Google Benchmark user counters of a point (console and JSON); a figure that could not be
/// measured (NaN) is left out, since JSON has no NaN.
inline void set_counters(benchmark::State& state, const point_row& row) {
  struct known_only {
    benchmark::UserCounters& counters;
    struct slot {
      benchmark::UserCounters& counters;
      const char* name;
      void operator=(double v) {
        if (!std::isnan(v)) counters[name] = v;
      }
    };
    slot operator[](const char* name) { return {counters, name}; }
  } c{state.counters};
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
  c["unstarted"] = row.unstarted;
  if (row.exec) {
    c["runtime_cpu_us_per_call"] = row.runtime_cpu_us_per_call;
    c["server_cpu_us_per_call"] = row.server_cpu_us_per_call;
    c["rss_peak_mb"] = row.rss_peak_mb;
    c["rss_per_slot_kb"] = row.rss_per_slot_kb;
    c["init_ms"] = row.init_ms;
    c["errors"] = row.errors;
    c["deadline_overruns"] = row.deadline_overruns;
    c["timeouts"] = row.timeouts;
    c["issued"] = row.issued;
    c["server_shares_cpus"] = row.server_shares_cpus ? 1 : 0;
  }
}

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
         "rss_per_slot_kb,init_ms,errors,deadline_overruns,timeouts,issued,error_types\n";
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
      "{},{}\n",
      r.name, r.model, r.per_vcpu, r.vcpus, r.in_flight, r.default_cap ? 1 : 0, r.throughput,
      r.throughput_per_vcpu, pct(r.p50_us, 50), pct(r.p90_us, 90), pct(r.p99_us, 99),
      pct(r.p999_us, 99.9), r.max_us, r.mean_us, figure(r.cpu_util, 4, ""), r.throttled, r.failed,
      r.arrivals, r.completed, r.efficiency, r.littles_law_check, r.workers, r.threads, r.processes,
      r.unstarted, r.samples, r.arrival_lag_p99_us, r.arrival_lag_max_us, r.harness_cpu_pct,
      figure(r.others_cpu_pct, 2, ""), r.steal_pct, r.floor_p99_us, r.interference.empty() ? 0 : 1,
      r.exec ? fmt::format("{},{:.1f},{},{},{:.1f},{},{},{},{},\"{}\"",
                           figure(r.runtime_cpu_us_per_call, 1, ""), r.server_cpu_us_per_call,
                           figure(r.rss_peak_mb, 1, ""), figure(r.rss_per_slot_kb, 1, ""),
                           r.init_ms, r.errors, r.deadline_overruns, r.timeouts, r.issued,
                           csv_escaped(r.error_types))
             : std::string(",,,,,,,,,"));
  out.flush();
}

/// The terminal table shown at the end of a sweep, with its legend.
inline std::string format_table(const sweep_options& o, const std::vector<point_row>& rows,
                                const timer_floor& floor,
                                const std::vector<failed_point>& failures = {}) {
  std::string not_measured;
  for (const auto& f : failures) {
    not_measured += fmt::format("x {}: not measured: {}\n", f.name, f.reason);
  }
  if (rows.empty()) return "\nNo point finished.\n" + not_measured;
  const bool open = o.mode == loop_mode::open;
  std::string out = fmt::format(
      "\ninflight sweep on {} vCPUs{}: {}; timer floor p50 {:.1f} us, p99 {:.1f} us\n", o.vcpus,
      o.pin ? " (pinned)" : "", profile_name(o), to_us(floor.p50), to_us(floor.p99));
  out += fmt::format("{:<7} {:>9} {:>6} {:>12} {:>11} {:>9} {:>9} {:>9} {:>9} {:>6} {:>6} {:>7}",
                     "model", "per_vCPU", "C", "throughput/s", "per_vCPU/s", "p50_ms", "p99_ms",
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
        "{:<7} {:>8}{} {:>6} {:>12.1f} {:>11.1f} {:>9} {:>9} {:>9} {:>9.3f} {:>6} {:>6} "
        "{:>6.3f}{}",
        r.model, r.per_vcpu, r.default_cap ? "*" : " ", r.in_flight, r.throughput,
        r.throughput_per_vcpu, pct(r.p50_us, 50), pct(r.p99_us, 99), pct(r.p999_us, 99.9),
        r.max_us / 1e3, figure(r.cpu_util * 100, 1),
        r.efficiency > 0 ? fmt::format("{:.3f}", r.efficiency) : "n/a", r.littles_law_check,
        off ? "!" : (r.interference.empty() ? " " : "~"));
    lagging = lagging || r.lagging;
    out += open ? fmt::format(" {:>9} {:>9} {:>9.3f}{}\n", r.throttled, r.failed,
                              r.arrival_lag_p99_us / 1e3, r.lagging ? "!" : " ")
                : fmt::format(" {:>6}\n", r.failed);
  }
  out +=
      "* the model's default PerExecutionEnvironmentMaxConcurrency per vCPU.\n"
      "C: invocations in flight (per_vCPU x vCPUs). Latencies are per invocation, measured by "
      "inflight";
  out += open ? " from each arrival's scheduled time (open loop, no coordinated omission).\n"
              : " from start to completion (closed loop: the tail is understated).\n";
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
        "! The arrival generator fell behind at these points (lag p99 above 1 ms or 1% of the mean "
        "latency): they measured the generator, not the model; lower --rate.\n";
  }
  if (std::any_of(rows.begin(), rows.end(), [](const point_row& r) { return r.repetitions > 1; })) {
    out += fmt::format("\nRepetitions: each row above is the median repetition by throughput.\n");
    out += fmt::format("{:<7} {:>8} {:>5} {:>25} {:>7} {:>21}\n", "model", "per_vCPU", "reps",
                       "throughput/s min-max", "CV", "p99_ms min-max");
    for (const auto& r : rows) {
      const bool p99 = enough_samples(r.samples, 99);
      out += fmt::format("{:<7} {:>8} {:>5} {:>25} {:>6.1f}%{} {:>21}\n", r.model, r.per_vcpu,
                         r.repetitions,
                         fmt::format("{:.1f}-{:.1f}", r.throughput_min, r.throughput_max),
                         r.throughput_cv * 100, r.throughput_cv > 0.05 ? "!" : " ",
                         p99 ? fmt::format("{:.3f}-{:.3f}", r.p99_min_us / 1e3, r.p99_max_us / 1e3)
                             : std::string("n/a"));
    }
    out += "CV: coefficient of variation of throughput over the repetitions; ! above 5%.\n";
  }
  if (std::any_of(rows.begin(), rows.end(), [](const point_row& r) { return !r.exec; })) {
    out +=
        "The models run the handler on each runtime's thread layout but exclude the runtime's own "
        "CPU per invocation (the real Node.js client spends 400-900 us); --exec measures your "
        "function in its real runtime.\n";
  }
  if (std::any_of(rows.begin(), rows.end(), [](const point_row& r) { return r.exec; })) {
    out += fmt::format(
        "\nThe runtime at each exec point:\n{:<16} {:>8} {:>8} {:>11} {:>10} {:>9} "
        "{:>9} {:>7} {:>9} {:>8}\n",
        "runtime", "per_vCPU", "init_ms", "runtime_us", "server_us", "rss_MB", "slot_KB", "errors",
        "overruns", "timeouts");
    bool shared = false;
    for (const auto& r : rows) {
      if (!r.exec) continue;
      shared = shared || r.server_shares_cpus;
      out += fmt::format(
          "{:<16} {:>8} {:>8.1f} {:>11} {:>10.1f} {:>9} {:>9} {:>7} "
          "{:>9} {:>8}\n",
          r.model, r.per_vcpu, r.init_ms, figure(r.runtime_cpu_us_per_call, 1),
          r.server_cpu_us_per_call, figure(r.rss_peak_mb, 1), figure(r.rss_per_slot_kb, 1),
          r.errors, r.deadline_overruns, r.timeouts);
    }
    for (const auto& r : rows) {
      if (r.exec && !r.error_types.empty()) {
        out += fmt::format("{} per_vCPU {}: errors by errorType: {}\n", r.model, r.per_vcpu,
                           r.error_types);
      }
    }
    out +=
        "init_ms: start to the first GET /next. runtime_us: the runtime's CPU (all its processes "
        "and threads) per invocation; CPU% is that over the vCPUs. server_us: the Runtime API "
        "server's own CPU per invocation, never in CPU%. rss_MB: the runtime's peak RSS; slot_KB: "
        "its growth over init per slot. overruns: responses after their deadline; timeouts: no "
        "answer by deadline + 1 s (failed).\n";
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
        "them on a quiet machine (CPU% counts the model's threads only; harness_cpu_pct, "
        "others_cpu_pct, steal_pct and floor_p99_us are in the JSON and CSV).\n",
        disturbed, rows.size());
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

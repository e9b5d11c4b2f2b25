#pragma once
// --find=max_rate's output: one line per probe as the search goes (stderr), the row a search
// reports (its highest sustained probe, named as the search's point), and a summary per cap at
// the end of the sweep.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "sweep/find_rate.hpp"
#include "sweep/plan.hpp"
#include "sweep/rows.hpp"

namespace inflight::bench {

/// One line per probe of the search of point `name`, in the order run.
inline std::string probe_lines(const std::string& name, const rate_search& s) {
  std::string out;
  for (std::size_t i = 0; i < s.probes.size(); ++i) {
    const auto& p = s.probes[i];
    out += fmt::format("inflight_sweep: {}: probe {} at {:.6g}/s: {}", name, i + 1, p.rate,
                       p.sustained ? "sustained" : p.why);
    if (p.ran) {
      out += fmt::format(" (throughput {:.1f}/s, p99 {:.3f} ms, throttled {:.2f}%{})",
                         p.row.throughput, p.row.p99_us / 1e3, throttled_pct(p.row),
                         p.row.lagging ? ", generator lagging" : "");
    }
    out += '\n';
  }
  return out;
}

/// Why a search found no rate: the lowest rate it tried, and what failed it; when that was too
/// few samples for a p99, what would give more.
inline std::string no_rate_sustained(const rate_search& s, std::chrono::nanoseconds duration) {
  const auto lowest =
      std::min_element(s.probes.begin(), s.probes.end(),
                       [](const rate_probe& a, const rate_probe& b) { return a.rate < b.rate; });
  if (lowest == s.probes.end()) return "no rate sustained: no probe ran";
  std::string out =
      fmt::format("no rate sustained: the lowest tried, {:.6g}/s: {}", lowest->rate, lowest->why);
  if (lowest->thin) {
    out += fmt::format(
        " (a p99 needs 1000 in the window: {:.6g}/s for --duration={}; a longer --duration "
        "checks lower rates)",
        1000 / std::chrono::duration<double>(duration).count(), format_duration(duration));
  }
  return out;
}

/// The row a search reports: its highest sustained probe, named `name`, with the rate found, the
/// probes run, and what failed the lowest probe above it. Needs s.best.
inline point_row search_row(const std::string& name, const rate_search& s) {
  point_row row = s.probes[*s.best].row;
  row.name = name;
  row.max_rate = s.max_rate();
  row.probes = s.probes.size();
  const rate_probe* above = nullptr;
  bool stopped = false;
  for (const auto& p : s.probes) {
    stopped = stopped || p.stopped;
    if (p.stopped || p.sustained || p.rate <= row.max_rate) continue;
    if (!above || p.rate < above->rate) above = &p;
  }
  row.find_limit = above ? fmt::format("{:.6g}/s: {}", above->rate, above->why)
                         : std::string("none failed above it");
  if (stopped) row.find_limit = "interrupted before the search ended; " + row.find_limit;
  return row;
}

/// The summary of a --find sweep: per subject and cap, the highest sustained rate, per vCPU, its
/// p99 and throttles, the probes, and what failed the next rate up.
inline std::string find_table(const sweep_description& d, const std::vector<point_row>& rows) {
  std::size_t w = 7;
  for (const auto& r : rows) w = std::max(w, r.model.size());
  std::string out = fmt::format(
      "\nHighest sustained rate (throttled and failed at most 1%, p99 within {}), by doubling and "
      "bisection on points of {}:\n",
      format_duration(d.p99_budget), format_duration(d.duration));
  out += fmt::format("{:<{}} {:>8} {:>6} {:>12} {:>11} {:>9} {:>10} {:>7}  {}\n", "model", w,
                     "per_vCPU", "C", "max_rate/s", "per_vCPU/s", "p99_ms", "throttled%", "probes",
                     "the next rate up failed at");
  for (const auto& r : rows) {
    out += fmt::format("{:<{}} {:>8} {:>6} {:>12.1f} {:>11.1f} {:>9.3f} {:>10.2f} {:>7}  {}\n",
                       r.model, w, r.per_vcpu, r.in_flight, r.max_rate,
                       r.vcpus > 0 ? r.max_rate / static_cast<double>(r.vcpus) : 0, r.p99_us / 1e3,
                       throttled_pct(r), r.probes, r.find_limit);
  }
  out +=
      "Each search assumes a rate that fails makes every higher one fail; a probe that broke that "
      "on a noisy machine is in the lines above and in the JSON (probeNN_*). The rows above the "
      "summary are the sustained probes.\n";
  return out;
}

}  // namespace inflight::bench

#pragma once
// An open-loop point's window second by second (point_result::seconds), as Google Benchmark
// counters in the JSON (secNNNN_*, left off the console line), as CSV rows (--seconds_csv), and as
// an SVG chart of rates and p99 over time (--seconds_svg).

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "support/line_chart.hpp"
#include "sweep/rows.hpp"

namespace inflight::bench {

/// Whether a counter is one of the per-second ones: "sec" and four digits.
inline bool is_second_counter(const std::string& name) {
  return name.size() > 8 && name.compare(0, 3, "sec") == 0 &&
         std::all_of(name.begin() + 3, name.begin() + 7,
                     [](char c) { return c >= '0' && c <= '9'; });
}

/// The per-second counters of `row`: sec0000_offered_per_s, _arrivals, _throttled, _completed,
/// _failed, _p50_us and _p99_us for each second from the window's start (p50 and p99 are 0 in a
/// second where nothing completed).
inline std::map<std::string, double> second_counters(const point_row& row) {
  std::map<std::string, double> out;
  for (std::size_t k = 0; k < row.seconds.size(); ++k) {
    const auto& s = row.seconds[k];
    const std::string p = fmt::format("sec{:04}_", k);
    out[p + "offered_per_s"] = s.offered_per_s;
    out[p + "arrivals"] = static_cast<double>(s.arrivals);
    out[p + "throttled"] = static_cast<double>(s.throttled);
    out[p + "completed"] = static_cast<double>(s.completed);
    out[p + "failed"] = static_cast<double>(s.failed);
    out[p + "p50_us"] = s.p50_us;
    out[p + "p99_us"] = s.p99_us;
  }
  return out;
}

inline void set_second_counters(benchmark::State& state, const point_row& row) {
  for (const auto& [name, value] : second_counters(row)) state.counters[name] = value;
}

inline void write_seconds_csv_header(std::ostream& out) {
  out << "name,second,length_s,offered_per_s,arrivals,throttled,completed,failed,p50_us,p99_us\n";
  out.flush();
}

/// One row per second of `row`'s window, flushed at once.
inline void write_seconds_csv_rows(std::ostream& out, const point_row& row) {
  for (std::size_t k = 0; k < row.seconds.size(); ++k) {
    const auto& s = row.seconds[k];
    out << fmt::format("{},{},{:.3f},{:.1f},{},{},{},{},{:.1f},{:.1f}\n", row.name, k, s.length_s,
                       s.offered_per_s, s.arrivals, s.throttled, s.completed, s.failed, s.p50_us,
                       s.p99_us);
  }
  out.flush();
}

/// Each point's window second by second, for the terminal (a staged --rate or
/// --scenario=doubling): the offered rate, arrivals, throttles (and their share), completions,
/// failures and p99 of each second.
inline std::string seconds_table(const std::vector<point_row>& rows) {
  std::string out;
  for (const auto& row : rows) {
    if (row.seconds.empty()) continue;
    out += fmt::format("\n{} per_vCPU {} (C {}), second by second:\n", row.model, row.per_vcpu,
                       row.in_flight);
    out +=
        fmt::format("{:>6} {:>10} {:>9} {:>10} {:>11} {:>10} {:>7} {:>9}\n", "second", "offered/s",
                    "arrivals", "throttled", "throttled%", "completed", "failed", "p99_ms");
    for (std::size_t k = 0; k < row.seconds.size(); ++k) {
      const auto& s = row.seconds[k];
      out += fmt::format(
          "{:>6} {:>10.1f} {:>9} {:>10} {:>10.2f}% {:>10} {:>7} {:>9}\n", k, s.offered_per_s,
          s.arrivals, s.throttled,
          s.arrivals > 0
              ? 100.0 * static_cast<double>(s.throttled) / static_cast<double>(s.arrivals)
              : 0.0,
          s.completed, s.failed, s.completed > 0 ? fmt::format("{:.3f}", s.p99_us / 1e3) : "n/a");
    }
  }
  return out;
}

/// Two charts in one SVG, over the window's seconds: the offered rate with each point's
/// completed and throttled invocations per second, and each point's p99. A point is named by its
/// subject and per-vCPU concurrency.
inline std::string seconds_svg(const std::string& title, const std::vector<point_row>& rows) {
  std::vector<chart_series> rates, p99;
  const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
  std::size_t i = 0;
  for (const auto& row : rows) {
    if (row.seconds.empty()) continue;
    const std::string who = fmt::format("{} per_vcpu:{}", row.model, row.per_vcpu);
    const std::string color = colors[i++ % 6];
    chart_series offered{"offered/s (the schedule)", {}, "#555555", "6,4", false};
    chart_series done{who + " completed/s", {}, color, "", true};
    chart_series throttled{who + " throttled/s", {}, color, "2,3", true};
    chart_series tail{who + " p99", {}, color, "", true};
    for (const auto& s : row.seconds) {
      if (!(s.length_s > 0)) continue;
      const double x = s.start_s + s.length_s / 2;
      offered.points.emplace_back(x, s.offered_per_s);
      done.points.emplace_back(x, static_cast<double>(s.completed) / s.length_s);
      throttled.points.emplace_back(x, static_cast<double>(s.throttled) / s.length_s);
      if (s.completed != 0) tail.points.emplace_back(x, s.p99_us / 1e3);
    }
    if (rates.empty()) rates.push_back(offered);
    rates.push_back(done);
    rates.push_back(throttled);
    p99.push_back(tail);
  }
  auto body = [](const std::string& svg, double y) {
    const auto start = svg.find("<svg ");
    return fmt::format("<g transform=\"translate(0 {})\">\n{}</g>\n", y,
                       svg.substr(start == std::string::npos ? 0 : start));
  };
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"960\" "
         "viewBox=\"0 0 900 960\">\n" +
         body(line_chart_svg(title + ": invocations per second", "seconds into the window",
                             "per second", rates, {}, x_axis::linear),
              0) +
         body(line_chart_svg(title + ": p99 by second of arrival", "seconds into the window",
                             "p99 latency (ms)", p99, {}, x_axis::linear),
              480) +
         "</svg>\n";
}

}  // namespace inflight::bench

#pragma once
// inflight_compare, self-contained SVG charts: throughput per vCPU (with the USL fit and the
// Little's-law ideal) and p99 against per-vCPU concurrency.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "compare/analysis.hpp"
#include "compare/cost.hpp"
#include "compare/render_text.hpp"
#include "support/line_chart.hpp"

namespace inflight::bench::compare {

/// A curve's name in a chart's legend: "A fiber AMD EPYC, 2 vCPU, x86_64".
inline std::string series_name(const comparison& c, const curve_analysis& a) {
  return fmt::format("{} {} {}", file_tag(a.file), a.model, c.files[a.file].label);
}

inline const char* palette(std::size_t i) {
  static const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                 "#9467bd", "#8c564b", "#e377c2", "#17becf"};
  return colors[i % 8];
}

/// Throughput per vCPU against per-vCPU concurrency: one line per file and curve, with its USL fit
/// (dashed) and the Little's-law ideal (dotted, grey).
inline std::string throughput_svg(const comparison& c) {
  std::vector<chart_series> series;
  std::set<std::string> ideals;
  for (std::size_t k = 0; k < c.curves.size(); ++k) {
    const auto& a = c.curves[k];
    const sweep_file& f = c.files[a.file];
    const double v = static_cast<double>(f.vcpus);
    const std::string name = series_name(c, a);
    chart_series data{name, {}, palette(k), "", true};
    for (const auto& p : a.points)
      data.points.emplace_back(static_cast<double>(p.per_vcpu), p.throughput / v);
    series.push_back(data);
    if (a.usl) {
      chart_series fit{fmt::format("{} USL fit", file_tag(a.file)), {}, palette(k), "6 4", false};
      const auto lo = std::max(1.0, static_cast<double>(a.points.front().per_vcpu));
      const auto hi = static_cast<double>(a.points.back().per_vcpu);
      for (double p = lo; p <= hi * 1.0001; p *= std::pow(2, 0.125)) {
        fit.points.emplace_back(p, (*a.usl)(p * v) / v);
      }
      series.push_back(fit);
    }
    const std::string profile_key = a.profile;
    if (ideals.insert(profile_key).second && littles_ideal(f, v)) {
      chart_series ideal{"Little's-law ideal", {}, "#7f7f7f", "2 3", false};
      for (const auto& p : a.points) {
        ideal.points.emplace_back(static_cast<double>(p.per_vcpu),
                                  *littles_ideal(f, static_cast<double>(p.per_vcpu) * v) / v);
      }
      series.push_back(ideal);
    }
  }
  return line_chart_svg("Throughput per vCPU against concurrency per vCPU",
                        "concurrency per vCPU (invocations in flight / vCPUs, log2 scale)",
                        "throughput per vCPU (invocations/s)", series);
}

/// p99 latency against per-vCPU concurrency: one line per file and curve.
inline std::string p99_svg(const comparison& c) {
  std::vector<chart_series> series;
  for (std::size_t k = 0; k < c.curves.size(); ++k) {
    const auto& a = c.curves[k];
    chart_series data{series_name(c, a), {}, palette(k), "", true};
    for (const auto& p : a.points) {
      if (p.p99_us) data.points.emplace_back(static_cast<double>(p.per_vcpu), *p.p99_us / 1e3);
    }
    series.push_back(data);
  }
  return line_chart_svg("p99 latency against concurrency per vCPU",
                        "concurrency per vCPU (invocations in flight / vCPUs, log2 scale)",
                        "p99 latency (ms)", series);
}

/// Cost per million invocations against per-vCPU concurrency: one line per priced curve, the
/// cheapest, fastest and balanced choices ringed and named.
inline std::string cost_svg(const comparison& c, const cost_report& r) {
  std::vector<chart_series> series;
  for (const auto& cc : r.curves) {
    const auto& a = c.curves[cc.curve];
    chart_series data{series_name(c, a), {}, palette(cc.curve), "", true};
    for (const auto& cap : cc.caps)
      data.points.emplace_back(static_cast<double>(cap.per_vcpu), cap.per_million_usd);
    series.push_back(data);
  }
  std::vector<chart_mark> marks;
  for (const auto& choice : r.choices) {
    if (!choice.curve) continue;
    const auto& cap = r.curves[*choice.curve].caps[*choice.cap];
    marks.push_back(
        {static_cast<double>(cap.per_vcpu), cap.per_million_usd,
         fmt::format("{}: {} per_vCPU {}", choice.strategy,
                     file_tag(c.curves[r.curves[*choice.curve].curve].file), cap.per_vcpu),
         "#000000"});
  }
  return line_chart_svg(
      fmt::format("Cost per million invocations at {:.0f} requests/s (your prices)", r.target_rps),
      "concurrency per vCPU (invocations in flight / vCPUs, log2 scale)",
      "USD per million invocations", series, marks);
}

}  // namespace inflight::bench::compare

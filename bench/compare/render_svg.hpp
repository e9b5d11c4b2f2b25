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

namespace inflight::bench::compare {

struct chart_series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (per-vCPU concurrency, value)
  std::string color;
  std::string dash;  // "" solid
  bool data = true;  // a measured series (class "series") or a model line (class "model")
};

inline std::string xml_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

// A round step for about five ticks up to `top`.
inline double nice_step(double top) {
  const double raw = top / 5;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (raw <= m * mag) return m * mag;
  }
  return 10 * mag;
}

inline std::string tick_label(double v) {
  if (v >= 1e6) return fmt::format("{:g}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:g}k", v / 1e3);
  return fmt::format("{:g}", v);
}

/// A point ringed and named on a chart (a cost choice).
struct chart_mark {
  double x = 0, y = 0;
  std::string text, color;
};

/// A self-contained SVG line chart with a log2 x-axis.
inline std::string line_chart_svg(const std::string& title, const std::string& x_title,
                                  const std::string& y_title,
                                  const std::vector<chart_series>& series,
                                  const std::vector<chart_mark>& marks = {}) {
  const double width = 900, height = 480, left = 80, right = 290, top = 50, bottom = 60;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  double x_min = 1, x_max = 2, y_max = 0;
  bool any = false;
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) {
      if (!(x > 0) || !std::isfinite(y)) continue;
      x_min = any ? std::min(x_min, x) : x;
      x_max = any ? std::max(x_max, x) : std::max(x, 2.0);
      y_max = std::max(y_max, y);
      any = true;
    }
  }
  // Powers of two around the data; the tolerance keeps 64.0001 (a fitted curve's end) at 64.
  x_min = std::pow(2, std::floor(std::log2(x_min) + 1e-6));
  x_max = std::max(std::pow(2, std::ceil(std::log2(x_max) - 1e-6)), x_min * 2);
  // Values are range-checked on reading; this keeps a chart finite whatever it is given.
  if (!(y_max > 1e-9) || !std::isfinite(y_max * 1.05)) y_max = 1;
  double step = nice_step(y_max * 1.05);
  if (!(step > 0) || !std::isfinite(step)) step = y_max;
  const double y_top = std::ceil(y_max * 1.05 / step) * step;
  auto px = [&](double x) {
    return left +
           (std::log2(x) - std::log2(x_min)) / (std::log2(x_max) - std::log2(x_min)) * plot_w;
  };
  auto py = [&](double y) { return top + plot_h - y / y_top * plot_h; };
  std::string svg = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" "
      "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n"
      "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"28\" font-size=\"16\" font-weight=\"bold\">{3}</text>\n",
      width, height, left, xml_escape(title));
  for (double y = 0; y <= y_top + step / 2 && y / step < 20; y += step) {
    svg += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e0e0e0\"/>\n"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
        left, py(y), left + plot_w, py(y), left - 8, py(y) + 4, tick_label(y));
  }
  for (double x = x_min; x <= x_max * 1.0001 && x / x_min < 1e6; x *= 2) {
    svg += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e0e0e0\"/>\n"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:g}</text>\n",
        px(x), top, px(x), top + plot_h, px(x), top + plot_h + 18, x);
  }
  svg += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333\"/>\n", left,
      top, plot_w, plot_h);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                     left + plot_w / 2, height - 15, xml_escape(x_title));
  svg += fmt::format(
      "<text x=\"18\" y=\"{:.1f}\" text-anchor=\"middle\" transform=\"rotate(-90 18 "
      "{:.1f})\">{}</text>\n",
      top + plot_h / 2, top + plot_h / 2, xml_escape(y_title));
  double legend_y = top + 10;
  for (const auto& s : series) {
    std::string pts;
    for (const auto& [x, y] : s.points) {
      if (x > 0 && std::isfinite(y))
        pts += fmt::format("{:.1f},{:.1f} ", px(x), py(std::min(y, y_top)));
    }
    if (pts.empty()) continue;
    pts.pop_back();
    const std::string dash = s.dash.empty() ? "" : fmt::format(" stroke-dasharray=\"{}\"", s.dash);
    svg += fmt::format(
        "<g class=\"{}\" data-label=\"{}\">\n<polyline points=\"{}\" fill=\"none\" "
        "stroke=\"{}\" stroke-width=\"{}\"{}/>\n",
        s.data ? "series" : "model", xml_escape(s.name), pts, s.color, s.data ? 2.5 : 1.5, dash);
    if (s.data) {
      for (const auto& [x, y] : s.points) {
        if (x > 0 && std::isfinite(y)) {
          svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"/>\n", px(x),
                             py(std::min(y, y_top)), s.color);
        }
      }
    }
    svg += "</g>\n";
    svg += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
        "stroke-width=\"{}\"{}/>\n<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n",
        left + plot_w + 15, legend_y, left + plot_w + 45, legend_y, s.color, s.data ? 2.5 : 1.5,
        dash, left + plot_w + 52, legend_y + 4,
        xml_escape(s.name.size() > 40 ? s.name.substr(0, 39) + "~" : s.name));
    legend_y += 20;
  }
  for (std::size_t i = 0; i < marks.size(); ++i) {
    const auto& m = marks[i];
    if (!(m.x > 0) || !std::isfinite(m.y)) continue;
    const double x = px(m.x), y = py(std::min(m.y, y_top));
    svg += fmt::format(
        "<g class=\"mark\" data-label=\"{0}\">\n<circle cx=\"{1:.1f}\" cy=\"{2:.1f}\" r=\"8\" "
        "fill=\"none\" stroke=\"{3}\" stroke-width=\"2\"/>\n<text x=\"{4:.1f}\" y=\"{5:.1f}\" "
        "fill=\"{3}\">{0}</text>\n</g>\n",
        xml_escape(m.text), x, y, m.color, x + 10, y - 10 - 14 * static_cast<double>(i));
  }
  svg += "</svg>\n";
  return svg;
}

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

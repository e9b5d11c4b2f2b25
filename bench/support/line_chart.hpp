#pragma once
// Self-contained SVG line charts, shared by inflight_compare (per-vCPU concurrency on a log2 axis)
// and inflight_sweep's per-second series (seconds on a linear one).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace inflight::bench {

struct chart_series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y): per-vCPU concurrency, or seconds
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

/// The x-axis of a chart: powers of two (per-vCPU concurrency), or linear from 0 (seconds).
enum class x_axis { log2, linear };

/// A self-contained SVG line chart, with a log2 x-axis unless told otherwise.
inline std::string line_chart_svg(const std::string& title, const std::string& x_title,
                                  const std::string& y_title,
                                  const std::vector<chart_series>& series,
                                  const std::vector<chart_mark>& marks = {},
                                  x_axis axis = x_axis::log2) {
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
  const bool log2 = axis == x_axis::log2;
  double x_step = 0;
  if (log2) {
    // Powers of two around the data; the tolerance keeps 64.0001 (a fitted curve's end) at 64.
    x_min = std::pow(2, std::floor(std::log2(x_min) + 1e-6));
    x_max = std::max(std::pow(2, std::ceil(std::log2(x_max) - 1e-6)), x_min * 2);
  } else {
    x_min = 0;
    x_step = nice_step(x_max);
    if (!(x_step > 0) || !std::isfinite(x_step)) x_step = x_max;
    x_max = std::ceil(x_max / x_step - 1e-9) * x_step;
  }
  // Values are range-checked on reading; this keeps a chart finite whatever it is given.
  if (!(y_max > 1e-9) || !std::isfinite(y_max * 1.05)) y_max = 1;
  double step = nice_step(y_max * 1.05);
  if (!(step > 0) || !std::isfinite(step)) step = y_max;
  const double y_top = std::ceil(y_max * 1.05 / step) * step;
  auto px = [&](double x) {
    if (!log2) return left + (x - x_min) / (x_max - x_min) * plot_w;
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
  for (double x = log2 ? x_min : 0;
       x <= x_max * 1.0001 && (log2 ? x / x_min < 1e6 : x / x_step < 40);
       x = log2 ? x * 2 : x + x_step) {
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

}  // namespace inflight::bench

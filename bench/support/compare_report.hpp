#pragma once
// inflight_compare's flags, the comparison of loaded files, and its outputs: terminal table,
// Markdown, CSV and self-contained SVG charts.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "support/compare.hpp"
#include "support/flags.hpp"

namespace inflight::bench::compare {

struct compare_options {
  std::vector<std::string> files;
  std::vector<std::string> labels;  // --label=A,B: one per file, in order
  double p99_budget_us = 0;         // 0: twice the p50 at the lowest point
  double target_rps = 0;            // 0: no scale-out estimate
  std::string format = "table";     // table or md
  std::string csv;
  std::string svg_prefix;
  bool help = false;
};

inline std::string compare_help() {
  return R"(inflight_compare: compare inflight_sweep JSON files, fit the scaling curve, recommend a cap.

  inflight_compare a.json [b.json ...] [flags]     one file: a report; several: against the first

  --label=A,B,...      labels for the files, in order (default: CPU model, vCPUs, architecture)
  --p99_budget=D       latency budget for the recommendation, e.g. 5ms
                       (default: 2 x the p50 at per-vCPU concurrency 1)
  --target_rps=R       also estimate the execution environments needed for R requests/s
  --format=table|md    terminal table (default) or Markdown
  --csv=PATH           also write one CSV row per point and file
  --svg=PREFIX         write PREFIX-throughput.svg and PREFIX-p99.svg
  --help               this text
)";
}

/// Parses the command line; throws compare_error with the line to print.
inline compare_options parse_compare_options(const std::vector<std::string>& args) {
  compare_options o;
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      o.files.push_back(arg);
      continue;
    }
    const auto eq = arg.find('=');
    if (eq == std::string::npos) throw compare_error("unknown flag '" + arg + "'; see --help");
    const std::string name = arg.substr(2, eq - 2), value = arg.substr(eq + 1);
    if (value.empty()) throw compare_error("--" + name + "=: needs a value; see --help");
    if (name == "label") {
      std::size_t start = 0;
      for (;;) {
        const auto comma = value.find(',', start);
        o.labels.push_back(value.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (name == "p99_budget") {
      try {
        o.p99_budget_us =
            std::chrono::duration<double, std::micro>(parse_duration(value, "--p99_budget"))
                .count();
      } catch (const std::invalid_argument& e) {
        throw compare_error(e.what());
      }
      if (!(o.p99_budget_us > 0))
        throw compare_error("--p99_budget=" + value + ": valid range is above 0");
    } else if (name == "target_rps") {
      const auto r = parse_positive_number(value, 1e12);
      if (!r) throw compare_error("--target_rps=" + value + ": valid range is above 0 up to 1e12");
      o.target_rps = *r;
    } else if (name == "format") {
      if (value != "table" && value != "md") {
        throw compare_error("--format=" + value + ": unknown format; valid: table, md");
      }
      o.format = value;
    } else if (name == "csv") {
      o.csv = value;
    } else if (name == "svg") {
      o.svg_prefix = value;
    } else {
      throw compare_error("unknown flag '--" + name + "'; see --help");
    }
  }
  if (!o.help && o.files.empty()) {
    throw compare_error("no input: give one or more inflight_sweep JSON files; see --help");
  }
  if (!o.labels.empty() && o.labels.size() != o.files.size()) {
    throw compare_error(fmt::format("--label: {} labels for {} files; give one per file, in order",
                                    o.labels.size(), o.files.size()));
  }
  return o;
}

/// One curve of one file (a model and load profile) with its fit and recommendation.
struct curve_analysis {
  std::size_t file = 0;
  std::string model, profile;
  std::vector<curve_point> points;
  std::optional<usl_fit> usl;  // N is the total in-flight concurrency
  std::optional<std::size_t> knee_per_vcpu;
  recommendation rec;
  std::optional<double> throughput_at_rec;
};

struct comparison {
  std::vector<sweep_file> files;
  std::vector<point_key> common;                             // in every file
  std::vector<std::pair<std::size_t, point_key>> unmatched;  // (file, point) missing elsewhere
  std::vector<curve_analysis> curves;
};

/// Matches the files' points and analyses every curve. Throws compare_error when no point is
/// common to all files.
inline comparison build_comparison(std::vector<sweep_file> files, const compare_options& o) {
  comparison c;
  c.files = std::move(files);
  std::map<point_key, std::size_t> seen;
  for (const auto& f : c.files) {
    for (const auto& [k, p] : f.points) ++seen[k];
  }
  for (const auto& [k, n] : seen) {
    if (n == c.files.size()) c.common.push_back(k);
  }
  if (c.common.empty()) {
    std::string counts;
    for (const auto& f : c.files) {
      counts += fmt::format("{}{} has {}", counts.empty() ? "" : ", ", f.path, f.points.size());
    }
    throw compare_error(
        fmt::format("no point is common to all {} files ({}); points match by "
                    "model, load profile and per-vCPU concurrency",
                    c.files.size(), counts));
  }
  for (std::size_t i = 0; i < c.files.size(); ++i) {
    for (const auto& [k, p] : c.files[i].points) {
      if (seen[k] != c.files.size()) c.unmatched.emplace_back(i, k);
    }
  }
  for (std::size_t i = 0; i < c.files.size(); ++i) {
    std::map<std::pair<std::string, std::string>, std::vector<curve_point>> by_curve;
    for (const auto& [k, p] : c.files[i].points) {
      const auto x = p.value("throughput");
      if (!x) continue;
      by_curve[{k.model, k.profile}].push_back(
          {k.per_vcpu, *x, p.value("p50_us"), p.value("p99_us")});
    }
    for (auto& [id, points] : by_curve) {
      curve_analysis a;
      a.file = i;
      a.model = id.first;
      a.profile = id.second;
      a.points = points;  // std::map order: ascending per_vcpu
      std::vector<double> n, x;
      for (const auto& p : points) {
        n.push_back(static_cast<double>(p.per_vcpu * c.files[i].vcpus));
        x.push_back(p.throughput);
      }
      a.usl = fit_usl(n, x);
      a.knee_per_vcpu = knee(points);
      a.rec = recommend(points, c.files[i].vcpus, o.p99_budget_us);
      for (const auto& p : points) {
        if (a.rec.per_vcpu && p.per_vcpu == *a.rec.per_vcpu) a.throughput_at_rec = p.throughput;
      }
      c.curves.push_back(std::move(a));
    }
  }
  return c;
}

inline std::string file_tag(std::size_t i) {
  return std::string(1, static_cast<char>('A' + i % 26));
}

inline std::string cell(const std::optional<double>& v, const char* spec, double scale = 1) {
  return v ? fmt::format(fmt::runtime(spec), *v * scale) : "n/a";
}

/// The report: the files, the point table, unmatched points, fits, recommendations, problems.
inline std::string render_report(const comparison& c, const compare_options& o) {
  const bool md = o.format == "md";
  std::string out;
  out += md ? "## inflight_compare\n\n" : "inflight_compare\n";
  for (std::size_t i = 0; i < c.files.size(); ++i) {
    out += fmt::format(md ? "- **{}**: {} (`{}`)\n" : "  [{}] {}  ({})\n", file_tag(i),
                       c.files[i].label, c.files[i].path);
  }
  std::string current;
  const bool several = c.files.size() > 1;
  for (const auto& k : c.common) {
    const std::string group = k.model + "  " + k.profile;
    if (group != current) {
      current = group;
      out +=
          md ? fmt::format("\n### {} `{}`\n\n", k.model, k.profile) : fmt::format("\n{}\n", group);
      if (md) {
        out += "| per_vCPU | file | throughput/s | per_vCPU/s | p50 ms | p99 ms | CPU % | CV |";
        out += several ? " per_vCPU/s vs A | p (Mann-Whitney) "
                         "|\n|---|---|---|---|---|---|---|---|---|---|\n"
                       : "\n|---|---|---|---|---|---|---|---|\n";
      } else {
        out += fmt::format("{:>8} {:<4} {:>13} {:>11} {:>8} {:>8} {:>6} {:>7}", "per_vCPU", "file",
                           "throughput/s", "per_vCPU/s", "p50_ms", "p99_ms", "CPU%", "CV");
        out += several ? fmt::format(" {:>10} {:>8}\n", "vs_A", "p_value") : "\n";
      }
    }
    const point_data& first = c.files[0].points.at(k);
    for (std::size_t i = 0; i < c.files.size(); ++i) {
      const point_data& p = c.files[i].points.at(k);
      const versus_first v = against_first(first, p, i == 0);
      const std::string cells[] = {
          i == 0 ? std::to_string(k.per_vcpu) : "",
          file_tag(i),
          cell(p.value("throughput"), "{:.1f}"),
          cell(p.value("throughput_per_vcpu"), "{:.1f}"),
          cell(p.value("p50_us"), "{:.3f}", 1e-3),
          cell(p.value("p99_us"), "{:.3f}", 1e-3),
          cell(p.value("cpu_util"), "{:.1f}", 100),
          v.cv ? fmt::format("{:.1f}%{}", *v.cv * 100, *v.cv > 0.05 ? "!" : "") : "n/a",
          i == 0    ? "-"
          : v.ratio ? fmt::format("x{:.3f}", *v.ratio)
                    : "n/a",
          i == 0 ? "-" : cell(v.p_value, "{:.4f}")};
      if (md) {
        out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |", cells[0], cells[1],
                           cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]);
        out += several ? fmt::format(" {} | {} |\n", cells[8], cells[9]) : "\n";
      } else {
        out += fmt::format("{:>8} {:<4} {:>13} {:>11} {:>8} {:>8} {:>6} {:>7}", cells[0], cells[1],
                           cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]);
        out += several ? fmt::format(" {:>10} {:>8}\n", cells[8], cells[9]) : "\n";
      }
    }
  }
  out += md ? "\n" : "";
  out += several ? "vs_A: throughput per vCPU against file A. p_value: two-sided Mann-Whitney U on "
                   "throughput per vCPU over repetitions (n/a below 9 repetitions). CV over "
                   "repetitions; ! above 5%.\n"
                 : "CV: coefficient of variation over repetitions (n/a with one); ! above 5%.\n";
  if (!c.unmatched.empty()) {
    out += md ? "\n### Unmatched points\n\n" : "\nUnmatched points (not in every file):\n";
    for (const auto& [i, k] : c.unmatched) {
      out += fmt::format(md ? "- only in {}: `{}`\n" : "  only in {}: {}\n", file_tag(i), k.name());
    }
  }
  out += md ? "\n### Scaling fit and recommendation\n\n" : "\nScaling fit and recommendation\n";
  for (const auto& a : c.curves) {
    const sweep_file& f = c.files[a.file];
    const std::string bullet = md ? "- " : "  ";
    const std::string indent = md ? "  - " : "      ";
    out += fmt::format("{}[{}] {} {} ({} vCPU):\n", bullet, file_tag(a.file), a.model, a.profile,
                       f.vcpus);
    if (a.usl) {
      const auto peak = a.usl->peak();
      out += fmt::format(
          "{}USL over C = in-flight: lambda {:.2f}/s, sigma {:.5f}, kappa {:.7f}, R^2 {:.4f}; {}\n",
          indent, a.usl->lambda, a.usl->sigma, a.usl->kappa, a.usl->r2,
          peak ? fmt::format("peak at C* = {:.1f} ({:.1f} per vCPU){}", *peak,
                             *peak / static_cast<double>(f.vcpus),
                             *peak > static_cast<double>(a.points.back().per_vcpu * f.vcpus)
                                 ? ", beyond the measured range: an extrapolation"
                                 : "")
               : std::string("no peak (kappa <= 0): throughput still rising"));
    } else {
      out += indent + "USL: n/a (needs 3 or more points with throughput)\n";
    }
    const auto& top = a.points.back();
    const auto ideal = littles_ideal(f, static_cast<double>(top.per_vcpu * f.vcpus));
    out +=
        fmt::format("{}Little's-law ideal at per_vCPU {}: {}; measured {:.1f}/s{}\n", indent,
                    top.per_vcpu, ideal ? fmt::format("{:.1f}/s", *ideal) : "n/a", top.throughput,
                    ideal ? fmt::format(" ({:.1f}% of ideal)", top.throughput / *ideal * 100) : "");
    out += fmt::format(
        "{}knee: {}\n", indent,
        a.knee_per_vcpu
            ? fmt::format("per_vCPU {} (doubling beyond it adds under 10%)", *a.knee_per_vcpu)
            : fmt::format("none up to per_vCPU {} (every doubling added 10% or more)",
                          top.per_vcpu));
    if (a.rec.per_vcpu) {
      out += fmt::format(
          "{}recommend per_vCPU {} -> PerExecutionEnvironmentMaxConcurrency {} on {} "
          "vCPU: {}\n",
          indent, *a.rec.per_vcpu, a.rec.max_concurrency, f.vcpus, a.rec.why);
    } else {
      out += fmt::format("{}no recommendation: {}\n", indent, a.rec.why);
    }
    if (o.target_rps > 0 && a.throughput_at_rec) {
      const std::size_t envs = environments_needed(o.target_rps, *a.throughput_at_rec);
      out += fmt::format(
          "{}for {:.0f} requests/s: {} execution environments of {} vCPU at cap {} "
          "(ceil({:.0f} / {:.1f}) = {:.0f}; LMI keeps at least 3, one per AZ). Assumes each "
          "environment sustains the throughput measured here at that cap, with load spread "
          "evenly.\n",
          indent, o.target_rps, envs, f.vcpus, a.rec.max_concurrency, o.target_rps,
          *a.throughput_at_rec, std::ceil(o.target_rps / *a.throughput_at_rec));
    }
  }
  std::vector<std::string> problems;
  for (const auto& f : c.files)
    problems.insert(problems.end(), f.problems.begin(), f.problems.end());
  if (!problems.empty()) {
    out += md ? "\n### Problems\n\n" : "\nProblems (shown as n/a above):\n";
    for (const auto& p : problems) out += (md ? "- " : "  ") + p + "\n";
  }
  return out;
}

inline void write_csv(std::ostream& out, const comparison& c) {
  out << "model,profile,per_vcpu,file,label,vcpus,throughput,throughput_per_vcpu,p50_us,p99_us,"
         "cpu_util,repetitions,cv,per_vcpu_ratio_vs_first,mann_whitney_p\n";
  auto num = [](const std::optional<double>& v) { return v ? fmt::format("{:.6g}", *v) : ""; };
  for (const auto& k : c.common) {
    const point_data& first = c.files[0].points.at(k);
    for (std::size_t i = 0; i < c.files.size(); ++i) {
      const point_data& p = c.files[i].points.at(k);
      const versus_first v = against_first(first, p, i == 0);
      std::string label = c.files[i].label;
      std::replace(label.begin(), label.end(), ',', ';');
      out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", k.model, k.profile,
                         k.per_vcpu, file_tag(i), label, c.files[i].vcpus,
                         num(p.value("throughput")), num(p.value("throughput_per_vcpu")),
                         num(p.value("p50_us")), num(p.value("p99_us")), num(p.value("cpu_util")),
                         v.repetitions, num(v.cv), num(v.ratio), num(v.p_value));
    }
  }
}

// ---- SVG ----------------------------------------------------------------------------------------

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

/// A self-contained SVG line chart with a log2 x-axis.
inline std::string line_chart_svg(const std::string& title, const std::string& x_title,
                                  const std::string& y_title,
                                  const std::vector<chart_series>& series) {
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
  svg += "</svg>\n";
  return svg;
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
    const std::string name = fmt::format("{} {} {}", file_tag(a.file), a.model, f.label);
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
    chart_series data{fmt::format("{} {} {}", file_tag(a.file), a.model, c.files[a.file].label),
                      {},
                      palette(k),
                      "",
                      true};
    for (const auto& p : a.points) {
      if (p.p99_us) data.points.emplace_back(static_cast<double>(p.per_vcpu), *p.p99_us / 1e3);
    }
    series.push_back(data);
  }
  return line_chart_svg("p99 latency against concurrency per vCPU",
                        "concurrency per vCPU (invocations in flight / vCPUs, log2 scale)",
                        "p99 latency (ms)", series);
}

}  // namespace inflight::bench::compare

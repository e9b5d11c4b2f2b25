#pragma once
// inflight_compare, the report as a terminal table or Markdown.

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "compare/analysis.hpp"
#include "compare/statistics.hpp"

namespace inflight::bench::compare {

inline std::string file_tag(std::size_t i) {
  return std::string(1, static_cast<char>('A' + i % 26));
}

inline std::string cell(const std::optional<double>& v, const char* spec, double scale = 1) {
  return v ? fmt::format(fmt::runtime(spec), *v * scale) : "n/a";
}

/// Percentile `counter` of `p` where its samples back it (at least `needs`, the sweep's rule: 10
/// beyond the percentile), or where the file recorded no sample count; else none (n/a).
inline std::optional<double> backed(const point_data& p, const char* counter, double needs) {
  const auto samples = p.value("samples");
  if (samples && *samples < needs) return std::nullopt;
  return p.value(counter);
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
          cell(backed(p, "p50_us", 20), "{:.3f}", 1e-3),
          cell(backed(p, "p99_us", 1000), "{:.3f}", 1e-3),
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
    for (const auto& [per_vcpu, cause] : a.excluded) {
      out +=
          fmt::format("{}{}, flagged by the sweep: per_vCPU {}: {}\n", indent,
                      a.included ? "~ included (--include_flagged)" : "left out", per_vcpu, cause);
    }
    // Every result below rests on flagged points too: each says so.
    const std::string mark = a.included ? "~ " : "";
    if (a.points.empty()) {
      out += fmt::format("{}no recommendation: {}\n", indent, a.rec.why);
      continue;
    }
    if (a.usl) {
      const auto peak = a.usl->peak();
      out += fmt::format(
          "{}{}USL over C = in-flight: lambda {:.2f}/s, sigma {:.5f}, kappa {:.7f}, R^2 {:.4f}; "
          "{}\n",
          indent, mark, a.usl->lambda, a.usl->sigma, a.usl->kappa, a.usl->r2,
          peak ? fmt::format("peak at C* = {:.1f} ({:.1f} per vCPU){}", *peak,
                             *peak / static_cast<double>(f.vcpus),
                             *peak > static_cast<double>(a.points.back().per_vcpu * f.vcpus)
                                 ? ", beyond the measured range: an extrapolation"
                                 : "")
               : std::string("no peak (kappa <= 0): throughput still rising"));
    } else {
      out += indent + mark + "USL: n/a (needs 3 or more points with throughput)\n";
    }
    const auto& top = a.points.back();
    const auto ideal = littles_ideal(f, static_cast<double>(top.per_vcpu * f.vcpus));
    out += fmt::format(
        "{}{}Little's-law ideal at per_vCPU {}: {}; measured {:.1f}/s{}\n", indent, mark,
        top.per_vcpu, ideal ? fmt::format("{:.1f}/s", *ideal) : "n/a", top.throughput,
        ideal ? fmt::format(" ({:.1f}% of ideal)", top.throughput / *ideal * 100) : "");
    out += fmt::format(
        "{}{}knee: {}\n", indent, mark,
        a.knee_per_vcpu
            ? fmt::format("per_vCPU {} (doubling beyond it adds under 10%)", *a.knee_per_vcpu)
            : fmt::format("none up to per_vCPU {} (every doubling added 10% or more)",
                          top.per_vcpu));
    if (a.rec.per_vcpu) {
      out += fmt::format(
          "{}{}recommend per_vCPU {} -> PerExecutionEnvironmentMaxConcurrency {} on {} "
          "vCPU: {}{}\n",
          indent, mark, *a.rec.per_vcpu, a.rec.max_concurrency, f.vcpus, a.rec.why,
          a.included ? " (from points the sweep flagged for interference: rerun on a quiet "
                       "machine before relying on it)"
                     : "");
    } else {
      out += fmt::format("{}{}no recommendation: {}\n", indent, mark, a.rec.why);
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

}  // namespace inflight::bench::compare

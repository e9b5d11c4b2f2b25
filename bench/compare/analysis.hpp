#pragma once
// inflight_compare, the comparison: matches the files' points and analyses each curve (USL fit,
// knee, recommendation). Renderers read what this builds.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compare/load.hpp"
#include "compare/options.hpp"
#include "compare/recommend.hpp"
#include "compare/usl.hpp"

namespace inflight::bench::compare {

/// One curve of one file (a model and load profile) with its fit and recommendation.
struct curve_analysis {
  std::size_t file = 0;
  std::string model, profile;
  std::vector<curve_point> points;
  std::optional<usl_fit> usl;  // N is the total in-flight concurrency
  std::optional<std::size_t> knee_per_vcpu;
  recommendation rec;
  std::optional<double> throughput_at_rec;
  /// Points the sweep flagged for interference: (per-vCPU concurrency, cause). Left out of the
  /// knee, the fit and the recommendation, unless --include_flagged took them in (`included`).
  std::vector<std::pair<std::size_t, std::string>> excluded;
  bool included = false;
  /// The lowest per-vCPU concurrency at which the isolation check found leaks, and how many
  /// (exec points; flagged for interference or not, a leak is a leak); nullopt: none found.
  std::optional<std::size_t> leaked_per_vcpu;
  double leaks = 0;
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
                    "model, load profile and per-vCPU concurrency (--match=per_vcpu: by load and "
                    "per-vCPU concurrency alone)",
                    c.files.size(), counts));
  }
  for (std::size_t i = 0; i < c.files.size(); ++i) {
    for (const auto& [k, p] : c.files[i].points) {
      if (seen[k] != c.files.size()) c.unmatched.emplace_back(i, k);
    }
  }
  for (std::size_t i = 0; i < c.files.size(); ++i) {
    using curve_id = std::pair<std::string, std::string>;
    std::map<curve_id, std::vector<curve_point>> by_curve;
    std::map<curve_id, std::vector<std::pair<std::size_t, std::string>>> flagged;
    std::map<curve_id, std::size_t> measured;
    std::map<curve_id, std::pair<std::size_t, double>> leaked;  // lowest per_vcpu, its leaks
    for (const auto& [k, p] : c.files[i].points) {
      const auto x = p.value("throughput");
      if (!x) continue;
      ++measured[{k.model, k.profile}];
      const auto l = p.values("leaks");
      const double most = l.empty() ? 0 : *std::max_element(l.begin(), l.end());
      if (most > 0 && !leaked.count({k.model, k.profile})) {
        leaked[{k.model, k.profile}] = {k.per_vcpu, most};  // std::map order: the lowest first
      }
      if (p.value("interference").value_or(0) > 0) {
        flagged[{k.model, k.profile}].emplace_back(
            k.per_vcpu, p.interference.empty() ? "interference" : p.interference);
        if (!o.include_flagged) continue;
      }
      by_curve[{k.model, k.profile}].push_back(
          {k.per_vcpu, *x, p.value("p50_us"), p.value("p99_us"), p.value("p90_us"),
           p.value("samples").value_or(0), p.value("cpu_util"), p.value("rss_peak_mb")});
    }
    for (const auto& [id, n] : measured) by_curve[id];  // a curve whose points were all flagged
    for (auto& [id, points] : by_curve) {
      curve_analysis a;
      a.file = i;
      a.model = id.first;
      a.profile = id.second;
      a.points = points;  // std::map order: ascending per_vcpu
      a.excluded = flagged[id];
      a.included = o.include_flagged && !a.excluded.empty();
      if (const auto it = leaked.find(id); it != leaked.end()) {
        a.leaked_per_vcpu = it->second.first;
        a.leaks = it->second.second;
      }
      if (points.size() < 2) {
        a.rec.why = fmt::format(
            "too few clean points: {} of {} measured without interference; rerun the sweep on a "
            "quiet machine, or pass --include_flagged to use them, marked",
            points.size(), measured[id]);
        c.curves.push_back(std::move(a));
        continue;
      }
      std::vector<double> n, x;
      for (const auto& p : points) {
        n.push_back(static_cast<double>(p.per_vcpu * c.files[i].vcpus));
        x.push_back(p.throughput);
      }
      a.usl = fit_usl(n, x);
      a.knee_per_vcpu = knee(points);
      a.rec = recommend(points, c.files[i].vcpus, o.p99_budget_us, o.cpu_target,
                        o.memory_per_vcpu_mb * static_cast<double>(c.files[i].vcpus));
      if (a.leaked_per_vcpu) {
        limit_to_clean(a.rec, points, c.files[i].vcpus, *a.leaked_per_vcpu, a.leaks);
      }
      for (const auto& p : points) {
        if (a.rec.per_vcpu && p.per_vcpu == *a.rec.per_vcpu) a.throughput_at_rec = p.throughput;
      }
      c.curves.push_back(std::move(a));
    }
  }
  return c;
}

}  // namespace inflight::bench::compare

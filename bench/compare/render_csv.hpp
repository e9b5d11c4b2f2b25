#pragma once
// inflight_compare, one CSV row per point and file.

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <ostream>
#include <string>

#include "compare/analysis.hpp"
#include "compare/cost.hpp"
#include "compare/render_text.hpp"
#include "compare/statistics.hpp"

namespace inflight::bench::compare {

/// The cap of file `file`'s curve (model, profile) at `per_vcpu` in `r`, or null.
inline const cap_cost* priced(const comparison& c, const cost_report* r, std::size_t file,
                              const point_key& k, std::string* chosen) {
  if (r == nullptr) return nullptr;
  for (std::size_t i = 0; i < r->curves.size(); ++i) {
    const curve_analysis& a = c.curves[r->curves[i].curve];
    if (a.file != file || a.model != k.model || a.profile != k.profile) continue;
    for (std::size_t j = 0; j < r->curves[i].caps.size(); ++j) {
      if (r->curves[i].caps[j].per_vcpu != k.per_vcpu) continue;
      for (const auto& choice : r->choices) {
        if (choice.curve == i && choice.cap == j)
          *chosen += (chosen->empty() ? "" : ";") + std::string(choice.strategy);
      }
      return &r->curves[i].caps[j];
    }
  }
  return nullptr;
}

/// One row per point and file; the cost columns are empty without prices (`cost` null) and for
/// points the cost left out (flagged ones, unless --include_flagged).
inline void write_csv(std::ostream& out, const comparison& c, const cost_report* cost = nullptr) {
  out << "model,profile,per_vcpu,file,label,vcpus,throughput,throughput_per_vcpu,p50_us,p99_us,"
         "cpu_util,repetitions,cv,per_vcpu_ratio_vs_first,mann_whitney_p,environments,instances,"
         "cost_month_usd,cost_per_million_usd,cost_choice\n";
  auto num = [](const std::optional<double>& v) { return v ? fmt::format("{:.6g}", *v) : ""; };
  for (const auto& k : c.common) {
    const point_data& first = c.files[0].points.at(k);
    for (std::size_t i = 0; i < c.files.size(); ++i) {
      const point_data& p = c.files[i].points.at(k);
      const versus_first v = against_first(first, p, i == 0);
      std::string label = c.files[i].label;
      std::replace(label.begin(), label.end(), ',', ';');
      std::string chosen;
      const cap_cost* cap = priced(c, cost, i, k, &chosen);
      out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},", k.model, k.profile,
                         k.per_vcpu, file_tag(i), label, c.files[i].vcpus,
                         num(p.value("throughput")), num(p.value("throughput_per_vcpu")),
                         num(p.value("p50_us")), num(p.value("p99_us")), num(p.value("cpu_util")),
                         v.repetitions, num(v.cv), num(v.ratio), num(v.p_value));
      out << (cap ? fmt::format("{},{},{:.2f},{:.6g},{}\n", cap->environments, cap->instances,
                                cap->month_usd, cap->per_million_usd, chosen)
                  : std::string(",,,,\n"));
    }
  }
}

}  // namespace inflight::bench::compare

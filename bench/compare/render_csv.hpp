#pragma once
// inflight_compare, one CSV row per point and file.

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <ostream>
#include <string>

#include "compare/analysis.hpp"
#include "compare/render_text.hpp"
#include "compare/statistics.hpp"

namespace inflight::bench::compare {

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

}  // namespace inflight::bench::compare

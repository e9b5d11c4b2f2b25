#pragma once
// inflight_compare, the cost report (compare/cost.hpp) as text or Markdown: the formula and the
// user's prices, each curve's caps priced, and the three choices.

#include <fmt/format.h>

#include <string>

#include "compare/analysis.hpp"
#include "compare/cost.hpp"
#include "compare/render_text.hpp"

namespace inflight::bench::compare {

/// "[B] fiber closed/io:2ms/cpu:0 per_vCPU 16": a priced cap, named.
inline std::string cap_name(const comparison& c, const cost_report& r, std::size_t curve,
                            std::size_t cap) {
  const curve_analysis& a = c.curves[r.curves[curve].curve];
  return fmt::format("[{}] {} {} per_vCPU {}", file_tag(a.file), a.model, a.profile,
                     r.curves[curve].caps[cap].per_vcpu);
}

inline std::string render_cost(const comparison& c, const cost_report& r, bool md) {
  const double millions = r.target_rps * hours_per_month * 3600 / 1e6;
  std::string out = fmt::format(
      md ? "\n### Cost of {:.0f} requests/s\n\n"
         : "\nCost of {:.0f} requests/s (the prices are your inputs, --price_per_hour and "
           "--instance: inflight ships no price table)\n",
      r.target_rps);
  if (md)
    out +=
        "The prices are your inputs (`--price_per_hour`, `--instance`): inflight ships no price "
        "table.\n\n";
  out += fmt::format(
      "{}per month = instances x price per hour x (1 + {:g}% management fee) x {:g} h + ${:.2f} "
      "per "
      "million requests x {:.0f} million; environments as above (at least 3), split evenly over "
      "{} zones, each zone's packed onto its own instances by vCPUs and memory "
      "(--memory_per_vcpu)\n",
      md ? "" : "  ", r.fee * 100, hours_per_month, r.request_price, millions, availability_zones);
  for (const auto& cc : r.curves) {
    const curve_analysis& a = c.curves[cc.curve];
    const sweep_file& f = c.files[a.file];
    out += fmt::format(md ? "\n- [{}] {} {} ({} vCPU) on a {:g}-vCPU, {:g}-GiB instance at ${:g}/h"
                          : "  [{}] {} {} ({} vCPU) on a {:g}-vCPU, {:g}-GiB instance at ${:g}/h",
                       file_tag(a.file), a.model, a.profile, f.vcpus, cc.instance.vcpus,
                       cc.instance.memory_gib, cc.price_per_hour);
    if (!cc.problem.empty()) {
      out += ": not priced: " + cc.problem + "\n";
      continue;
    }
    const std::size_t fit = cc.caps.front().per_instance;
    out += fmt::format(", {} environment{} to an instance:\n", fit, fit == 1 ? "" : "s");
    out += md ? "\n  | per_vCPU | environments | instances | $/month | $/million | tail ms | |\n"
                "  |---|---|---|---|---|---|---|\n"
              : fmt::format("      {:>8} {:>12} {:>9} {:>12} {:>10} {:>8}\n", "per_vCPU",
                            "environments", "instances", "$/month", "$/million", "tail_ms");
    for (const auto& cap : cc.caps) {
      const std::string tail = cap.tail_us ? fmt::format("{:.3f}", *cap.tail_us / 1e3) : "n/a";
      const std::string note = cap.excluded.empty() ? "" : "excluded: " + cap.excluded;
      out += md ? fmt::format("  | {} | {} | {} | {:.2f} | {:.4f} | {} | {} |\n", cap.per_vcpu,
                              cap.environments, cap.instances, cap.month_usd, cap.per_million_usd,
                              tail, note)
                : fmt::format("      {:>8} {:>12} {:>9} {:>12.2f} {:>10.4f} {:>8}  {}\n",
                              cap.per_vcpu, cap.environments, cap.instances, cap.month_usd,
                              cap.per_million_usd, tail, note);
    }
  }
  out += md ? "\n" : "";
  for (const auto& choice : r.choices) {
    if (!choice.curve) {
      out += fmt::format("{}{}: none: no priced cap is within its latency budget\n",
                         md ? "- " : "  ", choice.strategy);
      continue;
    }
    const cap_cost& cap = r.curves[*choice.curve].caps[*choice.cap];
    out += fmt::format(
        "{}{} ({}): {}: ${:.2f}/month, ${:.4f} per million, tail {:.3f} ms, {} "
        "instances\n",
        md ? "- " : "  ", choice.strategy, choice.meaning,
        cap_name(c, r, *choice.curve, *choice.cap), cap.month_usd, cap.per_million_usd,
        *cap.tail_us / 1e3, cap.instances);
  }
  return out;
}

}  // namespace inflight::bench::compare

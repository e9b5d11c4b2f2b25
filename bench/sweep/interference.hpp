#pragma once
// When a point ran beside other work: other processes' CPU on the point's CPUs, the hypervisor's
// steal, and a timer floor that stayed up across the point. A flagged point keeps its figures and
// says why (--strict makes it an exit status 1).

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

namespace inflight::bench {

/// Thresholds that flag a point as disturbed: other processes above 5% of the modelled vCPUs,
/// steal above 2%, a timer floor p99 above 3x the sweep's first probe.
struct interference_limits {
  double others_pct = 5, steal_pct = 2, floor_factor = 3;
};

/// The causes that flag a point, "; "-joined; "" for a clean point. `others_pct` is NaN when
/// /proc could not be read (the check is blind then, and says so); `first_floor_p99_us` 0 skips
/// the floor check.
inline std::string interference_causes(double others_pct, double steal_pct, double floor_p99_us,
                                       double first_floor_p99_us,
                                       const interference_limits& limits = {}) {
  std::vector<std::string> causes;
  if (std::isnan(others_pct)) {
    causes.push_back("other processes' CPU unknown (/proc could not be read)");
  } else if (others_pct > limits.others_pct) {
    causes.push_back(fmt::format("other processes used {:.1f}% of the vCPUs", others_pct));
  }
  if (steal_pct > limits.steal_pct) causes.push_back(fmt::format("steal {:.1f}%", steal_pct));
  if (first_floor_p99_us > 0 && floor_p99_us > limits.floor_factor * first_floor_p99_us) {
    causes.push_back(fmt::format("timer floor p99 {:.0f} us, {:.1f}x the first probe", floor_p99_us,
                                 floor_p99_us / first_floor_p99_us));
  }
  std::string out;
  for (const auto& c : causes) out += (out.empty() ? "" : "; ") + c;
  return out;
}

}  // namespace inflight::bench

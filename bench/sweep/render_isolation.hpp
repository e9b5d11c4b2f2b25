#pragma once
// The isolation check's part of the table (bench/isolation/check.hpp): under the exec points'
// runtime figures, each point that leaked with its first finding, what the check could not cover,
// and what the leaks column counts.

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sweep/rows.hpp"

namespace inflight::bench {

/// The leaks column's text for `r`: its count, or n/a where the check did not run.
inline std::string leaks_cell(const point_row& r) {
  return r.isolation.ran ? std::to_string(r.isolation.leaks) : "n/a";
}

/// The lines under the exec table; empty without an exec point.
inline std::string isolation_lines(const std::vector<point_row>& rows) {
  std::string out;
  bool ran = false;
  for (const auto& r : rows) {
    if (!r.exec || !r.isolation.ran) continue;
    ran = true;
    const auto& i = r.isolation;
    if (i.leaks != 0) {
      out += fmt::format(
          "! {} per_vCPU {}: {} invocations not kept apart ({} lines with another's id, {} "
          "written after their invocation ended, {} invocations whose lines differ, {} "
          "responses that differ, {} never answered); first: {}\n",
          r.model, r.per_vcpu, i.leaks, i.foreign.lines, i.late.lines, i.lines_differ,
          i.responses_differ, i.hung, i.first_finding());
    }
  }
  // What the check could not cover, once for each distinct reason.
  std::vector<std::string> partial;
  for (const auto& r : rows) {
    if (r.exec && r.isolation.ran && !r.isolation.partial.empty() &&
        std::find(partial.begin(), partial.end(), r.isolation.partial) == partial.end()) {
      partial.push_back(r.isolation.partial);
    }
  }
  for (const auto& p : partial) out += "isolation check, in part: " + p + ".\n";
  if (ran) {
    out +=
        "leaks: invocations the isolation check found not kept apart: a log line with another "
        "invocation's request id, trace id or tenant, or written after its own ended; lines or a "
        "response unlike the same event's at concurrency 1 (the reference run first); or never "
        "answered. --strict exits 1 on any.\n";
  }
  return out;
}

}  // namespace inflight::bench

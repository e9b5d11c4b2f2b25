#pragma once
// What the isolation check found at one exec point (check.hpp), as the point's result carries it
// to the rows and the renderers.

#include <cstdint>
#include <string>
#include <string_view>

#include "support/printable.hpp"

namespace inflight::bench::isolation {

/// A kind of finding in the log: how many lines, and the first one (300 characters at most).
struct line_finding {
  std::uint64_t lines = 0;
  std::string first;
  void add(std::string_view line) {
    if (lines++ == 0) first = printable(line.substr(0, 300)) + (line.size() > 300 ? "..." : "");
  }
};

/// One point's findings. Every invocation the point handed out counts, its warm-up's too.
struct findings {
  bool ran = false;                 // the check ran (an exec point with --isolation=on)
  std::uint64_t invocations = 0;    // that ended during the point
  std::uint64_t leaks = 0;          // distinct invocations named by any finding below
  line_finding foreign;             // lines with ids of two invocations, or another's tenant
  line_finding late;                // lines with the id of an invocation that had ended
  std::uint64_t lines_checked = 0;  // invocations whose lines were held to the reference
  std::uint64_t lines_differ = 0;   // of those, whose lines differ in number or shape
  std::string first_lines_differ;   // the first of them, described
  std::uint64_t responses_checked = 0;
  std::uint64_t responses_differ = 0;  // responses unlike the same event's at concurrency 1
  std::string first_response_differ;
  std::uint64_t hung = 0;  // never answered (timed out at deadline + 1 s)
  std::string first_hung;
  std::string partial;  // what the check could not cover; empty: all of it

  /// The first finding, as one line for under the table; empty without a leak.
  std::string first_finding() const {
    if (!foreign.first.empty()) return "a line with another invocation's id: " + foreign.first;
    if (!late.first.empty()) return "a line written after its invocation ended: " + late.first;
    if (!first_lines_differ.empty()) return first_lines_differ;
    if (!first_response_differ.empty()) return first_response_differ;
    return first_hung;
  }
};

}  // namespace inflight::bench::isolation

#pragma once
// One pass over what the runtime wrote during a point, line by line, against the point's ledger:
// which invocation's ids each line carries, which lines carry more than one invocation's (or a
// tenant not the invocation's), which carry the id of an invocation that had already ended when
// the line says it was written, and the shapes of the lines each invocation's id is on. Lines
// that carry no issued id (the runtime's own, a function's init) are not any invocation's.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "isolation/findings.hpp"
#include "isolation/ledger.hpp"
#include "isolation/shape.hpp"

namespace inflight::bench::isolation {

/// What one pass found.
struct log_facts {
  line_finding foreign;  // ids of two or more invocations, or a tenant not the invocation's
  line_finding late;     // the id of an invocation that had ended before the line's timestamp
  std::vector<std::uint64_t> foreign_named, late_named;  // the invocations those lines name
  std::vector<std::vector<std::uint64_t>> shapes;        // by number - 1: the shapes of its lines
  std::vector<std::string_view> first_line;              // by number - 1: its first line, or empty
  std::uint64_t lines = 0;                               // lines that carry an issued id
};

/// Scans `log` (the runtime's output) against `book`. A line is late when its timestamp is more
/// than 1 ms after its invocation's end (both are whole milliseconds); lines without one never
/// are. With `tenants`, a line's tenant-N must be its invocation's.
inline log_facts scan_log(std::string_view log, const ledger& book, bool tenants) {
  log_facts out;
  out.shapes.resize(book.size());
  out.first_line.resize(book.size());
  std::vector<std::uint64_t> named;  // the issued ids of the line at hand, in order
  std::size_t at = 0;
  while (at < log.size()) {
    std::size_t end = log.find('\n', at);
    if (end == std::string_view::npos) end = log.size();
    std::string_view line = log.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    named.clear();
    const text_digest d = digest(line, book.ids(), [&](const id_match& m) {
      if (m.number != 0 && m.number <= book.size()) named.push_back(m.number);  // this point's
    });
    if (named.empty()) continue;
    const std::uint64_t first = named.front();
    const bool several =
        std::any_of(named.begin(), named.end(), [&](std::uint64_t n) { return n != first; });
    ++out.lines;
    const entry& e = book.at(first);
    const std::size_t tenant = tenants ? id_finder::tenant_in(line) : 0;
    if (several || (tenant != 0 && tenant != e.tenant)) {
      out.foreign.add(line);
      out.foreign_named.insert(out.foreign_named.end(), named.begin(), named.end());
      continue;
    }
    const std::int64_t written = line_time_ms(line);
    if (written != no_time && e.ended_ms != no_time && written > e.ended_ms + 1) {
      out.late.add(line);
      out.late_named.push_back(first);
    }
    out.shapes[first - 1].push_back(d.shape);
    if (out.first_line[first - 1].empty()) out.first_line[first - 1] = line;
  }
  return out;
}

}  // namespace inflight::bench::isolation

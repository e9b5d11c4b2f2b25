#pragma once
// --threshold=: pass/fail criteria over the points' counters, as k6 users gate CI on theirs
// (p(95)<500): COUNTER OP VALUE, OP one of < <= > >= == !=, over any counter a point reports in
// the JSON (render_counters.hpp) or two shares derived from them, throttled_pct (throttled per
// arrival) and failed_pct (failed per invocation that ended). Every measured point must meet every
// threshold; one that fails is named in one line and the sweep exits 1.

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "sweep/options.hpp"
#include "sweep/render_counters.hpp"
#include "sweep/rows.hpp"

namespace inflight::bench {

/// One threshold, as given and parsed.
struct threshold {
  std::string text;
  std::string counter;
  std::string op;  // <, <=, >, >=, ==, !=
  double value = 0;
  bool holds(double v) const {
    return op == "<"    ? v < value
           : op == "<=" ? v <= value
           : op == ">"  ? v > value
           : op == ">=" ? v >= value
           : op == "==" ? v == value
                        : v != value;
  }
};

/// What one threshold found over the points: where it failed, the worst figure first.
struct threshold_result {
  threshold t;
  std::size_t points = 0;  // that report its counter
  std::size_t failed = 0;
  std::string first;  // the first failure: "POINT: COUNTER = VALUE" or "... n/a (why)"
};

namespace detail {
// A point's value of `counter`: nullopt when it reports no such counter (a model's point has no
// leaks), NaN when it could not be measured or a percentile has too few samples behind it.
inline std::optional<double> counter_of(const point_row& r, const std::string& counter) {
  if (counter == "throttled_pct") return throttled_pct(r);
  if (counter == "failed_pct") return failed_pct(r);
  for (const auto& [name, v] : row_counters(r)) {
    if (counter != name) continue;
    const double q = counter == "p50_us"    ? 50
                     : counter == "p90_us"  ? 90
                     : counter == "p99_us"  ? 99
                     : counter == "p999_us" ? 99.9
                                            : 0;
    return q > 0 && !enough_samples(r.samples, q) ? std::nan("") : v;
  }
  return std::nullopt;
}

// Every counter a threshold may name.
inline std::vector<std::string> threshold_counters() {
  point_row full;
  full.exec = true;
  full.isolation.ran = true;
  full.runtime_workers = 1;
  full.probes = 1;  // --find's max_rate
  std::vector<std::string> out;
  for (const auto& [name, v] : row_counters(full)) out.emplace_back(name);
  out.emplace_back("throttled_pct");
  out.emplace_back("failed_pct");
  return out;
}
}  // namespace detail

/// Parses `--threshold=TEXT`. Throws usage_error naming the flag, the value and what is valid.
inline threshold parse_threshold(const std::string& text) {
  const std::string form = "valid: COUNTER OP NUMBER, OP one of < <= > >= == !=, e.g. p99_us<5000";
  std::size_t at = 0;
  while (at < text.size() &&
         (std::isalnum(static_cast<unsigned char>(text[at])) || text[at] == '_'))
    ++at;
  threshold t;
  t.text = text;
  t.counter = text.substr(0, at);
  std::size_t i = at;
  while (i < text.size() && text[i] == ' ') ++i;
  for (const char* op : {"<=", ">=", "==", "!=", "<", ">"}) {
    if (text.compare(i, std::char_traits<char>::length(op), op) == 0) {
      t.op = op;
      break;
    }
  }
  if (t.counter.empty() || t.op.empty()) detail::usage("threshold", text, form);
  const auto counters = detail::threshold_counters();
  if (std::find(counters.begin(), counters.end(), t.counter) == counters.end()) {
    std::string all;
    for (const auto& c : counters) all += (all.empty() ? "" : ", ") + c;
    detail::usage("threshold", text, "unknown counter '" + t.counter + "'; valid: " + all);
  }
  const std::string number = text.substr(i + t.op.size());
  const char* begin = number.c_str();
  while (*begin == ' ') ++begin;
  char* end = nullptr;
  errno = 0;
  t.value = std::strtod(begin, &end);
  while (end != nullptr && *end == ' ') ++end;
  if (*begin == '\0' || end == nullptr || *end != '\0' || errno != 0 || !std::isfinite(t.value)) {
    detail::usage("threshold", text, "'" + number + "' is not a number; " + form);
  }
  return t;
}

/// Each threshold over `rows` (every repetition of every measured point).
inline std::vector<threshold_result> check_thresholds(const std::vector<threshold>& ts,
                                                      const std::vector<point_row>& rows) {
  std::vector<threshold_result> out;
  for (const auto& t : ts) {
    threshold_result r;
    r.t = t;
    for (const auto& row : rows) {
      const auto v = detail::counter_of(row, t.counter);
      if (!v) continue;
      ++r.points;
      if (!std::isnan(*v) && t.holds(*v)) continue;
      if (r.failed++ == 0) {
        r.first = std::isnan(*v) ? fmt::format("{}: {} is n/a (not measured, or too few samples)",
                                               row.name, t.counter)
                                 : fmt::format("{}: {} = {:g}", row.name, t.counter, *v);
      }
    }
    out.push_back(r);
  }
  return out;
}

/// The line for a threshold that failed (or applied to no point), or "" when it held.
inline std::string threshold_line(const threshold_result& r) {
  if (r.points == 0) {
    return fmt::format("--threshold={} applies to no measured point (none reports {})", r.t.text,
                       r.t.counter);
  }
  if (r.failed == 0) return "";
  return fmt::format("--threshold={} failed at {} of {} points; first: {}", r.t.text, r.failed,
                     r.points, r.first);
}

}  // namespace inflight::bench

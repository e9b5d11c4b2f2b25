#pragma once
// --rate: one constant rate, or a profile of stages like k6's ramping-arrival-rate, back to back
// from the window's start: `A/D` holds A arrivals per second for D, `A..B/D` ramps from A up to B
// over D. Two constant stages make a step: `1000/10s,5000/10s`. The stages are the window.

#include <fmt/format.h>

#include <chrono>
#include <string>
#include <vector>

#include "inflight/distribution.hpp"  // parse_duration, format_duration
#include "point/spec.hpp"
#include "support/flags.hpp"
#include "sweep/flag_values.hpp"

namespace inflight::bench {

/// What --rate asked for.
struct rate_profile {
  double mean = 0;                 // arrivals per second over the window (the rate when constant)
  std::vector<rate_stage> stages;  // empty: `mean` throughout
  std::chrono::nanoseconds length{0};  // the stages' lengths summed; 0 when constant
};

/// A rate profile in a point's name: "10000", or "1000..20000:30s+20000:10s".
inline std::string rate_name(double rate, const std::vector<rate_stage>& stages) {
  if (stages.empty()) return fmt::format("{}", rate);
  std::string out;
  for (const auto& s : stages) {
    if (!out.empty()) out += '+';
    out += s.from == s.to ? fmt::format("{}", s.from) : fmt::format("{}..{}", s.from, s.to);
    out += ":" + format_duration(s.length);
  }
  return out;
}

namespace detail {

// A stage's rate: 0..10000000 per second.
inline double stage_rate(const std::string& value, const std::string& text) {
  const auto r = inflight::detail::parse_plain_number(text);
  if (!r || !(*r >= 0) || *r > 1e7) {
    usage("rate", value,
          "stage rate '" + text +
              "' is not a number in 0..10000000; valid: " + flag_range("rate", 0));
  }
  return *r;
}

}  // namespace detail

/// --rate's value. Throws usage_error naming the flag, the value and what is valid: a rate out of
/// range, a stage without a length or of 0 s, a ramp that goes down (a drop is a step), more than
/// 100 stages, stages longer than 1 h in all, or a profile with no arrivals.
inline rate_profile parse_rate_profile(const std::string& value) {
  const std::string valid = "valid: " + flag_range("rate", 0);
  rate_profile p;
  if (value.find('/') == std::string::npos) {
    const auto r = parse_positive_number(value, 1e7);
    if (!r || *r < 0.001) detail::usage("rate", value, "valid range is " + flag_range("rate", 0));
    p.mean = *r;
    return p;
  }
  const auto items = split_list(value);
  if (items.size() > 100) detail::usage("rate", value, "more than 100 stages; " + valid);
  double arrivals = 0;
  for (const auto& item : items) {
    const auto slash = item.find('/');
    if (slash == std::string::npos) {
      detail::usage("rate", value, "stage '" + item + "' has no length (RATE/DURATION); " + valid);
    }
    const std::string rates = item.substr(0, slash), length = item.substr(slash + 1);
    rate_stage s;
    const auto dots = rates.find("..");
    s.from = detail::stage_rate(value, rates.substr(0, dots));
    s.to = dots == std::string::npos ? s.from : detail::stage_rate(value, rates.substr(dots + 2));
    if (s.to < s.from) {
      detail::usage("rate", value,
                    "the ramp '" + rates +
                        "' goes down; a ramp goes up (A..B with A < B), a drop "
                        "is a step (" +
                        rates.substr(0, dots) + "/D," + rates.substr(dots + 2) + "/D); " + valid);
    }
    try {
      s.length = parse_duration(length, "--rate");
    } catch (const std::invalid_argument&) {
      detail::usage("rate", value, "stage length '" + length + "' is not a duration; " + valid);
    }
    if (s.length < std::chrono::milliseconds(10)) {
      detail::usage("rate", value,
                    "stage '" + item + "' lasts under 10ms; each stage lasts 10ms..1h; " + valid);
    }
    p.length += s.length;
    if (p.length > std::chrono::hours(1)) {
      detail::usage("rate", value, "the stages last over 1h in all; " + valid);
    }
    arrivals += (s.from + s.to) / 2 * std::chrono::duration<double>(s.length).count();
    p.stages.push_back(s);
  }
  p.mean = arrivals / std::chrono::duration<double>(p.length).count();
  if (!(p.mean > 0)) detail::usage("rate", value, "no stage has arrivals; " + valid);
  return p;
}

}  // namespace inflight::bench

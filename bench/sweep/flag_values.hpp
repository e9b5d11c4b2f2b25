#pragma once
// The values of inflight_sweep's flags, one parser each: every failure is a usage_error whose line
// names the flag, the value and the valid range (flag_table.hpp).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "inflight/distribution.hpp"
#include "inflight/limits.hpp"
#include "models/traits.hpp"
#include "support/flags.hpp"
#include "sweep/flag_table.hpp"
#include "sweep/options.hpp"

namespace inflight::bench {

namespace detail {

[[noreturn]] inline void usage(const std::string& flag, const std::string& value,
                               const std::string& rest) {
  throw usage_error("--" + flag + "=" + value + ": " + rest);
}

inline std::uint64_t parse_count(const std::string& flag, const std::string& text,
                                 const std::string& range) {
  if (text.empty() || text.size() > 12 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    usage(flag, text, "not a whole number; valid range is " + range);
  }
  return std::stoull(text);
}

inline std::chrono::nanoseconds checked_duration(const std::string& text) {
  const auto d = parse_duration(text, "--duration");
  if (d < std::chrono::milliseconds(10) || d > std::chrono::hours(1)) {
    usage("duration", text, "valid range is " + flag_range("duration", 0));
  }
  return d;
}
inline std::chrono::nanoseconds checked_warmup(const std::string& text) {
  const auto d = parse_duration(text, "--warmup");
  if (d > std::chrono::hours(1)) usage("warmup", text, "valid range is " + flag_range("warmup", 0));
  return d;
}
inline std::chrono::nanoseconds parse_ranged_duration(const std::string& flag,
                                                      const std::string& text,
                                                      std::chrono::nanoseconds lo,
                                                      std::chrono::nanoseconds hi,
                                                      const std::string& range);
inline std::chrono::nanoseconds checked_deadline(const std::string& text) {
  return parse_ranged_duration(
      "deadline", text, std::chrono::milliseconds(1), std::chrono::seconds(900),
      "valid range is " + flag_range("deadline", 0) + " (Lambda's timeout)");
}
inline std::chrono::nanoseconds checked_init_timeout(const std::string& text) {
  return parse_ranged_duration("init_timeout", text, std::chrono::milliseconds(100),
                               std::chrono::seconds(600),
                               "valid range is " + flag_range("init_timeout", 0));
}
// A character a label (and a file name made from a point's name) may hold.
inline bool label_char(char c) {
  return c == '_' || c == '-' || c == '.' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9');
}

inline std::string checked_label(const std::string& label) {
  if (label.empty() || label.size() > 64 || !std::all_of(label.begin(), label.end(), label_char)) {
    usage("label", label, "valid: 1..64 letters, digits, '.', '_' and '-'");
  }
  return label;
}

// `text` as a duration within lo..hi; any failure names the flag with `range`.
inline std::chrono::nanoseconds parse_ranged_duration(const std::string& flag,
                                                      const std::string& text,
                                                      std::chrono::nanoseconds lo,
                                                      std::chrono::nanoseconds hi,
                                                      const std::string& range) {
  std::chrono::nanoseconds d{};
  try {
    d = parse_duration(text, "--" + flag);
  } catch (const std::invalid_argument&) {
    usage(flag, text, "not a duration (a number and ns, us, ms or s); " + range);
  }
  if (d < lo || d > hi) usage(flag, text, range);
  return d;
}

inline std::vector<std::size_t> parse_per_vcpu(const std::string& text, std::size_t vcpus) {
  const std::string range = "valid per-vCPU values are 1..64";
  auto one = [&](const std::string& item) {
    const auto n = static_cast<std::size_t>(parse_count("per_vcpu", item, "1..64"));
    if (n == 0) usage("per_vcpu", item, "0 is out of range; " + range);
    try {
      check_max_concurrency(n * vcpus, vcpus);
    } catch (const std::invalid_argument& e) {
      usage("per_vcpu", item, std::string(e.what()) + " (" + range + ")");
    }
    return n;
  };
  std::vector<std::size_t> out;
  const auto dots = text.find("..");
  if (dots != std::string::npos) {
    std::string hi_text = text.substr(dots + 2);
    bool dense = false;
    if (const auto colon = hi_text.find(':'); colon != std::string::npos) {
      if (hi_text.substr(colon + 1) != "dense") {
        usage("per_vcpu", text, "unknown range option; valid: LO..HI or LO..HI:dense");
      }
      dense = true;
      hi_text = hi_text.substr(0, colon);
    }
    const std::size_t lo = one(text.substr(0, dots));
    const std::size_t hi = one(hi_text);
    if (hi < lo) usage("per_vcpu", text, "the range runs backwards; valid: LO..HI with LO <= HI");
    for (std::size_t v = lo; v <= hi; v *= 2) {
      out.push_back(v);
      if (dense && v % 2 == 0 && v * 3 / 2 <= hi) out.push_back(v * 3 / 2);
    }
    if (out.back() != hi) out.push_back(hi);
  } else {
    for (const auto& item : split_list(text)) out.push_back(one(item));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

inline std::vector<model> parse_models(const std::string& text) {
  const std::string valid = "valid: " + model_names() + ", all";
  std::vector<model> out;
  if (text == "all") {
    for (const auto& t : model_table) out.push_back(t.id);
    return out;
  }
  for (const auto& name : split_list(text)) {
    const auto m = model_by_name(name);
    if (!m) usage("model", text, "unknown model '" + name + "'; " + valid);
    if (std::find(out.begin(), out.end(), *m) == out.end()) out.push_back(*m);
  }
  return out;
}

// --env's NAME=VALUE, NAME of letters, digits and '_' (not first a digit).
inline std::pair<std::string, std::string> checked_env(const std::string& value) {
  const auto k = value.find('=');
  const std::string key = value.substr(0, k);
  if (k == std::string::npos || key.empty() || (key[0] >= '0' && key[0] <= '9') ||
      !std::all_of(key.begin(), key.end(), [](char c) {
        return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
               (c >= '0' && c <= '9');
      })) {
    usage("env", value, "valid: NAME=VALUE, NAME of letters, digits and '_'");
  }
  return {key, value.substr(k + 1)};
}

}  // namespace detail

}  // namespace inflight::bench

#pragma once
// inflight_compare, loading: reads inflight_sweep JSON files, checks every value like a flag, and
// keys their points by model, load profile and per-vCPU concurrency. Includes nlohmann-json; no
// statistics or rendering here.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "inflight/limits.hpp"

namespace inflight::bench::compare {

/// An input or flag error: the message is the one line to print before exiting 2.
struct compare_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What lines points up across files: the model, the load profile and the per-vCPU concurrency.
struct point_key {
  std::string model;
  std::string profile;
  std::size_t per_vcpu = 0;
  bool operator<(const point_key& o) const {
    return std::tie(model, profile, per_vcpu) < std::tie(o.model, o.profile, o.per_vcpu);
  }
  bool operator==(const point_key& o) const {
    return model == o.model && profile == o.profile && per_vcpu == o.per_vcpu;
  }
  std::string name() const { return fmt::format("{}/{}/per_vcpu:{}", model, profile, per_vcpu); }
};

/// One point of one file: each counter's values over the repetitions.
struct point_data {
  std::map<std::string, std::vector<double>> samples;
  /// Why inflight_sweep flagged the point for interference (the run's label); "" when clean.
  std::string interference;

  /// The median of a counter over the repetitions; nullopt when missing or not a number.
  std::optional<double> value(const std::string& counter) const;
  /// A counter's values over the repetitions; empty when missing.
  const std::vector<double>& values(const std::string& counter) const {
    static const std::vector<double> none;
    auto it = samples.find(counter);
    return it == samples.end() ? none : it->second;
  }
};

struct sweep_file {
  std::string path;
  std::string label;
  std::map<std::string, std::string> context;
  std::size_t vcpus = 0;
  std::map<point_key, point_data> points;
  std::vector<std::string> problems;  // missing or non-numeric counters, unmeasured points
};

/// The counters a comparison reads, each with the largest value a real sweep can write. One that is
/// missing, not a number or out of its range is reported and left out, never fatal.
struct counter_range {
  const char* name;
  double max;
};
inline constexpr std::array<counter_range, 10> read_counters = {{
    {"throughput", 1e9},           // invocations per second
    {"throughput_per_vcpu", 1e9},  //
    {"p50_us", 3.6e9},             // one hour, the histogram's range
    {"p90_us", 3.6e9},             //
    {"samples", 1e15},             // latencies behind the percentiles
    {"interference", 1},           // 1: flagged by inflight_sweep
    {"p99_us", 3.6e9},             //
    {"cpu_util", 64},              // a fraction of the vCPUs; above 1 only by accounting noise
    {"throttled", 1e15},           //
    {"failed", 1e15},              //
}};

/// The JSON format this inflight_compare reads: context.inflight_format. Format 1 (inflight 0.1.0,
/// no such key) counted the whole process in cpu_util and had no interference counters.
inline constexpr int sweep_format = 2;

/// vCPUs a file may claim: 1..4096, as a machine inflight_sweep runs on can have.
inline constexpr std::size_t max_file_vcpus = 4096;

inline std::optional<double> point_data::value(const std::string& counter) const {
  auto it = samples.find(counter);
  if (it == samples.end() || it->second.empty()) return std::nullopt;
  std::vector<double> v = it->second;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// Splits a point name into its key; nullopt when it is not an inflight_sweep point (per_vcpu
/// must be 1..64, as inflight_sweep writes it).
inline std::optional<point_key> parse_point_name(std::string name) {
  // Google Benchmark appends its run options; they are not part of the point.
  for (const char* suffix :
       {"/iterations:", "/repeats:", "/real_time", "/min_time:", "/threads:"}) {
    const auto at = name.find(suffix);
    if (at != std::string::npos) name.erase(at);
  }
  const auto first = name.find('/');
  const auto last = name.rfind("/per_vcpu:");
  if (first == std::string::npos || last == std::string::npos || last <= first) return std::nullopt;
  const std::string count = name.substr(last + 10);
  if (count.empty() || count.size() > 2 ||
      !std::all_of(count.begin(), count.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const auto per_vcpu = static_cast<std::size_t>(std::stoul(count));
  if (per_vcpu < 1 || per_vcpu > max_per_vcpu) return std::nullopt;  // as --per_vcpu refuses it
  return point_key{name.substr(0, first), name.substr(first + 1, last - first - 1), per_vcpu};
}

/// Replaces the non-finite literals Google Benchmark writes (NaN, inf, -nan, Infinity, ...), which
/// JSON does not allow, with null, leaving strings alone. Its CV aggregates of all-zero counters
/// are NaN.
inline std::string null_non_finite(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      out += ch;
      if (ch == '\\' && i + 1 < text.size())
        out += text[++i];
      else if (ch == '"')
        in_string = false;
      continue;
    }
    if (ch == '"') {
      in_string = true;
      out += ch;
      continue;
    }
    bool replaced = false;
    for (const char* word :
         {"-Infinity", "Infinity", "-NaN", "NaN", "-nan", "nan", "-inf", "inf"}) {
      const std::size_t n = std::strlen(word);
      if (text.compare(i, n, word) == 0) {
        out += "null";
        i += n - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += ch;
  }
  return out;
}

namespace detail {

// A context value as text: strings as they are, other scalars as JSON; arrays and objects
// (Google Benchmark's "caches", "load_avg") are not read, and never dumped, so no nesting depth
// can exhaust the stack.
inline std::optional<std::string> scalar_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean() || v.is_null()) return v.dump();
  return std::nullopt;
}

// A string field of a benchmark entry: its value, `fallback` when absent, nullopt when present
// but not a string.
inline std::optional<std::string> string_field(const nlohmann::json& b, const char* key,
                                               const std::string& fallback) {
  if (!b.contains(key)) return fallback;
  if (!b[key].is_string()) return std::nullopt;
  return b[key].get<std::string>();
}

}  // namespace detail

/// Reads the text of one inflight_sweep JSON file; `path` names it in messages and `label`
/// overrides the label made from the context. Every value read is checked like a flag: an entry of
/// the wrong shape or a counter out of range is listed in `problems` and left out; a file whose
/// context is unusable throws compare_error.
inline sweep_file parse_sweep(const std::string& text, const std::string& path,
                              const std::string& label = "") {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(null_non_finite(text));
  } catch (const nlohmann::json::exception& e) {
    throw compare_error(path + ": not valid JSON: " + e.what());
  }
  if (!doc.is_object() || !doc.contains("context") || !doc["context"].is_object() ||
      !doc["context"].contains("inflight_version") || !doc.contains("benchmarks") ||
      !doc["benchmarks"].is_array()) {
    throw compare_error(path +
                        ": not an inflight_sweep JSON file (no context.inflight_version or no "
                        "benchmarks); write one with inflight_sweep --benchmark_out=FILE");
  }
  sweep_file f;
  f.path = path;
  for (const auto& [k, v] : doc["context"].items()) {
    if (auto t = detail::scalar_text(v)) f.context[k] = *t;
  }
  const std::string format =
      f.context.count("inflight_format") ? f.context["inflight_format"] : "1";
  if (format != std::to_string(sweep_format)) {
    throw compare_error(fmt::format(
        "{}: written by inflight {} in format {}; this inflight_compare reads format {} (format "
        "1's cpu_util counted the whole process and it has no interference counters): rerun "
        "inflight_sweep",
        path, f.context["inflight_version"], format, sweep_format));
  }
  const std::string vcpus = f.context["vcpus"];
  if (vcpus.empty() || vcpus.size() > 4 ||
      !std::all_of(vcpus.begin(), vcpus.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoul(vcpus) < 1 || std::stoul(vcpus) > max_file_vcpus) {
    throw compare_error(fmt::format("{}: context.vcpus is '{}'; valid range is 1..{}", path, vcpus,
                                    max_file_vcpus));
  }
  f.vcpus = static_cast<std::size_t>(std::stoul(vcpus));
  f.label = !label.empty() ? label
                           : fmt::format("{}, {} vCPU, {}", f.context["cpu_model"], f.vcpus,
                                         f.context["arch"]);
  std::size_t index = 0;
  for (const auto& b : doc["benchmarks"]) {
    const std::size_t at = index++;
    if (!b.is_object()) {
      f.problems.push_back(fmt::format("{}: benchmarks[{}] is not an object; skipped", path, at));
      continue;
    }
    const auto plain = detail::string_field(b, "name", "");
    const auto run_name = detail::string_field(b, "run_name", plain.value_or(""));
    const auto run_type = detail::string_field(b, "run_type", "iteration");
    const auto message = detail::string_field(b, "error_message", "error");
    if (!plain || !run_name || !run_type || !message ||
        (b.contains("error_occurred") && !b["error_occurred"].is_boolean())) {
      f.problems.push_back(fmt::format(
          "{}: benchmarks[{}]: name, run_name, run_type or error_message is not a string, or "
          "error_occurred not a boolean; skipped",
          path, at));
      continue;
    }
    if (*run_type != "iteration") continue;  // aggregates
    auto key = parse_point_name(*run_name);
    if (!key) {
      f.problems.push_back(fmt::format(
          "{}: '{}' is not an inflight_sweep point (model/profile/per_vcpu:1..64); skipped", path,
          *run_name));
      continue;
    }
    if (b.value("error_occurred", false)) {
      f.problems.push_back(
          fmt::format("{}: {} was not measured ({})", path, key->name(), *message));
      continue;
    }
    point_data& p = f.points[*key];
    if (b.contains("label") && b["label"].is_string())
      p.interference = b["label"].get<std::string>();
    for (const auto& [counter, max] : read_counters) {
      if (!b.contains(counter) || !b[counter].is_number() ||
          !std::isfinite(b[counter].get<double>())) {
        f.problems.push_back(fmt::format("{}: {}: counter {} is {}", path, key->name(), counter,
                                         b.contains(counter) ? "not a number" : "missing"));
        continue;
      }
      const double v = b[counter].get<double>();
      if (v < 0 || v > max) {
        f.problems.push_back(fmt::format("{}: {}: counter {} is {:g}; valid range is 0..{:g}", path,
                                         key->name(), counter, v, max));
        continue;
      }
      p.samples[counter].push_back(v);
    }
    // Counters only some points have (exec points: the real runtime's memory, the isolation
    // check's leaks), read when there; one there but not a number in its range is reported.
    for (const auto& [counter, max] : {counter_range{"rss_peak_mb", 1e9}, {"leaks", 1e15}}) {
      if (!b.contains(counter)) continue;
      const double v = b[counter].is_number() ? b[counter].get<double>() : -1;
      if (std::isfinite(v) && v >= 0 && v <= max) {
        p.samples[counter].push_back(v);
      } else {
        f.problems.push_back(fmt::format("{}: {}: counter {} is not a number in 0..{:g}; left out",
                                         path, key->name(), counter, max));
      }
    }
  }
  return f;
}

/// With --match=per_vcpu: every point keyed by load profile and per-vCPU concurrency alone (model
/// "*"), so files of different models or labels line up. A file holding the same load and
/// concurrency under two models keeps the first and lists the other as a problem.
inline void key_by_per_vcpu(sweep_file& f) {
  std::map<point_key, point_data> points;
  for (auto& [k, p] : f.points) {
    point_key any{"*", k.profile, k.per_vcpu};
    if (points.count(any) != 0) {
      f.problems.push_back(fmt::format(
          "{}: {}: another model has the same load and per_vCPU; --match=per_vcpu keeps the "
          "first (one model per file)",
          f.path, k.name()));
      continue;
    }
    points.emplace(any, std::move(p));
  }
  f.points = std::move(points);
}

/// Reads one inflight_sweep JSON file (see parse_sweep). Throws compare_error for an unreadable
/// file, malformed JSON, or a file not from inflight.
inline sweep_file load_sweep(const std::string& path, const std::string& label = "") {
  std::ifstream in(path);
  if (!in) throw compare_error(path + ": cannot read: " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) throw compare_error(path + ": cannot read: " + std::strerror(errno));
  return parse_sweep(text.str(), path, label);
}

}  // namespace inflight::bench::compare

#pragma once
// inflight_compare's logic: read inflight_sweep JSON files, match their points, fit the scaling
// curve, recommend a concurrency cap, and render tables and SVG charts.

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
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "inflight/distribution.hpp"
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
inline constexpr std::array<counter_range, 7> read_counters = {{
    {"throughput", 1e9},           // invocations per second
    {"throughput_per_vcpu", 1e9},  //
    {"p50_us", 3.6e9},             // one hour, the histogram's range
    {"p99_us", 3.6e9},             //
    {"cpu_util", 64},              // a fraction of the vCPUs; above 1 only by accounting noise
    {"throttled", 1e15},           //
    {"failed", 1e15},              //
}};

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
  }
  return f;
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

// ---- statistics ---------------------------------------------------------------------------------

/// Coefficient of variation (sample stddev / mean); nullopt with fewer than 2 values.
inline std::optional<double> coefficient_of_variation(const std::vector<double>& v) {
  if (v.size() < 2) return std::nullopt;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  if (mean == 0) return std::nullopt;
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size() - 1)) / std::abs(mean);
}

/// Two-sided Mann-Whitney U test (normal approximation with tie correction, as compare.py uses
/// it); nullopt when either side has fewer than 9 values.
inline std::optional<double> mann_whitney_p(const std::vector<double>& a,
                                            const std::vector<double>& b) {
  if (a.size() < 9 || b.size() < 9) return std::nullopt;
  std::vector<std::pair<double, int>> all;
  for (double x : a) all.emplace_back(x, 0);
  for (double x : b) all.emplace_back(x, 1);
  std::sort(all.begin(), all.end());
  const double n1 = static_cast<double>(a.size()), n2 = static_cast<double>(b.size());
  const double n = n1 + n2;
  double rank_a = 0, ties = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    const double t = static_cast<double>(j - i);
    ties += t * t * t - t;
    for (std::size_t k = i; k < j; ++k) rank_a += all[k].second == 0 ? rank : 0;
    i = j;
  }
  const double u = rank_a - n1 * (n1 + 1) / 2;
  const double mean_u = n1 * n2 / 2;
  const double var_u = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)));
  if (var_u <= 0) return 1.0;
  const double z = (std::abs(u - mean_u) - 0.5) / std::sqrt(var_u);
  return std::erfc(std::max(z, 0.0) / std::sqrt(2.0));
}

/// How one file's point stands against the same point of the first file. Files may differ in
/// vCPUs, so the ratio, the test and the CV all use throughput per vCPU.
struct versus_first {
  std::optional<double> ratio;    // throughput per vCPU / the first file's; nullopt for the first
  std::optional<double> p_value;  // Mann-Whitney U; nullopt for the first or below 9 repetitions
  std::optional<double> cv;       // over this file's repetitions
  std::size_t repetitions = 0;
};

inline versus_first against_first(const point_data& first, const point_data& p, bool is_first) {
  const auto& mine = p.values("throughput_per_vcpu");
  versus_first v;
  v.cv = coefficient_of_variation(mine);
  v.repetitions = mine.size();
  if (!is_first) {
    const auto a = first.value("throughput_per_vcpu"), b = p.value("throughput_per_vcpu");
    if (a && b && *a > 0) v.ratio = *b / *a;
    v.p_value = mann_whitney_p(first.values("throughput_per_vcpu"), mine);
  }
  return v;
}

/// The Universal Scalability Law X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1)).
struct usl_fit {
  double lambda = 0, sigma = 0, kappa = 0, r2 = 0;
  double operator()(double n) const {
    return lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1));
  }
  /// The concurrency of peak throughput, sqrt((1 - sigma) / kappa); nullopt without a peak.
  std::optional<double> peak() const {
    if (kappa <= 0 || sigma >= 1) return std::nullopt;
    return std::sqrt((1 - sigma) / kappa);
  }
};

namespace detail {
// Solves the 3x3 system m x = r by Gaussian elimination with partial pivoting.
inline bool solve3(std::array<std::array<double, 3>, 3> m, std::array<double, 3> r,
                   std::array<double, 3>& x) {
  for (int c = 0; c < 3; ++c) {
    int p = c;
    for (int i = c + 1; i < 3; ++i) {
      if (std::abs(m[i][c]) > std::abs(m[p][c])) p = i;
    }
    if (std::abs(m[p][c]) < 1e-300) return false;
    std::swap(m[c], m[p]);
    std::swap(r[c], r[p]);
    for (int i = c + 1; i < 3; ++i) {
      const double f = m[i][c] / m[c][c];
      for (int k = c; k < 3; ++k) m[i][k] -= f * m[c][k];
      r[i] -= f * r[c];
    }
  }
  for (int c = 2; c >= 0; --c) {
    double s = r[c];
    for (int k = c + 1; k < 3; ++k) s -= m[c][k] * x[k];
    x[c] = s / m[c][c];
  }
  return true;
}

inline double sse(const usl_fit& f, const std::vector<double>& n, const std::vector<double>& x) {
  double s = 0;
  for (std::size_t i = 0; i < n.size(); ++i) s += (x[i] - f(n[i])) * (x[i] - f(n[i]));
  return s;
}
}  // namespace detail

/// Fits the USL to (concurrency, throughput) points by least squares: first the linear problem
/// N / X = a + b (N - 1) + c N (N - 1) (so lambda = 1/a, sigma = b/a, kappa = c/a), then
/// Levenberg-Marquardt on the throughput residuals. nullopt with fewer than 3 distinct points.
inline std::optional<usl_fit> fit_usl(const std::vector<double>& n, const std::vector<double>& x) {
  if (n.size() != x.size() || std::set<double>(n.begin(), n.end()).size() < 3) return std::nullopt;
  std::array<std::array<double, 3>, 3> m{};
  std::array<double, 3> r{};
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (!(x[i] > 0)) return std::nullopt;
    const std::array<double, 3> row = {1.0, n[i] - 1, n[i] * (n[i] - 1)};
    const double y = n[i] / x[i];
    for (int a = 0; a < 3; ++a) {
      for (int b = 0; b < 3; ++b) m[a][b] += row[a] * row[b];
      r[a] += row[a] * y;
    }
  }
  std::array<double, 3> abc{};
  if (!detail::solve3(m, r, abc) || !(abc[0] > 0)) return std::nullopt;
  usl_fit f{1 / abc[0], abc[1] / abc[0], abc[2] / abc[0], 0};
  // Levenberg-Marquardt on sum (X - USL(N))^2, accepting only steps that lower it.
  double mu = 1e-3;
  double best = detail::sse(f, n, x);
  for (int iter = 0; iter < 100 && best > 0; ++iter) {
    std::array<std::array<double, 3>, 3> jtj{};
    std::array<double, 3> jtr{};
    for (std::size_t i = 0; i < n.size(); ++i) {
      const double d = 1 + f.sigma * (n[i] - 1) + f.kappa * n[i] * (n[i] - 1);
      const double model = f.lambda * n[i] / d;
      const std::array<double, 3> j = {n[i] / d, -model * (n[i] - 1) / d,
                                       -model * n[i] * (n[i] - 1) / d};
      for (int a = 0; a < 3; ++a) {
        for (int b = 0; b < 3; ++b) jtj[a][b] += j[a] * j[b];
        jtr[a] += j[a] * (x[i] - model);
      }
    }
    for (int a = 0; a < 3; ++a) jtj[a][a] *= 1 + mu;
    std::array<double, 3> step{};
    if (!detail::solve3(jtj, jtr, step)) break;
    const usl_fit trial{f.lambda + step[0], f.sigma + step[1], f.kappa + step[2], 0};
    const double s = detail::sse(trial, n, x);
    if (s < best) {
      const bool converged = best - s < 1e-15 * best;
      f = trial;
      best = s;
      mu /= 10;
      if (converged) break;
    } else {
      mu *= 10;
      if (mu > 1e12) break;
    }
  }
  double mean = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  double total = 0;
  for (double v : x) total += (v - mean) * (v - mean);
  f.r2 = total > 0 ? 1 - best / total : 1;
  return f;
}

// ---- knee and recommendation --------------------------------------------------------------------

/// One curve: a model and load profile in one file, its points in ascending per-vCPU order.
struct curve_point {
  std::size_t per_vcpu = 0;
  double throughput = 0;
  std::optional<double> p50_us, p99_us;
};

/// Throughput gain of one doubling between two points, (X2 / X1)^(1 / log2(p2 / p1)) - 1.
inline double gain_per_doubling(const curve_point& a, const curve_point& b) {
  const double doublings =
      std::log2(static_cast<double>(b.per_vcpu) / static_cast<double>(a.per_vcpu));
  return std::pow(b.throughput / a.throughput, 1 / doublings) - 1;
}

/// The knee: the first per-vCPU concurrency after which a doubling adds less than 10%
/// throughput; nullopt when every doubling pays.
inline std::optional<std::size_t> knee(const std::vector<curve_point>& c) {
  for (std::size_t i = 0; i + 1 < c.size(); ++i) {
    if (c[i].throughput > 0 && gain_per_doubling(c[i], c[i + 1]) < 0.10) return c[i].per_vcpu;
  }
  return std::nullopt;
}

struct recommendation {
  std::optional<std::size_t> per_vcpu;  // nullopt: no point meets the budget
  std::size_t max_concurrency = 0;      // PerExecutionEnvironmentMaxConcurrency for the vCPUs
  double budget_us = 0;
  std::string budget_source;
  std::string why;
};

/// The largest per-vCPU concurrency up to the knee (each doubling to it raised throughput by 10%
/// or more) whose p99 stays within the budget. `budget_us` <= 0 means the default: twice the p50
/// of the lowest point (per-vCPU concurrency 1 in a full sweep).
inline recommendation recommend(const std::vector<curve_point>& c, std::size_t vcpus,
                                double budget_us) {
  recommendation r;
  if (c.empty()) {
    r.why = "no points";
    return r;
  }
  if (budget_us > 0) {
    r.budget_us = budget_us;
    r.budget_source = "--p99_budget";
  } else if (c.front().p50_us) {
    r.budget_us = 2 * *c.front().p50_us;
    r.budget_source = fmt::format("2 x p50 at per_vCPU {}", c.front().per_vcpu);
  } else {
    r.why = fmt::format("no p50 at per_vCPU {} to derive a budget from; pass --p99_budget",
                        c.front().per_vcpu);
    return r;
  }
  std::size_t stop = c.size();  // first point past the knee
  for (std::size_t i = 1; i < c.size(); ++i) {
    if (!(c[i - 1].throughput > 0) || gain_per_doubling(c[i - 1], c[i]) < 0.10) {
      stop = i;
      break;
    }
  }
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < stop; ++i) {
    if (c[i].p99_us && *c[i].p99_us <= r.budget_us) best = i;
  }
  if (!best) {
    r.why = fmt::format("no per-vCPU concurrency up to the knee keeps p99 within {:.3f} ms ({})",
                        r.budget_us / 1e3, r.budget_source);
    return r;
  }
  const curve_point& p = c[*best];
  r.per_vcpu = p.per_vcpu;
  r.max_concurrency = std::min(p.per_vcpu, max_per_vcpu) * vcpus;
  std::string next;
  if (*best + 1 < c.size()) {
    const curve_point& q = c[*best + 1];
    const double g = gain_per_doubling(p, q) * 100;
    next = *best + 1 == stop && g < 10
               ? (g < 0.05 ? fmt::format("; going on to {} would add no throughput", q.per_vcpu)
                           : fmt::format("; going on to {} would add only {:.1f}% per doubling",
                                         q.per_vcpu, g))
               : fmt::format("; {} would put p99 at {}", q.per_vcpu,
                             q.p99_us ? fmt::format("{:.3f} ms", *q.p99_us / 1e3) : "n/a");
  }
  r.why = fmt::format(
      "p99 {:.3f} ms is within the {:.3f} ms budget ({}){}{}", *p.p99_us / 1e3, r.budget_us / 1e3,
      r.budget_source,
      *best > 0 ? fmt::format(", and the doubling from {} added {:.1f}%", c[*best - 1].per_vcpu,
                              gain_per_doubling(c[*best - 1], p) * 100)
                : "",
      next);
  return r;
}

/// Execution environments needed for `target_rps` at a cap whose measured throughput per
/// environment is `per_environment`: ceil(target / per_environment), at least 3 (one per AZ).
inline std::size_t environments_needed(double target_rps, double per_environment) {
  if (!(per_environment > 0)) return 0;
  return std::max<std::size_t>(3,
                               static_cast<std::size_t>(std::ceil(target_rps / per_environment)));
}

/// The Little's-law ideal throughput at `in_flight` from a file's context (io_wait, cpu_work,
/// vcpus); nullopt when the context lacks them.
inline std::optional<double> littles_ideal(const sweep_file& f, double in_flight) {
  try {
    const double w =
        std::chrono::duration<double>(duration_distribution::parse(f.context.at("io_wait")).mean())
            .count();
    const double c =
        std::chrono::duration<double>(duration_distribution::parse(f.context.at("cpu_work")).mean())
            .count();
    if (w + c <= 0) return std::nullopt;
    double ideal = in_flight / (w + c);
    if (c > 0) ideal = std::min(ideal, static_cast<double>(f.vcpus) / c);
    return ideal;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace inflight::bench::compare

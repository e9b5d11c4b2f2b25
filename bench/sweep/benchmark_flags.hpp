#pragma once
// Google Benchmark's flags, checked before Google Benchmark sees them: it aborts on some bad
// values (--benchmark_repetitions=-1), prints usage and exits 0 on others
// (--benchmark_out_format=xml), and misnames the flag on others. inflight_sweep also takes
// --benchmark_out over, to keep the file whole after every point (result_file.hpp).

#include <regex.h>  // regcomp: the filter is checked as the POSIX extended regex it is

#include <algorithm>
#include <string>
#include <vector>

#include "sweep/options.hpp"

namespace inflight::bench {

/// The command line split into inflight's own flags and Google Benchmark's.
struct benchmark_flags {
  std::vector<std::string> ours;       // for parse_sweep_options
  std::vector<std::string> benchmark;  // for benchmark::Initialize, without --benchmark_out*
  std::string out;                     // --benchmark_out, "" when not given
  std::string out_format = "json";     // --benchmark_out_format
  std::string format = "console";      // --benchmark_format
  std::string color = "auto";          // --benchmark_color
  bool tabular = false;                // --benchmark_counters_tabular

  /// Whether the console output is coloured: as --benchmark_color says, or, for auto, when
  /// stdout is a terminal.
  bool use_color(bool stdout_is_tty) const;
};

namespace detail {

inline bool one_of(const std::string& v, std::initializer_list<const char*> valid) {
  return std::any_of(valid.begin(), valid.end(), [&](const char* x) { return v == x; });
}

inline bool truthy(const std::string& v) { return one_of(v, {"true", "yes", "on", "1"}); }

// Whether a --benchmark_filter compiles in bounded time. glibc's regcomp copies the subtree of
// every repetition, so stacked operators (fi++++...) and bounds ({m,n}, nested) grow it
// exponentially: the fuzz target hung on one. Point names need none of that.
inline bool bounded_filter(const std::string& re) {
  if (re.empty() || re.size() > 200) return false;
  int depth = 0;
  bool after_repeat = false;
  for (std::size_t i = 0; i < re.size(); ++i) {
    const char c = re[i];
    if (c == '\\') {
      ++i;  // an escaped character is a literal
      after_repeat = false;
      continue;
    }
    const bool repeat = c == '*' || c == '+' || c == '?';
    if (c == '{' || (repeat && after_repeat)) return false;
    if (c == '(' && ++depth > 5) return false;
    if (c == ')') --depth;
    after_repeat = repeat;
  }
  return true;
}

}  // namespace detail

inline bool benchmark_flags::use_color(bool stdout_is_tty) const {
  return color == "auto" ? stdout_is_tty : detail::truthy(color);
}

/// Splits `args` (without argv[0]) and validates every --benchmark_* flag and --v. Throws
/// usage_error with the line to print.
inline benchmark_flags split_benchmark_flags(const std::vector<std::string>& args) {
  benchmark_flags f;
  bool out_format_given = false;
  for (const std::string& arg : args) {
    if (arg.rfind("--benchmark_", 0) != 0 && arg.rfind("--v=", 0) != 0 && arg != "--v") {
      f.ours.push_back(arg);
      continue;
    }
    const auto eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const bool has_value = eq != std::string::npos;
    const std::string value = has_value ? arg.substr(eq + 1) : "";
    auto bad = [&](const std::string& valid) {
      throw usage_error("--" + name + "=" + value + ": valid: " + valid);
    };
    static const std::initializer_list<const char*> bools = {"true", "false", "yes", "no",
                                                             "on",   "off",   "1",   "0"};
    if (name == "benchmark_list_tests" || name == "benchmark_counters_tabular" ||
        name == "benchmark_report_aggregates_only" || name == "benchmark_display_aggregates_only" ||
        name == "benchmark_enable_random_interleaving") {
      if (has_value && !detail::one_of(value, bools)) bad("true or false (or the bare flag)");
      if (name == "benchmark_counters_tabular") f.tabular = !has_value || detail::truthy(value);
      f.benchmark.push_back(arg);
    } else if (name == "benchmark_color") {
      if (has_value && value != "auto" && !detail::one_of(value, bools)) bad("auto, true or false");
      f.color = has_value ? value : "true";
      f.benchmark.push_back(arg);
    } else if (name == "benchmark_filter") {
      const std::string valid =
          "a POSIX extended regular expression of 1..200 characters, without {m,n} bounds, "
          "stacked repetitions (a++) or groups nested deeper than 5";
      if (!detail::bounded_filter(value)) bad(valid);
      regex_t probe;
      if (regcomp(&probe, value.c_str(), REG_EXTENDED | REG_NOSUB) != 0) bad(valid);
      regfree(&probe);
      f.benchmark.push_back(arg);
    } else if (name == "benchmark_repetitions") {
      if (value.empty() || value.size() > 4 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          std::stoi(value) < 1 || std::stoi(value) > 1000) {
        bad("a whole number 1..1000");
      }
      f.benchmark.push_back(arg);
    } else if (name == "benchmark_format") {
      // Google Benchmark's CSV reporter is deprecated; --csv writes inflight's own CSV.
      if (!detail::one_of(value, {"console", "json"})) bad("console or json (for CSV use --csv)");
      f.format = value;
      f.benchmark.push_back(arg);
    } else if (name == "benchmark_out_format") {
      if (!detail::one_of(value, {"json", "console"})) bad("json or console (for CSV use --csv)");
      f.out_format = value;
      out_format_given = true;
    } else if (name == "benchmark_out") {
      if (value.empty()) bad("a file path");
      f.out = value;
    } else if (name == "benchmark_context") {
      if (value.empty() || value.find('=') == std::string::npos) bad("KEY=VALUE[,KEY=VALUE...]");
      f.benchmark.push_back(arg);
    } else if (name == "benchmark_time_unit") {
      if (!detail::one_of(value, {"ns", "us", "ms", "s"})) bad("ns, us, ms or s");
      f.benchmark.push_back(arg);
    } else if (name == "v") {
      if (value.empty() || value.size() > 2 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        bad("a verbosity 0..99");
      }
      f.benchmark.push_back(arg);
    } else if (name == "benchmark_min_time" || name == "benchmark_min_warmup_time") {
      throw usage_error("--" + name +
                        ": not used by inflight_sweep, where each point runs once for --warmup and "
                        "--duration; set those instead");
    } else {
      throw usage_error("unknown flag '--" + name + "'; see --help");
    }
  }
  if (out_format_given && f.out.empty()) {
    throw usage_error("--benchmark_out_format=" + f.out_format + ": needs --benchmark_out=FILE");
  }
  return f;
}

}  // namespace inflight::bench

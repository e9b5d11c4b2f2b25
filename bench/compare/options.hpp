#pragma once
// inflight_compare's flags: parsing, validation and the --help text. Every error is one line.

#include <chrono>
#include <string>
#include <vector>

#include "compare/load.hpp"
#include "inflight/distribution.hpp"
#include "support/flags.hpp"

namespace inflight::bench::compare {

struct compare_options {
  std::vector<std::string> files;
  std::vector<std::string> labels;   // --label=A,B: one per file, in order
  double p99_budget_us = 0;          // 0: twice the p50 at the lowest point
  double target_rps = 0;             // 0: no scale-out estimate
  double cpu_target = 1.0;           // the recommendation's CPU ceiling, a fraction
  bool match_per_vcpu = false;       // --match=per_vcpu: pair points of any model or label
  bool include_flagged = false;      // --include_flagged: use flagged points too, marked so
  double memory_per_vcpu_mb = 2048;  // LMI's default: 2 GiB per vCPU
  std::string format = "table";      // table or md
  std::string csv;
  std::string svg_prefix;
  bool help = false;
};

inline std::string compare_help() {
  return R"(inflight_compare: compare inflight_sweep JSON files, fit the scaling curve, recommend a cap.

  inflight_compare a.json [b.json ...] [flags]     one file: a report; several: against the first

  --label=A,B,...      labels for the files, in order (default: CPU model, vCPUs, architecture)
  --p99_budget=D       latency budget for the recommendation, e.g. 5ms
                       (default: 2 x the p50 at per-vCPU concurrency 1)
  --target_rps=R       also estimate the execution environments needed for R requests/s
  --cpu_target=P       recommend only caps whose CPU stays within P percent (1..100,
                       default 100), so environments are sized at that utilisation
  --match=point|per_vcpu
                       point (default): files line up by model, load and per-vCPU concurrency;
                       per_vcpu: by load and per-vCPU concurrency only, so a real runtime
                       (inflight_sweep --exec) and its model sit side by side (one curve a file)
  --memory_per_vcpu=MB the environment's memory per vCPU (128..1048576, default 2048: LMI's 2 GiB);
                       a cap whose measured rss_peak_mb exceeds it is never recommended
  --include_flagged    use the points the sweep flagged for interference too (a shared machine
                       flags most); each is marked, and so is every result that rests on one
  --format=table|md    terminal table (default) or Markdown
  --csv=PATH           also write one CSV row per point and file
  --svg=PREFIX         write PREFIX-throughput.svg and PREFIX-p99.svg
  --help               this text
  --version            the version, and the build: architecture, static or dynamic, compiler,
                       commit
)";
}

/// Parses the command line; throws compare_error with the line to print.
inline compare_options parse_compare_options(const std::vector<std::string>& args) {
  compare_options o;
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      o.files.push_back(arg);
      continue;
    }
    if (arg == "--include_flagged") {
      o.include_flagged = true;
      continue;
    }
    const auto eq = arg.find('=');
    if (eq == std::string::npos) throw compare_error("unknown flag '" + arg + "'; see --help");
    const std::string name = arg.substr(2, eq - 2), value = arg.substr(eq + 1);
    if (value.empty()) throw compare_error("--" + name + "=: needs a value; see --help");
    if (name == "label") {
      std::size_t start = 0;
      for (;;) {
        const auto comma = value.find(',', start);
        o.labels.push_back(value.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (name == "p99_budget") {
      try {
        o.p99_budget_us =
            std::chrono::duration<double, std::micro>(parse_duration(value, "--p99_budget"))
                .count();
      } catch (const std::invalid_argument& e) {
        throw compare_error(e.what());
      }
      if (!(o.p99_budget_us > 0))
        throw compare_error("--p99_budget=" + value + ": valid range is above 0");
    } else if (name == "target_rps") {
      const auto r = parse_positive_number(value, 1e12);
      if (!r) throw compare_error("--target_rps=" + value + ": valid range is above 0 up to 1e12");
      o.target_rps = *r;
    } else if (name == "cpu_target") {
      const std::string number = value.back() == '%' ? value.substr(0, value.size() - 1) : value;
      const auto p = parse_positive_number(number, 100);
      if (!p || *p < 1)
        throw compare_error("--cpu_target=" + value + ": valid range is 1..100 (%)");
      o.cpu_target = *p / 100;
    } else if (name == "match") {
      if (value != "point" && value != "per_vcpu") {
        throw compare_error("--match=" + value + ": unknown; valid: point, per_vcpu");
      }
      o.match_per_vcpu = value == "per_vcpu";
    } else if (name == "memory_per_vcpu") {
      const auto m = parse_positive_number(value, 1048576);
      if (!m || *m < 128) {
        throw compare_error("--memory_per_vcpu=" + value + ": valid range is 128..1048576 (MB)");
      }
      o.memory_per_vcpu_mb = *m;
    } else if (name == "format") {
      if (value != "table" && value != "md") {
        throw compare_error("--format=" + value + ": unknown format; valid: table, md");
      }
      o.format = value;
    } else if (name == "csv") {
      o.csv = value;
    } else if (name == "svg") {
      o.svg_prefix = value;
    } else {
      throw compare_error("unknown flag '--" + name + "'; see --help");
    }
  }
  if (!o.help && o.files.empty()) {
    throw compare_error("no input: give one or more inflight_sweep JSON files; see --help");
  }
  if (!o.labels.empty() && o.labels.size() != o.files.size()) {
    throw compare_error(fmt::format("--label: {} labels for {} files; give one per file, in order",
                                    o.labels.size(), o.files.size()));
  }
  return o;
}

}  // namespace inflight::bench::compare

#pragma once
// inflight_compare's flags: parsing, validation and the --help text. Every error is one line.

#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compare/load.hpp"
#include "inflight/distribution.hpp"
#include "support/flags.hpp"

namespace inflight::bench::compare {

/// An EC2 instance type's size, as --instance gives it: vCPUs and memory.
struct instance_shape {
  double vcpus = 0;
  double memory_gib = 0;
};

struct compare_options {
  std::vector<std::string> files;
  std::vector<std::string> labels;   // --label=A,B: one per file, in order
  double p99_budget_us = 0;          // 0: twice the p50 at the lowest point
  double target_rps = 0;             // 0: no scale-out estimate
  double cpu_target = 1.0;           // the recommendation's CPU ceiling, a fraction
  bool match_per_vcpu = false;       // --match=per_vcpu: pair points of any model or label
  bool include_flagged = false;      // --include_flagged: use flagged points too, marked so
  double memory_per_vcpu_mb = 2048;  // LMI's default: 2 GiB per vCPU
  // Cost (compare/cost.hpp): the user's prices, one per file or one for all; empty: no cost.
  std::vector<double> price_per_hour;     // USD per instance-hour, on-demand
  std::vector<instance_shape> instances;  // the instance type each file's environments run on
  double management_fee = 0.15;           // LMI's fee, a fraction of the on-demand price
  double request_price = 0.20;            // USD per million requests
  std::string format = "table";           // table or md
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
  --price_per_hour=P[,P...]
                       the instance type's on-demand price in USD per hour, one for every file
                       or one per file in order (above 0 up to 100000): adds the cost of
                       --target_rps at each cap, and the cheapest, fastest and balanced choice.
                       Prices are your inputs: inflight ships no price table
  --instance=V:G[,V:G...]
                       the instance type priced: its vCPUs (1..1024) and memory in GiB
                       (0.5..65536), e.g. 4:8 for a 4-vCPU, 8-GiB type; one or one per file.
                       Needed with --price_per_hour
  --management_fee=P   LMI's management fee, percent of the instance price (0..100, default 15)
  --request_price=USD  the request charge per million requests (0..1000, default 0.20)
  --include_flagged    use the points the sweep flagged for interference too (a shared machine
                       flags most); each is marked, and so is every result that rests on one
  --format=table|md    terminal table (default) or Markdown
  --csv=PATH           also write one CSV row per point and file
  --svg=PREFIX         write PREFIX-throughput.svg and PREFIX-p99.svg (and PREFIX-cost.svg with
                       --price_per_hour, the three choices marked)
  --help               this text
  --version            the version, and the build: architecture, static or dynamic, compiler,
                       commit
)";
}

namespace detail {
// A per-file list holds one value for every file or one per file.
inline void check_per_file(const char* flag, std::size_t given, std::size_t files) {
  if (given > 1 && given != files) {
    throw compare_error(
        fmt::format("{}: {} values for {} files; give one for all, or one per "
                    "file in order",
                    flag, given, files));
  }
}

inline bool has(const std::vector<std::string>& args, const std::string& prefix) {
  for (const auto& a : args) {
    if (a.rfind(prefix, 0) == 0) return true;
  }
  return false;
}
}  // namespace detail

/// Parses the command line; throws compare_error with the line to print.
inline compare_options parse_compare_options(const std::vector<std::string>& args) {
  using detail::check_per_file;
  using detail::has;
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
      o.labels = split_list(value);
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
    } else if (name == "price_per_hour") {
      for (const auto& item : split_list(value)) {
        const auto v = parse_positive_number(item, 1e5);
        if (!v) {
          throw compare_error("--price_per_hour=" + value + ": '" + item +
                              "' is not a price; valid range is above 0 up to 100000 (USD/h)");
        }
        o.price_per_hour.push_back(*v);
      }
    } else if (name == "instance") {
      for (const auto& item : split_list(value)) {
        const auto colon = item.find(':');
        const auto v = parse_positive_number(item.substr(0, colon), 1024);
        const auto g = colon == std::string::npos
                           ? std::nullopt
                           : parse_positive_number(item.substr(colon + 1), 65536);
        if (!v || *v < 1 || *v != std::floor(*v) || !g || *g < 0.5) {
          throw compare_error("--instance=" + value + ": '" + item +
                              "' is not VCPUS:GIB; valid: 1..1024 vCPUs, 0.5..65536 GiB, e.g. 4:8");
        }
        o.instances.push_back({*v, *g});
      }
    } else if (name == "management_fee") {
      const auto p = inflight::detail::parse_plain_number(value);
      if (!p || *p < 0 || *p > 100)
        throw compare_error("--management_fee=" + value + ": valid range is 0..100 (%)");
      o.management_fee = *p / 100;
    } else if (name == "request_price") {
      const auto p = inflight::detail::parse_plain_number(value);
      if (!p || *p < 0 || *p > 1000)
        throw compare_error("--request_price=" + value + ": valid range is 0..1000 (USD/million)");
      o.request_price = *p;
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
  check_per_file("--price_per_hour", o.price_per_hour.size(), o.files.size());
  check_per_file("--instance", o.instances.size(), o.files.size());
  if (!o.price_per_hour.empty() && o.instances.empty()) {
    throw compare_error("--price_per_hour needs --instance=VCPUS:GIB: the instance type priced");
  }
  if (!o.price_per_hour.empty() && !(o.target_rps > 0)) {
    throw compare_error("--price_per_hour needs --target_rps=R: the traffic to price");
  }
  if (o.price_per_hour.empty()) {
    for (const auto& [given, flag] :
         {std::pair{!o.instances.empty(), "--instance"},
          std::pair{has(args, "--management_fee="), "--management_fee"},
          std::pair{has(args, "--request_price="), "--request_price"}}) {
      if (given)
        throw compare_error(std::string(flag) + " prices nothing without --price_per_hour");
    }
  }
  return o;
}

}  // namespace inflight::bench::compare

#pragma once
// inflight_sweep's flags: parsing, validation and the --help text. Every error is one line that
// names the flag, the value and the valid range; the program prints it and exits 2.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "inflight/distribution.hpp"
#include "inflight/limits.hpp"
#include "inflight/topology.hpp"
#include "models/traits.hpp"
#include "support/flags.hpp"
#include "support/load_profile.hpp"

namespace inflight::bench {

/// A flag error: the message is the whole line to print.
struct usage_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct sweep_options {
  std::vector<std::size_t> per_vcpu{1, 2, 4, 8, 16, 32, 64};
  std::size_t vcpus = 0;      // resolved: the detected count unless --vcpus
  std::size_t available = 0;  // vCPUs detected
  bool pin = false;           // --vcpus below the available count
  duration_distribution io_wait = duration_distribution::constant(std::chrono::milliseconds(2));
  duration_distribution cpu_work;  // constant 0
  std::vector<model> models{model::fiber};
  loop_mode mode = loop_mode::closed;
  double rate = 0;  // arrivals per second, open loop
  arrival_process arrivals = arrival_process::poisson;
  std::chrono::nanoseconds duration = std::chrono::seconds(3);
  std::chrono::nanoseconds warmup = std::chrono::milliseconds(500);
  std::string csv;
  std::string scenario = "default";
  std::uint64_t seed = 1;
  bool strict = false;  // a point flagged for interference makes the exit status 1
  bool help = false;
  std::vector<std::string> given;  // the flags as given, for the report
};

inline std::string sweep_help() {
  return R"(inflight_sweep: throughput, latency and CPU use as concurrency per vCPU grows.

  --per_vcpu=LIST     per-vCPU concurrency: a list (1,2,4) or a range, 1..64 doubling, or
                      1..64:dense (doubling plus the 1.5x midpoints); each 1..64.
                      Default 1,2,4,8,16,32,64
  --vcpus=N           vCPUs to use, 1..detected; fewer pins the run to that many CPUs.
                      Default: detected (cgroup quota, affinity)
  --io_wait=DIST      simulated IO per invocation: 2ms, uniform:1ms..3ms, exp:2ms,
                      lognormal:2ms,p99=20ms. Default 2ms. Its median may not exceed
                      --duration or 60s; every sample is cut at --duration
  --cpu_work=DIST     CPU time burnt per invocation, same forms and bounds. Default 0
  --model=NAME        )" +
         model_names() + R"(, a comma list, or all.
                      Default fiber
  --mode=closed|open  closed: every slot loops invoke -> complete (default);
                      open: arrivals at --rate, throttled (429) when every slot is busy
  --rate=R            open loop: arrivals per second in total, 0.001..10000000
  --arrivals=KIND     open loop: poisson (default) or uniform
  --duration=D        measured time per point. Default 3s (30s with --scenario=seed)
  --warmup=D          unmeasured time before each point. Default 500ms (5s with seed)
  --scenario=NAME     default, or seed: the seed's 2 s IO wait
  --seed=N            seed of the wait and arrival generators. Default 1
  --csv=PATH          also write one CSV row per point
  --help              this text

Google Benchmark's flags: --benchmark_out=run.json keeps the JSON (rewritten whole after
every point, so it always parses), --benchmark_out_format=json|console,
--benchmark_format=console|json, --benchmark_filter=REGEX selects points,
--benchmark_repetitions=1..1000, --benchmark_list_tests, --benchmark_color,
--benchmark_counters_tabular, --benchmark_report_aggregates_only,
--benchmark_display_aggregates_only, --benchmark_enable_random_interleaving,
--benchmark_context=K=V,..., --benchmark_time_unit=ns|us|ms|s, --v=N.

Exit status: 0 when every point was measured, 1 when a point failed or an output could not
be written, 2 for bad input, 130 after Ctrl-C or SIGTERM (finished points are kept).
)";
}

/// The valid values of one of inflight_sweep's flags, as error lines quote them.
inline std::string sweep_flag_range(const std::string& flag, std::size_t vcpus) {
  if (flag == "per_vcpu") return "a list (1,2,4) or a range (1..64, 1..64:dense) of values 1..64";
  if (flag == "vcpus") return "1.." + std::to_string(vcpus);
  if (flag == "io_wait" || flag == "cpu_work")
    return "2ms, uniform:1ms..3ms, exp:2ms or lognormal:2ms,p99=20ms";
  if (flag == "model") return model_names() + ", a comma list, or all";
  if (flag == "mode") return "closed, open";
  if (flag == "rate") return "0.001..10000000 arrivals per second";
  if (flag == "arrivals") return "poisson, uniform";
  if (flag == "duration") return "10ms..1h";
  if (flag == "warmup") return "0..1h";
  if (flag == "scenario") return "default, seed";
  if (flag == "seed") return "0..999999999999";
  if (flag == "csv") return "a file path";
  return "see --help";
}

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
    std::size_t start = 0;
    for (;;) {
      const auto comma = text.find(',', start);
      out.push_back(one(text.substr(start, comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
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
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    const std::string name = text.substr(start, comma - start);
    const auto m = model_by_name(name);
    if (!m) usage("model", text, "unknown model '" + name + "'; " + valid);
    if (std::find(out.begin(), out.end(), *m) == out.end()) out.push_back(*m);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace detail

namespace detail {
inline sweep_options parse_sweep_options_unchecked(const std::vector<std::string>& args,
                                                   const vcpu_info& machine);
}  // namespace detail

/// Parses the flags left after Google Benchmark took its own. `machine` is the detected vCPU
/// information. Throws usage_error with the line to print.
inline sweep_options parse_sweep_options(const std::vector<std::string>& args,
                                         const vcpu_info& machine) {
  try {
    return detail::parse_sweep_options_unchecked(args, machine);
  } catch (const usage_error&) {
    throw;
  } catch (const std::invalid_argument& e) {  // a duration or distribution: already one line
    throw usage_error(e.what());
  }
}

inline sweep_options detail::parse_sweep_options_unchecked(const std::vector<std::string>& args,
                                                           const vcpu_info& machine) {
  sweep_options o;
  o.available = machine.count;
  o.vcpus = machine.count;
  std::string per_vcpu_text, io_text, cpu_text, duration_text, warmup_text, rate_text;
  bool rate_given = false, arrivals_given = false;
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      continue;
    }
    if (arg == "--strict") {
      o.strict = true;
      o.given.push_back(arg);
      continue;
    }
    const auto eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos) {
      throw usage_error("unknown argument '" + arg +
                        "'; flags take the form --name=value, see --help");
    }
    const std::string name = arg.substr(2, eq - 2);
    const std::string value = arg.substr(eq + 1);
    o.given.push_back(arg);
    static const char* const known[] = {"per_vcpu", "vcpus", "io_wait",  "cpu_work", "model",
                                        "mode",     "rate",  "arrivals", "duration", "warmup",
                                        "scenario", "seed",  "csv"};
    if (std::find(std::begin(known), std::end(known), name) == std::end(known)) {
      throw usage_error("unknown flag '--" + name + "'; see --help");
    }
    if (value.empty()) {
      detail::usage(name, value, "needs a value; valid: " + sweep_flag_range(name, machine.count));
    }
    if (name == "per_vcpu") {
      per_vcpu_text = value;
    } else if (name == "vcpus") {
      const auto n = detail::parse_count(name, value, "1.." + std::to_string(machine.count));
      if (n == 0 || n > machine.count) {
        detail::usage(name, value,
                      "valid range is 1.." + std::to_string(machine.count) +
                          " (the vCPUs available, by " + machine.source + ")");
      }
      o.vcpus = static_cast<std::size_t>(n);
    } else if (name == "io_wait") {
      io_text = value;
      o.io_wait = duration_distribution::parse(value, "--io_wait");
    } else if (name == "cpu_work") {
      cpu_text = value;
      o.cpu_work = duration_distribution::parse(value, "--cpu_work");
    } else if (name == "model") {
      o.models = detail::parse_models(value);
    } else if (name == "mode") {
      if (value == "closed")
        o.mode = loop_mode::closed;
      else if (value == "open")
        o.mode = loop_mode::open;
      else
        detail::usage(name, value, "unknown mode; valid: closed, open");
    } else if (name == "rate") {
      const auto r = parse_positive_number(value, 1e7);
      if (!r || *r < 0.001) {
        detail::usage(name, value, "valid range is 0.001..10000000 arrivals per second");
      }
      o.rate = *r;
      rate_text = value;
      rate_given = true;
    } else if (name == "arrivals") {
      if (value == "poisson")
        o.arrivals = arrival_process::poisson;
      else if (value == "uniform")
        o.arrivals = arrival_process::uniform;
      else
        detail::usage(name, value, "unknown arrival process; valid: poisson, uniform");
      arrivals_given = true;
    } else if (name == "duration") {
      duration_text = value;
    } else if (name == "warmup") {
      warmup_text = value;
    } else if (name == "scenario") {
      if (value != "default" && value != "seed") {
        detail::usage(name, value, "unknown scenario; valid: default, seed");
      }
      o.scenario = value;
    } else if (name == "seed") {
      o.seed = detail::parse_count(name, value, "0..999999999999");
    } else if (name == "csv") {
      o.csv = value;
    }
  }
  if (o.scenario == "seed") {
    if (io_text.empty()) o.io_wait = duration_distribution::constant(std::chrono::seconds(2));
    o.duration = std::chrono::seconds(30);
    o.warmup = std::chrono::seconds(5);
  }
  if (!duration_text.empty()) {
    o.duration = parse_duration(duration_text, "--duration");
    if (o.duration < std::chrono::milliseconds(10) || o.duration > std::chrono::hours(1)) {
      detail::usage("duration", duration_text, "valid range is 10ms..1h");
    }
  }
  if (!warmup_text.empty()) {
    o.warmup = parse_duration(warmup_text, "--warmup");
    if (o.warmup > std::chrono::hours(1))
      detail::usage("warmup", warmup_text, "valid range is 0..1h");
  }
  if (o.mode == loop_mode::closed && rate_given) {
    throw usage_error("--rate=" + rate_text +
                      ": needs --mode=open (a closed loop has no arrival rate)");
  }
  if (o.mode == loop_mode::closed && arrivals_given) {
    throw usage_error("--arrivals: needs --mode=open (a closed loop has no arrivals)");
  }
  if (o.mode == loop_mode::open && !rate_given) {
    throw usage_error("--mode=open: needs --rate=R, the arrivals per second in total");
  }
  // A point waits for every call in flight, so a wait longer than the point could keep it (and a
  // first Ctrl-C) going for hours: refuse medians above the point, cut every sample at it.
  const auto bound = std::min<std::chrono::nanoseconds>(o.duration, std::chrono::seconds(60));
  for (auto [flag, text, dist] : {std::tuple{"io_wait", &io_text, &o.io_wait},
                                  std::tuple{"cpu_work", &cpu_text, &o.cpu_work}}) {
    if (dist->median() > bound) {
      detail::usage(flag, text->empty() ? dist->to_string() : *text,
                    "its median " + format_duration(dist->median()) +
                        " exceeds the point's bound " + format_duration(bound) +
                        "; valid: a median up to --duration (" + format_duration(o.duration) +
                        ") and at most 60s");
    }
    *dist = dist->truncated(o.duration);
  }
  o.pin = o.vcpus < o.available;
  o.per_vcpu = per_vcpu_text.empty() ? o.per_vcpu : detail::parse_per_vcpu(per_vcpu_text, o.vcpus);
  return o;
}

}  // namespace inflight::bench

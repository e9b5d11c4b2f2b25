#pragma once
// inflight_sweep's flags: parsing, validation and the --help text. Every error is one line that
// names the flag, the value and the valid range; the program prints it and exits 2.

#include <limits.h>  // PATH_MAX
#include <stdlib.h>  // realpath
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "inflight/distribution.hpp"
#include "inflight/limits.hpp"
#include "inflight/topology.hpp"
#include "models/traits.hpp"
#include "runtime_api/command_line.hpp"
#include "runtime_api/runtime_process.hpp"
#include "support/flags.hpp"
#include "support/load_profile.hpp"
#include "support/point.hpp"

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
  // --exec: the user's runtime process instead of the models (bench/models/exec.hpp).
  std::shared_ptr<const exec_spec> exec;
  std::string exec_command;  // --exec as given
  bool nominal = false;      // --io_wait or --cpu_work given: the handler's nominal costs (eff)
  bool help = false;
  std::vector<std::string> given;        // the flags as given, for the report
  std::function<bool()> stop_requested;  // set by the program: Ctrl-C or SIGTERM came
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
  --strict            exit 1 when a point ran beside other work (interference)
  --help              this text

Your own function in its real runtime, instead of --model (each point starts it afresh):
  --exec='CMD ARGS'   the runtime's command, split with shell-like quoting, run without a
                      shell, e.g. --exec='node_modules/.bin/aws-lambda-ric index.io'
  --label=NAME        the points' name, exec:NAME/... Default: the command's base name
  --cwd=DIR           its working directory and LAMBDA_TASK_ROOT. Default: the current one
  --event=FILE        the payload: one JSON document, or JSON Lines used round robin.
                      Default {}
  --env=K=V           a variable over those LMI sets (AWS_LAMBDA_RUNTIME_API,
                      AWS_LAMBDA_MAX_CONCURRENCY, _HANDLER=index.handler, ...); repeatable
  --deadline=D        Lambda-Runtime-Deadline-Ms after availability, 1ms..900s. Default 3s
  --init_timeout=D    time allowed from start to the first /next, 100ms..600s. Default 10s
  --io_wait, --cpu_work with --exec: the handler's nominal costs, for eff (n/a otherwise)

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
  if (flag == "exec") return "a command line: the runtime and its arguments";
  if (flag == "label") return "letters, digits, '.', '_' and '-'";
  if (flag == "cwd") return "a directory";
  if (flag == "event") return "a readable file of JSON or JSON Lines";
  if (flag == "env") return "NAME=VALUE";
  if (flag == "deadline") return "1ms..900s";
  if (flag == "init_timeout") return "100ms..600s";
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

// Each flag whose value is kept as text until the end, checked where it stands.
inline std::chrono::nanoseconds checked_duration(const std::string& text) {
  const auto d = parse_duration(text, "--duration");
  if (d < std::chrono::milliseconds(10) || d > std::chrono::hours(1)) {
    usage("duration", text, "valid range is 10ms..1h");
  }
  return d;
}
inline std::chrono::nanoseconds checked_warmup(const std::string& text) {
  const auto d = parse_duration(text, "--warmup");
  if (d > std::chrono::hours(1)) usage("warmup", text, "valid range is 0..1h");
  return d;
}
inline std::chrono::nanoseconds parse_ranged_duration(const std::string& flag,
                                                      const std::string& text,
                                                      std::chrono::nanoseconds lo,
                                                      std::chrono::nanoseconds hi,
                                                      const std::string& range);
inline std::chrono::nanoseconds checked_deadline(const std::string& text) {
  return parse_ranged_duration("deadline", text, std::chrono::milliseconds(1),
                               std::chrono::seconds(900),
                               "valid range is 1ms..900s (Lambda's timeout)");
}
inline std::chrono::nanoseconds checked_init_timeout(const std::string& text) {
  return parse_ranged_duration("init_timeout", text, std::chrono::milliseconds(100),
                               std::chrono::seconds(600), "valid range is 100ms..600s");
}
inline std::string checked_label(const std::string& label) {
  if (label.empty() || label.size() > 64 || !std::all_of(label.begin(), label.end(), [](char c) {
        return c == '_' || c == '-' || c == '.' || (c >= 'A' && c <= 'Z') ||
               (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      })) {
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
inline std::shared_ptr<const exec_spec> parse_exec(
    std::map<std::string, std::string>& flags,
    const std::vector<std::pair<std::string, std::string>>& env);
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
  std::string io_text, cpu_text, duration_text, warmup_text, rate_text;
  std::vector<std::string> per_vcpu_texts;  // each one given, checked once --vcpus is known
  bool rate_given = false, arrivals_given = false, model_given = false;
  std::map<std::string, std::string> exec_flags;
  std::vector<std::pair<std::string, std::string>> env;
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
    static const char* const known[] = {
        "per_vcpu", "vcpus",    "io_wait", "cpu_work", "model",    "mode",        "rate",
        "arrivals", "duration", "warmup",  "scenario", "seed",     "csv",         "exec",
        "label",    "cwd",      "event",   "env",      "deadline", "init_timeout"};
    if (std::find(std::begin(known), std::end(known), name) == std::end(known)) {
      throw usage_error("unknown flag '--" + name + "'; see --help");
    }
    if (value.empty()) {
      detail::usage(name, value, "needs a value; valid: " + sweep_flag_range(name, machine.count));
    }
    // A later value wins, so every value is checked where it stands (an invalid one is never
    // hidden by a valid repeat); the runtime's command, directory and event file name one thing
    // each and are refused twice.
    if (name == "exec" || name == "cwd" || name == "event") {
      const auto first = std::find_if(o.given.begin(), o.given.end() - 1, [&](const auto& g) {
        return g.rfind("--" + name + "=", 0) == 0;
      });
      if (first != o.given.end() - 1) {
        detail::usage(name, value, "given twice (first " + *first + "); valid: once");
      }
    }
    if (name == "exec" || name == "label" || name == "cwd" || name == "event" ||
        name == "deadline" || name == "init_timeout") {
      if (name == "deadline") detail::checked_deadline(value);
      if (name == "init_timeout") detail::checked_init_timeout(value);
      if (name == "label") detail::checked_label(value);
      exec_flags[name] = value;
    } else if (name == "env") {
      const auto k = value.find('=');
      const std::string key = value.substr(0, k);
      if (k == std::string::npos || key.empty() || (key[0] >= '0' && key[0] <= '9') ||
          !std::all_of(key.begin(), key.end(), [](char c) {
            return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                   (c >= '0' && c <= '9');
          })) {
        detail::usage(name, value, "valid: NAME=VALUE, NAME of letters, digits and '_'");
      }
      env.emplace_back(key, value.substr(k + 1));
    } else if (name == "per_vcpu") {
      per_vcpu_texts.push_back(value);
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
      model_given = true;
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
      detail::checked_duration(value);
      duration_text = value;
    } else if (name == "warmup") {
      detail::checked_warmup(value);
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
  if (!duration_text.empty()) o.duration = detail::checked_duration(duration_text);
  if (!warmup_text.empty()) o.warmup = detail::checked_warmup(warmup_text);
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
  for (const auto& text : per_vcpu_texts) o.per_vcpu = detail::parse_per_vcpu(text, o.vcpus);
  if (exec_flags.count("exec") != 0) {
    if (model_given) {
      throw usage_error("--exec=" + exec_flags["exec"] +
                        ": cannot be used with --model (--exec runs your runtime instead of a "
                        "model; run the model in a sweep of its own)");
    }
    o.exec_command = exec_flags["exec"];
    o.exec = detail::parse_exec(exec_flags, env);
    o.models.clear();
    o.nominal = !io_text.empty() || !cpu_text.empty();
  } else {
    for (const auto& [flag, value] : exec_flags) {
      detail::usage(flag, value, "needs --exec (it configures your runtime's process)");
    }
    if (!env.empty()) {
      detail::usage("env", env.front().first + "=" + env.front().second,
                    "needs --exec (it configures your runtime's process)");
    }
  }
  return o;
}

// --exec and the flags that go with it, checked: the command can be executed, the directory and
// the event file exist, the bounds hold.
inline std::shared_ptr<const exec_spec> detail::parse_exec(
    std::map<std::string, std::string>& flags,
    const std::vector<std::pair<std::string, std::string>>& env) {
  auto e = std::make_shared<exec_spec>();
  const std::string command = flags["exec"];
  try {
    e->argv = runtime_api::split_command(command);
  } catch (const std::invalid_argument& err) {
    usage("exec", command,
          std::string("cannot split the command: ") + err.what() +
              "; valid: a command line, quoted as a shell would");
  }
  e->env = env;
  if (flags.count("cwd") != 0) {
    const std::string dir = flags["cwd"];
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      usage("cwd", dir, "not a directory; valid: an existing directory");
    }
    char real[PATH_MAX];
    e->cwd = ::realpath(dir.c_str(), real) != nullptr ? real : dir;
  } else {
    char here[PATH_MAX];
    e->cwd = ::getcwd(here, sizeof here) != nullptr ? here : ".";
  }
  e->path = runtime_api::resolve_command(e->argv.front(), e->cwd, env);
  if (e->path.empty()) {
    usage("exec", command,
          "'" + e->argv.front() + "' " +
              (e->argv.front().find('/') != std::string::npos
                   ? "is not an executable file (relative to --cwd)"
                   : "is not found in PATH") +
              "; valid: a command that can be executed");
  }
  const std::string base = e->argv.front().substr(e->argv.front().rfind('/') + 1);
  e->label = checked_label(flags.count("label") != 0 ? flags["label"] : base);
  if (flags.count("event") != 0) {
    const std::string file = flags["event"];
    // A regular file of bounded size: never a device or a FIFO that reads forever.
    constexpr std::size_t max_bytes = 64 * 1024 * 1024;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
      usage("event", file,
            std::string("cannot read: ") + std::strerror(errno) + "; valid: a readable file");
    }
    if (!S_ISREG(st.st_mode)) {
      usage("event", file, "not a regular file; valid: a readable file of JSON or JSON Lines");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      usage("event", file,
            std::string("cannot read: ") + std::strerror(errno) + "; valid: a readable file");
    }
    std::string all;
    char chunk[65536];
    while (all.size() <= max_bytes && in.read(chunk, sizeof chunk).gcount() > 0) {
      all.append(chunk, static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) usage("event", file, "cannot read; valid: a readable file");
    if (all.size() > max_bytes) {
      usage("event", file, "larger than 64 MiB; valid: up to 64 MiB of JSON or JSON Lines");
    }
    // Lambda refuses an invocation payload over 6 MB; one here would fail every invocation.
    constexpr std::size_t max_event = 6291456;
    auto fits = [&](const std::string& event, const std::string& where) {
      if (event.size() > max_event) {
        usage("event", file,
              where + " is " + std::to_string(event.size()) +
                  " bytes, over Lambda's 6 MB payload limit; valid: events of at most 6291456 "
                  "bytes");
      }
    };
    if (nlohmann::json::accept(all)) {
      fits(all, "the event");
      e->events.push_back(all);
    } else {
      std::istringstream lines(all);
      std::string line;
      std::size_t n = 0;
      while (std::getline(lines, line)) {
        ++n;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        if (!nlohmann::json::accept(line)) {
          usage("event", file,
                "line " + std::to_string(n) +
                    " is not JSON; valid: one JSON document, or JSON Lines (one per line)");
        }
        fits(line, "line " + std::to_string(n));
        e->events.push_back(line);
      }
      if (e->events.empty()) usage("event", file, "holds no JSON; valid: JSON or JSON Lines");
    }
  }
  if (flags.count("deadline") != 0) {
    e->deadline =
        std::chrono::duration_cast<std::chrono::milliseconds>(checked_deadline(flags["deadline"]));
  }
  if (flags.count("init_timeout") != 0)
    e->init_timeout = checked_init_timeout(flags["init_timeout"]);
  return e;
}

}  // namespace inflight::bench

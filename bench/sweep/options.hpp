#pragma once
// inflight_sweep's options: the flags as parsed (parse.hpp), before the plan (plan.hpp) resolves
// them against the machine and the filesystem. Each field says its flag and default.

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "inflight/distribution.hpp"
#include "models/traits.hpp"
#include "point/spec.hpp"

namespace inflight::bench {

/// A flag error: the message is the whole line to print (the program exits 2).
struct usage_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// --exec and the flags that configure it, as given (checked for form; exec_flags.hpp resolves
/// the command, the directory and the event file).
struct exec_options {
  std::string command;                       // --exec: the runtime's command line
  std::string label;                         // --label; empty: the command's base name
  std::string cwd;                           // --cwd; empty: the current directory
  std::string event;                         // --event; empty: every payload is {}
  bool event_invocations = false;            // --event_format=invocation: events with headers
  std::chrono::milliseconds deadline{3000};  // --deadline; 3 s
  std::chrono::nanoseconds init_timeout{std::chrono::seconds(10)};  // --init_timeout; 10 s
  std::vector<std::pair<std::string, std::string>> env;             // --env, in order
  std::size_t tenants = 0;  // --tenants: tenant ids handed out round robin; 0: none
  std::string log_dir;      // --log_dir: where each point's runtime output is kept; empty: nowhere
  bool isolation = true;    // --isolation: the isolation check, and its reference run first
};

struct sweep_options {
  /// --per_vcpu: per-vCPU concurrencies; default 1, 2, 4 ... 64.
  std::vector<std::size_t> per_vcpu{1, 2, 4, 8, 16, 32, 64};
  /// --vcpus: the vCPUs used; default the detected count. Fewer pin the run (`pin`).
  std::size_t vcpus = 0;
  std::size_t available = 0;  // the vCPUs detected
  bool pin = false;           // --vcpus below the available count
  /// --io_wait: simulated IO per invocation; default 2 ms (2 s with --scenario=seed).
  duration_distribution io_wait = duration_distribution::constant(std::chrono::milliseconds(2));
  /// --cpu_work: CPU burnt per invocation; default 0.
  duration_distribution cpu_work;
  /// --model: the runtime models; default fiber; none with --exec.
  std::vector<model> models{model::fiber};
  /// --mode, --rate, --arrivals: closed loop by default; open needs a rate (arrivals/s), constant
  /// (rate) or in stages (stages, which set --duration; rate is then their mean).
  loop_mode mode = loop_mode::closed;
  double rate = 0;
  std::vector<rate_stage> stages;
  arrival_process arrivals = arrival_process::poisson;
  /// --duration, --warmup: per point; default 3 s and 500 ms (50 s and 5 s with seed).
  std::chrono::nanoseconds duration = std::chrono::seconds(3);
  std::chrono::nanoseconds warmup = std::chrono::milliseconds(500);
  std::string csv;                       // --csv: a CSV file too; empty: none
  std::string seconds_csv, seconds_svg;  // open loop: the per-second series too; empty: none
  std::string scenario = "default";      // --scenario: default or seed
  std::uint64_t seed = 1;                // --seed: of the wait and arrival generators; default 1
  bool strict = false;  // --strict: a point flagged for interference, or that leaked, exits 1
  std::vector<std::string> thresholds;  // --threshold, each as given (checked by thresholds.hpp)
  /// --find=max_rate: search each cap's highest sustained open-loop rate (find_rate.hpp) from
  /// --rate (0: a start of its own) within --p99_budget.
  bool find = false;
  std::chrono::nanoseconds p99_budget{0};
  /// --exec: the user's runtime instead of the models; `exec_given` says whether it was.
  bool exec_given = false;
  exec_options exec;
  /// The handler's nominal costs are known: always for the models; for --exec only when
  /// --io_wait, --cpu_work or --scenario=seed says them (then eff has an ideal).
  bool nominal = true;
  std::vector<std::string> given;  // our flags as given, in order (a repeat is checked on them)
};

}  // namespace inflight::bench

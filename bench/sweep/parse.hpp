#pragma once
// inflight_sweep's flags parsed into sweep_options. The flags are those of flag_table.hpp; every
// error is one line naming the flag, the value and the valid range, which the program prints
// before it exits 2. Nothing here reads a file: the plan resolves --exec (exec_flags.hpp).

#include <algorithm>
#include <chrono>
#include <string>
#include <tuple>
#include <vector>

#include "inflight/distribution.hpp"
#include "inflight/topology.hpp"
#include "support/flags.hpp"
#include "sweep/flag_table.hpp"
#include "sweep/flag_values.hpp"
#include "sweep/options.hpp"
#include "sweep/rate_profile.hpp"
#include "sweep/thresholds.hpp"

namespace inflight::bench {

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
  const auto flags = sweep_flags();
  sweep_options o;
  o.available = machine.count;
  o.vcpus = machine.count;
  std::string io_text, cpu_text, duration_text, warmup_text, rate_text;
  std::vector<std::string> per_vcpu_texts;  // each one given, checked once --vcpus is known
  bool rate_given = false, arrivals_given = false, model_given = false, mode_given = false;
  std::string p99_budget_text;
  std::vector<std::string> exec_given;  // the --exec flags given, in order, for the error line
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") continue;  // the program printed --help already
    const auto eq = arg.find('=');
    const std::string name = arg.rfind("--", 0) == 0 ? arg.substr(2, eq - 2) : std::string();
    const flag_spec* flag = find_flag(flags, name);
    if (flag && flag->value.empty()) {  // a switch
      if (eq != std::string::npos) usage(name, arg.substr(eq + 1), "valid: " + flag->range);
      o.strict = true;
      o.given.push_back(arg);
      continue;
    }
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos) {
      throw usage_error("unknown argument '" + arg +
                        "'; flags take the form --name=value, see --help");
    }
    if (!flag) throw usage_error("unknown flag '--" + name + "'; see --help");
    const std::string value = arg.substr(eq + 1);
    o.given.push_back(arg);
    if (value.empty())
      usage(name, value, "needs a value; valid: " + flag_range(name, machine.count));
    // A later value wins, so every value is checked where it stands (an invalid one is never
    // hidden by a valid repeat); the runtime's command, directory and event file name one thing
    // each and are refused twice.
    if (name == "exec" || name == "cwd" || name == "event") {
      const auto first = std::find_if(o.given.begin(), o.given.end() - 1, [&](const auto& g) {
        return g.rfind("--" + name + "=", 0) == 0;
      });
      if (first != o.given.end() - 1) {
        usage(name, value, "given twice (first " + *first + "); valid: once");
      }
    }
    if (flag->exec) exec_given.push_back(arg);
    if (name == "exec") {
      o.exec_given = true;
      o.exec.command = value;
    } else if (name == "label") {
      o.exec.label = checked_label(value);
    } else if (name == "cwd") {
      o.exec.cwd = value;
    } else if (name == "event") {
      o.exec.event = value;
    } else if (name == "event_format") {
      if (value != "payload" && value != "invocation") {
        usage(name, value, "valid: " + flag_range(name, 0));
      }
      o.exec.event_invocations = value == "invocation";
    } else if (name == "deadline") {
      o.exec.deadline =
          std::chrono::duration_cast<std::chrono::milliseconds>(checked_deadline(value));
    } else if (name == "init_timeout") {
      o.exec.init_timeout = checked_init_timeout(value);
    } else if (name == "tenants") {
      const auto n = parse_count(name, value, flag_range(name, 0));
      if (n == 0 || n > 1000000) usage(name, value, "valid range is " + flag_range(name, 0));
      o.exec.tenants = static_cast<std::size_t>(n);
    } else if (name == "log_dir") {
      o.exec.log_dir = value;
    } else if (name == "threshold") {
      parse_threshold(value);  // refused here, before anything runs
      o.thresholds.push_back(value);
    } else if (name == "isolation") {
      if (value != "on" && value != "off") usage(name, value, "valid: " + flag_range(name, 0));
      o.exec.isolation = value == "on";
    } else if (name == "env") {
      o.exec.env.push_back(checked_env(value));
    } else if (name == "per_vcpu") {
      per_vcpu_texts.push_back(value);
    } else if (name == "vcpus") {
      const auto n = parse_count(name, value, flag_range(name, machine.count));
      if (n == 0 || n > machine.count) {
        usage(name, value,
              "valid range is " + flag_range(name, machine.count) + " (the vCPUs available, by " +
                  machine.source + ")");
      }
      o.vcpus = static_cast<std::size_t>(n);
    } else if (name == "io_wait") {
      io_text = value;
      o.io_wait = duration_distribution::parse(value, "--io_wait");
    } else if (name == "cpu_work") {
      cpu_text = value;
      o.cpu_work = duration_distribution::parse(value, "--cpu_work");
    } else if (name == "model") {
      o.models = parse_models(value);
      model_given = true;
    } else if (name == "mode") {
      mode_given = true;
      if (value == "closed")
        o.mode = loop_mode::closed;
      else if (value == "open")
        o.mode = loop_mode::open;
      else
        usage(name, value, "unknown mode; valid: " + flag_range(name, 0));
    } else if (name == "rate") {
      const auto profile = parse_rate_profile(value);
      o.rate = profile.mean;
      o.stages = profile.stages;
      rate_text = value;
      rate_given = true;
    } else if (name == "arrivals") {
      if (value == "poisson")
        o.arrivals = arrival_process::poisson;
      else if (value == "uniform")
        o.arrivals = arrival_process::uniform;
      else
        usage(name, value, "unknown arrival process; valid: " + flag_range(name, 0));
      arrivals_given = true;
    } else if (name == "duration") {
      checked_duration(value);
      duration_text = value;
    } else if (name == "warmup") {
      checked_warmup(value);
      warmup_text = value;
    } else if (name == "scenario") {
      if (value != "default" && value != "seed" && value != "doubling") {
        usage(name, value, "unknown scenario; valid: " + flag_range(name, 0));
      }
      o.scenario = value;
    } else if (name == "seed") {
      o.seed = parse_count(name, value, flag_range(name, 0));
    } else if (name == "csv") {
      o.csv = value;
    } else if (name == "find") {
      if (value != "max_rate") usage(name, value, "valid: " + flag_range(name, 0));
      o.find = true;
    } else if (name == "p99_budget") {
      o.p99_budget =
          parse_ranged_duration(name, value, std::chrono::microseconds(1),
                                std::chrono::seconds(600), "valid range is " + flag_range(name, 0));
      p99_budget_text = value;
    } else if (name == "seconds_csv") {
      o.seconds_csv = value;
    } else if (name == "seconds_svg") {
      o.seconds_svg = value;
    }
  }
  // The seed: a 2 s IO wait, and points long enough for a p50 at concurrency 1 (25 samples).
  if (o.scenario == "seed") {
    if (io_text.empty()) o.io_wait = duration_distribution::constant(std::chrono::seconds(2));
    o.duration = std::chrono::seconds(50);
    o.warmup = std::chrono::seconds(5);
  }
  if (!duration_text.empty()) o.duration = checked_duration(duration_text);
  if (o.scenario == "doubling") {
    // LMI keeps headroom for traffic to double within 5 minutes: the doubling, 30x faster.
    const std::string why = "--scenario=doubling: ";
    if (mode_given && o.mode == loop_mode::closed) {
      throw usage_error(why + "needs --mode=open (it is an arrival profile)");
    }
    if (o.find) throw usage_error(why + "cannot be used with --find (one profile, not a search)");
    if (!rate_given) throw usage_error(why + "needs --rate=R, the rate it doubles from");
    if (!o.stages.empty()) {
      throw usage_error("--rate=" + rate_text + ": " + why + "doubles one constant rate");
    }
    if (o.rate > 5e6)
      usage("rate", rate_text, "--scenario=doubling doubles it: valid up to 5000000");
    if (!duration_text.empty()) {
      throw usage_error("--duration=" + duration_text +
                        ": cannot be used with --scenario=doubling (its stages are the window)");
    }
    o.mode = loop_mode::open;
    o.stages = {{o.rate, o.rate, std::chrono::seconds(5)},
                {o.rate, 2 * o.rate, std::chrono::seconds(10)},
                {2 * o.rate, 2 * o.rate, std::chrono::seconds(5)}};
    o.rate = 1.5 * o.rate;  // the stages' mean: 5 s at R, 10 s ramping to 2R, 5 s at 2R
    rate_given = true;
  }
  if (!o.stages.empty()) {
    if (!duration_text.empty()) {
      throw usage_error("--duration=" + duration_text + ": cannot be used with --rate=" +
                        rate_text + " (its stages are the window)");
    }
    o.duration = std::chrono::nanoseconds(0);
    for (const auto& st : o.stages) o.duration += st.length;
  }
  if (!warmup_text.empty()) o.warmup = checked_warmup(warmup_text);
  if (o.find) {
    if (mode_given && o.mode == loop_mode::closed) {
      throw usage_error("--find=max_rate: needs --mode=open (its probes are open-loop points)");
    }
    o.mode = loop_mode::open;
    if (o.p99_budget.count() == 0) {
      throw usage_error(
          "--find=max_rate: needs --p99_budget=D, the p99 a sustained rate stays "
          "within (1us..600s)");
    }
    if (!o.stages.empty()) {
      throw usage_error("--rate=" + rate_text +
                        ": --find=max_rate starts from one constant rate, not stages");
    }
  } else if (o.p99_budget.count() != 0) {
    throw usage_error("--p99_budget=" + p99_budget_text + ": needs --find=max_rate");
  }
  if (o.mode == loop_mode::closed && rate_given) {
    throw usage_error("--rate=" + rate_text +
                      ": needs --mode=open (a closed loop has no arrival rate)");
  }
  if (o.mode == loop_mode::closed && arrivals_given) {
    throw usage_error("--arrivals: needs --mode=open (a closed loop has no arrivals)");
  }
  for (const auto& [flag, path] :
       {std::pair{"seconds_csv", &o.seconds_csv}, std::pair{"seconds_svg", &o.seconds_svg}}) {
    if (o.mode == loop_mode::closed && !path->empty()) {
      throw usage_error(std::string("--") + flag + "=" + *path +
                        ": needs --mode=open (a closed loop has no arrivals per second)");
    }
  }
  if (o.mode == loop_mode::open && !rate_given && !o.find) {
    throw usage_error("--mode=open: needs --rate=R, the arrivals per second in total");
  }
  // A point waits for every call in flight, so a wait longer than the point could keep it (and a
  // first Ctrl-C) going for hours: refuse medians above the point, cut every sample at it.
  const auto bound = std::min<std::chrono::nanoseconds>(o.duration, std::chrono::seconds(60));
  for (auto [flag, text, dist] : {std::tuple{"io_wait", &io_text, &o.io_wait},
                                  std::tuple{"cpu_work", &cpu_text, &o.cpu_work}}) {
    if (dist->median() > bound) {
      usage(flag, text->empty() ? dist->to_string() : *text,
            "its median " + format_duration(dist->median()) + " exceeds the point's bound " +
                format_duration(bound) + "; valid: a median up to --duration (" +
                format_duration(o.duration) + ") and at most 60s");
    }
    *dist = dist->truncated(o.duration);
  }
  o.pin = o.vcpus < o.available;
  for (const auto& text : per_vcpu_texts) o.per_vcpu = parse_per_vcpu(text, o.vcpus);
  if (o.exec_given) {
    if (model_given) {
      throw usage_error("--exec=" + o.exec.command +
                        ": cannot be used with --model (--exec runs your runtime instead of a "
                        "model; run the model in a sweep of its own)");
    }
    o.models.clear();
    o.nominal = !io_text.empty() || !cpu_text.empty() || o.scenario == "seed";
  } else if (!exec_given.empty()) {
    const std::string& first = exec_given.front();
    throw usage_error(first + ": needs --exec (it configures your runtime's process)");
  }
  return o;
}

}  // namespace inflight::bench

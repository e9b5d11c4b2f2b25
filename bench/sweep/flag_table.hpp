#pragma once
// inflight_sweep's flags in one table: parsing knows them from it, --help is written from it,
// every "needs a value" line quotes its range, and the flag table of bench/README.md is checked
// against it (tests/bench/sweep/flag_table_test.cpp).

#include <algorithm>
#include <string>
#include <vector>

#include "models/traits.hpp"

namespace inflight::bench {

/// One of inflight_sweep's flags.
struct flag_spec {
  std::string name;   // without the leading --
  std::string value;  // the value's form in --help (LIST, N, DIST); empty: a switch
  std::string range;  // the valid values, as error lines and the README quote them
  std::string help;   // what it does and its default; '\n' breaks a --help line
  bool exec = false;  // configures --exec's runtime (needs --exec)
};

/// Every flag, in --help's order.
inline std::vector<flag_spec> sweep_flags() {
  return {
      {"per_vcpu", "LIST", "a list (1,2,4) or a range (1..64, 1..64:dense) of values 1..64",
       "per-vCPU concurrency: a list (1,2,4) or a range, 1..64 doubling, or\n1..64:dense "
       "(doubling plus the 1.5x midpoints); each 1..64.\nDefault 1,2,4,8,16,32,64"},
      {"vcpus", "N", "1..the vCPUs detected",
       "vCPUs to use, 1..detected; fewer pins the run to that many CPUs.\nDefault: detected "
       "(cgroup quota, affinity)"},
      {"io_wait", "DIST", "2ms, uniform:1ms..3ms, exp:2ms or lognormal:2ms,p99=20ms",
       "simulated IO per invocation: 2ms, uniform:1ms..3ms, exp:2ms,\nlognormal:2ms,p99=20ms. "
       "Default 2ms. Its median may not exceed\n--duration or 60s; every sample is cut at "
       "--duration"},
      {"cpu_work", "DIST", "2ms, uniform:1ms..3ms, exp:2ms or lognormal:2ms,p99=20ms",
       "CPU time burnt per invocation, same forms and bounds. Default 0"},
      {"model", "NAME", model_names() + ", a comma list, or all",
       model_names() + ", a comma list, or all.\nDefault fiber"},
      {"mode", "MODE", "closed, open",
       "closed: every slot loops invoke -> complete (default);\nopen: arrivals at --rate, "
       "throttled (429) when every slot is busy"},
      {"rate", "R",
       "0.001..10000000 arrivals per second, or stages A/D or A..B/D (rates 0..10000000, A < B, "
       "each stage 10ms..1h, 1h in all)",
       "open loop: arrivals per second in total; or stages back to back, a ramp A..B/D or a "
       "constant A/D (1000/10s,5000/10s is a step), which set the window"},
      {"arrivals", "KIND", "poisson, uniform", "open loop: poisson (default) or uniform"},
      {"duration", "D", "10ms..1h",
       "measured time per point. Default 3s (50s with --scenario=seed)"},
      {"warmup", "D", "0..1h", "unmeasured time before each point. Default 500ms (5s with seed)"},
      {"scenario", "NAME", "default, seed, doubling",
       "default; seed: the seed's 2 s IO wait (its nominal cost with --exec); doubling: LMI's\n"
       "rule (traffic may double within 5 minutes) 30x faster, an open loop of --rate=R for 5s,\n"
       "a ramp to 2R over 10s, 2R for 5s, reported second by second"},
      {"seed", "N", "0..999999999999", "seed of the wait and arrival generators. Default 1"},
      {"csv", "PATH", "a file path", "also write one CSV row per point"},
      {"find", "WHAT", "max_rate",
       "max_rate: for each cap, the highest constant open-loop rate it sustains (throttled and\n"
       "failed at most 1%, p99 within --p99_budget), by doubling from --rate (default: a quarter\n"
       "of the Little's-law ideal) and bisecting on points of --duration; every probe in the JSON"},
      {"p99_budget", "D", "1us..600s", "--find: the p99 a sustained rate must stay within"},
      {"seconds_csv", "PATH", "a file path",
       "open loop: also write each point's window second by second (offered rate, arrivals,\n"
       "throttled, completed, failed, p50, p99), one CSV row per second"},
      {"seconds_svg", "PATH", "a file path",
       "open loop: also chart each point's window second by second (rates and p99) in one SVG"},
      {"strict", "", "a switch, no value",
       "exit 1 when a point ran beside other work (interference) or an\nexec point leaked "
       "between invocations (--isolation)"},
      {"threshold", "EXPR", "COUNTER OP NUMBER, OP one of < <= > >= == !=",
       "fail (exit 1) when a point's counter misses it, e.g. p99_us<5000,\nthrottled_pct<=1, "
       "errors==0, leaks==0 (any JSON counter, or\nthrottled_pct, failed_pct); repeatable"},
      {"exec", "'CMD ARGS'", "a command line: the runtime and its arguments",
       "the runtime's command, split with shell-like quoting, run without a\nshell; a relative "
       "program is found from --cwd, e.g.\n--exec='node_modules/.bin/aws-lambda-ric index.io'",
       true},
      {"label", "NAME", "letters, digits, '.', '_' and '-'",
       "the points' name, exec:NAME/... Default: the command's base name", true},
      {"cwd", "DIR", "a directory",
       "its working directory and LAMBDA_TASK_ROOT. Default: the current one", true},
      {"event", "FILE", "a readable file of JSON or JSON Lines",
       "the payload: one JSON document, or JSON Lines used round robin.\nDefault {}", true},
      {"event_format", "FORMAT", "payload, invocation",
       "payload (default): each event is the payload; invocation: each is\n{\"payload\": ..., "
       "\"clientContext\": {...}, \"cognitoIdentity\": {...}}, the\nlast two optional, sent as "
       "Lambda-Runtime-Client-Context and\nLambda-Runtime-Cognito-Identity",
       true},
      {"env", "K=V", "NAME=VALUE",
       "a variable over those LMI sets (AWS_LAMBDA_RUNTIME_API,\nAWS_LAMBDA_MAX_CONCURRENCY, "
       "_HANDLER=index.handler, ...); repeatable",
       true},
      {"deadline", "D", "1ms..900s",
       "Lambda-Runtime-Deadline-Ms after availability, 1ms..900s. Default 3s", true},
      {"init_timeout", "D", "100ms..600s",
       "time allowed from start to the first /next, 100ms..600s. Default 10s", true},
      {"tenants", "N", "1..1000000",
       "give the invocations N tenant ids, round robin\n(Lambda-Runtime-Aws-Tenant-Id: "
       "tenant-1 ...). Default: none, as without\ntenant isolation",
       true},
      {"log_dir", "DIR", "a directory this user can write",
       "keep each exec point's runtime output in DIR/POINT.N.log (the first\n64 MiB, then a line "
       "saying what was dropped). Default: not kept",
       true},
      {"isolation", "VALUE", "on, off",
       "check that concurrent invocations stay apart (their log lines'\nids, line counts and "
       "responses against a run at concurrency 1\nfirst): the leaks column. Default on",
       true},
  };
}

/// The flag called `name`, or null.
inline const flag_spec* find_flag(const std::vector<flag_spec>& flags, const std::string& name) {
  const auto it =
      std::find_if(flags.begin(), flags.end(), [&](const flag_spec& f) { return f.name == name; });
  return it == flags.end() ? nullptr : &*it;
}

/// The valid values of flag `name`, as error lines quote them; `vcpus` (the vCPUs detected)
/// makes --vcpus's range concrete.
inline std::string flag_range(const std::string& name, std::size_t vcpus) {
  if (name == "vcpus") return "1.." + std::to_string(vcpus);
  const auto flags = sweep_flags();
  const flag_spec* f = find_flag(flags, name);
  return f ? f->range : "see --help";
}

/// "--name=VALUE" (or "--name" for a switch), as --help and the README write it.
inline std::string flag_usage(const flag_spec& f) {
  return "--" + f.name + (f.value.empty() ? "" : "=" + f.value);
}

/// The --help text.
inline std::string sweep_help() {
  std::string out =
      "inflight_sweep: throughput, latency and CPU use as concurrency per vCPU "
      "grows.\n\n";
  bool in_exec = false;
  for (const auto& f : sweep_flags()) {
    if (f.exec && !in_exec) {
      out +=
          "  --help              this text\n  --version           the version, and the build: "
          "architecture, static or dynamic,\n                      compiler, commit\n\nYour own "
          "function in its real runtime, instead "
          "of --model (each point starts it afresh):\n";
      in_exec = true;
    }
    std::string usage = "  " + flag_usage(f);
    usage += usage.size() < 22 ? std::string(22 - usage.size(), ' ') : "\n" + std::string(22, ' ');
    out += usage;
    for (char c : f.help) out += c == '\n' ? "\n" + std::string(22, ' ') : std::string(1, c);
    out += '\n';
  }
  out +=
      R"(  --io_wait, --cpu_work with --exec: the handler's nominal costs, for eff (n/a otherwise)

Google Benchmark's flags: --benchmark_out=run.json keeps the JSON (rewritten whole after
every point, so it always parses), --benchmark_out_format=json|console,
--benchmark_format=console|json, --benchmark_filter=REGEX selects points,
--benchmark_repetitions=1..1000, --benchmark_list_tests, --benchmark_color,
--benchmark_counters_tabular, --benchmark_report_aggregates_only,
--benchmark_display_aggregates_only, --benchmark_enable_random_interleaving,
--benchmark_context=K=V,..., --benchmark_time_unit=ns|us|ms|s, --v=N.

Exit status: 0 when every point was measured, 1 when a point failed, an output could not
be written, a --threshold failed, or --strict found interference or a leak, 2 for bad input, 130 after Ctrl-C or SIGTERM (finished points are kept).
)";
  return out;
}

}  // namespace inflight::bench

#pragma once
// The run's description as Google Benchmark's context (the JSON's "context" and the console's
// header): the machine, the build, the flags and what they resolved to. inflight_compare reads
// it back (compare/load.hpp).

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/utsname.h>

#include <fstream>
#include <string>
#include <vector>

#include "inflight/io_wait.hpp"
#include "inflight/topology.hpp"
#include "inflight/version.hpp"
#include "models/traits.hpp"
#include "support/build_info.hpp"
#include "support/measure.hpp"
#include "support/printable.hpp"
#include "sweep/plan.hpp"

namespace inflight::bench {

namespace detail {
inline std::string read_cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    for (const char* key : {"model name", "Model", "CPU part"}) {
      if (line.rfind(key, 0) == 0) {
        const auto colon = line.find(':');
        if (colon != std::string::npos) return line.substr(colon + 2);
      }
    }
  }
  return "unknown";
}

inline std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}
}  // namespace detail

/// Adds the context of the run `d`, whose first timer-floor probe was `floor`.
inline void add_context(const sweep_description& d, const timer_floor& floor) {
  using detail::join;
  utsname u{};
  uname(&u);
  std::vector<std::string> cpus, models, points;
  for (int c : d.machine.cpus) cpus.push_back(std::to_string(c));
  for (model m : d.models) models.push_back(model_name(m));
  for (auto p : d.per_vcpu) points.push_back(std::to_string(p));
  // Every value made printable: --exec, --env and --cwd come from the user and reach the table
  // and the JSON.
  const auto context = [](const std::string& key, const std::string& value) {
    benchmark::AddCustomContext(key, printable(value));
  };
  context("inflight_version", inflight::version_string);
  // What the counters mean; inflight_compare refuses other formats (compare/load.hpp).
  context("inflight_format", "2");
  context("inflight_build_type", INFLIGHT_BUILD_TYPE);
  add_build_context();  // build_arch, build_linkage, build_compiler, build_commit
  context("vcpus", std::to_string(d.vcpus));
  context("vcpus_available", std::to_string(d.machine.count));
  context("vcpu_source", d.machine.source);
  context("cpus", join(cpus, ","));
  context("pinned", d.pinned ? "true" : "false");
  context("cpu_model", detail::read_cpu_model());
  context("arch", u.machine);
  context("kernel", u.release);
  const std::string cpu_max = inflight::cgroup_cpu_max();
  context("cgroup_cpu_max", cpu_max.empty() ? "none" : cpu_max);
  context("timer_floor_p50_us", fmt::format("{:.1f}", to_us(floor.p50)));
  context("timer_floor_p99_us", fmt::format("{:.1f}", to_us(floor.p99)));
  context("timer_floor_mean_us", fmt::format("{:.1f}", to_us(floor.mean)));
  context("flags", join(d.command_line, " "));
  context("models", join(models, ","));
  context("per_vcpu", join(points, ","));
  context("io_wait", d.io_wait.to_string());
  context("cpu_work", d.cpu_work.to_string());
  context("mode", d.open() ? "open" : "closed");
  context("rate", d.open() ? fmt::format("{}", d.rate) : "none");
  context("arrivals",
          d.open() ? (d.arrivals == arrival_process::poisson ? "poisson" : "uniform") : "none");
  context("duration", inflight::format_duration(d.duration));
  context("warmup", inflight::format_duration(d.warmup));
  context("seed", std::to_string(d.seed));
  if (d.exec) {
    const auto& e = *d.exec;
    context("exec_command", d.exec_command);
    context("exec_path", e.path);
    context("exec_label", e.label);
    context("exec_cwd", e.cwd);
    std::vector<std::string> env;
    for (const auto& [k, v] : e.env) env.push_back(k + "=" + v);
    context("exec_env", join(env, " "));
    context("exec_deadline_ms", std::to_string(e.deadline.count()));
    context("exec_events", std::to_string(std::max<std::size_t>(1, e.events.size())));
    context("exec_nominal_costs", d.nominal ? "true" : "false");
    context("exec_tenants", std::to_string(e.tenants));
    context("exec_log_dir", e.log_dir.empty() ? "none" : e.log_dir);
    // What the command should run as; each point's table row says what did.
    context("exec_runtime_exe", e.runtime_exe.empty() ? "unknown" : e.runtime_exe);
    context("exec_runtime_found", e.runtime_found);
    context("exec_runtime_version", e.runtime_version.empty() ? "not asked" : e.runtime_version);
    // inflight makes no cgroup with cpu.max, so a runtime that sizes itself from it (the Node.js
    // client) is told the vCPUs through its variable instead (exec/lmi_environment.hpp).
    context("exec_confinement", std::string(d.pinned ? "affinity to the point's CPUs; " : "") +
                                    "no cgroup cpu.max; AWS_LAMBDA_NODEJS_WORKER_COUNT=" +
                                    std::to_string(nodejs_workers_per_vcpu * d.vcpus) +
                                    " unless --env sets it");
  }
}

}  // namespace inflight::bench

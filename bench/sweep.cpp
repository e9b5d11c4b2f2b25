// inflight_sweep: the main job. Sweeps concurrency per vCPU for one or more runtime models and
// reports throughput, latency percentiles, CPU use and throttles per point, as Google Benchmark
// counters (console and JSON) and as a table at the end.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "inflight/inflight.hpp"
#include "support/benchmark_flags.hpp"
#include "support/printable.hpp"
#include "support/report.hpp"
#include "support/result_file.hpp"
#include "support/sweep_options.hpp"
#include "support/sweep_point.hpp"

namespace {

using namespace inflight::bench;

volatile std::sig_atomic_t interrupted = 0;  // the signal that asked the sweep to stop

// Ctrl-C and SIGTERM stop the sweep after the current point; a second one of either ends the
// program at once (its files hold the last finished point, and python-model children die with
// it).
extern "C" void on_stop_signal(int sig) {
  interrupted = sig;
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

// A program started with stdout (or stdin, stderr) closed would hand that descriptor to the next
// file it opens, and print its table into the CSV.
void keep_standard_descriptors_open() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      const int null = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
      if (null >= 0 && null != fd) {
        ::dup2(null, fd);
        ::close(null);
      }
    }
  }
}

// The program's run state; only the main thread touches it.
struct sweep_run {
  sweep_options options;
  std::vector<point_row> rows;
  std::size_t points = 0;
  std::size_t done = 0;
  double point_s = 0;          // warm-up + duration of one point
  bool show_progress = false;  // the sweep lasts 5 s or more

  std::ofstream csv;
  std::string csv_error;  // the first write error, reported at the end
  std::vector<failed_point> failures;
  double first_floor_p99_us = 0;  // the sweep's first timer-floor probe, the interference baseline
  bool tty = false;
};

void progress(sweep_run& run, const std::string& name, double fraction) {
  const double left = run.point_s * (static_cast<double>(run.points - run.done) - fraction);
  if (run.show_progress && run.tty) {
    std::fprintf(stderr, "\r\033[K[%zu/%zu] %s %3.0f%%  ETA %.0fs", run.done + 1, run.points,
                 name.c_str(), fraction * 100, left);
  }
}

// One point: model `m`, or with no model the exec point of --exec.
void run_one(benchmark::State& state, sweep_run* run, std::optional<model> m, std::size_t per_vcpu,
             const std::string& name) {
  if (interrupted) {
    state.SkipWithError("not run: interrupted");
    for (auto _ : state) {
    }
    return;
  }
  point_result r;
  std::string error;
  for (auto _ : state) {
    try {
      const inflight::bench::progress tick = [&](double f) {
        progress(*run, name, std::min(1.0, f));
      };
      r = m ? run_point(run->options, *m, per_vcpu, tick)
            : run_exec_point(run->options, per_vcpu, tick);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  if (error.empty() && r.exec && r.completed == 0 && r.timeouts != 0) {
    error = "the runtime stopped answering: " + std::to_string(r.timeouts) +
            " invocations timed out (no answer by their deadline + 1 s) and none completed";
  }
  if (error.empty() && r.completed == 0) {
    // Nothing completed in the window (every call failed, or none finished): not a row of zeros.
    error = r.failed != 0
                ? "no invocation completed in the window; " + std::to_string(r.failed) + " failed"
                : "no invocation completed in the window";
  }
  if (!error.empty()) {
    // The point failed (its model could not start); every finished point is kept and the sweep
    // goes on.
    if (run->tty && run->show_progress) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "inflight_sweep: %s: not measured: %s\n", name.c_str(),
                 one_line(error).c_str());
    state.SkipWithError(("not measured: " + one_line(error)).c_str());
    run->failures.push_back({name, one_line(error)});
    ++run->done;
    return;
  }
  const point_row row = m ? make_row(run->options, *m, r, name, run->first_floor_p99_us)
                          : make_exec_row(run->options, r, name, run->first_floor_p99_us);
  if (!row.interference.empty()) {
    if (run->tty && run->show_progress) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "inflight_sweep: %s: interference: %s\n", name.c_str(),
                 row.interference.c_str());
  }
  if (!row.unmeasured.empty()) {
    if (run->tty && run->show_progress) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "inflight_sweep: %s: the runtime's CPU and memory are n/a: %s\n",
                 name.c_str(), row.unmeasured.c_str());
  }
  set_counters(state, row);
  std::string label;
  if (!row.interference.empty()) label = "interference: " + row.interference;
  if (!row.error_types.empty()) {
    label += (label.empty() ? "" : "; ") + std::string("errors by errorType: ") + row.error_types;
  }
  if (!label.empty()) state.SetLabel(label);
  run->rows.push_back(row);
  ++run->done;
  if (run->csv.is_open() && run->csv_error.empty()) {
    write_csv_row(run->csv, row);
    if (!run->csv) run->csv_error = "write failed: " + std::string(std::strerror(errno));
  }
  if (run->show_progress) {
    if (run->tty) std::fprintf(stderr, "\r\033[K");
    if (!run->tty || run->done == run->points) {
      std::fprintf(stderr, "[%zu/%zu] %s: %.0f/s, p99 %.0f us\n", run->done, run->points,
                   name.c_str(), row.throughput, row.p99_us);
    }
  }
}

std::string read_cpu_model() {
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

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

void add_context(const sweep_options& o, const inflight::vcpu_info& machine,
                 const inflight::timer_floor& floor, const std::vector<std::string>& argv) {
  utsname u{};
  uname(&u);
  std::vector<std::string> cpus, models, points;
  for (int c : machine.cpus) cpus.push_back(std::to_string(c));
  for (model m : o.models) models.push_back(model_name(m));
  for (auto p : o.per_vcpu) points.push_back(std::to_string(p));
  // Every value made printable: --exec, --env and --cwd come from the user and reach the table
  // and the JSON.
  const auto context = [](const std::string& key, const std::string& value) {
    benchmark::AddCustomContext(key, printable(value));
  };
  context("inflight_version", inflight::version_string);
  // What the counters mean; inflight_compare refuses other formats (compare/load.hpp).
  context("inflight_format", "2");
  context("inflight_build_type", INFLIGHT_BUILD_TYPE);
  context("vcpus", std::to_string(o.vcpus));
  context("vcpus_available", std::to_string(machine.count));
  context("vcpu_source", machine.source);
  context("cpus", join(cpus, ","));
  context("pinned", o.pin ? "true" : "false");
  context("cpu_model", read_cpu_model());
  context("arch", u.machine);
  context("kernel", u.release);
  const std::string cpu_max = inflight::cgroup_cpu_max();
  context("cgroup_cpu_max", cpu_max.empty() ? "none" : cpu_max);
  context("timer_floor_p50_us", fmt::format("{:.1f}", to_us(floor.p50)));
  context("timer_floor_p99_us", fmt::format("{:.1f}", to_us(floor.p99)));
  context("timer_floor_mean_us", fmt::format("{:.1f}", to_us(floor.mean)));
  context("flags", join(argv, " "));
  context("models", join(models, ","));
  context("per_vcpu", join(points, ","));
  context("io_wait", o.io_wait.to_string());
  context("cpu_work", o.cpu_work.to_string());
  context("mode", o.mode == loop_mode::open ? "open" : "closed");
  context("rate", o.mode == loop_mode::open ? fmt::format("{}", o.rate) : "none");
  context("arrivals", o.mode == loop_mode::open
                          ? (o.arrivals == arrival_process::poisson ? "poisson" : "uniform")
                          : "none");
  context("duration", inflight::format_duration(o.duration));
  context("warmup", inflight::format_duration(o.warmup));
  context("seed", std::to_string(o.seed));
  if (o.exec) {
    const auto& e = *o.exec;
    context("exec_command", o.exec_command);
    context("exec_path", e.path);
    context("exec_label", e.label);
    context("exec_cwd", e.cwd);
    std::vector<std::string> env;
    for (const auto& [k, v] : e.env) env.push_back(k + "=" + v);
    context("exec_env", join(env, " "));
    context("exec_deadline_ms", std::to_string(e.deadline.count()));
    context("exec_events", std::to_string(std::max<std::size_t>(1, e.events.size())));
    context("exec_nominal_costs", o.nominal ? "true" : "false");
    // inflight makes no cgroup with cpu.max, so a runtime that sizes itself from it (the Node.js
    // client) is told the vCPUs through its variable instead (models/exec.hpp).
    context("exec_confinement", std::string(o.pin ? "affinity to the point's CPUs; " : "") +
                                    "no cgroup cpu.max; AWS_LAMBDA_NODEJS_WORKER_COUNT=" +
                                    std::to_string(8 * o.vcpus) + " unless --env sets it");
  }
}

}  // namespace

int main(int argc, char** argv) {
  keep_standard_descriptors_open();
  std::vector<std::string> original(argv + 1, argv + argc);
  for (const auto& a : original) {
    if (a == "--help" || a == "-h") {
      std::fputs(sweep_help().c_str(), stdout);
      return 0;
    }
  }
  const auto machine = inflight::detect_vcpus();
  sweep_run run;
  benchmark_flags gb;
  std::unique_ptr<file_reporter> json_out;
  try {
    gb = split_benchmark_flags(original);
    run.options = parse_sweep_options(gb.ours, machine);
    run.options.stop_requested = [] { return interrupted != 0; };
    // Every output is checked before anything is measured.
    if (!gb.out.empty()) {
      result_file out("benchmark_out", gb.out);
      out.check();
      json_out = std::make_unique<file_reporter>(make_reporter(gb.out_format, false, false),
                                                 std::move(out), gb.out_format == "json");
    }
    if (!run.options.csv.empty()) {
      run.csv.open(run.options.csv);
      if (run.csv) write_csv_header(run.csv);
      if (!run.csv) {
        throw usage_error("--csv=" + run.options.csv +
                          ": cannot write: " + std::string(std::strerror(errno)));
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "inflight_sweep: %s\n", one_line(e.what()).c_str());
    return 2;
  }
  // Google Benchmark sees only its own flags, already checked, and never --benchmark_out.
  std::vector<std::string> gb_args{argv[0]};
  gb_args.insert(gb_args.end(), gb.benchmark.begin(), gb.benchmark.end());
  std::vector<char*> gb_argv;
  for (auto& a : gb_args) gb_argv.push_back(a.data());
  gb_argv.push_back(nullptr);
  int gb_argc = static_cast<int>(gb_args.size());
  benchmark::Initialize(&gb_argc, gb_argv.data());

  run.tty = isatty(STDERR_FILENO) != 0;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  const auto floor = inflight::measure_timer_floor();
  run.first_floor_p99_us = to_us(floor.p99);
  add_context(run.options, machine, floor, original);

  for (model m : run.options.models) {
    for (std::size_t p : run.options.per_vcpu) {
      const std::string name = point_name(run.options, m, p);
      benchmark::RegisterBenchmark(name.c_str(), run_one, &run, std::optional<model>(m), p, name)
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
    }
  }
  if (run.options.exec) {
    for (std::size_t p : run.options.per_vcpu) {
      const std::string name = exec_point_name(run.options, p);
      benchmark::RegisterBenchmark(name.c_str(), run_one, &run, std::optional<model>(), p, name)
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
    }
  }
  run.points =
      (run.options.models.size() + (run.options.exec ? 1 : 0)) * run.options.per_vcpu.size();
  run.point_s = std::chrono::duration<double>(run.options.warmup + run.options.duration).count();
  run.show_progress = run.point_s * static_cast<double>(run.points) >= 5;
  auto display = make_reporter(gb.format, gb.use_color(isatty(STDOUT_FILENO) != 0), gb.tabular);
  tee_reporter both(*display, json_out.get());
  benchmark::RunSpecifiedBenchmarks(&both);
  benchmark::Shutdown();

  // With --benchmark_format=json or csv stdout is machine-readable, so the table goes to stderr.
  const bool machine_stdout = gb.format != "console";
  std::fputs(format_table(run.options, with_repetitions(run.rows), floor, run.failures).c_str(),
             machine_stdout ? stderr : stdout);
  int status = run.failures.empty() ? 0 : 1;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "inflight_sweep: writing to standard output failed: %s\n",
                 std::strerror(errno));
    status = 1;
  }
  if (json_out && !json_out->error().empty()) {
    std::fprintf(stderr, "inflight_sweep: %s\n", one_line(json_out->error()).c_str());
    status = 1;
  }
  if (!run.csv_error.empty()) {
    std::fprintf(stderr, "inflight_sweep: --csv=%s: %s\n", one_line(run.options.csv).c_str(),
                 run.csv_error.c_str());
    status = 1;
  }
  if (!run.failures.empty()) {
    std::fprintf(stderr, "inflight_sweep: %zu of %zu points failed; kept the %zu finished\n",
                 run.failures.size(), run.points, run.rows.size());
  }
  const auto disturbed = static_cast<std::size_t>(
      std::count_if(run.rows.begin(), run.rows.end(),
                    [](const point_row& r) { return !r.interference.empty(); }));
  if (disturbed != 0 && run.options.strict) {
    std::fprintf(stderr, "inflight_sweep: --strict: %zu of %zu points ran beside other work\n",
                 disturbed, run.rows.size());
    status = 1;
  }
  if (interrupted) {
    std::fprintf(stderr, "inflight_sweep: interrupted; kept the %zu finished points\n",
                 run.rows.size());
    return 128 + interrupted;
  }
  return status;
}

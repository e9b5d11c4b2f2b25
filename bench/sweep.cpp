// inflight_sweep: the main job. Sweeps concurrency per vCPU for one or more runtime models (or
// the user's own runtime, --exec) and reports throughput, latency percentiles, CPU use and
// throttles per point, as Google Benchmark counters (console and JSON), CSV and a table.
//
// flags (sweep/parse.hpp) -> plan (sweep/plan.hpp) -> point runner (point/runner.hpp) -> model
// or exec -> rows (sweep/rows.hpp) -> renderers (sweep/render_*.hpp).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "inflight/io_wait.hpp"
#include "inflight/topology.hpp"
#include "support/build_info.hpp"
#include "support/flags.hpp"
#include "sweep/benchmark_flags.hpp"
#include "sweep/find_point.hpp"
#include "sweep/parse.hpp"
#include "sweep/plan.hpp"
#include "sweep/progress.hpp"
#include "sweep/render_context.hpp"
#include "sweep/render_counters.hpp"
#include "sweep/render_csv.hpp"
#include "sweep/render_find.hpp"
#include "sweep/render_seconds.hpp"
#include "sweep/render_table.hpp"
#include "sweep/repetitions.hpp"
#include "sweep/result_file.hpp"
#include "sweep/rows.hpp"
#include "sweep/thresholds.hpp"

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
  sweep_plan plan;
  std::vector<point_row> rows;
  std::vector<failed_point> failures;
  std::ofstream csv;
  std::string csv_path;
  std::string csv_error;                   // the first write error, reported at the end
  std::ofstream seconds_csv, seconds_svg;  // open loop: the per-second series (--seconds_*)
  std::string seconds_csv_path, seconds_svg_path, seconds_error;
  double first_floor_p99_us = 0;  // the sweep's first timer-floor probe, the interference baseline
  std::unique_ptr<progress_line> progress;
  std::map<const planned_point*, std::size_t> runs;  // how often each point has run (repetitions)
  bool reference_run = false;  // the isolation check's reference has been run (or tried)
  std::shared_ptr<const isolation::reference> reference;  // what it made; null: none
};

// The isolation check's run at concurrency 1, before the first exec point: what every exec
// point's invocations are held to. When it fails the points are checked without it (the rules
// that need none), and the sweep says so.
void run_reference(sweep_run* run) {
  run->reference_run = true;
  const planned_point& ref = *run->plan.reference;
  std::string why;
  try {
    const point_result r =
        measure(run->plan, ref, [&](double f) { run->progress->tick(ref.name, f); });
    if (r.reference && r.reference->invocations >= 2) {
      run->reference = r.reference;
    } else {
      why = std::to_string(r.reference ? r.reference->invocations : 0) +
            " invocations answered, 2 needed";
    }
  } catch (const std::exception& e) {
    why = e.what();
  }
  run->progress->clear();
  const std::string log = runtime_log_path(run->plan.run, ref, 1);
  if (!why.empty()) {
    std::fprintf(stderr,
                 "inflight_sweep: %s: no isolation reference (%s): the points are checked "
                 "without it\n",
                 ref.name.c_str(), one_line(why).c_str());
    return;
  }
  std::size_t events = 0;
  for (const auto& e : run->reference->events) events += e.invocations >= 2;
  std::fprintf(stderr,
               "inflight_sweep: %s: the isolation check's reference: %llu invocations at "
               "concurrency 1, %zu of %zu events answered at least twice%s%s\n",
               ref.name.c_str(), static_cast<unsigned long long>(run->reference->invocations),
               events, run->reference->events.size(), log.empty() ? "" : "; its output is in ",
               one_line(log).c_str());
}

// One point of the plan, as Google Benchmark runs it (once).
void run_one(benchmark::State& state, sweep_run* run, const planned_point* point) {
  if (interrupted) {
    state.SkipWithError("not run: interrupted");
    for (auto _ : state) {
    }
    return;
  }
  const std::string& name = point->name;
  const std::size_t this_run = ++run->runs[point];
  const std::string log = runtime_log_path(run->plan.run, *point, this_run);
  if (point->subject.what == sweep_subject::kind::exec && run->plan.reference &&
      !run->reference_run) {
    run_reference(run);
  }
  point_result r;
  std::string error;
  std::optional<rate_search> search;
  for (auto _ : state) {
    if (run->plan.run.find) {
      search = search_point(
          run->plan, *point, run->first_floor_p99_us, run->reference,
          [&](const std::string& probe, double f) { run->progress->tick(probe, f); },
          [&] { return ++run->runs[point]; }, [] { return interrupted != 0; });
      continue;
    }
    try {
      r = measure(
          run->plan, *point, [&](double f) { run->progress->tick(name, f); }, this_run,
          run->reference);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  if (search) {
    run->progress->clear();
    std::fputs(probe_lines(name, *search).c_str(), stderr);
    if (!search->best) error = no_rate_sustained(*search, run->plan.run.duration);
  } else if (!log.empty()) {
    run->progress->clear();
    std::fprintf(
        stderr, "inflight_sweep: %s: the runtime's output is in %s%s\n", name.c_str(),
        one_line(log).c_str(),
        r.log_dropped != 0
            ? (" (cut at 64 MiB: " + std::to_string(r.log_dropped) + " bytes dropped)").c_str()
            : "");
  }
  if (error.empty() && !search) error = empty_point(r);
  if (!error.empty()) {
    // The point failed (its subject could not start, or nothing completed); every finished point
    // is kept and the sweep goes on.
    run->progress->clear();
    std::fprintf(stderr, "inflight_sweep: %s: not measured: %s\n", name.c_str(),
                 one_line(error).c_str());
    state.SkipWithError(("not measured: " + one_line(error)).c_str());
    run->failures.push_back({name, one_line(error)});
    run->progress->failed();
    return;
  }
  const point_row row = search ? search_row(name, *search)
                               : make_row(run->plan.run, *point, r, run->first_floor_p99_us);
  if (!row.interference.empty()) {
    run->progress->clear();
    std::fprintf(stderr, "inflight_sweep: %s: interference: %s\n", name.c_str(),
                 row.interference.c_str());
  }
  if (row.other_runtime) {
    const auto& e = run->plan.run.exec;
    run->progress->clear();
    std::fprintf(stderr, "inflight_sweep: %s: the runtime ran %s, not %s (%s)\n", name.c_str(),
                 one_line(row.runtime_exe).c_str(), one_line(e->runtime_exe).c_str(),
                 one_line(e->runtime_found).c_str());
  }
  if (!row.unmeasured.empty()) {
    run->progress->clear();
    std::fprintf(stderr, "inflight_sweep: %s: the runtime's CPU and memory are n/a: %s\n",
                 name.c_str(), row.unmeasured.c_str());
  }
  set_counters(state, row);
  set_second_counters(state, row);
  if (search) {
    for (const auto& [counter, value] : probe_counters(*search)) state.counters[counter] = value;
  }
  std::string label;
  if (!row.interference.empty()) label = "interference: " + row.interference;
  if (!row.error_types.empty()) {
    label += (label.empty() ? "" : "; ") + std::string("errors by errorType: ") + row.error_types;
  }
  if (row.isolation.leaks != 0) {
    run->progress->clear();
    std::fprintf(stderr, "inflight_sweep: %s: %llu invocations not kept apart; first: %s\n",
                 name.c_str(), static_cast<unsigned long long>(row.isolation.leaks),
                 one_line(row.isolation.first_finding()).c_str());
    label += (label.empty() ? "" : "; ") + std::string("leaks: ") +
             one_line(row.isolation.first_finding());
  }
  if (!label.empty()) state.SetLabel(label);
  run->rows.push_back(row);
  if (run->csv.is_open() && run->csv_error.empty()) {
    write_csv_row(run->csv, row);
    if (!run->csv) run->csv_error = "write failed: " + std::string(std::strerror(errno));
  }
  if (run->seconds_csv.is_open() && run->seconds_error.empty()) {
    write_seconds_csv_rows(run->seconds_csv, row);
    if (!run->seconds_csv) {
      run->seconds_error = "--seconds_csv=" + run->seconds_csv_path +
                           ": write failed: " + std::string(std::strerror(errno));
    }
  }
  run->progress->finished(name, row.throughput, row.p99_us);
}

}  // namespace

int main(int argc, char** argv) {
  keep_standard_descriptors_open();
  if (const auto stop = program_start(argc, argv, "inflight_sweep")) return *stop;
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
    const sweep_options options = parse_sweep_options(gb.ours, machine);
    run.plan = make_plan(options, machine, [] { return interrupted != 0; });
    run.plan.run.command_line = original;
    // Every output is checked before anything is measured.
    if (!gb.out.empty()) {
      result_file out("benchmark_out", gb.out);
      out.check();
      json_out = std::make_unique<file_reporter>(make_reporter(gb.out_format, false, false),
                                                 std::move(out), gb.out_format == "json");
    }
    run.csv_path = options.csv;
    if (!run.csv_path.empty()) {
      run.csv.open(run.csv_path);
      if (run.csv) write_csv_header(run.csv);
      if (!run.csv) {
        throw usage_error("--csv=" + run.csv_path +
                          ": cannot write: " + std::string(std::strerror(errno)));
      }
    }
    run.seconds_csv_path = options.seconds_csv;
    run.seconds_svg_path = options.seconds_svg;
    for (auto [flag, path, out] :
         {std::tuple{"seconds_csv", &run.seconds_csv_path, &run.seconds_csv},
          std::tuple{"seconds_svg", &run.seconds_svg_path, &run.seconds_svg}}) {
      if (path->empty()) continue;
      out->open(*path);
      if (*out && out == &run.seconds_csv) write_seconds_csv_header(*out);
      if (!*out) {
        throw usage_error(std::string("--") + flag + "=" + *path +
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

  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  const auto floor = inflight::measure_timer_floor();
  run.first_floor_p99_us = to_us(floor.p99);
  add_context(run.plan.run, floor);

  for (const auto& point : run.plan.points) {
    benchmark::RegisterBenchmark(point.name.c_str(), run_one, &run, &point)
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
  }
  const std::size_t points = run.plan.points.size();
  run.progress = std::make_unique<progress_line>(
      points, std::chrono::duration<double>(run.plan.run.warmup + run.plan.run.duration).count(),
      isatty(STDERR_FILENO) != 0);
  auto display = make_reporter(gb.format, gb.use_color(isatty(STDOUT_FILENO) != 0), gb.tabular);
  tee_reporter both(*display, json_out.get(), [](const std::string& counter) {
    return is_second_counter(counter) || is_probe_counter(counter);
  });
  benchmark::RunSpecifiedBenchmarks(&both);
  benchmark::Shutdown();

  // With --benchmark_format=json or csv stdout is machine-readable, so the table goes to stderr.
  const bool machine_stdout = gb.format != "console";
  std::fputs(format_table(run.plan.run, with_repetitions(run.rows), floor, run.failures).c_str(),
             machine_stdout ? stderr : stdout);
  if (!run.plan.run.stages.empty()) {
    std::fputs(seconds_table(run.rows).c_str(), machine_stdout ? stderr : stdout);
  }
  if (run.plan.run.find) {
    std::fputs(find_table(run.plan.run, run.rows).c_str(), machine_stdout ? stderr : stdout);
  }
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
  if (run.seconds_svg.is_open()) {
    run.seconds_svg << seconds_svg(profile_name(run.plan.run), run.rows);
    run.seconds_svg.close();
    if (!run.seconds_svg && run.seconds_error.empty()) {
      run.seconds_error = "--seconds_svg=" + run.seconds_svg_path +
                          ": write failed: " + std::string(std::strerror(errno));
    }
  }
  if (!run.seconds_error.empty()) {
    std::fprintf(stderr, "inflight_sweep: %s\n", one_line(run.seconds_error).c_str());
    status = 1;
  }
  if (!run.csv_error.empty()) {
    std::fprintf(stderr, "inflight_sweep: --csv=%s: %s\n", one_line(run.csv_path).c_str(),
                 run.csv_error.c_str());
    status = 1;
  }
  if (!run.failures.empty()) {
    std::fprintf(stderr, "inflight_sweep: %zu of %zu points failed; kept the %zu finished\n",
                 run.failures.size(), points, run.rows.size());
  }
  const auto disturbed = static_cast<std::size_t>(
      std::count_if(run.rows.begin(), run.rows.end(),
                    [](const point_row& r) { return !r.interference.empty(); }));
  if (disturbed != 0 && run.plan.run.strict) {
    std::fprintf(stderr, "inflight_sweep: --strict: %zu of %zu points ran beside other work\n",
                 disturbed, run.rows.size());
    status = 1;
  }
  std::vector<threshold> thresholds;
  for (const auto& t : run.plan.run.thresholds) thresholds.push_back(parse_threshold(t));
  for (const auto& r : check_thresholds(thresholds, run.rows)) {
    const std::string line = threshold_line(r);
    if (line.empty()) continue;
    std::fprintf(stderr, "inflight_sweep: %s\n", one_line(line).c_str());
    status = 1;
  }
  const auto leaked = static_cast<std::size_t>(std::count_if(
      run.rows.begin(), run.rows.end(), [](const point_row& r) { return r.isolation.leaks != 0; }));
  if (leaked != 0 && run.plan.run.strict) {
    std::fprintf(stderr,
                 "inflight_sweep: --strict: %zu of %zu points did not keep invocations apart\n",
                 leaked, run.rows.size());
    status = 1;
  }
  if (interrupted) {
    std::fprintf(stderr, "inflight_sweep: interrupted; kept the %zu finished points\n",
                 run.rows.size());
    return 128 + interrupted;
  }
  return status;
}

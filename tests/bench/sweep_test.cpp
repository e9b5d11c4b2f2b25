// The sweep end to end: real short sweeps through the inflight_sweep binary, the JSON they
// write, bad input, SIGINT, and failures that keep the finished points.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>     // PR_SET_CHILD_SUBREAPER
#include <sys/resource.h>  // setrlimit
#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/build_info.hpp"
#include "support/emulation.hpp"
#include "support/faults.hpp"
#include "support/scratch_dir.hpp"
#include "support/sweep_binary.hpp"
#include "support/sweep_plans.hpp"
#include "sweep/render_table.hpp"
#include "sweep/rows.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using namespace inflight::bench;
using inflight::test::all_gone;
using inflight::test::children_of;
using inflight::test::parses;
using inflight::test::run_result;
using inflight::test::spawn_options;
using inflight::test::SweepBinary;
using inflight::test::under_asan;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST_F(SweepBinary, AShortSweepWritesJsonWithEveryCounterAndContextKey) {
  const auto json_path = (dir_ / "run.json").string();
  const auto r =
      run({"--per_vcpu=1,4", "--duration=200ms", "--warmup=50ms", "--benchmark_out=" + json_path,
           "--benchmark_out_format=json", "--csv=" + (dir_ / "run.csv").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(slurp(json_path));
  for (const char* key :
       {"inflight_version", "inflight_build_type", "vcpus", "vcpu_source", "cpus", "cpu_model",
        "arch", "kernel", "cgroup_cpu_max", "timer_floor_p50_us", "timer_floor_p99_us", "flags",
        "build_arch", "build_linkage", "build_compiler", "build_commit"}) {
    EXPECT_TRUE(doc["context"].contains(key)) << key;
  }
  // The build the test was compiled in is the sweep's: the same architecture and linkage.
  EXPECT_EQ(doc["context"]["build_arch"], inflight::bench::build_arch);
  EXPECT_EQ(doc["context"]["build_linkage"], inflight::bench::build_linkage);
  EXPECT_EQ(doc["context"]["build_commit"], inflight::bench::build_commit);
  EXPECT_THAT(doc["context"]["flags"].get<std::string>(), ::testing::HasSubstr("--per_vcpu=1,4"));
  ASSERT_EQ(doc["benchmarks"].size(), 2u);
  for (const auto& b : doc["benchmarks"]) {
    for (const char* counter : {"throughput",
                                "p50_us",
                                "p90_us",
                                "p99_us",
                                "p999_us",
                                "max_us",
                                "mean_us",
                                "in_flight",
                                "cpu_util",
                                "throttled",
                                "failed",
                                "efficiency",
                                "littles_law_check",
                                "unstarted",
                                "samples",
                                "harness_cpu_pct",
                                "others_cpu_pct",
                                "steal_pct",
                                "floor_p99_us",
                                "interference",
                                "arrival_lag_p99_us",
                                "arrival_lag_max_us"}) {
      ASSERT_TRUE(b.contains(counter)) << counter;
      EXPECT_TRUE(b[counter].is_number()) << counter;
    }
    // Its value is a timing figure (a benchmark's business); here only that it was computed.
    EXPECT_GT(b["littles_law_check"].get<double>(), 0) << b["name"];
    EXPECT_GT(b["throughput"].get<double>(), 0);
    EXPECT_LE(b["p50_us"].get<double>(), b["p99_us"].get<double>());
  }
  EXPECT_THAT(doc["benchmarks"][0]["name"].get<std::string>(),
              ::testing::StartsWith("fiber/closed/io:2ms/cpu:0/per_vcpu:1"));
  // The CSV has a header and one row per point; the table names each point.
  const auto csv = slurp(dir_ / "run.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  EXPECT_THAT(r.out, ::testing::HasSubstr("little"));
}

TEST_F(SweepBinary, BadInputIsOneLineAndExitTwo) {
  const auto r = run({"--per_vcpu=65"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "inflight_sweep: --per_vcpu=65: The specified PerExecutionEnvironmentMaxConcurrency "
            "exceeds the limit of 64 per VCpu. For your configuration, the limit is " +
                std::to_string(64 * inflight::detect_vcpus().count) +
                " (valid per-vCPU values are 1..64)\n");
  const auto m = run({"--model=erlang"});
  EXPECT_EQ(m.status, 2);
  EXPECT_THAT(m.err, ::testing::HasSubstr("valid: fiber, nodejs, java, python, dotnet, rust, all"));
  EXPECT_EQ(run({"--io_wait=fast"}).status, 2);
  EXPECT_EQ(run({"--rate=10"}).status, 2);
  EXPECT_EQ(run({"--csv=/nonexistent/dir/x.csv"}).status, 2);
}

TEST_F(SweepBinary, HelpListsOurFlags) {
  const auto r = run({"--help"});
  EXPECT_EQ(r.status, 0);
  for (const char* flag : {"--per_vcpu", "--vcpus", "--io_wait", "--cpu_work", "--model", "--mode",
                           "--rate", "--arrivals", "--duration", "--warmup", "--csv"}) {
    EXPECT_THAT(r.out, ::testing::HasSubstr(flag));
  }
}

TEST_F(SweepBinary, SigintKeepsTheFinishedPoints) {
  const auto csv = dir_ / "run.csv";
  const auto json_path = (dir_ / "run.json").string();
  const pid_t pid = start({"--per_vcpu=1,2,4,8,16,32", "--duration=300ms", "--warmup=50ms",
                           "--csv=" + csv.string(), "--benchmark_out=" + json_path});
  // Interrupt once the first point is on disk, while points remain.
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  auto rows = [&] {
    const auto text = slurp(csv);
    return std::count(text.begin(), text.end(), '\n') - 1;
  };
  while (rows() < 1 && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(5ms);
  kill(pid, SIGINT);
  const auto r = finish(pid);
  EXPECT_EQ(r.status, 130) << r.err;
  const auto finished = rows();
  EXPECT_GE(finished, 1);
  EXPECT_LT(finished, 6) << "the sweep went on after SIGINT";
  EXPECT_THAT(r.err, ::testing::HasSubstr("interrupted; kept the"));
  const auto doc = nlohmann::json::parse(slurp(json_path));
  std::size_t measured = 0;
  for (const auto& b : doc["benchmarks"]) measured += b.contains("throughput") ? 1 : 0;
  EXPECT_EQ(measured, static_cast<std::size_t>(finished));
}

// ---- faults (issue "Nothing crashes, hangs, orphans or lies") ----------------------------------

TEST_F(SweepBinary, AModelThatCannotStartFailsItsPointAndKeepsTheOthers) {
  // 40 descriptors: python at per_vcpu 1 (a pipe per child) fits, at 32 it does not.
  const auto json_path = dir_ / "run.json";
  const auto r =
      run({"--model=fiber,python", "--per_vcpu=1,32", "--duration=100ms", "--warmup=0",
           "--benchmark_out=" + json_path.string(), "--csv=" + (dir_ / "run.csv").string()},
          {{{RLIMIT_NOFILE, 40}}});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("python/closed/io:2ms/cpu:0/per_vcpu:32: not measured: python "
                               "model: cannot create a pipe for process"));
  EXPECT_THAT(r.err, HasSubstr("1 of 4 points failed; kept the 3 finished"));
  EXPECT_THAT(r.out, HasSubstr("x python/closed/io:2ms/cpu:0/per_vcpu:32: not measured"));
  std::size_t points = 0;
  ASSERT_TRUE(parses(json_path.string(), &points));
  EXPECT_EQ(points, 4u);
  const auto csv = slurp(dir_ / "run.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4) << "header and 3 measured points";
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("terminate")));
}

TEST_F(SweepBinary, ThreadsThatCannotStartFailThePointInsteadOfAborting) {
  if (!inflight::test::address_space_limits_apply())
    GTEST_SKIP() << "RLIMIT_AS is not enforced here (qemu-user ignores it)";
  if (under_asan()) GTEST_SKIP() << "ASan reserves terabytes of address space up front";
  // 128 threads of 8 MiB stacks do not fit in 400 MB of address space.
  const auto r = run({"--model=java", "--per_vcpu=64", "--duration=100ms", "--warmup=0"},
                     {{{RLIMIT_AS, 400'000'000}}});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("java model: cannot start thread"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("terminate")));
}

TEST_F(SweepBinary, NoChildOutlivesTheSweep) {
  if (!inflight::test::child_subreaper_available())
    GTEST_SKIP() << "no PR_SET_CHILD_SUBREAPER here (qemu-user lacks it)";
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  for (int signals : {1, 2}) {
    const auto json_path = (dir_ / ("run" + std::to_string(signals) + ".json")).string();
    const pid_t pid = start({"--model=python", "--per_vcpu=8,16", "--duration=2s", "--warmup=0",
                             "--benchmark_out=" + json_path});
    // Wait for the python children of the first point.
    std::vector<pid_t> kids;
    const auto give_up = std::chrono::steady_clock::now() + 30s;
    while (kids.size() < 16 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(5ms);
      kids = children_of(pid);
    }
    ASSERT_GE(kids.size(), 16u);
    kill(pid, SIGTERM);
    if (signals == 2) {
      std::this_thread::sleep_for(50ms);
      kill(pid, SIGTERM);
    }
    const auto r = finish(pid);
    EXPECT_EQ(r.status, 128 + SIGTERM) << r.err;
    EXPECT_TRUE(all_gone(kids, 10s)) << "python-model children outlived the sweep";
    EXPECT_TRUE(parses(json_path)) << "the JSON must parse after " << signals << " SIGTERM";
    if (signals == 1) {
      EXPECT_THAT(r.err, HasSubstr("interrupted; kept the 1 finished points"));
    }
  }
  prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST_F(SweepBinary, ABrokenPipeLeavesAJsonThatParses) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);  // the child keeps only the copy on its stdout
  const auto json_path = (dir_ / "run.json").string();
  const pid_t pid =
      start({"--per_vcpu=1,2,4", "--duration=100ms", "--warmup=0", "--benchmark_out=" + json_path},
            {{}, false, fds[1]});
  ::close(fds[1]);
  ::close(fds[0]);  // `| head -0`: the first write to stdout raises SIGPIPE
  const auto r = finish(pid);
  EXPECT_EQ(r.status, 128 + SIGPIPE) << r.err;
  std::size_t points = 0;
  EXPECT_TRUE(parses(json_path, &points));
  EXPECT_GE(points, 1u) << "the point finished before the write that failed is kept";
}

TEST_F(SweepBinary, WithStdoutClosedTheCsvHoldsOnlyCsv) {
  const auto csv = dir_ / "run.csv";
  const auto r = run({"--per_vcpu=1", "--duration=50ms", "--warmup=0", "--csv=" + csv.string()},
                     {{}, true, -1});
  EXPECT_EQ(r.status, 0) << r.err;
  const auto text = slurp(csv);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
  EXPECT_THAT(text, ::testing::StartsWith("name,model,per_vcpu"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("inflight sweep on")));
}

TEST_F(SweepBinary, WriteErrorsAreNeverSilent) {
  const auto csv = run({"--csv=/dev/full", "--per_vcpu=1"});
  EXPECT_EQ(csv.status, 2);
  EXPECT_EQ(csv.err, "inflight_sweep: --csv=/dev/full: cannot write: No space left on device\n");
  const auto missing = run({"--benchmark_out=/nonexistent/dir/run.json"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_EQ(missing.err,
            "inflight_sweep: --benchmark_out=/nonexistent/dir/run.json: cannot create a file "
            "there: No such file or directory\n")
      << "checked before anything is measured, so stderr holds no benchmark output";
  const auto full =
      run({"--benchmark_out=/dev/full", "--per_vcpu=1", "--duration=50ms", "--warmup=0"});
  EXPECT_EQ(full.status, 1);
  EXPECT_THAT(full.err,
              HasSubstr("inflight_sweep: --benchmark_out=/dev/full: write failed: No space left "
                        "on device\n"));
}

TEST_F(SweepBinary, BadGoogleBenchmarkFlagsAreOneLineAndExitTwo) {
  for (const auto& [flag, line] : std::vector<std::pair<std::string, std::string>>{
           {"--benchmark_repetitions=-1",
            "--benchmark_repetitions=-1: valid: a whole number 1..1000"},
           {"--benchmark_repetitions=abc",
            "--benchmark_repetitions=abc: valid: a whole number 1..1000"},
           {"--benchmark_out_format=xml",
            "--benchmark_out_format=xml: valid: json or console (for "
            "CSV use --csv)"},
           {"--duration=", "--duration=: needs a value; valid: 10ms..1h"},
           {"--io_wait=2ms\nx",
            "--io_wait: '2ms\\nx' is invalid; valid: 2ms, uniform:1ms..3ms, "
            "exp:2ms or lognormal:2ms,p99=20ms"}}) {
    const auto r = run({flag});
    EXPECT_EQ(r.status, 2) << flag;
    EXPECT_EQ(r.err, "inflight_sweep: " + line + "\n");
  }
}

}  // namespace

namespace {

// A dispatcher slot whose stack cannot be mapped must show in the point's counts, never as a
// clean point with fewer slots than it claims. Stacks of 512 MiB under a 256 MiB address-space
// headroom: the workers start, and no slot gets a stack.
TEST(SweepModels, SlotsWithoutStacksAreCountedAndFlagged) {
  if (!inflight::test::address_space_limits_apply())
    GTEST_SKIP() << "RLIMIT_AS is not enforced here (qemu-user ignores it)";
  auto o = inflight::test::short_options(2);
  o.duration = 50ms;
  o.warmup = 0ms;
  const auto plan = inflight::test::plan_of(o, model::fiber, 4);
  auto spec = plan.points[0].spec;
  spec.stack_size = std::size_t{512} << 20;
  point_result r;
  {
    inflight::test::address_space_limit limit(std::size_t{256} << 20);
    r = run_point(spec, model::fiber, plan.handler);
  }
  EXPECT_EQ(r.unstarted, r.in_flight);
  EXPECT_GE(r.failed, r.unstarted);
  EXPECT_EQ(r.completed, 0u);
  const auto row = make_row(plan.run, plan.points[0], r);
  const auto table = format_table(plan.run, {row}, inflight::timer_floor{});
  EXPECT_THAT(table, HasSubstr("8 of 8 slots never started (no memory for their fiber stacks)"));
}

// Repetitions make Google Benchmark add aggregates, whose CV of an all-zero counter is NaN:
// the JSON, to a file or to stdout, must still parse (it has no NaN).
TEST_F(SweepBinary, RepetitionsLeaveAJsonThatParses) {
  const auto json_path = dir_ / "reps.json";
  const auto r = run({"--per_vcpu=1", "--duration=50ms", "--warmup=0", "--benchmark_repetitions=2",
                      "--benchmark_out=" + json_path.string()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(parses(json_path.string()));
  const auto doc = nlohmann::json::parse(inflight::test::scratch_dir::read(json_path));
  bool aggregate = false;
  for (const auto& b : doc["benchmarks"])
    aggregate = aggregate || b.value("run_type", "") == "aggregate";
  EXPECT_TRUE(aggregate) << "the mean, median, stddev and cv rows are there";
  const auto out = run({"--per_vcpu=1", "--duration=50ms", "--warmup=0",
                        "--benchmark_repetitions=2", "--benchmark_format=json"});
  EXPECT_EQ(out.status, 0) << out.err;
  EXPECT_TRUE(nlohmann::json::accept(out.out)) << out.out;
}

// A repetition that completed nothing is a failed point with its reason, not a row of zeros.
TEST_F(SweepBinary, ARepetitionThatCompletesNothingIsShownAsFailed) {
  // A 10 ms window from the start of 10 ms waits: no call can end inside it (a wait never
  // returns early, and every call starts after the window does).
  const auto r = run({"--per_vcpu=1", "--io_wait=10ms", "--duration=10ms", "--warmup=0",
                      "--benchmark_repetitions=2"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("not measured: no invocation completed in the window"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("fiber          1       2          0.0")));
}

}  // namespace

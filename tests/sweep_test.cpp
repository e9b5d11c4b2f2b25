// The sweep end to end: model setup, real short sweeps through the inflight_sweep binary, the
// JSON they write, open-loop conservation, bad input and SIGINT.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/point_runner.hpp"
#include "support/scratch_dir.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using namespace inflight::bench;
namespace fs = std::filesystem;

sweep_options short_options(std::size_t vcpus) {
  sweep_options o;
  o.vcpus = vcpus;
  o.available = vcpus;
  o.duration = 200ms;
  o.warmup = 50ms;
  return o;
}

TEST(SweepModels, NodejsStartsEightWorkersPerVcpuAndCapsTheTotal) {
  const auto r = run_point(short_options(2), model::nodejs, 4);
  EXPECT_EQ(r.workers, 16u);
  EXPECT_EQ(r.in_flight, 8u);
  EXPECT_GT(r.completed, 0u);
  EXPECT_GE(r.latency.min(), 2'000'000u) << "no invocation can beat its 2 ms wait";
}

TEST(SweepModels, EachModelStartsWhatItsRuntimeDoes) {
  struct expectation {
    model m;
    std::size_t workers, threads, processes;
  };
  // 2 vCPUs x 3 per vCPU = 6 slots.
  for (const auto& e : {expectation{model::fiber, 2, 2, 0}, expectation{model::java, 0, 6, 0},
                        expectation{model::python, 0, 6, 6}, expectation{model::dotnet, 2, 2, 0},
                        expectation{model::rust, 2, 2, 0}}) {
    const auto r = run_point(short_options(2), e.m, 3);
    EXPECT_EQ(r.in_flight, 6u) << model_name(e.m);
    EXPECT_EQ(r.workers, e.workers) << model_name(e.m);
    EXPECT_EQ(r.threads, e.threads) << model_name(e.m);
    EXPECT_EQ(r.processes, e.processes) << model_name(e.m);
    EXPECT_GT(r.completed, 0u) << model_name(e.m);
    EXPECT_EQ(r.failed, 0u) << model_name(e.m);
    EXPECT_EQ(r.completed, r.latency.count()) << model_name(e.m);
  }
}

class OpenLoopAboveCapacity : public ::testing::TestWithParam<model> {};

TEST_P(OpenLoopAboveCapacity, ThrottlesAndConservesCounts) {
  auto o = short_options(1);
  o.mode = loop_mode::open;
  o.rate = 4000;  // one slot of 2 ms serves at most 500 per second
  o.duration = 300ms;
  const auto r = run_point(o, GetParam(), 1);
  EXPECT_GT(r.throttled, 0u);
  EXPECT_GT(r.completed, 0u);
  EXPECT_EQ(r.arrivals, r.completed + r.throttled + r.failed);
  EXPECT_GT(r.arrivals, 600u) << "about 1200 arrivals are due in 300 ms";
}

INSTANTIATE_TEST_SUITE_P(Models, OpenLoopAboveCapacity,
                         ::testing::Values(model::fiber, model::nodejs, model::java, model::python,
                                           model::dotnet, model::rust),
                         [](const auto& p) { return std::string(model_name(p.param)); });

// Runs inflight_sweep with `args`; returns its exit status, fills stdout/stderr files.
struct run_result {
  int status = -1;
  std::string out, err;
};

class SweepBinary : public ::testing::Test {
 protected:
  pid_t start(const std::vector<std::string>& args) {
    std::vector<std::string> all{INFLIGHT_SWEEP};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, (dir_ / "out").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, (dir_ / "err").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = -1;
    EXPECT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    return pid;
  }

  run_result finish(pid_t pid) {
    run_result r;
    int status = 0;
    waitpid(pid, &status, 0);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(dir_ / "out");
    r.err = slurp(dir_ / "err");
    return r;
  }

  run_result run(const std::vector<std::string>& args) { return finish(start(args)); }

  static std::string slurp(const fs::path& p) { return inflight::test::scratch_dir::read(p); }

  inflight::test::scratch_dir scratch_;
  const fs::path& dir_ = scratch_.path();
};

TEST_F(SweepBinary, AShortSweepWritesJsonWithEveryCounterAndContextKey) {
  const auto json_path = (dir_ / "run.json").string();
  const auto r =
      run({"--per_vcpu=1,4", "--duration=200ms", "--warmup=50ms", "--benchmark_out=" + json_path,
           "--benchmark_out_format=json", "--csv=" + (dir_ / "run.csv").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(slurp(json_path));
  for (const char* key :
       {"inflight_version", "inflight_build_type", "vcpus", "vcpu_source", "cpus", "cpu_model",
        "arch", "kernel", "cgroup_cpu_max", "timer_floor_p50_us", "timer_floor_p99_us", "flags"}) {
    EXPECT_TRUE(doc["context"].contains(key)) << key;
  }
  EXPECT_THAT(doc["context"]["flags"].get<std::string>(), ::testing::HasSubstr("--per_vcpu=1,4"));
  ASSERT_EQ(doc["benchmarks"].size(), 2u);
  for (const auto& b : doc["benchmarks"]) {
    for (const char* counter :
         {"throughput", "p50_us", "p90_us", "p99_us", "p999_us", "max_us", "mean_us", "in_flight",
          "cpu_util", "throttled", "failed", "efficiency", "littles_law_check"}) {
      ASSERT_TRUE(b.contains(counter)) << counter;
      EXPECT_TRUE(b[counter].is_number()) << counter;
    }
    EXPECT_NEAR(b["littles_law_check"].get<double>(), 1.0, 0.05) << b["name"];
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
  const pid_t pid = start({"--per_vcpu=1,2,4,8", "--duration=300ms", "--warmup=50ms",
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
  EXPECT_LT(finished, 4) << "the sweep went on after SIGINT";
  EXPECT_THAT(r.err, ::testing::HasSubstr("interrupted; kept the"));
  const auto doc = nlohmann::json::parse(slurp(json_path));
  std::size_t measured = 0;
  for (const auto& b : doc["benchmarks"]) measured += b.contains("throughput") ? 1 : 0;
  EXPECT_EQ(measured, static_cast<std::size_t>(finished));
}

}  // namespace

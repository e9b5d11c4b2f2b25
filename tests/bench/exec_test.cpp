// --exec end to end through the inflight_sweep binary, against a fake runtime (no Node): what
// every exec point reports, counts conserved, errors by type, each fault failing only its point
// with a clear line, bad input, and no runtime process outliving its point or the sweep.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>        // setenv
#include <sys/prctl.h>     // PR_SET_CHILD_SUBREAPER
#include <sys/resource.h>  // RLIMIT_NOFILE
#include <sys/stat.h>      // chmod

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/emulation.hpp"
#include "support/sweep_binary.hpp"

namespace {

using namespace std::chrono_literals;
using inflight::test::parses;
using inflight::test::run_result;
using inflight::test::SweepBinary;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

const std::string fake = FAKE_RUNTIME;

// The pids of live processes whose name is `comm`.
std::vector<pid_t> processes_named(const std::string& comm) {
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  while (const dirent* e = readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/comm");
    std::string name;
    std::getline(in, name);
    std::ifstream st(std::string("/proc/") + e->d_name + "/stat");
    std::string stat;
    std::getline(st, stat);
    const auto close = stat.rfind(')');
    const bool zombie =
        close != std::string::npos && stat.size() > close + 2 && stat[close + 2] == 'Z';
    if (name == comm && !zombie) out.push_back(std::atoi(e->d_name));
  }
  closedir(proc);
  return out;
}

bool none_named(const std::string& comm, std::chrono::seconds within) {
  const auto give_up = std::chrono::steady_clock::now() + within;
  while (!processes_named(comm).empty()) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

class Exec : public SweepBinary {
 protected:
  nlohmann::json json() const {
    return nlohmann::json::parse(inflight::test::scratch_dir::read(dir_ / "run.json"));
  }
  run_result sweep(const std::string& mode, std::vector<std::string> more = {}) {
    std::vector<std::string> args{"--exec=" + fake + " " + mode, "--vcpus=1", "--duration=300ms",
                                  "--warmup=100ms",
                                  "--benchmark_out=" + (dir_ / "run.json").string()};
    args.insert(args.end(), more.begin(), more.end());
    return run(args);
  }
};

TEST_F(Exec, EveryPointReportsTheRuntimesFiguresAndConservesItsCounts) {
  const auto r = sweep("serve", {"--per_vcpu=1,4", "--csv=" + (dir_ / "run.csv").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = json();
  EXPECT_EQ(doc["context"]["exec_command"], fake + " serve");
  EXPECT_EQ(doc["context"]["exec_label"], "fake_runtime");
  ASSERT_EQ(doc["benchmarks"].size(), 2u);
  const char* names[] = {"exec:fake_runtime/closed/per_vcpu:1/iterations:1",
                         "exec:fake_runtime/closed/per_vcpu:4/iterations:1"};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& b = doc["benchmarks"][i];
    EXPECT_EQ(b["name"], names[i]);
    for (const char* counter : {"throughput",
                                "p50_us",
                                "p99_us",
                                "cpu_util",
                                "failed",
                                "completed",
                                "samples",
                                "littles_law_check",
                                "harness_cpu_pct",
                                "others_cpu_pct",
                                "steal_pct",
                                "interference",
                                "runtime_cpu_us_per_call",
                                "runtime_idle_cpu_pct",
                                "runtime_net_cpu_us_per_call",
                                "server_cpu_us_per_call",
                                "rss_peak_mb",
                                "rss_per_slot_kb",
                                "init_ms",
                                "errors",
                                "deadline_overruns",
                                "timeouts",
                                "issued"}) {
      EXPECT_TRUE(b.contains(counter)) << counter;
    }
    EXPECT_GT(b["completed"].get<double>(), 0);
    EXPECT_EQ(b["completed"].get<double>() + b["failed"].get<double>(), b["issued"].get<double>());
    EXPECT_EQ(b["errors"], 0);
    EXPECT_GT(b["runtime_cpu_us_per_call"].get<double>(), 0);
    EXPECT_GT(b["server_cpu_us_per_call"].get<double>(), 0);
    EXPECT_GE(b["runtime_idle_cpu_pct"].get<double>(), 0);
    EXPECT_LE(b["runtime_net_cpu_us_per_call"].get<double>(),
              b["runtime_cpu_us_per_call"].get<double>());
    EXPECT_GT(b["rss_peak_mb"].get<double>(), 0);
    EXPECT_GT(b["init_ms"].get<double>(), 0);
    EXPECT_EQ(b["efficiency"], 0) << "no nominal costs given: no ideal";
  }
  EXPECT_THAT(r.out, HasSubstr("The runtime at each exec point:"));
  const auto csv = slurp(dir_ / "run.csv");
  EXPECT_THAT(csv, HasSubstr("runtime_cpu_us_per_call"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
}

// A runtime that burns CPU with no invocation in flight: its idle share is reported, and the
// per-invocation figure net of it is the smaller.
TEST_F(Exec, WhatTheRuntimeBurnsWhileIdleIsToldApart) {
  const auto r = sweep("spin", {"--per_vcpu=1"});
  EXPECT_EQ(r.status, 0) << r.err;
  const auto b = json()["benchmarks"][0];
  // One thread spinning on the point's one vCPU: most of it, even on a loaded machine.
  EXPECT_GT(b["runtime_idle_cpu_pct"].get<double>(), 30);
  EXPECT_LT(b["runtime_net_cpu_us_per_call"].get<double>(),
            b["runtime_cpu_us_per_call"].get<double>());
  EXPECT_THAT(r.out, HasSubstr("idle%"));
}

TEST_F(Exec, ErrorsAreCountedByErrorType) {
  const auto r = sweep("throw10", {"--per_vcpu=2"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto b = json()["benchmarks"][0];
  EXPECT_GT(b["errors"].get<double>(), 0);
  EXPECT_EQ(b["errors"], b["failed"]);
  EXPECT_EQ(b["completed"].get<double>() + b["failed"].get<double>(), b["issued"].get<double>());
  EXPECT_THAT(b["label"].get<std::string>(), HasSubstr("TestError"));
  EXPECT_THAT(r.out, HasSubstr("errors by errorType: TestError x"));
}

TEST_F(Exec, TheOpenLoopThrottlesBeyondTheCapAndConservesArrivals) {
  // One slot of a 2 ms handler serves at most 500/s: at 2000/s most arrivals are throttled.
  const auto r = sweep("serve", {"--per_vcpu=1", "--mode=open", "--rate=2000"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto b = json()["benchmarks"][0];
  EXPECT_EQ(b["name"], "exec:fake_runtime/open/rate:2000/per_vcpu:1/iterations:1");
  EXPECT_GT(b["throttled"].get<double>(), 0);
  EXPECT_GT(b["completed"].get<double>(), 0);
  EXPECT_EQ(b["arrivals"].get<double>(), b["issued"].get<double>() + b["throttled"].get<double>());
  EXPECT_EQ(b["completed"].get<double>() + b["failed"].get<double>(), b["issued"].get<double>());
  EXPECT_TRUE(b.contains("arrival_lag_p99_us"));
}

TEST_F(Exec, InvocationsWithNoAnswerTimeOutAndAreCountedAsFailed) {
  const auto r = sweep("drop5", {"--per_vcpu=8", "--deadline=1ms", "--warmup=0"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto b = json()["benchmarks"][0];
  EXPECT_GT(b["timeouts"].get<double>(), 0);
  EXPECT_EQ(b["timeouts"], b["failed"]);
  EXPECT_EQ(b["completed"].get<double>() + b["failed"].get<double>(), b["issued"].get<double>());
}

TEST_F(Exec, ARuntimeThatStopsAnsweringFailsItsPoint) {
  const auto r = sweep("stall", {"--per_vcpu=2", "--deadline=50ms", "--warmup=0"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("not measured: the runtime stopped answering: "));
  EXPECT_THAT(r.err, HasSubstr("timed out (no answer by their deadline + 1 s) and none completed"));
}

TEST_F(Exec, EachFaultFailsItsPointWithOneClearLineAndTheSweepGoesOn) {
  struct fault {
    std::string mode, says;
  };
  for (const auto& f : {
           fault{"exit",
                 "the runtime exited with status 3 before its first /next; its output "
                 "ends: fake_runtime: giving up on purpose"},
           fault{"silent", "the runtime did not poll /next within the init timeout of 300 ms"},
           fault{"init_error", "the runtime posted /runtime/init/error (Runtime.TestInitError)"},
           fault{"garbage",
                 "the runtime did not poll /next within the init timeout of 300 ms (it "
                 "sent "},
       }) {
    const auto r = sweep(f.mode, {"--per_vcpu=1,2", "--init_timeout=300ms"});
    EXPECT_EQ(r.status, 1) << f.mode << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("exec:fake_runtime/closed/per_vcpu:1: not measured: " + f.says))
        << f.mode;
    EXPECT_THAT(r.err, HasSubstr("2 of 2 points failed")) << f.mode << ": the sweep went on";
    EXPECT_TRUE(parses((dir_ / "run.json").string())) << f.mode;
    EXPECT_THAT(r.err, Not(HasSubstr("terminate"))) << f.mode;
  }
}

TEST_F(Exec, BadInputIsOneLineAndExitTwo) {
  struct bad {
    std::vector<std::string> args;
    std::string says;
  };
  for (const auto& b : std::vector<bad>{
           {{"--exec=" + fake, "--model=fiber"}, "cannot be used with --model"},
           {{"--exec="}, "--exec=: needs a value"},
           {{"--exec='unclosed"}, "cannot split the command: an unclosed single quote"},
           {{"--exec=no-such-command-inflight"}, "is not found in PATH"},
           {{"--exec=./nothing/here"}, "is not an executable file"},
           {{"--exec=" + fake, "--cwd=/no/such/dir"}, "--cwd=/no/such/dir: not a directory"},
           {{"--exec=" + fake, "--event=/no/such/file"}, "--event=/no/such/file: cannot read"},
           {{"--exec=" + fake, "--event=/dev/zero"}, "--event=/dev/zero: not a regular file"},
           {{"--exec=" + fake, "--env=1BAD=x"}, "--env=1BAD=x: valid: NAME=VALUE"},
           {{"--exec=" + fake, "--env=NOEQUALS"}, "--env=NOEQUALS: valid: NAME=VALUE"},
           {{"--exec=" + fake, "--deadline=0ms"}, "--deadline=0ms: valid range is 1ms..900s"},
           {{"--exec=" + fake, "--init_timeout=601s"}, "valid range is 100ms..600s"},
           {{"--exec=" + fake, "--label=a/b"}, "--label=a/b: valid: 1..64 letters"},
           {{"--label=x"}, "--label=x: needs --exec"},
           {{"--env=A=b"}, "--env=A=b: needs --exec"},
           {{"--exec=" + fake, "--deadline=-1ms"},
            "--deadline=-1ms: not a duration (a number and ns, us, ms or s); valid range is "
            "1ms..900s"},
           {{"--exec=" + fake, "--init_timeout=-1s", "--init_timeout=2s"},
            "--init_timeout=-1s: not a duration"},
           {{"--exec=" + fake, "--duration=1x", "--duration=1s"}, "--duration: '1x' is invalid"},
           {{"--exec=" + fake, "--exec=" + fake}, "given twice"},
           {{"--exec=" + fake, "--log_dir=/no/such/dir"},
            "--log_dir=/no/such/dir: No such file or directory; valid: a directory this user can "
            "write"},
           {{"--exec=" + fake, "--log_dir=" + fake}, "not a writable directory"},
           {{"--log_dir=/tmp"}, "--log_dir=/tmp: needs --exec"},
       }) {
    const auto r = run(b.args);
    EXPECT_EQ(r.status, 2) << b.args.front() << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(b.says)) << b.args.front();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  const auto events = scratch_.write("bad.jsonl", "{\"a\":1}\n{oops\n");
  const auto r = run({"--exec=" + fake, "--event=" + events});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("line 2 is not JSON"));
  // An event Lambda would refuse (over 6 MB) would fail every invocation: refused up front.
  const auto big = scratch_.write("big.jsonl", "{}\n\"" + std::string(6291456, 'e') + "\"\n");
  const auto b = run({"--exec=" + fake, "--event=" + big});
  EXPECT_EQ(b.status, 2);
  EXPECT_THAT(b.err, HasSubstr("line 2 is 6291458 bytes, over Lambda's 6 MB payload limit"));
  EXPECT_EQ(std::count(b.err.begin(), b.err.end(), '\n'), 1) << b.err;
}

TEST_F(Exec, WhatTheRuntimeAndTheFlagsSayReachesTheTableAndTheJsonPrintable) {
  // Every other invocation fails with a new errorType holding ESC and control characters, and an
  // --env value holds a newline and an escape.
  const auto r = sweep("odd_errors", {"--per_vcpu=2", "--env=ODD=line\nbreak\x1b[0m"});
  EXPECT_EQ(r.status, 0) << r.err;
  const std::string all = r.out + r.err;
  EXPECT_EQ(all.find('\x1b'), std::string::npos) << "a raw escape reached the terminal";
  EXPECT_EQ(all.find('\x01'), std::string::npos);
  EXPECT_THAT(all, HasSubstr("Odd\\x1b[31m\\x01Error"));
  ASSERT_TRUE(parses((dir_ / "run.json").string()));
  EXPECT_EQ(json()["context"]["exec_env"], "ODD=line\\nbreak\\x1b[0m");
}

TEST_F(Exec, ErrorTypesAreKeptToSixteenAndTheRestCountedAsOthers) {
  const auto r = sweep("odd_errors", {"--per_vcpu=2"});
  EXPECT_EQ(r.status, 0) << r.err;
  const auto j = json();
  const std::string label = j["benchmarks"][0].value("label", "");
  const auto at = label.find("errors by errorType: ");
  ASSERT_NE(at, std::string::npos) << label;
  const std::string types = label.substr(at);
  EXPECT_EQ(std::count(types.begin(), types.end(), ','), 16) << "16 types and others: " << types;
  EXPECT_THAT(types, HasSubstr("others x"));
  EXPECT_GT(j["benchmarks"][0]["errors"].get<double>(), 17) << "enough errors to need others";
}

TEST_F(Exec, EventsGoToTheRuntimeAndTheEnvironmentIsLmis) {
  // `env` as the runtime prints the variables it was given, then exits: the point fails with
  // them in its output, which is what this test reads.
  const auto events = scratch_.write("event.json", "{\"k\": 1}");
  const auto r =
      run({"--exec=env", "--env=EXTRA=yes", "--env=_HANDLER=index.io", "--event=" + events,
           "--vcpus=1", "--per_vcpu=3", "--duration=100ms", "--warmup=0"});
  EXPECT_EQ(r.status, 1);
  const std::string log = r.err;
  EXPECT_THAT(log, HasSubstr("the runtime exited with status 0 before its first /next"));
  // Only the last lines are quoted; the full environment is checked through a script instead.
  const auto script = scratch_.write("rt.sh", "#!/bin/sh\nenv > \"$OUT\"\n");
  fs::permissions(script, fs::perms::owner_all);
  const auto out = (dir_ / "env.txt").string();
  run({"--exec=" + script, "--env=OUT=" + out, "--env=_HANDLER=index.io", "--cwd=" + dir_.string(),
       "--vcpus=1", "--per_vcpu=3", "--duration=100ms", "--warmup=0"});
  const auto env = slurp(out);
  EXPECT_THAT(env, HasSubstr("AWS_LAMBDA_RUNTIME_API=127.0.0.1:"));
  EXPECT_THAT(env, HasSubstr("AWS_LAMBDA_MAX_CONCURRENCY=3\n"));
  EXPECT_THAT(env, HasSubstr("_HANDLER=index.io\n")) << "--env overrides LMI's default";
  EXPECT_THAT(env, HasSubstr("LAMBDA_TASK_ROOT=" + fs::canonical(dir_).string() + "\n"));
  EXPECT_THAT(env, HasSubstr("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=2048\n"));
  EXPECT_THAT(env, HasSubstr("AWS_LAMBDA_NODEJS_WORKER_COUNT=8\n"));
  EXPECT_THAT(env, HasSubstr("AWS_LAMBDA_FUNCTION_NAME=rt.sh\n"));
  EXPECT_THAT(env, HasSubstr("AWS_LAMBDA_LOG_FORMAT=json\n")) << "LMI logs JSON only";
  EXPECT_THAT(env, HasSubstr("AWS_XRAY_CONTEXT_MISSING=LOG_ERROR\n"));
}

TEST_F(Exec, NoRuntimeProcessOutlivesItsPointOrTheSweep) {
  if (!inflight::test::child_subreaper_available())
    GTEST_SKIP() << "no PR_SET_CHILD_SUBREAPER here (qemu-user lacks it)";
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  // A finished sweep: the runtime's grandchildren end with their point, those that left its
  // process group (setsid, setpgid) too.
  // Names of this test run's own (two runs at once must not see each other's), within comm's 15.
  const std::string tag = "ifg" + std::to_string(::getpid() % 10000000);
  auto r = sweep("'escapee' " + tag + "-a", {"--per_vcpu=1"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(none_named(tag + "-a", 10s));
  // SIGTERM mid-point, and SIGKILL of the sweep itself: the keeper ends them all.
  for (int sig : {SIGTERM, SIGKILL}) {
    const std::string name = tag + (sig == SIGTERM ? "-t" : "-k");
    const pid_t pid = start({"--exec=" + fake + " escapee " + name, "--vcpus=1", "--per_vcpu=1",
                             "--duration=5s", "--warmup=0"});
    const auto give_up = std::chrono::steady_clock::now() + 30s;
    while (processes_named(name).empty() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(10ms);
    }
    while (processes_named(name).size() < 3 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(processes_named(name).size(), 3u) << "the grandchildren never started";
    kill(pid, sig);
    r = finish(pid);
    EXPECT_EQ(r.status, 128 + sig) << r.err;
    EXPECT_TRUE(none_named(name, 10s))
        << "a runtime process outlived the sweep after signal " << sig;
  }
  prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST_F(Exec, TheRuntimesLogIsPrivateBoundedAndLeftNowhere) {
  // The log lives in TMPDIR, unlinked as soon as it is made: a name planted there is never
  // opened, and nothing stays behind.
  const fs::path tmp = dir_ / "tmp";
  fs::create_directories(tmp);
  const fs::path planted = tmp / ("inflight-exec-" + std::to_string(::getpid()) + ".log");
  const fs::path victim = dir_ / "victim";
  scratch_.write("victim", "keep me");
  fs::create_symlink(victim, planted);
  ::setenv("TMPDIR", tmp.c_str(), 1);
  // 100 MiB of output before the first /next, then the runtime exits: the point fails with the
  // last lines kept and what the bound dropped.
  const auto r = run({"--exec=" + fake + " chatty 100", "--vcpus=1", "--per_vcpu=1",
                      "--duration=100ms", "--warmup=0", "--init_timeout=60s"});
  ::unsetenv("TMPDIR");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the runtime exited with status 3 before its first /next"));
  EXPECT_THAT(r.err, HasSubstr("(the log kept its first 64 MiB; "));
  EXPECT_THAT(r.err, HasSubstr(" bytes after them were dropped)"));
  EXPECT_EQ(slurp(victim.string()), "keep me");
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(tmp)) left.push_back(e.path().filename().string());
  EXPECT_THAT(left, ::testing::ElementsAre(planted.filename().string()));
}

// --log_dir keeps each run of each point apart, names it on stderr and in the context, and a
// file cut at the bound says so at its end.
TEST_F(Exec, TheRuntimesOutputIsKeptWhereAskedOneFileARun) {
  const fs::path logs = dir_ / "logs";
  fs::create_directories(logs);
  const auto r =
      sweep("serve", {"--per_vcpu=1,2", "--benchmark_repetitions=2", "--log_dir=" + logs.string()});
  EXPECT_EQ(r.status, 0) << r.err;
  for (const char* point : {"1", "2"}) {
    for (const char* run : {"1", "2"}) {
      const fs::path file =
          logs / (std::string("exec_fake_runtime_closed_per_vcpu_") + point + "." + run + ".log");
      ASSERT_TRUE(fs::exists(file)) << file;
      EXPECT_EQ(slurp(file.string()),
                std::string("fake_runtime: serve with ") + point + " slots\n");
      EXPECT_THAT(r.err, HasSubstr("the runtime's output is in " + file.string()));
    }
  }
  EXPECT_EQ(json()["context"]["exec_log_dir"], fs::canonical(logs).string());
  // 100 MiB before the first /next: the kept file holds the first 64 MiB and says what it cut.
  const auto cut =
      run({"--exec=" + fake + " chatty 100", "--vcpus=1", "--per_vcpu=1", "--duration=100ms",
           "--warmup=0", "--init_timeout=60s", "--log_dir=" + logs.string()});
  EXPECT_EQ(cut.status, 1) << cut.err;
  const fs::path file = logs / "exec_fake_runtime_closed_per_vcpu_1.1.log";
  const std::string kept = slurp(file.string());
  const std::string note = "[inflight: this log kept the first 64 MiB of the runtime's output; ";
  ASSERT_GT(kept.size(), std::size_t(64) << 20);
  EXPECT_EQ(kept.substr(0, 10), std::string(10, 'o'));
  EXPECT_THAT(kept.substr(std::size_t(64) << 20), HasSubstr(note));
  EXPECT_THAT(kept.substr(std::size_t(64) << 20), HasSubstr(" bytes after them were dropped]"));
}

// What ran is told apart from what the command names: a wrapper script that execs another
// program is named, in the context, the table and one line at its point.
TEST_F(Exec, WhichRuntimeRanIsSaidAndAnotherOneIsNamed) {
  if (!inflight::test::proc_exe_names_the_program())
    GTEST_SKIP() << "/proc/PID/exe names the emulator here (qemu-user)";
  const std::string sh = fs::canonical("/bin/sh").string(), real = fs::canonical(fake).string();
  auto plain = sweep("serve", {"--per_vcpu=1"});
  EXPECT_EQ(plain.status, 0) << plain.err;
  EXPECT_EQ(json()["context"]["exec_runtime_exe"], real);
  EXPECT_EQ(json()["context"]["exec_runtime_found"], "the command itself");
  EXPECT_THAT(plain.out, HasSubstr("The runtime at each exec point: " + real));
  EXPECT_THAT(plain.err, Not(HasSubstr("the runtime ran")));
  const std::string wrapper = scratch_.write("wrapper.sh", "#!/bin/sh\nexec " + fake + " \"$@\"\n");
  ::chmod(wrapper.c_str(), 0755);
  const auto r =
      run({"--exec=" + wrapper + " serve", "--vcpus=1", "--per_vcpu=1", "--duration=200ms",
           "--warmup=0", "--benchmark_out=" + (dir_ / "run.json").string()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json()["context"]["exec_runtime_exe"], sh);
  EXPECT_THAT(r.err,
              HasSubstr("the runtime ran " + real + ", not " + sh + " (its '#!/bin/sh' line)"));
  EXPECT_THAT(r.out, HasSubstr("per_vCPU 1 ran " + real + ", not " + sh));
}

TEST_F(Exec, AServerOutOfDescriptorsFailsThePointWithOneLine) {
  // A hard limit of 48 descriptors: the runtime's 40 connections do not all fit beside the
  // sweep's own, and the server refuses some instead of spinning.
  inflight::test::spawn_options how;
  how.hard_limits = {{RLIMIT_NOFILE, 48}};
  const auto r = run({"--exec=" + fake, "--vcpus=1", "--per_vcpu=40", "--duration=300ms",
                      "--warmup=100ms", "--benchmark_out=" + (dir_ / "run.json").string()},
                     how);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("not measured: the Runtime API server ran out of descriptors at "));
  EXPECT_TRUE(parses((dir_ / "run.json").string()));
}

TEST_F(Exec, SigtermDuringTheRuntimesInitEndsTheSweepWithoutWaitingOutItsTimeout) {
  const auto began = std::chrono::steady_clock::now();
  const pid_t pid = start({"--exec=" + fake + " silent", "--vcpus=1", "--per_vcpu=1",
                           "--init_timeout=600s", "--duration=100ms", "--warmup=0"});
  std::this_thread::sleep_for(500ms);
  kill(pid, SIGTERM);
  const auto r = finish(pid);
  EXPECT_EQ(r.status, 128 + SIGTERM) << r.err;
  EXPECT_THAT(r.err, HasSubstr("interrupted while the runtime started"));
  // The bound is wide (a loaded machine); waiting out the timeout would take 600 s.
  EXPECT_LT(std::chrono::steady_clock::now() - began, 120s);
}

}  // namespace

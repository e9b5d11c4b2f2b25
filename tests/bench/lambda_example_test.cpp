// The example functions of bench/functions/cpp/ (lambda_example_io, lambda_example_cpu), run as
// inflight_sweep --exec runs a user's function: each serves every invocation of a short sweep at
// 1 and 8 per vCPU, and the static bootstrap (INFLIGHT_STATIC_BOOTSTRAP) needs no shared library;
// a dynamic build needs no glibc symbol newer than Amazon Linux 2023's 2.34.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdio.h>  // popen

#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "support/sweep_binary.hpp"

namespace {

using inflight::test::SweepBinary;
using ::testing::HasSubstr;

// Everything `command` prints (stdout and stderr).
std::string output_of(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  return out;
}

class LambdaExample : public SweepBinary, public ::testing::WithParamInterface<const char*> {};

TEST_P(LambdaExample, ServesEveryInvocationOfASweep) {
  const std::string json = (dir_ / "run.json").string();
  const auto r =
      run({std::string("--exec=") + GetParam(), "--label=cpp", "--vcpus=1", "--per_vcpu=1,8",
           "--duration=300ms", "--warmup=100ms", "--benchmark_out=" + json});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(slurp(json));
  ASSERT_EQ(doc["benchmarks"].size(), 2u);
  for (const auto& b : doc["benchmarks"]) {
    EXPECT_GT(b["completed"].get<double>(), 0);
    EXPECT_EQ(b["failed"], 0);
    EXPECT_EQ(b["errors"], 0);
    EXPECT_EQ(b["completed"].get<double>(), b["issued"].get<double>());
  }
}

// As LMI's runtimes do, it reports its worker pool at DEBUG, and the sweep puts that beside C.
TEST_P(LambdaExample, ReportsItsWorkerPoolAtDebug) {
  const std::string json = (dir_ / "run.json").string();
  const auto r = run({std::string("--exec=") + GetParam(), "--label=cpp", "--vcpus=1",
                      "--per_vcpu=1,8", "--duration=100ms", "--warmup=0", "--isolation=off",
                      "--env=AWS_LAMBDA_LOG_LEVEL=DEBUG", "--benchmark_out=" + json});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(slurp(json));  // alive through the loop
  for (const auto& b : doc["benchmarks"]) {
    EXPECT_EQ(b["runtime_workers"], 1) << "one worker thread on the one vCPU it is pinned to";
    EXPECT_EQ(b["runtime_workers_max_concurrency"], b["in_flight"]);
  }
  EXPECT_THAT(r.out, HasSubstr("the runtime reported a pool of 1 workers for 8 in flight"));
}

// No false positive of the isolation check (bench/isolation/check.hpp) at any point, closed and
// open loop.
TEST_P(LambdaExample, KeepsInvocationsApartAtEveryPoint) {
  for (const bool open : {false, true}) {
    const std::string json = (dir_ / "run.json").string();
    std::vector<std::string> args = {std::string("--exec=") + GetParam(),
                                     "--label=cpp",
                                     "--vcpus=1",
                                     "--per_vcpu=1..64",
                                     "--duration=300ms",
                                     "--warmup=100ms",
                                     "--benchmark_out=" + json};
    if (open) args.insert(args.end(), {"--mode=open", "--rate=2000"});
    const auto r = run(args);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto doc = nlohmann::json::parse(slurp(json));
    ASSERT_EQ(doc["benchmarks"].size(), 7u);
    for (const auto& b : doc["benchmarks"]) {
      EXPECT_EQ(b["leaks"], 0) << b.dump();
      EXPECT_GT(b["isolation_responses_checked"].get<double>(), 0) << b.dump();
    }
  }
}

TEST_P(LambdaExample, RunsOnAmazonLinux2023sLibraries) {
  if (INFLIGHT_STATIC_BOOTSTRAP) {
    // ldd says so (and exits 1) for an executable with no dynamic section at all.
    EXPECT_THAT(output_of(std::string("ldd ") + GetParam()), HasSubstr("not a dynamic executable"));
    return;
  }
  const std::string symbols = output_of(std::string("objdump -T ") + GetParam());
  ASSERT_THAT(symbols, HasSubstr("GLIBC_2."));
  const std::regex version(R"(GLIBC_2\.([0-9]+))");
  int newest = 0;
  for (std::sregex_iterator it(symbols.begin(), symbols.end(), version), end; it != end; ++it) {
    newest = std::max(newest, std::stoi((*it)[1]));
  }
  EXPECT_LE(newest, 34) << "a glibc 2." << newest << " symbol: call the raw syscall instead";
}

INSTANTIATE_TEST_SUITE_P(Examples, LambdaExample,
                         ::testing::Values(LAMBDA_EXAMPLE_IO, LAMBDA_EXAMPLE_CPU),
                         [](const auto& p) { return p.index == 0 ? "io" : "cpu"; });

}  // namespace

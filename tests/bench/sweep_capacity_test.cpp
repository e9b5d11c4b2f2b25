// inflight_sweep's capacity runs end to end: a staged --rate and its per-second series (JSON,
// CSV, SVG), and --find=max_rate with its probes in the JSON.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/sweep_binary.hpp"

namespace {

using inflight::test::SweepBinary;
using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(SweepBinary, AStagedRateReportsEachSecondOfItsWindow) {
  const auto json = (dir_ / "ramp.json").string(), csv = (dir_ / "ramp.csv").string(),
             svg = (dir_ / "ramp.svg").string();
  // 200/s for 1 s, then a ramp to 600/s over 1 s: 200 and 400 arrivals expected.
  const auto r = run({"--mode=open", "--rate=200/1s,200..600/1s", "--per_vcpu=8", "--warmup=100ms",
                      "--benchmark_out=" + json, "--seconds_csv=" + csv, "--seconds_svg=" + svg});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("/rate:200:1s+200..600:1s/per_vcpu:8"));
  EXPECT_THAT(r.out, Not(HasSubstr("sec0000_"))) << "the console line leaves the series out";
  const auto b = nlohmann::json::parse(slurp(json))["benchmarks"][0];
  EXPECT_DOUBLE_EQ(b["sec0000_offered_per_s"].get<double>(), 200);
  EXPECT_DOUBLE_EQ(b["sec0001_offered_per_s"].get<double>(), 400);
  EXPECT_FALSE(b.contains("sec0002_offered_per_s")) << "the stages are the window: 2 s";
  // Poisson counts: 200 (sd 14) and 400 (sd 20), within 5 sd.
  EXPECT_NEAR(b["sec0000_arrivals"].get<double>(), 200, 5 * 14.2);
  EXPECT_NEAR(b["sec0001_arrivals"].get<double>(), 400, 5 * 20);
  double arrivals = 0, completed = 0, throttled = 0;
  for (const char* s : {"sec0000_", "sec0001_"}) {
    arrivals += b[std::string(s) + "arrivals"].get<double>();
    completed += b[std::string(s) + "completed"].get<double>();
    throttled += b[std::string(s) + "throttled"].get<double>();
  }
  EXPECT_DOUBLE_EQ(arrivals, b["arrivals"].get<double>()) << "the seconds add up to the point";
  EXPECT_DOUBLE_EQ(throttled, b["throttled"].get<double>());
  EXPECT_DOUBLE_EQ(completed, b["completed"].get<double>());
  std::istringstream lines(slurp(csv));
  std::string line;
  std::vector<std::string> rows;
  while (std::getline(lines, line)) rows.push_back(line);
  ASSERT_EQ(rows.size(), 3u) << "a header and a row per second";
  EXPECT_EQ(rows[0].rfind("name,second,length_s,offered_per_s,", 0), 0u);
  EXPECT_THAT(rows[2], HasSubstr("/per_vcpu:8,1,1.000,400.0,"));
  EXPECT_THAT(slurp(svg), HasSubstr("p99 by second of arrival"));
}

TEST_F(SweepBinary, FindMaxRateKeepsEveryProbeAndReportsTheHighestThatHeld) {
  const auto json = (dir_ / "find.json").string();
  // 16 slots of 2 ms on 1 vCPU serve 8000/s at most; a Poisson stream is throttled 1% well below
  // that (Erlang B: about 4400/s) and hardly at all at 2000/s (1e-6), the start.
  const auto r = run({"--find=max_rate", "--p99_budget=1s", "--per_vcpu=16", "--vcpus=1",
                      "--rate=2000", "--duration=1s", "--warmup=100ms", "--benchmark_out=" + json,
                      "--threshold=max_rate>=1000"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Highest sustained rate"));
  EXPECT_THAT(r.err, HasSubstr("probe 1 at 2000/s: sustained"));
  const auto b = nlohmann::json::parse(slurp(json))["benchmarks"][0];
  EXPECT_THAT(b["name"].get<std::string>(),
              HasSubstr("find:max_rate/io:2ms/cpu:0/p99:1s/from:2000"));
  const double found = b["max_rate"].get<double>();
  EXPECT_GE(found, 2000);
  EXPECT_LT(found, 8000) << "16 slots of 2 ms serve 8000/s and throttle before";
  const int probes = static_cast<int>(b["probes"].get<double>());
  ASSERT_GE(probes, 3);
  bool failed_above = false;
  for (int i = 0; i < probes; ++i) {
    const std::string k = (i < 10 ? "probe0" : "probe") + std::to_string(i) + "_";
    ASSERT_TRUE(b.contains(k + "rate")) << k;
    if (b[k + "sustained"].get<double>() == 0 && b[k + "rate"].get<double>() > found) {
      failed_above = true;
    }
  }
  EXPECT_TRUE(failed_above) << "a probe above the rate found failed";
  EXPECT_GT(b["throughput"].get<double>(), 0.9 * found) << "the row is the highest probe's";
}

TEST_F(SweepBinary, FindNeedsABudgetAndAConstantStart) {
  auto r = run({"--find=max_rate"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--find=max_rate: needs --p99_budget=D"));
  r = run({"--find=max_rate", "--p99_budget=5ms", "--rate=100/1s"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--rate=100/1s: --find=max_rate starts from one constant rate"));
  r = run({"--p99_budget=5ms"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--p99_budget=5ms: needs --find=max_rate"));
}

}  // namespace

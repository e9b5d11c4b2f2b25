// bench/sweep/thresholds.hpp: --threshold parsed, checked over every point, and the sweep's exit
// status when one fails.
#include "sweep/thresholds.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/sweep_binary.hpp"

namespace {

using namespace inflight::bench;
using ::testing::HasSubstr;

point_row row(const std::string& name, double p99_us, double samples) {
  point_row r;
  r.name = name;
  r.p99_us = p99_us;
  r.samples = samples;
  r.arrivals = 200;
  r.throttled = 3;
  r.completed = 90;
  r.failed = 10;
  return r;
}

TEST(Threshold, ParsesEachOperator) {
  for (const auto& [text, op, value] :
       std::vector<std::tuple<std::string, std::string, double>>{{"p99_us<5000", "<", 5000},
                                                                 {"p99_us <= 5e3", "<=", 5000},
                                                                 {"throughput>100.5", ">", 100.5},
                                                                 {"cpu_util>=0", ">=", 0},
                                                                 {"errors==0", "==", 0},
                                                                 {"failed!=-1", "!=", -1}}) {
    const threshold t = parse_threshold(text);
    EXPECT_EQ(t.op, op) << text;
    EXPECT_EQ(t.value, value) << text;
  }
  EXPECT_EQ(parse_threshold("leaks==0").counter, "leaks");
  EXPECT_EQ(parse_threshold("throttled_pct<1").counter, "throttled_pct");
}

TEST(Threshold, BadInputNamesTheFlagTheValueAndWhatIsValid) {
  for (const auto& [text, says] : std::vector<std::pair<std::string, std::string>>{
           {"p99_us", "--threshold=p99_us: valid: COUNTER OP NUMBER"},
           {"<5", "--threshold=<5: valid: COUNTER OP NUMBER"},
           {"p99<5", "unknown counter 'p99'; valid: throughput, "},
           {"p99_us<fast", "'fast' is not a number"},
           {"p99_us<", "'' is not a number"},
           {"p99_us<1e999", "is not a number"},
           {"p99_us<5ms", "'5ms' is not a number"}}) {
    try {
      parse_threshold(text);
      ADD_FAILURE() << text << " was taken";
    } catch (const usage_error& e) {
      EXPECT_THAT(e.what(), HasSubstr(says)) << text;
    }
  }
}

TEST(Threshold, FailsAtEveryPointThatMissesItAndNamesTheFirst) {
  const std::vector<point_row> rows = {row("a/per_vcpu:1", 900, 5000),
                                       row("a/per_vcpu:2", 1200, 5000),
                                       row("a/per_vcpu:4", 1500, 5000)};
  const std::vector<threshold> ts = {parse_threshold("p99_us<1000"),
                                     parse_threshold("throttled_pct<=1.5"),
                                     parse_threshold("failed_pct<=10")};
  const auto r = check_thresholds(ts, rows);
  EXPECT_EQ(r[0].failed, 2u);
  EXPECT_EQ(threshold_line(r[0]),
            "--threshold=p99_us<1000 failed at 2 of 3 points; first: a/per_vcpu:2: p99_us = 1200");
  EXPECT_EQ(r[1].failed, 0u) << "3 of 200 arrivals throttled: 1.5%";
  EXPECT_EQ(threshold_line(r[1]), "");
  EXPECT_EQ(r[2].failed, 0u) << "10 of 100 failed: 10%";
}

TEST(Threshold, APercentileWithTooFewSamplesFails) {
  const auto r = check_thresholds({parse_threshold("p99_us<1000")}, {row("a", 10, 500)});
  EXPECT_EQ(r[0].failed, 1u);
  EXPECT_THAT(threshold_line(r[0]), HasSubstr("p99_us is n/a (not measured, or too few samples)"));
}

TEST(Threshold, OneThatAppliesToNoPointSaysSo) {
  const auto r = check_thresholds({parse_threshold("leaks==0")}, {row("fiber", 1, 5000)});
  EXPECT_EQ(r[0].points, 0u);
  EXPECT_THAT(threshold_line(r[0]), HasSubstr("applies to no measured point (none reports leaks)"));
}

class ThresholdSweep : public inflight::test::SweepBinary {};

TEST_F(ThresholdSweep, AFailedThresholdExitsOneAndOneThatHoldsZero) {
  const std::vector<std::string> base = {"--per_vcpu=1,2", "--duration=100ms", "--warmup=0"};
  auto with = [&](std::vector<std::string> more) {
    more.insert(more.begin(), base.begin(), base.end());
    return run(more);
  };
  const auto fails = with({"--threshold=p50_us<1", "--threshold=failed==0"});
  EXPECT_EQ(fails.status, 1) << fails.err;
  EXPECT_THAT(fails.err, HasSubstr("--threshold=p50_us<1 failed at 2 of 2 points; first: "
                                   "fiber/closed/io:2ms/cpu:0/per_vcpu:1: p50_us = "));
  EXPECT_THAT(fails.err, ::testing::Not(HasSubstr("--threshold=failed==0 failed")));
  const auto holds = with({"--threshold=p50_us>=2000", "--threshold=failed==0"});
  EXPECT_EQ(holds.status, 0) << "a 2 ms wait never takes less: " << holds.err;
}

}  // namespace

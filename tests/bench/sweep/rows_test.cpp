// A point's row from figures made by hand: CPU shares, interference with its causes, percentiles
// that need samples, and what could not be measured (NaN, never 0).
#include "sweep/rows.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <sstream>

#include "support/sweep_plans.hpp"
#include "sweep/render_csv.hpp"
#include "sweep/render_table.hpp"

namespace {

using namespace inflight::bench;
using inflight::test::run_of;
using inflight::test::short_options;
using ::testing::HasSubstr;
using ::testing::Not;

point_result one_second(std::size_t vcpus) {
  point_result r;
  r.vcpus = r.in_flight = r.cpus = vcpus;
  r.per_vcpu = 1;
  r.window_s = 1;
  return r;
}

TEST(SweepRows, InterferenceIsFlaggedWithItsCause) {
  const auto d = run_of(short_options(2));
  point_result r = one_second(2);
  r.thread_cpu_seconds = 0.2;
  r.process_cpu_seconds = 0.25;
  r.others_cpu_seconds = 0.08;  // 0.08 s of 2 vCPU-seconds = 4%: clean
  r.floor_p99_us = 100;
  auto row = make_row(d, "fiber", false, r, "p", 50);
  EXPECT_EQ(row.interference, "");
  EXPECT_NEAR(row.cpu_util, 0.1, 1e-9) << "the model's threads only";
  EXPECT_NEAR(row.harness_cpu_pct, 2.5, 1e-9);
  EXPECT_NEAR(row.others_cpu_pct, 4, 1e-9);
  r.others_cpu_seconds = 0.3;  // 15%
  r.steal_seconds = 0.1;       // 5% of 2 CPU-seconds
  r.floor_p99_us = 400;        // 8x the first probe
  row = make_row(d, "fiber", false, r, "p", 50);
  EXPECT_EQ(row.interference,
            "other processes used 15.0% of the vCPUs; steal 5.0%; timer floor p99 400 us, 8.0x "
            "the first probe");
  const auto table = format_table(d, {row}, inflight::timer_floor{});
  EXPECT_THAT(table, HasSubstr("~ fiber per_vCPU 1: interference: other processes used 15.0%"));
  EXPECT_THAT(table, HasSubstr("1 of 1 points ran beside other work"));
  EXPECT_THAT(table, HasSubstr("CPU% counts the model's threads only"));
}

// The python model's CPU is its children's; an exec point's is its runtime's, and all of this
// process is harness there.
TEST(SweepRows, CpuIsTheSubjectsWhereverItRan) {
  const auto d = run_of(short_options(2));
  point_result r = one_second(2);
  r.children_cpu_seconds = 0.4;
  r.process_cpu_seconds = 0.1;
  EXPECT_NEAR(make_row(d, "python", false, r, "p").cpu_util, 0.2, 1e-9);
  EXPECT_NEAR(make_row(d, "python", false, r, "p").harness_cpu_pct, 5, 1e-9);
  r.children_cpu_seconds = 0;
  r.exec = true;
  r.runtime_cpu_seconds = 1.0;
  const auto row = make_row(d, "exec:rt", false, r, "p");
  EXPECT_NEAR(row.cpu_util, 0.5, 1e-9);
  EXPECT_NEAR(row.harness_cpu_pct, 5, 1e-9);
  EXPECT_TRUE(row.exec);
}

// eff needs an ideal: an exec point without nominal costs has none (0, n/a in the table).
TEST(SweepRows, EfficiencyOnlyWhereTheCostsAreKnown) {
  auto d = run_of(short_options(1));
  point_result r = one_second(1);
  r.completed = 400;  // 400/s against 1 / 2 ms = 500/s
  EXPECT_NEAR(make_row(d, "fiber", false, r, "p").efficiency, 0.8, 1e-9);
  d.nominal = false;
  EXPECT_EQ(make_row(d, "exec:rt", false, r, "p").efficiency, 0);
}

// Percentiles need samples: 999 latencies show no p99.
TEST(SweepRows, PercentilesWithTooFewSamplesAreNotShown) {
  EXPECT_TRUE(enough_samples(20, 50));
  EXPECT_FALSE(enough_samples(19, 50));
  EXPECT_TRUE(enough_samples(1000, 99));
  EXPECT_FALSE(enough_samples(999, 99));
  EXPECT_TRUE(enough_samples(10000, 99.9));
  const auto d = run_of(short_options(1));
  point_result r = one_second(1);
  for (int i = 0; i < 999; ++i) r.latency.record(std::uint64_t{2'000'000});
  r.completed = 999;
  const auto row = make_row(d, "fiber", false, r, "p");
  EXPECT_EQ(row.samples, 999);
  const auto table = format_table(d, {row}, inflight::timer_floor{});
  EXPECT_THAT(table, HasSubstr("n/a: too few samples for that percentile"));
  std::ostringstream csv;
  write_csv_row(csv, row);
  EXPECT_THAT(csv.str(), HasSubstr(",2000.000,2000.000,,,"))
      << "p50 and p90 shown, p99 and p99.9 empty";
}

// A /proc read that failed leaves the runtime's figures unknown: n/a and empty, never 0.
TEST(SweepRows, WhatCouldNotBeMeasuredIsNaNeverZero) {
  auto d = run_of(short_options(1));
  d.nominal = false;
  const double unknown = std::numeric_limits<double>::quiet_NaN();
  point_result r = one_second(1);
  r.exec = true;
  for (int i = 0; i < 100; ++i) r.latency.record(std::uint64_t{2'000'000});
  r.completed = 100;
  r.runtime_cpu_seconds = unknown;
  r.rss_init_mb = r.rss_peak_mb = r.others_cpu_seconds = unknown;
  r.unmeasured = "/proc: Too many open files";
  const auto row = make_row(d, "exec:rt", false, r, "exec:rt/closed/per_vcpu:1");
  EXPECT_TRUE(std::isnan(row.runtime_cpu_us_per_call));
  EXPECT_TRUE(std::isnan(row.cpu_util));
  EXPECT_TRUE(std::isnan(row.rss_per_slot_kb));
  EXPECT_THAT(row.interference, HasSubstr("other processes' CPU unknown"));
  const auto table = format_table(d, {row}, inflight::timer_floor{});
  EXPECT_THAT(table, Not(HasSubstr("nan")));
  EXPECT_THAT(table, HasSubstr("     n/a"));
  std::ostringstream csv;
  write_csv_row(csv, row);
  EXPECT_THAT(csv.str(), Not(HasSubstr("nan")));
}

}  // namespace

// --benchmark_repetitions: one row per point, the median repetition, with the spread.
#include "sweep/repetitions.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "support/sweep_plans.hpp"
#include "sweep/render_table.hpp"

namespace {

using namespace inflight::bench;
using ::testing::HasSubstr;

TEST(SweepRepetitions, BecomeOneRowWithTheirSpread) {
  std::vector<point_row> rows(3);
  const double throughput[] = {1000, 900, 1100};
  const double p99[] = {2100, 2500, 2200};
  for (int i = 0; i < 3; ++i) {
    rows[i].name = "fiber/closed/io:2ms/cpu:0/per_vcpu:1";
    rows[i].model = "fiber";
    rows[i].throughput = throughput[i];
    rows[i].p99_us = p99[i];
    rows[i].samples = 5000;
    rows[i].littles_law_check = 1;
  }
  rows.push_back(rows.front());
  rows.back().name = "fiber/closed/io:2ms/cpu:0/per_vcpu:2";
  const auto one = with_repetitions(rows);
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[0].repetitions, 3u);
  EXPECT_EQ(one[0].throughput, 1000) << "the median repetition";
  EXPECT_EQ(one[0].throughput_min, 900);
  EXPECT_EQ(one[0].throughput_max, 1100);
  EXPECT_NEAR(one[0].throughput_cv, 0.1, 1e-9);
  EXPECT_EQ(one[0].p99_min_us, 2100);
  EXPECT_EQ(one[0].p99_max_us, 2500);
  EXPECT_EQ(one[1].repetitions, 1u);
  EXPECT_EQ(one[1].throughput_cv, 0);
  const auto table = format_table(inflight::test::run_of(inflight::test::short_options(1)), one,
                                  inflight::timer_floor{});
  EXPECT_THAT(table, HasSubstr("900.0-1100.0"));
  EXPECT_THAT(table, HasSubstr("10.0%!"));
}

}  // namespace

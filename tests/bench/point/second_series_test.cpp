// The per-second series of an open-loop point: each second's coarse histogram, the schedule's
// offered rate per second, and what second_latencies collects.
#include "point/second_series.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <vector>

namespace {

using namespace std::chrono_literals;
using namespace inflight::bench;
using inflight::bench::detail::coarse_histogram;
using inflight::bench::detail::second_latencies;

TEST(CoarseHistogram, PercentilesAreWithinOneSixtyFourthOfTheValue) {
  for (std::uint64_t v :
       {std::uint64_t{0}, std::uint64_t{63}, std::uint64_t{64}, std::uint64_t{1000},
        std::uint64_t{2'000'000}, std::uint64_t{123'456'789}, std::uint64_t{3'600'000'000'000}}) {
    coarse_histogram h;
    h.record(v);
    const double got = static_cast<double>(h.percentile(99));
    EXPECT_NEAR(got, static_cast<double>(v), static_cast<double>(v) / 64 + 1) << v;
  }
}

TEST(CoarseHistogram, ThePercentileIsTheNearestRank) {
  coarse_histogram h;
  for (std::uint64_t i = 1; i <= 1000; ++i) h.record(i * 1000);  // 1 us .. 1 ms
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_NEAR(static_cast<double>(h.percentile(50)), 500'000, 500'000 / 64.0);
  EXPECT_NEAR(static_cast<double>(h.percentile(99)), 990'000, 990'000 / 64.0);
  EXPECT_EQ(coarse_histogram{}.percentile(99), 0u) << "empty";
}

TEST(SecondSeries, TheOfferedRateIsTheSchedulesIntegralPerSecond) {
  point_spec spec;
  spec.stages = {{1000, 3000, 2s}, {500, 500, 1s}};
  EXPECT_DOUBLE_EQ(detail::scheduled_arrivals(spec, 0, 1), 1500);
  EXPECT_DOUBLE_EQ(detail::scheduled_arrivals(spec, 1, 2), 2500);
  EXPECT_DOUBLE_EQ(detail::scheduled_arrivals(spec, 2, 3), 500);
  EXPECT_DOUBLE_EQ(detail::scheduled_arrivals(spec, 1.5, 2.5), 1375 + 250);
  point_spec constant;
  constant.rate = 40;
  EXPECT_DOUBLE_EQ(detail::scheduled_arrivals(constant, 0, 0.5), 20);
}

TEST(SecondSeries, EachSecondCountsWhatArrivedInIt) {
  point_spec spec;
  spec.rate = 100;
  second_latencies s(2500ms);
  ASSERT_EQ(s.size(), 3u) << "two whole seconds and a half one";
  const std::vector<std::uint64_t> ns = {1'000'000, 2'000'000, 3'000'000, 9'000'000};
  const std::vector<std::uint32_t> at = {0, 0, 2, 7};  // the last is past the window: dropped
  s.record(ns.data(), at.data(), ns.size());
  s.failed(1);
  std::vector<second_figures> out;
  s.collect(spec, 2500ms, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].completed, 2u);
  EXPECT_NEAR(out[0].p99_us, 2000, 2000 / 64.0);
  EXPECT_EQ(out[1].completed, 0u);
  EXPECT_EQ(out[1].failed, 1u);
  EXPECT_EQ(out[1].p99_us, 0) << "nothing completed in it";
  EXPECT_EQ(out[2].completed, 1u);
  EXPECT_DOUBLE_EQ(out[2].start_s, 2);
  EXPECT_DOUBLE_EQ(out[2].length_s, 0.5);
  EXPECT_DOUBLE_EQ(out[2].offered_per_s, 100);
}

TEST(SecondSeries, ArrivalCountsAddUpAcrossGenerators) {
  std::vector<second_figures> a, b, total;
  detail::count_arrival(a, 0, false);
  detail::count_arrival(a, 2, true);
  detail::count_arrival(b, 2, false);
  detail::add_arrivals(a, total);
  detail::add_arrivals(b, total);
  ASSERT_EQ(total.size(), 3u);
  EXPECT_EQ(total[0].arrivals, 1u);
  EXPECT_EQ(total[1].arrivals, 0u);
  EXPECT_EQ(total[2].arrivals, 2u);
  EXPECT_EQ(total[2].throttled, 1u);
}

}  // namespace

// The open loop's one arrival schedule: reproducible from the seed, at the rate, over at the end,
// split into streams that add up to the rate, and following a profile of ramps and steps.
#include "point/arrival_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace {

using namespace std::chrono_literals;
using inflight::bench::arrival_process;
using inflight::bench::arrival_schedule;
using inflight::bench::point_spec;
using inflight::bench::steady;

std::vector<steady::time_point> all(const point_spec& spec, steady::time_point start,
                                    steady::duration length, std::size_t stream = 0,
                                    std::size_t streams = 1) {
  arrival_schedule s(spec, start, start + length, stream, streams);
  std::vector<steady::time_point> out;
  for (auto t = s.next(); t < s.end(); t = s.next()) out.push_back(t);
  return out;
}

TEST(ArrivalSchedule, TheSameSeedGivesTheSameTimes) {
  point_spec spec;
  spec.rate = 1000;
  spec.seed = 5;
  const auto start = steady::now();
  const auto five = all(spec, start, 1s);
  EXPECT_EQ(all(spec, start, 1s), five);
  spec.seed = 6;
  EXPECT_NE(all(spec, start, 1s), five);
}

TEST(ArrivalSchedule, UniformGapsAreOneOverTheRate) {
  point_spec spec;
  spec.rate = 100;
  spec.arrivals = arrival_process::uniform;
  const steady::time_point start{};
  const auto t = all(spec, start, 1s);
  ASSERT_EQ(t.size(), 99u) << "10 ms apart, the 100th at the end itself";
  for (std::size_t i = 0; i < t.size(); ++i) {
    EXPECT_NEAR(std::chrono::duration<double>(t[i] - start).count(),
                0.01 * static_cast<double>(i + 1), 1e-9);
  }
}

TEST(ArrivalSchedule, PoissonArrivalsComeAtTheRateOnAverage) {
  point_spec spec;
  spec.rate = 20000;
  const auto n = all(spec, steady::time_point{}, 10s).size();
  // 200000 expected; a Poisson count's standard deviation is sqrt(200000) = 447.
  EXPECT_NEAR(static_cast<double>(n), 200000, 5 * 447);
}

TEST(ArrivalSchedule, AGapPastTheEndEndsItWithoutOverflow) {
  point_spec spec;
  spec.rate = 0.001;  // a mean gap of 1000 s
  arrival_schedule s(spec, steady::time_point{}, steady::time_point{} + 10ms);
  const auto t = s.next();
  EXPECT_GE(t, s.end());
  EXPECT_LE(t, s.end() + 2s) << "capped at the end plus a second";
}

double seconds(steady::duration d) { return std::chrono::duration<double>(d).count(); }

// How many of `t` fall in [from, to) seconds after `start`.
std::size_t between(const std::vector<steady::time_point>& t, steady::time_point start, double from,
                    double to) {
  return static_cast<std::size_t>(std::count_if(t.begin(), t.end(), [&](steady::time_point x) {
    const double s = seconds(x - start);
    return s >= from && s < to;
  }));
}

TEST(ArrivalSchedule, StreamsDifferAndAddUpToTheRate) {
  point_spec spec;
  spec.rate = 20000;
  const steady::time_point start{};
  std::size_t total = 0;
  std::vector<std::vector<steady::time_point>> streams;
  for (std::size_t i = 0; i < 4; ++i) {
    streams.push_back(all(spec, start, 10s, i, 4));
    total += streams.back().size();
    // 50000 expected per stream; sd sqrt(50000) = 224.
    EXPECT_NEAR(static_cast<double>(streams.back().size()), 50000, 5 * 224) << "stream " << i;
  }
  EXPECT_NEAR(static_cast<double>(total), 200000, 5 * 447);
  EXPECT_NE(streams[0], streams[1]) << "each stream draws from a generator of its own";
  EXPECT_EQ(all(spec, start, 10s, 0, 1), all(spec, start, 10s))
      << "stream 0 of 1 is the whole schedule";
}

TEST(ArrivalSchedule, AUniformRampPlacesTheKthArrivalWhereTheRatesIntegralReachesK) {
  // 0 -> 200/s over 1 s: the integral is 100 t^2, so arrival k comes at sqrt(k / 100) s.
  point_spec spec;
  spec.arrivals = arrival_process::uniform;
  spec.stages = {{0, 200, 1s}};
  spec.duration = 1s;
  const steady::time_point start{};
  const auto t = all(spec, start, 1s);
  ASSERT_GE(t.size(), 99u);
  ASSERT_LE(t.size(), 100u);
  for (std::size_t k = 1; k <= 99; ++k) {
    EXPECT_NEAR(seconds(t[k - 1] - start), std::sqrt(static_cast<double>(k) / 100), 1e-6) << k;
  }
}

TEST(ArrivalSchedule, ADownwardRampAndAStepFollowTheirStages) {
  // 400 -> 0/s over 1 s (200 arrivals, 150 in its first half), then a step to 1000/s for 1 s.
  point_spec spec;
  spec.arrivals = arrival_process::uniform;
  spec.stages = {{400, 0, 1s}, {1000, 1000, 1s}};
  spec.duration = 2s;
  const steady::time_point start{};
  const auto t = all(spec, start, 2s);
  EXPECT_NEAR(static_cast<double>(between(t, start, 0, 0.5)), 150, 1);
  EXPECT_NEAR(static_cast<double>(between(t, start, 0.5, 1)), 50, 1);
  EXPECT_NEAR(static_cast<double>(between(t, start, 1, 2)), 1000, 1);
}

TEST(ArrivalSchedule, TheWarmupRunsAtTheFirstStagesRateAndPoissonRampsMatchTheirIntegral) {
  point_spec spec;
  spec.stages = {{1000, 3000, 2s}};
  spec.duration = 2s;
  spec.warmup = 1s;
  const steady::time_point start{};
  const auto t = all(spec, start, 3s, 1, 2);  // one stream of two: half of every count
  // Warm-up: 1000/s for 1 s, half of it 500 (sd 22); the ramp's seconds: 1500 and 2500, halved.
  EXPECT_NEAR(static_cast<double>(between(t, start, 0, 1)), 500, 5 * 22.4);
  EXPECT_NEAR(static_cast<double>(between(t, start, 1, 2)), 750, 5 * 27.4);
  EXPECT_NEAR(static_cast<double>(between(t, start, 2, 3)), 1250, 5 * 35.4);
}

TEST(ArrivalSchedule, AStageAtRateZeroHasNoArrivals) {
  point_spec spec;
  spec.stages = {{100, 100, 1s}, {0, 0, 1s}, {100, 100, 1s}};
  spec.duration = 3s;
  const steady::time_point start{};
  const auto t = all(spec, start, 3s);
  EXPECT_EQ(between(t, start, 1, 2), 0u);
  EXPECT_GT(between(t, start, 2, 3), 50u);
}

}  // namespace

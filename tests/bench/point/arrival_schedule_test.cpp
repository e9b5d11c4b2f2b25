// The open loop's one arrival schedule: reproducible from the seed, at the rate, and over at the
// end.
#include "point/arrival_schedule.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace {

using namespace std::chrono_literals;
using inflight::bench::arrival_process;
using inflight::bench::arrival_schedule;
using inflight::bench::point_spec;
using inflight::bench::steady;

std::vector<steady::time_point> all(const point_spec& spec, steady::time_point start,
                                    steady::duration length) {
  arrival_schedule s(spec, start, start + length);
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

}  // namespace

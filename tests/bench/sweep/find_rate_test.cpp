// --find=max_rate's search: doubling, halving and bisection against a known capacity, each
// probe's verdict, and the counters that keep every probe.
#include "sweep/find_rate.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

namespace {

using namespace std::chrono_literals;
using namespace inflight::bench;

find_budget budget() {
  find_budget b;
  b.p99 = 5ms;
  return b;
}

// A subject that throttles 5% of arrivals above `capacity` and none below; p99 is 2 ms.
rate_probe subject_at(double rate, double capacity) {
  rate_probe p;
  p.row.arrivals = rate;
  p.row.throttled = rate > capacity ? 0.05 * rate : 0;
  p.row.completed = p.row.arrivals - p.row.throttled;
  p.row.samples = 10000;
  p.row.p99_us = 2000;
  return p;
}

TEST(FindRate, DoublesThenBisectsToWithinFivePercentOfTheCapacity) {
  const auto s = find_max_rate(1000, budget(), [](double r) { return subject_at(r, 11000); });
  ASSERT_TRUE(s.best);
  EXPECT_LE(s.max_rate(), 11000);
  EXPECT_GE(s.max_rate(), 11000 / 1.05);
  // 1000, 2000, 4000, 8000 hold, 16000 fails, then bisection between 8000 and 16000.
  EXPECT_DOUBLE_EQ(s.probes[4].rate, 16000);
  EXPECT_FALSE(s.probes[4].sustained);
  EXPECT_EQ(s.probes[4].why, "throttled 5.00% > 1%");
  EXPECT_LE(s.probes.size(), 5u + 8u);
}

TEST(FindRate, HalvesWhenTheStartIsTooHigh) {
  const auto s = find_max_rate(1000, budget(), [](double r) { return subject_at(r, 300); });
  ASSERT_TRUE(s.best);
  EXPECT_LE(s.max_rate(), 300);
  EXPECT_GE(s.max_rate(), 300 / 1.05);
  EXPECT_DOUBLE_EQ(s.probes[1].rate, 500);
  EXPECT_DOUBLE_EQ(s.probes[2].rate, 250);
}

TEST(FindRate, AP99OverTheBudgetFailsAProbeAndSoDoTooFewSamples) {
  const auto slow = find_max_rate(100, budget(), [](double r) {
    rate_probe p = subject_at(r, 1e9);
    p.row.p99_us = r > 700 ? 9000 : 2000;
    return p;
  });
  EXPECT_LE(slow.max_rate(), 700);
  EXPECT_GE(slow.max_rate(), 700 / 1.05);
  bool said = false;
  for (const auto& p : slow.probes) said = said || p.why == "p99 9.000ms > 5ms";
  EXPECT_TRUE(said);
  rate_probe thin = subject_at(10, 1e9);
  thin.row.samples = 500;
  EXPECT_EQ(detail::probe_verdict(thin.row, budget()), "500 samples, too few for a p99");
}

TEST(FindRate, NoRateSustainedIsSaidAndAProbeThatCouldNotRunFailsItsStep) {
  const auto none = find_max_rate(1000, budget(), [](double) {
    rate_probe p;
    p.ran = false;
    p.why = "not measured: cannot start";
    return p;
  });
  EXPECT_FALSE(none.best);
  EXPECT_EQ(none.max_rate(), 0);
  EXPECT_EQ(none.probes.size(), 11u) << "the start, then ten halvings";
  EXPECT_EQ(none.probes.back().why, "not measured: cannot start");
}

TEST(FindRate, HalvingStopsWhereAProbeHasTooFewSamplesForItsP99) {
  // Throttled above 20/s; 1 s probes: under 1000/s a p99 cannot be told.
  const auto s = find_max_rate(100, budget(), [](double r) {
    rate_probe p = subject_at(r, 20);
    p.row.samples = r;
    return p;
  });
  EXPECT_FALSE(s.best);
  ASSERT_EQ(s.probes.size(), 4u) << "100, 50, 25: throttled; 12.5: only too few samples";
  EXPECT_TRUE(s.probes.back().thin);
  EXPECT_EQ(s.probes.back().why, "12.5 samples, too few for a p99");
  EXPECT_FALSE(s.probes[2].thin) << "throttled too";
}

TEST(FindRate, AStoppedProbeEndsTheSearch) {
  int probes = 0;
  const auto s = find_max_rate(1000, budget(), [&](double r) {
    rate_probe p = subject_at(r, 1e9);
    if (++probes == 3) {
      p.ran = false;
      p.stopped = true;
      p.why = "not run: interrupted";
    }
    return p;
  });
  EXPECT_EQ(s.probes.size(), 3u);
  EXPECT_DOUBLE_EQ(s.max_rate(), 2000) << "what held before the stop is kept";
}

TEST(FindRate, RatesStayInRange) {
  const auto s = find_max_rate(4e6, budget(), [](double r) { return subject_at(r, 1e12); });
  for (const auto& p : s.probes) EXPECT_LE(p.rate, 1e7);
  EXPECT_DOUBLE_EQ(s.max_rate(), 1e7) << "nothing failed: the top of the range";
}

TEST(FindRate, EveryProbeIsACounter) {
  const auto s = find_max_rate(1000, budget(), [](double r) { return subject_at(r, 3000); });
  const auto c = probe_counters(s);
  EXPECT_DOUBLE_EQ(c.at("max_rate"), s.max_rate());
  EXPECT_DOUBLE_EQ(c.at("probes"), static_cast<double>(s.probes.size()));
  EXPECT_DOUBLE_EQ(c.at("probe00_rate"), 1000);
  EXPECT_DOUBLE_EQ(c.at("probe00_sustained"), 1);
  EXPECT_DOUBLE_EQ(c.at("probe02_rate"), 4000);
  EXPECT_DOUBLE_EQ(c.at("probe02_sustained"), 0);
  EXPECT_DOUBLE_EQ(c.at("probe02_throttled_pct"), 5);
  for (const auto& [name, value] : c) {
    EXPECT_EQ(is_probe_counter(name), name.rfind("probe", 0) == 0 && name != "probes") << name;
  }
}

}  // namespace

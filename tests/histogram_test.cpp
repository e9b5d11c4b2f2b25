#include "inflight/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

namespace {

constexpr double quantiles[] = {0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};

std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double q) {
  auto rank =
      static_cast<std::size_t>(std::ceil(q / 100.0 * static_cast<double>(sorted.size()) - 1e-9));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void expect_close_to_exact(std::vector<std::uint64_t> values) {
  inflight::latency_histogram h;
  for (auto v : values) h.record(v);
  std::sort(values.begin(), values.end());
  for (double q : quantiles) {
    const double exact = static_cast<double>(exact_percentile(values, q));
    const double got = static_cast<double>(h.percentile(q));
    EXPECT_LE(std::abs(got - exact), exact * 0.001) << "q=" << q << " exact=" << exact;
  }
  EXPECT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
  double sum = 0;
  for (auto v : values) sum += static_cast<double>(v);
  EXPECT_DOUBLE_EQ(h.mean(), sum / static_cast<double>(values.size()));
}

TEST(LatencyHistogram, PercentilesOfUniformDataWithinATenthOfAPercent) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::uint64_t> u(1, 5'000'000'000);
  std::vector<std::uint64_t> values(200'000);
  for (auto& v : values) v = u(rng);
  expect_close_to_exact(values);
}

TEST(LatencyHistogram, PercentilesOfLognormalDataWithinATenthOfAPercent) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> ln(std::log(2e6), 1.0);
  std::vector<std::uint64_t> values(200'000);
  for (auto& v : values) v = static_cast<std::uint64_t>(ln(rng)) + 1;
  expect_close_to_exact(values);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  inflight::latency_histogram h;
  for (std::uint64_t v = 1; v <= 1000; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 500u);
  EXPECT_EQ(h.percentile(99.9), 999u);
  EXPECT_EQ(h.percentile(0), 1u);
  EXPECT_EQ(h.percentile(100), 1000u);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> ln(std::log(1e5), 1.5);
  inflight::latency_histogram all, parts[4];
  for (int i = 0; i < 100'000; ++i) {
    const auto v = static_cast<std::uint64_t>(ln(rng));
    all.record(v);
    parts[i % 4].record(v);
  }
  inflight::latency_histogram merged;
  for (const auto& p : parts) merged.merge(p);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
  for (double q : quantiles) EXPECT_EQ(merged.percentile(q), all.percentile(q)) << q;
}

TEST(LatencyHistogram, EmptyAndOutOfRange) {
  inflight::latency_histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(99), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  try {
    (void)h.percentile(101);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "percentile q is 101.000000; valid range is 0..100");
  }
  EXPECT_THROW((void)h.percentile(std::nan("")), std::invalid_argument);
  h.record(inflight::latency_histogram::highest_trackable * 2);
  EXPECT_EQ(h.saturated(), 1u);
  EXPECT_EQ(h.max(), inflight::latency_histogram::highest_trackable * 2);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.saturated(), 0u);
}

TEST(LatencyHistogram, CopiesAreIndependent) {
  inflight::latency_histogram a;
  a.record(10);
  inflight::latency_histogram b = a;
  b.record(20);
  EXPECT_EQ(a.count(), 1u);
  EXPECT_EQ(b.count(), 2u);
  a = b;
  EXPECT_EQ(a.max(), 20u);
}

TEST(LatencyHistogramMoves, AMovedFromHistogramReadsAsEmptyAndRecordsAgain) {
  inflight::latency_histogram a;
  a.record(1000);
  a.record(3000);
  inflight::latency_histogram b(std::move(a));
  EXPECT_EQ(b.count(), 2u);
  EXPECT_EQ(a.count(), 0u);  // NOLINT(bugprone-use-after-move): the state a moved-from one has
  EXPECT_EQ(a.percentile(99), 0u);
  EXPECT_EQ(a.max(), 0u);
  EXPECT_EQ(a.min(), 0u);
  inflight::latency_histogram c;
  c.merge(a);  // merging an empty, moved-from one adds nothing
  EXPECT_EQ(c.count(), 0u);
  a.merge(b);  // merging into it works
  EXPECT_EQ(a.count(), 2u);
  inflight::latency_histogram d;
  d = std::move(a);
  a.reset();
  a.record(5);
  EXPECT_EQ(a.count(), 1u);
  EXPECT_EQ(a.percentile(50), 5u);
  inflight::latency_histogram e(std::move(c));
  inflight::latency_histogram copy(c);  // copying a moved-from one gives an empty one
  EXPECT_EQ(copy.count(), 0u);
  copy.record(7);
  EXPECT_EQ(copy.percentile(100), 7u);
  EXPECT_EQ(d.percentile(100), b.percentile(100));
}

TEST(LatencyHistogramDurations, RecordsAnyChronoUnitWithoutCasts) {
  inflight::latency_histogram h;
  h.record(std::chrono::microseconds(3));
  h.record(std::chrono::steady_clock::duration(5000));
  h.record(std::chrono::duration<double, std::milli>(1.5));
  h.record(std::chrono::nanoseconds(-7));                 // a clock step: counts as 0
  h.record(std::chrono::hours::max());                    // saturates
  h.record(std::chrono::duration<double>(std::nan("")));  // counts as 0
  EXPECT_EQ(h.count(), 6u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.saturated(), 1u);
  EXPECT_NEAR(static_cast<double>(h.percentile(50)), 3000, 3);  // 0, 0, 3 us, 5 us, 1.5 ms, max
  EXPECT_NEAR(static_cast<double>(h.percentile(80)), 1.5e6, 1.5e6 * 0.001);
  EXPECT_EQ(h.max(), static_cast<std::uint64_t>(std::chrono::nanoseconds::max().count()));
}

}  // namespace

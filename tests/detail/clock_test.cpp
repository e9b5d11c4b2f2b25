// The saturating conversion to nanoseconds (detail/clock.hpp): its integer path gives exactly
// what the long double path gives, clamping and rounding included, on every architecture.
#include "inflight/detail/clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <ratio>
#include <vector>

namespace {

using inflight::detail::exact_ns_conversion;
using inflight::detail::saturating_ns;
using inflight::detail::saturating_ns_wide;
using i64 = std::int64_t;
using picoseconds = std::chrono::duration<i64, std::pico>;
using femtoseconds = std::chrono::duration<i64, std::femto>;
using thirds = std::chrono::duration<i64, std::ratio<1, 3>>;  // neither whole ns nor 1/N ns

static_assert(exact_ns_conversion<i64, std::nano>);
static_assert(exact_ns_conversion<i64, std::ratio<3600>>);  // hours
static_assert(exact_ns_conversion<int, std::milli>);
static_assert(exact_ns_conversion<i64, std::pico>);
static_assert(!exact_ns_conversion<double, std::milli>);
static_assert(!exact_ns_conversion<unsigned long long, std::milli>);
static_assert(!exact_ns_conversion<i64, std::ratio<1, 3>>);

// Counts around every edge: 0, ±1, each tick's clamping point and its neighbours, the extremes.
template <class Duration>
std::vector<i64> edges() {
  constexpr i64 max = std::numeric_limits<i64>::max(), min = std::numeric_limits<i64>::min();
  using ratio = std::ratio_divide<typename Duration::period, std::nano>;
  std::vector<i64> v{0,    1,   -1,   2,    -2,    499,       500, 501, -499,    -500,
                     -501, 999, 1000, 1001, -1000, 1'500'000, max, min, max - 1, min + 1};
  if (ratio::den == 1) {
    for (i64 edge : {max / ratio::num, min / ratio::num}) {
      for (i64 step : {-1, 0, 1}) {
        i64 count = 0;
        if (!__builtin_add_overflow(edge, step, &count)) v.push_back(count);  // ns: edge is max
      }
    }
  }
  return v;
}

template <class Duration>
void expect_paths_agree() {
  for (i64 count : edges<Duration>()) {
    const Duration d(count);
    EXPECT_EQ(saturating_ns(d, "d").count(), saturating_ns_wide(d, "d").count())
        << count << " ticks of " << Duration::period::num << "/" << Duration::period::den << " s";
  }
}

TEST(SaturatingNs, TheIntegerPathAgreesWithLongDoubleAtEveryEdge) {
  expect_paths_agree<std::chrono::nanoseconds>();
  expect_paths_agree<std::chrono::microseconds>();
  expect_paths_agree<std::chrono::milliseconds>();
  expect_paths_agree<std::chrono::seconds>();
  expect_paths_agree<std::chrono::minutes>();
  expect_paths_agree<std::chrono::hours>();
  expect_paths_agree<picoseconds>();
  expect_paths_agree<femtoseconds>();
}

TEST(SaturatingNs, ClampsInsteadOfOverflowing) {
  constexpr auto max = std::chrono::nanoseconds::max(), min = std::chrono::nanoseconds::min();
  EXPECT_EQ(saturating_ns(std::chrono::hours(1ll << 40), "d"), max);
  EXPECT_EQ(saturating_ns(std::chrono::hours::max(), "d"), max);
  EXPECT_EQ(saturating_ns(std::chrono::hours::min(), "d"), min);
  EXPECT_EQ(saturating_ns(std::chrono::microseconds(max.count() / 1000 + 1), "d"), max);
  EXPECT_EQ(saturating_ns(std::chrono::microseconds(max.count() / 1000), "d").count(),
            max.count() / 1000 * 1000);
}

TEST(SaturatingNs, TicksFinerThanANanosecondRoundHalfAwayFromZero) {
  EXPECT_EQ(saturating_ns(picoseconds(1499), "d").count(), 1);
  EXPECT_EQ(saturating_ns(picoseconds(1500), "d").count(), 2);
  EXPECT_EQ(saturating_ns(picoseconds(-1500), "d").count(), -2);
  EXPECT_EQ(saturating_ns(picoseconds(-1499), "d").count(), -1);
  EXPECT_EQ(saturating_ns(picoseconds(499), "d").count(), 0);
}

TEST(SaturatingNs, OtherDurationsTakeTheLongDoublePath) {
  EXPECT_EQ(saturating_ns(thirds(3), "d"), std::chrono::seconds(1));
  EXPECT_EQ(saturating_ns(thirds(1), "d").count(), 333'333'333);
  EXPECT_EQ(saturating_ns(std::chrono::duration<double>(1.5e-3), "d"),
            std::chrono::microseconds(1500));
  EXPECT_EQ(saturating_ns(std::chrono::duration<double>(1e300), "d"),
            std::chrono::nanoseconds::max());
  EXPECT_THROW(saturating_ns(std::chrono::duration<double>(std::nan("")), "d"),
               std::invalid_argument);
}

}  // namespace

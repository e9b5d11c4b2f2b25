// The knee, the recommendation and the scale-out estimate on curves worked out by hand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "compare/recommend.hpp"

namespace {

using namespace inflight::bench::compare;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<curve_point> hand_curve() {
  const std::vector<std::size_t> p = {1, 2, 4, 8, 16, 32, 64};
  const std::vector<double> x = {100, 200, 400, 800, 1500, 1600, 1620};
  const std::vector<double> p99_ms = {2, 2, 2, 2.1, 2.5, 5, 10};
  std::vector<curve_point> c;
  for (std::size_t i = 0; i < p.size(); ++i)
    c.push_back({p[i], x[i], 2000.0, p99_ms[i] * 1000, {}, 0, {}, {}});
  return c;
}

TEST(Knee, IsWhereADoublingFirstAddsUnderTenPercent) {
  EXPECT_EQ(knee(hand_curve()), 16u);
  std::vector<curve_point> linear;
  for (std::size_t p = 1; p <= 64; p *= 2)
    linear.push_back({p, 100.0 * static_cast<double>(p), {}, {}, {}, 0, {}, {}});
  EXPECT_FALSE(knee(linear));
  // Non-doubling steps are normalised per doubling: 10 -> 40 over two doublings is +100% each.
  EXPECT_NEAR(gain_per_doubling({10, 100, {}, {}, {}, 0, {}, {}}, {40, 400, {}, {}, {}, 0, {}, {}}),
              1.0, 1e-12);
}

TEST(Recommend, TakesTheLargestPointUpToTheKneeWithinTheDefaultBudget) {
  // Budget: 2 x p50 at per_vCPU 1 = 4 ms. 32 and 64 are past the knee; 16 has p99 2.5 ms.
  const auto r = recommend(hand_curve(), 2, 0);
  ASSERT_TRUE(r.per_vcpu);
  EXPECT_EQ(*r.per_vcpu, 16u);
  EXPECT_EQ(r.max_concurrency, 32u);
  EXPECT_DOUBLE_EQ(r.budget_us, 4000);
  EXPECT_EQ(r.budget_source, "2 x p50 at per_vCPU 1");
  EXPECT_THAT(r.why, HasSubstr("p99 2.500 ms is within the 4.000 ms budget"));
  EXPECT_THAT(r.why, HasSubstr("the doubling from 8 added 87.5%"));
  EXPECT_THAT(r.why, HasSubstr("going on to 32 would add only 6.7% per doubling"));
}

TEST(Recommend, ATightBudgetBindsFirst) {
  const auto r = recommend(hand_curve(), 4, 2050);  // only p99 <= 2.05 ms: per_vCPU 1, 2, 4
  ASSERT_TRUE(r.per_vcpu);
  EXPECT_EQ(*r.per_vcpu, 4u);
  EXPECT_EQ(r.max_concurrency, 16u);
  EXPECT_THAT(r.why, HasSubstr("8 would put p99 at 2.100 ms"));
  EXPECT_FALSE(recommend(hand_curve(), 1, 1000).per_vcpu);
}

// A step of several doublings is named as the step it is, with its gain per doubling beside it;
// the next point's tail is the percentile its samples back (500 samples: p90, never p99).
TEST(Recommend, ASparseCurveNamesItsStepsAndTheTailItsSamplesBack) {
  const std::vector<curve_point> c = {{1, 100, 2000.0, 2100.0, {}, 5000, {}, {}},
                                      {16, 1600, 2000.0, 2200.0, {}, 5000, {}, {}},
                                      {64, 6400, 2000.0, 9000.0, 3500.0, 500, {}, {}}};
  const auto r = recommend(c, 1, 3000);
  ASSERT_TRUE(r.per_vcpu);
  EXPECT_EQ(*r.per_vcpu, 16u);
  EXPECT_THAT(r.why, HasSubstr("the step from 1 to 16 added 1500.0% (100.0% per doubling)"));
  EXPECT_THAT(r.why, Not(HasSubstr("the doubling from 1")));
  EXPECT_THAT(r.why, HasSubstr("64 would put p90 at 3.500 ms (500 samples: too few for p99)"));
}

TEST(LimitToClean, NeverRecommendsACapAtOrAboveTheFirstLeak) {
  const auto c = hand_curve();
  recommendation r = recommend(c, 2, 0);
  ASSERT_EQ(r.per_vcpu, 16u);
  limit_to_clean(r, c, 2, 4, 37);
  EXPECT_EQ(r.per_vcpu, 2u) << "the highest point below per_vCPU 4";
  EXPECT_EQ(r.max_concurrency, 4u);
  EXPECT_THAT(r.why, HasSubstr("37 invocations not kept apart at per_vCPU 4"));
}

TEST(LimitToClean, KeepsACapBelowTheLeakAndSaysSo) {
  const auto c = hand_curve();
  recommendation r = recommend(c, 1, 0);
  limit_to_clean(r, c, 1, 32, 5);
  EXPECT_EQ(r.per_vcpu, 16u);
  EXPECT_THAT(r.why, HasSubstr("this one is below it"));
}

TEST(LimitToClean, NoCapWhenTheLowestPointLeaked) {
  const auto c = hand_curve();
  recommendation r = recommend(c, 1, 0);
  limit_to_clean(r, c, 1, 1, 2);
  EXPECT_FALSE(r.per_vcpu);
  EXPECT_THAT(r.why, HasSubstr("no point below it was measured"));
}

TEST(ScaleOut, AtLeastThreeEnvironments) {
  EXPECT_EQ(environments_needed(100000, 62208), 3u);  // ceil = 2, but one per AZ
  EXPECT_EQ(environments_needed(100000, 4966), 21u);
  EXPECT_EQ(environments_needed(10, 0), 0u);
}

}  // namespace

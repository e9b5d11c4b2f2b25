// Statistics over repetitions: Mann-Whitney U and the coefficient of variation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "compare/statistics.hpp"

namespace {

using namespace inflight::bench::compare;
using ::testing::HasSubstr;

TEST(Statistics, MannWhitneyNeedsNineRepetitionsAndSeparatesShiftedSamples) {
  std::vector<double> a, b, c;
  for (int i = 0; i < 9; ++i) {
    a.push_back(100 + i);
    b.push_back(200 + i);
    c.push_back(100 + i);
  }
  EXPECT_FALSE(mann_whitney_p({1, 2, 3}, {4, 5, 6}));
  ASSERT_TRUE(mann_whitney_p(a, b));
  EXPECT_LT(*mann_whitney_p(a, b), 0.001);
  EXPECT_GT(*mann_whitney_p(a, c), 0.9);
  EXPECT_NEAR(*coefficient_of_variation({10, 10, 10}), 0, 1e-12);
  EXPECT_FALSE(coefficient_of_variation({10}));
}

}  // namespace

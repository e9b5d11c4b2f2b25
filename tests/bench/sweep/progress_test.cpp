// The progress line's figures.
#include "sweep/progress.hpp"

#include <gtest/gtest.h>

namespace {

using inflight::bench::rate_text;

TEST(SweepProgress, ASlowRateIsNeverShownAsZero) {
  EXPECT_EQ(rate_text(0.5), "0.5");
  EXPECT_EQ(rate_text(0.004), "0.004");
  EXPECT_EQ(rate_text(7.3), "7.3");
  EXPECT_EQ(rate_text(99.96), "100.0");
  EXPECT_EQ(rate_text(12345.6), "12346");
}

}  // namespace
